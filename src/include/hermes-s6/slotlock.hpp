// One writer per slot (issue 10): a lock per slot name, held by every
// operation that changes a slot (publish, publish -f, unpublish, and so the
// boot reconcile and the run-time service, which call them).
//
// The lock of the slot dir named X in the scandir D is the file
// D/.hermes-s6-locks/X: the dir is dot-named (s6-svscan ignores it),
// created 0700 and owned by the effective uid (root; the user in USER
// mode), and refused when it is anything else, so the application user
// can neither take the lock nor plant anything in it. The lock is an open
// file description write lock (F_OFD_SETLK) on the whole file; it
// conflicts with s6-setlock's POSIX lock, so an admin can hold a slot by
// hand: s6-setlock D/.hermes-s6-locks/X prog... Lock files are never
// removed (removing a lock file lets two writers lock two files).
//
// A process may take the same slot's lock again while it holds it (say,
// the run-time service around render, seed and publish_slot, which takes
// it too): the inner take is counted and the lock stays held until the
// outermost SlotLock is released. A fork inherits the lock (the open file
// description is shared); it is released when the last copy is closed.
#pragma once

#include <hermes-s6/error.hpp>

#include <ctime>
#include <string_view>
#include <sys/types.h>

namespace hs6 {

// Exit code of a writer that found the slot locked by another one and
// gave up at its deadline ("busy").
inline constexpr int exit_busy = 2;
// The dir of the lock files, in the scandir.
inline constexpr char slot_lock_dir[] = ".hermes-s6-locks";
// How long publish waits for the lock by default.
inline constexpr unsigned slot_lock_wait_ms = 10000;

class SlotLock {
public:
    SlotLock() = default;
    SlotLock(SlotLock &&o) noexcept : dev_(o.dev_), ino_(o.ino_) { o.ino_ = 0; }
    SlotLock &operator=(SlotLock &&o) noexcept;
    SlotLock(SlotLock const &) = delete;
    SlotLock &operator=(SlotLock const &) = delete;
    ~SlotLock() { release(); }

    bool held() const { return ino_ != 0; }
    void release();

private:
    friend Error lock_slot(int, std::string_view, std::string_view, struct timespec const &, SlotLock &);
    dev_t dev_ = 0;
    ino_t ino_ = 0;
};

// Takes the lock of the slot named slot (a base name, e.g. gateway-a) in
// the scandir open at scandirfd (named scandir in messages), waiting until
// the monotonic deadline (deadline_in() in control.hpp). Errors: exit_busy
// when another writer still holds it at the deadline; 111 when the lock
// dir or file cannot be made or opened, or is not what it must be.
[[nodiscard]] Error lock_slot(int scandirfd, std::string_view scandir, std::string_view slot,
                              struct timespec const &deadline, SlotLock &lock);

} // namespace hs6

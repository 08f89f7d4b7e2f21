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
// hand: s6-setlock D/.hermes-s6-locks/X prog... (while the slot exists).
//
// Lock files do not outlive their slot (issues 16 and 17): the holder
// that leaves neither X nor its hidden tree .X removes the lock file
// before it lets go of the lock, so the files are bounded by the slots,
// and so by HERMES_MAX_PROFILES, never by how many names were asked for.
// A writer that waited on a file removed meanwhile finds, once it has the
// lock, that the name is gone or names another file, and starts again: a
// lock is only held on the file the name leads to.
//
// Nothing nests: a process takes a slot's lock once; a second take in the
// same process waits like any other writer's.
#pragma once

#include <hermes-s6/error.hpp>
#include <hermes-s6/fs.hpp>

#include <ctime>
#include <string>
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
    SlotLock(SlotLock &&) noexcept = default;
    SlotLock &operator=(SlotLock &&o) noexcept;
    SlotLock(SlotLock const &) = delete;
    SlotLock &operator=(SlotLock const &) = delete;
    ~SlotLock() { release(); }

    bool held() const { return static_cast<bool>(fd_); }
    // Lets go of the lock, removing the lock file first when the scandir
    // holds neither the slot nor its hidden tree.
    void release();

private:
    friend Error lock_slot(int, std::string_view, std::string_view, struct timespec const &, SlotLock &);
    Fd dir_;            // the lock dir
    Fd fd_;             // the lock file, locked
    int scandirfd_ = -1; // the caller's: it outlives the lock
    std::string slot_;
};

// Takes the lock of the slot named slot (a base name, e.g. gateway-a) in
// the scandir open at scandirfd (named scandir in messages; it stays open
// as long as the lock is held), waiting until the monotonic deadline
// (deadline_in() in control.hpp). Errors: exit_busy
// when another writer still holds it at the deadline; 111 when the lock
// dir or file cannot be made or opened, or is not what it must be.
[[nodiscard]] Error lock_slot(int scandirfd, std::string_view scandir, std::string_view slot,
                              struct timespec const &deadline, SlotLock &lock);

} // namespace hs6

// Talking to a running s6-supervise: its control FIFO and its lock
// (supervise/lock, which s6-supervise holds with a POSIX fcntl write lock
// for as long as it runs).
#pragma once

#include <hermes-s6/fs.hpp>

#include <ctime>
#include <string_view>

namespace hs6 {

enum class Sent { sent, no_supervisor };

// Writes cmd (e.g. "dx", as s6-svc -dx does) to supervise/control under
// svcfd, opened O_WRONLY|O_NONBLOCK without following: ENOENT or ENXIO (no
// reader) mean no supervisor. False with errno on another failure.
bool send_control(int svcfd, std::string_view cmd, Sent &sent);

// Opens supervise/lock under svcfd for locking, creating supervise/ (0700)
// and lock (0644) when absent, as s6-supervise would. created tells what
// was made, so that a caller can undo it. Invalid Fd with errno on failure.
struct LockCreated {
    bool dir = false;
    bool file = false;
};
Fd open_supervise_lock(int svcfd, LockCreated &created);
// Removes what open_supervise_lock created (best effort).
void undo_supervise_lock(int svcfd, LockCreated const &created);

// Takes an open file description read lock on the whole of the lock file
// open at fd, without waiting. It conflicts with s6-supervise's write lock
// (also one taken by this very process), and while held, no s6-supervise
// can start on the directory. True when taken; false with EAGAIN when a
// supervisor holds it, or another errno.
bool try_supervise_lock(int fd);

// Same, waiting until the monotonic-clock deadline: the wait is a blocking
// F_OFD_SETLKW interrupted by SIGALRM from an interval timer (the handler
// and timer are restored afterwards; SIGALRM is unblocked meanwhile). False
// with ETIMEDOUT when the deadline passes.
bool wait_supervise_lock(int fd, struct timespec const &deadline);

// A monotonic-clock deadline ms milliseconds from now, and the comparison.
struct timespec deadline_in(unsigned ms);
bool deadline_passed(struct timespec const &deadline);

} // namespace hs6

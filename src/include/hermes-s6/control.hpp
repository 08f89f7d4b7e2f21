// Talking to s6: s6-svscan's control FIFO, and s6-supervise's lock
// (supervise/lock, which s6-supervise holds with a POSIX fcntl write lock
// for as long as it runs).
#pragma once

#include <hermes-s6/fs.hpp>

#include <csignal>
#include <ctime>
#include <sys/time.h>
#include <string_view>
#include <sys/types.h>

namespace hs6 {

// Writes cmd to the control FIFO of the s6-svscan that watches the scandir
// open at scandirfd (.s6-svscan/control, opened O_WRONLY|O_NONBLOCK, as
// s6-svscanctl does): "a" to rescan, "an" to rescan and stop the
// supervisors of the services that are gone. With a deadline, waits until
// then for s6-svscan to have read it (the FIFO empty again), so that its
// scan comes before it starts any supervisor again. False when no
// s6-svscan listens (no FIFO, or no reader: ENXIO) or the write failed.
bool tell_svscan(int scandirfd, std::string_view cmd, struct timespec const *deadline = nullptr);

// Takes an open file description read lock on the whole of the lock file
// open at fd, without waiting. It conflicts with s6-supervise's write lock
// (also one taken by this very process), and while held, no s6-supervise
// can start on the directory. True when taken; false with EAGAIN when a
// supervisor holds it, or another errno.
bool try_supervise_lock(int fd);

// Takes an open file description lock of type (F_RDLCK, as
// try_supervise_lock; F_WRLCK on an fd open for writing) on the whole file
// open at fd, waiting until the monotonic-clock deadline: a blocking
// F_OFD_SETLKW interrupted by SIGALRM from an interval timer (the handler
// and timer are restored afterwards; SIGALRM is unblocked meanwhile).
// False with ETIMEDOUT when the deadline passes. Two fds of one process
// conflict too.
bool wait_lock(int fd, short type, struct timespec const &deadline);

// The pid of the process that holds a POSIX (per-process) lock on the lock
// file open at fd that conflicts with a read lock, as s6-supervise's write
// lock does; 0 when it is free or held by an open file description lock
// (whose owner has no pid).
pid_t lock_holder(int fd);

// Root's own signals, for a supervisor that s6-svscan did not stop (one
// it did not spawn, or in a scandir it does not watch). Acts only when pid
// is a live process named s6-supervise (through a pidfd, so never on a
// process that reused the pid); false otherwise, nothing signalled.
// term: SIGTERM to it, which makes s6-supervise bring its service down
// (SIGKILL after the slot's timeout-kill) and exit, as s6-svc -dx would.
// kill: first SIGKILL to every child of it (the service or its finish
// script, and the child's process group when it leads one), each through
// a pidfd checked to be still that process's child, then SIGTERM to it.
// hard: the same, then SIGKILL to it: the last resort for one that does
// not act on signals (a group member flooding its control FIFO keeps
// s6-supervise in its read loop); its service is dead by then.
enum class Stop { term, kill, hard };
bool kill_supervised(pid_t pid, Stop how);

// While alive: SIGALRM, caught without SA_RESTART and unblocked, at the
// monotonic deadline and every every_ms after it, so that a blocking call
// (fcntl F_OFD_SETLKW, a write to a client) returns EINTR by then. The
// disposition, the mask and the process's interval timer are put back at
// the end (errno kept). The one timer of wait_lock and of the client send.
class AlarmAt {
public:
    AlarmAt(struct timespec const &deadline, unsigned every_ms);
    ~AlarmAt();
    AlarmAt(AlarmAt const &) = delete;
    AlarmAt &operator=(AlarmAt const &) = delete;

private:
    struct sigaction old_sa_;
    sigset_t old_mask_;
    struct itimerval old_timer_;
};

// Milliseconds from now to the monotonic deadline (negative once past).
long long ms_until(struct timespec const &deadline);

// A monotonic-clock deadline ms milliseconds from now, and the comparison.
struct timespec deadline_in(unsigned ms);
// The monotonic deadline ms milliseconds after t.
struct timespec after(struct timespec t, unsigned ms);
bool deadline_passed(struct timespec const &deadline);
// The earlier of two deadlines.
struct timespec earlier(struct timespec const &a, struct timespec const &b);

} // namespace hs6

// Talking to a running s6-supervise: its control FIFO and its lock
// (supervise/lock, which s6-supervise holds with a POSIX fcntl write lock
// for as long as it runs).
#pragma once

#include <hermes-s6/fs.hpp>

#include <ctime>
#include <string_view>
#include <sys/types.h>

namespace hs6 {

enum class Sent { sent, no_supervisor };

// Writes cmd (e.g. "dx", as s6-svc -dx does) to supervise/control under
// svcfd, opened O_WRONLY|O_NONBLOCK without following: ENOENT or ENXIO (no
// reader) mean no supervisor. False with errno on another failure. A full
// FIFO (EAGAIN: someone in the group fills it) is waited out with poll()
// and the write tried again until the deadline, when one is given (false
// with ETIMEDOUT once it has passed); without one, it is EAGAIN at once.
bool send_control(int svcfd, std::string_view cmd, Sent &sent, struct timespec const *deadline = nullptr);

// True when something reads the FIFO supervise/control under svcfd: an
// s6-supervise runs there, whether or not its lock file can be seen. (It
// opens the FIFO for writing without blocking: ENXIO when no one reads.)
bool control_has_reader(int svcfd);

// Opens supervise/lock under svcfd for locking, creating supervise/ (0700)
// and lock (0644) when absent, as s6-supervise would. Invalid Fd with
// errno on failure. What it creates is never removed again on a slot that
// stays: an s6-supervise starting meanwhile may have opened that lock
// file, and would lock it once unlinked, where no one else can see it.
Fd open_supervise_lock(int svcfd);

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

// The same wait for any lock type on fd (F_RDLCK, or F_WRLCK on an fd open
// for writing): an open file description lock, so that two fds of one
// process conflict too.
bool wait_lock(int fd, short type, struct timespec const &deadline);

// The pid of the process that holds a POSIX (per-process) lock on the lock
// file open at fd that conflicts with a read lock, as s6-supervise's write
// lock does; 0 when it is free or held by an open file description lock
// (whose owner has no pid).
pid_t lock_holder(int fd);

// Escalation for a supervisor that does not exit in time (issue 10). When
// pid is a live process named s6-supervise: SIGKILL to every child of it
// (the service, or its finish script), to the child's process group when
// the child leads one (s6-supervise starts the service with setsid), each
// through a pidfd checked to be still that process's child; then SIGTERM
// to s6-supervise itself, which makes it bring the service down and exit,
// as s6-svc -dx would, without going through its FIFO. hard: SIGKILL to
// s6-supervise instead, the last resort for one that does not act on
// signals (a group member who floods its control FIFO keeps s6-supervise
// 2.11 in its one-byte read loop, where it sees neither signals nor its
// service's death); its service is dead by then, so nothing is orphaned.
// Returns false when pid is not an s6-supervise (nothing is signalled
// then).
bool kill_supervised(pid_t pid, bool hard = false);

// A monotonic-clock deadline ms milliseconds from now, and the comparison.
struct timespec deadline_in(unsigned ms);
// The monotonic deadline ms milliseconds after t.
struct timespec after(struct timespec t, unsigned ms);
bool deadline_passed(struct timespec const &deadline);
// The earlier of two deadlines.
struct timespec earlier(struct timespec const &a, struct timespec const &b);

} // namespace hs6

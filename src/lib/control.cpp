// Talking to s6-supervise: commands through its control FIFO, and its
// lock, which tells whether it runs and keeps a new one from starting.
#include <hermes-s6/control.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

namespace hs6 {

namespace {

long long ms_until(struct timespec const &deadline)
{
    struct timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return (deadline.tv_sec - now.tv_sec) * 1000LL + (deadline.tv_nsec - now.tv_nsec) / 1000000;
}

// supervise/control under svcfd opened for writing without blocking, as
// s6-svc does: ENOENT when there is none, ENXIO when nothing reads it,
// EINVAL when it is not a FIFO.
Fd open_control(int svcfd)
{
    Fd sup = open_dir(svcfd, "supervise");
    if (!sup) return Fd();
    Fd fifo(::openat(sup.get(), "control", O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!fifo || ::fstat(fifo.get(), &st) < 0) return Fd();
    if (!S_ISFIFO(st.st_mode)) {
        errno = EINVAL;
        return Fd();
    }
    return fifo;
}

} // namespace

bool send_control(int svcfd, std::string_view cmd, Sent &sent, struct timespec const *deadline)
{
    sent = Sent::no_supervisor;
    Fd fifo = open_control(svcfd);
    if (!fifo) return errno == ENOENT || errno == ENXIO;
    // The reader may go between the open and the write: EPIPE, not death.
    SigpipeIgnored nopipe;
    for (;;) {
        // cmd is shorter than PIPE_BUF: written whole or not at all.
        ssize_t const w = ::write(fifo.get(), cmd.data(), cmd.size());
        if (w == static_cast<ssize_t>(cmd.size())) break;
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EPIPE) return true; // no reader any more: no supervisor
        if (w >= 0) errno = EAGAIN;
        if (errno != EAGAIN || !deadline) return false;
        long long const left = ms_until(*deadline);
        if (left <= 0) {
            errno = ETIMEDOUT;
            return false;
        }
        // Someone keeps the FIFO full: wait for room (s6-supervise drains
        // it), never longer than 10 ms, as another writer may take it first.
        struct pollfd p {fifo.get(), POLLOUT, 0};
        if (::poll(&p, 1, static_cast<int>(left < 10 ? left : 10)) < 0 && errno != EINTR) return false;
    }
    sent = Sent::sent;
    return true;
}

bool control_has_reader(int svcfd) { return static_cast<bool>(open_control(svcfd)); }

Fd open_supervise_lock(int svcfd)
{
    if (::mkdirat(svcfd, "supervise", 0700) < 0 && errno != EEXIST) return Fd();
    Fd sup = open_dir(svcfd, "supervise");
    if (!sup) return Fd();
    // An s6-supervise starting on the tree creates the file too: when it
    // came first (EEXIST), open the one it made.
    Fd fd;
    for (int tries = 0; !fd && tries < 3; ++tries) {
        fd = Fd(::openat(sup.get(), "lock", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
        if (fd || errno != ENOENT) break;
        fd = Fd(::openat(sup.get(), "lock", O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (fd) {
            if (::fchmod(fd.get(), 0644) < 0) return Fd();
        } else if (errno != EEXIST) {
            break;
        }
    }
    if (!fd) return Fd();
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return Fd();
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return Fd();
    }
    return fd;
}

namespace {

struct flock whole_file_read_lock()
{
    struct flock fl {};
    fl.l_type = F_RDLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 0;
    fl.l_pid = 0;
    return fl;
}

void on_alarm(int) {}

} // namespace

bool try_supervise_lock(int fd)
{
    struct flock fl = whole_file_read_lock();
    if (::fcntl(fd, F_OFD_SETLK, &fl) == 0) return true;
    if (errno == EACCES) errno = EAGAIN;
    return false;
}

struct timespec deadline_in(unsigned ms)
{
    struct timespec t;
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return after(t, ms);
}

struct timespec after(struct timespec t, unsigned ms)
{
    t.tv_sec += ms / 1000;
    t.tv_nsec += static_cast<long>(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

bool deadline_passed(struct timespec const &deadline) { return ms_until(deadline) <= 0; }

struct timespec earlier(struct timespec const &a, struct timespec const &b)
{
    if (a.tv_sec != b.tv_sec) return a.tv_sec < b.tv_sec ? a : b;
    return a.tv_nsec < b.tv_nsec ? a : b;
}

bool wait_supervise_lock(int fd, struct timespec const &deadline) { return wait_lock(fd, F_RDLCK, deadline); }

bool wait_lock(int fd, short type, struct timespec const &deadline)
{
    // A free lock, the usual case, is taken in one call, with no timer.
    struct flock now = whole_file_read_lock();
    now.l_type = type;
    if (::fcntl(fd, F_OFD_SETLK, &now) == 0) return true;
    if (errno != EAGAIN && errno != EACCES) return false;
    struct sigaction sa {}, old_sa;
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: the blocked fcntl must return EINTR
    if (::sigaction(SIGALRM, &sa, &old_sa) < 0) return false;
    sigset_t alrm, old_mask;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    ::sigprocmask(SIG_UNBLOCK, &alrm, &old_mask);
    struct itimerval old_timer;
    ::getitimer(ITIMER_REAL, &old_timer);
    bool got = false;
    int err = 0;
    for (;;) {
        long long const left = ms_until(deadline);
        if (left <= 0) {
            err = ETIMEDOUT;
            break;
        }
        // One signal at the deadline, then every 5 ms, in case the first
        // one came before fcntl went to sleep.
        struct itimerval it {};
        it.it_value.tv_sec = left / 1000;
        it.it_value.tv_usec = (left % 1000) * 1000;
        it.it_interval.tv_usec = 5000;
        ::setitimer(ITIMER_REAL, &it, nullptr);
        struct flock fl = whole_file_read_lock();
        fl.l_type = type;
        int const r = ::fcntl(fd, F_OFD_SETLKW, &fl);
        int const e = errno;
        struct itimerval off {};
        ::setitimer(ITIMER_REAL, &off, nullptr);
        if (r == 0) {
            got = true;
            break;
        }
        if (e != EINTR) {
            err = e;
            break;
        }
    }
    ::setitimer(ITIMER_REAL, &old_timer, nullptr);
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    ::sigaction(SIGALRM, &old_sa, nullptr);
    if (!got) errno = err;
    return got;
}

pid_t lock_holder(int fd)
{
    struct flock fl = whole_file_read_lock();
    if (::fcntl(fd, F_OFD_GETLK, &fl) < 0 || fl.l_type == F_UNLCK) return 0;
    return fl.l_pid > 0 ? fl.l_pid : 0;
}

namespace {

// The first line of /proc/PID/FILE (at most 4 KiB), or empty.
std::string proc_read(pid_t pid, char const *file)
{
    std::string const path = "/proc/" + std::to_string(pid) + "/" + file;
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    std::string s;
    if (!fd) return s;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0 && s.size() < 4096) s.append(buf, static_cast<std::size_t>(n));
    return s;
}

// ppid and pgrp of pid from /proc/PID/stat (fields 4 and 5, after the
// parenthesised comm, which may hold anything): false when it is gone.
bool proc_parent(pid_t pid, pid_t &ppid, pid_t &pgrp)
{
    std::string const st = proc_read(pid, "stat");
    std::size_t const close = st.rfind(')');
    if (close == std::string::npos) return false;
    char state;
    long pp, pg;
    if (std::sscanf(st.c_str() + close + 1, " %c %ld %ld", &state, &pp, &pg) != 3) return false;
    if (state == 'Z' || state == 'X') return false;
    ppid = static_cast<pid_t>(pp);
    pgrp = static_cast<pid_t>(pg);
    return true;
}

// pidfd_open and pidfd_send_signal through syscall(): glibc 2.36's
// <sys/pidfd.h> has no C++ linkage guards.
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_send_signal(int fd, int sig) { return static_cast<int>(::syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0)); }

} // namespace

bool kill_supervised(pid_t pid, bool hard)
{
    if (pid <= 1 || pid == ::getpid()) return false;
    Fd self(pidfd_open(pid));
    if (!self) return false;
    std::string comm = proc_read(pid, "comm");
    if (!comm.empty() && comm.back() == '\n') comm.pop_back();
    if (comm != "s6-supervise") return false;
    std::string const path = "task/" + std::to_string(pid) + "/children";
    std::string const children = proc_read(pid, path.c_str());
    char const *p = children.c_str();
    char *end;
    for (long c; (c = std::strtol(p, &end, 10)), end != p; p = end) {
        pid_t const child = static_cast<pid_t>(c);
        Fd pidfd(pidfd_open(child));
        pid_t ppid, pgrp;
        // Through the pidfd, checked after it was opened: the signal goes
        // to that child, never to a process that reused its pid.
        if (!pidfd || !proc_parent(child, ppid, pgrp) || ppid != pid) continue;
        if (pgrp == child) ::kill(-child, SIGKILL);
        pidfd_send_signal(pidfd.get(), SIGKILL);
    }
    pidfd_send_signal(self.get(), hard ? SIGKILL : SIGTERM);
    return true;
}

} // namespace hs6

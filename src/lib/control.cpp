// Talking to s6: s6-svscan's control FIFO, s6-supervise's lock (which
// tells whether it runs), and root's own signals as the last resort.
#include <hermes-s6/control.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

namespace hs6 {

bool tell_svscan(int scandirfd, std::string_view cmd, struct timespec const *deadline)
{
    // Root-only, in s6-svscan's own dir: nobody else writes there.
    Fd fifo(::openat(scandirfd, ".s6-svscan/control", O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!fifo || ::fstat(fifo.get(), &st) < 0 || !S_ISFIFO(st.st_mode)) return false;
    SigpipeIgnored nopipe; // the scanner may exit between the open and the write
    if (::write(fifo.get(), cmd.data(), cmd.size()) != static_cast<ssize_t>(cmd.size())) return false;
    // Until s6-svscan has read it: it scans, and prunes, before it starts
    // any supervisor again (its loop scans first).
    while (deadline && !deadline_passed(*deadline)) {
        int queued = 0;
        if (::ioctl(fifo.get(), FIONREAD, &queued) < 0 || queued == 0) break;
        struct timespec const nap{0, 1'000'000};
        ::nanosleep(&nap, nullptr);
    }
    return true;
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

AlarmAt::AlarmAt(struct timespec const &deadline, unsigned every_ms)
{
    struct sigaction sa {};
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: the blocked call must return EINTR
    ::sigaction(SIGALRM, &sa, &old_sa_);
    sigset_t alrm;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    ::sigprocmask(SIG_UNBLOCK, &alrm, &old_mask_);
    long long const left = ms_until(deadline);
    struct itimerval it {};
    it.it_value.tv_sec = left > 0 ? left / 1000 : 0;
    it.it_value.tv_usec = left > 0 ? (left % 1000) * 1000 + 1 : 1;
    it.it_interval.tv_sec = every_ms / 1000;
    it.it_interval.tv_usec = static_cast<long>(every_ms % 1000) * 1000;
    ::setitimer(ITIMER_REAL, &it, &old_timer_);
}

AlarmAt::~AlarmAt()
{
    int const e = errno;
    struct itimerval off {};
    ::setitimer(ITIMER_REAL, &off, nullptr);
    ::setitimer(ITIMER_REAL, &old_timer_, nullptr);
    ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    ::sigaction(SIGALRM, &old_sa_, nullptr);
    errno = e;
}

long long ms_until(struct timespec const &deadline)
{
    struct timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return (deadline.tv_sec - now.tv_sec) * 1000LL + (deadline.tv_nsec - now.tv_nsec) / 1000000;
}

bool wait_lock(int fd, short type, struct timespec const &deadline)
{
    // A free lock, the usual case, is taken in one call, with no timer.
    struct flock fl = whole_file_read_lock();
    fl.l_type = type;
    if (::fcntl(fd, F_OFD_SETLK, &fl) == 0) return true;
    if (errno != EAGAIN && errno != EACCES) return false;
    if (deadline_passed(deadline)) {
        errno = ETIMEDOUT;
        return false;
    }
    // One signal at the deadline, then every 5 ms, in case the first one
    // came before fcntl went to sleep.
    AlarmAt alarm(deadline, 5);
    for (;;) {
        fl = whole_file_read_lock();
        fl.l_type = type;
        if (::fcntl(fd, F_OFD_SETLKW, &fl) == 0) return true;
        if (errno != EINTR) return false;
        if (deadline_passed(deadline)) {
            errno = ETIMEDOUT;
            return false;
        }
    }
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

bool kill_supervised(pid_t pid, Stop how)
{
    if (pid <= 1 || pid == ::getpid()) return false;
    Fd self(pidfd_open(pid));
    if (!self) return false;
    std::string comm = proc_read(pid, "comm");
    if (!comm.empty() && comm.back() == '\n') comm.pop_back();
    if (comm != "s6-supervise") return false;
    if (how == Stop::term) return pidfd_send_signal(self.get(), SIGTERM) == 0;
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
    pidfd_send_signal(self.get(), how == Stop::hard ? SIGKILL : SIGTERM);
    return true;
}

} // namespace hs6

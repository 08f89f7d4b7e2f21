// Talking to s6-supervise: commands through its control FIFO, and its
// lock, which tells whether it runs and keeps a new one from starting.
#include <hermes-s6/control.hpp>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

namespace hs6 {

bool send_control(int svcfd, std::string_view cmd, Sent &sent)
{
    sent = Sent::no_supervisor;
    Fd sup = open_dir(svcfd, "supervise");
    if (!sup) return errno == ENOENT;
    Fd fifo(::openat(sup.get(), "control", O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
    if (!fifo) return errno == ENOENT || errno == ENXIO;
    struct stat st;
    if (::fstat(fifo.get(), &st) < 0) return false;
    if (!S_ISFIFO(st.st_mode)) {
        errno = EINVAL;
        return false;
    }
    for (;;) {
        ssize_t const w = ::write(fifo.get(), cmd.data(), cmd.size());
        if (w == static_cast<ssize_t>(cmd.size())) break;
        if (w < 0 && errno == EINTR) continue;
        if (w >= 0) errno = EAGAIN;
        return false;
    }
    sent = Sent::sent;
    return true;
}

Fd open_supervise_lock(int svcfd, LockCreated &created)
{
    created = {};
    if (::mkdirat(svcfd, "supervise", 0700) == 0) created.dir = true;
    else if (errno != EEXIST) return Fd();
    Fd sup = open_dir(svcfd, "supervise");
    if (!sup) return Fd();
    Fd fd(::openat(sup.get(), "lock", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd && errno == ENOENT) {
        fd = Fd(::openat(sup.get(), "lock", O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (fd) {
            created.file = true;
            if (::fchmod(fd.get(), 0644) < 0) return Fd();
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

void undo_supervise_lock(int svcfd, LockCreated const &created)
{
    int const e = errno;
    if (created.file) {
        Fd sup = open_dir(svcfd, "supervise");
        if (sup) ::unlinkat(sup.get(), "lock", 0);
    }
    if (created.dir) ::unlinkat(svcfd, "supervise", AT_REMOVEDIR);
    errno = e;
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

long long ms_until(struct timespec const &deadline)
{
    struct timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return (deadline.tv_sec - now.tv_sec) * 1000LL + (deadline.tv_nsec - now.tv_nsec) / 1000000;
}

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
    t.tv_sec += ms / 1000;
    t.tv_nsec += static_cast<long>(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

bool deadline_passed(struct timespec const &deadline) { return ms_until(deadline) <= 0; }

bool wait_supervise_lock(int fd, struct timespec const &deadline)
{
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

} // namespace hs6

// The client of hermes-slot-server: its output held in memory until the
// transaction is over, then sent with a deadline; its departure noted.
#include <hermes-s6/client.hpp>

#include <hermes-s6/control.hpp>
#include <hermes-s6/die.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hs6 {

namespace {

volatile sig_atomic_t gone = 0;

void note_gone(int) { gone = 1; }

constexpr int high_fd = 100;  // where the kept fds go, out of the way of the library's

// One stream of the client: its own fd, kept aside, and the memory file
// that stands for it meanwhile.
struct Stream {
    int fd;          // 1 or 2
    int client = -1; // the client's, kept; -1 when it gave none
    int memory = -1; // the memory file
};

Stream streams[2] = {{1}, {2}};
bool holding = false;

// fd duplicated close-on-exec to high_fd or above (or anywhere from 3,
// under a limit on fds that low).
int dup_high(int fd)
{
    int const high = ::fcntl(fd, F_DUPFD_CLOEXEC, high_fd);
    return high >= 0 || errno != EINVAL ? high : ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

int memory_file()
{
    int fd = ::memfd_create("hermes-slot-server", MFD_CLOEXEC);
    if (fd < 0) fd = ::open("/tmp", O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || fd >= high_fd) return fd;
    int const high = dup_high(fd);
    int const e = errno;
    ::close(fd);
    errno = e;
    return high;
}

void give_back()
{
    for (auto &s : streams) {
        if (s.client >= 0) {
            ::dup2(s.client, s.fd);
            ::close(s.client);
        } else {
            ::close(s.fd);
        }
        if (s.memory >= 0) ::close(s.memory);
        s.client = s.memory = -1;
    }
    holding = false;
}

// Writes n bytes at p to fd until done, the deadline, the client's
// departure or an error. False when it stopped short.
bool send_all(int fd, char const *p, std::size_t n, struct timespec const &deadline, ClientSend &r)
{
    while (n) {
        if (gone) return false;
        long long const left = ms_until(deadline);
        if (left <= 0) {
            r.timed_out = true;
            return false;
        }
        ssize_t const w = ::write(fd, p, n);
        if (w > 0) {
            p += w;
            n -= static_cast<std::size_t>(w);
            r.sent += static_cast<std::size_t>(w);
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            // The client made it non-blocking: wait for room, as long as
            // the timer lets poll.
            struct pollfd pf {fd, POLLOUT, 0};
            ::poll(&pf, 1, static_cast<int>(std::min(left, 1000LL)));
            continue;
        }
        return false;
    }
    return true;
}

// The held bytes of s, at most client_send_max, cut after a newline when
// there is one, and the note for the rest.
std::size_t read_held(Stream const &s, char *buf, std::size_t size, char *note, std::size_t note_size, std::size_t &held)
{
    struct stat st;
    held = 0;
    note[0] = 0;
    if (s.memory < 0 || ::fstat(s.memory, &st) < 0 || st.st_size <= 0) return 0;
    held = static_cast<std::size_t>(st.st_size);
    std::size_t n = 0;
    while (n < std::min(held, size)) {
        ssize_t const r = ::pread(s.memory, buf + n, std::min(held, size) - n, static_cast<off_t>(n));
        if (r <= 0) break;
        n += static_cast<std::size_t>(r);
    }
    if (n < held) {
        for (std::size_t k = n; k > 0; --k)
            if (buf[k - 1] == '\n') {
                n = k;
                break;
            }
        std::snprintf(note, note_size, "%s: warning: %zu bytes of messages not sent (more than %zu)\n", prog,
                      held - n, size);
    }
    return n;
}

} // namespace

Error hold_client_output()
{
    if (holding) return ok();
    for (auto &s : streams) {
        s.client = dup_high(s.fd);
        int err = s.client < 0 && errno != EBADF ? errno : 0;
        if (!err) {
            s.memory = memory_file();
            if (s.memory < 0 || ::dup2(s.memory, s.fd) < 0) err = errno;
        }
        if (err) {
            // Put back what was changed.
            for (auto &t : streams) {
                if (t.memory >= 0) t.client >= 0 ? ::dup2(t.client, t.fd) : ::close(t.fd);
                if (t.client >= 0) ::close(t.client);
                if (t.memory >= 0) ::close(t.memory);
                t.client = t.memory = -1;
            }
            return fail_errno(exit_sys, err, "hold the messages in memory");
        }
    }
    holding = true;
    return ok();
}

ClientSend send_client_output(unsigned ms)
{
    ClientSend r;
    if (!holding) return r;
    char buf[2][client_send_max];
    char note[2][160];
    std::size_t len[2], held[2];
    for (int i = 0; i < 2; ++i) {
        len[i] = read_held(streams[i], buf[i], sizeof buf[i], note[i], sizeof note[i], held[i]);
        r.held += held[i];
    }
    if (gone || r.held == 0) {
        r.gone = gone && r.held;
        give_back();
        return r;
    }

    // The client's departure wakes a blocked write too: no SA_RESTART.
    struct sigaction sa {}, old_sig[3], old_pipe;
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = note_gone;
    int const departures[3] = {SIGTERM, SIGHUP, SIGINT};
    for (int i = 0; i < 3; ++i) ::sigaction(departures[i], &sa, &old_sig[i]);
    sa.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &sa, &old_pipe);
    sigset_t wake, old_mask;
    sigemptyset(&wake);
    for (int s : departures) sigaddset(&wake, s);
    ::sigprocmask(SIG_UNBLOCK, &wake, &old_mask);
    struct timespec const deadline = deadline_in(ms);
    {
        // SIGALRM at the deadline, then every 10 ms (one may come just before
        // write blocks).
        AlarmAt alarm(deadline, 10);
        for (int i = 0; i < 2 && !r.timed_out && !gone; ++i) {
            int const fd = streams[i].client;
            if (fd < 0 || !len[i]) continue;
            if (send_all(fd, buf[i], len[i], deadline, r) && note[i][0])
                send_all(fd, note[i], std::strlen(note[i]), deadline, r);
        }
        r.gone = gone;
    }
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    for (int i = 0; i < 3; ++i) ::sigaction(departures[i], &old_sig[i], nullptr);
    ::sigaction(SIGPIPE, &old_pipe, nullptr);
    give_back();
    return r;
}

namespace {

// close_range(2) (Linux 5.9), or one close() per fd up to the limit.
void close_fds(unsigned first, unsigned last)
{
    if (::syscall(SYS_close_range, first, last, 0) == 0 || errno != ENOSYS) return;
    long const max = ::sysconf(_SC_OPEN_MAX);
    unsigned const end = std::min(last, static_cast<unsigned>(max > 0 && max < 1048576 ? max - 1 : 65535));
    for (unsigned fd = first; fd <= end && fd >= first; ++fd) ::close(static_cast<int>(fd));
}

} // namespace

void close_all_but_output(int keep)
{
    int kept[5] = {keep, streams[0].client, streams[0].memory, streams[1].client, streams[1].memory};
    std::sort(kept, kept + 5);
    unsigned from = 3;
    for (int k : kept) {
        if (k < static_cast<int>(from)) continue;
        if (static_cast<unsigned>(k) > from) close_fds(from, static_cast<unsigned>(k) - 1);
        from = static_cast<unsigned>(k) + 1;
    }
    close_fds(from, ~0U);
}

void watch_client()
{
    struct sigaction sa {};
    sa.sa_handler = note_gone;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGTERM, SIGHUP, SIGINT}) ::sigaction(sig, &sa, nullptr);
}

bool client_gone() { return gone; }

} // namespace hs6

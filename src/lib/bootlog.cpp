// The container boot log: formatting, rotation, the one append.
#include <hermes-s6/bootlog.hpp>

#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/profile.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

namespace hs6 {

namespace {

constexpr int lock_wait_ms = 5000;   // a lock held longer than this is someone's attack
constexpr int open_attempts = 100;   // each retry means another appender rotated

bool sleep_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    return ::nanosleep(&ts, nullptr) == 0;
}

// flock(LOCK_EX), waiting at most lock_wait_ms: the boot must not hang on a
// lock that another user holds.
bool lock_bounded(int fd)
{
    for (int waited = 0;; waited += 10) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
        if (errno != EWOULDBLOCK && errno != EINTR) return false;
        if (waited >= lock_wait_ms) {
            errno = ETIMEDOUT;
            return false;
        }
        sleep_ms(10);
    }
}

// The directory that holds the log, opened without following a symlink at
// its last component (at any component with no_symlinks); created (0755)
// when absent.
Fd open_log_dir(std::string const &dir, bool no_symlinks)
{
    std::string const name(base_name(dir));
    Fd pfd;
    if (no_symlinks) {
        std::string_view rest = strip_trailing_slashes(dir);
        std::string_view const parent = rest.substr(0, rest.size() - std::min(rest.size(), name.size()));
        pfd = Fd(::open(parent.empty() || parent[0] != '/' ? "." : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!pfd) return pfd;
        for (std::string_view p = parent; !p.empty();) {
            std::size_t const slash = p.find('/');
            std::string const comp(p.substr(0, slash));
            p.remove_prefix(slash == std::string_view::npos ? p.size() : slash + 1);
            if (comp.empty() || comp == ".") continue;
            Fd next = open_dir(pfd.get(), comp.c_str());
            if (!next) return next;
            pfd = std::move(next);
        }
        if (name == "/") return Fd(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    } else {
        Fd fd = open_dir(dir.c_str());
        if (fd || errno != ENOENT) return fd;
        std::string const parent = dir_name(dir);
        pfd = Fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!pfd) return pfd;
    }
    Made made;
    Fd out;
    if (!make_dir(pfd.get(), name.c_str(), 0755, static_cast<uid_t>(-1), static_cast<gid_t>(-1), made, &out))
        return Fd();
    return out;
}

// One write(2) of the whole line, under the flock. A short write (a full
// disk, RLIMIT_FSIZE) is cut back off, so that no half line stays for the
// next one to be glued to.
bool write_once(int fd, std::string_view line)
{
    struct stat st;
    if (::fstat(fd, &st) < 0) return false;
    ssize_t w;
    do w = ::write(fd, line.data(), line.size());
    while (w < 0 && errno == EINTR);
    if (w < 0) return false;
    if (static_cast<std::size_t>(w) != line.size()) {
        if (::ftruncate(fd, st.st_size) < 0) { /* the error that matters is the short write */ }
        errno = ENOSPC;
        return false;
    }
    return true;
}

} // namespace

char const *bootlog_word_problem(std::string_view word)
{
    if (word.find('\n') != word.npos) return "contains a newline";
    if (has_control(word)) return "contains a control character";
    return nullptr;
}

std::string bootlog_timestamp(std::time_t when)
{
    struct tm tm;
    char buf[64];
    if (!::localtime_r(&when, &tm)) return "0000-00-00T00:00:00+0000";
    std::size_t const n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
    return std::string(buf, n);
}

std::string bootlog_line(std::time_t when, Args words)
{
    std::string line = bootlog_timestamp(when);
    for (char const *w : words) line.append(" ").append(w);
    line.push_back('\n');
    return line;
}

Error bootlog_append(char const *logfile, std::string_view line, std::size_t maxbytes, bool no_symlinks)
{
    auto const failed = [&](std::string_view what) { return fail_sys(exit_sys, "{} {}", what, logfile); };

    if (line.empty() || line.back() != '\n')
        return fail(exit_sys, "unable to append to {}: not whole lines", logfile);
    std::string_view const path(logfile);
    std::string const base(base_name(path));
    if (path.empty() || path.back() == '/' || base == "." || base == "..")
        return fail(exit_sys, "unable to append to {}: not a file name", logfile);
    std::string const rotated = base + ".1";

    Fd dir = open_log_dir(dir_name(path), no_symlinks);
    if (!dir) return failed("open the directory of");

    for (int attempt = 0; attempt < open_attempts; ++attempt) {
        bool created = true;
        Fd fd = open_at(dir.get(), base.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0600);
        if (!fd) {
            if (errno != EEXIST) return failed("create");
            created = false;
            fd = open_at(dir.get(), base.c_str(), O_WRONLY | O_APPEND);
            if (!fd) {
                if (errno == ENOENT) continue;    // rotated away meanwhile
                if (errno == ELOOP) return fail(exit_sys, "{} is a symbolic link: not written", logfile);
                return failed("open");
            }
        }
        struct stat st;
        if (::fstat(fd.get(), &st) < 0) return failed("stat");
        if (!S_ISREG(st.st_mode)) return fail(exit_sys, "{} is not a regular file: not written", logfile);
        if (created && ::fchmod(fd.get(), 0644) < 0) return failed("set the mode of");
        if (!lock_bounded(fd.get())) return failed("lock");

        // Under the lock: the name must still be this file (another
        // appender may have rotated it while we waited), and the size and
        // link count are the ones that count.
        struct stat now;
        if (!stat_at(dir.get(), base.c_str(), now)) {
            if (errno == ENOENT) continue;
            return failed("stat");
        }
        if (now.st_dev != st.st_dev || now.st_ino != st.st_ino) continue;
        if (::fstat(fd.get(), &st) < 0) return failed("stat");
        if (st.st_nlink != 1)
            return fail(exit_sys, "{} has {} links: not written", logfile, st.st_nlink);

        if (maxbytes && static_cast<std::size_t>(st.st_size) >= maxbytes) {
            if (::renameat(dir.get(), base.c_str(), dir.get(), rotated.c_str()) == 0) continue;
            warn_sys("rotate {} to {}.1", logfile, logfile);
        }
        if (!write_once(fd.get(), line)) return failed("append to");
        return ok();
    }
    return fail(exit_sys, "unable to append to {}: it keeps being rotated away", logfile);
}

} // namespace hs6

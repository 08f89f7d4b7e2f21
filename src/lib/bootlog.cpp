// The container boot log: formatting, rotation, the one append, and the
// privilege drop that comes before touching the volume.
#include <hermes-s6/bootlog.hpp>

#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
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
// its last component; created (0755) when absent.
Fd open_log_dir(std::string const &dir)
{
    Fd fd = open_dir(dir.c_str());
    if (fd || errno != ENOENT) return fd;
    std::string const parent = dir_name(dir);
    Fd pfd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!pfd) return pfd;
    std::string const name(base_name(dir));
    Made made;
    if (!make_dir(pfd.get(), name.c_str(), 0755, static_cast<uid_t>(-1), static_cast<gid_t>(-1), made))
        return Fd();
    return open_dir(pfd.get(), name.c_str());
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
    for (unsigned char c : word) {
        if (c == '\n') return "contains a newline";
        if (c < 0x20 || c == 0x7f) return "contains a control character";
    }
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

bool bootlog_append(char const *logfile, std::string_view line, std::size_t maxbytes, std::string *error)
{
    auto fail = [&](std::string msg) {
        if (error) *error = std::move(msg);
        else warn(msg);
        return false;
    };
    auto fail_sys = [&](std::string_view what) {
        int const err = errno;
        return fail(fmt::format("unable to {} {}: {}", what, logfile, error_text(err)));
    };

    if (line.empty() || line.back() != '\n')
        return fail(fmt::format("unable to append to {}: not whole lines", logfile));
    std::string_view const path(logfile);
    std::string const base(base_name(path));
    if (path.empty() || path.back() == '/' || base == "." || base == "..")
        return fail(fmt::format("unable to append to {}: not a file name", logfile));
    std::string const rotated = base + ".1";

    Fd dir = open_log_dir(dir_name(path));
    if (!dir) return fail_sys("open the directory of");

    for (int attempt = 0; attempt < open_attempts; ++attempt) {
        bool created = true;
        Fd fd = open_at(dir.get(), base.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0600);
        if (!fd) {
            if (errno != EEXIST) return fail_sys("create");
            created = false;
            fd = open_at(dir.get(), base.c_str(), O_WRONLY | O_APPEND);
            if (!fd) {
                if (errno == ENOENT) continue;    // rotated away meanwhile
                if (errno == ELOOP) return fail(fmt::format("{} is a symbolic link: not written", logfile));
                return fail_sys("open");
            }
        }
        struct stat st;
        if (::fstat(fd.get(), &st) < 0) return fail_sys("stat");
        if (!S_ISREG(st.st_mode)) return fail(fmt::format("{} is not a regular file: not written", logfile));
        if (created && ::fchmod(fd.get(), 0644) < 0) return fail_sys("set the mode of");
        if (!lock_bounded(fd.get())) return fail_sys("lock");

        // Under the lock: the name must still be this file (another
        // appender may have rotated it while we waited), and the size and
        // link count are the ones that count.
        struct stat now;
        if (!stat_at(dir.get(), base.c_str(), now)) {
            if (errno == ENOENT) continue;
            return fail_sys("stat");
        }
        if (now.st_dev != st.st_dev || now.st_ino != st.st_ino) continue;
        if (::fstat(fd.get(), &st) < 0) return fail_sys("stat");
        if (st.st_nlink != 1)
            return fail(fmt::format("{} has {} links: not written", logfile, st.st_nlink));

        if (maxbytes && static_cast<std::size_t>(st.st_size) >= maxbytes) {
            if (::renameat(dir.get(), base.c_str(), dir.get(), rotated.c_str()) == 0) continue;
            warn_sys("rotate {} to {}.1", logfile, logfile);
        }
        if (!write_once(fd.get(), line)) return fail_sys("append to");
        return true;
    }
    return fail(fmt::format("unable to append to {}: it keeps being rotated away", logfile));
}

void drop_privileges(uid_t uid, gid_t gid)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    auto const dropped = [&] {
        return ::getresuid(&ru, &eu, &su) == 0 && ::getresgid(&rg, &eg, &sg) == 0 && ru == uid && eu == uid &&
               su == uid && rg == gid && eg == gid && sg == gid;
    };
    // Already exactly those ids: nothing to drop. Unprivileged, the
    // supplementary groups stay what whoever set the ids left (s6-setuidgid
    // keeps the primary group there); they cannot be dropped without root.
    if (dropped() && (::geteuid() != 0 || ::getgroups(0, nullptr) == 0)) return;
    if (::setgroups(0, nullptr) < 0) fatal_sys(exit_sys, "drop the supplementary groups");
    if (::setgid(gid) < 0) fatal_sys(exit_sys, "set the group id to {}", gid);
    if (::setuid(uid) < 0) fatal_sys(exit_sys, "set the user id to {}", uid);
    if (!dropped() || ::getgroups(0, nullptr) != 0)
        fatal(exit_sys, "unable to drop to {}:{}: the ids did not change", uid, gid);
    if (uid != 0 && (::setuid(0) == 0 || ::seteuid(0) == 0))
        fatal(exit_sys, "unable to drop to {}:{}: root can be regained", uid, gid);
}

} // namespace hs6

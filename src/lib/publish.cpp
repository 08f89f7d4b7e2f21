// Publishing a rendered slot into a scandir and taking one out: single
// renames that s6-svscan sees whole, and supervise/lock to know (and
// decide) whether an s6-supervise runs on a tree.
#include <hermes-s6/publish.hpp>

#include <hermes-s6/control.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>

#include <cerrno>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace hs6 {

namespace {

bool dot_name(std::string_view b) { return !b.empty() && b[0] == '.' && b != "." && b != ".."; }

// A supervise/lock held by this process for as long as it lives, with
// what had to be created to take it.
struct HeldLock {
    int svcfd;
    Fd fd;
    LockCreated created;
};

struct Publish {
    int parentfd;
    std::string staging_base;
    char const *staging;
    char const *slot;
    std::vector<HeldLock> locks;

    // Undoes what was done to the slot, removes the staging dir, dies.
    [[noreturn]] void fail(int code, std::string const &msg, int err = 0)
    {
        for (auto &l : locks) undo_supervise_lock(l.svcfd, l.created);
        if (!remove_tree(parentfd, staging_base.c_str())) warn_sys("remove {}", staging);
        if (err) die_errno(code, err, msg);
        die(code, msg);
    }

    // Takes the supervise/lock of the service dir open at svcfd, or dies 1
    // when a live s6-supervise holds it.
    void hold(int svcfd, std::string const &path)
    {
        HeldLock l{svcfd, Fd(), {}};
        l.fd = open_supervise_lock(svcfd, l.created);
        if (!l.fd) fail(exit_sys, fmt::format("open {}/supervise/lock", path), errno);
        if (!try_supervise_lock(l.fd.get())) {
            int const err = errno;
            undo_supervise_lock(svcfd, l.created);
            if (err == EAGAIN) fail(exit_no, fmt::format("{} is supervised: unregister it first", path));
            fail(exit_sys, fmt::format("lock {}/supervise/lock", path), err);
        }
        locks.push_back(std::move(l));
    }
};

} // namespace

void publish_slot(char const *staging, char const *slot, bool force)
{
    std::string const sbase(base_name(staging));
    std::string const tbase(base_name(slot));
    if (!dot_name(sbase)) fatal(exit_usage, "staging dir {} must be a dot-prefixed name", staging);
    if (tbase.empty() || tbase[0] == '.' || tbase == "/")
        fatal(exit_usage, "slot dir {} must not be a dot-prefixed name (s6-svscan would not see it)", slot);
    std::string const sparent = dir_name(staging), tparent = dir_name(slot);
    Fd sp = need_dir(-100, sparent.c_str(), sparent);
    Fd tp = need_dir(-100, tparent.c_str(), tparent);
    Publish p{sp.get(), sbase, staging, slot, {}};
    struct stat sst, tst;
    if (::fstat(sp.get(), &sst) < 0) p.fail(exit_sys, fmt::format("stat {}", sparent), errno);
    if (::fstat(tp.get(), &tst) < 0) p.fail(exit_sys, fmt::format("stat {}", tparent), errno);
    if (sst.st_dev != tst.st_dev || sst.st_ino != tst.st_ino)
        p.fail(exit_usage, fmt::format("{} and {} are not in the same directory", staging, slot));

    struct stat st;
    if (!stat_at(sp.get(), sbase.c_str(), st)) fatal_sys(exit_sys, "stat {}", staging);
    if (!S_ISDIR(st.st_mode)) p.fail(exit_sys, fmt::format("publish {}: not a directory", staging));

    if (::renameat2(sp.get(), sbase.c_str(), sp.get(), tbase.c_str(), RENAME_NOREPLACE) == 0) return;
    if (errno != EEXIST) p.fail(exit_sys, fmt::format("rename {} to {}", staging, slot), errno);

    if (!stat_at(sp.get(), tbase.c_str(), st)) p.fail(exit_sys, fmt::format("stat {}", slot), errno);
    if (!S_ISDIR(st.st_mode)) p.fail(exit_sys, fmt::format("replace {}: not a directory", slot));
    if (!force) p.fail(exit_no, fmt::format("{} is already registered", slot));

    // Hold the old tree's locks across the exchange: a supervisor already
    // running makes us refuse, and none can start on it afterwards.
    Fd old = open_dir(sp.get(), tbase.c_str());
    if (!old) p.fail(exit_sys, fmt::format("open {}", slot), errno);
    p.hold(old.get(), slot);
    Fd oldlog;
    if (stat_at(old.get(), "log", st) && S_ISDIR(st.st_mode)) {
        oldlog = open_dir(old.get(), "log");
        if (!oldlog) p.fail(exit_sys, fmt::format("open {}/log", slot), errno);
        p.hold(oldlog.get(), std::string(slot) + "/log");
    }

    if (::renameat2(sp.get(), sbase.c_str(), sp.get(), tbase.c_str(), RENAME_EXCHANGE) < 0)
        p.fail(exit_sys, fmt::format("exchange {} and {}", staging, slot), errno);
    // Published. The old tree is under the staging name now, dot-named: a
    // failure to remove it is only worth a warning (the next render of
    // that staging dir removes it).
    if (!remove_tree(sp.get(), sbase.c_str())) warn_sys("remove the replaced tree, now {}", staging);
}

namespace {

struct timespec earlier(struct timespec const &a, struct timespec const &b)
{
    if (a.tv_sec != b.tv_sec) return a.tv_sec < b.tv_sec ? a : b;
    return a.tv_nsec < b.tv_nsec ? a : b;
}

// Makes the s6-supervise of the service dir open at svcfd exit and returns
// its lock, held. A supervisor that holds the lock but does not read its
// FIFO yet (it is starting) gets the command again every 10 ms.
Fd stop_supervisor(int svcfd, std::string const &path, std::string const &left_as,
                   struct timespec const &deadline)
{
    LockCreated created;
    Fd lock = open_supervise_lock(svcfd, created);
    if (!lock) fatal_sys(exit_sys, "open {}/supervise/lock", path);
    bool sent = false;
    for (;;) {
        if (try_supervise_lock(lock.get())) return lock;
        if (errno != EAGAIN) fatal_sys(exit_sys, "lock {}/supervise/lock", path);
        if (!sent) {
            Sent s;
            if (!send_control(svcfd, "dx", s)) fatal_sys(exit_sys, "write to {}/supervise/control", path);
            sent = s == Sent::sent;
        }
        struct timespec const wake = sent ? deadline : earlier(deadline, deadline_in(10));
        if (wait_supervise_lock(lock.get(), wake)) return lock;
        if (errno != ETIMEDOUT) fatal_sys(exit_sys, "lock {}/supervise/lock", path);
        if (deadline_passed(deadline))
            fatal(exit_timeout, "timed out waiting for the s6-supervise of {} to exit: left in place as {}", path,
                  left_as);
    }
}

} // namespace

void unpublish_slot(char const *slot, unsigned timeout_ms)
{
    std::string const base(base_name(slot));
    if (base.empty() || base == "." || base == ".." || base == "/") fatal(exit_usage, "invalid slot dir {}", slot);
    std::string const parent = dir_name(slot);
    Fd pfd = need_dir(-100, parent.c_str(), parent);
    struct stat st;
    if (!stat_at(pfd.get(), base.c_str(), st)) {
        if (errno == ENOENT) return;
        fatal_sys(exit_sys, "stat {}", slot);
    }
    if (!S_ISDIR(st.st_mode)) fatal(exit_sys, "unpublish {}: not a directory", slot);

    // A unique dot name in the same directory: s6-svscan stops seeing it.
    std::string hidden;
    for (unsigned i = 0;; i++) {
        std::string const suffix = fmt::format(".unpublish-{}-{}", ::getpid(), i);
        hidden = "." + base.substr(0, 254 - suffix.size()) + suffix;
        if (::renameat2(pfd.get(), base.c_str(), pfd.get(), hidden.c_str(), RENAME_NOREPLACE) == 0) break;
        if (errno == ENOENT) return;
        if (errno != EEXIST) fatal_sys(exit_sys, "rename {} to {}", slot, hidden);
    }
    std::string const hidden_path = parent == "." ? hidden : (parent == "/" ? "/" : parent + "/") + hidden;

    Fd dir = open_dir(pfd.get(), hidden.c_str());
    if (!dir) fatal_sys(exit_sys, "open {}", hidden_path);
    struct timespec const deadline = deadline_in(timeout_ms);
    // The service first, then its logger, so that the logger gets the
    // service's last lines.
    Fd lock = stop_supervisor(dir.get(), hidden_path, hidden_path, deadline);
    Fd loglock;
    if (stat_at(dir.get(), "log", st) && S_ISDIR(st.st_mode)) {
        Fd log = open_dir(dir.get(), "log");
        if (!log) fatal_sys(exit_sys, "open {}/log", hidden_path);
        loglock = stop_supervisor(log.get(), hidden_path + "/log", hidden_path, deadline);
    }
    if (!remove_tree(pfd.get(), hidden.c_str())) fatal_sys(exit_sys, "remove {}", hidden_path);
}

} // namespace hs6

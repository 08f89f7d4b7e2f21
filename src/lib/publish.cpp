// Publishing a rendered slot into a scandir and taking one out: single
// renames that s6-svscan sees whole, the slot's lock so that one writer
// works on it at a time, and supervise/lock to know (and decide) whether
// an s6-supervise runs on a tree.
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

// ---- the teardown ---------------------------------------------------------

// How long past its deadline a teardown may go on, all tries together:
// the escalation for the service, a moment for the logger and its
// escalation (so unpublish ends within its -t plus 4.5 s).
inline constexpr unsigned teardown_overtime_ms = 2 * unpublish_escalation_ms + 500;

struct Teardown {
    Teardown(int fd, std::string h, std::string p, struct timespec const &d, bool t)
        : parentfd(fd), hidden(std::move(h)), path(std::move(p)), deadline(d),
          last(after(d, teardown_overtime_ms)), told(t)
    {
    }
    int parentfd;
    std::string hidden;      // base name of the tree, under parentfd
    std::string path;        // for messages
    struct timespec deadline;
    struct timespec last;    // no escalation, no other try past this
    bool told;               // a supervisor was told to exit, or the removal began: no way back
    bool escalated = false;
    std::vector<Fd> locks;   // the supervise/locks taken, held to the end
};

// Makes the s6-supervise of the service dir open at svcfd exit and takes
// its lock. A supervisor that holds the lock but does not read its FIFO
// yet (it is starting) gets the command again every 10 ms; a full FIFO is
// waited out until the deadline. Past the deadline: kill_supervised(),
// then up to unpublish_escalation_ms for the lock.
Error stop_lock_holder(Teardown &t, int svcfd, std::string const &path, struct timespec const &deadline)
{
    Fd lock = open_supervise_lock(svcfd);
    struct stat st;
    // A tree disarmed by an earlier teardown (see disarm()): no supervisor.
    if (!lock && errno == ENOTDIR && stat_at(svcfd, "supervise", st) && S_ISREG(st.st_mode)) return ok();
    if (!lock) return fail_sys(exit_sys, "open {}/supervise/lock", path);
    bool sent = false;
    while (!deadline_passed(deadline)) {
        if (try_supervise_lock(lock.get())) {
            t.locks.push_back(std::move(lock));
            return ok();
        }
        if (errno != EAGAIN) return fail_sys(exit_sys, "lock {}/supervise/lock", path);
        if (!sent) {
            Sent s;
            if (send_control(svcfd, "dx", s, &deadline)) {
                sent = s == Sent::sent;
                if (sent) t.told = true;
            } else if (errno != ETIMEDOUT) {
                if (!t.told) return fail_sys(exit_sys, "write to {}/supervise/control", path);
                warn_sys("write to {}/supervise/control", path);
                break; // escalate
            }
        }
        struct timespec const wake = sent ? deadline : earlier(deadline, deadline_in(10));
        if (wait_supervise_lock(lock.get(), wake)) {
            t.locks.push_back(std::move(lock));
            return ok();
        }
        if (errno != ETIMEDOUT) return fail_sys(exit_sys, "lock {}/supervise/lock", path);
    }
    // Escalation: kill what it runs, tell it to exit by signal, not
    // through a FIFO that the group can fill.
    // The teardown's overtime (t.last) cuts it short, but never before
    // one SIGKILL round has had 200 ms.
    struct timespec grace = earlier(deadline_in(unpublish_escalation_ms), t.last);
    struct timespec const hard_at = earlier(deadline_in(unpublish_escalation_ms / 2), t.last);
    bool hard_now = false, hard_sent = false;
    for (;;) {
        if (try_supervise_lock(lock.get())) break;
        if (errno != EAGAIN) return fail_sys(exit_sys, "lock {}/supervise/lock", path);
        if (deadline_passed(grace)) {
            if (hard_sent)
                return fail(exit_timeout, "timed out waiting for the s6-supervise of {} to exit: left in place as {}",
                            path, t.path);
            hard_now = true;
            grace = deadline_in(200);
        }
        Sent s;
        send_control(svcfd, "k", s); // s6-svc -k, if the FIFO has room
        // SIGTERM first; SIGKILL once half the grace has gone by.
        bool const hard = hard_now || deadline_passed(hard_at);
        kill_supervised(lock_holder(lock.get()), hard);
        hard_sent = hard_sent || hard;
        t.told = true;
        t.escalated = true;
        // Again every 50 ms: a finish script, or a service restarted before
        // the SIGTERM arrived, is killed too.
        if (wait_supervise_lock(lock.get(), earlier(grace, deadline_in(50)))) break;
        if (errno != ETIMEDOUT) return fail_sys(exit_sys, "lock {}/supervise/lock", path);
    }
    t.locks.push_back(std::move(lock));
    return ok();
}

// With the lock taken: an s6-supervise may still run there, on a lock file
// that is gone (unlinked by a teardown killed before it removed
// supervise/, or by a hand), which no lock can see. It still reads
// supervise/control: while the FIFO has a reader, write dx to it every
// 10 ms, until t.last.
Error stop_unseen_reader(Teardown &t, int svcfd, std::string const &path)
{
    for (;;) {
        Sent s;
        if (send_control(svcfd, "dx", s)) {
            if (s == Sent::no_supervisor) return ok();
            t.told = true;
        } else if (errno != EAGAIN) {
            // No FIFO that an s6-supervise could be reading.
            if (errno == ENOTDIR || errno == ELOOP || errno == EINVAL || errno == EISDIR) return ok();
            return fail_sys(exit_sys, "write to {}/supervise/control", path);
        }
        if (deadline_passed(t.last))
            return fail(exit_timeout, "timed out waiting for the s6-supervise that reads {}/supervise/control "
                        "without a lock file to exit: left in place as {}", path, t.path);
        struct timespec const nap{0, 10'000'000};
        ::nanosleep(&nap, nullptr);
    }
}

Error stop_supervisor(Teardown &t, int svcfd, std::string const &path, struct timespec const &deadline)
{
    if (Error e = stop_lock_holder(t, svcfd, path, deadline)) return e;
    return stop_unseen_reader(t, svcfd, path);
}

// Stops the supervisors of the tree t.hidden (the service's, then the
// logger's, so that the logger gets the service's last lines).
Error stop_supervisors(Teardown &t)
{
    Fd dir = open_dir(t.parentfd, t.hidden.c_str());
    if (!dir) return fail_sys(exit_sys, "open {}", t.path);
    if (Error e = stop_supervisor(t, dir.get(), t.path, t.deadline)) return e;
    struct stat st;
    if (stat_at(dir.get(), "log", st) && S_ISDIR(st.st_mode)) {
        Fd log = open_dir(dir.get(), "log");
        if (!log) return fail_sys(exit_sys, "open {}/log", t.path);
        // The logger gets at least a moment, even when the service used up
        // the deadline.
        struct timespec const d = t.escalated ? earlier(deadline_in(500), t.last) : t.deadline;
        if (Error e = stop_supervisor(t, log.get(), t.path + "/log", d)) return e;
    }
    return ok();
}

// Removing a tree on which an s6-supervise may still start. s6-svscan
// forks one for each slot it sees; if the slot is hidden or exchanged out
// between that child's chdir into it and its lock, the child starts in
// the tree being removed, after every look at supervise/lock: it first
// makes event/ and supervise/, then opens supervise/lock (O_CREAT) and
// takes a write lock, then makes and opens supervise/control. So:
// - a supervise/lock is unlinked only while this process holds a read
//   lock on it, kept until the teardown ends: a late s6-supervise that
//   opened that file cannot lock it while the tree exists, and one that
//   locks it afterwards finds no supervise/ to make its FIFO in, and
//   exits;
// - a lock held by another process means a late supervisor: EBUSY, and
//   tear_down() stops it and removes again;
// - one that makes a new supervise/ or lock after they were removed makes
//   a later rmdir fail (ENOTEMPTY), or is found holding that new lock.
bool unlink_held_lock(Teardown &t, int supfd)
{
    Fd fd(::openat(supfd, "lock", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    // A symbolic link or a socket is no lock: removed. Any other error
    // (EMFILE, say) must not unlink a lock this process does not hold.
    if (!fd) return errno == ENOENT || ((errno == ELOOP || errno == ENXIO) && remove_tree(supfd, "lock"));
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return false;
    if (!S_ISREG(st.st_mode)) return remove_tree(supfd, "lock"); // no s6-supervise locks that
    if (!try_supervise_lock(fd.get())) {
        if (errno == EAGAIN) errno = EBUSY;
        return false;
    }
    t.locks.push_back(std::move(fd));
    return ::unlinkat(supfd, "lock", 0) == 0 || errno == ENOENT;
}

// Opens the directory name under dirfd into dir to remove what it holds.
// Absent, or no directory (then removed, never followed): true with dir
// invalid, nothing more to do. False on failure.
bool open_to_remove(int dirfd, char const *name, Fd &dir)
{
    dir = open_dir(dirfd, name);
    return dir || errno == ENOENT || ((errno == ENOTDIR || errno == ELOOP) && remove_tree(dirfd, name));
}

// Removes supervise/ from the service dir open at svcfd, as above.
bool remove_supervise_dir(Teardown &t, int svcfd)
{
    Fd sup;
    if (!open_to_remove(svcfd, "supervise", sup)) return false;
    if (!sup) return true;
    // The lock first: a late supervisor found holding it still has the
    // control FIFO, for the dx of the next try.
    if (!unlink_held_lock(t, sup.get())) return false;
    bool const emptied = for_each_entry(sup.get(), [&](char const *f, unsigned char) {
        return std::string_view(f) == "lock" ? unlink_held_lock(t, sup.get()) : remove_tree(sup.get(), f);
    });
    return emptied && (::unlinkat(svcfd, "supervise", AT_REMOVEDIR) == 0 || errno == ENOENT);
}

// Removes name under dirfd, a service dir (depth 0) or its log/ (depth 1),
// as above; anything else in it goes with remove_tree(). event/, where
// the group may write, is first made 0700, so that it stops filling.
bool remove_service_dir(Teardown &t, int dirfd, char const *name, int depth)
{
    Fd dir;
    if (!open_to_remove(dirfd, name, dir)) return false;
    if (!dir) return true;
    bool const listed = for_each_entry(dir.get(), [&](char const *entry, unsigned char) {
        std::string_view const e(entry);
        if (e == "log" && depth == 0) return remove_service_dir(t, dir.get(), entry, 1);
        if (e == "supervise") return remove_supervise_dir(t, dir.get());
        if (e == "event") {
            Fd ev = open_dir(dir.get(), entry);
            if (ev) ::fchmod(ev.get(), 0700);
        }
        return remove_tree(dir.get(), entry);
    });
    return listed && (::unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT);
}

// Makes the service dir open at svcfd one where no s6-supervise can ever
// start, for a tree that cannot be removed: supervise/ removed as above
// and replaced by an empty regular file, so that s6-supervise's mkdir
// finds a non-directory and it exits 100.
bool disarm(Teardown &t, int svcfd)
{
    if (!remove_supervise_dir(t, svcfd)) return false;
    Fd f(::openat(svcfd, "supervise", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    return static_cast<bool>(f);
}

// After a removal that failed for good: stops the supervisors of the tree
// once more and disarms it and its log/. An Error when it could not:
// exit_timeout, as a supervisor may run there or start there still.
Error disarm_tree(Teardown &t)
{
    if (Error e = stop_supervisors(t)) return Error{exit_timeout, e.err, e.what};
    Fd dir = open_dir(t.parentfd, t.hidden.c_str());
    if (!dir || !disarm(t, dir.get())) return fail_sys(exit_timeout, "disarm {}", t.path);
    Fd log = open_dir(dir.get(), "log");
    if (log ? !disarm(t, log.get()) : errno != ENOENT) return fail_sys(exit_timeout, "disarm {}/log", t.path);
    return ok();
}

// Stops the supervisors of the tree t.hidden and removes it; stops and
// removes again, a few times, while late supervisors turn up. A tree that
// will not go is left disarmed.
Error tear_down(Teardown &t)
{
    for (int attempt = 0;; ++attempt) {
        if (Error e = stop_supervisors(t)) return e;
        t.told = true; // a partly removed slot must never be put back
        if (remove_service_dir(t, t.parentfd, t.hidden.c_str(), 0)) break;
        if ((errno != ENOTEMPTY && errno != EEXIST && errno != EBUSY) || attempt == 7 || deadline_passed(t.last)) {
            std::string const why = unable(fmt::format("remove {}", t.path), errno);
            if (Error e = disarm_tree(t))
                return fail(exit_timeout, "{}; left in place, and not disarmed: {}", why, e.message());
            return fail(exit_sys, "{}: left in place with supervise/ made a file, so that no s6-supervise can start on it",
                        why);
        }
        struct timespec const nap{0, 10'000'000};
        ::nanosleep(&nap, nullptr);
    }
    if (t.escalated) warnf("{} did not stop in time: its processes were killed", t.path);
    return ok();
}

// Finishes a teardown of slot base left half-done (by a killed unpublish)
// under its hidden name in parentfd, if there is one.
Error finish_teardown(int parentfd, std::string_view parent, std::string const &base,
                      struct timespec const &deadline)
{
    return remove_slot_tree(parentfd, parent, hidden_slot_name(base).c_str(), deadline);
}

// ---- publish -------------------------------------------------------------

struct Publish {
    int parentfd;
    std::string staging_base;
    char const *staging;
    char const *slot;
    std::vector<Fd> locks;   // the old tree's supervise/locks, held to the end

    // Removes the staging dir. What was made in the slot to take its locks
    // (an empty supervise/lock, supervise/ if it was missing) stays: see
    // open_supervise_lock().
    Error fail(Error e)
    {
        if (!remove_tree(parentfd, staging_base.c_str())) warn_sys("remove {}", staging);
        return e;
    }
    Error fail(int code, std::string const &msg, int err = 0) { return fail(Error{code, err, msg}); }

    // Takes the supervise/lock of the service dir open at svcfd; a live
    // s6-supervise holding it is a documented no.
    Error hold(int svcfd, std::string const &path)
    {
        Fd fd = open_supervise_lock(svcfd);
        if (!fd) return fail(exit_sys, fmt::format("open {}/supervise/lock", path), errno);
        if (!try_supervise_lock(fd.get())) {
            if (errno == EAGAIN) return fail(exit_no, fmt::format("{} is supervised: unregister it first", path));
            return fail(exit_sys, fmt::format("lock {}/supervise/lock", path), errno);
        }
        // One whose lock file is gone is still seen reading its FIFO.
        if (control_has_reader(svcfd)) return fail(exit_no, fmt::format("{} is supervised: unregister it first", path));
        locks.push_back(std::move(fd));
        return ok();
    }
};

} // namespace

namespace {

// Exit 100 unless staging and slot name a staging dir and a slot that
// publishing may use (see publish.hpp).
Error check_names(std::string const &sbase, std::string const &tbase, char const *staging, char const *slot)
{
    if (!dot_name(sbase)) return hs6::fail(exit_usage, "staging dir {} must be a dot-prefixed name", staging);
    if (tbase.empty() || tbase[0] == '.' || tbase == "/")
        return hs6::fail(exit_usage, "slot dir {} must not be a dot-prefixed name (s6-svscan would not see it)", slot);
    if (sbase == hidden_slot_name(tbase))
        return hs6::fail(exit_usage, "staging dir {} must not be named {} (unpublish hides {} under that name)",
                         staging, sbase, slot);
    return ok();
}

} // namespace

Error publish_slot(char const *staging, char const *slot, bool force, unsigned lock_ms)
{
    std::string const sbase(base_name(staging));
    std::string const tbase(base_name(slot));
    if (Error e = check_names(sbase, tbase, staging, slot)) return e;
    std::string const sparent = dir_name(staging), tparent = dir_name(slot);
    Fd sp, tp;
    if (Error e = need_dir(sparent.c_str(), sp)) return e;
    if (Error e = need_dir(tparent.c_str(), tp)) return e;
    Publish p{sp.get(), sbase, staging, slot, {}};
    struct stat sst, tst;
    if (::fstat(sp.get(), &sst) < 0) return p.fail(exit_sys, fmt::format("stat {}", sparent), errno);
    if (::fstat(tp.get(), &tst) < 0) return p.fail(exit_sys, fmt::format("stat {}", tparent), errno);
    if (sst.st_dev != tst.st_dev || sst.st_ino != tst.st_ino)
        return p.fail(exit_usage, fmt::format("{} and {} are not in the same directory", staging, slot));

    struct stat st;
    if (!stat_at(sp.get(), sbase.c_str(), st)) return fail_sys(exit_sys, "stat {}", staging);
    if (!S_ISDIR(st.st_mode)) return p.fail(exit_sys, fmt::format("publish {}: not a directory", staging));
    return publish_slot_at(sp.get(), tparent, staging, slot, force, lock_ms);
}

Error publish_slot_at(int dirfd, std::string_view dir, char const *staging, char const *slot, bool force,
                      unsigned lock_ms)
{
    std::string const sbase(base_name(staging));
    std::string const tbase(base_name(slot));
    if (Error e = check_names(sbase, tbase, staging, slot)) return e;
    Publish p{dirfd, sbase, staging, slot, {}};
    struct stat st;
    int const sp = dirfd;

    // One writer per slot from here on.
    struct timespec const deadline = deadline_in(lock_ms);
    SlotLock slot_lock;
    if (Error e = lock_slot(sp, dir, tbase, deadline, slot_lock)) return p.fail(std::move(e));
    if (Error e = finish_teardown(sp, dir, tbase, deadline)) return p.fail(std::move(e));

    if (::renameat2(sp, sbase.c_str(), sp, tbase.c_str(), RENAME_NOREPLACE) == 0) return ok();
    if (errno != EEXIST) return p.fail(exit_sys, fmt::format("rename {} to {}", staging, slot), errno);

    if (!stat_at(sp, tbase.c_str(), st)) return p.fail(exit_sys, fmt::format("stat {}", slot), errno);
    if (!S_ISDIR(st.st_mode)) return p.fail(exit_sys, fmt::format("replace {}: not a directory", slot));
    if (!force) return p.fail(exit_no, fmt::format("{} is already registered", slot));

    // Hold the old tree's locks across the exchange: a supervisor already
    // running makes us refuse, and none can start on it afterwards.
    Fd old = open_dir(sp, tbase.c_str());
    if (!old) return p.fail(exit_sys, fmt::format("open {}", slot), errno);
    if (Error e = p.hold(old.get(), slot)) return e;
    Fd oldlog;
    if (stat_at(old.get(), "log", st) && S_ISDIR(st.st_mode)) {
        oldlog = open_dir(old.get(), "log");
        if (!oldlog) return p.fail(exit_sys, fmt::format("open {}/log", slot), errno);
        if (Error e = p.hold(oldlog.get(), std::string(slot) + "/log")) return e;
    }

    if (::renameat2(sp, sbase.c_str(), sp, tbase.c_str(), RENAME_EXCHANGE) < 0)
        return p.fail(exit_sys, fmt::format("exchange {} and {}", staging, slot), errno);
    // Published. The old tree is under the staging name now, dot-named,
    // but an s6-supervise forked for the slot before the exchange may still
    // start on it: tear it down as unpublish does. A tree that will not go
    // is only worth a warning (the next render of that staging dir removes
    // it); a supervisor on it that will not stop is a failure.
    Teardown t(sp, sbase, staging, deadline_in(unpublish_escalation_ms), true);
    if (Error e = tear_down(t)) {
        if (e.code == exit_timeout)
            return Error{e.code, 0, fmt::format("{} is published, but {}", slot, e.message())};
        warnf("{} is published, but the tree it replaced is not gone: {}", slot, e.message());
    }
    return ok();
}

// ---- a tree that may have been a slot ---------------------------------------

Error remove_slot_tree(int parentfd, std::string_view parent, char const *name, struct timespec const &deadline)
{
    struct stat st;
    std::string const path = join_path(parent, name);
    if (!stat_at(parentfd, name, st)) {
        if (errno == ENOENT) return ok();
        return fail_sys(exit_sys, "stat {}", path);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(parentfd, name, 0) < 0 && errno != ENOENT) return fail_sys(exit_sys, "remove {}", path);
        return ok();
    }
    Teardown t(parentfd, name, path, deadline, true);
    return tear_down(t);
}

// ---- unpublish -------------------------------------------------------------

Error unpublish_slot(char const *slot, unsigned timeout_ms)
{
    std::string const base(base_name(slot));
    if (base.empty() || base == "." || base == ".." || base == "/") return fail(exit_usage, "invalid slot dir {}", slot);
    if (!base.starts_with(slot_prefix) || base.size() == sizeof slot_prefix - 1)
        return fail(exit_usage, "{} is not a slot: only gateway-* service dirs are unpublished", slot);
    std::string const parent = dir_name(slot);
    Fd pfd;
    if (Error e = need_dir(parent.c_str(), pfd)) return e;
    struct timespec const deadline = deadline_in(timeout_ms);

    SlotLock slot_lock;
    if (Error e = lock_slot(pfd.get(), parent, base, deadline, slot_lock)) return e;
    // A teardown that was killed halfway first (a rerun of this very one,
    // maybe).
    if (Error e = finish_teardown(pfd.get(), parent, base, deadline)) return e;

    struct stat st;
    if (!stat_at(pfd.get(), base.c_str(), st)) {
        if (errno == ENOENT) return ok();
        return fail_sys(exit_sys, "stat {}", slot);
    }
    if (!S_ISDIR(st.st_mode)) return fail(exit_sys, "unpublish {}: not a directory", slot);
    {
        Fd dir = open_dir(pfd.get(), base.c_str());
        if (!dir) return fail_sys(exit_sys, "open {}", slot);
        // A service dir, maybe a half-built one: run, type or supervise/.
        if (!stat_at(dir.get(), "run", st) && !stat_at(dir.get(), "type", st) &&
            !(stat_at(dir.get(), "supervise", st) && S_ISDIR(st.st_mode)))
            return fail(exit_usage, "{} is not a slot: no run, type or supervise/, not a service dir", slot);
    }

    std::string const hidden = hidden_slot_name(base);
    Teardown t(pfd.get(), hidden, join_path(parent, hidden), deadline, false);
    if (::renameat2(pfd.get(), base.c_str(), pfd.get(), hidden.c_str(), RENAME_NOREPLACE) < 0) {
        if (errno == ENOENT) return ok();
        return fail_sys(exit_sys, "rename {} to {}", slot, hidden);
    }
    Error e = tear_down(t);
    if (e && !t.told) {
        // Nothing was told to exit, nothing removed: put the slot back as it was.
        t.locks.clear();
        if (::renameat2(pfd.get(), hidden.c_str(), pfd.get(), base.c_str(), RENAME_NOREPLACE) < 0)
            warn_sys("rename {} back to {}", t.path, slot);
    }
    return e;
}

} // namespace hs6

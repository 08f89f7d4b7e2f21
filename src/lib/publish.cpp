// Publishing a rendered slot into a scandir and taking one out: the
// publish, replace and hide transitions of the slot lifecycle (the table
// is at the top of teardown.cpp), each under the slot's lock, each
// finishing first what a killed run left of that slot.
#include <hermes-s6/publish.hpp>

#include <hermes-s6/control.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/teardown.hpp>

#include <cerrno>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hs6 {

namespace {

bool dot_name(std::string_view b) { return !b.empty() && b[0] == '.' && b != "." && b != ".."; }

// A slot dir's base name: gateway-SOMETHING, as unpublish takes it.
char const *slot_base_problem(std::string_view base)
{
    if (base.empty() || base == "." || base == ".." || base == "/") return "is not a directory name";
    if (!base.starts_with(slot_prefix) || base.size() == sizeof slot_prefix - 1)
        return "is not a slot: only gateway-* service dirs are slots";
    return nullptr;
}

// Exit 100 unless staging and slot name a staging dir and a slot that
// publishing may use (see publish.hpp).
Error check_names(std::string const &sbase, std::string const &tbase, char const *staging, char const *slot)
{
    if (!dot_name(sbase)) return fail(exit_usage, "staging dir {} must be a dot-prefixed name", staging);
    if (char const *why = slot_base_problem(tbase)) return fail(exit_usage, "slot dir {} {}", slot, why);
    if (sbase == hidden_slot_name(tbase))
        return fail(exit_usage, "staging dir {} must not be named {} (unpublish hides {} under that name)", staging,
                    sbase, slot);
    return ok();
}

// 1 when an s6-supervise holds the lock of the service dir sub (".", or
// "log") of the slot open at slotfd: a live slot is never replaced.
Error refuse_if_supervised(int slotfd, char const *sub, std::string const &path)
{
    std::string const what = sub[0] == '.' ? path : join_path(path, sub);
    Fd svc = open_dir(slotfd, sub);
    Fd sup = svc ? open_dir(svc.get(), "supervise") : Fd();
    Fd lock = sup ? Fd(::openat(sup.get(), "lock", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) : Fd();
    if (!lock || try_supervise_lock(lock.get())) return ok(); // none can hold it, or none does
    if (errno == EAGAIN) return fail(exit_no, "{} is supervised: unregister it first", what);
    return fail_sys(exit_sys, "lock {}/supervise/lock", what);
}

// Under the slot's lock: a teardown that a kill left half-done, then the
// staging leftovers of the slot but staging itself.
Error finish_killed_runs(int dirfd, std::string_view dir, std::string const &slot, std::string const &staging,
                         std::vector<std::string> const &leftovers, struct timespec const &deadline)
{
    if (Error e = tear_down(dirfd, dir, hidden_slot_name(slot), deadline)) return e;
    for (auto const &l : slot_leftovers(leftovers, slot)) {
        if (l == staging) continue;
        // A live writer's staging dir (flock held: new_staging_dir) is
        // not a leftover.
        Fd d = open_dir(dirfd, l.c_str());
        if (d && ::flock(d.get(), LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) continue;
        if (Error e = tear_down(dirfd, dir, l, deadline)) return e;
    }
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
    // Without write access to the scandir (a non-root user on root's
    // /run/service), say so in one line, before the lock and then the
    // staging dir's removal both fail.
    if (::faccessat(tp.get(), ".", W_OK | X_OK, AT_EACCESS) < 0 && (errno == EACCES || errno == EROFS))
        return fail(exit_sys, "unable to publish into {}: {} (it needs write access to the scandir: run it as root)",
                    tparent, error_text(errno));
    struct stat sst, tst, st;
    if (::fstat(sp.get(), &sst) < 0) return fail_sys(exit_sys, "stat {}", sparent);
    if (::fstat(tp.get(), &tst) < 0) return fail_sys(exit_sys, "stat {}", tparent);
    if (sst.st_dev != tst.st_dev || sst.st_ino != tst.st_ino) {
        remove_tree(sp.get(), sbase.c_str());
        return fail(exit_usage, "{} and {} are not in the same directory", staging, slot);
    }
    if (!stat_at(sp.get(), sbase.c_str(), st)) return fail_sys(exit_sys, "stat {}", staging);
    if (!S_ISDIR(st.st_mode)) {
        remove_tree(sp.get(), sbase.c_str());
        return fail(exit_sys, "publish {}: not a directory", staging);
    }
    std::vector<std::string> dots;
    if (Error e = list_dot_entries(sp.get(), tparent, dots)) return e;
    if (Error e = publish_slot_at(sp.get(), tparent, staging, slot, force, lock_ms, dots)) return e;
    tell_svscan(sp.get(), "a"); // none listening: it sees the slot when it starts
    return ok();
}

Error publish_slot_at(int dirfd, std::string_view dir, char const *staging, char const *slot, bool force,
                      unsigned lock_ms, std::vector<std::string> const &leftovers)
{
    std::string const sbase(base_name(staging));
    std::string const tbase(base_name(slot));
    if (Error e = check_names(sbase, tbase, staging, slot)) return e;
    // On every failure from here, the staging dir goes.
    auto failed = [&](Error e) {
        if (!remove_tree(dirfd, sbase.c_str())) warn_sys("remove {}", staging);
        return e;
    };

    // One writer per slot from here on.
    struct timespec const deadline = deadline_in(lock_ms);
    SlotLock lock;
    if (Error e = lock_slot(dirfd, dir, tbase, deadline, lock)) return failed(std::move(e));
    if (Error e = finish_killed_runs(dirfd, dir, tbase, sbase, leftovers, deadline)) return failed(std::move(e));

    // publish: staging -> published.
    if (::renameat2(dirfd, sbase.c_str(), dirfd, tbase.c_str(), RENAME_NOREPLACE) == 0) return ok();
    if (errno != EEXIST) return failed(fail_sys(exit_sys, "rename {} to {}", staging, slot));

    struct stat st;
    if (!stat_at(dirfd, tbase.c_str(), st)) return failed(fail_sys(exit_sys, "stat {}", slot));
    if (!S_ISDIR(st.st_mode)) return failed(fail(exit_sys, "replace {}: not a directory", slot));
    if (!force) return failed(fail(exit_no, "{} is already registered", slot));
    {
        Fd old = open_dir(dirfd, tbase.c_str());
        if (!old) return failed(fail_sys(exit_sys, "open {}", slot));
        std::string const path(slot);
        if (Error e = refuse_if_supervised(old.get(), ".", path)) return failed(std::move(e));
        if (Error e = refuse_if_supervised(old.get(), "log", path)) return failed(std::move(e));
    }

    // replace: the old tree goes straight to the hidden name (its
    // supervisors, a late one included, are stopped from there).
    if (::renameat2(dirfd, sbase.c_str(), dirfd, tbase.c_str(), RENAME_EXCHANGE) < 0)
        return failed(fail_sys(exit_sys, "exchange {} and {}", staging, slot));
    std::string const hidden = hidden_slot_name(tbase);
    if (::renameat2(dirfd, sbase.c_str(), dirfd, hidden.c_str(), RENAME_NOREPLACE) < 0)
        return fail_sys(exit_sys, "{} is published, but unable to rename the tree it replaced, now {}, to {}", slot,
                        staging, hidden);
    if (Error e = tear_down(dirfd, dir, hidden, deadline_in(escalation_ms))) {
        if (e.code == exit_timeout) return Error{e.code, e.err, fmt::format("{} is published, but {}", slot, e.what)};
        warnf("{} is published, but the tree it replaced is not gone: {}", slot, e.message());
    }
    return ok();
}

Error remove_slot_tree(int parentfd, std::string_view parent, char const *name, struct timespec const &deadline)
{
    return tear_down(parentfd, parent, name, deadline);
}

Error unpublish_slot(char const *slot, unsigned timeout_ms)
{
    std::string const base(base_name(slot));
    if (char const *why = slot_base_problem(base)) return fail(exit_usage, "{} {}", slot, why);
    std::string const parent = dir_name(slot);
    std::string const hidden = hidden_slot_name(base);
    Fd pfd;
    if (Error e = need_dir(parent.c_str(), pfd)) return e;

    // Nothing to take out, nothing taken: not even a lock file is made.
    struct stat st;
    if (!stat_at(pfd.get(), base.c_str(), st) && errno == ENOENT && !stat_at(pfd.get(), hidden.c_str(), st) &&
        errno == ENOENT)
        return ok();

    struct timespec const deadline = deadline_in(timeout_ms);
    SlotLock lock;
    if (Error e = lock_slot(pfd.get(), parent, base, deadline, lock)) return e;
    // A teardown that was killed halfway first (a rerun of this very one, maybe).
    if (Error e = tear_down(pfd.get(), parent, hidden, deadline)) return e;

    if (!stat_at(pfd.get(), base.c_str(), st)) {
        if (errno == ENOENT) return ok();
        return fail_sys(exit_sys, "stat {}", slot);
    }
    if (!S_ISDIR(st.st_mode)) return fail(exit_sys, "unpublish {}: not a directory", slot);
    {
        Fd dir = open_dir(pfd.get(), base.c_str());
        if (!dir) return fail_sys(exit_sys, "open {}", slot);
        // A service dir, maybe a half-built one: run, type or supervise/.
        if (!stat_at(dir.get(), "run", st) && !stat_at(dir.get(), "type", st) && !stat_at(dir.get(), "supervise", st))
            return fail(exit_usage, "{} is not a slot: no run, type or supervise/, not a service dir", slot);
    }
    // hide: published -> hidden; then stop and remove.
    if (!hide_slot(pfd.get(), base)) {
        if (errno == ENOENT) return ok();
        return fail_sys(exit_sys, "rename {} to {}", slot, hidden);
    }
    return tear_down(pfd.get(), parent, hidden, deadline);
}

} // namespace hs6

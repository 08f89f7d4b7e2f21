// Taking a slot's tree out of service: the hide, stop and remove
// transitions of the slot lifecycle. The whole lifecycle is this table
// (doc/html/lifecycle.html says the same, for users):
//
//   stage      the tree is named          s6-supervise on it          a kill here leaves
//   ---------  -------------------------  --------------------------  ---------------------------------
//   staging    .gateway-NAME.XXX,         none: s6-svscan skips       a staging leftover: the next
//              .slotd-NAME                dot names                   holder of the slot's lock tears
//                                                                     it down (slot_leftovers)
//   published  gateway-NAME               s6-svscan's, from its       the slot
//                                         next scan ("a")
//   hidden     .gateway-NAME              the ones started before,    the hidden tree: the next holder
//                                         s6-svscan told "an" to      of the lock finishes the teardown
//                                         stop them
//   stopped    .gateway-NAME, every       none, and none can start    the same
//              supervise/ a regular file  (it needs a directory)
//   removed    -                          -                           nothing; the lock file goes with
//                                                                     the lock (slotlock.hpp)
//
// Each transition has one place:
//   render   absent -> staging      new_staging_dir, render_into (slot.cpp), seed_supervise (skeleton.cpp)
//   publish  staging -> published   publish_slot_at (publish.cpp): renameat2 NOREPLACE; "a" once by the caller
//   replace  published -> hidden,   publish_slot_at with force: RENAME_EXCHANGE, then the old tree
//            staging -> published   straight to the hidden name
//   hide     published -> hidden    hide_slot (here), for unpublish_slot (publish.cpp)
//   stop     hidden -> stopped      stop_tree (here): "an" to s6-svscan, which stops the supervisors it
//                                   spawned, a late one included; their locks waited for; root's own
//                                   signals only past the deadline, or when no s6-svscan listens;
//                                   supervise/ made a regular file so that none can start there
//   remove   stopped -> removed     remove_service_dir (here), without following symlinks
// A tree under a dot name that may have been a slot (hidden, or a staging
// leftover that a killed publish -f exchanged out) goes through stop and
// remove: tear_down().
#include <hermes-s6/teardown.hpp>

#include <hermes-s6/control.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/profile.hpp>

#include <cerrno>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hs6 {

namespace {

enum class Stage { hidden, stopped, removed };

char const *stage_name(Stage s) { return s == Stage::hidden ? "hidden" : s == Stage::stopped ? "stopped" : "removed"; }

struct Teardown {
    int scandirfd;
    std::string name;         // the tree, under scandirfd
    std::string path;         // the tree, in messages
    struct timespec deadline; // for s6-svscan (or root's SIGTERM) to stop the supervisors
    bool scanner;             // an s6-svscan listens, and was told "an"
    Stage stage = Stage::hidden;
    bool signalled = false;   // root's own signals were needed: worth a warning
    struct Held {
        Fd lock;
        dev_t dev;
        ino_t ino;
    };
    std::vector<Held> held;   // read locks on the supervise/locks, held until the tree is gone
};

// Where a service dir's supervise/ goes when a regular file takes its
// name: the name of that file until the exchange.
constexpr char old_supervise[] = "supervise.old";

// Waits until no s6-supervise holds the lock file open at lock, then keeps
// a read lock on it in t.held: while held, none can take it. Until
// deadline, s6-svscan is left to stop it (root sends SIGTERM at once when
// no s6-svscan listens: one that s6-svscan did not spawn); past it, root's
// SIGKILL to its service for escalation_ms, then SIGKILL to it for half
// that. what names the service dir in messages.
Error wait_supervisor_gone(Teardown &t, Fd lock, std::string const &what, struct timespec const &deadline)
{
    struct Round {
        Stop how;
        struct timespec until;
    };
    struct timespec const kill_until = after(deadline, escalation_ms);
    Round const rounds[] = {{Stop::term, deadline}, {Stop::kill, kill_until}, {Stop::hard, after(kill_until, escalation_ms / 2)}};
    bool gone = wait_lock(lock.get(), F_RDLCK, t.scanner ? deadline : deadline_in(0));
    if (!gone && errno != ETIMEDOUT) return fail_sys(exit_sys, "lock {}/supervise/lock", what);
    for (Round const &r : rounds) {
        if (gone || (r.how == Stop::term && t.scanner)) continue;
        // SIGTERM once; the kills again every 50 ms, for a finish script or
        // a service restarted meanwhile.
        for (bool first = true; !gone && !deadline_passed(r.until); first = false) {
            if (first || r.how != Stop::term) t.signalled |= kill_supervised(lock_holder(lock.get()), r.how);
            gone = wait_lock(lock.get(), F_RDLCK, r.how == Stop::term ? r.until : earlier(r.until, deadline_in(50)));
            if (!gone && errno != ETIMEDOUT) return fail_sys(exit_sys, "lock {}/supervise/lock", what);
        }
    }
    if (!gone)
        return fail(exit_timeout, "timed out waiting for the s6-supervise of {} to exit: left in place as {}", what,
                    t.path);
    struct stat st;
    if (::fstat(lock.get(), &st) < 0) return fail_sys(exit_sys, "stat {}/supervise/lock", what);
    t.held.push_back({std::move(lock), st.st_dev, st.st_ino});
    return ok();
}

// The supervisor of the supervise dir sup under dirfd, if one can be:
// waited for as above, unless its lock file is one already held.
Error stop_supervisor(Teardown &t, int dirfd, char const *sup, std::string const &what,
                      struct timespec const &deadline)
{
    Fd sd = open_dir(dirfd, sup);
    // None, or no directory: no s6-supervise runs there.
    if (!sd) return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? ok() : fail_sys(exit_sys, "open {}/{}", what, sup);
    Fd lock(::openat(sd.get(), "lock", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat st;
    if (!lock) return errno == ENOENT || errno == ELOOP ? ok() : fail_sys(exit_sys, "open {}/{}/lock", what, sup);
    if (::fstat(lock.get(), &st) < 0) return fail_sys(exit_sys, "stat {}/{}/lock", what, sup);
    if (!S_ISREG(st.st_mode)) return ok(); // no s6-supervise locks that
    for (auto const &h : t.held)
        if (h.dev == st.st_dev && h.ino == st.st_ino) return ok();
    return wait_supervisor_gone(t, std::move(lock), what, deadline);
}

// Makes supervise a regular file in the service dir open at dirfd, in one
// exchange, so that no s6-supervise can start there any more (its mkdir
// finds a non-directory: exit 100; one past its mkdir finds no lock or
// FIFO to make: exit 111). The old supervise/ is then supervise.old.
bool disarm(int dirfd)
{
    struct stat st;
    if (stat_at(dirfd, "supervise", st) && S_ISREG(st.st_mode)) return true; // stopped already
    // The file that takes its place; one left by a killed teardown is reused.
    Fd f(::openat(dirfd, old_supervise, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!f) return false;
    for (;;) {
        if (::renameat2(dirfd, old_supervise, dirfd, "supervise", RENAME_EXCHANGE) == 0) return true;
        if (errno != ENOENT) return false;
        if (::renameat2(dirfd, old_supervise, dirfd, "supervise", RENAME_NOREPLACE) == 0) return true;
        if (errno != EEXIST) return false; // else one that is starting made supervise/ just now
    }
}

// hidden -> stopped, for the service dir sub ("." or "log") of the tree:
// its supervisor gone, supervise/ made a file, and one that locked the
// old supervise/lock after the first look gone too.
Error stop_service_dir(Teardown &t, int treefd, char const *sub, struct timespec const &deadline)
{
    std::string const what = sub[0] == '.' ? t.path : join_path(t.path, sub);
    Fd dir = open_dir(treefd, sub);
    if (!dir) return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? ok() : fail_sys(exit_sys, "open {}", what);
    if (Error e = stop_supervisor(t, dir.get(), "supervise", what, deadline)) return e;
    if (!disarm(dir.get())) return fail_sys(exit_sys, "make {}/supervise a file", what);
    return stop_supervisor(t, dir.get(), old_supervise, what, deadline);
}

// hidden -> stopped: the service's supervisor first, then the logger's,
// so that the logger gets the service's last lines. The logger gets a
// moment of its own when the service used up the deadline.
Error stop_tree(Teardown &t)
{
    Fd tree = open_dir(t.scandirfd, t.name.c_str());
    if (!tree) return fail_sys(exit_sys, "open {}", t.path);
    if (Error e = stop_service_dir(t, tree.get(), ".", t.deadline)) return e;
    struct timespec const log_deadline = deadline_passed(t.deadline) ? deadline_in(500) : t.deadline;
    if (Error e = stop_service_dir(t, tree.get(), "log", log_deadline)) return e;
    t.stage = Stage::stopped;
    return ok();
}

// stopped -> removed: the service dir name under parentfd, every entry
// but supervise (the file that keeps an s6-supervise from starting) and
// log/ first, then log/ the same way, then supervise, then the dir.
// event/, which the group may write (seed -e), is first made 0700, so
// that it stops filling.
bool remove_service_dir(int parentfd, char const *name, bool with_log)
{
    Fd dir = open_dir(parentfd, name);
    if (!dir) return errno == ENOENT || ((errno == ENOTDIR || errno == ELOOP) && remove_tree(parentfd, name));
    if (Fd ev = open_dir(dir.get(), "event")) ::fchmod(ev.get(), 0700);
    bool const emptied = for_each_entry(dir.get(), [&](char const *entry, unsigned char) {
        std::string_view const e(entry);
        return e == "supervise" || (with_log && e == "log") || remove_tree(dir.get(), entry);
    });
    return emptied && (!with_log || remove_service_dir(dir.get(), "log", false)) && remove_tree(dir.get(), "supervise") &&
           (::unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT);
}

} // namespace

bool hide_slot(int scandirfd, std::string const &slot)
{
    return ::renameat2(scandirfd, slot.c_str(), scandirfd, hidden_slot_name(slot).c_str(), RENAME_NOREPLACE) == 0;
}

Error tear_down(int scandirfd, std::string_view scandir, std::string const &name, struct timespec const &deadline)
{
    std::string const path = join_path(scandir, name);
    struct stat st;
    if (!stat_at(scandirfd, name.c_str(), st)) return errno == ENOENT ? ok() : fail_sys(exit_sys, "stat {}", path);
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(scandirfd, name.c_str(), 0) < 0 && errno != ENOENT) return fail_sys(exit_sys, "remove {}", path);
        return ok();
    }
    // s6-svscan drops the entry, and stops the supervisors it spawned, once
    // it has read "an": it has, or the deadline for it has passed, on return.
    struct timespec const told_by = earlier(deadline, deadline_in(1000));
    Teardown t{scandirfd, name, path, deadline, tell_svscan(scandirfd, "an", &told_by), Stage::hidden, false, {}};
    // After the escalations, no other try.
    struct timespec const last = after(deadline, escalation_ms * 2);
    for (;;) {
        if (Error e = stop_tree(t)) {
            e.what += fmt::format(" ({}: the next publish or unpublish of the slot finishes it)", stage_name(t.stage));
            return e;
        }
        if (remove_service_dir(scandirfd, name.c_str(), true)) break;
        // An s6-supervise that was starting in it filled it again (ENOTEMPTY,
        // EEXIST): stop it, remove again.
        int const err = errno;
        if ((err != ENOTEMPTY && err != EEXIST) || deadline_passed(last))
            return fail_errno(exit_sys, err, "remove {}: left in place, {}: no s6-supervise can start on it", path,
                              stage_name(t.stage));
    }
    t.stage = Stage::removed;
    if (t.signalled) warnf("{} did not stop in time: root's own signals stopped it", path);
    return ok();
}

Error list_dot_entries(int scandirfd, std::string_view scandir, std::vector<std::string> &out)
{
    Fd fd(::openat(scandirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return fail_sys(exit_sys, "open {}", scandir);
    if (!for_each_entry(fd.get(), [&](char const *entry, unsigned char) {
            if (entry[0] == '.') out.emplace_back(entry);
            return true;
        }))
        return fail_sys(exit_sys, "read {}", scandir);
    return ok();
}

std::vector<std::string> slot_leftovers(std::vector<std::string> const &dot_entries, std::string_view slot)
{
    std::string const prefix = hidden_slot_name(slot) + ".";
    std::vector<std::string> out;
    for (auto const &e : dot_entries)
        if (e.size() > prefix.size() && e.starts_with(prefix)) out.push_back(e);
    return out;
}

} // namespace hs6

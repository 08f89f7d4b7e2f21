// The supervise skeleton: the layout table of SPEC.md in one place.
#include <hermes-s6/skeleton.hpp>

#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>

#include <fcntl.h>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>
#include <unistd.h>

namespace hs6 {

namespace {

struct Entry {
    uid_t uid;
    gid_t gid;
    mode_t mode;
};

struct Plan {
    uid_t me;
    gid_t my_gid;
    Entry supervise, control, event;
};

// The layout table. me and my_gid are the ids this process creates
// entries with: geteuid() and getegid(), or -1 for "as created" (the
// fresh seed, which then changes an entry's ids only where the table
// differs from what mkdirat gave it).
Plan plan_for(Layout const &l, uid_t me, gid_t my_gid)
{
    if (l.model == Layout::Model::owner)
        return {me, my_gid, {l.uid, l.gid, 0755}, {l.uid, l.gid, 0660}, {l.uid, l.gid, 03730}};
    gid_t const event_gid = l.event_group ? l.gid : my_gid;
    return {me, my_gid, {me, l.gid, 0710}, {me, l.gid, 0620}, {me, event_gid, 03730}};
}

// The Error for an entry that could not be made or opened, from errno.
Error entry_error(std::string const &path)
{
    if (errno == ELOOP) return fail(exit_sys, "{} is a symbolic link: not followed", path);
    if (errno == ENOTDIR) return fail(exit_sys, "{} is not a directory", path);
    if (errno == EEXIST) return fail(exit_sys, "{} exists and is not a FIFO", path);
    return fail_sys(exit_sys, "seed {}", path);
}

// An Error unless name under dirfd is absent or of type want (never
// followed); exists tells which.
Error check_entry(int dirfd, char const *name, mode_t want, std::string const &path, bool &exists)
{
    struct stat st;
    exists = false;
    if (!stat_at(dirfd, name, st)) {
        if (errno == ENOENT) return ok();
        return fail_sys(exit_sys, "stat {}", path);
    }
    exists = true;
    if ((st.st_mode & S_IFMT) == want) return ok();
    errno = S_ISLNK(st.st_mode) ? ELOOP : want == S_IFDIR ? ENOTDIR : EEXIST;
    return entry_error(path);
}

// check_control: false in the group layout's fix mode, which replaces a
// planted control once supervise/ is locked down.
Error check_dir(int dirfd, std::string const &path, bool check_control)
{
    bool exists;
    if (Error e = check_entry(dirfd, "supervise", S_IFDIR, path + "/supervise", exists)) return e;
    if (exists && check_control) {
        Fd sup;
        if (Error e = need_dir(dirfd, "supervise", path + "/supervise", sup)) return e;
        if (Error e = check_entry(sup.get(), "control", S_IFIFO, path + "/supervise/control", exists)) return e;
    }
    return check_entry(dirfd, "event", S_IFDIR, path + "/event", exists);
}

// Brings an existing entry, opened without following, to e. The opened
// entry is checked to be of type want again: it may have been replaced
// since check_dir() (a hard link to a file elsewhere would be chowned).
Error fix_entry(int dirfd, char const *name, int flags, mode_t want, Entry const &e, std::string const &path,
                Fd &fd)
{
    fd = open_at(dirfd, name, flags);
    if (!fd) return entry_error(path);
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return fail_sys(exit_sys, "stat {}", path);
    if ((st.st_mode & S_IFMT) != want) {
        errno = want == S_IFDIR ? ENOTDIR : EEXIST;
        return entry_error(path);
    }
    if (!set_owner_mode(fd.get(), e.uid, e.gid, e.mode)) return fail_sys(exit_sys, "set owner and mode of {}", path);
    return ok();
}

// s6-supervise's own files in supervise/. It replaces status and
// death_tally by renaming the .new ones over them, so only the .new names
// are written in place.
bool s6_file(std::string_view name)
{
    return name == "lock" || name == "status" || name == "death_tally";
}

// Removes name under dirfd, a planted entry of a directory we just locked
// down. A directory is taken from its owner first (ours, 0700, through its
// fd), so that it cannot be refilled while it goes. False on failure.
bool remove_planted(int dirfd, std::string const &name, bool is_dir)
{
    if (!is_dir) return ::unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT;
    Fd d = open_dir(dirfd, name.c_str());
    if (d && !set_owner_mode(d.get(), ::geteuid(), ::getegid(), 0700)) return false;
    return remove_tree(dirfd, name.c_str());
}

// Fix mode, group layout, on a directory already locked down (ours, 0700):
// removes what another user may have planted while it was open to them,
// the symlinks and hard links that make root write elsewhere (SPEC.md,
// security). Kept in supervise/: s6-supervise's files (regular, ours; a
// .new one also with a single link) and control, which the caller
// handles. Kept in event/: FIFOs with a single link (subscriptions), ours
// only unless the group may subscribe. Non-directories go first, so that a
// directory that resists removal cannot shield a symlink; every failure is
// a warning, and an Error 111 at the end. A failed read of the directory
// is an Error too: what was not listed was not checked.
Error purge_planted(int dirfd, bool event_dir, bool group_subscribes, std::string const &path)
{
    Fd dup(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dup) return fail_sys(exit_sys, "read {}", path);
    uid_t const me = ::geteuid();
    std::vector<std::string> files, dirs;
    bool const listed = for_each_entry(dup.get(), [&](char const *entry, unsigned char) {
        std::string_view const name(entry);
        if (!event_dir && name == "control") return true;
        struct stat st;
        if (!stat_at(dirfd, entry, st)) return true;
        bool keep;
        if (event_dir)
            keep = S_ISFIFO(st.st_mode) && st.st_nlink == 1 && (group_subscribes || st.st_uid == me);
        else
            keep = S_ISREG(st.st_mode) && st.st_uid == me && (st.st_nlink == 1 || s6_file(name));
        if (!keep) (S_ISDIR(st.st_mode) ? dirs : files).emplace_back(name);
        return true;
    });
    if (!listed) return fail_sys(exit_sys, "read {}", path);
    bool ok_all = true;
    for (auto const *list : {&files, &dirs})
        for (auto const &name : *list) {
            warnf("removing {}/{}: not s6's, planted while the directory was open to others", path, name);
            if (!remove_planted(dirfd, name, list == &dirs)) {
                warn_sys("remove {}/{}", path, name);
                ok_all = false;
            }
        }
    if (!ok_all) return fail(exit_sys, "{} still holds entries another user planted: see the warnings above", path);
    return ok();
}

// Fix mode: takes the existing directory name from whoever could write it
// (ours, 0700) before anything in it is looked at.
Error lock_down(int dirfd, char const *name, std::string const &path, Plan const &p, Fd &fd)
{
    return fix_entry(dirfd, name, O_RDONLY | O_DIRECTORY, S_IFDIR, {p.me, p.my_gid, 0700}, path, fd);
}

// Fix mode, group layout: control in a locked-down supervise/ is brought
// to e when it is a FIFO with a single link; anything else there was
// planted: it is removed and a fresh FIFO made, and the supervisor must be
// restarted to listen on it.
Error fix_control(int supfd, Entry const &e, std::string const &path)
{
    struct stat st;
    Made made;
    if (!stat_at(supfd, "control", st)) {
        if (errno != ENOENT) return fail_sys(exit_sys, "stat {}", path);
        if (!make_fifo(supfd, "control", e.mode, e.uid, e.gid, made)) return entry_error(path);
        return ok();
    }
    if (S_ISFIFO(st.st_mode) && st.st_nlink == 1) {
        Fd fd;
        if (Error err = fix_entry(supfd, "control", O_RDONLY, S_IFIFO, e, path, fd)) return err;
        if (::fstat(fd.get(), &st) == 0 && st.st_nlink == 1) return ok();
    }
    warnf("replacing {}: not the FIFO s6-supervise made; restart the service so that it listens on the new one", path);
    if (!remove_planted(supfd, "control", stat_at(supfd, "control", st) && S_ISDIR(st.st_mode)))
        return fail_sys(exit_sys, "remove {}", path);
    if (!make_fifo(supfd, "control", e.mode, e.uid, e.gid, made) || made != Made::created) return entry_error(path);
    return ok();
}

// Fix mode on a skeleton that exists: lock both directories down first,
// clean them (group layout), then open them to the layout, supervise/ last.
Error fix_dir(int dirfd, std::string const &path, Layout const &l, Plan const &p)
{
    std::string const sup_path = path + "/supervise", ev_path = path + "/event";
    std::string const ctl_path = sup_path + "/control";
    Made made;
    Fd sup, ev;
    if (!make_dir(dirfd, "supervise", 0700, p.me, p.my_gid, made)) return entry_error(sup_path);
    if (Error e = lock_down(dirfd, "supervise", sup_path, p, sup)) return e;
    if (!make_dir(dirfd, "event", 0700, p.me, p.my_gid, made)) return entry_error(ev_path);
    if (Error e = lock_down(dirfd, "event", ev_path, p, ev)) return e;
    if (l.model == Layout::Model::group) {
        if (Error e = purge_planted(sup.get(), false, false, sup_path)) return e;
        if (Error e = purge_planted(ev.get(), true, l.event_group, ev_path)) return e;
        if (Error e = fix_control(sup.get(), p.control, ctl_path)) return e;
    } else {
        if (!make_fifo(sup.get(), "control", p.control.mode, p.control.uid, p.control.gid, made))
            return entry_error(ctl_path);
        if (made == Made::existed) {
            Fd ctl;
            if (Error e = fix_entry(sup.get(), "control", O_RDONLY, S_IFIFO, p.control, ctl_path, ctl)) return e;
        }
    }
    if (!set_owner_mode(ev.get(), p.event.uid, p.event.gid, p.event.mode))
        return fail_sys(exit_sys, "set owner and mode of {}", ev_path);
    if (!set_owner_mode(sup.get(), p.supervise.uid, p.supervise.gid, p.supervise.mode))
        return fail_sys(exit_sys, "set owner and mode of {}", sup_path);
    return ok();
}

Error seed_dir(int dirfd, std::string const &path, Layout const &l, Plan const &p)
{
    if (l.fix) return fix_dir(dirfd, path, l, p);
    std::string const sup_path = path + "/supervise";
    Made made;
    Fd sup;
    // supervise/ stays owner-only (ours: mkdirat makes it so) until
    // control exists in it.
    if (!make_dir(dirfd, "supervise", 0700, static_cast<uid_t>(-1), static_cast<gid_t>(-1), made, &sup))
        return entry_error(sup_path);
    bool const sup_new = made == Made::created;

    std::string const ctl_path = sup_path + "/control";
    if (!make_fifo(sup.get(), "control", p.control.mode, p.control.uid, p.control.gid, made))
        return entry_error(ctl_path);

    std::string const ev_path = path + "/event";
    if (!make_dir(dirfd, "event", p.event.mode, p.event.uid, p.event.gid, made)) return entry_error(ev_path);

    if (sup_new && !set_owner_mode(sup.get(), p.supervise.uid, p.supervise.gid, p.supervise.mode))
        return fail_sys(exit_sys, "set owner and mode of {}", sup_path);
    return ok();
}

// The fresh seed (seed_fresh_slot): the calls per entry, and why each is
// there. Nothing is checked or re-opened: the service dir was made by this
// process a moment ago in a directory only its user can write, so every
// name in it is one this process made.
constexpr uid_t as_created_uid = static_cast<uid_t>(-1);
constexpr gid_t as_created_gid = static_cast<gid_t>(-1);

// fchownat when the table wants other ids than the creator's: the step
// that opens the entry to the group, so it comes after the entry is
// complete.
bool give_ids(int dirfd, char const *name, Entry const &e)
{
    if (e.uid == as_created_uid && e.gid == as_created_gid) return true;
    return ::fchownat(dirfd, name, e.uid, e.gid, AT_SYMLINK_NOFOLLOW) == 0;
}

// One service dir's skeleton, the names relative to dirfd (prefix "" or
// "log/"): 6 calls in the group layout, 7 with -e.
Error seed_fresh_dir(int dirfd, std::string const &prefix, std::string const &path, Plan const &p)
{
    std::string const sup = prefix + "supervise", ctl = sup + "/control", ev = prefix + "event";
    // supervise/ with its final mode (0710): its group is ours until
    // give_ids, so no one else enters it before control is there.
    if (::mkdirat(dirfd, sup.c_str(), p.supervise.mode) < 0) return fail_sys(exit_sys, "mkdir {}/supervise", path);
    // control with its final mode, then its group (0620 root:GID).
    if (::mknodat(dirfd, ctl.c_str(), S_IFIFO | p.control.mode, 0) < 0)
        return fail_sys(exit_sys, "mkfifo {}/supervise/control", path);
    if (!give_ids(dirfd, ctl.c_str(), p.control)) return fail_sys(exit_sys, "chown {}/supervise/control", path);
    // Last, supervise/ to the group.
    if (!give_ids(dirfd, sup.c_str(), p.supervise)) return fail_sys(exit_sys, "chown {}/supervise", path);
    // event/: mkdir keeps the sticky bit but drops setgid: fchmodat adds
    // it, after the ids (only with -e, or the owner layout, are they not
    // the creator's).
    if (::mkdirat(dirfd, ev.c_str(), p.event.mode & 01777) < 0) return fail_sys(exit_sys, "mkdir {}/event", path);
    if (!give_ids(dirfd, ev.c_str(), p.event)) return fail_sys(exit_sys, "chown {}/event", path);
    if ((p.event.mode & ~01777) && ::fchmodat(dirfd, ev.c_str(), p.event.mode, 0) < 0)
        return fail_sys(exit_sys, "chmod {}/event", path);
    return ok();
}

} // namespace

Error seed_fresh_slot(int svcfd, std::string_view path, Layout const &layout)
{
    if (!exact_modes()) return fail(exit_sys, "seed {}: the umask is not known to be 0", path);
    Plan const plan = plan_for(layout, as_created_uid, as_created_gid);
    std::string const p(path);
    if (Error e = seed_fresh_dir(svcfd, "", p, plan)) return e;
    return seed_fresh_dir(svcfd, "log/", p + "/log", plan);
}

Error seed_supervise(int svcfd, char const *name, Layout const &layout)
{
    std::string const path(name);
    std::string const log_path = path + "/log";
    Plan const plan = plan_for(layout, ::geteuid(), ::getegid());

    // log/ counts when it is a directory; a symlink there is refused.
    Fd log;
    struct stat st;
    if (stat_at(svcfd, "log", st)) {
        if (S_ISLNK(st.st_mode)) {
            errno = ELOOP;
            return entry_error(log_path);
        }
        if (S_ISDIR(st.st_mode))
            if (Error e = need_dir(svcfd, "log", log_path, log)) return e;
    } else if (errno != ENOENT) {
        return fail_sys(exit_sys, "stat {}", log_path);
    }

    bool const check_control = !(layout.fix && layout.model == Layout::Model::group);
    if (Error e = check_dir(svcfd, path, check_control)) return e;
    if (log)
        if (Error e = check_dir(log.get(), log_path, check_control)) return e;
    if (Error e = seed_dir(svcfd, path, layout, plan)) return e;
    if (log) return seed_dir(log.get(), log_path, layout, plan);
    return ok();
}

Error seed_supervise(char const *servicedir, Layout const &layout)
{
    Fd fd;
    if (Error e = need_dir(servicedir, fd)) return e;
    // Not a service dir: the root of the file system, or a scandir (its
    // supervise/ and event/ would be taken for services by s6-svscan).
    struct stat st, root;
    if (::fstat(fd.get(), &st) == 0 && ::stat("/", &root) == 0 && st.st_dev == root.st_dev &&
        st.st_ino == root.st_ino)
        return fail(exit_usage, "{} is the root directory, not a service directory", servicedir);
    if (stat_at(fd.get(), ".s6-svscan", st))
        return fail(exit_usage, "{} is a scan directory (it holds .s6-svscan), not a service directory", servicedir);
    UmaskZero exact_modes;
    return seed_supervise(fd.get(), servicedir, layout);
}

} // namespace hs6

// The supervise skeleton: the layout table of SPEC.md in one place.
#include <hermes-s6/skeleton.hpp>

#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <string_view>
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
    Entry supervise, control, event;
};

Plan plan_for(Layout const &l)
{
    if (l.model == Layout::Model::owner)
        return {{l.uid, l.gid, 0755}, {l.uid, l.gid, 0660}, {l.uid, l.gid, 03730}};
    uid_t const me = ::geteuid();
    gid_t const event_gid = l.event_group ? l.gid : ::getegid();
    return {{me, l.gid, 0710}, {me, l.gid, 0620}, {me, event_gid, 03730}};
}

[[noreturn]] void die_entry(std::string const &path)
{
    if (errno == ELOOP) fatal(exit_sys, "{} is a symbolic link: not followed", path);
    if (errno == ENOTDIR) fatal(exit_sys, "{} is not a directory", path);
    if (errno == EEXIST) fatal(exit_sys, "{} exists and is not a FIFO", path);
    fatal_sys(exit_sys, "seed {}", path);
}

// Dies unless name under dirfd is absent or of type want (never followed).
// Returns whether it exists.
bool check_entry(int dirfd, char const *name, mode_t want, std::string const &path)
{
    struct stat st;
    if (!stat_at(dirfd, name, st)) {
        if (errno == ENOENT) return false;
        fatal_sys(exit_sys, "stat {}", path);
    }
    if ((st.st_mode & S_IFMT) == want) return true;
    errno = S_ISLNK(st.st_mode) ? ELOOP : want == S_IFDIR ? ENOTDIR : EEXIST;
    die_entry(path);
}

void check_dir(int dirfd, std::string const &path)
{
    if (check_entry(dirfd, "supervise", S_IFDIR, path + "/supervise")) {
        Fd sup = need_dir(dirfd, "supervise", path + "/supervise");
        check_entry(sup.get(), "control", S_IFIFO, path + "/supervise/control");
    }
    check_entry(dirfd, "event", S_IFDIR, path + "/event");
}

// Brings an existing entry, opened without following, to e. The opened
// entry is checked to be of type want again: it may have been replaced
// since check_dir() (a hard link to a file elsewhere would be chowned).
Fd fix_entry(int dirfd, char const *name, int flags, mode_t want, Entry const &e, std::string const &path)
{
    Fd fd = open_at(dirfd, name, flags);
    if (!fd) die_entry(path);
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) fatal_sys(exit_sys, "stat {}", path);
    if ((st.st_mode & S_IFMT) != want) {
        errno = want == S_IFDIR ? ENOTDIR : EEXIST;
        die_entry(path);
    }
    if (!set_owner_mode(fd.get(), e.uid, e.gid, e.mode)) fatal_sys(exit_sys, "set owner and mode of {}", path);
    return fd;
}

// Fix mode, once a directory is locked down: removes what another user
// may have planted while it was writable to them, the symlinks that make
// root write elsewhere (SPEC.md, security). In supervise/: anything but
// control and s6-supervise's own regular files (owned by us, the
// supervisor's user, one link); in event/: anything but FIFOs with one link
// (subscriptions).
void purge_planted(int dirfd, bool event_dir, std::string const &path)
{
    Fd dup(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    DIR *d = dup ? ::fdopendir(dup.get()) : nullptr;
    if (!d) fatal_sys(exit_sys, "read {}", path);
    dup.release();
    uid_t const me = ::geteuid();
    std::vector<std::string> planted;
    while (struct dirent *ent = ::readdir(d)) {
        std::string_view const name(ent->d_name);
        if (name == "." || name == ".." || (!event_dir && name == "control")) continue;
        struct stat st;
        if (!stat_at(::dirfd(d), ent->d_name, st)) continue;
        // s6 never makes a second link: a hard link (to a root file, to
        // another service's control FIFO) was planted, whoever owns it.
        bool const keep = st.st_nlink == 1 && (event_dir ? S_ISFIFO(st.st_mode) : S_ISREG(st.st_mode) && st.st_uid == me);
        if (!keep) planted.emplace_back(name);
    }
    ::closedir(d);
    for (auto const &name : planted) {
        warnf("removing {}/{}: not s6's, planted while the directory was open to others", path, name);
        if (!remove_tree(dirfd, name.c_str())) fatal_sys(exit_sys, "remove {}/{}", path, name);
    }
}

void seed_dir(int dirfd, std::string const &path, Layout const &l, Plan const &p)
{
    std::string const sup_path = path + "/supervise";
    Made made;
    // supervise/ stays owner-only until control exists in it.
    if (!make_dir(dirfd, "supervise", 0700, ::geteuid(), ::getegid(), made)) die_entry(sup_path);
    bool const sup_new = made == Made::created;
    Fd sup = need_dir(dirfd, "supervise", sup_path);

    std::string const ctl_path = sup_path + "/control";
    if (!make_fifo(sup.get(), "control", p.control.mode, p.control.uid, p.control.gid, made)) die_entry(ctl_path);
    if (made == Made::existed && l.fix) fix_entry(sup.get(), "control", O_RDONLY, S_IFIFO, p.control, ctl_path);

    std::string const ev_path = path + "/event";
    if (!make_dir(dirfd, "event", p.event.mode, p.event.uid, p.event.gid, made)) die_entry(ev_path);
    if (made == Made::existed && l.fix) {
        Fd ev = fix_entry(dirfd, "event", O_RDONLY | O_DIRECTORY, S_IFDIR, p.event, ev_path);
        purge_planted(ev.get(), true, ev_path);
    }

    if (sup_new || l.fix) {
        if (!set_owner_mode(sup.get(), p.supervise.uid, p.supervise.gid, p.supervise.mode))
            fatal_sys(exit_sys, "set owner and mode of {}", sup_path);
    }
    // The owner layout leaves supervise/ to its user: nothing to purge there.
    if (!sup_new && l.fix && l.model == Layout::Model::group) purge_planted(sup.get(), false, sup_path);
}

} // namespace

void seed_supervise(int svcfd, char const *name, Layout const &layout)
{
    std::string const path(name);
    std::string const log_path = path + "/log";
    Plan const plan = plan_for(layout);

    // log/ counts when it is a directory; a symlink there is refused.
    Fd log;
    struct stat st;
    if (stat_at(svcfd, "log", st)) {
        if (S_ISLNK(st.st_mode)) {
            errno = ELOOP;
            die_entry(log_path);
        }
        if (S_ISDIR(st.st_mode)) log = need_dir(svcfd, "log", log_path);
    } else if (errno != ENOENT) {
        fatal_sys(exit_sys, "stat {}", log_path);
    }

    check_dir(svcfd, path);
    if (log) check_dir(log.get(), log_path);
    seed_dir(svcfd, path, layout, plan);
    if (log) seed_dir(log.get(), log_path, layout, plan);
}

void seed_supervise(char const *servicedir, Layout const &layout)
{
    Fd fd = need_dir(servicedir);
    seed_supervise(fd.get(), servicedir, layout);
}

} // namespace hs6

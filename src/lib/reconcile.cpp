// The boot reconcile in one process: one fork per profile, so that a
// profile that dies (a library call's fatal error) is logged and the
// others go on, without paying an exec per step.
#include <hermes-s6/reconcile.hpp>

#include <hermes-s6/bootlog.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/profile.hpp>
#include <hermes-s6/publish.hpp>
#include <hermes-s6/skeleton.hpp>
#include <hermes-s6/state.hpp>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <csignal>
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hs6 {

std::string loggable_name(std::string_view name)
{
    std::string s;
    for (char c : name.substr(0, 64)) {
        bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-';
        s.push_back(ok ? c : '?');
    }
    if (name.size() > 64) s += "...";
    return s;
}

std::vector<ProfileEntry> list_profiles(int homefd, std::string_view home)
{
    std::vector<ProfileEntry> out;
    std::string const root = fmt::format("{}/profiles", home);
    Fd fd = open_dir(homefd, "profiles");
    if (!fd) {
        if (errno != ENOENT) warn_sys("open {} (no named profiles registered)", root);
        return out;
    }
    DIR *d = ::fdopendir(fd.get());
    if (!d) {
        warn_sys("read {}", root);
        return out;
    }
    int const dfd = fd.release();
    while (struct dirent *e = ::readdir(d)) {
        std::string_view const name(e->d_name);
        if (name == "." || name == "..") continue;
        struct stat st;
        if (!stat_at(dfd, e->d_name, st)) continue;
        if (S_ISLNK(st.st_mode)) {
            out.push_back({std::string(name), "a symbolic link: not followed"});
            continue;
        }
        if (!S_ISDIR(st.st_mode)) continue;
        Fd pd = open_dir(dfd, e->d_name);
        if (!pd || !stat_at(pd.get(), "SOUL.md", st)) continue;
        char const *skip = profile_name_problem(name);
        if (!skip && name == "default") skip = "reserved for the root profile's slot";
        out.push_back({std::string(name), skip});
    }
    ::closedir(d);
    std::sort(out.begin(), out.end(), [](auto const &a, auto const &b) { return a.name < b.name; });
    return out;
}

namespace {

struct Outcome {
    std::string profile, state, action;
};

// Runs child (which must not return) in a forked process and waits for
// it: true when it exited 0. what names it in a failed fork's warning.
template <class F>
bool in_child(F &&child, std::string_view what)
{
    pid_t const pid = ::fork();
    if (pid < 0) {
        warn_sys("fork {}", what);
        return false;
    }
    if (pid == 0) {
        child();
        std::_Exit(0);
    }
    int status;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The slot steps of one profile: render, seed, publish. Dies with the
// failing step's code.
void register_one(int scandirfd, char const *scandir, std::string const &staging, std::string const &name,
                  bool up, ReconcileOptions const &o)
{
    std::string const staging_path = fmt::format("{}/{}", scandir, staging);
    std::string const slot_path = fmt::format("{}/gateway-{}", scandir, name);
    RenderOptions r = o.render;
    r.start = up ? StartState::up : StartState::down;
    render_slot(scandirfd, staging.c_str(), name, r, staging_path);
    {
        Fd sfd = need_dir(scandirfd, staging.c_str(), staging_path);
        Layout l;
        l.gid = o.gid;
        l.event_group = o.event_group;
        seed_supervise(sfd.get(), staging_path.c_str(), l);
    }
    if (Error e = publish_slot(staging_path.c_str(), slot_path.c_str(), true)) die(e);
}

Outcome reconcile_one(int scandirfd, char const *scandir, int profilefd, std::string const &profiledir,
                      std::string const &name, ReconcileOptions const &o)
{
    std::string const state = read_state(profilefd, profiledir.c_str());
    sweep_runtime_files(profilefd, profiledir.c_str());
    bool const up = slot_starts_up(name, StartState::from_environment, state.c_str(),
                                   std::getenv("GATEWAY_MULTIPLEX_PROFILES"));
    std::string const staging = fmt::format(".gateway-{}.tmp", name);
    bool const ok = in_child([&] { register_one(scandirfd, scandir, staging, name, up, o); },
                             fmt::format("for profile {}", name));
    if (!ok) {
        // render_slot and publish_slot clean up after themselves, but a
        // child that died in seed_supervise (or was killed) leaves its
        // staging dir: remove it, so that a failed profile leaves nothing.
        if (!remove_tree(scandirfd, staging.c_str())) warn_sys("remove {}/{}", scandir, staging);
    }
    return {name, state, ok ? (up ? "started" : "registered") : "failed"};
}

// Appends the lines to the boot log as uid:gid, in a child that drops to
// them first: the volume belongs to the user, so root never writes there.
bool write_boot_log(std::string const &logfile, std::string const &lines, ReconcileOptions const &o)
{
    return in_child([&] {
        if (::geteuid() == 0) drop_privileges(o.uid, o.gid);
        if (!bootlog_append(logfile.c_str(), lines, o.log_max)) std::_Exit(1);
    }, fmt::format("to write {}", logfile));
}

} // namespace

unsigned reconcile_profiles(char const *home, char const *scandir, ReconcileOptions const &o)
{
    // An inherited SIG_IGN for SIGCHLD would make waitpid() fail with
    // ECHILD, and every published profile count as failed.
    ::signal(SIGCHLD, SIG_DFL);
    Fd homefd = need_dir(home);
    Fd scandirfd = need_dir(scandir);
    std::vector<Outcome> done;
    done.push_back(reconcile_one(scandirfd.get(), scandir, homefd.get(), home, "default", o));

    std::string const root = fmt::format("{}/profiles", home);
    Fd profiles = open_dir(homefd.get(), "profiles");
    for (auto const &p : list_profiles(homefd.get(), home)) {
        std::string const dir = fmt::format("{}/{}", root, p.name);
        if (p.skip) {
            warnf("skipping {}/{}: {}", root, loggable_name(p.name), p.skip);
            done.push_back({loggable_name(p.name), state_none, "skipped"});
            continue;
        }
        Fd pd = profiles ? open_dir(profiles.get(), p.name.c_str()) : Fd();
        if (!pd) {
            warn_sys("open {}", dir);
            done.push_back({p.name, state_none, "failed"});
            continue;
        }
        done.push_back(reconcile_one(scandirfd.get(), scandir, pd.get(), dir, p.name, o));
    }

    unsigned failed = 0;
    std::time_t const now = std::time(nullptr);
    std::string const stamp = bootlog_timestamp(now);
    std::string lines, out;
    for (auto const &d : done) {
        std::string const fields = fmt::format("profile={} prior_state={} action={}", d.profile, d.state, d.action);
        lines += fmt::format("{} {}\n", stamp, fields);
        out += fmt::format("reconcile: {}\n", fields);
        if (d.action == "failed") ++failed;
    }
    // The boot log first: a closed stdout (SIGPIPE) must not cost it.
    std::string const logfile = o.logfile.empty() ? fmt::format("{}/logs/container-boot.log", home) : o.logfile;
    if (!write_boot_log(logfile, lines, o)) warnf("the boot log {} was not written", logfile);
    if (!write_all(1, out)) warn_sys("write to stdout");
    return failed;
}

} // namespace hs6

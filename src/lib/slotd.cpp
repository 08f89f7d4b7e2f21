// The server side of hermes-slotd: one request of the application user,
// register or unregister, performed as root with the server's own
// settings. Every path comes from SlotdConfig; from the client come only
// its uid (IPCREMOTEEUID, set by s6-ipcserverd: it cannot be forged) and
// the words of its request, which are validated before anything else.
#include <hermes-s6/slotd.hpp>

#include <hermes-s6/client.hpp>
#include <hermes-s6/control.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/listing.hpp>
#include <hermes-s6/profile.hpp>
#include <hermes-s6/publish.hpp>
#include <hermes-s6/reconcile.hpp>
#include <hermes-s6/skeleton.hpp>
#include <hermes-s6/state.hpp>
#include <hermes-s6/teardown.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace hs6 {

Error parse_slot_request(Args args, SlotRequest &out)
{
    if (args.empty()) return fail(exit_usage, "no request: register NAME [up|down] or unregister NAME");
    std::string_view const verb = args[0];
    if (verb == "register") {
        out.verb = SlotVerb::register_slot;
        if (args.size() < 2 || args.size() > 3)
            return fail(exit_usage, "wrong request: register NAME [up|down]");
    } else if (verb == "unregister") {
        out.verb = SlotVerb::unregister_slot;
        if (args.size() != 2) return fail(exit_usage, "wrong request: unregister NAME");
    } else {
        return fail(exit_usage, "unknown request {}: register NAME [up|down] or unregister NAME",
                    loggable_name(verb));
    }
    std::string_view const name = args[1];
    if (char const *why = profile_name_problem(name))
        return fail(exit_usage, "invalid profile name {}: {}", loggable_name(name), why);
    out.name = std::string(name);
    out.start = StartState::from_environment;
    if (args.size() == 3) {
        std::string_view const s = args[2];
        if (s == "up") out.start = StartState::up;
        else if (s == "down") out.start = StartState::down;
        else return fail(exit_usage, "wrong start state {}: up or down", loggable_name(s));
    }
    return ok();
}

namespace {

// The request ends here, before its lock, when the client went away
// (s6-sudod's SIGTERM): nothing was changed.
Error client_left() { return fail(exit_sys, "the client went away (SIGTERM) before the request began: nothing done"); }

// The server's own lock, around every transaction: one at a time, so the
// cap count and the staging names cannot race. Waits up to ms, and not
// for a client that went away.
Error take_lock(std::string const &lockfile, unsigned ms, Fd &out)
{
    if (client_gone()) return client_left();
    Fd fd = open_at(AT_FDCWD, lockfile.c_str(), O_RDWR | O_CREAT, 0600);
    if (!fd) return fail_sys(exit_sys, "open {}", lockfile);
    struct timespec const deadline = deadline_in(ms);
    while (::flock(fd.get(), LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) return fail_sys(exit_sys, "lock {}", lockfile);
        if (client_gone()) return client_left();
        if (deadline_passed(deadline)) return fail(exit_timeout, "busy: another request held {} for {} ms", lockfile, ms);
        struct timespec const nap{0, 5'000'000};
        ::nanosleep(&nap, nullptr);
    }
    out = std::move(fd);
    return ok();
}

// The staging dirs of this server: .slotd-NAME. One at a time is enough
// (every register runs under the server's lock), and a fixed prefix lets
// the next request find and remove what a killed server left.
constexpr std::string_view slotd_staging_prefix = ".slotd-";
std::string slotd_staging_name(std::string_view profile) { return std::string(slotd_staging_prefix).append(profile); }

// Counts the named profiles' slots in the scandir open at dfd (the cap
// the boot holds too), removes the staging dirs a killed server left
// (slotd_staging_prefix: only this server makes them, and only under its
// lock, which is held; never supervised: published without -f), and
// lists the dot entries, for the staging leftovers of other writers.
Error scan_scandir(int dfd, std::string const &scandir, unsigned &slots, std::vector<std::string> &dots)
{
    if (Error e = count_profile_slots(dfd, slots)) return e;
    if (Error e = list_dot_entries(dfd, scandir, dots)) return e;
    for (auto const &s : dots)
        if (s.starts_with(slotd_staging_prefix) && !remove_tree(dfd, s.c_str()))
            return fail_sys(exit_sys, "remove {}/{}", scandir, s);
    return ok();
}

// The profile dir of name, opened without following: home itself for
// "default", else home/profiles/NAME, which must hold SOUL.md.
Error open_profile(SlotdConfig const &c, std::string const &name, Fd &out, std::string &path)
{
    Fd home = open_dir(c.home.c_str());
    if (!home) return fail_sys(exit_sys, "open {}", c.home);
    if (name == "default") {
        path = c.home;
        out = std::move(home);
        return ok();
    }
    path = fmt::format("{}/profiles/{}", c.home, name);
    Fd profiles = open_dir(home.get(), "profiles");
    Fd pd = profiles ? open_dir(profiles.get(), name.c_str()) : Fd();
    if (!pd) {
        if (errno == ENOENT) return fail(exit_usage, "no profile {}: {} does not exist", name, path);
        if (errno == ELOOP || errno == ENOTDIR)
            return fail(exit_usage, "no profile {}: {} (or profiles/) is not a directory or is a symbolic link", name, path);
        return fail_sys(exit_sys, "open {}", path);
    }
    struct stat st;
    if (!stat_at(pd.get(), "SOUL.md", st)) {
        if (errno == ENOENT) return fail(exit_usage, "no profile {}: {} holds no SOUL.md", name, path);
        return fail_sys(exit_sys, "stat {}/SOUL.md", path);
    }
    out = std::move(pd);
    return ok();
}

// Waits until an s6-supervise holds the slot's lock, and its logger's
// when there is a log/: polled, every 2 to 20 ms, up to ms. A slot
// unregistered meanwhile (by a request that came after this one) is a
// documented no.
Error wait_supervised(int scandirfd, std::string const &slot, std::string const &path, unsigned ms)
{
    struct timespec const deadline = deadline_in(ms);
    long nap = 2'000'000;
    for (;;) {
        Fd svc = open_dir(scandirfd, slot.c_str());
        if (!svc && errno == ENOENT) return fail(exit_no, "{} was unregistered before it came up", path);
        if (!svc) return fail_sys(exit_sys, "open {}", path);
        bool held = false, log_held = true;
        if (!supervisor_holds_lock(svc.get(), held) && errno) return fail_sys(exit_sys, "read {}/supervise/lock", path);
        if (held) {
            Fd log = open_dir(svc.get(), "log");
            if (log && !supervisor_holds_lock(log.get(), log_held) && errno)
                return fail_sys(exit_sys, "read {}/log/supervise/lock", path);
        }
        if (held && log_held) return ok();
        // Registered: a client that went away needs no answer, and its
        // server no wait (s6-sudod's SIGTERM).
        if (client_gone()) return ok();
        if (deadline_passed(deadline))
            return fail(exit_timeout, "{} is registered but not supervised after {} ms", path, ms);
        struct timespec const t{0, nap};
        ::nanosleep(&t, nullptr);
        if (nap < 20'000'000) nap *= 2;
    }
}

Error do_register(SlotdConfig const &c, SlotRequest const &req)
{
    Fd pd;
    std::string profiledir;
    if (Error e = open_profile(c, req.name, pd, profiledir)) return e;
    RenderOptions r = c.render;
    r.home = c.home;
    if (req.start == StartState::from_environment) {
        std::string const state = read_state(pd.get(), profiledir.c_str());
        r.start = slot_starts_up(req.name, StartState::from_environment, state.c_str(), c.multiplex.c_str())
                      ? StartState::up
                      : StartState::down;
    } else {
        r.start = req.start;
    }
    Fd scan = open_dir(c.scandir.c_str());
    if (!scan) return fail_sys(exit_sys, "open {}", c.scandir);
    std::string const slot = slot_name(req.name);
    std::string const slot_path = join_path(c.scandir, slot);
    {
        Fd lock;
        if (Error e = take_lock(c.lockfile, c.timeout_ms, lock)) return e;
        unsigned slots = 0;
        std::vector<std::string> dots;
        if (Error e = scan_scandir(scan.get(), c.scandir, slots, dots)) return e;
        struct stat st;
        if (stat_at(scan.get(), slot.c_str(), st)) return fail(exit_no, "{}: already registered", slot_path);
        if (req.name != "default" && slots >= c.max_profiles)
            return fail(exit_cap, "{} profile slots already (HERMES_MAX_PROFILES): {} refused", slots, req.name);
        std::string const staging = slotd_staging_name(req.name);
        std::string const staging_path = join_path(c.scandir, staging);
        Fd sfd;
        Error e = render_slot(scan.get(), staging.c_str(), req.name, r, staging_path);
        if (!e) e = need_dir(scan.get(), staging.c_str(), staging_path, sfd);
        if (!e) {
            Layout l;
            l.gid = c.gid;
            e = seed_supervise(sfd.get(), staging_path.c_str(), l);
        }
        sfd = Fd();
        // Render and seed leave their staging dir on failure;
        // publish_slot_at removes its own.
        if (e) {
            remove_tree(scan.get(), staging.c_str());
            return e;
        }
        if (Error pe = publish_slot_at(scan.get(), c.scandir, staging_path.c_str(), slot_path.c_str(), false,
                                       slot_lock_wait_ms, dots))
            return pe;
    }
    if (!tell_svscan(scan.get(), "a"))
        return fail_sys(exit_sys, "tell s6-svscan on {} to rescan (slot registered; it starts at the next scan)",
                        c.scandir);
    return wait_supervised(scan.get(), slot, slot_path, c.timeout_ms);
}

Error do_unregister(SlotdConfig const &c, SlotRequest const &req)
{
    std::string const slot_path = join_path(c.scandir, slot_name(req.name));
    Fd lock;
    if (Error e = take_lock(c.lockfile, c.timeout_ms, lock)) return e;
    return unpublish_slot(slot_path.c_str(), c.timeout_ms);
}

} // namespace

Error serve_slot_request(SlotdConfig const &c, uid_t client, SlotRequest const &req)
{
    if (client != 0 && client != c.uid) return fail(exit_usage, "uid {} may not change slots", client);
    // The client going away is noted (client_gone()): before the lock,
    // the request ends; after, it goes on to its end.
    watch_client();
    ::signal(SIGPIPE, SIG_IGN);
    ::signal(SIGCHLD, SIG_DFL);
    return req.verb == SlotVerb::register_slot ? do_register(c, req) : do_unregister(c, req);
}

Error prepare_slotd(char const *socket, char const *rulesdir, uid_t uid, gid_t gid)
{
    std::string const dir = dir_name(socket);
    std::string const base(base_name(socket));
    if (base.empty() || base == "." || base == "..") return fail(exit_usage, "invalid socket path {}", socket);
    std::string const parent = dir_name(dir);
    Fd pfd = open_dir(parent.c_str());
    if (!pfd) return fail_sys(exit_sys, "open {}", parent);
    std::string const dbase(base_name(dir));
    Made made;
    if (!make_dir(pfd.get(), dbase.c_str(), 0750, 0, gid, made)) return fail_sys(exit_sys, "create {}", dir);
    Fd dfd = open_dir(pfd.get(), dbase.c_str());
    struct stat st;
    if (!dfd || ::fstat(dfd.get(), &st) < 0) return fail_sys(exit_sys, "open {}", dir);
    if (st.st_uid != 0 || (st.st_mode & 022))
        return fail(exit_sys, "{} must belong to root and be writable by root alone", dir);
    if (stat_at(dfd.get(), base.c_str(), st)) {
        if (!S_ISSOCK(st.st_mode)) return fail(exit_sys, "{} exists and is not a socket", socket);
        if (::unlinkat(dfd.get(), base.c_str(), 0) < 0) return fail_sys(exit_sys, "remove {}", socket);
    }

    std::string const rparent = dir_name(rulesdir);
    std::string const rbase(base_name(rulesdir));
    Fd rp = open_dir(rparent.c_str());
    if (!rp) return fail_sys(exit_sys, "open {}", rparent);
    if (!remove_tree(rp.get(), rbase.c_str())) return fail_sys(exit_sys, "remove {}", rulesdir);
    if (!make_dir(rp.get(), rbase.c_str(), 0755, 0, 0, made)) return fail_sys(exit_sys, "create {}", rulesdir);
    Fd rules = open_dir(rp.get(), rbase.c_str());
    if (!rules || !make_dir(rules.get(), "uid", 0755, 0, 0, made)) return fail_sys(exit_sys, "create {}/uid", rulesdir);
    Fd uids = open_dir(rules.get(), "uid");
    if (!uids) return fail_sys(exit_sys, "open {}/uid", rulesdir);
    for (uid_t u : {uid_t(0), uid}) {
        std::string const n = fmt::format("{}", u);
        if (!make_dir(uids.get(), n.c_str(), 0755, 0, 0, made)) return fail_sys(exit_sys, "create {}/uid/{}", rulesdir, n);
        Fd ud = open_dir(uids.get(), n.c_str());
        struct stat ast;
        if (!ud) return fail_sys(exit_sys, "open {}/uid/{}", rulesdir, n);
        if (!stat_at(ud.get(), "allow", ast) && !write_file(ud.get(), "allow", "", 0644))
            return fail_sys(exit_sys, "create {}/uid/{}/allow", rulesdir, n);
    }
    return ok();
}

} // namespace hs6

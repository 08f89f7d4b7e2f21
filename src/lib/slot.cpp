// Rendering a slot: the start-state decision and the three execline
// scripts, written into a fresh dot-prefixed staging directory.
#include <hermes-s6/slot.hpp>

#include <hermes-s6/control.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/profile.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <ctime>
#include <unistd.h>

namespace hs6 {

bool slot_starts_up(std::string_view profile, StartState start, char const *gateway_state,
                    char const *multiplex)
{
    if (start != StartState::from_environment) return start == StartState::up;
    if (!gateway_state || std::strcmp(gateway_state, "running")) return false;
    return profile == "default" || !multiplex_truthy(multiplex);
}

std::string execline_quote(std::string_view s)
{
    std::string q;
    q.reserve(s.size() + 2);
    q.push_back('"');
    for (char c : s) {
        if (c == '"' || c == '\\') q.push_back('\\');
        q.push_back(c);
    }
    q.push_back('"');
    return q;
}

namespace {

// The test that picks the direct branch: true only when `id -u` ran, exited
// 0 and printed a number other than 0. Every failure (backtick or id cannot
// fork or exec, id fails, prints nothing, garbage) makes it false, and the
// script drops to the user: it fails closed, never running a command as
// root because it could not tell. As the user, a failed test makes
// s6-setuidgid fail, and the service does not start. In a block of its own
// so that its substitution of $uid never reaches a word that came from the
// command line.
constexpr char const not_root_test[] = "ifelse { backtick -E uid { id -u } eltest ${uid} -ne 0 }\n";

std::string header(RenderOptions const &o, char const *mode)
{
    std::string s = "#!" + o.shebangdir + "/execlineb " + mode + "\n";
    if (o.contenv && std::strcmp(mode, "-P") == 0) s += "with-contenv\n";
    return s;
}

std::string gateway_command(std::string_view profile, RenderOptions const &o)
{
    std::string s = execline_quote(o.prog);
    if (profile != "default") s.append(" -p ").append(profile);
    return s + " gateway run --replace";
}

// Appends every part to s: one buffer, no temporaries (these scripts are
// rendered once per profile at every boot).
template <class... T>
void put(std::string &s, T const &...parts)
{
    (s.append(std::string_view(parts)), ...);
}

// The logger, as whoever runs it: when logs/gateways/NAME can be used (no
// symlink on logs, logs/gateways or it, a directory it can write, its lock
// not held by another s6-log), mkdir -p it, remove a stale lock (one it
// cannot write: left by a logger run as root) and run s6-log on it.
// The checks use test(1), not eltest: with eltest broken, the root
// decision above fails closed (drops to the user), and the logs still go
// to the volume. Otherwise say so once on stderr and run s6-log with stdout as its only
// action (the container's log, as s6-svscan's output): the gateway's
// output still goes somewhere, and the logger does not die every second
// on a volume it cannot use. Appended to s; in prefixes every line.
void logger_tail(std::string &s, std::string_view profile, std::string_view in)
{
    std::string_view const logs = "${h}/logs";
    std::string dir;
    dir.reserve(logs.size() + 10 + profile.size());
    put(dir, logs, "/gateways/", profile);
    put(s, in, "importas -i h HERMES_HOME\n");
    put(s, in, "ifelse\n");
    put(s, in, "{\n");
    put(s, in, "  if { test ! -L ", logs, " -a ! -L ", logs, "/gateways -a ! -L ", dir, " }\n");
    put(s, in, "  if { mkdir -p -- ", dir, " }\n");
    put(s, in, "  if { test -d ", dir, " -a ! -L ", dir, " -a -w ", dir, " -a -x ", dir, " -a ! -L ", dir, "/lock }\n");
    put(s, in, "  if { ifelse { test -w ", dir, "/lock } { s6-setlock -n ", dir, "/lock true } true }\n");
    put(s, in, "  rm -f -- ", dir, "/lock\n");
    put(s, in, "}\n");
    put(s, in, "{ s6-log 1 n10 s1000000 T ", dir, " }\n");
    put(s, in, "foreground { fdmove -c 1 2 printf \"%s\\n\" \"gateway-", profile, "/log: warning: unable to use ", dir,
        " (a symbolic link, not a writable directory, or locked): logging to stdout instead\" }\n");
    put(s, in, "s6-log 1\n");
}

} // namespace

char const *render_options_problem(RenderOptions const &o)
{
    if (o.home.empty() || o.home[0] != '/') return "home must be an absolute path";
    if (has_control(o.home)) return "home must not contain control characters";
    if (o.user.empty() || has_control(o.user)) return "user must be non-empty, without control characters";
    if (o.user[0] == '-') return "user must not start with - (s6-setuidgid would read it as an option)";
    if (o.prog.empty() || has_control(o.prog)) return "prog must be non-empty, without control characters";
    if (o.shebangdir.empty() || o.shebangdir[0] != '/') return "shebangdir must be an absolute path";
    for (char c : o.shebangdir)
        if (c == ' ' || c == '\t' || has_control(std::string_view(&c, 1)))
            return "shebangdir must not contain blanks or control characters (it goes in a shebang line)";
    if (o.shebangdir.size() + sizeof "#!/execlineb -P" > 255) return "shebangdir too long for a shebang line";
    return nullptr;
}

std::string render_run(std::string_view profile, RenderOptions const &o)
{
    std::string const home = execline_quote(o.home);
    std::string const cmd = gateway_command(profile, o);
    // cd home only once the privilege decision is made (and, as root,
    // after the drop): id, eltest and s6-setuidgid are looked up through
    // PATH from the service dir, never from a dir the user writes.
    return header(o, "-P") +
           "fdmove -c 2 1\n"
           "export HOME " + home + "\n"
           "export HERMES_S6_SUPERVISED_CHILD 1\n"
           "export HERMES_SUPERVISED_CHILD 1\n" +
           not_root_test +
           "{ cd " + home + " " + cmd + " }\n"
           "s6-setuidgid " + execline_quote(o.user) + " cd " + home + " " + cmd + "\n";
}

std::string render_finish(RenderOptions const &o)
{
    // Two literal patterns: case anchors "0|78" as ^0|78$, which would
    // also match 05 and 178.
    return header(o, "-S1") + "case -- $1 { 0 { exit 125 } 78 { exit 125 } }\nexit 0\n";
}

std::string render_log_run(std::string_view profile, RenderOptions const &o)
{
    // HERMES_HOME, or home when it is unset or empty, is computed in a
    // block that holds no command-line value, exported, and substituted
    // only after the drop to the user: no value from the command line is
    // ever subject to execline substitution.
    std::string s = header(o, "-P");
    s.reserve(2048 + 4 * profile.size());
    put(s, "backtick -D ", execline_quote(o.home),
        " HERMES_HOME { importas -D \"\" h HERMES_HOME if { eltest -n ${h} } printf %s ${h} }\n", not_root_test, "{\n");
    logger_tail(s, profile, "  ");
    put(s, "}\ns6-setuidgid ", execline_quote(o.user), "\n");
    logger_tail(s, profile, "");
    return s;
}

namespace {

// A new directory, 0755 whatever the umask. It must not exist: the
// leftover was just removed, so an entry there now is someone else's, and
// it is not used.
bool new_dir(int dirfd, char const *name, Fd &dir)
{
    Made made;
    if (!make_dir(dirfd, name, 0755, static_cast<uid_t>(-1), static_cast<gid_t>(-1), made, &dir)) return false;
    if (made == Made::existed) {
        errno = EEXIST;
        return false;
    }
    return true;
}

// A leftover staging dir that a supervisor ran on (the tree a killed
// publish -f exchanged out, before it went to its hidden name) is the
// teardown's (hermes-render-slot does it first); one that never was is
// deleted.
Error remove_leftover(int parentfd, char const *staging, std::string_view path)
{
    struct stat st;
    if (Fd d = open_dir(parentfd, staging))
        if (stat_at(d.get(), "supervise/lock", st) || stat_at(d.get(), "log/supervise/lock", st))
            return fail(exit_no, "{} was a slot's tree (it has a supervise/lock): tear it down first "
                        "(hermes-render-slot does, as hermes-unpublish-slot would)", path);
    if (!remove_tree(parentfd, staging)) return fail_sys(exit_sys, "remove {}", path);
    return ok();
}

} // namespace

Error staging_problem(std::string_view base, std::string_view path)
{
    if (base.empty() || base[0] != '.' || base == "." || base == ".." || base.find('/') != base.npos)
        return fail(exit_usage, "staging dir {} must be a dot-prefixed name (s6-svscan would supervise it half-built)",
                    path);
    std::string_view const rest = base.substr(1);
    if (rest.starts_with(slot_prefix) && !profile_name_problem(rest.substr(sizeof slot_prefix - 1)))
        return fail(exit_usage, "staging dir {} must not be a slot's hidden name (unpublish uses it)", path);
    return ok();
}

Error render_into(int dirfd, std::string_view profile, RenderOptions const &o, bool up, std::string_view path,
                  bool private_dir)
{
    // Each file: openat O_CREAT|O_EXCL with its mode (exact under
    // UmaskZero, else an fchmod after), one write, close; down: no write.
    if (!write_file(dirfd, "type", "longrun\n", 0644)) return fail_sys(exit_sys, "write {}/type", path);
    if (!write_file(dirfd, "run", render_run(profile, o), 0755)) return fail_sys(exit_sys, "write {}/run", path);
    if (!write_file(dirfd, "finish", render_finish(o), 0755)) return fail_sys(exit_sys, "write {}/finish", path);
    // s6's own stop bound: s6-supervise SIGKILLs a gateway that ignores
    // SIGTERM this long after it (a teardown waits on the supervisor).
    if (!write_file(dirfd, "timeout-kill", timeout_kill_text, 0644))
        return fail_sys(exit_sys, "write {}/timeout-kill", path);
    if (!up && !write_file(dirfd, "down", "", 0644)) return fail_sys(exit_sys, "write {}/down", path);
    if (private_dir && exact_modes()) {
        // No one else can rename or replace log/ (see only_mine()): one
        // mkdirat with its mode, and log/run by its path.
        if (::mkdirat(dirfd, "log", 0755) < 0) return fail_sys(exit_sys, "mkdir {}/log", path);
        if (!write_file(dirfd, "log/run", render_log_run(profile, o), 0755))
            return fail_sys(exit_sys, "write {}/log/run", path);
        return ok();
    }
    Fd log;
    if (!new_dir(dirfd, "log", log)) return fail_sys(exit_sys, "mkdir {}/log", path);
    if (!write_file(log.get(), "run", render_log_run(profile, o), 0755))
        return fail_sys(exit_sys, "write {}/log/run", path);
    return ok();
}

Error render_slot(int parentfd, char const *staging, std::string_view profile, RenderOptions const &o,
                  std::string_view path)
{
    if (char const *why = profile_name_problem(profile)) return fail(exit_usage, "invalid profile name {}: {}", loggable_name(profile), why);
    if (Error e = staging_problem(staging, path)) return e;
    if (char const *why = render_options_problem(o)) return fail(exit_usage, "invalid option: {}", why);
    bool const up = slot_starts_up(profile, o.start, std::getenv("HERMES_GATEWAY_STATE"),
                                   std::getenv("GATEWAY_MULTIPLEX_PROFILES"));

    if (Error e = remove_leftover(parentfd, staging, path)) return e;
    Fd dir;
    if (!new_dir(parentfd, staging, dir)) {
        int const err = errno;
        // Made but not opened: take it back.
        if (err != EEXIST) remove_tree(parentfd, staging);
        return fail_errno(exit_sys, err, "mkdir {}", path);
    }
    Error e = render_into(dir.get(), profile, o, up, path);
    if (e && !remove_tree(parentfd, staging)) warn_sys("remove {}", path);
    return e;
}

Error render_slot(char const *stagingdir, std::string_view profile, RenderOptions const &o)
{
    if (char const *why = profile_name_problem(profile)) return fail(exit_usage, "invalid profile name {}: {}", loggable_name(profile), why);
    std::string const parent = dir_name(stagingdir);
    std::string const base(base_name(stagingdir));
    if (Error e = staging_problem(base, stagingdir)) return e;
    Fd pfd;
    if (Error e = need_dir(AT_FDCWD, parent.c_str(), parent, pfd)) return e;
    UmaskZero exact_modes;
    return render_slot(pfd.get(), base.c_str(), profile, o, stagingdir);
}

Error new_staging_dir(int parentfd, std::string_view profile, std::string &name, Fd &dir)
{
    static char const chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    static unsigned long long seed = 0;
    if (!seed) {
        struct timespec ts;
        ::clock_gettime(CLOCK_MONOTONIC, &ts);
        seed = (static_cast<unsigned long long>(ts.tv_nsec) << 20) ^ static_cast<unsigned long long>(ts.tv_sec) ^
               (static_cast<unsigned long long>(::getpid()) << 40) ^ 0x9e3779b97f4a7c15ULL;
    }
    for (unsigned attempt = 0; attempt < 1000; ++attempt) {
        // xorshift64*: cheap and different per process; uniqueness comes
        // from mkdirat's EEXIST, not from the generator.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        unsigned long long r = seed * 0x2545f4914f6cdd1dULL;
        char unique[3];
        for (char &c : unique) {
            c = chars[r % 36];
            r /= 36;
        }
        name = staging_name(profile, std::string_view(unique, 3));
        // Locked (flock) while dir stays open: a publish of the same slot
        // tears down staging leftovers, but never one a live writer holds.
        if (new_dir(parentfd, name.c_str(), dir)) {
            if (::flock(dir.get(), LOCK_EX | LOCK_NB) == 0) return ok();
            return fail_sys(exit_sys, "lock {}", name);
        }
        if (errno != EEXIST) return fail_sys(exit_sys, "mkdir {}", name);
    }
    errno = EEXIST;
    return fail_sys(exit_sys, "mkdir a unique {}", staging_name(profile, "XXX"));
}

} // namespace hs6

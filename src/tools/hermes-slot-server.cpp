// hermes-slot-server: the server-side program of hermes-slotd, run as
// root by s6-sudod for one request of the application user: register
// NAME [up|down] or unregister NAME. Every setting comes from its own
// command line (the service's run script); from the client, only the
// request words and IPCREMOTEEUID. With -P: prepare the socket dir and
// the access rules at service start, then chain.
#include <hermes-s6/chain.hpp>
#include <hermes-s6/defaults.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/profile.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/reconcile.hpp>
#include <hermes-s6/slotd.hpp>

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <string>

static char const USAGE[] =
    "hermes-slot-server -u uid -g gid [ -r user ] [ -x prog ] [ -b shebangdir ] [ -E ] [ -m multiplex ] "
    "[ -n max ] [ -t ms ] [ -L logfd ] -l lockfile home scandir verb args... | "
    "hermes-slot-server -P -u uid -g gid socket rulesdir [ prog... ]";

namespace {

// One line per request on the service's log: client uid, verb, name, result.
void log_request(int fd, char const *client, hs6::Args req, int code)
{
    if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) return;
    std::string const verb = req.size() > 0 ? hs6::loggable_name(req[0]) : "-";
    std::string const name = req.size() > 1 ? hs6::loggable_name(req[1]) : "-";
    std::string const state = req.size() > 2 ? hs6::loggable_name(req[2]) : "";
    std::string const line = fmt::format("hermes-slotd: uid={} verb={} name={}{}{} args={} result={}\n",
                                         hs6::loggable_name(client ? client : "?"), verb, name,
                                         state.empty() ? "" : " state=", state, req.size(), code);
    (void)hs6::write_all(fd, line);
}

} // namespace

int hermes_slot_server_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-slot-server";
    hs6::SlotdConfig c;
    hs6::Ids ids;
    bool prepare = false;
    int logfd = -1;
    auto args = hs6::parse_options(argc, argv, "Pu:g:r:x:b:Em:n:t:L:l:", [&](char o, char const *arg) {
        switch (o) {
        case 'P': prepare = true; break;
        case 'r': if (*arg) c.render.user = arg; break;
        case 'x': if (*arg) c.render.prog = arg; break;
        case 'b': c.render.shebangdir = arg; break;
        case 'E': c.render.contenv = false; break;
        case 'm': c.multiplex = arg; break;
        case 'n': c.max_profiles = hs6::max_profiles(arg); break;
        case 't': c.timeout_ms = hs6::need_uint(arg, "timeout"); break;
        case 'L': logfd = static_cast<int>(hs6::need_uint(arg, "logfd")); break;
        case 'l': c.lockfile = arg; break;
        default: hs6::parse_id_option(ids, o, arg);
        }
    }, USAGE);
    if (!ids.have_uid || !ids.have_gid) hs6::die(hs6::exit_usage, "no user given: use -u uid -g gid");
    c.uid = ids.uid;
    c.gid = ids.gid;

    if (prepare) {
        if (args.size() < 2) hs6::die_usage(USAGE);
        if (hs6::Error e = hs6::prepare_slotd(args[0], args[1], c.uid, c.gid)) hs6::die(e);
        hs6::chain(args.subspan(2));
    }

    // The client may go away at any moment (s6-sudod then sends SIGTERM):
    // nothing it does cuts a transaction. Its stdout and stderr are ours:
    // when they are pipes or sockets, non-blocking, so that one it filled
    // and never reads makes a message fail (EAGAIN) instead of hanging
    // root with the lock held. (A terminal is left alone: the flag would
    // be its shell's too.)
    for (int sig : {SIGTERM, SIGHUP, SIGINT, SIGPIPE}) ::signal(sig, SIG_IGN);
    for (int fd : {1, 2}) {
        struct stat st;
        int const fl = ::fcntl(fd, F_GETFL);
        if (fl >= 0 && ::fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
            ::fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    }
    if (args.size() < 2 || c.lockfile.empty()) hs6::die_usage(USAGE);
    // Empty settings (a variable set but empty in the container) mean the
    // defaults, as in 02-reconcile-profiles.
    c.home = *args[0] ? args[0] : hs6::default_home;
    c.scandir = *args[1] ? args[1] : hs6::default_scandir;
    c.render.home = c.home;
    hs6::Args const req = args.subspan(2);
    char const *const client = std::getenv("IPCREMOTEEUID");

    hs6::Error e;
    unsigned uid = 0;
    if (char const *why = hs6::render_options_problem(c.render))
        e = hs6::fail(hs6::exit_usage, "invalid setting: {}", why);
    else if (!client || !hs6::parse_uint(client, uid))
        e = hs6::fail(hs6::exit_usage, "no client uid (IPCREMOTEEUID): run me under s6-ipcserverd");
    else {
        hs6::SlotRequest r;
        e = hs6::parse_slot_request(req, r);
        if (!e) e = hs6::serve_slot_request(c, static_cast<uid_t>(uid), r);
    }
    log_request(logfd, client, req, e.code);
    if (e) {
        if (e.what.empty()) return e.code;  // a step's message is already out
        hs6::die(e);
    }
    return 0;
}

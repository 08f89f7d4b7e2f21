// hermes-slot-server: the server-side program of hermes-slotd, run as
// root by s6-sudod for one request of the application user: register
// NAME [up|down] or unregister NAME. Every setting comes from its own
// command line (the service's run script); from the client, only the
// request words and IPCREMOTEEUID. With -P: prepare the socket dir and
// the access rules at service start, then chain.
//
// The client's stdout and stderr are never written while a lock is held:
// every message is held in memory from the first instruction (client.hpp)
// and sent in one place, send_to_client(), after the transaction, with a
// deadline; what the client does not take is dropped, and the service's
// log says so.
#include <hermes-s6/chain.hpp>
#include <hermes-s6/client.hpp>
#include <hermes-s6/defaults.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/profile.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/reconcile.hpp>
#include <hermes-s6/slotd.hpp>

#include <cstdlib>
#include <fcntl.h>
#include <string>

static char const USAGE[] =
    "hermes-slot-server -u uid -g gid [ -r user ] [ -x prog ] [ -b shebangdir ] [ -E ] [ -m multiplex ] "
    "[ -n max ] [ -t ms ] [ -L logfd ] -l lockfile home scandir verb args... | "
    "hermes-slot-server -P -u uid -g gid socket rulesdir [ prog... ]";

namespace {

int logfd = -1;                 // the service's own log (-L), or -1
char const *client = nullptr;   // IPCREMOTEEUID
hs6::Args request;              // the request's words, for the log
bool serving = false;           // in the transaction: locks may be held

bool log_open() { return logfd >= 0 && ::fcntl(logfd, F_GETFD) >= 0; }

// "hermes-slotd: uid=U verb=V name=N[ state=S] args=K": the start of the
// log's lines about this request.
std::string log_prefix()
{
    hs6::Args const req = request;
    std::string const verb = req.size() > 0 ? hs6::loggable_name(req[0]) : "-";
    std::string const name = req.size() > 1 ? hs6::loggable_name(req[1]) : "-";
    std::string const state = req.size() > 2 ? hs6::loggable_name(req[2]) : "";
    return fmt::format("hermes-slotd: uid={} verb={} name={}{}{} args={}", hs6::loggable_name(client ? client : "?"),
                       verb, name, state.empty() ? "" : " state=", state, req.size());
}

// One line per request on the service's log: client uid, verb, name, result.
void log_request(int code)
{
    if (log_open()) (void)hs6::write_all(logfd, fmt::format("{} result={}\n", log_prefix(), code));
}

// The one place the client hears from the server: at the end, on every
// path (also as hs6::before_exit, from die()). A death in the middle of a
// transaction first lets go of every lock (closing every other fd).
void send_to_client(int)
{
    if (serving) hs6::close_all_but_output(logfd);
    hs6::ClientSend const s = hs6::send_client_output();
    if (s.sent < s.held && log_open())
        (void)hs6::write_all(logfd, fmt::format("{} messages: {} of {} bytes dropped ({})\n", log_prefix(),
                                                s.held - s.sent, s.held,
                                                s.gone ? "the client went away"
                                                : s.timed_out ? fmt::format("not taken within {} ms", hs6::client_send_ms)
                                                              : "cut, or the client's fd failed"));
}

} // namespace

int hermes_slot_server_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-slot-server";
    // First of all: from here on, nothing reaches the client's fds but
    // send_to_client(). A server that cannot even do that refuses the
    // request without a word.
    hs6::watch_client();
    if (hs6::hold_client_output()) std::_Exit(hs6::exit_sys);
    hs6::before_exit = send_to_client;
    hs6::SlotdConfig c;
    hs6::Ids ids;
    bool prepare = false;
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
        // At service start, where fds 1 and 2 are the service's log: given back.
        hs6::before_exit = nullptr;
        (void)hs6::send_client_output();
        if (args.size() < 2) hs6::die_usage(USAGE);
        if (hs6::Error e = hs6::prepare_slotd(args[0], args[1], c.uid, c.gid)) hs6::die(e);
        hs6::chain(args.subspan(2));
    }

    if (args.size() < 2 || c.lockfile.empty()) hs6::die_usage(USAGE);
    // Empty settings (a variable set but empty in the container) mean the
    // defaults, as in 02-reconcile-profiles.
    c.home = *args[0] ? args[0] : hs6::default_home;
    c.scandir = *args[1] ? args[1] : hs6::default_scandir;
    c.render.home = c.home;
    request = args.subspan(2);
    client = std::getenv("IPCREMOTEEUID");

    hs6::Error e;
    unsigned uid = 0;
    if (char const *why = hs6::render_options_problem(c.render))
        e = hs6::fail(hs6::exit_usage, "invalid setting: {}", why);
    else if (!client || !hs6::parse_uint(client, uid))
        e = hs6::fail(hs6::exit_usage, "no client uid (IPCREMOTEEUID): run me under s6-ipcserverd");
    else {
        hs6::SlotRequest r;
        e = hs6::parse_slot_request(request, r);
        if (!e) {
            serving = true;
            e = hs6::serve_slot_request(c, static_cast<uid_t>(uid), r);
            serving = false;  // every lock is released by now
        }
    }
    log_request(e.code);
    if (e && !e.what.empty()) hs6::die(e);  // through send_to_client()
    hs6::before_exit = nullptr;
    send_to_client(e.code);
    return e.code;
}

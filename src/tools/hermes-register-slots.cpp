// hermes-register-slots: the boot reconcile of a volume in one process:
// the default slot, then every profile, each read, rendered, seeded and
// published as the single tools would, one boot-log line each.
#include <hermes-s6/chain.hpp>
#include <hermes-s6/defaults.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/profile.hpp>
#include <hermes-s6/reconcile.hpp>

#include <cstdlib>
#include <cstring>

static char const USAGE[] = "hermes-register-slots [ -n ] [ -U | -u uid -g gid ] [ -e ] [ -r user ] [ -x prog ] "
                            "[ -b shebangdir ] [ -E ] [ -l logfile ] [ -s maxbytes ] home scandir [ prog... ]";

int hermes_register_slots_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-register-slots";
    hs6::ReconcileOptions o;
    hs6::Ids ids;
    bool unknown_user = false;
    auto args = hs6::parse_options(argc, argv, "nUu:g:er:x:b:El:s:", [&](char c, char const *arg) {
        switch (c) {
        case 'n': o.dry_run = true; break;
        case 'U':
            // UID 4294967295: s6-envuidgid -D 4294967295:4294967295: (as
            // 02-reconcile-profiles runs it) found no such user. Said
            // here, with the name, so that 02 needs no exec to check it.
            if (char const *u = std::getenv("UID"); u && !std::strcmp(u, "4294967295")) unknown_user = true;
            else hs6::parse_id_option(ids, c, arg);
            break;
        case 'e': o.event_group = true; break;
        case 'r': o.render.user = arg; break;
        case 'x': o.render.prog = *arg ? arg : hs6::default_prog; break;  // empty (HERMES_GATEWAY_PROG=""): the default
        case 'b': o.render.shebangdir = arg; break;
        case 'E': o.render.contenv = false; break;
        case 'l': o.logfile = arg; break;
        case 's': o.log_max = hs6::need_uint(arg, "maxbytes"); break;
        default: hs6::parse_id_option(ids, c, arg);
        }
    }, USAGE);
    if (args.size() < 2) hs6::die_usage(USAGE);
    if (unknown_user)
        hs6::fatal(hs6::exit_usage, "HERMES_USER={} is not a user of this image: create it, or set HERMES_USER to the application user",
                   hs6::escape_control(o.render.user));
    if (!ids.have_uid || !ids.have_gid) hs6::die(hs6::exit_usage, "no user given: use -u uid -g gid or -U");
    o.uid = ids.uid;
    o.gid = ids.gid;
    o.max_profiles = hs6::max_profiles(std::getenv("HERMES_MAX_PROFILES"));
    // As -n, from the environment: 02-reconcile-profiles then needs no
    // exec of its own to choose.
    if (char const *d = std::getenv("HERMES_RECONCILE_DRY_RUN"); d && d[0] == '1' && !d[1]) o.dry_run = true;
    // An empty home or scandir (a variable set but empty, which execline's
    // importas -D keeps) means the default, as ${HERMES_HOME:-...} does in log/run.
    char const *const home = *args[0] ? args[0] : hs6::default_home;
    char const *const scandir = *args[1] ? args[1] : hs6::default_scandir;
    o.render.home = home;
    if (char const *why = hs6::render_options_problem(o.render)) hs6::fatal(hs6::exit_usage, "invalid option: {}", why);
    unsigned failed = 0;
    if (hs6::Error e = hs6::reconcile_profiles(home, scandir, o, failed)) hs6::die(e);
    if (failed) hs6::fatal(hs6::exit_no, "{} profile(s) failed to register; see the messages above", failed);
    hs6::chain(args.subspan(2));
}

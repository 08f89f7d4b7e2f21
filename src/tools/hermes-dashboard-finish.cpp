// hermes-dashboard-finish: the dashboard's finish program. Tells
// s6-supervise not to restart the dashboard (exit 125) when it is disabled
// or exited 78, and to restart it (exit 0) otherwise.
#include <hermes-s6/die.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/profile.hpp>

#include <cstdlib>
#include <cstring>

static char const USAGE[] = "hermes-dashboard-finish [ -v var ] exitcode [ signal [ servicename [ pgid ] ] ]";

static constexpr int exit_do_not_restart = 125; // s6-supervise: as if s6-svc -O
static constexpr char const exitcode_configuration_error[] = "78"; // EX_CONFIG

int hermes_dashboard_finish_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-dashboard-finish";
    char const *var = "HERMES_DASHBOARD";
    auto args = hs6::parse_options(argc, argv, "v:", [&](char c, char const *arg) {
        if (c == 'v') var = arg;
    }, USAGE);
    // s6-supervise passes exitcode, signal, service name and pgid; later
    // arguments, should a future s6 add some, are ignored.
    if (args.empty() || !*args[0]) hs6::die_usage(USAGE);
    if (!*var || std::strchr(var, '=')) hs6::die(hs6::exit_usage, "invalid variable name");
    if (!std::strcmp(args[0], exitcode_configuration_error)) return exit_do_not_restart;
    return hs6::truthy(std::getenv(var)) ? 0 : exit_do_not_restart;
}

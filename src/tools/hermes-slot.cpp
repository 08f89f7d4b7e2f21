// hermes-slot: the application user's client of hermes-slotd. A thin
// layer over s6-sudo: the request goes to the service as it is given, and
// the server's message and exit code come back unchanged.
#include <hermes-s6/chain.hpp>
#include <hermes-s6/defaults.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/options.hpp>

#include <cstdlib>
#include <vector>

static char const USAGE[] = "hermes-slot [ -s socket ] register NAME [ up | down ] | unregister NAME";

int hermes_slot_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-slot";
    char const *socket = std::getenv("HERMES_SLOTD_SOCKET");
    auto args = hs6::parse_options(argc, argv, "s:", [&](char c, char const *arg) {
        if (c == 's') socket = arg;
    }, USAGE);
    if (args.empty()) hs6::die_usage(USAGE);
    if (!socket || !*socket) socket = hs6::default_slotd_socket;
    // -e: send no environment; the server would ignore it anyway.
    std::vector<char const *> cmd{"s6-sudo", "-e", "--", socket};
    cmd.insert(cmd.end(), args.begin(), args.end());
    hs6::chain(hs6::Args(cmd.data(), cmd.size()));
}

// hermes-unpublish-slot: take a slot out of its scandir under the slot's
// lock, stop its supervisors (killing them past the deadline), wait for
// them to exit, remove the tree, then chain.
#include <hermes-s6/chain.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/publish.hpp>

static char const USAGE[] = "hermes-unpublish-slot [ -t ms ] slotdir [ prog... ]";

int hermes_unpublish_slot_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-unpublish-slot";
    unsigned timeout = 10000;
    auto args = hs6::parse_options(argc, argv, "t:", [&](char c, char const *arg) {
        if (c == 't') timeout = hs6::need_uint(arg, "timeout");
    }, USAGE);
    if (args.empty()) hs6::die_usage(USAGE);
    if (hs6::Error e = hs6::unpublish_slot(args[0], timeout)) hs6::die(e);
    hs6::chain(args.subspan(1));
}

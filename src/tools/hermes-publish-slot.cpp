// hermes-publish-slot: rename a rendered staging dir into place as a slot,
// atomically (with -f, exchanging it with an unsupervised old slot), then
// chain.
#include <hermes-s6/chain.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/publish.hpp>

static char const USAGE[] = "hermes-publish-slot [ -f ] stagingdir slotdir [ prog... ]";

int main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-publish-slot";
    bool force = false;
    auto args = hs6::parse_options(argc, argv, "f", [&](char c, char const *) {
        if (c == 'f') force = true;
    }, USAGE);
    if (args.size() < 2) hs6::die_usage(USAGE);
    hs6::publish_slot(args[0], args[1], force);
    hs6::chain(args.subspan(2));
}

// hermes-publish-slot: rename a rendered staging dir into place as a slot,
// atomically (with -f, exchanging it with an unsupervised old slot), under
// the slot's lock, then chain.
#include <hermes-s6/chain.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/publish.hpp>

static char const USAGE[] = "hermes-publish-slot [ -f ] [ -t ms ] stagingdir slotdir [ prog... ]";

int hermes_publish_slot_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-publish-slot";
    bool force = false;
    unsigned lock_ms = hs6::slot_lock_wait_ms;
    auto args = hs6::parse_options(argc, argv, "ft:", [&](char c, char const *arg) {
        if (c == 'f') force = true;
        if (c == 't') lock_ms = hs6::need_uint(arg, "timeout");
    }, USAGE);
    if (args.size() < 2) hs6::die_usage(USAGE);
    if (hs6::Error e = hs6::publish_slot(args[0], args[1], force, lock_ms)) hs6::die(e);
    hs6::chain(args.subspan(2));
}

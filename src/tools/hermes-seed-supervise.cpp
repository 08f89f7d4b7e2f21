// hermes-seed-supervise: lay down the supervise skeleton that s6-supervise
// adopts, so that a group (or, with -o, a user) can control the service.
#include <hermes-s6/chain.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/skeleton.hpp>

static char const USAGE[] = "hermes-seed-supervise [ -o ] [ -e ] [ -f ] [ -u uid ] [ -g gid ] [ -U ] servicedir [ prog... ]";

int hermes_seed_supervise_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-seed-supervise";
    hs6::Layout layout;
    hs6::Ids ids;
    auto args = hs6::parse_options(argc, argv, "oefu:g:U", [&](char c, char const *arg) {
        switch (c) {
        case 'o': layout.model = hs6::Layout::Model::owner; break;
        case 'e': layout.event_group = true; break;
        case 'f': layout.fix = true; break;
        default: hs6::parse_id_option(ids, c, arg);
        }
    }, USAGE);
    if (args.empty()) hs6::die_usage(USAGE);
    if (!ids.have_gid) hs6::die(hs6::exit_usage, "no group given: use -g gid or -U");
    if (layout.model == hs6::Layout::Model::owner && !ids.have_uid)
        hs6::die(hs6::exit_usage, "-o needs a user: use -u uid or -U");
    layout.uid = ids.uid;
    layout.gid = ids.gid;
    if (hs6::Error e = hs6::seed_supervise(args[0], layout)) hs6::die(e);
    hs6::chain(args.subspan(1));
}

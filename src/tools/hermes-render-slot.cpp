// hermes-render-slot: write a fresh slot (run, finish, log/run, type,
// down) for a profile into a dot-prefixed staging directory, then chain.
#include <hermes-s6/chain.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/control.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/profile.hpp>
#include <hermes-s6/slot.hpp>
#include <hermes-s6/slotlock.hpp>
#include <hermes-s6/teardown.hpp>

static char const USAGE[] =
    "hermes-render-slot [ -u | -d ] [ -h home ] [ -r user ] [ -b shebangdir ] [ -E ] [ -x prog ] stagingdir profile [ prog... ]";

int hermes_render_slot_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-render-slot";
    hs6::RenderOptions o;
    auto args = hs6::parse_options(argc, argv, "udh:r:b:Ex:", [&](char c, char const *arg) {
        switch (c) {
        case 'u': o.start = hs6::StartState::up; break;
        case 'd': o.start = hs6::StartState::down; break;
        case 'h': o.home = arg; break;
        case 'r': o.user = arg; break;
        case 'b': o.shebangdir = arg; break;
        case 'E': o.contenv = false; break;
        case 'x': o.prog = arg; break;
        }
    }, USAGE);
    if (args.size() < 2) hs6::die_usage(USAGE);
    if (char const *why = hs6::profile_name_problem(args[1]))
        hs6::fatal(hs6::exit_usage, "invalid profile name {}: {}", hs6::loggable_name(args[1]), why);
    // A leftover staging dir may be the tree a killed publish -f exchanged
    // out, with a supervisor on it: torn down, never just deleted.
    std::string const parent = hs6::dir_name(args[0]);
    std::string const base(hs6::base_name(args[0]));
    hs6::Fd pfd;
    if (hs6::Error e = hs6::staging_problem(base, args[0])) hs6::die(e);
    if (hs6::Error e = hs6::need_dir(parent.c_str(), pfd)) hs6::die(e);
    if (hs6::Error e = hs6::tear_down(pfd.get(), parent, base, hs6::deadline_in(hs6::slot_lock_wait_ms))) hs6::die(e);
    if (hs6::Error e = hs6::render_slot(args[0], args[1], o)) hs6::die(e);
    hs6::chain(args.subspan(2));
}

// hermes-readstate: the prior state of a profile, from its
// gateway_state.json, printed or exported to the chained program.
#include <hermes-s6/chain.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/state.hpp>

#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

static char const USAGE[] = "hermes-readstate [ -f file ] [ -v var ] [ -a ] [ -c ] profiledir [ prog... ]";

int hermes_readstate_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-readstate";
    char const *file = nullptr;
    char const *var = "HERMES_GATEWAY_STATE";
    bool ask = false, clean = false;
    auto args = hs6::parse_options(argc, argv, "f:v:ac", [&](char c, char const *arg) {
        switch (c) {
        case 'f': file = arg; break;
        case 'v': var = arg; break;
        case 'a': ask = true; break;
        case 'c': clean = true; break;
        }
    }, USAGE);
    if (args.empty() || !*args[0]) hs6::die_usage(USAGE);
    if (file && !*file) hs6::die(hs6::exit_usage, "invalid file: empty");
    if (!*var || std::strchr(var, '=')) hs6::die(hs6::exit_usage, "invalid variable name: empty or with =");

    std::string state = hs6::state_none;
    if (hs6::Fd dir = hs6::open_profile_dir(args[0])) {
        state = hs6::read_state(dir.get(), args[0], file);
        if (clean) hs6::sweep_runtime_files(dir.get(), args[0]);
    }
    int const answer = ask && !hs6::autostarts(state) ? hs6::exit_no : 0;

    if (args.size() == 1) {
        state.push_back('\n');
        if (!hs6::write_nopipe(1, state)) hs6::fatal_sys(hs6::exit_sys, "write to stdout");
        return answer;
    }
    if (answer) return answer;  // -a: chain only into a state that autostarts
    hs6::chain_with(args.subspan(1), var, state.c_str());
}

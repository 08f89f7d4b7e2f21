// hermes-list-slots: every gateway slot of a scandir, up or down, pid,
// for how long, wanted up, normally up; as text or (-j) a JSON array.
// Needs no privilege: it reads what the group layout leaves readable.
#include <hermes-s6/chain.hpp>
#include <hermes-s6/defaults.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/listing.hpp>
#include <hermes-s6/profile.hpp>

#include <csignal>
#include <cstdlib>
#include <string>

static char const USAGE[] = "hermes-list-slots [ -j ] [ scandir ]";

int hermes_list_slots_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-list-slots";
    bool json = false;
    auto args = hs6::parse_options(argc, argv, "j", [&](char c, char const *) {
        if (c == 'j') json = true;
    }, USAGE);
    if (args.size() > 1) hs6::die_usage(USAGE);
    char const *scandir = args.empty() ? std::getenv("S6_PROFILE_GATEWAY_SCANDIR") : args[0];
    if (!scandir || !*scandir) scandir = hs6::default_scandir;
    // A closed stdout is a failed write (111), not a death by SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    std::vector<hs6::SlotStatus> slots;
    if (hs6::Error e = hs6::list_slots(scandir, slots)) hs6::die(e);
    // Text: a header line, or one line that says there is nothing.
    std::string out;
    if (json) out = hs6::slots_json(slots);
    else if (slots.empty()) out = fmt::format("no gateway slots in {}\n", hs6::escape_control(scandir));
    else out = "PROFILE STATE PID SECONDS WANT NORMALLY\n" + hs6::slots_text(slots);
    if (!hs6::write_all(1, out)) hs6::fatal_sys(hs6::exit_sys, "write to stdout");
    return 0;
}

// The boot reconcile: every profile of a volume registered as a slot, in
// one process and without a child per profile (SPEC.md,
// cont-init.d/02-reconcile-profiles). Each profile's steps are the
// library calls the single tools make (read_state with the sweep,
// render, seed_supervise, publish_slot with force), each returning an
// Error: a profile's failure is its own, never the others'.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include <hermes-s6/defaults.hpp>
#include <hermes-s6/error.hpp>
#include <hermes-s6/slot.hpp>

namespace hs6 {

// What the volume holds under profiles/, in sorted (byte) order.
struct ProfileEntry {
    std::string name;   // as found on disk
    char const *skip;   // nullptr: register it; else why it is skipped
};

// The skipped entries listed by name (the first ones in byte order); the
// others are only counted.
inline constexpr unsigned listed_skips_max = 10;

// The listing of profiles/, bounded by the cap: what the user puts there
// costs memory, messages and log lines for at most max profiles and
// listed_skips_max skipped entries, whatever their number.
struct ProfileListing {
    // In byte order, merged: the first max valid profiles (skip null), and
    // the first listed_skips_max entries skipped for their name or type.
    std::vector<ProfileEntry> entries;
    unsigned beyond_cap = 0;       // valid profiles after the first max: not listed
    std::string first_beyond_cap;  // the first of them, in byte order
    unsigned unlisted_skips = 0;   // skipped entries after the first listed_skips_max
};

// Lists the directories of profiles/ under homefd that hold SOUL.md.
// Entries that are not directories, or directories without SOUL.md, are
// not profiles and are left out quietly; a symlink, the reserved name
// "default" and invalid names are skipped, with the reason. Of the valid
// names, the first max in byte order are listed and the rest counted
// (HERMES_MAX_PROFILES); of the skipped, the first listed_skips_max. The
// memory it takes is bounded by max, not by the number of entries. A
// missing profiles/ is an empty list; a profiles/ that is a symlink or
// unreadable (also partway) is a warning, and what was read.
ProfileListing list_profiles(int homefd, std::string_view home, unsigned max);

// The cap on profile slots (HERMES_MAX_PROFILES, defaults.hpp): value as
// a decimal number; null or empty is the default; anything else warns and
// is the default.
unsigned max_profiles(char const *value);
// How many profile slots (directories gateway-NAME, NAME not "default")
// the scandir open at scandirfd holds, for a run-time register to hold
// the same cap: count + 1 > max means the cap is reached.
[[nodiscard]] Error count_profile_slots(int scandirfd, unsigned &count);

struct ReconcileOptions {
    RenderOptions render;        // render.home is the gateway's HOME
    uid_t uid = 0;               // boot log written with these ids
    gid_t gid = 0;               // and the group of the supervise layout
    bool event_group = false;    // -e: event/ open to the group too
    std::string logfile;         // empty: HOME/logs/container-boot.log
    std::size_t log_max = bootlog_max_default;
    unsigned max_profiles = max_profiles_default;
    bool dry_run = false;        // -n: print the lines, touch nothing
};

// Registers the default slot from home, then every profile of
// list_profiles() in order, at most o.max_profiles of them; appends one
// line per profile listed to the boot log (written with the file-system
// ids uid:gid, by this very process, in appends of at most a sixteenth of
// o.log_max each) and prints it on stdout; what was only counted (beyond
// the cap, the skipped entries after the first listed_skips_max) is one
// warning and one line each. failed is how
// many profiles failed. Run as root, each slot is seeded in the group
// layout; run as another user (s6-overlay's USER mode) it is not: that
// user's own s6-supervise makes supervise/ and event/. With dry_run,
// nothing is written, swept or registered: the lines say what would be
// done. An Error 111 when home or scandir cannot be opened (nothing done),
// or when stdout cannot be written (everything done).
[[nodiscard]] Error reconcile_profiles(char const *home, char const *scandir, ReconcileOptions const &o,
                                       unsigned &failed);

} // namespace hs6

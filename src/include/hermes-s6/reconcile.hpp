// The boot reconcile: every profile of a volume registered as a slot, in
// one process (SPEC.md, cont-init.d/02-reconcile-profiles). Each profile's
// steps are the library calls the single tools make (read_state with the
// sweep, render_slot, seed_supervise, publish_slot with force); a
// profile's failure is its own, never the others'.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include <hermes-s6/slot.hpp>

namespace hs6 {

// What the volume holds under profiles/, in sorted (byte) order.
struct ProfileEntry {
    std::string name;   // as found on disk
    char const *skip;   // nullptr: register it; else why it is skipped
};

// Lists the directories of profiles/ under homefd that hold SOUL.md,
// sorted. Entries that are not directories, or directories without
// SOUL.md, are not profiles and are left out quietly; a symlink, the
// reserved name "default" and invalid names are listed with the reason
// they are skipped. A missing profiles/ is an empty list; a profiles/
// that is a symlink or unreadable is a warning and an empty list.
std::vector<ProfileEntry> list_profiles(int homefd, std::string_view home);

// A name fit for a log line whatever the directory is called: bytes
// outside [A-Za-z0-9._-] become '?', and it is cut at 64 bytes.
std::string loggable_name(std::string_view name);

struct ReconcileOptions {
    RenderOptions render;        // render.home is the gateway's HOME
    uid_t uid = 0;               // boot log written with these ids
    gid_t gid = 0;               // and the group of the supervise layout
    bool event_group = false;    // -e: event/ open to the group too
    std::string logfile;         // empty: HOME/logs/container-boot.log
    std::size_t log_max = 262144;
};

// Registers the default slot from home, then every profile of
// list_profiles() in order; appends one line per profile to the boot log
// (as uid:gid) and prints it on stdout. Returns how many profiles failed.
// Dies 111 when home or scandir cannot be opened.
unsigned reconcile_profiles(char const *home, char const *scandir, ReconcileOptions const &o);

} // namespace hs6

// The run-time slot service, hermes-slotd (SPEC.md, "Run time"): what
// its server-side program does for one request of the application user,
// register NAME [up|down] or unregister NAME, and the preparation of its
// socket directory and access rules at service start.
#pragma once

#include <string>
#include <sys/types.h>

#include <hermes-s6/defaults.hpp>
#include <hermes-s6/error.hpp>
#include <hermes-s6/args.hpp>
#include <hermes-s6/slot.hpp>

namespace hs6 {

inline constexpr int exit_cap = 3;  // register refused: HERMES_MAX_PROFILES slots already

enum class SlotVerb { register_slot, unregister_slot };

struct SlotRequest {
    SlotVerb verb = SlotVerb::register_slot;
    std::string name;
    StartState start = StartState::from_environment; // register: up, down, or the boot rule
};

// Accepts exactly "register NAME", "register NAME up|down" and
// "unregister NAME", with NAME a valid profile name; anything else is a
// 100 Error whose message never quotes more than a loggable part of it.
Error parse_slot_request(Args args, SlotRequest &out);

// The server's settings: all from its command line (the run script's
// environment), never from the client.
struct SlotdConfig {
    std::string home;            // HERMES_HOME; profile "default" is home itself
    std::string scandir;         // where gateway-NAME slots live
    std::string lockfile;        // serialises the server's transactions (root-only)
    RenderOptions render;        // render.home = home
    uid_t uid = 0;               // HERMES_USER: the one client uid besides root
    gid_t gid = 0;               // its group: the supervise layout's group
    std::string multiplex;       // GATEWAY_MULTIPLEX_PROFILES, for the boot rule
    unsigned max_profiles = max_profiles_default;
    unsigned timeout_ms = 10000; // the wait for a new slot's supervisor; unpublish's wait
};

// Performs req for the client uid. register: the profile dir (home for
// "default", else home/profiles/NAME, opened without following, holding
// SOUL.md), its start state, then under the lock: render into
// scandir/.slotd-NAME, seed (group layout), publish without replacing
// (1: already registered; exit_cap: the cap), then s6-svscanctl -a and a
// wait until s6-supervise holds the slot's lock and its logger's (99 past
// timeout_ms). unregister: under the lock, unpublish gateway-NAME (an
// absent slot is success). SIGTERM, SIGHUP and SIGINT (the client went
// away: s6-sudod's SIGTERM) are noted (client.hpp): before the lock is
// taken, the request ends at once, 111, nothing changed; once it is
// taken, the transaction goes on to its end, each step with its own
// deadline. SIGPIPE is ignored. Every lock is released when it returns.
Error serve_slot_request(SlotdConfig const &c, uid_t client, SlotRequest const &req);

// At service start: makes the socket's directory (absent: created
// root:gid 0750; present: must be a directory owned by root that only
// root can write), removes a stale socket there, and writes the access
// rules of s6-ipcserver-access into rulesdir (replaced whole): uid/0/allow
// and uid/UID/allow, nothing else.
Error prepare_slotd(char const *socket, char const *rulesdir, uid_t uid, gid_t gid);

} // namespace hs6

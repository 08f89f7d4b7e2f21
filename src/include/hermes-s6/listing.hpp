// The gateway slots of a scandir as s6-supervise reports them (SPEC.md,
// hermes-list-slots): read without privilege, from the files that the
// group layout leaves readable (supervise/status, supervise/lock, down).
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include <hermes-s6/error.hpp>

namespace hs6 {

// One gateway-NAME slot.
struct SlotStatus {
    std::string profile;      // NAME
    bool supervised = false;  // an s6-supervise holds supervise/lock
    bool up = false;          // the service runs (pid set, not finishing)
    pid_t pid = 0;            // when up, else 0
    long long seconds = -1;   // for how long up or down; -1: unknown (no status)
    bool want_up = false;     // s6-supervise wants it up (s6-svc -u / -d)
    bool normally_up = false; // no down file: it starts up when supervised (as at boot)
    bool ready = false;
};

// Whether an s6-supervise runs on the service dir open at svcfd: its
// supervise/lock exists and someone holds a lock on it. Tested with
// F_GETLK, which takes nothing: a supervisor starting meanwhile is never
// kept out. False with errno on a failure other than an absent lock file
// (then false, errno 0).
bool supervisor_holds_lock(int svcfd, bool &held);

// The status of the slot open at svcfd (its profile name is set by the
// caller). Never fails: what cannot be read is reported as not supervised,
// down, unknown duration.
SlotStatus read_slot_status(int svcfd);

// Every gateway-NAME directory of scandir (dot names, other services and
// invalid NAMEs left out), sorted by name. Symlinks are not followed.
[[nodiscard]] Error list_slots(char const *scandir, std::vector<SlotStatus> &out);

// One line per slot: "NAME up|down PID|- SECONDS want-up|want-down
// normally-up|normally-down", fields separated by one space.
std::string slots_text(std::vector<SlotStatus> const &slots);
// A JSON array of objects (RapidJSON's writer): profile (string), up
// (bool), pid (int or null), supervised, seconds (int or null), want_up,
// normally_up, ready.
std::string slots_json(std::vector<SlotStatus> const &slots);

} // namespace hs6

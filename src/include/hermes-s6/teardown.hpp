// Taking a slot's tree out of service: the hidden, stopped and removed
// stages of the slot lifecycle (doc/html/lifecycle.html; the table is at
// the top of src/lib/teardown.cpp). Every function here is called with
// the slot's lock held (slotlock.hpp).
#pragma once

#include <hermes-s6/error.hpp>

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace hs6 {

// How long past its deadline a teardown gives root's own signals to stop
// a supervisor that s6-svscan did not stop (SIGTERM to it, then SIGKILL to
// its service; then SIGKILL to it, and this long once more).
inline constexpr unsigned escalation_ms = 2000;

// hide: renames the published slot (a base name under scandirfd) to its
// hidden name, so that s6-svscan stops seeing it. False with errno
// (ENOENT: no slot); the hidden name must be free (tear_down first).
bool hide_slot(int scandirfd, std::string const &slot);

// The rest of a teardown, for the dot-named tree name under scandirfd
// (the hidden name, or a staging leftover that may have been a slot):
// tells the scandir's s6-svscan "an" (it drops the entry and stops the
// supervisors it spawned, a late one included), waits until the
// supervisors of the tree and of its log/ are gone (on their
// supervise/lock, until deadline; past it, root's own signals for
// escalation_ms, twice; at once when no s6-svscan listens), makes every
// supervise/ a regular file so that none can start there (stopped), then
// removes the tree without following symlinks (removed), stopping and
// removing again while an s6-supervise that was starting fills it, until
// deadline plus the escalations. Absent is success; a non-directory is
// unlinked. 99 when a supervisor is still there after the escalation; 111
// when the tree cannot be removed: then it stays under its name, stopped,
// and the next teardown finishes it. scandir names scandirfd in messages.
[[nodiscard]] Error tear_down(int scandirfd, std::string_view scandir, std::string const &name,
                              struct timespec const &deadline);

// The staging leftovers of slot among the entries of a scandir listing:
// .SLOT.* (a killed render, seed or publish -f; .SLOT.tmp included), but
// not the hidden name .SLOT, which publish and unpublish finish anyway.
std::vector<std::string> slot_leftovers(std::vector<std::string> const &dot_entries, std::string_view slot);

// The dot-named entries of the scandir open at scandirfd, for
// slot_leftovers (one listing for many slots).
[[nodiscard]] Error list_dot_entries(int scandirfd, std::string_view scandir, std::vector<std::string> &out);

} // namespace hs6

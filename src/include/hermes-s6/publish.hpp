// Putting a rendered slot in a scandir and taking it out, atomically, one
// writer per slot (slotlock.hpp), restartable after a kill: the publish,
// replace and hide transitions of the slot lifecycle (teardown.hpp,
// doc/html/lifecycle.html; SPEC.md, hermes-publish-slot and
// hermes-unpublish-slot).
#pragma once

#include <hermes-s6/error.hpp>
#include <hermes-s6/profile.hpp>
#include <hermes-s6/slotlock.hpp>

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace hs6 {

// Takes slot's lock (waiting up to lock_ms: exit_busy after that),
// finishes what a killed run left of that slot (its hidden tree, and the
// staging leftovers .SLOT.* found in leftovers, a listing of the dot
// entries of the directory: list_dot_entries in teardown.hpp; staging
// itself excepted), then renames staging (dot-prefixed, in the same
// directory as slot, not slot's hidden name) to slot (gateway-*, as
// unpublish_slot takes it): renameat2(RENAME_NOREPLACE) when slot is
// absent; when it exists, 1 ("already registered") unless force, which
// swaps them with RENAME_EXCHANGE, renames the old tree straight to the
// hidden name and tears it down (teardown.hpp; a supervisor that will not
// stop is exit_timeout, the new slot published all the same; a tree that
// will not go is left stopped under the hidden name, with a warning). A
// slot whose supervise/lock (or log/supervise/lock) a live s6-supervise
// holds is never replaced: 1 ("unregister it first"). On every failure
// but an invalid name the staging dir is removed and slot is as before.
// 100 on invalid names or directories, 111 on a failed system call.
// s6-svscan is told nothing but by the teardown: the caller sends "a"
// once it has published what it publishes (tell_svscan in control.hpp).
// dirfd is the directory open (dir in messages); staging and slot are
// paths of its entries (their base names are used with dirfd; the whole
// paths, in messages).
[[nodiscard]] Error publish_slot_at(int dirfd, std::string_view dir, char const *staging, char const *slot,
                                    bool force, unsigned lock_ms = slot_lock_wait_ms,
                                    std::vector<std::string> const &leftovers = {});

// publish_slot_at with paths: staging and slot must be in the same
// directory (same device and inode; else 100), staging a directory; the
// directory is listed for the leftovers; once published, "a" to the
// directory's s6-svscan, when one listens.
[[nodiscard]] Error publish_slot(char const *staging, char const *slot, bool force,
                                 unsigned lock_ms = slot_lock_wait_ms);

// Tears down the dot-named entry name under parentfd (parent in messages),
// a tree that may have been a slot: tear_down() in teardown.hpp. For
// hermes-render-slot's leftover staging dir.
[[nodiscard]] Error remove_slot_tree(int parentfd, std::string_view parent, char const *name,
                                     struct timespec const &deadline);

// Takes slot (a gateway-* directory holding run, type or supervise/, a
// service dir, maybe half-built: anything else is 100, untouched) out of
// its scandir. When neither slot nor its hidden tree exists, success at
// once, with nothing made (not even a lock file). Else: takes slot's lock
// (exit_busy if it is not free within timeout_ms), finishes a teardown
// left under the hidden name, then hides slot under its hidden name
// (s6-svscan stops seeing it) and tears it down (teardown.hpp: s6-svscan
// told "an" stops the supervisors; waited for until the deadline, then
// root's own signals; supervise/ made a file; the tree removed without
// following symlinks). An absent slot is success. 99 when a supervisor is
// still there after the escalation, 111 when the tree cannot be removed:
// either way the tree stays under the hidden name, which the message
// names, and the next publish or unpublish of the slot finishes it.
[[nodiscard]] Error unpublish_slot(char const *slot, unsigned timeout_ms);

} // namespace hs6

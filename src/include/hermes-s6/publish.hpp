// Putting a rendered slot in a scandir and taking it out, atomically,
// without races against s6-svscan, one writer per slot (slotlock.hpp), and
// restartable after a kill (SPEC.md, hermes-publish-slot and
// hermes-unpublish-slot; issue 10).
#pragma once

#include <hermes-s6/error.hpp>
#include <hermes-s6/profile.hpp>
#include <hermes-s6/slotlock.hpp>

#include <string>
#include <string_view>

namespace hs6 {

// How long, past its deadline, unpublish gives the escalation (SIGKILL to
// the service, SIGTERM to its s6-supervise) to work, for the service and
// again for the logger.
inline constexpr unsigned unpublish_escalation_ms = 2000;

// Takes slot's lock (waiting up to lock_ms: exit_busy after that), finishes
// a teardown of slot left half-done under its hidden name (as
// unpublish_slot would, within lock_ms), then renames staging (dot-prefixed,
// in the same directory as slot: same device and inode, and not slot's
// hidden name) to slot: renameat2(RENAME_NOREPLACE) when slot is absent;
// when it exists, 1 ("already registered") unless force, which swaps them
// with RENAME_EXCHANGE and tears the old tree down as unpublish_slot
// does (an s6-supervise that started on it late is stopped; one that
// will not stop is exit_timeout, the new slot published all the same; a
// tree that will not go is disarmed, with a warning). A slot whose
// supervise/lock (or log/supervise/lock) is held by a live s6-supervise is
// never replaced: 1 ("unregister it first"); those locks are held across
// the exchange, so that no supervisor can start on the old tree meanwhile.
// On every failure but an invalid name the staging dir is removed and slot
// is as before. 100 on invalid names or directories, 111 on a failed
// system call.
[[nodiscard]] Error publish_slot(char const *staging, char const *slot, bool force,
                                 unsigned lock_ms = slot_lock_wait_ms);

// publish_slot for a caller that holds the directory open at dirfd (dir in
// messages) and made the staging dir in it itself: staging and slot are
// paths of entries of that directory (their base names are used with
// dirfd; the whole paths, in messages). Skips publish_slot's checks of the
// directories: same directory, staging a directory.
[[nodiscard]] Error publish_slot_at(int dirfd, std::string_view dir, char const *staging, char const *slot,
                                    bool force, unsigned lock_ms = slot_lock_wait_ms);

// Removes the entry name (dot-named) under parentfd, parent in messages,
// which may be a slot's tree that publish -f exchanged out, or that
// unpublish hid, with an s6-supervise on it, late or not: a directory is
// torn down as unpublish_slot tears down its hidden tree (supervisors
// stopped, the same escalation past deadline, the same care with
// supervise/lock, left disarmed if it cannot go); anything else is
// unlinked; absent is success. For leftovers under staging names
// (hermes-render-slot) as for half-done teardowns.
[[nodiscard]] Error remove_slot_tree(int parentfd, std::string_view parent, char const *name,
                                     struct timespec const &deadline);

// Takes slot's lock (exit_busy if it is not free within timeout_ms), first
// finishes a teardown left under the hidden name, then renames slot to its
// hidden name (s6-svscan stops seeing it), writes "dx" to its
// s6-supervise's control FIFO and then to its logger's (each write tried
// again until the deadline while the FIFO is full), waits until each
// supervise/lock can be taken (so the supervisor is gone and no other can
// start), then removes the tree without following symlinks, unlinking a
// supervise/lock only while holding it, stopping any s6-supervise that
// started on the tree late and removing again (publish.cpp). Past the
// deadline it escalates, for up to unpublish_escalation_ms more each:
// SIGKILL to the supervisor's children, then SIGTERM to the supervisor
// (kill_supervised in control.hpp), and warns that it did. An absent slot
// is success. Only a gateway-* directory holding run, type or supervise/
// (a service dir, maybe half-built) is a slot:
// anything else is 100, untouched. 99 when a supervisor is still there
// after the escalation: the tree stays under the hidden name, which the
// message names. A failure before any supervisor was told to exit undoes
// the rename, unless something was removed already. A tree that cannot be
// removed is left under the hidden name, disarmed: supervise and
// log/supervise made empty regular files, so that no s6-supervise can
// start on it (111).
[[nodiscard]] Error unpublish_slot(char const *slot, unsigned timeout_ms);

} // namespace hs6

// Putting a rendered slot in a scandir and taking it out, atomically and
// without races against s6-svscan (SPEC.md, hermes-publish-slot and
// hermes-unpublish-slot).
#pragma once

namespace hs6 {

// Renames staging (dot-prefixed, in the same directory as slot: same
// device and inode) to slot: renameat2(RENAME_NOREPLACE) when slot is
// absent; when it exists, dies 1 ("already registered") unless force,
// which swaps them with RENAME_EXCHANGE and removes the old tree. A slot
// whose supervise/lock (or log/supervise/lock) is held by a live
// s6-supervise is never replaced: dies 1 ("unregister it first"); the lock
// is held by this function across the exchange, so that no supervisor can
// start on the old tree meanwhile. On every failure the staging dir is
// removed and slot is as before. Dies 100 on invalid names or directories.
void publish_slot(char const *staging, char const *slot, bool force);

// Renames slot to a unique dot name in its directory (s6-svscan stops
// seeing it), writes "dx" to its s6-supervise's control FIFO and then to
// its logger's, waits until each supervise/lock can be taken (so the
// supervisor is gone and no other can start), then removes the tree
// without following symlinks. An absent slot is success. Dies 99 when the
// locks are not free within timeout_ms, leaving the tree under its dot
// name, which the message names.
void unpublish_slot(char const *slot, unsigned timeout_ms);

} // namespace hs6

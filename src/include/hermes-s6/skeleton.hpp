// The supervise skeleton that s6-supervise adopts (SPEC.md, "Facts" and
// hermes-seed-supervise).
#pragma once

#include <string_view>
#include <sys/types.h>

#include <hermes-s6/error.hpp>

namespace hs6 {

struct Layout {
    enum class Model { group, owner } model = Model::group;
    uid_t uid = 0;             // owner model: owner of every entry
    gid_t gid = 0;             // the group granted access (both models)
    bool event_group = false;  // group model: event/ root:GID instead of root:root
    bool fix = false;          // bring existing entries to the layout too
};

// Creates (or with fix, corrects) supervise/, supervise/control and event/
// in the service directory open at svcfd, and in its log/ when that is a
// directory. Checks every existing entry first: a symlink or an entry of
// the wrong type is an Error 111 before anything is created. Entries are
// created owner-only and opened to the group last. name is used in
// messages. A failure partway leaves what was made (the caller removes
// a staging dir).
[[nodiscard]] Error seed_supervise(int svcfd, char const *name, Layout const &layout);

// The skeleton of a service dir that this process has just made, with its
// log/ directory, inside a directory that only this process's user can
// write (a staging dir in a private scandir): nothing in it can be anyone
// else's, so entries are created with their final modes and their ids
// set by name (fchownat, fchmodat), with no check and no re-open (6 system
// calls per directory). Only under UmaskZero (else an Error). An Error 111
// on a failed call; what was made stays (the caller removes the staging
// dir). path is used in messages.
[[nodiscard]] Error seed_fresh_slot(int svcfd, std::string_view path, Layout const &layout);
// Opens servicedir without following a symlink, refuses (Error 100) the
// root directory and a scan directory (one that holds .s6-svscan), then
// seed_supervise().
[[nodiscard]] Error seed_supervise(char const *servicedir, Layout const &layout);

} // namespace hs6

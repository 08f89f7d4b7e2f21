// Acting as the application user on its volume. Linux's file-system ids
// let root open, create and write files with the user's permissions and
// ownership while staying root for everything else: the user cannot
// signal, stop or trace the process meanwhile, as it could a child that
// had dropped to its uid (issue 10: a SIGSTOP'ed child hung the boot).
#pragma once

#include <sys/types.h>
#include <vector>

#include <hermes-s6/error.hpp>

namespace hs6 {

// While alive, the process's file-system uid and gid are uid:gid and it
// has no supplementary groups, so that every file access is checked, and
// every file created is owned, as that user's (with no group of root's).
// Restored on destruction. Only root changes anything: for another caller
// enter() does nothing, as its accesses are its own already.
//
// Verified on Linux 6.x: with fsuid/fsgid set, an open(O_CREAT) in a dir
// of the user's makes a file owned by the user; in a root-only dir or
// /etc/shadow it fails with EACCES; kill() from the user's uid fails with
// EPERM (the real and effective uids stay root's).
class FsIdentity {
public:
    FsIdentity() = default;
    FsIdentity(FsIdentity const &) = delete;
    FsIdentity &operator=(FsIdentity const &) = delete;
    ~FsIdentity();

    [[nodiscard]] Error enter(uid_t uid, gid_t gid);

private:
    bool active_ = false;
    std::vector<gid_t> groups_;
};


} // namespace hs6

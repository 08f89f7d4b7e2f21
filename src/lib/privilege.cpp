// File-system ids for the volume, and the privilege drop for good.
#include <hermes-s6/privilege.hpp>

#include <grp.h>
#include <sys/fsuid.h>
#include <unistd.h>

namespace hs6 {

Error FsIdentity::enter(uid_t uid, gid_t gid)
{
    if (::geteuid() != 0 || active_) return ok();
    int const n = ::getgroups(0, nullptr);
    if (n < 0) return fail_sys(exit_sys, "read the supplementary groups");
    groups_.resize(static_cast<std::size_t>(n));
    if (n > 0 && ::getgroups(n, groups_.data()) < 0) return fail_sys(exit_sys, "read the supplementary groups");
    if (::setgroups(0, nullptr) < 0) return fail_sys(exit_sys, "drop the supplementary groups");
    active_ = true;
    // setfsgid/setfsuid report no error: each returns the previous id, and
    // a second call with -1 (never valid) reads the current one.
    ::setfsgid(gid);
    ::setfsuid(uid);
    if (static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) != gid ||
        static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) != uid)
        return fail(exit_sys, "unable to take the file-system ids {}:{}", uid, gid);
    return ok();
}

FsIdentity::~FsIdentity()
{
    if (!active_) return;
    int const e = errno;
    ::setfsuid(::geteuid());
    ::setfsgid(::getegid());
    ::setgroups(groups_.size(), groups_.data());
    errno = e;
}

} // namespace hs6

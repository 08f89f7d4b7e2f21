// The per-slot lock: SCANDIR/.hermes-s6-locks/SLOT, root-only, an open
// file description write lock taken with a deadline, and removed by the
// holder that leaves no slot behind (slotlock.hpp).
#include <hermes-s6/slotlock.hpp>

#include <hermes-s6/control.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/profile.hpp>

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace hs6 {

namespace {

// Opens the lock dir under scandirfd, creating it: a directory owned by
// the effective uid, mode 0700, or an Error.
Error open_lock_dir(int scandirfd, std::string const &path, uid_t euid, Fd &out)
{
    // Open first: it is there but the first time.
    bool made = false;
    Fd d = open_dir(scandirfd, slot_lock_dir);
    if (!d && errno == ENOENT) {
        if (::mkdirat(scandirfd, slot_lock_dir, 0700) == 0) made = true;
        else if (errno != EEXIST) return fail_sys(exit_sys, "mkdir {}", path);
        d = open_dir(scandirfd, slot_lock_dir);
    }
    if (!d) {
        if (errno == ELOOP) return fail(exit_sys, "unable to use {}: a symbolic link: not followed", path);
        if (errno == ENOTDIR) return fail(exit_sys, "unable to use {}: not a directory", path);
        return fail_sys(exit_sys, "open {}", path);
    }
    struct stat st;
    if (::fstat(d.get(), &st) < 0) return fail_sys(exit_sys, "stat {}", path);
    if (st.st_uid != euid) return fail(exit_sys, "unable to use {}: owned by uid {}, not {}", path, st.st_uid, euid);
    // Exactly 0700 whatever the umask; one found wider than that is not ours.
    if (made && (st.st_mode & 07777) != 0700 && ::fchmod(d.get(), 0700) < 0) return fail_sys(exit_sys, "chmod {}", path);
    if (!made && (st.st_mode & 07777) != 0700)
        return fail(exit_sys, "unable to use {}: mode {:o}, not 0700", path, st.st_mode & 07777);
    out = std::move(d);
    return ok();
}

bool same_file(struct stat const &a, struct stat const &b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

} // namespace

SlotLock &SlotLock::operator=(SlotLock &&o) noexcept
{
    if (this != &o) {
        release();
        dir_ = std::move(o.dir_);
        fd_ = std::move(o.fd_);
        scandirfd_ = o.scandirfd_;
        slot_ = std::move(o.slot_);
    }
    return *this;
}

void SlotLock::release()
{
    if (!fd_) return;
    int const e = errno;
    struct stat st;
    // Still held: no writer can make the slot meanwhile, and one waiting
    // on this file starts again once it is gone.
    if (!stat_at(scandirfd_, slot_.c_str(), st) && errno == ENOENT &&
        !stat_at(scandirfd_, hidden_slot_name(slot_).c_str(), st) && errno == ENOENT)
        ::unlinkat(dir_.get(), slot_.c_str(), 0);
    fd_ = Fd(); // releases the lock
    dir_ = Fd();
    errno = e;
}

Error lock_slot(int scandirfd, std::string_view scandir, std::string_view slot, struct timespec const &deadline,
                SlotLock &lock)
{
    lock.release();
    std::string const dirpath = fmt::format("{}/{}", scandir, slot_lock_dir);
    std::string const path = fmt::format("{}/{}", dirpath, slot);
    uid_t const euid = ::geteuid();
    Fd dir;
    if (Error e = open_lock_dir(scandirfd, dirpath, euid, dir)) return e;
    std::string const name(slot);
    for (;;) {
        Fd fd(::openat(dir.get(), name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0600));
        if (!fd) return fail_sys(exit_sys, "open {}", path);
        struct stat st, now;
        if (::fstat(fd.get(), &st) < 0) return fail_sys(exit_sys, "stat {}", path);
        if (!S_ISREG(st.st_mode) || st.st_uid != euid)
            return fail(exit_sys, "unable to use {}: not a regular file of uid {}", path, euid);
        if (!wait_lock(fd.get(), F_WRLCK, deadline)) {
            if (errno == ETIMEDOUT)
                return fail(exit_busy, "unable to lock {}: busy: another writer holds the slot", path);
            return fail_sys(exit_sys, "lock {}", path);
        }
        // The holder before us may have removed the file it let go of:
        // then the name is gone, or leads to another file; start again.
        if (stat_at(dir.get(), name.c_str(), now)) {
            if (!same_file(st, now)) continue;
            lock.dir_ = std::move(dir);
            lock.fd_ = std::move(fd);
            lock.scandirfd_ = scandirfd;
            lock.slot_ = name;
            return ok();
        }
        if (errno != ENOENT) return fail_sys(exit_sys, "stat {}", path);
    }
}

} // namespace hs6

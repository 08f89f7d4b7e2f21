// The per-slot lock: SCANDIR/.hermes-s6-locks/SLOT, root-only, an open
// file description write lock taken with a deadline.
#include <hermes-s6/slotlock.hpp>

#include <hermes-s6/control.hpp>
#include <hermes-s6/fs.hpp>

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace hs6 {

namespace {

// The locks this process holds, by lock file, with how many SlotLocks
// share each.
struct Held {
    dev_t dev;
    ino_t ino;
    int fd;
    unsigned count;
};
std::vector<Held> &held_locks()
{
    static std::vector<Held> h;
    return h;
}

Held *find_held(dev_t dev, ino_t ino)
{
    for (auto &h : held_locks())
        if (h.dev == dev && h.ino == ino) return &h;
    return nullptr;
}

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

} // namespace

SlotLock &SlotLock::operator=(SlotLock &&o) noexcept
{
    if (this != &o) {
        release();
        dev_ = o.dev_;
        ino_ = o.ino_;
        o.ino_ = 0;
    }
    return *this;
}

void SlotLock::release()
{
    if (!ino_) return;
    auto &v = held_locks();
    for (auto it = v.begin(); it != v.end(); ++it) {
        if (it->dev != dev_ || it->ino != ino_) continue;
        if (--it->count == 0) {
            int const e = errno;
            ::close(it->fd); // releases the lock
            errno = e;
            v.erase(it);
        }
        break;
    }
    ino_ = 0;
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
    Fd fd(::openat(dir.get(), name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0600));
    if (!fd) return fail_sys(exit_sys, "open {}", path);
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return fail_sys(exit_sys, "stat {}", path);
    if (!S_ISREG(st.st_mode) || st.st_uid != euid)
        return fail(exit_sys, "unable to use {}: not a regular file of uid {}", path, euid);
    if (Held *h = find_held(st.st_dev, st.st_ino)) {
        h->count++;
    } else {
        if (!wait_lock(fd.get(), F_WRLCK, deadline)) {
            if (errno == ETIMEDOUT)
                return fail(exit_busy, "unable to lock {}: busy: another writer holds the slot", path);
            return fail_sys(exit_sys, "lock {}", path);
        }
        held_locks().push_back({st.st_dev, st.st_ino, fd.release(), 1});
    }
    lock.dev_ = st.st_dev;
    lock.ino_ = st.st_ino;
    return ok();
}

} // namespace hs6

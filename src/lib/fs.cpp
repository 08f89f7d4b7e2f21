// Dirfd primitives for hostile trees: nothing here follows a symlink, and
// no mode depends on the umask.
#include <hermes-s6/fs.hpp>

#include <hermes-s6/profile.hpp>

#include <cerrno>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

namespace hs6 {

Fd &Fd::operator=(Fd &&o) noexcept
{
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.release();
    }
    return *this;
}

Fd::~Fd()
{
    if (fd_ >= 0) {
        int const e = errno;
        ::close(fd_);
        errno = e;
    }
}

namespace detail {
namespace {
long real_getdents(int fd, char *buf, std::size_t size) { return ::syscall(SYS_getdents64, fd, buf, size); }
} // namespace
long (*getdents)(int fd, char *buf, std::size_t size) = real_getdents;
} // namespace detail

namespace {
int known_umask = -1;   // the umask under UmaskZero, else -1: unknown
} // namespace

UmaskZero::UmaskZero() : old_(::umask(0)), old_known_(known_umask) { known_umask = 0; }

UmaskZero::~UmaskZero()
{
    ::umask(old_);
    known_umask = old_known_;
}

bool exact_modes() { return known_umask == 0; }

bool only_mine(int dirfd)
{
    struct stat st;
    return ::fstat(dirfd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
           !(st.st_mode & (S_IWGRP | S_IWOTH | S_ISGID));
}

Fd open_dir(int dirfd, char const *name)
{
    std::string const n(strip_trailing_slashes(name));
    Fd fd(::openat(dirfd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd && errno == ENOTDIR) {
        // Linux says ENOTDIR for a symlink under O_DIRECTORY: tell them apart.
        struct stat st;
        if (stat_at(dirfd, n.c_str(), st) && S_ISLNK(st.st_mode)) errno = ELOOP;
        else errno = ENOTDIR;
    }
    return fd;
}

Error dir_error(int dirfd, char const *name, std::string_view path)
{
    int const err = errno;
    struct stat st;
    std::string const n(strip_trailing_slashes(name));
    if ((err == ELOOP || err == ENOTDIR) && stat_at(dirfd, n.c_str(), st)) {
        if (S_ISLNK(st.st_mode)) return fail(exit_sys, "{} is a symbolic link: not followed", path);
        if (!S_ISDIR(st.st_mode)) return fail(exit_sys, "{} is not a directory", path);
    }
    return fail_errno(exit_sys, err, "open {}", path);
}

Error need_dir(int dirfd, char const *name, std::string_view path, Fd &out)
{
    out = open_dir(dirfd, name);
    if (out) return ok();
    return dir_error(dirfd, name, path);
}

Fd open_at(int dirfd, char const *name, int flags, mode_t mode)
{
    return Fd(::openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, mode));
}

bool stat_at(int dirfd, char const *name, struct stat &st)
{
    return ::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

bool set_owner_mode(int fd, uid_t uid, gid_t gid, mode_t mode)
{
    if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) && ::fchown(fd, uid, gid) < 0)
        return false;
    return ::fchmod(fd, mode) == 0;
}

namespace {

// errno for an entry of the wrong kind: ELOOP for a symlink, else wrong_type.
bool refuse_existing(int dirfd, char const *name, mode_t want, Made &made, int wrong_type)
{
    struct stat st;
    if (!stat_at(dirfd, name, st)) return false;
    if ((st.st_mode & S_IFMT) == want) {
        made = Made::existed;
        return true;
    }
    errno = S_ISLNK(st.st_mode) ? ELOOP : wrong_type;
    return false;
}

// mkdirat/mkfifoat 0700 / 0600, exactly: under a umask like 0777 it would
// be 0000 and only root could open it again for the fchown/fchmod. Under
// UmaskZero it is one call; otherwise the umask is set to 077 around it.
int make_private(int dirfd, char const *name, bool fifo)
{
    if (known_umask == 0)
        return fifo ? ::mkfifoat(dirfd, name, 0600) : ::mkdirat(dirfd, name, 0700);
    mode_t const old = ::umask(077);
    int const r = fifo ? ::mkfifoat(dirfd, name, 0600) : ::mkdirat(dirfd, name, 0700);
    int const err = errno;
    ::umask(old);
    errno = err;
    return r;
}

// Whether mkdirat/openat with mode gives exactly mode: no bit that the
// umask clears, and only the bits that mkdir honours.
bool exact_create_mode(mode_t mode) { return known_umask == 0 && (mode & ~01777) == 0; }

} // namespace

bool make_dir(int dirfd, char const *name, mode_t mode, uid_t uid, gid_t gid, Made &made, Fd *dir)
{
    bool const keep_ids = uid == static_cast<uid_t>(-1) && gid == static_cast<gid_t>(-1);
    if (keep_ids && exact_create_mode(mode)) {
        // Nothing to chown: the mode is all there is to widen, and mkdirat
        // sets it exactly.
        if (::mkdirat(dirfd, name, mode) < 0) {
            if (errno != EEXIST || !refuse_existing(dirfd, name, S_IFDIR, made, ENOTDIR)) return false;
        } else {
            made = Made::created;
        }
        if (dir) {
            *dir = open_dir(dirfd, name);
            if (!*dir) return false;
        }
        return true;
    }
    if (make_private(dirfd, name, false) < 0) {
        if (errno != EEXIST || !refuse_existing(dirfd, name, S_IFDIR, made, ENOTDIR)) return false;
        if (dir) {
            *dir = open_dir(dirfd, name);
            if (!*dir) return false;
        }
        return true;
    }
    Fd fd = open_dir(dirfd, name);
    if (!fd || !set_owner_mode(fd.get(), uid, gid, mode)) return false;
    made = Made::created;
    if (dir) *dir = std::move(fd);
    return true;
}

bool make_fifo(int dirfd, char const *name, mode_t mode, uid_t uid, gid_t gid, Made &made)
{
    if (make_private(dirfd, name, true) < 0) {
        if (errno != EEXIST) return false;
        return refuse_existing(dirfd, name, S_IFIFO, made, EEXIST);
    }
    Fd fd = open_at(dirfd, name, O_RDONLY);
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) < 0) return false;
    if (!S_ISFIFO(st.st_mode)) {
        errno = EEXIST;
        return false;
    }
    if (!set_owner_mode(fd.get(), uid, gid, mode)) return false;
    made = Made::created;
    return true;
}

bool write_all(int fd, std::string_view data)
{
    while (!data.empty()) {
        ssize_t const w = ::write(fd, data.data(), data.size());
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(w));
    }
    return true;
}

SigpipeIgnored::SigpipeIgnored()
{
    struct sigaction ign = {};
    ign.sa_handler = SIG_IGN;
    saved_ = ::sigaction(SIGPIPE, &ign, &old_) == 0;
}

SigpipeIgnored::~SigpipeIgnored()
{
    int const err = errno;
    if (saved_) ::sigaction(SIGPIPE, &old_, nullptr);
    errno = err;
}

bool write_nopipe(int fd, std::string_view data)
{
    SigpipeIgnored nopipe;
    return write_all(fd, data);
}

bool write_file(int dirfd, char const *name, std::string_view content, mode_t mode)
{
    bool const exact = exact_create_mode(mode) && !(mode & ~0777);
    Fd fd(::openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, exact ? mode : 0600));
    return fd && write_all(fd.get(), content) && (exact || ::fchmod(fd.get(), mode) == 0);
}

bool read_fd(int fd, std::size_t max, std::string &out, std::size_t size)
{
    out.clear();
    char buf[8192];
    for (;;) {
        // Ask for one byte more than the size stat gave: a read that comes
        // back short with the whole size in hand is the end of a file that
        // did not change, without the read() that would return 0.
        std::size_t want = sizeof buf;
        if (size != read_size_unknown && out.size() <= size && size - out.size() < sizeof buf)
            want = size - out.size() + 1;
        ssize_t const r = ::read(fd, buf, want);
        if (r < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        if (r == 0) return true;
        if (out.size() + static_cast<std::size_t>(r) > max) {
            errno = EFBIG;
            return false;
        }
        out.append(buf, static_cast<std::size_t>(r));
        if (size != read_size_unknown && static_cast<std::size_t>(r) < want && out.size() >= size) return true;
    }
}

namespace {

bool remove_tree_depth(int dirfd, char const *name, unsigned depth, unsigned char type)
{
    // A directory (as its entry says) goes straight to the walk; anything
    // else is unlinked, and an unlink refused with EISDIR/EPERM means a
    // directory after all.
    if (type != DT_DIR) {
        if (::unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return true;
        if (errno != EISDIR && errno != EPERM) return false;
    }
    if (depth > 256) {
        errno = ELOOP;
        return false;
    }
    Fd fd = open_dir(dirfd, name);
    if (!fd) {
        if (errno == ENOENT) return true;
        if (errno != ENOTDIR && errno != ELOOP) return false;
        // Replaced by a non-directory since it was listed: unlink that.
        return ::unlinkat(dirfd, name, 0) == 0 || errno == ENOENT;
    }
    bool const listed = for_each_entry(fd.get(), [&](char const *entry, unsigned char t) {
        return remove_tree_depth(fd.get(), entry, depth + 1, t);
    });
    if (!listed) return false;
    return ::unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT;
}

} // namespace

bool remove_tree(int dirfd, char const *name) { return remove_tree_depth(dirfd, name, 0, DT_UNKNOWN); }

std::string_view base_name(std::string_view path)
{
    path = strip_trailing_slashes(path);
    auto const slash = path.rfind('/');
    return slash == std::string_view::npos || path.size() == 1 ? path : path.substr(slash + 1);
}

std::string dir_name(std::string_view path)
{
    path = strip_trailing_slashes(path);
    auto const slash = path.rfind('/');
    if (slash == std::string_view::npos) return ".";
    if (slash == 0) return "/";
    return std::string(path.substr(0, slash));
}

std::string join_path(std::string_view dir, std::string_view name)
{
    std::string p(strip_trailing_slashes(dir));
    if (p.empty() || p.back() != '/') p.push_back('/');
    return p.append(name);
}

} // namespace hs6

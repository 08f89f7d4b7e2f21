// Dirfd primitives for hostile trees: nothing here follows a symlink, and
// every mode is set with fchmod, so the umask never matters.
#include <hermes-s6/fs.hpp>

#include <hermes-s6/die.hpp>

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <string>
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

namespace {

// A trailing slash makes the kernel resolve a symlink at the last component
// despite O_NOFOLLOW and AT_SYMLINK_NOFOLLOW ("link/" is the target): the
// name without it ("/" stays "/").
std::string without_trailing_slash(char const *name)
{
    std::string_view n(name);
    while (n.size() > 1 && n.back() == '/') n.remove_suffix(1);
    return std::string(n);
}

} // namespace

Fd open_dir(int dirfd, char const *name)
{
    std::string const n = without_trailing_slash(name);
    Fd fd(::openat(dirfd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd && errno == ENOTDIR) {
        // Linux says ENOTDIR for a symlink under O_DIRECTORY: tell them apart.
        struct stat st;
        if (stat_at(dirfd, n.c_str(), st) && S_ISLNK(st.st_mode)) errno = ELOOP;
        else errno = ENOTDIR;
    }
    return fd;
}

Fd need_dir(int dirfd, char const *name, std::string_view path)
{
    Fd fd = open_dir(dirfd, name);
    if (fd) return fd;
    int const err = errno;
    struct stat st;
    std::string const n = without_trailing_slash(name);
    if ((err == ELOOP || err == ENOTDIR) && stat_at(dirfd, n.c_str(), st)) {
        if (S_ISLNK(st.st_mode)) fatal(exit_sys, "{} is a symbolic link: not followed", path);
        if (!S_ISDIR(st.st_mode)) fatal(exit_sys, "{} is not a directory", path);
    }
    die_errno(exit_sys, err, fmt::format("open {}", path));
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

// mkdirat/mkfifoat under umask 077, so that the new entry is exactly 0700 /
// 0600: with a umask like 0777 it would be 0000 and only root could open it
// again for the fchown/fchmod.
int make_private(int dirfd, char const *name, bool fifo)
{
    mode_t const old = ::umask(077);
    int const r = fifo ? ::mkfifoat(dirfd, name, 0600) : ::mkdirat(dirfd, name, 0700);
    int const err = errno;
    ::umask(old);
    errno = err;
    return r;
}

} // namespace

bool make_dir(int dirfd, char const *name, mode_t mode, uid_t uid, gid_t gid, Made &made)
{
    if (make_private(dirfd, name, false) < 0) {
        if (errno != EEXIST) return false;
        return refuse_existing(dirfd, name, S_IFDIR, made, ENOTDIR);
    }
    Fd fd = open_dir(dirfd, name);
    if (!fd || !set_owner_mode(fd.get(), uid, gid, mode)) return false;
    made = Made::created;
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

bool write_file(int dirfd, char const *name, std::string_view content, mode_t mode)
{
    Fd fd(::openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    return fd && write_all(fd.get(), content) && ::fchmod(fd.get(), mode) == 0;
}

bool read_fd(int fd, std::size_t max, std::string &out)
{
    out.clear();
    char buf[8192];
    for (;;) {
        ssize_t const r = ::read(fd, buf, sizeof buf);
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
    }
}

namespace {

bool remove_tree_depth(int dirfd, char const *name, unsigned depth)
{
    if (::unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return true;
    if (errno != EISDIR && errno != EPERM) return false;
    if (depth > 256) {
        errno = ELOOP;
        return false;
    }
    Fd fd = open_dir(dirfd, name);
    if (!fd) return errno == ENOENT;
    DIR *d = ::fdopendir(fd.get());
    if (!d) return false;
    fd.release();
    bool ok = true;
    while (struct dirent *e = ::readdir(d)) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
        if (!remove_tree_depth(::dirfd(d), e->d_name, depth + 1)) {
            ok = false;
            break;
        }
    }
    int const e = errno;
    ::closedir(d);
    errno = e;
    if (!ok) return false;
    return ::unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT;
}

} // namespace

bool remove_tree(int dirfd, char const *name) { return remove_tree_depth(dirfd, name, 0); }

std::string_view base_name(std::string_view path)
{
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    auto const slash = path.rfind('/');
    return slash == std::string_view::npos || path.size() == 1 ? path : path.substr(slash + 1);
}

std::string dir_name(std::string_view path)
{
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    auto const slash = path.rfind('/');
    if (slash == std::string_view::npos) return ".";
    if (slash == 0) return "/";
    return std::string(path.substr(0, slash));
}

} // namespace hs6

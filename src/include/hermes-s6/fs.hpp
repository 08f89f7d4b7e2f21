// Dirfd primitives for trees that another user can write (SPEC.md,
// "Conventions"; STYLE.md, "Files in a hostile tree").
//
// Every function here works relative to a directory fd, never follows a
// symlink at the name it is given, and sets modes exactly, whatever the
// umask. The primitives return false (or an invalid Fd) with errno set,
// the system's own convention (error.hpp); need_dir() returns an Error.
#pragma once

#include <csignal>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <sys/types.h>

#include <hermes-s6/error.hpp>

namespace hs6 {

// An owned file descriptor, closed on destruction.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd &&o) noexcept : fd_(o.release()) {}
    Fd &operator=(Fd &&o) noexcept;
    Fd(Fd const &) = delete;
    Fd &operator=(Fd const &) = delete;
    ~Fd();

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release()
    {
        int const fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_ = -1;
};

// Opens the directory name (relative to dirfd, or AT_FDCWD) with
// O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC: a symlink at the last component is
// refused (ELOOP), anything that is not a directory too (ENOTDIR). Trailing
// slashes are dropped first, so "link/" is refused as well.
Fd open_dir(int dirfd, char const *name);
inline Fd open_dir(char const *path) { return open_dir(AT_FDCWD, path); }

// open_dir, or an Error 111 that says why: "PATH is a symbolic link: not
// followed", "PATH is not a directory", or "unable to open PATH: ...".
// path is the name used in the message.
[[nodiscard]] Error need_dir(int dirfd, char const *name, std::string_view path, Fd &out);
[[nodiscard]] inline Error need_dir(char const *path, Fd &out) { return need_dir(AT_FDCWD, path, path, out); }
// The Error need_dir gives for a failed open_dir(dirfd, name), errno as
// the open left it.
[[nodiscard]] Error dir_error(int dirfd, char const *name, std::string_view path);

// Opens name relative to dirfd with flags|O_NOFOLLOW|O_CLOEXEC|O_NOCTTY.
// O_NONBLOCK is added too, so that a FIFO never blocks the open.
Fd open_at(int dirfd, char const *name, int flags, mode_t mode = 0);

// fstatat(AT_SYMLINK_NOFOLLOW). False with errno on failure.
bool stat_at(int dirfd, char const *name, struct stat &st);

// What a skeleton entry was found to be.
enum class Made { created, existed };

// Creates directory name with exactly mode, owned by uid:gid, widening the
// permissions last: mkdirat 0700, then fchown and fchmod through an fd.
// When uid and gid are both -1 (stay the caller's) and the umask is known
// not to narrow mode (UmaskZero), it is one mkdirat with mode. An existing directory is left
// as it is (Made::existed); an existing non-directory or symlink is
// ENOTDIR / ELOOP. uid or gid of -1 leaves that id alone. When dir is
// given, it is set to the directory opened (created or existing).
bool make_dir(int dirfd, char const *name, mode_t mode, uid_t uid, gid_t gid, Made &made, Fd *dir = nullptr);

// Same for a FIFO: mkfifoat 0600, opened O_RDONLY|O_NONBLOCK without
// following, fstat-checked, fchown, fchmod.
bool make_fifo(int dirfd, char const *name, mode_t mode, uid_t uid, gid_t gid, Made &made);

// Sets owner and mode of the already open fd (fchown then fchmod; the
// chown first, since it clears the set-id bits).
bool set_owner_mode(int fd, uid_t uid, gid_t gid, mode_t mode);

// Writes all of data to fd, going on after short writes and EINTR.
bool write_all(int fd, std::string_view data);

// SIGPIPE ignored for the lifetime of the object (the disposition is put
// back after, errno kept): a closed pipe or FIFO is EPIPE, an error to
// report, never a silent death by signal (141).
class SigpipeIgnored {
public:
    SigpipeIgnored();
    ~SigpipeIgnored();
    SigpipeIgnored(SigpipeIgnored const &) = delete;
    SigpipeIgnored &operator=(SigpipeIgnored const &) = delete;

private:
    struct sigaction old_;
    bool saved_;
};

// write_all with SIGPIPE ignored meanwhile.
bool write_nopipe(int fd, std::string_view data);

// Creates name (O_EXCL: never reuses or follows an existing entry) with
// content and exactly mode: created with mode under UmaskZero, else
// created 0600 and fchmod'ed once written.
bool write_file(int dirfd, char const *name, std::string_view content, mode_t mode);

// Reads the whole of an open regular file into out, failing with EFBIG when
// it is larger than max bytes. size, when known (fstat's st_size), spares
// the last read(): a short read once size bytes are in is the end.
inline constexpr std::size_t read_size_unknown = static_cast<std::size_t>(-1);
bool read_fd(int fd, std::size_t max, std::string &out, std::size_t size = read_size_unknown);

// Calls fn(name, d_type) for each entry of the directory open at dirfd,
// "." and ".." left out, reading from the fd's offset (the start, for a
// freshly opened fd) with getdents64. fn returns false to stop: then
// for_each_entry returns false too, with errno as fn left it. A failed
// read returns false with its errno; it never ends the loop silently.
// d_type may be DT_UNKNOWN: stat the entry then.
template <class F>
bool for_each_entry(int dirfd, F &&fn);

// Removes name under dirfd: a file, a symlink (the link itself), or a
// directory tree, without ever following a symlink. ENOENT is success.
bool remove_tree(int dirfd, char const *name);

// Last path component, and the directory that holds it ("." when none).
std::string_view base_name(std::string_view path);
std::string dir_name(std::string_view path);
// dir/name, without doubling a slash.
std::string join_path(std::string_view dir, std::string_view name);

// While alive, the process's umask is 0 and the functions above know it:
// make_dir, make_fifo and write_file then create each entry with its
// exact mode in one call, instead of setting the umask around each call
// or fixing the mode after. Outside one, the umask is unknown (a caller
// may have changed it) and they work whatever it is. Only for code whose
// every create gives its mode: the library's. Nests.
class UmaskZero {
public:
    UmaskZero();
    ~UmaskZero();
    UmaskZero(UmaskZero const &) = delete;
    UmaskZero &operator=(UmaskZero const &) = delete;

private:
    mode_t old_;
    int old_known_;
};

// Whether a UmaskZero is alive: every create then gets its mode exactly.
bool exact_modes();

// Whether the directory open at dirfd can be written by this process's
// user only: owned by the effective uid, no write bit for group or
// others, and not setgid (entries made in it get this process's group).
// Then no one else can rename, replace or add a name in it, nor in a
// directory this process makes there with no write bit for others: such
// a directory's names can be used as paths, with nothing to check.
bool only_mine(int dirfd);

// One read of a directory: the raw getdents64 call, behind a pointer so
// that a test can make it fail.
namespace detail {
extern long (*getdents)(int fd, char *buf, std::size_t size);
struct Dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};
} // namespace detail

template <class F>
bool for_each_entry(int dirfd, F &&fn)
{
    alignas(8) char buf[4096];
    for (;;) {
        long const n = detail::getdents(dirfd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        if (n == 0) return true;
        for (long off = 0; off < n;) {
            auto const *e = reinterpret_cast<detail::Dirent64 const *>(buf + off);
            off += e->d_reclen;
            char const *name = e->d_name;
            if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]))) continue;
            if (!fn(name, e->d_type)) return false;
        }
    }
}

} // namespace hs6

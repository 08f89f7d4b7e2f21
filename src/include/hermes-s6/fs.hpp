// Dirfd primitives for trees that another user can write (SPEC.md,
// "Conventions"; STYLE.md, "Files in a hostile tree").
//
// Every function here works relative to a directory fd, never follows a
// symlink at the name it is given, and sets modes exactly, whatever the
// umask. They return false (or an invalid Fd) with errno set; the callers
// decide which failures are fatal.
#pragma once

#include <string>
#include <string_view>
#include <sys/stat.h>
#include <sys/types.h>

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
inline Fd open_dir(char const *path) { return open_dir(-100 /* AT_FDCWD */, path); }

// open_dir, or die 111 with a message that says why: "PATH is a symbolic
// link: not followed", "PATH is not a directory", or the system error.
// path is the name used in the message.
Fd need_dir(int dirfd, char const *name, std::string_view path);
inline Fd need_dir(char const *path) { return need_dir(-100, path, path); }

// Opens name relative to dirfd with flags|O_NOFOLLOW|O_CLOEXEC|O_NOCTTY.
// O_NONBLOCK is added too, so that a FIFO never blocks the open.
Fd open_at(int dirfd, char const *name, int flags, mode_t mode = 0);

// fstatat(AT_SYMLINK_NOFOLLOW). False with errno on failure.
bool stat_at(int dirfd, char const *name, struct stat &st);

// What a skeleton entry was found to be.
enum class Made { created, existed };

// Creates directory name with exactly mode, owned by uid:gid, widening the
// permissions last: mkdirat 0700, fchown, fchmod. An existing directory is
// left as it is (Made::existed); an existing non-directory or symlink is
// ENOTDIR / ELOOP. uid or gid of -1 leaves that id alone.
bool make_dir(int dirfd, char const *name, mode_t mode, uid_t uid, gid_t gid, Made &made);

// Same for a FIFO: mkfifoat 0600, opened O_RDONLY|O_NONBLOCK without
// following, fstat-checked, fchown, fchmod.
bool make_fifo(int dirfd, char const *name, mode_t mode, uid_t uid, gid_t gid, Made &made);

// Sets owner and mode of the already open fd (fchown then fchmod; the
// chown first, since it clears the set-id bits).
bool set_owner_mode(int fd, uid_t uid, gid_t gid, mode_t mode);

// Writes all of data to fd, going on after short writes and EINTR.
bool write_all(int fd, std::string_view data);

// Creates name (O_EXCL: never reuses or follows an existing entry) with
// content and exactly mode.
bool write_file(int dirfd, char const *name, std::string_view content, mode_t mode);

// Reads the whole of an open regular file into out, failing with EFBIG when
// it is larger than max bytes.
bool read_fd(int fd, std::size_t max, std::string &out);

// Removes name under dirfd: a file, a symlink (the link itself), or a
// directory tree, without ever following a symlink. ENOENT is success.
bool remove_tree(int dirfd, char const *name);

// Last path component, and the directory that holds it ("." when none).
std::string_view base_name(std::string_view path);
std::string dir_name(std::string_view path);

} // namespace hs6

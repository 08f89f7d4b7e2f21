// Small file helpers and the temp-dir fixture the unit tests share.
#pragma once

#include <hermes-s6/fs.hpp>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hs6_test {

// The whole content of path ("" when it cannot be read).
std::string slurp(std::string const &path);

// Writes content to path, then sets mode (a failure fails the test).
void spit(std::string const &path, std::string const &content, mode_t mode = 0644);

// Whether the tests run as root (some need it, and skip without).
inline bool am_root() { return ::geteuid() == 0; }

// Runs body in a child (fork) and returns its exit code: body's return
// value, 128 + the signal that killed it, or -1 when fork fails.
template <class F>
int in_child(F &&body)
{
    pid_t const pid = ::fork();
    if (pid == 0) ::_exit(body());
    int st = 0;
    if (pid < 0 || ::waitpid(pid, &st, 0) < 0) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// Whether path exists, symlinks not followed.
inline bool exists(std::string const &path)
{
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

// A directory made with mkdtemp, /tmp/hs6-WHAT.XXXXXX, removed with all it
// holds by remove() or when the object goes.
class TempDir {
public:
    TempDir() = default;
    TempDir(TempDir const &) = delete;
    TempDir &operator=(TempDir const &) = delete;
    ~TempDir() { remove(); }

    // False with errno when mkdtemp fails.
    bool make(std::string const &what)
    {
        remove();
        std::string tmpl = "/tmp/hs6-" + what + ".XXXXXX";
        if (!::mkdtemp(tmpl.data())) return false;
        path_ = tmpl;
        return true;
    }
    void remove();
    std::string const &path() const { return path_; }

private:
    std::string path_;
};

// The fixture of every test that works in a directory of its own: a fresh
// dir (/tmp/hs6-SUITE.XXXXXX), opened as the dirfd fd, under umask 022;
// TearDown closes fd, removes dir and puts the umask back. A fixture that
// needs more overrides SetUp and calls TempDirTest::SetUp() first.
class TempDirTest : public testing::Test {
protected:
    void SetUp() override
    {
        old_umask = ::umask(022);
        std::string suite = testing::UnitTest::GetInstance()->current_test_info()->test_suite_name();
        for (char &c : suite)
            if (c == '/') c = '-';  // a parameterized suite is PREFIX/NAME
        ASSERT_TRUE(tmp_.make(suite)) << "mkdtemp: " << std::strerror(errno);
        dir = tmp_.path();
        fd = hs6::Fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        ASSERT_TRUE(fd) << dir << ": " << std::strerror(errno);
    }
    void TearDown() override
    {
        fd = hs6::Fd();
        tmp_.remove();
        ::umask(old_umask);
    }
    std::string at(std::string const &name) const { return dir + "/" + name; }

    std::string dir;
    hs6::Fd fd;
    mode_t old_umask = 022;

private:
    TempDir tmp_;
};

} // namespace hs6_test

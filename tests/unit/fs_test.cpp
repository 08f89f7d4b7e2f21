// The dirfd toolkit (src/lib/fs.cpp): exact modes whatever the umask, and no
// symlink ever followed.
#include <hermes-s6/fs.hpp>

#include <gtest/gtest.h>

#include "error_check.hpp"
#include "testutil.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <grp.h>
#include <unistd.h>

namespace {

using hs6_test::exists;
using hs6_test::am_root;
using hs6_test::slurp;
using hs6_test::spit;

namespace fsys = std::filesystem;

struct stat lstat_of(std::string const &path)
{
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
    return st;
}

// A fresh directory under /tmp, opened as a dirfd, removed afterwards.
class FsTest : public hs6_test::TempDirTest {};

// ---- modes are exact under any umask ------------------------------------

class FsUmask : public FsTest, public testing::WithParamInterface<mode_t> {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        ::umask(GetParam());
    }
};

TEST_P(FsUmask, MakeDirModeIsExact)
{
    for (mode_t mode : {mode_t(0700), mode_t(0710), mode_t(0755), mode_t(03730), mode_t(0777), mode_t(01777)}) {
        std::string const name = "d" + std::to_string(mode);
        hs6::Made made{};
        ASSERT_TRUE(hs6::make_dir(fd.get(), name.c_str(), mode, -1, -1, made)) << std::strerror(errno);
        EXPECT_EQ(made, hs6::Made::created);
        struct stat const st = lstat_of(at(name));
        EXPECT_TRUE(S_ISDIR(st.st_mode));
        EXPECT_EQ(st.st_mode & 07777, mode) << std::oct << "wanted 0" << mode << " got 0" << (st.st_mode & 07777);
        EXPECT_EQ(st.st_uid, ::geteuid());
    }
}

TEST_P(FsUmask, MakeFifoModeIsExact)
{
    for (mode_t mode : {mode_t(0600), mode_t(0620), mode_t(0660), mode_t(0666)}) {
        std::string const name = "f" + std::to_string(mode);
        hs6::Made made{};
        ASSERT_TRUE(hs6::make_fifo(fd.get(), name.c_str(), mode, -1, -1, made)) << std::strerror(errno);
        EXPECT_EQ(made, hs6::Made::created);
        struct stat const st = lstat_of(at(name));
        EXPECT_TRUE(S_ISFIFO(st.st_mode));
        EXPECT_EQ(st.st_mode & 07777, mode) << std::oct << "wanted 0" << mode << " got 0" << (st.st_mode & 07777);
    }
}

TEST_P(FsUmask, WriteFileModeAndContentAreExact)
{
    for (mode_t mode : {mode_t(0600), mode_t(0644), mode_t(0755), mode_t(0666)}) {
        std::string const name = "w" + std::to_string(mode);
        std::string const content = "#!/bin/sh\nexec true " + name + "\n";
        ASSERT_TRUE(hs6::write_file(fd.get(), name.c_str(), content, mode)) << std::strerror(errno);
        struct stat const st = lstat_of(at(name));
        EXPECT_TRUE(S_ISREG(st.st_mode));
        EXPECT_EQ(st.st_mode & 07777, mode) << std::oct << "wanted 0" << mode << " got 0" << (st.st_mode & 07777);
        EXPECT_EQ(slurp(at(name)), content);
    }
    ASSERT_TRUE(hs6::write_file(fd.get(), "empty", "", 0644));
    EXPECT_EQ(lstat_of(at("empty")).st_size, 0);
}

INSTANTIATE_TEST_SUITE_P(Umask, FsUmask, testing::Values(mode_t(077), mode_t(000), mode_t(027), mode_t(0777)),
                         [](testing::TestParamInfo<mode_t> const &i) { return "umask0" + std::to_string(i.param / 64) + std::to_string(i.param / 8 % 8) + std::to_string(i.param % 8); });

// Not root, umask 0777: a new entry must not be born 0000, or a non-root
// caller could not open it again to set its mode. As root, the check runs in
// a child that drops to uid/gid 65534 (root could open a 0000 entry anyway).
TEST_F(FsTest, Umask0777WithoutRoot)
{
    if (am_root()) {
        ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
    }
    auto const run = [this] {
        if (am_root() && (::setgroups(0, nullptr) < 0 || ::setgid(65534) < 0 || ::setuid(65534) < 0)) std::_Exit(2);
        ::umask(0777);
        hs6::Made made{};
        if (!hs6::make_dir(fd.get(), "d", 0750, -1, -1, made)) std::_Exit(3);
        if (!hs6::make_fifo(fd.get(), "f", 0620, -1, -1, made)) std::_Exit(4);
        if (!hs6::write_file(fd.get(), "w", "x", 0640)) std::_Exit(5);
        struct stat st;
        if (::lstat(at("d").c_str(), &st) < 0 || (st.st_mode & 07777) != 0750) std::_Exit(6);
        if (::lstat(at("f").c_str(), &st) < 0 || (st.st_mode & 07777) != 0620) std::_Exit(7);
        if (::lstat(at("w").c_str(), &st) < 0 || (st.st_mode & 07777) != 0640) std::_Exit(8);
        std::_Exit(0);
    };
    EXPECT_EXIT(run(), testing::ExitedWithCode(0), "");
}

// ---- owners (root only: chown to another id) -----------------------------

TEST_F(FsTest, MakeDirAndFifoSetOwner)
{
    if (!am_root()) GTEST_SKIP() << "needs root to chown to uid 65534";
    hs6::Made made{};
    ASSERT_TRUE(hs6::make_dir(fd.get(), "d", 03730, 65534, 65534, made));
    struct stat st = lstat_of(at("d"));
    EXPECT_EQ(st.st_uid, 65534u);
    EXPECT_EQ(st.st_gid, 65534u);
    EXPECT_EQ(st.st_mode & 07777, 03730u); // the chown came before the chmod: set-gid kept
    ASSERT_TRUE(hs6::make_fifo(fd.get(), "f", 0620, 0, 65534, made));
    st = lstat_of(at("f"));
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(st.st_gid, 65534u);
    EXPECT_EQ(st.st_mode & 07777, 0620u);
    // -1 leaves the id alone.
    ASSERT_TRUE(hs6::make_dir(fd.get(), "g", 0750, static_cast<uid_t>(-1), 65534, made));
    st = lstat_of(at("g"));
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(st.st_gid, 65534u);
}

TEST_F(FsTest, SetOwnerModeOnAnOpenFd)
{
    if (!am_root()) GTEST_SKIP() << "needs root to chown to uid 65534";
    spit(at("x"), "x", 0600);
    hs6::Fd f = hs6::open_at(fd.get(), "x", O_RDONLY);
    ASSERT_TRUE(f);
    ASSERT_TRUE(hs6::set_owner_mode(f.get(), 65534, 0, 02640));
    struct stat const st = lstat_of(at("x"));
    EXPECT_EQ(st.st_uid, 65534u);
    EXPECT_EQ(st.st_gid, 0u);
    EXPECT_EQ(st.st_mode & 07777, 02640u);
}

// ---- existing entries ------------------------------------------------------

TEST_F(FsTest, MakeDirLeavesAnExistingDirectoryAlone)
{
    ASSERT_EQ(::mkdir(at("d").c_str(), 0700), 0);
    ASSERT_EQ(::chmod(at("d").c_str(), 0751), 0);
    ino_t const ino = lstat_of(at("d")).st_ino;
    hs6::Made made = hs6::Made::created;
    ASSERT_TRUE(hs6::make_dir(fd.get(), "d", 0710, -1, -1, made));
    EXPECT_EQ(made, hs6::Made::existed);
    struct stat const st = lstat_of(at("d"));
    EXPECT_EQ(st.st_mode & 07777, 0751u);
    EXPECT_EQ(st.st_ino, ino);
}

TEST_F(FsTest, MakeFifoLeavesAnExistingFifoAlone)
{
    ASSERT_EQ(::mkfifo(at("f").c_str(), 0600), 0);
    ASSERT_EQ(::chmod(at("f").c_str(), 0604), 0);
    hs6::Made made = hs6::Made::created;
    ASSERT_TRUE(hs6::make_fifo(fd.get(), "f", 0620, -1, -1, made));
    EXPECT_EQ(made, hs6::Made::existed);
    EXPECT_EQ(lstat_of(at("f")).st_mode & 07777, 0604u);
}

TEST_F(FsTest, WrongTypesAreRefused)
{
    spit(at("file"), "keep", 0640);
    ASSERT_EQ(::mkdir(at("dir").c_str(), 0700), 0);
    hs6::Made made{};
    errno = 0;
    EXPECT_FALSE(hs6::make_dir(fd.get(), "file", 0700, -1, -1, made));
    EXPECT_EQ(errno, ENOTDIR);
    errno = 0;
    EXPECT_FALSE(hs6::make_fifo(fd.get(), "file", 0600, -1, -1, made));
    EXPECT_EQ(errno, EEXIST);
    EXPECT_FALSE(hs6::make_fifo(fd.get(), "dir", 0600, -1, -1, made));
    errno = 0;
    EXPECT_FALSE(hs6::write_file(fd.get(), "file", "new", 0644));
    EXPECT_EQ(errno, EEXIST);
    EXPECT_EQ(slurp(at("file")), "keep");
    EXPECT_EQ(lstat_of(at("file")).st_mode & 07777, 0640u);
    errno = 0;
    EXPECT_FALSE(hs6::open_dir(fd.get(), "file"));
    EXPECT_EQ(errno, ENOTDIR);
}

// ---- symlinks: refused, never followed ----------------------------------

// A directory and a file outside the test's directory that symlinks point to.
class FsSymlink : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        ASSERT_TRUE(outside_dir.make("fs-outside"));
        outside = outside_dir.path();
        ASSERT_EQ(::chmod(outside.c_str(), 0750), 0);
        spit(outside + "/victim", "root secret\n", 0600);
        ASSERT_EQ(::mkdir((outside + "/sub").c_str(), 0700), 0);
        spit(outside + "/sub/deep", "deep\n", 0644);
        ASSERT_EQ(::symlink(outside.c_str(), at("to_dir").c_str()), 0);
        ASSERT_EQ(::symlink((outside + "/victim").c_str(), at("to_file").c_str()), 0);
        ASSERT_EQ(::symlink((outside + "/absent").c_str(), at("dangling").c_str()), 0);
    }
    void TearDown() override
    {
        outside_dir.remove();
        FsTest::TearDown();
    }
    // The outside tree is exactly as SetUp made it.
    void expect_outside_intact()
    {
        struct stat st = lstat_of(outside);
        EXPECT_TRUE(S_ISDIR(st.st_mode));
        EXPECT_EQ(st.st_mode & 07777, 0750u);
        st = lstat_of(outside + "/victim");
        EXPECT_EQ(st.st_mode & 07777, 0600u);
        EXPECT_EQ(st.st_uid, ::geteuid());
        EXPECT_EQ(slurp(outside + "/victim"), "root secret\n");
        EXPECT_EQ(slurp(outside + "/sub/deep"), "deep\n");
        EXPECT_FALSE(exists(outside + "/absent"));
        int n = 0;
        for (auto const &e : fsys::directory_iterator(outside)) (void)e, ++n;
        EXPECT_EQ(n, 2) << "something was created in the symlink's target";
    }
    hs6_test::TempDir outside_dir;
    std::string outside;
};

TEST_F(FsSymlink, OpenDirRefusesSymlinks)
{
    for (char const *name : {"to_dir", "to_dir/", "to_dir//", "to_file", "dangling"}) {
        errno = 0;
        hs6::Fd d = hs6::open_dir(fd.get(), name);
        EXPECT_FALSE(d) << name << " was opened";
        EXPECT_EQ(errno, ELOOP) << name; // a symlink, whatever it points to
    }
    // The same through a path from the current directory.
    EXPECT_FALSE(hs6::open_dir(at("to_dir").c_str()));
    EXPECT_FALSE(hs6::open_dir((at("to_dir") + "/").c_str()));
    // A real directory with a trailing slash still opens.
    ASSERT_EQ(::mkdir(at("real").c_str(), 0700), 0);
    EXPECT_TRUE(hs6::open_dir((at("real") + "/").c_str()));
    EXPECT_TRUE(hs6::open_dir(fd.get(), "real//"));
    expect_outside_intact();
}

TEST_F(FsSymlink, NeedDirSaysWhyOnASymlink)
{
    hs6::Fd out;
    std::string const link = at("to_dir");
    EXPECT_ERROR(hs6::need_dir(link.c_str(), out), 111, "is a symbolic link: not followed");
    std::string const slash = link + "/";
    EXPECT_ERROR(hs6::need_dir(slash.c_str(), out), 111, "is a symbolic link: not followed");
    std::string const file = outside + "/victim";
    EXPECT_ERROR(hs6::need_dir(file.c_str(), out), 111, "is not a directory");
    std::string const missing = at("missing");
    EXPECT_ERROR(hs6::need_dir(missing.c_str(), out), 111, "unable to open .*missing: No such file or directory");
    EXPECT_FALSE(out);
}

TEST_F(FsSymlink, MakeDirRefusesSymlinks)
{
    for (char const *name : {"to_dir", "to_file", "dangling"}) {
        hs6::Made made{};
        errno = 0;
        EXPECT_FALSE(hs6::make_dir(fd.get(), name, 0777, -1, -1, made)) << name;
        EXPECT_EQ(errno, ELOOP) << name;
        EXPECT_TRUE(S_ISLNK(lstat_of(at(name)).st_mode));
    }
    expect_outside_intact();
}

TEST_F(FsSymlink, MakeFifoRefusesSymlinks)
{
    for (char const *name : {"to_dir", "to_file", "dangling"}) {
        hs6::Made made{};
        errno = 0;
        EXPECT_FALSE(hs6::make_fifo(fd.get(), name, 0666, -1, -1, made)) << name;
        EXPECT_EQ(errno, ELOOP) << name;
        EXPECT_TRUE(S_ISLNK(lstat_of(at(name)).st_mode));
    }
    expect_outside_intact();
}

TEST_F(FsSymlink, WriteFileRefusesSymlinks)
{
    for (char const *name : {"to_file", "dangling", "to_dir"}) {
        errno = 0;
        EXPECT_FALSE(hs6::write_file(fd.get(), name, "overwritten\n", 0666)) << name;
        EXPECT_TRUE(S_ISLNK(lstat_of(at(name)).st_mode));
    }
    expect_outside_intact(); // victim unchanged, "absent" not created
}

TEST_F(FsSymlink, OpenAtRefusesSymlinks)
{
    errno = 0;
    EXPECT_FALSE(hs6::open_at(fd.get(), "to_file", O_RDONLY));
    EXPECT_EQ(errno, ELOOP);
    EXPECT_FALSE(hs6::open_at(fd.get(), "dangling", O_WRONLY | O_CREAT, 0644));
    struct stat st;
    EXPECT_FALSE(hs6::stat_at(fd.get(), "missing", st));
    ASSERT_TRUE(hs6::stat_at(fd.get(), "to_dir", st));
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    expect_outside_intact();
}

TEST_F(FsSymlink, RemoveTreeDeletesTheLinkNeverTheTarget)
{
    for (char const *name : {"to_dir", "to_file", "dangling"}) {
        EXPECT_TRUE(hs6::remove_tree(fd.get(), name)) << name << ": " << std::strerror(errno);
        EXPECT_FALSE(exists(at(name))) << name;
    }
    expect_outside_intact();
}

TEST_F(FsSymlink, RemoveTreeWithSymlinksInsideLeavesTheOutsideIntact)
{
    // tree/ holds files, a FIFO, empty and nested directories, and symlinks to
    // the outside directory, to a file there, and to a directory in the tree.
    std::string const t = at("tree");
    ASSERT_EQ(::mkdir(t.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((t + "/a").c_str(), 0700), 0);
    // Mode 0000: only root can walk into it (and must still remove it).
    ASSERT_EQ(::mkdir((t + "/a/b").c_str(), am_root() ? 0000 : 0700), 0);
    ASSERT_EQ(::mkdir((t + "/empty").c_str(), 0755), 0);
    spit(t + "/a/file", "f");
    ASSERT_EQ(::mkfifo((t + "/a/fifo").c_str(), 0600), 0);
    ASSERT_EQ(::symlink(outside.c_str(), (t + "/out").c_str()), 0);
    ASSERT_EQ(::symlink(outside.c_str(), (t + "/a/out").c_str()), 0);
    ASSERT_EQ(::symlink((outside + "/").c_str(), (t + "/a/out_slash").c_str()), 0);
    ASSERT_EQ(::symlink((outside + "/victim").c_str(), (t + "/a/victim").c_str()), 0);
    ASSERT_EQ(::symlink("../..", (t + "/a/up").c_str()), 0);
    if (am_root()) {
        ASSERT_EQ(::symlink(outside.c_str(), (t + "/a/b/out").c_str()), 0);
    }
    EXPECT_TRUE(hs6::remove_tree(fd.get(), "tree")) << std::strerror(errno);
    EXPECT_FALSE(exists(t));
    expect_outside_intact();
    // Everything else in the test directory is still there.
    EXPECT_TRUE(S_ISLNK(lstat_of(at("to_dir")).st_mode));
}

TEST_F(FsTest, RemoveTreeOnFilesAndAbsentNames)
{
    spit(at("file"), "x");
    ASSERT_EQ(::mkfifo(at("fifo").c_str(), 0600), 0);
    EXPECT_TRUE(hs6::remove_tree(fd.get(), "file"));
    EXPECT_TRUE(hs6::remove_tree(fd.get(), "fifo"));
    EXPECT_TRUE(hs6::remove_tree(fd.get(), "absent"));
    EXPECT_FALSE(exists(at("file")));
    EXPECT_FALSE(exists(at("fifo")));
}

// ---- small helpers ----------------------------------------------------------

TEST_F(FsTest, ReadFdStopsAtTheLimit)
{
    spit(at("small"), std::string(100, 'x'));
    spit(at("big"), std::string(20000, 'y'));
    std::string out;
    hs6::Fd f = hs6::open_at(fd.get(), "small", O_RDONLY);
    ASSERT_TRUE(hs6::read_fd(f.get(), 100, out));
    EXPECT_EQ(out, std::string(100, 'x'));
    hs6::Fd g = hs6::open_at(fd.get(), "big", O_RDONLY);
    errno = 0;
    EXPECT_FALSE(hs6::read_fd(g.get(), 19999, out));
    EXPECT_EQ(errno, EFBIG);
}

// With the size fstat gave, the whole file in one read() (the short read
// ends it), and a file that grew since is still read whole.
TEST_F(FsTest, ReadFdWithTheSize)
{
    for (std::size_t n : {std::size_t(0), std::size_t(28), std::size_t(8191), std::size_t(8192), std::size_t(30000)}) {
        spit(at("f"), std::string(n, 'z'));
        std::string out;
        hs6::Fd f = hs6::open_at(fd.get(), "f", O_RDONLY);
        ASSERT_TRUE(hs6::read_fd(f.get(), 65536, out, n)) << n;
        EXPECT_EQ(out, std::string(n, 'z')) << n;
        hs6::Fd g = hs6::open_at(fd.get(), "f", O_RDONLY);
        ASSERT_TRUE(hs6::read_fd(g.get(), 65536, out, n / 2)) << n << " (grown)";
        EXPECT_EQ(out.size(), n) << n << " (grown)";
    }
}

// only_mine: ours and written by no one else, not setgid.
TEST_F(FsTest, OnlyMine)
{
    ASSERT_EQ(::mkdir(at("d").c_str(), 0755), 0);
    auto mine = [&](mode_t mode) {
        EXPECT_EQ(::chmod(at("d").c_str(), mode), 0);
        hs6::Fd d = hs6::open_dir(fd.get(), "d");
        return hs6::only_mine(d.get());
    };
    EXPECT_TRUE(mine(0755));
    EXPECT_TRUE(mine(0700));
    EXPECT_FALSE(mine(0775));
    EXPECT_FALSE(mine(0757));
    EXPECT_FALSE(mine(01777));
    EXPECT_FALSE(mine(02755));
    if (::geteuid() == 0) {
        EXPECT_EQ(::chown(at("d").c_str(), 65534, 65534), 0);
        EXPECT_FALSE(mine(0755)) << "owned by another user";
    }
}

TEST(FsNames, BaseNameAndDirName)
{
    EXPECT_EQ(hs6::base_name("/run/service/gateway-a"), "gateway-a");
    EXPECT_EQ(hs6::base_name("/run/service/gateway-a/"), "gateway-a");
    EXPECT_EQ(hs6::base_name("gateway-a"), "gateway-a");
    EXPECT_EQ(hs6::base_name("/"), "/");
    EXPECT_EQ(hs6::dir_name("/run/service/gateway-a"), "/run/service");
    EXPECT_EQ(hs6::dir_name("/run/service/gateway-a//"), "/run/service");
    EXPECT_EQ(hs6::dir_name("gateway-a"), ".");
    EXPECT_EQ(hs6::dir_name("/gateway-a"), "/");
    EXPECT_EQ(hs6::dir_name("a/b"), "a");
}

TEST(FsFd, ClosesOnDestructionAndMove)
{
    int raw;
    {
        hs6::Fd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        ASSERT_TRUE(a);
        raw = a.get();
        hs6::Fd b(std::move(a));
        EXPECT_FALSE(a);
        EXPECT_EQ(b.get(), raw);
    }
    EXPECT_EQ(::fcntl(raw, F_GETFD), -1);
    EXPECT_EQ(errno, EBADF);
}

} // namespace

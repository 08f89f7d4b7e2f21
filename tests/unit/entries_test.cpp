// Directory loops (for_each_entry) and their read errors, unique staging
// names, the profile cap, file-system ids (src/lib/fs.cpp, slot.cpp,
// reconcile.cpp, privilege.cpp).
#include <hermes-s6/fs.hpp>
#include <hermes-s6/privilege.hpp>
#include <hermes-s6/profile.hpp>
#include <hermes-s6/reconcile.hpp>
#include <hermes-s6/skeleton.hpp>
#include <hermes-s6/slot.hpp>

#include "error_check.hpp"
#include "testutil.hpp"

#include <cerrno>
#include <filesystem>
#include <set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using hs6_test::exists;
using hs6_test::spit;

class Entries : public testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/hs6-entries-test.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        top = tmpl;
        fd = hs6::open_dir(top.c_str());
        ASSERT_TRUE(fd);
    }
    void TearDown() override
    {
        hs6::detail::getdents = real;
        std::error_code ec;
        std::filesystem::remove_all(top, ec);
    }
    std::string at(std::string const &n) const { return top + "/" + n; }

    std::string top;
    hs6::Fd fd;
    long (*real)(int, char *, std::size_t) = hs6::detail::getdents;
};

// A getdents that always fails with EIO.
long failing_getdents(int, char *, std::size_t)
{
    errno = EIO;
    return -1;
}

TEST_F(Entries, ListsEveryNameOnceWithoutDots)
{
    for (int i = 0; i < 300; ++i) spit(at("f" + std::to_string(i)), "");  // more than one read's buffer
    ASSERT_EQ(::mkdir(at("d").c_str(), 0755), 0);
    std::set<std::string> seen;
    hs6::Fd d = hs6::open_dir(top.c_str());
    ASSERT_TRUE(hs6::for_each_entry(d.get(), [&](char const *n, unsigned char) {
        EXPECT_TRUE(seen.insert(n).second) << n;
        return true;
    }));
    EXPECT_EQ(seen.size(), 301u);
    EXPECT_FALSE(seen.count("."));
    EXPECT_FALSE(seen.count(".."));
}

TEST_F(Entries, StopsWhenToldWithItsErrno)
{
    spit(at("a"), "");
    hs6::Fd d = hs6::open_dir(top.c_str());
    EXPECT_FALSE(hs6::for_each_entry(d.get(), [](char const *, unsigned char) {
        errno = EXDEV;
        return false;
    }));
    EXPECT_EQ(errno, EXDEV);
}

// A real read error, no injection: getdents on an O_PATH descriptor of a
// directory fails with EBADF. The loop reports it instead of ending as if
// the directory were empty.
TEST_F(Entries, ARealReadErrorIsReported)
{
    spit(at("a"), "");
    hs6::Fd path(::open(top.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(path);
    int n = 0;
    errno = 0;
    EXPECT_FALSE(hs6::for_each_entry(path.get(), [&](char const *, unsigned char) { return ++n, true; }));
    EXPECT_EQ(errno, EBADF);
    EXPECT_EQ(n, 0);
}

TEST_F(Entries, RemoveTreeReportsAReadError)
{
    ASSERT_EQ(::mkdir(at("t").c_str(), 0755), 0);
    spit(at("t/x"), "");
    hs6::detail::getdents = failing_getdents;
    errno = 0;
    EXPECT_FALSE(hs6::remove_tree(fd.get(), "t"));
    EXPECT_EQ(errno, EIO);
    hs6::detail::getdents = real;
    EXPECT_TRUE(exists(at("t/x")));
    EXPECT_TRUE(hs6::remove_tree(fd.get(), "t"));
    EXPECT_FALSE(exists(at("t")));
}

// purge_planted (seed -f, group layout) must not take a failed read for a
// clean directory: what was not listed was not checked.
TEST_F(Entries, SeedFixReportsAReadErrorOfSupervise)
{
    ASSERT_EQ(::mkdir(at("svc").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(at("svc/supervise").c_str(), 0755), 0);
    hs6::Layout l;
    l.gid = ::getegid();
    l.fix = true;
    hs6::detail::getdents = failing_getdents;
    EXPECT_ERROR(hs6::seed_supervise(at("svc").c_str(), l), 111, "unable to read .*svc/supervise: Input/output error");
    hs6::detail::getdents = real;
    EXPECT_OK(hs6::seed_supervise(at("svc").c_str(), l));
}

TEST_F(Entries, ListProfilesWarnsOnAReadError)
{
    ASSERT_EQ(::mkdir(at("profiles").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(at("profiles/a").c_str(), 0755), 0);
    spit(at("profiles/a/SOUL.md"), "");
    hs6::detail::getdents = failing_getdents;
    testing::internal::CaptureStderr();
    auto const v = hs6::list_profiles(fd.get(), top, 100).entries;
    std::string const err = testing::internal::GetCapturedStderr();
    hs6::detail::getdents = real;
    EXPECT_TRUE(v.empty());
    EXPECT_NE(err.find("unable to read " + top + "/profiles"), std::string::npos) << err;
}

TEST_F(Entries, StagingNamesAreUniqueAndFitTheRule)
{
    std::set<std::string> names;
    for (int i = 0; i < 200; ++i) {
        std::string name;
        hs6::Fd d;
        ASSERT_OK(hs6::new_staging_dir(fd.get(), "p", name, d));
        ASSERT_TRUE(d);
        EXPECT_TRUE(names.insert(name).second) << name;
        ASSERT_EQ(name.size(), std::string(".gateway-p.xxx").size()) << name;
        EXPECT_EQ(name.substr(0, 11), ".gateway-p.");
        for (char c : name.substr(11)) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) << name;
        struct stat st;
        ASSERT_EQ(::lstat(at(name).c_str(), &st), 0);
        EXPECT_TRUE(S_ISDIR(st.st_mode));
    }
    // The longest profile name: still within NAME_MAX.
    std::string name;
    hs6::Fd d;
    EXPECT_OK(hs6::new_staging_dir(fd.get(), std::string(hs6::profile_name_max, 'z'), name, d));
    EXPECT_EQ(name.size(), 255u);
}

TEST(ProfileCap, MaxProfilesFromTheEnvironment)
{
    EXPECT_EQ(hs6::max_profiles(nullptr), 100u);
    EXPECT_EQ(hs6::max_profiles(""), 100u);
    EXPECT_EQ(hs6::max_profiles("7"), 7u);
    EXPECT_EQ(hs6::max_profiles("0"), 0u);
    testing::internal::CaptureStderr();
    EXPECT_EQ(hs6::max_profiles("-1"), 100u);
    EXPECT_NE(testing::internal::GetCapturedStderr().find("HERMES_MAX_PROFILES=-1"), std::string::npos);
}

TEST_F(Entries, CountProfileSlots)
{
    for (char const *n : {"gateway-default", "gateway-a", "gateway-b", ".gateway-c", "other"})
        ASSERT_EQ(::mkdir(at(n).c_str(), 0755), 0);
    spit(at("gateway-file"), "");
    unsigned n = 99;
    EXPECT_OK(hs6::count_profile_slots(fd.get(), n));
    EXPECT_EQ(n, 2u);
}

// Root with the user's file-system ids: the file is the user's, a root-only
// place is refused, and the process can still not be signalled by the user.
TEST_F(Entries, FsIdentityWritesAsTheUserAndStaysRoot)
{
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    ASSERT_EQ(::chmod(top.c_str(), 0755), 0);  // the user must be able to reach its dir
    ASSERT_EQ(::mkdir(at("user").c_str(), 0700), 0);
    ASSERT_EQ(::chown(at("user").c_str(), 65534, 65534), 0);
    ASSERT_EQ(::mkdir(at("root").c_str(), 0755), 0);
    {
        hs6::FsIdentity as_user;
        ASSERT_OK(as_user.enter(65534, 65534));
        hs6::Fd f(::open(at("user/f").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        EXPECT_TRUE(f);
        hs6::Fd g(::open(at("root/f").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        EXPECT_FALSE(g);
        EXPECT_EQ(errno, EACCES);
        EXPECT_EQ(::geteuid(), 0u);
        pid_t const me = ::getpid();
        pid_t const child = ::fork();
        if (child == 0) {
            if (::setgid(65534) < 0 || ::setuid(65534) < 0) ::_exit(2);
            ::_exit(::kill(me, 0) < 0 && errno == EPERM ? 0 : 1);
        }
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the user could signal the process";
    }
    struct stat st;
    ASSERT_EQ(::lstat(at("user/f").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 65534u);
    EXPECT_EQ(st.st_gid, 65534u);
    // Back to root's own ids.
    hs6::Fd h(::open(at("root/g").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    EXPECT_TRUE(h);
}

} // namespace

// The boot reconcile's listing of a volume and its log names
// (src/lib/reconcile.cpp): list_profiles and loggable_name.
#include <hermes-s6/fs.hpp>
#include <hermes-s6/profile.hpp>
#include <hermes-s6/reconcile.hpp>

#include <gtest/gtest.h>

#include "testutil.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

namespace fsys = std::filesystem;

class ListProfiles : public hs6_test::TempDirTest {
protected:
    // A directory profiles/NAME, with SOUL.md when soul.
    void profile(std::string const &name, bool soul = true)
    {
        fsys::create_directories(home + "/profiles/" + name);
        if (soul) std::ofstream(home + "/profiles/" + name + "/SOUL.md") << "soul\n";
    }

    // list_profiles, with what it printed on stderr.
    std::vector<hs6::ProfileEntry> list(std::string *err = nullptr, unsigned max = 100)
    {
        return listing(err, max).entries;
    }
    hs6::ProfileListing listing(std::string *err = nullptr, unsigned max = 100)
    {
        testing::internal::CaptureStderr();
        auto v = hs6::list_profiles(homefd.get(), home, max);
        std::string const e = testing::internal::GetCapturedStderr();
        if (err) *err = e;
        return v;
    }

    static std::vector<std::string> names(std::vector<hs6::ProfileEntry> const &v)
    {
        std::vector<std::string> out;
        for (auto const &e : v) out.push_back(e.name);
        return out;
    }

    std::string const &home = dir;  // the fixture's dir and fd, as this file names them
    hs6::Fd const &homefd = fd;
};

using Names = std::vector<std::string>;

TEST_F(ListProfiles, MissingProfilesDirIsEmptyAndQuiet)
{
    std::string err;
    EXPECT_TRUE(list(&err).empty());
    EXPECT_EQ(err, "");
}

TEST_F(ListProfiles, EmptyProfilesDirIsEmpty)
{
    fsys::create_directory(home + "/profiles");
    EXPECT_TRUE(list().empty());
}

TEST_F(ListProfiles, SortedInByteOrder)
{
    for (char const *n : {"p2", "p10", "b", "a-x", "a_x", "a", "p1", "0z"}) profile(n);
    auto const v = list();
    EXPECT_EQ(names(v), (Names{"0z", "a", "a-x", "a_x", "b", "p1", "p10", "p2"}));
    for (auto const &e : v) EXPECT_EQ(e.skip, nullptr) << e.name;
}

TEST_F(ListProfiles, DirectoryWithoutSoulIsNotAProfileAndIsQuiet)
{
    profile("alpha");
    profile("nosoul", false);
    std::ofstream(home + "/profiles/nosoul/gateway_state.json") << "{\"desired_state\":\"running\"}";
    std::string err;
    EXPECT_EQ(names(list(&err)), (Names{"alpha"}));
    EXPECT_EQ(err, "");
}

TEST_F(ListProfiles, FilesAndOtherNonDirectoriesAreNotProfiles)
{
    profile("alpha");
    fsys::create_directories(home + "/profiles");
    std::ofstream(home + "/profiles/afile") << "x";
    ASSERT_EQ(::mkfifo((home + "/profiles/afifo").c_str(), 0600), 0);
    std::string err;
    EXPECT_EQ(names(list(&err)), (Names{"alpha"}));
    EXPECT_EQ(err, "");
}

TEST_F(ListProfiles, SoulMdIsLookedUpWithoutFollowing)
{
    // A SOUL.md that is a dangling symlink still marks the directory: the
    // test is on the name, and nothing is followed to make it.
    profile("linked-soul", false);
    fsys::create_symlink("/nonexistent/SOUL.md", home + "/profiles/linked-soul/SOUL.md");
    EXPECT_EQ(names(list()), (Names{"linked-soul"}));
}

TEST_F(ListProfiles, DefaultIsListedAsSkipped)
{
    profile("alpha");
    profile("default");
    auto const v = list();
    ASSERT_EQ(names(v), (Names{"alpha", "default"}));
    EXPECT_EQ(v[0].skip, nullptr);
    ASSERT_NE(v[1].skip, nullptr);
    EXPECT_NE(std::string(v[1].skip).find("reserved"), std::string::npos) << v[1].skip;
}

TEST_F(ListProfiles, DefaultWithoutSoulIsNotListed)
{
    profile("default", false);
    EXPECT_TRUE(list().empty());
}

TEST_F(ListProfiles, InvalidNamesAreListedAsSkipped)
{
    std::string const too_long(243, 'a');
    std::string const longest(242, 'a');
    for (auto const &n : {std::string("Bad.Name"), std::string("UPPER"), std::string("-dash"), std::string("_u"),
                          std::string("a.b"), std::string("sp ace"), std::string("nl\n"), too_long, longest,
                          std::string("good")})
        profile(n);
    auto const v = list();
    ASSERT_EQ(v.size(), 10u);
    for (auto const &e : v) {
        bool const valid = e.name == "good" || e.name == longest;
        if (valid) EXPECT_EQ(e.skip, nullptr) << e.name;
        else EXPECT_NE(e.skip, nullptr) << hs6::loggable_name(e.name);
    }
    // byte order: '-' < 'B' < 'U' < '_' < 'a'
    EXPECT_EQ(v[0].name, "-dash");
    EXPECT_EQ(v[1].name, "Bad.Name");
    EXPECT_EQ(v[2].name, "UPPER");
    EXPECT_EQ(v[3].name, "_u");
}

TEST_F(ListProfiles, SymlinkedProfileIsSkippedNotFollowed)
{
    // The target holds SOUL.md; it is listed as skipped, never opened.
    std::string const outside = home + "/outside";
    fsys::create_directories(outside);
    std::ofstream(outside + "/SOUL.md") << "soul\n";
    profile("alpha");
    fsys::create_directory_symlink(outside, home + "/profiles/linked");
    fsys::create_symlink("/nonexistent", home + "/profiles/dangling");
    auto const v = list();
    ASSERT_EQ(names(v), (Names{"alpha", "dangling", "linked"}));
    EXPECT_EQ(v[0].skip, nullptr);
    ASSERT_NE(v[1].skip, nullptr);
    ASSERT_NE(v[2].skip, nullptr);
    EXPECT_NE(std::string(v[2].skip).find("symbolic link"), std::string::npos) << v[2].skip;
}

TEST_F(ListProfiles, ProfilesDirThatIsASymlinkIsEmptyWithAWarning)
{
    std::string const real = home + "/real-profiles";
    fsys::create_directories(real + "/alpha");
    std::ofstream(real + "/alpha/SOUL.md") << "soul\n";
    fsys::create_directory_symlink(real, home + "/profiles");
    std::string err;
    EXPECT_TRUE(list(&err).empty());
    EXPECT_NE(err.find("warning"), std::string::npos) << err;
    EXPECT_NE(err.find("profiles"), std::string::npos) << err;
}

TEST_F(ListProfiles, ProfilesThatIsAFileIsEmptyWithAWarning)
{
    std::ofstream(home + "/profiles") << "x";
    std::string err;
    EXPECT_TRUE(list(&err).empty());
    EXPECT_NE(err.find("warning"), std::string::npos) << err;
}

// The cap: the first max valid names in byte order are listed, the rest
// counted, whatever order the directory gives them in.
TEST_F(ListProfiles, BeyondTheCapInByteOrderAreCounted)
{
    for (char const *n : {"e", "c", "a", "bad.name", "d", "b"}) profile(n);
    std::string err;
    auto const l = listing(&err, 2);
    EXPECT_EQ(names(l.entries), (Names{"a", "b", "bad.name"}));
    EXPECT_EQ(l.entries[2].skip != nullptr, true);
    EXPECT_EQ(l.beyond_cap, 3u);
    EXPECT_EQ(l.first_beyond_cap, "c");
    EXPECT_EQ(l.unlisted_skips, 0u);
    EXPECT_EQ(err, "");
    auto const none = listing(nullptr, 0);
    EXPECT_EQ(names(none.entries), (Names{"bad.name"}));
    EXPECT_EQ(none.beyond_cap, 5u);
    EXPECT_EQ(none.first_beyond_cap, "a");
}

// Skipped entries: the first listed_skips_max in byte order are named,
// the others counted.
TEST_F(ListProfiles, SkippedEntriesBeyondTheFirstFewAreCounted)
{
    profile("good");
    for (int i = 0; i < 25; ++i) profile(fmt::format("X{:02}", 24 - i));
    fsys::create_symlink("/nonexistent", home + "/profiles/Y-link");
    auto const l = listing();
    ASSERT_EQ(l.entries.size(), hs6::listed_skips_max + 1);
    for (unsigned i = 0; i < hs6::listed_skips_max; ++i) EXPECT_EQ(l.entries[i].name, fmt::format("X{:02}", i));
    EXPECT_EQ(l.entries.back().name, "good");
    EXPECT_EQ(l.unlisted_skips, 26 - hs6::listed_skips_max);
    EXPECT_EQ(l.beyond_cap, 0u);
}

TEST(LoggableName, ValidNamesAreKept)
{
    EXPECT_EQ(hs6::loggable_name("alpha"), "alpha");
    EXPECT_EQ(hs6::loggable_name("p-1_x"), "p-1_x");
    EXPECT_EQ(hs6::loggable_name("Bad.Name"), "Bad.Name");
}

TEST(LoggableName, OtherBytesAreEscapedNotReplaced)
{
    EXPECT_EQ(hs6::loggable_name("a b"), "a\\x20b");
    EXPECT_EQ(hs6::loggable_name("x\ny=1 action=started"), "x\\x0ay\\x3d1\\x20action\\x3dstarted");
    EXPECT_EQ(hs6::loggable_name(std::string("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(hs6::loggable_name("\x1b[2J"), "\\x1b\\x5b2J");
    EXPECT_EQ(hs6::loggable_name("caf\xc3\xa9"), "caf\\xc3\\xa9");
    EXPECT_EQ(hs6::loggable_name("a/b=c"), "a\\x2fb\\x3dc");
    EXPECT_EQ(hs6::loggable_name("../../etc"), "..\\x2f..\\x2fetc");
    EXPECT_EQ(hs6::loggable_name("a\\b"), "a\\x5cb");  // the escape itself is escaped
}

TEST(LoggableName, CutAt64Bytes)
{
    std::string const n64(64, 'a');
    EXPECT_EQ(hs6::loggable_name(n64), n64);
    EXPECT_EQ(hs6::loggable_name(n64 + "b"), n64 + "...");
    EXPECT_EQ(hs6::loggable_name(std::string(243, 'z')), std::string(64, 'z') + "...");
    // The cut counts the name's bytes, not the escapes': 64 of them + "...".
    std::string esc;
    for (int i = 0; i < 64; ++i) esc += "\\x0a";
    EXPECT_EQ(hs6::loggable_name(std::string(100, '\n')), esc + "...");
}

TEST(LoggableName, NeverHoldsALogSeparator)
{
    std::string all;
    for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
    for (std::size_t i = 0; i < all.size(); i += 60) {
        std::string const out = hs6::loggable_name(std::string_view(all).substr(i, 60));
        for (char c : out) {
            bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                            c == '.' || c == '_' || c == '-' || c == '\\';
            EXPECT_TRUE(ok) << "byte " << int(static_cast<unsigned char>(c));
        }
    }
}

} // namespace

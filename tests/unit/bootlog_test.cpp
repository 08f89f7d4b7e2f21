// The boot log (src/lib/bootlog.cpp): line format, word checks, rotation
// at the exact boundary, and refusal of symlinks and hard links.
#include <hermes-s6/bootlog.hpp>

#include <gtest/gtest.h>

#include "testutil.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using hs6_test::exists;
using hs6_test::slurp;
using hs6_test::spit;

namespace fsys = std::filesystem;

class BootlogTest : public hs6_test::TempDirTest {
protected:
    void SetUp() override
    {
        TempDirTest::SetUp();
        log = dir + "/logs/container-boot.log";
        ::umask(077);   // modes must not depend on it
    }
    bool append(std::string_view line, std::size_t max = hs6::bootlog_max_default)
    {
        hs6::Error const e = hs6::bootlog_append(log.c_str(), line, max);
        error = e.message();
        return !e;
    }

    std::string log, error;
};

// ---- format -------------------------------------------------------------

// Sets TZ for one test and puts the old value back.
class WithTz {
public:
    explicit WithTz(char const *tz)
    {
        char const *old = std::getenv("TZ");
        had_ = old != nullptr;
        if (old) saved_ = old;
        set(tz);
    }
    ~WithTz()
    {
        if (had_) ::setenv("TZ", saved_.c_str(), 1);
        else ::unsetenv("TZ");
        ::tzset();
    }
    void set(char const *tz)
    {
        ::setenv("TZ", tz, 1);
        ::tzset();
    }

private:
    bool had_ = false;
    std::string saved_;
};

TEST(BootlogFormat, TimestampIsLocalTimeWithOffset)
{
    WithTz tz("UTC");
    EXPECT_EQ(hs6::bootlog_timestamp(0), "1970-01-01T00:00:00+0000");
    tz.set("CET-1");   // POSIX TZ: one hour east, no tzdata needed
    EXPECT_EQ(hs6::bootlog_timestamp(86400 + 3600), "1970-01-02T02:00:00+0100");
}

TEST(BootlogFormat, LineIsTimestampWordsNewline)
{
    WithTz tz("UTC");
    char const *words[] = {"profile=a", "prior_state=running", "action=started"};
    EXPECT_EQ(hs6::bootlog_line(0, hs6::Args(words)),
              "1970-01-01T00:00:00+0000 profile=a prior_state=running action=started\n");
}

TEST(BootlogFormat, WordsThatCouldForgeALineAreRefused)
{
    EXPECT_EQ(hs6::bootlog_word_problem("profile=a"), nullptr);
    EXPECT_EQ(hs6::bootlog_word_problem(""), nullptr);
    EXPECT_EQ(hs6::bootlog_word_problem("caf\xc3\xa9 ok"), nullptr);
    EXPECT_STREQ(hs6::bootlog_word_problem("a\nb"), "contains a newline");
    EXPECT_STREQ(hs6::bootlog_word_problem("a\n"), "contains a newline");
    EXPECT_NE(hs6::bootlog_word_problem("a\rb"), nullptr);
    EXPECT_NE(hs6::bootlog_word_problem("\x1b[2K"), nullptr);
    EXPECT_NE(hs6::bootlog_word_problem("a\x7f"), nullptr);
    EXPECT_NE(hs6::bootlog_word_problem(std::string_view("a\0b", 3)), nullptr);
}

// ---- append -------------------------------------------------------------

TEST_F(BootlogTest, CreatesParentDirectoryAndFileWithExactModes)
{
    ASSERT_TRUE(append("one\n")) << error;
    ASSERT_TRUE(append("two\n")) << error;
    EXPECT_EQ(slurp(log), "one\ntwo\n");
    struct stat st;
    ASSERT_EQ(::stat((dir + "/logs").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755u);
    ASSERT_EQ(::stat(log.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST_F(BootlogTest, OnlyOneLevelOfParentIsCreated)
{
    log = dir + "/a/b/x.log";
    EXPECT_FALSE(append("x\n"));
    EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
}

TEST_F(BootlogTest, RefusesAnythingButWholeLines)
{
    EXPECT_FALSE(append("no newline"));
    EXPECT_FALSE(append("one\nhalf"));
    EXPECT_FALSE(append(""));
    EXPECT_FALSE(exists(log));
    EXPECT_TRUE(append("two\nlines\n"));
    EXPECT_EQ(slurp(log), "two\nlines\n");
}

TEST_F(BootlogTest, RotationBoundary)
{
    ASSERT_EQ(::mkdir((dir + "/logs").c_str(), 0755), 0);
    spit(log + ".1", "old rotation\n");
    spit(log, std::string(99, 'x'));
    ASSERT_TRUE(append("a\n", 100)) << error;   // 99 < 100: no rotation
    EXPECT_EQ(slurp(log), std::string(99, 'x') + "a\n");
    EXPECT_EQ(slurp(log + ".1"), "old rotation\n");

    ASSERT_TRUE(append("b\n", 101)) << error;   // 101 >= 101: rotated, .1 replaced
    EXPECT_EQ(slurp(log), "b\n");
    EXPECT_EQ(slurp(log + ".1"), std::string(99, 'x') + "a\n");
}

TEST_F(BootlogTest, MaxbytesZeroNeverRotates)
{
    ASSERT_TRUE(append("a\n", 0));
    ASSERT_TRUE(append("b\n", 0));
    EXPECT_EQ(slurp(log), "a\nb\n");
    EXPECT_FALSE(exists(log + ".1"));
}

TEST_F(BootlogTest, SymlinkIsRefusedAndItsTargetUntouched)
{
    ASSERT_EQ(::mkdir((dir + "/logs").c_str(), 0755), 0);
    spit(dir + "/target", "precious\n");
    ASSERT_EQ(::symlink((dir + "/target").c_str(), log.c_str()), 0);
    EXPECT_FALSE(append("forged\n"));
    EXPECT_NE(error.find("symbolic link"), std::string::npos) << error;
    EXPECT_EQ(slurp(dir + "/target"), "precious\n");
}

TEST_F(BootlogTest, DanglingSymlinkCreatesNothing)
{
    ASSERT_EQ(::mkdir((dir + "/logs").c_str(), 0755), 0);
    ASSERT_EQ(::symlink((dir + "/created").c_str(), log.c_str()), 0);
    EXPECT_FALSE(append("x\n"));
    EXPECT_FALSE(exists(dir + "/created"));
}

TEST_F(BootlogTest, SymlinkedDirectoryIsRefused)
{
    ASSERT_EQ(::mkdir((dir + "/real").c_str(), 0755), 0);
    ASSERT_EQ(::symlink((dir + "/real").c_str(), (dir + "/logs").c_str()), 0);
    EXPECT_FALSE(append("x\n"));
    EXPECT_FALSE(exists(dir + "/real/container-boot.log"));
}

TEST_F(BootlogTest, HardLinkIsRefusedAndItsOtherNameUntouched)
{
    ASSERT_EQ(::mkdir((dir + "/logs").c_str(), 0755), 0);
    spit(dir + "/shadow", "precious\n");
    ASSERT_EQ(::link((dir + "/shadow").c_str(), log.c_str()), 0);
    EXPECT_FALSE(append("forged\n"));
    EXPECT_NE(error.find("2 links"), std::string::npos) << error;
    EXPECT_EQ(slurp(dir + "/shadow"), "precious\n");
}

TEST_F(BootlogTest, FifoIsRefusedWithoutBlocking)
{
    ASSERT_EQ(::mkdir((dir + "/logs").c_str(), 0755), 0);
    ASSERT_EQ(::mkfifo(log.c_str(), 0666), 0);
    EXPECT_FALSE(append("x\n"));
}

TEST_F(BootlogTest, SymlinkAtRotationNameIsReplacedNotFollowed)
{
    ASSERT_EQ(::mkdir((dir + "/logs").c_str(), 0755), 0);
    spit(dir + "/target", "precious\n");
    ASSERT_EQ(::symlink((dir + "/target").c_str(), (log + ".1").c_str()), 0);
    spit(log, "full\n");
    ASSERT_TRUE(append("x\n", 5)) << error;
    EXPECT_EQ(slurp(dir + "/target"), "precious\n");
    EXPECT_EQ(slurp(log + ".1"), "full\n");
    EXPECT_EQ(slurp(log), "x\n");
}

TEST_F(BootlogTest, FailedRotationStillAppends)
{
    ASSERT_EQ(::mkdir((dir + "/logs").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((log + ".1").c_str(), 0755), 0);   // cannot be replaced by a file
    ASSERT_EQ(::mkdir((log + ".1/x").c_str(), 0755), 0);
    spit(log, "full\n");
    ASSERT_TRUE(append("x\n", 5)) << error;
    EXPECT_EQ(slurp(log), "full\nx\n");
}

TEST_F(BootlogTest, ErrorSaysWhatAndNothingIsPrinted)
{
    log = dir + "/a/b/x.log";
    testing::internal::CaptureStderr();
    hs6::Error const e = hs6::bootlog_append(log.c_str(), "x\n", 10);
    std::string const err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(e.code, 111);
    EXPECT_EQ(e.message().find("unable to open the directory of"), 0u) << e.message();
    EXPECT_EQ(err, "");
}

} // namespace

// Rendering a slot (src/lib/slot.cpp): the start-state decision, quoting,
// the scripts' contents, and render_slot on a temporary directory.
#include <hermes-s6/fs.hpp>
#include <hermes-s6/slot.hpp>

#include <gtest/gtest.h>

#include "error_check.hpp"
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

namespace fsys = std::filesystem;
using hs6::StartState;

mode_t mode_of(std::string const &path)
{
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

bool contains(std::string const &s, std::string const &what) { return s.find(what) != std::string::npos; }

hs6::RenderOptions test_options()
{
    hs6::RenderOptions o;
    o.shebangdir = "/usr/bin";
    o.contenv = false;
    return o;
}

// ---- start state ----------------------------------------------------------

TEST(SlotStartsUp, ExplicitStateWins)
{
    EXPECT_TRUE(hs6::slot_starts_up("a", StartState::up, nullptr, nullptr));
    EXPECT_TRUE(hs6::slot_starts_up("a", StartState::up, "stopped", "yes"));
    EXPECT_FALSE(hs6::slot_starts_up("a", StartState::down, "running", nullptr));
    EXPECT_FALSE(hs6::slot_starts_up("default", StartState::down, "running", "0"));
}

TEST(SlotStartsUp, FromTheEnvironment)
{
    auto const env = StartState::from_environment;
    EXPECT_FALSE(hs6::slot_starts_up("a", env, nullptr, nullptr));
    EXPECT_TRUE(hs6::slot_starts_up("a", env, "running", nullptr));
    for (char const *s : {"", "stopped", "none", "Running", "running ", "draining"})
        EXPECT_FALSE(hs6::slot_starts_up("a", env, s, nullptr)) << s;
}

TEST(SlotStartsUp, MultiplexKeepsNamedProfilesDown)
{
    auto const env = StartState::from_environment;
    // Upstream's rule (issue 12): 1, true, yes, on, any case, blanks around.
    for (char const *t : {"1", "true", "TRUE", "True", "yes", "YES", "Yes", "on", "ON", "tRUE", " yes ", "\ton\n"}) {
        EXPECT_FALSE(hs6::slot_starts_up("a", env, "running", t)) << t;
        EXPECT_TRUE(hs6::slot_starts_up("default", env, "running", t)) << t;
    }
    for (char const *f : {"", "0", "no", "off", "y", "o n", "enabled", "truee", " "})
        EXPECT_TRUE(hs6::slot_starts_up("a", env, "running", f)) << f;
}

// ---- quoting and option checks ------------------------------------------

TEST(ExeclineQuote, EscapesBackslashAndQuoteOnly)
{
    EXPECT_EQ(hs6::execline_quote("/opt/data"), "\"/opt/data\"");
    EXPECT_EQ(hs6::execline_quote(""), "\"\"");
    EXPECT_EQ(hs6::execline_quote("a \"b\" \\c"), "\"a \\\"b\\\" \\\\c\"");
    EXPECT_EQ(hs6::execline_quote("${x} { } #"), "\"${x} { } #\"");
}

TEST(RenderOptionsProblem, AcceptsDefaultsAndOddButPrintableValues)
{
    hs6::RenderOptions o;
    EXPECT_EQ(hs6::render_options_problem(o), nullptr);
    o.home = "/home/with space/\"q\"/${uid}";
    o.user = "a b$";
    o.prog = "/x/{y}";
    EXPECT_EQ(hs6::render_options_problem(o), nullptr);
}

TEST(RenderOptionsProblem, RefusesWhatCannotGoInAScript)
{
    auto bad = [](auto &&change) {
        hs6::RenderOptions o;
        change(o);
        return hs6::render_options_problem(o) != nullptr;
    };
    EXPECT_TRUE(bad([](auto &o) { o.home = ""; }));
    EXPECT_TRUE(bad([](auto &o) { o.home = "relative"; }));
    EXPECT_TRUE(bad([](auto &o) { o.home = "/a\nb"; }));
    EXPECT_TRUE(bad([](auto &o) { o.user = ""; }));
    EXPECT_TRUE(bad([](auto &o) { o.user = "a\tb"; }));
    EXPECT_TRUE(bad([](auto &o) { o.user = "-x"; }));
    EXPECT_TRUE(bad([](auto &o) { o.prog = ""; }));
    EXPECT_TRUE(bad([](auto &o) { o.prog = "a\x7f"; }));
    EXPECT_TRUE(bad([](auto &o) { o.shebangdir = "usr/bin"; }));
    EXPECT_TRUE(bad([](auto &o) { o.shebangdir = "/usr/b in"; }));
    EXPECT_TRUE(bad([](auto &o) { o.shebangdir = "/" + std::string(300, 'x'); }));
}

// ---- script contents ------------------------------------------------------

TEST(RenderRun, NamedProfile)
{
    auto o = test_options();
    std::string const run = hs6::render_run("alpha", o);
    EXPECT_EQ(run.rfind("#!/usr/bin/execlineb -P\n", 0), 0u);
    EXPECT_FALSE(contains(run, "with-contenv"));
    EXPECT_TRUE(contains(run, "export HOME \"/opt/data\"\n"));
    EXPECT_FALSE(contains(run, "\ncd "));
    EXPECT_TRUE(contains(run, "export HERMES_S6_SUPERVISED_CHILD 1\n"));
    EXPECT_TRUE(contains(run, "export HERMES_SUPERVISED_CHILD 1\n"));
    EXPECT_TRUE(contains(run, "{ cd \"/opt/data\" \"hermes\" -p alpha gateway run --replace }\n"));
    EXPECT_TRUE(contains(run, "\ns6-setuidgid \"hermes\" cd \"/opt/data\" \"hermes\" -p alpha gateway run --replace\n"));
}

// The cd into home (the user's volume) comes after the root test and, as
// root, after the drop: id, eltest and s6-setuidgid are looked up through
// PATH from the service dir, never from a dir the user writes.
TEST(RenderRun, CdOnlyAfterThePrivilegeDecision)
{
    std::string const run = hs6::render_run("alpha", test_options());
    std::size_t const test = run.find("ifelse {");
    ASSERT_NE(test, std::string::npos) << run;
    EXPECT_GT(run.find("cd "), test) << run;
    EXPECT_EQ(run.find("cd "), run.find("{ cd \"/opt/data\" ", test) + 2) << run;
    EXPECT_TRUE(contains(run, "s6-setuidgid \"hermes\" cd \"/opt/data\" ")) << run;
}

// Fail closed: the direct branch (the block) is taken only when id -u ran
// and printed a uid other than 0; any failure of the test falls through to
// the last line, s6-setuidgid, which is the end of the script.
TEST(RenderRun, RootTestFailsClosed)
{
    std::string const run = hs6::render_run("alpha", test_options());
    std::string const test = "ifelse { backtick -E uid { id -u } eltest ${uid} -ne 0 }\n";
    std::string const direct = "{ cd \"/opt/data\" \"hermes\" -p alpha gateway run --replace }\n";
    std::string const drop = "s6-setuidgid \"hermes\" cd \"/opt/data\" \"hermes\" -p alpha gateway run --replace\n";
    EXPECT_TRUE(contains(run, test + direct + drop)) << run;
    EXPECT_EQ(run.size() - drop.size(), run.rfind(drop)) << "s6-setuidgid is not the last line:\n" << run;
    EXPECT_FALSE(contains(run, "= 0")) << run;
}

TEST(RenderRun, DefaultProfileHasNoDashP)
{
    std::string const run = hs6::render_run("default", test_options());
    EXPECT_FALSE(contains(run, "-p"));
    EXPECT_TRUE(contains(run, "\"hermes\" gateway run --replace"));
}

TEST(RenderRun, WithContenvSecondLine)
{
    hs6::RenderOptions o;
    std::string const run = hs6::render_run("a", o);
    EXPECT_EQ(run.rfind("#!" HS6_SHEBANGDIR "/execlineb -P\nwith-contenv\n", 0), 0u) << run;
    EXPECT_TRUE(contains(hs6::render_log_run("a", o), "\nwith-contenv\n"));
}

TEST(RenderRun, ValuesAreQuotedAndNeverSubstituted)
{
    auto o = test_options();
    o.home = "/h \"q\" ${uid}";
    o.user = "u$uid";
    o.prog = "/p {x}";
    std::string const run = hs6::render_run("a", o);
    EXPECT_TRUE(contains(run, "export HOME \"/h \\\"q\\\" ${uid}\"\n"));
    EXPECT_TRUE(contains(run, "s6-setuidgid \"u$uid\" cd \"/h \\\"q\\\" ${uid}\" \"/p {x}\" -p a"));
    // The only substitution ($uid) happens inside the root-test block,
    // which holds no value from the command line.
    EXPECT_TRUE(contains(run, "ifelse { backtick -E uid { id -u } eltest ${uid} -ne 0 }\n"));
}

TEST(RenderFinish, TwoLiteralPatterns)
{
    EXPECT_EQ(hs6::render_finish(test_options()),
              "#!/usr/bin/execlineb -S1\ncase -- $1 { 0 { exit 125 } 78 { exit 125 } }\nexit 0\n");
}

TEST(RenderLogRun, DirAndLogger)
{
    auto o = test_options();
    o.user = "nobody";
    std::string const log = hs6::render_log_run("alpha", o);
    EXPECT_TRUE(contains(log, "backtick -D \"/opt/data\" HERMES_HOME {"));
    EXPECT_TRUE(contains(log, "\ns6-setuidgid \"nobody\"\nimportas -i h HERMES_HOME\n"));
    EXPECT_TRUE(contains(log, "if { mkdir -p -- ${h}/logs/gateways/alpha }\n"));
    EXPECT_TRUE(contains(log, "  rm -f -- ${h}/logs/gateways/alpha/lock\n"));
    EXPECT_TRUE(contains(log, "{ s6-log 1 n10 s1000000 T ${h}/logs/gateways/alpha }\n"));
    // Issue 10: an unusable log dir (symlink, not a writable dir, lock held)
    // falls back to stdout, said once, instead of a crash loop.
    EXPECT_TRUE(contains(log, "test ! -L ${h}/logs -a ! -L ${h}/logs/gateways -a ! -L ${h}/logs/gateways/alpha }"));
    EXPECT_TRUE(contains(log, "s6-setlock -n ${h}/logs/gateways/alpha/lock true"));
    EXPECT_TRUE(contains(log, "logging to stdout instead\" }\ns6-log 1\n"));
    EXPECT_FALSE(contains(log, "chown"));
}

// Fail closed: mkdir, rm and s6-log run directly only when id -u printed a
// uid other than 0; the fall-through (any failure of the test) drops first.
TEST(RenderLogRun, RootTestFailsClosed)
{
    auto o = test_options();
    o.user = "nobody";
    std::string const log = hs6::render_log_run("alpha", o);
    std::string const tail = "s6-log 1\n";
    EXPECT_TRUE(contains(log, "ifelse { backtick -E uid { id -u } eltest ${uid} -ne 0 }\n{\n"
                              "  importas -i h HERMES_HOME\n")) << log;
    EXPECT_TRUE(contains(log, "  " + tail + "}\ns6-setuidgid \"nobody\"\nimportas -i h HERMES_HOME\n")) << log;
    EXPECT_EQ(log.size() - tail.size(), log.rfind(tail)) << log;
    EXPECT_FALSE(contains(log, "= 0")) << log;
}

// ---- render_slot on a temporary directory ---------------------------------

class RenderSlot : public hs6_test::TempDirTest {
protected:
    void SetUp() override
    {
        TempDirTest::SetUp();
        ::unsetenv("HERMES_GATEWAY_STATE");
        ::unsetenv("GATEWAY_MULTIPLEX_PROFILES");
    }
};

TEST_F(RenderSlot, WritesEveryFileWithExactModes)
{
    mode_t const old = ::umask(0777);
    auto o = test_options();
    o.start = StartState::down;
    EXPECT_OK(hs6::render_slot(fd.get(), ".s", "a", o, at(".s")));
    ::umask(old);
    EXPECT_EQ(mode_of(at(".s")), 0755u);
    EXPECT_EQ(mode_of(at(".s/log")), 0755u);
    EXPECT_EQ(mode_of(at(".s/run")), 0755u);
    EXPECT_EQ(mode_of(at(".s/finish")), 0755u);
    EXPECT_EQ(mode_of(at(".s/log/run")), 0755u);
    EXPECT_EQ(mode_of(at(".s/type")), 0644u);
    EXPECT_EQ(mode_of(at(".s/down")), 0644u);
    EXPECT_EQ(slurp(at(".s/type")), "longrun\n");
    EXPECT_EQ(slurp(at(".s/run")), hs6::render_run("a", o));
    EXPECT_EQ(slurp(at(".s/finish")), hs6::render_finish(o));
    EXPECT_EQ(slurp(at(".s/log/run")), hs6::render_log_run("a", o));
}

TEST_F(RenderSlot, DownFileFollowsTheEnvironment)
{
    auto o = test_options();
    EXPECT_OK(hs6::render_slot(fd.get(), ".s", "a", o, ".s"));
    EXPECT_TRUE(exists(at(".s/down")));
    ::setenv("HERMES_GATEWAY_STATE", "running", 1);
    EXPECT_OK(hs6::render_slot(fd.get(), ".s", "a", o, ".s"));
    EXPECT_FALSE(exists(at(".s/down")));
    ::setenv("GATEWAY_MULTIPLEX_PROFILES", "True", 1);
    EXPECT_OK(hs6::render_slot(fd.get(), ".s", "a", o, ".s"));
    EXPECT_TRUE(exists(at(".s/down")));
    EXPECT_OK(hs6::render_slot(fd.get(), ".s", "default", o, ".s"));
    EXPECT_FALSE(exists(at(".s/down")));
    ::unsetenv("HERMES_GATEWAY_STATE");
    ::unsetenv("GATEWAY_MULTIPLEX_PROFILES");
}

TEST_F(RenderSlot, LeftoverIsReplacedWithoutFollowingSymlinks)
{
    ASSERT_EQ(::mkdir(at("victim").c_str(), 0755), 0);
    { std::ofstream(at("victim/keep")) << "keep"; }
    ASSERT_EQ(::mkdir(at(".s").c_str(), 0755), 0);
    ASSERT_EQ(::symlink(at("victim").c_str(), at(".s/link").c_str()), 0);
    ASSERT_EQ(::symlink(at("victim/keep").c_str(), at(".s/run").c_str()), 0);
    EXPECT_OK(hs6::render_slot(fd.get(), ".s", "a", test_options(), ".s"));
    EXPECT_EQ(slurp(at("victim/keep")), "keep");
    EXPECT_FALSE(exists(at(".s/link")));
    struct stat st;
    ASSERT_EQ(::lstat(at(".s/run").c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
}

TEST_F(RenderSlot, InvalidProfileDies100WritingNothing)
{
    EXPECT_ERROR(hs6::render_slot(fd.get(), ".s", "Bad", test_options(), ".s"), 100, "invalid profile name");
    EXPECT_ERROR(hs6::render_slot(fd.get(), ".s", "", test_options(), ".s"), 100, "");
    EXPECT_ERROR(hs6::render_slot(fd.get(), ".s", std::string(243, 'a'), test_options(), ".s"), 100, "");
    EXPECT_FALSE(exists(at(".s")));
}

TEST_F(RenderSlot, StagingMustBeDotPrefixed)
{
    EXPECT_ERROR(hs6::render_slot(fd.get(), "s", "a", test_options(), "s"), 100, "dot-prefixed");
    EXPECT_ERROR(hs6::render_slot(fd.get(), ".", "a", test_options(), "."), 100, "");
    EXPECT_ERROR(hs6::render_slot(fd.get(), "..", "a", test_options(), ".."), 100, "");
    EXPECT_FALSE(exists(at("s")));
}

TEST_F(RenderSlot, BadOptionDies100WritingNothing)
{
    auto o = test_options();
    o.home = "relative";
    EXPECT_ERROR(hs6::render_slot(fd.get(), ".s", "a", o, ".s"), 100, "home");
    EXPECT_FALSE(exists(at(".s")));
}

TEST_F(RenderSlot, PathFormFindsTheParent)
{
    EXPECT_OK(hs6::render_slot(at(".p").c_str(), "a", test_options()));
    EXPECT_TRUE(exists(at(".p/log/run")));
    EXPECT_ERROR(hs6::render_slot(at("nope/.p").c_str(), "a", test_options()), 111, "");
}

} // namespace

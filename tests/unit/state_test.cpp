// parse_state on a table of hostile and ordinary inputs; read_state and
// sweep_runtime_files on real files, FIFOs, symlinks and directories.
#include <hermes-s6/state.hpp>

#include <gtest/gtest.h>

#include "testutil.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

using namespace std::string_literals;

struct Case {
    char const *name;
    std::string json;
    char const *state;
    bool warns;  // parse_state sets a problem
};

std::string nested(std::size_t depth, std::string const &head = "{\"a\":")
{
    return head + std::string(depth, '[');
}

Case const cases[] = {
    // clean files
    {"gateway running", R"({"gateway_state":"running"})", "running", false},
    {"gateway stopped", R"({"gateway_state":"stopped"})", "stopped", false},
    {"draining is running", R"({"gateway_state":"draining"})", "running", false},
    {"degraded is running", R"({"gateway_state":"degraded"})", "running", false},
    {"desired wins", R"({"gateway_state":"running","desired_state":"stopped"})", "stopped", false},
    {"desired verbatim, no mapping", R"({"desired_state":"draining"})", "draining", false},
    {"desired null falls through", R"({"desired_state":null,"gateway_state":"degraded"})", "running", false},
    {"desired null, no gateway", R"({"desired_state":null})", "none", false},
    {"gateway null", R"({"gateway_state":null})", "none", false},
    {"empty object", "{}", "none", false},
    {"other keys only", R"({"pid":12,"x":[1,{"y":null}]})", "none", false},
    {"unknown token passes verbatim", R"({"gateway_state":"starting_up-2"})", "starting_up-2", false},
    {"32-byte token", R"({"gateway_state":")" + std::string(32, 'a') + "\"}", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
    {"duplicate key: last wins", R"({"gateway_state":"stopped","gateway_state":"running"})", "running", false},
    {"duplicate desired: last null wins", R"({"desired_state":"stopped","desired_state":null,"gateway_state":"running"})", "running", false},
    {"nested keys do not count", R"({"x":{"desired_state":"running"},"gateway_state":"stopped"})", "stopped", false},
    {"nested in array do not count", R"({"x":[{"gateway_state":"running"}]})", "none", false},
    {"escaped token decoded", R"({"gateway_state":"\u0072unning"})", "running", false},
    {"BOM then JSON", "\xef\xbb\xbf{\"gateway_state\":\"running\"}", "running", false},
    {"whitespace around", " \n\t{ \"gateway_state\" : \"running\" }\r\n ", "running", false},
    {"huge number elsewhere is fine", R"({"n":123456789012345678901234567890,"gateway_state":"running"})", "running", false},
    {"deep nesting inside a value", nested(100000, R"({"gateway_state":"running","a":)") + std::string(100000, ']') + "}", "running", false},
    // not clean: none and a reason
    {"empty", "", "none", true},
    {"BOM only", "\xef\xbb\xbf", "none", true},
    {"whitespace only", "  \n", "none", true},
    {"invalid UTF-8 byte", "{\"gateway_state\":\"running\",\"x\":\"\xff\"}", "none", true},
    {"overlong UTF-8", "{\"x\":\"\xc0\xaf\",\"gateway_state\":\"running\"}", "none", true},
    {"UTF-8 surrogate", "{\"x\":\"\xed\xa0\x80\",\"gateway_state\":\"running\"}", "none", true},
    {"truncated UTF-8", "{\"gateway_state\":\"running\"}\xe2\x82", "none", true},
    {"Latin-1 file", "{\"gateway_state\":\"running\",\"who\":\"Jos\xe9\"}", "none", true},
    {"invalid JSON", R"({"gateway_state":"running")", "none", true},
    {"trailing comma", R"({"gateway_state":"running",})", "none", true},
    {"single quotes", R"({'gateway_state':'running'})", "none", true},
    {"comment", "{/*x*/\"gateway_state\":\"running\"}", "none", true},
    {"trailing garbage", R"({"gateway_state":"running"} x)", "none", true},
    {"two objects", R"({"gateway_state":"stopped"}{"gateway_state":"running"})", "none", true},
    {"NUL then garbage", "{\"gateway_state\":\"running\"}\0garbage"s, "none", true},
    {"NaN", R"({"gateway_state":"running","x":NaN})", "none", true},
    {"top-level array", R"([{"gateway_state":"running"}])", "none", true},
    {"top-level string", R"("running")", "none", true},
    {"top-level number", "1", "none", true},
    {"top-level null", "null", "none", true},
    {"top-level true", "true", "none", true},
    {"a million [", std::string(1000000, '['), "none", true},
    {"a million [ in an object", nested(1000000), "none", true},
    {"desired number", R"({"desired_state":1,"gateway_state":"running"})", "none", true},
    {"desired bool", R"({"desired_state":true})", "none", true},
    {"desired object", R"({"desired_state":{"v":"running"}})", "none", true},
    {"desired array", R"({"desired_state":["running"]})", "none", true},
    {"gateway number", R"({"gateway_state":0})", "none", true},
    {"gateway object", R"({"gateway_state":{}})", "none", true},
    {"desired bad token does not fall through", R"({"desired_state":"RUNNING","gateway_state":"running"})", "none", true},
    {"newline in token", R"({"gateway_state":"running\nprofile=x"})", "none", true},
    {"= in token", R"({"gateway_state":"x=y"})", "none", true},
    {"space in token", R"({"gateway_state":"running "})", "none", true},
    {"empty token", R"({"gateway_state":""})", "none", true},
    {"33-byte token", R"({"gateway_state":")" + std::string(33, 'a') + "\"}", "none", true},
    {"NUL escape in token", R"({"gateway_state":"running\u0000"})", "none", true},
    {"uppercase", R"({"gateway_state":"Running"})", "none", true},
    {"lone surrogate escape", R"({"gateway_state":"\ud800"})", "none", true},
    {"bad key later after good", R"({"gateway_state":"running","gateway_state":5})", "none", true},
    {"number overflow", R"({"gateway_state":"running","x":1e999})", "none", true},
};

class ParseState : public testing::TestWithParam<Case> {};

TEST_P(ParseState, GivesStateAndReason)
{
    Case const &c = GetParam();
    std::string problem = "stale";
    std::string const state = hs6::parse_state(c.json, problem);
    EXPECT_EQ(state, c.state);
    EXPECT_EQ(!problem.empty(), c.warns) << "problem: " << problem;
    if (c.warns) {
        // The reason never carries the input's bytes: one printable line.
        for (char ch : problem) EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << problem;
        EXPECT_EQ(problem.find("running"), std::string::npos) << problem;
    }
}

std::string case_name(testing::TestParamInfo<Case> const &i)
{
    std::string n;
    for (char const *p = i.param.name; *p; ++p) n.push_back(std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_');
    return n + "_" + std::to_string(i.index);
}

INSTANTIATE_TEST_SUITE_P(Table, ParseState, testing::ValuesIn(cases), case_name);

TEST(Autostarts, OnlyRunning)
{
    EXPECT_TRUE(hs6::autostarts("running"));
    for (char const *s : {"none", "stopped", "draining", "degraded", "Running", "running\n", ""})
        EXPECT_FALSE(hs6::autostarts(s)) << s;
}

// A temporary profile directory, removed afterwards.
class ProfileDir : public hs6_test::TempDirTest {
protected:
    void put(char const *name, std::string const &content)
    {
        ASSERT_TRUE(hs6::write_file(fd.get(), name, content, 0644)) << name;
    }
    bool exists(char const *name)
    {
        struct stat st;
        return hs6::stat_at(fd.get(), name, st);
    }
    std::string read(char const *file = nullptr) { return hs6::read_state(fd.get(), dir.c_str(), file); }
};

TEST_F(ProfileDir, MissingDefaultFileIsNone) { EXPECT_EQ(read(), "none"); }

TEST_F(ProfileDir, ReadsDefaultFile)
{
    put("gateway_state.json", R"({"gateway_state":"draining"})");
    EXPECT_EQ(read(), "running");
    EXPECT_EQ(hs6::read_state(-1, dir.c_str()), "running");  // opens the profile dir itself
}

TEST_F(ProfileDir, RelativeFileUnderProfile)
{
    ASSERT_EQ(::mkdirat(fd.get(), "sub", 0755), 0);
    ASSERT_EQ(::symlinkat("sub", fd.get(), "link"), 0);
    hs6::Fd sub = hs6::open_dir(fd.get(), "sub");
    ASSERT_TRUE(hs6::write_file(sub.get(), "s.json", R"({"desired_state":"stopped"})", 0644));
    EXPECT_EQ(read("sub/s.json"), "stopped");
    EXPECT_EQ(read("./sub//s.json"), "stopped");
    EXPECT_EQ(read("link/s.json"), "none");  // a symlinked directory is not followed
}

TEST_F(ProfileDir, AbsoluteFile)
{
    put("abs.json", R"({"gateway_state":"running"})");
    EXPECT_EQ(read((dir + "/abs.json").c_str()), "running");
}

TEST_F(ProfileDir, RefusesWhatIsNotARegularFile)
{
    put("real.json", R"({"gateway_state":"running"})");
    ASSERT_EQ(::symlinkat("real.json", fd.get(), "gateway_state.json"), 0);
    EXPECT_EQ(read(), "none");
    ASSERT_EQ(::mkfifoat(fd.get(), "fifo", 0644), 0);
    EXPECT_EQ(read("fifo"), "none");  // would block forever if opened for reading without O_NONBLOCK
    ASSERT_EQ(::mkdirat(fd.get(), "dir", 0755), 0);
    EXPECT_EQ(read("dir"), "none");
    ASSERT_EQ(::symlinkat("/dev/null", fd.get(), "null"), 0);
    EXPECT_EQ(read("null"), "none");
    EXPECT_EQ(read("/dev/null"), "none");  // a device, even named directly
    EXPECT_EQ(read("/dev/zero"), "none");
    EXPECT_EQ(read("missing"), "none");
}

TEST_F(ProfileDir, RefusesSocket)
{
    int const s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(s, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::string const p = dir + "/sock";
    ASSERT_LT(p.size(), sizeof a.sun_path);
    std::copy(p.begin(), p.end(), a.sun_path);
    ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
    EXPECT_EQ(read("sock"), "none");
    ::close(s);
}

TEST_F(ProfileDir, SizeLimit)
{
    std::string const ok = R"({"gateway_state":"running","pad":")";
    std::string fits = ok + std::string(hs6::state_file_max - ok.size() - 2, 'x') + "\"}";
    ASSERT_EQ(fits.size(), hs6::state_file_max);
    put("fits.json", fits);
    EXPECT_EQ(read("fits.json"), "running");
    fits.insert(fits.size() - 2, "x");
    put("over.json", fits);
    EXPECT_EQ(read("over.json"), "none");
}

TEST_F(ProfileDir, ProfileDirSymlinkIsNotFollowed)
{
    put("gateway_state.json", R"({"gateway_state":"running"})");
    std::string const link = dir + ".link";
    ASSERT_EQ(::symlink(dir.c_str(), link.c_str()), 0);
    EXPECT_FALSE(hs6::open_profile_dir(link.c_str()));
    EXPECT_FALSE(hs6::open_profile_dir((link + "/").c_str()));
    EXPECT_EQ(hs6::read_state(-1, link.c_str()), "none");
    ::unlink(link.c_str());
}

TEST_F(ProfileDir, SweepRemovesFilesAndLinksOnly)
{
    // outside: a file elsewhere that a planted symlink points to
    std::string const outside = dir + ".outside";
    hs6::Fd o(::open(outside.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    ASSERT_TRUE(o);
    ASSERT_EQ(::symlinkat(outside.c_str(), fd.get(), "gateway.pid"), 0);
    put("processes.json", "[]");
    hs6::sweep_runtime_files(fd.get(), dir.c_str());
    EXPECT_FALSE(exists("gateway.pid"));
    EXPECT_FALSE(exists("processes.json"));
    EXPECT_EQ(::access(outside.c_str(), F_OK), 0);
    ::unlink(outside.c_str());

    hs6::sweep_runtime_files(fd.get(), dir.c_str());  // nothing there: fine
    ASSERT_EQ(::mkdirat(fd.get(), "gateway.pid", 0755), 0);
    hs6::sweep_runtime_files(fd.get(), dir.c_str());  // a directory: warned, left alone
    EXPECT_TRUE(exists("gateway.pid"));
}

} // namespace

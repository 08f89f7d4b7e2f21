// The run-time service's request parsing (src/lib/slotd.cpp) and the
// listing's output formats (src/lib/listing.cpp).
#include <hermes-s6/listing.hpp>
#include <hermes-s6/slotd.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

#include "testutil.hpp"

namespace {

hs6::Error parse(std::vector<char const *> words, hs6::SlotRequest &r)
{
    return hs6::parse_slot_request(hs6::Args(words.data(), words.size()), r);
}

TEST(SlotRequest, AcceptsTheThreeShapes)
{
    hs6::SlotRequest r;
    EXPECT_FALSE(parse({"register", "alpha"}, r));
    EXPECT_EQ(r.verb, hs6::SlotVerb::register_slot);
    EXPECT_EQ(r.name, "alpha");
    EXPECT_EQ(r.start, hs6::StartState::from_environment);
    EXPECT_FALSE(parse({"register", "default", "up"}, r));
    EXPECT_EQ(r.start, hs6::StartState::up);
    EXPECT_FALSE(parse({"register", "b-2_c", "down"}, r));
    EXPECT_EQ(r.start, hs6::StartState::down);
    EXPECT_FALSE(parse({"unregister", "alpha"}, r));
    EXPECT_EQ(r.verb, hs6::SlotVerb::unregister_slot);
}

TEST(SlotRequest, RefusesEverythingElseWith100)
{
    std::string const long_name(243, 'a');
    std::vector<std::vector<char const *>> bad = {
        {},
        {"register"},
        {"register", "alpha", "up", "now"},
        {"register", "alpha", "sideways"},
        {"register", "alpha", ""},
        {"register", "../x"},
        {"register", "a/b"},
        {"register", "Alpha"},
        {"register", "alpha\n"},
        {"register", ""},
        {"register", "-x"},
        {"register", ".hidden"},
        {"register", long_name.c_str()},
        {"unregister"},
        {"unregister", "alpha", "down"},
        {"remove", "alpha"},
        {"REGISTER", "alpha"},
        {"", "alpha"},
    };
    for (auto const &words : bad) {
        hs6::SlotRequest r;
        hs6::Error e = parse(words, r);
        EXPECT_EQ(e.code, hs6::exit_usage) << (words.empty() ? "(none)" : words[0]) << " " << words.size();
        EXPECT_EQ(e.what.find('\n'), std::string::npos) << e.what;
    }
}

TEST(SlotRequest, AnotherUidIsRefusedBeforeAnythingIsTouched)
{
    hs6::SlotdConfig c;
    c.home = "/nonexistent-home";
    c.scandir = "/nonexistent-scandir";
    c.lockfile = "/nonexistent-dir/lock";
    c.uid = 65534;
    hs6::SlotRequest r;
    r.name = "alpha";
    hs6::Error e = hs6::serve_slot_request(c, 65533, r);
    EXPECT_EQ(e.code, hs6::exit_usage);
    EXPECT_NE(e.what.find("65533"), std::string::npos);
}

TEST(Listing, TextAndJson)
{
    std::vector<hs6::SlotStatus> v(2);
    v[0].profile = "alpha";
    v[0].supervised = v[0].up = v[0].want_up = v[0].normally_up = true;
    v[0].pid = 123;
    v[0].seconds = 7;
    v[1].profile = "beta";
    v[1].supervised = true;
    v[1].seconds = 3;
    EXPECT_EQ(hs6::slots_text(v), "alpha up 123 7 want-up normally-up\nbeta down - 3 want-down normally-down\n");
    EXPECT_EQ(hs6::slots_json(v),
              "[{\"profile\":\"alpha\",\"supervised\":true,\"up\":true,\"pid\":123,\"seconds\":7,\"want_up\":true,"
              "\"normally_up\":true,\"ready\":false},"
              "{\"profile\":\"beta\",\"supervised\":true,\"up\":false,\"pid\":null,\"seconds\":3,\"want_up\":false,"
              "\"normally_up\":false,\"ready\":false}]\n");
    EXPECT_EQ(hs6::slots_json({}), "[]\n");
}

TEST(Listing, ReadsAScandirWithoutSupervisors)
{
    char tmpl[] = "/tmp/hs6-list.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    std::string const d = tmpl;
    for (char const *n : {"gateway-b", "gateway-a", "gateway-Bad.Name", ".gateway-c.tmp", "dashboard"})
        ASSERT_EQ(::mkdir((d + "/" + n).c_str(), 0755), 0);
    hs6_test::spit(d + "/gateway-b/down", "");
    ASSERT_EQ(::symlink("gateway-a", (d + "/gateway-link").c_str()), 0);
    std::vector<hs6::SlotStatus> v;
    EXPECT_FALSE(hs6::list_slots(d.c_str(), v));
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].profile, "a");
    EXPECT_TRUE(v[0].normally_up);
    EXPECT_FALSE(v[0].supervised);
    EXPECT_EQ(v[1].profile, "b");
    EXPECT_FALSE(v[1].normally_up);
    EXPECT_EQ(hs6::slots_text(v), "a unsupervised - - want-down normally-up\nb unsupervised - - want-down normally-down\n");
    EXPECT_EQ(hs6::list_slots((d + "/gateway-link").c_str(), v).code, hs6::exit_sys);
    std::system(("rm -rf '" + d + "'").c_str());
}

} // namespace

// Profile names, state tokens and truthy values (src/lib/profile.cpp).
#include <hermes-s6/profile.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using namespace std::string_view_literals;

struct NameCase {
    std::string name; // what the test is called in the output
    std::string value;
};

std::string printable(testing::TestParamInfo<NameCase> const &info) { return info.param.name; }

class ProfileNameValid : public testing::TestWithParam<NameCase> {};
class ProfileNameInvalid : public testing::TestWithParam<NameCase> {};

TEST_P(ProfileNameValid, IsAccepted)
{
    EXPECT_EQ(hs6::profile_name_problem(GetParam().value), nullptr) << "name: " << GetParam().value;
    EXPECT_TRUE(hs6::valid_profile_name(GetParam().value));
}

TEST_P(ProfileNameInvalid, IsRefusedWithAReason)
{
    char const *why = hs6::profile_name_problem(GetParam().value);
    ASSERT_NE(why, nullptr) << "accepted: " << GetParam().value;
    EXPECT_GT(std::string_view(why).size(), 0u);
    EXPECT_FALSE(hs6::valid_profile_name(GetParam().value));
}

INSTANTIATE_TEST_SUITE_P(Table, ProfileNameValid,
    testing::Values(NameCase{"a", "a"}, NameCase{"digit", "0"}, NameCase{"dash_underscore", "a-b_c"},
                    NameCase{"default", "default"}, NameCase{"trailing_dash", "a-"},
                    NameCase{"digits_first", "0work-1_x"},
                    NameCase{"bytes242", std::string(242, 'a')},
                    NameCase{"bytes242_mixed", "z" + std::string(240, '_') + "9"}),
    printable);

INSTANTIATE_TEST_SUITE_P(Table, ProfileNameInvalid,
    testing::Values(NameCase{"empty", ""}, NameCase{"bytes243", std::string(243, 'a')},
                    NameCase{"bytes4096", std::string(4096, 'a')},
                    NameCase{"leading_dash", "-a"}, NameCase{"leading_underscore", "_a"},
                    NameCase{"only_dash", "-"}, NameCase{"uppercase", "Work"},
                    NameCase{"uppercase_inside", "woRk"}, NameCase{"dot", "a.b"},
                    NameCase{"dot_only", "."}, NameCase{"dotdot", ".."}, NameCase{"leading_dot", ".a"},
                    NameCase{"slash", "a/b"}, NameCase{"leading_slash", "/a"},
                    NameCase{"trailing_newline", "a\n"}, NameCase{"embedded_nul", std::string("a\0b", 3)},
                    NameCase{"trailing_nul", std::string("a\0", 2)}, NameCase{"space", "a b"},
                    NameCase{"trailing_space", "a "}, NameCase{"tab", "a\tb"},
                    NameCase{"non_ascii", "caf\xc3\xa9"}, NameCase{"non_ascii_first", "\xc3\xa9t\xc3\xa9"},
                    NameCase{"high_byte", "a\xff"}, NameCase{"colon", "a:b"}, NameCase{"at", "a@b"}),
    printable);

TEST(ProfileName, EmbeddedNulThroughStringView)
{
    // A C string would stop at the NUL and see "a"; the string_view must not.
    EXPECT_NE(hs6::profile_name_problem("a\0b"sv), nullptr);
    EXPECT_NE(hs6::profile_name_problem("\0"sv), nullptr);
    EXPECT_EQ(hs6::profile_name_problem("a"sv), nullptr);
}

TEST(ProfileName, LimitKeepsStagingNameWithinNameMax)
{
    // ".gateway-NAME.tmp" must fit NAME_MAX (255).
    EXPECT_EQ(hs6::profile_name_max, 242u);
    EXPECT_LE(std::string_view(".gateway-").size() + hs6::profile_name_max + std::string_view(".tmp").size(), 255u);
}

TEST(StateToken, Valid)
{
    for (std::string_view s : {"running"sv, "stopped"sv, "none"sv, "a"sv, "0"sv, "_"sv, "-"sv, "-x"sv,
                               "start_failed-2"sv})
        EXPECT_TRUE(hs6::valid_state_token(s)) << s;
    EXPECT_TRUE(hs6::valid_state_token(std::string(32, 'r')));
}

TEST(StateToken, Invalid)
{
    for (std::string_view s : {""sv, "Running"sv, "RUNNING"sv, "run ning"sv, "running\n"sv, "a.b"sv, "a/b"sv,
                               "\"running\""sv, "a\0b"sv, "\0"sv, "r\xc3\xa9"sv, "a:b"sv})
        EXPECT_FALSE(hs6::valid_state_token(s)) << "accepted: " << std::string(s);
    EXPECT_FALSE(hs6::valid_state_token(std::string(33, 'r')));
}

TEST(Truthy, TheSevenSpellings)
{
    for (char const *s : {"1", "true", "TRUE", "True", "yes", "YES", "Yes"}) EXPECT_TRUE(hs6::truthy(s)) << s;
}

TEST(Truthy, EverythingElseIsFalse)
{
    EXPECT_FALSE(hs6::truthy(nullptr));
    for (char const *s : {"", "0", "false", "no", "on", "y", "Y", "tRUE", "tRue", "yEs", "yes ", " yes", "1\n",
                          "01", "true\n", "TRUE!", "2"})
        EXPECT_FALSE(hs6::truthy(s)) << "accepted: \"" << s << "\"";
}

TEST(MultiplexTruthy, UpstreamRule)
{
    for (char const *s : {"1", "true", "TRUE", "tRuE", "yes", "YES", "on", "On", "ON", " on", "yes ", "\t1\n",
                          " \r\ntrue \n"})
        EXPECT_TRUE(hs6::multiplex_truthy(s)) << "refused: \"" << s << "\"";
    EXPECT_FALSE(hs6::multiplex_truthy(nullptr));
    for (char const *s : {"", " ", "0", "false", "no", "off", "y", "o n", "01", "2", "truee", "yes!", "on\v",
                          "\xc2\xa0on"})
        EXPECT_FALSE(hs6::multiplex_truthy(s)) << "accepted: \"" << s << "\"";
}

TEST(EscapeControl, OneLineWhateverThePathHolds)
{
    EXPECT_EQ(hs6::escape_control("/a/b c"), "/a/b c");
    EXPECT_EQ(hs6::escape_control("a\nb"), "a\\nb");
    EXPECT_EQ(hs6::escape_control("a\r\tb"), "a\\r\\tb");
    EXPECT_EQ(hs6::escape_control(std::string_view("\x1b[2J\0\x7f", 6)), "\\x1b[2J\\x00\\x7f");
    EXPECT_EQ(hs6::escape_control("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_TRUE(hs6::has_control("a\n"));
    EXPECT_FALSE(hs6::has_control("caf\xc3\xa9 ok"));
}

TEST(Names, SlotHiddenAndStaging)
{
    EXPECT_EQ(hs6::slot_name("p1"), "gateway-p1");
    EXPECT_EQ(hs6::staging_name("p1", "x0z"), ".gateway-p1.x0z");
    // The longest profile name still fits NAME_MAX in every form.
    std::string const longest(hs6::profile_name_max, 'a');
    EXPECT_EQ(hs6::staging_name(longest, "abc").size(), 255u);
    EXPECT_EQ(hs6::strip_trailing_slashes("a//"), "a");
    EXPECT_EQ(hs6::strip_trailing_slashes("/"), "/");
    EXPECT_EQ(hs6::strip_trailing_slashes("//"), "/");
}

} // namespace

// Numeric arguments and ids: what a tool accepts for -u, -g, -U and sizes.
#include <hermes-s6/options.hpp>

#include <cstdlib>
#include <gtest/gtest.h>

namespace {

TEST(ParseUint, DecimalOnly)
{
    unsigned v = 7;
    EXPECT_TRUE(hs6::parse_uint("0", v));
    EXPECT_EQ(v, 0u);
    EXPECT_TRUE(hs6::parse_uint("65534", v));
    EXPECT_EQ(v, 65534u);
    EXPECT_TRUE(hs6::parse_uint("4294967295", v));
    for (char const *bad : {"", "-1", "+1", " 1", "1 ", "1x", "0x10", "4294967296", "99999999999999999999"})
        EXPECT_FALSE(hs6::parse_uint(bad, v)) << bad;
    EXPECT_FALSE(hs6::parse_uint(nullptr, v));
}

TEST(NeedId, RefusesTheNoChangeId)
{
    EXPECT_EQ(hs6::need_id("0", "uid"), 0u);
    EXPECT_EQ(hs6::need_id("4294967294", "uid"), 4294967294u);
    // (uid_t)-1 means "leave unchanged" to chown: never an id we set.
    EXPECT_EXIT(hs6::need_id("4294967295", "gid"), testing::ExitedWithCode(100), "invalid gid: 4294967295 is not an id");
    EXPECT_EXIT(hs6::need_id("x", "uid"), testing::ExitedWithCode(100), "invalid uid: not a decimal number");
}

TEST(ParseIdOption, UidGidAndEnvironment)
{
    hs6::Ids ids;
    EXPECT_TRUE(hs6::parse_id_option(ids, 'u', "10000"));
    EXPECT_TRUE(hs6::parse_id_option(ids, 'g', "10001"));
    EXPECT_TRUE(ids.have_uid && ids.have_gid);
    EXPECT_EQ(ids.uid, 10000u);
    EXPECT_EQ(ids.gid, 10001u);
    EXPECT_FALSE(hs6::parse_id_option(ids, 'x', nullptr));

    ::setenv("UID", "65534", 1);
    ::setenv("GID", "65533", 1);
    hs6::Ids env;
    EXPECT_TRUE(hs6::parse_id_option(env, 'U', nullptr));
    EXPECT_EQ(env.uid, 65534u);
    EXPECT_EQ(env.gid, 65533u);
    ::setenv("GID", "4294967295", 1);
    EXPECT_EXIT(hs6::parse_id_option(env, 'U', nullptr), testing::ExitedWithCode(100), "GID in the environment");
    ::unsetenv("GID");
    EXPECT_EXIT(hs6::parse_id_option(env, 'U', nullptr), testing::ExitedWithCode(100), "UID or GID is unset");
    ::unsetenv("UID");
}

} // namespace

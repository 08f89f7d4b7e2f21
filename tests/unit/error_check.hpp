// Checks on hs6::Error for the unit tests: success, or a given exit code
// and a message that matches a regular expression.
#pragma once

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include <hermes-s6/error.hpp>

namespace hs6_test {

inline testing::AssertionResult succeeded(hs6::Error const &e)
{
    if (!e) return testing::AssertionSuccess();
    return testing::AssertionFailure() << "Error " << e.code << ": " << e.message();
}

inline testing::AssertionResult failed_with(hs6::Error const &e, int code, std::string const &re)
{
    if (!e) return testing::AssertionFailure() << "succeeded, wanted Error " << code;
    if (e.code != code) return testing::AssertionFailure() << "Error " << e.code << " (wanted " << code << "): " << e.message();
    if (!std::regex_search(e.message(), std::regex(re)))
        return testing::AssertionFailure() << "message \"" << e.message() << "\" does not match " << re;
    return testing::AssertionSuccess();
}

} // namespace hs6_test

#define EXPECT_OK(x) EXPECT_TRUE(hs6_test::succeeded(x))
#define ASSERT_OK(x) ASSERT_TRUE(hs6_test::succeeded(x))
#define EXPECT_ERROR(x, code, re) EXPECT_TRUE(hs6_test::failed_with((x), (code), (re)))

// Checks on hs6::Error for the unit tests: success, or a given exit code
// and a message that matches a regular expression.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include <hermes-s6/error.hpp>

namespace hs6_test {

// Defined in testutil.cpp: std::regex is compiled once, not in every test
// file that checks an Error.
testing::AssertionResult succeeded(hs6::Error const &e);
testing::AssertionResult failed_with(hs6::Error const &e, int code, std::string const &re);

} // namespace hs6_test

#define EXPECT_OK(x) EXPECT_TRUE(hs6_test::succeeded(x))
#define ASSERT_OK(x) ASSERT_TRUE(hs6_test::succeeded(x))
#define EXPECT_ERROR(x, code, re) EXPECT_TRUE(hs6_test::failed_with((x), (code), (re)))

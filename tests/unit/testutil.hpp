// Small file helpers the unit tests share.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>

namespace hs6_test {

// The whole content of path ("" when it cannot be read).
inline std::string slurp(std::string const &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Writes content to path, then sets mode (a failure fails the test).
inline void spit(std::string const &path, std::string const &content, mode_t mode = 0644)
{
    {
        std::ofstream out(path, std::ios::binary);
        out << content;
    }
    ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

// Whether path exists, symlinks not followed.
inline bool exists(std::string const &path)
{
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

} // namespace hs6_test

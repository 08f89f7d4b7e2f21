// The headers the unit tests include, GoogleTest first, precompiled once
// by the Makefile (PCH=1, the default) and force-included before each
// test file's own includes. Standard, POSIX, {fmt} and GoogleTest only.
#include <gtest/gtest.h>

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

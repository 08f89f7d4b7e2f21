// What every hermes-s6 binary does before the tool itself, in the
// one-binary-per-tool build (one.cpp) and in the multicall binary
// (hermes-s6.cpp) alike: -V, alone, prints "NAME VERSION" and exits 0.
#pragma once

// No <string> or {fmt} here: one.cpp is compiled once per tool, and
// these few lines are all it needs.
#include <cstring>
#include <sys/uio.h>

#ifndef HS6_VERSION
#error "HS6_VERSION is set by the Makefile, from package/info"
#endif

namespace hs6 {

// The main of a tool: src/tools/hermes-readstate.cpp defines
// hermes_readstate_main, and so on.
using ToolMain = int (*)(int, char const *const *);

inline int print_version(char const *name)
{
    static char const rest[] = " " HS6_VERSION "\n";
    iovec v[2] = {{const_cast<char *>(name), std::strlen(name)}, {const_cast<char *>(rest), sizeof rest - 1}};
    return ::writev(1, v, 2) == static_cast<ssize_t>(v[0].iov_len + v[1].iov_len) ? 0 : 111;
}

inline int run_tool(char const *name, ToolMain tool, int argc, char const *const *argv)
{
    if (argc == 2 && !std::strcmp(argv[1], "-V")) return print_version(name);
    return tool(argc, argv);
}

} // namespace hs6

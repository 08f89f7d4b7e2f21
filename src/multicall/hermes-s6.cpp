// hermes-s6: every tool in one binary, skarnet's multicall way
// (./configure --enable-multicall, and make dist). Each tool is a symlink
// to it, and the basename of argv[0] says which tool runs; or the first
// argument does, as in "hermes-s6 hermes-readstate /opt/data".
#include "tool.hpp"

#include <cstdlib>
#include <string>
#include <string_view>
#include <unistd.h>

// The table, generated from package/targets.mak's BIN_TARGETS: one line
// HS6_TOOL("hermes-readstate", hermes_readstate_main) per tool.
#define HS6_TOOL(name, fn) int fn(int, char const *const *);
#include <multicall-tools.h>
#undef HS6_TOOL

namespace {

struct Tool {
    std::string_view name;
    hs6::ToolMain main;
};

#define HS6_TOOL(name, fn) {name, fn},
constexpr Tool tools[] = {
#include <multicall-tools.h>
};
#undef HS6_TOOL

constexpr char const USAGE[] = "hermes-s6: usage: hermes-s6 [ -V ] TOOL [ args... ], or TOOL [ args... ] with TOOL a link to hermes-s6; TOOL is one of:";

void say(std::string_view s) { (void)!::write(2, s.data(), s.size()); }

[[noreturn]] void usage()
{
    say(USAGE);
    for (Tool const &t : tools) { say(" "); say(t.name); }
    say("\n");
    std::_Exit(100);
}

Tool const *find(std::string_view name)
{
    for (Tool const &t : tools)
        if (t.name == name) return &t;
    return nullptr;
}

} // namespace

int main(int argc, char const *const *argv)
{
    if (argc < 1 || !argv[0]) usage();
    std::string_view name = argv[0];
    if (auto slash = name.rfind('/'); slash != name.npos) name.remove_prefix(slash + 1);
    if (name == "hermes-s6") {
        if (argc < 2) usage();
        if (argc == 2 && !std::strcmp(argv[1], "-V")) return hs6::print_version("hermes-s6");
        name = argv[1];
        argc--;
        argv++;
    }
    Tool const *t = find(name);
    if (!t) {
        say("hermes-s6: fatal: unknown tool: ");
        std::string shown;  // escaped, one line
        for (unsigned char c : name.substr(0, 100)) {
            if (c >= 0x20 && c < 0x7f && c != '\\') shown.push_back(static_cast<char>(c));
            else { char const hex[] = "0123456789abcdef"; shown.append("\\x").push_back(hex[c >> 4]); shown.push_back(hex[c & 15]); }
        }
        say(shown);
        say(" (see hermes-s6 with no argument for the list)\n");
        return 100;
    }
    return hs6::run_tool(t->name.data(), t->main, argc, argv);
}

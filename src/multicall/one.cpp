// The main of one tool's own binary (the default build, one binary per
// tool): compiled once per tool, with HS6_TOOL_NAME ("hermes-readstate")
// and HS6_TOOL_MAIN (hermes_readstate_main) set by the Makefile.
#include "tool.hpp"

int HS6_TOOL_MAIN(int, char const *const *);

int main(int argc, char const *const *argv)
{
    return hs6::run_tool(HS6_TOOL_NAME, HS6_TOOL_MAIN, argc, argv);
}

// Command-line parsing shared by every tool: skalibs' subgetopt_r, numeric ids.
#pragma once

#include <span>
#include <string_view>
#include <sys/types.h>

extern "C" {
#include <skalibs/sgetopt.h>
}

#include <hermes-s6/die.hpp>

namespace hs6 {

using Args = std::span<char const *const>;

// Parses the options of argv with optstring (getopt syntax), calling
// on_option(letter, argument-or-nullptr) for each; dies with the usage on an
// unknown option or a missing argument. Returns the remaining arguments.
template <class F>
Args parse_options(int argc, char const *const *argv, char const *optstring, F &&on_option,
                   std::string_view usage)
{
    subgetopt l = SUBGETOPT_ZERO;
    l.err = 0;
    for (;;) {
        int const c = subgetopt_r(argc, argv, optstring, &l);
        if (c == -1) break;
        if (c == '?' || c == ':') die_usage(usage);
        on_option(static_cast<char>(c), l.arg);
    }
    return Args(argv + l.ind, static_cast<std::size_t>(argc - l.ind));
}

// A decimal number that fits in unsigned int, nothing else (no sign, no
// spaces, no trailing bytes). Returns false when s is not one.
bool parse_uint(char const *s, unsigned &out);
// parse_uint, or die 100 naming what the argument was for.
unsigned need_uint(char const *s, std::string_view what);

// Numeric user and group, as given with -u/-g or taken with -U from the
// UID/GID variables that s6-envuidgid sets.
struct Ids {
    uid_t uid = 0;
    gid_t gid = 0;
    bool have_uid = false;
    bool have_gid = false;
};
// Fills ids from UID and GID in the environment; dies 100 when either is
// unset or not a number.
void ids_from_env(Ids &ids);

} // namespace hs6

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
// need_uint, refusing 4294967295 too: (uid_t)-1 means "no change" to chown.
unsigned need_id(char const *s, std::string_view what);
// Fills ids from UID and GID in the environment; dies 100 when either is
// unset or not an id.
void ids_from_env(Ids &ids);
// The -u uid, -g gid and -U options of a tool's option loop: true when c
// was one of them (ids filled in), false for any other letter.
bool parse_id_option(Ids &ids, char c, char const *arg);

} // namespace hs6

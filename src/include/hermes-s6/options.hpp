// Command-line parsing shared by every tool: skalibs' subgetopt_r, numeric
// ids. The library functions return Errors; the need_* and parse_*
// helpers below are for tools' option loops, inline here, and die.
#pragma once

#include <string_view>
#include <sys/types.h>

extern "C" {
#include <skalibs/sgetopt.h>
}

#include <hermes-s6/args.hpp>
#include <hermes-s6/die.hpp>

namespace hs6 {

// A decimal number that fits in unsigned int, nothing else (no sign, no
// spaces, no trailing bytes). Returns false when s is not one.
bool parse_uint(char const *s, unsigned &out);
// parse_uint, or an Error 100 naming what the argument was for.
[[nodiscard]] Error read_uint(char const *s, std::string_view what, unsigned &out);
// read_uint, refusing 4294967295 too: (uid_t)-1 means "no change" to chown.
[[nodiscard]] Error read_id(char const *s, std::string_view what, unsigned &out);

// Numeric user and group, as given with -u/-g or taken with -U from the
// UID/GID variables that s6-envuidgid sets.
struct Ids {
    uid_t uid = 0;
    gid_t gid = 0;
    bool have_uid = false;
    bool have_gid = false;
};
// Fills ids from UID and GID in the environment; an Error 100 when either
// is unset or not an id.
[[nodiscard]] Error ids_from_env(Ids &ids);
// The -u uid, -g gid and -U options: matched tells whether c was one of
// them (ids filled in).
[[nodiscard]] Error read_id_option(Ids &ids, char c, char const *arg, bool &matched);

// ---- for tools: these end the process on a bad argument ----

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

inline unsigned need_uint(char const *s, std::string_view what)
{
    unsigned v = 0;
    if (Error e = read_uint(s, what, v)) die(e);
    return v;
}

inline unsigned need_id(char const *s, std::string_view what)
{
    unsigned v = 0;
    if (Error e = read_id(s, what, v)) die(e);
    return v;
}

inline bool parse_id_option(Ids &ids, char c, char const *arg)
{
    bool matched = false;
    if (Error e = read_id_option(ids, c, arg, matched)) die(e);
    return matched;
}

} // namespace hs6

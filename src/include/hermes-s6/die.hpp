// Messages and exit codes shared by every tool (SPEC.md, "Conventions").
#pragma once

#include <cerrno>
#include <string_view>

// The exit codes, hs6::Error and fmt::format (<fmt/core.h>; FMT_FLAGS).
#include <hermes-s6/error.hpp>

namespace hs6 {

// The name every message starts with; each tool sets it first thing.
extern char const *prog;

// When set, called by die() and die_usage() with the exit code, after the
// message and before the exit (cleared first: it runs once): a tool that
// holds its messages back (hermes-slot-server) sends them there.
extern void (*before_exit)(int code);

// The text of an errno value, as strerror() gives it in the C locale.
char const *error_text(int err);

// "PROG: fatal: MSG", then exit(code).
[[noreturn]] void die(int code, std::string_view msg);
// "PROG: fatal: unable to WHAT: strerror(err)", then exit(code).
[[noreturn]] void die_errno(int code, int err, std::string_view what);
// "PROG: fatal: " and e.message(), then exit(e.code): how a tool ends on a
// library Error.
[[noreturn]] void die(Error const &e);
// "PROG: usage: USAGE", then exit 100.
[[noreturn]] void die_usage(std::string_view usage);
// "PROG: warning: MSG".
void warn(std::string_view msg);
// "PROG: warning: unable to WHAT: strerror(err)".
void warn_errno(int err, std::string_view what);

template <class... A>
[[noreturn]] void fatal(int code, fmt::format_string<A...> f, A &&...a)
{
    die(code, fmt::format(f, std::forward<A>(a)...));
}

// Like fatal(), for a failed system call: errno is read before formatting.
template <class... A>
[[noreturn]] void fatal_sys(int code, fmt::format_string<A...> f, A &&...a)
{
    int const err = errno;
    die_errno(code, err, fmt::format(f, std::forward<A>(a)...));
}

template <class... A>
void warnf(fmt::format_string<A...> f, A &&...a)
{
    warn(fmt::format(f, std::forward<A>(a)...));
}

template <class... A>
void warn_sys(fmt::format_string<A...> f, A &&...a)
{
    int const err = errno;
    warn_errno(err, fmt::format(f, std::forward<A>(a)...));
    errno = err;
}

} // namespace hs6

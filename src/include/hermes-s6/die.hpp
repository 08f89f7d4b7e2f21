// Messages and exit codes shared by every tool (SPEC.md, "Conventions").
#pragma once

#include <cerrno>
#include <string_view>

// The Makefile builds {fmt} header-only (FMT_FLAGS); a build without it
// still compiles, with the library's defaults.
#ifndef FMT_HEADER_ONLY
#define FMT_HEADER_ONLY
#endif
#include <fmt/format.h>

namespace hs6 {

inline constexpr int exit_no = 1;          // a documented "no"
inline constexpr int exit_timeout = 99;
inline constexpr int exit_usage = 100;     // wrong usage or invalid argument
inline constexpr int exit_sys = 111;       // a system call failed
inline constexpr int exit_cantexec = 126;
inline constexpr int exit_notfound = 127;

// The name every message starts with; each tool sets it first thing.
extern char const *prog;

// The text of an errno value, as strerror() gives it in the C locale.
char const *error_text(int err);

// "PROG: fatal: MSG", then exit(code).
[[noreturn]] void die(int code, std::string_view msg);
// "PROG: fatal: unable to WHAT: strerror(err)", then exit(code).
[[noreturn]] void die_errno(int code, int err, std::string_view what);
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

// The library's one error convention (issue 9).
//
// A function of libhermes-s6 that can fail returns an hs6::Error by value
// and never ends the process; only the tools decide to die, with die(e)
// from die.hpp, which prints the message and exits with e.code. The
// dying helpers in die.cpp and chain() (exec: 126/127) are the only places
// in src/lib that end a process.
//
//   [[nodiscard]] Error publish_slot(...);          // declaration
//   if (Error e = publish_slot(...)) die(e);         // in a tool
//   if (Error e = step(...)) return e;               // in the library
//
// A function that also yields a value takes it as an out-parameter.
// Low-level dirfd primitives (fs.hpp) keep the system's own convention,
// bool or an invalid Fd with errno set, and their callers turn a failure
// into an Error that names what was being done.
//
// An Error is empty (no allocation) on success. On failure it carries the
// exit code a tool gives for it (SPEC.md, "Conventions": 1 a documented
// "no", 99 timeout, 100 invalid argument, 111 a system call failed), the
// errno when a system call failed, and the text of the message line
// without the "PROG: fatal: " prefix: "unable to WHAT: strerror(err)" when
// err is set, else WHAT itself.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>

// fmt::format and fmt::format_string only: the implementation is compiled
// once, in src/lib/fmt.cpp.
#include <fmt/core.h>

namespace hs6 {

inline constexpr int exit_no = 1;          // a documented "no"
inline constexpr int exit_timeout = 99;
inline constexpr int exit_usage = 100;     // wrong usage or invalid argument
inline constexpr int exit_sys = 111;       // a system call failed
inline constexpr int exit_cantexec = 126;
inline constexpr int exit_notfound = 127;

struct [[nodiscard]] Error {
    int code = 0;      // 0: success; else the exit code a tool gives for it
    int err = 0;       // the errno of the failed system call, or 0
    std::string what;  // WHAT of "unable to WHAT: strerror(err)", or the whole message

    explicit operator bool() const { return code != 0; }
    // The message line as a tool prints it after "PROG: fatal: ".
    std::string message() const;
};

inline Error ok() { return {}; }

// "unable to WHAT: strerror(err)": the one form of a failed call's message
// (Error::message, die_errno, warn_errno, the state file's warnings).
std::string unable(std::string_view what, int err);

// A documented answer or an invalid argument: the message is WHAT.
template <class... A>
Error fail(int code, fmt::format_string<A...> f, A &&...a)
{
    return Error{code, 0, fmt::format(f, std::forward<A>(a)...)};
}

// A failed system call: errno is read before formatting; the message is
// "unable to WHAT: strerror(errno)".
template <class... A>
Error fail_sys(int code, fmt::format_string<A...> f, A &&...a)
{
    int const err = errno;
    return Error{code, err, fmt::format(f, std::forward<A>(a)...)};
}

// Same, with the errno given (read earlier, before a cleanup that may
// change it).
template <class... A>
Error fail_errno(int code, int err, fmt::format_string<A...> f, A &&...a)
{
    return Error{code, err, fmt::format(f, std::forward<A>(a)...)};
}

} // namespace hs6

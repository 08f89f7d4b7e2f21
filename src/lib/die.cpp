// Messages and exit codes: one line, one write(2), on stderr.
#include <hermes-s6/die.hpp>

#include <hermes-s6/fs.hpp>
#include <hermes-s6/profile.hpp>

#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace hs6 {

char const *prog = "hermes-s6";
void (*before_exit)(int code) = nullptr;

namespace {

// One line, whatever the message holds: a path with a newline or an
// escape sequence in it is written with its control bytes escaped.
void say(std::string_view kind, std::string_view msg)
{
    std::string line;
    line.reserve(std::strlen(prog) + kind.size() + msg.size() + 4);
    line.append(prog).append(": ").append(kind).append(escape_control(msg)).push_back('\n');
    int const e = errno;
    write_all(2, line);
    errno = e;
}

void run_before_exit(int code)
{
    if (void (*const f)(int) = before_exit) {
        before_exit = nullptr;
        f(code);
    }
}

} // namespace

std::string unable(std::string_view what, int err)
{
    std::string s("unable to ");
    s.append(what).append(": ").append(error_text(err));
    return s;
}

char const *error_text(int err) { return std::strerror(err); }

void die(int code, std::string_view msg)
{
    say("fatal: ", msg);
    run_before_exit(code);
    std::_Exit(code);
}

void die_errno(int code, int err, std::string_view what) { die(code, unable(what, err)); }

std::string Error::message() const { return err ? unable(what, err) : what; }

void die(Error const &e) { die(e.code, e.message()); }

void die_usage(std::string_view usage)
{
    say("usage: ", usage);
    run_before_exit(exit_usage);
    std::_Exit(exit_usage);
}

void warn(std::string_view msg) { say("warning: ", msg); }

void warn_errno(int err, std::string_view what) { warn(unable(what, err)); }

} // namespace hs6

// std::terminate (an exception nobody catches, e.g. std::bad_alloc) ends
// here instead of in libstdc++'s verbose handler, which would link the
// C++ demangler (about 100 KiB) into every static binary.
namespace __gnu_cxx {
void __verbose_terminate_handler()
{
    hs6::die(hs6::exit_sys, "unable to continue: uncaught exception (out of memory?)");
}
} // namespace __gnu_cxx

// The container boot log: one timestamped line per event, appended with a
// single O_APPEND write, rotated to LOGFILE.1 at a size (SPEC.md,
// hermes-bootlog). Usable in-process as well as through the tool.
#pragma once

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>
#include <sys/types.h>

#include <hermes-s6/args.hpp>
#include <hermes-s6/defaults.hpp>
#include <hermes-s6/error.hpp>

namespace hs6 {

// nullptr when word may go into a boot log line, else the reason. A
// control character (newline, carriage return, escape, NUL...) is refused:
// it could forge a line or rewrite one on a terminal.
char const *bootlog_word_problem(std::string_view word);

// The local time of when as %Y-%m-%dT%H:%M:%S%z.
std::string bootlog_timestamp(std::time_t when);

// "TIMESTAMP word1 word2...\n". The words must have passed
// bootlog_word_problem().
std::string bootlog_line(std::time_t when, Args words);

// Appends line (whole lines: it ends with a newline; the boot reconcile
// writes one per profile at once) to logfile in a single write, under an
// flock(2) on the file, waited for at most 5 seconds:
//  - the parent directory is opened without following a symlink, and
//    created (mode 0755) when absent, one level only; with no_symlinks,
//    no component of its path is followed either (root writing a log
//    where another user may have planted a symlink above it);
//  - the file is opened relative to it with O_NOFOLLOW, created 0644 when
//    absent; a symlink, a non-regular file or a file with more than one
//    link is refused and never written;
//  - a file of at least maxbytes (0: never) is first renamed to
//    logfile.1, replacing it; a failed rotation is a warning, and the line
//    is appended to the big file.
// To write as the volume's user, hold an FsIdentity (privilege.hpp)
// around the call. An Error 111 on failure, nothing written.
[[nodiscard]] Error bootlog_append(char const *logfile, std::string_view line, std::size_t maxbytes,
                                   bool no_symlinks = false);

} // namespace hs6

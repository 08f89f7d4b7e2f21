// A profile's prior state, read from gateway_state.json on the volume
// (SPEC.md, hermes-readstate), and the runtime files swept at boot.
//
// The file belongs to the application user and is read by root at
// container boot: whatever it holds, the answer is a state token or
// "none", with at most one warning line that names the file and the
// reason, never its content.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <hermes-s6/fs.hpp>

namespace hs6 {

inline constexpr std::size_t state_file_max = 65536;  // larger files are ignored
inline constexpr char state_file_name[] = "gateway_state.json";
inline constexpr char state_none[] = "none";

// The effective state of a state file's content, pure (no I/O): the
// top-level "desired_state" when present and not null; else
// "gateway_state", with "draining" and "degraded" mapped to "running";
// else "none". A leading UTF-8 BOM is skipped; duplicate keys: the last
// one wins. Anything that is not clean (invalid UTF-8 or JSON, a top
// level that is not an object, a present value that is neither null nor
// a [a-z0-9_-]{1,32} token string) gives "none" and sets problem to a
// short reason that never quotes the input; otherwise problem is cleared.
// A desired_state that is present but not a valid token gives "none": it
// does not fall through to gateway_state, which the user may not want.
// Parsing is iterative: no input depth can exhaust the stack.
std::string parse_state(std::string_view json, std::string &problem);

// Opens profiledir without following a symlink at its last component.
// On failure warns ("PROFILEDIR: REASON (state none)") and returns an
// invalid fd.
Fd open_profile_dir(char const *profiledir);

// Reads the state file of the profile open at dirfd: file (nullptr:
// gateway_state.json) relative to it, every component opened without
// following symlinks, or file itself when absolute (last component not
// followed). dirfd < 0: opens profiledir first with open_profile_dir.
// Only a regular file of at most state_file_max bytes is opened; FIFOs,
// devices, sockets, directories and symlinks are refused from an lstat
// before any open, and the opened file is checked again with fstat.
// Every problem gives "none" and one warning; a missing default file is
// "none" quietly (a profile that never ran has none), a missing -f file
// warns. profiledir is only used in messages.
std::string read_state(int dirfd, char const *profiledir, char const *file = nullptr);

// Removes gateway.pid and processes.json from the profile open at dirfd:
// a symlink is removed itself, a missing entry is fine, a directory of
// that name is left with a warning, as is any other failure.
void sweep_runtime_files(int dirfd, char const *profiledir);

// The one state that starts a gateway at boot: "running".
bool autostarts(std::string_view state);

} // namespace hs6

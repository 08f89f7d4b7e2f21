// The one home of the small rules about names and text: profile names and
// the slot names made from them, state tokens, truthy environment values,
// control bytes, and the names shown in messages and log lines.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hs6 {

inline constexpr std::size_t profile_name_max = 242; // ".gateway-NAME.XXX" fits NAME_MAX
inline constexpr std::size_t state_token_max = 32;

// nullptr when name is a valid profile name ([a-z0-9][a-z0-9_-]*, 1..242
// bytes), else a short reason fit for a message.
char const *profile_name_problem(std::string_view name);
inline bool valid_profile_name(std::string_view name) { return !profile_name_problem(name); }

// A name fit for a log line whatever the directory is called, escaped
// but unaltered: a byte outside [A-Za-z0-9._-] is written \xHH ("../etc"
// is "..\x2fetc"), so the name stays one token with no blank, '=' or
// newline; the first 64 bytes are shown ("..." marks a cut).
std::string loggable_name(std::string_view name);

// [a-z0-9_-]{1,32}
bool valid_state_token(std::string_view s);

// HERMES_DASHBOARD: one of 1 true TRUE True yes YES Yes; null is false.
bool truthy(char const *s);
// GATEWAY_MULTIPLEX_PROFILES, as upstream: 1, true, yes or on, in any
// case, surrounding blanks (space, tab, newline, CR) ignored; null is false.
bool multiplex_truthy(char const *s);

// Whether s holds a control byte (below 0x20, or 0x7f).
bool has_control(std::string_view s);
// s with every control byte written \n, \t, \r or \xHH, so that a
// message stays one line whatever a path holds.
std::string escape_control(std::string_view s);

// path without its trailing slashes ("/" stays "/"). A trailing slash makes
// the kernel resolve a symlink at the last component despite O_NOFOLLOW.
std::string_view strip_trailing_slashes(std::string_view path);

// The names of a profile's slot in a scandir (SPEC.md): gateway-NAME, and
// the staging dir of one render, .gateway-NAME.XXX, XXX unique per
// operation (three of [a-z0-9], see new_staging_dir() in slot.hpp).
inline constexpr char slot_prefix[] = "gateway-";
std::string slot_name(std::string_view profile);
std::string staging_name(std::string_view profile, std::string_view unique);
// The name unpublish hides a slot dir X (a base name, e.g. gateway-NAME)
// under while it tears it down: .X, fixed per slot, so that a rerun (or
// the next publish of X) finds a teardown that was killed halfway and
// finishes it.
std::string hidden_slot_name(std::string_view slot_base);

} // namespace hs6

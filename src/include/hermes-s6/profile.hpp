// Names and tokens that come from the volume: profile names, state tokens,
// truthy environment values.
#pragma once

#include <string_view>

namespace hs6 {

inline constexpr std::size_t profile_name_max = 242; // ".gateway-NAME.tmp" fits NAME_MAX
inline constexpr std::size_t state_token_max = 32;

// nullptr when name is a valid profile name ([a-z0-9][a-z0-9_-]*, 1..242
// bytes), else a short reason fit for a message.
char const *profile_name_problem(std::string_view name);
inline bool valid_profile_name(std::string_view name) { return !profile_name_problem(name); }

// [a-z0-9_-]{1,32}
bool valid_state_token(std::string_view s);

// One of 1 true TRUE True yes YES Yes; a null pointer is false.
bool truthy(char const *s);

} // namespace hs6

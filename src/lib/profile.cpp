// Profile names, state tokens and truthy values.
#include <hermes-s6/profile.hpp>

#include <cstring>

namespace hs6 {

namespace {
bool lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool token_char(char c) { return lower_or_digit(c) || c == '_' || c == '-'; }
} // namespace

char const *profile_name_problem(std::string_view name)
{
    if (name.empty()) return "empty profile name";
    if (name.size() > profile_name_max) return "profile name longer than 242 bytes";
    if (!lower_or_digit(name[0])) return "profile name must start with [a-z0-9]";
    for (char c : name)
        if (!token_char(c)) return "profile name may only contain [a-z0-9_-]";
    return nullptr;
}

bool valid_state_token(std::string_view s)
{
    if (s.empty() || s.size() > state_token_max) return false;
    for (char c : s)
        if (!token_char(c)) return false;
    return true;
}

bool truthy(char const *s)
{
    if (!s) return false;
    for (char const *t : {"1", "true", "TRUE", "True", "yes", "YES", "Yes"})
        if (!std::strcmp(s, t)) return true;
    return false;
}

} // namespace hs6

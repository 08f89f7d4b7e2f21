// Profile names, slot names, state tokens, truthy values, control bytes.
#include <hermes-s6/profile.hpp>

#include <cstring>

namespace hs6 {

namespace {
bool lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool token_char(char c) { return lower_or_digit(c) || c == '_' || c == '-'; }
bool control(unsigned char c) { return c < 0x20 || c == 0x7f; }
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

std::string loggable_name(std::string_view name)
{
    static char const hex[] = "0123456789abcdef";
    std::string s;
    for (unsigned char c : name.substr(0, 64)) {
        bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-';
        if (ok) {
            s.push_back(static_cast<char>(c));
        } else {
            s += "\\x";
            s.push_back(hex[c >> 4]);
            s.push_back(hex[c & 15]);
        }
    }
    if (name.size() > 64) s += "...";
    return s;
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

bool multiplex_truthy(char const *s)
{
    if (!s) return false;
    std::string_view v(s);
    auto const blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!v.empty() && blank(v.front())) v.remove_prefix(1);
    while (!v.empty() && blank(v.back())) v.remove_suffix(1);
    if (v.size() > 4) return false;
    char low[5] = {};
    for (std::size_t i = 0; i < v.size(); ++i) low[i] = v[i] >= 'A' && v[i] <= 'Z' ? char(v[i] - 'A' + 'a') : v[i];
    std::string_view const l(low, v.size());
    return l == "1" || l == "true" || l == "yes" || l == "on";
}

bool has_control(std::string_view s)
{
    for (unsigned char c : s)
        if (control(c)) return true;
    return false;
}

std::string escape_control(std::string_view s)
{
    if (!has_control(s)) return std::string(s);
    static char const hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size() + 8);
    for (unsigned char c : s) {
        if (!control(c)) out.push_back(static_cast<char>(c));
        else if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '\r') out += "\\r";
        else {
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string_view strip_trailing_slashes(std::string_view path)
{
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    return path;
}

std::string slot_name(std::string_view profile) { return std::string(slot_prefix).append(profile); }

std::string hidden_slot_name(std::string_view slot_base) { return "." + std::string(slot_base); }

std::string staging_name(std::string_view profile, std::string_view unique)
{
    return "." + slot_name(profile).append(".").append(unique);
}

} // namespace hs6

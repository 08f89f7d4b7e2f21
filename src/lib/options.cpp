// Numeric arguments and the ids that s6-envuidgid exports.
#include <hermes-s6/options.hpp>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace hs6 {

bool parse_uint(char const *s, unsigned &out)
{
    if (!s || !*s) return false;
    char const *const end = s + std::strlen(s);
    auto const r = std::from_chars(s, end, out, 10);
    return r.ec == std::errc() && r.ptr == end && *s != '+' && *s != '-';
}

unsigned need_uint(char const *s, std::string_view what)
{
    unsigned v;
    if (!parse_uint(s, v)) fatal(exit_usage, "invalid {}: not a decimal number", what);
    return v;
}

void ids_from_env(Ids &ids)
{
    char const *const u = std::getenv("UID");
    char const *const g = std::getenv("GID");
    if (!u || !g) die(exit_usage, "-U given but UID or GID is unset (run under s6-envuidgid)");
    ids.uid = need_uint(u, "UID in the environment");
    ids.gid = need_uint(g, "GID in the environment");
    ids.have_uid = ids.have_gid = true;
}

} // namespace hs6

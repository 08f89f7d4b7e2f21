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

unsigned need_id(char const *s, std::string_view what)
{
    unsigned const v = need_uint(s, what);
    // (uid_t)-1 and (gid_t)-1 mean "leave unchanged" to chown(2): a layout
    // asked for with them would silently stay root's.
    if (v == static_cast<unsigned>(-1)) fatal(exit_usage, "invalid {}: {} is not an id", what, s);
    return v;
}

void ids_from_env(Ids &ids)
{
    char const *const u = std::getenv("UID");
    char const *const g = std::getenv("GID");
    if (!u || !g) die(exit_usage, "-U given but UID or GID is unset (run under s6-envuidgid)");
    ids.uid = need_id(u, "UID in the environment");
    ids.gid = need_id(g, "GID in the environment");
    ids.have_uid = ids.have_gid = true;
}

bool parse_id_option(Ids &ids, char c, char const *arg)
{
    switch (c) {
    case 'u': ids.uid = need_id(arg, "uid"); ids.have_uid = true; return true;
    case 'g': ids.gid = need_id(arg, "gid"); ids.have_gid = true; return true;
    case 'U': ids_from_env(ids); return true;
    default: return false;
    }
}

} // namespace hs6

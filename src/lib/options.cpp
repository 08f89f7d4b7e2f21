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

Error read_uint(char const *s, std::string_view what, unsigned &out)
{
    if (!parse_uint(s, out)) return fail(exit_usage, "invalid {}: not a decimal number", what);
    return ok();
}

Error read_id(char const *s, std::string_view what, unsigned &out)
{
    if (Error e = read_uint(s, what, out)) return e;
    // (uid_t)-1 and (gid_t)-1 mean "leave unchanged" to chown(2): a layout
    // asked for with them would silently stay root's.
    if (out == static_cast<unsigned>(-1)) return fail(exit_usage, "invalid {}: {} is not an id", what, s);
    return ok();
}

Error ids_from_env(Ids &ids)
{
    char const *const u = std::getenv("UID");
    char const *const g = std::getenv("GID");
    if (!u || !g) return fail(exit_usage, "-U given but UID or GID is unset (run under s6-envuidgid)");
    unsigned uid, gid;
    if (Error e = read_id(u, "UID in the environment", uid)) return e;
    if (Error e = read_id(g, "GID in the environment", gid)) return e;
    ids.uid = uid;
    ids.gid = gid;
    ids.have_uid = ids.have_gid = true;
    return ok();
}

Error read_id_option(Ids &ids, char c, char const *arg, bool &matched)
{
    matched = c == 'u' || c == 'g' || c == 'U';
    unsigned v;
    switch (c) {
    case 'u':
        if (Error e = read_id(arg, "uid", v)) return e;
        ids.uid = v;
        ids.have_uid = true;
        return ok();
    case 'g':
        if (Error e = read_id(arg, "gid", v)) return e;
        ids.gid = v;
        ids.have_gid = true;
        return ok();
    case 'U': return ids_from_env(ids);
    default: return ok();
    }
}

} // namespace hs6

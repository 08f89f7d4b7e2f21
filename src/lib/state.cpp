// The prior state of a profile, from a file the application user controls:
// strict UTF-8 and JSON (RapidJSON's iterative SAX reader, so no depth can
// exhaust the stack), only top-level keys count, and every surprise is
// "none" with one warning that never quotes the file.
#include <hermes-s6/state.hpp>

#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/profile.hpp>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hs6 {

namespace {

constexpr std::size_t npos = std::string_view::npos;

// Offset of the first byte that does not start well-formed UTF-8 (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or npos.
std::size_t utf8_error(std::string_view s)
{
    auto const *p = reinterpret_cast<unsigned char const *>(s.data());
    std::size_t const n = s.size();
    std::size_t i = 0;
    while (i < n) {
        unsigned const c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        unsigned lo = 0x80, hi = 0xbf;  // range of the second byte
        if (c >= 0xc2 && c <= 0xdf) len = 2;
        else if (c == 0xe0) len = 3, lo = 0xa0;
        else if (c == 0xed) len = 3, hi = 0x9f;
        else if (c >= 0xe1 && c <= 0xef) len = 3;
        else if (c == 0xf0) len = 4, lo = 0x90;
        else if (c == 0xf4) len = 4, hi = 0x8f;
        else if (c >= 0xf1 && c <= 0xf3) len = 4;
        else return i;
        if (n - i < len || p[i + 1] < lo || p[i + 1] > hi) return i;
        for (std::size_t k = 2; k < len; ++k)
            if ((p[i + k] & 0xc0) != 0x80) return i;
        i += len;
    }
    return npos;
}

// What a top-level key was last seen holding.
enum class Kind { absent, null, token, bad_token, other };

struct Field {
    Kind kind = Kind::absent;
    std::string value;  // when kind is token
};

// SAX handler: records the last value of the top-level desired_state and
// gateway_state, and stops at once on a top level that is not an object.
class TopLevel {
public:
    Field desired, gateway;
    bool not_object = false;

    bool Null() { return value(Kind::null); }
    bool Bool(bool) { return value(Kind::other); }
    bool Int(int) { return value(Kind::other); }
    bool Uint(unsigned) { return value(Kind::other); }
    bool Int64(int64_t) { return value(Kind::other); }
    bool Uint64(uint64_t) { return value(Kind::other); }
    bool Double(double) { return value(Kind::other); }
    bool RawNumber(char const *, rapidjson::SizeType, bool) { return value(Kind::other); }
    bool String(char const *s, rapidjson::SizeType n, bool)
    {
        std::string_view const v(s, n);
        return valid_state_token(v) ? value(Kind::token, v) : value(Kind::bad_token);
    }
    bool StartObject()
    {
        if (depth_ == 0) {
            depth_ = 1;
            return true;
        }
        value(Kind::other);
        ++depth_;
        return true;
    }
    bool Key(char const *s, rapidjson::SizeType n, bool)
    {
        if (depth_ == 1) {
            std::string_view const k(s, n);
            target_ = k == "desired_state" ? &desired : k == "gateway_state" ? &gateway : nullptr;
        }
        return true;
    }
    bool EndObject(rapidjson::SizeType)
    {
        --depth_;
        return true;
    }
    bool StartArray()
    {
        if (!value(Kind::other)) return false;
        ++depth_;
        return true;
    }
    bool EndArray(rapidjson::SizeType)
    {
        --depth_;
        return true;
    }

private:
    std::size_t depth_ = 0;     // containers open
    Field *target_ = nullptr;   // the field the next top-level value is for

    bool value(Kind k, std::string_view v = {})
    {
        if (depth_ == 0) {
            not_object = true;
            return false;  // stops the parse: nothing else matters
        }
        if (depth_ == 1 && target_) {
            target_->kind = k;
            target_->value.assign(k == Kind::token ? v : std::string_view());
            target_ = nullptr;
        }
        return true;
    }
};

// The state a field gives, or nullptr to fall through (absent or null).
char const *field_problem(Field const &f, char const *name, std::string &problem)
{
    switch (f.kind) {
    case Kind::absent:
    case Kind::null: return nullptr;
    case Kind::token: return f.value.c_str();
    case Kind::bad_token: problem = fmt::format("{} is not a state token [a-z0-9_-]{{1,32}}", name); break;
    case Kind::other: problem = fmt::format("{} is not a string", name); break;
    }
    return state_none;
}

// Why st is not a regular file we read.
char const *type_problem(struct stat const &st)
{
    switch (st.st_mode & S_IFMT) {
    case S_IFREG: return nullptr;
    case S_IFLNK: return "a symbolic link: not followed";
    case S_IFDIR: return "not a regular file but a directory";
    case S_IFIFO: return "not a regular file but a FIFO";
    case S_IFCHR: return "not a regular file but a character device";
    case S_IFBLK: return "not a regular file but a block device";
    case S_IFSOCK: return "not a regular file but a socket";
    default: return "not a regular file";
    }
}

std::string too_large() { return fmt::format("larger than {} bytes", state_file_max); }

// Opens the state file name under dirfd (absolute names: from /), with no
// symlink followed in a relative name and none at the last component of an
// absolute one, and only when it is a small regular file. On failure,
// problem says why and missing tells a plain ENOENT; size is the opened
// file's size.
Fd open_state_file(int dirfd, std::string_view name, std::string &problem, bool &missing, std::size_t &size)
{
    missing = false;
    name = strip_trailing_slashes(name);
    Fd parent;
    int at = dirfd;
    if (!name.empty() && name.front() == '/') {
        at = AT_FDCWD;
    } else {
        // A relative name stays in the profile dir: no "..".
        for (std::string_view rest = name; !rest.empty();) {
            std::size_t const slash = rest.find('/');
            if (rest.substr(0, slash) == "..") {
                problem = "a name with .. in it: it would leave the profile directory";
                return Fd();
            }
            if (slash == npos) break;
            rest.remove_prefix(slash + 1);
        }
        // Walk the relative name one component at a time, refusing symlinks.
        for (std::size_t slash; (slash = name.find('/')) != npos; name.remove_prefix(slash + 1)) {
            std::string const comp(name.substr(0, slash));
            if (comp.empty() || comp == ".") continue;
            Fd next = open_dir(at, comp.c_str());
            if (!next) {
                int const err = errno;
                struct stat st;
                missing = err == ENOENT;
                if (err == ELOOP || (err == ENOTDIR && stat_at(at, comp.c_str(), st) && S_ISLNK(st.st_mode)))
                    problem = "a directory in its name is a symbolic link: not followed";
                else problem = unable("open a directory in its name", err);
                return Fd();
            }
            parent = std::move(next);
            at = parent.get();
        }
    }
    std::string const leaf(name.empty() ? "." : name);
    struct stat st;
    if (!stat_at(at, leaf.c_str(), st)) {
        missing = errno == ENOENT;
        problem = missing ? "not found" : unable("stat", errno);
        return Fd();
    }
    if (char const *why = type_problem(st)) {
        problem = why;
        return Fd();
    }
    if (static_cast<std::size_t>(st.st_size) > state_file_max) {
        problem = too_large();
        return Fd();
    }
    // Regular a moment ago; open without following and without blocking,
    // then check that what was opened is still that regular file.
    Fd fd = open_at(at, leaf.c_str(), O_RDONLY);
    if (!fd) {
        missing = errno == ENOENT;
        problem = errno == ELOOP ? "a symbolic link: not followed" : unable("open", errno);
        return Fd();
    }
    struct stat now;
    if (::fstat(fd.get(), &now) < 0) {
        problem = unable("stat", errno);
        return Fd();
    }
    if (char const *why = type_problem(now)) {
        problem = why;
        return Fd();
    }
    if (now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
        problem = "replaced while being opened";
        return Fd();
    }
    size = static_cast<std::size_t>(now.st_size);
    return fd;
}

} // namespace

std::string parse_state(std::string_view json, std::string &problem)
{
    problem.clear();
    std::size_t skipped = 0;
    if (json.substr(0, 3) == "\xef\xbb\xbf") {
        json.remove_prefix(3);
        skipped = 3;
    }
    if (json.empty()) {
        problem = "empty";
        return state_none;
    }
    if (std::size_t const bad = utf8_error(json); bad != npos) {
        problem = fmt::format("invalid UTF-8 at byte {}", bad + skipped);
        return state_none;
    }
    // RapidJSON takes a NUL byte for the end of its input: it would ignore
    // what follows. No JSON text contains one, so refuse it here.
    if (std::size_t const nul = json.find('\0'); nul != npos) {
        problem = fmt::format("invalid JSON at byte {}: a NUL byte", nul + skipped);
        return state_none;
    }

    TopLevel top;
    rapidjson::MemoryStream in(json.data(), json.size());
    rapidjson::Reader reader;
    constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag
                               | rapidjson::kParseValidateEncodingFlag;
    rapidjson::ParseResult const r = reader.Parse<flags>(in, top);
    if (top.not_object) {
        problem = "the top level is not a JSON object";
        return state_none;
    }
    if (r.IsError()) {
        problem = fmt::format("invalid JSON at byte {}: {}", r.Offset() + skipped,
                              rapidjson::GetParseError_En(r.Code()));
        return state_none;
    }

    if (char const *s = field_problem(top.desired, "desired_state", problem)) return s;
    char const *s = field_problem(top.gateway, "gateway_state", problem);
    if (!s) return state_none;
    std::string_view const g(s);
    if (g == "draining" || g == "degraded") return "running";
    return std::string(g);
}

Fd open_profile_dir(char const *profiledir)
{
    Fd fd = open_dir(profiledir);
    if (fd) return fd;
    int const err = errno;
    std::string const p(strip_trailing_slashes(profiledir));
    struct stat st;
    std::string problem;
    if ((err == ELOOP || err == ENOTDIR) && stat_at(AT_FDCWD, p.c_str(), st) && !S_ISDIR(st.st_mode))
        problem = S_ISLNK(st.st_mode) ? "a symbolic link: not followed" : "not a directory";
    else problem = unable("open", err);
    warnf("{}: {} (state none)", profiledir, problem);
    return Fd();
}

std::string read_state(int dirfd, char const *profiledir, char const *file)
{
    Fd own;
    if (dirfd < 0) {
        own = open_profile_dir(profiledir);
        if (!own) return state_none;
        dirfd = own.get();
    }
    char const *const name = file ? file : state_file_name;
    std::string const path = name[0] == '/' ? std::string(name) : join_path(profiledir, name);
    std::string problem;
    bool missing;
    std::size_t size = 0;
    // lstat, open, fstat (open_state_file), one read, close: the
    // checks before and after the open are the user's file's.
    Fd fd = open_state_file(dirfd, name, problem, missing, size);
    std::string state = state_none;
    if (fd) {
        std::string content;
        if (read_fd(fd.get(), state_file_max, content, size)) state = parse_state(content, problem);
        else problem = errno == EFBIG ? too_large() : unable("read", errno);
    } else if (missing && !file) {
        return state;  // a profile that never ran a gateway has no state file
    }
    if (!problem.empty()) warnf("{}: {} (state none)", path, problem);
    return state;
}

void sweep_runtime_files(int dirfd, char const *profiledir)
{
    for (char const *name : {"gateway.pid", "processes.json"}) {
        if (::unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) continue;
        int const err = errno;
        std::string const path = join_path(profiledir, name);
        struct stat st;
        if (err == EISDIR || (stat_at(dirfd, name, st) && S_ISDIR(st.st_mode)))
            warnf("{} is a directory: not removed", path);
        else warn_errno(err, fmt::format("remove {}", path));
    }
}

bool autostarts(std::string_view state) { return state == "running"; }

} // namespace hs6

// The gateway slots of a scandir, read as s6-svstat reads them: the
// status file s6-supervise writes (supervise/status), its lock, the down
// file. Nothing here needs privilege in the group layout.
#include <hermes-s6/listing.hpp>

#include <hermes-s6/fs.hpp>
#include <hermes-s6/profile.hpp>

#include <algorithm>
#include <cstdint>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

extern "C" {
#include <skalibs/tai.h>
}

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace hs6 {

namespace {

// supervise/status as s6-supervise writes it (s6 2.5 up to 2.15): stamp
// (TAI64N, 12 bytes), ready stamp (12), pid (8, big endian), wait status
// (2), flags (1: paused, finishing, want up, ready). Later fields, if any,
// are ignored.
constexpr std::size_t status_size = 35;

std::uint64_t big64(unsigned char const *p)
{
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
    return v;
}

} // namespace

bool supervisor_holds_lock(int svcfd, bool &held)
{
    held = false;
    Fd fd = open_at(svcfd, "supervise/lock", O_RDONLY);
    if (!fd) {
        if (errno == ENOENT) {
            errno = 0;
            return false;
        }
        return false;
    }
    struct flock fl {};
    fl.l_type = F_RDLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd.get(), F_GETLK, &fl) < 0) return false;
    held = fl.l_type != F_UNLCK;
    return true;
}

SlotStatus read_slot_status(int svcfd)
{
    SlotStatus s;
    struct stat st;
    s.normally_up = !stat_at(svcfd, "down", st);
    bool held = false;
    if (!supervisor_holds_lock(svcfd, held) || !held) return s;
    s.supervised = true;
    Fd fd = open_at(svcfd, "supervise/status", O_RDONLY);
    std::string data;
    if (!fd || !read_fd(fd.get(), 4096, data) || data.size() < status_size) return s;
    auto const *p = reinterpret_cast<unsigned char const *>(data.data());
    tain stamp, now, age;
    tain_unpack(data.data(), &stamp);
    std::uint64_t const pid = big64(p + 24);
    unsigned char const flags = p[34];
    bool const finishing = flags & 2;
    s.up = pid && !finishing;
    s.pid = s.up ? static_cast<pid_t>(pid) : 0;
    s.want_up = flags & 4;
    s.ready = s.up && (flags & 8);
    if ((*tain_now)(&now) && tain_sub(&age, &now, &stamp) && !tain_less(&now, &stamp))
        s.seconds = static_cast<long long>(tai_sec(tain_secp(&age)));
    else
        s.seconds = 0;
    return s;
}

Error list_slots(char const *scandir, std::vector<SlotStatus> &out)
{
    out.clear();
    Fd dir = open_dir(scandir);
    if (!dir) return fail_sys(exit_sys, "open {}", scandir);
    int const dfd = ::dup(dir.get());
    if (dfd < 0) return fail_sys(exit_sys, "read {}", scandir);
    DIR *d = ::fdopendir(dfd);
    if (!d) {
        ::close(dfd);
        return fail_sys(exit_sys, "read {}", scandir);
    }
    for (;;) {
        errno = 0;
        struct dirent *e = ::readdir(d);
        if (!e) break;
        std::string_view const name(e->d_name);
        if (!name.starts_with(slot_prefix)) continue;
        std::string_view const profile = name.substr(sizeof slot_prefix - 1);
        if (!valid_profile_name(profile)) continue;
        Fd svc = open_dir(dir.get(), e->d_name);
        if (!svc) continue;  // not a directory, a symlink, or gone meanwhile
        SlotStatus s = read_slot_status(svc.get());
        s.profile = std::string(profile);
        out.push_back(std::move(s));
    }
    int const err = errno;
    ::closedir(d);
    if (err) {
        errno = err;
        return fail_sys(exit_sys, "read {}", scandir);
    }
    std::sort(out.begin(), out.end(), [](auto const &a, auto const &b) { return a.profile < b.profile; });
    return ok();
}

std::string slots_text(std::vector<SlotStatus> const &slots)
{
    std::string out;
    for (auto const &s : slots) {
        out += s.profile;
        out += s.supervised ? (s.up ? " up " : " down ") : " unsupervised ";
        out += s.up ? fmt::format("{}", s.pid) : std::string("-");
        out += s.seconds >= 0 ? fmt::format(" {}", s.seconds) : std::string(" -");
        out += s.want_up ? " want-up" : " want-down";
        out += s.normally_up ? " normally-up\n" : " normally-down\n";
    }
    return out;
}

std::string slots_json(std::vector<SlotStatus> const &slots)
{
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartArray();
    for (auto const &s : slots) {
        w.StartObject();
        w.Key("profile");
        w.String(s.profile.data(), static_cast<rapidjson::SizeType>(s.profile.size()));
        w.Key("supervised");
        w.Bool(s.supervised);
        w.Key("up");
        w.Bool(s.up);
        w.Key("pid");
        if (s.up) w.Int64(s.pid); else w.Null();
        w.Key("seconds");
        if (s.seconds >= 0) w.Int64(s.seconds); else w.Null();
        w.Key("want_up");
        w.Bool(s.want_up);
        w.Key("normally_up");
        w.Bool(s.normally_up);
        w.Key("ready");
        w.Bool(s.ready);
        w.EndObject();
    }
    w.EndArray();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

} // namespace hs6

// The boot reconcile in one process: each profile's steps return an Error,
// and a failed profile is logged, its staging dir removed, and the others
// go on, with no child process per profile.
#include <hermes-s6/reconcile.hpp>

#include <hermes-s6/bootlog.hpp>
#include <hermes-s6/control.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/privilege.hpp>
#include <hermes-s6/profile.hpp>
#include <hermes-s6/publish.hpp>
#include <hermes-s6/skeleton.hpp>
#include <hermes-s6/state.hpp>
#include <hermes-s6/teardown.hpp>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <csignal>
#include <dirent.h>
#include <iterator>
#include <unistd.h>

namespace hs6 {

namespace {

bool by_name(ProfileEntry const &a, ProfileEntry const &b) { return a.name < b.name; }

// Keeps in heap (a max-heap by name) the n entries of smallest name seen
// so far: name goes in if it is among them, and the one it pushes out,
// or name itself when it is not, goes to dropped(). Memory: n entries.
template <class F>
void keep_smallest(std::vector<ProfileEntry> &heap, std::size_t n, std::string_view name, char const *skip, F &&dropped)
{
    if (heap.size() < n) {
        heap.push_back({std::string(name), skip});
        std::push_heap(heap.begin(), heap.end(), by_name);
        return;
    }
    if (heap.empty() || name >= heap.front().name) {
        dropped(name);
        return;
    }
    std::pop_heap(heap.begin(), heap.end(), by_name);
    dropped(std::string_view(heap.back().name));
    heap.back().name.assign(name);
    heap.back().skip = skip;
    std::push_heap(heap.begin(), heap.end(), by_name);
}

} // namespace

ProfileListing list_profiles(int homefd, std::string_view home, unsigned max)
{
    ProfileListing out;
    std::string const root = join_path(home, "profiles");
    Fd fd = open_dir(homefd, "profiles");
    if (!fd) {
        if (errno != ENOENT) warn_sys("open {} (no named profiles registered)", root);
        return out;
    }
    std::vector<ProfileEntry> valid, skipped;
    auto const skip = [&](std::string_view name, char const *why) {
        keep_smallest(skipped, listed_skips_max, name, why, [&](std::string_view) { ++out.unlisted_skips; });
    };
    std::string soul;
    bool const listed = for_each_entry(fd.get(), [&](char const *entry, unsigned char type) {
        std::string_view const name(entry);
        struct stat st;
        if (type == DT_UNKNOWN) {
            if (!stat_at(fd.get(), entry, st)) return true;
            type = S_ISLNK(st.st_mode) ? DT_LNK : S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
        }
        if (type == DT_LNK) {
            skip(name, "a symbolic link: not followed");
            return true;
        }
        if (type != DT_DIR) return true;
        // One look, through NAME (a directory a moment ago; the profile's
        // own open later refuses it if it became a symlink since).
        soul.assign(name).append("/SOUL.md");
        if (!stat_at(fd.get(), soul.c_str(), st)) return true;
        char const *why = profile_name_problem(name);
        if (!why && name == "default") why = "reserved for the root profile's slot";
        if (why) {
            skip(name, why);
            return true;
        }
        keep_smallest(valid, max, name, nullptr, [&](std::string_view dropped) {
            if (out.beyond_cap++ == 0 || dropped < out.first_beyond_cap) out.first_beyond_cap.assign(dropped);
        });
        return true;
    });
    if (!listed) warn_sys("read {} (the profiles after the failure are not registered)", root);
    std::sort_heap(valid.begin(), valid.end(), by_name);
    std::sort_heap(skipped.begin(), skipped.end(), by_name);
    out.entries.reserve(valid.size() + skipped.size());
    std::merge(std::make_move_iterator(valid.begin()), std::make_move_iterator(valid.end()),
               std::make_move_iterator(skipped.begin()), std::make_move_iterator(skipped.end()),
               std::back_inserter(out.entries), by_name);
    return out;
}

unsigned max_profiles(char const *value)
{
    if (!value || !*value) return max_profiles_default;
    unsigned v;
    if (parse_uint(value, v)) return v;
    warnf("HERMES_MAX_PROFILES={}: not a decimal number, using {}", value, max_profiles_default);
    return max_profiles_default;
}

Error count_profile_slots(int scandirfd, unsigned &count)
{
    count = 0;
    Fd fd(::openat(scandirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return fail_sys(exit_sys, "open the scan directory");
    std::string_view const prefix(slot_prefix);
    bool const listed = for_each_entry(fd.get(), [&](char const *entry, unsigned char type) {
        std::string_view const name(entry);
        if (name.substr(0, prefix.size()) != prefix || name == slot_name("default")) return true;
        struct stat st;
        if (type == DT_UNKNOWN && stat_at(fd.get(), entry, st) && S_ISDIR(st.st_mode)) type = DT_DIR;
        if (type == DT_DIR) ++count;
        return true;
    });
    if (!listed) return fail_sys(exit_sys, "read the scan directory");
    return ok();
}

namespace {

struct Outcome {
    std::string profile, state, action;
};

struct Reconcile {
    int scandirfd;
    char const *scandir;
    ReconcileOptions const &o;
    bool seed;                // root: seed the group layout
    char const *multiplex;    // GATEWAY_MULTIPLEX_PROFILES
    Layout layout;
    RenderOptions render;
    std::vector<std::string> dots; // the scandir's dot entries at the start: staging leftovers
    // only_mine(scandirfd): a staging dir made there is this process's
    // alone, and so is every name in it (see fs.hpp).
    bool private_scandir = false;

    // The slot steps of one profile into a staging dir of its own: render,
    // seed, publish. The system calls, per profile (make bench counts
    // them), in a private scandir:
    //   mkdirat the staging dir 0755, openat it (the dirfd below)      2
    //   type, run, finish: openat O_CREAT|O_EXCL with the mode, write,
    //     close; down (a slot that starts down): openat, close      9 (+2)
    //   mkdirat log 0755; log/run by its path: openat, write, close    4
    //   the skeleton of the slot and of log/, 6 each (seed_fresh_slot:
    //     mkdirat, mknodat, fchownat x2, mkdirat, fchmodat)           12
    //   close the staging dir                                          1
    // then publish_slot_at (the slot's lock, the rename). Nothing made
    // here is re-opened or type-checked: root made it a moment ago where
    // no one else can write. In a scandir that others can write (never
    // the case of a real one: whoever can write it can run programs as
    // root), log/ is opened and the careful seed_supervise checks every
    // entry.
    Error register_one(std::string const &name, bool up)
    {
        std::string staging;
        Fd dir;
        if (Error e = new_staging_dir(scandirfd, name, staging, dir)) return e;
        std::string const staging_path = join_path(scandir, staging);
        Error e = render_into(dir.get(), name, render, up, staging_path, private_scandir);
        if (!e && seed)
            e = private_scandir ? seed_fresh_slot(dir.get(), staging_path, layout)
                                : seed_supervise(dir.get(), staging_path.c_str(), layout);
        // dir stays open, and so its flock held (new_staging_dir), until
        // the publish is over: another reconcile's sweep of the slot's
        // staging leftovers leaves this one alone.
        // Render and seed leave their staging dir on failure: a failed
        // profile leaves nothing.
        if (e) {
            if (!remove_tree(scandirfd, staging.c_str())) warn_sys("remove {}", staging_path);
            return e;
        }
        // With -f: a slot left by an earlier boot is exchanged (never one a
        // live s6-supervise holds), under the slot's lock, and what killed
        // runs left of the slot torn down first. publish_slot_at removes
        // its staging dir itself on failure.
        std::string const slot_path = join_path(scandir, slot_name(name));
        return publish_slot_at(scandirfd, scandir, staging_path.c_str(), slot_path.c_str(), true, slot_lock_wait_ms,
                               dots);
    }

    // One profile, its dir open at profilefd (the volume: the user's, so
    // every look there is no-follow and type-checked; the caller's
    // listing made one fstatat of NAME/SOUL.md, and its loop opens NAME
    // O_DIRECTORY|O_NOFOLLOW and closes it: 3): read_state (lstat, which
    // keeps a FIFO or device from ever being opened; openat
    // O_NOFOLLOW|O_NONBLOCK; fstat, the type and size of what was opened;
    // one read; close: 5, or 1 when there is no state file), the sweep
    // (unlinkat x2), then the slot.
    Outcome one(int profilefd, std::string const &profiledir, std::string const &name)
    {
        std::string const state = read_state(profilefd, profiledir.c_str());
        if (!o.dry_run) sweep_runtime_files(profilefd, profiledir.c_str());
        bool const up = slot_starts_up(name, StartState::from_environment, state.c_str(), multiplex);
        if (o.dry_run) return {name, state, up ? "started" : "registered"};
        if (Error e = register_one(name, up)) {
            warnf("profile {}: {}", name, e.message());
            return {name, state, "failed"};
        }
        return {name, state, up ? "started" : "registered"};
    }
};

// Appends the lines to the boot log with the user's file-system ids: the
// volume belongs to the user, so root never writes there as root, and no
// child the user could stop holds the boot. In appends of whole lines, at
// most a sixteenth of the rotation size each (one line at least): the
// log is rotated between them, so no boot takes it far past its size.
Error write_boot_log(std::string const &logfile, std::string_view lines, ReconcileOptions const &o)
{
    FsIdentity as_user;
    if (Error e = as_user.enter(o.uid, o.gid)) return e;
    std::size_t const chunk = o.log_max ? std::max<std::size_t>(o.log_max / 16, 1) : lines.size();
    while (!lines.empty()) {
        std::size_t end = 0;
        while (end < lines.size()) {
            std::size_t const nl = lines.find('\n', end);
            std::size_t const next = nl == lines.npos ? lines.size() : nl + 1;
            if (end > 0 && next > chunk) break;
            end = next;
        }
        if (Error e = bootlog_append(logfile.c_str(), lines.substr(0, end), o.log_max)) return e;
        lines.remove_prefix(end);
    }
    return ok();
}

} // namespace

Error reconcile_profiles(char const *home, char const *scandir, ReconcileOptions const &o, unsigned &failed)
{
    failed = 0;
    UmaskZero exact_modes;  // every entry created with its mode in one call
    Fd homefd, scandirfd;
    if (Error e = need_dir(home, homefd)) return e;
    if (Error e = need_dir(scandir, scandirfd)) return e;

    Reconcile r{scandirfd.get(), scandir, o, ::geteuid() == 0, std::getenv("GATEWAY_MULTIPLEX_PROFILES"), {}, o.render, {}};
    r.layout.gid = o.gid;
    r.layout.event_group = o.event_group;
    // What killed runs left (.gateway-NAME.*), torn down with each
    // profile's publish; one listing for all.
    if (!o.dry_run)
        if (Error e = list_dot_entries(scandirfd.get(), scandir, r.dots)) return e;
    r.private_scandir = only_mine(scandirfd.get());  // one fstat

    std::vector<Outcome> done;
    done.push_back(r.one(homefd.get(), home, "default"));

    // Bounded by the cap, not by what the user put there: the profiles
    // and skipped entries listed get a line each, the rest one line.
    std::string const root = join_path(home, "profiles");
    ProfileListing listing = list_profiles(homefd.get(), home, o.max_profiles);
    Fd profilesfd = listing.entries.empty() ? Fd() : open_dir(homefd.get(), "profiles");
    for (auto const &p : listing.entries) {
        if (p.skip) {
            warnf("skipping {}/{}: {}", root, loggable_name(p.name), p.skip);
            done.push_back({loggable_name(p.name), state_none, "skipped"});
            continue;
        }
        std::string const dir = join_path(root, p.name);
        Fd pd = profilesfd ? open_dir(profilesfd.get(), p.name.c_str()) : Fd();
        if (!pd) {
            warn_sys("open {}", dir);
            done.push_back({p.name, state_none, "failed"});
            continue;
        }
        done.push_back(r.one(pd.get(), dir, p.name));
    }
    std::vector<std::string> counted;
    if (listing.unlisted_skips) {
        warnf("skipping {} more entries of {} (invalid names, symbolic links, default): only the first {} are named",
              listing.unlisted_skips, root, listed_skips_max);
        counted.push_back(fmt::format("skipped={} reason=invalid_name_or_type", listing.unlisted_skips));
    }
    if (listing.beyond_cap) {
        warnf("{} profiles beyond HERMES_MAX_PROFILES={} skipped, from {}/{} on", listing.beyond_cap,
              o.max_profiles, root, loggable_name(listing.first_beyond_cap));
        counted.push_back(fmt::format("skipped={} reason=beyond_max_profiles max={} first={}", listing.beyond_cap,
                                      o.max_profiles, loggable_name(listing.first_beyond_cap)));
    }

    std::time_t const now = std::time(nullptr);
    std::string const stamp = bootlog_timestamp(now);
    std::string lines, out;
    auto const line = [&](std::string const &fields) {
        lines += fmt::format("{} {}\n", stamp, fields);
        out += fmt::format("{}: {}\n", o.dry_run ? "dry run" : "reconcile", fields);
    };
    for (auto const &d : done) {
        line(fmt::format("profile={} prior_state={} action={}", d.profile, d.state, d.action));
        if (d.action == "failed") ++failed;
    }
    for (auto const &c : counted) line(c);
    // s6-svscan sees the new slots at once, when one listens: one rescan
    // for all.
    if (!o.dry_run) tell_svscan(scandirfd.get(), "a");
    // The boot log first: a closed stdout must not cost it.
    if (!o.dry_run) {
        std::string const logfile = o.logfile.empty() ? join_path(home, default_bootlog) : o.logfile;
        if (Error e = write_boot_log(logfile, lines, o)) {
            warn(e.message());
            warnf("the boot log {} was not written", logfile);
        }
    }
    if (!write_nopipe(1, out)) return fail_sys(exit_sys, "write to stdout");
    return ok();
}

} // namespace hs6

// Rendering a slot: the service directory s6-supervise runs a profile's
// gateway from (SPEC.md, hermes-render-slot).
#pragma once

#include <string>
#include <string_view>

#include <hermes-s6/defaults.hpp>
#include <hermes-s6/error.hpp>
#include <hermes-s6/fs.hpp>

#ifndef HS6_SHEBANGDIR
#define HS6_SHEBANGDIR "/command"
#endif

namespace hs6 {

enum class StartState { from_environment, up, down };

// A rendered slot's timeout-kill (s6-supervise): SIGKILL to a gateway
// still alive this many milliseconds after its SIGTERM.
inline constexpr unsigned timeout_kill_ms = 3000;
inline constexpr char timeout_kill_text[] = "3000\n";

struct RenderOptions {
    StartState start = StartState::from_environment; // -u / -d
    std::string home = default_home;                 // -h
    std::string user = default_user;                 // -r
    std::string shebangdir = HS6_SHEBANGDIR;         // -b: where execlineb is at run time
    bool contenv = true;                             // -E clears it
    std::string prog = default_prog;                 // -x
};

// Whether the slot starts up. An explicit up or down wins; otherwise up
// only when gateway_state is "running" and, for a profile other than
// "default", multiplex is not multiplex_truthy() (profile.hpp). Null
// pointers mean unset.
bool slot_starts_up(std::string_view profile, StartState start, char const *gateway_state,
                    char const *multiplex);

// A word for an execlineb script: double-quoted, with \ and " escaped.
std::string execline_quote(std::string_view s);

// nullptr when the options can be put in scripts, else the reason: home
// must be absolute, home, user and prog non-empty and free of control
// characters, shebangdir absolute, free of blanks and control characters,
// and short enough for a shebang line. ("bindir" is only ever the
// binaries' dir, configure's --bindir.)
char const *render_options_problem(RenderOptions const &o);

// The scripts, as written to the slot.
std::string render_run(std::string_view profile, RenderOptions const &o);
std::string render_finish(RenderOptions const &o);
std::string render_log_run(std::string_view profile, RenderOptions const &o);

// 100 unless base (path in messages) is a name for a staging dir:
// dot-prefixed, one component, and not a slot's hidden name.
[[nodiscard]] Error staging_problem(std::string_view base, std::string_view path);

// Writes a fresh slot for profile into the directory staging under
// parentfd: a leftover staging is removed first (no symlink followed; one
// that has a supervise/lock, a tree a supervisor ran on, is refused with
// 1: hermes-render-slot tears it down first), then type, run, finish,
// timeout-kill, log/run (0755) and down when the slot starts down
// (decided from the environment unless o.start says). An Error 100
// on an invalid profile, staging name (must start with a dot) or option,
// before writing anything; an Error 111 on a failed system call, after
// removing what it wrote. path names staging in messages.
[[nodiscard]] Error render_slot(int parentfd, char const *staging, std::string_view profile,
                                RenderOptions const &o, std::string_view path);
// Same, with stagingdir a path whose parent is opened without following a
// symlink at its last component.
[[nodiscard]] Error render_slot(char const *stagingdir, std::string_view profile, RenderOptions const &o);

// Writes the slot's files into the empty directory open at dirfd, starting
// up or down as told, with nothing checked (render_slot's checks are the
// caller's). On failure, what was written stays: the caller removes it.
// private_dir: the directory at dirfd was made by this process inside one
// that only_mine() (fs.hpp) holds true of, under UmaskZero: log/ is made
// with one mkdirat and log/run written through its path, not re-opened.
[[nodiscard]] Error render_into(int dirfd, std::string_view profile, RenderOptions const &o, bool up,
                                std::string_view path, bool private_dir = false);

// Creates a staging dir for profile under parentfd that no other
// operation uses: .gateway-NAME.XXX (profile.hpp, staging_name), XXX three
// random [a-z0-9], made unique by mkdirat's EEXIST (another name is tried).
// 0755, the caller's; name and dir are set to it. dir holds an flock on
// it while open: a publish of the slot does not take it for a leftover.
[[nodiscard]] Error new_staging_dir(int parentfd, std::string_view profile, std::string &name, Fd &dir);

} // namespace hs6

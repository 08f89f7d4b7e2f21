// Rendering a slot: the service directory s6-supervise runs a profile's
// gateway from (SPEC.md, hermes-render-slot).
#pragma once

#include <string>
#include <string_view>

#ifndef HS6_SHEBANGDIR
#define HS6_SHEBANGDIR "/command"
#endif

namespace hs6 {

enum class StartState { from_environment, up, down };

struct RenderOptions {
    StartState start = StartState::from_environment; // -u / -d
    std::string home = "/opt/data";                  // -h
    std::string user = "hermes";                     // -r
    std::string bindir = HS6_SHEBANGDIR;             // -b: where execlineb is at run time
    bool contenv = true;                             // -E clears it
    std::string prog = "hermes";                     // -x
};

// Whether the slot starts up. An explicit up or down wins; otherwise up
// only when gateway_state is "running" and, for a profile other than
// "default", multiplex is not truthy. Null pointers mean unset.
bool slot_starts_up(std::string_view profile, StartState start, char const *gateway_state,
                    char const *multiplex);

// A word for an execlineb script: double-quoted, with \ and " escaped.
std::string execline_quote(std::string_view s);

// nullptr when the options can be put in scripts, else the reason: home
// must be absolute, home, user and prog non-empty and free of control
// characters, bindir absolute, free of blanks and control characters, and
// short enough for a shebang line.
char const *render_options_problem(RenderOptions const &o);

// The scripts, as written to the slot.
std::string render_run(std::string_view profile, RenderOptions const &o);
std::string render_finish(RenderOptions const &o);
std::string render_log_run(std::string_view profile, RenderOptions const &o);

// Writes a fresh slot for profile into the directory staging under
// parentfd: a leftover staging is removed first (no symlink followed),
// then type, run, finish, log/run (0755) and down when the slot starts
// down (decided from the environment unless o.start says). Dies 100 on an
// invalid profile, staging name (must start with a dot) or option, before
// writing anything; dies 111 on a failed system call, after removing what
// it wrote. path names staging in messages.
void render_slot(int parentfd, char const *staging, std::string_view profile, RenderOptions const &o,
                 std::string_view path);
// Same, with stagingdir a path whose parent is opened without following a
// symlink at its last component.
void render_slot(char const *stagingdir, std::string_view profile, RenderOptions const &o);

} // namespace hs6

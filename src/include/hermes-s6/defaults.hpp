// The defaults that the tools, the library and the scripts share. The
// execline scripts (src/etc) spell the same values in their importas -D
// lines; change both together.
#pragma once

#include <cstddef>

namespace hs6 {

inline constexpr char default_home[] = "/opt/data";        // HERMES_HOME
inline constexpr char default_scandir[] = "/run/service";  // S6_PROFILE_GATEWAY_SCANDIR
inline constexpr char default_user[] = "hermes";           // HERMES_USER: the gateway's user
inline constexpr char default_prog[] = "hermes";           // HERMES_GATEWAY_PROG: the gateway program
inline constexpr char default_slotd_socket[] = "/run/hermes-slotd/socket";  // HERMES_SLOTD_SOCKET
inline constexpr char default_bootlog[] = "logs/container-boot.log";  // under HERMES_HOME
inline constexpr std::size_t bootlog_max_default = 262144; // 256 KiB, then rotated to .1

// HERMES_MAX_PROFILES: how many named profiles get a slot, besides the
// default one. Each slot costs two s6-supervise processes (the gateway and
// its logger) in the s6-svscan that supervises /run/service, which in
// s6-overlay v3 is PID 1's, shared with every other service of the
// container. s6-svscan stops at 1000 services, loggers included (-C, its
// default in s6 2.11 as Debian ships it and in s6 2.15 as s6-overlay 3.2
// pins it; s6-overlay does not change it): 500 slots would leave nothing
// for the container's own services. 100 slots (202 supervisors with the
// default one) leave 798 for them, and are more gateways than one
// container runs well.
inline constexpr unsigned max_profiles_default = 100;

} // namespace hs6

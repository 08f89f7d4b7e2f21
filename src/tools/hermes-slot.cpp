// hermes-slot: the application user's client of hermes-slotd. A thin
// layer over s6-sudoc, as s6-sudo is: it connects to the service's socket
// itself (so that a service that is not there is named as such, with the
// variable that says where it is), then the request goes to the server as
// it is given, and the server's message and exit code come back unchanged.
#include <hermes-s6/chain.hpp>
#include <hermes-s6/defaults.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/options.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

static char const USAGE[] = "hermes-slot [ -s socket ] register NAME [ up | down ] | unregister NAME";

// A connected stream socket to path, on fds 6 and 7 (what s6-ipcclient
// gives s6-sudoc); dies with a message that names hermes-slotd and
// HERMES_SLOTD_SOCKET when nothing is there.
static void connect_slotd(char const *path)
{
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (std::strlen(path) >= sizeof sa.sun_path)
        hs6::fatal(hs6::exit_usage, "socket path too long: {} (HERMES_SLOTD_SOCKET, or -s)", path);
    std::strcpy(sa.sun_path, path);
    int const fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) hs6::fatal_sys(hs6::exit_sys, "create a socket");
    if (::connect(fd, reinterpret_cast<sockaddr const *>(&sa), sizeof sa) < 0) {
        int const e = errno;
        if (e == ENOENT || e == ECONNREFUSED)
            hs6::fatal(hs6::exit_sys,
                       "hermes-slotd is not running: {} at {} (start the hermes-slotd service, or point "
                       "HERMES_SLOTD_SOCKET or -s at its socket)",
                       e == ENOENT ? "no socket" : "nothing listens", path);
        if (e == EACCES || e == EPERM)
            hs6::fatal(hs6::exit_sys,
                       "unable to connect to hermes-slotd at {}: {} (only HERMES_USER's uid and root may use it)",
                       path, hs6::error_text(e));
        hs6::fatal(hs6::exit_sys, "unable to connect to hermes-slotd at {} (HERMES_SLOTD_SOCKET, or -s): {}", path,
                   hs6::error_text(e));
    }
    if ((fd != 6 && ::dup2(fd, 6) < 0) || (fd != 7 && ::dup2(fd, 7) < 0))
        hs6::fatal_sys(hs6::exit_sys, "move the connection to fds 6 and 7");
    if (fd != 6 && fd != 7) ::close(fd);
}

int hermes_slot_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-slot";
    char const *socket = std::getenv("HERMES_SLOTD_SOCKET");
    auto args = hs6::parse_options(argc, argv, "s:", [&](char c, char const *arg) {
        if (c == 's') socket = arg;
    }, USAGE);
    if (args.empty()) hs6::die_usage(USAGE);
    if (!socket || !*socket) socket = hs6::default_slotd_socket;
    connect_slotd(socket);
    // -e: send no environment; the server would ignore it anyway.
    std::vector<char const *> cmd{"s6-sudoc", "-e", "--"};
    cmd.insert(cmd.end(), args.begin(), args.end());
    hs6::chain(hs6::Args(cmd.data(), cmd.size()));
}

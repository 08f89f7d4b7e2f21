// The client's output of hermes-slot-server (src/lib/client.cpp): held
// in memory, sent at the end within its deadline, cut, dropped for a
// client that went away. Each case runs in a child process, as it
// changes fds 1 and 2 and the signal handlers: the child exits 0 when
// every check held, else the number of the first that failed.
#include <hermes-s6/client.hpp>
#include <hermes-s6/die.hpp>

#include "testutil.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace {

using hs6_test::in_child;

// Fills the pipe's write end fd, then makes it blocking again.
void fill(int fd)
{
    int const fl = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    char buf[4096] = {};
    while (::write(fd, buf, sizeof buf) > 0) {}
    while (::write(fd, buf, 1) > 0) {}
    ::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

long long now_ms()
{
    struct timespec t;
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

// Everything readable on fd now.
std::string drain(int fd)
{
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<std::size_t>(n));
    return s;
}

TEST(ClientOutput, HeldUntilTheEndThenSent)
{
    EXPECT_EQ(in_child([] {
        int p[2];
        if (::pipe(p) < 0 || ::dup2(p[1], 2) < 0) return 1;
        hs6::prog = "test";
        if (hs6::hold_client_output()) return 2;
        hs6::warn("held back");
        if (!drain(p[0]).empty()) return 3;       // nothing reached the client yet
        hs6::ClientSend const r = hs6::send_client_output();
        if (r.held != 25 || r.sent != 25 || r.timed_out || r.gone) return 4;
        if (drain(p[0]) != "test: warning: held back\n") return 5;
        hs6::warn("direct");                      // fd 2 is the client's again
        if (drain(p[0]) != "test: warning: direct\n") return 6;
        return 0;
    }), 0);
}

// A client whose pipe is full and blocking: the send gives up at its
// deadline (generous bound: a loaded machine), nothing sent.
TEST(ClientOutput, AFullPipeIsDroppedAtTheDeadline)
{
    EXPECT_EQ(in_child([] {
        int p[2];
        if (::pipe(p) < 0 || ::dup2(p[1], 2) < 0) return 1;
        fill(p[1]);
        if (hs6::hold_client_output()) return 2;
        hs6::warn("will not fit");
        long long const t0 = now_ms();
        hs6::ClientSend const r = hs6::send_client_output(300);
        long long const took = now_ms() - t0;
        if (!r.timed_out || r.sent != 0 || r.held == 0) return 3;
        if (took < 250 || took > 5000) return 4;
        return 0;
    }), 0);
}

// More than client_send_max: cut after a whole line, and a note.
TEST(ClientOutput, CutAfterAWholeLineWithANote)
{
    EXPECT_EQ(in_child([] {
        int p[2];
        if (::pipe(p) < 0 || ::dup2(p[1], 1) < 0) return 1;
        hs6::prog = "test";
        if (hs6::hold_client_output()) return 2;
        std::string const line(99, 'x');
        for (int i = 0; i < 100; ++i) (void)!::write(1, (line + "\n").data(), 100);
        hs6::ClientSend const r = hs6::send_client_output();
        std::string const got = drain(p[0]);
        if (r.held != 10000 || r.sent != got.size()) return 3;
        std::string const note = "test: warning: 6000 bytes of messages not sent (more than 4096)\n";
        if (got.size() != 4000 + note.size() || got.substr(4000) != note) return 4;
        return 0;
    }), 0);
}

// A client that went away (SIGTERM noted) is sent nothing.
TEST(ClientOutput, NothingForAClientThatWentAway)
{
    EXPECT_EQ(in_child([] {
        int p[2];
        if (::pipe(p) < 0 || ::dup2(p[1], 2) < 0) return 1;
        hs6::watch_client();
        if (hs6::hold_client_output()) return 2;
        hs6::warn("for no one");
        if (hs6::client_gone()) return 3;
        ::raise(SIGTERM);                         // noted, not fatal
        if (!hs6::client_gone()) return 4;
        hs6::ClientSend const r = hs6::send_client_output();
        if (!r.gone || r.sent != 0 || r.held == 0) return 5;
        if (!drain(p[0]).empty()) return 6;
        return 0;
    }), 0);
}

// die() sends through before_exit, once.
TEST(ClientOutput, DieSendsThroughBeforeExit)
{
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    pid_t const pid = ::fork();
    if (pid == 0) {
        ::dup2(p[1], 2);
        hs6::prog = "test";
        if (hs6::hold_client_output()) ::_exit(2);
        hs6::before_exit = [](int) { (void)hs6::send_client_output(); };
        hs6::die(7, "the end");
    }
    ::close(p[1]);
    int st = 0;
    ASSERT_EQ(::waitpid(pid, &st, 0), pid);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    EXPECT_EQ(drain(p[0]), "test: fatal: the end\n");
    ::close(p[0]);
}

} // namespace

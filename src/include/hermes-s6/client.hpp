// The client of hermes-slot-server (SPEC.md, "No client I/O under a
// lock"). s6-sudod hands the server the client's own stdout and stderr:
// a pipe the client may keep full (and clear O_NONBLOCK on, as the flag
// is in the open file they share), a terminal it stops. So the server's
// messages, whatever code writes them, are held in memory for the whole
// request and sent once it is over, every lock released, within a hard
// deadline. And the client's departure (s6-sudod's SIGTERM) is noted,
// never acted on in the middle of a step.
#pragma once

#include <cstddef>

#include <hermes-s6/error.hpp>

namespace hs6 {

// The whole send, both streams together, in milliseconds: what the
// client does not take by then is dropped.
inline constexpr unsigned client_send_ms = 2000;
// At most this much of each stream is sent (cut after its last whole
// line), then one line that says how many bytes were not.
inline constexpr std::size_t client_send_max = 4096;

// Keeps the client's fds 1 and 2 aside (duplicated to fds of 100 and up,
// close-on-exec) and points fds 1 and 2 at files in memory (memfd_create,
// else an unnamed file in /tmp), so that every message of the process
// lands there. An Error 111 when that cannot be done: nothing changed.
[[nodiscard]] Error hold_client_output();

// What send_client_output() did.
struct ClientSend {
    std::size_t held = 0;    // bytes of messages held
    std::size_t sent = 0;    // bytes the client took (a cut note included)
    bool timed_out = false;  // the deadline passed first
    bool gone = false;       // the client went away (client_gone()): nothing tried
};

// Sends what hold_client_output() held, stdout's then stderr's, to the
// client's fds, within ms in all: each write is an ordinary blocking
// write, interrupted by SIGALRM from an interval timer (a handler without
// SA_RESTART, so write returns), so that no flag the client sets or
// clears, and no terminal, makes it wait longer. A client that made its
// fd non-blocking is waited for with poll(), under the same timer. An
// error on a stream (EPIPE, EIO) ends that stream. Nothing is sent when
// the client is gone. Then fds 1 and 2 are the client's again. The timer
// is the process's SIGALRM: never call it during a wait_lock()
// (control.hpp), which is the other user; the server calls it only after
// the transaction. Without a hold, does nothing.
ClientSend send_client_output(unsigned ms = client_send_ms);

// Closes every fd from 3 up except keep (when >= 0) and those of the held
// output, and with them every lock the process holds (flock and open file
// description locks go when their last fd closes): for a process that
// dies in the middle of a transaction, before it sends its output.
void close_all_but_output(int keep);

// Installs a handler for SIGTERM (what s6-sudod sends when the client
// leaves), SIGHUP and SIGINT that only notes the signal: with SA_RESTART,
// so that a system call in progress goes on. A transaction reads
// client_gone() where it may stop: before its lock, and at the send.
void watch_client();
bool client_gone();

} // namespace hs6

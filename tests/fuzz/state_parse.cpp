// libFuzzer target: parse_state on arbitrary bytes. It must never crash,
// leak or hang, must answer "none" or a state token, and must give a
// reason exactly when it answers "none" for a file that is not clean.
#include <hermes-s6/profile.hpp>
#include <hermes-s6/state.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, std::size_t size)
{
    std::string problem;
    std::string const state = hs6::parse_state(std::string_view(reinterpret_cast<char const *>(data), size), problem);
    if (!hs6::valid_state_token(state)) __builtin_trap();
    if (!problem.empty() && state != "none") __builtin_trap();
    for (char c : problem)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) __builtin_trap();  // one line, always
    return 0;
}

// Chainloading: exec into the rest of the command line, exit 0 when empty.
#pragma once

#include <hermes-s6/args.hpp>

namespace hs6 {

// Execs args (searched in PATH) with the current environment; exits 0 when
// args is empty; dies 127 when not found, 126 when it cannot be executed.
[[noreturn]] void chain(Args args);
// Same, with var=value added to (or replaced in) the environment.
[[noreturn]] void chain_with(Args args, char const *var, char const *value);

} // namespace hs6

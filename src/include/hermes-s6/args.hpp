// The arguments left on a command line: what a tool chains into, the words
// of a boot-log line. Its own header, so that chain.hpp and bootlog.hpp
// do not pull in the option parser and {fmt}.
#pragma once

#include <span>

namespace hs6 {

using Args = std::span<char const *const>;

} // namespace hs6

// Chainloading into the rest of argv.
#include <hermes-s6/chain.hpp>

#include <hermes-s6/die.hpp>

#include <cstdlib>
#include <unistd.h>
#include <vector>

namespace hs6 {

void chain(Args args)
{
    if (args.empty()) std::exit(0);
    std::vector<char *> argv;
    argv.reserve(args.size() + 1);
    for (char const *a : args) argv.push_back(const_cast<char *>(a));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    fatal_sys(errno == ENOENT ? exit_notfound : exit_cantexec, "exec {}", args[0]);
}

void chain_with(Args args, char const *var, char const *value)
{
    if (!args.empty() && ::setenv(var, value, 1) < 0) fatal_sys(exit_sys, "set {}", var);
    chain(args);
}

} // namespace hs6

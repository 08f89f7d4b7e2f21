// The headers nearly every file of the library and the tools includes,
// precompiled once by the Makefile (PCH=1, the default) and force-included
// before each file's own includes. Only standard, POSIX and {fmt} headers:
// a project header here would rebuild everything at each change.
#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

// hermes-bootlog: append one timestamped line to the container boot log,
// with the given user's file-system ids, rotating the file at a size.
#include <hermes-s6/bootlog.hpp>
#include <hermes-s6/die.hpp>
#include <hermes-s6/options.hpp>
#include <hermes-s6/privilege.hpp>

#include <ctime>
#include <string>
#include <unistd.h>

static char const USAGE[] = "hermes-bootlog [ -s maxbytes ] [ -u uid -g gid | -U ] logfile words...";

int hermes_bootlog_main(int argc, char const *const *argv)
{
    hs6::prog = "hermes-bootlog";
    std::size_t maxbytes = hs6::bootlog_max_default;
    hs6::Ids ids;
    auto args = hs6::parse_options(argc, argv, "s:u:g:U", [&](char c, char const *arg) {
        switch (c) {
        case 's': maxbytes = hs6::need_uint(arg, "maxbytes"); break;
        default: hs6::parse_id_option(ids, c, arg);
        }
    }, USAGE);
    if (args.size() < 2) hs6::die_usage(USAGE);
    if (ids.have_uid != ids.have_gid) hs6::die(hs6::exit_usage, "-u and -g go together");
    // The log file comes first: a relative one is most often the words and
    // the file swapped (hermes-bootlog hello /path/x.log).
    if (args[0][0] != '/')
        hs6::fatal(hs6::exit_usage, "logfile {} is not an absolute path: the log file comes first, then the words",
                   args[0]);
    auto const words = args.subspan(1);
    for (std::size_t i = 0; i < words.size(); ++i)
        if (char const *why = hs6::bootlog_word_problem(words[i]))
            hs6::fatal(hs6::exit_usage, "word {} {}: refused, it could forge a log line", i + 1, why);

    // Everything on the volume is done with the volume user's file-system
    // ids, by this process: it stays root for signals, so the user cannot
    // stop it. Root writing as root follows no symlink on the way.
    hs6::FsIdentity as_user;
    if (ids.have_uid)
        if (hs6::Error e = as_user.enter(ids.uid, ids.gid)) hs6::die(e);
    bool const no_symlinks = !ids.have_uid && ::geteuid() == 0;
    std::string const line = hs6::bootlog_line(std::time(nullptr), words);
    if (hs6::Error e = hs6::bootlog_append(args[0], line, maxbytes, no_symlinks)) hs6::die(e);
    return 0;
}

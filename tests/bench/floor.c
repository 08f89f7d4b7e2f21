/* floor HOME SCANDIR UID GID: the boot reconcile with only its essential
 * system calls, the floor that make bench sets the toolset against.
 *
 * The same work as 02-reconcile-profiles on the bench's volumes: the
 * default slot from HOME, then one slot for every HOME/profiles/NAME that
 * holds SOUL.md (sorted, "default" skipped). Per profile, every access
 * relative to a dirfd opened O_DIRECTORY|O_NOFOLLOW, every type check kept,
 * modes exact (umask 0, set once):
 *
 *   openat profile dir (no-follow)                          1
 *   fstatat SOUL.md (is a regular file)                     1
 *   gateway_state.json: openat, fstat, read, close          4
 *   unlinkat gateway.pid, processes.json (stale files)      2
 *   close profile dir                                       1
 *   mkdirat .gateway-NAME.tmp 0755, openat it               2
 *   type, run, finish: openat O_EXCL, write, close         9
 *   down (profiles that do not start): openat, close        2
 *   log/: mkdirat, openat; log/run: openat, write, close    5
 *   skeleton, for the slot and for log/ (6 each):          12
 *     mkdirat event 03730, fchmodat it (mkdir drops setgid),
 *     mkdirat supervise 0710, fchownat it to root:GID,
 *     mkfifoat supervise/control 0620, fchownat it
 *   close log/, close staging dir                           2
 *   renameat2 into the scandir (RENAME_NOREPLACE)           1
 *                                                    about 42
 *
 * (40 for a profile that starts, 42 for one that does not; the read of a
 * missing or non-regular state file is shorter.) Counted with strace -f -c
 * on make-home's volumes, N=100 minus the root profile alone, divided by
 * 100: 40.8 per profile (2026-11-28; hermes-register-slots then: 126.3).
 * make bench prints both counts, by system call, at every run. Once per
 * run: the home, the scandir and profiles/ opened, profiles/ listed, the
 * boot log appended once and chowned to UID:GID.
 *
 * Not a reconciler: no name checks, no recovery from a half-done slot, no
 * replacing of an existing slot (renameat2 fails with EEXIST, and so does
 * this program: the bench gives it an empty scandir). Exits 111 on any
 * failure. Plain C, static: nothing before main but the kernel's exec. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DIRFLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static uid_t uid;
static gid_t gid;
static char *bootlog;
static size_t bootlog_len, bootlog_cap;

static void die(char const *what, char const *name)
{
    fprintf(stderr, "floor: fatal: unable to %s %s: %s\n", what, name, strerror(errno));
    exit(111);
}

static void put(int dirfd, char const *name, char const *text, mode_t mode)
{
    int const fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) die("create", name);
    size_t const n = strlen(text);
    if (n && write(fd, text, n) != (ssize_t)n) die("write", name);
    if (close(fd) < 0) die("close", name);
}

/* The value of "key": "VALUE" in a small JSON object, or "" (the floor's
 * parser: good for the bench's state files, not for hostile ones). */
static void value_of(char const *json, char const *key, char *out, size_t outlen)
{
    out[0] = 0;
    char const *p = strstr(json, key);
    if (!p) return;
    p = strchr(p + strlen(key), ':');
    if (!p) return;
    p = strchr(p, '"');
    if (!p) return;
    p++;
    size_t i = 0;
    while (p[i] && p[i] != '"' && i + 1 < outlen) out[i] = p[i], i++;
    out[i] = 0;
}

/* The prior state of the profile in dirfd: "none" without a usable file. */
static void read_state(int dirfd, char *state, size_t len)
{
    char buf[4097];
    strcpy(state, "none");
    int const fd = openat(dirfd, "gateway_state.json", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return;
        die("open", "gateway_state.json");
    }
    struct stat st;
    if (fstat(fd, &st) < 0) die("stat", "gateway_state.json");
    ssize_t n = 0;
    if (S_ISREG(st.st_mode)) n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return;
    buf[n] = 0;
    char desired[64], gw[64];
    value_of(buf, "\"desired_state\"", desired, sizeof desired);
    value_of(buf, "\"gateway_state\"", gw, sizeof gw);
    if (desired[0]) snprintf(state, len, "%s", desired);
    else if (!strcmp(gw, "draining") || !strcmp(gw, "degraded")) strcpy(state, "running");
    else if (gw[0]) snprintf(state, len, "%s", gw);
}

/* event/ and supervise/ with its control FIFO, in the group layout. */
static void skeleton(int dirfd)
{
    if (mkdirat(dirfd, "event", 03730) < 0) die("mkdir", "event");
    if (fchmodat(dirfd, "event", 03730, 0) < 0) die("chmod", "event");
    if (mkdirat(dirfd, "supervise", 0710) < 0) die("mkdir", "supervise");
    if (fchownat(dirfd, "supervise", 0, gid, AT_SYMLINK_NOFOLLOW) < 0) die("chown", "supervise");
    if (mkfifoat(dirfd, "supervise/control", 0620) < 0) die("mkfifo", "supervise/control");
    if (fchownat(dirfd, "supervise/control", 0, gid, AT_SYMLINK_NOFOLLOW) < 0) die("chown", "supervise/control");
}

static void slot(int scandirfd, char const *name, int up)
{
    char staging[300], dest[300], text[1024];
    snprintf(staging, sizeof staging, ".gateway-%s.tmp", name);
    snprintf(dest, sizeof dest, "gateway-%s", name);
    if (mkdirat(scandirfd, staging, 0755) < 0) die("mkdir", staging);
    int const sfd = openat(scandirfd, staging, DIRFLAGS);
    if (sfd < 0) die("open", staging);
    put(sfd, "type", "longrun\n", 0644);
    snprintf(text, sizeof text,
             "#!/usr/lib/execline/bin/execlineb -P\n"
             "s6-envuidgid -D 65534:65534 -- hermes\n"
             "cd /opt/data\n"
             "export HOME /opt/data\n"
             "export HERMES_S6_SUPERVISED_CHILD 1\n"
             "export HERMES_SUPERVISED_CHILD 1\n"
             "s6-applyuidgid -U --\n"
             "hermes %s%s gateway run --replace\n",
             strcmp(name, "default") ? "-p " : "", strcmp(name, "default") ? name : "");
    put(sfd, "run", text, 0755);
    put(sfd, "finish",
        "#!/usr/lib/execline/bin/execlineb -S1\n"
        "ifelse { eltest $1 = 78 -o $1 = 0 } { exit 125 }\n"
        "exit 0\n", 0755);
    if (!up) put(sfd, "down", "", 0644);
    if (mkdirat(sfd, "log", 0755) < 0) die("mkdir", "log");
    int const lfd = openat(sfd, "log", DIRFLAGS);
    if (lfd < 0) die("open", "log");
    snprintf(text, sizeof text,
             "#!/usr/lib/execline/bin/execlineb -P\n"
             "importas -D /opt/data home HERMES_HOME\n"
             "s6-envuidgid -D 65534:65534 -- hermes\n"
             "s6-applyuidgid -U --\n"
             "s6-log -d3 -- n10 s262144 T ${home}/logs/gateways/%s\n", name);
    put(lfd, "run", text, 0755);
    skeleton(sfd);
    skeleton(lfd);
    close(lfd);
    close(sfd);
    if (renameat2(scandirfd, staging, scandirfd, dest, RENAME_NOREPLACE) < 0) die("rename", staging);
}

static void log_line(char const *name, char const *state, char const *action)
{
    char line[512];
    time_t const now = time(0);
    struct tm tm;
    localtime_r(&now, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S%z", &tm);
    n += snprintf(line + n, sizeof line - n, " profile=%s prior_state=%s action=%s\n", name, state, action);
    if (bootlog_len + n > bootlog_cap) {
        bootlog_cap = (bootlog_cap + n) * 2;
        bootlog = realloc(bootlog, bootlog_cap);
        if (!bootlog) die("allocate", "the boot log");
    }
    memcpy(bootlog + bootlog_len, line, n);
    bootlog_len += n;
}

static void profile(int scandirfd, int dirfd, char const *name)
{
    char state[64];
    read_state(dirfd, state, sizeof state);
    if (unlinkat(dirfd, "gateway.pid", 0) < 0 && errno != ENOENT) die("unlink", "gateway.pid");
    if (unlinkat(dirfd, "processes.json", 0) < 0 && errno != ENOENT) die("unlink", "processes.json");
    int const up = !strcmp(state, "running");
    slot(scandirfd, name, up);
    log_line(name, state, up ? "started" : "registered");
}

static int by_name(void const *a, void const *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
    if (argc < 5) {
        fputs("usage: floor HOME SCANDIR UID GID\n", stderr);
        return 100;
    }
    uid = (uid_t)strtoul(argv[3], 0, 10);
    gid = (gid_t)strtoul(argv[4], 0, 10);
    umask(0);
    int const homefd = open(argv[1], DIRFLAGS);
    if (homefd < 0) die("open", argv[1]);
    int const scandirfd = open(argv[2], DIRFLAGS);
    if (scandirfd < 0) die("open", argv[2]);
    profile(scandirfd, homefd, "default");

    int const pfd = openat(homefd, "profiles", DIRFLAGS);
    if (pfd >= 0) {
        DIR *d = fdopendir(dup(pfd));
        if (!d) die("list", "profiles");
        char **names = 0;
        size_t n = 0, cap = 0;
        for (struct dirent *e; (errno = 0, e = readdir(d));) {
            if (e->d_name[0] == '.' || !strcmp(e->d_name, "default")) continue;
            if (n == cap && !(names = realloc(names, (cap = cap * 2 + 64) * sizeof *names))) die("allocate", "names");
            if (!(names[n++] = strdup(e->d_name))) die("allocate", "names");
        }
        if (errno) die("list", "profiles");
        closedir(d);
        qsort(names, n, sizeof *names, by_name);
        for (size_t i = 0; i < n; i++) {
            int const fd = openat(pfd, names[i], DIRFLAGS);
            if (fd < 0) continue;  /* not a directory, or a symlink */
            struct stat st;
            if (fstatat(fd, "SOUL.md", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
                profile(scandirfd, fd, names[i]);
            close(fd);
        }
    }

    if (mkdirat(homefd, "logs", 0755) == 0) {
        if (fchownat(homefd, "logs", uid, gid, AT_SYMLINK_NOFOLLOW) < 0) die("chown", "logs");
    } else if (errno != EEXIST) die("mkdir", "logs");
    int const logs = openat(homefd, "logs", DIRFLAGS);
    if (logs < 0) die("open", "logs");
    int const fd = openat(logs, "container-boot.log", O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) die("open", "logs/container-boot.log");
    if (fchown(fd, uid, gid) < 0) die("chown", "logs/container-boot.log");
    if (write(fd, bootlog, bootlog_len) != (ssize_t)bootlog_len) die("write", "logs/container-boot.log");
    return 0;
}

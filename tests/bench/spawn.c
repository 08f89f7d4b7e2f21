/* spawn PROG ARGS...: runs PROG once from this small static process, with
 * stdout and stderr on /dev/null, and prints "NANOSECONDS MAXRSS_KIB EXIT":
 * the wall time from fork to reaped exit, and the peak RSS of the largest
 * process of the run (wait4 reports the largest of the child and of the
 * descendants it waited for). Measuring from here, not from Python, keeps
 * the interpreter's own RSS out of the child's high-water mark. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) return 100;
    int const null = open("/dev/null", O_RDWR);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid_t const pid = fork();
    if (pid < 0) return 111;
    if (pid == 0) {
        dup2(null, 1);
        dup2(null, 2);
        execv(argv[1], argv + 1);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) return 111;
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long const ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    printf("%lld %ld %d\n", ns, ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}

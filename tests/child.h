/* Runs a function in a child process with its stderr captured: for failures that end the
 * process (aborts, crashes) and the reports they print. */
#ifndef FUGUE_TEST_CHILD_H
#define FUGUE_TEST_CHILD_H

#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn(arg) in a child, its stderr in out (n bytes, 0-terminated); returns its wait status. */
static inline int child_run(void (*fn)(void *), void *arg, char *out, size_t n)
{
    char path[] = "/tmp/fugue-child-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd, 2);
        signal(SIGABRT, SIG_DFL);
        fn(arg);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    ssize_t k = pread(fd, out, n - 1, 0);
    out[k > 0 ? k : 0] = 0;
    close(fd);
    return st;
}

#endif

/* What the tests that run programs need: a scratch folder removed after the
 * test, and a shell command's status and output. */
#ifndef FUGUE_TEST_UTIL_H
#define FUGUE_TEST_UTIL_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char tmp[128];

/* Makes /tmp/fugue-test-<name>-XXXXXX as `tmp`, afresh each time so tests also run unforked (--debug). */
static inline void tmp_make(const char *name)
{
    snprintf(tmp, sizeof tmp, "/tmp/fugue-test-%s-XXXXXX", name);
    cr_assert_not_null(mkdtemp(tmp), "mkdtemp %s", tmp);
}

static inline int tmp_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static inline void tmp_remove(void)
{
    if (*tmp)
        nftw(tmp, tmp_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs `cmd` through the shell, its stdout (and stderr if `merge`) in out; returns the exit
 * status, or 128 + the signal that ended it. */
static inline int sh_run(char *out, size_t n, bool merge, const char *fmt, va_list ap)
{
    char cmd[8192];
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    if (merge)
        strncat(cmd, " 2>&1", sizeof cmd - strlen(cmd) - 1);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "popen %s", cmd);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Exit status of a command; its stdout and stderr in out. */
static inline int sh_status(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int st = sh_run(out, n, true, fmt, ap);
    va_end(ap);
    return st;
}

/* Stdout of a command that must succeed (stderr not captured: tshark as root warns there). */
static inline char *sh_output(const char *fmt, ...)
{
    static char out[16384];
    va_list ap;
    va_start(ap, fmt);
    int st = sh_run(out, sizeof out, false, fmt, ap);
    va_end(ap);
    cr_assert_eq(st, 0, "exit status %d\n%s", st, out);
    return out;
}

static inline bool have_tshark(void)
{
    return system("tshark -v >/dev/null 2>&1") == 0;
}

#endif

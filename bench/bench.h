/* What every benchmark needs: a clock and the process's memory. */
#ifndef FUGUE_BENCH_H
#define FUGUE_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

/* CPU time of this thread: figures for one core, robust to a busy machine. */
static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A field of /proc/self/status in KiB ("VmRSS:", "VmHWM:"), -1 if missing. */
static inline long status_kib(const char *key)
{
    char line[256];
    long v = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, strlen(key)))
            v = atol(line + strlen(key));
    if (f)
        fclose(f);
    return v;
}

/* Targets that misuse the API on purpose print a line per misuse: those go to /dev/null,
 * and the stream returned (a copy of the real stderr) is for the bench's own messages. */
static inline FILE *bench_mute_stderr(void)
{
    FILE *err = fdopen(dup(2), "w");
    int null = open("/dev/null", O_WRONLY);
    if (!err || null < 0 || dup2(null, 2) < 0)
        return perror("bench: muting stderr"), exit(2), NULL;
    close(null);
    setvbuf(err, NULL, _IOLBF, 0);
    return err;
}

#endif

/* Small helpers the engines share: files, numbers, a clock for progress lines. */
#include "harness.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

uint8_t *fg__read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *b = realloc(buf, cap *= 2);
        if (!b)
            free(buf);
        buf = b;
    }
    int err = ferror(f) ? EIO : ENOMEM;
    fclose(f);
    if (!buf)
        errno = err;
    *len = n;
    return buf;
}

bool fg__parse_u64(const char *s, uint64_t *v, bool time)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *s == '-')
        return false;
    if (time && *end) {
        unsigned long long mul = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : 0;
        if (!mul || end[1])
            return false;
        x *= mul;
        end++;
    }
    if (*end)
        return false;
    *v = x;
    return true;
}

double fg__clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool fg__wait_child(int pid, int *status, const char *who)
{
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "%s: waitpid: %s\n", who, strerror(errno));
            return false;
        }
    return true;
}

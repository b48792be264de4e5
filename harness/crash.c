/* Saving a failing run's input, named by its trace hash, with the one command
 * that replays it. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char buf[4096];
    size_t n = strlen(dir);
    if (n >= sizeof buf)
        return -ENAMETOOLONG;
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != 0)
            continue;
        char c = buf[i];
        buf[i] = 0;
        if (mkdir(buf, 0777) < 0 && errno != EEXIST)
            return -errno;
        buf[i] = c;
    }
    return 0;
}

int fg_save_input(const char *dir, uint64_t hash, const uint8_t *data, size_t len, char *path, size_t path_len)
{
    int err = make_dirs(dir);
    if (err < 0)
        return err;
    int n = snprintf(path, path_len, "%s/crash-%016llx", dir, (unsigned long long)hash);
    if (n < 0 || (size_t)n >= path_len)
        return -ENAMETOOLONG;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -errno;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            err = -errno;
            close(fd);
            unlink(tmp);
            return err;
        }
        off += (size_t)w;
    }
    /* rename: a reader never sees half a file */
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        err = -errno;
        unlink(tmp);
        return err;
    }
    return 0;
}

const char *fg__crash_dir(const fg_target *t, char *buf, size_t n)
{
    const char *env = getenv("FUGUE_CRASH_DIR");
    if (env && *env)
        snprintf(buf, n, "%s", env);
    else
        snprintf(buf, n, "corpus/%s", t->name);
    return buf;
}

void fg__crash_save(const fg_result *r, void *ud)
{
    struct fg__crash *c = ud;
    c->path[0] = 0;
    if (!c->dir)
        return;
    int err = fg_save_input(c->dir, r->hash, r->input, r->input_len, c->path, sizeof c->path);
    if (err < 0) {
        fprintf(stderr, "  input not saved in %s: %s\n", c->dir, fg_strerror(err));
        c->path[0] = 0;
        return;
    }
    fprintf(stderr, "  input saved: %s   replay: %s replay %s\n", c->path, c->driver, c->path);
}

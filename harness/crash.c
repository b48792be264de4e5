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
    fprintf(stderr, "  input saved: %s   replay: %s %s\n", c->path, c->driver, c->path);
    fg__print_hex(r->input, r->input_len, c->driver);
}

void fg__strategy_save(const fg_result *r, void *ud)
{
    static uint8_t *buf;
    static size_t cap;
    const uint8_t *tag;
    size_t tag_len = fg__strategy_last_tag(&tag);
    bool tagged = r->input_len >= 2 && r->input[0] == FG_TAG0 && r->input[1] == FG_TAG1;
    if (!tag_len || tagged) {
        fg__crash_save(r, ud);
        return;
    }
    if (cap < r->input_len + tag_len) {
        uint8_t *p = realloc(buf, r->input_len + tag_len);
        if (!p) {
            fprintf(stderr, "fugue: out of memory tagging the input: saved without its strategy tag\n");
            fg__crash_save(r, ud);
            return;
        }
        buf = p;
        cap = r->input_len + tag_len;
    }
    memcpy(buf, tag, tag_len);
    if (r->input_len)
        memcpy(buf + tag_len, r->input, r->input_len);
    fg_result t = *r;
    t.input = buf;
    t.input_len = r->input_len + tag_len;
    fg__crash_save(&t, ud);
}

void fg__print_hex(const uint8_t *data, size_t len, const char *run)
{
    if (len > FG__HEX_MAX)
        return;
    char hex[2 * FG__HEX_MAX + 1];
    for (size_t i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", data[i]);
    hex[2 * len] = 0;
    /* only a driver's replay takes --hex; a fuzzer binary alone takes files */
    size_t n = strlen(run);
    if (n > 7 && !strcmp(run + n - 7, " replay"))
        fprintf(stderr, "  input as hex: \"%s\"   replay: %s --hex \"%s\"\n", hex, run, hex);
    else
        fprintf(stderr, "  input as hex: \"%s\"\n", hex);
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

uint8_t *fg__parse_hex(const char *s, size_t *len)
{
    uint8_t *buf = malloc(strlen(s) / 2 + 1);
    if (!buf)
        return NULL;
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\n' || *s == '\t')
            continue;
        int d = hex_digit(*s);
        if (d < 0) {
            free(buf);
            return NULL;
        }
        if (hi < 0) {
            hi = d;
        } else {
            buf[n++] = (uint8_t)(hi << 4 | d);
            hi = -1;
        }
    }
    if (hi >= 0) {   /* an odd number of digits */
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

const char *fg__driver_path(const fg_target *t, char *buf, size_t n)
{
    char self[4096];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0) {
        snprintf(buf, n, "%s replay", t->name);
        return buf;
    }
    self[k] = 0;
    char *slash = strrchr(self, '/');
    if (slash) {
        snprintf(buf, n, "%.*s/%s", (int)(slash - self), self, t->name);
        if (strcmp(buf, self) && access(buf, X_OK) == 0) {
            strncat(buf, " replay", n - strlen(buf) - 1);
            return buf;
        }
    }
    snprintf(buf, n, "%s", self);
    return buf;
}

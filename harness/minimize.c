/* minimize: shrink a failing input while it still fails the same way (same
 * outcome, same first report line). It works on the choice stream: cut what
 * the run never read, drop chunks (fewer choices), lower bytes (smaller ones:
 * 0 is the natural choice). */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct min {
    const fg_target *t;
    fg_outcome want;
    char sig[512];
    uint64_t runs, max_runs;
    uint8_t *cur;
    size_t len;
    bool forked;   /* the failure crashes the process: run each try in a child */
};

static void first_line(const char *report, char *out, size_t n)
{
    size_t k = strcspn(report, "\n");
    if (k >= n)
        k = n - 1;
    memcpy(out, report, k);
    out[k] = 0;
}

/* What one run showed: its outcome, first report line and the bytes it read. */
struct verdict {
    int outcome;
    size_t used;
    char sig[512];
};

static int verdict_fd = -1;   /* in a child: where its verdict goes */

static void child_failure(const fg_result *r, void *ud)
{
    struct verdict *v = ud;
    v->outcome = (int)r->outcome;
    v->used = r->input_len;
    first_line(r->report, v->sig, sizeof v->sig);
    /* crashes and stack overflows abort after this: the parent must hear now */
    if (r->outcome == FG_FAIL_CRASH || r->outcome == FG_FAIL_OVERFLOW) {
        (void)!write(verdict_fd, v, sizeof *v);
    }
}

/* Runs `d` in a child process, so a crash signal or stack overflow, which
 * abort, can be minimized too. */
static bool run_forked(struct min *m, const uint8_t *d, size_t n, struct verdict *v)
{
    int fds[2];
    if (pipe(fds) < 0)
        return false;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]), close(fds[1]);
        return false;
    }
    if (pid == 0) {
        close(fds[0]);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2);
        verdict_fd = fds[1];
        struct verdict mine = {0};
        fg_opts o = fg_target_opts(m->t);
        o.return_on_failure = true;
        o.quiet = true;
        o.on_failure = child_failure;
        o.ud = &mine;
        fg_result r;
        if (fg_run_bytes(m->t->body, NULL, &o, d, n, &r) < 0)
            mine.outcome = -1;
        else if (r.outcome == FG_PASS)
            mine.outcome = FG_PASS;
        (void)!write(fds[1], &mine, sizeof mine);
        _exit(0);
    }
    close(fds[1]);
    ssize_t got = read(fds[0], v, sizeof *v);
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    return got == (ssize_t)sizeof *v;
}

/* Runs `d`; true when it fails as the original did. *used: the bytes it read. */
static bool fails_same(struct min *m, const uint8_t *d, size_t n, size_t *used, bool first)
{
    struct verdict v;
    m->runs++;
    if (m->forked) {
        if (!run_forked(m, d, n, &v))
            return false;
    } else {
        fg_opts o = fg_target_opts(m->t);
        o.return_on_failure = true;
        o.quiet = true;
        fg_result r;
        if (fg_run_bytes(m->t->body, NULL, &o, d, n, &r) < 0)
            return false;
        v.outcome = (int)r.outcome;
        v.used = r.input_len;
        first_line(r.report, v.sig, sizeof v.sig);
    }
    if (v.outcome <= FG_PASS)
        return false;
    if (first) {
        m->want = (fg_outcome)v.outcome;
        memcpy(m->sig, v.sig, sizeof v.sig);
    } else if (v.outcome != (int)m->want || strcmp(v.sig, m->sig)) {
        return false;
    }
    *used = v.used;
    return true;
}

/* Keeps candidate `c` if it still fails: the current input becomes what it read. */
static bool try(struct min *m, uint8_t *c, size_t n)
{
    size_t used;
    if (m->runs >= m->max_runs || !fails_same(m, c, n, &used, false))
        return false;
    memcpy(m->cur, c, used);
    m->len = used;
    return true;
}

static bool pass_chunks(struct min *m, uint8_t *c)
{
    bool progress = false;
    for (size_t chunk = m->len / 2 ? m->len / 2 : 1; chunk >= 1; chunk /= 2) {
        for (size_t i = 0; i + chunk <= m->len && m->runs < m->max_runs;) {
            memcpy(c, m->cur, i);
            memcpy(c + i, m->cur + i + chunk, m->len - i - chunk);
            if (try(m, c, m->len - chunk))
                progress = true;
            else
                i += chunk;
        }
        if (chunk == 1)
            break;
    }
    return progress;
}

static bool pass_values(struct min *m, uint8_t *c)
{
    bool progress = false;
    for (size_t i = 0; i < m->len && m->runs < m->max_runs; i++) {
        uint8_t v = m->cur[i];
        uint8_t cands[3] = {0, (uint8_t)(v / 2), (uint8_t)(v - 1)};
        for (int k = 0; k < 3 && m->cur[i] == v && v; k++) {
            if (k && cands[k] == cands[k - 1])
                continue;
            memcpy(c, m->cur, m->len);
            c[i] = cands[k];
            if (try(m, c, m->len))
                progress = true;
        }
    }
    return progress;
}

int fg__minimize_main(const fg_target *t, const char *prog, int argc, char **argv)
{
    (void)prog;
    const char *in = NULL, *out = NULL;
    struct min m = {.t = t, .max_runs = 100000};
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--max-runs") && i + 1 < argc && fg__parse_u64(argv[i + 1], &m.max_runs, false))
            i++;
        else if (!in && argv[i][0] != '-')
            in = argv[i];
        else {
            fprintf(stderr, "minimize: bad argument %s (see --help)\n", argv[i]);
            return 2;
        }
    }
    if (!in) {
        fprintf(stderr, "minimize: give a failing input (see --help)\n");
        return 2;
    }
    char outbuf[4096];
    if (!out) {
        snprintf(outbuf, sizeof outbuf, "%s.min", in);
        out = outbuf;
    }
    size_t len;
    uint8_t *data = fg__read_file(in, &len);
    if (!data) {
        fprintf(stderr, "minimize: %s: %s\n", in, strerror(errno));
        return 2;
    }
    size_t used;
    /* a first run in a child tells whether the failure kills the process */
    m.forked = true;
    if (!fails_same(&m, data, len, &used, true)) {
        fprintf(stderr, "minimize: %s does not fail\n", in);
        free(data);
        return 1;
    }
    m.cur = malloc(len + 1);
    uint8_t *c = malloc(len + 1);
    if (!m.cur || !c) {
        free(data), free(m.cur), free(c);
        return 2;
    }
    memcpy(m.cur, data, used);
    m.len = used;
    m.forked = m.want == FG_FAIL_CRASH || m.want == FG_FAIL_OVERFLOW;
    for (bool progress = true; progress && m.runs < m.max_runs;) {
        progress = pass_chunks(&m, c);
        progress |= pass_values(&m, c);
    }
    FILE *f = fopen(out, "wb");
    int status = 0;
    if (!f || fwrite(m.cur, 1, m.len, f) != m.len || fclose(f) != 0) {
        fprintf(stderr, "minimize: writing %s: %s\n", out, strerror(errno));
        status = 2;
    } else {
        size_t nz0 = 0, nz1 = 0;
        for (size_t i = 0; i < len; i++)
            nz0 += data[i] != 0;
        for (size_t i = 0; i < m.len; i++)
            nz1 += m.cur[i] != 0;
        printf("minimize: %zu -> %zu bytes (%.1fx smaller), non-zero choices %zu -> %zu, %llu runs, still \"%s\"\n",
               len, m.len, m.len ? (double)len / (double)m.len : (double)len, nz0, nz1, (unsigned long long)m.runs,
               m.sig);
        printf("minimize: written to %s\n", out);
    }
    free(data), free(m.cur), free(c);
    return status;
}

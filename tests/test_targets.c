/* Every target under fuzz/: each corpus file replays as a regression test,
 * N seeded random runs pass, and each planted bug is found by random mode
 * within the number of runs its target states, replaying to the same failure.
 * FUGUE_ITERATIONS and FUGUE_SEED override the random runs; FUGUE_STRATEGY and
 * FUGUE_DEPTH choose their strategy (auto: rotating), for the passing targets. */
#include "fugue/target.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : def;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    cr_assert(buf);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

static fg_opts quiet_opts(const fg_target *t)
{
    fg_opts o = fg_target_opts(t);
    o.return_on_failure = true;
    o.quiet = true;
    return o;
}

Test(targets, registered)
{
    int n = 0;
    for (fg_target *t = fg_targets(); t; t = t->next, n++)
        cr_expect(t->body && t->name && *t->name);
    cr_assert_geq(n, 3, "the planted-bug and core-only targets are linked in");
    cr_assert(fg_target_find("lost_update") && fg_target_find("three_events"));
}

/* Files named crash-* stand for bugs: fixed ones must pass now, a planted bug
 * must still fail its way. Other files (seeds) must pass unless the target is
 * a planted bug. */
Test(targets, corpus_replays)
{
    const char *root = getenv("FUGUE_CORPUS");
    cr_assert(root, "FUGUE_CORPUS names the corpus folder (meson sets it)");
    unsigned files = 0;
    for (fg_target *t = fg_targets(); t; t = t->next) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", root, t->name);
        struct dirent **ents;
        int n = scandir(dir, &ents, NULL, alphasort);
        cr_expect_geq(n, 3, "target %s has seeds in %s", t->name, dir);
        for (int i = 0; i < n; i++) {
            const char *f = ents[i]->d_name;
            if (f[0] != '.') {
                char path[8192];
                snprintf(path, sizeof path, "%s/%s", dir, f);
                size_t len;
                uint8_t *data = read_all(path, &len);
                fg_opts o = quiet_opts(t);
                fg_result r;
                cr_assert_eq(fg_run_bytes(t->body, NULL, &o, data, len, &r), 0);
                bool crash = !strncmp(f, "crash-", 6);
                if (t->expect != FG_PASS && crash)
                    cr_expect_eq(r.outcome, t->expect, "%s: %s, expected %s", path, fg_outcome_name(r.outcome),
                                 fg_outcome_name(t->expect));
                else if (t->expect == FG_PASS)
                    cr_expect_eq(r.outcome, FG_PASS, "%s: %s\n%s", path, fg_outcome_name(r.outcome), r.report);
                free(data);
                files++;
            }
            free(ents[i]);
        }
        if (n > 0)
            free(ents);
    }
    cr_assert_gt(files, 0);
}

Test(targets, random_runs_pass)
{
    uint64_t n = env_u64("FUGUE_ITERATIONS", 300), seed = env_u64("FUGUE_SEED", 1);
    for (fg_target *t = fg_targets(); t; t = t->next) {
        if (t->expect != FG_PASS)
            continue;
        fg_opts o = quiet_opts(t);
        for (uint64_t s = seed; s < seed + n; s++) {
            fg_result r;
            cr_assert(fg_target_strategy_env(&o, s), "FUGUE_STRATEGY names a strategy");
            cr_assert_eq(fg_run_seed(t->body, NULL, &o, s, &r), 0);
            cr_assert_eq(r.outcome, FG_PASS, "%s, seed %llu: %s\n%s", t->name, (unsigned long long)s,
                         fg_outcome_name(r.outcome), r.report);
        }
    }
}

/* The planted bugs are expected to fail: random mode must find each within
 * the stated number of runs, and the input it saved replays to the same failure. */
Test(targets, planted_bugs_found_by_random)
{
    uint64_t seed = env_u64("FUGUE_SEED", 1);
    int planted = 0;
    for (fg_target *t = fg_targets(); t; t = t->next) {
        if (t->expect == FG_PASS)
            continue;
        planted++;
        cr_assert_gt(t->find_within, 0, "planted bug %s states find_within", t->name);
        fg_opts o = quiet_opts(t);
        fg_result r = {0};
        uint64_t runs = 0;
        for (uint64_t s = seed; runs < t->find_within; s++) {
            runs++;
            cr_assert_eq(fg_run_seed(t->body, NULL, &o, s, &r), 0);
            if (r.outcome != FG_PASS)
                break;
        }
        cr_assert_eq(r.outcome, t->expect, "%s: random mode did not find the planted bug in %llu runs", t->name,
                     (unsigned long long)t->find_within);
        uint64_t hash = r.hash;
        size_t len = r.input_len;
        uint8_t *copy = malloc(len + 1);
        memcpy(copy, r.input, len);
        char report[256];
        snprintf(report, sizeof report, "%.*s", (int)strcspn(r.report, "\n"), r.report);
        fg_result b;
        cr_assert_eq(fg_run_bytes(t->body, NULL, &o, copy, len, &b), 0);
        cr_expect_eq(b.outcome, t->expect, "%s: the saved input replays as %s", t->name, fg_outcome_name(b.outcome));
        cr_expect_eq(b.hash, hash, "%s: the saved input replays the same trace", t->name);
        cr_expect(!strncmp(b.report, report, strlen(report)), "%s: same report: %s", t->name, report);
        free(copy);
    }
    cr_assert_geq(planted, 2);
}

static bool until_failure(const fg_result *r, void *ud)
{
    (void)ud;
    return r->outcome == FG_PASS;
}

/* Exhaustive mode on a planted bug: the schedule is there to be found. */
Test(targets, lost_update_found_by_exhaustive)
{
    fg_target *t = fg_target_find("lost_update");
    cr_assert(t);
    fg_opts o = quiet_opts(t);
    fg_explore_stats st;
    cr_assert_eq(fg_explore(t->body, NULL, &o, 1000000, until_failure, NULL, &st), 0);
    cr_assert_gt(st.failures, 0, "exhaustive found no lost update in %llu runs", (unsigned long long)st.runs);
}

/* Nothing a run does may change the next: one chaos input gives the same
 * trace in a fresh process, then again after thousands of other runs of
 * every target in this one (each with hostile inputs). */
#include <sys/wait.h>
#include <unistd.h>

static uint64_t hash_of(const fg_target *t, const uint8_t *d, size_t n)
{
    fg_opts o = quiet_opts(t);
    fg_result r;
    cr_assert_eq(fg_run_bytes(t->body, NULL, &o, d, n, &r), 0);
    return r.hash;
}

Test(targets, an_input_replays_the_same_fresh_and_after_many_runs, .timeout = 240)
{
    const fg_target *chaos = fg_target_find("api_chaos");
    cr_assert(chaos, "the api_chaos target is linked in");
    static const uint8_t in[] = "\x13\x05\xff\x20\x07\x00\x31\x42\x09\x11\x8c\x03\x02\x66\x01\x17\x0a\x50\x05\x05"
                                "\x61\x2e\x04\x0c\x33\x00\x7f\x08\x12\x03\x44\x91\x06\x0e\x19\x28\x02\x01\x0b\x36";
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        uint64_t h = hash_of(chaos, in, sizeof in);
        _exit(write(fd[1], &h, sizeof h) == sizeof h ? 0 : 1);
    }
    uint64_t fresh = 0;
    cr_assert_eq(read(fd[0], &fresh, sizeof fresh), (ssize_t)sizeof fresh);
    int st;
    waitpid(pid, &st, 0);
    close(fd[0]);
    close(fd[1]);
    uint64_t first = hash_of(chaos, in, sizeof in);
    cr_assert_eq(first, fresh, "the same input gave another trace in a fresh process");
    uint64_t x = 0x2545f4914f6cdd1dull;
    uint64_t runs = env_u64("FUGUE_ITERATIONS", 3000);
    for (uint64_t i = 0; i < runs; i++) {
        uint8_t d[256];
        size_t n = (size_t)(i % sizeof d);
        for (size_t k = 0; k < n; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            d[k] = (uint8_t)x;
        }
        const fg_target *t = i % 3 ? chaos : fg_targets();
        for (uint64_t k = 0; t->next && k < i % 7; k++)
            t = t->next;
        hash_of(t, d, n);
    }
    cr_assert_eq(hash_of(chaos, in, sizeof in), fresh, "the input replays differently after %llu other runs",
                 (unsigned long long)runs);
}

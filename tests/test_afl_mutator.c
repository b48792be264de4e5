/* The AFL++ mutator (harness/afl_mutator.c), loaded as afl-fuzz loads it:
 * every input it makes carries a version-2 tag of FUGUE_STRATEGY's strategy,
 * its mutations keep the tag's strategy and edit or cut the body only, the
 * same seed gives the same inputs; and afl-fuzz with it finds a planted bug
 * whose crash file replays in the driver. */
#include "fugue.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef void *init_fn(void *afl, unsigned int seed);
typedef size_t fuzz_fn(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf, uint8_t *add_buf,
                       size_t add_buf_size, size_t max_size);
typedef void deinit_fn(void *data);

static struct {
    void *so;
    init_fn *init;
    fuzz_fn *fuzz;
    deinit_fn *deinit;
} lib;

static void load(void)
{
    const char *path = getenv("FUGUE_AFL_MUTATOR");
    if (!path || !*path)
        cr_skip_test("no AFL++ in this build: libfugue-afl-mutator.so was not built");
    lib.so = dlopen(path, RTLD_NOW);   /* as afl-fuzz does */
    cr_assert(lib.so, "%s", dlerror());
    lib.init = (init_fn *)dlsym(lib.so, "afl_custom_init");
    lib.fuzz = (fuzz_fn *)dlsym(lib.so, "afl_custom_fuzz");
    lib.deinit = (deinit_fn *)dlsym(lib.so, "afl_custom_deinit");
    cr_assert(lib.init && lib.fuzz && lib.deinit, "the library exports AFL++'s entry points");
    cr_expect_null(dlsym(lib.so, "fg__tail_mutate"), "and none of the harness's");
}

static void unload(void)
{
    if (lib.so)
        dlclose(lib.so);
    tmp_remove();
}

#define MAX (1 << 20)   /* afl-fuzz's max_size */

/* One mutation of (in, n): the output copied to out, its size returned. */
static size_t mutate(void *m, const uint8_t *in, size_t n, uint8_t *out)
{
    uint8_t buf[256], add[] = {9, 9, 9, 9};
    memcpy(buf, in, n);
    uint8_t *o = NULL;
    size_t len = lib.fuzz(m, buf, n, &o, add, sizeof add, MAX);
    cr_assert(o && len <= 256, "%zu bytes", len);
    memcpy(out, o, len);
    return len;
}

static bool tail_tagged(const uint8_t *d, size_t n, fg_strategy s)
{
    return n >= FG_TAG_TAIL_LEN && d[0] == FG_TAG0 && d[1] == FG_TAG1 && d[2] == FG_TAG_TAIL_VERSION && d[3] == s;
}

static bool pos_tail_tag(const uint8_t *d, size_t n)
{
    return tail_tagged(d, n, FG_POS) && d[4] == 2;
}

Test(afl_mutator, tags_every_input_and_keeps_the_body, .fini = unload)
{
    load();
    setenv("FUGUE_STRATEGY", "pos", 1);
    setenv("FUGUE_DEPTH", "2", 1);
    uint8_t body[40], out[256], next[256];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(7 * i + 1);
    void *m = lib.init(NULL, 1);
    cr_assert(m);
    int cuts = 0, edits = 0;
    for (int i = 0; i < 200; i++) {
        size_t n = mutate(m, body, sizeof body, out);
        cr_assert(pos_tail_tag(out, n), "mutation %d is tagged", i);
        /* a tagged parent keeps its tag's strategy and depth; a cut keeps a prefix of its body */
        size_t k = mutate(m, out, n, next);
        cr_assert(pos_tail_tag(next, k));
        if (!memcmp(next + FG_TAG_LEN, out + FG_TAG_LEN, 4)) {   /* the same seed: an edit */
            edits++;
            continue;
        }
        cr_assert(k <= n);
        cr_expect_arr_eq(next + FG_TAG_TAIL_LEN, out + FG_TAG_TAIL_LEN, k - FG_TAG_TAIL_LEN, "a cut keeps the front");
        cuts++;
    }
    cr_expect(cuts > 50 && edits > 50, "about half the mutations cut and reseed: %d cuts, %d edits", cuts, edits);
    lib.deinit(m);

    /* FUGUE_RANDOM_TAIL=1: every mutation is a cut, so the body is the input's, cut short */
    setenv("FUGUE_RANDOM_TAIL", "1", 1);
    m = lib.init(NULL, 2);
    cr_assert(m);
    for (int i = 0; i < 100; i++) {
        size_t n = mutate(m, body, sizeof body, out);
        cr_assert(pos_tail_tag(out, n) && n <= FG_TAG_TAIL_LEN + sizeof body);
        cr_expect_arr_eq(out + FG_TAG_TAIL_LEN, body, n - FG_TAG_TAIL_LEN, "mutation %d keeps the body's front", i);
    }
    lib.deinit(m);
}

Test(afl_mutator, same_seed_same_inputs, .fini = unload)
{
    load();
    setenv("FUGUE_STRATEGY", "random", 1);
    const uint8_t body[] = {1, 0, 2, 1, 0, 3, 1, 1, 0, 2, 5, 4};
    uint8_t a[256], b[256], c[256];
    void *m1 = lib.init(NULL, 42), *m2 = lib.init(NULL, 42), *m3 = lib.init(NULL, 43);
    cr_assert(m1 && m2 && m3);
    int differ = 0;
    for (int i = 0; i < 100; i++) {
        size_t na = mutate(m1, body, sizeof body, a), nb = mutate(m2, body, sizeof body, b);
        size_t nc = mutate(m3, body, sizeof body, c);
        cr_assert_eq(na, nb, "mutation %d", i);
        cr_assert_arr_eq(a, b, na, "mutation %d", i);
        differ += na != nc || memcmp(a, c, na);
    }
    cr_expect_gt(differ, 50, "another seed, other inputs");
    lib.deinit(m1);
    lib.deinit(m2);
    lib.deinit(m3);
}

Test(afl_mutator, refuses_without_a_strategy, .fini = unload)
{
    load();
    unsetenv("FUGUE_STRATEGY");
    cr_expect_null(lib.init(NULL, 1), "afl-fuzz knows no target: FUGUE_STRATEGY names its strategy");
    setenv("FUGUE_STRATEGY", "lifo", 1);
    cr_expect_null(lib.init(NULL, 1));
}

Test(afl_mutator, refuses_a_random_tail_that_is_no_count, .fini = unload)
{
    load();
    setenv("FUGUE_STRATEGY", "random", 1);
    setenv("FUGUE_RANDOM_TAIL", "half", 1);
    cr_expect_null(lib.init(NULL, 1), "FUGUE_RANDOM_TAIL=half was taken as 0 (no tail)");
    setenv("FUGUE_RANDOM_TAIL", "3", 1);
    void *m = lib.init(NULL, 1);
    cr_expect_not_null(m);
    lib.deinit(m);
    unsetenv("FUGUE_RANDOM_TAIL");
}

static bool starts_tagged(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s", path);
    uint8_t t[FG_TAG_TAIL_LEN] = {0};
    size_t n = fread(t, 1, sizeof t, f);
    fclose(f);
    return tail_tagged(t, n, FG_RANDOM);
}

/* afl-fuzz with the mutator alone: every input it queues past the seeds is
 * tagged, and it finds lost_update's bug, whose crash replays with no flag.
 * No trimming: AFL++'s trimmer, not the mutator, could cut a tag off. */
Test(afl_mutator, afl_fuzz_finds_a_bug_with_it, .fini = unload, .timeout = 240)
{
    const char *engines = getenv("FUGUE_ENGINES"), *corpus = getenv("FUGUE_CORPUS"), *bin = getenv("FUGUE_FUZZ_BIN");
    if (!engines || !strstr(engines, "afl") || system("command -v afl-fuzz >/dev/null") != 0)
        cr_skip_test("no afl-fuzz");
    load();
    cr_assert(corpus && bin);
    tmp_make("afl_mutator");
    static char out[1 << 16];
    int st = sh_status(out, sizeof out,
        "mkdir -p %s/in && for f in '%s'/lost_update/*; do case $f in */crash-*) ;; *) cp \"$f\" %s/in/ ;; esac; done && "
        "env -u ASAN_OPTIONS -u UBSAN_OPTIONS -u LSAN_OPTIONS AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 "
        "AFL_NO_UI=1 AFL_TRY_AFFINITY=1 AFL_QUIET=1 AFL_IGNORE_UNKNOWN_ENVS=1 AFL_BENCH_UNTIL_CRASH=1 "
        "AFL_DISABLE_TRIM=1 AFL_CUSTOM_MUTATOR_ONLY=1 AFL_CUSTOM_MUTATOR_LIBRARY='%s' FUGUE_STRATEGY=random "
        "afl-fuzz -i %s/in -o %s/out -s 1 -E 200000 -- '%s/lost_update-afl' >%s/log 2>&1; tail -5 %s/log",
        tmp, corpus, tmp, getenv("FUGUE_AFL_MUTATOR"), tmp, tmp, bin, tmp, tmp);
    cr_assert_eq(st, 0, "%s", out);
    char dir[256], path[1024], crash[1024] = "";
    int queued = 0;
    snprintf(dir, sizeof dir, "%s/out/default/queue", tmp);
    DIR *d = opendir(dir);
    cr_assert(d, "%s", out);
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, "src:")) {   /* a mutation's, not a seed */
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            cr_expect(starts_tagged(path), "%s starts with the random tail's tag", path);
            queued++;
        }
    closedir(d);
    snprintf(dir, sizeof dir, "%s/out/default/crashes", tmp);
    d = opendir(dir);
    cr_assert(d);
    for (struct dirent *e; (e = readdir(d));)
        if (!strncmp(e->d_name, "id:", 3))
            snprintf(crash, sizeof crash, "%s/%s", dir, e->d_name);
    closedir(d);
    cr_assert(*crash, "afl-fuzz found lost_update's bug within 200000 runs (%d queued)", queued);
    cr_expect(starts_tagged(crash));
    cr_expect_eq(sh_status(out, sizeof out, "'%s/lost_update' replay '%s'", bin, crash), 1, "%s", out);
    cr_expect(strstr(out, "assertion failed: counter"), "the crash replays in the driver: %s", out);
}

/* The harness: the registry, saved inputs, and the engines seen from outside —
 * the same input gives the same trace hash in the driver, the other
 * compiler's driver, libFuzzer (ASan and plain) and AFL++ binaries; random
 * mode saves a failure with its replay command; minimize shrinks it. */
#include "fugue/target.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static void make_tmp(void) { tmp_make("harness"); }




/* The first "hash <16 hex>" in s, or 0 */
static uint64_t hash_in(const char *s)
{
    const char *h = strstr(s, "hash ");
    return h ? strtoull(h + 5, NULL, 16) : 0;
}

static void write_file(const char *path, const uint8_t *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(d, 1, n, f), n);
    fclose(f);
}

static const char *bin(void)
{
    const char *b = getenv("FUGUE_FUZZ_BIN");
    cr_assert(b, "FUGUE_FUZZ_BIN names build/fuzz (meson sets it)");
    return b;
}

Test(harness, registry_in_name_order)
{
    fg_target *t = fg_targets();
    cr_assert(t);
    for (; t->next; t = t->next)
        cr_expect_lt(strcmp(t->name, t->next->name), 0, "%s before %s", t->name, t->next->name);
    cr_expect_null(fg_target_find("no_such_target"));
    fg_target *lu = fg_target_find("lost_update");
    cr_assert(lu);
    fg_target_register(lu);   /* registering twice changes nothing */
    int n = 0;
    for (t = fg_targets(); t; t = t->next)
        n += t == lu;
    cr_expect_eq(n, 1);
    fg_opts o = fg_target_opts(lu);
    cr_expect_eq(o.strategy, FG_RANDOM);
    cr_expect_str_eq(o.name, "lost_update");
    cr_expect(!o.stack_copy);
    fg_target copied = {.name = "copied", .stack_size = 65536, .stack_copy = true};
    o = fg_target_opts(&copied);
    cr_expect(o.stack_copy && o.stack_size == 65536, "a target's stack options reach its sims");
}

Test(harness, save_input_writes_exact_bytes, .init = make_tmp, .fini = tmp_remove)
{
    char dir[512], path[1024];
    snprintf(dir, sizeof dir, "%s/a/b", tmp);
    const uint8_t data[] = {0, 1, 2, 255, 0};
    cr_assert_eq(fg_save_input(dir, 0x1234abcdull, data, sizeof data, path, sizeof path), 0);
    char want[1024];
    snprintf(want, sizeof want, "%s/crash-000000001234abcd", dir);
    cr_expect_str_eq(path, want);
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    uint8_t back[16];
    size_t n = fread(back, 1, sizeof back, f);
    fclose(f);
    cr_expect_eq(n, sizeof data);
    cr_expect_arr_eq(back, data, sizeof data);
    cr_expect_lt(fg_save_input("/proc/no/such/dir", 1, data, 1, path, sizeof path), 0);
}

/* The inputs the engines are compared on: every corpus file and a few
 * pseudo-random byte strings, for every target. */
Test(harness, same_hash_in_every_engine, .init = make_tmp, .fini = tmp_remove, .timeout = 240)
{
    const char *engines = getenv("FUGUE_ENGINES");   /* "libfuzzer,libfuzzer-plain,afl,gcc" ... */
    cr_assert(engines, "FUGUE_ENGINES lists the built engines (meson sets it)");
    const char *corpus = getenv("FUGUE_CORPUS");
    uint64_t x = 0x9e3779b97f4a7c15ull;
    int compared = 0;
    static char out[1 << 16];
    for (fg_target *t = fg_targets(); t; t = t->next) {
        char files[16][2048];
        int nf = 0;
        for (int i = 0; i < 4; i++, nf++) {
            uint8_t d[64];
            size_t n = i * 20;
            for (size_t k = 0; k < n; k++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                d[k] = (uint8_t)x;
            }
            snprintf(files[nf], sizeof files[nf], "%s/%s-%d", tmp, t->name, i);
            write_file(files[nf], d, n);
        }
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", corpus, t->name);
        DIR *dp = opendir(dir);
        for (struct dirent *e; dp && (e = readdir(dp)) && nf < 16;)
            if (e->d_name[0] != '.')
                snprintf(files[nf++], sizeof files[0], "%s/%s", dir, e->d_name);
        if (dp)
            closedir(dp);
        for (int i = 0; i < nf; i++) {
            FILE *f = fopen(files[i], "rb");
            cr_assert(f);
            uint8_t d[4096];
            size_t n = fread(d, 1, sizeof d, f);
            fclose(f);
            fg_opts o = fg_target_opts(t);
            o.return_on_failure = o.quiet = true;
            fg_result r;
            cr_assert_eq(fg_run_bytes(t->body, NULL, &o, d, n, &r), 0);
            uint64_t want = r.hash;
            sh_status(out, sizeof out, "'%s/%s' replay '%s'", bin(), t->name, files[i]);
            cr_expect_eq(hash_in(out), want, "driver, %s on %s: %s", t->name, files[i], out);
            char list[256];
            snprintf(list, sizeof list, "%s", engines);
            for (char *e = strtok(list, ","); e; e = strtok(NULL, ",")) {
                if (!strncmp(e, "libfuzzer", 9))
                    sh_status(out, sizeof out, "FUGUE_PRINT_HASH=1 ASAN_OPTIONS=detect_leaks=0 '%s/%s-%s' '%s'", bin(),
                        t->name, e, files[i]);
                else if (!strcmp(e, "afl"))
                    sh_status(out, sizeof out, "FUGUE_PRINT_HASH=1 '%s/%s-afl' < '%s'", bin(), t->name, files[i]);
                else
                    sh_status(out, sizeof out, "'%s/fugue-targets-%s' %s replay '%s'", bin(), e, t->name, files[i]);
                cr_expect_eq(hash_in(out), want, "%s, %s on %s: %.2000s", e, t->name, files[i], out);
                compared++;
            }
        }
    }
    cr_expect_gt(compared, 0, "at least one other engine or compiler was built");
}

Test(harness, random_saves_the_failure_and_its_replay_command, .init = make_tmp, .fini = tmp_remove)
{
    static char out[1 << 16];
    int st = sh_status(out, sizeof out, "'%s/lost_update' random --crash-dir '%s/crashes'", bin(), tmp);
    cr_assert_eq(st, 1, "a failing random run exits 1: %s", out);
    char *saved = strstr(out, "input saved: ");
    cr_assert(saved, "%s", out);
    char path[1024];
    cr_assert_eq(sscanf(saved, "input saved: %1023s", path), 1);
    char want[2048];
    snprintf(want, sizeof want, "replay: %s/lost_update replay %s", bin(), path);
    cr_expect(strstr(out, want), "the replay command is printed: %s", out);
    const char *name = strrchr(path, '/') + 1;
    cr_assert_eq(strncmp(name, "crash-", 6), 0);
    uint64_t h = strtoull(name + 6, NULL, 16);
    /* the printed command replays the failure */
    st = sh_status(out, sizeof out, "'%s/lost_update' replay '%s'", bin(), path);
    cr_expect_eq(st, 1);
    cr_expect(strstr(out, "assertion failed: counter"), "%s", out);
    cr_expect_eq(hash_in(strstr(out, ": assertion hash") ? strstr(out, ": assertion hash") : out), h,
                 "the file is named by the trace hash it replays: %s", out);
    st = sh_status(out, sizeof out, "'%s/lost_update' replay --trace '%s'", bin(), path);
    cr_expect(strstr(out, "worker_2 (group main) resumes from fg_yield"), "--trace tells the story: %s", out);

    /* minimize keeps the failure and does not grow the input */
    char min[1100];
    snprintf(min, sizeof min, "%s.min", path);
    st = sh_status(out, sizeof out, "'%s/lost_update' minimize '%s' -o '%s'", bin(), path, min);
    cr_expect_eq(st, 0, "%s", out);
    struct stat a, b;
    cr_assert_eq(stat(path, &a), 0);
    cr_assert_eq(stat(min, &b), 0);
    cr_expect_leq(b.st_size, a.st_size);
    st = sh_status(out, sizeof out, "'%s/lost_update' replay '%s'", bin(), min);
    cr_expect_eq(st, 1);
    cr_expect(strstr(out, "assertion failed: counter"), "%s", out);
}

Test(harness, exhaustive_counts_and_determinism)
{
    static char out[1 << 14];
    int st = sh_status(out, sizeof out, "'%s/mailbox' exhaustive --max-runs 25", bin());
    cr_expect_eq(st, 0, "%s", out);
    cr_expect(strstr(out, "exhaustive: 25 schedules (stopped at --max-runs), 0 failures"), "%s", out);
    st = sh_status(out, sizeof out, "'%s/lost_update' exhaustive --no-save", bin());
    cr_expect_eq(st, 1, "%s", out);
    cr_expect(strstr(out, "stopped at the first failure"), "%s", out);
    st = sh_status(out, sizeof out, "'%s/mailbox' check-determinism --iterations 20", bin());
    cr_expect_eq(st, 0, "%s", out);
    cr_expect(strstr(out, "check-determinism: 21 inputs, 0 nondeterministic"), "%s", out);
    st = sh_status(out, sizeof out, "'%s/mailbox' --help", bin());
    cr_expect_eq(st, 0);
    cr_expect(strstr(out, "replay") && strstr(out, "random") && strstr(out, "exhaustive"), "%s", out);
    st = sh_status(out, sizeof out, "'%s/mailbox' frobnicate", bin());
    cr_expect_eq(st, 2, "an unknown command is a usage error");
}

static bool in_sim_seen;
static void in_sim_body(void *arg)
{
    (void)arg;
    in_sim_seen = fg_in_sim();
}

/* fg_in_sim: declared for code shared with the real program, true only inside a run. */
Test(harness, in_sim_only_inside_a_run)
{
    cr_expect(!fg_in_sim());
    fg_opts o = {0};
    fg_result r;
    cr_assert_eq(fg_run_bytes(in_sim_body, NULL, &o, NULL, 0, &r), 0);
    cr_expect(in_sim_seen);
    cr_expect(!fg_in_sim(), "false again after the run");
}

/* A fuzzer binary names the driver beside it in its replay commands, and itself when there is none. */
Test(harness, fuzzer_names_its_real_driver, .init = make_tmp, .fini = tmp_remove)
{
    const char *engines = getenv("FUGUE_ENGINES");
    if (!engines || !strstr(engines, "libfuzzer-plain"))
        cr_skip_test("no libFuzzer in this build");
    static char out[1 << 15];
    char crash[1024] = "", want[1024];
    const char *corpus = getenv("FUGUE_CORPUS");
    cr_assert(corpus);
    snprintf(want, sizeof want, "%s/lost_update", corpus);
    DIR *d = opendir(want);
    cr_assert(d, "%s", want);
    for (struct dirent *e; (e = readdir(d));)
        if (!strncmp(e->d_name, "crash-", 6))
            snprintf(crash, sizeof crash, "%s/%s", want, e->d_name);
    closedir(d);
    cr_assert(*crash, "corpus/lost_update holds a crash file");
    sh_status(out, sizeof out, "'%s/lost_update-libfuzzer-plain' '%s'", bin(), crash);
    snprintf(want, sizeof want, "replay: %s/lost_update replay <file>", bin());
    cr_expect(strstr(out, want), "wanted '%s' in %s", want, out);
    cr_expect(strstr(out, "input as hex: \""), "%s", out);
    cr_assert_eq(sh_status(out, sizeof out, "cp '%s/lost_update-libfuzzer-plain' %s/", bin(), tmp), 0, "%s", out);
    sh_status(out, sizeof out, "%s/lost_update-libfuzzer-plain '%s'", tmp, crash);
    snprintf(want, sizeof want, "replay: %s/lost_update-libfuzzer-plain <file>", tmp);
    cr_expect(strstr(out, want), "alone, it names itself: wanted '%s' in %s", want, out);
}

/* --strategy overrides the target's; the saved input carries the strategy tag and
 * replays with no flag to the trace it was named by. */
Test(harness, strategy_override_saves_a_tagged_input, .init = make_tmp, .fini = tmp_remove)
{
    static char out[1 << 16];
    static const char *strategies[] = {"pct", "pos", "auto", "random"};
    for (size_t i = 0; i < sizeof strategies / sizeof *strategies; i++) {
        int st = sh_status(out, sizeof out, "'%s/lock_order' random --strategy %s --depth 2 --crash-dir '%s/%s'",
                           bin(), strategies[i], tmp, strategies[i]);
        cr_assert_eq(st, 1, "%s finds the deadlock: %s", strategies[i], out);
        char *saved = strstr(out, "input saved: ");
        cr_assert(saved, "%s", out);
        char path[1024];
        cr_assert_eq(sscanf(saved, "input saved: %1023s", path), 1);
        uint64_t h = strtoull(strrchr(path, '/') + 7, NULL, 16);
        FILE *f = fopen(path, "rb");
        cr_assert(f);
        uint8_t tag[3] = {0};
        cr_expect_eq(fread(tag, 1, 3, f), 3u);
        fclose(f);
        cr_expect(tag[0] == FG_TAG0 && tag[1] == FG_TAG1 && tag[2] == FG_TAG_VERSION, "%s: tagged", path);
        st = sh_status(out, sizeof out, "'%s/lock_order' replay '%s'", bin(), path);
        cr_expect_eq(st, 1, "%s", out);
        cr_expect_eq(hash_in(out), h, "%s replays with no flag: %s", strategies[i], out);
    }
    cr_expect_eq(sh_status(out, sizeof out, "'%s/lock_order' random --strategy lifo", bin()), 2);
    cr_expect_eq(sh_status(out, sizeof out, "'%s/lock_order' random --depth 9", bin()), 2);
    cr_expect_eq(sh_status(out, sizeof out, "FUGUE_STRATEGY=lifo '%s/lock_order' random", bin()), 2);
    cr_expect_eq(sh_status(out, sizeof out, "'%s/lock_order' exhaustive --strategy auto", bin()), 2);
    cr_expect_eq(sh_status(out, sizeof out, "'%s/lock_order' exhaustive --strategy pct --no-save", bin()), 2);
    cr_expect(strstr(out, "PCT and POS sample schedules"), "%s", out);
    cr_expect_eq(sh_status(out, sizeof out, "'%s/lock_order' exhaustive --strategy random --no-save", bin()), 1);
}

/* random's summary names each fg_sometimes never true, and only those. */
Test(harness, random_lists_sometimes_never_true)
{
    static char out[1 << 16];
    const char *hint = "sometimes never true: a reader holds a value the writer has replaced";
    int st = sh_status(out, sizeof out, "'%s/stale_cache' random --iterations 1 --seed 1 --no-save", bin());
    cr_expect_eq(st, 0, "%s", out);
    cr_expect(strstr(out, hint) && strstr(out, "random: 1 fg_sometimes never true"), "%s", out);
    st = sh_status(out, sizeof out, "('%s/stale_cache' random --iterations 2000 --keep-going --no-save 2>/dev/null)", bin());
    cr_expect_eq(st, 1, "%s", out);
    cr_expect(!strstr(out, hint), "reached once the bug's window was: %s", out);
}

/* libFuzzer under FUGUE_STRATEGY=pct: every input it runs past the seeds is
 * PCT-tagged, its mutations edit the header (harness/libfuzzer.c) and, once
 * a run reads the stream (lock_order's random sleeps), its bytes too; it
 * finds lost_update's depth-3 bug and lock_order's deadlock, and the crash it
 * saves starts with the tag and replays as the same failure in the driver
 * with no flag. */
Test(harness, libfuzzer_pct_finds_and_tags, .init = make_tmp, .fini = tmp_remove)
{
    const char *engines = getenv("FUGUE_ENGINES");
    if (!engines || !strstr(engines, "libfuzzer-plain"))
        cr_skip_test("no libFuzzer in this build");
    static const struct { const char *target, *outcome; } cases[] = {
        {"lost_update", "assertion"}, {"lock_order", "deadlock"}};
    static char out[1 << 16];
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const char *t = cases[c].target;
        sh_status(out, sizeof out, "mkdir -p '%s/%s/seeds' && printf '\\001' >'%s/%s/seeds/one' && "
                  "FUGUE_STRATEGY=pct FUGUE_DEPTH=3 '%s/%s-libfuzzer-plain' -seed=1 -runs=100000 "
                  "-artifact_prefix='%s/%s/' '%s/%s/seeds'", tmp, t, tmp, t, bin(), t, tmp, t, tmp, t);
        char dir[1024], crash[2048] = "";
        snprintf(dir, sizeof dir, "%s/%s", tmp, t);
        DIR *d = opendir(dir);
        cr_assert(d);
        for (struct dirent *e; (e = readdir(d));)
            if (!strncmp(e->d_name, "crash-", 6))
                snprintf(crash, sizeof crash, "%s/%s", dir, e->d_name);
        closedir(d);
        cr_assert(*crash, "libFuzzer with PCT inputs found %s within 100000 runs: %s", t, out);
        FILE *f = fopen(crash, "rb");
        cr_assert(f);
        uint8_t tag[FG_TAG_LEN] = {0};
        cr_expect_eq(fread(tag, 1, sizeof tag, f), sizeof tag);
        fclose(f);
        cr_expect(tag[0] == FG_TAG0 && tag[1] == FG_TAG1 && tag[2] == FG_TAG_TAIL_VERSION && tag[3] == FG_PCT && tag[4] == 3,
                  "%s: the crash is PCT-tagged (with its random tail) at depth 3: %02x %02x %02x %02x %02x", t, tag[0], tag[1], tag[2],
                  tag[3], tag[4]);
        cr_expect_eq(sh_status(out, sizeof out, "'%s/%s' replay '%s'", bin(), t, crash), 1, "%s", out);
        cr_expect(strstr(out, cases[c].outcome), "%s replays as %s: %s", t, cases[c].outcome, out);
    }
}

Test(harness, a_chaos_failure_names_its_faults_in_the_report_and_the_trace, .init = make_tmp, .fini = tmp_remove)
{
    static char out[1 << 16];
    int st = sh_status(out, sizeof out, "'%s/ack_before_persist' random --crash-dir '%s/crashes'", bin(), tmp);
    cr_assert_eq(st, 1, "the planted bug is found: %s", out);
    char *saved = strstr(out, "input saved: ");
    cr_assert(saved, "%s", out);
    char path[1024];
    cr_assert_eq(sscanf(saved, "input saved: %1023s", path), 1);
    cr_expect(strstr(out, "  host faults:\n"), "the report lists the faults: %s", out);
    cr_expect(strstr(out, ", by chaos: crash leader\n"), "it names the crash, its host and who made it: %s", out);
    st = sh_status(out, sizeof out, "'%s/ack_before_persist' replay '%s'", bin(), path);
    cr_expect_eq(st, 1);
    cr_expect(strstr(out, ", by chaos: crash leader\n"), "the replay names it too: %s", out);
    st = sh_status(out, sizeof out, "'%s/ack_before_persist' replay --trace '%s'", bin(), path);
    cr_expect(strstr(out, "ms  fault: crash leader\n"), "--trace tells the faults between the steps: %s", out);
}

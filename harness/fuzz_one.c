/* One input the way the fuzzers run it: bytes mode, schedule feedback on,
 * and on failure the report plus how to replay, then abort() so the fuzzer
 * keeps the input. */
#include "harness.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static struct fg__crash crash;
static int print_hash = -1, fb = -1;
static char driver[4096];
static uint64_t runs;   /* inputs this process ran: runs-to-bug for the figures */
uint64_t fg__fuzz_max_steps;   /* the longest run so far: where the mutator puts change points */
uint64_t fg__fuzz_last_choices;   /* the last run's choices: does a PCT run read the stream? */

static void on_failure(const fg_result *r, void *ud)
{
    struct fg__crash *c = ud;
    if (print_hash)
        fprintf(stderr, "fugue: %s: %s hash %016llx\n", c->t->name, fg_outcome_name(r->outcome),
                (unsigned long long)r->hash);
    if (c->dir) {
        fg__crash_save(r, c);
        return;
    }
    fprintf(stderr, "  input: %zu bytes read, trace hash %016llx, run %llu of this process; the fuzzer saves it"
            "   replay: %s <file>\n", r->input_len, (unsigned long long)r->hash, (unsigned long long)runs,
            c->driver);
    fg__print_hex(r->input, r->input_len, c->driver);
}

/* out of line, so AFL++ can leave it uninstrumented: whether a run is the longest yet
 * depends on the runs before it */
static __attribute__((noinline)) void longest(uint64_t steps)
{
    if (steps > fg__fuzz_max_steps)
        fg__fuzz_max_steps = steps;
}

/* first call only: out of line, so AFL++ can leave it uninstrumented */
static __attribute__((noinline)) void setup(const fg_target *t)
{
    fb = fg__fb_mode();
    static char dirbuf[4096];
    const char *p = getenv("FUGUE_PRINT_HASH");
    print_hash = p && *p && *p != '0';
    const char *d = getenv("FUGUE_CRASH_DIR");
    crash.dir = d && *d ? fg__crash_dir(t, dirbuf, sizeof dirbuf) : NULL;
    crash.driver = fg__driver_path(t, driver, sizeof driver);
}

uint64_t fg_target_fuzz_one(const fg_target *t, const uint8_t *data, size_t len)
{
    if (print_hash < 0)
        setup(t);
    crash.t = t;
    runs++;
    fg_opts o = fg_target_opts(t);
    o.on_failure = on_failure;
    o.ud = &crash;
    if (fg__fb_size && (fb & FG__FB_STEPS)) {
        fg__fb_reset();
        o.on_step = fg__fb_step;
    }
    if (fg__fb_size && (fb & FG__FB_CONFLICTS))
        o.on_feature = fg__fb_feature;
    fg_result r;
    fg_run_bytes(t->body, NULL, &o, data, len, &r);
    longest(r.steps);
    fg__fuzz_last_choices = r.choices;
    if (print_hash)
        fprintf(stderr, "fugue: %s: %s hash %016llx\n", t->name, fg_outcome_name(r.outcome),
                (unsigned long long)r.hash);
    return r.hash;
}

/* Runs the target a few times before the fuzzer's first input, so that input meets pools,
 * tables and lazily set statics as every later one does: in AFL++ the first run of each
 * fresh process took ~20 edges the others did not, which counted as unstable. */
__attribute__((noinline)) void fg__fuzz_warm(const fg_target *t)
{
    setup(t);
    fg_opts o = fg_target_opts(t);
    o.return_on_failure = o.quiet = true;
    fg_result r;
    /* unseen runs print nothing: a hostile target's misuse lines would bury the real run's */
    fflush(stderr);
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    if (saved >= 0 && null >= 0)
        dup2(null, 2);
    fg_run_bytes(t->body, NULL, &o, NULL, 0, &r);
    for (uint64_t seed = 0; seed < 64; seed++)
        fg_run_seed(t->body, NULL, &o, seed, &r);
    fflush(stderr);
    if (saved >= 0 && null >= 0)
        dup2(saved, 2);
    if (saved >= 0)
        close(saved);
    if (null >= 0)
        close(null);
}

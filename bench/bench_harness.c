/* Figures for the harness: runs per second of every target in random mode and
 * through the fuzzers' entry (with and without schedule feedback, no fuzzer
 * around it), and random mode's runs-to-bug on each planted bug (mean over
 * seeds). The fuzzers' own figures come from scripts/fuzz-bugs and scripts/fuzz. */
#include "fugue/target.h"
#include "../harness/harness.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

static uint8_t counters[1 << 12];

int main(void)
{
    const double budget = 0.3;   /* seconds of CPU per figure */
    bench_mute_stderr();
    for (fg_target *t = fg_targets(); t; t = t->next) {
        fg_opts o = fg_target_opts(t);
        o.return_on_failure = o.quiet = true;
        fg_result r;
        /* random mode: seeded runs */
        uint64_t n = 0;
        double t0 = now_s(), dt;
        do {
            for (int k = 0; k < 64; k++)
                fg_run_seed(t->body, NULL, &o, n++, &r);
        } while ((dt = now_s() - t0) < budget);
        printf("%s_random: %.0f runs/s\n", t->name, (double)n / dt);
        if (t->expect != FG_PASS)
            continue;
        /* the fuzzers' entry on recorded random inputs, feedback off then on */
        static uint8_t inputs[64][256];
        size_t lens[64];
        for (int k = 0; k < 64; k++) {
            fg_run_seed(t->body, NULL, &o, (uint64_t)k, &r);
            lens[k] = r.input_len < sizeof inputs[k] ? r.input_len : sizeof inputs[k];
            memcpy(inputs[k], r.input, lens[k]);
        }
        for (int fb = 0; fb < 2; fb++) {
            fg__fb_counters = fb ? counters : NULL;
            fg__fb_size = fb ? sizeof counters : 0;
            n = 0;
            t0 = now_s();
            do {
                for (int k = 0; k < 64; k++, n++) {
                    memset(counters, 0, sizeof counters);
                    fg_target_fuzz_one(t, inputs[k], lens[k]);
                }
            } while ((dt = now_s() - t0) < budget);
            printf("%s_fuzz_entry%s: %.0f runs/s\n", t->name, fb ? "_with_schedule_feedback" : "", (double)n / dt);
        }
    }
    /* runs-to-bug of random mode: mean over seeds */
    for (fg_target *t = fg_targets(); t; t = t->next) {
        if (t->expect == FG_PASS)
            continue;
        fg_opts o = fg_target_opts(t);
        o.return_on_failure = o.quiet = true;
        const int trials = 50;
        uint64_t total = 0, worst = 0;
        for (int i = 0; i < trials; i++) {
            uint64_t runs = 0;
            fg_result r;
            for (uint64_t s = (uint64_t)i * 1000003;; s++) {
                runs++;
                fg_run_seed(t->body, NULL, &o, s, &r);
                if (r.outcome != FG_PASS || runs >= 10 * t->find_within)
                    break;
            }
            total += runs;
            worst = runs > worst ? runs : worst;
        }
        printf("%s_random_runs_to_bug_mean: %.1f runs\n", t->name, (double)total / trials);
        printf("%s_random_runs_to_bug_worst_of_%d: %llu runs\n", t->name, trials, (unsigned long long)worst);
        printf("%s_stated_find_within: %llu runs\n", t->name, (unsigned long long)t->find_within);
    }
    return 0;
}

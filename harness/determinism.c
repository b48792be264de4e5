/* check-determinism: every input run twice must give one trace hash. Without
 * files, the empty input and the inputs of seeded random runs are checked. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

int fg__determinism_main(const fg_target *t, const char *prog, int argc, char **argv)
{
    (void)prog;
    uint64_t iterations = 100, seed = 1;
    fg_opts o = fg_target_opts(t);
    o.return_on_failure = true;
    o.quiet = true;
    unsigned checked = 0, bad = 0;
    bool files = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--iterations") || !strcmp(argv[i], "--seed")) {
            if (!fg__parse_u64(i + 1 < argc ? argv[i + 1] : NULL, argv[i][2] == 'i' ? &iterations : &seed, false)) {
                fprintf(stderr, "check-determinism: bad %s (see --help)\n", argv[i]);
                return 2;
            }
            i++;
            continue;
        }
        files = true;
        size_t len;
        uint8_t *data = fg__read_file(argv[i], &len);
        if (!data) {
            perror(argv[i]);
            return 2;
        }
        int err = fg_check_determinism(t->body, NULL, &o, data, len);
        free(data);
        checked++;
        if (err < 0) {
            printf("%s: %s\n", argv[i], fg_strerror(err));
            bad++;
        }
    }
    if (!files) {
        bad += fg_check_determinism(t->body, NULL, &o, NULL, 0) < 0;
        checked++;
        for (uint64_t s = seed; s < seed + iterations; s++) {
            fg_result r;
            if (fg_run_seed(t->body, NULL, &o, s, &r) < 0)
                return 2;
            uint8_t *copy = malloc(r.input_len + 1);
            if (!copy)
                return 2;
            if (r.input_len)   /* a run that read nothing may have no buffer at all */
                memcpy(copy, r.input, r.input_len);
            int err = fg_check_determinism(t->body, NULL, &o, copy, r.input_len);
            free(copy);
            checked++;
            if (err < 0) {
                printf("seed %llu: %s\n", (unsigned long long)s, fg_strerror(err));
                bad++;
            }
        }
    }
    printf("check-determinism: %u input%s, %u nondeterministic\n", checked, checked == 1 ? "" : "s", bad);
    return bad ? 1 : 0;
}

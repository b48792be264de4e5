/* The scenario golden trace hashes are pinned on (test_choice.c for the
 * stream, test_prio.c for PCT/POS): three tasks that sleep a drawn time and
 * yield, three times each. Changing it changes every golden hash. */
#ifndef FUGUE_TEST_GOLDEN_H
#define FUGUE_TEST_GOLDEN_H

#include "fugue.h"

static void sleeper(void *arg)
{
    for (int i = 0; i < 3; i++) {
        fg_sleep(fg_rand_range(0, 5) * FG_MS);
        fg_yield();
    }
    (void)arg;
}

static void golden_root(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        fg_spawn(sleeper, NULL, .name = fg_fmt("s%d", i), .primary = true);
}

#endif

/* main() of a target's driver. With several targets linked in, the first
 * argument names the target. */
#include "harness.h"

#include <string.h>

int main(int argc, char **argv)
{
    fg_target *t = fg_targets();
    if (!t) {
        fprintf(stderr, "%s: no FG_TARGET linked in\n", argv[0]);
        return 2;
    }
    if (!t->next)
        return fg_target_main(t, argc, argv);
    fg_target *sel = argc > 1 ? fg_target_find(argv[1]) : NULL;
    if (!sel) {
        fprintf(stderr, "usage: %s TARGET COMMAND [options]; targets:", argv[0]);
        for (; t; t = t->next)
            fprintf(stderr, " %s", t->name);
        fprintf(stderr, "\n");
        return 2;
    }
    argv[1] = argv[0];
    return fg_target_main(sel, argc - 1, argv + 1);
}

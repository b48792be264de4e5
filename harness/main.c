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
    if (argc > 1 && (!strcmp(argv[1], "list") || !strcmp(argv[1], "--list"))) {
        fg__list_targets(stdout);
        return 0;
    }
    fg_target *sel = argc > 1 ? fg_target_find(argv[1]) : NULL;
    if (!sel) {
        bool help = argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
        FILE *f = help ? stdout : stderr;
        if (argc > 1 && !help)
            fprintf(f, "%s: no target %s\n", argv[0], argv[1]);
        fprintf(f, "usage: %s TARGET COMMAND [options] (TARGET --help: the commands), or %s list; targets:",
                argv[0], argv[0]);
        for (; t; t = t->next)
            fprintf(f, " %s", t->name);
        fprintf(f, "\n");
        return help ? 0 : 2;
    }
    /* the replay commands it prints must name the target too */
    static char prog[4096];
    snprintf(prog, sizeof prog, "%s %s", argv[0], sel->name);
    argv[1] = prog;
    return fg_target_main(sel, argc - 1, argv + 1);
}

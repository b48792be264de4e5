/* main() of a program built by fugue-cc: the standard driver (replay,
 * random, exhaustive, minimize, check-determinism); the program's own
 * arguments follow --args. --races (any command) adds data races as a failure. */
#include "px.h"

extern int px__argc;
extern char **px__argv;
extern fg_target px__target;
void px__profile(void);
const int px__has_driver = 1;

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--args")) {
            argv[i] = argv[0];            /* the program's argv[0] is its name */
            px__argc = argc - i;
            px__argv = argv + i;
            argc = i;
            break;
        }
    }
    /* --races belongs to the layer, not the driver: taken out before the driver parses */
    int n = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--races"))
            px__races = true;
        else
            argv[n++] = argv[i];
    }
    argc = n;
    if (argc > 1 && strcmp(argv[1], "info") && strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))
        px__profile();
    return fg_target_main(&px__target, argc, argv);
}

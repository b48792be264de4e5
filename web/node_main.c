/* main() of the drivers run under node: harness/main.c's, compiled as
 * fg__driver_main, whose status must go through exit(). A task switch unwinds
 * main() to JavaScript and rewinds it later, and its return value after a
 * rewind never reaches node. */
#include <stdlib.h>

int fg__driver_main(int argc, char **argv);

int main(int argc, char **argv)
{
    exit(fg__driver_main(argc, argv));
}

/* The program's free(): fugue-cc renames the program's calls to it
 * (objcopy --redefine-sym free=px_program_free, tsan builds). Under --races
 * the freed block's access history goes, since malloc hands the same
 * addresses to another thread as new memory (one OS thread runs them all). */
#include "px.h"

#include <malloc.h>
#include <stdlib.h>

void px_program_free(void *p);

void px_program_free(void *p)
{
    if (p && px__races && px_in_sim())
        px__race_free_(p, malloc_usable_size(p));
    free(p);
}

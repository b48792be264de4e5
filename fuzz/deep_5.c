/* Planted bug (bug depth 5): 5 segments of 3 steps in the one bad order, two
 * workers of 12 steps and 1 noise task(s) besides (fuzz/chain.h). */
#define DEPTH 5
#define SEG 3
#define NOISE 1
#define LEN 12
#include "chain.h"

FG_TARGET(deep_5, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 100000)
{
    chain_spawn();
}

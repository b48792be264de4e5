/* Planted bug (bug depth 3): 3 segments of 5 steps in the one bad order, two
 * workers of 16 steps and 1 noise task(s) besides (fuzz/chain.h). */
#define DEPTH 3
#define SEG 5
#define NOISE 1
#define LEN 16
#include "chain.h"

FG_TARGET(deep_3, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 100000)
{
    chain_spawn();
}

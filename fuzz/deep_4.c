/* Planted bug (bug depth 4): 4 segments of 4 steps in the one bad order, two
 * workers of 16 steps and 2 noise task(s) besides (fuzz/chain.h). */
#define DEPTH 4
#define SEG 4
#define NOISE 2
#define LEN 16
#include "chain.h"

FG_TARGET(deep_4, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 100000)
{
    chain_spawn();
}

/* Writing the strategy tag (docs/choice-stream.md). Apart from prio.c, which
 * reads it, because this needs nothing of the sim: the AFL++ mutator
 * (harness/afl_mutator.c) is built from it without the core. */
#include "fugue.h"

size_t fg_strategy_tag(fg_strategy s, unsigned depth, uint8_t out[FG_TAG_LEN])
{
    out[0] = FG_TAG0;
    out[1] = FG_TAG1;
    out[2] = FG_TAG_VERSION;
    out[3] = (uint8_t)s;
    out[4] = (uint8_t)depth;
    return FG_TAG_LEN;
}

size_t fg_tail_tag(fg_strategy s, unsigned depth, uint32_t seed, uint8_t out[FG_TAG_TAIL_LEN])
{
    fg_strategy_tag(s, depth, out);
    out[2] = FG_TAG_TAIL_VERSION;
    for (int i = 0; i < 4; i++)
        out[FG_TAG_LEN + i] = (uint8_t)(seed >> (8 * i));
    return FG_TAG_TAIL_LEN;
}

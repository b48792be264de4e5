/* The random tail (docs/harness.md): what the libFuzzer entry and the AFL++
 * mutator both do to an input. Each gives it a version-2 strategy tag, whose
 * seed makes the choices past its end a random run; 1 mutation in N keeps a
 * prefix of the body and draws a new seed, the others edit the body only. */
#include "harness.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

bool fg__env_count(const char *name, unsigned *count)
{
    const char *v = getenv(name);
    uint64_t x;
    if (!v || !*v)
        return true;
    if (!fg__parse_u64(v, &x, false) || x > UINT_MAX) {
        fprintf(stderr, "fugue: %s=%s is not a count (docs/harness.md)\n", name, v);
        return false;
    }
    *count = (unsigned)x;
    return true;
}

uint64_t fg__mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ x >> 30) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ x >> 27) * 0x94d049bb133111ebull;
    return x ^ x >> 31;
}

size_t fg__tag_len(const uint8_t *d, size_t n)
{
    if (n < FG_TAG_LEN || d[0] != FG_TAG0 || d[1] != FG_TAG1 || d[3] > FG_POS)
        return 0;
    if (d[2] == FG_TAG_VERSION)
        return FG_TAG_LEN;
    return d[2] == FG_TAG_TAIL_VERSION && n >= FG_TAG_TAIL_LEN ? FG_TAG_TAIL_LEN : 0;
}

size_t fg__tag_put(uint8_t *data, size_t size, size_t max_size, const fg_opts *o, bool tail, uint64_t seed)
{
    size_t want = tail ? FG_TAG_TAIL_LEN : FG_TAG_LEN;
    if (fg__tag_len(data, size) || max_size < want)
        return size;
    size_t keep = size + want <= max_size ? size : max_size - want;
    memmove(data + want, data, keep);
    if (tail)
        fg_tail_tag(o->strategy, o->depth, (uint32_t)fg__mix(seed), data);
    else
        fg_strategy_tag(o->strategy, o->depth, data);
    return keep + want;
}

/* Some mutations keep a prefix of a corpus input (a schedule that got
 * somewhere) and make the rest of the run uniformly random: random mode's
 * strength, started from the fuzzer's progress. Behind a version-2 tag that
 * is a cut and a new tail seed; behind none or a version-1 tag, random bytes
 * after the cut. */
static size_t cut(uint8_t *data, size_t size, size_t max_size, size_t at, uint64_t x)
{
    x ^= x >> 31, x *= 0xbf58476d1ce4e5b9ull;
    if (at == FG_TAG_TAIL_LEN) {
        /* PCT's header is its schedule: raw tail bytes there would be no change points */
        size_t from = at + (data[3] == FG_PCT ? FG__HDR_LEN : 0);
        size_t end = size > from ? from + (size_t)(x % (size - from + 1)) : size;
        fg_tail_tag((fg_strategy)data[3], data[4], (uint32_t)fg__mix(x), data);   /* the same tag, a new seed */
        return end;
    }
    size_t end = size ? (size_t)(x % (size + 1)) : 0;
    size_t len = end + 8 + (size_t)((x >> 32) % 64);
    if (len > max_size)
        len = max_size;
    for (size_t i = end; i < len; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        data[i] = (uint8_t)(x >> 24);
    }
    return len;
}

size_t fg__tail_mutate(uint8_t *data, size_t size, size_t max_size, unsigned every, unsigned seed,
                       fg__body_fn *body, void *ud)
{
    size_t at = fg__tag_len(data, size);
    if (!every || seed % every || max_size <= at)   /* the tag stays as it is */
        return at + body(data + at, size - at, max_size - at, ud);
    return cut(data, size, max_size, at, (uint64_t)seed * 0x9e3779b97f4a7c15ull + 1);
}

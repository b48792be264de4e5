/* The choice stream: the one root of nondeterminism. Its encoding is a public
 * contract (docs/choice-stream.md): a choice among n reads the fewest bytes
 * that hold n-1, little-endian, modulo n; exhausted input reads as zeros (or,
 * behind a version-2 tag, as the bytes of a generator seeded by the tag). */
#include "internal.h"

#include <stdlib.h>

struct odometer {
    uint64_t *value, *bound;
    size_t len, cap;
};

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256**, seeded through splitmix64 */
static uint64_t rng_next(void)
{
    uint64_t *s = S->rng;
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

void fg__rng_seed(uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        S->rng[i] = z ^ (z >> 31);
    }
}

static FG_POOLED void record(uint64_t v, unsigned nbytes)
{
    if (S->rec_len + nbytes > S->rec_cap) {
        size_t cap = S->rec_cap ? S->rec_cap * 2 : 4096;
        uint8_t *p = fg__keep_grow(S->rec, S->rec_cap, cap);
        if (!p)
            fg__fail(FG_FAIL_CRASH, "out of memory recording the choice stream");
        S->rec = p;
        S->rec_cap = cap;
    }
    for (unsigned i = 0; i < nbytes; i++)
        S->rec[S->rec_len++] = (uint8_t)(v >> (8 * i));
}

static unsigned width(uint64_t max)
{
    return max ? (unsigned)(64 - __builtin_clzll(max) + 7) / 8 : 0;
}

static uint64_t odometer(uint64_t n)
{
    struct odometer *o = S->odo;
    size_t k = S->odo_pos++;
    if (k < o->len) {
        if (o->bound[k] != n)
            fg__fail(FG_FAIL_NONDET, "nondeterminism: choice %zu had %llu options in an earlier run, %llu now",
                     k, (unsigned long long)o->bound[k], (unsigned long long)n);
        return o->value[k];
    }
    if (o->len == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 256;
        uint64_t *v = realloc(o->value, cap * sizeof *v), *b = v ? realloc(o->bound, cap * sizeof *b) : NULL;
        if (v)
            o->value = v;
        if (!b)
            fg__fail(FG_FAIL_CRASH, "out of memory in the exhaustive explorer");
        o->bound = b;
        o->cap = cap;
    }
    o->value[o->len] = 0;
    o->bound[o->len++] = n;
    return 0;
}

/* Tag version 2: the bytes past the input's end, one draw per read, out of line (a run reaches it once it has read all). */
static FG_POOLED uint64_t tail_read(unsigned nbytes)
{
    uint64_t v = 0, r = rng_next();
    for (unsigned i = 0; i < nbytes; i++, S->in_pos++)
        v |= (uint64_t)(S->in_pos < S->in_len ? S->in[S->in_pos] : (uint8_t)(r >> (8 * i))) << (8 * i);
    return v;
}

/* Reads the next choice as an nbytes-wide integer (for n = 2^(8*nbytes)); `n` bounds
 * the odometer, which enumerates values instead of bytes. */
static uint64_t next(unsigned nbytes, uint64_t n)
{
    uint64_t v = 0;
    switch (S->src) {
    case SRC_BYTES:
        if (FG_UNLIKELY(S->in_pos + nbytes > S->in_len) && S->tail)
            return tail_read(nbytes);
        for (unsigned i = 0; i < nbytes; i++, S->in_pos++)
            if (S->in_pos < S->in_len)
                v |= (uint64_t)S->in[S->in_pos] << (8 * i);
        return v;
    case SRC_RNG:
        v = rng_next();
        if (nbytes < 8)
            v &= (1ull << (8 * nbytes)) - 1;
        record(v, nbytes);
        return v;
    default:
        v = odometer(n);
        record(v, nbytes);
        return v;
    }
}

uint64_t fg_choose(uint64_t n)
{
    if (FG_UNLIKELY(!S->active)) {
        fg__misuse("fg_choose", -EPERM, "called outside a running sim");
        return 0;
    }
    if (n <= 1)
        return 0;
    uint64_t v = next(width(n - 1), n) % n;
    S->choices++;
    S->hash = fg__mix(S->hash, v * 0x10001 + n);
    return v;
}

uint64_t fg__raw(unsigned nbytes)
{
    if (FG_UNLIKELY(!S->active)) {
        fg__misuse("fg_rand", -EPERM, "called outside a running sim");
        return 0;
    }
    uint64_t n = nbytes >= 8 ? 0 : 1ull << (8 * nbytes);
    uint64_t v = next(nbytes, n ? n : UINT64_MAX);
    S->choices++;
    S->hash = fg__mix(S->hash, v);
    return v;
}

uint64_t fg__rng_u64(void)
{
    return rng_next();
}

uint64_t fg__param(unsigned nbytes, uint64_t v)
{
    if (S->src == SRC_RNG)
        record(v, nbytes);
    else
        v = next(nbytes, 0);
    S->hash = fg__mix(S->hash, v);
    return v;
}

bool fg_rand_bool(void)
{
    return fg_choose(2);
}

uint32_t fg_rand_u32(void)
{
    return (uint32_t)fg__raw(4);
}

uint64_t fg_rand_u64(void)
{
    return fg__raw(8);
}

int64_t fg_rand_range(int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
    return (int64_t)((uint64_t)lo + (span ? fg_choose(span) : fg__raw(8)));
}

bool fg_rand_chance(uint32_t num, uint32_t den)
{
    if (num >= den)
        return true;
    if (num == 0)
        return false;
    /* 0, the natural value, is "no": the low end of [0, den) means false */
    return fg_choose(den) >= den - num;
}

void fg_rand_bytes(void *buf, size_t n)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)fg__raw(1);
}

/* ---- exhaustive exploration: an odometer over (value, bound) pairs ---- */

struct odometer *fg__odo_new(void)
{
    return calloc(1, sizeof(struct odometer));
}

void fg__odo_free(struct odometer *o)
{
    if (!o)
        return;
    free(o->value);
    free(o->bound);
    free(o);
}

bool fg__odo_next(struct odometer *o, size_t used)
{
    if (used < o->len)
        o->len = used;
    while (o->len && o->value[o->len - 1] + 1 >= o->bound[o->len - 1])
        o->len--;
    if (!o->len)
        return false;
    o->value[o->len - 1]++;
    return true;
}

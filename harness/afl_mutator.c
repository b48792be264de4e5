/* AFL++ custom mutator (AFL_CUSTOM_MUTATOR_LIBRARY): the random tail the
 * libFuzzer entry gives its inputs (tail.c, docs/harness.md). Every input it
 * makes starts with a version-2 tag of FUGUE_STRATEGY's strategy at
 * FUGUE_DEPTH; one mutation in FUGUE_RANDOM_TAIL (2) cuts the input and
 * draws a new tail seed, the others edit the body's bytes. It runs inside
 * afl-fuzz, which knows no target: scripts/fuzz sets FUGUE_STRATEGY to the
 * target's own (`<driver> info`) when it is not set, and without it the
 * mutator refuses to start. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#define AFL_API __attribute__((visibility("default")))
#define GROW 64   /* the most a mutation lengthens an input: past its end the tail is random anyway */

struct mut {
    struct fg__strat strat;
    unsigned every;   /* 1 in `every` mutations cuts and reseeds the tail; 0: never */
    uint64_t x;   /* AFL++ seeds us once: every mutation draws from here */
    uint8_t *buf;
    size_t cap;
    const uint8_t *add;   /* the body of the other input AFL++ hands us, for splices */
    size_t add_len;
};

AFL_API void *afl_custom_init(void *afl, unsigned int seed);
AFL_API size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf, uint8_t *add_buf,
                               size_t add_buf_size, size_t max_size);
AFL_API void afl_custom_deinit(void *data);

AFL_API void *afl_custom_init(void *afl, unsigned int seed)
{
    (void)afl;
    struct fg__strat s = FG__STRAT_TARGET;
    unsigned every = 2;
    if (!fg__strategy_env(&s) || !fg__env_count("FUGUE_RANDOM_TAIL", &every))
        return NULL;
    if (s.kind < 0) {
        fprintf(stderr, "fugue: the AFL++ mutator tags inputs with FUGUE_STRATEGY, which is not set "
                        "(the target's own is in `<driver> info`; scripts/fuzz sets it)\n");
        return NULL;
    }
    struct mut *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->strat = s;
    m->every = every;
    m->x = seed;
    return m;
}

static uint64_t next(struct mut *m)
{
    m->x += 0x9e3779b97f4a7c15ull;
    return fg__mix(m->x);
}

/* Byte mutations of the body, 1 to 4 stacked as libFuzzer's are: AFL++'s own
 * would rewrite the tag too. A byte is one choice (docs/choice-stream.md). */
static size_t havoc(uint8_t *d, size_t n, size_t max, void *ud)
{
    struct mut *m = ud;
    for (unsigned k = 1 + (unsigned)(next(m) % 4); k--;) {
        uint64_t r = next(m);
        size_t at = n ? (size_t)((r >> 8) % n) : 0, len = 1 + (size_t)((r >> 40) % 8);
        switch (r % 6) {
        case 0:   /* a choice drawn afresh */
            if (n)
                d[at] = (uint8_t)(r >> 32);
            break;
        case 1:   /* the next or the previous candidate */
            if (n)
                d[at] = (uint8_t)(d[at] + ((r >> 32) & 1 ? 1 : 255));
            break;
        case 2:   /* choices inserted: the later ones shift */
            if (n + len > max)
                break;
            memmove(d + at + len, d + at, n - at);
            for (size_t i = 0; i < len; i++)
                d[at + i] = (uint8_t)(next(m) >> 24);
            n += len;
            break;
        case 3:   /* choices erased */
            len = len < n - at ? len : n - at;
            memmove(d + at, d + at + len, n - at - len);
            n -= len;
            break;
        case 4:   /* a run of this body over another place of it */
        case 5: {   /* a run of the other input's body (a splice) */
            const uint8_t *src = r % 6 == 4 ? d : m->add;
            size_t sn = r % 6 == 4 ? n : m->add_len;
            if (!n || !sn)
                break;
            size_t from = (size_t)((r >> 32) % sn);
            len = len < sn - from ? len : sn - from;
            len = len < n - at ? len : n - at;
            memmove(d + at, src + from, len);
            break;
        }
        }
    }
    return n;
}

AFL_API size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf, uint8_t *add_buf,
                               size_t add_buf_size, size_t max_size)
{
    struct mut *m = data;
    size_t cap = buf_size + FG_TAG_TAIL_LEN + GROW;
    cap = cap < max_size ? cap : max_size;
    if (m->cap < cap) {
        uint8_t *p = realloc(m->buf, cap);
        if (!p)
            return 0;   /* AFL++ skips this mutation */
        m->buf = p;
        m->cap = cap;
    }
    size_t n = buf_size < cap ? buf_size : cap;
    memcpy(m->buf, buf, n);
    unsigned seed = (unsigned)next(m);
    fg_opts o = {0};
    fg__strategy_apply(&m->strat, &o, seed);   /* auto: the strategy rotates as libFuzzer's does */
    n = fg__tag_put(m->buf, n, cap, &o, m->every != 0, seed);
    size_t skip = add_buf ? fg__tag_len(add_buf, add_buf_size) : 0;
    m->add = add_buf ? add_buf + skip : NULL;
    m->add_len = add_buf ? add_buf_size - skip : 0;
    n = fg__tail_mutate(m->buf, n, cap, m->every, seed, havoc, m);
    *out_buf = m->buf;
    return n;
}

AFL_API void afl_custom_deinit(void *data)
{
    struct mut *m = data;
    if (m)
        free(m->buf);
    free(m);
}

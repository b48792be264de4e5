/* Which strategy a run uses when the target's own is overridden: --strategy and
 * --depth for random and exhaustive, FUGUE_STRATEGY and FUGUE_DEPTH for the
 * tests, and `auto`, a portfolio rotating random, PCT d=1..3 and POS across
 * runs. An overridden run's saved input starts with the strategy tag, so it
 * replays with no flag (crash.c). Needs nothing of the sim: the AFL++ mutator
 * is built from it. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static const char *names[] = {"por", "fifo", "random", "pct", "pos", "auto"};
#define NNAMES (sizeof names / sizeof *names)

/* auto's rotation: (strategy, depth) */
static const struct { fg_strategy s; unsigned d; } portfolio[] = {
    {FG_RANDOM, 0}, {FG_PCT, 1}, {FG_PCT, 2}, {FG_PCT, 3}, {FG_POS, 0},
};

const char *fg__strategy_name(int kind)
{
    return kind >= 0 && (unsigned)kind < NNAMES ? names[kind] : "?";
}

static bool parse_name(const char *v, int *kind)
{
    for (unsigned i = 0; v && i < NNAMES; i++)
        if (!strcmp(v, names[i])) {
            *kind = (int)i;
            return true;
        }
    return false;
}

static bool parse_depth(const char *v, unsigned *d)
{
    uint64_t x;
    if (!fg__parse_u64(v, &x, false) || x < 1 || x > FG_PCT_MAX_DEPTH)
        return false;
    *d = (unsigned)x;
    return true;
}

int fg__strategy_arg(struct fg__strat *s, const char *a, const char *v)
{
    if (!strcmp(a, "--strategy"))
        return parse_name(v, &s->kind) ? 1 : -1;
    if (!strcmp(a, "--depth"))
        return parse_depth(v, &s->depth) ? 1 : -1;
    return 0;
}

bool fg__strategy_env(struct fg__strat *s)
{
    const char *v = getenv("FUGUE_STRATEGY"), *d = getenv("FUGUE_DEPTH");
    if (v && *v && !parse_name(v, &s->kind)) {
        fprintf(stderr, "fugue: FUGUE_STRATEGY=%s is none of por fifo random pct pos auto\n", v);
        return false;
    }
    if (d && *d && !parse_depth(d, &s->depth)) {
        fprintf(stderr, "fugue: FUGUE_DEPTH=%s is not a depth in 1..%d\n", d, FG_PCT_MAX_DEPTH);
        return false;
    }
    return true;
}

/* The tag of the last run an override applied to; its length 0 when none. */
static uint8_t tag[FG_TAG_LEN];
static size_t tag_len;

void fg__strategy_apply(const struct fg__strat *s, fg_opts *o, uint64_t run)
{
    if (s->kind == FG__AUTO) {
        size_t i = run % (sizeof portfolio / sizeof *portfolio);
        o->strategy = portfolio[i].s;
        o->depth = portfolio[i].d;
    } else if (s->kind >= 0) {
        o->strategy = (fg_strategy)s->kind;
        o->depth = s->depth;
    } else if (s->depth) {
        o->depth = s->depth;
    }
    tag_len = s->kind >= 0 || s->depth ? fg_strategy_tag(o->strategy, o->depth, tag) : 0;
}

size_t fg__strategy_last_tag(const uint8_t **t)
{
    *t = tag;
    return tag_len;
}

bool fg_target_strategy_env(fg_opts *o, uint64_t run)
{
    struct fg__strat s = FG__STRAT_TARGET;
    if (!fg__strategy_env(&s))
        return false;
    fg__strategy_apply(&s, o, run);
    return true;
}

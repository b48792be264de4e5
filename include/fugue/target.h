/* Targets: a scenario written once (FG_TARGET) and run by five engines —
 * libFuzzer, AFL++, replay, random and exhaustive. See docs/harness.md. */
#ifndef FUGUE_TARGET_H
#define FUGUE_TARGET_H

#include "../fugue.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fg_target fg_target;
struct fg_target {
    const char *name;
    fg_fn body;                 /* runs as the sim's root, primary task */
    const char *file;
    fg_strategy strategy;       /* default FG_POR */
    unsigned depth;             /* FG_PCT's depth (0: 3) */
    size_t stack_size;          /* 0: FG_STACK_DEFAULT */
    bool stack_copy;            /* fg_opts.stack_copy: tasks share one stack (docs/tasks.md) */
    uint64_t max_steps;         /* 0: the core's default */
    fg_time max_time;           /* 0: none */
    /* Planted bugs: the failure the target exists to show (FG_PASS: none), and the
     * number of seeded random runs within which random mode must find it. */
    fg_outcome expect;
    uint64_t find_within;
    fg_target *next;            /* registry link, by name */
};

/* Defines a target; options are fg_target fields: FG_TARGET(name, .strategy = FG_RANDOM) { ... }.
 * The body runs as the root task; `fg_arg` is NULL. */
#define FG_TARGET(id, ...)                                                                       \
    static void fg_target_body_##id(void *fg_arg);                                               \
    static fg_target fg_target_##id = {.name = #id, .body = fg_target_body_##id,                 \
                                       .file = __FILE__, __VA_ARGS__};                           \
    __attribute__((constructor)) static void fg_target_register_##id(void)                       \
    {                                                                                            \
        fg_target_register(&fg_target_##id);                                                    \
    }                                                                                            \
    static void fg_target_body_##id(void *fg_arg __attribute__((unused)))

/* Adds a target to the registry (FG_TARGET does it before main). */
FG_API void fg_target_register(fg_target *t);
/* The registered targets in name order, and lookup by name (NULL: none). */
FG_API fg_target *fg_targets(void);
FG_API fg_target *fg_target_find(const char *name);
/* The options a target runs with in every engine. */
FG_API fg_opts fg_target_opts(const fg_target *t);

/* Runs one input the way the fuzzers do: failures abort after the input's
 * replay command is printed. Returns the trace hash. */
FG_API uint64_t fg_target_fuzz_one(const fg_target *t, const uint8_t *data, size_t len);

/* Saves `len` bytes as DIR/crash-<hash>; writes the path to `path`. 0 or a negative errno. */
FG_API int fg_save_input(const char *dir, uint64_t hash, const uint8_t *data, size_t len,
                         char *path, size_t path_len);

/* Applies FUGUE_STRATEGY (por fifo random pct pos auto) and FUGUE_DEPTH, when set, to run
 * number `run` with options `o` (auto rotates random, PCT d=1..3, POS); false, with a
 * message, when they name no strategy. */
FG_API bool fg_target_strategy_env(fg_opts *o, uint64_t run);

/* The driver: replay, random, exhaustive, check-determinism (see --help). */
FG_API int fg_target_main(const fg_target *t, int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif

/* fugue: deterministic simulation of cooperating tasks, driven by a choice stream.
 * Every decision the simulator could make more than one way is read from one
 * stream of choices (fg_choose), so fuzzers explore interleavings and any run
 * replays bit for bit from the bytes it read. See README.md and docs/. */
#ifndef FUGUE_H
#define FUGUE_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FG_API __attribute__((visibility("default")))
#define FG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define FG_NORETURN __attribute__((noreturn))
#else
#define FG_API
#define FG_PRINTF(a, b)
#define FG_NORETURN
#endif

/* ---- time ---------------------------------------------------------------- */

/* Sim time: nanoseconds since the sim began. Deadlines are absolute. */
typedef int64_t fg_time;
#define FG_FOREVER INT64_MAX
#define FG_NS ((fg_time)1)
#define FG_US ((fg_time)1000)
#define FG_MS ((fg_time)1000000)
#define FG_SEC ((fg_time)1000000000)

FG_API fg_time fg_now(void);
/* Deadline `d` from now, saturating at FG_FOREVER. */
FG_API fg_time fg_after(fg_time d);

/* ---- running a sim -------------------------------------------------------- */

typedef void (*fg_fn)(void *arg);

typedef enum fg_strategy {
    FG_POR = 0,   /* only the order of dependent operations is a choice (default) */
    FG_FIFO,      /* no choices: the natural schedule */
    FG_RANDOM,    /* any ready task may run next */
    FG_PCT,       /* priorities and depth-1 change points (Burckhardt et al.); see docs/choice-stream.md */
    FG_POS,       /* partial-order sampling: a fresh random priority per operation (Yuan et al.) */
} fg_strategy;
#define FG_PCT_MAX_DEPTH 8

typedef enum fg_outcome {
    FG_PASS = 0,
    FG_FAIL_ASSERT,    /* fg_assert or fg_fail */
    FG_FAIL_DEADLOCK,  /* primary tasks left, nothing ready, no timer */
    FG_FAIL_LIVELOCK,  /* a step or sim-time budget ran out */
    FG_FAIL_CRASH,     /* abort() or a crash signal */
    FG_FAIL_OVERFLOW,  /* a task overflowed its stack */
    FG_FAIL_NONDET,    /* a replayed prefix asked a different question (exhaustive) */
    FG_FAIL_EXIT,      /* the program exited with a nonzero status (the pthread layer) */
    FG_FAIL_RACE,      /* two threads' accesses unordered by happens-before (the pthread layer's --races) */
} fg_outcome;

/* One step: one resumption of one task; the trace is the list of steps. */
typedef struct fg_step {
    uint64_t index;
    fg_time time;
    int task;
    const char *name, *group;
    const char *call;   /* the call the task resumes from ("fg_sleep"), or "start" */
    const char *file;   /* where that call was made, when known */
    int line;
    uint64_t choices;   /* choices with more than one option made before this step */
    size_t input_pos;   /* bytes of the choice stream read before this step */
} fg_step;

/* What a timeline needs besides the steps (fg_opts.on_event); the core makes them
 * only when someone asks, so a run without on_event pays nothing for them. */
typedef enum fg_event_kind {
    FG_EV_WAKE,        /* running task `from` made blocked `task` ready; it waited in `name`: a hand-off */
    FG_EV_SEND,        /* `task` sent datagram `id` */
    FG_EV_RECV,        /* `task` took datagram `id` from its socket */
    FG_EV_DROP,        /* a datagram was dropped; `name` is why (fg_net_drop_name); `task` -1 off a task */
    FG_EV_SPAN_ENTER,  /* `task` entered span `name` (fg_span_enter) */
    FG_EV_SPAN_EXIT,   /* `task` left its innermost span, `name` */
    FG_EV_BLOCKED,     /* at a failure, before on_failure: `task` waits in `name` (file:line) */
    FG_EV_FAULT,       /* `task` (or -1) made a host fault; `name` says it: "crash db", "partition a | b" */
} fg_event_kind;

typedef struct fg_event {
    fg_event_kind kind;
    uint64_t step;     /* the step it happened in (from the scheduler: the last step so far) */
    fg_time time;
    int task, from;    /* from: the waker of FG_EV_WAKE, else -1 */
    uint64_t id;       /* FG_EV_SEND, FG_EV_RECV: the datagram's number (fg_packet.id) */
    const char *name, *file;
    int line;
} fg_event;

typedef struct fg_result fg_result;

typedef struct fg_opts {
    fg_strategy strategy;
    size_t stack_size;            /* default task stack; 0: FG_STACK_DEFAULT */
    uint64_t max_steps;           /* livelock budget for the whole sim; 0: 10,000,000 */
    uint64_t max_instant_steps;   /* livelock budget within one instant; 0: 1,000,000 */
    fg_time max_time;             /* sim-time budget; 0: none */
    const char *name;             /* the target's name, for reports */
    bool return_on_failure;       /* assert, deadlock, livelock return in the result instead of aborting */
    bool quiet;                   /* with return_on_failure: keep the report, don't print it */
    void (*on_step)(const fg_step *s, void *ud);          /* the trace as it happens */
    void (*on_failure)(const fg_result *r, void *ud);     /* before the report ends: save the input */
    void *ud;
    unsigned depth;               /* FG_PCT's bug depth d, 1..FG_PCT_MAX_DEPTH (0: 3) */
    /* Features of the run for a fuzzer, each a stable 64-bit hash seen as coverage (a set):
     * hand-offs between tasks (waker's site, woken's site and call), fg_cover, fg_sometimes. */
    void (*on_feature)(uint64_t feature, void *ud);
    void (*on_event)(const fg_event *e, void *ud);        /* hand-offs, datagrams, spans: a timeline */
    /* Tasks that ask no .stack_size run on one shared stack of stack_size (at least 16 KiB)
     * and keep what they use of it beside their task while switched away: 100,000 sleepers
     * in ~45 MiB. A pointer into such a task's stack is good only while it runs (docs/tasks.md). */
    bool stack_copy;
} fg_opts;

#define FG_STACK_DEFAULT ((size_t)256 * 1024)
#define FG_STACK_MAX ((size_t)1 << 30)      /* larger stack sizes are refused (-EINVAL); 8 to 16 KiB: 16 KiB */
/* A stack of at most FG_STACK_DENSE_MAX is dense: rounded up to 1, 2, 4 or 8 KiB and
 * packed with others in 1 MiB slabs, one guard page per slab and a canary checked at
 * each switch and at the task's end (docs/tasks.md). */
#define FG_STACK_DENSE_MIN ((size_t)1024)
#define FG_STACK_DENSE_MAX ((size_t)8 * 1024)

struct fg_result {
    fg_outcome outcome;
    uint64_t hash;              /* trace hash: identifies the run */
    uint64_t steps;
    uint64_t choices;           /* choices with more than one option */
    fg_time time;               /* sim time at the end */
    const uint8_t *input;       /* the bytes the run read (valid until the next run) */
    size_t input_len;
    const char *report;         /* failure report, "" on pass (valid until the next run) */
};

/* Sims don't nest: every call below made from inside a sim returns -EBUSY and
 * leaves the running sim untouched. No callback (monitor, hook, on_step,
 * on_failure, drop) may block: a blocking call there returns -EPERM. */
/* Runs a sim whose choices come from `data` (exhausted input reads as 0). */
FG_API int fg_run_bytes(fg_fn root, void *arg, const fg_opts *o, const uint8_t *data, size_t len, fg_result *r);
/* Runs a sim whose choices come from a generator seeded with `seed`; r->input records them. */
FG_API int fg_run_seed(fg_fn root, void *arg, const fg_opts *o, uint64_t seed, fg_result *r);

/* Exhaustive exploration: depth-first over every sequence of choices. */
typedef struct fg_explore_stats {
    uint64_t runs;
    uint64_t failures;
    bool complete;     /* the whole tree was enumerated (not cut by max_runs or stop) */
} fg_explore_stats;
/* `each` sees every run; returning false stops the exploration. max_runs 0: unbounded. */
FG_API int fg_explore(fg_fn root, void *arg, const fg_opts *o, uint64_t max_runs,
                      bool (*each)(const fg_result *r, void *ud), void *ud, fg_explore_stats *st);

/* Runs twice from the same input; 0 when the trace hashes agree, -EPROTO (with a message) when not. */
FG_API int fg_check_determinism(fg_fn root, void *arg, const fg_opts *o, const uint8_t *data, size_t len);

FG_API const char *fg_outcome_name(fg_outcome o);
FG_API const char *fg_strerror(int err);

/* ---- tasks ----------------------------------------------------------------- */

typedef struct fg_spawn_opts {
    int reserved_;          /* keeps fg_spawn's initializer valid with no options */
    const char *name;       /* default: the function's name */
    const char *group;      /* default: the spawner's group */
    bool primary;           /* the sim ends when every primary task has ended */
    size_t stack_size;      /* default: the sim's */
    bool stack_copy;        /* this task's stack is copied (fg_opts.stack_copy); no .stack_size with it */
} fg_spawn_opts;

/* Spawns a task; returns its id (>= 0) or a negative errno. The task runs at a later scheduling point. */
#define fg_spawn(fn, arg, ...) fg_spawn_((fn), (arg), #fn, (fg_spawn_opts){.reserved_ = 0, __VA_ARGS__})
FG_API int fg_spawn_(fg_fn fn, void *arg, const char *fname, fg_spawn_opts o);

/* Waits for task `id` to end: 0, -ETIMEDOUT, -ECANCELED (this task cancelled, or `id` was aborted),
 * -EDEADLK (joining yourself), -EINVAL (no such task, or joined already). */
#define fg_join(id, deadline) (fg__here(__FILE__, __LINE__), fg_join_((id), (deadline)))
FG_API int fg_join_(int id, fg_time deadline);
/* Cancels task `id`: its blocking calls return -ECANCELED from now on. */
FG_API int fg_abort(int id);
/* A scheduling point. -ECANCELED once the task is cancelled. */
#define fg_yield() fg__yield_at(__FILE__, __LINE__)
FG_API int fg_yield_(void);   /* at the site fg__here recorded */
FG_API int fg__yield_at(const char *file, int line);
/* Sleeps for d / until t. 0 when the time came, -ECANCELED when cancelled.
 * FG_FOREVER sleeps until cancelled; a finite d that would pass the end of sim
 * time (INT64_MAX ns) fails the sim (livelock: sim time exhausted). */
#define fg_sleep(d) (fg__here(__FILE__, __LINE__), fg_sleep_(d))
#define fg_sleep_until(t) (fg__here(__FILE__, __LINE__), fg_sleep_until_(t))
FG_API int fg_sleep_(fg_time d);
FG_API int fg_sleep_until_(fg_time t);

FG_API int fg_self(void);
FG_API const char *fg_name(void);
FG_API const char *fg_group(void);
FG_API bool fg_cancelled(void);
FG_API bool fg_in_sim(void);

/* Memory that lives until the sim ends (freed with it). NULL (with a message)
 * outside a sim, past FG_ALLOC_MAX, or when the system has none. */
#define FG_ALLOC_MAX ((size_t)1 << 30)
FG_API void *fg_alloc(size_t n);
FG_API char *fg_fmt(const char *fmt, ...) FG_PRINTF(1, 2);

/* ---- spans ------------------------------------------------------------------- */

/* Named, nested spans of the running task's work ("handshake" › "send_hello"): a timeline
 * draws them and a failure report's last steps name the span each step was in. Names must
 * live until the sim ends (a literal, or fg_fmt). 0, or -EPERM outside a task; exiting a
 * span never entered fails the sim with a message naming the task. */
FG_API int fg_span_enter(const char *name);
FG_API int fg_span_exit(void);
/* The enclosing block is a span: entered here, left wherever the block is left (GNU C cleanup). */
#define FG_SPAN_SCOPE(name) \
    __attribute__((cleanup(fg__span_cleanup), unused)) int FG__SPAN_CAT(fg__span_, __LINE__) = fg_span_enter(name)
#define FG__SPAN_CAT(a, b) FG__SPAN_CAT2(a, b)
#define FG__SPAN_CAT2(a, b) a##b
FG_API void fg__span_cleanup(int *entered);

/* ---- the choice stream ------------------------------------------------------ */

/* A value in [0, n). n <= 1 reads nothing; otherwise the fewest bytes that hold n-1,
 * little-endian, taken modulo n. Exhausted input reads as 0, the natural choice. */
FG_API uint64_t fg_choose(uint64_t n);
FG_API bool fg_rand_bool(void);
FG_API uint32_t fg_rand_u32(void);
FG_API uint64_t fg_rand_u64(void);
/* A value in [lo, hi] (inclusive). */
FG_API int64_t fg_rand_range(int64_t lo, int64_t hi);
/* True with probability num/den (0 when the input is exhausted, unless num >= den). */
FG_API bool fg_rand_chance(uint32_t num, uint32_t den);
FG_API void fg_rand_bytes(void *buf, size_t n);

/* An input may start with a strategy tag, fe 5c VERSION STRATEGY DEPTH, which overrides the
 * options' strategy and depth (a saved run of `random --strategy auto` replays with no flag).
 * An unknown version is refused with -EPROTO, never misread. Writes the tag; returns its length. */
#define FG_TAG0 0xfe
#define FG_TAG1 0x5c
#define FG_TAG_VERSION 1
#define FG_TAG_LEN 5
FG_API size_t fg_strategy_tag(fg_strategy s, unsigned depth, uint8_t out[FG_TAG_LEN]);
/* Version 2 adds a u32 seed, fe 5c 02 STRATEGY DEPTH SEED[4]: past the input's end the bytes
 * come from a generator seeded with it instead of reading as 0 (the fuzzers' inputs: every
 * input is a prefix plus a random run). Writes the tag; returns its length. */
#define FG_TAG_TAIL_VERSION 2
#define FG_TAG_TAIL_LEN 9
FG_API size_t fg_tail_tag(fg_strategy s, unsigned depth, uint32_t seed, uint8_t out[FG_TAG_TAIL_LEN]);

/* ---- hints for the search ------------------------------------------------------ */

/* Each new (id, bucket of value) is new coverage to a fuzzer: a gradient it can climb
 * (buckets: 0, 1, 2, 3, 4-7, 8-15, ...). */
#define fg_cover(id, value) fg_cover_((uint64_t)(id), (uint64_t)(value))
FG_API void fg_cover_(uint64_t id, uint64_t value);
/* A property some run should make true (Antithesis' "sometimes"): true is new coverage,
 * and the random and fuzzing summaries list each one never true. Returns cond. */
#define fg_sometimes(cond, msg) fg_sometimes_(!!(cond), (msg), __FILE__, __LINE__)
FG_API bool fg_sometimes_(bool cond, const char *msg, const char *file, int line);
/* Prints each fg_sometimes of this process never true yet to f (NULL: none); returns how many. */
FG_API size_t fg_sometimes_report(FILE *f);

/* ---- failure ------------------------------------------------------------------ */

#define fg_assert(cond) ((cond) ? (void)0 : fg_fail_(__FILE__, __LINE__, "assertion failed: %s", #cond))
#define fg_fail(...) fg_fail_(__FILE__, __LINE__, __VA_ARGS__)
FG_API FG_NORETURN void fg_fail_(const char *file, int line, const char *fmt, ...) FG_PRINTF(3, 4);

/* Records where the next blocking call is made, for reports (the macros above call it). */
extern FG_API const char *fg__file;
extern FG_API int fg__line;
static inline void fg__here(const char *file, int line) { fg__file = file; fg__line = line; }

#ifdef __cplusplus
}
#endif

#include "fugue/net.h"
#include "fugue/sync.h"
#include "fugue/target.h"
#endif

/* Internal interfaces of the harness: what every engine shares. */
#ifndef FUGUE_HARNESS_H
#define FUGUE_HARNESS_H

#include "fugue/target.h"

#include <stdio.h>

/* How a failing run is saved and announced (the on_failure hook's state). */
struct fg__crash {
    const fg_target *t;
    const char *dir;       /* where inputs are saved; NULL: don't save */
    const char *driver;    /* the command that runs an input file: "<driver> replay" */
    char path[4096];       /* the last saved input, "" if none */
};
/* fg_opts.on_failure for engines that save inputs: saves, prints the replay command. */
void fg__crash_save(const fg_result *r, void *ud);
/* After a failure: the input as a hex string (and `run --hex HEX` when `run` is a
 * driver's "... replay"), when it is short. */
void fg__print_hex(const uint8_t *data, size_t len, const char *run);
#define FG__HEX_MAX 64
/* Parses a hex string (spaces allowed) into a malloc'd buffer; NULL when it is not hex. */
uint8_t *fg__parse_hex(const char *s, size_t *len);
/* The command a fuzzer binary's reports give to rerun a file: "<its folder>/<target> replay"
 * if that driver exists, else the binary itself (a libFuzzer binary runs files too). */
const char *fg__driver_path(const fg_target *t, char *buf, size_t n);
/* The default crash folder: $FUGUE_CRASH_DIR, else corpus/<name>. */
const char *fg__crash_dir(const fg_target *t, char *buf, size_t n);

/* Schedule feedback for the fuzzers: each step's (previous task's site, this
 * task's site) pair bumps one counter, so interleavings look like new coverage. */
extern uint8_t *fg__fb_counters;
extern size_t fg__fb_size;     /* a power of two, 0: off */
void fg__fb_step(const fg_step *s, void *ud);
void fg__fb_reset(void);
/* opts.on_feature: hand-offs and hints set one counter each. */
void fg__fb_feature(uint64_t feature, void *ud);
/* FUGUE_FEEDBACK: 0 none, steps (step pairs only), conflicts (hand-offs and hints only), else both. */
enum { FG__FB_STEPS = 1, FG__FB_CONFLICTS = 2 };
int fg__fb_mode(void);

/* A strategy override (strategy.c): kind is an fg_strategy, FG__AUTO, or -1 for the target's own. */
#define FG__AUTO 5
struct fg__strat { int kind; unsigned depth; };
#define FG__STRAT_TARGET {.kind = -1}
/* --strategy NAME / --depth D: 1 when taken (with its value), 0 when not ours, -1 when bad. */
int fg__strategy_arg(struct fg__strat *s, const char *a, const char *v);
/* FUGUE_STRATEGY and FUGUE_DEPTH; false (with a message) when they name none. */
bool fg__strategy_env(struct fg__strat *s);
/* Sets o's strategy for run number `run` (auto rotates), and the tag saved inputs get. */
void fg__strategy_apply(const struct fg__strat *s, fg_opts *o, uint64_t run);
/* The tag of the last run an override applied to (its length, 0 when none). */
size_t fg__strategy_last_tag(const uint8_t **tag);
/* fg__crash_save (crash.c), with the strategy tag in front when an override applies. */
void fg__strategy_save(const fg_result *r, void *ud);
const char *fg__strategy_name(int kind);

/* The random tail (tail.c), shared by the libFuzzer entry and the AFL++ mutator. */
#define FG__HDR_PRIOS 16   /* the PCT/POS header (docs/choice-stream.md): first priorities, */
#define FG__HDR_LEN (FG__HDR_PRIOS + 4 * (FG_PCT_MAX_DEPTH - 1))   /* then change points */
uint64_t fg__mix(uint64_t x);   /* splitmix64's finalizer */
/* The environment variable `name` into *count when set (else *count is left as it is);
 * false, said on stderr, when it is no count (FUGUE_RANDOM_TAIL, FUGUE_HEADER_MUTATIONS) */
bool fg__env_count(const char *name, unsigned *count);
/* The length of the input's strategy tag (version 1 or 2), 0 when it has none. */
size_t fg__tag_len(const uint8_t *d, size_t n);
/* Puts o's strategy tag in front of an untagged input (version 2 with a seed
 * drawn from `seed` when `tail`); returns the new size. */
size_t fg__tag_put(uint8_t *data, size_t size, size_t max_size, const fg_opts *o, bool tail, uint64_t seed);
/* A mutation of the bytes after the tag: returns their new size. */
typedef size_t fg__body_fn(uint8_t *body, size_t size, size_t max_size, void *ud);
/* One mutation in `every` (0: none) keeps a prefix and draws a new tail (its
 * seed, or random bytes when the input has no version-2 tag); the others are
 * `body`'s, which leave the tag alone. Returns the new size. */
size_t fg__tail_mutate(uint8_t *data, size_t size, size_t max_size, unsigned every, unsigned seed,
                       fg__body_fn *body, void *ud);

extern uint64_t fg__fuzz_max_steps;   /* fuzz_one.c: the longest run so far */
extern uint64_t fg__fuzz_last_choices;   /* fuzz_one.c: the last run's choices */
/* fuzz_one.c: a few runs before the first input, so it meets the state later ones do */
void fg__fuzz_warm(const fg_target *t);

/* --timeline FILE (timeline.c): records one run, then writes it as Chrome trace-event
 * JSON, or as a self-contained page when FILE ends in .html. */
struct fg__timeline;
struct fg__timeline *fg__timeline_new(const char *path);
/* Points o's on_step (keeping the one set, which still sees every step) and on_event at it. */
void fg__timeline_opts(struct fg__timeline *tl, fg_opts *o);
int fg__timeline_write(struct fg__timeline *tl, const fg_target *t, const fg_result *r);
void fg__timeline_free(struct fg__timeline *tl);
extern const char fg__timeline_page[];   /* timeline.html; its TRACE marker is where the events go */

/* --stats FILE (stats_json.c): fg_sim_stats_last of the run that just ended, as JSON. */
int fg__stats_write(const char *path, const fg_result *r);
void fg__stats_json(FILE *f, const fg_sim_stats *st, const fg_result *r);

/* Prints one step as a line of the story --trace tells. */
void fg__trace_print(const fg_step *s, void *ud);
/* Prints a host fault as a line of that story. */
void fg__trace_event(const fg_event *e, void *ud);

/* Engines of the driver; each returns the process exit status. */
int fg__replay_main(const fg_target *t, const char *prog, int argc, char **argv);
int fg__random_main(const fg_target *t, const char *prog, int argc, char **argv);
int fg__exhaustive_main(const fg_target *t, const char *prog, int argc, char **argv);
int fg__determinism_main(const fg_target *t, const char *prog, int argc, char **argv);

/* `list`: every linked target with its file, strategy and planted bug. */
void fg__list_targets(FILE *f);
/* A target's source file as the user knows it (without the build folder's ../). */
const char *fg__target_file(const fg_target *t);

/* Reads a whole file; returns a malloc'd buffer (free it) or NULL with errno set. */
uint8_t *fg__read_file(const char *path, size_t *len);
/* Parses an unsigned number with an optional s/m/h suffix (seconds) when `time`. */
bool fg__parse_u64(const char *s, uint64_t *v, bool time);
/* Waits for child `pid` (through EINTR); false, with a message naming `who`, when it cannot. */
bool fg__wait_child(int pid, int *status, const char *who);
/* Monotonic seconds, for progress lines and --time (the harness, not the sim). */
double fg__clock(void);

#endif

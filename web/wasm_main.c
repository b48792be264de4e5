/* What web/page.html calls: one run of a target linked in here, on a seed (as
 * `<driver> random --seed N --iterations 1` runs it) or on input bytes (as
 * `<driver> replay --hex HEX`), drawn with the --timeline page. A task switch
 * unwinds the wasm stack to JavaScript, so a call's return value is lost: the
 * run leaves its result in memory for fg_web_result. */
#include "../harness/harness.h"

#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

#define TIMELINE "/run.html"   /* in emscripten's in-memory file system */

static char result[256 * 1024];
#define INPUT_SHOWN 8192   /* bytes of the input the result spells out in hex */

static void put_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void fail_result(const char *msg)
{
    snprintf(result, sizeof result, "{\"error\":\"%s\"}", msg);
}

/* The targets linked in, as JSON: [{"name", "expect", "strategy"}, ...]. */
EMSCRIPTEN_KEEPALIVE const char *fg_web_targets(void)
{
    FILE *f = fmemopen(result, sizeof result, "w");
    if (!f)
        return "[]";
    fputc('[', f);
    for (const fg_target *t = fg_targets(); t; t = t->next) {
        fprintf(f, "%s{\"name\":", t == fg_targets() ? "" : ",");
        put_json_str(f, t->name);
        fprintf(f, ",\"expect\":\"%s\",\"strategy\":\"%s\"}", fg_outcome_name(t->expect),
                fg__strategy_name(t->strategy));
    }
    fputc(']', f);
    fputc(0, f);
    fclose(f);
    return result;
}

/* Runs `name` on `seed` (decimal) when hex is NULL or empty, else on the hex input;
 * the timeline page goes to TIMELINE. */
EMSCRIPTEN_KEEPALIVE void fg_web_run(const char *name, const char *seed, const char *hex)
{
    const fg_target *t = fg_target_find(name);
    if (!t) {
        fail_result("no such target");
        return;
    }
    uint64_t s = 0;
    uint8_t *in = NULL;
    size_t len = 0;
    bool by_seed = !hex || !*hex;
    if (by_seed ? !fg__parse_u64(seed, &s, false) : !(in = fg__parse_hex(hex, &len))) {
        fail_result(by_seed ? "the seed is not a number" : "the input is not hex");
        return;
    }
    fg_opts o = fg_target_opts(t);
    o.return_on_failure = true;
    o.quiet = true;
    struct fg__strat st = FG__STRAT_TARGET;
    fg__strategy_apply(&st, &o, 0);   /* what random's first run uses */
    struct fg__timeline *tl = fg__timeline_new(TIMELINE);
    if (!tl) {
        free(in);
        fail_result("out of memory");
        return;
    }
    fg__timeline_opts(tl, &o);
    fg_result r;
    int err = by_seed ? fg_run_seed(t->body, NULL, &o, s, &r) : fg_run_bytes(t->body, NULL, &o, in, len, &r);
    bool drawn = err == 0 && fg__timeline_write(tl, t, &r) == 0;
    fg__timeline_free(tl);
    FILE *f = drawn ? fmemopen(result, sizeof result, "w") : NULL;
    if (!f) {
        free(in);
        fail_result(err < 0 ? fg_strerror(err) : !drawn ? "could not write the timeline" : "out of memory");
        return;
    }
    fprintf(f, "{\"target\":");
    put_json_str(f, t->name);
    fprintf(f, ",\"outcome\":\"%s\",\"hash\":\"%016llx\",\"steps\":%llu,\"choices\":%llu,\"input_len\":%zu,\"input\":\"",
            fg_outcome_name(r.outcome), (unsigned long long)r.hash, (unsigned long long)r.steps,
            (unsigned long long)r.choices, r.input_len);
    for (size_t i = 0; i < r.input_len && r.input_len <= INPUT_SHOWN; i++)
        fprintf(f, "%02x", r.input[i]);
    fprintf(f, "\",\"report\":");
    put_json_str(f, r.report ? r.report : "");
    fprintf(f, ",\"timeline\":\"%s\"}", TIMELINE);
    fputc(0, f);
    fclose(f);
    free(in);   /* r.input may point into it */
    result[sizeof result - 1] = 0;
}

EMSCRIPTEN_KEEPALIVE const char *fg_web_result(void)
{
    return result;
}

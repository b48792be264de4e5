/* What the pthread-layer tests share: running a program built by fugue-cc
 * (FUGUE_POSIX_BIN) with driver arguments, its status and output. */
#ifndef FUGUE_POSIX_TEST_H
#define FUGUE_POSIX_TEST_H

#include "../testutil.h"

static char out[1 << 16];

/* Runs `prog ARGS` from a scratch folder (crash files land there); its status, output in `out`. */
static inline int prog(const char *name, const char *args)
{
    const char *bin = getenv("FUGUE_POSIX_BIN");
    cr_assert_not_null(bin, "FUGUE_POSIX_BIN is not set (run through meson test)");
    return sh_status(out, sizeof out, "cd /tmp && %s/%s %s", bin, name, args);
}

static inline bool tsan_build(void)
{
    const char *v = getenv("FUGUE_POSIX_TSAN");
    return v && !strcmp(v, "1");
}

/* Plain accesses are scheduling points: tsan's callbacks, or sanitizer coverage under ASan. */
static inline bool access_points(void)
{
    const char *v = getenv("FUGUE_POSIX_ACCESSES");
    return v && !strcmp(v, "1");
}

/* The trace hash a replay printed ("hash <16 hex>"), or 0. */
static inline unsigned long long hash_of(const char *s)
{
    const char *h = strstr(s, " hash ");
    return h ? strtoull(h + 6, NULL, 16) : 0;
}

#define cr_expect_out(needle) cr_expect(strstr(out, needle) != NULL, "no \"%s\" in:\n%s", needle, out)

#endif

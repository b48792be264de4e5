/* The network's planted bug (fuzz/lost_reply.c) seen from outside: random
 * mode, libFuzzer and AFL++ each find the lost reply, and what they saved
 * replays to the same assertion in the driver. Engines that were not built
 * (FUGUE_ENGINES) are skipped. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define BUG "assertion failed: balance == acked"



static void make_tmp(void) { tmp_make("net-fuzz"); }

TestSuite(net_fuzz, .init = make_tmp, .fini = tmp_remove, .timeout = 240);

static char out[1 << 16];


static const char *bin(void)
{
    const char *b = getenv("FUGUE_FUZZ_BIN");
    cr_assert(b, "FUGUE_FUZZ_BIN names build/fuzz (meson sets it)");
    return b;
}

static bool built(const char *engine)
{
    const char *e = getenv("FUGUE_ENGINES");
    char list[256];
    snprintf(list, sizeof list, "%s", e ? e : "");
    for (char *t = strtok(list, ","); t; t = strtok(NULL, ","))
        if (!strcmp(t, engine))
            return true;
    return false;
}

/* The first file in dir whose name starts with prefix, as a path; "" when none. */
static const char *first_file(const char *dir, const char *prefix)
{
    static char path[1024];
    path[0] = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (!strncmp(e->d_name, prefix, strlen(prefix))) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            break;
        }
    if (d)
        closedir(d);
    return path;
}

static void replays_the_bug(const char *input)
{
    cr_assert(*input, "no input was saved:\n%s", out);
    int st = sh_status(out, sizeof out, "'%s/lost_reply' replay '%s'", bin(), input);
    cr_assert_eq(st, 1, "%s", out);
    cr_assert(strstr(out, BUG), "%s replays as:\n%s", input, out);
}

Test(net_fuzz, random_finds_the_lost_reply)
{
    int st = sh_status(out, sizeof out, "'%s/lost_reply' random --iterations 1000 --crash-dir '%s'", bin(), tmp);
    cr_assert_eq(st, 1, "%s", out);
    cr_assert(strstr(out, BUG), "%s", out);
    replays_the_bug(first_file(tmp, "crash-"));
}

Test(net_fuzz, libfuzzer_finds_the_lost_reply)
{
    if (!built("libfuzzer-plain"))
        cr_skip_test("libFuzzer not built (needs clang)");
    sh_status(out, sizeof out, "cd '%s' && FUGUE_CRASH_DIR='%s' '%s/lost_reply-libfuzzer-plain' -seed=1 -runs=200000 "
       "-artifact_prefix='%s/lf-'",
       tmp, tmp, bin(), tmp);
    cr_assert(strstr(out, BUG), "libFuzzer did not find it:\n%.3000s", out);
    replays_the_bug(first_file(tmp, "lf-crash-"));
}

Test(net_fuzz, afl_finds_the_lost_reply)
{
    if (!built("afl"))
        cr_skip_test("AFL++ not built");
    if (sh_status(out, sizeof out, "command -v afl-fuzz") != 0)
        cr_skip_test("afl-fuzz not installed");
    sh_status(out, sizeof out, "mkdir -p '%s/in' && printf '\\001' > '%s/in/seed'", tmp, tmp);
    sh_status(out, sizeof out, "cd '%s' && env -u ASAN_OPTIONS -u UBSAN_OPTIONS AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 "
       "AFL_BENCH_UNTIL_CRASH=1 AFL_NO_AFFINITY=1 FUGUE_CRASH_DIR='%s' "
       "timeout 200 afl-fuzz -s 1 -V 180 -i in -o out -- '%s/lost_reply-afl'",
       tmp, tmp, bin());
    char dir[512];
    snprintf(dir, sizeof dir, "%s/out/default/crashes", tmp);
    replays_the_bug(first_file(dir, "id:"));
}

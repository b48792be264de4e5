/* A program as a whole: exit status, unsupported calls, planted bugs found by
 * shared-memory scheduling points and replayed, determinism across compilers. */
#include "posix/posix_test.h"

Test(posix_program, nonzero_exit_is_its_own_failure)
{
    cr_expect_eq(prog("exit_status", "replay /dev/null"), 1, "%s", out);
    cr_expect_out("exited with status 3");
    cr_expect_out("exit status hash");
}

Test(posix_program, unsupported_call_names_itself)
{
    cr_expect_eq(prog("unsupported", "replay /dev/null"), 1, "%s", out);
    cr_expect_out("unsupported call in a fugue sim: fork");
    cr_expect_out("by thread unsupported at ");
    cr_expect_out("unsupported.c:6");
}

/* Found within `within` random runs, saved, and the saved input replays to the same failure. */
static void found_and_replayed(const char *name, int within, const char *kind)
{
    if (!access_points())
        cr_skip("%s needs shared-memory scheduling points (tsan, or clang's sanitizer coverage)", name);
    /* under a sanitizer its own report ends the process first, before fugue saves the input */
    if (!tsan_build() && !strcmp(kind, "crash"))
        cr_skip("%s crashes, and the sanitizer ends the process before fugue saves the input", name);
    tmp_make(name);
    char args[512];
    snprintf(args, sizeof args, "random --iterations %d --crash-dir %s", within, tmp);
    int st = prog(name, args);
    cr_expect(st != 0, "%s not found in %d runs:\n%s", name, within, out);
    cr_expect_out(kind);
    snprintf(args, sizeof args, "replay %s", tmp);
    cr_expect_neq(prog(name, args), 0, "%s", out);
    cr_expect_out(kind);
    tmp_remove();
}

Test(posix_program, lost_update_on_a_plain_int)
{
    found_and_replayed("lost_update", 200, "assertion");
}

Test(posix_program, trace_names_the_racy_access_by_file_and_line)
{
    if (!tsan_build())
        cr_skip("needs shared-memory scheduling points (tsan instrumentation), off in sanitizer builds");
    tmp_make("posix-site");
    char args[512];
    snprintf(args, sizeof args, "random --iterations 200 --crash-dir %s", tmp);
    cr_expect_neq(prog("lost_update", args), 0, "%s", out);
    /* the report's last steps: the preempted counter++ and main's join (line 23); gcc -O1
     * folds the loop into one += 3 and puts its write on the for line (12), clang on 13 */
    cr_expect_out("resumes from write (");
    cr_expect(strstr(out, "lost_update.c:12)") || strstr(out, "lost_update.c:13)"), "no counter++ site in:\n%s", out);
    snprintf(args, sizeof args, "replay --trace %s", tmp);
    cr_expect_neq(prog("lost_update", args), 0, "%s", out);
    cr_expect_out("(group main) resumes from write (");
    cr_expect(strstr(out, "lost_update.c:12)") || strstr(out, "lost_update.c:13)"), "no counter++ site in:\n%s", out);
    cr_expect_out("resumes from pthread_join (");
    cr_expect_out("lost_update.c:23)");
    cr_expect(strstr(out, "lost_update+0x") == NULL, "a site left unnamed:\n%s", out);
    tmp_remove();
}

Test(posix_program, check_then_act)
{
    found_and_replayed("check_then_act", 200, "assertion");
}

Test(posix_program, order_violation)
{
    found_and_replayed("order_violation", 200, "crash");
}

Test(posix_program, same_trace_twice)
{
    static const char *progs[] = {"lost_update", "check_then_act", "sync", "mutex", "cond", "lock_order"};
    for (size_t i = 0; i < sizeof progs / sizeof *progs; i++)
        cr_expect_eq(prog(progs[i], "check-determinism --iterations 200"), 0, "%s: %s", progs[i], out);
}

Test(posix_program, same_trace_across_compilers)
{
    /* Programs whose shared accesses both compilers instrument alike. In the others (mutex,
     * sync, cond, lost_update...) gcc and clang emit a different set of __tsan_* calls at -O1,
     * so their builds ask different questions: each build is deterministic, not the pair. */
    static const char *progs[] = {"lock_order", "lost_wakeup", "thread", "time"};
    const char *other = getenv("FUGUE_POSIX_OTHER");
    for (size_t i = 0; i < sizeof progs / sizeof *progs; i++) {
        cr_expect_eq(prog(progs[i], "check-determinism --iterations 200"), 0, "%s: %s", progs[i], out);
        if (!other || strcmp(other, "1"))
            continue;
        /* the same inputs (a few fixed byte strings) give the same hash from both compilers' builds */
        static const char *inputs[] = {"", "\x01", "\x01\x02\x01", "\x02\x00\x01\x01\x03"};
        for (size_t k = 0; k < 4; k++) {
            tmp_make("posix-cc");
            char in[300], a2[400];
            snprintf(in, sizeof in, "%s/in", tmp);
            FILE *f = fopen(in, "w");
            cr_assert_not_null(f);
            fputs(inputs[k], f);
            fclose(f);
            snprintf(a2, sizeof a2, "replay %s", in);
            prog(progs[i], a2);
            unsigned long long h1 = hash_of(out);
            char other_name[64];
            snprintf(other_name, sizeof other_name, "%s-other", progs[i]);
            prog(other_name, a2);
            unsigned long long h2 = hash_of(out);
            cr_expect(h1 && h1 == h2, "%s input %zu: hash %016llx here, %016llx from the other compiler", progs[i], k,
                      h1, h2);
            tmp_remove();
        }
    }
}

/* Misuse POSIX leaves undefined fails naming the call, the thread and the line; an errorcheck mutex says EPERM. */
Test(posix_program, misuse_names_thread_call_and_line)
{
    static const struct { const char *arg, *msg; } cases[] = {
        {"unlock-foreign", "pthread_mutex_unlock of a mutex another thread holds, by thread thread_1 at "},
        {"unlock-free", "pthread_mutex_unlock of a mutex nobody holds, by thread misuse at "},
        {"cond-unheld", "pthread_cond_wait with a mutex nobody holds, by thread misuse at "},
        {"rwlock-unheld", "pthread_rwlock_unlock of a rwlock nobody holds, by thread misuse at "},
        {"destroy-locked", "pthread_mutex_destroy of a locked mutex, by thread misuse at "},
    };
    static const char *lines[] = {"misuse.c:17", "misuse.c:30", "misuse.c:32", "misuse.c:34", "misuse.c:37"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char args[128];
        snprintf(args, sizeof args, "replay /dev/null --args %s", cases[i].arg);
        cr_expect_eq(prog("misuse", args), 1, "%s: %s", cases[i].arg, out);
        cr_expect_out(cases[i].msg);
        cr_expect_out(lines[i]);
    }
    cr_expect_eq(prog("misuse", "replay /dev/null --args errorcheck"), 0, "%s", out);
}

/* PCT and POS drive the layer's points: priorities decide who runs at every shared access and call. */
Test(posix_program, pct_preempts_only_at_change_points)
{
    if (!tsan_build())
        cr_skip("needs shared-memory scheduling points (tsan instrumentation), off in sanitizer builds");
    /* depth 1: no change point, the highest-priority thread runs its whole loop */
    cr_expect_eq(prog("interleave", "random --strategy pct --depth 1 --iterations 300 --no-save"), 0, "%s", out);
    /* a uniform choice at each point interleaves at once */
    cr_expect_eq(prog("interleave", "random --iterations 300 --no-save"), 1, "%s", out);
    /* depth 2: one change point in a thread's loop interleaves; the input saved with its tag replays
     * to the same failure with no flag, twice to one hash */
    static const char *how[] = {"--strategy pct --depth 2", "--strategy pos", "--strategy auto"};
    for (size_t i = 0; i < sizeof how / sizeof *how; i++) {
        tmp_make("posix-pct");
        char args[512];
        snprintf(args, sizeof args, "random %s --iterations 300 --crash-dir %s", how[i], tmp);
        cr_expect_eq(prog("interleave", args), 1, "%s: %s", how[i], out);
        cr_expect_out("assertion");
        snprintf(args, sizeof args, "replay %s", tmp);
        cr_expect_eq(prog("interleave", args), 1, "%s: %s", how[i], out);
        cr_expect_out("assertion");
        snprintf(args, sizeof args, "check-determinism %s/crash-*", tmp);
        cr_expect_eq(prog("interleave", args), 0, "%s: %s", how[i], out);
        tmp_remove();
    }
    /* the tagged PCT input with an all-zero header is the natural schedule: run-to-block, no failure */
    cr_expect_eq(prog("interleave", "replay --hex fe5c010302"), 0, "%s", out);
    cr_expect_eq(prog("interleave", "check-determinism --iterations 100"), 0, "%s", out);
}

/* --races: a race is its own failure, named by both sites, on every schedule; without the flag it is not one. */
Test(posix_program, races_reported_with_both_sites)
{
    if (!tsan_build())
        cr_skip("needs the tsan instrumentation, off in sanitizer builds");
    cr_expect_eq(prog("racy", "replay /dev/null"), 0, "%s", out);
    cr_expect_eq(prog("racy", "replay /dev/null --races"), 1, "%s", out);
    cr_expect_out("data race on 0x");
    cr_expect_out("between racy at ");
    cr_expect_out("racy.c:23 (read) and thread_1 at ");
    cr_expect_out("racy.c:14 (write)");
    cr_expect_out(": data race hash ");
    tmp_make("posix-race");
    char args[512];
    snprintf(args, sizeof args, "random --races --strategy pct --iterations 50 --crash-dir %s", tmp);
    cr_expect_eq(prog("racy", args), 1, "%s", out);
    snprintf(args, sizeof args, "replay --races %s", tmp);
    cr_expect_eq(prog("racy", args), 1, "%s", out);
    cr_expect_out("data race hash");
    snprintf(args, sizeof args, "check-determinism --races %s/crash-*", tmp);
    cr_expect_eq(prog("racy", args), 0, "%s", out);
    tmp_remove();
}

Test(posix_program, race_free_program_has_no_race)
{
    if (!tsan_build())
        cr_skip("needs the tsan instrumentation, off in sanitizer builds");
    cr_expect_eq(prog("race_free", "random --races --iterations 300 --no-save"), 0, "%s", out);
    cr_expect_eq(prog("race_free", "random --races --strategy pct --iterations 300 --no-save"), 0, "%s", out);
}

/* __thread: a copy per thread from clang's builds (emulated TLS, answered by the layer); gcc's share one. */
Test(posix_program, thread_local_variables_per_thread)
{
    const char *cc = getenv("FUGUE_POSIX_CC"), *other = getenv("FUGUE_POSIX_OTHER");
    bool clang_here = cc && !strcmp(cc, "clang");
    for (int i = 0; i < (other && !strcmp(other, "1") ? 2 : 1); i++) {
        bool clang = i ? !clang_here : clang_here;
        const char *name = i ? "tls-other" : "tls";
        int st = prog(name, "random --iterations 100 --no-save");
        if (clang) {
            cr_expect_eq(st, 0, "%s (clang): %s", name, out);
        } else {
            cr_expect_eq(st, 1, "%s (gcc) shares one copy, so its assertion fails: %s", name, out);
            cr_expect_out("assertion failed: mine == 8");
        }
    }
}

Test(posix_program, libfuzzer_engine_finds_the_lost_update)
{
    const char *cc = getenv("FUGUE_POSIX_CC");
    if (!cc || strcmp(cc, "clang"))
        cr_skip("fugue-cc --engine libfuzzer needs clang");
    if (!access_points())
        cr_skip("needs shared-memory scheduling points");
    tmp_make("posix-libfuzzer");
    char args[512];
    snprintf(args, sizeof args, "-seed=1 -runs=20000 -artifact_prefix=%s/", tmp);
    cr_expect_neq(prog("lost_update-libfuzzer", args), 0, "%s", out);
    cr_expect_out("assertion failed: counter == 6");
    tmp_remove();
}

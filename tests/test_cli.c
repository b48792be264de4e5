/* The command lines a user meets first: every command's --help, one clear
 * line and exit 2 for bad arguments, `list`, failures of every kind that say
 * how to reproduce them (seed, file, hex), and replay going on past a crash. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char out[1 << 16];

static const char *drv(void)
{
    const char *d = getenv("FUGUE_CLI_DRIVER");
    cr_assert(d, "FUGUE_CLI_DRIVER names the test driver (meson sets it)");
    return d;
}

static const char *src(void)
{
    const char *s = getenv("FUGUE_SRC");
    cr_assert(s, "FUGUE_SRC names the source folder (meson sets it)");
    return s;
}

static void make_tmp(void) { tmp_make("cli"); }

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void write_bytes(const char *path, const char *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "%s", path);
    cr_assert_eq(fwrite(bytes, 1, n, f), n);
    fclose(f);
}

Test(cli, every_command_has_help)
{
    const char *cmds[] = {"replay", "random", "exhaustive", "minimize", "check-determinism", "info", "list"};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        cr_expect_eq(sh_status(out, sizeof out, "%s cli_pass %s --help", drv(), cmds[i]), 0, "%s --help: %s", cmds[i], out);
        cr_expect(strstr(out, "usage: ") && strstr(out, cmds[i]), "%s --help: %s", cmds[i], out);
    }
    cr_expect_eq(sh_status(out, sizeof out, "%s cli_pass --help", drv()), 0);
    cr_expect(strstr(out, "random") && strstr(out, "replay"), "%s", out);
    cr_expect_eq(sh_status(out, sizeof out, "%s --help", drv()), 0);
    cr_expect(strstr(out, "cli_segv"), "the multi-target driver's help lists its targets: %s", out);
    cr_expect_eq(sh_status(out, sizeof out, "%s/scripts/fuzz --help", src()), 0);
    cr_expect(strstr(out, "scripts/fuzz <target>") && !strstr(out, "grep"), "%s", out);
}

Test(cli, bad_arguments_one_line_exit_2)
{
    const char *bad[] = {
        "cli_pass random --iterations 0", "cli_pass random --iterations", "cli_pass random --time",
        "cli_pass random --time 5x", "cli_pass random --bogus", "cli_pass replay", "cli_pass replay --hex",
        "cli_pass replay --hex 0g", "cli_pass replay --hex 012", "cli_pass replay --bogus x",
        "cli_pass exhaustive --max-runs", "cli_pass info extra", "cli_pass no-such-command", "no_such_target random",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_expect_eq(sh_status(out, sizeof out, "%s %s", drv(), bad[i]), 2, "%s: %s", bad[i], out);
        cr_expect_leq(lines(out), 2, "%s says it in a line: %s", bad[i], out);
    }
    const char *fuzz_bad[] = {"--time", "--time 5x", "--engine", "--engine honggfuzz", "--jobs 0", "--bogus"};
    for (size_t i = 0; i < sizeof fuzz_bad / sizeof *fuzz_bad; i++) {
        cr_expect_eq(sh_status(out, sizeof out, "%s/scripts/fuzz ping_pong %s", src(), fuzz_bad[i]), 2, "%s: %s",
                     fuzz_bad[i], out);
        cr_expect_eq(lines(out), 1, "scripts/fuzz %s: %s", fuzz_bad[i], out);
    }
    cr_expect_eq(sh_status(out, sizeof out, "%s/scripts/fuzz no_such_target", src()), 2, "%s", out);
    cr_expect_eq(sh_status(out, sizeof out, "%s/scripts/fuzz", src()), 2, "%s", out);
}

Test(cli, list_names_file_strategy_and_planted_bug)
{
    cr_assert_eq(sh_status(out, sizeof out, "%s list", drv()), 0, "%s", out);
    cr_expect(strstr(out, "cli_pass       tests/cli_targets.c    por       no\n"), "%s", out);
    cr_expect(strstr(out, "cli_assert     tests/cli_targets.c    random    yes: assertion within 100 random runs"), "%s", out);
    cr_expect_eq(lines(out), 6, "a header and five targets: %s", out);
}

Test(cli, missing_and_unreadable_inputs, .init = make_tmp, .fini = tmp_remove)
{
    cr_expect_eq(sh_status(out, sizeof out, "%s cli_pass replay %s/none", drv(), tmp), 2, "%s", out);
    char p[512];
    snprintf(p, sizeof p, "%s/a", tmp);
    write_bytes(p, "", 0);
    cr_assert_eq(symlink("/no/such/file", strcat(strcpy(p, tmp), "/b")), 0);
    cr_expect_eq(sh_status(out, sizeof out, "%s cli_pass replay %s", drv(), tmp), 2, "%s", out);
    cr_expect(strstr(out, "/b: No such file or directory (skipped)"), "the dangling entry is named: %s", out);
    cr_expect(strstr(out, "/a: pass hash"), "the good entry still ran: %s", out);
}

/* Every failure kind: random exits 1 and prints a reproduce command that fails again. */
Test(cli, random_reproduces_every_failure_kind, .init = make_tmp, .fini = tmp_remove, .timeout = 120)
{
    const char *kinds[] = {"cli_assert", "cli_abort", "cli_segv", "cli_overflow"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        int rc = sh_status(out, sizeof out, "%s %s random --crash-dir %s/%s", drv(), kinds[i], tmp, kinds[i]);
        cr_expect_eq(rc, 1, "%s: %s", kinds[i], out);
        const char *r = strstr(out, "reproduce: ");
        cr_assert(r, "%s prints how to reproduce: %s", kinds[i], out);
        char cmd[1024];
        cr_assert_eq(sscanf(r, "reproduce: %1023[^\n]", cmd), 1);
        char want[256];
        snprintf(want, sizeof want, " %s random --seed ", kinds[i]);
        cr_expect(strstr(cmd, want), "the command names the target: %s", cmd);
        cr_expect(strstr(out, "input saved: "), "%s: %s", kinds[i], out);
        cr_expect_eq(sh_status(out, sizeof out, "%s --no-save", cmd), 1, "%s again: %s", cmd, out);
        cr_expect(strstr(out, "1 runs from seed"), "%s", out);
    }
    /* --keep-going goes on after a crash signal */
    cr_expect_eq(sh_status(out, sizeof out, "%s cli_segv random --no-save --keep-going --iterations 20", drv()), 1, "%s", out);
    cr_expect(strstr(out, "random: 20 runs from seed 1"), "%s", out);
}

Test(cli, replay_dir_goes_on_past_a_crash, .init = make_tmp, .fini = tmp_remove)
{
    char p[512];
    const char *names[] = {"1-pass", "2-crash", "3-pass"};
    const char bytes[] = {0, 1, 0};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", tmp, names[i]);
        write_bytes(p, bytes + i, 1);
    }
    cr_expect_eq(sh_status(out, sizeof out, "%s cli_segv replay %s", drv(), tmp), 1, "%s", out);
    cr_expect(strstr(out, "/1-pass: pass hash"), "%s", out);
    cr_expect(strstr(out, "/2-crash: crash"), "%s", out);
    cr_expect(strstr(out, "/3-pass: pass hash"), "the file after the crash ran: %s", out);
    cr_expect(strstr(out, "replay: 3 inputs, 1 failed"), "%s", out);
}

/* The hex string a failure prints replays to the same trace hash as the saved file. */
Test(cli, hex_round_trip, .init = make_tmp, .fini = tmp_remove)
{
    cr_assert_eq(sh_status(out, sizeof out, "%s cli_assert random --crash-dir %s", drv(), tmp), 1, "%s", out);
    char hex[256], path[1024];
    const char *h = strstr(out, "input as hex: \"");
    cr_assert(h, "%s", out);
    cr_assert_eq(sscanf(h, "input as hex: \"%255[0-9a-f]\"", hex), 1, "%s", out);
    cr_expect(strstr(out, "cli_assert replay --hex \""), "the hex replay command: %s", out);
    const char *s = strstr(out, "input saved: ");
    cr_assert(s);
    cr_assert_eq(sscanf(s, "input saved: %1023s", path), 1);
    char a[4096];
    cr_expect_eq(sh_status(a, sizeof a, "%s cli_assert replay %s 2>/dev/null", drv(), path), 1);
    cr_expect_eq(sh_status(out, sizeof out, "%s cli_assert replay --hex %s 2>/dev/null", drv(), hex), 1);
    const char *ha = strstr(a, "hash "), *hb = strstr(out, "hash ");
    cr_assert(ha && hb, "%s / %s", a, out);
    cr_expect_eq(strncmp(ha, hb, 21), 0, "file %s / hex %s", a, out);
    /* and any bytes: 00ff10 by hex and by file give one hash */
    snprintf(path, sizeof path, "%s/f", tmp);
    write_bytes(path, "\x00\xff\x10", 3);
    cr_expect_eq(sh_status(a, sizeof a, "%s cli_pass replay %s", drv(), path), 0);
    cr_expect_eq(sh_status(out, sizeof out, "%s cli_pass replay --hex '00 FF 10'", drv()), 0);
    cr_expect_eq(strncmp(strstr(a, "hash "), strstr(out, "hash "), 21), 0, "%s / %s", a, out);
}

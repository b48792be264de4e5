/* replay: run files (or every file in folders) as inputs; print each outcome
 * and trace hash, and with --trace the schedule as a story. */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct replay {
    const fg_target *t;
    bool trace;
    unsigned files, failed;
};

static void replay_file(struct replay *rp, const char *path)
{
    size_t len;
    uint8_t *data = fg__read_file(path, &len);
    if (!data) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        rp->failed++;
        return;
    }
    fg_opts o = fg_target_opts(rp->t);
    o.return_on_failure = true;
    if (rp->trace) {
        printf("%s:\n", path);
        o.on_step = fg__trace_print;
    }
    fg_result r;
    fflush(stdout);
    int err = fg_run_bytes(rp->t->body, NULL, &o, data, len, &r);
    free(data);
    rp->files++;
    if (err < 0) {
        printf("%s: error %s\n", path, fg_strerror(err));
        rp->failed++;
        return;
    }
    rp->failed += r.outcome != FG_PASS;
    printf("%s: %s hash %016llx steps %llu choices %llu bytes %zu\n", path, fg_outcome_name(r.outcome),
           (unsigned long long)r.hash, (unsigned long long)r.steps, (unsigned long long)r.choices,
           r.input_len);
    fflush(stdout);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void replay_path(struct replay *rp, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
        replay_file(rp, path);
        return;
    }
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, by_name);
    if (n < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        rp->failed++;
        return;
    }
    for (int i = 0; i < n; i++) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, ents[i]->d_name);
        if (ents[i]->d_name[0] != '.' && stat(sub, &st) == 0 && S_ISREG(st.st_mode))
            replay_file(rp, sub);
        free(ents[i]);
    }
    free(ents);
}

int fg__replay_main(const fg_target *t, const char *prog, int argc, char **argv)
{
    (void)prog;
    struct replay rp = {.t = t};
    int paths = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--trace"))
            rp.trace = true;
        else
            paths++;
    }
    if (!paths) {
        fprintf(stderr, "replay: give files or folders of inputs (see --help)\n");
        return 2;
    }
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--trace"))
            replay_path(&rp, argv[i]);
    if (rp.files != 1 || rp.failed)
        printf("replay: %u input%s, %u failed\n", rp.files, rp.files == 1 ? "" : "s", rp.failed);
    return rp.failed ? 1 : 0;
}

/* Names a program site (a return address): while running, only "prog+0x11a3"
 * (a table lookup, named once per process); when a report or a trace prints
 * it, file:line from the debug info, asked of one addr2line kept running
 * beside the process (fg__site_print). Nothing is symbolized on the hot path. */
#include "px.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct site {
    uintptr_t pc;
    char obj[PATH_MAX / 4];   /* the object file, for addr2line (in_exe: the executable's) */
    bool in_exe;
    uintptr_t addr;           /* the address addr2line wants in it */
    int state;                /* 0: not asked yet, 1: where/line known, -1: unknown */
    const char *where;
    int line;
    char name[64];            /* "prog+0x11a3" */
};
/* open addressing by pc, and by name (reports hand back the name); caps: powers of two */
static struct site **by_pc, **by_name;
static size_t nsites, cap;

static size_t hash(uintptr_t x, size_t c)
{
    return (size_t)((x * 0x9e3779b97f4a7c15ull) >> 20) & (c - 1);
}

static struct site *make(uintptr_t pc)
{
    struct site *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->pc = pc;
    Dl_info di;
    if (dladdr((void *)pc, &di) && di.dli_fname && di.dli_fbase) {
        const char *base = strrchr(di.dli_fname, '/');
        uintptr_t off = pc - 1 - (uintptr_t)di.dli_fbase;   /* pc - 1: inside the call */
        snprintf(s->name, sizeof s->name, "%s+0x%lx", base ? base + 1 : di.dli_fname, (unsigned long)off);
        /* a position-dependent executable is linked at its load address */
        const Elf64_Ehdr *eh = di.dli_fbase;
        s->addr = eh->e_type == ET_EXEC ? pc - 1 : off;
        /* the layer is linked into the executable: a site in the same object is in it */
        Dl_info self;
        s->in_exe = dladdr((void *)&make, &self) && self.dli_fbase == di.dli_fbase;
        if (!s->in_exe)
            snprintf(s->obj, sizeof s->obj, "%s", di.dli_fname);
    } else {
        snprintf(s->name, sizeof s->name, "0x%lx", (unsigned long)pc);
        s->state = -1;
    }
    return s;
}

static bool grow(void)
{
    size_t ncap = cap ? cap * 2 : 256;
    struct site **p = calloc(ncap, sizeof *p), **n = calloc(ncap, sizeof *n);
    if (!p || !n) {
        free(p);
        free(n);
        return false;
    }
    for (size_t i = 0; i < cap; i++) {
        struct site *s = by_pc[i];
        if (!s)
            continue;
        size_t j = hash(s->pc, ncap);
        while (p[j])
            j = (j + 1) & (ncap - 1);
        p[j] = s;
        j = hash((uintptr_t)s->name, ncap);
        while (n[j])
            j = (j + 1) & (ncap - 1);
        n[j] = s;
    }
    free(by_pc);
    free(by_name);
    by_pc = p;
    by_name = n;
    cap = ncap;
    return true;
}

int px__site(void *pc, const char **file)
{
    uintptr_t p = (uintptr_t)pc;
    *file = NULL;
    if (!p || ((nsites + 1) * 2 > cap && !grow()))
        return 0;
    size_t j = hash(p, cap);
    while (by_pc[j] && by_pc[j]->pc != p)
        j = (j + 1) & (cap - 1);
    if (!by_pc[j]) {
        struct site *s = make(p);
        if (!s)
            return 0;
        by_pc[j] = s;
        size_t k = hash((uintptr_t)s->name, cap);
        while (by_name[k])
            k = (k + 1) & (cap - 1);
        by_name[k] = s;
        nsites++;
    }
    *file = by_pc[j]->name;
    return 0;
}

static struct site *named(const char *file)
{
    if (!cap || !file)
        return NULL;
    size_t j = hash((uintptr_t)file, cap);
    for (; by_name[j]; j = (j + 1) & (cap - 1))
        if (by_name[j]->name == file)
            return by_name[j];
    return NULL;
}

/* ---- addr2line, started on the first site a report prints ---- */

static pid_t a2l_pid, a2l_for;    /* a2l_for: the process it answers (a fork needs its own) */
static int a2l_in = -1, a2l_out = -1;
static char a2l_obj[PATH_MAX / 4];
static bool a2l_broken;

static void a2l_stop(void)
{
    if (a2l_in >= 0)
        close(a2l_in);
    if (a2l_out >= 0)
        close(a2l_out);
    a2l_in = a2l_out = -1;
    if (a2l_pid > 0 && a2l_for == getpid())
        waitpid(a2l_pid, NULL, 0);
    a2l_pid = 0;
}

static bool a2l_start(const char *obj)
{
    int to[2], from[2];
    if (pipe(to))
        return false;
    if (pipe(from)) {
        close(to[0]);
        close(to[1]);
        return false;
    }
    /* libc's fork: the layer's own refuses inside a sim */
    PX_REAL(pid_t, fork, void);
    pid_t pid = real_fork();
    if (pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, 2);
        close(to[0]), close(to[1]), close(from[0]), close(from[1]);
        execlp("addr2line", "addr2line", "-f", "-e", obj, (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    if (pid < 0) {
        close(to[1]);
        close(from[0]);
        return false;
    }
    a2l_pid = pid;
    a2l_for = getpid();
    a2l_in = to[1];
    a2l_out = from[0];
    snprintf(a2l_obj, sizeof a2l_obj, "%s", obj);
    return true;
}

/* Asks addr2line for one address: its answer is two lines, the function and file:line. */
static bool a2l_ask(const char *obj, uintptr_t addr, char *out, size_t n)
{
    if (a2l_broken)
        return false;
    if (a2l_pid && (a2l_for != getpid() || strcmp(a2l_obj, obj)))
        a2l_stop();
    if (!a2l_pid && !a2l_start(obj)) {
        a2l_broken = true;
        return false;
    }
    char q[32];
    int ql = snprintf(q, sizeof q, "0x%lx\n", (unsigned long)addr);
    if (write(a2l_in, q, (size_t)ql) != ql)
        goto broken;
    size_t len = 0;
    int lines = 0;
    while (lines < 2) {
        char c;
        if (read(a2l_out, &c, 1) != 1)
            goto broken;
        if (c == '\n') {
            if (++lines == 1) {
                len = 0;   /* the function's line: only file:line is kept */
                continue;
            }
            break;
        }
        if (lines == 1 && len + 1 < n)
            out[len++] = c;
    }
    out[len] = 0;
    return true;
broken:
    a2l_stop();
    a2l_broken = true;
    return false;
}

static void resolve(struct site *s)
{
    s->state = -1;
    char buf[PATH_MAX];
    static char exe[PATH_MAX / 4];
    if (s->in_exe && !*exe) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
    }
    const char *obj = s->in_exe ? exe : s->obj;
    if (!*obj || !a2l_ask(obj, s->addr, buf, sizeof buf))
        return;
    char *d = strstr(buf, " (discriminator");
    if (d)
        *d = 0;
    char *colon = strrchr(buf, ':');
    if (!colon || colon == buf || buf[0] == '?')
        return;
    int line = atoi(colon + 1);
    if (line <= 0)
        return;
    *colon = 0;
    /* a path under the working folder prints relative to it, others without ".." */
    char real[PATH_MAX];
    const char *file = realpath(buf, real) ? real : buf;
    char cwd[PATH_MAX];
    size_t cl;
    if (getcwd(cwd, sizeof cwd) && (cl = strlen(cwd)) && !strncmp(file, cwd, cl) && file[cl] == '/')
        file += cl + 1;
    char *w = strdup(file);
    if (!w)
        return;
    s->where = w;
    s->line = line;
    s->state = 1;
}

/* core's hook for printing a site: the layer's "prog+0x11a3" becomes its file:line */
void fg__site_print(const char **file, int *line)
{
    struct site *s = named(*file);
    if (!s)
        return;
    if (!s->state)
        resolve(s);
    if (s->state == 1) {
        *file = s->where;
        *line = s->line;
    }
}

void px__misuse(const char *call, void *pc, const char *what)
{
    char buf[PATH_MAX];
    fg__fail(FG_FAIL_ASSERT, "%s %s, by thread %s at %s", call, what, S->cur->name, px__site_text(pc, buf, sizeof buf));
}

const char *px__site_text(void *pc, char *buf, size_t n)
{
    const char *file;
    int line = px__site(pc, &file);
    if (!file)
        return "?";
    fg__site_print(&file, &line);
    if (line)
        snprintf(buf, n, "%s:%d", file, line);
    else
        snprintf(buf, n, "%s", file);
    return buf;
}

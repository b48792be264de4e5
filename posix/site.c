/* Names a program site (a return address) for reports and traces: the
 * object and offset, "prog+0x11a3", which `addr2line -e prog 0x11a3` turns
 * into file:line. Each site is named once per process. */
#include "px.h"

#include <dlfcn.h>
#include <stdlib.h>

struct site { uintptr_t pc; const char *name; };
static struct site *sites;
static size_t nsites, cap;   /* cap: a power of two */

static const char *name_of(uintptr_t pc)
{
    Dl_info di;
    char buf[512];
    if (dladdr((void *)pc, &di) && di.dli_fname) {
        const char *base = strrchr(di.dli_fname, '/');
        snprintf(buf, sizeof buf, "%s+0x%lx", base ? base + 1 : di.dli_fname,
                 (unsigned long)(pc - 1 - (uintptr_t)di.dli_fbase));
    } else {
        snprintf(buf, sizeof buf, "0x%lx", (unsigned long)pc);
    }
    char *s = strdup(buf);
    return s ? s : "?";
}

static bool grow(void)
{
    size_t ncap = cap ? cap * 2 : 256;
    struct site *v = calloc(ncap, sizeof *v);
    if (!v)
        return false;
    for (size_t i = 0; i < cap; i++) {
        if (!sites[i].pc)
            continue;
        size_t j = (sites[i].pc * 0x9e3779b97f4a7c15ull >> 20) & (ncap - 1);
        while (v[j].pc)
            j = (j + 1) & (ncap - 1);
        v[j] = sites[i];
    }
    free(sites);
    sites = v;
    cap = ncap;
    return true;
}

int px__site(void *pc, const char **file)
{
    uintptr_t p = (uintptr_t)pc;
    *file = NULL;
    if (!p || ((nsites + 1) * 2 > cap && !grow()))
        return 0;
    size_t j = (p * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
    while (sites[j].pc && sites[j].pc != p)
        j = (j + 1) & (cap - 1);
    if (!sites[j].pc) {
        sites[j].pc = p;
        sites[j].name = name_of(p);
        nsites++;
    }
    *file = sites[j].name;
    return 0;
}

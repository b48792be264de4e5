/* Spans: named, nested stretches of a task's work. Each task keeps its open
 * spans; a step remembers how deep it was and its innermost span, so a report
 * can say where each of the last steps stood. */
#include "internal.h"

#include <stdlib.h>

int fg_span_enter(const char *name)
{
    struct task *t = fg__current("fg_span_enter");
    if (!t)
        return -EPERM;
    if (FG_UNLIKELY(t->nspans == t->spans_cap)) {
        uint32_t cap = t->spans_cap ? t->spans_cap * 2 : 8;
        const char **v = fg_alloc(cap * sizeof *v);   /* the old array stays in the arena until the sim ends */
        if (!v)
            return -ENOMEM;
        if (t->nspans)
            memcpy(v, t->spans, t->nspans * sizeof *v);
        t->spans = v;
        t->spans_cap = cap;
    }
    if (!name)
        name = "?";
    t->spans[t->nspans++] = name;
    if (FG_UNLIKELY(S->o.on_event != NULL))
        fg__event(FG_EV_SPAN_ENTER, t->id, -1, t->nspans, name, NULL, 0);
    return 0;
}

int fg_span_exit(void)
{
    struct task *t = fg__current("fg_span_exit");
    if (!t)
        return -EPERM;
    if (FG_UNLIKELY(!t->nspans))
        fg__fail(FG_FAIL_ASSERT, "task %s: fg_span_exit: no span is open (an exit without fg_span_enter)",
                 t->name);
    const char *name = t->spans[--t->nspans];
    if (FG_UNLIKELY(S->o.on_event != NULL))
        fg__event(FG_EV_SPAN_EXIT, t->id, -1, t->nspans + 1, name, NULL, 0);
    return 0;
}

void fg__span_cleanup(int *entered)
{
    if (*entered == 0)
        fg_span_exit();
}

void fg__span_path(const struct task *t, uint32_t depth, const char *top)
{
    /* the outer names are the task's own while it is still that deep with the same innermost span */
    bool same = t->nspans >= depth && t->spans[depth - 1] == top;
    fg__rep("in span ");
    if (!same && depth > 1)
        fg__rep("… › ");
    for (uint32_t i = same ? 0 : depth - 1; i < depth; i++)
        fg__rep("`%s`%s", i == depth - 1 ? top : t->spans[i], i + 1 < depth ? " › " : " ");
}

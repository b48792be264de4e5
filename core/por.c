/* Partial-order reduction: the one place contenders are ordered. Resources
 * park contenders in a waitq and, once everything ready has run (an idle
 * hook), ask here who goes first; each resource asks on its own, so
 * independent resources multiply their choices instead of sharing one. */
#include "por.h"

struct task *fg__por_pick_if(struct waitq *q, bool (*ok)(struct task *t, void *ud), void *ud)
{
    uint64_t n = 0;
    for (struct task *t = q->head; t; t = t->wq_next)
        n += !ok || ok(t, ud);
    if (!n)
        return NULL;
    uint64_t k = fg__por() ? fg_choose(n) : 0;
    for (struct task *t = q->head; t; t = t->wq_next)
        if ((!ok || ok(t, ud)) && k-- == 0)
            return t;
    return NULL;
}

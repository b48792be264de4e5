/* Preemption points for layers that run code not written for fugue (the
 * pthread layer): the running task may be switched out here for any ready
 * task, by one choice. Value 0 keeps it running (run-to-block is natural). */
#include "internal.h"

void fg__preempt(const char *call, const char *file, int line)
{
    struct task *t = S->cur;
    uint32_t n = S->rq_len;
    if (!n)
        return;
    /* PCT and POS: the enabled task of highest priority (prio.c) */
    uint64_t k = S->o.strategy >= FG_PCT ? fg__prio_preempt() : fg_choose((uint64_t)n + 1);
    if (!k)
        return;
    uint32_t mask = S->rq_cap - 1, i = (uint32_t)k - 1;
    struct task *next = S->rq[(S->rq_head + i) & mask];
    /* close the chosen one's gap, keeping the others' wake order */
    for (; i > 0; i--)
        S->rq[(S->rq_head + i) & mask] = S->rq[(S->rq_head + i - 1) & mask];
    S->rq_head = (S->rq_head + 1) & mask;
    S->rq_len--;
    /* the preempted task goes first in line: it resumes once `next` blocks */
    if (S->rq_len + 2 > S->rq_cap)
        fg__rq_grow();
    mask = S->rq_cap - 1;
    t->state = T_READY;
    S->rq_head = (S->rq_head - 1) & mask;
    S->rq[S->rq_head] = t;
    S->rq_head = (S->rq_head - 1) & mask;
    S->rq[S->rq_head] = next;
    S->rq_len += 2;
    t->call = call;
    t->file = file;
    t->line = line;
    fg__schedule();   /* FIFO takes the front: `next` */
}

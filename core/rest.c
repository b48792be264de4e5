/* The rest-state check (meson -Drest_check, on in debug builds and the tests):
 * after every sim each pool and global must be as a fresh process would find
 * it, so nothing one run did can change the next. A state that leaks across
 * runs is how a fuzzer artifact comes to replay differently on its own. */
#include "net.h"

#include <stdlib.h>

#ifdef FG_REST_CHECK
static void wrong(const char *what)
{
    fprintf(stderr, "fugue: rest-state check after a sim: %s\n", what);
    abort();
}

void fg__rest_check(void)
{
    if (S->active || S->cur || S->ntasks)
        wrong("a task outlived the sim");
    if (S->rq_len || S->live || S->live_primary)
        wrong("the ready queue or the count of live tasks outlived the sim");
    if (S->idle_head || S->idle_tail || S->zombie || S->in_hook || S->ngroups || S->copy_stack || S->copy_out)
        wrong("an idle hook, a zombie stack, a hook depth, a group or a copied stack outlived the sim");
    if (S->wheel.count || S->wheel.due.len)
        wrong("a timer outlived the sim");
    for (int l = 0; l < WHEEL_LEVELS; l++)
        if (S->wheel.occupied[l])
            wrong("a timer wheel slot outlived the sim");
    const char *why = fg__sim_at_rest();
    if (!why)
        why = fg__tasks_at_rest();
    if (!why)
        why = fg__stacks_at_rest();
    if (!why)
        why = fg__pkts_at_rest();
    if (!why)
        why = fg__wheel_at_rest(&S->wheel);
    if (why)
        wrong(why);
    if (NET->on || NET->judged || NET->nmon || NET->nsocks || NET->nhosts || NET->npairs || NET->arr_head ||
        NET->arr_tail || NET->arrivals.queued)
        wrong("the network outlived the sim");
    if (NET->flight.next && NET->flight.next != &NET->flight)
        wrong("a datagram in flight outlived the sim");
}
#endif

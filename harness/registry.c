/* The target registry: FG_TARGET adds each target before main, kept in name
 * order so every engine and test walks them the same way. */
#include "harness.h"

#include <string.h>

static fg_target *head;

void fg_target_register(fg_target *t)
{
    fg_target **p = &head;
    while (*p && strcmp((*p)->name, t->name) < 0)
        p = &(*p)->next;
    if (*p == t)
        return;
    t->next = *p;
    *p = t;
}

fg_target *fg_targets(void)
{
    return head;
}

fg_target *fg_target_find(const char *name)
{
    for (fg_target *t = head; t; t = t->next)
        if (!strcmp(t->name, name))
            return t;
    return NULL;
}

fg_opts fg_target_opts(const fg_target *t)
{
    return (fg_opts){
        .strategy = t->strategy,
        .depth = t->depth,
        .stack_size = t->stack_size,
        .stack_copy = t->stack_copy,
        .max_steps = t->max_steps,
        .max_time = t->max_time,
        .name = t->name,
    };
}

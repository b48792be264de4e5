/* Condition variable: waiters in arrival order; the mutex they take back
 * afterwards is where contention (and POR's choice) happens. */
#include "por.h"

struct fg_cond {
    struct waitq waiters;
    bool dead;
};

fg_cond *fg_cond_new(void)
{
    if (!fg__current("fg_cond_new"))
        return NULL;
    fg_cond *c = fg_alloc(sizeof *c);
    if (c)
        memset(c, 0, sizeof *c);
    return c;
}

int fg_cond_wait_(fg_cond *c, fg_mutex *m, fg_time deadline)
{
    struct task *t = fg__sync_entry(c, c && c->dead, "fg_cond_wait");
    if (!t)
        return fg__sync_err();
    if (!m || fg__mutex_owner(m) != t)
        return fg__misuse("fg_cond_wait", -EPERM, "task does not hold the mutex");
    const char *file = fg__file;
    int line = fg__line;
    fg_mutex_unlock(m);
    int r = fg__wait(&c->waiters, deadline, "fg_cond_wait");
    if (r == -ECANCELED)
        return r;
    fg__here(file, line);
    int lr = fg_mutex_lock_(m, FG_FOREVER);
    return lr ? lr : r;
}

int fg_cond_notify_one(fg_cond *c)
{
    if (!fg__sync_entry(c, c && c->dead, "fg_cond_notify_one"))
        return fg__sync_err();
    return fg__wake_first(&c->waiters, 0) != NULL;
}

int fg_cond_notify_all(fg_cond *c)
{
    if (!fg__sync_entry(c, c && c->dead, "fg_cond_notify_all"))
        return fg__sync_err();
    int n = 0;
    while (fg__wake_first(&c->waiters, 0))
        n++;
    return n;
}

int fg_cond_destroy(fg_cond *c)
{
    if (!fg__sync_entry(c, c && c->dead, "fg_cond_destroy"))
        return fg__sync_err();
    if (c->waiters.head)
        return fg__misuse("fg_cond_destroy", -EBUSY, "tasks wait on this condition (%s first)",
                          c->waiters.head->name);
    c->dead = true;
    return 0;
}

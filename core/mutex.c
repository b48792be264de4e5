/* Mutex. Uncontended locks complete at once; contenders wait in one queue and,
 * under POR, the lock is granted by an idle hook once every ready task has had
 * its chance to contend, so the order among them is one fg_choose. */
#include "por.h"

struct fg_mutex {
    struct task *owner;
    struct task *released_by;   /* the last unlock that left waiters: the hand-off's source */
    struct waitq waiters;
    struct idle_hook hook;
    bool dead;
    fg_stats stats;
};

static void grant(fg_mutex *m, struct task *t)
{
    m->owner = t;
    m->stats.acquires++;
    fg__wake(t, 0);
}

static bool grant_hook(struct idle_hook *h)
{
    fg_mutex *m = FG_CONTAINER(h, fg_mutex, hook);
    if (m->owner || !m->waiters.head)
        return false;
    S->waker = m->released_by;   /* granted from the scheduler: the unlock is where it came from */
    grant(m, fg__por_pick(&m->waiters));
    S->waker = NULL;
    return true;
}

fg_mutex *fg_mutex_new(void)
{
    if (!fg__current("fg_mutex_new"))
        return NULL;
    fg_mutex *m = fg_alloc(sizeof *m);
    if (!m)
        return NULL;
    memset(m, 0, sizeof *m);
    m->hook.run = grant_hook;
    fg__stats_track(&m->stats, FG__ST_MUTEX);
    return m;
}

static int lock_slow(fg_mutex *m, struct task *t, fg_time deadline)
{
    if (m->owner == t)
        return fg__misuse("fg_mutex_lock", -EDEADLK, "task already holds this mutex");
    if (deadline <= S->wheel.now && !t->cancelled) {
        /* no time to wait is a try: nothing to order against */
        if (m->owner || m->waiters.head)
            return -ETIMEDOUT;
        m->owner = t;
        m->stats.acquires++;
        return 0;
    }
    if (!m->owner && fg__por())
        fg__idle_hook(&m->hook);
    fg_time t0 = S->wheel.now;
    int r = fg__wait(&m->waiters, deadline, "fg_mutex_lock");
    if (r == 0) {
        m->stats.contended++;
        fg__hist_add(&m->stats.wait, S->wheel.now - t0);
    }
    return r;
}

int fg_mutex_lock_(fg_mutex *m, fg_time deadline)
{
    struct task *t = fg__sync_entry(m, m && m->dead, "fg_mutex_lock");
    if (FG_UNLIKELY(!t))
        return fg__sync_err();
    if (FG_LIKELY(!m->owner && !m->waiters.head && fg__por_quiet() && !t->cancelled)) {
        m->owner = t;
        m->stats.acquires++;
        return 0;
    }
    return lock_slow(m, t, deadline);
}

int fg_mutex_try_lock(fg_mutex *m)
{
    struct task *t = fg__sync_entry(m, m && m->dead, "fg_mutex_try_lock");
    if (!t)
        return fg__sync_err();
    if (m->owner || m->waiters.head)
        return -EAGAIN;
    m->owner = t;
    m->stats.acquires++;
    return 0;
}

int fg_mutex_unlock(fg_mutex *m)
{
    struct task *t = fg__sync_entry(m, m && m->dead, "fg_mutex_unlock");
    if (FG_UNLIKELY(!t))
        return fg__sync_err();
    if (FG_UNLIKELY(m->owner != t))
        return fg__misuse("fg_mutex_unlock", -EPERM, "task does not hold this mutex (%s%s)",
                          m->owner ? "held by " : "not held", m->owner ? m->owner->name : "");
    m->owner = NULL;
    if (m->waiters.head) {
        m->released_by = t;
        if (fg__por())
            fg__idle_hook(&m->hook);
        else
            grant(m, m->waiters.head);
    }
    return 0;
}

int fg_mutex_destroy(fg_mutex *m)
{
    if (!fg__sync_entry(m, m && m->dead, "fg_mutex_destroy"))
        return fg__sync_err();
    if (m->waiters.head)
        return fg__misuse("fg_mutex_destroy", -EBUSY, "tasks wait for this mutex (%s first)",
                          m->waiters.head->name);
    if (m->owner)
        return fg__misuse("fg_mutex_destroy", -EBUSY, "mutex is held by %s", m->owner->name);
    m->dead = true;
    return 0;
}

const fg_stats *fg_mutex_stats(const fg_mutex *m)
{
    return m ? &m->stats : NULL;
}

/* For fg_cond_wait: the holder, without the API's checks. */
struct task *fg__mutex_owner(const fg_mutex *m)
{
    return m->owner;
}

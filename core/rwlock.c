/* Read-write lock. Readers share, a writer excludes everyone, waiting writers
 * hold back new readers. Under POR a free lock goes, by one fg_choose, to one
 * waiting writer or to every waiting reader at once (readers commute). */
#include "por.h"

#include <stdlib.h>

#define READ ((void *)1)
#define WRITE ((void *)2)

struct fg_rwlock {
    uint32_t readers;
    struct task *writer;
    struct task **holders;   /* who holds a read lock, for unlock's check */
    uint32_t holders_cap;
    struct waitq waiters;    /* wait_data: READ or WRITE */
    struct idle_hook hook;
    bool dead;
    fg_stats stats;
};

static void drop_holders(void *ud)
{
    fg__sim_free(((fg_rwlock *)ud)->holders);
}

static int add_reader(fg_rwlock *l, struct task *t)
{
    if (l->readers == l->holders_cap) {
        uint32_t cap = l->holders_cap ? l->holders_cap * 2 : 8;
        struct task **h = fg__sim_malloc(cap * sizeof *h);
        if (!h)
            return -ENOMEM;
        if (!l->holders_cap && fg__at_end(drop_holders, l) < 0) {
            fg__sim_free(h);
            return -ENOMEM;
        }
        if (l->holders_cap)
            memcpy(h, l->holders, l->holders_cap * sizeof *h);
        fg__sim_free(l->holders);
        l->holders = h;
        l->holders_cap = cap;
    }
    l->holders[l->readers++] = t;
    l->stats.acquires++;
    return 0;
}

static void grant_readers(fg_rwlock *l)
{
    struct task *t = l->waiters.head;
    while (t) {
        struct task *next = t->wq_next;
        if (t->wait_data == READ)
            fg__wake(t, add_reader(l, t));
        t = next;
    }
}

static void grant_writer(fg_rwlock *l, struct task *t)
{
    l->writer = t;
    l->stats.acquires++;
    fg__wake(t, 0);
}

/* The k-th option in arrival order, where all readers count as one option at
 * the first reader's place: a writer, or NULL for the readers. */
static struct task *nth_option(const fg_rwlock *l, uint64_t k)
{
    bool readers_seen = false;
    for (struct task *t = l->waiters.head; t; t = t->wq_next) {
        if (t->wait_data == READ) {
            if (readers_seen)
                continue;
            readers_seen = true;
        }
        if (k-- == 0)
            return t->wait_data == WRITE ? t : NULL;
    }
    return NULL;
}

/* Hands a free or read-held lock on; under POR the choice is among the
 * waiting writers plus "all readers" as one option. */
static bool dispatch(fg_rwlock *l)
{
    if (l->writer || !l->waiters.head)
        return false;
    if (!fg__por()) {
        struct task *h = l->waiters.head;
        if (h->wait_data == WRITE) {
            if (l->readers)
                return false;
            grant_writer(l, h);
        } else {
            /* arrival order: readers up to the first waiting writer */
            while ((h = l->waiters.head) && h->wait_data == READ)
                fg__wake(h, add_reader(l, h));
        }
        return true;
    }
    uint64_t writers = 0, readers = 0;
    for (struct task *t = l->waiters.head; t; t = t->wq_next)
        if (t->wait_data == WRITE)
            writers++;
        else
            readers++;
    if (l->readers) {
        if (writers)
            return false;  /* the writer goes once the readers leave */
        grant_readers(l);
        return true;
    }
    struct task *w = nth_option(l, fg_choose(writers + (readers > 0)));
    if (w)
        grant_writer(l, w);
    else
        grant_readers(l);
    return true;
}

static bool grant_hook(struct idle_hook *h)
{
    return dispatch(FG_CONTAINER(h, fg_rwlock, hook));
}

fg_rwlock *fg_rwlock_new(void)
{
    if (!fg__current("fg_rwlock_new"))
        return NULL;
    fg_rwlock *l = fg_alloc(sizeof *l);
    if (!l)
        return NULL;
    memset(l, 0, sizeof *l);
    l->hook.run = grant_hook;
    fg__stats_track(&l->stats, FG__ST_RWLOCK);
    return l;
}

static bool holds_read(const fg_rwlock *l, const struct task *t)
{
    for (uint32_t i = 0; i < l->readers; i++)
        if (l->holders[i] == t)
            return true;
    return false;
}

static int lock(fg_rwlock *l, fg_time deadline, bool write, const char *call)
{
    struct task *t = fg__sync_entry(l, l && l->dead, call);
    if (FG_UNLIKELY(!t))
        return fg__sync_err();
    if (l->writer == t || holds_read(l, t))
        return fg__misuse(call, -EDEADLK, "task already holds this lock");
    bool free_now = write ? !l->writer && !l->readers : !l->writer;
    /* no time to wait is a try: nothing to order against */
    bool now_or_never = deadline <= S->wheel.now && !t->cancelled;
    if (now_or_never && (!free_now || l->waiters.head))
        return -ETIMEDOUT;
    if (free_now && !l->waiters.head && (fg__por_quiet() || now_or_never) && !t->cancelled) {
        if (!write)
            return add_reader(l, t);
        l->writer = t;
        l->stats.acquires++;
        return 0;
    }
    if (fg__por())
        fg__idle_hook(&l->hook);
    t->wait_data = write ? WRITE : READ;
    fg_time t0 = S->wheel.now;
    int r = fg__wait(&l->waiters, deadline, call);
    if (r == 0) {
        l->stats.contended++;
        fg__hist_add(&l->stats.wait, S->wheel.now - t0);
    } else if (l->waiters.head) {
        /* a writer that gave up may have held readers back */
        if (fg__por())
            fg__idle_hook(&l->hook);
        else
            dispatch(l);
    }
    return r;
}

int fg_rwlock_rdlock_(fg_rwlock *l, fg_time deadline)
{
    return lock(l, deadline, false, "fg_rwlock_rdlock");
}

int fg_rwlock_wrlock_(fg_rwlock *l, fg_time deadline)
{
    return lock(l, deadline, true, "fg_rwlock_wrlock");
}

static int try_lock(fg_rwlock *l, bool write, const char *call)
{
    struct task *t = fg__sync_entry(l, l && l->dead, call);
    if (!t)
        return fg__sync_err();
    if (l->writer == t || holds_read(l, t))
        return fg__misuse(call, -EDEADLK, "task already holds this lock");
    if (l->writer || (write && l->readers) || l->waiters.head)
        return -EAGAIN;
    if (!write)
        return add_reader(l, t);
    l->writer = t;
    l->stats.acquires++;
    return 0;
}

int fg_rwlock_try_rdlock(fg_rwlock *l)
{
    return try_lock(l, false, "fg_rwlock_try_rdlock");
}

int fg_rwlock_try_wrlock(fg_rwlock *l)
{
    return try_lock(l, true, "fg_rwlock_try_wrlock");
}

int fg_rwlock_unlock(fg_rwlock *l)
{
    struct task *t = fg__sync_entry(l, l && l->dead, "fg_rwlock_unlock");
    if (!t)
        return fg__sync_err();
    if (l->writer == t) {
        l->writer = NULL;
    } else {
        uint32_t i = 0;
        while (i < l->readers && l->holders[i] != t)
            i++;
        if (i == l->readers)
            return fg__misuse("fg_rwlock_unlock", -EPERM, "task holds no lock on it");
        /* keep the holders in acquisition order */
        memmove(&l->holders[i], &l->holders[i + 1], (l->readers - i - 1) * sizeof *l->holders);
        l->readers--;
    }
    if (l->waiters.head) {
        if (fg__por())
            fg__idle_hook(&l->hook);
        else
            dispatch(l);
    }
    return 0;
}

int fg_rwlock_destroy(fg_rwlock *l)
{
    if (!fg__sync_entry(l, l && l->dead, "fg_rwlock_destroy"))
        return fg__sync_err();
    if (l->waiters.head)
        return fg__misuse("fg_rwlock_destroy", -EBUSY, "tasks wait for this lock (%s first)",
                          l->waiters.head->name);
    if (l->writer || l->readers)
        return fg__misuse("fg_rwlock_destroy", -EBUSY, "lock is held");
    l->dead = true;
    return 0;
}

const fg_stats *fg_rwlock_stats(const fg_rwlock *l)
{
    return l ? &l->stats : NULL;
}

/* One-shot value: set once, read by every waiter; closing without a value
 * tells the waiters nobody will set it. No contention, so no choices. */
#include "por.h"

struct fg_oneshot {
    bool set, closed;
    void *data;
    size_t size;
    struct waitq waiters;
};

fg_oneshot *fg_oneshot_new(void)
{
    if (!fg__current("fg_oneshot_new"))
        return NULL;
    fg_oneshot *o = fg_alloc(sizeof *o);
    if (o)
        memset(o, 0, sizeof *o);
    return o;
}

static int finish(fg_oneshot *o, const char *call, int result)
{
    if (!fg__sync_entry(o, false, call))
        return fg__sync_err();
    if (o->set || o->closed)
        return fg__misuse(call, -EALREADY, "the one-shot was %s already", o->set ? "set" : "closed");
    while (fg__wake_first(&o->waiters, result))
        ;
    return 0;
}

int fg_oneshot_set(fg_oneshot *o, void *data, size_t size)
{
    int r = finish(o, "fg_oneshot_set", 0);
    if (r == 0) {
        o->set = true;
        o->data = data;
        o->size = size;
    }
    return r;
}

int fg_oneshot_close(fg_oneshot *o)
{
    int r = finish(o, "fg_oneshot_close", -EPIPE);
    if (r == 0)
        o->closed = true;
    return r;
}

int fg_oneshot_try(fg_oneshot *o, void **data, size_t *size)
{
    if (!fg__sync_entry(o, false, "fg_oneshot_try"))
        return fg__sync_err();
    if (o->closed)
        return -EPIPE;
    if (!o->set)
        return -EAGAIN;
    if (data)
        *data = o->data;
    if (size)
        *size = o->size;
    return 0;
}

int fg_oneshot_wait_(fg_oneshot *o, void **data, size_t *size, fg_time deadline)
{
    if (!fg__sync_entry(o, false, "fg_oneshot_wait"))
        return fg__sync_err();
    if (!o->set && !o->closed) {
        int r = fg__wait(&o->waiters, deadline, "fg_oneshot_wait");
        if (r < 0)
            return r;
    }
    return fg_oneshot_try(o, data, size);
}

/* Thread-local variables per thread: fugue-cc builds with clang's
 * -femulated-tls, so every __thread/thread_local access asks
 * __emutls_get_address for the variable's address, and this layer answers
 * with the calling thread's own copy (made on first use in a run, from the
 * variable's initial value). Without it one OS thread runs every task and all
 * would share one copy. */
#include "px.h"

#include <stdlib.h>

/* What the compiler emits per variable (libgcc's layout). */
struct __emutls_object {
    size_t size, align;
    void *loc;     /* libgcc's index; unused here (it lives in the program's data, restored every run) */
    void *templ;   /* the initial value, or NULL: zeros */
};

struct px_tls { const struct __emutls_object *obj; void *at; };

static void *fresh(const struct __emutls_object *o, void *(*alloc)(size_t))
{
    size_t align = o->align > sizeof(void *) ? o->align : sizeof(void *);
    char *raw = alloc(o->size + align);
    if (!raw)
        fg__fail(FG_FAIL_CRASH, "out of memory for a thread-local variable");
    char *p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    if (o->templ)
        memcpy(p, o->templ, o->size);
    else
        memset(p, 0, o->size);
    return p;
}

static void *sim_alloc(size_t n)
{
    return fg_alloc(n);
}

void *__emutls_get_address(struct __emutls_object *o);

void *__emutls_get_address(struct __emutls_object *o)
{
    if (!px_in_sim()) {
        /* before main or on another OS thread: one process-wide copy, kept */
        static struct px_tls *glob;
        static size_t n, cap;
        static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
        PX_REAL(int, pthread_mutex_lock, pthread_mutex_t *);
        PX_REAL(int, pthread_mutex_unlock, pthread_mutex_t *);
        real_pthread_mutex_lock(&lock);
        void *at = NULL;
        for (size_t i = 0; i < n && !at; i++)
            if (glob[i].obj == o)
                at = glob[i].at;
        if (!at) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                glob = realloc(glob, cap * sizeof *glob);
                if (!glob)
                    abort();
            }
            at = fresh(o, malloc);
            glob[n++] = (struct px_tls){o, at};
        }
        real_pthread_mutex_unlock(&lock);
        return at;
    }
    struct px_thread *th = px__thread(S->cur->id);
    for (uint32_t i = 0; i < th->ntls; i++)
        if (th->tls[i].obj == o)
            return th->tls[i].at;
    /* sim memory: freed with the run, as the thread table forgets it */
    if (th->ntls == th->tls_cap) {
        uint32_t cap = th->tls_cap ? th->tls_cap * 2 : 8;
        struct px_tls *v = fg_alloc(cap * sizeof *v);
        if (th->ntls)
            memcpy(v, th->tls, th->ntls * sizeof *v);
        th->tls = v;
        th->tls_cap = cap;
    }
    void *at = fresh(o, sim_alloc);
    th->tls[th->ntls++] = (struct px_tls){o, at};
    return at;
}

/* Thread-specific data: keys numbered per sim, values per thread, destructors
 * run at thread exit (up to PTHREAD_DESTRUCTOR_ITERATIONS rounds). */
#include "px.h"

#include <limits.h>
#include <stdlib.h>

#define MAX_KEYS 1024
/* Keys made in a sim are numbered from here; smaller ones belong to libc's real keys, made
 * outside (a sanitizer runtime's own, say, which it reads on the sim thread too). */
#define SIM_KEY 0x40000000u
#define REAL(k) ((k) < SIM_KEY)
static void (*dtors[MAX_KEYS])(void *);
static bool used[MAX_KEYS];
static uint32_t nkeys;
static uint32_t keys_epoch;

static void reset_if_new_sim(void)
{
    if (keys_epoch == px__epoch)
        return;
    keys_epoch = px__epoch;
    memset(used, 0, sizeof used);
    nkeys = 0;
}

int pthread_key_create(pthread_key_t *k, void (*dtor)(void *))
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_key_create, pthread_key_t *, void (*)(void *));
        return real_pthread_key_create(k, dtor);
    }
    reset_if_new_sim();
    if (nkeys == MAX_KEYS)
        return EAGAIN;
    dtors[nkeys] = dtor;
    used[nkeys] = true;
    *k = SIM_KEY + nkeys++;
    return 0;
}

int pthread_key_delete(pthread_key_t k)
{
    if (!px_in_sim() || REAL(k)) {
        PX_REAL(int, pthread_key_delete, pthread_key_t);
        return real_pthread_key_delete(k);
    }
    reset_if_new_sim();
    k -= SIM_KEY;
    if (k >= nkeys || !used[k])
        return EINVAL;
    used[k] = false;
    return 0;
}

void *pthread_getspecific(pthread_key_t k)
{
    if (!px_in_sim() || REAL(k)) {
        PX_REAL(void *, pthread_getspecific, pthread_key_t);
        return real_pthread_getspecific(k);
    }
    struct px_thread *th = px__thread(S->cur->id);
    k -= SIM_KEY;
    return k < th->nkeys ? th->keys[k] : NULL;
}

int pthread_setspecific(pthread_key_t k, const void *v)
{
    if (!px_in_sim() || REAL(k)) {
        PX_REAL(int, pthread_setspecific, pthread_key_t, const void *);
        return real_pthread_setspecific(k, v);
    }
    reset_if_new_sim();
    k -= SIM_KEY;
    if (k >= nkeys || !used[k])
        return EINVAL;
    struct px_thread *th = px__thread(S->cur->id);
    if (k >= th->nkeys) {
        uint32_t n = nkeys > 16 ? nkeys : 16;
        void **vals = fg_alloc(n * sizeof *vals);
        if (!vals)
            return ENOMEM;
        memset(vals, 0, n * sizeof *vals);
        if (th->nkeys)
            memcpy(vals, th->keys, th->nkeys * sizeof *vals);
        th->keys = vals;
        th->nkeys = n;
    }
    th->keys[k] = (void *)v;
    return 0;
}

void px__keys_exit(struct px_thread *th)
{
    if (keys_epoch != px__epoch)
        return;
    for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; round++) {
        bool any = false;
        for (uint32_t k = 0; k < th->nkeys && k < nkeys; k++) {
            void *v = th->keys[k];
            if (!v || !used[k] || !dtors[k])
                continue;
            th->keys[k] = NULL;
            dtors[k](v);
            any = true;
        }
        if (!any)
            break;
    }
}

/* Semaphores, barriers, rwlocks, spinlocks, once and keys, each checked by
 * what must hold on every schedule. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define N 3
static sem_t slots;
static int inside, max_inside;
static pthread_barrier_t bar;
static int phase_done[N], serial;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int readers, writer;
static pthread_spinlock_t spin;
static int spun;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int inits;
static pthread_key_t key;
static int dtors;

static void init(void) { inits++; }
static void dtor(void *v) { (void)v; __atomic_add_fetch(&dtors, 1, __ATOMIC_SEQ_CST); }

static void *worker(void *arg)
{
    long id = (long)arg;
    pthread_once(&once, init);
    pthread_setspecific(key, (void *)(id + 1));
    /* at most two inside at once */
    sem_wait(&slots);
    int now = __atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST);
    assert(now <= 2);
    if (now == 2)
        max_inside = 2;
    sched_yield();
    __atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
    sem_post(&slots);
    /* nobody passes the barrier before all have arrived */
    phase_done[id] = 1;
    if (pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD)
        serial++;
    for (int i = 0; i < N; i++)
        assert(phase_done[i]);
    /* readers share, a writer is alone */
    if (id == 0) {
        pthread_rwlock_wrlock(&rw);
        writer = 1;
        assert(readers == 0);
        sched_yield();
        writer = 0;
        pthread_rwlock_unlock(&rw);
    } else {
        pthread_rwlock_rdlock(&rw);
        __atomic_add_fetch(&readers, 1, __ATOMIC_SEQ_CST);
        assert(!writer);
        sched_yield();
        __atomic_sub_fetch(&readers, 1, __ATOMIC_SEQ_CST);
        pthread_rwlock_unlock(&rw);
    }
    pthread_spin_lock(&spin);
    spun++;
    pthread_spin_unlock(&spin);
    assert(pthread_getspecific(key) == (void *)(id + 1));
    return NULL;
}

int main(void)
{
    sem_init(&slots, 0, 2);
    pthread_barrier_init(&bar, NULL, N);
    pthread_spin_init(&spin, 0);
    pthread_key_create(&key, dtor);
    assert(sem_trywait(&slots) == 0 && sem_post(&slots) == 0);
    pthread_t t[N];
    for (long i = 0; i < N; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    int v;
    sem_getvalue(&slots, &v);
    assert(v == 2 && serial == 1 && spun == N && inits == 1 && dtors == N);
    printf("max inside %d\n", max_inside);
    return 0;
}

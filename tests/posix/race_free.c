/* Shared data handed between threads through every kind of happens-before
 * edge the layer knows: create/join, a mutex, a condition variable, a
 * semaphore, a barrier, pthread_once, an atomic flag; and a block one thread
 * frees that malloc hands to the other (new memory, no race). --races must
 * report nothing on any schedule. */
#include <assert.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t bar;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static sem_t sem;
static int before_create, counter, by_cond, by_sem, by_barrier[2], by_atomic, by_once, after_join;
static int cond_ready, flag;

static void init(void)
{
    by_once = 7;
}

static void *worker(void *arg)
{
    int me = (int)(long)arg;
    int *scratch = malloc(4 * sizeof *scratch);  /* the other thread's freed block, often */
    scratch[0] = me;
    __asm__ volatile("" : : "r"(scratch) : "memory");   /* the store stays */
    free(scratch);
    assert(before_create == 1);                 /* create */
    pthread_once(&once, init);
    assert(by_once == 7);                       /* once */
    for (int i = 0; i < 2; i++) {               /* mutex */
        pthread_mutex_lock(&m);
        counter++;
        pthread_mutex_unlock(&m);
    }
    by_barrier[me] = me + 1;
    pthread_barrier_wait(&bar);                 /* barrier */
    assert(by_barrier[1 - me] == 2 - me);
    if (me == 0) {
        by_cond = 3;
        pthread_mutex_lock(&m);
        cond_ready = 1;
        pthread_cond_signal(&c);                /* cond */
        pthread_mutex_unlock(&m);
        by_sem = 4;
        sem_post(&sem);                         /* sem */
        by_atomic = 5;
        __atomic_store_n(&flag, 1, __ATOMIC_RELEASE);   /* atomics */
    } else {
        pthread_mutex_lock(&m);
        while (!cond_ready)
            pthread_cond_wait(&c, &m);
        pthread_mutex_unlock(&m);
        assert(by_cond == 3);
        sem_wait(&sem);
        assert(by_sem == 4);
        while (!__atomic_load_n(&flag, __ATOMIC_ACQUIRE))
            sched_yield();
        assert(by_atomic == 5);
    }
    after_join += 0;
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    sem_init(&sem, 0, 0);
    pthread_barrier_init(&bar, NULL, 2);
    before_create = 1;
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    after_join = counter;                        /* join */
    assert(after_join == 4);
    return 0;
}

/* Condition variables: timedwait against sim time, and broadcast, whose
 * waiters may take the mutex back in any order: the program fails (exit 3)
 * when they come back in reverse, which exhaustive exploration must reach. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int go, waiting, woke[3], nwoke;

static void *waiter(void *arg)
{
    pthread_mutex_lock(&m);
    waiting++;
    while (!go)
        pthread_cond_wait(&c, &m);
    woke[nwoke++] = (int)(long)arg;
    pthread_mutex_unlock(&m);
    return NULL;
}

int main(void)
{
    /* nobody signals: timedwait returns at the deadline, sim time jumps there */
    struct timespec t0, dl, t1;
    clock_gettime(CLOCK_REALTIME, &t0);
    dl = (struct timespec){t0.tv_sec + 2, t0.tv_nsec};
    pthread_mutex_lock(&m);
    assert(pthread_cond_timedwait(&c, &m, &dl) == ETIMEDOUT);
    clock_gettime(CLOCK_REALTIME, &t1);
    assert(t1.tv_sec == t0.tv_sec + 2 && t1.tv_nsec == t0.tv_nsec);
    pthread_mutex_unlock(&m);

    pthread_t w[3];
    for (long i = 0; i < 3; i++)
        pthread_create(&w[i], NULL, waiter, (void *)i);
    for (;;) {
        pthread_mutex_lock(&m);
        if (waiting == 3)
            break;
        pthread_mutex_unlock(&m);
        sched_yield();
    }
    go = 1;
    pthread_cond_broadcast(&c);
    pthread_mutex_unlock(&m);
    for (int i = 0; i < 3; i++)
        pthread_join(w[i], NULL);
    assert(nwoke == 3);
    printf("woke %d %d %d\n", woke[0], woke[1], woke[2]);
    return woke[0] == 2 && woke[1] == 1 && woke[2] == 0 ? 3 : 0;
}

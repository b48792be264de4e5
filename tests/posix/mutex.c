/* Mutex semantics: kinds, trylock, timedlock against sim time, and barging
 * (on the natural schedule the releasing thread takes the mutex straight back). */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static char order[8];
static int n;

static void *hog(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++) {
        pthread_mutex_lock(&m);
        order[n++] = 'A';
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

static void *other(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    order[n++] = 'B';
    pthread_mutex_unlock(&m);
    return NULL;
}

static void *holder(void *arg)
{
    pthread_mutex_lock(arg);
    sleep(1);
    pthread_mutex_unlock(arg);
    return NULL;
}

int main(void)
{
    pthread_mutexattr_t a;
    pthread_mutex_t r, e, t;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&r, &a);
    assert(pthread_mutex_lock(&r) == 0 && pthread_mutex_lock(&r) == 0 && pthread_mutex_trylock(&r) == 0);
    assert(pthread_mutex_unlock(&r) == 0 && pthread_mutex_unlock(&r) == 0 && pthread_mutex_unlock(&r) == 0);
    assert(pthread_mutex_unlock(&r) == EPERM);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&e, &a);
    assert(pthread_mutex_lock(&e) == 0 && pthread_mutex_lock(&e) == EDEADLK && pthread_mutex_trylock(&e) == EBUSY);
    assert(pthread_mutex_unlock(&e) == 0 && pthread_mutex_unlock(&e) == EPERM);

    /* timedlock gives up at its deadline, in sim time */
    pthread_mutex_init(&t, NULL);
    pthread_t h;
    pthread_create(&h, NULL, holder, &t);
    usleep(1000);
    struct timespec now, dl;
    clock_gettime(CLOCK_REALTIME, &now);
    dl = now;
    dl.tv_nsec += 250000000;
    assert(pthread_mutex_trylock(&t) == EBUSY);
    assert(pthread_mutex_timedlock(&t, &dl) == ETIMEDOUT);
    struct timespec after;
    clock_gettime(CLOCK_REALTIME, &after);
    assert(after.tv_sec == dl.tv_sec && after.tv_nsec == dl.tv_nsec);
    pthread_join(h, NULL);

    pthread_t x, y;
    pthread_create(&x, NULL, hog, NULL);
    pthread_create(&y, NULL, other, NULL);
    pthread_join(x, NULL);
    pthread_join(y, NULL);
    order[n] = 0;
    printf("order %s\n", order);
    return 0;
}

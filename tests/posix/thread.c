/* Threads: join's value, pthread_exit's value, detach, self/equal, and main
 * returning while a detached thread still runs (the program ends there). */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_t main_id;

static void *twice(void *arg)
{
    assert(!pthread_equal(pthread_self(), main_id));
    return (void *)((long)arg * 2);
}

static void *leaves(void *arg)
{
    (void)arg;
    pthread_exit((void *)42);
}

static void *forever(void *arg)
{
    (void)arg;
    for (;;)
        sleep(1);
}

int main(void)
{
    main_id = pthread_self();
    assert(pthread_equal(main_id, pthread_self()));
    pthread_t a, b, d;
    void *r;
    pthread_create(&a, NULL, twice, (void *)21);
    pthread_create(&b, NULL, leaves, NULL);
    assert(pthread_join(a, &r) == 0 && (long)r == 42);
    assert(pthread_join(b, &r) == 0 && (long)r == 42);
    assert(pthread_join(b, &r) == EINVAL);
    assert(pthread_join(pthread_self(), &r) == EDEADLK);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_create(&d, &at, forever, NULL);
    assert(pthread_join(d, &r) == EINVAL);
    printf("main returns\n");
    return 0;
}

/* A data race that no schedule hides: the worker writes `result` under a
 * lock, main reads it without one and before joining. --races reports it on
 * every schedule, the natural one included. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int result;

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    result = 42;
    pthread_mutex_unlock(&m);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    printf("%d\n", result);
    pthread_join(t, NULL);
    return 0;
}

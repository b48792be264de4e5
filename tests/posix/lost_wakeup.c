/* Planted bug: a lost wakeup. The consumer checks the flag outside the lock
 * and then waits; a signal sent in between is lost and it waits forever. */
#include <pthread.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int ready;

static void *consumer(void *arg)
{
    (void)arg;
    if (!ready) {
        pthread_mutex_lock(&m);
        pthread_cond_wait(&c, &m);
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

static void *producer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    ready = 1;
    pthread_cond_signal(&c);
    pthread_mutex_unlock(&m);
    return NULL;
}

int main(void)
{
    pthread_t x, y;
    pthread_create(&x, NULL, consumer, NULL);
    pthread_create(&y, NULL, producer, NULL);
    pthread_join(x, NULL);
    pthread_join(y, NULL);
    return 0;
}

/* Planted bug: check-then-act. Each thread checks that a slot is free, then
 * takes it, without a lock; two threads can both see it free. */
#include <assert.h>
#include <pthread.h>

static int owner, taken;

static void *take(void *arg)
{
    if (owner == 0) {
        owner = (int)(long)arg;
        taken++;
    }
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, take, (void *)(i + 1));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert(taken == 1);
    return 0;
}

/* Planted bug: a lost update on a plain int. Two threads increment a shared
 * counter without a lock; a preemption between the read and the write loses one. */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

static int counter;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        counter++;
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert(counter == 6);
    return 0;
}

/* Two threads each append their letter to a shared log four times; main
 * asserts the log was not interleaved (AAAABBBB or BBBBAAAA). Interleaving
 * needs a preemption inside a thread's loop: random finds it, PCT with depth 1
 * (no change points) never, depth 2 (one change point) does. */
#include <assert.h>
#include <pthread.h>

static char log_[8];
static int n;

static void *worker(void *arg)
{
    for (int i = 0; i < 4; i++)
        log_[n++ & 7] = *(const char *)arg;
    return NULL;
}

int main(void)
{
    static const char a = 'A', b = 'B';
    pthread_t t[2];
    pthread_create(&t[0], NULL, worker, (void *)&a);
    pthread_create(&t[1], NULL, worker, (void *)&b);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 1; i < 8; i++)
        assert(i == 4 || log_[i] == log_[i - 1]);
    assert(log_[0] != log_[4]);
    return 0;
}

/* Thread-local variables: each thread bumps its own __thread copies from their
 * initial values; main's stay untouched. With clang (emulated TLS answered by
 * the layer) every thread has its copy; gcc has no emulated TLS, so there all
 * threads share one copy and the assertion fails (fugue-cc warns at build). */
#include <assert.h>
#include <pthread.h>

static __thread int mine = 5;
static __thread char buf[64];

static void *worker(void *arg)
{
    for (int i = 0; i < 3; i++) {
        mine++;
        buf[0]++;
    }
    assert(mine == 8 && buf[0] == 3);
    return arg;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert(mine == 5 && buf[0] == 0);
    return 0;
}

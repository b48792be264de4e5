/* Planted bug: an order violation. The worker uses the buffer main sets up
 * after creating it, assuming it is ready. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static char *buf;

static void *use(void *arg)
{
    (void)arg;
    buf[0] = 'x';   /* NULL when the worker runs first */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, use, NULL);
    buf = malloc(16);
    pthread_join(t, NULL);
    free(buf);
    return 0;
}

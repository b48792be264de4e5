/* A thread's exit(3) ends the program with status 3: a failure of its own kind. */
#include <pthread.h>
#include <stdlib.h>

static void *quit(void *arg)
{
    (void)arg;
    exit(3);
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, quit, NULL);
    pthread_join(t, NULL);
    return 0;
}

/* A thread's stack size is honoured: 64 KiB is too small for this frame. */
#include <pthread.h>
#include <string.h>

static void *big(void *arg)
{
    volatile char buf[512 * 1024];
    memset((char *)buf, 1, sizeof buf);
    return (void *)(long)buf[(long)arg];
}

int main(void)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    pthread_t t;
    pthread_create(&t, &a, big, NULL);
    pthread_join(t, NULL);
    return 0;
}

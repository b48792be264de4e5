/* Sleeps take sim time exactly; every clock reads the sim's clock. */
#include <assert.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long ns(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (long long)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(void)
{
    long long m0 = ns(CLOCK_MONOTONIC), r0 = ns(CLOCK_REALTIME);
    time_t s0 = time(NULL);
    sleep(2);
    assert(ns(CLOCK_MONOTONIC) - m0 == 2000000000LL);
    usleep(1500);
    assert(ns(CLOCK_MONOTONIC) - m0 == 2001500000LL);
    nanosleep(&(struct timespec){0, 500000}, NULL);
    assert(ns(CLOCK_REALTIME) - r0 == 2002000000LL);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    assert(tv.tv_sec == s0 + 2 && time(NULL) == s0 + 2);
    printf("realtime %lld\n", r0 / 1000000000);
    return 0;
}

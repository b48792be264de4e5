/* Figures for the pthread layer, as a program built by fugue-cc (the tsan
 * instrumentation): an instrumented memory access that is not a choice, next
 * to the same loop without instrumentation in the same run, and an
 * uncontended pthread mutex lock+unlock. Run: bench_posix replay /dev/null.
 * Times are the thread's CPU time (best of 5), read by syscall since the
 * layer makes clock_gettime read sim time. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define N 20000000
static volatile int cells[64];
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static double cpu_s(void)
{
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

__attribute__((noinline)) static void touch(void)
{
    for (int i = 0; i < N; i++)
        cells[i & 63] += i;
}

__attribute__((noinline, no_sanitize("thread"))) static void touch_plain(void)
{
    for (int i = 0; i < N; i++)
        cells[i & 63] += i;
}

__attribute__((noinline)) static void lock_unlock(void)
{
    for (int i = 0; i < N / 4; i++) {
        pthread_mutex_lock(&m);
        pthread_mutex_unlock(&m);
    }
}

/* glibc's own lock+unlock, the baseline (a mutex the sim never touches) */
static int (*real_lock)(pthread_mutex_t *), (*real_unlock)(pthread_mutex_t *);
static pthread_mutex_t gm = PTHREAD_MUTEX_INITIALIZER;
__attribute__((noinline)) static void glibc_lock_unlock(void)
{
    for (int i = 0; i < N / 4; i++) {
        real_lock(&gm);
        real_unlock(&gm);
    }
}

static void *idle(void *arg)
{
    (void)arg;
    return NULL;
}

static double best(void (*f)(void), double n)
{
    double b = 1e9;
    for (int r = 0; r < 5; r++) {
        double t0 = cpu_s();
        f();
        double dt = cpu_s() - t0;
        if (dt < b)
            b = dt;
    }
    return b / n * 1e9;
}

int main(void)
{
    /* a second thread that has run and ended: the program is really multithreaded */
    pthread_t t;
    pthread_create(&t, NULL, idle, NULL);
    pthread_join(t, NULL);
    double plain = best(touch_plain, N), inst = best(touch, N);
    /* each iteration is a read and a write: two accesses */
    printf("posix_access_plain: %.2f ns\n", plain / 2);
    printf("posix_access_instrumented: %.2f ns\n", inst / 2);
    printf("posix_access_overhead: %.2f ns\n", (inst - plain) / 2);
    printf("posix_mutex_lock_unlock: %.2f ns\n", best(lock_unlock, N / 4));
    real_lock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_lock");
    real_unlock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_unlock");
    if (real_lock && real_unlock)
        printf("glibc_mutex_lock_unlock: %.2f ns\n", best(glibc_lock_unlock, N / 4));
    return 0;
}

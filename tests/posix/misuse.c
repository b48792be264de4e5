/* pthread misuse, one case per argument: what POSIX leaves undefined fails
 * the sim naming the thread, the call and its line; what it defines
 * (errorcheck mutexes) returns the errno and the program goes on. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;

static void *unlock_foreign(void *arg)
{
    (void)arg;
    pthread_mutex_unlock(&m);   /* line 17: main holds m */
    return NULL;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    pthread_t t;
    if (!strcmp(what, "unlock-foreign")) {
        pthread_mutex_lock(&m);
        pthread_create(&t, NULL, unlock_foreign, NULL);
        pthread_join(t, NULL);
    } else if (!strcmp(what, "unlock-free")) {
        pthread_mutex_unlock(&m);   /* line 30 */
    } else if (!strcmp(what, "cond-unheld")) {
        pthread_cond_wait(&c, &m);   /* line 32 */
    } else if (!strcmp(what, "rwlock-unheld")) {
        pthread_rwlock_unlock(&rw);   /* line 34 */
    } else if (!strcmp(what, "destroy-locked")) {
        pthread_mutex_lock(&m);
        pthread_mutex_destroy(&m);   /* line 37 */
    } else if (!strcmp(what, "errorcheck")) {
        pthread_mutexattr_t a;
        pthread_mutex_t e;
        pthread_mutexattr_init(&a);
        pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
        pthread_mutex_init(&e, &a);
        assert(pthread_mutex_unlock(&e) == EPERM);
        assert(pthread_cond_wait(&c, &e) == EPERM);
        assert(pthread_mutex_lock(&e) == 0 && pthread_mutex_lock(&e) == EDEADLK);
        assert(pthread_mutex_unlock(&e) == 0 && pthread_mutex_destroy(&e) == 0);
    }
    return 0;
}

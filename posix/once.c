/* pthread_once: the first caller runs the routine; others arriving meanwhile
 * wait (by yielding) until it is done. The int holds the epoch and a state. */
#include "px.h"

enum { ONCE_RUNNING = 1, ONCE_DONE = 2 };

int pthread_once(pthread_once_t *o, void (*fn)(void))
{
    if (!px_in_sim()) {
        PX_REAL(int, pthread_once, pthread_once_t *, void (*)(void));
        return real_pthread_once(o, fn);
    }
    PX_POINT("pthread_once");
    int mine = (int)((px__epoch & 0x1fffffff) << 2);
    while ((*o & ~3) == mine && (*o & 3) == ONCE_RUNNING) {
        px__yield(__builtin_return_address(0));
    }
    if ((*o & ~3) == mine && (*o & 3) == ONCE_DONE) {
        px_race_acquire(o);   /* what the routine did happens before every return */
        return 0;
    }
    *o = mine | ONCE_RUNNING;
    fn();
    *o = mine | ONCE_DONE;
    px_race_release(o);
    return 0;
}

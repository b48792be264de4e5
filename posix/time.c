/* Time in sim time: clocks read the sim's clock (the realtime clock starts at
 * a fixed date, so runs replay), sleeps block in sim time. */
#include "px.h"

#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* 2024-01-01T00:00:00Z: what CLOCK_REALTIME reads when the sim begins */
#define REALTIME_EPOCH ((fg_time)1704067200 * FG_SEC)

static fg_time clock_now(clockid_t clock)
{
    return fg_now() + (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE ? REALTIME_EPOCH : 0);
}

fg_time px__deadline(const struct timespec *abs, clockid_t clock)
{
    fg_time t = (fg_time)abs->tv_sec * FG_SEC + abs->tv_nsec;
    if (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)
        t -= REALTIME_EPOCH;
    if (abs->tv_sec > INT64_MAX / FG_SEC - 1)
        return FG_FOREVER;
    return t < fg_now() ? fg_now() : t;
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
    if (!px_in_sim()) {
        PX_REAL(int, clock_gettime, clockid_t, struct timespec *);
        return real_clock_gettime(clock, ts);
    }
    fg_time t = clock_now(clock);
    ts->tv_sec = (time_t)(t / FG_SEC);
    ts->tv_nsec = (long)(t % FG_SEC);
    return 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    if (!px_in_sim()) {
        PX_REAL(int, gettimeofday, struct timeval *, void *);
        return real_gettimeofday(tv, tz);
    }
    fg_time t = clock_now(CLOCK_REALTIME);
    tv->tv_sec = (time_t)(t / FG_SEC);
    tv->tv_usec = (suseconds_t)(t % FG_SEC / 1000);
    return 0;
}

time_t time(time_t *out)
{
    if (!px_in_sim()) {
        PX_REAL(time_t, time, time_t *);
        return real_time(out);
    }
    time_t t = (time_t)(clock_now(CLOCK_REALTIME) / FG_SEC);
    if (out)
        *out = t;
    return t;
}

/* Sleeps until `until` in sim time; a scheduling point even when it is now. */
static void sleep_until(fg_time until, const char *call, void *pc)
{
    px_point(call, pc);
    if (until <= fg_now())
        return;
    fg__line = px__site(pc, &fg__file);
    if (fg__block(until, call) == -ECANCELED || S->cur->cancelled)
        px__die();
}

static fg_time after(const struct timespec *d)
{
    if (d->tv_sec > INT64_MAX / FG_SEC - 1)
        return FG_FOREVER;
    return fg_after((fg_time)d->tv_sec * FG_SEC + d->tv_nsec);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (!px_in_sim()) {
        PX_REAL(int, nanosleep, const struct timespec *, struct timespec *);
        return real_nanosleep(req, rem);
    }
    if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000 || req->tv_sec < 0) {
        errno = EINVAL;
        return -1;
    }
    sleep_until(after(req), "nanosleep", __builtin_return_address(0));
    if (rem)
        *rem = (struct timespec){0};
    return 0;
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem)
{
    if (!px_in_sim()) {
        PX_REAL(int, clock_nanosleep, clockid_t, int, const struct timespec *, struct timespec *);
        return real_clock_nanosleep(clock, flags, req, rem);
    }
    if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000 || req->tv_sec < 0)
        return EINVAL;
    fg_time until = flags & TIMER_ABSTIME ? px__deadline(req, clock) : after(req);
    sleep_until(until, "clock_nanosleep", __builtin_return_address(0));
    if (rem && !(flags & TIMER_ABSTIME))
        *rem = (struct timespec){0};
    return 0;
}

int usleep(useconds_t us)
{
    if (!px_in_sim()) {
        PX_REAL(int, usleep, useconds_t);
        return real_usleep(us);
    }
    sleep_until(fg_after((fg_time)us * FG_US), "usleep", __builtin_return_address(0));
    return 0;
}

unsigned int sleep(unsigned int s)
{
    if (!px_in_sim()) {
        PX_REAL(unsigned int, sleep, unsigned int);
        return real_sleep(s);
    }
    sleep_until(fg_after((fg_time)s * FG_SEC), "sleep", __builtin_return_address(0));
    return 0;
}

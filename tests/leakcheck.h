/* LeakSanitizer's verdict as a Criterion assertion: its report at exit fails
 * no test, so tests that run many sims ask it directly (ASan builds only). */
#ifndef FUGUE_TEST_LEAKCHECK_H
#define FUGUE_TEST_LEAKCHECK_H

#include <criterion/criterion.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#else
#include <sanitizer/lsan_interface.h>
#endif

static inline void assert_no_leaks(void)
{
#if UNDER_ASAN
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "LeakSanitizer found leaks (report above)");
#endif
}

#endif

/* The program's globals start every run as they were before the first:
 * fugue-cc moves the program's .data and .bss into sections of their own
 * (fugue_udata, fugue_ubss), which are saved once and copied back before each
 * run, so a program that never expected to run twice in one process can. */
#include "px.h"

#include <stdlib.h>

extern char __start_fugue_udata[] __attribute__((weak)), __stop_fugue_udata[] __attribute__((weak));
extern char __start_fugue_ubss[] __attribute__((weak)), __stop_fugue_ubss[] __attribute__((weak));

static char *saved;
static size_t data_len, bss_len;
static bool taken;

#ifdef FG_ASAN
/* The sections hold ASan's redzones between globals: copy them raw, word by word
 * (volatile, so the loop doesn't become a checked memcpy call). */
__attribute__((no_sanitize("address"))) static void copy(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ((volatile char *)dst)[i] = src ? src[i] : 0;
}
#else
static void copy(char *dst, const char *src, size_t n)
{
    if (src)
        memcpy(dst, src, n);
    else
        memset(dst, 0, n);
}
#endif

void px__data_reset(void)
{
    if (!taken) {
        taken = true;
        if (__start_fugue_udata && __stop_fugue_udata > __start_fugue_udata) {
            data_len = (size_t)(__stop_fugue_udata - __start_fugue_udata);
            saved = malloc(data_len);
            if (saved)
                copy(saved, __start_fugue_udata, data_len);
            else
                data_len = 0;
        }
        if (__start_fugue_ubss && __stop_fugue_ubss > __start_fugue_ubss)
            bss_len = (size_t)(__stop_fugue_ubss - __start_fugue_ubss);
        return;
    }
    if (data_len)
        copy(__start_fugue_udata, saved, data_len);
    if (bss_len)
        copy(__start_fugue_ubss, NULL, bss_len);
}

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

void px__data_reset(void)
{
    if (!taken) {
        taken = true;
        if (__start_fugue_udata && __stop_fugue_udata > __start_fugue_udata) {
            data_len = (size_t)(__stop_fugue_udata - __start_fugue_udata);
            saved = malloc(data_len);
            if (saved)
                memcpy(saved, __start_fugue_udata, data_len);
            else
                data_len = 0;
        }
        if (__start_fugue_ubss && __stop_fugue_ubss > __start_fugue_ubss)
            bss_len = (size_t)(__stop_fugue_ubss - __start_fugue_ubss);
        return;
    }
    if (data_len)
        memcpy(__start_fugue_udata, saved, data_len);
    if (bss_len)
        memset(__start_fugue_ubss, 0, bss_len);
}

/* --trace: the schedule told as a story, one line per step. */
#include "harness.h"

void fg__trace_print(const fg_step *s, void *ud)
{
    (void)ud;
    fg_time t = s->time;
    printf("  #%-5llu %lld.%06lldms  %s (group %s) ", (unsigned long long)s->index, (long long)(t / FG_MS),
           (long long)(t % FG_MS), s->name, s->group);
    if (!s->call || !*s->call || !s->file)
        printf("%s\n", s->call && *s->call ? s->call : "starts");
    else
        printf("resumes from %s (%s:%d)\n", s->call, s->file, s->line);
}

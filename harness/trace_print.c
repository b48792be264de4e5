/* --trace: the schedule told as a story, one line per step. */
#include "harness.h"

/* the pthread layer's names for sites ("prog+0x11a3") as file:line; weak: absent without it */
void fg__site_print(const char **file, int *line) __attribute__((weak));

/* A host fault between the steps: "  ! 1.000000ms chaos: crash db". */
void fg__trace_event(const fg_event *e, void *ud)
{
    (void)ud;
    if (e->kind == FG_EV_FAULT)
        printf("  ! %lld.%06lldms  fault: %s\n", (long long)(e->time / FG_MS), (long long)(e->time % FG_MS), e->name);
}

void fg__trace_print(const fg_step *s, void *ud)
{
    (void)ud;
    fg_time t = s->time;
    printf("  #%-5llu %lld.%06lldms  %s (group %s) ", (unsigned long long)s->index, (long long)(t / FG_MS),
           (long long)(t % FG_MS), s->name, s->group);
    if (!s->call || !*s->call || !s->file)
        printf("%s\n", s->call && *s->call ? s->call : "starts");
    else {
        const char *file = s->file;
        int line = s->line;
        if (fg__site_print)
            fg__site_print(&file, &line);
        printf("resumes from %s (%s:%d)\n", s->call, file, line);
    }
}

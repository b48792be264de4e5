/* --timeline FILE: one run as a Chrome trace-event JSON file (Perfetto UI and
 * chrome://tracing open it), or, when FILE ends in .html, as one self-contained
 * page that draws it (harness/timeline.html). See docs/timeline.md. */
#include "harness.h"

/* the pthread layer's names for sites as file:line; weak: absent without it */
void fg__site_print(const char **file, int *line) __attribute__((weak));

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct tstep {
    fg_step s;            /* its strings interned */
    double ts, dur;       /* on the axis, in ns */
};

struct ttask { const char *name; int group; bool seen; };

struct fg__timeline {
    const char *path;
    bool html;
    void (*prev_step)(const fg_step *s, void *ud);   /* --trace too: both see each step */
    void (*prev_event)(const fg_event *e, void *ud); /* and each event */
    void *prev_ud;
    struct tstep *steps;
    size_t nsteps, steps_cap;
    fg_event *ev;
    size_t nev, ev_cap;
    struct ttask *tasks;
    int ntasks;
    const char **groups;
    int ngroups;
    const char **strs;    /* interned strings: an open-addressing set */
    size_t nstrs, strs_cap;
    bool oom;
};

/* ---- collecting ---- */

static uint64_t str_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

/* The run's strings live in sim memory, freed when it ends: each is copied once. */
static const char *intern(struct fg__timeline *tl, const char *s)
{
    if (!s)
        return NULL;
    if (tl->nstrs * 2 >= tl->strs_cap) {
        size_t cap = tl->strs_cap ? tl->strs_cap * 2 : 256;
        const char **v = calloc(cap, sizeof *v);
        if (!v) {
            tl->oom = true;
            return "?";
        }
        for (size_t i = 0; i < tl->strs_cap; i++)
            if (tl->strs[i]) {
                size_t j = str_hash(tl->strs[i]) & (cap - 1);
                while (v[j])
                    j = (j + 1) & (cap - 1);
                v[j] = tl->strs[i];
            }
        free(tl->strs);
        tl->strs = v;
        tl->strs_cap = cap;
    }
    size_t j = str_hash(s) & (tl->strs_cap - 1);
    for (; tl->strs[j]; j = (j + 1) & (tl->strs_cap - 1))
        if (!strcmp(tl->strs[j], s))
            return tl->strs[j];
    char *c = strdup(s);
    if (!c) {
        tl->oom = true;
        return "?";
    }
    tl->nstrs++;
    return tl->strs[j] = c;
}

static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 1024;
    void *p = realloc(*v, c * size);
    if (!p)
        return false;
    *v = p;
    *cap = c;
    return true;
}

static int group_of(struct fg__timeline *tl, const char *g)
{
    g = intern(tl, g ? g : "?");
    for (int i = 0; i < tl->ngroups; i++)
        if (tl->groups[i] == g)
            return i;
    const char **v = realloc(tl->groups, (size_t)(tl->ngroups + 1) * sizeof *v);
    if (!v) {
        tl->oom = true;
        return 0;
    }
    tl->groups = v;
    tl->groups[tl->ngroups] = g;
    return tl->ngroups++;
}

static void on_step(const fg_step *s, void *ud)
{
    struct fg__timeline *tl = ud;
    if (tl->prev_step)
        tl->prev_step(s, tl->prev_ud);
    if (tl->oom || s->task < 0)
        return;
    if (s->task >= tl->ntasks) {
        struct ttask *v = realloc(tl->tasks, (size_t)(s->task + 1) * sizeof *v);
        if (!v) {
            tl->oom = true;
            return;
        }
        memset(v + tl->ntasks, 0, (size_t)(s->task + 1 - tl->ntasks) * sizeof *v);
        tl->tasks = v;
        tl->ntasks = s->task + 1;
    }
    struct ttask *t = &tl->tasks[s->task];
    if (!t->seen) {
        t->seen = true;
        t->name = intern(tl, s->name);
        t->group = group_of(tl, s->group);
    }
    if (!grow((void **)&tl->steps, &tl->steps_cap, tl->nsteps, sizeof *tl->steps)) {
        tl->oom = true;
        return;
    }
    struct tstep *st = &tl->steps[tl->nsteps++];
    st->s = *s;
    st->s.name = t->name;
    st->s.group = tl->groups[t->group];
    st->s.call = intern(tl, s->call && *s->call ? s->call : "start");
    st->s.file = intern(tl, s->file);
    /* the pthread layer's sites ("prog+0x11a3") read as file:line */
    if (fg__site_print && st->s.file) {
        const char *f = st->s.file;
        int line = st->s.line;
        fg__site_print(&f, &line);
        st->s.file = intern(tl, f);
        st->s.line = line;
    }
}

static void on_event(const fg_event *e, void *ud)
{
    struct fg__timeline *tl = ud;
    if (tl->prev_event)
        tl->prev_event(e, tl->prev_ud);
    if (tl->oom || !grow((void **)&tl->ev, &tl->ev_cap, tl->nev, sizeof *tl->ev)) {
        tl->oom = true;
        return;
    }
    fg_event *c = &tl->ev[tl->nev++];
    *c = *e;
    c->name = intern(tl, e->name);
    c->file = intern(tl, e->file);
}

struct fg__timeline *fg__timeline_new(const char *path)
{
    struct fg__timeline *tl = calloc(1, sizeof *tl);
    if (!tl)
        return NULL;
    size_t n = strlen(path);
    tl->path = path;
    tl->html = n >= 5 && !strcmp(path + n - 5, ".html");
    return tl;
}

void fg__timeline_opts(struct fg__timeline *tl, fg_opts *o)
{
    tl->prev_step = o->on_step;
    tl->prev_event = o->on_event;
    tl->prev_ud = o->ud;
    o->on_step = on_step;
    o->on_event = on_event;
    o->ud = tl;
}

void fg__timeline_free(struct fg__timeline *tl)
{
    if (!tl)
        return;
    for (size_t i = 0; i < tl->strs_cap; i++)
        free((void *)tl->strs[i]);
    free(tl->strs);
    free(tl->steps);
    free(tl->ev);
    free(tl->tasks);
    free(tl->groups);
    free(tl);
}

/* ---- the axis ---- */

/* Sim time, with the steps of one instant spread over [T, T + n·δ): δ is 1 µs, or less
 * when the next instant comes sooner, so the axis stays sim time and every step shows. */
#define STEP_NS 1000.0

static void place_steps(struct fg__timeline *tl)
{
    size_t i = 0;
    while (i < tl->nsteps) {
        size_t j = i;
        fg_time t = tl->steps[i].s.time;
        while (j < tl->nsteps && tl->steps[j].s.time == t)
            j++;
        double d = STEP_NS;
        if (j < tl->nsteps) {
            double room = (double)(tl->steps[j].s.time - t) / (double)(j - i);
            d = room < d ? room : d;
        }
        for (size_t k = i; k < j; k++) {
            tl->steps[k].ts = (double)t + (double)(k - i) * d;
            tl->steps[k].dur = d * 0.8;
        }
        i = j;
    }
}

/* ---- writing ---- */

static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned c = *p;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c), p++;
        else if (c == '\n')
            fputs("\\n", f), p++;
        else if (c < 0x20 || c == '<' || c == '>' || c == '&')   /* '<': the page embeds this in a <script> */
            fprintf(f, "\\u%04x", c), p++;
        else if (c < 0x80)
            fputc((int)c, f), p++;
        else {
            /* UTF-8 passes when well formed; a stray byte becomes U+FFFD */
            int n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
            int k = 1;
            while (n && k < n && (p[k] & 0xc0) == 0x80)
                k++;
            if (n && k == n)
                fwrite(p, 1, (size_t)n, f), p += n;
            else
                fputs("\\ufffd", f), p++;
        }
    }
    fputc('"', f);
}

static void site(FILE *f, const char *file, int line)
{
    if (!file) {
        fputs("\"\"", f);
        return;
    }
    while (!strncmp(file, "../", 3))   /* meson compiles from the build folder */
        file += 3;
    char buf[4200];
    snprintf(buf, sizeof buf, "%s:%d", file, line);
    jstr(f, buf);
}

struct w {
    FILE *f;
    bool first;
};

/* Starts one event object: {"ph":..,"pid":..,"tid":..,"ts":.. (µs) */
static void ev(struct w *w, const char *ph, int pid, int tid, double ts_ns)
{
    fprintf(w->f, "%s\n{\"ph\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":%.6f", w->first ? "" : ",", ph, pid, tid,
            ts_ns / 1000.0);
    w->first = false;
}

static int pid_of(const struct fg__timeline *tl, int task)
{
    return task >= 0 && task < tl->ntasks && tl->tasks[task].seen ? tl->tasks[task].group + 1 : 0;
}

static const struct tstep *step_at(const struct fg__timeline *tl, uint64_t index)
{
    /* steps are reported in order from 1, one each */
    return index >= 1 && index <= tl->nsteps ? &tl->steps[index - 1] : NULL;
}

static double mid(const struct tstep *s)
{
    return s->ts + s->dur / 2;
}

static void flow(struct w *w, const struct fg__timeline *tl, uint64_t *ids, const char *cat, const char *name,
                 const struct tstep *from, const struct tstep *to)
{
    uint64_t id = ++*ids;
    ev(w, "s", pid_of(tl, from->s.task), from->s.task + 1, mid(from));
    fprintf(w->f, ",\"cat\":\"%s\",\"id\":%llu,\"name\":", cat, (unsigned long long)id);
    jstr(w->f, name);
    fprintf(w->f, ",\"args\":{\"from_step\":%llu,\"to_step\":%llu}}", (unsigned long long)from->s.index,
            (unsigned long long)to->s.index);
    ev(w, "f", pid_of(tl, to->s.task), to->s.task + 1, mid(to));
    fprintf(w->f, ",\"bp\":\"e\",\"cat\":\"%s\",\"id\":%llu,\"name\":", cat, (unsigned long long)id);
    jstr(w->f, name);
    fputs("}", w->f);
}

static void meta(struct w *w, const struct fg__timeline *tl)
{
    for (int g = 0; g < tl->ngroups; g++) {
        ev(w, "M", g + 1, 0, 0);
        fputs(",\"name\":\"process_name\",\"args\":{\"name\":", w->f);
        jstr(w->f, tl->groups[g]);
        fputs("}}", w->f);
        ev(w, "M", g + 1, 0, 0);
        fprintf(w->f, ",\"name\":\"process_sort_index\",\"args\":{\"sort_index\":%d}}", g);
    }
    for (int t = 0; t < tl->ntasks; t++) {
        if (!tl->tasks[t].seen)
            continue;
        ev(w, "M", tl->tasks[t].group + 1, t + 1, 0);
        fputs(",\"name\":\"thread_name\",\"args\":{\"name\":", w->f);
        jstr(w->f, tl->tasks[t].name);
        fputs("}}", w->f);
        ev(w, "M", tl->tasks[t].group + 1, t + 1, 0);
        fprintf(w->f, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%d}}", t);
    }
}

static void step_slice(struct w *w, const struct fg__timeline *tl, const struct tstep *st, bool failing)
{
    ev(w, "X", pid_of(tl, st->s.task), st->s.task + 1, st->ts);
    fprintf(w->f, ",\"dur\":%.6f,\"cat\":\"step\",\"name\":", st->dur / 1000.0);
    jstr(w->f, st->s.call);
    fprintf(w->f, ",\"args\":{\"step\":%llu,\"time_ns\":%lld,\"task\":", (unsigned long long)st->s.index,
            (long long)st->s.time);
    jstr(w->f, st->s.name);
    fputs(",\"call\":", w->f);
    jstr(w->f, st->s.call);
    fputs(",\"site\":", w->f);
    site(w->f, st->s.file, st->s.line);
    fprintf(w->f, ",\"choices_before\":%llu,\"input_pos\":%zu%s}}", (unsigned long long)st->s.choices,
            st->s.input_pos, failing ? ",\"failed\":true" : "");
}

/* The tasks' steps, the waits between them, and where each task is at the end. */
static void write_steps(struct w *w, struct fg__timeline *tl, const fg_result *r, double end)
{
    bool fail_step = r->outcome != FG_PASS && r->outcome != FG_FAIL_DEADLOCK;
    double *last_end = calloc((size_t)tl->ntasks + 1, sizeof *last_end);
    bool *started = calloc((size_t)tl->ntasks + 1, sizeof *started);
    for (size_t i = 0; i < tl->nsteps; i++) {
        const struct tstep *st = &tl->steps[i];
        int t = st->s.task;
        if (last_end && started && started[t] && st->ts > last_end[t]) {
            /* from the end of its last step to this one it was in st's call: blocked or ready */
            ev(w, "X", pid_of(tl, t), t + 1, last_end[t]);
            fprintf(w->f, ",\"dur\":%.6f,\"cat\":\"wait\",\"name\":", (st->ts - last_end[t]) / 1000.0);
            jstr(w->f, st->s.call);
            fputs(",\"args\":{\"site\":", w->f);
            site(w->f, st->s.file, st->s.line);
            fputs("}}", w->f);
        }
        step_slice(w, tl, st, fail_step && i + 1 == tl->nsteps);
        if (last_end && started) {
            last_end[t] = st->ts + st->dur;
            started[t] = true;
        }
    }
    for (size_t i = 0; i < tl->nev; i++) {
        const fg_event *e = &tl->ev[i];
        if (e->kind != FG_EV_BLOCKED || e->task < 0 || e->task >= tl->ntasks || !last_end)
            continue;
        ev(w, "X", pid_of(tl, e->task), e->task + 1, last_end[e->task]);
        fprintf(w->f, ",\"dur\":%.6f,\"cat\":\"blocked\",\"name\":", (end - last_end[e->task]) / 1000.0);
        char name[256];
        snprintf(name, sizeof name, "blocked in %s", e->name ? e->name : "?");
        jstr(w->f, name);
        fputs(",\"args\":{\"call\":", w->f);
        jstr(w->f, e->name);
        fputs(",\"site\":", w->f);
        site(w->f, e->file, e->line);
        fputs("}}", w->f);
    }
    free(last_end);
    free(started);
}

/* Spans as slices over the steps they cover; one still open ends with its task's last step. */
static void write_spans(struct w *w, struct fg__timeline *tl)
{
    struct open { int task; uint64_t from; const char *name; uint32_t depth; } *open = NULL;
    size_t nopen = 0, cap = 0;
    for (size_t i = 0; i <= tl->nev; i++) {
        const fg_event *e = i < tl->nev ? &tl->ev[i] : NULL;
        if (e && e->kind == FG_EV_SPAN_ENTER) {
            if (!grow((void **)&open, &cap, nopen, sizeof *open))
                break;
            open[nopen++] = (struct open){e->task, e->step, e->name, (uint32_t)e->id};
            continue;
        }
        if (e && e->kind != FG_EV_SPAN_EXIT)
            continue;
        for (size_t k = nopen; k-- > 0;) {
            if (e && open[k].task != e->task)
                continue;
            const struct tstep *a = step_at(tl, open[k].from), *b = e ? step_at(tl, e->step) : NULL;
            if (!b)   /* still open: to the task's last step */
                for (size_t s = tl->nsteps; s-- > 0 && !b;)
                    if (tl->steps[s].s.task == open[k].task)
                        b = &tl->steps[s];
            if (a && b) {
                ev(w, "X", pid_of(tl, open[k].task), open[k].task + 1, a->ts);
                fprintf(w->f, ",\"dur\":%.6f,\"cat\":\"span\",\"name\":", (b->ts + b->dur - a->ts) / 1000.0);
                jstr(w->f, open[k].name);
                fprintf(w->f, ",\"args\":{\"depth\":%u,\"from_step\":%llu,\"to_step\":%llu}}", open[k].depth,
                        (unsigned long long)a->s.index, (unsigned long long)b->s.index);
            }
            memmove(open + k, open + k + 1, (nopen - k - 1) * sizeof *open);
            nopen--;
            if (e)
                break;
        }
    }
    free(open);
}

/* Hand-offs and datagrams as arrows; lost datagrams as instants. */
static void write_flows(struct w *w, struct fg__timeline *tl)
{
    /* wakes wait for the woken task's next step */
    struct pend { int task; size_t from; const char *name; } *pend = NULL;
    struct sent { uint64_t id; size_t step; } *sent = NULL;
    size_t npend = 0, pcap = 0, nsent = 0, scap = 0;
    uint64_t ids = 0;
    size_t e = 0;
    for (size_t i = 0; i <= tl->nsteps; i++) {
        if (i) {
            const struct tstep *st = &tl->steps[i - 1];
            for (size_t k = 0; k < npend;) {
                if (pend[k].task != st->s.task) {
                    k++;
                    continue;
                }
                flow(w, tl, &ids, "handoff", pend[k].name, &tl->steps[pend[k].from - 1], st);
                pend[k] = pend[--npend];
            }
        }
        for (; e < tl->nev && tl->ev[e].step <= i; e++) {
            const fg_event *x = &tl->ev[e];
            if (x->kind == FG_EV_WAKE && x->step >= 1 && grow((void **)&pend, &pcap, npend, sizeof *pend))
                pend[npend++] = (struct pend){x->task, x->step, x->name};
            else if (x->kind == FG_EV_SEND && x->task >= 0 && x->step >= 1 &&
                     grow((void **)&sent, &scap, nsent, sizeof *sent))
                sent[nsent++] = (struct sent){x->id, x->step};
            else if (x->kind == FG_EV_RECV && x->task >= 0) {
                for (size_t k = nsent; k-- > 0;)
                    if (sent[k].id == x->id && step_at(tl, x->step)) {
                        char name[64];
                        snprintf(name, sizeof name, "datagram %llu", (unsigned long long)x->id);
                        flow(w, tl, &ids, "net", name, step_at(tl, sent[k].step), step_at(tl, x->step));
                        break;
                    }
            } else if (x->kind == FG_EV_FAULT) {   /* a global instant: a fault concerns hosts, not one lane */
                const struct tstep *st = step_at(tl, x->step);
                double ts = st ? st->ts + st->dur : (double)x->time;
                ev(w, "i", 0, 0, ts);
                fputs(",\"s\":\"g\",\"cat\":\"fault\",\"name\":", w->f);
                jstr(w->f, x->name);
                fprintf(w->f, ",\"args\":{\"by_task\":%d,\"time_ns\":%lld}}", x->task, (long long)x->time);
            } else if (x->kind == FG_EV_DROP) {
                const struct tstep *st = step_at(tl, x->step);
                double ts = st ? st->ts + st->dur : 0;
                if ((double)x->time > ts)
                    ts = (double)x->time;
                bool on_task = x->task >= 0 && st && st->s.task == x->task;
                ev(w, "i", on_task ? pid_of(tl, x->task) : 0, on_task ? x->task + 1 : 0, on_task ? mid(st) : ts);
                fputs(on_task ? ",\"s\":\"t\"" : ",\"s\":\"g\"", w->f);
                fputs(",\"cat\":\"drop\",\"name\":", w->f);
                char name[96];
                snprintf(name, sizeof name, "datagram lost: %s", x->name ? x->name : "?");
                jstr(w->f, name);
                fprintf(w->f, ",\"args\":{\"reason\":");
                jstr(w->f, x->name);
                fprintf(w->f, ",\"time_ns\":%lld}}", (long long)x->time);
            }
        }
    }
    free(pend);
    free(sent);
}

/* What the sync objects and the network counted, as counters at the end of the run. */
static void write_counters(struct w *w, double end)
{
    fg_sim_stats st;
    if (fg_sim_stats_last(&st) < 0)
        return;
    const struct { const char *name; unsigned n; const fg_stats *s; } kinds[] = {
        {"mutex", st.mutexes, &st.mutex}, {"rwlock", st.rwlocks, &st.rwlock},
        {"sem", st.sems, &st.sem}, {"queue", st.queues, &st.queue}};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        const fg_stats *s = kinds[i].s;
        if (!kinds[i].n)
            continue;
        ev(w, "C", 0, 0, end);
        fprintf(w->f, ",\"name\":\"%s\",\"args\":{\"objects\":%u", kinds[i].name, kinds[i].n);
        if (s->acquires)
            fprintf(w->f, ",\"acquires\":%llu,\"contended\":%llu,\"wait_p50_ns\":%lld,\"wait_max_ns\":%lld",
                    (unsigned long long)s->acquires, (unsigned long long)s->contended,
                    (long long)fg_hist_quantile(&s->wait, 0.5), (long long)s->wait.max);
        if (s->pushes)
            fprintf(w->f, ",\"pushes\":%llu,\"pops\":%llu,\"drops\":%llu,\"overflows\":%llu,\"sojourn_p50_ns\":%lld",
                    (unsigned long long)s->pushes, (unsigned long long)s->pops, (unsigned long long)s->drops,
                    (unsigned long long)s->overflows, (long long)fg_hist_quantile(&s->sojourn, 0.5));
        fputs("}}", w->f);
    }
    if (st.net_used) {
        ev(w, "C", 0, 0, end);
        fprintf(w->f, ",\"name\":\"net\",\"args\":{\"sent\":%llu,\"delivered\":%llu,\"received\":%llu,"
                      "\"duplicated\":%llu,\"dropped\":%llu",
                (unsigned long long)st.net.sent, (unsigned long long)st.net.delivered,
                (unsigned long long)st.net.received, (unsigned long long)st.net.duplicated,
                (unsigned long long)st.net.dropped);
        for (int i = 0; i < FG_NET_DROP_REASONS; i++)
            if (st.net.dropped_by[i])
                fprintf(w->f, ",\"dropped_%s\":%llu", fg_net_drop_name((fg_net_drop)i),
                        (unsigned long long)st.net.dropped_by[i]);
        fputs("}}", w->f);
    }
}

static void write_trace(FILE *f, struct fg__timeline *tl, const fg_target *t, const fg_result *r)
{
    place_steps(tl);
    const struct tstep *last = tl->nsteps ? &tl->steps[tl->nsteps - 1] : NULL;
    double end = last ? last->ts + last->dur / 0.8 : 0;
    if ((double)r->time > end)
        end = (double)r->time;
    /* room after the last step, so who is left blocked shows waiting */
    double first = tl->nsteps ? tl->steps[0].ts : 0, tail = (end - first) * (r->outcome != FG_PASS ? 0.25 : 0.02);
    end += tail > STEP_NS ? tail : STEP_NS;
    fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"target\":", f);
    jstr(f, t ? t->name : "?");
    fprintf(f, ",\"outcome\":\"%s\",\"hash\":\"%016llx\",\"steps\":%llu,\"choices\":%llu,\"time_ns\":%lld,"
               "\"axis\":\"sim time; the n steps of one instant T spread over [T, T + n*d), d = min(1 us, "
               "time to the next instant / n); each step is drawn 0.8 d wide\",\"input\":\"",
            fg_outcome_name(r->outcome), (unsigned long long)r->hash, (unsigned long long)r->steps,
            (unsigned long long)r->choices, (long long)r->time);
    for (size_t i = 0; i < r->input_len && i < 4096; i++)
        fprintf(f, "%02x", r->input[i]);
    fputs("\",\"report\":", f);
    jstr(f, r->report);
    fputs("},\n\"traceEvents\":[", f);
    struct w w = {f, true};
    meta(&w, tl);
    write_steps(&w, tl, r, end);
    write_spans(&w, tl);
    write_flows(&w, tl);
    write_counters(&w, end);
    if (r->outcome != FG_PASS) {
        ev(&w, "i", 0, 0, last ? last->ts + last->dur : 0);
        fputs(",\"s\":\"g\",\"cat\":\"failure\",\"name\":", f);
        char name[64];
        snprintf(name, sizeof name, "failure: %s", fg_outcome_name(r->outcome));
        jstr(f, name);
        fputs(",\"args\":{\"report\":", f);
        jstr(f, r->report);
        fputs("}}", f);
    }
    fputs("\n]}\n", f);
}

int fg__timeline_write(struct fg__timeline *tl, const fg_target *t, const fg_result *r)
{
    if (tl->oom) {
        fprintf(stderr, "timeline: out of memory recording %zu steps; %s not written\n", tl->nsteps, tl->path);
        return -ENOMEM;
    }
    FILE *f = fopen(tl->path, "w");
    if (!f) {
        fprintf(stderr, "timeline: %s: %s\n", tl->path, strerror(errno));
        return -errno;
    }
    if (tl->html) {
        const char *mark = strstr(fg__timeline_page, "/*TRACE*/");
        size_t head = mark ? (size_t)(mark - fg__timeline_page) : strlen(fg__timeline_page);
        fwrite(fg__timeline_page, 1, head, f);
        write_trace(f, tl, t, r);
        if (mark)
            fputs(mark + 9, f);
    } else {
        write_trace(f, tl, t, r);
    }
    int err = ferror(f) ? -EIO : 0;
    if (fclose(f) && !err)
        err = -errno;
    if (err)
        fprintf(stderr, "timeline: writing %s: %s\n", tl->path, strerror(-err));
    return err;
}

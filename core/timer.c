/* Hierarchical timer wheel: 11 levels of 64 slots cover all of 63-bit time.
 * A timer sits at the level of the highest 6-bit digit in which its deadline
 * differs from now, so lower levels always expire first, level 0 slots hold
 * one exact deadline each, and a slot is re-sorted downwards only when time
 * reaches it. Equal deadlines share a slot whose list keeps insertion order. */
#include "internal.h"

#define DUE 0xff

static void link_tail(struct timer *head, struct timer *t)
{
    t->prev = head->prev;
    t->next = head;
    head->prev->next = t;
    head->prev = t;
}

static void unlink_timer(struct timer *t)
{
    t->prev->next = t->next;
    t->next->prev = t->prev;
}

void fg__wheel_init(struct wheel *w)
{
    w->now = 0;
    memset(w->occupied, 0, sizeof w->occupied);
    w->due.next = w->due.prev = &w->due;
    w->count = 0;
}

static void place(struct wheel *w, struct timer *t)
{
    if (t->deadline <= w->now) {
        t->level = DUE;
        link_tail(&w->due, t);
        return;
    }
    uint64_t diff = ((uint64_t)t->deadline ^ (uint64_t)w->now) | 63;
    int level = (63 - __builtin_clzll(diff)) / 6;
    int slot = (int)(((uint64_t)t->deadline >> (6 * level)) & 63);
    struct timer *head = &w->slots[level][slot];
    /* heads of empty slots are never initialised: a sim resets only bitmaps */
    if (!(w->occupied[level] & (1ull << slot))) {
        head->next = head->prev = head;
        w->occupied[level] |= 1ull << slot;
    }
    t->level = (uint8_t)level;
    t->slot = (uint8_t)slot;
    link_tail(head, t);
}

void fg__timer_add(struct wheel *w, struct timer *t, fg_time deadline)
{
    t->deadline = deadline;
    t->armed = true;
    w->count++;
    place(w, t);
}

void fg__timer_cancel(struct wheel *w, struct timer *t)
{
    if (!t->armed)
        return;
    t->armed = false;
    w->count--;
    unlink_timer(t);
    if (t->level != DUE) {
        struct timer *head = &w->slots[t->level][t->slot];
        if (head->next == head)
            w->occupied[t->level] &= ~(1ull << t->slot);
    }
}

bool fg__wheel_advance(struct wheel *w)
{
    while (w->due.next == &w->due) {
        int level = 0;
        while (level < WHEEL_LEVELS && !w->occupied[level])
            level++;
        if (level == WHEEL_LEVELS)
            return false;
        int slot = __builtin_ctzll(w->occupied[level]);
        int shift = 6 * level;
        /* clear this level's digit and everything below, then set the slot's digit */
        uint64_t keep = shift + 6 >= 64 ? 0 : ~0ull << (shift + 6);
        w->now = (fg_time)(((uint64_t)w->now & keep) | ((uint64_t)slot << shift));
        w->occupied[level] &= ~(1ull << slot);
        struct timer *head = &w->slots[level][slot];
        struct timer *t = head->next;
        while (t != head) {
            struct timer *next = t->next;
            place(w, t);  /* lands in `due` or a lower level, in list order */
            t = next;
        }
    }
    while (w->due.next != &w->due) {
        struct timer *t = w->due.next;
        unlink_timer(t);
        t->armed = false;
        w->count--;
        t->fire(t);
    }
    return true;
}

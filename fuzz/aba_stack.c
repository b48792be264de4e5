/* Planted bug (bug depth 2): ABA on a lock-free stack. A pop reads the top and
 * its next, then compare-and-swaps the top (yields stand for the gaps between
 * the atomic steps). If, between popper 1's read and its CAS, popper 2 pops A,
 * pops B and pushes A back, the CAS succeeds and makes the freed B the top. */
#include <fugue.h>
#include <fugue/target.h>

struct node { struct node *next; bool freed; };
static struct node nodes[3], *top;

static struct node *pop(void)
{
    struct node *old = top;
    if (!old)
        return NULL;
    fg_yield();
    struct node *next = old->next;
    fg_yield();
    if (top != old)
        return NULL;   /* the CAS failed: give up (a real one would retry) */
    top = next;
    return old;
}

static void push(struct node *n)
{
    n->next = top;
    fg_yield();
    top = n;
}

static void popper_1(void *arg)
{
    (void)arg;
    fg_yield();
    struct node *n = pop();
    (void)n;
    fg_assert(!top || !top->freed);   /* the top is a live node */
}

static void popper_2(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        fg_yield();
    struct node *a = pop();
    if (!a)
        return;
    struct node *b = pop();
    if (b)
        b->freed = true;   /* B goes back to the allocator */
    push(a);
}

FG_TARGET(aba_stack, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 20000)
{
    /* top: A -> B -> C */
    for (int i = 0; i < 3; i++)
        nodes[i] = (struct node){.next = i < 2 ? &nodes[i + 1] : NULL};
    top = &nodes[0];
    fg_spawn(popper_1, NULL, .primary = true);
    fg_spawn(popper_2, NULL, .primary = true);
}

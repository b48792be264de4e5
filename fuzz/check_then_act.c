/* Planted bug (bug depth 2): an atomicity violation. Four tellers withdraw 60
 * from an account holding 100: each checks the balance, computes (a yield),
 * then debits. Two tellers that both check before either debits overdraw it:
 * teller 1's check before teller 2's debit, and teller 2's check before teller
 * 1's debit. Two noise tasks keep the scheduler busy. */
#include <fugue.h>
#include <fugue/target.h>

static int balance;

static void teller(void *arg)
{
    int n = (int)(intptr_t)arg;
    for (int i = 0; i < 3 + 2 * n; i++)
        fg_yield();   /* taking the request: each teller's takes a different time */
    if (balance >= 60) {
        fg_yield();   /* the fee computation */
        balance -= 60;
    }
    fg_assert(balance >= 0);
}

static void noise(void *arg)
{
    (void)arg;
    for (int i = 0; i < 12; i++)
        fg_yield();
}

FG_TARGET(check_then_act, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 5000)
{
    balance = 100;
    fg_spawn(noise, NULL, .name = "noise_0", .primary = true);
    for (int i = 0; i < 4; i++)
        fg_spawn(teller, (void *)(intptr_t)i, .name = fg_fmt("teller_%d", i), .primary = true);
    fg_spawn(noise, NULL, .name = "noise_1", .primary = true);
}

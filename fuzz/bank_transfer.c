/* Planted bug (bug depth 2): an atomicity violation. Three tellers each pay 30
 * out of an account holding 50, after serving customers for different times;
 * each checks the balance, writes the slip (a yield) and then debits. Two
 * tellers that both check before either debits overdraw the account: teller
 * A's check before B's debit, B's check before A's debit. */
#include <fugue.h>
#include <fugue/target.h>

#define TELLERS 3

static int balance;

static void teller(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int k = 0; k < 2 + 3 * id; k++)
        fg_yield();   /* the customers before this one, each teller at its own pace */
    if (balance >= 30) {
        fg_yield();   /* writing the slip: the check and the debit are not one step */
        balance -= 30;
        if (balance < 0)
            fg_fail("teller_%d overdrew the account: %d", id, balance);
    }
}

FG_TARGET(bank_transfer, .strategy = FG_POS, .expect = FG_FAIL_ASSERT, .find_within = 2000)
{
    balance = 50;
    for (int i = 0; i < TELLERS; i++)
        fg_spawn(teller, (void *)(intptr_t)i, .name = fg_fmt("teller_%d", i), .primary = true);
}

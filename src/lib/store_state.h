/*
 * store_state.h: `txstore state`, the state file `txbal --init` reads to
 * resume exactly where the database stands (doc/interfaces.txt, txstore(1)).
 * Ownership: the end-to-end (exactly-once) helper.
 */
#ifndef TX_STORE_STATE_H
#define TX_STORE_STATE_H

#include "out.h"
#include "store.h"

/*
 * Print the balances file (tx_store_print_balances()) followed by one line
 * per stored transaction, in the order stored: its id, account, currency,
 * type, amount, counterparty (transfers), status, and "deleted":true for a
 * deleted row. 0, or -1 after reporting.
 */
int tx_store_print_state(struct tx_store *st, struct tx_out *out);

#endif

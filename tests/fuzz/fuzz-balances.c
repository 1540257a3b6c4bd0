/*
 * libFuzzer target for the balances file (ledger.c: tx_ledger_load(),
 * txbal --init FILE and its --state file): `make fuzz` or `make fuzz-smoke`.
 *
 * The input is the whole file, loaded into a fresh ledger. Invariants
 * besides "no crash, no sanitizer report, no leak": when it loads, every
 * entry formats back (tx_ledger_format) to one line that loads again into
 * another ledger with the same balances: what txbal --state writes, it can
 * read.
 */
#define _GNU_SOURCE 1 /* memfd_create (memfile.h) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "memfile.h"
#include "ledger.h"
#include "tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tx_ledger_opts opts = {.overdraft = "0", .window = 16};
	struct tx_ledger l, again;
	struct tx_buf b = TX_BUF_INIT;

	tx_progname = "fuzz-balances";
	if (tx_ledger_init(&l, &opts) < 0)
		abort();
	if (tx_ledger_load(&l, fuzz_file(data, size)) == 0) {
		for (uint32_t i = 0; i < tx_ledger_count(&l); i++)
			tx_ledger_format(&l, i, &b);
		if (tx_ledger_init(&again, &opts) < 0)
			abort();
		if (tx_ledger_load(&again, fuzz_file((const uint8_t *)b.p, b.len)) < 0)
			abort();
		if (tx_ledger_count(&again) != tx_ledger_count(&l))
			abort();
		for (uint32_t i = 0; i < tx_ledger_count(&l); i++) {
			size_t len;
			const char *name = tx_ledger_account_name(&l, i, &len);
			const struct tx_acct *a = tx_ledger_acct(&l, i);
			int64_t j = tx_ledger_account(&again, name, len, a->cur);
			const struct tx_acct *c =
			    j >= 0 ? tx_ledger_acct(&again, (uint32_t)j) : NULL;
			if (!c || memcmp(c, a, sizeof(*a)))
				abort();
		}
		tx_ledger_release(&again);
		tx_buf_release(&b);
	}
	tx_ledger_release(&l);
	return 0;
}

/*
 * ledger.h: exact balances per account and currency, pending reservations,
 * and the set of transaction ids already applied (txbal(1) is the user's
 * view; every rule below is documented there).
 *
 * Accounts. An account entry is an (account, currency) pair: its posted
 * balance, the sum of its reservations (pending debits), and its count of
 * transactions, all in int64 minor units (uint64 count). Available balance
 * is posted minus reserved. Every change is overflow-checked: a change that
 * does not fit leaves every balance as it was.
 *
 * Transactions. The ledger remembers each transaction id it has seen (a
 * 64-bit hash of the id, see tx_hash64()) with what is needed to settle it
 * later: its amount, type, account entry, counterparty entry and state
 * (pending, completed, failed, deleted). That is the dedup set: 24 bytes per
 * slot, the table kept between 3/8 and 3/4 full. The window is the last
 * `window` ids at least: ids live in two generations; when the current one
 * is full it becomes the previous one and the old previous one is dropped,
 * its pending transactions carried into the new generation (so a
 * reservation can always be settled). Two different ids collide with
 * probability 2^-64: over a window of n ids the chance of any false
 * duplicate is about n^2 / 2^65 (3e-6 for n = 10 million).
 *
 * Ownership: the ledger owns everything it holds; strings passed in are
 * borrowed for the call and copied when kept.
 */
#ifndef TX_LEDGER_H
#define TX_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "money.h"
#include "record.h"

/* One account entry: the value of the ledger's account map. */
struct tx_acct {
	int64_t balance;  /* posted */
	int64_t reserved; /* pending debits not yet posted or voided */
	const struct tx_currency *cur;
	uint64_t tx_count; /* transactions accepted on this entry, either side */
};

/* A remembered transaction (one slot of a generation). */
struct tx_txn {
	uint64_t h;	/* tx_hash64(id) (never 0), 0 for an empty slot */
	int64_t amount; /* minor units */
	uint32_t acct;	/* low 28 bits: account entry; high 4: enum tx_type */
	uint32_t cp;	/* low 28 bits: counterparty entry + 1 (0: none); high 4: state */
};

struct tx_txtab {
	struct tx_txn *slots;
	uint64_t mask, count;
};

/*
 * The state a remembered transaction is in. A deleted one also keeps the
 * state it was deleted in (the 4-bit field holds TX_TXN_DELETED plus that
 * state, or TX_TXN_DELETED alone when it is not known), so that a
 * redelivered update can be told apart from a real one (see settle()).
 */
enum tx_txn_state { TX_TXN_PENDING = 1, TX_TXN_COMPLETED, TX_TXN_FAILED, TX_TXN_DELETED };

/* The maximum number of account entries (28 bits). */
#define TX_LEDGER_MAX_ACCOUNTS ((1u << 28) - 1)

struct tx_ledger_opts {
	/*
	 * Overdraft policy: a debit may take the available balance down to
	 * -overdraft (decimal text in the currency's units, "0" by default),
	 * or anywhere when overdraft_unlimited is set.
	 */
	const char *overdraft;
	int overdraft_unlimited;
	/* The dedup window in ids (at least this many are remembered). */
	uint64_t window;
	/*
	 * Bytes of the caller's own per-account data kept right after each
	 * struct tx_acct (zeroed when the account is created), so per-account
	 * state such as alerts.c's velocity ring shares its cache lines.
	 */
	size_t extra;
	/*
	 * Split transfers (txbal --legs): a transfer debits its account only;
	 * the counterparty's credit is left to a separate record (the credit
	 * leg, see tx_ledger_result.credit) applied by whoever owns that
	 * account. The counterparty entry exists (for its name) but never moves.
	 */
	int split_transfers;
};

struct tx_ledger {
	struct tx_map accounts; /* key: currency code (3 bytes) + account; value: struct tx_acct */
	struct tx_txtab gen[2]; /* gen[cur] and gen[!cur] */
	int cur;
	uint64_t gen_slots; /* slot count at which a generation is full */
	uint64_t room;	    /* ids gen[cur] holds before it must grow or roll (3/4 full) */
	int overdraft_unlimited;
	int64_t overdraft[5]; /* by currency exponent 0..4; INT64_MAX when it does not fit */
	uint64_t generations; /* how many times the window rolled over */
	int split;	      /* tx_ledger_opts.split_transfers */
};

/* A transaction as read from a record, for tx_ledger_apply(). Borrowed strings. */
struct tx_ledger_tx {
	const char *id;
	size_t id_len;
	const char *account;
	size_t account_len;
	const char *counterparty; /* NULL when absent */
	size_t counterparty_len;
	const struct tx_currency *currency; /* never NULL */
	int has_currency;		    /* 0: the default, not named by the record */
	enum tx_type type;		    /* TX_TYPE_NONE when absent */
	int has_amount;
	int64_t amount;
	enum tx_status status; /* TX_STATUS_NONE when absent */
	enum tx_op op;
	/* Set by tx_ledger_prefetch() (zero them otherwise): hashes it computed. */
	int hashed;
	uint64_t h_id, h_acct, h_cp;
};

enum tx_ledger_outcome {
	TX_LEDGER_APPLIED,   /* write the record out, with res.status */
	TX_LEDGER_REFUSED,   /* write it out as failed, with res.reason */
	TX_LEDGER_DUPLICATE, /* already applied: not written again */
	TX_LEDGER_REJECTED,  /* inconsistent with the ledger: res.reason says why; not written */
};

struct tx_ledger_result {
	enum tx_ledger_outcome outcome;
	enum tx_status status; /* to write; TX_STATUS_NONE for a delete (left as it was) */
	const char *reason; /* REFUSED: "insufficient_funds" or "balance_overflow"; REJECTED: msg */
	char msg[256];
	int64_t acct; /* account entry, -1 when none (unknown transaction) */
	int64_t cp;   /* counterparty entry, -1 when none */
	enum tx_type type;
	int64_t amount;
	int created;	      /* a create accepted (pending or completed) */
	int new_tx;	      /* a create, accepted, failed or refused (not a duplicate) */
	int64_t avail_before; /* the account's available balance before */
	/*
	 * The transaction's status before this record, TX_STATUS_NONE for a
	 * new one: an APPLIED record with status FAILED and was != FAILED is a
	 * transaction failed by its record (created failed, updated to failed).
	 */
	enum tx_status was;
	/*
	 * Transfers: +1 when this record posted the credit to the counterparty
	 * (a completed create, pending to completed), -1 when it took it back
	 * (completed to failed, delete of a completed one), else 0. With
	 * split_transfers the ledger itself does neither: the caller emits the
	 * credit leg.
	 */
	int credit;
};

/* Returns 0, or -1 (reported) when opts->overdraft is not a decimal amount. */
int tx_ledger_init(struct tx_ledger *l, const struct tx_ledger_opts *opts);
void tx_ledger_release(struct tx_ledger *l);

/* The entry of (account, currency), created with zero balances when new; -1 when full. */
int64_t tx_ledger_account(struct tx_ledger *l, const char *account, size_t len,
			  const struct tx_currency *cur);
static inline struct tx_acct *tx_ledger_acct(const struct tx_ledger *l, uint32_t i)
{
	return tx_map_value(&l->accounts, i);
}
/* The caller's per-account data (tx_ledger_opts.extra bytes, 8-aligned). */
static inline void *tx_ledger_extra(const struct tx_ledger *l, uint32_t i)
{
	return (char *)tx_map_value(&l->accounts, i) + sizeof(struct tx_acct);
}
static inline const char *tx_ledger_account_name(const struct tx_ledger *l, uint32_t i, size_t *len)
{
	const char *k = tx_map_key(&l->accounts, i, len);
	if (len)
		*len -= 3;
	return k + 3;
}
static inline uint32_t tx_ledger_count(const struct tx_ledger *l)
{
	return l->accounts.count;
}

/*
 * Memory-level parallelism for a batch of records: the id's and the
 * accounts' slots and entries are almost never in cache (random over large
 * tables). Call tx_ledger_prefetch() on each record of a batch as it is
 * parsed (it hashes the id and accounts, keeps the hashes in t for
 * tx_ledger_apply(), and prefetches the slots), then tx_ledger_warm() on
 * each in a tight loop (it loads the slots and the account entries they
 * name: real loads, which the core overlaps across records, where a burst
 * of software prefetches would mostly be dropped; combine the values it
 * returns into a volatile sink so the loads are kept), then
 * tx_ledger_apply() on each. Both are only about speed: the results are
 * the same without them.
 */
void tx_ledger_prefetch(const struct tx_ledger *l, struct tx_ledger_tx *t);
uint64_t tx_ledger_warm(const struct tx_ledger *l, const struct tx_ledger_tx *t);

/* Apply one transaction record; the outcome and what to write are in *res. */
void tx_ledger_apply(struct tx_ledger *l, const struct tx_ledger_tx *t,
		     struct tx_ledger_result *res);

/* Look a transaction up by id (either generation); NULL when unknown. */
struct tx_txn *tx_ledger_find(struct tx_ledger *l, const char *id, size_t len);
static inline enum tx_txn_state tx_txn_state(const struct tx_txn *x)
{
	uint32_t st = x->cp >> 28;
	return (enum tx_txn_state)(st > TX_TXN_DELETED ? TX_TXN_DELETED : st);
}
/* The state a deleted transaction was in when deleted, 0 when not known. */
static inline enum tx_txn_state tx_txn_deleted_from(const struct tx_txn *x)
{
	uint32_t st = x->cp >> 28;
	return (enum tx_txn_state)(st > TX_TXN_DELETED ? st - TX_TXN_DELETED : 0);
}

/* Ids remembered now (both generations). */
uint64_t tx_ledger_ids(const struct tx_ledger *l);

/*
 * Load a balances file or a state file (doc/interfaces.txt): one
 * {"account","currency","balance","available_balance","tx_count"} object per
 * line, then (a state file, `txstore state`) one {"transaction_id",
 * "account","currency","type","amount"[,"counterparty"],"status"
 * [,"deleted":true]} object per known transaction, remembered for dedup and
 * settling without moving money. Returns 0, or -1 after reporting
 * "path:line: what is wrong" for the first bad line.
 */
int tx_ledger_load(struct tx_ledger *l, const char *path);
/* Append one balances-file line (with '\n') for entry i. */
void tx_ledger_format(const struct tx_ledger *l, uint32_t i, struct tx_buf *b);
/*
 * Write every entry, sorted by account then currency (bytewise), to path
 * atomically: a temporary file next to it, fsync, rename, fsync of the
 * directory. Async-signal-unsafe: call it from the main loop. 0 or -1.
 */
int tx_ledger_save(const struct tx_ledger *l, const char *path);

#endif

/* Unit tests for the hash map, the ledger and its dedup set, alerts and aggregates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregate.h"
#include "alerts.h"
#include "hashmap.h"
#include "ledger.h"
#include "tx.h"
#include "unit.h"

static void test_hashmap(void)
{
	struct tx_map m;
	char key[32];
	int created, ok = 1;
	int64_t i;

	tx_map_init(&m, sizeof(uint64_t));
	for (uint64_t k = 0; k < 100000; k++) {
		int n = snprintf(key, sizeof(key), "acct-%llu", (unsigned long long)k);
		i = tx_map_insert(&m, key, (size_t)n, &created);
		if (i != (int64_t)k || !created)
			ok = 0;
		else
			*(uint64_t *)tx_map_value(&m, (uint32_t)i) = k * 7;
	}
	CHECK(ok, "map: 100000 inserts give entry numbers in order");
	CHECK_EQ_INT(m.count, 100000, "map: count");
	CHECK((uint64_t)m.count * 4 <= (uint64_t)(m.mask + 1) * 3, "map: load at most 3/4");
	for (uint64_t k = 0; k < 100000 && ok; k++) {
		int n = snprintf(key, sizeof(key), "acct-%llu", (unsigned long long)k);
		i = tx_map_find(&m, key, (size_t)n);
		if (i != (int64_t)k || *(uint64_t *)tx_map_value(&m, (uint32_t)i) != k * 7)
			ok = 0;
	}
	CHECK(ok, "map: every key found with its value after growth");
	i = tx_map_insert(&m, "acct-42", 7, &created);
	CHECK(i == 42 && !created, "map: inserting an existing key finds it");
	CHECK_EQ_INT(tx_map_find(&m, "acct-100000", 11), -1, "map: absent key");
	CHECK_EQ_INT(tx_map_find(&m, "acct-4", 6), 4, "map: prefix is a different key");
	CHECK_EQ_STR(tx_map_key(&m, 99999, NULL), "acct-99999", "map: key text in the arena");
	i = tx_map_insert(&m, "", 0, &created);
	CHECK(i == 100000 && created, "map: the empty key is a key");
	CHECK_EQ_INT(tx_map_find(&m, "", 0), 100000, "map: the empty key found");
	tx_map_clear(&m);
	CHECK(m.count == 0 && tx_map_find(&m, "acct-42", 7) == -1 && tx_map_find(&m, "", 0) == -1,
	      "map: clear leaves no key");
	ok = 1;
	for (uint64_t k = 0; k < 1000; k++) {
		int n = snprintf(key, sizeof(key), "%llu-a-key-of-24-bytes-or-more",
				 (unsigned long long)k);
		i = tx_map_insert(&m, key, (size_t)n, &created);
		if (i != (int64_t)k || !created || *(uint64_t *)tx_map_value(&m, (uint32_t)i) != 0)
			ok = 0;
	}
	CHECK(ok, "map: after clear, entries count from 0 again, their values zeroed");
	CHECK_EQ_STR(tx_map_key(&m, 999, NULL), "999-a-key-of-24-bytes-or-more",
		     "map: long keys after clear");
	tx_map_release(&m);

	CHECK(tx_hash64("a", 1) != tx_hash64("b", 1), "hash: one byte differs");
	CHECK(tx_hash64("abcdefghijklmnopq", 17) != tx_hash64("abcdefghijklmnopr", 17),
	      "hash: last byte past 16 differs");
	CHECK(tx_hash64("", 0) != tx_hash64("\0", 1), "hash: length counts");
	{
		/* the function's values, fixed: every length class (0, 1-3, 4-7, 8-16, longer) */
		static const struct {
			const char *key;
			uint64_t h;
		} kat[] = {
		    {"", 0x7a9615f2b0a231f5ULL},
		    {"a", 0x78fc01ed992d5e96ULL},
		    {"abc", 0x85668f12dc38a329ULL},
		    {"acct-1", 0xbd0ef4403249b7c2ULL},
		    {"tx-42-1", 0xdf85b6e3dc87b58cULL},
		    {"ACC008387", 0x10cd11917e2609b8ULL},
		    {"abcdefghijklmnopq", 0x38fe3666cff96bebULL},
		    {"abcdefghijklmnopqrstuvwxyz0123456789", 0x8b0f5304d9c8055dULL},
		};
		char buf[64];
		ok = 1;
		for (size_t k = 0; k < sizeof(kat) / sizeof(kat[0]); k++)
			if (tx_hash64(kat[k].key, strlen(kat[k].key)) != kat[k].h ||
			    tx_hash64_inline(kat[k].key, strlen(kat[k].key)) != kat[k].h)
				ok = 0;
		CHECK(ok, "hash: known values, tx_hash64() and tx_hash64_inline() alike");
		ok = 1;
		for (size_t n = 0; n <= sizeof(buf); n++) {
			for (size_t k = 0; k < n; k++)
				buf[k] = (char)(n * 31 + k * 7);
			if (tx_hash64(buf, n) != tx_hash64_inline(buf, n))
				ok = 0;
		}
		CHECK(ok, "hash: tx_hash64_inline() is tx_hash64() for lengths 0 to 64");
	}
}

static struct tx_ledger L;
static struct tx_ledger_result R;

static struct tx_ledger_tx mk(const char *id, enum tx_op op, const char *acct, enum tx_type type,
			      int64_t amount, enum tx_status st, const char *cp)
{
	struct tx_ledger_tx t;

	memset(&t, 0, sizeof(t));
	t.id = id;
	t.id_len = strlen(id);
	t.op = op;
	t.account = acct;
	t.account_len = strlen(acct);
	t.type = type;
	t.has_amount = type != TX_TYPE_NONE;
	t.amount = amount;
	t.status = st;
	t.currency = tx_currency_default();
	if (cp) {
		t.counterparty = cp;
		t.counterparty_len = strlen(cp);
	}
	return t;
}

static enum tx_ledger_outcome apply(const char *id, enum tx_op op, const char *acct,
				    enum tx_type type, int64_t amount, enum tx_status st,
				    const char *cp)
{
	struct tx_ledger_tx t = mk(id, op, acct, type, amount, st, cp);
	tx_ledger_apply(&L, &t, &R);
	return R.outcome;
}

static struct tx_acct *bal(const char *name)
{
	int64_t i = tx_ledger_account(&L, name, strlen(name), tx_currency_default());
	return tx_ledger_acct(&L, (uint32_t)i);
}

#define C TX_OP_CREATE
#define U TX_OP_UPDATE
#define D TX_OP_DELETE

static void test_ledger(void)
{
	struct tx_ledger_opts o = {"0", 0, 1000, 0, 0};

	CHECK_EQ_INT(tx_ledger_init(&L, &o), 0, "ledger: init");
	CHECK_EQ_INT(apply("t1", C, "A", TX_TYPE_DEPOSIT, 10000, 0, NULL), TX_LEDGER_APPLIED,
		     "deposit applied");
	CHECK_EQ_INT(R.status, TX_STATUS_COMPLETED, "a create without status is completed");
	CHECK_EQ_INT(bal("A")->balance, 10000, "deposit credits");
	CHECK_EQ_INT(apply("t1", C, "A", TX_TYPE_DEPOSIT, 10000, 0, NULL), TX_LEDGER_DUPLICATE,
		     "same id again is a duplicate");
	CHECK_EQ_INT(apply("t1", C, "B", TX_TYPE_FEE, 5, 0, NULL), TX_LEDGER_DUPLICATE,
		     "a create with a known id is a duplicate whatever it says");
	CHECK_EQ_INT(bal("A")->balance, 10000, "duplicate changes nothing");

	/* overdraft */
	CHECK_EQ_INT(apply("t2", C, "A", TX_TYPE_WITHDRAWAL, 10001, 0, NULL), TX_LEDGER_REFUSED,
		     "debit past available refused");
	CHECK_EQ_STR(R.reason, "insufficient_funds", "reason insufficient_funds");
	CHECK_EQ_INT(R.status, TX_STATUS_FAILED, "refused is failed");
	CHECK_EQ_INT(bal("A")->balance, 10000, "refused changes nothing");
	CHECK_EQ_INT(apply("t2", C, "A", TX_TYPE_WITHDRAWAL, 1, 0, NULL), TX_LEDGER_DUPLICATE,
		     "a refused id is remembered");
	CHECK_EQ_INT(apply("t3", C, "A", TX_TYPE_WITHDRAWAL, 10000, 0, NULL), TX_LEDGER_APPLIED,
		     "debit to exactly zero allowed");
	CHECK_EQ_INT(bal("A")->balance, 0, "balance zero");

	/* pending reserves, completed posts */
	apply("t4", C, "A", TX_TYPE_DEPOSIT, 5000, 0, NULL);
	CHECK_EQ_INT(apply("p1", C, "A", TX_TYPE_PAYMENT, 3000, TX_STATUS_PENDING, NULL),
		     TX_LEDGER_APPLIED, "pending payment");
	CHECK_EQ_INT(bal("A")->balance, 5000, "pending leaves posted");
	CHECK_EQ_INT(bal("A")->reserved, 3000, "pending reserves");
	CHECK_EQ_INT(apply("p2", C, "A", TX_TYPE_PAYMENT, 2001, TX_STATUS_PENDING, NULL),
		     TX_LEDGER_REFUSED, "pending beyond available refused");
	CHECK_EQ_INT(apply("p1", U, "A", TX_TYPE_NONE, 0, TX_STATUS_COMPLETED, NULL),
		     TX_LEDGER_APPLIED, "update completes");
	CHECK_EQ_INT(bal("A")->balance, 2000, "completion posts");
	CHECK_EQ_INT(bal("A")->reserved, 0, "completion releases");
	CHECK_EQ_INT(apply("p1", U, "A", TX_TYPE_NONE, 0, TX_STATUS_PENDING, NULL),
		     TX_LEDGER_REJECTED, "completed cannot go back to pending");
	CHECK_EQ_STR(R.reason, "update changes status from completed to pending",
		     "message for completed to pending");
	CHECK_EQ_INT(apply("p1", U, "A", TX_TYPE_NONE, 0, TX_STATUS_NONE, NULL), TX_LEDGER_APPLIED,
		     "metadata update");
	CHECK_EQ_INT(R.status, TX_STATUS_COMPLETED, "metadata update keeps status");

	/* pending then failed voids */
	apply("p3", C, "A", TX_TYPE_WITHDRAWAL, 500, TX_STATUS_PENDING, NULL);
	CHECK_EQ_INT(bal("A")->reserved, 500, "reserved 500");
	CHECK_EQ_INT(apply("p3", U, "A", TX_TYPE_WITHDRAWAL, 500, TX_STATUS_FAILED, NULL),
		     TX_LEDGER_APPLIED, "update fails");
	CHECK_EQ_INT(bal("A")->reserved, 0, "failure voids the reservation");
	CHECK_EQ_INT(bal("A")->balance, 2000, "failure leaves posted");
	CHECK_EQ_INT(apply("p3", U, "A", TX_TYPE_NONE, 0, TX_STATUS_COMPLETED, NULL),
		     TX_LEDGER_REJECTED, "failed cannot complete");
	CHECK_EQ_STR(R.reason, "update changes status from failed to completed",
		     "message for failed to completed");

	/* updates may not change the transaction */
	apply("p4", C, "A", TX_TYPE_PAYMENT, 100, TX_STATUS_PENDING, NULL);
	CHECK_EQ_INT(apply("p4", U, "A", TX_TYPE_PAYMENT, 101, TX_STATUS_COMPLETED, NULL),
		     TX_LEDGER_REJECTED, "amount change rejected");
	CHECK_EQ_STR(R.reason, "update changes 'amount'", "names amount");
	CHECK_EQ_INT(apply("p4", U, "A", TX_TYPE_FEE, 100, TX_STATUS_COMPLETED, NULL),
		     TX_LEDGER_REJECTED, "type change rejected");
	CHECK_EQ_STR(R.reason, "update changes 'type'", "names type");
	CHECK_EQ_INT(apply("p4", U, "B", TX_TYPE_NONE, 0, TX_STATUS_COMPLETED, NULL),
		     TX_LEDGER_REJECTED, "account change rejected");
	CHECK_EQ_STR(R.reason, "update changes 'account'", "names account");
	CHECK_EQ_INT(apply("p4", U, "A", TX_TYPE_NONE, 0, TX_STATUS_COMPLETED, "B"),
		     TX_LEDGER_REJECTED, "counterparty added rejected");
	CHECK_EQ_STR(R.reason, "update changes 'counterparty'", "names counterparty");
	{
		struct tx_ledger_tx t =
		    mk("p4", U, "A", TX_TYPE_NONE, 0, TX_STATUS_COMPLETED, NULL);
		t.currency = tx_currency_find("EUR", 3);
		t.has_currency = 1;
		tx_ledger_apply(&L, &t, &R);
		CHECK_EQ_STR(R.reason, "update changes 'currency'", "names currency");
	}
	CHECK_EQ_INT(bal("A")->reserved, 100, "rejected updates change nothing");
	CHECK_EQ_INT(apply("nope", U, "A", TX_TYPE_NONE, 0, TX_STATUS_COMPLETED, NULL),
		     TX_LEDGER_REJECTED, "update of unknown id rejected");
	CHECK_EQ_STR(R.reason, "update of an unknown transaction", "unknown update message");
	CHECK_EQ_INT(apply("nope", D, "A", TX_TYPE_NONE, 0, 0, NULL), TX_LEDGER_REJECTED,
		     "delete of unknown id rejected");
	CHECK_EQ_STR(R.reason, "delete of an unknown transaction", "unknown delete message");

	/* delete voids a pending one, reverses a posted one */
	CHECK_EQ_INT(apply("p4", D, "A", TX_TYPE_NONE, 0, 0, NULL), TX_LEDGER_APPLIED,
		     "delete pending");
	CHECK_EQ_INT(bal("A")->reserved, 0, "delete voids");
	CHECK_EQ_INT(apply("p4", D, "A", TX_TYPE_NONE, 0, 0, NULL), TX_LEDGER_DUPLICATE,
		     "second delete is a duplicate");
	CHECK_EQ_INT(apply("p4", U, "A", TX_TYPE_NONE, 0, TX_STATUS_COMPLETED, NULL),
		     TX_LEDGER_REJECTED, "update after delete rejected");
	CHECK_EQ_INT(apply("t4", D, "A", TX_TYPE_NONE, 0, 0, NULL), TX_LEDGER_APPLIED,
		     "delete of a posted deposit");
	CHECK_EQ_INT(bal("A")->balance, -3000, "reversal of a credit may go negative");
	CHECK_EQ_INT(apply("t4", C, "A", TX_TYPE_DEPOSIT, 5000, 0, NULL), TX_LEDGER_DUPLICATE,
		     "a deleted id is not applied again");
	CHECK_EQ_INT(apply("t1", U, "A", TX_TYPE_NONE, 0, TX_STATUS_FAILED, NULL),
		     TX_LEDGER_APPLIED, "completed to failed reverses");
	CHECK_EQ_INT(bal("A")->balance, -13000, "reversed");

	/* transfers: double entry */
	apply("d1", C, "X", TX_TYPE_DEPOSIT, 7000, 0, NULL);
	CHECK_EQ_INT(apply("x1", C, "X", TX_TYPE_TRANSFER, 2500, 0, "Y"), TX_LEDGER_APPLIED,
		     "transfer");
	CHECK_EQ_INT(bal("X")->balance, 4500, "transfer debits");
	CHECK_EQ_INT(bal("Y")->balance, 2500, "transfer credits counterparty");
	CHECK_EQ_INT(bal("Y")->tx_count, 1, "counterparty counts it");
	CHECK_EQ_INT(apply("x2", C, "X", TX_TYPE_TRANSFER, 1000, 0, "X"), TX_LEDGER_REJECTED,
		     "self transfer rejected");
	CHECK_EQ_STR(R.reason, "transfer to its own account", "self transfer message");
	apply("x3", C, "X", TX_TYPE_TRANSFER, 4000, TX_STATUS_PENDING, "Y");
	CHECK(bal("X")->reserved == 4000 && bal("Y")->balance == 2500,
	      "pending transfer reserves, credits nothing yet");
	CHECK_EQ_INT(apply("x3", U, "X", TX_TYPE_TRANSFER, 4000, TX_STATUS_COMPLETED, "Z"),
		     TX_LEDGER_REJECTED, "counterparty change rejected");
	apply("x3", U, "X", TX_TYPE_TRANSFER, 4000, TX_STATUS_COMPLETED, "Y");
	CHECK(bal("X")->balance == 500 && bal("Y")->balance == 6500 && bal("X")->reserved == 0,
	      "completed transfer posts both sides");
	apply("x1", D, "X", TX_TYPE_NONE, 0, 0, NULL);
	CHECK(bal("X")->balance == 3000 && bal("Y")->balance == 4000,
	      "deleted transfer reverses both sides");
	CHECK_EQ_INT(bal("X")->tx_count, 3, "tx_count counts accepted creates");

	/* overflow */
	apply("big1", C, "O", TX_TYPE_DEPOSIT, INT64_MAX, 0, NULL);
	CHECK_EQ_INT(apply("big2", C, "O", TX_TYPE_DEPOSIT, 1, 0, NULL), TX_LEDGER_REFUSED,
		     "credit past INT64_MAX refused");
	CHECK_EQ_STR(R.reason, "balance_overflow", "reason balance_overflow");
	CHECK_EQ_INT(bal("O")->balance, INT64_MAX, "overflow changes nothing");
	tx_ledger_release(&L);
}

static void test_overdraft_policies(void)
{
	struct tx_ledger_opts o = {"50.00", 0, 1000, 0, 0};

	tx_ledger_init(&L, &o);
	CHECK_EQ_INT(apply("a", C, "A", TX_TYPE_WITHDRAWAL, 5000, 0, NULL), TX_LEDGER_APPLIED,
		     "overdraft limit 50.00 allows -50.00");
	CHECK_EQ_INT(apply("b", C, "A", TX_TYPE_FEE, 1, 0, NULL), TX_LEDGER_REFUSED,
		     "and not -50.01");
	{
		struct tx_ledger_tx t = mk("j", C, "J", TX_TYPE_WITHDRAWAL, 50, 0, NULL);
		t.currency = tx_currency_find("JPY", 3);
		tx_ledger_apply(&L, &t, &R);
		CHECK_EQ_INT(R.outcome, TX_LEDGER_APPLIED,
			     "limit scales with the exponent (JPY 50)");
		t = mk("j2", C, "J", TX_TYPE_WITHDRAWAL, 1, 0, NULL);
		t.currency = tx_currency_find("JPY", 3);
		tx_ledger_apply(&L, &t, &R);
		CHECK_EQ_INT(R.outcome, TX_LEDGER_REFUSED, "JPY -51 refused");
	}
	tx_ledger_release(&L);
	o.overdraft_unlimited = 1;
	tx_ledger_init(&L, &o);
	CHECK_EQ_INT(apply("a", C, "A", TX_TYPE_WITHDRAWAL, INT64_MAX, 0, NULL), TX_LEDGER_APPLIED,
		     "unlimited overdraft");
	CHECK_EQ_INT(apply("b", C, "A", TX_TYPE_WITHDRAWAL, 2, 0, NULL), TX_LEDGER_REFUSED,
		     "but never past int64");
	CHECK_EQ_STR(R.reason, "balance_overflow", "overflow reason");
	CHECK_EQ_INT(apply("c", C, "A", TX_TYPE_PAYMENT, 2, TX_STATUS_PENDING, NULL),
		     TX_LEDGER_REFUSED, "a reservation taking available past int64 is refused");
	CHECK_EQ_INT(apply("d", C, "P", TX_TYPE_PAYMENT, INT64_MAX, TX_STATUS_PENDING, NULL),
		     TX_LEDGER_APPLIED, "reserve INT64_MAX");
	CHECK_EQ_INT(apply("e", C, "P", TX_TYPE_PAYMENT, 1, TX_STATUS_PENDING, NULL),
		     TX_LEDGER_REFUSED, "reserved past int64 refused");
	CHECK(bal("P")->reserved == INT64_MAX && bal("A")->balance == -INT64_MAX,
	      "refused reservations change nothing");
	CHECK_EQ_INT(apply("f", C, "B", TX_TYPE_DEPOSIT, INT64_MAX, 0, NULL), TX_LEDGER_APPLIED,
		     "deposit INT64_MAX");
	CHECK_EQ_INT(apply("g", C, "Q", TX_TYPE_TRANSFER, 1, 0, "B"), TX_LEDGER_REFUSED,
		     "a transfer whose credit overflows the counterparty is refused");
	CHECK(bal("Q")->balance == 0 && bal("B")->balance == INT64_MAX && bal("Q")->tx_count == 0,
	      "and changes neither side");
	tx_ledger_release(&L);
	o.overdraft = "99999999999999999999"; /* past int64 in every exponent: INT64_MAX */
	o.overdraft_unlimited = 0;
	tx_ledger_init(&L, &o);
	CHECK_EQ_INT(apply("a", C, "A", TX_TYPE_WITHDRAWAL, INT64_MAX, 0, NULL), TX_LEDGER_APPLIED,
		     "a limit of INT64_MAX allows -INT64_MAX");
	CHECK_EQ_INT(apply("b", C, "A", TX_TYPE_WITHDRAWAL, 1, 0, NULL), TX_LEDGER_REFUSED,
		     "but not INT64_MIN");
	CHECK_EQ_INT(apply("c", C, "A", TX_TYPE_WITHDRAWAL, INT64_MAX, 0, NULL), TX_LEDGER_REFUSED,
		     "nor a debit whose result is below INT64_MIN");
	CHECK_EQ_STR(R.reason, "insufficient_funds", "which is insufficient funds");
	tx_ledger_release(&L);
	o.overdraft = "1.5.0";
	CHECK_EQ_INT(tx_ledger_init(&L, &o), -1, "bad overdraft limit refused");
}

static void test_window(void)
{
	struct tx_ledger_opts o = {"0", 1, 1000, 0, 0};
	char id[32];
	int ok = 1;

	tx_ledger_init(&L, &o);
	CHECK_EQ_INT(L.gen_slots, 2048, "window 1000 -> 2048 slots per generation");
	apply("pend", C, "A", TX_TYPE_PAYMENT, 7, TX_STATUS_PENDING, NULL);
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "w%d", i);
		if (apply(id, C, "A", TX_TYPE_DEPOSIT, 1, 0, NULL) != TX_LEDGER_APPLIED)
			ok = 0;
	}
	CHECK(ok, "5000 ids applied");
	CHECK(L.generations >= 2, "the window rolled over");
	ok = 1;
	for (int i = 5000 - 1536; i < 5000; i++) {
		snprintf(id, sizeof(id), "w%d", i);
		if (apply(id, C, "A", TX_TYPE_DEPOSIT, 1, 0, NULL) != TX_LEDGER_DUPLICATE)
			ok = 0;
	}
	CHECK(ok, "the last 1536 ids (the window at least) are still duplicates");
	snprintf(id, sizeof(id), "w%d", 0);
	CHECK_EQ_INT(apply(id, C, "A", TX_TYPE_DEPOSIT, 1, 0, NULL), TX_LEDGER_APPLIED,
		     "an id older than two generations is forgotten");
	CHECK_EQ_INT(apply("pend", U, "A", TX_TYPE_NONE, 0, TX_STATUS_COMPLETED, NULL),
		     TX_LEDGER_APPLIED, "a pending transaction survives the roll-over");
	CHECK_EQ_INT(bal("A")->reserved, 0, "and its reservation settles");
	CHECK_EQ_INT(bal("A")->balance, 5001 - 7, "balance");
	CHECK(tx_ledger_ids(&L) <= 2 * 1536 + 2, "memory bounded: at most two generations");
	tx_ledger_release(&L);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Every id of ids[0..n) found with its amount (i + 1), each hash in exactly one slot. */
static int grown_table_ok(char (*ids)[16], uint32_t n)
{
	const struct tx_txtab *t = &L.gen[L.cur];
	uint64_t *hs = malloc(((size_t)t->mask + 1) * sizeof(*hs)), used = 0;
	int ok = t->count == n;

	for (uint32_t i = 0; i < n && ok; i++) {
		const struct tx_txn *x = tx_ledger_find(&L, ids[i], strlen(ids[i]));
		ok = x && x->amount == (int64_t)i + 1;
	}
	for (uint64_t s = 0; s <= t->mask; s++)
		if (t->slots[s].h)
			hs[used++] = t->slots[s].h;
	qsort(hs, used, sizeof(*hs), cmp_u64);
	for (uint64_t k = 1; k < used && ok; k++)
		ok = hs[k] != hs[k - 1];
	free(hs);
	return ok && used == n;
}

/*
 * The dedup table doubles in place. For each table size 2^10 to 2^18, 16 ids
 * have their home slots among its last 8: at each doubling a probe run wraps
 * around the end, holding ids that stay in the lower half and ids that move
 * up. After every doubling each id is still found, once.
 */
static void test_grow_in_place(void)
{
	struct tx_ledger_opts o = {"0", 1, 10000000, 0, 0};
	enum { N = 150000, WRAP = 9 * 16 };
	char(*ids)[16] = malloc(N * sizeof(*ids));
	uint32_t n = 0, k = 0, grows = 0;
	uint64_t mask;
	int ok = 1, wrapped;

	while (n < WRAP) {
		uint64_t size = 1u << (10 + n / 16);
		snprintf(ids[n], sizeof(ids[n]), "wrap-%u", k++);
		if ((tx_hash64(ids[n], strlen(ids[n])) & (size - 1)) >= size - 8)
			n++;
	}
	for (; n < N; n++)
		snprintf(ids[n], sizeof(ids[n]), "id-%u", n);
	tx_ledger_init(&L, &o);
	mask = L.gen[L.cur].mask;
	for (uint32_t i = 0; i < N; i++) {
		if (apply(ids[i], C, "G", TX_TYPE_DEPOSIT, (int64_t)i + 1, 0, NULL) !=
		    TX_LEDGER_APPLIED)
			ok = 0;
		if (i + 1 == WRAP) {
			const struct tx_txtab *t = &L.gen[L.cur];
			CHECK(t->slots[0].h && (t->slots[0].h & t->mask) > t->mask - 8,
			      "grow: the probe run of the last slots wraps around the end");
		}
		if (L.gen[L.cur].mask != mask) {
			mask = L.gen[L.cur].mask;
			grows++;
			if (!grown_table_ok(ids, i + 1))
				ok = 0;
		}
	}
	CHECK(ok, "grow: after each doubling every id is found once, with its amount");
	CHECK_EQ_INT(grows, 8, "grow: 1024 slots doubled 8 times for 150000 ids");
	wrapped = L.gen[L.cur].slots[0].h && (L.gen[L.cur].slots[0].h & mask) > mask - 8;
	CHECK(wrapped, "grow: the run still wraps in the largest table");
	CHECK(grown_table_ok(ids, N), "grow: all 150000 ids found once at the end");
	ok = 1;
	for (uint32_t i = 0; i < N; i += 7)
		if (apply(ids[i], C, "G", TX_TYPE_DEPOSIT, 1, 0, NULL) != TX_LEDGER_DUPLICATE)
			ok = 0;
	CHECK(ok, "grow: re-applied ids are duplicates");
	CHECK_EQ_INT(bal("G")->balance, (int64_t)N * (N + 1) / 2, "grow: balance");
	tx_ledger_release(&L);
	free(ids);
}

/* Random operations: the sum of balances equals external inflows minus outflows. */
static void test_conservation(void)
{
	struct tx_ledger_opts o = {"0", 0, 100000, 0, 0};
	static const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
	uint64_t x = 88172645463325252ULL;
	int64_t created = 0;
	char id[32];

	tx_ledger_init(&L, &o);
	for (int i = 0; i < 20000; i++) {
		uint64_t r;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		r = x;
		int op = (int)(r % 10);
		const char *a = names[(r >> 8) % 8], *b = names[(r >> 16) % 8];
		enum tx_type t = (enum tx_type)(1 + (r >> 24) % 6);
		int64_t amt = (int64_t)((r >> 32) % 100000);
		enum tx_status st = (r >> 60) % 3 == 0 ? TX_STATUS_PENDING : TX_STATUS_NONE;
		if (op < 7 || created == 0) {
			snprintf(id, sizeof(id), "r%lld", (long long)created++);
			if (t == TX_TYPE_TRANSFER && a == b)
				t = TX_TYPE_DEPOSIT;
			apply(id, C, a, t, amt, st, t == TX_TYPE_TRANSFER ? b : NULL);
		} else {
			struct tx_txn *tx;
			int64_t j = (int64_t)((r >> 40) % (uint64_t)created);
			snprintf(id, sizeof(id), "r%lld", (long long)j);
			tx = tx_ledger_find(&L, id, strlen(id));
			if (!tx)
				continue;
			size_t len;
			char name[8];
			const char *n =
			    tx_ledger_account_name(&L, tx->acct & ((1u << 28) - 1), &len);
			memcpy(name, n, len);
			name[len] = '\0';
			if (op == 9)
				apply(id, D, name, TX_TYPE_NONE, 0, 0, NULL);
			else
				apply(id, U, name, TX_TYPE_NONE, 0,
				      op == 7 ? TX_STATUS_COMPLETED : TX_STATUS_FAILED, NULL);
		}
	}
	/* recompute from the remembered transactions: completed ones count */
	{
		__int128 sum = 0, ext = 0, reserved = 0, expect_res = 0;
		for (uint32_t i = 0; i < tx_ledger_count(&L); i++) {
			sum += tx_ledger_acct(&L, i)->balance;
			reserved += tx_ledger_acct(&L, i)->reserved;
		}
		for (int g = 0; g < 2; g++) {
			struct tx_txtab *tab = &L.gen[g];
			for (uint64_t s = 0; tab->slots && s <= tab->mask; s++) {
				struct tx_txn *tx = &tab->slots[s];
				enum tx_type t = (enum tx_type)(tx->acct >> 28);
				if (!tx->h)
					continue;
				if (tx_txn_state(tx) == TX_TXN_COMPLETED && t != TX_TYPE_TRANSFER)
					ext += (__int128)tx_type_sign(t) * tx->amount;
				if (tx_txn_state(tx) == TX_TXN_PENDING && tx_type_sign(t) < 0)
					expect_res += tx->amount;
			}
		}
		CHECK(sum == ext, "conservation: sum of balances = inflows - outflows");
		CHECK(reserved == expect_res, "reservations = pending debits");
	}
	tx_ledger_release(&L);
}

static void test_save_load(void)
{
	struct tx_ledger_opts o = {"0", 0, 1000, 0, 0};
	struct tx_ledger l2;
	struct tx_buf b = TX_BUF_INIT;
	FILE *f;
	char line[256];

	tx_ledger_init(&L, &o);
	apply("1", C, "zed", TX_TYPE_DEPOSIT, 12345, 0, NULL);
	apply("2", C, "alpha", TX_TYPE_DEPOSIT, 500, 0, NULL);
	apply("3", C, "alpha", TX_TYPE_PAYMENT, 120, TX_STATUS_PENDING, NULL);
	{
		struct tx_ledger_tx t = mk("4", C, "alpha", TX_TYPE_DEPOSIT, 1500, 0, NULL);
		t.currency = tx_currency_find("JPY", 3);
		tx_ledger_apply(&L, &t, &R);
	}
	tx_ledger_format(&L, 1, &b);
	CHECK_EQ_STR(b.p,
		     "{\"account\":\"alpha\",\"currency\":\"USD\",\"balance\":5.00,"
		     "\"available_balance\":3.80,\"tx_count\":2}\n",
		     "balances line format");
	CHECK_EQ_INT(tx_ledger_save(&L, "unit-ledger.state"), 0, "save");
	f = fopen("unit-ledger.state", "r");
	CHECK(f && fgets(line, sizeof(line), f), "state readable");
	CHECK_EQ_STR(line,
		     "{\"account\":\"alpha\",\"currency\":\"JPY\",\"balance\":1500,"
		     "\"available_balance\":1500,\"tx_count\":1}\n",
		     "sorted by account then currency");
	if (f)
		fclose(f);
	tx_ledger_init(&l2, &o);
	CHECK_EQ_INT(tx_ledger_load(&l2, "unit-ledger.state"), 0, "load");
	CHECK_EQ_INT(tx_ledger_count(&l2), 3, "three entries loaded");
	CHECK_EQ_INT(tx_ledger_save(&l2, "unit-ledger.state2"), 0, "save again");
	{
		char a[1024], c[1024];
		FILE *fa = fopen("unit-ledger.state", "r"), *fc = fopen("unit-ledger.state2", "r");
		size_t na = fread(a, 1, sizeof(a), fa), nc = fread(c, 1, sizeof(c), fc);
		CHECK(na == nc && !memcmp(a, c, na), "load then save is the identity");
		fclose(fa);
		fclose(fc);
	}
	tx_ledger_release(&l2);
	tx_ledger_init(&l2, &o);
	f = fopen("unit-ledger.bad", "w");
	fputs("{\"account\":\"a\",\"balance\":1}\n{\"account\":\"a\",\"balance\":2}\n", f);
	fclose(f);
	CHECK_EQ_INT(tx_ledger_load(&l2, "unit-ledger.bad"), -1, "twice-listed account refused");
	tx_ledger_release(&l2);
	unlink("unit-ledger.state");
	unlink("unit-ledger.state2");
	unlink("unit-ledger.bad");
	tx_buf_release(&b);
	tx_ledger_release(&L);
}

static void test_alerts(void)
{
	struct tx_ledger_opts o = {"0", 0, 1000, 0, 0};
	struct tx_alert_opts ao = {"100", "1000", 3, 10000000, 1, NULL};
	struct tx_alerts al;
	struct tx_buf b = TX_BUF_INIT;
	unsigned f;
	char id[16];

	CHECK_EQ_INT(tx_alerts_init(&al, &ao), 0, "alerts init");
	o.extra = tx_alerts_extra(&al);
	CHECK_EQ_INT(o.extra, 8 + 3 * 8, "velocity 3 needs 32 bytes per account");
	tx_ledger_init(&L, &o);
	apply("1", C, "A", TX_TYPE_DEPOSIT, 150000, 0, NULL);
	f = tx_alerts_check(&al, &L, &R, 1, 0);
	CHECK_EQ_INT(f, 0, "a deposit of 1500.00 is money coming in: not large");
	apply("2", C, "A", TX_TYPE_WITHDRAWAL, 141000, 0, NULL);
	f = tx_alerts_check(&al, &L, &R, 1, 1000000);
	CHECK_EQ_INT(f, 1u << TX_ALERT_LOW_BALANCE | 1u << TX_ALERT_LARGE_AMOUNT,
		     "crossing below 100 fires low_balance");
	tx_alerts_detail(&al, TX_ALERT_LOW_BALANCE, &L, &R, &b);
	CHECK_EQ_STR(b.p, "available balance 90.00 below 100.00", "low_balance detail");
	apply("3", C, "A", TX_TYPE_FEE, 100, 0, NULL);
	f = tx_alerts_check(&al, &L, &R, 1, 2000000);
	CHECK_EQ_INT(f, 0, "staying below does not fire again; 3 in 10s is not more than 3");
	apply("4", C, "A", TX_TYPE_FEE, 1000000, 0, NULL);
	f = tx_alerts_check(&al, &L, &R, 1, 30000000);
	CHECK_EQ_INT(f, 1u << TX_ALERT_OVERDRAFT | 1u << TX_ALERT_LARGE_AMOUNT,
		     "refused debit fires overdraft (and large), velocity window passed");
	tx_buf_reset(&b);
	tx_alerts_detail(&al, TX_ALERT_OVERDRAFT, &L, &R, &b);
	CHECK_EQ_STR(b.p, "debit of 10000.00 refused, available balance 89.00", "overdraft detail");
	for (int i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "v%d", i);
		apply(id, C, "A", TX_TYPE_DEPOSIT, 1, 0, NULL);
		f = tx_alerts_check(&al, &L, &R, 1, 31000000 + i);
	}
	CHECK_EQ_INT(f, 1u << TX_ALERT_VELOCITY, "four within 10s fire velocity");
	CHECK_EQ_INT(al.fired[TX_ALERT_VELOCITY], 1, "velocity counted once");
	tx_buf_reset(&b);
	tx_alerts_detail(&al, TX_ALERT_VELOCITY, &L, &R, &b);
	CHECK_EQ_STR(b.p, "more than 3 transactions within 10s", "velocity detail");
	tx_alerts_release(&al);
	tx_ledger_release(&L);
	{
		/* event times far apart: a difference past int64 is far outside T, or far before */
		static const int64_t ts[] = {INT64_MAX, -1, INT64_MAX, -2, INT64_MIN, 0};
		unsigned want = 0x1a, got = 0; /* the 2nd, 4th and 5th fire */
		ao.velocity_n = 1;
		tx_alerts_init(&al, &ao);
		o.extra = tx_alerts_extra(&al);
		tx_ledger_init(&L, &o);
		for (int i = 0; i < 6; i++) {
			snprintf(id, sizeof(id), "t%d", i);
			apply(id, C, "T", TX_TYPE_DEPOSIT, 1, 0, NULL);
			if (tx_alerts_check(&al, &L, &R, 1, ts[i]) & 1u << TX_ALERT_VELOCITY)
				got |= 1u << i;
		}
		CHECK_EQ_INT(got, want, "velocity 1/10s over event times at both ends of int64");
		tx_alerts_release(&al);
		tx_ledger_release(&L);
	}
	{
		/* drain: a debit of 80% or more of the available balance, of 100.00 at least */
		struct tx_alert_opts d = {NULL, NULL, 0, 0, 0, "100"};
		CHECK_EQ_INT(tx_alerts_init(&al, &d), 0, "drain init");
		o.extra = tx_alerts_extra(&al);
		tx_ledger_init(&L, &o);
		apply("d1", C, "D", TX_TYPE_DEPOSIT, 100000, 0, NULL);
		CHECK_EQ_INT(tx_alerts_check(&al, &L, &R, 1, 0), 0, "a deposit does not drain");
		apply("d2", C, "D", TX_TYPE_TRANSFER, 79999, 0, "E");
		CHECK_EQ_INT(tx_alerts_check(&al, &L, &R, 1, 0), 0, "79.999% of 1000.00 does not");
		apply("d3", C, "D", TX_TYPE_WITHDRAWAL, 16001, 0, NULL);
		CHECK_EQ_INT(tx_alerts_check(&al, &L, &R, 1, 0), 1u << TX_ALERT_DRAIN,
			     "160.01 of 200.01 (80%) drains");
		tx_buf_reset(&b);
		tx_alerts_detail(&al, TX_ALERT_DRAIN, &L, &R, &b);
		CHECK_EQ_STR(b.p,
			     "debit of 160.01 took 80% or more of the available balance 200.01",
			     "drain detail");
		apply("d4", C, "D", TX_TYPE_PAYMENT, 3900, 0, NULL);
		CHECK_EQ_INT(tx_alerts_check(&al, &L, &R, 1, 0), 0,
			     "all of 40.00 is below the 100.00 the rule looks at");
		CHECK_EQ_STR(tx_alert_kind(TX_ALERT_DRAIN), "fraud", "drain is a fraud signal");
		CHECK_EQ_STR(tx_alert_kind(TX_ALERT_LOW_BALANCE), "notice",
			     "low_balance: a notice");
		CHECK_EQ_STR(tx_alert_kind(TX_ALERT_OVERDRAFT), "notice", "overdraft: a notice");
		CHECK_EQ_INT(tx_alert_rule_of("drain"), TX_ALERT_DRAIN, "rule by name");
		CHECK_EQ_INT(tx_alert_rule_of("nosuch"), -1, "unknown rule name");
		tx_alerts_release(&al);
		tx_ledger_release(&L);
	}
	tx_buf_release(&b);
}

static void test_aggregate(void)
{
	struct tx_ledger_opts o = {"0", 0, 1000, 0, 0};
	struct tx_agg ag;
	struct tx_out out;
	int64_t us;
	FILE *f;
	char line[512];

	CHECK(tx_parse_duration("1m", &us) == 0 && us == 60000000, "duration 1m");
	CHECK(tx_parse_duration("500ms", &us) == 0 && us == 500000, "duration 500ms");
	CHECK(tx_parse_duration("2d", &us) == 0 && us == 172800000000LL, "duration 2d");
	CHECK(tx_parse_duration("0", &us) == 0 && us == 0, "duration 0");
	CHECK(tx_parse_duration("5", &us) == -1, "duration without a unit");
	CHECK(tx_parse_duration("1w", &us) == -1, "unknown unit");

	tx_ledger_init(&L, &o);
	tx_agg_init(&ag, 60000000, 0);
	CHECK_EQ_INT(tx_out_open(&out, "unit-ledger.agg"), 0, "open aggregates");
	apply("1", C, "A", TX_TYPE_DEPOSIT, 1000, 0, NULL);
	tx_agg_add(&ag, &L, &R, 1, 10000000, &out);
	apply("2", C, "A", TX_TYPE_TRANSFER, 300, 0, "B");
	tx_agg_add(&ag, &L, &R, 1, 50000000, &out);
	apply("3", C, "A", TX_TYPE_PAYMENT, 100, 0, NULL);
	tx_agg_add(&ag, &L, &R, 1, 61000000, &out);
	apply("4", C, "A", TX_TYPE_PAYMENT, 100, 0, NULL);
	tx_agg_add(&ag, &L, &R, 1, 59000000, &out);
	CHECK_EQ_INT(ag.late, 1, "a record for a closed window is late");
	apply("5", C, "A", TX_TYPE_PAYMENT, 1000000, 0, NULL);
	tx_agg_add(&ag, &L, &R, 1, 62000000, &out);
	CHECK_EQ_INT(ag.late, 1, "a refused one is not counted at all");
	tx_agg_add(&ag, &L, &R, 0, 0, &out);
	tx_agg_flush(&ag, &L, &out);
	tx_out_close(&out);
	f = fopen("unit-ledger.agg", "r");
	CHECK(f && fgets(line, sizeof(line), f), "first aggregate");
	CHECK_EQ_STR(line,
		     "{\"window_start\":\"1970-01-01T00:00:00.000000Z\",\"window_end\":"
		     "\"1970-01-01T00:01:00.000000Z\",\"account\":\"A\",\"currency\":\"USD\","
		     "\"count\":2,\"debits\":3.00,\"credits\":10.00,\"by_type\":{\"deposit\":1,"
		     "\"transfer\":1},\"total_count\":2,\"total_debits\":3.00,"
		     "\"total_credits\":10.00}\n",
		     "window 0 of A");
	CHECK(fgets(line, sizeof(line), f) != NULL, "second aggregate");
	CHECK_EQ_STR(line,
		     "{\"window_start\":\"1970-01-01T00:00:00.000000Z\",\"window_end\":"
		     "\"1970-01-01T00:01:00.000000Z\",\"account\":\"B\",\"currency\":\"USD\","
		     "\"count\":1,\"debits\":0.00,\"credits\":3.00,\"by_type\":{\"transfer\":1},"
		     "\"total_count\":1,\"total_debits\":0.00,\"total_credits\":3.00}\n",
		     "the counterparty's side");
	CHECK(fgets(line, sizeof(line), f) != NULL, "third aggregate");
	CHECK(strstr(line, "\"window_start\":\"1970-01-01T00:01:00.000000Z\"") &&
		  strstr(line, "\"count\":1,\"debits\":1.00") &&
		  strstr(line, "\"total_count\":3,\"total_debits\":4.00,\"total_credits\":10.00}"),
	      "window 1 flushed at the end, with A's running totals");
	CHECK(fgets(line, sizeof(line), f) == NULL, "nothing else");
	if (f)
		fclose(f);
	unlink("unit-ledger.agg");
	tx_agg_release(&ag);
	tx_ledger_release(&L);
}

int cmd_main(int argc, char **argv)
{
	test_hashmap();
	test_ledger();
	test_overdraft_policies();
	test_window();
	test_grow_in_place();
	test_conservation();
	test_save_load();
	test_alerts();
	test_aggregate();
	return unit_done();
}

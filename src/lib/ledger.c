/* The ledger: see ledger.h, and txbal(1) for the rules. */
#define _GNU_SOURCE /* qsort_r */
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger.h"
#include "lines.h"
#include "tx.h"

#define IDX_MASK    ((1u << 28) - 1)
#define FIRST_SLOTS 1024

/* --- the transaction table ---------------------------------------------- */

static void txtab_init(struct tx_txtab *t, uint64_t slots)
{
	t->slots = tx_huge_calloc(slots * sizeof(*t->slots));
	t->mask = slots - 1;
	t->count = 0;
}

static uint64_t id_hash(const char *id, size_t len)
{
	uint64_t h = tx_hash64_inline(id, len);
	return h ? h : 1; /* 0 marks an empty slot */
}

/* The slot holding h, else the free slot where its probe run ends. */
static struct tx_txn *txtab_slot(const struct tx_txtab *t, uint64_t h)
{
	struct tx_txn *x = &t->slots[h & t->mask], *end = t->slots + t->mask + 1;

	while (x->h != h && x->h)
		if (++x == end)
			x = t->slots;
	return x;
}

static struct tx_txn *txtab_find(const struct tx_txtab *t, uint64_t h)
{
	struct tx_txn *x = txtab_slot(t, h);
	return x->h ? x : NULL;
}

/* Put x into t, which has room and does not hold x->h: in the free slot its probe ends on. */
static void txtab_put(struct tx_txtab *t, const struct tx_txn *x)
{
	*txtab_slot(t, x->h) = *x;
	t->count++;
}

/* txtab_grow()'s pass over old slots [from, to): each to the first free slot from its home */
static void rehome(struct tx_txn *s, uint64_t mask, struct tx_txn *from, struct tx_txn *to)
{
	struct tx_txn *end = s + mask + 1;

	for (struct tx_txn *x = from; x < to; x++) {
		struct tx_txn *y;
		if (!x->h)
			continue;
		y = s + (x->h & mask);
		while (y != x && y->h) /* its own slot counts as free */
			if (++y == end)
				y = s;
		if (y != x) {
			*y = *x;
			x->h = 0;
		}
	}
}

/*
 * Double t in place. The region grows (tx_huge_realloc(): mremap for a large
 * table, so only the new half is fresh memory the kernel must zero, not the
 * whole new table as with a copy), then every entry is taken out and put
 * back under the new mask. The scan starts just after an empty slot and goes
 * in slot order, wrapping around the old end, so it meets each probe run
 * from its start: an entry then lands at or before its old slot or in the
 * new half, passing only entries already put back. No probe run is broken
 * and no entry is met twice.
 */
static void txtab_grow(struct tx_txtab *t)
{
	uint64_t n = t->mask + 1, start = 0;
	struct tx_txn *s = tx_huge_realloc(t->slots, n * sizeof(*s), 2 * n * sizeof(*s));

	while (s[start].h) /* there is one: the table is at most 3/4 full */
		start++;
	rehome(s, 2 * n - 1, s + start + 1, s + n);
	rehome(s, 2 * n - 1, s, s + start);
	t->slots = s;
	t->mask = 2 * n - 1;
}

/*
 * The current generation is full: it becomes the previous one, and the old
 * previous one is dropped after carrying its pending transactions over.
 */
static void roll(struct tx_ledger *l)
{
	struct tx_txtab *old = &l->gen[!l->cur], n;
	uint64_t i;

	txtab_init(&n, FIRST_SLOTS);
	for (i = 0; old->slots && i <= old->mask; i++) {
		const struct tx_txn *x = &old->slots[i];
		if (x->h && tx_txn_state(x) == TX_TXN_PENDING) {
			if ((n.count + 1) * 4 > (n.mask + 1) * 3)
				txtab_grow(&n);
			txtab_put(&n, x);
		}
	}
	if (old->slots)
		tx_huge_free(old->slots, (old->mask + 1) * sizeof(*old->slots));
	*old = n;
	l->cur = !l->cur;
	l->generations++;
}

/* l->room for the current generation: 3/4 of its table or of a full generation */
static void set_room(struct tx_ledger *l)
{
	uint64_t slots = l->gen[l->cur].mask + 1;

	l->room = (slots < l->gen_slots ? slots : l->gen_slots) / 4 * 3;
}

/* Remember x in the current generation, rolling it or growing its table first when full. */
static void remember_x(struct tx_ledger *l, const struct tx_txn *x)
{
	struct tx_txtab *t = &l->gen[l->cur];

	if ((t->count + 1) * 4 > l->gen_slots * 3) {
		roll(l);
		t = &l->gen[l->cur];
	}
	if ((t->count + 1) * 4 > (t->mask + 1) * 3)
		txtab_grow(t);
	txtab_put(t, x);
	set_room(l);
}

/*
 * Remember a new transaction. free is the slot of the current generation
 * where the probe for h ended (txtab_slot()), or NULL: it is taken unless
 * the generation rolls or the table grows first (remember_x() then).
 */
static inline void remember(struct tx_ledger *l, struct tx_txn *free, uint64_t h, int64_t amount,
			    uint32_t acct, int64_t cp, enum tx_type type, enum tx_txn_state st)
{
	struct tx_txtab *t = &l->gen[l->cur];
	struct tx_txn x;

	x.h = h;
	x.amount = amount;
	x.acct = acct | (uint32_t)type << 28;
	x.cp = (uint32_t)(cp + 1) | (uint32_t)st << 28;
	if (free && t->count < l->room) { /* no roll, no growth: free stays valid */
		*free = x;
		t->count++;
	} else {
		remember_x(l, &x);
	}
}

static void set_state(struct tx_txn *x, unsigned st)
{
	x->cp = (x->cp & IDX_MASK) | (uint32_t)st << 28;
}

struct tx_txn *tx_ledger_find(struct tx_ledger *l, const char *id, size_t len)
{
	uint64_t h = id_hash(id, len);
	struct tx_txn *x = txtab_find(&l->gen[l->cur], h);

	if (!x && l->gen[!l->cur].slots)
		x = txtab_find(&l->gen[!l->cur], h);
	return x;
}

uint64_t tx_ledger_ids(const struct tx_ledger *l)
{
	return l->gen[0].count + l->gen[1].count;
}

/* --- set-up ------------------------------------------------------------- */

int tx_ledger_init(struct tx_ledger *l, const struct tx_ledger_opts *opts)
{
	const char *od = opts->overdraft ? opts->overdraft : "0";
	uint64_t window = opts->window ? opts->window : 1;

	memset(l, 0, sizeof(*l));
	for (int e = 0; e <= 4; e++) {
		enum tx_money_err err = tx_money_parse(od, strlen(od), e, &l->overdraft[e]);
		if (err == TX_MONEY_OVERFLOW)
			l->overdraft[e] = INT64_MAX;
		else if (err != TX_MONEY_OK || l->overdraft[e] < 0)
			return tx_error("overdraft limit '%s' is not an amount >= 0", od);
	}
	l->overdraft_unlimited = opts->overdraft_unlimited;
	l->split = opts->split_transfers;
	/* the smallest power of two holding the window at load 3/4 */
	l->gen_slots = FIRST_SLOTS;
	while (l->gen_slots / 4 * 3 < window)
		l->gen_slots *= 2;
	tx_map_init(&l->accounts, sizeof(struct tx_acct) + (opts->extra + 7) / 8 * 8);
	txtab_init(&l->gen[0], FIRST_SLOTS);
	l->cur = 0;
	set_room(l);
	return 0;
}

void tx_ledger_release(struct tx_ledger *l)
{
	tx_map_release(&l->accounts);
	for (int g = 0; g < 2; g++)
		if (l->gen[g].slots)
			tx_huge_free(l->gen[g].slots, (l->gen[g].mask + 1) * sizeof(struct tx_txn));
	memset(l, 0, sizeof(*l));
}

/*
 * The map key of an account is its currency code, then the account's bytes
 * (tx_map_insert3(): never built for a lookup); its hash is the account's
 * mixed with the code, the same function for every use of the map.
 */
static uint64_t acct_hash(const char *account, size_t len, const struct tx_currency *cur)
{
	uint32_t code;

	memcpy(&code, cur->code, 4); /* "USD\0" */
	return tx_hash64_inline(account, len) ^ (uint64_t)code * 0x9e3779b97f4a7c15ULL;
}

void tx_ledger_prefetch(const struct tx_ledger *l, struct tx_ledger_tx *t)
{
	const struct tx_txtab *c = &l->gen[l->cur], *p = &l->gen[!l->cur];

	t->h_id = id_hash(t->id, t->id_len);
	__builtin_prefetch(&c->slots[t->h_id & c->mask]);
	if (p->slots)
		__builtin_prefetch(&p->slots[t->h_id & p->mask]);
	t->h_acct = t->h_cp = 0;
	if (t->op != TX_OP_UPDATE && t->op != TX_OP_DELETE) {
		t->h_acct = acct_hash(t->account, t->account_len, t->currency);
		tx_map_prefetch(&l->accounts, t->h_acct);
		if (t->counterparty && t->type == TX_TYPE_TRANSFER) {
			t->h_cp = acct_hash(t->counterparty, t->counterparty_len, t->currency);
			tx_map_prefetch(&l->accounts, t->h_cp);
		}
	}
	t->hashed = 1;
}

/* Load the first slot of hash h and the entry it names when its hash matches. */
static uint64_t warm_entry(const struct tx_map *m, uint64_t h)
{
	uint64_t s = m->slots[(uint32_t)h & m->mask];

	if (s && (uint32_t)(s >> 32) == (uint32_t)h) {
		const char *e = (const char *)tx_map_entry(m, (uint32_t)s - 1);
		uint64_t a, z;
		memcpy(&a, e, 8);
		memcpy(&z, e + m->stride - 8, 8);
		return a ^ z;
	}
	return s;
}

uint64_t tx_ledger_warm(const struct tx_ledger *l, const struct tx_ledger_tx *t)
{
	const struct tx_txtab *c = &l->gen[l->cur];
	uint64_t v = c->slots[t->h_id & c->mask].h;

	if (t->h_acct)
		v ^= warm_entry(&l->accounts, t->h_acct);
	if (t->h_cp)
		v ^= warm_entry(&l->accounts, t->h_cp);
	return v;
}

/* account_k()'s rare path: (account, cur) is new, to go in free slot free of the map. */
static int64_t new_account(struct tx_ledger *l, const char *account, size_t len,
			   const struct tx_currency *cur, uint64_t h, uint32_t free)
{
	int64_t i;

	if (l->accounts.count >= TX_LEDGER_MAX_ACCOUNTS)
		return tx_error("too many accounts (at most %u)", TX_LEDGER_MAX_ACCOUNTS);
	i = tx_map_add3(&l->accounts, free, cur->code, account, len, h);
	if (i >= 0)
		tx_ledger_acct(l, (uint32_t)i)->cur = cur;
	return i;
}

/* The entry of (account, cur), whose acct_hash() is h; created when new. */
static inline __attribute__((always_inline)) int64_t account_k(struct tx_ledger *l,
							       const char *account, size_t len,
							       const struct tx_currency *cur,
							       uint64_t h)
{
	uint32_t free;
	int64_t i = tx_map_probe3(&l->accounts, cur->code, account, len, h, &free);

	return i >= 0 ? i : new_account(l, account, len, cur, h, free);
}

int64_t tx_ledger_account(struct tx_ledger *l, const char *account, size_t len,
			  const struct tx_currency *cur)
{
	return account_k(l, account, len, cur, acct_hash(account, len, cur));
}

/* --- balance changes ---------------------------------------------------- */

/*
 * Change entry a by dbal (posted) and dres (reserved), and, when c is not
 * NULL, c's posted balance by dcp: all or nothing. -1 when a balance, a
 * reservation or an available balance (posted minus reserved) would not fit
 * in int64. Every delta is an amount or its negation (amounts are >= 0), so
 * it fits itself and int64 arithmetic with overflow checks suffices.
 */
static inline int move(struct tx_acct *a, int64_t dbal, int64_t dres, struct tx_acct *c,
		       int64_t dcp)
{
	int64_t nb, nr, nc = 0, avail;

	if (__builtin_add_overflow(a->balance, dbal, &nb) ||
	    __builtin_add_overflow(a->reserved, dres, &nr) ||
	    __builtin_sub_overflow(nb, nr, &avail))
		return -1;
	if (c && (__builtin_add_overflow(c->balance, dcp, &nc) ||
		  __builtin_sub_overflow(nc, c->reserved, &avail)))
		return -1;
	a->balance = nb;
	a->reserved = nr;
	if (c)
		c->balance = nc;
	return 0;
}

/* Release a reservation of amount on entry acct (all or nothing, as move()). */
static int unreserve(struct tx_ledger *l, uint32_t acct, int64_t amount)
{
	return move(tx_ledger_acct(l, acct), 0, -amount, NULL, 0);
}

/*
 * Post (dir 1) or reverse (dir -1) a transaction's effect on posted
 * balances, releasing its reservation too when release is set.
 */
static int post(struct tx_ledger *l, uint32_t acct, int64_t cp, enum tx_type type, int64_t amount,
		int dir, int release)
{
	int64_t v = dir < 0 ? -amount : amount;
	struct tx_acct *c = type == TX_TYPE_TRANSFER && !l->split && cp >= 0
				? tx_ledger_acct(l, (uint32_t)cp)
				: NULL;

	return move(tx_ledger_acct(l, acct), tx_type_sign(type) * v, release ? -amount : 0, c, v);
}

static void refuse(struct tx_ledger_result *res, const char *why)
{
	res->outcome = TX_LEDGER_REFUSED;
	res->status = TX_STATUS_FAILED;
	res->reason = why;
}

static void reject(struct tx_ledger_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void reject(struct tx_ledger_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
	res->outcome = TX_LEDGER_REJECTED;
	res->reason = res->msg;
}

static enum tx_status status_of(enum tx_txn_state st)
{
	switch (st) {
	case TX_TXN_PENDING: return TX_STATUS_PENDING;
	case TX_TXN_COMPLETED: return TX_STATUS_COMPLETED;
	case TX_TXN_FAILED:
	case TX_TXN_DELETED: break;
	}
	return TX_STATUS_FAILED;
}

/*
 * Move the money of a new transaction on entry a (counterparty cp): the
 * state to remember it in, TX_TXN_FAILED when status says so or it is
 * refused (res then says why).
 */
static enum tx_txn_state book_new(struct tx_ledger *l, const struct tx_ledger_tx *t,
				  struct tx_acct *a, int64_t cp, struct tx_ledger_result *res)
{
	int sign = tx_type_sign(t->type);

	if (res->status == TX_STATUS_FAILED)
		return TX_TXN_FAILED;
	if (sign < 0 && !l->overdraft_unlimited) {
		int e = t->currency->exponent <= 4 ? t->currency->exponent : 4;
		int64_t after; /* below INT64_MIN when it overflows: under any limit */
		if (__builtin_sub_overflow(res->avail_before, t->amount, &after) ||
		    after < -l->overdraft[e]) {
			refuse(res, "insufficient_funds");
			return TX_TXN_FAILED;
		}
	}
	if (res->status == TX_STATUS_PENDING) {
		if (sign < 0 && move(a, 0, t->amount, NULL, 0)) {
			refuse(res, "balance_overflow");
			return TX_TXN_FAILED;
		}
		return TX_TXN_PENDING;
	}
	if (move(a, sign * t->amount, 0,
		 t->type == TX_TYPE_TRANSFER && !l->split ? tx_ledger_acct(l, (uint32_t)cp) : NULL,
		 t->amount)) {
		refuse(res, "balance_overflow");
		return TX_TXN_FAILED;
	}
	res->credit = cp >= 0;
	return TX_TXN_COMPLETED;
}

static void create(struct tx_ledger *l, const struct tx_ledger_tx *t, struct tx_ledger_result *res,
		   uint64_t h)
{
	uint64_t h_acct;
	int64_t acct, cp = -1;
	struct tx_acct *a;
	struct tx_txn *slot;
	enum tx_txn_state st;

	if (t->type == TX_TYPE_NONE || !t->has_amount)
		return reject(res, "missing field '%s'", t->type ? "amount" : "type");
	if (t->amount < 0)
		return reject(res, "field 'amount' is negative");
	if (t->type == TX_TYPE_TRANSFER) {
		if (!t->counterparty)
			return reject(res, "missing field 'counterparty' (required for transfers)");
		if (t->counterparty_len == t->account_len &&
		    !memcmp(t->counterparty, t->account, t->account_len))
			return reject(res, "transfer to its own account");
	}
	/* load the account's slot while the id's is on its way (see tx_ledger_apply) */
	h_acct = t->hashed ? t->h_acct : acct_hash(t->account, t->account_len, t->currency);
	if (!t->hashed)
		tx_map_prefetch(&l->accounts, h_acct);
	slot = txtab_slot(&l->gen[l->cur], h);
	if (slot->h || (l->gen[!l->cur].slots && txtab_find(&l->gen[!l->cur], h))) {
		res->outcome = TX_LEDGER_DUPLICATE;
		return;
	}
	if ((acct = account_k(l, t->account, t->account_len, t->currency, h_acct)) < 0)
		return reject(res, "too many accounts");
	if (t->type == TX_TYPE_TRANSFER) {
		uint64_t h_cp = t->hashed
				    ? t->h_cp
				    : acct_hash(t->counterparty, t->counterparty_len, t->currency);
		if ((cp = account_k(l, t->counterparty, t->counterparty_len, t->currency, h_cp)) <
		    0)
			return reject(res, "too many accounts");
	}
	a = tx_ledger_acct(l, (uint32_t)acct);
	res->acct = acct;
	res->cp = cp;
	res->avail_before = a->balance - a->reserved;
	res->status = t->status ? t->status : TX_STATUS_COMPLETED;
	res->new_tx = 1;
	st = book_new(l, t, a, cp, res);
	remember(l, slot, h, t->amount, (uint32_t)acct, cp, t->type, st);
	if (st == TX_TXN_FAILED)
		return;
	a->tx_count++;
	if (cp >= 0 && !l->split)
		tx_ledger_acct(l, (uint32_t)cp)->tx_count++;
	res->created = 1;
}

/* An update or delete names the same transaction: the fields it has must match. */
static int same_fields(struct tx_ledger *l, const struct tx_ledger_tx *t, const struct tx_txn *x,
		       struct tx_ledger_result *res)
{
	const char *op = t->op == TX_OP_DELETE ? "delete" : "update";
	uint32_t acct = x->acct & IDX_MASK;
	int64_t cp = (int64_t)(x->cp & IDX_MASK) - 1;
	const struct tx_acct *a = tx_ledger_acct(l, acct);
	size_t len;
	const char *name = tx_ledger_account_name(l, acct, &len);

	if (len != t->account_len || memcmp(name, t->account, len))
		return reject(res, "%s changes 'account'", op), -1;
	if (t->has_currency && t->currency != a->cur)
		return reject(res, "%s changes 'currency'", op), -1;
	if (t->type != TX_TYPE_NONE && t->type != (enum tx_type)(x->acct >> 28))
		return reject(res, "%s changes 'type'", op), -1;
	if (t->has_amount && t->amount != x->amount)
		return reject(res, "%s changes 'amount'", op), -1;
	if (t->counterparty) {
		if (cp < 0)
			return reject(res, "%s changes 'counterparty'", op), -1;
		name = tx_ledger_account_name(l, (uint32_t)cp, &len);
		if (len != t->counterparty_len || memcmp(name, t->counterparty, len))
			return reject(res, "%s changes 'counterparty'", op), -1;
	}
	return 0;
}

static void settle(struct tx_ledger *l, const struct tx_ledger_tx *t, struct tx_ledger_result *res)
{
	const char *op = t->op == TX_OP_DELETE ? "delete" : "update";
	struct tx_txn *x = tx_ledger_find(l, t->id, t->id_len);
	enum tx_txn_state st;
	enum tx_status to;
	uint32_t acct;
	int64_t cp;
	int sign;
	struct tx_acct *a;

	if (!x)
		return reject(res, "%s of an unknown transaction", op);
	if (same_fields(l, t, x, res))
		return;
	st = tx_txn_state(x);
	acct = x->acct & IDX_MASK;
	cp = (int64_t)(x->cp & IDX_MASK) - 1;
	a = tx_ledger_acct(l, acct);
	res->acct = acct;
	res->cp = cp;
	res->type = (enum tx_type)(x->acct >> 28);
	res->amount = x->amount;
	res->avail_before = a->balance - a->reserved;
	sign = tx_type_sign(res->type);
	if (st == TX_TXN_DELETED) {
		/*
		 * A copy of the delete, or of an update that brought the
		 * transaction to the state it was deleted in (a redelivery that
		 * overtook nothing: tx-record(5), "Lifecycle"), is a duplicate;
		 * an update asking for anything else is refused.
		 */
		enum tx_txn_state from = tx_txn_deleted_from(x);
		if (t->op == TX_OP_DELETE ||
		    (from && (t->status == TX_STATUS_NONE || t->status == status_of(from)))) {
			res->outcome = TX_LEDGER_DUPLICATE;
			return;
		}
		return reject(res, "update of a deleted transaction");
	}
	if (t->op == TX_OP_DELETE) {
		res->status = TX_STATUS_NONE;
		if (st == TX_TXN_PENDING && sign < 0)
			unreserve(l, acct, x->amount); /* shrinks: cannot overflow */
		else if (st == TX_TXN_COMPLETED && post(l, acct, cp, res->type, x->amount, -1, 0))
			return reject(res, "reversal overflows a balance");
		if (st == TX_TXN_COMPLETED && cp >= 0)
			res->credit = -1;
		set_state(x, TX_TXN_DELETED + st);
		return;
	}
	to = t->status ? t->status : status_of(st);
	res->status = to;
	res->was = status_of(st);
	if (st == TX_TXN_PENDING) {
		if (to == TX_STATUS_COMPLETED) {
			if (post(l, acct, cp, res->type, x->amount, 1, sign < 0)) {
				if (sign < 0)
					unreserve(l, acct, x->amount);
				refuse(res, "balance_overflow");
				set_state(x, TX_TXN_FAILED);
				return;
			}
			set_state(x, TX_TXN_COMPLETED);
			res->credit = cp >= 0;
		} else if (to == TX_STATUS_FAILED) {
			if (sign < 0)
				unreserve(l, acct, x->amount);
			set_state(x, TX_TXN_FAILED);
		}
		return;
	}
	if (st == TX_TXN_COMPLETED) {
		if (to == TX_STATUS_PENDING)
			return reject(res, "update changes status from completed to pending");
		if (to == TX_STATUS_FAILED) {
			if (post(l, acct, cp, res->type, x->amount, -1, 0))
				return reject(res, "reversal overflows a balance");
			set_state(x, TX_TXN_FAILED);
			res->credit = -(cp >= 0);
		}
		return;
	}
	/* failed */
	if (to != TX_STATUS_FAILED)
		return reject(res, "update changes status from failed to %s", tx_status_name(to));
}

void tx_ledger_apply(struct tx_ledger *l, const struct tx_ledger_tx *t,
		     struct tx_ledger_result *res)
{
	const struct tx_txtab *c = &l->gen[l->cur], *p = &l->gen[!l->cur];
	uint64_t h;

	res->outcome = TX_LEDGER_APPLIED;
	res->status = TX_STATUS_NONE;
	res->reason = NULL;
	res->msg[0] = '\0';
	res->acct = res->cp = -1;
	res->type = t->type;
	res->amount = t->amount;
	res->created = 0;
	res->new_tx = 0;
	res->avail_before = 0;
	res->was = TX_STATUS_NONE;
	res->credit = 0;
	/*
	 * The id's slot is almost never in cache (ids are random over a large
	 * table): start loading it now, so the miss overlaps the account lookup
	 * (tx_ledger_prefetch() did it earlier when called).
	 */
	if (t->hashed) {
		h = t->h_id;
	} else {
		h = id_hash(t->id, t->id_len);
		__builtin_prefetch(&c->slots[h & c->mask]);
		if (p->slots)
			__builtin_prefetch(&p->slots[h & p->mask]);
	}
	if (t->op == TX_OP_UPDATE || t->op == TX_OP_DELETE)
		settle(l, t, res);
	else
		create(l, t, res, h);
}

/* --- balances files ----------------------------------------------------- */

void tx_ledger_format(const struct tx_ledger *l, uint32_t i, struct tx_buf *b)
{
	const struct tx_acct *a = tx_ledger_acct(l, i);
	size_t len;
	const char *name = tx_ledger_account_name(l, i, &len);

	tx_buf_adds(b, "{\"account\":");
	tx_buf_add_json_string(b, name, len);
	tx_buf_adds(b, ",\"currency\":\"");
	tx_buf_add(b, a->cur->code, 3);
	tx_buf_adds(b, "\",\"balance\":");
	tx_money_format(b, a->balance, a->cur->exponent);
	tx_buf_adds(b, ",\"available_balance\":");
	tx_money_format(b, a->balance - a->reserved, a->cur->exponent);
	tx_buf_adds(b, ",\"tx_count\":");
	tx_buf_add_uint(b, a->tx_count);
	tx_buf_adds(b, "}\n");
}

/* A member's value as minor units, or -1 with the reason in r->err. */
static int member_money(struct tx_record *r, int m, const char *name, int exponent, int64_t *out)
{
	struct tx_str s = tx_record_text(r, m);
	enum tx_money_err e = tx_money_parse(s.p, s.len, exponent, out);

	if (e != TX_MONEY_OK) {
		snprintf(r->err, sizeof(r->err), "field '%s' %s", name,
			 tx_money_strerror(e, exponent));
		return -1;
	}
	return 0;
}

/*
 * A transaction line of a state file (txstore state): the ledger remembers
 * the id with what it needs to settle it later, and moves no money (the
 * balance lines already hold its effect, reservation included).
 */
static int load_txn(struct tx_ledger *l, struct tx_record *r)
{
	uint64_t h = id_hash(r->id.p, r->id.len);
	enum tx_txn_state st = TX_TXN_COMPLETED;
	int64_t acct, cp = -1;
	int m;

	if (r->idx[TX_F_ACCOUNT] < 0 || r->idx[TX_F_TYPE] < 0 || r->idx[TX_F_AMOUNT] < 0) {
		snprintf(r->err, sizeof(r->err), "missing field '%s'",
			 r->idx[TX_F_ACCOUNT] < 0 ? "account"
			 : r->idx[TX_F_TYPE] < 0  ? "type"
						  : "amount");
		return -1;
	}
	if (r->type == TX_TYPE_TRANSFER && r->idx[TX_F_COUNTERPARTY] < 0) {
		snprintf(r->err, sizeof(r->err), "missing field 'counterparty'");
		return -1;
	}
	if (r->op != TX_OP_CREATE && r->op != TX_OP_NONE) {
		snprintf(r->err, sizeof(r->err), "field 'op' must be absent in a state file");
		return -1;
	}
	if (r->status == TX_STATUS_PENDING)
		st = TX_TXN_PENDING;
	else if (r->status == TX_STATUS_FAILED)
		st = TX_TXN_FAILED;
	if ((m = tx_record_find(r, "deleted", 7)) >= 0) {
		struct tx_str v = tx_record_raw(r, m);
		if (v.len == 4 && !memcmp(v.p, "true", 4))
			st = TX_TXN_DELETED + st; /* and the status it was deleted in */
		else if (!(v.len == 5 && !memcmp(v.p, "false", 5))) {
			snprintf(r->err, sizeof(r->err), "field 'deleted' is not true or false");
			return -1;
		}
	}
	if (txtab_find(&l->gen[l->cur], h) ||
	    (l->gen[!l->cur].slots && txtab_find(&l->gen[!l->cur], h))) {
		snprintf(r->err, sizeof(r->err), "transaction listed twice");
		return -1;
	}
	acct = tx_ledger_account(l, r->account.p, r->account.len, r->currency);
	if (acct >= 0 && r->type == TX_TYPE_TRANSFER)
		cp = tx_ledger_account(l, r->counterparty.p, r->counterparty.len, r->currency);
	if (acct < 0 || (r->type == TX_TYPE_TRANSFER && cp < 0)) {
		snprintf(r->err, sizeof(r->err), "too many accounts");
		return -1;
	}
	remember(l, NULL, h, r->amount, (uint32_t)acct, r->type == TX_TYPE_TRANSFER ? cp : -1,
		 r->type, st);
	return 0;
}

static int load_line(struct tx_ledger *l, struct tx_record *r, const char *line, size_t len)
{
	int64_t i, bal, avail, reserved, count = 0;
	int created, m;
	struct tx_acct *a;

	if (tx_record_parse(r, line, len, 0))
		return -1;
	if (r->idx[TX_F_TRANSACTION_ID] >= 0)
		return load_txn(l, r);
	if (r->idx[TX_F_ACCOUNT] < 0) {
		snprintf(r->err, sizeof(r->err), "missing field 'account'");
		return -1;
	}
	if ((m = tx_record_find(r, "balance", 7)) < 0) {
		snprintf(r->err, sizeof(r->err), "missing field 'balance'");
		return -1;
	}
	if (member_money(r, m, "balance", r->currency->exponent, &bal))
		return -1;
	avail = bal;
	if ((m = r->idx[TX_F_AVAILABLE_BALANCE]) >= 0 &&
	    member_money(r, m, "available_balance", r->currency->exponent, &avail))
		return -1;
	if ((m = r->idx[TX_F_TX_COUNT]) >= 0) {
		struct tx_str s = tx_record_text(r, m);
		char num[24];
		if (s.len == 0 || s.len >= sizeof(num)) {
			count = -1;
		} else {
			memcpy(num, s.p, s.len);
			num[s.len] = '\0';
			if (tx_parse_int64(num, 0, INT64_MAX, &count))
				count = -1;
		}
		if (count < 0) {
			snprintf(r->err, sizeof(r->err), "field 'tx_count' is not a count");
			return -1;
		}
	}
	if (__builtin_sub_overflow(bal, avail, &reserved)) { /* avail = bal - reserved fits then */
		snprintf(r->err, sizeof(r->err), "field 'available_balance' is out of range");
		return -1;
	}
	if (reserved < 0) { /* a negative reservation would lift the overdraft limit */
		snprintf(r->err, sizeof(r->err),
			 "field 'available_balance' is greater than 'balance'");
		return -1;
	}
	i = tx_map_insert3(&l->accounts, r->currency->code, r->account.p, r->account.len,
			   acct_hash(r->account.p, r->account.len, r->currency), &created);
	if (i < 0) {
		snprintf(r->err, sizeof(r->err), "too many accounts");
		return -1;
	}
	if (!created) {
		snprintf(r->err, sizeof(r->err),
			 "account and currency listed twice (or after a transaction line)");
		return -1;
	}
	a = tx_ledger_acct(l, (uint32_t)i);
	a->cur = r->currency;
	a->balance = bal;
	a->reserved = reserved;
	a->tx_count = (uint64_t)count;
	return 0;
}

int tx_ledger_load(struct tx_ledger *l, const char *path)
{
	struct tx_lines lr;
	struct tx_record r;
	char *line;
	size_t len;
	int rc, ret = 0;

	if (tx_lines_open(&lr, path) < 0)
		return -1;
	tx_record_init(&r);
	while ((rc = tx_lines_next(&lr, &line, &len)) > 0) {
		if (tx_line_blank(line, len))
			continue;
		if (load_line(l, &r, line, len)) {
			ret = tx_error("%s:%llu: %s", lr.source, (unsigned long long)lr.lineno,
				       r.err);
			break;
		}
	}
	if (rc < 0)
		ret = -1;
	tx_record_release(&r);
	tx_lines_release(&lr);
	return ret;
}

static int cmp_entries(const void *pa, const void *pb, void *arg)
{
	const struct tx_ledger *l = arg;
	uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
	size_t la, lb;
	const char *a = tx_ledger_account_name(l, ia, &la), *b = tx_ledger_account_name(l, ib, &lb);
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c)
		return c;
	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(tx_ledger_acct(l, ia)->cur->code, tx_ledger_acct(l, ib)->cur->code, 3);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int tx_ledger_save(const struct tx_ledger *l, const char *path)
{
	uint32_t n = tx_ledger_count(l), *order = tx_malloc((size_t)(n ? n : 1) * sizeof(*order));
	struct tx_buf b = TX_BUF_INIT, tmp = TX_BUF_INIT;
	const char *slash = strrchr(path, '/');
	int fd, dfd, ret = -1;
	uint32_t i;

	for (i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_entries, (void *)l);
	tx_buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		tx_error_errno("cannot open '%s' for writing", tmp.p);
		goto out;
	}
	for (i = 0; i < n; i++) {
		tx_ledger_format(l, order[i], &b);
		if (b.len >= 1 << 20 || i + 1 == n) {
			if (write_all(fd, b.p, b.len))
				break;
			tx_buf_reset(&b);
		}
	}
	if (i < n || fsync(fd) < 0) {
		tx_error_errno("write error on '%s'", tmp.p);
		close(fd);
		unlink(tmp.p);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp.p, path) < 0) {
		tx_error_errno("cannot write '%s'", path);
		unlink(tmp.p);
		goto out;
	}
	/* the rename itself is durable only once the directory is synced */
	tx_buf_reset(&tmp);
	if (slash)
		tx_buf_add(&tmp, path, slash == path ? 1 : (size_t)(slash - path));
	else
		tx_buf_addch(&tmp, '.');
	dfd = open(tmp.p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		tx_error_errno("cannot sync directory '%s'", tmp.p);
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	close(dfd);
	ret = 0;
out:
	free(order);
	tx_buf_release(&b);
	tx_buf_release(&tmp);
	return ret;
}

/*
 * record.h: the transaction record codec (tx-record(5) is the user's view).
 *
 * A record is one JSON object on one line. tx_record_parse() validates the
 * whole line as strict JSON (RFC 8259: what jansson accepts, and only that)
 * in one pass, without building a DOM, and pulls out the fields txkit knows.
 * Every other member stays where it is, byte for byte: tx_record_write()
 * copies the original line and splices in only the members a program owns.
 *
 * Ownership: a parsed record borrows the line (r->line) and must not outlive
 * it; strings that had escapes are decoded into r->scratch, owned by the
 * record. Initialise once with tx_record_init(), reuse for every line (no
 * allocation per line once buffers have grown), tx_record_release() at end.
 */
#ifndef TX_RECORD_H
#define TX_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "fastpath.h"
#include "money.h"

/* Fields txkit knows. Canonical names in tx_field_name(). */
enum tx_field {
	TX_F_TRANSACTION_ID, /* "transaction_id": string, required */
	TX_F_ACCOUNT,	     /* "account": string or integer, required */
	TX_F_TYPE,	     /* "type" (alias "transaction_type"): enum tx_type */
	TX_F_AMOUNT,	     /* "amount": number or string, decimal, >= 0 */
	TX_F_CURRENCY,	     /* "currency": ISO 4217 code, default USD */
	TX_F_TS,	     /* "ts": RFC 3339 event time */
	TX_F_COUNTERPARTY,   /* "counterparty": account, required for transfers */
	TX_F_STATUS,	     /* "status": pending | completed | failed */
	TX_F_OP,	     /* "op": create | update | delete, default create */
	TX_F_SOURCE,	     /* "source": Kafka position object, added by txsub */
	/* Fields txbal owns (it adds or replaces them): */
	TX_F_REASON,		   /* "reason": why a record failed, string */
	TX_F_NEW_BALANCE,	   /* "new_balance": posted balance after */
	TX_F_AVAILABLE_BALANCE,	   /* "available_balance": posted minus reserved */
	TX_F_TX_COUNT,		   /* "tx_count": per-account transaction count */
	TX_F_COUNTERPARTY_BALANCE, /* "counterparty_balance" */
	TX_F_ALERTS,		   /* "alerts": array of rule names */
	TX_F_ANOMALY,		   /* "anomaly": txgen's injected-anomaly label */
	TX_F_DROPPED_FROM,	   /* "dropped_from": source offsets txbal dropped before */
	TX_F__COUNT
};

enum tx_type {
	TX_TYPE_NONE = 0,   /* field absent */
	TX_TYPE_DEPOSIT,    /* credit: aliases Credit, CASH_IN */
	TX_TYPE_WITHDRAWAL, /* debit: aliases Debit, withdraw, CASH_OUT, DEBIT */
	TX_TYPE_PAYMENT,    /* debit (card payment at a merchant): alias PAYMENT, purchase */
	TX_TYPE_TRANSFER,   /* debit of account, credit of counterparty: alias TRANSFER */
	TX_TYPE_FEE,	    /* debit */
	TX_TYPE_REFUND,	    /* credit */
	TX_TYPE__COUNT
};

enum tx_status { TX_STATUS_NONE = 0, TX_STATUS_PENDING, TX_STATUS_COMPLETED, TX_STATUS_FAILED };
enum tx_op { TX_OP_NONE = 0, TX_OP_CREATE, TX_OP_UPDATE, TX_OP_DELETE };

/* A decoded string: into the line when it had no escapes, else into scratch. */
struct tx_str {
	const char *p;
	size_t len;
};

/* One top-level member of the object, as byte offsets into the line. */
struct tx_member {
	uint32_t key_off, key_len; /* the key without its quotes (raw, may hold escapes) */
	uint32_t val_off, val_len; /* the value's raw JSON text */
	int field;		   /* enum tx_field, or -1 for a member txkit does not know */
	unsigned flags;		   /* TX_MEMBER_* */
};
enum {
	TX_MEMBER_KEY_ESCAPED = 1 << 0, /* the key holds a backslash escape */
	TX_MEMBER_VAL_ESCAPED = 1 << 1, /* the value is a string holding a backslash escape */
	/*
	 * A known field whose name and value are already in the form
	 * TX_WRITE_CANONICAL writes (set by a full parse, not with
	 * TX_PARSE_JSON_ONLY): the writer leaves it as it is without looking.
	 */
	TX_MEMBER_CANONICAL = 1 << 2,
};

/* The Kafka source position txsub adds: "source":{"topic":..,"partition":..,...} */
struct tx_source {
	struct tx_str topic;
	int32_t partition;
	int64_t offset;
	int64_t ts_us;	       /* broker/produce timestamp, -1 when absent */
	struct tx_str key;     /* message key; key.p == NULL when the message had none */
	struct tx_str cluster; /* Kafka cluster id; cluster.p == NULL when absent */
};

struct tx_record {
	const char *line; /* borrowed */
	size_t len;

	struct tx_member *members; /* all top-level members, in order */
	size_t nmembers, members_cap;
	int idx[TX_F__COUNT]; /* index into members of each known field, -1 if absent */

	struct tx_str id, account, counterparty, anomaly;
	enum tx_type type;
	enum tx_status status; /* TX_STATUS_NONE when absent (create means completed) */
	enum tx_op op;	       /* TX_OP_CREATE when absent */
	const struct tx_currency *currency; /* never NULL after a successful parse */
	int64_t amount;			    /* minor units; valid when idx[TX_F_AMOUNT] >= 0 */
	int64_t ts_us;			    /* valid when idx[TX_F_TS] >= 0 */
	int has_source;
	struct tx_source source;
	int other_type; /* "type" names none of txkit's types (TX_PARSE_ANY_TYPE) */

	/* known members, and those of them marked TX_MEMBER_CANONICAL */
	uint32_t nknown, ncanonical;
	int repeated; /* a known field appears more than once (TX_PARSE_JSON_ONLY allows it) */

	struct tx_buf scratch;	  /* decoded strings with escapes */
	char err[256];		  /* why the last parse failed */
	struct tx_parser *parser; /* see tx_record_use_parser() */
	int own_parser;		  /* made at the first parse, freed by tx_record_release() */
};

void tx_record_init(struct tx_record *r);
void tx_record_release(struct tx_record *r);

/*
 * What a parser remembers of the records it parsed: their keys by
 * position, the shapes those make, the last currency, the last date of
 * "ts" and that of "source" (txsub's broker time). Streams
 * repeat themselves, so most parses match what it remembers and go faster;
 * no result depends on it (TX_REFERENCE=guess,value,time parses without it,
 * and tests/fuzz/fuzz-record.c compares). Nothing is per thread or global:
 * a record makes its own at its first parse, so what a parse does depends
 * only on the lines that record parsed before. Records that take turns
 * on one stream (txbal's batch) share one: tx_parser_new(), then
 * tx_record_use_parser() on each (borrowed: tx_parser_free() it after
 * releasing them).
 */
struct tx_parser;
struct tx_parser *tx_parser_new(void);
void tx_parser_free(struct tx_parser *ps);
void tx_record_use_parser(struct tx_record *r, struct tx_parser *ps);

/* What tx_record_parse() checks beyond strict JSON. */
enum {
	/*
	 * Require what tx-record(5) requires of a transaction: transaction_id
	 * and account always; type and amount unless op is update or delete;
	 * counterparty for transfers. Without it only the JSON, the types of
	 * the fields that are present, and their values are checked.
	 */
	TX_PARSE_REQUIRE = 1 << 0,
	/*
	 * Check the JSON and index the members only (r->members, r->idx):
	 * the known fields are not interpreted, so any JSON object passes
	 * (alert and aggregate lines, other people's events). r->id,
	 * r->account and the other decoded fields stay empty; use
	 * tx_record_find() and tx_record_text(). Repeated names are allowed,
	 * as jansson allows them. Not to be combined with TX_PARSE_REQUIRE.
	 */
	TX_PARSE_JSON_ONLY = 1 << 1,
	/*
	 * A "type" that names none of txkit's types is not an error: the
	 * record is not a transaction (a balance notice, another producer's
	 * event), r->other_type is set, r->type stays TX_TYPE_NONE, and
	 * TX_PARSE_REQUIRE requires nothing of it. For programs that only
	 * display records (txlog, txtop), which show its type as "other".
	 */
	TX_PARSE_ANY_TYPE = 1 << 2,
};

/*
 * Parse one line (without its '\n'). Returns 0, or -1 with r->err holding a
 * message such as "field 'amount' has more than 2 decimals for its
 * currency" or "invalid JSON at byte 17: expected ',' or '}'" (no source or
 * line: the caller prefixes those with tx_warn_at()).
 */
int tx_record_parse(struct tx_record *r, const char *line, size_t len, unsigned flags);

/*
 * Who a parsed record is, for a message about it: "transaction 'ID'" and,
 * when it carries a source (txsub's), ", topic T partition P offset O",
 * appended to b; values cut at about 40 bytes, control bytes as '?'.
 */
void tx_record_describe(const struct tx_record *r, struct tx_buf *b);

/*
 * The type a word names, as the codec reads "type": a canonical word or an
 * alias ("Credit", "CASH_OUT", "withdraw"), without regard to case;
 * TX_TYPE_NONE when it names none. For programs that map foreign records.
 */
enum tx_type tx_type_parse(const char *s, size_t len);
/* The known field (enum tx_field) a plain key names, its aliases included; -1 for none. */
int tx_field_lookup(const char *name, size_t len);
/* s[0..len) is word (given in lower case) without regard to ASCII case. */
int tx_word_ieq(const char *s, size_t len, const char *word);
/*
 * A value as the codec's messages show it, in buf (size >= 8): at most
 * size - 4 bytes, cut on a UTF-8 boundary and followed by "...", control
 * bytes as '?'. Returns buf.
 */
const char *tx_record_shown(char *buf, size_t size, const char *s, size_t len);
/* Canonical field name ("transaction_id"), and the canonical type/status/op words. */
const char *tx_field_name(enum tx_field f);
const char *tx_type_name(enum tx_type t);
const char *tx_status_name(enum tx_status s);
const char *tx_op_name(enum tx_op o);
/*
 * +1 for credits (deposit, refund), -1 for debits (withdrawal, payment, fee,
 * transfer), 0 for none. Inline: the ledger asks for every record.
 */
static inline int tx_type_sign(enum tx_type t)
{
	switch (t) {
	case TX_TYPE_DEPOSIT:
	case TX_TYPE_REFUND: return 1;
	case TX_TYPE_WITHDRAWAL:
	case TX_TYPE_PAYMENT:
	case TX_TYPE_TRANSFER:
	case TX_TYPE_FEE: return -1;
	default: return 0;
	}
}

/*
 * Find a top-level member by its (unescaped) name. Returns its index in
 * r->members or -1. For --key FIELD, templates and other by-name access.
 */
int tx_record_find(const struct tx_record *r, const char *name, size_t name_len);
/* The raw JSON text of a member's value. */
static inline struct tx_str tx_record_raw(const struct tx_record *r, int member)
{
	struct tx_str s = {r->line + r->members[member].val_off, r->members[member].val_len};
	return s;
}
/*
 * A member's value as text: strings decoded (into r->scratch), numbers,
 * true/false/null as their JSON text, objects and arrays as raw JSON.
 */
struct tx_str tx_record_text(struct tx_record *r, int member);

/* The members txbal writes into a record, decoded by tx_record_ledger(). */
struct tx_ledger_fields {
	unsigned have;		      /* TX_LEDGER_BIT() of each member decoded */
	int64_t new_balance;	      /* minor units of the record's currency */
	int64_t available_balance;    /* minor units; <= new_balance when both are had */
	int64_t tx_count;	      /* >= 0 */
	int64_t counterparty_balance; /* minor units */
	int64_t dropped_from;	      /* a Kafka offset, >= 0 */
};
#define TX_LEDGER_BIT(f) (1u << (f))
#define TX_LEDGER_ALL                                                                              \
	(TX_LEDGER_BIT(TX_F_NEW_BALANCE) | TX_LEDGER_BIT(TX_F_AVAILABLE_BALANCE) |                 \
	 TX_LEDGER_BIT(TX_F_TX_COUNT) | TX_LEDGER_BIT(TX_F_COUNTERPARTY_BALANCE) |                 \
	 TX_LEDGER_BIT(TX_F_DROPPED_FROM))
/*
 * Decode, of the members in want (TX_LEDGER_BIT()s) that r has, txbal's:
 * the balances exactly, with r's currency exponent (a number or a string,
 * as tx_money_parse() reads it), tx_count and dropped_from as integers >= 0.
 * On demand: tx_record_parse() does none of this. out->have says which
 * were had; the others are 0. Checked in the order dropped_from,
 * new_balance, available_balance (and that it is not greater than
 * new_balance), tx_count, counterparty_balance; the first bad one gives -1
 * and err ("field 'tx_count' is not a count"). Returns 0 otherwise.
 */
int tx_record_ledger(const struct tx_record *r, unsigned want, struct tx_ledger_fields *out,
		     char *err, size_t errlen);

/* A change to make while writing a record out. */
struct tx_edit {
	enum tx_field field;
	const char *value; /* raw JSON text of the new value; NULL removes the member */
	size_t len;
};

enum {
	/*
	 * Also write the known fields in canonical form: alias names
	 * ("transaction_type") become canonical names in place, alias values
	 * ("Credit") canonical words, and "amount" a JSON number with exactly
	 * the currency's decimals ("128.5" -> 128.50, "1500" JPY -> 1500).
	 */
	TX_WRITE_CANONICAL = 1 << 0,
};

/*
 * Append the record to out (no '\n'), applying edits: a field already in the
 * record is replaced in place, keeping its position; a new one is appended
 * at the end, in the order given. Unknown members are copied byte for byte.
 * A removed member takes the comma after it along (the one before it when it
 * was last); new members go right after the last member kept, before any
 * whitespace and the closing '}'. When several edits name one field, the
 * last one counts. r must hold a successfully parsed record (as for
 * tx_record_find() and tx_record_text()), and the line it borrows must
 * still be there.
 */
void tx_record_write(struct tx_buf *out, const struct tx_record *r, const struct tx_edit *edits,
		     size_t nedits, unsigned flags);

/*
 * tx_record_write()'s append-only fast case, for a writer that puts the new
 * values straight into the output (txbal, for nearly every record):
 *
 *	if (tx_record_append_ok(r, flags)) {
 *		char *w = tx_record_append_begin(out, r, room, set, nset);
 *		w = tx_record_put_member(w, TX_F_NEW_BALANCE);
 *		w = (the value's JSON text at w);
 *		...
 *		w = tx_record_append_end(r, w);
 *		out->len = (size_t)(w - out->p); (and a '\0' at w)
 *	}
 *
 * writes the bytes tx_record_write(out, r, edits, n, flags) writes for
 * edits that replace the values of the members in set and append the
 * others, in that order: tx_record_write() takes this way itself when it
 * can. Inline, so that the line is copied with two calls to memcpy.
 *
 * tx_record_append_ok(): r can be written so: parsed, with members, none
 * repeated, and with TX_WRITE_CANONICAL every known member in canonical
 * form already; and the fast path is on (TX_REFERENCE=plain turns it off:
 * write with tx_record_write() then, which takes its general way).
 *
 * tx_record_append_begin() makes room in out for the line, room bytes
 * and TX_RECORD_HEAD_COPY, and copies the line up to the end of its last
 * member, with the values of the nset members of set (present in r, in
 * their order in r, each once) replaced; it returns where to write. room:
 * the bytes the caller writes next, each member's ,"name": counted as 32,
 * and any after the record ('\n', '\0'). A new member is
 * tx_record_put_member() (its ,"name":, 24 bytes copied at once) then its
 * value; its field must be absent from r. tx_record_append_end() writes
 * what followed the last member ('}' and any whitespace around it) and
 * returns the new end.
 */
#define TX_RECORD_HEAD_COPY 24 /* the longest: ,"counterparty_balance": */
/*
 * ,"name": of each field, padded so that TX_RECORD_HEAD_COPY bytes can be
 * copied from offset 0 or 1. In this header rather than record_write.c:
 * for a field known at compile time the copy is then a few stores of
 * constants (each file that uses it has its own copy, 576 bytes).
 */
static const char tx_record_member_head[TX_F__COUNT][32] __attribute__((unused)) = {
    [TX_F_TRANSACTION_ID] = ",\"transaction_id\":",
    [TX_F_ACCOUNT] = ",\"account\":",
    [TX_F_TYPE] = ",\"type\":",
    [TX_F_AMOUNT] = ",\"amount\":",
    [TX_F_CURRENCY] = ",\"currency\":",
    [TX_F_TS] = ",\"ts\":",
    [TX_F_COUNTERPARTY] = ",\"counterparty\":",
    [TX_F_STATUS] = ",\"status\":",
    [TX_F_OP] = ",\"op\":",
    [TX_F_SOURCE] = ",\"source\":",
    [TX_F_REASON] = ",\"reason\":",
    [TX_F_NEW_BALANCE] = ",\"new_balance\":",
    [TX_F_AVAILABLE_BALANCE] = ",\"available_balance\":",
    [TX_F_TX_COUNT] = ",\"tx_count\":",
    [TX_F_COUNTERPARTY_BALANCE] = ",\"counterparty_balance\":",
    [TX_F_ALERTS] = ",\"alerts\":",
    [TX_F_ANOMALY] = ",\"anomaly\":",
    [TX_F_DROPPED_FROM] = ",\"dropped_from\":",
};
/* The length of each of those, ,"name": */
static const unsigned char tx_record_member_head_len[TX_F__COUNT] __attribute__((unused)) = {
    [TX_F_TRANSACTION_ID] = 18,
    [TX_F_ACCOUNT] = 11,
    [TX_F_TYPE] = 8,
    [TX_F_AMOUNT] = 10,
    [TX_F_CURRENCY] = 12,
    [TX_F_TS] = 6,
    [TX_F_COUNTERPARTY] = 16,
    [TX_F_STATUS] = 10,
    [TX_F_OP] = 6,
    [TX_F_SOURCE] = 10,
    [TX_F_REASON] = 10,
    [TX_F_NEW_BALANCE] = 15,
    [TX_F_AVAILABLE_BALANCE] = 21,
    [TX_F_TX_COUNT] = 12,
    [TX_F_COUNTERPARTY_BALANCE] = 24,
    [TX_F_ALERTS] = 10,
    [TX_F_ANOMALY] = 11,
    [TX_F_DROPPED_FROM] = 16,
};

static inline int tx_record_append_ok(const struct tx_record *r, unsigned flags)
{
	return (tx_fast & TX_FAST_PLAIN) && !r->repeated && r->nmembers &&
	       (!(flags & TX_WRITE_CANONICAL) || r->ncanonical == r->nknown);
}

static inline char *tx_record_append_begin(struct tx_buf *out, const struct tx_record *r,
					   size_t room, const struct tx_edit *set, size_t nset)
{
	const struct tx_member *last = &r->members[r->nmembers - 1];
	const char *line = r->line, *from = line, *body = line + last->val_off + last->val_len;
	char *w;

	room += r->len + TX_RECORD_HEAD_COPY;
	if (out->cap - out->len <= room)
		tx_buf_grow(out, room);
	w = out->p + out->len;
	for (size_t i = 0; i < nset; i++) {
		const struct tx_member *m = &r->members[r->idx[set[i].field]];
		memcpy(w, from, (size_t)(line + m->val_off - from));
		w += line + m->val_off - from;
		memcpy(w, set[i].value, set[i].len);
		w += set[i].len;
		from = line + m->val_off + m->val_len;
	}
	memcpy(w, from, (size_t)(body - from));
	return w + (body - from);
}

static inline char *tx_record_put_member(char *w, enum tx_field f)
{
	memcpy(w, tx_record_member_head[f], TX_RECORD_HEAD_COPY);
	return w + tx_record_member_head_len[f];
}

static inline char *tx_record_append_end(const struct tx_record *r, char *w)
{
	const struct tx_member *last = &r->members[r->nmembers - 1];
	size_t body = last->val_off + last->val_len, n = r->len - body;

	if (n == 1) { /* '}' alone, what nearly every line has: no call */
		*w = r->line[body];
		return w + 1;
	}
	memcpy(w, r->line + body, n);
	return w + n;
}

/*
 * Append to out the JSON object text obj[0..len) with the member of field f
 * set to value[0..vlen) (raw JSON), for a program that passes records on
 * without parsing them (txsub's "source"): when at is not NULL, [at,
 * at_end) is that member's value in obj, replaced in place; else the member
 * is new, and goes where tx_record_write() puts a new member: right after
 * the last member, before the whitespace ahead of the closing brace. obj
 * must be a valid JSON object, maybe followed by whitespace.
 */
void tx_record_splice_member(struct tx_buf *out, const char *obj, size_t len, const char *at,
			     const char *at_end, enum tx_field f, const char *value, size_t vlen);

#endif

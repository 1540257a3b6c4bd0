/*
 * The transaction record codec: see record.h, and tx-record(5) for the
 * format. One pass of json.c's strict scanner over the line records every
 * top-level member; the known fields are then checked and decoded from
 * their spans. Nothing is allocated per line once the record's buffers have
 * grown to the longest line seen.
 *
 * Decoded strings live in r->scratch, which is sized once per parse to
 * 2 * len + 2 bytes and never reallocated until the next parse, so every
 * pointer handed out stays valid for the record's lifetime. A string whose
 * raw JSON starts at byte i of the line decodes to scratch + i during the
 * parse, and to scratch + len + 1 + i in tx_record_text(): decoding never
 * lengthens, so those slots cannot overlap.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "money.h"
#include "record.h"
#include "record_impl.h"
#include "timefmt.h"
#include "tx.h"

const char *const tx_record_field_names[TX_F__COUNT] = {
    [TX_F_TRANSACTION_ID] = "transaction_id",
    [TX_F_ACCOUNT] = "account",
    [TX_F_TYPE] = "type",
    [TX_F_AMOUNT] = "amount",
    [TX_F_CURRENCY] = "currency",
    [TX_F_TS] = "ts",
    [TX_F_COUNTERPARTY] = "counterparty",
    [TX_F_STATUS] = "status",
    [TX_F_OP] = "op",
    [TX_F_SOURCE] = "source",
    [TX_F_REASON] = "reason",
    [TX_F_NEW_BALANCE] = "new_balance",
    [TX_F_AVAILABLE_BALANCE] = "available_balance",
    [TX_F_TX_COUNT] = "tx_count",
    [TX_F_COUNTERPARTY_BALANCE] = "counterparty_balance",
    [TX_F_ALERTS] = "alerts",
    [TX_F_ANOMALY] = "anomaly",
    [TX_F_DROPPED_FROM] = "dropped_from",
};

const unsigned char tx_record_field_name_len[TX_F__COUNT] = {
    [TX_F_TRANSACTION_ID] = sizeof("transaction_id") - 1,
    [TX_F_ACCOUNT] = sizeof("account") - 1,
    [TX_F_TYPE] = sizeof("type") - 1,
    [TX_F_AMOUNT] = sizeof("amount") - 1,
    [TX_F_CURRENCY] = sizeof("currency") - 1,
    [TX_F_TS] = sizeof("ts") - 1,
    [TX_F_COUNTERPARTY] = sizeof("counterparty") - 1,
    [TX_F_STATUS] = sizeof("status") - 1,
    [TX_F_OP] = sizeof("op") - 1,
    [TX_F_SOURCE] = sizeof("source") - 1,
    [TX_F_REASON] = sizeof("reason") - 1,
    [TX_F_NEW_BALANCE] = sizeof("new_balance") - 1,
    [TX_F_AVAILABLE_BALANCE] = sizeof("available_balance") - 1,
    [TX_F_TX_COUNT] = sizeof("tx_count") - 1,
    [TX_F_COUNTERPARTY_BALANCE] = sizeof("counterparty_balance") - 1,
    [TX_F_ALERTS] = sizeof("alerts") - 1,
    [TX_F_ANOMALY] = sizeof("anomaly") - 1,
    [TX_F_DROPPED_FROM] = sizeof("dropped_from") - 1,
};

static const char *const type_names[TX_TYPE__COUNT] = {
    [TX_TYPE_NONE] = "",
    [TX_TYPE_DEPOSIT] = "deposit",
    [TX_TYPE_WITHDRAWAL] = "withdrawal",
    [TX_TYPE_PAYMENT] = "payment",
    [TX_TYPE_TRANSFER] = "transfer",
    [TX_TYPE_FEE] = "fee",
    [TX_TYPE_REFUND] = "refund",
};

/* Every spelling accepted for a type, matched without regard to case. */
static const struct {
	const char *word;
	enum tx_type type;
} type_words[] = {
    {"deposit", TX_TYPE_DEPOSIT},
    {"credit", TX_TYPE_DEPOSIT},
    {"cash_in", TX_TYPE_DEPOSIT},
    {"withdrawal", TX_TYPE_WITHDRAWAL},
    {"withdraw", TX_TYPE_WITHDRAWAL},
    {"debit", TX_TYPE_WITHDRAWAL},
    {"cash_out", TX_TYPE_WITHDRAWAL},
    {"payment", TX_TYPE_PAYMENT},
    {"purchase", TX_TYPE_PAYMENT},
    {"transfer", TX_TYPE_TRANSFER},
    {"fee", TX_TYPE_FEE},
    {"refund", TX_TYPE_REFUND},
};

const char *tx_field_name(enum tx_field f)
{
	return (unsigned)f < TX_F__COUNT ? tx_record_field_names[f] : "";
}

const char *tx_type_name(enum tx_type t)
{
	return (unsigned)t < TX_TYPE__COUNT ? type_names[t] : "";
}

const char *tx_status_name(enum tx_status s)
{
	switch (s) {
	case TX_STATUS_PENDING: return "pending";
	case TX_STATUS_COMPLETED: return "completed";
	case TX_STATUS_FAILED: return "failed";
	case TX_STATUS_NONE: break;
	}
	return "";
}

const char *tx_op_name(enum tx_op o)
{
	switch (o) {
	case TX_OP_CREATE: return "create";
	case TX_OP_UPDATE: return "update";
	case TX_OP_DELETE: return "delete";
	case TX_OP_NONE: break;
	}
	return "";
}

void tx_record_init(struct tx_record *r)
{
	memset(r, 0, sizeof(*r));
	tx_buf_init(&r->scratch);
	for (int i = 0; i < TX_F__COUNT; i++)
		r->idx[i] = -1;
	r->op = TX_OP_CREATE;
	r->currency = tx_currency_default();
}

void tx_record_release(struct tx_record *r)
{
	if (r->own_parser)
		tx_parser_free(r->parser);
	free(r->members);
	tx_buf_release(&r->scratch);
	tx_record_init(r);
}

/* The known field a (decoded) key names, the alias included, or -1. */
static int field_lookup(const char *k, size_t n)
{
#define IS(s) name_eq(k, s, sizeof(s) - 1)
	switch (n) {
	case 2:
		if (IS("ts"))
			return TX_F_TS;
		if (IS("op"))
			return TX_F_OP;
		break;
	case 4:
		if (IS("type"))
			return TX_F_TYPE;
		break;
	case 6:
		switch (k[0]) {
		case 'a':
			if (IS("amount"))
				return TX_F_AMOUNT;
			if (IS("alerts"))
				return TX_F_ALERTS;
			break;
		case 's':
			if (IS("status"))
				return TX_F_STATUS;
			if (IS("source"))
				return TX_F_SOURCE;
			break;
		case 'r':
			if (IS("reason"))
				return TX_F_REASON;
			break;
		}
		break;
	case 7:
		if (IS("account"))
			return TX_F_ACCOUNT;
		if (IS("anomaly"))
			return TX_F_ANOMALY;
		break;
	case 8:
		if (IS("currency"))
			return TX_F_CURRENCY;
		if (IS("tx_count"))
			return TX_F_TX_COUNT;
		break;
	case 11:
		if (IS("new_balance"))
			return TX_F_NEW_BALANCE;
		break;
	case 12:
		if (IS("counterparty"))
			return TX_F_COUNTERPARTY;
		if (IS("dropped_from"))
			return TX_F_DROPPED_FROM;
		break;
	case 14:
		if (IS("transaction_id"))
			return TX_F_TRANSACTION_ID;
		break;
	case 16:
		if (IS("transaction_type"))
			return TX_F_TYPE;
		break;
	case 17:
		if (IS("available_balance"))
			return TX_F_AVAILABLE_BALANCE;
		break;
	case 20:
		if (IS("counterparty_balance"))
			return TX_F_COUNTERPARTY_BALANCE;
		break;
	}
	return -1;
#undef IS
}

/* The field a raw key (which may hold escapes) names. */
static int key_field(const char *raw, size_t n)
{
	char tmp[128];

	if (!memchr(raw, '\\', n))
		return field_lookup(raw, n);
	if (n > sizeof(tmp)) /* six bytes per escaped char: longer than any name */
		return -1;
	return field_lookup(tmp, tx_json_unescape(tmp, raw, n));
}

/*
 * The keys of the records parsed before, by position: `"key":` as it was
 * written, with the field it names. Streams repeat one shape or a few, so
 * the key at position i is nearly always the one seen there last time; a
 * match of those bytes stands for the string scan, the ':' and the name
 * lookup (a key in the guess is plain ASCII without escapes, so matching
 * bytes are that same valid key). In the record's parser (struct tx_parser).
 *
 * A guess is replaced when it missed in two records in a row: a stream
 * that mixes shapes (a few transfers with "counterparty" where most
 * records have "merchant") keeps the common key, and with it the shapes
 * below, instead of trading them back and forth.
 */
struct key_guess {
	_Alignas(16) char text[32]; /* "key": */
	uint16_t ignore[2];	    /* bits of the bytes of text[0..16) and text[16..32) past len */
	uint8_t len;		    /* bytes of text, 0 for no guess */
	int8_t field;		    /* enum tx_field or -1 */
	uint8_t mf;		    /* TX_MEMBER_CANONICAL: the key is the field's canonical name */
	uint32_t missed;	    /* the value of parses when it last missed */
};
#define GUESSES 16

/*
 * What the members' keys make of r->idx and the counts, for records whose
 * every key matched its guess: the same for every record of that many
 * members until a guess changes, so worked out once (index_members()) and
 * then copied. shapes[n] is for n members, valid when bit n of
 * shapes_valid is set; it depends on guesses[0..n), so a new guess at i
 * clears the bits above i.
 */
struct shape {
	int idx[TX_F__COUNT];
	unsigned seen; /* bit f: field f is present */
	uint32_t nknown, ncanon;
	int dup;	/* the first field that appears twice, or -1 */
	unsigned canon; /* TX_MEMBER_CANONICAL unless TX_PARSE_JSON_ONLY */
};

/* What a parser remembers: see tx_record_use_parser() in record.h. */
struct tx_parser {
	struct key_guess guesses[GUESSES];
	struct shape shapes[GUESSES + 1];
	uint32_t shapes_valid;
	uint32_t parses;		    /* records parsed (wrapping), for key_guess.missed */
	const struct tx_currency *currency; /* the last one found, or NULL */
	struct tx_time_day day;		    /* the last date (timefmt.h) */
	/*
	 * The last date of a "source" member's ts, apart: a broker's time is
	 * today, a record's event time seldom is, and one cache for both would
	 * miss twice in every record txsub wrote.
	 */
	struct tx_time_day source_day;
};

/*
 * glibc's malloc() aligns to 16 bytes on 64-bit targets (and on i386 since
 * 2.26), as key_guess.text needs for eq16()'s aligned load.
 */
struct tx_parser *tx_parser_new(void)
{
	return tx_calloc(1, sizeof(struct tx_parser));
}

void tx_parser_free(struct tx_parser *ps)
{
	free(ps);
}

void tx_record_use_parser(struct tx_record *r, struct tx_parser *ps)
{
	if (r->own_parser)
		tx_parser_free(r->parser);
	r->parser = ps;
	r->own_parser = 0;
}

/* r's parser, made at its first parse when it has none */
static __attribute__((noinline)) struct tx_parser *own_parser(struct tx_record *r)
{
	r->parser = tx_parser_new();
	r->own_parser = 1;
	return r->parser;
}

static const struct tx_currency *default_currency(void)
{
	static _Thread_local const struct tx_currency *usd;

	if (!usd)
		usd = tx_currency_default();
	return usd;
}

/*
 * tx_currency_find(), remembering the last code found: records mostly repeat
 * one. Only with "value" on (fastpath.h).
 */
static inline const struct tx_currency *find_currency(struct tx_parser *ps, const char *s,
						      size_t len)
{
	const struct tx_currency *last = ps->currency;

	if (last && len == 3 && ld2(s) == ld2(last->code) && s[2] == last->code[2])
		return last;
	const struct tx_currency *c = tx_currency_find(s, len);
	if (c)
		ps->currency = c;
	return c;
}

/* "word" (quotes included) at p, within n bytes */
static inline int quoted_is(const char *p, size_t room, const char *word, size_t n)
{
	return room >= n + 2 && p[0] == '"' && p[n + 1] == '"' && name_eq(p + 1, word, n);
}

/* A plain string (no escapes, not empty) for an id, account or counterparty, into *s. */
static inline __attribute__((always_inline)) const char *
fast_str(struct tx_record *r, struct tx_str *s, const char *p, const char *end, unsigned fast)
{
	struct tx_json_err e;
	const char *q;
	int esc;

	if (*p != '"' || !(q = tx_json_scan_string_sel(r->line, p, end, &esc, &e, fast)) || esc ||
	    q - p < 3)
		return NULL;
	s->p = p + 1;
	s->len = (size_t)(q - p - 2);
	return q;
}

/* One of the canonical type words, told apart by their first letter. */
static inline __attribute__((always_inline)) const char *
fast_type(struct tx_record *r, const char *p, size_t room, int *type_word)
{
#define WORD(w, t)                                                                                 \
	if (!quoted_is(p, room, w, sizeof(w) - 1))                                                 \
		return NULL;                                                                       \
	r->type = t;                                                                               \
	*type_word = 1;                                                                            \
	return p + sizeof(w) + 1

	if (room < 5) /* "fee" */
		return NULL;
	switch (p[1]) {
	case 'p': WORD("payment", TX_TYPE_PAYMENT);
	case 'd': WORD("deposit", TX_TYPE_DEPOSIT);
	case 'w': WORD("withdrawal", TX_TYPE_WITHDRAWAL);
	case 't': WORD("transfer", TX_TYPE_TRANSFER);
	case 'f': WORD("fee", TX_TYPE_FEE);
	case 'r': WORD("refund", TX_TYPE_REFUND);
	}
	return NULL;
#undef WORD
}

/* One of the status words. */
static inline __attribute__((always_inline)) const char *fast_status(struct tx_record *r,
								     const char *p, size_t room)
{
	if (room < 8) /* "failed" */
		return NULL;
	switch (p[1]) {
	case 'c':
		if (!quoted_is(p, room, "completed", 9))
			return NULL;
		r->status = TX_STATUS_COMPLETED;
		return p + 11;
	case 'p':
		if (!quoted_is(p, room, "pending", 7))
			return NULL;
		r->status = TX_STATUS_PENDING;
		return p + 9;
	case 'f':
		if (!quoted_is(p, room, "failed", 6))
			return NULL;
		r->status = TX_STATUS_FAILED;
		return p + 8;
	}
	return NULL;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * The value of eight decimal digits, or fewer right-aligned after zero
 * bytes, one per byte (0 to 9), the first digit in the lowest byte: pairs,
 * then quads, then the eight, each step one multiply.
 */
static inline uint64_t digits8(uint64_t t)
{
	t = (t * 10 + (t >> 8)) & 0x00ff00ff00ff00ffULL;
	t = (t * 100 + (t >> 16)) & 0x0000ffff0000ffffULL;
	return (t * 10000 + (t >> 32)) & 0xffffffffULL;
}
#endif

/* An amount as a JSON number with two decimals, [1-9][0-9]*.dd or 0.dd, in hundredths */
static inline __attribute__((always_inline)) const char *fast_amount(int64_t *amount, const char *p,
								     const char *end)
{
	uint64_t v = 0;
	unsigned d1, d2;
	const char *q = p;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (end - p >= 8) {
		/*
		 * The integer digits eight bytes at a time (as in timefmt.h):
		 * the lowest byte that is not a digit ends them, the bytes below it
		 * are exact.
		 */
		uint64_t t = ld8(p) - 0x3030303030303030ULL;
		uint64_t nd = (t | (t + 0x0606060606060606ULL)) & 0xf0f0f0f0f0f0f0f0ULL;
		unsigned k;
		if (!nd)
			goto loop; /* eight digits or more */
		k = (unsigned)__builtin_ctzll(nd) >> 3;
		if (k == 0 || (k > 1 && *p == '0'))
			return NULL;		/* no digit, or a leading zero */
		v = digits8(t << (64 - 8 * k)); /* k: 1 to 7 */
		q = p + k;
		goto frac;
	}
loop:
#endif
	if ((unsigned)(*q - '1') <= 8) {
		while (q < end && (unsigned)(*q - '0') <= 9 && q - p < 15)
			v = v * 10 + (unsigned)(*q++ - '0');
	} else if (*q == '0') {
		q++;
	} else {
		return NULL;
	}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
frac:
#endif
	if (end - q < 3 || q[0] != '.' || (d1 = (unsigned)(q[1] - '0')) > 9 ||
	    (d2 = (unsigned)(q[2] - '0')) > 9)
		return NULL;
	q += 3;
	if (q < end && ((unsigned)(*q - '0') <= 9 || *q == 'e' || *q == 'E' || *q == '.'))
		return NULL;
	*amount = (int64_t)(v * 100 + d1 * 10 + d2);
	return q;
}

/* A timestamp, "2026-01-31T23:59:59.123456Z" with its quotes, into *ts_us. */
static inline __attribute__((always_inline)) const char *
fast_ts(int64_t *ts_us, const char *p, size_t room, unsigned fast, struct tx_time_day *day)
{
	/* what tx_time_parse() accepts is ASCII without quotes or backslashes */
	if (room < 29 || p[0] != '"' || p[28] != '"' ||
	    tx_time_parse_sel(p + 1, 27, ts_us, fast, day))
		return NULL;
	return p + 29;
}

/* A currency code, "USD" with its quotes. */
static inline __attribute__((always_inline)) const char *fast_currency(struct tx_record *r,
								       const char *p, size_t room)
{
	const struct tx_currency *c;

	if (room < 5 || p[0] != '"' || p[4] != '"' || (unsigned)(p[1] - 'A') > 25 ||
	    (unsigned)(p[2] - 'A') > 25 || (unsigned)(p[3] - 'A') > 25 ||
	    !(c = find_currency(r->parser, p + 1, 3)))
		return NULL;
	r->currency = c;
	return p + 5;
}

/* p past the n bytes of s when they are there, else NULL (n <= 24: name_eq()) */
static inline const char *skip_lit(const char *p, const char *end, const char *s, size_t n)
{
	return end - p >= (ptrdiff_t)n && name_eq(p, s, n) ? p + n : NULL;
}
#define SKIP_LIT(p, end, s) skip_lit(p, end, s, sizeof(s) - 1)

/* A plain string (no escapes) at p, its end, or NULL; its text into *s. */
static inline __attribute__((always_inline)) const char *
plain_str(struct tx_record *r, struct tx_str *s, const char *p, const char *end, unsigned fast)
{
	struct tx_json_err e;
	const char *q;
	int esc;

	if (p >= end || *p != '"' ||
	    !(q = tx_json_scan_string_sel(r->line, p, end, &esc, &e, fast)) || esc)
		return NULL;
	s->p = p + 1;
	s->len = (size_t)(q - p - 2);
	return q;
}

/*
 * A JSON integer from 0 to max (< 10^19) at p, its end, or NULL: no sign,
 * no leading zero, at most 19 digits, not followed by another digit (a
 * fraction or an exponent fails at the caller's next literal).
 */
static inline const char *plain_uint(const char *p, const char *end, uint64_t max, int64_t *out)
{
	const char *q = p;
	uint64_t v = 0;

	if (q >= end || (unsigned)(*q - '0') > 9)
		return NULL;
	if (*q == '0')
		q++;
	else
		while (q < end && (unsigned)(*q - '0') <= 9 && q - p < 19)
			v = v * 10 + (unsigned)(*q++ - '0');
	if ((q < end && (unsigned)(*q - '0') <= 9) || v > max)
		return NULL;
	*out = (int64_t)v;
	return q;
}

/*
 * txsub's "source" member as txsub writes it (build_source() in txsub.c),
 * {"topic":T,"partition":P,"offset":O[,"ts":TS][,"key":K|null][,"cluster":C]}
 * in that order, without whitespace or escapes: its JSON checked and its
 * values decoded into r->source in one pass, as parse_source() decodes
 * them. Anything else (another order, members it does not know, escapes,
 * a value parse_source() refuses) returns NULL, for the general scan and
 * parse_source(), which say what is wrong. r->has_source is parse_fields()'s
 * to set, where parse_source() would run: a parse that fails before leaves it 0.
 */
static __attribute__((noinline)) const char *fast_source(struct tx_record *r, const char *p,
							 const char *end, unsigned fast)
{
	struct tx_source *src = &r->source;
	const char *q;
	int64_t n;

	if (!(p = SKIP_LIT(p, end, "{\"topic\":")) ||
	    !(p = plain_str(r, &src->topic, p, end, fast)) || !src->topic.len ||
	    !(p = SKIP_LIT(p, end, ",\"partition\":")) || !(p = plain_uint(p, end, INT32_MAX, &n)))
		return NULL;
	src->partition = (int32_t)n;
	if (!(p = SKIP_LIT(p, end, ",\"offset\":")) ||
	    !(p = plain_uint(p, end, INT64_MAX, &src->offset)))
		return NULL;
	src->ts_us = -1;
	src->key.p = src->cluster.p = NULL;
	src->key.len = src->cluster.len = 0;
	if ((q = SKIP_LIT(p, end, ",\"ts\":"))) {
		struct tx_str ts;
		if (!(p = plain_str(r, &ts, q, end, fast)) ||
		    tx_time_parse_sel(ts.p, ts.len, &src->ts_us, fast, &r->parser->source_day))
			return NULL;
	}
	if ((q = SKIP_LIT(p, end, ",\"key\":")) && !(p = SKIP_LIT(q, end, "null")) &&
	    !(p = plain_str(r, &src->key, q, end, fast)))
		return NULL;
	if ((q = SKIP_LIT(p, end, ",\"cluster\":")) &&
	    (!(p = plain_str(r, &src->cluster, q, end, fast)) || !src->cluster.len))
		return NULL;
	return p < end && *p == '}' ? p + 1 : NULL;
}

/* q, noting in *pre that field f was decoded when it was (f a constant once inlined) */
static inline const char *decoded(unsigned *pre, int f, const char *q)
{
	if (q)
		*pre |= 1u << f;
	return q;
}

/*
 * The value of the known field f at p decoded straight from the line, when
 * it has the plain form nearly every record has (a string without escapes,
 * a canonical word, a timestamp in txkit's form, an amount with two
 * decimals): returns the end of the value, its JSON checked, or NULL to
 * leave it to the general scan and to parse_fields(), which also say what
 * is wrong. *type_word as for parse_type(). An amount is decoded with two
 * decimals, kept only when the currency turns out to have two; a "source"
 * when it has txsub's form (fast_source()). p < end.
 * Sets bit f of *pre when it decodes the value.
 */
static inline __attribute__((always_inline)) const char *value_fast(struct tx_record *r, int f,
								    const char *p, const char *end,
								    int *type_word, unsigned *pre,
								    unsigned fast)
{
	size_t room = (size_t)(end - p);

	switch (f) {
	case TX_F_TRANSACTION_ID: return decoded(pre, f, fast_str(r, &r->id, p, end, fast));
	case TX_F_ACCOUNT: return decoded(pre, f, fast_str(r, &r->account, p, end, fast));
	case TX_F_COUNTERPARTY: return decoded(pre, f, fast_str(r, &r->counterparty, p, end, fast));
	case TX_F_TS: return decoded(pre, f, fast_ts(&r->ts_us, p, room, fast, &r->parser->day));
	case TX_F_STATUS: return decoded(pre, f, fast_status(r, p, room));
	case TX_F_TYPE: return decoded(pre, f, fast_type(r, p, room, type_word));
	case TX_F_CURRENCY: return decoded(pre, f, fast_currency(r, p, room));
	case TX_F_AMOUNT: return decoded(pre, f, fast_amount(&r->amount, p, end));
	case TX_F_SOURCE: return decoded(pre, f, fast_source(r, p, end, fast));
	}
	return NULL;
}

static int fail(struct tx_record *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct tx_record *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * A value for a message: at most ~40 bytes, control bytes shown as '?', so a
 * hostile line cannot flood or garble the terminal.
 */
static const char *shown(char *buf, size_t size, const char *s, size_t n)
{
	size_t i, max = size - 4;

	if (n > max) {
		/* cut on a UTF-8 boundary */
		while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
			max--;
	}
	for (i = 0; i < n && i < max; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (n > max)
		memcpy(buf + i, "...", 3), i += 3;
	buf[i] = '\0';
	return buf;
}

void tx_record_describe(const struct tx_record *r, struct tx_buf *b)
{
	char buf[48];

	tx_buf_adds(b, "transaction '");
	tx_buf_adds(b, shown(buf, sizeof(buf), r->id.p, r->id.len));
	tx_buf_addch(b, '\'');
	if (r->has_source) {
		tx_buf_adds(b, ", topic ");
		tx_buf_adds(b, shown(buf, sizeof(buf), r->source.topic.p, r->source.topic.len));
		tx_buf_adds(b, " partition ");
		tx_buf_add_int(b, r->source.partition);
		tx_buf_adds(b, " offset ");
		tx_buf_add_int(b, r->source.offset);
	}
}

/* Decode the string whose raw JSON (quotes included) is at off into its scratch slot. */
static void decode_at(struct tx_record *r, uint32_t off, uint32_t len, struct tx_str *out)
{
	char *dst = r->scratch.p + off;

	out->len = tx_json_unescape(dst, r->line + off + 1, len - 2);
	dst[out->len] = '\0';
	out->p = dst;
}

/* A string value, decoded, or -1 when the value is not a string. */
static int str_at(struct tx_record *r, uint32_t off, uint32_t len, struct tx_str *out)
{
	const char *raw = r->line + off;

	if (len < 2 || raw[0] != '"')
		return -1;
	if (memchr(raw + 1, '\\', len - 2)) {
		decode_at(r, off, len, out);
	} else {
		out->p = raw + 1;
		out->len = len - 2;
	}
	return 0;
}

/* The same for a top-level member, which knows whether it has escapes. */
static inline int member_str(struct tx_record *r, const struct tx_member *m, struct tx_str *out)
{
	if (r->line[m->val_off] != '"')
		return -1;
	if (m->flags & TX_MEMBER_VAL_ESCAPED) {
		decode_at(r, m->val_off, m->val_len, out);
	} else {
		out->p = r->line + m->val_off + 1;
		out->len = m->val_len - 2;
	}
	return 0;
}

static int is_integer(const char *raw, size_t len)
{
	unsigned shape = 0;
	struct tx_json_err e;

	return raw[0] != '"' && tx_json_scan_number(raw, raw + len, &shape, &e) == raw + len &&
	       !(shape & (TX_JSON_NUM_FRAC | TX_JSON_NUM_EXP));
}

/* A string, or an id/account given as a non-negative integer (its text is used). */
static int parse_id(struct tx_record *r, int f, int allow_int, struct tx_str *out)
{
	const struct tx_member *m = &r->members[r->idx[f]];

	if (member_str(r, m, out) == 0) {
		if (!out->len)
			return fail(r, "field '%s' is empty", tx_record_field_names[f]);
		return 0;
	}
	if (allow_int && is_integer(r->line + m->val_off, m->val_len) &&
	    r->line[m->val_off] != '-') {
		out->p = r->line + m->val_off;
		out->len = m->val_len;
		return 0;
	}
	if (allow_int)
		return fail(r, "field '%s' must be a string or a non-negative integer",
			    tx_record_field_names[f]);
	return fail(r, "field '%s' must be a string", tx_record_field_names[f]);
}

static int ieq(const char *a, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n && word[i]; i++) {
		char c = a[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != word[i])
			return 0;
	}
	return i == n && !word[i];
}

enum tx_type tx_type_parse(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(type_words) / sizeof(type_words[0]); i++)
		if (ieq(s, len, type_words[i].word))
			return type_words[i].type;
	return TX_TYPE_NONE;
}

int tx_field_lookup(const char *name, size_t len)
{
	return field_lookup(name, len);
}

int tx_word_ieq(const char *s, size_t len, const char *word)
{
	return ieq(s, len, word);
}

const char *tx_record_shown(char *buf, size_t size, const char *s, size_t len)
{
	return shown(buf, size, s, len);
}

/*
 * *word set when the value is one of the canonical words, as written; a
 * word that is no type is an error unless flags has TX_PARSE_ANY_TYPE
 */
static int parse_type(struct tx_record *r, int *word, unsigned flags)
{
	const struct tx_member *m = &r->members[r->idx[TX_F_TYPE]];
	struct tx_str s;
	char show[44];

	if (member_str(r, m, &s))
		return fail(r, "field 'type' must be a string");
	/* the canonical words first: what nearly every record has */
	switch (s.len) {
	case 3: r->type = name_eq(s.p, "fee", 3) ? TX_TYPE_FEE : TX_TYPE_NONE; break;
	case 6: r->type = name_eq(s.p, "refund", 6) ? TX_TYPE_REFUND : TX_TYPE_NONE; break;
	case 7:
		r->type = name_eq(s.p, "deposit", 7)   ? TX_TYPE_DEPOSIT
			  : name_eq(s.p, "payment", 7) ? TX_TYPE_PAYMENT
						       : TX_TYPE_NONE;
		break;
	case 8: r->type = name_eq(s.p, "transfer", 8) ? TX_TYPE_TRANSFER : TX_TYPE_NONE; break;
	case 10:
		r->type = name_eq(s.p, "withdrawal", 10) ? TX_TYPE_WITHDRAWAL : TX_TYPE_NONE;
		break;
	default: r->type = TX_TYPE_NONE; break;
	}
	if (r->type != TX_TYPE_NONE) {
		*word = 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(type_words) / sizeof(type_words[0]); i++)
		if (ieq(s.p, s.len, type_words[i].word)) {
			r->type = type_words[i].type;
			return 0;
		}
	if (flags & TX_PARSE_ANY_TYPE) {
		r->other_type = 1;
		return 0;
	}
	return fail(r, "field 'type' is not a known type: '%s'",
		    shown(show, sizeof(show), s.p, s.len));
}

static int parse_word(struct tx_record *r, int f, const char *const *words,
		      const unsigned char *lens, int n, int *out)
{
	const struct tx_member *m = &r->members[r->idx[f]];
	struct tx_str s;
	char show[44];

	if (member_str(r, m, &s))
		return fail(r, "field '%s' must be a string", tx_record_field_names[f]);
	for (int i = 0; i < n; i++)
		if (s.len == lens[i] && name_eq(s.p, words[i], s.len)) {
			*out = i + 1;
			return 0;
		}
	return fail(r, "field '%s' is not %s, %s or %s: '%s'", tx_record_field_names[f], words[0],
		    words[1], words[2], shown(show, sizeof(show), s.p, s.len));
}

static int parse_amount(struct tx_record *r)
{
	const struct tx_member *m = &r->members[r->idx[TX_F_AMOUNT]];
	const char *raw = r->line + m->val_off;
	struct tx_str s = {NULL, 0}; /* set below: initialised for GCC's -Wmaybe-uninitialized */
	enum tx_money_err e;
	char show[44];

	if (raw[0] == '"') {
		member_str(r, m, &s);
	} else if (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		s.p = raw;
		s.len = m->val_len;
	} else
		return fail(r, "field 'amount' must be a number or a string");
	if (s.len && s.p[0] == '-')
		return fail(r, "field 'amount' is negative");
	e = tx_money_parse(s.p, s.len, r->currency->exponent, &r->amount);
	if (e == TX_MONEY_SYNTAX) {
		if (memchr(s.p, 'e', s.len) || memchr(s.p, 'E', s.len))
			return fail(r, "field 'amount' uses exponent notation: '%s'",
				    shown(show, sizeof(show), s.p, s.len));
		return fail(r, "field 'amount' is not a plain decimal number: '%s'",
			    shown(show, sizeof(show), s.p, s.len));
	}
	if (e != TX_MONEY_OK)
		return fail(r, "field 'amount' %s", tx_money_strerror(e, r->currency->exponent));
	return 0;
}

/* A non-negative JSON integer no larger than max, or -1. */
static int parse_uint(const char *raw, size_t len, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (!is_integer(raw, len) || raw[0] == '-')
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v > (max - (raw[i] - '0')) / 10)
			return -1;
		v = v * 10 + (raw[i] - '0');
	}
	*out = v;
	return 0;
}

static const char *const source_keys[] = {"",	"topic", "partition", "offset",
					  "ts", "key",	 "cluster"};

/* Which member of "source" a raw key names: 1 to 6, or 0 for another. */
static int source_key(const char *raw, size_t n)
{
	char tmp[64];

	if (memchr(raw, '\\', n)) {
		if (n > sizeof(tmp))
			return 0;
		n = tx_json_unescape(tmp, raw, n);
		raw = tmp;
	}
	for (int i = 1; i < 7; i++)
		if (strlen(source_keys[i]) == n && !memcmp(source_keys[i], raw, n))
			return i;
	return 0;
}

/* "source":{"topic":..,"partition":..,"offset":..,"ts":..,"key":..,"cluster":..} */
static int parse_source(struct tx_record *r)
{
	const struct tx_member *m = &r->members[r->idx[TX_F_SOURCE]];
	const char *p = r->line + m->val_off, *end = p + m->val_len;
	struct tx_source *src = &r->source;
	struct tx_json_err e;
	int seen = 0;
	char show[44];

	if (*p != '{')
		return fail(r, "field 'source' must be an object");
	memset(src, 0, sizeof(*src));
	src->ts_us = -1;
	p = tx_json_skip_ws(p + 1, end);
	while (p < end && *p == '"') {
		const char *k = p + 1, *v, *vend;
		size_t klen;
		uint32_t voff;
		int which;
		int64_t n;

		p = tx_json_scan_string(p, end, NULL, &e);
		klen = (size_t)(p - 1 - k);
		p = tx_json_skip_ws(p, end);
		v = tx_json_skip_ws(p + 1, end); /* past ':' */
		vend = tx_json_scan_value(v, end, 3, &e);
		voff = (uint32_t)(v - r->line);
		p = tx_json_skip_ws(vend, end);
		if (*p == ',')
			p = tx_json_skip_ws(p + 1, end);

		which = source_key(k, klen);
		if (!which)
			continue;
		if (seen & (1 << which))
			return fail(r, "field 'source' has '%s' twice", source_keys[which]);
		seen |= 1 << which;
		switch (which) {
		case 1:
			if (str_at(r, voff, (uint32_t)(vend - v), &src->topic) || !src->topic.len)
				return fail(r, "field 'source.topic' must be a non-empty string");
			break;
		case 2:
			if (parse_uint(v, (size_t)(vend - v), INT32_MAX, &n))
				return fail(r, "field 'source.partition' must be an integer from 0 "
					       "to 2147483647");
			src->partition = (int32_t)n;
			break;
		case 3:
			if (parse_uint(v, (size_t)(vend - v), INT64_MAX, &n))
				return fail(r,
					    "field 'source.offset' must be a non-negative integer");
			src->offset = n;
			break;
		case 4: {
			struct tx_str ts;
			if (str_at(r, voff, (uint32_t)(vend - v), &ts))
				return fail(r, "field 'source.ts' must be a string");
			if (tx_time_parse_day(ts.p, ts.len, &src->ts_us, &r->parser->source_day))
				return fail(r,
					    "field 'source.ts' is not an RFC 3339 date-time: '%s'",
					    shown(show, sizeof(show), ts.p, ts.len));
			break;
		}
		case 5:
			if (*v == 'n') /* null: the message had no key */
				break;
			if (str_at(r, voff, (uint32_t)(vend - v), &src->key))
				return fail(r, "field 'source.key' must be a string or null");
			break;
		case 6:
			if (str_at(r, voff, (uint32_t)(vend - v), &src->cluster) ||
			    !src->cluster.len)
				return fail(r, "field 'source.cluster' must be a non-empty string");
			break;
		}
	}
	if (!(seen & 1 << 1))
		return fail(r, "field 'source' lacks 'topic'");
	if (!(seen & 1 << 2))
		return fail(r, "field 'source' lacks 'partition'");
	if (!(seen & 1 << 3))
		return fail(r, "field 'source' lacks 'offset'");
	r->has_source = 1;
	return 0;
}

/* s[0..n) is the C string word (s holds no NUL: JSON strings cannot). */
static inline int eq_word(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != word[i])
			return 0;
	return !word[n];
}

/* A raw value that is exactly "word" (quotes included). */
static int raw_is_word(const char *raw, size_t len, const char *word)
{
	return len >= 2 && raw[0] == '"' && eq_word(raw + 1, len - 2, word);
}

/*
 * An amount in canonical form: a plain number (no exponent: parse refused
 * those) with exactly e decimals. No '.' in a number without decimals is
 * looked for byte by byte: amounts are short, and a memchr call would cost
 * the common case its frame.
 */
static int amount_canonical(const char *raw, uint32_t len, int e)
{
	if (raw[0] == '"')
		return 0;
	if (e > 0)
		return len > (uint32_t)e + 1 && raw[len - (uint32_t)e - 1] == '.';
	for (uint32_t i = 0; i < len; i++)
		if (raw[i] == '.')
			return 0;
	return 1;
}

/* Whether a known member other than the amount is in canonical form. */
static __attribute__((noinline)) int word_canonical(const struct tx_record *r,
						    const struct tx_member *m)
{
	const char *raw = r->line + m->val_off;

	switch (m->field) {
	case TX_F_TYPE: return raw_is_word(raw, m->val_len, tx_type_name(r->type));
	case TX_F_STATUS: return raw_is_word(raw, m->val_len, tx_status_name(r->status));
	case TX_F_OP: return raw_is_word(raw, m->val_len, tx_op_name(r->op));
	case TX_F_CURRENCY: return raw_is_word(raw, m->val_len, r->currency->code);
	default: return 1;
	}
}

/*
 * Whether the known member's value is already in canonical form. The amount,
 * which the parse asks about for every record, without a call or a frame.
 * Here in the parser, which marks canonical members with it; the writer
 * asks it about the others.
 */
int tx_record_value_canonical(const struct tx_record *r, const struct tx_member *m)
{
	if (m->field == TX_F_AMOUNT)
		return amount_canonical(r->line + m->val_off, m->val_len, r->currency->exponent);
	return word_canonical(r, m);
}

/*
 * The parse marked every known member whose key is its canonical name
 * TX_MEMBER_CANONICAL; take the mark back from those whose value
 * tx_record_write() would rewrite (its checks, from what the parse already
 * knows). type_word: the type's value is a canonical word once unescaped.
 */
static void unmark(struct tx_record *r, int f, int ok)
{
	struct tx_member *m;

	if (r->idx[f] < 0 || ok)
		return;
	m = &r->members[r->idx[f]];
	if (m->flags & TX_MEMBER_CANONICAL) {
		m->flags &= ~(unsigned)TX_MEMBER_CANONICAL;
		r->ncanonical--;
	}
}

static void mark_canonical(struct tx_record *r, int type_word)
{
	const int *idx = r->idx;
#define PLAIN(f) (idx[f] < 0 || !(r->members[idx[f]].flags & TX_MEMBER_VAL_ESCAPED))
	unmark(r, TX_F_TYPE, type_word && PLAIN(TX_F_TYPE));
	/* these matched a word exactly, once unescaped */
	unmark(r, TX_F_STATUS, PLAIN(TX_F_STATUS));
	unmark(r, TX_F_OP, PLAIN(TX_F_OP));
	unmark(r, TX_F_CURRENCY, PLAIN(TX_F_CURRENCY));
	unmark(r, TX_F_AMOUNT,
	       idx[TX_F_AMOUNT] < 0 || tx_record_value_canonical(r, &r->members[idx[TX_F_AMOUNT]]));
#undef PLAIN
}

/*
 * Fields parse_fields() decodes, or checks for mark_canonical(), when
 * value_fast() has not decoded them already.
 */
#define BIT(f) (1u << (f))
#define SLOW_FIELDS                                                                                \
	(BIT(TX_F_TRANSACTION_ID) | BIT(TX_F_ACCOUNT) | BIT(TX_F_COUNTERPARTY) | BIT(TX_F_TYPE) |  \
	 BIT(TX_F_CURRENCY) | BIT(TX_F_AMOUNT) | BIT(TX_F_TS) | BIT(TX_F_STATUS) | BIT(TX_F_OP) |  \
	 BIT(TX_F_ANOMALY) | BIT(TX_F_SOURCE))
#define REQUIRED_FIELDS                                                                            \
	(BIT(TX_F_TRANSACTION_ID) | BIT(TX_F_ACCOUNT) | BIT(TX_F_TYPE) | BIT(TX_F_AMOUNT))

/*
 * Whether parse_fields() has nothing to do: every field present that it
 * would look at was decoded by value_fast() (so it is plain, and a type
 * is a canonical word), the amount with the currency's two decimals (so
 * it is canonical too: a number, no exponent, two decimals), and, with
 * TX_PARSE_REQUIRE, every required field is there (op is absent, so it is
 * a create).
 */
static inline int fields_done(const struct tx_record *r, unsigned flags, unsigned seen,
			      unsigned pre)
{
	if ((seen & ~pre & SLOW_FIELDS) || ((pre & BIT(TX_F_AMOUNT)) && r->currency->exponent != 2))
		return 0;
	return !(flags & TX_PARSE_REQUIRE) ||
	       ((seen & REQUIRED_FIELDS) == REQUIRED_FIELDS &&
		(r->type != TX_TYPE_TRANSFER || (seen & BIT(TX_F_COUNTERPARTY))));
}

/*
 * seen: bit f set for the fields present; pre: for those value_fast()
 * decoded; type_word as for parse_type().
 */
static inline __attribute__((always_inline)) int
parse_fields(struct tx_record *r, unsigned flags, unsigned seen, unsigned pre, int type_word)
{
	static const char *const statuses[] = {"pending", "completed", "failed"};
	static const char *const ops[] = {"create", "update", "delete"};
	static const unsigned char status_lens[] = {7, 9, 6}, op_lens[] = {6, 6, 6};
	const int *idx = r->idx;
	char show[44];
	int w;
/* present, and not decoded already by value_fast() */
#define UNDECODED(f) (idx[f] >= 0 && !(pre >> (f)&1))

	if (fields_done(r, flags, seen, pre)) {
		r->has_source = pre >> TX_F_SOURCE & 1; /* fast_source() decoded it */
		return 0; /* what nearly every record takes: the checks below would all pass */
	}
	if (UNDECODED(TX_F_TRANSACTION_ID) && parse_id(r, TX_F_TRANSACTION_ID, 0, &r->id))
		return -1;
	if (UNDECODED(TX_F_ACCOUNT) && parse_id(r, TX_F_ACCOUNT, 1, &r->account))
		return -1;
	if (UNDECODED(TX_F_COUNTERPARTY) && parse_id(r, TX_F_COUNTERPARTY, 1, &r->counterparty))
		return -1;
	if (UNDECODED(TX_F_TYPE) && parse_type(r, &type_word, flags))
		return -1;
	if (UNDECODED(TX_F_CURRENCY)) {
		const struct tx_member *m = &r->members[idx[TX_F_CURRENCY]];
		struct tx_str s;
		if (member_str(r, m, &s))
			return fail(r, "field 'currency' must be a string");
		if ((r->currency = (tx_fast & TX_FAST_VALUE)
				       ? find_currency(r->parser, s.p, s.len)
				       : tx_currency_find(s.p, s.len)) == NULL) {
			r->currency = default_currency();
			return fail(r, "field 'currency' is not a known ISO 4217 code: '%s'",
				    shown(show, sizeof(show), s.p, s.len));
		}
	}
	if ((pre >> TX_F_AMOUNT & 1) && r->currency->exponent != 2)
		pre &= ~(1u << TX_F_AMOUNT); /* decoded with the wrong number of decimals */
	if (UNDECODED(TX_F_AMOUNT) && parse_amount(r))
		return -1;
	if (UNDECODED(TX_F_TS)) {
		const struct tx_member *m = &r->members[idx[TX_F_TS]];
		struct tx_str s;
		if (member_str(r, m, &s))
			return fail(r, "field 'ts' must be a string");
		if (tx_time_parse_day(s.p, s.len, &r->ts_us, &r->parser->day))
			return fail(r, "field 'ts' is not an RFC 3339 date-time: '%s'",
				    shown(show, sizeof(show), s.p, s.len));
	}
	if (UNDECODED(TX_F_STATUS)) {
		if (parse_word(r, TX_F_STATUS, statuses, status_lens, 3, &w))
			return -1;
		r->status = (enum tx_status)w;
	}
	if (idx[TX_F_OP] >= 0) {
		if (parse_word(r, TX_F_OP, ops, op_lens, 3, &w))
			return -1;
		r->op = (enum tx_op)w;
	}
	if (idx[TX_F_ANOMALY] >= 0) {
		const struct tx_member *m = &r->members[idx[TX_F_ANOMALY]];
		if (member_str(r, m, &r->anomaly))
			return fail(r, "field 'anomaly' must be a string");
	}
	if (UNDECODED(TX_F_SOURCE) && parse_source(r))
		return -1;
	r->has_source = idx[TX_F_SOURCE] >= 0; /* by parse_source() or fast_source() */

	if ((flags & TX_PARSE_REQUIRE) && !r->other_type) {
		if (idx[TX_F_TRANSACTION_ID] < 0)
			return fail(r, "missing field 'transaction_id'");
		if (idx[TX_F_ACCOUNT] < 0)
			return fail(r, "missing field 'account'");
		if (r->op == TX_OP_CREATE) {
			if (idx[TX_F_TYPE] < 0)
				return fail(r, "missing field 'type'");
			if (idx[TX_F_AMOUNT] < 0)
				return fail(r, "missing field 'amount'");
		}
		if (r->type == TX_TYPE_TRANSFER && idx[TX_F_COUNTERPARTY] < 0)
			return fail(r, "missing field 'counterparty' (required for transfers)");
	}
	mark_canonical(r, type_word);
	return 0;
#undef UNDECODED
}

/* Room in r->scratch for a line of len bytes (see the top of the file). */
static __attribute__((noinline)) void grow_scratch(struct tx_record *r, size_t len)
{
	r->scratch.len = 0;
	tx_buf_grow(&r->scratch, 2 * len + 3);
}

/*
 * A record with nothing parsed yet, for a line of len bytes. r->idx is
 * left as it was: every parse sets it (index_members(), shapes).
 */
static inline void reset(struct tx_record *r, const char *line, size_t len)
{
	r->line = line;
	r->len = len;
	r->nmembers = 0;
	r->nknown = r->ncanonical = 0;
	r->repeated = 0;
	r->id.p = r->account.p = r->counterparty.p = r->anomaly.p = NULL;
	r->id.len = r->account.len = r->counterparty.len = r->anomaly.len = 0;
	r->type = TX_TYPE_NONE;
	r->status = TX_STATUS_NONE;
	r->op = TX_OP_CREATE;
	r->currency = default_currency();
	r->amount = 0;
	r->ts_us = 0;
	r->has_source = 0;
	r->other_type = 0;
	r->err[0] = '\0';
	if (r->scratch.cap < 2 * len + 3)
		grow_scratch(r, len);
}

/* a[0..n) == b[0..n) for 4 <= n <= 32, in word compares */
static inline int eq_guess(const char *a, const char *b, size_t n)
{
	if (n >= 16)
		return ((ld8(a) ^ ld8(b)) | (ld8(a + 8) ^ ld8(b + 8)) |
			(ld8(a + n - 16) ^ ld8(b + n - 16)) | (ld8(a + n - 8) ^ ld8(b + n - 8))) ==
		       0;
	if (n >= 8)
		return ((ld8(a) ^ ld8(b)) | (ld8(a + n - 8) ^ ld8(b + n - 8))) == 0;
	return ((ld4(a) ^ ld4(b)) | (ld4(a + n - 4) ^ ld4(b + n - 4))) == 0;
}

#ifdef TX_SSE2
/* Bit i set when p[i] == t[i], for i < 16 (t 16-byte aligned). */
static inline unsigned eq16(const char *p, const char *t)
{
	return (unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p),
			   _mm_load_si128((const __m128i *)(const void *)t)));
}
#endif

/* Whether the line at p starts with the guess g; simd: "simd" is on (fastpath.h). */
static inline __attribute__((always_inline)) int
guess_matches(const struct key_guess *g, const char *p, const char *end, int simd)
{
#ifdef TX_SSE2
	/*
	 * With 16 bytes of room (and "simd" on), one compare of 16 bytes, the bytes past the
	 * guess ignored (an empty guess ignores none: its zeros never match
	 * the '"' at p); a second one for the few guesses longer than 16.
	 */
	if (simd && end - p >= 16) {
		if ((eq16(p, g->text) | g->ignore[0]) != 0xffff)
			return 0;
		if (g->len <= 16)
			return 1;
		if (end - p >= 32)
			return (eq16(p + 16, g->text + 16) | g->ignore[1]) == 0xffff;
	}
#endif
	(void)simd;
	return g->len && (size_t)(end - p) >= g->len && eq_guess(p, g->text, g->len);
}

/* Make `"key":` at k (klen bytes of key, 1 to 29) the guess g, naming the field f. */
static void remember_key(struct tx_parser *ps, struct key_guess *g, const char *k, uint32_t klen,
			 int f)
{
	unsigned n = klen + 3;

	memcpy(g->text, k, n);
	g->len = (uint8_t)n;
	g->missed = ps->parses - 2; /* a miss in the next record does not replace it at once */
	g->ignore[0] = n >= 16 ? 0 : (uint16_t)(0xffffu << n);
	g->ignore[1] = n <= 16 ? 0xffff : (uint16_t)(0xffffu << (n - 16)); /* n <= 32 */
	g->field = (int8_t)f;
	g->mf = f >= 0 && klen == tx_record_field_name_len[f] ? TX_MEMBER_CANONICAL : 0;
	ps->shapes_valid &= (2u << (g - ps->guesses)) - 1; /* those of up to g - guesses stay */
}

/* sh, the shape of the first `from` members, made that of the first n */
static void index_more(const struct tx_member *mem, size_t from, size_t n, struct shape *sh)
{
	for (size_t i = from; i < n; i++) {
		int f = mem[i].field;
		if (f < 0)
			continue;
		sh->nknown++;
		sh->ncanon += (mem[i].flags & TX_MEMBER_CANONICAL) != 0;
		if (!(sh->seen >> f & 1)) {
			sh->seen |= 1u << f;
			sh->idx[f] = (int)i;
		} else if (sh->dup < 0) {
			sh->dup = f;
		}
	}
}

/* The shape of the first n members (every key's field in m->field, flags in m->flags) */
static void index_members(const struct tx_member *mem, size_t n, unsigned canon, struct shape *sh)
{
	memset(sh->idx, 0xff, sizeof(sh->idx)); /* every one -1 */
	sh->seen = sh->nknown = sh->ncanon = 0;
	sh->dup = -1;
	sh->canon = canon;
	index_more(mem, 0, n, sh);
}

/*
 * A key its guess g (NULL past the guessed positions) did not match, at k
 * (*k == '"'): scanned, looked up, and made the guess when it is plain.
 * Sets the member's key, field and flags (those of the key), and returns
 * the position past its ':', or NULL with *e set.
 */
static const char *scan_key(struct tx_parser *ps, const char *k, const char *end, const char *line,
			    struct key_guess *g, unsigned canon, struct tx_member *m,
			    struct tx_json_err *e)
{
	const char *p;
	int escaped, f;

	if (!(p = tx_json_scan_string_in(line, k, end, &escaped, e)))
		return NULL;
	m->key_off = (uint32_t)(k + 1 - line);
	m->key_len = (uint32_t)(p - k - 2);
	if (escaped) {
		m->flags = TX_MEMBER_KEY_ESCAPED;
		f = key_field(k + 1, m->key_len);
	} else {
		f = field_lookup(k + 1, m->key_len);
		/* a known key is its name or, longer, its alias */
		m->flags = f >= 0 && m->key_len == tx_record_field_name_len[f] ? canon : 0;
		if (g && p < end && *p == ':' && m->key_len + 3u <= sizeof(g->text) &&
		    m->key_len > 0) {
			if (!g->len || g->missed == ps->parses - 1)
				remember_key(ps, g, k, m->key_len, f);
			else
				g->missed = ps->parses;
		}
	}
	m->field = f;
	p = tx_json_skip_ws(p, end);
	if (p >= end || *p != ':') {
		e->at = p;
		e->what = "expected ':'";
		return NULL;
	}
	return p + 1;
}

/* A member's value other than a string (p may be end), its end, or NULL with *e set */
static const char *scan_other_value(const char *p, const char *end, struct tx_json_err *e)
{
	if (p < end && (unsigned)(*p - '1') <= 8) {
		/* [1-9][0-9]* and a plain fraction inline; the rest to json.c */
		const char *q = p + 1, *frac;
		while (q < end && (unsigned)(*q - '0') <= 9)
			q++;
		if (q < end && *q == '.') {
			frac = ++q;
			while (q < end && (unsigned)(*q - '0') <= 9)
				q++;
			if (q == frac)
				q = NULL;
		}
		if (!q || (q < end && (*q == 'e' || *q == 'E')) || q - p > 300)
			q = tx_json_scan_number(p, end, NULL, e); /* and its range check */
		return q;
	}
	if (p < end && (*p == '0' || *p == '-'))
		return tx_json_scan_number(p, end, NULL, e);
	return tx_json_scan_value(p, end, 2, e);
}

/* tx_json_skip_ws() out of the member loop, for the rare whitespace between members */
static __attribute__((noinline)) const char *skip_ws(const char *p, const char *end)
{
	return tx_json_skip_ws(p, end);
}

/* Room for one more member, at least GUESSES (out of the loop: a few times per stream). */
static __attribute__((noinline)) struct tx_member *grow_members(struct tx_record *r)
{
	TX_ALLOC_GROW(r->members, r->members_cap + 1, r->members_cap, GUESSES);
	return r->members;
}

/*
 * tx_record_parse(), for canon TX_MEMBER_CANONICAL (a full parse) or 0
 * (TX_PARSE_JSON_ONLY): inlined once for each, so that neither tests it
 * per member; with fast the constant TX_FAST_ALL there (no test of the
 * switches either), and once more for parse_reference().
 */
static inline __attribute__((always_inline)) int parse_record(struct tx_record *r, const char *line,
							      size_t len, unsigned flags,
							      const unsigned canon,
							      const unsigned fast)
{
	const char *p, *end = line + len;
	struct tx_json_err e;
	/* kept in registers in the loop (stores through m could alias r's fields) */
	size_t n = 0, cap = r->members_cap;
	struct tx_member *mem = r->members, *m;
	struct tx_parser *ps = r->parser ? r->parser : own_parser(r);
	/* the switches (fastpath.h): guess and shapes, value_fast(), SIMD */
	const int guess = (fast & TX_FAST_GUESS) != 0, values = canon && (fast & TX_FAST_VALUE);
	const int simd = (fast & TX_FAST_SIMD) != 0;
	int type_word = 0, missed = !guess; /* missed: a key did not match its guess */
	size_t hit = 0;			    /* the members before the first that missed */
	unsigned pre = 0;		    /* fields value_fast() decoded */
	struct shape scratch;
	const struct shape *sh;

	if (len >= UINT32_MAX / 2) {
		reset(r, line, 0);
		memset(r->idx, 0xff, sizeof(r->idx)); /* every one -1 */
		return fail(r, "line too long (%zu bytes)", len);
	}
	reset(r, line, len);
	ps->parses++;
	if (cap < GUESSES) { /* room for the guessed members: the loop checks only past them */
		mem = grow_members(r);
		cap = r->members_cap;
	}
	m = mem;
	p = tx_json_skip_ws(line, end);
	if (p == end) {
		memset(r->idx, 0xff, sizeof(r->idx));
		return fail(r, "empty line");
	}
	if (*p != '{') {
		e.at = p;
		e.what = "expected '{' (a record is a JSON object)";
		goto bad;
	}
	p = tx_json_skip_ws(p + 1, end);
	if (p < end && *p == '}') {
		p++;
		goto close;
	}
	if (p >= end || *p != '"')
		goto no_key;
	for (;;) {
		/* p is at the opening quote of the key of member n, *m */
		const char *v, *q;
		int escaped, f;

		if (guess && n < GUESSES && guess_matches(&ps->guesses[n], p, end, simd)) {
			const struct key_guess *g = &ps->guesses[n]; /* and n < GUESSES <= cap */
			m->key_off = (uint32_t)(p + 1 - line);
			m->key_len = g->len - 3u;
			m->field = f = g->field;
			m->flags = g->mf & canon;
			p += g->len;
		} else {
			if (n == cap) {
				mem = grow_members(r);
				cap = r->members_cap;
				m = &mem[n];
			}
			if (!missed) {
				missed = 1;
				hit = n;
			}
			if (!(p = scan_key(ps, p, end, line,
					   guess && n < GUESSES ? &ps->guesses[n] : NULL, canon, m,
					   &e)))
				goto bad;
			f = m->field;
		}
		/* whitespace before a value is rare: one compare says there is none */
		if (p < end && (unsigned char)*p <= ' ')
			p = skip_ws(p, end);
		v = p;
		if (values && p < end && (q = value_fast(r, f, p, end, &type_word, &pre, fast))) {
			p = q;
		} else if (p < end && *p == '"') {
			if (!(p = tx_json_scan_string_sel(line, p, end, &escaped, &e, fast)))
				goto bad;
			if (escaped)
				m->flags |= TX_MEMBER_VAL_ESCAPED;
		} else if (!(p = scan_other_value(p, end, &e)))
			goto bad;
		m->val_off = (uint32_t)(v - line);
		m->val_len = (uint32_t)(p - v);
		m++;
		n++;
		/* nearly always a ',' with the next key's quote right after it: one compare */
		if (__builtin_expect(end - p >= 2 && ld2(p) == ld2(",\""), 1)) {
			p++;
			continue;
		}
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			if (p < end && *p == '"')
				continue;
			goto no_key;
		}
		p = tx_json_skip_ws(p, end);
		if (p < end && *p == '}') {
			p++;
			break;
		}
		if (p >= end || *p != ',') {
			e.at = p;
			e.what = "expected ',' or '}'";
			goto bad;
		}
		p = tx_json_skip_ws(p + 1, end);
		if (p >= end || *p != '"')
			goto no_key;
	}
close:
	/*
	 * r->idx and the counts: from the shape of the members, known or
	 * worked out. The members before the first key that missed its guess
	 * (every one when none missed: then n <= GUESSES, as a member past
	 * the guesses misses) have the shape of a record of that many, known
	 * once worked out; the others are added to a copy of it. So a stream
	 * whose records end in different ways (txsub's "source" after 7, 8 or
	 * 9 members) works out only their ends.
	 */
	if (!missed)
		hit = n;
	if (hit && (!(ps->shapes_valid >> hit & 1) || ps->shapes[hit].canon != canon)) {
		index_members(mem, hit, canon, &ps->shapes[hit]);
		ps->shapes_valid |= 1u << hit;
	}
	if (!hit) {
		index_members(mem, n, canon, &scratch);
		sh = &scratch;
	} else if (hit == n) {
		sh = &ps->shapes[n];
	} else {
		scratch = ps->shapes[hit];
		index_more(mem, hit, n, &scratch);
		sh = &scratch;
	}
	memcpy(r->idx, sh->idx, sizeof(r->idx));
	r->repeated = sh->dup >= 0;
	r->nmembers = n;
	r->nknown = sh->nknown;
	r->ncanonical = sh->ncanon;
	p = tx_json_skip_ws(p, end);
	if (p != end) {
		e.at = p;
		e.what = "unexpected text after the object";
		goto bad_indexed;
	}
	if (!canon)
		return 0;
	if (sh->dup >= 0)
		return fail(r, "field '%s' appears twice", tx_record_field_names[sh->dup]);
	return parse_fields(r, flags, sh->seen, pre, type_word);
no_key:
	e.at = p;
	e.what = "expected a string key";
bad:
	/* what a failed parse leaves: the members before the error, indexed (not counted) */
	index_members(mem, n, canon, &scratch);
	memcpy(r->idx, scratch.idx, sizeof(r->idx));
	r->repeated = scratch.dup >= 0;
bad_indexed:
	r->nmembers = n;
	return fail(r, "invalid JSON at byte %zu: %s", (size_t)(e.at - line) + 1, e.what);
}

/* parse_record() with some fast path off (fastpath.h): the reference, out of the way */
static __attribute__((noinline)) int parse_reference(struct tx_record *r, const char *line,
						     size_t len, unsigned flags, unsigned fast)
{
	return parse_record(r, line, len, flags,
			    flags & TX_PARSE_JSON_ONLY ? 0 : TX_MEMBER_CANONICAL, fast);
}

int tx_record_parse(struct tx_record *r, const char *line, size_t len, unsigned flags)
{
	if (__builtin_expect(tx_fast != TX_FAST_ALL, 0))
		return parse_reference(r, line, len, flags, tx_fast);
	if (flags & TX_PARSE_JSON_ONLY)
		return parse_record(r, line, len, flags, 0, TX_FAST_ALL);
	return parse_record(r, line, len, flags, TX_MEMBER_CANONICAL, TX_FAST_ALL);
}

int tx_record_find(const struct tx_record *r, const char *name, size_t name_len)
{
	char tmp[256];

	for (size_t i = 0; i < r->nmembers; i++) {
		const struct tx_member *m = &r->members[i];
		const char *k = r->line + m->key_off;
		char *buf;
		size_t n;
		int hit;

		if (!(m->flags & TX_MEMBER_KEY_ESCAPED)) {
			if (m->key_len == name_len && !memcmp(k, name, name_len))
				return (int)i;
			continue;
		}
		buf = m->key_len <= sizeof(tmp) ? tmp : tx_malloc(m->key_len);
		n = tx_json_unescape(buf, k, m->key_len);
		hit = n == name_len && !memcmp(buf, name, n);
		if (buf != tmp)
			free(buf);
		if (hit)
			return (int)i;
	}
	return -1;
}

struct tx_str tx_record_text(struct tx_record *r, int member)
{
	const struct tx_member *m = &r->members[member];
	const char *raw = r->line + m->val_off;
	struct tx_str s = {raw, m->val_len};

	if (raw[0] == '"') {
		s.p = raw + 1;
		s.len = m->val_len - 2;
		if (m->flags & TX_MEMBER_VAL_ESCAPED) {
			char *dst = r->scratch.p + r->len + 1 + m->val_off;
			s.len = tx_json_unescape(dst, s.p, s.len);
			dst[s.len] = '\0';
			s.p = dst;
		}
	}
	return s;
}

/* ---- txbal's members ---- */

static int ledger_money(const struct tx_record *r, enum tx_field f, int64_t *out, char *err,
			size_t errlen)
{
	struct tx_str v = tx_record_raw(r, r->idx[f]);
	int exponent = r->currency->exponent;
	enum tx_money_err e;

	if (v.len >= 2 && v.p[0] == '"') {
		v.p++;
		v.len -= 2;
	}
	e = tx_money_parse(v.p, v.len, exponent, out);
	if (e != TX_MONEY_OK) {
		snprintf(err, errlen, "field '%s' %s", tx_field_name(f),
			 tx_money_strerror(e, exponent));
		return -1;
	}
	return 0;
}

/* A non-negative integer member, read as tx_parse_int64() reads text. */
static int ledger_int(const struct tx_record *r, enum tx_field f, int64_t *out, const char *what,
		      char *err, size_t errlen)
{
	struct tx_str v = tx_record_raw(r, r->idx[f]);
	char num[24];

	if (v.len >= sizeof(num) ||
	    (memcpy(num, v.p, v.len), num[v.len] = '\0', tx_parse_int64(num, 0, INT64_MAX, out))) {
		snprintf(err, errlen, "field '%s' is not %s", tx_field_name(f), what);
		return -1;
	}
	return 0;
}

int tx_record_ledger(const struct tx_record *r, unsigned want, struct tx_ledger_fields *out,
		     char *err, size_t errlen)
{
#define WANT(f) ((want & TX_LEDGER_BIT(f)) && r->idx[f] >= 0 && (out->have |= TX_LEDGER_BIT(f)))
	memset(out, 0, sizeof(*out));
	if (WANT(TX_F_DROPPED_FROM) &&
	    ledger_int(r, TX_F_DROPPED_FROM, &out->dropped_from, "an offset", err, errlen))
		return -1;
	if (WANT(TX_F_NEW_BALANCE) &&
	    ledger_money(r, TX_F_NEW_BALANCE, &out->new_balance, err, errlen))
		return -1;
	if (WANT(TX_F_AVAILABLE_BALANCE)) {
		if (ledger_money(r, TX_F_AVAILABLE_BALANCE, &out->available_balance, err, errlen))
			return -1;
		/* a negative reservation: txbal --init would refuse the state it makes */
		if ((out->have & TX_LEDGER_BIT(TX_F_NEW_BALANCE)) &&
		    out->available_balance > out->new_balance) {
			snprintf(err, errlen,
				 "field 'available_balance' is greater than 'new_balance'");
			return -1;
		}
	}
	if (WANT(TX_F_TX_COUNT) &&
	    ledger_int(r, TX_F_TX_COUNT, &out->tx_count, "a count", err, errlen))
		return -1;
	if (WANT(TX_F_COUNTERPARTY_BALANCE) &&
	    ledger_money(r, TX_F_COUNTERPARTY_BALANCE, &out->counterparty_balance, err, errlen))
		return -1;
	return 0;
#undef WANT
}

/* Records as log lines: see logfmt.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "logfmt.h"
#include "money.h"
#include "term.h"
#include "timefmt.h"
#include "tx.h"

enum part_kind { PART_LITERAL, PART_COMPUTED, PART_KNOWN, PART_MEMBER };
enum computed { C_SIGNED_AMOUNT, C_ALERTS, C_JSON };

static const char *const computed_names[] = {"signed_amount", "alerts", "json"};

#define SGR_GREEN    "\033[32m"
#define SGR_YELLOW   "\033[33m"
#define SGR_RED	     "\033[31m"
#define SGR_BOLD_RED "\033[1;31m"
#define SGR_RESET    "\033[0m"

/* Default layout column widths (characters). */
#define W_TS	  27
#define W_ID	  12
#define W_ACCOUNT 10
#define W_TYPE	  10
#define W_AMOUNT  12
#define W_BALANCE 11
#define W_STATUS  9

static int has_member(const struct tx_record *r, enum tx_field f)
{
	return r->idx[f] >= 0;
}

/*
 * Characters (UTF-8 code points) in s[0..n), at most `enough`: once the
 * width is known to be reached, counting further changes nothing.
 */
static size_t text_width(const char *s, size_t n, size_t enough)
{
	size_t w = 0, i;

	for (i = 0; i < n && w < enough; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

static void add_spaces(struct tx_buf *b, size_t n)
{
	if (!n)
		return;
	if (b->cap - b->len <= n)
		tx_buf_grow(b, n);
	memset(b->p + b->len, ' ', n);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * The text appended since `start` is one field; make it at least `width`
 * characters wide, not counting the `invisible` bytes of colour sequences.
 */
static void pad_since(struct tx_buf *b, size_t start, size_t invisible, int width, int left)
{
	size_t w, n;

	if (width <= 0)
		return;
	w = text_width(b->p + start, b->len - start, (size_t)width + invisible) - invisible;
	if (w >= (size_t)width)
		return;
	n = (size_t)width - w;
	if (left) {
		add_spaces(b, n);
		return;
	}
	if (b->cap - b->len <= n)
		tx_buf_grow(b, n);
	memmove(b->p + start + n, b->p + start, b->len - start);
	memset(b->p + start, ' ', n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* pad_since() for text known to be ASCII (numbers, words, times): bytes are characters. */
static inline void pad_ascii(struct tx_buf *b, size_t start, size_t invisible, int width, int left)
{
	size_t w = b->len - start - invisible, n;

	if (w >= (size_t)width)
		return;
	n = (size_t)width - w;
	if (b->cap - b->len <= n)
		tx_buf_grow(b, n);
	if (!left) {
		char *p = b->p + start;
		memmove(p + n, p, b->len - start);
		memset(p, ' ', n);
	} else {
		memset(b->p + b->len, ' ', n);
	}
	b->len += n;
	b->p[b->len] = '\0';
}

const char *tx_logfmt_status(const struct tx_record *r)
{
	if (r->status != TX_STATUS_NONE)
		return tx_status_name(r->status);
	if (r->other_type)
		return ""; /* not a transaction: no status implied */
	return r->op == TX_OP_CREATE || r->op == TX_OP_NONE ? "completed" : "";
}

static const char *status_color(const struct tx_record *r)
{
	switch (r->status) {
	case TX_STATUS_FAILED: return SGR_RED;
	case TX_STATUS_PENDING: return SGR_YELLOW;
	default: return NULL;
	}
}

/* +1 credit, -1 debit, 0 when the record has no type to tell. */
static int amount_sign(const struct tx_record *r)
{
	if (r->type == TX_TYPE_NONE)
		return 0;
	return tx_type_sign(r->type) < 0 ? -1 : 1;
}

/*
 * Whether p[0..n) is exactly what tx_money_format() would write for its
 * value: [-]int[.digits] with exactly `exponent` decimals, no leading zero,
 * no "-0". txgen and txbal write amounts so; copying them is the fast path.
 */
static int money_is_canonical(const char *p, size_t n, int exponent)
{
	size_t i = 0, digits;

	if (i < n && p[i] == '-') {
		i++;
		if (i < n && p[i] == '0')
			return 0;
	}
	for (digits = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		digits++;
	if (digits == 0 || (digits > 1 && p[i - digits] == '0'))
		return 0;
	if (exponent == 0)
		return i == n;
	if (i == n || p[i] != '.' || n - i - 1 != (size_t)exponent)
		return 0;
	for (i++; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/* Money as tx_money_format() writes it, from the raw text when that is canonical. */
static void add_money(struct tx_buf *b, struct tx_str raw, int64_t minor, int exponent)
{
	if (money_is_canonical(raw.p, raw.len, exponent))
		tx_buf_add(b, raw.p, raw.len);
	else
		tx_money_format(b, minor, exponent);
}

static void add_amount(struct tx_buf *b, const struct tx_record *r)
{
	add_money(b, tx_record_raw(r, r->idx[TX_F_AMOUNT]), r->amount, r->currency->exponent);
}

/* The amount with its sign from the account's side: "-128.28", "+500.00". */
static void add_signed_amount(struct tx_buf *b, const struct tx_record *r)
{
	int sign;

	if (!has_member(r, TX_F_AMOUNT))
		return;
	sign = amount_sign(r);
	if (sign)
		tx_buf_addch(b, sign < 0 ? '-' : '+');
	add_amount(b, r);
}

/*
 * Append a JSON string's content (s at the opening quote) with the common
 * escapes decoded; returns the position after the closing quote. Alert names
 * are plain words; \uXXXX is kept as written rather than guessed at.
 */
static const char *add_json_string(struct tx_buf *b, const char *s, const char *end)
{
	const char *run;

	s++;
	run = s;
	while (s < end && *s != '"') {
		if (*s != '\\') {
			s++;
			continue;
		}
		tx_buf_add(b, run, (size_t)(s - run));
		if (s + 1 >= end)
			return end;
		switch (s[1]) {
		case '"':
		case '\\':
		case '/': tx_buf_addch(b, s[1]); break;
		case 'u': tx_buf_add(b, s, 2); break;
		default: tx_buf_addch(b, ' '); break; /* \n \t ...: one line per record */
		}
		s += 2;
		run = s;
	}
	tx_buf_add(b, run, (size_t)(s - run));
	return s < end ? s + 1 : end;
}

/* Append the alert names, comma-separated. Returns how many there were. */
static int add_alerts(struct tx_buf *b, const struct tx_record *r)
{
	struct tx_str raw;
	const char *s, *end;
	int n = 0;

	if (!has_member(r, TX_F_ALERTS))
		return 0;
	raw = tx_record_raw(r, r->idx[TX_F_ALERTS]);
	s = raw.p;
	end = raw.p + raw.len;
	if (s < end && *s == '"') { /* a single name instead of an array */
		size_t before = b->len;
		add_json_string(b, s, end);
		return b->len > before;
	}
	if (s >= end || *s != '[')
		return 0; /* null or something else: no alerts */
	s++;
	for (;;) {
		const char *tok;
		int depth = 0, instr = 0;

		while (s < end &&
		       (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ','))
			s++;
		if (s >= end || *s == ']')
			break;
		if (n++)
			tx_buf_addch(b, ',');
		if (*s == '"') {
			s = add_json_string(b, s, end);
			continue;
		}
		/* a non-string element: its raw JSON text */
		for (tok = s; s < end; s++) {
			if (instr) {
				if (*s == '\\')
					s++;
				else if (*s == '"')
					instr = 0;
			} else if (*s == '"') {
				instr = 1;
			} else if (*s == '[' || *s == '{') {
				depth++;
			} else if (*s == ']' || *s == '}') {
				if (depth-- == 0)
					break;
			} else if (*s == ',' && depth == 0) {
				break;
			}
		}
		while (s > tok && (s[-1] == ' ' || s[-1] == '\t' || s[-1] == '\n' || s[-1] == '\r'))
			s--;
		tx_buf_add(b, tok, (size_t)(s - tok));
	}
	return n;
}

int tx_logfmt_has_alerts(const struct tx_record *r)
{
	struct tx_str raw;
	size_t i;

	if (!has_member(r, TX_F_ALERTS))
		return 0;
	raw = tx_record_raw(r, r->idx[TX_F_ALERTS]);
	if (raw.len && raw.p[0] == '"')
		return raw.len > 2;
	if (!raw.len || raw.p[0] != '[')
		return 0;
	for (i = 1; i < raw.len; i++) {
		char c = raw.p[i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return c != ']';
	}
	return 0;
}

/*
 * Append a value from the record with control characters (a decoded "\n",
 * an ESC or a C1 control that would drive the terminal, a bidi override)
 * shown as blanks (term.h): one line per record, and a record cannot
 * repaint the screen of whoever reads the log.
 */
static void add_str(struct tx_buf *b, struct tx_str s)
{
	if (s.p)
		tx_buf_add_term(b, s.p, s.len, ' ');
}

/* A member's value as text, strings decoded. */
static void add_member_text(struct tx_buf *b, struct tx_record *r, int member)
{
	if (member < 0)
		return;
	add_str(b, tx_record_text(r, member));
}

/*
 * The event time in canonical form. txgen and txbal write it canonically
 * already ("2026-01-01T09:15:02.123456Z", which the parser has validated):
 * copy those bytes instead of formatting the parsed value again.
 */
static void add_ts(struct tx_buf *b, const struct tx_record *r)
{
	struct tx_str raw = tx_record_raw(r, r->idx[TX_F_TS]);

	int i;

	if (raw.len == 29 && raw.p[11] == 'T' && raw.p[20] == '.' && raw.p[27] == 'Z') {
		for (i = 21; i < 27 && raw.p[i] >= '0' && raw.p[i] <= '9'; i++)
			;
		if (i == 27 && !memchr(raw.p, '\\', 20)) {
			tx_buf_add(b, raw.p + 1, 27);
			return;
		}
	}
	tx_time_format(b, r->ts_us);
}

/* A field txkit knows, in canonical form; nothing when absent. */
static void add_known(struct tx_buf *b, struct tx_record *r, enum tx_field f)
{
	switch (f) {
	case TX_F_TS:
		if (has_member(r, f))
			add_ts(b, r);
		return;
	case TX_F_TYPE:
		if (r->type != TX_TYPE_NONE)
			tx_buf_adds(b, tx_type_name(r->type));
		else if (r->other_type)
			tx_buf_adds(b, "other"); /* not a transaction (TX_PARSE_ANY_TYPE) */
		return;
	case TX_F_AMOUNT:
		if (has_member(r, f))
			add_amount(b, r);
		return;
	case TX_F_CURRENCY: tx_buf_add(b, r->currency->code, 3); return;
	case TX_F_STATUS: tx_buf_adds(b, tx_logfmt_status(r)); return;
	case TX_F_OP:
		tx_buf_adds(b, tx_op_name(r->op == TX_OP_NONE ? TX_OP_CREATE : r->op));
		return;
	case TX_F_TRANSACTION_ID:
		if (has_member(r, f))
			add_str(b, r->id);
		return;
	case TX_F_ACCOUNT:
		if (has_member(r, f))
			add_str(b, r->account);
		return;
	case TX_F_COUNTERPARTY:
		if (has_member(r, f))
			add_str(b, r->counterparty);
		return;
	default: add_member_text(b, r, r->idx[f]); return;
	}
}

/*
 * new_balance with the currency's decimals, as the amount. As written when
 * the record does not name its currency (a delete: USD would be a guess)
 * or the value is no amount.
 */
static void add_balance(struct tx_buf *b, struct tx_record *r)
{
	struct tx_str text = tx_record_raw(r, r->idx[TX_F_NEW_BALANCE]);
	int exponent = r->currency->exponent;
	int64_t minor;

	if (has_member(r, TX_F_CURRENCY) && money_is_canonical(text.p, text.len, exponent)) {
		tx_buf_add(b, text.p, text.len);
		return;
	}
	text = tx_record_text(r, r->idx[TX_F_NEW_BALANCE]);
	if (has_member(r, TX_F_CURRENCY) &&
	    tx_money_parse(text.p, text.len, exponent, &minor) == TX_MONEY_OK)
		tx_money_format(b, minor, exponent);
	else
		add_str(b, text);
}

/* The TS column and its blank: the event time, '-' when the record has none. */
static void add_ts_column(struct tx_buf *b, const struct tx_record *r)
{
	size_t start = b->len;

	if (has_member(r, TX_F_TS))
		add_ts(b, r);
	else
		tx_buf_addch(b, '-');
	pad_ascii(b, start, 0, W_TS, 1);
	tx_buf_addch(b, ' ');
}

/* A word in the TYPE column ("alert", "aggregate"), and its blank. */
static void add_type_word(struct tx_buf *b, const char *word)
{
	size_t start = b->len;

	tx_buf_adds(b, word);
	pad_ascii(b, start, 0, W_TYPE, 1);
	tx_buf_addch(b, ' ');
}

int tx_logfmt_alert_is_notice(struct tx_record *r)
{
	int k = tx_record_find(r, "kind", 4);
	struct tx_str s;

	if (k < 0)
		return 0;
	s = tx_record_text(r, k);
	return s.len == 6 && !memcmp(s.p, "notice", 6);
}

/* A text column of at least width characters and its blank; '-' when the field is absent. */
static void add_text_column(struct tx_buf *b, const struct tx_record *r, enum tx_field f,
			    struct tx_str s, int width)
{
	size_t start = b->len;

	if (has_member(r, f))
		add_str(b, s);
	else
		tx_buf_addch(b, '-');
	pad_since(b, start, 0, width, 1);
	tx_buf_addch(b, ' ');
}

/* The ID and ACCOUNT columns. */
static void add_id_account(struct tx_buf *b, const struct tx_record *r)
{
	add_text_column(b, r, TX_F_TRANSACTION_ID, r->id, W_ID);
	add_text_column(b, r, TX_F_ACCOUNT, r->account, W_ACCOUNT);
}

/* A member's text by name, nothing when absent; its index or -1. */
static int add_named(struct tx_buf *b, struct tx_record *r, const char *name)
{
	int m = tx_record_find(r, name, strlen(name));

	add_member_text(b, r, m);
	return m;
}

enum tx_logfmt_kind tx_logfmt_kind(const struct tx_record *r)
{
	if (has_member(r, TX_F_TYPE) || has_member(r, TX_F_AMOUNT) || has_member(r, TX_F_OP))
		return TX_LOGFMT_TRANSACTION;
	if (tx_record_find(r, "alert", 5) >= 0)
		return TX_LOGFMT_ALERT;
	if (tx_record_find(r, "window_start", 12) >= 0)
		return TX_LOGFMT_AGGREGATE;
	return TX_LOGFMT_TRANSACTION;
}

/* ", " before every part but the first of a list. */
static void next_part(struct tx_buf *b, int *n)
{
	if ((*n)++)
		tx_buf_adds(b, ", ");
}

/*
 * A window's length, from its start and end: "10s", "5m", "1h", "1d" (or
 * microseconds). A window that does not start on a multiple of its length
 * is no fixed window but the span of a whole stream (txbal --aggregate
 * all): "to END".
 */
static void add_window(struct tx_buf *b, struct tx_record *r, int *n)
{
	static const struct {
		int64_t us;
		char unit;
	} units[] = {{86400 * 1000000ll, 'd'},
		     {3600 * 1000000ll, 'h'},
		     {60 * 1000000ll, 'm'},
		     {1000000, 's'}};
	struct tx_str s = tx_record_text(r, tx_record_find(r, "window_start", 12));
	int e = tx_record_find(r, "window_end", 10);
	int64_t t0, t1, d;
	size_t i;

	if (e < 0 || tx_time_parse(s.p, s.len, &t0) < 0)
		return;
	s = tx_record_text(r, e);
	if (tx_time_parse(s.p, s.len, &t1) < 0 || t1 <= t0)
		return;
	d = t1 - t0;
	next_part(b, n);
	if (t0 % d) {
		tx_buf_adds(b, "to ");
		tx_time_format(b, t1);
		return;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]) && d % units[i].us; i++)
		;
	if (i < sizeof(units) / sizeof(units[0])) {
		tx_buf_add_int(b, d / units[i].us);
		tx_buf_addch(b, units[i].unit);
	} else {
		tx_buf_add_int(b, d);
		tx_buf_adds(b, "us");
	}
	tx_buf_adds(b, " window");
}

/* ", debits 12.50 USD": a money member by name, shown as label, when the record has it. */
static void add_money_part(struct tx_buf *b, struct tx_record *r, const char *name,
			   const char *label, int *n)
{
	int m = tx_record_find(r, name, strlen(name));

	if (m < 0)
		return;
	next_part(b, n);
	tx_buf_adds(b, label);
	tx_buf_addch(b, ' ');
	add_member_text(b, r, m);
	tx_buf_addch(b, ' ');
	tx_buf_add(b, r->currency->code, 3);
}

/* {"payment":2,"fee":1} -> " (payment 2, fee 1)"; members whose value is no count are left out. */
static void add_by_type(struct tx_buf *b, struct tx_str raw)
{
	const char *p = raw.p, *end = raw.p + raw.len, *key, *val, *next;
	struct tx_json_err err;
	size_t open = b->len;
	int n = 0;

	if (p == end || *p != '{')
		return;
	tx_buf_adds(b, " (");
	for (p = tx_json_skip_ws(p + 1, end); p < end && *p == '"';) {
		key = p;
		p = tx_json_scan_value(p, end, 2, &err);
		if (!p || (p = tx_json_skip_ws(p, end)) == end || *p != ':')
			break;
		val = tx_json_skip_ws(p + 1, end);
		next = tx_json_scan_value(val, end, 2, &err);
		if (!next)
			break;
		if (strspn(val, "0123456789") == (size_t)(next - val)) {
			next_part(b, &n);
			add_json_string(b, key, end);
			tx_buf_addch(b, ' ');
			tx_buf_add(b, val, (size_t)(next - val));
		}
		p = tx_json_skip_ws(next, end);
		if (p < end && *p == ',')
			p = tx_json_skip_ws(p + 1, end);
	}
	if (n) {
		tx_buf_addch(b, ')');
	} else {
		b->len = open;
		b->p[b->len] = '\0';
	}
}

/* "3 transactions", "1 transaction": a count member and its noun. */
static void add_transactions(struct tx_buf *b, struct tx_record *r, int m)
{
	struct tx_str raw = tx_record_raw(r, m);

	add_member_text(b, r, m);
	tx_buf_adds(b, raw.len == 1 && raw.p[0] == '1' ? " transaction" : " transactions");
}

/*
 * txbal's aggregate record: the window's start in the TS column, no id,
 * the account, then what the window holds:
 *   TS - ACCOUNT aggregate  1h window, 3 transactions, debits 12.50 USD,
 *   credits 0.00 USD (payment 2, fee 1)
 * Each part only when the record has what it needs.
 */
static void add_aggregate(struct tx_buf *b, struct tx_record *r)
{
	struct tx_str ws = tx_record_text(r, tx_record_find(r, "window_start", 12));
	int m = tx_record_find(r, "count", 5), by = tx_record_find(r, "by_type", 7), n = 0;
	int tc = tx_record_find(r, "total_count", 11);
	size_t start = b->len;
	int64_t t0;

	if (tx_time_parse(ws.p, ws.len, &t0) == 0)
		tx_time_format(b, t0);
	else if (ws.len == 4 && !memcmp(ws.p, "null", 4))
		tx_buf_addch(b, '-'); /* --aggregate all over records without a time */
	else
		add_str(b, ws);
	pad_since(b, start, 0, W_TS, 1);
	tx_buf_addch(b, ' ');
	add_id_account(b, r);
	add_type_word(b, "aggregate");
	add_window(b, r, &n);
	if (m >= 0) {
		next_part(b, &n);
		add_transactions(b, r, m);
	}
	add_money_part(b, r, "debits", "debits", &n);
	add_money_part(b, r, "credits", "credits", &n);
	if (by >= 0)
		add_by_type(b, tx_record_raw(r, by));
	/* the account's running totals, when they say more than this window */
	if (tc >= 0 && m >= 0) {
		struct tx_str raw = tx_record_raw(r, tc), count = tx_record_raw(r, m);

		if (raw.len == count.len && !memcmp(raw.p, count.p, raw.len))
			return;
		tx_buf_adds(b, "; so far ");
		add_transactions(b, r, tc);
		n = 1;
		add_money_part(b, r, "total_debits", "debits", &n);
		add_money_part(b, r, "total_credits", "credits", &n);
	}
}

/*
 * txbal's alert record: TS ID ACCOUNT, then the rule, its kind and detail:
 *   TS ID ACCOUNT alert  velocity (fraud): more than 4 transactions within 10s
 * A fraud alert bold red, a notice yellow.
 */
static void add_alert_record(struct tx_buf *b, struct tx_record *r, int color)
{
	int kind = tx_record_find(r, "kind", 4);
	const char *sgr = color ? (tx_logfmt_alert_is_notice(r) ? SGR_YELLOW : SGR_BOLD_RED) : NULL;
	size_t before;

	add_ts_column(b, r);
	add_id_account(b, r);
	add_type_word(b, "alert");
	if (sgr)
		tx_buf_adds(b, sgr);
	add_named(b, r, "alert");
	if (sgr)
		tx_buf_adds(b, SGR_RESET);
	if (kind >= 0) {
		tx_buf_adds(b, " (");
		add_member_text(b, r, kind);
		tx_buf_addch(b, ')');
	}
	before = b->len;
	tx_buf_adds(b, ": ");
	if (add_named(b, r, "detail") < 0)
		b->len = before, b->p[b->len] = '\0';
}

void tx_logfmt_default(struct tx_buf *b, struct tx_record *r, unsigned flags)
{
	int color = flags & TX_LOGFMT_COLOR;
	const char *sgr;
	size_t start, invisible, line_start = b->len;
	int sign, status_pad = 1;

	switch (tx_logfmt_kind(r)) {
	case TX_LOGFMT_ALERT: add_alert_record(b, r, color); goto trim;
	case TX_LOGFMT_AGGREGATE: add_aggregate(b, r); goto trim;
	case TX_LOGFMT_TRANSACTION: break;
	}

	add_ts_column(b, r);
	add_id_account(b, r);

	/* TYPE, or the operation when there is no type (a delete) */
	start = b->len;
	if (r->type != TX_TYPE_NONE)
		tx_buf_adds(b, tx_type_name(r->type));
	else if (r->other_type)
		tx_buf_adds(b, "other");
	else if (r->op == TX_OP_UPDATE || r->op == TX_OP_DELETE)
		tx_buf_adds(b, tx_op_name(r->op));
	else
		tx_buf_addch(b, '-');
	pad_ascii(b, start, 0, W_TYPE, 1);
	tx_buf_addch(b, ' ');

	/* SIGNED AMOUNT and CURRENCY */
	start = b->len;
	invisible = 0;
	sign = amount_sign(r);
	if (color && sign > 0 && has_member(r, TX_F_AMOUNT)) {
		tx_buf_adds(b, SGR_GREEN);
		add_signed_amount(b, r);
		tx_buf_adds(b, SGR_RESET);
		invisible = sizeof(SGR_GREEN) - 1 + sizeof(SGR_RESET) - 1;
	} else if (has_member(r, TX_F_AMOUNT)) {
		add_signed_amount(b, r);
	}
	pad_ascii(b, start, invisible, W_AMOUNT, 0);
	tx_buf_addch(b, ' ');
	if (has_member(r, TX_F_AMOUNT) || has_member(r, TX_F_CURRENCY))
		tx_buf_add(b, r->currency->code, 3);
	else
		add_spaces(b, 3);

	/* bal BALANCE, when txbal has added one */
	if (has_member(r, TX_F_NEW_BALANCE)) {
		tx_buf_add(b, "  bal ", 6);
		start = b->len;
		add_balance(b, r);
		pad_since(b, start, 0, W_BALANCE, 0);
	}

	/* STATUS, padded only when something follows */
	tx_buf_add(b, "  ", 2);
	start = b->len;
	sgr = color ? status_color(r) : NULL;
	if (sgr)
		tx_buf_adds(b, sgr);
	tx_buf_adds(b, tx_logfmt_status(r));
	if (sgr)
		tx_buf_adds(b, SGR_RESET);
	invisible = sgr ? strlen(sgr) + sizeof(SGR_RESET) - 1 : 0;

	/* extras, each two blanks apart; the status column is padded before the first */
#define NEXT_EXTRA()                                                                               \
	do {                                                                                       \
		if (status_pad)                                                                    \
			pad_ascii(b, start, invisible, W_STATUS, 1);                               \
		status_pad = 0;                                                                    \
		tx_buf_add(b, "  ", 2);                                                            \
	} while (0)
	if (has_member(r, TX_F_COUNTERPARTY)) {
		NEXT_EXTRA();
		tx_buf_add(b, "-> ", 3);
		add_str(b, r->counterparty);
	}
	if ((r->op == TX_OP_UPDATE || r->op == TX_OP_DELETE) && r->type != TX_TYPE_NONE) {
		NEXT_EXTRA();
		tx_buf_add(b, "op=", 3);
		tx_buf_adds(b, tx_op_name(r->op));
	}
	if (has_member(r, TX_F_REASON)) {
		NEXT_EXTRA();
		tx_buf_add(b, "reason=", 7);
		add_member_text(b, r, r->idx[TX_F_REASON]);
	}
	if (tx_logfmt_has_alerts(r)) {
		NEXT_EXTRA();
		if (color)
			tx_buf_adds(b, SGR_BOLD_RED);
		tx_buf_addch(b, '[');
		add_alerts(b, r);
		tx_buf_addch(b, ']');
		if (color)
			tx_buf_adds(b, SGR_RESET);
	}
#undef NEXT_EXTRA
trim:
	/* no trailing blanks (a record without status or amount) */
	while (b->len > line_start && b->p[b->len - 1] == ' ')
		b->len--;
	b->p[b->len] = '\0';
}

/* Templates */

static void seterr(char *err, size_t errlen, const char *fmt, size_t off)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, off);
}

static void add_part(struct tx_logfmt *f, size_t *cap, const struct tx_logfmt_part *p)
{
	TX_ALLOC_GROW(f->parts, f->nparts + 1, *cap, 8);
	f->parts[f->nparts++] = *p;
}

/* Resolve a field name to what it means; fills kind and field. */
static void resolve_name(struct tx_logfmt_part *p, const char *name, size_t len)
{
	size_t i;
	int fld;

	for (i = 0; i < sizeof(computed_names) / sizeof(computed_names[0]); i++) {
		if (strlen(computed_names[i]) == len && !memcmp(computed_names[i], name, len)) {
			p->kind = PART_COMPUTED;
			p->field = (int)i;
			return;
		}
	}
	for (fld = 0; fld < TX_F__COUNT; fld++) {
		const char *fn = tx_field_name((enum tx_field)fld);
		if (fn && strlen(fn) == len && !memcmp(fn, name, len)) {
			p->kind = PART_KNOWN;
			p->field = fld;
			return;
		}
	}
	p->kind = PART_MEMBER;
	p->field = -1;
}

int tx_logfmt_compile(struct tx_logfmt *f, const char *tmpl, char *err, size_t errlen)
{
	size_t n = strlen(tmpl), i = 0, cap = 0;
	struct tx_buf text = TX_BUF_INIT;
	struct tx_logfmt_part lit = {PART_LITERAL, -1, 0, 0, 0, 0};

	memset(f, 0, sizeof(*f));
	tx_buf_grow(&text, n + 1);
	/* Literal runs are collected in text; a field ends the current run. */
#define END_LITERAL()                                                                              \
	do {                                                                                       \
		if (text.len > lit.off) {                                                          \
			lit.len = text.len - lit.off;                                              \
			add_part(f, &cap, &lit);                                                   \
		}                                                                                  \
	} while (0)
	while (i < n) {
		char c = tmpl[i];
		if (c == '{' && i + 1 < n && tmpl[i + 1] == '{') {
			tx_buf_addch(&text, '{');
			i += 2;
		} else if (c == '}' && i + 1 < n && tmpl[i + 1] == '}') {
			tx_buf_addch(&text, '}');
			i += 2;
		} else if (c == '}') {
			seterr(err, errlen, "unmatched '}' at offset %zu (write '}}' for a brace)",
			       i);
			goto fail;
		} else if (c == '\\' && i + 1 < n &&
			   (tmpl[i + 1] == 't' || tmpl[i + 1] == 'n' || tmpl[i + 1] == '\\')) {
			tx_buf_addch(&text, tmpl[i + 1] == 't'	 ? '\t'
					    : tmpl[i + 1] == 'n' ? '\n'
								 : '\\');
			i += 2;
		} else if (c == '{') {
			struct tx_logfmt_part p = {PART_MEMBER, -1, 0, 0, 0, 0};
			const char *close = memchr(tmpl + i, '}', n - i);
			const char *colon, *name = tmpl + i + 1;
			size_t namelen;

			if (!close) {
				seterr(err, errlen, "unclosed '{' at offset %zu", i);
				goto fail;
			}
			colon = memchr(name, ':', (size_t)(close - name));
			namelen = (size_t)((colon ? colon : close) - name);
			if (namelen == 0 || memchr(name, '{', namelen)) {
				seterr(err, errlen, "empty or bad field name at offset %zu", i);
				goto fail;
			}
			if (colon) {
				const char *w = colon + 1;
				int width = 0;
				if (w < close && *w == '-') {
					p.left = 1;
					w++;
				}
				if (w == close) {
					seterr(err, errlen, "missing width after ':' at offset %zu",
					       (size_t)(colon - tmpl));
					goto fail;
				}
				for (; w < close; w++) {
					if (*w >= '0' && *w <= '9')
						width = width * 10 + (*w - '0');
					if (*w < '0' || *w > '9' || width > 1000) {
						seterr(err, errlen,
						       "bad width at offset %zu (want {name:N} or "
						       "{name:-N}, N up to 1000)",
						       (size_t)(colon - tmpl));
						goto fail;
					}
				}
				p.width = width;
			}
			END_LITERAL();
			p.off = text.len;
			p.len = namelen;
			tx_buf_add(&text, name, namelen);
			resolve_name(&p, name, namelen);
			add_part(f, &cap, &p);
			lit.off = text.len;
			i = (size_t)(close - tmpl) + 1;
		} else {
			tx_buf_addch(&text, c);
			i++;
		}
	}
	END_LITERAL();
#undef END_LITERAL
	f->text = text.p ? text.p : tx_strdup("");
	return 0;
fail:
	tx_buf_release(&text);
	free(f->parts);
	memset(f, 0, sizeof(*f));
	return -1;
}

void tx_logfmt_release(struct tx_logfmt *f)
{
	free(f->text);
	free(f->parts);
	memset(f, 0, sizeof(*f));
}

void tx_logfmt_apply(const struct tx_logfmt *f, struct tx_buf *b, struct tx_record *r,
		     unsigned flags)
{
	int color = flags & TX_LOGFMT_COLOR;
	size_t i;

	for (i = 0; i < f->nparts; i++) {
		const struct tx_logfmt_part *p = &f->parts[i];
		const char *name = f->text + p->off;
		const char *sgr = NULL;
		size_t start = b->len, before;

		switch (p->kind) {
		case PART_LITERAL: tx_buf_add(b, name, p->len); continue;
		case PART_KNOWN:
			if (color && p->field == TX_F_STATUS)
				sgr = status_color(r);
			if (sgr)
				tx_buf_adds(b, sgr);
			before = b->len;
			add_known(b, r, (enum tx_field)p->field);
			break;
		case PART_COMPUTED:
			if (color && p->field == C_SIGNED_AMOUNT && amount_sign(r) > 0 &&
			    has_member(r, TX_F_AMOUNT))
				sgr = SGR_GREEN;
			else if (color && p->field == C_ALERTS && tx_logfmt_has_alerts(r))
				sgr = SGR_BOLD_RED;
			if (sgr)
				tx_buf_adds(b, sgr);
			before = b->len;
			if (p->field == C_SIGNED_AMOUNT)
				add_signed_amount(b, r);
			else if (p->field == C_ALERTS)
				add_alerts(b, r);
			else /* the line, a CR before its '\n' (JSON blank) blanked */
				add_str(b, (struct tx_str){r->line, r->len});
			break;
		default:
			before = b->len;
			add_member_text(b, r, tx_record_find(r, name, p->len));
			break;
		}
		if (sgr && b->len == before) { /* nothing to colour */
			b->len = start;
			b->p[b->len] = '\0';
			sgr = NULL;
		}
		if (sgr)
			tx_buf_adds(b, SGR_RESET);
		if (p->width)
			pad_since(b, start, sgr ? strlen(sgr) + sizeof(SGR_RESET) - 1 : 0, p->width,
				  p->left);
	}
}

/*
 * Differential test of the record codec against jansson, the reference
 * parser (json_loadb() with flags 0: duplicate keys allowed, the last one
 * wins, \u0000 refused, objects or arrays at the top).
 *
 * Generated records, valid and then mutated (byte flips, truncations,
 * inserted and deleted bytes, bad UTF-8, bad escapes, bad numbers, deep
 * nesting, duplicate keys) go through both. Every line is classified:
 *
 *   agree-accept   both accept; every known field txkit extracted equals
 *                  what jansson decoded, every member key is in jansson's
 *                  object, writing without edits reproduces the line and the
 *                  canonical form parses again (in both) to the same values
 *   agree-reject   both reject
 *   field-reject   valid JSON that txkit rejects for a field (wrong type,
 *                  bad value, a known field twice): allowed, never with an
 *                  "invalid JSON" message
 *   range          txkit accepts an integer jansson cannot represent
 *                  (beyond json_int_t): a deliberate difference, since
 *                  txkit passes unknown numbers through exactly and scales
 *                  amounts itself; or txkit refuses a number jansson takes
 *                  for 0 or for a double near its limit (below 1e-307 or
 *                  from 1e308 on: tx-record(5) keeps every number within a
 *                  double's normal range, so every backend stores it)
 *   nul            jansson accepts a line with a NUL byte right after a
 *                  number or literal ("1\0,"), which its lexer skips; txkit
 *                  refuses it, as RFC 8259 does (a jansson quirk, not ours)
 *
 * Anything else fails the test with the line and both verdicts. The seed is
 * printed; TX_DIFF_SEED and TX_DIFF_COUNT reproduce or extend a run.
 */
#include <jansson.h>
#include <stdlib.h>

#include "record.h"
#include "timefmt.h"
#include "tx.h"
#include "unit.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

#define PICK(a) (a[below(sizeof(a) / sizeof(a[0]))])

static struct tx_buf line;

static void ws(void)
{
	static const char *const spaces[] = {"", "", "", "", "", "", " ", "\t", "\r\n", "  "};
	tx_buf_adds(&line, PICK(spaces));
}

static void key(const char *k)
{
	ws();
	tx_buf_adds(&line, k);
	ws();
	tx_buf_addch(&line, ':');
	ws();
}

static const char *const texts[] = {
    "\"tx-0001\"",
    "\"tx-\\u00e9\\/\\\"q\\\\\"",
    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
    "\"\\ud83d\\ude00\"",
    "\"a\\tb\\nc\\b\\f\\r\"",
    "\"x\"",
    "\"\"",
    "\"\\u0041\\u00DF\\uFFFF\"",
    "42",
    "007",
    "-1",
    "1.5",
    "null",
};

static const char *const types[] = {
    "\"deposit\"",
    "\"withdrawal\"",
    "\"payment\"",
    "\"transfer\"",
    "\"fee\"",
    "\"refund\"",
    "\"Credit\"",
    "\"Debit\"",
    "\"withdraw\"",
    "\"CASH_IN\"",
    "\"CASH_OUT\"",
    "\"PAYMENT\"",
    "\"TRANSFER\"",
    "\"DEBIT\"",
    "\"purchase\"",
    "\"DePoSiT\"",
    "\"gift\"",
    "\"d\\u0065posit\"",
    "3",
};

static const char *const amounts[] = {
    "128.28",
    "0",
    "0.00",
    "1500",
    "\"1500\"",
    "\"12.5\"",
    "1.505",
    "1.5e2",
    "-3",
    "\"-3\"",
    "1.2340",
    "99999999999999",
    "92233720368547758.07",
    "92233720368547758.08",
    "123456789012345678901234",
    "1E400",
    "\"abc\"",
    "true",
    "0.1",
    "10.10",
    "\"\\u0031.5\"",
};

static const char *const currencies[] = {
    "\"USD\"", "\"EUR\"", "\"JPY\"", "\"KWD\"",	      "\"BHD\"", "\"GBP\"",
    "\"CHF\"", "\"XYZ\"", "\"usd\"", "\"\\u0055SD\"", "1",
};

static const char *const stamps[] = {
    "\"2026-01-31T23:59:59.123456Z\"",
    "\"2026-01-31T23:59:59Z\"",
    "\"2026-01-31 23:59:59.5+02:00\"",
    "\"2026-01-31t00:00:00.123456789z\"",
    "\"2026-02-30T00:00:00Z\"",
    "\"yesterday\"",
    "1767225600",
};

static const char *const statuses[] = {"\"pending\"", "\"completed\"", "\"failed\"", "\"done\"",
				       "\"Pending\""};
static const char *const ops[] = {"\"create\"", "\"update\"", "\"delete\"", "\"insert\""};

static const char *const others[] = {
    "\"merchant\":\"M0042\"",
    "\"category\":\"grocery\"",
    "\"meta\":{\"a\":[1,2.5e10,true,false,null,\"x\"],\"b\":{}}",
    "\"big\":123456789012345678901234567890",
    "\"bigneg\":-123456789012345678901234567890",
    "\"huge\":1e400",
    "\"tiny\":1e-400",
    "\"negzero\":-0.0",
    "\"e\":1E+2",
    "\"arr\":[]",
    "\"obj\":{ }",
    "\"\":\"empty key\"",
    "\"k\\u00e9y\":1",
    "\"merchant\":\"dup\"",
    "\"new_balance\":10.00",
    "\"alerts\":[\"big\"]",
    "\"reason\":\"insufficient funds\"",
    "\"source\":{\"topic\":\"tx\",\"partition\":3,\"offset\":42,"
    "\"ts\":\"2026-01-01T00:00:00.000001Z\",\"key\":\"ACC1\"}",
    "\"source\":{\"topic\":\"t\\u0031\",\"partition\":0,\"offset\":9007199254740993}",
    "\"source\":{\"topic\":\"t\",\"partition\":2147483648,\"offset\":1}",
    "\"source\":{\"topic\":\"t\",\"partition\":1,\"offset\":1,\"key\":null}",
    "\"source\":[]",
};

/* A record: mostly plausible, sometimes with a field of the wrong kind. */
static void gen_record(void)
{
	int order[16], n = 0;

	tx_buf_reset(&line);
	ws();
	tx_buf_addch(&line, '{');
	for (int f = 0; f < 12; f++)
		if (f < 2 || below(3))
			order[n++] = f;
	for (int i = n - 1; i > 0; i--) {
		int j = (int)below((unsigned)i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (int i = 0; i < n; i++) {
		if (i)
			tx_buf_addch(&line, ',');
		switch (order[i]) {
		case 0:
			key(below(20) ? "\"transaction_id\"" : "\"transaction\\u005fid\"");
			if (below(8))
				tx_buf_addf(&line, "\"tx-%08u\"", below(100000000));
			else
				tx_buf_adds(&line, PICK(texts));
			break;
		case 1:
			key("\"account\"");
			if (below(8))
				tx_buf_addf(&line, "\"ACC%05u\"", below(100000));
			else if (below(2))
				tx_buf_addf(&line, "%u", below(1000000));
			else
				tx_buf_adds(&line, PICK(texts));
			break;
		case 2:
			key(below(4) ? "\"type\"" : "\"transaction_type\"");
			tx_buf_adds(&line, below(8) ? "\"payment\"" : PICK(types));
			break;
		case 3:
			key("\"amount\"");
			if (below(6)) {
				tx_buf_addf(&line, below(4) ? "%u.%02u" : "\"%u.%02u\"",
					    below(100000), below(100));
			} else
				tx_buf_adds(&line, PICK(amounts));
			break;
		case 4:
			key("\"currency\"");
			tx_buf_adds(&line, below(8) ? "\"EUR\"" : PICK(currencies));
			break;
		case 5:
			key("\"ts\"");
			tx_buf_adds(&line, below(6) ? stamps[0] : PICK(stamps));
			break;
		case 6:
			key("\"counterparty\"");
			tx_buf_adds(&line, below(6) ? "\"ACC00001\"" : PICK(texts));
			break;
		case 7:
			key("\"status\"");
			tx_buf_adds(&line, below(6) ? "\"completed\"" : PICK(statuses));
			break;
		case 8:
			key("\"op\"");
			tx_buf_adds(&line, below(6) ? "\"create\"" : PICK(ops));
			break;
		case 9:
			key("\"anomaly\"");
			tx_buf_adds(&line, below(6) ? "\"burst\"" : PICK(texts));
			break;
		default:
			ws();
			tx_buf_adds(&line, PICK(others));
			ws();
			break;
		}
		ws();
	}
	tx_buf_addch(&line, '}');
	ws();
}

static void insert(size_t at, const char *s, size_t n)
{
	tx_buf_grow(&line, n);
	memmove(line.p + at + n, line.p + at, line.len - at);
	memcpy(line.p + at, s, n);
	line.len += n;
	line.p[line.len] = '\0';
}

static void mutate(void)
{
	static const char *const bits[] = {
	    "\"",
	    "\\",
	    ",",
	    ":",
	    "{",
	    "}",
	    "[",
	    "]",
	    " ",
	    "\t",
	    "\n",
	    "\x01",
	    "\x7f",
	    "0",
	    "-",
	    "e",
	    ".",
	    "+",
	    "u",
	    "\\u",
	    "\\ud800",
	    "\\udc00",
	    "\\u0000",
	    "\\x",
	    "\xc0\xaf",
	    "\xed\xa0\x80",
	    "\xf4\x90\x80\x80",
	    "\xe2\x82",
	    "\x80",
	    "\xff",
	    "\xc3\xa9",
	    "01",
	    "1.",
	    ".5",
	    "1e",
	    "null",
	    "tru",
	    "\"a\":1,",
	    "\"amount\":1,",
	    "\"type\":\"fee\",",
	    "\f",
	    "\v",
	    "\xef\xbb\xbf",
	};
	size_t at = line.len ? below((unsigned)line.len + 1) : 0;

	switch (below(6)) {
	case 0: /* flip a byte */
		if (line.len)
			line.p[below((unsigned)line.len)] = (char)below(256);
		break;
	case 1: /* truncate */
		line.len = at;
		line.p[line.len] = '\0';
		break;
	case 2: /* delete a few bytes */
		if (at < line.len) {
			size_t n = 1 + below(3);
			if (n > line.len - at)
				n = line.len - at;
			memmove(line.p + at, line.p + at + n, line.len - at - n);
			line.len -= n;
			line.p[line.len] = '\0';
		}
		break;
	default: { /* insert something interesting */
		const char *s = PICK(bits);
		insert(at, s, strlen(s));
		break;
	}
	}
}

/* {"d":[[[...]]]} around jansson's depth limit. */
static void gen_deep(void)
{
	unsigned depth = 2040 + below(12);
	int inner = below(2);

	tx_buf_reset(&line);
	tx_buf_adds(&line, "{\"account\":\"A\",\"d\":");
	for (unsigned i = 0; i < depth; i++)
		tx_buf_addch(&line, below(2) ? '[' : '[');
	if (inner)
		tx_buf_adds(&line, "1");
	for (unsigned i = 0; i < depth; i++)
		tx_buf_addch(&line, ']');
	tx_buf_addch(&line, '}');
}

static unsigned long n_accept, n_reject, n_field, n_range, n_nul, n_bad;

static void report_bad(const char *why, const char *detail)
{
	n_bad++;
	if (n_bad <= 10) {
		printf("# MISMATCH %s: %s\n#   line (%zu bytes): ", why, detail, line.len);
		for (size_t i = 0; i < line.len && i < 300; i++) {
			unsigned char c = (unsigned char)line.p[i];
			if (c < 0x20 || c >= 0x7f)
				printf("\\x%02x", c);
			else
				putchar(c);
		}
		putchar('\n');
	}
}

static int str_eq(struct tx_str s, json_t *j)
{
	return json_is_string(j) && s.p && json_string_length(j) == s.len &&
	       !memcmp(json_string_value(j), s.p, s.len);
}

/* An account or id: a string, or an integer compared as its text. */
static int id_eq(struct tx_str s, json_t *j)
{
	char tmp[32];

	if (json_is_integer(j)) {
		snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return s.p && strlen(tmp) == s.len && !memcmp(tmp, s.p, s.len);
	}
	return str_eq(s, j);
}

static enum tx_type type_of(const char *w)
{
	static const struct {
		const char *w;
		enum tx_type t;
	} m[] = {
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
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcasecmp(w, m[i].w))
			return m[i].t;
	return TX_TYPE_NONE;
}

static int amount_eq(const struct tx_record *r, json_t *j)
{
	int e = r->currency->exponent;
	double scale = 1;
	int64_t v;

	for (int i = 0; i < e; i++)
		scale *= 10;
	if (json_is_string(j))
		return tx_money_parse(json_string_value(j), json_string_length(j), e, &v) ==
			   TX_MONEY_OK &&
		       v == r->amount;
	if (json_is_integer(j)) {
		int64_t want = json_integer_value(j);
		for (int i = 0; i < e; i++)
			if (__builtin_mul_overflow(want, 10, &want))
				return 0;
		return want == r->amount;
	}
	if (json_is_real(j)) {
		double want = json_real_value(j) * scale, got = (double)r->amount;
		double tol = 1e-9 * (want < 0 ? -want : want) + 1e-6;
		return got - want <= tol && want - got <= tol;
	}
	return 0;
}

/*
 * Member i's value in jansson's object, found by its key as jansson decodes
 * it (the key may be an alias or hold escapes). *dec gets the decoded key
 * (caller decrefs), NULL when jansson cannot decode it.
 */
static json_t *member_json(json_t *o, const struct tx_record *r, size_t i, json_t **dec)
{
	const struct tx_member *m = &r->members[i];
	char *q = tx_malloc(m->key_len + 3);
	json_error_t err;

	q[0] = '"';
	memcpy(q + 1, r->line + m->key_off, m->key_len);
	q[m->key_len + 1] = '"';
	*dec = json_loadb(q, m->key_len + 2, JSON_DECODE_ANY, &err);
	free(q);
	if (!*dec)
		return NULL;
	return json_object_getn(o, json_string_value(*dec), json_string_length(*dec));
}

static json_t *get(json_t *o, const struct tx_record *r, int f)
{
	json_t *dec, *v;

	if (r->idx[f] < 0)
		return NULL;
	v = member_json(o, r, (size_t)r->idx[f], &dec);
	json_decref(dec);
	return v;
}

/* Both accepted: everything txkit extracted must equal jansson's view. */
static const char *compare(struct tx_record *r, json_t *o)
{
	json_t *v;
	int64_t us;

	if ((v = get(o, r, TX_F_TRANSACTION_ID)) && !str_eq(r->id, v))
		return "transaction_id differs";
	if ((v = get(o, r, TX_F_ACCOUNT)) && !id_eq(r->account, v))
		return "account differs";
	if ((v = get(o, r, TX_F_COUNTERPARTY)) && !id_eq(r->counterparty, v))
		return "counterparty differs";
	if ((v = get(o, r, TX_F_TYPE)) &&
	    (!json_is_string(v) || type_of(json_string_value(v)) != r->type))
		return "type differs";
	if ((v = get(o, r, TX_F_CURRENCY)) &&
	    (!json_is_string(v) || strcmp(json_string_value(v), r->currency->code)))
		return "currency differs";
	if (r->idx[TX_F_CURRENCY] < 0 && strcmp(r->currency->code, "USD"))
		return "default currency is not USD";
	if ((v = get(o, r, TX_F_AMOUNT)) && !amount_eq(r, v))
		return "amount differs";
	if ((v = get(o, r, TX_F_TS)) &&
	    (!json_is_string(v) ||
	     tx_time_parse(json_string_value(v), json_string_length(v), &us) || us != r->ts_us))
		return "ts differs";
	if ((v = get(o, r, TX_F_STATUS)) &&
	    (!json_is_string(v) || strcmp(json_string_value(v), tx_status_name(r->status))))
		return "status differs";
	if ((v = get(o, r, TX_F_OP)) &&
	    (!json_is_string(v) || strcmp(json_string_value(v), tx_op_name(r->op))))
		return "op differs";
	if (r->idx[TX_F_OP] < 0 && r->op != TX_OP_CREATE)
		return "op does not default to create";
	if ((v = get(o, r, TX_F_ANOMALY)) && !str_eq(r->anomaly, v))
		return "anomaly differs";
	if ((v = get(o, r, TX_F_SOURCE))) {
		json_t *t = json_object_get(v, "topic"), *p = json_object_get(v, "partition"),
		       *off = json_object_get(v, "offset"), *ts = json_object_get(v, "ts"),
		       *k = json_object_get(v, "key");
		if (!r->has_source || !str_eq(r->source.topic, t) ||
		    json_integer_value(p) != r->source.partition ||
		    json_integer_value(off) != r->source.offset)
			return "source differs";
		if (ts ? tx_time_parse(json_string_value(ts), json_string_length(ts), &us) ||
			     us != r->source.ts_us
		       : r->source.ts_us != -1)
			return "source.ts differs";
		if (k && !json_is_null(k) ? !str_eq(r->source.key, k) : r->source.key.p != NULL)
			return "source.key differs";
	}
	/* every member's key is one of jansson's; string texts decode alike */
	if (json_object_size(o) > r->nmembers)
		return "jansson has more members";
	for (size_t i = 0; i < r->nmembers; i++) {
		json_t *dec, *val = member_json(o, r, i, &dec);
		int found;

		if (!dec)
			return "a key jansson cannot decode";
		found = tx_record_find(r, json_string_value(dec), json_string_length(dec));
		json_decref(dec);
		if (found < 0 || found > (int)i)
			return "tx_record_find misses a key";
		if (!val)
			return "a member jansson does not have";
		/* with duplicate keys jansson keeps the last: compare only without */
		if (json_is_string(val) && r->line[r->members[i].val_off] == '"' &&
		    json_object_size(o) == r->nmembers && !str_eq(tx_record_text(r, (int)i), val))
			return "tx_record_text differs";
	}
	return NULL;
}

/*
 * jansson drops one NUL byte that follows a number or a literal ("1\0,"):
 * its lexer puts the byte back and then reads past it. txkit refuses the
 * line, as RFC 8259 does. True when txkit's complaint points at such a byte.
 */
static int nul_quirk(const struct tx_record *r)
{
	unsigned long at;
	const char *p = strstr(r->err, "invalid JSON at byte ");

	if (!p)
		return 0;
	at = strtoul(p + 21, NULL, 10);
	return at >= 1 && at <= line.len && line.p[at - 1] == '\0';
}

static int range_error(const json_error_t *e)
{
	return strstr(e->text, "too big integer") || strstr(e->text, "too big negative integer") ||
	       strstr(e->text, "real number overflow");
}

/* Round trips: no edits reproduce the line; the canonical form parses again. */
static const char *round_trip(struct tx_record *r, struct tx_record *again, struct tx_buf *out)
{
	json_error_t err;
	json_t *j;

	tx_buf_reset(out);
	tx_record_write(out, r, NULL, 0, 0);
	if (out->len != line.len || memcmp(out->p, line.p, line.len))
		return "write without edits changed the line";
	tx_buf_reset(out);
	tx_record_write(out, r, NULL, 0, TX_WRITE_CANONICAL);
	if (tx_record_parse(again, out->p, out->len, 0))
		return "the canonical form does not parse";
	if (again->amount != r->amount || again->type != r->type ||
	    again->currency != r->currency || again->id.len != r->id.len ||
	    (r->id.len && memcmp(again->id.p, r->id.p, r->id.len)) ||
	    again->account.len != r->account.len ||
	    (r->account.len && memcmp(again->account.p, r->account.p, r->account.len)))
		return "the canonical form has other values";
	if (!(j = json_loadb(out->p, out->len, 0, &err)) && !range_error(&err))
		return "jansson rejects the canonical form";
	json_decref(j);
	return NULL;
}

int cmd_main(int argc, char **argv);
int cmd_main(int argc, char **argv)
{
	const char *s = getenv("TX_DIFF_SEED"), *c = getenv("TX_DIFF_COUNT");
	uint64_t seed = s ? strtoull(s, NULL, 10) : 20261126;
	unsigned long count = c ? strtoul(c, NULL, 10) : 300000;
	struct tx_record r, again;
	struct tx_buf out = TX_BUF_INIT;
	char detail[400];

	rng_state = seed;
	printf("# seed %llu, %lu lines (TX_DIFF_SEED, TX_DIFF_COUNT)\n", (unsigned long long)seed,
	       count);
	tx_record_init(&r);
	tx_record_init(&again);
	for (unsigned long i = 0; i < count; i++) {
		json_error_t err;
		json_t *j;
		int rc;

		if (below(1000) == 0) {
			gen_deep();
		} else {
			gen_record();
			if (below(2))
				for (unsigned m = 1 + below(3); m > 0; m--)
					mutate();
		}
		rc = tx_record_parse(&r, line.p, line.len, 0);
		j = json_loadb(line.p, line.len, 0, &err);
		if (rc == 0 && j) {
			const char *why = compare(&r, j);
			if (!why)
				why = round_trip(&r, &again, &out);
			if (why)
				report_bad(why, "both accept");
			else
				n_accept++;
		} else if (rc == 0) {
			if (range_error(&err)) {
				n_range++;
			} else {
				snprintf(detail, sizeof(detail), "jansson: %s", err.text);
				report_bad("txkit accepts what jansson rejects", detail);
			}
		} else if (j) {
			if (nul_quirk(&r)) {
				n_nul++;
			} else if (strstr(r.err, "number out of range")) {
				n_range++;
			} else if (!strncmp(r.err, "invalid JSON", 12) ||
				   !strcmp(r.err, "empty line")) {
				snprintf(detail, sizeof(detail), "txkit: %s", r.err);
				report_bad("txkit calls valid JSON invalid", detail);
			} else
				n_field++;
		} else {
			n_reject++;
		}
		json_decref(j);
	}
	printf("# agree-accept %lu, agree-reject %lu, field-reject %lu, range %lu, nul %lu, "
	       "mismatch %lu\n",
	       n_accept, n_reject, n_field, n_range, n_nul, n_bad);
	CHECK(n_bad == 0, "txkit and jansson agree on every generated line");
	CHECK(n_accept > count / 20, "a fair share of lines are valid records");
	CHECK(n_reject > count / 20, "a fair share of lines are invalid JSON");
	CHECK(n_field > count / 50, "a fair share of lines have a bad field");
	CHECK(n_range > 0, "numbers out of jansson's range were generated");
	tx_record_release(&r);
	tx_record_release(&again);
	tx_buf_release(&out);
	tx_buf_release(&line);
	return unit_done();
}

/*
 * Unit tests for rng.c, gen.c and paysim.c: the PRNG's exact stream, the
 * fixed-point functions, the distributions' moments, the generator's
 * records read back by the record codec, PaySim rows.
 *
 * "unit-gen sum" reads NDJSON on stdin and prints the exact sum of the
 * amounts per currency as the record codec reads them ("USD 123.45"), for
 * tests/t1000-txgen.sh to compare with Python's Decimal.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "lines.h"
#include "money.h"
#include "paysim.h"
#include "record.h"
#include "rng.h"
#include "tx.h"
#include "unit.h"

static int sum_stdin(void)
{
	const struct tx_currency *cur[64];
	int64_t total[64];
	int n = 0, i;
	struct tx_lines lr;
	struct tx_record r;
	struct tx_buf out = TX_BUF_INIT;
	char *line;
	size_t len;

	tx_lines_init(&lr, 0, "stdin");
	tx_record_init(&r);
	while (tx_lines_next(&lr, &line, &len) == 1) {
		if (tx_record_parse(&r, line, len, TX_PARSE_REQUIRE) < 0) {
			tx_warn_at("stdin", lr.lineno, "%s", r.err);
			return 1;
		}
		if (r.idx[TX_F_AMOUNT] < 0)
			continue;
		for (i = 0; i < n && cur[i] != r.currency; i++)
			;
		if (i == n) {
			if (n == 64)
				return 1;
			cur[n] = r.currency;
			total[n++] = 0;
		}
		if (tx_money_add(total[i], r.amount, &total[i]) < 0) {
			tx_warn_at("stdin", lr.lineno, "sum overflows");
			return 1;
		}
	}
	/* sorted by code, as the Python side prints them */
	for (;;) {
		int best = -1;
		for (i = 0; i < n; i++)
			if (cur[i] && (best < 0 || memcmp(cur[i]->code, cur[best]->code, 3) < 0))
				best = i;
		if (best < 0)
			break;
		tx_buf_add(&out, cur[best]->code, 3);
		tx_buf_addch(&out, ' ');
		tx_money_format(&out, total[best], cur[best]->exponent);
		tx_buf_addch(&out, '\n');
		cur[best] = NULL;
	}
	fwrite(out.p, 1, out.len, stdout);
	tx_buf_release(&out);
	tx_record_release(&r);
	tx_lines_release(&lr);
	return 0;
}

static void test_rng(void)
{
	struct tx_rng r, r2;
	int64_t sum = 0, sumsq = 0, mean;
	uint64_t esum = 0;
	int i, inrange = 1;

	/* xoshiro256** seeded by splitmix64(1): the reference stream, on every machine */
	tx_rng_seed(&r, 1);
	CHECK(tx_rng_next(&r) == 0xb3f2af6d0fc710c5ull, "seed 1: first output");
	CHECK(tx_rng_next(&r) == 0x853b559647364ceaull, "seed 1: second output");
	CHECK(tx_rng_next(&r) == 0x92f89756082a4514ull, "seed 1: third output");
	tx_rng_seed(&r, 2);
	tx_rng_seed(&r2, 2);
	CHECK(tx_rng_next(&r) == tx_rng_next(&r2), "same seed, same stream");

	for (i = 0; i < 100000; i++) {
		uint64_t v = tx_rng_below(&r, 7);
		int64_t w = tx_rng_range(&r, -3, 3);
		if (v >= 7 || w < -3 || w > 3)
			inrange = 0;
	}
	CHECK(inrange, "below and range stay in bounds");

	CHECK_EQ_INT(tx_exp2_q16(0), 1, "2^0");
	CHECK_EQ_INT(tx_exp2_q16(10 << 16), 1024, "2^10");
	CHECK_EQ_INT(tx_exp2_q16((16 << 16) + 32768), 92682, "2^16.5 rounded");
	CHECK_EQ_INT(tx_exp2_q16(-5), 1, "2^negative is clamped to 1");
	CHECK_EQ_INT(tx_log2_q16(1024), 10 << 16, "log2 1024");
	CHECK_EQ_INT(tx_log2_q16(3), 103872, "log2 3 in Q16, truncated");
	CHECK_EQ_INT(tx_exp2_q16(tx_log2_q16(12345)), 12345, "exp2(log2(x)) round trip");

	for (i = 0; i < 200000; i++) {
		int32_t z = tx_rng_normal_q16(&r);
		sum += z;
		sumsq += (int64_t)z * z / 65536;
	}
	mean = sum / 200000;
	CHECK(mean > -700 && mean < 700, "normal: mean about 0");
	CHECK(sumsq / 200000 > 63000 && sumsq / 200000 < 68000, "normal: variance about 1");
	for (i = 0; i < 200000; i++)
		esum += tx_rng_exponential(&r, 1000000);
	CHECK(esum / 200000 > 990000 && esum / 200000 < 1010000, "exponential: mean as asked");
}

static void test_gen(void)
{
	struct tx_gen_config c;
	struct tx_gen *g;
	struct tx_record r;
	struct tx_buf b = TX_BUF_INIT, line = TX_BUF_INIT;
	int64_t codec_sum = 0, text_sum = 0;
	uint64_t i, bad = 0, pending = 0, updates = 0;
	size_t start;

	tx_gen_config_init(&c);
	c.seed = 42;
	c.pending_ppm = 100000;
	c.deletes_ppm = 20000;
	c.duplicates_ppm = 10000;
	c.anomalies_ppm = 10000;
	g = tx_gen_new(&c);
	tx_record_init(&r);
	for (i = 0; i < 100000; i++) {
		const char *a, *e;
		tx_buf_reset(&b);
		tx_gen_next(g, &b, 100000 - i);
		if (b.len == 0 || b.p[b.len - 1] != '\n' || memchr(b.p, '\n', b.len - 1)) {
			bad++;
			continue;
		}
		start = b.len - 1;
		if (tx_record_parse(&r, b.p, start, TX_PARSE_REQUIRE) < 0) {
			if (bad++ < 3)
				printf("# %s: %.*s\n", r.err, (int)start, b.p);
			continue;
		}
		if (r.status == TX_STATUS_PENDING)
			pending++;
		if (r.op == TX_OP_UPDATE)
			updates++;
		if (r.idx[TX_F_AMOUNT] < 0)
			continue;
		codec_sum += r.amount;
		/* the amount's text without its point is the number of cents */
		a = strstr(b.p, "\"amount\":") + 9;
		e = strchr(a, ',');
		tx_buf_reset(&line);
		for (; a < e; a++)
			if (*a != '.')
				tx_buf_addch(&line, *a);
		text_sum += strtoll(line.p, NULL, 10);
	}
	CHECK_EQ_INT(bad, 0, "100000 lines, each one strict JSON the codec accepts");
	CHECK_EQ_INT(codec_sum, text_sum, "the codec's sum equals the sum of the cents' text");
	CHECK(pending > 1000, "pending creates written");
	/* a duplicate may repeat an update (or a pending create) */
	CHECK(updates >= pending * 9 / 10 && updates <= pending + tx_gen_stats(g)->duplicates,
	      "updates pair with pending");
	CHECK_EQ_INT(tx_gen_stats(g)->lines, 100000, "stats count the lines");
	CHECK(tx_gen_stats(g)->duplicates > 500, "duplicates counted");
	tx_record_release(&r);
	tx_buf_release(&b);
	tx_buf_release(&line);
	tx_gen_free(g);
}

static void test_paysim(void)
{
	struct tx_paysim_row row;
	struct tx_buf b = TX_BUF_INIT;
	char err[256];
	const char *ok = "3,TRANSFER,181.5,C1305486145,181.0,0.0,C553264065,0.0,0.0,1,0\r";

	CHECK(tx_paysim_is_header(tx_paysim_header, strlen(tx_paysim_header)), "header");
	CHECK(!tx_paysim_is_header(ok, strlen(ok)), "a row is no header");
	CHECK_EQ_INT(tx_paysim_parse(ok, strlen(ok), 2, &row, err, sizeof(err)), 0, "a good row");
	CHECK_EQ_INT(row.step, 3, "step");
	CHECK_EQ_INT(row.type, TX_TYPE_TRANSFER, "type");
	CHECK_EQ_INT(row.amount, 18150, "amount in cents");
	CHECK(row.is_fraud && !row.is_flagged, "flags");
	tx_paysim_write(&b, &row, 7, tx_currency_find("EUR", 3), tx_paysim_ts(0, 3, 1));
	CHECK_EQ_STR(
	    b.p,
	    "{\"transaction_id\":\"ps-7\",\"account\":\"C1305486145\",\"type\":\"transfer\","
	    "\"amount\":181.50,\"currency\":\"EUR\",\"ts\":\"1970-01-01T02:00:35.643564Z\","
	    "\"status\":\"completed\",\"counterparty\":\"C553264065\","
	    "\"anomaly\":\"paysim_fraud\"}\n",
	    "the record of a row");
	CHECK(tx_paysim_ts(0, 1, 1000000000) < 3600ll * 1000000, "a step's rows stay in its hour");
	CHECK_EQ_INT(row.old_orig, 18100, "oldbalanceOrg in cents");
	CHECK_EQ_INT(row.old_dest, 0, "oldbalanceDest in cents");
	CHECK(!row.old_orig_err && !row.old_dest_err, "both balances fit");
	tx_buf_reset(&b);
	tx_paysim_write_opening(&b, row.orig, row.old_orig, tx_currency_find("EUR", 3), 1000000);
	CHECK_EQ_STR(b.p,
		     "{\"transaction_id\":\"ps-open-C1305486145\",\"account\":\"C1305486145\","
		     "\"type\":\"deposit\",\"amount\":181.00,\"currency\":\"EUR\","
		     "\"ts\":\"1970-01-01T00:00:01.000000Z\",\"status\":\"completed\","
		     "\"opening_balance\":true}\n",
		     "an opening deposit");
	{
		const char *jpy = "1,CASH_IN,5,C1,10.50,15.50,C2,7,7,0,0";
		CHECK_EQ_INT(tx_paysim_parse(jpy, strlen(jpy), 0, &row, err, sizeof(err)), 0,
			     "a balance that does not fit is no reason to refuse the row");
		CHECK_EQ_INT(row.old_orig_err, TX_MONEY_PRECISION, "but it is noted");
		CHECK_EQ_INT(row.old_dest, 7, "the other balance is there");
	}

#define BAD(row, msg)                                                                              \
	do {                                                                                       \
		CHECK_EQ_INT(tx_paysim_parse(row, strlen(row), 2, &row_, err, sizeof(err)), -1,    \
			     "rejected: " row);                                                    \
		CHECK_EQ_STR(err, msg, "message for: " row);                                       \
	} while (0)
	{
		struct tx_paysim_row row_;
		BAD("", "empty row");
		BAD("1,PAYMENT,1.00", "expected 11 columns, found 3");
		BAD("x,PAYMENT,1.00,C1,0,0,M1,0,0,0,0",
		    "step 'x' is not a positive integer up to 100000000");
		BAD("1,payment,1.00,C1,0,0,M1,0,0,0,0", "unknown type 'payment' (expected CASH_IN, "
							"CASH_OUT, DEBIT, PAYMENT or TRANSFER)");
		BAD("1,PAYMENT,1e3,C1,0,0,M1,0,0,0,0",
		    "amount '1e3' is not a plain decimal number");
		BAD("1,PAYMENT,-1.00,C1,0,0,M1,0,0,0,0", "amount '-1.00' is negative");
		BAD("1,PAYMENT,1.001,C1,0,0,M1,0,0,0,0",
		    "amount '1.001' has more than 2 decimals for its currency");
		BAD("1,PAYMENT,1.00,,0,0,M1,0,0,0,0", "nameOrig '' is not an account name");
		BAD("1,PAYMENT,1.00,C1,0,0,M\"1,0,0,0,0", "nameDest 'M\"1' is not an account name");
		BAD("1,PAYMENT,1.00,C1,0,0,M1,0,x,0,0",
		    "newbalanceDest 'x' is not a plain decimal number");
		BAD("1,PAYMENT,1.00,C1,0,0,M1,0,0,0,yes", "isFlaggedFraud 'yes' is not 0 or 1");
		BAD("1,TRANSFER,1.00,C1,5,4,C1,5,4,0,0", "a TRANSFER from 'C1' to itself");
	}
	tx_buf_release(&b);
}

int cmd_main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "sum"))
		return sum_stdin();
	test_rng();
	test_gen();
	test_paysim();
	return unit_done();
}

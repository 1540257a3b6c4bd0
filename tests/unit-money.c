/* Unit tests for money.c and timefmt.c: exact amounts and timestamps. */
#include "money.h"
#include "timefmt.h"
#include "tx.h"
#include "unit.h"

static void parse_ok(const char *text, const char *cur, int64_t want)
{
	const struct tx_currency *c = tx_currency_find(cur, strlen(cur));
	int64_t got = 0;
	char what[128];

	snprintf(what, sizeof(what), "%s %s parses to %lld", text, cur, (long long)want);
	unit_report(c && tx_money_parse(text, strlen(text), c->exponent, &got) == TX_MONEY_OK &&
			got == want,
		    what, __FILE__, __LINE__);
}

static void parse_err(const char *text, int exponent, enum tx_money_err want)
{
	int64_t got;
	char what[128];

	snprintf(what, sizeof(what), "'%s' with %d decimals is refused (%s)", text, exponent,
		 tx_money_strerror(want, exponent));
	unit_report(tx_money_parse(text, strlen(text), exponent, &got) == want, what, __FILE__,
		    __LINE__);
}

static void round_trip(int64_t v, int exponent, const char *want)
{
	struct tx_buf b = TX_BUF_INIT;
	int64_t back = 0;
	char what[128];

	tx_money_format(&b, v, exponent);
	snprintf(what, sizeof(what), "%lld with %d decimals prints as %s", (long long)v, exponent,
		 want);
	CHECK_EQ_STR(b.p, want, what);
	tx_money_parse(b.p, b.len, exponent, &back);
	CHECK_EQ_INT(back, v, "and parses back");
	tx_buf_release(&b);
}

/* The text of v with e decimals, the slow obvious way (printf). */
static void reference_text(char *out, size_t size, int64_t v, int e)
{
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, scale = 1;
	int k;

	for (k = 0; k < e; k++)
		scale *= 10;
	if (e == 0)
		snprintf(out, size, "%s%" PRIu64, v < 0 ? "-" : "", m);
	else
		snprintf(out, size, "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "", m / scale, e,
			 m % scale);
}

/*
 * tx_money_put() and tx_put_uint() against printf for every exponent 0-4 and
 * the values where the digit count changes (around each power of 10 and 2).
 */
static void put_matches_printf(void)
{
	char want[64], got[TX_MONEY_TEXT_MAX + 8];
	int bad = 0, e, k, sign;
	uint64_t p10 = 1;

	for (k = 0; k < 64; k++) {
		uint64_t bases[2] = {p10, (uint64_t)1 << k};
		for (int j = 0; j < 2; j++)
			for (int64_t d = -2; d <= 2; d++) {
				uint64_t u = bases[j] + (uint64_t)d;
				char *end = tx_put_uint(got, u);
				*end = '\0';
				snprintf(want, sizeof(want), "%" PRIu64, u);
				bad += strcmp(got, want) != 0;
				if (u > INT64_MAX)
					continue;
				for (e = 0; e <= 4; e++)
					for (sign = -1; sign <= 1; sign += 2) {
						int64_t v = sign * (int64_t)u;
						end = tx_money_put(got, v, e);
						*end = '\0';
						reference_text(want, sizeof(want), v, e);
						bad += strcmp(got, want) != 0;
					}
			}
		if (p10 <= UINT64_MAX / 10)
			p10 *= 10;
	}
	CHECK_EQ_INT(bad, 0,
		     "tx_money_put and tx_put_uint agree with printf at every digit-count edge");
}

static void time_round_trip(const char *in, const char *want)
{
	struct tx_buf b = TX_BUF_INIT;
	int64_t us;
	char what[160];

	snprintf(what, sizeof(what), "%s normalises to %s", in, want);
	if (tx_time_parse(in, strlen(in), &us) < 0) {
		unit_report(0, what, __FILE__, __LINE__);
		return;
	}
	tx_time_format(&b, us);
	CHECK_EQ_STR(b.p, want, what);
	tx_buf_release(&b);
}

int cmd_main(int argc, char **argv);
int cmd_main(int argc, char **argv)
{
	int64_t us;

	CHECK(tx_currency_find("USD", 3) && tx_currency_find("USD", 3)->exponent == 2,
	      "USD has 2 decimals");
	CHECK(tx_currency_find("JPY", 3)->exponent == 0, "JPY has 0 decimals");
	CHECK(tx_currency_find("KWD", 3)->exponent == 3, "KWD has 3 decimals");
	CHECK(tx_currency_find("BHD", 3)->exponent == 3, "BHD has 3 decimals");
	CHECK(tx_currency_find("CHF", 3)->exponent == 2, "CHF has 2 decimals");
	CHECK(tx_currency_find("EUR", 3) && tx_currency_find("GBP", 3), "EUR and GBP are known");
	CHECK(!tx_currency_find("XYZ", 3) && !tx_currency_find("usd", 3) &&
		  !tx_currency_find("US", 2),
	      "unknown, lower-case and short codes are not currencies");

	parse_ok("128.28", "USD", 12828);
	parse_ok("128.2", "USD", 12820);
	parse_ok("128", "USD", 12800);
	parse_ok("128.280", "USD", 12828);
	parse_ok("0.01", "EUR", 1);
	parse_ok("1500", "JPY", 1500);
	parse_ok("1500.000", "JPY", 1500);
	parse_ok("1.234", "KWD", 1234);
	parse_ok("-5.05", "GBP", -505);
	parse_ok("92233720368547758.07", "USD", INT64_MAX);
	parse_ok("-92233720368547758.08", "USD", INT64_MIN);
	parse_err("92233720368547758.08", 2, TX_MONEY_OVERFLOW);
	parse_err("9223372036854775808", 0, TX_MONEY_OVERFLOW);
	parse_err("99999999999999999999999", 2, TX_MONEY_OVERFLOW);
	/* around the length below which overflow checks are skipped */
	parse_ok("9999999999999999.99", "USD", 999999999999999999LL);
	parse_ok("9999999999999999", "USD", 999999999999999900LL);
	parse_err("99999999999999999", 2, TX_MONEY_OVERFLOW);
	parse_ok("999999999999999999", "JPY", 999999999999999999LL);
	parse_ok("9223372036854775807", "JPY", INT64_MAX);
	parse_err("9999999999999999999", 0, TX_MONEY_OVERFLOW);
	parse_err("99999999999999999.9", 2, TX_MONEY_OVERFLOW);
	parse_err("-9999999999999999999", 0, TX_MONEY_OVERFLOW);
	parse_ok("-9223372036854775808", "JPY", INT64_MIN);
	parse_err("1.505", 2, TX_MONEY_PRECISION);
	parse_err("1.5", 0, TX_MONEY_PRECISION);
	parse_err("1.2345", 3, TX_MONEY_PRECISION);
	parse_err("1e2", 2, TX_MONEY_SYNTAX);
	parse_err("01.5", 2, TX_MONEY_SYNTAX);
	parse_err("1.", 2, TX_MONEY_SYNTAX);
	parse_err(".5", 2, TX_MONEY_SYNTAX);
	parse_err("+1", 2, TX_MONEY_SYNTAX);
	parse_err("", 2, TX_MONEY_SYNTAX);
	parse_err("-", 2, TX_MONEY_SYNTAX);
	parse_err("1,5", 2, TX_MONEY_SYNTAX);
	parse_err(" 1", 2, TX_MONEY_SYNTAX);

	round_trip(12828, 2, "128.28");
	round_trip(5, 2, "0.05");
	round_trip(-5, 2, "-0.05");
	round_trip(1500, 0, "1500");
	round_trip(1234, 3, "1.234");
	round_trip(0, 2, "0.00");
	round_trip(INT64_MAX, 2, "92233720368547758.07");
	round_trip(INT64_MIN, 2, "-92233720368547758.08");
	round_trip(-1234, 3, "-1.234");
	round_trip(7, 4, "0.0007");
	round_trip(INT64_MIN, 0, "-9223372036854775808");
	put_matches_printf();

	time_round_trip("2026-01-31T23:59:59.123456Z", "2026-01-31T23:59:59.123456Z");
	time_round_trip("2026-01-31T23:59:59Z", "2026-01-31T23:59:59.000000Z");
	time_round_trip("2026-02-01T01:29:59.5+01:30", "2026-01-31T23:59:59.500000Z");
	time_round_trip("2024-02-29 00:00:00.123456789z", "2024-02-29T00:00:00.123456Z");
	time_round_trip("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000Z");
	time_round_trip("1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z");
	CHECK(tx_time_parse("2023-02-29T00:00:00Z", 20, &us) < 0, "2023-02-29 is not a date");
	CHECK(tx_time_parse("2026-01-01T24:00:00Z", 20, &us) < 0, "hour 24 is refused");
	CHECK(tx_time_parse("2026-01-01T00:00:60Z", 20, &us) < 0, "leap second is refused");
	CHECK(tx_time_parse("2026-01-01T00:00:00", 19, &us) < 0,
	      "a time without offset is refused");
	CHECK(tx_time_parse("2026-01-01T00:00:00.Z", 21, &us) < 0, "an empty fraction is refused");
	CHECK(tx_time_parse("2026-01-01T00:00:00Zx", 21, &us) < 0, "trailing bytes are refused");
	CHECK(tx_time_parse("2026-01-01T00:00:00.000000Z", 27, &us) == 0 &&
		  us == 1767225600000000LL,
	      "2026-01-01 is 1767225600 s after the epoch");
	/* the date of the last timestamp is remembered: the rest is still checked */
	CHECK(tx_time_parse("2026-01-01T00:00:00.00000xZ", 27, &us) < 0,
	      "a bad fraction after a good timestamp of the same date is refused");
	CHECK(tx_time_parse("2026-01-01X00:00:00.000000Z", 27, &us) < 0,
	      "a bad separator after a good timestamp of the same date is refused");
	CHECK(tx_time_parse("2026-01-01T23:59:59.999999z", 27, &us) == 0 &&
		  us == 1767311999999999LL,
	      "the same date again, lower-case z");
	CHECK(tx_time_parse("2026-01-01T00:00:00.0000000", 27, &us) < 0,
	      "27 bytes without an offset are refused");
	CHECK(tx_time_parse("2023-02-29T00:00:00.000000Z", 27, &us) < 0,
	      "2023-02-29 is refused after a good date");
	CHECK(tx_time_parse("2023-02-29T00:00:00.000000Z", 27, &us) < 0,
	      "2023-02-29 is refused twice (a bad date is not remembered)");
	CHECK(tx_time_parse("2026-01-02T00:00:00.000001Z", 27, &us) == 0 &&
		  us == 1767312000000001LL,
	      "the next day");
	{
		/* sums past int64 (txstore report on SQLite) */
		struct tx_buf w = TX_BUF_INIT;
		tx_money_format_wide(&w, (__int128)INT64_MAX * 2, 2);
		tx_buf_addch(&w, ' ');
		tx_money_format_wide(&w, -(__int128)5, 3);
		tx_buf_addch(&w, ' ');
		tx_money_format_wide(&w, 0, 0);
		tx_buf_addch(&w, ' ');
		tx_money_format_wide(&w, (__int128)1 << 126, 4);
		CHECK_EQ_STR(w.p,
			     "184467440737095516.14 -0.005 0 "
			     "8507059173023461586584365185794205.2864",
			     "tx_money_format_wide() past int64");
		tx_buf_release(&w);
	}
	return unit_done();
}

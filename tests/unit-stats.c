/* Unit tests for stats.h (histogram, Space-Saving, rate, the record tally), chart.h, svg.h. */
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "record.h"
#include "stats.h"
#include "svg.h"
#include "tx.h"
#include "unit.h"

static void test_hist(void)
{
	struct tx_hist h;
	int64_t v;

	memset(&h, 0, sizeof(h));
	CHECK_EQ_INT(tx_hist_quantile(&h, 0.5), 0, "empty histogram: 0");
	for (int i = 1; i <= 10; i++)
		tx_hist_add(&h, i);
	CHECK_EQ_INT(tx_hist_quantile(&h, 0.5), 5, "small values are exact: p50 of 1..10");
	CHECK_EQ_INT(tx_hist_quantile(&h, 0.9), 9, "p90 of 1..10");
	CHECK_EQ_INT(tx_hist_quantile(&h, 1.0), 10, "p100 is the max");
	CHECK_EQ_INT(h.min, 1, "min");

	memset(&h, 0, sizeof(h));
	for (int i = 1; i <= 100000; i++)
		tx_hist_add(&h, (int64_t)i * 1000);
	v = tx_hist_quantile(&h, 0.99);
	CHECK(v >= 99000000 - 99000000 / 32 && v <= 99000000 + 99000000 / 32,
	      "p99 of 1ms..100s within 1/32");
	v = tx_hist_quantile(&h, 0.5);
	CHECK(v >= 50000000 - 50000000 / 32 && v <= 50000000 + 50000000 / 32, "p50 within 1/32");
	CHECK_EQ_INT(h.max, 100000000, "max exact");

	memset(&h, 0, sizeof(h));
	tx_hist_add(&h, -5);
	tx_hist_add(&h, INT64_MAX);
	CHECK_EQ_INT(h.negative, 1, "negative values counted apart");
	CHECK_EQ_INT(tx_hist_quantile(&h, 0.5), 0, "negative counts as 0");
	CHECK(tx_hist_quantile(&h, 0.99) > 0, "huge value does not break the buckets");
}

static void test_topk(void)
{
	struct tx_topk t;
	const struct tx_topk_ent *top[5];
	const struct tx_currency *usd = tx_currency_find("USD", 3),
				 *jpy = tx_currency_find("JPY", 3);
	size_t n;
	char key[16];

	tx_topk_init(&t, 8);
	tx_topk_add(&t, "A", 1, usd, 100);
	tx_topk_add(&t, "B", 1, usd, 300);
	tx_topk_add(&t, "A", 1, usd, 250);
	tx_topk_add(&t, "C", 1, jpy, 5); /* 5 yen ranks above 3.50 dollars: no exchange rates */
	n = tx_topk_top(&t, top, 5);
	CHECK_EQ_INT(n, 3, "three keys");
	CHECK_EQ_STR(top[0]->key, "C", "ranked by major units: 5 JPY first");
	CHECK_EQ_STR(top[1]->key, "A", "then A");
	CHECK_EQ_INT(top[1]->amount, 350, "A's amount is exact");
	CHECK_EQ_INT(top[1]->n, 2, "A counted twice");
	CHECK_EQ_INT(t.evicted, 0, "no evictions");
	tx_topk_release(&t);

	/* Space-Saving: a heavy key survives a flood of light ones */
	tx_topk_init(&t, 8);
	for (int i = 0; i < 1000; i++) {
		int k = snprintf(key, sizeof(key), "k%d", i);
		tx_topk_add(&t, key, (size_t)k, usd, 1);
		if (i % 10 == 0)
			tx_topk_add(&t, "heavy", 5, usd, 50);
	}
	n = tx_topk_top(&t, top, 1);
	CHECK_EQ_INT(n, 1, "a top entry");
	CHECK_EQ_STR(top[0]->key, "heavy", "the heavy key is on top");
	CHECK(top[0]->amount >= 5000 && top[0]->amount - top[0]->error <= 5000,
	      "its estimate bounds the truth (5000)");
	CHECK(t.evicted > 0, "evictions happened");
	CHECK_EQ_INT(t.used, 8, "the table stays bounded");
	tx_topk_release(&t);
}

static void test_rate(void)
{
	static struct tx_rate r;
	uint64_t out[4];

	for (size_t i = 0; i < TX_RATE_SECS; i++)
		r.sec[i] = -1;
	tx_rate_add(&r, 10, 5);
	tx_rate_add(&r, 10, 2);
	tx_rate_add(&r, 12, 1);
	tx_rate_series(&r, 12, out, 4);
	CHECK(out[0] == 0 && out[1] == 7 && out[2] == 0 && out[3] == 1, "series of seconds 9..12");
	tx_rate_add(&r, 10 + TX_RATE_SECS, 3); /* reuses second 10's bucket */
	tx_rate_series(&r, 10 + TX_RATE_SECS, out, 1);
	CHECK_EQ_INT(out[0], 3, "an old bucket is reset, not added to");
	tx_rate_series(&r, 12 + TX_RATE_SECS, out, 4);
	CHECK_EQ_INT(out[0], 0, "seconds older than the window read 0");
}

static int add_line(struct tx_stats *s, struct tx_record *r, const char *line)
{
	if (tx_record_parse(r, line, strlen(line), TX_PARSE_REQUIRE) < 0) {
		printf("# parse failed: %s\n", r->err);
		return -1;
	}
	tx_stats_add(s, r, 1767225600000000 + 2500000, 0); /* 2026-01-01T00:00:02.5Z */
	return 0;
}

static void test_stats(void)
{
	static struct tx_stats s;
	struct tx_record r;
	struct tx_buf b = TX_BUF_INIT;
	const struct tx_stats_alert *a;
	const struct tx_stats_row *row;
	double am[4];
	int ok = 0;

	tx_stats_init(&s);
	tx_record_init(&r);
	ok |= add_line(&s, &r,
		       "{\"transaction_id\":\"t1\",\"account\":\"A1\",\"type\":\"deposit\","
		       "\"amount\":100.00,\"ts\":\"2026-01-01T00:00:00Z\"}");
	ok |= add_line(&s, &r,
		       "{\"transaction_id\":\"t2\",\"account\":\"A1\",\"type\":\"payment\","
		       "\"amount\":25.50,\"ts\":\"2026-01-01T00:00:01Z\",\"status\":\"pending\"}");
	ok |= add_line(&s, &r,
		       "{\"transaction_id\":\"t2\",\"account\":\"A1\",\"type\":\"payment\","
		       "\"amount\":25.50,\"op\":\"update\",\"status\":\"completed\"}");
	ok |= add_line(&s, &r,
		       "{\"transaction_id\":\"t3\",\"account\":\"B<2>\",\"type\":\"withdrawal\","
		       "\"amount\":7,\"status\":\"failed\",\"alerts\":[\"low_balance\",\"big\"],"
		       "\"new_balance\":-3.00,\"source\":{\"topic\":\"t\",\"partition\":0,"
		       "\"offset\":1,\"ts\":\"2026-01-01T00:00:02Z\"}}");
	ok |= add_line(&s, &r, "{\"transaction_id\":\"t1\",\"account\":\"A1\",\"op\":\"delete\"}");
	CHECK_EQ_INT(ok, 0, "test records parse");
	CHECK_EQ_INT(s.records, 5, "records");
	CHECK_EQ_INT(s.by_type[TX_TYPE_PAYMENT], 2, "payments (create and update)");
	CHECK_EQ_INT(s.by_type[TX_TYPE_NONE], 1, "the delete has no type");
	CHECK_EQ_INT(s.by_status[TX_STATUS_COMPLETED], 2, "completed: plain create + update");
	CHECK_EQ_INT(s.by_status[TX_STATUS_PENDING], 1, "pending");
	CHECK_EQ_INT(s.by_status[TX_STATUS_FAILED], 1, "failed");
	CHECK_EQ_INT(s.by_status[TX_STATUS_NONE], 1, "the delete has no status");
	CHECK_EQ_INT(s.by_op[TX_OP_UPDATE], 1, "one update");
	CHECK_EQ_INT(s.alerts, 1, "one alert (a rule txtop does not know counts as fraud)");
	CHECK_EQ_INT(s.notices, 0, "no record with notices only");
	/* issue 16: never from the event time, which gave "p50 324d12h" for replays */
	CHECK_EQ_INT(s.latency.n, 1, "latency only from source.ts, never from ts");
	CHECK_EQ_INT(s.latency.max, 500000, "latency: arrival minus produce time (0.5 s)");
	CHECK_EQ_INT(s.span.n, 2, "event times counted over their own span");
	CHECK_EQ_INT(s.volume[0].sum, 12550, "volume: created, not failed (100.00 + 25.50)");
	CHECK_EQ_INT(tx_stats_amounts(&s, am, 4), 3, "three created amounts");
	CHECK(am[0] == 100.0 && am[1] == 25.5 && am[2] == 7.0, "amounts in order");
	a = tx_stats_alert_at(&s, 0);
	CHECK(a != NULL, "latest alert");
	if (a) {
		CHECK_EQ_STR(a->rules, "low_balance,big", "alert rules joined");
		CHECK_EQ_STR(a->account, "B<2>", "alert account");
		/* low_balance shows the balance that fired it, the unknown rule the amount */
		CHECK_EQ_STR(a->what, "-3.00 USD; 7.00 USD", "what fired the alerts");
	}
	CHECK(tx_stats_alert_at(&s, 1) == NULL, "only one alert");
	row = tx_stats_row_at(&s, 1);
	CHECK(row && !strcmp(row->balance, "-3.00") && row->status == TX_STATUS_FAILED,
	      "second latest row: t3 with its balance");
	{
		const struct tx_topk_ent *top[2];
		CHECK_EQ_INT(tx_topk_top(&s.spend, top, 2), 1, "spend: only the pending payment");
		CHECK_EQ_INT(top[0]->amount, 2550, "A1 spent 25.50");
	}

	tx_stats_summary(&b, &s, 0);
	CHECK(strstr(b.p, "records: 5 (lines 0, bad 0)\n") != NULL, "summary: totals");
	CHECK(strstr(b.p, "  payment                 2   40.0%\n") != NULL, "summary: a type row");
	CHECK(strstr(b.p, "alerts: 1, notices: 0\n") != NULL, "summary: alerts");
	CHECK(strstr(b.p, "rate: 5 records/s of event time over 1.00s\n") != NULL,
	      "summary: a file's rate over its event time span");
	CHECK(strstr(b.p, "latency (arrival - produce time), 1 records:") != NULL,
	      "summary: latency from the produce time");
	ok = add_line(&s, &r,
		      "{\"transaction_id\":\"t4\",\"account\":\"A1\",\"type\":\"fee\","
		      "\"amount\":1,\"alerts\":[\"low_balance\",\"overdraft\"]}");
	ok |= add_line(&s, &r,
		       "{\"transaction_id\":\"t5\",\"account\":\"A1\",\"type\":\"fee\","
		       "\"amount\":1,\"alerts\":[\"low_balance\",\"drain\"]}");
	CHECK(ok == 0 && s.alerts == 2 && s.notices == 1,
	      "notices only (low_balance, overdraft) are counted apart; with drain it is fraud");
	tx_buf_reset(&b);
	tx_stats_summary(&b, &s, 0);
	CHECK(strstr(b.p, "alerts: 2, notices: 1\n") != NULL, "summary: alerts and notices");
	tx_buf_reset(&b);
	tx_stats_svg_doc(&b, &s, "a&b", 0);
	CHECK(strstr(b.p, "data-type=\"payment\" data-count=\"2\"") != NULL, "svg: the type bar");
	CHECK(strstr(b.p, "txtop: a&amp;b<") != NULL, "svg: the title escaped");
	CHECK(strstr(b.p, "B&lt;2&gt;") != NULL, "svg: the account escaped");
	tx_buf_release(&b);
	tx_record_release(&r);
	tx_stats_release(&s);
}

static void test_span(void)
{
	struct tx_span h;
	double v[8];
	int64_t slice;
	size_t n;

	memset(&h, 0, sizeof(h));
	CHECK_EQ_INT(tx_span_series(&h, v, 8, &slice), 0, "span: empty");
	/* 10 records a second for 1000 s: the buckets double to 2 s, then 4 s... */
	for (int64_t i = 0; i < 10000; i++)
		tx_span_add(&h, 1767225600000000 + i * 100000);
	CHECK_EQ_INT(h.n, 10000, "span: every record counted");
	CHECK_EQ_INT(h.width, 2000000, "span: 1000 s in 512 buckets of 2 s");
	n = tx_span_series(&h, v, 8, &slice);
	CHECK_EQ_INT(n, 8, "span: 500 buckets in 8 slices");
	CHECK_EQ_INT(slice, 63 * 2000000, "span: 63 buckets a slice");
	CHECK(v[0] > 9.99 && v[0] < 10.01, "span: 10 records/s of event time");
	/* an evenly spread stream has a flat series, not one spike */
	CHECK(v[3] > 9.99 && v[3] < 10.01, "span: flat");
}

static void test_format(void)
{
	struct tx_buf b = TX_BUF_INIT;

	tx_stats_add_count(&b, 1234567);
	CHECK_EQ_STR(b.p, "1,234,567", "thousands");
	tx_buf_reset(&b);
	tx_stats_add_count(&b, 999);
	CHECK_EQ_STR(b.p, "999", "no separator below 1000");
	tx_buf_reset(&b);
	tx_stats_add_short(&b, 12090.39);
	CHECK_EQ_STR(b.p, "12.1k", "axis value: three digits and a unit");
	tx_buf_reset(&b);
	tx_stats_add_rate(&b, 0.0528);
	CHECK_EQ_STR(b.p, "0.0528/s", "small rates keep three digits");
	tx_buf_reset(&b);
	tx_stats_add_share(&b, 1, 3);
	CHECK_EQ_STR(b.p, "33.3%", "share rounds");
	tx_buf_reset(&b);
	tx_stats_add_share(&b, 2, 3);
	CHECK_EQ_STR(b.p, "66.7%", "share rounds up");
	tx_buf_reset(&b);
	tx_stats_add_share(&b, 0, 0);
	CHECK_EQ_STR(b.p, "0.0%", "share of nothing");
	tx_buf_reset(&b);
	tx_stats_add_duration(&b, 12345);
	CHECK_EQ_STR(b.p, "12.3ms", "milliseconds");
	tx_buf_reset(&b);
	tx_stats_add_duration(&b, 192000000);
	CHECK_EQ_STR(b.p, "3m12s", "minutes");
	tx_buf_release(&b);
}

static void test_chart(void)
{
	struct tx_buf b = TX_BUF_INIT, rows[2] = {TX_BUF_INIT, TX_BUF_INIT};
	uint64_t v[] = {0, 1, 4, 8};
	double d[] = {0, 10};

	tx_chart_spark(&b, v, 4, 6, 0);
	CHECK_EQ_STR(b.p, "   .=@", "ascii sparkline, padded left");
	tx_buf_reset(&b);
	tx_chart_spark(&b, v, 4, 4, 1);
	CHECK_EQ_STR(b.p, " \u2581\u2584\u2588", "block sparkline");
	tx_buf_reset(&b);
	CHECK_EQ_INT(tx_chart_bar(&b, 5, 10, 4, 1), 16, "half of 4 cells is 16 eighths");
	CHECK_EQ_STR(b.p, "\u2588\u2588  ", "block bar");
	tx_buf_reset(&b);
	tx_chart_bar(&b, 1, 1000, 4, 1);
	CHECK_EQ_STR(b.p, "\u258f   ", "a small nonzero value shows a sliver");
	tx_buf_reset(&b);
	tx_chart_bar(&b, 3, 4, 4, 0);
	CHECK_EQ_STR(b.p, "### ", "ascii bar");
	tx_chart_lines(rows, 2, d, 2, 2, 0, 0);
	CHECK_EQ_STR(rows[0].p, " *", "ascii line chart: top row");
	CHECK_EQ_STR(rows[1].p, "* ", "ascii line chart: bottom row");
	tx_buf_release(&rows[0]);
	tx_buf_release(&rows[1]);
	tx_buf_init(&rows[0]);
	tx_chart_lines(rows, 1, d, 2, 1, 0, 1);
	/* dots: left column at the bottom (dot 7), right column from top to bottom (joined) */
	CHECK_EQ_STR(rows[0].p, "\u2878", "braille: a point and a stroke");
	tx_buf_release(&rows[0]);
	tx_buf_release(&b);
}

int main(void)
{
	test_hist();
	test_topk();
	test_rate();
	test_stats();
	test_span();
	test_format();
	test_chart();
	return unit_done();
}

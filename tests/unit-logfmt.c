/* Unit tests for logfmt.c: the default layout, templates, alerts, colour. */
#include <stdlib.h>

#include "logfmt.h"
#include "record.h"
#include "tx.h"
#include "unit.h"

static struct tx_record rec;
static struct tx_buf out;

/* Format line with the default layout (tmpl NULL) or a template. */
static const char *fmt(const char *line, const char *tmpl, unsigned flags)
{
	struct tx_logfmt f;
	char err[128];

	tx_buf_reset(&out);
	if (tx_record_parse(&rec, line, strlen(line), 0) < 0) {
		printf("# parse failed: %s\n", rec.err);
		return "(parse failed)";
	}
	if (!tmpl) {
		tx_logfmt_default(&out, &rec, flags);
	} else {
		if (tx_logfmt_compile(&f, tmpl, err, sizeof(err)) < 0) {
			printf("# compile failed: %s\n", err);
			return "(compile failed)";
		}
		tx_logfmt_apply(&f, &out, &rec, flags);
		tx_logfmt_release(&f);
	}
	return out.p ? out.p : "";
}

static const char *compile_error(const char *tmpl)
{
	static char err[128];
	struct tx_logfmt f;

	if (tx_logfmt_compile(&f, tmpl, err, sizeof(err)) == 0) {
		tx_logfmt_release(&f);
		return "(compiled)";
	}
	return err;
}

#define PAY                                                                                        \
	"{\"transaction_id\":\"t1\",\"account\":\"ACC000042\",\"type\":\"payment\","               \
	"\"amount\":128.28,\"currency\":\"USD\",\"ts\":\"2026-01-01T09:15:02.123456Z\","           \
	"\"merchant\":\"Caf\\u00e9 \\\"Z\\\"\",\"new_balance\":1871.72,"                           \
	"\"alerts\":[\"large_amount\"]}"

int cmd_main(int argc, char **argv);
int cmd_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tx_record_init(&rec);

	CHECK_EQ_STR(
	    fmt(PAY, NULL, 0),
	    "2026-01-01T09:15:02.123456Z t1           ACC000042  payment         -128.28 USD  bal "
	    "    1871.72  completed  [large_amount]",
	    "default layout: debit, balance, status, alerts");
	CHECK_EQ_STR(fmt("{\"transaction_id\":\"t2\",\"account\":3,\"transaction_type\":\"Credit\","
			 "\"amount\":8}",
			 NULL, 0),
		     "-                           t2           3          deposit           +8.00 "
		     "USD  completed",
		     "aliases resolved, credit signed +, no ts, no balance column, no trailing "
		     "blanks");
	CHECK_EQ_STR(
	    fmt("{\"transaction_id\":\"t3\",\"account\":\"A\",\"type\":\"transfer\","
		"\"amount\":1500,\"currency\":\"JPY\",\"counterparty\":\"B\","
		"\"status\":\"failed\",\"reason\":\"insufficient_funds\","
		"\"new_balance\":20,\"alerts\":[\"overdraft\", \"velocity\"]}",
		NULL, 0),
	    "-                           t3           A          transfer          -1500 JPY  bal "
	    "         20  failed     -> B  reason=insufficient_funds  "
	    "[overdraft,velocity]",
	    "transfer: counterparty, reason, two alerts, JPY without decimals");
	CHECK_EQ_STR(fmt("{\"transaction_id\":\"t4\",\"account\":\"A\",\"op\":\"delete\","
			 "\"ts\":\"2026-01-01T00:00:00Z\"}",
			 NULL, 0),
		     "2026-01-01T00:00:00.000000Z t4           A          delete",
		     "a delete: op in the type column, no amount, no status");
	CHECK_EQ_STR(
	    fmt("{\"transaction_id\":\"t5\",\"account\":\"A\",\"type\":\"payment\","
		"\"amount\":1,\"op\":\"update\",\"status\":\"completed\"}",
		NULL, 0),
	    "-                           t5           A          payment           -1.00 USD  "
	    "completed  op=update",
	    "an update is marked");
	CHECK_EQ_STR(fmt("{\"transaction_id\":\"t6\",\"account\":\"A\\u001b[2J\",\"type\":"
			 "\"deposit\",\"amount\":1,\"status\":\"pending\"}",
			 NULL, 0),
		     "-                           t6           A [2J      deposit           +1.00 "
		     "USD  pending",
		     "control characters in values are blanked");

	/* colour */
	CHECK_EQ_STR(fmt("{\"transaction_id\":\"t7\",\"account\":\"A\",\"type\":\"deposit\","
			 "\"amount\":1,\"status\":\"failed\",\"alerts\":[\"x\"]}",
			 NULL, TX_LOGFMT_COLOR),
		     "-                           t7           A          deposit           "
		     "\033[32m+1.00\033[0m USD  "
		     "\033[31mfailed\033[0m     \033[1;31m[x]\033[0m",
		     "colour: green credit, red failed, bold red alerts, widths unchanged");

	/* templates */
	CHECK_EQ_STR(fmt(PAY, "{ts} {account} {amount} {currency} {status}", 0),
		     "2026-01-01T09:15:02.123456Z ACC000042 128.28 USD completed",
		     "template with known fields");
	CHECK_EQ_STR(fmt(PAY, "[{account:-12}|{signed_amount:10}|{type:3}]", 0),
		     "[ACC000042   |   -128.28|payment]", "widths: left, right, never cut");
	CHECK_EQ_STR(fmt(PAY, "{merchant} {new_balance} {alerts} {nope}|{{x}}\\t\\\\", 0),
		     "Caf\xc3\xa9 \"Z\" 1871.72 large_amount |{x}\t\\",
		     "members by name decoded, computed alerts, unknown empty, escapes");
	CHECK_EQ_STR(fmt(PAY, "{merchant:-8}|", 0), "Caf\xc3\xa9 \"Z\"|",
		     "width counts characters, not bytes");
	CHECK_EQ_STR(fmt("{\"transaction_id\":\"x\",\"account\":\"A\"}", "{json}", 0),
		     "{\"transaction_id\":\"x\",\"account\":\"A\"}", "{json} is the line");
	CHECK_EQ_STR(fmt("{\"transaction_id\":\"x\",\"account\":\"A\",\"n\":[1, {\"a\":2}]}",
			 "{n}|{alerts}|{status}|{op}", 0),
		     "[1, {\"a\":2}]||completed|create", "arrays raw; defaults");
	CHECK_EQ_STR(fmt(PAY, "{status:-10}|{alerts:4}|{signed_amount}", TX_LOGFMT_COLOR),
		     "completed |\033[1;31mlarge_amount\033[0m|-128.28",
		     "template colour only where it means something");
	CHECK_EQ_STR(fmt("{\"transaction_id\":\"x\",\"account\":\"A\",\"type\":\"refund\","
			 "\"amount\":2,\"status\":\"pending\"}",
			 "{signed_amount:7}|{status:-8}|", TX_LOGFMT_COLOR),
		     "  \033[32m+2.00\033[0m|\033[33mpending\033[0m |",
		     "template colour with padding outside the escapes");

	/* amounts and balances: copied when canonical, else formatted */
	CHECK_EQ_STR(fmt("{\"transaction_id\":\"x\",\"account\":\"A\",\"type\":\"fee\","
			 "\"amount\":0.5,\"currency\":\"KWD\"}",
			 "{amount}|{signed_amount}", 0),
		     "0.500|-0.500", "short decimals are padded to the currency's");
	CHECK_EQ_STR(fmt("{\"transaction_id\":\"x\",\"account\":\"A\",\"type\":\"fee\","
			 "\"amount\":\"10.10\",\"currency\":\"USD\"}",
			 "{amount}|{signed_amount}", 0),
		     "10.10|-10.10", "a string amount");
	CHECK_EQ_STR(fmt("{\"transaction_id\":\"x\",\"account\":\"A\",\"type\":\"fee\","
			 "\"amount\":0.00,\"currency\":\"USD\",\"new_balance\":-0.00}",
			 NULL, 0),
		     "-                           x            A          fee               -0.00 "
		     "USD  bal        "
		     "0.00  completed",
		     "a negative zero balance is zero");
	CHECK_EQ_STR(fmt("{\"transaction_id\":\"x\",\"account\":\"A\",\"type\":\"fee\","
			 "\"amount\":3,\"currency\":\"USD\",\"new_balance\":-12.3}",
			 NULL, 0),
		     "-                           x            A          fee               -3.00 "
		     "USD  bal      "
		     "-12.30  completed",
		     "a negative balance with a short fraction");
	CHECK_EQ_STR(fmt("{\"transaction_id\":\"x\",\"account\":\"A\",\"type\":\"fee\","
			 "\"amount\":3,\"currency\":\"JPY\",\"new_balance\":-1200}",
			 NULL, 0),
		     "-                           x            A          fee                  -3 "
		     "JPY  bal       "
		     "-1200  completed",
		     "a negative canonical JPY balance");
	CHECK_EQ_STR(
	    fmt("{\"transaction_id\":\"x\",\"account\":\"A\",\"new_balance\":\"n/a\"}", NULL, 0),
	    "-                           x            A          -                            bal  "
	    "       n/a  "
	    "completed",
	    "a balance that is no amount is shown as written");

	CHECK_EQ_STR(compile_error("{ts"), "unclosed '{' at offset 0", "unclosed brace");
	CHECK_EQ_STR(compile_error("a}b"), "unmatched '}' at offset 1 (write '}}' for a brace)",
		     "lone closing brace");
	CHECK_EQ_STR(compile_error("x{}"), "empty or bad field name at offset 1", "empty name");
	CHECK_EQ_STR(compile_error("{a:}"), "missing width after ':' at offset 2", "empty width");
	CHECK_EQ_STR(compile_error("{a:x}"),
		     "bad width at offset 2 (want {name:N} or {name:-N}, N up to 1000)",
		     "bad width");
	CHECK_EQ_STR(compile_error("{a:1001}"),
		     "bad width at offset 2 (want {name:N} or {name:-N}, N up to 1000)",
		     "width over 1000");
	CHECK_EQ_STR(compile_error("{a:-1000}"), "(compiled)", "width 1000");
	CHECK_EQ_STR(compile_error(""), "(compiled)", "an empty template is fine");

	/* txbal's alert and aggregate records have layouts of their own */
	CHECK_EQ_STR(
	    fmt("{\"alert\":\"velocity\",\"kind\":\"fraud\",\"transaction_id\":\"tx-1-9\","
		"\"account\":\"ACC000621\",\"currency\":\"USD\","
		"\"ts\":\"2026-01-01T04:57:55.040645Z\","
		"\"detail\":\"more than 4 transactions within 10s\"}",
		NULL, 0),
	    "2026-01-01T04:57:55.040645Z tx-1-9       ACC000621  alert      velocity (fraud): "
	    "more than 4 transactions within 10s",
	    "an alert record: rule, kind, detail");
	CHECK(tx_logfmt_kind(&rec) == TX_LOGFMT_ALERT, "an alert record is one");
	CHECK_EQ_STR(fmt("{\"alert\":\"low_balance\",\"kind\":\"notice\",\"transaction_id\":\"t\","
			 "\"account\":\"A\",\"detail\":\"available balance 42.00 below 100.00\"}",
			 NULL, TX_LOGFMT_COLOR),
		     "-                           t            A          alert      "
		     "\033[33mlow_balance\033[0m (notice): available balance 42.00 below 100.00",
		     "a notice in yellow");
	CHECK_EQ_STR(fmt("{\"window_start\":\"2026-01-01T00:00:00.000000Z\","
			 "\"window_end\":\"2026-01-01T00:10:00.000000Z\",\"account\":\"ACC000703\","
			 "\"currency\":\"JPY\",\"count\":3,\"debits\":1500,\"credits\":0,"
			 "\"by_type\":{\"payment\":2,\"fee\":1}}",
			 NULL, 0),
		     "2026-01-01T00:00:00.000000Z -            ACC000703  aggregate  10m window, 3 "
		     "transactions, debits 1500 JPY, credits 0 JPY (payment 2, fee 1)",
		     "an aggregate record: window, count, debits, credits, types");
	CHECK(tx_logfmt_kind(&rec) == TX_LOGFMT_AGGREGATE, "an aggregate record is one");
	CHECK_EQ_STR(
	    fmt("{\"window_start\":\"2026-01-01T00:00:00Z\","
		"\"window_end\":\"2026-01-01T00:00:01.5Z\",\"account\":\"A\","
		"\"count\":1,\"debits\":0.00,\"credits\":2.00,\"by_type\":{}}",
		NULL, 0),
	    "2026-01-01T00:00:00.000000Z -            A          aggregate  1500000us window, 1 "
	    "transaction, debits 0.00 USD, credits 2.00 USD",
	    "an odd window in microseconds, no types");
	/* txbal --aggregate all: the span of the stream, and running totals */
	CHECK_EQ_STR(
	    fmt("{\"window_start\":\"2026-01-01T17:27:20.371375Z\","
		"\"window_end\":\"2026-04-11T07:07:26.298471Z\",\"account\":\"A\","
		"\"count\":2,\"debits\":3.00,\"credits\":0.00,\"by_type\":{\"payment\":2},"
		"\"total_count\":2,\"total_debits\":3.00,\"total_credits\":0.00}",
		NULL, 0),
	    "2026-01-01T17:27:20.371375Z -            A          aggregate  to "
	    "2026-04-11T07:07:26.298471Z, 2 transactions, debits 3.00 USD, credits 0.00 USD "
	    "(payment 2)",
	    "a whole stream's aggregate: to its end, totals said once");
	CHECK_EQ_STR(
	    fmt("{\"window_start\":null,\"window_end\":null,\"account\":\"A\","
		"\"count\":1,\"debits\":0.00,\"credits\":1.00,\"by_type\":{},"
		"\"total_count\":1,\"total_debits\":0.00,\"total_credits\":1.00}",
		NULL, 0),
	    "-                           -            A          aggregate  1 transaction, "
	    "debits 0.00 USD, credits 1.00 USD",
	    "a whole stream without times: no time, no window");
	CHECK_EQ_STR(
	    fmt("{\"window_start\":\"2026-01-05T00:00:00Z\","
		"\"window_end\":\"2026-01-06T00:00:00Z\",\"account\":\"A\","
		"\"count\":3,\"debits\":131.36,\"credits\":0.00,\"by_type\":{\"payment\":3},"
		"\"total_count\":21,\"total_debits\":806.54,\"total_credits\":4589.03}",
		NULL, 0),
	    "2026-01-05T00:00:00.000000Z -            A          aggregate  1d window, 3 "
	    "transactions, debits 131.36 USD, credits 0.00 USD (payment 3); so far 21 "
	    "transactions, debits 806.54 USD, credits 4589.03 USD",
	    "a window and the account's running totals");
	CHECK_EQ_STR(fmt("{\"window_start\":\"x\",\"account\":\"A\",\"count\":\"n\","
			 "\"by_type\":{\"a\":1,\"b\":{\"c\":2},\"d\":[3],\"e\" : 4 }}",
			 NULL, 0),
		     "x                           -            A          aggregate  n "
		     "transactions (a 1, e 4)",
		     "an odd aggregate: only the parts it has, only counts per type");
	CHECK_EQ_STR(
	    fmt("{\"window_start\":\"2026-01-01T00:00:00Z\",\"by_type\":{\"a\":\"1\"}}", NULL, 0),
	    "2026-01-01T00:00:00.000000Z -            -          aggregate",
	    "an aggregate with nothing to say");
	fmt("{\"transaction_id\":\"x\",\"account\":\"A\",\"alert\":\"velocity\",\"type\":\"fee\","
	    "\"amount\":1}",
	    "", 0);
	CHECK(tx_logfmt_kind(&rec) == TX_LOGFMT_TRANSACTION,
	      "a transaction with an alert member is a transaction");

	/* alerts */
	fmt("{\"transaction_id\":\"x\",\"account\":\"A\",\"alerts\":[ ]}", "", 0);
	CHECK(!tx_logfmt_has_alerts(&rec), "an empty alerts array is no alert");
	fmt("{\"transaction_id\":\"x\",\"account\":\"A\",\"alerts\":null}", "", 0);
	CHECK(!tx_logfmt_has_alerts(&rec), "null alerts is no alert");
	fmt(PAY, "", 0);
	CHECK(tx_logfmt_has_alerts(&rec), "alerts found");

	tx_record_release(&rec);
	tx_buf_release(&out);
	return unit_done();
}

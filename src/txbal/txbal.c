/*
 * txbal: exact running balances, statuses, alerts and aggregates over a
 * stream of transaction records (txbal(1)).
 *
 * Each line is parsed with the record codec (no DOM), applied to the ledger
 * (src/lib/ledger.c: balances, reservations, the dedup set), checked by the
 * alert rules (alerts.c), counted into windows (aggregate.c), and written
 * out as the original bytes with txbal's own fields spliced in. Output is
 * flushed whenever input would block, so a live pipeline sees each record
 * at once while a bulk run writes 64 KiB blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregate.h"
#include "alerts.h"
#include "fastpath.h"
#include "ledger.h"
#include "lines.h"
#include "out.h"
#include "progress.h"
#include "record.h"
#include "tx.h"

#define IDLE_FLUSH_MS 50
#define BATCH	      64

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: %s [-q] [--progress] [--strict] [--reject FILE] [--init FILE]\n"
		"            [--state FILE] [--overdraft LIMIT | --overdraft-unlimited]\n"
		"            [--window N] [--low-balance AMOUNT] [--large AMOUNT]\n"
		"            [--velocity N/T] [--drain AMOUNT]\n"
		"            [--no-alert RULE] [--alerts FILE]\n"
		"            [--aggregate INTERVAL|all --aggregates FILE [--lateness DURATION]\n"
		"             [--aggregate-types TYPE[,TYPE...]]]\n"
		"            [--legs FILE]\n"
		"            [FILE ...]\n",
		tx_progname);
}

struct txbal {
	int strict;
	struct tx_ledger ledger;
	struct tx_alerts alerts;
	struct tx_agg agg;
	int aggregating;

	struct tx_out out, alert_out, agg_out, legs;
	struct tx_rejects rej;
	int have_alerts, have_legs;
	struct tx_buf vals; /* the values of one record's edits */

	/* A batch of lines read, parsed, then applied (see run_input()). */
	struct item {
		struct tx_record rec;
		struct tx_ledger_tx t;
		const char *line; /* in the reader's buffer: valid while the batch is */
		size_t len;
		uint64_t lineno;
		int bad; /* parse failed: rec.err says why */
	} items[BATCH];
	size_t nitems;
	struct tx_parser *parser; /* shared by the items: they parse one stream in turn */
	const char *source;

	/*
	 * Kafka positions of records dropped (duplicates, rejected): per topic
	 * and partition (key: the topic, a NUL, the partition's 4 bytes), the
	 * first offset dropped since the partition's last record written, -1
	 * when none; the next record written of that partition carries it as
	 * "dropped_from", so that txstore sees those offsets were consumed,
	 * not lost (its offset-gap check). ndropped: entries not -1.
	 */
	struct tx_map dropped;
	uint64_t ndropped;
	int64_t cur_dropped; /* for the record being written, -1: none */

	/* failed: records that failed a transaction; refused: those txbal failed */
	uint64_t nread, napplied, nfailed, nrefused, ndup;
	uint64_t nalerts, nnotices;  /* fraud signals, notices (alerts.h) */
	int opened;		     /* inputs opened: without one there is no summary */
	int stop;		     /* stop reading: --strict, downstream closed, write error */
	int status;		     /* worst exit status so far */
	struct tx_progress progress; /* --progress: records read */
};

static void set_status(struct txbal *b, int status)
{
	if (status == TX_EXIT_IO || b->status == TX_EXIT_OK)
		b->status = status;
}

/* A write failed: EPIPE on stdout means downstream is gone, stop quietly. */
static void out_failed(struct txbal *b, struct tx_out *o)
{
	b->stop = 1;
	if (!(o == &b->out && o->err == EPIPE))
		set_status(b, TX_EXIT_IO);
}

static void reject_line(struct txbal *b, const struct item *it, const char *line, size_t len,
			const char *why)
{
	set_status(b, TX_EXIT_REJECTED);
	if (tx_reject_at(&b->rej, b->source, it->lineno, why, line, len, 0))
		b->stop = 1;
	if (b->rej.failed)
		set_status(b, TX_EXIT_IO);
}

static void write_alerts(struct txbal *b, struct tx_record *r, unsigned fired,
			 const struct tx_ledger_result *res)
{
	struct tx_buf *o = tx_out_buf(&b->alert_out);
	const struct tx_acct *a = tx_ledger_acct(&b->ledger, (uint32_t)res->acct);
	size_t len;
	const char *name = tx_ledger_account_name(&b->ledger, (uint32_t)res->acct, &len);

	for (int rule = 0; rule < TX_ALERT__COUNT; rule++) {
		struct tx_str s;
		if (!(fired & 1u << rule))
			continue;
		tx_buf_adds(o, "{\"alert\":\"");
		tx_buf_adds(o, tx_alert_name((enum tx_alert_rule)rule));
		tx_buf_adds(o, "\",\"kind\":\"");
		tx_buf_adds(o, tx_alert_kind((enum tx_alert_rule)rule));
		tx_buf_adds(o, "\",\"transaction_id\":");
		s = tx_record_raw(r, r->idx[TX_F_TRANSACTION_ID]);
		tx_buf_add(o, s.p, s.len);
		tx_buf_adds(o, ",\"account\":");
		tx_buf_add_json_string(o, name, len);
		tx_buf_adds(o, ",\"currency\":\"");
		tx_buf_add(o, a->cur->code, 3);
		tx_buf_addch(o, '"');
		if (r->idx[TX_F_TS] >= 0) {
			tx_buf_adds(o, ",\"ts\":");
			s = tx_record_raw(r, r->idx[TX_F_TS]);
			tx_buf_add(o, s.p, s.len);
		}
		tx_buf_adds(o, ",\"detail\":\"");
		tx_alerts_detail(&b->alerts, (enum tx_alert_rule)rule, &b->ledger, res, o);
		tx_buf_adds(o, "\"}");
		if (tx_out_line(&b->alert_out, "", 0) < 0) {
			out_failed(b, &b->alert_out);
			return;
		}
	}
}

/*
 * --legs: the credit leg of a split transfer, written (and flushed) before
 * the transfer's own record, so that whatever stored the transfer can find
 * its leg in the file after any crash. Its id is the transfer's with
 * "/credit" appended, so a leg written twice is a duplicate downstream.
 */
static void write_leg(struct txbal *b, struct tx_record *r, const struct tx_ledger_result *res,
		      int64_t cp)
{
	struct tx_buf *o = tx_out_buf(&b->legs);
	const struct tx_acct *c = tx_ledger_acct(&b->ledger, (uint32_t)cp);
	size_t len;
	const char *name = tx_ledger_account_name(&b->ledger, (uint32_t)cp, &len);
	struct tx_str ts;

	tx_buf_reset(&b->vals);
	tx_buf_add(&b->vals, r->id.p, r->id.len);
	tx_buf_adds(&b->vals, "/credit");
	tx_buf_adds(o, "{\"transaction_id\":");
	tx_buf_add_json_string(o, b->vals.p, b->vals.len);
	tx_buf_adds(o, ",\"account\":");
	tx_buf_add_json_string(o, name, len);
	if (res->credit > 0) {
		tx_buf_adds(o, ",\"type\":\"deposit\",\"amount\":");
		tx_money_format(o, res->amount, c->cur->exponent);
	}
	tx_buf_adds(o, ",\"currency\":\"");
	tx_buf_add(o, c->cur->code, 3);
	tx_buf_addch(o, '"');
	if (r->idx[TX_F_TS] >= 0) {
		tx_buf_adds(o, ",\"ts\":");
		ts = tx_record_raw(r, r->idx[TX_F_TS]);
		tx_buf_add(o, ts.p, ts.len);
	}
	tx_buf_adds(o, res->credit > 0 ? ",\"status\":\"completed\""
				       : ",\"op\":\"update\",\"status\":\"failed\"");
	tx_buf_adds(o, ",\"leg_of\":");
	tx_buf_add_json_string(o, r->id.p, r->id.len);
	tx_buf_adds(o, "}\n");
	if (tx_out_flush(&b->legs) < 0)
		out_failed(b, &b->legs);
}

/* The JSON text of each status, quotes included. */
static const struct {
	const char *s;
	size_t len;
} status_json[] = {
    [TX_STATUS_NONE] = {"\"\"", 2},
    [TX_STATUS_PENDING] = {"\"pending\"", 9},
    [TX_STATUS_COMPLETED] = {"\"completed\"", 11},
    [TX_STATUS_FAILED] = {"\"failed\"", 8},
};

static char *put_money(char *w, const struct tx_ledger *l, int64_t acct, int which)
{
	const struct tx_acct *a = tx_ledger_acct(l, (uint32_t)acct);
	return tx_money_put(w, which ? a->balance - a->reserved : a->balance, a->cur->exponent);
}

static char *put_str(char *w, const char *s)
{
	size_t n = strlen(s);
	memcpy(w, s, n);
	return w + n;
}

/* The alert list, ["low_balance","velocity"], at w; returns the new end. */
static char *put_alerts(char *w, unsigned fired)
{
	char *start = w;

	*w++ = '[';
	for (int rule = 0; rule < TX_ALERT__COUNT; rule++) {
		if (!(fired & 1u << rule))
			continue;
		if (w - start > 1)
			*w++ = ',';
		*w++ = '"';
		w = put_str(w, tx_alert_name((enum tx_alert_rule)rule));
		*w++ = '"';
	}
	*w++ = ']';
	return w;
}

/*
 * The record with txbal's fields, the general way: their values are written
 * side by side into one stack buffer (no allocation, no per-byte
 * bookkeeping), then spliced in by tx_record_write(), which also rewrites
 * alias names and values into canonical form and drops a stale alert list.
 */
static void write_edited(struct txbal *b, struct tx_record *r, const struct tx_ledger_result *res,
			 unsigned fired)
{
	/* reason: a short fixed word; three amounts, a count, the alert names */
	char v[4 * TX_MONEY_TEXT_MAX + 64 + 160 + 24], *w = v, *start;
	struct tx_edit e[10];
	size_t n = 0;

	if (r->idx[TX_F_CURRENCY] < 0 && r->op >= TX_OP_UPDATE) {
		/* the currency of the transaction it changes, which its balances are in */
		start = w;
		*w++ = '"';
		memcpy(w, tx_ledger_acct(&b->ledger, (uint32_t)res->acct)->cur->code, 3);
		w += 3;
		*w++ = '"';
		e[n].field = TX_F_CURRENCY;
		e[n].value = start;
		e[n++].len = (size_t)(w - start);
	}
	if (r->idx[TX_F_COUNTERPARTY] < 0 && res->type == TX_TYPE_TRANSFER && res->cp >= 0) {
		/* and the counterparty whose balance counterparty_balance is */
		size_t len;
		const char *name = tx_ledger_account_name(&b->ledger, (uint32_t)res->cp, &len);
		tx_buf_reset(&b->vals);
		tx_buf_add_json_string(&b->vals, name, len);
		e[n].field = TX_F_COUNTERPARTY;
		e[n].value = b->vals.p;
		e[n++].len = b->vals.len;
	}
	if (res->status != TX_STATUS_NONE) {
		e[n].field = TX_F_STATUS;
		e[n].value = status_json[res->status].s;
		e[n++].len = status_json[res->status].len;
	}
	if (res->outcome == TX_LEDGER_REFUSED) {
		/* "insufficient_funds" or "balance_overflow" (ledger.h) */
		start = w;
		*w++ = '"';
		w = put_str(w, res->reason);
		*w++ = '"';
		e[n].field = TX_F_REASON;
		e[n].value = start;
		e[n++].len = (size_t)(w - start);
	}
	start = w;
	w = put_money(w, &b->ledger, res->acct, 0);
	e[n].field = TX_F_NEW_BALANCE;
	e[n].value = start;
	e[n++].len = (size_t)(w - start);
	start = w;
	w = put_money(w, &b->ledger, res->acct, 1);
	e[n].field = TX_F_AVAILABLE_BALANCE;
	e[n].value = start;
	e[n++].len = (size_t)(w - start);
	start = w;
	w = tx_put_uint(w, tx_ledger_acct(&b->ledger, (uint32_t)res->acct)->tx_count);
	e[n].field = TX_F_TX_COUNT;
	e[n].value = start;
	e[n++].len = (size_t)(w - start);
	if (res->type == TX_TYPE_TRANSFER && res->cp >= 0) {
		start = w;
		w = put_money(w, &b->ledger, res->cp, 0);
		e[n].field = TX_F_COUNTERPARTY_BALANCE;
		e[n].value = start;
		e[n++].len = (size_t)(w - start);
	}
	if (fired) {
		start = w;
		w = put_alerts(w, fired);
		e[n].field = TX_F_ALERTS;
		e[n].value = start;
		e[n++].len = (size_t)(w - start);
	} else if (r->idx[TX_F_ALERTS] >= 0) {
		e[n].field = TX_F_ALERTS;
		e[n].value = NULL; /* a stale list from an earlier run goes */
		e[n++].len = 0;
	}
	if (b->cur_dropped >= 0) {
		start = w;
		w = tx_put_uint(w, (uint64_t)b->cur_dropped);
		e[n].field = TX_F_DROPPED_FROM;
		e[n].value = start;
		e[n++].len = (size_t)(w - start);
	}
	tx_record_write(tx_out_buf(&b->out), r, e, n, TX_WRITE_CANONICAL);
	tx_buf_addch(tx_out_buf(&b->out), '\n');
}

/*
 * Whether write_plain() can write the record: tx_record_append_ok() (its
 * known members all in canonical form already, none repeated; the fast
 * path on), none of the members txbal writes is there yet (an absent
 * field's idx is -1, so the AND of seven is negative exactly when all are
 * absent), and an update or delete names its currency and counterparty
 * (txbal adds the transaction's when absent: a create without a currency
 * is in the default one, but a delete may name none whatever the currency
 * of the transaction it deletes, and a store downstream needs both to file
 * the balances it carries). Then write_edited()'s tx_record_write() would
 * replace at most the status in place and append the rest after the last
 * member.
 */
static int plain(const struct tx_record *r)
{
	const int *x = r->idx;

	return (x[TX_F_REASON] & x[TX_F_NEW_BALANCE] & x[TX_F_AVAILABLE_BALANCE] &
		x[TX_F_TX_COUNT] & x[TX_F_COUNTERPARTY_BALANCE] & x[TX_F_ALERTS] &
		x[TX_F_DROPPED_FROM]) < 0 &&
	       (r->op < TX_OP_UPDATE || (x[TX_F_CURRENCY] & x[TX_F_COUNTERPARTY]) >= 0) &&
	       tx_record_append_ok(r, TX_WRITE_CANONICAL);
}

/*
 * The room write_plain() needs past the line: the members it appends (the
 * reason's text apart), with TX_MONEY_TEXT_MAX for each amount, and the '\n'.
 */
#define PLAIN_ROOM 512

/*
 * The record with txbal's fields, the fast way, for a plain() record: the
 * same bytes as write_edited() makes, its values written straight into the
 * output buffer by way of the codec's append-only writer (record.h): the
 * line up to the end of its last member (the status replaced when it
 * changes), txbal's members, then what followed the last member.
 */
static void write_plain(struct txbal *b, const struct tx_record *r,
			const struct tx_ledger_result *res, unsigned fired)
{
	struct tx_buf *o = tx_out_buf(&b->out);
	const struct tx_acct *a = tx_ledger_acct(&b->ledger, (uint32_t)res->acct);
	size_t n, room = PLAIN_ROOM;
	int st = r->idx[TX_F_STATUS], e = a->cur->exponent;
	struct tx_edit set = {TX_F_STATUS, NULL, 0};
	char *w, *bal;

	if (res->outcome == TX_LEDGER_REFUSED)
		room += strlen(res->reason);
	if (res->status != TX_STATUS_NONE && st >= 0 && res->status != r->status) {
		set.value = status_json[res->status].s;
		set.len = status_json[res->status].len;
	}
	w = tx_record_append_begin(o, r, room, &set, set.value != NULL);
	if (res->status != TX_STATUS_NONE && st < 0) {
		w = tx_record_put_member(w, TX_F_STATUS);
		memcpy(w, status_json[res->status].s, status_json[res->status].len);
		w += status_json[res->status].len;
	}
	if (res->outcome == TX_LEDGER_REFUSED) {
		w = tx_record_put_member(w, TX_F_REASON);
		*w++ = '"';
		w = put_str(w, res->reason);
		*w++ = '"';
	}
	w = tx_record_put_member(w, TX_F_NEW_BALANCE);
	bal = w;
	w = tx_money_put(w, a->balance, e);
	n = (size_t)(w - bal);
	w = tx_record_put_member(w, TX_F_AVAILABLE_BALANCE);
	if (!a->reserved && n <= 16) {
		/* the same text: 16 bytes copied at once (room: PLAIN_ROOM; w is past them) */
		memcpy(w, bal, 16);
		w += n;
	} else {
		w = tx_money_put(w, a->balance - a->reserved, e);
	}
	w = tx_record_put_member(w, TX_F_TX_COUNT);
	w = tx_put_uint(w, a->tx_count);
	if (res->type == TX_TYPE_TRANSFER && res->cp >= 0) {
		w = tx_record_put_member(w, TX_F_COUNTERPARTY_BALANCE);
		w = put_money(w, &b->ledger, res->cp, 0);
	}
	if (fired) {
		w = tx_record_put_member(w, TX_F_ALERTS);
		w = put_alerts(w, fired);
	}
	if (b->cur_dropped >= 0) {
		w = tx_record_put_member(w, TX_F_DROPPED_FROM);
		w = tx_put_uint(w, (uint64_t)b->cur_dropped);
	}
	w = tx_record_append_end(r, w);
	*w++ = '\n';
	*w = '\0';
	o->len = (size_t)(w - o->p);
}

/* The key of a record's partition in b->dropped. */
static size_t dropped_key(struct tx_buf *k, const struct tx_record *r)
{
	tx_buf_reset(k);
	tx_buf_add(k, r->source.topic.p, r->source.topic.len);
	tx_buf_addch(k, '\0');
	tx_buf_add(k, (const char *)&r->source.partition, sizeof(r->source.partition));
	return k->len;
}

/* A record with a Kafka position is not written: remember where (see struct txbal). */
static void note_dropped(struct txbal *b, const struct tx_record *r)
{
	int64_t *v, e;
	int created;

	if (!r->has_source)
		return;
	dropped_key(&b->vals, r);
	e = tx_map_insert(&b->dropped, b->vals.p, b->vals.len, &created);
	if (e < 0)
		return;
	v = tx_map_value(&b->dropped, (uint32_t)e);
	if (created || *v < 0) {
		*v = r->source.offset;
		b->ndropped++;
	}
}

/* The record about to be written: the dropped offsets of its partition it carries. */
static void take_dropped(struct txbal *b, const struct tx_record *r)
{
	int64_t *v, e;

	b->cur_dropped = -1;
	if (!b->ndropped || !r->has_source)
		return;
	dropped_key(&b->vals, r);
	e = tx_map_find(&b->dropped, b->vals.p, b->vals.len);
	if (e < 0)
		return;
	v = tx_map_value(&b->dropped, (uint32_t)e);
	if (*v >= 0 && *v < r->source.offset) {
		b->cur_dropped = *v;
		*v = -1;
		b->ndropped--;
	}
}

static void write_record(struct txbal *b, struct tx_record *r, const struct tx_ledger_result *res,
			 unsigned fired)
{
	take_dropped(b, r);
	if (plain(r)) /* TX_REFERENCE=plain: always write_edited() */
		write_plain(b, r, res, fired);
	else
		write_edited(b, r, res, fired);
	if (tx_out_end_line(&b->out) < 0)
		out_failed(b, &b->out);
}

/* Parse a batch item and start loading what the ledger will touch for it. */
static void prepare(struct txbal *b, struct item *it)
{
	struct tx_record *r = &it->rec;
	struct tx_ledger_tx *t = &it->t;

	it->bad = tx_record_parse(r, it->line, it->len, TX_PARSE_REQUIRE) < 0;
	if (it->bad)
		return;
	t->id = r->id.p;
	t->id_len = r->id.len;
	t->account = r->account.p;
	t->account_len = r->account.len;
	t->counterparty = r->idx[TX_F_COUNTERPARTY] >= 0 ? r->counterparty.p : NULL;
	t->counterparty_len = r->counterparty.len;
	t->currency = r->currency;
	t->has_currency = r->idx[TX_F_CURRENCY] >= 0;
	t->type = r->type;
	t->has_amount = r->idx[TX_F_AMOUNT] >= 0;
	t->amount = r->amount;
	t->status = r->status;
	t->op = r->op;
	tx_ledger_prefetch(&b->ledger, t);
}

static void handle(struct txbal *b, struct item *it)
{
	struct tx_record *r = &it->rec;
	const char *line = it->line;
	struct tx_ledger_result res;
	unsigned fired;
	int has_ts;

	b->nread++;
	if (it->bad)
		return reject_line(b, it, line, it->len, r->err);
	tx_ledger_apply(&b->ledger, &it->t, &res);
	switch (res.outcome) {
	case TX_LEDGER_REJECTED:
		/* the record parsed: name it, and where it came from */
		note_dropped(b, r);
		tx_buf_reset(&b->vals);
		tx_record_describe(r, &b->vals);
		tx_buf_adds(&b->vals, ": ");
		tx_buf_adds(&b->vals, res.reason);
		return reject_line(b, it, line, it->len, b->vals.p);
	case TX_LEDGER_DUPLICATE:
		note_dropped(b, r);
		b->ndup++;
		return;
	case TX_LEDGER_REFUSED:
		b->nfailed++;
		b->nrefused++;
		break;
	case TX_LEDGER_APPLIED:
		/* failed by the record itself (created failed, updated to failed) */
		if (res.status == TX_STATUS_FAILED && res.was != TX_STATUS_FAILED)
			b->nfailed++;
		else
			b->napplied++;
		break;
	}
	if (b->ledger.split && res.cp >= 0) {
		/* the counterparty is not this ledger's to change: only its leg is written */
		if (res.credit && b->have_legs)
			write_leg(b, r, &res, res.cp);
		if (b->stop)
			return;
		res.cp = -1;
	}
	has_ts = r->idx[TX_F_TS] >= 0;
	fired = tx_alerts_check(&b->alerts, &b->ledger, &res, has_ts, r->ts_us);
	if (fired) {
		b->nalerts += (unsigned)__builtin_popcount(fired & ~TX_ALERT_NOTICES);
		b->nnotices += (unsigned)__builtin_popcount(fired & TX_ALERT_NOTICES);
		if (b->have_alerts)
			write_alerts(b, r, fired, &res);
	}
	write_record(b, r, &res, fired);
	if (b->aggregating && tx_agg_add(&b->agg, &b->ledger, &res, has_ts, r->ts_us, &b->agg_out))
		out_failed(b, &b->agg_out);
}

/*
 * The batch's records are parsed first, each starting the loads of its id
 * and account slots; then their slots and account entries are loaded in one
 * tight loop; then they are applied in order. The cache misses of a whole batch overlap instead
 * of stalling one record at a time (the ledger's tables are far larger than
 * the caches), which is most of txbal's speed.
 */
/* Where tx_ledger_warm()'s values go, so its loads are not optimised away. */
volatile uint64_t txbal_warm_sink;

static void run_batch(struct txbal *b)
{
	uint64_t v = 0;
	size_t i, n = b->nitems;

	for (i = 0; i < n; i++)
		prepare(b, &b->items[i]);
	for (i = 0; i < n; i++)
		if (!b->items[i].bad)
			v ^= tx_ledger_warm(&b->ledger, &b->items[i].t);
	txbal_warm_sink = v;
	for (i = 0; i < n && !b->stop; i++)
		handle(b, &b->items[i]);
	b->nitems = 0;
}

static void flush_all(struct txbal *b)
{
	if (tx_out_idle(&b->out) < 0)
		out_failed(b, &b->out);
	if (b->have_alerts && tx_out_flush(&b->alert_out) < 0)
		out_failed(b, &b->alert_out);
	if (b->aggregating && tx_out_flush(&b->agg_out) < 0)
		out_failed(b, &b->agg_out);
	if (tx_rejects_flush(&b->rej) < 0)
		out_failed(b, &b->rej.out);
}

static void run_input(struct txbal *b, const char *path)
{
	struct tx_lines lr;
	struct tx_line lines[BATCH];
	size_t n;
	int busy = 0;

	if (tx_lines_open(&lr, path) < 0) {
		set_status(b, TX_EXIT_IO);
		return;
	}
	b->opened++;
	b->source = lr.source;
	while (!b->stop && !tx_signal) {
		/*
		 * A batch of the lines already read, handled where they are. Once
		 * none is left and no more input is there, the output is flushed,
		 * then the next wait is a long one.
		 */
		int rc = tx_lines_next_batch(&lr, lines, BATCH, &n, busy ? 0 : IDLE_FLUSH_MS);
		if (rc == 1) {
			uint64_t lineno = lr.lineno - n;
			for (size_t i = 0; i < n; i++) {
				struct item *it;
				lineno++;
				if (tx_line_blank(lines[i].p, lines[i].len))
					continue;
				it = &b->items[b->nitems++];
				it->line = lines[i].p;
				it->len = lines[i].len;
				it->lineno = lineno;
			}
			if (b->nitems)
				run_batch(b);
			tx_progress_update(&b->progress, b->nread, 0);
			busy = 1;
			continue;
		}
		busy = 0;
		if (rc == 2) {
			flush_all(b);
			tx_progress_update(&b->progress, b->nread, 1);
		} else if (rc == 3) {
			continue; /* a signal: the loop condition decides */
		} else {
			if (rc < 0)
				set_status(b, TX_EXIT_IO);
			break;
		}
	}
	tx_lines_release(&lr);
}

/* "N/T": more than N within T ("3/60s", "10/1m"; a bare T is seconds). */
static int parse_velocity(const char *s, uint32_t *n, int64_t *us)
{
	const char *slash = strchr(s, '/');
	char num[16];
	int64_t v;
	size_t k;

	if (!slash || (k = (size_t)(slash - s)) == 0 || k >= sizeof(num))
		return -1;
	memcpy(num, s, k);
	num[k] = '\0';
	if (tx_parse_int64(num, 1, TX_ALERT_VELOCITY_MAX, &v))
		return -1;
	*n = (uint32_t)v;
	if (tx_parse_duration(slash + 1, us) == 0)
		return *us > 0 ? 0 : -1;
	if (tx_parse_int64(slash + 1, 1, INT64_MAX / 1000000, &v))
		return -1;
	*us = v * 1000000;
	return 0;
}

enum {
	OPT_STRICT = 256,
	OPT_REJECT,
	OPT_INIT,
	OPT_STATE,
	OPT_OVERDRAFT,
	OPT_UNLIMITED,
	OPT_WINDOW,
	OPT_LOW,
	OPT_LARGE,
	OPT_VELOCITY,
	OPT_NO_ALERT,
	OPT_ALERTS,
	OPT_AGGREGATE,
	OPT_AGGREGATES,
	OPT_AGGREGATE_TYPES,
	OPT_LATENESS,
	OPT_LEGS,
	OPT_DRAIN,
};

static const struct option longopts[] = {
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"reject", required_argument, NULL, OPT_REJECT},
    {"init", required_argument, NULL, OPT_INIT},
    {"state", required_argument, NULL, OPT_STATE},
    {"overdraft", required_argument, NULL, OPT_OVERDRAFT},
    {"overdraft-unlimited", no_argument, NULL, OPT_UNLIMITED},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"low-balance", required_argument, NULL, OPT_LOW},
    {"large", required_argument, NULL, OPT_LARGE},
    {"velocity", required_argument, NULL, OPT_VELOCITY},
    {"no-alert", required_argument, NULL, OPT_NO_ALERT},
    {"alerts", required_argument, NULL, OPT_ALERTS},
    {"aggregate", required_argument, NULL, OPT_AGGREGATE},
    {"aggregates", required_argument, NULL, OPT_AGGREGATES},
    {"aggregate-types", required_argument, NULL, OPT_AGGREGATE_TYPES},
    {"lateness", required_argument, NULL, OPT_LATENESS},
    {"legs", required_argument, NULL, OPT_LEGS},
    {"drain", required_argument, NULL, OPT_DRAIN},
    TX_PROGRESS_LONGOPT,
    {NULL, 0, NULL, 0},
};

/* What the command line asks for beyond the fields of b it sets. */
struct bal_opts {
	struct tx_ledger_opts lo;
	struct tx_alert_opts ao;
	const char *reject_path, *init_path, *state_path;
	const char *alerts_path, *agg_path, *legs_path;
	int64_t interval, lateness; /* --aggregate (0: all), --lateness */
	int aggregate, have_overdraft;
	unsigned agg_types;
};

/* --no-alert RULE: turn the rule (or all of them) off in ao. Returns -1 if unknown. */
static int no_alert(struct tx_alert_opts *ao, const char *arg)
{
	int rule = tx_alert_rule_of(arg), all = !strcmp(arg, "all");

	if (rule < 0 && !all) {
		tx_error("--no-alert: unknown rule '%s' (low_balance, large_amount, "
			 "velocity, overdraft, drain, all)",
			 arg);
		return -1;
	}
	if (all || rule == TX_ALERT_LOW_BALANCE)
		ao->low_balance = NULL;
	if (all || rule == TX_ALERT_LARGE_AMOUNT)
		ao->large = NULL;
	if (all || rule == TX_ALERT_VELOCITY)
		ao->velocity_n = 0;
	if (all || rule == TX_ALERT_OVERDRAFT)
		ao->overdraft = 0;
	if (all || rule == TX_ALERT_DRAIN)
		ao->drain = NULL;
	return 0;
}

/*
 * The options of the alert rules (into ao): returns 1 if c is one of
 * them, 0 if not, -1 after reporting a bad value.
 */
static int alert_getopt(struct tx_alert_opts *ao, int c, const char *arg)
{
	switch (c) {
	case OPT_LOW: ao->low_balance = arg; return 1;
	case OPT_LARGE: ao->large = arg; return 1;
	case OPT_VELOCITY:
		if (parse_velocity(arg, &ao->velocity_n, &ao->velocity_us)) {
			tx_error("--velocity: '%s' is not N/T (1 <= N <= %d, T a duration "
				 "such as 60s)",
				 arg, TX_ALERT_VELOCITY_MAX);
			return -1;
		}
		return 1;
	case OPT_NO_ALERT: return no_alert(ao, arg) < 0 ? -1 : 1;
	case OPT_DRAIN: ao->drain = arg; return 1;
	}
	return 0;
}

/* --aggregate INTERVAL ("all": one window). Returns -1 after reporting. */
static int parse_aggregate(struct bal_opts *o, const char *arg)
{
	if (!strcmp(arg, "all")) {
		o->interval = 0;
		o->aggregate = 1;
		return 0;
	}
	if (tx_parse_duration(arg, &o->interval) || o->interval <= 0) {
		tx_error("--aggregate: '%s' is not a duration such as 1m, 1h, 1d, "
			 "or all",
			 arg);
		return -1;
	}
	o->aggregate = 1;
	return 0;
}

/*
 * Parse options: txbal's into b and o. Returns -1 to go on, or the exit
 * status (usage errors reported).
 */
static int parse_options(struct txbal *b, struct bal_opts *o, int argc, char **argv)
{
	int64_t v;
	int c, k;

	o->lo = (struct tx_ledger_opts){"0", 0, 10000000, 0, 0};
	tx_alert_opts_default(&o->ao);
	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		if (tx_progress_getopt(&b->progress, c))
			continue;
		if ((k = alert_getopt(&o->ao, c, optarg)) != 0) {
			if (k < 0)
				return TX_EXIT_USAGE;
			continue;
		}
		switch (c) {
		case 'q': tx_quiet = 1; break;
		case 'h': return tx_help_exit(usage, "txbal");
		case OPT_STRICT: b->strict = 1; break;
		case OPT_REJECT: o->reject_path = optarg; break;
		case OPT_INIT: o->init_path = optarg; break;
		case OPT_STATE: o->state_path = optarg; break;
		case OPT_OVERDRAFT:
			o->lo.overdraft = optarg;
			o->have_overdraft = 1;
			break;
		case OPT_UNLIMITED: o->lo.overdraft_unlimited = 1; break;
		case OPT_WINDOW:
			if (tx_parse_int64(optarg, 1, INT64_MAX / 4, &v)) {
				tx_error("--window: '%s' is not a count of ids >= 1", optarg);
				return TX_EXIT_USAGE;
			}
			o->lo.window = (uint64_t)v;
			break;
		case OPT_ALERTS: o->alerts_path = optarg; break;
		case OPT_AGGREGATE:
			if (parse_aggregate(o, optarg) < 0)
				return TX_EXIT_USAGE;
			break;
		case OPT_AGGREGATE_TYPES:
			if (tx_agg_parse_types("--aggregate-types", optarg, &o->agg_types) < 0)
				return TX_EXIT_USAGE;
			break;
		case OPT_AGGREGATES: o->agg_path = optarg; break;
		case OPT_LEGS: o->legs_path = optarg; break;
		case OPT_LATENESS:
			if (tx_parse_duration(optarg, &o->lateness)) {
				tx_error("--lateness: '%s' is not a duration such as 0, 10s, 5m",
					 optarg);
				return TX_EXIT_USAGE;
			}
			break;
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	return -1;
}

/*
 * Check the options together, then build the alert rules and the ledger
 * (--init loaded). Returns -1 to go on, or the exit status (usage errors
 * reported).
 */
static int check_options(struct txbal *b, struct bal_opts *o)
{
	if (o->have_overdraft && o->lo.overdraft_unlimited) {
		tx_error("--overdraft and --overdraft-unlimited are exclusive");
		return TX_EXIT_USAGE;
	}
	if (!o->aggregate != !o->agg_path) {
		tx_error("--aggregate INTERVAL and --aggregates FILE go together");
		return TX_EXIT_USAGE;
	}
	if (o->agg_types && !o->aggregate) {
		tx_error("--aggregate-types needs --aggregate");
		return TX_EXIT_USAGE;
	}
	if (tx_alerts_init(&b->alerts, &o->ao) < 0)
		return TX_EXIT_USAGE;
	o->lo.extra = tx_alerts_extra(&b->alerts);
	o->lo.split_transfers = o->legs_path != NULL;
	tx_map_init(&b->dropped, sizeof(int64_t));
	if (tx_ledger_init(&b->ledger, &o->lo) < 0)
		return TX_EXIT_USAGE;
	if (o->init_path && tx_ledger_load(&b->ledger, o->init_path) < 0)
		return TX_EXIT_USAGE;
	return -1;
}

/*
 * Set up: stdout, the rejects, alerts, legs and aggregates files, the
 * batch's records, the signals and progress. Returns -1 to go on, or the
 * exit status (I/O errors reported).
 */
static int setup(struct txbal *b, const struct bal_opts *o)
{
	tx_out_init(&b->out, 1, "stdout");
	tx_rejects_init(&b->rej, b->strict);
	if (o->reject_path && tx_rejects_open(&b->rej, o->reject_path) < 0)
		return TX_EXIT_IO;
	if (o->alerts_path) {
		if (tx_out_open(&b->alert_out, o->alerts_path) < 0)
			return TX_EXIT_IO;
		b->have_alerts = 1;
	}
	if (o->legs_path) {
		/* appended to, never truncated: legs not yet republished stay */
		int fd = open(o->legs_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		if (fd < 0) {
			tx_error_errno("cannot open '%s'", o->legs_path);
			return TX_EXIT_IO;
		}
		tx_out_init(&b->legs, fd, o->legs_path);
		b->have_legs = 1;
	}
	if (o->agg_path) {
		if (tx_out_open(&b->agg_out, o->agg_path) < 0)
			return TX_EXIT_IO;
		tx_agg_init(&b->agg, o->interval, o->lateness);
		tx_agg_set_types(&b->agg, o->agg_types);
		b->aggregating = 1;
	}
	b->parser = tx_parser_new();
	for (size_t i = 0; i < BATCH; i++) {
		tx_record_init(&b->items[i].rec);
		tx_record_use_parser(&b->items[i].rec, b->parser);
	}
	tx_signals_install();
	tx_progress_start(&b->progress, TX_PROGRESS_ASKED, "records read");
	return -1;
}

/* Run: read the inputs (stdin without any) until the end, --strict's stop or a signal. */
static void run(struct txbal *b, int argc, char **argv)
{
	if (optind == argc)
		run_input(b, "-");
	for (int i = optind; i < argc && !b->stop && !tx_signal; i++)
		run_input(b, argv[i]);
}

/*
 * Finish: write the open aggregate windows and what is buffered, close
 * every output, save --state and end the progress line; failures set b's
 * status.
 */
static void finish(struct txbal *b, const struct bal_opts *o)
{
	/* Open windows are written on a signal too: they exist nowhere else. */
	if (b->aggregating && tx_agg_flush(&b->agg, &b->ledger, &b->agg_out) < 0)
		out_failed(b, &b->agg_out);
	flush_all(b);
	if (tx_out_close(&b->out) < 0 && b->out.err != EPIPE)
		set_status(b, TX_EXIT_IO);
	if (b->have_alerts && tx_out_close(&b->alert_out) < 0)
		set_status(b, TX_EXIT_IO);
	if (b->aggregating && tx_out_close(&b->agg_out) < 0)
		set_status(b, TX_EXIT_IO);
	if (tx_rejects_close(&b->rej) < 0)
		set_status(b, TX_EXIT_IO);
	if (b->have_legs && tx_out_close(&b->legs) < 0)
		set_status(b, TX_EXIT_IO);
	if (o->state_path && tx_ledger_save(&b->ledger, o->state_path) < 0)
		set_status(b, TX_EXIT_IO);
	tx_progress_end(&b->progress);
}

/* Report: the summary line, and the exit status. */
static int report(const struct txbal *b)
{
	/* no input could be opened: an all-zero summary would only hide the error */
	if (!tx_quiet && b->opened) {
		fprintf(stderr,
			"%s: %llu read, %llu applied, %llu failed (%llu refused), %llu duplicates, "
			"%llu rejected, %llu alerts, %llu notices",
			tx_progname, (unsigned long long)b->nread, (unsigned long long)b->napplied,
			(unsigned long long)b->nfailed, (unsigned long long)b->nrefused,
			(unsigned long long)b->ndup, (unsigned long long)b->rej.count,
			(unsigned long long)b->nalerts, (unsigned long long)b->nnotices);
		if (b->aggregating)
			fprintf(stderr, ", %llu aggregates, %llu late, %llu without ts",
				(unsigned long long)b->agg.emitted, (unsigned long long)b->agg.late,
				(unsigned long long)b->agg.untimed);
		fputc('\n', stderr);
	}
	if (tx_signal)
		return TX_EXIT_SIGNAL + tx_signal;
	return b->status;
}

/* Free what b holds: the records, parser, buffers, aggregates, alerts, ledger. */
static void bal_release(struct txbal *b)
{
	for (size_t i = 0; i < BATCH; i++)
		tx_record_release(&b->items[i].rec);
	tx_parser_free(b->parser);
	tx_buf_release(&b->vals);
	tx_agg_release(&b->agg);
	tx_alerts_release(&b->alerts);
	tx_ledger_release(&b->ledger);
	tx_map_release(&b->dropped);
}

int cmd_main(int argc, char **argv)
{
	static struct txbal b;
	struct bal_opts o = {0};
	int status;

	status = parse_options(&b, &o, argc, argv);
	if (status < 0)
		status = check_options(&b, &o);
	if (status < 0)
		status = setup(&b, &o);
	if (status >= 0)
		return status; /* as before: nothing is released on these ways out */
	run(&b, argc, argv);
	finish(&b, &o);
	status = report(&b);
	bal_release(&b);
	return status;
}

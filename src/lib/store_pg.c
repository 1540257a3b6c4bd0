/*
 * The PostgreSQL backend of txstore: a batch's creates are checked against
 * the stored ids with one indexed query and the new ones sent with COPY
 * straight into the table; updates and deletes are prepared statements and
 * balances are staged with COPY and merged set-based, all in the batch's one
 * transaction. Every string travels as a parameter or COPY-escaped data,
 * never inside SQL text. A lost connection is reported as TXS_LOST so
 * store.c reconnects and retries the batch.
 */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "store_impl.h"
#include "tx.h"

#define PG_VALUE_LEN 64 /* value_row()'s buffers */

struct pg {
	PGconn *conn;
	char sqlstate[6];   /* of the last error */
	int merge;	    /* the last batch had stored ids: merge through the staging table */
	int safe;	    /* TXSTORE_PG_SAFE: always merge (the slow reference path) */
	struct tx_buf copy; /* COPY data being built */
	struct tx_map seen; /* the batch's ids (pg_apply_bulk()), kept to reuse its memory */
	/*
	 * The second connection (write_split() in store.c): opened at the first
	 * split, dropped on a reconnect. The two swap roles at each split.
	 */
	PGconn *conn2;
	int oneconn;	  /* TXSTORE_PG_ONECONN: never split a batch */
	int conn2_failed; /* it could not be opened: one connection until a reconnect */
	/*
	 * The type of transactions.record: json since schema version 3, jsonb
	 * before; either (or text) if a user changed it. COPY sends its form.
	 */
	char record_type[PG_VALUE_LEN];
	int record_jsonb;
	struct tx_buf copy2; /* the second half's COPY data, which sender sends */
	struct tx_worker sender;
	int sending; /* sender was given copy2 to send (and not waited for) */
};

static const char schema_v1[] =
    "CREATE TABLE transactions (\n"
    "  transaction_id text NOT NULL PRIMARY KEY,\n"
    "  account text NOT NULL,\n"
    "  type text,\n"
    "  amount numeric,\n"
    "  currency text NOT NULL,\n"
    "  ts timestamptz,\n"
    "  status text NOT NULL,\n"
    "  reason text,\n"
    "  alerts jsonb,\n"
    "  counterparty text,\n"
    "  record jsonb NOT NULL,\n" /* json in new databases: schema_v3 */
    "  stored_at timestamptz NOT NULL,\n"
    "  updated_at timestamptz,\n"
    "  deleted_at timestamptz,\n"
    "  source_topic text,\n"
    "  source_partition integer,\n"
    "  source_offset bigint,\n"
    "  source_ts timestamptz,\n"
    "  CONSTRAINT transaction_id_length CHECK (length(transaction_id) BETWEEN 1 AND 256),\n"
    "  CONSTRAINT account_length CHECK (length(account) BETWEEN 1 AND 256),\n"
    "  CONSTRAINT counterparty_length CHECK (length(counterparty) <= 256),\n"
    "  CONSTRAINT amount_not_negative CHECK (amount >= 0),\n"
    "  CONSTRAINT type_known CHECK (type IN ('deposit', 'withdrawal', 'payment', "
    "'transfer', 'fee', 'refund')),\n"
    "  CONSTRAINT status_known CHECK (status IN ('pending', 'completed', 'failed'))\n"
    ");\n"
    "CREATE TABLE balances (\n"
    "  account text NOT NULL,\n"
    "  currency text NOT NULL,\n"
    "  balance numeric NOT NULL,\n"
    "  available_balance numeric NOT NULL,\n"
    "  tx_count bigint NOT NULL,\n"
    "  updated_at timestamptz NOT NULL,\n"
    "  PRIMARY KEY (account, currency)\n"
    ");\n"
    "CREATE TABLE offsets (\n"
    "  topic text NOT NULL,\n"
    "  \"partition\" integer NOT NULL,\n"
    "  next_offset bigint NOT NULL,\n"
    "  updated_at timestamptz NOT NULL,\n"
    "  PRIMARY KEY (topic, \"partition\")\n"
    ");\n";

/* 2: the Kafka cluster the stored offsets came from (NULL: unknown). */
static const char schema_v2[] = "ALTER TABLE offsets ADD COLUMN cluster text;\n";

/*
 * 3: record is json in a new database, the record's text as it arrived:
 * jsonb reorders its members and costs the server about 2.5 us of parsing
 * per row, a third of COPY's work (issue #19). A database that holds rows
 * keeps its jsonb: changing the type rewrites the table, which is the
 * user's call (txstore(1), "Schema"); txstore writes either.
 */
static const char schema_v3[] =
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM transactions) THEN "
    "ALTER TABLE transactions ALTER COLUMN record TYPE json; END IF; END $$;\n";

/* migrations[v] upgrades schema version v to v + 1 (0: an empty database). */
static const char *const migrations[TXS_SCHEMA_VERSION] = {schema_v1, schema_v2, schema_v3};

/*
 * Per connection: the staging tables (emptied at every commit). %s is the
 * type of transactions.record.
 */
static const char session_fmt[] =
    "SET client_min_messages = warning;\n"
    "CREATE TEMP TABLE txstore_stage (transaction_id text, account text, type text, "
    "amount numeric, currency text, ts timestamptz, status text, reason text, alerts jsonb, "
    "counterparty text, record %s, stored_at timestamptz, source_topic text, "
    "source_partition integer, source_offset bigint, source_ts timestamptz) "
    "ON COMMIT DELETE ROWS;\n"
    "CREATE TEMP TABLE txstore_bal_stage (account text, currency text, balance numeric, "
    "available_balance numeric, tx_count bigint, count_delta bigint, updated_at timestamptz) "
    "ON COMMIT DELETE ROWS;\n";

static int classify(struct tx_store *st, PGresult *res)
{
	struct pg *p = st->db;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (!msg) {
		/*
		 * libpq's own messages span lines: make them one, with "; "
		 * where a line ended without punctuation ("Connection refused;
		 * Is the server running ...?"), so sentences do not run together.
		 */
		const char *m = PQerrorMessage(p->conn);
		size_t i, o = 0;
		int space = 0;
		for (i = 0; m[i] && o + 2 < sizeof(st->errmsg); i++) {
			if (m[i] == '\n' || m[i] == '\t' || m[i] == ' ') {
				if (m[i] == '\n' && o && !strchr(".;:?!", st->errmsg[o - 1]))
					space = 2;
				else if (!space)
					space = 1;
				continue;
			}
			if (space == 2 && o)
				st->errmsg[o++] = ';';
			if (space && o)
				st->errmsg[o++] = ' ';
			space = 0;
			if (o + 1 < sizeof(st->errmsg))
				st->errmsg[o++] = m[i];
		}
		st->errmsg[o] = '\0';
	} else {
		tx_store_set_err(st, "%s", msg);
	}
	snprintf(p->sqlstate, sizeof(p->sqlstate), "%s", state ? state : "");
	/*
	 * No SQLSTATE: the error is libpq's own, not the server's, and the one
	 * libpq has is about the connection ("server closed the connection
	 * unexpectedly" when the server crashed or was restarted -m immediate,
	 * which may come before the connection is marked bad, in a pipeline
	 * or a COPY). Reconnect and retry, as for a server that said it goes
	 * away (57P01); --retry-for bounds it.
	 */
	if (PQstatus(p->conn) == CONNECTION_BAD || !state)
		return TXS_LOST;
	if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3) || !strcmp(state, "40001") ||
	    !strcmp(state, "40P01"))
		return TXS_LOST;
	if (!strncmp(state, "23", 2) || !strncmp(state, "22", 2) || !strncmp(state, "54", 2))
		return TXS_REFUSED;
	return TXS_FAIL;
}

/* Run a statement without results; PGRES_COMMAND_OK expected. */
static int pg_exec(struct tx_store *st, const char *sql)
{
	struct pg *p = st->db;
	PGresult *res = PQexec(p->conn, sql);
	int rc = TXS_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = classify(st, res);
	PQclear(res);
	return rc;
}

/*
 * An asynchronous commit returns before its WAL is flushed: the server's
 * WAL writer flushes it within wal_writer_delay (200 ms by default), and a
 * server crash before that loses it (tx_store_set_async_commit()).
 */
static int pg_begin(struct tx_store *st)
{
	return pg_exec(st, st->batch_async ? "BEGIN; SET LOCAL synchronous_commit = off" : "BEGIN");
}

/*
 * A synchronous commit flushes the WAL up to its own record, and so every
 * asynchronous commit before it. Only a transaction that wrote WAL waits
 * for the flush (an xid alone, txid_current(), does not): it rewrites one
 * row of txstore_meta, unchanged.
 */
static int pg_sync(struct tx_store *st)
{
	return pg_exec(st, "BEGIN; SET LOCAL synchronous_commit = on; UPDATE txstore_meta SET "
			   "value = value WHERE key = 'schema_version'; COMMIT");
}

static int pg_commit(struct tx_store *st)
{
	struct pg *p = st->db;
	PGresult *res = PQexec(p->conn, "COMMIT");
	int rc = TXS_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = classify(st, res);
	} else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		tx_store_set_err(st, "the transaction was rolled back");
		rc = TXS_FAIL;
	}
	PQclear(res);
	return rc;
}

static void pg_rollback(struct tx_store *st)
{
	struct pg *p = st->db;
	if (PQstatus(p->conn) == CONNECTION_OK && PQtransactionStatus(p->conn) != PQTRANS_IDLE)
		PQclear(PQexec(p->conn, "ROLLBACK"));
}

/* One value in COPY text format: \N for NULL, backslash escapes for the rest. */
static void copy_value(struct tx_buf *o, const char *s, size_t n)
{
	size_t i, run = 0;

	if (!s) {
		tx_buf_add(o, "\\N", 2);
		return;
	}
	for (i = 0; i < n; i++) {
		char c = s[i], e;
		switch (c) {
		case '\\': e = '\\'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\t': e = 't'; break;
		default: continue;
		}
		tx_buf_add(o, s + run, i - run);
		tx_buf_addch(o, '\\');
		tx_buf_addch(o, e);
		run = i + 1;
	}
	tx_buf_add(o, s + run, n - run);
}

static void copy_ref(struct tx_buf *o, const struct tx_store_batch *b, struct tx_sref r)
{
	copy_value(o, tx_sref_str(b, r), r.len);
}

/*
 * Send o as the data of the COPY in progress on c, and its end: 0, or -1
 * when the end could not be sent (the data that could not be sent ends the
 * COPY with an error, which is its result).
 */
static int put_copy(PGconn *c, const struct tx_buf *o)
{
	size_t off, n;

	for (off = 0; off < o->len; off += n) {
		n = o->len - off > (1 << 20) ? (1 << 20) : o->len - off;
		if (PQputCopyData(c, o->p + off, (int)n) != 1)
			break;
	}
	return PQputCopyEnd(c, off < o->len ? "txstore could not send the rows" : NULL) == 1 ? 0
											     : -1;
}

/* The result of a COPY whose data was all sent. */
static int copy_result(struct tx_store *st)
{
	struct pg *p = st->db;
	PGresult *res = PQgetResult(p->conn);
	int rc = TXS_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = classify(st, res);
	PQclear(res);
	while ((res = PQgetResult(p->conn)))
		PQclear(res);
	return rc;
}

/* Send o as COPY data for sql ("COPY t FROM STDIN"). */
static int copy_in(struct tx_store *st, const char *sql, struct tx_buf *o)
{
	struct pg *p = st->db;
	PGresult *res = PQexec(p->conn, sql);
	int rc;

	if (PQresultStatus(res) != PGRES_COPY_IN) {
		rc = classify(st, res);
		PQclear(res);
		return rc;
	}
	PQclear(res);
	if (put_copy(p->conn, o) < 0)
		return classify(st, NULL);
	return copy_result(st);
}

/*
 * Binary COPY: the server gets numbers and times as such instead of parsing
 * their text (what makes txstore's COPY cheaper for the server than psql's
 * CSV). Integers are big-endian; see the COPY manual page, "Binary Format".
 */
static void bin_u16(struct tx_buf *o, unsigned v)
{
	char c[2] = {(char)(v >> 8), (char)v};
	tx_buf_add(o, c, 2);
}

static void bin_u32(struct tx_buf *o, uint32_t v)
{
	char c[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
	tx_buf_add(o, c, 4);
}

static void bin_u64(struct tx_buf *o, uint64_t v)
{
	bin_u32(o, (uint32_t)(v >> 32));
	bin_u32(o, (uint32_t)v);
}

static void bin_null(struct tx_buf *o)
{
	bin_u32(o, 0xFFFFFFFFu);
}

static void bin_text(struct tx_buf *o, const struct tx_store_batch *b, struct tx_sref r)
{
	if (r.off == (size_t)-1) {
		bin_null(o);
		return;
	}
	bin_u32(o, (uint32_t)r.len);
	tx_buf_add(o, b->arena.p + r.off, r.len);
}

/* jsonb's binary form: a version byte (1), then the JSON text. */
static void bin_jsonb(struct tx_buf *o, const struct tx_store_batch *b, struct tx_sref r)
{
	if (r.off == (size_t)-1) {
		bin_null(o);
		return;
	}
	bin_u32(o, (uint32_t)r.len + 1);
	tx_buf_addch(o, 1);
	tx_buf_add(o, b->arena.p + r.off, r.len);
}

/* timestamptz: microseconds since 2000-01-01 00:00:00 UTC. */
static void bin_time(struct tx_buf *o, int64_t us)
{
	if (us < 0) {
		bin_null(o);
		return;
	}
	bin_u32(o, 8);
	bin_u64(o, (uint64_t)(us - INT64_C(946684800000000)));
}

/*
 * numeric: base-10000 digits, the weight of the first (in groups of four
 * decimal digits from the point), sign and display scale. minor >= 0 here
 * (amounts are), in minor units with `exponent` decimals.
 */
static void bin_numeric(struct tx_buf *o, int64_t minor, int exponent)
{
	uint64_t ip = (uint64_t)minor, fp = 0, scale = 1;
	unsigned digits[16];
	int n = 0, first_int, weight, e;

	for (e = 0; e < exponent; e++)
		scale *= 10;
	fp = ip % scale;
	ip /= scale;
	/* integer groups, least significant first, then reversed */
	{
		unsigned g[8];
		int ng = 0;
		while (ip) {
			g[ng++] = (unsigned)(ip % 10000);
			ip /= 10000;
		}
		weight = ng - 1;
		while (ng)
			digits[n++] = g[--ng];
	}
	first_int = n;
	/* fraction: pad to a multiple of 4 decimals, then groups of 4 */
	if (exponent > 0 && fp) {
		int pad = (4 - exponent % 4) % 4, nf = (exponent + pad) / 4, k;
		for (e = 0; e < pad; e++)
			fp *= 10;
		for (k = nf - 1; k >= 0; k--) {
			digits[n + k] = (unsigned)(fp % 10000);
			fp /= 10000;
		}
		n += nf;
	}
	if (first_int == 0) {
		/* no integer part: the weight is that of the first non-zero group */
		int lead = 0;
		while (lead < n && digits[lead] == 0)
			lead++;
		weight = -1 - lead;
		memmove(digits, digits + lead, (size_t)(n - lead) * sizeof(*digits));
		n -= lead;
	}
	while (n > 0 && digits[n - 1] == 0)
		n--;
	if (n == 0)
		weight = 0;
	bin_u32(o, (uint32_t)(8 + 2 * n));
	bin_u16(o, (unsigned)n);
	bin_u16(o, (unsigned)(uint16_t)weight);
	bin_u16(o, 0); /* positive */
	bin_u16(o, (unsigned)exponent);
	for (e = 0; e < n; e++)
		bin_u16(o, digits[e]);
}

static void copy_header(struct tx_buf *o)
{
	tx_buf_add(o, "PGCOPY\n\377\r\n\0", 11);
	bin_u32(o, 0); /* flags */
	bin_u32(o, 0); /* no header extension */
}

static void copy_row(struct tx_buf *o, const struct tx_store *st, const struct tx_store_batch *b,
		     const struct tx_store_row *row)
{
	bin_u16(o, 16);
	bin_text(o, b, row->id);
	bin_text(o, b, row->account);
	bin_text(o, b, row->type);
	if (row->amount.off == (size_t)-1)
		bin_null(o);
	else
		bin_numeric(o, row->amount_minor, row->exponent);
	bin_text(o, b, row->currency);
	bin_time(o, row->ts_us);
	bin_text(o, b, row->status);
	bin_text(o, b, row->reason);
	bin_jsonb(o, b, row->alerts);
	bin_text(o, b, row->counterparty);
	if (((const struct pg *)st->db)->record_jsonb)
		bin_jsonb(o, b, row->record);
	else
		bin_text(o, b, row->record); /* json's and text's binary form is the text */
	bin_time(o, st->stored_at_us);
	bin_text(o, b, row->source_topic);
	if (row->has_source) {
		bin_u32(o, 4);
		bin_u32(o, (uint32_t)row->partition);
		bin_u32(o, 8);
		bin_u64(o, (uint64_t)row->offset);
	} else {
		bin_null(o);
		bin_null(o);
	}
	bin_time(o, row->source_ts_us);
}

/* The binary COPY straight into the table. */
#define COPY_TX_SQL "COPY transactions (" TXS_TX_COLUMNS ") FROM STDIN (FORMAT binary)"

/*
 * The binary COPY data of the batch's PENDING creates into o, each one's
 * outcome set to STORED, or DUPLICATE for an id repeated in the batch (the
 * first one stays). Returns how many rows o holds.
 */
static size_t copy_creates(struct tx_store *st, struct tx_store_batch *b, struct tx_buf *o)
{
	struct pg *p = st->db;
	size_t i, n = 0;
	int created;

	tx_buf_reset(o);
	copy_header(o);
	tx_map_clear(&p->seen); /* the batch's ids so far: a repeated one is a duplicate */
	for (i = 0; i < b->n; i++) {
		struct tx_store_row *row = &b->rows[i];
		if (row->outcome != TX_STORE_PENDING || row->op != TX_OP_CREATE)
			continue;
		if (tx_map_insert(&p->seen, b->arena.p + row->id.off, row->id.len, &created) >= 0 &&
		    !created) {
			row->outcome = TX_STORE_DUPLICATE; /* the first of the batch stays */
			continue;
		}
		row->outcome = TX_STORE_STORED;
		copy_row(o, st, b, row);
		n++;
	}
	bin_u16(o, 0xFFFF); /* the trailer */
	return n;
}

/*
 * The batch's creates. New ids (the usual case) go with COPY straight into
 * the table: no more work than psql's \copy. When some id is stored already,
 * that COPY fails on the primary key; the batch is then done again through a
 * staging table, COPY there and one INSERT ... SELECT ... ON CONFLICT DO
 * NOTHING RETURNING the ids it stored, and so are the following batches
 * until one has no stored id. (Measured: probing the ids first with one
 * "= ANY(array)" query cost more than the COPY itself on a loaded machine.)
 * TXSTORE_PG_SAFE=1 in the environment takes the staging path for every
 * batch: the slow reference the fast one is tested against (t5102).
 */
static int pg_apply_bulk(struct tx_store *st, struct tx_store_batch *b)
{
	struct pg *p = st->db;
	struct tx_buf *o = &p->copy;
	PGresult *res;
	size_t i, n;
	int rc, t;

	n = copy_creates(st, b, o);
	if (!n)
		return TXS_OK;
	if (!p->merge && !p->safe) {
		rc = copy_in(st, COPY_TX_SQL, o);
		if (rc == TXS_REFUSED && !strcmp(p->sqlstate, "23505")) {
			p->merge = 1;
			return TXS_AGAIN;
		}
		return rc;
	}
	rc = copy_in(st, "COPY txstore_stage FROM STDIN (FORMAT binary)", o);
	if (rc != TXS_OK)
		return rc;
	res = PQexec(p->conn, "INSERT INTO transactions (" TXS_TX_COLUMNS ") SELECT " TXS_TX_COLUMNS
			      " FROM txstore_stage ON CONFLICT (transaction_id) DO NOTHING "
			      "RETURNING transaction_id");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = classify(st, res);
		PQclear(res);
		return rc;
	}
	if ((size_t)PQntuples(res) < n) {
		struct tx_map ins; /* the returned ids */
		tx_map_init(&ins, 0);
		for (t = 0; t < PQntuples(res); t++)
			tx_map_insert(&ins, PQgetvalue(res, t, 0), (size_t)PQgetlength(res, t, 0),
				      NULL);
		for (i = 0; i < b->n; i++) {
			struct tx_store_row *row = &b->rows[i];
			if (row->outcome == TX_STORE_STORED && row->op == TX_OP_CREATE &&
			    tx_map_find(&ins, b->arena.p + row->id.off, row->id.len) < 0)
				row->outcome = TX_STORE_DUPLICATE; /* not returned: stored before */
		}
		tx_map_release(&ins);
	} else {
		p->merge = 0;
	}
	PQclear(res);
	return TXS_OK;
}

/* Run a prepared statement; *changed gets the affected row count. */
static int exec_prepared(struct tx_store *st, const char *name, int n, const char *const *v,
			 uint64_t *changed)
{
	struct pg *p = st->db;
	PGresult *res = PQexecPrepared(p->conn, name, n, v, NULL, NULL, 0);
	int rc = TXS_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = classify(st, res);
	else if (changed)
		*changed = PQresultStatus(res) == PGRES_TUPLES_OK
			       ? (uint64_t)PQntuples(res)
			       : strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

/* The parameters of an update or delete (v holds 5). */
static int change_params(const struct tx_store *st, const struct tx_store_batch *b,
			 const struct tx_store_row *row, const char **v)
{
	v[0] = tx_sref_str(b, row->id);
	v[1] = st->stored_at;
	v[2] = tx_sref_str(b, row->status);
	v[3] = tx_sref_str(b, row->reason);
	v[4] = tx_sref_str(b, row->alerts);
	return row->op == TX_OP_UPDATE ? 5 : 2;
}

/*
 * Updates and deletes in pipeline mode: all sent, one sync, results read in
 * order, so a batch costs one round trip instead of one per record. Rows
 * that changed nothing are left PENDING for pg_apply_row to tell a repeat
 * (DUPLICATE) from an unknown id. An error makes the rest of the pipeline
 * abort: TXS_REFUSED then sends the batch down the careful path.
 */
static int pg_apply_changes(struct tx_store *st, struct tx_store_batch *b)
{
	struct pg *p = st->db;
	const char *v[5];
	PGresult *res;
	size_t i, sent = 0;
	int rc = TXS_OK;

	if (PQenterPipelineMode(p->conn) != 1)
		return classify(st, NULL);
	for (i = 0; i < b->n; i++) {
		const struct tx_store_row *row = &b->rows[i];
		int n;
		if (row->outcome != TX_STORE_PENDING || row->op == TX_OP_CREATE)
			continue;
		n = change_params(st, b, row, v);
		if (!PQsendQueryPrepared(p->conn,
					 row->op == TX_OP_UPDATE ? "txstore_upd" : "txstore_del", n,
					 v, NULL, NULL, 0))
			return classify(st, NULL);
		sent++;
	}
	if (PQpipelineSync(p->conn) != 1)
		return classify(st, NULL);
	for (i = 0; i < b->n && sent; i++) {
		struct tx_store_row *row = &b->rows[i];
		if (row->outcome != TX_STORE_PENDING || row->op == TX_OP_CREATE)
			continue;
		sent--;
		res = PQgetResult(p->conn);
		if (!res)
			return classify(st, NULL);
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			if (strtoull(PQcmdTuples(res), NULL, 10) > 0)
				row->outcome =
				    row->op == TX_OP_UPDATE ? TX_STORE_UPDATED : TX_STORE_DELETED;
		} else if (rc == TXS_OK) {
			rc = PQresultStatus(res) == PGRES_PIPELINE_ABORTED ? TXS_REFUSED
									   : classify(st, res);
		}
		PQclear(res);
		while ((res = PQgetResult(p->conn))) /* the NULL that ends each query */
			PQclear(res);
	}
	res = PQgetResult(p->conn); /* the sync */
	if (!res || PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
		if (rc == TXS_OK)
			rc = classify(st, res);
	}
	PQclear(res);
	if (PQexitPipelineMode(p->conn) != 1 && rc == TXS_OK)
		rc = classify(st, NULL);
	return rc;
}

static int pg_apply_row(struct tx_store *st, struct tx_store_batch *b, struct tx_store_row *row,
			int careful)
{
	char part[16], off[24];
	const char *v[16];
	uint64_t changed = 0;
	int rc;

	if (careful && (rc = pg_exec(st, "SAVEPOINT txstore_row")) != TXS_OK)
		return rc;
	if (row->op == TX_OP_CREATE) {
		snprintf(part, sizeof(part), "%d", (int)row->partition);
		snprintf(off, sizeof(off), "%lld", (long long)row->offset);
		v[0] = tx_sref_str(b, row->id);
		v[1] = tx_sref_str(b, row->account);
		v[2] = tx_sref_str(b, row->type);
		v[3] = tx_sref_str(b, row->amount);
		v[4] = tx_sref_str(b, row->currency);
		v[5] = tx_sref_str(b, row->ts);
		v[6] = tx_sref_str(b, row->status);
		v[7] = tx_sref_str(b, row->reason);
		v[8] = tx_sref_str(b, row->alerts);
		v[9] = tx_sref_str(b, row->counterparty);
		v[10] = tx_sref_str(b, row->record);
		v[11] = st->stored_at;
		v[12] = tx_sref_str(b, row->source_topic);
		v[13] = row->has_source ? part : NULL;
		v[14] = row->has_source ? off : NULL;
		v[15] = tx_sref_str(b, row->source_ts);
		rc = exec_prepared(st, "txstore_ins", 16, v, &changed);
	} else {
		int n = change_params(st, b, row, v);
		rc = exec_prepared(st, row->op == TX_OP_UPDATE ? "txstore_upd" : "txstore_del", n,
				   v, &changed);
		if (rc == TXS_OK && !changed) {
			uint64_t found = 0;
			rc = exec_prepared(st, "txstore_exists", 1, v, &found);
			if (rc == TXS_OK && !found) {
				row->outcome = TX_STORE_REFUSED;
				tx_store_set_err(st, "%s of a transaction_id that is not stored",
						 row->op == TX_OP_UPDATE ? "update" : "delete");
			}
		}
	}
	if (rc == TXS_REFUSED && careful) {
		rc = pg_exec(st, "ROLLBACK TO SAVEPOINT txstore_row");
		if (rc != TXS_OK)
			return rc;
		row->outcome = TX_STORE_REFUSED;
		return TXS_OK;
	}
	if (rc != TXS_OK)
		return rc;
	if (careful && (rc = pg_exec(st, "RELEASE SAVEPOINT txstore_row")) != TXS_OK)
		return rc;
	if (row->outcome == TX_STORE_REFUSED)
		return TXS_OK;
	if (!changed)
		row->outcome = TX_STORE_DUPLICATE;
	else
		row->outcome = row->op == TX_OP_CREATE	 ? TX_STORE_STORED
			       : row->op == TX_OP_UPDATE ? TX_STORE_UPDATED
							 : TX_STORE_DELETED;
	return TXS_OK;
}

static int pg_put_balances(struct tx_store *st, struct tx_store_batch *b,
			   const struct tx_store_bal *bals, size_t n)
{
	struct pg *p = st->db;
	struct tx_buf *o = &p->copy;
	size_t i;
	int rc;

	tx_buf_reset(o);
	for (i = 0; i < n; i++) {
		const struct tx_store_bal *e = &bals[i];
		copy_ref(o, b, e->account);
		tx_buf_addch(o, '\t');
		copy_ref(o, b, e->currency);
		tx_buf_addch(o, '\t');
		if (e->has_balance)
			tx_money_format(o, e->balance, e->exponent);
		else
			tx_buf_adds(o, "\\N");
		tx_buf_addch(o, '\t');
		if (e->has_available)
			tx_money_format(o, e->available, e->exponent);
		else
			tx_buf_adds(o, "\\N");
		tx_buf_addch(o, '\t');
		if (e->has_count)
			tx_buf_add_int(o, e->tx_count);
		else
			tx_buf_adds(o, "\\N");
		tx_buf_addch(o, '\t');
		tx_buf_add_int(o, e->count_delta);
		tx_buf_addch(o, '\t');
		tx_buf_adds(o, st->stored_at);
		tx_buf_addch(o, '\n');
	}
	rc = copy_in(st, "COPY txstore_bal_stage FROM STDIN", o);
	if (rc == TXS_OK)
		/* A counterparty's balance alone: the available balance moves with it. */
		rc = pg_exec(st,
			     "UPDATE balances b SET balance = coalesce(s.balance, b.balance), "
			     "available_balance = coalesce(s.available_balance, "
			     "b.available_balance + coalesce(s.balance, b.balance) - b.balance), "
			     "tx_count = coalesce(s.tx_count, b.tx_count + s.count_delta), "
			     "updated_at = s.updated_at FROM txstore_bal_stage s "
			     "WHERE b.account = s.account AND b.currency = s.currency");
	if (rc == TXS_OK)
		rc = pg_exec(st,
			     "INSERT INTO balances SELECT account, currency, "
			     "coalesce(balance, 0), coalesce(available_balance, balance, 0), "
			     "coalesce(tx_count, count_delta), updated_at FROM txstore_bal_stage "
			     "ON CONFLICT (account, currency) DO NOTHING");
	return rc == TXS_REFUSED ? TXS_FAIL : rc;
}

/* s as an element of an array literal: double-quoted, " and \ escaped. */
static void array_text(struct tx_buf *o, const char *s)
{
	tx_buf_addch(o, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			tx_buf_addch(o, '\\');
		tx_buf_addch(o, *s);
	}
	tx_buf_addch(o, '"');
}

static int pg_put_offset(struct tx_store *st, const char *topic, int32_t partition, int64_t next,
			 const char *cluster)
{
	char part[16], off[24];
	const char *v[5] = {topic, part, off, st->stored_at, cluster};
	int rc;

	snprintf(part, sizeof(part), "%d", (int)partition);
	snprintf(off, sizeof(off), "%lld", (long long)next);
	rc = exec_prepared(st, "txstore_off", 5, v, NULL);
	return rc == TXS_REFUSED ? TXS_FAIL : rc;
}

/*
 * The batch's offsets in one statement, four arrays unnested: one statement
 * an offset made a batch over 64 partitions wait for 64 round trips, in all
 * as long as its COPY of 2,500 records (1.1 s of 3.0 for 300k records read
 * by txsub). TXSTORE_PG_SAFE takes the reference, pg_put_offset() each.
 */
static int pg_put_offsets(struct tx_store *st, const struct tx_store_batch *b)
{
	struct pg *p = st->db;
	struct tx_buf *o = &p->copy;
	const char *v[5];
	size_t i, at[4], n = 0;
	int k, rc;

	if (p->safe)
		return tx_store_put_offsets_each(st, b);
	tx_buf_reset(o);
	for (k = 0; k < 4; k++) {
		at[k] = o->len;
		tx_buf_addch(o, '{');
		for (i = n = 0; i < st->noffsets; i++) {
			const struct tx_store_offset *f = &st->offsets[i];
			if (f->next_new < 0)
				continue;
			if (n++)
				tx_buf_addch(o, ',');
			if (k == 0)
				array_text(o, f->topic);
			else if (k == 1)
				tx_buf_add_int(o, f->partition);
			else if (k == 2)
				tx_buf_add_int(o, f->next_new);
			else if (f->cluster_new.off != (size_t)-1)
				array_text(o, tx_sref_str(b, f->cluster_new));
			else
				tx_buf_adds(o, "NULL");
		}
		tx_buf_addch(o, '}');
		tx_buf_addch(o, '\0');
	}
	if (!n)
		return TXS_OK;
	v[0] = o->p + at[0];
	v[1] = o->p + at[1];
	v[2] = o->p + at[2];
	v[3] = st->stored_at;
	v[4] = o->p + at[3];
	rc = exec_prepared(st, "txstore_offs", 5, v, NULL);
	return rc == TXS_REFUSED ? TXS_FAIL : rc;
}

static int pg_query(struct tx_store *st, const char *sql, int nparams, const char *const *params,
		    tx_store_row_fn fn, void *ctx)
{
	struct pg *p = st->db;
	PGresult *res = PQexecParams(p->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	int rc = TXS_OK, nrows, ncols, r, c;
	const char **vals;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = classify(st, res);
		PQclear(res);
		return rc;
	}
	nrows = PQntuples(res);
	ncols = PQnfields(res);
	vals = tx_calloc((size_t)ncols + 1, sizeof(*vals));
	for (r = 0; r < nrows && rc == TXS_OK; r++) {
		for (c = 0; c < ncols; c++)
			vals[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
		if (fn(ctx, ncols, vals) < 0) {
			tx_store_set_err(st, "could not handle a result row");
			rc = TXS_FAIL;
		}
	}
	free(vals);
	PQclear(res);
	return rc;
}

static void quiet_notices(void *arg, const char *message)
{
}

static int prepare(struct tx_store *st, const char *name, const char *sql)
{
	struct pg *p = st->db;
	PGresult *res = PQprepare(p->conn, name, sql, 0, NULL);
	int rc = TXS_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = classify(st, res);
	PQclear(res);
	return rc;
}

/* Connect and set the session up: TXS_OK, TXS_LOST (cannot reach) or TXS_FAIL. */
static int pg_connect(struct tx_store *st)
{
	struct pg *p = st->db;
	char session_sql[sizeof(session_fmt) + sizeof(p->record_type)];
	int rc;

	snprintf(session_sql, sizeof(session_sql), session_fmt, p->record_type);
	if (p->conn)
		PQfinish(p->conn);
	p->conn = PQconnectdb(st->target);
	if (PQstatus(p->conn) != CONNECTION_OK)
		return classify(st, NULL) == TXS_LOST ? TXS_LOST : TXS_FAIL;
	PQsetNoticeProcessor(p->conn, quiet_notices, NULL);
	if ((rc = pg_exec(st, session_sql)) != TXS_OK ||
	    (rc = prepare(st, "txstore_ins",
			  "INSERT INTO transactions (" TXS_TX_COLUMNS ") VALUES ($1, $2, $3, $4, "
			  "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
			  "ON CONFLICT (transaction_id) DO NOTHING")) != TXS_OK ||
	    (rc =
		 prepare(st, "txstore_upd",
			 "UPDATE transactions SET status = coalesce($3, status), reason = "
			 "coalesce($4, reason), alerts = coalesce($5::jsonb, alerts), updated_at = "
			 "$2 WHERE transaction_id = $1 AND deleted_at IS NULL AND (status IS "
			 "DISTINCT FROM coalesce($3, status) OR reason IS DISTINCT FROM "
			 "coalesce($4, reason) OR alerts IS DISTINCT FROM coalesce($5::jsonb, "
			 "alerts))")) != TXS_OK ||
	    (rc = prepare(st, "txstore_del",
			  "UPDATE transactions SET deleted_at = $2 WHERE transaction_id = $1 AND "
			  "deleted_at IS NULL")) != TXS_OK ||
	    (rc = prepare(st, "txstore_exists",
			  "SELECT 1 FROM transactions WHERE transaction_id = $1")) != TXS_OK ||
	    (rc = prepare(st, "txstore_off",
			  "INSERT INTO offsets (topic, \"partition\", next_offset, updated_at, "
			  "cluster) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (topic, "
			  "\"partition\") DO UPDATE SET next_offset = excluded.next_offset, "
			  "updated_at = excluded.updated_at, cluster = coalesce(excluded.cluster, "
			  "offsets.cluster)")) != TXS_OK ||
	    (rc = prepare(st, "txstore_offs",
			  "INSERT INTO offsets (topic, \"partition\", next_offset, updated_at, "
			  "cluster) SELECT u.t, u.p, u.o, $4::timestamptz, u.c FROM "
			  "unnest($1::text[], $2::integer[], $3::bigint[], $5::text[]) AS u(t, p, "
			  "o, c) ON CONFLICT (topic, \"partition\") DO UPDATE SET next_offset = "
			  "excluded.next_offset, updated_at = excluded.updated_at, cluster = "
			  "coalesce(excluded.cluster, offsets.cluster)")) != TXS_OK)
		return rc;
	return TXS_OK;
}

/* The two connections change places (write_split() in store.c). */
static void swap_conns(struct pg *p)
{
	PGconn *c = p->conn;

	p->conn = p->conn2;
	p->conn2 = c;
}

/*
 * The sender thread: the second half's COPY data, blocking, while the
 * batch's first half runs. A failure is the COPY's result, which
 * pg_split_recv() reads.
 */
static void send_copy(void *arg)
{
	struct pg *p = arg;

	put_copy(p->conn2, &p->copy2);
}

/* Two connections to the same server and database (libpq may pick among several hosts). */
static int same_server(PGconn *a, PGconn *b)
{
	const char *v[2][3] = {{PQhost(a), PQport(a), PQdb(a)}, {PQhost(b), PQport(b), PQdb(b)}};

	for (int i = 0; i < 3; i++)
		if (!v[0][i] || !v[1][i] || strcmp(v[0][i], v[1][i]))
			return 0;
	return 1;
}

/*
 * The second connection is opened like the first (its session, its
 * prepared statements) at the first split; when it cannot be, batches go
 * on over one connection until a reconnect.
 */
static int pg_split_send(struct tx_store *st, struct tx_store_batch *b)
{
	struct pg *p = st->db;
	PGresult *res;
	int rc;

	if (p->oneconn || p->safe || p->merge || p->conn2_failed)
		return TXS_FAIL;
	if (!p->conn2) {
		swap_conns(p);
		rc = pg_connect(st);
		swap_conns(p);
		if (rc == TXS_OK && !same_server(p->conn, p->conn2)) {
			tx_store_set_err(st, "it reached another server or database (a DSN "
					     "with several hosts?)");
			rc = TXS_FAIL;
		}
		if (rc != TXS_OK) {
			tx_warn("%s: a second connection could not be opened (%s): storing over "
				"one",
				st->shown, st->errmsg);
			PQfinish(p->conn2);
			p->conn2 = NULL;
			p->conn2_failed = 1;
			return TXS_FAIL;
		}
	}
	if (!copy_creates(st, b, &p->copy2))
		return TXS_FAIL;
	swap_conns(p);
	rc = pg_begin(st);
	if (rc == TXS_OK) {
		res = PQexec(p->conn, COPY_TX_SQL);
		if (PQresultStatus(res) != PGRES_COPY_IN)
			rc = classify(st, res);
		PQclear(res);
		if (rc != TXS_OK)
			pg_rollback(st);
	}
	if (rc != TXS_OK && PQstatus(p->conn) != CONNECTION_OK) {
		PQfinish(p->conn);
		p->conn = NULL; /* opened again at the next split */
	}
	swap_conns(p);
	if (rc != TXS_OK)
		return rc;
	if (tx_worker_run(&p->sender, send_copy, p) == 0)
		p->sending = 1;
	else
		send_copy(p); /* no thread: correct, only without the overlap */
	return TXS_OK;
}

static int pg_split_recv(struct tx_store *st, int keep)
{
	struct pg *p = st->db;
	int rc;

	if (p->sending)
		tx_worker_wait(&p->sender);
	p->sending = 0;
	swap_conns(p);
	rc = copy_result(st);
	if (rc == TXS_REFUSED && !strcmp(p->sqlstate, "23505"))
		p->merge = 1; /* an id stored before: the half goes through the staging table */
	if (rc == TXS_OK && keep)
		return TXS_OK; /* the second connection is the first one now */
	pg_rollback(st);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		PQfinish(p->conn);
		p->conn = NULL;
	}
	swap_conns(p);
	return keep ? rc : TXS_OK;
}

static void pg_drop_conn2(struct pg *p)
{
	if (p->sending)
		tx_worker_wait(&p->sender);
	p->sending = 0;
	if (p->conn2)
		PQfinish(p->conn2);
	p->conn2 = NULL;
	p->conn2_failed = 0;
}

static int pg_reconnect(struct tx_store *st)
{
	pg_drop_conn2(st->db);
	return pg_connect(st);
}

static void pg_close(struct tx_store *st)
{
	struct pg *p = st->db;

	if (!p)
		return;
	pg_drop_conn2(p);
	tx_worker_stop(&p->sender);
	if (p->conn)
		PQfinish(p->conn);
	tx_buf_release(&p->copy);
	tx_buf_release(&p->copy2);
	tx_map_release(&p->seen);
	free(p);
	st->db = NULL;
}

static const struct tx_store_backend pg_backend = {
    .name = "postgresql",
    .row_errors_abort = 1,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .apply_bulk = pg_apply_bulk,
    .apply_changes = pg_apply_changes,
    .apply_row = pg_apply_row,
    .put_balances = pg_put_balances,
    .put_offset = pg_put_offset,
    .put_offsets = pg_put_offsets,
    .query = pg_query,
    .reconnect = pg_reconnect,
    .close = pg_close,
    .sync = pg_sync,
    .split_send = pg_split_send,
    .split_recv = pg_split_recv,
};

static int version_row(void *ctx, int ncols, const char *const *v)
{
	int64_t *ver = ctx;
	if (!v[0] || tx_parse_int64(v[0], 0, 1000000, ver))
		return -1;
	return 0;
}

/* A one-value result, as text, into a char[PG_VALUE_LEN]. */
static int value_row(void *ctx, int ncols, const char *const *v)
{
	snprintf(ctx, PG_VALUE_LEN, "%s", v[0] ? v[0] : "");
	return 0;
}

/* Find the type of transactions.record, the one thing of the schema users change. */
static int record_type(struct tx_store *st)
{
	struct pg *p = st->db;

	if (pg_query(st,
		     "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = "
		     "'transactions'::regclass AND attname = 'record' AND NOT attisdropped",
		     0, NULL, value_row, p->record_type) != TXS_OK)
		return tx_error("%s: %s", st->shown, st->errmsg);
	if (strcmp(p->record_type, "json") && strcmp(p->record_type, "jsonb") &&
	    strcmp(p->record_type, "text"))
		return tx_error("%s: column transactions.record is of type '%s': txstore writes "
				"json, jsonb or text",
				st->shown, p->record_type);
	p->record_jsonb = !strcmp(p->record_type, "jsonb");
	return 0;
}

/* Create or migrate the schema, one txstore at a time (an advisory lock). */
static int migrate(struct tx_store *st)
{
	int64_t ver = 0;

	if (pg_exec(st, "BEGIN") != TXS_OK ||
	    pg_exec(st, "SELECT pg_advisory_xact_lock(7813520451)") != TXS_OK ||
	    pg_exec(st, "CREATE TABLE IF NOT EXISTS txstore_meta (key text PRIMARY KEY, value "
			"text NOT NULL)") != TXS_OK ||
	    pg_query(st, "SELECT value FROM txstore_meta WHERE key = 'schema_version'", 0, NULL,
		     version_row, &ver) != TXS_OK)
		goto fail;
	if (ver > TXS_SCHEMA_VERSION) {
		pg_rollback(st);
		return tx_error("%s: schema version %lld is newer than this txstore's (%d)",
				st->shown, (long long)ver, TXS_SCHEMA_VERSION);
	}
	for (; ver < TXS_SCHEMA_VERSION; ver++) {
		char sql[160];
		if (pg_exec(st, migrations[ver]) != TXS_OK)
			goto fail;
		snprintf(sql, sizeof(sql),
			 "INSERT INTO txstore_meta VALUES ('schema_version', '%lld') ON CONFLICT "
			 "(key) DO UPDATE SET value = excluded.value",
			 (long long)ver + 1);
		if (pg_exec(st, sql) != TXS_OK)
			goto fail;
	}
	if (pg_exec(st, "COMMIT") != TXS_OK)
		goto fail;
	return 0;
fail:
	pg_rollback(st);
	return tx_error("%s: %s", st->shown, st->errmsg);
}

/* The values libpq accepts for the options it checks against a list (PostgreSQL 15). */
static const struct {
	const char *key, *const *values;
} listed[] = {
    {"sslmode", (const char *const[]){"disable", "allow", "prefer", "require", "verify-ca",
				      "verify-full", NULL}},
    {"gssencmode", (const char *const[]){"disable", "prefer", "require", NULL}},
    {"channel_binding", (const char *const[]){"disable", "prefer", "require", NULL}},
    {"target_session_attrs", (const char *const[]){"any", "read-write", "read-only", "primary",
						   "standby", "prefer-standby", NULL}},
    {"ssl_min_protocol_version",
     (const char *const[]){"", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", NULL}},
    {"ssl_max_protocol_version",
     (const char *const[]){"", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", NULL}},
    {"load_balance_hosts", (const char *const[]){"disable", "random", NULL}},
};

/* The options libpq reads as integers (a list of them for port). */
static const char *const integers[] = {"port",
				       "connect_timeout",
				       "keepalives",
				       "keepalives_idle",
				       "keepalives_interval",
				       "keepalives_count",
				       "tcp_user_timeout",
				       NULL};

/* A decimal integer, as libpq's parse_int_param takes it (surrounding blanks allowed). */
static int is_int(const char *v, size_t n)
{
	size_t i = 0, d;

	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	if (i < n && (v[i] == '-' || v[i] == '+'))
		i++;
	for (d = i; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		;
	if (i == d)
		return 0;
	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	return i == n;
}

static size_t count_list(const char *v)
{
	size_t n = 1;
	for (; *v; v++)
		n += *v == ',';
	return n;
}

int tx_store_pg_check_dsn(const char *dsn, char *err, size_t errlen)
{
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(dsn, &msg), *o;
	const char *host = NULL, *hostaddr = NULL, *port = NULL;
	int rc = 0;
	size_t i;

	if (!opts) {
		/* libpq's message ends with a newline */
		snprintf(err, errlen, "%.*s", msg ? (int)strcspn(msg, "\n") : 0, msg ? msg : "");
		if (!msg)
			snprintf(err, errlen, "out of memory");
		PQfreemem(msg);
		return -1;
	}
	for (o = opts; o->keyword && !rc; o++) {
		if (!o->val)
			continue;
		if (!strcmp(o->keyword, "host"))
			host = o->val;
		else if (!strcmp(o->keyword, "hostaddr"))
			hostaddr = o->val;
		else if (!strcmp(o->keyword, "port"))
			port = o->val;
		for (i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
			const char *const *v;
			if (strcmp(o->keyword, listed[i].key))
				continue;
			for (v = listed[i].values; *v && strcmp(*v, o->val); v++)
				;
			if (!*v) {
				snprintf(err, errlen, "invalid %s value '%s'", o->keyword, o->val);
				rc = -1;
			}
		}
		for (i = 0; integers[i] && !rc; i++) {
			const char *v = o->val, *e;
			if (strcmp(o->keyword, integers[i]))
				continue;
			/* port may list one per host; an empty one means the default */
			for (;; v = e + 1) {
				e = v + strcspn(v, ",");
				if ((e > v || strcmp(o->keyword, "port")) &&
				    !is_int(v, (size_t)(e - v))) {
					snprintf(err, errlen, "invalid integer value '%s' for %s",
						 o->val, o->keyword);
					rc = -1;
					break;
				}
				if (!*e || strcmp(o->keyword, "port"))
					break;
			}
		}
	}
	if (!rc) {
		size_t nhosts = host && *host ? count_list(host) : 1;
		if (hostaddr && *hostaddr && count_list(hostaddr) != nhosts) {
			snprintf(err, errlen, "%zu host names but %zu hostaddr values", nhosts,
				 count_list(hostaddr));
			rc = -1;
		} else if (port && *port && count_list(port) != 1 && count_list(port) != nhosts) {
			snprintf(err, errlen, "%zu port numbers for %zu hosts", count_list(port),
				 nhosts);
			rc = -1;
		}
	}
	PQconninfoFree(opts);
	return rc;
}

/* Reading: is there a txstore schema, and of this version? 0, 1 (none) or -1. */
static int check_schema(struct tx_store *st)
{
	int64_t ver = 0;
	char has_meta[PG_VALUE_LEN] = "";

	if (pg_query(st, "SELECT to_regclass('txstore_meta') IS NOT NULL", 0, NULL, value_row,
		     has_meta) != TXS_OK)
		return tx_error("%s: %s", st->shown, st->errmsg);
	if (strcmp(has_meta, "t"))
		return 1;
	if (pg_query(st, "SELECT value FROM txstore_meta WHERE key = 'schema_version'", 0, NULL,
		     version_row, &ver) != TXS_OK)
		return tx_error("%s: %s", st->shown, st->errmsg);
	return tx_store_readable_version(st, ver);
}

/* A switch in the environment: set, and neither empty nor "0". */
static int env_on(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

int tx_store_pg_open(struct tx_store *st)
{
	struct pg *p = tx_calloc(1, sizeof(*p));

	st->be = &pg_backend;
	st->db = p;
	p->safe = env_on("TXSTORE_PG_SAFE");
	p->oneconn = env_on("TXSTORE_PG_ONECONN");
	tx_buf_init(&p->copy);
	tx_buf_init(&p->copy2);
	tx_map_init(&p->seen, 0);
	p->conn = PQconnectdb(st->target);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		classify(st, NULL);
		return tx_error("%s: %s", st->shown, st->errmsg);
	}
	PQsetNoticeProcessor(p->conn, quiet_notices, NULL);
	if (pg_exec(st, "SET client_min_messages = warning") != TXS_OK)
		return tx_error("%s: %s", st->shown, st->errmsg);
	if (st->reading)
		return check_schema(st);
	if (migrate(st) < 0 || record_type(st) < 0)
		return -1;
	if (pg_connect(st) != TXS_OK)
		return tx_error("%s: %s", st->shown, st->errmsg);
	return 0;
}

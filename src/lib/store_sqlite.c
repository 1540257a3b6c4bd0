/*
 * The SQLite backend of txstore: WAL, prepared statements, one transaction
 * per batch, a busy timeout so readers never make a write fail. Amounts are
 * stored as numbers (REAL: SQLite compares and orders them as numbers) and,
 * exactly, as integer minor units.
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fastpath.h"
#include "store_impl.h"
#include "tx.h"

/* How long a write waits for a lock another connection holds. */
#define TXS_SQLITE_BUSY_MS 10000

/*
 * The page size of a new database. Larger pages than SQLite's 4096 mean
 * fewer pages for the wide rows and fewer WAL frames (each with its header
 * and checksum) per batch: measured 10-15% less CPU per record, as much for
 * lifecycle streams (updates) as for creates. An existing database keeps its
 * own.
 */
#define TXS_SQLITE_PAGE_SIZE "16384"

/*
 * WAL bytes written since the last checkpoint that start the next one (as
 * SQLite's automatic checkpoint: 1000 pages of 4 KiB), and the WAL size at
 * which the writer stops to copy the rest itself (see wal_hook).
 */
#define TXS_CKPT_BYTES	    (4000 * 1024)
#define TXS_CKPT_HARD_BYTES (128 * 1024 * 1024)

/* Rows per multi-row INSERT: 17 parameters each, and one stored_at they share. */
#define TXS_SQLITE_BULK 40
#define TXS_BULK_PARAMS (TXS_SQLITE_BULK * 17)

struct sq {
	sqlite3 *db;
	sqlite3_stmt *ins, *upd, *del, *exists, *bal_get, *bal_put, *off_put;
	sqlite3_stmt *bulk, *maxrowid, *since; /* see sq_apply_bulk */
	/*
	 * Which of bulk's parameters hold NULL (1; a new statement's all do).
	 * A parameter keeps its value from one execution to the next, so a NULL
	 * is bound only where it replaces a value: a row's absent members
	 * (reason, alerts, counterparty, the source) cost no call.
	 */
	unsigned char bulk_null[TXS_BULK_PARAMS + 1];
	/*
	 * The checkpointer: a thread with its own connection that copies the
	 * WAL into the database file (and syncs both) while the writer goes
	 * on with the next batch, instead of SQLite's automatic checkpoint,
	 * which the writer itself would run after a commit.
	 */
	sqlite3 *ckdb;
	pthread_t ckthread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ck_started, ck_want, ck_busy, ck_stop;
	int ck_last;		       /* the log's frames when the last checkpoint was asked for */
	int ck_frames, ck_hard_frames; /* TXS_CKPT_BYTES and TXS_CKPT_HARD_BYTES in pages */
};

static const char schema_v1[] =
    "CREATE TABLE transactions (\n"
    "  transaction_id TEXT NOT NULL PRIMARY KEY,\n"
    "  account TEXT NOT NULL,\n"
    "  type TEXT,\n"
    "  amount TEXT,\n"
    "  amount_minor INTEGER,\n"
    "  currency TEXT NOT NULL,\n"
    "  ts TEXT,\n"
    "  status TEXT NOT NULL,\n"
    "  reason TEXT,\n"
    "  alerts TEXT,\n"
    "  counterparty TEXT,\n"
    "  record TEXT NOT NULL,\n"
    "  stored_at TEXT NOT NULL,\n"
    "  updated_at TEXT,\n"
    "  deleted_at TEXT,\n"
    "  source_topic TEXT,\n"
    "  source_partition INTEGER,\n"
    "  source_offset INTEGER,\n"
    "  source_ts TEXT,\n"
    "  CONSTRAINT transaction_id_length CHECK (length(transaction_id) BETWEEN 1 AND 256),\n"
    "  CONSTRAINT account_length CHECK (length(account) BETWEEN 1 AND 256),\n"
    "  CONSTRAINT counterparty_length CHECK (length(counterparty) <= 256),\n"
    "  CONSTRAINT amount_not_negative CHECK (amount_minor >= 0),\n"
    /* OR chains, not IN lists: SQLite builds an ephemeral index per row for those */
    "  CONSTRAINT type_known CHECK (type = 'deposit' OR type = 'withdrawal' OR "
    "type = 'payment' OR type = 'transfer' OR type = 'fee' OR type = 'refund'),\n"
    "  CONSTRAINT status_known CHECK (status = 'pending' OR status = 'completed' OR "
    "status = 'failed')\n"
    ");\n"
    "CREATE TABLE balances (\n"
    "  account TEXT NOT NULL,\n"
    "  currency TEXT NOT NULL,\n"
    "  balance TEXT NOT NULL,\n"
    "  available_balance TEXT NOT NULL,\n"
    "  tx_count INTEGER NOT NULL,\n"
    "  balance_minor INTEGER NOT NULL,\n"
    "  available_minor INTEGER NOT NULL,\n"
    "  updated_at TEXT NOT NULL,\n"
    "  PRIMARY KEY (account, currency)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE offsets (\n"
    "  topic TEXT NOT NULL,\n"
    "  \"partition\" INTEGER NOT NULL,\n"
    "  next_offset INTEGER NOT NULL,\n"
    "  updated_at TEXT NOT NULL,\n"
    "  PRIMARY KEY (topic, \"partition\")\n"
    ") WITHOUT ROWID;\n";

/*
 * Migrations: migrations[v] upgrades schema version v to v + 1. Version 0 is
 * an empty database. A later txstore appends its steps here.
 */
/* 2: the Kafka cluster the stored offsets came from (NULL: unknown). */
static const char schema_v2[] = "ALTER TABLE offsets ADD COLUMN cluster TEXT;\n";

/*
 * 3: amount, balance and available_balance become REAL: as TEXT, `amount >
 * 1000` and `ORDER BY amount` compared strings ('99.12' > '996.56'). SQLite
 * cannot change a column's type: the tables are made again and their rows
 * copied (rowids and all); the indexes and triggers a user made on them are
 * made again by upgrade() after this.
 */
static const char schema_v3[] =
    "CREATE TABLE transactions_v3 (\n"
    "  transaction_id TEXT NOT NULL PRIMARY KEY,\n"
    "  account TEXT NOT NULL,\n"
    "  type TEXT,\n"
    "  amount REAL,\n"
    "  amount_minor INTEGER,\n"
    "  currency TEXT NOT NULL,\n"
    "  ts TEXT,\n"
    "  status TEXT NOT NULL,\n"
    "  reason TEXT,\n"
    "  alerts TEXT,\n"
    "  counterparty TEXT,\n"
    "  record TEXT NOT NULL,\n"
    "  stored_at TEXT NOT NULL,\n"
    "  updated_at TEXT,\n"
    "  deleted_at TEXT,\n"
    "  source_topic TEXT,\n"
    "  source_partition INTEGER,\n"
    "  source_offset INTEGER,\n"
    "  source_ts TEXT,\n"
    "  CONSTRAINT transaction_id_length CHECK (length(transaction_id) BETWEEN 1 AND 256),\n"
    "  CONSTRAINT account_length CHECK (length(account) BETWEEN 1 AND 256),\n"
    "  CONSTRAINT counterparty_length CHECK (length(counterparty) <= 256),\n"
    "  CONSTRAINT amount_not_negative CHECK (amount_minor >= 0),\n"
    "  CONSTRAINT type_known CHECK (type = 'deposit' OR type = 'withdrawal' OR "
    "type = 'payment' OR type = 'transfer' OR type = 'fee' OR type = 'refund'),\n"
    "  CONSTRAINT status_known CHECK (status = 'pending' OR status = 'completed' OR "
    "status = 'failed')\n"
    ");\n"
    "INSERT INTO transactions_v3 (rowid, " TXS_TX_COLUMNS ", amount_minor, updated_at, "
    "deleted_at) SELECT rowid, transaction_id, account, type, CAST(amount AS REAL), currency, "
    "ts, status, reason, alerts, counterparty, record, stored_at, source_topic, "
    "source_partition, source_offset, source_ts, amount_minor, updated_at, deleted_at "
    "FROM transactions;\n"
    "DROP TABLE transactions;\n"
    "ALTER TABLE transactions_v3 RENAME TO transactions;\n"
    "CREATE TABLE balances_v3 (\n"
    "  account TEXT NOT NULL,\n"
    "  currency TEXT NOT NULL,\n"
    "  balance REAL NOT NULL,\n"
    "  available_balance REAL NOT NULL,\n"
    "  tx_count INTEGER NOT NULL,\n"
    "  balance_minor INTEGER NOT NULL,\n"
    "  available_minor INTEGER NOT NULL,\n"
    "  updated_at TEXT NOT NULL,\n"
    "  PRIMARY KEY (account, currency)\n"
    ") WITHOUT ROWID;\n"
    "INSERT INTO balances_v3 SELECT account, currency, CAST(balance AS REAL), "
    "CAST(available_balance AS REAL), tx_count, balance_minor, available_minor, updated_at "
    "FROM balances;\n"
    "DROP TABLE balances;\n"
    "ALTER TABLE balances_v3 RENAME TO balances;\n";

static const char *const migrations[TXS_SQLITE_SCHEMA_VERSION] = {schema_v1, schema_v2, schema_v3};

static int sq_err(struct tx_store *st, int rc)
{
	struct sq *s = st->db;

	tx_store_set_err(st, "%s", sqlite3_errmsg(s->db));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return TXS_LOST;
	case SQLITE_CONSTRAINT:
	case SQLITE_TOOBIG:
	case SQLITE_MISMATCH: return TXS_REFUSED;
	default: return TXS_FAIL;
	}
}

static int sq_exec(struct tx_store *st, const char *sql)
{
	struct sq *s = st->db;
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		tx_store_set_err(st, "%s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? TXS_LOST
										  : TXS_FAIL;
	}
	return TXS_OK;
}

static int sq_begin(struct tx_store *st)
{
	/* IMMEDIATE: take the write lock now, so a reader cannot make the upgrade fail. */
	return sq_exec(st, "BEGIN IMMEDIATE");
}

static int sq_commit(struct tx_store *st)
{
	return sq_exec(st, "COMMIT");
}

static void sq_rollback(struct tx_store *st)
{
	struct sq *s = st->db;
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * Where bind_create() binds a row: a statement, and which of its
 * parameters hold NULL (nulls NULL: not known, every NULL is bound).
 */
struct binder {
	sqlite3_stmt *stmt;
	unsigned char *nulls;
};

/* NULL into parameter i, unless it holds NULL already. */
static void bind_null(const struct binder *to, int i)
{
	if (!to->nulls || !to->nulls[i])
		sqlite3_bind_null(to->stmt, i);
	if (to->nulls)
		to->nulls[i] = 1;
}

/* The statement, parameter i of which the caller binds a value to. */
static sqlite3_stmt *bound(const struct binder *to, int i)
{
	if (to->nulls)
		to->nulls[i] = 0;
	return to->stmt;
}

static void bind_sref(const struct binder *to, int i, const struct tx_store_batch *b,
		      struct tx_sref r)
{
	if (r.off == (size_t)-1)
		bind_null(to, i);
	else
		sqlite3_bind_text(bound(to, i), i, b->arena.p + r.off, (int)r.len, SQLITE_STATIC);
}

/* A batch's string (NULL for none) into parameter i of a statement. */
static void bind_ref(sqlite3_stmt *stmt, int i, const struct tx_store_batch *b, struct tx_sref r)
{
	struct binder to = {stmt, NULL};

	bind_sref(&to, i, b, r);
}

/*
 * Step a statement that returns no rows; reset it. Its parameters are not
 * cleared: every caller binds every one of them (NULL included) each time,
 * or knows which hold NULL already (bulk_null).
 */
static int step_done(struct tx_store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	int ret = rc == SQLITE_DONE || rc == SQLITE_ROW ? TXS_OK : sq_err(st, rc);
	sqlite3_reset(stmt);
	return ret;
}

/*
 * Minor units as the REAL SQLite compares: the double nearest the decimal
 * (one correctly rounded division of exact operands, below 2^53 minor units).
 */
static double minor_to_real(int64_t minor, int exponent)
{
	double scale = 1;

	while (exponent-- > 0)
		scale *= 10;
	return (double)minor / scale;
}

/*
 * A create's 17 values, parameters base+1 to base+17 (the order of
 * TXS_TX_COLUMNS); stored_at NULL: the statement's stored_at is a parameter
 * of its own (bulk's), bound once per batch.
 */
static void bind_create(const struct binder *to, int base, const struct tx_store_batch *b,
			const struct tx_store_row *row, const char *stored_at)
{
	bind_sref(to, base + 1, b, row->id);
	bind_sref(to, base + 2, b, row->account);
	bind_sref(to, base + 3, b, row->type);
	if (row->amount.off != (size_t)-1)
		sqlite3_bind_double(bound(to, base + 4), base + 4,
				    minor_to_real(row->amount_minor, row->exponent));
	else
		bind_null(to, base + 4);
	bind_sref(to, base + 5, b, row->currency);
	bind_sref(to, base + 6, b, row->ts);
	bind_sref(to, base + 7, b, row->status);
	bind_sref(to, base + 8, b, row->reason);
	bind_sref(to, base + 9, b, row->alerts);
	bind_sref(to, base + 10, b, row->counterparty);
	bind_sref(to, base + 11, b, row->record);
	if (stored_at)
		sqlite3_bind_text(bound(to, base + 12), base + 12, stored_at, -1, SQLITE_STATIC);
	bind_sref(to, base + 13, b, row->source_topic);
	if (row->has_source) {
		sqlite3_bind_int(bound(to, base + 14), base + 14, row->partition);
		sqlite3_bind_int64(bound(to, base + 15), base + 15, row->offset);
	} else {
		bind_null(to, base + 14);
		bind_null(to, base + 15);
	}
	bind_sref(to, base + 16, b, row->source_ts);
	if (row->amount.off != (size_t)-1)
		sqlite3_bind_int64(bound(to, base + 17), base + 17, row->amount_minor);
	else
		bind_null(to, base + 17);
}

static int sq_apply_row(struct tx_store *st, struct tx_store_batch *b, struct tx_store_row *row,
			int careful)
{
	struct sq *s = st->db;
	sqlite3_stmt *stmt;
	int rc;

	if (row->op == TX_OP_CREATE) {
		struct binder to = {s->ins, NULL};
		stmt = s->ins;
		bind_create(&to, 0, b, row, st->stored_at);
	} else {
		stmt = row->op == TX_OP_UPDATE ? s->upd : s->del;
		bind_ref(stmt, 1, b, row->id);
		sqlite3_bind_text(stmt, 2, st->stored_at, -1, SQLITE_STATIC);
		if (row->op == TX_OP_UPDATE) {
			bind_ref(stmt, 3, b, row->status);
			bind_ref(stmt, 4, b, row->reason);
			bind_ref(stmt, 5, b, row->alerts);
		}
	}
	rc = step_done(st, stmt);
	if (rc == TXS_REFUSED) {
		/* SQLite undid the statement alone; the transaction goes on. */
		row->outcome = TX_STORE_REFUSED;
		return TXS_OK;
	}
	if (rc != TXS_OK)
		return rc;
	if (sqlite3_changes(s->db) > 0) {
		row->outcome = row->op == TX_OP_CREATE	 ? TX_STORE_STORED
			       : row->op == TX_OP_UPDATE ? TX_STORE_UPDATED
							 : TX_STORE_DELETED;
		return TXS_OK;
	}
	if (row->op == TX_OP_CREATE) {
		row->outcome = TX_STORE_DUPLICATE;
		return TXS_OK;
	}
	/* Nothing changed: already so, or no such transaction. */
	bind_ref(s->exists, 1, b, row->id);
	rc = sqlite3_step(s->exists);
	if (rc == SQLITE_ROW) {
		row->outcome = TX_STORE_DUPLICATE;
	} else if (rc == SQLITE_DONE) {
		row->outcome = TX_STORE_REFUSED;
		tx_store_set_err(st, "%s of a transaction_id that is not stored",
				 row->op == TX_OP_UPDATE ? "update" : "delete");
	} else {
		rc = sq_err(st, rc);
		sqlite3_reset(s->exists);
		return rc;
	}
	sqlite3_reset(s->exists);
	return TXS_OK;
}

static int64_t column_int64(sqlite3_stmt *stmt, int *rc)
{
	int64_t v = 0;

	*rc = sqlite3_step(stmt);
	if (*rc == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return v;
}

/*
 * After a multi-row insert stored fewer rows than it had: which were they?
 * The rows it stored are the ones with a rowid above *last (SQLite appends
 * with the largest rowid + 1: see sq_apply_bulk). Each id read back marks
 * the first pending row of the chunk with that id stored; the rest were
 * stored before (duplicates).
 */
static int mark_stored(struct tx_store *st, struct tx_store_batch *b, const size_t *chunk, size_t n,
		       int64_t *last)
{
	struct sq *s = st->db;
	size_t i;
	int rc;

	sqlite3_bind_int64(s->since, 1, *last);
	while ((rc = sqlite3_step(s->since)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s->since, 0);
		size_t len = (size_t)sqlite3_column_bytes(s->since, 0);
		int64_t rowid = sqlite3_column_int64(s->since, 1);
		for (i = 0; i < n; i++) {
			struct tx_store_row *row = &b->rows[chunk[i]];
			if (row->outcome == TX_STORE_PENDING && row->id.len == len &&
			    !memcmp(b->arena.p + row->id.off, id, len)) {
				row->outcome = TX_STORE_STORED;
				break;
			}
		}
		if (rowid > *last)
			*last = rowid;
	}
	if (rc != SQLITE_DONE) {
		rc = sq_err(st, rc);
		sqlite3_reset(s->since);
		return rc;
	}
	sqlite3_reset(s->since);
	for (i = 0; i < n; i++)
		if (b->rows[chunk[i]].outcome == TX_STORE_PENDING)
			b->rows[chunk[i]].outcome = TX_STORE_DUPLICATE;
	return TXS_OK;
}

/*
 * Every pending create in key order, TXS_SQLITE_BULK rows per INSERT
 * statement (one statement per row costs about 15% more: each execution
 * opens its cursors and seeks from the root again). A statement that stored
 * all its rows stored them all; one that stored fewer is sorted out by
 * mark_stored. The rows of the last, partial chunk go one by one. A refused
 * row returns TXS_REFUSED: the batch is then written again row by row.
 */
static int sq_apply_bulk(struct tx_store *st, struct tx_store_batch *b)
{
	struct sq *s = st->db;
	size_t norder, i = 0, k, chunk[TXS_SQLITE_BULK], n;
	size_t *order = tx_store_creates_by_id(b, &norder);
	struct binder to = {s->bulk, s->bulk_null};
	int64_t last;
	int rc = TXS_OK;

	sqlite3_bind_text(s->bulk, TXS_BULK_PARAMS + 1, st->stored_at, -1, SQLITE_STATIC);

	/* The largest rowid so far: new rows get larger ones (unless it is the largest there is).
	 */
	last = column_int64(s->maxrowid, &rc);
	if (rc != SQLITE_ROW) {
		rc = sq_err(st, rc);
		goto out;
	}
	rc = TXS_OK;
	while (i < norder) {
		for (n = 0; i < norder && n < TXS_SQLITE_BULK; i++)
			if (b->rows[order[i]].outcome == TX_STORE_PENDING)
				chunk[n++] = order[i];
		if (n < TXS_SQLITE_BULK || last >= INT64_MAX - TXS_SQLITE_BULK) {
			for (k = 0; k < n; k++) {
				struct tx_store_row *row = &b->rows[chunk[k]];
				rc = sq_apply_row(st, b, row, 0);
				if (rc == TXS_OK && row->outcome == TX_STORE_REFUSED)
					rc = TXS_REFUSED;
				if (rc != TXS_OK)
					goto out;
			}
			last = sqlite3_last_insert_rowid(s->db) > last
				   ? sqlite3_last_insert_rowid(s->db)
				   : last;
			continue;
		}
		for (k = 0; k < n; k++)
			bind_create(&to, (int)k * 17, b, &b->rows[chunk[k]], NULL);
		rc = step_done(st, s->bulk);
		if (rc != TXS_OK)
			goto out;
		if ((size_t)sqlite3_changes(s->db) == n) {
			for (k = 0; k < n; k++)
				b->rows[chunk[k]].outcome = TX_STORE_STORED;
			last = sqlite3_last_insert_rowid(s->db);
		} else if ((rc = mark_stored(st, b, chunk, n, &last)) != TXS_OK) {
			goto out;
		}
	}
out:
	free(order);
	return rc;
}

static int sq_put_balances(struct tx_store *st, struct tx_store_batch *b,
			   const struct tx_store_bal *bals, size_t n)
{
	struct sq *s = st->db;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		struct tx_store_bal e = bals[i];
		if (!e.has_balance || !e.has_available || !e.has_count) {
			/* A counterparty's balance: the rest follows the stored row. */
			int64_t old_bal = 0, old_avail = 0, old_count = 0;
			bind_ref(s->bal_get, 1, b, e.account);
			bind_ref(s->bal_get, 2, b, e.currency);
			rc = sqlite3_step(s->bal_get);
			if (rc == SQLITE_ROW) {
				old_bal = sqlite3_column_int64(s->bal_get, 0);
				old_avail = sqlite3_column_int64(s->bal_get, 1);
				old_count = sqlite3_column_int64(s->bal_get, 2);
			} else if (rc != SQLITE_DONE) {
				rc = sq_err(st, rc);
				sqlite3_reset(s->bal_get);
				return rc;
			}
			sqlite3_reset(s->bal_get);
			if (!e.has_balance)
				e.balance = old_bal;
			if (!e.has_available)
				e.available = old_avail + (e.balance - old_bal);
			if (!e.has_count)
				e.tx_count = old_count + e.count_delta;
		}
		bind_ref(s->bal_put, 1, b, e.account);
		bind_ref(s->bal_put, 2, b, e.currency);
		sqlite3_bind_double(s->bal_put, 3, minor_to_real(e.balance, e.exponent));
		sqlite3_bind_double(s->bal_put, 4, minor_to_real(e.available, e.exponent));
		sqlite3_bind_int64(s->bal_put, 5, e.tx_count);
		sqlite3_bind_int64(s->bal_put, 6, e.balance);
		sqlite3_bind_int64(s->bal_put, 7, e.available);
		sqlite3_bind_text(s->bal_put, 8, st->stored_at, -1, SQLITE_STATIC);
		rc = step_done(st, s->bal_put);
		if (rc != TXS_OK)
			return rc == TXS_REFUSED ? TXS_FAIL : rc;
	}
	return TXS_OK;
}

/* The balance chain's read: the prepared bal_get, no statement to prepare per account. */
static int sq_get_balance(struct tx_store *st, const char *account, const char *currency,
			  int64_t *minor, int *found)
{
	struct sq *s = st->db;
	int rc;

	sqlite3_bind_text(s->bal_get, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->bal_get, 2, currency, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->bal_get);
	*found = rc == SQLITE_ROW;
	if (*found)
		*minor = sqlite3_column_int64(s->bal_get, 0);
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? TXS_OK : sq_err(st, rc);
	sqlite3_reset(s->bal_get);
	return rc == TXS_REFUSED ? TXS_FAIL : rc;
}

static int sq_put_offset(struct tx_store *st, const char *topic, int32_t partition, int64_t next,
			 const char *cluster)
{
	struct sq *s = st->db;
	int rc;

	sqlite3_bind_text(s->off_put, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_int(s->off_put, 2, partition);
	sqlite3_bind_int64(s->off_put, 3, next);
	sqlite3_bind_text(s->off_put, 4, st->stored_at, -1, SQLITE_STATIC);
	if (cluster)
		sqlite3_bind_text(s->off_put, 5, cluster, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s->off_put, 5);
	rc = step_done(st, s->off_put);
	return rc == TXS_REFUSED ? TXS_FAIL : rc;
}

static int sq_query(struct tx_store *st, const char *sql, int nparams, const char *const *params,
		    tx_store_row_fn fn, void *ctx)
{
	struct sq *s = st->db;
	sqlite3_stmt *stmt;
	const char **vals = NULL;
	int rc, i, ncols, ret = TXS_OK;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return sq_err(st, rc);
	for (i = 0; i < nparams; i++)
		sqlite3_bind_text(stmt, i + 1, params[i], -1, SQLITE_STATIC);
	ncols = sqlite3_column_count(stmt);
	vals = tx_calloc((size_t)ncols + 1, sizeof(*vals));
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (i = 0; i < ncols; i++)
			vals[i] = (const char *)sqlite3_column_text(stmt, i);
		if (fn(ctx, ncols, vals) < 0) {
			tx_store_set_err(st, "could not handle a result row");
			ret = TXS_FAIL;
			break;
		}
	}
	if (ret == TXS_OK && rc != SQLITE_DONE)
		ret = sq_err(st, rc);
	free(vals);
	sqlite3_finalize(stmt);
	return ret;
}

static int sq_reconnect(struct tx_store *st)
{
	return TXS_OK; /* a file does not go away; a busy lock is simply retried */
}

static int count_row(void *ctx, int ncols, const char *const *v)
{
	int64_t *n = ctx;
	if (!v[0] || tx_parse_int64(v[0], 0, INT64_MAX, n))
		return -1;
	return 0;
}

static void *ckpt_main(void *arg)
{
	struct sq *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->ck_want && !s->ck_stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->ck_stop)
			break;
		s->ck_want = 0;
		s->ck_busy = 1;
		pthread_mutex_unlock(&s->mu);
		/*
		 * PASSIVE: copy what no reader still needs, take no lock that
		 * would make the writer wait. Whatever is left is copied next
		 * time; an error (a reader in the way) changes nothing.
		 */
		sqlite3_wal_checkpoint_v2(s->ckdb, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&s->mu);
		s->ck_busy = 0;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* After each commit (in the writer's thread), with the WAL's size in frames. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct sq *s = arg;

	if (frames < s->ck_last)
		s->ck_last = 0; /* the log started over */
	if (frames < s->ck_last + s->ck_frames)
		return SQLITE_OK;
	s->ck_last = frames;
	pthread_mutex_lock(&s->mu);
	if (frames >= s->ck_hard_frames) {
		/*
		 * The checkpointer fell behind (the log only starts over once
		 * all of it is copied): wait for it and copy the rest here, so
		 * the log cannot grow without bound.
		 */
		while (s->ck_busy)
			pthread_cond_wait(&s->cv, &s->mu);
		pthread_mutex_unlock(&s->mu);
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	s->ck_want = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return SQLITE_OK;
}

/* Start the checkpointer; without it, SQLite's automatic checkpoint stays. */
static void ckpt_start(struct tx_store *st)
{
	struct sq *s = st->db;
	int64_t page = 0;

	if (sq_query(st, "PRAGMA page_size", 0, NULL, count_row, &page) != TXS_OK || page < 512)
		return;
	s->ck_frames = (int)(TXS_CKPT_BYTES / page);
	s->ck_hard_frames = (int)(TXS_CKPT_HARD_BYTES / page);
	/* A read makes the new connection see the WAL: else it has nothing to checkpoint. */
	if (!strcmp(st->target, ":memory:") ||
	    sqlite3_open_v2(st->target, &s->ckdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK ||
	    sqlite3_exec(s->ckdb, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) !=
		SQLITE_OK) {
		sqlite3_close(s->ckdb);
		s->ckdb = NULL;
		return;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	/* The thread blocks the signals: they are the main thread's to see. */
	s->ck_started = tx_thread_start(&s->ckthread, ckpt_main, s) == 0;
	if (!s->ck_started) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		sqlite3_close(s->ckdb);
		s->ckdb = NULL;
		return;
	}
	sqlite3_wal_hook(s->db, wal_hook, s);
}

static void ckpt_stop(struct sq *s)
{
	if (!s->ck_started)
		return;
	sqlite3_wal_hook(s->db, NULL, NULL);
	pthread_mutex_lock(&s->mu);
	s->ck_stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->ckthread, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	sqlite3_close(s->ckdb);
	s->ckdb = NULL;
	s->ck_started = 0;
}

static void sq_close(struct tx_store *st)
{
	struct sq *s = st->db;

	if (!s)
		return;
	ckpt_stop(s);
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->upd);
	sqlite3_finalize(s->del);
	sqlite3_finalize(s->exists);
	sqlite3_finalize(s->bal_get);
	sqlite3_finalize(s->bal_put);
	sqlite3_finalize(s->off_put);
	sqlite3_finalize(s->bulk);
	sqlite3_finalize(s->maxrowid);
	sqlite3_finalize(s->since);
	sqlite3_close(s->db);
	free(s);
	st->db = NULL;
}

static const struct tx_store_backend sqlite_backend = {
    .name = "sqlite",
    .row_errors_abort = 0,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .apply_bulk = sq_apply_bulk,
    .apply_changes = NULL, /* prepared statements in-process cost no round trip */
    .apply_row = sq_apply_row,
    .put_balances = sq_put_balances,
    .put_offset = sq_put_offset,
    .query = sq_query,
    .get_balance = sq_get_balance,
    .reconnect = sq_reconnect,
    .close = sq_close,
};

static int version_row(void *ctx, int ncols, const char *const *v)
{
	int64_t *ver = ctx;
	if (!v[0] || tx_parse_int64(v[0], 0, 1000000, ver))
		return -1;
	return 0;
}

static int prepare(struct tx_store *st, sqlite3_stmt **stmt, const char *sql)
{
	struct sq *s = st->db;
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);
	if (rc != SQLITE_OK)
		return tx_error("%s: %s", st->shown, sqlite3_errmsg(s->db));
	return 0;
}

/*
 * Open an existing database to read it: no file, no schema and no WAL
 * switch are created. 1 when there is nothing (see tx_store_sqlite_open).
 */
static int open_read(struct tx_store *st)
{
	struct sq *s = st->db;
	struct stat sb;
	int64_t ver = 0, has_meta = 0;
	int rc;

	if (strcmp(st->target, ":memory:") && stat(st->target, &sb) < 0 && errno == ENOENT)
		return 1;
	rc = sqlite3_open_v2(st->target, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return tx_error("%s: %s", st->shown,
				s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	sqlite3_extended_result_codes(s->db, 0);
	sqlite3_busy_timeout(s->db, TXS_SQLITE_BUSY_MS);
	if (sq_query(st, "SELECT count(*) FROM sqlite_master WHERE name = 'txstore_meta'", 0, NULL,
		     count_row, &has_meta) != TXS_OK)
		return tx_error("%s: %s", st->shown, st->errmsg);
	if (!has_meta)
		return 1;
	if (sq_query(st, "SELECT value FROM txstore_meta WHERE key = 'schema_version'", 0, NULL,
		     version_row, &ver) != TXS_OK)
		return tx_error("%s: %s", st->shown, st->errmsg);
	return tx_store_readable_version(st, ver);
}

static int keep_sql(void *ctx, int ncols, const char *const *v)
{
	struct tx_buf *b = ctx;
	if (v[0]) {
		tx_buf_adds(b, v[0]);
		tx_buf_adds(b, ";\n");
	}
	return 0;
}

/*
 * From schema version ver to this txstore's, in the open transaction. The
 * indexes and triggers a user made on the tables that version 3 makes again
 * are kept (their SQL, run again after). legacy_alter_table: the renames
 * leave views and triggers as they are (they name the tables, which exist
 * again at the end), instead of failing on a view of a table just dropped.
 */
static int upgrade(struct tx_store *st, int64_t ver)
{
	struct tx_buf user = TX_BUF_INIT;
	int rc = TXS_OK;

	if (ver >= TXS_SQLITE_SCHEMA_VERSION)
		return TXS_OK;
	if (ver >= 1 && ver < 3)
		rc =
		    sq_query(st,
			     "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND "
			     "tbl_name IN ('transactions', 'balances') AND sql IS NOT NULL",
			     0, NULL, keep_sql, &user);
	if (rc == TXS_OK)
		rc = sq_exec(st, "PRAGMA legacy_alter_table=ON");
	for (; rc == TXS_OK && ver < TXS_SQLITE_SCHEMA_VERSION; ver++) {
		char sql[128];
		rc = sq_exec(st, migrations[ver]);
		snprintf(sql, sizeof(sql),
			 "INSERT OR REPLACE INTO txstore_meta VALUES ('schema_version', '%lld')",
			 (long long)ver + 1);
		if (rc == TXS_OK)
			rc = sq_exec(st, sql);
	}
	if (rc == TXS_OK && user.len)
		rc = sq_exec(st, user.p);
	if (rc == TXS_OK)
		rc = sq_exec(st, "PRAGMA legacy_alter_table=OFF");
	tx_buf_release(&user);
	return rc;
}

int tx_store_sqlite_open(struct tx_store *st)
{
	struct sq *s = tx_calloc(1, sizeof(*s));
	int64_t ver = 0;
	int rc;

	st->be = &sqlite_backend;
	st->db = s;
	/*
	 * No memory statistics: they take a global mutex around every malloc.
	 * (Only possible before SQLite initialises: later it changes nothing.)
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (st->reading)
		return open_read(st);
	/* NOMUTEX: one thread uses the connection, so SQLite need not lock per call */
	rc =
	    sqlite3_open_v2(st->target, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return tx_error("%s: %s", st->shown,
				s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	sqlite3_extended_result_codes(s->db, 0);
	sqlite3_busy_timeout(s->db, TXS_SQLITE_BUSY_MS);
	/*
	 * WAL: readers and the writer do not block each other. synchronous=NORMAL
	 * in WAL mode survives a crash of txstore (not of the machine's power);
	 * it syncs only in checkpoints, which the checkpointer thread runs, so
	 * synchronous=OFF saved no CPU of the writer (measured, issue #19).
	 * temp_store=MEMORY: each 40-row INSERT keeps a statement journal (the
	 * pages it changes that the batch had changed before, to undo the
	 * statement alone); past 64 KiB SQLite spilled it to a file in
	 * /var/tmp: 250k writes and 2 GB per million rows, now none.
	 */
	if (sq_exec(st, "PRAGMA page_size=" TXS_SQLITE_PAGE_SIZE) != TXS_OK ||
	    sq_exec(st, "PRAGMA journal_mode=WAL") != TXS_OK ||
	    sq_exec(st, "PRAGMA synchronous=NORMAL") != TXS_OK ||
	    sq_exec(st, "PRAGMA temp_store=MEMORY") != TXS_OK ||
	    sq_exec(st, "PRAGMA cache_size=-65536") != TXS_OK ||
	    sq_exec(st, "BEGIN IMMEDIATE") != TXS_OK ||
	    sq_exec(st, "CREATE TABLE IF NOT EXISTS txstore_meta (key TEXT PRIMARY KEY, "
			"value TEXT NOT NULL)") != TXS_OK)
		goto fail;
	if (sq_query(st, "SELECT value FROM txstore_meta WHERE key = 'schema_version'", 0, NULL,
		     version_row, &ver) != TXS_OK)
		goto fail;
	if (ver > TXS_SQLITE_SCHEMA_VERSION) {
		sq_rollback(st);
		return tx_error("%s: schema version %lld is newer than this txstore's (%d)",
				st->shown, (long long)ver, TXS_SQLITE_SCHEMA_VERSION);
	}
	if (upgrade(st, ver) != TXS_OK || sq_exec(st, "COMMIT") != TXS_OK)
		goto fail;
	/*
	 * The CHECK constraints are txstore's to check as it reads a record
	 * (tx_store_batch_add(); fastpath.h "check"): evaluating them again
	 * for every row was 12% of txstore's instructions (callgrind, 100k
	 * records). They stay in the schema for every other writer.
	 */
	if ((tx_fast & TX_FAST_CHECK) &&
	    sq_exec(st, "PRAGMA ignore_check_constraints=ON") != TXS_OK)
		goto fail;
	if (prepare(st, &s->ins,
		    "INSERT INTO transactions (" TXS_TX_COLUMNS ", amount_minor) VALUES (?1, ?2, "
		    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) "
		    "ON CONFLICT (transaction_id) DO NOTHING") ||
	    prepare(st, &s->upd,
		    "UPDATE transactions SET status = coalesce(?3, status), reason = "
		    "coalesce(?4, reason), alerts = coalesce(?5, alerts), updated_at = ?2 "
		    "WHERE transaction_id = ?1 AND deleted_at IS NULL AND ("
		    "status IS NOT coalesce(?3, status) OR reason IS NOT coalesce(?4, reason) OR "
		    "alerts IS NOT coalesce(?5, alerts))") ||
	    prepare(st, &s->del,
		    "UPDATE transactions SET deleted_at = ?2 WHERE transaction_id = ?1 AND "
		    "deleted_at IS NULL") ||
	    prepare(st, &s->exists, "SELECT 1 FROM transactions WHERE transaction_id = ?1") ||
	    prepare(st, &s->bal_get,
		    "SELECT balance_minor, available_minor, tx_count FROM balances WHERE "
		    "account = ?1 AND currency = ?2") ||
	    prepare(st, &s->bal_put,
		    "INSERT INTO balances VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT "
		    "(account, currency) DO UPDATE SET balance = excluded.balance, "
		    "available_balance = excluded.available_balance, tx_count = excluded.tx_count, "
		    "balance_minor = excluded.balance_minor, available_minor = "
		    "excluded.available_minor, updated_at = excluded.updated_at") ||
	    prepare(
		st, &s->off_put,
		"INSERT INTO offsets (topic, \"partition\", next_offset, updated_at, cluster) "
		"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (topic, \"partition\") DO UPDATE SET "
		"next_offset = excluded.next_offset, updated_at = excluded.updated_at, cluster = "
		"coalesce(excluded.cluster, offsets.cluster)"))
		return -1;
	{
		struct tx_buf q = TX_BUF_INIT;
		int i, c, bad;
		tx_buf_adds(&q,
			    "INSERT INTO transactions (" TXS_TX_COLUMNS ", amount_minor) VALUES ");
		/* row i: ?(17i+1) to ?(17i+17), but stored_at is the batch's, one parameter */
		for (i = 0; i < TXS_SQLITE_BULK; i++) {
			tx_buf_adds(&q, i ? ", (" : "(");
			for (c = 1; c <= 17; c++)
				tx_buf_addf(&q, "%s?%d", c > 1 ? ", " : "",
					    c == 12 ? TXS_BULK_PARAMS + 1 : i * 17 + c);
			tx_buf_addch(&q, ')');
		}
		tx_buf_adds(&q, " ON CONFLICT (transaction_id) DO NOTHING");
		bad = prepare(st, &s->bulk, q.p);
		tx_buf_release(&q);
		memset(s->bulk_null, 1, sizeof(s->bulk_null));
		if (bad ||
		    prepare(st, &s->maxrowid, "SELECT coalesce(max(rowid), 0) FROM transactions") ||
		    prepare(st, &s->since,
			    "SELECT transaction_id, rowid FROM transactions WHERE rowid > ?1"))
			return -1;
	}
	ckpt_start(st);
	return 0;
fail:
	sq_rollback(st);
	return tx_error("%s: %s", st->shown, st->errmsg);
}

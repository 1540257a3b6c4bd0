/*
 * store_impl.h: what store.c (the generic part: batches, retries, balances,
 * offsets), store_report.c (the readers and reports), store_state.c and the
 * two backends (store_sqlite.c, store_pg.c) share.
 * Nothing outside src/lib/store*.c includes this file.
 */
#ifndef TX_STORE_IMPL_H
#define TX_STORE_IMPL_H

#include "hashmap.h"
#include "store.h"

/* Return codes of backend calls. */
enum {
	TXS_OK = 0,
	TXS_FAIL = -1,		/* an error not about one record: give up the batch */
	TXS_LOST = -2,		/* the connection went away (or a transient conflict): retry */
	TXS_REFUSED = -3,	/* the database refused the data (st->errmsg says why) */
	TXS_AGAIN = -4,		/* roll back and write the batch again at once (another way) */
	TXS_DISCONTINUOUS = -5, /* the batch does not continue what is stored (st->errmsg) */
};

enum tx_store_dialect { TXS_SQLITE, TXS_PG };

/* The balance an account (and currency) is left with by a batch. */
struct tx_store_bal {
	struct tx_sref account, currency; /* into the batch arena */
	int exponent;
	int has_balance, has_available, has_count; /* else keep (or derive) the stored value */
	int64_t balance, available, tx_count;	   /* minor units */
	int64_t count_delta; /* without has_count: add to the stored tx_count */
};

struct tx_store_offset {
	char *topic;
	int32_t partition;
	int64_t next;	  /* next offset to read, as committed */
	int64_t next_new; /* this batch's, -1 when untouched */
	int stored;	  /* next (and cluster) are the database's, not a new partition's */
	char *cluster;	  /* the Kafka cluster the stored offsets came from; NULL: unknown */
	struct tx_sref cluster_new; /* this batch's (into the batch arena) */
};

/* Called once per result row with its cells as text (NULL for SQL NULL). */
typedef int (*tx_store_row_fn)(void *ctx, int ncols, const char *const *vals);

struct tx_store_backend {
	const char *name;
	/* Statements that fail abort the transaction (PostgreSQL): use savepoints per row. */
	int row_errors_abort;
	int (*begin)(struct tx_store *st);
	int (*commit)(struct tx_store *st);
	void (*rollback)(struct tx_store *st);
	/*
	 * Insert every PENDING create of the batch set-based (may be NULL),
	 * setting each one's outcome (STORED or DUPLICATE). TXS_REFUSED: some
	 * row was refused, and the
	 * transaction must be rolled back and the batch done row by row.
	 */
	int (*apply_bulk)(struct tx_store *st, struct tx_store_batch *b);
	/*
	 * Apply one row (create, update or delete) and set its outcome. With
	 * careful set, a refused row is undone alone (savepoint) and gets
	 * outcome REFUSED with the message in row->reason_refused; without it
	 * TXS_REFUSED is returned and the caller starts over carefully.
	 */
	/*
	 * Apply every PENDING update and delete at once, in order (may be NULL;
	 * not used when careful). TXS_REFUSED as for apply_bulk.
	 */
	int (*apply_changes)(struct tx_store *st, struct tx_store_batch *b);
	int (*apply_row)(struct tx_store *st, struct tx_store_batch *b, struct tx_store_row *row,
			 int careful);
	int (*put_balances)(struct tx_store *st, struct tx_store_batch *b,
			    const struct tx_store_bal *bals, size_t n);
	/* cluster NULL: keep the stored one */
	int (*put_offset)(struct tx_store *st, const char *topic, int32_t partition, int64_t next,
			  const char *cluster);
	/*
	 * Store all the batch's offsets at once (may be NULL: put_offset() for
	 * each, tx_store_put_offsets_each()).
	 */
	int (*put_offsets)(struct tx_store *st, const struct tx_store_batch *b);
	/* Run a query; params are text (NULL: SQL NULL); placeholders as the dialect writes them.
	 */
	int (*query)(struct tx_store *st, const char *sql, int nparams, const char *const *params,
		     tx_store_row_fn fn, void *ctx);
	/*
	 * The stored posted balance of an account and currency in minor units,
	 * *found 0 when there is none (the balance chain check). May be NULL:
	 * a query then reads the decimal text.
	 */
	int (*get_balance)(struct tx_store *st, const char *account, const char *currency,
			   int64_t *minor, int *found);
	int (*reconnect)(struct tx_store *st);
	void (*close)(struct tx_store *st);
	/*
	 * Asynchronous commit (may be NULL: not supported). begin() reads
	 * st->batch_async; sync() makes every commit so far durable.
	 */
	int (*sync)(struct tx_store *st);
	/*
	 * A batch over two connections (both may be NULL: one connection;
	 * store.c's write_split() says how they are used). split_send() begins
	 * a transaction on the second connection (st->batch_async as begin())
	 * and sends the COPY of b's PENDING creates, setting their outcomes as
	 * apply_bulk() does, without waiting for the server. TXS_OK, or
	 * anything else (outcomes then undefined) to write the batch on one
	 * connection. split_recv() then waits for that COPY. With keep, TXS_OK
	 * makes the second connection the one every later call uses (the first
	 * one stays open, idle, for the next split); an error rolls the second
	 * transaction back and says why (st->errmsg). Without keep, the second
	 * transaction is rolled back and TXS_OK returned.
	 */
	int (*split_send)(struct tx_store *st, struct tx_store_batch *b);
	int (*split_recv)(struct tx_store *st, int keep);
};

struct tx_store {
	const struct tx_store_backend *be;
	enum tx_store_dialect dialect;
	char *shown;  /* the DSN without its password */
	char *target; /* what the backend opens: a path or a conninfo/URI */
	void *db;     /* the backend's own state */
	struct tx_store_counts counts;
	uint64_t retry_ms; /* how long a lost database is retried */
	struct tx_store_offset *offsets;
	size_t noffsets, offsets_cap;
	int reading;		/* tx_store_open_read(): nothing is created or migrated */
	int64_t version;	/* the schema version the database holds */
	int allow_gaps;		/* tx_store_set_allow_gaps() */
	int async_commit;	/* tx_store_set_async_commit() */
	int batch_async;	/* this batch may commit asynchronously (every row has offsets) */
	const char *input;	/* the input's name for messages (tx_store_set_input) */
	struct tx_map chained;	/* accounts whose balance chain was checked (see continuity) */
	struct tx_map bal_keys; /* write_once()'s balances, kept to reuse its memory */
	char stored_at[40];	/* this batch's time, canonical RFC 3339 */
	int64_t stored_at_us;
	char errmsg[1024]; /* the last database error */
};

/*
 * Backend constructors: 0, or -1 after reporting (the connection or file
 * failed). With st->reading, 1 (nothing reported) when there is no database
 * or no txstore schema in it: nothing was ever stored there.
 */
int tx_store_sqlite_open(struct tx_store *st);
int tx_store_pg_open(struct tx_store *st);
/*
 * Check a PostgreSQL DSN the way libpq will before it connects: its syntax,
 * its keywords and the values libpq only accepts from a list (sslmode, ...).
 * 0, or -1 with the reason in err (errlen bytes).
 */
int tx_store_pg_check_dsn(const char *dsn, char *err, size_t errlen);

/*
 * The indexes of the batch's creates in key order (equal ids in input order):
 * a new array of *n entries the caller frees.
 */
size_t *tx_store_creates_by_id(const struct tx_store_batch *b, size_t *n);

/*
 * The offsets the batch stores (each of st->offsets whose next_new is not
 * -1), one put_offset() each, in the batch's transaction.
 */
int tx_store_put_offsets_each(struct tx_store *st, const struct tx_store_batch *b);

/*
 * For reading: the schema version a database holds, 0 when txstore_meta has
 * none. 0 when this txstore reads it (st->version set: older versions are
 * read as they are), 1 when nothing was ever stored (0), -1 after reporting
 * a newer schema.
 */
int tx_store_readable_version(struct tx_store *st, int64_t ver);

/* Load the stored next offsets and their clusters (the offsets table). */
int tx_store_load_offsets(struct tx_store *st);
/*
 * The query of the offsets table's columns (topic, partition, next offset,
 * cluster or NULL before schema 2), as tx_store_load_offsets() and
 * tx_store_print_offsets() read them; a static string.
 */
const char *tx_store_offsets_select(const struct tx_store *st);
/*
 * Append a decimal read from the database, normalised to the currency's
 * decimals (2 for an unknown currency); minor: the text is integer minor
 * units (SQLite's exact columns). Text that does not parse is appended as
 * it is.
 */
void tx_store_add_decimal(struct tx_buf *o, const char *text, const char *currency, int minor);

/* The message of the last error, for rejects: st->errmsg with a prefix. */
void tx_store_set_err(struct tx_store *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The columns of the transactions table, in the order the backends bind them. */
#define TXS_TX_COLUMNS                                                                             \
	"transaction_id, account, type, amount, currency, ts, status, reason, alerts, "            \
	"counterparty, record, stored_at, source_topic, source_partition, source_offset, "         \
	"source_ts"

/*
 * The schema version this txstore writes; older ones are migrated on open.
 * 2: offsets.cluster, the Kafka cluster id the offsets came from.
 * 3: (PostgreSQL) transactions.record is json, if the table was empty.
 */
#define TXS_SCHEMA_VERSION 3
/*
 * SQLite's own, ahead of the common one:
 * 3: amount, balance and available_balance are REAL (numeric comparison and
 *    order; the exact values stay in the *_minor columns).
 */
#define TXS_SQLITE_SCHEMA_VERSION 3
/* The schema version a dialect's databases are written with. */
#define TXS_SCHEMA_LATEST(d) ((d) == TXS_SQLITE ? TXS_SQLITE_SCHEMA_VERSION : TXS_SCHEMA_VERSION)

#endif

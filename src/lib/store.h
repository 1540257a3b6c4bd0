/*
 * store.h: txstore's database sink, SQLite or PostgreSQL behind one
 * interface (txstore(1) is the user's view, with the schema).
 *
 * A store is opened from a DSN ("sqlite:PATH", "x.db", "postgresql://...",
 * "host=... dbname=..."); the schema is created or migrated on open. Records
 * are collected into a batch (tx_store_batch_add copies what it needs, so the
 * line can be reused at once), and tx_store_write() stores the whole batch
 * in ONE database transaction together with the balances its records leave
 * and the next source offset per topic/partition. A database that goes away
 * is reconnected with backoff and the batch is retried; records whose source
 * offset is below the stored next offset are skipped, which is what makes a
 * retry or a replay after a crash idempotent. A record the database refuses
 * is rejected on its own: the rest of its batch is stored.
 *
 * Ownership: the store owns its connection and the batch owns copies of the
 * record fields; both are released by their _close/_release functions.
 * Library functions report with tx_error() and return -1; they never exit.
 */
#ifndef TX_STORE_H
#define TX_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "hashmap.h"
#include "out.h"
#include "record.h"

struct tx_store;

/* What happened to one record of a batch. */
enum tx_store_outcome {
	TX_STORE_PENDING = 0, /* not written yet */
	TX_STORE_STORED,      /* a new row */
	TX_STORE_DUPLICATE,   /* the transaction_id was already stored (or nothing to change) */
	TX_STORE_UPDATED,     /* op=update changed status, reason or alerts */
	TX_STORE_DELETED,     /* op=delete marked the row deleted */
	TX_STORE_SKIPPED,     /* source offset below the stored next offset: stored before */
	TX_STORE_REFUSED      /* the database refused it (row->reason says why) */
};

/* A string copied into the batch arena; off == SIZE_MAX means SQL NULL. */
struct tx_sref {
	size_t off, len;
};
#define TX_SREF_NULL ((struct tx_sref){(size_t)-1, 0})

/* One record as it is bound to the database: every value as text. */
struct tx_store_row {
	enum tx_op op;
	uint64_t lineno; /* input line, for messages */
	struct tx_sref id, account, type, amount, currency, ts, status, reason, alerts,
	    counterparty, record, source_topic, source_ts, source_cluster;
	int sign;	      /* of the type: +1 credits the account, -1 debits it, 0 none */
	int64_t amount_minor; /* valid when amount is not NULL */
	int has_source;
	int32_t partition;
	int64_t offset;
	int64_t dropped_from; /* txbal's "dropped_from" (offsets consumed, not stored), or -1 */
	int64_t time_us;      /* source ts, else event ts, else -1: for latency */
	int64_t ts_us, source_ts_us; /* -1 when absent (the binary COPY sends these) */
	/* Balances txbal left in the record (new_balance, counterparty_balance, ...). */
	int has_balance, has_available, has_count, has_cp_balance;
	int64_t balance, available, tx_count, cp_balance; /* minor units */
	int exponent;
	enum tx_store_outcome outcome;
	struct tx_sref reason_refused; /* the database's message when REFUSED */
};

struct tx_store_batch {
	struct tx_store_row *rows;
	size_t n, cap;
	struct tx_buf arena; /* NUL-terminated strings the rows point into */
	size_t ncreates;     /* rows with op create */
	struct tx_map ids;   /* the transaction_ids of the batch's updates and deletes */
	size_t *order;	     /* tx_store_batch_seal(): the creates in key order, or NULL */
};

static inline const char *tx_sref_str(const struct tx_store_batch *b, struct tx_sref s)
{
	return s.off == (size_t)-1 ? NULL : b->arena.p + s.off;
}

void tx_store_batch_init(struct tx_store_batch *b);
void tx_store_batch_release(struct tx_store_batch *b);
void tx_store_batch_reset(struct tx_store_batch *b);
/*
 * The batch is complete: sort its creates by id now, on the caller's
 * thread, rather than in tx_store_write() (SQLite inserts them in key
 * order). Optional; adding a row after it is a bug.
 */
void tx_store_batch_seal(struct tx_store_batch *b);

/*
 * Would adding this record change the meaning of the batch? Creates are
 * merged set-based before updates and deletes, so a create whose id an update
 * or delete in the batch already names must start a new batch. Returns 1 when
 * the caller should write the batch first.
 */
int tx_store_batch_conflicts(const struct tx_store_batch *b, const struct tx_record *r);

/*
 * Copy a parsed record (and its line) into the batch. Returns 0, or -1 with a
 * reason in err (errlen bytes) when the record cannot be stored at all (a NUL
 * character in a text field, a balance that is not a number, ...).
 */
int tx_store_batch_add(struct tx_store_batch *b, struct tx_record *r, const char *line, size_t len,
		       uint64_t lineno, char *err, size_t errlen);

/* Counts over the life of a store handle (the end summary). */
struct tx_store_counts {
	uint64_t stored, duplicates, updated, deleted, skipped, refused;
	uint64_t batches, retries;
};

/*
 * Open (and create or migrate the schema of) the store a DSN names. Returns
 * NULL after reporting; *status is then TX_EXIT_USAGE for a DSN that names
 * nothing txstore knows, TX_EXIT_UNAVAILABLE when the database cannot be
 * reached or opened. Passwords never appear in messages.
 */
struct tx_store *tx_store_open(const char *dsn, int *status);
/*
 * Open a store to read it (offsets, balances, state, report): nothing is
 * created or migrated. Returns NULL with *status TX_EXIT_OK, and nothing
 * reported, when there is no database (an SQLite file that does not exist)
 * or it holds no txstore schema: nothing was ever stored there. Otherwise as
 * tx_store_open().
 */
struct tx_store *tx_store_open_read(const char *dsn, int *status);
void tx_store_close(struct tx_store *st);
/* How long tx_store_write() retries a database that went away (default 60 s). */
void tx_store_set_retry(struct tx_store *st, unsigned seconds);
/* The DSN as it may be shown (a password replaced by "***"). */
const char *tx_store_name(const struct tx_store *st);
/* The same for a DSN without a store: a new string the caller frees. */
char *tx_store_dsn_shown(const char *dsn);
/*
 * Whether the DSN holds a secret that tx_store_dsn_shown() masks (a password
 * in a URI or a conninfo): the caller warns that the command line shows it
 * to every user of the machine.
 */
int tx_store_dsn_has_secret(const char *dsn);

/*
 * Continuity (tx(7), "The resume protocol"): before a batch is written, it
 * must continue what is stored, or nothing of it is.
 * - Offsets: per topic/partition with a stored next offset, the batch's
 *   first record of that partition (past the already stored ones) must
 *   have exactly that offset: a later one means the records between were
 *   lost (a trimmed or new broker, a txsub not resumed from the stored
 *   offsets). tx_store_set_allow_gaps() accepts that on purpose.
 * - Cluster: a record whose source.cluster differs from the cluster the
 *   partition's stored offsets came from is from another Kafka cluster.
 * - Balance chain: per account and currency, the first record of this
 *   store handle that is new to the database (not a duplicate) and creates
 *   a transaction must continue from the stored balance: its new_balance
 *   minus its own effect (the amount, signed by its type, when completed;
 *   nothing when pending or failed) equals the stored balance (0 for a new
 *   account); the same for a transfer's counterparty_balance. A txbal that
 *   did not start from `txstore state` fails this. (Its updates and deletes
 *   of earlier transactions are trusted: a txbal without the stored state
 *   refuses those itself.) Records stored before (duplicates) are a replay:
 *   they are neither checked nor change the stored balances, so a replay
 *   of the whole stream from the start is accepted and changes nothing.
 */
void tx_store_set_allow_gaps(struct tx_store *st, int allow);
/* The input's name in messages ("stdin" when not set); borrowed. */
void tx_store_set_input(struct tx_store *st, const char *name);
/*
 * Asynchronous commit (PostgreSQL synchronous_commit = off) for the batches
 * whose every row carries source offsets: a commit that a server crash
 * loses is replayed from the topic, from the stored offsets, as long as the
 * topic still holds it (tx(7)). A batch with a row without offsets (nothing
 * to replay it from) commits synchronously. After a reconnect,
 * tx_store_write() fails (-1) when the stored offsets went back: the
 * database lost committed batches, and the stream must be resumed from the
 * stored offsets. 0, or -1 when the backend has no asynchronous commit
 * (SQLite).
 */
int tx_store_set_async_commit(struct tx_store *st, int on);
/* Whether dsn names a PostgreSQL database (else SQLite, or no DSN at all). */
int tx_store_dsn_is_postgresql(const char *dsn);
/*
 * Make every committed batch durable (with asynchronous commit: one
 * synchronous commit flushes them all). 0, or -1 after reporting.
 */
int tx_store_sync(struct tx_store *st);

/*
 * Write a batch in one transaction (see the top of this file; PostgreSQL
 * may commit a large batch as two halves in order, see txstore(1)). Every
 * row's outcome is set; counts are added to st's. Returns 0, or -1 when the
 * batch could not be stored (the database stayed away past the retry time,
 * or a database error that is not about one record), or -2 when it does
 * not continue what is stored (see above): nothing of what is left in b
 * was committed (a first half that was is taken out of b), and the reason
 * was reported.
 */
int tx_store_write(struct tx_store *st, struct tx_store_batch *b);
const struct tx_store_counts *tx_store_counts(const struct tx_store *st);

/* The offsets file (NDJSON, next offset per topic/partition) on out. */
int tx_store_print_offsets(struct tx_store *st, struct tx_out *out);
/* The balances file (NDJSON, one line per account and currency) on out. */
int tx_store_print_balances(struct tx_store *st, struct tx_out *out);

/* txstore report: filters (NULL: none) and the output form. */
struct tx_store_report {
	const char *account, *status, *type;
	int64_t since_us, until_us; /* -1: unbounded */
	int64_t limit;		    /* recent transactions shown */
	int table;		    /* aligned text instead of NDJSON */
	/* For tx_store_report_json() (txhttp's reads); NULL/0 for txstore report: */
	const char *id;	   /* only this transaction */
	int keyset;	   /* transactions newest first by (ts, transaction_id), none without ts */
	const char *after; /* with keyset: the page after this transaction_id */
};
int tx_store_print_report(struct tx_store *st, const struct tx_store_report *rep,
			  struct tx_out *out);

/* The sections of a report, for tx_store_report_json(). */
enum {
	TX_REPORT_TRANSACTIONS = 1 << 0,
	TX_REPORT_BALANCES = 1 << 1,
	TX_REPORT_BY_TYPE = 1 << 2,
	TX_REPORT_BY_STATUS = 1 << 3,
	TX_REPORT_LATENCY = 1 << 4,
	TX_REPORT_ALL = (1 << 5) - 1
};
/*
 * The same report as one JSON object, appended to out: a member per section
 * asked for ("transactions", "balances", "by_type", "by_status", "latency"),
 * each an array of objects with the columns txstore report prints (SQL NULLs
 * left out). Returns 0, or -1 after reporting a database error (the caller
 * may close the store and open it again).
 */
int tx_store_report_json(struct tx_store *st, const struct tx_store_report *rep, unsigned sections,
			 struct tx_buf *out);

#endif

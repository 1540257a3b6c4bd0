/*
 * httpbody.h: txhttp's request bodies into records, apart from the server,
 * so unit tests and the fuzzer (tests/fuzz/fuzz-httpbody.c) link it alone.
 *
 * A body is one JSON object (application/json) or NDJSON lines. Each object
 * is validated with the record codec (txpub's rules and messages) and
 * completed: a missing transaction_id is the Idempotency-Key (with "-LINE"
 * in a batch) or a new UUIDv7, a missing ts the time of arrival; for PATCH
 * and DELETE the path's id and op are set. The accepted records are
 * appended to a struct tx_http_recs as NDJSON lines, with their account
 * (the Kafka key) and id next to them.
 */
#ifndef TX_HTTPBODY_H
#define TX_HTTPBODY_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "record.h"

/*
 * UUIDv7 (RFC 9562) ids: 48 bits of Unix time in milliseconds, then a
 * 74-bit counter that starts at a random value each millisecond and counts
 * up within it (the "monotonic random" method): ids from one generator sort
 * in the order they were made, ids from several are unique by their random
 * bits. Safe from several threads.
 */
struct tx_http_ids {
	pthread_mutex_t lock;
	uint64_t ms; /* the last millisecond used */
	uint16_t a;  /* the counter's high 12 bits */
	uint64_t b;  /* its low 62 bits */
};
void tx_http_ids_init(struct tx_http_ids *ids);
void tx_http_ids_release(struct tx_http_ids *ids);
/* Append a new id (36 characters, lowercase hex with dashes) to b. */
void tx_http_id_make(struct tx_http_ids *ids, struct tx_buf *b);

/* One accepted record: offsets into its struct tx_http_recs' data. */
struct tx_http_rec {
	size_t off, len;	 /* the line, without its '\n' (one follows it) */
	size_t key_off, key_len; /* the account: the Kafka key */
	size_t id_off, id_len;	 /* the transaction_id, decoded */
	uint64_t line;		 /* its line in an NDJSON body (0: a single object) */
	/* the sink's: whether the record is safe, and where it went */
	int err; /* 0: safe */
	int32_t partition;
	int64_t offset;
	void *sink;
};

/* The accepted records of one request. Zeroed memory is an empty one. */
struct tx_http_recs {
	struct tx_buf data;
	struct tx_http_rec *v; /* n of them, owned */
	size_t n, cap;
};
void tx_http_recs_release(struct tx_http_recs *R);

/* A refused line of an NDJSON body and the codec's message (owned). */
struct tx_http_reject {
	uint64_t line;
	char *err;
};

/*
 * What a request asks for beyond its body (the caller sets these after
 * tx_http_body_init; the strings are borrowed for the body's calls), and
 * the decoder's scratch.
 */
struct tx_http_body {
	enum tx_op op;	     /* TX_OP_NONE: as the body says (POST) */
	const char *id;	     /* the path's id (PATCH, DELETE), or NULL */
	const char *key;     /* Idempotency-Key (POST), or NULL */
	const char *account; /* ?account= (PATCH, DELETE), or NULL */
	struct tx_http_ids *ids;
	/* tx_http_body_ndjson(): the refused lines, in line order (owned) */
	struct tx_http_reject *rej;
	size_t nrej;
	/* private */
	uint64_t line;
	struct tx_record r, r2;
	struct tx_buf tmp, tmp2;
};
void tx_http_body_init(struct tx_http_body *m, struct tx_http_ids *ids);
void tx_http_body_release(struct tx_http_body *m);

/*
 * One JSON object (a whole application/json body) into out. 0, or -1 with
 * the codec's message in tx_http_body_error(m) (out unchanged).
 */
int tx_http_body_one(struct tx_http_body *m, const char *obj, size_t len, struct tx_http_recs *out);
/* The message of the last refusal (valid until the next call). */
const char *tx_http_body_error(const struct tx_http_body *m);

/*
 * An NDJSON body: every non-blank line (CR LF taken as LF) on its own,
 * the accepted ones into out, the refused ones appended to m->rej. Returns
 * the number of non-blank lines.
 */
uint64_t tx_http_body_ndjson(struct tx_http_body *m, const char *body, size_t len,
			     struct tx_http_recs *out);

#endif

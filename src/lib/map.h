/*
 * map.h: foreign records -> tx-record(5), the engine of txmap(1).
 *
 * A record is one JSON object (from instream.h: a line of NDJSON, a value
 * of a JSON stream, a CSV row). Each member's name is mapped to a target:
 * a --field rename first, then the table of common names (tx_mapper_aliases),
 * then the codec's own names; a name that maps to nothing passes through
 * unchanged. The values of the known fields are then converted:
 *   - transaction_id, account, counterparty: a number becomes a string
 *     (account and counterparty: a non-negative integer stays as it is);
 *   - type, status, op: --value maps first, then the canonical word,
 *     matched without regard to case; a type that names no transaction
 *     type makes the record "other" (not a transaction);
 *   - amount: decimal text, a string or a JSON number as Python writes it
 *     (exponent included), scaled exactly to the currency's decimals; more
 *     decimals than it has are refused unless a rounding mode is set;
 *   - currency: upper case;
 *   - ts: RFC 3339; a naive ISO 8601 date-time ("2025-02-17 14:35:20",
 *     "2025-02-17T14:35:20.123456") in the --tz zone; epoch seconds or
 *     milliseconds (a number or a string of digits);
 * and a missing transaction_id is made (a content hash or a random UUID)
 * when asked. The result is written as one line, and checked by the record
 * codec (TX_PARSE_REQUIRE): what tx_mapper_record() accepts, txbal accepts.
 *
 * Ownership: struct tx_mapper owns everything it holds; the output and the
 * error message stay valid until the next tx_mapper_record().
 */
#ifndef TX_MAP_H
#define TX_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "money.h"
#include "record.h"

/* The table of common names recognised without options (txmap(1) lists it). */
struct tx_mapper_alias {
	const char *from;
	enum tx_field to;
};
extern const struct tx_mapper_alias tx_mapper_aliases[];
extern const size_t tx_mapper_naliases;

enum tx_mapper_epoch {
	TX_EPOCH_AUTO = 0, /* by magnitude: below 1e11 seconds, below 1e14 milliseconds */
	TX_EPOCH_S,
	TX_EPOCH_MS,
};

enum tx_mapper_id { TX_ID_NONE = 0, TX_ID_HASH, TX_ID_UUID };
#define TX_MAP_ID_FIELDS 8 /* at most in --id hash:F,G,... */

/* How the name of a member was mapped, for -v. */
enum tx_mapper_how { TX_HOW_NAME, TX_HOW_ALIAS, TX_HOW_FIELD, TX_HOW_CODEC };

struct tx_mapper_key; /* map.c: the names seen so far */
struct tx_mapper_value;

struct tx_mapper {
	/* options: set with the functions below before the first record */
	enum tx_round round;
	enum tx_mapper_epoch epoch;
	enum tx_mapper_id id;
	char **id_fields; /* --id hash:F,G: hash these fields' values only */
	size_t nid_fields;

	/* --field renames */
	struct {
		char *from, *to;
	} * renames;
	size_t nrenames;
	struct tx_mapper_value *values;
	size_t nvalues;

	/* --tz */
	int have_tz, tz_fixed; /* a zone, and whether it is a fixed offset */
	int64_t tz_offset;     /* seconds east of UTC, when fixed */
	char *tz_name;
	int64_t tz_cache_key, tz_cache_off; /* the last 15 minutes converted */

	/* state */
	struct tx_mapper_key *keys;
	size_t nkeys, keys_cap;
	const struct tx_currency *usd; /* the default currency */
	struct tx_record in, check;
	struct tx_buf compact, out, scratch;
	unsigned char rnd[256];
	size_t rnd_left;

	/* the result of the last tx_mapper_record() */
	char err[300];
	struct tx_str other_type; /* TX_MAP_OTHER: the type it has */
};

enum tx_mapper_result {
	TX_MAP_OK,     /* m->out holds the record (no '\n') */
	TX_MAP_OTHER,  /* not a transaction: a type that is none of txkit's (m->other_type) */
	TX_MAP_REJECT, /* m->err says why */
};

void tx_mapper_init(struct tx_mapper *m);
void tx_mapper_release(struct tx_mapper *m);
/*
 * Options, each 0 or -1 after tx_error() (a usage error):
 * "FROM=TO" (a FROM mapped to two targets is refused), "FIELD:FROM=TO",
 * a zone name under the system's zoneinfo, "UTC" or an offset "+05:30",
 * "hash", "hash:F,G" or "uuid".
 */
int tx_mapper_add_field(struct tx_mapper *m, const char *spec);
int tx_mapper_add_value(struct tx_mapper *m, const char *spec);
int tx_mapper_set_tz(struct tx_mapper *m, const char *zone);
int tx_mapper_set_id(struct tx_mapper *m, const char *spec);

/*
 * Map one object (text[0..len), a JSON object; line breaks and all
 * whitespace are allowed). The result is in m->out, m->other_type or m->err
 * (a message without source or line, naming the field).
 */
enum tx_mapper_result tx_mapper_record(struct tx_mapper *m, const char *text, size_t len);

/*
 * For -v: calls fn for each name seen, with its target (the name itself
 * when it passed through), how it was mapped and how many records had it;
 * and for each --value map with how often it applied.
 */
void tx_mapper_report(const struct tx_mapper *m,
		      void (*fn)(void *ctx, const char *from, const char *to,
				 enum tx_mapper_how how, uint64_t uses),
		      void (*vfn)(void *ctx, const char *field, const char *from, const char *to,
				  uint64_t uses),
		      void *ctx);

/* MurmurHash3 x64 128 (seed 0) of p[0..n), as 32 hex digits at hex (33 bytes: NUL-ended). */
void tx_mapper_hash_hex(const void *p, size_t n, char hex[33]);

#endif

/*
 * libFuzzer target for the record codec (record.c, json.c): `make fuzz`
 * (FUZZ_SECONDS, default 600) or `make fuzz-smoke` (about 30 s, run by CI).
 * Built by clang with -fsanitize=fuzzer,address,undefined straight from the
 * library sources, never by `make all` or `make check`.
 *
 * Each input is parsed by records with new parsers (record.h: nothing the
 * parser remembers is per thread any more), so a crash reproduces from its
 * input alone. Besides "no crash, no sanitizer report", every input checks
 * invariants:
 *   - the line is copied to an exact-size heap block, so any read past its
 *     end is an AddressSanitizer error
 *   - tx_record_parse() accepts only what tx_json_validate() accepts, and
 *     an "invalid JSON" verdict agrees with tx_json_validate() (or the line
 *     is valid JSON that is not an object)
 *   - writing with no edits reproduces the line byte for byte
 *   - the canonical form parses again, with the same id, account, type,
 *     amount and currency
 *   - writing with edits (a removal, a replacement, two additions) gives
 *     valid JSON that parses again with the edits visible
 *   - every write gives the same bytes with tx_record_write()'s append-only
 *     fast case off (TX_REFERENCE=plain), and tx_record_splice_member()
 *     (txsub's "source") the bytes tx_record_write() gives for that edit
 *   - tx_record_find() finds every member's key, tx_record_text() is safe on
 *     every member
 *   - the reference parse, every fast path off (fastpath.h: key guesses
 *     and shapes, the inline value decoders, the timestamp fast path, SIMD),
 *     gives the same verdict, message, members and values (the "source"
 *     member's too) as the fast one
 *   - differentially, against jansson (json_loadb with flags 0): txkit never
 *     accepts what jansson refuses, except numbers beyond jansson's range,
 *     and never calls JSON invalid that jansson accepts, except for a NUL
 *     byte right after a number or literal, which jansson skips, and a
 *     number below 1e-307 or from 1e308 on, which tx-record(5) refuses (see
 *     tests/unit-json-diff.c, which also compares the values)
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath.h"
#include "json.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tx_record rec, again, ref;
static struct tx_buf out, key, slow, spliced;

static int same(struct tx_str a, struct tx_str b)
{
	return a.len == b.len && (!a.len || !memcmp(a.p, b.p, a.len));
}

/*
 * tx_record_write() of rec into out with its append-only fast case on, and
 * into slow with it off (TX_REFERENCE=plain): the same bytes.
 */
static void write_both(const struct tx_edit *ed, size_t n, unsigned flags)
{
	unsigned fast = tx_fast;

	tx_buf_reset(&out);
	tx_fast = fast | TX_FAST_PLAIN;
	tx_record_write(&out, &rec, ed, n, flags);
	tx_buf_reset(&slow);
	tx_fast = fast & ~(unsigned)TX_FAST_PLAIN;
	tx_record_write(&slow, &rec, ed, n, flags);
	tx_fast = fast;
	if (out.len != slow.len || memcmp(out.p, slow.p, out.len))
		abort(); /* the fast case writes what the general splice writes */
}

#define LIT(s) s, sizeof(s) - 1

static void check_write(void)
{
	static const struct tx_edit edits[] = {
	    {TX_F_AMOUNT, NULL, 0},
	    {TX_F_STATUS, "\"failed\"", 8},
	    {TX_F_NEW_BALANCE, "-12.50", 6},
	    {TX_F_ALERTS, "[\"big\",\"burst\"]", 15},
	};
	static const struct tx_edit appends[] = {
	    {TX_F_STATUS, LIT("\"failed\"")},
	    {TX_F_NEW_BALANCE, LIT("-12.50")},
	    {TX_F_SOURCE, LIT("{\"topic\":\"t\",\"partition\":0,\"offset\":1}")},
	};
	struct tx_json_err e;

	write_both(NULL, 0, 0);
	if (out.len != rec.len || memcmp(out.p, rec.line, rec.len))
		abort(); /* a write without edits must reproduce the line */

	write_both(NULL, 0, TX_WRITE_CANONICAL);
	if (tx_record_parse(&again, out.p, out.len, 0))
		abort(); /* the canonical form must parse */
	if (!same(again.id, rec.id) || !same(again.account, rec.account) ||
	    again.amount != rec.amount || again.type != rec.type ||
	    again.currency != rec.currency || again.op != rec.op || again.status != rec.status)
		abort(); /* ... to the same values */

	write_both(edits, sizeof(edits) / sizeof(edits[0]), TX_WRITE_CANONICAL);
	if (tx_json_validate(out.p, out.len, &e))
		abort(); /* edits must give valid JSON */
	if (tx_record_parse(&again, out.p, out.len, 0))
		abort();
	if (again.idx[TX_F_AMOUNT] >= 0 || again.status != TX_STATUS_FAILED ||
	    again.idx[TX_F_NEW_BALANCE] < 0 || again.idx[TX_F_ALERTS] < 0 ||
	    !same(again.id, rec.id))
		abort(); /* and the edits must show */

	/* edits the append-only fast case takes, when the record allows */
	write_both(appends, sizeof(appends) / sizeof(appends[0]), 0);
	write_both(appends, sizeof(appends) / sizeof(appends[0]), TX_WRITE_CANONICAL);
	/* txsub's splice of "source", without a parse: as tx_record_write() puts it */
	if (!rec.repeated) {
		int m = rec.idx[TX_F_SOURCE];
		const char *at = m < 0 ? NULL : rec.line + rec.members[m].val_off;
		const struct tx_edit *src = &appends[sizeof(appends) / sizeof(appends[0]) - 1];
		tx_buf_reset(&spliced);
		tx_record_splice_member(&spliced, rec.line, rec.len, at,
					at ? at + rec.members[m].val_len : NULL, TX_F_SOURCE,
					src->value, src->len);
		write_both(src, 1, 0);
		if (spliced.len != out.len || memcmp(spliced.p, out.p, out.len))
			abort();
	}
}

/* The parse of rec (which returned rc) again with every fast path off: the same result. */
static void check_reference(const char *line, size_t size, unsigned flags, int rc)
{
	unsigned fast = tx_fast;
	int ref_rc;

	tx_fast = 0;
	ref_rc = tx_record_parse(&ref, line, size, flags);
	tx_fast = fast;
	if (ref_rc != rc || strcmp(ref.err, rec.err))
		abort(); /* the same verdict and message */
	if (rc)
		return;
	if (ref.nmembers != rec.nmembers || memcmp(ref.idx, rec.idx, sizeof(ref.idx)) ||
	    ref.nknown != rec.nknown || ref.ncanonical != rec.ncanonical ||
	    ref.repeated != rec.repeated)
		abort(); /* the same index */
	for (size_t i = 0; i < rec.nmembers; i++) {
		const struct tx_member *a = &rec.members[i], *b = &ref.members[i];
		if (a->key_off != b->key_off || a->key_len != b->key_len ||
		    a->val_off != b->val_off || a->val_len != b->val_len || a->field != b->field ||
		    a->flags != b->flags)
			abort(); /* the same members, marked alike */
	}
	if (!same(ref.id, rec.id) || !same(ref.account, rec.account) ||
	    !same(ref.counterparty, rec.counterparty) || !same(ref.anomaly, rec.anomaly) ||
	    ref.type != rec.type || ref.status != rec.status || ref.op != rec.op ||
	    ref.currency != rec.currency || ref.has_source != rec.has_source ||
	    ref.other_type != rec.other_type ||
	    (rec.idx[TX_F_AMOUNT] >= 0 && ref.amount != rec.amount) ||
	    (rec.idx[TX_F_TS] >= 0 && ref.ts_us != rec.ts_us))
		abort(); /* the same values */
	if (rec.has_source &&
	    (!same(ref.source.topic, rec.source.topic) ||
	     ref.source.partition != rec.source.partition ||
	     ref.source.offset != rec.source.offset || ref.source.ts_us != rec.source.ts_us ||
	     !same(ref.source.key, rec.source.key) || !ref.source.key.p != !rec.source.key.p ||
	     !same(ref.source.cluster, rec.source.cluster) ||
	     !ref.source.cluster.p != !rec.source.cluster.p))
		abort(); /* the same source, txsub's form decoded inline or not */
}

static int range_error(const json_error_t *e)
{
	return strstr(e->text, "too big integer") || strstr(e->text, "too big negative integer") ||
	       strstr(e->text, "real number overflow");
}

/* Whether txkit's "invalid JSON at byte N" points at a NUL byte. */
static int at_nul(const char *line, size_t size, const char *err)
{
	const char *p = strstr(err, "invalid JSON at byte ");
	unsigned long at;

	if (!p)
		return 0;
	at = strtoul(p + 21, NULL, 10);
	return at >= 1 && at <= size && line[at - 1] == '\0';
}

static void check_jansson(const char *line, size_t size, int accepted)
{
	json_error_t err;
	json_t *j = json_loadb(line, size, 0, &err);

	if (accepted && !j && !range_error(&err))
		abort(); /* txkit accepts what jansson refuses */
	if (!accepted && j && json_is_object(j) && !strncmp(rec.err, "invalid JSON", 12) &&
	    !at_nul(line, size, rec.err) && !strstr(rec.err, "number out of range"))
		abort(); /* txkit calls a valid JSON object invalid */
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct tx_json_err e;
	char *line;
	int valid;

	if (!ready) {
		tx_record_init(&rec);
		tx_record_init(&again);
		tx_record_init(&ref);
		ready = 1;
	}
	/* a new parser for each input (record.h): a crash reproduces from the input alone */
	tx_record_release(&rec);
	tx_record_release(&again);
	tx_record_release(&ref);
	line = malloc(size ? size : 1);
	memcpy(line, data, size);
	valid = tx_json_validate(line, size, &e) == 0;

	for (unsigned flags = 0; flags <= TX_PARSE_REQUIRE; flags += TX_PARSE_REQUIRE) {
		int rc = tx_record_parse(&rec, line, size, flags);

		check_reference(line, size, flags, rc);
		if (!flags)
			check_jansson(line, size, rc == 0);
		if (rc) {
			if (!strncmp(rec.err, "invalid JSON", 12) && valid) {
				/* only a valid non-object may be called invalid */
				const char *p = tx_json_skip_ws(line, line + size);
				if (*p == '{')
					abort();
			}
			if (!rec.err[0] || strlen(rec.err) >= sizeof(rec.err) - 1)
				abort(); /* a reason, never cut off */
			continue;
		}
		if (!valid)
			abort(); /* accepted what the validator refuses */
		for (size_t i = 0; i < rec.nmembers; i++) {
			const struct tx_member *m = &rec.members[i];
			struct tx_str t = tx_record_text(&rec, (int)i);
			int found;

			(void)t;
			tx_buf_reset(&key);
			tx_buf_grow(&key, m->key_len);
			key.len = tx_json_unescape(key.p, rec.line + m->key_off, m->key_len);
			found = tx_record_find(&rec, key.p, key.len);
			if (found < 0 || found > (int)i)
				abort();
		}
		check_write();
	}
	free(line);
	return 0;
}

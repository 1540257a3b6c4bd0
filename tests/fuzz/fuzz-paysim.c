/*
 * libFuzzer target for PaySim CSV rows (paysim.c, txgen --paysim): `make
 * fuzz` or `make fuzz-smoke` (tests/fuzz/local.mk).
 *
 * Every input is one line (copied to an exact-size heap block, so a read
 * past its end is an AddressSanitizer error), parsed at every currency
 * exponent 0 to 4. Invariants:
 *   - a failed parse says why (a non-empty message that fits err)
 *   - an accepted row has step >= 1, an amount >= 0, names of 1 to 64
 *     bytes of [A-Za-z0-9_.:-] inside the line, flags 0 or 1
 *   - its record (tx_paysim_write) is one line of valid JSON that the
 *     record codec parses, with the same account and amount
 *   - tx_paysim_is_header() never reads past the line
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "money.h"
#include "paysim.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tx_buf out;
static struct tx_record rec;
static int inited;

static int name_ok(struct tx_str s, const char *line, size_t len)
{
	if (s.len < 1 || s.len > 64 || s.p < line || s.p + s.len > line + len)
		return 0;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == ':' || c == '-'))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size ? size : 1);
	static const char *codes[] = {"JPY", "USD", "USD", "BHD", "CLF"};
	struct tx_paysim_row row;
	char err[128];

	if (!line)
		return 0;
	if (!inited) {
		tx_record_init(&rec);
		inited = 1;
	}
	memcpy(line, data, size);
	(void)tx_paysim_is_header(line, size);
	for (int e = 0; e <= 4; e++) {
		memset(err, 0, sizeof(err));
		if (tx_paysim_parse(line, size, e, &row, err, sizeof(err)) < 0) {
			if (!err[0] || !memchr(err, '\0', sizeof(err)))
				abort();
			continue;
		}
		if (row.step < 1 || row.amount < 0 || !name_ok(row.orig, line, size) ||
		    !name_ok(row.dest, line, size) || (row.is_fraud & ~1) || (row.is_flagged & ~1))
			abort();
		(void)tx_paysim_ts(1700000000000000, row.step, (uint64_t)size << 32);
		const struct tx_currency *cur = tx_currency_find(codes[e], 3);
		if (!cur || cur->exponent != e)
			continue; /* no currency at this exponent in the table */
		tx_buf_reset(&out);
		tx_paysim_write(&out, &row, 7, cur, 1700000000000000);
		if (!out.len || out.p[out.len - 1] != '\n' || memchr(out.p, '\n', out.len - 1))
			abort();
		if (tx_record_parse(&rec, out.p, out.len - 1, TX_PARSE_REQUIRE) < 0)
			abort();
		if (rec.idx[TX_F_AMOUNT] < 0 || rec.amount != row.amount ||
		    rec.account.len != row.orig.len ||
		    memcmp(rec.account.p, row.orig.p, row.orig.len))
			abort();
	}
	free(line);
	return 0;
}

/*
 * bench/codec-bench: the record codec's throughput, whole process, stdin to
 * stdout, for bench/codec.sh. Usage: codec-bench MODE < records
 *
 *   parse          tx_record_parse() of every line (the required fields too)
 *   write          parse, then tx_record_write() in canonical form with two
 *                  fields added, as txbal does, to stdout
 *   jansson-parse  json_loadb() of every line (the anchor of parse)
 *   jansson-dump   json_loadb() and json_dumpb() of every line (the anchor
 *                  of write: a DOM round trip)
 *
 * Prints "records rejected" on stderr; exits 1 on a bad mode or write error.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "out.h"
#include "record.h"
#include "tx.h"

int cmd_main(int argc, char **argv)
{
	static const struct tx_edit edits[] = {
	    {TX_F_STATUS, "\"completed\"", 11},
	    {TX_F_NEW_BALANCE, "1234.56", 7},
	};
	struct tx_lines in;
	struct tx_out out;
	struct tx_record r;
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned long n = 0, bad = 0;
	int64_t sum = 0;
	char *line;
	size_t len;
	int m;

	if (!strcmp(mode, "parse"))
		m = 0;
	else if (!strcmp(mode, "write"))
		m = 1;
	else if (!strcmp(mode, "jansson-parse"))
		m = 2;
	else if (!strcmp(mode, "jansson-dump"))
		m = 3;
	else {
		tx_error("usage: codec-bench parse|write|jansson-parse|jansson-dump < records");
		return TX_EXIT_USAGE;
	}
	tx_lines_init(&in, 0, "-");
	tx_out_init(&out, 1, "stdout");
	tx_record_init(&r);
	while (tx_lines_next(&in, &line, &len) == 1) {
		n++;
		if (m < 2) {
			if (tx_record_parse(&r, line, len, TX_PARSE_REQUIRE)) {
				bad++;
				continue;
			}
			sum += r.amount;
			if (m == 1) {
				tx_record_write(tx_out_buf(&out), &r, edits, 2, TX_WRITE_CANONICAL);
				tx_buf_addch(tx_out_buf(&out), '\n');
				if (tx_out_end_line(&out))
					break;
			}
		} else {
			json_error_t err;
			json_t *j = json_loadb(line, len, 0, &err);
			if (!j) {
				bad++;
				continue;
			}
			if (m == 3) {
				struct tx_buf *b = tx_out_buf(&out);
				size_t need =
				    json_dumpb(j, NULL, 0, JSON_COMPACT | JSON_PRESERVE_ORDER);
				tx_buf_grow(b, need + 1);
				b->len += json_dumpb(j, b->p + b->len, need,
						     JSON_COMPACT | JSON_PRESERVE_ORDER);
				tx_buf_addch(b, '\n');
				if (tx_out_end_line(&out))
					break;
			}
			json_decref(j);
		}
	}
	fprintf(stderr, "%lu %lu %lld\n", n, bad, (long long)sum);
	tx_record_release(&r);
	tx_lines_release(&in);
	return tx_out_close(&out) ? TX_EXIT_IO : TX_EXIT_OK;
}

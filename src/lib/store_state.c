/*
 * store_state.c: `txstore state` (see store_state.h). The balances come
 * first, then the transactions, so that txbal --init creates each account
 * entry from its balance line before a transaction names it.
 */
#include <string.h>

#include "buf.h"
#include "store_impl.h"
#include "store_state.h"
#include "tx.h"

struct state_ctx {
	struct tx_out *out;
};

/* transaction_id, account, currency, type, amount, counterparty, status, deleted (0/1) */
static int state_row(void *ctx, int ncols, const char *const *v)
{
	struct state_ctx *sc = ctx;
	struct tx_buf *o = tx_out_buf(sc->out);

	if (ncols != 8 || !v[0] || !v[1] || !v[2] || !v[6])
		return tx_error("state: unexpected row");
	tx_buf_adds(o, "{\"transaction_id\":");
	tx_buf_add_json_string(o, v[0], strlen(v[0]));
	tx_buf_adds(o, ",\"account\":");
	tx_buf_add_json_string(o, v[1], strlen(v[1]));
	tx_buf_adds(o, ",\"currency\":");
	tx_buf_add_json_string(o, v[2], strlen(v[2]));
	if (v[3]) {
		tx_buf_adds(o, ",\"type\":");
		tx_buf_add_json_string(o, v[3], strlen(v[3]));
	}
	if (v[4]) {
		tx_buf_adds(o, ",\"amount\":");
		tx_store_add_decimal(o, v[4], v[2], 0);
	}
	if (v[5]) {
		tx_buf_adds(o, ",\"counterparty\":");
		tx_buf_add_json_string(o, v[5], strlen(v[5]));
	}
	tx_buf_adds(o, ",\"status\":");
	tx_buf_add_json_string(o, v[6], strlen(v[6]));
	if (v[7] && strcmp(v[7], "0"))
		tx_buf_adds(o, ",\"deleted\":true");
	tx_buf_adds(o, "}\n");
	return tx_out_end_line(sc->out) < 0 ? -1 : 0;
}

#define STATE_COLUMNS "transaction_id, account, currency, type, amount, counterparty, status, "

int tx_store_print_state(struct tx_store *st, struct tx_out *out)
{
	struct state_ctx sc = {out};
	const char *sql =
	    st->dialect == TXS_PG
		? "SELECT " STATE_COLUMNS "CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END "
		  "FROM transactions ORDER BY stored_at, source_topic, source_partition, "
		  "source_offset, transaction_id COLLATE \"C\""
		: "SELECT " STATE_COLUMNS "deleted_at IS NOT NULL FROM transactions ORDER BY rowid";

	if (tx_store_print_balances(st, out) < 0)
		return -1;
	if (st->be->query(st, sql, 0, NULL, state_row, &sc) != TXS_OK)
		return out->err ? -1 : tx_error("%s: %s", st->shown, st->errmsg);
	return 0;
}

/* PaySim CSV rows: see paysim.h. */
#include <stdio.h>
#include <string.h>

#include "money.h"
#include "paysim.h"
#include "timefmt.h"

const char tx_paysim_header[] = "step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,"
				"oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud";

enum {
	C_STEP,
	C_TYPE,
	C_AMOUNT,
	C_ORIG,
	C_OLDORIG,
	C_NEWORIG,
	C_DEST,
	C_OLDDEST,
	C_NEWDEST,
	C_FRAUD,
	C_FLAGGED,
	NCOLS
};
static const char *const col_name[NCOLS] = {
    "step",	"type",		  "amount",	    "nameOrig", "oldbalanceOrg",  "newbalanceOrig",
    "nameDest", "oldbalanceDest", "newbalanceDest", "isFraud",	"isFlaggedFraud",
};

static const struct {
	const char *text;
	enum tx_type type;
} types[] = {
    {"CASH_IN", TX_TYPE_DEPOSIT}, {"CASH_OUT", TX_TYPE_WITHDRAWAL}, {"DEBIT", TX_TYPE_WITHDRAWAL},
    {"PAYMENT", TX_TYPE_PAYMENT}, {"TRANSFER", TX_TYPE_TRANSFER},
};

static size_t strip_cr(const char *line, size_t len)
{
	return len && line[len - 1] == '\r' ? len - 1 : len;
}

int tx_paysim_is_header(const char *line, size_t len)
{
	len = strip_cr(line, len);
	return len == sizeof(tx_paysim_header) - 1 && !memcmp(line, tx_paysim_header, len);
}

/* Values quoted in messages are cut at this many bytes. */
#define SHOW	 40
#define ERR(...) (snprintf(err, errsz, __VA_ARGS__), -1)
/* A column for a message: at most SHOW bytes, control and non-ASCII bytes as '?'. */
#define SHOWN(k) (int)show_col(shown, col[k], clen[k]), shown

static size_t show_col(char *dst, const char *s, size_t n)
{
	size_t i;

	if (n > SHOW)
		n = SHOW;
	for (i = 0; i < n; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	return n;
}

static int is_decimal(const char *s, size_t n)
{
	size_t i = 0, digits = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (!digits)
		return 0;
	if (i < n && s[i] == '.') {
		for (digits = 0, i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
		if (!digits)
			return 0;
	}
	return i == n;
}

static int is_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == ':' || c == '-'))
			return 0;
	}
	return 1;
}

int tx_paysim_parse(const char *line, size_t len, int exponent, struct tx_paysim_row *row,
		    char *err, size_t errsz)
{
	const char *col[NCOLS];
	char shown[SHOW];
	size_t clen[NCOLS], i, start = 0;
	int n = 0, k;
	enum tx_money_err me;

	len = strip_cr(line, len);
	if (len == 0)
		return ERR("empty row");
	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ',')
			continue;
		if (n < NCOLS) {
			col[n] = line + start;
			clen[n] = i - start;
		}
		n++;
		start = i + 1;
	}
	if (n != NCOLS)
		return ERR("expected %d columns, found %d", NCOLS, n);

	row->step = 0;
	for (i = 0; i < clen[C_STEP] && col[C_STEP][i] >= '0' && col[C_STEP][i] <= '9'; i++)
		if ((row->step = row->step * 10 + (col[C_STEP][i] - '0')) > 100000000)
			break;
	if (i == 0 || i != clen[C_STEP] || row->step < 1)
		return ERR("step '%.*s' is not a positive integer up to 100000000", SHOWN(C_STEP));

	row->type = TX_TYPE_NONE;
	for (k = 0; k < (int)(sizeof(types) / sizeof(types[0])); k++)
		if (clen[C_TYPE] == strlen(types[k].text) &&
		    !memcmp(col[C_TYPE], types[k].text, clen[C_TYPE])) {
			row->type = types[k].type;
			row->type_text = types[k].text;
		}
	if (row->type == TX_TYPE_NONE)
		return ERR("unknown type '%.*s' (expected CASH_IN, CASH_OUT, DEBIT, PAYMENT or "
			   "TRANSFER)",
			   SHOWN(C_TYPE));

	me = tx_money_parse(col[C_AMOUNT], clen[C_AMOUNT], exponent, &row->amount);
	if (me != TX_MONEY_OK)
		return ERR("amount '%.*s' %s", SHOWN(C_AMOUNT), tx_money_strerror(me, exponent));
	if (row->amount < 0)
		return ERR("amount '%.*s' is negative", SHOWN(C_AMOUNT));

	for (k = 0; k < NCOLS; k++) {
		if (k == C_ORIG || k == C_DEST) {
			if (!is_name(col[k], clen[k]))
				return ERR("%s '%.*s' is not an account name", col_name[k],
					   SHOWN(k));
		} else if (k == C_OLDORIG || k == C_NEWORIG || k == C_OLDDEST || k == C_NEWDEST) {
			if (!is_decimal(col[k], clen[k]))
				return ERR("%s '%.*s' is not a plain decimal number", col_name[k],
					   SHOWN(k));
			if (k == C_OLDORIG) {
				row->old_orig_err =
				    tx_money_parse(col[k], clen[k], exponent, &row->old_orig);
				row->old_orig_text = (struct tx_str){col[k], clen[k]};
			} else if (k == C_OLDDEST) {
				row->old_dest_err =
				    tx_money_parse(col[k], clen[k], exponent, &row->old_dest);
				row->old_dest_text = (struct tx_str){col[k], clen[k]};
			}
		} else if (k == C_FRAUD || k == C_FLAGGED) {
			if (clen[k] != 1 || (col[k][0] != '0' && col[k][0] != '1'))
				return ERR("%s '%.*s' is not 0 or 1", col_name[k], SHOWN(k));
		}
	}
	if (row->type == TX_TYPE_TRANSFER && clen[C_ORIG] == clen[C_DEST] &&
	    !memcmp(col[C_ORIG], col[C_DEST], clen[C_ORIG]))
		return ERR("a TRANSFER from '%.*s' to itself", SHOWN(C_ORIG));
	row->orig.p = col[C_ORIG];
	row->orig.len = clen[C_ORIG];
	row->dest.p = col[C_DEST];
	row->dest.len = clen[C_DEST];
	row->is_fraud = col[C_FRAUD][0] == '1';
	row->is_flagged = col[C_FLAGGED][0] == '1';
	return 0;
}

void tx_paysim_write(struct tx_buf *b, const struct tx_paysim_row *row, uint64_t lineno,
		     const struct tx_currency *cur, int64_t ts_us)
{
	static const char *const name[TX_TYPE__COUNT] = {
	    NULL, "deposit", "withdrawal", "payment", "transfer", "fee", "refund",
	};

	tx_buf_adds(b, "{\"transaction_id\":\"ps-");
	tx_buf_add_uint(b, lineno);
	tx_buf_adds(b, "\",\"account\":");
	tx_buf_add_json_string(b, row->orig.p, row->orig.len);
	tx_buf_adds(b, ",\"type\":\"");
	tx_buf_adds(b, name[row->type]);
	tx_buf_adds(b, "\",\"amount\":");
	tx_money_format(b, row->amount, cur->exponent);
	tx_buf_adds(b, ",\"currency\":\"");
	tx_buf_add(b, cur->code, 3);
	tx_buf_adds(b, "\",\"ts\":\"");
	tx_time_format(b, ts_us);
	tx_buf_adds(b, "\",\"status\":\"completed\"");
	if (row->type == TX_TYPE_TRANSFER) {
		tx_buf_adds(b, ",\"counterparty\":");
		tx_buf_add_json_string(b, row->dest.p, row->dest.len);
	} else if (row->type == TX_TYPE_PAYMENT) {
		tx_buf_adds(b, ",\"merchant\":");
		tx_buf_add_json_string(b, row->dest.p, row->dest.len);
	}
	if (row->is_fraud)
		tx_buf_adds(b, ",\"anomaly\":\"paysim_fraud\"");
	tx_buf_adds(b, "}\n");
}

void tx_paysim_write_opening(struct tx_buf *b, struct tx_str account, int64_t amount,
			     const struct tx_currency *cur, int64_t ts_us)
{
	tx_buf_adds(b, "{\"transaction_id\":\"ps-open-");
	tx_buf_add(b, account.p, account.len); /* a name needs no escape */
	tx_buf_adds(b, "\",\"account\":");
	tx_buf_add_json_string(b, account.p, account.len);
	tx_buf_adds(b, ",\"type\":\"deposit\",\"amount\":");
	tx_money_format(b, amount, cur->exponent);
	tx_buf_adds(b, ",\"currency\":\"");
	tx_buf_add(b, cur->code, 3);
	tx_buf_adds(b, "\",\"ts\":\"");
	tx_time_format(b, ts_us);
	tx_buf_adds(b, "\",\"status\":\"completed\",\"opening_balance\":true}\n");
}

int64_t tx_paysim_ts(int64_t start_us, int64_t step, uint64_t k)
{
	int64_t offset = (int64_t)((unsigned __int128)3600000000u * k / (k + 100));

	return start_us + (step - 1) * 3600ll * 1000000 + offset;
}

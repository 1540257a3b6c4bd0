/*
 * paysim.h: rows of a CSV in the PaySim schema (Lopez-Rojas et al., the
 * "Synthetic Financial Datasets For Fraud Detection" set), for txgen
 * --paysim:
 *
 *   step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,
 *   oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud
 *
 * step is a positive integer (hours), type one of CASH_IN, CASH_OUT, DEBIT,
 * PAYMENT, TRANSFER, amount and the balances plain decimals (>= 0), names
 * account names ([A-Za-z0-9_.:-], 1 to 64 bytes), the flags 0 or 1. No
 * quoting (PaySim writes none). A trailing '\r' is ignored.
 *
 * Ownership: a parsed row borrows the line (the names point into it).
 */
#ifndef TX_PAYSIM_H
#define TX_PAYSIM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "money.h"
#include "record.h"

/* The header line of a PaySim CSV, without its '\n'. */
extern const char tx_paysim_header[];

struct tx_paysim_row {
	int64_t step;
	enum tx_type type; /* CASH_IN deposit; CASH_OUT, DEBIT withdrawal; PAYMENT; TRANSFER */
	const char *type_text;
	int64_t amount; /* minor units at the exponent given to the parser */
	struct tx_str orig, dest;
	/*
	 * oldbalanceOrg and oldbalanceDest like amount, with their text; the
	 * error is TX_MONEY_OK unless the value does not fit the currency (a
	 * row is not refused for that: only the opening balances need it).
	 */
	int64_t old_orig, old_dest;
	struct tx_str old_orig_text, old_dest_text;
	enum tx_money_err old_orig_err, old_dest_err;
	int is_fraud, is_flagged;
};

/* 1 when the line is the PaySim header (a trailing '\r' allowed), else 0. */
int tx_paysim_is_header(const char *line, size_t len);

/*
 * Parse one row (without its '\n'), the amount at the currency's exponent.
 * Returns 0, or -1 with err holding what is wrong ("expected 11 columns,
 * found 9", "unknown type 'FOO'", ...), without source or line.
 */
int tx_paysim_parse(const char *line, size_t len, int exponent, struct tx_paysim_row *row,
		    char *err, size_t errsz);

/*
 * The record of a row: "ps-<lineno>" as transaction_id (stable, so a
 * replay of the same file is idempotent downstream), nameOrig as account,
 * the canonical type, nameDest as counterparty of a TRANSFER and as
 * merchant of a PAYMENT, "anomaly":"paysim_fraud" when isFraud is 1.
 * Appends one line, '\n' included.
 */
void tx_paysim_write(struct tx_buf *b, const struct tx_paysim_row *row, uint64_t lineno,
		     const struct tx_currency *cur, int64_t ts_us);

/*
 * An opening deposit: the balance an account had before the file's first
 * row that names it (oldbalanceOrg, or oldbalanceDest of a transfer), as a
 * completed deposit with "ps-open-<account>" as transaction_id and
 * "opening_balance":true, so the ledger starts where PaySim's did. Appends
 * one line, '\n' included.
 */
void tx_paysim_write_opening(struct tx_buf *b, struct tx_str account, int64_t amount,
			     const struct tx_currency *cur, int64_t ts_us);

/*
 * The time of a row: step 1 is the hour starting at start_us, step 2 the
 * next hour, and so on. Within its hour, the k-th row of a step (k from 0)
 * comes 3600 s * k / (k + 100) after the hour's start: rows keep their file
 * order, the first hundred spread over half an hour, and however many rows
 * a step has, they all stay inside its hour.
 */
int64_t tx_paysim_ts(int64_t start_us, int64_t step, uint64_t k);

#endif

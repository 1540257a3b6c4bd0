/*
 * logfmt.h: records as lines people read (txlog(1) is the user's view).
 *
 * Two ways to turn a parsed record (record.h) into one line of text:
 *
 * - tx_logfmt_default(): the fixed, aligned layout txlog prints by default:
 *     TS ID ACCOUNT TYPE SIGNED_AMOUNT CUR  bal BALANCE  STATUS  extras
 *   (alert and aggregate records have layouts of their own),
 *   written by hand into a struct tx_buf, no printf per field.
 *
 * - a template ("{ts} {account:-10} {signed_amount} {currency}"), compiled
 *   once with tx_logfmt_compile() and applied per record with
 *   tx_logfmt_apply(). {name} is a computed field (signed_amount, alerts,
 *   json), a field txkit knows (written in canonical form: ts, type, amount,
 *   currency, status, op) or any other top-level member by name (its text);
 *   a member the record lacks is empty. {name:N} right-aligns in N columns,
 *   {name:-N} left-aligns; "{{" and "}}" are literal braces; "\t", "\n" and
 *   "\\" are a tab, a newline and a backslash.
 *
 * Colour (TX_LOGFMT_COLOR) uses ANSI SGR sequences around the parts that
 * carry meaning: credits green, pending yellow, failed red, alerts bold red.
 * Widths count characters (UTF-8 code points), never escape sequences.
 *
 * Ownership: a compiled template owns its copy of the text; release it with
 * tx_logfmt_release(). The formatting functions append to the caller's
 * buffer and may decode strings into the record's scratch buffer (so the
 * record is not const), nothing else.
 */
#ifndef TX_LOGFMT_H
#define TX_LOGFMT_H

#include <stddef.h>

#include "buf.h"
#include "record.h"

enum {
	TX_LOGFMT_COLOR = 1 << 0, /* add ANSI colour sequences */
};

/* One piece of a compiled template: literal text, or a field. */
struct tx_logfmt_part {
	int kind;	 /* internal: literal, computed field, known field, member by name */
	int field;	 /* enum tx_field, or the computed field's number */
	int width;	 /* minimum width in characters, 0 for none */
	int left;	 /* left-align (pad on the right) */
	size_t off, len; /* the literal text or the field name, in text */
};

struct tx_logfmt {
	char *text; /* owned: literals (escapes resolved) and names */
	struct tx_logfmt_part *parts;
	size_t nparts;
};

/*
 * Compile a template. Returns 0, or -1 with a message in err (errlen bytes,
 * e.g. "unclosed '{' at offset 7"); nothing to release after a failure.
 */
int tx_logfmt_compile(struct tx_logfmt *f, const char *tmpl, char *err, size_t errlen);
void tx_logfmt_release(struct tx_logfmt *f);

/* Append one record as the template says (no '\n'). */
void tx_logfmt_apply(const struct tx_logfmt *f, struct tx_buf *out, struct tx_record *r,
		     unsigned flags);

/*
 * What a parsed line is: a transaction record (anything with a type, an
 * amount or an op, and anything else not below), one of txbal's alert
 * records ("alert" member) or one of its aggregate records
 * ("window_start"). Each has its own default layout.
 */
enum tx_logfmt_kind { TX_LOGFMT_TRANSACTION, TX_LOGFMT_ALERT, TX_LOGFMT_AGGREGATE };
enum tx_logfmt_kind tx_logfmt_kind(const struct tx_record *r);
/* Whether an alert record's "kind" is "notice" (txbal's low_balance, overdraft). */
int tx_logfmt_alert_is_notice(struct tx_record *r);

/*
 * Append one record in the default layout (no '\n', no trailing blanks):
 *   TS ID ACCOUNT TYPE SIGNED_AMOUNT CUR  bal BALANCE  STATUS  extras
 * for a transaction,
 *   TS ID ACCOUNT alert      RULE (KIND): DETAIL
 * for an alert record, and
 *   WINDOW_START - ACCOUNT aggregate  1h window, N transactions, debits D CUR,
 *   credits C CUR (TYPE N, ...)
 * for an aggregate record (one line).
 */
void tx_logfmt_default(struct tx_buf *out, struct tx_record *r, unsigned flags);

/* Whether the record carries a non-empty "alerts" array. */
int tx_logfmt_has_alerts(const struct tx_record *r);

/*
 * The effective status word: the "status" member, else "completed" for a
 * create (a create without a status is complete), else "" (NULL never).
 */
const char *tx_logfmt_status(const struct tx_record *r);

#endif

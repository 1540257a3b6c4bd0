/*
 * The record codec's writer: tx_record_write() (see record.h). It copies
 * the line it was parsed from and splices in only what changes, so members
 * txkit does not know pass through byte for byte.
 */
#include <string.h>

#include "fastpath.h"
#include "json.h"
#include "money.h"
#include "record.h"
#include "record_impl.h"

/* The canonical text of a known value at w (room reserved); returns the new end. */
static char *put_canonical_value(char *w, struct tx_buf *out, const struct tx_record *r, int f)
{
	const char *word = "";
	size_t n;

	switch (f) {
	case TX_F_AMOUNT:
		out->len = (size_t)(w - out->p);
		tx_money_format(out, r->amount, r->currency->exponent); /* fits: no realloc */
		return out->p + out->len;
	case TX_F_TYPE: word = tx_type_name(r->type); break;
	case TX_F_STATUS: word = tx_status_name(r->status); break;
	case TX_F_OP: word = tx_op_name(r->op); break;
	case TX_F_CURRENCY: word = r->currency->code; break;
	}
	n = strlen(word);
	*w++ = '"';
	memcpy(w, word, n);
	w += n;
	*w++ = '"';
	return w;
}

/*
 * n bytes from s to w, for the short runs of the writer (names, values,
 * the few bytes between members): overlapping word moves instead of a call
 * to memcpy. Reads and writes only s[0..n) and w[0..n).
 */
static inline char *put_bytes(char *w, const char *s, size_t n)
{
	uint64_t a, b;

	if (n > 16) {
		if (n > 32) {
			memcpy(w, s, n);
			return w + n;
		}
		/* 17 to 32: 16 from the start, 16 up to the end */
		char t[16], u[16];
		memcpy(t, s, 16);
		memcpy(u, s + n - 16, 16);
		memcpy(w, t, 16);
		memcpy(w + n - 16, u, 16);
	} else if (n >= 8) {
		a = ld8(s);
		b = ld8(s + n - 8);
		memcpy(w, &a, 8);
		memcpy(w + n - 8, &b, 8);
	} else if (n >= 4) {
		uint32_t c = ld4(s), d = ld4(s + n - 4);
		memcpy(w, &c, 4);
		memcpy(w + n - 4, &d, 4);
	} else if (n) {
		w[0] = s[0];
		w[n / 2] = s[n / 2];
		w[n - 1] = s[n - 1];
	}
	return w + n;
}

#define MEMBER_HEAD_COPY TX_RECORD_HEAD_COPY /* the longest: ,"counterparty_balance": */

/*
 * tx_record_write()'s append-only fast case (TX_FAST_PLAIN), when
 * tx_record_append_ok() and each field is edited once, none removed: the
 * edits of members present replace their values in place (in the order
 * of the members), the others are appended in the order given. Returns 0,
 * having written nothing, for edits that are not such: the general splice
 * below writes them (TX_REFERENCE=plain: always it), the same bytes.
 */
static inline int write_append(struct tx_buf *out, const struct tx_record *r,
			       const struct tx_edit *edits, size_t nedits, unsigned flags)
{
	struct tx_edit set[TX_F__COUNT]; /* the edits of members present, in their order */
	size_t nset = 0, i, room = 0;
	unsigned seen = 0;
	char *w;

	if (!tx_record_append_ok(r, flags))
		return 0;
	for (i = 0; i < nedits; i++) {
		unsigned f = (unsigned)edits[i].field;
		int at;
		if (f >= TX_F__COUNT || (seen >> f & 1))
			return 0;
		seen |= 1u << f;
		room += edits[i].len + 32; /* ,"name": */
		if ((at = r->idx[f]) < 0)
			continue;
		if (!edits[i].value)
			return 0; /* a removal */
		size_t k = nset++;
		while (k > 0 && r->idx[set[k - 1].field] > at) {
			set[k] = set[k - 1];
			k--;
		}
		set[k] = edits[i];
	}
	w = tx_record_append_begin(out, r, room, nset ? set : NULL, nset);
	for (i = 0; i < nedits; i++) {
		const struct tx_edit *ed = &edits[i];
		if (!ed->value || r->idx[ed->field] >= 0)
			continue; /* removing an absent member: nothing to do */
		w = tx_record_put_member(w, ed->field);
		w = put_bytes(w, ed->value, ed->len);
	}
	w = tx_record_append_end(r, w);
	out->len = (size_t)(w - out->p);
	*w = '\0';
	return 1;
}

/*
 * Copy the line, splicing: the output is the original bytes from `from` up
 * to each change, the change, and so on. A removed member takes its right
 * separator with it (its left one when no kept member follows), so the
 * whitespace around the others stays as it was. The room needed is reserved
 * once, so the copying below needs no checks.
 */
void tx_record_write(struct tx_buf *out, const struct tx_record *r, const struct tx_edit *edits,
		     size_t nedits, unsigned flags)
{
	const char *line = r->line, *end = line + r->len, *from = line;
	const struct tx_member *mem = r->members;
	int canonical = flags & TX_WRITE_CANONICAL, last_kept = -1, wrote = 0;
	const struct tx_edit *fe[TX_F__COUNT]; /* the edit of each field: the last wins */
	unsigned edited = 0;		       /* bit f: fe[f] is set */
	int touch[TX_F__COUNT];		       /* the members to look at, see below */
	size_t ntouch = 0;
	const char *tail;
	size_t i, room = r->len + MEMBER_HEAD_COPY;
	char *w;

	if (write_append(out, r, edits, nedits, flags))
		return;
	for (i = 0; i < nedits; i++)
		if ((unsigned)edits[i].field < TX_F__COUNT) {
			fe[edits[i].field] = &edits[i];
			edited |= 1u << edits[i].field;
			room += edits[i].len + 32; /* ,"name": */
		}
	if (canonical)
		room += 64 * TX_F__COUNT; /* a canonical key and value for each known field */
	tx_buf_grow(out, room);
	w = out->p + out->len;

#define PUT(src, n) (w = put_bytes(w, (src), (n)))
#define FLUSH(to)                                                                                  \
	do {                                                                                       \
		PUT(from, (size_t)((to)-from));                                                    \
		from = (to);                                                                       \
	} while (0)
#define EDIT_OF(i) (mem[i].field >= 0 && (edited >> mem[i].field & 1) ? fe[mem[i].field] : NULL)

	for (i = r->nmembers; i-- > 0;) {
		const struct tx_edit *ed = EDIT_OF(i);
		if (!ed || ed->value) {
			last_kept = (int)i;
			break;
		}
	}
	/*
	 * The members to look at: every known one, or, when none needs its
	 * canonical form written (or none is asked for), only the edited ones
	 * present, in their order.
	 */
	if (!r->repeated && (!canonical || r->ncanonical == r->nknown)) {
		for (unsigned x = edited; x; x &= x - 1) {
			int at = r->idx[__builtin_ctz(x)];
			if (at >= 0 && at <= last_kept) {
				int k = (int)ntouch++;
				while (k > 0 && touch[k - 1] > at) {
					touch[k] = touch[k - 1];
					k--;
				}
				touch[k] = at;
			}
		}
	} else {
		for (i = 0; (int)i <= last_kept; i++)
			if (mem[i].field >= 0)
				touch[ntouch++] = (int)i;
	}
	for (size_t t = 0; t < ntouch; t++) {
		const struct tx_member *m = &mem[touch[t]];
		const struct tx_edit *ed;
		int f = m->field;

		i = (size_t)touch[t];
		ed = EDIT_OF(i);
		if (!ed && (!canonical || (m->flags & TX_MEMBER_CANONICAL)))
			continue;
		if (ed && !ed->value) { /* removed, with its right separator */
			FLUSH(line + m->key_off - 1);
			from = line + mem[i + 1].key_off - 1;
			continue;
		}
		if (canonical &&
		    (m->key_len != tx_record_field_name_len[f] ||
		     !name_eq(line + m->key_off, tx_record_field_names[f], m->key_len))) {
			FLUSH(line + m->key_off - 1);
			*w++ = '"';
			PUT(tx_record_field_names[f], tx_record_field_name_len[f]);
			*w++ = '"';
			from = line + m->key_off + m->key_len + 1;
		}
		if (ed) {
			FLUSH(line + m->val_off);
			PUT(ed->value, ed->len);
			from = line + m->val_off + m->val_len;
		} else if (!tx_record_value_canonical(r, m)) {
			FLUSH(line + m->val_off);
			w = put_canonical_value(w, out, r, f);
			from = line + m->val_off + m->val_len;
		}
	}
	/* new fields go after the last member kept, in the order given (the last edit wins) */
	if (last_kept >= 0) {
		FLUSH(line + mem[last_kept].val_off + mem[last_kept].val_len);
		wrote = 1;
	} else if (r->nmembers) {
		FLUSH(line + mem[0].key_off - 1);
	} else {
		FLUSH(tx_json_skip_ws(line, end) + 1); /* just past '{' */
	}
	tail =
	    r->nmembers ? line + mem[r->nmembers - 1].val_off + mem[r->nmembers - 1].val_len : from;
	for (i = 0; i < nedits; i++) {
		const struct tx_edit *ed = &edits[i];
		const char *head;
		size_t hl;
		if (!ed->value || (unsigned)ed->field >= TX_F__COUNT || r->idx[ed->field] >= 0 ||
		    fe[ed->field] != ed)
			continue;
		/* ,"name": (without the comma for the first member), 24 bytes moved at once */
		head = tx_record_member_head[ed->field] + !wrote;
		hl = tx_record_field_name_len[ed->field] + 3u + (wrote ? 1u : 0u);
		memcpy(w, head, MEMBER_HEAD_COPY);
		w += hl;
		PUT(ed->value, ed->len);
		wrote = 1;
	}
	from = tail;
	FLUSH(end);
	out->len = (size_t)(w - out->p);
	out->p[out->len] = '\0';
#undef EDIT_OF
#undef FLUSH
#undef PUT
}

void tx_record_splice_member(struct tx_buf *out, const char *obj, size_t len, const char *at,
			     const char *at_end, enum tx_field f, const char *value, size_t vlen)
{
	size_t j = len, first;
	char *w;

	if (out->cap - out->len <= len + vlen + MEMBER_HEAD_COPY)
		tx_buf_grow(out, len + vlen + MEMBER_HEAD_COPY);
	w = out->p + out->len;
	if (at) { /* in place */
		w = put_bytes(w, obj, (size_t)(at - obj));
		w = put_bytes(w, value, vlen);
		w = put_bytes(w, at_end, (size_t)(obj + len - at_end));
	} else {
		/* the closing brace, then back over the whitespace ahead of it */
		while (j > 0 && obj[j - 1] != '}')
			j--;
		j--;
		while (j > 0 && tx_json_is_ws(obj[j - 1]))
			j--;
		first = obj[j - 1] == '{';
		w = put_bytes(w, obj, j);
		memcpy(w, tx_record_member_head[f] + first, MEMBER_HEAD_COPY);
		w += tx_record_member_head_len[f] - first;
		w = put_bytes(w, value, vlen);
		w = put_bytes(w, obj + j, len - j);
	}
	out->len = (size_t)(w - out->p);
	*w = '\0';
}

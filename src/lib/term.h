/*
 * term.h: record text made safe to show on a terminal.
 *
 * Ids, accounts and any other text of a record are the sender's: shown
 * raw, an ESC (CSI, OSC: "\033]0;title\007" sets the window title), a C1
 * control (U+009B is CSI on many terminals) or a bidirectional override
 * (U+202E turns the rest of the line around) would let a record repaint the
 * screen or disguise what it says. Every program that writes record text
 * for people (txlog, txtop, txstore report --table) passes it through
 * tx_term_clean() first, so they all replace the same things:
 *   - C0 controls U+0000-U+001F (ESC, BEL, CR, LF, TAB included) and DEL;
 *   - C1 controls U+0080-U+009F, as UTF-8 (C2 80-C2 9F);
 *   - the bidi embeddings and overrides U+202A-U+202E and isolates
 *     U+2066-U+2069;
 *   - any byte that does not start a well-formed UTF-8 sequence (a raw
 *     0x9B is CSI to a terminal that is not in UTF-8 mode).
 * Each of them becomes one replacement byte, chosen by the caller (txlog a
 * blank, txtop and txstore '?'); everything else is copied as it is.
 */
#ifndef TX_TERM_H
#define TX_TERM_H

#include <stddef.h>

#include "buf.h"

/*
 * Write the n bytes at s to dst, cleaned; returns the length written,
 * never more than n (so dst may be s: cleaning in place). No '\0' added.
 */
size_t tx_term_clean(char *dst, const char *s, size_t n, char repl);

/* Append s cleaned to b (kept '\0'-terminated). */
void tx_buf_add_term(struct tx_buf *b, const char *s, size_t n, char repl);

#endif

/* Unit tests for term.c: record text made safe for a terminal (term.h). */
#include <string.h>

#include "buf.h"
#include "term.h"
#include "unit.h"

/* clean(in, n, want): tx_term_clean() with '?' turns in (n bytes, 0: strlen) into want */
static void clean(const char *in, size_t n, const char *want, const char *what)
{
	char out[256];
	size_t len;

	if (!n)
		n = strlen(in);
	len = tx_term_clean(out, in, n, '?');

	out[len] = '\0';
	CHECK(len <= n, "never longer than the input");
	CHECK_EQ_STR(out, want, what);
}

int cmd_main(int argc, char **argv);
int cmd_main(int argc, char **argv)
{
	struct tx_buf b = TX_BUF_INIT;
	char inplace[] = "a\033[31mb";

	(void)argc;
	(void)argv;
	clean("plain ASCII ~", 0, "plain ASCII ~", "printable ASCII is kept");
	clean("caf\303\251 \346\227\245\346\234\254 \342\206\222 \360\237\222\266", 0,
	      "caf\303\251 \346\227\245\346\234\254 \342\206\222 \360\237\222\266",
	      "UTF-8 of 2, 3 and 4 bytes is kept");
	clean("\033]0;PWNED\007x", 0, "?]0;PWNED?x", "ESC and BEL (an OSC title)");
	clean("a\000b\tc\rd\ne\177f", 11, "a?b?c?d?e?f", "NUL, TAB, CR, LF and DEL");
	clean("x\302\2330m", 0, "x?0m", "C1 CSI U+009B as UTF-8");
	clean("\302\200\302\237\302\240", 0, "??\302\240", "U+0080 and U+009F go, U+00A0 stays");
	clean("\342\200\252\342\200\256\342\200\257", 0, "??\342\200\257",
	      "U+202A and U+202E go, U+202F stays");
	clean("\342\201\245\342\201\246\342\201\251\342\201\252", 0, "\342\201\245??\342\201\252",
	      "U+2066-U+2069 go, U+2065 and U+206A stay");
	clean("\233x", 0, "?x", "a raw 0x9B byte (CSI to a non-UTF-8 terminal)");
	clean("\300\257\340\200\257\355\240\200", 0, "????????",
	      "overlong forms and a surrogate are not UTF-8: one '?' a byte");
	clean("\342\202", 0, "??", "a sequence cut short");
	clean("\364\220\200\200", 0, "????", "above U+10FFFF");
	inplace[tx_term_clean(inplace, inplace, strlen(inplace), ' ')] = '\0';
	CHECK_EQ_STR(inplace, "a [31mb", "in place, with a blank for txlog");
	tx_buf_adds(&b, "id=");
	tx_buf_add_term(&b, "\342\200\256x", 4, '?');
	CHECK_EQ_STR(b.p, "id=?x", "tx_buf_add_term() appends, NUL-terminated");
	tx_buf_release(&b);
	return unit_done();
}

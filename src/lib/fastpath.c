/* Switching the fast paths back to their slow references: see fastpath.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath.h"

unsigned tx_fast = TX_FAST_ALL;

static const struct {
	const char *name;
	unsigned bit;
} paths[] = {
    {"all", TX_FAST_ALL},	  {"plain", TX_FAST_PLAIN}, {"time", TX_FAST_TIME},
    {"guess", TX_FAST_GUESS},	  {"value", TX_FAST_VALUE}, {"simd", TX_FAST_SIMD},
    {"newline", TX_FAST_NEWLINE}, {"held", TX_FAST_HELD},   {"check", TX_FAST_CHECK},
    {"place", TX_FAST_PLACE},
};

int tx_fast_set(const char *reference)
{
	const char *p = reference, *e;
	unsigned fast = TX_FAST_ALL;
	size_t i, n;

	for (; p && *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, ",");
		n = (size_t)(e - p);
		if (!n)
			continue;
		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			if (strlen(paths[i].name) == n && !memcmp(paths[i].name, p, n))
				break;
		if (i == sizeof(paths) / sizeof(paths[0])) {
			/* not tx_error(): this runs before main(), in every program */
			fprintf(stderr,
				"txkit: TX_REFERENCE: unknown fast path '%.*s' (all, plain, time, "
				"guess, value, simd, newline, held, check): every fast path off\n",
				(int)n, p);
			tx_fast = 0;
			return -1;
		}
		fast &= ~paths[i].bit;
	}
	tx_fast = fast;
	return 0;
}

/* Before main(): any program or test that links a fast path links this file too. */
__attribute__((constructor)) static void fast_from_env(void)
{
	tx_fast_set(getenv("TX_REFERENCE"));
}

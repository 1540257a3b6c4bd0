/*
 * tests/unit.h: TAP output for C unit tests, counted and checked (unlike
 * kcat's, which never counted failures). Use:
 *
 *   CHECK(expr, "what it means");
 *   CHECK_EQ_INT(got, want, "name");
 *   CHECK_EQ_STR(got, want, "name");
 *   return unit_done();
 */
#ifndef TX_UNIT_H
#define TX_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int unit_count, unit_failed;

static inline void unit_report(int ok, const char *what, const char *file, int line)
{
	unit_count++;
	if (!ok)
		unit_failed++;
	printf("%sok %d - %s\n", ok ? "" : "not ", unit_count, what);
	if (!ok)
		printf("#   failed at %s:%d\n", file, line);
}

#define CHECK(expr, what) unit_report(!!(expr), what, __FILE__, __LINE__)
#define CHECK_EQ_INT(got, want, what)                                                          \
	do {                                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);                       \
		unit_report(g_ == w_, what, __FILE__, __LINE__);                               \
		if (g_ != w_)                                                                  \
			printf("#   got %lld, want %lld\n", g_, w_);                               \
	} while (0)
#define CHECK_EQ_STR(got, want, what)                                                          \
	do {                                                                                   \
		const char *g_ = (got), *w_ = (want);                                          \
		int ok_ = g_ && w_ && !strcmp(g_, w_);                                         \
		unit_report(ok_, what, __FILE__, __LINE__);                                    \
		if (!ok_)                                                                      \
			printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

static inline int unit_done(void)
{
	printf("1..%d\n", unit_count);
	return unit_failed ? 1 : 0;
}

#endif

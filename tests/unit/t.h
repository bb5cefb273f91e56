/* SPDX-License-Identifier: ISC */
#ifndef V6G_T_H
#define V6G_T_H

/*
 * A minimal unit-test harness.  CHECK() keeps working under NDEBUG (unlike
 * assert()) and does not stop at the first failure; t_done() returns the
 * exit status automake's test driver expects (0 pass, 1 fail).
 */

#include <stdio.h>
#include <string.h>

static int	t_failed, t_checks;

#define CHECK(expr) do {						\
	t_checks++;							\
	if (!(expr)) {							\
		t_failed++;						\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
		    __FILE__, __LINE__, #expr);				\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *t_a = (a), *t_b = (b);				\
	t_checks++;							\
	if (t_a == NULL || t_b == NULL || strcmp(t_a, t_b) != 0) {	\
		t_failed++;						\
		fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s\n"	\
		    "  got:      \"%s\"\n  expected: \"%s\"\n",		\
		    __FILE__, __LINE__, #a, #b,				\
		    t_a ? t_a : "(null)", t_b ? t_b : "(null)");	\
	}								\
} while (0)

#define CHECK_INT(a, b) do {						\
	long long t_a = (long long)(a), t_b = (long long)(b);		\
	t_checks++;							\
	if (t_a != t_b) {						\
		t_failed++;						\
		fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %s "	\
		    "(got %lld, expected %lld)\n",			\
		    __FILE__, __LINE__, #a, #b, t_a, t_b);		\
	}								\
} while (0)

static inline int
t_done(const char *name)
{
	fprintf(stderr, "%s: %d checks, %d failed\n", name, t_checks,
	    t_failed);
	return t_failed ? 1 : (t_checks ? 0 : 1);
}

#endif

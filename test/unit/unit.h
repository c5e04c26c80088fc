/*
 * unit.h
 *	  A minimal test harness for the core unit tests (no server needed).
 *
 * Each test/unit/test_<name>.c defines its test functions and a main() that
 * calls RUN(fn) for each, then returns unit_summary().  A failed CHECK
 * prints file:line and the expression and marks the current test failed.
 * Output: one "ok <name>" or "FAIL <name>" line per test, then
 * "<file>: N passed, N failed".
 */
#ifndef UNIT_H
#define UNIT_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "blas.h"

static int	unit_passed,
			unit_failed,
			unit_cur_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		unit_cur_failed = 1; \
	} } while (0)

#define CHECK_NEAR(a, b, tol) do { \
	double _a = (double) (a), _b = (double) (b); \
	if (!(fabs(_a - _b) <= (tol)) || isnan(_a) || isnan(_b)) { \
		fprintf(stderr, "  %s:%d: %s = %.9g, %s = %.9g, tolerance %g\n", \
				__FILE__, __LINE__, #a, _a, #b, _b, (double) (tol)); \
		unit_cur_failed = 1; \
	} } while (0)

#define RUN(fn) do { \
	unit_cur_failed = 0; \
	fn(); \
	if (unit_cur_failed) { unit_failed++; printf("FAIL %s\n", #fn); } \
	else { unit_passed++; printf("ok %s\n", #fn); } \
	fflush(stdout); \
	} while (0)

/*
 * OpenBLAS is dlopen()ed before main (blas.h), as _PG_init does in the
 * server; a test of the loading itself defines UNIT_NO_BLAS_LOAD.
 */
#ifndef UNIT_NO_BLAS_LOAD
__attribute__((constructor)) static void
unit_blas_load(void)
{
	rs_error	err;

	if (rs_blas_load(&err) != RS_OK)
	{
		fprintf(stderr, "%s\n", err.msg);
		exit(2);
	}
}
#endif

static inline int
unit_summary(const char *file)
{
	printf("%s: %d passed, %d failed\n", file, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif

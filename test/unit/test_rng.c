/*
 * test_rng.c
 *	  Unit tests of src/core/rng.c's float normals: the polar method and
 *	  the ziggurat against N(0, 1): moments, the Kolmogorov-Smirnov
 *	  distance to the normal CDF, and the tail beyond the ziggurat's last
 *	  layer (where its slow path takes over).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "unit.h"

#define NDRAWS 1000000

static int
cmp_float(const void *a, const void *b)
{
	float		x = *(const float *) a,
				y = *(const float *) b;

	return (x > y) - (x < y);
}

static void
check_normals(void (*fill) (rs_rng *, float *, int), const char *name)
{
	float	   *x = malloc(sizeof(float) * NDRAWS);
	rs_rng		rng;
	double		m1 = 0,
				m2 = 0,
				m3 = 0,
				m4 = 0,
				ks = 0;
	int			tail = 0;

	rs_rng_seed(&rng, 2026);
	/* odd pieces: the fill must not depend on n being even */
	fill(&rng, x, 7);
	fill(&rng, x + 7, NDRAWS - 7);
	for (int i = 0; i < NDRAWS; i++)
	{
		double		v = x[i];

		CHECK(isfinite(v));
		m1 += v;
		m2 += v * v;
		m3 += v * v * v;
		m4 += v * v * v * v;
		tail += fabs(v) > 3.442619855899;
	}
	m1 /= NDRAWS;
	m2 /= NDRAWS;
	m3 /= NDRAWS;
	m4 /= NDRAWS;
	qsort(x, NDRAWS, sizeof(float), cmp_float);
	for (int i = 0; i < NDRAWS; i++)
	{
		double		cdf = 0.5 * erfc(-x[i] / sqrt(2.0));

		ks = fmax(ks, fmax(fabs(cdf - (double) i / NDRAWS),
						   fabs(cdf - (double) (i + 1) / NDRAWS)));
	}
	printf("  %s: mean %.4f var %.4f skew %.4f kurt %.4f KS %.5f tail %d (expect %.0f)\n",
		   name, m1, m2, m3, m4, ks, tail, NDRAWS * erfc(3.442619855899 / sqrt(2.0)));
	/* standard errors at 1e6 draws: mean 0.001, var 0.0014, m3 0.0024, m4 0.0098 */
	CHECK(fabs(m1) < 0.005);
	CHECK(fabs(m2 - 1) < 0.007);
	CHECK(fabs(m3) < 0.012);
	CHECK(fabs(m4 - 3) < 0.05);
	/* KS: the 1% critical value at 1e6 draws is 1.63e-3 */
	CHECK(ks < 1.63e-3);
	/* tail: expected 576, sd 24 */
	CHECK(abs(tail - 576) < 120);
	free(x);
}

static void
test_normals_polar(void)
{
	check_normals(rs_rng_normals_f, "polar");
}

static void
test_normals_ziggurat(void)
{
	check_normals(rs_rng_normals_zig, "ziggurat");
}

/* Same seed, same numbers; different seeds, different numbers. */
static void
test_normals_deterministic(void)
{
	float		a[100],
				b[100];
	rs_rng		r1,
				r2;

	rs_rng_seed(&r1, 5);
	rs_rng_seed(&r2, 5);
	rs_rng_normals_zig(&r1, a, 100);
	rs_rng_normals_zig(&r2, b, 100);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	rs_rng_seed(&r2, 6);
	rs_rng_normals_zig(&r2, b, 100);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
}

int
main(void)
{
	RUN(test_normals_polar);
	RUN(test_normals_ziggurat);
	RUN(test_normals_deterministic);
	return unit_summary("test_rng");
}

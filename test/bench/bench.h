/*
 * bench.h
 *	  What the core benchmarks share: a monotonic clock, OpenBLAS loaded
 *	  as _PG_init loads it (blas.h) with a line naming the kernels that
 *	  run a benchmark's products, and the real encoded layout of the heart
 *	  minority (3139 rows of Heart Attack Risk = 1) they time the GAN on:
 *	  10 continuous columns (tanh + 10 modes each) and 15 categorical ones,
 *	  72 wide in all: data_dim 182, cond_dim 72, as src/core/encoder.c
 *	  encodes it (the generator's products: 200x256, 456x256, 712x182).
 */
#ifndef RS_BENCH_H
#define RS_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "blas.h"
#include "encoder.h"

/* Seconds on the monotonic clock (needs _POSIX_C_SOURCE >= 199309L). */
static inline double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Loads OpenBLAS (exits on failure) and prints "<products>: OpenBLAS
 * <core> (<how it was chosen>[; a fallback: ...])".  Returns what was
 * loaded.
 */
static inline const rs_blas_info *
bench_blas(const char *products)
{
	rs_error	err;
	const rs_blas_info *b;
	char		origin[96];

	if (rs_blas_load(&err) != RS_OK)
	{
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	b = rs_blas_get_info();
	printf("%s: OpenBLAS %s (%s", products, b->corename,
		   rs_blas_origin_text(b, origin, sizeof(origin)));
	if (b->fallback)
		printf("; a fallback: this CPU supports %s", b->wanted);
	if (b->own_sgemm)
		printf("; sgemm on raresynth's %s kernel", b->own_sgemm);
	printf(")\n");
	return b;
}

/*
 * Fills spans (at least 35) with the heart minority's encoding, columns
 * in table order; returns the span count; *dim (182), *cond_dim (72) set.
 */
static inline int
heart_spans(rs_span *spans, int *dim, int *cond_dim)
{
	/* 0: continuous; else a categorical column's width */
	static const int cols[] = {
		0 /* age */ , 2 /* sex */ , 0 /* cholesterol */ , 0 /* systolic */ ,
		0 /* diastolic */ , 0 /* heart_rate */ , 2 /* diabetes */ ,
		2 /* family_history */ , 2 /* smoking */ , 2 /* obesity */ ,
		2 /* alcohol_consumption */ , 0 /* exercise_hours_per_week */ ,
		3 /* diet */ , 2 /* previous_heart_problems */ , 2 /* medication_use */ ,
		10 /* stress_level */ , 0 /* sedentary_hours_per_day */ , 0 /* income */ ,
		0 /* bmi */ , 0 /* triglycerides */ , 8 /* physical_activity_days_per_week */ ,
		7 /* sleep_hours_per_day */ , 20 /* country */ , 6 /* continent */ ,
		2 /* hemisphere */ ,
	};
	int			ns = 0,
				pos = 0,
				cd = 0;

	for (int c = 0; c < (int) (sizeof(cols) / sizeof(cols[0])); c++)
	{
		if (cols[c] == 0)
		{
			spans[ns++] = (rs_span) {pos, 1, RS_ACT_TANH, c, 0};
			pos += 1;
			spans[ns++] = (rs_span) {pos, 10, RS_ACT_SOFTMAX, c, 0};
			pos += 10;
		}
		else
		{
			spans[ns++] = (rs_span) {pos, cols[c], RS_ACT_SOFTMAX, c, 1};
			pos += cols[c];
			cd += cols[c];
		}
	}
	*dim = pos;
	*cond_dim = cd;
	return ns;
}

/* The median of v[n] (sorted in place); the machine is shared, so medians. */
static inline int
bench_cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static inline double
bench_median(double *v, int n)
{
	qsort(v, n, sizeof(double), bench_cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* one product C[M, N] = op(A) op(B) of a training step; count: times per step */
typedef struct bench_product
{
	const char *what;
	int			ta,
				tb,
				M,
				N,
				K,
				count;
} bench_product;

/*
 * The step's products (nn.c: forward NT, backward data NN, weight gradient
 * TN).  Critic step: the generator's forward on 500 rows, the critic on
 * 150 groups (real, fake, interpolated), its weight gradient from 100, the
 * input gradient of the 50 interpolated, the gradient penalty's (50).
 * Generator step: the generator's forward and backward on 500, the critic
 * forward and input gradient on 50.
 */
static inline const bench_product *
bench_step_products(int *n)
{
	static const bench_product products[] = {
	{"gen L1 forward       ", 0, 1, 500, 256, 200, 2},
	{"gen L2 forward       ", 0, 1, 500, 256, 456, 2},
	{"gen out forward      ", 0, 1, 500, 182, 712, 2},
	{"gen out backward data", 0, 0, 500, 712, 182, 1},
	{"gen L2 backward data ", 0, 0, 500, 456, 256, 1},
	{"gen out weight grad  ", 1, 0, 182, 712, 500, 1},
	{"gen L2 weight grad   ", 1, 0, 256, 456, 500, 1},
	{"gen L1 weight grad   ", 1, 0, 256, 200, 500, 1},
	{"critic L1 fwd (150)  ", 0, 1, 150, 256, 2540, 1},
	{"critic L1 fwd (50)   ", 0, 1, 50, 256, 2540, 3},
	{"critic L2 fwd (150)  ", 0, 1, 150, 256, 256, 1},
	{"critic L2 fwd (50)   ", 0, 1, 50, 256, 256, 3},
	{"critic L1 bwd data   ", 0, 0, 50, 2540, 256, 2},
	{"critic L2 bwd data   ", 0, 0, 150, 256, 256, 1},
	{"critic L1 wgrad (100)", 1, 0, 256, 2540, 100, 1},
	{"critic L1 wgrad (50) ", 1, 0, 256, 2540, 50, 1},
	{"critic L2 wgrad (100)", 1, 0, 256, 256, 100, 1},
	{"critic L2 wgrad (50) ", 1, 0, 256, 256, 50, 1},
	};

	*n = (int) (sizeof(products) / sizeof(products[0]));
	return products;
}

#endif

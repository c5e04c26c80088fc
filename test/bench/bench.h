/*
 * bench.h
 *	  What the core benchmarks share: a monotonic clock, and the encoded
 *	  layout they time the GAN on: 5 continuous columns (tanh + 9 modes) and
 *	  11 categorical columns 60 wide in all: data_dim 110, cond_dim 60.
 *	  (The real heart minority encodes to 182 / 72 with up to 10 modes per
 *	  column; the SQL benchmarks use the real data.)
 */
#ifndef RS_BENCH_H
#define RS_BENCH_H

#include <time.h>

#include "encoder.h"

/* Seconds on the monotonic clock (needs _POSIX_C_SOURCE >= 199309L). */
static inline double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Fills spans (at least 21); returns the span count; *dim, *cond_dim set. */
static inline int
heart_spans(rs_span *spans, int *dim, int *cond_dim)
{
	static const int cat_w[] = {2, 2, 3, 4, 5, 7, 2, 2, 3, 10, 20};
	int			ns = 0,
				pos = 0,
				cd = 0;

	for (int i = 0; i < 5; i++)
	{
		spans[ns++] = (rs_span) {pos, 1, RS_ACT_TANH, i, 0};
		pos += 1;
		spans[ns++] = (rs_span) {pos, 9, RS_ACT_SOFTMAX, i, 0};
		pos += 9;
	}
	for (int i = 0; i < 11; i++)
	{
		spans[ns++] = (rs_span) {pos, cat_w[i], RS_ACT_SOFTMAX, 5 + i, 1};
		pos += cat_w[i];
		cd += cat_w[i];
	}
	*dim = pos;
	*cond_dim = cd;
	return ns;
}

#endif

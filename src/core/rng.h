/*
 * rng.h
 *	  Seeded pseudo-random numbers for the core: xoshiro256** seeded by
 *	  splitmix64, with uniform, normal and Gumbel draws.  Same seed, same
 *	  stream, on every platform.
 */
#ifndef RS_RNG_H
#define RS_RNG_H

#include <stdint.h>

typedef struct rs_rng
{
	uint64_t	s[4];
	int			has_spare;		/* Box-Muller spare value available */
	double		spare;
} rs_rng;

void		rs_rng_seed(rs_rng *rng, uint64_t seed);
uint64_t	rs_rng_next(rs_rng *rng);
double		rs_rng_uniform(rs_rng *rng);	/* in [0, 1) */
uint64_t	rs_rng_below(rs_rng *rng, uint64_t n);	/* in [0, n), unbiased; n > 0 */
double		rs_rng_normal(rs_rng *rng);
double		rs_rng_gumbel(rs_rng *rng);
void		rs_rng_shuffle(rs_rng *rng, int *a, int n);
void		rs_rng_normals_f(rs_rng *rng, float *x, int n);	/* x[n] ~ N(0, 1) */
void		rs_rng_normals_zig(rs_rng *rng, float *x, int n);	/* the same, faster */

#endif

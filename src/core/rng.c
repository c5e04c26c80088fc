/*
 * rng.c
 *	  xoshiro256** (Blackman and Vigna) seeded by splitmix64.
 */
#include "rng.h"

#include <math.h>

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void
rs_rng_seed(rs_rng *rng, uint64_t seed)
{
	uint64_t	x = seed;

	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
	rng->has_spare = 0;
	rng->spare = 0.0;
}

uint64_t
rs_rng_next(rs_rng *rng)
{
	uint64_t   *s = rng->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
rs_rng_uniform(rs_rng *rng)
{
	return (double) (rs_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

double
rs_rng_uniform_open(rs_rng *rng)
{
	return ((double) (rs_rng_next(rng) >> 12) + 0.5) * (1.0 / 4503599627370496.0);
}

uint64_t
rs_rng_below(rs_rng *rng, uint64_t n)
{
	uint64_t	limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t	r;

	do
		r = rs_rng_next(rng);
	while (r >= limit);
	return r % n;
}

double
rs_rng_normal(rs_rng *rng)
{
	double		u,
				v,
				s;

	if (rng->has_spare)
	{
		rng->has_spare = 0;
		return rng->spare;
	}
	do
	{
		u = 2.0 * rs_rng_uniform(rng) - 1.0;
		v = 2.0 * rs_rng_uniform(rng) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	s = sqrt(-2.0 * log(s) / s);
	rng->spare = v * s;
	rng->has_spare = 1;
	return u * s;
}

double
rs_rng_gumbel(rs_rng *rng)
{
	return -log(-log(rs_rng_uniform_open(rng)));
}

void
rs_rng_shuffle(rs_rng *rng, int *a, int n)
{
	for (int i = n - 1; i > 0; i--)
	{
		int			j = (int) rs_rng_below(rng, (uint64_t) i + 1);
		int			t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

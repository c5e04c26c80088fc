/*
 * rng.c
 *	  xoshiro256** (Blackman and Vigna) seeded by splitmix64; uniforms,
 *	  normals (Box-Muller, polar, ziggurat), Gumbel, shuffles.
 */
#define _POSIX_C_SOURCE 200809L

#include "rng.h"

#include <math.h>
#include <pthread.h>

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

/* Uniform in (0, 1): never 0, so its log is finite. */
static double
uniform_open(rs_rng *rng)
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
	return -log(-log(uniform_open(rng)));
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

/*
 * x[n] ~ N(0, 1) in float: Marsaglia's polar method on 23-bit uniforms,
 * two 32-bit draws from each 64-bit output.  Faster than rs_rng_normal
 * and accurate enough for a generator's noise.
 */
void
rs_rng_normals_f(rs_rng *rng, float *x, int n)
{
	uint64_t	bits = 0;
	int			left = 0;

	for (int i = 0; i < n; i += 2)
	{
		float		u,
					v,
					q,
					f;

		do
		{
			uint32_t	a,
						b;

			if (left == 0)
			{
				bits = rs_rng_next(rng);
				left = 2;
			}
			a = (uint32_t) (bits >> 41);
			bits <<= 32;
			left--;
			if (left == 0)
			{
				bits = rs_rng_next(rng);
				left = 2;
			}
			b = (uint32_t) (bits >> 41);
			bits <<= 32;
			left--;
			u = (float) a * (1.0f / 4194304.0f) - 1.0f;
			v = (float) b * (1.0f / 4194304.0f) - 1.0f;
			q = u * u + v * v;
		} while (q >= 1.0f || q == 0.0f);
		f = sqrtf(-2.0f * logf(q) / q);
		x[i] = u * f;
		if (i + 1 < n)
			x[i + 1] = v * f;
	}
}

/*
 * The ziggurat of Marsaglia and Tsang (2000), 128 layers, with the layer
 * index and the 32-bit value taken from different bits of one 64-bit draw
 * (Doornik's remedy for the original's correlation).  ~99% of draws cost
 * one rs_rng_next, a compare and a multiply; the rest fall back to exact
 * rejection against the density, so the output is N(0, 1) exactly (up to
 * float rounding).  Tables are built once, before any thread can use them.
 */
#define ZIG_R	3.442619855899	/* start of the tail */
#define ZIG_V	9.91256303526217e-3 /* area of each layer */

static uint32_t zig_k[128];
static double zig_w[128],
			zig_f[128];
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void
zig_init(void)
{
	double		m1 = 2147483648.0,
				dn = ZIG_R,
				tn = dn,
				q = ZIG_V / exp(-0.5 * dn * dn);

	zig_k[0] = (uint32_t) ((dn / q) * m1);
	zig_k[1] = 0;
	zig_w[0] = q / m1;
	zig_w[127] = dn / m1;
	zig_f[0] = 1.0;
	zig_f[127] = exp(-0.5 * dn * dn);
	for (int i = 126; i >= 1; i--)
	{
		dn = sqrt(-2.0 * log(ZIG_V / dn + exp(-0.5 * dn * dn)));
		zig_k[i + 1] = (uint32_t) ((dn / tn) * m1);
		tn = dn;
		zig_f[i] = exp(-0.5 * dn * dn);
		zig_w[i] = dn / m1;
	}
}

static float
zig_one(rs_rng *rng)
{
	for (;;)
	{
		uint64_t	b = rs_rng_next(rng);
		int32_t		hz = (int32_t) (uint32_t) (b >> 32);
		int			iz = (int) (b & 127);
		uint32_t	ahz = hz < 0 ? (uint32_t) 0 - (uint32_t) hz : (uint32_t) hz;
		double		x;

		if (ahz < zig_k[iz])
			return (float) (hz * zig_w[iz]);
		if (iz == 0)
		{
			double		y;

			/* the tail beyond ZIG_R, by Marsaglia's exponential method */
			do
			{
				x = -log(uniform_open(rng)) / ZIG_R;
				y = -log(uniform_open(rng));
			} while (y + y < x * x);
			return (float) (hz > 0 ? ZIG_R + x : -ZIG_R - x);
		}
		x = hz * zig_w[iz];
		if (zig_f[iz] + rs_rng_uniform(rng) * (zig_f[iz - 1] - zig_f[iz]) <
			exp(-0.5 * x * x))
			return (float) x;
	}
}

void
rs_rng_normals_zig(rs_rng *rng, float *x, int n)
{
	pthread_once(&zig_once, zig_init);
	for (int i = 0; i < n; i++)
		x[i] = zig_one(rng);
}

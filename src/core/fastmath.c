/*
 * fastmath.c
 *	  exp(x) for x <= 0, sixteen floats at a time: x = k ln2 + r with
 *	  |r| <= ln2 / 2 (ln2 in two parts), Cephes' degree-6 polynomial for
 *	  e^r, and 2^k through the exponent bits.  Written in GCC vector types
 *	  and compiled for AVX-512, AVX2 and baseline x86-64 (target_clones:
 *	  the loader picks the widest the CPU has); elsewhere plain C.
 */
#include "fastmath.h"

#include <stdint.h>
#include <string.h>

typedef float v16sf __attribute__((vector_size(64)));
typedef int32_t v16si __attribute__((vector_size(64)));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define RS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RS_CLONES
#endif

RS_CLONES void
rs_exp_neg_n(float *x, int n)
{
	const v16sf zero = {0};

	for (int i = 0; i < n; i += 16)
	{
		float		tail[16];
		float	   *src = x + i;
		int			left = n - i;
		v16sf		v,
					t,
					kf,
					r,
					p,
					scale,
					res;
		v16si		k,
					bits,
					tiny,
					pos,
					ri;

		if (left < 16)
		{
			/* the last, partial vector goes through a zero-padded copy */
			memset(tail, 0, sizeof(tail));
			memcpy(tail, x + i, sizeof(float) * left);
			src = tail;
		}
		memcpy(&v, src, sizeof(v));
		pos = v > zero;
		memcpy(&ri, &v, sizeof(ri));
		ri &= ~pos;				/* x > 0 -> +0 */
		memcpy(&v, &ri, sizeof(v));
		tiny = v < -87.0f;
		t = v * 1.44269504088896341f;
		k = __builtin_convertvector(t - 0.5f, v16si);	/* round half up, t <= 0 */
		kf = __builtin_convertvector(k, v16sf);
		r = v - kf * 0.693359375f;
		r = r - kf * -2.12194440e-4f;
		p = r * 1.9875691500e-4f + 1.3981999507e-3f;
		p = p * r + 8.3334519073e-3f;
		p = p * r + 4.1665795894e-2f;
		p = p * r + 1.6666665459e-1f;
		p = p * r + 5.0000001201e-1f;
		p = p * r * r + r + 1.0f;
		bits = (k + 127) << 23;
		memcpy(&scale, &bits, sizeof(scale));
		res = p * scale;
		memcpy(&ri, &res, sizeof(ri));
		ri &= ~tiny;			/* below -87 -> 0 */
		if (left < 16)
		{
			memcpy(tail, &ri, sizeof(ri));
			memcpy(x + i, tail, sizeof(float) * left);
		}
		else
			memcpy(x + i, &ri, sizeof(ri));
	}
}

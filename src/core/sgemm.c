/*
 * sgemm.c
 *	  raresynth's own fp32 matrix product (AVX2 + FMA, AVX-512): what the
 *	  products run on instead of OpenBLAS's SSE fallback kernels.  See
 *	  sgemm.h.
 *
 * The kernels are compiled for their ISA by target attributes (the rest
 * of the build stays x86-64 baseline: the same library runs everywhere)
 * and chosen at run time from cpuid.  One 6 x NR tile kernel per ISA, on
 * GCC's vector types; packing and the update of C are plain C.
 */
#include "sgemm.h"

#include <string.h>

/* fused multiply-adds from a * b + c in the kernels (never an issue of results: they are fixed per ISA) */
#if defined(__clang__)
#pragma clang fp contract(fast)
#elif defined(__GNUC__)
#pragma GCC optimize ("fp-contract=fast")
#endif

#define SG_MR		6			/* rows of a tile */
#define SG_NR_MAX	32			/* columns of a tile (AVX-512) */
#define SG_KC		256			/* k per packed block */
#define SG_NC		128			/* columns per packed block of op(B) */
#define SG_MC		48			/* rows per packed block of op(A) */

#if defined(__x86_64__) && defined(__GNUC__)
#define SG_X86 1
#else
#define SG_X86 0
#endif

rs_sgemm_isa
rs_sgemm_isa_for(unsigned features)
{
	unsigned	avx512 = RS_CPU_AVX512F | RS_CPU_AVX512BW | RS_CPU_AVX512VL | RS_CPU_AVX512DQ;

	if (!SG_X86)
		return RS_SGEMM_NONE;
	if ((features & avx512) == avx512)
		return RS_SGEMM_AVX512;
	if ((features & (RS_CPU_AVX2 | RS_CPU_FMA)) == (RS_CPU_AVX2 | RS_CPU_FMA))
		return RS_SGEMM_AVX2;
	return RS_SGEMM_NONE;
}

const char *
rs_sgemm_isa_name(rs_sgemm_isa isa)
{
	return isa == RS_SGEMM_AVX512 ? "AVX-512" : isa == RS_SGEMM_AVX2 ? "AVX2" : "none";
}

/* ---------------------------------------------------------------- kernels */

/*
 * t[SG_MR][NR] = sum over k < kc of ap[k][r] * bp[k][c]: ap is a packed
 * panel of op(A) (kc x SG_MR), bp one of op(B) (kc x NR, 64-byte aligned).
 */
typedef void (*sg_kernel) (int kc, const float *ap, const float *bp, float *t);

#if SG_X86
#define SG_KERNEL(NAME, TARGET, VEC)										\
static __attribute__((target(TARGET))) void									\
NAME(int kc, const float *ap, const float *bp, float *t)					\
{																			\
	VEC			c[SG_MR][2];												\
	const int	w = (int) (sizeof(VEC) / sizeof(float));					\
																			\
	memset(c, 0, sizeof(c));												\
	for (int k = 0; k < kc; k++)											\
	{																		\
		VEC			b0 = *(const VEC *) (bp + (size_t) k * 2 * w),			\
					b1 = *(const VEC *) (bp + (size_t) k * 2 * w + w);		\
		const float *a = ap + (size_t) k * SG_MR;							\
																			\
		c[0][0] += a[0] * b0; c[0][1] += a[0] * b1;							\
		c[1][0] += a[1] * b0; c[1][1] += a[1] * b1;							\
		c[2][0] += a[2] * b0; c[2][1] += a[2] * b1;							\
		c[3][0] += a[3] * b0; c[3][1] += a[3] * b1;							\
		c[4][0] += a[4] * b0; c[4][1] += a[4] * b1;							\
		c[5][0] += a[5] * b0; c[5][1] += a[5] * b1;							\
	}																		\
	for (int r = 0; r < SG_MR; r++)											\
	{																		\
		memcpy(t + (size_t) r * 2 * w, &c[r][0], sizeof(VEC));				\
		memcpy(t + (size_t) r * 2 * w + w, &c[r][1], sizeof(VEC));			\
	}																		\
}

typedef float sg_v16 __attribute__((vector_size(64)));
typedef float sg_v8 __attribute__((vector_size(32)));

SG_KERNEL(sg_kernel_avx512, "avx512f,fma", sg_v16)
SG_KERNEL(sg_kernel_avx2, "avx2,fma", sg_v8)
#endif

/* ---------------------------------------------------------------- driver */

/*
 * dst[k][j] (k < kc, j < w; zero for j >= cnt) = X's element (k0 + k,
 * j0 + j) of a matrix stored with k along rows (by_k: X[(k0 + k) * ld +
 * j0 + j]) or along columns (X[(j0 + j) * ld + k0 + k]).  Packs a panel
 * of op(B) (j: columns n) or of op(A) (j: rows m).
 */
static void
sg_pack(float *dst, int w, int by_k, const float *X, int ld, int k0, int kc,
		int j0, int cnt)
{
	if (cnt < w)
		memset(dst, 0, sizeof(float) * (size_t) kc * w);
	if (by_k)
		for (int k = 0; k < kc; k++)
			memcpy(dst + (size_t) k * w, X + (size_t) (k0 + k) * ld + j0, sizeof(float) * cnt);
	else
		for (int j = 0; j < cnt; j++)
		{
			const float *x = X + (size_t) (j0 + j) * ld + k0;

			for (int k = 0; k < kc; k++)
				dst[(size_t) k * w + j] = x[k];
		}
}

void
rs_sgemm_own(rs_sgemm_isa isa, int ta, int tb, int M, int N, int K,
			 float alpha, const float *A, int lda,
			 const float *B, int ldb, float beta, float *C, int ldc)
{
	_Alignas(64) float bpack[SG_KC * SG_NC];
	_Alignas(64) float apack[SG_KC * SG_MC];
	_Alignas(64) float t[SG_MR * SG_NR_MAX];
	sg_kernel	kernel = NULL;
	int			nr = 0;

#if SG_X86
	if (isa == RS_SGEMM_AVX512)
	{
		kernel = sg_kernel_avx512;
		nr = 32;
	}
	else if (isa == RS_SGEMM_AVX2)
	{
		kernel = sg_kernel_avx2;
		nr = 16;
	}
#endif
	if (!kernel || M <= 0 || N <= 0)
		return;
	if (K <= 0 || alpha == 0.0f)
	{
		for (int m = 0; m < M; m++)
			for (int n = 0; n < N; n++)
				C[(size_t) m * ldc + n] = beta == 0.0f ? 0.0f : beta * C[(size_t) m * ldc + n];
		return;
	}

	for (int n0 = 0; n0 < N; n0 += SG_NC)
	{
		int			nc = N - n0 < SG_NC ? N - n0 : SG_NC;
		int			npanels = (nc + nr - 1) / nr;

		for (int k0 = 0; k0 < K; k0 += SG_KC)
		{
			int			kc = K - k0 < SG_KC ? K - k0 : SG_KC;
			int			first = k0 == 0;

			/* op(B)[k0 .. k0 + kc, n0 .. n0 + nc] in panels of nr columns */
			for (int p = 0; p < npanels; p++)
				sg_pack(bpack + (size_t) p * kc * nr, nr, !tb, B, ldb, k0, kc,
						n0 + p * nr, N - (n0 + p * nr) < nr ? N - (n0 + p * nr) : nr);
			for (int m0 = 0; m0 < M; m0 += SG_MC)
			{
				int			mc = M - m0 < SG_MC ? M - m0 : SG_MC;
				int			mpanels = (mc + SG_MR - 1) / SG_MR;

				/* op(A)[m0 .. m0 + mc, k0 .. k0 + kc] in panels of SG_MR rows */
				for (int q = 0; q < mpanels; q++)
					sg_pack(apack + (size_t) q * kc * SG_MR, SG_MR, ta, A, lda, k0, kc,
							m0 + q * SG_MR, mc - q * SG_MR < SG_MR ? mc - q * SG_MR : SG_MR);
				for (int q = 0; q < mpanels; q++)
					for (int p = 0; p < npanels; p++)
					{
						int			mr = mc - q * SG_MR < SG_MR ? mc - q * SG_MR : SG_MR;
						int			nn = nc - p * nr < nr ? nc - p * nr : nr;

						kernel(kc, apack + (size_t) q * kc * SG_MR, bpack + (size_t) p * kc * nr, t);
						for (int r = 0; r < mr; r++)
						{
							float	   *c = C + (size_t) (m0 + q * SG_MR + r) * ldc + n0 + p * nr;
							const float *tr = t + (size_t) r * nr;

							if (!first)
								for (int j = 0; j < nn; j++)
									c[j] += alpha * tr[j];
							else if (beta == 0.0f)
								for (int j = 0; j < nn; j++)
									c[j] = alpha * tr[j];
							else
								for (int j = 0; j < nn; j++)
									c[j] = beta * c[j] + alpha * tr[j];
						}
					}
			}
		}
	}
}

/* ---------------------------------------------------------------- cblas_sgemm's type */

static __typeof__(cblas_sgemm) *sg_fallback;
static rs_sgemm_isa sg_isa;

static void
sg_entry(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb,
		 blasint M, blasint N, blasint K, float alpha, const float *A, blasint lda,
		 const float *B, blasint ldb, float beta, float *C, blasint ldc)
{
	if (order != CblasRowMajor)
	{
		if (sg_fallback)
			sg_fallback(order, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
		return;
	}
	rs_sgemm_own(sg_isa, ta != CblasNoTrans, tb != CblasNoTrans, (int) M, (int) N, (int) K,
				 alpha, A, (int) lda, B, (int) ldb, beta, C, (int) ldc);
}

__typeof__(cblas_sgemm) *
rs_sgemm_own_entry(rs_sgemm_isa isa, __typeof__(cblas_sgemm) *fallback)
{
	if (isa == RS_SGEMM_NONE)
		return NULL;
	sg_isa = isa;
	sg_fallback = fallback;
	return sg_entry;
}

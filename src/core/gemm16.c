/*
 * gemm16.c
 *	  bfloat16 inference GEMM with packed weights (AVX512-BF16), with a
 *	  cblas_sgemm fallback.  See gemm16.h for the packing layout.
 */
#include "gemm16.h"

#include <string.h>

#include "blas.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define G16_X86 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define G16_X86 0
#endif

#define G16_MR		6			/* rows of a register tile */
#define G16_NV		4			/* zmm (16 columns) per register tile */
#define G16_NR		(16 * G16_NV)	/* columns of a panel */
#define G16_MB		(16 * G16_MR)	/* rows of A converted at a time */
#define G16_ALIGN	64

struct rs_gemm16
{
	int			N;
	int			K;
	int			P;				/* pairs of K: ceil(K / 2) */
	int			S;				/* scratch row stride in pairs: P rounded to 16 */
	int			native;			/* 1: bf16 kernel, 0: sgemm fallback */
	float	   *w32;			/* fp32 copy of W, [N][K] */
	float	   *bias32;			/* fp32 bias [N], or NULL */
	void	   *raw;			/* allocation holding wp and biasp */
	uint32_t   *wp;				/* packed bf16 pairs, 64-byte aligned */
	float	   *biasp;			/* bias padded to whole panels, or NULL */
};

/* bf16 of x, round to nearest even (NaN stays NaN; denormals as VCVTNE2PS2BF16) */
static uint16_t
g16_bf16(float x)
{
	uint32_t	u;

	memcpy(&u, &x, sizeof(u));
	if ((u & 0x7f800000u) == 0)
		u &= 0x80000000u;		/* denormal: to signed zero */
	else if ((u & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t) ((u >> 16) | 0x40);	/* quiet NaN */
	u += 0x7fffu + ((u >> 16) & 1);
	return (uint16_t) (u >> 16);
}

int
rs_gemm16_native(void)
{
#if G16_X86
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") &&
		__builtin_cpu_supports("avx512bw") &&
		__builtin_cpu_supports("avx512vl") &&
		__builtin_cpu_supports("avx512bf16");
#else
	return 0;
#endif
}

/*
 * Measured reason (make bench, Intel Xeon Sapphire Rapids, 2 cores,
 * 2026-12-02): there VDPBF16PS issues on one port where fp32 FMA issues
 * on two, so this kernel ran the training step's products at 0.66x of
 * OpenBLAS Cooperlake's sgemm (bench_bf16: 45.3 ms against 30.6 ms) and a
 * bf16 training step took 1.26x the fp32 one (bench_gan: 39.3 ms against
 * 31.2 ms); on AMD Zen 4 it is 1.89x faster than sgemm.  Nothing uses the
 * AMX tiles yet, so precision auto trains in fp32 on a CPU with AMX-BF16.
 */
static int
g16_cpu_has_amx_bf16(void)
{
#if G16_X86
	unsigned int a,
				b,
				c,
				d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (d >> 22) & 1;		/* CPUID.(EAX=7,ECX=0):EDX[22] AMX-BF16 */
#else
	return 0;
#endif
}

int
rs_gemm16_auto_training(void)
{
	return rs_gemm16_native() && !g16_cpu_has_amx_bf16();
}

rs_gemm16 *
rs_gemm16_pack(const float *W, int ldw, int N, int K, const float *bias,
			   int force_fp32, rs_error *err)
{
	rs_gemm16  *g;
	int			npanels;
	size_t		words,
				nbias,
				bytes;
	uintptr_t	base;

	if (!W || N < 1 || K < 1 || ldw < K)
	{
		rs_fail(err, RS_ERR_INVALID, "gemm16: bad shape (N %d, K %d, ldw %d)",
				N, K, ldw);
		return NULL;
	}
	g = rs_alloc(sizeof(rs_gemm16));
	if (!g)
		goto nomem;
	g->N = N;
	g->K = K;
	g->P = K / 2 + (K & 1);
	g->S = (g->P + 15) / 16 * 16;
	g->native = !force_fp32 && rs_gemm16_native();
	g->w32 = rs_alloc_array((size_t) N * K, sizeof(float));
	if (!g->w32)
		goto nomem;
	for (int n = 0; n < N; n++)
		memcpy(g->w32 + (size_t) n * K, W + (size_t) n * ldw, sizeof(float) * K);
	if (bias)
	{
		g->bias32 = rs_alloc_array(N, sizeof(float));
		if (!g->bias32)
			goto nomem;
		memcpy(g->bias32, bias, sizeof(float) * N);
	}
	if (!g->native)
		return g;

	/* packed panels: npanels full-width slots are enough for the last one */
	npanels = (N + G16_NR - 1) / G16_NR;
	words = (size_t) npanels * g->P * G16_NR;
	nbias = bias ? (size_t) npanels * G16_NR : 0;
	if (words > (SIZE_MAX - G16_ALIGN) / 8)
		goto nomem;
	bytes = words * sizeof(uint32_t) + nbias * sizeof(float) + G16_ALIGN;
	g->raw = rs_alloc(bytes);
	if (!g->raw)
		goto nomem;
	base = ((uintptr_t) g->raw + G16_ALIGN - 1) & ~(uintptr_t) (G16_ALIGN - 1);
	g->wp = (uint32_t *) base;
	if (bias)
	{
		g->biasp = (float *) (g->wp + words);
		memcpy(g->biasp, bias, sizeof(float) * N);	/* rest stays zero */
	}
	for (int j = 0; j < npanels; j++)
	{
		int			n0 = j * G16_NR;
		int			nw = N - n0 < G16_NR ? (N - n0 + 15) / 16 * 16 : G16_NR;
		uint32_t   *panel = g->wp + (size_t) j * g->P * G16_NR;

		for (int p = 0; p < g->P; p++)
			for (int c = 0; c < nw && n0 + c < N; c++)
			{
				const float *w = W + (size_t) (n0 + c) * ldw;
				uint32_t	lo = g16_bf16(w[2 * p]);
				uint32_t	hi = 2 * p + 1 < K ? g16_bf16(w[2 * p + 1]) : 0;

				panel[(size_t) p * nw + c] = lo | hi << 16;
			}
	}
	return g;

nomem:
	rs_gemm16_free(g);
	rs_fail(err, RS_ERR_NOMEM, "gemm16: out of memory packing %d x %d weights",
			N, K);
	return NULL;
}

void
rs_gemm16_free(rs_gemm16 *g)
{
	if (!g)
		return;
	rs_free(g->w32);
	rs_free(g->bias32);
	rs_free(g->raw);
	rs_free(g);
}

int
rs_gemm16_is_native(const rs_gemm16 *g)
{
	return g->native;
}

size_t
rs_gemm16_scratch_bytes(const rs_gemm16 *g, int M)
{
	size_t		rows;

	if (!g->native || M < 1)
		return 0;
	rows = M < G16_MB ? M : G16_MB;
	return rows * g->S * sizeof(uint32_t) + G16_ALIGN;
}

/* ---------------------------------------------------------------- fallback */

static void
g16_apply_fp32(const rs_gemm16 *g, int M, const float *A, int lda,
			   float *C, int ldc, const rs_gemm16_epilogue *ep)
{
	float		beta = 0.0f;

	if (g->bias32)
	{
		for (int m = 0; m < M; m++)
			memcpy(C + (size_t) m * ldc, g->bias32, sizeof(float) * g->N);
		beta = 1.0f;
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, g->N, g->K,
				1.0f, A, lda, g->w32, g->K, beta, C, ldc);
	if (ep && (ep->rowadd || ep->relu))
		for (int m = 0; m < M; m++)
		{
			float	   *c = C + (size_t) m * ldc;
			const float *t = ep->rowadd ? ep->rowadd + (size_t) ep->rowidx[m] * ep->ldr : NULL;

			for (int n = 0; n < g->N; n++)
			{
				float		y = c[n] + (t ? t[n] : 0.0f);

				c[n] = ep->relu && !(y > 0.0f) ? 0.0f : y;
			}
		}
}

/* ---------------------------------------------------------------- AVX512-BF16 */

#if G16_X86

#define G16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

typedef void (*g16_kernel_fn) (int P, const uint32_t *a, size_t sa,
							   const uint32_t *w, float *c, size_t ldc,
							   const float *bias, __mmask16 last,
							   const float *const *radd, int relu);

/*
 * Register tile: c[mr][16 * nv] = a[mr][P pairs] . w[P][16 * nv] (+ bias).
 * a: rows of sa words (bf16 pairs); w: one panel, rows of 16 * nv words.
 * The last 16 columns are stored under mask last.  radd (or NULL): row r's
 * epilogue vector, added before the store; relu: max(0, .) before the
 * store.  mr and nv are constants in every instantiation below, so the
 * loops unroll and acc stays in zmm.
 */
static inline __attribute__((always_inline)) G16_TARGET void
g16_tile(const int mr, const int nv, int P, const uint32_t *a, size_t sa,
		 const uint32_t *w, float *c, size_t ldc, const float *bias,
		 __mmask16 last, const float *const *radd, int relu)
{
	__m512		acc[G16_MR][G16_NV];

#pragma GCC unroll 8
	for (int r = 0; r < mr; r++)
#pragma GCC unroll 4
		for (int v = 0; v < nv; v++)
			acc[r][v] = _mm512_setzero_ps();
	for (int p = 0; p < P; p++)
	{
		__m512i		b[G16_NV];

#pragma GCC unroll 4
		for (int v = 0; v < nv; v++)
			b[v] = _mm512_load_si512((const void *) (w + 16 * v));
#pragma GCC unroll 8
		for (int r = 0; r < mr; r++)
		{
			__m512i		x = _mm512_set1_epi32((int) a[r * sa + p]);

#pragma GCC unroll 4
			for (int v = 0; v < nv; v++)
				acc[r][v] = _mm512_dpbf16_ps(acc[r][v], (__m512bh) x,
											 (__m512bh) b[v]);
		}
		w += 16 * nv;
	}
#pragma GCC unroll 8
	for (int r = 0; r < mr; r++)
	{
		float	   *cr = c + r * ldc;

#pragma GCC unroll 4
		for (int v = 0; v < nv; v++)
		{
			__m512		y = acc[r][v];

			if (bias)
				y = _mm512_add_ps(y, _mm512_loadu_ps(bias + 16 * v));
			if (radd)
				y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(v < nv - 1 ? 0xffff : last,
														   radd[r] + 16 * v));
			if (relu)
				y = _mm512_max_ps(y, _mm512_setzero_ps());
			if (v < nv - 1)
				_mm512_storeu_ps(cr + 16 * v, y);
			else
				_mm512_mask_storeu_ps(cr + 16 * v, last, y);
		}
	}
}

#define G16_KERNEL(mr, nv) \
static G16_TARGET void \
g16_kernel_##mr##_##nv(int P, const uint32_t *a, size_t sa, \
					   const uint32_t *w, float *c, size_t ldc, \
					   const float *bias, __mmask16 last, \
					   const float *const *radd, int relu) \
{ \
	g16_tile(mr, nv, P, a, sa, w, c, ldc, bias, last, radd, relu); \
}
#define G16_KERNEL_ROW(mr) \
	G16_KERNEL(mr, 1) G16_KERNEL(mr, 2) G16_KERNEL(mr, 3) G16_KERNEL(mr, 4)

G16_KERNEL_ROW(1)
G16_KERNEL_ROW(2)
G16_KERNEL_ROW(3)
G16_KERNEL_ROW(4)
G16_KERNEL_ROW(5)
G16_KERNEL_ROW(6)

#define G16_KERNEL_PTRS(mr) \
	{g16_kernel_##mr##_1, g16_kernel_##mr##_2, g16_kernel_##mr##_3, g16_kernel_##mr##_4}

/* g16_kernels[mr - 1][nv - 1] */
static const g16_kernel_fn g16_kernels[G16_MR][G16_NV] = {
	G16_KERNEL_PTRS(1), G16_KERNEL_PTRS(2), G16_KERNEL_PTRS(3),
	G16_KERNEL_PTRS(4), G16_KERNEL_PTRS(5), G16_KERNEL_PTRS(6)
};

/*
 * Rows m of A (mb of them) to bf16 pairs: dst row m = S words, pairs past
 * P (and the odd-K half pair) zero.
 */
static G16_TARGET void
g16_convert(int mb, int K, int S, const float *A, int lda, uint32_t *dst)
{
	for (int m = 0; m < mb; m++)
	{
		const float *src = A + (size_t) m * lda;
		uint32_t   *d = dst + (size_t) m * S;
		int			k = 0;

		for (; k + 32 <= K; k += 32)
		{
			__m512		lo = _mm512_loadu_ps(src + k);
			__m512		hi = _mm512_loadu_ps(src + k + 16);

			_mm512_store_si512((void *) (d + k / 2),
							   (__m512i) _mm512_cvtne2ps_pbh(hi, lo));
		}
		if (k < K)
		{
			int			left = K - k;
			__mmask16	mlo = left >= 16 ? 0xffff : (__mmask16) ((1u << left) - 1);
			__mmask16	mhi = left <= 16 ? 0 : (__mmask16) ((1u << (left - 16)) - 1);
			__m512		lo = _mm512_maskz_loadu_ps(mlo, src + k);
			__m512		hi = _mm512_maskz_loadu_ps(mhi, src + k + 16);

			_mm512_store_si512((void *) (d + k / 2),
							   (__m512i) _mm512_cvtne2ps_pbh(hi, lo));
		}
	}
}

/*
 * Blocks of G16_MB rows: convert them, then for each 64-column panel of W
 * run down the block's 6-row tiles, so the panel (P * 256 bytes) is reused
 * from L1/L2 sixteen times while each tile's rows of A stay in L1.  K is
 * not blocked: every element of C is summed over all of k in one register,
 * in the same order whatever M or the tile the row falls in.
 */
static G16_TARGET void
g16_apply_bf16(const rs_gemm16 *g, int M, const float *A, int lda,
			   float *C, int ldc, void *scratch, const rs_gemm16_epilogue *ep)
{
	uint32_t   *abuf = (uint32_t *) (((uintptr_t) scratch + G16_ALIGN - 1) &
									 ~(uintptr_t) (G16_ALIGN - 1));
	int			npanels = (g->N + G16_NR - 1) / G16_NR;

	for (int m0 = 0; m0 < M; m0 += G16_MB)
	{
		int			mb = M - m0 < G16_MB ? M - m0 : G16_MB;

		g16_convert(mb, g->K, g->S, A + (size_t) m0 * lda, lda, abuf);
		for (int j = 0; j < npanels; j++)
		{
			int			n0 = j * G16_NR;
			int			left = g->N - n0;
			int			nv = left >= G16_NR ? G16_NV : (left + 15) / 16;
			int			tail = left - 16 * (nv - 1);	/* 1..16 columns */
			__mmask16	last = tail >= 16 ? 0xffff : (__mmask16) ((1u << tail) - 1);
			const uint32_t *w = g->wp + (size_t) j * g->P * G16_NR;
			const float *bias = g->biasp ? g->biasp + n0 : NULL;

			for (int i = 0; i < mb; i += G16_MR)
			{
				int			mr = mb - i < G16_MR ? mb - i : G16_MR;
				const float *radd[G16_MR];
				int			has_add = ep && ep->rowadd;

				for (int r = 0; has_add && r < mr; r++)
					radd[r] = ep->rowadd + (size_t) ep->rowidx[m0 + i + r] * ep->ldr + n0;
				g16_kernels[mr - 1][nv - 1] (g->P, abuf + (size_t) i * g->S,
											 g->S, w,
											 C + (size_t) (m0 + i) * ldc + n0,
											 ldc, bias, last,
											 has_add ? radd : NULL,
											 ep ? ep->relu : 0);
			}
		}
	}
}

/* ---------------------------------------------------------------- general products */

/*
 * The training's products in bf16 (gemm16.h: rs_gemm16_gemm).  A hand
 * kernel, kept because, measured on the step's products on heart shapes
 * (Zen 4, one thread, conversion included; docs/performance.md):
 * against fp32 cblas_sgemm (OpenBLAS Cooperlake) it wins 1.45-2.12x on
 * every product, 1.89x on them all; Debian's OpenBLAS 0.3.21 has no
 * cblas_sbgemm (built without BUILD_BFLOAT16); oneDNN 2.6's bf16 matmul
 * (its C API has no bf16 GEMM) was 7% faster on them all, under the 10%
 * that would justify linking it (test/bench/dnnl_bf16.c).  The
 * conversions are vectorized: pairs of two fp32 rows interleave into
 * bf16 pairs with one VPERMW.
 */

/* words i of the result: bf16(lo[i]) | bf16(hi[i]) << 16 (16 pairs) */
static inline __attribute__((always_inline)) G16_TARGET __m512i
g16_pairs(__m512 lo, __m512 hi)
{
	const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12,
										 27, 11, 26, 10, 25, 9, 24, 8,
										 23, 7, 22, 6, 21, 5, 20, 4,
										 19, 3, 18, 2, 17, 1, 16, 0);

	return _mm512_permutexvar_epi16(idx, (__m512i) _mm512_cvtne2ps_pbh(hi, lo));
}

/*
 * Pairs of two rows r0, r1 (r1 NULL: zeros) of n floats, element-wise,
 * into dst[0..n) (n words).
 */
static inline __attribute__((always_inline)) G16_TARGET void
g16_pair_rows(int n, const float *r0, const float *r1, uint32_t *dst)
{
	for (int c = 0; c < n; c += 16)
	{
		int			left = n - c;
		__mmask16	m = left >= 16 ? 0xffff : (__mmask16) ((1u << left) - 1);
		__m512		lo = _mm512_maskz_loadu_ps(m, r0 + c);
		__m512		hi = r1 ? _mm512_maskz_loadu_ps(m, r1 + c) : _mm512_setzero_ps();

		_mm512_mask_storeu_epi32(dst + c, m, g16_pairs(lo, hi));
	}
}

/*
 * op(B)[K, N] into panels (the layout of gemm16.h; the padding columns
 * of the last panel are zero).  tb == 0: B is [K][N], two rows make a
 * row of pairs; tb: B is [N][K], a row of B is a column of pairs (16
 * rows at a time converted into row, 16 x S words, then gathered in place).
 */
static G16_TARGET void
g16_pack_b(int tb, int N, int K, const float *B, int ldb, uint32_t *wp,
		   uint32_t *row)
{
	int			P = K / 2 + (K & 1);
	int			S = (P + 15) / 16 * 16;
	int			npanels = (N + G16_NR - 1) / G16_NR;

	for (int j = 0; j < npanels; j++)
	{
		int			n0 = j * G16_NR;
		int			nn = N - n0 < G16_NR ? N - n0 : G16_NR;
		int			nw = (nn + 15) / 16 * 16;
		uint32_t   *panel = wp + (size_t) j * P * G16_NR;

		if (!tb)
		{
			for (int p = 0; p < P; p++)
			{
				uint32_t   *d = panel + (size_t) p * nw;

				g16_pair_rows(nn, B + (size_t) (2 * p) * ldb + n0,
							  2 * p + 1 < K ? B + (size_t) (2 * p + 1) * ldb + n0 : NULL, d);
				for (int c = nn; c < nw; c++)
					d[c] = 0;
			}
			continue;
		}
		/* 16 rows of B at a time to pairs in row, then a gather per p */
		for (int c0 = 0; c0 < nw; c0 += 16)
		{
			int			nc = nn - c0 < 16 ? nn - c0 : 16;
			__mmask16	mk = nc >= 16 ? 0xffff : (__mmask16) ((1u << nc) - 1);
			const __m512i idx = _mm512_mullo_epi32(_mm512_set1_epi32(S),
												   _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8,
																	7, 6, 5, 4, 3, 2, 1, 0));

			g16_convert(nc, K, S, B + (size_t) (n0 + c0) * ldb, ldb, row);
			for (int p = 0; p < P; p++)
				_mm512_store_si512((void *) (panel + (size_t) p * nw + c0),
								   _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), mk, idx,
															   (const void *) (row + p), 4));
		}
	}
}

/*
 * op(A)[M, K] into rows of S words of pairs.  ta == 0: g16_convert; ta:
 * A is [K][M], two rows of A make a column of pairs, scattered in place.
 */
static G16_TARGET void
g16_pack_a(int ta, int M, int K, const float *A, int lda, int S,
		   uint32_t *dst)
{
	int			P = K / 2 + (K & 1);
	const __m512i step = _mm512_mullo_epi32(_mm512_set1_epi32(S),
											_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8,
															 7, 6, 5, 4, 3, 2, 1, 0));

	if (!ta)
	{
		for (int m0 = 0; m0 < M; m0 += G16_MB)
			g16_convert(M - m0 < G16_MB ? M - m0 : G16_MB, K, S,
						A + (size_t) m0 * lda, lda, dst + (size_t) m0 * S);
		return;
	}
	for (int p = 0; p < P; p++)
	{
		const float *r0 = A + (size_t) (2 * p) * lda;
		const float *r1 = 2 * p + 1 < K ? A + (size_t) (2 * p + 1) * lda : NULL;

		for (int m = 0; m < M; m += 16)
		{
			int			left = M - m;
			__mmask16	mk = left >= 16 ? 0xffff : (__mmask16) ((1u << left) - 1);
			__m512		lo = _mm512_maskz_loadu_ps(mk, r0 + m);
			__m512		hi = r1 ? _mm512_maskz_loadu_ps(mk, r1 + m) : _mm512_setzero_ps();

			_mm512_mask_i32scatter_epi32((void *) (dst + (size_t) m * S + p), mk, step,
										 g16_pairs(lo, hi), 4);
		}
	}
}

static G16_TARGET void
g16_gemm_bf16(int ta, int tb, int M, int N, int K, const float *A, int lda,
			  const float *B, int ldb, float beta, float *C, int ldc,
			  void *scratch)
{
	int			P = K / 2 + (K & 1);
	int			S = (P + 15) / 16 * 16;
	int			npanels = (N + G16_NR - 1) / G16_NR;
	uint32_t   *wp = (uint32_t *) (((uintptr_t) scratch + G16_ALIGN - 1) &
								   ~(uintptr_t) (G16_ALIGN - 1));
	uint32_t   *abuf = wp + (size_t) npanels * P * G16_NR;
	uint32_t   *row = abuf + (size_t) M * S;

	g16_pack_b(tb, N, K, B, ldb, wp, row);
	g16_pack_a(ta, M, K, A, lda, S, abuf);
	for (int m0 = 0; m0 < M; m0 += G16_MB)
	{
		int			mb = M - m0 < G16_MB ? M - m0 : G16_MB;

		for (int j = 0; j < npanels; j++)
		{
			int			n0 = j * G16_NR;
			int			left = N - n0;
			int			nv = left >= G16_NR ? G16_NV : (left + 15) / 16;
			int			tail = left - 16 * (nv - 1);
			__mmask16	last = tail >= 16 ? 0xffff : (__mmask16) ((1u << tail) - 1);
			const uint32_t *w = wp + (size_t) j * P * G16_NR;

			for (int i = 0; i < mb; i += G16_MR)
			{
				int			mr = mb - i < G16_MR ? mb - i : G16_MR;
				float	   *c = C + (size_t) (m0 + i) * ldc + n0;
				const float *radd[G16_MR];

				for (int r = 0; r < mr; r++)
					radd[r] = c + (size_t) r * ldc;
				g16_kernels[mr - 1][nv - 1] (P, abuf + (size_t) (m0 + i) * S, S, w,
											 c, ldc, NULL, last,
											 beta != 0.0f ? radd : NULL, 0);
			}
		}
	}
}

#endif							/* G16_X86 */

size_t
rs_gemm16_gemm_scratch(int M, int N, int K)
{
	size_t		P = (size_t) (K / 2 + (K & 1)),
				S = (P + 15) / 16 * 16,
				npanels = ((size_t) N + G16_NR - 1) / G16_NR;

	if (M < 1 || N < 1 || K < 1 || !rs_gemm16_native())
		return 0;
	return (npanels * P * G16_NR + (size_t) M * S + 16 * S) * sizeof(uint32_t) + G16_ALIGN;
}

void
rs_gemm16_gemm(int ta, int tb, int M, int N, int K, const float *A, int lda,
			   const float *B, int ldb, float beta, float *C, int ldc,
			   void *scratch)
{
	if (M < 1 || N < 1)
		return;
#if G16_X86
	if (K >= 1 && scratch && (beta == 0.0f || beta == 1.0f) && rs_gemm16_native())
	{
		g16_gemm_bf16(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc, scratch);
		return;
	}
#endif
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
				tb ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, A, lda, B, ldb,
				beta, C, ldc);
}

void
rs_gemm16_apply_ep(const rs_gemm16 *g, int M, const float *A, int lda,
				   float *C, int ldc, void *scratch,
				   const rs_gemm16_epilogue *ep)
{
	if (M < 1)
		return;
#if G16_X86
	if (g->native)
	{
		g16_apply_bf16(g, M, A, lda, C, ldc, scratch, ep);
		return;
	}
#endif
	g16_apply_fp32(g, M, A, lda, C, ldc, ep);
}

void
rs_gemm16_apply(const rs_gemm16 *g, int M, const float *A, int lda,
				float *C, int ldc, void *scratch)
{
	rs_gemm16_apply_ep(g, M, A, lda, C, ldc, scratch, NULL);
}

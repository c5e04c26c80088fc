/*
 * bench_bf16.c
 *	  The training step's matrix products on the heart shapes (bench.h:
 *	  182 wide, condition 72, batch 500, generator [256, 256], critic
 *	  [256, 256], pac 10), one thread, in three kernels measured in the
 *	  same run:
 *	    fp32    cblas_sgemm (OpenBLAS, the core blas.c chose)
 *	    sbgemm  OpenBLAS's cblas_sbgemm on bf16 copies of both operands,
 *	            the fp32 -> bf16 conversion of both timed with it
 *	    gemm16  raresynth's bf16 kernel (src/core/gemm16.c): packing the
 *	            weight operand (and transposing what it needs row-major)
 *	            timed with it, as training would have to every step
 *	    kernel  gemm16's product alone, on operands packed and transposed
 *	            beforehand (an upper bound: what no conversion would cost)
 *	The conversion is AVX512-BF16's VCVTNE2PS2BF16 (as gemm16.c's);
 *	OpenBLAS's cblas_sbstobf16 is timed once for comparison.  Each
 *	figure is the median over ROUNDS rounds, the kernels interleaved
 *	round by round; the machine is shared, so they are noisy.  Also
 *	prints the bf16 error against fp32 and the products of one training
 *	step summed (discriminator_steps 1), as the bf16 / fp32 ratio.
 *
 * Build: as test/bench/run.sh does.  Run: ./bench_bf16 [rounds]
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"

#include "bench.h"
#include "gemm16.h"
#include "rng.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#else
#error "bench_bf16 needs x86-64"
#endif

#define TRIAL_SEC	0.002
#define NKERNELS	5

static const bench_product *products;
static int	NPRODUCTS;

static const char *const kname[NKERNELS] = {"fp32", "sbgemm", "gemm16 pack+apply", "gemm16 kernel alone", "rs_gemm16_gemm"};

typedef struct state
{
	const bench_product *p;
	int			rA,
				cA,				/* A as stored: rA x cA */
				rB,
				cB;
	float	   *A,
			   *B,
			   *C;
	uint16_t   *A16,
			   *B16;
	float	   *At,				/* gemm16: op(A) row-major [M, K] when ta */
			   *Wt;				/* gemm16: the [N, K] weight operand when tb == 0 */
	void	   *scratch;
	rs_gemm16  *pre;			/* gemm16 packed once (kernel 3) */
	const float *pre_a;			/* its A operand, row-major [M, K] */
	void	   *gscratch;		/* rs_gemm16_gemm's */
} state;

/* dst[r][c] (contiguous) = bf16(src[r][c]), round to nearest even */
static BF16_TARGET void
to_bf16(int rows, int cols, const float *src, int ld, uint16_t *dst)
{
	for (int r = 0; r < rows; r++)
	{
		const float *s = src + (size_t) r * ld;
		uint16_t   *d = dst + (size_t) r * cols;
		int			c = 0;

		for (; c + 32 <= cols; c += 32)
			_mm512_storeu_si512((void *) (d + c),
								(__m512i) _mm512_cvtne2ps_pbh(_mm512_loadu_ps(s + c + 16),
															  _mm512_loadu_ps(s + c)));
		for (; c + 16 <= cols; c += 16)
			_mm256_storeu_si256((void *) (d + c),
								(__m256i) _mm512_cvtneps_pbh(_mm512_loadu_ps(s + c)));
		if (c < cols)
		{
			__mmask16	m = (__mmask16) ((1u << (cols - c)) - 1);

			_mm256_mask_storeu_epi16((void *) (d + c), m,
									 (__m256i) _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, s + c)));
		}
	}
}

static void
transpose(int rows, int cols, const float *src, float *dst)
{
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++)
			dst[(size_t) c * rows + r] = src[(size_t) r * cols + c];
}

static void
run(state *s, int kernel)
{
	const bench_product *p = s->p;
	enum CBLAS_TRANSPOSE ta = p->ta ? CblasTrans : CblasNoTrans,
				tb = p->tb ? CblasTrans : CblasNoTrans;

	if (kernel == 0)
		cblas_sgemm(CblasRowMajor, ta, tb, p->M, p->N, p->K, 1.0f, s->A, s->cA,
					s->B, s->cB, 0.0f, s->C, p->N);
	else if (kernel == 1)
	{
		to_bf16(s->rA, s->cA, s->A, s->cA, s->A16);
		to_bf16(s->rB, s->cB, s->B, s->cB, s->B16);
		cblas_sbgemm(CblasRowMajor, ta, tb, p->M, p->N, p->K, 1.0f, s->A16, s->cA,
					 s->B16, s->cB, 0.0f, s->C, p->N);
	}
	else if (kernel == 4)
		rs_gemm16_gemm(p->ta, p->tb, p->M, p->N, p->K, s->A, s->cA, s->B, s->cB,
					   0.0f, s->C, p->N, s->gscratch);
	else if (kernel == 3)
		rs_gemm16_apply(s->pre, p->M, s->pre_a, p->K, s->C, p->N, s->scratch);
	else
	{
		/* gemm16 computes A[M, K] W[N, K]^T: W is B when tb, else B^T */
		const float *a = s->A;
		const float *w = s->B;
		rs_error	err;
		rs_gemm16  *g;

		if (p->ta)
		{
			transpose(s->rA, s->cA, s->A, s->At);
			a = s->At;
		}
		if (!p->tb)
		{
			transpose(s->rB, s->cB, s->B, s->Wt);
			w = s->Wt;
		}
		g = rs_gemm16_pack(w, p->K, p->N, p->K, NULL, 0, &err);
		if (!g)
		{
			fprintf(stderr, "pack: %s\n", err.msg);
			exit(1);
		}
		rs_gemm16_apply(g, p->M, a, p->K, s->C, p->N, s->scratch);
		rs_gemm16_free(g);
	}
}

static int
reps_for(state *s, int kernel)
{
	int			reps = 1;

	run(s, kernel);
	for (;;)
	{
		double		t0 = now();

		for (int r = 0; r < reps; r++)
			run(s, kernel);
		if (now() - t0 >= TRIAL_SEC || reps >= 1 << 16)
			return reps;
		reps *= 2;
	}
}

static float *
randn(rs_rng *rng, size_t n, double scale)
{
	float	   *x = malloc(sizeof(float) * n);

	for (size_t i = 0; i < n; i++)
		x[i] = (float) (scale * rs_rng_normal(rng));
	return x;
}

/* the largest |c - ref| over the largest |ref| */
static double
rel_err(const float *c, const float *ref, size_t n)
{
	double		e = 0.0,
				m = 0.0;

	for (size_t i = 0; i < n; i++)
	{
		e = fmax(e, fabs((double) c[i] - ref[i]));
		m = fmax(m, fabs((double) ref[i]));
	}
	return m > 0.0 ? e / m : e;
}

/* median seconds of the conversion of n floats, ours and OpenBLAS's */
static void
bench_convert(rs_rng *rng, int rounds)
{
	int			n = 500 * 712;
	float	   *x = randn(rng, n, 1.0);
	uint16_t   *y = malloc(sizeof(uint16_t) * n);
	double	   *t[2];

	t[0] = malloc(sizeof(double) * rounds);
	t[1] = malloc(sizeof(double) * rounds);
	for (int r = 0; r < rounds; r++)
		for (int k = 0; k < 2; k++)
		{
			double		t0 = now();

			for (int i = 0; i < 20; i++)
			{
				if (k == 0)
					to_bf16(1, n, x, n, y);
				else
					cblas_sbstobf16(n, x, 1, y, 1);
			}
			t[k][r] = (now() - t0) / 20;
		}
	printf("conversion of %d floats to bf16: VCVTNE2PS2BF16 %.1f us, cblas_sbstobf16 %.1f us\n",
		   n, bench_median(t[0], rounds) * 1e6, bench_median(t[1], rounds) * 1e6);
	free(t[0]);
	free(t[1]);
	free(x);
	free(y);
}

int
main(int argc, char **argv)
{
	int			rounds = argc > 1 ? atoi(argv[1]) : 15;
	rs_rng		rng;
	double		step[NKERNELS] = {0},
				best_bf16 = 0.0;
	double	   *t;
	int			have_sb;

	if (rounds < 1)
		rounds = 1;
	products = bench_step_products(&NPRODUCTS);
	bench_blas("fp32 products (cblas_sgemm)");
	if (!rs_gemm16_native())
	{
		printf("no AVX512-BF16 on this CPU: bf16 products not measured\n");
		return 0;
	}
	have_sb = rs_blas_fn.sbgemm && rs_blas_fn.sbstobf16;
	if (!have_sb)
		printf("this OpenBLAS has no cblas_sbgemm (not built with BUILD_BFLOAT16, as Debian's 0.3.21): sbgemm not measured\n");
	openblas_set_num_threads(1);
	rs_rng_seed(&rng, 42);
	printf("training products on this CPU (precision auto): every product below in bf16, "
		   "rs_gemm16_gemm (gemm16.c, AVX512-BF16), fp32 accumulation\n");
	printf("one thread; median of %d rounds (noisy: shared machine); us per product, "
		   "ratio = fp32 time / kernel time (> 1: faster than fp32)\n", rounds);
	if (have_sb)
		bench_convert(&rng, rounds);
	t = malloc(sizeof(double) * rounds * NKERNELS);
	for (int i = 0; i < NPRODUCTS; i++)
	{
		const bench_product *p = &products[i];
		state		s = {p};
		float	   *ref;
		rs_error	perr;
		double		med[NKERNELS],
					err[NKERNELS];
		int			reps[NKERNELS];

		s.rA = p->ta ? p->K : p->M;
		s.cA = p->ta ? p->M : p->K;
		s.rB = p->tb ? p->N : p->K;
		s.cB = p->tb ? p->K : p->N;
		s.A = randn(&rng, (size_t) s.rA * s.cA, 1.0);
		s.B = randn(&rng, (size_t) s.rB * s.cB, 0.05);
		s.C = malloc(sizeof(float) * p->M * p->N);
		ref = malloc(sizeof(float) * p->M * p->N);
		s.A16 = malloc(sizeof(uint16_t) * s.rA * s.cA);
		s.B16 = malloc(sizeof(uint16_t) * s.rB * s.cB);
		s.At = malloc(sizeof(float) * p->M * p->K);
		s.Wt = malloc(sizeof(float) * p->N * p->K);
		s.scratch = malloc(96 * (2 * (size_t) p->K + 64) + 64);
		s.gscratch = malloc(rs_gemm16_gemm_scratch(p->M, p->N, p->K));

		if (p->ta)
			transpose(s.rA, s.cA, s.A, s.At);
		if (!p->tb)
			transpose(s.rB, s.cB, s.B, s.Wt);
		s.pre_a = p->ta ? s.At : s.A;
		s.pre = rs_gemm16_pack(p->tb ? s.B : s.Wt, p->K, p->N, p->K, NULL, 0, &perr);
		run(&s, 0);
		memcpy(ref, s.C, sizeof(float) * p->M * p->N);
		for (int k = 0; k < NKERNELS; k++)
		{
			if (k == 1 && !have_sb)
			{
				reps[k] = 0;
				err[k] = 0.0;
				continue;
			}
			run(&s, k);
			err[k] = rel_err(s.C, ref, (size_t) p->M * p->N);
			reps[k] = reps_for(&s, k);
		}
		for (int r = 0; r < rounds; r++)
			for (int k = 0; k < NKERNELS; k++)
			{
				double		t0 = now();

				for (int q = 0; q < reps[k]; q++)
					run(&s, k);
				t[k * rounds + r] = reps[k] ? (now() - t0) / reps[k] : 1e30;
			}
		for (int k = 0; k < NKERNELS; k++)
		{
			med[k] = bench_median(t + k * rounds, rounds);
			step[k] += p->count * med[k];
		}
		best_bf16 += p->count * fmin(med[0], fmin(med[1], med[4]));
		printf("%s %c%c M %4d N %4d K %4d x%d: fp32 %7.1f us %5.1f GFLOP/s",
			   p->what, p->ta ? 'T' : 'N', p->tb ? 'T' : 'N', p->M, p->N, p->K,
			   p->count, med[0] * 1e6, 2.0 * p->M * p->N * p->K / med[0] * 1e-9);
		if (have_sb)
			printf(" | sbgemm %7.1f us %.2fx (err %.0e)", med[1] * 1e6,
				   med[0] / med[1], err[1]);
		printf(" | gemm16 pack+apply %7.1f us %.2fx (err %.0e) | kernel alone %7.1f us %.2fx"
			   " | rs_gemm16_gemm %7.1f us %.2fx (err %.0e)\n",
			   med[2] * 1e6, med[0] / med[2], err[2], med[3] * 1e6, med[0] / med[3],
			   med[4] * 1e6, med[0] / med[4], err[4]);
		free(s.A);
		free(s.B);
		free(s.C);
		free(ref);
		free(s.A16);
		free(s.B16);
		free(s.At);
		free(s.Wt);
		free(s.scratch);
		free(s.gscratch);
		rs_gemm16_free(s.pre);
	}
	printf("products of one training step, one thread: fp32 %.2f ms", step[0] * 1e3);
	for (int k = 1; k < NKERNELS; k++)
		if (k != 1 || have_sb)
			printf(", %s %.2f ms (bf16/fp32 %.2f)", kname[k], step[k] * 1e3, step[k] / step[0]);
	printf(", the fastest kernel per product %.2f ms (/fp32 %.2f)\n",
		   best_bf16 * 1e3, best_bf16 / step[0]);
	free(t);
	return 0;
}

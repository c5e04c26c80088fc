/*
 * test_gemm16.c
 *	  Unit tests of src/core/gemm16.c.  The bf16 kernel is checked against a
 *	  double-precision product of the bf16-ROUNDED A and W (round to nearest
 *	  even), so the only error left is fp32 accumulation: tolerance
 *	  GEMM16_RTOL * sum_k |a_k w_k| (+ |bias|) per element.  The fallback is
 *	  checked against the same product of the unrounded operands.  Shapes
 *	  cover odd K, K = 1, N = 1, N not a multiple of 16 (or of the 64-column
 *	  panel), M tails, lda/ldc/ldw larger than K/N (the gaps hold NaN, so
 *	  reading them shows), a NULL bias, an unaligned scratch of exactly the
 *	  size asked for; then determinism (two calls give the same bits, and
 *	  for the bf16 kernel so do rows computed apart from their neighbours)
 *	  and two threads calling concurrently on one packed layer.
 *
 * Without AVX512-BF16 (valgrind 3.19 hides AVX-512 from the program it
 * runs, so under `make unit-valgrind` too) the native tests print a skip
 * line and only the fallback tests run.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gemm16.h"
#include "rng.h"
#include "rs_common.h"
#include "unit.h"

#define GEMM16_RTOL 1e-5

static int	native;
static double max_rel_err;		/* worst |err| / sum|a||w| seen (native) */

/* bf16 rounding, round to nearest even, as a float (inputs are normal here) */
static float
bf16_round(float x)
{
	uint32_t	u;

	memcpy(&u, &x, sizeof(u));
	u += 0x7fffu + ((u >> 16) & 1);
	u &= 0xffff0000u;
	memcpy(&x, &u, sizeof(x));
	return x;
}

static void
fill(float *x, size_t n, rs_rng *rng, double scale)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float) (scale * rs_rng_normal(rng));
}

/*
 * One case: C[M, N] = A[M, K] W^T + bias with the given leading
 * dimensions; rounded selects the bf16-rounded reference.  Returns the
 * number of elements out of tolerance (printing the first few).
 */
static int
run_case(int M, int N, int K, int lda, int ldw, int ldc, int with_bias,
		 int force_fp32, int scratch_offset, uint64_t seed)
{
	rs_rng		rng;
	rs_error	err = {0};
	float	   *A = malloc(sizeof(float) * ((size_t) M * lda + 1));
	float	   *W = malloc(sizeof(float) * ((size_t) N * ldw + 1));
	float	   *b = malloc(sizeof(float) * N);
	float	   *C = malloc(sizeof(float) * ((size_t) (M + 1) * ldc));
	rs_gemm16  *g;
	size_t		sbytes;
	unsigned char *scratch;
	int			rounded = !force_fp32 && native;
	int			bad = 0;

	rs_rng_seed(&rng, seed);
	for (size_t i = 0; i < (size_t) M * lda; i++)
		A[i] = NAN;
	for (size_t i = 0; i < (size_t) N * ldw; i++)
		W[i] = NAN;
	for (int m = 0; m < M; m++)
		fill(A + (size_t) m * lda, K, &rng, 1.0);
	for (int n = 0; n < N; n++)
		fill(W + (size_t) n * ldw, K, &rng, 0.1);
	fill(b, N, &rng, 0.5);
	for (size_t i = 0; i < (size_t) (M + 1) * ldc; i++)
		C[i] = -12345.0f;

	g = rs_gemm16_pack(W, ldw, N, K, with_bias ? b : NULL, force_fp32, &err);
	CHECK(g != NULL);
	if (!g)
		return 1;
	CHECK(rs_gemm16_is_native(g) == rounded);
	sbytes = rs_gemm16_scratch_bytes(g, M);
	CHECK(force_fp32 || !native || sbytes > 0);
	scratch = malloc(sbytes + scratch_offset + 1);
	rs_gemm16_apply(g, M, A, lda, C, ldc, scratch + scratch_offset);

	for (int m = 0; m < M; m++)
	{
		for (int n = 0; n < N; n++)
		{
			double		ref = with_bias ? b[n] : 0.0,
						mag = with_bias ? fabs(b[n]) : 0.0,
						got = C[(size_t) m * ldc + n],
						e;

			for (int k = 0; k < K; k++)
			{
				float		a = A[(size_t) m * lda + k],
							w = W[(size_t) n * ldw + k];

				if (rounded)
				{
					a = bf16_round(a);
					w = bf16_round(w);
				}
				ref += (double) a * w;
				mag += fabs((double) a * w);
			}
			e = fabs(got - ref);
			if (!(e <= GEMM16_RTOL * mag + 1e-30))
			{
				if (bad++ < 3)
					fprintf(stderr, "  M %d N %d K %d: C[%d][%d] = %.9g, reference %.9g\n",
							M, N, K, m, n, got, ref);
			}
			else if (rounded && mag > 0 && e / mag > max_rel_err)
				max_rel_err = e / mag;
		}
		/* the gap of each row and the row after C stay untouched */
		for (int n = N; n < ldc; n++)
			if (C[(size_t) m * ldc + n] != -12345.0f && bad++ < 3)
				fprintf(stderr, "  C[%d][%d] (past N) was written\n", m, n);
	}
	for (int n = 0; n < ldc; n++)
		if (C[(size_t) M * ldc + n] != -12345.0f && bad++ < 3)
			fprintf(stderr, "  C[%d][%d] (past M) was written\n", M, n);

	rs_gemm16_free(g);
	free(scratch);
	free(A);
	free(W);
	free(b);
	free(C);
	return bad;
}

/* shapes shared by the native and the fallback tests */
static void
run_shapes(int force_fp32)
{
	static const int shapes[][3] = {	/* M, N, K */
		{1, 1, 1}, {7, 1, 5}, {1, 17, 1}, {13, 16, 2}, {6, 64, 32},
		{5, 3, 33}, {11, 110, 640}, {97, 256, 128}, {100, 65, 31},
		{193, 130, 384}, {37, 48, 7}, {12, 200, 63}, {96, 80, 64},
		{3, 129, 3}, {512, 110, 640}
	};

	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
	{
		int			M = shapes[s][0],
					N = shapes[s][1],
					K = shapes[s][2];

		/* tight leading dimensions, bias */
		CHECK(run_case(M, N, K, K, K, N, 1, force_fp32, 0, 100 + s) == 0);
		/* wide leading dimensions, no bias, unaligned scratch */
		CHECK(run_case(M, N, K, K + 5, K + 3, N + 7, 0, force_fp32, 3, 200 + s) == 0);
	}
}

static void
test_native_shapes(void)
{
	if (!native)
	{
		printf("skip test_native_shapes: no AVX512-BF16 on this CPU (or under valgrind)\n");
		return;
	}
	run_shapes(0);
}

static void
test_fallback_shapes(void)
{
	run_shapes(1);
}

/* round to nearest even at the bf16 ties, checked exactly */
static void
test_native_rounding(void)
{
	/* 1 + 2^-8 ties down to 1, 1 + 3 * 2^-8 ties up to 1 + 2^-6 */
	float		A[4] = {1.0f + 0x1p-8f, 1.0f + 0x3p-8f, 1.0f + 0x1p-9f, -(1.0f + 0x3p-8f)};
	float		W[1] = {1.0f + 0x3p-8f};
	float		C[4];
	rs_error	err = {0};
	rs_gemm16  *g;
	unsigned char scratch[4096];

	if (!native)
	{
		printf("skip test_native_rounding: no AVX512-BF16 on this CPU (or under valgrind)\n");
		return;
	}
	g = rs_gemm16_pack(W, 1, 1, 1, NULL, 0, &err);
	CHECK(g != NULL);
	if (!g)
		return;
	CHECK(rs_gemm16_scratch_bytes(g, 4) <= sizeof(scratch));
	rs_gemm16_apply(g, 4, A, 1, C, 1, scratch);
	/* W rounds to 1 + 2^-6 as well */
	CHECK(C[0] == 1.0f * (1.0f + 0x1p-6f));
	CHECK(C[1] == (1.0f + 0x1p-6f) * (1.0f + 0x1p-6f));
	CHECK(C[2] == 1.0f * (1.0f + 0x1p-6f));
	CHECK(C[3] == -(1.0f + 0x1p-6f) * (1.0f + 0x1p-6f));
	rs_gemm16_free(g);
}

static void
test_bad_args(void)
{
	float		W[4] = {0};
	rs_error	err = {0};

	CHECK(rs_gemm16_pack(W, 2, 2, 0, NULL, 0, &err) == NULL);
	CHECK(err.code == RS_ERR_INVALID);
	err.code = RS_OK;
	CHECK(rs_gemm16_pack(W, 1, 2, 2, NULL, 0, &err) == NULL);
	CHECK(err.code == RS_ERR_INVALID);
	err.code = RS_OK;
	CHECK(rs_gemm16_pack(W, 2, 0, 2, NULL, 1, &err) == NULL);
	CHECK(err.code == RS_ERR_INVALID);
}

/* ---------------------------------------------------------------- determinism */

typedef struct shared
{
	const rs_gemm16 *g;
	int			M,
				N,
				K;
	const float *A;
	float	   *C;
	void	   *scratch;
	int			reps;
} shared;

static void *
worker(void *arg)
{
	shared	   *s = arg;

	for (int r = 0; r < s->reps; r++)
		rs_gemm16_apply(s->g, s->M, s->A, s->K, s->C, s->N, s->scratch);
	return NULL;
}

/*
 * Same bits from: a second call; two threads each computing all of C at
 * the same time on the same g; and, for the bf16 kernel, rows 0..split-1
 * and split..M-1 computed in two calls.
 */
static void
check_determinism(int force_fp32)
{
	enum
	{
	M = 301, N = 110, K = 383, SPLIT = 97, REPS = 20
	};
	rs_rng		rng;
	rs_error	err = {0};
	float	   *A = malloc(sizeof(float) * M * K),
			   *W = malloc(sizeof(float) * N * K),
			   *b = malloc(sizeof(float) * N),
			   *C0 = malloc(sizeof(float) * M * N),
			   *C1 = malloc(sizeof(float) * M * N),
			   *C2 = malloc(sizeof(float) * M * N),
			   *C3 = malloc(sizeof(float) * M * N);
	rs_gemm16  *g;
	size_t		sbytes;
	void	   *s1,
			   *s2;
	pthread_t	t1,
				t2;
	shared		a1,
				a2;

	rs_rng_seed(&rng, 7);
	fill(A, (size_t) M * K, &rng, 1.0);
	fill(W, (size_t) N * K, &rng, 0.1);
	fill(b, N, &rng, 0.5);
	g = rs_gemm16_pack(W, K, N, K, b, force_fp32, &err);
	CHECK(g != NULL);
	if (!g)
		return;
	sbytes = rs_gemm16_scratch_bytes(g, M);
	s1 = malloc(sbytes + 1);
	s2 = malloc(sbytes + 1);

	rs_gemm16_apply(g, M, A, K, C0, N, s1);
	rs_gemm16_apply(g, M, A, K, C1, N, s1);
	CHECK(memcmp(C0, C1, sizeof(float) * M * N) == 0);

	/*
	 * Rows apart from their neighbours: only the bf16 kernel promises this
	 * (OpenBLAS may pick another kernel, or summation order, for another M)
	 */
	if (rs_gemm16_is_native(g))
	{
		memset(C1, 0, sizeof(float) * M * N);
		rs_gemm16_apply(g, SPLIT, A, K, C1, N, s1);
		rs_gemm16_apply(g, M - SPLIT, A + (size_t) SPLIT * K, K,
						C1 + (size_t) SPLIT * N, N, s1);
		CHECK(memcmp(C0, C1, sizeof(float) * M * N) == 0);
	}

	a1 = (shared) {g, M, N, K, A, C2, s1, REPS};
	a2 = (shared) {g, M, N, K, A, C3, s2, REPS};
	CHECK(pthread_create(&t1, NULL, worker, &a1) == 0);
	CHECK(pthread_create(&t2, NULL, worker, &a2) == 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CHECK(memcmp(C0, C2, sizeof(float) * M * N) == 0);
	CHECK(memcmp(C0, C3, sizeof(float) * M * N) == 0);

	rs_gemm16_free(g);
	free(s1);
	free(s2);
	free(A);
	free(W);
	free(b);
	free(C0);
	free(C1);
	free(C2);
	free(C3);
}

static void
test_native_determinism(void)
{
	if (!native)
	{
		printf("skip test_native_determinism: no AVX512-BF16 on this CPU (or under valgrind)\n");
		return;
	}
	check_determinism(0);
}

static void
test_fallback_determinism(void)
{
	check_determinism(1);
}

/*
 * The epilogue (a table row added per output row, then ReLU) gives what
 * the plain product followed by the same steps in C gives, bit for bit:
 * on both paths, with N tails (masked loads of the table) and M tails.
 */
static void
check_epilogue(int force_fp32)
{
	int			M = 23,
				K = 37,
				N = 83,
				T = 5,
				ldc = N + 3;
	float	   *W = malloc(sizeof(float) * N * K),
			   *A = malloc(sizeof(float) * M * K),
			   *bias = malloc(sizeof(float) * N),
			   *tab = malloc(sizeof(float) * T * N),
			   *C0 = malloc(sizeof(float) * M * ldc),
			   *C1 = malloc(sizeof(float) * M * ldc);
	int		   *idx = malloc(sizeof(int) * M);
	rs_rng		rng;
	rs_error	err;
	rs_gemm16  *g;
	void	   *scratch;

	rs_rng_seed(&rng, 99);
	fill(W, (size_t) N * K, &rng, 0.3);
	fill(A, (size_t) M * K, &rng, 1.0);
	fill(bias, N, &rng, 0.5);
	fill(tab, (size_t) T * N, &rng, 0.5);
	for (int m = 0; m < M; m++)
		idx[m] = (int) rs_rng_below(&rng, T);
	g = rs_gemm16_pack(W, K, N, K, bias, force_fp32, &err);
	CHECK(g != NULL);
	scratch = malloc(rs_gemm16_scratch_bytes(g, M) + 1);
	for (int relu = 0; relu <= 1; relu++)
		for (int add = 0; add <= 1; add++)
		{
			rs_gemm16_epilogue ep = {add ? tab : NULL, N, idx, relu};
			int			bad = 0,
						zeros = 0;

			rs_gemm16_apply(g, M, A, K, C0, ldc, scratch);
			for (int m = 0; m < M; m++)
				for (int n = 0; n < N; n++)
				{
					float	   *c = &C0[(size_t) m * ldc + n];

					if (add)
						*c += tab[(size_t) idx[m] * N + n];
					if (relu && !(*c > 0.0f))
						*c = 0.0f;
				}
			rs_gemm16_apply_ep(g, M, A, K, C1, ldc, scratch, &ep);
			for (int m = 0; m < M; m++)
				for (int n = 0; n < N; n++)
				{
					bad += C0[(size_t) m * ldc + n] != C1[(size_t) m * ldc + n];
					zeros += C1[(size_t) m * ldc + n] == 0.0f;
				}
			CHECK(bad == 0);
			CHECK(relu ? zeros > M * N / 4 : zeros == 0);
		}
	rs_gemm16_free(g);
	free(scratch);
	free(W);
	free(A);
	free(bias);
	free(tab);
	free(C0);
	free(C1);
	free(idx);
}

static void
test_native_epilogue(void)
{
	if (!native)
	{
		printf("  skip: no AVX512-BF16 here\n");
		return;
	}
	check_epilogue(0);
}

static void
test_fallback_epilogue(void)
{
	check_epilogue(1);
}

/*
 * rs_gemm16_gemm: C = op(A) op(B) + beta C for every transpose against a
 * double product of the bf16-rounded operands (tolerance as above), with
 * the gaps of the leading dimensions NaN, odd K and K = 1, N and M not
 * multiples of 16 or 64, beta 0 (C's old NaN never read) and 1, an
 * unaligned scratch of exactly the size asked for; then a row block and a
 * column block computed alone give the same bits as the whole (what
 * makes training in bf16 independent of the thread count).
 */
static int
gemm_case(int ta, int tb, int M, int N, int K, float beta, uint64_t seed)
{
	rs_rng		rng;
	int			rA = ta ? K : M,
				cA = ta ? M : K,
				rB = tb ? N : K,
				cB = tb ? K : N,
				lda = cA + 3,
				ldb = cB + 5,
				ldc = N + 2,
				bad = 0;
	float	   *A = malloc(sizeof(float) * (size_t) rA * lda),
			   *B = malloc(sizeof(float) * (size_t) rB * ldb),
			   *C = malloc(sizeof(float) * (size_t) M * ldc),
			   *C0 = malloc(sizeof(float) * (size_t) M * ldc),
			   *C2 = malloc(sizeof(float) * (size_t) M * ldc);
	size_t		sb = rs_gemm16_gemm_scratch(M, N, K);
	unsigned char *scratch = malloc(sb + 3);

	rs_rng_seed(&rng, seed);
	for (size_t i = 0; i < (size_t) rA * lda; i++)
		A[i] = (i % lda) < (size_t) cA ? (float) rs_rng_normal(&rng) : NAN;
	for (size_t i = 0; i < (size_t) rB * ldb; i++)
		B[i] = (i % ldb) < (size_t) cB ? (float) (0.1 * rs_rng_normal(&rng)) : NAN;
	for (size_t i = 0; i < (size_t) M * ldc; i++)
		C0[i] = beta != 0.0f ? (float) rs_rng_normal(&rng) : NAN;
	memcpy(C, C0, sizeof(float) * (size_t) M * ldc);
	rs_gemm16_gemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc, scratch + 3);
	for (int m = 0; m < M; m++)
		for (int n = 0; n < ldc; n++)
		{
			double		ref = beta != 0.0f ? C0[(size_t) m * ldc + n] : 0.0,
						mag = fabs(ref),
						got = C[(size_t) m * ldc + n];

			if (n >= N)
			{
				if (memcmp(&C[(size_t) m * ldc + n], &C0[(size_t) m * ldc + n], sizeof(float)) != 0 &&
					bad++ < 3)
					fprintf(stderr, "  C[%d][%d] (past N) was written\n", m, n);
				continue;
			}
			for (int k = 0; k < K; k++)
			{
				float		a = bf16_round(ta ? A[(size_t) k * lda + m] : A[(size_t) m * lda + k]),
							b = bf16_round(tb ? B[(size_t) n * ldb + k] : B[(size_t) k * ldb + n]);

				ref += (double) a * b;
				mag += fabs((double) a * b);
			}
			if (!(fabs(got - ref) <= GEMM16_RTOL * mag + 1e-30) && bad++ < 3)
				fprintf(stderr, "  ta %d tb %d M %d N %d K %d: C[%d][%d] = %.9g, reference %.9g\n",
						ta, tb, M, N, K, m, n, got, ref);
		}
	/* rows [m0, M) alone, then columns [n0, N) alone: the same bits */
	{
		int			m0 = M / 2 / 16 * 16,
					n0 = N / 2 / 16 * 16;

		memcpy(C2, C0, sizeof(float) * (size_t) M * ldc);
		rs_gemm16_gemm(ta, tb, m0, N, K, A, lda, B, ldb, beta, C2, ldc, scratch);
		rs_gemm16_gemm(ta, tb, M - m0, N, K, ta ? A + m0 : A + (size_t) m0 * lda, lda,
					   B, ldb, beta, C2 + (size_t) m0 * ldc, ldc, scratch);
		if (memcmp(C, C2, sizeof(float) * (size_t) M * ldc) != 0 && bad++ < 3)
			fprintf(stderr, "  ta %d tb %d M %d N %d K %d: rows split differ\n", ta, tb, M, N, K);
		memcpy(C2, C0, sizeof(float) * (size_t) M * ldc);
		rs_gemm16_gemm(ta, tb, M, n0, K, A, lda, B, ldb, beta, C2, ldc, scratch);
		rs_gemm16_gemm(ta, tb, M, N - n0, K, A, lda, tb ? B + (size_t) n0 * ldb : B + n0, ldb,
					   beta, C2 + n0, ldc, scratch);
		if (memcmp(C, C2, sizeof(float) * (size_t) M * ldc) != 0 && bad++ < 3)
			fprintf(stderr, "  ta %d tb %d M %d N %d K %d: columns split differ\n", ta, tb, M, N, K);
	}
	free(A);
	free(B);
	free(C);
	free(C0);
	free(C2);
	free(scratch);
	return bad;
}

static void
test_native_gemm(void)
{
	static const int shapes[][3] = {
		{1, 1, 1}, {7, 5, 3}, {17, 33, 1}, {50, 256, 2540}, {100, 70, 65},
		{97, 200, 500}, {130, 17, 31}, {6, 64, 64}, {33, 129, 2},
	};
	uint64_t	seed = 1;

	if (!native)
	{
		printf("skip test_native_gemm: no AVX512-BF16 on this CPU (or under valgrind)\n");
		CHECK(rs_gemm16_gemm_scratch(10, 10, 10) == 0);
		return;
	}
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		for (int ta = 0; ta < 2; ta++)
			for (int tb = 0; tb < 2; tb++)
				for (int beta = 0; beta < 2; beta++)
					CHECK(gemm_case(ta, tb, shapes[i][0], shapes[i][1], shapes[i][2],
									(float) beta, seed++) == 0);
}

int
main(void)
{
	native = rs_gemm16_native();
	printf("gemm16: AVX512-BF16 %s\n", native ? "available" : "not available");
	RUN(test_bad_args);
	RUN(test_native_rounding);
	RUN(test_native_shapes);
	RUN(test_native_determinism);
	RUN(test_fallback_shapes);
	RUN(test_fallback_determinism);
	RUN(test_native_epilogue);
	RUN(test_fallback_epilogue);
	RUN(test_native_gemm);
	if (native)
		printf("gemm16: max |error| / sum|a w| of the bf16 kernel: %.3g\n",
			   max_rel_err);
	return unit_summary("test_gemm16");
}

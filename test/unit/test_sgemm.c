/*
 * test_sgemm.c
 *	  Unit tests of src/core/sgemm.c, raresynth's own fp32 product, with
 *	  each kernel the CPU has (AVX2, AVX-512): every transpose, sizes
 *	  around the tile and block edges, leading dimensions beyond the
 *	  width, alpha and beta (beta 0 never reads C: NaN there stays out),
 *	  against a double-precision reference; the same bits on every call;
 *	  the cblas_sgemm-typed entry (a column-major call goes to the
 *	  fallback it was given).
 */
#include <math.h>
#include <string.h>

#include "rng.h"
#include "sgemm.h"
#include "unit.h"

static const rs_sgemm_isa isas[] = {RS_SGEMM_AVX2, RS_SGEMM_AVX512};

/* the ISAs of this CPU: at most 2 */
static int
cpu_isas(rs_sgemm_isa *out)
{
	rs_sgemm_isa best = rs_sgemm_isa_for(rs_cpu_features());
	int			n = 0;

	for (int i = 0; i < 2; i++)
		if (isas[i] <= best)
			out[n++] = isas[i];
	return n;
}

static void
fill(float *x, size_t n, rs_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float) (2.0 * rs_rng_uniform(rng) - 1.0);
}

/* max |C - ref| / (sum |a||b| + |beta c|) over C, with C row-major ldc */
static double
check_one(rs_sgemm_isa isa, int ta, int tb, int M, int N, int K, int pad,
		  float alpha, float beta, rs_rng *rng)
{
	int			lda = (ta ? M : K) + pad,
				ldb = (tb ? K : N) + pad,
				ldc = N + pad;
	size_t		na = (size_t) (ta ? K : M) * lda,
				nb = (size_t) (tb ? N : K) * ldb,
				nc = (size_t) M * ldc;
	float	   *A = malloc(sizeof(float) * (na ? na : 1)),
			   *B = malloc(sizeof(float) * (nb ? nb : 1)),
			   *C = malloc(sizeof(float) * nc),
			   *C0 = malloc(sizeof(float) * nc);
	double		worst = 0.0;

	fill(A, na, rng);
	fill(B, nb, rng);
	fill(C0, nc, rng);
	if (beta == 0.0f)
		for (size_t i = 0; i < nc; i++)
			C0[i] = NAN;		/* beta 0: C is never read */
	memcpy(C, C0, sizeof(float) * nc);
	rs_sgemm_own(isa, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
	for (int m = 0; m < M; m++)
		for (int n = 0; n < ldc; n++)
		{
			double		ref = 0.0,
						mag = 0.0,
						err;
			float		got = C[(size_t) m * ldc + n];

			if (n >= N)
			{
				/* padding untouched */
				if (memcmp(&got, &C0[(size_t) m * ldc + n], sizeof(float)) != 0)
					worst = INFINITY;
				continue;
			}
			for (int k = 0; k < K; k++)
			{
				double		a = ta ? A[(size_t) k * lda + m] : A[(size_t) m * lda + k],
							b = tb ? B[(size_t) n * ldb + k] : B[(size_t) k * ldb + n];

				ref += a * b;
				mag += fabs(a * b);
			}
			ref *= alpha;
			mag *= fabs(alpha);
			if (beta != 0.0f)
			{
				ref += beta * (double) C0[(size_t) m * ldc + n];
				mag += fabs(beta * (double) C0[(size_t) m * ldc + n]);
			}
			err = fabs(got - ref) / (mag > 0 ? mag : 1.0);
			if (!(err <= worst))
				worst = isnan(err) ? INFINITY : err;
		}
	free(A);
	free(B);
	free(C);
	free(C0);
	return worst;
}

static void
test_against_reference(void)
{
	static const int sizes[] = {1, 5, 6, 7, 15, 16, 17, 31, 32, 33, 47, 49, 95, 127, 129, 257};
	rs_sgemm_isa have[2];
	int			n = cpu_isas(have);
	rs_rng		rng;
	double		worst = 0.0;
	int			cases = 0;

	if (n == 0)
	{
		printf("  no AVX2 + FMA on this CPU: nothing to test\n");
		return;
	}
	rs_rng_seed(&rng, 7);
	for (int i = 0; i < n; i++)
		for (int t = 0; t < 4; t++)
			for (int s = 0; s < 12; s++)
			{
				int			M = sizes[rs_rng_below(&rng, 16)],
							N = sizes[rs_rng_below(&rng, 16)],
							K = sizes[rs_rng_below(&rng, 16)],
							pad = (int) rs_rng_below(&rng, 3);
				float		alpha = s % 3 == 0 ? 1.0f : s % 3 == 1 ? -0.5f : 2.0f,
							beta = s % 4 == 0 ? 0.0f : s % 4 == 1 ? 1.0f : s % 4 == 2 ? 0.25f : -1.0f;
				double		e = check_one(have[i], t & 1, t >> 1, M, N, K, pad, alpha, beta, &rng);

				if (!(e <= 1e-5))
					fprintf(stderr, "  %s ta %d tb %d %dx%dx%d pad %d alpha %g beta %g: %g\n",
							rs_sgemm_isa_name(have[i]), t & 1, t >> 1, M, N, K, pad,
							alpha, beta, e);
				if (!(e <= worst))
					worst = e;
				cases++;
			}
	printf("  %d products, max error / sum |a b| %.2e\n", cases, worst);
	CHECK(worst <= 1e-5);
	/* shapes of a training step (bench.h), fewer rows */
	for (int i = 0; i < n; i++)
	{
		CHECK(check_one(have[i], 0, 1, 50, 256, 712, 0, 1.0f, 0.0f, &rng) <= 1e-5);
		CHECK(check_one(have[i], 1, 0, 256, 182, 50, 0, 1.0f, 1.0f, &rng) <= 1e-5);
	}
}

static void
test_edge_cases(void)
{
	rs_sgemm_isa have[2];
	int			n = cpu_isas(have);
	float		A[6] = {1, 2, 3, 4, 5, 6},
				B[6] = {1, 1, 1, 1, 1, 1},
				C[4];

	for (int i = 0; i < n; i++)
	{
		/* K = 0: C = beta C; beta 0 overwrites NaN */
		C[0] = NAN;
		C[1] = 2.0f;
		rs_sgemm_own(have[i], 0, 0, 1, 2, 0, 1.0f, A, 1, B, 2, 0.0f, C, 2);
		CHECK(C[0] == 0.0f && C[1] == 0.0f);
		C[0] = 1.0f;
		C[1] = 2.0f;
		rs_sgemm_own(have[i], 0, 0, 1, 2, 0, 1.0f, A, 1, B, 2, 3.0f, C, 2);
		CHECK(C[0] == 3.0f && C[1] == 6.0f);
		/* M = 0 or N = 0: nothing written */
		C[0] = 9.0f;
		rs_sgemm_own(have[i], 0, 0, 0, 2, 3, 1.0f, A, 3, B, 2, 0.0f, C, 2);
		rs_sgemm_own(have[i], 0, 0, 1, 0, 3, 1.0f, A, 3, B, 2, 0.0f, C, 2);
		CHECK(C[0] == 9.0f);
		/* 2x3 by 3x2 of ones: row sums */
		rs_sgemm_own(have[i], 0, 0, 2, 2, 3, 1.0f, A, 3, B, 2, 0.0f, C, 2);
		CHECK(C[0] == 6.0f && C[1] == 6.0f && C[2] == 15.0f && C[3] == 15.0f);
	}
	CHECK(rs_sgemm_isa_for(0) == RS_SGEMM_NONE);
	CHECK(rs_sgemm_isa_for(RS_CPU_AVX2) == RS_SGEMM_NONE);
	CHECK(rs_sgemm_isa_for(RS_CPU_AVX2 | RS_CPU_FMA) == RS_SGEMM_AVX2);
	CHECK(rs_sgemm_isa_for(RS_CPU_AVX2 | RS_CPU_FMA | RS_CPU_AVX512F | RS_CPU_AVX512BW |
						   RS_CPU_AVX512VL | RS_CPU_AVX512DQ) == RS_SGEMM_AVX512);
	CHECK(rs_sgemm_own_entry(RS_SGEMM_NONE, NULL) == NULL);
}

static void
test_same_bits(void)
{
	rs_sgemm_isa have[2];
	int			n = cpu_isas(have);
	rs_rng		rng;
	int			M = 130,
				N = 70,
				K = 300;
	float	   *A = malloc(sizeof(float) * M * K),
			   *B = malloc(sizeof(float) * K * N),
			   *C1 = malloc(sizeof(float) * M * N),
			   *C2 = malloc(sizeof(float) * M * N);

	rs_rng_seed(&rng, 3);
	fill(A, (size_t) M * K, &rng);
	fill(B, (size_t) K * N, &rng);
	for (int i = 0; i < n; i++)
	{
		rs_sgemm_own(have[i], 0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, C1, N);
		for (int r = 0; r < 3; r++)
		{
			rs_sgemm_own(have[i], 0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, C2, N);
			CHECK(memcmp(C1, C2, sizeof(float) * M * N) == 0);
		}
	}
	free(A);
	free(B);
	free(C1);
	free(C2);
}

static int	colmajor_calls;

static void
fake_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb,
		   blasint M, blasint N, blasint K, float alpha, const float *A, blasint lda,
		   const float *B, blasint ldb, float beta, float *C, blasint ldc)
{
	(void) ta, (void) tb, (void) M, (void) N, (void) K, (void) alpha, (void) A, (void) lda;
	(void) B, (void) ldb, (void) beta, (void) C, (void) ldc;
	colmajor_calls += order == CblasColMajor;
}

static void
test_entry(void)
{
	rs_sgemm_isa best = rs_sgemm_isa_for(rs_cpu_features());
	__typeof__(cblas_sgemm) *f;
	float		A[4] = {1, 2, 3, 4},
				B[4] = {0, 1, 1, 0},
				C[4] = {0};

	if (best == RS_SGEMM_NONE)
		return;
	f = rs_sgemm_own_entry(best, fake_sgemm);
	CHECK(f != NULL);
	/* row-major A B^T, B the swap: columns of A swapped */
	f(CblasRowMajor, CblasNoTrans, CblasTrans, 2, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2);
	CHECK(C[0] == 2 && C[1] == 1 && C[2] == 4 && C[3] == 3);
	CHECK(colmajor_calls == 0);
	f(CblasColMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2);
	CHECK(colmajor_calls == 1);
}

int
main(void)
{
	RUN(test_against_reference);
	RUN(test_edge_cases);
	RUN(test_same_bits);
	RUN(test_entry);
	return unit_summary("test_sgemm");
}

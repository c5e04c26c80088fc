/*
 * bench_gemm16.c
 *	  GFLOP/s of rs_gemm16_apply (bf16 kernel, one thread) against
 *	  single-threaded cblas_sgemm on the generator's sampling shapes,
 *	  C[M, N] = A[M, K] W^T + bias, measured in the same run.
 *
 * Build:
 *	gcc -O2 -march=x86-64 -Isrc/core -I/usr/include/x86_64-linux-gnu/openblas-pthread \
 *		test/bench/bench_gemm16.c src/core/ *.c -lxgboost -lgomp -lm
 * Run: ./a.out [M]   (default 512)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"

#include "bench.h"
#include "gemm16.h"
#include "rng.h"

#define TRIALS		40
#define TRIAL_SEC	0.005

typedef struct job
{
	int			mode;			/* 0: gemm16, 1: sgemm with the bias copied first */
	const rs_gemm16 *g;
	int			M,
				N,
				K;
	const float *A,
			   *W,
			   *b;
	float	   *C;
	void	   *scratch;
} job;

static void
run(const job *j)
{
	if (j->mode == 0)
		rs_gemm16_apply(j->g, j->M, j->A, j->K, j->C, j->N, j->scratch);
	else
	{
		for (int m = 0; m < j->M; m++)
			memcpy(j->C + (size_t) m * j->N, j->b, sizeof(float) * j->N);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, j->M, j->N, j->K,
					1.0f, j->A, j->K, j->W, j->K, 1.0f, j->C, j->N);
	}
}

/*
 * Best seconds per call over TRIALS trials of about TRIAL_SEC each: the
 * minimum of many short trials, so that other load on the machine (which
 * only ever slows a trial down) drops out.
 */
static double
best_time(const job *j)
{
	double		best = 1e30;
	int			reps = 1;

	run(j);
	for (;;)
	{
		double		t0 = now();

		for (int r = 0; r < reps; r++)
			run(j);
		if (now() - t0 >= TRIAL_SEC / 4)
			break;
		reps *= 2;
	}
	for (int t = 0; t < TRIALS; t++)
	{
		double		t0 = now(),
					dt;

		for (int r = 0; r < reps; r++)
			run(j);
		dt = (now() - t0) / reps;
		if (dt < best)
			best = dt;
	}
	return best;
}

int
main(int argc, char **argv)
{
	/* the generator's products on the heart encoding (K, N: bench.h) */
	static const int shapes[][2] = {{200, 256}, {456, 256}, {712, 182}};
	int			M = argc > 1 ? atoi(argv[1]) : 512;
	rs_rng		rng;

	bench_blas("cblas_sgemm baseline");
	openblas_set_num_threads(1);
	rs_rng_seed(&rng, 42);
	printf("gemm16: AVX512-BF16 kernel %s; M = %d, one thread\n",
		   rs_gemm16_native() ? "available" : "NOT available (fallback = sgemm)", M);
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
	{
		int			K = shapes[s][0],
					N = shapes[s][1];
		float	   *A = malloc(sizeof(float) * M * K),
				   *W = malloc(sizeof(float) * N * K),
				   *b = malloc(sizeof(float) * N),
				   *C = malloc(sizeof(float) * M * N);
		rs_error	err = {0};
		rs_gemm16  *g;
		void	   *scratch;
		job			j;
		double		flop = 2.0 * M * N * K,
					t16,
					t32;

		for (int i = 0; i < M * K; i++)
			A[i] = (float) rs_rng_normal(&rng);
		for (int i = 0; i < N * K; i++)
			W[i] = (float) (0.05 * rs_rng_normal(&rng));
		for (int i = 0; i < N; i++)
			b[i] = (float) (0.05 * rs_rng_normal(&rng));
		g = rs_gemm16_pack(W, K, N, K, b, 0, &err);
		if (!g)
		{
			fprintf(stderr, "pack: %s\n", err.msg);
			return 1;
		}
		scratch = malloc(rs_gemm16_scratch_bytes(g, M) + 1);
		j = (job) {0, g, M, N, K, A, W, b, C, scratch};
		t16 = best_time(&j);
		j.mode = 1;
		t32 = best_time(&j);
		printf("M %4d K %4d N %4d: gemm16 %6.1f GFLOP/s (%7.1f us)  sgemm %6.1f GFLOP/s (%7.1f us)  ratio %.2fx\n",
			   M, K, N, flop / t16 * 1e-9, t16 * 1e6, flop / t32 * 1e-9,
			   t32 * 1e6, t32 / t16);
		rs_gemm16_free(g);
		free(scratch);
		free(A);
		free(W);
		free(b);
		free(C);
	}
	return 0;
}

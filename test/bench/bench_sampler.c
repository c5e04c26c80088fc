/*
 * bench_sampler.c
 *	  Rows per second of rs_gan_sample with CTGAN's default generator on
 *	  rows shaped like the encoded heart minority (data_dim 182, cond_dim
 *	  72: bench.h), against two baselines measured in the same run:
 *	  - the fp32 sgemm ceiling: the generator's three products for a batch
 *		of 1024 rows (200->256, 456->256, 712->182) alone in cblas_sgemm at
 *		the same thread count, as rows per second;
 *	  - the same compiled sampler with fp32 products (force_fp32) on one
 *		thread.
 *
 * Build (from the project root; test/bench/run.sh does this):
 *	gcc -O2 -march=x86-64 -Isrc/core -I/usr/include/x86_64-linux-gnu/openblas-pthread \
 *		test/bench/bench_sampler.c src/core/ *.c -lxgboost -lgomp -lm
 * Run: ./bench_sampler [rows [fast]]   (threads from OPENBLAS_NUM_THREADS;
 * "fast" times only rs_gan_sample's path, for profiling)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"

#include "gan.h"
#include "gemm16.h"
#include "bench.h"
#include "rng.h"
#include "sampler.h"

/* Best of three: seconds for n rows from sampler s. */
static double
time_sampler(rs_sampler *s, int64_t n, float *out)
{
	double		best = 1e30;
	rs_error	err;
	rs_rng		rng;

	for (int rep = 0; rep < 3; rep++)
	{
		double		t0 = now();

		rs_rng_seed(&rng, 1);
		for (int64_t done = 0; done < n; done += 1024)
			if (rs_sampler_run(s, n - done < 1024 ? n - done : 1024, -1, -1, out, &rng, &err) != RS_OK)
			{
				fprintf(stderr, "sample: %s\n", err.msg);
				exit(1);
			}
		if (now() - t0 < best)
			best = now() - t0;
	}
	return best;
}

int
main(int argc, char **argv)
{
	int64_t		n = argc > 1 ? atoll(argv[1]) : 200000;
	int			threads = (bench_blas("sgemm ceiling, fp32 sampler products"),
						   openblas_get_num_threads());
	rs_gan_config cfg;
	rs_span		spans[64];
	int			D,
				cd,
				ns = heart_spans(spans, &D, &cd);
	rs_error	err;
	rs_gan	   *g;
	rs_gen_view v;
	rs_sampler *fast,
			   *fp32;
	float	   *data,
			   *out,
			   *a,
			   *w,
			   *c;
	rs_rng		rng;
	double		flops_row = 0,
				t_ceil,
				t_fast,
				t_fp32;
	int			M = 1024,
				K[3],
				N[3],
				only_fast = 0;

	if (argc > 2 && strcmp(argv[2], "fast") == 0)
		only_fast = 1;
	rs_gan_config_default(&cfg);
	data = calloc((size_t) cfg.batch_size * D, sizeof(float));
	rs_rng_seed(&rng, 1);
	for (int r = 0; r < cfg.batch_size; r++)
		for (int i = 0; i < ns; i++)
		{
			if (spans[i].act == RS_ACT_TANH)
				data[(size_t) r * D + spans[i].start] = (float) (1.8 * rs_rng_uniform(&rng) - 0.9);
			else
				data[(size_t) r * D + spans[i].start + rs_rng_below(&rng, spans[i].width)] = 1.0f;
		}
	g = rs_gan_create(&cfg, D, spans, ns, 42, &err);
	if (!g || rs_gan_fit_epoch(g, data, cfg.batch_size, NULL, NULL, &err) != RS_OK)
	{
		fprintf(stderr, "gan: %s\n", err.msg);
		return 1;
	}
	rs_gan_generator_view(g, &v);

	/* the ceiling: the generator's products alone, fp32 sgemm */
	K[0] = v.gin[0];
	N[0] = v.gdims[0];
	K[1] = v.gin[1];
	N[1] = v.gdims[1];
	K[2] = v.W;
	N[2] = v.D;
	for (int i = 0; i < 3; i++)
		flops_row += 2.0 * K[i] * N[i];
	a = calloc((size_t) M * v.W, sizeof(float));
	w = calloc((size_t) v.W * 256, sizeof(float));
	c = calloc((size_t) M * 256, sizeof(float));
	for (size_t i = 0; i < (size_t) M * v.W; i++)
		a[i] = (float) (i % 7) * 0.1f;
	for (size_t i = 0; i < (size_t) v.W * 256; i++)
		w[i] = (float) (i % 5) * 0.1f;
	t_ceil = 1e30;
	for (int rep = 0; rep < (only_fast ? 0 : 3); rep++)
	{
		double		t0 = now();

		for (int b = 0; b < 100; b++)
			for (int i = 0; i < 3; i++)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N[i], K[i],
							1.0f, a, K[i], w, K[i], 0.0f, c, N[i]);
		if ((now() - t0) / 100 < t_ceil)
			t_ceil = (now() - t0) / 100;
	}

	out = malloc(sizeof(float) * 1024 * D);
	fast = rs_sampler_create(&v, threads, 0, &err);
	fp32 = rs_sampler_create(&v, 1, 1, &err);
	if (!fast || !fp32)
	{
		fprintf(stderr, "sampler: %s\n", err.msg);
		return 1;
	}
	printf("sampler products: %s\n", rs_sampler_is_bf16(fast) ?
		   "bf16, raresynth's AVX512-BF16 kernel (gemm16.c)" : "fp32, OpenBLAS sgemm");
	t_fast = time_sampler(fast, n, out);
	if (only_fast)
	{
		printf("rs_gan_sample: %.0f rows/s\n", n / t_fast);
		return 0;
	}
	t_fp32 = time_sampler(fp32, n, out);
	printf("generator: %.3f MFLOP/row as CTGAN computes it (with the one-hot cond columns)\n",
		   flops_row * 1e-6);
	printf("sgemm ceiling (fp32, %d threads, batch 1024): %.0f rows/s (%.1f GFLOP/s)\n",
		   threads, M / t_ceil, flops_row * M / t_ceil * 1e-9);
	printf("rs_gan_sample, %s, %d threads: %.0f rows/s = %.2f x the fp32 sgemm ceiling\n",
		   rs_sampler_is_bf16(fast) ? "bf16 products" : "fp32 products",
		   threads, n / t_fast, (n / t_fast) / (M / t_ceil));
	printf("same sampler, fp32 products, 1 thread: %.0f rows/s (bf16 + threads: %.2fx)\n",
		   n / t_fp32, t_fp32 / t_fast);
	rs_sampler_free(fast);
	rs_sampler_free(fp32);
	rs_gan_free(g);
	free(data);
	free(out);
	free(a);
	free(w);
	free(c);
	return 0;
}

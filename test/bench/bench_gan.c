/*
 * bench_gan.c
 *	  Times GAN training steps with CTGAN's default networks on rows shaped
 *	  like the encoded heart minority (data_dim 182, cond_dim 72: bench.h),
 *	  and compares with cblas_sgemm alone on the same matrix shapes (the
 *	  ceiling).  Prints the OpenBLAS core that runs the products and the
 *	  one raresynth chooses for this CPU (run.sh reruns it under that core).
 *	  Trains in both precisions (gan.h's precision; bf16 where the CPU has
 *	  AVX512-BF16), alternating, ROUNDS times each, and prints the median
 *	  step of each and their ratio; "training:" is the default (auto).
 *
 * Build:
 *	gcc -O2 -Isrc/core -I/usr/include/x86_64-linux-gnu/openblas-pthread \
 *		test/bench/bench_gan.c src/core/ *.c -lxgboost -lgomp -lm
 * Run: ./a.out [steps]   (thread count from OPENBLAS_NUM_THREADS)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"

#include "bench.h"
#include "gan.h"
#include "gemm16.h"
#include "gan_test.h"
#include "nn.h"
#include "rng.h"

/* One sgemm shape: C[M, N] = op(A) op(B) with inner dimension K. */
typedef struct shape
{
	int			M,
				N,
				K,
				ta,
				tb;
} shape;

static int	n_shapes;
static shape shapes[256];

static void
add(int M, int N, int K, int ta, int tb)
{
	shapes[n_shapes++] = (shape) {M, N, K, ta, tb};
}

/* The sgemm calls of one training step, as gan.c makes them. */
static void
list_shapes(const rs_gan_config *c, int D, int cd)
{
	int			B = c->batch_size,
				Bp = B / c->pac,
				R = 3 * Bp,
				W = c->embedding_dim + cd,
				P = c->pac * (D + cd);
	int			gin[RS_GAN_MAX_LAYERS],
				din[RS_GAN_MAX_LAYERS];

	for (int l = 0; l < c->n_gen_dims; l++)
	{
		gin[l] = W;
		W += c->gen_dims[l];
	}
	for (int l = 0; l < c->n_dis_dims; l++)
		din[l] = l ? c->dis_dims[l - 1] : P;

	for (int pass = 0; pass < 2; pass++)
	{
		/* generator forward (both steps) */
		for (int l = 0; l < c->n_gen_dims; l++)
			add(B, c->gen_dims[l], gin[l], 0, 1);
		add(B, D, W, 0, 1);
	}
	/* critic step: forward on real, fake, interpolates */
	for (int l = 0; l < c->n_dis_dims; l++)
		add(R, c->dis_dims[l], din[l], 0, 1);
	add(R, 1, c->dis_dims[c->n_dis_dims - 1], 0, 1);
	for (int l = 0; l < c->n_dis_dims; l++)
	{
		add(c->dis_dims[l], din[l], 2 * Bp, 1, 0);	/* dW */
		add(l ? R : Bp, din[l], c->dis_dims[l], 0, 0);	/* input gradient */
		add(c->dis_dims[l], din[l], Bp, 1, 0);	/* GP dW */
		add(Bp, c->dis_dims[l], din[l], 0, 1);	/* GP forward-like */
	}
	/* generator step: critic on fake, input gradient, generator backward */
	for (int l = 0; l < c->n_dis_dims; l++)
		add(Bp, c->dis_dims[l], din[l], 0, 1);
	add(Bp, 1, c->dis_dims[c->n_dis_dims - 1], 0, 1);
	for (int l = 0; l < c->n_dis_dims; l++)
		add(Bp, din[l], c->dis_dims[l], 0, 0);
	add(B, W, D, 0, 0);
	add(D, W, B, 1, 0);
	for (int l = 0; l < c->n_gen_dims; l++)
	{
		add(c->gen_dims[l], gin[l], B, 1, 0);
		if (l > 0)
			add(B, gin[l], c->gen_dims[l], 0, 0);
	}
}

static double sgemm_ceiling(int reps, double *flops, rs_team *team);

/*
 * The same products through rs_sgemm, split over a team of the step's
 * thread count with OpenBLAS single-threaded, as a training step runs them
 * (gan.c step_begin); the step's ceiling is the faster of the two replays.
 */
static double
sgemm_ceiling_team(int reps)
{
	int			T = openblas_get_num_threads();
	rs_team		team;
	double		t;

	rs_team_start(&team, T);
	openblas_set_num_threads(1);
	t = sgemm_ceiling(reps, NULL, &team);
	openblas_set_num_threads(T);
	rs_team_stop(&team);
	return t;
}

static double
sgemm_ceiling(int reps, double *flops, rs_team *team)
{
	size_t		maxa = 0;
	float	   *a,
			   *b,
			   *c;
	double		t0,
				fl = 0.0;

	for (int i = 0; i < n_shapes; i++)
	{
		size_t		m = (size_t) shapes[i].M * shapes[i].K;

		if ((size_t) shapes[i].K * shapes[i].N > m)
			m = (size_t) shapes[i].K * shapes[i].N;
		if ((size_t) shapes[i].M * shapes[i].N > m)
			m = (size_t) shapes[i].M * shapes[i].N;
		if (m > maxa)
			maxa = m;
		fl += 2.0 * shapes[i].M * shapes[i].N * shapes[i].K;
	}
	if (flops)
		*flops = fl;
	a = calloc(maxa, sizeof(float));
	b = calloc(maxa, sizeof(float));
	c = calloc(maxa, sizeof(float));
	for (size_t i = 0; i < maxa; i++)
	{
		a[i] = (float) (i % 7) * 0.1f;
		b[i] = (float) (i % 5) * 0.1f;
	}
	t0 = now();
	for (int r = 0; r < reps; r++)
		for (int i = 0; i < n_shapes; i++)
		{
			shape	   *s = &shapes[i];

			/* rs_sgemm is cblas_sgemm itself when no team is set */
			rs_sgemm(s->ta, s->tb, s->M, s->N, s->K, a, s->ta ? s->M : s->K,
					 b, s->tb ? s->K : s->N, 1.0f, c, s->N, team);
		}
	free(a);
	free(b);
	free(c);
	return (now() - t0) / reps;
}

#define ROUNDS 5

/* seconds per step of one epoch of n rows on g (after a warm-up epoch) */
static double
time_epoch(rs_gan *g, const float *data, int64_t n, int steps, double *lg, double *ld)
{
	rs_error	err;
	double		t0 = now();

	if (rs_gan_fit_epoch(g, data, n, lg, ld, &err) != RS_OK)
	{
		fprintf(stderr, "fit: %s\n", err.msg);
		exit(1);
	}
	return (now() - t0) / steps;
}

int
main(int argc, char **argv)
{
	int			steps = argc > 1 ? atoi(argv[1]) : 40;
	rs_gan_config cfg;
	rs_span		spans[64];
	int			pos,
				cd,
				ns = heart_spans(spans, &pos, &cd);
	rs_error	err;
	rs_gan	   *g,
			   *gp[2] = {NULL, NULL};	/* fp32, bf16 */
	double		tp[2][ROUNDS];
	int			np = rs_gemm16_native() ? 2 : 1;
	float	   *data;
	int64_t		n;
	rs_rng		rng;
	double		t,
				lg,
				ld,
				flops,
				ceil_t,
				ceil_f,
				team_t;

	bench_blas("training products (sgemm)");
	printf("OpenBLAS core raresynth chooses for this CPU: %s\n",
		   rs_blas_core_for(rs_cpu_features()) ? rs_blas_core_for(rs_cpu_features()) : "none (OpenBLAS's own)");
	rs_gan_config_default(&cfg);
	n = (int64_t) cfg.batch_size * steps;
	data = calloc((size_t) n * pos, sizeof(float));
	rs_rng_seed(&rng, 1);
	for (int64_t r = 0; r < n; r++)
		for (int i = 0; i < ns; i++)
		{
			rs_span    *s = &spans[i];

			if (s->act == RS_ACT_TANH)
				data[r * pos + s->start] = (float) (1.8 * rs_rng_uniform(&rng) - 0.9);
			else
				data[r * pos + s->start + rs_rng_below(&rng, s->width)] = 1.0f;
		}
	for (int k = 0; k < np; k++)
	{
		cfg.precision = k ? RS_PRECISION_BF16 : RS_PRECISION_FP32;
		gp[k] = rs_gan_create(&cfg, pos, spans, ns, 42, &err);
		if (!gp[k])
		{
			fprintf(stderr, "create: %s\n", err.msg);
			return 1;
		}
		/* warm up with one small epoch */
		time_epoch(gp[k], data, cfg.batch_size, 1, &lg, &ld);
	}
	cfg.precision = RS_PRECISION_AUTO;
	g = gp[np - 1];				/* what auto chooses */
	printf("training products: %s (precision auto)\n",
		   strcmp(rs_gan_precision(g), "bf16") == 0 ?
		   "bf16, raresynth's AVX512-BF16 kernel (gemm16.c rs_gemm16_gemm), fp32 accumulation and master weights" :
		   "fp32, cblas_sgemm (no AVX512-BF16 on this CPU)");
	for (int r = 0; r < ROUNDS; r++)
		for (int k = 0; k < np; k++)
			tp[k][r] = time_epoch(gp[k], data, n, steps, &lg, &ld);
	for (int k = 0; k < np; k++)
		bench_median(tp[k], ROUNDS);	/* sorts */
	t = tp[np - 1][ROUNDS / 2];

	flops = rs_gan_step_flops(g);
	list_shapes(&cfg, pos, cd);
	ceil_t = sgemm_ceiling(steps, &ceil_f, NULL);
	team_t = sgemm_ceiling_team(steps);
	printf("data_dim %d, cond_dim %d, batch %d, pac %d, %d steps\n",
		   pos, cd, cfg.batch_size, cfg.pac, steps);
	printf("training:   %.4f s/step, %.3f GFLOP/step, %.1f GFLOP/s (loss_g %.3f loss_d %.3f)\n",
		   t, flops * 1e-9, flops * 1e-9 / t, lg, ld);
	printf("sgemm only: %.4f s/step, %.3f GFLOP/step, %.1f GFLOP/s (%d calls)\n",
		   ceil_t, ceil_f * 1e-9, ceil_f * 1e-9 / ceil_t, n_shapes);
	printf("sgemm split over a %d-thread team: %.4f s/step, %.1f GFLOP/s\n",
		   openblas_get_num_threads(), team_t, ceil_f * 1e-9 / team_t);
	if (team_t < ceil_t)
		ceil_t = team_t;
	printf("share of the ceiling (the faster replay): %.1f%%\n",
		   100.0 * ceil_t / t);
	if (np == 2)
		printf("training step, median of %d alternating epochs: fp32 %.4f s, bf16 %.4f s; "
			   "bf16/fp32 %.2f (%.2fx; target >= 1.3x of fp32)\n", ROUNDS,
			   tp[0][ROUNDS / 2], tp[1][ROUNDS / 2], tp[1][ROUNDS / 2] / tp[0][ROUNDS / 2],
			   tp[0][ROUNDS / 2] / tp[1][ROUNDS / 2]);
	else
		printf("training step: fp32 %.4f s (no AVX512-BF16: no bf16 step)\n", tp[0][ROUNDS / 2]);
	rs_gan_free(gp[0]);
	rs_gan_free(gp[1]);
	free(data);
	return 0;
}

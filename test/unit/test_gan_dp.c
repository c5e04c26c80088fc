/*
 * test_gan_dp.c
 *	  DP-SGD on the critic (gan_train.c's "DP-SGD" section): each real
 *	  row's contribution is its gradient clipped to max_grad_norm, the
 *	  contributions add up, the noise has the calibrated spread, the
 *	  configuration refuses what reads rows without noise, the conditions
 *	  are uniform, and training is deterministic for a seed and a thread
 *	  count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"

#include "gan.h"
#include "gan_test.h"
#include "rng.h"
#include "rs_common.h"
#include "unit.h"

/* 3 tanh columns and a softmax column of width 3 (a condition, or not) */
static int
dp_spans(rs_span *s, int cond)
{
	memset(s, 0, sizeof(rs_span) * 4);
	for (int i = 0; i < 3; i++)
	{
		s[i].start = i;
		s[i].width = 1;
		s[i].act = RS_ACT_TANH;
		s[i].column = i;
	}
	s[3].start = 3;
	s[3].width = 3;
	s[3].act = RS_ACT_SOFTMAX;
	s[3].column = 3;
	s[3].is_condition = cond;
	return 4;
}

#define DP_D 6

static float *
dp_data(int n, uint64_t seed)
{
	float	   *x = calloc((size_t) n * DP_D, sizeof(float));
	rs_rng		rng;

	rs_rng_seed(&rng, seed);
	for (int r = 0; r < n; r++)
	{
		for (int i = 0; i < 3; i++)
			x[r * DP_D + i] = (float) (1.8 * rs_rng_uniform(&rng) - 0.9);
		x[r * DP_D + 3 + (r % 5 == 0 ? 2 : r % 2)] = 1.0f;
	}
	return x;
}

static void
dp_config(rs_gan_config *cfg)
{
	rs_gan_config_default(cfg);
	cfg->embedding_dim = 4;
	cfg->n_gen_dims = 1;
	cfg->gen_dims[0] = 8;
	cfg->n_dis_dims = 2;
	cfg->dis_dims[0] = 9;
	cfg->dis_dims[1] = 7;
	cfg->pac = 1;
	cfg->batch_size = 8;
	cfg->gp_lambda = 0;
	cfg->moment_weight = 0;
	cfg->calibration = 0;
	cfg->early_stopping = 0;
	cfg->dropout = 0;
	cfg->dp_noise = 1.0;
	cfg->dp_rate = 1.0;
	cfg->max_grad_norm = 1.0;
	cfg->weight_clip = 0.01;
}

/* The DP step's gradient of data[n] with the model's rng seeded from seed. */
static float *
dp_grad(rs_gan *g, const float *data, int n, uint64_t seed)
{
	int64_t		np;
	double		loss;
	rs_error	err;
	float	   *out;

	CHECK(rs_gan_test_loss(g, data, n, 4, seed, &loss, &err) == RS_OK);
	CHECK(isfinite(loss));
	rs_gan_grads(g, 1, &np);
	out = malloc(sizeof(float) * np);
	memcpy(out, rs_gan_grads(g, 1, &np), sizeof(float) * np);
	return out;
}

static double
dist(const float *a, const float *b, int64_t n)
{
	double		s = 0;

	for (int64_t i = 0; i < n; i++)
		s += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
	return sqrt(s);
}

/*
 * Without a condition span and dropout, with sampling rate 1 and noise of
 * deviation 1e-9 / B, the step's gradient is F (the fake rows' term, the same for the
 * same seed) plus the sum of the rows' clipped gradients / B.  F is the
 * step of a sampling rate so small that no row is drawn.  Each row alone
 * then moves the gradient by exactly C / B when C is below every row's
 * gradient norm (which checks the per-row norms computed from the
 * layers), and the rows' contributions add up.
 */
static void
test_dp_clipping(void)
{
	rs_gan_config cfg;
	rs_span		spans[4];
	int			ns = dp_spans(spans, 0),
				n = 5;
	float	   *data = dp_data(n, 7);
	rs_error	err;
	int64_t		np;

	for (int big = 0; big < 2; big++)
	{
		rs_gan	   *g;
		float	   *f,
				   *all,
				   *sum;
		double		C = big ? 1e6 : 1e-2;

		dp_config(&cfg);
		cfg.dp_noise = 1e-9 / C;	/* noise 1e-9 / B */
		cfg.max_grad_norm = C;
		cfg.dp_rate = 1e-300;
		g = rs_gan_create(&cfg, DP_D, spans, ns, 11, &err);
		CHECK(g != NULL);
		if (!g)
			return;
		f = dp_grad(g, data, n, 5);
		rs_gan_free(g);
		cfg.dp_rate = 1;
		g = rs_gan_create(&cfg, DP_D, spans, ns, 11, &err);
		rs_gan_params(g, 1, &np);
		all = dp_grad(g, data, n, 5);
		sum = calloc(np, sizeof(float));
		for (int r = 0; r < n; r++)
		{
			float	   *one = dp_grad(g, data + r * DP_D, 1, 5);
			double		d = dist(one, f, np);

			if (!big)
				CHECK_NEAR(d, C / cfg.batch_size, 1e-3 * C / cfg.batch_size);
			else
				CHECK(d > 1e-3);	/* not clipped: the raw gradient / B */
			for (int64_t i = 0; i < np; i++)
				sum[i] += one[i] - f[i];
			free(one);
		}
		for (int64_t i = 0; i < np; i++)
			sum[i] += f[i];
		CHECK(dist(sum, all, np) <= 1e-5 * (1 + dist(all, f, np)));
		CHECK(dist(all, f, np) > 0);
		free(f);
		free(all);
		free(sum);
		rs_gan_free(g);
	}
	free(data);
}

/*
 * The noise: two steps of the same seed with noise multipliers 3 and 1e-9
 * differ by N(0, (3 C / B)^2) on every coordinate (their sample standard
 * deviation within 10% over the critic's parameters).
 */
static void
test_dp_noise(void)
{
	rs_gan_config cfg;
	rs_span		spans[4];
	int			ns = dp_spans(spans, 1);
	float	   *data = dp_data(40, 8);
	rs_error	err;
	int64_t		np;
	float	   *a,
			   *b;
	rs_gan	   *g;
	double		ss = 0;

	dp_config(&cfg);
	cfg.dis_dims[0] = 64;
	cfg.dis_dims[1] = 64;
	cfg.max_grad_norm = 2;
	cfg.dp_rate = 0.2;
	cfg.dp_noise = 3;
	g = rs_gan_create(&cfg, DP_D, spans, ns, 12, &err);
	a = dp_grad(g, data, 40, 9);
	rs_gan_free(g);
	cfg.dp_noise = 1e-9;
	g = rs_gan_create(&cfg, DP_D, spans, ns, 12, &err);
	b = dp_grad(g, data, 40, 9);
	rs_gan_params(g, 1, &np);
	for (int64_t i = 0; i < np; i++)
		ss += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
	CHECK(np > 4000);
	CHECK_NEAR(sqrt(ss / np), 3.0 * 2 / cfg.batch_size, 0.1 * 3.0 * 2 / cfg.batch_size);
	free(a);
	free(b);
	rs_gan_free(g);
	free(data);
}

/* What reads the rows without noise is refused under DP. */
static void
test_dp_config(void)
{
	rs_gan_config cfg;
	rs_error	err;

	dp_config(&cfg);
	CHECK(rs_gan_config_validate(&cfg, &err) == RS_OK);
	cfg.pac = 2;
	CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID && strstr(err.msg, "pac"));
	dp_config(&cfg);
	cfg.gp_lambda = 10;
	CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID && strstr(err.msg, "gp_lambda"));
	dp_config(&cfg);
	cfg.moment_weight = 10;
	CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID && strstr(err.msg, "moment_weight"));
	dp_config(&cfg);
	cfg.calibration = 3;
	CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID && strstr(err.msg, "calibration"));
	dp_config(&cfg);
	cfg.early_stopping = 25;
	CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID && strstr(err.msg, "early_stopping"));
	dp_config(&cfg);
	cfg.dp_rate = 0;
	CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID);
	cfg.dp_rate = 1.5;
	CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID);
	dp_config(&cfg);
	cfg.dp_noise = -1;
	CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID);
	cfg.dp_noise = INFINITY;
	CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID);
	/* steps: an epoch is floor(1 / q) generator steps, whatever n */
	dp_config(&cfg);
	cfg.epochs = 3;
	cfg.dp_rate = 0.3;
	cfg.discriminator_steps = 2;
	CHECK(rs_gan_dp_steps(&cfg) == 3 * 3 * 2);
}

/*
 * Training under DP: finite, the critic's weights within [-c, c], the
 * same weights for the same seed with 1 and 2 threads, and the training
 * conditions uniform (no category frequency of the rows).
 */
static void
test_dp_train(void)
{
	rs_gan_config cfg;
	rs_span		spans[4];
	int			ns = dp_spans(spans, 1),
				blas = openblas_get_num_threads();
	float	   *data = dp_data(64, 9);
	float	   *ref = NULL;
	int64_t		np = 0;
	rs_error	err;

	dp_config(&cfg);
	cfg.dp_rate = 8.0 / 64;
	cfg.dis_dims[0] = 128;
	cfg.dis_dims[1] = 128;
	for (int threads = 1; threads <= 2; threads++)
	{
		rs_gan	   *g;
		float	   *p;
		double		lg,
					ld;

		openblas_set_num_threads(threads);
		g = rs_gan_create(&cfg, DP_D, spans, ns, 21, &err);
		CHECK(g != NULL);
		if (!g)
			break;
		for (int e = 0; e < 2; e++)
		{
			CHECK(rs_gan_fit_epoch(g, data, 64, &lg, &ld, &err) == RS_OK);
			CHECK(isfinite(lg) && isfinite(ld));
		}
		p = rs_gan_params(g, 1, &np);
		for (int64_t i = 0; i < np; i++)
			CHECK(fabsf(p[i]) <= 0.01f);
		if (threads == 1)
		{
			ref = malloc(sizeof(float) * np);
			memcpy(ref, p, sizeof(float) * np);
		}
		else
			CHECK(memcmp(ref, p, sizeof(float) * np) == 0);
		if (threads == 1)
		{
			/* conditions: each category of the span about a third */
			float		cond[8 * 3];
			int			span_of[8],
						cat_of[8];
			int64_t		row_of[8];
			int			cnt[3] = {0, 0, 0};

			for (int t = 0; t < 300; t++)
			{
				CHECK(rs_gan_test_condvec(g, data, 64, 8, cond, span_of, cat_of,
										  row_of, &err) == RS_OK || t > 0);
				for (int r = 0; r < 8; r++)
					cnt[cat_of[r]]++;
			}
			for (int j = 0; j < 3; j++)
				CHECK_NEAR(cnt[j] / 2400.0, 1.0 / 3, 0.04);
		}
		rs_gan_free(g);
	}
	openblas_set_num_threads(blas);
	free(ref);
	free(data);
}

int
main(void)
{
	RUN(test_dp_clipping);
	RUN(test_dp_noise);
	RUN(test_dp_config);
	RUN(test_dp_train);
	return unit_summary("test_gan_dp");
}

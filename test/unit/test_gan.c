/*
 * test_gan.c
 *	  Unit tests of src/core/gan.c: finite-difference checks of the critic
 *	  loss, the gradient penalty (double backprop) and the generator loss
 *	  with its cond loss; the conditional vector; determinism; a training
 *	  smoke test; sampling (inference-mode batchnorm, fixed conditions);
 *	  save/load round trip and hostile input.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"

#include "format.h"
#include "gan.h"
#include "gan_test.h"
#include "gemm16.h"
#include "rng.h"
#include "rs_common.h"
#include "unit.h"

/* ---------------------------------------------------------------- helpers */

/*
 * Spans from a compact description: 't' tanh, digit = softmax width (cond),
 * 'm' + width non-cond, 'p' + width non-cond softmax of the same column as
 * the span before it (a continuous column's modes after its tanh).
 */
static int
make_spans(const char *desc, rs_span *spans)
{
	int			n = 0,
				pos = 0,
				col = 0;

	for (const char *p = desc; *p; p++)
	{
		rs_span    *s = &spans[n++];

		memset(s, 0, sizeof(*s));
		s->start = pos;
		s->column = col++;
		if (*p == 't')
		{
			s->width = 1;
			s->act = RS_ACT_TANH;
		}
		else if (*p == 'p')
		{
			p++;
			s->width = *p - '0';
			s->act = RS_ACT_SOFTMAX;
			s->column = --col - 1;
		}
		else if (*p == 'm')
		{
			p++;
			s->width = *p - '0';
			s->act = RS_ACT_SOFTMAX;
		}
		else
		{
			s->width = *p - '0';
			s->act = RS_ACT_SOFTMAX;
			s->is_condition = 1;
		}
		pos += s->width;
	}
	return n;
}

static int
spans_dim(const rs_span *spans, int n)
{
	return spans[n - 1].start + spans[n - 1].width;
}

/* Random encoded rows; softmax categories skewed towards low indexes. */
/* 1 if encoded position i is a tanh value. */
static int
spans_is_tanh(const rs_span *spans, int ns, int i)
{
	for (int s = 0; s < ns; s++)
		if (i >= spans[s].start && i < spans[s].start + spans[s].width)
			return spans[s].act == RS_ACT_TANH;
	return 0;
}

static float *
make_data(const rs_span *spans, int ns, int n, uint64_t seed)
{
	int			D = spans_dim(spans, ns);
	float	   *x = calloc((size_t) n * D, sizeof(float));
	rs_rng		rng;

	rs_rng_seed(&rng, seed);
	for (int r = 0; r < n; r++)
		for (int i = 0; i < ns; i++)
		{
			const rs_span *s = &spans[i];

			if (s->act == RS_ACT_TANH)
				x[r * D + s->start] = (float) (1.8 * rs_rng_uniform(&rng) - 0.9);
			else
			{
				double		u = rs_rng_uniform(&rng);
				int			j = (int) (u * u * s->width);

				x[r * D + s->start + j] = 1.0f;
			}
		}
	return x;
}

static void
small_config(rs_gan_config *cfg)
{
	rs_gan_config_default(cfg);
	cfg->embedding_dim = 3;
	cfg->gen_dims[0] = 6;
	cfg->gen_dims[1] = 5;
	cfg->dis_dims[0] = 7;
	cfg->dis_dims[1] = 6;
	cfg->pac = 2;
	cfg->batch_size = 8;
}

static int
category_of(const float *row, const rs_span *s)
{
	int			best = 0;

	for (int j = 1; j < s->width; j++)
		if (row[s->start + j] > row[s->start + best])
			best = j;
	return best;
}

/*
 * Check the gradient of rs_gan_test_loss(what) wrt network `which`
 * against central differences: along random directions and along the
 * coordinates with the largest gradients.  A LeakyReLU/ReLU kink inside
 * the step makes the differences at eps, eps/2 and eps/4 disagree; such
 * probes are skipped (at least half must remain).  Returns the number of failed probes.
 */
static int
gan_fd_check(rs_gan *g, const float *data, int n, int what, int which,
			 uint64_t seed, int *probes_ok)
{
	int64_t		np;
	float	   *p = rs_gan_params(g, which, &np);
	float	   *grad,
			   *save,
			   *dir;
	double		loss;
	rs_error	err;
	rs_rng		rng;
	int			bad = 0,
				ok = 0;
	const double eps = 4e-4;

	grad = malloc(sizeof(float) * np);
	save = malloc(sizeof(float) * np);
	dir = malloc(sizeof(float) * np);
	memcpy(save, p, sizeof(float) * np);
	CHECK(rs_gan_test_loss(g, data, n, what, seed, &loss, &err) == RS_OK);
	{
		int64_t		ng;

		memcpy(grad, rs_gan_grads(g, which, &ng), sizeof(float) * np);
	}
	rs_rng_seed(&rng, seed ^ 0x5151);
	for (int probe = 0; probe < 24; probe++)
	{
		double		an = 0.0,
					fd[3],
					lo,
					hi;

		if (probe < 12)
		{
			/* random direction */
			for (int64_t i = 0; i < np; i++)
				dir[i] = (float) rs_rng_normal(&rng);
		}
		else
		{
			/* the (probe-12)-th largest gradient coordinate */
			int64_t		best = -1;
			static int64_t used[12];

			for (int64_t i = 0; i < np; i++)
			{
				int			taken = 0;

				for (int k = 0; k < probe - 12; k++)
					taken |= used[k] == i;
				if (!taken && (best < 0 || fabsf(grad[i]) > fabsf(grad[best])))
					best = i;
			}
			used[probe - 12] = best;
			memset(dir, 0, sizeof(float) * np);
			dir[best] = 1.0f;
		}
		for (int64_t i = 0; i < np; i++)
			an += (double) grad[i] * dir[i];
		for (int k = 0; k < 3; k++)
		{
			double		h = eps / (1 << k),
						lp,
						lm;

			for (int64_t i = 0; i < np; i++)
				p[i] = save[i] + (float) (h * dir[i]);
			rs_gan_test_loss(g, data, n, what, seed, &lp, &err);
			for (int64_t i = 0; i < np; i++)
				p[i] = save[i] - (float) (h * dir[i]);
			rs_gan_test_loss(g, data, n, what, seed, &lm, &err);
			fd[k] = (lp - lm) / (2 * h);
		}
		memcpy(p, save, sizeof(float) * np);
		lo = fmin(fd[0], fmin(fd[1], fd[2]));
		hi = fmax(fd[0], fmax(fd[1], fd[2]));
		if (hi - lo > 0.01 * fmax(fabs(lo), fabs(hi)) + 1e-3)
			continue;			/* kink inside the step */
		if (fabs(fd[1] - an) > 1e-2 * fmax(fabs(fd[1]), fabs(an)) + 2e-3)
		{
			fprintf(stderr, "  what %d probe %d: analytic %.6g, numeric %.6g (%.6g)\n",
					what, probe, an, fd[1], fd[0]);
			bad++;
		}
		else
			ok++;
	}
	free(grad);
	free(save);
	free(dir);
	*probes_ok = ok;
	return bad;
}

/* ---------------------------------------------------------------- config */

static void
test_config_validate(void)
{
	rs_gan_config cfg;
	rs_error	err;

	rs_gan_config_default(&cfg);
	CHECK(rs_gan_config_validate(&cfg, &err) == RS_OK);
	CHECK(cfg.embedding_dim == 128 && cfg.gen_dims[1] == 256 && cfg.pac == 10);
	CHECK(cfg.batch_size == 500 && cfg.epochs == 300 && cfg.gp_lambda == 10.0);

#define BAD(stmt) do { rs_gan_config_default(&cfg); stmt; \
		err.msg[0] = 0; \
		CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID); \
		CHECK(err.msg[0] != 0 && err.msg[strlen(err.msg) - 1] != '.'); } while (0)
	BAD(cfg.batch_size = 505);
	BAD(cfg.batch_size = 0);
	BAD(cfg.pac = 0);
	BAD(cfg.embedding_dim = 0);
	BAD(cfg.embedding_dim = 1 << 20);
	BAD(cfg.n_gen_dims = 9);
	BAD(cfg.gen_dims[1] = -3);
	BAD(cfg.n_dis_dims = 0);
	BAD(cfg.dis_dims[0] = 0);
	BAD(cfg.lr_g = 0);
	BAD(cfg.lr_d = NAN);
	BAD(cfg.gp_lambda = -1);
	BAD(cfg.tau = 0);
	BAD(cfg.discriminator_steps = 0);
	BAD(cfg.beta1 = 1.0);
	BAD(cfg.beta2 = -0.1);
	BAD(cfg.weight_decay = INFINITY);
	BAD(cfg.epochs = 0);
	BAD(cfg.dropout = 1.0);
	BAD(cfg.moment_weight = -1.0);
	BAD(cfg.moment_weight = NAN);
#undef BAD
}

static void
test_create_invalid(void)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[4];
	int			ns = make_spans("t3t", spans);

	small_config(&cfg);
	spans[1].start = 2;			/* gap */
	CHECK(rs_gan_create(&cfg, 5, spans, ns, 1, &err) == NULL);
	CHECK(err.code == RS_ERR_INVALID);
	ns = make_spans("t3t", spans);
	CHECK(rs_gan_create(&cfg, 6, spans, ns, 1, &err) == NULL);	/* wrong dim */
	spans[0].is_condition = 1;	/* tanh cannot be a condition */
	CHECK(rs_gan_create(&cfg, 5, spans, ns, 1, &err) == NULL);
	ns = make_spans("t3t", spans);
	spans[0].width = 2;
	spans[1].start = 2;
	spans[2].start = 5;
	CHECK(rs_gan_create(&cfg, 6, spans, ns, 1, &err) == NULL);	/* wide tanh */
	cfg.batch_size = 7;
	ns = make_spans("t3t", spans);
	CHECK(rs_gan_create(&cfg, 5, spans, ns, 1, &err) == NULL);
}

/* ---------------------------------------------------------------- gradients */

static void
run_grad_test(const char *desc, int what, int which, uint64_t seed)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[8];
	int			ns = make_spans(desc, spans),
				D = spans_dim(spans, ns),
				ok = 0;
	float	   *data = make_data(spans, ns, 20, seed);
	rs_gan	   *g;

	small_config(&cfg);
	g = rs_gan_create(&cfg, D, spans, ns, seed, &err);
	CHECK(g != NULL);
	if (!g)
	{
		free(data);
		return;
	}
	/* a few steps so that weights are not at their initial symmetry */
	CHECK(rs_gan_fit_epoch(g, data, 20, NULL, NULL, &err) == RS_OK);
	CHECK(gan_fd_check(g, data, 20, what, which, seed + 7, &ok) == 0);
	if (ok < 12)
		fprintf(stderr, "  only %d probes were away from kinks\n", ok);
	CHECK(ok >= 12);
	rs_gan_free(g);
	free(data);
}

static void
test_critic_wasserstein_grad(void)
{
	run_grad_test("tm231t2", 1, 1, 11);
}

static void
test_gradient_penalty_grad(void)
{
	run_grad_test("tm231t2", 2, 1, 12);
	run_grad_test("t3t", 2, 1, 13);
}

static void
test_critic_total_grad(void)
{
	run_grad_test("tm231t2", 0, 1, 14);
}

static void
test_generator_grad(void)
{
	run_grad_test("tm231t2", 3, 0, 15);
	/* no condition spans: no cond vector, no cond loss */
	run_grad_test("ttm3t", 3, 0, 16);
	/* continuous columns (tanh + modes): per-mode moment features */
	run_grad_test("tp32tp23", 3, 0, 17);
	run_grad_test("tp3tp2m2", 3, 0, 18);
}

/*
 * The moment-matching term: zero for the real rows themselves (with their
 * own categories as conditions), the hand-computed value after changing
 * one offset, and moment_weight = 0 leaves CTGAN's generator loss.
 */
static void
test_moment_matching(void)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[8];
	int			ns = make_spans("tp32tp23", spans),
				D = spans_dim(spans, ns),
				n = 8,
				F,
				span_of[8],
				cat_of[8];
	float	   *data = make_data(spans, ns, n, 5);
	float	   *fake = malloc(sizeof(float) * n * D);
	double		loss,
				want,
				l10,
				l0;
	rs_gan	   *g;

	small_config(&cfg);
	g = rs_gan_create(&cfg, D, spans, ns, 3, &err);
	CHECK(g != NULL);
	if (!g)
		return;
	CHECK(rs_gan_fit_epoch(g, data, n, NULL, NULL, &err) == RS_OK);
	/* condition on span 1 (width 3, data column 6..8) with each row's own category */
	for (int r = 0; r < n; r++)
	{
		span_of[r] = 1;
		cat_of[r] = category_of(data + r * D, &spans[5]);
	}
	memcpy(fake, data, sizeof(float) * n * D);
	CHECK(rs_gan_test_moments(g, fake, n, span_of, cat_of, &loss, &F, &err) == RS_OK);
	CHECK(F == D + 2 * 3 + 2 * 2);
	CHECK(loss < 1e-12);
	/* move row 0's first offset by 0.5: features alpha, alpha b_k, alpha^2 b_k change */
	{
		float		a0 = data[0],
					a1 = a0 + 0.5f;
		double		d1 = 0.5 / n,
					d2 = ((double) a1 * a1 - (double) a0 * a0) / n;

		fake[0] = a1;
		/* alpha itself, alpha b_k and alpha^2 b_k of the row's mode (one-hot) */
		want = d1 * d1 + d1 * d1 + d2 * d2;
		CHECK(rs_gan_test_moments(g, fake, n, span_of, cat_of, &loss, &F, &err) == RS_OK);
		CHECK(fabs(loss - want) < 1e-4 * want + 1e-9);
	}
	/* a condition out of range is refused */
	cat_of[0] = 3;
	CHECK(rs_gan_test_moments(g, fake, n, span_of, cat_of, &loss, &F, &err) == RS_ERR_INVALID);
	rs_gan_free(g);

	/* the generator loss with the term is the loss without it plus a square */
	cfg.moment_weight = 10.0;
	g = rs_gan_create(&cfg, D, spans, ns, 3, &err);
	CHECK(rs_gan_test_loss(g, data, n, 3, 77, &l10, &err) == RS_OK);
	rs_gan_free(g);
	cfg.moment_weight = 0.0;
	g = rs_gan_create(&cfg, D, spans, ns, 3, &err);
	CHECK(rs_gan_test_loss(g, data, n, 3, 77, &l0, &err) == RS_OK);
	CHECK(rs_gan_test_moments(g, fake, 1, span_of, cat_of, &loss, &F, &err) == RS_ERR_INVALID);
	rs_gan_free(g);
	CHECK(l10 > l0);
	free(fake);
	free(data);
}

/* The critic loss parts add up, and the penalty is what its definition says. */
static void
test_critic_loss_parts(void)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[8];
	int			ns = make_spans("tm231t2", spans),
				D = spans_dim(spans, ns);
	float	   *data = make_data(spans, ns, 30, 3);
	rs_gan	   *g;
	double		l0,
				l1,
				l2;

	small_config(&cfg);
	g = rs_gan_create(&cfg, D, spans, ns, 3, &err);
	CHECK(rs_gan_test_loss(g, data, 30, 0, 99, &l0, &err) == RS_OK);
	CHECK(rs_gan_test_loss(g, data, 30, 1, 99, &l1, &err) == RS_OK);
	CHECK(rs_gan_test_loss(g, data, 30, 2, 99, &l2, &err) == RS_OK);
	CHECK_NEAR(l0, l1 + l2, 1e-9);
	CHECK(l2 >= 0.0);
	cfg.gp_lambda = 0.0;
	rs_gan_free(g);
	g = rs_gan_create(&cfg, D, spans, ns, 3, &err);
	CHECK(rs_gan_test_loss(g, data, 30, 2, 99, &l2, &err) == RS_OK);
	CHECK(l2 == 0.0);
	rs_gan_free(g);
	free(data);
}

/* ---------------------------------------------------------------- conditional vector */

static void
test_condvec_offsets(void)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[8];
	/* three condition spans at cond offsets 0, 3, 7 and row offsets 1, 6, 11 */
	int			ns = make_spans("t3m24t2", spans),
				D = spans_dim(spans, ns),
				n = 60,
				B = 200;
	int			cidx[3] = {1, 3, 5},
				coff[3] = {0, 3, 7};
	float	   *data = make_data(spans, ns, n, 21);
	float	   *cond;
	int			span_of[200],
				cat_of[200],
				seen[3] = {0};
	int64_t		row_of[200];
	rs_gan	   *g;

	small_config(&cfg);
	cfg.batch_size = 200;
	/* category 3 of the 4-wide span never occurs */
	for (int r = 0; r < n; r++)
		if (data[r * D + spans[3].start + 3] == 1.0f)
		{
			data[r * D + spans[3].start + 3] = 0.0f;
			data[r * D + spans[3].start + 0] = 1.0f;
		}
	g = rs_gan_create(&cfg, D, spans, ns, 5, &err);
	CHECK(g != NULL);
	CHECK(rs_gan_cond_dim(g) == 9);
	CHECK(rs_gan_n_cond_spans(g) == 3);
	CHECK(rs_gan_cond_span_width(g, 1) == 4);
	cond = malloc(sizeof(float) * B * 9);
	for (int it = 0; it < 20; it++)
	{
		CHECK(rs_gan_test_condvec(g, data, n, B, cond, span_of, cat_of, row_of,
								  &err) == RS_OK);
		for (int r = 0; r < B; r++)
		{
			int			k = span_of[r],
						j = cat_of[r],
						ones = 0;
			const rs_span *s;

			CHECK(k >= 0 && k < 3);
			if (k < 0 || k >= 3)
				continue;
			s = &spans[cidx[k]];
			seen[k]++;
			CHECK(j >= 0 && j < s->width);
			for (int i = 0; i < 9; i++)
				ones += cond[r * 9 + i] != 0.0f;
			CHECK(ones == 1);
			CHECK(cond[r * 9 + coff[k] + j] == 1.0f);
			CHECK(row_of[r] >= 0 && row_of[r] < n);
			CHECK(category_of(data + row_of[r] * D, s) == j);
			CHECK(!(k == 1 && j == 3));
		}
	}
	for (int k = 0; k < 3; k++)
		CHECK(seen[k] > 20 * B / 3 * 0.8);
	free(cond);
	free(data);
	rs_gan_free(g);
}

static void
test_condvec_log_frequency(void)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[2];
	int			ns = make_spans("3", spans),
				n = 50,
				B = 500;
	float	   *data = calloc(n * 3, sizeof(float));
	float		cond[500 * 3];
	int			span_of[500],
				cat_of[500];
	int64_t		row_of[500];
	double		cnt[3] = {0},
				tot = 0,
				w[3] = {log(41.0), log(10.0), log(2.0)};
	rs_gan	   *g;

	/* counts 40, 9, 1 */
	for (int r = 0; r < n; r++)
		data[r * 3 + (r < 40 ? 0 : r < 49 ? 1 : 2)] = 1.0f;
	small_config(&cfg);
	cfg.batch_size = B;
	g = rs_gan_create(&cfg, 3, spans, ns, 5, &err);
	for (int it = 0; it < 40; it++)
	{
		CHECK(rs_gan_test_condvec(g, data, n, B, cond, span_of, cat_of, row_of,
								  &err) == RS_OK);
		for (int r = 0; r < B; r++)
			cnt[cat_of[r]]++;
	}
	for (int j = 0; j < 3; j++)
		tot += w[j];
	for (int j = 0; j < 3; j++)
		CHECK_NEAR(cnt[j] / (40.0 * B), w[j] / tot, 0.01);
	free(data);
	rs_gan_free(g);
}

/* ---------------------------------------------------------------- training */

static void
test_tiny_n(void)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[8];
	int			ns = make_spans("t3t2", spans),
				D = spans_dim(spans, ns);
	int			sizes[3] = {1, 5, 20};

	small_config(&cfg);
	cfg.batch_size = 10;
	for (int i = 0; i < 3; i++)
	{
		float	   *data = make_data(spans, ns, sizes[i], 31 + i);
		rs_gan	   *g = rs_gan_create(&cfg, D, spans, ns, 3, &err);
		double		lg = NAN,
					ld = NAN;
		float		out[4 * 7];
		rs_rng		rng;

		for (int e = 0; e < 3; e++)
			CHECK(rs_gan_fit_epoch(g, data, sizes[i], &lg, &ld, &err) == RS_OK);
		CHECK(isfinite(lg) && isfinite(ld));
		rs_rng_seed(&rng, 1);
		CHECK(rs_gan_sample(g, 4, NULL, out, &rng, &err) == RS_OK);
		rs_gan_free(g);
		free(data);
	}
	/* n = 0 is refused */
	{
		rs_gan	   *g = rs_gan_create(&cfg, D, spans, ns, 3, &err);
		float		dummy[7] = {0};

		CHECK(rs_gan_fit_epoch(g, dummy, 0, NULL, NULL, &err) == RS_ERR_INVALID);
		dummy[0] = NAN;
		CHECK(rs_gan_fit_epoch(g, dummy, 1, NULL, NULL, &err) == RS_ERR_INVALID);
		rs_gan_free(g);
	}
}

static void
determinism(int precision)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[8];
	int			ns = make_spans("tm231t2", spans),
				D = spans_dim(spans, ns);
	float	   *data = make_data(spans, ns, 64, 41);
	rs_gan	   *a,
			   *b,
			   *c;
	int64_t		na,
				nb;

	small_config(&cfg);
	cfg.precision = precision;
	cfg.batch_size = 16;
	a = rs_gan_create(&cfg, D, spans, ns, 77, &err);
	b = rs_gan_create(&cfg, D, spans, ns, 77, &err);
	c = rs_gan_create(&cfg, D, spans, ns, 78, &err);
	for (int e = 0; e < 3; e++)
	{
		CHECK(rs_gan_fit_epoch(a, data, 64, NULL, NULL, &err) == RS_OK);
		CHECK(rs_gan_fit_epoch(b, data, 64, NULL, NULL, &err) == RS_OK);
		CHECK(rs_gan_fit_epoch(c, data, 64, NULL, NULL, &err) == RS_OK);
	}
	for (int which = 0; which < 2; which++)
	{
		float	   *pa = rs_gan_params(a, which, &na),
				   *pb = rs_gan_params(b, which, &nb);
		int64_t		nc;
		float	   *pc = rs_gan_params(c, which, &nc);

		CHECK(na == nb && na > 0);
		CHECK(memcmp(pa, pb, sizeof(float) * na) == 0);
		CHECK(memcmp(pa, pc, sizeof(float) * na) != 0);
	}
	rs_gan_free(a);
	rs_gan_free(b);
	rs_gan_free(c);
	free(data);
}

/*
 * Same seed, same weights (bit for bit), in fp32 and, where the CPU has
 * AVX512-BF16, in bf16: the fp32 path stays tested on every machine.
 */
static void
test_determinism(void)
{
	determinism(RS_PRECISION_FP32);
	if (rs_gemm16_native())
		determinism(RS_PRECISION_BF16);
	else
		printf("skip bf16 determinism: no AVX512-BF16 on this CPU (or under valgrind)\n");
}

/*
 * A training step runs on a team of as many threads as OpenBLAS is set to
 * use; the weights are bit-identical with 1, 2 and 3 threads (layers wide
 * enough, and batches large enough, that every kind of job is split into
 * several parts).
 */
static void
determinism_threads(int precision)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[8];
	int			ns = make_spans("tm231t2", spans),
				D = spans_dim(spans, ns),
				blas = openblas_get_num_threads();
	float	   *data = make_data(spans, ns, 400, 43);
	float	   *ref[2] = {NULL, NULL};
	int64_t		nref[2] = {0, 0};

	rs_gan_config_default(&cfg);
	cfg.embedding_dim = 32;
	cfg.gen_dims[0] = cfg.gen_dims[1] = 128;
	cfg.dis_dims[0] = cfg.dis_dims[1] = 128;
	cfg.batch_size = 200;
	cfg.precision = precision;
	for (int threads = 1; threads <= 3; threads++)
	{
		rs_gan	   *g;

		openblas_set_num_threads(threads);
		g = rs_gan_create(&cfg, D, spans, ns, 91, &err);
		CHECK(g != NULL);
		if (!g)
			break;
		for (int e = 0; e < 2; e++)
			CHECK(rs_gan_fit_epoch(g, data, 400, NULL, NULL, &err) == RS_OK);
		CHECK(openblas_get_num_threads() == threads);
		for (int which = 0; which < 2; which++)
		{
			int64_t		np;
			float	   *p = rs_gan_params(g, which, &np);

			if (threads == 1)
			{
				nref[which] = np;
				ref[which] = malloc(sizeof(float) * np);
				memcpy(ref[which], p, sizeof(float) * np);
			}
			else
			{
				CHECK(np == nref[which]);
				CHECK(memcmp(p, ref[which], sizeof(float) * np) == 0);
			}
		}
		rs_gan_free(g);
	}
	openblas_set_num_threads(blas);
	free(ref[0]);
	free(ref[1]);
	free(data);
}

static void
test_determinism_threads(void)
{
	determinism_threads(RS_PRECISION_FP32);
	if (rs_gemm16_native())
		determinism_threads(RS_PRECISION_BF16);
	else
		printf("skip bf16 determinism_threads: no AVX512-BF16 on this CPU (or under valgrind)\n");
}

/*
 * precision: fp32 always runs fp32; auto runs bf16 exactly where the CPU
 * has AVX512-BF16; bf16 is refused elsewhere; DP training runs fp32.  A
 * bf16 training differs from the fp32 one (the products really are bf16)
 * but stays close to it after a few epochs.
 */
static void
test_precision(void)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[8];
	int			ns = make_spans("tm231t2", spans),
				D = spans_dim(spans, ns),
				native = rs_gemm16_native(),
				autobf = rs_gemm16_auto_training();
	float	   *data = make_data(spans, ns, 400, 47);
	rs_gan	   *g[3] = {NULL, NULL, NULL};

	rs_gan_config_default(&cfg);
	CHECK(cfg.precision == RS_PRECISION_AUTO);
	cfg.embedding_dim = 32;
	cfg.gen_dims[0] = cfg.gen_dims[1] = 64;
	cfg.dis_dims[0] = cfg.dis_dims[1] = 64;
	cfg.batch_size = 100;
	for (int p = RS_PRECISION_AUTO; p <= RS_PRECISION_BF16; p++)
	{
		cfg.precision = p;
		g[p] = rs_gan_create(&cfg, D, spans, ns, 5, &err);
		if (p == RS_PRECISION_BF16 && !native)
		{
			CHECK(g[p] == NULL && err.code == RS_ERR_INVALID);
			CHECK(strstr(err.msg, "AVX512-BF16") != NULL);
			continue;
		}
		CHECK(g[p] != NULL);
		if (!g[p])
			continue;
		CHECK(strcmp(rs_gan_precision(g[p]),
					 p == RS_PRECISION_FP32 || !native ||
					 (p == RS_PRECISION_AUTO && !autobf) ? "fp32" : "bf16") == 0);
		for (int e = 0; e < 3; e++)
			CHECK(rs_gan_fit_epoch(g[p], data, 400, NULL, NULL, &err) == RS_OK);
	}
	cfg.precision = 3;
	CHECK(rs_gan_create(&cfg, D, spans, ns, 5, &err) == NULL && err.code == RS_ERR_INVALID);
	cfg.precision = -1;
	CHECK(rs_gan_create(&cfg, D, spans, ns, 5, &err) == NULL && err.code == RS_ERR_INVALID);
	if (native && g[RS_PRECISION_FP32] && g[RS_PRECISION_BF16])
		for (int which = 0; which < 2; which++)
		{
			int64_t		n32,
						n16;
			float	   *p32 = rs_gan_params(g[RS_PRECISION_FP32], which, &n32),
					   *p16 = rs_gan_params(g[RS_PRECISION_BF16], which, &n16);
			double		d2 = 0.0,
						n2 = 0.0;

			CHECK(n32 == n16);
			CHECK(memcmp(p32, p16, sizeof(float) * n32) != 0);
			for (int64_t i = 0; i < n32; i++)
			{
				d2 += ((double) p32[i] - p16[i]) * ((double) p32[i] - p16[i]);
				n2 += (double) p32[i] * p32[i];
			}
			printf("  precision: %s weights, |bf16 - fp32| / |fp32| = %.4f after 3 epochs\n",
				   which ? "critic" : "generator", sqrt(d2 / n2));
			CHECK(sqrt(d2 / n2) < 0.05);
		}
	/* DP training runs fp32 (its clipping bound holds for fp32 products) */
	cfg.precision = RS_PRECISION_AUTO;
	cfg.pac = 1;
	cfg.gp_lambda = 0;
	cfg.moment_weight = 0;
	cfg.calibration = 0;
	cfg.early_stopping = 0;
	cfg.dp_noise = 1.0;
	cfg.dp_rate = 0.1;
	{
		rs_gan	   *dp = rs_gan_create(&cfg, D, spans, ns, 5, &err);

		CHECK(dp != NULL && strcmp(rs_gan_precision(dp), "fp32") == 0);
		rs_gan_free(dp);
	}
	for (int p = 0; p < 3; p++)
		rs_gan_free(g[p]);
	free(data);
}

/*
 * Early stopping's rule on synthetic loss sequences: a flat one (noise
 * only, or constant) stops at 2 x window, the first epoch the rule looks;
 * one that keeps decreasing, by a step far above its noise, never stops;
 * one whose generator loss settles stops once two windows lie on the
 * plateau; window 0 never stops.  Then a model's rs_gan_converged (its own
 * record of the last 2 W epochs) agrees with the rule on the losses
 * rs_gan_fit_epoch returned, epoch by epoch.
 */
static int
first_stop(const double *g, const double *d, int n, int w)
{
	for (int e = 1; e <= n; e++)
		if (rs_gan_losses_converged(g, d, e, w))
			return e;
	return n + 1;
}

static void
test_early_stopping(void)
{
	enum
	{
	N = 300, W = 25
	};
	double		g[N],
				d[N],
				flat[N];
	rs_rng		rng;
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[4];
	int			ns = make_spans("32t", spans),
				D = 6,
				n = 40,
				stopped = 0;
	float	   *data = calloc(n * D, sizeof(float));
	rs_gan	   *gan;

	rs_rng_seed(&rng, 77);
	for (int e = 0; e < N; e++)
	{
		flat[e] = 1.5;
		g[e] = 1.5 + 0.1 * rs_rng_normal(&rng);
		d[e] = -0.02 + 0.05 * rs_rng_normal(&rng);
	}
	CHECK(first_stop(flat, flat, N, W) == 2 * W);
	CHECK(!rs_gan_losses_converged(flat, flat, 2 * W - 1, W));
	CHECK(first_stop(flat, flat, N, 0) == N + 1);
	/* noise only: settled at 2 W, or within a few epochs of it */
	CHECK(first_stop(g, d, N, W) <= 2 * W + 5);
	/* a steady decrease of 0.01 an epoch under noise 0.1: never settled */
	for (int e = 0; e < N; e++)
		g[e] = 3.0 - 0.01 * e + 0.1 * rs_rng_normal(&rng);
	CHECK(first_stop(g, d, N, W) == N + 1);
	CHECK(first_stop(g, flat, N, W) == N + 1);
	/* the critic loss alone moving is enough to go on */
	CHECK(first_stop(flat, g, N, W) == N + 1);
	/* the generator loss falls for 100 epochs, then is flat */
	for (int e = 0; e < N; e++)
		g[e] = (e < 100 ? 3.0 - 0.015 * e : 1.5) + 0.1 * rs_rng_normal(&rng);
	{
		int			e = first_stop(g, d, N, W);

		CHECK(e > 100 && e <= 100 + 2 * W + 10);
	}

	/* a model's own record gives the same answers */
	for (int r = 0; r < n; r++)
	{
		data[r * D + r % 3] = 1.0f;
		data[r * D + 3 + r % 2] = 1.0f;
		data[r * D + 5] = (float) (0.3 * rs_rng_normal(&rng));
	}
	rs_gan_config_default(&cfg);
	cfg.embedding_dim = 8;
	cfg.gen_dims[0] = cfg.gen_dims[1] = 16;
	cfg.dis_dims[0] = cfg.dis_dims[1] = 16;
	cfg.batch_size = 20;
	cfg.early_stopping = 3;
	CHECK((gan = rs_gan_create(&cfg, D, spans, ns, 5, &err)) != NULL);
	for (int e = 0; e < 60; e++)
	{
		CHECK(rs_gan_fit_epoch(gan, data, n, &g[e], &d[e], &err) == RS_OK);
		CHECK(rs_gan_converged(gan) == rs_gan_losses_converged(g, d, e + 1, 3));
		stopped += rs_gan_converged(gan);
	}
	CHECK(stopped > 0);
	rs_gan_free(gan);
	cfg.early_stopping = 0;
	CHECK((gan = rs_gan_create(&cfg, D, spans, ns, 5, &err)) != NULL);
	for (int e = 0; e < 10; e++)
	{
		CHECK(rs_gan_fit_epoch(gan, data, n, NULL, NULL, &err) == RS_OK);
		CHECK(!rs_gan_converged(gan));
	}
	rs_gan_free(gan);
	free(data);
}

/*
 * Toy data: A in {0,1,2} with frequencies .6 .3 .1, B in {0,1} equal to
 * (A == 0) mostly, and x = -0.5 + 0.4 A plus noise.  After training, the
 * generated frequencies of A and B and the mean of x approach the real ones.
 */
static void
test_training_smoke(void)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[4];
	int			ns = make_spans("32t", spans),
				D = 6,
				n = 200,
				m = 4000;
	float	   *data = calloc(n * D, sizeof(float));
	float	   *out = malloc(sizeof(float) * m * D);
	double		ra[3] = {0},
				fa[3] = {0},
				rb = 0,
				fb = 0,
				rx = 0,
				fx = 0,
				lg,
				ld;
	rs_rng		rng;
	rs_gan	   *g;

	rs_rng_seed(&rng, 51);
	for (int r = 0; r < n; r++)
	{
		int			a = r < 120 ? 0 : r < 180 ? 1 : 2;
		int			bb = (a == 0) != (rs_rng_uniform(&rng) < 0.1);

		data[r * D + a] = 1.0f;
		data[r * D + 3 + bb] = 1.0f;
		data[r * D + 5] = (float) (-0.5 + 0.4 * a + 0.05 * rs_rng_normal(&rng));
		ra[a]++;
		rb += bb;
		rx += data[r * D + 5];
	}
	rs_gan_config_default(&cfg);
	cfg.embedding_dim = 16;
	cfg.gen_dims[0] = cfg.gen_dims[1] = 32;
	cfg.dis_dims[0] = cfg.dis_dims[1] = 32;
	cfg.batch_size = 50;
	cfg.lr_g = cfg.lr_d = 1e-3;
	g = rs_gan_create(&cfg, D, spans, ns, 2024, &err);
	for (int e = 0; e < 300; e++)
		CHECK(rs_gan_fit_epoch(g, data, n, &lg, &ld, &err) == RS_OK);
	rs_rng_seed(&rng, 9);
	CHECK(rs_gan_sample(g, m, NULL, out, &rng, &err) == RS_OK);
	for (int r = 0; r < m; r++)
	{
		int			a = category_of(out + r * D, &spans[0]);

		fa[a]++;
		fb += out[r * D + 4];
		fx += out[r * D + 5];
		CHECK(out[r * D + 5] > -1.0f && out[r * D + 5] < 1.0f);
	}
	for (int j = 0; j < 3; j++)
	{
		fprintf(stderr, "  A=%d real %.3f generated %.3f\n", j, ra[j] / n, fa[j] / m);
		CHECK_NEAR(fa[j] / m, ra[j] / n, 0.08);
	}
	fprintf(stderr, "  B=1 real %.3f generated %.3f; mean x real %.3f generated %.3f\n",
			rb / n, fb / m, rx / n, fx / m);
	CHECK_NEAR(fb / m, rb / n, 0.1);
	CHECK_NEAR(fx / m, rx / n, 0.25);
	rs_gan_free(g);
	free(data);
	free(out);
}

/* ---------------------------------------------------------------- sampling */

static rs_gan *
trained_small(const char *desc, float **data_out, int n)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[8];
	int			ns = make_spans(desc, spans),
				D = spans_dim(spans, ns);
	float	   *data = make_data(spans, ns, n, 61);
	rs_gan	   *g;

	small_config(&cfg);
	cfg.batch_size = 16;
	g = rs_gan_create(&cfg, D, spans, ns, 61, &err);
	for (int e = 0; e < 3; e++)
		rs_gan_fit_epoch(g, data, n, NULL, NULL, &err);
	if (data_out)
		*data_out = data;
	else
		free(data);
	return g;
}

static void
test_sample_batch_independent(void)
{
	rs_error	err;
	rs_gan	   *g = trained_small("tm231t2", NULL, 40);
	int			D = rs_gan_data_dim(g),
				n = 600;
	float	   *a = malloc(sizeof(float) * n * D),
			   *b = malloc(sizeof(float) * n * D),
			   *c = malloc(sizeof(float) * n * D);
	rs_rng		rng;
	double		maxdiff = 0;

	rs_rng_seed(&rng, 5);
	CHECK(rs_gan_sample(g, n, NULL, a, &rng, &err) == RS_OK);
	/* row by row */
	rs_rng_seed(&rng, 5);
	for (int r = 0; r < n; r++)
		CHECK(rs_gan_sample(g, 1, NULL, b + r * D, &rng, &err) == RS_OK);
	/* uneven pieces */
	rs_rng_seed(&rng, 5);
	CHECK(rs_gan_sample(g, 7, NULL, c, &rng, &err) == RS_OK);
	CHECK(rs_gan_sample(g, 300, NULL, c + 7 * D, &rng, &err) == RS_OK);
	CHECK(rs_gan_sample(g, n - 307, NULL, c + 307 * D, &rng, &err) == RS_OK);
	for (int i = 0; i < n * D; i++)
	{
		maxdiff = fmax(maxdiff, fabs(a[i] - b[i]));
		maxdiff = fmax(maxdiff, fabs(a[i] - c[i]));
	}
	CHECK(maxdiff < 1e-5);
	if (memcmp(a, b, sizeof(float) * n * D) != 0)
		fprintf(stderr, "  note: row-by-row sampling differs by at most %g\n", maxdiff);
	/* one-hot softmax spans, tanh in (-1, 1) */
	for (int r = 0; r < n; r++)
	{
		float		s = a[r * D + 1] + a[r * D + 2];

		CHECK(s == 1.0f);
		CHECK(fabsf(a[r * D]) < 1.0f);
	}
	CHECK(rs_gan_sample(g, 0, NULL, NULL, &rng, &err) == RS_OK);
	CHECK(rs_gan_sample(g, -1, NULL, a, &rng, &err) == RS_ERR_INVALID);
	free(a);
	free(b);
	free(c);
	rs_gan_free(g);
}

static void
test_sample_given_cond(void)
{
	rs_error	err;
	rs_gan	   *g = trained_small("tm231t2", NULL, 40);
	int			D = rs_gan_data_dim(g),
				n = 100;
	float	   *a = malloc(sizeof(float) * n * D);
	rs_rng		rng;

	/* spans: t(0) m2(1,2) 3(3..5) 1(6) t(7) 2(8,9) */
	rs_rng_seed(&rng, 5);
	CHECK(rs_gan_n_cond_spans(g) == 3);
	{
		int			given3[3] = {-1, -1, 1};

		CHECK(rs_gan_sample(g, n, given3, a, &rng, &err) == RS_OK);
		for (int r = 0; r < n; r++)
			CHECK(a[r * D + 8] == 0.0f && a[r * D + 9] == 1.0f);
	}
	{
		int			two3[3] = {0, -1, 1},
					bad3[3] = {3, -1, -1};

		CHECK(rs_gan_sample(g, n, two3, a, &rng, &err) == RS_ERR_INVALID);
		CHECK(rs_gan_sample(g, n, bad3, a, &rng, &err) == RS_ERR_INVALID);
	}
	free(a);
	rs_gan_free(g);
}

/* ---------------------------------------------------------------- save / load */

static void
test_save_load_roundtrip(void)
{
	rs_error	err;
	rs_gan	   *g = trained_small("tm231t2", NULL, 40),
			   *h;
	rs_wbuf		w;
	rs_rbuf		r;
	int			D = rs_gan_data_dim(g),
				n = 300;
	float	   *a = malloc(sizeof(float) * n * D),
			   *b = malloc(sizeof(float) * n * D);
	int64_t		na,
				nb;
	rs_rng		rng;
	int			given[3] = {1, -1, -1};

	rs_wbuf_init(&w);
	CHECK(rs_gan_save(g, &w, &err) == RS_OK);
	rs_rbuf_init(&r, w.data, w.len);
	h = rs_gan_load(&r, &err);
	CHECK(h != NULL);
	if (!h)
		return;
	CHECK(r.pos == w.len);
	CHECK(!rs_gan_can_train(h));
	CHECK(rs_gan_data_dim(h) == D && rs_gan_cond_dim(h) == rs_gan_cond_dim(g));
	{
		int			nsg,
					nsh;
		const rs_span *sg = rs_gan_spans(g, &nsg),
				   *sh = rs_gan_spans(h, &nsh);

		CHECK(nsg == nsh && memcmp(sg, sh, sizeof(rs_span) * nsg) == 0);
	}
	{
		float	   *pg = rs_gan_params(g, 0, &na),
				   *ph = rs_gan_params(h, 0, &nb);

		CHECK(na == nb && memcmp(pg, ph, sizeof(float) * na) == 0);
	}
	CHECK(rs_gan_params(h, 1, &nb) == NULL && nb == 0);
	rs_rng_seed(&rng, 8);
	CHECK(rs_gan_sample(g, n, NULL, a, &rng, &err) == RS_OK);
	rs_rng_seed(&rng, 8);
	CHECK(rs_gan_sample(h, n, NULL, b, &rng, &err) == RS_OK);
	CHECK(memcmp(a, b, sizeof(float) * n * D) == 0);
	rs_rng_seed(&rng, 9);
	CHECK(rs_gan_sample(g, n, given, a, &rng, &err) == RS_OK);
	rs_rng_seed(&rng, 9);
	CHECK(rs_gan_sample(h, n, given, b, &rng, &err) == RS_OK);
	CHECK(memcmp(a, b, sizeof(float) * n * D) == 0);
	/* a loaded model cannot train */
	CHECK(rs_gan_fit_epoch(h, a, n, NULL, NULL, &err) == RS_ERR_INVALID);
	/* and saves the same bytes again */
	{
		rs_wbuf		w2;

		rs_wbuf_init(&w2);
		CHECK(rs_gan_save(h, &w2, &err) == RS_OK);
		CHECK(w2.len == w.len && memcmp(w.data, w2.data, w.len) == 0);
		rs_wbuf_free(&w2);
	}
	rs_gan_free(h);
	rs_gan_free(g);
	rs_wbuf_free(&w);
	free(a);
	free(b);
}

static void
put_i32(uint8_t *p, int32_t v)
{
	uint32_t	u = (uint32_t) v;

	p[0] = u & 0xff;
	p[1] = (u >> 8) & 0xff;
	p[2] = (u >> 16) & 0xff;
	p[3] = (u >> 24) & 0xff;
}

static void
test_load_hostile(void)
{
	rs_error	err;
	rs_gan	   *g = trained_small("t3t2", NULL, 20),
			   *h;
	rs_wbuf		w;
	rs_rbuf		r;
	uint8_t    *copy;
	int			header_ints;
	int32_t		hostile[] = {0, -1, 1, 2, 3, 7, 65537, INT32_MAX, INT32_MIN, 1 << 20};
	rs_rng		rng;

	rs_wbuf_init(&w);
	CHECK(rs_gan_save(g, &w, &err) == RS_OK);
	copy = malloc(w.len);

	/* every truncation fails cleanly */
	for (size_t len = 0; len < w.len; len++)
	{
		memcpy(copy, w.data, len);
		rs_rbuf_init(&r, copy, len);
		h = rs_gan_load(&r, &err);
		CHECK(h == NULL);
		CHECK(err.code == RS_ERR_CORRUPT);
		rs_gan_free(h);
	}

	/*
	 * Hostile values in every integer of the header (version, dims, spans,
	 * shape, cond width) and the length prefixes: an error or, by chance,
	 * a consistent model, never a crash.  Layout: u32 version, D, n_spans,
	 * 4 spans of 5 ints, E, n_g, 2 dims, cond_dim.
	 */
	header_ints = 3 + 4 * 5 + 2 + 2 + 1;
	for (int i = 0; i < header_ints; i++)
		for (size_t k = 0; k < sizeof(hostile) / sizeof(hostile[0]); k++)
		{
			memcpy(copy, w.data, w.len);
			put_i32(copy + 4 * i, hostile[k]);
			rs_rbuf_init(&r, copy, w.len);
			h = rs_gan_load(&r, &err);
			if (h)
			{
				float		out[2 * 64];

				rs_rng_seed(&rng, 1);
				if (rs_gan_data_dim(h) <= 64)
					CHECK(rs_gan_sample(h, 2, NULL, out, &rng, &err) == RS_OK);
				rs_gan_free(h);
			}
			else
				CHECK(err.code == RS_ERR_CORRUPT || err.code == RS_ERR_VERSION);
		}
	/* a newer format version */
	memcpy(copy, w.data, w.len);
	put_i32(copy, 99);
	rs_rbuf_init(&r, copy, w.len);
	CHECK(rs_gan_load(&r, &err) == NULL && err.code == RS_ERR_VERSION);

	/* random byte flips anywhere */
	rs_rng_seed(&rng, 3);
	for (int it = 0; it < 300; it++)
	{
		float		out[2 * 64];

		memcpy(copy, w.data, w.len);
		for (int f = 0; f < 3; f++)
			copy[rs_rng_below(&rng, w.len)] ^= (uint8_t) (1 + rs_rng_below(&rng, 255));
		rs_rbuf_init(&r, copy, w.len);
		h = rs_gan_load(&r, &err);
		if (h && rs_gan_data_dim(h) <= 64)
			CHECK(rs_gan_sample(h, 2, NULL, out, &rng, &err) == RS_OK);
		rs_gan_free(h);
	}

	/* NaN in the weights */
	memcpy(copy, w.data, w.len);
	{
		float		nan = NAN;

		memcpy(copy + w.len - 4 - 8 - 4 * 22, &nan, 4);
	}
	rs_rbuf_init(&r, copy, w.len);
	CHECK(rs_gan_load(&r, &err) == NULL && err.code == RS_ERR_CORRUPT);

	free(copy);
	rs_wbuf_free(&w);
	rs_gan_free(g);
}

static void
test_step_flops(void)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[8];
	int			ns = make_spans("t3t2", spans);
	rs_gan	   *g;

	rs_gan_config_default(&cfg);
	g = rs_gan_create(&cfg, 7, spans, ns, 1, &err);
	CHECK(g != NULL);
	CHECK(rs_gan_step_flops(g) > 1e8);
	rs_gan_free(g);
}

/* ---------------------------------------------------------------- calibration */

/* Largest |sampled - training| category frequency over the softmax spans. */
static double
frequency_gap(rs_gan *g, const rs_span *spans, int ns, const float *data, int n,
			  uint64_t seed)
{
	int			D = spans_dim(spans, ns),
				m = 20000;
	float	   *out = malloc(sizeof(float) * (size_t) m * D);
	rs_rng		rng;
	rs_error	err;
	double		gap = 0.0;

	rs_rng_seed(&rng, seed);
	CHECK(rs_gan_sample(g, m, NULL, out, &rng, &err) == RS_OK);
	for (int i = 0; i < D; i++)
	{
		double		want = 0.0,
					got = 0.0;

		if (spans_is_tanh(spans, ns, i))
			continue;
		for (int r = 0; r < n; r++)
			want += data[(size_t) r * D + i];
		for (int r = 0; r < m; r++)
			got += out[(size_t) r * D + i];
		gap = fmax(gap, fabs(want / n - got / m));
	}
	free(out);
	return gap;
}

/*
 * rs_gan_calibrate brings an untrained generator's category frequencies
 * (far from the skewed training ones) to the training frequencies, and
 * changes nothing with 0 rounds.
 */
static void
test_calibrate(void)
{
	rs_gan_config cfg;
	rs_error	err;
	rs_span		spans[8];
	int			ns = make_spans("t3m2", spans),
				D = spans_dim(spans, ns),
				n = 1000;
	float	   *data = calloc((size_t) n * D, sizeof(float));
	rs_gan	   *g;
	rs_rng		rng;
	double		before,
				after;

	for (int r = 0; r < n; r++)
	{
		float	   *x = data + (size_t) r * D;

		x[0] = 0.1f;
		x[spans[1].start + (r % 10 < 7 ? 0 : r % 10 < 9 ? 1 : 2)] = 1.0f;	/* 70/20/10 */
		x[spans[2].start + (r % 20 < 17 ? 0 : 1)] = 1.0f;	/* 85/15 */
	}
	small_config(&cfg);
	g = rs_gan_create(&cfg, D, spans, ns, 7, &err);
	CHECK(g != NULL);
	rs_rng_seed(&rng, 3);
	CHECK(rs_gan_calibrate(g, data, n, 0, &rng, &err) == RS_OK);
	before = frequency_gap(g, spans, ns, data, n, 11);
	CHECK(rs_gan_calibrate(g, data, n, 3, &rng, &err) == RS_OK);
	after = frequency_gap(g, spans, ns, data, n, 11);
	CHECK(before > 0.1);
	CHECK(after < 0.02);
	CHECK(rs_gan_calibrate(g, data, n, -1, &rng, &err) == RS_ERR_INVALID);
	rs_gan_free(g);
	free(data);
}

int
main(void)
{
	RUN(test_config_validate);
	RUN(test_create_invalid);
	RUN(test_critic_wasserstein_grad);
	RUN(test_gradient_penalty_grad);
	RUN(test_critic_total_grad);
	RUN(test_generator_grad);
	RUN(test_moment_matching);
	RUN(test_critic_loss_parts);
	RUN(test_condvec_offsets);
	RUN(test_condvec_log_frequency);
	RUN(test_tiny_n);
	RUN(test_determinism);
	RUN(test_determinism_threads);
	RUN(test_precision);
	RUN(test_training_smoke);
	RUN(test_sample_batch_independent);
	RUN(test_sample_given_cond);
	RUN(test_save_load_roundtrip);
	RUN(test_load_hostile);
	RUN(test_step_flops);
	RUN(test_calibrate);
	RUN(test_early_stopping);
	return unit_summary("test_gan");
}

/*
 * test_sampler.c
 *	  Unit tests of src/core/sampler.c: the compiled generator (batchnorm
 *	  folded, cond columns as tables, packed products) against a plain
 *	  forward pass over the generator's own weights; rows independent of
 *	  the thread count and of how n is split; fixed categories; softmax
 *	  draws with the softmax's probabilities.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fastmath.h"
#include "gan.h"
#include "gemm16.h"
#include "rng.h"
#include "rs_common.h"
#include "sampler.h"
#include "sampler_test.h"
#include "unit.h"

/* spans: tanh, a 3-way cond span, a tanh with a 2-mode span, a 4-way cond span */
static int
heartish_spans(rs_span *sp)
{
	int			w[] = {1, 3, 1, 2, 4};
	int			act[] = {RS_ACT_TANH, RS_ACT_SOFTMAX, RS_ACT_TANH, RS_ACT_SOFTMAX, RS_ACT_SOFTMAX};
	int			cond[] = {0, 1, 0, 0, 1};
	int			col[] = {0, 1, 2, 2, 3};
	int			pos = 0;

	for (int i = 0; i < 5; i++)
	{
		memset(&sp[i], 0, sizeof(rs_span));
		sp[i].start = pos;
		sp[i].width = w[i];
		sp[i].act = (rs_activation) act[i];
		sp[i].is_condition = cond[i];
		sp[i].column = col[i];
		pos += w[i];
	}
	return pos;
}

/* A small generator trained a few epochs on random one-hot rows. */
static rs_gan *
small_gan(void)
{
	rs_gan_config cfg;
	rs_span		sp[5];
	int			D = heartish_spans(sp);
	int			n = 200;
	float	   *data = calloc((size_t) n * D, sizeof(float));
	rs_rng		rng;
	rs_error	err;
	rs_gan	   *g;

	rs_gan_config_default(&cfg);
	cfg.embedding_dim = 9;
	cfg.gen_dims[0] = 17;
	cfg.gen_dims[1] = 33;
	cfg.dis_dims[0] = 16;
	cfg.dis_dims[1] = 16;
	cfg.batch_size = 40;
	cfg.pac = 4;
	rs_rng_seed(&rng, 3);
	for (int r = 0; r < n; r++)
	{
		float	   *x = data + (size_t) r * D;

		x[0] = (float) (rs_rng_uniform(&rng) * 1.6 - 0.8);
		x[1 + rs_rng_below(&rng, 3)] = 1.0f;
		x[4] = (float) (rs_rng_uniform(&rng) * 1.6 - 0.8);
		x[5 + rs_rng_below(&rng, 2)] = 1.0f;
		x[7 + (rs_rng_uniform(&rng) < 0.7 ? 0 : 1 + rs_rng_below(&rng, 3))] = 1.0f;
	}
	g = rs_gan_create(&cfg, D, sp, 5, 11, &err);
	CHECK(g != NULL);
	for (int e = 0; e < 5 && g; e++)
		CHECK(rs_gan_fit_epoch(g, data, n, NULL, NULL, &err) == RS_OK);
	free(data);
	return g;
}

/* raw[n, D] by the generator's definition: Linear, batchnorm, ReLU, concat. */
static void
reference_raw(const rs_gen_view *v, int n, const float *z, const int *cond, double *raw)
{
	double	   *row = malloc(sizeof(double) * v->W);

	for (int r = 0; r < n; r++)
	{
		int			used = v->E + v->cond_dim;	/* the row's suffix in use */

		/* row = [h_L .. h_1, z, cond], filled from the right */
		for (int e = 0; e < v->E; e++)
			row[v->W - used + e] = z[(size_t) r * v->E + e];
		for (int c = 0; c < v->cond_dim; c++)
			row[v->W - v->cond_dim + c] = c == cond[r] ? 1.0 : 0.0;
		for (int l = 0; l < v->n_g; l++)
		{
			const double *in = row + v->W - v->gin[l];
			double	   *out = row + v->W - v->gin[l] - v->gdims[l];

			for (int j = 0; j < v->gdims[l]; j++)
			{
				double		a = v->b[l][j],
							y;

				for (int k = 0; k < v->gin[l]; k++)
					a += (double) v->w[l][(size_t) j * v->gin[l] + k] * in[k];
				y = (a - v->run_mean[l][j]) / sqrt((double) v->run_var[l][j] + v->bn_eps) *
					v->gamma[l][j] + v->beta[l][j];
				out[j] = y > 0 ? y : 0;
			}
		}
		for (int d = 0; d < v->D; d++)
		{
			double		a = v->bout[d];

			for (int k = 0; k < v->W; k++)
				a += (double) v->wout[(size_t) d * v->W + k] * row[k];
			raw[(size_t) r * v->D + d] = a;
		}
	}
	free(row);
}

/* The compiled path matches the definition: fp32 tightly, bf16 to its precision. */
static void
test_compiled_matches_reference(void)
{
	rs_gan	   *g = small_gan();
	rs_gen_view v;
	int			n = 1100;		/* more than one pass of rows */
	float	   *z,
			   *raw;
	int		   *cond;
	double	   *ref;
	rs_rng		rng;
	rs_error	err;

	if (!g)
		return;
	rs_gan_generator_view(g, &v);
	z = malloc(sizeof(float) * n * v.E);
	raw = malloc(sizeof(float) * n * v.D);
	cond = malloc(sizeof(int) * n);
	ref = malloc(sizeof(double) * n * v.D);
	rs_rng_seed(&rng, 8);
	rs_rng_normals_f(&rng, z, n * v.E);
	for (int r = 0; r < n; r++)
		cond[r] = (int) rs_rng_below(&rng, (uint64_t) v.cond_dim);
	reference_raw(&v, n, z, cond, ref);
	for (int force = 1; force >= 0; force--)
	{
		rs_sampler *s = rs_sampler_create(&v, 2, force, &err);
		double		maxerr = 0,
					maxref = 0;

		CHECK(s != NULL);
		if (!s)
			continue;
		CHECK(rs_sampler_is_bf16(s) == (!force && rs_gemm16_native()));
		CHECK(rs_sampler_test_raw(s, n, z, cond, raw, &err) == RS_OK);
		for (int i = 0; i < n * v.D; i++)
		{
			maxerr = fmax(maxerr, fabs(raw[i] - ref[i]));
			maxref = fmax(maxref, fabs(ref[i]));
		}
		printf("  %s: max |raw - reference| %.3g (max |reference| %.3g)\n",
			   rs_sampler_is_bf16(s) ? "bf16" : "fp32", maxerr, maxref);
		/* bf16 keeps 8 bits of mantissa per operand, accumulation in fp32 */
		CHECK(maxerr <= (rs_sampler_is_bf16(s) ? 3e-2 : 1e-4) * fmax(1.0, maxref));
		/* a bad cond index is refused */
		{
			int			bad = v.cond_dim;

			CHECK(rs_sampler_test_raw(s, 1, z, &bad, raw, &err) == RS_ERR_INVALID);
		}
		rs_sampler_free(s);
	}
	free(z);
	free(raw);
	free(cond);
	free(ref);
	rs_gan_free(g);
}

/* Same rows whatever the thread count and however n is split. */
static void
test_threads_and_splits(void)
{
	rs_gan	   *g = small_gan();
	rs_gen_view v;
	rs_error	err;
	int			n = 1500;
	float	   *a,
			   *b,
			   *c;
	rs_rng		rng;

	if (!g)
		return;
	rs_gan_generator_view(g, &v);
	a = malloc(sizeof(float) * n * v.D);
	b = malloc(sizeof(float) * n * v.D);
	c = malloc(sizeof(float) * n * v.D);
	for (int threads = 1; threads <= 3; threads++)
	{
		rs_sampler *s = rs_sampler_create(&v, threads, 0, &err);

		CHECK(s != NULL);
		if (!s)
			continue;
		rs_rng_seed(&rng, 42);
		CHECK(rs_sampler_run(s, n, -1, -1, threads == 1 ? a : b, &rng, &err) == RS_OK);
		if (threads > 1)
			CHECK(memcmp(a, b, sizeof(float) * n * v.D) == 0);
		/*
		 * Uneven pieces from the same seed.  The bf16 kernel computes each
		 * row alone; OpenBLAS (the fp32 path, and what runs under valgrind)
		 * may round differently for another row count, so there only the
		 * same pieces twice must agree.
		 */
		for (int rep = 0; rep < 2; rep++)
		{
			float	   *x = rep ? c : b;

			rs_rng_seed(&rng, 42);
			CHECK(rs_sampler_run(s, 1, -1, -1, x, &rng, &err) == RS_OK);
			CHECK(rs_sampler_run(s, 700, -1, -1, x + v.D, &rng, &err) == RS_OK);
			CHECK(rs_sampler_run(s, n - 701, -1, -1, x + 701 * v.D, &rng, &err) == RS_OK);
		}
		CHECK(memcmp(b, c, sizeof(float) * n * v.D) == 0);
		if (rs_sampler_is_bf16(s))
			CHECK(memcmp(a, b, sizeof(float) * n * v.D) == 0);
		rs_sampler_free(s);
	}
	free(a);
	free(b);
	free(c);
	rs_gan_free(g);
}

/*
 * Output rows: tanh in (-1, 1); every softmax span one-hot; a fixed
 * category conditions the generator and is the output's category.
 */
static void
test_outputs_and_fixed(void)
{
	rs_gan	   *g = small_gan();
	rs_gen_view v;
	rs_error	err;
	rs_sampler *s;
	int			n = 3000;
	float	   *a;
	rs_rng		rng;
	int			counts[4] = {0};

	if (!g)
		return;
	rs_gan_generator_view(g, &v);
	s = rs_sampler_create(&v, 2, 0, &err);
	CHECK(s != NULL);
	if (!s)
	{
		rs_gan_free(g);
		return;
	}
	a = malloc(sizeof(float) * n * v.D);
	rs_rng_seed(&rng, 1);
	CHECK(rs_sampler_run(s, n, 1, 2, a, &rng, &err) == RS_OK);
	for (int r = 0; r < n; r++)
	{
		const float *x = a + (size_t) r * v.D;

		CHECK(fabsf(x[0]) <= 1.0f && fabsf(x[4]) <= 1.0f);
		CHECK(x[1] + x[2] + x[3] == 1.0f);
		CHECK(x[5] + x[6] == 1.0f);
		CHECK(x[7] + x[8] + x[9] + x[10] == 1.0f);
		CHECK(x[9] == 1.0f);	/* span 1 of the cond spans, category 2 */
		for (int j = 0; j < 4; j++)
			counts[j] += x[1 + j] == 1.0f;
	}
	/* the other cond span is not fixed: more than one category occurs */
	CHECK((counts[0] > 0) + (counts[1] > 0) + (counts[2] > 0) >= 2);
	CHECK(rs_sampler_run(s, 5, 2, 0, a, &rng, &err) == RS_ERR_INVALID);
	CHECK(rs_sampler_run(s, 5, 0, 3, a, &rng, &err) == RS_ERR_INVALID);
	CHECK(rs_sampler_run(s, -1, -1, -1, a, &rng, &err) == RS_ERR_INVALID);
	CHECK(rs_sampler_run(s, 0, -1, -1, NULL, &rng, &err) == RS_OK);
	rs_sampler_free(s);
	free(a);
	rs_gan_free(g);
}

/*
 * Several fixed spans and a weighted one (rs_sampler_run_given): every row
 * keeps every fixed slot, never draws a slot of weight 0; a group of the
 * rules draws among the combinations holding the fixed slots, and refuses
 * fixed slots that no combination holds; every malformed condition is
 * refused.
 */
static void
test_given_spans(void)
{
	rs_gan	   *g = small_gan();
	rs_gen_view v;
	rs_error	err;
	rs_sampler *s;
	int			n = 2000,
				bad = 0,
				slot1 = 0;
	float	   *a;
	rs_rng		rng;
	int			fspan[2] = {1, 4},
				fslot[2] = {0, 3},
				wspan[1] = {3};
	double		w[2] = {0.0, 1.0},
				w0[2] = {0.0, 0.0},
				wneg[2] = {-1.0, 1.0};
	rs_sampler_given gv = {2, fspan, fslot, 1, wspan, w};
	int			gspans[2] = {1, 4},
				tuples[6] = {0, 0, 1, 1, 2, 3};
	rs_sample_group grp = {2, gspans, 3, tuples};
	rs_sample_rules rules = {0, NULL, NULL, 1, &grp};

	if (!g)
		return;
	rs_gan_generator_view(g, &v);
	s = rs_sampler_create(&v, 2, 0, &err);
	CHECK(s != NULL);
	if (!s)
	{
		rs_gan_free(g);
		return;
	}
	a = malloc(sizeof(float) * n * v.D);
	rs_rng_seed(&rng, 1);
	CHECK(rs_sampler_run_given(s, n, &gv, a, &rng, &err) == RS_OK);
	for (int r = 0; r < n; r++)
	{
		const float *x = a + (size_t) r * v.D;

		bad += x[1] != 1.0f || x[10] != 1.0f || x[6] != 1.0f || x[5] != 0.0f;
	}
	CHECK(bad == 0);
	/* a weight of 1 against 0.25: the second slot a good deal more often */
	w[0] = 0.25;
	CHECK(rs_sampler_run_given(s, n, &gv, a, &rng, &err) == RS_OK);
	for (int r = 0; r < n; r++)
		slot1 += a[(size_t) r * v.D + 6] == 1.0f;
	printf("  weights 0.25 and 1: the second slot on %d of %d rows\n", slot1, n);
	CHECK(slot1 > n / 2 && slot1 < n);
	/* malformed conditions */
	fspan[1] = 1;
	CHECK(rs_sampler_run_given(s, 5, &gv, a, &rng, &err) == RS_ERR_INVALID);	/* span twice */
	fspan[1] = 4;
	fslot[1] = 4;
	CHECK(rs_sampler_run_given(s, 5, &gv, a, &rng, &err) == RS_ERR_INVALID);	/* slot beyond */
	fslot[1] = 3;
	wspan[0] = 0;
	CHECK(rs_sampler_run_given(s, 5, &gv, a, &rng, &err) == RS_ERR_INVALID);	/* a tanh span */
	wspan[0] = 4;
	CHECK(rs_sampler_run_given(s, 5, &gv, a, &rng, &err) == RS_ERR_INVALID);	/* fixed and weighted */
	wspan[0] = 3;
	gv.weights = w0;
	CHECK(rs_sampler_run_given(s, 5, &gv, a, &rng, &err) == RS_ERR_INVALID);	/* no positive weight */
	gv.weights = wneg;
	CHECK(rs_sampler_run_given(s, 5, &gv, a, &rng, &err) == RS_ERR_INVALID);	/* a negative one */
	gv.weights = w;
	/* a group over the two cond spans: (0, 0), (1, 1), (2, 3) */
	CHECK(rs_sampler_set_rules(s, &rules, &err) == RS_OK);
	CHECK(rs_sampler_run_given(s, 5, &gv, a, &rng, &err) == RS_ERR_INVALID);	/* (0, 3) unseen */
	gv.n_fixed = 1;
	fspan[0] = 4;
	fslot[0] = 3;
	CHECK(rs_sampler_run_given(s, n, &gv, a, &rng, &err) == RS_OK);
	bad = 0;
	for (int r = 0; r < n; r++)
	{
		const float *x = a + (size_t) r * v.D;

		bad += x[10] != 1.0f || x[3] != 1.0f;	/* span 4 slot 3 derives span 1 slot 2 */
	}
	CHECK(bad == 0);
	rs_sampler_free(s);
	free(a);
	rs_gan_free(g);
}

/*
 * Softmax draws follow the softmax: rows with one fixed noise and cond
 * have one set of logits; the category shares of many such rows match
 * softmax(logits) within 4 standard errors.
 */
static void
test_softmax_draws(void)
{
	rs_gan	   *g = small_gan();
	rs_gen_view v;
	rs_error	err;
	rs_sampler *s;
	int			n = 20000;
	float	   *a,
			   *raw;
	rs_rng		rng;
	double		p[4],
				sum = 0;
	int			counts[4] = {0};

	if (!g)
		return;
	rs_gan_generator_view(g, &v);
	/* fp32 products, so the reference below sees the same logits */
	s = rs_sampler_create(&v, 2, 1, &err);
	CHECK(s != NULL);
	if (!s)
	{
		rs_gan_free(g);
		return;
	}
	a = malloc(sizeof(float) * n * v.D);
	raw = malloc(sizeof(float) * v.D);
	rs_rng_seed(&rng, 77);
	/* the 4-way span's shares over n rows fixed to cond category 0 */
	CHECK(rs_sampler_run(s, n, 0, 0, a, &rng, &err) == RS_OK);
	for (int r = 0; r < n; r++)
		for (int j = 0; j < 4; j++)
			counts[j] += a[(size_t) r * v.D + 7 + j] == 1.0f;
	/* expected: mean softmax over the same kind of rows, by Monte Carlo */
	{
		int			m = 4000;
		float	   *z = malloc(sizeof(float) * m * v.E);
		int		   *cond = calloc(m, sizeof(int));
		float	   *r4 = malloc(sizeof(float) * m * v.D);

		rs_rng_seed(&rng, 78);
		rs_rng_normals_f(&rng, z, m * v.E);
		CHECK(rs_sampler_test_raw(s, m, z, cond, r4, &err) == RS_OK);
		memset(p, 0, sizeof(p));
		for (int r = 0; r < m; r++)
		{
			const float *x = r4 + (size_t) r * v.D + 7;
			double		mx = fmax(fmax(x[0], x[1]), fmax(x[2], x[3])),
						e[4],
						t = 0;

			for (int j = 0; j < 4; j++)
				t += e[j] = exp(x[j] - mx);
			for (int j = 0; j < 4; j++)
				p[j] += e[j] / t / m;
		}
		free(z);
		free(cond);
		free(r4);
	}
	for (int j = 0; j < 4; j++)
	{
		double		share = (double) counts[j] / n,
					se = sqrt(p[j] * (1 - p[j]) / n + p[j] * (1 - p[j]) / 4000);

		printf("  category %d: drawn %.4f, softmax %.4f\n", j, share, p[j]);
		CHECK(fabs(share - p[j]) <= 4 * se + 1e-3);
		sum += share;
	}
	CHECK(fabs(sum - 1.0) < 1e-9);
	rs_sampler_free(s);
	free(a);
	free(raw);
	rs_gan_free(g);
}

/* The vector exp against libm over its whole range, odd lengths too. */
static void
test_fastmath(void)
{
	int			n = 900001;
	float	   *x = malloc(sizeof(float) * n);
	double		worst = 0;

	for (int i = 0; i < n; i++)
		x[i] = (float) (-90.0 * i / (n - 1));
	rs_exp_neg_n(x, n);
	for (int i = 0; i < n; i++)
	{
		double		ref = exp((double) (float) (-90.0 * i / (n - 1)));

		if (ref > 1e-37)
			worst = fmax(worst, fabs(x[i] - ref) / ref);
		else
			CHECK(x[i] >= 0.0f && x[i] < 1e-37f);
	}
	printf("  rs_exp_neg_n: max relative error %.3g\n", worst);
	CHECK(worst < 2e-7);
	x[0] = 0.0f;
	x[1] = 3.0f;				/* clamped to 0 */
	x[2] = -1000.0f;
	x[3] = -1.0f;
	rs_exp_neg_n(x, 4);
	CHECK(x[0] == 1.0f && x[1] == 1.0f && x[2] == 0.0f);
	CHECK(fabs(x[3] - exp(-1.0)) < 1e-7);
	free(x);
}

/* tanh spans: the activation's tanh against libm's, over a wide range. */
static void
test_activation_tanh(void)
{
	rs_gan	   *g = small_gan();
	rs_gen_view v;
	rs_error	err;
	rs_sampler *s;
	int			n = 20001;
	float	   *raw,
			   *out;
	rs_rng		rng;
	double		worst = 0;

	if (!g)
		return;
	rs_gan_generator_view(g, &v);
	s = rs_sampler_create(&v, 1, 0, &err);
	raw = calloc((size_t) n * v.D, sizeof(float));
	out = malloc(sizeof(float) * n * v.D);
	for (int r = 0; r < n; r++)
	{
		raw[(size_t) r * v.D + 0] = (float) (-10.0 + 20.0 * r / (n - 1));
		raw[(size_t) r * v.D + 4] = (float) (-0.01 + 0.02 * r / (n - 1));
	}
	rs_rng_seed(&rng, 3);
	CHECK(s && rs_sampler_test_activate(s, n, raw, out, &rng, &err) == RS_OK);
	for (int r = 0; s && r < n; r++)
		for (int c = 0; c <= 4; c += 4)
		{
			float		x = raw[(size_t) r * v.D + c];

			worst = fmax(worst, fabs(out[(size_t) r * v.D + c] - tanh((double) x)));
		}
	printf("  tanh: max absolute error %.3g\n", worst);
	CHECK(worst < 1e-6);
	rs_sampler_free(s);
	free(raw);
	free(out);
	rs_gan_free(g);
}

int
main(void)
{
	RUN(test_activation_tanh);
	RUN(test_fastmath);
	RUN(test_compiled_matches_reference);
	RUN(test_threads_and_splits);
	RUN(test_outputs_and_fixed);
	RUN(test_given_spans);
	RUN(test_softmax_draws);
	return unit_summary("test_sampler");
}

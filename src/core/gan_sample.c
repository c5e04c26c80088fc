/*
 * gan_sample.c
 *	  Sampling through the compiled generator (sampler.c): the view of the
 *	  generator's weights, compiling, reserving, and rs_gan_sample.
 */
#include "gan_int.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- sampling */

void
rs_gan_generator_view(const rs_gan *g, rs_gen_view *v)
{
	memset(v, 0, sizeof(*v));
	v->D = g->D;
	v->E = g->E;
	v->cond_dim = g->cond_dim;
	v->n_cond = g->n_cond;
	v->cond_off = g->cond_off;
	v->cond_span = g->cond_span;
	v->cat_count = g->cat_count;
	v->n_spans = g->n_spans;
	v->spans = g->spans;
	v->n_g = g->n_g;
	v->gdims = g->gdims;
	v->gin = g->gin;
	v->W = g->W;
	for (int l = 0; l < g->n_g; l++)
	{
		const float *run = g->g_run + g->g_runoff[l];

		v->w[l] = g->g_params + g->g_w[l];
		v->b[l] = g->g_params + g->g_b[l];
		v->gamma[l] = g->g_params + g->g_gamma[l];
		v->beta[l] = g->g_params + g->g_beta[l];
		v->run_mean[l] = run;
		v->run_var[l] = run + g->gdims[l];
	}
	v->wout = g->g_params + g->g_wout;
	v->bout = g->g_params + g->g_bout;
	v->bn_eps = RS_BN_EPS;
}

/*
 * (Re)compile the generator for sampling when its weights changed since
 * the last compilation.  Allocates in the caller's context: rs_gan_load
 * calls it so that a loaded model's sampler lives as long as the model.
 */
rs_status
gan_compile_sampler(rs_gan *g, rs_error *err)
{
	rs_gen_view v;

	if (g->sampler && !g->sampler_stale && g->sampler_t_g == g->t_g)
		return RS_OK;
	rs_sampler_free(g->sampler);
	g->sampler = NULL;
	rs_gan_generator_view(g, &v);
	g->sampler = rs_sampler_create(&v, rs_thread_count(), 0, err);
	if (!g->sampler)
		return err->code;
	g->sampler_t_g = g->t_g;
	g->sampler_stale = 0;
	if (g->sample_rules && rs_sampler_set_rules(g->sampler, g->sample_rules, err) != RS_OK)
	{
		/* never a sampler without its rules */
		rs_sampler_free(g->sampler);
		g->sampler = NULL;
		return err->code;
	}
	if (g->sample_rows > 0)
		return rs_sampler_reserve(g->sampler, g->sample_threads, g->sample_rows, err);
	return RS_OK;
}

rs_status
rs_gan_set_sample_rules(rs_gan *g, const rs_sample_rules *r, rs_error *err)
{
	g->sample_rules = r;
	if (g->sampler)
		return rs_sampler_set_rules(g->sampler, r, err);
	return RS_OK;
}

rs_status
rs_gan_sample_bytes(rs_gan *g, int threads, int task_rows, size_t *bytes,
					int *max_threads, rs_error *err)
{
	if (gan_compile_sampler(g, err) != RS_OK)
		return err->code;
	*bytes = rs_sampler_work_bytes(g->sampler, threads, task_rows);
	*max_threads = rs_sampler_max_threads(g->sampler);
	return RS_OK;
}

rs_status
rs_gan_sample_reserve(rs_gan *g, int threads, int task_rows, rs_error *err)
{
	if (threads < 1 || task_rows < 1 || task_rows > RS_SAMPLER_TASK_ROWS)
		return rs_fail(err, RS_ERR_INVALID, "invalid sampling reserve");
	if (gan_compile_sampler(g, err) != RS_OK)
		return err->code;
	g->sample_threads = threads;
	g->sample_rows = task_rows;
	return rs_sampler_reserve(g->sampler, threads, task_rows, err);
}

/* given_cond (or NULL) -> the fixed condition span and category, or -1. */
static rs_status
fixed_condition(const rs_gan *g, const int *given_cond, int *fixed_k,
				int *fixed_j, rs_error *err)
{
	*fixed_k = -1;
	*fixed_j = -1;
	if (!given_cond)
		return RS_OK;
	for (int k = 0; k < g->n_cond; k++)
	{
		int			w = g->cond_off[k + 1] - g->cond_off[k];

		if (given_cond[k] < -1 || given_cond[k] >= w)
			return rs_fail(err, RS_ERR_INVALID,
						   "category %d is out of range for condition %d (0..%d)",
						   given_cond[k], k, w - 1);
		if (given_cond[k] < 0)
			continue;
		if (*fixed_k >= 0)
			return rs_fail(err, RS_ERR_INVALID,
						   "at most one condition can be fixed when sampling");
		*fixed_k = k;
		*fixed_j = given_cond[k];
	}
	return RS_OK;
}

/* Checks shared by rs_gan_sample and rs_gan_sample_start; compiles. */
static rs_status
prepare_sampling(rs_gan *g, int64_t n, const int *given_cond, float *out,
				 rs_rng *rng, int *fixed_k, int *fixed_j, rs_error *err)
{
	if (!g || !rng || (n > 0 && !out))
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to gan sampling");
	if (n < 0)
		return rs_fail(err, RS_ERR_INVALID, "cannot sample a negative number of rows");
	if (fixed_k && fixed_condition(g, given_cond, fixed_k, fixed_j, err) != RS_OK)
		return err->code;
	return gan_compile_sampler(g, err);
}

rs_status
rs_gan_sample(rs_gan *g, int64_t n, const int *given_cond, float *out,
			  rs_rng *rng, rs_error *err)
{
	int			fixed_k,
				fixed_j;

	if (prepare_sampling(g, n, given_cond, out, rng, &fixed_k, &fixed_j, err) != RS_OK)
		return err->code;
	return rs_sampler_run(g->sampler, n, fixed_k, fixed_j, out, rng, err);
}

rs_status
rs_gan_sample_start(rs_gan *g, int n, const int *given_cond, float *out,
					rs_rng *rng, rs_error *err)
{
	int			fixed_k,
				fixed_j;

	if (prepare_sampling(g, n, given_cond, out, rng, &fixed_k, &fixed_j, err) != RS_OK)
		return err->code;
	return rs_sampler_start(g->sampler, n, fixed_k, fixed_j, out, rng, err);
}

rs_status
rs_gan_sample_given(rs_gan *g, int64_t n, const rs_sampler_given *given, float *out,
					rs_rng *rng, rs_error *err)
{
	if (prepare_sampling(g, n, NULL, out, rng, NULL, NULL, err) != RS_OK)
		return err->code;
	return rs_sampler_run_given(g->sampler, n, given, out, rng, err);
}

rs_status
rs_gan_sample_start_given(rs_gan *g, int n, const rs_sampler_given *given, float *out,
						  rs_rng *rng, rs_error *err)
{
	if (prepare_sampling(g, n, NULL, out, rng, NULL, NULL, err) != RS_OK)
		return err->code;
	return rs_sampler_start_given(g->sampler, n, given, out, rng, err);
}

void
rs_gan_sample_wait(rs_gan *g)
{
	if (g && g->sampler)
		rs_sampler_wait(g->sampler);
}

/* ------------------------------------------------------------- calibration */

/*
 * Category frequencies of every softmax span in n_rows encoded rows
 * (one-hot blocks), into freq[D] (0 in tanh positions).
 */
static void
span_frequencies(const rs_gan *g, const float *rows, int64_t n_rows, double *freq)
{
	memset(freq, 0, sizeof(double) * (size_t) g->D);
	for (int64_t r = 0; r < n_rows; r++)
	{
		const float *x = rows + (size_t) r * g->D;

		for (int s = 0; s < g->n_spans; s++)
		{
			const rs_span *sp = &g->spans[s];

			if (sp->act != RS_ACT_SOFTMAX)
				continue;
			for (int j = 0; j < sp->width; j++)
				freq[sp->start + j] += x[sp->start + j];
		}
	}
	for (int i = 0; i < g->D && n_rows > 0; i++)
		freq[i] /= (double) n_rows;
}

/*
 * See gan.h.  Each round samples rows the way rs_gan_sample does (rules
 * included) and moves every softmax logit's output bias by the log ratio
 * of the training frequency to the sampled one, within +-RS_CALIBRATE_STEP;
 * a category never sampled, or absent from training (a pooled slot the
 * rules never emit, say), is left alone.
 */
#define RS_CALIBRATE_STEP 1.0
#define RS_CALIBRATE_CHUNK 1024

rs_status
rs_gan_calibrate(rs_gan *g, const float *encoded, int n_rows, int rounds,
				 rs_rng *rng, rs_error *err)
{
	return rs_gan_calibrate_given(g, encoded, n_rows, rounds, NULL, rng, err);
}

rs_status
rs_gan_calibrate_given(rs_gan *g, const float *encoded, int n_rows, int rounds,
					   const int *given, rs_rng *rng, rs_error *err)
{
	int64_t		sample_rows = RS_CALIBRATE_ROWS(n_rows);
	double	   *target = NULL,
			   *seen = NULL,
			   *part = NULL;
	float	   *buf = NULL;
	float	   *bout;
	rs_status	st = RS_OK;

	if (!g || !rng || rounds < 0 || n_rows < 1 || !encoded)
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to calibration");
	if (rounds == 0)
		return RS_OK;
	target = rs_alloc_array((size_t) g->D, sizeof(double));
	seen = rs_alloc_array((size_t) g->D, sizeof(double));
	part = rs_alloc_array((size_t) g->D, sizeof(double));
	buf = rs_alloc_array((size_t) RS_CALIBRATE_CHUNK * (size_t) g->D, sizeof(float));
	if (!target || !seen || !part || !buf)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for calibration");
		goto done;
	}
	span_frequencies(g, encoded, n_rows, target);
	bout = g->g_params + g->g_bout;
	for (int round = 0; round < rounds; round++)
	{
		memset(seen, 0, sizeof(double) * (size_t) g->D);
		for (int64_t done = 0; done < sample_rows; done += RS_CALIBRATE_CHUNK)
		{
			int64_t		b = sample_rows - done < RS_CALIBRATE_CHUNK ?
				sample_rows - done : RS_CALIBRATE_CHUNK;

			if ((st = rs_gan_sample(g, b, given, buf, rng, err)) != RS_OK)
				goto done;
			span_frequencies(g, buf, b, part);
			for (int i = 0; i < g->D; i++)
				seen[i] += part[i] * (double) b;
		}
		for (int s = 0; s < g->n_spans; s++)
		{
			const rs_span *sp = &g->spans[s];

			if (sp->act != RS_ACT_SOFTMAX)
				continue;
			for (int j = sp->start; j < sp->start + sp->width; j++)
			{
				double		p = seen[j] / (double) sample_rows,
							d;

				if (seen[j] <= 0.0 || target[j] <= 0.0)
					continue;
				d = log(target[j] / p);
				d = d > RS_CALIBRATE_STEP ? RS_CALIBRATE_STEP :
					d < -RS_CALIBRATE_STEP ? -RS_CALIBRATE_STEP : d;
				bout[j] += (float) d;
			}
		}
		g->sampler_stale = 1;	/* the weights changed: compile again */
	}
done:
	rs_free(target);
	rs_free(seen);
	rs_free(part);
	rs_free(buf);
	return st;
}

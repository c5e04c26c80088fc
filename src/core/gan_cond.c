/*
 * gan_cond.c
 *	  Training-by-sampling (the per-epoch index of real rows by condition
 *	  category, cond vectors, real rows) and conditional moment matching
 *	  (gan.h), with their test hooks.
 */
#include "gan_int.h"

#include <math.h>
#include <string.h>

#include "gan_test.h"

/* The category of a one-hot (or softmax) span of row: its first maximum. */
static inline int
span_argmax(const float *row, const rs_span *s)
{
	int			best = 0;

	for (int j = 1; j < s->width; j++)
		if (row[s->start + j] > row[s->start + best])
			best = j;
	return best;
}

/* ---------------------------------------------------------------- conditional moment matching */

/*
 * A tanh span followed by a softmax span of the same column is a
 * continuous column's offset alpha and mode indicator beta (encoder.h).
 */
static int
mode_pair(const rs_gan *g, int i)
{
	return g->spans[i].act == RS_ACT_TANH && i + 1 < g->n_spans &&
		g->spans[i + 1].act == RS_ACT_SOFTMAX &&
		g->spans[i + 1].column == g->spans[i].column;
}

/* phi = [x (D values), then per mode pair: alpha beta_k, alpha^2 beta_k] */
int
gan_count_moment_features(const rs_gan *g)
{
	int			F = g->D;

	for (int i = 0; i < g->n_spans; i++)
		if (mode_pair(g, i))
			F += 2 * g->spans[i + 1].width;
	return F;
}

/* phi[F] of one encoded or generated row x[D] */
static void
moment_features(const rs_gan *g, const float *x, float *phi)
{
	int			f = g->D;

	memcpy(phi, x, sizeof(float) * g->D);
	for (int i = 0; i < g->n_spans; i++)
	{
		const float *b;
		float		a;
		int			w;

		if (!mode_pair(g, i))
			continue;
		a = x[g->spans[i].start];
		b = x + g->spans[i + 1].start;
		w = g->spans[i + 1].width;
		for (int k = 0; k < w; k++)
		{
			phi[f + k] = a * b[k];
			phi[f + w + k] = a * a * b[k];
		}
		f += 2 * w;
	}
}

/* dx[D] += d (dphi . phi(x)) / dx */
static void
moment_features_backward(const rs_gan *g, const float *x, const float *dphi,
						 float *dx)
{
	int			f = g->D;

	for (int i = 0; i < g->D; i++)
		dx[i] += dphi[i];
	for (int i = 0; i < g->n_spans; i++)
	{
		const float *b;
		float	   *db;
		float		a,
					da = 0.0f;
		int			w;

		if (!mode_pair(g, i))
			continue;
		a = x[g->spans[i].start];
		b = x + g->spans[i + 1].start;
		db = dx + g->spans[i + 1].start;
		w = g->spans[i + 1].width;
		for (int k = 0; k < w; k++)
		{
			float		d1 = dphi[f + k],
						d2 = dphi[f + w + k];

			da += (d1 + 2.0f * a * d2) * b[k];
			db[k] += (d1 + a * d2) * a;
		}
		dx[g->spans[i].start] += da;
		f += 2 * w;
	}
}

/*
 * mom_mean[j] = mean of phi over the real rows whose condition span has
 * category j (argmax, as gan_build_index counts them in cat_count); the last
 * row over all rows.  Recomputed only when the data (its row count and
 * hash) changed since the last call: once per training in practice.
 */
static rs_status
build_moments(rs_gan *g, const float *data, int64_t n, rs_error *err)
{
	int			F = g->F;
	double	   *acc;
	float	   *phi = g->mom_buf;

	if (g->mom_mean && g->mom_n == n && g->mom_hash == g->data_hash)
		return RS_OK;
	if (!g->mom_mean)
		g->mom_mean = rs_alloc_array((size_t) (g->cond_dim + 1) * F, sizeof(float));
	acc = rs_alloc_array((size_t) (g->cond_dim + 1) * F, sizeof(double));
	if (!g->mom_mean || !acc)
	{
		rs_free(acc);
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the moment targets");
	}
	for (int64_t r = 0; r < n; r++)
	{
		const float *row = data + r * g->D;
		double	   *a = acc + (size_t) g->cond_dim * F;

		if ((r & 1023) == 0)
			rs_check_interrupts();
		moment_features(g, row, phi);
		for (int i = 0; i < F; i++)
			a[i] += phi[i];
		for (int k = 0; k < g->n_cond; k++)
		{
			int			best = span_argmax(row, &g->spans[g->cond_span[k]]);

			a = acc + (size_t) (g->cond_off[k] + best) * F;
			for (int i = 0; i < F; i++)
				a[i] += phi[i];
		}
	}
	for (int j = 0; j <= g->cond_dim; j++)
	{
		double		c = j < g->cond_dim ? g->cat_count[j] : (double) n;

		for (int i = 0; i < F; i++)
			g->mom_mean[(size_t) j * F + i] =
				c > 0.0 ? (float) (acc[(size_t) j * F + i] / c) : 0.0f;
	}
	rs_free(acc);
	g->mom_n = n;
	g->mom_hash = g->data_hash;
	return RS_OK;
}

/*
 * The moment term for fake[B, stride ldf] with conditions span_of/cat_of:
 * returns weight * sum_f (mean phi_f(fake) - mean target_f)^2 and, if
 * dfake, adds its gradient to dfake[B, stride ldf].  A category never seen
 * in the data has no target row (all zeros); training never conditions on
 * one (its log(1 + count) weight is 0).
 */
double
gan_moment_loss(rs_gan *g, const float *fake, int ldf, int B, const int *span_of,
			const int *cat_of, double weight, float *dfake)
{
	int			F = g->F;
	float	   *phi = g->mom_buf,
			   *t = g->mom_buf + F,
			   *d = g->mom_buf + 2 * F;
	double		loss = 0.0;

	memset(t, 0, sizeof(float) * F);
	memset(d, 0, sizeof(float) * F);
	for (int r = 0; r < B; r++)
	{
		const float *cm = g->mom_mean +
			(size_t) (g->n_cond ? g->cond_off[span_of[r]] + cat_of[r] : g->cond_dim) * F;

		moment_features(g, fake + (size_t) r * ldf, phi);
		for (int i = 0; i < F; i++)
		{
			t[i] += cm[i];
			d[i] += phi[i];
		}
	}
	for (int i = 0; i < F; i++)
	{
		double		diff = ((double) d[i] - t[i]) / B;

		loss += diff * diff;
		d[i] = (float) (2.0 * weight * diff / B);
	}
	if (dfake)
		for (int r = 0; r < B; r++)
			moment_features_backward(g, fake + (size_t) r * ldf, d,
									 dfake + (size_t) r * ldf);
	return weight * loss;
}

/* ---------------------------------------------------------------- training-by-sampling */

/*
 * Under DP nothing about the rows' categories is counted: every category
 * of a condition span gets the count 1 (the conditions are drawn
 * uniformly, and the state keeps no frequency of the data), and no row
 * index is built (the critic's real rows are Poisson-sampled from all of
 * them, gan_train.c).
 */
static rs_status
dp_uniform_conditions(rs_gan *g, rs_error *err)
{
	if (g->n_cond == 0)
		return RS_OK;
	g->logcum = rs_alloc_array((size_t) g->cond_dim, sizeof(double));
	if (!g->logcum)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the training conditions");
	for (int k = 0; k < g->n_cond; k++)
		for (int j = g->cond_off[k]; j < g->cond_off[k + 1]; j++)
		{
			g->cat_count[j] = 1.0;
			g->logcum[j] = (j - g->cond_off[k] + 1) * log1p(1.0);
		}
	return RS_OK;
}

void
gan_dp_real_cond(rs_gan *g, const float *row, float *cond)
{
	int			k;

	if (g->cond_dim == 0)
		return;
	k = (int) rs_rng_below(&g->rng, (uint64_t) g->n_cond);
	memset(cond, 0, sizeof(float) * g->cond_dim);
	cond[g->cond_off[k] + span_argmax(row, &g->spans[g->cond_span[k]])] = 1.0f;
}

/* Build the row index of data[n, D] by (condition span, category). */
rs_status
gan_build_index(rs_gan *g, const float *data, int64_t n, rs_error *err)
{
	int64_t    *fill;

	if (!data || n < 1)
		return rs_fail(err, RS_ERR_INVALID, "training needs at least one row");
	if (n > INT32_MAX)
		return rs_fail(err, RS_ERR_INVALID, "too many training rows (%lld)",
					   (long long) n);
	{
		uint64_t	h = UINT64_C(0xcbf29ce484222325);	/* FNV-1a over the bits */

		for (int64_t i = 0; i < n * g->D; i++)
		{
			uint32_t	u;

			if (!isfinite(data[i]))
				return rs_fail(err, RS_ERR_INVALID,
							   "training data contains NaN or infinity at row %lld",
							   (long long) (i / g->D));
			memcpy(&u, &data[i], sizeof(u));
			h = (h ^ u) * UINT64_C(0x100000001b3);
		}
		g->data_hash = h;
	}
	rs_free(g->idx_rows);
	rs_free(g->idx_off);
	rs_free(g->logcum);
	g->idx_rows = NULL;
	g->idx_off = NULL;
	g->logcum = NULL;
	g->n_rows = n;
	if (g->cfg.dp_noise > 0)
		return dp_uniform_conditions(g, err);
	if (g->n_cond == 0)
		return g->cfg.moment_weight > 0.0 ? build_moments(g, data, n, err) : RS_OK;

	g->idx_rows = rs_alloc_array((size_t) n * g->n_cond, sizeof(int));
	g->idx_off = rs_alloc_array((size_t) g->cond_dim + 1, sizeof(int64_t));
	g->logcum = rs_alloc_array((size_t) g->cond_dim, sizeof(double));
	fill = rs_alloc_array((size_t) g->cond_dim, sizeof(int64_t));
	if (!g->idx_rows || !g->idx_off || !g->logcum || !fill)
	{
		rs_free(fill);
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the training row index");
	}
	memset(g->cat_count, 0, sizeof(double) * g->cond_dim);
	/* pass 1: category of every row in every condition span (argmax) */
	for (int pass = 0; pass < 2; pass++)
	{
		for (int64_t r = 0; r < n; r++)
		{
			const float *row = data + r * g->D;

			for (int k = 0; k < g->n_cond; k++)
			{
				int			best = span_argmax(row, &g->spans[g->cond_span[k]]);

				if (pass == 0)
					g->cat_count[g->cond_off[k] + best] += 1.0;
				else
					g->idx_rows[fill[g->cond_off[k] + best]++] = (int) r;
			}
		}
		if (pass == 0)
		{
			int64_t		o = 0;

			for (int j = 0; j < g->cond_dim; j++)
			{
				g->idx_off[j] = o;
				fill[j] = o;
				o += (int64_t) g->cat_count[j];
			}
			g->idx_off[g->cond_dim] = o;
		}
	}
	rs_free(fill);
	for (int k = 0; k < g->n_cond; k++)
	{
		double		c = 0.0;

		for (int j = g->cond_off[k]; j < g->cond_off[k + 1]; j++)
		{
			c += log1p(g->cat_count[j]);
			g->logcum[j] = c;
		}
	}
	return g->cfg.moment_weight > 0.0 ? build_moments(g, data, n, err) : RS_OK;
}

/* Category within condition span k, drawn with probability ~ log(1 + count). */
static int
draw_log_category(rs_gan *g, int k)
{
	int			o = g->cond_off[k],
				w = g->cond_off[k + 1] - o;
	double		u = rs_rng_uniform(&g->rng) * g->logcum[o + w - 1];

	for (int j = 0; j < w - 1; j++)
		if (u < g->logcum[o + j])
			return j;
	return w - 1;
}

/* A real row having category j of condition span k (or any row). */
int64_t
gan_draw_row(rs_gan *g, int k, int j)
{
	int64_t		a,
				b;

	if (k < 0)
		return (int64_t) rs_rng_below(&g->rng, (uint64_t) g->n_rows);
	a = g->idx_off[g->cond_off[k] + j];
	b = g->idx_off[g->cond_off[k] + j + 1];
	return g->idx_rows[a + (int64_t) rs_rng_below(&g->rng, (uint64_t) (b - a))];
}

/* Fill cond[B, cond_dim], span_of[B], cat_of[B] for training. */
void
gan_draw_condvec(rs_gan *g, int B)
{
	if (g->cond_dim == 0)
		return;
	memset(g->cond, 0, sizeof(float) * B * g->cond_dim);
	for (int r = 0; r < B; r++)
	{
		int			k = (int) rs_rng_below(&g->rng, (uint64_t) g->n_cond);
		int			j = draw_log_category(g, k);

		g->span_of[r] = k;
		g->cat_of[r] = j;
		g->cond[(size_t) r * g->cond_dim + g->cond_off[k] + j] = 1.0f;
	}
}

/* ---------------------------------------------------------------- test hooks */

rs_status
rs_gan_test_condvec(rs_gan *g, const float *data, int64_t n, int B,
					float *cond, int *span_of, int *cat_of, int64_t *row_of,
					rs_error *err)
{
	rs_status	st;

	if (!g->trainable || B < 1 || B > g->cfg.batch_size)
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to the condvec test hook");
	if ((st = gan_build_index(g, data, n, err)) != RS_OK)
		return st;
	gan_draw_condvec(g, B);
	for (int r = 0; r < B; r++)
	{
		if (g->cond_dim)
			memcpy(cond + (size_t) r * g->cond_dim,
				   g->cond + (size_t) r * g->cond_dim,
				   sizeof(float) * g->cond_dim);
		span_of[r] = g->n_cond ? g->span_of[r] : -1;
		cat_of[r] = g->n_cond ? g->cat_of[r] : -1;
		row_of[r] = g->cfg.dp_noise > 0 ? -1 :	/* no index under DP */
			g->n_cond ? gan_draw_row(g, g->span_of[r], g->cat_of[r])
			: gan_draw_row(g, -1, 0);
	}
	return RS_OK;
}

rs_status
rs_gan_test_moments(rs_gan *g, const float *fake, int nb, const int *span_of,
					const int *cat_of, double *loss, int *n_features,
					rs_error *err)
{
	if (!g || !g->trainable || !g->mom_mean || nb < 1 ||
		nb > g->cfg.batch_size || !fake || !loss || !n_features)
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to the moments test hook");
	for (int r = 0; r < nb && g->n_cond; r++)
		if (span_of[r] < 0 || span_of[r] >= g->n_cond || cat_of[r] < 0 ||
			cat_of[r] >= g->cond_off[span_of[r] + 1] - g->cond_off[span_of[r]])
			return rs_fail(err, RS_ERR_INVALID, "invalid condition in the moments test hook");
	*loss = gan_moment_loss(g, fake, g->D, nb, span_of, cat_of, 1.0, NULL);
	*n_features = g->F;
	return RS_OK;
}

/*
 * encoder.c
 *	  Mode-specific normalization of continuous columns, one-hot encoding of
 *	  categorical columns, the exact inverse, and the encoder's byte format
 *	  (see encoder.h).
 *
 * The mixture of a continuous column is fitted the way CTGAN fits it: a
 * variational Gaussian mixture with a Dirichlet-process (stick-breaking)
 * prior on the weights, concentration 0.001, so that components the data
 * does not need lose their weight; components left with weight <= 0.005 are
 * dropped and the rest renormalized.  The fit runs on at most
 * RS_GMM_SAMPLE values (a reservoir sample), standardized first so that the
 * priors and floors are scale-free, starting from k-means++ seeding and a
 * few Lloyd steps.  Every choice draws from the caller's rng, so a seed
 * fixes the result.
 *
 * Encoded row layout, per column in table order:
 *	  continuous	[alpha] (tanh, width 1) then [beta_1..beta_m(, beta_null)]
 *					(softmax, width m + has_null)
 *	  categorical	[onehot_1..onehot_c(, null)] (softmax, width c + has_null,
 *					is_condition = 1)
 */
#include "encoder.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RS_GMM_SAMPLE		10000	/* values the mixture is fitted on */
#define RS_GMM_MAX_ITER		100		/* variational EM iterations (CTGAN) */
#define RS_GMM_TOL			1e-7	/* change of mean log-likelihood */
#define RS_GMM_KMEANS_ITER	30
#define RS_GMM_CONCENTRATION 0.001	/* weight_concentration_prior (CTGAN) */
#define RS_GMM_MIN_WEIGHT	0.005	/* modes at or below are dropped (CTGAN) */
#define RS_GMM_REG			1e-6	/* added variance, standardized units */
#define RS_GMM_MIN_SIGMA	1e-3	/* sigma floor, in column std units */
#define RS_ALPHA_CLIP		0.99

#define RS_ENCODER_FORMAT	1		/* version of the encoder section */

#define LOG_2PI				1.8378770664093454836	/* log(2 pi) */

/* One source column as the encoder sees it. */
typedef struct rs_enc_col
{
	rs_kind		kind;
	int			integral;
	int			has_null;		/* the softmax span ends with a NULL slot */
	int			start;			/* first float of the column */
	int			span;			/* index of its first span */

	/* continuous */
	double		lo;				/* clamp range of decoded values: the */
	double		hi;				/* fitted values' range; NaN if all NULL */
	int			n_modes;
	double		mu[RS_MAX_MODES];
	double		sigma[RS_MAX_MODES];
	double		weight[RS_MAX_MODES];
	double		log_coef[RS_MAX_MODES];	/* log(weight) - log(sigma) */

	/* categorical */
	int			n_categories;
	uint8_t    *seen;			/* n_categories flags: seen when fitted */
} rs_enc_col;

struct rs_encoder
{
	int			n_cols;
	int			dim;
	int			n_spans;
	int			cond_dim;
	rs_enc_col *cols;			/* n_cols */
	rs_span    *spans;			/* n_spans */
	int		   *cond_offset;	/* n_spans: offset in the conditional
								 * vector, or -1 */
};

/* ---------------------------------------------------------------- helpers */

static rs_encoder *
encoder_alloc(int n_cols)
{
	rs_encoder *enc = rs_alloc(sizeof(rs_encoder));

	if (!enc)
		return NULL;
	enc->n_cols = n_cols;
	enc->cols = rs_alloc_array((size_t) n_cols, sizeof(rs_enc_col));
	if (!enc->cols)
	{
		rs_free(enc);
		return NULL;
	}
	return enc;
}

void
rs_encoder_free(rs_encoder *enc)
{
	if (!enc)
		return;
	if (enc->cols)
		for (int c = 0; c < enc->n_cols; c++)
			rs_free(enc->cols[c].seen);
	rs_free(enc->cols);
	rs_free(enc->spans);
	rs_free(enc->cond_offset);
	rs_free(enc);
}

static int
col_softmax_width(const rs_enc_col *col)
{
	if (col->kind == RS_KIND_CONTINUOUS)
		return col->n_modes + col->has_null;
	return col->n_categories + col->has_null;
}

/*
 * Lay out the spans from the columns (kinds, mode and category counts,
 * NULL slots).  Fails if a block would be empty or the row too wide.
 */
static rs_status
build_spans(rs_encoder *enc, rs_status bad_code, rs_error *err)
{
	int64_t		dim = 0;
	int			n_spans = 0;
	int			s = 0;
	int			cond = 0;

	for (int c = 0; c < enc->n_cols; c++)
	{
		rs_enc_col *col = &enc->cols[c];
		int64_t		w = col_softmax_width(col);

		if (w < 1)
			return rs_fail(err, bad_code, "column %d would have an empty one-hot block", c + 1);
		dim += w + (col->kind == RS_KIND_CONTINUOUS ? 1 : 0);
		if (dim > RS_ENCODER_MAX_DIM)
			return rs_fail(err, bad_code, "encoded row would exceed %d floats",
						   RS_ENCODER_MAX_DIM);
		n_spans += col->kind == RS_KIND_CONTINUOUS ? 2 : 1;
	}
	enc->dim = (int) dim;
	enc->n_spans = n_spans;
	enc->spans = rs_alloc_array((size_t) n_spans, sizeof(rs_span));
	enc->cond_offset = rs_alloc_array((size_t) n_spans, sizeof(int));
	if (!enc->spans || !enc->cond_offset)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the encoder");

	dim = 0;
	for (int c = 0; c < enc->n_cols; c++)
	{
		rs_enc_col *col = &enc->cols[c];

		col->start = (int) dim;
		col->span = s;
		if (col->kind == RS_KIND_CONTINUOUS)
		{
			enc->spans[s].start = (int) dim;
			enc->spans[s].width = 1;
			enc->spans[s].act = RS_ACT_TANH;
			enc->spans[s].column = c;
			enc->spans[s].is_condition = 0;
			enc->cond_offset[s++] = -1;
			dim += 1;
		}
		enc->spans[s].start = (int) dim;
		enc->spans[s].width = col_softmax_width(col);
		enc->spans[s].act = RS_ACT_SOFTMAX;
		enc->spans[s].column = c;
		enc->spans[s].is_condition = col->kind == RS_KIND_CATEGORICAL;
		if (col->kind == RS_KIND_CATEGORICAL)
		{
			enc->cond_offset[s] = cond;
			cond += enc->spans[s].width;
		}
		else
			enc->cond_offset[s] = -1;
		dim += enc->spans[s].width;
		s++;
	}
	enc->cond_dim = cond;
	return RS_OK;
}

/* Precompute what the posterior of a value needs. */
static void
col_prepare(rs_enc_col *col)
{
	for (int k = 0; k < col->n_modes; k++)
		col->log_coef[k] = log(col->weight[k]) - log(col->sigma[k]);
}

/* Digamma for x > 0: recurrence up to 6, then the asymptotic series. */
static double
digamma(double x)
{
	double		r = 0.0;
	double		f;

	while (x < 6.0)
	{
		r -= 1.0 / x;
		x += 1.0;
	}
	f = 1.0 / (x * x);
	return r + log(x) - 0.5 / x
		- f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

/* ---------------------------------------------------------------- mixture */

/*
 * The variational parameters of K components (1-D Normal-Gamma posterior
 * per component, stick-breaking Beta(a, b) per weight), as in scikit-learn's
 * BayesianGaussianMixture with mean_precision_prior 1, mean_prior 0,
 * degrees_of_freedom_prior 1 and covariance_prior 1 (standardized data).
 */
typedef struct vb_params
{
	int			K;
	double		a[RS_MAX_MODES];
	double		b[RS_MAX_MODES];
	double		beta[RS_MAX_MODES];	/* mean precision */
	double		m[RS_MAX_MODES];	/* mean */
	double		nu[RS_MAX_MODES];	/* degrees of freedom */
	double		cov[RS_MAX_MODES];	/* W^-1 / nu */
} vb_params;

/*
 * M step: resp[n x K] -> params.  var_add is the per-component variance
 * added for discreteness (integral columns), var_min the floor.
 */
static void
vb_m_step(const double *z, int n, const double *resp, double var_add,
		  double var_min, vb_params *p)
{
	int			K = p->K;
	double		nk[RS_MAX_MODES],
				xk[RS_MAX_MODES],
				sk[RS_MAX_MODES];
	double		tail;

	for (int k = 0; k < K; k++)
		nk[k] = xk[k] = sk[k] = 0.0;
	for (int i = 0; i < n; i++)
		for (int k = 0; k < K; k++)
		{
			nk[k] += resp[(size_t) i * K + k];
			xk[k] += resp[(size_t) i * K + k] * z[i];
		}
	for (int k = 0; k < K; k++)
	{
		nk[k] += 10.0 * DBL_EPSILON;
		xk[k] /= nk[k];
	}
	for (int i = 0; i < n; i++)
		for (int k = 0; k < K; k++)
		{
			double		d = z[i] - xk[k];

			sk[k] += resp[(size_t) i * K + k] * d * d;
		}
	tail = 0.0;
	for (int k = K - 1; k >= 0; k--)
	{
		double		s = sk[k] / nk[k] + RS_GMM_REG + var_add;

		if (s < var_min)
			s = var_min;
		p->a[k] = 1.0 + nk[k];
		p->b[k] = RS_GMM_CONCENTRATION + tail;
		tail += nk[k];
		p->beta[k] = 1.0 + nk[k];
		p->m[k] = nk[k] * xk[k] / p->beta[k];
		p->nu[k] = 1.0 + nk[k];
		p->cov[k] = (1.0 + nk[k] * s + nk[k] / p->beta[k] * xk[k] * xk[k]) / p->nu[k];
	}
}

/*
 * E step: params -> resp[n x K]; returns the mean log normalizer (used as
 * the convergence measure).
 */
static double
vb_e_step(const double *z, int n, const vb_params *p, double *resp)
{
	int			K = p->K;
	double		c[RS_MAX_MODES];
	double		prec[RS_MAX_MODES];
	double		stick = 0.0;
	double		total = 0.0;

	/* per component constant: E[log w] + E[log N] without the x term */
	for (int k = 0; k < K; k++)
	{
		double		dsum = digamma(p->a[k] + p->b[k]);
		double		log_w = digamma(p->a[k]) - dsum + stick;

		stick += digamma(p->b[k]) - dsum;
		c[k] = log_w - 0.5 * LOG_2PI - 0.5 * log(p->cov[k])
			- 0.5 * log(p->nu[k])
			+ 0.5 * (log(2.0) + digamma(0.5 * p->nu[k]) - 1.0 / p->beta[k]);
		prec[k] = 1.0 / p->cov[k];
	}
	for (int i = 0; i < n; i++)
	{
		double	   *r = &resp[(size_t) i * K];
		double		mx = -INFINITY,
					sum = 0.0;

		for (int k = 0; k < K; k++)
		{
			double		d = z[i] - p->m[k];

			r[k] = c[k] - 0.5 * d * d * prec[k];
			if (r[k] > mx)
				mx = r[k];
		}
		for (int k = 0; k < K; k++)
		{
			r[k] = exp(r[k] - mx);
			sum += r[k];
		}
		for (int k = 0; k < K; k++)
			r[k] /= sum;
		total += mx + log(sum);
	}
	return total / n;
}

/*
 * k-means++ seeding plus Lloyd steps on z[n]; fills resp[n x K] with the
 * hard assignment and returns the number of clusters (fewer than K when
 * there are fewer distinct values).
 */
static int
kmeans_init(const double *z, int n, int K, double *d2, double *resp, rs_rng *rng)
{
	double		center[RS_MAX_MODES];
	int			nc = 1;

	center[0] = z[rs_rng_below(rng, (uint64_t) n)];
	for (int i = 0; i < n; i++)
		d2[i] = (z[i] - center[0]) * (z[i] - center[0]);
	while (nc < K)
	{
		double		sum = 0.0,
					u;
		int			pick = -1;

		for (int i = 0; i < n; i++)
			sum += d2[i];
		if (!(sum > 0.0))
			break;
		u = rs_rng_uniform(rng) * sum;
		for (int i = 0; i < n; i++)
		{
			if (d2[i] > 0.0)
				pick = i;
			u -= d2[i];
			if (u < 0.0 && pick >= 0)
				break;
		}
		center[nc] = z[pick];
		for (int i = 0; i < n; i++)
		{
			double		d = (z[i] - center[nc]) * (z[i] - center[nc]);

			if (d < d2[i])
				d2[i] = d;
		}
		nc++;
	}

	for (int it = 0; it < RS_GMM_KMEANS_ITER; it++)
	{
		double		sum[RS_MAX_MODES],
					cnt[RS_MAX_MODES];
		int			moved = 0;

		for (int k = 0; k < nc; k++)
			sum[k] = cnt[k] = 0.0;
		for (int i = 0; i < n; i++)
		{
			int			best = 0;
			double		bd = fabs(z[i] - center[0]);

			for (int k = 1; k < nc; k++)
			{
				double		d = fabs(z[i] - center[k]);

				if (d < bd)
				{
					bd = d;
					best = k;
				}
			}
			sum[best] += z[i];
			cnt[best] += 1.0;
			d2[i] = best;		/* d2 now holds the assignment */
		}
		for (int k = 0; k < nc; k++)
			if (cnt[k] > 0.0)
			{
				double		c = sum[k] / cnt[k];

				if (c != center[k])
					moved = 1;
				center[k] = c;
			}
		if (!moved)
			break;
	}
	for (int i = 0; i < n; i++)
		for (int k = 0; k < nc; k++)
			resp[(size_t) i * nc + k] = ((int) d2[i] == k) ? 1.0 : 0.0;
	return nc;
}

/* Sort modes of a column by mean (insertion sort, at most 10). */
static void
sort_modes(rs_enc_col *col)
{
	for (int i = 1; i < col->n_modes; i++)
		for (int j = i; j > 0 && col->mu[j] < col->mu[j - 1]; j--)
		{
			double		t;

			t = col->mu[j]; col->mu[j] = col->mu[j - 1]; col->mu[j - 1] = t;
			t = col->sigma[j]; col->sigma[j] = col->sigma[j - 1]; col->sigma[j - 1] = t;
			t = col->weight[j]; col->weight[j] = col->weight[j - 1]; col->weight[j - 1] = t;
		}
}

/*
 * Fit the mixture of one continuous column on x[n] (non-null, finite,
 * n >= 1; x is overwritten).  Sets n_modes, mu, sigma, weight.
 */
static rs_status
fit_mixture(double *x, int n, int max_modes, int integral, rs_rng *rng,
			rs_enc_col *col, const char *name, rs_error *err)
{
	double		m = 0.0,
				mean = 0.0,
				var = 0.0,
				sd,
				scale;
	double	   *resp = NULL,
			   *d2 = NULL;
	double		var_add,
				var_min,
				prev = -INFINITY;
	vb_params	p;
	double		w[RS_MAX_MODES];
	double		wsum;
	int			K;

	/* scale into [-1, 1] first so that nothing below can overflow */
	for (int i = 0; i < n; i++)
		if (fabs(x[i]) > m)
			m = fabs(x[i]);
	if (m > 0.0)
	{
		for (int i = 0; i < n; i++)
			x[i] /= m;
		for (int i = 0; i < n; i++)
			mean += x[i];
		mean /= n;
		for (int i = 0; i < n; i++)
			var += (x[i] - mean) * (x[i] - mean);
		var /= n;
	}
	if (!(var > 0.0) || n < 2)
	{
		/* constant column: one mode, any positive sigma decodes exactly */
		double		c = x[0] * m;

		col->n_modes = 1;
		col->mu[0] = c;
		col->sigma[0] = integral ? 0.5 : (c != 0.0 ? 1e-3 * fabs(c) : 1e-3);
		col->weight[0] = 1.0;
		return RS_OK;
	}
	sd = sqrt(var);
	scale = m * sd;				/* the column's standard deviation */
	for (int i = 0; i < n; i++)
		x[i] = (x[i] - mean) / sd;

	/* an integer stands for a unit interval: add its variance, 1/12 */
	var_add = integral ? 1.0 / (12.0 * scale * scale) : 0.0;
	if (!isfinite(var_add))
		var_add = 0.0;
	var_min = RS_GMM_MIN_SIGMA * RS_GMM_MIN_SIGMA;

	K = max_modes < n ? max_modes : n;
	resp = rs_alloc_array((size_t) n * (size_t) K, sizeof(double));
	d2 = rs_alloc_array((size_t) n, sizeof(double));
	if (!resp || !d2)
	{
		rs_free(resp);
		rs_free(d2);
		return rs_fail(err, RS_ERR_NOMEM, "out of memory fitting column \"%s\"", name);
	}
	K = kmeans_init(x, n, K, d2, resp, rng);
	p.K = K;
	vb_m_step(x, n, resp, var_add, var_min, &p);
	for (int it = 0; it < RS_GMM_MAX_ITER; it++)
	{
		double		ll;

		rs_check_interrupts();
		ll = vb_e_step(x, n, &p, resp);
		vb_m_step(x, n, resp, var_add, var_min, &p);
		if (fabs(ll - prev) < RS_GMM_TOL)
			break;
		prev = ll;
	}
	rs_free(resp);
	rs_free(d2);

	/* expected stick-breaking weights */
	wsum = 0.0;
	{
		double		rest = 1.0;

		for (int k = 0; k < K; k++)
		{
			w[k] = rest * p.a[k] / (p.a[k] + p.b[k]);
			rest *= p.b[k] / (p.a[k] + p.b[k]);
			wsum += w[k];
		}
	}
	col->n_modes = 0;
	for (int k = 0; k < K; k++)
	{
		double		wk = w[k] / wsum;
		double		sz = sqrt(p.cov[k]);
		int			j = col->n_modes;

		if (!(wk > RS_GMM_MIN_WEIGHT))
			continue;
		if (sz < RS_GMM_MIN_SIGMA)
			sz = RS_GMM_MIN_SIGMA;
		col->mu[j] = m * (mean + sd * p.m[k]);
		col->sigma[j] = scale * sz;
		col->weight[j] = wk;
		col->n_modes++;
	}
	if (col->n_modes == 0)
		return rs_fail(err, RS_ERR_INTERNAL, "mixture of column \"%s\" lost every mode", name);
	wsum = 0.0;
	for (int k = 0; k < col->n_modes; k++)
		wsum += col->weight[k];
	for (int k = 0; k < col->n_modes; k++)
	{
		col->weight[k] /= wsum;
		if (!isfinite(col->mu[k]) || !isfinite(col->sigma[k]) || !(col->sigma[k] > 0.0))
			return rs_fail(err, RS_ERR_NUMERIC, "mixture of column \"%s\" is not finite", name);
	}
	sort_modes(col);
	return RS_OK;
}

/* ---------------------------------------------------------------- fit */

static const char *
col_name(const rs_table *t, int c)
{
	return t->cols[c].name ? t->cols[c].name : "?";
}

rs_encoder *
rs_encoder_fit(const rs_table *t, int max_modes, rs_rng *rng, rs_error *err)
{
	rs_encoder *enc;
	double	   *sample = NULL;

	if (!t || !rng || t->n_cols < 1 || !t->cols || (t->n_rows > 0 && !t->values))
	{
		rs_fail(err, RS_ERR_INVALID, "invalid table for the encoder");
		return NULL;
	}
	if (t->n_rows < 1)
	{
		rs_fail(err, RS_ERR_INVALID, "cannot fit an encoder on a table without rows");
		return NULL;
	}
	if (max_modes < 1 || max_modes > RS_MAX_MODES)
	{
		rs_fail(err, RS_ERR_INVALID, "max_modes must be between 1 and %d, not %d",
				RS_MAX_MODES, max_modes);
		return NULL;
	}
	enc = encoder_alloc(t->n_cols);
	sample = rs_alloc_array(RS_GMM_SAMPLE, sizeof(double));
	if (!enc || !sample)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory for the encoder");
		goto fail;
	}

	for (int c = 0; c < t->n_cols; c++)
	{
		const rs_column *spec = &t->cols[c];
		rs_enc_col *col = &enc->cols[c];

		rs_check_interrupts();
		col->kind = spec->kind;
		col->integral = spec->integral ? 1 : 0;
		if (spec->kind == RS_KIND_CATEGORICAL)
		{
			if (spec->n_categories < 0 || spec->n_categories > RS_ENCODER_MAX_DIM)
			{
				rs_fail(err, RS_ERR_INVALID, "column \"%s\" has an invalid category count %d",
						col_name(t, c), spec->n_categories);
				goto fail;
			}
			col->integral = 0;
			col->lo = col->hi = NAN;
			col->n_categories = spec->n_categories;
			col->seen = rs_alloc(spec->n_categories ? (size_t) spec->n_categories : 1);
			if (!col->seen)
			{
				rs_fail(err, RS_ERR_NOMEM, "out of memory for the encoder");
				goto fail;
			}
			for (int r = 0; r < t->n_rows; r++)
			{
				double		v = RS_CELL(t, r, c);

				if ((r & 65535) == 65535)
					rs_check_interrupts();
				if (rs_is_null(v))
					col->has_null = 1;
				else if (!(v >= 0.0 && v < spec->n_categories && v == floor(v)))
				{
					rs_fail(err, RS_ERR_INVALID,
							"column \"%s\" holds %g, which is not a category index below %d",
							col_name(t, c), v, spec->n_categories);
					goto fail;
				}
				else
					col->seen[(int) v] = 1;
			}
		}
		else if (spec->kind == RS_KIND_CONTINUOUS)
		{
			int64_t		seen = 0;
			int			n_sample = 0;

			col->lo = INFINITY;
			col->hi = -INFINITY;
			for (int r = 0; r < t->n_rows; r++)
			{
				double		v = RS_CELL(t, r, c);

				if ((r & 65535) == 65535)
					rs_check_interrupts();
				if (rs_is_null(v))
				{
					col->has_null = 1;
					continue;
				}
				if (!isfinite(v))
				{
					rs_fail(err, RS_ERR_NUMERIC, "column \"%s\" holds an infinite value",
							col_name(t, c));
					goto fail;
				}
				if (v < col->lo)
					col->lo = v;
				if (v > col->hi)
					col->hi = v;
				/* reservoir sample (algorithm R) */
				if (seen < RS_GMM_SAMPLE)
					sample[n_sample++] = v;
				else
				{
					uint64_t	j = rs_rng_below(rng, (uint64_t) seen + 1);

					if (j < RS_GMM_SAMPLE)
						sample[j] = v;
				}
				seen++;
			}
			if (seen == 0)
			{
				/* only NULLs: the column always decodes to NULL */
				col->lo = col->hi = NAN;
				col->n_modes = 1;
				col->mu[0] = 0.0;
				col->sigma[0] = 1.0;
				col->weight[0] = 1.0;
			}
			else if (fit_mixture(sample, n_sample, max_modes, col->integral, rng,
								 col, col_name(t, c), err) != RS_OK)
				goto fail;
			col_prepare(col);
		}
		else
		{
			rs_fail(err, RS_ERR_INVALID, "column \"%s\" has an unknown kind %d",
					col_name(t, c), (int) spec->kind);
			goto fail;
		}
	}
	if (build_spans(enc, RS_ERR_INVALID, err) != RS_OK)
		goto fail;
	rs_free(sample);
	return enc;

fail:
	rs_free(sample);
	rs_encoder_free(enc);
	return NULL;
}

/* ---------------------------------------------------------------- accessors */

int
rs_encoder_dim(const rs_encoder *enc)
{
	return enc->dim;
}

int
rs_encoder_n_spans(const rs_encoder *enc)
{
	return enc->n_spans;
}

const rs_span *
rs_encoder_spans(const rs_encoder *enc)
{
	return enc->spans;
}

int
rs_encoder_column_modes(const rs_encoder *enc, int column, double *mu,
						double *sigma, double *weight)
{
	const rs_enc_col *col;

	if (column < 0 || column >= enc->n_cols)
		return 0;
	col = &enc->cols[column];
	if (col->kind != RS_KIND_CONTINUOUS)
		return 0;
	for (int k = 0; k < col->n_modes; k++)
	{
		if (mu)
			mu[k] = col->mu[k];
		if (sigma)
			sigma[k] = col->sigma[k];
		if (weight)
			weight[k] = col->weight[k];
	}
	return col->n_modes;
}

int
rs_encoder_column_has_null(const rs_encoder *enc, int column)
{
	if (column < 0 || column >= enc->n_cols)
		return 0;
	return enc->cols[column].has_null;
}

int
rs_encoder_category_seen(const rs_encoder *enc, int column, int k)
{
	const rs_enc_col *col;

	if (column < 0 || column >= enc->n_cols)
		return 0;
	col = &enc->cols[column];
	if (col->kind != RS_KIND_CATEGORICAL || k < 0 || k > col->n_categories)
		return 0;
	return k == col->n_categories ? col->has_null : col->seen[k] != 0;
}

int
rs_encoder_column_span(const rs_encoder *enc, int column)
{
	if (column < 0 || column >= enc->n_cols)
		return -1;
	return enc->cols[column].span;
}

int
rs_encoder_cond_dim(const rs_encoder *enc)
{
	return enc->cond_dim;
}

int
rs_encoder_cond_offset(const rs_encoder *enc, int span)
{
	if (span < 0 || span >= enc->n_spans)
		return -1;
	return enc->cond_offset[span];
}

/* ---------------------------------------------------------------- transform */

/* The table's specs must match what the encoder was fitted on. */
static rs_status
check_specs(const rs_encoder *enc, const rs_table *t, rs_status code, rs_error *err)
{
	if (t->n_cols != enc->n_cols || !t->cols)
		return rs_fail(err, code, "table has %d columns, the encoder %d",
					   t->n_cols, enc->n_cols);
	for (int c = 0; c < enc->n_cols; c++)
	{
		const rs_column *spec = &t->cols[c];
		const rs_enc_col *col = &enc->cols[c];

		if (spec->kind != col->kind)
			return rs_fail(err, code, "column \"%s\" is not of the kind the encoder was fitted on",
						   col_name(t, c));
		if (col->kind == RS_KIND_CATEGORICAL && spec->n_categories != col->n_categories)
			return rs_fail(err, code, "column \"%s\" has %d categories, the encoder %d",
						   col_name(t, c), spec->n_categories, col->n_categories);
		if (col->kind == RS_KIND_CONTINUOUS && (spec->integral ? 1 : 0) != col->integral)
			return rs_fail(err, code, "column \"%s\" differs in integrality from the encoder",
						   col_name(t, c));
	}
	return RS_OK;
}

/*
 * Pick the mode of a continuous value by sampling its posterior
 * responsibilities (as CTGAN does).
 */
static int
sample_mode(const rs_enc_col *col, double x, rs_rng *rng)
{
	double		lp[RS_MAX_MODES];
	double		mx = -INFINITY,
				sum = 0.0,
				u;

	if (col->n_modes == 1)
		return 0;
	for (int k = 0; k < col->n_modes; k++)
	{
		double		d = (x - col->mu[k]) / col->sigma[k];

		if (!(fabs(d) < 1e150))
			d = 1e150;
		lp[k] = col->log_coef[k] - 0.5 * d * d;
		if (lp[k] > mx)
			mx = lp[k];
	}
	for (int k = 0; k < col->n_modes; k++)
	{
		lp[k] = exp(lp[k] - mx);
		sum += lp[k];
	}
	u = rs_rng_uniform(rng) * sum;
	for (int k = 0; k < col->n_modes; k++)
	{
		u -= lp[k];
		if (u < 0.0)
			return k;
	}
	/* rounding left u >= 0: the last mode with any mass */
	for (int k = col->n_modes - 1; k > 0; k--)
		if (lp[k] > 0.0)
			return k;
	return 0;
}

/* out[n_rows x dim] <- encoding of t[n_rows x n_cols] */
rs_status
rs_encoder_transform(const rs_encoder *enc, const rs_table *t, float *out,
					 rs_rng *rng, rs_error *err)
{
	rs_status	st;
	int			dim = enc->dim;

	if (!t || !out || !rng || (t->n_rows > 0 && !t->values) || t->n_rows < 0)
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to the encoder");
	if ((st = check_specs(enc, t, RS_ERR_INVALID, err)) != RS_OK)
		return st;

	for (int r = 0; r < t->n_rows; r++)
	{
		float	   *row = out + (size_t) r * dim;

		if ((r & 4095) == 0)
			rs_check_interrupts();
		memset(row, 0, sizeof(float) * (size_t) dim);
		for (int c = 0; c < enc->n_cols; c++)
		{
			const rs_enc_col *col = &enc->cols[c];
			double		v = RS_CELL(t, r, c);

			if (col->kind == RS_KIND_CATEGORICAL)
			{
				if (rs_is_null(v))
				{
					if (!col->has_null)
						goto unexpected_null;
					row[col->start + col->n_categories] = 1.0f;
				}
				else if (v >= 0.0 && v < col->n_categories && v == floor(v))
					row[col->start + (int) v] = 1.0f;
				else
					return rs_fail(err, RS_ERR_INVALID,
								   "column \"%s\" holds %g, which is not a category index below %d",
								   col_name(t, c), v, col->n_categories);
			}
			else
			{
				int			k;
				double		alpha;

				if (rs_is_null(v))
				{
					if (!col->has_null)
						goto unexpected_null;
					row[col->start + 1 + col->n_modes] = 1.0f;	/* alpha stays 0 */
					continue;
				}
				if (!isfinite(v))
					return rs_fail(err, RS_ERR_NUMERIC, "column \"%s\" holds an infinite value",
								   col_name(t, c));
				if (isnan(col->lo))
					return rs_fail(err, RS_ERR_INVALID,
								   "column \"%s\" holds a value but was only NULL when fitted",
								   col_name(t, c));
				k = sample_mode(col, v, rng);
				alpha = (v - col->mu[k]) / (4.0 * col->sigma[k]);
				if (alpha > RS_ALPHA_CLIP)
					alpha = RS_ALPHA_CLIP;
				else if (alpha < -RS_ALPHA_CLIP)
					alpha = -RS_ALPHA_CLIP;
				row[col->start] = (float) alpha;
				row[col->start + 1 + k] = 1.0f;
			}
			continue;

	unexpected_null:
			return rs_fail(err, RS_ERR_INVALID,
						   "column \"%s\" holds NULL but had none when the encoder was fitted",
						   col_name(t, c));
		}
	}
	return RS_OK;
}

/* ---------------------------------------------------------------- inverse */

/*
 * Index of the largest of v[0..n) (first on ties) among the slots allowed
 * by seen (NULL: all; seen has n_seen flags, slots past it are allowed);
 * -1 if a value is NaN.
 */
static int
argmax_span(const float *v, int n, const uint8_t *seen, int n_seen)
{
	int			best = -1;
	float		bv = 0.0f;

	for (int i = 0; i < n; i++)
	{
		if (isnan(v[i]))
			return -1;
		if (seen && i < n_seen && !seen[i])
			continue;
		if (best < 0 || v[i] > bv)
		{
			best = i;
			bv = v[i];
		}
	}
	return best;
}

/* rows [row0, row0+n) of t <- decoding of in[n x dim] */
rs_status
rs_encoder_inverse(const rs_encoder *enc, const float *in, int n, rs_table *t,
				   int row0, rs_error *err)
{
	rs_status	st;
	int			dim = enc->dim;

	if (!t || (n > 0 && !in) || n < 0 || row0 < 0 || row0 > t->n_rows
		|| n > t->n_rows - row0 || (n > 0 && !t->values))
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to the decoder");
	if ((st = check_specs(enc, t, RS_ERR_INVALID, err)) != RS_OK)
		return st;

	for (int i = 0; i < n; i++)
	{
		const float *row = in + (size_t) i * dim;
		int			r = row0 + i;

		if ((i & 4095) == 0)
			rs_check_interrupts();
		for (int c = 0; c < enc->n_cols; c++)
		{
			const rs_enc_col *col = &enc->cols[c];
			int			k;

			if (col->kind == RS_KIND_CATEGORICAL)
			{
				k = argmax_span(row + col->start, col->n_categories + col->has_null,
								col->seen, col->n_categories);
				if (k < 0)
					goto not_finite;
				RS_CELL(t, r, c) = k < col->n_categories ? (double) k : RS_NULL;
			}
			else
			{
				double		alpha = row[col->start];
				double		x;

				k = argmax_span(row + col->start + 1, col->n_modes + col->has_null,
								NULL, 0);
				if (k < 0 || isnan(alpha))
					goto not_finite;
				if (k == col->n_modes || isnan(col->lo))
				{
					RS_CELL(t, r, c) = RS_NULL;
					continue;
				}
				if (alpha > 1.0)
					alpha = 1.0;
				else if (alpha < -1.0)
					alpha = -1.0;
				x = alpha * 4.0 * col->sigma[k] + col->mu[k];
				if (col->integral)
					x = round(x);
				if (x < col->lo)
					x = col->integral ? ceil(col->lo) : col->lo;
				if (x > col->hi)
					x = col->integral ? floor(col->hi) : col->hi;
				RS_CELL(t, r, c) = x;
			}
		}
		continue;

not_finite:
		return rs_fail(err, RS_ERR_NUMERIC, "encoded row %d holds NaN", i);
	}
	return RS_OK;
}

/* ---------------------------------------------------------------- bytes */

/*
 * Section layout (little-endian):
 *	 u32 format (1), u32 n_cols, u32 dim, u32 n_spans
 *	 per column: u32 kind, u32 integral, u32 has_null, then
 *	   continuous:	f64 lo, f64 hi, u32 n_modes, n_modes x (f64 mu, f64 sigma,
 *					f64 weight)
 *	   categorical: u32 n_categories, n_categories bytes (seen flags 0/1)
 * dim and n_spans are redundant: load recomputes and compares them.
 */
rs_status
rs_encoder_save(const rs_encoder *enc, rs_wbuf *b)
{
	rs_wbuf_u32(b, RS_ENCODER_FORMAT);
	rs_wbuf_u32(b, (uint32_t) enc->n_cols);
	rs_wbuf_u32(b, (uint32_t) enc->dim);
	rs_wbuf_u32(b, (uint32_t) enc->n_spans);
	for (int c = 0; c < enc->n_cols; c++)
	{
		const rs_enc_col *col = &enc->cols[c];

		rs_wbuf_u32(b, (uint32_t) col->kind);
		rs_wbuf_u32(b, (uint32_t) col->integral);
		rs_wbuf_u32(b, (uint32_t) col->has_null);
		if (col->kind == RS_KIND_CONTINUOUS)
		{
			rs_wbuf_f64(b, col->lo);
			rs_wbuf_f64(b, col->hi);
			rs_wbuf_u32(b, (uint32_t) col->n_modes);
			for (int k = 0; k < col->n_modes; k++)
			{
				rs_wbuf_f64(b, col->mu[k]);
				rs_wbuf_f64(b, col->sigma[k]);
				rs_wbuf_f64(b, col->weight[k]);
			}
		}
		else
		{
			rs_wbuf_u32(b, (uint32_t) col->n_categories);
			if (col->n_categories > 0)
				rs_wbuf_bytes(b, col->seen, (size_t) col->n_categories);
		}
	}
	return b->failed ? RS_ERR_NOMEM : RS_OK;
}

#define ENC_COL_MIN_BYTES 16	/* kind, integral, has_null, one count */

rs_encoder *
rs_encoder_load(rs_rbuf *b, const rs_table *specs, rs_error *err)
{
	rs_encoder *enc = NULL;
	uint32_t	format,
				n_cols,
				dim,
				n_spans;
	const char *what = "encoder section";

	format = rs_rbuf_u32(b);
	n_cols = rs_rbuf_u32(b);
	dim = rs_rbuf_u32(b);
	n_spans = rs_rbuf_u32(b);
	if (rs_rbuf_finish(b, 0, what, err) != RS_OK)
		return NULL;
	if (format != RS_ENCODER_FORMAT)
	{
		rs_fail(err, format > RS_ENCODER_FORMAT ? RS_ERR_VERSION : RS_ERR_CORRUPT,
				"%s has unknown format %u", what, format);
		return NULL;
	}
	if (n_cols < 1 || n_cols > (b->len - b->pos) / ENC_COL_MIN_BYTES)
	{
		rs_fail(err, RS_ERR_CORRUPT, "%s has an invalid column count %u", what, n_cols);
		return NULL;
	}
	if (specs && (uint32_t) specs->n_cols != n_cols)
	{
		rs_fail(err, RS_ERR_CORRUPT, "%s has %u columns, the column specs %d",
				what, n_cols, specs->n_cols);
		return NULL;
	}
	enc = encoder_alloc((int) n_cols);
	if (!enc)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory for the encoder");
		return NULL;
	}

	for (int c = 0; c < (int) n_cols; c++)
	{
		rs_enc_col *col = &enc->cols[c];
		uint32_t	kind = rs_rbuf_u32(b);
		uint32_t	integral = rs_rbuf_u32(b);
		uint32_t	has_null = rs_rbuf_u32(b);

		if (b->failed)
			goto truncated;
		if ((kind != RS_KIND_CONTINUOUS && kind != RS_KIND_CATEGORICAL)
			|| integral > 1 || has_null > 1
			|| (kind == RS_KIND_CATEGORICAL && integral))
		{
			rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has invalid flags", what, c + 1);
			goto fail;
		}
		col->kind = (rs_kind) kind;
		col->integral = (int) integral;
		col->has_null = (int) has_null;
		if (col->kind == RS_KIND_CONTINUOUS)
		{
			uint32_t	n_modes;
			double		wsum = 0.0;

			col->lo = rs_rbuf_f64(b);
			col->hi = rs_rbuf_f64(b);
			n_modes = rs_rbuf_u32(b);
			if (b->failed)
				goto truncated;
			if (n_modes < 1 || n_modes > RS_MAX_MODES)
			{
				rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has %u modes", what, c + 1, n_modes);
				goto fail;
			}
			if (!((isfinite(col->lo) && isfinite(col->hi) && col->lo <= col->hi)
				  || (isnan(col->lo) && isnan(col->hi) && has_null)))
			{
				rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has an invalid range", what, c + 1);
				goto fail;
			}
			col->n_modes = (int) n_modes;
			for (int k = 0; k < col->n_modes; k++)
			{
				col->mu[k] = rs_rbuf_f64(b);
				col->sigma[k] = rs_rbuf_f64(b);
				col->weight[k] = rs_rbuf_f64(b);
				if (b->failed)
					goto truncated;
				if (!isfinite(col->mu[k]) || !isfinite(col->sigma[k])
					|| !(col->sigma[k] > 0.0) || !(col->weight[k] > 0.0)
					|| !(col->weight[k] <= 1.0))
				{
					rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has an invalid mode", what, c + 1);
					goto fail;
				}
				wsum += col->weight[k];
			}
			if (!(fabs(wsum - 1.0) < 1e-6))
			{
				rs_fail(err, RS_ERR_CORRUPT, "%s: mode weights of column %d do not sum to 1",
						what, c + 1);
				goto fail;
			}
			col_prepare(col);
		}
		else
		{
			uint32_t	n_cat = rs_rbuf_u32(b);
			int			any = 0;

			if (b->failed)
				goto truncated;
			if (n_cat > RS_ENCODER_MAX_DIM || n_cat > b->len - b->pos)
			{
				if (n_cat <= RS_ENCODER_MAX_DIM)
					goto truncated;
				rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has %u categories", what, c + 1, n_cat);
				goto fail;
			}
			col->lo = col->hi = NAN;
			col->n_categories = (int) n_cat;
			col->seen = rs_alloc(n_cat ? n_cat : 1);
			if (!col->seen)
			{
				rs_fail(err, RS_ERR_NOMEM, "out of memory for the encoder");
				goto fail;
			}
			if (n_cat > 0 && !rs_rbuf_bytes(b, col->seen, n_cat))
				goto truncated;
			for (uint32_t k = 0; k < n_cat; k++)
			{
				if (col->seen[k] > 1)
				{
					rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has invalid category flags",
							what, c + 1);
					goto fail;
				}
				any |= col->seen[k];
			}
			if (!any && !has_null)
			{
				rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has no category", what, c + 1);
				goto fail;
			}
		}
		if (specs)
		{
			const rs_column *spec = &specs->cols[c];

			if (spec->kind != col->kind
				|| (col->kind == RS_KIND_CONTINUOUS && (spec->integral ? 1 : 0) != col->integral)
				|| (col->kind == RS_KIND_CATEGORICAL && spec->n_categories != col->n_categories))
			{
				rs_fail(err, RS_ERR_CORRUPT, "%s does not match the column specs at column %d",
						what, c + 1);
				goto fail;
			}
		}
	}
	if (build_spans(enc, RS_ERR_CORRUPT, err) != RS_OK)
		goto fail;
	if ((uint32_t) enc->dim != dim || (uint32_t) enc->n_spans != n_spans)
	{
		rs_fail(err, RS_ERR_CORRUPT, "%s has an inconsistent layout", what);
		goto fail;
	}
	return enc;

truncated:
	if (rs_rbuf_finish(b, 0, what, err) == RS_OK)
		rs_fail(err, RS_ERR_CORRUPT, "%s is truncated or corrupt", what);
fail:
	rs_encoder_free(enc);
	return NULL;
}

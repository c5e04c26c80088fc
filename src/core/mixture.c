/*
 * mixture.c
 *	  The mixture behind mode-specific normalization: a 1-D variational
 *	  Gaussian mixture fitted the way CTGAN fits it (see mixture.h).
 *
 * A Dirichlet-process (stick-breaking) prior on the weights, concentration
 * 0.001, so that components the data does not need lose their weight;
 * components left with weight <= 0.005 are dropped and the rest
 * renormalized.  The values are standardized first so that the priors and
 * floors are scale-free; the fit starts from k-means++ seeding and a few
 * Lloyd steps.  Every choice draws from the caller's rng, so a seed fixes
 * the result.
 */
#include "mixture.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RS_GMM_MAX_ITER		100		/* variational EM iterations (CTGAN) */
#define RS_GMM_TOL			1e-7	/* change of mean log-likelihood */
#define RS_GMM_KMEANS_ITER	30
#define RS_GMM_CONCENTRATION 0.001	/* weight_concentration_prior (CTGAN) */
#define RS_GMM_MIN_WEIGHT	0.005	/* modes at or below are dropped (CTGAN) */
#define RS_GMM_REG			1e-6	/* added variance, standardized units */
#define RS_GMM_MIN_SIGMA	1e-3	/* sigma floor, in column std units */

#define LOG_2PI				1.8378770664093454836	/* log(2 pi) */

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
sort_modes(rs_mixture *col)
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
 * Fills col with the fitted modes of p, in the units of the column: x was
 * divided by m, then standardized with mean and sd (scale = m * sd).  Drops
 * modes whose expected stick-breaking weight is at most RS_GMM_MIN_WEIGHT,
 * renormalizes the weights of the rest and sorts them by mean.
 */
static rs_status
mixture_modes(const vb_params *p, double m, double mean, double sd, double scale,
			  rs_mixture *col, const char *name, rs_error *err)
{
	double		w[RS_MAX_MODES];
	double		wsum;
	int			K = p->K;

	/* expected stick-breaking weights */
	wsum = 0.0;
	{
		double		rest = 1.0;

		for (int k = 0; k < K; k++)
		{
			w[k] = rest * p->a[k] / (p->a[k] + p->b[k]);
			rest *= p->b[k] / (p->a[k] + p->b[k]);
			wsum += w[k];
		}
	}
	col->n_modes = 0;
	for (int k = 0; k < K; k++)
	{
		double		wk = w[k] / wsum;
		double		sz = sqrt(p->cov[k]);
		int			j = col->n_modes;

		if (!(wk > RS_GMM_MIN_WEIGHT))
			continue;
		if (sz < RS_GMM_MIN_SIGMA)
			sz = RS_GMM_MIN_SIGMA;
		col->mu[j] = m * (mean + sd * p->m[k]);
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

/* See mixture.h. */
rs_status
rs_mixture_fit(double *x, int n, int max_modes, int integral, rs_rng *rng,
			   rs_mixture *col, const char *name, rs_error *err)
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

	return mixture_modes(&p, m, mean, sd, scale, col, name, err);
}

/* ------------------------------------------------- conditioning on a range */

double
rs_normal_cdf(double z)
{
	return 0.5 * erfc(-z * 0.70710678118654752440);
}

double
rs_normal_quantile(double p, double lo, double hi)
{
	double		z;

	if (!(p > rs_normal_cdf(lo)))
		return lo;
	if (!(p < rs_normal_cdf(hi)))
		return hi;
	/* Newton's steps on Phi, kept inside the bracket [lo, hi] */
	z = 0.5 * (lo + hi);
	for (int it = 0; it < 100 && hi - lo > 1e-13; it++)
	{
		double		f = rs_normal_cdf(z) - p,
					d = exp(-0.5 * z * z) / 2.50662827463100050242,
					next;

		if (f == 0.0)
			break;
		if (f > 0.0)
			hi = z;
		else
			lo = z;
		next = z - f / d;
		z = next > lo && next < hi ? next : 0.5 * (lo + hi);
		if (fabs(f) < 1e-15)
			break;
	}
	return z;
}

/* [a, b] standardised for N(mu, sigma) and clipped to the reach; 0 if missed. */
static int
range_in_reach(double mu, double sigma, double a, double b, double *za, double *zb)
{
	*za = (a - mu) / sigma;
	*zb = (b - mu) / sigma;
	if (*za < -RS_MODE_REACH)
		*za = -RS_MODE_REACH;
	if (*zb > RS_MODE_REACH)
		*zb = RS_MODE_REACH;
	return *za <= *zb;
}

double
rs_mode_range_weight(double mu, double sigma, double a, double b)
{
	double		za,
				zb;

	if (!(sigma > 0.0) || !range_in_reach(mu, sigma, a, b, &za, &zb))
		return 0.0;
	if (a == b)
		return exp(-0.5 * za * za) / (2.50662827463100050242 * sigma);
	/* the smaller tail, where Phi keeps its digits */
	if (za > 0.0)
		return rs_normal_cdf(-za) - rs_normal_cdf(-zb);
	return rs_normal_cdf(zb) - rs_normal_cdf(za);
}

double
rs_mode_range_map(double mu, double sigma, double x, double a, double b)
{
	double		za,
				zb,
				z,
				lo = rs_normal_cdf(-RS_MODE_REACH),
				u,
				fa,
				fb,
				v;

	if (!(sigma > 0.0) || !range_in_reach(mu, sigma, a, b, &za, &zb))
		return x < a ? a : x > b ? b : x;
	z = (x - mu) / sigma;
	if (!(z > -RS_MODE_REACH))
		z = -RS_MODE_REACH;
	if (z > RS_MODE_REACH)
		z = RS_MODE_REACH;
	u = (rs_normal_cdf(z) - lo) / (rs_normal_cdf(RS_MODE_REACH) - lo);
	fa = rs_normal_cdf(za);
	fb = rs_normal_cdf(zb);
	v = mu + sigma * rs_normal_quantile(fa + u * (fb - fa), za, zb);
	/* exact: rounding in mu + sigma z must not leave [a, b] */
	return v < a ? a : v > b ? b : v;
}

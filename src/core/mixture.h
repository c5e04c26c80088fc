/*
 * mixture.h
 *	  The mixture behind mode-specific normalization of a continuous column
 *	  (encoder.c): a 1-D variational Gaussian mixture with a
 *	  Dirichlet-process prior on the weights, as CTGAN fits it
 *	  (scikit-learn's BayesianGaussianMixture).
 */
#ifndef RS_MIXTURE_H
#define RS_MIXTURE_H

#include "encoder.h"			/* RS_MAX_MODES */
#include "rng.h"
#include "rs_common.h"

/* The modes of one column, sorted by mean; weights sum to 1. */
typedef struct rs_mixture
{
	int			n_modes;
	double		mu[RS_MAX_MODES];
	double		sigma[RS_MAX_MODES];
	double		weight[RS_MAX_MODES];
} rs_mixture;

/*
 * Fit at most max_modes modes on x[n] (non-null, finite, n >= 1; x is
 * overwritten).  integral: the values are whole numbers (each counts as a
 * unit interval).  name is the column's, for messages.
 */
extern rs_status rs_mixture_fit(double *x, int n, int max_modes, int integral, rs_rng *rng,
								rs_mixture *mix, const char *name, rs_error *err);

/*
 * Conditioning a mode on a range (given.h).  Decoding reaches mode k of a
 * column at mu_k +- RS_MODE_REACH sigma_k (its alpha within [-1, 1]); the
 * mode is taken as N(mu, sigma) truncated there.
 *
 * rs_normal_cdf is Phi; rs_normal_quantile(p, lo, hi) the z in [lo, hi]
 * with Phi(z) = p (to about 1e-12; lo or hi when p is beyond Phi there),
 * for lo, hi within [-8, 8].
 *
 * rs_mode_range_weight: how much of the mode lies in [a, b] (a <= b): the
 * truncated mode's mass there, up to a factor common to every mode of
 * the same sigma... precisely Phi(zb) - Phi(za) for the standardised ends
 * clipped to the reach, so modes compare by it; 0 when [a, b] misses the
 * reach.  For a point (a == b) within the reach, its density phi(z) /
 * sigma instead.
 *
 * rs_mode_range_map: a value x generated in the mode, moved into [a, b]
 * by its quantile: u = F(x) of the truncated mode (x clipped to the
 * reach), then the value of quantile u of the mode truncated to [a, b]
 * and the reach.  Monotone in x; x ~ the truncated mode gives exactly the
 * mode truncated to [a, b]; the result is always in [a, b] (for a range
 * that meets the reach).
 */
#define RS_MODE_REACH 4.0

extern double rs_normal_cdf(double z);
extern double rs_normal_quantile(double p, double lo, double hi);
extern double rs_mode_range_weight(double mu, double sigma, double a, double b);
extern double rs_mode_range_map(double mu, double sigma, double x, double a, double b);

#endif

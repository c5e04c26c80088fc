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

#endif

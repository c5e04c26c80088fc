/*
 * protocol.h
 *	  The pieces of the repeated-split protocol: seeded stratified
 *	  subsampling and train/test splitting of binary-labelled rows, and the
 *	  summaries (mean and sd over runs, paired differences with a 95%
 *	  confidence interval).
 *
 * Labels are 0/1 (1 = the minority class).  Chosen row indexes are
 * returned in increasing order; the same labels, arguments and rng state
 * give the same rows.
 */
#ifndef RS_PROTOCOL_H
#define RS_PROTOCOL_H

#include "rng.h"
#include "rs_common.h"

/*
 * Choose size of the n rows, keeping the class proportions: the minority
 * gets round(size * n1 / n) rows, at least 1 when it has any and size >= 2,
 * and the majority the rest (moved between classes only when a class runs
 * out).  idx receives size indexes.  1 <= size <= n.
 */
rs_status	rs_stratified_subsample(const int *y, int n, int size, rs_rng *rng,
									int *idx, rs_error *err);

/*
 * Split the n rows into train and test, stratified: the test part has
 * ceil(test_fraction * n) rows (as scikit-learn), shared between the
 * classes in proportion, every class keeping at least one row on each
 * side (so each class needs 2 rows).  train_idx and test_idx must hold n
 * entries each; the counts come back in *n_train and *n_test.
 * 0 < test_fraction < 1.
 */
rs_status	rs_stratified_split(const int *y, int n, double test_fraction,
								rs_rng *rng, int *train_idx, int *n_train,
								int *test_idx, int *n_test, rs_error *err);

/*
 * Mean and sample standard deviation (n - 1) of the non-NaN values of
 * x[0..n-1]; returns their count.  No values: mean NaN; fewer than two:
 * sd NaN.
 */
int			rs_mean_sd(const double *x, int n, double *mean, double *sd);

typedef struct rs_paired
{
	int			n;				/* pairs used (both values not NaN) */
	double		mean;			/* mean of a - b */
	double		sd;				/* sample sd of a - b */
	double		lo;				/* 95% confidence interval of the mean */
	double		hi;				/* (Student t, n - 1 degrees of freedom) */
} rs_paired;

/* Paired difference a[i] - b[i]; fewer than two pairs give NaN bounds. */
void		rs_paired_difference(const double *a, const double *b, int n,
								 rs_paired *out);

/* The 0.975 quantile of Student's t with df degrees of freedom (df >= 1). */
double		rs_t_quantile_975(int df);

/* What a paired difference's 95% interval says about a - b. */
typedef enum rs_verdict
{
	RS_VERDICT_NONE = 0,		/* no interval (fewer than two pairs) */
	RS_VERDICT_BETTER,			/* the interval lies above 0 */
	RS_VERDICT_WORSE,			/* the interval lies below 0 */
	RS_VERDICT_SAME				/* the interval holds 0 */
} rs_verdict;

rs_verdict	rs_paired_verdict(const rs_paired *p);

/*
 * The index of the highest non-NaN mean[i] among those with eligible[i]
 * (all when eligible is NULL), the first of tied ones; -1 when there is
 * none.
 */
int			rs_best_index(const double *mean, const int *eligible, int n);

#endif							/* RS_PROTOCOL_H */

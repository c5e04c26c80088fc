/*
 * quality.h
 *	  Fidelity and privacy metrics of a synthetic table against the real
 *	  one, following the SDMetrics definitions.
 *
 * Both tables have the same column specs.  Fidelity:
 *   KSComplement (continuous)	1 - D, D the two-sample Kolmogorov-Smirnov
 *								statistic of the non-NULL values
 *   TVComplement (categorical)	1 - 0.5 * sum_c |p_real(c) - p_syn(c)|, NULL
 *								a category of its own (a synthetic value that
 *								is not a category index is one more)
 *   CorrelationSimilarity		1 - |r_real - r_syn| / 2 per pair of
 *								continuous columns, Pearson r over the rows
 *								where both are non-NULL
 * A score that is undefined (no values, constant column) is NaN and left
 * out of the means.
 *
 * Column-pair trends (SDMetrics' quality report, "Column Pair Trends"):
 * every pair of columns gets CorrelationSimilarity when both are
 * continuous, else ContingencySimilarity, 1 - TVD of the pair's joint
 * distribution: 1 - 0.5 * sum_(a,b) |p_real(a, b) - p_syn(a, b)|
 * (docs.sdv.dev/sdmetrics, ContingencySimilarity), a continuous column cut
 * into RS_QUALITY_BINS bins at the real values' quantiles, NULL a bin or
 * category of its own, a synthetic category that is not a category index
 * one more.  The overall score is the mean of the column shapes' mean (KS
 * and TV complements of every column) and the pair trends' mean, as
 * SDMetrics' quality report averages its two properties.
 *
 * Unseen combinations: the dependency groups of the real rows
 * (rs_depend_find: a determinant and the columns it determines) and the
 * share of synthetic rows whose values in a group never occur together in
 * a real row.
 *
 * Logistic detection (SDMetrics' LogisticDetection): real rows (label 1)
 * and synthetic rows (label 0), at most max_rows of each drawn with the
 * rng, one-hot and standardised as the evaluation's classifier reads a
 * table (design.h rs_features), told apart by its logistic regression
 * (classifier.h, C = 1 as scikit-learn's default) in 3-fold stratified
 * cross-validation; score 1 - mean over folds of (2 max(AUC, 0.5) - 1):
 * 1 when the classifier cannot tell them apart, 0 when it always can.
 *
 * Privacy: exact matches (a synthetic row equal to some real row in every
 * column, NULL equal to NULL) and DCR, the distance from a row to its
 * closest real row: the mean over columns of |a - b| / (real max - real
 * min) capped at 1 for continuous columns, 0 or 1 for categorical ones,
 * 0 when both are NULL and 1 when one is.  rs_quality_dcr() measures any
 * query table against a reference, so held-out real rows can be measured
 * against the training rows for comparison.
 *
 * DCROverfittingProtection (SDMetrics): with held-out real rows the model
 * did not see, the share of synthetic rows strictly closer to the training
 * rows than to the held-out rows (both distances normalised by the
 * training rows' ranges), score min(1, 2 (1 - share)): 1 when synthetic
 * rows are no closer to the training rows than to new real rows.
 * DCRBaselineProtection (SDMetrics): the median DCR of synthetic rows
 * against the training rows over that of as many random rows (each value
 * uniform in the real range of its column, or a uniformly drawn category),
 * score min(1, ratio): 1 when synthetic rows are as far from the real rows
 * as random ones.
 *
 * Validity: out-of-range cells, i.e. synthetic values below the real
 * minimum or above the real maximum, non-whole values in an integral column,
 * categorical values that are not a category index.
 */
#ifndef RS_QUALITY_H
#define RS_QUALITY_H

#include <stdint.h>

#include "rng.h"
#include "table.h"

typedef struct rs_dcr
{
	int			n_rows;			/* query rows measured */
	double		mean;			/* NaN when nothing was measured */
	double		median;
	int			n_zero;			/* measured rows at distance 0 */
} rs_dcr;

typedef struct rs_quality
{
	int			n_cols;

	/* fidelity */
	double	   *column_score;	/* n_cols: KS or TV complement, or NaN */
	double		ks_mean;		/* mean over continuous columns */
	int			n_ks;			/* continuous columns with a score */
	double		tv_mean;		/* mean over categorical columns */
	int			n_tv;
	double	   *pair_score;		/* n_cols x n_cols, symmetric: correlation
								 * similarity of continuous pairs, NaN
								 * elsewhere (diagonal included) */
	double		corr_mean;		/* mean over pairs with a score */
	int			n_pairs;
	double	   *pair_trend;		/* n_cols x n_cols, symmetric: correlation
								 * or contingency similarity of every pair,
								 * NaN on the diagonal or undefined */
	double		pair_trend_mean;	/* mean over pairs with a score */
	int			n_pair_trends;
	double		column_shape_mean;	/* mean column_score over all columns */
	double		overall;		/* mean of column_shape_mean and
								 * pair_trend_mean (the former alone
								 * without pairs) */

	/* validity */
	int64_t    *out_of_range;	/* n_cols: synthetic cells out of range */
	int64_t		out_of_range_cells;
	int64_t		out_of_range_rows;	/* synthetic rows with any such cell */

	/* privacy */
	int64_t		exact_matches;	/* synthetic rows equal to a real row */
	double		exact_match_share;	/* exact_matches / synthetic rows */
	rs_dcr		dcr;			/* synthetic rows against the real rows */
} rs_quality;

/*
 * Compute every metric.  DCR is measured on at most dcr_max_rows synthetic
 * rows drawn with rng (0: all rows; it costs O(rows * real rows * cols)).
 * On success q owns arrays that rs_quality_free() releases; on failure q
 * holds nothing to free.
 */
rs_status	rs_quality_compute(const rs_table *real, const rs_table *syn,
							   int dcr_max_rows, rs_rng *rng, rs_quality *q,
							   rs_error *err);
void		rs_quality_free(rs_quality *q);

/* DCR of query rows against reference rows (ranges from the reference). */
rs_status	rs_quality_dcr(const rs_table *reference, const rs_table *query,
						   int max_rows, rs_rng *rng, rs_dcr *out, rs_error *err);

/* Single metrics (NaN when undefined). */
rs_status	rs_quality_ks(const rs_table *real, const rs_table *syn, int column,
						  double *score, rs_error *err);
rs_status	rs_quality_tv(const rs_table *real, const rs_table *syn, int column,
						  double *score, rs_error *err);
double		rs_quality_corr(const rs_table *real, const rs_table *syn, int c1, int c2);
/* Synthetic rows equal to some real row; -1 and err set on failure. */
int64_t		rs_quality_exact_matches(const rs_table *real, const rs_table *syn,
									 rs_error *err);


/* ---------------------------------------------------------------- column pairs */

#define RS_QUALITY_BINS 10

/*
 * The distinct inner bin edges of continuous column c of t, at most
 * n_bins - 1 into edges: the quantiles k / n_bins, k = 1 .. n_bins - 1, of
 * its non-NULL values (linear interpolation between order statistics, as
 * numpy's default), repeated values once.  Returns their count (0 without
 * values, -1 out of memory).  A value v falls in bin rs_quality_bin(v): the count of edges
 * below it (bins (e_k-1, e_k], the first and last unbounded).
 */
int			rs_quality_quantile_edges(const rs_table *t, int c, int n_bins, double *edges);
int			rs_quality_bin(double v, const double *edges, int n_edges);

/* ContingencySimilarity of columns c1, c2 (continuous columns binned as above). */
rs_status	rs_quality_contingency(const rs_table *real, const rs_table *syn, int c1, int c2,
								   double *score, rs_error *err);

typedef struct rs_unseen
{
	int			n_cols;
	int		   *determinant;	/* n_cols: rs_depend_find on the real rows */
	double	   *group_share;	/* n_cols: for a determinant, the share of
								 * synthetic rows whose combination of its
								 * group is unseen; NaN for other columns */
	int			n_groups;
	double		any_share;		/* rows with any unseen group combination;
								 * NaN without groups or rows */
} rs_unseen;

rs_status	rs_quality_unseen(const rs_table *real, const rs_table *syn, rs_unseen *out,
							  rs_error *err);
void		rs_unseen_free(rs_unseen *u);

/* ---------------------------------------------------------------- detection */

#define RS_QUALITY_DETECTION_FOLDS 3

typedef struct rs_detection
{
	int			n_real;			/* rows used */
	int			n_syn;
	double		auc;			/* mean ROC AUC over the folds */
	double		score;			/* NaN when a fold cannot be scored */
} rs_detection;

rs_status	rs_quality_detection(const rs_table *real, const rs_table *syn, int max_rows,
								 rs_rng *rng, rs_detection *out, rs_error *err);

/* ---------------------------------------------------------------- distances */

typedef struct rs_overfit
{
	int			n_rows;			/* synthetic rows measured */
	double		closer_to_training;	/* share strictly closer to training */
	double		score;			/* min(1, 2 (1 - share)) */
} rs_overfit;

/* DCROverfittingProtection on at most max_rows synthetic rows (0: all). */
rs_status	rs_quality_overfitting(const rs_table *training, const rs_table *holdout,
								   const rs_table *syn, int max_rows, rs_rng *rng,
								   rs_overfit *out, rs_error *err);

typedef struct rs_baseline
{
	int			n_rows;			/* synthetic (and random) rows measured */
	double		synthetic_median;	/* median DCR to the training rows */
	double		random_median;
	double		score;			/* min(1, synthetic / random), NaN if random 0 */
} rs_baseline;

/* DCRBaselineProtection on at most max_rows synthetic rows (0: all). */
rs_status	rs_quality_baseline(const rs_table *training, const rs_table *syn, int max_rows,
								rs_rng *rng, rs_baseline *out, rs_error *err);

#endif							/* RS_QUALITY_H */

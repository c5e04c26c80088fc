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
 * Privacy: exact matches (a synthetic row equal to some real row in every
 * column, NULL equal to NULL) and DCR, the distance from a row to its
 * closest real row: the mean over columns of |a - b| / (real max - real
 * min) capped at 1 for continuous columns, 0 or 1 for categorical ones,
 * 0 when both are NULL and 1 when one is.  rs_quality_dcr() measures any
 * query table against a reference, so held-out real rows can be measured
 * against the training rows for comparison.
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

#endif							/* RS_QUALITY_H */

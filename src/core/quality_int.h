/*
 * quality_int.h
 *	  What the quality metrics' files (quality.c fidelity, quality_pairs.c
 *	  column pairs and combinations, quality_privacy.c distances and
 *	  detection) share; not part of the core's API.
 */
#ifndef RS_QUALITY_INT_H
#define RS_QUALITY_INT_H

#include <stdint.h>

#include "quality.h"

/* Error unless real and syn have the same column specs. */
rs_status	rs_quality_check_pair(const rs_table *real, const rs_table *syn, rs_error *err);

/* pair_trend, pair_trend_mean and n_pair_trends of q (allocated). */
rs_status	rs_quality_pair_trends(const rs_table *real, const rs_table *syn, rs_quality *q,
								   rs_error *err);

/* qsort comparator of doubles. */
int			rs_quality_cmp_double(const void *a, const void *b);

/* pick[0..nq) <- a uniform sample of nq of the n rows (partial Fisher-Yates). */
void		rs_quality_pick(int n, int nq, rs_rng *rng, int *pick);

/* Median of n sorted values (NaN when n is 0). */
double		rs_quality_median_sorted(const double *v, int n);

/*
 * A set of the rows of a table, compared on columns cols[0..n_cols) (every
 * column when cols is NULL), NULL equal to NULL and -0 to 0: an
 * open-addressing hash table of row numbers.
 */
typedef struct rs_rowset
{
	const rs_table *t;
	const int  *cols;
	int			n_cols;
	size_t		mask;
	int32_t    *slot;			/* mask + 1 entries: row + 1, 0 empty */
} rs_rowset;

rs_status	rs_rowset_build(rs_rowset *s, const rs_table *t, const int *cols, int n_cols,
							rs_error *err);
/* 1 if row r of q (the set's layout) equals, on the set's columns, a row of the set. */
int			rs_rowset_contains(const rs_rowset *s, const rs_table *q, int r);
void		rs_rowset_free(rs_rowset *s);

#endif							/* RS_QUALITY_INT_H */

/*
 * smote.h
 *	  SMOTE and SMOTE-NC over the minority rows of an rs_table, and the
 *	  exact k-nearest-neighbour search (BLAS distance blocks) they use.
 *
 * Distance.  imbalanced-learn's protocol is SMOTE on StandardScaler'd
 * features, so every continuous column is centred and divided by its
 * standard deviation over the minority rows (population sd; a constant
 * column is left unscaled and so adds nothing).  A NULL continuous value is
 * replaced by the column mean (0 after centring) for the distance only.
 * A categorical column is one-hot encoded over the values seen among the
 * minority rows, NULL being a value of its own, with every 1 replaced by
 * med/2, med being the median of the continuous columns' (scaled)
 * standard deviations, exactly as imbalanced-learn's SMOTENC does: a
 * mismatch adds med^2/2 to the squared distance.  Without continuous
 * columns (or when med is 0) med is taken as 1.  Neighbour ties go to the
 * lower row index, so the result does not depend on the blocking.
 *
 * Generation (imbalanced-learn's): pick uniformly one of the n*k (row,
 * neighbour) pairs and a step u in [0, 1).  Continuous column: base +
 * u * (neighbour - base); NULL when the base value is NULL, the base value
 * when only the neighbour's is NULL (so a column keeps its NULL fraction in
 * expectation); integral columns are rounded; values are clamped to the
 * column's real [min, max] (when min <= max).  Categorical column
 * (SMOTE-NC): the value most frequent among the base row's k neighbours,
 * NULL counting as a value; ties broken at random (as imbalanced-learn).
 */
#ifndef RS_SMOTE_H
#define RS_SMOTE_H

#include "rng.h"
#include "table.h"

/*
 * Exact k nearest neighbours of every row of X (n x d, row-major) among
 * the other rows, squared Euclidean distance.  nn[i * k + j] is the j-th
 * nearest neighbour of row i (closest first); dist (may be NULL) gets the
 * squared distances.  Requires 1 <= k <= n - 1.
 */
rs_status	rs_knn_self(const double *X, int n, int d, int k, int *nn,
						double *dist, rs_error *err);

/*
 * Neighbours of every minority row under the SMOTE(-NC) distance above:
 * nn[i * k_used + j].  k is reduced to n_rows - 1 when larger; *k_used
 * reports the count used.  The caller frees *nn with rs_free().
 */
rs_status	rs_smote_neighbors(const rs_table *minority, int k, int **nn,
							   int *k_used, rs_error *err);

/*
 * n_new synthetic rows from the minority rows, with the same column specs:
 * SMOTE when no column is categorical, SMOTE-NC otherwise.  k is the
 * neighbour count (k > n_rows - 1 uses n_rows - 1 and says so in *k_used,
 * which may be NULL); at least 2 minority rows are needed.  Returns NULL
 * and sets err on failure.
 */
rs_table   *rs_smote(const rs_table *minority, int n_new, int k, rs_rng *rng,
					 int *k_used, rs_error *err);

/*
 * SMOTE on a dense matrix with plain Euclidean distance, as
 * imbalanced-learn's SMOTE applied to an encoded feature matrix: n_new rows
 * into out (n_new x d), each a random minority row moved a uniform step
 * toward one of its k nearest minority neighbours.  k > n - 1 uses n - 1
 * (*k_used, may be NULL).
 */
rs_status	rs_smote_dense(const double *X, int n, int d, int n_new, int k,
						   rs_rng *rng, double *out, int *k_used, rs_error *err);

#endif							/* RS_SMOTE_H */

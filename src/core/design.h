/*
 * design.h
 *	  The classifier's feature matrices: rs_features, the column
 *	  transformer, and rs_design, the design matrix of the reference
 *	  protocol built on it.  Both are fitted on a training table and
 *	  applied unchanged to other rows of the same layout.
 *
 * rs_features, in the order scikit-learn's ColumnTransformer gives for
 *   [("num", Pipeline([StandardScaler(), SimpleImputer(add_indicator=True)]),
 *     continuous), ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)]:
 *   1. every selected continuous column, standardised with the training
 *      mean and population sd of its non-NULL values (sd 0: scale 1); NULL
 *      becomes the training mean, i.e. 0;
 *   2. a 0/1 missing indicator for each continuous column that has NULLs in
 *      the training rows;
 *   3. one-hot of each selected categorical column over the values seen in
 *      training, NULL being a value of its own (category order, NULL last);
 *      a value not seen in training gives all zeros.
 */
#ifndef RS_DESIGN_H
#define RS_DESIGN_H

#include "table.h"

/* ---------------------------------------------------------------- the column transformer */

typedef struct rs_feature_col
{
	int			src;			/* column index in the table */
	rs_kind		kind;
	double		mean;			/* continuous: training mean */
	double		scale;			/* continuous: training sd (1 when 0) */
	int			indicator;		/* continuous: feature index of the missing
								 * indicator, or -1 */
	int			n_slots;		/* categorical: n_categories + 1 (NULL) */
	int		   *slot_feature;	/* categorical: slot -> feature index or -1 */
	int			feature;		/* continuous: feature index */
} rs_feature_col;

typedef struct rs_features
{
	int			n_cols;
	rs_feature_col *cols;
	int			n_features;
} rs_features;

/*
 * Fit the feature builder on the training table t, using its columns
 * cols[0..n_cols-1].  Free with rs_features_free().
 */
rs_status	rs_features_fit(rs_features *f, const rs_table *t, const int *cols,
							int n_cols, rs_error *err);

/*
 * Transform all rows of t (same column layout as the fitted table) into
 * X[t->n_rows * f->n_features], row-major.
 */
rs_status	rs_features_transform(const rs_features *f, const rs_table *t,
								  double *X, rs_error *err);
void		rs_features_free(rs_features *f);

/* ---------------------------------------------------------------- the design matrix */

/*
 * The classifier's features as the reference protocol builds them
 * (scikit-learn: integer columns as numbers, one-hot text columns, then
 * StandardScaler over every feature): a categorical column whose
 * categories are all integers (0/1 flags, 1-10 scores) enters as its
 * number; the rest goes through rs_features (standardised continuous
 * columns, missing indicators, one-hot categories); then every feature is
 * centred and scaled with the training part's mean and sd.
 */
typedef struct rs_design
{
	rs_features f;
	int			n_cols;
	double	  **numeric;		/* per column: category -> number, or NULL */
	double	   *mean;			/* per feature */
	double	   *sd;
	int			p;				/* features */
} rs_design;

rs_status	rs_design_fit(rs_design *d, const rs_table *train, rs_error *err);

/*
 * Where the NULLs of d's matrices are: for each feature k, miss[k] is the
 * feature holding its column's missing indicator (or -1: never NULL) and
 * cut[k] that indicator's standardised value half-way between 0 and 1,
 * so that a row's feature k was NULL when its feature miss[k] > cut[k]
 * (a SMOTE row interpolated between rows counts as NULL when nearer to
 * them).  miss and cut have d->p entries.
 */
void		rs_design_missing(const rs_design *d, int *miss, double *cut);
/* X[t->n_rows * d->p]; t has the fitted table's specs. */
rs_status	rs_design_transform(const rs_design *d, const rs_table *t, double *X, rs_error *err);
void		rs_design_free(rs_design *d);

/*
 * Fit d on train and encode both tables: *Xtr[train->n_rows * d->p] and
 * *Xte[test->n_rows * d->p], allocated here.  Whatever the status, the
 * caller frees d (rs_design_free), *Xtr and *Xte (rs_free).
 */
rs_status	rs_design_encode(rs_design *d, const rs_table *train, const rs_table *test,
							 double **Xtr, double **Xte, rs_error *err);

#endif							/* RS_DESIGN_H */

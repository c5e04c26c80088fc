/*
 * classifier.h
 *	  The built-in classifier of the evaluation: a feature builder, L2
 *	  logistic regression fitted by Newton's method, and the metrics.
 *
 * Features (fitted on the training table, applied unchanged to test rows),
 * in the order scikit-learn's ColumnTransformer gives for
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
 *
 * Logistic regression as scikit-learn's LogisticRegression(C): minimises
 *   C * sum_i logloss(y_i, w.x_i + b) + 0.5 * |w|^2
 * with the intercept b unpenalised.  Newton's method with a Cholesky solve
 * and a backtracking line search, from a fixed start (the factored Hessian
 * kept while steps shrink the gradient fast): deterministic, and run until
 * the gradient is at rounding level.
 */
#ifndef RS_CLASSIFIER_H
#define RS_CLASSIFIER_H

#include "table.h"

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

typedef struct rs_logreg
{
	int			n_features;
	double	   *coef;			/* n_features weights */
	double		intercept;
	int			n_iter;			/* Newton iterations taken */
	int			n_hessian;		/* Hessians formed and factored */
	int			converged;		/* gradient reached the tolerance */
	double		grad_max;		/* max |gradient| at the end */
} rs_logreg;

/*
 * Fit on X (n x p, row-major) with labels y[i] in {0, 1} and inverse
 * regularisation strength C > 0.  Free with rs_logreg_free().
 */
rs_status	rs_logreg_fit(rs_logreg *m, const double *X, const int *y, int n,
						  int p, double C, rs_error *err);

/* Decision values (logits) w.x + b of n rows of X into scores. */
void		rs_logreg_decision(const rs_logreg *m, const double *X, int n,
							   double *scores);
void		rs_logreg_free(rs_logreg *m);

typedef struct rs_metrics
{
	int			tp,
				fp,
				tn,
				fn;
	double		accuracy;
	double		recall;			/* of the positive (minority) class */
	double		precision;		/* 0 when nothing is predicted positive */
	double		f1;				/* 0 when precision + recall is 0 */
	double		balanced_accuracy;	/* mean recall of the classes present */
	double		roc_auc;		/* ties count half; NaN with one class */
} rs_metrics;

/*
 * Metrics of scores against labels y in {0, 1}: a row is predicted positive
 * when its score > threshold (0 for logits, as scikit-learn's predict).
 */
rs_status	rs_metrics_compute(const double *scores, const int *y, int n,
							   double threshold, rs_metrics *out, rs_error *err);

/*
 * The whole utility step: fit the features and the model on train (labels
 * y_train), score the test rows, and compute the metrics.  cols selects the
 * feature columns (the same indexes in both tables).
 */
rs_status	rs_classifier_score(const rs_table *train, const int *y_train,
								const rs_table *test, const int *y_test,
								const int *cols, int n_cols, double C,
								rs_metrics *out, rs_error *err);

#endif							/* RS_CLASSIFIER_H */

/*
 * classifier.h
 *	  The built-in classifier of the evaluation: L2 logistic regression
 *	  fitted by Newton's method, the metrics, and the scoring steps that
 *	  join them to the feature matrices of design.h.
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

/*
 * The same with row weights rw (n of them, finite and > 0; NULL: every
 * row 1, the fit of rs_logreg_fit bit for bit): each row's log loss, and
 * so its share of the gradient and Hessian, is scaled by its weight, as
 * scikit-learn's sample_weight (class_weight='balanced' gives the rows of
 * class c the weight n / (2 n_c)).  A weight of 2 is a duplicated row.
 */
rs_status	rs_logreg_fit_weighted(rs_logreg *m, const double *X, const int *y,
								   const double *rw, int n, int p, double C,
								   rs_error *err);

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
	double		pr_auc;			/* average precision; NaN without positives */
	double		mcc;			/* Matthews correlation; 0 when undefined */
} rs_metrics;

/*
 * Metrics of scores against labels y in {0, 1}: a row is predicted positive
 * when its score > threshold (0 for logits, as scikit-learn's predict).
 * roc_auc and pr_auc do not depend on the threshold.  pr_auc is
 * scikit-learn's average_precision_score: sum over the distinct scores,
 * from the highest, of (R_k - R_{k-1}) P_k, rows with equal scores entering
 * together (one point of the curve); NaN when no row is positive (where
 * scikit-learn warns and returns 0).  mcc is (tp tn - fp fn) /
 * sqrt((tp + fp)(tp + fn)(tn + fp)(tn + fn)), 0 when a factor is 0 (as
 * scikit-learn's matthews_corrcoef).
 */
rs_status	rs_metrics_compute(const double *scores, const int *y, int n,
							   double threshold, rs_metrics *out, rs_error *err);

/*
 * The decision threshold that maximises F1 on validation scores (n rows,
 * labels y, at least one 1): rows are positive when score > threshold, as
 * in rs_metrics_compute.  The candidates are -infinity (every row
 * positive) and the midpoint between each two adjacent distinct scores;
 * of candidates with equal F1 the lowest wins.  *best_f1 (may be NULL)
 * gets that F1.
 */
rs_status	rs_best_f1_threshold(const double *scores, const int *y, int n,
								 double *threshold, double *best_f1, rs_error *err);

/*
 * Fit the model on the n_train rows of Xtr (p features, labels y_train),
 * score the n_test rows of Xte, and compute the metrics against y_test.
 */
rs_status	rs_logreg_score(const double *Xtr, const int *y_train, int n_train,
							const double *Xte, const int *y_test, int n_test,
							int p, double C, rs_metrics *out, rs_error *err);

/* ---------------------------------------------------------------- the choice */

/* Which classifier a scoring step fits. */
typedef enum rs_classifier_kind
{
	RS_CLASSIFIER_LOGISTIC = 0, /* rs_logreg (the default) */
	RS_CLASSIFIER_BOOSTED = 1	/* gradient-boosted trees (boosted.h) */
} rs_classifier_kind;

typedef struct rs_classifier
{
	rs_classifier_kind kind;
	double		C;				/* logistic: inverse regularisation */
	uint64_t	seed;			/* boosted: XGBoost's seed */
} rs_classifier;

/* The kind named name ("logistic", "boosted"); 0 when none is. */
int			rs_classifier_parse(const char *name, rs_classifier_kind *kind);

/*
 * Fit classifier c on the n_train rows of Xtr (p features, labels
 * y_train), score the n_test rows of Xte, and compute the metrics against
 * y_test (positive: score > 0, a logit or a margin).  d, when not NULL, is
 * the design the matrices come from: the boosted trees then see its
 * NULLs as missing (rs_design_missing).
 */
struct rs_design;
rs_status	rs_classifier_fit_score(const rs_classifier *c,
									const double *Xtr, const int *y_train, int n_train,
									const double *Xte, const int *y_test, int n_test,
									int p, const struct rs_design *d,
									rs_metrics *out, rs_error *err);

/*
 * The dispatch underneath: fit classifier c on the n_train rows of Xtr
 * (labels y_train, row weights w or NULL for 1) and write the scores of
 * the n_test rows of Xte (logits for logistic, margins for boosted; both
 * log odds, positive above 0) into scores.
 */
rs_status	rs_classifier_fit_predict(const rs_classifier *c,
									  const double *Xtr, const int *y_train,
									  const double *w, int n_train,
									  const double *Xte, int n_test, int p,
									  const struct rs_design *d, double *scores,
									  rs_error *err);

/*
 * rs_classifier_fit_predict, then the metrics against y_test with rows
 * positive when their score > threshold.  rs_classifier_fit_score is this
 * with w NULL and threshold 0.
 */
rs_status	rs_classifier_fit_metrics(const rs_classifier *c,
									  const double *Xtr, const int *y_train,
									  const double *w, int n_train,
									  const double *Xte, const int *y_test,
									  int n_test, int p, const struct rs_design *d,
									  double threshold, rs_metrics *out,
									  rs_error *err);

/*
 * The whole utility step on rs_features: fit the features and the model on
 * train (labels y_train), score the test rows, and compute the metrics.
 * cols selects the feature columns (the same indexes in both tables).
 */
rs_status	rs_classifier_score(const rs_table *train, const int *y_train,
								const rs_table *test, const int *y_test,
								const int *cols, int n_cols, double C,
								rs_metrics *out, rs_error *err);

/*
 * The classifier as raresynth_score uses it: the design (rs_design) fitted
 * on train (labels y_train), classifier c, metrics on test.
 */
rs_status	rs_design_score(const rs_table *train, const int *y_train,
							const rs_table *test, const int *y_test,
							const rs_classifier *c,
							rs_metrics *out, rs_error *err);

#endif							/* RS_CLASSIFIER_H */

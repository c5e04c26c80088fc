/*
 * evaluate.h
 *	  The pieces of the repeated-split protocol: seeded stratified
 *	  subsampling and train/test splitting of binary-labelled rows, and the
 *	  summaries (mean and sd over runs, paired differences with a 95%
 *	  confidence interval).
 *
 * Labels are 0/1 (1 = the minority class).  Chosen row indexes are
 * returned in increasing order; the same labels, arguments and rng state
 * give the same rows.
 */
#ifndef RS_EVALUATE_H
#define RS_EVALUATE_H

#include "rng.h"
#include "rs_common.h"
#include "classifier.h"
#include "table.h"

struct rs_gan_config;

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
/* X[t->n_rows * d->p]; t has the fitted table's specs. */
rs_status	rs_design_transform(const rs_design *d, const rs_table *t, double *X, rs_error *err);
void		rs_design_free(rs_design *d);

/*
 * The classifier as raresynth_score uses it: design fitted on train
 * (labels y_train), logistic regression with C, metrics on test.
 */
rs_status	rs_design_score(const rs_table *train, const int *y_train,
							const rs_table *test, const int *y_test, double C,
							rs_metrics *out, rs_error *err);

/* ---------------------------------------------------------------- the protocol */

typedef enum rs_augment
{
	RS_AUG_NONE = 0,			/* the training part as it is */
	RS_AUG_SMOTE = 1,			/* SMOTE(-NC) minority rows to 1:1 */
	RS_AUG_GAN = 2,				/* GAN minority rows to 1:1 */
	RS_AUG_SMOTENC = 3			/* SMOTE-NC table rows to 1:1 */
} rs_augment;

#define RS_EVAL_MAX_METHODS 4

typedef struct rs_eval_config
{
	int			n_methods;
	rs_augment	methods[RS_EVAL_MAX_METHODS];
	int			runs;
	int			n_sizes;
	const int  *sizes;			/* rows per size; 0 = every row */
	double		test_fraction;
	double		C;				/* logistic regression */
	int			smote_k;
	const struct rs_gan_config *gan;	/* GAN settings (epochs included) */
	int			max_modes;
	uint64_t	seed;
	/* called after every (size, run): done of total units; may be NULL */
	void		(*progress) (void *arg, int size_index, int run, int done, int total);
	void	   *progress_arg;
} rs_eval_config;

/* The outcome of one method on one split. */
typedef struct rs_eval_result
{
	double		accuracy,
				recall,
				precision,
				f1,
				balanced_accuracy,
				roc_auc;
	double		seconds;		/* augmentation + fit + scoring */
} rs_eval_result;

/*
 * Run the paper's experiment on table t with labels y (1 = minority): for
 * every size and run, a stratified subsample (all rows for size 0), a
 * stratified train/test split shared by every method (paired), the
 * training part augmented by each method (the minority brought to 1:1;
 * the test part untouched), the classifier fitted on it and scored on the
 * test part.  Features (standardised, one-hot) are fitted on the real
 * training part; RS_AUG_SMOTE interpolates in that feature space
 * (imbalanced-learn's SMOTE on the encoded matrix, the reference
 * protocol), RS_AUG_SMOTENC and RS_AUG_GAN make table rows that are then
 * encoded.  out[(s * n_methods + m) * runs + r].  *smote_k_used gets the
 * smallest neighbour count SMOTE could use (below smote_k when a training
 * part had too few minority rows).
 */
rs_status	rs_evaluate_run(const rs_table *t, const int *y, const rs_eval_config *cfg,
							rs_eval_result *out, int *smote_k_used, rs_error *err);

#endif							/* RS_EVALUATE_H */

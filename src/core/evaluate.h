/*
 * evaluate.h
 *	  The experiment driver of the evaluation: the repeated-split protocol
 *	  (protocol.h) run over sizes, runs and augmentation methods, each
 *	  training part encoded (design.h), augmented, and scored by the
 *	  classifier (classifier.h).
 *
 * Labels are 0/1 (1 = the minority class).
 */
#ifndef RS_EVALUATE_H
#define RS_EVALUATE_H

#include "classifier.h"
#include "rng.h"
#include "rs_common.h"
#include "table.h"

struct rs_dp_plan;
struct rs_gan_config;
struct rs_rules;

typedef enum rs_augment
{
	RS_AUG_NONE = 0,			/* the training part as it is */
	RS_AUG_SMOTE = 1,			/* SMOTE(-NC) minority rows to 1:1 */
	RS_AUG_GAN = 2,				/* GAN minority rows to 1:1 */
	RS_AUG_SMOTENC = 3,			/* SMOTE-NC table rows to 1:1 */
	RS_AUG_WEIGHTED = 4,		/* no new rows: class weights n / (2 n_c) */
	RS_AUG_THRESHOLD = 5,		/* no new rows: the F1-best threshold, tuned */
	RS_AUG_RANDOM = 6			/* copies of minority rows, drawn, to 1:1 */
} rs_augment;

#define RS_EVAL_MAX_METHODS 7

/* The share of the training part that RS_AUG_THRESHOLD tunes its threshold on. */
#define RS_EVAL_THRESHOLD_FRACTION 0.25

/*
 * RS_AUG_GAN with filter_quantile q > 0: the GAN makes this many times
 * the candidates a generator as good as the real rows would need
 * (n_new / (1 - q): a share 1 - q of the real minority rows passes).
 */
#define RS_EVAL_FILTER_HEADROOM 2.0

/* The folds of the filter's cross-fitted logistic regression. */
#define RS_EVAL_FILTER_FOLDS 5

typedef struct rs_eval_config
{
	int			n_methods;
	rs_augment	methods[RS_EVAL_MAX_METHODS];
	int			runs;
	int			n_sizes;
	const int  *sizes;			/* rows per size; 0 = every row */
	double		test_fraction;
	rs_classifier_kind classifier;	/* the classifier fitted (logistic by default) */
	double		C;				/* logistic regression */
	int			smote_k;
	const struct rs_gan_config *gan;	/* GAN settings (epochs included) */
	int			max_modes;
	const struct rs_rules *rules;	/* the GAN's rules, declared (NULL: none) */
	/*
	 * RS_AUG_GAN under differential privacy (NULL: none): each run's GAN
	 * trains by DP-SGD with the noise multiplier and rate that this plan
	 * gives for the rows it trains on (rs_dp_plan_train with their exact
	 * count), the rest of gan as given (its DP settings: pac 1, no
	 * gradient penalty...; no rules).  The count, the seed and the rows
	 * are the evaluation's, so the model is not private: it shows what a
	 * DP model trained on that part would cost, and is discarded.
	 */
	const struct rs_dp_plan *dp;
	double		filter_quantile;	/* RS_AUG_GAN: 0 off, else rs_filter_select's */
	uint64_t	seed;
	int			workers;		/* 0: rs_evaluate_workers' rule; n: at most n */
	/* called after every (size, run), in their order, from the calling
	 * thread: done of total units; may be NULL */
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
				roc_auc,
				pr_auc,			/* average precision */
				mcc;			/* Matthews correlation at the threshold */
	double		seconds;		/* augmentation + fit + scoring */
	/* RS_AUG_GAN with the filter on (else 0), counts of rows: */
	double		candidates,		/* the candidates the GAN made */
				accepted,		/* those at or above the threshold */
				filled;			/* those added from below it (too few above) */
} rs_eval_result;

/*
 * Random oversampling (imbalanced-learn's RandomOverSampler): copies of
 * the minority rows (y = 1) of the n rows of X (p features), drawn
 * uniformly with replacement with rng, into Xnew until the classes are
 * 1:1; *n_new gets their count (n - 2 n1, 0 when the minority is not
 * smaller), the rows Xnew must hold.
 */
rs_status	rs_random_oversample(const double *X, const int *y, int n, int p, rs_rng *rng,
								 double *Xnew, int *n_new, rs_error *err);

/*
 * The filter's classifier, cross-fitted so that the real minority rows are
 * scored as the candidates are, by a model that has not seen them: the n
 * training rows are dealt into k = min(RS_EVAL_FILTER_FOLDS, minority
 * rows) folds (each class shuffled with seed, then dealt in turn) and
 * model j is a logistic regression (C) fitted on every fold but j.  A
 * real row of fold j is scored by model j; candidate i by model i mod k.
 * (Scored by a model fitted on them, the real minority rows score higher
 * than unseen minority rows do: with 50 minority rows of 1000 and 30
 * features only 71% of fresh minority rows reached the 0.1-quantile of the
 * in-sample scores.)  With one minority row, k = 1: one model on every row.
 */
typedef struct rs_filter
{
	int			k;
	rs_logreg	model[RS_EVAL_FILTER_FOLDS];
} rs_filter;

/*
 * Fit f on X (n x p, labels y, at least one 1) and write the scores of the
 * minority rows, in row order, into real_scores (n entries of room);
 * *n_real gets their count.  Free f with rs_filter_free whatever the
 * status.
 */
rs_status	rs_filter_fit(rs_filter *f, const double *X, const int *y, int n, int p,
						  double C, uint64_t seed, double *real_scores, int *n_real,
						  rs_error *err);

/* The scores of n candidate rows of X, the first of them candidate first. */
void		rs_filter_score(const rs_filter *f, const double *X, int n, int p, int first,
							double *scores);
void		rs_filter_free(rs_filter *f);

/*
 * The candidates the GAN arm makes for n_new rows with filter_quantile
 * quantile: n_new when it is 0, else ceil(RS_EVAL_FILTER_HEADROOM n_new
 * / (1 - quantile)) (at most INT_MAX).
 */
int			rs_filter_pool(int n_new, double quantile);

/*
 * The classifier filter of the GAN arm: of n_cand candidate rows scored
 * cand_scores (a classifier's log odds of the minority, rs_filter_score),
 * keep n_keep <= n_cand in keep[]: the candidates scoring
 * at or above the threshold, the quantile-quantile (0 < quantile <= 0.5,
 * linear interpolation between order statistics, numpy's default) of the
 * n_real > 0 real minority rows' real_scores, in the order they were made
 * (rejection sampling: those kept follow the generator restricted to that
 * region); when fewer than n_keep pass, the best-scoring of the rest
 * (ties: the earlier) fill up, their count in *n_filled.  *n_accepted
 * gets how many passed (may exceed n_keep).  *threshold (may be NULL)
 * gets the threshold.
 */
rs_status	rs_filter_select(const double *real_scores, int n_real,
							 const double *cand_scores, int n_cand, double quantile,
							 int n_keep, int *keep, int *n_accepted, int *n_filled,
							 double *threshold, rs_error *err);

/*
 * Run the paper's experiment on table t with labels y (1 = minority): for
 * every size and run, a stratified subsample (all rows for size 0), a
 * stratified train/test split shared by every method (paired), the
 * training part augmented by each method (the minority brought to 1:1;
 * the test part untouched), the classifier fitted on it and scored on the
 * test part.  With cfg->filter_quantile > 0, RS_AUG_GAN makes
 * rs_filter_pool candidates for the rows it adds, scores them and the real
 * minority rows by the cross-fitted logistic regression of the real
 * training part (rs_filter_fit, C = cfg->C), and adds those
 * rs_filter_select keeps.  Features (standardised, one-hot) are fitted on the real
 * training part; RS_AUG_SMOTE interpolates in that feature space
 * (imbalanced-learn's SMOTE on the encoded matrix, the reference
 * protocol), RS_AUG_SMOTENC and RS_AUG_GAN make table rows that are then
 * encoded; RS_AUG_RANDOM copies minority rows of the training part
 * (imbalanced-learn's RandomOverSampler); RS_AUG_WEIGHTED adds no rows
 * and fits with class weights n / (2 n_c) (scikit-learn's
 * class_weight='balanced'); RS_AUG_THRESHOLD adds no rows, fits on a
 * stratified 75% of the training part, takes the threshold of best F1 on
 * the other 25% (rs_best_f1_threshold), refits on the whole training part
 * and scores the test part at that threshold.
 * out[(s * n_methods + m) * runs + r].  *smote_k_used gets the
 * smallest neighbour count SMOTE could use (below smote_k when a training
 * part had too few minority rows).
 *
 * The (size, run) units are independent (each has its own random stream,
 * from the seed, the size's index and the run's), so they may run
 * concurrently: on rs_evaluate_workers(cfg) workers, each unit on one
 * worker and each worker single-threaded inside (its GAN steps, its
 * sampling, OpenBLAS), while the calling thread only waits, reports
 * progress and checks for interrupts.  Every unit computes the same
 * numbers on any thread, so out[] is bitwise the same for any worker
 * count, and progress is reported in unit order from the calling thread.
 * On an error, the error is that of the first unit (in order) that
 * failed, as with one worker.  If an interrupt check does not return (the
 * host's cancel), the host must call rs_evaluate_release().
 */
rs_status	rs_evaluate_run(const rs_table *t, const int *y, const rs_eval_config *cfg,
							rs_eval_result *out, int *smote_k_used, rs_error *err);

/*
 * The workers rs_evaluate_run uses: min(cfg->workers or, when it is 0,
 * rs_thread_count(), the units), when that is 2 or more; else 1 (the units
 * in order on the calling thread, each GAN step on the team of
 * rs_thread_count() threads).  Always 1 with the boosted classifier:
 * XGBoost's fits keep their handles in one place and end OpenMP's pool
 * (boosted.h), which is not safe from several threads at once.
 * A unit per worker beats threads inside a step: a GAN step on 2 threads
 * is about 1.5 times as fast as on one (the parts are small), two units on
 * two workers nearly twice (docs/evaluation.md has the measurements).
 */
int			rs_evaluate_workers(const rs_eval_config *cfg);

/*
 * Cancel and join the workers of an evaluation whose interrupt check did
 * not return (and free what it held besides the host's own memory);
 * restores OpenBLAS's thread count.  Safe to call at any time.
 */
void		rs_evaluate_release(void);

#endif							/* RS_EVALUATE_H */

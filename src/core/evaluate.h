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
#include "rs_common.h"
#include "table.h"

struct rs_gan_config;
struct rs_rules;

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
	rs_classifier_kind classifier;	/* the classifier fitted (logistic by default) */
	double		C;				/* logistic regression */
	int			smote_k;
	const struct rs_gan_config *gan;	/* GAN settings (epochs included) */
	int			max_modes;
	const struct rs_rules *rules;	/* the GAN's rules, declared (NULL: none) */
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
				roc_auc,
				pr_auc,			/* average precision */
				mcc;			/* Matthews correlation at the threshold */
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

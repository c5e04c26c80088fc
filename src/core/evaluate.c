/*
 * evaluate.c
 *	  The experiment driver of the evaluation (see evaluate.h): for every
 *	  size and run a stratified subsample and split, the training part
 *	  augmented by each method, the classifier fitted and scored.
 */
#define _POSIX_C_SOURCE 199309L
#include "evaluate.h"

#include <limits.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"

#include "classifier.h"
#include "design.h"
#include "dp_account.h"
#include "gan.h"
#include "model.h"
#include "protocol.h"
#include "smote.h"
#include "team.h"

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The minority rows of train (y = 1) as a table, and their count. */
static rs_table *
minority_rows(const rs_table *train, const int *y, rs_error *err)
{
	int			n1 = 0;
	int		   *idx = rs_alloc_array((size_t) (train->n_rows ? train->n_rows : 1), sizeof(int));
	rs_table   *out;

	if (!idx)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int i = 0; i < train->n_rows; i++)
		if (y[i])
			idx[n1++] = i;
	out = rs_table_take(train, idx, n1, err);
	rs_free(idx);
	return out;
}

rs_status
rs_random_oversample(const double *X, const int *y, int n, int p, rs_rng *rng,
					 double *Xnew, int *n_new, rs_error *err)
{
	int			n1 = 0;
	int		   *idx = rs_alloc_array((size_t) (n ? n : 1), sizeof(int));

	*n_new = 0;
	if (!idx)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory");
	for (int i = 0; i < n; i++)
		if (y[i])
			idx[n1++] = i;
	if (n1 == 0)
	{
		rs_free(idx);
		return rs_fail(err, RS_ERR_INVALID, "random oversampling needs a minority row");
	}
	/* uniform draws with replacement, as imbalanced-learn's RandomOverSampler */
	for (int i = 0; i < n - 2 * n1; i++)
		memcpy(Xnew + (size_t) i * p, X + (size_t) idx[rs_rng_below(rng, (uint64_t) n1)] * p,
			   sizeof(double) * p);
	*n_new = n - 2 * n1 > 0 ? n - 2 * n1 : 0;
	rs_free(idx);
	return RS_OK;
}

/* A candidate's score and index, ordered best first (ties: the earlier). */
typedef struct filter_cand
{
	double		s;
	int			i;
} filter_cand;

static int
cmp_filter_cand(const void *a, const void *b)
{
	const filter_cand *x = a,
			   *y = b;

	if (x->s != y->s)
		return x->s < y->s ? 1 : -1;
	return (x->i > y->i) - (x->i < y->i);
}

static int
cmp_double_asc(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

rs_status
rs_filter_select(const double *real_scores, int n_real, const double *cand_scores,
				 int n_cand, double quantile, int n_keep, int *keep, int *n_accepted,
				 int *n_filled, double *threshold, rs_error *err)
{
	double	   *sorted;
	filter_cand *rest;
	double		h,
				t;
	int			lo,
				k = 0,
				n_rest = 0;

	*n_accepted = *n_filled = 0;
	if (n_real < 1 || n_keep < 0 || n_keep > n_cand || !(quantile > 0 && quantile <= 0.5))
		return rs_fail(err, RS_ERR_INVALID,
					   "the filter needs real minority rows, a quantile in (0, 0.5] and n_keep <= n_cand");
	sorted = rs_alloc_array((size_t) n_real, sizeof(double));
	rest = rs_alloc_array((size_t) (n_cand ? n_cand : 1), sizeof(filter_cand));
	if (!sorted || !rest)
	{
		rs_free(sorted);
		rs_free(rest);
		return rs_fail(err, RS_ERR_NOMEM, "out of memory");
	}
	memcpy(sorted, real_scores, sizeof(double) * (size_t) n_real);
	qsort(sorted, (size_t) n_real, sizeof(double), cmp_double_asc);
	h = quantile * (n_real - 1);
	lo = (int) h;
	t = lo + 1 < n_real ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
	for (int i = 0; i < n_cand; i++)
	{
		/* NaN (never from the logistic fit) counts as rejected */
		if (cand_scores[i] >= t)
		{
			if (k < n_keep)
				keep[k++] = i;
			(*n_accepted)++;
		}
		else
		{
			rest[n_rest].s = isnan(cand_scores[i]) ? -INFINITY : cand_scores[i];
			rest[n_rest++].i = i;
		}
	}
	if (k < n_keep)
	{
		qsort(rest, (size_t) n_rest, sizeof(filter_cand), cmp_filter_cand);
		*n_filled = n_keep - k;
		for (int j = 0; k < n_keep; j++)
			keep[k++] = rest[j].i;
	}
	if (threshold)
		*threshold = t;
	rs_free(sorted);
	rs_free(rest);
	return RS_OK;
}

rs_status
rs_filter_fit(rs_filter *f, const double *X, const int *y, int n, int p, double C,
			  uint64_t seed, double *real_scores, int *n_real, rs_error *err)
{
	int			n1 = 0,
				m;
	int		   *fold = rs_alloc_array((size_t) (n ? n : 1), sizeof(int));
	int		   *order = rs_alloc_array((size_t) (n ? n : 1), sizeof(int));
	int		   *yf = rs_alloc_array((size_t) (n ? n : 1), sizeof(int));
	double	   *Xf = NULL;
	rs_rng		rng;
	rs_status	st = RS_OK;

	memset(f, 0, sizeof(*f));
	*n_real = 0;
	for (int i = 0; i < n; i++)
		n1 += y[i] != 0;
	/* one minority row: k = 1, no fold can hold it out */
	f->k = n1 < RS_EVAL_FILTER_FOLDS ? n1 : RS_EVAL_FILTER_FOLDS;
	if (!fold || !order || !yf)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto done;
	}
	if (n1 == 0)
	{
		st = rs_fail(err, RS_ERR_INVALID, "the filter needs a minority row");
		goto done;
	}
	/* each class shuffled, then dealt into the folds in turn */
	rs_rng_seed(&rng, seed);
	for (int c = 1; c >= 0; c--)
	{
		m = 0;
		for (int i = 0; i < n; i++)
			if ((y[i] != 0) == c)
				order[m++] = i;
		rs_rng_shuffle(&rng, order, m);
		for (int j = 0; j < m; j++)
			fold[order[j]] = j % f->k;
	}
	if (f->k > 1 && !(Xf = rs_alloc_array((size_t) n * (size_t) (p ? p : 1), sizeof(double))))
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (int j = 0; j < f->k; j++)
	{
		rs_check_interrupts();
		if (f->k == 1)
			st = rs_logreg_fit(&f->model[j], X, y, n, p, C, err);
		else
		{
			m = 0;
			for (int i = 0; i < n; i++)
				if (fold[i] != j)
				{
					memcpy(Xf + (size_t) m * p, X + (size_t) i * p, sizeof(double) * p);
					yf[m++] = y[i];
				}
			st = rs_logreg_fit(&f->model[j], Xf, yf, m, p, C, err);
		}
		if (st != RS_OK)
			goto done;
	}
	for (int i = 0; i < n; i++)
		if (y[i])
			rs_logreg_decision(&f->model[fold[i]], X + (size_t) i * p, 1,
							   &real_scores[(*n_real)++]);
done:
	rs_free(fold);
	rs_free(order);
	rs_free(yf);
	rs_free(Xf);
	return st;
}

void
rs_filter_score(const rs_filter *f, const double *X, int n, int p, int first, double *scores)
{
	for (int i = 0; i < n; i++)
		rs_logreg_decision(&f->model[((int64_t) first + i) % f->k], X + (size_t) i * p, 1,
						   &scores[i]);
}

void
rs_filter_free(rs_filter *f)
{
	for (int j = 0; j < RS_EVAL_FILTER_FOLDS; j++)
		rs_logreg_free(&f->model[j]);
	f->k = 0;
}

int
rs_filter_pool(int n_new, double quantile)
{
	double		n;

	if (!(quantile > 0))
		return n_new;
	n = ceil(RS_EVAL_FILTER_HEADROOM * n_new / (1.0 - quantile));
	return n < INT_MAX ? (int) n : INT_MAX;
}

/*
 * The filter of the GAN arm: the cross-fitted logistic regression of the
 * real training part (Xtr, n_tr rows, labels y; rs_filter_fit with seed)
 * scores the real minority rows and the candidates cand (encoded by f a
 * slice at a time, so that only their scores are kept); the n_new rows
 * rs_filter_select keeps are encoded into Xsyn, its counts into res.
 */
static rs_status
filter_features(const rs_table *cand, const int *y, const double *Xtr, int n_tr,
				const rs_design *f, int n_new, const rs_eval_config *cfg, uint64_t seed,
				double *Xsyn, rs_eval_result *res, rs_error *err)
{
	enum
	{
		slice_rows = 1024
	};
	int			p = f->p,
				n1 = 0,
				n_acc,
				n_fill;
	rs_filter	lr;
	double	   *scores = rs_alloc_array((size_t) (n_tr + cand->n_rows), sizeof(double));
	double	   *Xs = rs_alloc_array((size_t) slice_rows * (size_t) (p ? p : 1), sizeof(double));
	int		   *keep = rs_alloc_array((size_t) (n_new ? n_new : 1), sizeof(int));
	rs_table   *kept = NULL;
	rs_status	st;

	memset(&lr, 0, sizeof(lr));
	if (!scores || !Xs || !keep)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto done;
	}
	if ((st = rs_filter_fit(&lr, Xtr, y, n_tr, p, cfg->C, seed, scores, &n1, err)) != RS_OK)
		goto done;
	/* the candidates' scores follow the n1 real ones */
	for (int row = 0; row < cand->n_rows; row += slice_rows)
	{
		rs_table	slice = *cand;	/* a view of rows [row, row + b): not freed */

		slice.n_rows = cand->n_rows - row < slice_rows ? cand->n_rows - row : slice_rows;
		slice.values = cand->values + (size_t) row * cand->n_cols;
		rs_check_interrupts();
		if ((st = rs_design_transform(f, &slice, Xs, err)) != RS_OK)
			goto done;
		rs_filter_score(&lr, Xs, slice.n_rows, p, row, scores + n1 + row);
	}
	if ((st = rs_filter_select(scores, n1, scores + n1, cand->n_rows, cfg->filter_quantile,
							   n_new, keep, &n_acc, &n_fill, NULL, err)) != RS_OK)
		goto done;
	if (!(kept = rs_table_take(cand, keep, n_new, err)))
	{
		st = err->code;
		goto done;
	}
	st = rs_design_transform(f, kept, Xsyn, err);
	res->candidates = cand->n_rows;
	res->accepted = n_acc;
	res->filled = n_fill;
done:
	rs_filter_free(&lr);
	rs_free(scores);
	rs_free(Xs);
	rs_free(keep);
	rs_table_free(kept);
	return st;
}

/*
 * cfg->gan with the noise multiplier and rate that cfg->dp gives for the
 * rows the GAN arm trains on (the minority rows of train, or all of them
 * with all_rows), into *gan.
 */
static rs_status
dp_gan_config(const rs_table *train, const int *y, const rs_eval_config *cfg,
			  rs_gan_config *gan, rs_error *err)
{
	int			n = 0;
	int64_t		steps;

	*gan = *cfg->gan;
	for (int i = 0; i < train->n_rows; i++)
		n += gan->all_rows || y[i];
	gan->dp_noise = rs_dp_plan_train(cfg->dp, n, gan->batch_size, gan->epochs,
									 gan->discriminator_steps, &gan->dp_rate, &steps);
	if (!(gan->dp_noise > 0))
		return rs_fail(err, RS_ERR_INVALID,
					   "epsilon %g is too small for %d epochs on %d rows: no noise multiplier up to 1e6 spends it",
					   cfg->dp->epsilon, gan->epochs, n);
	return RS_OK;
}

/*
 * The feature rows a method adds to the training part (n_new of them, all
 * of the minority class), in the classifier's feature space: SMOTE works
 * on the encoded matrix itself (imbalanced-learn's SMOTE on standardised
 * one-hot features, the reference protocol); SMOTE-NC and the GAN make
 * table rows that are then encoded like the real ones (the GAN's through
 * the filter when it is on, its counts into res).
 */
static rs_status
synthetic_features(const rs_table *train, const int *y, const double *Xtr, int p,
				   const rs_design *f, rs_augment method, int n_new,
				   const rs_eval_config *cfg, uint64_t seed, double *Xsyn,
				   int *k_used, rs_eval_result *res, rs_error *err)
{
	rs_rng		rng;
	rs_table   *minority,
			   *syn = NULL;
	rs_status	st;
	rs_gan_config gan;
	const rs_gan_config *gc = cfg->dp ? &gan : cfg->gan;

	rs_rng_seed(&rng, seed);
	if (method == RS_AUG_RANDOM)
	{
		int			n_made;

		if ((st = rs_random_oversample(Xtr, y, train->n_rows, p, &rng, Xsyn, &n_made,
									   err)) == RS_OK && n_made != n_new)
			st = rs_fail(err, RS_ERR_INTERNAL, "random oversampling made %d rows, not %d",
						 n_made, n_new);
		return st;
	}
	if (method == RS_AUG_SMOTE)
	{
		int			n1 = 0;
		double	   *Xmin = rs_alloc_array((size_t) train->n_rows * (size_t) p, sizeof(double));

		if (!Xmin)
			return rs_fail(err, RS_ERR_NOMEM, "out of memory");
		for (int i = 0; i < train->n_rows; i++)
			if (y[i])
				memcpy(Xmin + (size_t) (n1++) * p, Xtr + (size_t) i * p, sizeof(double) * p);
		st = rs_smote_dense(Xmin, n1, p, n_new, cfg->smote_k, &rng, Xsyn, k_used, err);
		rs_free(Xmin);
		return st;
	}

	if (method == RS_AUG_GAN && cfg->dp && (st = dp_gan_config(train, y, cfg, &gan, err)) != RS_OK)
		return st;
	if (method == RS_AUG_GAN && cfg->gan && cfg->gan->all_rows)
		syn = rs_model_augment_all(train, y, rs_filter_pool(n_new, cfg->filter_quantile), gc,
								   cfg->max_modes, cfg->rules, seed, err);
	else
	{
		minority = minority_rows(train, y, err);
		if (!minority)
			return err->code;
		if (method == RS_AUG_SMOTENC)
			syn = rs_smote(minority, n_new, cfg->smote_k, &rng, k_used, err);
		else
			syn = rs_model_augment(minority, rs_filter_pool(n_new, cfg->filter_quantile), gc,
								   cfg->max_modes, cfg->rules, seed, err);
		rs_table_free(minority);
	}
	if (!syn)
		return err->code;
	if (method == RS_AUG_GAN && cfg->filter_quantile > 0)
		st = filter_features(syn, y, Xtr, train->n_rows, f, n_new, cfg,
							 seed ^ UINT64_C(0xD1B54A32D192ED03), Xsyn, res, err);
	else
		st = rs_design_transform(f, syn, Xsyn, err);
	rs_table_free(syn);
	return st;
}

/*
 * RS_AUG_THRESHOLD's threshold: a stratified split of the n training rows
 * (RS_EVAL_THRESHOLD_FRACTION of them for validation, drawn with seed),
 * classifier c fitted on the rest, and the threshold of best F1 on the
 * validation rows' scores (rs_best_f1_threshold) into *threshold.
 */
static rs_status
tune_threshold(const rs_classifier *c, const double *X, const int *y, int n, int p,
			   const rs_design *f, uint64_t seed, double *threshold, rs_error *err)
{
	rs_rng		rng;
	int		   *fit = rs_alloc_array((size_t) n, sizeof(int));
	int		   *val = rs_alloc_array((size_t) n, sizeof(int));
	int		   *yfit = rs_alloc_array((size_t) n, sizeof(int));
	int		   *yval = rs_alloc_array((size_t) n, sizeof(int));
	double	   *Xfit = rs_alloc_array((size_t) n * (size_t) (p ? p : 1), sizeof(double));
	double	   *Xval = rs_alloc_array((size_t) n * (size_t) (p ? p : 1), sizeof(double));
	double	   *scores = rs_alloc_array((size_t) n, sizeof(double));
	int			n_fit,
				n_val;
	rs_status	st;

	if (!fit || !val || !yfit || !yval || !Xfit || !Xval || !scores)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto done;
	}
	rs_rng_seed(&rng, seed);
	if ((st = rs_stratified_split(y, n, RS_EVAL_THRESHOLD_FRACTION, &rng, fit, &n_fit,
								  val, &n_val, err)) != RS_OK)
		goto done;
	for (int i = 0; i < n_fit; i++)
	{
		yfit[i] = y[fit[i]];
		memcpy(Xfit + (size_t) i * p, X + (size_t) fit[i] * p, sizeof(double) * p);
	}
	for (int i = 0; i < n_val; i++)
	{
		yval[i] = y[val[i]];
		memcpy(Xval + (size_t) i * p, X + (size_t) val[i] * p, sizeof(double) * p);
	}
	if ((st = rs_classifier_fit_predict(c, Xfit, yfit, NULL, n_fit, Xval, n_val, p, f,
										scores, err)) == RS_OK)
		st = rs_best_f1_threshold(scores, yval, n_val, threshold, NULL, err);
done:
	rs_free(fit);
	rs_free(val);
	rs_free(yfit);
	rs_free(yval);
	rs_free(Xfit);
	rs_free(Xval);
	rs_free(scores);
	return st;
}

/* Whether method adds minority rows to the training part (to 1:1). */
static int
adds_rows(rs_augment method)
{
	return method == RS_AUG_SMOTE || method == RS_AUG_SMOTENC ||
		method == RS_AUG_GAN || method == RS_AUG_RANDOM;
}

/* One method on one split: augment (or weight, or tune), fit, score. */
static rs_status
run_method(const rs_table *train, const int *ytr, const double *Xtr,
		   const double *Xte, const int *yte, int n_te, const rs_design *f,
		   rs_augment method, const rs_eval_config *cfg, uint64_t seed,
		   rs_eval_result *res, int *k_used, rs_error *err)
{
	double		t0 = now_seconds();
	int			p = f->p;
	int			n_tr = train->n_rows,
				n1 = 0,
				n_new,
				n_all;
	double	   *X = NULL,
			   *w = NULL;
	double		threshold = 0.0;
	int		   *yall = NULL;
	rs_metrics	met;
	rs_classifier clf;
	rs_status	st;

	res->candidates = res->accepted = res->filled = 0;
	for (int i = 0; i < n_tr; i++)
		n1 += ytr[i];
	n_new = (!adds_rows(method) || n_tr - n1 <= n1) ? 0 : n_tr - 2 * n1;
	n_all = n_tr + n_new;
	X = rs_alloc_array((size_t) n_all * (size_t) p, sizeof(double));
	yall = rs_alloc_array((size_t) n_all, sizeof(int));
	if (!X || !yall)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto done;
	}
	memcpy(X, Xtr, sizeof(double) * (size_t) n_tr * p);
	memcpy(yall, ytr, sizeof(int) * n_tr);
	for (int i = n_tr; i < n_all; i++)
		yall[i] = 1;
	if (n_new > 0 &&
		(st = synthetic_features(train, ytr, Xtr, p, f, method, n_new, cfg, seed,
								 X + (size_t) n_tr * p, k_used, res, err)) != RS_OK)
		goto done;
	clf.kind = cfg->classifier;
	clf.C = cfg->C;
	clf.seed = seed;
	if (method == RS_AUG_WEIGHTED)
	{
		/* scikit-learn's class_weight='balanced': n / (2 n_c) */
		if (!(w = rs_alloc_array((size_t) n_all, sizeof(double))))
		{
			st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
			goto done;
		}
		for (int i = 0; i < n_all; i++)
			w[i] = (double) n_all / (2.0 * (yall[i] ? n1 : n_all - n1));
	}
	if (method == RS_AUG_THRESHOLD &&
		(st = tune_threshold(&clf, X, yall, n_all, p, f, seed, &threshold, err)) != RS_OK)
		goto done;
	if ((st = rs_classifier_fit_metrics(&clf, X, yall, w, n_all, Xte, yte, n_te, p, f,
										threshold, &met, err)) != RS_OK)
		goto done;
	res->accuracy = met.accuracy;
	res->recall = met.recall;
	res->precision = met.precision;
	res->f1 = met.f1;
	res->balanced_accuracy = met.balanced_accuracy;
	res->roc_auc = met.roc_auc;
	res->pr_auc = met.pr_auc;
	res->mcc = met.mcc;
	res->seconds = now_seconds() - t0;
done:
	rs_free(X);
	rs_free(w);
	rs_free(yall);
	return st;
}

/*
 * One unit of the experiment, size s and run r: a stratified subsample of
 * t (all rows when the size is n), a stratified split shared by every
 * method, the design fitted on the training part, every method on it into
 * out[(s * n_methods + m) * runs + r].  *k_min gets the fewest SMOTE
 * neighbours used.  Its randomness is its own stream, seeded from the
 * seed, s and r alone: units do not depend on each other or on the order
 * they run in.
 */
static rs_status
run_unit(const rs_table *t, const int *y, const rs_eval_config *cfg, int s, int r,
		 rs_eval_result *out, int *k_min, rs_error *err)
{
	int			n = t->n_rows;
	int			size = cfg->sizes[s] > 0 && cfg->sizes[s] < n ? cfg->sizes[s] : n;
	int		   *sub = rs_alloc_array((size_t) n, sizeof(int));
	int		   *ysub = rs_alloc_array((size_t) n, sizeof(int));
	int		   *tr = rs_alloc_array((size_t) n, sizeof(int));
	int		   *te = rs_alloc_array((size_t) n, sizeof(int));
	int		   *ytr = rs_alloc_array((size_t) n, sizeof(int));
	int		   *yte = rs_alloc_array((size_t) n, sizeof(int));
	rs_rng		rng;
	int			n_tr,
				n_te;
	rs_table   *train = NULL,
			   *test = NULL;
	rs_design	f;
	double	   *Xtr = NULL,
			   *Xte = NULL;
	uint64_t	run_seed;
	rs_status	st;

	*k_min = cfg->smote_k;
	memset(&f, 0, sizeof(f));
	if (!sub || !ysub || !tr || !te || !ytr || !yte)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto done;
	}
	/* one stream per (size, run): runs do not depend on each other */
	rs_rng_seed(&rng, cfg->seed ^ ((uint64_t) (s + 1) * UINT64_C(0x9E3779B97F4A7C15))
				^ ((uint64_t) (r + 1) * UINT64_C(0xBF58476D1CE4E5B9)));
	run_seed = rs_rng_next(&rng);
	if (size < n)
	{
		if ((st = rs_stratified_subsample(y, n, size, &rng, sub, err)) != RS_OK)
			goto done;
	}
	else
		for (int i = 0; i < n; i++)
			sub[i] = i;
	for (int i = 0; i < size; i++)
		ysub[i] = y[sub[i]];
	if ((st = rs_stratified_split(ysub, size, cfg->test_fraction, &rng,
								  tr, &n_tr, te, &n_te, err)) != RS_OK)
		goto done;
	for (int i = 0; i < n_tr; i++)
	{
		ytr[i] = ysub[tr[i]];
		tr[i] = sub[tr[i]];
	}
	for (int i = 0; i < n_te; i++)
	{
		yte[i] = ysub[te[i]];
		te[i] = sub[te[i]];
	}
	train = rs_table_take(t, tr, n_tr, err);
	test = train ? rs_table_take(t, te, n_te, err) : NULL;
	if (!train || !test)
		st = err->code;
	else
		st = rs_design_encode(&f, train, test, &Xtr, &Xte, err);

	/* every method sees the same split (paired comparison) */
	for (int m = 0; m < cfg->n_methods && st == RS_OK; m++)
	{
		int			k_used = cfg->smote_k;

		rs_check_interrupts();
		st = run_method(train, ytr, Xtr, Xte, yte, n_te, &f, cfg->methods[m], cfg,
						run_seed + (uint64_t) cfg->methods[m],
						&out[((size_t) s * cfg->n_methods + m) * cfg->runs + r],
						&k_used, err);
		if (k_used < *k_min)
			*k_min = k_used;
	}
done:
	rs_design_free(&f);
	rs_free(Xtr);
	rs_free(Xte);
	rs_table_free(train);
	rs_table_free(test);
	rs_free(sub);
	rs_free(ysub);
	rs_free(tr);
	rs_free(te);
	rs_free(ytr);
	rs_free(yte);
	return st;
}

int
rs_evaluate_workers(const rs_eval_config *cfg)
{
	int			units = cfg->n_sizes * cfg->runs,
				n = cfg->workers > 0 ? cfg->workers : rs_thread_count();

	/* XGBoost's fits are not safe on several threads at once (boosted.h) */
	if (cfg->classifier == RS_CLASSIFIER_BOOSTED || units < 2 || n < 2)
		return 1;
	if (n > RS_THREADS_MAX)
		n = RS_THREADS_MAX;
	return n < units ? n : units;
}

/* ---------------------------------------------------------------- workers */

/* What becomes of a unit: not (yet) run, done, failed. */
#define UNIT_PENDING 0
#define UNIT_DONE 1
#define UNIT_FAILED 2

typedef struct eval_job eval_job;

/* One worker: its thread's scope (kept here, not on its stack: see setjmp) */
typedef struct eval_worker
{
	eval_job   *job;
	rs_worker	scope;
} eval_worker;

/*
 * The units spread over a crew of workers (team.h).  The host's thread
 * writes the job before the crew starts and reads it after it is joined;
 * meanwhile the workers take units through `next`, write their own unit's
 * results, k and error, and publish its state last (release); the host's
 * thread reads a state (acquire) before that unit's results.
 */
struct eval_job
{
	const rs_table *t;
	const int  *y;
	const rs_eval_config *cfg;
	rs_eval_result *out;
	int			units;
	atomic_int	next;			/* the next unit to take */
	atomic_int	stop;			/* a unit failed: take no more */
	atomic_int	cancel;			/* the host gave up: abandon the units running */
	atomic_int	running;		/* workers not finished */
	atomic_int *state;			/* per unit: UNIT_* */
	int		   *k_used;			/* per unit */
	rs_error   *errs;			/* per unit */
	int			blas_threads;	/* OpenBLAS's count before the job */
	int			n_workers;
	eval_worker workers[RS_THREADS_MAX];
	rs_crew		crew;
};

/* The job whose crew runs (one at a time: the host's thread starts it). */
static eval_job *live_job;

/* Take units until none is left, a unit fails or the job is cancelled. */
static void
take_units(eval_job *j)
{
	const rs_eval_config *cfg = j->cfg;

	while (!atomic_load(&j->stop))
	{
		int			u = atomic_fetch_add(&j->next, 1);
		rs_status	st;

		if (u >= j->units)
			break;
		st = run_unit(j->t, j->y, cfg, u / cfg->runs, u % cfg->runs, j->out,
					  &j->k_used[u], &j->errs[u]);
		if (st != RS_OK)
			atomic_store(&j->stop, 1);
		atomic_store_explicit(&j->state[u], st == RS_OK ? UNIT_DONE : UNIT_FAILED,
							  memory_order_release);
	}
}

/*
 * A worker's thread: its units inside a worker scope (its own allocator
 * and cancel, rs_common.h); a cancel jumps back here, and the scope's end
 * frees what the abandoned unit held.
 */
static void *
worker_main(void *arg)
{
	eval_worker *wk = arg;
	eval_job   *j = wk->job;

	rs_worker_begin(&wk->scope, &j->cancel);
	if (setjmp(wk->scope.jump) == 0)
		take_units(j);
	rs_worker_end(&wk->scope);
	atomic_fetch_sub_explicit(&j->running, 1, memory_order_release);
	return NULL;
}

/*
 * Report, in order, the units done since *reported (the progress callback
 * comes from the host's thread only, in the order a single thread would
 * give); stop at the first that is not done.
 */
static void
report_units(eval_job *j, int *reported)
{
	const rs_eval_config *cfg = j->cfg;

	while (*reported < j->units &&
		   atomic_load_explicit(&j->state[*reported], memory_order_acquire) == UNIT_DONE)
	{
		int			u = (*reported)++;

		if (cfg->progress)
			cfg->progress(cfg->progress_arg, u / cfg->runs, u % cfg->runs, u + 1, j->units);
	}
}

/* Stop the crew (cancelling its units when cancel), join it, restore OpenBLAS. */
static void
end_job(eval_job *j, int cancel)
{
	if (cancel)
	{
		atomic_store(&j->stop, 1);
		atomic_store(&j->cancel, 1);
	}
	rs_crew_join(&j->crew);
	if (j->blas_threads > 1)
		openblas_set_num_threads(j->blas_threads);
	if (live_job == j)
		live_job = NULL;
}

static void
free_job(eval_job *j)
{
	if (!j)
		return;
	rs_free(j->state);
	rs_free(j->k_used);
	rs_free(j->errs);
	rs_free(j);
}

void
rs_evaluate_release(void)
{
	eval_job   *j = live_job;

	if (!j)
		return;
	end_job(j, 1);
	free_job(j);
}

/*
 * Every unit on a crew of n_workers threads, each worker single-threaded
 * inside (its GAN steps, sampling and OpenBLAS: rs_thread_count() is 1 in
 * a worker scope, and OpenBLAS is set to 1 thread for the job, which is
 * process-wide, and restored after).  The host's thread only waits:
 * reports progress in unit order and checks for interrupts every few
 * milliseconds.  If that check does not return, the host calls
 * rs_evaluate_release, which cancels the workers (each stops at its next
 * interrupt check, within a training step) and joins them.
 * *spawned gets how many workers started (0: nothing ran; run serially).
 */
static rs_status
run_workers(const rs_table *t, const int *y, const rs_eval_config *cfg,
			rs_eval_result *out, int n_workers, int *smote_k_used, int *spawned,
			rs_error *err)
{
	int			units = cfg->n_sizes * cfg->runs,
				reported = 0;
	eval_job   *j = rs_alloc(sizeof(eval_job));
	rs_status	st = RS_OK;

	*spawned = 0;
	if (!j ||
		!(j->state = rs_alloc_array((size_t) units, sizeof(atomic_int))) ||
		!(j->k_used = rs_alloc_array((size_t) units, sizeof(int))) ||
		!(j->errs = rs_alloc_array((size_t) units, sizeof(rs_error))))
	{
		free_job(j);
		return rs_fail(err, RS_ERR_NOMEM, "out of memory");
	}
	j->t = t;
	j->y = y;
	j->cfg = cfg;
	j->out = out;
	j->units = units;
	for (int u = 0; u < units; u++)
		atomic_init(&j->state[u], UNIT_PENDING);
	atomic_init(&j->next, 0);
	atomic_init(&j->stop, 0);
	atomic_init(&j->cancel, 0);
	atomic_init(&j->running, n_workers);
	j->n_workers = n_workers;
	j->blas_threads = openblas_get_num_threads();
	if (j->blas_threads > 1)
		openblas_set_num_threads(1);
	live_job = j;
	rs_crew_init(&j->crew);
	for (int i = 0; i < n_workers; i++)
	{
		j->workers[i].job = j;
		if (rs_crew_spawn(&j->crew, worker_main, &j->workers[i]))
			(*spawned)++;
		else
			atomic_fetch_sub(&j->running, 1);
	}
	/* at least one check, however soon the workers end */
	for (;;)
	{
		struct timespec nap = {0, 5 * 1000 * 1000};

		report_units(j, &reported);
		rs_check_interrupts();	/* may not return: see above */
		if (atomic_load_explicit(&j->running, memory_order_acquire) == 0)
			break;
		nanosleep(&nap, NULL);
	}
	end_job(j, 0);
	report_units(j, &reported);
	if (*spawned > 0)
	{
		/* the first unit not done is the one a single thread fails at */
		for (int u = 0; u < units && st == RS_OK; u++)
		{
			int			state = atomic_load(&j->state[u]);

			if (state == UNIT_FAILED)
			{
				*err = j->errs[u];
				st = err->code;
			}
			else if (state != UNIT_DONE)
				st = rs_fail(err, RS_ERR_INTERNAL, "evaluation unit %d was not run", u);
			else if (j->k_used[u] < *smote_k_used)
				*smote_k_used = j->k_used[u];
		}
	}
	free_job(j);
	return st;
}

rs_status
rs_evaluate_run(const rs_table *t, const int *y, const rs_eval_config *cfg,
				rs_eval_result *out, int *smote_k_used, rs_error *err)
{
	int			total = cfg->n_sizes * cfg->runs,
				n_workers = rs_evaluate_workers(cfg);
	rs_status	st = RS_OK;

	*smote_k_used = cfg->smote_k;
	if (n_workers > 1)
	{
		int			spawned;

		st = run_workers(t, y, cfg, out, n_workers, smote_k_used, &spawned, err);
		if (spawned > 0 || st != RS_OK)
			return st;
		/* no thread could start: run every unit here */
	}
	for (int u = 0; u < total && st == RS_OK; u++)
	{
		int			k_used;

		st = run_unit(t, y, cfg, u / cfg->runs, u % cfg->runs, out, &k_used, err);
		if (k_used < *smote_k_used)
			*smote_k_used = k_used;
		if (st == RS_OK && cfg->progress)
			cfg->progress(cfg->progress_arg, u / cfg->runs, u % cfg->runs, u + 1, total);
	}
	return st;
}

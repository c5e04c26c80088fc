/*
 * evaluate.c
 *	  The experiment driver of the evaluation (see evaluate.h): for every
 *	  size and run a stratified subsample and split, the training part
 *	  augmented by each method, the classifier fitted and scored.
 */
#define _POSIX_C_SOURCE 199309L
#include "evaluate.h"

#include <string.h>
#include <time.h>

#include "classifier.h"
#include "design.h"
#include "model.h"
#include "protocol.h"
#include "smote.h"

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

/*
 * The feature rows a method adds to the training part (n_new of them, all
 * of the minority class), in the classifier's feature space: SMOTE works
 * on the encoded matrix itself (imbalanced-learn's SMOTE on standardised
 * one-hot features, the reference protocol); SMOTE-NC and the GAN make
 * table rows that are then encoded like the real ones.
 */
static rs_status
synthetic_features(const rs_table *train, const int *y, const double *Xtr, int p,
				   const rs_design *f, rs_augment method, int n_new,
				   const rs_eval_config *cfg, uint64_t seed, double *Xsyn,
				   int *k_used, rs_error *err)
{
	rs_rng		rng;
	rs_table   *minority,
			   *syn = NULL;
	rs_status	st;

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

	if (method == RS_AUG_GAN && cfg->gan && cfg->gan->all_rows)
		syn = rs_model_augment_all(train, y, n_new, cfg->gan, cfg->max_modes, cfg->rules,
								   seed, err);
	else
	{
		minority = minority_rows(train, y, err);
		if (!minority)
			return err->code;
		if (method == RS_AUG_SMOTENC)
			syn = rs_smote(minority, n_new, cfg->smote_k, &rng, k_used, err);
		else
			syn = rs_model_augment(minority, n_new, cfg->gan, cfg->max_modes, cfg->rules,
								   seed, err);
		rs_table_free(minority);
	}
	if (!syn)
		return err->code;
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
								 X + (size_t) n_tr * p, k_used, err)) != RS_OK)
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

rs_status
rs_evaluate_run(const rs_table *t, const int *y, const rs_eval_config *cfg,
				rs_eval_result *out, int *smote_k_used, rs_error *err)
{
	int			n = t->n_rows;
	int		   *sub = rs_alloc_array((size_t) n, sizeof(int));
	int		   *ysub = rs_alloc_array((size_t) n, sizeof(int));
	int		   *tr = rs_alloc_array((size_t) n, sizeof(int));
	int		   *te = rs_alloc_array((size_t) n, sizeof(int));
	int		   *ytr = rs_alloc_array((size_t) n, sizeof(int));
	int		   *yte = rs_alloc_array((size_t) n, sizeof(int));
	rs_status	st = RS_OK;
	int			total = cfg->n_sizes * cfg->runs,
				units = 0;

	*smote_k_used = cfg->smote_k;
	if (!sub || !ysub || !tr || !te || !ytr || !yte)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto done;
	}

	for (int s = 0; s < cfg->n_sizes && st == RS_OK; s++)
	{
		int			size = cfg->sizes[s] > 0 && cfg->sizes[s] < n ? cfg->sizes[s] : n;

		for (int r = 0; r < cfg->runs && st == RS_OK; r++)
		{
			rs_rng		rng;
			int			n_tr,
						n_te;
			rs_table   *train = NULL,
					   *test = NULL;
			rs_design	f;
			double	   *Xtr = NULL,
					   *Xte = NULL;
			uint64_t	run_seed;

			/* one stream per (size, run): runs do not depend on each other */
			rs_rng_seed(&rng, cfg->seed ^ ((uint64_t) (s + 1) * UINT64_C(0x9E3779B97F4A7C15))
						^ ((uint64_t) (r + 1) * UINT64_C(0xBF58476D1CE4E5B9)));
			run_seed = rs_rng_next(&rng);
			if (size < n)
			{
				if ((st = rs_stratified_subsample(y, n, size, &rng, sub, err)) != RS_OK)
					break;
			}
			else
				for (int i = 0; i < n; i++)
					sub[i] = i;
			for (int i = 0; i < size; i++)
				ysub[i] = y[sub[i]];
			if ((st = rs_stratified_split(ysub, size, cfg->test_fraction, &rng,
										  tr, &n_tr, te, &n_te, err)) != RS_OK)
				break;
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
			memset(&f, 0, sizeof(f));
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
				if (k_used < *smote_k_used)
					*smote_k_used = k_used;
			}
			rs_design_free(&f);
			rs_free(Xtr);
			rs_free(Xte);
			rs_table_free(train);
			rs_table_free(test);
			units++;
			if (st == RS_OK && cfg->progress)
				cfg->progress(cfg->progress_arg, s, r, units, total);
		}
	}

done:
	rs_free(sub);
	rs_free(ysub);
	rs_free(tr);
	rs_free(te);
	rs_free(ytr);
	rs_free(yte);
	return st;
}

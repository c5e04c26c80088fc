/*
 * evaluate.c
 *	  Stratified subsampling and splitting, and run summaries for the
 *	  evaluation protocol (see evaluate.h).
 */
#define _POSIX_C_SOURCE 199309L
#include "evaluate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classifier.h"
#include "model.h"
#include "smote.h"

/* Student t 0.975 quantiles for 1..30 degrees of freedom. */
static const double t975[30] = {
	12.7062047364, 4.3026527299, 3.1824463053, 2.7764451052, 2.5705818366,
	2.4469118488, 2.3646242510, 2.3060041350, 2.2621571627, 2.2281388520,
	2.2009851601, 2.1788128297, 2.1603686565, 2.1447866879, 2.1314495456,
	2.1199052992, 2.1098155778, 2.1009220402, 2.0930240544, 2.0859634473,
	2.0796138447, 2.0738730679, 2.0686576104, 2.0638985616, 2.0595385528,
	2.0555294386, 2.0518305165, 2.0484071418, 2.0452296421, 2.0422724563
};

double
rs_t_quantile_975(int df)
{
	double		z = 1.959963984540054;
	double		z2 = z * z;
	double		v;

	if (df < 1)
		return NAN;
	if (df <= 30)
		return t975[df - 1];

	/* Cornish-Fisher expansion; below 1e-7 absolute error from df 31 on */
	v = (double) df;
	return z + z * (z2 + 1) / (4 * v)
		+ z * ((5 * z2 + 16) * z2 + 3) / (96 * v * v)
		+ z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / (384 * v * v * v)
		+ z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)
		/ (92160 * v * v * v * v);
}

/* Split the row indexes by label; fails on a label other than 0 or 1. */
static rs_status
split_classes(const int *y, int n, int **c0, int *n0, int **c1, int *n1,
			  rs_error *err)
{
	*n0 = *n1 = 0;
	*c0 = *c1 = NULL;
	for (int i = 0; i < n; i++)
	{
		if (y[i] != 0 && y[i] != 1)
			return rs_fail(err, RS_ERR_INVALID, "label %d is not 0 or 1", y[i]);
		if (y[i])
			(*n1)++;
		else
			(*n0)++;
	}
	*c0 = rs_alloc_array((size_t) (*n0 ? *n0 : 1), sizeof(int));
	*c1 = rs_alloc_array((size_t) (*n1 ? *n1 : 1), sizeof(int));
	if (!*c0 || !*c1)
	{
		rs_free(*c0);
		rs_free(*c1);
		*c0 = *c1 = NULL;
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for %d labels", n);
	}
	*n0 = *n1 = 0;
	for (int i = 0; i < n; i++)
	{
		if (y[i])
			(*c1)[(*n1)++] = i;
		else
			(*c0)[(*n0)++] = i;
	}
	return RS_OK;
}

/* Move a uniformly chosen m of a[0..n-1] to its front (partial shuffle). */
static void
choose_front(rs_rng *rng, int *a, int n, int m)
{
	for (int i = 0; i < m && i < n - 1; i++)
	{
		int			j = i + (int) rs_rng_below(rng, (uint64_t) (n - i));
		int			t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

rs_status
rs_stratified_subsample(const int *y, int n, int size, rs_rng *rng, int *idx,
						rs_error *err)
{
	int		   *c0,
			   *c1;
	int			n0,
				n1,
				k0,
				k1,
				pos = 0;
	char	   *mark;
	rs_status	st;

	if (n < 1 || size < 1 || size > n)
		return rs_fail(err, RS_ERR_INVALID,
					   "cannot take a sample of %d from %d rows", size, n);
	if ((st = split_classes(y, n, &c0, &n0, &c1, &n1, err)) != RS_OK)
		return st;

	k1 = (int) floor((double) size * n1 / n + 0.5);
	if (size >= 2 && n1 > 0 && k1 == 0)
		k1 = 1;
	if (size >= 2 && n0 > 0 && k1 == size)
		k1 = size - 1;
	k0 = size - k1;
	if (k0 > n0)
	{
		k0 = n0;
		k1 = size - n0;
	}
	if (k1 > n1)
	{
		k1 = n1;
		k0 = size - n1;
	}

	mark = rs_alloc((size_t) n);
	if (!mark)
	{
		rs_free(c0);
		rs_free(c1);
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for %d labels", n);
	}
	choose_front(rng, c1, n1, k1);
	choose_front(rng, c0, n0, k0);
	for (int i = 0; i < k1; i++)
		mark[c1[i]] = 1;
	for (int i = 0; i < k0; i++)
		mark[c0[i]] = 1;
	for (int i = 0; i < n; i++)
		if (mark[i])
			idx[pos++] = i;

	rs_free(mark);
	rs_free(c0);
	rs_free(c1);
	return RS_OK;
}

rs_status
rs_stratified_split(const int *y, int n, double test_fraction, rs_rng *rng,
					int *train_idx, int *n_train, int *test_idx, int *n_test,
					rs_error *err)
{
	int		   *c0,
			   *c1;
	int			n0,
				n1,
				t0,
				t1,
				nt,
				a = 0,
				b = 0;
	char	   *mark;
	rs_status	st;

	*n_train = *n_test = 0;
	if (!(test_fraction > 0.0 && test_fraction < 1.0))
		return rs_fail(err, RS_ERR_INVALID,
					   "test fraction must be between 0 and 1, got %g",
					   test_fraction);
	if ((st = split_classes(y, n, &c0, &n0, &c1, &n1, err)) != RS_OK)
		return st;
	if (n0 < 2 || n1 < 2)
	{
		rs_free(c0);
		rs_free(c1);
		return rs_fail(err, RS_ERR_INVALID,
					   "a stratified split needs at least 2 rows of each class, got %d and %d",
					   n1, n0);
	}

	/* ceil, forgiving the rounding error of test_fraction * n */
	nt = (int) ceil(test_fraction * n - 1e-9);
	t1 = (int) floor((double) nt * n1 / n + 0.5);
	if (t1 < 1)
		t1 = 1;
	if (t1 > n1 - 1)
		t1 = n1 - 1;
	t0 = nt - t1;
	if (t0 < 1)
		t0 = 1;
	if (t0 > n0 - 1)
		t0 = n0 - 1;

	mark = rs_alloc((size_t) n);
	if (!mark)
	{
		rs_free(c0);
		rs_free(c1);
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for %d labels", n);
	}
	choose_front(rng, c1, n1, t1);
	choose_front(rng, c0, n0, t0);
	for (int i = 0; i < t1; i++)
		mark[c1[i]] = 1;
	for (int i = 0; i < t0; i++)
		mark[c0[i]] = 1;
	for (int i = 0; i < n; i++)
	{
		if (mark[i])
			test_idx[b++] = i;
		else
			train_idx[a++] = i;
	}
	*n_train = a;
	*n_test = b;

	rs_free(mark);
	rs_free(c0);
	rs_free(c1);
	return RS_OK;
}

int
rs_mean_sd(const double *x, int n, double *mean, double *sd)
{
	double		s = 0.0,
				ss = 0.0,
				mu;
	int			m = 0;

	for (int i = 0; i < n; i++)
		if (!isnan(x[i]))
		{
			s += x[i];
			m++;
		}
	mu = m ? s / m : NAN;
	for (int i = 0; i < n; i++)
		if (!isnan(x[i]))
			ss += (x[i] - mu) * (x[i] - mu);
	if (mean)
		*mean = mu;
	if (sd)
		*sd = m >= 2 ? sqrt(ss / (m - 1)) : NAN;
	return m;
}

void
rs_paired_difference(const double *a, const double *b, int n, rs_paired *out)
{
	double		s = 0.0,
				ss = 0.0;
	int			m = 0;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n; i++)
		if (!isnan(a[i]) && !isnan(b[i]))
		{
			s += a[i] - b[i];
			m++;
		}
	out->n = m;
	out->mean = m ? s / m : NAN;
	for (int i = 0; i < n; i++)
		if (!isnan(a[i]) && !isnan(b[i]))
		{
			double		d = a[i] - b[i] - out->mean;

			ss += d * d;
		}
	if (m >= 2)
	{
		double		half;

		out->sd = sqrt(ss / (m - 1));
		half = rs_t_quantile_975(m - 1) * out->sd / sqrt((double) m);
		out->lo = out->mean - half;
		out->hi = out->mean + half;
	}
	else
	{
		out->sd = NAN;
		out->lo = NAN;
		out->hi = NAN;
	}
}

/* ---------------------------------------------------------------- the design matrix */

/*
 * category -> number when every category text is a whole number ("7",
 * "-4", "10.00" from numeric(p,s)), else NULL.  No leading blanks or '+'.
 */
static double *
integer_categories(const rs_column *col)
{
	double	   *v;

	if (col->kind != RS_KIND_CATEGORICAL || col->n_categories < 1)
		return NULL;
	v = rs_alloc_array((size_t) col->n_categories, sizeof(double));
	if (!v)
		return NULL;
	for (int k = 0; k < col->n_categories; k++)
	{
		const char *c = col->categories[k];
		char	   *end;
		double		x;

		if (!c || !(*c == '-' || (*c >= '0' && *c <= '9')))
			goto not_numeric;
		x = strtod(c, &end);
		if (*end != '\0' || !isfinite(x) || x != floor(x) || fabs(x) > 1e15)
			goto not_numeric;
		v[k] = x;
	}
	return v;

not_numeric:
	rs_free(v);
	return NULL;
}

/* A copy of t with the numeric-category columns turned continuous. */
static rs_table *
numeric_copy(const rs_design *d, const rs_table *t, rs_error *err)
{
	rs_table   *c = rs_table_create(t->n_rows, t->n_cols, err);

	if (!c)
		return NULL;
	if (rs_table_copy_specs(c, t, err) != RS_OK)
	{
		rs_table_free(c);
		return NULL;
	}
	if (t->n_rows)
		memcpy(c->values, t->values, sizeof(double) * t->n_rows * t->n_cols);
	for (int j = 0; j < t->n_cols; j++)
	{
		if (!d->numeric[j])
			continue;
		c->cols[j].kind = RS_KIND_CONTINUOUS;
		c->cols[j].integral = 1;
		for (int r = 0; r < t->n_rows; r++)
		{
			double		v = RS_CELL(c, r, j);

			if (!rs_is_null(v))
				RS_CELL(c, r, j) = (v >= 0 && v < t->cols[j].n_categories) ?
					d->numeric[j][(int) v] : RS_NULL;
		}
	}
	return c;
}

static rs_status
design_matrix(const rs_design *d, const rs_table *t, double *X, rs_error *err)
{
	rs_table   *c = numeric_copy(d, t, err);
	rs_status	st;

	if (!c)
		return err->code;
	st = rs_features_transform(&d->f, c, X, err);
	rs_table_free(c);
	return st;
}

rs_status
rs_design_fit(rs_design *d, const rs_table *train, rs_error *err)
{
	int		   *cols = NULL;
	double	   *X = NULL;
	rs_table   *c = NULL;
	rs_status	st;
	int			n = train->n_rows;

	memset(d, 0, sizeof(*d));
	d->n_cols = train->n_cols;
	d->numeric = rs_alloc_array((size_t) train->n_cols, sizeof(double *));
	cols = rs_alloc_array((size_t) train->n_cols, sizeof(int));
	if (!d->numeric || !cols)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (int j = 0; j < train->n_cols; j++)
	{
		d->numeric[j] = integer_categories(&train->cols[j]);
		cols[j] = j;
	}
	if (!(c = numeric_copy(d, train, err)))
	{
		st = err->code;
		goto done;
	}
	if ((st = rs_features_fit(&d->f, c, cols, c->n_cols, err)) != RS_OK)
		goto done;
	d->p = d->f.n_features;
	d->mean = rs_alloc_array((size_t) (d->p ? d->p : 1), sizeof(double));
	d->sd = rs_alloc_array((size_t) (d->p ? d->p : 1), sizeof(double));
	X = rs_alloc_array((size_t) (n ? n : 1) * (size_t) (d->p ? d->p : 1), sizeof(double));
	if (!d->mean || !d->sd || !X)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto done;
	}
	if ((st = rs_features_transform(&d->f, c, X, err)) != RS_OK)
		goto done;
	for (int k = 0; k < d->p; k++)
	{
		double		m = 0,
					v = 0;

		for (int r = 0; r < n; r++)
			m += X[(size_t) r * d->p + k];
		m = n ? m / n : 0;
		for (int r = 0; r < n; r++)
			v += (X[(size_t) r * d->p + k] - m) * (X[(size_t) r * d->p + k] - m);
		v = n ? sqrt(v / n) : 0;
		d->mean[k] = m;
		d->sd[k] = v > 0 ? v : 1.0;
	}
done:
	rs_free(cols);
	rs_free(X);
	rs_table_free(c);
	if (st != RS_OK)
		rs_design_free(d);
	return st;
}

rs_status
rs_design_transform(const rs_design *d, const rs_table *t, double *X, rs_error *err)
{
	rs_status	st = design_matrix(d, t, X, err);

	if (st != RS_OK)
		return st;
	for (int r = 0; r < t->n_rows; r++)
	{
		double	   *x = X + (size_t) r * d->p;

		for (int k = 0; k < d->p; k++)
			x[k] = (x[k] - d->mean[k]) / d->sd[k];
	}
	return RS_OK;
}

rs_status
rs_design_score(const rs_table *train, const int *y_train, const rs_table *test,
				const int *y_test, double C, rs_metrics *out, rs_error *err)
{
	rs_design	d;
	rs_logreg	model;
	double	   *Xtr = NULL,
			   *Xte = NULL,
			   *scores = NULL;
	rs_status	st;

	memset(&model, 0, sizeof(model));
	if ((st = rs_design_fit(&d, train, err)) != RS_OK)
		return st;
	Xtr = rs_alloc_array((size_t) (train->n_rows ? train->n_rows : 1) * (size_t) (d.p ? d.p : 1),
						 sizeof(double));
	Xte = rs_alloc_array((size_t) (test->n_rows ? test->n_rows : 1) * (size_t) (d.p ? d.p : 1),
						 sizeof(double));
	scores = rs_alloc_array((size_t) (test->n_rows ? test->n_rows : 1), sizeof(double));
	if (!Xtr || !Xte || !scores)
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
	else if ((st = rs_design_transform(&d, train, Xtr, err)) == RS_OK &&
			 (st = rs_design_transform(&d, test, Xte, err)) == RS_OK &&
			 (st = rs_logreg_fit(&model, Xtr, y_train, train->n_rows, d.p, C, err)) == RS_OK)
	{
		rs_logreg_decision(&model, Xte, test->n_rows, scores);
		st = rs_metrics_compute(scores, y_test, test->n_rows, 0.0, out, err);
	}
	rs_logreg_free(&model);
	rs_design_free(&d);
	rs_free(Xtr);
	rs_free(Xte);
	rs_free(scores);
	return st;
}

void
rs_design_free(rs_design *d)
{
	rs_features_free(&d->f);
	if (d->numeric)
		for (int j = 0; j < d->n_cols; j++)
			rs_free(d->numeric[j]);
	rs_free(d->numeric);
	rs_free(d->mean);
	rs_free(d->sd);
	memset(d, 0, sizeof(*d));
}

/* ---------------------------------------------------------------- the protocol */

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

	minority = minority_rows(train, y, err);
	if (!minority)
		return err->code;
	if (method == RS_AUG_SMOTENC)
		syn = rs_smote(minority, n_new, cfg->smote_k, &rng, k_used, err);
	else
		syn = rs_model_augment(minority, n_new, cfg->gan, cfg->max_modes, seed, err);
	rs_table_free(minority);
	if (!syn)
		return err->code;
	st = rs_design_transform(f, syn, Xsyn, err);
	rs_table_free(syn);
	return st;
}

/* One method on one split: augment, fit, score. */
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
			   *scores = NULL;
	int		   *yall = NULL;
	rs_logreg	model;
	rs_metrics	met;
	rs_status	st;

	memset(&model, 0, sizeof(model));
	for (int i = 0; i < n_tr; i++)
		n1 += ytr[i];
	n_new = (method == RS_AUG_NONE || n_tr - n1 <= n1) ? 0 : n_tr - 2 * n1;
	n_all = n_tr + n_new;
	X = rs_alloc_array((size_t) n_all * (size_t) p, sizeof(double));
	yall = rs_alloc_array((size_t) n_all, sizeof(int));
	scores = rs_alloc_array((size_t) (n_te ? n_te : 1), sizeof(double));
	if (!X || !yall || !scores)
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
	if ((st = rs_logreg_fit(&model, X, yall, n_all, p, cfg->C, err)) != RS_OK)
		goto done;
	rs_logreg_decision(&model, Xte, n_te, scores);
	if ((st = rs_metrics_compute(scores, yte, n_te, 0.0, &met, err)) != RS_OK)
		goto done;
	res->accuracy = met.accuracy;
	res->recall = met.recall;
	res->precision = met.precision;
	res->f1 = met.f1;
	res->balanced_accuracy = met.balanced_accuracy;
	res->roc_auc = met.roc_auc;
	res->seconds = now_seconds() - t0;
	st = RS_OK;
done:
	rs_logreg_free(&model);
	rs_free(X);
	rs_free(yall);
	rs_free(scores);
	return st;
}

/* The design fitted on the real training part; X of train and test. */
static rs_status
encode_split(const rs_table *train, const rs_table *test, rs_design *d,
			 double **Xtr, double **Xte, rs_error *err)
{
	rs_status	st;

	*Xtr = *Xte = NULL;
	if ((st = rs_design_fit(d, train, err)) != RS_OK)
		return st;
	*Xtr = rs_alloc_array((size_t) train->n_rows * (size_t) (d->p ? d->p : 1), sizeof(double));
	*Xte = rs_alloc_array((size_t) (test->n_rows ? test->n_rows : 1) * (size_t) (d->p ? d->p : 1),
						  sizeof(double));
	if (!*Xtr || !*Xte)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory");
	if ((st = rs_design_transform(d, train, *Xtr, err)) != RS_OK)
		return st;
	return rs_design_transform(d, test, *Xte, err);
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
				st = encode_split(train, test, &f, &Xtr, &Xte, err);

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

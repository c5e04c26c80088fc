/*
 * quality_detect.c
 *	  Logistic detection (SDMetrics' LogisticDetection, single_table/
 *	  detection): how well the evaluation's own logistic regression tells
 *	  real rows from synthetic ones (see quality.h).
 *
 * The features are the classifier's (design.h rs_features: standardised
 * continuous columns, missing indicators, one-hot categories, fitted on
 * each training fold), the model its L2 logistic regression with C = 1
 * (classifier.h).  Cost: three fits of O(n p^2) each for n <= 2 max_rows
 * rows and p features.
 */
#include "quality_int.h"

#include <math.h>
#include <string.h>

#include "classifier.h"

/*
 * A table of the nr sampled real rows then the ns sampled synthetic rows,
 * specs like real's but one more category per categorical column: a value
 * that is not a category index of real becomes that "other" category (the
 * classifier's one-hot accepts category indexes only).
 */
static rs_table *
detection_table(const rs_table *real, const int *pr, int nr, const rs_table *syn,
				const int *ps, int ns, rs_error *err)
{
	int			nc = real->n_cols;
	rs_table   *t = rs_table_create(nr + ns, nc, err);

	if (!t)
		return NULL;
	for (int c = 0; c < nc; c++)
	{
		rs_column  *col = &t->cols[c];

		col->kind = real->cols[c].kind;
		col->integral = real->cols[c].integral;
		if (col->kind != RS_KIND_CATEGORICAL)
			continue;
		/* the classifier reads indexes only; rs_table_take copies the text */
		col->n_categories = (real->cols[c].n_categories > 0 ? real->cols[c].n_categories : 0) + 1;
		col->categories = rs_alloc_array((size_t) col->n_categories, sizeof(char *));
		for (int k = 0; col->categories && k < col->n_categories; k++)
			if (!(col->categories[k] = rs_strdup("")))
				break;
		if (!col->categories || !col->categories[col->n_categories - 1])
		{
			rs_table_free(t);
			rs_fail(err, RS_ERR_NOMEM, "out of memory for the detection");
			return NULL;
		}
	}
	for (int i = 0; i < nr + ns; i++)
	{
		const rs_table *src = i < nr ? real : syn;
		int			r = i < nr ? pr[i] : ps[i - nr];

		for (int c = 0; c < nc; c++)
		{
			double		v = RS_CELL(src, r, c);
			int			other = t->cols[c].n_categories - 1;

			if (t->cols[c].kind == RS_KIND_CATEGORICAL && !rs_is_null(v)
				&& !(v >= 0.0 && v < other && v == floor(v)))
				v = other;
			RS_CELL(t, i, c) = v;
		}
	}
	return t;
}

/*
 * fold[i] for the n rows of class y[i]: each class's rows shuffled with the
 * rng and dealt to the folds in turn (stratified k-fold).
 */
static void
stratified_folds(const int *y, int n, int k, rs_rng *rng, int *fold, int *scratch)
{
	for (int cls = 0; cls < 2; cls++)
	{
		int			m = 0;

		for (int i = 0; i < n; i++)
			if (y[i] == cls)
				scratch[m++] = i;
		rs_rng_shuffle(rng, scratch, m);
		for (int j = 0; j < m; j++)
			fold[scratch[j]] = j % k;
	}
}

/* AUC of fold f: fit on the other folds of t (labels y), score fold f. */
static rs_status
fold_auc(const rs_table *t, const int *y, const int *fold, int f, int *idx, int *ytr,
		 int *yte, const int *cols, double *auc, rs_error *err)
{
	int			n = t->n_rows,
				ntr = 0,
				nte = 0;
	rs_table   *train,
			   *test;
	rs_metrics	m;
	rs_status	st;

	for (int i = 0; i < n; i++)
		if (fold[i] != f)
		{
			ytr[ntr] = y[i];
			idx[ntr++] = i;
		}
	for (int i = 0; i < n; i++)
		if (fold[i] == f)
		{
			yte[nte] = y[i];
			idx[ntr + nte++] = i;
		}
	train = rs_table_take(t, idx, ntr, err);
	test = train ? rs_table_take(t, idx + ntr, nte, err) : NULL;
	if (!train || !test)
		st = err ? err->code : RS_ERR_NOMEM;
	else
		st = rs_classifier_score(train, ytr, test, yte, cols, t->n_cols, 1.0, &m, err);
	if (st == RS_OK)
		*auc = m.roc_auc;
	rs_table_free(train);
	rs_table_free(test);
	return st;
}

rs_status
rs_quality_detection(const rs_table *real, const rs_table *syn, int max_rows,
					 rs_rng *rng, rs_detection *out, rs_error *err)
{
	rs_status	st;
	int			nr,
				ns,
				n,
				k = RS_QUALITY_DETECTION_FOLDS;
	int		   *pr = NULL,
			   *ps = NULL,
			   *y = NULL,
			   *fold = NULL,
			   *idx = NULL,
			   *ytr = NULL,
			   *yte = NULL,
			   *cols = NULL;
	rs_table   *t = NULL;
	double		auc_sum = 0.0,
				score_sum = 0.0;

	memset(out, 0, sizeof(*out));
	out->auc = out->score = NAN;
	if ((st = rs_quality_check_pair(real, syn, err)) != RS_OK)
		return st;
	if (max_rows < 0 || !rng)
		return rs_fail(err, RS_ERR_INVALID, "invalid detection sample");
	nr = max_rows && real->n_rows > max_rows ? max_rows : real->n_rows;
	ns = max_rows && syn->n_rows > max_rows ? max_rows : syn->n_rows;
	if (nr < k || ns < k)
		return RS_OK;			/* a fold without both classes: no score */
	n = nr + ns;
	pr = rs_alloc_array((size_t) real->n_rows, sizeof(int));
	ps = rs_alloc_array((size_t) syn->n_rows, sizeof(int));
	y = rs_alloc_array((size_t) n, sizeof(int));
	fold = rs_alloc_array((size_t) n, sizeof(int));
	idx = rs_alloc_array((size_t) n, sizeof(int));
	ytr = rs_alloc_array((size_t) n, sizeof(int));
	yte = rs_alloc_array((size_t) n, sizeof(int));
	cols = rs_alloc_array((size_t) real->n_cols, sizeof(int));
	if (!pr || !ps || !y || !fold || !idx || !ytr || !yte || !cols)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for the detection");
		goto done;
	}
	rs_quality_pick(real->n_rows, nr, rng, pr);
	rs_quality_pick(syn->n_rows, ns, rng, ps);
	if (!(t = detection_table(real, pr, nr, syn, ps, ns, err)))
	{
		st = err ? err->code : RS_ERR_NOMEM;
		goto done;
	}
	for (int i = 0; i < n; i++)
		y[i] = i < nr;			/* SDMetrics: real 1, synthetic 0 */
	for (int c = 0; c < real->n_cols; c++)
		cols[c] = c;
	stratified_folds(y, n, k, rng, fold, idx);
	for (int f = 0; f < k && st == RS_OK; f++)
	{
		double		auc = NAN;

		rs_check_interrupts();
		st = fold_auc(t, y, fold, f, idx, ytr, yte, cols, &auc, err);
		auc_sum += auc;
		score_sum += (auc > 0.5 ? auc : 0.5) * 2.0 - 1.0;
		if (isnan(auc))
			score_sum = NAN;
	}
	if (st == RS_OK)
	{
		out->n_real = nr;
		out->n_syn = ns;
		out->auc = auc_sum / k;
		out->score = 1.0 - score_sum / k;
	}

done:
	rs_free(pr);
	rs_free(ps);
	rs_free(y);
	rs_free(fold);
	rs_free(idx);
	rs_free(ytr);
	rs_free(yte);
	rs_free(cols);
	rs_table_free(t);
	return st;
}

/*
 * classifier.c
 *	  L2 logistic regression (Newton / IRLS), the classification metrics,
 *	  and the scoring steps on the feature matrices of design.c (see
 *	  classifier.h).
 *
 * One Newton step: z = Xw + b, p = sigmoid(z); gradient
 * g = C X'(p - y) + [w; 0]; Hessian H = C X1' S X1 + diag(1..1, 0) with
 * X1 = [X 1] and S = diag(p (1 - p)), formed as Z'Z (Z = sqrt(C S) X1) by
 * one cblas_dsyrk; H d = g by Cholesky (p is the feature count, tens);
 * then a backtracking (Armijo) line search on the objective along -d.
 * The objective is strongly convex in w and, with both classes present,
 * has a unique minimiser, which the damped Newton method reaches from any
 * start; we start from w = 0 and b = the log odds of the training labels.
 * Forming H costs n p^2 and the rest of a step n p, so a factored H is
 * reused while full steps keep cutting the gradient at least 4 times (near
 * the optimum H barely changes); a damped step, slower progress or a
 * failed line search brings a fresh one.
 */
#include "classifier.h"
#include "boosted.h"
#include "design.h"

#include "blas.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RS_LOGREG_MAX_ITER 100

/* ---------------------------------------------------------------- logistic */

/*
 * In-place Cholesky of the symmetric positive definite m x m matrix A
 * (row-major, lower triangle used and overwritten by L); 0 on success.
 */
static int
cholesky(double *A, int m)
{
	for (int j = 0; j < m; j++)
	{
		double		s = A[(size_t) j * m + j];

		for (int q = 0; q < j; q++)
			s -= A[(size_t) j * m + q] * A[(size_t) j * m + q];
		if (!(s > 0.0))
			return -1;
		s = sqrt(s);
		A[(size_t) j * m + j] = s;
		for (int i = j + 1; i < m; i++)
		{
			double		v = A[(size_t) i * m + j];

			for (int q = 0; q < j; q++)
				v -= A[(size_t) i * m + q] * A[(size_t) j * m + q];
			A[(size_t) i * m + j] = v / s;
		}
	}
	return 0;
}

/* Solve L L' x = b in place (b becomes x). */
static void
cholesky_solve(const double *L, int m, double *b)
{
	for (int i = 0; i < m; i++)
	{
		double		v = b[i];

		for (int q = 0; q < i; q++)
			v -= L[(size_t) i * m + q] * b[q];
		b[i] = v / L[(size_t) i * m + i];
	}
	for (int i = m - 1; i >= 0; i--)
	{
		double		v = b[i];

		for (int q = i + 1; q < m; q++)
			v -= L[(size_t) q * m + i] * b[q];
		b[i] = v / L[(size_t) i * m + i];
	}
}

/* out = X v[0..p) + v[p] for the n rows of X (n x p) */
static void
logits(const double *X, int n, int p, const double *v, double *out)
{
	if (p > 0)
		cblas_dgemv(CblasRowMajor, CblasNoTrans, n, p, 1.0, X, p, v, 1,
					0.0, out, 1);
	else
		memset(out, 0, (size_t) n * sizeof(double));
	for (int i = 0; i < n; i++)
		out[i] += v[p];
}

/*
 * Objective at logits z and weights w (p of them), the row weights rw
 * scaling each row's loss (NULL: 1); e[i] gets exp(-|z_i|), from which the
 * next step takes its probabilities.
 */
static double
logreg_objective(const double *z, const int *y, const double *rw, int n,
				 const double *w, int p, double C, double *e)
{
	double		ll = 0.0,
				ww = 0.0;

	for (int i = 0; i < n; i++)
	{
		/* log(1 + exp(z)) - y z, without overflow */
		double		ez = exp(-fabs(z[i]));
		double		li;

		e[i] = ez;
		li = (z[i] > 0 ? z[i] : 0.0) + log1p(ez) - (y[i] ? z[i] : 0.0);
		ll += rw ? rw[i] * li : li;
	}
	for (int j = 0; j < p; j++)
		ww += w[j] * w[j];
	return C * ll + 0.5 * ww;
}

/* The buffers of one fit: q = p + 1 weights (the intercept last), n rows. */
typedef struct logreg_work
{
	double	   *w;				/* q: the weights */
	double	   *g;				/* q: the gradient there */
	double	   *dir;			/* q: the Newton direction H^-1 g */
	double	   *wt;				/* q: trial weights w - t dir */
	double	   *H;				/* q x q: the Hessian, then its Cholesky factor */
	double	   *z;				/* n: logits at w */
	double	   *zt;				/* n: logits at wt */
	double	   *xd;				/* n: change of the logits per unit step */
	double	   *r;				/* n: C rw_i (p_i - y_i) */
	double	   *Z;				/* n x q: diag(s) [X 1] */
	double	   *s;				/* n: sqrt(C rw_i p_i (1 - p_i)) */
	double	   *e;				/* n: exp(-|z_i|) */
	double	   *et;				/* n: exp(-|zt_i|) */
} logreg_work;

static void
logreg_work_free(logreg_work *k)
{
	rs_free(k->w);
	rs_free(k->g);
	rs_free(k->dir);
	rs_free(k->wt);
	rs_free(k->H);
	rs_free(k->z);
	rs_free(k->zt);
	rs_free(k->xd);
	rs_free(k->r);
	rs_free(k->Z);
	rs_free(k->s);
	rs_free(k->e);
	rs_free(k->et);
}

/* All buffers of k for n rows and q weights; 0 on success. */
static int
logreg_work_alloc(logreg_work *k, int n, int q)
{
	k->w = rs_alloc_array((size_t) q, sizeof(double));
	k->g = rs_alloc_array((size_t) q, sizeof(double));
	k->dir = rs_alloc_array((size_t) q, sizeof(double));
	k->wt = rs_alloc_array((size_t) q, sizeof(double));
	k->H = rs_alloc_array((size_t) q * q, sizeof(double));
	k->z = rs_alloc_array((size_t) n, sizeof(double));
	k->zt = rs_alloc_array((size_t) n, sizeof(double));
	k->xd = rs_alloc_array((size_t) n, sizeof(double));
	k->r = rs_alloc_array((size_t) n, sizeof(double));
	k->Z = rs_alloc_array((size_t) n * q, sizeof(double));
	k->s = rs_alloc_array((size_t) n, sizeof(double));
	k->e = rs_alloc_array((size_t) n, sizeof(double));
	k->et = rs_alloc_array((size_t) n, sizeof(double));
	return (k->w && k->g && k->dir && k->wt && k->H && k->z && k->zt && k->xd &&
			k->r && k->Z && k->s && k->e && k->et) ? 0 : -1;
}

/*
 * The gradient g = C X' RW (p - y) + [w; 0] at the logits z (their
 * exp(-|z|) in e; RW = diag(rw), the identity when rw is NULL), and, when
 * hessian, the row weights s of the Hessian; returns max |g|.
 */
static double
logreg_gradient(const double *X, const int *y, const double *rw, int n, int p,
				double C, int hessian, logreg_work *k)
{
	double		gmax = 0.0;

	k->g[p] = 0.0;
	for (int i = 0; i < n; i++)
	{
		/* sigmoid(z) from e = exp(-|z|) */
		double		pi = k->z[i] >= 0 ? 1.0 / (1.0 + k->e[i]) : k->e[i] / (1.0 + k->e[i]);

		double		ci = rw ? C * rw[i] : C;

		k->r[i] = ci * (pi - y[i]);
		k->g[p] += k->r[i];
		if (hessian)
			k->s[i] = sqrt(ci * pi * (1.0 - pi));
	}
	if (p > 0)
		cblas_dgemv(CblasRowMajor, CblasTrans, n, p, 1.0, X, p, k->r, 1,
					0.0, k->g, 1);
	for (int j = 0; j < p; j++)
		k->g[j] += k->w[j];
	for (int j = 0; j <= p; j++)
		gmax = fmax(gmax, fabs(k->g[j]));
	return gmax;
}

/*
 * H = Z'Z + diag(1..1, 0), Z = diag(s) [X 1] (upper triangle by dsyrk,
 * mirrored), factored in place by Cholesky; 0 on success.
 */
static int
logreg_hessian(const double *X, int n, int p, logreg_work *k)
{
	int			q = p + 1;

	for (int i = 0; i < n; i++)
	{
		const double *x = X + (size_t) i * p;
		double	   *zr = k->Z + (size_t) i * q;

		for (int j = 0; j < p; j++)
			zr[j] = k->s[i] * x[j];
		zr[p] = k->s[i];
	}
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, q, n, 1.0, k->Z, q,
				0.0, k->H, q);
	for (int a = 0; a < q; a++)
		for (int b = 0; b < a; b++)
			k->H[(size_t) a * q + b] = k->H[(size_t) b * q + a];
	for (int j = 0; j < p; j++)
		k->H[(size_t) j * q + j] += 1.0;
	return cholesky(k->H, q);
}

/*
 * Backtracking (Armijo) along -dir from w, whose objective is loss and
 * whose directional decrease g.dir is dec; at rounding level the full
 * step is taken as is.  On success (1) the trial point wt, zt, et holds
 * the step, *t its length and *new_loss its objective.
 */
static int
logreg_line_search(const int *y, const double *rw, int n, int p, double C,
				   double loss, double dec, logreg_work *k, double *t,
				   double *new_loss)
{
	int			q = p + 1;

	*t = 1.0;
	for (int ls = 0; ls < 60; ls++)
	{
		for (int i = 0; i < n; i++)
			k->zt[i] = k->z[i] - *t * k->xd[i];
		for (int j = 0; j < q; j++)
			k->wt[j] = k->w[j] - *t * k->dir[j];
		*new_loss = logreg_objective(k->zt, y, rw, n, k->wt, p, C, k->et);
		if (*new_loss <= loss - 1e-4 * *t * dec ||
			dec <= 1e-13 * fmax(1.0, fabs(loss)))
			return 1;
		*t *= 0.5;
	}
	return 0;
}

/*
 * The arguments of a fit: rows, features, C > 0 finite, labels 0 or 1 of
 * both classes (*n1 of them 1), finite features, row weights (when given)
 * finite and > 0; *w1 and *w0 get the weight of each class (the counts
 * when rw is NULL).
 */
static rs_status
logreg_check(const double *X, const int *y, const double *rw, int n, int p,
			 double C, int *n1, double *w1, double *w0, rs_error *err)
{
	*n1 = 0;
	*w1 = *w0 = 0.0;
	if (n < 1 || p < 0 || !(C > 0.0) || isinf(C))
		return rs_fail(err, RS_ERR_INVALID,
					   "invalid logistic regression: %d rows, %d features, C = %g",
					   n, p, C);
	for (int i = 0; i < n; i++)
	{
		if (y[i] != 0 && y[i] != 1)
			return rs_fail(err, RS_ERR_INVALID, "label %d is not 0 or 1", y[i]);
		if (rw && !(rw[i] > 0.0 && isfinite(rw[i])))
			return rs_fail(err, RS_ERR_INVALID, "row weight %g is not positive and finite", rw[i]);
		*n1 += y[i];
		if (y[i])
			*w1 += rw ? rw[i] : 1.0;
		else
			*w0 += rw ? rw[i] : 1.0;
	}
	if (*n1 == 0 || *n1 == n)
		return rs_fail(err, RS_ERR_INVALID,
					   "logistic regression needs both classes in the training rows");
	for (size_t i = 0; i < (size_t) n * p; i++)
		if (!isfinite(X[i]))
			return rs_fail(err, RS_ERR_NUMERIC,
						   "feature matrix has a non-finite value");
	return RS_OK;
}

rs_status
rs_logreg_fit(rs_logreg *m, const double *X, const int *y, int n, int p,
			  double C, rs_error *err)
{
	return rs_logreg_fit_weighted(m, X, y, NULL, n, p, C, err);
}

/*
 * Newton's method from the start in k->w (the objective's gradient under
 * tol ends it): sets m's iteration counts and convergence, leaves the
 * weights in k->w.  rs_logreg_fit_weighted's loop.
 */
static rs_status
logreg_newton(rs_logreg *m, const double *X, const int *y, const double *rw, int n,
			  int p, double C, double tol, logreg_work *k, rs_error *err)
{
	int			q = p + 1;
	double	   *swap;
	double		loss;
	double		gmax_prev = 0.0;
	int			need_hessian = 1,
				fresh = 0;
	rs_status	st = RS_OK;

	/* z = X w + b at the start, and the objective there */
	logits(X, n, p, k->w, k->z);
	loss = logreg_objective(k->z, y, rw, n, k->w, p, C, k->e);

	for (int it = 0;; it++)
	{
		double		gmax,
					dec = 0.0,
					t,
					new_loss = 0.0;

		rs_check_interrupts();

		gmax = logreg_gradient(X, y, rw, n, p, C, need_hessian, k);
		m->grad_max = gmax;
		m->n_iter = it;
		if (gmax <= tol)
		{
			m->converged = 1;
			break;
		}
		if (it >= RS_LOGREG_MAX_ITER)
			break;

		if (need_hessian)
		{
			if (logreg_hessian(X, n, p, k) != 0)
			{
				st = rs_fail(err, RS_ERR_NUMERIC,
							 "logistic regression Hessian is not positive definite");
				return st;
			}
			m->n_hessian++;
			fresh = 1;
			need_hessian = 0;
		}
		memcpy(k->dir, k->g, (size_t) q * sizeof(double));
		cholesky_solve(k->H, q, k->dir);
		for (int j = 0; j < q; j++)
			dec += k->g[j] * k->dir[j];

		/* xd = X d + d_b: the change of the logits per unit step */
		logits(X, n, p, k->dir, k->xd);

		if (!logreg_line_search(y, rw, n, p, C, loss, dec, k, &t, &new_loss))
		{
			if (fresh)
				break;			/* no progress possible: at rounding level */
			need_hessian = 1;	/* retry with the Hessian of this point */
			it--;
			continue;
		}
		/* take the step: w, its logits (z - t xd) and their exp(-|z|) */
		memcpy(k->w, k->wt, (size_t) q * sizeof(double));
		swap = k->z;
		k->z = k->zt;
		k->zt = swap;
		swap = k->e;
		k->e = k->et;
		k->et = swap;
		loss = new_loss;

		/*
		 * Keep the factored Hessian while it serves: refresh it after a
		 * damped step or when the gradient shrank by less than 4 times.
		 */
		need_hessian = (t < 1.0) || (gmax_prev > 0.0 && gmax > 0.25 * gmax_prev);
		gmax_prev = gmax;
		fresh = 0;
	}

	return st;
}

rs_status
rs_logreg_fit_weighted(rs_logreg *m, const double *X, const int *y,
					   const double *rw, int n, int p, double C, rs_error *err)
{
	int			q = p + 1;		/* weights then intercept */
	int			n1;
	double		w1,
				w0;
	logreg_work k;
	double		tol;
	rs_status	st = RS_OK;

	memset(m, 0, sizeof(*m));
	memset(&k, 0, sizeof(k));
	if ((st = logreg_check(X, y, rw, n, p, C, &n1, &w1, &w0, err)) != RS_OK)
		return st;

	m->coef = rs_alloc_array((size_t) (p ? p : 1), sizeof(double));
	if (logreg_work_alloc(&k, n, q) != 0 || !m->coef)
	{
		st = rs_fail(err, RS_ERR_NOMEM,
					 "out of memory for logistic regression on %d x %d", n, p);
		goto done;
	}

	/*
	 * Gradient entries are sums of n terms of size up to C (C rw_i); the
	 * start is the (weighted) log odds of the labels.  Without row weights
	 * this is the unweighted fit exactly.
	 */
	if (rw)
	{
		tol = 1e-10 * fmax(1.0, C * (w1 + w0));
		k.w[p] = log(w1 / w0);
	}
	else
	{
		tol = 1e-10 * fmax(1.0, C * n);
		k.w[p] = log((double) n1 / (double) (n - n1));
	}

	if ((st = logreg_newton(m, X, y, rw, n, p, C, tol, &k, err)) != RS_OK)
		goto done;

	m->n_features = p;
	if (p > 0)
		memcpy(m->coef, k.w, (size_t) p * sizeof(double));
	m->intercept = k.w[p];

done:
	if (st != RS_OK)
	{
		rs_free(m->coef);
		m->coef = NULL;
	}
	logreg_work_free(&k);
	return st;
}

void
rs_logreg_decision(const rs_logreg *m, const double *X, int n, double *scores)
{
	int			p = m->n_features;

	if (p > 0 && n > 0)
		cblas_dgemv(CblasRowMajor, CblasNoTrans, n, p, 1.0, X, p, m->coef, 1,
					0.0, scores, 1);
	else
		for (int i = 0; i < n; i++)
			scores[i] = 0.0;
	for (int i = 0; i < n; i++)
		scores[i] += m->intercept;
}

void
rs_logreg_free(rs_logreg *m)
{
	if (!m)
		return;
	rs_free(m->coef);
	memset(m, 0, sizeof(*m));
}

/* ---------------------------------------------------------------- metrics */

typedef struct scored
{
	double		s;
	int			y;
} scored;

static int
cmp_scored(const void *a, const void *b)
{
	double		x = ((const scored *) a)->s;
	double		y = ((const scored *) b)->s;

	return (x > y) - (x < y);
}

/*
 * Matthews correlation of a confusion matrix: 0 when a row or column of
 * it is empty (the correlation is undefined), as scikit-learn.
 */
static double
matthews(int tp, int fp, int tn, int fn)
{
	double		d = ((double) tp + fp) * ((double) tp + fn) *
		((double) tn + fp) * ((double) tn + fn);

	if (d == 0.0)
		return 0.0;
	return ((double) tp * tn - (double) fp * fn) / sqrt(d);
}

/*
 * Average precision of n rows sorted by ascending score, n1 > 0 of them
 * positive: the threshold walks down the distinct scores, and each step
 * adds its gain in recall times the precision there (scikit-learn's
 * average_precision_score; a group of tied scores is one step).
 */
static double
average_precision(const scored *ss, int n, int n1)
{
	double		ap = 0.0;
	int			tp = 0,
				i = n - 1;

	while (i >= 0)
	{
		int			gain = 0,
					j = i;

		while (j >= 0 && ss[j].s == ss[i].s)
		{
			gain += ss[j].y;
			j--;
		}
		tp += gain;
		/* rows above the threshold: n - 1 - j; recall gain: gain / n1 */
		if (gain)
			ap += ((double) gain / n1) * ((double) tp / (n - 1 - j));
		i = j;
	}
	return ap;
}

rs_status
rs_metrics_compute(const double *scores, const int *y, int n, double threshold,
				   rs_metrics *out, rs_error *err)
{
	int			n1 = 0,
				n0;
	double		rec0 = 0.0;
	scored	   *ss;

	memset(out, 0, sizeof(*out));
	if (n < 1)
		return rs_fail(err, RS_ERR_INVALID, "metrics need at least one row");
	for (int i = 0; i < n; i++)
	{
		if (y[i] != 0 && y[i] != 1)
			return rs_fail(err, RS_ERR_INVALID, "label %d is not 0 or 1", y[i]);
		if (isnan(scores[i]))
			return rs_fail(err, RS_ERR_NUMERIC, "score of row %d is NaN", i);
		if (scores[i] > threshold)
		{
			if (y[i])
				out->tp++;
			else
				out->fp++;
		}
		else if (y[i])
			out->fn++;
		else
			out->tn++;
	}
	n1 = out->tp + out->fn;
	n0 = out->tn + out->fp;

	out->accuracy = (double) (out->tp + out->tn) / n;
	out->recall = n1 ? (double) out->tp / n1 : 0.0;
	out->precision = (out->tp + out->fp) ? (double) out->tp / (out->tp + out->fp) : 0.0;
	out->f1 = (out->precision + out->recall > 0.0)
		? 2.0 * out->precision * out->recall / (out->precision + out->recall)
		: 0.0;
	rec0 = n0 ? (double) out->tn / n0 : 0.0;
	out->balanced_accuracy = (n1 && n0) ? 0.5 * (out->recall + rec0)
		: (n1 ? out->recall : rec0);
	out->mcc = matthews(out->tp, out->fp, out->tn, out->fn);

	if (n1 == 0 || n0 == 0)
	{
		out->roc_auc = NAN;
		/* every row positive: precision 1 at every recall */
		out->pr_auc = n1 ? 1.0 : NAN;
		return RS_OK;
	}

	/* AUC = Mann-Whitney U / (n1 n0), tied scores sharing their mean rank */
	ss = rs_alloc_array((size_t) n, sizeof(scored));
	if (!ss)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for ROC AUC");
	for (int i = 0; i < n; i++)
	{
		ss[i].s = scores[i];
		ss[i].y = y[i];
	}
	qsort(ss, n, sizeof(scored), cmp_scored);
	{
		double		rank_sum = 0.0;
		int			i = 0;

		while (i < n)
		{
			int			j = i,
						pos = 0;

			while (j < n && ss[j].s == ss[i].s)
			{
				pos += ss[j].y;
				j++;
			}
			/* ranks i+1 .. j, mean (i + 1 + j) / 2 */
			rank_sum += pos * 0.5 * ((double) i + 1.0 + (double) j);
			i = j;
		}
		out->roc_auc = (rank_sum - 0.5 * (double) n1 * (n1 + 1.0)) /
			((double) n1 * (double) n0);
	}
	out->pr_auc = average_precision(ss, n, n1);
	rs_free(ss);
	return RS_OK;
}

rs_status
rs_best_f1_threshold(const double *scores, const int *y, int n, double *threshold,
					 double *best_f1, rs_error *err)
{
	scored	   *ss;
	int			n1 = 0,
				tp,
				pos,
				i;
	double		best;

	if (n < 1)
		return rs_fail(err, RS_ERR_INVALID, "threshold tuning needs at least one row");
	for (i = 0; i < n; i++)
	{
		if (y[i] != 0 && y[i] != 1)
			return rs_fail(err, RS_ERR_INVALID, "label %d is not 0 or 1", y[i]);
		if (isnan(scores[i]))
			return rs_fail(err, RS_ERR_NUMERIC, "score of row %d is NaN", i);
		n1 += y[i];
	}
	if (n1 == 0)
		return rs_fail(err, RS_ERR_INVALID, "threshold tuning needs a positive row");
	ss = rs_alloc_array((size_t) n, sizeof(scored));
	if (!ss)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for threshold tuning");
	for (i = 0; i < n; i++)
	{
		ss[i].s = scores[i];
		ss[i].y = y[i];
	}
	qsort(ss, n, sizeof(scored), cmp_scored);

	/* every row positive: F1 = 2 n1 / (n1 + n), the lowest threshold */
	*threshold = -INFINITY;
	best = 2.0 * n1 / ((double) n1 + n);
	tp = n1;
	pos = n;
	/* raise the threshold past one group of tied scores at a time */
	i = 0;
	while (i < n)
	{
		int			j = i;
		double		f1;

		while (j < n && ss[j].s == ss[i].s)
		{
			tp -= ss[j].y;
			pos--;
			j++;
		}
		if (j == n)
			break;				/* nothing predicted positive: F1 0 */
		f1 = 2.0 * tp / ((double) pos + n1);
		/* strictly better only: a tie keeps the lower threshold */
		if (f1 > best)
		{
			best = f1;
			*threshold = 0.5 * ss[i].s + 0.5 * ss[j].s;
			/* adjacent doubles: the midpoint rounds onto one of them */
			if (!(*threshold >= ss[i].s && *threshold < ss[j].s))
				*threshold = ss[i].s;
		}
		i = j;
	}
	if (best_f1)
		*best_f1 = best;
	rs_free(ss);
	return RS_OK;
}

/* ---------------------------------------------------------------- scoring */

rs_status
rs_logreg_score(const double *Xtr, const int *y_train, int n_train,
				const double *Xte, const int *y_test, int n_test,
				int p, double C, rs_metrics *out, rs_error *err)
{
	rs_classifier c = {.kind = RS_CLASSIFIER_LOGISTIC, .C = C};

	return rs_classifier_fit_metrics(&c, Xtr, y_train, NULL, n_train, Xte, y_test,
									 n_test, p, NULL, 0.0, out, err);
}

rs_status
rs_classifier_score(const rs_table *train, const int *y_train,
					const rs_table *test, const int *y_test,
					const int *cols, int n_cols, double C,
					rs_metrics *out, rs_error *err)
{
	rs_features f;
	double	   *Xtr = NULL,
			   *Xte = NULL;
	rs_status	st;

	if ((st = rs_features_fit(&f, train, cols, n_cols, err)) != RS_OK)
		return st;
	Xtr = rs_alloc_array((size_t) train->n_rows * (size_t) (f.n_features ? f.n_features : 1),
						 sizeof(double));
	Xte = rs_alloc_array((size_t) test->n_rows * (size_t) (f.n_features ? f.n_features : 1),
						 sizeof(double));
	if (!Xtr || !Xte)
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for the classifier");
	else if ((st = rs_features_transform(&f, train, Xtr, err)) == RS_OK &&
			 (st = rs_features_transform(&f, test, Xte, err)) == RS_OK)
		st = rs_logreg_score(Xtr, y_train, train->n_rows, Xte, y_test, test->n_rows,
							 f.n_features, C, out, err);
	rs_features_free(&f);
	rs_free(Xtr);
	rs_free(Xte);
	return st;
}

/* ---------------------------------------------------------------- the choice */

int
rs_classifier_parse(const char *name, rs_classifier_kind *kind)
{
	if (strcmp(name, "logistic") == 0)
		*kind = RS_CLASSIFIER_LOGISTIC;
	else if (strcmp(name, "boosted") == 0)
		*kind = RS_CLASSIFIER_BOOSTED;
	else
		return 0;
	return 1;
}

/* Boosted trees' margins on Xte (row weights w, NULL: 1) into scores. */
static rs_status
boosted_predict(const rs_classifier *c, const double *Xtr, const int *y_train,
				const double *w, int n_train, const double *Xte, int n_test, int p,
				const rs_design *d, double *scores, rs_error *err)
{
	rs_boosted_params prm;
	int		   *miss = d ? rs_alloc_array((size_t) (p ? p : 1), sizeof(int)) : NULL;
	double	   *cut = d ? rs_alloc_array((size_t) (p ? p : 1), sizeof(double)) : NULL;
	rs_status	st;

	if (d && (!miss || !cut))
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for the classifier");
	else
	{
		if (d)
			rs_design_missing(d, miss, cut);
		rs_boosted_defaults(&prm, c->seed);
		prm.nthread = rs_boosted_threads(n_train, p);
		st = rs_boosted_scores(&prm, Xtr, y_train, w, n_train, Xte, n_test, p,
							   miss, cut, scores, err);
	}
	rs_free(miss);
	rs_free(cut);
	return st;
}

rs_status
rs_classifier_fit_predict(const rs_classifier *c,
						  const double *Xtr, const int *y_train, const double *w,
						  int n_train, const double *Xte, int n_test, int p,
						  const rs_design *d, double *scores, rs_error *err)
{
	rs_logreg	m;
	rs_status	st;

	switch (c->kind)
	{
		case RS_CLASSIFIER_LOGISTIC:
			if ((st = rs_logreg_fit_weighted(&m, Xtr, y_train, w, n_train, p, c->C,
											 err)) == RS_OK)
				rs_logreg_decision(&m, Xte, n_test, scores);
			rs_logreg_free(&m);
			return st;
		case RS_CLASSIFIER_BOOSTED:
			return boosted_predict(c, Xtr, y_train, w, n_train, Xte, n_test, p, d,
								   scores, err);
	}
	return rs_fail(err, RS_ERR_INVALID, "unknown classifier %d", (int) c->kind);
}

rs_status
rs_classifier_fit_metrics(const rs_classifier *c,
						  const double *Xtr, const int *y_train, const double *w,
						  int n_train, const double *Xte, const int *y_test,
						  int n_test, int p, const rs_design *d, double threshold,
						  rs_metrics *out, rs_error *err)
{
	double	   *scores = rs_alloc_array((size_t) (n_test ? n_test : 1), sizeof(double));
	rs_status	st;

	if (!scores)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the classifier");
	if ((st = rs_classifier_fit_predict(c, Xtr, y_train, w, n_train, Xte, n_test, p, d,
										scores, err)) == RS_OK)
		st = rs_metrics_compute(scores, y_test, n_test, threshold, out, err);
	rs_free(scores);
	return st;
}

rs_status
rs_classifier_fit_score(const rs_classifier *c,
						const double *Xtr, const int *y_train, int n_train,
						const double *Xte, const int *y_test, int n_test,
						int p, const rs_design *d, rs_metrics *out, rs_error *err)
{
	return rs_classifier_fit_metrics(c, Xtr, y_train, NULL, n_train, Xte, y_test, n_test,
									 p, d, 0.0, out, err);
}

rs_status
rs_design_score(const rs_table *train, const int *y_train, const rs_table *test,
				const int *y_test, const rs_classifier *c, rs_metrics *out, rs_error *err)
{
	rs_design	d;
	double	   *Xtr,
			   *Xte;
	rs_status	st;

	if ((st = rs_design_encode(&d, train, test, &Xtr, &Xte, err)) == RS_OK)
		st = rs_classifier_fit_score(c, Xtr, y_train, train->n_rows, Xte, y_test,
									 test->n_rows, d.p, &d, out, err);
	rs_design_free(&d);
	rs_free(Xtr);
	rs_free(Xte);
	return st;
}

/*
 * protocol.c
 *	  The pieces of the repeated-split protocol: stratified subsampling and
 *	  splitting of binary-labelled rows, mean and sd over runs, paired
 *	  differences with a Student t interval (see protocol.h).
 */
#include "protocol.h"

#include <math.h>
#include <string.h>

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

/* Count the rows of each label; fails on a label other than 0 or 1. */
static rs_status
count_classes(const int *y, int n, int *n0, int *n1, rs_error *err)
{
	*n0 = *n1 = 0;
	for (int i = 0; i < n; i++)
	{
		if (y[i] != 0 && y[i] != 1)
			return rs_fail(err, RS_ERR_INVALID, "label %d is not 0 or 1", y[i]);
		if (y[i])
			(*n1)++;
		else
			(*n0)++;
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

/*
 * Choose k1 of the n1 rows labelled 1, then k0 of the n0 labelled 0, each
 * uniformly (in that order from rng): *mark (n entries, allocated here)
 * is 1 at the chosen rows and 0 elsewhere.
 */
static rs_status
mark_chosen(const int *y, int n, int n0, int k0, int n1, int k1, rs_rng *rng,
			char **mark, rs_error *err)
{
	int		   *c0 = rs_alloc_array((size_t) (n0 ? n0 : 1), sizeof(int));
	int		   *c1 = rs_alloc_array((size_t) (n1 ? n1 : 1), sizeof(int));
	int			a = 0,
				b = 0;

	*mark = rs_alloc((size_t) n);
	if (!c0 || !c1 || !*mark)
	{
		rs_free(c0);
		rs_free(c1);
		rs_free(*mark);
		*mark = NULL;
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for %d labels", n);
	}
	for (int i = 0; i < n; i++)
	{
		if (y[i])
			c1[b++] = i;
		else
			c0[a++] = i;
	}
	choose_front(rng, c1, n1, k1);
	choose_front(rng, c0, n0, k0);
	for (int i = 0; i < k1; i++)
		(*mark)[c1[i]] = 1;
	for (int i = 0; i < k0; i++)
		(*mark)[c0[i]] = 1;
	rs_free(c0);
	rs_free(c1);
	return RS_OK;
}

rs_status
rs_stratified_subsample(const int *y, int n, int size, rs_rng *rng, int *idx,
						rs_error *err)
{
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
	if ((st = count_classes(y, n, &n0, &n1, err)) != RS_OK)
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
	if ((st = mark_chosen(y, n, n0, k0, n1, k1, rng, &mark, err)) != RS_OK)
		return st;
	for (int i = 0; i < n; i++)
		if (mark[i])
			idx[pos++] = i;
	rs_free(mark);
	return RS_OK;
}

rs_status
rs_stratified_split(const int *y, int n, double test_fraction, rs_rng *rng,
					int *train_idx, int *n_train, int *test_idx, int *n_test,
					rs_error *err)
{
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
	if ((st = count_classes(y, n, &n0, &n1, err)) != RS_OK)
		return st;
	if (n0 < 2 || n1 < 2)
		return rs_fail(err, RS_ERR_INVALID,
					   "a stratified split needs at least 2 rows of each class, got %d and %d",
					   n1, n0);

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
	if ((st = mark_chosen(y, n, n0, t0, n1, t1, rng, &mark, err)) != RS_OK)
		return st;
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

rs_verdict
rs_paired_verdict(const rs_paired *p)
{
	if (p->n < 2 || isnan(p->lo) || isnan(p->hi))
		return RS_VERDICT_NONE;
	if (p->lo > 0.0)
		return RS_VERDICT_BETTER;
	if (p->hi < 0.0)
		return RS_VERDICT_WORSE;
	return RS_VERDICT_SAME;
}

int
rs_best_index(const double *mean, const int *eligible, int n)
{
	int			best = -1;

	for (int i = 0; i < n; i++)
		if ((!eligible || eligible[i]) && !isnan(mean[i]) &&
			(best < 0 || mean[i] > mean[best]))
			best = i;
	return best;
}

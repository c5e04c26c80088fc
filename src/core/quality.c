/*
 * quality.c
 *	  Fidelity and validity metrics of synthetic rows, and the whole report
 *	  (see quality.h); column pairs are in quality_pairs.c, distances and
 *	  detection in quality_privacy.c and quality_detect.c.
 *
 * KS sorts the non-NULL values of each column once (O(n log n)); TV and the
 * correlations are single passes.
 */
#include "quality_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

int
rs_quality_cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static const char *
col_name(const rs_table *t, int c)
{
	return t->cols[c].name ? t->cols[c].name : "?";
}

rs_status
rs_quality_check_pair(const rs_table *real, const rs_table *syn, rs_error *err)
{
	if (!real || !syn || real->n_cols < 1 || real->n_rows < 0 || syn->n_rows < 0
		|| !real->cols || !syn->cols)
		return rs_fail(err, RS_ERR_INVALID, "invalid tables for the quality metrics");
	if (real->n_cols != syn->n_cols)
		return rs_fail(err, RS_ERR_INVALID, "real table has %d columns, synthetic table %d",
					   real->n_cols, syn->n_cols);
	for (int c = 0; c < real->n_cols; c++)
		if (real->cols[c].kind != syn->cols[c].kind
			|| (real->cols[c].kind == RS_KIND_CATEGORICAL
				&& real->cols[c].n_categories != syn->cols[c].n_categories))
			return rs_fail(err, RS_ERR_INVALID, "column \"%s\" differs between the real and synthetic tables",
						   col_name(real, c));
	return RS_OK;
}

void
rs_quality_pick(int n, int nq, rs_rng *rng, int *pick)
{
	for (int i = 0; i < n; i++)
		pick[i] = i;
	for (int i = 0; i < nq; i++)
	{
		int			j = i + (int) rs_rng_below(rng, (uint64_t) (n - i));
		int			t = pick[i];

		pick[i] = pick[j];
		pick[j] = t;
	}
}

double
rs_quality_median_sorted(const double *v, int n)
{
	if (n == 0)
		return NAN;
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Non-NULL values of column c of t into buf (sorted); returns their count. */
static int
sorted_values(const rs_table *t, int c, double *buf)
{
	int			n = 0;

	for (int r = 0; r < t->n_rows; r++)
	{
		double		v = RS_CELL(t, r, c);

		if (!rs_is_null(v))
			buf[n++] = v;
	}
	qsort(buf, (size_t) n, sizeof(double), rs_quality_cmp_double);
	return n;
}

/* 1 - sup |F_a - F_b| of two sorted samples; NaN if one is empty. */
static double
ks_complement_sorted(const double *a, int na, const double *b, int nb)
{
	int			i = 0,
				j = 0;
	double		d = 0.0;

	if (na == 0 || nb == 0)
		return NAN;
	while (i < na && j < nb)
	{
		double		v = a[i] < b[j] ? a[i] : b[j];
		double		gap;

		while (i < na && a[i] == v)
			i++;
		while (j < nb && b[j] == v)
			j++;
		gap = fabs((double) i / na - (double) j / nb);
		if (gap > d)
			d = gap;
	}
	return 1.0 - d;
}

/*
 * Pearson r of columns c1, c2 over rows where both are non-NULL; 0 when
 * undefined (fewer than 2 rows or a constant column), 1 when defined.
 */
static int
pearson(const rs_table *t, int c1, int c2, double *r_out)
{
	double		m1 = 0.0,
				m2 = 0.0,
				s11 = 0.0,
				s22 = 0.0,
				s12 = 0.0;
	int64_t		n = 0;

	for (int r = 0; r < t->n_rows; r++)
	{
		double		x = RS_CELL(t, r, c1),
					y = RS_CELL(t, r, c2);

		if (rs_is_null(x) || rs_is_null(y))
			continue;
		m1 += x;
		m2 += y;
		n++;
	}
	if (n < 2)
		return 0;
	m1 /= n;
	m2 /= n;
	for (int r = 0; r < t->n_rows; r++)
	{
		double		x = RS_CELL(t, r, c1),
					y = RS_CELL(t, r, c2);

		if (rs_is_null(x) || rs_is_null(y))
			continue;
		s11 += (x - m1) * (x - m1);
		s22 += (y - m2) * (y - m2);
		s12 += (x - m1) * (y - m2);
	}
	if (!(s11 > 0.0) || !(s22 > 0.0) || !isfinite(s11 * s22))
		return 0;
	*r_out = s12 / sqrt(s11 * s22);
	if (*r_out > 1.0)
		*r_out = 1.0;
	if (*r_out < -1.0)
		*r_out = -1.0;
	return 1;
}

/* ---------------------------------------------------------------- fidelity */

rs_status
rs_quality_ks(const rs_table *real, const rs_table *syn, int column,
			  double *score, rs_error *err)
{
	rs_status	st;
	double	   *a,
			   *b;
	int			na,
				nb;

	if ((st = rs_quality_check_pair(real, syn, err)) != RS_OK)
		return st;
	if (column < 0 || column >= real->n_cols || real->cols[column].kind != RS_KIND_CONTINUOUS)
		return rs_fail(err, RS_ERR_INVALID, "KS needs a continuous column");
	a = rs_alloc_array(real->n_rows ? (size_t) real->n_rows : 1, sizeof(double));
	b = rs_alloc_array(syn->n_rows ? (size_t) syn->n_rows : 1, sizeof(double));
	if (!a || !b)
	{
		rs_free(a);
		rs_free(b);
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the KS statistic");
	}
	na = sorted_values(real, column, a);
	nb = sorted_values(syn, column, b);
	*score = ks_complement_sorted(a, na, b, nb);
	rs_free(a);
	rs_free(b);
	return RS_OK;
}

rs_status
rs_quality_tv(const rs_table *real, const rs_table *syn, int column,
			  double *score, rs_error *err)
{
	rs_status	st;
	int			nc;
	int64_t    *cnt;			/* (nc + 2) x 2: categories, NULL, invalid */
	double		tv = 0.0;

	if ((st = rs_quality_check_pair(real, syn, err)) != RS_OK)
		return st;
	if (column < 0 || column >= real->n_cols || real->cols[column].kind != RS_KIND_CATEGORICAL)
		return rs_fail(err, RS_ERR_INVALID, "TV needs a categorical column");
	if (real->n_rows == 0 || syn->n_rows == 0)
	{
		*score = NAN;
		return RS_OK;
	}
	nc = real->cols[column].n_categories;
	if (nc < 0)
		return rs_fail(err, RS_ERR_INVALID, "column \"%s\" has a negative category count",
					   col_name(real, column));
	cnt = rs_alloc_array(((size_t) nc + 2) * 2, sizeof(int64_t));
	if (!cnt)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the TV distance");
	for (int side = 0; side < 2; side++)
	{
		const rs_table *t = side ? syn : real;

		for (int r = 0; r < t->n_rows; r++)
		{
			double		v = RS_CELL(t, r, column);
			size_t		slot;

			if (rs_is_null(v))
				slot = (size_t) nc;
			else if (v >= 0.0 && v < nc && v == floor(v))
				slot = (size_t) v;
			else
				slot = (size_t) nc + 1;
			cnt[slot * 2 + side]++;
		}
	}
	for (size_t k = 0; k < (size_t) nc + 2; k++)
		tv += fabs((double) cnt[k * 2] / real->n_rows - (double) cnt[k * 2 + 1] / syn->n_rows);
	rs_free(cnt);
	*score = 1.0 - 0.5 * tv;
	return RS_OK;
}

double
rs_quality_corr(const rs_table *real, const rs_table *syn, int c1, int c2)
{
	double		rr,
				rs;

	if (!real || !syn || c1 < 0 || c2 < 0 || c1 >= real->n_cols || c2 >= real->n_cols
		|| c1 >= syn->n_cols || c2 >= syn->n_cols)
		return NAN;
	if (!pearson(real, c1, c2, &rr) || !pearson(syn, c1, c2, &rs))
		return NAN;
	return 1.0 - fabs(rr - rs) / 2.0;
}

/* ---------------------------------------------------------------- all */

void
rs_quality_free(rs_quality *q)
{
	if (!q)
		return;
	rs_free(q->column_score);
	rs_free(q->pair_score);
	rs_free(q->pair_trend);
	rs_free(q->out_of_range);
	q->column_score = q->pair_score = q->pair_trend = NULL;
	q->out_of_range = NULL;
}

/*
 * Out-of-range cells of syn per column and rows with any; lo[c], hi[c] is
 * the real range of continuous column c (+inf, -inf if it has no value).
 */
static void
count_out_of_range(const rs_table *real, const rs_table *syn, const double *lo,
				   const double *hi, rs_quality *q)
{
	int			nc = real->n_cols;

	for (int r = 0; r < syn->n_rows; r++)
	{
		int			bad_row = 0;

		for (int c = 0; c < nc; c++)
		{
			double		v = RS_CELL(syn, r, c);
			const rs_column *col = &real->cols[c];
			int			bad;

			if (rs_is_null(v))
				continue;
			if (col->kind == RS_KIND_CATEGORICAL)
				bad = !(v >= 0.0 && v < col->n_categories && v == floor(v));
			else
				bad = !(v >= lo[c]) || !(v <= hi[c])
					|| (col->integral && v != floor(v));
			if (bad)
			{
				q->out_of_range[c]++;
				q->out_of_range_cells++;
				bad_row = 1;
			}
		}
		q->out_of_range_rows += bad_row;
	}
}

/* column_score, the KS and TV means and the column shapes' mean; a, b scratch. */
static rs_status
column_scores(const rs_table *real, const rs_table *syn, double *a, double *b,
			  rs_quality *q, rs_error *err)
{
	rs_status	st;
	double		shapes = 0.0;
	int			n_shapes = 0;

	q->ks_mean = q->tv_mean = 0.0;
	for (int c = 0; c < real->n_cols; c++)
	{
		double		s;

		rs_check_interrupts();
		if (real->cols[c].kind == RS_KIND_CONTINUOUS)
		{
			int			na = sorted_values(real, c, a),
						nb = sorted_values(syn, c, b);

			s = ks_complement_sorted(a, na, b, nb);
			if (!isnan(s))
			{
				q->ks_mean += s;
				q->n_ks++;
			}
		}
		else
		{
			if ((st = rs_quality_tv(real, syn, c, &s, err)) != RS_OK)
				return st;
			if (!isnan(s))
			{
				q->tv_mean += s;
				q->n_tv++;
			}
		}
		q->column_score[c] = s;
		if (!isnan(s))
		{
			shapes += s;
			n_shapes++;
		}
	}
	q->ks_mean = q->n_ks ? q->ks_mean / q->n_ks : NAN;
	q->tv_mean = q->n_tv ? q->tv_mean / q->n_tv : NAN;
	q->column_shape_mean = n_shapes ? shapes / n_shapes : NAN;
	return RS_OK;
}

/* pair_score and corr_mean: correlation similarity of continuous pairs. */
static void
correlation_pairs(const rs_table *real, const rs_table *syn, rs_quality *q)
{
	int			nc = real->n_cols;
	double		sum = 0.0;

	for (int i = 0; i < nc; i++)
	{
		q->pair_score[(size_t) i * nc + i] = NAN;
		for (int j = i + 1; j < nc; j++)
		{
			double		s = NAN;

			if (real->cols[i].kind == RS_KIND_CONTINUOUS
				&& real->cols[j].kind == RS_KIND_CONTINUOUS)
			{
				rs_check_interrupts();
				s = rs_quality_corr(real, syn, i, j);
				if (!isnan(s))
				{
					sum += s;
					q->n_pairs++;
				}
			}
			q->pair_score[(size_t) i * nc + j] = s;
			q->pair_score[(size_t) j * nc + i] = s;
		}
	}
	q->corr_mean = q->n_pairs ? sum / q->n_pairs : NAN;
}

rs_status
rs_quality_compute(const rs_table *real, const rs_table *syn, int dcr_max_rows,
				   rs_rng *rng, rs_quality *q, rs_error *err)
{
	rs_status	st;
	int			nc;
	double	   *a = NULL,
			   *b = NULL,
			   *lo = NULL,
			   *hi = NULL;

	memset(q, 0, sizeof(*q));
	if ((st = rs_quality_check_pair(real, syn, err)) != RS_OK)
		return st;
	nc = real->n_cols;
	q->n_cols = nc;
	q->column_score = rs_alloc_array((size_t) nc, sizeof(double));
	q->pair_score = rs_alloc_array((size_t) nc * (size_t) nc, sizeof(double));
	q->pair_trend = rs_alloc_array((size_t) nc * (size_t) nc, sizeof(double));
	q->out_of_range = rs_alloc_array((size_t) nc, sizeof(int64_t));
	a = rs_alloc_array(real->n_rows ? (size_t) real->n_rows : 1, sizeof(double));
	b = rs_alloc_array(syn->n_rows ? (size_t) syn->n_rows : 1, sizeof(double));
	lo = rs_alloc_array((size_t) nc, sizeof(double));
	hi = rs_alloc_array((size_t) nc, sizeof(double));
	if (!q->column_score || !q->pair_score || !q->pair_trend || !q->out_of_range
		|| !a || !b || !lo || !hi)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for the quality metrics");
		goto fail;
	}

	/* validity: the real range of each column */
	for (int c = 0; c < nc; c++)
		rs_table_column_range(real, c, &lo[c], &hi[c]);
	count_out_of_range(real, syn, lo, hi, q);

	/* fidelity: column shapes, pairs, the overall score */
	if ((st = column_scores(real, syn, a, b, q, err)) != RS_OK)
		goto fail;
	correlation_pairs(real, syn, q);
	if ((st = rs_quality_pair_trends(real, syn, q, err)) != RS_OK)
		goto fail;
	q->overall = isnan(q->pair_trend_mean) ? q->column_shape_mean
		: isnan(q->column_shape_mean) ? q->pair_trend_mean
		: 0.5 * (q->column_shape_mean + q->pair_trend_mean);

	/* privacy */
	q->exact_matches = rs_quality_exact_matches(real, syn, err);
	if (q->exact_matches < 0)
	{
		st = err ? err->code : RS_ERR_NOMEM;
		goto fail;
	}
	q->exact_match_share = syn->n_rows ? (double) q->exact_matches / syn->n_rows : NAN;
	if ((st = rs_quality_dcr(real, syn, dcr_max_rows, rng, &q->dcr, err)) != RS_OK)
		goto fail;

	rs_free(a);
	rs_free(b);
	rs_free(lo);
	rs_free(hi);
	return RS_OK;

fail:
	rs_free(a);
	rs_free(b);
	rs_free(lo);
	rs_free(hi);
	rs_quality_free(q);
	return st;
}

/*
 * quality.c
 *	  Fidelity, validity and privacy metrics of synthetic rows (see
 *	  quality.h).
 *
 * KS sorts the non-NULL values of each column once (O(n log n)); TV and the
 * correlations are single passes; exact matches hash every real row into an
 * open-addressing table (O(n)); DCR sorts the reference by one continuous
 * column and searches outward from each query row's value, stopping once
 * that column alone is as far as the best row found, and stops adding up a
 * row once its partial distance reaches the best (exact; worst case still
 * O(query * reference * cols), hence the query sampling).
 */
#include "quality.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

static int
cmp_double(const void *a, const void *b)
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

static rs_status
check_pair(const rs_table *real, const rs_table *syn, rs_error *err)
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
	qsort(buf, (size_t) n, sizeof(double), cmp_double);
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

	if ((st = check_pair(real, syn, err)) != RS_OK)
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

	if ((st = check_pair(real, syn, err)) != RS_OK)
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

/* ---------------------------------------------------------------- privacy */

static uint64_t
hash_row(const double *v, int nc)
{
	uint64_t	h = UINT64_C(0x9E3779B97F4A7C15);

	for (int c = 0; c < nc; c++)
	{
		double		x = v[c];
		uint64_t	bits;

		if (isnan(x))
			bits = UINT64_C(0x7FF8000000000000);	/* every NaN alike */
		else
		{
			if (x == 0.0)
				x = 0.0;		/* -0 equals 0 */
			memcpy(&bits, &x, sizeof(bits));
		}
		h ^= bits + UINT64_C(0x9E3779B97F4A7C15) + (h << 6) + (h >> 2);
		h *= UINT64_C(0xFF51AFD7ED558CCD);
		h ^= h >> 33;
	}
	return h;
}

static int
rows_equal(const double *a, const double *b, int nc)
{
	for (int c = 0; c < nc; c++)
	{
		int			na = isnan(a[c]),
					nb = isnan(b[c]);

		if (na != nb || (!na && a[c] != b[c]))
			return 0;
	}
	return 1;
}

int64_t
rs_quality_exact_matches(const rs_table *real, const rs_table *syn, rs_error *err)
{
	int			nc;
	size_t		cap = 1,
				mask;
	int32_t    *slot;			/* cap entries: real row + 1, 0 empty */
	int64_t		matches = 0;

	if (check_pair(real, syn, err) != RS_OK)
		return -1;
	nc = real->n_cols;
	if (real->n_rows == 0 || syn->n_rows == 0)
		return 0;
	while (cap < (size_t) real->n_rows * 2)
		cap <<= 1;
	mask = cap - 1;
	slot = rs_alloc_array(cap, sizeof(int32_t));
	if (!slot)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory for matching rows");
		return -1;
	}
	for (int r = 0; r < real->n_rows; r++)
	{
		size_t		i = (size_t) hash_row(&RS_CELL(real, r, 0), nc) & mask;

		while (slot[i])
			i = (i + 1) & mask;
		slot[i] = r + 1;
	}
	for (int r = 0; r < syn->n_rows; r++)
	{
		const double *row = &RS_CELL(syn, r, 0);
		size_t		i = (size_t) hash_row(row, nc) & mask;

		if ((r & 4095) == 0)
			rs_check_interrupts();
		while (slot[i])
		{
			if (rows_equal(row, &RS_CELL(real, slot[i] - 1, 0), nc))
			{
				matches++;
				break;
			}
			i = (i + 1) & mask;
		}
	}
	rs_free(slot);
	return matches;
}

/*
 * Normalized copy of rows of t for DCR: continuous values (x - lo) / scale,
 * categorical values as they are, NULL as NaN.  rows NULL: every row.
 */
static void
dcr_normalize(const rs_table *t, const int *rows, int n, const double *lo,
			  const double *scale, double *out)
{
	int			nc = t->n_cols;

	for (int i = 0; i < n; i++)
	{
		int			r = rows ? rows[i] : i;

		for (int c = 0; c < nc; c++)
		{
			double		v = RS_CELL(t, r, c);

			if (!rs_is_null(v) && t->cols[c].kind == RS_KIND_CONTINUOUS)
				v = (v - lo[c]) / scale[c];
			out[(size_t) i * nc + c] = v;
		}
	}
}

/* A reference row's sort key (NaN: NULL key, sorted last). */
typedef struct dcr_key
{
	double		key;
	int			row;
} dcr_key;

static int
cmp_key(const void *a, const void *b)
{
	const dcr_key *x = a,
			   *y = b;
	int			nx = isnan(x->key),
				ny = isnan(y->key);

	if (nx || ny)
		return nx != ny ? nx - ny : (x->row > y->row) - (x->row < y->row);
	if (x->key != y->key)
		return (x->key > y->key) - (x->key < y->key);
	return (x->row > y->row) - (x->row < y->row);
}

/*
 * min(best, sum of per-column distances of normalized rows a and b); stops
 * adding once the sum reaches best.
 */
static double
dcr_row(const double *a, const double *b, const rs_table *t, double best)
{
	double		d = 0.0;

	for (int c = 0; c < t->n_cols && d < best; c++)
	{
		int			na = isnan(a[c]),
					nb = isnan(b[c]);

		if (na || nb)
			d += (na && nb) ? 0.0 : 1.0;
		else if (t->cols[c].kind == RS_KIND_CATEGORICAL)
			d += a[c] != b[c] ? 1.0 : 0.0;
		else
		{
			double		x = fabs(a[c] - b[c]);

			d += x < 1.0 ? x : 1.0;
		}
	}
	return d < best ? d : best;
}

/*
 * lo[nc], scale[nc] <- what dcr_normalize maps continuous columns of the
 * reference with: its minimum and range (0 and 1 where it has none).
 */
static void
dcr_ranges(const rs_table *reference, double *lo, double *scale)
{
	for (int c = 0; c < reference->n_cols; c++)
	{
		double		mn,
					mx;

		rs_table_column_range(reference, c, &mn, &mx);
		lo[c] = mn < mx ? mn : (isfinite(mn) ? mn : 0.0);
		scale[c] = mn < mx && isfinite(mx - mn) ? mx - mn : 1.0;
	}
}

/* pick[0..nq) <- a uniform sample of nq of the n rows (partial Fisher-Yates). */
static void
dcr_pick(int n, int nq, rs_rng *rng, int *pick)
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

/*
 * The key column of the normalized reference tmp[nr x nc]: the continuous
 * column with the most values (the first on ties), -1 if there is none.
 */
static int
dcr_key_col(const rs_table *reference, const double *tmp, int nr)
{
	int			nc = reference->n_cols;
	int			key_col = -1;
	int			most = 0;

	for (int c = 0; c < nc; c++)
	{
		int			cnt = 0;

		if (reference->cols[c].kind != RS_KIND_CONTINUOUS)
			continue;
		for (int r = 0; r < nr; r++)
			cnt += !isnan(tmp[(size_t) r * nc + c]);
		if (cnt > most)
		{
			most = cnt;
			key_col = c;
		}
	}
	return key_col;
}

/*
 * ref[nr x nc] <- the rows of tmp[nr x nc] sorted by their key (column
 * key_col; all 0 without one), rows whose key is NULL last; order[nr] gets
 * the sorted keys.  Returns the number of rows with a key.
 */
static int
dcr_sort_reference(const double *tmp, int nr, int nc, int key_col, dcr_key *order,
				   double *ref)
{
	int			n_keyed = 0;

	for (int r = 0; r < nr; r++)
	{
		order[r].key = key_col >= 0 ? tmp[(size_t) r * nc + key_col] : 0.0;
		order[r].row = r;
	}
	qsort(order, (size_t) nr, sizeof(dcr_key), cmp_key);
	for (int r = 0; r < nr; r++)
	{
		memcpy(&ref[(size_t) r * nc], &tmp[(size_t) order[r].row * nc], sizeof(double) * (size_t) nc);
		if (!isnan(order[r].key))
			n_keyed++;
	}
	return n_keyed;
}

/*
 * Sum of per-column distances from normalized query row a to the nearest
 * row of the sorted reference ref[nr x nc] (see dcr_sort_reference).  With
 * a key, searches outward from a's key among the n_keyed keyed rows and
 * stops once the key gap alone reaches the best distance; then scans the
 * rest.
 */
static double
dcr_nearest(const double *a, const rs_table *reference, const double *ref,
			const dcr_key *order, int nr, int n_keyed, int key_col)
{
	int			nc = reference->n_cols;
	double		best = INFINITY;
	int			first_unkeyed = 0;

	if (key_col >= 0 && !isnan(a[key_col]))
	{
		double		k = a[key_col];
		int			lo_i = 0,
					hi_i = n_keyed;

		/* lower bound of k among the keyed rows */
		while (lo_i < hi_i)
		{
			int			mid = lo_i + (hi_i - lo_i) / 2;

			if (order[mid].key < k)
				lo_i = mid + 1;
			else
				hi_i = mid;
		}
		hi_i = lo_i;			/* next above: hi_i; next below: lo_i - 1 */
		lo_i--;
		while (best > 0.0 && (lo_i >= 0 || hi_i < n_keyed))
		{
			double		gap_lo = lo_i >= 0 ? k - order[lo_i].key : INFINITY;
			double		gap_hi = hi_i < n_keyed ? order[hi_i].key - k : INFINITY;
			int			r = gap_lo <= gap_hi ? lo_i-- : hi_i++;
			double		gap = gap_lo <= gap_hi ? gap_lo : gap_hi;

			if ((gap < 1.0 ? gap : 1.0) >= best)
				break;
			best = dcr_row(a, &ref[(size_t) r * nc], reference, best);
		}
		first_unkeyed = n_keyed;
	}
	for (int r = first_unkeyed; r < nr && best > 0.0; r++)
		best = dcr_row(a, &ref[(size_t) r * nc], reference, best);
	return best;
}

rs_status
rs_quality_dcr(const rs_table *reference, const rs_table *query, int max_rows,
			   rs_rng *rng, rs_dcr *out, rs_error *err)
{
	rs_status	st;
	int			nc,
				nq,
				nr;
	int		   *pick = NULL;
	double	   *lo = NULL,
			   *scale = NULL,
			   *ref = NULL,
			   *qry = NULL,
			   *dist = NULL,
			   *tmp = NULL;
	dcr_key    *order = NULL;
	int			key_col,
				n_keyed;
	double		sum = 0.0;

	if ((st = check_pair(reference, query, err)) != RS_OK)
		return st;
	if (max_rows < 0 || (max_rows > 0 && max_rows < query->n_rows && !rng))
		return rs_fail(err, RS_ERR_INVALID, "invalid DCR sample size");
	nc = reference->n_cols;
	nr = reference->n_rows;
	nq = query->n_rows;
	if (max_rows > 0 && nq > max_rows)
		nq = max_rows;
	out->n_rows = 0;
	out->mean = out->median = NAN;
	out->n_zero = 0;
	if (nr == 0 || nq == 0)
		return RS_OK;

	lo = rs_alloc_array((size_t) nc, sizeof(double));
	scale = rs_alloc_array((size_t) nc, sizeof(double));
	ref = rs_alloc_array((size_t) nr * (size_t) nc, sizeof(double));
	qry = rs_alloc_array((size_t) nq * (size_t) nc, sizeof(double));
	dist = rs_alloc_array((size_t) nq, sizeof(double));
	tmp = rs_alloc_array((size_t) nr * (size_t) nc, sizeof(double));
	order = rs_alloc_array((size_t) nr, sizeof(dcr_key));
	if (nq < query->n_rows)
		pick = rs_alloc_array((size_t) query->n_rows, sizeof(int));
	if (!lo || !scale || !ref || !qry || !dist || !tmp || !order
		|| (nq < query->n_rows && !pick))
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for the DCR");
		goto done;
	}

	dcr_ranges(reference, lo, scale);
	if (pick)
		dcr_pick(query->n_rows, nq, rng, pick);
	dcr_normalize(reference, NULL, nr, lo, scale, tmp);
	dcr_normalize(query, pick, nq, lo, scale, qry);

	/*
	 * Sort the reference rows by a key column (the continuous column with
	 * the most values), rows whose key is NULL last.  The key column alone
	 * contributes min(|a - b|, 1) to the distance, so searching outward
	 * from the query's key can stop once that reaches the best distance.
	 */
	key_col = dcr_key_col(reference, tmp, nr);
	n_keyed = dcr_sort_reference(tmp, nr, nc, key_col, order, ref);

	for (int q = 0; q < nq; q++)
	{
		double		best;

		rs_check_interrupts();
		best = dcr_nearest(&qry[(size_t) q * nc], reference, ref, order, nr,
						   n_keyed, key_col);
		dist[q] = best / nc;
		sum += dist[q];
		if (best == 0.0)
			out->n_zero++;
	}
	qsort(dist, (size_t) nq, sizeof(double), cmp_double);
	out->n_rows = nq;
	out->mean = sum / nq;
	out->median = nq % 2 ? dist[nq / 2] : 0.5 * (dist[nq / 2 - 1] + dist[nq / 2]);
	st = RS_OK;

done:
	rs_free(lo);
	rs_free(scale);
	rs_free(ref);
	rs_free(qry);
	rs_free(dist);
	rs_free(pick);
	rs_free(tmp);
	rs_free(order);
	return st;
}

/* ---------------------------------------------------------------- all */

void
rs_quality_free(rs_quality *q)
{
	if (!q)
		return;
	rs_free(q->column_score);
	rs_free(q->pair_score);
	rs_free(q->out_of_range);
	q->column_score = q->pair_score = NULL;
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
	double		sum;

	memset(q, 0, sizeof(*q));
	if ((st = check_pair(real, syn, err)) != RS_OK)
		return st;
	nc = real->n_cols;
	q->n_cols = nc;
	q->column_score = rs_alloc_array((size_t) nc, sizeof(double));
	q->pair_score = rs_alloc_array((size_t) nc * (size_t) nc, sizeof(double));
	q->out_of_range = rs_alloc_array((size_t) nc, sizeof(int64_t));
	a = rs_alloc_array(real->n_rows ? (size_t) real->n_rows : 1, sizeof(double));
	b = rs_alloc_array(syn->n_rows ? (size_t) syn->n_rows : 1, sizeof(double));
	lo = rs_alloc_array((size_t) nc, sizeof(double));
	hi = rs_alloc_array((size_t) nc, sizeof(double));
	if (!q->column_score || !q->pair_score || !q->out_of_range || !a || !b
		|| !lo || !hi)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for the quality metrics");
		goto fail;
	}

	/* validity: the real range of each column */
	for (int c = 0; c < nc; c++)
		rs_table_column_range(real, c, &lo[c], &hi[c]);
	count_out_of_range(real, syn, lo, hi, q);

	/* per column scores */
	q->ks_mean = q->tv_mean = 0.0;
	for (int c = 0; c < nc; c++)
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
				goto fail;
			if (!isnan(s))
			{
				q->tv_mean += s;
				q->n_tv++;
			}
		}
		q->column_score[c] = s;
	}
	q->ks_mean = q->n_ks ? q->ks_mean / q->n_ks : NAN;
	q->tv_mean = q->n_tv ? q->tv_mean / q->n_tv : NAN;

	/* pairs of continuous columns */
	sum = 0.0;
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

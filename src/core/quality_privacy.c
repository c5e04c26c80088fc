/*
 * quality_privacy.c
 *	  Privacy metrics of synthetic rows (see quality.h): exact copies, DCR
 *	  (distance to closest record), SDMetrics' DCROverfittingProtection and
 *	  DCRBaselineProtection, and the row sets they and the combination
 *	  checks share.
 *
 * Exact matches hash every real row into an open-addressing table (O(n)).
 * DCR sorts the reference by one continuous column and searches outward
 * from each query row's value, stopping once that column alone is as far
 * as the best row found, and stops adding up a row once its partial
 * distance reaches the best (exact; worst case still O(query * reference *
 * cols), hence the query sampling).
 */
#include "quality_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- row sets */

static uint64_t
hash_cells(const rs_table *t, int r, const int *cols, int n)
{
	uint64_t	h = UINT64_C(0x9E3779B97F4A7C15);

	for (int i = 0; i < n; i++)
	{
		double		x = RS_CELL(t, r, cols ? cols[i] : i);
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
cells_equal(const rs_table *a, int ra, const rs_table *b, int rb, const int *cols, int n)
{
	for (int i = 0; i < n; i++)
	{
		int			c = cols ? cols[i] : i;
		double		x = RS_CELL(a, ra, c),
					y = RS_CELL(b, rb, c);
		int			nx = isnan(x),
					ny = isnan(y);

		if (nx != ny || (!nx && x != y))
			return 0;
	}
	return 1;
}

rs_status
rs_rowset_build(rs_rowset *s, const rs_table *t, const int *cols, int n_cols, rs_error *err)
{
	size_t		cap = 1;

	memset(s, 0, sizeof(*s));
	s->t = t;
	s->cols = cols;
	s->n_cols = cols ? n_cols : t->n_cols;
	while (cap < (size_t) t->n_rows * 2)
		cap <<= 1;
	s->mask = cap - 1;
	s->slot = rs_alloc_array(cap, sizeof(int32_t));
	if (!s->slot)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for matching rows");
	for (int r = 0; r < t->n_rows; r++)
	{
		size_t		i = (size_t) hash_cells(t, r, cols, s->n_cols) & s->mask;

		if ((r & 4095) == 0)
			rs_check_interrupts();
		while (s->slot[i])
			i = (i + 1) & s->mask;
		s->slot[i] = r + 1;
	}
	return RS_OK;
}

int
rs_rowset_contains(const rs_rowset *s, const rs_table *q, int r)
{
	size_t		i = (size_t) hash_cells(q, r, s->cols, s->n_cols) & s->mask;

	for (; s->slot[i]; i = (i + 1) & s->mask)
		if (cells_equal(q, r, s->t, s->slot[i] - 1, s->cols, s->n_cols))
			return 1;
	return 0;
}

void
rs_rowset_free(rs_rowset *s)
{
	rs_free(s->slot);
	s->slot = NULL;
}

int64_t
rs_quality_exact_matches(const rs_table *real, const rs_table *syn, rs_error *err)
{
	rs_rowset	set;
	int64_t		matches = 0;

	if (rs_quality_check_pair(real, syn, err) != RS_OK)
		return -1;
	if (real->n_rows == 0 || syn->n_rows == 0)
		return 0;
	if (rs_rowset_build(&set, real, NULL, 0, err) != RS_OK)
		return -1;
	for (int r = 0; r < syn->n_rows; r++)
	{
		if ((r & 4095) == 0)
			rs_check_interrupts();
		matches += rs_rowset_contains(&set, syn, r);
	}
	rs_rowset_free(&set);
	return matches;
}

/* ---------------------------------------------------------------- DCR */

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
 * A reference table ready for nearest-row queries: its rows normalised
 * (continuous values (x - lo) / scale, categorical values as they are,
 * NULL as NaN) and sorted by a key column.
 */
typedef struct dcr_index
{
	const rs_table *reference;
	int			nc,
				nr;
	double	   *lo,				/* nc: what continuous columns are mapped */
			   *scale;			/* with */
	double	   *ref;			/* nr x nc, sorted by key */
	dcr_key    *order;			/* nr sorted keys */
	int			key_col;		/* -1: no continuous column */
	int			n_keyed;		/* rows with a non-NULL key */
	double	   *buf;			/* nc: a normalised query row */
} dcr_index;

/*
 * lo[nc], scale[nc] <- the minimum and range of each continuous column of
 * the reference (0 and 1 where it has none).
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

/* out[nc] <- row r of t normalised with the index's ranges. */
static void
dcr_normalize_row(const dcr_index *ix, const rs_table *t, int r, double *out)
{
	for (int c = 0; c < ix->nc; c++)
	{
		double		v = RS_CELL(t, r, c);

		if (!rs_is_null(v) && t->cols[c].kind == RS_KIND_CONTINUOUS)
			v = (v - ix->lo[c]) / ix->scale[c];
		out[c] = v;
	}
}

/*
 * The key column: the continuous column of the reference with the most
 * values (the first on ties), -1 if there is none.
 */
static int
dcr_key_col(const rs_table *reference)
{
	int			key_col = -1,
				most = 0;

	for (int c = 0; c < reference->n_cols; c++)
	{
		double		mn,
					mx;
		int			cnt;

		if (reference->cols[c].kind != RS_KIND_CONTINUOUS)
			continue;
		cnt = rs_table_column_range(reference, c, &mn, &mx);
		if (cnt > most)
		{
			most = cnt;
			key_col = c;
		}
	}
	return key_col;
}

static void
dcr_index_free(dcr_index *ix)
{
	rs_free(ix->lo);
	rs_free(ix->scale);
	rs_free(ix->ref);
	rs_free(ix->order);
	rs_free(ix->buf);
	memset(ix, 0, sizeof(*ix));
}

/*
 * Build the index of reference, normalised with the ranges of range_of
 * (the reference itself, or the training rows when held-out rows are
 * compared with them).
 */
static rs_status
dcr_index_build(dcr_index *ix, const rs_table *reference, const rs_table *range_of,
				rs_error *err)
{
	int			nc = reference->n_cols,
				nr = reference->n_rows;

	memset(ix, 0, sizeof(*ix));
	ix->reference = reference;
	ix->nc = nc;
	ix->nr = nr;
	ix->lo = rs_alloc_array((size_t) nc, sizeof(double));
	ix->scale = rs_alloc_array((size_t) nc, sizeof(double));
	ix->ref = rs_alloc_array((size_t) (nr ? nr : 1) * (size_t) nc, sizeof(double));
	ix->order = rs_alloc_array((size_t) (nr ? nr : 1), sizeof(dcr_key));
	ix->buf = rs_alloc_array((size_t) nc, sizeof(double));
	if (!ix->lo || !ix->scale || !ix->ref || !ix->order || !ix->buf)
	{
		dcr_index_free(ix);
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the DCR");
	}
	dcr_ranges(range_of, ix->lo, ix->scale);

	/*
	 * Sort the reference rows by the key column, rows whose key is NULL
	 * last.  The key column alone contributes min(|a - b|, 1) to the
	 * distance, so searching outward from the query's key can stop once
	 * that reaches the best distance.
	 */
	ix->key_col = dcr_key_col(reference);
	for (int r = 0; r < nr; r++)
	{
		int			k = ix->key_col;
		double		v = k >= 0 ? RS_CELL(reference, r, k) : 0.0;

		ix->order[r].key = k < 0 ? 0.0 : rs_is_null(v) ? NAN : (v - ix->lo[k]) / ix->scale[k];
		ix->order[r].row = r;
	}
	qsort(ix->order, (size_t) nr, sizeof(dcr_key), cmp_key);
	for (int r = 0; r < nr; r++)
	{
		dcr_normalize_row(ix, reference, ix->order[r].row, &ix->ref[(size_t) r * nc]);
		if (!isnan(ix->order[r].key))
			ix->n_keyed++;
	}
	return RS_OK;
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
 * Distance (mean over columns) from row r of query to the nearest row of
 * the index.  With a key, searches outward from the row's key among the
 * keyed rows and stops once the key gap alone reaches the best distance;
 * then scans the rest.
 */
static double
dcr_distance(dcr_index *ix, const rs_table *query, int r)
{
	const double *a = ix->buf;
	double		best = INFINITY;
	int			first_unkeyed = 0;

	dcr_normalize_row(ix, query, r, ix->buf);
	if (ix->key_col >= 0 && !isnan(a[ix->key_col]))
	{
		double		k = a[ix->key_col];
		int			lo_i = 0,
					hi_i = ix->n_keyed;

		/* lower bound of k among the keyed rows */
		while (lo_i < hi_i)
		{
			int			mid = lo_i + (hi_i - lo_i) / 2;

			if (ix->order[mid].key < k)
				lo_i = mid + 1;
			else
				hi_i = mid;
		}
		hi_i = lo_i;			/* next above: hi_i; next below: lo_i - 1 */
		lo_i--;
		while (best > 0.0 && (lo_i >= 0 || hi_i < ix->n_keyed))
		{
			double		gap_lo = lo_i >= 0 ? k - ix->order[lo_i].key : INFINITY;
			double		gap_hi = hi_i < ix->n_keyed ? ix->order[hi_i].key - k : INFINITY;
			int			j = gap_lo <= gap_hi ? lo_i-- : hi_i++;
			double		gap = gap_lo <= gap_hi ? gap_lo : gap_hi;

			if ((gap < 1.0 ? gap : 1.0) >= best)
				break;
			best = dcr_row(a, &ix->ref[(size_t) j * ix->nc], ix->reference, best);
		}
		first_unkeyed = ix->n_keyed;
	}
	for (int j = first_unkeyed; j < ix->nr && best > 0.0; j++)
		best = dcr_row(a, &ix->ref[(size_t) j * ix->nc], ix->reference, best);
	return best / ix->nc;
}

/*
 * *pick <- the rows of query to measure: at most max_rows (0: all) drawn
 * with rng, or NULL for all of them; *nq their count.
 */
static rs_status
dcr_sample(const rs_table *query, int max_rows, rs_rng *rng, int **pick, int *nq,
		   rs_error *err)
{
	*pick = NULL;
	*nq = query->n_rows;
	if (max_rows < 0 || (max_rows > 0 && max_rows < query->n_rows && !rng))
		return rs_fail(err, RS_ERR_INVALID, "invalid DCR sample size");
	if (max_rows == 0 || query->n_rows <= max_rows)
		return RS_OK;
	*nq = max_rows;
	*pick = rs_alloc_array((size_t) query->n_rows, sizeof(int));
	if (!*pick)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the DCR");
	rs_quality_pick(query->n_rows, max_rows, rng, *pick);
	return RS_OK;
}

/* dist[nq] <- DCR of rows pick[0..nq) (NULL: 0..nq) of query against ix. */
static void
dcr_distances(dcr_index *ix, const rs_table *query, const int *pick, int nq, double *dist)
{
	for (int q = 0; q < nq; q++)
	{
		rs_check_interrupts();
		dist[q] = dcr_distance(ix, query, pick ? pick[q] : q);
	}
}

/* Mean, median and zeros of dist[n] (sorted here) into out. */
static void
dcr_summarise(double *dist, int n, rs_dcr *out)
{
	double		sum = 0.0;

	out->n_rows = n;
	out->n_zero = 0;
	for (int i = 0; i < n; i++)
	{
		sum += dist[i];
		out->n_zero += dist[i] == 0.0;
	}
	qsort(dist, (size_t) n, sizeof(double), rs_quality_cmp_double);
	out->mean = n ? sum / n : NAN;
	out->median = rs_quality_median_sorted(dist, n);
}

rs_status
rs_quality_dcr(const rs_table *reference, const rs_table *query, int max_rows,
			   rs_rng *rng, rs_dcr *out, rs_error *err)
{
	rs_status	st;
	int		   *pick = NULL;
	int			nq;
	double	   *dist = NULL;
	dcr_index	ix;

	if ((st = rs_quality_check_pair(reference, query, err)) != RS_OK)
		return st;
	out->n_rows = 0;
	out->mean = out->median = NAN;
	out->n_zero = 0;
	if ((st = dcr_sample(query, max_rows, rng, &pick, &nq, err)) != RS_OK)
		return st;
	if (reference->n_rows == 0 || nq == 0)
	{
		rs_free(pick);
		return RS_OK;
	}
	if ((st = dcr_index_build(&ix, reference, reference, err)) != RS_OK)
	{
		rs_free(pick);
		return st;
	}
	dist = rs_alloc_array((size_t) nq, sizeof(double));
	if (!dist)
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for the DCR");
	else
	{
		dcr_distances(&ix, query, pick, nq, dist);
		dcr_summarise(dist, nq, out);
	}
	dcr_index_free(&ix);
	rs_free(dist);
	rs_free(pick);
	return st;
}

/* ---------------------------------------------------------------- protection scores */

/*
 * DCROverfittingProtection (SDMetrics, single_table/privacy/
 * dcr_overfitting_protection.py): per synthetic row, DCR to the training
 * rows and to the held-out rows; the share strictly closer to training,
 * score min(1, 2 (1 - share)).  Both distances use the training rows'
 * ranges, so that they are comparable.
 */
rs_status
rs_quality_overfitting(const rs_table *training, const rs_table *holdout,
					   const rs_table *syn, int max_rows, rs_rng *rng,
					   rs_overfit *out, rs_error *err)
{
	rs_status	st;
	int		   *pick = NULL;
	int			nq,
				closer = 0;
	double	   *dist = NULL;
	dcr_index	itr,
				iho;

	out->n_rows = 0;
	out->closer_to_training = out->score = NAN;
	if ((st = rs_quality_check_pair(training, syn, err)) != RS_OK
		|| (st = rs_quality_check_pair(training, holdout, err)) != RS_OK)
		return st;
	if (training->n_rows == 0 || holdout->n_rows == 0)
		return RS_OK;
	if ((st = dcr_sample(syn, max_rows, rng, &pick, &nq, err)) != RS_OK)
		return st;
	if (nq == 0)
	{
		rs_free(pick);
		return RS_OK;
	}
	if ((st = dcr_index_build(&itr, training, training, err)) != RS_OK)
	{
		rs_free(pick);
		return st;
	}
	if ((st = dcr_index_build(&iho, holdout, training, err)) != RS_OK)
	{
		dcr_index_free(&itr);
		rs_free(pick);
		return st;
	}
	dist = rs_alloc_array((size_t) nq * 2, sizeof(double));
	if (!dist)
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for the DCR");
	else
	{
		dcr_distances(&itr, syn, pick, nq, dist);
		dcr_distances(&iho, syn, pick, nq, dist + nq);
		for (int q = 0; q < nq; q++)
			closer += dist[q] < dist[nq + q];
		out->n_rows = nq;
		out->closer_to_training = (double) closer / nq;
		out->score = 2.0 * (1.0 - out->closer_to_training);
		if (out->score > 1.0)
			out->score = 1.0;
	}
	dcr_index_free(&itr);
	dcr_index_free(&iho);
	rs_free(dist);
	rs_free(pick);
	return st;
}

/*
 * n random rows like training's: each continuous value uniform in the
 * column's real range, each categorical value a uniformly drawn category;
 * NULL where the column has no value or no category.
 */
static rs_table *
random_rows(const rs_table *training, int n, rs_rng *rng, rs_error *err)
{
	rs_table   *t = rs_table_create(n, training->n_cols, err);

	if (!t)
		return NULL;
	if (rs_table_copy_specs(t, training, err) != RS_OK)
	{
		rs_table_free(t);
		return NULL;
	}
	for (int c = 0; c < training->n_cols; c++)
	{
		const rs_column *col = &training->cols[c];
		double		mn,
					mx;
		int			have = rs_table_column_range(training, c, &mn, &mx);

		for (int r = 0; r < n; r++)
		{
			if (col->kind == RS_KIND_CATEGORICAL)
				RS_CELL(t, r, c) = col->n_categories > 0
					? (double) rs_rng_below(rng, (uint64_t) col->n_categories) : RS_NULL;
			else
				RS_CELL(t, r, c) = have ? mn + rs_rng_uniform(rng) * (mx - mn) : RS_NULL;
		}
	}
	return t;
}

/*
 * DCRBaselineProtection (docs.sdv.dev/sdmetrics, DCRBaselineProtection):
 * the median DCR of synthetic rows to the training rows over that of as
 * many random rows, score min(1, ratio).
 */
rs_status
rs_quality_baseline(const rs_table *training, const rs_table *syn, int max_rows,
					rs_rng *rng, rs_baseline *out, rs_error *err)
{
	rs_status	st;
	rs_dcr		ds,
				dr;
	rs_table   *rnd;
	int			n;

	out->n_rows = 0;
	out->synthetic_median = out->random_median = out->score = NAN;
	if ((st = rs_quality_check_pair(training, syn, err)) != RS_OK)
		return st;
	if (!rng)
		return rs_fail(err, RS_ERR_INVALID, "the DCR baseline needs a random generator");
	if ((st = rs_quality_dcr(training, syn, max_rows, rng, &ds, err)) != RS_OK)
		return st;
	n = ds.n_rows;
	if (n == 0)
		return RS_OK;
	if (!(rnd = random_rows(training, n, rng, err)))
		return err ? err->code : RS_ERR_NOMEM;
	st = rs_quality_dcr(training, rnd, 0, NULL, &dr, err);
	rs_table_free(rnd);
	if (st != RS_OK)
		return st;
	out->n_rows = n;
	out->synthetic_median = ds.median;
	out->random_median = dr.median;
	if (dr.median > 0.0)
		out->score = ds.median / dr.median < 1.0 ? ds.median / dr.median : 1.0;
	return RS_OK;
}

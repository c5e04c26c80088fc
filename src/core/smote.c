/*
 * smote.c
 *	  SMOTE / SMOTE-NC and the exact k-nearest-neighbour search behind them
 *	  (see smote.h for the distance and the generation rules).
 *
 * The neighbour search computes squared distances a block of rows against
 * a block of rows at a time: |a|^2 + |b|^2 - 2 a.b over the continuous
 * columns, a.b by one cblas_dgemm per block pair, plus the mismatch weight
 * times the count of categorical columns that differ, counted by comparing
 * small integer codes (the same value imbalanced-learn gets from its
 * scaled one-hot columns, without their dimensions).  Only block pairs on
 * or above the diagonal are computed and each distance updates both rows'
 * candidate lists.
 */
#include "smote.h"

#include "blas.h"
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Rows per distance block: a block pair is RS_KNN_BLOCK^2 doubles (512 kB). */
#define RS_KNN_BLOCK 256

static const char *
col_name(const rs_column *col)
{
	return col->name ? col->name : "?";
}

/*
 * Offer candidate j at squared distance d to the sorted list (bd, bi) of
 * length k; order is (distance, index), so ties go to the lower index.
 * Returns the list's k-th distance.
 */
static inline double
knn_offer(double *bd, int *bi, int k, double d, int j)
{
	int			pos = k - 1;

	if (d > bd[pos] || (d == bd[pos] && j > bi[pos]))
		return bd[k - 1];
	while (pos > 0 && (bd[pos - 1] > d || (bd[pos - 1] == d && bi[pos - 1] > j)))
	{
		bd[pos] = bd[pos - 1];
		bi[pos] = bi[pos - 1];
		pos--;
	}
	bd[pos] = d;
	bi[pos] = j;
	return bd[k - 1];
}

/*
 * The parts of the squared distance (see knn_blocks): n x dx doubles for
 * the continuous columns, and for the n_cat categorical columns the code of
 * each row's value (a dense index of the values seen, NULL included),
 * stored column by column so that one column's codes of a block of rows are
 * contiguous: 16-bit codes when every column has at most 65536 values,
 * 32-bit otherwise.
 */
typedef struct dist_code
{
	double	   *X;				/* n x dx: centred, scaled continuous */
	int			dx;
	int			n_cat;			/* categorical columns */
	uint16_t   *code16;			/* n_cat x n, or NULL */
	int32_t    *code32;			/* n_cat x n, or NULL */
	double		w;				/* squared distance of one mismatch */
} dist_code;

static void
dist_code_free(dist_code *dc)
{
	rs_free(dc->X);
	rs_free(dc->code16);
	rs_free(dc->code32);
}

/*
 * cnt[b] += (cj[b] == ca) for b < nj: the loops below are written as fixed
 * chunks of 8 so that compilers vectorize them at -O2.
 */
static void
count_matches16(uint16_t *restrict cnt, const uint16_t *restrict cj,
				uint16_t ca, int nj)
{
	int			b = 0;

	for (; b + 8 <= nj; b += 8)
		for (int q = 0; q < 8; q++)
			cnt[b + q] += (cj[b + q] == ca);
	for (; b < nj; b++)
		cnt[b] += (cj[b] == ca);
}

static void
count_matches32(uint16_t *restrict cnt, const int32_t *restrict cj,
				int32_t ca, int nj)
{
	int			b = 0;

	for (; b + 8 <= nj; b += 8)
		for (int q = 0; q < 8; q++)
			cnt[b + q] += (cj[b + q] == ca);
	for (; b < nj; b++)
		cnt[b] += (cj[b] == ca);
}

/* d[b] = max(0, base + sq[b] - 2 g[b] - w m[b]) for b < nj */
static void
knn_distances(double *restrict d, double base, const double *restrict sq,
			  const double *restrict g, double w, const uint16_t *restrict m,
			  int nj)
{
	int			b = 0;

	for (; b + 8 <= nj; b += 8)
		for (int q = 0; q < 8; q++)
		{
			double		v = base + sq[b + q] - 2.0 * g[b + q] - w * (double) m[b + q];

			d[b + q] = v < 0.0 ? 0.0 : v;
		}
	for (; b < nj; b++)
	{
		double		v = base + sq[b] - 2.0 * g[b] - w * (double) m[b];

		d[b] = v < 0.0 ? 0.0 : v;
	}
}

/*
 * The neighbour search.  Squared distance between rows i and j:
 *	 |xi|^2 + |xj|^2 - 2 xi.xj  +  w * (n_cat - matches(i, j))
 * the dot products by cblas_dgemm per pair of row blocks, the matching
 * categorical columns counted exactly by comparing codes.  Either part
 * may be empty.
 */
static rs_status
knn_blocks(const dist_code *dc, int n, int k, int *nn, double *dist,
		   rs_error *err)
{
	int			dx = dc->dx;
	double	   *sq = NULL;
	double	   *bd = NULL;
	double	   *worst = NULL;
	double	   *drow = NULL;
	double	   *gram = NULL;
	uint16_t   *cnt = NULL;
	int			block;

	/* an empty part stays all zeros (rs_alloc zeroes) and adds nothing */
	block = n < RS_KNN_BLOCK ? n : RS_KNN_BLOCK;
	sq = rs_alloc_array((size_t) n, sizeof(double));
	bd = rs_alloc_array((size_t) n * (size_t) k, sizeof(double));
	worst = rs_alloc_array((size_t) n, sizeof(double));
	drow = rs_alloc_array((size_t) block, sizeof(double));
	gram = rs_alloc_array((size_t) block * (size_t) block, sizeof(double));
	cnt = rs_alloc_array((size_t) block, sizeof(uint16_t));
	if (!sq || !bd || !worst || !drow || !gram || !cnt)
	{
		rs_free(sq);
		rs_free(bd);
		rs_free(worst);
		rs_free(drow);
		rs_free(gram);
		rs_free(cnt);
		return rs_fail(err, RS_ERR_NOMEM,
					   "out of memory for the neighbours of %d rows", n);
	}

	for (int i = 0; i < n; i++)
	{
		const double *x = dc->X + (size_t) i * dx;
		double		s = 0.0;

		for (int c = 0; c < dx; c++)
			s += x[c] * x[c];
		sq[i] = s;
	}
	for (size_t i = 0; i < (size_t) n * k; i++)
	{
		bd[i] = INFINITY;
		nn[i] = INT_MAX;
	}
	for (int i = 0; i < n; i++)
		worst[i] = INFINITY;

	for (int i0 = 0; i0 < n; i0 += block)
	{
		int			ni = n - i0 < block ? n - i0 : block;

		for (int j0 = i0; j0 < n; j0 += block)
		{
			int			nj = n - j0 < block ? n - j0 : block;

			/* Can take a while on a large minority, so allow a cancel */
			rs_check_interrupts();

			/* gram[a][b] = x[i0 + a] . x[j0 + b] */
			if (dx > 0)
				cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ni, nj, dx,
							1.0, dc->X + (size_t) i0 * dx, dx,
							dc->X + (size_t) j0 * dx, dx, 0.0, gram, nj);

			for (int a = 0; a < ni; a++)
			{
				int			i = i0 + a;
				double	   *worstj = worst + j0;
				double		wi = worst[i];
				int			b0 = (j0 == i0) ? a + 1 : 0;

				/* matching categorical columns of row i and the block */
				memset(cnt, 0, (size_t) nj * sizeof(uint16_t));
				for (int c = 0; c < dc->n_cat; c++)
				{
					size_t		col = (size_t) c * n;

					if (dc->code16)
						count_matches16(cnt, dc->code16 + col + j0,
										dc->code16[col + i], nj);
					else
						count_matches32(cnt, dc->code32 + col + j0,
										dc->code32[col + i], nj);
				}
				knn_distances(drow, sq[i] + dc->w * dc->n_cat, sq + j0,
							  gram + (size_t) a * nj, dc->w, cnt, nj);

				/*
				 * Offer each distance to both rows' lists; nearly all fail
				 * the comparison with the list's current k-th distance.
				 */
				for (int b = b0; b < nj; b++)
				{
					double		dd = drow[b];

					if (dd <= wi)
						wi = worst[i] = knn_offer(bd + (size_t) i * k,
												  nn + (size_t) i * k, k,
												  dd, j0 + b);
					if (dd <= worstj[b])
						worstj[b] = knn_offer(bd + (size_t) (j0 + b) * k,
											  nn + (size_t) (j0 + b) * k, k,
											  dd, i);
				}
			}
		}
	}

	if (dist)
		memcpy(dist, bd, (size_t) n * k * sizeof(double));
	rs_free(sq);
	rs_free(bd);
	rs_free(worst);
	rs_free(drow);
	rs_free(gram);
	rs_free(cnt);
	return RS_OK;
}

rs_status
rs_knn_self(const double *X, int n, int d, int k, int *nn, double *dist,
			rs_error *err)
{
	dist_code	dc;

	if (n < 2 || d < 1 || k < 1 || k > n - 1)
		return rs_fail(err, RS_ERR_INVALID,
					   "invalid neighbour search: %d rows, %d dimensions, k = %d",
					   n, d, k);
	memset(&dc, 0, sizeof(dc));
	dc.X = (double *) X;
	dc.dx = d;
	return knn_blocks(&dc, n, k, nn, dist, err);
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Slot of a categorical cell: its category index, n_categories for NULL. */
static inline int
cat_slot(double v, int n_categories)
{
	return rs_is_null(v) ? n_categories : (int) v;
}

/* Check that every cell of t can be used: finite numbers, valid categories. */
static rs_status
check_cells(const rs_table *t, rs_error *err)
{
	int			n_cat = 0;

	for (int c = 0; c < t->n_cols; c++)
	{
		const rs_column *col = &t->cols[c];

		if (col->kind != RS_KIND_CONTINUOUS && col->kind != RS_KIND_CATEGORICAL)
			return rs_fail(err, RS_ERR_INVALID, "column \"%s\" has no kind",
						   col_name(col));
		if (col->kind == RS_KIND_CATEGORICAL && col->n_categories < 0)
			return rs_fail(err, RS_ERR_INVALID,
						   "column \"%s\" has a negative category count",
						   col_name(col));
		n_cat += col->kind == RS_KIND_CATEGORICAL;
		for (int r = 0; r < t->n_rows; r++)
		{
			double		v = RS_CELL(t, r, c);

			if (rs_is_null(v))
				continue;
			if (isinf(v))
				return rs_fail(err, RS_ERR_NUMERIC,
							   "column \"%s\" has an infinite value",
							   col_name(col));
			if (col->kind == RS_KIND_CATEGORICAL &&
				(v < 0 || v >= col->n_categories || v != floor(v)))
				return rs_fail(err, RS_ERR_INVALID,
							   "column \"%s\" has category index %g outside 0..%d",
							   col_name(col), v, col->n_categories - 1);
		}
	}
	if (n_cat > UINT16_MAX)
		return rs_fail(err, RS_ERR_INVALID,
					   "SMOTE-NC supports at most %d categorical columns",
					   (int) UINT16_MAX);
	return RS_OK;
}

/*
 * dc->X[n x dx] <- the continuous columns of t, centred, divided by the sd,
 * NULL at the mean (0); sds[dx] <- each one's sd after scaling (1, or 0 for
 * a constant column).
 */
static void
encode_continuous(const rs_table *t, dist_code *dc, double *sds)
{
	int			n = t->n_rows;
	int			xpos = 0;

	for (int c = 0; c < t->n_cols; c++)
	{
		double		s = 0.0,
					ss = 0.0,
					mean,
					scale;
		int			m = 0;

		if (t->cols[c].kind != RS_KIND_CONTINUOUS)
			continue;
		for (int r = 0; r < n; r++)
		{
			double		v = RS_CELL(t, r, c);

			if (!rs_is_null(v))
			{
				s += v;
				m++;
			}
		}
		mean = m ? s / m : 0.0;
		for (int r = 0; r < n; r++)
		{
			double		v = RS_CELL(t, r, c);

			if (!rs_is_null(v))
				ss += (v - mean) * (v - mean);
		}
		ss = m ? sqrt(ss / m) : 0.0;
		scale = ss > 0.0 ? 1.0 / ss : 1.0;
		sds[xpos] = ss > 0.0 ? 1.0 : 0.0;	/* sd after scaling */
		for (int r = 0; r < n; r++)
		{
			double		v = RS_CELL(t, r, c);

			dc->X[(size_t) r * dc->dx + xpos] =
				rs_is_null(v) ? 0.0 : (v - mean) * scale;
		}
		xpos++;
	}
}

/*
 * dc->code16 or dc->code32 (wide) [n_cat x n] <- each categorical column of
 * t coded by order of first appearance, NULL as one more code; slot_code
 * is scratch of the largest n_categories + 1.
 */
static void
encode_categorical(const rs_table *t, dist_code *dc, int *slot_code, int wide)
{
	int			n = t->n_rows;
	int			cpos = 0;

	for (int c = 0; c < t->n_cols; c++)
	{
		const rs_column *col = &t->cols[c];
		int			n_seen = 0;

		if (col->kind != RS_KIND_CATEGORICAL)
			continue;
		for (int s = 0; s <= col->n_categories; s++)
			slot_code[s] = -1;
		for (int r = 0; r < n; r++)
		{
			int			slot = cat_slot(RS_CELL(t, r, c), col->n_categories);
			size_t		at = (size_t) cpos * n + r;

			if (slot_code[slot] < 0)
				slot_code[slot] = n_seen++;
			if (wide)
				dc->code32[at] = slot_code[slot];
			else
				dc->code16[at] = (uint16_t) slot_code[slot];
		}
		cpos++;
	}
}

/* Encode the minority rows for the distance (see smote.h). */
static rs_status
encode_for_distance(const rs_table *t, dist_code *dc, rs_error *err)
{
	int			n = t->n_rows;
	double	   *sds = NULL;
	int		   *slot_code = NULL;
	int			max_slots = 1,
				wide = 0;
	double		med = 1.0;
	rs_status	st = RS_OK;

	memset(dc, 0, sizeof(*dc));
	for (int c = 0; c < t->n_cols; c++)
	{
		if (t->cols[c].kind == RS_KIND_CONTINUOUS)
			dc->dx++;
		else
		{
			dc->n_cat++;
			if (t->cols[c].n_categories + 1 > max_slots)
				max_slots = t->cols[c].n_categories + 1;
		}
	}
	sds = rs_alloc_array((size_t) (dc->dx ? dc->dx : 1), sizeof(double));
	slot_code = rs_alloc_array((size_t) max_slots, sizeof(int));
	if (!sds || !slot_code)
		goto nomem;
	if (dc->dx > 0 &&
		!(dc->X = rs_alloc_array((size_t) n * (size_t) dc->dx, sizeof(double))))
		goto nomem;

	encode_continuous(t, dc, sds);
	if (dc->dx > 0)
	{
		qsort(sds, dc->dx, sizeof(double), cmp_double);
		med = (dc->dx % 2) ? sds[dc->dx / 2]
			: 0.5 * (sds[dc->dx / 2 - 1] + sds[dc->dx / 2]);
		if (med <= 0.0)
			med = 1.0;
	}
	/* imbalanced-learn's one-hot entries of med/2: a mismatch is 2 (med/2)^2 */
	dc->w = med * med / 2.0;

	if (dc->n_cat == 0)
		goto done;
	wide = max_slots > UINT16_MAX + 1;
	if (wide)
		dc->code32 = rs_alloc_array((size_t) dc->n_cat * (size_t) n, sizeof(int32_t));
	else
		dc->code16 = rs_alloc_array((size_t) dc->n_cat * (size_t) n, sizeof(uint16_t));
	if (!dc->code16 && !dc->code32)
		goto nomem;
	encode_categorical(t, dc, slot_code, wide);
	goto done;

nomem:
	st = rs_fail(err, RS_ERR_NOMEM, "out of memory for encoding %d rows", n);
	dist_code_free(dc);
done:
	rs_free(sds);
	rs_free(slot_code);
	return st;
}

rs_status
rs_smote_neighbors(const rs_table *minority, int k, int **nn, int *k_used,
				   rs_error *err)
{
	dist_code	dc;
	int			n = minority ? minority->n_rows : 0;
	rs_status	st;

	*nn = NULL;
	if (!minority || n < 2)
		return rs_fail(err, RS_ERR_INVALID,
					   "SMOTE needs at least 2 minority rows, got %d", n);
	if (k < 1)
		return rs_fail(err, RS_ERR_INVALID,
					   "SMOTE needs k of at least 1, got %d", k);
	if ((st = check_cells(minority, err)) != RS_OK)
		return st;
	if (k > n - 1)
		k = n - 1;
	if (k_used)
		*k_used = k;

	if ((st = encode_for_distance(minority, &dc, err)) != RS_OK)
		return st;
	*nn = rs_alloc_array((size_t) n * (size_t) k, sizeof(int));
	if (!*nn)
	{
		dist_code_free(&dc);
		return rs_fail(err, RS_ERR_NOMEM,
					   "out of memory for the neighbours of %d rows", n);
	}
	st = knn_blocks(&dc, n, k, *nn, NULL, err);
	dist_code_free(&dc);
	if (st != RS_OK)
	{
		rs_free(*nn);
		*nn = NULL;
	}
	return st;
}

/*
 * A continuous cell of a new row: a + u (b - a) between base value a and
 * neighbour value b (a if b is NULL, NULL if a is), rounded for an integral
 * column and clamped to the column's bounds when it has them.
 */
static double
smote_interpolate(const rs_column *col, double a, double b, double u)
{
	double		v;

	if (rs_is_null(a))
		return RS_NULL;
	v = rs_is_null(b) ? a : a + u * (b - a);
	if (col->integral)
		v = round(v);
	if (col->min <= col->max)
	{
		if (v < col->min)
			v = col->min;
		if (v > col->max)
			v = col->max;
	}
	return v;
}

/*
 * A categorical cell of a new row: the most frequent value of column c
 * among the kk neighbours nbrs (NULL counts as a value), ties broken
 * uniformly with one draw of rng; votes is scratch of n_categories + 1.
 */
static double
smote_vote(const rs_table *minority, int c, const int *nbrs, int kk, int *votes,
		   rs_rng *rng)
{
	const rs_column *col = &minority->cols[c];
	int			n_slots = col->n_categories + 1;
	int			best = 0,
				ties = 0,
				chosen = -1;

	memset(votes, 0, (size_t) n_slots * sizeof(int));
	for (int j = 0; j < kk; j++)
		votes[cat_slot(RS_CELL(minority, nbrs[j], c),
					   col->n_categories)]++;
	for (int sl = 0; sl < n_slots; sl++)
	{
		if (votes[sl] > best)
		{
			best = votes[sl];
			ties = 1;
			chosen = sl;
		}
		else if (votes[sl] == best)
			ties++;
	}
	if (ties > 1)
	{
		int			r = (int) rs_rng_below(rng, (uint64_t) ties);

		for (int sl = 0; sl < n_slots; sl++)
			if (votes[sl] == best && r-- == 0)
			{
				chosen = sl;
				break;
			}
	}
	return (chosen == col->n_categories) ? RS_NULL : (double) chosen;
}

rs_table *
rs_smote(const rs_table *minority, int n_new, int k, rs_rng *rng,
		 int *k_used, rs_error *err)
{
	rs_table   *out = NULL;
	int		   *nn = NULL;
	int		   *votes = NULL;
	int			max_slots = 1;
	int			kk = 0;
	int			n;

	if (n_new < 0)
	{
		rs_fail(err, RS_ERR_INVALID, "SMOTE cannot make %d rows", n_new);
		return NULL;
	}
	if (rs_smote_neighbors(minority, k, &nn, &kk, err) != RS_OK)
		return NULL;
	if (k_used)
		*k_used = kk;
	n = minority->n_rows;

	for (int c = 0; c < minority->n_cols; c++)
		if (minority->cols[c].kind == RS_KIND_CATEGORICAL &&
			minority->cols[c].n_categories + 1 > max_slots)
			max_slots = minority->cols[c].n_categories + 1;
	votes = rs_alloc_array((size_t) max_slots, sizeof(int));
	out = rs_table_create(n_new, minority->n_cols, err);
	if (!votes || !out)
	{
		if (out)
			rs_fail(err, RS_ERR_NOMEM, "out of memory for SMOTE");
		goto fail;
	}
	if (rs_table_copy_specs(out, minority, err) != RS_OK)
		goto fail;

	for (int s = 0; s < n_new; s++)
	{
		uint64_t	pick = rs_rng_below(rng, (uint64_t) n * (uint64_t) kk);
		int			base = (int) (pick / (uint64_t) kk);
		const int  *nbrs = nn + (size_t) base * kk;
		int			other = nbrs[pick % (uint64_t) kk];
		double		u = rs_rng_uniform(rng);

		if ((s & 1023) == 0)
			rs_check_interrupts();

		for (int c = 0; c < minority->n_cols; c++)
		{
			const rs_column *col = &minority->cols[c];
			double		v;

			if (col->kind == RS_KIND_CONTINUOUS)
				v = smote_interpolate(col, RS_CELL(minority, base, c),
									  RS_CELL(minority, other, c), u);
			else
				v = smote_vote(minority, c, nbrs, kk, votes, rng);
			RS_CELL(out, s, c) = v;
		}
	}

	rs_free(nn);
	rs_free(votes);
	return out;

fail:
	rs_free(nn);
	rs_free(votes);
	rs_table_free(out);
	return NULL;
}

/*
 * SMOTE on a dense matrix with plain Euclidean distance: what
 * imbalanced-learn's SMOTE does to an already encoded feature matrix (the
 * reference protocol of the evaluation).  X is n x d (the minority rows);
 * out receives n_new x d rows.  k > n - 1 uses n - 1 (*k_used).
 */
rs_status
rs_smote_dense(const double *X, int n, int d, int n_new, int k, rs_rng *rng,
			   double *out, int *k_used, rs_error *err)
{
	int		   *nn;
	rs_status	st;

	if (n < 2)
		return rs_fail(err, RS_ERR_INVALID, "SMOTE needs at least 2 minority rows, got %d", n);
	if (k < 1 || d < 1 || n_new < 0)
		return rs_fail(err, RS_ERR_INVALID, "invalid SMOTE arguments");
	if (k > n - 1)
		k = n - 1;
	if (k_used)
		*k_used = k;
	nn = rs_alloc_array((size_t) n * (size_t) k, sizeof(int));
	if (!nn)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for %d x %d neighbours", n, k);
	st = rs_knn_self(X, n, d, k, nn, NULL, err);
	if (st == RS_OK)
		for (int s = 0; s < n_new; s++)
		{
			uint64_t	pick = rs_rng_below(rng, (uint64_t) n * (uint64_t) k);
			int			i = (int) (pick / (uint64_t) k);
			const double *a = X + (size_t) i * d;
			const double *b = X + (size_t) nn[pick] * d;
			double		u = rs_rng_uniform(rng);
			double	   *o = out + (size_t) s * d;

			for (int j = 0; j < d; j++)
				o[j] = a[j] + u * (b[j] - a[j]);
		}
	rs_free(nn);
	return st;
}

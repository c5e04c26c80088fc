/*
 * quality_pairs.c
 *	  Column-pair trends (SDMetrics' quality report: CorrelationSimilarity
 *	  of two continuous columns, ContingencySimilarity otherwise) and the
 *	  combinations of dependent columns never seen in the real rows (see
 *	  quality.h).
 *
 * Every column is coded once into small integers (a category index, a
 * quantile bin, NULL and "not a category" codes of their own); a pair's
 * joint distribution is then counted cell by cell when its table has no
 * more cells than the two tables have rows (O(n) per pair), else taken
 * from two sorted arrays of pair codes compared in one merge (O(n log n),
 * memory O(n) whatever the categories).
 */
#include "quality_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "depend.h"

/* ---------------------------------------------------------------- binning */

int
rs_quality_quantile_edges(const rs_table *t, int c, int n_bins, double *edges)
{
	double	   *v;
	int			n = 0,
				ne = 0;

	if (!t || c < 0 || c >= t->n_cols || n_bins < 2)
		return 0;
	v = rs_alloc_array(t->n_rows ? (size_t) t->n_rows : 1, sizeof(double));
	if (!v)
		return -1;
	for (int r = 0; r < t->n_rows; r++)
		if (!rs_is_null(RS_CELL(t, r, c)))
			v[n++] = RS_CELL(t, r, c);
	qsort(v, (size_t) n, sizeof(double), rs_quality_cmp_double);
	for (int k = 1; n > 0 && k < n_bins; k++)
	{
		/* numpy.quantile's default: position q (n - 1), linear in between */
		double		pos = (double) k / n_bins * (n - 1);
		int			i = (int) floor(pos);
		double		frac = pos - i,
					e = i + 1 < n ? v[i] + frac * (v[i + 1] - v[i]) : v[i];

		if (ne == 0 || e > edges[ne - 1])
			edges[ne++] = e;
	}
	rs_free(v);
	return ne;
}

int
rs_quality_bin(double v, const double *edges, int n_edges)
{
	int			lo = 0,
				hi = n_edges;

	if (rs_is_null(v))
		return n_edges + 1;
	/* the count of edges below v: the first edge >= v */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (edges[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The codes of column c: real[r], syn[r] for each row, in 0 .. *k - 1.  A
 * category is its index, NULL nc, "not a category" nc + 1; a continuous
 * value its bin at the real quantiles, NULL n_edges + 1.
 */
static rs_status
code_column(const rs_table *real, const rs_table *syn, int c, int32_t *rc, int32_t *sc,
			int *k, rs_error *err)
{
	const rs_column *col = &real->cols[c];

	if (col->kind == RS_KIND_CATEGORICAL)
	{
		int			nc = col->n_categories > 0 ? col->n_categories : 0;

		for (int side = 0; side < 2; side++)
		{
			const rs_table *t = side ? syn : real;
			int32_t    *out = side ? sc : rc;

			for (int r = 0; r < t->n_rows; r++)
			{
				double		v = RS_CELL(t, r, c);

				out[r] = rs_is_null(v) ? nc
					: (v >= 0.0 && v < nc && v == floor(v)) ? (int32_t) v : nc + 1;
			}
		}
		*k = nc + 2;
	}
	else
	{
		double		edges[RS_QUALITY_BINS];
		int			ne = rs_quality_quantile_edges(real, c, RS_QUALITY_BINS, edges);

		if (ne < 0)
			return rs_fail(err, RS_ERR_NOMEM, "out of memory for the quantile bins");
		for (int r = 0; r < real->n_rows; r++)
			rc[r] = rs_quality_bin(RS_CELL(real, r, c), edges, ne);
		for (int r = 0; r < syn->n_rows; r++)
			sc[r] = rs_quality_bin(RS_CELL(syn, r, c), edges, ne);
		*k = ne + 2;
	}
	return RS_OK;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a,
				y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

/* 1 - TVD of two sorted arrays of pair codes, by one merge. */
static double
contingency_sorted(const int64_t *jr, int nr, const int64_t *js, int ns)
{
	int			i = 0,
				j = 0;
	double		tvd = 0.0;

	while (i < nr || j < ns)
	{
		int64_t		v = (j >= ns || (i < nr && jr[i] < js[j])) ? jr[i] : js[j];
		int			ci = 0,
					cj = 0;

		while (i < nr && jr[i] == v)
			i++, ci++;
		while (j < ns && js[j] == v)
			j++, cj++;
		tvd += fabs((double) ci / nr - (double) cj / ns);
	}
	return 1.0 - 0.5 * tvd;
}

/*
 * 1 - TVD of the joint distribution of codes (a, b) in the real rows
 * (ra, rb: nr rows) and the synthetic ones (sa, sb: ns rows); ka, kb the
 * counts of a's and b's codes.  Counts the cells directly when the table
 * of ka x kb cells fits the scratch (cells[n_cells] pairs of counts),
 * else sorts the pair codes (jr[nr], js[ns]).  NaN without rows.
 */
static double
contingency_codes(const int32_t *ra, const int32_t *rb, int nr, const int32_t *sa,
				  const int32_t *sb, int ns, int ka, int kb, int64_t *jr, int64_t *js,
				  int32_t *cells, size_t n_cells)
{
	size_t		nk = (size_t) ka * (size_t) kb;
	double		tvd = 0.0;

	if (nr == 0 || ns == 0)
		return NAN;
	if (nk <= n_cells)
	{
		memset(cells, 0, sizeof(int32_t) * 2 * nk);
		for (int r = 0; r < nr; r++)
			cells[2 * ((size_t) ra[r] * kb + rb[r])]++;
		for (int r = 0; r < ns; r++)
			cells[2 * ((size_t) sa[r] * kb + sb[r]) + 1]++;
		for (size_t k = 0; k < nk; k++)
			tvd += fabs((double) cells[2 * k] / nr - (double) cells[2 * k + 1] / ns);
		return 1.0 - 0.5 * tvd;
	}
	for (int r = 0; r < nr; r++)
		jr[r] = (int64_t) ra[r] * kb + rb[r];
	for (int r = 0; r < ns; r++)
		js[r] = (int64_t) sa[r] * kb + sb[r];
	qsort(jr, (size_t) nr, sizeof(int64_t), cmp_int64);
	qsort(js, (size_t) ns, sizeof(int64_t), cmp_int64);
	return contingency_sorted(jr, nr, js, ns);
}

/* Codes of every column of both tables, and the scratch of a pair. */
typedef struct pair_codes
{
	int			nc;
	int32_t    *real;			/* nc x real rows, column-major */
	int32_t    *syn;			/* nc x synthetic rows */
	int		   *k;				/* nc: codes per column */
	int64_t    *jr,
			   *js;
	int32_t    *cells;			/* n_cells pairs of counts */
	size_t		n_cells;
} pair_codes;

static void
pair_codes_free(pair_codes *pc)
{
	rs_free(pc->real);
	rs_free(pc->syn);
	rs_free(pc->k);
	rs_free(pc->jr);
	rs_free(pc->js);
	rs_free(pc->cells);
}

/* Code columns cols[0..n) (every column when cols is NULL) of both tables. */
static rs_status
pair_codes_build(pair_codes *pc, const rs_table *real, const rs_table *syn,
				 const int *cols, int n, rs_error *err)
{
	size_t		nr = real->n_rows ? (size_t) real->n_rows : 1,
				ns = syn->n_rows ? (size_t) syn->n_rows : 1;
	rs_status	st = RS_OK;

	memset(pc, 0, sizeof(*pc));
	pc->nc = n;
	pc->real = rs_alloc_array((size_t) n * nr, sizeof(int32_t));
	pc->syn = rs_alloc_array((size_t) n * ns, sizeof(int32_t));
	pc->k = rs_alloc_array((size_t) n, sizeof(int));
	pc->jr = rs_alloc_array(nr, sizeof(int64_t));
	pc->js = rs_alloc_array(ns, sizeof(int64_t));
	/* direct counts for tables of up to as many cells as rows (4096 at least) */
	pc->n_cells = nr + ns > 4096 ? nr + ns : 4096;
	pc->cells = rs_alloc_array(pc->n_cells * 2, sizeof(int32_t));
	if (!pc->real || !pc->syn || !pc->k || !pc->jr || !pc->js || !pc->cells)
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for the column pairs");
	for (int i = 0; i < n && st == RS_OK; i++)
	{
		rs_check_interrupts();
		st = code_column(real, syn, cols ? cols[i] : i, pc->real + (size_t) i * nr,
						 pc->syn + (size_t) i * ns, &pc->k[i], err);
	}
	if (st != RS_OK)
		pair_codes_free(pc);
	return st;
}

/* ContingencySimilarity of coded columns i and j of pc. */
static double
pair_codes_similarity(const pair_codes *pc, int i, int j, int nr, int ns)
{
	size_t		sr = nr ? (size_t) nr : 1,
				ss = ns ? (size_t) ns : 1;

	return contingency_codes(pc->real + (size_t) i * sr, pc->real + (size_t) j * sr, nr,
							 pc->syn + (size_t) i * ss, pc->syn + (size_t) j * ss, ns,
							 pc->k[i], pc->k[j], pc->jr, pc->js, pc->cells, pc->n_cells);
}

rs_status
rs_quality_contingency(const rs_table *real, const rs_table *syn, int c1, int c2,
					   double *score, rs_error *err)
{
	rs_status	st;
	pair_codes	pc;
	int			cols[2] = {c1, c2};

	if ((st = rs_quality_check_pair(real, syn, err)) != RS_OK)
		return st;
	if (c1 < 0 || c2 < 0 || c1 >= real->n_cols || c2 >= real->n_cols)
		return rs_fail(err, RS_ERR_INVALID, "no such column pair");
	if ((st = pair_codes_build(&pc, real, syn, cols, 2, err)) != RS_OK)
		return st;
	*score = pair_codes_similarity(&pc, 0, 1, real->n_rows, syn->n_rows);
	pair_codes_free(&pc);
	return RS_OK;
}

rs_status
rs_quality_pair_trends(const rs_table *real, const rs_table *syn, rs_quality *q,
					   rs_error *err)
{
	rs_status	st;
	pair_codes	pc;
	int			nc = real->n_cols;
	double		sum = 0.0;

	q->n_pair_trends = 0;
	if ((st = pair_codes_build(&pc, real, syn, NULL, nc, err)) != RS_OK)
		return st;
	for (int i = 0; i < nc; i++)
	{
		q->pair_trend[(size_t) i * nc + i] = NAN;
		for (int j = i + 1; j < nc; j++)
		{
			double		s;

			rs_check_interrupts();
			if (real->cols[i].kind == RS_KIND_CONTINUOUS
				&& real->cols[j].kind == RS_KIND_CONTINUOUS)
				s = q->pair_score[(size_t) i * nc + j];
			else
				s = pair_codes_similarity(&pc, i, j, real->n_rows, syn->n_rows);
			q->pair_trend[(size_t) i * nc + j] = s;
			q->pair_trend[(size_t) j * nc + i] = s;
			if (!isnan(s))
			{
				sum += s;
				q->n_pair_trends++;
			}
		}
	}
	pair_codes_free(&pc);
	q->pair_trend_mean = q->n_pair_trends ? sum / q->n_pair_trends : NAN;
	return RS_OK;
}

/* ---------------------------------------------------------------- unseen combinations */

void
rs_unseen_free(rs_unseen *u)
{
	rs_free(u->determinant);
	rs_free(u->group_share);
	u->determinant = NULL;
	u->group_share = NULL;
}

/*
 * Mark in unseen[] the synthetic rows whose values in columns cols[0..n)
 * never occur together in a real row; returns how many, -1 on failure.
 */
static int64_t
mark_unseen(const rs_table *real, const rs_table *syn, const int *cols, int n,
			uint8_t *unseen, rs_error *err)
{
	rs_rowset	set;
	int64_t		count = 0;

	if (rs_rowset_build(&set, real, cols, n, err) != RS_OK)
		return -1;
	for (int r = 0; r < syn->n_rows; r++)
	{
		if ((r & 4095) == 0)
			rs_check_interrupts();
		if (!rs_rowset_contains(&set, syn, r))
		{
			unseen[r] = 1;
			count++;
		}
	}
	rs_rowset_free(&set);
	return count;
}

rs_status
rs_quality_unseen(const rs_table *real, const rs_table *syn, rs_unseen *out, rs_error *err)
{
	rs_status	st;
	int			nc;
	int		   *cols = NULL;
	uint8_t    *any = NULL,
			   *row = NULL;
	int64_t		n_any = 0;

	memset(out, 0, sizeof(*out));
	out->any_share = NAN;
	if ((st = rs_quality_check_pair(real, syn, err)) != RS_OK)
		return st;
	nc = out->n_cols = real->n_cols;
	out->determinant = rs_alloc_array((size_t) nc, sizeof(int));
	out->group_share = rs_alloc_array((size_t) nc, sizeof(double));
	cols = rs_alloc_array((size_t) nc, sizeof(int));
	any = rs_alloc_array(syn->n_rows ? (size_t) syn->n_rows : 1, 1);
	row = rs_alloc_array(syn->n_rows ? (size_t) syn->n_rows : 1, 1);
	if (!out->determinant || !out->group_share || !cols || !any || !row)
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for the combinations");
	else
		st = rs_depend_find(real, out->determinant, err);
	for (int d = 0; d < nc && st == RS_OK; d++)
	{
		int			n = 0;
		int64_t		unseen;

		out->group_share[d] = NAN;
		cols[n++] = d;
		for (int b = 0; b < nc; b++)
			if (out->determinant[b] == d)
				cols[n++] = b;
		if (n == 1)
			continue;
		out->n_groups++;
		memset(row, 0, syn->n_rows ? (size_t) syn->n_rows : 1);
		if ((unseen = mark_unseen(real, syn, cols, n, row, err)) < 0)
			st = err ? err->code : RS_ERR_NOMEM;
		else if (syn->n_rows > 0)
			out->group_share[d] = (double) unseen / syn->n_rows;
		for (int r = 0; r < syn->n_rows; r++)
			any[r] |= row[r];
	}
	for (int r = 0; r < syn->n_rows; r++)
		n_any += any[r];
	if (st == RS_OK && out->n_groups > 0 && syn->n_rows > 0)
		out->any_share = (double) n_any / syn->n_rows;
	rs_free(cols);
	rs_free(any);
	rs_free(row);
	if (st != RS_OK)
		rs_unseen_free(out);
	return st;
}

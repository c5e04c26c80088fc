/*
 * rules.c
 *	  A model's rules (see rules.h): declaring them, preparing them on the
 *	  training rows, rebuilding inequalities after decoding, and the
 *	  RS_SEC_RULES section.  The sampler enforces pooled slots and groups
 *	  (sampler.c, rs_sample_rules); rs_model_load checks what ties the
 *	  rules to the encoder (NULL slots).
 *
 * Section layout (little-endian):
 *	 u32 format (1), u32 n_cols, u32 rare_k, u32 clamp_k,
 *	 per column: i32 pooled (-1 or the pooled slot), u32 n_pooled,
 *	 u32 n_groups, per group: u32 kind, u32 n_cols, n_cols x u32 column,
 *		 u32 n_tuples, n_tuples x n_cols x u32 category (lexicographic
 *		 order, strictly increasing),
 *	 u32 n_ineq, per inequality: u32 low, u32 high, f64 high_min,
 *		 f64 high_max.
 */
#include "rules.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "encoder.h"

#define RS_RULES_FORMAT 1

static const char *
name_of(const rs_table *t, int c)
{
	return t && t->cols[c].name ? t->cols[c].name : "?";
}

rs_rules *
rs_rules_create(int n_cols, int rare_k, int clamp_k, rs_error *err)
{
	rs_rules   *r;

	if (n_cols < 1 || n_cols > RS_STATE_MAX_COLUMNS)
	{
		rs_fail(err, RS_ERR_INVALID, "invalid column count %d for the rules", n_cols);
		return NULL;
	}
	if (rare_k < 1 || rare_k > RS_RULES_MAX_K || clamp_k < 1 || clamp_k > RS_RULES_MAX_K)
	{
		rs_fail(err, RS_ERR_INVALID, "rare_category_k and extreme_value_k must be between 1 and %d",
				RS_RULES_MAX_K);
		return NULL;
	}
	r = rs_alloc(sizeof(rs_rules));
	if (r)
	{
		r->pooled = rs_alloc_array((size_t) n_cols, sizeof(int));
		r->n_pooled = rs_alloc_array((size_t) n_cols, sizeof(int));
		r->groups = rs_alloc_array(RS_RULES_MAX_GROUPS, sizeof(rs_rule_group));
		r->ineq = rs_alloc_array(RS_RULES_MAX_INEQ, sizeof(rs_rule_ineq));
	}
	if (!r || !r->pooled || !r->n_pooled || !r->groups || !r->ineq)
	{
		rs_rules_free(r);
		rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
		return NULL;
	}
	r->n_cols = n_cols;
	r->rare_k = rare_k;
	r->clamp_k = clamp_k;
	r->failed = RS_RULES_FAIL_NONE;
	for (int c = 0; c < n_cols; c++)
		r->pooled[c] = -1;
	return r;
}

void
rs_rules_free(rs_rules *r)
{
	if (!r)
		return;
	for (int g = 0; r->groups && g < r->n_groups; g++)
	{
		rs_free(r->groups[g].cols);
		rs_free(r->groups[g].tuples);
	}
	rs_free(r->groups);
	rs_free(r->ineq);
	rs_free(r->pooled);
	rs_free(r->n_pooled);
	rs_free(r);
}

/* Position of column c in group g, or -1. */
static int
group_pos(const rs_rule_group *g, int c)
{
	for (int i = 0; i < g->n_cols; i++)
		if (g->cols[i] == c)
			return i;
	return -1;
}

rs_status
rs_rules_add_group(rs_rules *r, rs_group_kind kind, const int *cols, int n, rs_error *err)
{
	int			merged[RS_RULES_MAX_GROUP_COLS];
	int			n_merged = 0,
				first = -1;
	int		   *keep;

	if (kind != RS_GROUP_DEPENDENCY && kind != RS_GROUP_FIXED)
		return rs_fail(err, RS_ERR_INVALID, "unknown group kind %d", (int) kind);
	if (n < 2 || n > RS_RULES_MAX_GROUP_COLS)
		return rs_fail(err, RS_ERR_INVALID, "a group has 2 to %d columns, not %d",
					   RS_RULES_MAX_GROUP_COLS, n);
	for (int i = 0; i < n; i++)
	{
		if (cols[i] < 0 || cols[i] >= r->n_cols)
			return rs_fail(err, RS_ERR_INVALID, "group column %d is out of range", cols[i]);
		for (int j = 0; j < i; j++)
			if (cols[j] == cols[i])
				return rs_fail(err, RS_ERR_INVALID, "a group names column %d twice", cols[i] + 1);
	}
	/* the earlier groups it overlaps, in order, then its own new columns */
	for (int g = 0; g < r->n_groups; g++)
	{
		const rs_rule_group *gr = &r->groups[g];
		int			overlaps = 0;

		for (int i = 0; i < n && !overlaps; i++)
			overlaps = group_pos(gr, cols[i]) >= 0;
		if (!overlaps)
			continue;
		if (gr->n_tuples > 0)
			return rs_fail(err, RS_ERR_INVALID, "groups cannot be added after prepare");
		if (first < 0)
			first = g;
		for (int i = 0; i < gr->n_cols; i++)
		{
			if (n_merged == RS_RULES_MAX_GROUP_COLS)
				return rs_fail(err, RS_ERR_INVALID, "merged groups would exceed %d columns",
							   RS_RULES_MAX_GROUP_COLS);
			merged[n_merged++] = gr->cols[i];
		}
	}
	for (int i = 0; i < n; i++)
	{
		int			seen = 0;

		for (int j = 0; j < n_merged && !seen; j++)
			seen = merged[j] == cols[i];
		if (seen)
			continue;
		if (n_merged == RS_RULES_MAX_GROUP_COLS)
			return rs_fail(err, RS_ERR_INVALID, "merged groups would exceed %d columns",
						   RS_RULES_MAX_GROUP_COLS);
		merged[n_merged++] = cols[i];
	}
	if (first < 0 && r->n_groups == RS_RULES_MAX_GROUPS)
		return rs_fail(err, RS_ERR_INVALID, "at most %d groups", RS_RULES_MAX_GROUPS);
	if (!(keep = rs_alloc_array((size_t) n_merged, sizeof(int))))
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
	memcpy(keep, merged, sizeof(int) * (size_t) n_merged);
	if (first < 0)
	{
		first = r->n_groups++;
		r->groups[first].kind = kind;
	}
	else
	{
		/* drop the other overlapping groups; the first becomes the union */
		int			w = first + 1;

		for (int g = first + 1; g < r->n_groups; g++)
		{
			int			overlaps = 0;

			for (int i = 0; i < n && !overlaps; i++)
				overlaps = group_pos(&r->groups[g], cols[i]) >= 0;
			if (overlaps)
				rs_free(r->groups[g].cols);
			else
				r->groups[w++] = r->groups[g];
		}
		r->n_groups = w;
		rs_free(r->groups[first].cols);
		r->groups[first].kind = RS_GROUP_FIXED;
	}
	r->groups[first].cols = keep;
	r->groups[first].n_cols = n_merged;
	r->groups[first].n_tuples = 0;
	r->groups[first].tuples = NULL;
	return RS_OK;
}

rs_status
rs_rules_add_inequality(rs_rules *r, int low, int high, rs_error *err)
{
	if (low < 0 || low >= r->n_cols || high < 0 || high >= r->n_cols)
		return rs_fail(err, RS_ERR_INVALID, "inequality column is out of range");
	if (low == high)
		return rs_fail(err, RS_ERR_INVALID, "an inequality needs two different columns");
	if (r->n_ineq == RS_RULES_MAX_INEQ)
		return rs_fail(err, RS_ERR_INVALID, "at most %d inequalities", RS_RULES_MAX_INEQ);
	for (int i = 0; i < r->n_ineq; i++)
	{
		if (r->ineq[i].high == high)
			return rs_fail(err, RS_ERR_INVALID,
						   "column %d is the upper side of two inequalities", high + 1);
		if (r->ineq[i].low == high || r->ineq[i].high == low)
			return rs_fail(err, RS_ERR_INVALID,
						   "a column cannot be the upper side of one inequality and the lower side of another");
	}
	r->ineq[r->n_ineq].low = low;
	r->ineq[r->n_ineq].high = high;
	r->ineq[r->n_ineq].high_min = r->ineq[r->n_ineq].high_max = NAN;
	r->n_ineq++;
	return RS_OK;
}

rs_rules *
rs_rules_copy_declared(const rs_rules *r, rs_error *err)
{
	rs_rules   *c = rs_rules_create(r->n_cols, r->rare_k, r->clamp_k, err);

	for (int g = 0; c && g < r->n_groups; g++)
		if (rs_rules_add_group(c, r->groups[g].kind, r->groups[g].cols, r->groups[g].n_cols,
							   err) != RS_OK)
			goto fail;
	for (int i = 0; c && i < r->n_ineq; i++)
		if (rs_rules_add_inequality(c, r->ineq[i].low, r->ineq[i].high, err) != RS_OK)
			goto fail;
	return c;
fail:
	rs_rules_free(c);
	return NULL;
}

/* ---------------------------------------------------------------- prepare */

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/*
 * The protected range of column c of t: [k-th smallest, k-th largest] of
 * its non-NULL values, both the (lower) median when they cross; 0 if the
 * column holds no value.  buf holds n_rows doubles.
 */
static int
protected_range(const rs_table *t, int c, int k, double *buf, double *lo, double *hi)
{
	int			n = 0;

	for (int r = 0; r < t->n_rows; r++)
		if (!rs_is_null(RS_CELL(t, r, c)))
			buf[n++] = RS_CELL(t, r, c);
	if (n == 0)
		return 0;
	qsort(buf, (size_t) n, sizeof(double), cmp_double);
	if (k > n)
		k = n;
	*lo = buf[k - 1];
	*hi = buf[n - k];
	if (*lo > *hi)
		*lo = *hi = buf[(n - 1) / 2];
	return 1;
}

static rs_status
fail_as(rs_rules *r, int why, rs_error *err)
{
	r->failed = why;
	return err->code;
}

/* Kinds of the group and inequality columns; every inequality on every row. */
static rs_status
check_declared(rs_rules *r, const rs_table *rows, rs_error *err)
{
	for (int g = 0; g < r->n_groups; g++)
		for (int i = 0; i < r->groups[g].n_cols; i++)
		{
			int			c = r->groups[g].cols[i];

			if (rows->cols[c].kind != RS_KIND_CATEGORICAL)
			{
				rs_fail(err, RS_ERR_INVALID,
						"column \"%s\" of a combination of columns is not categorical",
						name_of(rows, c));
				return fail_as(r, RS_RULES_FAIL_KIND, err);
			}
		}
	for (int i = 0; i < r->n_ineq; i++)
	{
		int			lo = r->ineq[i].low,
					hi = r->ineq[i].high;

		for (int s = 0; s < 2; s++)
			if (rows->cols[s ? hi : lo].kind != RS_KIND_CONTINUOUS)
			{
				rs_fail(err, RS_ERR_INVALID, "column \"%s\" of an inequality is not numeric",
						name_of(rows, s ? hi : lo));
				return fail_as(r, RS_RULES_FAIL_KIND, err);
			}
		for (int row = 0; row < rows->n_rows; row++)
		{
			double		a = RS_CELL(rows, row, lo),
						b = RS_CELL(rows, row, hi);

			if (rs_is_null(a) || rs_is_null(b))
			{
				rs_fail(err, RS_ERR_INVALID,
						"a training row has NULL in \"%s\", so \"%s\" < \"%s\" cannot hold",
						name_of(rows, rs_is_null(a) ? lo : hi), name_of(rows, lo), name_of(rows, hi));
				r->failed_ineq = i;
				return fail_as(r, RS_RULES_FAIL_NULL, err);
			}
			else if (!(a < b))
				rs_fail(err, RS_ERR_INVALID,
						"a training row has \"%s\" = %.15g and \"%s\" = %.15g, which breaks \"%s\" < \"%s\"",
						name_of(rows, lo), a, name_of(rows, hi), b, name_of(rows, lo), name_of(rows, hi));
			else if (!isfinite(b - a))
				rs_fail(err, RS_ERR_NUMERIC, "the difference of \"%s\" and \"%s\" overflows",
						name_of(rows, hi), name_of(rows, lo));
			else
				continue;
			r->failed_ineq = i;
			return fail_as(r, RS_RULES_FAIL_INEQ, err);
		}
	}
	return RS_OK;
}

/* Clamp every continuous column to its protected range; highs become high - low. */
static rs_status
prepare_ranges(rs_rules *r, rs_table *rows, rs_error *err)
{
	double	   *buf = rs_alloc_array((size_t) (rows->n_rows ? rows->n_rows : 1), sizeof(double));

	if (!buf)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
	for (int i = 0; i < r->n_ineq; i++)
	{
		rs_rule_ineq *q = &r->ineq[i];

		protected_range(rows, q->high, r->clamp_k, buf, &q->high_min, &q->high_max);
		for (int row = 0; row < rows->n_rows; row++)
			RS_CELL(rows, row, q->high) -= RS_CELL(rows, row, q->low);
	}
	for (int c = 0; c < rows->n_cols; c++)
	{
		rs_column  *col = &rows->cols[c];
		double		lo,
					hi;

		if (col->kind != RS_KIND_CONTINUOUS)
			continue;
		rs_check_interrupts();
		if (!protected_range(rows, c, r->clamp_k, buf, &lo, &hi))
		{
			col->min = col->max = 0;
			continue;
		}
		for (int row = 0; row < rows->n_rows; row++)
		{
			double	   *v = &RS_CELL(rows, row, c);

			if (*v < lo)
				*v = lo;
			else if (*v > hi)
				*v = hi;
		}
		col->min = lo;
		col->max = hi;
	}
	rs_free(buf);
	return RS_OK;
}

/* Pool the categories held by fewer than rare_k rows into one slot, last. */
static rs_status
prepare_pooling(rs_rules *r, rs_table *rows, rs_error *err)
{
	for (int c = 0; c < rows->n_cols && r->rare_k > 1; c++)
	{
		rs_column  *col = &rows->cols[c];
		int			n_cat = col->n_categories,
					n_kept = 0;
		int		   *count;
		char	  **texts;

		if (col->kind != RS_KIND_CATEGORICAL || n_cat < 1)
			continue;
		rs_check_interrupts();
		if (!(count = rs_alloc_array((size_t) n_cat, sizeof(int))))
			return rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
		for (int row = 0; row < rows->n_rows; row++)
		{
			double		v = RS_CELL(rows, row, c);

			if (!rs_is_null(v) && v >= 0 && v < n_cat)
				count[(int) v]++;
		}
		for (int k = 0; k < n_cat; k++)
			n_kept += count[k] >= r->rare_k;
		if (n_kept == n_cat)
		{
			rs_free(count);
			continue;
		}
		if (n_kept == 0)
		{
			rs_free(count);
			rs_fail(err, RS_ERR_INVALID,
					"every category of column \"%s\" is held by fewer than %d training rows",
					name_of(rows, c), r->rare_k);
			return fail_as(r, RS_RULES_FAIL_RARE, err);
		}
		if (!(texts = rs_alloc_array((size_t) n_kept + 1, sizeof(char *))))
		{
			rs_free(count);
			return rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
		}
		/* count[k] becomes the new index of category k */
		for (int k = 0, j = 0; k < n_cat; k++)
		{
			if (count[k] >= r->rare_k)
			{
				texts[j] = col->categories[k];
				count[k] = j++;
			}
			else
			{
				rs_free(col->categories[k]);
				count[k] = n_kept;
			}
		}
		/* the placeholder: a kept text (valid for the type), never emitted */
		texts[n_kept] = rs_strdup(texts[0]);
		for (int row = 0; row < rows->n_rows; row++)
		{
			double	   *v = &RS_CELL(rows, row, c);

			if (!rs_is_null(*v) && *v >= 0 && *v < n_cat)
				*v = (double) count[(int) *v];
		}
		rs_free(col->categories);
		col->categories = texts;
		col->n_categories = n_kept + 1;
		r->pooled[c] = n_kept;
		r->n_pooled[c] = n_cat - n_kept;
		rs_free(count);
		if (!texts[n_kept])
			return rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
	}
	return RS_OK;
}

/* Tuples are records [n, v_0 .. v_n-1]: the comparator reads n from them. */
static int
cmp_record(const void *a, const void *b)
{
	const int  *x = a,
			   *y = b;

	for (int i = 1; i <= x[0]; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* The distinct combinations of each group on the rows, without pooled slots. */
static rs_status
prepare_groups(rs_rules *r, const rs_table *rows, rs_error *err)
{
	for (int g = 0; g < r->n_groups; g++)
	{
		rs_rule_group *gr = &r->groups[g];
		int			m = gr->n_cols,
					n = 0,
					t = 0;
		int		   *rec = rs_alloc_array((size_t) (rows->n_rows ? rows->n_rows : 1),
										 sizeof(int) * (size_t) (m + 1));

		if (!rec)
			return rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
		rs_check_interrupts();
		for (int row = 0; row < rows->n_rows; row++)
		{
			int		   *p = rec + (size_t) n * (m + 1);
			int			skip = 0;

			p[0] = m;
			for (int i = 0; i < m; i++)
			{
				int			c = gr->cols[i];
				double		v = RS_CELL(rows, row, c);

				p[i + 1] = rs_is_null(v) ? rows->cols[c].n_categories : (int) v;
				skip |= p[i + 1] == r->pooled[c];
			}
			n += !skip;
		}
		qsort(rec, (size_t) n, sizeof(int) * (size_t) (m + 1), cmp_record);
		rs_free(gr->tuples);
		gr->tuples = rs_alloc_array((size_t) (n ? n : 1), sizeof(int) * (size_t) m);
		if (!gr->tuples)
		{
			rs_free(rec);
			return rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
		}
		for (int i = 0; i < n; i++)
		{
			const int  *p = rec + (size_t) i * (m + 1);

			if (t > 0 && cmp_record(p, p - (m + 1)) == 0)
				continue;
			memcpy(gr->tuples + (size_t) t * m, p + 1, sizeof(int) * (size_t) m);
			t++;
		}
		rs_free(rec);
		gr->n_tuples = t;
		if (t == 0)
		{
			rs_fail(err, RS_ERR_INVALID,
					"no training row holds a combination of \"%s\" and \"%s\" without a rare category",
					name_of(rows, gr->cols[0]), name_of(rows, gr->cols[1]));
			return fail_as(r, RS_RULES_FAIL_GROUP, err);
		}
	}
	return RS_OK;
}

rs_status
rs_rules_prepare(rs_rules *r, rs_table *rows, rs_error *err)
{
	r->failed = RS_RULES_FAIL_NONE;
	r->failed_ineq = -1;
	if (!rows || rows->n_cols != r->n_cols || (rows->n_rows > 0 && !rows->values))
		return rs_fail(err, RS_ERR_INVALID, "the rules do not match the training rows");
	if (check_declared(r, rows, err) != RS_OK ||
		prepare_ranges(r, rows, err) != RS_OK ||
		prepare_pooling(r, rows, err) != RS_OK ||
		prepare_groups(r, rows, err) != RS_OK)
		return err->code;
	return RS_OK;
}

/* ---------------------------------------------------------------- after decoding */

void
rs_rules_finish(const rs_rules *r, rs_table *t, int row0, int n)
{
	if (!r)
		return;
	for (int i = 0; i < r->n_ineq; i++)
	{
		const rs_rule_ineq *q = &r->ineq[i];
		int			integral = t->cols[q->high].integral;

		for (int row = row0; row < row0 + n; row++)
		{
			double		lo = RS_CELL(t, row, q->low),
						h = lo + RS_CELL(t, row, q->high);

			if (rs_is_null(h))
				continue;
			if (integral)
				h = round(h);
			if (h < q->high_min)
				h = q->high_min;
			if (h > q->high_max)
				h = q->high_max;
			/* low <= its protected max < high_max: this stays in range */
			if (!(h > lo))
				h = integral ? floor(lo) + 1.0 : nextafter(lo, INFINITY);
			RS_CELL(t, row, q->high) = h;
		}
	}
}

int
rs_rules_category_allowed(const rs_rules *r, int c, int k)
{
	if (!r || c < 0 || c >= r->n_cols)
		return 1;
	return r->pooled[c] < 0 || k != r->pooled[c];
}

int
rs_rules_group_of(const rs_rules *r, int c, int *pos)
{
	for (int g = 0; r && g < r->n_groups; g++)
	{
		int			p = group_pos(&r->groups[g], c);

		if (p >= 0)
		{
			if (pos)
				*pos = p;
			return g;
		}
	}
	return -1;
}

int
rs_rules_category_in_group(const rs_rules *r, int c, int k)
{
	int			pos,
				g = rs_rules_group_of(r, c, &pos);

	if (g < 0)
		return 1;
	for (int t = 0; t < r->groups[g].n_tuples; t++)
		if (r->groups[g].tuples[(size_t) t * r->groups[g].n_cols + pos] == k)
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- bytes */

rs_status
rs_rules_save(const rs_rules *r, rs_wbuf *b)
{
	rs_wbuf_u32(b, RS_RULES_FORMAT);
	rs_wbuf_u32(b, (uint32_t) r->n_cols);
	rs_wbuf_u32(b, (uint32_t) r->rare_k);
	rs_wbuf_u32(b, (uint32_t) r->clamp_k);
	for (int c = 0; c < r->n_cols; c++)
	{
		rs_wbuf_i32(b, r->pooled[c]);
		rs_wbuf_u32(b, (uint32_t) r->n_pooled[c]);
	}
	rs_wbuf_u32(b, (uint32_t) r->n_groups);
	for (int g = 0; g < r->n_groups; g++)
	{
		const rs_rule_group *gr = &r->groups[g];

		rs_wbuf_u32(b, (uint32_t) gr->kind);
		rs_wbuf_u32(b, (uint32_t) gr->n_cols);
		for (int i = 0; i < gr->n_cols; i++)
			rs_wbuf_u32(b, (uint32_t) gr->cols[i]);
		rs_wbuf_u32(b, (uint32_t) gr->n_tuples);
		for (size_t i = 0; i < (size_t) gr->n_tuples * gr->n_cols; i++)
			rs_wbuf_u32(b, (uint32_t) gr->tuples[i]);
	}
	rs_wbuf_u32(b, (uint32_t) r->n_ineq);
	for (int i = 0; i < r->n_ineq; i++)
	{
		rs_wbuf_u32(b, (uint32_t) r->ineq[i].low);
		rs_wbuf_u32(b, (uint32_t) r->ineq[i].high);
		rs_wbuf_f64(b, r->ineq[i].high_min);
		rs_wbuf_f64(b, r->ineq[i].high_max);
	}
	return b->failed ? RS_ERR_NOMEM : RS_OK;
}

#define WHAT "rules section"

static rs_status
corrupt(rs_error *err, const char *detail)
{
	return rs_fail(err, RS_ERR_CORRUPT, "%s %s", WHAT, detail);
}

/* A u32 below limit, or -1 (the caller reports it). */
static int
read_index(rs_rbuf *b, uint32_t limit)
{
	uint32_t	v = rs_rbuf_u32(b);

	return !b->failed && v < limit ? (int) v : -1;
}

static rs_status
load_group(rs_rbuf *b, rs_rules *r, const rs_table *specs, uint8_t *used, rs_error *err)
{
	rs_rule_group *gr = &r->groups[r->n_groups];
	uint32_t	kind = rs_rbuf_u32(b),
				m = rs_rbuf_u32(b),
				n_t;

	if (b->failed)
		return corrupt(err, "is truncated");
	if (kind != RS_GROUP_DEPENDENCY && kind != RS_GROUP_FIXED)
		return corrupt(err, "has an unknown group kind");
	if (m < 2 || m > RS_RULES_MAX_GROUP_COLS)
		return corrupt(err, "has a group of an invalid size");
	gr->kind = (rs_group_kind) kind;
	if (!(gr->cols = rs_alloc_array(m, sizeof(int))))
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
	gr->n_cols = (int) m;
	r->n_groups++;				/* owned from here: rs_rules_free frees it */
	for (uint32_t i = 0; i < m; i++)
	{
		int			c = read_index(b, (uint32_t) specs->n_cols);

		if (c < 0)
			return corrupt(err, b->failed ? "is truncated" : "has a group column out of range");
		if (specs->cols[c].kind != RS_KIND_CATEGORICAL)
			return corrupt(err, "has a group column that is not categorical");
		if (used[c])
			return corrupt(err, "has a column in two groups or twice in one");
		used[c] = 1;
		gr->cols[i] = c;
	}
	n_t = rs_rbuf_u32(b);
	if (b->failed)
		return corrupt(err, "is truncated");
	if (n_t < 1 || (uint64_t) n_t * m * 4 > b->len - b->pos)
		return corrupt(err, "has an invalid combination count");
	if (!(gr->tuples = rs_alloc_array((size_t) n_t * m, sizeof(int))))
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
	gr->n_tuples = (int) n_t;
	for (uint32_t t = 0; t < n_t; t++)
	{
		int		   *p = gr->tuples + (size_t) t * m;

		for (uint32_t i = 0; i < m; i++)
		{
			int			c = gr->cols[i];

			/* n_categories: the NULL slot, checked against the encoder later */
			p[i] = read_index(b, (uint32_t) specs->cols[c].n_categories + 1);
			if (p[i] < 0 || p[i] == r->pooled[c])
				return corrupt(err, "has a combination with a category out of range");
		}
		if (t > 0)
		{
			int			cmp = 0;

			for (uint32_t i = 0; i < m && !cmp; i++)
				cmp = p[i] < p[(int) i - (int) m] ? -1 : p[i] > p[(int) i - (int) m];
			if (cmp <= 0)
				return corrupt(err, "has combinations out of order");
		}
	}
	return RS_OK;
}

static rs_status
load_ineq(rs_rbuf *b, rs_rules *r, const rs_table *specs, rs_error *err)
{
	rs_rule_ineq *q = &r->ineq[r->n_ineq];
	int			lo = read_index(b, (uint32_t) specs->n_cols),
				hi = read_index(b, (uint32_t) specs->n_cols);

	q->high_min = rs_rbuf_f64(b);
	q->high_max = rs_rbuf_f64(b);
	if (b->failed)
		return corrupt(err, "is truncated");
	if (lo < 0 || hi < 0 || lo == hi)
		return corrupt(err, "has an inequality column out of range");
	if (specs->cols[lo].kind != RS_KIND_CONTINUOUS || specs->cols[hi].kind != RS_KIND_CONTINUOUS)
		return corrupt(err, "has an inequality column that is not continuous");
	for (int i = 0; i < r->n_ineq; i++)
		if (r->ineq[i].high == hi || r->ineq[i].low == hi || r->ineq[i].high == lo)
			return corrupt(err, "has inequalities that share an upper column");
	/* what prepare makes: low's protected range lies below high's */
	if (!isfinite(q->high_min) || !isfinite(q->high_max) || !(q->high_min <= q->high_max) ||
		!(specs->cols[lo].min < q->high_min) || !(specs->cols[lo].max < q->high_max) ||
		!(specs->cols[lo].min <= specs->cols[lo].max))
		return corrupt(err, "has an inequality with an invalid range");
	q->low = lo;
	q->high = hi;
	r->n_ineq++;
	return RS_OK;
}

rs_rules *
rs_rules_load(rs_rbuf *b, const rs_table *specs, rs_error *err)
{
	uint32_t	format = rs_rbuf_u32(b),
				n_cols = rs_rbuf_u32(b),
				rare_k = rs_rbuf_u32(b),
				clamp_k = rs_rbuf_u32(b),
				n;
	rs_rules   *r = NULL;
	uint8_t    *used = NULL;

	if (b->failed)
	{
		corrupt(err, "is truncated");
		return NULL;
	}
	if (format != RS_RULES_FORMAT)
	{
		rs_fail(err, format > RS_RULES_FORMAT ? RS_ERR_VERSION : RS_ERR_CORRUPT,
				"%s has unknown format %u", WHAT, format);
		return NULL;
	}
	if (n_cols != (uint32_t) specs->n_cols)
	{
		rs_fail(err, RS_ERR_CORRUPT, "%s has %u columns, the column specs %d", WHAT, n_cols,
				specs->n_cols);
		return NULL;
	}
	if (rare_k < 1 || rare_k > RS_RULES_MAX_K || clamp_k < 1 || clamp_k > RS_RULES_MAX_K)
	{
		corrupt(err, "has an invalid k");
		return NULL;
	}
	if (!(r = rs_rules_create((int) n_cols, (int) rare_k, (int) clamp_k, err)) ||
		!(used = rs_alloc(n_cols)))
	{
		if (r)
			rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
		goto fail;
	}
	for (int c = 0; c < (int) n_cols; c++)
	{
		const rs_column *col = &specs->cols[c];
		int32_t		p = rs_rbuf_i32(b);
		uint32_t	np = rs_rbuf_u32(b);

		if (b->failed)
		{
			corrupt(err, "is truncated");
			goto fail;
		}
		if (p == -1 ? np != 0
			: (rare_k < 2 || col->kind != RS_KIND_CATEGORICAL || col->n_categories < 2 ||
			   p != col->n_categories - 1 || np < 1 || np > RS_STATE_MAX_CATEGORIES))
		{
			corrupt(err, "has an invalid pooled slot");
			goto fail;
		}
		r->pooled[c] = p;
		r->n_pooled[c] = (int) np;
	}
	n = rs_rbuf_u32(b);
	if (b->failed || n > RS_RULES_MAX_GROUPS)
	{
		corrupt(err, b->failed ? "is truncated" : "has too many groups");
		goto fail;
	}
	for (uint32_t g = 0; g < n; g++)
		if (load_group(b, r, specs, used, err) != RS_OK)
			goto fail;
	n = rs_rbuf_u32(b);
	if (b->failed || n > RS_RULES_MAX_INEQ)
	{
		corrupt(err, b->failed ? "is truncated" : "has too many inequalities");
		goto fail;
	}
	for (uint32_t i = 0; i < n; i++)
		if (load_ineq(b, r, specs, err) != RS_OK)
			goto fail;
	rs_free(used);
	return r;

fail:
	rs_free(used);
	rs_rules_free(r);
	return NULL;
}

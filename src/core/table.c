/*
 * table.c
 *	  Allocation and copying of rs_table (see table.h).
 */
#include "table.h"

#include <string.h>

rs_table *
rs_table_create(int n_rows, int n_cols, rs_error *err)
{
	rs_table   *t;
	size_t		cells;

	if (n_rows < 0 || n_cols <= 0)
	{
		rs_fail(err, RS_ERR_INVALID, "invalid table shape %d x %d", n_rows, n_cols);
		return NULL;
	}
	t = rs_alloc(sizeof(rs_table));
	if (!t)
		goto nomem;
	t->n_rows = n_rows;
	t->n_cols = n_cols;
	t->cols = rs_alloc_array((size_t) n_cols, sizeof(rs_column));
	cells = (size_t) n_rows * (size_t) n_cols;
	t->values = rs_alloc_array(cells ? cells : 1, sizeof(double));
	if (!t->cols || !t->values)
	{
		rs_table_free(t);
		goto nomem;
	}
	for (size_t i = 0; i < cells; i++)
		t->values[i] = RS_NULL;
	return t;

nomem:
	rs_fail(err, RS_ERR_NOMEM, "out of memory for a table of %d x %d", n_rows, n_cols);
	return NULL;
}

rs_status
rs_table_copy_specs(rs_table *dst, const rs_table *src, rs_error *err)
{
	if (dst->n_cols != src->n_cols)
		return rs_fail(err, RS_ERR_INVALID, "column count mismatch");
	for (int c = 0; c < src->n_cols; c++)
	{
		const rs_column *s = &src->cols[c];
		rs_column  *d = &dst->cols[c];

		*d = *s;
		d->name = s->name ? rs_strdup(s->name) : NULL;
		d->categories = NULL;
		if (s->kind == RS_KIND_CATEGORICAL && s->n_categories > 0)
		{
			d->categories = rs_alloc_array((size_t) s->n_categories, sizeof(char *));
			if (!d->categories)
				return rs_fail(err, RS_ERR_NOMEM, "out of memory");
			for (int k = 0; k < s->n_categories; k++)
				if (!(d->categories[k] = rs_strdup(s->categories[k])))
					return rs_fail(err, RS_ERR_NOMEM, "out of memory");
		}
		if (s->name && !d->name)
			return rs_fail(err, RS_ERR_NOMEM, "out of memory");
	}
	return RS_OK;
}

rs_table *
rs_table_take(const rs_table *t, const int *idx, int n, rs_error *err)
{
	rs_table   *out = rs_table_create(n, t->n_cols, err);

	if (!out)
		return NULL;
	if (rs_table_copy_specs(out, t, err) != RS_OK)
	{
		rs_table_free(out);
		return NULL;
	}
	for (int i = 0; i < n; i++)
	{
		if (idx[i] < 0 || idx[i] >= t->n_rows)
		{
			rs_table_free(out);
			rs_fail(err, RS_ERR_INVALID, "row %d out of range", idx[i]);
			return NULL;
		}
		memcpy(&RS_CELL(out, i, 0), &RS_CELL(t, idx[i], 0), sizeof(double) * t->n_cols);
	}
	return out;
}

rs_table *
rs_table_concat(const rs_table *a, const rs_table *b, rs_error *err)
{
	rs_table   *out;

	if (a->n_cols != b->n_cols)
	{
		rs_fail(err, RS_ERR_INVALID, "cannot concatenate tables of %d and %d columns",
				a->n_cols, b->n_cols);
		return NULL;
	}
	out = rs_table_create(a->n_rows + b->n_rows, a->n_cols, err);
	if (!out)
		return NULL;
	if (rs_table_copy_specs(out, a, err) != RS_OK)
	{
		rs_table_free(out);
		return NULL;
	}
	if (a->n_rows)
		memcpy(out->values, a->values, sizeof(double) * a->n_rows * a->n_cols);
	if (b->n_rows)
		memcpy(out->values + (size_t) a->n_rows * a->n_cols, b->values,
			   sizeof(double) * b->n_rows * b->n_cols);
	return out;
}

int
rs_table_column_range(const rs_table *t, int c, double *min, double *max)
{
	double		mn = INFINITY,
				mx = -INFINITY;
	int			n = 0;

	for (int r = 0; r < t->n_rows; r++)
	{
		double		v = RS_CELL(t, r, c);

		if (rs_is_null(v))
			continue;
		if (v < mn)
			mn = v;
		if (v > mx)
			mx = v;
		n++;
	}
	*min = mn;
	*max = mx;
	return n;
}

void
rs_table_free(rs_table *t)
{
	if (!t)
		return;
	if (t->cols)
	{
		for (int c = 0; c < t->n_cols; c++)
		{
			rs_column  *col = &t->cols[c];

			rs_free(col->name);
			if (col->categories)
				for (int k = 0; k < col->n_categories; k++)
					rs_free(col->categories[k]);
			rs_free(col->categories);
		}
		rs_free(t->cols);
	}
	rs_free(t->values);
	rs_free(t);
}

/*
 * depend.c
 *	  Functional dependencies between categorical columns (see depend.h):
 *	  the rule, the choice of one determinant per column, and finding them
 *	  in rows.
 */
#include "depend.h"

#include <string.h>

int
rs_depend_holds(int64_t n_rows, int64_t n_a, int64_t n_b, int64_t n_ab)
{
	return n_ab == n_a && n_a > n_b && n_b >= 2 &&
		n_rows >= (int64_t) RS_DEPEND_MIN_ROWS_PER_VALUE * n_a;
}

void
rs_depend_choose(int n, const uint8_t *holds, const int64_t *n_values, int *determinant)
{
	for (int b = 0; b < n; b++)
	{
		determinant[b] = -1;
		for (int a = 0; a < n; a++)
			if (a != b && holds[(size_t) a * n + b] &&
				(determinant[b] < 0 || n_values[a] > n_values[determinant[b]]))
				determinant[b] = a;
	}
}

/* A cell's category as an index: NULL is n_categories. */
static int
category_of(const rs_table *t, int r, int c)
{
	double		v = RS_CELL(t, r, c);

	return rs_is_null(v) ? t->cols[c].n_categories : (int) v;
}

/* Distinct values of categorical column c, NULL counted once. */
static int64_t
count_values(const rs_table *t, int c, uint8_t *mark)
{
	int			w = t->cols[c].n_categories + 1;
	int64_t		n = 0;

	memset(mark, 0, (size_t) w);
	for (int r = 0; r < t->n_rows; r++)
	{
		int			k = category_of(t, r, c);

		n += !mark[k];
		mark[k] = 1;
	}
	return n;
}

/* 1 if every value of a comes with one value of b on every row. */
static int
fixes(const rs_table *t, int a, int b, int *first)
{
	for (int k = 0; k <= t->cols[a].n_categories; k++)
		first[k] = -1;
	for (int r = 0; r < t->n_rows; r++)
	{
		int			ka = category_of(t, r, a),
					kb = category_of(t, r, b);

		if (first[ka] < 0)
			first[ka] = kb;
		else if (first[ka] != kb)
			return 0;
	}
	return 1;
}

rs_status
rs_depend_find(const rs_table *t, int *determinant, rs_error *err)
{
	int			n = t->n_cols,
				width = 1;
	uint8_t    *holds,
			   *mark;
	int64_t    *n_values;
	int		   *first;
	rs_status	st = RS_OK;

	for (int c = 0; c < n; c++)
	{
		if (t->cols[c].kind == RS_KIND_CATEGORICAL &&
			(t->cols[c].n_categories < 0 || t->cols[c].n_categories >= INT32_MAX))
			return rs_fail(err, RS_ERR_INVALID, "column %d has an invalid category count", c);
		if (t->cols[c].kind == RS_KIND_CATEGORICAL && t->cols[c].n_categories + 1 > width)
			width = t->cols[c].n_categories + 1;
	}
	holds = rs_alloc_array((size_t) n * (size_t) n, 1);
	n_values = rs_alloc_array((size_t) n, sizeof(int64_t));
	mark = rs_alloc((size_t) width);
	first = rs_alloc_array((size_t) width, sizeof(int));
	if (!holds || !n_values || !mark || !first)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for the dependency search");
		goto done;
	}
	memset(holds, 0, (size_t) n * (size_t) n);
	for (int c = 0; c < n; c++)
		n_values[c] = t->cols[c].kind == RS_KIND_CATEGORICAL ? count_values(t, c, mark) : 0;
	for (int a = 0; a < n; a++)
	{
		rs_check_interrupts();
		for (int b = 0; b < n; b++)
		{
			/* the cheap part of the rule first: most pairs stop here */
			if (a == b || t->cols[a].kind != RS_KIND_CATEGORICAL ||
				t->cols[b].kind != RS_KIND_CATEGORICAL ||
				!rs_depend_holds(t->n_rows, n_values[a], n_values[b], n_values[a]))
				continue;
			holds[(size_t) a * n + b] = (uint8_t) fixes(t, a, b, first);
		}
	}
	rs_depend_choose(n, holds, n_values, determinant);
done:
	rs_free(holds);
	rs_free(n_values);
	rs_free(mark);
	rs_free(first);
	return st;
}

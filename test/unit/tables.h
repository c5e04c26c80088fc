/*
 * tables.h
 *	  Small tables for the unit tests: named continuous and categorical
 *	  columns, and the real ranges SMOTE-NC clamps to.
 */
#ifndef UNIT_TABLES_H
#define UNIT_TABLES_H

#include <math.h>

#include "table.h"

static inline void
set_continuous(rs_table *t, int c, const char *name)
{
	t->cols[c].name = rs_strdup(name);
	t->cols[c].kind = RS_KIND_CONTINUOUS;
	t->cols[c].min = 1;			/* min > max: no clamping */
	t->cols[c].max = 0;
}

static inline void
set_categorical(rs_table *t, int c, const char *name, int n, const char *const *cats)
{
	t->cols[c].name = rs_strdup(name);
	t->cols[c].kind = RS_KIND_CATEGORICAL;
	t->cols[c].n_categories = n;
	t->cols[c].categories = rs_alloc_array((size_t) n, sizeof(char *));
	for (int k = 0; k < n; k++)
		t->cols[c].categories[k] = rs_strdup(cats[k]);
}

/* Real [min, max] of every continuous column (SMOTE-NC clamps to it). */
static inline void
set_ranges(rs_table *t)
{
	for (int c = 0; c < t->n_cols; c++)
	{
		if (t->cols[c].kind != RS_KIND_CONTINUOUS)
			continue;
		t->cols[c].min = INFINITY;
		t->cols[c].max = -INFINITY;
		for (int r = 0; r < t->n_rows; r++)
		{
			double		v = RS_CELL(t, r, c);

			if (rs_is_null(v))
				continue;
			if (v < t->cols[c].min)
				t->cols[c].min = v;
			if (v > t->cols[c].max)
				t->cols[c].max = v;
		}
	}
}

#endif

/*
 * table.h
 *	  The core's view of a table: column specs plus a row-major matrix of
 *	  doubles.  The glue fills it from SQL rows (src/read.c) and turns it
 *	  back into SQL values (src/rowmaker.c); the encoder, SMOTE and the
 *	  classifier read it.
 *
 * A continuous column holds its value (dates and timestamps as numbers); a
 * categorical column holds the index of its category (0 .. n_categories-1)
 * as a double.  SQL NULL is NaN in both kinds (RS_NULL / rs_is_null()).
 */
#ifndef RS_TABLE_H
#define RS_TABLE_H

#include <math.h>

#include "rs_common.h"

#define RS_NULL NAN
#define rs_is_null(x) isnan(x)

typedef enum rs_kind
{
	RS_KIND_CONTINUOUS = 1,
	RS_KIND_CATEGORICAL = 2
} rs_kind;

typedef struct rs_column
{
	char	   *name;
	rs_kind		kind;
	int			integral;		/* continuous: every value is a whole number */
	double		min;			/* continuous: real range of non-null values */
	double		max;
	int			n_categories;	/* categorical: count of non-null categories */
	char	  **categories;		/* categorical: SQL text of each category */
} rs_column;

typedef struct rs_table
{
	int			n_rows;
	int			n_cols;
	rs_column  *cols;			/* n_cols specs */
	double	   *values;			/* n_rows * n_cols, row-major */
} rs_table;

#define RS_CELL(t, r, c) ((t)->values[(size_t) (r) * (t)->n_cols + (c)])

/* Allocate a table of n_rows x n_cols (values NULL-filled, specs zeroed). */
rs_table   *rs_table_create(int n_rows, int n_cols, rs_error *err);

/* Deep-copy the column specs of src into dst (same n_cols). */
rs_status	rs_table_copy_specs(rs_table *dst, const rs_table *src, rs_error *err);

/* A new table (same specs) holding rows idx[0..n-1] of t, in that order. */
rs_table   *rs_table_take(const rs_table *t, const int *idx, int n, rs_error *err);

/* A new table (a's specs) holding the rows of a then those of b. */
rs_table   *rs_table_concat(const rs_table *a, const rs_table *b, rs_error *err);

/*
 * Smallest and largest non-NULL value of column c (INFINITY and -INFINITY
 * when every value is NULL); returns how many values are non-NULL.
 */
int			rs_table_column_range(const rs_table *t, int c, double *min, double *max);

/* Free a table, its values and its specs' strings. */
void		rs_table_free(rs_table *t);

#endif

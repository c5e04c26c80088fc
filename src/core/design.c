/*
 * design.c
 *	  The classifier's feature matrices (see design.h): the column
 *	  transformer rs_features (standardised continuous columns, missing
 *	  indicators, one-hot categories) and the reference protocol's design
 *	  matrix rs_design (integer categories as numbers, then every feature
 *	  standardised with the training statistics).
 */
#include "design.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *
col_name(const rs_column *col)
{
	return col->name ? col->name : "?";
}

/* ---------------------------------------------------------------- the column transformer */

/* Free a partly fitted f and pass the status on. */
static rs_status
fit_fail(rs_features *f, rs_status st)
{
	rs_features_free(f);
	return st;
}

rs_status
rs_features_fit(rs_features *f, const rs_table *t, const int *cols, int n_cols,
				rs_error *err)
{
	int			nf = 0;

	memset(f, 0, sizeof(*f));
	if (n_cols < 0 || (n_cols > 0 && !cols))
		return rs_fail(err, RS_ERR_INVALID, "invalid feature column list");
	f->cols = rs_alloc_array((size_t) (n_cols ? n_cols : 1), sizeof(rs_feature_col));
	if (!f->cols)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for features");
	f->n_cols = n_cols;

	for (int i = 0; i < n_cols; i++)
	{
		rs_feature_col *fc = &f->cols[i];
		const rs_column *col;

		fc->indicator = -1;
		fc->feature = -1;
		if (cols[i] < 0 || cols[i] >= t->n_cols)
			return fit_fail(f, rs_fail(err, RS_ERR_INVALID,
									   "feature column %d does not exist",
									   cols[i]));
		col = &t->cols[cols[i]];
		fc->src = cols[i];
		fc->kind = col->kind;
		if (col->kind == RS_KIND_CATEGORICAL)
		{
			fc->n_slots = (col->n_categories > 0 ? col->n_categories : 0) + 1;
			fc->slot_feature = rs_alloc_array((size_t) fc->n_slots, sizeof(int));
			if (!fc->slot_feature)
				return fit_fail(f, rs_fail(err, RS_ERR_NOMEM,
										   "out of memory for features"));
		}
		else if (col->kind != RS_KIND_CONTINUOUS)
			return fit_fail(f, rs_fail(err, RS_ERR_INVALID,
									   "column \"%s\" has no kind",
									   col_name(col)));
	}

	/* Continuous columns: mean, sd, NULLs; categorical: values seen. */
	for (int i = 0; i < n_cols; i++)
	{
		rs_feature_col *fc = &f->cols[i];
		const rs_column *col = &t->cols[fc->src];

		if (fc->kind == RS_KIND_CONTINUOUS)
		{
			double		s = 0.0,
						ss = 0.0;
			int			m = 0;

			for (int r = 0; r < t->n_rows; r++)
			{
				double		v = RS_CELL(t, r, fc->src);

				if (rs_is_null(v))
					continue;
				if (isinf(v))
					return fit_fail(f, rs_fail(err, RS_ERR_NUMERIC,
											   "column \"%s\" has an infinite value",
											   col_name(col)));
				s += v;
				m++;
			}
			fc->mean = m ? s / m : 0.0;
			for (int r = 0; r < t->n_rows; r++)
			{
				double		v = RS_CELL(t, r, fc->src);

				if (!rs_is_null(v))
					ss += (v - fc->mean) * (v - fc->mean);
			}
			ss = m ? sqrt(ss / m) : 0.0;
			fc->scale = ss > 0.0 ? ss : 1.0;
			fc->indicator = (m < t->n_rows) ? 1 : -1;	/* numbered below */
			fc->feature = nf++;
		}
		else
		{
			for (int s = 0; s < fc->n_slots; s++)
				fc->slot_feature[s] = -1;
			for (int r = 0; r < t->n_rows; r++)
			{
				double		v = RS_CELL(t, r, fc->src);
				int			slot;

				if (rs_is_null(v))
					slot = fc->n_slots - 1;
				else if (v >= 0 && v < fc->n_slots - 1 && v == floor(v))
					slot = (int) v;
				else
					return fit_fail(f, rs_fail(err, RS_ERR_INVALID,
											   "column \"%s\" has category index %g outside 0..%d",
											   col_name(col), v, fc->n_slots - 2));
				fc->slot_feature[slot] = 0;
			}
		}
	}
	for (int i = 0; i < n_cols; i++)
		if (f->cols[i].kind == RS_KIND_CONTINUOUS && f->cols[i].indicator == 1)
			f->cols[i].indicator = nf++;
	for (int i = 0; i < n_cols; i++)
	{
		rs_feature_col *fc = &f->cols[i];

		if (fc->kind == RS_KIND_CATEGORICAL)
			for (int s = 0; s < fc->n_slots; s++)
				if (fc->slot_feature[s] == 0)
					fc->slot_feature[s] = nf++;
	}
	f->n_features = nf;
	return RS_OK;
}

rs_status
rs_features_transform(const rs_features *f, const rs_table *t, double *X,
					  rs_error *err)
{
	int			nf = f->n_features;

	for (int i = 0; i < f->n_cols; i++)
		if (f->cols[i].src >= t->n_cols || t->cols[f->cols[i].src].kind != f->cols[i].kind)
			return rs_fail(err, RS_ERR_INVALID,
						   "table does not match the fitted feature columns");

	if (nf > 0)
		memset(X, 0, (size_t) t->n_rows * (size_t) nf * sizeof(double));
	for (int r = 0; r < t->n_rows; r++)
	{
		double	   *x = X + (size_t) r * nf;

		if ((r & 4095) == 0)
			rs_check_interrupts();
		for (int i = 0; i < f->n_cols; i++)
		{
			const rs_feature_col *fc = &f->cols[i];
			double		v = RS_CELL(t, r, fc->src);

			if (fc->kind == RS_KIND_CONTINUOUS)
			{
				if (rs_is_null(v))
				{
					x[fc->feature] = 0.0;
					if (fc->indicator >= 0)
						x[fc->indicator] = 1.0;
				}
				else if (isinf(v))
					return rs_fail(err, RS_ERR_NUMERIC,
								   "column \"%s\" has an infinite value",
								   col_name(&t->cols[fc->src]));
				else
					x[fc->feature] = (v - fc->mean) / fc->scale;
			}
			else
			{
				int			slot = -1;

				if (rs_is_null(v))
					slot = fc->n_slots - 1;
				else if (v >= 0 && v < fc->n_slots - 1 && v == floor(v))
					slot = (int) v;
				/* unseen or unknown category: all zeros */
				if (slot >= 0 && fc->slot_feature[slot] >= 0)
					x[fc->slot_feature[slot]] = 1.0;
			}
		}
	}
	return RS_OK;
}

void
rs_features_free(rs_features *f)
{
	if (!f)
		return;
	if (f->cols)
		for (int i = 0; i < f->n_cols; i++)
			rs_free(f->cols[i].slot_feature);
	rs_free(f->cols);
	memset(f, 0, sizeof(*f));
}

/* ---------------------------------------------------------------- the design matrix */

/*
 * category -> number when every category text is a whole number ("7",
 * "-4", "10.00" from numeric(p,s)), else NULL.  No leading blanks or '+'.
 */
static double *
integer_categories(const rs_column *col)
{
	double	   *v;

	if (col->kind != RS_KIND_CATEGORICAL || col->n_categories < 1)
		return NULL;
	v = rs_alloc_array((size_t) col->n_categories, sizeof(double));
	if (!v)
		return NULL;
	for (int k = 0; k < col->n_categories; k++)
	{
		const char *c = col->categories[k];
		char	   *end;
		double		x;

		if (!c || !(*c == '-' || (*c >= '0' && *c <= '9')))
			goto not_numeric;
		x = strtod(c, &end);
		if (*end != '\0' || !isfinite(x) || x != floor(x) || fabs(x) > 1e15)
			goto not_numeric;
		v[k] = x;
	}
	return v;

not_numeric:
	rs_free(v);
	return NULL;
}

/* A copy of t with the numeric-category columns turned continuous. */
static rs_table *
numeric_copy(const rs_design *d, const rs_table *t, rs_error *err)
{
	rs_table   *c = rs_table_create(t->n_rows, t->n_cols, err);

	if (!c)
		return NULL;
	if (rs_table_copy_specs(c, t, err) != RS_OK)
	{
		rs_table_free(c);
		return NULL;
	}
	if (t->n_rows)
		memcpy(c->values, t->values, sizeof(double) * t->n_rows * t->n_cols);
	for (int j = 0; j < t->n_cols; j++)
	{
		if (!d->numeric[j])
			continue;
		c->cols[j].kind = RS_KIND_CONTINUOUS;
		c->cols[j].integral = 1;
		for (int r = 0; r < t->n_rows; r++)
		{
			double		v = RS_CELL(c, r, j);

			if (!rs_is_null(v))
				RS_CELL(c, r, j) = (v >= 0 && v < t->cols[j].n_categories) ?
					d->numeric[j][(int) v] : RS_NULL;
		}
	}
	return c;
}

static rs_status
design_matrix(const rs_design *d, const rs_table *t, double *X, rs_error *err)
{
	rs_table   *c = numeric_copy(d, t, err);
	rs_status	st;

	if (!c)
		return err->code;
	st = rs_features_transform(&d->f, c, X, err);
	rs_table_free(c);
	return st;
}

rs_status
rs_design_fit(rs_design *d, const rs_table *train, rs_error *err)
{
	int		   *cols = NULL;
	double	   *X = NULL;
	rs_table   *c = NULL;
	rs_status	st;
	int			n = train->n_rows;

	memset(d, 0, sizeof(*d));
	d->n_cols = train->n_cols;
	d->numeric = rs_alloc_array((size_t) train->n_cols, sizeof(double *));
	cols = rs_alloc_array((size_t) train->n_cols, sizeof(int));
	if (!d->numeric || !cols)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (int j = 0; j < train->n_cols; j++)
	{
		d->numeric[j] = integer_categories(&train->cols[j]);
		cols[j] = j;
	}
	if (!(c = numeric_copy(d, train, err)))
	{
		st = err->code;
		goto done;
	}
	if ((st = rs_features_fit(&d->f, c, cols, c->n_cols, err)) != RS_OK)
		goto done;
	d->p = d->f.n_features;
	d->mean = rs_alloc_array((size_t) (d->p ? d->p : 1), sizeof(double));
	d->sd = rs_alloc_array((size_t) (d->p ? d->p : 1), sizeof(double));
	X = rs_alloc_array((size_t) (n ? n : 1) * (size_t) (d->p ? d->p : 1), sizeof(double));
	if (!d->mean || !d->sd || !X)
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto done;
	}
	if ((st = rs_features_transform(&d->f, c, X, err)) != RS_OK)
		goto done;
	for (int k = 0; k < d->p; k++)
	{
		double		m = 0,
					v = 0;

		for (int r = 0; r < n; r++)
			m += X[(size_t) r * d->p + k];
		m = n ? m / n : 0;
		for (int r = 0; r < n; r++)
			v += (X[(size_t) r * d->p + k] - m) * (X[(size_t) r * d->p + k] - m);
		v = n ? sqrt(v / n) : 0;
		d->mean[k] = m;
		d->sd[k] = v > 0 ? v : 1.0;
	}
done:
	rs_free(cols);
	rs_free(X);
	rs_table_free(c);
	if (st != RS_OK)
		rs_design_free(d);
	return st;
}

rs_status
rs_design_transform(const rs_design *d, const rs_table *t, double *X, rs_error *err)
{
	rs_status	st = design_matrix(d, t, X, err);

	if (st != RS_OK)
		return st;
	for (int r = 0; r < t->n_rows; r++)
	{
		double	   *x = X + (size_t) r * d->p;

		for (int k = 0; k < d->p; k++)
			x[k] = (x[k] - d->mean[k]) / d->sd[k];
	}
	return RS_OK;
}

void
rs_design_free(rs_design *d)
{
	rs_features_free(&d->f);
	if (d->numeric)
		for (int j = 0; j < d->n_cols; j++)
			rs_free(d->numeric[j]);
	rs_free(d->numeric);
	rs_free(d->mean);
	rs_free(d->sd);
	memset(d, 0, sizeof(*d));
}

rs_status
rs_design_encode(rs_design *d, const rs_table *train, const rs_table *test,
				 double **Xtr, double **Xte, rs_error *err)
{
	rs_status	st;

	*Xtr = *Xte = NULL;
	if ((st = rs_design_fit(d, train, err)) != RS_OK)
		return st;
	*Xtr = rs_alloc_array((size_t) (train->n_rows ? train->n_rows : 1) * (size_t) (d->p ? d->p : 1),
						  sizeof(double));
	*Xte = rs_alloc_array((size_t) (test->n_rows ? test->n_rows : 1) * (size_t) (d->p ? d->p : 1),
						  sizeof(double));
	if (!*Xtr || !*Xte)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory");
	if ((st = rs_design_transform(d, train, *Xtr, err)) != RS_OK)
		return st;
	return rs_design_transform(d, test, *Xte, err);
}

void
rs_design_missing(const rs_design *d, int *miss, double *cut)
{
	for (int k = 0; k < d->p; k++)
	{
		miss[k] = -1;
		cut[k] = 0.0;
	}
	for (int i = 0; i < d->f.n_cols; i++)
	{
		const rs_feature_col *fc = &d->f.cols[i];

		if (fc->kind != RS_KIND_CONTINUOUS || fc->indicator < 0)
			continue;
		miss[fc->feature] = fc->indicator;
		cut[fc->feature] = (0.5 - d->mean[fc->indicator]) / d->sd[fc->indicator];
	}
}

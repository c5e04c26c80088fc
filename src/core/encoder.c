/*
 * encoder.c
 *	  Mode-specific normalization of continuous columns, one-hot encoding of
 *	  categorical columns and the exact inverse (see encoder.h); the
 *	  encoder's byte format is encoder_io.c's, the state both share
 *	  encoder_int.h.
 *
 * The mixture of a continuous column (mixture.c, fitted the way CTGAN
 * fits it) runs on at most RS_GMM_SAMPLE values, a reservoir sample drawn
 * from the caller's rng, so a seed fixes the result.
 *
 * Encoded row layout, per column in table order:
 *	  continuous	[alpha] (tanh, width 1) then [beta_1..beta_m(, beta_null)]
 *					(softmax, width m + has_null)
 *	  categorical	[onehot_1..onehot_c(, null)] (softmax, width c + has_null,
 *					is_condition = 1)
 */
#include "encoder_int.h"
#include "mixture.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RS_GMM_SAMPLE		10000	/* values the mixture is fitted on */
#define RS_ALPHA_CLIP		0.99



/* ---------------------------------------------------------------- helpers */

rs_encoder *
rs_enc_alloc(int n_cols)
{
	rs_encoder *enc = rs_alloc(sizeof(rs_encoder));

	if (!enc)
		return NULL;
	enc->n_cols = n_cols;
	enc->cols = rs_alloc_array((size_t) n_cols, sizeof(rs_enc_col));
	if (!enc->cols)
	{
		rs_free(enc);
		return NULL;
	}
	return enc;
}

void
rs_encoder_free(rs_encoder *enc)
{
	if (!enc)
		return;
	if (enc->cols)
		for (int c = 0; c < enc->n_cols; c++)
			rs_free(enc->cols[c].seen);
	rs_free(enc->cols);
	rs_free(enc->spans);
	rs_free(enc->cond_offset);
	rs_free(enc);
}

static int
col_softmax_width(const rs_enc_col *col)
{
	if (col->kind == RS_KIND_CONTINUOUS)
		return col->n_modes + col->has_null;
	return col->n_categories + col->has_null;
}

/*
 * Lay out the spans from the columns (kinds, mode and category counts,
 * NULL slots).  Fails if a block would be empty or the row too wide.
 */
rs_status
rs_enc_build_spans(rs_encoder *enc, rs_status bad_code, rs_error *err)
{
	int64_t		dim = 0;
	int			n_spans = 0;
	int			s = 0;
	int			cond = 0;

	for (int c = 0; c < enc->n_cols; c++)
	{
		rs_enc_col *col = &enc->cols[c];
		int64_t		w = col_softmax_width(col);

		if (w < 1)
			return rs_fail(err, bad_code, "column %d would have an empty one-hot block", c + 1);
		dim += w + (col->kind == RS_KIND_CONTINUOUS ? 1 : 0);
		if (dim > RS_ENCODER_MAX_DIM)
			return rs_fail(err, bad_code, "encoded row would exceed %d floats",
						   RS_ENCODER_MAX_DIM);
		n_spans += col->kind == RS_KIND_CONTINUOUS ? 2 : 1;
	}
	enc->dim = (int) dim;
	enc->n_spans = n_spans;
	enc->spans = rs_alloc_array((size_t) n_spans, sizeof(rs_span));
	enc->cond_offset = rs_alloc_array((size_t) n_spans, sizeof(int));
	if (!enc->spans || !enc->cond_offset)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the encoder");

	dim = 0;
	for (int c = 0; c < enc->n_cols; c++)
	{
		rs_enc_col *col = &enc->cols[c];

		col->start = (int) dim;
		col->span = s;
		if (col->kind == RS_KIND_CONTINUOUS)
		{
			enc->spans[s].start = (int) dim;
			enc->spans[s].width = 1;
			enc->spans[s].act = RS_ACT_TANH;
			enc->spans[s].column = c;
			enc->spans[s].is_condition = 0;
			enc->cond_offset[s++] = -1;
			dim += 1;
		}
		enc->spans[s].start = (int) dim;
		enc->spans[s].width = col_softmax_width(col);
		enc->spans[s].act = RS_ACT_SOFTMAX;
		enc->spans[s].column = c;
		enc->spans[s].is_condition = col->kind == RS_KIND_CATEGORICAL;
		if (col->kind == RS_KIND_CATEGORICAL)
		{
			enc->cond_offset[s] = cond;
			cond += enc->spans[s].width;
		}
		else
			enc->cond_offset[s] = -1;
		dim += enc->spans[s].width;
		s++;
	}
	enc->cond_dim = cond;
	return RS_OK;
}

/* Precompute what the posterior of a value needs. */
void
rs_enc_col_prepare(rs_enc_col *col)
{
	for (int k = 0; k < col->n_modes; k++)
		col->log_coef[k] = log(col->weight[k]) - log(col->sigma[k]);
}

/* ---------------------------------------------------------------- fit */

static const char *
col_name(const rs_table *t, int c)
{
	return t->cols[c].name ? t->cols[c].name : "?";
}

/* Checks rs_encoder_fit's arguments. */
static rs_status
fit_check_args(const rs_table *t, int max_modes, rs_rng *rng, rs_error *err)
{
	if (!t || !rng || t->n_cols < 1 || !t->cols || (t->n_rows > 0 && !t->values))
		return rs_fail(err, RS_ERR_INVALID, "invalid table for the encoder");
	if (t->n_rows < 1)
		return rs_fail(err, RS_ERR_INVALID, "cannot fit an encoder on a table without rows");
	if (max_modes < 1 || max_modes > RS_MAX_MODES)
		return rs_fail(err, RS_ERR_INVALID, "max_modes must be between 1 and %d, not %d",
					   RS_MAX_MODES, max_modes);
	return RS_OK;
}

/*
 * Cell (r, c) of t for fitting col: notes in col that the column holds
 * NULL if it is one; checks for interrupts every 65536 rows.
 */
static double
fit_cell(const rs_table *t, int r, int c, rs_enc_col *col)
{
	double		v = RS_CELL(t, r, c);

	if ((r & 65535) == 65535)
		rs_check_interrupts();
	if (rs_is_null(v))
		col->has_null = 1;
	return v;
}

/*
 * Fits categorical column c of t into col: the category count and which
 * categories (and whether NULL) occur.
 */
static rs_status
fit_categorical(const rs_table *t, int c, rs_enc_col *col, rs_error *err)
{
	const rs_column *spec = &t->cols[c];

	if (spec->n_categories < 0 || spec->n_categories > RS_ENCODER_MAX_DIM)
		return rs_fail(err, RS_ERR_INVALID, "column \"%s\" has an invalid category count %d",
					   col_name(t, c), spec->n_categories);
	col->integral = 0;
	col->lo = col->hi = NAN;
	col->n_categories = spec->n_categories;
	col->seen = rs_alloc(spec->n_categories ? (size_t) spec->n_categories : 1);
	if (!col->seen)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the encoder");
	for (int r = 0; r < t->n_rows; r++)
	{
		double		v = fit_cell(t, r, c, col);

		if (rs_is_null(v))
			continue;
		if (!(v >= 0.0 && v < spec->n_categories && v == floor(v)))
			return rs_fail(err, RS_ERR_INVALID,
						   "column \"%s\" holds %g, which is not a category index below %d",
						   col_name(t, c), v, spec->n_categories);
		col->seen[(int) v] = 1;
	}
	return RS_OK;
}

/*
 * Fits continuous column c of t into col: its range, whether it holds NULL,
 * and a mixture of at most max_modes modes fitted to a reservoir sample of
 * at most RS_GMM_SAMPLE values (sample is that buffer).
 */
static rs_status
fit_continuous(const rs_table *t, int c, rs_enc_col *col, double *sample,
			   int max_modes, rs_rng *rng, rs_error *err)
{
	int64_t		seen = 0;
	int			n_sample = 0;

	col->lo = INFINITY;
	col->hi = -INFINITY;
	for (int r = 0; r < t->n_rows; r++)
	{
		double		v = fit_cell(t, r, c, col);

		if (rs_is_null(v))
			continue;
		if (!isfinite(v))
			return rs_fail(err, RS_ERR_NUMERIC, "column \"%s\" holds an infinite value",
						   col_name(t, c));
		if (v < col->lo)
			col->lo = v;
		if (v > col->hi)
			col->hi = v;
		/* reservoir sample (algorithm R) */
		if (seen < RS_GMM_SAMPLE)
			sample[n_sample++] = v;
		else
		{
			uint64_t	j = rs_rng_below(rng, (uint64_t) seen + 1);

			if (j < RS_GMM_SAMPLE)
				sample[j] = v;
		}
		seen++;
	}
	/* the spec's range (rules.h: the protected one) is what decoding emits */
	if (seen > 0 && isfinite(t->cols[c].min) && isfinite(t->cols[c].max) &&
		t->cols[c].min <= t->cols[c].max)
	{
		col->lo = t->cols[c].min;
		col->hi = t->cols[c].max;
	}
	if (seen == 0)
	{
		/* only NULLs: the column always decodes to NULL */
		col->lo = col->hi = NAN;
		col->n_modes = 1;
		col->mu[0] = 0.0;
		col->sigma[0] = 1.0;
		col->weight[0] = 1.0;
	}
	else
	{
		rs_mixture	mix;
		rs_status	st;

		st = rs_mixture_fit(sample, n_sample, max_modes, col->integral, rng,
							&mix, col_name(t, c), err);
		if (st != RS_OK)
			return st;
		col->n_modes = mix.n_modes;
		memcpy(col->mu, mix.mu, sizeof(mix.mu));
		memcpy(col->sigma, mix.sigma, sizeof(mix.sigma));
		memcpy(col->weight, mix.weight, sizeof(mix.weight));
	}
	rs_enc_col_prepare(col);
	return RS_OK;
}

rs_encoder *
rs_encoder_fit(const rs_table *t, int max_modes, rs_rng *rng, rs_error *err)
{
	rs_encoder *enc;
	double	   *sample = NULL;

	if (fit_check_args(t, max_modes, rng, err) != RS_OK)
		return NULL;
	enc = rs_enc_alloc(t->n_cols);
	sample = rs_alloc_array(RS_GMM_SAMPLE, sizeof(double));
	if (!enc || !sample)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory for the encoder");
		goto fail;
	}

	for (int c = 0; c < t->n_cols; c++)
	{
		const rs_column *spec = &t->cols[c];
		rs_enc_col *col = &enc->cols[c];
		rs_status	st;

		rs_check_interrupts();
		col->kind = spec->kind;
		col->integral = spec->integral ? 1 : 0;
		if (spec->kind == RS_KIND_CATEGORICAL)
			st = fit_categorical(t, c, col, err);
		else if (spec->kind == RS_KIND_CONTINUOUS)
			st = fit_continuous(t, c, col, sample, max_modes, rng, err);
		else
			st = rs_fail(err, RS_ERR_INVALID, "column \"%s\" has an unknown kind %d",
						 col_name(t, c), (int) spec->kind);
		if (st != RS_OK)
			goto fail;
	}
	if (rs_enc_build_spans(enc, RS_ERR_INVALID, err) != RS_OK)
		goto fail;
	rs_free(sample);
	return enc;

fail:
	rs_free(sample);
	rs_encoder_free(enc);
	return NULL;
}

rs_encoder *
rs_encoder_fit_public(const rs_table *t, rs_error *err)
{
	rs_encoder *enc;

	if (!t || t->n_cols < 1 || !t->cols)
	{
		rs_fail(err, RS_ERR_INVALID, "invalid table for the encoder");
		return NULL;
	}
	if (!(enc = rs_enc_alloc(t->n_cols)))
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory for the encoder");
		return NULL;
	}
	for (int c = 0; c < t->n_cols; c++)
	{
		const rs_column *spec = &t->cols[c];
		rs_enc_col *col = &enc->cols[c];

		col->kind = spec->kind;
		col->has_null = 1;
		if (spec->kind == RS_KIND_CATEGORICAL)
		{
			if (spec->n_categories < 1 || spec->n_categories > RS_ENCODER_MAX_DIM)
			{
				rs_fail(err, RS_ERR_INVALID, "column \"%s\" needs between 1 and %d categories, got %d",
						col_name(t, c), RS_ENCODER_MAX_DIM, spec->n_categories);
				goto fail;
			}
			col->lo = col->hi = NAN;
			col->n_categories = spec->n_categories;
			if (!(col->seen = rs_alloc((size_t) spec->n_categories)))
			{
				rs_fail(err, RS_ERR_NOMEM, "out of memory for the encoder");
				goto fail;
			}
			memset(col->seen, 1, (size_t) spec->n_categories);
		}
		else if (spec->kind == RS_KIND_CONTINUOUS)
		{
			if (!isfinite(spec->min) || !isfinite(spec->max) || !(spec->min < spec->max))
			{
				rs_fail(err, RS_ERR_INVALID, "column \"%s\" needs bounds min < max", col_name(t, c));
				goto fail;
			}
			col->integral = spec->integral ? 1 : 0;
			col->lo = spec->min;
			col->hi = spec->max;
			col->n_modes = 1;
			col->mu[0] = 0.5 * spec->min + 0.5 * spec->max;
			col->sigma[0] = (spec->max - spec->min) / 8;
			col->weight[0] = 1.0;
			rs_enc_col_prepare(col);
		}
		else
		{
			rs_fail(err, RS_ERR_INVALID, "column \"%s\" has an unknown kind %d",
					col_name(t, c), (int) spec->kind);
			goto fail;
		}
	}
	if (rs_enc_build_spans(enc, RS_ERR_INVALID, err) == RS_OK)
		return enc;
fail:
	rs_encoder_free(enc);
	return NULL;
}

/* ---------------------------------------------------------------- accessors */

int
rs_encoder_dim(const rs_encoder *enc)
{
	return enc->dim;
}

int
rs_encoder_n_spans(const rs_encoder *enc)
{
	return enc->n_spans;
}

const rs_span *
rs_encoder_spans(const rs_encoder *enc)
{
	return enc->spans;
}

int
rs_encoder_column_modes(const rs_encoder *enc, int column, double *mu,
						double *sigma, double *weight)
{
	const rs_enc_col *col;

	if (column < 0 || column >= enc->n_cols)
		return 0;
	col = &enc->cols[column];
	if (col->kind != RS_KIND_CONTINUOUS)
		return 0;
	for (int k = 0; k < col->n_modes; k++)
	{
		if (mu)
			mu[k] = col->mu[k];
		if (sigma)
			sigma[k] = col->sigma[k];
		if (weight)
			weight[k] = col->weight[k];
	}
	return col->n_modes;
}

int
rs_encoder_column_range(const rs_encoder *enc, int column, double *lo, double *hi)
{
	if (column < 0 || column >= enc->n_cols || enc->cols[column].kind != RS_KIND_CONTINUOUS)
		return 0;
	*lo = enc->cols[column].lo;
	*hi = enc->cols[column].hi;
	return 1;
}

int
rs_encoder_column_has_null(const rs_encoder *enc, int column)
{
	if (column < 0 || column >= enc->n_cols)
		return 0;
	return enc->cols[column].has_null;
}

int
rs_encoder_category_seen(const rs_encoder *enc, int column, int k)
{
	const rs_enc_col *col;

	if (column < 0 || column >= enc->n_cols)
		return 0;
	col = &enc->cols[column];
	if (col->kind != RS_KIND_CATEGORICAL || k < 0 || k > col->n_categories)
		return 0;
	return k == col->n_categories ? col->has_null : col->seen[k] != 0;
}

int
rs_encoder_column_span(const rs_encoder *enc, int column)
{
	if (column < 0 || column >= enc->n_cols)
		return -1;
	return enc->cols[column].span;
}

int
rs_encoder_cond_dim(const rs_encoder *enc)
{
	return enc->cond_dim;
}

int
rs_encoder_cond_offset(const rs_encoder *enc, int span)
{
	if (span < 0 || span >= enc->n_spans)
		return -1;
	return enc->cond_offset[span];
}

/* ---------------------------------------------------------------- transform */

/* The table's specs must match what the encoder was fitted on. */
static rs_status
check_specs(const rs_encoder *enc, const rs_table *t, rs_status code, rs_error *err)
{
	if (t->n_cols != enc->n_cols || !t->cols)
		return rs_fail(err, code, "table has %d columns, the encoder %d",
					   t->n_cols, enc->n_cols);
	for (int c = 0; c < enc->n_cols; c++)
	{
		const rs_column *spec = &t->cols[c];
		const rs_enc_col *col = &enc->cols[c];

		if (spec->kind != col->kind)
			return rs_fail(err, code, "column \"%s\" is not of the kind the encoder was fitted on",
						   col_name(t, c));
		if (col->kind == RS_KIND_CATEGORICAL && spec->n_categories != col->n_categories)
			return rs_fail(err, code, "column \"%s\" has %d categories, the encoder %d",
						   col_name(t, c), spec->n_categories, col->n_categories);
		if (col->kind == RS_KIND_CONTINUOUS && (spec->integral ? 1 : 0) != col->integral)
			return rs_fail(err, code, "column \"%s\" differs in integrality from the encoder",
						   col_name(t, c));
	}
	return RS_OK;
}

/*
 * Pick the mode of a continuous value by sampling its posterior
 * responsibilities (as CTGAN does).
 */
static int
sample_mode(const rs_enc_col *col, double x, rs_rng *rng)
{
	double		lp[RS_MAX_MODES];
	double		mx = -INFINITY,
				sum = 0.0,
				u;

	if (col->n_modes == 1)
		return 0;
	for (int k = 0; k < col->n_modes; k++)
	{
		double		d = (x - col->mu[k]) / col->sigma[k];

		if (!(fabs(d) < 1e150))
			d = 1e150;
		lp[k] = col->log_coef[k] - 0.5 * d * d;
		if (lp[k] > mx)
			mx = lp[k];
	}
	for (int k = 0; k < col->n_modes; k++)
	{
		lp[k] = exp(lp[k] - mx);
		sum += lp[k];
	}
	u = rs_rng_uniform(rng) * sum;
	for (int k = 0; k < col->n_modes; k++)
	{
		u -= lp[k];
		if (u < 0.0)
			return k;
	}
	/* rounding left u >= 0: the last mode with any mass */
	for (int k = col->n_modes - 1; k > 0; k--)
		if (lp[k] > 0.0)
			return k;
	return 0;
}

/* out[n_rows x dim] <- encoding of t[n_rows x n_cols] */
rs_status
rs_encoder_transform(const rs_encoder *enc, const rs_table *t, float *out,
					 rs_rng *rng, rs_error *err)
{
	rs_status	st;
	int			dim = enc->dim;

	if (!t || !out || !rng || (t->n_rows > 0 && !t->values) || t->n_rows < 0)
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to the encoder");
	if ((st = check_specs(enc, t, RS_ERR_INVALID, err)) != RS_OK)
		return st;

	for (int r = 0; r < t->n_rows; r++)
	{
		float	   *row = out + (size_t) r * dim;

		if ((r & 4095) == 0)
			rs_check_interrupts();
		memset(row, 0, sizeof(float) * (size_t) dim);
		for (int c = 0; c < enc->n_cols; c++)
		{
			const rs_enc_col *col = &enc->cols[c];
			double		v = RS_CELL(t, r, c);

			if (col->kind == RS_KIND_CATEGORICAL)
			{
				if (rs_is_null(v))
				{
					if (!col->has_null)
						goto unexpected_null;
					row[col->start + col->n_categories] = 1.0f;
				}
				else if (v >= 0.0 && v < col->n_categories && v == floor(v))
					row[col->start + (int) v] = 1.0f;
				else
					return rs_fail(err, RS_ERR_INVALID,
								   "column \"%s\" holds %g, which is not a category index below %d",
								   col_name(t, c), v, col->n_categories);
			}
			else
			{
				int			k;
				double		alpha;

				if (rs_is_null(v))
				{
					if (!col->has_null)
						goto unexpected_null;
					row[col->start + 1 + col->n_modes] = 1.0f;	/* alpha stays 0 */
					continue;
				}
				if (!isfinite(v))
					return rs_fail(err, RS_ERR_NUMERIC, "column \"%s\" holds an infinite value",
								   col_name(t, c));
				if (isnan(col->lo))
					return rs_fail(err, RS_ERR_INVALID,
								   "column \"%s\" holds a value but was only NULL when fitted",
								   col_name(t, c));
				k = sample_mode(col, v, rng);
				alpha = (v - col->mu[k]) / (4.0 * col->sigma[k]);
				if (alpha > RS_ALPHA_CLIP)
					alpha = RS_ALPHA_CLIP;
				else if (alpha < -RS_ALPHA_CLIP)
					alpha = -RS_ALPHA_CLIP;
				row[col->start] = (float) alpha;
				row[col->start + 1 + k] = 1.0f;
			}
			continue;

	unexpected_null:
			return rs_fail(err, RS_ERR_INVALID,
						   "column \"%s\" holds NULL but had none when the encoder was fitted",
						   col_name(t, c));
		}
	}
	return RS_OK;
}

/* ---------------------------------------------------------------- inverse */

/*
 * Index of the largest of v[0..n) (first on ties) among the slots allowed
 * by seen (NULL: all; seen has n_seen flags, slots past it are allowed);
 * -1 if a value is NaN.
 */
static int
argmax_span(const float *v, int n, const uint8_t *seen, int n_seen)
{
	int			best = -1;
	float		bv = 0.0f;

	for (int i = 0; i < n; i++)
	{
		if (isnan(v[i]))
			return -1;
		if (seen && i < n_seen && !seen[i])
			continue;
		if (best < 0 || v[i] > bv)
		{
			best = i;
			bv = v[i];
		}
	}
	return best;
}

/* rows [row0, row0+n) of t <- decoding of in[n x dim] */
rs_status
rs_encoder_inverse(const rs_encoder *enc, const float *in, int n, rs_table *t,
				   int row0, rs_error *err)
{
	return rs_encoder_inverse_within(enc, in, n, t, row0, NULL, err);
}

/*
 * A continuous value x of mode k moved into the range [a, b] (see
 * rs_encoder_inverse_within): an integral column's [a, b] holds whole
 * numbers and stands for the values that round into it.
 */
static double
within_range(const rs_enc_col *col, int k, double x, double a, double b)
{
	if (!col->integral)
		return rs_mode_range_map(col->mu[k], col->sigma[k], x, a, b);
	x = round(rs_mode_range_map(col->mu[k], col->sigma[k], x, a - 0.5, b + 0.5));
	return x < a ? a : x > b ? b : x;
}

rs_status
rs_encoder_inverse_within(const rs_encoder *enc, const float *in, int n, rs_table *t,
						  int row0, const double *within, rs_error *err)
{
	rs_status	st;
	int			dim = enc->dim;

	if (!t || (n > 0 && !in) || n < 0 || row0 < 0 || row0 > t->n_rows
		|| n > t->n_rows - row0 || (n > 0 && !t->values))
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to the decoder");
	if ((st = check_specs(enc, t, RS_ERR_INVALID, err)) != RS_OK)
		return st;

	for (int i = 0; i < n; i++)
	{
		const float *row = in + (size_t) i * dim;
		int			r = row0 + i;

		if ((i & 4095) == 0)
			rs_check_interrupts();
		for (int c = 0; c < enc->n_cols; c++)
		{
			const rs_enc_col *col = &enc->cols[c];
			int			k;

			if (col->kind == RS_KIND_CATEGORICAL)
			{
				k = argmax_span(row + col->start, col->n_categories + col->has_null,
								col->seen, col->n_categories);
				if (k < 0)
					goto not_finite;
				RS_CELL(t, r, c) = k < col->n_categories ? (double) k : RS_NULL;
			}
			else
			{
				double		alpha = row[col->start];
				double		x;

				k = argmax_span(row + col->start + 1, col->n_modes + col->has_null,
								NULL, 0);
				if (k < 0 || isnan(alpha))
					goto not_finite;
				if (k == col->n_modes || isnan(col->lo))
				{
					RS_CELL(t, r, c) = RS_NULL;
					continue;
				}
				if (alpha > 1.0)
					alpha = 1.0;
				else if (alpha < -1.0)
					alpha = -1.0;
				x = alpha * 4.0 * col->sigma[k] + col->mu[k];
				if (within && !isnan(within[2 * c]))
					x = within_range(col, k, x, within[2 * c], within[2 * c + 1]);
				else if (col->integral)
					x = round(x);
				if (x < col->lo)
					x = col->integral ? ceil(col->lo) : col->lo;
				if (x > col->hi)
					x = col->integral ? floor(col->hi) : col->hi;
				RS_CELL(t, r, c) = x;
			}
		}
		continue;

not_finite:
		return rs_fail(err, RS_ERR_NUMERIC, "encoded row %d holds NaN", i);
	}
	return RS_OK;
}

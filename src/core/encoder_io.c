/*
 * encoder_io.c
 *	  The encoder's section of the model state: rs_encoder_save writes it,
 *	  rs_encoder_load reads it back from bytes a hostile role may have
 *	  written, checking every field against the specs before use.
 */
#include "encoder_int.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- bytes */

/*
 * Section layout (little-endian):
 *	 u32 format (1), u32 n_cols, u32 dim, u32 n_spans
 *	 per column: u32 kind, u32 integral, u32 has_null, then
 *	   continuous:	f64 lo, f64 hi, u32 n_modes, n_modes x (f64 mu, f64 sigma,
 *					f64 weight)
 *	   categorical: u32 n_categories, n_categories bytes (seen flags 0/1)
 * dim and n_spans are redundant: load recomputes and compares them.
 */
rs_status
rs_encoder_save(const rs_encoder *enc, rs_wbuf *b)
{
	rs_wbuf_u32(b, RS_ENCODER_FORMAT);
	rs_wbuf_u32(b, (uint32_t) enc->n_cols);
	rs_wbuf_u32(b, (uint32_t) enc->dim);
	rs_wbuf_u32(b, (uint32_t) enc->n_spans);
	for (int c = 0; c < enc->n_cols; c++)
	{
		const rs_enc_col *col = &enc->cols[c];

		rs_wbuf_u32(b, (uint32_t) col->kind);
		rs_wbuf_u32(b, (uint32_t) col->integral);
		rs_wbuf_u32(b, (uint32_t) col->has_null);
		if (col->kind == RS_KIND_CONTINUOUS)
		{
			rs_wbuf_f64(b, col->lo);
			rs_wbuf_f64(b, col->hi);
			rs_wbuf_u32(b, (uint32_t) col->n_modes);
			for (int k = 0; k < col->n_modes; k++)
			{
				rs_wbuf_f64(b, col->mu[k]);
				rs_wbuf_f64(b, col->sigma[k]);
				rs_wbuf_f64(b, col->weight[k]);
			}
		}
		else
		{
			rs_wbuf_u32(b, (uint32_t) col->n_categories);
			if (col->n_categories > 0)
				rs_wbuf_bytes(b, col->seen, (size_t) col->n_categories);
		}
	}
	return b->failed ? RS_ERR_NOMEM : RS_OK;
}

#define ENC_COL_MIN_BYTES 16	/* kind, integral, has_null, one count */

/*
 * The error for a section that ended early: the reader's own failure if it
 * has one, else "truncated or corrupt".
 */
static rs_status
load_truncated(const rs_rbuf *b, const char *what, rs_error *err)
{
	rs_status	st = rs_rbuf_finish(b, 0, what, err);

	if (st == RS_OK)
		st = rs_fail(err, RS_ERR_CORRUPT, "%s is truncated or corrupt", what);
	return st;
}

/*
 * Reads and checks the section header; *n_cols, *dim and *n_spans get its
 * counts.
 */
static rs_status
load_header(rs_rbuf *b, const rs_table *specs, const char *what, uint32_t *n_cols,
			uint32_t *dim, uint32_t *n_spans, rs_error *err)
{
	uint32_t	format;
	rs_status	st;

	format = rs_rbuf_u32(b);
	*n_cols = rs_rbuf_u32(b);
	*dim = rs_rbuf_u32(b);
	*n_spans = rs_rbuf_u32(b);
	if ((st = rs_rbuf_finish(b, 0, what, err)) != RS_OK)
		return st;
	if (format != RS_ENCODER_FORMAT)
		return rs_fail(err, format > RS_ENCODER_FORMAT ? RS_ERR_VERSION : RS_ERR_CORRUPT,
					   "%s has unknown format %u", what, format);
	if (*n_cols < 1 || *n_cols > (b->len - b->pos) / ENC_COL_MIN_BYTES)
		return rs_fail(err, RS_ERR_CORRUPT, "%s has an invalid column count %u", what, *n_cols);
	if (specs && (uint32_t) specs->n_cols != *n_cols)
		return rs_fail(err, RS_ERR_CORRUPT, "%s has %u columns, the column specs %d",
					   what, *n_cols, specs->n_cols);
	return RS_OK;
}

/*
 * Reads the rest of continuous column c (lo, hi, the modes) into col, whose
 * flags are already set.
 */
static rs_status
load_continuous(rs_rbuf *b, int c, rs_enc_col *col, const char *what, rs_error *err)
{
	uint32_t	n_modes;
	double		wsum = 0.0;

	col->lo = rs_rbuf_f64(b);
	col->hi = rs_rbuf_f64(b);
	n_modes = rs_rbuf_u32(b);
	if (b->failed)
		return load_truncated(b, what, err);
	if (n_modes < 1 || n_modes > RS_MAX_MODES)
		return rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has %u modes", what, c + 1, n_modes);
	if (!((isfinite(col->lo) && isfinite(col->hi) && col->lo <= col->hi)
		  || (isnan(col->lo) && isnan(col->hi) && col->has_null)))
		return rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has an invalid range", what, c + 1);
	col->n_modes = (int) n_modes;
	for (int k = 0; k < col->n_modes; k++)
	{
		col->mu[k] = rs_rbuf_f64(b);
		col->sigma[k] = rs_rbuf_f64(b);
		col->weight[k] = rs_rbuf_f64(b);
		if (b->failed)
			return load_truncated(b, what, err);
		if (!isfinite(col->mu[k]) || !isfinite(col->sigma[k])
			|| !(col->sigma[k] > 0.0) || !(col->weight[k] > 0.0)
			|| !(col->weight[k] <= 1.0))
			return rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has an invalid mode", what, c + 1);
		wsum += col->weight[k];
	}
	if (!(fabs(wsum - 1.0) < 1e-6))
		return rs_fail(err, RS_ERR_CORRUPT, "%s: mode weights of column %d do not sum to 1",
					   what, c + 1);
	rs_enc_col_prepare(col);
	return RS_OK;
}

/*
 * Reads the rest of categorical column c (the category count, the seen
 * flags) into col, whose flags are already set.
 */
static rs_status
load_categorical(rs_rbuf *b, int c, rs_enc_col *col, const char *what, rs_error *err)
{
	uint32_t	n_cat = rs_rbuf_u32(b);
	int			any = 0;

	if (b->failed)
		return load_truncated(b, what, err);
	if (n_cat > RS_ENCODER_MAX_DIM || n_cat > b->len - b->pos)
	{
		if (n_cat <= RS_ENCODER_MAX_DIM)
			return load_truncated(b, what, err);
		return rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has %u categories", what, c + 1, n_cat);
	}
	col->lo = col->hi = NAN;
	col->n_categories = (int) n_cat;
	col->seen = rs_alloc(n_cat ? n_cat : 1);
	if (!col->seen)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the encoder");
	if (n_cat > 0 && !rs_rbuf_bytes(b, col->seen, n_cat))
		return load_truncated(b, what, err);
	for (uint32_t k = 0; k < n_cat; k++)
	{
		if (col->seen[k] > 1)
			return rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has invalid category flags",
						   what, c + 1);
		any |= col->seen[k];
	}
	if (!any && !col->has_null)
		return rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has no category", what, c + 1);
	return RS_OK;
}

/* Reads column c into col and checks it against specs (if not NULL). */
static rs_status
load_column(rs_rbuf *b, const rs_table *specs, int c, rs_enc_col *col,
			const char *what, rs_error *err)
{
	uint32_t	kind = rs_rbuf_u32(b);
	uint32_t	integral = rs_rbuf_u32(b);
	uint32_t	has_null = rs_rbuf_u32(b);
	rs_status	st;

	if (b->failed)
		return load_truncated(b, what, err);
	if ((kind != RS_KIND_CONTINUOUS && kind != RS_KIND_CATEGORICAL)
		|| integral > 1 || has_null > 1
		|| (kind == RS_KIND_CATEGORICAL && integral))
		return rs_fail(err, RS_ERR_CORRUPT, "%s: column %d has invalid flags", what, c + 1);
	col->kind = (rs_kind) kind;
	col->integral = (int) integral;
	col->has_null = (int) has_null;
	if (col->kind == RS_KIND_CONTINUOUS)
		st = load_continuous(b, c, col, what, err);
	else
		st = load_categorical(b, c, col, what, err);
	if (st != RS_OK)
		return st;
	if (specs)
	{
		const rs_column *spec = &specs->cols[c];

		if (spec->kind != col->kind
			|| (col->kind == RS_KIND_CONTINUOUS && (spec->integral ? 1 : 0) != col->integral)
			|| (col->kind == RS_KIND_CATEGORICAL && spec->n_categories != col->n_categories))
			return rs_fail(err, RS_ERR_CORRUPT, "%s does not match the column specs at column %d",
						   what, c + 1);
	}
	return RS_OK;
}

rs_encoder *
rs_encoder_load(rs_rbuf *b, const rs_table *specs, rs_error *err)
{
	rs_encoder *enc;
	uint32_t	n_cols,
				dim,
				n_spans;
	const char *what = "encoder section";

	if (load_header(b, specs, what, &n_cols, &dim, &n_spans, err) != RS_OK)
		return NULL;
	enc = rs_enc_alloc((int) n_cols);
	if (!enc)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory for the encoder");
		return NULL;
	}
	for (int c = 0; c < (int) n_cols; c++)
		if (load_column(b, specs, c, &enc->cols[c], what, err) != RS_OK)
			goto fail;
	if (rs_enc_build_spans(enc, RS_ERR_CORRUPT, err) != RS_OK)
		goto fail;
	if ((uint32_t) enc->dim != dim || (uint32_t) enc->n_spans != n_spans)
	{
		rs_fail(err, RS_ERR_CORRUPT, "%s has an inconsistent layout", what);
		goto fail;
	}
	return enc;

fail:
	rs_encoder_free(enc);
	return NULL;
}

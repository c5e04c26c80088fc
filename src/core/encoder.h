/*
 * encoder.h
 *	  Encoding of an rs_table into the float matrix the GAN learns, and the
 *	  exact inverse.
 *
 * Continuous column: mode-specific normalization (CTGAN): a Gaussian mixture
 * fitted per column (up to RS_MAX_MODES, unused modes dropped); a value is
 * encoded as [alpha, beta_1..beta_m(, beta_null)] where alpha = (x - mu_k) /
 * (4 sigma_k) clipped to [-0.99, 0.99] for the chosen mode k (a tanh span of
 * width 1) and beta is the one-hot of k (a softmax span); a column with NULLs
 * in training gets one more softmax slot meaning NULL (alpha 0 then).
 * Categorical column: one-hot over its categories, plus one NULL slot if
 * NULLs were seen.  Decoding rounds integral columns, clamps continuous
 * values to the spec's [min, max] when fitted on specs with a range (the
 * protected range of rules.h; else to the fitted values' range), and
 * returns only categories seen.
 */
#ifndef RS_ENCODER_H
#define RS_ENCODER_H

#include <stdint.h>

#include "format.h"
#include "rng.h"
#include "table.h"

#define RS_MAX_MODES 10

typedef enum rs_activation
{
	RS_ACT_TANH = 1,			/* one value in (-1, 1) */
	RS_ACT_SOFTMAX = 2			/* a one-hot block */
} rs_activation;

/* A contiguous block of the encoded row. */
typedef struct rs_span
{
	int			start;			/* first index in the encoded row */
	int			width;			/* number of floats */
	rs_activation act;
	int			column;			/* source column index in the rs_table */
	int			is_condition;	/* softmax span of a categorical column:
								 * used by the conditional vector */
} rs_span;

typedef struct rs_encoder rs_encoder;

/*
 * Fit the encoder on a table (its specs and rows).  max_modes in 1..10;
 * rng seeds the mixture fit.  Returns NULL and sets err on failure.
 */
rs_encoder *rs_encoder_fit(const rs_table *t, int max_modes, rs_rng *rng, rs_error *err);

/*
 * The encoder of differentially private training (docs/privacy.md): built
 * from the specs alone, never from rows (t->n_rows is ignored).  Every
 * continuous column needs a finite range min < max in its spec (the
 * user's bounds): one mode of mean (min + max) / 2 and deviation (max -
 * min) / 8, so alpha = (x - mid) / ((max - min) / 2), clipped as always,
 * and decoding clamps to the bounds.  Every categorical column's
 * categories are the spec's (the user's list), all of them emitted.
 * Every column gets the NULL slot (whether a column holds NULL is not
 * asked of the rows).  RS_ERR_INVALID naming the column without bounds.
 */
rs_encoder *rs_encoder_fit_public(const rs_table *t, rs_error *err);
void		rs_encoder_free(rs_encoder *enc);

int			rs_encoder_dim(const rs_encoder *enc);	/* floats per encoded row */
int			rs_encoder_n_spans(const rs_encoder *enc);
const rs_span *rs_encoder_spans(const rs_encoder *enc);

/* Encode all rows of t (same specs as fitted) into out[n_rows * dim]. */
rs_status	rs_encoder_transform(const rs_encoder *enc, const rs_table *t,
								 float *out, rs_rng *rng, rs_error *err);

/*
 * Decode n encoded rows (activated generator output: tanh values and
 * softmax/one-hot blocks; argmax is taken per softmax span) into rows
 * [row0, row0+n) of t, whose specs match the fitted ones.
 */
rs_status	rs_encoder_inverse(const rs_encoder *enc, const float *in, int n,
							   rs_table *t, int row0, rs_error *err);

/*
 * rs_encoder_inverse with ranges: within is NULL or holds [lo, hi] of
 * every column (2 x n_cols doubles; NaN lo: none).  A continuous column's
 * non-NULL value of mode k is then moved into its range by its quantile
 * in the mode (rs_mode_range_map, mixture.h; an integral column's range
 * holds whole numbers, each standing for the values that round to it), so
 * that every value lies in [lo, hi]; the caller keeps the range within
 * the column's clamp range.  RS_MODE_REACH is the 4 of alpha's 4 sigma.
 */
rs_status	rs_encoder_inverse_within(const rs_encoder *enc, const float *in, int n,
									  rs_table *t, int row0, const double *within,
									  rs_error *err);

/* ---- added: introspection and the conditional vector ---- */

/* Largest encoded row fit and load accept (floats). */
#define RS_ENCODER_MAX_DIM (1 << 24)

/*
 * What a model state may hold: columns (PostgreSQL's
 * MaxTupleAttributeNumber), and categories over all columns (each takes a
 * float of the encoded row, which a generator caps at RS_GAN_MAX_DIM), so
 * that loading a small state cannot allocate much more than its size.
 */
#define RS_STATE_MAX_COLUMNS 1664
#define RS_STATE_MAX_CATEGORIES 65536

/*
 * Modes of a continuous column, sorted by mean: copies up to RS_MAX_MODES
 * means, standard deviations and weights (any pointer may be NULL) and
 * returns the mode count; 0 for a categorical column.
 */
int			rs_encoder_column_modes(const rs_encoder *enc, int column,
									double *mu, double *sigma, double *weight);
/* A continuous column's clamp range into *lo, *hi (NaN: only NULLs); 0 if not continuous. */
int			rs_encoder_column_range(const rs_encoder *enc, int column, double *lo, double *hi);
/* 1 if the column's softmax span ends with a NULL slot. */
int			rs_encoder_column_has_null(const rs_encoder *enc, int column);
/*
 * 1 if category k of a categorical column was seen when fitted (k ==
 * n_categories: its NULL slot, if it has one), so that decoding can return
 * it; 0 otherwise.
 */
int			rs_encoder_category_seen(const rs_encoder *enc, int column, int k);
/* Index (in rs_encoder_spans) of the column's first span. */
int			rs_encoder_column_span(const rs_encoder *enc, int column);

/*
 * The conditional vector is the concatenation of the condition spans
 * (is_condition = 1: the softmax span of each categorical column, NULL
 * slot included) in span order.  cond_dim is its width; cond_offset gives
 * where span s starts in it, or -1 for a span that is not a condition.
 */
int			rs_encoder_cond_dim(const rs_encoder *enc);
int			rs_encoder_cond_offset(const rs_encoder *enc, int span);

/*
 * Encoder parameters <-> bytes (the RS_SEC_ENCODER section).  Load checks
 * every count and value (RS_ERR_CORRUPT) and, given specs, that they match
 * the column kinds, integral flags and category counts; it does not require
 * the buffer to end after the encoder (the caller's rs_rbuf_finish does).
 */
rs_status	rs_encoder_save(const rs_encoder *enc, rs_wbuf *b);
rs_encoder *rs_encoder_load(rs_rbuf *b, const rs_table *specs_or_NULL, rs_error *err);

/*
 * Column specs <-> bytes (the RS_SEC_COLUMNS section), in columns.c:
 * name, kind, integral, min, max and category texts.  Load returns a table
 * of 0 rows holding the specs, or NULL with RS_ERR_CORRUPT.
 */
rs_status	rs_columns_save(const rs_table *t, rs_wbuf *b);
rs_table   *rs_columns_load(rs_rbuf *b, rs_error *err);

#endif

/*
 * encoder_int.h
 *	  The encoder's state, shared by encoder.c (fitting, transforming,
 *	  decoding) and encoder_io.c (its section of the model state).  Not for
 *	  other files: they use encoder.h.
 */
#ifndef RS_ENCODER_INT_H
#define RS_ENCODER_INT_H

#include "encoder.h"

#define RS_ENCODER_FORMAT	1		/* version of the encoder section */

/* One source column as the encoder sees it. */
typedef struct rs_enc_col
{
	rs_kind		kind;
	int			integral;
	int			has_null;		/* the softmax span ends with a NULL slot */
	int			start;			/* first float of the column */
	int			span;			/* index of its first span */

	/* continuous */
	double		lo;				/* clamp range of decoded values: the */
	double		hi;				/* spec's range (or the fitted values'
								 * when the spec has none); NaN if all
								 * NULL */
	int			n_modes;
	double		mu[RS_MAX_MODES];
	double		sigma[RS_MAX_MODES];
	double		weight[RS_MAX_MODES];
	double		log_coef[RS_MAX_MODES];	/* log(weight) - log(sigma) */

	/* categorical */
	int			n_categories;
	uint8_t    *seen;			/* n_categories flags: seen when fitted */
} rs_enc_col;

struct rs_encoder
{
	int			n_cols;
	int			dim;
	int			n_spans;
	int			cond_dim;
	rs_enc_col *cols;			/* n_cols */
	rs_span    *spans;			/* n_spans */
	int		   *cond_offset;	/* n_spans: offset in the conditional
								 * vector, or -1 */
};

/* encoder.c */
rs_encoder *rs_enc_alloc(int n_cols);
rs_status	rs_enc_build_spans(rs_encoder *enc, rs_status bad_code, rs_error *err);
void		rs_enc_col_prepare(rs_enc_col *col);

#endif							/* RS_ENCODER_INT_H */

/*
 * given.h
 *	  Conditioning a model's rows on several columns at once (the `given`
 *	  of raresynth_sample): categories, NULLs and ranges of continuous
 *	  columns, by construction, never by drawing rows and discarding them.
 *
 *	  - A category (or NULL) of a categorical column: every row has it.
 *	    The generator's condition vector holds one category per row (as
 *	    in training), so it is fed the given category rarest in training;
 *	    every other given category is set at the output, and the rules'
 *	    groups (rules.h: dependencies, fixed combinations) draw their other
 *	    columns among the combinations seen with all the given ones.
 *	  - A range [lo, hi] of a continuous column (either end may be
 *	    infinite: open): every row's value lies in it.  The row's mode is
 *	    drawn among the modes that reach the range, with the generator's
 *	    probabilities for that row times each mode's mass inside the range
 *	    (rs_mode_range_weight, mixture.h), and the generated value is moved
 *	    into the range by its quantile in its mode (rs_mode_range_map).
 *	    Exact: the bounds.  Approximate: the shape inside the range (the
 *	    mode's Gaussian truncated to it, not what the generator would put
 *	    there) and the other columns of the row (generated as for an
 *	    unconstrained row of that mode).
 *	  - NULL of a continuous column that had NULLs: its NULL slot.
 *
 *	  What cannot hold fails with RS_ERR_INVALID and g->failed says why
 *	  (RS_GIVEN_FAIL_*; failed_column, and failed_other for a
 *	  contradiction), for the caller's message.  Column indexes are feature
 *	  columns (the model's specs).
 */
#ifndef RS_GIVEN_H
#define RS_GIVEN_H

#include "model.h"

#define RS_GIVEN_FAIL_NONE			0
#define RS_GIVEN_FAIL_KIND			1	/* a range on a categorical column, a
										 * category on a continuous one */
#define RS_GIVEN_FAIL_NOT_SEEN		2	/* a category or NULL never seen in training */
#define RS_GIVEN_FAIL_POOLED		3	/* a rare category, pooled, never emitted */
#define RS_GIVEN_FAIL_NO_COMBINATION 4	/* in no combination of its group */
#define RS_GIVEN_FAIL_CONTRADICTION 5	/* no combination holds it and failed_other's */
#define RS_GIVEN_FAIL_EMPTY			6	/* lo > hi, or no whole number between */
#define RS_GIVEN_FAIL_OUTSIDE		7	/* misses the column's range */
#define RS_GIVEN_FAIL_UNREACHED		8	/* no mode of the column reaches it */
#define RS_GIVEN_FAIL_DERIVED		9	/* the high column of an inequality */
#define RS_GIVEN_FAIL_TWICE			10	/* the column is already given */
#define RS_GIVEN_FAIL_VALUE			11	/* a bound is NaN, or a bad index */

typedef struct rs_given
{
	const rs_model *m;
	int			n_cols;
	int		   *category;		/* [n_cols] fixed slot of the column's softmax
								 * span (categories, then NULL), or -1 */
	double	   *within;			/* [2 n_cols] lo, hi of a range; NaN: none */
	double	   *mode_w;			/* [n_cols x (RS_MAX_MODES + 1)] mode weights */
	int			failed;			/* RS_GIVEN_FAIL_* of the last failure */
	int			failed_column,
				failed_other;
	/* the sampler's view (rs_given_finish) */
	int			finished;
	int		   *fixed_span,
			   *fixed_slot,
			   *weighted_span;
	double	   *weights;
	rs_sampler_given sg;
} rs_given;

rs_given   *rs_given_create(const rs_model *m, rs_error *err);
void		rs_given_free(rs_given *g);

/* Fix categorical column `column` to category k (n_categories: NULL). */
rs_status	rs_given_category(rs_given *g, int column, int k, rs_error *err);
/* Fix a column to NULL (a categorical or continuous column that had NULLs). */
rs_status	rs_given_null(rs_given *g, int column, rs_error *err);

/*
 * Keep continuous column `column` in [lo, hi] (-INFINITY / INFINITY for
 * an open end).  The range kept is [lo, hi] within the column's clamp
 * range (rs_encoder_column_range), whole numbers for an integral column;
 * *kept_lo, *kept_hi (may be NULL) receive it.
 */
rs_status	rs_given_range(rs_given *g, int column, double lo, double hi,
						   double *kept_lo, double *kept_hi, rs_error *err);

/*
 * After the columns: check the groups (every group's given columns in a
 * seen combination together) and build the sampler's view.  Needed
 * before the calls below; nothing given: rows as without conditions.
 */
rs_status	rs_given_finish(rs_given *g, rs_error *err);

/*
 * rs_model_generate_start and rs_model_decode (model.h) under g: the same
 * contract, rows conditioned.  rs_given_generate does both at once.
 */
rs_status	rs_given_generate_start(const rs_given *g, int n, float *buf, rs_rng *rng,
									rs_error *err);
rs_status	rs_given_decode(const rs_given *g, int n, const float *buf, rs_table *t,
							int row0, rs_error *err);
rs_status	rs_given_generate(const rs_given *g, int n, float *buf, rs_table *t, int row0,
							  rs_rng *rng, rs_error *err);

#endif							/* RS_GIVEN_H */

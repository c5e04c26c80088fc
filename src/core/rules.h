/*
 * rules.h
 *	  What a model promises of its rows beyond what the generator learned
 *	  (docs/privacy.md), kept in the model state (section RS_SEC_RULES):
 *
 *	  - rare categories: a category held by fewer than rare_k training rows
 *		is pooled with the others like it into one slot before encoding
 *		(its text is not kept) and that slot is never emitted: a row whose
 *		generator draws it draws again among the emitted categories, with
 *		the generator's probabilities for that row.  The pooled slot is the
 *		column's last category; its spec text is a copy of the first kept
 *		category's (a valid value of the column's type, so the row maker
 *		can read it; never emitted, and `given` finds the kept one first);
 *	  - extreme values: continuous values are clamped to [k-th smallest,
 *		k-th largest] of the training values (clamp_k; 1 = real min/max),
 *		and the specs keep that range, not the real one;
 *	  - groups: categorical columns whose combinations are only those seen
 *		in the training rows (after pooling): a functional dependency
 *		(depend.h: the determinant first, then the columns it determines;
 *		the dependents are then derived) or a declared fixed combination.
 *		Enforced when sampling, by drawing the group's columns in turn,
 *		each among the categories that still complete a seen combination
 *		(a column fixed by `given` first);
 *	  - inequalities: low < high between two continuous columns on every
 *		row: high is learned as high - low and rebuilt from it.  The spec
 *		of high then holds the protected range of high - low (what the
 *		encoder learns and clamps to); high's own protected range is
 *		high_min .. high_max of the inequality.
 *
 * Column indexes are feature columns (the model's specs), not source
 * columns.  A category index n_categories means NULL, as in
 * rs_model_set_given.
 */
#ifndef RS_RULES_H
#define RS_RULES_H

#include <stdint.h>

#include "format.h"
#include "rs_common.h"
#include "table.h"

#define RS_RULES_MAX_K			1000000	/* rare_k and clamp_k */
#define RS_RULES_MAX_GROUPS		256
#define RS_RULES_MAX_GROUP_COLS 32
#define RS_RULES_MAX_INEQ		256

typedef enum rs_group_kind
{
	RS_GROUP_DEPENDENCY = 1,	/* detected: cols[0] determines the rest */
	RS_GROUP_FIXED = 2			/* declared fixed combination */
} rs_group_kind;

typedef struct rs_rule_group
{
	rs_group_kind kind;
	int			n_cols;			/* 2..RS_RULES_MAX_GROUP_COLS */
	int		   *cols;			/* categorical feature columns */
	int			n_tuples;		/* combinations seen (set by prepare) */
	int		   *tuples;			/* n_tuples x n_cols category indexes */
} rs_rule_group;

typedef struct rs_rule_ineq
{
	int			low,
				high;			/* continuous feature columns, low < high */
	double		high_min,
				high_max;		/* protected range of high (set by prepare) */
} rs_rule_ineq;

/* Why rs_rules_prepare failed (rs_rules.failed), for the caller's message. */
#define RS_RULES_FAIL_NONE	0
#define RS_RULES_FAIL_KIND	1		/* a column of the wrong kind */
#define RS_RULES_FAIL_INEQ	2		/* a training row breaks inequality failed_ineq */
#define RS_RULES_FAIL_RARE	3		/* every category of a column is rare */
#define RS_RULES_FAIL_GROUP 4		/* a group has no combination left */
#define RS_RULES_FAIL_NULL	5		/* a training row has NULL in inequality failed_ineq */

typedef struct rs_rules
{
	int			n_cols;			/* feature columns */
	int			rare_k;			/* 1: off */
	int			clamp_k;		/* 1: real min and max */
	int		   *pooled;			/* [n_cols] index of the pooled slot, or -1 */
	int		   *n_pooled;		/* [n_cols] categories pooled into it */
	int			n_groups;
	rs_rule_group *groups;
	int			n_ineq;
	rs_rule_ineq *ineq;
	int			failed;			/* RS_RULES_FAIL_*: set by prepare */
	int			failed_ineq;	/* RS_RULES_FAIL_INEQ: which one */
} rs_rules;

/* Empty rules for n_cols feature columns; k in 1..RS_RULES_MAX_K. */
rs_rules   *rs_rules_create(int n_cols, int rare_k, int clamp_k, rs_error *err);
void		rs_rules_free(rs_rules *r);

/*
 * Declare a group (n distinct columns) or an inequality before prepare.
 * A group sharing a column with an earlier one is merged into it (a
 * FIXED group then).  RS_ERR_INVALID for a bad index, a repeated column,
 * a column in two inequalities' high, a high that is also a low.
 * Kinds are checked by prepare.
 */
rs_status	rs_rules_add_group(rs_rules *r, rs_group_kind kind, const int *cols, int n,
							   rs_error *err);
rs_status	rs_rules_add_inequality(rs_rules *r, int low, int high, rs_error *err);

/* A new rules object with r's settings and declarations, not prepared. */
rs_rules   *rs_rules_copy_declared(const rs_rules *r, rs_error *err);

/*
 * On the training rows (feature columns, specs included), before the
 * encoder is fitted: pool rare categories (rows and specs), set the
 * continuous specs' min and max to the protected range, collect every
 * group's combinations, and replace each inequality's high by high - low.
 * RS_ERR_INVALID, naming the column, when a group column is not
 * categorical, an inequality column not continuous, a training row has
 * NULL in an inequality column or breaks it, or a column has no category
 * left to emit.
 */
rs_status	rs_rules_prepare(rs_rules *r, rs_table *rows, rs_error *err);

/*
 * After decoding rows [row0, row0 + n) of t: rebuild each inequality's
 * high (low + the decoded difference, within high's protected range,
 * still above low).
 */
void		rs_rules_finish(const rs_rules *r, rs_table *t, int row0, int n);

/* 1 if category k of column c may be emitted (not the pooled slot). */
int			rs_rules_category_allowed(const rs_rules *r, int c, int k);

/* The group holding column c (its position in *pos if pos), or -1. */
int			rs_rules_group_of(const rs_rules *r, int c, int *pos);

/* 1 if category k of column c is in a seen combination of its group (or c has none). */
int			rs_rules_category_in_group(const rs_rules *r, int c, int k);

/*
 * The RS_SEC_RULES section.  Load checks every index and count against
 * the specs (kinds, category counts, NULL slots via has_null(column) of
 * the encoder, checked by rs_model_load) and refuses what prepare could
 * not have made.  Layout: the top of rules.c.
 */
rs_status	rs_rules_save(const rs_rules *r, rs_wbuf *b);
rs_rules   *rs_rules_load(rs_rbuf *b, const rs_table *specs, rs_error *err);

#endif							/* RS_RULES_H */

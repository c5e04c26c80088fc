/*
 * hparams.h
 *	  The hyper-parameters, one row each: name, type, bounds, default,
 *	  where a caller may set it, one doc line.  Read by the glue's jsonb
 *	  parser and raresynth_train's arguments (src/options.c), by the core's
 *	  validation of rs_gan_config (rs_gan_config_validate) and defaults
 *	  (rs_gan_config_default), and by docs/gan.md's option table (printed
 *	  by `test/unit/build/test_hparams --markdown`, checked by test_hparams).
 *	  Adding a hyper-parameter: a field in rs_gan_config (or rs_hparams) and
 *	  one row in hparams.c.
 */
#ifndef RS_HPARAMS_H
#define RS_HPARAMS_H

#include <stddef.h>

#include "gan.h"
#include "rs_common.h"

/* Every setting in force: the GAN's, the encoder's and the evaluation's. */
typedef struct rs_hparams
{
	rs_gan_config gan;			/* epochs and batch_size included */
	int			max_modes;		/* encoder modes per continuous column */
	int			rare_category_k;	/* rules.h: rare_k */
	int			extreme_value_k;	/* rules.h: clamp_k */
	int			dependencies;	/* 1: derive dependent columns (depend.h) */
	int			smote_k;		/* evaluation only */
	double		C;				/* evaluation only: logistic regression */
	double		filter_quantile;	/* evaluation only: the GAN arm's filter */
	double		epsilon;		/* DP budget (INFINITY: not private) */
	double		delta;			/* DP delta */
} rs_hparams;

typedef enum rs_hp_type
{
	RS_HP_INT,					/* an integer in [lo, hi] */
	RS_HP_FLOAT,				/* a number in lo..hi, each end open or closed */
	RS_HP_INT_LIST,				/* min_len..max_len integers, each in [lo, hi] */
	RS_HP_ENUM					/* one of names[]: its index, an int in [lo, hi] */
} rs_hp_type;

/* Where a caller sets it (rs_hparam.where, a bit set). */
#define RS_HP_OPTION	1		/* options jsonb of raresynth_train and _evaluate */
#define RS_HP_EVALUATE	2		/* options jsonb of raresynth_evaluate only */
#define RS_HP_ARGUMENT	4		/* an argument of raresynth_train */

typedef struct rs_hparam
{
	const char *name;			/* the option's key */
	rs_hp_type	type;
	int			where;			/* RS_HP_* */
	double		lo,
				hi;				/* bounds (INT_LIST: of each element) */
	int			lo_open,
				hi_open;		/* FLOAT: the bound itself is excluded */
	const char *lo_text,
			   *hi_text;		/* FLOAT: the bounds as written in the table */
	int			min_len,
				max_len;		/* INT_LIST: entries */
	double		def;			/* default (INT, FLOAT) */
	const char *def_text;		/* the default as written in the table */
	const int  *def_list;		/* INT_LIST: the default entries */
	int			def_len;		/* INT_LIST: how many */
	size_t		off;			/* field in rs_hparams (INT_LIST: the count) */
	size_t		off2;			/* INT_LIST: the entries; alias: 2nd field */
	int			alias;			/* sets other rows' fields (no default, no
								 * check of its own) */
	const char *what;			/* noun in the core's messages (NULL: name) */
	const char *doc;			/* one line for docs/gan.md */
	const char *const *names;	/* ENUM: the values, NULL-terminated */
} rs_hparam;

/* The table, in the order of the options' hint and docs. */
extern const rs_hparam rs_hparam_table[];
extern const int rs_hparam_count;

/* The row named name, or NULL. */
const rs_hparam *rs_hparam_find(const char *name);

/* Fields of h (or of an rs_gan_config: it is h's first member). */
#define RS_HP_INT_AT(h, off)	((int *) ((char *) (h) + (off)))
#define RS_HP_FLOAT_AT(h, off)	((double *) ((char *) (h) + (off)))

/* 1 if the row's field lies in rs_gan_config (rs_gan_config_validate checks it). */
int			rs_hparam_in_gan(const rs_hparam *p);

/* ENUM: the index of the value named name, or -1. */
int			rs_hparam_enum_index(const rs_hparam *p, const char *name);

/* 1 if v is within the row's bounds (INT_LIST: one element). */
int			rs_hparam_in_bounds(const rs_hparam *p, double v);

/*
 * The bounds in words, into buf[n]: "between 1 and 4096", "in (0, 1]",
 * "a positive number", "\"auto\", \"fp32\" or \"bf16\"".  Returns buf.
 */
const char *rs_hparam_bounds(const rs_hparam *p, char *buf, size_t n);

/* Every non-alias row's default (the rest zero). */
void		rs_hparams_default(rs_hparams *h);

/*
 * The rows of rs_gan_config against their bounds, in table order, then
 * rs_hparams_check_pac.  RS_OK, or RS_ERR_INVALID naming the setting:
 * "tau must be in [0.001, 1000], got 0".
 */
rs_status	rs_hparams_check_gan(const rs_gan_config *cfg, rs_error *err);

/* batch_size a multiple of pac (both within bounds), or RS_ERR_INVALID. */
rs_status	rs_hparams_check_pac(const rs_gan_config *cfg, rs_error *err);

#endif							/* RS_HPARAMS_H */

/*
 * model.h
 *	  A trained model as one unit: what the source looked like (meta), the
 *	  feature column specs, the encoder and the generator; and the model
 *	  state bytes that hold all of it (format.h container, sections
 *	  RS_SEC_META, RS_SEC_COLUMNS, RS_SEC_ENCODER, RS_SEC_GENERATOR, and
 *	  RS_SEC_RULES when the model keeps rules).
 */
#ifndef RS_MODEL_H
#define RS_MODEL_H

#include <stdint.h>

#include "encoder.h"
#include "gan.h"
#include "rules.h"
#include "table.h"

#define RS_ROLE_LABEL		(-1)
#define RS_ROLE_EXCLUDED	(-2)

typedef struct rs_model_meta
{
	uint64_t	seed;
	char	   *minority;		/* the learned label value, as SQL text */
	int			n_source_cols;	/* every column of the source, in order */
	char	  **source_names;
	char	  **source_types;	/* SQL type with modifier, e.g. numeric(6,2) */
	int		   *source_role;	/* feature index (>= 0), RS_ROLE_LABEL or
								 * RS_ROLE_EXCLUDED */
} rs_model_meta;

typedef struct rs_model
{
	rs_model_meta meta;
	rs_table   *specs;			/* 0 rows: feature column specs */
	rs_encoder *enc;
	rs_gan	   *gan;
	rs_rules   *rules;			/* NULL: none (a state without RS_SEC_RULES) */
	struct rs_model_srules *srules; /* the sampler's view of rules (model.c) */
} rs_model;

/* Serialize a model into one rs_alloc'ed buffer. */
rs_status	rs_model_save(const rs_model *m, uint8_t **out, size_t *out_len, rs_error *err);

/* Validate and load; NULL with RS_ERR_CORRUPT / RS_ERR_VERSION on bad bytes. */
rs_model   *rs_model_load(const void *buf, size_t len, rs_error *err);

/*
 * The start of training: with m->rules (declared, not yet prepared),
 * rs_rules_prepare on rows, which changes them in place (pooled, clamped,
 * each inequality's high replaced by high - low) and then m->specs, if it
 * is another table than rows, becomes a copy of rows' specs; without
 * rules m->specs is not touched.  Then fit m->enc on rows (max_modes
 * 1..10), encode the rows into *encoded (rs_alloc'ed, rows->n_rows x dim)
 * and build an untrained m->gan seeded from rng, sampling by the rules.
 * Under DP (cfg->dp_noise > 0) the encoder is rs_encoder_fit_public, from
 * rows' specs alone, and m->rules must be NULL (RS_ERR_INVALID).
 */
rs_status	rs_model_prepare(rs_model *m, rs_table *rows, const rs_gan_config *cfg,
							 int max_modes, rs_rng *rng, float **encoded, rs_error *err);

/*
 * Generate n rows and decode them into rows [row0, row0 + n) of t (specs
 * as the model's).  buf holds n x dim floats of scratch.  given as in
 * rs_gan_sample.
 */
rs_status	rs_model_generate(const rs_model *m, int n, const int *given, float *buf,
							  rs_table *t, int row0, rs_rng *rng, rs_error *err);

/*
 * rs_model_generate in three steps, so that the caller can work while rows
 * are generated: _start begins generating n <= RS_SAMPLER_MAX_ROWS rows
 * into buf on worker threads and returns; _wait returns when they are
 * there (the calling thread helps); rs_model_decode decodes them into t.
 * The same rows as rs_model_generate from the same rng.  Between start and
 * wait the caller must leave buf (and the model) alone.  Decoding applies
 * rs_rules_finish (inequalities).
 */
rs_status	rs_model_generate_start(const rs_model *m, int n, const int *given,
									float *buf, rs_rng *rng, rs_error *err);
void		rs_model_generate_wait(const rs_model *m);
rs_status	rs_model_decode(const rs_model *m, int n, const float *buf,
							rs_table *t, int row0, rs_error *err);

/*
 * Conditioning on one category.  rs_model_cond_index gives the condition
 * span (index among rs_gan_n_cond_spans) of feature column `column`, or -1
 * if it has none (a continuous column).  rs_model_set_given sets
 * given[that index] = category (n_categories is the NULL slot of a column
 * that had NULLs), checked against the generator's own span width and
 * against what the encoder saw in training (decoding returns only that)
 * and against the rules (not a pooled slot; in a seen combination of its
 * group); RS_ERR_INVALID otherwise.  given has rs_gan_n_cond_spans entries.
 */
int			rs_model_cond_index(const rs_model *m, int column);
rs_status	rs_model_set_given(const rs_model *m, int column, int category,
							   int *given, rs_error *err);

/*
 * How to sample model m within budget bytes: the caller's two batches in
 * flight (batch_rows x dim floats each), the decoded batch (batch_rows x
 * n_cols doubles) and the sampler's per-thread buffers
 * (rs_gan_sample_bytes).  Prefers the sampler's threads and chunks, and
 * max_batch (<= RS_SAMPLER_MAX_ROWS) rows; shrinks the batch first, then
 * the chunks, then the threads.  On RS_OK the sampler is reserved to the
 * plan; RS_ERR_NOMEM (plan->min_bytes set) when not even one row on one
 * thread fits.  The rows do not depend on the plan (rs_gan_sample).
 */
typedef struct rs_sample_plan
{
	int			batch_rows;
	int			threads;
	int			task_rows;
	size_t		bytes;			/* what the plan uses */
	size_t		min_bytes;		/* the smallest plan: one row, one thread */
} rs_sample_plan;

rs_status	rs_model_plan_sampling(const rs_model *m, size_t budget, int max_batch,
								   rs_sample_plan *plan, rs_error *err);

/*
 * Everything at once, for the evaluation: fit a model on rows with cfg
 * (cfg->epochs epochs) and the rules declared in rules (NULL: none; a copy
 * is prepared on a copy of rows), then return n_new decoded synthetic rows
 * with rows' specs (categories as indexes of rows' categories).
 */
rs_table   *rs_model_augment(const rs_table *rows, int n_new, const rs_gan_config *cfg,
							 int max_modes, const rs_rules *rules, uint64_t seed,
							 rs_error *err);

/*
 * rs_model_augment trained on every row (the all_rows setting): rows are
 * the whole training part and y its labels (1 = minority); the label is
 * one more categorical column, a condition span like any other, so that
 * training-by-sampling conditions on it; the rules are declared for the
 * feature columns (rules' n_cols = rows->n_cols) and rare categories and
 * clamps are counted over every row, the label's categories included.
 * Calibration matches the minority's rows with the label fixed to the
 * minority.  The n_new rows returned are sampled with the label fixed to
 * the minority (rs_model_set_given), and carry rows' columns only.
 * RS_ERR_INVALID when the minority cannot be fixed (no minority row, or
 * fewer than rare_category_k of them).
 */
rs_table   *rs_model_augment_all(const rs_table *rows, const int *y, int n_new,
								 const rs_gan_config *cfg, int max_modes,
								 const rs_rules *rules, uint64_t seed, rs_error *err);

/*
 * Make the sampler of m->gan enforce m->rules (rs_model_prepare and
 * rs_model_load do it; call again after replacing m->rules or m->gan).
 */
rs_status	rs_model_install_rules(rs_model *m, rs_error *err);

/* Free the model and everything it owns (meta strings, specs, enc, gan, rules). */
void		rs_model_free(rs_model *m);

#endif

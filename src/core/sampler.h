/*
 * sampler.h
 *	  The generator compiled for bulk sampling (see sampler.c).
 *
 * rs_gan_sample() builds one from the generator's current weights and
 * runs it; nothing else needs to call it directly but the tests.
 */
#ifndef RS_SAMPLER_H
#define RS_SAMPLER_H

#include <stdint.h>

#include "encoder.h"
#include "rng.h"
#include "rs_common.h"
#include "team.h"

#define RS_SAMPLER_MAX_ROWS		4096	/* rows per rs_sampler_start */
#define RS_SAMPLER_MAX_BLOCKS	8	/* residual blocks (RS_GAN_MAX_LAYERS) */
#define RS_SAMPLER_TASK_ROWS	128 /* rows per chunk a thread takes, at most */

/* What sampling needs of a generator: pointers into the rs_gan. */
typedef struct rs_gen_view
{
	int			D;				/* data width (generator output) */
	int			E;				/* noise width */
	int			cond_dim;		/* width of the cond vector (one-hot) */
	int			n_cond;			/* condition spans */
	const int  *cond_off;		/* [n_cond + 1] offsets in the cond vector */
	const int  *cond_span;		/* [n_cond] index into spans */
	const double *cat_count;	/* [cond_dim] category counts in training */
	int			n_spans;
	const rs_span *spans;
	int			n_g;			/* residual blocks */
	const int  *gdims;			/* [n_g] output width of block l */
	const int  *gin;			/* [n_g] input width of block l (with cond) */
	int			W;				/* full activation row: sum(gdims) + E + cond_dim */
	const float *w[RS_SAMPLER_MAX_BLOCKS],
			   *b[RS_SAMPLER_MAX_BLOCKS],
			   *gamma[RS_SAMPLER_MAX_BLOCKS],
			   *beta[RS_SAMPLER_MAX_BLOCKS],
			   *run_mean[RS_SAMPLER_MAX_BLOCKS],
			   *run_var[RS_SAMPLER_MAX_BLOCKS];		/* block l: w[gdims, gin], b, bn */
	const float *wout;			/* [D, W] */
	const float *bout;			/* [D] */
	float		bn_eps;
} rs_gen_view;

typedef struct rs_sampler rs_sampler;

/*
 * Compile a generator: batchnorm folded into the weights, the one-hot
 * cond columns turned into per-category tables, the dense weights packed
 * for rs_gemm16 (bfloat16 products where the CPU has them; force_fp32
 * keeps fp32).  threads: worker threads per call at most
 * (1..RS_THREADS_MAX; 1 on the fp32 path, where OpenBLAS has
 * threads of its own).  What it allocates is proportional to the weights;
 * the per-thread buffers come later (rs_sampler_reserve).
 */
rs_sampler *rs_sampler_create(const rs_gen_view *v, int threads, int force_fp32,
							  rs_error *err);
void		rs_sampler_free(rs_sampler *s);

/*
 * The per-thread buffers: one per worker and one for the caller, each
 * holding task_rows (1..RS_SAMPLER_TASK_ROWS) rows of activations and
 * outputs.  rs_sampler_work_bytes says what rs_sampler_reserve(s, threads,
 * task_rows) allocates (threads capped at the create count); without a
 * reserve, the first call reserves the create count and
 * RS_SAMPLER_TASK_ROWS.  The rows do not depend on either (bf16 products;
 * with fp32 products OpenBLAS may round differently for other chunk rows).
 */
size_t		rs_sampler_work_bytes(const rs_sampler *s, int threads, int task_rows);
rs_status	rs_sampler_reserve(rs_sampler *s, int threads, int task_rows, rs_error *err);
int			rs_sampler_max_threads(const rs_sampler *s);

/*
 * n rows into out[n, D], like rs_gan_sample: tanh spans as values,
 * softmax spans as the one-hot of a category drawn with the softmax's
 * probabilities; fixed_k >= 0 fixes condition span fixed_k to category
 * fixed_j (conditioning the generator and the output).  Each row draws
 * from its own stream seeded from rng, so the rows depend on rng only, not
 * on the thread count nor (bf16 products) on how n is split into calls;
 * with fp32 products OpenBLAS may round differently for another split.
 * Calls rs_check_interrupts() between passes (on the calling thread only).
 */
rs_status	rs_sampler_run(rs_sampler *s, int64_t n, int fixed_k, int fixed_j,
						   float *out, rs_rng *rng, rs_error *err);

/*
 * What a call conditions on, in span terms (rs_sampler_run_given; NULL:
 * nothing).  Each of the n_fixed softmax spans fixed_span[i] is set to
 * slot fixed_slot[i] after the row is drawn (a span at most once); the
 * generator is fed the condition of the fixed condition span whose
 * category is rarest in training (the first such span on ties), and the
 * other condition spans' categories are set at the output only.  Each of
 * the n_weighted softmax spans weighted_span[i] (not fixed) draws its
 * slot with the row's own probabilities times the next width of its span
 * weights (finite, >= 0, one at least > 0; a slot of weight 0 is never
 * drawn).  The rules (rs_sampler_set_rules) keep every fixed slot: each
 * group draws among the combinations that hold all of them, and
 * RS_ERR_INVALID when a group has none.
 */
typedef struct rs_sampler_given
{
	int			n_fixed;
	const int  *fixed_span;
	const int  *fixed_slot;
	int			n_weighted;
	const int  *weighted_span;
	const double *weights;		/* the spans' widths, concatenated */
} rs_sampler_given;

rs_status	rs_sampler_run_given(rs_sampler *s, int64_t n, const rs_sampler_given *g,
								 float *out, rs_rng *rng, rs_error *err);

/*
 * The same, asynchronously, for n <= RS_SAMPLER_MAX_ROWS rows: the rows are
 * generated into out by worker threads while the caller goes on;
 * rs_sampler_wait returns when they are all there.  The caller must not
 * touch out, nor free it, before rs_sampler_wait (rs_sampler_free waits
 * too): a PostgreSQL caller registers a memory context callback that
 * waits, so that an error cannot free out under running workers.
 */
rs_status	rs_sampler_start(rs_sampler *s, int n, int fixed_k, int fixed_j,
							 float *out, rs_rng *rng, rs_error *err);
/* rs_sampler_start with the conditions of rs_sampler_run_given. */
rs_status	rs_sampler_start_given(rs_sampler *s, int n, const rs_sampler_given *g,
								   float *out, rs_rng *rng, rs_error *err);
void		rs_sampler_wait(rs_sampler *s);

/*
 * Rules enforced by construction (rules.h, in span terms): after a row's
 * categories are drawn (and the fixed ones set), a masked slot of a span
 * (a pooled category) is drawn again among the span's other slots, then
 * each group's spans in turn (the fixed spans first) keep their category
 * if it completes a seen combination with the spans already decided, or
 * draw again among the categories that do; each redraw uses the row's own
 * probabilities restricted to the allowed slots (so the result follows
 * the generator's distribution renormalised to them).  Tuples are slot
 * indexes, n_tuples x n_spans, in strictly increasing lexicographic
 * order.  A row that needs no redraw is the row drawn without rules.
 */
typedef struct rs_sample_group
{
	int			n_spans;		/* 2.. */
	const int  *spans;			/* softmax spans, in group order */
	int			n_tuples;
	const int  *tuples;
} rs_sample_group;

typedef struct rs_sample_rules
{
	int			n_masked;
	const int  *masked_span;	/* [n_masked] softmax span */
	const int  *masked_slot;	/* [n_masked] the slot never emitted */
	int			n_groups;
	const rs_sample_group *groups;
} rs_sample_rules;

/*
 * Copy rules into s for every later call (NULL or empty: none); checks
 * every span, slot and the tuples' order.  Not while a call runs.
 */
rs_status	rs_sampler_set_rules(rs_sampler *s, const rs_sample_rules *r, rs_error *err);

/* 1 when the products run in bfloat16, 0 when in fp32. */
int			rs_sampler_is_bf16(const rs_sampler *s);

#endif							/* RS_SAMPLER_H */

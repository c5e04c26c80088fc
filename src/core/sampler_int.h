/*
 * sampler_int.h
 *	  The sampler's state, shared by sampler.c (building the compiled
 *	  generator, the calls and their threads) and sampler_rules.c (the
 *	  sampling rules: masked rare slots and dependency groups, set once and
 *	  applied to every drawn row).  Not for other files: they use sampler.h.
 */
#ifndef RS_SAMPLER_INT_H
#define RS_SAMPLER_INT_H

#include "sampler.h"

#include "gemm16.h"
#include "team.h"

typedef struct sampler_layer
{
	rs_gemm16  *gemm;			/* folded dense part and bias */
	float	   *tab;			/* [cond_dim, N] folded cond columns, or NULL */
	int			N;				/* output width */
	int			in_col;			/* first input column in the activation row */
	int			out_col;		/* first output column (-1: into raw) */
	int			relu;
} sampler_layer;

/* One thread's buffers. */
typedef struct sampler_work
{
	float	   *act;			/* [TASK_ROWS, Wd] */
	float	   *raw;			/* [TASK_ROWS, D] */
	int		   *cond;			/* [TASK_ROWS] cond index */
	rs_rng		rng[RS_SAMPLER_TASK_ROWS];	/* each row's stream */
	float	   *prob;			/* [D] */
	void	   *scratch;		/* rs_gemm16 scratch */
} sampler_work;

/* A group of the rules (rs_sample_group), with the call's candidates. */
typedef struct sampler_group
{
	int			m;				/* spans */
	int		   *spans;			/* [m] */
	int			n_tuples;
	int		   *tuples;			/* [n_tuples, m] */
	int		   *idx;			/* [n_tuples] the call's tuples (those of the
								 * fixed categories), in order */
	int			n_idx;
	int		   *fixed;			/* [m] the call's fixed slot at each
								 * position, or -1 */
} sampler_group;

/* One thread of a call: takes chunks until none is left. */
typedef struct sampler_worker
{
	struct rs_sampler *s;
	sampler_work *w;			/* its buffers */
} sampler_worker;

struct rs_sampler
{
	int			D,
				E,
				Wd,
				cond_dim,
				n_cond,
				n_layers,		/* blocks + the output layer */
				n_spans,
				max_threads,	/* workers per call at most (create) */
				threads,		/* workers per call (rs_sampler_reserve) */
				task_rows,		/* rows per chunk (rs_sampler_reserve) */
				reserved,		/* work[0..threads] are allocated */
				bf16;
	rs_span    *spans;
	int		   *cond_off;		/* [n_cond + 1] */
	int		   *cond_span;		/* [n_cond] */
	double	   *cond_cum;		/* [cond_dim] cumulative probability within
								 * each condition span */
	sampler_layer layer[RS_SAMPLER_MAX_BLOCKS + 1];

	/* rs_sampler_set_rules: none when rules_on is 0 */
	int			rules_on;
	int			n_masked;
	int		   *masked_span,
			   *masked_slot;
	int			n_groups;
	sampler_group *groups;

	sampler_work work[RS_THREADS_MAX + 1];	/* work[threads]: the
													 * caller's */
	sampler_worker worker[RS_THREADS_MAX];
	rs_crew		crew;			/* the call's worker threads */

	/* the call in progress: rows in chunks of task_rows */
	uint64_t	seeds[RS_SAMPLER_MAX_ROWS];	/* one per row of the call */
	int			n;
	int			n_chunks;
	int			next_chunk;		/* atomic: the next chunk to take */
	int			cond_k,			/* the condition fed to the generator, or -1 */
				cond_j;
	int		   *call_slot;		/* [n_spans] the call's fixed slot, or -1 */
	unsigned char *call_weighted;	/* [n_spans] 1: drawn with call_w */
	float	   *call_w;			/* [D] slot weights of the weighted spans */
	float	   *out;			/* [n, D] */
	int			running;		/* started, not yet waited for */
};

/* 1 if span is a softmax span of s and slot one of its slots. */
static inline int
softmax_slot(const rs_sampler *s, int span, int slot)
{
	return span >= 0 && span < s->n_spans && s->spans[span].act == RS_ACT_SOFTMAX &&
		slot >= 0 && slot < s->spans[span].width;
}

/* sampler_rules.c */
void		rs_sampler_free_rules(rs_sampler *s);
rs_status	rs_sampler_rules_for_call(rs_sampler *s, rs_error *err);
void		rs_sampler_apply_rules(const rs_sampler *s, const float *x, float *y,
								   const float *prob, rs_rng *rng);

#endif							/* RS_SAMPLER_INT_H */

/*
 * gan_int.h
 *	  The GAN's private header: struct rs_gan and the functions its files
 *	  share.  The files, by phase:
 *	    gan.c         configuration, shapes and buffers, create, free, queries
 *	    gan_cond.c    training-by-sampling (the condition index, cond vectors,
 *	                  real rows) and conditional moment matching
 *	    gan_train.c   generator and critic passes, gradient penalty, steps,
 *	                  rs_gan_fit_epoch
 *	    gan_sample.c  the compiled sampler: rs_gan_sample and friends
 *	    gan_io.c      rs_gan_save, rs_gan_load
 *	  Only those files include this one.
 *
 * Memory layout
 *	Each network's parameters live in one float buffer (gradients and Adam
 *	moments in three more of the same length).  Generator, per residual
 *	block l: w[g_l, C_l], b[g_l], gamma[g_l], beta[g_l]; then the output
 *	Linear wout[D, W], bout[D].  Critic, per hidden layer l: w[d_l, in_l],
 *	b[d_l]; then wout[1, d_L], bout[1].
 *
 *	The generator's activations of a batch live in one matrix act[B, W]
 *	whose row is [h_L, ..., h_1, z, cond]: block l reads the suffix of the
 *	row that holds its input and writes its output just before it, which is
 *	exactly torch.cat([out, input], dim=1) without a copy, and gradients
 *	flow back through the same layout.
 *
 *	The critic's input for a critic step is xbuf[3 B, D + c] = real rows,
 *	fake rows and interpolates, viewed as [3 B / pac, pac (D + c)], so one
 *	forward pass serves all three.
 */
#ifndef RS_GAN_INT_H
#define RS_GAN_INT_H

#include "gan.h"
#include "nn.h"
#include "team.h"

struct rs_gan
{
	rs_gan_config cfg;
	int			trainable;

	/* data layout */
	int			D;				/* data_dim */
	int			n_spans;
	rs_span    *spans;
	int			n_cond;			/* condition spans */
	int		   *cond_span;		/* [n_cond] index into spans */
	int		   *cond_off;		/* [n_cond + 1] offsets in the cond vector */
	int			cond_dim;
	double	   *cat_count;		/* [cond_dim] category counts in the data */

	/* generator shape */
	int			E;
	int			n_g;
	int			gdims[RS_GAN_MAX_LAYERS];
	int			gin[RS_GAN_MAX_LAYERS]; /* input width of block l */
	int			gcol[RS_GAN_MAX_LAYERS];	/* first column of block l's output */
	int			in_g;			/* E + cond_dim */
	int			W;				/* in_g + sum(gdims) */
	int			maxg;			/* max(gdims), at least 1 */
	int			sumg;
	int64_t		g_n;
	float	   *g_params;
	float	   *g_grads;
	float	   *g_m;
	float	   *g_v;
	int64_t		g_w[RS_GAN_MAX_LAYERS],
				g_b[RS_GAN_MAX_LAYERS],
				g_gamma[RS_GAN_MAX_LAYERS],
				g_beta[RS_GAN_MAX_LAYERS],
				g_wout,
				g_bout;
	int64_t		g_run_n;
	float	   *g_run;			/* per block: mean[g_l], var[g_l] */
	int64_t		g_runoff[RS_GAN_MAX_LAYERS];

	/* critic shape */
	int			n_d;
	int			ddims[RS_GAN_MAX_LAYERS];
	int			d_in_width[RS_GAN_MAX_LAYERS];	/* input width of layer l */
	int			X;				/* D + cond_dim */
	int			P;				/* pac * X */
	int			maxd;
	int64_t		d_n;
	float	   *d_params;
	float	   *d_grads;
	float	   *d_m;
	float	   *d_v;
	int64_t		d_w[RS_GAN_MAX_LAYERS],
				d_b[RS_GAN_MAX_LAYERS],
				d_wout,
				d_bout;

	rs_team		team;			/* helpers during one training step */
	rs_nn_bf16	bf16;			/* bf16 products' scratch (bytes 0: fp32) */
	int			team_running;	/* between step_begin and step_end */
	int			blas_threads;	/* OpenBLAS's thread count outside steps */

	int			t_g;			/* Adam steps taken */
	int			t_d;
	rs_rng		rng;

	/* early stopping: the epochs fitted, the last 2 W epochs' losses */
	int			stop_epochs;
	double		stop_g[2 * RS_GAN_MAX_STOP_WINDOW];
	double		stop_d[2 * RS_GAN_MAX_STOP_WINDOW];

	/*
	 * Training buffers, carved from arena (floats) and int_arena (ints) by
	 * layout_train: B = batch_size, Bp = B / pac groups, R = 3 Bp critic
	 * rows (real, fake, interpolated groups).
	 */
	float	   *arena;
	/* generator */
	float	   *act;			/* [B, W] activations [h_L .. h_1, z, cond] */
	float	   *dact;			/* [B, W] their gradient */
	float	   *lin;			/* per block [B, g_l] Linear output, pre-bn */
	float	   *bmean;			/* per block [g_l] batch mean */
	float	   *brstd;			/* per block [g_l] batch 1 / std */
	float	   *gscratch;		/* [B, maxg] */
	float	   *raw;			/* [B, D] generator output before activation */
	float	   *raw_grad;		/* [B, D] d loss / d raw */
	float	   *gumbel;			/* [B, D] Gumbel noise of the softmax spans */
	/* critic */
	float	   *xbuf;			/* [3 B, X] = [R, P] real, fake, interpolates */
	float	   *dx;				/* [B, X] = [Bp, P] d score / d input */
	float	   *c_pre[RS_GAN_MAX_LAYERS];	/* [R, d_l] a_l, pre-activation */
	float	   *c_out[RS_GAN_MAX_LAYERS];	/* [R, d_l] h_l, after dropout */
	float	   *c_mask[RS_GAN_MAX_LAYERS];	/* [R, d_l] dropout mask m_l */
	float	   *c_dpre[RS_GAN_MAX_LAYERS];	/* [R, d_l] ga_l = d score / d a_l */
	float	   *c_dout;			/* [R, maxd] d score / d h_l, one layer */
	float	   *score;			/* [R] critic output y per group */
	float	   *dscore;			/* [R] d loss / d score */
	/* gradient penalty (gan_train.c's header comment names u, v, q) */
	float	   *gp_dinput;		/* [Bp, P] u = d GP / d (input gradient) */
	float	   *gp_fwd;			/* [Bp, maxd] v = u (or q_{l-1}) @ W_l^T */
	float	   *gp_gated;		/* [Bp, maxd] q_l = v * m_l * s'(a_l) */
	float	   *alpha;			/* [Bp] interpolation weight per group */
	/* the batch's conditions */
	float	   *cond;			/* [B, cond_dim] cond vectors (one-hot) */
	int		   *int_arena;		/* [3 B]: span_of, cat_of, perm */
	int		   *span_of;		/* [B] condition span of each row, or -1 */
	int		   *cat_of;			/* [B] category within it */
	int		   *perm;			/* [B] real row r takes row perm[r]'s condition */

	/* the generator compiled for sampling, and the step it was built at */
	rs_sampler *sampler;
	int			sampler_t_g;
	int			sampler_stale;
	const rs_sample_rules *sample_rules;	/* rs_gan_set_sample_rules, or NULL */
	int			sample_threads;	/* rs_gan_sample_reserve, or 0 */
	int			sample_rows;

	/* training-by-sampling index over the current data (per epoch) */
	int64_t		n_rows;
	int		   *idx_rows;		/* rows grouped by (condition span, category) */
	int64_t    *idx_off;		/* [cond_dim + 1] */
	double	   *logcum;			/* [cond_dim] cumulative log(1 + count) */

	/* conditional moment matching (moment_weight > 0) */
	int			F;				/* features: D + 2 * widths of mode spans */
	float	   *mom_mean;		/* [cond_dim + 1, F] mean phi(real) per
								 * category; the last row: all rows */
	float	   *mom_buf;		/* [3 F]: phi, target, difference */
	int64_t		mom_n;			/* rows and hash of the data mom_mean is of */
	uint64_t	mom_hash;
	uint64_t	data_hash;		/* hash of the data build_index last saw */
};

/*
 * gan.c: check the spans / the generator's widths and fill the layout;
 * RS_ERR_INVALID or code.
 */
rs_status	gan_set_spans(rs_gan *g, int data_dim, const rs_span *spans,
						  int n_spans, rs_status code, rs_error *err);
rs_status	gan_set_generator_shape(rs_gan *g, int E, int n_g, const int *gdims,
									rs_status code, rs_error *err);

/* gan_cond.c */
int			gan_count_moment_features(const rs_gan *g);
rs_status	gan_build_index(rs_gan *g, const float *data, int64_t n, rs_error *err);
void		gan_draw_condvec(rs_gan *g, int B);
/* Under DP: cond[cond_dim] = one real row's own category in a span drawn uniformly. */
void		gan_dp_real_cond(rs_gan *g, const float *row, float *cond);
int64_t		gan_draw_row(rs_gan *g, int k, int j);
double		gan_moment_loss(rs_gan *g, const float *fake, int ldf, int B,
							const int *span_of, const int *cat_of,
							double weight, float *dfake);

/* gan_sample.c: (re)build the sampler from the current weights */
rs_status	gan_compile_sampler(rs_gan *g, rs_error *err);

#endif							/* RS_GAN_INT_H */

/*
 * gan.h
 *	  The CTGAN-class model: a conditional generator of residual blocks and
 *	  a PacGAN critic trained with WGAN-GP, training-by-sampling conditional
 *	  vectors, sampling, and (de)serialization of the generator.
 *
 * Shapes (B = batch_size, D = data_dim, c = cond_dim, E = embedding_dim):
 *	generator  z[B, E] ~ N(0, 1) ++ cond[B, c]
 *	           -> Residual(E + c -> g1) -> Residual(E + c + g1 -> g2) ...
 *	           -> Linear(E + c + sum(g) -> D), then per span: tanh for
 *	           RS_ACT_TANH, Gumbel-softmax (tau) for RS_ACT_SOFTMAX
 *	critic     x[B, D + c] viewed as [B / pac, pac * (D + c)]
 *	           -> (Linear -> LeakyReLU(0.2) -> Dropout(0.5)) per d in dis_dims
 *	           -> Linear(-> 1)
 *	loss_d  = mean(critic(fake)) - mean(critic(real)) + gp_lambda * GP
 *	loss_g  = -mean(critic(fake)) + cross-entropy of the conditioned span
 *	          + moment_weight * sum_f (mean_batch phi_f(fake)
 *	                                   - mean_batch E[phi_f(real) | cond])^2
 *
 * Conditional moment matching (not in CTGAN): phi(x) is every encoded
 * value (so the frequency of every category and of every mode) plus, for
 * a continuous column, alpha * beta_k and alpha^2 * beta_k for each mode k
 * (the mean and spread of the offset within each mode).  E[phi(real) |
 * cond] is the mean of phi over the real rows having the conditioned
 * category, computed once per data set, so the target of a batch is exact
 * (no sampling noise).  The critic alone lets marginals drift during long
 * training (on the heart data a 50/50 flag ends near 65/35 after 300
 * epochs); this term pins them.  It is cheap (O(batch * features) per
 * step) and leaves the critic unchanged; moment_weight = 0 restores
 * CTGAN's loss exactly.
 *
 * The cond vector has one block per condition span (rs_span.is_condition),
 * in span order; cond_dim is the sum of their widths (0 if none: the cond
 * vector is then empty and there is no cond loss).
 *
 * Differences from CTGAN on purpose: the cond bit is set at the right
 * offset for every condition span; batchnorm runs in inference mode
 * (running statistics) when sampling; all randomness comes from one seed.
 *
 * Memory: everything a training step needs is allocated by rs_gan_create;
 * rs_gan_fit_epoch allocates only the per-epoch row index (O(n)).
 */
#ifndef RS_GAN_H
#define RS_GAN_H

#include <stdint.h>

#include "encoder.h"
#include "format.h"
#include "rng.h"
#include "rs_common.h"
#include "sampler.h"

#define RS_GAN_MAX_LAYERS	8		/* generator / critic hidden layers */
#define RS_GAN_MAX_DIM		65536	/* data width, and any width a state may hold */
#define RS_GAN_MAX_PARAMS	(INT64_C(1) << 27)	/* floats per network */
#define RS_GAN_MAX_BATCH	65536

/*
 * The settings; each one's option name, bounds, default and doc line are
 * a row of the table in hparams.c.
 */
typedef struct rs_gan_config
{
	int			embedding_dim;	/* noise width */
	int			n_gen_dims;
	int			gen_dims[RS_GAN_MAX_LAYERS];	/* generator residual blocks */
	int			n_dis_dims;
	int			dis_dims[RS_GAN_MAX_LAYERS];	/* critic hidden layers */
	int			pac;
	double		lr_g;
	double		lr_d;
	int			batch_size;		/* a multiple of pac */
	int			epochs;			/* carried for the caller */
	double		gp_lambda;
	double		tau;			/* Gumbel-softmax temperature */
	int			discriminator_steps;	/* critic steps per generator step */
	double		beta1;
	double		beta2;
	double		weight_decay;	/* L2, both networks */
	double		dropout;		/* critic dropout probability */
	int			calibration;	/* rounds of rs_gan_calibrate after training */
	int			all_rows;		/* carried for the caller: 1 trains on every
								 * row conditioned on the label (model.h) */
	double		moment_weight;	/* conditional moment matching (0: off,
								 * pure CTGAN); see above */
	int			early_stopping; /* window of rs_gan_converged (0: off) */
	/*
	 * DP-SGD on the critic (gan_train.c's "DP-SGD" section; dp_noise 0:
	 * off).  Each critic step includes every training row with probability
	 * dp_rate (Poisson sampling), clips each included row's gradient to L2
	 * norm max_grad_norm, adds N(0, (dp_noise max_grad_norm)^2) to their
	 * sum and divides by batch_size; the critic's weights are then clamped
	 * to [-weight_clip, weight_clip] (0: not).  Requires pac 1, gp_lambda
	 * 0, moment_weight 0, calibration 0 and early_stopping 0
	 * (rs_gan_config_validate), and conditions are drawn uniformly.
	 */
	double		dp_noise;		/* noise multiplier sigma; not an option */
	double		dp_rate;		/* sampling rate q; not an option */
	double		max_grad_norm;	/* C */
	double		weight_clip;
	/*
	 * The training step's matrix products (nn.h): RS_PRECISION_AUTO bf16
	 * where the CPU has AVX512-BF16 and fp32 elsewhere, _FP32 always
	 * fp32, _BF16 bf16 (refused by rs_gan_create without AVX512-BF16).
	 * Weights, gradients and Adam are fp32 either way; DP training
	 * (dp_noise) always runs fp32.  Not saved: a training-time choice.
	 */
	int			precision;
} rs_gan_config;

#define RS_PRECISION_AUTO	0
#define RS_PRECISION_FP32	1
#define RS_PRECISION_BF16	2

/* Fill cfg with the table's defaults (CTGAN's, plus moment_weight 10). */
void		rs_gan_config_default(rs_gan_config *cfg);

/*
 * RS_OK, or RS_ERR_INVALID with a message naming the bad setting (the
 * table's bounds; batch_size a multiple of pac).
 */
rs_status	rs_gan_config_validate(const rs_gan_config *cfg, rs_error *err);

typedef struct rs_gan rs_gan;

/*
 * Under DP (dp_noise > 0): the critic steps (each one Poisson-subsampled
 * Gaussian mechanism of rate dp_rate for dp_account.h) that cfg.epochs
 * epochs take: epochs * max(1, floor(1 / dp_rate)) * discriminator_steps.
 * An epoch is max(1, floor(1 / dp_rate)) generator steps, whatever the
 * row count (which is not public).
 */
int64_t		rs_gan_dp_steps(const rs_gan_config *cfg);

/*
 * Build a model for encoded rows of data_dim floats laid out by spans
 * (which must tile [0, data_dim) in order; tanh spans have width 1;
 * is_condition only on softmax spans).  Weights are initialized from
 * seed.  Returns NULL and sets err (RS_ERR_INVALID, RS_ERR_NOMEM).
 */
rs_gan	   *rs_gan_create(const rs_gan_config *cfg, int data_dim,
						  const rs_span *spans, int n_spans, uint64_t seed,
						  rs_error *err);

/*
 * One epoch over data[n, data_dim] (encoded rows; softmax spans one-hot):
 * max(1, n / batch_size) generator steps, each preceded by
 * discriminator_steps critic steps.  Real rows are drawn with replacement
 * (training-by-sampling), so any n >= 1 works.  *loss_g and *loss_d (may
 * be NULL) receive the epoch means of CTGAN's reported losses (loss_d
 * without the gradient penalty), and the model keeps them for
 * rs_gan_converged.  Calls rs_check_interrupts() every step.
 * RS_ERR_NUMERIC if a loss becomes NaN or infinite.
 */
rs_status	rs_gan_fit_epoch(rs_gan *gan, const float *data, int64_t n,
							 double *loss_g, double *loss_d, rs_error *err);

/*
 * Early stopping (docs/gan.md, "Early stopping").  With window W > 0, the
 * losses have converged after n epochs when n >= 2 W and, for the
 * generator's and the critic's epoch losses alike, the mean of the last W
 * epochs differs from the mean of the W before by at most
 * RS_GAN_STOP_Z standard errors of a difference of two W-epoch means,
 * the spread taken from the last W epochs (the earlier window may hold
 * the first epochs' transient, which is not the noise of where training
 * is now).  loss_g and loss_d hold n epochs, the first epoch first.
 * Returns 0 for W <= 0 or n < 2 W.
 */
#define RS_GAN_STOP_Z			2.0
#define RS_GAN_MAX_STOP_WINDOW	1000
int			rs_gan_losses_converged(const double *loss_g, const double *loss_d,
									int n, int window);

/*
 * rs_gan_losses_converged over the epochs rs_gan_fit_epoch has run on this
 * model (it keeps the last 2 * early_stopping epochs' losses), with window
 * cfg.early_stopping: 1 when the caller's epoch loop should stop.  Always 0
 * with early_stopping 0, so the epoch count is then exactly `epochs`.
 */
int			rs_gan_converged(const rs_gan *gan);

/*
 * Generate n rows into out[n, data_dim]: tanh spans as values, softmax
 * spans as the one-hot of a category drawn from the softmax; batchnorm in
 * inference mode.  Runs the generator compiled by sampler.c (rebuilt when
 * the weights changed since the last call): bfloat16 products where the
 * CPU has them, on up to rs_thread_count() threads (team.h).  given_cond is NULL, or has one entry per condition span
 * (rs_gan_n_cond_spans): a category index to condition on, or -1; at most
 * one entry may be >= 0, and that span's output is set to the given
 * category.  Without a given category the cond vector is drawn like CTGAN:
 * a condition span uniformly, then a category with its empirical
 * frequency in the training data.  Each row's randomness comes from a
 * stream seeded by one draw from rng, so the output does not depend on how
 * n is split into calls, nor on the thread count.
 * Works on a model from rs_gan_create (after training) or rs_gan_load.
 */
rs_status	rs_gan_sample(rs_gan *gan, int64_t n, const int *given_cond,
						  float *out, rs_rng *rng, rs_error *err);

/*
 * Calibration after training: `rounds` times, sample RS_CALIBRATE_ROWS
 * (4 per training row, within 20,000..200,000) rows
 * (rs_gan_sample: the cond vector drawn like CTGAN, the rules enforced)
 * and shift the output bias of every softmax category by the log ratio of
 * its frequency in the n_rows encoded training rows to its sampled
 * frequency, so that the generator's category and mode frequencies match
 * the training rows' (docs/gan.md).  Changes only those biases; draws
 * from rng.
 */
#define RS_CALIBRATE_ROWS(n) \
	((n) * 4 < 20000 ? (int64_t) 20000 : (n) * 4 > 200000 ? (int64_t) 200000 : (int64_t) (n) * 4)
rs_status	rs_gan_calibrate(rs_gan *gan, const float *encoded, int n_rows, int rounds,
							 rs_rng *rng, rs_error *err);

/*
 * rs_gan_calibrate with every sampled row conditioned on given (as in
 * rs_gan_sample; NULL: rs_gan_calibrate): the encoded rows are then the
 * training rows of that condition, whose frequencies the conditioned
 * rows are brought to.
 */
rs_status	rs_gan_calibrate_given(rs_gan *gan, const float *encoded, int n_rows, int rounds,
								   const int *given, rs_rng *rng, rs_error *err);

/*
 * The same rows as rs_gan_sample, for n <= RS_SAMPLER_MAX_ROWS, generated
 * by worker threads while the caller goes on; rs_gan_sample_wait returns
 * once they are in out.  See rs_sampler_start for what the caller must
 * not do in between.
 */
rs_status	rs_gan_sample_start(rs_gan *gan, int n, const int *given_cond,
								float *out, rs_rng *rng, rs_error *err);
void		rs_gan_sample_wait(rs_gan *gan);

/*
 * rs_gan_sample and rs_gan_sample_start conditioned as given says
 * (sampler.h: several fixed categories, weighted spans; NULL: nothing).
 */
rs_status	rs_gan_sample_given(rs_gan *gan, int64_t n, const rs_sampler_given *given,
								float *out, rs_rng *rng, rs_error *err);
rs_status	rs_gan_sample_start_given(rs_gan *gan, int n, const rs_sampler_given *given,
									  float *out, rs_rng *rng, rs_error *err);

/*
 * Sampling memory: the compiled sampler's per-thread buffers for threads
 * workers and task_rows rows per chunk (rs_sampler_work_bytes; compiles the
 * sampler if needed; *max_threads: the most it would use), and reserving
 * them for every later rs_gan_sample / rs_gan_sample_start.
 */
rs_status	rs_gan_sample_bytes(rs_gan *gan, int threads, int task_rows,
								size_t *bytes, int *max_threads, rs_error *err);
rs_status	rs_gan_sample_reserve(rs_gan *gan, int threads, int task_rows,
								  rs_error *err);

/*
 * Rules every later rs_gan_sample / _start enforces (sampler.h), NULL for
 * none.  The caller keeps r alive as long as gan (the sampler copies it,
 * the gan keeps the pointer to apply it to a recompiled sampler).
 */
rs_status	rs_gan_set_sample_rules(rs_gan *gan, const rs_sample_rules *r, rs_error *err);

/* The generator's shape and weights (pointers into gan), for the sampler. */
void		rs_gan_generator_view(const rs_gan *gan, rs_gen_view *v);

/*
 * Append the generator (spans, shape, cond frequencies, the parameter
 * buffer and batchnorm running statistics) to b.  The RS_SEC_GENERATOR
 * section's content.
 */
rs_status	rs_gan_save(const rs_gan *gan, rs_wbuf *b, rs_error *err);

/*
 * Rebuild a sampling-only model from what rs_gan_save wrote.  Every count,
 * width and length is validated before use: RS_ERR_CORRUPT on anything
 * wrong, RS_ERR_VERSION for a newer generator format.
 */
rs_gan	   *rs_gan_load(rs_rbuf *b, rs_error *err);

void		rs_gan_free(rs_gan *gan);

/* Shape queries. */
int			rs_gan_data_dim(const rs_gan *gan);
int			rs_gan_cond_dim(const rs_gan *gan);
int			rs_gan_n_cond_spans(const rs_gan *gan);
/* Number of categories (width) of condition span k, or -1. */
int			rs_gan_cond_span_width(const rs_gan *gan, int k);
/* Index (in rs_gan_spans) of condition span k, or -1. */
int			rs_gan_cond_span(const rs_gan *gan, int k);
int			rs_gan_can_train(const rs_gan *gan);	/* 0 after rs_gan_load */
/* "bf16" or "fp32": the precision of the training step's products (cfg.precision resolved) */
const char *rs_gan_precision(const rs_gan *gan);
/* The span layout the model was built (or loaded) with; *n_spans set. */
const rs_span *rs_gan_spans(const rs_gan *gan, int *n_spans);
const rs_gan_config *rs_gan_get_config(const rs_gan *gan);

#endif							/* RS_GAN_H */

/*
 * gan_test.h
 *	  The GAN's hooks for unit tests, benchmarks and the fuzzer: its
 *	  parameter buffers, one step's loss and gradient without an update,
 *	  the training-by-sampling draw, the moment-matching term, the FLOPs of
 *	  a step.  Nothing in src/ outside the gan files uses them.
 */
#ifndef RS_GAN_TEST_H
#define RS_GAN_TEST_H

#include "gan.h"

/*
 * Parameter buffers (one contiguous float buffer per network):
 * which = 0 generator, 1 critic.  The critic is NULL after rs_gan_load.
 * *n receives the number of floats.  Gradients likewise.
 */
float	   *rs_gan_params(rs_gan *gan, int which, int64_t *n);
float	   *rs_gan_grads(rs_gan *gan, int which, int64_t *n);

/*
 * Draw B conditional vectors the way training does (from the model's own
 * rng, after the row index of data[n] is built): cond[B, cond_dim],
 * span_of[B] (index among condition spans), cat_of[B] (category within
 * it) and row_of[B] (the real row drawn for it).  B <= batch_size.
 */
rs_status	rs_gan_test_condvec(rs_gan *gan, const float *data, int64_t n,
								int B, float *cond, int *span_of,
								int *cat_of, int64_t *row_of, rs_error *err);

/*
 * Compute one step's loss and its gradient (into rs_gan_grads, zeroed
 * first) without updating any parameter; the model's rng is reseeded from
 * seed first, so two calls with the same seed see the same batch, noise,
 * and dropout masks.  what: 0 = critic loss (Wasserstein part + GP) wrt
 * critic parameters, 1 = Wasserstein part only, 2 = GP only, 3 =
 * generator loss (incl. cond loss and moment matching) wrt generator
 * parameters, 4 = the DP critic step's noisy clipped gradient (only, and
 * always, when cfg.dp_noise > 0; loss: the fake rows' term).
 */
rs_status	rs_gan_test_loss(rs_gan *gan, const float *data, int64_t n,
							 int what, uint64_t seed, double *loss,
							 rs_error *err);

/*
 * The moment-matching term alone for nb generated rows fake[nb, data_dim]
 * (activated: tanh values, softmax spans summing to 1) whose cond vectors
 * are given by span_of/cat_of (index among condition spans and category;
 * ignored when there are none), against the real data of the last
 * rs_gan_fit_epoch / test hook call; nb <= batch_size.  Unweighted (as if
 * moment_weight were 1); needs moment_weight > 0.  *n_features receives
 * the feature count.
 */
rs_status	rs_gan_test_moments(rs_gan *gan, const float *fake, int nb,
								const int *span_of, const int *cat_of,
								double *loss, int *n_features, rs_error *err);

/* FLOPs (2*M*N*K summed over every sgemm) of one training step. */
double		rs_gan_step_flops(const rs_gan *gan);

#endif							/* RS_GAN_TEST_H */

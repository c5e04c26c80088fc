/*
 * nn.h
 *	  Neural-network layers of the numeric core, llm.c style: each layer is a
 *	  pair of plain functions x_forward() / x_backward() over row-major float
 *	  matrices, with the shapes written next to them, and no hidden state.
 *
 * Conventions
 *	- B is the batch (rows), C the input width, OC the output width.
 *	- Matrices are row-major.  Where a function takes a leading dimension
 *	  (ldo, ldi, ...) a matrix [B, C] lives in rows of ld >= C floats; this
 *	  lets a residual block write its output next to its input in one row,
 *	  so concatenation costs nothing in either direction.
 *	- A Linear layer's weight is [OC, C] (like torch.nn.Linear) and its
 *	  bias [OC].
 *	- Backward functions ACCUMULATE (+=) into parameter gradients.
 *	  rs_dense_backward also accumulates into its input gradient (so several
 *	  consumers of one activation add up); the element-wise and batchnorm
 *	  backward functions OVERWRITE their input gradient and allow
 *	  din == dout (in place).
 *	- Every gradient pointer may be NULL when that gradient is not needed.
 *	- Every matrix product goes through rs_sgemm: cblas_sgemm, or bf16
 *	  (gemm16.h's rs_gemm16_gemm) while the team carries rs_nn_bf16
 *	  scratch (mixed-precision training, below).
 *	- team (the last argument of the products, the residual blocks and
 *	  Adam) is a training step's thread team (team.h) or NULL.  With a
 *	  team the work is split into parts run by it (a team of one runs them
 *	  in order), and the caller should run OpenBLAS single-threaded; each
 *	  split depends on the work's shape only, so the results do not depend
 *	  on the team size.  NULL runs the work whole, here.
 */
#ifndef RS_NN_H
#define RS_NN_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "rs_common.h"
#include "team.h"

#define RS_BN_MOMENTUM	0.1f
#define RS_BN_EPS		1e-5f
#define RS_LRELU_SLOPE	0.2f

/* ---------------------------------------------------------------- Linear */

/*
 * out[B, OC] (row stride ldo) = in[B, C] (row stride ldi) @ w[OC, C]^T + b[OC]
 * b may be NULL (no bias).
 */
void		rs_dense_forward(float *out, int ldo, const float *in, int ldi,
							 const float *w, const float *b,
							 int B, int C, int OC, rs_team *team);

/*
 * din[B, C] (stride lddi)  += dout[B, OC] (stride lddo) @ w[OC, C]
 * dw[OC, C]                += dout^T @ in[B, C] (stride ldi)
 * db[OC]                   += sum over rows of dout
 */
void		rs_dense_backward(float *din, int lddi, float *dw, float *db,
							  const float *dout, int lddo,
							  const float *in, int ldi, const float *w,
							  int B, int C, int OC, rs_team *team);

/* torch.nn.Linear default init: w, b ~ U(-1/sqrt(C), 1/sqrt(C)). */
void		rs_dense_init(float *w, float *b, int C, int OC, rs_rng *rng);

/* ---------------------------------------------------------------- BatchNorm1d */

/*
 * Training mode, batch statistics:
 * out[B, C] = gamma[C] * (in[B, C] - mean) * rstd + beta[C]
 * mean[C], rstd[C] = 1/sqrt(var_biased + eps) are saved for backward;
 * run_mean[C], run_var[C] (unbiased variance) are updated with momentum:
 * run = (1 - momentum) * run + momentum * batch.  B >= 2.
 * out may equal in.
 */
void		rs_batchnorm_forward_train(float *out, float *mean, float *rstd,
									   const float *in, const float *gamma,
									   const float *beta, float *run_mean,
									   float *run_var, int B, int C,
									   float momentum, float eps);

/* Inference mode: out[B, C] normalized with run_mean[C], run_var[C]. */
void		rs_batchnorm_forward_eval(float *out, const float *in,
									  const float *gamma, const float *beta,
									  const float *run_mean,
									  const float *run_var,
									  int B, int C, float eps);

/*
 * Backward of training mode.  din[B, C] is overwritten (may equal dout);
 * dgamma[C], dbeta[C] accumulate.  in, mean, rstd are the forward's.
 */
void		rs_batchnorm_backward(float *din, float *dgamma, float *dbeta,
								  const float *dout, const float *in,
								  const float *mean, const float *rstd,
								  const float *gamma, int B, int C);

/* ---------------------------------------------------------------- element-wise, n floats */

/* out[n] = max(0, in) */
void		rs_relu_forward(float *out, const float *in, size_t n);
/* din[n] = dout * (out > 0); out is the forward's output */
void		rs_relu_backward(float *din, const float *dout, const float *out,
							 size_t n);

/* out[n] = in > 0 ? in : slope * in */
void		rs_leaky_relu_forward(float *out, const float *in, size_t n,
								  float slope);
/* din[n] = dout * (in > 0 ? 1 : slope); in is the forward's input */
void		rs_leaky_relu_backward(float *din, const float *dout,
								   const float *in, size_t n, float slope);

/*
 * Inverted dropout: mask[n] = 0 with probability p (rounded to a multiple
 * of 1/65536), else 1/(1-p), drawn from rng 16 bits at a time (p = 0 gives
 * all ones).  forward: out = in * mask;
 * backward: din = dout * mask.
 */
void		rs_dropout_mask(float *mask, size_t n, float p, rs_rng *rng);
void		rs_dropout_forward(float *out, const float *in, const float *mask,
							   size_t n);
void		rs_dropout_backward(float *din, const float *dout,
								const float *mask, size_t n);

/* out[n] = tanh(in); backward din = dout * (1 - out^2) */
void		rs_tanh_forward(float *out, const float *in, size_t n);
void		rs_tanh_backward(float *din, const float *dout, const float *out,
							 size_t n);

/* ---------------------------------------------------------------- softmax with temperature */

/*
 * Gumbel-softmax (hard = false) over blocks of W columns:
 * out[B, W] (stride ldo) = softmax((in[B, W] (stride ldi) + g[B, W]) / tau)
 * g (contiguous [B, W]) holds Gumbel noise, or NULL for a plain softmax.
 */
void		rs_softmax_forward(float *out, int ldo, const float *in, int ldi,
							   const float *g, int B, int W, float tau);

/*
 * din[B, W] (stride lddi) = (1/tau) * out * (dout - sum_j dout_j out_j),
 * overwritten; out is the forward's output.
 */
void		rs_softmax_backward(float *din, int lddi, const float *dout,
								int lddo, const float *out, int ldo,
								int B, int W, float tau);

/* ---------------------------------------------------------------- CTGAN Residual */

/*
 * out = concat(relu(bn(linear(x))), x), concatenation done in place:
 * io[B, OC + C] (row stride ld >= OC + C): columns [OC, OC + C) hold the
 * input x on entry, columns [0, OC) receive relu(bn(x @ w^T + b)).
 *
 * w[OC, C], b[OC], gamma[OC], beta[OC]; lin[B, OC] keeps the Linear's
 * output for backward, mean[OC], rstd[OC] the batch statistics;
 * run_mean[OC], run_var[OC] are updated (training) or used (eval).
 */
void		rs_residual_forward_train(float *io, int ld, const float *w,
									  const float *b, const float *gamma,
									  const float *beta, float *lin,
									  float *mean, float *rstd,
									  float *run_mean, float *run_var,
									  int B, int C, int OC, rs_team *team);

/* Inference: scratch[B, OC] is working space. */
void		rs_residual_forward_eval(float *io, int ld, const float *w,
									 const float *b, const float *gamma,
									 const float *beta, const float *run_mean,
									 const float *run_var, float *scratch,
									 int B, int C, int OC);

/*
 * Backward.  dio[B, OC + C] (stride ld): columns [0, OC) hold the gradient
 * of the block's output part (consumed), columns [OC, OC + C) hold the
 * gradient already flowing to x through the concatenation, and the block
 * adds its own contribution there (skipped when need_din is 0).
 * io, lin, mean, rstd are the forward's; scratch[B, OC] is working space.
 */
void		rs_residual_backward(float *dio, int ld, float *dw, float *db,
								 float *dgamma, float *dbeta, float *scratch,
								 const float *io, const float *lin,
								 const float *mean, const float *rstd,
								 const float *w, const float *gamma,
								 int B, int C, int OC, int need_din, rs_team *team);

/* ---------------------------------------------------------------- Adam */

/*
 * One step of torch.optim.Adam (L2 weight decay added to the gradient,
 * amsgrad off) over n parameters in one contiguous buffer:
 *	g = grad + wd * p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *	p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * t is the 1-based step count.
 */
void		rs_adam_step(float *params, const float *grads, float *m, float *v,
						 size_t n, int t, float lr, float beta1, float beta2,
						 float eps, float weight_decay, rs_team *team);

/* ---------------------------------------------------------------- products */

/*
 * Row-major C[M, N] = op(A) op(B) + beta C (op transposes when ta / tb):
 * the product every function here makes, split over team if not NULL
 * (the benchmark replays the training step's products through it).
 */
void		rs_sgemm(int ta, int tb, int M, int N, int K, const float *A,
					 int lda, const float *B, int ldb, float beta, float *C,
					 int ldc, rs_team *team);

/*
 * Mixed precision.  While team->bf16 points at one of these, rs_sgemm
 * runs each product whose rs_gemm16_gemm_scratch fits in bytes in bf16
 * (operands rounded to bf16, fp32 accumulation, fp32 results; part p of
 * the split uses scratch[p]) and the rest in fp32.  A bf16 product sums
 * every element over all of K in one register, in order, whatever the
 * split: the results still do not depend on the team size.  The weights,
 * their gradients and Adam stay fp32 (the caller's arrays).
 */
#define RS_NN_BF16_PARTS 4		/* rs_sgemm's most parts */

typedef struct rs_nn_bf16
{
	size_t		bytes;			/* of each scratch */
	void	   *scratch[RS_NN_BF16_PARTS];
} rs_nn_bf16;

/*
 * The scratch a Linear layer of C inputs and OC outputs needs for its
 * forward, backward-data and weight-gradient products on up to rows rows.
 */
size_t		rs_nn_bf16_dense_bytes(int rows, int C, int OC);

#endif							/* RS_NN_H */

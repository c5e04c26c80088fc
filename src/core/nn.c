/*
 * nn.c
 *	  Layers of the numeric core: Linear, BatchNorm1d, ReLU, LeakyReLU,
 *	  dropout, tanh, (Gumbel-)softmax, CTGAN's Residual block and Adam.
 *	  See nn.h for the conventions (shapes, strides, accumulation).  While
 *	  given a training step's team (team.h) the products,
 *	  the residual blocks' batchnorm and Adam split their work over it.
 */
#include "nn.h"

#include <math.h>
#include <string.h>

#include "blas.h"
#include "gemm16.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*
 * The element-wise loops below are written to vectorize.  PostgreSQL
 * builds with plain -O2, where GCC does not vectorize; vectorizing them
 * changes no result (no reduction is reordered), so ask for it.  Without
 * -fno-trapping-math GCC keeps a multiplication that only one arm of a
 * select needs inside a branch (it might raise a floating-point flag), and
 * a branch per element is slow on the random signs of activations; no
 * trap is ever enabled here, and the values do not change.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("-ftree-vectorize", "-fno-trapping-math")
#endif

#define BN_BLOCK 64				/* columns per batchnorm block */

/* ---------------------------------------------------------------- products */

/*
 * Row-major C[M, N] = op(A) op(B) + beta C, alpha 1, split into parts while
 * a team is set: by rows of C when M >= N, else by columns, in blocks of
 * 16; one part per SGEMM_PART_FLOPS, at least 2 and at most
 * SGEMM_MAX_PARTS (more parts than threads, so that a thread that gets a
 * core late finds less work left to it; 4 parts of at least 2 MFLOP ran
 * ~3-5% faster than 8 of 1 MFLOP on 2 cores, no slower when contended).  Products under
 * SGEMM_SPLIT_FLOPS run whole on the caller.
 */
#define SGEMM_SPLIT_FLOPS 400000.0
#define SGEMM_PART_FLOPS 2000000.0
#define SGEMM_MAX_PARTS 4

_Static_assert(SGEMM_MAX_PARTS <= RS_NN_BF16_PARTS, "a bf16 scratch per part");

typedef struct sgemm_job
{
	int			ta,
				tb,
				M,
				N,
				K,
				lda,
				ldb,
				ldc,
				by_rows;
	const float *A,
			   *B;
	float		beta;
	float	   *C;
	const rs_nn_bf16 *bf16;		/* NULL: fp32 */
} sgemm_job;

/* one part's product, in bf16 (scratch of part) or fp32 */
static void
sgemm_call(const sgemm_job *j, int part, int M, int N, const float *A,
		   const float *B, float *C)
{
	if (j->bf16)
		rs_gemm16_gemm(j->ta, j->tb, M, N, j->K, A, j->lda, B, j->ldb, j->beta,
					   C, j->ldc, j->bf16->scratch[part]);
	else
		cblas_sgemm(CblasRowMajor, j->ta ? CblasTrans : CblasNoTrans,
					j->tb ? CblasTrans : CblasNoTrans, M, N, j->K, 1.0f, A,
					j->lda, B, j->ldb, j->beta, C, j->ldc);
}

static void
sgemm_part(void *arg, int part, int nparts)
{
	sgemm_job  *j = arg;
	int64_t		lo,
				hi;

	if (j->by_rows)
	{
		rs_team_range(j->M, 16, part, nparts, &lo, &hi);
		if (lo < hi)
			sgemm_call(j, part, (int) (hi - lo), j->N,
					   j->ta ? j->A + lo : j->A + lo * j->lda, j->B,
					   j->C + lo * j->ldc);
	}
	else
	{
		rs_team_range(j->N, 16, part, nparts, &lo, &hi);
		if (lo < hi)
			sgemm_call(j, part, j->M, (int) (hi - lo), j->A,
					   j->tb ? j->B + lo * j->ldb : j->B + lo, j->C + lo);
	}
}

void
rs_sgemm(int ta, int tb, int M, int N, int K, const float *A, int lda,
		 const float *B, int ldb, float beta, float *C, int ldc, rs_team *team)
{
	sgemm_job	j = {ta, tb, M, N, K, lda, ldb, ldc, M >= N, A, B, beta, C, NULL};
	double		flops = 2.0 * M * N * K;
	int			blocks = ((M >= N ? M : N) + 15) / 16,
				nparts;

	/* bf16 while the team carries scratch that fits (rs_nn_bf16) */
	if (team && team->bf16 && (beta == 0.0f || beta == 1.0f) && M > 0 && N > 0 &&
		K > 0 && rs_gemm16_gemm_scratch(M, N, K) <= team->bf16->bytes)
		j.bf16 = team->bf16;

	if (!team || flops < SGEMM_SPLIT_FLOPS || blocks < 2)
	{
		sgemm_part(&j, 0, 1);
		return;
	}
	nparts = (int) (flops / SGEMM_PART_FLOPS);
	if (nparts < 2)
		nparts = 2;
	if (nparts > SGEMM_MAX_PARTS)
		nparts = SGEMM_MAX_PARTS;
	/*
	 * A bf16 part converts the whole of the operand it does not split:
	 * one part per thread, no more.  The bf16 result does not depend on
	 * the split (nn.h), so the team size may choose it.
	 */
	if (j.bf16 && nparts > team->n)
		nparts = team->n;
	if (nparts > blocks)
		nparts = blocks;
	if (nparts < 2)
	{
		sgemm_part(&j, 0, 1);
		return;
	}
	rs_team_run(team, sgemm_part, &j, nparts);
}

size_t
rs_nn_bf16_dense_bytes(int rows, int C, int OC)
{
	size_t		f = rs_gemm16_gemm_scratch(rows, OC, C),	/* forward */
				d = rs_gemm16_gemm_scratch(rows, C, OC),	/* backward data */
				w = rs_gemm16_gemm_scratch(OC, C, rows);	/* weight gradient */

	return f > d ? (f > w ? f : w) : (d > w ? d : w);
}

/* ---------------------------------------------------------------- Linear */

/* out[B, OC] = in[B, C] @ w[OC, C]^T + b[OC] */
void
rs_dense_forward(float *out, int ldo, const float *in, int ldi,
				 const float *w, const float *b, int B, int C, int OC, rs_team *team)
{
	float		beta = 0.0f;

	if (B <= 0 || OC <= 0)
		return;
	if (b)
	{
		for (int r = 0; r < B; r++)
			memcpy(out + (size_t) r * ldo, b, sizeof(float) * OC);
		beta = 1.0f;
	}
	if (C <= 0)
	{
		if (!b)
			for (int r = 0; r < B; r++)
				memset(out + (size_t) r * ldo, 0, sizeof(float) * OC);
		return;
	}
	rs_sgemm(0, 1, B, OC, C, in, ldi, w, C, beta, out, ldo, team);
}

/*
 * din[B, C] += dout[B, OC] @ w[OC, C]
 * dw[OC, C] += dout^T @ in[B, C]
 * db[OC]    += column sums of dout
 */
void
rs_dense_backward(float *din, int lddi, float *dw, float *db,
				  const float *dout, int lddo, const float *in, int ldi,
				  const float *w, int B, int C, int OC, rs_team *team)
{
	if (B <= 0 || OC <= 0)
		return;
	if (din && C > 0)
		rs_sgemm(0, 0, B, C, OC, dout, lddo, w, C, 1.0f, din, lddi, team);
	if (dw && C > 0)
		rs_sgemm(1, 0, OC, C, B, dout, lddo, in, ldi, 1.0f, dw, C, team);
	if (db)
	{
		for (int r = 0; r < B; r++)
		{
			const float *d = dout + (size_t) r * lddo;

			for (int o = 0; o < OC; o++)
				db[o] += d[o];
		}
	}
}

void
rs_dense_init(float *w, float *b, int C, int OC, rs_rng *rng)
{
	double		bound = C > 0 ? 1.0 / sqrt((double) C) : 0.0;

	for (size_t i = 0; i < (size_t) OC * C; i++)
		w[i] = (float) ((2.0 * rs_rng_uniform(rng) - 1.0) * bound);
	if (b)
		for (int o = 0; o < OC; o++)
			b[o] = (float) ((2.0 * rs_rng_uniform(rng) - 1.0) * bound);
}

/* ---------------------------------------------------------------- BatchNorm1d */

/*
 * Strided training-mode batchnorm: out[B, C] (stride ldo), in[B, C]
 * (stride ldi).  Statistics are accumulated in double, row by row over a
 * block of columns at a time (cache-friendly and vectorizable; each
 * column's sum still runs over the rows in order).
 */
static void
bn_train_ld(float *out, int ldo, float *mean, float *rstd,
			const float *in, int ldi, const float *gamma, const float *beta,
			float *run_mean, float *run_var, int B, int C,
			float momentum, float eps)
{
	for (int c0 = 0; c0 < C; c0 += BN_BLOCK)
	{
		int			nc = C - c0 < BN_BLOCK ? C - c0 : BN_BLOCK;
		double		s[BN_BLOCK],
					ss[BN_BLOCK];
		float		fm[BN_BLOCK],
					fr[BN_BLOCK];

		for (int j = 0; j < nc; j++)
			s[j] = ss[j] = 0.0;
		for (int r = 0; r < B; r++)
		{
			const float *x = in + (size_t) r * ldi + c0;

			for (int j = 0; j < nc; j++)
				s[j] += x[j];
		}
		for (int j = 0; j < nc; j++)
			s[j] /= B;			/* now the mean */
		for (int r = 0; r < B; r++)
		{
			const float *x = in + (size_t) r * ldi + c0;

			for (int j = 0; j < nc; j++)
			{
				double		d = x[j] - s[j];

				ss[j] += d * d;
			}
		}
		for (int j = 0; j < nc; j++)
		{
			double		var = ss[j] / B;
			int			c = c0 + j;

			fm[j] = (float) s[j];
			fr[j] = (float) (1.0 / sqrt(var + eps));
			mean[c] = fm[j];
			rstd[c] = fr[j];
			if (run_mean)
				run_mean[c] = (1.0f - momentum) * run_mean[c] + momentum * fm[j];
			if (run_var)
			{
				double		unbiased = B > 1 ? ss[j] / (B - 1) : var;

				run_var[c] = (1.0f - momentum) * run_var[c] +
					momentum * (float) unbiased;
			}
			/* fold gamma into the scale */
			fr[j] *= gamma[c];
		}
		for (int r = 0; r < B; r++)
		{
			const float *x = in + (size_t) r * ldi + c0;
			float	   *y = out + (size_t) r * ldo + c0;
			const float *bt = beta + c0;

			for (int j = 0; j < nc; j++)
				y[j] = (x[j] - fm[j]) * fr[j] + bt[j];
		}
	}
}

void
rs_batchnorm_forward_train(float *out, float *mean, float *rstd,
						   const float *in, const float *gamma,
						   const float *beta, float *run_mean, float *run_var,
						   int B, int C, float momentum, float eps)
{
	bn_train_ld(out, C, mean, rstd, in, C, gamma, beta, run_mean, run_var,
				B, C, momentum, eps);
}

/* Inference batchnorm: out[B, C] (stride ldo) from in (stride ldi). */
static void
bn_eval_ld(float *out, int ldo, const float *in, int ldi,
		   const float *gamma, const float *beta, const float *run_mean,
		   const float *run_var, int B, int C, float eps)
{
	/* 1/sqrt(var + eps) once per column, not per element (same values) */
	for (int c0 = 0; c0 < C; c0 += BN_BLOCK)
	{
		int			nc = C - c0 < BN_BLOCK ? C - c0 : BN_BLOCK;
		float		fr[BN_BLOCK];

		for (int c = 0; c < nc; c++)
			fr[c] = 1.0f / sqrtf(run_var[c0 + c] + eps);
		for (int r = 0; r < B; r++)
		{
			const float *x = in + (size_t) r * ldi + c0;
			float	   *y = out + (size_t) r * ldo + c0;
			const float *g = gamma + c0,
					   *m = run_mean + c0,
					   *b = beta + c0;

			for (int c = 0; c < nc; c++)
				y[c] = g[c] * ((x[c] - m[c]) * fr[c]) + b[c];
		}
	}
}

void
rs_batchnorm_forward_eval(float *out, const float *in, const float *gamma,
						  const float *beta, const float *run_mean,
						  const float *run_var, int B, int C, float eps)
{
	bn_eval_ld(out, C, in, C, gamma, beta, run_mean, run_var, B, C, eps);
}

/*
 * din = gamma * rstd * (dout - mean(dout) - xhat * mean(dout * xhat)),
 * per column; din may equal dout.  Blocked over columns like the forward.
 */
static void
bn_backward_ld(float *din, float *dgamma, float *dbeta, const float *dout,
			   const float *in, int ld, const float *mean, const float *rstd,
			   const float *gamma, int B, int C)
{
	for (int c0 = 0; c0 < C; c0 += BN_BLOCK)
	{
		int			nc = C - c0 < BN_BLOCK ? C - c0 : BN_BLOCK;
		double		sd[BN_BLOCK],
					sdx[BN_BLOCK];
		float		md[BN_BLOCK],
					mdx[BN_BLOCK],
					k[BN_BLOCK];
		const float *fm = mean + c0,
				   *fr = rstd + c0;

		for (int j = 0; j < nc; j++)
			sd[j] = sdx[j] = 0.0;
		for (int r = 0; r < B; r++)
		{
			const float *x = in + (size_t) r * ld + c0;
			const float *dy = dout + (size_t) r * ld + c0;

			for (int j = 0; j < nc; j++)
			{
				float		xhat = (x[j] - fm[j]) * fr[j];

				sd[j] += dy[j];
				sdx[j] += (double) dy[j] * xhat;
			}
		}
		for (int j = 0; j < nc; j++)
		{
			if (dgamma)
				dgamma[c0 + j] += (float) sdx[j];
			if (dbeta)
				dbeta[c0 + j] += (float) sd[j];
			md[j] = (float) (sd[j] / B);
			mdx[j] = (float) (sdx[j] / B);
			k[j] = gamma[c0 + j] * fr[j];
		}
		if (!din)
			continue;
		for (int r = 0; r < B; r++)
		{
			const float *x = in + (size_t) r * ld + c0;
			const float *dy = dout + (size_t) r * ld + c0;
			float	   *dx = din + (size_t) r * ld + c0;

			for (int j = 0; j < nc; j++)
			{
				float		xhat = (x[j] - fm[j]) * fr[j];

				dx[j] = k[j] * (dy[j] - md[j] - xhat * mdx[j]);
			}
		}
	}
}

void
rs_batchnorm_backward(float *din, float *dgamma, float *dbeta,
					  const float *dout, const float *in, const float *mean,
					  const float *rstd, const float *gamma, int B, int C)
{
	bn_backward_ld(din, dgamma, dbeta, dout, in, C, mean, rstd, gamma, B, C);
}

/* ---------------------------------------------------------------- element-wise */

/*
 * Every operand is loaded unconditionally and the arms of each select are
 * computed before it, so that the loops compile to vector selects rather
 * than branches.
 */
void
rs_relu_forward(float *out, const float *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		float		x = in[i];

		out[i] = x > 0.0f ? x : 0.0f;
	}
}

void
rs_relu_backward(float *din, const float *dout, const float *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		float		d = dout[i];

		din[i] = out[i] > 0.0f ? d : 0.0f;
	}
}

void
rs_leaky_relu_forward(float *out, const float *in, size_t n, float slope)
{
	for (size_t i = 0; i < n; i++)
	{
		float		x = in[i],
					y = slope * x;

		out[i] = x > 0.0f ? x : y;
	}
}

void
rs_leaky_relu_backward(float *din, const float *dout, const float *in,
					   size_t n, float slope)
{
	for (size_t i = 0; i < n; i++)
	{
		float		d = dout[i],
					e = slope * d;

		din[i] = in[i] > 0.0f ? d : e;
	}
}

void
rs_dropout_mask(float *mask, size_t n, float p, rs_rng *rng)
{
	float		keep = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
	/* 16-bit draws, four per rng call: drop when draw < p * 65536 */
	uint32_t	thr = (uint32_t) lrint((double) p * 65536.0);
	uint64_t	bits = 0;

	if (p <= 0.0f)
	{
		for (size_t i = 0; i < n; i++)
			mask[i] = 1.0f;
		return;
	}
	for (size_t i = 0; i < n; i++)
	{
		if ((i & 3) == 0)
			bits = rs_rng_next(rng);
		mask[i] = (uint32_t) (bits & 0xffff) < thr ? 0.0f : keep;
		bits >>= 16;
	}
}

void
rs_dropout_forward(float *out, const float *in, const float *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = in[i] * mask[i];
}

void
rs_dropout_backward(float *din, const float *dout, const float *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		din[i] = dout[i] * mask[i];
}

void
rs_tanh_forward(float *out, const float *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = tanhf(in[i]);
}

void
rs_tanh_backward(float *din, const float *dout, const float *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		din[i] = dout[i] * (1.0f - out[i] * out[i]);
}

/* ---------------------------------------------------------------- softmax with temperature */

void
rs_softmax_forward(float *out, int ldo, const float *in, int ldi,
				   const float *g, int B, int W, float tau)
{
	float		inv_tau = 1.0f / tau;

	for (int r = 0; r < B; r++)
	{
		const float *x = in + (size_t) r * ldi;
		const float *gr = g ? g + (size_t) r * W : NULL;
		float	   *y = out + (size_t) r * ldo;
		float		mx = -INFINITY;
		double		sum = 0.0;
		float		inv;

		for (int j = 0; j < W; j++)
		{
			float		v = (x[j] + (gr ? gr[j] : 0.0f)) * inv_tau;

			y[j] = v;
			if (v > mx)
				mx = v;
		}
		for (int j = 0; j < W; j++)
		{
			y[j] = expf(y[j] - mx);
			sum += y[j];
		}
		inv = (float) (1.0 / sum);
		for (int j = 0; j < W; j++)
			y[j] *= inv;
	}
}

void
rs_softmax_backward(float *din, int lddi, const float *dout, int lddo,
					const float *out, int ldo, int B, int W, float tau)
{
	float		inv_tau = 1.0f / tau;

	for (int r = 0; r < B; r++)
	{
		const float *dy = dout + (size_t) r * lddo;
		const float *y = out + (size_t) r * ldo;
		float	   *dx = din + (size_t) r * lddi;
		double		dot = 0.0;
		float		fdot;

		for (int j = 0; j < W; j++)
			dot += (double) dy[j] * y[j];
		fdot = (float) dot;
		for (int j = 0; j < W; j++)
			dx[j] = inv_tau * y[j] * (dy[j] - fdot);
	}
}

/* ---------------------------------------------------------------- CTGAN Residual */

/*
 * The batchnorm and ReLU of a residual block work column by column, so a
 * team splits them by blocks of BN_BLOCK columns with the same values.
 */
typedef struct residual_job
{
	float	   *io,
			   *dio,
			   *lin,
			   *mean,
			   *rstd,
			   *run_mean,
			   *run_var,
			   *scratch,
			   *dgamma,
			   *dbeta;
	const float *gamma,
			   *beta;
	int			ld,
				B,
				OC;
} residual_job;

static void
residual_forward_part(void *arg, int part, int nparts)
{
	residual_job *j = arg;
	int64_t		lo,
				hi;

	rs_team_range(j->OC, BN_BLOCK, part, nparts, &lo, &hi);
	if (lo >= hi)
		return;
	/* io[:, lo:hi] = bn(lin), then relu in place */
	bn_train_ld(j->io + lo, j->ld, j->mean + lo, j->rstd + lo, j->lin + lo,
				j->OC, j->gamma + lo, j->beta + lo,
				j->run_mean ? j->run_mean + lo : NULL,
				j->run_var ? j->run_var + lo : NULL, j->B, (int) (hi - lo), RS_BN_MOMENTUM,
				RS_BN_EPS);
	for (int r = 0; r < j->B; r++)
	{
		float	   *y = j->io + (size_t) r * j->ld + lo;

		rs_relu_forward(y, y, (size_t) (hi - lo));
	}
}

static void
residual_backward_part(void *arg, int part, int nparts)
{
	residual_job *j = arg;
	int64_t		lo,
				hi;

	rs_team_range(j->OC, BN_BLOCK, part, nparts, &lo, &hi);
	if (lo >= hi)
		return;
	/* scratch[B, lo:hi] = d relu output -> d bn output -> d lin */
	for (int r = 0; r < j->B; r++)
		rs_relu_backward(j->scratch + (size_t) r * j->OC + lo,
						 j->dio + (size_t) r * j->ld + lo,
						 j->io + (size_t) r * j->ld + lo, (size_t) (hi - lo));
	bn_backward_ld(j->scratch + lo, j->dgamma ? j->dgamma + lo : NULL,
				   j->dbeta ? j->dbeta + lo : NULL, j->scratch + lo,
				   j->lin + lo, j->OC, j->mean + lo, j->rstd + lo,
				   j->gamma + lo, j->B, (int) (hi - lo));
}

/* one part per block of BN_BLOCK columns with a team */
static void
team_or_here(rs_team *team, rs_team_fn fn, void *arg, int OC)
{
	if (team)
		rs_team_run(team, fn, arg, (OC + BN_BLOCK - 1) / BN_BLOCK);
	else
		fn(arg, 0, 1);
}

void
rs_residual_forward_train(float *io, int ld, const float *w, const float *b,
						  const float *gamma, const float *beta, float *lin,
						  float *mean, float *rstd, float *run_mean,
						  float *run_var, int B, int C, int OC, rs_team *team)
{
	residual_job j = {io, NULL, lin, mean, rstd, run_mean, run_var, NULL,
		NULL, NULL, gamma, beta, ld, B, OC};

	/* lin[B, OC] = x @ w^T + b */
	rs_dense_forward(lin, OC, io + OC, ld, w, b, B, C, OC, team);
	team_or_here(team, residual_forward_part, &j, OC);
}

void
rs_residual_forward_eval(float *io, int ld, const float *w, const float *b,
						 const float *gamma, const float *beta,
						 const float *run_mean, const float *run_var,
						 float *scratch, int B, int C, int OC)
{
	rs_dense_forward(scratch, OC, io + OC, ld, w, b, B, C, OC, NULL);
	bn_eval_ld(io, ld, scratch, OC, gamma, beta, run_mean, run_var, B, OC,
			   RS_BN_EPS);
	for (int r = 0; r < B; r++)
	{
		float	   *y = io + (size_t) r * ld;

		rs_relu_forward(y, y, OC);
	}
}

void
rs_residual_backward(float *dio, int ld, float *dw, float *db, float *dgamma,
					 float *dbeta, float *scratch, const float *io,
					 const float *lin, const float *mean, const float *rstd,
					 const float *w, const float *gamma, int B, int C, int OC,
					 int need_din, rs_team *team)
{
	residual_job j = {(float *) io, dio, (float *) lin, (float *) mean,
		(float *) rstd, NULL, NULL, scratch, dgamma, dbeta, gamma, NULL, ld,
	B, OC};

	/* scratch[B, OC] = d relu output -> d bn output -> d lin */
	team_or_here(team, residual_backward_part, &j, OC);
	/* -> dw, db, and d x added to the concatenated gradient */
	rs_dense_backward(need_din ? dio + OC : NULL, ld, dw, db, scratch, OC,
					  io + OC, ld, w, B, C, OC, team);
}

/* ---------------------------------------------------------------- Adam */

typedef struct adam_job
{
	float	   *params;
	const float *grads;
	float	   *m,
			   *v;
	size_t		n;
	float		beta1,
				beta2,
				eps,
				weight_decay,
				step_size,
				inv_sqrt_bc2;
} adam_job;

/* Adam over [lo, hi) of the job's parameters */
static void
adam_range(const adam_job *j, size_t lo, size_t hi)
{
	float	   *params = j->params,
			   *m = j->m,
			   *v = j->v;
	const float *grads = j->grads;
	float		beta1 = j->beta1,
				beta2 = j->beta2,
				eps = j->eps,
				weight_decay = j->weight_decay,
				step_size = j->step_size,
				inv_sqrt_bc2 = j->inv_sqrt_bc2;
	size_t		i = lo,
				n = hi;

#if defined(__SSE2__)
	/*
	 * Four at a time: the same operations in the same order as the scalar
	 * loop (sqrt is correctly rounded either way), so identical results;
	 * the scalar sqrtf() errno check keeps the compiler from doing this.
	 */
	{
		__m128		vwd = _mm_set1_ps(weight_decay),
					vb1 = _mm_set1_ps(beta1),
					vb1c = _mm_set1_ps(1.0f - beta1),
					vb2 = _mm_set1_ps(beta2),
					vb2c = _mm_set1_ps(1.0f - beta2),
					vstep = _mm_set1_ps(step_size),
					vc = _mm_set1_ps(inv_sqrt_bc2),
					veps = _mm_set1_ps(eps);

		for (; i + 4 <= n; i += 4)
		{
			__m128		p = _mm_loadu_ps(params + i);
			__m128		g = _mm_add_ps(_mm_loadu_ps(grads + i), _mm_mul_ps(vwd, p));
			__m128		mi = _mm_add_ps(_mm_mul_ps(vb1, _mm_loadu_ps(m + i)),
										_mm_mul_ps(vb1c, g));
			__m128		vi = _mm_add_ps(_mm_mul_ps(vb2, _mm_loadu_ps(v + i)),
										_mm_mul_ps(_mm_mul_ps(vb2c, g), g));
			__m128		den = _mm_add_ps(_mm_mul_ps(_mm_sqrt_ps(vi), vc), veps);

			_mm_storeu_ps(m + i, mi);
			_mm_storeu_ps(v + i, vi);
			_mm_storeu_ps(params + i,
						  _mm_sub_ps(p, _mm_div_ps(_mm_mul_ps(vstep, mi), den)));
		}
	}
#endif
	for (; i < n; i++)
	{
		float		g = grads[i] + weight_decay * params[i];
		float		mi = beta1 * m[i] + (1.0f - beta1) * g;
		float		vi = beta2 * v[i] + (1.0f - beta2) * g * g;

		m[i] = mi;
		v[i] = vi;
		params[i] -= step_size * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
	}
}

static void
adam_part(void *arg, int part, int nparts)
{
	adam_job   *j = arg;
	int64_t		lo,
				hi;

	rs_team_range((int64_t) j->n, 64, part, nparts, &lo, &hi);
	adam_range(j, (size_t) lo, (size_t) hi);
}

/*
 * Every element is updated on its own, so splitting the range over a team
 * gives the same values; one part per ADAM_PART_SIZE parameters, at most
 * ADAM_MAX_PARTS.
 */
#define ADAM_PART_SIZE 16384
#define ADAM_MAX_PARTS 8

void
rs_adam_step(float *params, const float *grads, float *m, float *v, size_t n,
			 int t, float lr, float beta1, float beta2, float eps,
			 float weight_decay, rs_team *team)
{
	double		bc1 = 1.0 - pow((double) beta1, (double) t);
	double		bc2 = 1.0 - pow((double) beta2, (double) t);
	adam_job	j = {params, grads, m, v, n, beta1, beta2, eps, weight_decay,
		(float) (lr / bc1), (float) (1.0 / sqrt(bc2))};

	if (team && n >= 2 * ADAM_PART_SIZE)
		rs_team_run(team, adam_part, &j,
					n >= (size_t) ADAM_MAX_PARTS * ADAM_PART_SIZE ?
					ADAM_MAX_PARTS : (int) (n / ADAM_PART_SIZE));
	else
		adam_range(&j, 0, n);
}

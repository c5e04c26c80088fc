/*
 * test_nn.c
 *	  Unit tests of the layers in src/core/nn.c: every backward function
 *	  against central finite differences of a scalar loss
 *	  L = sum(out * R) with fixed random R (accumulated in double), the
 *	  batchnorm running statistics and inference mode, and Adam against a
 *	  step computed by hand in double; and that products, residual blocks
 *	  and Adam split over a team (team.h, tested in test_team.c) match the
 *	  same work done on one thread.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"

#include "nn.h"
#include "rng.h"
#include "rs_common.h"
#include "unit.h"

#define FD_EPS		1e-3
#define FD_RTOL		1e-2
#define FD_ATOL		2e-3

typedef double (*loss_fn) (void *ctx);

static void
fill_normal(float *x, size_t n, rs_rng *rng, float scale)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float) (scale * rs_rng_normal(rng));
}

static double
dot_d(const float *a, const float *b, size_t n)
{
	double		s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += (double) a[i] * b[i];
	return s;
}

/*
 * Compare analytic[n] with central differences of f over x[n]; returns the
 * number of entries out of tolerance (and prints the first few).
 */
static int
fd_check(const char *what, float *x, size_t n, const float *analytic,
		 loss_fn f, void *ctx)
{
	int			bad = 0;

	for (size_t i = 0; i < n; i++)
	{
		float		save = x[i];
		double		lp,
					lm,
					fd,
					an = analytic[i];

		x[i] = save + (float) FD_EPS;
		lp = f(ctx);
		x[i] = save - (float) FD_EPS;
		lm = f(ctx);
		x[i] = save;
		fd = (lp - lm) / (2 * FD_EPS);
		if (fabs(fd - an) > FD_RTOL * fmax(fabs(fd), fabs(an)) + FD_ATOL)
		{
			/*
			 * A ReLU kink within eps of the point: retry with a step ten
			 * times smaller before calling it a failure.
			 */
			x[i] = save + (float) (FD_EPS / 10);
			lp = f(ctx);
			x[i] = save - (float) (FD_EPS / 10);
			lm = f(ctx);
			x[i] = save;
			fd = (lp - lm) / (2 * FD_EPS / 10);
		}
		if (fabs(fd - an) > FD_RTOL * fmax(fabs(fd), fabs(an)) + 2 * FD_ATOL)
		{
			if (bad < 5)
				fprintf(stderr, "  %s[%zu]: analytic %.6g, numeric %.6g\n",
						what, i, an, fd);
			bad++;
		}
	}
	return bad;
}

/* ---------------------------------------------------------------- dense */

typedef struct dense_ctx
{
	int			B,
				C,
				OC,
				ldi,
				ldo;
	float	   *in,
			   *w,
			   *b,
			   *out,
			   *R;
} dense_ctx;

static double
dense_loss(void *p)
{
	dense_ctx  *c = p;
	double		s = 0.0;

	rs_dense_forward(c->out, c->ldo, c->in, c->ldi, c->w, c->b, c->B, c->C, c->OC, NULL);
	for (int r = 0; r < c->B; r++)
		s += dot_d(c->out + r * c->ldo, c->R + r * c->OC, c->OC);
	return s;
}

static void
test_dense_grad(void)
{
	rs_rng		rng;
	dense_ctx	c = {.B = 4,.C = 5,.OC = 3,.ldi = 7,.ldo = 4};
	float		in[4 * 7],
				w[15],
				b[3],
				out[4 * 4],
				R[12],
				din[4 * 7],
				dw[15],
				db[3],
				dout[4 * 4];

	rs_rng_seed(&rng, 1);
	fill_normal(in, 28, &rng, 1.0f);
	fill_normal(R, 12, &rng, 1.0f);
	rs_dense_init(w, b, c.C, c.OC, &rng);
	c.in = in;
	c.w = w;
	c.b = b;
	c.out = out;
	c.R = R;
	/* dout with stride ldo; gradients accumulate onto a known base */
	memset(dout, 0, sizeof(dout));
	for (int r = 0; r < c.B; r++)
		memcpy(dout + r * c.ldo, R + r * c.OC, sizeof(float) * c.OC);
	for (int i = 0; i < 28; i++)
		din[i] = 0.5f;
	for (int i = 0; i < 15; i++)
		dw[i] = 0.25f;
	for (int i = 0; i < 3; i++)
		db[i] = -1.0f;
	rs_dense_backward(din, c.ldi, dw, db, dout, c.ldo, in, c.ldi, w, c.B, c.C, c.OC, NULL);
	for (int i = 0; i < 28; i++)
		din[i] -= 0.5f;
	for (int i = 0; i < 15; i++)
		dw[i] -= 0.25f;
	for (int i = 0; i < 3; i++)
		db[i] += 1.0f;
	/* padding columns of din must be untouched */
	for (int r = 0; r < c.B; r++)
		for (int j = c.C; j < c.ldi; j++)
			CHECK(din[r * c.ldi + j] == 0.0f);
	CHECK(fd_check("dense din", in, 28, din, dense_loss, &c) == 0);
	CHECK(fd_check("dense dw", w, 15, dw, dense_loss, &c) == 0);
	CHECK(fd_check("dense db", b, 3, db, dense_loss, &c) == 0);

	/* forward against a plain loop */
	dense_loss(&c);
	for (int r = 0; r < c.B; r++)
		for (int o = 0; o < c.OC; o++)
		{
			double		s = b[o];

			for (int k = 0; k < c.C; k++)
				s += (double) in[r * c.ldi + k] * w[o * c.C + k];
			CHECK_NEAR(out[r * c.ldo + o], s, 1e-5);
		}
}

/* ---------------------------------------------------------------- batchnorm */

typedef struct bn_ctx
{
	int			B,
				C;
	float	   *in,
			   *gamma,
			   *beta,
			   *out,
			   *mean,
			   *rstd,
			   *R;
} bn_ctx;

static double
bn_loss(void *p)
{
	bn_ctx	   *c = p;

	rs_batchnorm_forward_train(c->out, c->mean, c->rstd, c->in, c->gamma,
							   c->beta, NULL, NULL, c->B, c->C, 0.1f, 1e-5f);
	return dot_d(c->out, c->R, (size_t) c->B * c->C);
}

static void
test_batchnorm_grad(void)
{
	rs_rng		rng;
	enum
	{
	B = 6, C = 4};
	float		in[B * C],
				gamma[C],
				beta[C],
				out[B * C],
				mean[C],
				rstd[C],
				R[B * C],
				din[B * C],
				dg[C] = {0},
				dbt[C] = {0};
	bn_ctx		c = {B, C, in, gamma, beta, out, mean, rstd, R};

	rs_rng_seed(&rng, 2);
	fill_normal(in, B * C, &rng, 2.0f);
	fill_normal(gamma, C, &rng, 1.0f);
	fill_normal(beta, C, &rng, 1.0f);
	fill_normal(R, B * C, &rng, 1.0f);
	bn_loss(&c);
	/* in-place backward: din == dout */
	memcpy(din, R, sizeof(R));
	rs_batchnorm_backward(din, dg, dbt, din, in, mean, rstd, gamma, B, C);
	CHECK(fd_check("bn din", in, B * C, din, bn_loss, &c) == 0);
	CHECK(fd_check("bn dgamma", gamma, C, dg, bn_loss, &c) == 0);
	CHECK(fd_check("bn dbeta", beta, C, dbt, bn_loss, &c) == 0);
}

static void
test_batchnorm_stats(void)
{
	float		in[4 * 2] = {1, 10, 2, 20, 3, 30, 6, 40};
	float		gamma[2] = {1, 2},
				beta[2] = {0, 1},
				out[8],
				mean[2],
				rstd[2],
				rm[2] = {0, 0},
				rv[2] = {1, 1},
				ev[8];

	rs_batchnorm_forward_train(out, mean, rstd, in, gamma, beta, rm, rv, 4, 2,
							   RS_BN_MOMENTUM, RS_BN_EPS);
	CHECK_NEAR(mean[0], 3.0, 1e-6);
	CHECK_NEAR(mean[1], 25.0, 1e-5);
	/* biased var of (1,2,3,6) = 3.5; unbiased 14/3 */
	CHECK_NEAR(rstd[0], 1.0 / sqrt(3.5 + 1e-5), 1e-6);
	CHECK_NEAR(rm[0], 0.3, 1e-6);
	CHECK_NEAR(rm[1], 2.5, 1e-5);
	CHECK_NEAR(rv[0], 0.9 + 0.1 * 14.0 / 3.0, 1e-5);
	CHECK_NEAR(rv[1], 0.9 + 0.1 * 500.0 / 3.0, 1e-4);
	CHECK_NEAR(out[0], (1 - 3.0) / sqrt(3.5 + 1e-5), 1e-5);
	/* eval mode uses the running statistics, row by row */
	rs_batchnorm_forward_eval(ev, in, gamma, beta, rm, rv, 4, 2, RS_BN_EPS);
	for (int r = 0; r < 4; r++)
		for (int j = 0; j < 2; j++)
		{
			double		e = gamma[j] * (in[r * 2 + j] - rm[j]) /
				sqrt(rv[j] + 1e-5) + beta[j];
			float		one[2];

			CHECK_NEAR(ev[r * 2 + j], e, 1e-4);
			rs_batchnorm_forward_eval(one, in + r * 2, gamma, beta, rm, rv, 1, 2,
									  RS_BN_EPS);
			CHECK(one[j] == ev[r * 2 + j]);
		}
}

/* ---------------------------------------------------------------- element-wise */

typedef struct ew_ctx
{
	int			kind;			/* 0 relu, 1 leaky, 2 dropout, 3 tanh */
	size_t		n;
	float	   *in,
			   *out,
			   *mask,
			   *R;
} ew_ctx;

static double
ew_loss(void *p)
{
	ew_ctx	   *c = p;

	switch (c->kind)
	{
		case 0:
			rs_relu_forward(c->out, c->in, c->n);
			break;
		case 1:
			rs_leaky_relu_forward(c->out, c->in, c->n, RS_LRELU_SLOPE);
			break;
		case 2:
			rs_dropout_forward(c->out, c->in, c->mask, c->n);
			break;
		default:
			rs_tanh_forward(c->out, c->in, c->n);
			break;
	}
	return dot_d(c->out, c->R, c->n);
}

static void
test_elementwise_grads(void)
{
	enum
	{
	N = 40};
	rs_rng		rng;
	float		in[N],
				out[N],
				mask[N],
				R[N],
				din[N];
	ew_ctx		c = {0, N, in, out, mask, R};
	const char *names[4] = {"relu", "leaky relu", "dropout", "tanh"};

	rs_rng_seed(&rng, 3);
	for (int i = 0; i < N; i++)
	{
		/* keep clear of the kink at 0 */
		double		v = rs_rng_normal(&rng);

		in[i] = (float) (v >= 0 ? v + 0.05 : v - 0.05);
	}
	fill_normal(R, N, &rng, 1.0f);
	rs_dropout_mask(mask, N, 0.5f, &rng);
	for (int kind = 0; kind < 4; kind++)
	{
		c.kind = kind;
		ew_loss(&c);
		switch (kind)
		{
			case 0:
				rs_relu_backward(din, R, out, N);
				break;
			case 1:
				rs_leaky_relu_backward(din, R, in, N, RS_LRELU_SLOPE);
				break;
			case 2:
				rs_dropout_backward(din, R, mask, N);
				break;
			default:
				rs_tanh_backward(din, R, out, N);
				break;
		}
		if (fd_check(names[kind], in, N, din, ew_loss, &c) != 0)
		{
			fprintf(stderr, "  %s backward failed\n", names[kind]);
			CHECK(0);
		}
	}
	/* in place backward gives the same */
	memcpy(din, R, sizeof(R));
	rs_leaky_relu_backward(din, din, in, N, RS_LRELU_SLOPE);
	for (int i = 0; i < N; i++)
		CHECK(din[i] == (in[i] > 0 ? R[i] : 0.2f * R[i]));
}

static void
test_dropout_mask(void)
{
	enum
	{
	N = 20000};
	static float mask[N];
	rs_rng		rng;
	int			zeros = 0;

	rs_rng_seed(&rng, 4);
	rs_dropout_mask(mask, N, 0.5f, &rng);
	for (int i = 0; i < N; i++)
	{
		CHECK(mask[i] == 0.0f || mask[i] == 2.0f);
		zeros += mask[i] == 0.0f;
	}
	CHECK(zeros > N * 0.48 && zeros < N * 0.52);
	rs_dropout_mask(mask, N, 0.0f, &rng);
	for (int i = 0; i < N; i++)
		CHECK(mask[i] == 1.0f);
}

/* ---------------------------------------------------------------- gumbel softmax */

typedef struct sm_ctx
{
	int			B,
				W,
				ldi,
				ldo;
	float		tau;
	float	   *in,
			   *g,
			   *out,
			   *R;
} sm_ctx;

static double
sm_loss(void *p)
{
	sm_ctx	   *c = p;
	double		s = 0.0;

	rs_softmax_forward(c->out, c->ldo, c->in, c->ldi, c->g, c->B, c->W, c->tau);
	for (int r = 0; r < c->B; r++)
		s += dot_d(c->out + r * c->ldo, c->R + r * c->W, c->W);
	return s;
}

static void
test_gumbel_softmax_grad(void)
{
	enum
	{
	B = 3, W = 4, LDI = 6, LDO = 5};
	rs_rng		rng;
	float		in[B * LDI],
				g[B * W],
				out[B * LDO],
				R[B * W],
				din[B * LDI],
				dout[B * LDO];
	sm_ctx		c = {B, W, LDI, LDO, 0.2f, in, g, out, R};

	rs_rng_seed(&rng, 5);
	fill_normal(in, B * LDI, &rng, 0.3f);
	for (int i = 0; i < B * W; i++)
		g[i] = (float) (0.3 * rs_rng_gumbel(&rng));
	fill_normal(R, B * W, &rng, 1.0f);
	sm_loss(&c);
	for (int r = 0; r < B; r++)
	{
		double		s = 0.0;

		for (int j = 0; j < W; j++)
			s += out[r * LDO + j];
		CHECK_NEAR(s, 1.0, 1e-6);
		memcpy(dout + r * LDO, R + r * W, sizeof(float) * W);
	}
	memset(din, 0, sizeof(din));
	rs_softmax_backward(din, LDI, dout, LDO, out, LDO, B, W, c.tau);
	CHECK(fd_check("gumbel softmax", in, B * LDI, din, sm_loss, &c) == 0);
	/* tau 1 without noise is the plain softmax */
	c.tau = 1.0f;
	c.g = NULL;
	sm_loss(&c);
	rs_softmax_backward(din, LDI, dout, LDO, out, LDO, B, W, c.tau);
	CHECK(fd_check("softmax", in, B * LDI, din, sm_loss, &c) == 0);
}

/* ---------------------------------------------------------------- residual */

typedef struct res_ctx
{
	int			B,
				C,
				OC,
				ld;
	float	   *x,				/* [B, C] the block input */
			   *io,
			   *w,
			   *b,
			   *gamma,
			   *beta,
			   *lin,
			   *mean,
			   *rstd,
			   *R;				/* [B, OC + C] */
} res_ctx;

static double
res_loss(void *p)
{
	res_ctx    *c = p;
	double		s = 0.0;

	for (int r = 0; r < c->B; r++)
		memcpy(c->io + r * c->ld + c->OC, c->x + r * c->C, sizeof(float) * c->C);
	rs_residual_forward_train(c->io, c->ld, c->w, c->b, c->gamma, c->beta,
							  c->lin, c->mean, c->rstd, NULL, NULL,
							  c->B, c->C, c->OC, NULL);
	for (int r = 0; r < c->B; r++)
		s += dot_d(c->io + r * c->ld, c->R + r * (c->OC + c->C), c->OC + c->C);
	return s;
}

static void
test_residual_grad(void)
{
	enum
	{
	B = 8, C = 3, OC = 5, LD = 10};
	rs_rng		rng;
	float		x[B * C],
				io[B * LD],
				dio[B * LD],
				w[OC * C],
				b[OC],
				gamma[OC],
				beta[OC],
				lin[B * OC],
				mean[OC],
				rstd[OC],
				R[B * (OC + C)],
				scratch[B * OC],
				dx[B * C];
	float		dw[OC * C] = {0},
				db[OC] = {0},
				dg[OC] = {0},
				dbt[OC] = {0};
	res_ctx		c = {B, C, OC, LD, x, io, w, b, gamma, beta, lin, mean, rstd, R};

	rs_rng_seed(&rng, 6);
	fill_normal(x, B * C, &rng, 1.0f);
	rs_dense_init(w, b, C, OC, &rng);
	for (int j = 0; j < OC; j++)
	{
		gamma[j] = (float) (1.0 + 0.3 * rs_rng_normal(&rng));
		beta[j] = (float) (0.3 * rs_rng_normal(&rng));
	}
	fill_normal(R, B * (OC + C), &rng, 1.0f);
	memset(io, 0, sizeof(io));
	res_loss(&c);
	/* concatenation: the input is still in place after the block */
	for (int r = 0; r < B; r++)
		for (int j = 0; j < C; j++)
			CHECK(io[r * LD + OC + j] == x[r * C + j]);
	memset(dio, 0, sizeof(dio));
	for (int r = 0; r < B; r++)
		memcpy(dio + r * LD, R + r * (OC + C), sizeof(float) * (OC + C));
	rs_residual_backward(dio, LD, dw, db, dg, dbt, scratch, io, lin, mean, rstd,
						 w, gamma, B, C, OC, 1, NULL);
	for (int r = 0; r < B; r++)
		memcpy(dx + r * C, dio + r * LD + OC, sizeof(float) * C);
	CHECK(fd_check("residual dx", x, B * C, dx, res_loss, &c) == 0);
	CHECK(fd_check("residual dw", w, OC * C, dw, res_loss, &c) == 0);
	CHECK(fd_check("residual db", b, OC, db, res_loss, &c) == 0);
	CHECK(fd_check("residual dgamma", gamma, OC, dg, res_loss, &c) == 0);
	CHECK(fd_check("residual dbeta", beta, OC, dbt, res_loss, &c) == 0);
}

static void
test_residual_eval(void)
{
	enum
	{
	B = 6, C = 3, OC = 4, LD = 7};
	rs_rng		rng;
	float		io[B * LD],
				one[LD],
				w[OC * C],
				b[OC],
				gamma[OC],
				beta[OC],
				rm[OC],
				rv[OC],
				scratch[B * OC];

	rs_rng_seed(&rng, 7);
	fill_normal(io, B * LD, &rng, 1.0f);
	rs_dense_init(w, b, C, OC, &rng);
	fill_normal(gamma, OC, &rng, 1.0f);
	fill_normal(beta, OC, &rng, 1.0f);
	fill_normal(rm, OC, &rng, 0.2f);
	for (int j = 0; j < OC; j++)
		rv[j] = (float) (0.5 + rs_rng_uniform(&rng));
	rs_residual_forward_eval(io, LD, w, b, gamma, beta, rm, rv, scratch, B, C, OC);
	for (int r = 0; r < B; r++)
	{
		memcpy(one, io + r * LD, sizeof(one));
		memset(one, 0, sizeof(float) * OC);
		rs_residual_forward_eval(one, LD, w, b, gamma, beta, rm, rv, scratch,
								 1, C, OC);
		for (int j = 0; j < OC; j++)
		{
			double		l = b[j];

			for (int k = 0; k < C; k++)
				l += (double) w[j * C + k] * io[r * LD + OC + k];
			l = gamma[j] * (l - rm[j]) / sqrt(rv[j] + 1e-5) + beta[j];
			CHECK_NEAR(io[r * LD + j], l > 0 ? l : 0, 1e-5);
			CHECK_NEAR(one[j], io[r * LD + j], 1e-6);
		}
	}
}

/* ---------------------------------------------------------------- Adam */

static void
test_adam(void)
{
	float		p[3] = {0.5f, -1.0f, 2.0f},
				m[3] = {0},
				v[3] = {0};
	double		pd[3] = {0.5, -1.0, 2.0},
				md[3] = {0},
				vd[3] = {0};
	float		grads[2][3] = {{0.1f, -0.2f, 0.0f}, {-0.3f, 0.05f, 1.0f}};
	double		lr = 2e-4,
				b1 = 0.5,
				b2 = 0.9,
				eps = 1e-8,
				wd = 1e-6;

	for (int t = 1; t <= 2; t++)
	{
		rs_adam_step(p, grads[t - 1], m, v, 3, t, (float) lr, (float) b1,
					 (float) b2, (float) eps, (float) wd, NULL);
		for (int i = 0; i < 3; i++)
		{
			double		g = grads[t - 1][i] + wd * pd[i];
			double		mh,
						vh;

			md[i] = b1 * md[i] + (1 - b1) * g;
			vd[i] = b2 * vd[i] + (1 - b2) * g * g;
			mh = md[i] / (1 - pow(b1, t));
			vh = vd[i] / (1 - pow(b2, t));
			pd[i] -= lr * mh / (sqrt(vh) + eps);
		}
	}
	for (int i = 0; i < 3; i++)
	{
		CHECK_NEAR(p[i], pd[i], 1e-6);
		CHECK_NEAR(m[i], md[i], 1e-6);
		CHECK_NEAR(v[i], vd[i], 1e-6 * vd[i] + 1e-9);
	}
}

/* ---------------------------------------------------------------- split over a team (team.h) */

/*
 * Products, residual blocks and Adam split over teams of 2 and 3 against
 * one thread: products within rounding, the rest bit for bit (their work
 * is per element or per column).
 */
static void
test_team_split(void)
{
	enum
	{
		B = 97, C = 70, OC = 150, LD = OC + C + 3
	};
	rs_rng		rng;
	int			blas = openblas_get_num_threads();
	float	   *in = malloc(sizeof(float) * B * C),
			   *w = malloc(sizeof(float) * OC * C),
			   *bias = malloc(sizeof(float) * OC),
			   *ref = malloc(sizeof(float) * B * OC),
			   *out = malloc(sizeof(float) * B * OC),
			   *dw0 = malloc(sizeof(float) * OC * C),
			   *dw1 = malloc(sizeof(float) * OC * C);
	float	   *io0 = malloc(sizeof(float) * B * LD),
			   *io1 = malloc(sizeof(float) * B * LD),
			   *dio0 = malloc(sizeof(float) * B * LD),
			   *dio1 = malloc(sizeof(float) * B * LD),
			   *lin = malloc(sizeof(float) * B * OC),
			   *scratch = malloc(sizeof(float) * B * OC),
			   *st0 = calloc(4 * OC, sizeof(float)),
			   *st1 = calloc(4 * OC, sizeof(float)),
			   *pg0 = calloc(4 * OC, sizeof(float)),
			   *pg1 = calloc(4 * OC, sizeof(float)),
			   *gamma = malloc(sizeof(float) * OC),
			   *beta = malloc(sizeof(float) * OC);
	size_t		na = 5000;
	float	   *ap[2],
			   *ag = malloc(sizeof(float) * na),
			   *am[2],
			   *av[2];

	rs_rng_seed(&rng, 77);
	fill_normal(in, (size_t) B * C, &rng, 1.0f);
	fill_normal(w, (size_t) OC * C, &rng, 0.3f);
	fill_normal(bias, OC, &rng, 0.3f);
	fill_normal(io0, (size_t) B * LD, &rng, 1.0f);
	fill_normal(dio0, (size_t) B * LD, &rng, 1.0f);
	fill_normal(gamma, OC, &rng, 1.0f);
	fill_normal(beta, OC, &rng, 1.0f);
	fill_normal(ag, na, &rng, 1.0f);
	for (int k = 0; k < 2; k++)
	{
		ap[k] = malloc(sizeof(float) * na);
		am[k] = calloc(na, sizeof(float));
		av[k] = calloc(na, sizeof(float));
	}
	fill_normal(ap[0], na, &rng, 1.0f);
	memcpy(ap[1], ap[0], sizeof(float) * na);
	for (int i = 0; i < OC; i++)
		st0[2 * OC + i] = st1[2 * OC + i] = 1.0f;	/* running variance */

	rs_dense_forward(ref, OC, in, C, w, bias, B, C, OC, NULL);
	memset(dw0, 0, sizeof(float) * OC * C);
	rs_dense_backward(NULL, C, dw0, NULL, ref, OC, in, C, w, B, C, OC, NULL);
	memcpy(io1, io0, sizeof(float) * B * LD);
	memcpy(dio1, dio0, sizeof(float) * B * LD);
	rs_residual_forward_train(io0, LD, w, bias, gamma, beta, lin, st0,
							  st0 + OC, st0 + 2 * OC, st0 + 3 * OC, B, C, OC, NULL);
	rs_residual_backward(dio0, LD, NULL, NULL, pg0, pg0 + OC, scratch, io0,
						 lin, st0, st0 + OC, w, gamma, B, C, OC, 1, NULL);
	for (int t = 1; t <= 3; t++)
		rs_adam_step(ap[0], ag, am[0], av[0], na, t, 1e-3f, 0.5f, 0.9f,
					 1e-8f, 1e-6f, NULL);

	for (int n = 2; n <= 3; n++)
	{
		rs_team		team;
		int			bad = 0;

		rs_team_start(&team, n);
		openblas_set_num_threads(1);
		rs_dense_forward(out, OC, in, C, w, bias, B, C, OC, &team);
		memset(dw1, 0, sizeof(float) * OC * C);
		rs_dense_backward(NULL, C, dw1, NULL, ref, OC, in, C, w, B, C, OC, &team);
		if (n == 2)
		{
			rs_residual_forward_train(io1, LD, w, bias, gamma, beta, lin, st1,
									  st1 + OC, st1 + 2 * OC, st1 + 3 * OC,
									  B, C, OC, &team);
			rs_residual_backward(dio1, LD, NULL, NULL, pg1, pg1 + OC, scratch,
								 io1, lin, st1, st1 + OC, w, gamma, B, C, OC,
								 1, &team);
			for (int t = 1; t <= 3; t++)
				rs_adam_step(ap[1], ag, am[1], av[1], na, t, 1e-3f, 0.5f,
							 0.9f, 1e-8f, 1e-6f, &team);
		}
		openblas_set_num_threads(blas);
		rs_team_stop(&team);
		for (int i = 0; i < B * OC; i++)
			if (fabsf(out[i] - ref[i]) > 1e-4f * (1.0f + fabsf(ref[i])))
				bad++;
		for (int i = 0; i < OC * C; i++)
			if (fabsf(dw1[i] - dw0[i]) > 1e-4f * (1.0f + fabsf(dw0[i])))
				bad++;
		CHECK(bad == 0);
	}
	/* the residual blocks' products were split: compare within rounding */
	{
		int			bad = 0;

		for (int i = 0; i < B * LD; i++)
			if (fabsf(io1[i] - io0[i]) > 1e-3f * (1.0f + fabsf(io0[i])) ||
				fabsf(dio1[i] - dio0[i]) > 1e-3f * (1.0f + fabsf(dio0[i])))
				bad++;
		for (int i = 0; i < 4 * OC; i++)
			if (fabsf(st1[i] - st0[i]) > 1e-3f * (1.0f + fabsf(st0[i])) ||
				fabsf(pg1[i] - pg0[i]) > 1e-3f * (1.0f + fabsf(pg0[i])))
				bad++;
		CHECK(bad == 0);
	}
	CHECK(memcmp(ap[0], ap[1], sizeof(float) * na) == 0);
	CHECK(memcmp(am[0], am[1], sizeof(float) * na) == 0);
	CHECK(memcmp(av[0], av[1], sizeof(float) * na) == 0);

	free(in);
	free(w);
	free(bias);
	free(ref);
	free(out);
	free(dw0);
	free(dw1);
	free(io0);
	free(io1);
	free(dio0);
	free(dio1);
	free(lin);
	free(scratch);
	free(st0);
	free(st1);
	free(pg0);
	free(pg1);
	free(gamma);
	free(beta);
	free(ag);
	for (int k = 0; k < 2; k++)
	{
		free(ap[k]);
		free(am[k]);
		free(av[k]);
	}
}

/*
 * With a team set, the same work gives bit-identical results on teams of
 * 1, 2 and 3 threads: every job is split by its size alone, whichever
 * thread runs each part.  Products, residual blocks (forward and backward)
 * and Adam, with sizes that split them into several parts.
 */
static void
test_team_parts_exact(void)
{
	enum
	{
		B = 200, C = 90, OC = 300, LD = OC + C, NT = 3
	};
	size_t		na = 100000;
	rs_rng		rng;
	int			blas = openblas_get_num_threads();
	float	   *in = malloc(sizeof(float) * B * C),
			   *w = malloc(sizeof(float) * OC * C),
			   *bias = malloc(sizeof(float) * OC),
			   *gamma = malloc(sizeof(float) * OC),
			   *beta = malloc(sizeof(float) * OC),
			   *io0 = malloc(sizeof(float) * B * LD),
			   *dio0 = malloc(sizeof(float) * B * LD),
			   *ag = malloc(sizeof(float) * na),
			   *ap0 = malloc(sizeof(float) * na),
			   *lin = malloc(sizeof(float) * B * OC),
			   *scratch = malloc(sizeof(float) * B * OC);
	float	   *out[NT],
			   *dw[NT],
			   *io[NT],
			   *dio[NT],
			   *st[NT],
			   *pg[NT],
			   *ap[NT],
			   *am[NT],
			   *av[NT];

	rs_rng_seed(&rng, 78);
	fill_normal(in, (size_t) B * C, &rng, 1.0f);
	fill_normal(w, (size_t) OC * C, &rng, 0.3f);
	fill_normal(bias, OC, &rng, 0.3f);
	fill_normal(gamma, OC, &rng, 1.0f);
	fill_normal(beta, OC, &rng, 1.0f);
	fill_normal(io0, (size_t) B * LD, &rng, 1.0f);
	fill_normal(dio0, (size_t) B * LD, &rng, 1.0f);
	fill_normal(ag, na, &rng, 1.0f);
	fill_normal(ap0, na, &rng, 1.0f);
	for (int k = 0; k < NT; k++)
	{
		rs_team		team;

		out[k] = malloc(sizeof(float) * B * OC);
		dw[k] = calloc((size_t) OC * C, sizeof(float));
		io[k] = malloc(sizeof(float) * B * LD);
		dio[k] = malloc(sizeof(float) * B * LD);
		st[k] = calloc(4 * OC, sizeof(float));
		pg[k] = calloc(2 * OC, sizeof(float));
		ap[k] = malloc(sizeof(float) * na);
		am[k] = calloc(na, sizeof(float));
		av[k] = calloc(na, sizeof(float));
		memcpy(io[k], io0, sizeof(float) * B * LD);
		memcpy(dio[k], dio0, sizeof(float) * B * LD);
		memcpy(ap[k], ap0, sizeof(float) * na);
		for (int i = 0; i < OC; i++)
			st[k][2 * OC + i] = 1.0f;	/* running variance */

		rs_team_start(&team, k + 1);
		openblas_set_num_threads(1);
		rs_dense_forward(out[k], OC, in, C, w, bias, B, C, OC, &team);
		rs_dense_backward(NULL, C, dw[k], NULL, out[k], OC, in, C, w, B, C,
						  OC, &team);
		for (int rep = 0; rep < 3; rep++)
		{
			rs_residual_forward_train(io[k], LD, w, bias, gamma, beta, lin,
									  st[k], st[k] + OC, st[k] + 2 * OC,
									  st[k] + 3 * OC, B, C, OC, &team);
			rs_residual_backward(dio[k], LD, NULL, NULL, pg[k], pg[k] + OC,
								 scratch, io[k], lin, st[k], st[k] + OC, w,
								 gamma, B, C, OC, 1, &team);
		}
		for (int t = 1; t <= 3; t++)
			rs_adam_step(ap[k], ag, am[k], av[k], na, t, 1e-3f, 0.5f, 0.9f,
						 1e-8f, 1e-6f, &team);
		openblas_set_num_threads(blas);
		rs_team_stop(&team);
	}
	for (int k = 1; k < NT; k++)
	{
		CHECK(memcmp(out[k], out[0], sizeof(float) * B * OC) == 0);
		CHECK(memcmp(dw[k], dw[0], sizeof(float) * OC * C) == 0);
		CHECK(memcmp(io[k], io[0], sizeof(float) * B * LD) == 0);
		CHECK(memcmp(dio[k], dio[0], sizeof(float) * B * LD) == 0);
		CHECK(memcmp(st[k], st[0], sizeof(float) * 4 * OC) == 0);
		CHECK(memcmp(pg[k], pg[0], sizeof(float) * 2 * OC) == 0);
		CHECK(memcmp(ap[k], ap[0], sizeof(float) * na) == 0);
		CHECK(memcmp(am[k], am[0], sizeof(float) * na) == 0);
		CHECK(memcmp(av[k], av[0], sizeof(float) * na) == 0);
	}
	for (int k = 0; k < NT; k++)
	{
		free(out[k]);
		free(dw[k]);
		free(io[k]);
		free(dio[k]);
		free(st[k]);
		free(pg[k]);
		free(ap[k]);
		free(am[k]);
		free(av[k]);
	}
	free(in);
	free(w);
	free(bias);
	free(gamma);
	free(beta);
	free(io0);
	free(dio0);
	free(ag);
	free(ap0);
	free(lin);
	free(scratch);
}

int
main(void)
{
	RUN(test_dense_grad);
	RUN(test_batchnorm_grad);
	RUN(test_batchnorm_stats);
	RUN(test_elementwise_grads);
	RUN(test_dropout_mask);
	RUN(test_gumbel_softmax_grad);
	RUN(test_residual_grad);
	RUN(test_residual_eval);
	RUN(test_adam);
	RUN(test_team_split);
	RUN(test_team_parts_exact);
	return unit_summary("test_nn");
}

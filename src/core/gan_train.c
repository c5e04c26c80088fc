/*
 * gan_train.c
 *	  Training: fast noise, the generator's and the critic's passes, the
 *	  gradient penalty, the critic and generator steps, rs_gan_fit_epoch,
 *	  early stopping (rs_gan_converged) and their test hooks.
 *
 * The gradient penalty's parameter gradient ("double backprop")
 *	For one pac group x, with a_l = W_l h_{l-1} + b_l, h_l = m_l * s(a_l)
 *	(s = LeakyReLU, m_l the fixed dropout mask), y = wout . h_L + bout (the
 *	score), the input gradient is g = W_1^T ga_1 with
 *		ga_L = wout * m_L * s'(a_L),  ga_l = (W_{l+1}^T ga_{l+1}) * m_l * s'(a_l)
 *	GP = lambda / G * sum_groups (|g| - 1)^2.  s' is piecewise constant, so
 *	only the weights carry gradient.  With u = dGP/dg:
 *		dW_1 += ga_1 u^T,  q_1 = (W_1 u) * m_1 * s'(a_1)
 *		dW_l += ga_l q_{l-1}^T,  q_l = (W_l q_{l-1}) * m_l * s'(a_l)
 *		dwout += q_L
 *	batched over groups as sgemm calls.
 */
#include "gan_int.h"

#include <math.h>
#include <string.h>

#include "blas.h"

#include "gan_test.h"

#define RS_ADAM_EPS			1e-8f

/* ---------------------------------------------------------------- fast noise */

/*
 * Noise for the generator in float: uniforms of 23 bits, two per rng call,
 * in (0, 1) exactly (no 0 or 1 for the logarithms).  A fresh stream per
 * row keeps every row's draws independent of the rows around it.
 */
typedef struct ustream
{
	rs_rng	   *rng;
	uint64_t	bits;
	int			left;
} ustream;

static inline uint32_t
us_bits23(ustream *s)
{
	uint32_t	v;

	if (s->left == 0)
	{
		s->bits = rs_rng_next(s->rng);
		s->left = 2;
	}
	v = (uint32_t) (s->bits >> 41);
	s->bits <<= 32;
	s->left--;
	return v;
}

/* One Gumbel(0, 1) draw: -log(-log(u)), u in (0, 1). */
static inline float
us_gumbel(ustream *s)
{
	float		u = ((float) us_bits23(s) + 0.5f) * (1.0f / 8388608.0f);

	return -logf(-logf(u));
}

/* ---------------------------------------------------------------- generator */

/*
 * The team the layers of nn.c split their work over: the step's, between
 * step_begin and step_end (even a team of one: the parts then run in
 * order, so the weights do not depend on the thread count), else none.
 */
static rs_team *
step_team(rs_gan *g)
{
	return g->team_running ? &g->team : NULL;
}

/*
 * Run fn over the B rows of a batch: in parts of ROWS_PER_PART rows (at
 * most ROWS_MAX_PARTS) on the team of the current training step, or here
 * alone.
 */
#define ROWS_PER_PART 64
#define ROWS_MAX_PARTS 8

static void
gan_run(rs_gan *g, rs_team_fn fn, void *arg, int B)
{
	int			nparts = B / ROWS_PER_PART;

	if (g->team_running)
		rs_team_run(&g->team, fn, arg,
					nparts < 1 ? 1 : nparts > ROWS_MAX_PARTS ? ROWS_MAX_PARTS : nparts);
	else
		fn(arg, 0, 1);
}

typedef struct rows_job
{
	rs_gan	   *g;
	int			B;
	uint64_t	seed;
	float	   *fake;
} rows_job;

static void draw_gumbel_rows(rs_gan *g, float *gum, int B, rs_rng *rng);

static void
noise_part(void *arg, int part, int nparts)
{
	rows_job   *j = arg;
	rs_gan	   *g = j->g;
	int64_t		lo,
				hi;

	rs_team_range(j->B, 1, part, nparts, &lo, &hi);
	for (int64_t r = lo; r < hi; r++)
	{
		float	   *in = g->act + r * g->W + (g->W - g->in_g);
		rs_rng		rr;

		rs_rng_seed(&rr, j->seed ^ ((uint64_t) (r + 1) * UINT64_C(0x9E3779B97F4A7C15)));
		rs_rng_normals_f(&rr, in, g->E);
		if (g->cond_dim)
			memcpy(in + g->E, g->cond + r * g->cond_dim,
				   sizeof(float) * g->cond_dim);
		draw_gumbel_rows(g, g->gumbel + r * g->D, 1, &rr);
	}
}

/*
 * Noise and cond into the input columns of act[B, W], Gumbel noise into
 * gumbel[B, D].  Every row draws from its own stream, seeded from one draw
 * of g->rng and the row number, so the rows can be filled by any thread
 * with the same values.
 */
static void
fill_gen_input(rs_gan *g, int B)
{
	rows_job	j = {g, B, rs_rng_next(&g->rng), NULL};

	gan_run(g, noise_part, &j, B);
}

/* Training-mode forward: act[B, W] (input filled) -> raw[B, D]. */
static void
gen_forward_train(rs_gan *g, int B)
{
	float	   *p = g->g_params;
	int64_t		lo = 0;

	for (int l = 0; l < g->n_g; l++)
	{
		float	   *run = g->g_run + g->g_runoff[l];

		rs_residual_forward_train(g->act + g->gcol[l], g->W,
								  p + g->g_w[l], p + g->g_b[l],
								  p + g->g_gamma[l], p + g->g_beta[l],
								  g->lin + lo * B, g->bmean + lo,
								  g->brstd + lo, run, run + g->gdims[l],
								  B, g->gin[l], g->gdims[l], step_team(g));
		lo += g->gdims[l];
	}
	rs_dense_forward(g->raw, g->D, g->act, g->W, p + g->g_wout,
					 p + g->g_bout, B, g->W, g->D, step_team(g));
}

/* Backward from raw_grad[B, D] into g_grads (accumulating). */
static void
gen_backward(rs_gan *g, int B)
{
	float	   *p = g->g_params,
			   *d = g->g_grads;
	int64_t		lo = g->sumg;

	memset(g->dact, 0, sizeof(float) * B * g->W);
	rs_dense_backward(g->n_g > 0 ? g->dact : NULL, g->W, d + g->g_wout,
					  d + g->g_bout, g->raw_grad, g->D, g->act, g->W,
					  p + g->g_wout, B, g->W, g->D, step_team(g));
	for (int l = g->n_g - 1; l >= 0; l--)
	{
		lo -= g->gdims[l];
		rs_residual_backward(g->dact + g->gcol[l], g->W,
							 d + g->g_w[l], d + g->g_b[l],
							 d + g->g_gamma[l], d + g->g_beta[l],
							 g->gscratch, g->act + g->gcol[l],
							 g->lin + lo * B, g->bmean + lo, g->brstd + lo,
							 p + g->g_w[l], p + g->g_gamma[l],
							 B, g->gin[l], g->gdims[l], l > 0, step_team(g));
	}
}

/* Gumbel noise for the softmax spans of B rows into gum[B, D]. */
static void
draw_gumbel_rows(rs_gan *g, float *gum, int B, rs_rng *rng)
{
	for (int r = 0; r < B; r++)
	{
		ustream		us = {rng, 0, 0};

		for (int i = 0; i < g->n_spans; i++)
		{
			const rs_span *s = &g->spans[i];

			if (s->act != RS_ACT_SOFTMAX)
				continue;
			for (int j = 0; j < s->width; j++)
				gum[(size_t) r * g->D + s->start + j] = us_gumbel(&us);
		}
	}
}

/* fake[r, X] (cols 0..D) = activations of raw[r, D] with gumbel, r in [r0, r1) */
static void
activate_rows(rs_gan *g, float *fake, int64_t r0, int64_t r1)
{
	float		tau = (float) g->cfg.tau;

	for (int i = 0; i < g->n_spans; i++)
	{
		const rs_span *s = &g->spans[i];

		if (s->act == RS_ACT_TANH)
		{
			for (int64_t r = r0; r < r1; r++)
				fake[(size_t) r * g->X + s->start] =
					tanhf(g->raw[(size_t) r * g->D + s->start]);
		}
		else
		{
			for (int64_t r = r0; r < r1; r++)
				rs_softmax_forward(fake + (size_t) r * g->X + s->start, g->X,
								   g->raw + (size_t) r * g->D + s->start, g->D,
								   g->gumbel + (size_t) r * g->D + s->start,
								   1, s->width, tau);
		}
	}
	if (g->cond_dim)
		for (int64_t r = r0; r < r1; r++)
			memcpy(fake + (size_t) r * g->X + g->D,
				   g->cond + (size_t) r * g->cond_dim,
				   sizeof(float) * g->cond_dim);
}

static void
activate_part(void *arg, int part, int nparts)
{
	rows_job   *j = arg;
	int64_t		lo,
				hi;

	rs_team_range(j->B, 1, part, nparts, &lo, &hi);
	activate_rows(j->g, j->fake, lo, hi);
}

/* fake[B, X] (cols 0..D) = activations of raw[B, D] with gumbel[B, D]. */
static void
activate_train(rs_gan *g, float *fake, int B)
{
	rows_job	j = {g, B, 0, fake};

	gan_run(g, activate_part, &j, B);
}

/* raw_grad[B, D] = d loss / d raw from dfake[B, X] (cols 0..D). */
static void
activate_backward(rs_gan *g, const float *dfake, const float *fake, int B)
{
	float		tau = (float) g->cfg.tau;

	for (int i = 0; i < g->n_spans; i++)
	{
		const rs_span *s = &g->spans[i];

		if (s->act == RS_ACT_TANH)
		{
			for (int r = 0; r < B; r++)
			{
				float		y = fake[(size_t) r * g->X + s->start];

				g->raw_grad[(size_t) r * g->D + s->start] =
					dfake[(size_t) r * g->X + s->start] * (1.0f - y * y);
			}
		}
		else
			rs_softmax_backward(g->raw_grad + s->start, g->D, dfake + s->start,
								g->X, fake + s->start, g->X, B, s->width, tau);
	}
}

/*
 * CTGAN's cond loss: sum over rows of the cross-entropy of the conditioned
 * span's logits against the conditioned category, divided by B; adds its
 * gradient to raw_grad.
 */
static double
cond_loss(rs_gan *g, int B)
{
	double		loss = 0.0;

	if (g->cond_dim == 0)
		return 0.0;
	for (int r = 0; r < B; r++)
	{
		const rs_span *s = &g->spans[g->cond_span[g->span_of[r]]];
		const float *x = g->raw + (size_t) r * g->D + s->start;
		float	   *dx = g->raw_grad + (size_t) r * g->D + s->start;
		int			t = g->cat_of[r];
		double		mx = x[0],
					sum = 0.0;

		for (int j = 1; j < s->width; j++)
			if (x[j] > mx)
				mx = x[j];
		for (int j = 0; j < s->width; j++)
			sum += exp(x[j] - mx);
		loss += log(sum) + mx - x[t];
		for (int j = 0; j < s->width; j++)
		{
			double		pj = exp(x[j] - mx) / sum;

			dx[j] += (float) ((pj - (j == t ? 1.0 : 0.0)) / B);
		}
	}
	return loss / B;
}

/* B generated rows into fake[B, X], with their conditions drawn. */
static void
draw_fake_rows(rs_gan *g, float *fake, int B)
{
	gan_draw_condvec(g, B);
	fill_gen_input(g, B);
	gen_forward_train(g, B);
	activate_train(g, fake, B);
}

/* ---------------------------------------------------------------- critic */

/* Forward of R pac groups of xbuf[R, P] -> score[R]; fresh dropout masks. */
static void
critic_forward(rs_gan *g, int R)
{
	const float *p = g->d_params;
	const float *in = g->xbuf;
	int			ldi = g->P;

	for (int l = 0; l < g->n_d; l++)
	{
		size_t		n = (size_t) R * g->ddims[l];

		rs_dense_forward(g->c_pre[l], g->ddims[l], in, ldi, p + g->d_w[l],
						 p + g->d_b[l], R, g->d_in_width[l], g->ddims[l], step_team(g));
		rs_leaky_relu_forward(g->c_out[l], g->c_pre[l], n, RS_LRELU_SLOPE);
		rs_dropout_mask(g->c_mask[l], n, (float) g->cfg.dropout, &g->rng);
		rs_dropout_forward(g->c_out[l], g->c_out[l], g->c_mask[l], n);
		in = g->c_out[l];
		ldi = g->ddims[l];
	}
	rs_dense_forward(g->score, 1, in, ldi, p + g->d_wout, p + g->d_bout, R,
					 ldi, 1, step_team(g));
}

/*
 * Backward of critic_forward from dscore[R]: c_dpre[l] (d sum(dscore *
 * score) / d a_l) for all R rows; parameter gradients from rows [0, Rp) only; the input
 * gradient of rows [r0, R) into din[R - r0, P] (overwritten) if din.
 */
static void
critic_backward(rs_gan *g, int R, int Rp, int r0, float *din)
{
	const float *p = g->d_params;
	float	   *d = g->d_grads;
	int			L = g->n_d;
	int			dl = g->ddims[L - 1];

	/* output layer: y = h_L . wout + bout */
	for (int r = 0; r < R; r++)
		for (int j = 0; j < dl; j++)
			g->c_dout[(size_t) r * dl + j] = g->dscore[r] * p[g->d_wout + j];
	for (int r = 0; r < Rp; r++)
	{
		const float *h = g->c_out[L - 1] + (size_t) r * dl;

		for (int j = 0; j < dl; j++)
			d[g->d_wout + j] += g->dscore[r] * h[j];
		d[g->d_bout] += g->dscore[r];
	}
	for (int l = L - 1; l >= 0; l--)
	{
		int			od = g->ddims[l],
					id = g->d_in_width[l];
		size_t		n = (size_t) R * od;
		const float *in = l > 0 ? g->c_out[l - 1] : g->xbuf;

		rs_dropout_backward(g->c_dpre[l], g->c_dout, g->c_mask[l], n);
		rs_leaky_relu_backward(g->c_dpre[l], g->c_dpre[l], g->c_pre[l], n, RS_LRELU_SLOPE);
		if (Rp > 0)
			rs_dense_backward(NULL, id, d + g->d_w[l], d + g->d_b[l],
							  g->c_dpre[l], od, in, id, p + g->d_w[l], Rp, id, od, step_team(g));
		if (l > 0)
		{
			memset(g->c_dout, 0, sizeof(float) * R * id);
			rs_dense_backward(g->c_dout, id, NULL, NULL, g->c_dpre[l], od, in, id,
							  p + g->d_w[l], R, id, od, step_team(g));
		}
		else if (din)
		{
			memset(din, 0, sizeof(float) * (size_t) (R - r0) * id);
			rs_dense_backward(din, id, NULL, NULL, g->c_dpre[l] + (size_t) r0 * od,
							  od, in + (size_t) r0 * id, id, p + g->d_w[l],
							  R - r0, id, od, step_team(g));
		}
	}
}

/*
 * Gradient penalty on the G groups starting at row r0 of the last
 * critic_forward/critic_backward (which put the input gradient in
 * grad[G, P] and the d y / d a_l in c_dpre): returns the penalty and adds its
 * parameter gradient to d_grads.
 */
static double
gradient_penalty(rs_gan *g, int r0, int G, const float *grad)
{
	const float *p = g->d_params;
	float	   *d = g->d_grads;
	double		lambda = g->cfg.gp_lambda,
				pen = 0.0;
	float	   *v = g->gp_fwd,
			   *q = g->gp_gated;
	int			P = g->P,
				L = g->n_d;

	for (int r = 0; r < G; r++)
	{
		const float *gr = grad + (size_t) r * P;
		float	   *u = g->gp_dinput + (size_t) r * P;
		double		ss = 0.0,
					nrm,
					coef;

		for (int j = 0; j < P; j++)
			ss += (double) gr[j] * gr[j];
		nrm = sqrt(ss);
		pen += (nrm - 1.0) * (nrm - 1.0);
		coef = nrm > 0.0 ? lambda / G * 2.0 * (nrm - 1.0) / nrm : 0.0;
		for (int j = 0; j < P; j++)
			u[j] = (float) (coef * gr[j]);
	}
	/* layer 1: dW_1 += ga_1^T u, v = u W_1^T */
	rs_dense_backward(NULL, P, d + g->d_w[0], NULL,
					  g->c_dpre[0] + (size_t) r0 * g->ddims[0], g->ddims[0],
					  g->gp_dinput, P, p + g->d_w[0], G, P, g->ddims[0], step_team(g));
	rs_dense_forward(v, g->ddims[0], g->gp_dinput, P, p + g->d_w[0], NULL, G, P,
					 g->ddims[0], step_team(g));
	for (int l = 0; l < L; l++)
	{
		int			od = g->ddims[l];
		const float *a = g->c_pre[l] + (size_t) r0 * od;
		const float *m = g->c_mask[l] + (size_t) r0 * od;

		/* q_l = v * m_l * s'(a_l) */
		for (size_t i = 0; i < (size_t) G * od; i++)
			q[i] = v[i] * m[i] * (a[i] > 0.0f ? 1.0f : RS_LRELU_SLOPE);
		if (l + 1 < L)
		{
			int			nd = g->ddims[l + 1];

			rs_dense_backward(NULL, od, d + g->d_w[l + 1], NULL,
							  g->c_dpre[l + 1] + (size_t) r0 * nd, nd, q, od,
							  p + g->d_w[l + 1], G, od, nd, step_team(g));
			rs_dense_forward(v, nd, q, od, p + g->d_w[l + 1], NULL, G, od, nd, step_team(g));
		}
	}
	/* top: dwout += sum over groups of q_L */
	for (int r = 0; r < G; r++)
		for (int j = 0; j < g->ddims[L - 1]; j++)
			d[g->d_wout + j] += q[(size_t) r * g->ddims[L - 1] + j];
	return lambda * pen / G;
}

/* ---------------------------------------------------------------- steps */

#define WANT_W	1
#define WANT_GP 2

/*
 * One critic step's loss and gradients (d_grads zeroed first); what is a
 * mask of WANT_W and WANT_GP.
 */
static void
critic_step_grad(rs_gan *g, const float *data, int what, double *loss_w,
				 double *loss_gp)
{
	int			B = g->cfg.batch_size,
				Bp = B / g->cfg.pac,
				X = g->X;
	float	   *real = g->xbuf,
			   *fake = g->xbuf + (size_t) B * X,
			   *interp = g->xbuf + (size_t) 2 * B * X;
	double		sr = 0.0,
				sf = 0.0;

	/* fake rows */
	draw_fake_rows(g, fake, B);

	/* real rows for a shuffled copy of the same conditions */
	for (int r = 0; r < B; r++)
		g->perm[r] = r;
	rs_rng_shuffle(&g->rng, g->perm, B);
	for (int r = 0; r < B; r++)
	{
		int			pr = g->perm[r];
		int64_t		row = g->n_cond ? gan_draw_row(g, g->span_of[pr], g->cat_of[pr])
			: gan_draw_row(g, -1, 0);

		memcpy(real + (size_t) r * X, data + row * g->D, sizeof(float) * g->D);
		if (g->cond_dim)
			memcpy(real + (size_t) r * X + g->D,
				   g->cond + (size_t) pr * g->cond_dim,
				   sizeof(float) * g->cond_dim);
	}

	/* interpolates, one alpha per pac group */
	for (int q = 0; q < Bp; q++)
		g->alpha[q] = (float) rs_rng_uniform(&g->rng);
	for (size_t i = 0; i < (size_t) B * X; i++)
	{
		float		a = g->alpha[i / g->P];

		interp[i] = a * real[i] + (1.0f - a) * fake[i];
	}

	critic_forward(g, 3 * Bp);
	for (int q = 0; q < Bp; q++)
	{
		sr += g->score[q];
		sf += g->score[Bp + q];
		g->dscore[q] = -1.0f / Bp;
		g->dscore[Bp + q] = 1.0f / Bp;
		g->dscore[2 * Bp + q] = 1.0f;
	}
	*loss_w = (sf - sr) / Bp;

	memset(g->d_grads, 0, sizeof(float) * g->d_n);
	critic_backward(g, 3 * Bp, (what & WANT_W) ? 2 * Bp : 0, 2 * Bp,
					(what & WANT_GP) ? g->dx : NULL);
	*loss_gp = (what & WANT_GP) ? gradient_penalty(g, 2 * Bp, Bp, g->dx) : 0.0;
}

/* One generator step's loss and gradients (g_grads zeroed first). */
static double
gen_step_grad(rs_gan *g)
{
	int			B = g->cfg.batch_size,
				Bp = B / g->cfg.pac;
	float	   *fake = g->xbuf;
	double		sf = 0.0,
				loss;

	draw_fake_rows(g, fake, B);
	critic_forward(g, Bp);
	for (int q = 0; q < Bp; q++)
	{
		sf += g->score[q];
		g->dscore[q] = -1.0f / Bp;
	}
	critic_backward(g, Bp, 0, 0, g->dx);
	loss = -sf / Bp;
	if (g->cfg.moment_weight > 0.0)
		loss += gan_moment_loss(g, fake, g->X, B, g->span_of, g->cat_of,
							g->cfg.moment_weight, g->dx);
	activate_backward(g, g->dx, fake, B);
	loss += cond_loss(g, B);
	memset(g->g_grads, 0, sizeof(float) * g->g_n);
	gen_backward(g, B);
	return loss;
}

/* ---------------------------------------------------------------- DP-SGD */

/*
 * The critic's step under differential privacy (cfg.dp_noise > 0; the
 * mechanism dp_account.h accounts for, docs/privacy.md says why):
 *	- real rows: Poisson sampling, each of the n rows independently with
 *	  probability q = dp_rate (the gaps between included rows are
 *	  geometric); each with the condition of its own category in a span
 *	  drawn uniformly (gan_dp_real_cond), so the critic's input is a
 *	  function of that row alone;
 *	- each real row's gradient of its loss -score_r is clipped to L2 norm
 *	  C = max_grad_norm.  The critic has no batch normalization (pac is 1),
 *	  so score_r depends on row r only, and its parameter gradient is the
 *	  backward pass of dscore_r = 1: per layer W_l gets ga_l,r h_{l-1,r}^T
 *	  and b_l gets ga_l,r, whose squared norms are |ga_l,r|^2 |h_{l-1,r}|^2
 *	  and |ga_l,r|^2 (the output layer: |h_L,r|^2 + 1).  One backward pass
 *	  with dscore 1 and no parameter gradient gives every row's norm; as the
 *	  gradient is linear in dscore, a second one with dscore_r =
 *	  -min(1, C / norm_r) / B accumulates exactly the clipped gradients;
 *	- the sum gets N(0, (sigma C)^2) on every coordinate and is divided by
 *	  B = batch_size, the expected batch (q n = B), as Opacus does;
 *	- the fake rows' term (+mean score of B generated rows) is added
 *	  unclipped: the generator and its conditions (drawn uniformly) do not
 *	  read the rows, they only depend on the critic's earlier, already
 *	  private, outputs;
 *	- no gradient penalty (its interpolates read real rows): the weights are
 *	  clamped to [-weight_clip, weight_clip] after the Adam step instead (as
 *	  DPGAN, Xie et al. 2018), which is post-processing.
 * Real rows go through the critic in chunks of at most B (the Poisson
 * batch has no upper bound; q n = B rows on average); the chunks' sizes and
 * the noise depend on the rng alone, so the weights do not depend on the
 * thread count.  It runs inside a step's team: no interrupt check here
 * (rs_gan_fit_epoch checks before each step).
 * Returns the fake term's mean score (the real term is not released).
 */
static double
critic_step_dp(rs_gan *g, const float *data, int64_t n)
{
	int			B = g->cfg.batch_size,
				X = g->X,
				L = g->n_d,
				m = 0;
	double		q = g->cfg.dp_rate,
				C = g->cfg.max_grad_norm,
				sf = 0.0,
				log1mq = log1p(-q);
	float	   *x = g->xbuf;
	int64_t		row = -1;

	memset(g->d_grads, 0, sizeof(float) * g->d_n);

	/* the fake term, unclipped */
	draw_fake_rows(g, x, B);
	critic_forward(g, B);
	for (int r = 0; r < B; r++)
	{
		sf += g->score[r];
		g->dscore[r] = 1.0f / B;
	}
	critic_backward(g, B, B, 0, NULL);

	/* the real rows, clipped one by one */
	for (;;)
	{
		int			end;

		/* next included row: a geometric gap (q 1: every row) */
		if (q >= 1)
			row++;
		else
		{
			double		u = 1.0 - rs_rng_uniform(&g->rng);	/* (0, 1] */
			double		gap = floor(log(u) / log1mq);

			row = gap >= (double) (n - row) ? n : row + 1 + (int64_t) gap;
		}
		end = row >= n;
		if (!end)
		{
			memcpy(x + (size_t) m * X, data + row * g->D, sizeof(float) * g->D);
			gan_dp_real_cond(g, data + row * g->D, x + (size_t) m * X + g->D);
			m++;
		}
		if (m == B || (end && m > 0))
		{
			critic_forward(g, m);
			for (int r = 0; r < m; r++)
				g->dscore[r] = 1.0f;
			critic_backward(g, m, 0, 0, NULL);
			for (int r = 0; r < m; r++)
			{
				const float *h = g->c_out[L - 1] + (size_t) r * g->ddims[L - 1];
				double		ss = 1.0,
							nrm;

				for (int j = 0; j < g->ddims[L - 1]; j++)
					ss += (double) h[j] * h[j];
				for (int l = 0; l < L; l++)
				{
					int			od = g->ddims[l],
								id = g->d_in_width[l];
					const float *ga = g->c_dpre[l] + (size_t) r * od;
					const float *in = (l > 0 ? g->c_out[l - 1] : x) + (size_t) r * id;
					double		sa = 0.0,
								si = 1.0;

					for (int j = 0; j < od; j++)
						sa += (double) ga[j] * ga[j];
					for (int j = 0; j < id; j++)
						si += (double) in[j] * in[j];
					ss += sa * si;
				}
				nrm = sqrt(ss);
				g->dscore[r] = (float) (-(nrm > C ? C / nrm : 1.0) / B);
			}
			critic_backward(g, m, m, 0, NULL);
			m = 0;
		}
		if (end)
			break;
	}

	/* the noise */
	for (int64_t i = 0; i < g->d_n; i++)
		g->d_grads[i] += (float) (g->cfg.dp_noise * C / B * rs_rng_normal(&g->rng));
	return sf / B;
}

/* After a DP critic step: the weights into [-c, c]. */
static void
critic_weight_clip(rs_gan *g)
{
	float		c = (float) g->cfg.weight_clip;

	if (c <= 0)
		return;
	for (int64_t i = 0; i < g->d_n; i++)
		g->d_params[i] = fminf(c, fmaxf(-c, g->d_params[i]));
}

/*
 * A training step runs on a team of rs_thread_count() threads
 * (raresynth.threads), with OpenBLAS single-threaded inside: the team
 * splits the matrix products (nn.c) and the row-wise work here, so both
 * cores stay busy without OpenBLAS waking its threads for every product.
 * Every job is split into parts by its size alone, and one thread (a team
 * of one) runs the same parts in order, so the weights do not depend on
 * the thread count.  The team lives for one step only: nothing between
 * step_begin and step_end calls back into the host, so no error can leave
 * a thread behind.
 */
static void
step_begin(rs_gan *g)
{
	int			n = rs_thread_count();

	g->blas_threads = openblas_get_num_threads();
	rs_team_start(&g->team, n);
	g->team.bf16 = g->bf16.bytes ? &g->bf16 : NULL;	/* nn.h: mixed precision */
	if (g->blas_threads > 1)
		openblas_set_num_threads(1);
	g->team_running = 1;
}

static void
step_end(rs_gan *g)
{
	if (!g->team_running)
		return;
	if (g->blas_threads > 1)
		openblas_set_num_threads(g->blas_threads);
	rs_team_stop(&g->team);
	g->team_running = 0;
}

static void stop_record(rs_gan *g, double lg, double ld);

rs_status
rs_gan_fit_epoch(rs_gan *g, const float *data, int64_t n, double *loss_g,
				 double *loss_d, rs_error *err)
{
	int64_t		steps;
	double		sum_g = 0.0,
				sum_d = 0.0;
	rs_status	st;
	const rs_gan_config *c;

	if (!g || !g->trainable)
		return rs_fail(err, RS_ERR_INVALID, "this model cannot be trained");
	c = &g->cfg;
	if ((st = gan_build_index(g, data, n, err)) != RS_OK)
		return st;
	steps = c->dp_noise > 0 ? rs_gan_dp_steps(c) / c->epochs / c->discriminator_steps
		: n / c->batch_size;
	if (steps < 1)
		steps = 1;
	for (int64_t s = 0; s < steps; s++)
	{
		double		lw = 0.0,
					lgp = 0.0,
					lg;

		int			diverged = 0;

		rs_check_interrupts();
		step_begin(g);
		for (int k = 0; k < c->discriminator_steps && !diverged; k++)
		{
			if (c->dp_noise > 0)
			{
				lw = critic_step_dp(g, data, n);
				for (int64_t i = 0; i < g->d_n && isfinite(lw); i++)
					if (!isfinite(g->d_grads[i]))
						lw = NAN;
			}
			else
				critic_step_grad(g, data, WANT_W | WANT_GP, &lw, &lgp);
			if (!isfinite(lw) || !isfinite(lgp))
				diverged = 1;
			else
			{
				g->t_d++;
				rs_adam_step(g->d_params, g->d_grads, g->d_m, g->d_v,
							 (size_t) g->d_n, g->t_d, (float) c->lr_d,
							 (float) c->beta1, (float) c->beta2, RS_ADAM_EPS,
							 (float) c->weight_decay, step_team(g));
				if (c->dp_noise > 0)
					critic_weight_clip(g);
			}
		}
		if (!diverged)
		{
			lg = gen_step_grad(g);
			if (!isfinite(lg))
				diverged = 2;
			else
			{
				g->t_g++;
				rs_adam_step(g->g_params, g->g_grads, g->g_m, g->g_v,
							 (size_t) g->g_n, g->t_g, (float) c->lr_g,
							 (float) c->beta1, (float) c->beta2, RS_ADAM_EPS,
							 (float) c->weight_decay, step_team(g));
			}
		}
		step_end(g);
		if (diverged == 1)
			return rs_fail(err, RS_ERR_NUMERIC,
						   "critic loss is not finite: training diverged");
		if (diverged == 2)
			return rs_fail(err, RS_ERR_NUMERIC,
						   "generator loss is not finite: training diverged");
		sum_g += lg;
		sum_d += lw;
	}
	if (loss_g)
		*loss_g = sum_g / steps;
	if (loss_d)
		*loss_d = sum_d / steps;
	stop_record(g, sum_g / steps, sum_d / steps);
	return RS_OK;
}

/* ---------------------------------------------------------------- early stopping */

/* mean and sample variance of x[0..n) */
static void
mean_var(const double *x, int n, double *mean, double *var)
{
	double		m = 0.0,
				v = 0.0;

	for (int i = 0; i < n; i++)
		m += x[i];
	m /= n;
	for (int i = 0; i < n; i++)
		v += (x[i] - m) * (x[i] - m);
	*mean = m;
	*var = n > 1 ? v / (n - 1) : 0.0;
}

/* x[n - 2w .. n): the last w epochs' mean within RS_GAN_STOP_Z errors of the w before */
static int
window_settled(const double *x, int n, int w)
{
	double		m_old,
				v_old,
				m_new,
				v_new;

	mean_var(x + n - 2 * w, w, &m_old, &v_old);
	mean_var(x + n - w, w, &m_new, &v_new);
	return fabs(m_new - m_old) <= RS_GAN_STOP_Z * sqrt(2.0 * v_new / w);
}

int
rs_gan_losses_converged(const double *loss_g, const double *loss_d, int n, int window)
{
	if (window <= 0 || n < 2 * window)
		return 0;
	return window_settled(loss_g, n, window) && window_settled(loss_d, n, window);
}

/* Keep the last 2 W epochs' losses, in order, for rs_gan_converged. */
static void
stop_record(rs_gan *g, double lg, double ld)
{
	int			keep = 2 * g->cfg.early_stopping;
	int			n = g->stop_epochs < keep ? g->stop_epochs : keep;

	g->stop_epochs++;
	if (keep <= 0 || keep > 2 * RS_GAN_MAX_STOP_WINDOW)
		return;
	if (n == keep)
	{
		memmove(g->stop_g, g->stop_g + 1, sizeof(double) * (keep - 1));
		memmove(g->stop_d, g->stop_d + 1, sizeof(double) * (keep - 1));
		n--;
	}
	g->stop_g[n] = lg;
	g->stop_d[n] = ld;
}

int
rs_gan_converged(const rs_gan *g)
{
	int			keep = 2 * g->cfg.early_stopping;

	if (keep <= 0 || keep > 2 * RS_GAN_MAX_STOP_WINDOW || g->stop_epochs < keep)
		return 0;
	return rs_gan_losses_converged(g->stop_g, g->stop_d, keep, g->cfg.early_stopping);
}

/* ---------------------------------------------------------------- test hooks */

rs_status
rs_gan_test_loss(rs_gan *g, const float *data, int64_t n, int what,
				 uint64_t seed, double *loss, rs_error *err)
{
	rs_status	st;
	double		lw,
				lgp;

	if (!g->trainable || what < 0 || what > 4 || (what == 4) != (g->cfg.dp_noise > 0))
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to the loss test hook");
	if ((st = gan_build_index(g, data, n, err)) != RS_OK)
		return st;
	rs_rng_seed(&g->rng, seed);
	switch (what)
	{
		case 0:
			critic_step_grad(g, data, WANT_W | WANT_GP, &lw, &lgp);
			*loss = lw + lgp;
			break;
		case 1:
			critic_step_grad(g, data, WANT_W, &lw, &lgp);
			*loss = lw;
			break;
		case 2:
			critic_step_grad(g, data, WANT_GP, &lw, &lgp);
			*loss = lgp;
			break;
		case 3:
			*loss = gen_step_grad(g);
			break;
		default:
			*loss = critic_step_dp(g, data, n);
			break;
	}
	return RS_OK;
}

double
rs_gan_step_flops(const rs_gan *g)
{
	double		B = g->cfg.batch_size,
				Bp = B / g->cfg.pac,
				R = 3 * Bp;
	double		genf = 0.0,
				genb = 0.0,
				cf = 0.0,
				dstep,
				gstep;

	/* generator forward and backward (first block has no input gradient) */
	for (int l = 0; l < g->n_g; l++)
	{
		double		mnk = B * g->gin[l] * (double) g->gdims[l];

		genf += 2 * mnk;
		genb += 2 * mnk * (l > 0 ? 2 : 1);
	}
	genf += 2 * B * g->W * (double) g->D;
	genb += 2 * B * g->W * (double) g->D * (g->n_g > 0 ? 2 : 1);
	/* critic forward per group */
	for (int l = 0; l < g->n_d; l++)
		cf += 2.0 * g->d_in_width[l] * g->ddims[l];
	cf += 2.0 * g->ddims[g->n_d - 1];

	/* critic step: G forward, critic forward on R groups, backward */
	dstep = genf + R * cf;
	for (int l = 0; l < g->n_d; l++)
	{
		double		k = 2.0 * g->d_in_width[l] * g->ddims[l];

		dstep += 2 * Bp * k;	/* dW from real and fake groups */
		dstep += (l > 0 ? R : Bp) * k;	/* input gradients */
		dstep += 2 * Bp * k;	/* GP: dW and the forward-like product */
	}
	/* generator step: G forward, critic forward/backward on Bp, G backward */
	gstep = genf + Bp * cf + genb;
	for (int l = 0; l < g->n_d; l++)
		gstep += Bp * 2.0 * g->d_in_width[l] * g->ddims[l];
	return dstep * g->cfg.discriminator_steps + gstep;
}

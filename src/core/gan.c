/*
 * gan.c
 *	  The CTGAN-class model: conditional residual generator, PacGAN critic,
 *	  WGAN-GP training with training-by-sampling, sampling, save and load.
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
 *
 * The gradient penalty's parameter gradient ("double backprop")
 *	For one pac group x, with a_l = W_l h_{l-1} + b_l, h_l = m_l * s(a_l)
 *	(s = LeakyReLU, m_l the fixed dropout mask), y = wout . h_L + bout, the
 *	input gradient is g = W_1^T ga_1 with
 *		ga_L = wout * m_L * s'(a_L),  ga_l = (W_{l+1}^T ga_{l+1}) * m_l * s'(a_l)
 *	GP = lambda / G * sum_groups (|g| - 1)^2.  s' is piecewise constant, so
 *	only the weights carry gradient.  With u = dGP/dg:
 *		dW_1 += ga_1 u^T,  q_1 = (W_1 u) * m_1 * s'(a_1)
 *		dW_l += ga_l q_{l-1}^T,  q_l = (W_l q_{l-1}) * m_l * s'(a_l)
 *		dwout += q_L
 *	batched over groups as sgemm calls.
 */
#include "gan.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

#include "hparams.h"
#include "nn.h"

#define RS_GAN_FORMAT		1
#define RS_ADAM_EPS			1e-8f
#define RS_GAN_MAX_FLOATS	(INT64_C(1) << 28)	/* working buffers */

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
	int			din_[RS_GAN_MAX_LAYERS];	/* input width of layer l */
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
	int			par;			/* team is running */
	int			blas_threads;	/* OpenBLAS's thread count outside steps */

	int			t_g;			/* Adam steps taken */
	int			t_d;
	rs_rng		rng;

	/* training buffers (B = batch_size, Bp = B / pac, R = 3 Bp) */
	float	   *arena;
	float	   *act;			/* [B, W] */
	float	   *dact;			/* [B, W] */
	float	   *lin;			/* per block [B, g_l] */
	float	   *bmean;			/* per block [g_l] */
	float	   *brstd;			/* per block [g_l] */
	float	   *gscratch;		/* [B, maxg] */
	float	   *raw;			/* [B, D] generator output */
	float	   *draw;			/* [B, D] */
	float	   *gumbel;			/* [B, D] */
	float	   *xbuf;			/* [3 B, X] = [R, P] */
	float	   *dx;				/* [B, X] = [Bp, P] */
	float	   *ca[RS_GAN_MAX_LAYERS];	/* [R, d_l] pre-activation */
	float	   *ch[RS_GAN_MAX_LAYERS];	/* [R, d_l] after dropout */
	float	   *cmask[RS_GAN_MAX_LAYERS];	/* [R, d_l] */
	float	   *cga[RS_GAN_MAX_LAYERS]; /* [R, d_l] d y / d a_l */
	float	   *cdh;			/* [R, maxd] */
	float	   *y;				/* [R] */
	float	   *dy;				/* [R] */
	float	   *gpu;			/* [Bp, P] */
	float	   *gpv;			/* [Bp, maxd] */
	float	   *gpq;			/* [Bp, maxd] */
	float	   *cond;			/* [B, cond_dim] */
	float	   *alpha;			/* [Bp] */
	int		   *ibuf;
	int		   *span_of;		/* [B] */
	int		   *cat_of;			/* [B] */
	int		   *perm;			/* [B] */

	/* the generator compiled for sampling, and the step it was built at */
	rs_sampler *sampler;
	int			sampler_t_g;
	int			sampler_stale;
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

/* ---------------------------------------------------------------- config */

void
rs_gan_config_default(rs_gan_config *cfg)
{
	rs_hparams	h;

	rs_hparams_default(&h);		/* the table in hparams.c */
	*cfg = h.gan;
}

rs_status
rs_gan_config_validate(const rs_gan_config *cfg, rs_error *err)
{
	if (!cfg)
		return rs_fail(err, RS_ERR_INVALID, "gan configuration is missing");
	return rs_hparams_check_gan(cfg, err);	/* the table's bounds */
}

/* ---------------------------------------------------------------- shapes and buffers */

/* Check the spans and fill the data layout; RS_ERR_INVALID or code. */
static rs_status
set_spans(rs_gan *g, int data_dim, const rs_span *spans, int n_spans,
		  rs_status code, rs_error *err)
{
	int			pos = 0,
				k = 0;

	if (data_dim < 1 || data_dim > RS_GAN_MAX_DIM)
		return rs_fail(err, code, "data dimension must be between 1 and %d, got %d",
					   RS_GAN_MAX_DIM, data_dim);
	if (n_spans < 1 || n_spans > data_dim || !spans)
		return rs_fail(err, code, "span count must be between 1 and %d, got %d",
					   data_dim, n_spans);
	for (int i = 0; i < n_spans; i++)
	{
		const rs_span *s = &spans[i];

		if (s->start != pos || s->width < 1 || s->width > data_dim - pos)
			return rs_fail(err, code, "span %d does not continue the row layout", i);
		if (s->act != RS_ACT_TANH && s->act != RS_ACT_SOFTMAX)
			return rs_fail(err, code, "span %d has an unknown activation", i);
		if (s->act == RS_ACT_TANH && s->width != 1)
			return rs_fail(err, code, "tanh span %d must have width 1", i);
		if (s->is_condition && s->act != RS_ACT_SOFTMAX)
			return rs_fail(err, code, "condition span %d must be a softmax span", i);
		pos += s->width;
	}
	if (pos != data_dim)
		return rs_fail(err, code, "spans cover %d of %d columns", pos, data_dim);

	g->D = data_dim;
	g->n_spans = n_spans;
	g->spans = rs_alloc_array(n_spans, sizeof(rs_span));
	g->cond_span = rs_alloc_array(n_spans, sizeof(int));
	g->cond_off = rs_alloc_array(n_spans + 1, sizeof(int));
	if (!g->spans || !g->cond_span || !g->cond_off)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory");
	memcpy(g->spans, spans, sizeof(rs_span) * n_spans);
	g->cond_dim = 0;
	for (int i = 0; i < n_spans; i++)
	{
		g->spans[i].is_condition = spans[i].is_condition ? 1 : 0;
		if (!g->spans[i].is_condition)
			continue;
		g->cond_span[k] = i;
		g->cond_off[k] = g->cond_dim;
		g->cond_dim += spans[i].width;
		k++;
	}
	g->n_cond = k;
	g->cond_off[k] = g->cond_dim;
	g->X = g->D + g->cond_dim;
	g->cat_count = rs_alloc_array(g->cond_dim ? g->cond_dim : 1, sizeof(double));
	if (!g->cat_count)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory");
	return RS_OK;
}

/* Generator shape and parameter offsets from E and gdims. */
static rs_status
set_generator_shape(rs_gan *g, int E, int n_g, const int *gdims,
					rs_status code, rs_error *err)
{
	int64_t		off = 0,
				roff = 0,
				w;

	if (E < 1 || E > RS_GAN_MAX_DIM || n_g < 0 || n_g > RS_GAN_MAX_LAYERS)
		return rs_fail(err, code, "generator shape is invalid");
	g->E = E;
	g->n_g = n_g;
	g->in_g = E + g->cond_dim;
	w = g->in_g;
	g->maxg = 1;
	g->sumg = 0;
	for (int l = 0; l < n_g; l++)
	{
		if (gdims[l] < 1 || gdims[l] > RS_GAN_MAX_DIM)
			return rs_fail(err, code, "generator layer width %d is invalid", gdims[l]);
		g->gdims[l] = gdims[l];
		g->gin[l] = (int) w;
		g->g_w[l] = off;
		off += (int64_t) gdims[l] * w;
		g->g_b[l] = off;
		off += gdims[l];
		g->g_gamma[l] = off;
		off += gdims[l];
		g->g_beta[l] = off;
		off += gdims[l];
		g->g_runoff[l] = roff;
		roff += 2 * (int64_t) gdims[l];
		w += gdims[l];
		g->sumg += gdims[l];
		if (gdims[l] > g->maxg)
			g->maxg = gdims[l];
	}
	if (w > 16 * RS_GAN_MAX_DIM)
		return rs_fail(err, code, "generator is too wide");
	g->W = (int) w;
	/* block l's output sits just before its input in the row */
	for (int l = 0; l < n_g; l++)
		g->gcol[l] = g->W - g->gin[l] - g->gdims[l];
	g->g_wout = off;
	off += (int64_t) g->D * g->W;
	g->g_bout = off;
	off += g->D;
	if (off > RS_GAN_MAX_PARAMS)
		return rs_fail(err, code, "generator has too many parameters (%lld)",
					   (long long) off);
	g->g_n = off;
	g->g_run_n = roff;
	return RS_OK;
}

static rs_status
set_critic_shape(rs_gan *g, rs_error *err)
{
	int64_t		off = 0,
				w = (int64_t) g->cfg.pac * g->X;

	if (w > 16 * RS_GAN_MAX_DIM)
		return rs_fail(err, RS_ERR_INVALID,
					   "critic input is too wide (pac %d times %d columns)",
					   g->cfg.pac, g->X);
	g->P = (int) w;
	g->n_d = g->cfg.n_dis_dims;
	g->maxd = 1;
	for (int l = 0; l < g->n_d; l++)
	{
		int			d = g->cfg.dis_dims[l];

		g->ddims[l] = d;
		g->din_[l] = (int) w;
		g->d_w[l] = off;
		off += (int64_t) d * w;
		g->d_b[l] = off;
		off += d;
		w = d;
		if (d > g->maxd)
			g->maxd = d;
	}
	g->d_wout = off;
	off += w;
	g->d_bout = off;
	off += 1;
	if (off > RS_GAN_MAX_PARAMS)
		return rs_fail(err, RS_ERR_INVALID,
					   "critic has too many parameters (%lld)", (long long) off);
	g->d_n = off;
	return RS_OK;
}

/* Carve n floats from *base at *off (base NULL: only count). */
static float *
carve(float *base, int64_t *off, int64_t n)
{
	float	   *p = base ? base + *off : NULL;

	*off += n;
	return p;
}

/* Lay out the training buffers in base; returns the float count. */
static int64_t
layout_train(rs_gan *g, float *base)
{
	int64_t		off = 0;
	int64_t		B = g->cfg.batch_size,
				Bp = B / g->cfg.pac,
				R = 3 * Bp;

	g->act = carve(base, &off, B * g->W);
	g->dact = carve(base, &off, B * g->W);
	g->lin = carve(base, &off, B * g->sumg);
	g->bmean = carve(base, &off, g->sumg);
	g->brstd = carve(base, &off, g->sumg);
	g->gscratch = carve(base, &off, B * g->maxg);
	g->raw = carve(base, &off, B * g->D);
	g->draw = carve(base, &off, B * g->D);
	g->gumbel = carve(base, &off, B * g->D);
	g->xbuf = carve(base, &off, 3 * B * g->X);
	g->dx = carve(base, &off, B * g->X);
	for (int l = 0; l < g->n_d; l++)
	{
		g->ca[l] = carve(base, &off, R * g->ddims[l]);
		g->ch[l] = carve(base, &off, R * g->ddims[l]);
		g->cmask[l] = carve(base, &off, R * g->ddims[l]);
		g->cga[l] = carve(base, &off, R * g->ddims[l]);
	}
	g->cdh = carve(base, &off, R * g->maxd);
	g->y = carve(base, &off, R);
	g->dy = carve(base, &off, R);
	g->gpu = carve(base, &off, Bp * g->P);
	g->gpv = carve(base, &off, Bp * g->maxd);
	g->gpq = carve(base, &off, Bp * g->maxd);
	g->cond = carve(base, &off, B * g->cond_dim);
	g->alpha = carve(base, &off, Bp);
	return off;
}

/* Allocate the generator's parameter buffers. */
static rs_status
alloc_generator(rs_gan *g, int with_train, rs_error *err)
{
	g->g_params = rs_alloc_array((size_t) g->g_n, sizeof(float));
	g->g_run = rs_alloc_array((size_t) (g->g_run_n ? g->g_run_n : 1), sizeof(float));
	if (!g->g_params || !g->g_run)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the generator");
	if (with_train)
	{
		g->g_grads = rs_alloc_array((size_t) g->g_n, sizeof(float));
		g->g_m = rs_alloc_array((size_t) g->g_n, sizeof(float));
		g->g_v = rs_alloc_array((size_t) g->g_n, sizeof(float));
		if (!g->g_grads || !g->g_m || !g->g_v)
			return rs_fail(err, RS_ERR_NOMEM, "out of memory for the generator");
	}
	return RS_OK;
}

void
rs_gan_free(rs_gan *g)
{
	if (!g)
		return;
	rs_free(g->spans);
	rs_free(g->cond_span);
	rs_free(g->cond_off);
	rs_free(g->cat_count);
	rs_free(g->g_params);
	rs_free(g->g_grads);
	rs_free(g->g_m);
	rs_free(g->g_v);
	rs_free(g->g_run);
	rs_free(g->d_params);
	rs_free(g->d_grads);
	rs_free(g->d_m);
	rs_free(g->d_v);
	rs_free(g->arena);
	rs_free(g->ibuf);
	rs_sampler_free(g->sampler);
	rs_free(g->idx_rows);
	rs_free(g->idx_off);
	rs_free(g->logcum);
	rs_free(g->mom_mean);
	rs_free(g->mom_buf);
	rs_free(g);
}

/* ---------------------------------------------------------------- create */

static int	count_moment_features(const rs_gan *g);

rs_gan *
rs_gan_create(const rs_gan_config *cfg, int data_dim, const rs_span *spans,
			  int n_spans, uint64_t seed, rs_error *err)
{
	rs_gan	   *g;
	int64_t		nt;
	int			B;

	if (rs_gan_config_validate(cfg, err) != RS_OK)
		return NULL;
	if (!(g = rs_alloc(sizeof(rs_gan))))
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory");
		return NULL;
	}
	g->cfg = *cfg;
	g->trainable = 1;
	B = cfg->batch_size;
	if (set_spans(g, data_dim, spans, n_spans, RS_ERR_INVALID, err) != RS_OK ||
		set_generator_shape(g, cfg->embedding_dim, cfg->n_gen_dims,
							cfg->gen_dims, RS_ERR_INVALID, err) != RS_OK ||
		set_critic_shape(g, err) != RS_OK)
		goto fail;
	nt = layout_train(g, NULL);
	if (nt > RS_GAN_MAX_FLOATS)
	{
		rs_fail(err, RS_ERR_INVALID,
				"training buffers would need %lld floats, more than %lld",
				(long long) nt, (long long) RS_GAN_MAX_FLOATS);
		goto fail;
	}
	if (alloc_generator(g, 1, err) != RS_OK)
		goto fail;
	g->d_params = rs_alloc_array((size_t) g->d_n, sizeof(float));
	g->d_grads = rs_alloc_array((size_t) g->d_n, sizeof(float));
	g->d_m = rs_alloc_array((size_t) g->d_n, sizeof(float));
	g->d_v = rs_alloc_array((size_t) g->d_n, sizeof(float));
	g->arena = rs_alloc_array((size_t) nt, sizeof(float));
	g->ibuf = rs_alloc_array((size_t) 3 * B, sizeof(int));
	if (!g->d_params || !g->d_grads || !g->d_m || !g->d_v || !g->arena || !g->ibuf)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory for the gan training buffers");
		goto fail;
	}
	layout_train(g, g->arena);
	g->F = count_moment_features(g);
	g->mom_buf = rs_alloc_array((size_t) 3 * g->F, sizeof(float));
	if (!g->mom_buf)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory for the gan training buffers");
		goto fail;
	}
	g->mom_n = -1;
	g->span_of = g->ibuf;
	g->cat_of = g->ibuf + B;
	g->perm = g->ibuf + 2 * B;

	/* initialize like torch: Linear uniform, BatchNorm gamma 1 beta 0 */
	rs_rng_seed(&g->rng, seed);
	for (int l = 0; l < g->n_g; l++)
	{
		float	   *run = g->g_run + g->g_runoff[l];

		rs_dense_init(g->g_params + g->g_w[l], g->g_params + g->g_b[l],
					  g->gin[l], g->gdims[l], &g->rng);
		for (int j = 0; j < g->gdims[l]; j++)
		{
			g->g_params[g->g_gamma[l] + j] = 1.0f;
			g->g_params[g->g_beta[l] + j] = 0.0f;
			run[j] = 0.0f;
			run[g->gdims[l] + j] = 1.0f;
		}
	}
	rs_dense_init(g->g_params + g->g_wout, g->g_params + g->g_bout, g->W,
				  g->D, &g->rng);
	for (int l = 0; l < g->n_d; l++)
		rs_dense_init(g->d_params + g->d_w[l], g->d_params + g->d_b[l],
					  g->din_[l], g->ddims[l], &g->rng);
	rs_dense_init(g->d_params + g->d_wout, g->d_params + g->d_bout,
				  g->ddims[g->n_d - 1], 1, &g->rng);
	return g;

fail:
	rs_gan_free(g);
	return NULL;
}

/* ---------------------------------------------------------------- conditional moment matching */

/*
 * A tanh span followed by a softmax span of the same column is a
 * continuous column's offset alpha and mode indicator beta (encoder.h).
 */
static int
mode_pair(const rs_gan *g, int i)
{
	return g->spans[i].act == RS_ACT_TANH && i + 1 < g->n_spans &&
		g->spans[i + 1].act == RS_ACT_SOFTMAX &&
		g->spans[i + 1].column == g->spans[i].column;
}

/* phi = [x (D values), then per mode pair: alpha beta_k, alpha^2 beta_k] */
static int
count_moment_features(const rs_gan *g)
{
	int			F = g->D;

	for (int i = 0; i < g->n_spans; i++)
		if (mode_pair(g, i))
			F += 2 * g->spans[i + 1].width;
	return F;
}

/* phi[F] of one encoded or generated row x[D] */
static void
moment_features(const rs_gan *g, const float *x, float *phi)
{
	int			f = g->D;

	memcpy(phi, x, sizeof(float) * g->D);
	for (int i = 0; i < g->n_spans; i++)
	{
		const float *b;
		float		a;
		int			w;

		if (!mode_pair(g, i))
			continue;
		a = x[g->spans[i].start];
		b = x + g->spans[i + 1].start;
		w = g->spans[i + 1].width;
		for (int k = 0; k < w; k++)
		{
			phi[f + k] = a * b[k];
			phi[f + w + k] = a * a * b[k];
		}
		f += 2 * w;
	}
}

/* dx[D] += d (dphi . phi(x)) / dx */
static void
moment_features_backward(const rs_gan *g, const float *x, const float *dphi,
						 float *dx)
{
	int			f = g->D;

	for (int i = 0; i < g->D; i++)
		dx[i] += dphi[i];
	for (int i = 0; i < g->n_spans; i++)
	{
		const float *b;
		float	   *db;
		float		a,
					da = 0.0f;
		int			w;

		if (!mode_pair(g, i))
			continue;
		a = x[g->spans[i].start];
		b = x + g->spans[i + 1].start;
		db = dx + g->spans[i + 1].start;
		w = g->spans[i + 1].width;
		for (int k = 0; k < w; k++)
		{
			float		d1 = dphi[f + k],
						d2 = dphi[f + w + k];

			da += (d1 + 2.0f * a * d2) * b[k];
			db[k] += (d1 + a * d2) * a;
		}
		dx[g->spans[i].start] += da;
		f += 2 * w;
	}
}

/*
 * mom_mean[j] = mean of phi over the real rows whose condition span has
 * category j (argmax, as build_index counts them in cat_count); the last
 * row over all rows.  Recomputed only when the data (its row count and
 * hash) changed since the last call: once per training in practice.
 */
static rs_status
build_moments(rs_gan *g, const float *data, int64_t n, rs_error *err)
{
	int			F = g->F;
	double	   *acc;
	float	   *phi = g->mom_buf;

	if (g->mom_mean && g->mom_n == n && g->mom_hash == g->data_hash)
		return RS_OK;
	if (!g->mom_mean)
		g->mom_mean = rs_alloc_array((size_t) (g->cond_dim + 1) * F, sizeof(float));
	acc = rs_alloc_array((size_t) (g->cond_dim + 1) * F, sizeof(double));
	if (!g->mom_mean || !acc)
	{
		rs_free(acc);
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the moment targets");
	}
	for (int64_t r = 0; r < n; r++)
	{
		const float *row = data + r * g->D;
		double	   *a = acc + (size_t) g->cond_dim * F;

		if ((r & 1023) == 0)
			rs_check_interrupts();
		moment_features(g, row, phi);
		for (int i = 0; i < F; i++)
			a[i] += phi[i];
		for (int k = 0; k < g->n_cond; k++)
		{
			const rs_span *s = &g->spans[g->cond_span[k]];
			int			best = 0;

			for (int j = 1; j < s->width; j++)
				if (row[s->start + j] > row[s->start + best])
					best = j;
			a = acc + (size_t) (g->cond_off[k] + best) * F;
			for (int i = 0; i < F; i++)
				a[i] += phi[i];
		}
	}
	for (int j = 0; j <= g->cond_dim; j++)
	{
		double		c = j < g->cond_dim ? g->cat_count[j] : (double) n;

		for (int i = 0; i < F; i++)
			g->mom_mean[(size_t) j * F + i] =
				c > 0.0 ? (float) (acc[(size_t) j * F + i] / c) : 0.0f;
	}
	rs_free(acc);
	g->mom_n = n;
	g->mom_hash = g->data_hash;
	return RS_OK;
}

/*
 * The moment term for fake[B, stride ldf] with conditions span_of/cat_of:
 * returns weight * sum_f (mean phi_f(fake) - mean target_f)^2 and, if
 * dfake, adds its gradient to dfake[B, stride ldf].  A category never seen
 * in the data has no target row (all zeros); training never conditions on
 * one (its log(1 + count) weight is 0).
 */
static double
moment_loss(rs_gan *g, const float *fake, int ldf, int B, const int *span_of,
			const int *cat_of, double weight, float *dfake)
{
	int			F = g->F;
	float	   *phi = g->mom_buf,
			   *t = g->mom_buf + F,
			   *d = g->mom_buf + 2 * F;
	double		loss = 0.0;

	memset(t, 0, sizeof(float) * F);
	memset(d, 0, sizeof(float) * F);
	for (int r = 0; r < B; r++)
	{
		const float *cm = g->mom_mean +
			(size_t) (g->n_cond ? g->cond_off[span_of[r]] + cat_of[r] : g->cond_dim) * F;

		moment_features(g, fake + (size_t) r * ldf, phi);
		for (int i = 0; i < F; i++)
		{
			t[i] += cm[i];
			d[i] += phi[i];
		}
	}
	for (int i = 0; i < F; i++)
	{
		double		diff = ((double) d[i] - t[i]) / B;

		loss += diff * diff;
		d[i] = (float) (2.0 * weight * diff / B);
	}
	if (dfake)
		for (int r = 0; r < B; r++)
			moment_features_backward(g, fake + (size_t) r * ldf, d,
									 dfake + (size_t) r * ldf);
	return weight * loss;
}

/* ---------------------------------------------------------------- training-by-sampling */

/* Build the row index of data[n, D] by (condition span, category). */
static rs_status
build_index(rs_gan *g, const float *data, int64_t n, rs_error *err)
{
	int64_t    *fill;

	if (!data || n < 1)
		return rs_fail(err, RS_ERR_INVALID, "training needs at least one row");
	if (n > INT32_MAX)
		return rs_fail(err, RS_ERR_INVALID, "too many training rows (%lld)",
					   (long long) n);
	{
		uint64_t	h = UINT64_C(0xcbf29ce484222325);	/* FNV-1a over the bits */

		for (int64_t i = 0; i < n * g->D; i++)
		{
			uint32_t	u;

			if (!isfinite(data[i]))
				return rs_fail(err, RS_ERR_INVALID,
							   "training data contains NaN or infinity at row %lld",
							   (long long) (i / g->D));
			memcpy(&u, &data[i], sizeof(u));
			h = (h ^ u) * UINT64_C(0x100000001b3);
		}
		g->data_hash = h;
	}
	rs_free(g->idx_rows);
	rs_free(g->idx_off);
	rs_free(g->logcum);
	g->idx_rows = NULL;
	g->idx_off = NULL;
	g->logcum = NULL;
	g->n_rows = n;
	if (g->n_cond == 0)
		return g->cfg.moment_weight > 0.0 ? build_moments(g, data, n, err) : RS_OK;

	g->idx_rows = rs_alloc_array((size_t) n * g->n_cond, sizeof(int));
	g->idx_off = rs_alloc_array((size_t) g->cond_dim + 1, sizeof(int64_t));
	g->logcum = rs_alloc_array((size_t) g->cond_dim, sizeof(double));
	fill = rs_alloc_array((size_t) g->cond_dim, sizeof(int64_t));
	if (!g->idx_rows || !g->idx_off || !g->logcum || !fill)
	{
		rs_free(fill);
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the training row index");
	}
	memset(g->cat_count, 0, sizeof(double) * g->cond_dim);
	/* pass 1: category of every row in every condition span (argmax) */
	for (int pass = 0; pass < 2; pass++)
	{
		for (int64_t r = 0; r < n; r++)
		{
			const float *row = data + r * g->D;

			for (int k = 0; k < g->n_cond; k++)
			{
				const rs_span *s = &g->spans[g->cond_span[k]];
				int			best = 0;

				for (int j = 1; j < s->width; j++)
					if (row[s->start + j] > row[s->start + best])
						best = j;
				if (pass == 0)
					g->cat_count[g->cond_off[k] + best] += 1.0;
				else
					g->idx_rows[fill[g->cond_off[k] + best]++] = (int) r;
			}
		}
		if (pass == 0)
		{
			int64_t		o = 0;

			for (int j = 0; j < g->cond_dim; j++)
			{
				g->idx_off[j] = o;
				fill[j] = o;
				o += (int64_t) g->cat_count[j];
			}
			g->idx_off[g->cond_dim] = o;
		}
	}
	rs_free(fill);
	for (int k = 0; k < g->n_cond; k++)
	{
		double		c = 0.0;

		for (int j = g->cond_off[k]; j < g->cond_off[k + 1]; j++)
		{
			c += log1p(g->cat_count[j]);
			g->logcum[j] = c;
		}
	}
	return g->cfg.moment_weight > 0.0 ? build_moments(g, data, n, err) : RS_OK;
}

/* Category within condition span k, drawn with probability ~ log(1 + count). */
static int
draw_log_category(rs_gan *g, int k)
{
	int			o = g->cond_off[k],
				w = g->cond_off[k + 1] - o;
	double		u = rs_rng_uniform(&g->rng) * g->logcum[o + w - 1];

	for (int j = 0; j < w - 1; j++)
		if (u < g->logcum[o + j])
			return j;
	return w - 1;
}

/* A real row having category j of condition span k (or any row). */
static int64_t
draw_row(rs_gan *g, int k, int j)
{
	int64_t		a,
				b;

	if (k < 0)
		return (int64_t) rs_rng_below(&g->rng, (uint64_t) g->n_rows);
	a = g->idx_off[g->cond_off[k] + j];
	b = g->idx_off[g->cond_off[k] + j + 1];
	return g->idx_rows[a + (int64_t) rs_rng_below(&g->rng, (uint64_t) (b - a))];
}

/* Fill cond[B, cond_dim], span_of[B], cat_of[B] for training. */
static void
draw_condvec(rs_gan *g, int B)
{
	if (g->cond_dim == 0)
		return;
	memset(g->cond, 0, sizeof(float) * B * g->cond_dim);
	for (int r = 0; r < B; r++)
	{
		int			k = (int) rs_rng_below(&g->rng, (uint64_t) g->n_cond);
		int			j = draw_log_category(g, k);

		g->span_of[r] = k;
		g->cat_of[r] = j;
		g->cond[(size_t) r * g->cond_dim + g->cond_off[k] + j] = 1.0f;
	}
}

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

	if (g->par)
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
								  B, g->gin[l], g->gdims[l]);
		lo += g->gdims[l];
	}
	rs_dense_forward(g->raw, g->D, g->act, g->W, p + g->g_wout,
					 p + g->g_bout, B, g->W, g->D);
}

/* Backward from draw[B, D] into g_grads (accumulating). */
static void
gen_backward(rs_gan *g, int B)
{
	float	   *p = g->g_params,
			   *d = g->g_grads;
	int64_t		lo = g->sumg;

	memset(g->dact, 0, sizeof(float) * B * g->W);
	rs_dense_backward(g->n_g > 0 ? g->dact : NULL, g->W, d + g->g_wout,
					  d + g->g_bout, g->draw, g->D, g->act, g->W,
					  p + g->g_wout, B, g->W, g->D);
	for (int l = g->n_g - 1; l >= 0; l--)
	{
		lo -= g->gdims[l];
		rs_residual_backward(g->dact + g->gcol[l], g->W,
							 d + g->g_w[l], d + g->g_b[l],
							 d + g->g_gamma[l], d + g->g_beta[l],
							 g->gscratch, g->act + g->gcol[l],
							 g->lin + lo * B, g->bmean + lo, g->brstd + lo,
							 p + g->g_w[l], p + g->g_gamma[l],
							 B, g->gin[l], g->gdims[l], l > 0);
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

/* draw[B, D] = d loss / d raw from dfake[B, X] (cols 0..D). */
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

				g->draw[(size_t) r * g->D + s->start] =
					dfake[(size_t) r * g->X + s->start] * (1.0f - y * y);
			}
		}
		else
			rs_softmax_backward(g->draw + s->start, g->D, dfake + s->start,
								g->X, fake + s->start, g->X, B, s->width, tau);
	}
}

/*
 * CTGAN's cond loss: sum over rows of the cross-entropy of the conditioned
 * span's logits against the conditioned category, divided by B; adds its
 * gradient to draw.
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
		float	   *dx = g->draw + (size_t) r * g->D + s->start;
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

/* ---------------------------------------------------------------- critic */

/* Forward of R pac groups of xbuf[R, P] -> y[R]; fresh dropout masks. */
static void
critic_forward(rs_gan *g, int R)
{
	const float *p = g->d_params;
	const float *in = g->xbuf;
	int			ldi = g->P;

	for (int l = 0; l < g->n_d; l++)
	{
		size_t		n = (size_t) R * g->ddims[l];

		rs_dense_forward(g->ca[l], g->ddims[l], in, ldi, p + g->d_w[l],
						 p + g->d_b[l], R, g->din_[l], g->ddims[l]);
		rs_leaky_relu_forward(g->ch[l], g->ca[l], n, RS_LRELU_SLOPE);
		rs_dropout_mask(g->cmask[l], n, (float) g->cfg.dropout, &g->rng);
		rs_dropout_forward(g->ch[l], g->ch[l], g->cmask[l], n);
		in = g->ch[l];
		ldi = g->ddims[l];
	}
	rs_dense_forward(g->y, 1, in, ldi, p + g->d_wout, p + g->d_bout, R,
					 ldi, 1);
}

/*
 * Backward of critic_forward from dy[R]: cga[l] (d sum(dy y) / d a_l) for
 * all R rows; parameter gradients from rows [0, Rp) only; the input
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
			g->cdh[(size_t) r * dl + j] = g->dy[r] * p[g->d_wout + j];
	for (int r = 0; r < Rp; r++)
	{
		const float *h = g->ch[L - 1] + (size_t) r * dl;

		for (int j = 0; j < dl; j++)
			d[g->d_wout + j] += g->dy[r] * h[j];
		d[g->d_bout] += g->dy[r];
	}
	for (int l = L - 1; l >= 0; l--)
	{
		int			od = g->ddims[l],
					id = g->din_[l];
		size_t		n = (size_t) R * od;
		const float *in = l > 0 ? g->ch[l - 1] : g->xbuf;

		rs_dropout_backward(g->cga[l], g->cdh, g->cmask[l], n);
		rs_leaky_relu_backward(g->cga[l], g->cga[l], g->ca[l], n, RS_LRELU_SLOPE);
		if (Rp > 0)
			rs_dense_backward(NULL, id, d + g->d_w[l], d + g->d_b[l],
							  g->cga[l], od, in, id, p + g->d_w[l], Rp, id, od);
		if (l > 0)
		{
			memset(g->cdh, 0, sizeof(float) * R * id);
			rs_dense_backward(g->cdh, id, NULL, NULL, g->cga[l], od, in, id,
							  p + g->d_w[l], R, id, od);
		}
		else if (din)
		{
			memset(din, 0, sizeof(float) * (size_t) (R - r0) * id);
			rs_dense_backward(din, id, NULL, NULL, g->cga[l] + (size_t) r0 * od,
							  od, in + (size_t) r0 * id, id, p + g->d_w[l],
							  R - r0, id, od);
		}
	}
}

/*
 * Gradient penalty on the G groups starting at row r0 of the last
 * critic_forward/critic_backward (which put the input gradient in
 * grad[G, P] and the d y / d a_l in cga): returns the penalty and adds its
 * parameter gradient to d_grads.
 */
static double
gradient_penalty(rs_gan *g, int r0, int G, const float *grad)
{
	const float *p = g->d_params;
	float	   *d = g->d_grads;
	double		lambda = g->cfg.gp_lambda,
				pen = 0.0;
	float	   *v = g->gpv,
			   *q = g->gpq;
	int			P = g->P,
				L = g->n_d;

	for (int r = 0; r < G; r++)
	{
		const float *gr = grad + (size_t) r * P;
		float	   *u = g->gpu + (size_t) r * P;
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
					  g->cga[0] + (size_t) r0 * g->ddims[0], g->ddims[0],
					  g->gpu, P, p + g->d_w[0], G, P, g->ddims[0]);
	rs_dense_forward(v, g->ddims[0], g->gpu, P, p + g->d_w[0], NULL, G, P,
					 g->ddims[0]);
	for (int l = 0; l < L; l++)
	{
		int			od = g->ddims[l];
		const float *a = g->ca[l] + (size_t) r0 * od;
		const float *m = g->cmask[l] + (size_t) r0 * od;

		/* q_l = v * m_l * s'(a_l) */
		for (size_t i = 0; i < (size_t) G * od; i++)
			q[i] = v[i] * m[i] * (a[i] > 0.0f ? 1.0f : RS_LRELU_SLOPE);
		if (l + 1 < L)
		{
			int			nd = g->ddims[l + 1];

			rs_dense_backward(NULL, od, d + g->d_w[l + 1], NULL,
							  g->cga[l + 1] + (size_t) r0 * nd, nd, q, od,
							  p + g->d_w[l + 1], G, od, nd);
			rs_dense_forward(v, nd, q, od, p + g->d_w[l + 1], NULL, G, od, nd);
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
	draw_condvec(g, B);
	fill_gen_input(g, B);
	gen_forward_train(g, B);
	activate_train(g, fake, B);

	/* real rows for a shuffled copy of the same conditions */
	for (int r = 0; r < B; r++)
		g->perm[r] = r;
	rs_rng_shuffle(&g->rng, g->perm, B);
	for (int r = 0; r < B; r++)
	{
		int			pr = g->perm[r];
		int64_t		row = g->n_cond ? draw_row(g, g->span_of[pr], g->cat_of[pr])
			: draw_row(g, -1, 0);

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
		sr += g->y[q];
		sf += g->y[Bp + q];
		g->dy[q] = -1.0f / Bp;
		g->dy[Bp + q] = 1.0f / Bp;
		g->dy[2 * Bp + q] = 1.0f;
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

	draw_condvec(g, B);
	fill_gen_input(g, B);
	gen_forward_train(g, B);
	activate_train(g, fake, B);
	critic_forward(g, Bp);
	for (int q = 0; q < Bp; q++)
	{
		sf += g->y[q];
		g->dy[q] = -1.0f / Bp;
	}
	critic_backward(g, Bp, 0, 0, g->dx);
	loss = -sf / Bp;
	if (g->cfg.moment_weight > 0.0)
		loss += moment_loss(g, fake, g->X, B, g->span_of, g->cat_of,
							g->cfg.moment_weight, g->dx);
	activate_backward(g, g->dx, fake, B);
	loss += cond_loss(g, B);
	memset(g->g_grads, 0, sizeof(float) * g->g_n);
	gen_backward(g, B);
	return loss;
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
	if (g->blas_threads > 1)
		openblas_set_num_threads(1);
	rs_nn_set_team(&g->team);
	g->par = 1;
}

static void
step_end(rs_gan *g)
{
	if (!g->par)
		return;
	rs_nn_set_team(NULL);
	if (g->blas_threads > 1)
		openblas_set_num_threads(g->blas_threads);
	rs_team_stop(&g->team);
	g->par = 0;
}

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
	if ((st = build_index(g, data, n, err)) != RS_OK)
		return st;
	steps = n / c->batch_size;
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
			critic_step_grad(g, data, WANT_W | WANT_GP, &lw, &lgp);
			if (!isfinite(lw) || !isfinite(lgp))
				diverged = 1;
			else
			{
				g->t_d++;
				rs_adam_step(g->d_params, g->d_grads, g->d_m, g->d_v,
							 (size_t) g->d_n, g->t_d, (float) c->lr_d,
							 (float) c->beta1, (float) c->beta2, RS_ADAM_EPS,
							 (float) c->weight_decay);
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
							 (float) c->weight_decay);
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
	return RS_OK;
}

/* ---------------------------------------------------------------- sampling */

void
rs_gan_generator_view(const rs_gan *g, rs_gen_view *v)
{
	memset(v, 0, sizeof(*v));
	v->D = g->D;
	v->E = g->E;
	v->cond_dim = g->cond_dim;
	v->n_cond = g->n_cond;
	v->cond_off = g->cond_off;
	v->cond_span = g->cond_span;
	v->cat_count = g->cat_count;
	v->n_spans = g->n_spans;
	v->spans = g->spans;
	v->n_g = g->n_g;
	v->gdims = g->gdims;
	v->gin = g->gin;
	v->W = g->W;
	for (int l = 0; l < g->n_g; l++)
	{
		const float *run = g->g_run + g->g_runoff[l];

		v->w[l] = g->g_params + g->g_w[l];
		v->b[l] = g->g_params + g->g_b[l];
		v->gamma[l] = g->g_params + g->g_gamma[l];
		v->beta[l] = g->g_params + g->g_beta[l];
		v->run_mean[l] = run;
		v->run_var[l] = run + g->gdims[l];
	}
	v->wout = g->g_params + g->g_wout;
	v->bout = g->g_params + g->g_bout;
	v->bn_eps = RS_BN_EPS;
}

/*
 * (Re)compile the generator for sampling when its weights changed since
 * the last compilation.  Allocates in the caller's context: rs_gan_load
 * calls it so that a loaded model's sampler lives as long as the model.
 */
static rs_status
compile_sampler(rs_gan *g, rs_error *err)
{
	rs_gen_view v;

	if (g->sampler && !g->sampler_stale && g->sampler_t_g == g->t_g)
		return RS_OK;
	rs_sampler_free(g->sampler);
	g->sampler = NULL;
	rs_gan_generator_view(g, &v);
	g->sampler = rs_sampler_create(&v, rs_thread_count(), 0, err);
	if (!g->sampler)
		return err->code;
	g->sampler_t_g = g->t_g;
	g->sampler_stale = 0;
	if (g->sample_rows > 0)
		return rs_sampler_reserve(g->sampler, g->sample_threads, g->sample_rows, err);
	return RS_OK;
}

rs_status
rs_gan_sample_bytes(rs_gan *g, int threads, int task_rows, size_t *bytes,
					int *max_threads, rs_error *err)
{
	if (compile_sampler(g, err) != RS_OK)
		return err->code;
	*bytes = rs_sampler_work_bytes(g->sampler, threads, task_rows);
	*max_threads = rs_sampler_max_threads(g->sampler);
	return RS_OK;
}

rs_status
rs_gan_sample_reserve(rs_gan *g, int threads, int task_rows, rs_error *err)
{
	if (threads < 1 || task_rows < 1 || task_rows > RS_SAMPLER_TASK_ROWS)
		return rs_fail(err, RS_ERR_INVALID, "invalid sampling reserve");
	if (compile_sampler(g, err) != RS_OK)
		return err->code;
	g->sample_threads = threads;
	g->sample_rows = task_rows;
	return rs_sampler_reserve(g->sampler, threads, task_rows, err);
}

/* given_cond (or NULL) -> the fixed condition span and category, or -1. */
static rs_status
fixed_condition(const rs_gan *g, const int *given_cond, int *fixed_k,
				int *fixed_j, rs_error *err)
{
	*fixed_k = -1;
	*fixed_j = -1;
	if (!given_cond)
		return RS_OK;
	for (int k = 0; k < g->n_cond; k++)
	{
		int			w = g->cond_off[k + 1] - g->cond_off[k];

		if (given_cond[k] < -1 || given_cond[k] >= w)
			return rs_fail(err, RS_ERR_INVALID,
						   "category %d is out of range for condition %d (0..%d)",
						   given_cond[k], k, w - 1);
		if (given_cond[k] < 0)
			continue;
		if (*fixed_k >= 0)
			return rs_fail(err, RS_ERR_INVALID,
						   "at most one condition can be fixed when sampling");
		*fixed_k = k;
		*fixed_j = given_cond[k];
	}
	return RS_OK;
}

/* Checks shared by rs_gan_sample and rs_gan_sample_start; compiles. */
static rs_status
prepare_sampling(rs_gan *g, int64_t n, const int *given_cond, float *out,
				 rs_rng *rng, int *fixed_k, int *fixed_j, rs_error *err)
{
	if (!g || !rng || (n > 0 && !out))
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to gan sampling");
	if (n < 0)
		return rs_fail(err, RS_ERR_INVALID, "cannot sample a negative number of rows");
	if (fixed_condition(g, given_cond, fixed_k, fixed_j, err) != RS_OK)
		return err->code;
	return compile_sampler(g, err);
}

rs_status
rs_gan_sample(rs_gan *g, int64_t n, const int *given_cond, float *out,
			  rs_rng *rng, rs_error *err)
{
	int			fixed_k,
				fixed_j;

	if (prepare_sampling(g, n, given_cond, out, rng, &fixed_k, &fixed_j, err) != RS_OK)
		return err->code;
	return rs_sampler_run(g->sampler, n, fixed_k, fixed_j, out, rng, err);
}

rs_status
rs_gan_sample_start(rs_gan *g, int n, const int *given_cond, float *out,
					rs_rng *rng, rs_error *err)
{
	int			fixed_k,
				fixed_j;

	if (prepare_sampling(g, n, given_cond, out, rng, &fixed_k, &fixed_j, err) != RS_OK)
		return err->code;
	return rs_sampler_start(g->sampler, n, fixed_k, fixed_j, out, rng, err);
}

void
rs_gan_sample_wait(rs_gan *g)
{
	if (g && g->sampler)
		rs_sampler_wait(g->sampler);
}

/* ---------------------------------------------------------------- save / load */

rs_status
rs_gan_save(const rs_gan *g, rs_wbuf *b, rs_error *err)
{
	if (!g || !b)
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to gan save");
	rs_wbuf_u32(b, RS_GAN_FORMAT);
	rs_wbuf_i32(b, g->D);
	rs_wbuf_i32(b, g->n_spans);
	for (int i = 0; i < g->n_spans; i++)
	{
		rs_wbuf_i32(b, g->spans[i].start);
		rs_wbuf_i32(b, g->spans[i].width);
		rs_wbuf_i32(b, (int32_t) g->spans[i].act);
		rs_wbuf_i32(b, g->spans[i].column);
		rs_wbuf_i32(b, g->spans[i].is_condition);
	}
	rs_wbuf_i32(b, g->E);
	rs_wbuf_i32(b, g->n_g);
	for (int l = 0; l < g->n_g; l++)
		rs_wbuf_i32(b, g->gdims[l]);
	rs_wbuf_i32(b, g->cond_dim);
	for (int j = 0; j < g->cond_dim; j++)
		rs_wbuf_f64(b, g->cat_count[j]);
	rs_wbuf_f32s(b, g->g_params, (size_t) g->g_n);
	rs_wbuf_f32s(b, g->g_run, (size_t) g->g_run_n);
	if (b->failed)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory while saving the generator");
	return RS_OK;
}

#define LOAD_FAIL(...) do { rs_fail(err, RS_ERR_CORRUPT, __VA_ARGS__); goto fail; } while (0)

rs_gan *
rs_gan_load(rs_rbuf *b, rs_error *err)
{
	rs_gan	   *g = NULL;
	rs_span    *spans = NULL;
	uint32_t	version;
	int32_t		D,
				ns,
				E,
				ng,
				cd;
	int			gdims[RS_GAN_MAX_LAYERS];
	float	   *v;
	size_t		got;

	if (!b)
	{
		rs_fail(err, RS_ERR_INVALID, "invalid arguments to gan load");
		return NULL;
	}
	version = rs_rbuf_u32(b);
	if (b->failed)
		LOAD_FAIL("generator section is truncated");
	if (version > RS_GAN_FORMAT)
	{
		rs_fail(err, RS_ERR_VERSION,
				"generator format %u is newer than this build supports (%d)",
				version, RS_GAN_FORMAT);
		return NULL;
	}
	if (version != RS_GAN_FORMAT)
		LOAD_FAIL("generator format %u is unknown", version);
	D = rs_rbuf_i32(b);
	ns = rs_rbuf_i32(b);
	if (b->failed || D < 1 || D > RS_GAN_MAX_DIM || ns < 1 || ns > D)
		LOAD_FAIL("generator data layout is invalid");
	/* each span needs 20 bytes: refuse before allocating */
	if ((size_t) ns > (b->len - b->pos) / 20)
		LOAD_FAIL("generator section is truncated");
	if (!(spans = rs_alloc_array(ns, sizeof(rs_span))))
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int i = 0; i < ns; i++)
	{
		spans[i].start = rs_rbuf_i32(b);
		spans[i].width = rs_rbuf_i32(b);
		spans[i].act = (rs_activation) rs_rbuf_i32(b);
		spans[i].column = rs_rbuf_i32(b);
		spans[i].is_condition = rs_rbuf_i32(b);
		if (spans[i].is_condition != 0 && spans[i].is_condition != 1)
			LOAD_FAIL("generator span %d is invalid", i);
	}
	if (b->failed)
		LOAD_FAIL("generator section is truncated");
	if (!(g = rs_alloc(sizeof(rs_gan))))
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto fail;
	}
	rs_gan_config_default(&g->cfg);
	if (set_spans(g, D, spans, ns, RS_ERR_CORRUPT, err) != RS_OK)
		goto fail;
	rs_free(spans);
	spans = NULL;
	E = rs_rbuf_i32(b);
	ng = rs_rbuf_i32(b);
	if (b->failed || ng < 0 || ng > RS_GAN_MAX_LAYERS)
		LOAD_FAIL("generator shape is invalid");
	for (int l = 0; l < ng; l++)
		gdims[l] = rs_rbuf_i32(b);
	if (b->failed)
		LOAD_FAIL("generator section is truncated");
	if (set_generator_shape(g, E, ng, gdims, RS_ERR_CORRUPT, err) != RS_OK)
		goto fail;
	g->cfg.embedding_dim = E;
	g->cfg.n_gen_dims = ng;
	memcpy(g->cfg.gen_dims, gdims, sizeof(int) * ng);
	cd = rs_rbuf_i32(b);
	if (b->failed || cd != g->cond_dim)
		LOAD_FAIL("generator condition width does not match its spans");
	for (int j = 0; j < cd; j++)
	{
		double		c = rs_rbuf_f64(b);

		if (!(c >= 0.0 && c <= 1e18))
			LOAD_FAIL("generator category count is invalid");
		g->cat_count[j] = c;
	}
	if (b->failed)
		LOAD_FAIL("generator section is truncated");
	/* rs_rbuf_f32s checks the length against the bytes left first */
	v = rs_rbuf_f32s(b, (size_t) g->g_n, &got);
	if (!v)
		LOAD_FAIL("generator weights are truncated or have the wrong length");
	g->g_params = v;
	for (int64_t i = 0; i < g->g_n; i++)
		if (!isfinite(v[i]))
			LOAD_FAIL("generator weights contain NaN or infinity");
	v = rs_rbuf_f32s(b, (size_t) g->g_run_n, &got);
	if (!v)
		LOAD_FAIL("generator batchnorm statistics are truncated or have the wrong length");
	g->g_run = v;
	for (int l = 0; l < ng; l++)
		for (int j = 0; j < 2 * g->gdims[l]; j++)
		{
			float		x = v[g->g_runoff[l] + j];

			if (!isfinite(x) || (j >= g->gdims[l] && x < 0.0f))
				LOAD_FAIL("generator batchnorm statistics are invalid");
		}
	g->trainable = 0;
	/* compile for sampling now, in the caller's allocation context */
	if (compile_sampler(g, err) != RS_OK)
		goto fail;
	return g;

fail:
	rs_free(spans);
	rs_gan_free(g);
	return NULL;
}

/* ---------------------------------------------------------------- queries */

int
rs_gan_data_dim(const rs_gan *g)
{
	return g->D;
}

int
rs_gan_cond_dim(const rs_gan *g)
{
	return g->cond_dim;
}

int
rs_gan_n_cond_spans(const rs_gan *g)
{
	return g->n_cond;
}

int
rs_gan_cond_span_width(const rs_gan *g, int k)
{
	if (k < 0 || k >= g->n_cond)
		return -1;
	return g->cond_off[k + 1] - g->cond_off[k];
}

int
rs_gan_cond_span(const rs_gan *g, int k)
{
	if (k < 0 || k >= g->n_cond)
		return -1;
	return g->cond_span[k];
}

int
rs_gan_can_train(const rs_gan *g)
{
	return g->trainable;
}

const rs_span *
rs_gan_spans(const rs_gan *g, int *n_spans)
{
	*n_spans = g->n_spans;
	return g->spans;
}

const rs_gan_config *
rs_gan_get_config(const rs_gan *g)
{
	return &g->cfg;
}

float *
rs_gan_params(rs_gan *g, int which, int64_t *n)
{
	*n = which == 0 ? g->g_n : (g->d_params ? g->d_n : 0);
	g->sampler_stale = 1;		/* the caller may change the weights */
	return which == 0 ? g->g_params : g->d_params;
}

float *
rs_gan_grads(rs_gan *g, int which, int64_t *n)
{
	*n = which == 0 ? (g->g_grads ? g->g_n : 0) : (g->d_grads ? g->d_n : 0);
	return which == 0 ? g->g_grads : g->d_grads;
}

/* ---------------------------------------------------------------- test hooks */

rs_status
rs_gan_test_condvec(rs_gan *g, const float *data, int64_t n, int B,
					float *cond, int *span_of, int *cat_of, int64_t *row_of,
					rs_error *err)
{
	rs_status	st;

	if (!g->trainable || B < 1 || B > g->cfg.batch_size)
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to the condvec test hook");
	if ((st = build_index(g, data, n, err)) != RS_OK)
		return st;
	draw_condvec(g, B);
	for (int r = 0; r < B; r++)
	{
		if (g->cond_dim)
			memcpy(cond + (size_t) r * g->cond_dim,
				   g->cond + (size_t) r * g->cond_dim,
				   sizeof(float) * g->cond_dim);
		span_of[r] = g->n_cond ? g->span_of[r] : -1;
		cat_of[r] = g->n_cond ? g->cat_of[r] : -1;
		row_of[r] = g->n_cond ? draw_row(g, g->span_of[r], g->cat_of[r])
			: draw_row(g, -1, 0);
	}
	return RS_OK;
}

rs_status
rs_gan_test_loss(rs_gan *g, const float *data, int64_t n, int what,
				 uint64_t seed, double *loss, rs_error *err)
{
	rs_status	st;
	double		lw,
				lgp;

	if (!g->trainable || what < 0 || what > 3)
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to the loss test hook");
	if ((st = build_index(g, data, n, err)) != RS_OK)
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
		default:
			*loss = gen_step_grad(g);
			break;
	}
	return RS_OK;
}

rs_status
rs_gan_test_moments(rs_gan *g, const float *fake, int nb, const int *span_of,
					const int *cat_of, double *loss, int *n_features,
					rs_error *err)
{
	if (!g || !g->trainable || !g->mom_mean || nb < 1 ||
		nb > g->cfg.batch_size || !fake || !loss || !n_features)
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to the moments test hook");
	for (int r = 0; r < nb && g->n_cond; r++)
		if (span_of[r] < 0 || span_of[r] >= g->n_cond || cat_of[r] < 0 ||
			cat_of[r] >= g->cond_off[span_of[r] + 1] - g->cond_off[span_of[r]])
			return rs_fail(err, RS_ERR_INVALID, "invalid condition in the moments test hook");
	*loss = moment_loss(g, fake, g->D, nb, span_of, cat_of, 1.0, NULL);
	*n_features = g->F;
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
		cf += 2.0 * g->din_[l] * g->ddims[l];
	cf += 2.0 * g->ddims[g->n_d - 1];

	/* critic step: G forward, critic forward on R groups, backward */
	dstep = genf + R * cf;
	for (int l = 0; l < g->n_d; l++)
	{
		double		k = 2.0 * g->din_[l] * g->ddims[l];

		dstep += 2 * Bp * k;	/* dW from real and fake groups */
		dstep += (l > 0 ? R : Bp) * k;	/* input gradients */
		dstep += 2 * Bp * k;	/* GP: dW and the forward-like product */
	}
	/* generator step: G forward, critic forward/backward on Bp, G backward */
	gstep = genf + Bp * cf + genb;
	for (int l = 0; l < g->n_d; l++)
		gstep += Bp * 2.0 * g->din_[l] * g->ddims[l];
	return dstep * g->cfg.discriminator_steps + gstep;
}

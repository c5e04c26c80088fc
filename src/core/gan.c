/*
 * gan.c
 *	  The CTGAN-class model (see gan.h; its files: gan_int.h): configuration,
 *	  shapes and buffers, create, free and the queries.
 */
#include "gan_int.h"
#include "gemm16.h"

#include <math.h>
#include <string.h>

#include "gan_test.h"

#include "hparams.h"

#define RS_GAN_MAX_FLOATS	(INT64_C(1) << 28)	/* working buffers */

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
	rs_status	st;

	if (!cfg)
		return rs_fail(err, RS_ERR_INVALID, "gan configuration is missing");
	if ((st = rs_hparams_check_gan(cfg, err)) != RS_OK)	/* the table's bounds */
		return st;
	if (cfg->dp_noise != 0)
	{
		const char *bad = cfg->pac != 1 ? "pac other than 1" :
			cfg->gp_lambda != 0 ? "gp_lambda other than 0" :
			cfg->moment_weight != 0 ? "moment_weight other than 0" :
			cfg->calibration != 0 ? "calibration other than 0" :
			cfg->early_stopping != 0 ? "early_stopping other than 0" : NULL;

		if (!(cfg->dp_noise > 0) || !isfinite(cfg->dp_noise))
			return rs_fail(err, RS_ERR_INVALID, "DP noise multiplier must be positive, got %g",
						   cfg->dp_noise);
		if (!(cfg->dp_rate > 0 && cfg->dp_rate <= 1))
			return rs_fail(err, RS_ERR_INVALID, "DP sampling rate must be in (0, 1], got %g",
						   cfg->dp_rate);
		if (bad)
			return rs_fail(err, RS_ERR_INVALID,
						   "differentially private training does not support %s", bad);
	}
	return RS_OK;
}

int64_t
rs_gan_dp_steps(const rs_gan_config *cfg)
{
	double		per = cfg->dp_rate > 0 ? floor(1.0 / cfg->dp_rate) : 1;

	if (per < 1)
		per = 1;
	return (int64_t) cfg->epochs * (int64_t) per * cfg->discriminator_steps;
}

/* ---------------------------------------------------------------- shapes and buffers */

/* Check the spans and fill the data layout; RS_ERR_INVALID or code. */
rs_status
gan_set_spans(rs_gan *g, int data_dim, const rs_span *spans, int n_spans,
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
rs_status
gan_set_generator_shape(rs_gan *g, int E, int n_g, const int *gdims,
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
		g->d_in_width[l] = (int) w;
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
	g->raw_grad = carve(base, &off, B * g->D);
	g->gumbel = carve(base, &off, B * g->D);
	g->xbuf = carve(base, &off, 3 * B * g->X);
	g->dx = carve(base, &off, B * g->X);
	for (int l = 0; l < g->n_d; l++)
	{
		g->c_pre[l] = carve(base, &off, R * g->ddims[l]);
		g->c_out[l] = carve(base, &off, R * g->ddims[l]);
		g->c_mask[l] = carve(base, &off, R * g->ddims[l]);
		g->c_dpre[l] = carve(base, &off, R * g->ddims[l]);
	}
	g->c_dout = carve(base, &off, R * g->maxd);
	g->score = carve(base, &off, R);
	g->dscore = carve(base, &off, R);
	g->gp_dinput = carve(base, &off, Bp * g->P);
	g->gp_fwd = carve(base, &off, Bp * g->maxd);
	g->gp_gated = carve(base, &off, Bp * g->maxd);
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
	rs_free(g->int_arena);
	rs_sampler_free(g->sampler);
	rs_free(g->idx_rows);
	rs_free(g->idx_off);
	rs_free(g->logcum);
	rs_free(g->mom_mean);
	rs_free(g->mom_buf);
	for (int i = 0; i < RS_NN_BF16_PARTS; i++)
		rs_free(g->bf16.scratch[i]);
	rs_free(g);
}

/*
 * cfg.precision resolved: bf16 scratch for every part of the largest
 * product of a step (the generator's layers on batch_size rows, the
 * critic's on 3 batch_size / pac groups or, DP aside, batch_size), or
 * nothing (fp32).
 */
static rs_status
alloc_bf16(rs_gan *g, rs_error *err)
{
	int			B = g->cfg.batch_size,
				Rc = 3 * (B / g->cfg.pac);
	size_t		bytes = 0;

	if (g->cfg.precision == RS_PRECISION_BF16 && g->cfg.dp_noise != 0)
		return rs_fail(err, RS_ERR_INVALID,
					   "precision \"bf16\" is not supported in differentially private training");
	if (g->cfg.precision == RS_PRECISION_FP32 || g->cfg.dp_noise != 0)
		return RS_OK;
	if (!rs_gemm16_native())
	{
		if (g->cfg.precision == RS_PRECISION_BF16)
			return rs_fail(err, RS_ERR_INVALID,
						   "precision \"bf16\" needs a CPU with AVX512-BF16");
		return RS_OK;
	}
	if (g->cfg.precision == RS_PRECISION_AUTO && !rs_gemm16_auto_training())
		return RS_OK;
	for (int l = 0; l < g->n_g; l++)
	{
		size_t		b = rs_nn_bf16_dense_bytes(B, g->gin[l], g->gdims[l]);

		bytes = b > bytes ? b : bytes;
	}
	{
		size_t		b = rs_nn_bf16_dense_bytes(B, g->W, g->D);

		bytes = b > bytes ? b : bytes;
	}
	for (int l = 0; l < g->n_d; l++)
	{
		size_t		b = rs_nn_bf16_dense_bytes(Rc, g->d_in_width[l], g->ddims[l]);

		bytes = b > bytes ? b : bytes;
	}
	for (int i = 0; i < RS_NN_BF16_PARTS; i++)
		if (!(g->bf16.scratch[i] = rs_alloc(bytes)))
			return rs_fail(err, RS_ERR_NOMEM, "out of memory for the bf16 products");
	g->bf16.bytes = bytes;
	return RS_OK;
}

const char *
rs_gan_precision(const rs_gan *g)
{
	return g->bf16.bytes ? "bf16" : "fp32";
}

/* ---------------------------------------------------------------- create */

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
	if (gan_set_spans(g, data_dim, spans, n_spans, RS_ERR_INVALID, err) != RS_OK ||
		gan_set_generator_shape(g, cfg->embedding_dim, cfg->n_gen_dims,
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
	if (alloc_generator(g, 1, err) != RS_OK || alloc_bf16(g, err) != RS_OK)
		goto fail;
	g->d_params = rs_alloc_array((size_t) g->d_n, sizeof(float));
	g->d_grads = rs_alloc_array((size_t) g->d_n, sizeof(float));
	g->d_m = rs_alloc_array((size_t) g->d_n, sizeof(float));
	g->d_v = rs_alloc_array((size_t) g->d_n, sizeof(float));
	g->arena = rs_alloc_array((size_t) nt, sizeof(float));
	g->int_arena = rs_alloc_array((size_t) 3 * B, sizeof(int));
	if (!g->d_params || !g->d_grads || !g->d_m || !g->d_v || !g->arena || !g->int_arena)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory for the gan training buffers");
		goto fail;
	}
	layout_train(g, g->arena);
	g->F = gan_count_moment_features(g);
	g->mom_buf = rs_alloc_array((size_t) 3 * g->F, sizeof(float));
	if (!g->mom_buf)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory for the gan training buffers");
		goto fail;
	}
	g->mom_n = -1;
	g->span_of = g->int_arena;
	g->cat_of = g->int_arena + B;
	g->perm = g->int_arena + 2 * B;

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
					  g->d_in_width[l], g->ddims[l], &g->rng);
	rs_dense_init(g->d_params + g->d_wout, g->d_params + g->d_bout,
				  g->ddims[g->n_d - 1], 1, &g->rng);
	return g;

fail:
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

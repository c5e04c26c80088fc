/*
 * gan_io.c
 *	  The generator section of a model state: rs_gan_save, rs_gan_load.
 */
#include "gan_int.h"

#include <math.h>
#include <string.h>

#define RS_GAN_FORMAT		1

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

/*
 * The data layout: D, the span count and the spans (not yet checked
 * against each other: gan_set_spans does that).  NULL with err set.
 */
static rs_span *
load_spans(rs_rbuf *b, int32_t *D, int32_t *ns, rs_error *err)
{
	rs_span    *spans = NULL;

	*D = rs_rbuf_i32(b);
	*ns = rs_rbuf_i32(b);
	if (b->failed || *D < 1 || *D > RS_GAN_MAX_DIM || *ns < 1 || *ns > *D)
		LOAD_FAIL("generator data layout is invalid");
	/* each span needs 20 bytes: refuse before allocating */
	if ((size_t) *ns > (b->len - b->pos) / 20)
		LOAD_FAIL("generator section is truncated");
	if (!(spans = rs_alloc_array(*ns, sizeof(rs_span))))
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int i = 0; i < *ns; i++)
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
	return spans;

fail:
	rs_free(spans);
	return NULL;
}

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
	if (!(spans = load_spans(b, &D, &ns, err)))
		return NULL;
	if (!(g = rs_alloc(sizeof(rs_gan))))
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto fail;
	}
	rs_gan_config_default(&g->cfg);
	if (gan_set_spans(g, D, spans, ns, RS_ERR_CORRUPT, err) != RS_OK)
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
	if (gan_set_generator_shape(g, E, ng, gdims, RS_ERR_CORRUPT, err) != RS_OK)
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
	if (gan_compile_sampler(g, err) != RS_OK)
		goto fail;
	return g;

fail:
	rs_free(spans);
	rs_gan_free(g);
	return NULL;
}

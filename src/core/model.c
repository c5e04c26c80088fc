/*
 * model.c
 *	  Model state bytes <-> rs_model (see model.h).
 *
 * META section layout (little-endian):
 *	 u32 format (1), u64 seed, str minority, u32 n_source_cols,
 *	 per source column: str name, str type, i32 role
 */
#include "model.h"

#include <string.h>

#define RS_META_FORMAT 1
#define RS_MAX_SOURCE_COLS 1664		/* PostgreSQL's MaxTupleAttributeNumber */
#define RS_MAX_META_STR ((size_t) 1 << 16)

rs_status
rs_model_save(const rs_model *m, uint8_t **out, size_t *out_len, rs_error *err)
{
	rs_state_builder sb;
	rs_wbuf    *b;
	rs_status	st = RS_OK;

	rs_state_builder_init(&sb);

	b = rs_state_section(&sb, RS_SEC_META);
	rs_wbuf_u32(b, RS_META_FORMAT);
	rs_wbuf_u64(b, m->meta.seed);
	rs_wbuf_str(b, m->meta.minority);
	rs_wbuf_u32(b, (uint32_t) m->meta.n_source_cols);
	for (int i = 0; i < m->meta.n_source_cols; i++)
	{
		rs_wbuf_str(b, m->meta.source_names[i]);
		rs_wbuf_str(b, m->meta.source_types[i]);
		rs_wbuf_i32(b, m->meta.source_role[i]);
	}

	if (rs_columns_save(m->specs, rs_state_section(&sb, RS_SEC_COLUMNS)) != RS_OK ||
		rs_encoder_save(m->enc, rs_state_section(&sb, RS_SEC_ENCODER)) != RS_OK)
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory while saving the model");
	if (st == RS_OK)
		st = rs_gan_save(m->gan, rs_state_section(&sb, RS_SEC_GENERATOR), err);
	if (st == RS_OK)
		st = rs_state_finish(&sb, out, out_len, err);
	rs_state_builder_free(&sb);
	return st;
}

static rs_status
load_meta(rs_rbuf *b, rs_model_meta *meta, int n_features, rs_error *err)
{
	const char *what = "model meta section";
	uint32_t	format = rs_rbuf_u32(b);
	uint32_t	n;
	int			seen_label = 0;

	if (!b->failed && format != RS_META_FORMAT)
		return rs_fail(err, format > RS_META_FORMAT ? RS_ERR_VERSION : RS_ERR_CORRUPT,
					   "%s has unknown format %u", what, format);
	meta->seed = rs_rbuf_u64(b);
	meta->minority = rs_rbuf_str(b, RS_MAX_META_STR);
	n = rs_rbuf_u32(b);
	if (b->failed || !meta->minority)
		return rs_fail(err, RS_ERR_CORRUPT, "%s is truncated", what);
	if (n < 2 || n > RS_MAX_SOURCE_COLS)
		return rs_fail(err, RS_ERR_CORRUPT, "%s has an invalid column count %u", what, n);
	meta->source_names = rs_alloc_array(n, sizeof(char *));
	meta->source_types = rs_alloc_array(n, sizeof(char *));
	meta->source_role = rs_alloc_array(n, sizeof(int));
	if (!meta->source_names || !meta->source_types || !meta->source_role)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory");
	meta->n_source_cols = (int) n;
	for (uint32_t i = 0; i < n; i++)
	{
		int			role;

		meta->source_names[i] = rs_rbuf_str(b, RS_MAX_META_STR);
		meta->source_types[i] = rs_rbuf_str(b, RS_MAX_META_STR);
		role = rs_rbuf_i32(b);
		meta->source_role[i] = role;
		if (b->failed || !meta->source_names[i] || !meta->source_types[i])
			return rs_fail(err, RS_ERR_CORRUPT, "%s is truncated", what);
		if (role == RS_ROLE_LABEL)
			seen_label++;
		else if (role != RS_ROLE_EXCLUDED && (role < 0 || role >= n_features))
			return rs_fail(err, RS_ERR_CORRUPT, "%s has an invalid role %d", what, role);
	}
	if (seen_label != 1)
		return rs_fail(err, RS_ERR_CORRUPT, "%s must name exactly one label column", what);
	/* every feature appears exactly once */
	for (int f = 0; f < n_features; f++)
	{
		int			count = 0;

		for (uint32_t i = 0; i < n; i++)
			count += meta->source_role[i] == f;
		if (count != 1)
			return rs_fail(err, RS_ERR_CORRUPT, "%s maps feature %d %d times", what, f, count);
	}
	return rs_rbuf_finish(b, 1, what, err);
}

rs_model *
rs_model_load(const void *buf, size_t len, rs_error *err)
{
	rs_state_view view;
	rs_rbuf		sec;
	rs_model   *m;

	if (rs_state_open(&view, buf, len, err) != RS_OK)
		return NULL;
	m = rs_alloc(sizeof(rs_model));
	if (!m)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory");
		return NULL;
	}

	if (rs_state_get(&view, RS_SEC_COLUMNS, &sec, err) != RS_OK ||
		!(m->specs = rs_columns_load(&sec, err)) ||
		rs_rbuf_finish(&sec, 1, "column specs section", err) != RS_OK)
		goto fail;
	if (rs_state_get(&view, RS_SEC_META, &sec, err) != RS_OK ||
		load_meta(&sec, &m->meta, m->specs->n_cols, err) != RS_OK)
		goto fail;
	if (rs_state_get(&view, RS_SEC_ENCODER, &sec, err) != RS_OK ||
		!(m->enc = rs_encoder_load(&sec, m->specs, err)) ||
		rs_rbuf_finish(&sec, 1, "encoder section", err) != RS_OK)
		goto fail;
	if (rs_state_get(&view, RS_SEC_GENERATOR, &sec, err) != RS_OK ||
		!(m->gan = rs_gan_load(&sec, err)) ||
		rs_rbuf_finish(&sec, 1, "generator section", err) != RS_OK)
		goto fail;
	if (rs_gan_data_dim(m->gan) != rs_encoder_dim(m->enc))
	{
		rs_fail(err, RS_ERR_CORRUPT, "generator width %d does not match encoder width %d",
				rs_gan_data_dim(m->gan), rs_encoder_dim(m->enc));
		goto fail;
	}
	return m;

fail:
	rs_model_free(m);
	return NULL;
}

void
rs_model_free(rs_model *m)
{
	if (!m)
		return;
	rs_free(m->meta.minority);
	for (int i = 0; i < m->meta.n_source_cols; i++)
	{
		if (m->meta.source_names)
			rs_free(m->meta.source_names[i]);
		if (m->meta.source_types)
			rs_free(m->meta.source_types[i]);
	}
	rs_free(m->meta.source_names);
	rs_free(m->meta.source_types);
	rs_free(m->meta.source_role);
	rs_table_free(m->specs);
	if (m->enc)
		rs_encoder_free(m->enc);
	if (m->gan)
		rs_gan_free(m->gan);
	rs_free(m);
}

rs_status
rs_model_prepare(rs_model *m, const rs_table *rows, const rs_gan_config *cfg,
				 int max_modes, rs_rng *rng, float **encoded, rs_error *err)
{
	int			dim;

	*encoded = NULL;
	m->enc = rs_encoder_fit(rows, max_modes, rng, err);
	if (!m->enc)
		return err->code;
	dim = rs_encoder_dim(m->enc);
	*encoded = rs_alloc_array((size_t) rows->n_rows * (size_t) dim, sizeof(float));
	if (!*encoded)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for %d encoded rows", rows->n_rows);
	if (rs_encoder_transform(m->enc, rows, *encoded, rng, err) != RS_OK)
		return err->code;
	m->gan = rs_gan_create(cfg, dim, rs_encoder_spans(m->enc), rs_encoder_n_spans(m->enc),
						   rs_rng_next(rng), err);
	return m->gan ? RS_OK : err->code;
}

rs_status
rs_model_generate(const rs_model *m, int n, const int *given, float *buf,
				  rs_table *t, int row0, rs_rng *rng, rs_error *err)
{
	if (rs_gan_sample(m->gan, n, given, buf, rng, err) != RS_OK)
		return err->code;
	return rs_model_decode(m, n, buf, t, row0, err);
}

rs_status
rs_model_generate_start(const rs_model *m, int n, const int *given, float *buf,
						rs_rng *rng, rs_error *err)
{
	return rs_gan_sample_start(m->gan, n, given, buf, rng, err);
}

rs_status
rs_model_decode(const rs_model *m, int n, const float *buf, rs_table *t,
				int row0, rs_error *err)
{
	return rs_encoder_inverse(m->enc, buf, n, t, row0, err);
}

void
rs_model_generate_wait(const rs_model *m)
{
	rs_gan_sample_wait(m->gan);
}

rs_table *
rs_model_augment(const rs_table *rows, int n_new, const rs_gan_config *cfg,
				 int max_modes, uint64_t seed, rs_error *err)
{
	rs_model	m;
	rs_rng		rng;
	float	   *encoded = NULL;
	float	   *buf = NULL;
	rs_table   *out = NULL;
	int			chunk = 1024;

	memset(&m, 0, sizeof(m));
	rs_rng_seed(&rng, seed);
	if (rs_model_prepare(&m, rows, cfg, max_modes, &rng, &encoded, err) != RS_OK)
		goto done;
	for (int e = 0; e < cfg->epochs; e++)
		if (rs_gan_fit_epoch(m.gan, encoded, rows->n_rows, NULL, NULL, err) != RS_OK)
			goto done;
	out = rs_table_create(n_new, rows->n_cols, err);
	buf = rs_alloc_array((size_t) chunk * (size_t) rs_encoder_dim(m.enc), sizeof(float));
	if (!out || !buf || rs_table_copy_specs(out, rows, err) != RS_OK)
	{
		if (!buf)
			rs_fail(err, RS_ERR_NOMEM, "out of memory");
		rs_table_free(out);
		out = NULL;
		goto done;
	}
	for (int row = 0; row < n_new; row += chunk)
	{
		int			b = n_new - row < chunk ? n_new - row : chunk;

		if (rs_model_generate(&m, b, NULL, buf, out, row, &rng, err) != RS_OK)
		{
			rs_table_free(out);
			out = NULL;
			goto done;
		}
	}
done:
	rs_free(buf);
	rs_free(encoded);
	if (m.enc)
		rs_encoder_free(m.enc);
	if (m.gan)
		rs_gan_free(m.gan);
	return out;
}

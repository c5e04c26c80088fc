/*
 * model.c
 *	  Model state bytes <-> rs_model (see model.h), the conditioning of a
 *	  sample on one category, and the memory plan of sampling.
 *
 * Each section's loader checks its own fields; rs_model_load then checks
 * what ties the sections together (check_model), so that nothing done with
 * a loaded model (sampling, a fixed category, decoding, the row maker of
 * the glue) can index outside what was allocated: every feature is one
 * source column and is named like it, names and categories are unique,
 * the generator's span layout is the encoder's span for span (so its
 * condition spans are the categorical columns' one-hot blocks), and its
 * width is the encoder's.
 *
 * META section layout (little-endian):
 *	 u32 format (1), u64 seed, str minority, u32 n_source_cols,
 *	 per source column: str name, str type, i32 role
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#define RS_META_FORMAT 1
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
	if (n < 2 || n > RS_STATE_MAX_COLUMNS || (uint32_t) n_features > n - 1)
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

static int
cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* 1 if two of strs[0..n) are equal, 0 if not, -1 out of memory. */
static int
has_duplicate(char *const *strs, int n)
{
	char	  **sorted;
	int			dup = 0;

	if (n < 2)
		return 0;
	if (!(sorted = rs_alloc_array((size_t) n, sizeof(char *))))
		return -1;
	memcpy(sorted, strs, sizeof(char *) * (size_t) n);
	qsort(sorted, (size_t) n, sizeof(char *), cmp_str_ptr);
	for (int i = 1; i < n && !dup; i++)
		dup = strcmp(sorted[i - 1], sorted[i]) == 0;
	rs_free(sorted);
	return dup;
}

/* What ties the sections together (see the top of the file). */
static rs_status
check_model(const rs_model *m, const rs_state_view *view, rs_error *err)
{
	const rs_model_meta *meta = &m->meta;
	const rs_table *specs = m->specs;
	const rs_span *es,
			   *gs;
	int			ne,
				ng,
				dup;

	for (int i = 0; i < view->n_sections; i++)
		if (view->tags[i] < RS_SEC_META || view->tags[i] > RS_SEC_CRITIC)
			return rs_fail(err, RS_ERR_CORRUPT, "model state has an unknown section (tag %u)",
						   view->tags[i]);

	/* a feature is named like its source column; names are unique */
	for (int i = 0; i < meta->n_source_cols; i++)
	{
		int			f = meta->source_role[i];

		if (f >= 0 && (!specs->cols[f].name ||
					   strcmp(specs->cols[f].name, meta->source_names[i]) != 0))
			return rs_fail(err, RS_ERR_CORRUPT,
						   "column spec %d is not named like source column %d", f + 1, i + 1);
	}
	if ((dup = has_duplicate(meta->source_names, meta->n_source_cols)) != 0)
		return dup < 0 ? rs_fail(err, RS_ERR_NOMEM, "out of memory")
			: rs_fail(err, RS_ERR_CORRUPT, "model meta section names a column twice");
	for (int c = 0; c < specs->n_cols; c++)
		if ((dup = has_duplicate(specs->cols[c].categories, specs->cols[c].n_categories)) != 0)
			return dup < 0 ? rs_fail(err, RS_ERR_NOMEM, "out of memory")
				: rs_fail(err, RS_ERR_CORRUPT, "column spec %d has a category twice", c + 1);

	/* the generator's layout is the encoder's, span for span */
	es = rs_encoder_spans(m->enc);
	ne = rs_encoder_n_spans(m->enc);
	gs = rs_gan_spans(m->gan, &ng);
	if (rs_gan_data_dim(m->gan) != rs_encoder_dim(m->enc))
		return rs_fail(err, RS_ERR_CORRUPT, "generator width %d does not match encoder width %d",
					   rs_gan_data_dim(m->gan), rs_encoder_dim(m->enc));
	if (ng != ne)
		return rs_fail(err, RS_ERR_CORRUPT, "generator has %d spans, the encoder %d", ng, ne);
	for (int i = 0; i < ne; i++)
		if (gs[i].start != es[i].start || gs[i].width != es[i].width ||
			gs[i].act != es[i].act || gs[i].column != es[i].column ||
			(gs[i].is_condition != 0) != (es[i].is_condition != 0))
			return rs_fail(err, RS_ERR_CORRUPT,
						   "generator span %d does not match the encoder's", i + 1);
	if (rs_gan_cond_dim(m->gan) != rs_encoder_cond_dim(m->enc))
		return rs_fail(err, RS_ERR_CORRUPT,
					   "generator condition width %d does not match the encoder's %d",
					   rs_gan_cond_dim(m->gan), rs_encoder_cond_dim(m->enc));
	return RS_OK;
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
	if (check_model(m, &view, err) != RS_OK)
		goto fail;
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

int
rs_model_cond_index(const rs_model *m, int column)
{
	int			span = rs_encoder_column_span(m->enc, column);

	if (span < 0)
		return -1;
	for (int k = 0; k < rs_gan_n_cond_spans(m->gan); k++)
		if (rs_gan_cond_span(m->gan, k) == span)
			return k;
	return -1;
}

rs_status
rs_model_set_given(const rs_model *m, int column, int category, int *given,
				   rs_error *err)
{
	int			k = rs_model_cond_index(m, column);
	int			w = rs_gan_cond_span_width(m->gan, k);

	if (k < 0 || w < 1)
		return rs_fail(err, RS_ERR_INVALID, "column %d has no condition to fix", column + 1);
	if (category < 0 || category >= w)
		return rs_fail(err, RS_ERR_INVALID,
					   "category %d is out of range for column %d (0..%d)",
					   category, column + 1, w - 1);
	if (!rs_encoder_category_seen(m->enc, column, category))
		return rs_fail(err, RS_ERR_INVALID,
					   "category %d of column %d was not seen in training", category, column + 1);
	given[k] = category;
	return RS_OK;
}

rs_status
rs_model_plan_sampling(const rs_model *m, size_t budget, int max_batch,
					   rs_sample_plan *plan, rs_error *err)
{
	size_t		per_row = 2 * (size_t) rs_encoder_dim(m->enc) * sizeof(float) +
		(size_t) m->specs->n_cols * sizeof(double);
	size_t		bytes;
	int			max_threads;

	memset(plan, 0, sizeof(*plan));
	if (max_batch < 1 || max_batch > RS_SAMPLER_MAX_ROWS)
		return rs_fail(err, RS_ERR_INVALID, "invalid batch size %d", max_batch);
	if (rs_gan_sample_bytes(m->gan, 1, 1, &bytes, &max_threads, err) != RS_OK)
		return err->code;
	plan->min_bytes = bytes + per_row;
	/*
	 * The most threads, then the longest chunks (no longer than a batch
	 * shared by the threads), that leave room for a batch of a chunk.
	 */
	for (int t = max_threads; t >= 1; t = t > 1 ? t / 2 : 0)
	{
		int			tr0 = max_batch / t;

		if (tr0 < 1)
			tr0 = 1;
		if (tr0 > RS_SAMPLER_TASK_ROWS)
			tr0 = RS_SAMPLER_TASK_ROWS;
		for (int tr = tr0; tr >= 1; tr /= 2)
		{
			size_t		rows;

			if (rs_gan_sample_bytes(m->gan, t, tr, &bytes, &max_threads, err) != RS_OK)
				return err->code;
			if (bytes >= budget)
				continue;
			rows = (budget - bytes) / per_row;
			if (rows > (size_t) max_batch)
				rows = (size_t) max_batch;
			if (rows < (size_t) tr)
				continue;
			plan->batch_rows = (int) rows;
			plan->threads = t;
			plan->task_rows = tr;
			plan->bytes = bytes + rows * per_row;
			return rs_gan_sample_reserve(m->gan, t, tr, err);
		}
	}
	return rs_fail(err, RS_ERR_NOMEM,
				   "sampling needs at least %zu bytes, the budget is %zu",
				   plan->min_bytes, budget);
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

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

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RS_META_FORMAT 1
#define RS_MAX_META_STR ((size_t) 1 << 16)

/* The sampler's view of a model's rules (rs_sample_rules), owned by the model. */
struct rs_model_srules
{
	rs_sample_rules view;
	int		   *masked_span;
	int		   *masked_slot;
	rs_sample_group *groups;
	int		   *spans;			/* every group's spans, one after the other */
};

static void
free_srules(struct rs_model_srules *sr)
{
	if (!sr)
		return;
	rs_free(sr->masked_span);
	rs_free(sr->masked_slot);
	rs_free(sr->groups);
	rs_free(sr->spans);
	rs_free(sr);
}

rs_status
rs_model_install_rules(rs_model *m, rs_error *err)
{
	const rs_rules *r = m->rules;
	struct rs_model_srules *sr;
	int			n_masked = 0,
				n_spans = 0;

	if (m->gan && rs_gan_set_sample_rules(m->gan, NULL, err) != RS_OK)
		return err->code;
	free_srules(m->srules);
	m->srules = NULL;
	if (!r || !m->gan || !m->enc)
		return RS_OK;
	for (int c = 0; c < r->n_cols; c++)
		n_masked += r->pooled[c] >= 0;
	for (int g = 0; g < r->n_groups; g++)
		n_spans += r->groups[g].n_cols;
	if (!(sr = rs_alloc(sizeof(*sr))))
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
	m->srules = sr;
	sr->masked_span = rs_alloc_array((size_t) n_masked + 1, sizeof(int));
	sr->masked_slot = rs_alloc_array((size_t) n_masked + 1, sizeof(int));
	sr->groups = rs_alloc_array((size_t) r->n_groups + 1, sizeof(rs_sample_group));
	sr->spans = rs_alloc_array((size_t) n_spans + 1, sizeof(int));
	if (!sr->masked_span || !sr->masked_slot || !sr->groups || !sr->spans)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory for the rules");
	for (int c = 0; c < r->n_cols; c++)
		if (r->pooled[c] >= 0)
		{
			sr->masked_span[sr->view.n_masked] = rs_encoder_column_span(m->enc, c);
			sr->masked_slot[sr->view.n_masked++] = r->pooled[c];
		}
	n_spans = 0;
	for (int g = 0; g < r->n_groups; g++)
	{
		rs_sample_group *sg = &sr->groups[g];

		sg->spans = sr->spans + n_spans;
		for (int i = 0; i < r->groups[g].n_cols; i++)
			sr->spans[n_spans++] = rs_encoder_column_span(m->enc, r->groups[g].cols[i]);
		sg->n_spans = r->groups[g].n_cols;
		sg->n_tuples = r->groups[g].n_tuples;
		sg->tuples = r->groups[g].tuples;	/* category k is slot k */
	}
	sr->view.masked_span = sr->masked_span;
	sr->view.masked_slot = sr->masked_slot;
	sr->view.n_groups = r->n_groups;
	sr->view.groups = sr->groups;
	return rs_gan_set_sample_rules(m->gan, &sr->view, err);
}

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
	if (st == RS_OK && m->rules &&
		rs_rules_save(m->rules, rs_state_section(&sb, RS_SEC_RULES)) != RS_OK)
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory while saving the model");
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

/*
 * The rules against the encoder (rs_rules_load checked them against the
 * specs): a combination's NULL slot exists, inequality columns have none,
 * a pooled slot was seen; and every continuous column decodes within its
 * spec's range (the protected one: the state holds no other).
 */
static rs_status
check_rules(const rs_model *m, rs_error *err)
{
	const rs_rules *r = m->rules;

	for (int c = 0; c < m->specs->n_cols; c++)
	{
		double		lo,
					hi;

		if (rs_encoder_column_range(m->enc, c, &lo, &hi) && !isnan(lo) &&
			m->specs->cols[c].min <= m->specs->cols[c].max &&
			(lo != m->specs->cols[c].min || hi != m->specs->cols[c].max))
			return rs_fail(err, RS_ERR_CORRUPT,
						   "encoder range of column %d is not its spec's", c + 1);
	}
	if (!r)
		return RS_OK;
	for (int c = 0; c < r->n_cols; c++)
		if (r->pooled[c] >= 0 && !rs_encoder_category_seen(m->enc, c, r->pooled[c]))
			return rs_fail(err, RS_ERR_CORRUPT, "rules section pools column %d into an unseen slot",
						   c + 1);
	for (int g = 0; g < r->n_groups; g++)
	{
		const rs_rule_group *gr = &r->groups[g];

		for (size_t t = 0; t < (size_t) gr->n_tuples; t++)
			for (int i = 0; i < gr->n_cols; i++)
			{
				int			c = gr->cols[i];

				if (!rs_encoder_category_seen(m->enc, c, gr->tuples[t * gr->n_cols + i]))
					return rs_fail(err, RS_ERR_CORRUPT,
								   "rules section has a combination with a category the encoder did not see");
			}
	}
	for (int i = 0; i < r->n_ineq; i++)
		if (rs_encoder_column_has_null(m->enc, r->ineq[i].low) ||
			rs_encoder_column_has_null(m->enc, r->ineq[i].high))
			return rs_fail(err, RS_ERR_CORRUPT, "rules section has an inequality on a column with NULLs");
	return RS_OK;
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
		if (view->tags[i] < RS_SEC_META || view->tags[i] > RS_SEC_RULES)
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
	/* a pooled slot (the last category) copies a kept category's text */
	for (int c = 0; c < specs->n_cols; c++)
		if ((dup = has_duplicate(specs->cols[c].categories, specs->cols[c].n_categories -
								 (m->rules && m->rules->pooled[c] >= 0))) != 0)
			return dup < 0 ? rs_fail(err, RS_ERR_NOMEM, "out of memory")
				: rs_fail(err, RS_ERR_CORRUPT, "column spec %d has a category twice", c + 1);
	if (check_rules(m, err) != RS_OK)
		return err->code;

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
	/* optional (tags are unique: rs_state_open) */
	for (int i = 0; i < view.n_sections && !m->rules; i++)
		if (view.tags[i] == RS_SEC_RULES &&
			(rs_state_get(&view, RS_SEC_RULES, &sec, err) != RS_OK ||
			 !(m->rules = rs_rules_load(&sec, m->specs, err)) ||
			 rs_rbuf_finish(&sec, 1, "rules section", err) != RS_OK))
			goto fail;
	if (check_model(m, &view, err) != RS_OK || rs_model_install_rules(m, err) != RS_OK)
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
	rs_rules_free(m->rules);
	free_srules(m->srules);
	rs_free(m);
}

rs_status
rs_model_prepare(rs_model *m, rs_table *rows, const rs_gan_config *cfg,
				 int max_modes, rs_rng *rng, float **encoded, rs_error *err)
{
	int			dim;

	*encoded = NULL;
	if (m->rules)
	{
		if (rs_rules_prepare(m->rules, rows, err) != RS_OK)
			return err->code;
		if (m->specs && m->specs != rows)
		{
			rs_table   *specs = rs_table_create(0, rows->n_cols, err);

			if (!specs || rs_table_copy_specs(specs, rows, err) != RS_OK)
			{
				rs_table_free(specs);
				return err->code;
			}
			rs_table_free(m->specs);
			m->specs = specs;
		}
	}
	/*
	 * Under DP: from the specs alone, and no rules (they read the rows).
	 * cfg may be NULL here: rs_gan_create reports it.
	 */
	if (cfg && cfg->dp_noise > 0 && m->rules)
		return rs_fail(err, RS_ERR_INVALID, "differentially private training keeps no rules");
	m->enc = cfg && cfg->dp_noise > 0 ? rs_encoder_fit_public(rows, err)
		: rs_encoder_fit(rows, max_modes, rng, err);
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
	if (!m->gan)
		return err->code;
	return rs_model_install_rules(m, err);
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
	if (rs_encoder_inverse(m->enc, buf, n, t, row0, err) != RS_OK)
		return err->code;
	rs_rules_finish(m->rules, t, row0, n);
	return RS_OK;
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
	if (!rs_rules_category_allowed(m->rules, column, category))
		return rs_fail(err, RS_ERR_INVALID,
					   "category %d of column %d is a pooled rare category", category, column + 1);
	if (!rs_rules_category_in_group(m->rules, column, category))
		return rs_fail(err, RS_ERR_INVALID,
					   "category %d of column %d completes no combination seen in training",
					   category, column + 1);
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

/*
 * Rows of the model's pooled specs (syn) as rows of the real specs (out):
 * a kept category keeps its text, and the kept texts are the real ones in
 * their order, so one walk maps them.  syn may have more columns than out
 * (the label, last): only out's are mapped.
 */
static rs_status
unpool_rows(const rs_table *syn, rs_table *out, rs_error *err)
{
	for (int c = 0; c < out->n_cols; c++)
	{
		const rs_column *ps = &syn->cols[c],
				   *rs = &out->cols[c];
		int		   *map;

		if (ps->kind != RS_KIND_CATEGORICAL || ps->n_categories == rs->n_categories)
		{
			for (int r = 0; r < syn->n_rows; r++)
				RS_CELL(out, r, c) = RS_CELL(syn, r, c);
			continue;
		}
		if (!(map = rs_alloc_array((size_t) ps->n_categories, sizeof(int))))
			return rs_fail(err, RS_ERR_NOMEM, "out of memory");
		for (int k = 0, j = 0; k < rs->n_categories && j < ps->n_categories - 1; k++)
			if (strcmp(rs->categories[k], ps->categories[j]) == 0)
				map[j++] = k;
		map[ps->n_categories - 1] = map[0];	/* the pooled slot: never emitted */
		for (int r = 0; r < syn->n_rows; r++)
		{
			double		v = RS_CELL(syn, r, c);

			RS_CELL(out, r, c) = rs_is_null(v) ? RS_NULL : (double) map[(int) v];
		}
		rs_free(map);
	}
	return RS_OK;
}

/*
 * rows with the label y as one more categorical column, the last one
 * (categories "0" and "1"; y = 1 the minority).
 */
static rs_table *
with_label(const rs_table *rows, const int *y, rs_error *err)
{
	int			n = rows->n_cols;
	rs_table   *t = rs_table_create(rows->n_rows, n + 1, err);
	rs_column  *lc;
	rs_status	st;

	if (!t)
		return NULL;
	/* the features' specs into the first n columns */
	t->n_cols = n;
	st = rs_table_copy_specs(t, rows, err);
	t->n_cols = n + 1;
	lc = &t->cols[n];
	lc->kind = RS_KIND_CATEGORICAL;
	lc->n_categories = 2;
	if (st != RS_OK || !(lc->name = rs_strdup("label")) ||
		!(lc->categories = rs_alloc_array(2, sizeof(char *))) ||
		!(lc->categories[0] = rs_strdup("0")) || !(lc->categories[1] = rs_strdup("1")))
	{
		if (st == RS_OK)
			rs_fail(err, RS_ERR_NOMEM, "out of memory");
		rs_table_free(t);
		return NULL;
	}
	for (int r = 0; r < rows->n_rows; r++)
	{
		memcpy(&RS_CELL(t, r, 0), &RS_CELL(rows, r, 0), sizeof(double) * n);
		RS_CELL(t, r, n) = y[r] ? 1.0 : 0.0;
	}
	return t;
}

/*
 * The declarations of r for a table of n_cols >= r->n_cols columns (the
 * extra ones, the label, in no group and no inequality), not prepared.
 */
static rs_rules *
rules_for_columns(const rs_rules *r, int n_cols, rs_error *err)
{
	rs_rules   *c = rs_rules_create(n_cols, r->rare_k, r->clamp_k, err);

	for (int g = 0; c && g < r->n_groups; g++)
		if (rs_rules_add_group(c, r->groups[g].kind, r->groups[g].cols, r->groups[g].n_cols,
							   err) != RS_OK)
		{
			rs_rules_free(c);
			return NULL;
		}
	for (int i = 0; c && i < r->n_ineq; i++)
		if (rs_rules_add_inequality(c, r->ineq[i].low, r->ineq[i].high, err) != RS_OK)
		{
			rs_rules_free(c);
			return NULL;
		}
	return c;
}

/*
 * The encoded rows of the minority (y = 1), and their count in *n1: what
 * calibration conditioned on the minority matches.
 */
static float *
minority_encoded(const float *encoded, const int *y, int n, int dim, int *n1, rs_error *err)
{
	float	   *out = rs_alloc_array((size_t) (n ? n : 1) * (size_t) dim, sizeof(float));

	*n1 = 0;
	if (!out)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int r = 0; r < n; r++)
		if (y[r])
			memcpy(out + (size_t) (*n1)++ * dim, encoded + (size_t) r * dim,
				   sizeof(float) * dim);
	return out;
}

/*
 * The given conditions of augment's all-rows mode: the label, feature
 * column label_col of m, fixed to the minority (category 1), every other
 * condition span free; NULL with err set if that fails.
 */
static int *
minority_given(const rs_model *m, int label_col, rs_error *err)
{
	int			nc = rs_gan_n_cond_spans(m->gan);
	int		   *given = rs_alloc_array((size_t) (nc ? nc : 1), sizeof(int));

	if (!given)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int k = 0; k < nc; k++)
		given[k] = -1;
	if (rs_model_set_given(m, label_col, 1, given, err) != RS_OK)
	{
		char		why[sizeof(err->msg)];

		memcpy(why, err->msg, sizeof(why));
		rs_fail(err, RS_ERR_INVALID, "cannot condition on the minority: %s", why);
		rs_free(given);
		return NULL;
	}
	return given;
}

/*
 * rs_model_augment (y NULL) and rs_model_augment_all (y the labels): the
 * model trained on rows, or on rows with the label (with_label) with the
 * rules declared for every column but the label; then n_new rows, in the
 * second case each conditioned on label 1, without the label column.
 */
static rs_table *
augment(const rs_table *rows, const int *y, int n_new, const rs_gan_config *cfg,
		int max_modes, const rs_rules *rules, uint64_t seed, rs_error *err)
{
	rs_model	m;
	rs_rng		rng;
	float	   *encoded = NULL,
			   *cal = NULL;
	float	   *buf = NULL;
	rs_table   *train = NULL,
			   *syn = NULL,
			   *out = NULL;
	int			chunk = 1024;
	int		   *all = NULL,
			   *given = NULL;
	int			n_cal = 0;

	memset(&m, 0, sizeof(m));
	rs_rng_seed(&rng, seed);
	/* the rules change the rows they are prepared on: a copy (without
	 * rules rs_model_prepare leaves them alone) */
	if (y)
	{
		int			n1 = 0;

		for (int r = 0; r < rows->n_rows; r++)
			n1 += y[r] != 0;
		/* the label's categories are pooled like any other column's */
		if (rules && n1 < rules->rare_k)
		{
			rs_fail(err, RS_ERR_INVALID,
					"the training part has %d minority rows, fewer than rare_category_k %d",
					n1, rules->rare_k);
			goto done;
		}
		if (!(train = with_label(rows, y, err)) ||
			(rules && !(m.rules = rules_for_columns(rules, train->n_cols, err))))
			goto done;
	}
	else if (!rules)
		train = (rs_table *) rows;
	else if (!(all = rs_alloc_array((size_t) (rows->n_rows ? rows->n_rows : 1), sizeof(int))))
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto done;
	}
	else
	{
		for (int r = 0; r < rows->n_rows; r++)
			all[r] = r;
		if (!(train = rs_table_take(rows, all, rows->n_rows, err)) ||
			!(m.rules = rs_rules_copy_declared(rules, err)))
			goto done;
	}
	if (rs_model_prepare(&m, train, cfg, max_modes, &rng, &encoded, err) != RS_OK)
		goto done;
	if (y && !(given = minority_given(&m, rows->n_cols, err)))
		goto done;
	for (int e = 0; e < cfg->epochs && !rs_gan_converged(m.gan); e++)
		if (rs_gan_fit_epoch(m.gan, encoded, train->n_rows, NULL, NULL, err) != RS_OK)
			goto done;
	/* calibrated on the minority's rows, conditioned on it (docs/gan.md) */
	if (y && !(cal = minority_encoded(encoded, y, train->n_rows, rs_encoder_dim(m.enc),
									  &n_cal, err)))
		goto done;
	if (rs_gan_calibrate_given(m.gan, y ? cal : encoded, y ? n_cal : train->n_rows,
							   cfg->calibration, given, &rng, err) != RS_OK)
		goto done;
	syn = rs_table_create(n_new, train->n_cols, err);
	out = rs_table_create(n_new, rows->n_cols, err);
	buf = rs_alloc_array((size_t) chunk * (size_t) rs_encoder_dim(m.enc), sizeof(float));
	if (!syn || !out || !buf || rs_table_copy_specs(syn, train, err) != RS_OK ||
		rs_table_copy_specs(out, rows, err) != RS_OK)
	{
		if (!buf)
			rs_fail(err, RS_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (int row = 0; row < n_new; row += chunk)
	{
		int			b = n_new - row < chunk ? n_new - row : chunk;

		if (rs_model_generate(&m, b, given, buf, syn, row, &rng, err) != RS_OK)
			goto fail;
	}
	if (unpool_rows(syn, out, err) != RS_OK)
		goto fail;
	goto done;
fail:
	rs_table_free(out);
	out = NULL;
done:
	rs_free(all);
	rs_free(given);
	rs_free(buf);
	rs_free(encoded);
	rs_free(cal);
	rs_table_free(syn);
	if (train != rows)
		rs_table_free(train);
	if (m.enc)
		rs_encoder_free(m.enc);
	if (m.gan)
		rs_gan_free(m.gan);
	rs_rules_free(m.rules);
	free_srules(m.srules);
	return out;
}

rs_table *
rs_model_augment(const rs_table *rows, int n_new, const rs_gan_config *cfg,
				 int max_modes, const rs_rules *rules, uint64_t seed, rs_error *err)
{
	return augment(rows, NULL, n_new, cfg, max_modes, rules, seed, err);
}

rs_table *
rs_model_augment_all(const rs_table *rows, const int *y, int n_new,
					 const rs_gan_config *cfg, int max_modes, const rs_rules *rules,
					 uint64_t seed, rs_error *err)
{
	return augment(rows, y, n_new, cfg, max_modes, rules, seed, err);
}

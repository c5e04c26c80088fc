/*
 * test_model.c
 *	  Unit tests of src/core/model.c: whole model states (meta, column
 *	  specs, encoder, generator) saved and loaded; crafted states whose
 *	  sections each pass their own checks but disagree with one another are
 *	  refused; fixing a category; the sampling memory plan.
 */
#include <stdlib.h>
#include <string.h>

#include "model_fixture.h"
#include "tables.h"
#include "unit.h"

/* Save m, or NULL. */
static uint8_t *
save(const rs_model *m, size_t *len)
{
	rs_error	err;
	uint8_t    *buf = NULL;

	if (rs_model_save(m, &buf, len, &err) != RS_OK)
	{
		fprintf(stderr, "  save: %s\n", err.msg);
		return NULL;
	}
	return buf;
}

/* n decoded rows of m from seed (given may be NULL). */
static rs_table *
generate(const rs_model *m, int n, const int *given, uint64_t seed)
{
	rs_error	err;
	rs_rng		rng;
	rs_table   *t = rs_table_create(n, m->specs->n_cols, &err);
	float	   *buf = malloc(sizeof(float) * (size_t) n * rs_encoder_dim(m->enc));

	rs_rng_seed(&rng, seed);
	CHECK(t && rs_table_copy_specs(t, m->specs, &err) == RS_OK);
	CHECK(rs_model_generate(m, n, given, buf, t, 0, &rng, &err) == RS_OK);
	free(buf);
	return t;
}

static int
same_values(const rs_table *a, const rs_table *b)
{
	size_t		n = (size_t) a->n_rows * a->n_cols;

	if (a->n_rows != b->n_rows || a->n_cols != b->n_cols)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(a->values[i] == b->values[i] || (isnan(a->values[i]) && isnan(b->values[i]))))
			return 0;
	return 1;
}

/*
 * Every fixture saves, loads, saves again to the same bytes, and the
 * loaded model samples the trained model's rows.
 */
static void
test_round_trip(void)
{
	for (int v = 0; v < FIXTURE_VARIANTS; v++)
	{
		rs_error	err;
		rs_model   *m = fixture_model(v, 7, &err),
				   *m2;
		size_t		len = 0,
					len2 = 0;
		uint8_t    *buf,
				   *buf2;
		rs_table   *a,
				   *b;

		CHECK(m != NULL);
		if (!m)
			continue;
		buf = save(m, &len);
		m2 = buf ? rs_model_load(buf, len, &err) : NULL;
		CHECK(m2 != NULL);
		if (!m2)
		{
			fprintf(stderr, "  variant %d: %s\n", v, err.msg);
			rs_free(buf);
			rs_model_free(m);
			continue;
		}
		buf2 = save(m2, &len2);
		CHECK(buf2 && len2 == len && memcmp(buf, buf2, len) == 0);
		a = generate(m, 200, NULL, 5);
		b = generate(m2, 200, NULL, 5);
		CHECK(same_values(a, b));
		rs_table_free(a);
		rs_table_free(b);
		rs_free(buf);
		rs_free(buf2);
		rs_model_free(m2);
		rs_model_free(m);
	}
}

/* buf with one more section (tag, 4 zero bytes), CRC recomputed. */
static uint8_t *
with_section(const uint8_t *buf, size_t len, uint32_t tag, size_t *out_len)
{
	rs_state_view v;
	rs_state_builder sb;
	rs_error	err;
	uint8_t    *out = NULL;

	*out_len = 0;
	if (rs_state_open(&v, buf, len, &err) != RS_OK)
		return NULL;
	rs_state_builder_init(&sb);
	for (int i = 0; i < v.n_sections; i++)
		rs_wbuf_bytes(rs_state_section(&sb, v.tags[i]), buf + v.offsets[i], v.lengths[i]);
	rs_wbuf_u32(rs_state_section(&sb, tag), 0);
	if (rs_state_finish(&sb, &out, out_len, &err) != RS_OK)
		out = NULL;
	rs_state_builder_free(&sb);
	return out;
}

/* Save m and expect the load to refuse it as corrupt. */
static void
expect_refused(const rs_model *m, const char *what)
{
	rs_error	err;
	size_t		len = 0;
	uint8_t    *buf = save(m, &len);
	rs_model   *back;

	CHECK(buf != NULL);
	if (!buf)
		return;
	err.code = RS_OK;
	back = rs_model_load(buf, len, &err);
	if (back || err.code != RS_ERR_CORRUPT)
		fprintf(stderr, "  %s: loaded (code %d)\n", what, (int) err.code);
	else
		printf("  %s: %s\n", what, err.msg);
	CHECK(back == NULL && err.code == RS_ERR_CORRUPT);
	rs_model_free(back);
	rs_free(buf);
}

/* Replace m's generator by an untrained one of the same config on spans. */
static void
regenerate(rs_model *m, const rs_span *spans, int n_spans, int dim)
{
	rs_error	err;
	rs_gan_config cfg = *rs_gan_get_config(m->gan);
	rs_gan	   *g;

	cfg.batch_size = 10;
	cfg.pac = 2;
	cfg.n_dis_dims = 1;
	cfg.dis_dims[0] = 8;
	g = rs_gan_create(&cfg, dim, spans, n_spans, 3, &err);
	CHECK(g != NULL);
	if (!g)
		return;
	rs_gan_free(m->gan);
	m->gan = g;
}

/*
 * Sections that are each valid but disagree: the load refuses every one
 * (before, the first loaded, and a given category then wrote past the
 * generator's cond vector).
 */
static void
test_crafted_refused(void)
{
	rs_error	err;
	rs_model   *m;
	rs_span		spans[64];
	int			ns;

	/* the generator's condition flags cleared, its weights resized to match */
	m = fixture_model(3, 1, &err);
	CHECK(m != NULL);
	if (!m)
		return;
	ns = rs_encoder_n_spans(m->enc);
	memcpy(spans, rs_encoder_spans(m->enc), sizeof(rs_span) * ns);
	for (int i = 0; i < ns; i++)
		spans[i].is_condition = 0;
	regenerate(m, spans, ns, rs_encoder_dim(m->enc));
	expect_refused(m, "condition flags cleared");
	/* a span of the generator names another column */
	memcpy(spans, rs_encoder_spans(m->enc), sizeof(rs_span) * ns);
	spans[0].column = 1;
	regenerate(m, spans, ns, rs_encoder_dim(m->enc));
	expect_refused(m, "span of another column");
	/* a continuous column's two spans as one softmax span: same width */
	memcpy(spans, rs_encoder_spans(m->enc), sizeof(rs_span) * ns);
	spans[ns - 2].act = RS_ACT_SOFTMAX;
	spans[ns - 2].width += spans[ns - 1].width;
	regenerate(m, spans, ns - 1, rs_encoder_dim(m->enc));
	expect_refused(m, "spans merged");
	rs_model_free(m);

	/* a feature not named like its source column, or not named */
	m = fixture_model(0, 1, &err);
	CHECK(m != NULL);
	if (!m)
		return;
	m->specs->cols[1].name[0] = 'q';
	expect_refused(m, "feature renamed");
	m->specs->cols[1].name[0] = 'k';
	rs_free(m->specs->cols[1].name);
	m->specs->cols[1].name = NULL;
	expect_refused(m, "feature without a name");
	m->specs->cols[1].name = rs_strdup("k");
	/* two source columns of one name (the excluded id renamed x) */
	m->meta.source_names[0][0] = 'x';
	m->meta.source_names[0][1] = '\0';
	expect_refused(m, "source column named twice");
	strcpy(m->meta.source_names[0], "i");
	/* a category twice */
	m->specs->cols[1].categories[2][0] = 'a';
	expect_refused(m, "category twice");
	m->specs->cols[1].categories[2][0] = 'c';
	/* and the untouched model still loads, with an extra section it does not */
	{
		size_t		len,
					len2;
		uint8_t    *buf = save(m, &len),
				   *buf2 = buf ? with_section(buf, len, 9, &len2) : NULL;
		rs_model   *back = buf ? rs_model_load(buf, len, &err) : NULL;

		CHECK(back != NULL);
		rs_model_free(back);
		CHECK(buf2 && !rs_model_load(buf2, len2, &err) && err.code == RS_ERR_CORRUPT);
		printf("  extra section: %s\n", err.msg);
		rs_free(buf);
		rs_free(buf2);
	}
	rs_model_free(m);
}

/*
 * More categories or columns than a state may hold: refused when the
 * column specs are read, before anything of that size is allocated.
 */
static void
test_limits(void)
{
	rs_error	err;
	rs_model   *m = fixture_model(3, 1, &err);
	rs_column  *col;
	char	  **old;
	int			old_n;

	CHECK(m != NULL);
	if (!m)
		return;
	col = &m->specs->cols[0];
	old = col->categories;
	old_n = col->n_categories;
	col->n_categories = RS_STATE_MAX_CATEGORIES + 1;
	col->categories = malloc(sizeof(char *) * col->n_categories);
	for (int k = 0; k < col->n_categories; k++)
		col->categories[k] = old[k % old_n];
	expect_refused(m, "too many categories");
	free(col->categories);
	col->categories = old;
	col->n_categories = old_n;
	rs_model_free(m);
}

/*
 * A fixed category: only categorical columns have a condition span, the
 * category is checked against the generator's span, and every row has it.
 */
static void
test_given(void)
{
	rs_error	err;
	rs_model   *m = fixture_model(0, 2, &err);
	int			given[8];
	int			n_cond;
	rs_table   *t;

	CHECK(m != NULL);
	if (!m)
		return;
	n_cond = rs_gan_n_cond_spans(m->gan);
	CHECK(n_cond == 2);
	CHECK(rs_model_cond_index(m, 0) == -1);		/* x: continuous */
	CHECK(rs_model_cond_index(m, 1) == 0);		/* k */
	CHECK(rs_model_cond_index(m, 3) == 1);		/* f */
	CHECK(rs_model_cond_index(m, 9) == -1);
	for (int k = 0; k < n_cond; k++)
		given[k] = -1;
	CHECK(rs_model_set_given(m, 0, 0, given, &err) == RS_ERR_INVALID);
	CHECK(rs_model_set_given(m, 1, 4, given, &err) == RS_ERR_INVALID);	/* 3 + NULL slot */
	CHECK(rs_model_set_given(m, 1, -1, given, &err) == RS_ERR_INVALID);
	CHECK(rs_model_set_given(m, 3, 2, given, &err) == RS_ERR_INVALID);	/* f: no NULLs */
	CHECK(given[0] == -1 && given[1] == -1);
	CHECK(rs_model_set_given(m, 1, 2, given, &err) == RS_OK && given[0] == 2);
	t = generate(m, 100, given, 9);
	for (int r = 0; r < t->n_rows; r++)
		CHECK(RS_CELL(t, r, 1) == 2.0);
	rs_table_free(t);
	given[0] = -1;
	CHECK(rs_model_set_given(m, 1, 3, given, &err) == RS_OK);	/* the NULL slot */
	t = generate(m, 50, given, 9);
	for (int r = 0; r < t->n_rows; r++)
		CHECK(isnan(RS_CELL(t, r, 1)));
	rs_table_free(t);
	rs_model_free(m);
}

/* Rows of m in batches of b through the asynchronous path. */
static rs_table *
generate_batches(const rs_model *m, int n, int b, uint64_t seed)
{
	rs_error	err;
	rs_rng		rng;
	rs_table   *t = rs_table_create(n, m->specs->n_cols, &err);
	float	   *buf = malloc(sizeof(float) * (size_t) b * rs_encoder_dim(m->enc));

	rs_rng_seed(&rng, seed);
	CHECK(t && rs_table_copy_specs(t, m->specs, &err) == RS_OK);
	for (int r = 0; r < n; r += b)
	{
		int			k = n - r < b ? n - r : b;

		CHECK(rs_model_generate_start(m, k, NULL, buf, &rng, &err) == RS_OK);
		rs_model_generate_wait(m);
		CHECK(rs_model_decode(m, k, buf, t, r, &err) == RS_OK);
	}
	free(buf);
	return t;
}

/*
 * The sampling plan: within the budget, the largest batch and the most
 * threads that fit, refused below one row on one thread; the rows do not
 * depend on the plan (with bf16 products, where a row is computed alone).
 */
static void
test_plan(void)
{
	rs_error	err;
	rs_model   *m = fixture_model(0, 4, &err);
	rs_sample_plan p,
				big;
	rs_table   *ref,
			   *t;
	size_t		budgets[] = {0, 0, 0, 20000, 60000, 200000, 1 << 20};

	CHECK(m != NULL);
	if (!m)
		return;
	ref = generate_batches(m, 700, 256, 3);
	CHECK(rs_model_plan_sampling(m, SIZE_MAX, 2048, &big, &err) == RS_OK);
	CHECK(big.batch_rows == 2048 && big.task_rows == RS_SAMPLER_TASK_ROWS);
	CHECK(big.min_bytes > 0 && big.bytes >= big.min_bytes);
	CHECK(rs_model_plan_sampling(m, big.min_bytes - 1, 2048, &p, &err) == RS_ERR_NOMEM);
	CHECK(p.min_bytes == big.min_bytes);
	budgets[0] = big.min_bytes;
	budgets[1] = big.min_bytes + 100;
	budgets[2] = big.bytes;
	for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++)
	{
		CHECK(rs_model_plan_sampling(m, budgets[i], 2048, &p, &err) == RS_OK);
		CHECK(p.bytes <= budgets[i] && p.batch_rows >= 1 && p.batch_rows <= 2048);
		CHECK(p.threads >= 1 && p.task_rows >= 1);
		printf("  budget %zu: %d rows a batch, %d threads, chunks of %d, %zu bytes\n",
			   budgets[i], p.batch_rows, p.threads, p.task_rows, p.bytes);
		/* OpenBLAS (the fp32 path, valgrind's) may round another chunk differently */
		t = generate_batches(m, 700, p.batch_rows, 3);
		CHECK(same_values(ref, t) || !rs_gemm16_native());
		rs_table_free(t);
	}
	CHECK(rs_model_plan_sampling(m, big.min_bytes, 2048, &p, &err) == RS_OK);
	CHECK(p.batch_rows == 1 && p.threads == 1 && p.task_rows == 1);
	rs_table_free(ref);
	rs_model_free(m);
}

/* The worker thread count of the core: set, followed by the sampler. */
static void
test_thread_count(void)
{
	rs_error	err;
	rs_model   *m;
	rs_sample_plan p;

	rs_set_thread_count(3);
	CHECK(rs_thread_count() == 3);
	m = fixture_model(2, 4, &err);
	CHECK(m != NULL);
	if (m)
	{
		CHECK(rs_model_plan_sampling(m, SIZE_MAX, 2048, &p, &err) == RS_OK);
		CHECK(p.threads == (rs_gemm16_native() ? 3 : 1));
		rs_model_free(m);
	}
	rs_set_thread_count(0);
	CHECK(rs_thread_count() >= 1);
}

/*
 * A part where the minority (y = 1, every 6th row) holds category "c" of
 * column k in 80% of its rows and the majority "a" in 80% (each holds
 * "b" in 15%); x is a continuous column.
 */
static rs_table *
two_class_rows(int **y)
{
	static const char *const cats[] = {"a", "b", "c"};
	rs_error	err;
	rs_table   *t = rs_table_create(600, 2, &err);
	int			n[2] = {0, 0};

	*y = calloc(600, sizeof(int));
	set_categorical(t, 0, "k", 3, cats);
	set_continuous(t, 1, "x");
	for (int r = 0; r < 600; r++)
	{
		int			c = (*y)[r] = r % 6 == 0;
		int			i = n[c]++ % 20;
		int			common = c ? 2 : 0;

		RS_CELL(t, r, 0) = i < 16 ? common : i < 19 ? 1 : 2 - common;
		RS_CELL(t, r, 1) = sin(r * 0.7) + 2.0 * c;
	}
	set_ranges(t);
	return t;
}

/* The share of category k in column c of t. */
static double
share(const rs_table *t, int c, int k)
{
	int			hits = 0;

	for (int r = 0; r < t->n_rows; r++)
		hits += RS_CELL(t, r, c) == k;
	return (double) hits / t->n_rows;
}

/*
 * Training on every row conditioned on the label: the rows sampled are
 * the minority's (its category of k, not the majority's nor the whole
 * part's 18%), the feature columns only, the same for the same seed;
 * no minority row to fix, or fewer than rare_category_k, is an error.
 */
static void
test_augment_all(void)
{
	int		   *y;
	rs_table   *rows = two_class_rows(&y);
	rs_gan_config cfg;
	rs_error	err;
	rs_rules   *rules = rs_rules_create(2, 5, 5, &err);
	rs_table   *a,
			   *b;

	rs_gan_config_default(&cfg);
	cfg.embedding_dim = 16;
	cfg.n_gen_dims = 1;
	cfg.gen_dims[0] = 32;
	cfg.n_dis_dims = 1;
	cfg.dis_dims[0] = 32;
	cfg.batch_size = 60;
	cfg.epochs = 30;
	a = rs_model_augment_all(rows, y, 2000, &cfg, 2, rules, 5, &err);
	b = rs_model_augment_all(rows, y, 2000, &cfg, 2, rules, 5, &err);
	CHECK(a && b);
	if (a && b)
	{
		double		mx = 0;

		for (int r = 0; r < a->n_rows; r++)
			mx += RS_CELL(a, r, 1) / a->n_rows;
		fprintf(stderr, "  minority's c 0.80, sampled %.3f (a %.3f, b %.3f); mean x 2.0, sampled %.2f\n",
				share(a, 0, 2), share(a, 0, 0), share(a, 0, 1), mx);
		CHECK(a->n_cols == 2 && a->n_rows == 2000);
		CHECK(a->cols[0].n_categories == 3);
		CHECK(share(a, 0, 2) > 0.6 && share(a, 0, 0) < 0.2);
		CHECK(mx > 0.6);		/* the whole part's mean is 0.33 */
		CHECK(same_values(a, b));
	}
	rs_table_free(a);
	rs_table_free(b);
	/* no minority row */
	cfg.epochs = 1;
	for (int r = 0; r < 600; r++)
		y[r] = 0;
	CHECK(rs_model_augment_all(rows, y, 10, &cfg, 2, NULL, 5, &err) == NULL &&
		  err.code == RS_ERR_INVALID && strstr(err.msg, "minority"));
	/* 3 minority rows, rare_category_k 5: the label's minority is pooled */
	y[0] = y[6] = y[12] = 1;
	CHECK(rs_model_augment_all(rows, y, 10, &cfg, 2, rules, 5, &err) == NULL &&
		  err.code == RS_ERR_INVALID && strstr(err.msg, "3 minority rows"));
	rs_rules_free(rules);
	rs_table_free(rows);
	free(y);
}

int
main(void)
{
	RUN(test_round_trip);
	RUN(test_crafted_refused);
	RUN(test_limits);
	RUN(test_given);
	RUN(test_plan);
	RUN(test_thread_count);
	RUN(test_augment_all);
	return unit_summary("test_model");
}

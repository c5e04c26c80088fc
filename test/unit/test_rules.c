/*
 * test_rules.c
 *	  Unit tests of src/core/rules.c and of the rules as a model keeps them
 *	  (model.c, sampler.c): rare categories pooled and never sampled, values
 *	  clamped to the range k rows share, groups sampled only as seen
 *	  combinations, the masked redraw's distribution, inequalities never
 *	  broken, the RS_SEC_RULES section round trip and crafted sections
 *	  refused.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "sampler_test.h"
#include "unit.h"

/* A table of n rows; column c named names[c], categorical if n_cat[c] > 0. */
static rs_table *
table(int n, int nc, const char *const *names, const int *n_cat)
{
	rs_error	err;
	rs_table   *t = rs_table_create(n, nc, &err);

	for (int c = 0; c < nc; c++)
	{
		t->cols[c].name = rs_strdup(names[c]);
		t->cols[c].kind = n_cat[c] > 0 ? RS_KIND_CATEGORICAL : RS_KIND_CONTINUOUS;
		t->cols[c].n_categories = n_cat[c] > 0 ? n_cat[c] : 0;
		t->cols[c].min = 0;
		t->cols[c].max = 0;
		if (n_cat[c] > 0)
		{
			t->cols[c].categories = rs_alloc_array((size_t) n_cat[c], sizeof(char *));
			for (int k = 0; k < n_cat[c]; k++)
			{
				char		buf[32];

				snprintf(buf, sizeof(buf), "%s%d", names[c], k);
				t->cols[c].categories[k] = rs_strdup(buf);
			}
		}
	}
	return t;
}

/* Continuous specs get the real range (what src/read.c does), integral flags. */
static void
finish_specs(rs_table *t)
{
	for (int c = 0; c < t->n_cols; c++)
		if (t->cols[c].kind == RS_KIND_CONTINUOUS)
		{
			t->cols[c].integral = 1;
			for (int r = 0; r < t->n_rows; r++)
				if (RS_CELL(t, r, c) != floor(RS_CELL(t, r, c)))
					t->cols[c].integral = 0;
			rs_table_column_range(t, c, &t->cols[c].min, &t->cols[c].max);
		}
}

/*
 * A model trained `epochs` epochs on rows (taken: they become its specs)
 * with rules (taken, may be NULL); NULL and *st set on failure.
 */
static rs_model *
train(rs_table *rows, rs_rules *rules, int epochs, rs_status *st, rs_error *err)
{
	rs_model   *m = rs_alloc(sizeof(rs_model));
	int			n = rows->n_cols;
	rs_gan_config cfg;
	rs_rng		rng;
	float	   *encoded = NULL;

	m->meta.seed = 7;
	m->meta.minority = rs_strdup("1");
	m->meta.n_source_cols = n + 1;
	m->meta.source_names = rs_alloc_array((size_t) n + 1, sizeof(char *));
	m->meta.source_types = rs_alloc_array((size_t) n + 1, sizeof(char *));
	m->meta.source_role = rs_alloc_array((size_t) n + 1, sizeof(int));
	for (int c = 0; c < n; c++)
	{
		m->meta.source_names[c] = rs_strdup(rows->cols[c].name);
		m->meta.source_types[c] = rs_strdup("text");
		m->meta.source_role[c] = c;
	}
	m->meta.source_names[n] = rs_strdup("label");
	m->meta.source_types[n] = rs_strdup("integer");
	m->meta.source_role[n] = RS_ROLE_LABEL;
	m->specs = rows;
	m->rules = rules;
	rs_gan_config_default(&cfg);
	cfg.embedding_dim = 8;
	cfg.n_gen_dims = 1;
	cfg.gen_dims[0] = 16;
	cfg.n_dis_dims = 1;
	cfg.dis_dims[0] = 16;
	cfg.batch_size = 20;
	cfg.pac = 2;
	rs_rng_seed(&rng, 5);
	*st = rs_model_prepare(m, rows, &cfg, 2, &rng, &encoded, err);
	for (int e = 0; e < epochs && *st == RS_OK; e++)
		*st = rs_gan_fit_epoch(m->gan, encoded, rows->n_rows, NULL, NULL, err);
	rs_free(encoded);
	if (*st != RS_OK)
	{
		m->rules = NULL;		/* the caller reads why, then frees it */
		rs_model_free(m);
		return NULL;
	}
	return m;
}

/* n rows sampled from m (given may be NULL). */
static rs_table *
sample(const rs_model *m, int n, const int *given, uint64_t seed)
{
	rs_error	err;
	rs_rng		rng;
	rs_table   *t = rs_table_create(n, m->specs->n_cols, &err);
	float	   *buf = malloc(sizeof(float) * (size_t) n * rs_encoder_dim(m->enc));

	rs_rng_seed(&rng, seed);
	CHECK(rs_table_copy_specs(t, m->specs, &err) == RS_OK);
	CHECK(rs_model_generate(m, n, given, buf, t, 0, &rng, &err) == RS_OK);
	free(buf);
	return t;
}

static uint8_t *
save(const rs_model *m, size_t *len)
{
	rs_error	err;
	uint8_t    *buf = NULL;

	CHECK(rs_model_save(m, &buf, len, &err) == RS_OK);
	return buf;
}

/* ---------------------------------------------------------------- pooling */

/* c: a0..a3 frequent, a4 held by 2 rows, a5 by 1; x continuous */
static rs_table *
rare_rows(void)
{
	static const char *const names[] = {"c", "x"};
	static const int n_cat[] = {6, 0};
	rs_table   *t = table(300, 2, names, n_cat);

	for (int r = 0; r < 300; r++)
	{
		RS_CELL(t, r, 0) = r == 0 || r == 1 ? 4 : r == 2 ? 5 : r % 4;
		RS_CELL(t, r, 1) = (r % 4) * 10.0 + (r % 7) * 0.5;
	}
	finish_specs(t);
	return t;
}

static void
test_pooling(void)
{
	rs_error	err;
	rs_status	st;
	rs_rules   *r = rs_rules_create(2, 5, 1, &err);
	rs_model   *m = train(rare_rows(), r, 3, &st, &err);
	const rs_column *c;
	int			given[1] = {-1},
				seen[5] = {0};
	rs_table   *t;
	uint8_t    *state;
	size_t		len;

	CHECK(m != NULL);
	if (!m)
		return;
	c = &m->specs->cols[0];
	CHECK(c->n_categories == 5);
	CHECK(r->pooled[0] == 4 && r->n_pooled[0] == 2 && r->pooled[1] == -1);
	for (int k = 0; k < c->n_categories; k++)
		CHECK(strcmp(c->categories[k], "c4") != 0 && strcmp(c->categories[k], "c5") != 0);
	CHECK(strcmp(c->categories[4], c->categories[0]) == 0);
	CHECK(!rs_rules_category_allowed(r, 0, 4) && rs_rules_category_allowed(r, 0, 3));

	/* the pooled slot is never emitted, over thousands of rows */
	t = sample(m, 5000, NULL, 11);
	for (int i = 0; i < t->n_rows; i++)
	{
		double		v = RS_CELL(t, i, 0);

		CHECK(!rs_is_null(v) && v >= 0 && v < 4);
		if (v >= 0 && v < 5)
			seen[(int) v]++;
	}
	CHECK(seen[0] > 0 && seen[1] > 0 && seen[2] > 0 && seen[3] > 0 && seen[4] == 0);
	rs_table_free(t);

	/* given on the pooled slot is refused, on a kept one sampled */
	CHECK(rs_model_set_given(m, 0, 4, given, &err) == RS_ERR_INVALID);
	CHECK(strstr(err.msg, "pooled") != NULL);
	CHECK(rs_model_set_given(m, 0, 2, given, &err) == RS_OK);
	t = sample(m, 500, given, 12);
	for (int i = 0; i < t->n_rows; i++)
		CHECK(RS_CELL(t, i, 0) == 2);
	rs_table_free(t);

	/* the state keeps no text of a pooled category */
	state = save(m, &len);
	CHECK(state && !memmem(state, len, "c4", 2) && !memmem(state, len, "c5", 2));
	CHECK(state && memmem(state, len, "c3", 2));
	free(state);
	rs_model_free(m);
}

static void
test_all_rare(void)
{
	static const char *const names[] = {"code", "x"};
	static const int n_cat[] = {8, 0};
	rs_table   *t = table(8, 2, names, n_cat);
	rs_error	err;
	rs_status	st;
	rs_rules   *r;
	rs_model   *m;

	for (int i = 0; i < 8; i++)
	{
		RS_CELL(t, i, 0) = i;
		RS_CELL(t, i, 1) = i;
	}
	finish_specs(t);
	r = rs_rules_create(2, 5, 1, &err);
	m = train(t, r, 1, &st, &err);
	CHECK(m == NULL && st == RS_ERR_INVALID);
	CHECK(strstr(err.msg, "\"code\"") != NULL);
	CHECK(r->failed == RS_RULES_FAIL_RARE);
	rs_rules_free(r);
	/* k = 1: nothing pooled */
	t = table(8, 2, names, n_cat);
	for (int i = 0; i < 8; i++)
	{
		RS_CELL(t, i, 0) = i;
		RS_CELL(t, i, 1) = i;
	}
	finish_specs(t);
	m = train(t, rs_rules_create(2, 1, 1, &err), 1, &st, &err);
	CHECK(m && m->specs->cols[0].n_categories == 8 && m->rules->pooled[0] == -1);
	rs_model_free(m);
}

/* ---------------------------------------------------------------- clamping */

static void
test_clamp(void)
{
	static const char *const names[] = {"x", "n", "c"};
	static const int n_cat[] = {0, 0, 2};

	for (int k = 1; k <= 5; k += 4)
	{
		rs_table   *t = table(200, 3, names, n_cat);
		rs_error	err;
		rs_status	st;
		rs_model   *m;
		rs_table   *s;
		double		lo,
					hi,
					real_min,
					real_max;
		uint8_t    *state;
		size_t		len;

		for (int r = 0; r < 200; r++)
		{
			/* a real extreme far from the rest at both ends */
			RS_CELL(t, r, 0) = r == 0 ? 500.25 : r == 199 ? 2900.75 : 1000 + ((r * 37) % 199) * 0.37;
			RS_CELL(t, r, 1) = r + 1;
			RS_CELL(t, r, 2) = r % 2;
		}
		finish_specs(t);
		real_min = t->cols[0].min;
		real_max = t->cols[0].max;
		m = train(t, rs_rules_create(3, 1, k, &err), 3, &st, &err);
		CHECK(m != NULL);
		if (!m)
			continue;
		/* the k-th smallest and largest */
		CHECK(m->specs->cols[1].min == k && m->specs->cols[1].max == 201 - k);
		if (k == 1)
			CHECK(m->specs->cols[0].min == real_min && m->specs->cols[0].max == real_max);
		else
			CHECK(m->specs->cols[0].min > 1000 && m->specs->cols[0].max < 1074);
		CHECK(rs_encoder_column_range(m->enc, 0, &lo, &hi) &&
			  lo == m->specs->cols[0].min && hi == m->specs->cols[0].max);
		s = sample(m, 5000, NULL, 3);
		for (int i = 0; i < s->n_rows; i++)
			for (int c = 0; c < 2; c++)
				CHECK(RS_CELL(s, i, c) >= m->specs->cols[c].min &&
					  RS_CELL(s, i, c) <= m->specs->cols[c].max);
		rs_table_free(s);
		/* k = 5: the real extremes are nowhere in the state */
		state = save(m, &len);
		CHECK(state != NULL);
		if (state && k == 5)
			CHECK(!memmem(state, len, &real_min, 8) && !memmem(state, len, &real_max, 8));
		free(state);
		rs_model_free(m);
	}
}

/* ---------------------------------------------------------------- groups */

/*
 * country (8) determines continent (4): country i is on continent i % 3;
 * countries 6 and 7 (three rows each, pooled) are the only ones on
 * continent 3 (six rows, kept), which so completes no combination once
 * they are pooled.
 */
static rs_table *
country_rows(void)
{
	static const char *const names[] = {"country", "continent", "x"};
	static const int n_cat[] = {8, 4, 0};
	rs_table   *t = table(606, 3, names, n_cat);

	for (int r = 0; r < 606; r++)
	{
		int			country = r < 600 ? (r * 7) % 6 : 6 + (r - 600) / 3;

		RS_CELL(t, r, 0) = country;
		RS_CELL(t, r, 1) = country < 6 ? country % 3 : 3;
		RS_CELL(t, r, 2) = (r % 11) * 1.5;
	}
	finish_specs(t);
	return t;
}

static void
test_group(void)
{
	rs_error	err;
	rs_status	st;
	rs_rules   *r = rs_rules_create(3, 5, 1, &err);
	int			cols[2] = {0, 1};
	rs_model   *m;
	rs_table   *t;
	int			given[2] = {-1, -1},
				k_cont = -1;

	CHECK(rs_rules_add_group(r, RS_GROUP_DEPENDENCY, cols, 2, &err) == RS_OK);
	m = train(country_rows(), r, 3, &st, &err);
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(r->n_groups == 1 && r->groups[0].n_tuples == 6);
	/* no unseen combination in 10,000 rows, every seen one sampled */
	t = sample(m, 10000, NULL, 21);
	{
		int			count[6] = {0};

		for (int i = 0; i < t->n_rows; i++)
		{
			int			a = (int) RS_CELL(t, i, 0),
						b = (int) RS_CELL(t, i, 1);

			CHECK(a >= 0 && a < 6 && b == a % 3);
			if (a >= 0 && a < 6)
				count[a]++;
		}
		for (int a = 0; a < 6; a++)
			CHECK(count[a] > 0);
	}
	rs_table_free(t);

	/* given on the dependent column: only its determinants */
	k_cont = rs_model_cond_index(m, 1);
	CHECK(rs_model_set_given(m, 1, 1, given, &err) == RS_OK);
	t = sample(m, 3000, given, 22);
	for (int i = 0; i < t->n_rows; i++)
	{
		int			a = (int) RS_CELL(t, i, 0);

		CHECK(RS_CELL(t, i, 1) == 1 && (a == 1 || a == 4));
	}
	rs_table_free(t);
	given[k_cont] = -1;
	/* a continent only pooled countries are on completes no combination */
	CHECK(rs_encoder_category_seen(m->enc, 1, 3));
	CHECK(rs_model_set_given(m, 1, 3, given, &err) == RS_ERR_INVALID);
	CHECK(strstr(err.msg, "no combination") != NULL);
	rs_model_free(m);
}

static void
test_declare(void)
{
	rs_error	err;
	rs_rules   *r = rs_rules_create(6, 1, 1, &err);
	int			a[2] = {0, 1},
				b[2] = {2, 1},
				c[2] = {3, 3},
				d[2] = {0, 9},
				e[2] = {4, 5};

	CHECK(rs_rules_add_group(r, RS_GROUP_DEPENDENCY, a, 2, &err) == RS_OK);
	CHECK(rs_rules_add_group(r, RS_GROUP_DEPENDENCY, e, 2, &err) == RS_OK);
	/* shares column 1: merged into a fixed group 0, 1, 2 */
	CHECK(rs_rules_add_group(r, RS_GROUP_DEPENDENCY, b, 2, &err) == RS_OK);
	CHECK(r->n_groups == 2 && r->groups[0].kind == RS_GROUP_FIXED && r->groups[0].n_cols == 3);
	CHECK(r->groups[0].cols[2] == 2 && r->groups[1].kind == RS_GROUP_DEPENDENCY);
	CHECK(rs_rules_group_of(r, 5, NULL) == 1);
	CHECK(rs_rules_add_group(r, RS_GROUP_FIXED, c, 2, &err) == RS_ERR_INVALID);
	CHECK(rs_rules_add_group(r, RS_GROUP_FIXED, d, 2, &err) == RS_ERR_INVALID);
	CHECK(rs_rules_add_group(r, RS_GROUP_FIXED, a, 1, &err) == RS_ERR_INVALID);
	CHECK(rs_rules_add_group(r, (rs_group_kind) 7, a, 2, &err) == RS_ERR_INVALID);
	CHECK(rs_rules_add_inequality(r, 0, 1, &err) == RS_OK);
	CHECK(rs_rules_add_inequality(r, 2, 1, &err) == RS_ERR_INVALID);	/* high twice */
	CHECK(rs_rules_add_inequality(r, 1, 3, &err) == RS_ERR_INVALID);	/* a high as low */
	CHECK(rs_rules_add_inequality(r, 3, 0, &err) == RS_ERR_INVALID);	/* a low as high */
	CHECK(rs_rules_add_inequality(r, 3, 3, &err) == RS_ERR_INVALID);
	CHECK(rs_rules_add_inequality(r, 3, 6, &err) == RS_ERR_INVALID);
	CHECK(rs_rules_add_inequality(r, 0, 3, &err) == RS_OK);
	rs_rules_free(r);
	CHECK(rs_rules_create(0, 1, 1, &err) == NULL);
	CHECK(rs_rules_create(2, 0, 1, &err) == NULL);
	CHECK(rs_rules_create(2, 1, RS_RULES_MAX_K + 1, &err) == NULL);
}

/* ---------------------------------------------------------------- masked redraw */

/* Chi-square statistic of counts against expected shares. */
static double
chi2(const int *count, const double *share, int n, int total)
{
	double		x = 0;

	for (int i = 0; i < n; i++)
	{
		double		e = share[i] * total;

		x += (count[i] - e) * (count[i] - e) / e;
	}
	return x;
}

static void
test_masked_distribution(void)
{
	rs_gan_config cfg;
	rs_span		sp[2] = {{0, 4, RS_ACT_SOFTMAX, 0, 1}, {4, 3, RS_ACT_SOFTMAX, 1, 1}};
	rs_error	err;
	rs_gan	   *g;
	rs_gen_view v;
	rs_sampler *s;
	const int	N = 30000;
	float	   *raw = malloc(sizeof(float) * 7 * N),
			   *out = malloc(sizeof(float) * 7 * N),
			   *ref = malloc(sizeof(float) * 7 * N);
	double		p0[4] = {0.4, 0.3, 0.2, 0.1},
				p1[3] = {0.5, 0.3, 0.2};
	rs_rng		rng;

	rs_gan_config_default(&cfg);
	cfg.embedding_dim = 4;
	cfg.n_gen_dims = 1;
	cfg.gen_dims[0] = 8;
	cfg.n_dis_dims = 1;
	cfg.dis_dims[0] = 8;
	g = rs_gan_create(&cfg, 7, sp, 2, 1, &err);
	CHECK(g != NULL);
	if (!g)
		return;
	rs_gan_generator_view(g, &v);
	s = rs_sampler_create(&v, 1, 1, &err);
	CHECK(s != NULL);
	for (int r = 0; r < N; r++)
	{
		for (int j = 0; j < 4; j++)
			raw[r * 7 + j] = (float) log(p0[j]) + 1.5f;
		for (int j = 0; j < 3; j++)
			raw[r * 7 + 4 + j] = (float) log(p1[j]) - 0.5f;
	}
	/* without rules, and with rules that never apply: the same rows */
	rs_rng_seed(&rng, 9);
	CHECK(rs_sampler_test_activate(s, N, raw, ref, &rng, &err) == RS_OK);
	{
		int			all[3] = {0, 1, 2},
					t[3 * 2 * 4];
		int			n = 0;
		rs_sample_group gr = {2, all, 0, t};
		rs_sample_rules rules = {0, NULL, NULL, 1, &gr};

		for (int a = 0; a < 4; a++)
			for (int b = 0; b < 3; b++, n++)
			{
				t[2 * n] = a;
				t[2 * n + 1] = b;
			}
		gr.n_tuples = n;
		CHECK(rs_sampler_set_rules(s, &rules, &err) == RS_OK);
		rs_rng_seed(&rng, 9);
		CHECK(rs_sampler_test_activate(s, N, raw, out, &rng, &err) == RS_OK);
		CHECK(memcmp(out, ref, sizeof(float) * 7 * N) == 0);
		/* out of order, out of range: refused */
		t[0] = 3;
		CHECK(rs_sampler_set_rules(s, &rules, &err) == RS_ERR_INVALID);
		t[0] = 0;
		t[1] = 3;
		CHECK(rs_sampler_set_rules(s, &rules, &err) == RS_ERR_INVALID);
	}
	/* slot 0 of span 0 masked; span 1 = span 0 - 1 (a dependency) */
	{
		int			spans[2] = {0, 1},
					mspan[1] = {0},
					mslot[1] = {0},
					tup[6] = {1, 0, 2, 1, 3, 2},
					count[3] = {0};
		rs_sample_group gr = {2, spans, 3, tup};
		rs_sample_rules rules = {1, mspan, mslot, 1, &gr};
		double		share[3] = {0.3 / 0.6, 0.2 / 0.6, 0.1 / 0.6};

		CHECK(rs_sampler_set_rules(s, &rules, &err) == RS_OK);
		CHECK(rs_sampler_test_activate(s, N, raw, out, &rng, &err) == RS_OK);
		for (int r = 0; r < N; r++)
		{
			const float *y = out + r * 7;

			CHECK(y[0] == 0.0f);
			for (int a = 1; a < 4; a++)
				if (y[a] == 1.0f)
				{
					count[a - 1]++;
					CHECK(y[4 + a - 1] == 1.0f);
				}
		}
		CHECK(count[0] + count[1] + count[2] == N);
		CHECK(chi2(count, share, 3, N) < 13.8);	/* df 2, p = 0.001 */
	}
	/* a group alone: (0,0) (0,1) (1,1) (2,2); slot 3 of span 0 in none */
	{
		int			spans[2] = {0, 1},
					tup[8] = {0, 0, 0, 1, 1, 1, 2, 2},
					count[4] = {0};
		rs_sample_group gr = {2, spans, 4, tup};
		rs_sample_rules rules = {0, NULL, NULL, 1, &gr};
		double		share[4] = {0.4 / 0.9 * 0.625, 0.4 / 0.9 * 0.375, 0.3 / 0.9, 0.2 / 0.9};

		CHECK(rs_sampler_set_rules(s, &rules, &err) == RS_OK);
		CHECK(rs_sampler_test_activate(s, N, raw, out, &rng, &err) == RS_OK);
		for (int r = 0; r < N; r++)
		{
			const float *y = out + r * 7;
			int			a = y[0] == 1.0f ? 0 : y[1] == 1.0f ? 1 : y[2] == 1.0f ? 2 : 3,
						b = y[4] == 1.0f ? 0 : y[5] == 1.0f ? 1 : 2;

			CHECK(a < 3);
			if (a == 0)
				count[b]++;		/* b is 0 or 1 */
			else
			{
				CHECK(b == a);
				count[a + 1]++;
			}
		}
		CHECK(chi2(count, share, 4, N) < 16.3);	/* df 3, p = 0.001 */
	}
	rs_sampler_free(s);
	rs_gan_free(g);
	free(raw);
	free(out);
	free(ref);
}

/* ---------------------------------------------------------------- inequalities */

/* lo < hi (floats), ilo < ihi (integers), then a category */
static rs_table *
ineq_rows(int n)
{
	static const char *const names[] = {"lo", "hi", "ilo", "ihi", "c"};
	static const int n_cat[] = {0, 0, 0, 0, 2};
	rs_table   *t = table(n, 5, names, n_cat);
	rs_rng		rng;

	rs_rng_seed(&rng, 4);
	for (int r = 0; r < n; r++)
	{
		double		lo = 60 + rs_rng_uniform(&rng) * 40;
		int			ilo = (int) rs_rng_below(&rng, 30);

		RS_CELL(t, r, 0) = lo;
		RS_CELL(t, r, 1) = lo + 0.01 + rs_rng_uniform(&rng) * 50;
		RS_CELL(t, r, 2) = ilo;
		RS_CELL(t, r, 3) = ilo + 1 + (int) rs_rng_below(&rng, 3);
		RS_CELL(t, r, 4) = r % 2;
	}
	finish_specs(t);
	return t;
}

static rs_rules *
ineq_rules(int k)
{
	rs_error	err;
	rs_rules   *r = rs_rules_create(5, 1, k, &err);

	CHECK(rs_rules_add_inequality(r, 0, 1, &err) == RS_OK);
	CHECK(rs_rules_add_inequality(r, 2, 3, &err) == RS_OK);
	return r;
}

static void
test_inequality(void)
{
	rs_error	err;
	rs_status	st;
	rs_rules   *r = ineq_rules(5);
	rs_model   *m = train(ineq_rows(400), r, 3, &st, &err);
	rs_table   *t;

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(r->ineq[0].high_min > m->specs->cols[0].min && r->ineq[0].high_max > m->specs->cols[0].max);
	t = sample(m, 5000, NULL, 31);
	for (int i = 0; i < t->n_rows; i++)
	{
		double		lo = RS_CELL(t, i, 0),
					hi = RS_CELL(t, i, 1),
					ilo = RS_CELL(t, i, 2),
					ihi = RS_CELL(t, i, 3);

		CHECK(hi > lo && ihi > ilo && ihi == floor(ihi));
		CHECK(hi >= r->ineq[0].high_min && hi <= r->ineq[0].high_max);
		CHECK(ihi >= r->ineq[1].high_min && ihi <= r->ineq[1].high_max);
		CHECK(lo >= m->specs->cols[0].min && lo <= m->specs->cols[0].max);
	}
	rs_table_free(t);
	rs_model_free(m);

	/* a row breaking it, a NULL, a column of the wrong kind */
	for (int bad = 0; bad < 3; bad++)
	{
		rs_table   *rows = ineq_rows(50);

		r = ineq_rules(1);
		if (bad == 0)
			RS_CELL(rows, 17, 3) = RS_CELL(rows, 17, 2);
		else if (bad == 1)
			RS_CELL(rows, 3, 1) = RS_NULL;
		else
			CHECK(rs_rules_add_inequality(r, 0, 4, &err) == RS_OK);
		m = train(rows, r, 1, &st, &err);
		CHECK(m == NULL && st == RS_ERR_INVALID);
		CHECK(r->failed == (bad == 0 ? RS_RULES_FAIL_INEQ : bad == 1 ? RS_RULES_FAIL_NULL
							: RS_RULES_FAIL_KIND));
		CHECK(strstr(err.msg, bad == 0 ? "\"ihi\"" : bad == 1 ? "\"hi\"" : "\"c\"") != NULL);
		if (bad == 0)
			CHECK(r->failed_ineq == 1);
		rs_rules_free(r);
	}
}

/* ---------------------------------------------------------------- state */

/* pooling, a group and inequalities in one model */
static rs_model *
rich_model(void)
{
	static const char *const names[] = {"country", "continent", "lo", "hi"};
	static const int n_cat[] = {8, 4, 0, 0};
	rs_table   *c = country_rows(),
			   *q = ineq_rows(606),
			   *t = table(606, 4, names, n_cat);
	rs_error	err;
	rs_status	st;
	rs_rules   *r = rs_rules_create(4, 5, 3, &err);
	int			cols[2] = {0, 1};
	rs_model   *m;

	for (int i = 0; i < 606; i++)
	{
		RS_CELL(t, i, 0) = RS_CELL(c, i, 0);
		RS_CELL(t, i, 1) = RS_CELL(c, i, 1);
		RS_CELL(t, i, 2) = RS_CELL(q, i, 0);
		RS_CELL(t, i, 3) = RS_CELL(q, i, 1);
	}
	finish_specs(t);
	rs_table_free(c);
	rs_table_free(q);
	CHECK(rs_rules_add_group(r, RS_GROUP_DEPENDENCY, cols, 2, &err) == RS_OK);
	CHECK(rs_rules_add_inequality(r, 2, 3, &err) == RS_OK);
	m = train(t, r, 2, &st, &err);
	CHECK(m != NULL);
	return m;
}

static int
same_table(const rs_table *a, const rs_table *b)
{
	for (size_t i = 0; i < (size_t) a->n_rows * a->n_cols; i++)
		if (!(a->values[i] == b->values[i] || (isnan(a->values[i]) && isnan(b->values[i]))))
			return 0;
	return 1;
}

static void
test_round_trip(void)
{
	rs_model   *m = rich_model(),
			   *l;
	rs_error	err;
	uint8_t    *a,
			   *b;
	size_t		la,
				lb;

	if (!m)
		return;
	a = save(m, &la);
	l = rs_model_load(a, la, &err);
	if (!l)
		fprintf(stderr, "  load: %s\n", err.msg);
	CHECK(l != NULL && l->rules != NULL);
	if (l)
	{
		rs_table   *s1 = sample(m, 2000, NULL, 41),
				   *s2 = sample(l, 2000, NULL, 41);
		const rs_rules *r = l->rules;

		CHECK(r->rare_k == 5 && r->clamp_k == 3 && r->pooled[0] == 6 && r->n_pooled[0] == 2);
		CHECK(r->n_groups == 1 && r->groups[0].n_tuples == m->rules->groups[0].n_tuples);
		CHECK(memcmp(r->groups[0].tuples, m->rules->groups[0].tuples,
					 sizeof(int) * 2 * r->groups[0].n_tuples) == 0);
		CHECK(r->n_ineq == 1 && r->ineq[0].high_min == m->rules->ineq[0].high_min &&
			  r->ineq[0].high_max == m->rules->ineq[0].high_max);
		CHECK(same_table(s1, s2));
		for (int i = 0; i < s2->n_rows; i++)
			CHECK(RS_CELL(s2, i, 3) > RS_CELL(s2, i, 2) &&
				  RS_CELL(s2, i, 1) == (int) RS_CELL(s2, i, 0) % 3);
		rs_table_free(s1);
		rs_table_free(s2);
		b = save(l, &lb);
		CHECK(b && lb == la && memcmp(a, b, la) == 0);
		free(b);
		rs_model_free(l);
	}
	free(a);
	rs_model_free(m);
}

/* m saved with one field of its rules changed by f, then loaded: refused. */
static void
refused(rs_model *m, void (*f) (rs_rules *r, int undo), const char *why)
{
	rs_error	err;
	uint8_t    *buf;
	size_t		len;
	rs_model   *l;

	f(m->rules, 0);
	buf = save(m, &len);
	f(m->rules, 1);
	l = rs_model_load(buf, len, &err);
	if (l)
		fprintf(stderr, "  a state with %s loaded\n", why);
	CHECK(l == NULL && err.code == RS_ERR_CORRUPT);
	rs_model_free(l);
	free(buf);
}

static void
bad_tuple(rs_rules *r, int undo)
{
	static int	keep;

	if (!undo)
		keep = r->groups[0].tuples[1];
	r->groups[0].tuples[1] = undo ? keep : 40;
}

static void
pooled_tuple(rs_rules *r, int undo)
{
	static int	keep;

	if (!undo)
		keep = r->groups[0].tuples[0];
	r->groups[0].tuples[0] = undo ? keep : r->pooled[0];
}

static void
bad_col(rs_rules *r, int undo)
{
	r->groups[0].cols[1] = undo ? 1 : 4;
}

static void
cont_col(rs_rules *r, int undo)
{
	r->groups[0].cols[1] = undo ? 1 : 2;
}

static void
bad_pooled(rs_rules *r, int undo)
{
	r->pooled[0] = undo ? 6 : 3;
}

static void
unordered(rs_rules *r, int undo)
{
	int		   *t = r->groups[0].tuples;

	for (int i = 0; i < 2; i++)
	{
		int			x = t[i];

		t[i] = t[2 + i];
		t[2 + i] = x;
	}
	(void) undo;
}

static void
bad_range(rs_rules *r, int undo)
{
	static double keep;

	if (!undo)
		keep = r->ineq[0].high_min;
	r->ineq[0].high_min = undo ? keep : -1e9;	/* below low's range */
}

static void
swapped_ineq(rs_rules *r, int undo)
{
	r->ineq[0].low = undo ? 2 : 1;	/* a categorical column */
}

static void
test_corrupt(void)
{
	rs_model   *m = rich_model();
	rs_wbuf		w;
	rs_error	err;

	if (!m)
		return;
	refused(m, bad_tuple, "a category out of range");
	refused(m, pooled_tuple, "a pooled slot in a combination");
	refused(m, bad_col, "a group column out of range");
	refused(m, cont_col, "a continuous group column");
	refused(m, bad_pooled, "a pooled slot not last");
	refused(m, unordered, "combinations out of order");
	refused(m, bad_range, "an inequality range below low's");
	refused(m, swapped_ineq, "an inequality on a categorical column");

	/* every truncation of the section is refused, none read past the end */
	rs_wbuf_init(&w);
	CHECK(rs_rules_save(m->rules, &w) == RS_OK);
	for (size_t n = 0; n < w.len; n++)
	{
		rs_rbuf		b;
		rs_rules   *r;

		rs_rbuf_init(&b, w.data, n);
		r = rs_rules_load(&b, m->specs, &err);
		CHECK(r == NULL || rs_rbuf_finish(&b, 1, "x", &err) == RS_OK);
		rs_rules_free(r);
	}
	rs_wbuf_free(&w);

	/* huge counts in a few bytes */
	for (int which = 0; which < 3; which++)
	{
		rs_rbuf		b;

		rs_wbuf_init(&w);
		rs_wbuf_u32(&w, 1);
		rs_wbuf_u32(&w, 4);
		rs_wbuf_u32(&w, 5);
		rs_wbuf_u32(&w, 3);
		for (int c = 0; c < 4; c++)
		{
			rs_wbuf_i32(&w, -1);
			rs_wbuf_u32(&w, 0);
		}
		if (which == 0)
			rs_wbuf_u32(&w, 0xFFFFFFFFu);	/* groups */
		else
		{
			rs_wbuf_u32(&w, 1);
			rs_wbuf_u32(&w, 1);
			rs_wbuf_u32(&w, which == 1 ? 0x7FFFFFFFu : 2);	/* columns */
			rs_wbuf_u32(&w, 0);
			rs_wbuf_u32(&w, 1);
			rs_wbuf_u32(&w, 0x40000000u);	/* combinations */
		}
		rs_wbuf_u32(&w, 0);
		rs_rbuf_init(&b, w.data, w.len);
		CHECK(rs_rules_load(&b, m->specs, &err) == NULL && err.code == RS_ERR_CORRUPT);
		rs_wbuf_free(&w);
	}
	rs_model_free(m);
}

/* Rules that change nothing (k = 1, no group): the rows of a model without rules. */
static void
test_inactive_rules_same_rows(void)
{
	rs_error	err;
	rs_status	st;
	rs_model   *a = train(rare_rows(), NULL, 2, &st, &err),
			   *b = train(rare_rows(), rs_rules_create(2, 1, 1, &err), 2, &st, &err);

	CHECK(a && b);
	if (a && b)
	{
		rs_table   *sa = sample(a, 3000, NULL, 8),
				   *sb = sample(b, 3000, NULL, 8);

		CHECK(same_table(sa, sb));
		rs_table_free(sa);
		rs_table_free(sb);
	}
	rs_model_free(a);
	rs_model_free(b);
}

/* ---------------------------------------------------------------- evaluation */

static void
test_augment(void)
{
	rs_table   *rows = rare_rows();
	rs_error	err;
	rs_rules   *r = rs_rules_create(2, 5, 5, &err);
	rs_gan_config cfg;
	rs_table   *out;

	rs_gan_config_default(&cfg);
	cfg.embedding_dim = 8;
	cfg.n_gen_dims = 1;
	cfg.gen_dims[0] = 16;
	cfg.n_dis_dims = 1;
	cfg.dis_dims[0] = 16;
	cfg.batch_size = 20;
	cfg.pac = 2;
	cfg.epochs = 2;
	out = rs_model_augment(rows, 1000, &cfg, 2, r, 3, &err);
	CHECK(out != NULL);
	if (out)
	{
		/* the real specs, untouched; no rare category, nothing outside [5th, 5th] */
		CHECK(out->cols[0].n_categories == 6 && rows->cols[0].n_categories == 6);
		CHECK(r->pooled[0] == -1);	/* the declaration itself is not prepared */
		for (int i = 0; i < out->n_rows; i++)
			CHECK(RS_CELL(out, i, 0) >= 0 && RS_CELL(out, i, 0) < 4);
		rs_table_free(out);
	}
	rs_rules_free(r);
	rs_table_free(rows);
}

int
main(void)
{
	RUN(test_pooling);
	RUN(test_all_rare);
	RUN(test_clamp);
	RUN(test_group);
	RUN(test_declare);
	RUN(test_masked_distribution);
	RUN(test_inequality);
	RUN(test_round_trip);
	RUN(test_corrupt);
	RUN(test_inactive_rules_same_rows);
	RUN(test_augment);
	return unit_summary("test_rules");
}

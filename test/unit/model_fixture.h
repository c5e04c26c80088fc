/*
 * model_fixture.h
 *	  Small trained models for the model state tests (test_model.c) and the
 *	  state fuzzer (test/fuzz/fuzz_state.c): the rs_model that
 *	  raresynth_train would store for a table of a few columns, trained one
 *	  epoch with tiny networks, so that a state is a few kB and loads and
 *	  samples in well under a millisecond.
 *
 * Variants (FIXTURE_VARIANTS): different column shapes and generators.
 *	 0  id text (excluded), x float8 (NULLs), k text 3 categories (NULLs),
 *		y int (label), n int (integral), f boolean 2 categories; one block
 *	 1  a float8, y int (label), b float8 (only NULLs); no block
 *	 2  c1 text 5 categories, y int (label), c2 text 2 categories (NULLs);
 *		two blocks
 *	 3  k12 text 12 categories, x float8; one block (the example)
 * Column names and SQL types are those of the pg_regress tables.
 */
#ifndef MODEL_FIXTURE_H
#define MODEL_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "model.h"
#include "gemm16.h"
#include "nn.h"

#define FIXTURE_VARIANTS 4
#define FIXTURE_ROWS 30

typedef struct fixture_col
{
	const char *name;
	const char *type;
	int			role;			/* 0 excluded, 1 label, 2 continuous, 3 categorical */
	int			n_cat;			/* categorical: categories */
	int			integral;		/* continuous: whole numbers */
	int			null_pct;		/* share of NULLs, percent (100: all) */
} fixture_col;

static const fixture_col fixture_cols[FIXTURE_VARIANTS][7] = {
	{{"id", "text", 0, 0, 0, 0}, {"x", "double precision", 2, 0, 0, 10},
	 {"k", "text", 3, 3, 0, 10}, {"y", "integer", 1, 0, 0, 0},
	 {"n", "integer", 2, 0, 1, 0}, {"f", "boolean", 3, 2, 0, 0}, {NULL, NULL, 0, 0, 0, 0}},
	{{"a", "double precision", 2, 0, 0, 0}, {"y", "integer", 1, 0, 0, 0},
	 {"b", "double precision", 2, 0, 0, 100}, {NULL, NULL, 0, 0, 0, 0}},
	{{"c1", "text", 3, 5, 0, 0}, {"y", "integer", 1, 0, 0, 0},
	 {"c2", "text", 3, 2, 0, 20}, {NULL, NULL, 0, 0, 0, 0}},
	{{"k12", "text", 3, 12, 0, 0}, {"x", "double precision", 2, 0, 0, 0},
	 {"y", "integer", 1, 0, 0, 0}, {NULL, NULL, 0, 0, 0, 0}},
};

static inline int
fixture_n_cols(int variant)
{
	int			n = 0;

	while (n < 7 && fixture_cols[variant][n].name)
		n++;
	return n;
}

/* Category k of a column as SQL text: booleans "f"/"t", else "a", "b", ... */
static inline char *
fixture_category(const fixture_col *fc, int k)
{
	char		s[16];

	if (strcmp(fc->type, "boolean") == 0)
		snprintf(s, sizeof(s), "%s", k ? "t" : "f");
	else if (k < 26)
		snprintf(s, sizeof(s), "%c", 'a' + k);
	else
		snprintf(s, sizeof(s), "c%d", k);
	return rs_strdup(s);
}

/*
 * The model of a variant, trained one epoch from seed; NULL and err on
 * failure.  With_rules: the model keeps rules (rules.h): rare_k 3 and
 * clamp_k 2, a fixed combination of its categorical columns when it has
 * two, and in variant 0 the inequality x < n (x's NULLs filled and n set
 * above x for it).
 */
static inline rs_model *fixture_model_rules(int variant, uint64_t seed, int with_rules,
											rs_error *err);

static inline rs_model *
fixture_model(int variant, uint64_t seed, rs_error *err)
{
	return fixture_model_rules(variant, seed, 0, err);
}

static inline rs_model *
fixture_model_rules(int variant, uint64_t seed, int with_rules, rs_error *err)
{
	const fixture_col *fcs = fixture_cols[variant];
	int			n_src = fixture_n_cols(variant),
				nf = 0;
	rs_model   *m = rs_alloc(sizeof(rs_model));
	rs_table   *rows = NULL;
	rs_gan_config cfg;
	rs_rng		rng;
	float	   *encoded = NULL;

	if (!m)
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int i = 0; i < n_src; i++)
		nf += fcs[i].role >= 2;
	rs_rng_seed(&rng, seed);
	m->meta.seed = seed;
	m->meta.minority = rs_strdup("1");
	m->meta.n_source_cols = n_src;
	m->meta.source_names = rs_alloc_array(n_src, sizeof(char *));
	m->meta.source_types = rs_alloc_array(n_src, sizeof(char *));
	m->meta.source_role = rs_alloc_array(n_src, sizeof(int));
	rows = rs_table_create(FIXTURE_ROWS, nf, err);
	if (!rows)
		goto fail;
	for (int i = 0, f = 0; i < n_src; i++)
	{
		const fixture_col *fc = &fcs[i];

		m->meta.source_names[i] = rs_strdup(fc->name);
		m->meta.source_types[i] = rs_strdup(fc->type);
		m->meta.source_role[i] = fc->role == 0 ? RS_ROLE_EXCLUDED
			: fc->role == 1 ? RS_ROLE_LABEL : f;
		if (fc->role < 2)
			continue;
		rows->cols[f].name = rs_strdup(fc->name);
		rows->cols[f].kind = fc->role == 3 ? RS_KIND_CATEGORICAL : RS_KIND_CONTINUOUS;
		rows->cols[f].integral = fc->integral;
		if (fc->role == 3)
		{
			rows->cols[f].n_categories = fc->n_cat;
			rows->cols[f].categories = rs_alloc_array(fc->n_cat, sizeof(char *));
			for (int k = 0; k < fc->n_cat; k++)
				rows->cols[f].categories[k] = fixture_category(fc, k);
		}
		for (int r = 0; r < FIXTURE_ROWS; r++)
		{
			double		v;

			if ((int) rs_rng_below(&rng, 100) < fc->null_pct)
				v = RS_NULL;
			else if (fc->role == 3)
				v = (double) rs_rng_below(&rng, (uint64_t) fc->n_cat);
			else if (fc->integral)
				v = (double) rs_rng_below(&rng, 50);
			else
				v = rs_rng_uniform(&rng) * 10.0 - 3.0 + (r % 2 ? 20.0 : 0.0);
			RS_CELL(rows, r, f) = v;
		}
		if (fc->role == 2 && rs_table_column_range(rows, f, &rows->cols[f].min,
												   &rows->cols[f].max) == 0)
			rows->cols[f].min = rows->cols[f].max = 0;
		f++;
	}
	if (with_rules)
	{
		int			cats[2],
					n_cats = 0;

		if (variant == 0)
		{
			/* features x, k, n, f: n (integral) above x on every row */
			for (int r = 0; r < FIXTURE_ROWS; r++)
			{
				if (rs_is_null(RS_CELL(rows, r, 0)))
					RS_CELL(rows, r, 0) = 1.5;
				RS_CELL(rows, r, 2) = floor(RS_CELL(rows, r, 0)) + 1 + r % 3;
			}
			for (int f2 = 0; f2 < 3; f2 += 2)
				rs_table_column_range(rows, f2, &rows->cols[f2].min, &rows->cols[f2].max);
		}
		if (!(m->rules = rs_rules_create(nf, 3, 2, err)))
			goto fail;
		for (int f2 = 0; f2 < nf && n_cats < 2; f2++)
			if (rows->cols[f2].kind == RS_KIND_CATEGORICAL)
				cats[n_cats++] = f2;
		if ((n_cats == 2 && rs_rules_add_group(m->rules, RS_GROUP_FIXED, cats, 2, err) != RS_OK) ||
			(variant == 0 && rs_rules_add_inequality(m->rules, 0, 2, err) != RS_OK))
			goto fail;
	}
	m->specs = rs_table_create(0, nf, err);
	if (!m->specs || rs_table_copy_specs(m->specs, rows, err) != RS_OK)
		goto fail;

	rs_gan_config_default(&cfg);
	cfg.embedding_dim = 4 - (variant % 2);
	cfg.n_gen_dims = variant == 1 ? 0 : variant == 2 ? 2 : 1;
	cfg.gen_dims[0] = 8;
	cfg.gen_dims[1] = 5;
	cfg.n_dis_dims = 1;
	cfg.dis_dims[0] = 8;
	cfg.batch_size = 10;
	cfg.pac = 2;
	if (rs_model_prepare(m, rows, &cfg, 3, &rng, &encoded, err) != RS_OK ||
		rs_gan_fit_epoch(m->gan, encoded, FIXTURE_ROWS, NULL, NULL, err) != RS_OK)
		goto fail;
	rs_free(encoded);
	rs_table_free(rows);
	return m;

fail:
	rs_free(encoded);
	rs_table_free(rows);
	rs_model_free(m);
	return NULL;
}

/* The saved state of a fixture model (rs_alloc'ed), or NULL. */
static inline uint8_t *
fixture_state_rules(int variant, uint64_t seed, int with_rules, size_t *len)
{
	rs_error	err;
	rs_model   *m = fixture_model_rules(variant, seed, with_rules, &err);
	uint8_t    *buf = NULL;

	*len = 0;
	if (!m)
		return NULL;
	if (rs_model_save(m, &buf, len, &err) != RS_OK)
		buf = NULL;
	rs_model_free(m);
	return buf;
}

static inline uint8_t *
fixture_state(int variant, uint64_t seed, size_t *len)
{
	return fixture_state_rules(variant, seed, 0, len);
}

#endif							/* MODEL_FIXTURE_H */

/*
 * test_given.c
 *	  Conditioning on several columns and on ranges (given.h, mixture.h):
 *	  the normal quantile, a mode moved into a range by its quantile (in
 *	  the range, monotone, the truncated mode's distribution), the modes'
 *	  weights, and a trained model sampled under categories, ranges and
 *	  NULLs with every failure reason.
 */
#include <stdlib.h>
#include <string.h>

#include "given.h"
#include "mixture.h"
#include "model.h"
#include "unit.h"

static void
test_normal_quantile(void)
{
	for (double z = -4.0; z <= 4.0; z += 0.0625)
	{
		double		p = rs_normal_cdf(z);

		CHECK_NEAR(rs_normal_quantile(p, -4.0, 4.0), z, 1e-9);
	}
	CHECK_NEAR(rs_normal_cdf(0.0), 0.5, 1e-15);
	CHECK_NEAR(rs_normal_cdf(1.959963984540054), 0.975, 1e-12);
	/* beyond the bracket: its ends */
	CHECK(rs_normal_quantile(0.9, -1.0, 1.0) == 1.0);
	CHECK(rs_normal_quantile(0.1, -1.0, 1.0) == -1.0);
}

/* The CDF of N(mu, sigma) truncated to [a, b]. */
static double
trunc_cdf(double mu, double sigma, double a, double b, double x)
{
	double		fa = rs_normal_cdf((a - mu) / sigma),
				fb = rs_normal_cdf((b - mu) / sigma);

	return x <= a ? 0.0 : x >= b ? 1.0 : (rs_normal_cdf((x - mu) / sigma) - fa) / (fb - fa);
}

static void
test_mode_range_map(void)
{
	const double mu = 10.0,
				sigma = 2.0,
				a = 9.0,
				b = 13.0;
	double		prev = -INFINITY,
				ks = 0.0;
	int			n = 20000,
				below[5] = {0};
	const double at[5] = {9.5, 10.0, 11.0, 12.0, 12.9};
	rs_rng		rng;

	/* inside the range, monotone, over the whole reach and beyond */
	for (double x = mu - 6 * sigma; x <= mu + 6 * sigma; x += 0.01)
	{
		double		v = rs_mode_range_map(mu, sigma, x, a, b);

		CHECK(v >= a && v <= b);
		CHECK(v >= prev);
		prev = v;
	}
	/* x from the truncated mode: the mode truncated to [a, b] */
	rs_rng_seed(&rng, 7);
	for (int i = 0; i < n; i++)
	{
		double		x,
					v;

		do
			x = mu + sigma * rs_rng_normal(&rng);
		while (fabs(x - mu) > RS_MODE_REACH * sigma);
		v = rs_mode_range_map(mu, sigma, x, a, b);
		for (int j = 0; j < 5; j++)
			below[j] += v <= at[j];
	}
	for (int j = 0; j < 5; j++)
	{
		double		d = fabs((double) below[j] / n - trunc_cdf(mu, sigma, a, b, at[j]));

		ks = d > ks ? d : ks;
	}
	printf("  truncated draws: largest CDF difference %.4f at 5 points (n = %d)\n", ks, n);
	CHECK(ks < 0.015);
	/* a range beyond the reach on one side: the reach's part of it */
	for (double x = 0.0; x <= 20.0; x += 0.5)
	{
		double		v = rs_mode_range_map(mu, sigma, x, 15.0, 30.0);

		CHECK(v >= 15.0 && v <= mu + RS_MODE_REACH * sigma);
	}
	/* a point: itself */
	CHECK(rs_mode_range_map(mu, sigma, 3.0, 11.5, 11.5) == 11.5);
	/* a range the mode does not reach: clamped, still inside */
	CHECK(rs_mode_range_map(mu, sigma, 12.0, 40.0, 50.0) == 40.0);
}

static void
test_mode_range_weight(void)
{
	/* the mass inside, comparable between modes */
	CHECK_NEAR(rs_mode_range_weight(0.0, 1.0, -1.0, 1.0), 0.682689492137086, 1e-12);
	CHECK_NEAR(rs_mode_range_weight(5.0, 2.0, 5.0, 9.0), 0.477249868051821, 1e-12);
	/* clipped to the reach: beyond 4 sigma counts nothing */
	CHECK_NEAR(rs_mode_range_weight(0.0, 1.0, 3.0, 100.0),
			   rs_normal_cdf(4.0) - rs_normal_cdf(3.0), 1e-15);
	CHECK(rs_mode_range_weight(0.0, 1.0, 4.5, 100.0) == 0.0);
	CHECK(rs_mode_range_weight(0.0, 1.0, -100.0, -4.01) == 0.0);
	/* far in the upper tail, still positive and accurate */
	CHECK(rs_mode_range_weight(0.0, 1.0, 3.9, 3.95) > 0.0);
	/* a point: the density */
	CHECK_NEAR(rs_mode_range_weight(0.0, 2.0, 0.0, 0.0), 0.398942280401433 / 2.0, 1e-12);
	CHECK(rs_mode_range_weight(0.0, 1.0, 5.0, 5.0) == 0.0);
}

/*
 * A model on 400 rows: x continuous in two tight clusters (near 0 and
 * 100), n whole numbers 0..49, c1 of 4 categories determining c2 (c1 / 2),
 * c3 of 3 categories; trained 2 epochs.
 */
#define GM_ROWS 400

static rs_model *
given_model(rs_error *err)
{
	static const char *names[] = {"x", "n", "c1", "c2", "c3"};
	static const int ncat[] = {0, 0, 4, 2, 3};
	rs_model   *m = rs_alloc(sizeof(rs_model));
	rs_table   *rows = rs_table_create(GM_ROWS, 5, err);
	rs_gan_config cfg;
	rs_rng		rng;
	float	   *encoded = NULL;
	int			grp[2] = {2, 3};

	memset(m, 0, sizeof(*m));
	m->meta.minority = rs_strdup("1");
	m->meta.n_source_cols = 5;
	m->meta.source_names = rs_alloc_array(5, sizeof(char *));
	m->meta.source_types = rs_alloc_array(5, sizeof(char *));
	m->meta.source_role = rs_alloc_array(5, sizeof(int));
	rs_rng_seed(&rng, 11);
	for (int c = 0; c < 5; c++)
	{
		m->meta.source_names[c] = rs_strdup(names[c]);
		m->meta.source_types[c] = rs_strdup(ncat[c] ? "text" : "double precision");
		m->meta.source_role[c] = c;
		rows->cols[c].name = rs_strdup(names[c]);
		rows->cols[c].kind = ncat[c] ? RS_KIND_CATEGORICAL : RS_KIND_CONTINUOUS;
		rows->cols[c].integral = c == 1;
		if (ncat[c])
		{
			rows->cols[c].n_categories = ncat[c];
			rows->cols[c].categories = rs_alloc_array(ncat[c], sizeof(char *));
			for (int k = 0; k < ncat[c]; k++)
			{
				char		s[2] = {(char) ('a' + k), 0};

				rows->cols[c].categories[k] = rs_strdup(s);
			}
		}
	}
	for (int r = 0; r < GM_ROWS; r++)
	{
		RS_CELL(rows, r, 0) = (r % 2 ? 100.0 : 0.0) + 0.1 * rs_rng_normal(&rng);
		RS_CELL(rows, r, 1) = (double) rs_rng_below(&rng, 50);
		RS_CELL(rows, r, 2) = (double) (r % 4);
		RS_CELL(rows, r, 3) = (double) (r % 4 / 2);
		RS_CELL(rows, r, 4) = (double) rs_rng_below(&rng, 3);
	}
	for (int c = 0; c < 2; c++)
		rs_table_column_range(rows, c, &rows->cols[c].min, &rows->cols[c].max);
	m->rules = rs_rules_create(5, 1, 1, err);
	if (!m->rules || rs_rules_add_group(m->rules, RS_GROUP_DEPENDENCY, grp, 2, err) != RS_OK)
		return NULL;
	m->specs = rs_table_create(0, 5, err);
	rs_table_copy_specs(m->specs, rows, err);
	rs_gan_config_default(&cfg);
	cfg.embedding_dim = 8;
	cfg.n_gen_dims = 1;
	cfg.gen_dims[0] = 16;
	cfg.n_dis_dims = 1;
	cfg.dis_dims[0] = 16;
	cfg.batch_size = 50;
	cfg.pac = 5;
	if (rs_model_prepare(m, rows, &cfg, 4, &rng, &encoded, err) != RS_OK)
		return NULL;
	for (int e = 0; e < 2; e++)
		if (rs_gan_fit_epoch(m->gan, encoded, GM_ROWS, NULL, NULL, err) != RS_OK)
			return NULL;
	rs_free(encoded);
	rs_table_free(rows);
	return m;
}

/* n rows of m under g (NULL: none), from seed. */
static rs_table *
sample_given(const rs_model *m, const rs_given *g, int n, uint64_t seed)
{
	rs_error	err;
	rs_rng		rng;
	rs_table   *t = rs_table_create(n, m->specs->n_cols, &err);
	float	   *buf = malloc(sizeof(float) * (size_t) n * rs_encoder_dim(m->enc));

	rs_rng_seed(&rng, seed);
	CHECK(rs_table_copy_specs(t, m->specs, &err) == RS_OK);
	if (g)
		CHECK(rs_given_generate(g, n, buf, t, 0, &rng, &err) == RS_OK);
	else
		CHECK(rs_model_generate(m, n, NULL, buf, t, 0, &rng, &err) == RS_OK);
	free(buf);
	return t;
}

static int
same_rows(const rs_table *a, const rs_table *b)
{
	return a->n_rows == b->n_rows &&
		memcmp(a->values, b->values, sizeof(double) * (size_t) a->n_rows * a->n_cols) == 0;
}

static void
test_given_model(void)
{
	rs_error	err;
	rs_model   *m = given_model(&err);
	rs_given   *g;
	rs_table   *t,
			   *u;
	int			n = 3000,
				bad,
				at_ends,
				modes = 0;
	double		lo,
				hi,
				mu[RS_MAX_MODES],
				sigma[RS_MAX_MODES];
	int		   *old;

	CHECK(m != NULL);
	if (!m)
	{
		fprintf(stderr, "  %s\n", err.msg);
		return;
	}
	modes = rs_encoder_column_modes(m->enc, 0, mu, sigma, NULL);
	printf("  x: %d modes, sigma %.3g and %.3g\n", modes, sigma[0], sigma[modes - 1]);

	/* nothing given, and one category: the rows of the other paths */
	g = rs_given_create(m, &err);
	CHECK(rs_given_finish(g, &err) == RS_OK);
	t = sample_given(m, g, n, 1);
	u = sample_given(m, NULL, n, 1);
	CHECK(same_rows(t, u));
	rs_table_free(t);
	rs_table_free(u);
	rs_given_free(g);
	g = rs_given_create(m, &err);
	CHECK(rs_given_category(g, 4, 2, &err) == RS_OK);
	CHECK(rs_given_finish(g, &err) == RS_OK);
	t = sample_given(m, g, n, 2);
	old = calloc((size_t) rs_gan_n_cond_spans(m->gan), sizeof(int));
	for (int k = 0; k < rs_gan_n_cond_spans(m->gan); k++)
		old[k] = -1;
	CHECK(rs_model_set_given(m, 4, 2, old, &err) == RS_OK);
	u = rs_table_create(n, 5, &err);
	rs_table_copy_specs(u, m->specs, &err);
	{
		rs_rng		rng;
		float	   *buf = malloc(sizeof(float) * (size_t) n * rs_encoder_dim(m->enc));

		rs_rng_seed(&rng, 2);
		CHECK(rs_model_generate(m, n, old, buf, u, 0, &rng, &err) == RS_OK);
		free(buf);
	}
	CHECK(same_rows(t, u));
	rs_table_free(t);
	rs_table_free(u);
	free(old);
	rs_given_free(g);

	/* several categories, a range of each continuous column */
	g = rs_given_create(m, &err);
	CHECK(rs_given_category(g, 2, 3, &err) == RS_OK);
	CHECK(rs_given_category(g, 4, 0, &err) == RS_OK);
	CHECK(rs_given_range(g, 0, 99.9, 100.05, &lo, &hi, &err) == RS_OK);
	CHECK(lo == 99.9 && hi == 100.05);
	CHECK(rs_given_range(g, 1, 10.2, 14.7, &lo, &hi, &err) == RS_OK);
	CHECK(lo == 11.0 && hi == 14.0);
	CHECK(rs_given_finish(g, &err) == RS_OK);
	t = sample_given(m, g, n, 3);
	bad = at_ends = 0;
	for (int r = 0; r < n; r++)
	{
		double		x = RS_CELL(t, r, 0),
					v = RS_CELL(t, r, 1);

		bad += !(x >= 99.9 && x <= 100.05) || !(v >= 11 && v <= 14 && v == floor(v)) ||
			RS_CELL(t, r, 2) != 3 || RS_CELL(t, r, 3) != 1 || RS_CELL(t, r, 4) != 0;
		at_ends += x == 99.9 || x == 100.05;
	}
	printf("  several given: %d of %d rows break one, %d at the ends of x's range\n",
		   bad, n, at_ends);
	CHECK(bad == 0);
	/* the mode's mass, not a clamp: values are spread inside */
	CHECK(at_ends < n / 20);
	rs_table_free(t);
	rs_given_free(g);

	/* a given dependent column draws its determinant among its values */
	g = rs_given_create(m, &err);
	CHECK(rs_given_category(g, 3, 0, &err) == RS_OK);
	CHECK(rs_given_finish(g, &err) == RS_OK);
	t = sample_given(m, g, n, 4);
	bad = 0;
	for (int r = 0; r < n; r++)
		bad += RS_CELL(t, r, 3) != 0 || RS_CELL(t, r, 2) > 1;
	CHECK(bad == 0);
	rs_table_free(t);
	rs_given_free(g);

	/* NULL of a column without NULLs; kinds; twice; contradictions */
	g = rs_given_create(m, &err);
	CHECK(rs_given_null(g, 0, &err) == RS_ERR_INVALID && g->failed == RS_GIVEN_FAIL_NOT_SEEN);
	CHECK(rs_given_null(g, 2, &err) == RS_ERR_INVALID && g->failed == RS_GIVEN_FAIL_NOT_SEEN);
	CHECK(rs_given_range(g, 2, 0, 1, NULL, NULL, &err) == RS_ERR_INVALID && g->failed == RS_GIVEN_FAIL_KIND);
	CHECK(rs_given_category(g, 0, 0, &err) == RS_ERR_INVALID && g->failed == RS_GIVEN_FAIL_KIND);
	CHECK(rs_given_category(g, 2, 4, &err) == RS_ERR_INVALID && g->failed == RS_GIVEN_FAIL_NOT_SEEN);
	CHECK(rs_given_category(g, 7, 0, &err) == RS_ERR_INVALID && g->failed == RS_GIVEN_FAIL_VALUE);
	CHECK(rs_given_range(g, 1, 5, 4, NULL, NULL, &err) == RS_ERR_INVALID && g->failed == RS_GIVEN_FAIL_EMPTY);
	CHECK(rs_given_range(g, 1, 10.2, 10.8, NULL, NULL, &err) == RS_ERR_INVALID && g->failed == RS_GIVEN_FAIL_EMPTY);
	CHECK(rs_given_range(g, 1, 60, 70, NULL, NULL, &err) == RS_ERR_INVALID && g->failed == RS_GIVEN_FAIL_OUTSIDE);
	CHECK(rs_given_range(g, 1, NAN, 70, NULL, NULL, &err) == RS_ERR_INVALID && g->failed == RS_GIVEN_FAIL_VALUE);
	/* between the clusters of x: no mode reaches it */
	if (modes == 2 && mu[0] + RS_MODE_REACH * sigma[0] < 40 && mu[1] - RS_MODE_REACH * sigma[1] > 60)
		CHECK(rs_given_range(g, 0, 40, 60, NULL, NULL, &err) == RS_ERR_INVALID &&
			  g->failed == RS_GIVEN_FAIL_UNREACHED);
	else
		CHECK(!"x was not fitted as two tight modes");
	CHECK(rs_given_range(g, 1, -INFINITY, INFINITY, &lo, &hi, &err) == RS_OK);
	CHECK(rs_given_range(g, 1, 1, 2, NULL, NULL, &err) == RS_ERR_INVALID && g->failed == RS_GIVEN_FAIL_TWICE);
	CHECK(rs_given_category(g, 2, 0, &err) == RS_OK);
	CHECK(rs_given_category(g, 3, 1, &err) == RS_OK);
	CHECK(rs_given_finish(g, &err) == RS_ERR_INVALID && g->failed == RS_GIVEN_FAIL_CONTRADICTION &&
		  g->failed_column == 3 && g->failed_other == 2);
	CHECK(rs_given_generate_start(g, 1, NULL, NULL, &err) == RS_ERR_INVALID);
	rs_given_free(g);
	rs_model_free(m);
}

int
main(void)
{
	RUN(test_normal_quantile);
	RUN(test_mode_range_map);
	RUN(test_mode_range_weight);
	RUN(test_given_model);
	return unit_summary("test_given");
}

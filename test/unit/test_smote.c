/*
 * test_smote.c
 *	  Unit tests of the neighbour search, SMOTE and SMOTE-NC: exact
 *	  neighbours (brute force), synthetic points on segments to a
 *	  neighbour, majority categories, rounding and clamping, NULLs, small
 *	  minorities, determinism; and SMOTE on a dense feature matrix (points
 *	  on segments to brute-force neighbours, small minorities, errors,
 *	  determinism).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "smote.h"
#include "unit.h"

/* Brute-force squared distance between rows i and j of X (n x d). */
static double
sqdist(const double *X, int d, int i, int j)
{
	double		s = 0.0;

	for (int c = 0; c < d; c++)
	{
		double		t = X[i * d + c] - X[j * d + c];

		s += t * t;
	}
	return s;
}

/* Brute-force k nearest (distance, then index) of row i. */
static void
brute_knn(const double *X, int n, int d, int i, int k, int *out, double *od)
{
	for (int q = 0; q < k; q++)
	{
		out[q] = -1;
		od[q] = INFINITY;
	}
	for (int j = 0; j < n; j++)
	{
		double		dd;
		int			pos;

		if (j == i)
			continue;
		dd = sqdist(X, d, i, j);
		if (dd >= od[k - 1])
			continue;
		pos = k - 1;
		while (pos > 0 && od[pos - 1] > dd)
		{
			od[pos] = od[pos - 1];
			out[pos] = out[pos - 1];
			pos--;
		}
		od[pos] = dd;
		out[pos] = j;
	}
}

/* Random points in several blocks: exactly the brute-force neighbours. */
static void
test_knn_brute_force(void)
{
	int			n = 1100,
				d = 9,
				k = 6;
	double	   *X = malloc(sizeof(double) * n * d);
	int		   *nn = malloc(sizeof(int) * n * k);
	double	   *dist = malloc(sizeof(double) * n * k);
	int			bi[6];
	double		bd[6];
	rs_rng		rng;
	rs_error	err;
	int			mismatches = 0;

	rs_rng_seed(&rng, 11);
	for (int i = 0; i < n * d; i++)
		X[i] = rs_rng_normal(&rng);
	CHECK(rs_knn_self(X, n, d, k, nn, dist, &err) == RS_OK);
	for (int i = 0; i < n; i++)
	{
		brute_knn(X, n, d, i, k, bi, bd);
		for (int q = 0; q < k; q++)
		{
			if (nn[i * k + q] != bi[q])
				mismatches++;
			CHECK_NEAR(dist[i * k + q], bd[q], 1e-9);
		}
	}
	CHECK(mismatches == 0);
	free(X);
	free(nn);
	free(dist);
}

/* Many exact ties (integer grid): ties go to the lower index. */
static void
test_knn_ties(void)
{
	int			n = 900,
				d = 2,
				k = 4;
	double	   *X = malloc(sizeof(double) * n * d);
	int		   *nn = malloc(sizeof(int) * n * k);
	int			bi[4];
	double		bd[4];
	rs_error	err;

	for (int i = 0; i < n; i++)
	{
		X[i * d] = (i * 7) % 30;
		X[i * d + 1] = (i * 13 / 30) % 30;
	}
	CHECK(rs_knn_self(X, n, d, k, nn, NULL, &err) == RS_OK);
	for (int i = 0; i < n; i++)
	{
		brute_knn(X, n, d, i, k, bi, bd);
		for (int q = 0; q < k; q++)
			CHECK(nn[i * k + q] == bi[q]);
	}
	CHECK(rs_knn_self(X, n, d, n, nn, NULL, &err) == RS_ERR_INVALID);
	free(X);
	free(nn);
}

static rs_table *
make_table(int n_rows, int n_cols, const rs_kind *kinds, const int *n_cats)
{
	rs_error	err;
	rs_table   *t = rs_table_create(n_rows, n_cols, &err);
	char		name[32];

	for (int c = 0; c < n_cols; c++)
	{
		rs_column  *col = &t->cols[c];

		snprintf(name, sizeof(name), "col%d", c);
		col->name = rs_strdup(name);
		col->kind = kinds[c];
		col->min = 1;			/* no range unless a test sets one */
		col->max = 0;
		if (kinds[c] == RS_KIND_CATEGORICAL)
		{
			col->n_categories = n_cats[c];
			col->categories = rs_alloc_array(n_cats[c], sizeof(char *));
			for (int q = 0; q < n_cats[c]; q++)
			{
				snprintf(name, sizeof(name), "v%d", q);
				col->categories[q] = rs_strdup(name);
			}
		}
	}
	return t;
}

/*
 * The common step u with which synthetic row s lies on the segment from
 * base row i to row j over the continuous columns (base NULL: s NULL;
 * neighbour NULL: s = base), or -1 when it does not.
 */
static double
segment_step(const rs_table *m, const rs_table *out, int s, int i, int j)
{
	double		u = NAN;

	for (int c = 0; c < m->n_cols; c++)
	{
		double		a = RS_CELL(m, i, c),
					b = RS_CELL(m, j, c),
					v = RS_CELL(out, s, c);

		if (m->cols[c].kind != RS_KIND_CONTINUOUS)
			continue;
		if (isnan(a))
		{
			if (!isnan(v))
				return -1;
			continue;
		}
		if (isnan(v))
			return -1;
		if (isnan(b) || fabs(b - a) < 1e-12)
		{
			if (fabs(v - a) > 1e-9)
				return -1;
			continue;
		}
		if (isnan(u))
		{
			u = (v - a) / (b - a);
			if (u < -1e-12 || u >= 1.0 + 1e-12)
				return -1;
		}
		else if (fabs(a + u * (b - a) - v) > 1e-9 * (1 + fabs(v)))
			return -1;
	}
	return isnan(u) ? 0.0 : u;
}

/*
 * Whether categorical value v of column c is among the most frequent
 * values (NULL included) among row i's neighbours.
 */
static int
is_majority(const rs_table *m, const int *nn, int k, int i, int c, double v)
{
	int			n_slots = m->cols[c].n_categories + 1;
	int			votes[64] = {0};
	int			best = 0;
	int			slot = isnan(v) ? n_slots - 1 : (int) v;

	for (int q = 0; q < k; q++)
	{
		double		x = RS_CELL(m, nn[i * k + q], c);

		votes[isnan(x) ? n_slots - 1 : (int) x]++;
	}
	for (int q = 0; q < n_slots; q++)
		if (votes[q] > best)
			best = votes[q];
	return votes[slot] == best;
}

/*
 * Every synthetic row comes from some base row and one of its neighbours:
 * on the segment for continuous columns, a majority value for the
 * categorical ones.  Returns the number of rows explained.
 */
static int
explained_rows(const rs_table *m, const rs_table *out, const int *nn, int k)
{
	int			ok = 0;

	for (int s = 0; s < out->n_rows; s++)
	{
		int			found = 0;

		for (int i = 0; i < m->n_rows && !found; i++)
			for (int q = 0; q < k && !found; q++)
			{
				int			good = segment_step(m, out, s, i, nn[i * k + q]) >= 0;

				for (int c = 0; c < m->n_cols && good; c++)
					if (m->cols[c].kind == RS_KIND_CATEGORICAL)
						good = is_majority(m, nn, k, i, c, RS_CELL(out, s, c));
				found = good;
			}
		ok += found;
	}
	return ok;
}

/* SMOTE (continuous only): points on segments to one of the k nearest. */
static void
test_smote_segments(void)
{
	rs_kind		kinds[3] = {RS_KIND_CONTINUOUS, RS_KIND_CONTINUOUS, RS_KIND_CONTINUOUS};
	rs_table   *m = make_table(60, 3, kinds, NULL);
	rs_table   *out;
	rs_rng		rng;
	rs_error	err;
	int		   *nn;
	int			k_used = 0;
	double		X[60 * 3];

	rs_rng_seed(&rng, 3);
	for (int r = 0; r < 60; r++)
	{
		RS_CELL(m, r, 0) = rs_rng_normal(&rng);
		RS_CELL(m, r, 1) = 1000.0 * rs_rng_normal(&rng);
		RS_CELL(m, r, 2) = 0.001 * rs_rng_uniform(&rng);
	}
	out = rs_smote(m, 400, 5, &rng, &k_used, &err);
	CHECK(out != NULL);
	CHECK(k_used == 5);
	CHECK(out->n_rows == 400 && out->n_cols == 3);
	CHECK(strcmp(out->cols[1].name, "col1") == 0);
	CHECK(rs_smote_neighbors(m, 5, &nn, &k_used, &err) == RS_OK);
	CHECK(explained_rows(m, out, nn, 5) == 400);

	/* the neighbours are those of the standardised columns */
	for (int c = 0; c < 3; c++)
	{
		double		mu = 0,
					sd = 0;

		for (int r = 0; r < 60; r++)
			mu += RS_CELL(m, r, c) / 60;
		for (int r = 0; r < 60; r++)
			sd += (RS_CELL(m, r, c) - mu) * (RS_CELL(m, r, c) - mu) / 60;
		for (int r = 0; r < 60; r++)
			X[r * 3 + c] = (RS_CELL(m, r, c) - mu) / sqrt(sd);
	}
	for (int i = 0; i < 60; i++)
	{
		int			bi[5];
		double		bd[5];

		brute_knn(X, 60, 3, i, 5, bi, bd);
		for (int q = 0; q < 5; q++)
			CHECK(nn[i * 5 + q] == bi[q]);
	}
	rs_free(nn);
	rs_table_free(out);
	rs_table_free(m);
}

/* SMOTE-NC: distance with med^2/2 per mismatch, majority categories. */
static void
test_smote_nc(void)
{
	rs_kind		kinds[4] = {RS_KIND_CONTINUOUS, RS_KIND_CATEGORICAL,
	RS_KIND_CONTINUOUS, RS_KIND_CATEGORICAL};
	int			n_cats[4] = {0, 4, 0, 3};
	int			n = 80,
				k = 5;
	rs_table   *m = make_table(n, 4, kinds, n_cats);
	rs_table   *out;
	rs_rng		rng;
	rs_error	err;
	int		   *nn;
	int			k_used;
	double		mu[4] = {0},
				sd[4] = {0};

	rs_rng_seed(&rng, 5);
	for (int r = 0; r < n; r++)
	{
		RS_CELL(m, r, 0) = 10 + 3 * rs_rng_normal(&rng);
		RS_CELL(m, r, 1) = (double) rs_rng_below(&rng, 4);
		RS_CELL(m, r, 2) = rs_rng_uniform(&rng);
		RS_CELL(m, r, 3) = r % 7 == 0 ? NAN : (double) rs_rng_below(&rng, 2);
	}
	CHECK(rs_smote_neighbors(m, k, &nn, &k_used, &err) == RS_OK);

	/* brute force of the documented distance: med = 1, mismatch 1/2 */
	for (int c = 0; c < 4; c += 2)
	{
		for (int r = 0; r < n; r++)
			mu[c] += RS_CELL(m, r, c) / n;
		for (int r = 0; r < n; r++)
			sd[c] += (RS_CELL(m, r, c) - mu[c]) * (RS_CELL(m, r, c) - mu[c]) / n;
		sd[c] = sqrt(sd[c]);
	}
	for (int i = 0; i < n; i++)
	{
		double		bd[5];
		int			bi[5];

		for (int q = 0; q < k; q++)
		{
			bd[q] = INFINITY;
			bi[q] = -1;
		}
		for (int j = 0; j < n; j++)
		{
			double		dd = 0;
			int			pos;

			if (j == i)
				continue;
			for (int c = 0; c < 4; c++)
			{
				double		a = RS_CELL(m, i, c),
							b = RS_CELL(m, j, c);

				if (c % 2 == 0)
					dd += ((a - b) / sd[c]) * ((a - b) / sd[c]);
				else if (!((isnan(a) && isnan(b)) || a == b))
					dd += 0.5;
			}
			if (dd >= bd[k - 1])
				continue;
			for (pos = k - 1; pos > 0 && bd[pos - 1] > dd; pos--)
			{
				bd[pos] = bd[pos - 1];
				bi[pos] = bi[pos - 1];
			}
			bd[pos] = dd;
			bi[pos] = j;
		}
		for (int q = 0; q < k; q++)
			CHECK(nn[i * k + q] == bi[q]);
	}

	out = rs_smote(m, 300, k, &rng, NULL, &err);
	CHECK(out != NULL);
	CHECK(explained_rows(m, out, nn, k) == 300);
	for (int s = 0; s < 300; s++)
	{
		double		v = RS_CELL(out, s, 1);

		CHECK(v == 0 || v == 1 || v == 2 || v == 3);
	}
	rs_free(nn);
	rs_table_free(out);
	rs_table_free(m);
}

/* Integral columns are rounded; values are clamped to [min, max]. */
static void
test_smote_round_clamp(void)
{
	rs_kind		kinds[2] = {RS_KIND_CONTINUOUS, RS_KIND_CONTINUOUS};
	rs_table   *m = make_table(30, 2, kinds, NULL);
	rs_table   *out;
	rs_rng		rng;
	rs_error	err;
	int			saw_between = 0;

	rs_rng_seed(&rng, 9);
	for (int r = 0; r < 30; r++)
	{
		RS_CELL(m, r, 0) = (double) (r * 3 % 17);
		RS_CELL(m, r, 1) = rs_rng_uniform(&rng) * 100.0;
	}
	m->cols[0].integral = 1;
	m->cols[0].min = 0;
	m->cols[0].max = 16;
	m->cols[1].min = 20;		/* narrower than the data: clamping shows */
	m->cols[1].max = 80;
	out = rs_smote(m, 500, 3, &rng, NULL, &err);
	CHECK(out != NULL);
	for (int s = 0; s < 500; s++)
	{
		double		a = RS_CELL(out, s, 0),
					b = RS_CELL(out, s, 1);

		CHECK(a == floor(a) && a >= 0 && a <= 16);
		CHECK(b >= 20 && b <= 80);
		saw_between += (b > 20 && b < 80);
	}
	CHECK(saw_between > 100);
	rs_table_free(out);
	rs_table_free(m);
}

/* NULLs: kept when the base value is NULL, never invented otherwise. */
static void
test_smote_nulls(void)
{
	rs_kind		kinds[3] = {RS_KIND_CONTINUOUS, RS_KIND_CATEGORICAL, RS_KIND_CATEGORICAL};
	int			n_cats[3] = {0, 2, 3};
	int			n = 100;
	rs_table   *m = make_table(n, 3, kinds, n_cats);
	rs_table   *out;
	rs_rng		rng;
	rs_error	err;
	int		   *nn;
	int			k_used,
				nulls = 0;

	rs_rng_seed(&rng, 13);
	for (int r = 0; r < n; r++)
	{
		RS_CELL(m, r, 0) = r % 3 == 0 ? NAN : rs_rng_normal(&rng);
		RS_CELL(m, r, 1) = NAN; /* all NULL: the majority is NULL */
		RS_CELL(m, r, 2) = r % 2 ? NAN : 2;
	}
	out = rs_smote(m, 3000, 5, &rng, NULL, &err);
	CHECK(out != NULL);
	CHECK(rs_smote_neighbors(m, 5, &nn, &k_used, &err) == RS_OK);
	for (int s = 0; s < 3000; s++)
	{
		double		v2 = RS_CELL(out, s, 2);

		nulls += isnan(RS_CELL(out, s, 0));
		CHECK(isnan(RS_CELL(out, s, 1)));
		CHECK(isnan(v2) || v2 == 2);
	}
	/* 34 of 100 base values are NULL */
	CHECK(nulls > 3000 * 0.28 && nulls < 3000 * 0.40);
	CHECK(explained_rows(m, out, nn, 5) == 3000);
	rs_free(nn);
	rs_table_free(out);
	rs_table_free(m);
}

/* Few minority rows: k shrinks to n - 1; fewer than 2 rows is an error. */
static void
test_smote_small(void)
{
	rs_kind		kinds[2] = {RS_KIND_CONTINUOUS, RS_KIND_CATEGORICAL};
	int			n_cats[2] = {0, 2};
	rs_table   *m = make_table(3, 2, kinds, n_cats);
	rs_table   *one = make_table(1, 2, kinds, n_cats);
	rs_table   *out;
	rs_rng		rng;
	rs_error	err;
	int			k_used = 0;

	rs_rng_seed(&rng, 1);
	for (int r = 0; r < 3; r++)
	{
		RS_CELL(m, r, 0) = r;
		RS_CELL(m, r, 1) = r % 2;
	}
	out = rs_smote(m, 10, 5, &rng, &k_used, &err);
	CHECK(out != NULL && k_used == 2);
	rs_table_free(out);

	out = rs_smote(m, 0, 5, &rng, &k_used, &err);
	CHECK(out != NULL && out->n_rows == 0);
	rs_table_free(out);

	CHECK(rs_smote(m, -1, 5, &rng, NULL, &err) == NULL);
	CHECK(err.code == RS_ERR_INVALID);
	CHECK(rs_smote(m, 5, 0, &rng, NULL, &err) == NULL);
	CHECK(err.code == RS_ERR_INVALID);
	CHECK(rs_smote(one, 5, 5, &rng, NULL, &err) == NULL);
	CHECK(err.code == RS_ERR_INVALID);
	CHECK(strcmp(err.msg, "SMOTE needs at least 2 minority rows, got 1") == 0);

	RS_CELL(m, 1, 1) = 2;		/* not a category of the column */
	CHECK(rs_smote(m, 5, 1, &rng, NULL, &err) == NULL);
	CHECK(err.code == RS_ERR_INVALID);
	CHECK(strstr(err.msg, "category index 2") != NULL);
	RS_CELL(m, 1, 1) = 0;
	RS_CELL(m, 1, 0) = INFINITY;
	CHECK(rs_smote(m, 5, 1, &rng, NULL, &err) == NULL);
	CHECK(err.code == RS_ERR_NUMERIC);
	rs_table_free(m);
	rs_table_free(one);
}

/* Only categorical columns: every value is a neighbour majority. */
static void
test_smote_categorical_only(void)
{
	rs_kind		kinds[2] = {RS_KIND_CATEGORICAL, RS_KIND_CATEGORICAL};
	int			n_cats[2] = {3, 5};
	rs_table   *m = make_table(40, 2, kinds, n_cats);
	rs_table   *out;
	rs_rng		rng;
	rs_error	err;
	int		   *nn,
				k_used;

	rs_rng_seed(&rng, 17);
	for (int r = 0; r < 40; r++)
	{
		RS_CELL(m, r, 0) = (double) rs_rng_below(&rng, 3);
		RS_CELL(m, r, 1) = (double) rs_rng_below(&rng, 5);
	}
	out = rs_smote(m, 200, 4, &rng, NULL, &err);
	CHECK(out != NULL);
	CHECK(rs_smote_neighbors(m, 4, &nn, &k_used, &err) == RS_OK);
	CHECK(explained_rows(m, out, nn, 4) == 200);
	rs_free(nn);
	rs_table_free(out);
	rs_table_free(m);
}

/* A column with more than 65536 categories takes the 32-bit code path. */
static void
test_smote_wide_codes(void)
{
	rs_kind		kinds[3] = {RS_KIND_CONTINUOUS, RS_KIND_CATEGORICAL, RS_KIND_CATEGORICAL};
	int			small[3] = {0, 5, 4};
	int			wide[3] = {0, 70000, 4};
	rs_table   *a = make_table(300, 3, kinds, small);
	rs_table   *b = make_table(300, 3, kinds, wide);
	rs_table   *oa,
			   *ob;
	int		   *nna,
			   *nnb,
				ka,
				kb;
	rs_rng		rng;
	rs_error	err;

	rs_rng_seed(&rng, 31);
	for (int r = 0; r < 300; r++)
	{
		RS_CELL(a, r, 0) = RS_CELL(b, r, 0) = rs_rng_normal(&rng);
		RS_CELL(a, r, 1) = RS_CELL(b, r, 1) = r % 9 ? (double) rs_rng_below(&rng, 5) : NAN;
		RS_CELL(a, r, 2) = RS_CELL(b, r, 2) = (double) rs_rng_below(&rng, 4);
	}
	CHECK(rs_smote_neighbors(a, 5, &nna, &ka, &err) == RS_OK);
	CHECK(rs_smote_neighbors(b, 5, &nnb, &kb, &err) == RS_OK);
	CHECK(memcmp(nna, nnb, sizeof(int) * 300 * 5) == 0);
	rs_rng_seed(&rng, 1);
	oa = rs_smote(a, 100, 5, &rng, NULL, &err);
	rs_rng_seed(&rng, 1);
	ob = rs_smote(b, 100, 5, &rng, NULL, &err);
	CHECK(oa && ob);
	CHECK(memcmp(oa->values, ob->values, sizeof(double) * 100 * 3) == 0);
	CHECK(explained_rows(a, oa, nna, 5) == 100);
	rs_free(nna);
	rs_free(nnb);
	rs_table_free(oa);
	rs_table_free(ob);
	rs_table_free(a);
	rs_table_free(b);
}

static int	interrupt_calls;

static void
count_interrupt(void)
{
	interrupt_calls++;
}

/* Same seed, same rows; another seed, other rows; interrupts are polled. */
static void
test_smote_determinism(void)
{
	rs_kind		kinds[3] = {RS_KIND_CONTINUOUS, RS_KIND_CATEGORICAL, RS_KIND_CONTINUOUS};
	int			n_cats[3] = {0, 6, 0};
	rs_table   *m = make_table(700, 3, kinds, n_cats);
	rs_table   *a,
			   *b,
			   *c;
	rs_rng		rng;
	rs_error	err;

	rs_rng_seed(&rng, 21);
	for (int r = 0; r < 700; r++)
	{
		RS_CELL(m, r, 0) = rs_rng_normal(&rng);
		RS_CELL(m, r, 1) = (double) rs_rng_below(&rng, 6);
		RS_CELL(m, r, 2) = r % 11 ? rs_rng_uniform(&rng) : NAN;
	}
	rs_set_interrupt_check(count_interrupt);
	rs_rng_seed(&rng, 42);
	a = rs_smote(m, 2000, 5, &rng, NULL, &err);
	rs_rng_seed(&rng, 42);
	b = rs_smote(m, 2000, 5, &rng, NULL, &err);
	rs_rng_seed(&rng, 43);
	c = rs_smote(m, 2000, 5, &rng, NULL, &err);
	rs_set_interrupt_check(NULL);
	CHECK(a && b && c);
	CHECK(memcmp(a->values, b->values, sizeof(double) * 2000 * 3) == 0);
	CHECK(memcmp(a->values, c->values, sizeof(double) * 2000 * 3) != 0);
	CHECK(interrupt_calls >= 3 * 3);	/* 3 block pairs each, and more */
	rs_table_free(a);
	rs_table_free(b);
	rs_table_free(c);
	rs_table_free(m);
}

/* ---------------------------------------------------------------- SMOTE, dense */

/*
 * Is row i of X (n x d) among the k nearest of row j?  Brute force:
 * fewer than k other rows are strictly closer to j.  (The data below is
 * continuous random, so there are no ties.)
 */
static int
is_knn(const double *X, int n, int d, int j, int i, int k)
{
	double		dij = sqdist(X, d, j, i);
	int			closer = 0;

	if (i == j)
		return 0;
	for (int q = 0; q < n; q++)
		if (q != j && q != i && sqdist(X, d, j, q) < dij)
			closer++;
	return closer < k;
}

/*
 * Does o lie on the segment from row a toward row b, o = a + u (b - a)
 * with 0 <= u < 1?  *u gets the step.
 */
static int
on_segment(const double *X, int d, int a, int b, const double *o, double *u)
{
	const double *xa = X + (size_t) a * d;
	const double *xb = X + (size_t) b * d;
	int			best = 0;
	double		step;

	for (int c = 1; c < d; c++)
		if (fabs(xb[c] - xa[c]) > fabs(xb[best] - xa[best]))
			best = c;
	if (xb[best] == xa[best])
		return 0;
	step = (o[best] - xa[best]) / (xb[best] - xa[best]);
	if (step < -1e-12 || step >= 1.0 + 1e-12)
		return 0;
	for (int c = 0; c < d; c++)
		if (fabs(xa[c] + step * (xb[c] - xa[c]) - o[c]) > 1e-9)
			return 0;
	*u = step;
	return 1;
}

/*
 * Every synthetic row lies on a segment from some input row to one of its
 * k nearest neighbours; returns the count of rows that do not, and the
 * largest step seen in *max_u.
 */
static int
count_off_segment(const double *X, int n, int d, int k, const double *out,
				  int n_new, double *max_u)
{
	int			bad = 0;

	*max_u = 0.0;
	for (int s = 0; s < n_new; s++)
	{
		const double *o = out + (size_t) s * d;
		int			found = 0;

		for (int a = 0; a < n && !found; a++)
			for (int b = 0; b < n && !found; b++)
			{
				double		u;

				if (a != b && on_segment(X, d, a, b, o, &u) &&
					is_knn(X, n, d, a, b, k))
				{
					found = 1;
					if (u > *max_u)
						*max_u = u;
				}
			}
		if (!found)
			bad++;
	}
	return bad;
}

/* Synthetic rows on segments to one of the k nearest (brute force). */
static void
test_smote_dense_segments(void)
{
	int			n = 30,
				d = 3,
				k = 4,
				n_new = 200,
				k_used = -1,
				bad;
	double	   *X = malloc(sizeof(double) * n * d);
	double	   *out = malloc(sizeof(double) * n_new * d);
	double		max_u;
	int		   *base_used = calloc(n, sizeof(int));
	int			bases = 0;
	rs_rng		rng;
	rs_error	err;

	rs_rng_seed(&rng, 21);
	for (int i = 0; i < n * d; i++)
		X[i] = rs_rng_normal(&rng);
	/* one far-away row: far from all, so only its k nearest may pair with it */
	X[0] = 50;
	rs_rng_seed(&rng, 22);
	CHECK(rs_smote_dense(X, n, d, n_new, k, &rng, out, &k_used, &err) == RS_OK);
	CHECK(k_used == k);
	bad = count_off_segment(X, n, d, k, out, n_new, &max_u);
	CHECK(bad == 0);
	CHECK(max_u > 0.9);			/* steps spread over [0, 1) */

	/* the k nearest, not just any row: with k = 1 only the nearest one */
	rs_rng_seed(&rng, 23);
	CHECK(rs_smote_dense(X, n, d, n_new, 1, &rng, out, &k_used, &err) == RS_OK);
	CHECK(k_used == 1);
	CHECK(count_off_segment(X, n, d, 1, out, n_new, &max_u) == 0);

	/* bases are spread over the rows (uniform pick of n*k pairs) */
	for (int s = 0; s < n_new; s++)
		for (int a = 0; a < n; a++)
		{
			double		u;

			for (int b = 0; b < n; b++)
				if (a != b && is_knn(X, n, d, a, b, 1) &&
					on_segment(X, d, a, b, out + (size_t) s * d, &u))
					base_used[a] = 1;
		}
	for (int a = 0; a < n; a++)
		bases += base_used[a];
	CHECK(bases >= n - 5);

	free(X);
	free(out);
	free(base_used);
}

/* k > n - 1, bad arguments, determinism. */
static void
test_smote_dense_small_and_errors(void)
{
	double		X[3 * 2] = {0, 0, 1, 0, 0, 2};
	double		out[40 * 2],
				out2[40 * 2];
	double		max_u;
	int			k_used = -1;
	rs_rng		rng;
	rs_error	err;

	/* 3 rows, k = 5: every other row is a neighbour, k_used 2 */
	rs_rng_seed(&rng, 5);
	CHECK(rs_smote_dense(X, 3, 2, 40, 5, &rng, out, &k_used, &err) == RS_OK);
	CHECK(k_used == 2);
	CHECK(count_off_segment(X, 3, 2, 2, out, 40, &max_u) == 0);
	/* k_used may be NULL */
	rs_rng_seed(&rng, 5);
	CHECK(rs_smote_dense(X, 3, 2, 40, 5, &rng, out2, NULL, &err) == RS_OK);
	CHECK(memcmp(out, out2, sizeof(out)) == 0);

	/* two rows: every synthetic row on the one segment */
	rs_rng_seed(&rng, 6);
	CHECK(rs_smote_dense(X, 2, 2, 40, 5, &rng, out, &k_used, &err) == RS_OK);
	CHECK(k_used == 1);
	for (int s = 0; s < 40; s++)
		CHECK(out[s * 2 + 1] == 0.0 && out[s * 2] >= 0.0 && out[s * 2] < 1.0);

	/* n_new 0: nothing written, still OK */
	out[0] = -7;
	CHECK(rs_smote_dense(X, 3, 2, 0, 5, &rng, out, &k_used, &err) == RS_OK);
	CHECK(out[0] == -7);

	/* fewer than 2 rows, k < 1, d < 1, n_new < 0 */
	k_used = -1;
	CHECK(rs_smote_dense(X, 1, 2, 10, 5, &rng, out, &k_used, &err) == RS_ERR_INVALID);
	CHECK(strstr(err.msg, "at least 2") != NULL);
	CHECK(rs_smote_dense(X, 0, 2, 10, 5, &rng, out, &k_used, &err) == RS_ERR_INVALID);
	CHECK(rs_smote_dense(X, 3, 2, 10, 0, &rng, out, &k_used, &err) == RS_ERR_INVALID);
	CHECK(rs_smote_dense(X, 3, 0, 10, 2, &rng, out, &k_used, &err) == RS_ERR_INVALID);
	CHECK(rs_smote_dense(X, 3, 2, -1, 2, &rng, out, &k_used, &err) == RS_ERR_INVALID);
}

static void
test_smote_dense_deterministic(void)
{
	int			n = 50,
				d = 4,
				n_new = 120;
	double	   *X = malloc(sizeof(double) * n * d);
	double	   *a = malloc(sizeof(double) * n_new * d);
	double	   *b = malloc(sizeof(double) * n_new * d);
	rs_rng		rng;
	rs_error	err;

	rs_rng_seed(&rng, 31);
	for (int i = 0; i < n * d; i++)
		X[i] = rs_rng_normal(&rng);
	rs_rng_seed(&rng, 32);
	CHECK(rs_smote_dense(X, n, d, n_new, 5, &rng, a, NULL, &err) == RS_OK);
	rs_rng_seed(&rng, 32);
	CHECK(rs_smote_dense(X, n, d, n_new, 5, &rng, b, NULL, &err) == RS_OK);
	CHECK(memcmp(a, b, sizeof(double) * n_new * d) == 0);
	rs_rng_seed(&rng, 33);
	CHECK(rs_smote_dense(X, n, d, n_new, 5, &rng, b, NULL, &err) == RS_OK);
	CHECK(memcmp(a, b, sizeof(double) * n_new * d) != 0);
	free(X);
	free(a);
	free(b);
}

int
main(void)
{
	RUN(test_knn_brute_force);
	RUN(test_knn_ties);
	RUN(test_smote_segments);
	RUN(test_smote_nc);
	RUN(test_smote_round_clamp);
	RUN(test_smote_nulls);
	RUN(test_smote_small);
	RUN(test_smote_categorical_only);
	RUN(test_smote_wide_codes);
	RUN(test_smote_determinism);
	RUN(test_smote_dense_segments);
	RUN(test_smote_dense_small_and_errors);
	RUN(test_smote_dense_deterministic);
	return unit_summary("test_smote");
}

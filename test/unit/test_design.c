/*
 * test_design.c
 *	  Unit tests of the classifier's feature matrices: the column
 *	  transformer (standardised, indicators, one-hot, unseen values) and
 *	  the design matrix (integer categories as numbers, one-hot text,
 *	  standardisation with the training statistics, missing indicators,
 *	  unseen categories, errors).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "design.h"
#include "tables.h"
#include "unit.h"

/* ---------------------------------------------------------------- the column transformer */

/* Feature layout: standardised, indicators, one-hot; unseen values. */
static void
test_features_layout(void)
{
	rs_error	err;
	rs_table   *t = rs_table_create(4, 3, &err);
	rs_table   *u = rs_table_create(2, 3, &err);
	rs_features f;
	int			cols[2] = {2, 0};	/* the middle column is not used */
	double		X[4 * 6],
				Y[2 * 6];
	double		v[] = {
		0, 9, 1,
		1, 9, NAN,
		NAN, 9, 3,
		0, 9, 5,
	};

	t->cols[0].kind = RS_KIND_CATEGORICAL;
	t->cols[0].n_categories = 3;
	t->cols[0].categories = malloc(3 * sizeof(char *));
	for (int k = 0; k < 3; k++)
		t->cols[0].categories[k] = rs_strdup(k == 0 ? "a" : k == 1 ? "b" : "c");
	t->cols[1].kind = RS_KIND_CONTINUOUS;
	t->cols[2].kind = RS_KIND_CONTINUOUS;
	memcpy(t->values, v, sizeof(v));
	rs_table_copy_specs(u, t, &err);
	CHECK(rs_features_fit(&f, t, cols, 2, &err) == RS_OK);
	/* c2 standardised, c2 indicator, c0 = 0, 1, NULL (2 unseen) */
	CHECK(f.n_features == 5);
	CHECK(rs_features_transform(&f, t, X, &err) == RS_OK);
	{
		double		sd = sqrt(((1 - 3.0) * (1 - 3.0) + 0 + 4) / 3.0);
		double		expect[4][5] = {
			{-2 / sd, 0, 1, 0, 0},
			{0, 1, 0, 1, 0},
			{0, 0, 0, 0, 1},
			{2 / sd, 0, 1, 0, 0},
		};

		for (int r = 0; r < 4; r++)
			for (int j = 0; j < 5; j++)
				CHECK_NEAR(X[r * 5 + j], expect[r][j], 1e-12);
	}
	/* unseen category 2 and a value out of range: all zeros */
	RS_CELL(u, 0, 0) = 2;
	RS_CELL(u, 0, 2) = 3;
	RS_CELL(u, 1, 0) = 7;
	RS_CELL(u, 1, 2) = NAN;
	CHECK(rs_features_transform(&f, u, Y, &err) == RS_OK);
	for (int j = 2; j < 5; j++)
	{
		CHECK(Y[j] == 0.0);
		CHECK(Y[5 + j] == 0.0);
	}
	CHECK(Y[5 + 1] == 1.0);
	rs_features_free(&f);

	/* a bad category index in training is an error */
	RS_CELL(t, 0, 0) = 3;
	CHECK(rs_features_fit(&f, t, cols, 2, &err) == RS_ERR_INVALID);
	CHECK(strstr(err.msg, "category index") != NULL);
	cols[0] = 5;
	CHECK(rs_features_fit(&f, t, cols, 2, &err) == RS_ERR_INVALID);
	rs_table_free(t);
	rs_table_free(u);
}

/* ---------------------------------------------------------------- the design matrix */

static const char *const int_cats[] = {"1", "2", "10"};
static const char *const text_cats[] = {"a", "b", "c"};

/*
 * Training table: x continuous with NULLs, score categorical with integer
 * categories 1, 2, 10, letter categorical a/b/NULL ("c" never seen).
 */
#define DN 8
static const double d_x[DN] = {1.0, 2.0, NAN, 4.0, 7.0, NAN, 3.0, 5.0};
static const int d_score[DN] = {0, 1, 2, 2, 0, 1, 0, 2};	/* 1 2 10 10 1 2 1 10 */
static const double d_letter[DN] = {0, 1, 0, NAN, 1, 0, 0, 1};

static rs_table *
design_table(int n)
{
	rs_error	err;
	rs_table   *t = rs_table_create(n, 3, &err);

	set_continuous(t, 0, "x");
	set_categorical(t, 1, "score", 3, int_cats);
	set_categorical(t, 2, "letter", 3, text_cats);
	return t;
}

/* Population mean and sd of v[0..n-1]. */
static void
pop_mean_sd(const double *v, int n, double *m, double *s)
{
	double		a = 0,
				b = 0;

	for (int i = 0; i < n; i++)
		a += v[i];
	a /= n;
	for (int i = 0; i < n; i++)
		b += (v[i] - a) * (v[i] - a);
	*m = a;
	*s = sqrt(b / n);
}

static void
test_design_features(void)
{
	rs_table   *tr = design_table(DN);
	rs_table   *te = design_table(3);
	rs_design	d;
	rs_error	err;
	double	   *X;
	double		Xte[3 * 6];
	double		zx[DN],
				num[DN],
				ind[DN],
				oh[3][DN];
	double		mux = 0,
				sdx = 0,
				m,
				s,
				m2,
				s2;
	int			nx = 0;

	for (int r = 0; r < DN; r++)
	{
		RS_CELL(tr, r, 0) = d_x[r];
		RS_CELL(tr, r, 1) = d_score[r];
		RS_CELL(tr, r, 2) = d_letter[r];
	}
	set_ranges(tr);
	CHECK(rs_design_fit(&d, tr, &err) == RS_OK);

	/*
	 * x, score as a number, x's missing indicator, letter a, b, NULL:
	 * six features (one-hot score would make eight).
	 */
	CHECK(d.p == 6);
	CHECK(d.numeric && d.numeric[1] && !d.numeric[0] && !d.numeric[2]);
	if (d.numeric && d.numeric[1])
		CHECK(d.numeric[1][0] == 1 && d.numeric[1][1] == 2 && d.numeric[1][2] == 10);
	if (d.p != 6)
	{
		rs_design_free(&d);
		rs_table_free(tr);
		rs_table_free(te);
		return;
	}

	/* on the training table: every feature mean 0, population sd 1 */
	X = malloc(sizeof(double) * DN * d.p);
	CHECK(rs_design_transform(&d, tr, X, &err) == RS_OK);
	for (int k = 0; k < d.p; k++)
	{
		double		col[DN];

		for (int r = 0; r < DN; r++)
			col[r] = X[r * d.p + k];
		pop_mean_sd(col, DN, &m, &s);
		CHECK_NEAR(m, 0.0, 1e-12);
		CHECK_NEAR(s, 1.0, 1e-12);
	}

	/* the expected features, by hand from the raw training values */
	for (int r = 0; r < DN; r++)
		if (!isnan(d_x[r]))
		{
			mux += d_x[r];
			nx++;
		}
	mux /= nx;
	for (int r = 0; r < DN; r++)
		if (!isnan(d_x[r]))
			sdx += (d_x[r] - mux) * (d_x[r] - mux);
	sdx = sqrt(sdx / nx);
	for (int r = 0; r < DN; r++)
	{
		zx[r] = isnan(d_x[r]) ? 0.0 : (d_x[r] - mux) / sdx;
		num[r] = strtod(int_cats[d_score[r]], NULL);
		ind[r] = isnan(d_x[r]);
		oh[0][r] = d_letter[r] == 0;
		oh[1][r] = d_letter[r] == 1;
		oh[2][r] = isnan(d_letter[r]);
	}
	/* training row 4 (x 7, score "1", letter b), feature by feature */
	pop_mean_sd(zx, DN, &m, &s);
	CHECK_NEAR(X[4 * 6 + 0], (zx[4] - m) / s, 1e-12);
	pop_mean_sd(num, DN, &m, &s);
	CHECK_NEAR(X[4 * 6 + 1], (1.0 - m) / s, 1e-12);
	/* "10" is ten: its row is far above "2"'s */
	CHECK(X[2 * 6 + 1] - X[1 * 6 + 1] > 3.0 * (X[1 * 6 + 1] - X[0 * 6 + 1]));
	pop_mean_sd(ind, DN, &m, &s);
	CHECK_NEAR(X[4 * 6 + 2], (0.0 - m) / s, 1e-12);
	CHECK_NEAR(X[2 * 6 + 2], (1.0 - m) / s, 1e-12);
	pop_mean_sd(oh[1], DN, &m, &s);
	CHECK_NEAR(X[4 * 6 + 4], (1.0 - m) / s, 1e-12);

	/*
	 * Test rows, with the training statistics: (x 10, score "10", letter
	 * "c" unseen), (x NULL, score NULL, letter NULL), (x 1, "2", a).
	 */
	RS_CELL(te, 0, 0) = 10;
	RS_CELL(te, 0, 1) = 2;
	RS_CELL(te, 0, 2) = 2;
	RS_CELL(te, 1, 0) = RS_NULL;
	RS_CELL(te, 1, 1) = RS_NULL;
	RS_CELL(te, 1, 2) = RS_NULL;
	RS_CELL(te, 2, 0) = 1;
	RS_CELL(te, 2, 1) = 1;
	RS_CELL(te, 2, 2) = 0;
	CHECK(rs_design_transform(&d, te, Xte, &err) == RS_OK);

	pop_mean_sd(zx, DN, &m, &s);
	CHECK_NEAR(Xte[0], ((10.0 - mux) / sdx - m) / s, 1e-12);
	CHECK_NEAR(Xte[6 + 0], (0.0 - m) / s, 1e-12);	/* NULL: the mean */
	CHECK_NEAR(Xte[12 + 0], ((1.0 - mux) / sdx - m) / s, 1e-12);
	pop_mean_sd(num, DN, &m2, &s2);
	CHECK_NEAR(Xte[1], (10.0 - m2) / s2, 1e-12);
	CHECK_NEAR(Xte[12 + 1], (2.0 - m2) / s2, 1e-12);
	/* a NULL integer category: the training mean, so 0 */
	CHECK_NEAR(Xte[6 + 1], 0.0, 1e-12);
	pop_mean_sd(ind, DN, &m, &s);
	CHECK_NEAR(Xte[2], (0.0 - m) / s, 1e-12);
	CHECK_NEAR(Xte[6 + 2], (1.0 - m) / s, 1e-12);	/* missing indicator */
	for (int k = 0; k < 3; k++)
	{
		pop_mean_sd(oh[k], DN, &m, &s);
		/* unseen "c": zeros before scaling */
		CHECK_NEAR(Xte[3 + k], (0.0 - m) / s, 1e-12);
		/* NULL letter: the NULL slot */
		CHECK_NEAR(Xte[6 + 3 + k], ((k == 2 ? 1.0 : 0.0) - m) / s, 1e-12);
		CHECK_NEAR(Xte[12 + 3 + k], ((k == 0 ? 1.0 : 0.0) - m) / s, 1e-12);
	}

	free(X);
	rs_design_free(&d);
	CHECK(d.numeric == NULL && d.mean == NULL && d.p == 0);
	rs_design_free(&d);			/* twice: harmless */
	rs_table_free(tr);
	rs_table_free(te);
}

/* Mixed or non-integer category texts stay one-hot; constants stay 0. */
static void
test_design_one_hot_and_constants(void)
{
	static const char *const mixed[] = {"1", "x"};
	static const char *const decimal[] = {"1.5", "2"};
	static const char *const blank[] = {"", "3"};
	static const char *const neg[] = {"-4", "7", "0"};
	rs_error	err;
	rs_table   *t = rs_table_create(6, 6, &err);
	rs_design	d;
	double		X[6 * 16];

	set_categorical(t, 0, "mixed", 2, mixed);
	set_categorical(t, 1, "decimal", 2, decimal);
	set_categorical(t, 2, "blank", 2, blank);
	set_categorical(t, 3, "neg", 3, neg);
	set_continuous(t, 4, "constant");
	set_continuous(t, 5, "v");
	for (int r = 0; r < 6; r++)
	{
		RS_CELL(t, r, 0) = r % 2;
		RS_CELL(t, r, 1) = r % 2;
		RS_CELL(t, r, 2) = r % 2;
		RS_CELL(t, r, 3) = r % 3;
		RS_CELL(t, r, 4) = 3.25;
		RS_CELL(t, r, 5) = r * r;
	}
	set_ranges(t);
	CHECK(rs_design_fit(&d, t, &err) == RS_OK);
	/* neg, constant, v as numbers; mixed, decimal, blank one-hot (2 each) */
	CHECK(d.p == 3 + 6);
	CHECK(d.numeric && d.numeric[3] && !d.numeric[0] && !d.numeric[1] && !d.numeric[2]);
	if (d.p == 9)
	{
		CHECK(rs_design_transform(&d, t, X, &err) == RS_OK);
		for (int r = 0; r < 6; r++)
		{
			/* continuous features come first, in column order: neg, constant, v */
			CHECK(X[r * 9 + 1] == 0.0);
			CHECK(X[r * 9 + 2] > (r ? X[(r - 1) * 9 + 2] : -INFINITY));
		}
		/* neg as the numbers -4, 7, 0 (not their order, 0 1 2) */
		CHECK(X[0 * 9 + 0] < X[2 * 9 + 0] && X[2 * 9 + 0] < X[1 * 9 + 0]);
		CHECK_NEAR((X[1 * 9 + 0] - X[2 * 9 + 0]) / (X[2 * 9 + 0] - X[0 * 9 + 0]), 7.0 / 4.0, 1e-12);
	}
	rs_design_free(&d);
	rs_table_free(t);
}

/* Bad tables fail cleanly, leaving the design empty. */
static void
test_design_errors(void)
{
	rs_error	err;
	rs_table   *t = rs_table_create(4, 2, &err);
	rs_design	d;

	set_continuous(t, 0, "x");
	set_categorical(t, 1, "score", 3, int_cats);
	for (int r = 0; r < 4; r++)
	{
		RS_CELL(t, r, 0) = r;
		RS_CELL(t, r, 1) = r % 3;
	}
	RS_CELL(t, 2, 0) = INFINITY;
	CHECK(rs_design_fit(&d, t, &err) == RS_ERR_NUMERIC);
	CHECK(d.numeric == NULL && d.mean == NULL && d.f.cols == NULL);
	rs_design_free(&d);

	RS_CELL(t, 2, 0) = 2;
	t->cols[0].kind = 0;
	CHECK(rs_design_fit(&d, t, &err) == RS_ERR_INVALID);
	CHECK(d.numeric == NULL && d.f.cols == NULL);
	rs_design_free(&d);

	/* a table of another shape at transform time */
	t->cols[0].kind = RS_KIND_CONTINUOUS;
	CHECK(rs_design_fit(&d, t, &err) == RS_OK);
	{
		rs_error	e2;
		rs_table   *u = rs_table_create(1, 2, &e2);
		double		X[8];

		set_categorical(u, 0, "x", 3, int_cats);
		set_categorical(u, 1, "score", 3, int_cats);
		RS_CELL(u, 0, 0) = 1;
		RS_CELL(u, 0, 1) = 1;
		/* x categorical with integer texts, but not in the fitted design */
		CHECK(rs_design_transform(&d, u, X, &e2) == RS_ERR_INVALID);
		rs_table_free(u);
	}
	rs_design_free(&d);
	rs_table_free(t);
}

/*
 * rs_design_encode is rs_design_fit on train and rs_design_transform of
 * both tables, bit for bit; a failed fit leaves nothing to leak.
 */
static void
test_design_encode(void)
{
	rs_table   *tr = design_table(DN);
	rs_table   *te = design_table(3);
	rs_design	d,
				e;
	rs_error	err;
	double	   *Xtr,
			   *Xte,
				X[DN * 6],
				Y[3 * 6];

	for (int r = 0; r < DN; r++)
	{
		RS_CELL(tr, r, 0) = d_x[r];
		RS_CELL(tr, r, 1) = d_score[r];
		RS_CELL(tr, r, 2) = d_letter[r];
	}
	for (int r = 0; r < 3; r++)
	{
		RS_CELL(te, r, 0) = r * 3.5;
		RS_CELL(te, r, 1) = 2 - r;
		RS_CELL(te, r, 2) = r == 1 ? RS_NULL : r;
	}
	set_ranges(tr);
	CHECK(rs_design_encode(&d, tr, te, &Xtr, &Xte, &err) == RS_OK);
	CHECK(rs_design_fit(&e, tr, &err) == RS_OK);
	CHECK(d.p == 6 && e.p == 6);
	if (d.p == 6 && e.p == 6)
	{
		CHECK(rs_design_transform(&e, tr, X, &err) == RS_OK);
		CHECK(rs_design_transform(&e, te, Y, &err) == RS_OK);
		CHECK(memcmp(Xtr, X, sizeof(X)) == 0);
		CHECK(memcmp(Xte, Y, sizeof(Y)) == 0);
	}
	rs_design_free(&d);
	rs_design_free(&e);
	rs_free(Xtr);
	rs_free(Xte);

	/* an infinite value: the fit fails, the matrices stay NULL */
	RS_CELL(tr, 0, 0) = INFINITY;
	CHECK(rs_design_encode(&d, tr, te, &Xtr, &Xte, &err) == RS_ERR_NUMERIC);
	CHECK(Xtr == NULL && Xte == NULL && d.numeric == NULL);
	rs_design_free(&d);
	rs_table_free(tr);
	rs_table_free(te);
}

int
main(void)
{
	RUN(test_features_layout);
	RUN(test_design_features);
	RUN(test_design_one_hot_and_constants);
	RUN(test_design_errors);
	RUN(test_design_encode);
	return unit_summary("test_design");
}

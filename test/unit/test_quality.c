/*
 * test_quality.c
 *	  Unit tests of the fidelity, validity and privacy metrics against
 *	  hand-computed values.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quality.h"
#include "unit.h"

#define N RS_NULL

/* Table of n rows; kinds 'c' continuous, 'i' integral, 'k' categorical of
 * ncat categories; values row-major from vals (may be NULL). */
static rs_table *
make(int n, const char *kinds, int ncat, const double *vals)
{
	rs_error	err;
	int			nc = (int) strlen(kinds);
	rs_table   *t = rs_table_create(n, nc, &err);

	for (int c = 0; c < nc; c++)
	{
		t->cols[c].kind = kinds[c] == 'k' ? RS_KIND_CATEGORICAL : RS_KIND_CONTINUOUS;
		t->cols[c].integral = kinds[c] == 'i';
		if (kinds[c] == 'k')
		{
			t->cols[c].n_categories = ncat;
			t->cols[c].categories = rs_alloc_array((size_t) ncat, sizeof(char *));
			for (int k = 0; k < ncat; k++)
				t->cols[c].categories[k] = rs_strdup("x");
		}
	}
	if (vals)
		memcpy(t->values, vals, sizeof(double) * (size_t) n * nc);
	return t;
}

static void
test_ks(void)
{
	double		r1[] = {1, 2, N, 3, 4};
	double		s1[] = {6, 5, 4, 3};
	double		r2[] = {1, 1, 2};
	double		s2[] = {2, 1, 2};
	double		nul[] = {N, N};
	rs_table   *a = make(5, "c", 0, r1),
			   *b = make(4, "c", 0, s1);
	rs_error	err;
	double		s;

	/* F_real - F_syn: 1:.25 2:.5 3:.5 4:.5 5:.25 6:0 -> D = .5 */
	CHECK(rs_quality_ks(a, b, 0, &s, &err) == RS_OK);
	CHECK_NEAR(s, 0.5, 1e-12);
	CHECK(rs_quality_ks(a, a, 0, &s, &err) == RS_OK);
	CHECK_NEAR(s, 1.0, 1e-12);
	rs_table_free(a);
	rs_table_free(b);

	/* ties: at 1, 2/3 vs 1/3; at 2, 1 vs 1 -> D = 1/3 */
	a = make(3, "c", 0, r2);
	b = make(3, "c", 0, s2);
	CHECK(rs_quality_ks(a, b, 0, &s, &err) == RS_OK);
	CHECK_NEAR(s, 2.0 / 3.0, 1e-12);
	rs_table_free(b);

	/* no values on one side: undefined */
	b = make(2, "c", 0, nul);
	CHECK(rs_quality_ks(a, b, 0, &s, &err) == RS_OK);
	CHECK(isnan(s));
	rs_table_free(b);

	/* disjoint: D = 1 */
	{
		double		far[] = {10, 11, 12};

		b = make(3, "c", 0, far);
		CHECK(rs_quality_ks(a, b, 0, &s, &err) == RS_OK);
		CHECK_NEAR(s, 0.0, 1e-12);
		rs_table_free(b);
	}
	rs_table_free(a);
}

static void
test_tv(void)
{
	double		r[] = {0, 0, 1, N};
	double		s[] = {0, 1, 1, 2};
	double		s2[] = {0, 7, N, 1.5};	/* two invalid values */
	rs_table   *a = make(4, "k", 3, r),
			   *b = make(4, "k", 3, s);
	rs_error	err;
	double		v;

	/* real (.5,.25,0 | null .25), syn (.25,.5,.25 | 0): sum |d| = 1 */
	CHECK(rs_quality_tv(a, b, 0, &v, &err) == RS_OK);
	CHECK_NEAR(v, 0.5, 1e-12);
	CHECK(rs_quality_tv(a, a, 0, &v, &err) == RS_OK);
	CHECK_NEAR(v, 1.0, 1e-12);
	rs_table_free(b);

	/* syn (.25,0,0 | null .25 | invalid .5): |.25|+|.25|+0+0+|.5| = 1 */
	b = make(4, "k", 3, s2);
	CHECK(rs_quality_tv(a, b, 0, &v, &err) == RS_OK);
	CHECK_NEAR(v, 0.5, 1e-12);
	rs_table_free(b);

	/* different sizes: real 4 rows, syn 2 rows (0, 1): (.5,.5,0,0) */
	{
		double		s3[] = {0, 1};

		b = make(2, "k", 3, s3);
		CHECK(rs_quality_tv(a, b, 0, &v, &err) == RS_OK);
		/* |.5-.5| + |.25-.5| + 0 + |.25-0| = .5 */
		CHECK_NEAR(v, 0.75, 1e-12);
		rs_table_free(b);
	}
	/* wrong kind */
	CHECK(rs_quality_ks(a, a, 0, &v, &err) == RS_ERR_INVALID);
	rs_table_free(a);
}

static void
test_corr(void)
{
	double		r[] = {1, 2, 2, 4, 3, 6, 4, 8, N, 1};	/* r = 1 */
	double		s_neg[] = {1, 8, 2, 6, 3, 4, 4, 2};	/* r = -1 */
	double		s_zero[] = {1, 1, 2, -1, 3, -1, 4, 1};	/* r = 0 */
	double		s_const[] = {1, 5, 2, 5, 3, 5};
	rs_table   *a = make(5, "cc", 0, r),
			   *b;

	CHECK_NEAR(rs_quality_corr(a, a, 0, 1), 1.0, 1e-12);
	b = make(4, "cc", 0, s_neg);
	CHECK_NEAR(rs_quality_corr(a, b, 0, 1), 0.0, 1e-12);
	rs_table_free(b);
	b = make(4, "cc", 0, s_zero);
	CHECK_NEAR(rs_quality_corr(a, b, 0, 1), 0.5, 1e-12);
	rs_table_free(b);
	b = make(3, "cc", 0, s_const);
	CHECK(isnan(rs_quality_corr(a, b, 0, 1)));
	rs_table_free(b);
	rs_table_free(a);
}

static void
test_exact_matches(void)
{
	double		r[] = {
		1.0, 0,
		2.0, N,
		N, 1,
		0.0, 2,
	};
	double		s[] = {
		1.0, 0,					/* match */
		2.0, N,					/* match, NULL = NULL */
		2.0, 1,					/* no */
		N, 1,					/* match */
		-0.0, 2,				/* match, -0 = 0 */
		1.0, 1,					/* no */
		1.0, 0,					/* match again */
		N, N,					/* no */
	};
	rs_table   *a = make(4, "ck", 3, r),
			   *b = make(8, "ck", 3, s),
			   *e = make(0, "ck", 3, NULL);
	rs_error	err;

	CHECK(rs_quality_exact_matches(a, b, &err) == 5);
	CHECK(rs_quality_exact_matches(a, a, &err) == 4);
	CHECK(rs_quality_exact_matches(b, a, &err) == 4);
	CHECK(rs_quality_exact_matches(e, b, &err) == 0);
	CHECK(rs_quality_exact_matches(a, e, &err) == 0);
	rs_table_free(a);
	rs_table_free(b);
	rs_table_free(e);
}

static void
test_dcr(void)
{
	/* real: continuous range [0, 10], categorical */
	double		r[] = {
		0, 0,
		10, 1,
	};
	double		s[] = {
		5, 0,					/* to r0: (.5 + 0)/2 = .25; r1: .75 */
		0, 0,					/* 0 */
		20, 1,					/* to r1: (min(1, 1) + 0)/2 = .5 */
		N, 1,					/* to r1: (1 + 0)/2 = .5 */
	};
	rs_table   *a = make(2, "ck", 2, r),
			   *b = make(4, "ck", 2, s);
	rs_dcr		d;
	rs_error	err;
	rs_rng		rng;

	CHECK(rs_quality_dcr(a, b, 0, NULL, &d, &err) == RS_OK);
	CHECK(d.n_rows == 4);
	CHECK_NEAR(d.mean, (0.25 + 0 + 0.5 + 0.5) / 4, 1e-12);
	CHECK_NEAR(d.median, (0.25 + 0.5) / 2, 1e-12);
	CHECK(d.n_zero == 1);

	/* against itself: all 0 */
	CHECK(rs_quality_dcr(a, a, 0, NULL, &d, &err) == RS_OK);
	CHECK(d.n_rows == 2 && d.mean == 0.0 && d.median == 0.0 && d.n_zero == 2);

	/* sampled: 3 of 4 rows, deterministic given the seed */
	{
		rs_dcr		d2;

		rs_rng_seed(&rng, 3);
		CHECK(rs_quality_dcr(a, b, 3, &rng, &d, &err) == RS_OK);
		rs_rng_seed(&rng, 3);
		CHECK(rs_quality_dcr(a, b, 3, &rng, &d2, &err) == RS_OK);
		CHECK(d.n_rows == 3);
		CHECK(d.mean == d2.mean && d.median == d2.median);
		CHECK(d.median == 0.25 || d.median == 0.5);
		CHECK(rs_quality_dcr(a, b, 3, NULL, &d, &err) == RS_ERR_INVALID);
	}

	/* no reference rows: undefined */
	{
		rs_table   *e = make(0, "ck", 2, NULL);

		CHECK(rs_quality_dcr(e, b, 0, NULL, &d, &err) == RS_OK);
		CHECK(d.n_rows == 0 && isnan(d.mean) && isnan(d.median));
		rs_table_free(e);
	}
	rs_table_free(a);
	rs_table_free(b);
}

static void
test_compute(void)
{
	double		r[] = {
		1, 10, 0,
		2, 20, 1,
		3, 30, 1,
		4, 40, N,
	};
	double		s[] = {
		1, 10, 0,				/* exact match */
		2.5, 20, 1,
		3, 35.5, 1,				/* non-integral in an integral column */
		9, 40, 2,				/* 9 > max, category 2 not valid */
	};
	rs_table   *a = make(4, "cik", 2, r),
			   *b = make(4, "cik", 2, s);
	rs_quality	q;
	rs_error	err;
	rs_rng		rng;

	rs_rng_seed(&rng, 1);
	CHECK(rs_quality_compute(a, a, 0, &rng, &q, &err) == RS_OK);
	CHECK_NEAR(q.ks_mean, 1.0, 1e-12);
	CHECK_NEAR(q.tv_mean, 1.0, 1e-12);
	CHECK_NEAR(q.corr_mean, 1.0, 1e-12);
	CHECK(q.n_ks == 2 && q.n_tv == 1 && q.n_pairs == 1);
	CHECK(q.exact_matches == 4 && q.exact_match_share == 1.0);
	CHECK(q.dcr.mean == 0.0 && q.out_of_range_cells == 0);
	rs_quality_free(&q);

	CHECK(rs_quality_compute(a, b, 0, &rng, &q, &err) == RS_OK);
	CHECK(q.n_cols == 3);
	CHECK(q.exact_matches == 1);
	CHECK_NEAR(q.exact_match_share, 0.25, 1e-12);
	CHECK(q.out_of_range[0] == 1 && q.out_of_range[1] == 1 && q.out_of_range[2] == 1);
	CHECK(q.out_of_range_cells == 3 && q.out_of_range_rows == 2);
	/* col0 real {1,2,3,4}, syn {1,2.5,3,9}: F diff max .25 (at 2) */
	CHECK_NEAR(q.column_score[0], 0.75, 1e-12);
	/* col1 real {10,20,30,40}, syn {10,20,35.5,40}: D = .25 at 30 */
	CHECK_NEAR(q.column_score[1], 0.75, 1e-12);
	/* col2 real (.25,.5 | null .25), syn (.25,.5 | 0 | invalid .25) */
	CHECK_NEAR(q.column_score[2], 0.75, 1e-12);
	CHECK_NEAR(q.ks_mean, 0.75, 1e-12);
	CHECK_NEAR(q.tv_mean, 0.75, 1e-12);
	CHECK(isnan(q.pair_score[0]) && isnan(q.pair_score[2 * 3 + 2]));
	CHECK(isnan(q.pair_score[0 * 3 + 2]));
	CHECK(q.pair_score[0 * 3 + 1] == q.pair_score[1 * 3 + 0]);
	CHECK_NEAR(q.pair_score[1], rs_quality_corr(a, b, 0, 1), 1e-15);
	CHECK_NEAR(q.corr_mean, q.pair_score[1], 1e-15);
	CHECK(q.dcr.n_rows == 4 && q.dcr.n_zero == 1);
	rs_quality_free(&q);

	/* mismatched specs */
	{
		rs_table   *c = make(4, "ckk", 2, s);

		CHECK(rs_quality_compute(a, c, 0, &rng, &q, &err) == RS_ERR_INVALID);
		rs_table_free(c);
		c = make(4, "cik", 3, s);
		CHECK(rs_quality_compute(a, c, 0, &rng, &q, &err) == RS_ERR_INVALID);
		rs_table_free(c);
	}
	rs_table_free(a);
	rs_table_free(b);
}

/* A held-out half of a sample sits about as far from the training half as
 * a fresh sample from the same law; an exact copy sits at 0. */
static void
test_holdout_dcr(void)
{
	int			n = 400;
	rs_table   *train = make(n, "ck", 3, NULL),
			   *hold = make(n, "ck", 3, NULL);
	rs_rng		rng;
	rs_dcr		dh,
				dc;
	rs_error	err;

	rs_rng_seed(&rng, 8);
	for (int r = 0; r < n; r++)
	{
		RS_CELL(train, r, 0) = rs_rng_normal(&rng);
		RS_CELL(train, r, 1) = (double) rs_rng_below(&rng, 3);
		RS_CELL(hold, r, 0) = rs_rng_normal(&rng);
		RS_CELL(hold, r, 1) = (double) rs_rng_below(&rng, 3);
	}
	CHECK(rs_quality_dcr(train, hold, 0, NULL, &dh, &err) == RS_OK);
	CHECK(rs_quality_dcr(train, train, 0, NULL, &dc, &err) == RS_OK);
	CHECK(dc.mean == 0.0);
	CHECK(dh.mean > 0.0 && dh.mean < 0.05);
	CHECK(dh.median > 0.0 && dh.median <= dh.mean * 3);
	rs_table_free(train);
	rs_table_free(hold);
}

/* Brute-force DCR, the definition written out. */
static double
brute_dcr(const rs_table *ref, const rs_table *q, int qr)
{
	int			nc = ref->n_cols;
	double		best = INFINITY;

	for (int r = 0; r < ref->n_rows; r++)
	{
		double		d = 0.0;

		for (int c = 0; c < nc; c++)
		{
			double		a = RS_CELL(q, qr, c),
						b = RS_CELL(ref, r, c);

			if (isnan(a) || isnan(b))
				d += (isnan(a) && isnan(b)) ? 0.0 : 1.0;
			else if (ref->cols[c].kind == RS_KIND_CATEGORICAL)
				d += a != b;
			else
			{
				double		mn = INFINITY,
							mx = -INFINITY,
							x;

				for (int k = 0; k < ref->n_rows; k++)
					if (!isnan(RS_CELL(ref, k, c)))
					{
						mn = fmin(mn, RS_CELL(ref, k, c));
						mx = fmax(mx, RS_CELL(ref, k, c));
					}
				x = fabs(a - b) / (mx > mn ? mx - mn : 1.0);
				d += x < 1.0 ? x : 1.0;
			}
		}
		best = fmin(best, d);
	}
	return best / nc;
}

/* The sorted search gives the brute-force answer, NULL keys included. */
static void
test_dcr_matches_brute_force(void)
{
	rs_rng		rng;
	rs_error	err;

	rs_rng_seed(&rng, 99);
	for (int trial = 0; trial < 20; trial++)
	{
		int			nr = 1 + (int) rs_rng_below(&rng, 60),
					nq = 1 + (int) rs_rng_below(&rng, 30);
		const char *kinds = trial % 3 == 0 ? "kk" : trial % 3 == 1 ? "ckc" : "ic";
		rs_table   *ref = make(nr, kinds, 3, NULL),
				   *q = make(nq, kinds, 3, NULL);
		rs_dcr		d;
		double		sum = 0.0,
					mx = 0.0;

		for (int side = 0; side < 2; side++)
		{
			rs_table   *t = side ? q : ref;

			for (int r = 0; r < t->n_rows; r++)
				for (int c = 0; c < t->n_cols; c++)
				{
					double		v;

					if (rs_rng_uniform(&rng) < 0.15)
						v = RS_NULL;
					else if (t->cols[c].kind == RS_KIND_CATEGORICAL)
						v = (double) rs_rng_below(&rng, 3);
					else if (t->cols[c].integral)
						v = (double) rs_rng_below(&rng, 6);
					else
						v = 10.0 * rs_rng_normal(&rng);
					RS_CELL(t, r, c) = v;
				}
		}
		CHECK(rs_quality_dcr(ref, q, 0, NULL, &d, &err) == RS_OK);
		for (int r = 0; r < nq; r++)
		{
			double		b = brute_dcr(ref, q, r);

			sum += b;
			mx = fmax(mx, b);
		}
		CHECK_NEAR(d.mean, sum / nq, 1e-12);
		CHECK(d.median <= mx + 1e-12);
		rs_table_free(ref);
		rs_table_free(q);
	}
}

/* Quantile edges as numpy.quantile gives them, repeated values once. */
static void
test_quantile_bins(void)
{
	double		v1[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
	double		v2[] = {1, 1, 1, 1, 1, N, 1, 1, 1, 2, 3};
	double		v3[] = {5, 5, 5};
	double		e[10];
	rs_table   *a = make(10, "c", 0, v1),
			   *b = make(11, "c", 0, v2),
			   *c = make(3, "c", 0, v3);

	/* 5 bins of 1..10: positions 1.8, 3.6, 5.4, 7.2 of the sorted values */
	CHECK(rs_quality_quantile_edges(a, 0, 5, e) == 4);
	CHECK_NEAR(e[0], 2.8, 1e-12);
	CHECK_NEAR(e[1], 4.6, 1e-12);
	CHECK_NEAR(e[2], 6.4, 1e-12);
	CHECK_NEAR(e[3], 8.2, 1e-12);
	/* bins (-inf, 2.8], (2.8, 4.6], ... (8.2, inf), NULL its own */
	CHECK(rs_quality_bin(1.0, e, 4) == 0);
	CHECK(rs_quality_bin(2.8, e, 4) == 0);
	CHECK(rs_quality_bin(2.9, e, 4) == 1);
	CHECK(rs_quality_bin(8.2, e, 4) == 3);
	CHECK(rs_quality_bin(100.0, e, 4) == 4);
	CHECK(rs_quality_bin(-100.0, e, 4) == 0);
	CHECK(rs_quality_bin(N, e, 4) == 5);
	/* deciles of {1 x8, 2, 3}: 1 (seven times), 1.2, 2.1; NULL ignored */
	CHECK(rs_quality_quantile_edges(b, 0, 10, e) == 3);
	CHECK_NEAR(e[0], 1.0, 1e-12);
	CHECK_NEAR(e[1], 1.2, 1e-12);
	CHECK_NEAR(e[2], 2.1, 1e-12);
	/* a constant column: one edge, two bins */
	CHECK(rs_quality_quantile_edges(c, 0, 10, e) == 1);
	CHECK(e[0] == 5.0);
	CHECK(rs_quality_bin(5.0, e, 1) == 0 && rs_quality_bin(6.0, e, 1) == 1);
	rs_table_free(a);
	rs_table_free(b);
	rs_table_free(c);
}

/* ContingencySimilarity of a tiny pair, by hand. */
static void
test_contingency(void)
{
	double		r[] = {0, 0, 0, 1, 1, 1, 1, 1};
	double		s[] = {0, 0, 0, 0, 1, 1, N, 1};
	double		s2[] = {0, 0, 0, 0, 1, 1, 7, 1};	/* 7: not a category */
	double		rc[] = {0, 1, 0, 2, 1, 3, 1, 4};	/* (category, value) */
	double		sc[] = {0, 1, 0, 1, 1, 3, 1, 9};
	rs_table   *a = make(4, "kk", 2, r),
			   *b = make(4, "kk", 2, s),
			   *b2 = make(4, "kk", 2, s2),
			   *c = make(4, "kc", 2, rc),
			   *d = make(4, "kc", 2, sc);
	rs_error	err;
	double		v;

	/*
	 * real (0,0) .25 (0,1) .25 (1,1) .5; synthetic (0,0) .5 (1,1) .25
	 * (NULL,1) .25: |differences| .25 each, TVD .5, similarity .5
	 */
	CHECK(rs_quality_contingency(a, b, 0, 1, &v, &err) == RS_OK);
	CHECK_NEAR(v, 0.5, 1e-12);
	CHECK(rs_quality_contingency(a, b2, 0, 1, &v, &err) == RS_OK);
	CHECK_NEAR(v, 0.5, 1e-12);
	CHECK(rs_quality_contingency(a, a, 0, 1, &v, &err) == RS_OK);
	CHECK_NEAR(v, 1.0, 1e-12);
	CHECK(rs_quality_contingency(a, b, 1, 0, &v, &err) == RS_OK);
	CHECK_NEAR(v, 0.5, 1e-12);

	/*
	 * a continuous column binned at the real values' deciles {1, 2, 3, 4}:
	 * edges 1.3 1.6 1.9 2.2 2.5 2.8 3.1 3.4 3.7; real (0, bin 0) (0, bin 3)
	 * (1, bin 9) (1, bin 6); synthetic (0, bin 0) x2 (1, bin 6) (1, bin 9)
	 * (9 is past the last edge): TVD .5 * (.25 + .25) = .25
	 */
	CHECK(rs_quality_contingency(c, d, 0, 1, &v, &err) == RS_OK);
	CHECK_NEAR(v, 0.75, 1e-12);
	CHECK(rs_quality_contingency(a, b, 0, 2, &v, &err) != RS_OK);
	rs_table_free(a);
	rs_table_free(b);
	rs_table_free(b2);
	rs_table_free(c);
	rs_table_free(d);
}

/* 1 - TVD of the pairs (c1, c2) by brute force, NULL equal to NULL. */
static double
brute_contingency(const rs_table *a, const rs_table *b, int c1, int c2)
{
	double		tvd = 0.0;

	for (int side = 0; side < 2; side++)
	{
		const rs_table *t = side ? b : a;

		for (int r = 0; r < t->n_rows; r++)
		{
			double		x = RS_CELL(t, r, c1),
						y = RS_CELL(t, r, c2);
			int			first = 1,
						na = 0,
						nb = 0;

			/* count each distinct pair once: at its first row over a then b */
			for (int s2 = 0; s2 <= side && first; s2++)
			{
				const rs_table *u = s2 ? b : a;
				int			end = s2 == side ? r : u->n_rows;

				for (int k = 0; k < end && first; k++)
					if ((RS_CELL(u, k, c1) == x || (isnan(x) && isnan(RS_CELL(u, k, c1))))
						&& (RS_CELL(u, k, c2) == y || (isnan(y) && isnan(RS_CELL(u, k, c2)))))
						first = 0;
			}
			if (!first)
				continue;
			for (int k = 0; k < a->n_rows; k++)
				na += (RS_CELL(a, k, c1) == x || (isnan(x) && isnan(RS_CELL(a, k, c1))))
					&& (RS_CELL(a, k, c2) == y || (isnan(y) && isnan(RS_CELL(a, k, c2))));
			for (int k = 0; k < b->n_rows; k++)
				nb += (RS_CELL(b, k, c1) == x || (isnan(x) && isnan(RS_CELL(b, k, c1))))
					&& (RS_CELL(b, k, c2) == y || (isnan(y) && isnan(RS_CELL(b, k, c2))));
			tvd += fabs((double) na / a->n_rows - (double) nb / b->n_rows);
		}
	}
	return 1.0 - 0.5 * tvd;
}

/*
 * Both ways of counting a joint distribution (cells for a small table of
 * categories, sorted pair codes for 102 x 102 cells over 60 rows) agree
 * with brute force.
 */
static void
test_contingency_large(void)
{
	rs_rng		rng;
	rs_error	err;

	rs_rng_seed(&rng, 21);
	for (int trial = 0; trial < 6; trial++)
	{
		int			ncat = trial % 2 ? 100 : 3;
		rs_table   *a = make(40, "kk", ncat, NULL),
				   *b = make(20, "kk", ncat, NULL);
		double		v;

		for (int side = 0; side < 2; side++)
		{
			rs_table   *t = side ? b : a;

			for (int r = 0; r < t->n_rows; r++)
				for (int c = 0; c < 2; c++)
					RS_CELL(t, r, c) = rs_rng_uniform(&rng) < 0.1 ? RS_NULL
						: (double) rs_rng_below(&rng, (uint64_t) (ncat > 3 ? 5 : 3)) * (ncat > 3 ? 20 : 1);
		}
		CHECK(rs_quality_contingency(a, b, 0, 1, &v, &err) == RS_OK);
		CHECK_NEAR(v, brute_contingency(a, b, 0, 1), 1e-12);
		rs_table_free(a);
		rs_table_free(b);
	}
}

/* Pair trends of every pair in the report, and the overall score. */
static void
test_pair_trends(void)
{
	int			n = 200;
	rs_table   *a = make(n, "cck", 3, NULL),
			   *b = make(n, "cck", 3, NULL);
	rs_rng		rng;
	rs_quality	q;
	rs_error	err;
	double		v,
				mean;

	rs_rng_seed(&rng, 5);
	for (int r = 0; r < n; r++)
	{
		double		x = rs_rng_normal(&rng);

		RS_CELL(a, r, 0) = x;
		RS_CELL(a, r, 1) = x + 0.5 * rs_rng_normal(&rng);
		RS_CELL(a, r, 2) = x > 0 ? 0 : 1 + (double) rs_rng_below(&rng, 2);
		/* synthetic: the same marginals, the pairs broken */
		RS_CELL(b, r, 0) = rs_rng_normal(&rng);
		RS_CELL(b, r, 1) = RS_CELL(a, (r + 7) % n, 1);
		RS_CELL(b, r, 2) = RS_CELL(a, (r * 13 + 5) % n, 2);
	}
	CHECK(rs_quality_compute(a, b, 0, NULL, &q, &err) == RS_OK);
	CHECK(q.n_pair_trends == 3);
	/* the continuous pair: correlation similarity, as pair_score */
	CHECK(q.pair_trend[0 * 3 + 1] == q.pair_score[0 * 3 + 1]);
	CHECK(q.pair_trend[1 * 3 + 0] == q.pair_trend[0 * 3 + 1]);
	CHECK(isnan(q.pair_trend[0]));
	/* the others: contingency similarity */
	CHECK(rs_quality_contingency(a, b, 0, 2, &v, &err) == RS_OK);
	CHECK(q.pair_trend[0 * 3 + 2] == v);
	CHECK(v < 0.8);				/* x > 0 <=> category 0 is broken */
	mean = (q.pair_trend[1] + q.pair_trend[2] + q.pair_trend[5]) / 3;
	CHECK_NEAR(q.pair_trend_mean, mean, 1e-12);
	CHECK_NEAR(q.column_shape_mean,
			   (q.column_score[0] + q.column_score[1] + q.column_score[2]) / 3, 1e-12);
	CHECK_NEAR(q.overall, 0.5 * (q.column_shape_mean + mean), 1e-12);
	rs_quality_free(&q);
	/* against itself: every pair 1 */
	CHECK(rs_quality_compute(a, a, 0, NULL, &q, &err) == RS_OK);
	CHECK_NEAR(q.pair_trend_mean, 1.0, 1e-12);
	CHECK_NEAR(q.overall, 1.0, 1e-12);
	rs_quality_free(&q);
	rs_table_free(a);
	rs_table_free(b);
}

/* Detection: ~1 when the rows are alike, ~0 when a column gives them away. */
static void
test_detection(void)
{
	int			n = 300;
	rs_table   *a = make(n, "cck", 3, NULL),
			   *same = make(n, "cck", 3, NULL),
			   *far = make(n, "cck", 3, NULL);
	rs_rng		rng;
	rs_detection d,
				d2;
	rs_error	err;

	rs_rng_seed(&rng, 11);
	for (int r = 0; r < n; r++)
		for (int c = 0; c < 3; c++)
		{
			RS_CELL(a, r, c) = c == 2 ? (double) rs_rng_below(&rng, 3) : rs_rng_normal(&rng);
			RS_CELL(same, r, c) = c == 2 ? (double) rs_rng_below(&rng, 3) : rs_rng_normal(&rng);
			RS_CELL(far, r, c) = c == 2 ? (double) rs_rng_below(&rng, 3)
				: rs_rng_normal(&rng) + (c == 0 ? 6.0 : 0.0);
		}
	RS_CELL(far, 0, 2) = 3;		/* not a category: the "other" one-hot */
	rs_rng_seed(&rng, 1);
	CHECK(rs_quality_detection(a, same, 0, &rng, &d, &err) == RS_OK);
	CHECK(d.n_real == n && d.n_syn == n);
	CHECK(d.score > 0.85 && d.score <= 1.0);
	CHECK(d.auc < 0.58);
	/* the very same rows on both sides */
	CHECK(rs_quality_detection(a, a, 0, &rng, &d, &err) == RS_OK);
	CHECK(d.score > 0.9);
	CHECK(rs_quality_detection(a, far, 0, &rng, &d, &err) == RS_OK);
	CHECK(d.score < 0.01);
	CHECK(d.auc > 0.995);
	/* the sample bound and the seed: the same rows, the same score */
	rs_rng_seed(&rng, 3);
	CHECK(rs_quality_detection(a, same, 100, &rng, &d, &err) == RS_OK);
	CHECK(d.n_real == 100 && d.n_syn == 100);
	rs_rng_seed(&rng, 3);
	CHECK(rs_quality_detection(a, same, 100, &rng, &d2, &err) == RS_OK);
	CHECK(d.score == d2.score);
	/* too few rows for three folds: no score */
	CHECK(rs_quality_detection(a, same, 2, &rng, &d, &err) == RS_OK);
	CHECK(isnan(d.score));
	rs_table_free(a);
	rs_table_free(same);
	rs_table_free(far);
}

/* Unseen combinations of a determinant and the column it determines. */
static void
test_unseen(void)
{
	/* country (4) determines continent (2), 5 rows each; x is free */
	rs_table   *real = make(20, "kkc", 4, NULL),
			   *syn = make(10, "kkc", 4, NULL);
	double		sv[][2] = {{0, 0}, {1, 0}, {2, 1}, {3, 1}, {0, 0}, {0, 1}, {1, 1}, {3, 0},
	{2, N}, {3, 1}};
	rs_unseen	u;
	rs_error	err;

	for (int r = 0; r < 20; r++)
	{
		RS_CELL(real, r, 0) = r % 4;
		RS_CELL(real, r, 1) = (r % 4) / 2;
		RS_CELL(real, r, 2) = r;
	}
	for (int r = 0; r < 10; r++)
	{
		RS_CELL(syn, r, 0) = sv[r][0];
		RS_CELL(syn, r, 1) = sv[r][1];
		RS_CELL(syn, r, 2) = 100 + r;	/* never seen, but no group */
	}
	CHECK(rs_quality_unseen(real, syn, &u, &err) == RS_OK);
	CHECK(u.n_groups == 1);
	CHECK(u.determinant[1] == 0 && u.determinant[0] == -1 && u.determinant[2] == -1);
	/* (0,1) (1,1) (3,0) (2,NULL) never occur: 4 of 10 */
	CHECK_NEAR(u.group_share[0], 0.4, 1e-12);
	CHECK(isnan(u.group_share[1]) && isnan(u.group_share[2]));
	CHECK_NEAR(u.any_share, 0.4, 1e-12);
	rs_unseen_free(&u);
	CHECK(rs_quality_unseen(real, real, &u, &err) == RS_OK);
	CHECK(u.any_share == 0.0);
	rs_unseen_free(&u);
	/* without a dependency: no group, no share */
	for (int r = 0; r < 20; r++)
		RS_CELL(real, r, 1) = (r / 4) % 2;
	CHECK(rs_quality_unseen(real, syn, &u, &err) == RS_OK);
	CHECK(u.n_groups == 0 && isnan(u.any_share));
	rs_unseen_free(&u);
	rs_table_free(real);
	rs_table_free(syn);
}

/* Overfitting protection: copies of training rows are closer to training. */
static void
test_overfitting(void)
{
	double		tv[] = {0, 2, 4, 6, 8, 10};
	double		hv[] = {1, 3, 5, 7, 9};
	double		sv[] = {0, 2, 2, 4, 6, 8, 10, 10, 3, 7};	/* 8 copies of
															 * training, 2 of
															 * holdout */
	double		fv[] = {0, 3, 5, 7, 9, 1, 1, 3, 5, 9};	/* 1 of training */
	rs_table   *t = make(6, "c", 0, tv),
			   *h = make(5, "c", 0, hv),
			   *s = make(10, "c", 0, sv),
			   *f = make(10, "c", 0, fv);
	rs_overfit	o;
	rs_baseline b;
	rs_rng		rng;
	rs_error	err;

	CHECK(rs_quality_overfitting(t, h, s, 0, NULL, &o, &err) == RS_OK);
	CHECK(o.n_rows == 10);
	CHECK_NEAR(o.closer_to_training, 0.8, 1e-12);
	CHECK_NEAR(o.score, 0.4, 1e-12);	/* 2 (1 - 0.8) */
	CHECK(rs_quality_overfitting(t, h, f, 0, NULL, &o, &err) == RS_OK);
	CHECK_NEAR(o.closer_to_training, 0.1, 1e-12);
	CHECK_NEAR(o.score, 1.0, 1e-12);	/* min(1, 1.8) */
	/* baseline: copies of the training rows have median DCR 0: score 0 */
	rs_rng_seed(&rng, 4);
	CHECK(rs_quality_baseline(t, s, 0, &rng, &b, &err) == RS_OK);
	CHECK(b.synthetic_median == 0.0 && b.score == 0.0);
	CHECK(b.random_median > 0.0 && b.random_median <= 0.1);
	/* holdout rows sit 0.1 from training, random rows about 0.05: score 1 */
	CHECK(rs_quality_baseline(t, h, 0, &rng, &b, &err) == RS_OK);
	CHECK_NEAR(b.synthetic_median, 0.1, 1e-12);
	CHECK(b.score == 1.0);
	rs_table_free(t);
	rs_table_free(h);
	rs_table_free(s);
	rs_table_free(f);
}

int
main(void)
{
	RUN(test_ks);
	RUN(test_tv);
	RUN(test_corr);
	RUN(test_exact_matches);
	RUN(test_dcr);
	RUN(test_dcr_matches_brute_force);
	RUN(test_compute);
	RUN(test_holdout_dcr);
	RUN(test_quantile_bins);
	RUN(test_contingency);
	RUN(test_contingency_large);
	RUN(test_pair_trends);
	RUN(test_detection);
	RUN(test_unseen);
	RUN(test_overfitting);
	return unit_summary("test_quality");
}

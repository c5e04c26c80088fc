/*
 * test_protocol.c
 *	  Unit tests of the repeated-split protocol's pieces: stratified
 *	  subsample and split, mean/sd, paired differences and the t quantile.
 */
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "unit.h"
#include "ref/logreg_ref.h"

/* Labels of the heart data: 8763 rows, 3139 at risk. */
static int *
heart_labels(int *n)
{
	int		   *y = malloc(sizeof(int) * 8763);

	for (int i = 0; i < 8763; i++)
		y[i] = (i * 37) % 8763 < 3139;
	*n = 8763;
	return y;
}

static int
count_pos(const int *y, const int *idx, int m)
{
	int			c = 0;

	for (int i = 0; i < m; i++)
		c += y[idx[i]];
	return c;
}

static int
strictly_increasing(const int *idx, int m, int n)
{
	for (int i = 0; i < m; i++)
		if (idx[i] < 0 || idx[i] >= n || (i > 0 && idx[i] <= idx[i - 1]))
			return 0;
	return 1;
}

static void
test_split_heart(void)
{
	int			n;
	int		   *y = heart_labels(&n);
	int		   *tr = malloc(sizeof(int) * n),
			   *te = malloc(sizeof(int) * n),
			   *tr2 = malloc(sizeof(int) * n),
			   *te2 = malloc(sizeof(int) * n);
	char	   *seen = calloc(n, 1);
	int			ntr,
				nte,
				ntr2,
				nte2;
	rs_rng		rng;
	rs_error	err;

	rs_rng_seed(&rng, 1);
	CHECK(rs_stratified_split(y, n, 0.3, &rng, tr, &ntr, te, &nte, &err) == RS_OK);
	CHECK(ntr == 6134 && nte == 2629);
	CHECK(count_pos(y, tr, ntr) == 2197);
	CHECK(count_pos(y, te, nte) == 942);
	CHECK(strictly_increasing(tr, ntr, n) && strictly_increasing(te, nte, n));
	for (int i = 0; i < ntr; i++)
		seen[tr[i]]++;
	for (int i = 0; i < nte; i++)
		seen[te[i]]++;
	for (int i = 0; i < n; i++)
		CHECK(seen[i] == 1);

	/* seeded: the same again, another seed differs */
	rs_rng_seed(&rng, 1);
	CHECK(rs_stratified_split(y, n, 0.3, &rng, tr2, &ntr2, te2, &nte2, &err) == RS_OK);
	CHECK(ntr2 == ntr && memcmp(tr, tr2, sizeof(int) * ntr) == 0);
	rs_rng_seed(&rng, 2);
	CHECK(rs_stratified_split(y, n, 0.3, &rng, tr2, &ntr2, te2, &nte2, &err) == RS_OK);
	CHECK(memcmp(tr, tr2, sizeof(int) * ntr) != 0);

	/* 0.3 * 10 is 3.0000000000000004: still 3 test rows */
	{
		int			y10[10] = {1, 0, 0, 1, 0, 0, 1, 0, 0, 0};

		CHECK(rs_stratified_split(y10, 10, 0.3, &rng, tr, &ntr, te, &nte, &err) == RS_OK);
		CHECK(nte == 3 && ntr == 7);
		CHECK(count_pos(y10, te, nte) == 1);
	}
	free(y);
	free(tr);
	free(te);
	free(tr2);
	free(te2);
	free(seen);
}

static void
test_split_small_and_errors(void)
{
	int			y[6] = {1, 1, 0, 0, 0, 0};
	int			y1[6] = {1, 0, 0, 0, 0, 0};
	int			ybad[6] = {1, 1, 0, 0, 5, 0};
	int			tr[6],
				te[6],
				ntr,
				nte;
	rs_rng		rng;
	rs_error	err;

	rs_rng_seed(&rng, 3);
	/* a tiny test fraction still puts one row of each class in test */
	CHECK(rs_stratified_split(y, 6, 0.01, &rng, tr, &ntr, te, &nte, &err) == RS_OK);
	CHECK(nte == 2 && count_pos(y, te, nte) == 1 && count_pos(y, tr, ntr) == 1);
	/* and a huge one keeps one of each in train */
	CHECK(rs_stratified_split(y, 6, 0.99, &rng, tr, &ntr, te, &nte, &err) == RS_OK);
	CHECK(ntr == 2 && count_pos(y, tr, ntr) == 1);
	CHECK(rs_stratified_split(y1, 6, 0.3, &rng, tr, &ntr, te, &nte, &err) == RS_ERR_INVALID);
	CHECK(strstr(err.msg, "at least 2 rows of each class") != NULL);
	CHECK(rs_stratified_split(y, 6, 0.0, &rng, tr, &ntr, te, &nte, &err) == RS_ERR_INVALID);
	CHECK(rs_stratified_split(y, 6, 1.0, &rng, tr, &ntr, te, &nte, &err) == RS_ERR_INVALID);
	CHECK(rs_stratified_split(y, 6, NAN, &rng, tr, &ntr, te, &nte, &err) == RS_ERR_INVALID);
	CHECK(rs_stratified_split(ybad, 6, 0.5, &rng, tr, &ntr, te, &nte, &err) == RS_ERR_INVALID);
}

static void
test_subsample(void)
{
	int			n;
	int		   *y = heart_labels(&n);
	int		   *idx = malloc(sizeof(int) * n),
			   *idx2 = malloc(sizeof(int) * n);
	int			sizes[] = {1, 2, 3, 50, 500, 1000, 4000, 8763};
	rs_rng		rng;
	rs_error	err;

	for (int s = 0; s < (int) (sizeof(sizes) / sizeof(sizes[0])); s++)
	{
		int			m = sizes[s];
		int			expect = (int) floor(m * 3139.0 / 8763 + 0.5);

		if (m >= 2 && expect == 0)
			expect = 1;
		rs_rng_seed(&rng, 100 + s);
		CHECK(rs_stratified_subsample(y, n, m, &rng, idx, &err) == RS_OK);
		CHECK(strictly_increasing(idx, m, n));
		CHECK(count_pos(y, idx, m) == expect);
		rs_rng_seed(&rng, 100 + s);
		CHECK(rs_stratified_subsample(y, n, m, &rng, idx2, &err) == RS_OK);
		CHECK(memcmp(idx, idx2, sizeof(int) * m) == 0);
	}

	/* a class that runs out gives its rows to the other */
	{
		int			yy[10] = {1, 0, 0, 0, 0, 0, 0, 0, 1, 0};
		int			out[10];

		rs_rng_seed(&rng, 4);
		CHECK(rs_stratified_subsample(yy, 10, 9, &rng, out, &err) == RS_OK);
		CHECK(count_pos(yy, out, 9) == 2);
		CHECK(rs_stratified_subsample(yy, 10, 2, &rng, out, &err) == RS_OK);
		CHECK(count_pos(yy, out, 2) == 1);
	}
	CHECK(rs_stratified_subsample(y, n, 0, &rng, idx, &err) == RS_ERR_INVALID);
	CHECK(rs_stratified_subsample(y, n, n + 1, &rng, idx, &err) == RS_ERR_INVALID);
	free(y);
	free(idx);
	free(idx2);
}

static void
test_mean_sd(void)
{
	double		x[6] = {2, 4, NAN, 4, 4, 5};
	double		one[2] = {NAN, 3};
	double		none[1] = {NAN};
	double		mean,
				sd;

	/* 2 4 4 4 5: mean 3.8, sample variance 1.2 */
	CHECK(rs_mean_sd(x, 6, &mean, &sd) == 5);
	CHECK_NEAR(mean, 3.8, 1e-15);
	CHECK_NEAR(sd, sqrt(1.2), 1e-15);
	CHECK(rs_mean_sd(one, 2, &mean, &sd) == 1);
	CHECK(mean == 3 && isnan(sd));
	CHECK(rs_mean_sd(none, 1, &mean, &sd) == 0);
	CHECK(isnan(mean) && isnan(sd));
}

static void
test_paired(void)
{
	double		a[5] = {3, 5, 7, 9, NAN};
	double		b[5] = {2, 3, 4, 5, 1};
	rs_paired	p;

	rs_paired_difference(a, b, 5, &p);
	/* differences 1 2 3 4: mean 2.5, sd sqrt(5/3), t(3) = 3.1824463053 */
	CHECK(p.n == 4);
	CHECK_NEAR(p.mean, 2.5, 1e-15);
	CHECK_NEAR(p.sd, sqrt(5.0 / 3.0), 1e-15);
	CHECK_NEAR(p.hi - p.mean, 3.1824463053 * sqrt(5.0 / 3.0) / 2.0, 1e-9);
	CHECK_NEAR(p.mean - p.lo, p.hi - p.mean, 1e-15);

	rs_paired_difference(a, b, 1, &p);
	CHECK(p.n == 1 && p.mean == 1 && isnan(p.lo) && isnan(p.hi));
}

/* t quantiles match scipy's (ref/logreg_ref.h) to 1e-7. */
static void
test_t_quantile(void)
{
	for (int i = 0; i < (int) (sizeof(ref_t_df) / sizeof(ref_t_df[0])); i++)
		CHECK_NEAR(rs_t_quantile_975(ref_t_df[i]), ref_t_q975[i], 1e-7);
	CHECK(isnan(rs_t_quantile_975(0)));
	CHECK_NEAR(rs_t_quantile_975(1000000), 1.959966, 1e-6);
	/* the printed tables' values */
	CHECK_NEAR(rs_t_quantile_975(1), 12.706, 5e-4);
	CHECK_NEAR(rs_t_quantile_975(2), 4.303, 5e-4);
	CHECK_NEAR(rs_t_quantile_975(9), 2.262, 5e-4);
	CHECK_NEAR(rs_t_quantile_975(99), 1.984, 5e-4);
}

/* The verdict of an interval: above 0, below 0, holding 0, or none. */
static void
test_verdict(void)
{
	double		a[4] = {3, 5, 7, 9};
	double		b[4] = {2, 3, 4, 5};
	double		c[4] = {1, -1, 2, -2};
	double		z[4] = {0, 0, 0, 0};
	rs_paired	p;

	rs_paired_difference(a, b, 4, &p);
	CHECK(rs_paired_verdict(&p) == RS_VERDICT_BETTER);
	rs_paired_difference(b, a, 4, &p);
	CHECK(rs_paired_verdict(&p) == RS_VERDICT_WORSE);
	rs_paired_difference(c, z, 4, &p);
	CHECK(p.lo < 0 && p.hi > 0);
	CHECK(rs_paired_verdict(&p) == RS_VERDICT_SAME);
	/* a method against itself: the interval [0, 0] holds 0 */
	rs_paired_difference(a, a, 4, &p);
	CHECK(p.mean == 0 && p.lo == 0 && p.hi == 0);
	CHECK(rs_paired_verdict(&p) == RS_VERDICT_SAME);
	/* one pair: no interval */
	rs_paired_difference(a, b, 1, &p);
	CHECK(rs_paired_verdict(&p) == RS_VERDICT_NONE);
}

/* The best mean: NaN and ineligible entries skipped, the first of ties. */
static void
test_best_index(void)
{
	double		m[5] = {0.2, NAN, 0.7, 0.7, 0.9};
	int			e[5] = {1, 1, 1, 1, 0};
	int			none[5] = {0};

	CHECK(rs_best_index(m, NULL, 5) == 4);
	CHECK(rs_best_index(m, e, 5) == 2);
	CHECK(rs_best_index(m, none, 5) == -1);
	CHECK(rs_best_index(m + 1, NULL, 1) == -1);
	CHECK(rs_best_index(m, NULL, 0) == -1);
}

int
main(void)
{
	RUN(test_split_heart);
	RUN(test_split_small_and_errors);
	RUN(test_subsample);
	RUN(test_mean_sd);
	RUN(test_paired);
	RUN(test_t_quantile);
	RUN(test_verdict);
	RUN(test_best_index);
	return unit_summary("test_protocol");
}

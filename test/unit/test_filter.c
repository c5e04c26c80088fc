/*
 * test_filter.c
 *	  Unit tests of the evaluation's classifier filter of GAN rows
 *	  (filter_quantile): the selection rule on scores made by hand
 *	  (threshold, order, fill, bad arguments), and the gan arm of
 *	  rs_evaluate_run redone by hand from the public pieces: the rows it
 *	  adds are n_new candidates that the real rows' logistic regression
 *	  finds more minority-like than the unfiltered candidates, the same for
 *	  the same seed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "design.h"
#include "evaluate.h"
#include "gan.h"
#include "model.h"
#include "protocol.h"
#include "rng.h"
#include "table.h"
#include "tables.h"
#include "unit.h"

static const char *const colors[] = {"red", "green", "blue"};

/*
 * n rows: x, z ~ N(0, 1), color (noise); y = 1 when x + z + 0.3 e > 1.8
 * (about 10%): the minority lives at large x + z, where x and z trade
 * off, a joint structure a GAN trained a few steps does not learn (it
 * draws x and z about independently from the minority's marginals).
 */
static rs_table *
two_class_table(int n, uint64_t seed, int **y_out)
{
	rs_error	err;
	rs_table   *t = rs_table_create(n, 3, &err);
	int		   *y = malloc(sizeof(int) * n);
	rs_rng		rng;

	set_continuous(t, 0, "x");
	set_continuous(t, 1, "z");
	set_categorical(t, 2, "color", 3, colors);
	rs_rng_seed(&rng, seed);
	for (int r = 0; r < n; r++)
	{
		double		x = rs_rng_normal(&rng),
					z = rs_rng_normal(&rng);

		y[r] = x + z + 0.3 * rs_rng_normal(&rng) > 1.8;
		RS_CELL(t, r, 0) = x;
		RS_CELL(t, r, 1) = z;
		RS_CELL(t, r, 2) = (double) rs_rng_below(&rng, 3);
	}
	set_ranges(t);
	*y_out = y;
	return t;
}

/*
 * The rule on scores made by hand: the threshold interpolated between
 * order statistics, the candidates at or above it kept in the order they
 * came, the best of the rest filling up when too few pass, bad arguments
 * refused.
 */
static void
test_filter_select_rule(void)
{
	/* real minority scores 0..9, shuffled: the 0.1-quantile is 0.9 */
	double		real[10] = {7, 2, 9, 0, 4, 1, 8, 3, 6, 5};
	double		cand[8] = {5, 0.5, 2, -1, 0.9, 3, 0.89, NAN};
	int			keep[8],
				acc,
				fill;
	double		t;
	rs_error	err;

	CHECK(rs_filter_select(real, 10, cand, 8, 0.1, 3, keep, &acc, &fill, &t, &err) == RS_OK);
	CHECK(fabs(t - 0.9) < 1e-12);
	CHECK(keep[0] == 0 && keep[1] == 2 && keep[2] == 4);
	CHECK(acc == 4 && fill == 0);	/* 5, 2, 0.9 (at the threshold) and 3 pass */

	/* 6 wanted, 4 pass: the best rejected (0.89, then 0.5) fill up; NaN last */
	CHECK(rs_filter_select(real, 10, cand, 8, 0.1, 6, keep, &acc, &fill, &t, &err) == RS_OK);
	CHECK(acc == 4 && fill == 2);
	CHECK(keep[0] == 0 && keep[1] == 2 && keep[2] == 4 && keep[3] == 5);
	CHECK(keep[4] == 6 && keep[5] == 1);
	CHECK(rs_filter_select(real, 10, cand, 8, 0.1, 8, keep, &acc, &fill, &t, &err) == RS_OK);
	CHECK(fill == 4 && keep[6] == 3 && keep[7] == 7);

	/* 0.5: the median of an even count, half-way between 4 and 5 */
	CHECK(rs_filter_select(real, 10, cand, 8, 0.5, 1, keep, &acc, &fill, &t, &err) == RS_OK);
	CHECK(fabs(t - 4.5) < 1e-12 && keep[0] == 0 && acc == 1 && fill == 0);
	/* one real row: it is the threshold */
	CHECK(rs_filter_select(real + 2, 1, cand, 8, 0.3, 1, keep, &acc, &fill, &t, &err) == RS_OK);
	CHECK(t == 9 && acc == 0 && fill == 1 && keep[0] == 0);

	CHECK(rs_filter_select(real, 0, cand, 8, 0.1, 1, keep, &acc, &fill, &t, &err) == RS_ERR_INVALID);
	CHECK(rs_filter_select(real, 10, cand, 8, 0.0, 1, keep, &acc, &fill, &t, &err) == RS_ERR_INVALID);
	CHECK(rs_filter_select(real, 10, cand, 8, 0.6, 1, keep, &acc, &fill, &t, &err) == RS_ERR_INVALID);
	CHECK(rs_filter_select(real, 10, cand, 8, NAN, 1, keep, &acc, &fill, &t, &err) == RS_ERR_INVALID);
	CHECK(rs_filter_select(real, 10, cand, 8, 0.1, 9, keep, &acc, &fill, &t, &err) == RS_ERR_INVALID);

	/* the candidates: none extra when off, 2 / (1 - q) per row, capped */
	CHECK(rs_filter_pool(100, 0) == 100);
	CHECK(rs_filter_pool(100, 0.5) == 400);
	CHECK(rs_filter_pool(90, 0.1) == 200);
	CHECK(rs_filter_pool(7, 0.1) == 16);
	CHECK(rs_filter_pool(0, 0.1) == 0);
	CHECK(rs_filter_pool(2000000000, 0.1) == 2147483647);
}

/*
 * n rows of p standard normal features, class 1 (share pi) shifted by 1
 * in the first: real rows, and fresh rows of the same law.
 */
static void
normal_rows(rs_rng *rng, int n, int p, double pi, double *X, int *y)
{
	for (int i = 0; i < n; i++)
	{
		y[i] = rs_rng_uniform(rng) < pi;
		for (int j = 0; j < p; j++)
			X[(size_t) i * p + j] = rs_rng_normal(rng) + (j == 0 && y[i] ? 1.0 : 0.0);
	}
}

/*
 * The cross-fitted scores: fresh minority rows of the real rows' law pass
 * the 0.1-quantile threshold about 90% of the time (a generator as good
 * as the real rows loses about q of its rows), where the threshold of
 * in-sample scores (one fit on every row, the real rows scored by it)
 * lets far fewer through with 50 minority rows of 1000 and 30 features.
 * The folds: min(5, minority rows), the same scores for the same seed;
 * no minority row is an error.
 */
static void
test_filter_calibrated(void)
{
	enum
	{
		n = 1000, p = 30, m = 20000
	};
	double	   *X = malloc(sizeof(double) * n * p),
			   *Xf = malloc(sizeof(double) * m * p),
			   *real = malloc(sizeof(double) * n),
			   *again = malloc(sizeof(double) * n),
			   *sf = malloc(sizeof(double) * m),
			   *sfm = malloc(sizeof(double) * m);
	int		   *y = malloc(sizeof(int) * n),
			   *yf = malloc(sizeof(int) * m);
	int			n1,
				n1b,
				nf = 0,
				acc,
				fill;
	double		cross,
				in_sample;
	rs_filter	f,
				g;
	rs_logreg	one;
	rs_rng		rng;
	rs_error	err;

	rs_rng_seed(&rng, 1);
	normal_rows(&rng, n, p, 0.05, X, y);
	normal_rows(&rng, m, p, 0.05, Xf, yf);
	CHECK(rs_filter_fit(&f, X, y, n, p, 1.0, 9, real, &n1, &err) == RS_OK);
	CHECK(n1 > 30 && n1 < 80 && f.k == 5);
	rs_filter_score(&f, Xf, m, p, 0, sf);
	for (int i = 0; i < m; i++)
		if (yf[i])
			sfm[nf++] = sf[i];
	CHECK(rs_filter_select(real, n1, sfm, nf, 0.1, 0, NULL, &acc, &fill, NULL, &err) == RS_OK);
	cross = (double) acc / nf;

	/* the same for the same seed */
	CHECK(rs_filter_fit(&g, X, y, n, p, 1.0, 9, again, &n1b, &err) == RS_OK);
	CHECK(n1b == n1 && memcmp(real, again, sizeof(double) * n1) == 0);
	rs_filter_free(&g);

	/* in-sample: one fit, the real minority rows scored by it */
	CHECK(rs_logreg_fit(&one, X, y, n, p, 1.0, &err) == RS_OK);
	rs_logreg_decision(&one, X, n, again);
	n1b = 0;
	for (int i = 0; i < n; i++)
		if (y[i])
			again[n1b++] = again[i];
	rs_logreg_decision(&one, Xf, m, sf);
	nf = 0;
	for (int i = 0; i < m; i++)
		if (yf[i])
			sfm[nf++] = sf[i];
	CHECK(rs_filter_select(again, n1b, sfm, nf, 0.1, 0, NULL, &acc, &fill, NULL, &err) == RS_OK);
	in_sample = (double) acc / nf;
	printf("  fresh minority rows passing the 0.1-quantile: cross-fitted %.3f, in-sample %.3f\n",
		   cross, in_sample);
	CHECK(cross > 0.8 && cross < 0.97);
	CHECK(in_sample < 0.8);
	rs_logreg_free(&one);
	rs_filter_free(&f);

	/* few minority rows: as many folds; one: one fit; none: an error */
	for (int i = 0; i < n; i++)
		y[i] = i % 250 == 3;
	CHECK(rs_filter_fit(&f, X, y, n, p, 1.0, 9, real, &n1, &err) == RS_OK);
	CHECK(f.k == 4 && n1 == 4);
	rs_filter_free(&f);
	for (int i = 0; i < n; i++)
		y[i] = i == 17;
	CHECK(rs_filter_fit(&f, X, y, n, p, 1.0, 9, real, &n1, &err) == RS_OK);
	CHECK(f.k == 1 && n1 == 1);
	rs_filter_score(&f, X + 17 * p, 1, p, 3, sf);
	CHECK(sf[0] == real[0]);	/* in-sample: the row seen */
	rs_filter_free(&f);
	for (int i = 0; i < n; i++)
		y[i] = 0;
	CHECK(rs_filter_fit(&f, X, y, n, p, 1.0, 9, real, &n1, &err) == RS_ERR_INVALID);
	rs_filter_free(&f);

	free(X);
	free(Xf);
	free(real);
	free(again);
	free(sf);
	free(sfm);
	free(y);
	free(yf);
}

static void
tiny_gan(rs_gan_config *gc)
{
	rs_gan_config_default(gc);
	gc->embedding_dim = 8;
	gc->n_gen_dims = 1;
	gc->gen_dims[0] = 16;
	gc->n_dis_dims = 1;
	gc->dis_dims[0] = 16;
	gc->batch_size = 50;
	gc->pac = 10;
	gc->epochs = 2;				/* rough rows: some look like the majority */
}

static double
sigmoid(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

/*
 * The gan arm with filter_quantile 0.1 on the whole table, one run,
 * redone by hand: the run's split, the GAN trained on the minority rows
 * of the training part making rs_filter_pool candidates, the
 * logistic regression of the real training part scoring them, the rows
 * rs_filter_select keeps, the classifier on the augmented part: the same
 * metrics and counts as rs_evaluate_run, bit for bit.  The kept rows'
 * mean p(minority) is well above the candidates', and exactly n_new are
 * kept.  The same seed gives the same numbers; the filter off gives
 * others.
 */
static void
test_filter_gan_arm(void)
{
	int		   *y;
	int			n = 400;
	rs_table   *t = two_class_table(n, 5, &y);
	int			sizes[1] = {0};
	rs_gan_config gc;
	rs_eval_config cfg;
	rs_eval_result a,
				b,
				off;
	rs_error	err;
	int			k_used;

	/* by hand */
	int		   *tr = malloc(sizeof(int) * n),
			   *te = malloc(sizeof(int) * n),
			   *ytr = malloc(sizeof(int) * 2 * n),
			   *yte = malloc(sizeof(int) * n),
			   *idx = malloc(sizeof(int) * n),
			   *keep;
	int			n_tr,
				n_te,
				n1 = 0,
				n_new,
				n_cand,
				acc,
				fill,
				n_real;
	rs_rng		rng;
	uint64_t	run_seed;
	rs_table   *train,
			   *test,
			   *minority,
			   *cand;
	rs_design	d;
	rs_filter	filt;
	rs_logreg	model;
	rs_metrics	met;
	double	   *X,
			   *Xte,
			   *Xc,
			   *sc,
			   *real,
			   *te_scores;
	double		mean_all = 0,
				mean_kept = 0;

	tiny_gan(&gc);
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_methods = 1;
	cfg.methods[0] = RS_AUG_GAN;
	cfg.runs = 1;
	cfg.n_sizes = 1;
	cfg.sizes = sizes;
	cfg.test_fraction = 0.3;
	cfg.C = 1.0;
	cfg.smote_k = 5;
	cfg.max_modes = 3;
	cfg.seed = 42;
	cfg.gan = &gc;
	cfg.filter_quantile = 0.1;

	/* the run's stream, its split (as rs_evaluate_run for size 0, run 0) */
	rs_rng_seed(&rng, cfg.seed ^ UINT64_C(0x9E3779B97F4A7C15) ^ UINT64_C(0xBF58476D1CE4E5B9));
	run_seed = rs_rng_next(&rng);
	CHECK(rs_stratified_split(y, n, cfg.test_fraction, &rng, tr, &n_tr, te, &n_te, &err) == RS_OK);
	train = rs_table_take(t, tr, n_tr, &err);
	test = rs_table_take(t, te, n_te, &err);
	for (int i = 0; i < n_tr; i++)
		if ((ytr[i] = y[tr[i]]))
			idx[n1++] = i;
	for (int i = 0; i < n_te; i++)
		yte[i] = y[te[i]];
	n_new = n_tr - 2 * n1;
	n_cand = rs_filter_pool(n_new, 0.1);
	CHECK(n_cand == (int) ceil(2.0 * n_new / 0.9));
	CHECK(n1 > 20 && n_new > 100);
	minority = rs_table_take(train, idx, n1, &err);
	cand = rs_model_augment(minority, n_cand, &gc, cfg.max_modes, NULL,
							run_seed + (uint64_t) RS_AUG_GAN, &err);
	CHECK(cand != NULL && cand->n_rows == n_cand);

	CHECK(rs_design_fit(&d, train, &err) == RS_OK);
	X = malloc(sizeof(double) * (size_t) (n_tr + n_new) * d.p);
	Xte = malloc(sizeof(double) * (size_t) n_te * d.p);
	Xc = malloc(sizeof(double) * (size_t) n_cand * d.p);
	sc = malloc(sizeof(double) * (n_tr > n_cand ? n_tr : n_cand));
	real = malloc(sizeof(double) * n1);
	te_scores = malloc(sizeof(double) * n_te);
	keep = malloc(sizeof(int) * n_new);
	CHECK(rs_design_transform(&d, train, X, &err) == RS_OK);
	CHECK(rs_design_transform(&d, test, Xte, &err) == RS_OK);
	CHECK(rs_design_transform(&d, cand, Xc, &err) == RS_OK);

	/* the filter: the real training part's cross-fitted regression */
	CHECK(rs_filter_fit(&filt, X, ytr, n_tr, d.p, cfg.C,
						(run_seed + (uint64_t) RS_AUG_GAN) ^ UINT64_C(0xD1B54A32D192ED03),
						real, &n_real, &err) == RS_OK);
	CHECK(n_real == n1 && filt.k == RS_EVAL_FILTER_FOLDS);
	rs_filter_score(&filt, Xc, n_cand, d.p, 0, sc);
	CHECK(rs_filter_select(real, n1, sc, n_cand, 0.1, n_new, keep, &acc, &fill, NULL, &err) == RS_OK);
	for (int i = 0; i < n_cand; i++)
		mean_all += sigmoid(sc[i]) / n_cand;
	for (int i = 0; i < n_new; i++)
		mean_kept += sigmoid(sc[keep[i]]) / n_new;
	printf("  filter: %d of %d candidates pass, %d filled; mean p(minority) %.3f -> %.3f\n",
		   acc, n_cand, fill, mean_all, mean_kept);
	/* the tiny GAN's rows are rough: many rejected, the kept far likelier */
	CHECK(acc < n_cand * 0.9);
	CHECK(mean_kept > mean_all + 0.1);
	{
		int			distinct = 1;

		for (int i = 1; i < n_new; i++)
			distinct &= keep[i] > keep[i - 1] || i >= n_new - fill;
		CHECK(distinct);		/* the passed ones in order, each once */
	}

	/* the classifier on the real part plus the kept rows */
	for (int i = 0; i < n_new; i++)
	{
		memcpy(X + (size_t) (n_tr + i) * d.p, Xc + (size_t) keep[i] * d.p, sizeof(double) * d.p);
		ytr[n_tr + i] = 1;
	}
	CHECK(rs_logreg_fit(&model, X, ytr, n_tr + n_new, d.p, cfg.C, &err) == RS_OK);
	rs_logreg_decision(&model, Xte, n_te, te_scores);
	CHECK(rs_metrics_compute(te_scores, yte, n_te, 0.0, &met, &err) == RS_OK);

	CHECK(rs_evaluate_run(t, y, &cfg, &a, &k_used, &err) == RS_OK);
	CHECK(a.accuracy == met.accuracy && a.recall == met.recall && a.f1 == met.f1 &&
		  a.roc_auc == met.roc_auc && a.pr_auc == met.pr_auc && a.mcc == met.mcc);
	CHECK(a.candidates == n_cand && a.accepted == acc && a.filled == fill);

	/* the same seed: the same numbers; the filter off: other rows */
	CHECK(rs_evaluate_run(t, y, &cfg, &b, &k_used, &err) == RS_OK);
	a.seconds = b.seconds = 0;
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	cfg.filter_quantile = 0;
	CHECK(rs_evaluate_run(t, y, &cfg, &off, &k_used, &err) == RS_OK);
	CHECK(off.candidates == 0 && off.accepted == 0 && off.filled == 0);
	CHECK(off.roc_auc != a.roc_auc || off.f1 != a.f1);

	rs_filter_free(&filt);
	rs_logreg_free(&model);
	rs_design_free(&d);
	rs_table_free(train);
	rs_table_free(test);
	rs_table_free(minority);
	rs_table_free(cand);
	rs_table_free(t);
	free(tr);
	free(te);
	free(ytr);
	free(yte);
	free(idx);
	free(keep);
	free(X);
	free(Xte);
	free(Xc);
	free(sc);
	free(real);
	free(te_scores);
	free(y);
}

/*
 * The share of fresh minority rows passing the 0.1-quantile threshold,
 * of in-sample and of cross-fitted scores, over sizes, widths and
 * minority shares (5 draws each): docs/evaluation.md's table, printed by
 * `test_filter --calibration`.
 */
static void
calibration_table(void)
{
	static const int ns[] = {300, 1000, 3000},
				ps[] = {5, 30, 100};
	static const double pis[] = {0.05, 0.2};
	enum
	{
		m = 20000, reps = 5
	};

	printf("| training rows | features | minority share | in-sample | cross-fitted |\n|---|---|---|---|---|\n");
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
			for (int c = 0; c < 2; c++)
			{
				int			n = ns[a],
							p = ps[b];
				double		pass[2] = {0, 0};
				rs_rng		rng;

				rs_rng_seed(&rng, 1);
				for (int rep = 0; rep < reps; rep++)
				{
					double	   *X = malloc(sizeof(double) * (size_t) (n + m) * p),
							   *s = malloc(sizeof(double) * (n + m)),
							   *real = malloc(sizeof(double) * n),
							   *fresh = malloc(sizeof(double) * m),
							   *Xf = malloc(sizeof(double) * (size_t) m * p);
					int		   *y = malloc(sizeof(int) * (n + m));
					int			n1 = 0,
								nf = 0,
								acc,
								fill;
					rs_logreg	one;
					rs_filter	f;
					rs_error	err;

					normal_rows(&rng, n + m, p, pis[c], X, y);
					rs_logreg_fit(&one, X, y, n, p, 1.0, &err);
					rs_logreg_decision(&one, X, n + m, s);
					for (int i = 0; i < n; i++)
						if (y[i])
							real[n1++] = s[i];
					for (int i = n; i < n + m; i++)
						if (y[i])
						{
							fresh[nf] = s[i];
							memcpy(Xf + (size_t) (nf++) * p, X + (size_t) i * p, sizeof(double) * p);
						}
					rs_filter_select(real, n1, fresh, nf, 0.1, 0, NULL, &acc, &fill, NULL, &err);
					pass[0] += (double) acc / nf / reps;
					rs_filter_fit(&f, X, y, n, p, 1.0, 7 + rep, real, &n1, &err);
					rs_filter_score(&f, Xf, nf, p, 0, fresh);
					rs_filter_select(real, n1, fresh, nf, 0.1, 0, NULL, &acc, &fill, NULL, &err);
					pass[1] += (double) acc / nf / reps;
					rs_filter_free(&f);
					rs_logreg_free(&one);
					free(X);
					free(s);
					free(real);
					free(fresh);
					free(Xf);
					free(y);
				}
				printf("| %d | %d | %.2f | %.2f | %.2f |\n", n, p, pis[c], pass[0], pass[1]);
			}
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--calibration") == 0)
	{
		calibration_table();
		return 0;
	}
	RUN(test_filter_select_rule);
	RUN(test_filter_calibrated);
	RUN(test_filter_gan_arm);
	return unit_summary("test_filter");
}

/*
 * test_evaluate.c
 *	  Unit tests of the experiment driver rs_evaluate_run: metrics in
 *	  range, real signal found, rebalancing raises recall, paired splits,
 *	  determinism, a run redone by hand from the public pieces, progress,
 *	  reduced SMOTE neighbours, errors without leaks, the GAN method; the
 *	  units on workers: the same numbers for any worker count, progress and
 *	  host hooks from the calling thread only, a cancel that stops them.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"

#include "classifier.h"
#include "design.h"
#include "dp_account.h"
#include "evaluate.h"
#include "gan.h"
#include "protocol.h"
#include "rng.h"
#include "smote.h"
#include "table.h"
#include "tables.h"
#include "team.h"
#include "unit.h"

/* ---------------------------------------------------------------- the protocol */

static const char *const colors[] = {"red", "green", "blue"};
static const char *const grades[] = {"1", "2", "3", "4", "5"};

/*
 * n rows: x ~ N(0, 1) (a few NULLs), color (noise), grade 1-5 (noise, an
 * integer category); y = 1 when x + 0.3 e > 0.75 (about 23%).
 */
static rs_table *
signal_table(int n, uint64_t seed, int **y_out, int *n1)
{
	rs_error	err;
	rs_table   *t = rs_table_create(n, 3, &err);
	int		   *y = malloc(sizeof(int) * n);
	rs_rng		rng;

	set_continuous(t, 0, "x");
	set_categorical(t, 1, "color", 3, colors);
	set_categorical(t, 2, "grade", 5, grades);
	rs_rng_seed(&rng, seed);
	*n1 = 0;
	for (int r = 0; r < n; r++)
	{
		double		x = rs_rng_normal(&rng);

		y[r] = x + 0.3 * rs_rng_normal(&rng) > 0.75;
		*n1 += y[r];
		RS_CELL(t, r, 0) = (r % 41 == 7) ? RS_NULL : x;
		RS_CELL(t, r, 1) = (double) rs_rng_below(&rng, 3);
		RS_CELL(t, r, 2) = (double) rs_rng_below(&rng, 5);
	}
	set_ranges(t);
	*y_out = y;
	return t;
}

static void
base_config(rs_eval_config *cfg, const int *sizes, int n_sizes)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->runs = 3;
	cfg->n_sizes = n_sizes;
	cfg->sizes = sizes;
	cfg->test_fraction = 0.3;
	cfg->C = 1.0;
	cfg->smote_k = 5;
	cfg->max_modes = 3;
	cfg->seed = 42;
}

static void
set_methods(rs_eval_config *cfg, int n, const rs_augment *m)
{
	cfg->n_methods = n;
	for (int i = 0; i < n; i++)
		cfg->methods[i] = m[i];
}

static size_t
n_results(const rs_eval_config *cfg)
{
	return (size_t) cfg->n_sizes * cfg->n_methods * cfg->runs;
}

static rs_eval_result *
result_cell(rs_eval_result *out, const rs_eval_config *cfg, int s, int m, int r)
{
	return &out[((size_t) s * cfg->n_methods + m) * cfg->runs + r];
}

/* The metrics of a and b bit for bit (seconds left out: a clock). */
static int
same_metrics(const rs_eval_result *a, const rs_eval_result *b)
{
	rs_eval_result x = *a,
				y = *b;

	x.seconds = y.seconds = 0;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

static int
in_unit(double v)
{
	return v >= 0.0 && v <= 1.0;
}

/* Is v * m within rounding of an integer (a count over m rows)? */
static int
is_fraction_of(double v, int m)
{
	return fabs(v * m - floor(v * m + 0.5)) < 1e-9;
}

typedef struct progress_log
{
	int			calls;
	int			last_done;
	int			ordered;
	int			total;
	int			size_index[16];
	int			run[16];
} progress_log;

static void
record_progress(void *arg, int size_index, int run, int done, int total)
{
	progress_log *p = arg;

	if (done != p->last_done + 1)
		p->ordered = 0;
	p->last_done = done;
	p->total = total;
	if (p->calls < 16)
	{
		p->size_index[p->calls] = size_index;
		p->run[p->calls] = run;
	}
	p->calls++;
}

/*
 * none, SMOTE and SMOTE-NC on 600 rows with real signal: metrics in
 * range, the signal found, rebalancing raises recall, paired splits,
 * progress.
 */
static void
test_evaluate_signal(void)
{
	int			n1,
			   *y;
	rs_table   *t = signal_table(600, 7, &y, &n1);
	int			sizes[2] = {200, 0};
	int			n_te[2] = {60, 180};
	rs_augment	methods[4] = {RS_AUG_NONE, RS_AUG_SMOTE, RS_AUG_SMOTENC, RS_AUG_NONE};
	rs_eval_config cfg;
	rs_eval_result *out;
	progress_log prog;
	rs_error	err;
	int			k_used = -1;

	CHECK(n1 > 100 && n1 < 200);
	base_config(&cfg, sizes, 2);
	set_methods(&cfg, 4, methods);
	memset(&prog, 0, sizeof(prog));
	prog.ordered = 1;
	cfg.progress = record_progress;
	cfg.progress_arg = &prog;
	out = calloc(n_results(&cfg), sizeof(rs_eval_result));
	CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_OK);
	CHECK(k_used == 5);

	/* progress: once per (size, run), done 1..6 of 6, in order */
	CHECK(prog.calls == 6 && prog.ordered && prog.last_done == 6 && prog.total == 6);
	for (int i = 0; i < 6 && i < prog.calls; i++)
		CHECK(prog.size_index[i] == i / 3 && prog.run[i] == i % 3);

	for (int s = 0; s < 2; s++)
	{
		double		recall[3] = {0, 0, 0},
					bacc[3] = {0, 0, 0};

		for (int m = 0; m < 4; m++)
			for (int r = 0; r < 3; r++)
			{
				rs_eval_result *e = result_cell(out, &cfg, s, m, r);

				CHECK(in_unit(e->accuracy) && in_unit(e->recall) &&
					  in_unit(e->precision) && in_unit(e->f1) &&
					  in_unit(e->balanced_accuracy) && in_unit(e->roc_auc));
				CHECK(e->seconds >= 0 && e->seconds < 60);
				/* scored on ceil(0.3 * size) test rows */
				CHECK(is_fraction_of(e->accuracy, n_te[s]));
				CHECK(e->roc_auc > 0.9);
				CHECK(e->balanced_accuracy > 0.75);
				if (m < 3)
				{
					recall[m] += e->recall / 3;
					bacc[m] += e->balanced_accuracy / 3;
				}
			}
		for (int m = 0; m < 3; m++)
			CHECK(bacc[m] > 0.8);
		/* rebalancing raises recall */
		CHECK(recall[1] > recall[0] + 0.03);
		CHECK(recall[2] > recall[0] + 0.03);

		/* the same split for every method: none twice, the same numbers */
		for (int r = 0; r < 3; r++)
			CHECK(same_metrics(result_cell(out, &cfg, s, 0, r),
							   result_cell(out, &cfg, s, 3, r)));
		/* another run, another split */
		CHECK(!same_metrics(result_cell(out, &cfg, s, 0, 0),
							result_cell(out, &cfg, s, 0, 1)));
	}
	free(out);
	rs_table_free(t);
	free(y);
}

/*
 * Same seed, same numbers; another seed, others; a method's numbers do not
 * depend on the other methods listed; sizes beyond the table mean all.
 */
static void
test_evaluate_deterministic(void)
{
	int			n1,
			   *y;
	rs_table   *t = signal_table(300, 8, &y, &n1);
	int			sizes[2] = {120, 0};
	int			sizes_big[2] = {120, 100000};
	int			sizes_twice[2] = {120, 120};
	rs_augment	three[3] = {RS_AUG_SMOTE, RS_AUG_NONE, RS_AUG_SMOTENC};
	rs_augment	one[1] = {RS_AUG_NONE};
	rs_eval_config cfg;
	rs_eval_result *a,
			   *b;
	rs_error	err;
	int			k_used;
	int			differ = 0;

	base_config(&cfg, sizes, 2);
	set_methods(&cfg, 3, three);
	a = calloc(n_results(&cfg), sizeof(rs_eval_result));
	b = calloc(n_results(&cfg), sizeof(rs_eval_result));
	CHECK(rs_evaluate_run(t, y, &cfg, a, &k_used, &err) == RS_OK);
	CHECK(rs_evaluate_run(t, y, &cfg, b, &k_used, &err) == RS_OK);
	for (size_t i = 0; i < n_results(&cfg); i++)
		CHECK(same_metrics(&a[i], &b[i]));

	/* a size above the row count is the whole table, as 0 */
	cfg.sizes = sizes_big;
	CHECK(rs_evaluate_run(t, y, &cfg, b, &k_used, &err) == RS_OK);
	for (size_t i = 0; i < n_results(&cfg); i++)
		CHECK(same_metrics(&a[i], &b[i]));

	/* the same size twice: independent streams, other splits */
	cfg.sizes = sizes_twice;
	CHECK(rs_evaluate_run(t, y, &cfg, b, &k_used, &err) == RS_OK);
	for (int m = 0; m < 3; m++)
		for (int r = 0; r < 3; r++)
		{
			CHECK(same_metrics(result_cell(a, &cfg, 0, m, r), result_cell(b, &cfg, 0, m, r)));
			differ += !same_metrics(result_cell(b, &cfg, 0, m, r), result_cell(b, &cfg, 1, m, r));
		}
	CHECK(differ >= 6);

	/* another seed */
	cfg.sizes = sizes;
	cfg.seed = 43;
	differ = 0;
	CHECK(rs_evaluate_run(t, y, &cfg, b, &k_used, &err) == RS_OK);
	for (size_t i = 0; i < n_results(&cfg); i++)
		differ += !same_metrics(&a[i], &b[i]);
	CHECK(differ >= (int) n_results(&cfg) / 2);

	/* none alone gives what it gave beside SMOTE and SMOTE-NC */
	cfg.seed = 42;
	set_methods(&cfg, 1, one);
	CHECK(rs_evaluate_run(t, y, &cfg, b, &k_used, &err) == RS_OK);
	CHECK(k_used == 5);			/* no SMOTE: the configured k */
	{
		rs_eval_config cfg3 = cfg;

		set_methods(&cfg3, 3, three);
		for (int s = 0; s < 2; s++)
			for (int r = 0; r < 3; r++)
				CHECK(same_metrics(result_cell(b, &cfg, s, 0, r),
								   result_cell(a, &cfg3, s, 1, r)));
	}
	free(a);
	free(b);
	rs_table_free(t);
	free(y);
}

/*
 * One run on the whole table redone by hand from the public pieces: the
 * run's stream (seed mixed with the size and run numbers, its first draw
 * seeding the methods), the stratified split, the design fitted on the
 * training part only, SMOTE on the encoded minority rows up to 1:1 or
 * random copies of them, class weights n / (2 n_c), or the threshold of
 * best F1 on a stratified 25% of the training part, the classifier, the
 * metrics.  Pins reproducibility: a seed gives the same
 * numbers from one version to the next.
 */
static void
reference_run(const rs_table *t, const int *y, const rs_eval_config *cfg,
			  int r, int m, rs_eval_result *res, double *tuned)
{
	rs_augment	method;
	double	   *w = NULL,
				threshold = 0.0;
	int			n = t->n_rows,
				n_tr,
				n_te,
				n1 = 0,
				n_new,
				n_all,
				k_used;
	int		   *tr = malloc(sizeof(int) * n),
			   *te = malloc(sizeof(int) * n),
			   *ytr,
			   *yte = malloc(sizeof(int) * n);
	rs_table   *train,
			   *test;
	rs_design	d;
	double	   *X,
			   *Xte,
			   *Xmin,
			   *scores;
	rs_logreg	model;
	rs_metrics	met;
	rs_rng		rng;
	rs_error	err;
	uint64_t	run_seed;

	rs_rng_seed(&rng, cfg->seed ^ (UINT64_C(1) * UINT64_C(0x9E3779B97F4A7C15))
				^ ((uint64_t) (r + 1) * UINT64_C(0xBF58476D1CE4E5B9)));
	run_seed = rs_rng_next(&rng);
	CHECK(rs_stratified_split(y, n, cfg->test_fraction, &rng, tr, &n_tr, te, &n_te, &err) == RS_OK);
	train = rs_table_take(t, tr, n_tr, &err);
	test = rs_table_take(t, te, n_te, &err);
	for (int i = 0; i < n_te; i++)
		yte[i] = y[te[i]];
	for (int i = 0; i < n_tr; i++)
		n1 += y[tr[i]];
	CHECK(rs_design_fit(&d, train, &err) == RS_OK);
	method = cfg->methods[m];
	n_new = (method == RS_AUG_SMOTE || method == RS_AUG_RANDOM) ? n_tr - 2 * n1 : 0;
	n_all = n_tr + n_new;
	X = malloc(sizeof(double) * n_all * d.p);
	ytr = malloc(sizeof(int) * n_all);
	Xte = malloc(sizeof(double) * n_te * d.p);
	Xmin = malloc(sizeof(double) * n1 * d.p);
	scores = malloc(sizeof(double) * n_te);
	CHECK(rs_design_transform(&d, train, X, &err) == RS_OK);
	CHECK(rs_design_transform(&d, test, Xte, &err) == RS_OK);
	n1 = 0;
	for (int i = 0; i < n_tr; i++)
	{
		ytr[i] = y[tr[i]];
		if (ytr[i])
			memcpy(Xmin + (size_t) (n1++) * d.p, X + (size_t) i * d.p, sizeof(double) * d.p);
	}
	for (int i = n_tr; i < n_all; i++)
		ytr[i] = 1;
	/* each method's stream: the run's seed plus the method's number */
	rs_rng_seed(&rng, run_seed + (uint64_t) method);
	if (n_new > 0 && method == RS_AUG_SMOTE)
		CHECK(rs_smote_dense(Xmin, n1, d.p, n_new, cfg->smote_k, &rng,
							 X + (size_t) n_tr * d.p, &k_used, &err) == RS_OK);
	/* random: minority rows in training order, drawn uniformly */
	for (int i = 0; method == RS_AUG_RANDOM && i < n_new; i++)
		memcpy(X + (size_t) (n_tr + i) * d.p, Xmin + (size_t) rs_rng_below(&rng, n1) * d.p,
			   sizeof(double) * d.p);
	if (method == RS_AUG_WEIGHTED)
	{
		w = malloc(sizeof(double) * n_all);
		for (int i = 0; i < n_all; i++)
			w[i] = (double) n_tr / (2.0 * (ytr[i] ? n1 : n_tr - n1));
	}
	if (method == RS_AUG_THRESHOLD)
	{
		/* fit on a stratified 75%, the F1-best cut of the other 25% */
		int		   *fi = malloc(sizeof(int) * n_tr),
				   *vi = malloc(sizeof(int) * n_tr),
				   *yf = malloc(sizeof(int) * n_tr),
				   *yv = malloc(sizeof(int) * n_tr);
		double	   *Xf = malloc(sizeof(double) * n_tr * d.p),
				   *Xv = malloc(sizeof(double) * n_tr * d.p),
				   *sv = malloc(sizeof(double) * n_tr);
		int			nf,
					nv;

		CHECK(rs_stratified_split(ytr, n_tr, 0.25, &rng, fi, &nf, vi, &nv, &err) == RS_OK);
		CHECK(nv == (int) ceil(0.25 * n_tr));
		for (int i = 0; i < nf; i++)
		{
			yf[i] = ytr[fi[i]];
			memcpy(Xf + (size_t) i * d.p, X + (size_t) fi[i] * d.p, sizeof(double) * d.p);
		}
		for (int i = 0; i < nv; i++)
		{
			yv[i] = ytr[vi[i]];
			memcpy(Xv + (size_t) i * d.p, X + (size_t) vi[i] * d.p, sizeof(double) * d.p);
		}
		CHECK(rs_logreg_fit(&model, Xf, yf, nf, d.p, cfg->C, &err) == RS_OK);
		rs_logreg_decision(&model, Xv, nv, sv);
		CHECK(rs_best_f1_threshold(sv, yv, nv, &threshold, NULL, &err) == RS_OK);
		rs_logreg_free(&model);
		free(fi);
		free(vi);
		free(yf);
		free(yv);
		free(Xf);
		free(Xv);
		free(sv);
	}
	memset(&model, 0, sizeof(model));
	CHECK(rs_logreg_fit_weighted(&model, X, ytr, w, n_all, d.p, cfg->C, &err) == RS_OK);
	rs_logreg_decision(&model, Xte, n_te, scores);
	CHECK(rs_metrics_compute(scores, yte, n_te, threshold, &met, &err) == RS_OK);
	if (tuned)
		*tuned = threshold;
	free(w);
	memset(res, 0, sizeof(*res));
	res->accuracy = met.accuracy;
	res->recall = met.recall;
	res->precision = met.precision;
	res->f1 = met.f1;
	res->balanced_accuracy = met.balanced_accuracy;
	res->roc_auc = met.roc_auc;
	res->pr_auc = met.pr_auc;
	res->mcc = met.mcc;

	rs_logreg_free(&model);
	rs_design_free(&d);
	rs_table_free(train);
	rs_table_free(test);
	free(tr);
	free(te);
	free(ytr);
	free(yte);
	free(X);
	free(Xte);
	free(Xmin);
	free(scores);
}

static void
test_evaluate_matches_reference(void)
{
	int			n1,
			   *y;
	rs_table   *t = signal_table(240, 12, &y, &n1);
	int			sizes[1] = {0};
	rs_augment	methods[5] = {RS_AUG_NONE, RS_AUG_SMOTE, RS_AUG_WEIGHTED,
	RS_AUG_THRESHOLD, RS_AUG_RANDOM};
	rs_eval_config cfg;
	rs_eval_result out[5 * 3],
				ref;
	rs_error	err;
	int			k_used,
				moved = 0;
	double		tuned;

	base_config(&cfg, sizes, 1);
	cfg.seed = UINT64_C(0xDEADBEEF12345);
	set_methods(&cfg, 5, methods);
	CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_OK);
	for (int m = 0; m < 5; m++)
		for (int r = 0; r < 3; r++)
		{
			reference_run(t, y, &cfg, r, m, &ref, &tuned);
			CHECK(same_metrics(result_cell(out, &cfg, 0, m, r), &ref));
			if (methods[m] == RS_AUG_THRESHOLD)
				moved += tuned != 0.0;
			/* no method is none: each changes some run */
			if (m > 0)
				moved += !same_metrics(result_cell(out, &cfg, 0, m, r),
									   result_cell(out, &cfg, 0, 0, r));
		}
	CHECK(moved >= 3 + 4);
	rs_table_free(t);
	free(y);
}

/*
 * 40 rows, 4 of the minority, test fraction 0.25: 10 test rows with one
 * minority row, so the training part has 3 and SMOTE can use 2
 * neighbours.
 */
static void
test_evaluate_small_minority(void)
{
	int			n1,
			   *y;
	rs_table   *t = signal_table(40, 9, &y, &n1);
	int			sizes[1] = {0};
	rs_augment	smote[1] = {RS_AUG_SMOTE};
	rs_augment	smotenc[2] = {RS_AUG_NONE, RS_AUG_SMOTENC};
	rs_eval_config cfg;
	rs_eval_result out[2 * 3];
	rs_error	err;
	int			k_used = -1;

	/* exactly 4 minority rows */
	for (int r = 0; r < 40; r++)
		y[r] = (r % 10 == 3);
	base_config(&cfg, sizes, 1);
	cfg.test_fraction = 0.25;
	set_methods(&cfg, 1, smote);
	CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_OK);
	CHECK(k_used == 2);
	for (int r = 0; r < 3; r++)
	{
		CHECK(is_fraction_of(out[r].accuracy, 10));
		CHECK(out[r].recall == 0.0 || out[r].recall == 1.0);	/* one positive */
	}

	k_used = -1;
	set_methods(&cfg, 2, smotenc);
	CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_OK);
	CHECK(k_used == 2);

	/* a k already small enough is kept */
	cfg.smote_k = 2;
	CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_OK);
	CHECK(k_used == 2);
	cfg.smote_k = 1;
	CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_OK);
	CHECK(k_used == 1);
	rs_table_free(t);
	free(y);
}

/* Errors come back as a status, with no leaks (valgrind). */
static void
test_evaluate_errors(void)
{
	int			n1,
			   *y;
	rs_table   *t = signal_table(200, 10, &y, &n1);
	int			sizes_ok_bad[2] = {60, 3};
	int			sizes_all[1] = {0};
	rs_augment	none_smote[2] = {RS_AUG_NONE, RS_AUG_SMOTE};
	rs_augment	gan[2] = {RS_AUG_NONE, RS_AUG_GAN};
	rs_eval_config cfg;
	rs_eval_result *out;
	progress_log prog;
	rs_error	err;
	int			k_used;

	/* size 3 has one minority row: it cannot be split */
	base_config(&cfg, sizes_ok_bad, 2);
	set_methods(&cfg, 2, none_smote);
	memset(&prog, 0, sizeof(prog));
	prog.ordered = 1;
	cfg.progress = record_progress;
	cfg.progress_arg = &prog;
	out = calloc(n_results(&cfg), sizeof(rs_eval_result));
	memset(&err, 0, sizeof(err));
	CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_ERR_INVALID);
	CHECK(err.code == RS_ERR_INVALID && err.msg[0] != '\0');
	/* the first size's runs completed and were reported */
	CHECK(prog.calls == 3 && prog.ordered && prog.total == 6);
	CHECK(in_unit(result_cell(out, &cfg, 0, 1, 2)->recall));

	/* the GAN without a configuration */
	cfg.sizes = sizes_all;
	cfg.n_sizes = 1;
	cfg.runs = 1;
	cfg.progress = NULL;
	set_methods(&cfg, 2, gan);
	memset(&err, 0, sizeof(err));
	CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_ERR_INVALID);
	CHECK(strstr(err.msg, "gan") != NULL);
	free(out);

	/*
	 * SMOTE with one minority row in the training part (2 in all, one
	 * goes to test), after the split is encoded: an error, no leak.
	 */
	for (int r = 0; r < 200; r++)
		y[r] = (r == 5 || r == 150);
	set_methods(&cfg, 2, none_smote);
	out = calloc(n_results(&cfg), sizeof(rs_eval_result));
	memset(&err, 0, sizeof(err));
	CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_ERR_INVALID);
	CHECK(strstr(err.msg, "at least 2") != NULL);
	/* none alone works there */
	cfg.n_methods = 1;
	CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_OK);
	free(out);

	/* a bad column kind fails in the design */
	for (int r = 0; r < 200; r++)
		y[r] = (r % 4 == 0);
	t->cols[1].kind = 0;
	out = calloc(n_results(&cfg), sizeof(rs_eval_result));
	CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_ERR_INVALID);
	t->cols[1].kind = RS_KIND_CATEGORICAL;
	free(out);

	rs_table_free(t);
	free(y);
}

/* A tiny GAN (the GAN tests). */
static void
tiny_gan(rs_gan_config *gc, int epochs)
{
	rs_gan_config_default(gc);
	gc->embedding_dim = 8;
	gc->n_gen_dims = 1;
	gc->gen_dims[0] = 16;
	gc->n_dis_dims = 1;
	gc->dis_dims[0] = 16;
	gc->batch_size = 50;
	gc->pac = 10;
	gc->epochs = epochs;
}

/* The GAN method with a tiny network: runs, in range, deterministic. */
static void
test_evaluate_gan(void)
{
	int			n1,
			   *y;
	rs_table   *t = signal_table(300, 11, &y, &n1);
	int			sizes[2] = {120, 0};
	rs_augment	methods[3] = {RS_AUG_NONE, RS_AUG_GAN, RS_AUG_SMOTE};
	rs_gan_config gc;
	rs_eval_config cfg;
	rs_eval_result *a,
			   *b;
	rs_error	err;
	int			k_used;

	tiny_gan(&gc, 2);
	base_config(&cfg, sizes, 2);
	cfg.runs = 2;
	cfg.gan = &gc;
	set_methods(&cfg, 3, methods);
	a = calloc(n_results(&cfg), sizeof(rs_eval_result));
	b = calloc(n_results(&cfg), sizeof(rs_eval_result));
	CHECK(rs_evaluate_run(t, y, &cfg, a, &k_used, &err) == RS_OK);
	CHECK(k_used == 5);
	for (int s = 0; s < 2; s++)
		for (int r = 0; r < 2; r++)
		{
			rs_eval_result *e = result_cell(a, &cfg, s, 1, r);

			CHECK(in_unit(e->accuracy) && in_unit(e->recall) &&
				  in_unit(e->precision) && in_unit(e->f1) &&
				  in_unit(e->balanced_accuracy) && in_unit(e->roc_auc));
			CHECK(e->seconds >= 0);
		}
	CHECK(rs_evaluate_run(t, y, &cfg, b, &k_used, &err) == RS_OK);
	for (size_t i = 0; i < n_results(&cfg); i++)
		CHECK(same_metrics(&a[i], &b[i]));
	/* trained on every row, conditioned on the label: other GAN rows, the same twice */
	gc.all_rows = 1;
	CHECK(rs_evaluate_run(t, y, &cfg, b, &k_used, &err) == RS_OK);
	CHECK(!same_metrics(result_cell(a, &cfg, 0, 1, 0), result_cell(b, &cfg, 0, 1, 0)));
	CHECK(same_metrics(result_cell(a, &cfg, 0, 0, 0), result_cell(b, &cfg, 0, 0, 0)));
	CHECK(rs_evaluate_run(t, y, &cfg, a, &k_used, &err) == RS_OK);
	for (size_t i = 0; i < n_results(&cfg); i++)
		CHECK(same_metrics(&a[i], &b[i]) && in_unit(b[i].f1));
	free(a);
	free(b);
	rs_table_free(t);
	free(y);
}

/*
 * The GAN arm under differential privacy (cfg.dp): each run's GAN trains
 * by DP-SGD with the plan's noise for its rows, so its results depend on
 * epsilon (and differ from the same settings without DP), the other
 * methods' do not, and one seed gives one result, with 1 or 2 workers.
 */
static void
test_evaluate_dp(void)
{
	int			n1,
			   *y;
	rs_table   *t = signal_table(300, 17, &y, &n1);
	int			sizes[1] = {0};
	rs_augment	methods[2] = {RS_AUG_NONE, RS_AUG_GAN};
	rs_gan_config gc;
	rs_eval_config cfg;
	rs_eval_result *a,
			   *b;
	rs_error	err;
	rs_dp_plan	p1,
				p6;
	int			k_used;

	tiny_gan(&gc, 100);
	gc.pac = 1;
	gc.gp_lambda = 0;
	gc.moment_weight = 0;
	gc.calibration = 0;
	gc.early_stopping = 0;
	/* a wider clip than the default 0.01, under which this tiny GAN's
	 * metrics did not move with epsilon in 20 epochs */
	gc.weight_clip = 0.5;
	CHECK(rs_dp_plan_make(&p1, 1, 1e-6, 0.02) == 0);
	CHECK(rs_dp_plan_make(&p6, 1e6, 1e-6, 0.02) == 0);
	base_config(&cfg, sizes, 1);
	cfg.runs = 2;
	cfg.gan = &gc;
	cfg.dp = &p1;
	set_methods(&cfg, 2, methods);
	a = calloc(n_results(&cfg), sizeof(rs_eval_result));
	b = calloc(n_results(&cfg), sizeof(rs_eval_result));
	CHECK(rs_evaluate_run(t, y, &cfg, a, &k_used, &err) == RS_OK);
	for (size_t i = 0; i < n_results(&cfg); i++)
		CHECK(in_unit(a[i].f1) && in_unit(a[i].pr_auc));
	cfg.workers = 2;
	CHECK(rs_evaluate_run(t, y, &cfg, b, &k_used, &err) == RS_OK);
	for (size_t i = 0; i < n_results(&cfg); i++)
		CHECK(same_metrics(&a[i], &b[i]));
	cfg.dp = &p6;
	CHECK(rs_evaluate_run(t, y, &cfg, b, &k_used, &err) == RS_OK);
	/* (a GAN this small moves the metrics little: one run may not show it) */
	CHECK(!same_metrics(result_cell(a, &cfg, 0, 1, 0), result_cell(b, &cfg, 0, 1, 0)) ||
		  !same_metrics(result_cell(a, &cfg, 0, 1, 1), result_cell(b, &cfg, 0, 1, 1)));
	for (int r = 0; r < 2; r++)
		CHECK(same_metrics(result_cell(a, &cfg, 0, 0, r), result_cell(b, &cfg, 0, 0, r)));
	/* without DP the same settings train another GAN (no clipping, no noise) */
	cfg.dp = NULL;
	CHECK(rs_evaluate_run(t, y, &cfg, a, &k_used, &err) == RS_OK);
	CHECK(!same_metrics(result_cell(a, &cfg, 0, 1, 0), result_cell(b, &cfg, 0, 1, 0)) ||
		  !same_metrics(result_cell(a, &cfg, 0, 1, 1), result_cell(b, &cfg, 0, 1, 1)));
	free(a);
	free(b);
	rs_table_free(t);
	free(y);
}

/*
 * Random oversampling: the minority brought to 1:1 with copies of real
 * minority rows only, every minority row a candidate, the same rows for
 * the same seed; nothing added when the minority is not smaller.
 */
static void
test_random_oversample(void)
{
	enum
	{
		n = 50, p = 3
	};
	double		X[n * p],
				Xnew[n * p];
	int			y[n],
				n1 = 0,
				n_new,
				used[n] = {0};
	double		again[n * p];
	rs_rng		rng;
	rs_error	err;

	for (int i = 0; i < n; i++)
	{
		y[i] = i % 5 == 2;		/* 10 minority rows */
		n1 += y[i];
		for (int j = 0; j < p; j++)
			X[i * p + j] = i * 10.0 + j;	/* every row distinct */
	}
	rs_rng_seed(&rng, 77);
	CHECK(rs_random_oversample(X, y, n, p, &rng, Xnew, &n_new, &err) == RS_OK);
	CHECK(n_new == n - 2 * n1);
	CHECK(n1 + n_new == n - n1);	/* 1:1 */
	for (int k = 0; k < n_new; k++)
	{
		int			src = -1;

		for (int i = 0; i < n; i++)
			if (memcmp(Xnew + (size_t) k * p, X + (size_t) i * p, sizeof(double) * p) == 0)
				src = i;
		CHECK(src >= 0 && y[src] == 1);
		if (src >= 0)
			used[src]++;
	}
	{
		int			distinct = 0;

		for (int i = 0; i < n; i++)
			distinct += used[i] > 0;
		CHECK(distinct >= 6);	/* 30 draws of 10 rows: not one row repeated */
	}
	rs_rng_seed(&rng, 77);
	CHECK(rs_random_oversample(X, y, n, p, &rng, again, &n_new, &err) == RS_OK);
	CHECK(memcmp(again, Xnew, sizeof(double) * n_new * p) == 0);

	/* balanced already: no rows */
	for (int i = 0; i < n; i++)
		y[i] = i % 2;
	CHECK(rs_random_oversample(X, y, n, p, &rng, Xnew, &n_new, &err) == RS_OK);
	CHECK(n_new == 0);
	for (int i = 0; i < n; i++)
		y[i] = 0;
	CHECK(rs_random_oversample(X, y, n, p, &rng, Xnew, &n_new, &err) == RS_ERR_INVALID);
}

/*
 * The new methods with the boosted classifier: deterministic, the
 * metrics in range, weighted and threshold not the same as none.
 */
static void
test_evaluate_baselines_boosted(void)
{
	int			n1,
			   *y;
	rs_table   *t = signal_table(300, 21, &y, &n1);
	int			sizes[1] = {0};
	rs_augment	methods[4] = {RS_AUG_NONE, RS_AUG_WEIGHTED, RS_AUG_THRESHOLD, RS_AUG_RANDOM};
	rs_eval_config cfg;
	rs_eval_result a[4 * 2],
				b[4 * 2];
	rs_error	err;
	int			k_used,
				differ = 0;

	base_config(&cfg, sizes, 1);
	cfg.runs = 2;
	cfg.classifier = RS_CLASSIFIER_BOOSTED;
	set_methods(&cfg, 4, methods);
	CHECK(rs_evaluate_run(t, y, &cfg, a, &k_used, &err) == RS_OK);
	CHECK(rs_evaluate_run(t, y, &cfg, b, &k_used, &err) == RS_OK);
	for (int i = 0; i < 8; i++)
	{
		CHECK(same_metrics(&a[i], &b[i]));
		CHECK(in_unit(a[i].f1) && in_unit(a[i].pr_auc) && a[i].roc_auc > 0.7);
	}
	for (int m = 1; m < 4; m++)
		for (int r = 0; r < 2; r++)
			differ += !same_metrics(result_cell(a, &cfg, 0, m, r), result_cell(a, &cfg, 0, 0, r));
	CHECK(differ >= 4);
	rs_table_free(t);
	free(y);
}

/* ---------------------------------------------------------------- workers */

/*
 * The host's hooks, watched: which threads call them.  Workers must never
 * call the host's allocator or interrupt check (PostgreSQL is
 * single-threaded); the progress callback comes from the calling thread.
 */
static pthread_t host_thread;
static atomic_int foreign_calls;	/* host hooks called from another thread */
static atomic_int host_allocs;
static atomic_int interrupt_calls;
static int	cancel_after = -1;	/* interrupt checks before the "cancel" */
static jmp_buf cancel_jump;

static void
note_thread(void)
{
	if (!pthread_equal(pthread_self(), host_thread))
		atomic_fetch_add(&foreign_calls, 1);
}

static void *
host_alloc(size_t size)
{
	note_thread();
	atomic_fetch_add(&host_allocs, 1);
	return calloc(1, size ? size : 1);
}

static void
host_free(void *ptr)
{
	note_thread();
	free(ptr);
}

static void
host_interrupt(void)
{
	note_thread();
	if (atomic_fetch_add(&interrupt_calls, 1) == cancel_after)
		longjmp(cancel_jump, 1);	/* as PostgreSQL's ERROR does */
}

static void
watch_host(void)
{
	host_thread = pthread_self();
	atomic_store(&foreign_calls, 0);
	atomic_store(&host_allocs, 0);
	atomic_store(&interrupt_calls, 0);
	cancel_after = -1;
	rs_set_allocator(host_alloc, host_free);
	rs_set_interrupt_check(host_interrupt);
}

static void
unwatch_host(void)
{
	rs_set_allocator(NULL, NULL);
	rs_set_interrupt_check(NULL);
}

static void
record_thread(void *arg, int size_index, int run, int done, int total)
{
	note_thread();
	record_progress(arg, size_index, run, done, total);
}

/*
 * 1, 2 and 3 workers give the same numbers bit for bit (every method, a
 * tiny GAN, sizes below and at the table's), the same SMOTE neighbours,
 * progress in unit order from the calling thread; the workers never call
 * the host's hooks, and the serial run matches one with the team of 2
 * threads inside each GAN step.
 */
static void
test_evaluate_workers_identical(void)
{
	int			n1,
			   *y;
	rs_table   *t = signal_table(300, 31, &y, &n1);
	int			sizes[2] = {120, 0};
	rs_augment	methods[7] = {RS_AUG_NONE, RS_AUG_SMOTE, RS_AUG_GAN, RS_AUG_SMOTENC,
	RS_AUG_WEIGHTED, RS_AUG_THRESHOLD, RS_AUG_RANDOM};
	rs_gan_config gc;
	rs_eval_config cfg;
	rs_eval_result *base,
			   *out;
	rs_error	err;
	int			k_base,
				k_used;

	tiny_gan(&gc, 2);
	base_config(&cfg, sizes, 2);
	cfg.gan = &gc;
	set_methods(&cfg, 7, methods);
	base = calloc(n_results(&cfg), sizeof(rs_eval_result));
	out = calloc(n_results(&cfg), sizeof(rs_eval_result));
	rs_set_thread_count(1);
	cfg.workers = 1;
	CHECK(rs_evaluate_workers(&cfg) == 1);
	CHECK(rs_evaluate_run(t, y, &cfg, base, &k_base, &err) == RS_OK);
	for (int w = 2; w <= 4; w++)
	{
		progress_log prog;

		memset(&prog, 0, sizeof(prog));
		prog.ordered = 1;
		memset(out, 0, sizeof(rs_eval_result) * n_results(&cfg));
		/* w == 4: one worker, each GAN step on a team of 2 threads */
		rs_set_thread_count(w == 4 ? 2 : 1);
		cfg.workers = w == 4 ? 1 : w;
		CHECK(rs_evaluate_workers(&cfg) == (w == 4 ? 1 : w));
		cfg.progress = record_thread;
		cfg.progress_arg = &prog;
		watch_host();
		CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_OK);
		unwatch_host();
		CHECK(atomic_load(&foreign_calls) == 0);
		/* with workers, the host allocates only the job's bookkeeping */
		if (w < 4)
			CHECK(atomic_load(&host_allocs) <= 4);
		CHECK(atomic_load(&interrupt_calls) > 0);
		CHECK(k_used == k_base);
		CHECK(prog.calls == 6 && prog.ordered && prog.total == 6);
		for (int i = 0; i < 6 && i < prog.calls; i++)
			CHECK(prog.size_index[i] == i / 3 && prog.run[i] == i % 3);
		for (size_t i = 0; i < n_results(&cfg); i++)
			CHECK(same_metrics(&base[i], &out[i]));
		cfg.progress = NULL;
	}
	rs_set_thread_count(0);
	free(base);
	free(out);
	rs_table_free(t);
	free(y);
}

/* The rule: workers only for 2 units or more, never for the boosted trees. */
static void
test_evaluate_workers_rule(void)
{
	int			sizes[2] = {100, 0};
	rs_eval_config cfg;

	base_config(&cfg, sizes, 2);
	rs_set_thread_count(2);
	CHECK(rs_evaluate_workers(&cfg) == 2);
	cfg.workers = 8;
	CHECK(rs_evaluate_workers(&cfg) == 6);	/* 6 units */
	cfg.workers = 0;
	cfg.runs = 1;
	cfg.n_sizes = 1;
	CHECK(rs_evaluate_workers(&cfg) == 1);
	cfg.n_sizes = 2;
	CHECK(rs_evaluate_workers(&cfg) == 2);
	cfg.classifier = RS_CLASSIFIER_BOOSTED;
	CHECK(rs_evaluate_workers(&cfg) == 1);
	cfg.classifier = RS_CLASSIFIER_LOGISTIC;
	rs_set_thread_count(1);
	CHECK(rs_evaluate_workers(&cfg) == 1);
	rs_set_thread_count(0);
}

static double
seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * A cancel while two workers train long GANs: the host's interrupt check
 * does not return (a longjmp, as PostgreSQL's ERROR), the host calls
 * rs_evaluate_release, which stops both workers within a step or so and
 * frees what they held (valgrind: no leak), and restores OpenBLAS's thread
 * count.  A second release does nothing; the next evaluation works.
 */
static void
test_evaluate_workers_cancel(void)
{
	int			n1,
			   *y;
	rs_table   *t = signal_table(400, 41, &y, &n1);
	int			sizes[1] = {0};
	rs_augment	methods[2] = {RS_AUG_NONE, RS_AUG_GAN};
	rs_gan_config gc;
	rs_eval_config cfg;
	rs_eval_result *out;
	rs_error	err;
	int			k_used,
				blas = openblas_get_num_threads();
	double		t_release = 0;
	volatile int jumped = 0;

	tiny_gan(&gc, 100000);		/* far longer than the test */
	gc.early_stopping = 0;		/* ... however soon the losses settle */
	base_config(&cfg, sizes, 1);
	cfg.runs = 2;
	cfg.gan = &gc;
	cfg.workers = 2;
	set_methods(&cfg, 2, methods);
	out = calloc(n_results(&cfg), sizeof(rs_eval_result));
	watch_host();
	cancel_after = 3;			/* a few checks: the workers are training */
	if (setjmp(cancel_jump) == 0)
		rs_evaluate_run(t, y, &cfg, out, &k_used, &err);
	else
	{
		double		t1 = seconds_now();

		jumped = 1;
		rs_evaluate_release();
		t_release = seconds_now() - t1;
	}
	unwatch_host();
	CHECK(jumped);
	CHECK(atomic_load(&foreign_calls) == 0);
	CHECK(t_release < 1.0);
	CHECK(openblas_get_num_threads() == blas);
	rs_evaluate_release();

	/* the next evaluation runs normally */
	gc.epochs = 1;
	CHECK(rs_evaluate_run(t, y, &cfg, out, &k_used, &err) == RS_OK);
	free(out);
	rs_table_free(t);
	free(y);
}

/*
 * A worker scope: its blocks come from calloc, never from the host's
 * allocator; what is left is freed at its end (valgrind); a cancel makes
 * rs_check_interrupts jump back instead of returning.
 */
static void *
scope_main(void *arg)
{
	static _Atomic int cancel;
	rs_worker  *w = arg;
	int		   *a,
			   *b;

	atomic_store(&cancel, 0);
	rs_worker_begin(w, &cancel);
	CHECK(rs_in_worker() && rs_thread_count() == 1);
	a = rs_alloc_array(100, sizeof(int));
	b = rs_alloc(10);
	CHECK(a && b && a[99] == 0);
	rs_free(a);
	rs_check_interrupts();		/* returns: no cancel */
	atomic_store(&cancel, 1);
	if (setjmp(w->jump) == 0)
	{
		rs_alloc(1000);			/* left for rs_worker_end */
		rs_check_interrupts();
		CHECK(0);				/* not reached */
	}
	rs_worker_end(w);
	CHECK(!rs_in_worker());
	return NULL;
}

static void
test_worker_scope(void)
{
	static rs_worker w;
	pthread_t	th;

	watch_host();
	CHECK(pthread_create(&th, NULL, scope_main, &w) == 0);
	pthread_join(th, NULL);
	unwatch_host();
	CHECK(atomic_load(&foreign_calls) == 0 && atomic_load(&host_allocs) == 0);
	CHECK(w.blocks == NULL);
	CHECK(!rs_in_worker());
}

int
main(void)
{
	RUN(test_evaluate_signal);
	RUN(test_evaluate_deterministic);
	RUN(test_evaluate_matches_reference);
	RUN(test_evaluate_small_minority);
	RUN(test_evaluate_errors);
	RUN(test_evaluate_gan);
	RUN(test_evaluate_dp);
	RUN(test_random_oversample);
	RUN(test_evaluate_baselines_boosted);
	RUN(test_worker_scope);
	RUN(test_evaluate_workers_rule);
	RUN(test_evaluate_workers_identical);
	RUN(test_evaluate_workers_cancel);
	return unit_summary("test_evaluate");
}

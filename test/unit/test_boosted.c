/*
 * test_boosted.c
 *	  Unit tests of the boosted classifier (boosted.h, XGBoost): it finds an
 *	  obvious signal and no signal in noise, its margins are bitwise the
 *	  same for a seed and a thread count, its errors carry XGBoost's text,
 *	  it leaves no thread running and no signal handler changed, and the
 *	  design's missing map finds exactly the NULLs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boosted.h"
#include "classifier.h"
#include "design.h"
#include "rng.h"
#include "team.h"
#include "unit.h"
#include "tables.h"

#define P 4

static int	threads_at_start;	/* before any fit */

/*
 * n rows of P standard normal features; the label is x0 + x1 > 0 (signal)
 * or a coin (noise), about a quarter of the rows positive.
 */
static void
make_rows(int n, int signal, uint64_t seed, double *X, int *y)
{
	rs_rng		rng;

	rs_rng_seed(&rng, seed);
	for (int i = 0; i < n; i++)
	{
		for (int k = 0; k < P; k++)
			X[(size_t) i * P + k] = rs_rng_normal(&rng);
		if (signal)
			y[i] = X[(size_t) i * P] + X[(size_t) i * P + 1] > 0.95;
		else
			y[i] = rs_rng_uniform(&rng) < 0.25;
	}
}

/* ROC AUC of the boosted trees fitted on n_tr rows, scored on n_te. */
static double
fit_auc(int signal, int n_tr, int n_te, int nthread, double *scores_out)
{
	double	   *Xtr = malloc(sizeof(double) * n_tr * P),
			   *Xte = malloc(sizeof(double) * n_te * P),
			   *scores = malloc(sizeof(double) * n_te);
	int		   *ytr = malloc(sizeof(int) * n_tr),
			   *yte = malloc(sizeof(int) * n_te);
	rs_boosted_params prm;
	rs_metrics	m;
	rs_error	err;
	double		auc = NAN;

	make_rows(n_tr, signal, 11, Xtr, ytr);
	make_rows(n_te, signal, 12, Xte, yte);
	rs_boosted_defaults(&prm, 42);
	prm.nthread = nthread;
	CHECK(rs_boosted_scores(&prm, Xtr, ytr, NULL, n_tr, Xte, n_te, P, NULL, NULL,
							scores, &err) == RS_OK);
	if (rs_metrics_compute(scores, yte, n_te, 0.0, &m, &err) == RS_OK)
		auc = m.roc_auc;
	if (scores_out)
		memcpy(scores_out, scores, sizeof(double) * n_te);
	free(Xtr);
	free(Xte);
	free(scores);
	free(ytr);
	free(yte);
	return auc;
}

/* Threads of this process (the entries of /proc/self/task). */
static int
thread_count(void)
{
	DIR		   *d = opendir("/proc/self/task");
	struct dirent *e;
	int			n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* An obvious signal: AUC > 0.95 on rows the trees never saw. */
static void
test_signal(void)
{
	double		auc = fit_auc(1, 600, 2000, 2, NULL);

	CHECK(auc > 0.95);
	printf("  signal: AUC %.4f\n", auc);
}

/* Noise: AUC about 0.5 (2000 test rows: sd about 0.015). */
static void
test_noise(void)
{
	double		auc = fit_auc(0, 600, 2000, 2, NULL);

	CHECK_NEAR(auc, 0.5, 0.06);
	printf("  noise: AUC %.4f\n", auc);
}

/* Same seed, same thread count: bitwise the same margins, twice over. */
static void
test_deterministic(void)
{
	int			n_te = 500;
	double	   *a = malloc(sizeof(double) * n_te),
			   *b = malloc(sizeof(double) * n_te),
			   *c = malloc(sizeof(double) * n_te);

	fit_auc(1, 400, n_te, 2, a);
	fit_auc(1, 400, n_te, 2, b);
	fit_auc(1, 400, n_te, 1, c);
	CHECK(memcmp(a, b, sizeof(double) * n_te) == 0);
	/* the margins are probabilities' logits, not all equal */
	CHECK(a[0] != a[1] || a[1] != a[2]);
	for (int i = 0; i < n_te; i++)
		CHECK_NEAR(a[i], c[i], 1e-3);
	free(a);
	free(b);
	free(c);
}

/*
 * No thread left running after a fit (XGBoost's OpenMP pool is shut down:
 * its threads exit, detached, within moments), the caller's signal mask
 * and every signal's handler unchanged.
 */
static void
test_no_threads_no_signals(void)
{
	struct sigaction before[NSIG],
				after;
	sigset_t	mask_before,
				mask_after;
	int			n0,
				n1 = -1;

	int			ok[NSIG];

	for (int s = 1; s < NSIG; s++)
		ok[s] = sigaction(s, NULL, &before[s]) == 0;
	pthread_sigmask(SIG_SETMASK, NULL, &mask_before);
	n0 = threads_at_start;
	CHECK(fit_auc(1, 300, 100, 2, NULL) > 0.9);
	for (int i = 0; i < 200; i++)
	{
		struct timespec ts = {0, 5 * 1000 * 1000};

		if ((n1 = thread_count()) == n0)
			break;
		nanosleep(&ts, NULL);
	}
	CHECK(n0 >= 1 && n1 == n0);
	pthread_sigmask(SIG_SETMASK, NULL, &mask_after);
	for (int s = 1; s < NSIG; s++)
	{
		/* glibc's own (32, 33) cannot be queried */
		if (!ok[s] || sigaction(s, NULL, &after) != 0)
			continue;
		if (after.sa_handler != before[s].sa_handler)
			printf("  signal %d (%s): handler changed\n", s, strsignal(s));
		CHECK(after.sa_handler == before[s].sa_handler);
		CHECK(sigismember(&mask_after, s) == sigismember(&mask_before, s));
	}
}

/* The errors: bad arguments, a non-finite feature, XGBoost's own text. */
static void
test_errors(void)
{
	int			n = 200;
	double	   *X = malloc(sizeof(double) * n * P),
			   *scores = malloc(sizeof(double) * n);
	double		w[4] = {1, 1, -1, 1};
	int		   *y = malloc(sizeof(int) * n),
			   *y1 = calloc(n, sizeof(int));
	rs_boosted_params prm;
	rs_error	err;

	make_rows(n, 1, 3, X, y);
	rs_boosted_defaults(&prm, 1);
	prm.nthread = 1;

	/* one class only */
	CHECK(rs_boosted_scores(&prm, X, y1, NULL, n, X, n, P, NULL, NULL, scores, &err) == RS_ERR_INVALID);
	CHECK(strstr(err.msg, "both classes") != NULL);
	/* a label that is not 0 or 1 */
	y1[0] = 2;
	CHECK(rs_boosted_scores(&prm, X, y1, NULL, n, X, n, P, NULL, NULL, scores, &err) == RS_ERR_INVALID);
	/* a negative weight */
	CHECK(rs_boosted_scores(&prm, X, y, w, 4, X, n, P, NULL, NULL, scores, &err) == RS_ERR_INVALID);
	/* no rows, no threads */
	CHECK(rs_boosted_scores(&prm, X, y, NULL, 0, X, n, P, NULL, NULL, scores, &err) == RS_ERR_INVALID);
	prm.nthread = 0;
	CHECK(rs_boosted_scores(&prm, X, y, NULL, n, X, n, P, NULL, NULL, scores, &err) == RS_ERR_INVALID);
	prm.nthread = 1;
	/* a NaN feature */
	X[7] = NAN;
	CHECK(rs_boosted_scores(&prm, X, y, NULL, n, X, n, P, NULL, NULL, scores, &err) == RS_ERR_NUMERIC);
	X[7] = 0.5;
	/* beyond float's range: clamped, not infinite */
	X[5] = 1e300;
	X[6] = -1e300;
	CHECK(rs_boosted_scores(&prm, X, y, NULL, n, X, n, P, NULL, NULL, scores, &err) == RS_OK);
	for (int i = 0; i < n; i++)
		CHECK(isfinite(scores[i]));
	/* XGBoost refuses a parameter: its message, handles freed (valgrind) */
	prm.max_bin = 1;
	CHECK(rs_boosted_scores(&prm, X, y, NULL, n, X, n, P, NULL, NULL, scores, &err) == RS_ERR_INTERNAL);
	CHECK(strstr(err.msg, "XGBoost could not") != NULL);
	CHECK(strstr(err.msg, "max_bin") != NULL);
	printf("  XGBoost error: %s\n", err.msg);
	prm.max_bin = 256;
	/* row weights and no features */
	for (int i = 0; i < 4; i++)
		w[i] = 1;
	CHECK(rs_boosted_scores(&prm, X, y, NULL, n, X, n, 0, NULL, NULL, scores, &err) == RS_OK);
	CHECK(scores[0] == scores[n - 1]);
	free(X);
	free(scores);
	free(y);
	free(y1);
}

/*
 * rs_design_missing: a continuous column with NULLs gets a missing
 * indicator; the map points its feature at it and the cut separates the
 * NULL rows from the others.  Through rs_classifier_fit_score the boosted
 * trees then see the NULLs as missing and still learn a label that is
 * "NULL or x > 1".
 */
static void
test_missing_map(void)
{
	int			n = 300;
	rs_error	err;
	rs_table   *t = rs_table_create(n, 2, &err);
	rs_design	d;
	rs_rng		rng;
	int		   *y = malloc(sizeof(int) * n);
	double	   *X;
	int		   *miss;
	double	   *cut;
	int			found = 0;
	rs_metrics	m;
	rs_classifier clf = {RS_CLASSIFIER_BOOSTED, 1.0, 7};

	set_continuous(t, 0, "x");
	set_continuous(t, 1, "z");
	rs_rng_seed(&rng, 5);
	for (int r = 0; r < n; r++)
	{
		double		x = rs_rng_normal(&rng);
		int			null = r % 7 == 0;

		RS_CELL(t, r, 0) = null ? RS_NULL : x;
		RS_CELL(t, r, 1) = rs_rng_normal(&rng);
		y[r] = null || x > 1.0;
	}
	CHECK(rs_design_fit(&d, t, &err) == RS_OK);
	X = malloc(sizeof(double) * n * d.p);
	miss = malloc(sizeof(int) * d.p);
	cut = malloc(sizeof(double) * d.p);
	CHECK(rs_design_transform(&d, t, X, &err) == RS_OK);
	rs_design_missing(&d, miss, cut);
	CHECK(d.p == 3);			/* x, z, x's indicator */
	for (int k = 0; k < d.p; k++)
	{
		if (miss[k] < 0)
			continue;
		found++;
		for (int r = 0; r < n; r++)
			CHECK((X[(size_t) r * d.p + miss[k]] > cut[k]) == rs_is_null(RS_CELL(t, r, 0)));
	}
	CHECK(found == 1);
	CHECK(rs_classifier_fit_score(&clf, X, y, n, X, y, n, d.p, &d, &m, &err) == RS_OK);
	CHECK(m.roc_auc > 0.99);
	clf.kind = RS_CLASSIFIER_LOGISTIC;
	CHECK(rs_classifier_fit_score(&clf, X, y, n, X, y, n, d.p, &d, &m, &err) == RS_OK);
	clf.kind = (rs_classifier_kind) 9;
	CHECK(rs_classifier_fit_score(&clf, X, y, n, X, y, n, d.p, &d, &m, &err) == RS_ERR_INVALID);
	rs_design_free(&d);
	rs_table_free(t);
	free(X);
	free(miss);
	free(cut);
	free(y);
}

/* The names the SQL functions take. */
static void
test_parse(void)
{
	rs_classifier_kind k = RS_CLASSIFIER_LOGISTIC;

	CHECK(rs_classifier_parse("boosted", &k) && k == RS_CLASSIFIER_BOOSTED);
	CHECK(rs_classifier_parse("logistic", &k) && k == RS_CLASSIFIER_LOGISTIC);
	CHECK(!rs_classifier_parse("Boosted", &k));
	CHECK(!rs_classifier_parse("", &k));
	CHECK(rs_boosted_bytes(1000, 300, 20, 20 * RS_BOOSTED_MAX_BIN, 2) > 1000 * 20 * 4.0);
	CHECK(rs_boosted_bytes(1000, 300, 20, 40, 2) < rs_boosted_bytes(1000, 300, 20, 5000, 2));
	rs_set_thread_count(2);
	CHECK(rs_boosted_threads(1000, 50) == 1);
	CHECK(rs_boosted_threads(1 << 20, 8) == 2);
	rs_set_thread_count(0);
}

int
main(void)
{
	threads_at_start = thread_count();
	RUN(test_signal);
	RUN(test_noise);
	RUN(test_deterministic);
	RUN(test_no_threads_no_signals);
	RUN(test_errors);
	RUN(test_missing_map);
	RUN(test_parse);
	return unit_summary("test_boosted");
}

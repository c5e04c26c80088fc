/*
 * boosted.c
 *	  Gradient-boosted trees through XGBoost's C API (see boosted.h).
 *
 * One fit: the features copied to float (XGBoost's dense input), NULLs as
 * NaN where the caller marks them; a DMatrix of the training rows with
 * their labels (and weights); a booster with the fixed parameters; one
 * XGBoosterUpdateOneIter per round with an interrupt check between rounds;
 * the margins of the test rows.  Every call's status is checked and its
 * XGBGetLastError() text goes into the error; the handles are freed on
 * every path, and kept in `live` meanwhile so that rs_boosted_release()
 * can free them when an interrupt check does not return.
 */
#define _POSIX_C_SOURCE 200809L
#include "boosted.h"

#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <xgboost/c_api.h>

#include "team.h"

/*
 * libgomp's (OpenMP 5.0) end of the thread pool, declared here so that
 * compilers without omp.h (clang without libomp-dev) build this file.
 */
extern int	omp_pause_resource_all(int kind);
#define RS_OMP_PAUSE_HARD 2

/* The handles of the fit in progress (one at a time: the host's thread). */
static struct
{
	DMatrixHandle dtrain;
	DMatrixHandle dtest;
	BoosterHandle booster;
}			live;

void
rs_boosted_defaults(rs_boosted_params *prm, uint64_t seed)
{
	memset(prm, 0, sizeof(*prm));
	prm->n_rounds = 100;		/* XGBClassifier's n_estimators */
	prm->max_depth = 6;
	prm->eta = 0.3;
	prm->min_child_weight = 1.0;
	prm->lambda = 1.0;
	prm->max_bin = RS_BOOSTED_MAX_BIN;
	prm->nthread = rs_thread_count();
	prm->seed = seed;
}

/* XGBoost's last error, its first line (the rest documents a parameter). */
static rs_status
xgb_fail(rs_error *err, const char *what)
{
	const char *msg = XGBGetLastError();
	size_t		len = msg ? strcspn(msg, "\n") : 0;

	return rs_fail(err, RS_ERR_INTERNAL, "XGBoost could not %s: %.*s", what,
				   (int) len, msg ? msg : "");
}

int
rs_boosted_threads(int n_tr, int p)
{
	return (double) n_tr * p >= RS_BOOSTED_THREAD_CELLS ? rs_thread_count() : 1;
}

/*
 * Run one XGBoost call with every signal blocked (the OpenMP threads it
 * may create inherit the mask: the host's signals stay on its thread);
 * on failure record XGBoost's message.
 */
#define XGB_CALL(call, what) \
	do { \
		sigset_t	all_, old_; \
		int			rc_; \
		sigfillset(&all_); \
		pthread_sigmask(SIG_SETMASK, &all_, &old_); \
		rc_ = (call); \
		pthread_sigmask(SIG_SETMASK, &old_, NULL); \
		if (rc_ != 0) \
		{ \
			st = xgb_fail(err, (what)); \
			goto done; \
		} \
	} while (0)

/* Shut down the OpenMP pool: its threads exit (none is left waiting). */
static void
pause_pool(void)
{
	sigset_t	all,
				old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	omp_pause_resource_all(RS_OMP_PAUSE_HARD);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void
rs_boosted_release(void)
{
	if (live.booster)
		XGBoosterFree(live.booster);
	if (live.dtrain)
		XGDMatrixFree(live.dtrain);
	if (live.dtest)
		XGDMatrixFree(live.dtest);
	memset(&live, 0, sizeof(live));
	pause_pool();
}

double
rs_boosted_bytes(double n_tr, double n_te, double p, double bins, int nthread)
{
	rs_boosted_params d;
	double		nodes;

	rs_boosted_defaults(&d, 0);
	nodes = ldexp(1.0, d.max_depth + 1) + 2.0 * (nthread > 0 ? nthread : 1);
	return (n_tr + n_te) * p * (sizeof(float) + 12.0)	/* copies, entries */
		+ n_tr * (p * 4.0 + 64.0)	/* bin index, gradients, caches */
		+ nodes * bins * 16.0	/* histograms */
		+ d.n_rounds * ldexp(1.0, d.max_depth + 1) * 64.0	/* the trees */
		+ 4.0 * 1024 * 1024;
}

/*
 * rows x p floats of X, NaN where the caller's missing map says so;
 * RS_ERR_NUMERIC on any other non-finite value.  (A test row's value of a
 * column constant in training is not standardised and may exceed float.)
 */
static rs_status
to_float(const double *X, int rows, int p, const int *miss, const double *cut,
		 float *out, rs_error *err)
{
	for (int i = 0; i < rows; i++)
	{
		const double *x = X + (size_t) i * p;
		float	   *o = out + (size_t) i * p;

		for (int k = 0; k < p; k++)
		{
			if (!isfinite(x[k]))
				return rs_fail(err, RS_ERR_NUMERIC,
							   "feature matrix has a non-finite value");
			if (miss && miss[k] >= 0 && miss[k] < p && x[miss[k]] > cut[k])
				o[k] = NAN;
			else				/* beyond float's range: its end (same order) */
				o[k] = (float) fmax(-FLT_MAX, fmin(FLT_MAX, x[k]));
		}
	}
	return RS_OK;
}

/* The fixed parameters on booster b. */
static rs_status
set_params(BoosterHandle b, const rs_boosted_params *prm, rs_error *err)
{
	char		v[64];
	rs_status	st = RS_OK;

#define SET(name, value) XGB_CALL(XGBoosterSetParam(b, (name), (value)), "set parameter " name)
	SET("objective", "binary:logistic");
	SET("base_score", "0.5");
	SET("tree_method", "hist");
	SET("booster", "gbtree");
	SET("verbosity", "0");
	SET("disable_default_eval_metric", "1");
	snprintf(v, sizeof(v), "%d", prm->nthread);
	SET("nthread", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long) (prm->seed & 0x7fffffffULL));
	SET("seed", v);
	snprintf(v, sizeof(v), "%d", prm->max_depth);
	SET("max_depth", v);
	snprintf(v, sizeof(v), "%.17g", prm->eta);
	SET("eta", v);
	snprintf(v, sizeof(v), "%.17g", prm->min_child_weight);
	SET("min_child_weight", v);
	snprintf(v, sizeof(v), "%.17g", prm->lambda);
	SET("lambda", v);
	snprintf(v, sizeof(v), "%d", prm->max_bin);
	SET("max_bin", v);
	SET("gamma", "0");
	SET("alpha", "0");
	SET("subsample", "1");
	SET("colsample_bytree", "1");
	SET("colsample_bylevel", "1");
	SET("colsample_bynode", "1");
	SET("max_delta_step", "0");
	SET("scale_pos_weight", "1");
	SET("grow_policy", "depthwise");
#undef SET
done:
	return st;
}

rs_status
rs_boosted_scores(const rs_boosted_params *prm,
				  const double *Xtr, const int *y, const double *w, int n_tr,
				  const double *Xte, int n_te, int p,
				  const int *miss, const double *cut,
				  double *scores, rs_error *err)
{
	float	   *Ftr = NULL,
			   *Fte = NULL,
			   *lab = NULL,
			   *wt = NULL;
	const float *pred;
	bst_ulong	n_pred;
	int			n1 = 0;
	rs_status	st = RS_OK;

	rs_boosted_release();		/* whatever an interrupted fit left */
	if (n_tr < 1 || n_te < 0 || p < 0 || prm->n_rounds < 1 || prm->nthread < 1)
		return rs_fail(err, RS_ERR_INVALID,
					   "invalid boosted trees: %d training rows, %d test rows, %d features, %d rounds, %d threads",
					   n_tr, n_te, p, prm->n_rounds, prm->nthread);
	for (int i = 0; i < n_tr; i++)
	{
		if (y[i] != 0 && y[i] != 1)
			return rs_fail(err, RS_ERR_INVALID, "label %d is not 0 or 1", y[i]);
		if (w && !(w[i] >= 0.0 && isfinite(w[i])))
			return rs_fail(err, RS_ERR_INVALID, "row weight %g is not a finite number >= 0", w[i]);
		n1 += y[i];
	}
	if (n1 == 0 || n1 == n_tr)
		return rs_fail(err, RS_ERR_INVALID,
					   "boosted trees need both classes in the training rows");
	if (p == 0 || n_te == 0)
	{
		/* no feature to split on: every row gets the training log odds */
		for (int i = 0; i < n_te; i++)
			scores[i] = log((double) n1 / (double) (n_tr - n1));
		return RS_OK;
	}

	Ftr = rs_alloc_array((size_t) n_tr * (size_t) p, sizeof(float));
	Fte = rs_alloc_array((size_t) n_te * (size_t) p, sizeof(float));
	lab = rs_alloc_array((size_t) n_tr, sizeof(float));
	wt = w ? rs_alloc_array((size_t) n_tr, sizeof(float)) : NULL;
	if (!Ftr || !Fte || !lab || (w && !wt))
	{
		st = rs_fail(err, RS_ERR_NOMEM,
					 "out of memory for boosted trees on %d x %d", n_tr, p);
		goto done;
	}
	if ((st = to_float(Xtr, n_tr, p, miss, cut, Ftr, err)) != RS_OK ||
		(st = to_float(Xte, n_te, p, miss, cut, Fte, err)) != RS_OK)
		goto done;
	for (int i = 0; i < n_tr; i++)
	{
		lab[i] = (float) y[i];
		if (wt)
			wt[i] = (float) w[i];
	}

	XGB_CALL(XGBSetGlobalConfig("{\"verbosity\": 0}"), "set its verbosity");
	XGB_CALL(XGDMatrixCreateFromMat_omp(Ftr, (bst_ulong) n_tr, (bst_ulong) p, NAN,
										&live.dtrain, prm->nthread),
			 "build the training matrix");
	XGB_CALL(XGDMatrixSetFloatInfo(live.dtrain, "label", lab, (bst_ulong) n_tr),
			 "set the labels");
	if (wt)
		XGB_CALL(XGDMatrixSetFloatInfo(live.dtrain, "weight", wt, (bst_ulong) n_tr),
				 "set the row weights");
	XGB_CALL(XGDMatrixCreateFromMat_omp(Fte, (bst_ulong) n_te, (bst_ulong) p, NAN,
										&live.dtest, prm->nthread),
			 "build the test matrix");
	XGB_CALL(XGBoosterCreate(&live.dtrain, 1, &live.booster), "create a booster");
	if ((st = set_params(live.booster, prm, err)) != RS_OK)
		goto done;
	for (int it = 0; it < prm->n_rounds; it++)
	{
		rs_check_interrupts();
		XGB_CALL(XGBoosterUpdateOneIter(live.booster, it, live.dtrain), "run a boosting round");
	}
	rs_check_interrupts();
	/* option_mask 1: the margin; ntree_limit 0: every tree; training 0 */
	XGB_CALL(XGBoosterPredict(live.booster, live.dtest, 1, 0, 0, &n_pred, &pred),
			 "predict the test rows");
	if (n_pred != (bst_ulong) n_te)
	{
		st = rs_fail(err, RS_ERR_INTERNAL, "XGBoost predicted %llu rows for %d",
					 (unsigned long long) n_pred, n_te);
		goto done;
	}
	for (int i = 0; i < n_te; i++)
	{
		scores[i] = (double) pred[i];
		if (isnan(scores[i]))
		{
			st = rs_fail(err, RS_ERR_NUMERIC, "boosted trees gave row %d a NaN margin", i);
			goto done;
		}
	}

done:
	rs_boosted_release();
	rs_free(Ftr);
	rs_free(Fte);
	rs_free(lab);
	rs_free(wt);
	return st;
}

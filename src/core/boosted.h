/*
 * boosted.h
 *	  The evaluation's second classifier: gradient-boosted trees through
 *	  XGBoost's C API (libxgboost, Debian's libxgboost-dev), fitted on the
 *	  same feature matrices as the logistic model (design.h).
 *
 * The parameters are fixed (rs_boosted_defaults; docs/evaluation.md says
 * why): XGBoost's own defaults, as xgboost.XGBClassifier() uses them, with
 * tree_method hist, no row or column sampling, and the seed and thread
 * count set on every booster, so that the scores are bitwise identical for
 * a seed and a thread count.  Scores are margins (log odds): a row is
 * positive when its margin > 0, as for the logistic model's logits.
 *
 * XGBoost allocates with C++ new outside rs_alloc and runs OpenMP threads
 * (libgomp).  Every XGBoost call runs with every signal blocked, so the
 * pool threads it creates never take the host's signals; the pool is shut
 * down (omp_pause_resource_all) before a fit returns, and the fit checks
 * for interrupts between boosting rounds.  The handles of the fit in
 * progress are kept here: if rs_check_interrupts does not return (the
 * host's cancel), the host calls rs_boosted_release() to free them.
 */
#ifndef RS_BOOSTED_H
#define RS_BOOSTED_H

#include <stdint.h>

#include "rs_common.h"

typedef struct rs_boosted_params
{
	int			n_rounds;		/* boosting rounds (trees) */
	int			max_depth;
	double		eta;			/* learning rate */
	double		min_child_weight;
	double		lambda;			/* L2 on leaf weights */
	int			max_bin;		/* hist: bins per feature */
	int			nthread;		/* OpenMP threads, >= 1 */
	uint64_t	seed;
} rs_boosted_params;

/* The fixed parameters, nthread = rs_thread_count() and seed. */
void		rs_boosted_defaults(rs_boosted_params *prm, uint64_t seed);

/*
 * The threads a fit on n_tr rows of p features uses: 1 below
 * RS_BOOSTED_THREAD_CELLS feature values, rs_thread_count() from there.
 * libgomp's threads spin between parallel regions (its wait policy is
 * read once, when the library loads), so on a machine whose cores are
 * busy a second thread made fits of 700 to 40000 rows of 53 features 1.1
 * to 10 times slower, never faster; below that size a thread more saves
 * little even on idle cores.  The count depends on the data's shape and
 * the setting only, so the margins stay the same for a seed and a setting.
 */
#define RS_BOOSTED_THREAD_CELLS (1 << 22)
int			rs_boosted_threads(int n_tr, int p);

/*
 * Fit on the n_tr rows of Xtr (p features, row-major; labels y in {0, 1},
 * both present; weights w per row, or NULL for 1) and write the margins of
 * the n_te rows of Xte into scores.  miss, when not NULL, marks NULLs as
 * missing: feature k of a row is passed to XGBoost as missing (NaN) when
 * miss[k] >= 0 and that row's feature miss[k] (its missing indicator) is
 * above cut[k].  Every other value must be finite.
 */
rs_status	rs_boosted_scores(const rs_boosted_params *prm,
							  const double *Xtr, const int *y, const double *w, int n_tr,
							  const double *Xte, int n_te, int p,
							  const int *miss, const double *cut,
							  double *scores, rs_error *err);

/*
 * Free whatever a fit left behind when it did not return (its booster and
 * matrices) and shut down the OpenMP pool.  Safe to call at any time.
 */
void		rs_boosted_release(void);

/* The default max_bin: a feature's histogram has at most this many bins. */
#define RS_BOOSTED_MAX_BIN 256

/*
 * A rough upper bound of the bytes a fit holds on n_tr training and n_te
 * test rows of p features whose histograms have bins bins in all (a
 * feature has min(its distinct values, RS_BOOSTED_MAX_BIN); p *
 * RS_BOOSTED_MAX_BIN at most) with the default parameters and nthread
 * threads: the float copies (rs_alloc) and XGBoost's own (the matrices,
 * the quantised index, gradients, the histograms of every node of a tree
 * and of every thread, the trees).  Against the peak RSS of fits (less
 * the libraries' and the caller's) on 8763 and 20000 rows of 53 features,
 * 5 to 53 of them continuous: 1.4 to 1.5 times what was used.
 */
double		rs_boosted_bytes(double n_tr, double n_te, double p, double bins, int nthread);

#endif							/* RS_BOOSTED_H */

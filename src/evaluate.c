/*
 * evaluate.c
 *	  raresynth_evaluate(): the paper's experiment inside the database.
 *	  For each size and run: a stratified subsample, a stratified split
 *	  shared by every method, the training part treated by each method
 *	  (none; smote, smotenc, gan, random: rows added to 1:1; weighted:
 *	  class weights; threshold: a tuned decision threshold), the built-in
 *	  classifier fitted on it and scored on the untouched test part; one
 *	  row per (method, size) with means, standard deviations and paired
 *	  differences against none, SMOTE and the best method that is not gan.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "portability/instr_time.h"
#include "storage/ipc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "boosted.h"
#include "evaluate.h"
#include "protocol.h"
#include "raresynth.h"

#define RS_EVAL_MAX_RUNS 10000
#define RS_EVAL_MAX_SIZES 64
#define RS_EVAL_COLUMNS 49

/* indexed by rs_augment */
static const char *const method_names[RS_EVAL_MAX_METHODS] = {
	"none", "smote", "gan", "smotenc", "weighted", "threshold", "random"
};

#define RS_EVAL_METHODS_HINT "Methods: none, smote, gan, smotenc, weighted, threshold, random."

typedef struct ProgressState
{
	RsProgress	progress;
	const int  *sizes;
	int			n_sizes;
	int			runs;
	double		last;			/* elapsed seconds at the last run's end */
	double	   *seconds;		/* per size index: seconds of its runs done */
	int		   *done;			/* per size index: its runs done */
} ProgressState;

/*
 * Predicted seconds of one run at size index s: its own mean once one of
 * its runs is done; else from the means of the sizes done: in proportion
 * to the rows above the largest (a run's work grows about with its rows),
 * the smallest's below the smallest (a run has a part that does not
 * shrink with the rows: the GAN's epochs take one batch at least), and
 * linear between the two nearest in between.
 */
static double
predict_run(const ProgressState *ps, int s)
{
	double		z = ps->sizes[s],
				lo_z = -1,
				lo_m = 0,
				hi_z = -1,
				hi_m = 0;

	if (ps->done[s] > 0)
		return ps->seconds[s] / ps->done[s];
	for (int i = 0; i < ps->n_sizes; i++)
	{
		double		zi = ps->sizes[i],
					mi;

		if (ps->done[i] == 0)
			continue;
		mi = ps->seconds[i] / ps->done[i];
		if (zi <= z && (lo_z < 0 || zi > lo_z))
		{
			lo_z = zi;
			lo_m = mi;
		}
		if (zi >= z && (hi_z < 0 || zi < hi_z))
		{
			hi_z = zi;
			hi_m = mi;
		}
	}
	if (lo_z < 0 && hi_z < 0)
		return 0;
	if (hi_z < 0)
		return lo_m * z / lo_z;
	if (lo_z < 0 || hi_z == lo_z)
		return hi_m;
	return lo_m + (hi_m - lo_m) * (z - lo_z) / (hi_z - lo_z);
}

/*
 * The core's progress callback: one NOTICE line (rs_progress_weighted) in
 * seconds of work: those of the runs done against those plus the
 * predicted seconds of the runs left (predict_run), as runs of different
 * sizes take different times.
 */
static void
report_progress(void *arg, int size_index, int run, int done, int total)
{
	ProgressState *ps = arg;
	double		el = rs_progress_elapsed(&ps->progress);
	double		left = 0;

	ps->seconds[size_index] += el - ps->last;
	ps->done[size_index]++;
	ps->last = el;
	for (int s = 0; s < ps->n_sizes; s++)
		left += (ps->runs - ps->done[s]) * predict_run(ps, s);
	rs_progress_weighted(&ps->progress, done, total, el, el + left,
						 "evaluate: size %d, run %d/%d (%d of %d runs done), ",
						 ps->sizes[size_index], run + 1, ps->runs, done, total);
}

/*
 * Start the progress of cfg: the clock, the weights, and (when
 * raresynth.progress is on) a NOTICE naming the work before any of it,
 * with a hint when maintenance_work_mem holds fewer runs at once than the
 * want_workers raresynth.threads asks for (wanted_bytes > 0: what they
 * would need).
 */
static void
begin_progress(ProgressState *ps, const rs_eval_config *cfg, const char *const *names,
			   int want_workers, double wanted_bytes)
{
	StringInfoData sz,
				ms;
	int			fits = cfg->n_sizes * cfg->runs * cfg->n_methods;
	double		rows = 0;

	rs_progress_begin(&ps->progress);
	ps->sizes = cfg->sizes;
	ps->n_sizes = cfg->n_sizes;
	ps->runs = cfg->runs;
	ps->last = 0;
	ps->seconds = palloc0(sizeof(double) * cfg->n_sizes);
	ps->done = palloc0(sizeof(int) * cfg->n_sizes);
	for (int s = 0; s < cfg->n_sizes; s++)
		rows += (double) cfg->runs * cfg->sizes[s];
	if (!rs_progress)
		return;
	initStringInfo(&sz);
	initStringInfo(&ms);
	for (int s = 0; s < cfg->n_sizes; s++)
		appendStringInfo(&sz, "%s%d", s ? ", " : "", cfg->sizes[s]);
	for (int m = 0; m < cfg->n_methods; m++)
		appendStringInfo(&ms, "%s%s", m ? ", " : "", names[cfg->methods[m]]);
	ereport(NOTICE,
			(errmsg("evaluate: %d size%s (%s) x %d run%s x %d method%s (%s): %d fit%s on %.0f rows in all, %d run%s at a time",
					cfg->n_sizes, cfg->n_sizes == 1 ? "" : "s", sz.data,
					cfg->runs, cfg->runs == 1 ? "" : "s",
					cfg->n_methods, cfg->n_methods == 1 ? "" : "s", ms.data,
					fits, fits == 1 ? "" : "s", rows,
					rs_evaluate_workers(cfg), rs_evaluate_workers(cfg) == 1 ? "" : "s"),
			 errdetail("A progress line follows the first run, then one at most every 10 seconds, with an ETA from the times of the runs done, scaled by rows to larger sizes not yet run; raresynth.progress = off turns them off. Runs go to up to raresynth.threads workers at once (fewer when maintenance_work_mem holds fewer runs); the results are the same for any count."),
			 wanted_bytes > 0 ?
			 errhint("Raise maintenance_work_mem to at least %s to run %d runs at a time.",
					 rs_memory_setting(wanted_bytes), want_workers) : 0));
	pfree(sz.data);
	pfree(ms.data);
}

static int
parse_methods(ArrayType *arr, rs_augment *methods)
{
	Datum	   *d;
	bool	   *nulls;
	int			n;

	rs_check_1d_array(arr, "methods");
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &d, &nulls, &n);
	if (n < 1 || n > RS_EVAL_MAX_METHODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("methods must list 1 to %d methods", RS_EVAL_MAX_METHODS),
				 errhint(RS_EVAL_METHODS_HINT)));
	for (int i = 0; i < n; i++)
	{
		char	   *name;
		int			m = -1;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("methods must not contain NULL")));
		name = TextDatumGetCString(d[i]);
		for (int k = 0; k < RS_EVAL_MAX_METHODS; k++)
			if (strcmp(name, method_names[k]) == 0)
				m = k;
		if (m < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown method \"%s\"", name),
					 errhint(RS_EVAL_METHODS_HINT)));
		for (int j = 0; j < i; j++)
			if (methods[j] == (rs_augment) m)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("method \"%s\" is listed twice", name)));
		methods[i] = (rs_augment) m;
	}
	return n;
}

/* Rows of a class left in the training part of a stratified split. */
static int64
train_part(int64 count, double test_fraction)
{
	int64		test = (int64) ceil(test_fraction * count - 1e-9);

	return count - Max(test, 1);
}

/*
 * Check one size: not larger than the table, both classes in both parts;
 * two minority rows in the training part when two_minority (SMOTE needs a
 * neighbour, threshold tuning a row on each side of its split).
 */
static void
check_size(int size, int64 n, int64 n1, double test_fraction, bool two_minority)
{
	int64		m1,
				m0;

	if (size < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sizes must be positive, got %d", size)));
	if (size > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("size %d is larger than the table's %lld labelled rows", size, (long long) n),
				 errhint("Use NULL for the whole table.")));
	m1 = (int64) rint((double) size * n1 / n);
	m0 = size - m1;
	if (m1 < 2 || m0 < 2 || train_part(m1, test_fraction) < (two_minority ? 2 : 1) ||
		train_part(m0, test_fraction) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("size %d is too small to hold both classes in both parts of the split", size),
				 errdetail("It holds about %lld minority and %lld majority rows.",
						   (long long) m1, (long long) m0),
				 errhint("Each class needs two rows in the training part for SMOTE and threshold tuning and one in the test part.")));
}

/* mean and sd of one metric over the runs of cell (s, m) */
static void
summarize(const rs_eval_result *res, int runs, size_t field, double *mean, double *sd)
{
	double	   *x = palloc(sizeof(double) * runs);

	for (int r = 0; r < runs; r++)
		x[r] = *(const double *) ((const char *) &res[r] + field);
	rs_mean_sd(x, runs, mean, sd);
	pfree(x);
}

static void
paired(const rs_eval_result *a, const rs_eval_result *b, int runs, size_t field, rs_paired *out)
{
	double	   *x = palloc(sizeof(double) * runs);
	double	   *y = palloc(sizeof(double) * runs);

	for (int r = 0; r < runs; r++)
	{
		x[r] = *(const double *) ((const char *) &a[r] + field);
		y[r] = *(const double *) ((const char *) &b[r] + field);
	}
	rs_paired_difference(x, y, runs, out);
	pfree(x);
	pfree(y);
}

static void
set_float(Datum *values, bool *nulls, int i, double v)
{
	if (isnan(v))
		nulls[i] = true;
	else
		values[i] = Float8GetDatum(v);
}

/* sizes: NULL or a NULL element means the whole table (n rows) */
static int *
parse_sizes(ArrayType *arr, int64 n, int *n_sizes)
{
	int		   *sizes;
	Datum	   *d;
	bool	   *nulls;

	if (arr == NULL)
	{
		sizes = palloc(sizeof(int));
		sizes[0] = (int) n;
		*n_sizes = 1;
		return sizes;
	}
	rs_check_1d_array(arr, "sizes");
	deconstruct_array(arr, INT4OID, 4, true, TYPALIGN_INT, &d, &nulls, n_sizes);
	if (*n_sizes < 1 || *n_sizes > RS_EVAL_MAX_SIZES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sizes must list 1 to %d sizes", RS_EVAL_MAX_SIZES)));
	sizes = palloc(sizeof(int) * *n_sizes);
	for (int i = 0; i < *n_sizes; i++)
		sizes[i] = nulls[i] ? (int) n : DatumGetInt32(d[i]);
	return sizes;
}

/*
 * What the experiment cfg holds at once, for memory.c: one run at its
 * largest size per worker (cfg->workers; 1 when 0).  with_smote also
 * stands for random (its training part doubles like SMOTE's) and
 * threshold (its copy of the training matrix is the size of SMOTE's).
 */
static RsJobShape
job_shape(const rs_eval_config *cfg, const RsOptions *opts)
{
	RsJobShape	job = {.job = RS_JOB_EVALUATE, .opts = opts, .k = opts->smote_k,
		.test_fraction = cfg->test_fraction,
		.boosted = cfg->classifier == RS_CLASSIFIER_BOOSTED,
		.workers = Max(cfg->workers, 1),
	.other_bytes = (double) cfg->n_sizes * cfg->n_methods * cfg->runs * sizeof(rs_eval_result)};

	for (int i = 0; i < cfg->n_sizes; i++)
		job.max_size = Max(job.max_size, cfg->sizes[i]);
	for (int m = 0; m < cfg->n_methods; m++)
	{
		job.with_gan |= cfg->methods[m] == RS_AUG_GAN;
		job.with_smote |= cfg->methods[m] != RS_AUG_NONE && cfg->methods[m] != RS_AUG_GAN &&
			cfg->methods[m] != RS_AUG_WEIGHTED;
	}
	return job;
}

/*
 * The workers cfg runs on: rs_evaluate_workers' rule (raresynth.threads,
 * applied), fewer when maintenance_work_mem holds fewer runs at once
 * (the numbers do not depend on it).  *wanted gets the bytes the rule's
 * count would need when it got fewer, else 0.
 */
static int
choose_workers(const RsSource *src, rs_eval_config *cfg, const RsOptions *opts,
			   double *wanted)
{
	RsJobShape	job;

	cfg->workers = 0;
	cfg->workers = rs_evaluate_workers(cfg);
	job = job_shape(cfg, opts);
	return rs_memory_workers(src, &job, wanted);
}

/* rs_check_memory for the experiment cfg (its workers chosen). */
static void
check_memory(const RsSource *src, const rs_eval_config *cfg, const RsOptions *opts)
{
	RsJobShape	job = job_shape(cfg, opts);

	rs_check_memory(src, &job);
}

/* The mean and sd of one metric of cell into columns col and col + 1. */
static void
put_mean_sd(Datum *values, bool *nulls, int col, const rs_eval_result *cell,
			int runs, size_t field)
{
	double		mean,
				sd;

	summarize(cell, runs, field, &mean, &sd);
	set_float(values, nulls, col, mean);
	set_float(values, nulls, col + 1, sd);
}

/*
 * The paired difference of one metric of cell against base (NULL: not
 * run) into three columns from *col: mean, lo, hi.
 */
static void
put_paired(Datum *values, bool *nulls, int *col, const rs_eval_result *cell,
		   const rs_eval_result *base, int runs, size_t field)
{
	rs_paired	p;

	if (base == NULL)
	{
		nulls[*col] = nulls[*col + 1] = nulls[*col + 2] = true;
		*col += 3;
		return;
	}
	paired(cell, base, runs, field, &p);
	set_float(values, nulls, (*col)++, p.mean);
	set_float(values, nulls, (*col)++, p.lo);
	set_float(values, nulls, (*col)++, p.hi);
}

/* The metrics compared against none and the best method that is not gan. */
static const size_t compared[3] = {
	offsetof(rs_eval_result, f1),
	offsetof(rs_eval_result, balanced_accuracy),
	offsetof(rs_eval_result, pr_auc)
};

/*
 * The result row of method m (cfg->methods[m]) at one size: its runs in
 * cell; those of none, smote and the best method that is not gan (index
 * best, -1 when none ran), NULL when not run, for the paired differences.
 * Returns whether its balanced accuracy is indistinguishable from 0.5.
 */
static bool
put_result_row(ReturnSetInfo *rsinfo, const rs_eval_config *cfg, int m, int size,
			   const rs_eval_result *cell, const rs_eval_result *none,
			   const rs_eval_result *smote, int best, const rs_eval_result *best_cell)
{
	Datum		values[RS_EVAL_COLUMNS];
	bool		nulls[RS_EVAL_COLUMNS] = {0};
	double		mean,
				sd;
	const rs_eval_result *base[2] = {none, smote};
	int			col = 12;
	bool		flat = true;

	values[0] = CStringGetTextDatum(method_names[cfg->methods[m]]);
	values[1] = Int32GetDatum(size);
	values[2] = Int32GetDatum(cfg->runs);
	put_mean_sd(values, nulls, 3, cell, cfg->runs, offsetof(rs_eval_result, accuracy));
	put_mean_sd(values, nulls, 5, cell, cfg->runs, offsetof(rs_eval_result, recall));
	summarize(cell, cfg->runs, offsetof(rs_eval_result, precision), &mean, &sd);
	set_float(values, nulls, 7, mean);
	summarize(cell, cfg->runs, offsetof(rs_eval_result, f1), &mean, &sd);
	set_float(values, nulls, 8, mean);
	summarize(cell, cfg->runs, offsetof(rs_eval_result, balanced_accuracy), &mean, &sd);
	set_float(values, nulls, 9, mean);
	if (cfg->runs < 2 || isnan(sd) ||
		fabs(mean - 0.5) > rs_t_quantile_975(cfg->runs - 1) * sd / sqrt(cfg->runs))
		flat = false;
	summarize(cell, cfg->runs, offsetof(rs_eval_result, roc_auc), &mean, &sd);
	set_float(values, nulls, 10, mean);
	summarize(cell, cfg->runs, offsetof(rs_eval_result, seconds), &mean, &sd);
	set_float(values, nulls, 11, mean);
	for (int b = 0; b < 2; b++)
	{
		put_paired(values, nulls, &col, cell, base[b], cfg->runs, offsetof(rs_eval_result, accuracy));
		put_paired(values, nulls, &col, cell, base[b], cfg->runs, offsetof(rs_eval_result, recall));
	}

	/* appended later: the sds of f1 and balanced accuracy, PR-AUC, MCC */
	summarize(cell, cfg->runs, offsetof(rs_eval_result, f1), &mean, &sd);
	set_float(values, nulls, col++, sd);
	summarize(cell, cfg->runs, offsetof(rs_eval_result, balanced_accuracy), &mean, &sd);
	set_float(values, nulls, col++, sd);
	put_mean_sd(values, nulls, col, cell, cfg->runs, offsetof(rs_eval_result, pr_auc));
	col += 2;
	put_mean_sd(values, nulls, col, cell, cfg->runs, offsetof(rs_eval_result, mcc));
	col += 2;
	for (int f = 0; f < 3; f++)
		put_paired(values, nulls, &col, cell, none, cfg->runs, compared[f]);
	if (best >= 0)
		values[col] = CStringGetTextDatum(method_names[cfg->methods[best]]);
	else
		nulls[col] = true;
	col++;
	for (int f = 0; f < 3; f++)
		put_paired(values, nulls, &col, cell, best_cell, cfg->runs, compared[f]);
	Assert(col == RS_EVAL_COLUMNS);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return flat;
}

/*
 * The verdict of one size: a NOTICE naming the method with the best mean
 * F1 and, when the GAN ran beside another method, what the 95% interval
 * of its F1 difference from the best other method says.
 */
static void
report_verdict(const rs_eval_config *cfg, int size, const double *f1_mean,
			   int gan, int best_other, const rs_eval_result *gan_cell,
			   const rs_eval_result *other_cell)
{
	int			best = rs_best_index(f1_mean, NULL, cfg->n_methods);
	const char *other;
	char	   *detail = NULL;
	rs_paired	p;
	rs_verdict	v = RS_VERDICT_NONE;

	if (best < 0)
		return;
	if (gan >= 0 && best_other >= 0)
	{
		other = method_names[cfg->methods[best_other]];
		paired(gan_cell, other_cell, cfg->runs, offsetof(rs_eval_result, f1), &p);
		v = rs_paired_verdict(&p);
		switch (v)
		{
			case RS_VERDICT_BETTER:
				detail = psprintf("The GAN's F1 is significantly higher than that of \"%s\", the best other method: the 95%% interval of the difference lies above 0.", other);
				break;
			case RS_VERDICT_WORSE:
				detail = psprintf("The GAN's F1 is significantly lower than that of \"%s\", the best other method: the 95%% interval of the difference lies below 0.", other);
				break;
			case RS_VERDICT_SAME:
				detail = psprintf("The GAN's F1 is indistinguishable from that of \"%s\", the best other method: the 95%% interval of the difference holds 0.", other);
				break;
			case RS_VERDICT_NONE:
				detail = psprintf("One run gives no interval, so whether the GAN's F1 differs from that of \"%s\", the best other method, cannot be told.", other);
				break;
		}
	}
	ereport(NOTICE,
			(errmsg("best method by mean F1 at size %d: \"%s\"",
					size, method_names[cfg->methods[best]]),
			 detail ? errdetail("%s", detail) : 0,
			 detail && v == RS_VERDICT_NONE ? errhint("Use two runs or more.") : 0));
}

/*
 * What an evaluation that did not return holds outside palloc: its
 * workers (cancelled and joined: they read the rows this backend holds)
 * and XGBoost's handles.
 */
static void
release_evaluation(int code, Datum arg)
{
	rs_evaluate_release();
	rs_boosted_release();
}

/*
 * rs_evaluate_run; if it does not return (a cancel: an ERROR, or a FATAL
 * such as pg_terminate_backend, which exits the process), its workers are
 * stopped and joined first and XGBoost's handles freed.
 */
static rs_status
evaluate_run(const rs_table *t, const int *y, const rs_eval_config *cfg,
			 rs_eval_result *res, int *k_used, rs_error *err)
{
	rs_status	st = RS_OK;

	PG_ENSURE_ERROR_CLEANUP(release_evaluation, (Datum) 0);
	{
		st = rs_evaluate_run(t, y, cfg, res, k_used, err);
	}
	PG_END_ENSURE_ERROR_CLEANUP(release_evaluation, (Datum) 0);
	return st;
}

/*
 * The rows of raresynth_evaluate, one per size and method, then the
 * NOTICEs: no signal anywhere, and each size's verdict.
 */
static void
put_results(FunctionCallInfo fcinfo, const rs_eval_config *cfg, const int *sizes,
			int n_sizes, const rs_eval_result *res)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		all_flat = true;
	double	   *f1_mean;
	int		   *not_gan,
			   *gan,
			   *best_other;

	InitMaterializedSRF(fcinfo, 0);
	f1_mean = palloc(sizeof(double) * n_sizes * cfg->n_methods);
	not_gan = palloc(sizeof(int) * cfg->n_methods);
	gan = palloc(sizeof(int) * n_sizes);
	best_other = palloc(sizeof(int) * n_sizes);
	for (int s = 0; s < n_sizes; s++)
	{
		const rs_eval_result *cells = &res[(size_t) s * cfg->n_methods * cfg->runs];
		const rs_eval_result *none = NULL,
				   *smote = NULL;

		gan[s] = -1;
		for (int m = 0; m < cfg->n_methods; m++)
		{
			const rs_eval_result *cell = &cells[(size_t) m * cfg->runs];

			if (cfg->methods[m] == RS_AUG_NONE)
				none = cell;
			else if (cfg->methods[m] == RS_AUG_SMOTE)
				smote = cell;
			else if (cfg->methods[m] == RS_AUG_GAN)
				gan[s] = m;
			not_gan[m] = cfg->methods[m] != RS_AUG_GAN;
			summarize(cell, cfg->runs, offsetof(rs_eval_result, f1),
					  &f1_mean[s * cfg->n_methods + m], NULL);
		}
		best_other[s] = rs_best_index(&f1_mean[s * cfg->n_methods], not_gan, cfg->n_methods);
		for (int m = 0; m < cfg->n_methods; m++)
			if (!put_result_row(rsinfo, cfg, m, sizes[s], &cells[(size_t) m * cfg->runs],
								none, smote, best_other[s],
								best_other[s] < 0 ? NULL : &cells[(size_t) best_other[s] * cfg->runs]))
				all_flat = false;
	}
	if (all_flat)
		ereport(NOTICE,
				(errmsg("balanced accuracy is indistinguishable from 0.5 for every method and size"),
				 errdetail("The features carry no signal about the label here; differences in accuracy and recall are threshold effects of rebalancing, not learning.")));
	for (int s = 0; s < n_sizes; s++)
	{
		const rs_eval_result *cells = &res[(size_t) s * cfg->n_methods * cfg->runs];

		report_verdict(cfg, sizes[s], &f1_mean[s * cfg->n_methods], gan[s], best_other[s],
					   gan[s] < 0 ? NULL : &cells[(size_t) gan[s] * cfg->runs],
					   best_other[s] < 0 ? NULL : &cells[(size_t) best_other[s] * cfg->runs]);
	}
}

/*
 * With the GAN's filter on, a NOTICE of what it kept: the share of the
 * candidates at or above the threshold and, when some training parts had
 * too few, how many rows came from below it.
 */
static void
report_filter(const rs_eval_config *cfg, const rs_eval_result *res)
{
	double		cand = 0,
				acc = 0,
				filled = 0;
	int			short_runs = 0,
				units = 0;

	if (!(cfg->filter_quantile > 0))
		return;
	for (int s = 0; s < cfg->n_sizes; s++)
		for (int m = 0; m < cfg->n_methods; m++)
			for (int r = 0; cfg->methods[m] == RS_AUG_GAN && r < cfg->runs; r++)
			{
				const rs_eval_result *e = &res[((size_t) s * cfg->n_methods + m) * cfg->runs + r];

				cand += e->candidates;
				acc += e->accepted;
				filled += e->filled;
				short_runs += e->filled > 0;
				units++;
			}
	if (cand == 0)
		return;
	ereport(NOTICE,
			(errmsg("the filter passed %.1f%% of %.0f GAN candidates (%.2f per row added)",
					100.0 * acc / cand, cand, RS_EVAL_FILTER_HEADROOM / (1 - cfg->filter_quantile)),
			 filled > 0 ?
			 errdetail("In %d of %d runs too few passed: %.0f rows were the best-scoring rejected candidates.",
					   short_runs, units, filled) :
			 errdetail("Every run had enough candidates at or above the %g-quantile of the real minority rows' scores.",
					   cfg->filter_quantile)));
}

/*
 * Under `epsilon`: src's features and their public specs from options'
 * "bounds" and "categories" (rs_dp_columns: the schema and the options
 * alone, every feature in one of them), returned, and the plan for o's
 * epsilon and delta into *plan; every method then sees the rows coded by
 * those specs (clamped to the bounds, unlisted categories NULL), and each
 * run's GAN trains by DP-SGD on its training part (cfg->dp).  The
 * evaluation is not private (its splits, counts, seed and scores are the
 * exact rows'), only the GAN it trains is trained as a DP model would be
 * (docs/evaluation.md).  NULL without `epsilon`.
 */
static rs_table *
dp_setup(RsSource *src, const char *positive, const RsOptions *o, Jsonb *options,
		 rs_dp_plan *plan)
{
	if (isinf(o->epsilon))
		return NULL;
	rs_dp_plan_options(o, plan);
	return rs_dp_columns(src, positive, options);
}

/*
 * raresynth_evaluate(source regclass, label name, methods text[], runs int,
 *					  sizes int[], test_fraction float8, classifier text,
 *					  seed bigint, options jsonb) returns table (...)
 */
PG_FUNCTION_INFO_V1(raresynth_evaluate);
Datum
raresynth_evaluate(PG_FUNCTION_ARGS)
{
	RsSource   *src;
	char	   *label;
	const char *positive;
	rs_eval_config cfg;
	RsOptions	opts;
	int		   *sizes;
	int			n_sizes;
	rs_table   *t;
	int		   *y;
	int64		n,
				n1 = 0;
	rs_eval_result *res;
	rs_error	err;
	int			k_used;
	ProgressState ps;
	bool		has_smote = false,
				has_threshold = false;
	MemoryContext cxt,
				old;
	int			want_workers;
	double		wanted_bytes;
	rs_table   *specs;
	rs_dp_plan	plan;

	for (int i = 0; i < 9; i++)
		if (PG_ARGISNULL(i) && i != 4 && i != 7 && i != 8)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("only sizes, seed and options may be NULL")));
	label = NameStr(*PG_GETARG_NAME(1));
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_methods = parse_methods(PG_GETARG_ARRAYTYPE_P(2), cfg.methods);
	for (int m = 0; m < cfg.n_methods; m++)
	{
		has_smote |= cfg.methods[m] == RS_AUG_SMOTE || cfg.methods[m] == RS_AUG_SMOTENC;
		has_threshold |= cfg.methods[m] == RS_AUG_THRESHOLD;
	}
	cfg.runs = PG_GETARG_INT32(3);
	if (cfg.runs < 1 || cfg.runs > RS_EVAL_MAX_RUNS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("runs must be between 1 and %d", RS_EVAL_MAX_RUNS)));
	cfg.test_fraction = PG_GETARG_FLOAT8(5);
	if (!(cfg.test_fraction > 0 && cfg.test_fraction < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("test_fraction must be between 0 and 1 (exclusive)")));
	cfg.classifier = rs_check_classifier(text_to_cstring(PG_GETARG_TEXT_PP(6)));
	cfg.seed = rs_seed_arg(fcinfo, 7);
	rs_options_default(&opts);
	rs_options_parse(PG_ARGISNULL(8) ? NULL : PG_GETARG_JSONB_P(8), &opts, true);

	src = rs_source_analyze(PG_GETARG_OID(0), label, NULL, NULL);
	positive = src->class_values[0];
	if (src->n_classes > 2)
		ereport(NOTICE,
				(errmsg("label \"%s\" has %d classes: evaluating the rarest, \"%s\", against the rest",
						label, src->n_classes, positive)));
	specs = dp_setup(src, positive, &opts, PG_ARGISNULL(8) ? NULL : PG_GETARG_JSONB_P(8), &plan);
	cfg.dp = specs ? &plan : NULL;
	n = src->n_rows - src->n_label_null;
	n1 = src->class_counts[0];

	sizes = parse_sizes(PG_ARGISNULL(4) ? NULL : PG_GETARG_ARRAYTYPE_P(4), n, &n_sizes);
	for (int i = 0; i < n_sizes; i++)
		check_size(sizes[i], n, n1, cfg.test_fraction, has_smote || has_threshold);
	cfg.sizes = sizes;
	cfg.n_sizes = n_sizes;
	cfg.C = opts.C;
	cfg.smote_k = opts.smote_k;
	cfg.filter_quantile = opts.filter_quantile;
	cfg.gan = &opts.gan;
	cfg.max_modes = opts.max_modes;
	/* the GAN arm keeps the rules a trained model keeps (none under DP) */
	cfg.rules = specs ? NULL : rs_build_rules(src, &opts, PG_ARGISNULL(8) ? NULL : PG_GETARG_JSONB_P(8));
	rs_apply_threads();
	want_workers = rs_evaluate_workers(&cfg);
	cfg.workers = choose_workers(src, &cfg, &opts, &wanted_bytes);
	begin_progress(&ps, &cfg, method_names, want_workers, wanted_bytes);
	cfg.progress = report_progress;
	cfg.progress_arg = &ps;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "raresynth evaluate", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	check_memory(src, &cfg, &opts);
	if (specs)
	{
		t = rs_source_read_labelled_coded(src, positive, specs, &y);
		rs_dp_public_rows(t);
	}
	else
		t = rs_source_read_labelled(src, positive, &y);
	res = palloc0(mul_size(mul_size(n_sizes, cfg.n_methods), mul_size(cfg.runs, sizeof(rs_eval_result))));
	ps.last = rs_progress_elapsed(&ps.progress);	/* runs are timed from here */
	if (evaluate_run(t, y, &cfg, res, &k_used, &err) != RS_OK)
		rs_report_core_error(&err, "evaluation failed");
	MemoryContextSwitchTo(old);
	if (has_smote && k_used < cfg.smote_k)
		ereport(NOTICE,
				(errmsg("some training parts had few minority rows: SMOTE used %d neighbours instead of %d",
						k_used, cfg.smote_k)));
	report_filter(&cfg, res);

	put_results(fcinfo, &cfg, sizes, n_sizes, res);
	MemoryContextDelete(cxt);
	return (Datum) 0;
}

/*
 * quality.c
 *	  raresynth_quality(): fidelity, validity and privacy of synthetic rows
 *	  against the real rows of the same class (SDMetrics definitions; see
 *	  src/core/quality.h).
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "quality.h"
#include "raresynth.h"

#define RS_QUALITY_DCR_ROWS 5000	/* query rows measured for each DCR */
#define RS_QUALITY_DETECTION_ROWS 5000	/* rows of each side in the detection */

/* Everything the report prints, measured before the first row is written. */
typedef struct QualityRun
{
	rs_table   *real,
			   *syn,
			   *holdout;		/* NULL without one */
	rs_quality	q;
	rs_dcr		dcr_half;		/* half of the real rows against the other */
	rs_dcr		dcr_holdout;	/* held-out rows against the real rows */
	rs_overfit	overfit;
	rs_baseline baseline;
	rs_detection detection;
	rs_unseen	unseen;
} QualityRun;

static void
put_metric2(ReturnSetInfo *rsinfo, const char *metric, const char *column,
			const char *column2, double value)
{
	Datum		values[4];
	bool		nulls[4] = {0};
	NameData	col,
				col2;

	values[0] = CStringGetTextDatum(metric);
	if (column)
	{
		namestrcpy(&col, column);
		values[1] = NameGetDatum(&col);
	}
	else
		nulls[1] = true;
	if (isnan(value))
		nulls[2] = true;
	else
		values[2] = Float8GetDatum(value);
	if (column2)
	{
		namestrcpy(&col2, column2);
		values[3] = NameGetDatum(&col2);
	}
	else
		nulls[3] = true;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static void
put_metric(ReturnSetInfo *rsinfo, const char *metric, const char *column, double value)
{
	put_metric2(rsinfo, metric, column, NULL, value);
}

/* Split t's rows into two halves by a seeded shuffle (for the real DCR baseline). */
static void
split_halves(const rs_table *t, rs_table **a, rs_table **b, rs_rng *rng)
{
	int			n = t->n_rows;
	int			na = n / 2;
	int		   *order = palloc(sizeof(int) * Max(n, 1));
	rs_error	err;

	for (int i = 0; i < n; i++)
		order[i] = i;
	rs_rng_shuffle(rng, order, n);
	*a = rs_table_take(t, order, na, &err);
	*b = *a ? rs_table_take(t, order + na, n - na, &err) : NULL;
	if (!*a || !*b)
		rs_report_core_error(&err, NULL);
}

/* Rows of class minority in relid, read like real; error if there are none. */
static rs_table *
read_compared(const RsSource *src, Oid relid, const char *what, const char *minority,
			  const rs_table *real)
{
	rs_table   *t = rs_read_class_like(src, relid, minority, real);

	if (t->n_rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s relation has no rows of class \"%s\"", what, minority)));
	return t;
}

/* Every metric of run (tables read), with a fixed seed. */
static void
measure(QualityRun *run)
{
	rs_table   *half_a,
			   *half_b;
	rs_error	err;
	rs_rng		rng;

	rs_rng_seed(&rng, 20261126);
	if (rs_quality_compute(run->real, run->syn, RS_QUALITY_DCR_ROWS, &rng, &run->q, &err) != RS_OK)
		rs_report_core_error(&err, "could not measure quality");
	split_halves(run->real, &half_a, &half_b, &rng);
	memset(&run->dcr_half, 0, sizeof(run->dcr_half));
	run->dcr_half.mean = run->dcr_half.median = NAN;
	if (half_a->n_rows > 0 && half_b->n_rows > 0 &&
		rs_quality_dcr(half_a, half_b, RS_QUALITY_DCR_ROWS, &rng, &run->dcr_half, &err) != RS_OK)
		rs_report_core_error(&err, "could not measure distances");
	if (rs_quality_unseen(run->real, run->syn, &run->unseen, &err) != RS_OK)
		rs_report_core_error(&err, "could not measure combinations");
	if (rs_quality_detection(run->real, run->syn, RS_QUALITY_DETECTION_ROWS, &rng,
							 &run->detection, &err) != RS_OK)
		rs_report_core_error(&err, "could not measure detection");
	if (rs_quality_baseline(run->real, run->syn, RS_QUALITY_DCR_ROWS, &rng,
							&run->baseline, &err) != RS_OK)
		rs_report_core_error(&err, "could not measure distances");
	memset(&run->dcr_holdout, 0, sizeof(run->dcr_holdout));
	run->dcr_holdout.mean = run->dcr_holdout.median = NAN;
	run->overfit.closer_to_training = run->overfit.score = NAN;
	if (run->holdout &&
		(rs_quality_dcr(run->real, run->holdout, RS_QUALITY_DCR_ROWS, &rng,
						&run->dcr_holdout, &err) != RS_OK ||
		 rs_quality_overfitting(run->real, run->holdout, run->syn, RS_QUALITY_DCR_ROWS,
								&rng, &run->overfit, &err) != RS_OK))
		rs_report_core_error(&err, "could not measure distances");
}

/* The rows of the report (see the install script's comment for the list). */
static void
report(ReturnSetInfo *rsinfo, const QualityRun *run)
{
	const rs_quality *q = &run->q;
	const rs_table *real = run->real;
	int			nc = real->n_cols;

	put_metric(rsinfo, "rows_real", NULL, real->n_rows);
	put_metric(rsinfo, "rows_synthetic", NULL, run->syn->n_rows);
	put_metric(rsinfo, "ks_complement_mean", NULL, q->ks_mean);
	put_metric(rsinfo, "tv_complement_mean", NULL, q->tv_mean);
	put_metric(rsinfo, "correlation_similarity_mean", NULL, q->corr_mean);
	put_metric(rsinfo, "out_of_range_cells", NULL, (double) q->out_of_range_cells);
	put_metric(rsinfo, "out_of_range_rows", NULL, (double) q->out_of_range_rows);
	put_metric(rsinfo, "exact_matches", NULL, (double) q->exact_matches);
	put_metric(rsinfo, "exact_match_share", NULL, q->exact_match_share);
	put_metric(rsinfo, "dcr_synthetic_mean", NULL, q->dcr.mean);
	put_metric(rsinfo, "dcr_synthetic_median", NULL, q->dcr.median);
	put_metric(rsinfo, "dcr_real_holdout_mean", NULL, run->dcr_half.mean);
	put_metric(rsinfo, "dcr_real_holdout_median", NULL, run->dcr_half.median);
	put_metric(rsinfo, "column_shape_mean", NULL, q->column_shape_mean);
	put_metric(rsinfo, "pair_trend_mean", NULL, q->pair_trend_mean);
	put_metric(rsinfo, "overall_score", NULL, q->overall);
	put_metric(rsinfo, "logistic_detection", NULL, run->detection.score);
	put_metric(rsinfo, "logistic_detection_auc", NULL, run->detection.auc);
	put_metric(rsinfo, "dependency_groups", NULL, run->unseen.n_groups);
	put_metric(rsinfo, "unseen_combination_share", NULL, run->unseen.any_share);
	put_metric(rsinfo, "dcr_baseline_protection", NULL, run->baseline.score);
	put_metric(rsinfo, "dcr_random_median", NULL, run->baseline.random_median);
	put_metric(rsinfo, "rows_holdout", NULL, run->holdout ? run->holdout->n_rows : NAN);
	put_metric(rsinfo, "dcr_holdout_mean", NULL, run->dcr_holdout.mean);
	put_metric(rsinfo, "dcr_holdout_median", NULL, run->dcr_holdout.median);
	put_metric(rsinfo, "dcr_overfitting_protection", NULL, run->overfit.score);
	put_metric(rsinfo, "dcr_closer_to_training_share", NULL, run->overfit.closer_to_training);
	for (int c = 0; c < nc; c++)
	{
		const char *col = real->cols[c].name;

		put_metric(rsinfo, real->cols[c].kind == RS_KIND_CONTINUOUS ? "ks_complement" : "tv_complement",
				   col, q->column_score[c]);
		put_metric(rsinfo, "out_of_range", col, (double) q->out_of_range[c]);
		if (!isnan(run->unseen.group_share[c]))
			put_metric(rsinfo, "unseen_combination", col, run->unseen.group_share[c]);
	}
	for (int i = 0; i < nc; i++)
		for (int j = i + 1; j < nc; j++)
			put_metric2(rsinfo, "pair_trend", real->cols[i].name, real->cols[j].name,
						q->pair_trend[(size_t) i * nc + j]);
}

/*
 * raresynth_quality(real regclass, synthetic regclass, label name,
 *					 minority text, holdout regclass) returns table
 *					 (metric text, column_name name, value float8,
 *					 column_name_2 name)
 */
PG_FUNCTION_INFO_V1(raresynth_quality);
Datum
raresynth_quality(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RsSource   *src;
	char	   *minority;
	bool		has_holdout;
	Oid			holdout = InvalidOid;
	QualityRun	run;
	MemoryContext cxt,
				old;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("real, synthetic and label must not be NULL")));
	has_holdout = PG_NARGS() > 4 && !PG_ARGISNULL(4);
	if (has_holdout)
		holdout = PG_GETARG_OID(4);	/* 0 too: read, and refused, like synthetic */

	src = rs_source_analyze(PG_GETARG_OID(0), NameStr(*PG_GETARG_NAME(2)), NULL, NULL);
	minority = rs_source_minority(src, PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3)));
	if (PG_GETARG_OID(0) == PG_GETARG_OID(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("real and synthetic must be different relations")));
	if (has_holdout && (holdout == PG_GETARG_OID(0) || holdout == PG_GETARG_OID(1)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("holdout must be a relation other than real and synthetic"),
				 errdetail("The held-out rows are real rows the model was not trained on.")));

	cxt = AllocSetContextCreate(CurrentMemoryContext, "raresynth quality", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	memset(&run, 0, sizeof(run));
	run.real = rs_source_read_class(src, minority);
	run.syn = read_compared(src, PG_GETARG_OID(1), "synthetic", minority, run.real);
	if (has_holdout)
		run.holdout = read_compared(src, holdout, "holdout", minority, run.real);
	measure(&run);
	MemoryContextSwitchTo(old);

	InitMaterializedSRF(fcinfo, 0);
	report(rsinfo, &run);
	MemoryContextDelete(cxt);
	return (Datum) 0;
}

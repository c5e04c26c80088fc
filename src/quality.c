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

#define RS_QUALITY_DCR_ROWS 5000	/* rows measured for DCR */

static void
put_metric(ReturnSetInfo *rsinfo, const char *metric, const char *column, double value)
{
	Datum		values[3];
	bool		nulls[3] = {0};
	NameData	col;

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
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
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

/*
 * raresynth_quality(real regclass, synthetic regclass, label name,
 *					 minority text) returns table (metric text,
 *					 column_name name, value float8)
 */
PG_FUNCTION_INFO_V1(raresynth_quality);
Datum
raresynth_quality(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RsSource   *src;
	char	   *minority;
	rs_table   *real,
			   *syn,
			   *half_a,
			   *half_b;
	rs_quality	q;
	rs_dcr		dcr_real;
	rs_error	err;
	rs_rng		rng;
	MemoryContext cxt,
				old;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("real, synthetic and label must not be NULL")));

	src = rs_source_analyze(PG_GETARG_OID(0), NameStr(*PG_GETARG_NAME(2)), NULL, NULL);
	minority = rs_source_minority(src, PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3)));
	if (PG_GETARG_OID(0) == PG_GETARG_OID(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("real and synthetic must be different relations")));

	cxt = AllocSetContextCreate(CurrentMemoryContext, "raresynth quality", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	real = rs_source_read_class(src, minority);
	syn = rs_read_class_like(src, PG_GETARG_OID(1), minority, real);
	if (syn->n_rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("synthetic relation has no rows of class \"%s\"", minority)));

	rs_rng_seed(&rng, 20261126);
	if (rs_quality_compute(real, syn, RS_QUALITY_DCR_ROWS, &rng, &q, &err) != RS_OK)
		rs_report_core_error(&err, "could not measure quality");
	split_halves(real, &half_a, &half_b, &rng);
	memset(&dcr_real, 0, sizeof(dcr_real));
	dcr_real.mean = dcr_real.median = NAN;
	if (half_a->n_rows > 0 && half_b->n_rows > 0 &&
		rs_quality_dcr(half_a, half_b, RS_QUALITY_DCR_ROWS, &rng, &dcr_real, &err) != RS_OK)
		rs_report_core_error(&err, "could not measure distances");
	MemoryContextSwitchTo(old);

	InitMaterializedSRF(fcinfo, 0);
	put_metric(rsinfo, "rows_real", NULL, real->n_rows);
	put_metric(rsinfo, "rows_synthetic", NULL, syn->n_rows);
	put_metric(rsinfo, "ks_complement_mean", NULL, q.ks_mean);
	put_metric(rsinfo, "tv_complement_mean", NULL, q.tv_mean);
	put_metric(rsinfo, "correlation_similarity_mean", NULL, q.corr_mean);
	put_metric(rsinfo, "out_of_range_cells", NULL, (double) q.out_of_range_cells);
	put_metric(rsinfo, "out_of_range_rows", NULL, (double) q.out_of_range_rows);
	put_metric(rsinfo, "exact_matches", NULL, (double) q.exact_matches);
	put_metric(rsinfo, "exact_match_share", NULL, q.exact_match_share);
	put_metric(rsinfo, "dcr_synthetic_mean", NULL, q.dcr.mean);
	put_metric(rsinfo, "dcr_synthetic_median", NULL, q.dcr.median);
	put_metric(rsinfo, "dcr_real_holdout_mean", NULL, dcr_real.mean);
	put_metric(rsinfo, "dcr_real_holdout_median", NULL, dcr_real.median);
	for (int c = 0; c < real->n_cols; c++)
	{
		const char *col = real->cols[c].name;

		put_metric(rsinfo, real->cols[c].kind == RS_KIND_CONTINUOUS ? "ks_complement" : "tv_complement",
				   col, q.column_score[c]);
		put_metric(rsinfo, "out_of_range", col, (double) q.out_of_range[c]);
	}
	MemoryContextDelete(cxt);
	return (Datum) 0;
}

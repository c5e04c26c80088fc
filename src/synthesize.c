/*
 * synthesize.c
 *	  raresynth_synthesize(): write synthetic minority rows of a model (the
 *	  row stream of sample.c) to the companion table <source>_synthetic or
 *	  another target (rs_target_* in write.c) and create the target's
 *	  improved view (<source>_improved for the default target, else
 *	  <target>_improved) unless improved is false; record the model
 *	  version and seed that made the rows in raresynth.synthesized.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "model.h"
#include "raresynth.h"

/* RsRowNext over a row stream */
static bool
stream_next(void *arg, Datum *values, bool *nulls)
{
	return rs_row_stream_next((RsRowStream *) arg, values, nulls);
}

/*
 * Write n rows of model version sm (m: its loaded state) made with seed to
 * the open target t, and record them in raresynth.synthesized; returns
 * the rows written.  raresynth_synthesize() and raresynth_balance() write
 * a model's rows through it.
 */
int64
rs_synthesize_into(const RsTarget *t, const RsStoredModel *sm, const rs_model *m, int64 n,
				   uint64 seed)
{
	RsRowStream *rs;
	int64		written;

	rs = rs_row_stream_begin(m, rs_target_tupdesc(t), sm->name, sm->source, NULL, seed, n);
	written = rs_target_write(t, stream_next, rs);
	rs_row_stream_end(rs);
	rs_catalog_record_synthesis(rs_target_relid(t), sm, written, (int64) seed);
	return written;
}

/*
 * raresynth_synthesize(model name, n bigint, target text, seed bigint,
 * improved boolean, marker text, version integer, ratio float8, keys jsonb) returns
 * bigint: rows of the deployed version of model (or of the version named)
 * written to the target.  n NULL: enough to bring the minority to 1:1 with
 * the largest class, or to ratio times it (rs_count_rows_to_balance),
 * counting the rows already in the target.  improved: create the
 * target's improved view (an existing one is left only if it is exactly
 * that view); marker: a boolean column of it, true for synthetic rows;
 * keys: values for excluded columns (keys.c).
 */
PG_FUNCTION_INFO_V1(raresynth_synthesize);
Datum
raresynth_synthesize(PG_FUNCTION_ARGS)
{
	char	   *model_name;
	int64		n = -1;
	RsStoredModel *sm;
	rs_model   *m;
	RsTarget   *t;
	int64		written;
	bool		improved;
	char	   *marker = NULL;
	int			version;
	double		ratio;
	uint64		seed;

	PreventCommandIfReadOnly("raresynth_synthesize()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be NULL")));
	model_name = NameStr(*PG_GETARG_NAME(0));
	if (!PG_ARGISNULL(1))
	{
		n = PG_GETARG_INT64(1);
		if (n < 0 || n > RS_MAX_SAMPLE_ROWS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("n must be between 0 and " INT64_FORMAT, RS_MAX_SAMPLE_ROWS)));
	}
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("improved must not be NULL"),
				 errhint("Pass true to create the improved view, false to skip it.")));
	improved = PG_GETARG_BOOL(4);
	if (!PG_ARGISNULL(5))
	{
		marker = text_to_cstring(PG_GETARG_TEXT_PP(5));
		if (!improved)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("marker needs the improved view"),
					 errdetail("The marker is a column of the improved view, which improved => false skips.")));
	}
	version = rs_version_arg(fcinfo, 6, false);
	ratio = rs_ratio_arg(fcinfo, 7, 1);
	sm = rs_catalog_load_model(model_name, version);
	m = rs_model_from_state(sm);
	t = rs_target_open_keys(rs_model_source_relid(sm->source, sm->source_owner, m, sm->name),
							PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)),
							"_synthetic", &m->meta, improved, marker,
							PG_NARGS() > 8 && !PG_ARGISNULL(8) ? PG_GETARG_JSONB_P(8) : NULL);
	if (n < 0)
		n = Min(rs_count_rows_to_balance(t, sm->label, sm->minority, ratio), RS_MAX_SAMPLE_ROWS);
	seed = rs_seed_arg(fcinfo, 3);
	written = rs_synthesize_into(t, sm, m, n, seed);
	rs_target_finish(t);
	PG_RETURN_INT64(written);
}

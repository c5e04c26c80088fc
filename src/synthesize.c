/*
 * synthesize.c
 *	  raresynth_synthesize(): write synthetic minority rows to the companion
 *	  table <source>_synthetic (rs_write_synthetic in table_io.c) and
 *	  create or replace the view <source>_improved.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/lsyscache.h"

#include "model.h"
#include "raresynth.h"

/*
 * raresynth_synthesize(model name, n bigint, target name, seed bigint)
 * returns bigint: rows written to the companion table
 */
PG_FUNCTION_INFO_V1(raresynth_synthesize);
Datum
raresynth_synthesize(PG_FUNCTION_ARGS)
{
	char	   *model_name;
	int64		n = -1;
	RsStoredModel *sm;
	rs_model   *m;
	char	   *schema;

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
	sm = rs_catalog_load_model(model_name);
	m = rs_model_from_state(sm);
	schema = get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid));
	PG_RETURN_INT64(rs_write_synthetic(sm, m, n,
									   PG_ARGISNULL(2) ? NULL : NameStr(*PG_GETARG_NAME(2)),
									   !PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3),
									   schema, RS_MAX_SAMPLE_ROWS));
}

/*
 * profile.c
 *	  raresynth_profile(): the encoder's view of a table, one row per column.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

#include "raresynth.h"

/* {"<class>": count, ...} for the label row */
static Datum
class_counts_jsonb(const RsSource *src)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	for (int k = 0; k < src->n_classes; k++)
	{
		if (k > 0)
			appendStringInfoString(&s, ", ");
		escape_json(&s, src->class_values[k]);
		appendStringInfo(&s, ": " INT64_FORMAT, src->class_counts[k]);
	}
	appendStringInfoChar(&s, '}');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(s.data));
}

/* raresynth_profile(source regclass, label name, exclude name[], include name[]) */
PG_FUNCTION_INFO_V1(raresynth_profile);
Datum
raresynth_profile(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid;
	const char *label;
	ArrayType  *exclude;
	ArrayType  *include;
	RsSource   *src;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source and label must not be NULL")));
	relid = PG_GETARG_OID(0);
	label = NameStr(*PG_GETARG_NAME(1));
	exclude = PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2);
	include = PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3);

	src = rs_source_analyze(relid, label, exclude, include);

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < src->ncols; i++)
	{
		RsSourceColumn *col = &src->cols[i];
		Datum		values[9];
		bool		nulls[9] = {0};
		NameData	colname;

		namestrcpy(&colname, col->name);
		values[0] = NameGetDatum(&colname);
		values[1] = CStringGetTextDatum(col->typname);
		values[2] = CStringGetTextDatum(rs_column_kind_name(col->kind));
		if (col->reason)
			values[3] = CStringGetTextDatum(col->reason);
		else
			nulls[3] = true;
		values[4] = Float8GetDatum((double) col->n_null / (double) src->n_rows);
		if (col->n_distinct >= 0)
			values[5] = Int64GetDatum(col->n_distinct);
		else
			nulls[5] = true;
		if (col->min_text)
			values[6] = CStringGetTextDatum(col->min_text);
		else
			nulls[6] = true;
		if (col->max_text)
			values[7] = CStringGetTextDatum(col->max_text);
		else
			nulls[7] = true;
		if (col->kind == RS_COL_LABEL)
			values[8] = class_counts_jsonb(src);
		else
			nulls[8] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

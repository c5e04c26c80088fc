/*
 * catalog.c
 *	  The model catalog raresynth.models: looking models up with the right
 *	  error (unknown vs owned by another role), raresynth_model_info() and
 *	  raresynth_drop_model().  Row-level security on the table lets a role
 *	  see only its own models; superusers see all.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "model.h"
#include "raresynth.h"

/*
 * Raise the right error for a model the caller cannot see: it does not
 * exist, or another role owns it.  Must be called inside SPI.
 */
static void
report_missing_model(const char *model)
{
	Oid			argtypes[1] = {NAMEOID};
	Datum		args[1];
	NameData	n;
	int			ret;

	namestrcpy(&n, model);
	args[0] = NameGetDatum(&n);
	ret = SPI_execute_with_args("SELECT raresynth.model_owner($1)", 1, argtypes, args,
								NULL, true, 1);
	if (ret == SPI_OK_SELECT && SPI_processed == 1)
	{
		char	   *owner = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (owner != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for model \"%s\"", model),
					 errdetail("The model is owned by another role."),
					 errhint("Each role sees and uses only the models it trained.")));
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("model \"%s\" does not exist", model),
			 errhint("Train one with raresynth_train(), or list yours with SELECT name FROM raresynth.models.")));
}

/* Error unless the caller can see and use the model.  Opens its own SPI. */
void
rs_catalog_check_model(const char *model)
{
	Oid			argtypes[1] = {NAMEOID};
	Datum		args[1];
	NameData	n;
	int			ret;

	namestrcpy(&n, model);
	args[0] = NameGetDatum(&n);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT 1 FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) $1",
								1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "model lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		report_missing_model(model);
	SPI_finish();
}

/* raresynth_model_info(model name) returns jsonb */
PG_FUNCTION_INFO_V1(raresynth_model_info);
Datum
raresynth_model_info(PG_FUNCTION_ARGS)
{
	Name		model = PG_GETARG_NAME(0);
	Oid			argtypes[1] = {NAMEOID};
	Datum		args[1] = {NameGetDatum(model)};
	Datum		result;
	bool		isnull;
	int			ret;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args(
		"SELECT pg_catalog.jsonb_build_object("
		"'name', name, 'owner', owner, 'source', source, 'label', label, "
		"'minority', minority, 'created', created, 'rows', rows, "
		"'epochs', epochs, 'seed', seed, 'seconds', seconds, "
		"'options', options, 'columns', columns, 'losses', losses, "
		"'state_bytes', pg_catalog.octet_length(state)) "
		"FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) $1",
		1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "model lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		report_missing_model(NameStr(*model));
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	result = SPI_datumTransfer(result, false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/* raresynth_drop_model(model name, missing_ok boolean) returns boolean */
PG_FUNCTION_INFO_V1(raresynth_drop_model);
Datum
raresynth_drop_model(PG_FUNCTION_ARGS)
{
	Name		model = PG_GETARG_NAME(0);
	bool		missing_ok = PG_GETARG_BOOL(1);
	Oid			argtypes[1] = {NAMEOID};
	Datum		args[1] = {NameGetDatum(model)};
	int			ret;
	bool		dropped;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("DELETE FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) $1",
								1, argtypes, args, NULL, false, 0);
	if (ret != SPI_OK_DELETE)
		elog(ERROR, "model delete failed: %s", SPI_result_code_string(ret));
	dropped = SPI_processed > 0;
	if (!dropped && !missing_ok)
		report_missing_model(NameStr(*model));
	if (!dropped)
		ereport(NOTICE,
				(errmsg("model \"%s\" does not exist, skipping", NameStr(*model))));
	SPI_finish();
	PG_RETURN_BOOL(dropped);
}

/* Error if the name belongs to another role's model (we may replace our own). */
void
rs_catalog_check_writable(const char *model)
{
	Oid			argtypes[1] = {NAMEOID};
	Datum		args[1];
	NameData	n;
	int			ret;

	namestrcpy(&n, model);
	args[0] = NameGetDatum(&n);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT raresynth.model_owner($1) OPERATOR(pg_catalog.<>) current_user",
								1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "model owner lookup failed: %s", SPI_result_code_string(ret));
	{
		bool		isnull;
		Datum		other = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull && DatumGetBool(other))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("model \"%s\" is owned by another role", model),
					 errhint("Choose another name with the model argument.")));
	}
	SPI_finish();
}

/* Insert a model, replacing the caller's own model of the same name. */
void
rs_catalog_store_model(const RsStoredModel *sm)
{
	Oid			argtypes[12] = {NAMEOID, TEXTOID, NAMEOID, TEXTOID, INT8OID, INT4OID,
	INT8OID, FLOAT8OID, TEXTOID, TEXTOID, TEXTOID, BYTEAOID};
	Datum		args[12];
	NameData	name,
				label;
	bytea	   *state;
	int			ret;

	namestrcpy(&name, sm->name);
	namestrcpy(&label, sm->label);
	state = palloc_extended(add_size(sm->state_len, VARHDRSZ), MCXT_ALLOC_HUGE);
	SET_VARSIZE(state, sm->state_len + VARHDRSZ);
	memcpy(VARDATA(state), sm->state, sm->state_len);
	args[0] = NameGetDatum(&name);
	args[1] = CStringGetTextDatum(sm->source);
	args[2] = NameGetDatum(&label);
	args[3] = CStringGetTextDatum(sm->minority);
	args[4] = Int64GetDatum(sm->rows);
	args[5] = Int32GetDatum(sm->epochs);
	args[6] = Int64GetDatum(sm->seed);
	args[7] = Float8GetDatum(sm->seconds);
	args[8] = CStringGetTextDatum(sm->options);
	args[9] = CStringGetTextDatum(sm->columns);
	args[10] = CStringGetTextDatum(sm->losses);
	args[11] = PointerGetDatum(state);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("DELETE FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) $1",
								1, argtypes, args, NULL, false, 0);
	if (ret != SPI_OK_DELETE)
		elog(ERROR, "model delete failed: %s", SPI_result_code_string(ret));
	ret = SPI_execute_with_args(
		"INSERT INTO raresynth.models (name, source, label, minority, rows, epochs, seed, seconds, "
		"options, columns, losses, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
		"$9::pg_catalog.jsonb, $10::pg_catalog.jsonb, $11::pg_catalog.jsonb, $12)",
		12, argtypes, args, NULL, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "model insert failed: %s", SPI_result_code_string(ret));
	SPI_finish();
	pfree(state);
}

/* Read the caller's model (source, label, minority, state); errors if unseen. */
RsStoredModel *
rs_catalog_load_model(const char *model)
{
	MemoryContext callercxt = CurrentMemoryContext;
	Oid			argtypes[1] = {NAMEOID};
	Datum		args[1];
	NameData	n;
	int			ret;
	RsStoredModel *sm = palloc0(sizeof(RsStoredModel));
	HeapTuple	tup;
	TupleDesc	td;
	bool		isnull;
	bytea	   *state;

	namestrcpy(&n, model);
	args[0] = NameGetDatum(&n);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT source, label::pg_catalog.text, minority, state "
								"FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) $1",
								1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "model lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		report_missing_model(model);
	tup = SPI_tuptable->vals[0];
	td = SPI_tuptable->tupdesc;
	sm->name = MemoryContextStrdup(callercxt, model);
	sm->source = MemoryContextStrdup(callercxt, SPI_getvalue(tup, td, 1));
	sm->label = MemoryContextStrdup(callercxt, SPI_getvalue(tup, td, 2));
	sm->minority = MemoryContextStrdup(callercxt, SPI_getvalue(tup, td, 3));
	state = DatumGetByteaPP(SPI_getbinval(tup, td, 4, &isnull));
	sm->state_len = VARSIZE_ANY_EXHDR(state);
	sm->state = MemoryContextAllocHuge(callercxt, Max(sm->state_len, 1));
	memcpy(sm->state, VARDATA_ANY(state), sm->state_len);
	SPI_finish();
	return sm;
}

/*
 * Load the model state; a damaged or newer-format state is an error, and
 * so is a string in it (category, minority, column name or type) that is
 * not valid text in the database encoding, before any of it reaches a
 * table or a message.
 */
rs_model *
rs_model_from_state(const RsStoredModel *sm)
{
	rs_error	err;
	rs_model   *m;
	char	   *bad = NULL;

	/* the sampler compiled on load takes its threads from raresynth.threads */
	rs_apply_threads();
	m = rs_model_load(sm->state, sm->state_len, &err);

	if (m == NULL)
	{
		if (err.code == RS_ERR_VERSION)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("model \"%s\" was written by a newer version of raresynth", sm->name),
					 errdetail("%s.", err.msg),
					 errhint("Upgrade the raresynth extension, or retrain the model.")));
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("model \"%s\" has a corrupted state", sm->name),
				 errdetail("%s.", err.msg),
				 errhint("Retrain the model with raresynth_train().")));
	}

#define RS_TEXT_OK(s) pg_verifymbstr((s), strlen(s), true)
	if (!RS_TEXT_OK(m->meta.minority))
		bad = pstrdup("Its minority class");
	for (int i = 0; i < m->meta.n_source_cols && !bad; i++)
		if (!RS_TEXT_OK(m->meta.source_names[i]) || !RS_TEXT_OK(m->meta.source_types[i]))
			bad = psprintf("The name or type of its source column %d", i + 1);
	for (int c = 0; c < m->specs->n_cols && !bad; c++)
		for (int k = 0; k < m->specs->cols[c].n_categories && !bad; k++)
			if (!RS_TEXT_OK(m->specs->cols[c].categories[k]))
				bad = psprintf("Category %d of column \"%s\"", k + 1, m->specs->cols[c].name);
#undef RS_TEXT_OK
	if (bad)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("model \"%s\" has a corrupted state", sm->name),
				 errdetail("%s is not valid text in encoding \"%s\".", bad, GetDatabaseEncodingName()),
				 errhint("Retrain the model with raresynth_train().")));
	return m;
}

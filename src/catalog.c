/*
 * catalog.c
 *	  The model catalog raresynth.models.  A model is owned by a role OID
 *	  (column owner, type regrole).  Roles read their own rows directly
 *	  (SELECT under row-level security: owner = current role); nothing but
 *	  this file writes the catalog: PUBLIC has no INSERT, UPDATE or DELETE,
 *	  and the writes below run as the catalog table's owner after checking
 *	  the caller's rights by OID.  Writers of one model name are serialized
 *	  by a transaction lock on the name.  Also raresynth_model_info() and
 *	  raresynth_drop_model(), and the error for a model the caller cannot
 *	  see (unknown vs owned by another role).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "model.h"
#include "raresynth.h"

/*
 * The lock on a model name is an advisory lock tag with this value in its
 * fourth field: the SQL advisory lock functions use 1 and 2, so a user's
 * pg_advisory_lock() keys never collide with it.
 */
#define RS_LOCKTAG_MODEL	0x7273	/* "rs" */

/*
 * Every function taking a model name checks it here (all reach the catalog
 * through this file): it must not be NULL or empty.
 */
static const char *
model_name_arg(const char *model)
{
	if (model == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be NULL")));
	if (model[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("model name must not be empty")));
	return model;
}

/*
 * Take this transaction's lock on a model name, waiting for any other
 * transaction that trains or drops a model of that name.  Every writer of
 * the catalog takes it before it looks at who owns the name, so writers of
 * one name run one after another, each as if alone.  Taking it again is a
 * no-op.
 */
static void
rs_catalog_lock_model(const char *model)
{
	NameData	n;
	uint64		h;
	LOCKTAG		tag;

	namestrcpy(&n, model_name_arg(model));
	h = hash_bytes_extended((const unsigned char *) NameStr(n), strlen(NameStr(n)), 0);
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (h >> 32), (uint32) h, RS_LOCKTAG_MODEL);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/* The caller's identity while a statement runs as the catalog's owner. */
typedef struct CatalogAs
{
	Oid			userid;
	int			sec_context;
} CatalogAs;

/*
 * Run the following statements as the owner of raresynth.models, in a
 * restricted security context.  On error, transaction (or subtransaction)
 * abort restores the caller's identity, as for PostgreSQL's own
 * SetUserIdAndSecContext() users (ri_triggers.c); catalog_as_caller()
 * restores it on success.
 */
static void
catalog_as_owner(CatalogAs *save)
{
	Oid			nsp = get_namespace_oid("raresynth", false);
	Oid			relid = get_relname_relid("models", nsp);
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(relid))
		elog(ERROR, "table raresynth.models is missing");
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	GetUserIdAndSecContext(&save->userid, &save->sec_context);
	SetUserIdAndSecContext(owner, save->sec_context |
						   SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
}

static void
catalog_as_caller(const CatalogAs *save)
{
	SetUserIdAndSecContext(save->userid, save->sec_context);
}

/*
 * The owner of a model whatever the caller may see, InvalidOid when there
 * is no such model.  Reads the latest committed state (not the caller's
 * snapshot): after rs_catalog_lock_model() that is the state the caller's
 * write will meet.  Must be called inside SPI.
 */
static Oid
model_owner(const char *model)
{
	Oid			argtypes[1] = {NAMEOID};
	Datum		args[1];
	NameData	n;
	SPIPlanPtr	plan;
	CatalogAs	save;
	int			ret;
	Oid			owner = InvalidOid;

	namestrcpy(&n, model);
	args[0] = NameGetDatum(&n);
	catalog_as_owner(&save);
	plan = SPI_prepare("SELECT owner FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) $1",
					   1, argtypes);
	if (plan == NULL)
		elog(ERROR, "model owner lookup failed: %s", SPI_result_code_string(SPI_result));
	ret = SPI_execute_snapshot(plan, args, NULL, GetLatestSnapshot(), InvalidSnapshot,
							   true, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "model owner lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 1)
	{
		bool		isnull;

		owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											   1, &isnull));
	}
	SPI_freeplan(plan);
	catalog_as_caller(&save);
	return owner;
}

/*
 * Raise the right error for a model the caller cannot see or use: it does
 * not exist, or another role owns it (perhaps a role since dropped).  Must
 * be called inside SPI.
 */
static void
report_missing_model(const char *model)
{
	Oid			owner = model_owner(model);

	/*
	 * A model the caller may use that the latest snapshot sees and the
	 * statement's does not: trained after the statement began (by
	 * raresynth_train() in the same statement, or committed meanwhile).
	 */
	if (OidIsValid(owner) && (owner == GetUserId() || superuser()))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" is not visible to this statement", model),
				 errdetail("It was trained after the statement began."),
				 errhint("Use the model in a later statement.")));
	if (OidIsValid(owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for model \"%s\"", model),
				 SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(owner)) ?
				 errdetail("The model is owned by another role.") :
				 errdetail("The model is owned by a role that was dropped (OID %u); only a superuser can see or drop it.", owner),
				 errhint("Each role sees and uses only the models it trained.")));
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("model \"%s\" does not exist", model),
			 errhint("Train one with raresynth_train(), or list yours with SELECT name FROM raresynth.models.")));
}

/* Error for a training whose model name another role's model holds. */
static void
report_name_taken(const char *model)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("model \"%s\" is owned by another role", model),
			 errhint("Choose another name with the model argument.")));
}

/* raresynth.current_role_id() returns regrole: the role owner is compared with */
PG_FUNCTION_INFO_V1(raresynth_current_role_id);
Datum
raresynth_current_role_id(PG_FUNCTION_ARGS)
{
	PG_RETURN_OID(GetUserId());
}

/*
 * The rules a model state keeps, as JSON text: {"rare_category_k",
 * "extreme_value_k", "pooled": {column: categories pooled}, "groups":
 * [{"kind", "columns", "combinations"}], "inequalities": [{"low",
 * "high"}]}; "null" for a state without rules or one that does not load.
 */
static char *
rules_json(const void *state, size_t len)
{
	rs_state_view view;
	rs_rbuf		sec;
	rs_error	err;
	rs_table   *specs;
	rs_rules   *r;
	StringInfoData s;
	bool		first = true;

	if (rs_state_open(&view, state, len, &err) != RS_OK ||
		rs_state_get(&view, RS_SEC_COLUMNS, &sec, &err) != RS_OK ||
		!(specs = rs_columns_load(&sec, &err)))
		return "null";
	if (rs_state_get(&view, RS_SEC_RULES, &sec, &err) != RS_OK ||
		!(r = rs_rules_load(&sec, specs, &err)))
		return "null";
#define COLNAME(c) (specs->cols[c].name ? specs->cols[c].name : "?")
	initStringInfo(&s);
	appendStringInfo(&s, "{\"rare_category_k\": %d, \"extreme_value_k\": %d, \"pooled\": {",
					 r->rare_k, r->clamp_k);
	for (int c = 0; c < r->n_cols; c++)
		if (r->pooled[c] >= 0)
		{
			if (!first)
				appendStringInfoString(&s, ", ");
			first = false;
			escape_json(&s, COLNAME(c));
			appendStringInfo(&s, ": %d", r->n_pooled[c]);
		}
	appendStringInfoString(&s, "}, \"groups\": [");
	for (int g = 0; g < r->n_groups; g++)
	{
		appendStringInfo(&s, "%s{\"kind\": \"%s\", \"columns\": [", g ? ", " : "",
						 r->groups[g].kind == RS_GROUP_DEPENDENCY ? "dependency" : "fixed");
		for (int i = 0; i < r->groups[g].n_cols; i++)
		{
			if (i)
				appendStringInfoString(&s, ", ");
			escape_json(&s, COLNAME(r->groups[g].cols[i]));
		}
		appendStringInfo(&s, "], \"combinations\": %d}", r->groups[g].n_tuples);
	}
	appendStringInfoString(&s, "], \"inequalities\": [");
	for (int i = 0; i < r->n_ineq; i++)
	{
		appendStringInfo(&s, "%s{\"low\": ", i ? ", " : "");
		escape_json(&s, COLNAME(r->ineq[i].low));
		appendStringInfoString(&s, ", \"high\": ");
		escape_json(&s, COLNAME(r->ineq[i].high));
		appendStringInfoChar(&s, '}');
	}
	appendStringInfoString(&s, "]}");
#undef COLNAME
	return s.data;
}

/* raresynth_model_info(model name) returns jsonb */
PG_FUNCTION_INFO_V1(raresynth_model_info);
Datum
raresynth_model_info(PG_FUNCTION_ARGS)
{
	const char *model = model_name_arg(PG_ARGISNULL(0) ? NULL : NameStr(*PG_GETARG_NAME(0)));
	Oid			argtypes[2] = {NAMEOID, TEXTOID};
	Datum		args[2] = {PG_GETARG_DATUM(0), (Datum) 0};
	Datum		result;
	bool		isnull;
	int			ret;
	bytea	   *state;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT state FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) $1",
								1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "model lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		report_missing_model(model);
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		args[1] = CStringGetTextDatum("null");
	else
	{
		state = DatumGetByteaPP(result);
		args[1] = CStringGetTextDatum(rules_json(VARDATA_ANY(state), VARSIZE_ANY_EXHDR(state)));
	}
	ret = SPI_execute_with_args(
		"SELECT pg_catalog.jsonb_build_object("
		"'name', name, 'owner', owner, 'source', source, 'source_owner', source_owner, 'label', label, "
		"'minority', minority, 'created', created, 'rows', rows, "
		"'epochs', epochs, 'seed', seed, 'seconds', seconds, "
		"'options', options, 'columns', columns, 'losses', losses, "
		"'rules', $2::pg_catalog.jsonb, "
		"'state_bytes', pg_catalog.octet_length(state)) "
		"FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) $1",
		2, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "model lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		report_missing_model(model);
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	result = SPI_datumTransfer(result, false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * raresynth_drop_model(model name, missing_ok boolean) returns boolean.
 * The owner may drop a model, and a superuser any model (also one whose
 * owner was dropped).
 */
PG_FUNCTION_INFO_V1(raresynth_drop_model);
Datum
raresynth_drop_model(PG_FUNCTION_ARGS)
{
	const char *model = model_name_arg(PG_ARGISNULL(0) ? NULL : NameStr(*PG_GETARG_NAME(0)));
	bool		missing_ok;
	Oid			argtypes[3] = {NAMEOID, REGROLEOID, BOOLOID};
	Datum		args[3];
	CatalogAs	save;
	int			ret;
	bool		dropped;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("missing_ok must not be NULL")));
	missing_ok = PG_GETARG_BOOL(1);
	PreventCommandIfReadOnly("raresynth_drop_model()");
	args[0] = PG_GETARG_DATUM(0);
	args[1] = ObjectIdGetDatum(GetUserId());
	args[2] = BoolGetDatum(superuser());

	rs_catalog_lock_model(model);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	catalog_as_owner(&save);
	ret = SPI_execute_with_args("DELETE FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) $1 "
								"AND (owner OPERATOR(pg_catalog.=) $2 OR $3)",
								3, argtypes, args, NULL, false, 0);
	if (ret != SPI_OK_DELETE)
		elog(ERROR, "model delete failed: %s", SPI_result_code_string(ret));
	catalog_as_caller(&save);
	dropped = SPI_processed > 0;
	if (!dropped && (!missing_ok || OidIsValid(model_owner(model))))
		report_missing_model(model);
	if (!dropped)
		ereport(NOTICE,
				(errmsg("model \"%s\" does not exist, skipping", model)));
	SPI_finish();
	PG_RETURN_BOOL(dropped);
}

/*
 * Before training (which has refused a read-only transaction already):
 * lock the name, then error if it belongs to another role's model (the
 * caller may replace its own).
 */
void
rs_catalog_check_writable(const char *model)
{
	Oid			owner;

	rs_catalog_lock_model(model);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	owner = model_owner(model);
	if (OidIsValid(owner) && owner != GetUserId())
		report_name_taken(model);
	SPI_finish();
}

/*
 * Store a trained model as the caller's, replacing the caller's own model
 * of the same name.  The only writer of model states: it runs as the
 * catalog's owner, so no role needs (or has) write access to the table.
 */
void
rs_catalog_store_model(const RsStoredModel *sm)
{
	Oid			argtypes[14] = {NAMEOID, REGROLEOID, TEXTOID, NAMEOID, TEXTOID, INT8OID, INT4OID,
	INT8OID, FLOAT8OID, TEXTOID, TEXTOID, TEXTOID, BYTEAOID, REGROLEOID};
	Datum		args[14];
	NameData	name,
				label;
	bytea	   *state;
	CatalogAs	save;
	int			ret;
	bool		stored;

	/*
	 * A bytea holds at most 1 GB: a longer length would wrap in
	 * SET_VARSIZE and store a truncated state that never loads.
	 */
	if (sm->state_len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("state of model \"%s\" would be %zu bytes, more than the %zu bytes a bytea can hold",
						sm->name, sm->state_len, (Size) (MaxAllocSize - VARHDRSZ)),
				 errdetail("Most of a large state is the text of the categories of its categorical columns."),
				 errhint("Exclude the categorical columns with long values (exclude => '{...}').")));
	rs_catalog_lock_model(sm->name);
	namestrcpy(&name, sm->name);
	namestrcpy(&label, sm->label);
	state = palloc_extended(add_size(sm->state_len, VARHDRSZ), MCXT_ALLOC_HUGE);
	SET_VARSIZE(state, sm->state_len + VARHDRSZ);
	memcpy(VARDATA(state), sm->state, sm->state_len);
	args[0] = NameGetDatum(&name);
	args[1] = ObjectIdGetDatum(GetUserId());
	args[2] = CStringGetTextDatum(sm->source);
	args[3] = NameGetDatum(&label);
	args[4] = CStringGetTextDatum(sm->minority);
	args[5] = Int64GetDatum(sm->rows);
	args[6] = Int32GetDatum(sm->epochs);
	args[7] = Int64GetDatum(sm->seed);
	args[8] = Float8GetDatum(sm->seconds);
	args[9] = CStringGetTextDatum(sm->options);
	args[10] = CStringGetTextDatum(sm->columns);
	args[11] = CStringGetTextDatum(sm->losses);
	args[12] = PointerGetDatum(state);
	args[13] = ObjectIdGetDatum(sm->source_owner);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	catalog_as_owner(&save);
	ret = SPI_execute_with_args("DELETE FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) $1 "
								"AND owner OPERATOR(pg_catalog.=) $2",
								2, argtypes, args, NULL, false, 0);
	if (ret != SPI_OK_DELETE)
		elog(ERROR, "model delete failed: %s", SPI_result_code_string(ret));
	/* a name held by another role is not overwritten (ON CONFLICT skips it) */
	ret = SPI_execute_with_args(
		"INSERT INTO raresynth.models (name, owner, source, label, minority, rows, epochs, seed, "
		"seconds, options, columns, losses, state, source_owner) VALUES ($1, $2, $3, $4, $5, $6, "
		"$7, $8, $9, $10::pg_catalog.jsonb, $11::pg_catalog.jsonb, $12::pg_catalog.jsonb, $13, $14) "
		"ON CONFLICT (name) DO NOTHING",
		14, argtypes, args, NULL, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "model insert failed: %s", SPI_result_code_string(ret));
	stored = SPI_processed == 1;
	catalog_as_caller(&save);
	if (!stored)
		report_name_taken(sm->name);
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

	namestrcpy(&n, model_name_arg(model));
	args[0] = NameGetDatum(&n);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT source, label::pg_catalog.text, minority, state, "
								"source_owner::pg_catalog.oid "
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
	sm->source_owner = DatumGetObjectId(SPI_getbinval(tup, td, 5, &isnull));
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

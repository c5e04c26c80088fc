/*
 * catalog.c
 *	  The model catalog raresynth.models.  A model is owned by a role OID
 *	  (column owner, type regrole).  Roles read their own rows directly
 *	  (SELECT under row-level security: owner = current role); nothing but
 *	  this file writes the catalog: PUBLIC has no INSERT, UPDATE or DELETE,
 *	  and the writes below run as the catalog table's owner after checking
 *	  the caller's rights by OID.  Writers of one model name are serialized
 *	  by a transaction lock on the name.
 *
 *	  A model name has versions (rows of raresynth.models, one owner for
 *	  all): every training adds one and deploys it; exactly one version
 *	  of a name is deployed, the one sampling uses when no version is
 *	  named.  raresynth_deploy() moves it, raresynth_drop_version() drops
 *	  one version, raresynth_drop_model() all; raresynth.keep_versions
 *	  caps what a training keeps.  raresynth.synthesized, also written
 *	  only here, records which version wrote which rows.  Also
 *	  raresynth_model_info(), and the errors for a model or version the
 *	  caller cannot see (unknown vs owned by another role).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
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
 * A version argument: 0 for NULL (the deployed version) unless required;
 * versions start at 1.  A SQL declaration without the argument (an
 * install script older than the library) counts as NULL.
 */
int
rs_version_arg(FunctionCallInfo fcinfo, int argno, bool required)
{
	int32		v;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
	{
		if (required)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("version must not be NULL")));
		return 0;
	}
	v = PG_GETARG_INT32(argno);
	if (v < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("version must be greater than zero"),
				 errhint("Versions are numbered from 1; NULL (where allowed) means the deployed version.")));
	return v;
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

	/*
	 * The catalog reads that follow (catalog_exec, read_only) must see what
	 * an earlier call in this statement wrote, e.g. two trainings of one
	 * name in one SELECT: only writers take the lock.
	 */
	CommandCounterIncrement();
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
 * Run one statement on the catalog as its owner (catalog_as_owner), with
 * the latest committed state (not the caller's snapshot): after
 * rs_catalog_lock_model() that is the state the caller's write meets, and
 * writes meet no row another writer of the name changed unseen.  Reads
 * pass read_only (no command counter increment: they come before any
 * write of the same call).  Returns SPI's code; must be called inside SPI.
 */
static int
catalog_exec(const char *sql, int nargs, Oid *argtypes, Datum *args, const char *nulls,
			 bool read_only)
{
	SPIPlanPtr	plan;
	CatalogAs	save;
	int			ret;

	catalog_as_owner(&save);
	plan = SPI_prepare(sql, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "catalog statement failed: %s", SPI_result_code_string(SPI_result));
	ret = SPI_execute_snapshot(plan, args, nulls, GetLatestSnapshot(), InvalidSnapshot,
							   read_only, true, 0);
	SPI_freeplan(plan);
	catalog_as_caller(&save);
	return ret;
}

/* The versions of one model name, whatever the caller may see. */
typedef struct ModelVersions
{
	Oid			owner;			/* InvalidOid: no such model */
	int			n;
	int		   *versions;		/* ascending */
	int			deployed;		/* its deployed version, 0 if none */
} ModelVersions;

/* Read the versions of model (inside SPI; see catalog_exec). */
static void
model_versions(const char *model, ModelVersions *mv)
{
	Oid			argtypes[1] = {NAMEOID};
	Datum		args[1];
	NameData	n;
	int			ret;

	namestrcpy(&n, model);
	args[0] = NameGetDatum(&n);
	ret = catalog_exec("SELECT owner, version, deployed FROM raresynth.models "
					   "WHERE name OPERATOR(pg_catalog.=) $1 ORDER BY version",
					   1, argtypes, args, NULL, true);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "model version lookup failed: %s", SPI_result_code_string(ret));
	memset(mv, 0, sizeof(*mv));
	mv->versions = palloc(sizeof(int) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;

		mv->owner = DatumGetObjectId(SPI_getbinval(tup, td, 1, &isnull));
		mv->versions[mv->n] = DatumGetInt32(SPI_getbinval(tup, td, 2, &isnull));
		if (DatumGetBool(SPI_getbinval(tup, td, 3, &isnull)))
			mv->deployed = mv->versions[mv->n];
		mv->n++;
	}
}

static bool
has_version(const ModelVersions *mv, int version)
{
	for (int i = 0; i < mv->n; i++)
		if (mv->versions[i] == version)
			return true;
	return false;
}

/* The owner of a model whatever the caller may see, InvalidOid if none. */
static Oid
model_owner(const char *model)
{
	ModelVersions mv;

	model_versions(model, &mv);
	return mv.owner;
}

/* May the caller deploy or drop versions of a model owned by owner? */
static bool
may_administer(Oid owner)
{
	return owner == GetUserId() || superuser();
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

/*
 * Error for a version mv does not have, of a model the caller may use:
 * name the versions it has.
 */
static void
report_no_such_version(const char *model, int version, const ModelVersions *mv)
{
	StringInfoData list;

	initStringInfo(&list);
	for (int i = 0; i < mv->n; i++)
		appendStringInfo(&list, "%s%d", i == 0 ? "" : ", ", mv->versions[i]);
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("version %d of model \"%s\" does not exist", version, model),
			 mv->deployed ?
			 errdetail("Model \"%s\" has %s %s; version %d is deployed.", model,
					   mv->n == 1 ? "only version" : "versions", list.data, mv->deployed) :
			 errdetail("Model \"%s\" has %s %s.", model,
					   mv->n == 1 ? "only version" : "versions", list.data)));
}

/*
 * Raise the right error for a version (0: the deployed one) of a model
 * that the caller's statement does not find.  Must be called inside SPI.
 */
static void
report_missing_version(const char *model, int version)
{
	ModelVersions mv;

	model_versions(model, &mv);
	/* another role's model, a missing one, or one not visible yet */
	if (!OidIsValid(mv.owner) || !may_administer(mv.owner) ||
		(version == 0 && mv.deployed != 0) || (version != 0 && has_version(&mv, version)))
		report_missing_model(model);
	if (version == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" has no deployed version", model),
				 errhint("Deploy one with raresynth_deploy(), or name a version.")));
	report_no_such_version(model, version, &mv);
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
 * The rows a caller's statement finds for a version of a model: $1 the
 * name, $2 the version, NULL for the deployed one.  Read as the caller:
 * row-level security shows only the caller's models.
 */
#define RS_MODEL_VERSION_WHERE \
	" FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) $1" \
	" AND (($2 IS NULL AND deployed) OR version OPERATOR(pg_catalog.=) $2)"

/* raresynth_model_info(model name, version integer) returns jsonb */
PG_FUNCTION_INFO_V1(raresynth_model_info);
Datum
raresynth_model_info(PG_FUNCTION_ARGS)
{
	const char *model = model_name_arg(PG_ARGISNULL(0) ? NULL : NameStr(*PG_GETARG_NAME(0)));
	int			version = rs_version_arg(fcinfo, 1, false);
	Oid			argtypes[3] = {NAMEOID, INT4OID, TEXTOID};
	Datum		args[3] = {PG_GETARG_DATUM(0), Int32GetDatum(version), (Datum) 0};
	char		nulls[3] = {' ', version ? ' ' : 'n', ' '};
	Datum		result;
	bool		isnull;
	int			ret;
	bytea	   *state;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT state" RS_MODEL_VERSION_WHERE,
								2, argtypes, args, nulls, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "model lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		report_missing_version(model, version);
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		args[2] = CStringGetTextDatum("null");
	else
	{
		state = DatumGetByteaPP(result);
		args[2] = CStringGetTextDatum(rs_model_rules_json(VARDATA_ANY(state), VARSIZE_ANY_EXHDR(state)));
	}
	ret = SPI_execute_with_args(
		"SELECT pg_catalog.jsonb_build_object("
		"'name', name, 'version', version, 'deployed', deployed, "
		"'versions', (SELECT pg_catalog.array_agg(v.version ORDER BY v.version) "
		"FROM raresynth.models v WHERE v.name OPERATOR(pg_catalog.=) $1), "
		"'owner', owner, 'source', source, 'source_owner', source_owner, 'label', label, "
		"'minority', minority, 'created', created, 'rows', rows, "
		"'epochs', epochs, 'seed', seed, 'seconds', seconds, "
		"'options', options, 'columns', columns, 'losses', losses, 'metrics', metrics, "
		"'rules', $3::pg_catalog.jsonb, "
		"'state_bytes', pg_catalog.octet_length(state)) "
		/* a DP model's accounting (dp.c's rs_dp_json), at the top too */
		"OPERATOR(pg_catalog.||) CASE WHEN options OPERATOR(pg_catalog.?) 'privacy' "
		"THEN pg_catalog.jsonb_build_object('privacy', options OPERATOR(pg_catalog.->) 'privacy') "
		"ELSE '{}'::pg_catalog.jsonb END"
		RS_MODEL_VERSION_WHERE,
		3, argtypes, args, nulls, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "model lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		report_missing_version(model, version);
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

/* Delete versions of model (locked; none of them deployed). */
static void
drop_versions(const char *model, const int *versions, int n)
{
	Oid			argtypes[2] = {NAMEOID, INT4OID};
	Datum		args[2];
	NameData	nm;
	int			ret;

	namestrcpy(&nm, model);
	args[0] = NameGetDatum(&nm);
	for (int i = 0; i < n; i++)
	{
		args[1] = Int32GetDatum(versions[i]);
		ret = catalog_exec("DELETE FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) $1 "
						   "AND version OPERATOR(pg_catalog.=) $2 AND NOT deployed",
						   2, argtypes, args, NULL, false);
		if (ret != SPI_OK_DELETE || SPI_processed != 1)
			elog(ERROR, "model version delete failed: %s", SPI_result_code_string(ret));
	}
}

/*
 * Lock a model name and read its versions for raresynth_deploy() or
 * raresynth_drop_version() (inside SPI): false if there is no such model
 * and missing_ok; an error if the caller may not change it (neither its
 * owner nor a superuser).
 */
static bool
versions_to_change(const char *model, bool missing_ok, ModelVersions *mv)
{
	rs_catalog_lock_model(model);
	model_versions(model, mv);
	if (!OidIsValid(mv->owner) && missing_ok)
	{
		ereport(NOTICE,
				(errmsg("model \"%s\" does not exist, skipping", model)));
		return false;
	}
	if (!OidIsValid(mv->owner) || !may_administer(mv->owner))
		report_missing_model(model);
	return true;
}

/*
 * Set which version of model (locked, as read into mv) is deployed:
 * the one deployed until now first loses the flag (one UPDATE setting
 * both would meet the unique index midway).
 */
static void
set_deployed(const char *model, const ModelVersions *mv, int version)
{
	Oid			argtypes[2] = {NAMEOID, INT4OID};
	Datum		args[2];
	NameData	n;
	int			ret;

	namestrcpy(&n, model);
	args[0] = NameGetDatum(&n);
	args[1] = Int32GetDatum(version);
	if (mv->deployed != 0)
	{
		ret = catalog_exec("UPDATE raresynth.models SET deployed = false "
						   "WHERE name OPERATOR(pg_catalog.=) $1 AND deployed",
						   1, argtypes, args, NULL, false);
		if (ret != SPI_OK_UPDATE)
			elog(ERROR, "model update failed: %s", SPI_result_code_string(ret));
	}
	ret = catalog_exec("UPDATE raresynth.models SET deployed = true "
					   "WHERE name OPERATOR(pg_catalog.=) $1 AND version OPERATOR(pg_catalog.=) $2",
					   2, argtypes, args, NULL, false);
	if (ret != SPI_OK_UPDATE)
		elog(ERROR, "model update failed: %s", SPI_result_code_string(ret));
}

/* NOTICE: version is now the deployed version of model, in place of old. */
static void
notice_deployed(const char *model, int version, int old, bool old_kept)
{
	if (old == 0)
		return;
	ereport(NOTICE,
			(errmsg("model \"%s\" version %d is deployed, replacing version %d", model, version, old),
			 old_kept ?
			 errdetail("Version %d is kept: pass version => %d to raresynth_sample() or raresynth_synthesize(), or deploy it again with raresynth_deploy().",
					   old, old) : 0));
}

/* raresynth_deploy(model name, version integer) returns void */
PG_FUNCTION_INFO_V1(raresynth_deploy);
Datum
raresynth_deploy(PG_FUNCTION_ARGS)
{
	const char *model = model_name_arg(PG_ARGISNULL(0) ? NULL : NameStr(*PG_GETARG_NAME(0)));
	int			version = rs_version_arg(fcinfo, 1, true);
	ModelVersions mv;

	PreventCommandIfReadOnly("raresynth_deploy()");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	(void) versions_to_change(model, false, &mv);
	if (!has_version(&mv, version))
		report_no_such_version(model, version, &mv);
	if (mv.deployed == version)
		ereport(NOTICE,
				(errmsg("version %d of model \"%s\" is deployed already", version, model)));
	else
	{
		set_deployed(model, &mv, version);
		notice_deployed(model, version, mv.deployed, true);
	}
	SPI_finish();
	PG_RETURN_VOID();
}

#define RS_MAX_METRICS_BYTES (1024 * 1024)	/* per raresynth_store_metrics() call */

/*
 * raresynth_store_metrics(model name, metrics jsonb, version integer)
 * returns jsonb: merge a jsonb object into the metrics of a version (0:
 * the deployed one) of the caller's model; returns the version's metrics.
 */
PG_FUNCTION_INFO_V1(raresynth_store_metrics);
Datum
raresynth_store_metrics(PG_FUNCTION_ARGS)
{
	const char *model = model_name_arg(PG_ARGISNULL(0) ? NULL : NameStr(*PG_GETARG_NAME(0)));
	int			version = rs_version_arg(fcinfo, 2, false);
	Jsonb	   *metrics;
	ModelVersions mv;
	Oid			argtypes[3] = {NAMEOID, INT4OID, JSONBOID};
	Datum		args[3];
	NameData	n;
	Datum		result;
	bool		isnull;
	int			ret;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("metrics must not be NULL")));
	metrics = PG_GETARG_JSONB_P(1);
	if (!JB_ROOT_IS_OBJECT(metrics) || JB_ROOT_IS_SCALAR(metrics))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("metrics must be a jsonb object"),
				 errhint("Name each result, e.g. jsonb_build_object('quality', ...).")));
	if (VARSIZE(metrics) > RS_MAX_METRICS_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("metrics of %zu bytes are more than the %d bytes a call may store",
						(size_t) VARSIZE(metrics), RS_MAX_METRICS_BYTES),
				 errhint("Store summaries, not rows.")));
	PreventCommandIfReadOnly("raresynth_store_metrics()");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	(void) versions_to_change(model, false, &mv);
	if (version == 0 && mv.deployed == 0)
		report_missing_version(model, 0);
	if (version == 0)
		version = mv.deployed;
	if (!has_version(&mv, version))
		report_no_such_version(model, version, &mv);
	namestrcpy(&n, model);
	args[0] = NameGetDatum(&n);
	args[1] = Int32GetDatum(version);
	args[2] = JsonbPGetDatum(metrics);
	ret = catalog_exec("UPDATE raresynth.models SET metrics = metrics OPERATOR(pg_catalog.||) $3 "
					   "WHERE name OPERATOR(pg_catalog.=) $1 AND version OPERATOR(pg_catalog.=) $2 "
					   "RETURNING metrics",
					   3, argtypes, args, NULL, false);
	if (ret != SPI_OK_UPDATE_RETURNING || SPI_processed != 1)
		elog(ERROR, "model metrics update failed: %s", SPI_result_code_string(ret));
	result = SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull),
							   false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * raresynth_drop_version(model name, version integer, missing_ok boolean)
 * returns boolean.  The deployed version is refused: sampling would
 * silently move to another one.
 */
PG_FUNCTION_INFO_V1(raresynth_drop_version);
Datum
raresynth_drop_version(PG_FUNCTION_ARGS)
{
	const char *model = model_name_arg(PG_ARGISNULL(0) ? NULL : NameStr(*PG_GETARG_NAME(0)));
	int			version = rs_version_arg(fcinfo, 1, true);
	bool		missing_ok;
	ModelVersions mv;
	bool		dropped = false;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("missing_ok must not be NULL")));
	missing_ok = PG_GETARG_BOOL(2);
	PreventCommandIfReadOnly("raresynth_drop_version()");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (versions_to_change(model, missing_ok, &mv))
	{
		if (!has_version(&mv, version))
		{
			if (!missing_ok)
				report_no_such_version(model, version, &mv);
			ereport(NOTICE,
					(errmsg("version %d of model \"%s\" does not exist, skipping", version, model)));
		}
		else if (version == mv.deployed)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_IN_USE),
					 errmsg("cannot drop version %d of model \"%s\" because it is deployed", version, model),
					 errdetail("raresynth_sample() and raresynth_synthesize() use the deployed version when no version is named."),
					 errhint("Deploy another version with raresynth_deploy() first, or drop the whole model with raresynth_drop_model().")));
		else
		{
			drop_versions(model, &version, 1);
			dropped = true;
		}
	}
	SPI_finish();
	PG_RETURN_BOOL(dropped);
}

/*
 * Before training (which has refused a read-only transaction already):
 * lock the name, then error if it belongs to another role's model (the
 * caller may add versions to its own).
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
 * The version a new training of model (locked, versions in mv) gets: one
 * more than any version the name has, or that the caller's rows of
 * raresynth.synthesized name, so that provenance never points at two
 * models.
 */
static int
next_version(const char *model, const ModelVersions *mv)
{
	Oid			argtypes[2] = {NAMEOID, REGROLEOID};
	Datum		args[2];
	NameData	n;
	int			ret;
	int			last = mv->n > 0 ? mv->versions[mv->n - 1] : 0;
	bool		isnull;
	Datum		d;

	namestrcpy(&n, model);
	args[0] = NameGetDatum(&n);
	args[1] = ObjectIdGetDatum(GetUserId());
	ret = catalog_exec("SELECT pg_catalog.max(version) FROM raresynth.synthesized "
					   "WHERE model OPERATOR(pg_catalog.=) $1 AND owner OPERATOR(pg_catalog.=) $2",
					   2, argtypes, args, NULL, true);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "model version lookup failed: %s", SPI_result_code_string(ret));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		last = Max(last, DatumGetInt32(d));
	if (last == PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model \"%s\" has used every version number", model),
				 errhint("Train under another name.")));
	return last + 1;
}

/*
 * After a training added a version to model (versions before it in mv):
 * drop the oldest versions beyond raresynth.keep_versions, never the new
 * one nor the one it replaced as deployed (it stays at hand to deploy
 * back).  A NOTICE names each version dropped.
 */
static void
apply_keep_versions(const char *model, const ModelVersions *mv)
{
	int			excess;
	int		   *drop;
	int			n = 0;

	if (rs_keep_versions <= 0)
		return;
	excess = mv->n + 1 - rs_keep_versions;
	drop = palloc(sizeof(int) * Max(mv->n, 1));
	for (int i = 0; i < mv->n && n < excess; i++)
		if (mv->versions[i] != mv->deployed)
			drop[n++] = mv->versions[i];
	if (n == 0)
		return;
	drop_versions(model, drop, n);
	for (int i = 0; i < n; i++)
		ereport(NOTICE,
				(errmsg("dropped version %d of model \"%s\"", drop[i], model),
				 errdetail("raresynth.keep_versions = %d: a training keeps that many of the newest versions, always with its new version and the one it replaced as deployed.",
						   rs_keep_versions),
				 errhint("Set raresynth.keep_versions = 0 to keep every version.")));
}

/*
 * Store a trained model as a new version of the caller's model of that
 * name, and deploy it; returns its version.  The only writer of model
 * states: it runs as the catalog's owner, so no role needs (or has) write
 * access to the table.
 */
int
rs_catalog_store_model(const RsStoredModel *sm)
{
	Oid			argtypes[15] = {NAMEOID, REGROLEOID, TEXTOID, NAMEOID, TEXTOID, INT8OID, INT4OID,
	INT8OID, FLOAT8OID, TEXTOID, TEXTOID, TEXTOID, BYTEAOID, REGROLEOID, INT4OID};
	Datum		args[15];
	NameData	name,
				label;
	bytea	   *state;
	ModelVersions mv;
	int			version;
	int			ret;

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
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* a name held by another role is never added to */
	model_versions(sm->name, &mv);
	if (OidIsValid(mv.owner) && mv.owner != GetUserId())
		report_name_taken(sm->name);
	version = next_version(sm->name, &mv);

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
	args[14] = Int32GetDatum(version);

	ret = catalog_exec(
		"INSERT INTO raresynth.models (name, owner, source, label, minority, rows, epochs, seed, "
		"seconds, options, columns, losses, state, source_owner, version, deployed) VALUES ($1, $2, "
		"$3, $4, $5, $6, $7, $8, $9, $10::pg_catalog.jsonb, $11::pg_catalog.jsonb, "
		"$12::pg_catalog.jsonb, $13, $14, $15, false)",
		15, argtypes, args, NULL, false);
	if (ret != SPI_OK_INSERT || SPI_processed != 1)
		elog(ERROR, "model insert failed: %s", SPI_result_code_string(ret));
	set_deployed(sm->name, &mv, version);
	notice_deployed(sm->name, version, mv.deployed, true);
	apply_keep_versions(sm->name, &mv);
	SPI_finish();				/* frees state, made in SPI's context */
	return version;
}

/*
 * Read a version of the caller's model (0: the deployed one): source,
 * label, minority, state, version, created; errors if unseen.
 */
RsStoredModel *
rs_catalog_load_model(const char *model, int version)
{
	MemoryContext callercxt = CurrentMemoryContext;
	Oid			argtypes[2] = {NAMEOID, INT4OID};
	Datum		args[2];
	char		nulls[2] = {' ', version ? ' ' : 'n'};
	NameData	n;
	int			ret;
	RsStoredModel *sm = palloc0(sizeof(RsStoredModel));
	HeapTuple	tup;
	TupleDesc	td;
	bool		isnull;
	bytea	   *state;

	namestrcpy(&n, model_name_arg(model));
	args[0] = NameGetDatum(&n);
	args[1] = Int32GetDatum(version);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT source, label::pg_catalog.text, minority, state, "
								"source_owner::pg_catalog.oid, version, created"
								RS_MODEL_VERSION_WHERE,
								2, argtypes, args, nulls, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "model lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		report_missing_version(model, version);
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
	sm->version = DatumGetInt32(SPI_getbinval(tup, td, 6, &isnull));
	sm->created = DatumGetTimestampTz(SPI_getbinval(tup, td, 7, &isnull));
	SPI_finish();
	return sm;
}

/*
 * Record in raresynth.synthesized that the caller appended rows (more
 * than 0) of model version sm to target with seed, in the transaction
 * that wrote them (a rollback takes both back).  Runs as the catalog's
 * owner: no role writes the table directly.
 */
void
rs_catalog_record_synthesis(Oid target, const RsStoredModel *sm, int64 rows, int64 seed)
{
	Oid			argtypes[7] = {REGCLASSOID, NAMEOID, INT4OID, TIMESTAMPTZOID, INT8OID, INT8OID,
	REGROLEOID};
	Datum		args[7];
	NameData	n;
	int			ret;

	if (rows <= 0)
		return;
	namestrcpy(&n, sm->name);
	args[0] = ObjectIdGetDatum(target);
	args[1] = NameGetDatum(&n);
	args[2] = Int32GetDatum(sm->version);
	args[3] = TimestampTzGetDatum(sm->created);
	args[4] = Int64GetDatum(rows);
	args[5] = Int64GetDatum(seed);
	args[6] = ObjectIdGetDatum(GetUserId());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = catalog_exec("INSERT INTO raresynth.synthesized (target, model, version, trained, rows, seed, owner) "
					   "VALUES ($1, $2, $3, $4, $5, $6, $7)",
					   7, argtypes, args, NULL, false);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "provenance insert failed: %s", SPI_result_code_string(ret));
	SPI_finish();
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

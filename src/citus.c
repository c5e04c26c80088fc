/*
 * citus.c
 *	  What raresynth needs to know about Citus (docs/citus.md): whether a
 *	  relation is a Citus table (rs_citus_kind), making a companion table
 *	  that raresynth created follow its source (rs_citus_follow), and
 *	  running a statement without Citus's DDL propagation
 *	  (rs_citus_local_ddl_begin/end).  Nothing here names a Citus object
 *	  unless the extension citus is installed in the database, and every
 *	  name it uses is qualified with pg_catalog (where Citus keeps its
 *	  catalog and functions); relations are passed as OIDs.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "nodes/primnodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "model.h"
#include "raresynth.h"

/* Is the extension citus installed here, with its partition catalog? */
static bool
citus_present(void)
{
	return OidIsValid(get_extension_oid("citus", true)) &&
		OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE));
}

/*
 * What kind of table relid is for Citus: RS_CITUS_LOCAL when Citus is not
 * installed or relid is not in pg_catalog.pg_dist_partition; else
 * distributed (by a column: *distcol, when distcol is not NULL, gets its
 * name), reference, single-shard (a table of a distributed schema, say),
 * or another Citus table (a local table added to Citus's metadata): none
 * of them has its rows in the relation's own heap on this node, the
 * coordinator's shell.
 */
RsCitusKind
rs_citus_kind(Oid relid, char **distcol)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};
	RsCitusKind kind = RS_CITUS_LOCAL;
	int			ret;

	if (distcol)
		*distcol = NULL;
	if (!citus_present())
		return RS_CITUS_LOCAL;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT p.partmethod::pg_catalog.text, p.repmodel::pg_catalog.text, p.partkey, "
								"p.colocationid OPERATOR(pg_catalog.<>) 0 "
								"FROM pg_catalog.pg_dist_partition p "
								"WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1",
								1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "Citus table lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 1)
	{
		char	   *method = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		char	   *repmodel = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		char	   *partkey = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);

		if (method && strcmp(method, "n") != 0 && partkey)
		{
			/* Citus keeps the distribution column as a Var in nodeToString form */
			Node	   *key = stringToNode(partkey);

			kind = RS_CITUS_DISTRIBUTED;
			if (distcol && IsA(key, Var))
			{
				char	   *att = get_attname(relid, ((Var *) key)->varattno, true);

				if (att)
					*distcol = strcpy(SPI_palloc(strlen(att) + 1), att);	/* outlives SPI */
			}
		}
		else if (repmodel && strcmp(repmodel, "t") == 0)
			kind = RS_CITUS_REFERENCE;
		else if (strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4), "t") == 0)
			kind = RS_CITUS_SINGLE_SHARD;	/* colocated: a distributed schema's, say */
		else
			kind = RS_CITUS_OTHER;	/* a local table in Citus's metadata */
	}
	SPI_finish();
	return kind;
}

/* relid's quoted, schema-qualified name */
static char *
qualified_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

/* Is this node the coordinator (pg_catalog.citus_is_coordinator())? */
static bool
is_coordinator(void)
{
	bool		isnull;
	bool		result;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT pg_catalog.citus_is_coordinator()", true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "citus_is_coordinator() failed");
	result = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return !isnull && result;
}

/* SELECT pg_catalog.<call> with args (OIDs and text): Citus's own checks and errors */
static void
citus_call(const char *call, int nargs, Oid *argtypes, Datum *args)
{
	int			ret;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args(psprintf("SELECT pg_catalog.%s", call), nargs, argtypes, args,
								NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "%s failed: %s", call, SPI_result_code_string(ret));
	SPI_finish();
}

/* Does the distribution column distcol get values: not excluded by meta, or keyed? */
static bool
distcol_has_values(const char *distcol, const rs_model_meta *meta, List *keys)
{
	ListCell   *lc;

	foreach(lc, keys)
		if (strcmp(((RsKey *) lfirst(lc))->column, distcol) == 0)
			return true;
	for (int i = 0; i < meta->n_source_cols; i++)
		if (strcmp(meta->source_names[i], distcol) == 0)
			return meta->source_role[i] != RS_ROLE_EXCLUDED;
	return false;
}

/*
 * Before any row: an existing target distributed by a column the model
 * excluded (and keys does not fill) would get NULL there, which Citus
 * refuses row by row; say so once, with the way out.
 */
void
rs_citus_check_target(Oid target, const rs_model_meta *meta, List *keys)
{
	char	   *distcol;

	if (rs_citus_kind(target, &distcol) == RS_CITUS_DISTRIBUTED && distcol &&
		!distcol_has_values(distcol, meta, keys))
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("distribution column \"%s\" of %s would be NULL", distcol, qualified_name(target)),
				 errdetail("The model excludes \"%s\": synthetic rows have no value there.", distcol),
				 errhint("Pass keys => '{\"%s\": \"uuid\"}' (or a sequence) to generate its values.",
						 distcol)));
}

/*
 * A companion table raresynth just created (target, empty, the source's
 * columns) follows its source: distributed by the source's distribution
 * column, colocated with it, when that column gets values (meta: not
 * excluded by the model; or keys, a list of RsKey, generates them); a
 * reference table for a reference source; left local otherwise (a NOTICE
 * says why, for a distributed source).
 */
void
rs_citus_follow(Oid target, Oid source, const rs_model_meta *meta, List *keys)
{
	char	   *distcol;
	RsCitusKind kind = rs_citus_kind(source, &distcol);
	Oid			argtypes[3] = {OIDOID, TEXTOID, TEXTOID};
	Datum		args[3];

	if (kind == RS_CITUS_LOCAL || kind == RS_CITUS_OTHER ||
		rs_citus_kind(target, NULL) != RS_CITUS_LOCAL)	/* a distributed schema made it Citus's */
		return;
	if (!is_coordinator())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot create %s like %s on a Citus worker", qualified_name(target),
						qualified_name(source)),
				 errdetail("A new target follows its source, and only the coordinator creates Citus tables."),
				 errhint("Call it on the coordinator, or pass a target that exists.")));
	args[0] = ObjectIdGetDatum(target);
	args[2] = CStringGetTextDatum(qualified_name(source));
	if (kind == RS_CITUS_REFERENCE)
	{
		citus_call("create_reference_table($1::pg_catalog.regclass)", 1, argtypes, args);
		return;
	}
	if (kind == RS_CITUS_SINGLE_SHARD)
	{
		args[1] = args[2];		/* $2: colocate_with */
		citus_call("create_distributed_table($1::pg_catalog.regclass, NULL, colocate_with => $2)",
				   2, argtypes, args);
		return;
	}
	if (distcol == NULL)
		return;
	if (!distcol_has_values(distcol, meta, keys))
	{
		ereport(NOTICE,
				(errmsg("%s is a local table: the distribution column \"%s\" of %s is excluded",
						qualified_name(target), distcol,
						qualified_name(source)),
				 errdetail("Its rows would have NULL there, which a table distributed by \"%s\" cannot hold.",
						   distcol),
				 errhint("Pass keys => '{\"%s\": \"uuid\"}' (or a sequence) to generate its values and distribute the target like the source.",
						 distcol)));
		return;
	}
	args[1] = CStringGetTextDatum(distcol);
	citus_call("create_distributed_table($1::pg_catalog.regclass, $2, colocate_with => $3)",
			   3, argtypes, args);
}

/*
 * The improved view is the coordinator's own (docs/citus.md): Citus could
 * not create one over a local table on the workers, and WARNs that it
 * creates it locally; nor does it propagate one created in the
 * transaction that distributed its target.  Between
 * rs_citus_local_ddl_begin() and _end() Citus propagates no DDL
 * (citus.enable_ddl_propagation off, as a function's SET clause sets it).
 * Returns the GUC nest level for _end (-1: nothing set).
 */
int
rs_citus_local_ddl_begin(void)
{
	int			level;

	if (!citus_present())
		return -1;
	level = NewGUCNestLevel();
	(void) set_config_option("citus.enable_ddl_propagation", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return level;
}

void
rs_citus_local_ddl_end(int level)
{
	if (level >= 0)
		AtEOXact_GUC(true, level);
}

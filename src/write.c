/*
 * write.c
 *	  The one place that writes user tables: the targets that
 *	  raresynth_synthesize() and raresynth_smote() fill.  rs_target_open()
 *	  checks, locks and if need be creates a target; read.c's
 *	  rs_count_rows_to_balance() counts what 1:1 needs; rs_target_write() stores rows through one bulk
 *	  path (straight into the heap when an INSERT would do nothing more, else
 *	  INSERT ... SELECT FROM unnest($1) in batches); rs_target_finish()
 *	  creates the target's improved view (name_view, check_view).
 *
 * What a target must be (docs/security.md): an ordinary or partitioned
 * table (every partition an ordinary table too), not a system catalog,
 * not another session's temporary table, owned by the current user (or a
 * role whose privileges it has; a superuser is no exception, see
 * caller_owns), with the source's columns, and not read by the source.
 * Unqualified names live in the source's schema.  rs_target_open()
 * serializes writers of one target name: a lock on the name, then
 * ShareRowExclusiveLock on the table, both until the end of the
 * transaction.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "parser/parsetree.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "model.h"
#include "raresynth.h"

/* advisory lock tags of raresynth's name locks: (database, namespace, hash, RS_LOCK_NAME) */
#define RS_LOCK_NAME 0x5253

/*
 * A buffer of rows for table_multi_insert() or one INSERT: at most
 * RS_WRITE_BUFFER rows or RS_WRITE_BUFFER_BYTES of their tuples (each row is
 * formed once more by table_multi_insert, or copied into the INSERT's array).
 */
#define RS_WRITE_BUFFER 1000
#define RS_WRITE_BUFFER_BYTES (8 * 1024 * 1024)

struct RsTarget
{
	Oid			relid;			/* locked ShareRowExclusiveLock */
	char	   *qname;			/* quoted, schema-qualified */
	Oid			source_relid;
	char	   *qsource;
	Oid			view_nsp;
	char	   *view_name;		/* the improved view to create, or NULL */
	bool		view_exists;	/* it is there already, exactly as we make it */
	char	   *marker;			/* its marker column, or NULL */
	List	   *colnames;		/* the source's column names (char *) */
	char	   *cols;			/* quoted column list of the source */
	List	   *keys;			/* RsKey: excluded columns given values */
};

/*
 * base || suffix for a default name.  One that would not fit in
 * NAMEDATALEN is refused rather than truncated: two long source names
 * would share it.
 */
static char *
name_with_suffix(const char *base, const char *suffix, bool for_view)
{
	char	   *s = psprintf("%s%s", base, suffix);

	if (strlen(s) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("%s name \"%s\" is too long", for_view ? "view" : "default target", s),
				 errdetail("Names have at most %d bytes; truncated, sources whose names start alike would share it.",
						   NAMEDATALEN - 1),
				 for_view ?
				 errhint("Pass improved => false, or a target whose name has at most %d bytes.",
						 (int) (NAMEDATALEN - 1 - strlen(suffix))) :
				 errhint("Pass a shorter target name.")));
	return s;
}

/*
 * Does the current user own a relation owned by `owner`?  As
 * pg_class_ownercheck() but without its superuser shortcut: a superuser
 * writing into another role's table would run that role's triggers as a
 * superuser.
 */
static bool
caller_owns(Oid owner)
{
	Oid			me = GetUserId();

	return owner == me ||
		(has_privs_of_role(me, owner) && is_member_of_role_nosuper(me, owner));
}

static void
not_owner_error(bool view, const char *relname)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("must be owner of %s \"%s\"", view ? "view" : "table", relname),
			 errdetail("raresynth writes only into relations the current user owns, so that no other role's triggers, policies or index expressions run with the current user's rights."),
			 view ?
			 errhint("Its owner can drop it; raresynth_synthesize() then creates it as yours.") :
			 errhint("Pass a target you own, or a new name.")));
}

/* Refuse relation relid (named relname) as a target, or a partition of one. */
static void
check_target_relation(Oid relid, const char *relname)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Form_pg_class cls;

	if (!HeapTupleIsValid(tup))
		return;					/* dropped meanwhile: the lookup retries */
	cls = (Form_pg_class) GETSTRUCT(tup);
	if (cls->relkind != RELKIND_RELATION && cls->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", relname),
				 errdetail("A target must be an ordinary or partitioned table, not a view, materialized view or foreign table.")));
	if (IsSystemClass(relid, cls))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: \"%s\" is a system catalog", relname)));
	if (cls->relpersistence == RELPERSISTENCE_TEMP && isOtherTempNamespace(cls->relnamespace))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot access temporary tables of other sessions")));
	if (!caller_owns(cls->relowner))
		not_owner_error(false, relname);
	ReleaseSysCache(tup);
}

/* RangeVarGetRelidExtended callback: the checks come before the lock. */
static void
target_lookup_callback(const RangeVar *rv, Oid relid, Oid oldrelid, void *arg)
{
	if (OidIsValid(relid))
		check_target_relation(relid, rv->relname);
}

/*
 * Lock a relation name (namespace nsp, name) until the end of the
 * transaction, whether or not a relation of that name exists: the writers
 * of one target, or of one view, then run one after the other.  Catalog
 * changes committed while we waited become visible.
 */
static void
lock_relation_name(Oid nsp, const char *name)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, nsp,
						 hash_bytes((const unsigned char *) name, strlen(name)), RS_LOCK_NAME);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
	AcceptInvalidationMessages();
}

static bool collect_read_relations(Node *node, List **relids);

/*
 * Add relid and every relation reading it reads to *relids: a table's
 * inheritance children and partitions, a view's relations (through views,
 * subqueries, CTEs and sublinks).  What functions read is not seen.
 */
static void
add_read_relation(Oid relid, List **relids)
{
	if (list_member_oid(*relids, relid))
		return;
	*relids = lappend_oid(*relids, relid);
	if (get_rel_relkind(relid) == RELKIND_VIEW)
	{
		Relation	rel = relation_open(relid, AccessShareLock);
		Query	   *q = copyObject(get_view_query(rel));

		relation_close(rel, NoLock);
		(void) collect_read_relations((Node *) q, relids);
	}
	else
	{
		ListCell   *lc;

		foreach(lc, find_all_inheritors(relid, NoLock, NULL))
			*relids = list_append_unique_oid(*relids, lfirst_oid(lc));
	}
}

static bool
collect_read_relations(Node *node, List **relids)
{
	if (node == NULL)
		return false;
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		if (rte->rtekind == RTE_RELATION)
			add_read_relation(rte->relid, relids);
		return false;
	}
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, collect_read_relations, (void *) relids,
								 QTW_EXAMINE_RTES_BEFORE);
	return expression_tree_walker(node, collect_read_relations, (void *) relids);
}

/*
 * The checks on an existing (or just created) target t->relid, locked:
 * its partitions, that the source does not read it, its columns (those
 * meta records).
 */
static void
check_target(RsTarget *t, const rs_model_meta *meta)
{
	List	   *source_reads = NIL;
	List	   *written = list_make1_oid(t->relid);
	ListCell   *lc;
	Relation	rel;
	char	   *mismatch;

	if (t->relid == t->source_relid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target must not be the source table %s", t->qsource)));
	/* rows written to a partitioned table go to its partitions */
	if (get_rel_relkind(t->relid) == RELKIND_PARTITIONED_TABLE)
		written = find_all_inheritors(t->relid, ShareRowExclusiveLock, NULL);
	foreach(lc, written)
		if (lfirst_oid(lc) != t->relid)
			check_target_relation(lfirst_oid(lc), get_rel_name(lfirst_oid(lc)));
	add_read_relation(t->source_relid, &source_reads);
	foreach(lc, written)
		if (list_member_oid(source_reads, lfirst_oid(lc)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target %s must not feed source %s", t->qname, t->qsource),
					 errdetail("Source %s reads %s, where rows written to the target would go.",
							   t->qsource, quote_qualified_identifier(get_namespace_name(get_rel_namespace(lfirst_oid(lc))),
																	  get_rel_name(lfirst_oid(lc))))));

	rel = relation_open(t->relid, NoLock);
	mismatch = rs_describe_mismatch_meta(RelationGetDescr(rel), meta);
	relation_close(rel, NoLock);
	if (mismatch)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("target %s does not have the columns of %s", t->qname, t->qsource),
				 errdetail("%s", mismatch),
				 errhint("Drop it or choose another target.")));
}

/*
 * CREATE TABLE target (the source's columns in order, no constraints),
 * with PostgreSQL's own checks (CREATE on the schema).
 */
static void
create_target(RsTarget *t)
{
	Relation	rel = relation_open(t->source_relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData q;
	int			ret;

	initStringInfo(&q);
	appendStringInfo(&q, "CREATE TABLE %s (", t->qname);
	for (int i = 0, k = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		appendStringInfo(&q, "%s%s %s", k++ ? ", " : "", quote_identifier(NameStr(att->attname)),
						 format_type_extended(att->atttypid, att->atttypmod,
											  FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY));
	}
	appendStringInfoChar(&q, ')');
	relation_close(rel, NoLock);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute(q.data, false, 0);
	if (ret != SPI_OK_UTILITY)
		elog(ERROR, "could not create %s: %s", t->qname, SPI_result_code_string(ret));
	SPI_finish();
}

/*
 * Is arm (one side of the UNION ALL) exactly
 *	 SELECT <colnames>[, <marker_value> AS <marker>] FROM relid
 * as rs_target_finish writes it?
 */
static bool
improved_arm_matches(Query *q, Oid relid, List *colnames, const char *marker, bool marker_value)
{
	RangeTblEntry *rte;
	ListCell   *lc;
	int			i = 0;

	if (q == NULL || q->commandType != CMD_SELECT || q->setOperations || q->cteList ||
		q->hasAggs || q->hasWindowFuncs || q->hasTargetSRFs || q->hasSubLinks ||
		q->groupClause || q->groupingSets || q->havingQual || q->distinctClause ||
		q->sortClause || q->limitCount || q->limitOffset || q->rowMarks ||
		q->jointree == NULL || q->jointree->quals != NULL ||
		list_length(q->jointree->fromlist) != 1 || list_length(q->rtable) != 1 ||
		!IsA(linitial(q->jointree->fromlist), RangeTblRef) ||
		list_length(q->targetList) != list_length(colnames) + (marker ? 1 : 0))
		return false;
	rte = linitial_node(RangeTblEntry, q->rtable);
	if (rte->rtekind != RTE_RELATION || rte->relid != relid || !rte->inh || rte->tablesample)
		return false;
	foreach(lc, q->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk || tle->resname == NULL)
			return false;
		if (i < list_length(colnames))
		{
			const char *col = list_nth(colnames, i);
			Var		   *var = (Var *) tle->expr;
			char	   *attname;

			if (!IsA(var, Var) || var->varno != 1 || var->varlevelsup != 0 || var->varattno <= 0 ||
				strcmp(tle->resname, col) != 0)
				return false;
			attname = get_attname(relid, var->varattno, true);
			if (attname == NULL || strcmp(attname, col) != 0)
				return false;
		}
		else
		{
			Const	   *c = (Const *) tle->expr;

			if (!IsA(c, Const) || c->consttype != BOOLOID || c->constisnull ||
				DatumGetBool(c->constvalue) != marker_value || strcmp(tle->resname, marker) != 0)
				return false;
		}
		i++;
	}
	return true;
}

/*
 * Is view (relation rel) exactly the improved view of t, as
 * rs_target_finish would create it: security_invoker, source UNION ALL
 * target, the source's columns, the same marker column or none?
 */
static bool
improved_view_matches(Relation rel, const RsTarget *t)
{
	Query	   *q = get_view_query(rel);
	SetOperationStmt *op = (SetOperationStmt *) q->setOperations;
	RangeTblEntry *l,
			   *r;

	if (!RelationHasSecurityInvoker(rel) || op == NULL || !IsA(op, SetOperationStmt) ||
		op->op != SETOP_UNION || !op->all ||
		!IsA(op->larg, RangeTblRef) || !IsA(op->rarg, RangeTblRef) ||
		q->jointree == NULL || q->jointree->quals != NULL || q->sortClause ||
		q->limitCount || q->limitOffset || q->cteList || q->rowMarks)
		return false;
	l = rt_fetch(((RangeTblRef *) op->larg)->rtindex, q->rtable);
	r = rt_fetch(((RangeTblRef *) op->rarg)->rtindex, q->rtable);
	return l->rtekind == RTE_SUBQUERY && r->rtekind == RTE_SUBQUERY &&
		improved_arm_matches(l->subquery, t->source_relid, t->colnames, t->marker, false) &&
		improved_arm_matches(r->subquery, t->relid, t->colnames, t->marker, true);
}

/*
 * The improved view of t, before any row is written: locked by name.  If
 * a relation of that name exists it must be a view the current user owns
 * (42809, 42501: another role's view is never replaced) and exactly the
 * view we would create (42P07 otherwise: it is never redefined to show
 * something else); then it is left as it is.  Else the user needs CREATE
 * on its schema.
 */
static void
check_view(RsTarget *t)
{
	Oid			view;
	char	   *qview = quote_qualified_identifier(get_namespace_name(t->view_nsp), t->view_name);

	lock_relation_name(t->view_nsp, t->view_name);
	view = get_relname_relid(t->view_name, t->view_nsp);
	if (OidIsValid(view))
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(view));
		Form_pg_class cls;
		Relation	rel;
		bool		matches,
					invoker;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for relation %u", view);
		cls = (Form_pg_class) GETSTRUCT(tup);
		if (cls->relkind != RELKIND_VIEW)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("\"%s\" is not a view", t->view_name),
					 errdetail("raresynth_synthesize() creates the view %s of %s and %s.",
							   qview, t->qsource, t->qname),
					 errhint("Drop it, pass improved => false, or write into another target.")));
		if (!caller_owns(cls->relowner))
			not_owner_error(true, t->view_name);
		ReleaseSysCache(tup);
		rel = relation_open(view, AccessExclusiveLock);
		matches = improved_view_matches(rel, t);
		invoker = RelationHasSecurityInvoker(rel);
		relation_close(rel, NoLock);
		if (!matches)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("view \"%s\" already exists and is not the improved view of %s and %s",
							t->view_name, t->qsource, t->qname),
					 errdetail("raresynth_synthesize() never redefines a view; this one shows other relations, columns or marker%s.",
							   invoker ? "" : ", or lacks security_invoker"),
					 errhint("Drop it, pass improved => false, or write into another target.")));
		t->view_exists = true;
	}
	else if (pg_namespace_aclcheck(t->view_nsp, GetUserId(), ACL_CREATE) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_SCHEMA, get_namespace_name(t->view_nsp));
}

/*
 * The improved view's name (t->view_nsp, t->view_name): <source>_improved
 * in the source's schema for the default target <source><suffix> there
 * (what raresynth_synthesize('model') always made), else
 * <target>_improved in the target's schema: one view per target.
 */
static void
name_view(RsTarget *t, Oid source_nsp, const char *source_name, const char *suffix,
		  Oid nsp, const char *relname)
{
	char	   *default_target = psprintf("%s%s", source_name, suffix);

	if (nsp == source_nsp && strcmp(relname, default_target) == 0)
	{
		t->view_nsp = source_nsp;
		t->view_name = name_with_suffix(source_name, "_improved", true);
	}
	else
	{
		t->view_nsp = nsp;
		t->view_name = name_with_suffix(relname, "_improved", true);
	}
}

/*
 * A marker column name: not empty, not truncated, not a column of the
 * source (descriptor desc).
 */
static void
check_marker(const char *marker, TupleDesc desc)
{
	if (marker[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("marker must not be empty")));
	if (strlen(marker) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("marker \"%s\" is too long", marker),
				 errdetail("Column names have at most %d bytes.", NAMEDATALEN - 1)));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), marker) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("marker \"%s\" is a column of the source", marker),
					 errhint("Choose another name for the marker column.")));
	}
}

/*
 * Open the target of rows from source source_relid, whose columns meta
 * records (a model's, or SMOTE's): `target` (a possibly qualified name;
 * NULL: <source><suffix> in the source's schema), created if missing.
 * with_view: raresynth_synthesize() with improved => true, which also
 * creates the target's improved view (name_view; rs_target_finish), with
 * a boolean column `marker` (NULL: none) true for the target's rows.
 * Returns with the target name and the table locked until the end of the
 * transaction.
 */
RsTarget *
rs_target_open(Oid source_relid, const char *target, const char *suffix,
			   const rs_model_meta *meta, bool with_view, const char *marker)
{
	return rs_target_open_keys(source_relid, target, suffix, meta, with_view, marker, NULL);
}

/*
 * As rs_target_open, with keys (NULL: none): values for columns the model
 * excluded (rs_keys_parse), written in place of their NULLs.
 */
RsTarget *
rs_target_open_keys(Oid source_relid, const char *target, const char *suffix,
					const rs_model_meta *meta, bool with_view, const char *marker, Jsonb *keys)
{
	RsTarget   *t = palloc0(sizeof(RsTarget));
	Oid			source_nsp = get_rel_namespace(source_relid);
	char	   *source_name = get_rel_name(source_relid);
	Oid			nsp = source_nsp;
	char	   *relname;
	RangeVar   *rv;
	Relation	rel;
	StringInfoData c;

	t->source_relid = source_relid;
	t->qsource = quote_qualified_identifier(get_namespace_name(source_nsp), source_name);
	t->keys = rs_keys_parse(keys, meta, t->qsource);
	if (target == NULL)
		relname = name_with_suffix(source_name, suffix, false);
	else
	{
		rv = makeRangeVarFromNameList(stringToQualifiedNameList(target));
		relname = rv->relname;
		if (rv->schemaname || rv->catalogname)
			nsp = RangeVarGetCreationNamespace(rv);
	}
	t->qname = quote_qualified_identifier(get_namespace_name(nsp), relname);

	rel = relation_open(source_relid, AccessShareLock);
	if (marker != NULL)
		check_marker(marker, RelationGetDescr(rel));
	initStringInfo(&c);
	for (int i = 0; i < RelationGetDescr(rel)->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), i);

		if (!att->attisdropped)
		{
			appendStringInfo(&c, "%s%s", c.len ? ", " : "", quote_identifier(NameStr(att->attname)));
			t->colnames = lappend(t->colnames, pstrdup(NameStr(att->attname)));
		}
	}
	relation_close(rel, NoLock);
	t->cols = c.data;

	if (with_view)
	{
		name_view(t, source_nsp, source_name, suffix, nsp, relname);
		t->marker = marker ? pstrdup(marker) : NULL;
		if (isTempNamespace(nsp) && !isTempNamespace(source_nsp))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("target of raresynth_synthesize() must not be temporary when its source is not"),
					 errdetail("The view \"%s\" of the source and the target would have to be temporary too.",
							   t->view_name),
					 errhint("Pass improved => false, or write into a permanent table, or INSERT INTO the temporary table SELECT * FROM raresynth_sample().")));
	}

	/* the name first, so that creating the table and counting are serialized */
	lock_relation_name(nsp, relname);
	rv = makeRangeVar(get_namespace_name(nsp), relname, -1);
	t->relid = RangeVarGetRelidExtended(rv, ShareRowExclusiveLock, RVR_MISSING_OK,
										target_lookup_callback, NULL);
	if (!OidIsValid(t->relid))
	{
		create_target(t);
		t->relid = RangeVarGetRelidExtended(rv, ShareRowExclusiveLock, 0,
											target_lookup_callback, NULL);
		rs_citus_follow(t->relid, source_relid, meta, t->keys);
	}
	check_target(t, meta);
	rs_citus_check_target(t->relid, meta, t->keys);
	if (with_view)
		check_view(t);
	return t;
}

/* The target table's OID (for the provenance of its rows). */
Oid
rs_target_relid(const RsTarget *t)
{
	return t->relid;
}

/* The target's row type (a copy): rows for rs_target_write are made for it. */
TupleDesc
rs_target_tupdesc(const RsTarget *t)
{
	Relation	rel = relation_open(t->relid, NoLock);
	TupleDesc	desc = CreateTupleDescCopy(RelationGetDescr(rel));

	relation_close(rel, NoLock);
	return desc;
}

/* The source's and the target's quoted, qualified names (for read.c's counts). */
const char *
rs_target_qsource(const RsTarget *t)
{
	return t->qsource;
}

const char *
rs_target_qname(const RsTarget *t)
{
	return t->qname;
}

Oid
rs_target_source_relid(const RsTarget *t)
{
	return t->source_relid;
}

/*
 * Can rows go straight into target's heap with table_multi_insert(), the
 * way COPY FROM stores rows?  Only when an INSERT would do nothing but
 * store them: a plain table (not a partition) without indexes, triggers,
 * rules, row-level security, CHECK or NOT NULL constraints, identity or
 * generated columns, outside parallel mode, and not a Citus table
 * (rs_citus_kind: its coordinator's relation is a shell whose heap no
 * query reads; the INSERT goes to the shards).  We fill every column
 * ourselves, so defaults do not matter.  A NOT NULL column (only in a
 * target the user made) may well get NULLs: excluded columns are always
 * NULL and others may have learned NULLs; rather than check them here,
 * such a target takes the INSERT path, whose not_null_violation is
 * PostgreSQL's own, word for word.  The target is the user's own
 * (rs_target_open) and locked ShareRowExclusiveLock, which any DDL that
 * could add one of these conflicts with.
 */
static bool
can_insert_directly(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *indexes;
	bool		ok;

	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relispartition ||
		RELATION_IS_OTHER_TEMP(rel))
		return false;
	if (rel->trigdesc != NULL || rel->rd_rel->relhasrules || rel->rd_rel->relrowsecurity)
		return false;
	if (desc->constr &&
		(desc->constr->has_not_null || desc->constr->num_check > 0 ||
		 desc->constr->has_generated_stored))
		return false;
	for (int i = 0; i < desc->natts; i++)
		if (TupleDescAttr(desc, i)->attidentity)
			return false;
	if (IsInParallelMode())
		return false;
	/* a Citus table's rows live in its shards, not in this heap */
	if (rs_citus_kind(RelationGetRelid(rel), NULL) != RS_CITUS_LOCAL)
		return false;
	indexes = RelationGetIndexList(rel);
	ok = (indexes == NIL);
	list_free(indexes);
	return ok;
}

/*
 * The permissions INSERT INTO rel (every column) needs, checked as the
 * executor and COPY FROM do (ExecCheckRTPerms, with its hook), before any
 * row is made.
 */
static void
check_insert_permission(Relation rel)
{
	RangeTblEntry *rte = makeNode(RangeTblEntry);
	TupleDesc	desc = RelationGetDescr(rel);

	rte->rtekind = RTE_RELATION;
	rte->relid = RelationGetRelid(rel);
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_INSERT;
	for (int i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped)
			rte->insertedCols = bms_add_member(rte->insertedCols,
											   i + 1 - FirstLowInvalidHeapAttributeNumber);
	(void) ExecCheckRTPerms(list_make1(rte), true);
}

/*
 * Store the rows of `next` in rel (can_insert_directly() said yes), a
 * buffer of RS_WRITE_BUFFER rows (or RS_WRITE_BUFFER_BYTES) at a time.  The slots' values and the
 * pass-by-reference datums behind them live in a per-buffer context that
 * is reset after each flush, so memory stays flat in n.  Returns rows
 * stored.
 */
static int64
insert_directly(Relation rel, RsRowNext next, void *arg)
{
	CommandId	cid = GetCurrentCommandId(true);
	int			ti_options = 0;
	BulkInsertState bistate = GetBulkInsertState();
	MemoryContext bufcxt = AllocSetContextCreate(CurrentMemoryContext,
												 "raresynth write buffer",
												 ALLOCSET_DEFAULT_SIZES);
	TupleTableSlot **slots = palloc0(sizeof(TupleTableSlot *) * RS_WRITE_BUFFER);
	int			nused = 0;
	Size		bytes = 0;		/* of the buffered rows' values */
	int64		written = 0;
	bool		more = true;

	/*
	 * As COPY FROM: a table created (or given a new relfilenode) in this
	 * transaction has no free space worth looking for, so extend at once.
	 */
	if (rel->rd_createSubid != InvalidSubTransactionId ||
		rel->rd_firstRelfilenodeSubid != InvalidSubTransactionId)
		ti_options |= TABLE_INSERT_SKIP_FSM;

	while (more)
	{
		TupleTableSlot *slot;
		MemoryContext old;

		if (slots[nused] == NULL)
			slots[nused] = table_slot_create(rel, NULL);
		slot = slots[nused];
		ExecClearTuple(slot);
		old = MemoryContextSwitchTo(bufcxt);
		more = next(arg, slot->tts_values, slot->tts_isnull);
		MemoryContextSwitchTo(old);
		if (more)
		{
			ExecStoreVirtualTuple(slot);
			nused++;
			bytes += heap_compute_data_size(RelationGetDescr(rel), slot->tts_values, slot->tts_isnull);
		}
		if (nused > 0 && (nused == RS_WRITE_BUFFER || !more || bytes > RS_WRITE_BUFFER_BYTES))
		{
			CHECK_FOR_INTERRUPTS();
			/* forms each heap tuple (in the slot's context) and stores them */
			table_multi_insert(rel, slots, nused, cid, ti_options, bistate);
			for (int i = 0; i < nused; i++)
				ExecClearTuple(slots[i]);	/* frees the heap tuple */
			written += nused;
			nused = 0;
			bytes = 0;
			MemoryContextReset(bufcxt);
		}
	}

	for (int i = 0; i < RS_WRITE_BUFFER && slots[i] != NULL; i++)
		ExecDropSingleTupleTableSlot(slots[i]);
	pfree(slots);
	FreeBulkInsertState(bistate);
	table_finish_bulk_insert(rel, ti_options);
	MemoryContextDelete(bufcxt);
	return written;
}

/*
 * Store the rows of `next` in target `qname` (rel) through the executor,
 * RS_WRITE_BUFFER rows per statement (fewer if their tuples pass half of
 * RS_WRITE_BUFFER_BYTES: the array copies them):
 *	 INSERT INTO <qname> SELECT * FROM pg_catalog.unnest($1)
 * with $1 an array of the target's row type, typed by OID.  As fast as
 * INSERT ... SELECT from raresynth_sample() was.  Indexes,
 * triggers (statement triggers fire once per statement), rules,
 * constraints, policies and partition routing apply, and their errors are
 * PostgreSQL's; the statement names nothing but the target and
 * pg_catalog.  With keys, the SELECT lists the columns, each key's
 * expression (cast to the column's type) in place of its column's NULL.
 * Returns rows inserted (SPI_processed).
 */
static char *
insert_statement(Relation rel, const char *qname, List *keys)
{
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData q;

	if (keys == NIL)
		return psprintf("INSERT INTO %s SELECT * FROM pg_catalog.unnest($1)", qname);
	initStringInfo(&q);
	appendStringInfo(&q, "INSERT INTO %s SELECT ", qname);
	for (int i = 0, n = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *expr = NULL;
		ListCell   *lc;

		if (att->attisdropped)
			continue;
		foreach(lc, keys)
			if (strcmp(((RsKey *) lfirst(lc))->column, NameStr(att->attname)) == 0)
				expr = ((RsKey *) lfirst(lc))->expr;
		if (n++)
			appendStringInfoString(&q, ", ");
		if (expr)
			appendStringInfo(&q, "(%s)::%s", expr,
							 format_type_extended(att->atttypid, att->atttypmod,
												  FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY));
		else
			appendStringInfo(&q, "r.%s", quote_identifier(NameStr(att->attname)));
	}
	appendStringInfoString(&q, " FROM pg_catalog.unnest($1) AS r");
	return q.data;
}

static int64
insert_by_statement(Relation rel, const char *qname, List *keys, RsRowNext next, void *arg)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			rowtype = rel->rd_rel->reltype;
	Oid			arraytype = get_array_type(rowtype);
	MemoryContext bufcxt = AllocSetContextCreate(CurrentMemoryContext,
												 "raresynth write buffer",
												 ALLOCSET_DEFAULT_SIZES);
	Datum	   *rows = palloc(sizeof(Datum) * RS_WRITE_BUFFER);
	Datum	   *values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(desc->natts, 1));
	int16		typlen;
	bool		typbyval;
	char		typalign;
	SPIPlanPtr	plan;
	int64		written = 0;
	bool		more = true;

	if (!OidIsValid(arraytype))
		elog(ERROR, "row type of %s has no array type", qname);
	get_typlenbyvalalign(rowtype, &typlen, &typbyval, &typalign);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(insert_statement(rel, qname, keys), 1, &arraytype);
	if (plan == NULL)
		elog(ERROR, "could not prepare insert into %s: %s", qname, SPI_result_code_string(SPI_result));
	while (more)
	{
		int			nrows = 0;
		Size		bytes = 0;
		MemoryContext old = MemoryContextSwitchTo(bufcxt);
		Datum		array;
		int			ret;

		while (nrows < RS_WRITE_BUFFER && bytes <= RS_WRITE_BUFFER_BYTES / 2 &&
			   (more = next(arg, values, nulls)))
		{
			HeapTuple	tuple = heap_form_tuple(desc, values, nulls);

			bytes += tuple->t_len;
			rows[nrows++] = HeapTupleGetDatum(tuple);
		}
		array = PointerGetDatum(construct_array(rows, nrows, rowtype, typlen, typbyval, typalign));
		MemoryContextSwitchTo(old);
		if (nrows > 0)
		{
			CHECK_FOR_INTERRUPTS();
			ret = SPI_execute_plan(plan, &array, NULL, false, 0);
			if (ret < 0)
				elog(ERROR, "could not insert into %s: %s", qname, SPI_result_code_string(ret));
			written += (int64) SPI_processed;
		}
		MemoryContextReset(bufcxt);
	}
	SPI_finish();
	MemoryContextDelete(bufcxt);
	return written;
}

/*
 * The one writer of synthesize and SMOTE: store the rows `next` gives
 * (made for rs_target_tupdesc) in the target.  Straight into the heap when
 * can_insert_directly() allows (always for a table rs_target_open made),
 * else through INSERT.  Both take the rows in the same order: same rows,
 * same table.  Returns rows written.
 */
int64
rs_target_write(const RsTarget *t, RsRowNext next, void *arg)
{
	Relation	rel = relation_open(t->relid, NoLock);	/* locked by rs_target_open */
	int64		written;

	if (t->keys == NIL && can_insert_directly(rel))
	{
		elog(DEBUG1, "raresynth: storing rows in %s directly", t->qname);
		check_insert_permission(rel);
		written = insert_directly(rel, next, arg);
		/* make the rows visible to what follows in this transaction */
		CommandCounterIncrement();
	}
	else
	{
		elog(DEBUG1, "raresynth: inserting rows into %s", t->qname);
		written = insert_by_statement(rel, t->qname, t->keys, next, arg);
	}
	relation_close(rel, NoLock);
	return written;
}

/*
 * After the rows: create the target's improved view (the paper's
 * "improved data": the source UNION ALL the target, with the marker column
 * if asked for), when rs_target_open was asked to and check_view found no
 * such view yet.  security_invoker: whoever reads the view needs SELECT
 * on the source and the target, and their row-level security applies, so
 * granting the view shows no row its reader could not read already.
 */
void
rs_target_finish(RsTarget *t)
{
	StringInfoData q;
	int			ret;
	int			guc;

	if (t->view_name == NULL || t->view_exists)
		return;
	initStringInfo(&q);
	appendStringInfo(&q, "CREATE VIEW %s WITH (security_invoker = true) AS SELECT %s",
					 quote_qualified_identifier(get_namespace_name(t->view_nsp), t->view_name), t->cols);
	if (t->marker)
		appendStringInfo(&q, ", false AS %s", quote_identifier(t->marker));
	appendStringInfo(&q, " FROM %s UNION ALL SELECT %s", t->qsource, t->cols);
	if (t->marker)
		appendStringInfo(&q, ", true AS %s", quote_identifier(t->marker));
	appendStringInfo(&q, " FROM %s", t->qname);
	/* on Citus, the view is this node's own (docs/citus.md) */
	guc = rs_citus_local_ddl_begin();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute(q.data, false, 0);
	if (ret != SPI_OK_UTILITY)
		elog(ERROR, "could not create view %s: %s", t->view_name, SPI_result_code_string(ret));
	SPI_finish();
	rs_citus_local_ddl_end(guc);
}

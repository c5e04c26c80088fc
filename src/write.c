/*
 * write.c
 *	  The one place that writes user tables: the targets that
 *	  raresynth_synthesize() and raresynth_smote() fill.  rs_target_open()
 *	  checks, locks and if need be creates a target; rs_target_rows_to_balance()
 *	  counts what 1:1 needs; rs_target_write() stores rows through one bulk
 *	  path (straight into the heap when an INSERT would do nothing more, else
 *	  INSERT ... SELECT FROM unnest($1) in batches); rs_target_finish()
 *	  writes the <source>_improved view.
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
	char	   *view_name;		/* the <source>_improved view, or NULL */
	char	   *cols;			/* quoted column list of the source */
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
				 errhint("Rename the source to at most %d bytes.", (int) (NAMEDATALEN - 1 - strlen(suffix))) :
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
 * with PostgreSQL's own checks (CREATE on the schema).  Sets t->cols.
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
 * The view <source>_improved: locked by name; if it exists it must be a
 * view the current user owns (CREATE OR REPLACE VIEW would otherwise
 * replace another role's view, or fail only after every row is written),
 * else the user needs CREATE on the source's schema.
 */
static void
check_view(Oid nsp, const char *view_name)
{
	Oid			view;

	lock_relation_name(nsp, view_name);
	view = get_relname_relid(view_name, nsp);
	if (OidIsValid(view))
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(view));
		Form_pg_class cls;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for relation %u", view);
		cls = (Form_pg_class) GETSTRUCT(tup);
		if (cls->relkind != RELKIND_VIEW)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("\"%s\" is not a view", view_name),
					 errdetail("raresynth_synthesize() creates or replaces the view \"%s\" of the source and the target.",
							   view_name)));
		if (!caller_owns(cls->relowner))
			not_owner_error(true, view_name);
		ReleaseSysCache(tup);
	}
	else if (pg_namespace_aclcheck(nsp, GetUserId(), ACL_CREATE) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_SCHEMA, get_namespace_name(nsp));
}

/*
 * Open the target of rows from source source_relid, whose columns meta
 * records (a model's, or SMOTE's): `target` (a possibly qualified name;
 * NULL: <source><suffix> in the source's schema), created if missing.  with_view: raresynth_synthesize(), which
 * also writes the view <source>_improved (rs_target_finish).  Returns with
 * the target name and the table locked until the end of the transaction.
 */
RsTarget *
rs_target_open(Oid source_relid, const char *target, const char *suffix,
			   const rs_model_meta *meta, bool with_view)
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
	if (target == NULL)
		relname = name_with_suffix(source_name, suffix, false);
	else
	{
		rv = makeRangeVarFromNameList(stringToQualifiedNameList(target));
		relname = rv->relname;
		if (rv->schemaname || rv->catalogname)
			nsp = RangeVarGetCreationNamespace(rv);
	}
	if (with_view)
	{
		t->view_name = name_with_suffix(source_name, "_improved", true);
		if (nsp == source_nsp && strcmp(relname, t->view_name) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target must not be the view \"%s\"", t->view_name),
					 errdetail("raresynth_synthesize() creates or replaces that view of the source and the target.")));
		if (isTempNamespace(nsp) && !isTempNamespace(source_nsp))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("target of raresynth_synthesize() must not be temporary when its source is not"),
					 errdetail("The view \"%s\" of the source and the target would have to be temporary too.",
							   t->view_name),
					 errhint("Write into a permanent table, or INSERT INTO the temporary table SELECT * FROM raresynth_sample().")));
	}
	t->qname = quote_qualified_identifier(get_namespace_name(nsp), relname);

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
	}
	check_target(t, meta);
	if (with_view)
		check_view(source_nsp, t->view_name);

	rel = relation_open(source_relid, AccessShareLock);
	initStringInfo(&c);
	for (int i = 0; i < RelationGetDescr(rel)->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), i);

		if (!att->attisdropped)
			appendStringInfo(&c, "%s%s", c.len ? ", " : "", quote_identifier(NameStr(att->attname)));
	}
	relation_close(rel, NoLock);
	t->cols = c.data;
	return t;
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

/*
 * Rows to add to class `value` of label column `label` for 1:1 with the
 * largest class, counting the rows of that class in the source and already
 * in the target.  The target is locked: a concurrent writer has committed
 * or not started, and in READ COMMITTED the counts see what it wrote.  In
 * REPEATABLE READ and SERIALIZABLE they would not: if a transaction our
 * snapshot does not see wrote rows of that class into the target, fail
 * with a serialization failure rather than count them wrong.
 */
int64
rs_target_rows_to_balance(const RsTarget *t, const char *label, const char *value)
{
	char	   *cq = psprintf("SELECT pg_catalog.max(c) FROM (SELECT pg_catalog.count(*) AS c FROM %s "
							  "WHERE %s IS NOT NULL GROUP BY %s) s",
							  t->qsource, quote_identifier(label), quote_identifier(label));
	int64		majority,
				minority,
				in_target;
	Oid			labtype = get_atttype(t->source_relid, get_attnum(t->source_relid, label));
	bool		isnull;
	int			ret;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute(cq, false, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "class count query failed: %s", SPI_result_code_string(ret));
	majority = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull)
		majority = 0;
	minority = rs_count_class_rows(t->qsource, label, labtype, value, InvalidSnapshot, false);
	in_target = rs_count_class_rows(t->qname, label, labtype, value, InvalidSnapshot, false);
	if (IsolationUsesXactSnapshot() &&
		rs_count_class_rows(t->qname, label, labtype, value, GetLatestSnapshot(), true) != in_target)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to concurrent write of %s", t->qname),
				 errdetail("A transaction this one's snapshot does not see wrote rows of class \"%s\" into the target, so the count for 1:1 would miss them.",
						   value),
				 errhint("Retry the transaction, or pass n.")));
	SPI_finish();
	return Max(majority - (minority + in_target), 0);
}

/*
 * Can rows go straight into target's heap with table_multi_insert(), the
 * way COPY FROM stores rows?  Only when an INSERT would do nothing but
 * store them: a plain table (not a partition) without indexes, triggers,
 * rules, row-level security, CHECK or NOT NULL constraints, identity or
 * generated columns, outside parallel mode.  We fill every column
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
 * pg_catalog.  Returns rows inserted (SPI_processed).
 */
static int64
insert_by_statement(Relation rel, const char *qname, RsRowNext next, void *arg)
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
	plan = SPI_prepare(psprintf("INSERT INTO %s SELECT * FROM pg_catalog.unnest($1)", qname),
					   1, &arraytype);
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

	if (can_insert_directly(rel))
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
		written = insert_by_statement(rel, t->qname, next, arg);
	}
	relation_close(rel, NoLock);
	return written;
}

/*
 * After the rows: create or replace the view <source>_improved (the
 * paper's "improved data": the source UNION ALL the target), when
 * rs_target_open was asked to (check_view allowed it).
 */
void
rs_target_finish(RsTarget *t)
{
	char	   *q;
	int			ret;

	if (t->view_name == NULL)
		return;
	q = psprintf("CREATE OR REPLACE VIEW %s AS SELECT %s FROM %s UNION ALL SELECT %s FROM %s",
				 quote_qualified_identifier(get_namespace_name(get_rel_namespace(t->source_relid)),
											t->view_name),
				 t->cols, t->qsource, t->cols, t->qname);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute(q, false, 0);
	if (ret != SPI_OK_UTILITY)
		elog(ERROR, "could not create view %s: %s", t->view_name, SPI_result_code_string(ret));
	SPI_finish();
}

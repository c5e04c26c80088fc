/*
 * table_io.c
 *	  The only place where raresynth reads and writes user tables.
 *	  rs_source_analyze() looks at a relation the way the encoder
 *	  will: it checks the relation and the caller's privilege, gathers
 *	  per-column statistics with one aggregate query, counts the label's
 *	  classes and gives every column a kind (continuous, categorical, label
 *	  or excluded with a reason).
 *
 * All SQL is built with quote_identifier() and schema-qualified operators;
 * values travel as $n parameters.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/regproc.h"
#include "utils/portal.h"
#include "nodes/execnodes.h"

#include "model.h"
#include "raresynth.h"

const char *
rs_column_kind_name(RsColumnKind kind)
{
	switch (kind)
	{
		case RS_COL_CONTINUOUS:
			return "continuous";
		case RS_COL_CATEGORICAL:
			return "categorical";
		case RS_COL_LABEL:
			return "label";
		case RS_COL_EXCLUDED:
			return "excluded";
	}
	return "unknown";
}

/* Check that relid is something we can read rows from, and that we may. */
static void
check_source_relation(Oid relid)
{
	char		relkind = get_rel_relkind(relid);
	AclResult	aclresult;

	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_VIEW && relkind != RELKIND_MATVIEW &&
		relkind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table, view, or materialized view",
						get_rel_name(relid))));

	aclresult = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, get_relkind_objtype(relkind), get_rel_name(relid));
}

/* Mark columns that are single-column keys (primary key or unique index). */
static void
mark_key_columns(Relation rel, RsSource *src)
{
	List	   *indexes;
	ListCell   *lc;

	if (!rel->rd_rel->relhasindex)
		return;
	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		Form_pg_index idx;

		if (!HeapTupleIsValid(tup))
			continue;
		idx = (Form_pg_index) GETSTRUCT(tup);
		if (idx->indisunique && idx->indnkeyatts == 1 && idx->indkey.values[0] != 0 &&
			heap_attisnull(tup, Anum_pg_index_indpred, NULL))
		{
			for (int i = 0; i < src->ncols; i++)
			{
				RsSourceColumn *col = &src->cols[i];

				if (col->attnum == idx->indkey.values[0] && col->reason == NULL)
					col->reason = pstrdup(idx->indisprimary ?
										  "identifier: primary key" :
										  "identifier: single-column unique index");
			}
		}
		ReleaseSysCache(tup);
	}
	list_free(indexes);
}

/* Collect the columns of the relation, find the label, apply exclusions. */
static void
collect_columns(RsSource *src, const char *label, ArrayType *exclude)
{
	Relation	rel = relation_open(src->relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	Datum	   *ex_datums = NULL;
	bool	   *ex_nulls = NULL;
	int			n_ex = 0;

	src->cols = palloc0(sizeof(RsSourceColumn) * Max(desc->natts, 1));
	src->ncols = 0;
	src->label_index = -1;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		RsSourceColumn *col;

		if (att->attisdropped)
			continue;
		col = &src->cols[src->ncols];
		col->attnum = att->attnum;
		col->name = pstrdup(NameStr(att->attname));
		col->typid = att->atttypid;
		col->typmod = att->atttypmod;
		col->typname = format_type_with_typemod(att->atttypid, att->atttypmod);
		col->vclass = rs_value_class(att->atttypid);
		col->n_distinct = -1;
		if (strcmp(col->name, label) == 0)
			src->label_index = src->ncols;
		src->ncols++;
	}

	if (src->label_index < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("label column \"%s\" of relation \"%s\" does not exist",
						label, src->relname)));

	if (exclude != NULL)
	{
		rs_check_1d_array(exclude, "exclude");
		deconstruct_array(exclude, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
						  &ex_datums, &ex_nulls, &n_ex);
	}
	for (int e = 0; e < n_ex; e++)
	{
		const char *exname;
		bool		found = false;

		if (ex_nulls[e])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("exclude must not contain NULL")));
		exname = NameStr(*DatumGetName(ex_datums[e]));
		for (int i = 0; i < src->ncols; i++)
		{
			if (strcmp(src->cols[i].name, exname) != 0)
				continue;
			if (i == src->label_index)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("cannot exclude the label column \"%s\"", exname)));
			src->cols[i].reason = pstrdup("excluded by the caller");
			found = true;
		}
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" does not exist", exname, src->relname),
					 errdetail("It is listed in exclude.")));
	}

	mark_key_columns(rel, src);
	relation_close(rel, NoLock);	/* keep the lock until commit */
}

/* Run the per-column statistics query and the class count query. */
static void
gather_statistics(RsSource *src)
{
	MemoryContext callercxt = CurrentMemoryContext;
	StringInfoData q;
	RsSourceColumn *lab = &src->cols[src->label_index];
	const char *labq = quote_identifier(lab->name);
	TypeCacheEntry *lab_tc;
	int			ret;
	int			fno;

	/* The label must be groupable. */
	lab_tc = lookup_type_cache(lab->typid, TYPECACHE_EQ_OPR | TYPECACHE_LT_OPR);
	if (!OidIsValid(lab_tc->eq_opr) || !OidIsValid(lab_tc->lt_opr))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("label column \"%s\" has type %s, which cannot be compared",
						lab->name, lab->typname),
				 errhint("Use a label of an integer, text, boolean or enum type.")));

	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT pg_catalog.count(*)");
	for (int i = 0; i < src->ncols; i++)
	{
		RsSourceColumn *col = &src->cols[i];
		const char *cq = quote_identifier(col->name);

		appendStringInfo(&q, ", pg_catalog.count(%s)", cq);
		if (col->vclass == RS_VAL_UNSUPPORTED)
			continue;
		appendStringInfo(&q, ", pg_catalog.count(DISTINCT %s)", cq);
		if (rs_value_class_is_numeric(col->vclass))
			appendStringInfo(&q, ", pg_catalog.min(%s)::pg_catalog.text, pg_catalog.max(%s)::pg_catalog.text",
							 cq, cq);
		if (col->vclass == RS_VAL_FLOAT)
			appendStringInfo(&q, ", pg_catalog.bool_and(%s::pg_catalog.float8 OPERATOR(pg_catalog.=) pg_catalog.trunc(%s::pg_catalog.float8))",
							 cq, cq);
		else if (col->vclass == RS_VAL_NUMERIC)
			appendStringInfo(&q, ", pg_catalog.bool_and(%s::pg_catalog.numeric OPERATOR(pg_catalog.=) pg_catalog.trunc(%s::pg_catalog.numeric))",
							 cq, cq);
	}
	appendStringInfo(&q, " FROM %s", src->qualified_name);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	ret = SPI_execute(q.data, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "raresynth statistics query failed: %s", SPI_result_code_string(ret));

	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;

		fno = 1;
		src->n_rows = DatumGetInt64(SPI_getbinval(tup, td, fno++, &isnull));
		for (int i = 0; i < src->ncols; i++)
		{
			RsSourceColumn *col = &src->cols[i];
			int64		nonnull = DatumGetInt64(SPI_getbinval(tup, td, fno++, &isnull));
			char	   *s;

			col->n_null = src->n_rows - nonnull;
			col->integral = (col->vclass == RS_VAL_INT);
			if (col->vclass == RS_VAL_UNSUPPORTED)
				continue;
			col->n_distinct = DatumGetInt64(SPI_getbinval(tup, td, fno++, &isnull));
			if (rs_value_class_is_numeric(col->vclass))
			{
				s = SPI_getvalue(tup, td, fno++);
				col->min_text = s ? MemoryContextStrdup(callercxt, s) : NULL;
				s = SPI_getvalue(tup, td, fno++);
				col->max_text = s ? MemoryContextStrdup(callercxt, s) : NULL;
			}
			if (col->vclass == RS_VAL_FLOAT || col->vclass == RS_VAL_NUMERIC)
			{
				Datum		d = SPI_getbinval(tup, td, fno++, &isnull);

				col->integral = !isnull && DatumGetBool(d);
			}
		}
	}

	/*
	 * Class counts of the label, rarest first (ties by value).  A label has
	 * at most RS_MAX_LABEL_CLASSES classes: the query fetches one more to
	 * tell, so a label with a million distinct values costs no memory here.
	 */
	resetStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT %s::pg_catalog.text, pg_catalog.count(*) FROM %s "
					 "WHERE %s IS NOT NULL GROUP BY %s ORDER BY 2, %s LIMIT %d",
					 labq, src->qualified_name, labq, labq, labq, RS_MAX_LABEL_CLASSES + 1);
	ret = SPI_execute(q.data, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "raresynth class count query failed: %s", SPI_result_code_string(ret));
	if (SPI_processed > RS_MAX_LABEL_CLASSES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("label column \"%s\" has more than %d distinct values",
						lab->name, RS_MAX_LABEL_CLASSES),
				 errdetail("A label names classes; the rarest of so many holds only a handful of rows."),
				 errhint("Bin the values into a few classes first, e.g. in a view with CASE or width_bucket().")));
	src->n_classes = (int) SPI_processed;
	src->class_values = MemoryContextAllocZero(callercxt, sizeof(char *) * Max(src->n_classes, 1));
	src->class_counts = MemoryContextAllocZero(callercxt, sizeof(int64) * Max(src->n_classes, 1));
	src->n_label_null = lab->n_null;
	for (int k = 0; k < src->n_classes; k++)
	{
		HeapTuple	tup = SPI_tuptable->vals[k];
		bool		isnull;

		src->class_values[k] = MemoryContextStrdup(callercxt,
												   SPI_getvalue(tup, SPI_tuptable->tupdesc, 1));
		src->class_counts[k] = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull));
	}

	SPI_finish();
	pfree(q.data);
}

/*
 * Give every column its kind and, if excluded, the reason.
 *
 * A continuous column whose type is a domain with a CHECK constraint is
 * excluded: the generator makes new values in the column's range, and no
 * model can promise they satisfy an arbitrary CHECK (every sample would
 * fail on the first violation).  A categorical column keeps its domain:
 * only values seen in the table are generated, and each of them passed
 * the check.
 */
static void
classify_columns(RsSource *src)
{
	for (int i = 0; i < src->ncols; i++)
	{
		RsSourceColumn *col = &src->cols[i];
		int64		nonnull = src->n_rows - col->n_null;

		if (i == src->label_index)
		{
			col->kind = RS_COL_LABEL;
			col->reason = psprintf("label: minority class \"%s\"", src->class_values[0]);
			continue;
		}
		col->kind = RS_COL_EXCLUDED;
		if (col->reason != NULL)	/* caller's exclusion or a key */
			continue;
		if (col->vclass == RS_VAL_UNSUPPORTED)
			col->reason = psprintf("unsupported type %s", col->typname);
		else if (nonnull == 0)
			col->reason = pstrdup("all values are NULL");
		else if (col->n_distinct + (col->n_null > 0 ? 1 : 0) <= 1)
			col->reason = pstrdup("constant: every value is the same");
		else if (col->vclass == RS_VAL_TEXT && col->n_distinct == nonnull)
			col->reason = pstrdup("identifier: every value is distinct");
		else if (col->vclass == RS_VAL_TEXT || col->vclass == RS_VAL_BOOL)
			col->kind = RS_COL_CATEGORICAL;
		else if ((col->vclass == RS_VAL_INT || col->vclass == RS_VAL_NUMERIC) &&
				 col->integral && col->n_distinct <= rs_categorical_max_distinct)
			col->kind = RS_COL_CATEGORICAL;
		else
			col->kind = RS_COL_CONTINUOUS;
		if (col->kind == RS_COL_CONTINUOUS)
		{
			char	   *dom = rs_domain_with_check(col->typid);

			if (dom != NULL)
			{
				col->kind = RS_COL_EXCLUDED;
				col->reason = psprintf("domain %s has a CHECK constraint that generated values may not satisfy",
									   dom);
			}
		}
	}
}

int
rs_source_n_features(const RsSource *src)
{
	int			n = 0;

	for (int i = 0; i < src->ncols; i++)
		if (src->cols[i].kind == RS_COL_CONTINUOUS || src->cols[i].kind == RS_COL_CATEGORICAL)
			n++;
	return n;
}

/*
 * Look at a source relation the way the encoder will.  Errors for a missing
 * label, an empty table, a label with fewer than two classes, and a table
 * with no usable feature column.
 */
RsSource *
rs_source_analyze(Oid relid, const char *label, ArrayType *exclude)
{
	RsSource   *src = palloc0(sizeof(RsSource));

	check_source_relation(relid);
	src->relid = relid;
	src->relname = get_rel_name(relid);
	src->qualified_name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
													 src->relname);
	collect_columns(src, label, exclude);
	gather_statistics(src);

	if (src->n_rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" has no rows", src->relname)));
	if (src->n_classes == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("label column \"%s\" has only NULL values", label),
				 errhint("The label must hold at least two classes.")));
	if (src->n_classes == 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("label column \"%s\" has only one class", label),
				 errdetail("Every non-NULL value is \"%s\".", src->class_values[0]),
				 errhint("A rare class is learned against at least one other class.")));

	classify_columns(src);

	if (rs_source_n_features(src) == 0)
	{
		StringInfoData d;

		initStringInfo(&d);
		for (int i = 0; i < src->ncols; i++)
			if (i != src->label_index)
				appendStringInfo(&d, "%s\"%s\": %s", d.len ? "; " : "",
								 src->cols[i].name, src->cols[i].reason);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation \"%s\" has no usable feature column", src->relname),
				 d.len ? errdetail("Excluded: %s.", d.data) : errdetail("The label is the only column."),
				 errhint("Features must be numeric, date, timestamp, text, boolean or enum columns that are not identifiers or constant.")));
	}
	return src;
}

/* ----------------------------------------------------------------
 * Reading the rows of one class for the core
 * ----------------------------------------------------------------
 */

int64
rs_source_class_count(const RsSource *src, const char *class_value)
{
	for (int k = 0; k < src->n_classes; k++)
		if (strcmp(src->class_values[k], class_value) == 0)
			return src->class_counts[k];
	return -1;
}

/* A category dictionary: text -> first-seen index, keyed by char pointer. */
typedef struct CatEntry
{
	char	   *key;
	int			index;
} CatEntry;

static uint32
cat_hash(const void *key, Size keysize)
{
	const char *s = *(char *const *) key;

	return hash_bytes((const unsigned char *) s, (int) strlen(s));
}

static int
cat_match(const void *key1, const void *key2, Size keysize)
{
	return strcmp(*(char *const *) key1, *(char *const *) key2);
}

static HTAB *
cat_dict_create(const char *name)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(CatEntry);
	ctl.hash = cat_hash;
	ctl.match = cat_match;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, 64, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

typedef struct SortRowsArg
{
	const double *values;
	int			ncols;
	const int  *y;				/* tie-break, or NULL */
} SortRowsArg;

/* Total order on rows: NULLs last, then by value, column by column. */
static int
cmp_rows(const void *a, const void *b, void *arg)
{
	const SortRowsArg *s = arg;
	const double *ra = s->values + (size_t) *(const int *) a * s->ncols;
	const double *rb = s->values + (size_t) *(const int *) b * s->ncols;

	for (int c = 0; c < s->ncols; c++)
	{
		bool		na = rs_is_null(ra[c]),
					nb = rs_is_null(rb[c]);

		if (na != nb)
			return na ? 1 : -1;
		if (!na && ra[c] != rb[c])
			return ra[c] < rb[c] ? -1 : 1;
	}
	if (s->y && s->y[*(const int *) a] != s->y[*(const int *) b])
		return s->y[*(const int *) a] < s->y[*(const int *) b] ? -1 : 1;
	return 0;
}

static int
cmp_cstr_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* A column whose values are compared by their text: categories, the label. */
static bool
compared_as_text(const RsSourceColumn *col)
{
	return col->kind == RS_COL_CATEGORICAL || col->kind == RS_COL_LABEL;
}

/*
 * Error unless values of type typid/typmod, a column of relation relname,
 * can be read as src's column col: the same base type (domains looked
 * through; the datum is interpreted by it), and, for a column compared by
 * its text, the same base type modifier where the text depends on it
 * (numeric's scale, char(n)'s padding).
 */
static void
check_column_type(const RsSource *src, const RsSourceColumn *col, const char *relname,
				  Oid typid, int32 typmod)
{
	int32		want_mod = col->typmod,
				have_mod = typmod;
	Oid			want = getBaseTypeAndTypmod(col->typid, &want_mod);
	Oid			have = getBaseTypeAndTypmod(typid, &have_mod);

	if (want == have &&
		!(compared_as_text(col) && (want == NUMERICOID || want == BPCHAROID) && want_mod != have_mod))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s \"%s\" of relation \"%s\" does not have the type it has in \"%s\"",
					col->kind == RS_COL_LABEL ? "label column" : "column",
					col->name, relname, src->relname),
			 errdetail("Column \"%s\" is %s in \"%s\" but %s in \"%s\".",
					   col->name, format_type_with_typemod(typid, typmod), relname,
					   col->typname, src->relname),
			 errhint("Read \"%s\" through a view that casts the column to %s.",
					 relname, col->typname)));
}

/*
 * Check that relation relid (read like src: a test table, a synthetic
 * companion) has every column src reads, the features and the label,
 * with a type check_column_type accepts.  Columns are matched by name:
 * other columns, the order and dropped columns do not matter.
 */
static void
check_like_relation(const RsSource *src, Oid relid, const char *relname)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = 0; i < src->ncols; i++)
	{
		const RsSourceColumn *col = &src->cols[i];
		Form_pg_attribute att = NULL;

		if (col->kind == RS_COL_EXCLUDED)
			continue;
		for (int a = 0; a < desc->natts && att == NULL; a++)
		{
			Form_pg_attribute cand = TupleDescAttr(desc, a);

			if (!cand->attisdropped && strcmp(NameStr(cand->attname), col->name) == 0)
				att = cand;
		}
		if (att == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("%s \"%s\" of relation \"%s\" does not exist",
							col->kind == RS_COL_LABEL ? "label column" : "column",
							col->name, relname),
					 errdetail("Relation \"%s\" has %s column \"%s\" (%s), so \"%s\" must have it too.",
							   src->relname, rs_column_kind_name(col->kind), col->name,
							   col->typname, relname)));
		check_column_type(src, col, relname, att->atttypid, att->atttypmod);
	}
	relation_close(rel, NoLock);	/* keep the lock until commit */
}

/*
 * Read every row of relation `qualified` whose label (as text) is
 * class_value into a new rs_table of src's feature columns, in attnum
 * order.  Without `like`, categories are those seen, sorted by their text,
 * and continuous ranges are those seen; with `like` (a table read the same
 * way), its specs are copied and values are coded with its categories (an
 * unseen one becomes n_categories: "not a category").  Rows are sorted by
 * their values, so the result does not depend on the scan order
 * (determinism).  Checks the size against maintenance_work_mem first.
 * With y (n_expected entries), every row with a non-NULL label is read
 * instead and y[i] is 1 where the label is class_value, else 0.
 *
 * Datums are interpreted by the types of the query's own result columns,
 * each checked against src's column first (check_column_type): never by
 * the types of another relation.
 */
static rs_table *
read_rows(const RsSource *src, const char *qualified, const char *relname,
		  const char *class_value, int64 n_expected, const rs_table *like, int *y)
{
	MemoryContext callercxt = CurrentMemoryContext;
	int			nf = rs_source_n_features(src);
	int		   *feat = palloc(sizeof(int) * nf);
	HTAB	  **dicts = palloc0(sizeof(HTAB *) * nf);
	Oid		   *basetypes = palloc(sizeof(Oid) * nf);
	RsValueClass *vclasses = palloc(sizeof(RsValueClass) * nf);
	FmgrInfo   *outfns = palloc0(sizeof(FmgrInfo) * nf);
	RsSourceColumn *lab = &src->cols[src->label_index];
	StringInfoData q;
	Size		need;
	rs_table   *t;
	rs_error	err;
	Portal		portal;
	int64		row = 0;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	SPIPlanPtr	plan;

	Assert(n_expected >= 0);
	for (int i = 0, f = 0; i < src->ncols; i++)
		if (src->cols[i].kind == RS_COL_CONTINUOUS || src->cols[i].kind == RS_COL_CATEGORICAL)
			feat[f++] = i;

	/* what this function holds: values, their sorted copy, order and y */
	need = rs_read_bytes(n_expected, nf);
	if (need / 1024 > (Size) maintenance_work_mem)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("reading %s of \"%s\" would need more memory than maintenance_work_mem",
						y ? "the labelled rows" : psprintf("class \"%s\"", class_value), relname),
				 errdetail("%lld rows of %d feature columns need about %zu kB; maintenance_work_mem is %d kB.",
						   (long long) n_expected, nf, need / 1024, maintenance_work_mem),
				 errhint("Raise maintenance_work_mem, or exclude columns.")));
	if (n_expected > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("class \"%s\" of \"%s\" has too many rows (%lld)",
						class_value, relname, (long long) n_expected)));

	t = rs_table_create((int) n_expected, nf, &err);
	if (!t)
		rs_report_core_error(&err, NULL);
	for (int f = 0; f < nf; f++)
	{
		RsSourceColumn *col = &src->cols[feat[f]];

		t->cols[f].name = pstrdup(col->name);
		t->cols[f].kind = col->kind == RS_COL_CONTINUOUS ? RS_KIND_CONTINUOUS : RS_KIND_CATEGORICAL;
		if (col->kind == RS_COL_CATEGORICAL)
		{
			dicts[f] = cat_dict_create("raresynth categories");
			for (int k = 0; like && k < like->cols[f].n_categories; k++)
			{
				char	   *key = like->cols[f].categories[k];
				CatEntry   *e = hash_search(dicts[f], &key, HASH_ENTER, NULL);

				e->key = key;
				e->index = k;
			}
		}
	}

	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT ");
	for (int f = 0; f < nf; f++)
		appendStringInfo(&q, "%s%s", f ? ", " : "", quote_identifier(src->cols[feat[f]].name));
	if (y)
		appendStringInfo(&q, ", %s::pg_catalog.text OPERATOR(pg_catalog.=) $1 FROM %s WHERE %s IS NOT NULL",
						 quote_identifier(lab->name), qualified, quote_identifier(lab->name));
	else
		appendStringInfo(&q, " FROM %s WHERE %s::pg_catalog.text OPERATOR(pg_catalog.=) $1",
						 qualified, quote_identifier(lab->name));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(q.data, 1, argtypes);
	if (plan == NULL)
		elog(ERROR, "could not prepare the class query: %s", SPI_result_code_string(SPI_result));
	args[0] = CStringGetTextDatum(class_value);
	portal = SPI_cursor_open(NULL, plan, args, NULL, true);

	/* the types of the datums the query returns, checked against src's */
	for (int f = 0; f < nf; f++)
	{
		Form_pg_attribute att = TupleDescAttr(portal->tupDesc, f);

		check_column_type(src, &src->cols[feat[f]], relname, att->atttypid, att->atttypmod);
		basetypes[f] = getBaseType(att->atttypid);
		vclasses[f] = rs_value_class(att->atttypid);
		if (dicts[f])
		{
			Oid			outfn;
			bool		varlena;

			getTypeOutputInfo(att->atttypid, &outfn, &varlena);
			fmgr_info_cxt(outfn, &outfns[f], callercxt);
		}
	}

	for (;;)
	{
		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	td = SPI_tuptable->tupdesc;

			if (row >= n_expected)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("relation \"%s\" changed while it was read", relname)));
			for (int f = 0; f < nf; f++)
			{
				bool		isnull;
				Datum		d = SPI_getbinval(tup, td, f + 1, &isnull);
				double		v = RS_NULL;

				if (!isnull && dicts[f])
				{
					char	   *s = OutputFunctionCall(&outfns[f], d);
					bool		found;
					CatEntry   *e = hash_search(dicts[f], &s, like ? HASH_FIND : HASH_ENTER, &found);

					if (like && !found)
						v = (double) like->cols[f].n_categories;	/* not a category */
					else if (!found)
					{
						/* keep the string beyond SPI's memory */
						e->key = MemoryContextStrdup(callercxt, s);
						e->index = (int) hash_get_num_entries(dicts[f]) - 1;
					}
					if (found || !like)
						v = (double) e->index;
					pfree(s);
				}
				else if (!isnull)
					v = rs_datum_to_double(d, vclasses[f], basetypes[f]);
				RS_CELL(t, row, f) = v;
			}
			if (y)
			{
				bool		isnull;

				y[row] = DatumGetBool(SPI_getbinval(tup, td, nf + 1, &isnull)) ? 1 : 0;
			}
			row++;
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	SPI_finish();

	if (row != n_expected)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation \"%s\" changed while it was read", relname),
				 errdetail("Expected %lld rows of class \"%s\", read %lld.",
						   (long long) n_expected, class_value, (long long) row)));

	/* categories in text order; continuous ranges and integrality */
	if (like && rs_table_copy_specs(t, like, &err) != RS_OK)
		rs_report_core_error(&err, NULL);
	for (int f = 0; f < nf && !like; f++)
	{
		rs_column  *col = &t->cols[f];

		if (dicts[f])
		{
			int			k = (int) hash_get_num_entries(dicts[f]);
			int		   *remap = palloc(sizeof(int) * Max(k, 1));
			HASH_SEQ_STATUS hs;
			CatEntry   *e;

			col->n_categories = k;
			col->categories = palloc(sizeof(char *) * Max(k, 1));
			hash_seq_init(&hs, dicts[f]);
			k = 0;
			while ((e = hash_seq_search(&hs)) != NULL)
				col->categories[k++] = e->key;
			qsort(col->categories, k, sizeof(char *), cmp_cstr_ptr);
			for (int j = 0; j < k; j++)
			{
				char	   *key = col->categories[j];
				CatEntry   *found = hash_search(dicts[f], &key, HASH_FIND, NULL);

				remap[found->index] = j;
			}
			for (int64 r = 0; r < row; r++)
				if (!rs_is_null(RS_CELL(t, r, f)))
					RS_CELL(t, r, f) = (double) remap[(int) RS_CELL(t, r, f)];
			hash_destroy(dicts[f]);
		}
		else
		{
			col->integral = 1;
			if (rs_table_column_range(t, f, &col->min, &col->max) == 0)
				col->min = col->max = 0;
			for (int64 r = 0; r < row && col->integral; r++)
				if (!rs_is_null(RS_CELL(t, r, f)) && RS_CELL(t, r, f) != floor(RS_CELL(t, r, f)))
					col->integral = 0;
		}
	}

	/* rows in value order */
	if (row > 1)
	{
		int		   *order = palloc(sizeof(int) * row);
		double	   *sorted = palloc(sizeof(double) * (Size) row * nf);
		SortRowsArg sa = {t->values, nf, y};

		for (int r = 0; r < row; r++)
			order[r] = r;
		qsort_arg(order, row, sizeof(int), cmp_rows, &sa);
		for (int r = 0; r < row; r++)
			memcpy(sorted + (size_t) r * nf, t->values + (size_t) order[r] * nf, sizeof(double) * nf);
		memcpy(t->values, sorted, sizeof(double) * (Size) row * nf);
		if (y)
		{
			int		   *ys = palloc(sizeof(int) * row);

			for (int r = 0; r < row; r++)
				ys[r] = y[order[r]];
			memcpy(y, ys, sizeof(int) * row);
			pfree(ys);
		}
		pfree(sorted);
		pfree(order);
	}
	return t;
}

/* The rows of one class of the source, for training. */
rs_table *
rs_source_read_class(const RsSource *src, const char *class_value)
{
	int64		n = rs_source_class_count(src, class_value);

	Assert(n >= 0);
	return read_rows(src, src->qualified_name, src->relname, class_value, n, NULL, NULL);
}

static int64 count_label_rows(const char *qualified, const char *label, const char *value);

/* Another relation read like src: checked, its names for queries and messages. */
typedef struct LikeRel
{
	char	   *relname;
	char	   *qualified;
} LikeRel;

static LikeRel
open_like_relation(const RsSource *src, Oid relid)
{
	LikeRel		lr;

	check_source_relation(relid);
	lr.relname = get_rel_name(relid);
	lr.qualified = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											  lr.relname);
	check_like_relation(src, relid, lr.relname);
	return lr;
}

/*
 * The rows of one class of another relation with the source's feature
 * columns (e.g. its synthetic companion), coded like `like`.
 */
rs_table *
rs_read_class_like(const RsSource *src, Oid relid, const char *class_value, const rs_table *like)
{
	LikeRel		lr = open_like_relation(src, relid);
	int64		n;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	n = count_label_rows(lr.qualified, src->cols[src->label_index].name, class_value);
	SPI_finish();
	return read_rows(src, lr.qualified, lr.relname, class_value, n, like, NULL);
}

/*
 * The number of rows with a non-NULL label of another relation that has
 * the source's feature columns (a test table); checks the relation.
 */
int64
rs_count_labelled_like(const RsSource *src, Oid relid)
{
	LikeRel		lr = open_like_relation(src, relid);
	const char *lab = quote_identifier(src->cols[src->label_index].name);
	char	   *q = psprintf("SELECT pg_catalog.count(%s) FROM %s", lab, lr.qualified);
	int64		n;
	bool		isnull;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(q, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "count query failed");
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return n;
}

/*
 * The n rows with a non-NULL label (rs_count_labelled_like) of another
 * relation with the source's feature columns, coded like `like`; *y_out
 * as below.
 */
rs_table *
rs_read_labelled_like(const RsSource *src, Oid relid, const char *positive,
					  const rs_table *like, int64 n, int **y_out)
{
	LikeRel		lr = open_like_relation(src, relid);

	*y_out = palloc(sizeof(int) * Max(n, 1));
	return read_rows(src, lr.qualified, lr.relname, positive, n, like, *y_out);
}

/*
 * Every row of the source with a non-NULL label, for the evaluation:
 * *y_out[i] is 1 for the positive class, 0 for any other.
 */
rs_table *
rs_source_read_labelled(const RsSource *src, const char *positive, int **y_out)
{
	int64		n = src->n_rows - src->n_label_null;
	int		   *y = palloc(sizeof(int) * Max(n, 1));

	*y_out = y;
	return read_rows(src, src->qualified_name, src->relname, positive, n, NULL, y);
}

/* ----------------------------------------------------------------
 * Memory: what a job will hold, from the real encoded widths
 *
 * Every job that reads rows for the core checks, before it reads any,
 * that what it will hold fits in maintenance_work_mem.  The widths are
 * those the core will use (encoder.h, classifier.h): a categorical column
 * is one float per category (plus a NULL slot) in the GAN's encoded row
 * and one feature per category in the classifier's design; a continuous
 * column is 1 + modes (+ a NULL slot) and 1 (+ a missing indicator).  The
 * GAN's buffers are counted as gan.c allocates them.  Category counts are
 * first bounded by the table's statistics (distinct values, capped by the
 * rows read); only when that bound does not fit are they counted exactly
 * within the class, with one more aggregate query.
 * ----------------------------------------------------------------
 */

/* Bytes read_rows holds for n rows of nf features: values, sorted copy, order, y. */
Size
rs_read_bytes(int64 n, int nf)
{
	double		b = (double) n * nf * sizeof(double) * 2 + (double) n * sizeof(int) * 3;

	return b >= (double) MaxAllocHugeSize ? MaxAllocHugeSize : (Size) b;
}

/* The feature columns of one read as the core will code them. */
typedef struct RsWidths
{
	int			nf;
	int		   *col;			/* per feature: index into src->cols */
	int64	   *categories;		/* categorical: categories (a bound or exact) */
	bool	   *has_null;
	bool		exact;			/* counted within the class */
	double		gan_dim;		/* D: floats of the GAN's encoded row */
	double		cond_dim;		/* the conditional vector */
	double		n_cond;			/* condition spans: categorical columns */
	double		mode_width;		/* the continuous columns' softmax widths */
	double		design_p;		/* features of the classifier's design */
	int			widest;			/* the feature with most categories, or -1 */
} RsWidths;

/* Whether the classifier turns a categorical column into a number (evaluate.c's integer categories). */
static bool
design_numeric(const RsSourceColumn *col)
{
	return col->vclass == RS_VAL_INT || col->vclass == RS_VAL_NUMERIC;
}

/* Fill the derived widths of w from its categories and NULL flags. */
static void
sum_widths(const RsSource *src, int max_modes, RsWidths *w)
{
	w->gan_dim = w->cond_dim = w->n_cond = w->mode_width = w->design_p = 0;
	w->widest = -1;
	for (int f = 0; f < w->nf; f++)
	{
		const RsSourceColumn *col = &src->cols[w->col[f]];
		int			null = w->has_null[f] ? 1 : 0;

		if (col->kind == RS_COL_CATEGORICAL)
		{
			double		width = (double) w->categories[f] + null;

			w->gan_dim += width;
			w->cond_dim += width;
			w->n_cond += 1;
			w->design_p += design_numeric(col) ? 1 + null : width;
			if (w->widest < 0 || w->categories[f] > w->categories[w->widest])
				w->widest = f;
		}
		else
		{
			w->gan_dim += 1 + max_modes + null;
			w->mode_width += max_modes + null;
			w->design_p += 1 + null;
		}
	}
}

/* Widths bounded by the table's statistics, for a read of n rows. */
static RsWidths *
widths_bound(const RsSource *src, int64 n, int max_modes)
{
	RsWidths   *w = palloc0(sizeof(RsWidths));

	w->nf = rs_source_n_features(src);
	w->col = palloc(sizeof(int) * Max(w->nf, 1));
	w->categories = palloc0(sizeof(int64) * Max(w->nf, 1));
	w->has_null = palloc0(sizeof(bool) * Max(w->nf, 1));
	for (int i = 0, f = 0; i < src->ncols; i++)
	{
		const RsSourceColumn *col = &src->cols[i];

		if (col->kind != RS_COL_CONTINUOUS && col->kind != RS_COL_CATEGORICAL)
			continue;
		w->col[f] = i;
		w->has_null[f] = col->n_null > 0;
		if (col->kind == RS_COL_CATEGORICAL)
			w->categories[f] = Min(col->n_distinct, n);
		f++;
	}
	sum_widths(src, max_modes, w);
	return w;
}

/* The exact categories and NULL flags of the rows of one class. */
static void
widths_exact(const RsSource *src, const char *class_value, int max_modes, RsWidths *w)
{
	StringInfoData q;
	const char *labq = quote_identifier(src->cols[src->label_index].name);
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(class_value)};
	int			ret;

	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT pg_catalog.count(*)");
	for (int f = 0; f < w->nf; f++)
	{
		const char *cq = quote_identifier(src->cols[w->col[f]].name);

		appendStringInfo(&q, ", pg_catalog.count(%s)", cq);
		if (src->cols[w->col[f]].kind == RS_COL_CATEGORICAL)
			appendStringInfo(&q, ", pg_catalog.count(DISTINCT %s)", cq);
	}
	appendStringInfo(&q, " FROM %s WHERE %s::pg_catalog.text OPERATOR(pg_catalog.=) $1",
					 src->qualified_name, labq);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args(q.data, 1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "raresynth width query failed: %s", SPI_result_code_string(ret));
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		int			fno = 1;
		int64		rows = DatumGetInt64(SPI_getbinval(tup, td, fno++, &isnull));

		for (int f = 0; f < w->nf; f++)
		{
			w->has_null[f] = DatumGetInt64(SPI_getbinval(tup, td, fno++, &isnull)) < rows;
			if (src->cols[w->col[f]].kind == RS_COL_CATEGORICAL)
				w->categories[f] = DatumGetInt64(SPI_getbinval(tup, td, fno++, &isnull));
		}
	}
	SPI_finish();
	pfree(q.data);
	w->exact = true;
	sum_widths(src, max_modes, w);
}

/*
 * Bytes a GAN trained on n encoded rows of widths w with cfg holds, as
 * gan.c allocates them (rs_gan_create, build_index, build_moments), plus
 * the encoded rows themselves.
 */
static double
gan_train_bytes(const RsWidths *w, int64 n, const rs_gan_config *cfg)
{
	double		D = w->gan_dim,
				c = w->cond_dim,
				B = cfg->batch_size,
				Bp = floor(B / cfg->pac),
				R = 3 * Bp,
				X = D + c,
				P = cfg->pac * X,
				F = D + 2 * w->mode_width;
	double		W = cfg->embedding_dim + c,
				sumg = 0,
				maxg = 1,
				g_n = 0,
				d_n = 0,
				maxd = 1,
				in = P,
				critic_act = 0,
				arena,
				floats,
				bytes;

	for (int l = 0; l < cfg->n_gen_dims; l++)
	{
		double		g = cfg->gen_dims[l];

		g_n += g * W + 3 * g;	/* w, b, gamma, beta */
		W += g;
		sumg += g;
		maxg = Max(maxg, g);
	}
	g_n += D * W + D;			/* the output layer */
	for (int l = 0; l < cfg->n_dis_dims; l++)
	{
		double		d = cfg->dis_dims[l];

		d_n += d * in + d;
		in = d;
		maxd = Max(maxd, d);
		critic_act += 4 * R * d;	/* ca, ch, cmask, cga */
	}
	d_n += in + 1;
	/* layout_train(): act, dact, lin, bmean, brstd, gscratch, raw, draw,
	 * gumbel, xbuf, dx, the critic's, cdh, y, dy, gpu, gpv, gpq, cond, alpha */
	arena = 2 * B * W + B * sumg + 2 * sumg + B * maxg + 3 * B * D + 3 * B * X + B * X +
		critic_act + R * maxd + 2 * R + Bp * P + 2 * Bp * maxd + B * c + Bp;
	/* parameters, gradients and both Adam moments of each network */
	floats = 4 * g_n + 2 * sumg + 4 * d_n + arena + 3 * F;
	bytes = floats * sizeof(float) + 3 * B * sizeof(int) + c * sizeof(double);
	if (cfg->moment_weight > 0)	/* mom_mean, and its accumulator while built */
		bytes += (c + 1) * F * (sizeof(float) + sizeof(double));
	if (w->n_cond > 0)			/* the training-by-sampling index */
		bytes += (double) n * w->n_cond * sizeof(int) + (c + 1) * 8 + c * 16;
	bytes += (double) n * D * sizeof(float);	/* the encoded rows */
	return bytes;
}

/* Bytes of a generator's saved state (about its parameters). */
static double
gan_state_bytes(const RsWidths *w, const rs_gan_config *cfg)
{
	double		W = cfg->embedding_dim + w->cond_dim,
				g_n = 0;

	for (int l = 0; l < cfg->n_gen_dims; l++)
	{
		g_n += cfg->gen_dims[l] * (W + 5);
		W += cfg->gen_dims[l];
	}
	g_n += w->gan_dim * (W + 1);
	return g_n * sizeof(float) + w->cond_dim * sizeof(double);
}

/* Bytes of rs_logreg_fit on n rows of p features (q = p + 1). */
static double
logreg_bytes(double n, double p)
{
	double		q = p + 1;

	return (q * q + n * q + 8 * n + 4 * q) * sizeof(double);
}

/* Category texts and their dictionary entries, about 64 bytes each. */
static double
category_bytes(const RsWidths *w)
{
	double		b = 0;

	for (int f = 0; f < w->nf; f++)
		b += (double) w->categories[f] * 64;
	return b;
}

/* Bytes of rs_model_augment's generation of n_new rows (sampler and output). */
static double
gan_generate_bytes(const RsWidths *w, int64 n_new, const rs_gan_config *cfg)
{
	double		threads = Max(rs_threads, 1) + 1;

	return 2 * gan_state_bytes(w, cfg) + 1024 * w->gan_dim * sizeof(float) +
		threads * 128 * (w->gan_dim * 2 + cfg->embedding_dim + w->cond_dim) * sizeof(float) +
		(double) n_new * w->nf * sizeof(double);
}

/* What job holds, in bytes, for widths w. */
static double
job_bytes(const RsSource *src, const RsJobShape *job, const RsWidths *w, int64 n)
{
	const rs_gan_config *cfg = &job->opts->gan;
	double		nf = w->nf,
				p = w->design_p,
				row = nf * sizeof(double);
	double		b = rs_read_bytes(n, w->nf) + category_bytes(w) + job->other_bytes;

	switch (job->job)
	{
		case RS_JOB_TRAIN:
			/* the rows, the GAN, the encoded rows, and the state: saved,
			 * copied into a bytea, formed into a tuple, compressed */
			b += gan_train_bytes(w, n, cfg) + 4 * gan_state_bytes(w, cfg);
			break;
		case RS_JOB_SMOTE:
			/* rs_smote: scaled continuous values, codes, neighbours, the
			 * distance blocks, the new rows */
			b += (double) n * (nf * (sizeof(double) + sizeof(int32)) +
							   job->k * (sizeof(int) * 2 + sizeof(double)) + 16) +
				256.0 * 256 * sizeof(double) + (double) job->n_new * row;
			break;
		case RS_JOB_SCORE:
			{
				double		nt = job->n_test;

				b += rs_read_bytes(job->n_test, w->nf);
				/* rs_design_score: the design fitted (a copy, X), X of both, the fit */
				b += n * (row + p * sizeof(double)) + (n + nt) * p * sizeof(double) +
					logreg_bytes(n, p);
				break;
			}
		case RS_JOB_EVALUATE:
			{
				/* one run at the largest size: the split's tables, the
				 * design and its matrices, the augmented matrix (up to
				 * twice the training part), then the method or the fit */
				double		s = Min(job->max_size, n),
							n_tr = s - floor(s * job->test_fraction),
							n1 = ceil((double) src->class_counts[0] * n_tr / Max(n, 1)),
							n_all = (job->with_gan || job->with_smote) ?
							2 * Max(n1, n_tr - n1) : n_tr,
							method = 0;

				b += s * row * 2 + n_tr * (row + p * sizeof(double)) + s * p * sizeof(double) +
					n_all * p * sizeof(double);
				if (job->with_smote)
					method = Max(method, n_tr * p * sizeof(double) + 256.0 * 256 * sizeof(double) +
								 n1 * job->k * 12);
				if (job->with_gan)
				{
					RsWidths   *wg = widths_bound(src, (int64) n1, job->opts->max_modes);

					method = Max(method, rs_read_bytes((int64) n1, w->nf) +
								 gan_train_bytes(wg, (int64) n1, cfg) +
								 gan_generate_bytes(wg, (int64) n_tr, cfg) + n_tr * row);
				}
				b += Max(method, logreg_bytes(n_all, p));
				break;
			}
	}
	return b;
}

static char *
pretty_bytes(double b)
{
	return text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
															  Int64GetDatum((int64) Min(b, 9e18)))));
}

/*
 * Error unless what job will hold fits in maintenance_work_mem: the
 * estimate from the statistics first, then, for a class, the exact widths.
 * Call it before reading any row.
 */
void
rs_check_memory(const RsSource *src, const RsJobShape *job)
{
	RsOptions	defaults;
	RsJobShape	j = *job;
	int64		n = Max(j.class_value ? rs_source_class_count(src, j.class_value)
						: src->n_rows - src->n_label_null, 0);
	double		limit = (double) maintenance_work_mem * 1024.0;
	int			max_modes;
	RsWidths   *w;
	double		need;
	StringInfoData what,
				detail,
				hint;

	if (j.opts == NULL)
	{
		rs_options_default(&defaults);
		j.opts = &defaults;
	}
	max_modes = j.opts->max_modes;
	w = widths_bound(src, n, max_modes);
	need = job_bytes(src, &j, w, n);
	if (need <= limit)
		return;
	if (j.class_value)
	{
		widths_exact(src, j.class_value, max_modes, w);
		need = job_bytes(src, &j, w, n);
		if (need <= limit)
			return;
	}

	initStringInfo(&what);
	initStringInfo(&detail);
	initStringInfo(&hint);
	switch (j.job)
	{
		case RS_JOB_TRAIN:
			appendStringInfo(&what, "training on class \"%s\" of \"%s\"", j.class_value, src->relname);
			break;
		case RS_JOB_SMOTE:
			appendStringInfo(&what, "SMOTE on class \"%s\" of \"%s\"", j.class_value, src->relname);
			break;
		case RS_JOB_SCORE:
			appendStringInfo(&what, "fitting the classifier on \"%s\"", src->relname);
			break;
		case RS_JOB_EVALUATE:
			appendStringInfo(&what, "evaluating on \"%s\"", src->relname);
			break;
	}
	appendStringInfo(&detail, "%lld rows of %d feature columns are read", (long long) n, w->nf);
	if (j.job == RS_JOB_TRAIN || (j.job == RS_JOB_EVALUATE && j.with_gan))
		appendStringInfo(&detail, "; a row is %.0f floats for the GAN", w->gan_dim);
	if (j.job == RS_JOB_SCORE || j.job == RS_JOB_EVALUATE)
		appendStringInfo(&detail, "; the classifier has %.0f features", w->design_p);
	if (w->widest >= 0)
	{
		const RsSourceColumn *col = &src->cols[w->col[w->widest]];

		appendStringInfo(&detail, "; the widest column, \"%s\", has %s%lld categories",
						 col->name, w->exact ? "" : "up to ",
						 (long long) w->categories[w->widest]);
		if (j.job == RS_JOB_TRAIN)
			appendStringInfo(&hint, "Exclude column \"%s\" (exclude => '{%s}')",
							 col->name, quote_identifier(col->name));
		else
			appendStringInfo(&hint, "Leave out column \"%s\" (read a view without it)", col->name);
		if (col->vclass == RS_VAL_INT || col->vclass == RS_VAL_NUMERIC)
			appendStringInfo(&hint, ", lower raresynth.categorical_max_distinct below %lld so that it is continuous",
							 (long long) col->n_distinct);
		appendStringInfoString(&hint, ", or raise");
	}
	else
		appendStringInfoString(&hint, "Raise");
	appendStringInfo(&hint, " maintenance_work_mem to at least %s.", pretty_bytes(need * 1.05));
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s would need about %s of memory, more than maintenance_work_mem (%s)",
					what.data, pretty_bytes(need), pretty_bytes(limit)),
			 errdetail("%s.", detail.data),
			 errhint("%s", hint.data)));
}

/* Model meta: every source column with its role in the model. */
void
rs_source_meta(const RsSource *src, const char *minority, uint64 seed, rs_model_meta *meta)
{
	int			f = 0;

	meta->seed = seed;
	meta->minority = pstrdup(minority);
	meta->n_source_cols = src->ncols;
	meta->source_names = palloc(sizeof(char *) * src->ncols);
	meta->source_types = palloc(sizeof(char *) * src->ncols);
	meta->source_role = palloc(sizeof(int) * src->ncols);
	for (int i = 0; i < src->ncols; i++)
	{
		const RsSourceColumn *c = &src->cols[i];

		meta->source_names[i] = pstrdup(c->name);
		meta->source_types[i] = rs_format_type(c->typid, c->typmod);
		if (c->kind == RS_COL_LABEL)
			meta->source_role[i] = RS_ROLE_LABEL;
		else if (c->kind == RS_COL_EXCLUDED)
			meta->source_role[i] = RS_ROLE_EXCLUDED;
		else
			meta->source_role[i] = f++;
	}
}

/* ----------------------------------------------------------------
 * Writing synthetic rows: the companion table and the improved view
 * ----------------------------------------------------------------
 */

/* Resolve a model's source; error if it is gone or changed since training. */
Oid
rs_model_source_relid(const char *source, const rs_model *m, const char *model_name)
{
	List	   *names = stringToQualifiedNameList(source);
	Oid			relid = RangeVarGetRelid(makeRangeVarFromNameList(names), AccessShareLock, true);
	Relation	rel;
	char	   *mismatch;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("source %s of model \"%s\" does not exist", source, model_name),
				 errhint("Retrain the model on an existing table with raresynth_train().")));
	check_source_relation(relid);
	rel = relation_open(relid, AccessShareLock);
	mismatch = rs_describe_mismatch(RelationGetDescr(rel), m);
	relation_close(rel, NoLock);
	if (mismatch)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("source %s has changed since model \"%s\" was trained", source, model_name),
				 errdetail("%s", mismatch),
				 errhint("Retrain the model with raresynth_train().")));
	return relid;
}

/* Count of rows whose label (as text) is value; 0 if none. */
static int64
count_label_rows(const char *qualified, const char *label, const char *value)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(value)};
	char	   *q = psprintf("SELECT pg_catalog.count(*) FROM %s WHERE %s::pg_catalog.text OPERATOR(pg_catalog.=) $1",
							 qualified, quote_identifier(label));
	int			ret = SPI_execute_with_args(q, 1, argtypes, args, NULL, true, 1);
	bool		isnull;

	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "count query failed: %s", SPI_result_code_string(ret));
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

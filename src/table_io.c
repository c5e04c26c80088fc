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

/* ----------------------------------------------------------------
 * Targets: the tables synthesize and SMOTE write
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
 * ----------------------------------------------------------------
 */

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
 * its partitions, that the source does not read it, its columns.
 */
static void
check_target(RsTarget *t, const rs_model *m)
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
	mismatch = rs_describe_mismatch(RelationGetDescr(rel), m);
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
 * Open the target of rows of model m from source source_relid: `target`
 * (a possibly qualified name; NULL: <source><suffix> in the source's
 * schema), created if missing.  with_view: raresynth_synthesize(), which
 * also writes the view <source>_improved (rs_target_finish).  Returns with
 * the target name and the table locked until the end of the transaction.
 */
RsTarget *
rs_target_open(Oid source_relid, const char *target, const char *suffix, const rs_model *m,
			   bool with_view)
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
	check_target(t, m);
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
 * Rows of qrel whose label, as text, is value: under `snapshot`, or
 * (InvalidSnapshot) a new one in READ COMMITTED, the transaction's in
 * REPEATABLE READ and SERIALIZABLE.  Inside SPI.
 */
static int64
count_class_rows(const char *qrel, const char *label, const char *value, Snapshot snapshot)
{
	Oid			argtype = TEXTOID;
	Datum		arg = CStringGetTextDatum(value);
	SPIPlanPtr	plan = SPI_prepare(psprintf("SELECT pg_catalog.count(*) FROM %s WHERE %s::pg_catalog.text OPERATOR(pg_catalog.=) $1",
										   qrel, quote_identifier(label)),
								  1, &argtype);
	int			ret;
	bool		isnull;

	if (plan == NULL)
		elog(ERROR, "could not prepare count query: %s", SPI_result_code_string(SPI_result));
	ret = SPI_execute_snapshot(plan, &arg, NULL, snapshot, InvalidSnapshot,
							   snapshot != InvalidSnapshot, false, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "count query failed: %s", SPI_result_code_string(ret));
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
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
	minority = count_class_rows(t->qsource, label, value, InvalidSnapshot);
	in_target = count_class_rows(t->qname, label, value, InvalidSnapshot);
	if (IsolationUsesXactSnapshot() &&
		count_class_rows(t->qname, label, value, GetLatestSnapshot()) != in_target)
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

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

/* Bytes read_rows holds for n rows of nf features: values, sorted copy, order, y. */
Size
rs_read_bytes(int64 n, int nf)
{
	double		b = (double) n * nf * sizeof(double) * 2 + (double) n * sizeof(int) * 3;

	return b >= (double) MaxAllocHugeSize ? MaxAllocHugeSize : (Size) b;
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

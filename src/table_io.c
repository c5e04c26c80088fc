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

/* How values of a type reach the core (by its base type). */
static RsValueClass
value_class(Oid typid)
{
	Oid			base = getBaseType(typid);

	switch (base)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return RS_VAL_INT;
		case FLOAT4OID:
		case FLOAT8OID:
			return RS_VAL_FLOAT;
		case NUMERICOID:
			return RS_VAL_NUMERIC;
		case DATEOID:
			return RS_VAL_DATE;
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return RS_VAL_TIMESTAMP;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
			return RS_VAL_TEXT;
		case BOOLOID:
			return RS_VAL_BOOL;
		default:
			if (type_is_enum(base))
				return RS_VAL_TEXT;
			return RS_VAL_UNSUPPORTED;
	}
}

static bool
value_class_is_numeric(RsValueClass vc)
{
	return vc == RS_VAL_INT || vc == RS_VAL_FLOAT || vc == RS_VAL_NUMERIC ||
		vc == RS_VAL_DATE || vc == RS_VAL_TIMESTAMP;
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
		col->vclass = value_class(att->atttypid);
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
		if (ARR_NDIM(exclude) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("exclude must be a one-dimensional array")));
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
		if (value_class_is_numeric(col->vclass))
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
			if (value_class_is_numeric(col->vclass))
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

	/* Class counts of the label, rarest first (ties by value). */
	resetStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT %s::pg_catalog.text, pg_catalog.count(*) FROM %s "
					 "WHERE %s IS NOT NULL GROUP BY %s ORDER BY 2, %s",
					 labq, src->qualified_name, labq, labq, labq);
	ret = SPI_execute(q.data, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "raresynth class count query failed: %s", SPI_result_code_string(ret));
	src->n_classes = (int) SPI_processed;
	src->class_values = MemoryContextAllocZero(callercxt, sizeof(char *) * Max(src->n_classes, 1));
	src->class_counts = MemoryContextAllocZero(callercxt, sizeof(int64) * Max(src->n_classes, 1));
	src->n_label_null = src->n_rows;
	for (int k = 0; k < src->n_classes; k++)
	{
		HeapTuple	tup = SPI_tuptable->vals[k];
		bool		isnull;

		src->class_values[k] = MemoryContextStrdup(callercxt,
												   SPI_getvalue(tup, SPI_tuptable->tupdesc, 1));
		src->class_counts[k] = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull));
		src->n_label_null -= src->class_counts[k];
	}

	SPI_finish();
	pfree(q.data);
}

/* Give every column its kind and, if excluded, the reason. */
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

/* SQL type text as stored in a model: schema-qualified when not visible. */
char *
rs_format_type(Oid typid, int32 typmod)
{
	return format_type_with_typemod(typid, typmod);
}

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

/* A numeric SQL value as the double the core models; NaN for NULL-like. */
static double
datum_to_double(Datum d, RsValueClass vc, Oid basetype)
{
	switch (vc)
	{
		case RS_VAL_INT:
			if (basetype == INT2OID)
				return (double) DatumGetInt16(d);
			if (basetype == INT4OID)
				return (double) DatumGetInt32(d);
			return (double) DatumGetInt64(d);
		case RS_VAL_FLOAT:
			{
				double		v = basetype == FLOAT4OID ? (double) DatumGetFloat4(d) : DatumGetFloat8(d);

				/* NaN and infinities are modelled as missing values */
				return isfinite(v) ? v : RS_NULL;
			}
		case RS_VAL_NUMERIC:
			{
				double		v = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d));

				return isfinite(v) ? v : RS_NULL;
			}
		case RS_VAL_DATE:
			{
				DateADT		v = DatumGetDateADT(d);

				return DATE_NOT_FINITE(v) ? RS_NULL : (double) v;
			}
		case RS_VAL_TIMESTAMP:
			{
				Timestamp	v = DatumGetTimestamp(d);

				return TIMESTAMP_NOT_FINITE(v) ? RS_NULL : (double) v;
			}
		default:
			elog(ERROR, "unexpected value class %d", (int) vc);
	}
	return RS_NULL;
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

	/* values (double) plus the encoded matrix (float, ~8 per feature) */
	need = add_size(mul_size(mul_size((Size) n_expected, nf), sizeof(double)),
					mul_size(mul_size((Size) n_expected, nf), 8 * sizeof(float)));
	if (need / 1024 > (Size) maintenance_work_mem)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("class \"%s\" of \"%s\" is too large to learn in maintenance_work_mem",
						class_value, relname),
				 errdetail("%lld rows of %d features need about %zu kB; maintenance_work_mem is %d kB.",
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
		basetypes[f] = getBaseType(col->typid);
		if (col->kind == RS_COL_CATEGORICAL)
		{
			Oid			outfn;
			bool		varlena;

			dicts[f] = cat_dict_create("raresynth categories");
			getTypeOutputInfo(col->typid, &outfn, &varlena);
			fmgr_info(outfn, &outfns[f]);
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
					v = datum_to_double(d, src->cols[feat[f]].vclass, basetypes[f]);
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

/*
 * The rows of one class of another relation with the source's feature
 * columns (e.g. its synthetic companion), coded like `like`.
 */
rs_table *
rs_read_class_like(const RsSource *src, Oid relid, const char *class_value, const rs_table *like)
{
	char	   *relname = get_rel_name(relid);
	char	   *qualified = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
													   relname);
	int64		n;

	check_source_relation(relid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	n = count_label_rows(qualified, src->cols[src->label_index].name, class_value);
	SPI_finish();
	return read_rows(src, qualified, relname, class_value, n, like, NULL);
}

/*
 * Every row with a non-NULL label of another relation with the source's
 * feature columns (a test table), coded like `like`; *y_out as below.
 */
rs_table *
rs_read_labelled_like(const RsSource *src, Oid relid, const char *positive,
					  const rs_table *like, int **y_out)
{
	char	   *relname = get_rel_name(relid);
	char	   *qualified = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
													   relname);
	const char *lab = quote_identifier(src->cols[src->label_index].name);
	char	   *q = psprintf("SELECT pg_catalog.count(%s) FROM %s", lab, qualified);
	int64		n;
	bool		isnull;

	check_source_relation(relid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(q, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "count query failed");
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	*y_out = palloc(sizeof(int) * Max(n, 1));
	return read_rows(src, qualified, relname, positive, n, like, *y_out);
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
 * Turning core rows back into SQL values of the source's row type
 * ----------------------------------------------------------------
 */

typedef struct RsOutColumn
{
	int			role;			/* feature index, RS_ROLE_LABEL, RS_ROLE_EXCLUDED */
	RsValueClass vclass;
	Oid			basetype;
	int32		typmod;
	bool		via_input;		/* domain: build through its input function */
	FmgrInfo	input;
	Oid			ioparam;
	Datum	   *cat_datums;		/* categorical: one datum per category */
} RsOutColumn;

struct RsRowMaker
{
	int			natts;			/* attributes of the row type, dropped included */
	RsOutColumn *cols;			/* natts; dropped ones role EXCLUDED */
	Datum		label_datum;
};

static Datum
input_datum(RsOutColumn *oc, char *text)
{
	return InputFunctionCall(&oc->input, text, oc->ioparam, oc->typmod);
}

/* A continuous core value as a datum of the column's type. */
static Datum
double_to_datum(RsOutColumn *oc, double v)
{
	if (oc->via_input)
	{
		char		buf[64];

		if (oc->vclass == RS_VAL_INT)
			snprintf(buf, sizeof(buf), "%.0f", rint(v));
		else if (oc->vclass == RS_VAL_FLOAT || oc->vclass == RS_VAL_NUMERIC)
			snprintf(buf, sizeof(buf), "%.17g", v);
		else
			elog(ERROR, "domains over dates and timestamps are not supported");
		return input_datum(oc, buf);
	}
	switch (oc->vclass)
	{
		case RS_VAL_INT:
			v = rint(v);
			if (oc->basetype == INT2OID)
				return Int16GetDatum((int16) Max(Min(v, PG_INT16_MAX), PG_INT16_MIN));
			if (oc->basetype == INT4OID)
				return Int32GetDatum((int32) Max(Min(v, PG_INT32_MAX), PG_INT32_MIN));
			return Int64GetDatum((int64) Max(Min(v, 9.2e18), -9.2e18));
		case RS_VAL_FLOAT:
			return oc->basetype == FLOAT4OID ? Float4GetDatum((float4) v) : Float8GetDatum(v);
		case RS_VAL_NUMERIC:
			{
				Datum		d = DirectFunctionCall1(float8_numeric, Float8GetDatum(v));

				if (oc->typmod >= 0)
					d = DirectFunctionCall2(numeric, d, Int32GetDatum(oc->typmod));
				return d;
			}
		case RS_VAL_DATE:
			return DateADTGetDatum((DateADT) rint(v));
		case RS_VAL_TIMESTAMP:
			return TimestampGetDatum((Timestamp) rint(v));
		default:
			elog(ERROR, "unexpected value class %d", (int) oc->vclass);
	}
	return (Datum) 0;
}

/*
 * Prepare to build rows of type desc from model m.  desc must have the
 * model's source columns: same names, same types, same order (dropped
 * columns are skipped).  Errors name the first difference.
 */
/*
 * NULL if desc has exactly the model's source columns (names, types, order;
 * dropped columns skipped), else a sentence naming the first difference.
 */
char *
rs_describe_mismatch(TupleDesc desc, const rs_model *m)
{
	int			src = 0;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		char	   *typ;

		if (att->attisdropped)
			continue;
		if (src >= m->meta.n_source_cols)
			return psprintf("Column \"%s\" is not in the model's source, which has %d columns.",
							NameStr(att->attname), m->meta.n_source_cols);
		typ = rs_format_type(att->atttypid, att->atttypmod);
		if (strcmp(NameStr(att->attname), m->meta.source_names[src]) != 0 ||
			strcmp(typ, m->meta.source_types[src]) != 0)
			return psprintf("Column %d is \"%s\" %s here but \"%s\" %s in the model.",
							src + 1, NameStr(att->attname), typ,
							m->meta.source_names[src], m->meta.source_types[src]);
		src++;
	}
	if (src != m->meta.n_source_cols)
		return psprintf("Column \"%s\" of the model's source is missing.",
						m->meta.source_names[src]);
	return NULL;
}

/*
 * Prepare to build rows of type desc from model m.  desc must have the
 * model's source columns (rs_describe_mismatch).
 */
RsRowMaker *
rs_rowmaker_create(TupleDesc desc, const rs_model *m, const char *model_name,
				   const char *source_name)
{
	RsRowMaker *rm = palloc0(sizeof(RsRowMaker));
	char	   *mismatch = rs_describe_mismatch(desc, m);
	int			src = 0;

	if (mismatch)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("row type does not match the source of model \"%s\"", model_name),
				 errdetail("%s", mismatch),
				 errhint("Pass the source's row type, NULL::%s; if the source has changed since training, retrain the model with raresynth_train().",
						 source_name)));
	rm->natts = desc->natts;
	rm->cols = palloc0(sizeof(RsOutColumn) * Max(desc->natts, 1));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		RsOutColumn *oc = &rm->cols[i];
		Oid			infn;
		int			role;

		oc->role = RS_ROLE_EXCLUDED;
		if (att->attisdropped)
			continue;
		role = m->meta.source_role[src];
		oc->role = role;
		oc->basetype = getBaseType(att->atttypid);
		oc->typmod = att->atttypmod;
		oc->vclass = value_class(att->atttypid);
		oc->via_input = oc->basetype != att->atttypid;
		getTypeInputInfo(att->atttypid, &infn, &oc->ioparam);
		fmgr_info(infn, &oc->input);
		if (role == RS_ROLE_LABEL)
			rm->label_datum = input_datum(oc, m->meta.minority);
		else if (role >= 0 && m->specs->cols[role].kind == RS_KIND_CATEGORICAL)
		{
			const rs_column *spec = &m->specs->cols[role];

			oc->cat_datums = palloc(sizeof(Datum) * Max(spec->n_categories, 1));
			for (int k = 0; k < spec->n_categories; k++)
				oc->cat_datums[k] = input_datum(oc, spec->categories[k]);
		}
		src++;
	}
	return rm;
}

/* Fill values/nulls (rm->natts long) from row `row` of the decoded table t. */
void
rs_rowmaker_fill(RsRowMaker *rm, const rs_table *t, int row, Datum *values, bool *nulls)
{
	for (int i = 0; i < rm->natts; i++)
	{
		RsOutColumn *oc = &rm->cols[i];
		double		v;

		if (oc->role == RS_ROLE_LABEL)
		{
			values[i] = rm->label_datum;
			nulls[i] = false;
			continue;
		}
		if (oc->role < 0 || rs_is_null(v = RS_CELL(t, row, oc->role)))
		{
			values[i] = (Datum) 0;
			nulls[i] = true;
			continue;
		}
		nulls[i] = false;
		if (oc->cat_datums)
		{
			if (v < 0 || v >= t->cols[oc->role].n_categories)
				elog(ERROR, "category %g out of range", v);
			values[i] = oc->cat_datums[(int) v];
		}
		else
			values[i] = double_to_datum(oc, v);
	}
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

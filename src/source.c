/*
 * source.c
 *	  Analysis of a source relation: rs_source_analyze() looks at a relation
 *	  the way the encoder will.  It checks the relation and the caller's
 *	  privilege, gathers per-column statistics with one aggregate query,
 *	  counts the label's classes and gives every column a kind (continuous,
 *	  categorical, label or excluded with a reason: identifiers, keys, the
 *	  caller's exclude and include), then finds the functional dependencies
 *	  between the categorical features (dependencies.c).  The rest answers
 *	  questions about an analysed source: its features, the minority class
 *	  a job uses, a class's per-feature NULLs and categories (for the memory
 *	  estimate), what a model records of it (rs_source_meta), and finding it
 *	  again for a trained model (rs_model_source_relid).
 *
 * All SQL is built with quote_identifier() and schema-qualified operators;
 * values travel as $n parameters.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

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
void
rs_check_source_relation(Oid relid)
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

/* The owner of relation relid (it exists: rs_check_source_relation). */
static Oid
relation_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* A role's name for messages, or its OID when it was dropped. */
static const char *
role_name(Oid roleid)
{
	char	   *name = GetUserNameFromId(roleid, true);

	return name ? quote_identifier(name) : psprintf("(dropped role %u)", roleid);
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

				if (col->attnum == idx->indkey.values[0])
					col->key = true;
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

/*
 * A column whose values are held by one row each in more than this share
 * of its non-NULL rows is an identifier (a text-like column, or an integer
 * column that is an identity or serial column or named like one): a
 * record number in which a few values repeat is still a record number.
 */
#define RS_IDENTIFIER_SINGLETON_SHARE 0.5

/*
 * Whether a name is one an identifier goes by (case-insensitive): id,
 * mrn, ssn, uuid, guid, or id_*, *_id, *_no, *_number, *_mrn.
 */
static bool
identifier_name(const char *name)
{
	static const char *const exact[] = {"id", "mrn", "ssn", "uuid", "guid"};
	static const char *const suffix[] = {"_id", "_no", "_number", "_mrn"};
	size_t		len = strlen(name);

	for (int i = 0; i < lengthof(exact); i++)
		if (pg_strcasecmp(name, exact[i]) == 0)
			return true;
	if (pg_strncasecmp(name, "id_", 3) == 0)
		return true;
	for (int i = 0; i < lengthof(suffix); i++)
	{
		size_t		n = strlen(suffix[i]);

		if (len > n && pg_strcasecmp(name + len - n, suffix[i]) == 0)
			return true;
	}
	return false;
}

/* Whether an expression calls nextval() (a serial column's default). */
static bool
calls_nextval(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid == F_NEXTVAL)
		return true;
	return expression_tree_walker(node, calls_nextval, context);
}

/*
 * Why an integer column may be an identifier (it is one when nearly
 * unique too), or NULL: an identity column, a serial one (its default
 * calls nextval()), or one named like an identifier.
 */
static const char *
integer_identifier_sign(TupleDesc desc, Form_pg_attribute att)
{
	if (rs_value_class(att->atttypid) != RS_VAL_INT)
		return NULL;
	if (att->attidentity != '\0')
		return "identity column";
	if (att->atthasdef && desc->constr != NULL)
	{
		for (int d = 0; d < desc->constr->num_defval; d++)
		{
			AttrDefault *def = &desc->constr->defval[d];

			if (def->adnum == att->attnum && calls_nextval(stringToNode(def->adbin), NULL))
				return "serial column";
		}
	}
	if (identifier_name(NameStr(att->attname)))
		return "named like an identifier";
	return NULL;
}

/*
 * Whether values of type typid are free-form strings that may be record
 * numbers: text, varchar, char, name, uuid and citext (the extension's),
 * or a domain over one.  Not an enum, whose values are a fixed list.
 */
static bool
text_like_type(Oid typid)
{
	Oid			base = getBaseType(typid);
	Oid			ext;
	char	   *extname;
	char		category;
	bool		preferred;

	if (base == TEXTOID || base == VARCHAROID || base == BPCHAROID || base == NAMEOID ||
		base == UUIDOID)
		return true;
	ext = getExtensionOfObject(TypeRelationId, base);
	if (!OidIsValid(ext) || (extname = get_extension_name(ext)) == NULL)
		return false;
	get_type_category_preferred(base, &category, &preferred);
	return strcmp(extname, "citext") == 0 && category == TYPCATEGORY_STRING;
}

/*
 * Mark the columns listed in the caller's exclude or include (argname):
 * errors for a non-1-D array, a NULL, the label, an unknown column and a
 * column in both lists.
 */
static void
mark_listed(RsSource *src, ArrayType *arr, const char *argname, RsListed how)
{
	Datum	   *datums;
	bool	   *nulls;
	int			n;

	if (arr == NULL)
		return;
	rs_check_1d_array(arr, argname);
	deconstruct_array(arr, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR, &datums, &nulls, &n);
	for (int e = 0; e < n; e++)
	{
		const char *name;
		bool		found = false;

		if (nulls[e])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL", argname)));
		name = NameStr(*DatumGetName(datums[e]));
		for (int i = 0; i < src->ncols; i++)
		{
			RsSourceColumn *col = &src->cols[i];

			if (strcmp(col->name, name) != 0)
				continue;
			if (i == src->label_index)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("cannot %s the label column \"%s\"", argname, name)));
			if (col->listed != RS_LISTED_NONE && col->listed != how)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("column \"%s\" is listed in both exclude and include", name),
						 errhint("Name a column in exclude to leave it out, or in include to keep it.")));
			col->listed = how;
			found = true;
		}
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" does not exist", name, src->relname),
					 errdetail("It is listed in %s.", argname)));
	}
}

/* Collect the columns of the relation, find the label, mark the caller's lists and the keys. */
static void
collect_columns(RsSource *src, const char *label, ArrayType *exclude, ArrayType *include)
{
	Relation	rel = relation_open(src->relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);

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
		col->determinant = -1;
		col->listed = RS_LISTED_NONE;
		col->id_sign = integer_identifier_sign(desc, att);
		col->n_singletons = -1;
		if (strcmp(col->name, label) == 0)
			src->label_index = src->ncols;
		src->ncols++;
	}

	if (src->label_index < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("label column \"%s\" of relation \"%s\" does not exist",
						label, src->relname)));

	mark_listed(src, exclude, "exclude", RS_LISTED_EXCLUDE);
	mark_listed(src, include, "include", RS_LISTED_INCLUDE);
	mark_key_columns(rel, src);
	relation_close(rel, NoLock);	/* keep the lock until commit */
}

/*
 * Columns per statistics query: at most 5 aggregates a column, within the
 * 1664 entries of a target list (a table may have 1600 columns).
 */
#define RS_STAT_COLUMNS 300

/*
 * Whether the statistics count a column's distinct values: a supported
 * type, or an unsupported one that may hold identifiers (uuid).
 */
static bool
counts_distinct(const RsSourceColumn *col)
{
	return col->vclass != RS_VAL_UNSUPPORTED || text_like_type(col->typid);
}

/*
 * The per-column statistics query for columns [first, end): rows, and per
 * column its non-NULL values, distinct values (counts_distinct), range (numeric) and
 * integrality (float, numeric).  Inside SPI; strings are copied into
 * callercxt.
 */
static void
column_statistics(RsSource *src, MemoryContext callercxt, int first, int end)
{
	StringInfoData q;
	HeapTuple	tup;
	TupleDesc	td;
	bool		isnull;
	int			ret;
	int			fno;

	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT pg_catalog.count(*)");
	for (int i = first; i < end; i++)
	{
		RsSourceColumn *col = &src->cols[i];
		const char *cq = quote_identifier(col->name);

		appendStringInfo(&q, ", pg_catalog.count(%s)", cq);
		if (!counts_distinct(col))
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

	ret = SPI_execute(q.data, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "raresynth statistics query failed: %s", SPI_result_code_string(ret));

	tup = SPI_tuptable->vals[0];
	td = SPI_tuptable->tupdesc;
	fno = 1;
	src->n_rows = DatumGetInt64(SPI_getbinval(tup, td, fno++, &isnull));
	for (int i = first; i < end; i++)
	{
		RsSourceColumn *col = &src->cols[i];
		int64		nonnull = DatumGetInt64(SPI_getbinval(tup, td, fno++, &isnull));
		char	   *s;

		col->n_null = src->n_rows - nonnull;
		col->integral = (col->vclass == RS_VAL_INT);
		if (!counts_distinct(col))
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
	pfree(q.data);
}

/*
 * Class counts of the label, rarest first (ties by value).  A label has
 * at most RS_MAX_LABEL_CLASSES classes: the query fetches one more to
 * tell, so a label with a million distinct values costs no memory here.
 * Inside SPI; the classes are allocated in callercxt.
 */
static void
class_counts(RsSource *src, MemoryContext callercxt)
{
	RsSourceColumn *lab = &src->cols[src->label_index];
	const char *labq = quote_identifier(lab->name);
	char	   *q;
	int			ret;

	q = psprintf("SELECT %s, pg_catalog.count(*) FROM %s "
				 "WHERE %s IS NOT NULL GROUP BY %s, 1 ORDER BY 2, %s, 1 LIMIT %d",
				 rs_sql_value_text(labq, lab->typid), src->qualified_name, labq, labq, labq,
				 RS_MAX_LABEL_CLASSES + 1);
	ret = SPI_execute(q, true, 0);
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
	pfree(q);
}

/*
 * Values held by one row (n_singletons) of each column that may be an
 * identifier (text-like, or an integer with an identifier's sign) and is
 * not a key or excluded by the caller, where the share of such rows can
 * exceed RS_IDENTIFIER_SINGLETON_SHARE: that needs more distinct values
 * than that share of the non-NULL rows.  All distinct: every value is
 * held by one row.  Else one GROUP BY query per column.  Inside SPI.
 */
static void
count_singletons(RsSource *src)
{
	for (int i = 0; i < src->ncols; i++)
	{
		RsSourceColumn *col = &src->cols[i];
		int64		nonnull = src->n_rows - col->n_null;
		const char *cq = quote_identifier(col->name);
		char	   *q;
		bool		isnull;
		int			ret;

		if (i == src->label_index || col->listed == RS_LISTED_EXCLUDE || col->reason != NULL ||
			(col->id_sign == NULL && !text_like_type(col->typid)) || col->n_distinct < 2 ||
			(double) col->n_distinct <= RS_IDENTIFIER_SINGLETON_SHARE * (double) nonnull)
			continue;
		if (col->n_distinct == nonnull)
		{
			col->n_singletons = nonnull;
			continue;
		}
		CHECK_FOR_INTERRUPTS();
		q = psprintf("SELECT pg_catalog.count(*) FROM (SELECT FROM %s WHERE %s IS NOT NULL "
					 "GROUP BY %s HAVING pg_catalog.count(*) OPERATOR(pg_catalog.=) 1) s",
					 src->qualified_name, cq, cq);
		ret = SPI_execute(q, true, 1);
		if (ret != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "raresynth singleton query failed: %s", SPI_result_code_string(ret));
		col->n_singletons = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
														SPI_tuptable->tupdesc, 1, &isnull));
		SPI_freetuptable(SPI_tuptable);
		pfree(q);
	}
}

/* Run the per-column statistics query, the singleton counts and the class count query. */
static void
gather_statistics(RsSource *src)
{
	MemoryContext callercxt = CurrentMemoryContext;
	RsSourceColumn *lab = &src->cols[src->label_index];
	TypeCacheEntry *lab_tc;
	int			nestlevel;

	/* The label must be groupable. */
	lab_tc = lookup_type_cache(lab->typid, TYPECACHE_EQ_OPR | TYPECACHE_LT_OPR);
	if (!OidIsValid(lab_tc->eq_opr) || !OidIsValid(lab_tc->lt_opr))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("label column \"%s\" has type %s, which cannot be compared",
						lab->name, lab->typname),
				 errhint("Use a label of an integer, text, boolean or enum type.")));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* min and max as the session writes them */
	for (int first = 0; first == 0 || first < src->ncols; first += RS_STAT_COLUMNS)
		column_statistics(src, callercxt, first, Min(first + RS_STAT_COLUMNS, src->ncols));
	count_singletons(src);
	nestlevel = rs_value_text_begin();
	class_counts(src, callercxt);
	rs_value_text_end(nestlevel);
	SPI_finish();
}

/*
 * Why a column is an identifier, or NULL: a key (mark_key_columns), or
 * nearly unique values (count_singletons) in a text-like column or in an
 * integer column with an identifier's sign.
 */
static char *
identifier_reason(const RsSource *src, const RsSourceColumn *col)
{
	int64		nonnull = src->n_rows - col->n_null;
	char	   *spread;

	if (col->reason != NULL)
		return col->reason;
	if (col->n_singletons < 0 ||
		(double) col->n_singletons <= RS_IDENTIFIER_SINGLETON_SHARE * (double) nonnull)
		return NULL;
	if (col->n_distinct == nonnull)
		spread = pstrdup("every value is distinct");
	else
		spread = psprintf(INT64_FORMAT " distinct values over " INT64_FORMAT " %s, "
						  INT64_FORMAT " of them held by one row",
						  col->n_distinct, nonnull, col->n_null > 0 ? "non-NULL rows" : "rows",
						  col->n_singletons);
	return col->id_sign ? psprintf("identifier: %s, %s", col->id_sign, spread)
		: psprintf("identifier: %s", spread);
}

/*
 * The kind a non-label column has by its type and values, with the reason
 * when that is excluded (an identifier aside).
 *
 * A continuous column whose type is a domain with a CHECK constraint is
 * excluded: the generator makes new values in the column's range, and no
 * model can promise they satisfy an arbitrary CHECK (every sample would
 * fail on the first violation).  A categorical column keeps its domain:
 * only values seen in the table are generated, and each of them passed
 * the check.
 */
static RsColumnKind
value_kind(const RsSource *src, const RsSourceColumn *col, char **reason)
{
	int64		nonnull = src->n_rows - col->n_null;
	char	   *dom;

	*reason = NULL;
	if (col->vclass == RS_VAL_UNSUPPORTED)
		*reason = psprintf("unsupported type %s", col->typname);
	else if (nonnull == 0)
		*reason = pstrdup("all values are NULL");
	else if (col->n_distinct + (col->n_null > 0 ? 1 : 0) <= 1)
		*reason = pstrdup("constant: every value is the same");
	else if (col->vclass == RS_VAL_TEXT || col->vclass == RS_VAL_BOOL)
		return RS_COL_CATEGORICAL;
	else if ((col->vclass == RS_VAL_INT || col->vclass == RS_VAL_NUMERIC) &&
			 col->integral && col->n_distinct <= rs_categorical_max_distinct)
		return RS_COL_CATEGORICAL;
	else if ((dom = rs_domain_with_check(col->typid)) != NULL)
		*reason = psprintf("domain %s has a CHECK constraint that generated values may not satisfy",
						   dom);
	else
		return RS_COL_CONTINUOUS;
	return RS_COL_EXCLUDED;
}

/*
 * Give every column its kind and, if excluded, the reason: the caller's
 * exclusion, then identifiers (unless the caller includes the column),
 * then the type and values (value_kind; an included column they exclude
 * is an error).
 */
static void
classify_columns(RsSource *src)
{
	for (int i = 0; i < src->ncols; i++)
	{
		RsSourceColumn *col = &src->cols[i];
		char	   *ident;
		char	   *why;

		if (i == src->label_index)
		{
			col->kind = RS_COL_LABEL;
			col->reason = psprintf("label: minority class \"%s\"", src->class_values[0]);
			continue;
		}
		if (col->listed == RS_LISTED_EXCLUDE)
		{
			col->kind = RS_COL_EXCLUDED;
			col->reason = pstrdup("excluded by the caller");
			continue;
		}
		ident = identifier_reason(src, col);
		col->kind = value_kind(src, col, &why);
		if (col->listed == RS_LISTED_INCLUDE)
		{
			if (col->kind == RS_COL_EXCLUDED)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("column \"%s\" listed in include cannot be a feature", col->name),
						 errdetail("The profile excludes it: %s.", why)));
			col->reason = ident ? psprintf("included by the caller (%s)", ident)
				: pstrdup("included by the caller");
		}
		else if (ident != NULL)
		{
			col->kind = RS_COL_EXCLUDED;
			col->reason = ident;
		}
		else
			col->reason = why;
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

int
rs_source_feature_index(const RsSource *src, int i)
{
	int			f = 0;

	Assert(src->cols[i].kind == RS_COL_CONTINUOUS || src->cols[i].kind == RS_COL_CATEGORICAL);
	for (int j = 0; j < i; j++)
		if (src->cols[j].kind == RS_COL_CONTINUOUS || src->cols[j].kind == RS_COL_CATEGORICAL)
			f++;
	return f;
}

/*
 * Look at a source relation the way the encoder will.  Errors for a missing
 * label, an empty table, a label with fewer than two classes, and a table
 * with no usable feature column.
 */
RsSource *
rs_source_analyze(Oid relid, const char *label, ArrayType *exclude, ArrayType *include)
{
	RsSource   *src = palloc0(sizeof(RsSource));

	rs_check_source_relation(relid);
	src->relid = relid;
	src->owner = relation_owner(relid);
	src->relname = get_rel_name(relid);
	src->qualified_name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
													 src->relname);
	collect_columns(src, label, exclude, include);
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
	rs_source_find_dependencies(src);
	return src;
}

/*
 * For rs_source_class_features: the categories a categorical feature keeps
 * when those held by fewer than rare_k rows of the class are pooled into
 * one (rules.h), so that the memory estimate counts the encoded width
 * training will have.  One GROUP BY query per categorical column with more
 * than one value; inside SPI.
 */
static void
pooled_widths(const RsSource *src, const char *labq, Datum class_text, int rare_k,
			  int64 *n_distinct)
{
	Oid			argtypes[2] = {TEXTOID, INT8OID};
	Datum		args[2] = {class_text, Int64GetDatum(rare_k)};

	for (int i = 0, f = 0; i < src->ncols; i++)
	{
		const char *cq;
		char	   *q;
		int64		kept,
					pooled;
		bool		isnull;
		int			ret;

		if (src->cols[i].kind != RS_COL_CONTINUOUS && src->cols[i].kind != RS_COL_CATEGORICAL)
			continue;
		if (src->cols[i].kind != RS_COL_CATEGORICAL || n_distinct[f] <= 1)
		{
			f++;
			continue;
		}
		CHECK_FOR_INTERRUPTS();
		cq = quote_identifier(src->cols[i].name);
		q = psprintf("SELECT pg_catalog.count(*) FILTER (WHERE n OPERATOR(pg_catalog.>=) $2), "
					 "pg_catalog.count(*) FILTER (WHERE n OPERATOR(pg_catalog.<) $2) "
					 "FROM (SELECT pg_catalog.count(*) AS n FROM %s WHERE %s IS NOT NULL "
					 "AND %s OPERATOR(pg_catalog.=) $1 AND %s IS NOT NULL GROUP BY %s) s",
					 src->qualified_name, labq,
					 rs_sql_value_text(labq, src->cols[src->label_index].typid), cq, cq);
		ret = SPI_execute_with_args(q, 2, argtypes, args, NULL, true, 1);
		if (ret != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "raresynth pooled width query failed: %s", SPI_result_code_string(ret));
		kept = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		pooled = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		n_distinct[f] = Max(kept + (pooled > 0 ? 1 : 0), 1);
		SPI_freetuptable(SPI_tuptable);
		pfree(q);
		f++;
	}
}

/*
 * Within the rows of class class_value: per feature column (in order)
 * whether it has a NULL and, for a categorical one, how many distinct
 * values (n_distinct[f]; untouched for a continuous one).  One aggregate
 * query; rs_check_memory counts the encoded widths exactly with it.
 */
void
rs_source_class_features(const RsSource *src, const char *class_value, int rare_k,
						 bool *has_null, int64 *n_distinct)
{
	const char *labq = quote_identifier(src->cols[src->label_index].name);
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(class_value)};
	int			nestlevel;

	nestlevel = rs_value_text_begin();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* columns in chunks, like the statistics: a target list's limit */
	for (int first = 0, f = 0; first == 0 || first < src->ncols; first += RS_STAT_COLUMNS)
	{
		int			end = Min(first + RS_STAT_COLUMNS, src->ncols);
		StringInfoData q;
		HeapTuple	tup;
		TupleDesc	td;
		bool		isnull;
		int			fno = 1;
		int64		rows;
		int			ret;

		initStringInfo(&q);
		appendStringInfoString(&q, "SELECT pg_catalog.count(*)");
		for (int i = first; i < end; i++)
		{
			const char *cq = quote_identifier(src->cols[i].name);

			if (src->cols[i].kind != RS_COL_CONTINUOUS && src->cols[i].kind != RS_COL_CATEGORICAL)
				continue;
			appendStringInfo(&q, ", pg_catalog.count(%s)", cq);
			if (src->cols[i].kind == RS_COL_CATEGORICAL)
				appendStringInfo(&q, ", pg_catalog.count(DISTINCT %s)", cq);
		}
		appendStringInfo(&q, " FROM %s WHERE %s IS NOT NULL AND %s OPERATOR(pg_catalog.=) $1",
						 src->qualified_name, labq,
						 rs_sql_value_text(labq, src->cols[src->label_index].typid));
		ret = SPI_execute_with_args(q.data, 1, argtypes, args, NULL, true, 1);
		if (ret != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "raresynth width query failed: %s", SPI_result_code_string(ret));
		tup = SPI_tuptable->vals[0];
		td = SPI_tuptable->tupdesc;
		rows = DatumGetInt64(SPI_getbinval(tup, td, fno++, &isnull));
		for (int i = first; i < end; i++)
		{
			if (src->cols[i].kind != RS_COL_CONTINUOUS && src->cols[i].kind != RS_COL_CATEGORICAL)
				continue;
			has_null[f] = DatumGetInt64(SPI_getbinval(tup, td, fno++, &isnull)) < rows;
			if (src->cols[i].kind == RS_COL_CATEGORICAL)
				n_distinct[f] = DatumGetInt64(SPI_getbinval(tup, td, fno++, &isnull));
			f++;
		}
		SPI_freetuptable(SPI_tuptable);
		pfree(q.data);
	}
	if (rare_k > 1)
		pooled_widths(src, labq, args[0], rare_k, n_distinct);
	SPI_finish();
	rs_value_text_end(nestlevel);
}

/*
 * The minority class a job works on: `value` when the caller gave one (it
 * must be one of the label's classes), else the rarest class.
 */
char *
rs_source_minority(const RsSource *src, char *value)
{
	if (value == NULL)
		return src->class_values[0];
	if (rs_source_class_count(src, value) >= 0)
		return value;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("minority value \"%s\" does not occur in label column \"%s\"",
					value, src->cols[src->label_index].name),
			 errdetail("The classes are %s.", rs_source_class_list(src))));
	return NULL;				/* not reached */
}

/* The classes with their rows, for messages: "a" (20), "b" (50) */
char *
rs_source_class_list(const RsSource *src)
{
	StringInfoData d;

	initStringInfo(&d);
	for (int k = 0; k < src->n_classes; k++)
		appendStringInfo(&d, "%s\"%s\" (" INT64_FORMAT ")", k ? ", " : "",
						 src->class_values[k], src->class_counts[k]);
	return d.data;
}

/* The rows of class class_value (as text) in the source, or -1 if it is not a class. */
int64
rs_source_class_count(const RsSource *src, const char *class_value)
{
	for (int k = 0; k < src->n_classes; k++)
		if (strcmp(src->class_values[k], class_value) == 0)
			return src->class_counts[k];
	return -1;
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

/*
 * Resolve a model's source; error if it is gone, changed since training,
 * or another role's table now carries its name: a source dropped and
 * created again by another role would have the caller read that role's
 * table (and run its row-level security policies) for the 1:1 count and
 * the view.
 */
Oid
rs_model_source_relid(const char *source, Oid source_owner, const rs_model *m,
					  const char *model_name)
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
	rs_check_source_relation(relid);
	if (relation_owner(relid) != source_owner)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("source %s of model \"%s\" has another owner than when the model was trained",
						source, model_name),
				 errdetail("It was owned by %s when the model was trained and is owned by %s now.",
						   role_name(source_owner), role_name(relation_owner(relid))),
				 errhint("Retrain the model on the table you mean with raresynth_train().")));
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

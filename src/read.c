/*
 * read.c
 *	  Reading rows for the core: the one place that turns rows of a table
 *	  into an rs_table.  read_rows() reads the rows of one class (or every
 *	  labelled row, with a 0/1 target) of the source or of another relation
 *	  read "like" it (a synthetic companion, a test table), whose columns
 *	  are checked by name and type first; categories are coded by their
 *	  text, continuous values through datum.c, and rows come out sorted, so
 *	  that the result does not depend on the scan order.
 *
 * All SQL is built with quote_identifier() and schema-qualified operators;
 * values travel as $n parameters.
 */
#include "postgres.h"

#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/rel.h"

#include "raresynth.h"

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

	rs_check_source_relation(relid);
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

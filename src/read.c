/*
 * read.c
 *	  Reading rows for the core: the one place that turns rows of a table
 *	  into an rs_table.  read_rows() reads the rows of one class (or every
 *	  labelled row, with a 0/1 target) of the source or of another relation
 *	  read "like" it (a synthetic companion, a test table), whose columns
 *	  are checked by name and type first; categories are coded by their
 *	  text, continuous values through datum.c, and rows come out sorted, so
 *	  that the result does not depend on the scan order.  Also the row
 *	  counts those reads need (rs_count_class_rows), the counts of a class
 *	  in a target and its source (rs_count_target_class_rows) and of the
 *	  rows that 1:1 or a ratio needs (rs_count_rows_to_balance), and the
 *	  bytes a read holds (rs_read_bytes).
 *
 * All SQL is built with quote_identifier() and schema-qualified operators;
 * values travel as $n parameters.
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
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
#include "utils/snapmgr.h"

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

/* What read_rows keeps while it reads: per feature, how values are coded. */
typedef struct RowReader
{
	const RsSource *src;
	const char *relname;		/* for messages */
	int			nf;
	int		   *feat;			/* per feature: index into src->cols */
	const rs_table *like;		/* code like this table's specs, or NULL */
	HTAB	  **dicts;			/* categorical: text -> code; else NULL */
	Oid		   *basetypes;		/* of the query's result columns */
	RsValueClass *vclasses;
	FmgrInfo   *outfns;			/* categorical: the result column's output function */
	MemoryContext cxt;			/* the caller's: the table and categories live here */
	double		cat_bytes;		/* text of the categories found so far */
} RowReader;

/*
 * Error unless the text of the categories found so far fits in a quarter
 * of maintenance_work_mem: a model state holds it, and training keeps
 * about four copies of the state (saved, bytea, tuple, compressed).
 * rs_check_memory counts 64 bytes a category; long values are found only
 * as they are read.
 */
static void
check_category_bytes(const RowReader *rr, int f)
{
	double		limit = (double) maintenance_work_mem * 1024.0 / 4;
	const char *col = rr->src->cols[rr->feat[f]].name;

	if (rr->cat_bytes <= limit)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("category text of \"%s\" exceeds a quarter of maintenance_work_mem (%.0f kB)",
					rr->relname, limit / 1024),
			 errdetail("Column \"%s\" has reached %lld categories; a model state holds the text of every category.",
					   col, (long long) hash_get_num_entries(rr->dicts[f])),
			 errhint("Exclude column \"%s\" (exclude => '{%s}'), or raise maintenance_work_mem.",
					 col, quote_identifier(col))));
}

/*
 * Error unless n rows of nf features fit in maintenance_work_mem (what
 * read_rows holds: rs_read_bytes) and in an rs_table.
 */
static void
check_read_size(const char *relname, const char *class_value, bool labelled, int64 n, int nf)
{
	Size		need = rs_read_bytes(n, nf);

	if (need / 1024 > (Size) maintenance_work_mem)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("reading %s of \"%s\" would need more memory than maintenance_work_mem",
						labelled ? "the labelled rows" : psprintf("class \"%s\"", class_value), relname),
				 errdetail("%lld rows of %d feature columns need about %zu kB; maintenance_work_mem is %d kB.",
						   (long long) n, nf, need / 1024, maintenance_work_mem),
				 errhint("Raise maintenance_work_mem, or exclude columns.")));
	if (n > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("class \"%s\" of \"%s\" has too many rows (%lld)",
						class_value, relname, (long long) n)));
}

/*
 * A new table of n rows for src's feature columns (names, kinds), and the
 * category dictionaries, seeded with like's categories when there is one.
 */
static rs_table *
reader_begin(RowReader *rr, const RsSource *src, const char *relname, int64 n,
			 const rs_table *like)
{
	rs_table   *t;
	rs_error	err;
	int			nf = rs_source_n_features(src);

	rr->src = src;
	rr->relname = relname;
	rr->nf = nf;
	rr->like = like;
	rr->cxt = CurrentMemoryContext;
	rr->cat_bytes = 0;
	rr->feat = palloc(sizeof(int) * nf);
	rr->dicts = palloc0(sizeof(HTAB *) * nf);
	rr->basetypes = palloc(sizeof(Oid) * nf);
	rr->vclasses = palloc(sizeof(RsValueClass) * nf);
	rr->outfns = palloc0(sizeof(FmgrInfo) * nf);
	for (int i = 0, f = 0; i < src->ncols; i++)
		if (src->cols[i].kind == RS_COL_CONTINUOUS || src->cols[i].kind == RS_COL_CATEGORICAL)
			rr->feat[f++] = i;

	t = rs_table_create((int) n, nf, &err);
	if (!t)
		rs_report_core_error(&err, NULL);
	for (int f = 0; f < nf; f++)
	{
		const RsSourceColumn *col = &src->cols[rr->feat[f]];

		t->cols[f].name = pstrdup(col->name);
		t->cols[f].kind = col->kind == RS_COL_CONTINUOUS ? RS_KIND_CONTINUOUS : RS_KIND_CATEGORICAL;
		if (col->kind == RS_COL_CATEGORICAL)
		{
			rr->dicts[f] = cat_dict_create("raresynth categories");
			for (int k = 0; like && k < like->cols[f].n_categories; k++)
			{
				char	   *key = like->cols[f].categories[k];
				CatEntry   *e = hash_search(rr->dicts[f], &key, HASH_ENTER, NULL);

				e->key = key;
				e->index = k;
			}
		}
	}
	return t;
}

/*
 * SPI_connect and open a cursor over the feature columns of the rows of
 * `qualified` whose label is class_value, or (labelled) of every row with
 * a non-NULL label, with "label = class_value" as one more column.  Then
 * check the types of the datums it returns against src's columns and take
 * their value classes and output functions.
 */
static Portal
reader_open_cursor(RowReader *rr, const char *qualified, const char *class_value, bool labelled)
{
	const char *labq = quote_identifier(rr->src->cols[rr->src->label_index].name);
	StringInfoData q;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	SPIPlanPtr	plan;
	Portal		portal;

	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT ");
	for (int f = 0; f < rr->nf; f++)
		appendStringInfo(&q, "%s%s", f ? ", " : "", quote_identifier(rr->src->cols[rr->feat[f]].name));
	if (labelled)
		appendStringInfo(&q, ", %s OPERATOR(pg_catalog.=) $1 FROM %s WHERE %s IS NOT NULL",
						 rs_sql_value_text(labq, rr->src->cols[rr->src->label_index].typid), qualified, labq);
	else
		appendStringInfo(&q, " FROM %s WHERE %s IS NOT NULL AND %s OPERATOR(pg_catalog.=) $1",
						 qualified, labq, rs_sql_value_text(labq, rr->src->cols[rr->src->label_index].typid));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(q.data, 1, argtypes);
	if (plan == NULL)
		elog(ERROR, "could not prepare the class query: %s", SPI_result_code_string(SPI_result));
	args[0] = CStringGetTextDatum(class_value);
	portal = SPI_cursor_open(NULL, plan, args, NULL, true);

	/* the types of the datums the query returns, checked against src's */
	for (int f = 0; f < rr->nf; f++)
	{
		Form_pg_attribute att = TupleDescAttr(portal->tupDesc, f);

		check_column_type(rr->src, &rr->src->cols[rr->feat[f]], rr->relname,
						  att->atttypid, att->atttypmod);
		rr->basetypes[f] = getBaseType(att->atttypid);
		rr->vclasses[f] = rs_value_class(att->atttypid);
		if (rr->dicts[f])
		{
			Oid			outfn;
			bool		varlena;

			getTypeOutputInfo(att->atttypid, &outfn, &varlena);
			fmgr_info_cxt(outfn, &rr->outfns[f], rr->cxt);
		}
	}
	return portal;
}

/*
 * The core's value of a non-NULL datum of feature f: a category's code
 * (first-seen order; with `like`, its code there or n_categories for "not
 * a category"), or the number.
 */
static double
read_cell(RowReader *rr, int f, Datum d)
{
	char	   *s;
	bool		found;
	CatEntry   *e;
	double		v;

	if (rr->dicts[f] == NULL)
		return rs_datum_to_double(d, rr->vclasses[f], rr->basetypes[f]);
	s = OutputFunctionCall(&rr->outfns[f], d);
	e = hash_search(rr->dicts[f], &s, rr->like ? HASH_FIND : HASH_ENTER, &found);
	if (rr->like && !found)
		v = (double) rr->like->cols[f].n_categories;	/* not a category */
	else
	{
		if (!found)
		{
			/* keep the string beyond SPI's memory */
			e->key = MemoryContextStrdup(rr->cxt, s);
			e->index = (int) hash_get_num_entries(rr->dicts[f]) - 1;
			rr->cat_bytes += strlen(s) + 1;
			check_category_bytes(rr, f);
		}
		v = (double) e->index;
	}
	pfree(s);
	return v;
}

/*
 * Fetch the cursor's rows into t (and y: the extra column), 1000 at a
 * time; returns the rows read.  More than n_expected rows is an error.
 */
static int64
reader_fetch(RowReader *rr, Portal portal, rs_table *t, int64 n_expected, int *y)
{
	int64		row = 0;

	for (;;)
	{
		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	td = SPI_tuptable->tupdesc;
			bool		isnull;

			if (row >= n_expected)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("relation \"%s\" changed while it was read", rr->relname)));
			for (int f = 0; f < rr->nf; f++)
			{
				Datum		d = SPI_getbinval(tup, td, f + 1, &isnull);

				RS_CELL(t, row, f) = isnull ? RS_NULL : read_cell(rr, f, d);
			}
			if (y)
				y[row] = DatumGetBool(SPI_getbinval(tup, td, rr->nf + 1, &isnull)) ? 1 : 0;
			row++;
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	return row;
}

/* Column f's categories in text order, its codes renumbered to match. */
static void
finish_categories(rs_table *t, int f, HTAB *dict)
{
	rs_column  *col = &t->cols[f];
	int			k = (int) hash_get_num_entries(dict);
	int		   *remap = palloc(sizeof(int) * Max(k, 1));
	HASH_SEQ_STATUS hs;
	CatEntry   *e;

	col->n_categories = k;
	col->categories = palloc(sizeof(char *) * Max(k, 1));
	hash_seq_init(&hs, dict);
	k = 0;
	while ((e = hash_seq_search(&hs)) != NULL)
		col->categories[k++] = e->key;
	qsort(col->categories, k, sizeof(char *), cmp_cstr_ptr);
	for (int j = 0; j < k; j++)
	{
		char	   *key = col->categories[j];
		CatEntry   *found = hash_search(dict, &key, HASH_FIND, NULL);

		remap[found->index] = j;
	}
	for (int64 r = 0; r < t->n_rows; r++)
		if (!rs_is_null(RS_CELL(t, r, f)))
			RS_CELL(t, r, f) = (double) remap[(int) RS_CELL(t, r, f)];
	hash_destroy(dict);
}

/* Continuous column f's range and whether every value is whole. */
static void
finish_continuous(rs_table *t, int f)
{
	rs_column  *col = &t->cols[f];

	col->integral = 1;
	if (rs_table_column_range(t, f, &col->min, &col->max) == 0)
		col->min = col->max = 0;
	for (int64 r = 0; r < t->n_rows && col->integral; r++)
		if (!rs_is_null(RS_CELL(t, r, f)) && RS_CELL(t, r, f) != floor(RS_CELL(t, r, f)))
			col->integral = 0;
}

/* t's rows (and y with them) in value order (cmp_rows). */
static void
sort_rows(rs_table *t, int *y)
{
	int			nf = t->n_cols;
	int			row = t->n_rows;
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
	RowReader	rr;
	rs_table   *t;
	rs_error	err;
	Portal		portal;
	int64		row;
	int			nestlevel;

	Assert(n_expected >= 0);
	check_read_size(relname, class_value, y != NULL, n_expected, rs_source_n_features(src));
	t = reader_begin(&rr, src, relname, n_expected, like);
	nestlevel = rs_value_text_begin();
	portal = reader_open_cursor(&rr, qualified, class_value, y != NULL);
	row = reader_fetch(&rr, portal, t, n_expected, y);
	SPI_cursor_close(portal);
	SPI_finish();
	rs_value_text_end(nestlevel);

	if (row != n_expected)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation \"%s\" changed while it was read", relname),
				 errdetail("Expected %lld rows of class \"%s\", read %lld.",
						   (long long) n_expected, class_value, (long long) row)));

	/* categories in text order; continuous ranges and integrality */
	if (like && rs_table_copy_specs(t, like, &err) != RS_OK)
		rs_report_core_error(&err, NULL);
	for (int f = 0; f < rr.nf && !like; f++)
	{
		if (rr.dicts[f])
			finish_categories(t, f, rr.dicts[f]);
		else
			finish_continuous(t, f);
	}

	/* rows in value order */
	if (row > 1)
		sort_rows(t, y);
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

rs_table *
rs_source_read_class_coded(const RsSource *src, const char *class_value, const rs_table *like)
{
	int64		n = rs_source_class_count(src, class_value);

	Assert(n >= 0);
	return read_rows(src, src->qualified_name, src->relname, class_value, n, like, NULL);
}

/*
 * Rows of relation qrel whose label, as text, is value, inside SPI: under
 * `snapshot` (read_only true), or with InvalidSnapshot under the current
 * one (read_only true: the one read_rows' cursor will use) or a new one
 * (read_only false: in READ COMMITTED a new one, in REPEATABLE READ and
 * SERIALIZABLE the transaction's).
 */
int64
rs_count_class_rows(const char *qrel, const char *label, Oid labtype, const char *value,
					Snapshot snapshot, bool read_only)
{
	Oid			argtype = TEXTOID;
	Datum		arg = CStringGetTextDatum(value);
	const char *labq = quote_identifier(label);
	SPIPlanPtr	plan = SPI_prepare(psprintf("SELECT pg_catalog.count(*) FROM %s WHERE %s IS NOT NULL AND %s OPERATOR(pg_catalog.=) $1",
										   qrel, labq, rs_sql_value_text(labq, labtype)),
								  1, &argtype);
	int			ret;
	int			nestlevel;
	bool		isnull;

	if (plan == NULL)
		elog(ERROR, "could not prepare count query: %s", SPI_result_code_string(SPI_result));
	nestlevel = rs_value_text_begin();
	ret = SPI_execute_snapshot(plan, &arg, NULL, snapshot, InvalidSnapshot,
							   read_only, false, 1);
	rs_value_text_end(nestlevel);
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
	n = rs_count_class_rows(lr.qualified, src->cols[src->label_index].name,
							src->cols[src->label_index].typid, class_value,
							InvalidSnapshot, true);
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

/* The same, coded like `like` (the public specs of differential privacy). */
rs_table *
rs_source_read_labelled_coded(const RsSource *src, const char *positive, const rs_table *like,
							  int **y_out)
{
	int64		n = src->n_rows - src->n_label_null;

	*y_out = palloc(sizeof(int) * Max(n, 1));
	return read_rows(src, src->qualified_name, src->relname, positive, n, like, *y_out);
}

/* Bytes read_rows holds for n rows of nf features: values, sorted copy, order, y. */
Size
rs_read_bytes(int64 n, int nf)
{
	double		b = (double) n * nf * sizeof(double) * 2 + (double) n * sizeof(int) * 3;

	return b >= (double) MaxAllocHugeSize ? MaxAllocHugeSize : (Size) b;
}

/*
 * The rows of class `value` of label column `label` in the source and
 * already in the target.  The target is locked: a concurrent writer has
 * committed or not started, and in READ COMMITTED the counts see what it
 * wrote.  In REPEATABLE READ and SERIALIZABLE they would not: if a
 * transaction our snapshot does not see wrote rows of that class into the
 * target, fail with a serialization failure rather than count them wrong.
 */
void
rs_count_target_class_rows(const RsTarget *t, const char *label, const char *value,
					 int64 *in_source, int64 *in_target)
{
	Oid			labtype = get_atttype(rs_target_source_relid(t), get_attnum(rs_target_source_relid(t), label));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	*in_source = rs_count_class_rows(rs_target_qsource(t), label, labtype, value, InvalidSnapshot, false);
	*in_target = rs_count_class_rows(rs_target_qname(t), label, labtype, value, InvalidSnapshot, false);
	if (IsolationUsesXactSnapshot() &&
		rs_count_class_rows(rs_target_qname(t), label, labtype, value, GetLatestSnapshot(), true) != *in_target)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to concurrent write of %s", rs_target_qname(t)),
				 errdetail("A transaction this one's snapshot does not see wrote rows of class \"%s\" into the target, so the count of rows to add would miss them.",
						   value),
				 errhint("Retry the transaction, or pass n.")));
	SPI_finish();
}

/*
 * Rows to add to class `value` of label column `label` for 1:1 with the
 * largest class (ratio 0), or for ratio times its rows (ratio in (0, 1],
 * rs_ratio_arg), counting the rows of that class in the source and already
 * in the target (rs_count_target_class_rows).  A ratio is imbalanced-learn's
 * float sampling_strategy: int(ratio * majority - have), truncated as
 * Python's int() does, and refused when that is not positive, as
 * imbalanced-learn refuses it (1:1 adds 0 rows instead).
 */
int64
rs_count_rows_to_balance(const RsTarget *t, const char *label, const char *value,
						  double ratio)
{
	char	   *cq = psprintf("SELECT pg_catalog.max(c) FROM (SELECT pg_catalog.count(*) AS c FROM %s "
							  "WHERE %s IS NOT NULL GROUP BY %s) s",
							  rs_target_qsource(t), quote_identifier(label), quote_identifier(label));
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
	SPI_finish();
	rs_count_target_class_rows(t, label, value, &minority, &in_target);
	if (ratio > 0)
	{
		double		want = ratio * (double) majority - (double) (minority + in_target);

		if (want < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ratio %g needs no new rows of class \"%s\"", ratio, value),
					 errdetail("The largest class has " INT64_FORMAT " rows and class \"%s\" has " INT64_FORMAT
							   " (" INT64_FORMAT " in the source, " INT64_FORMAT " in the target); %g * "
							   INT64_FORMAT " = %g leaves no whole row to add.",
							   majority, value, minority + in_target, minority, in_target,
							   ratio, majority, ratio * (double) majority),
					 errhint("Pass a larger ratio, or n; imbalanced-learn refuses such a ratio too.")));
		return (int64) want;	/* at most majority: no overflow */
	}
	return Max(majority - (minority + in_target), 0);
}

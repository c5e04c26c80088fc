/*
 * dependencies.c
 *	  The functional dependencies of an analysed source (the rule of
 *	  src/core/depend.h, over every row): rs_source_find_dependencies()
 *	  sets each categorical feature's determinant and the profile's
 *	  reasons "determined by" and "determines".  Called by
 *	  rs_source_analyze() once the columns have their kinds.
 *
 * All SQL is built with quote_identifier() and schema-qualified functions
 * and operators.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "depend.h"
#include "raresynth.h"

/*
 * At most this many categorical features (the first, in column order)
 * take part in the dependency search: one scan of the source per column
 * that may determine others.
 */
#define RS_DEPEND_MAX_COLUMNS 100

/* Append a part to a column's reason, after "; " when it has one. */
static void
append_reason(RsSourceColumn *col, const char *part)
{
	col->reason = col->reason ? psprintf("%s; %s", col->reason, part) : pstrdup(part);
}

/*
 * Whether column a fixes column b on every row of the source, for the n
 * columns bs[]: fixed[k] for bs[k].  One query, grouping by a (NULL one
 * group, a value like any other): in a group, b has one value when all
 * its rows are NULL, or none is and the least value equals the greatest
 * (booleans: bool_and equals bool_or).  Inside SPI.
 */
static void
columns_fixed_by(const RsSource *src, int a, const int *bs, int n, bool *fixed)
{
	StringInfoData q;
	int			ret;

	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT ");
	for (int k = 0; k < n; k++)
		appendStringInfo(&q, "%spg_catalog.bool_and(f%d)", k ? ", " : "", k);
	appendStringInfoString(&q, " FROM (SELECT ");
	for (int k = 0; k < n; k++)
	{
		const RsSourceColumn *b = &src->cols[bs[k]];
		const char *bq = quote_identifier(b->name);
		bool		is_bool = (b->vclass == RS_VAL_BOOL);

		appendStringInfo(&q, "%s(pg_catalog.count(%s) OPERATOR(pg_catalog.=) 0 OR "
						 "(pg_catalog.count(%s) OPERATOR(pg_catalog.=) pg_catalog.count(*) AND "
						 "pg_catalog.%s(%s) OPERATOR(pg_catalog.=) pg_catalog.%s(%s))) AS f%d",
						 k ? ", " : "", bq, bq, is_bool ? "bool_and" : "min", bq,
						 is_bool ? "bool_or" : "max", bq, k);
	}
	appendStringInfo(&q, " FROM %s GROUP BY %s) s", src->qualified_name,
					 quote_identifier(src->cols[a].name));
	ret = SPI_execute(q.data, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "raresynth dependency query failed: %s", SPI_result_code_string(ret));
	for (int k = 0; k < n; k++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, k + 1, &isnull);

		fixed[k] = !isnull && DatumGetBool(d);
	}
	SPI_freetuptable(SPI_tuptable);
	pfree(q.data);
}

/*
 * Functional dependencies between the categorical features (depend.h),
 * over every row of the source.  Each column's distinct values, NULL
 * counted as one, come from the statistics; a pair is looked at only
 * where the rule's cheap part holds (rs_depend_holds with n_ab = n_a),
 * with one query per column a for all its pairs (columns_fixed_by).  a
 * fixing b means n_ab = n_a, and else n_ab > n_a.  Sets determinant and
 * the reasons "determined by" and "determines".
 */
void
rs_source_find_dependencies(RsSource *src)
{
	int		   *cand = palloc(sizeof(int) * Max(src->ncols, 1));
	int			m = 0;
	int64	   *n_values;
	uint8_t    *holds;
	int		   *det;
	int		   *bs;
	int		   *which;
	bool	   *fixed;
	bool		connected = false;

	for (int i = 0; i < src->ncols && m < RS_DEPEND_MAX_COLUMNS; i++)
		if (src->cols[i].kind == RS_COL_CATEGORICAL)
			cand[m++] = i;
	if (m < 2)
		return;
	n_values = palloc(sizeof(int64) * m);
	holds = palloc0((Size) m * m);
	det = palloc(sizeof(int) * m);
	bs = palloc(sizeof(int) * m);
	which = palloc(sizeof(int) * m);
	fixed = palloc(sizeof(bool) * m);
	for (int a = 0; a < m; a++)
		n_values[a] = src->cols[cand[a]].n_distinct + (src->cols[cand[a]].n_null > 0 ? 1 : 0);

	for (int a = 0; a < m; a++)
	{
		int			n = 0;

		for (int b = 0; b < m; b++)
			if (b != a && rs_depend_holds(src->n_rows, n_values[a], n_values[b], n_values[a]))
			{
				which[n] = b;
				bs[n++] = cand[b];
			}
		if (n == 0)
			continue;
		CHECK_FOR_INTERRUPTS();
		if (!connected && SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		connected = true;
		columns_fixed_by(src, cand[a], bs, n, fixed);
		for (int k = 0; k < n; k++)
			holds[a * m + which[k]] = (uint8_t)
				rs_depend_holds(src->n_rows, n_values[a], n_values[which[k]],
								fixed[k] ? n_values[a] : n_values[a] + 1);
	}
	if (connected)
		SPI_finish();

	rs_depend_choose(m, holds, n_values, det);
	for (int b = 0; b < m; b++)
	{
		RsSourceColumn *col = &src->cols[cand[b]];

		if (det[b] < 0)
			continue;
		col->determinant = cand[det[b]];
		append_reason(col, psprintf("determined by \"%s\"", src->cols[col->determinant].name));
	}
	for (int a = 0; a < m; a++)
	{
		StringInfoData d;

		initStringInfo(&d);
		for (int b = 0; b < m; b++)
			if (det[b] == a)
				appendStringInfo(&d, "%s\"%s\"", d.len ? ", " : "determines ", src->cols[cand[b]].name);
		if (d.len)
			append_reason(&src->cols[cand[a]], d.data);
	}
}

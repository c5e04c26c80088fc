/*
 * smote.c
 *	  raresynth_smote(): the baseline.  SMOTE (SMOTE-NC where there are
 *	  categorical columns) on the minority rows, written to <source>_smote.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "raresynth.h"
#include "smote.h"

/* RsRowNext over the rows of a decoded table */
typedef struct TableRows
{
	RsRowMaker *rm;
	const rs_table *t;
	int			next;
} TableRows;

static bool
table_next(void *arg, Datum *values, bool *nulls)
{
	TableRows  *tr = arg;

	if (tr->next >= tr->t->n_rows)
		return false;
	rs_rowmaker_fill(tr->rm, tr->t, tr->next++, values, nulls);
	return true;
}

/*
 * Refuse, before anything is written, SMOTE on a class of fewer than 2
 * rows or for more rows than one call makes.
 */
void
rs_smote_check_class(const RsSource *src, const char *class_value, int64 n)
{
	if (rs_source_class_count(src, class_value) < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("SMOTE needs at least 2 rows of class \"%s\", there is 1", class_value),
				 errhint("SMOTE interpolates between a row and its neighbours; train the GAN instead.")));
	if (n > PG_INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("n is too large for one SMOTE call (" INT64_FORMAT ")", n)));
}

/*
 * Write n SMOTE rows of class class_value of src, with k neighbours and
 * seed, to the open target t (rs_smote_check_class done); returns the
 * rows written.  raresynth_smote() and raresynth_balance() run SMOTE
 * through it.
 */
int64
rs_smote_into(const RsSource *src, const RsTarget *t, const char *class_value, int64 n, int k,
			  uint64 seed)
{
	TableRows	tr;
	int			k_used;
	rs_table   *rows,
			   *syn;
	rs_model_meta meta;
	rs_rng		rng;
	rs_error	err;
	int64		written;
	MemoryContext cxt,
				old;

	{
		RsJobShape	job = {.job = RS_JOB_SMOTE, .class_value = class_value, .n_new = n, .k = k};

		rs_check_memory(src, &job);
	}
	cxt = AllocSetContextCreate(CurrentMemoryContext, "raresynth smote", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	rs_source_meta(src, class_value, seed, &meta);
	rows = rs_source_read_class(src, class_value);
	rs_rng_seed(&rng, seed);
	syn = rs_smote(rows, (int) n, k, &rng, &k_used, &err);
	if (!syn)
		rs_report_core_error(&err, "SMOTE failed");
	if (k_used < k)
		ereport(NOTICE,
				(errmsg("class \"%s\" has %d rows: SMOTE uses %d neighbours instead of %d",
						class_value, rows->n_rows, k_used, k)));
	tr.rm = rs_rowmaker_create_meta(rs_target_tupdesc(t), &meta, rows, "smote",
									src->qualified_name);
	tr.t = syn;
	tr.next = 0;
	written = rs_target_write(t, table_next, &tr);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return written;
}

/*
 * raresynth_smote(source regclass, label name, n bigint, k int,
 *				   target text, seed bigint, minority text, ratio float8, keys jsonb)
 *	  returns bigint; n and ratio NULL: 1:1 (rs_count_rows_to_balance);
 *	  keys: values for excluded columns (keys.c)
 */
PG_FUNCTION_INFO_V1(raresynth_smote);
Datum
raresynth_smote(PG_FUNCTION_ARGS)
{
	RsSource   *src;
	RsTarget   *t;
	char	   *label;
	char	   *minority;
	const char *target;
	int64		n;
	double		ratio;
	int			k;
	uint64		seed;
	rs_model_meta meta;
	int64		written;

	PreventCommandIfReadOnly("raresynth_smote()");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source and label must not be NULL")));
	label = NameStr(*PG_GETARG_NAME(1));
	k = rs_option_arg(fcinfo, 3, "k");
	if (!PG_ARGISNULL(2) && (PG_GETARG_INT64(2) < 0 || PG_GETARG_INT64(2) > RS_MAX_SAMPLE_ROWS))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must be between 0 and " INT64_FORMAT, RS_MAX_SAMPLE_ROWS)));
	ratio = rs_ratio_arg(fcinfo, 7, 2);
	target = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	seed = rs_seed_arg(fcinfo, 5);

	src = rs_source_analyze(PG_GETARG_OID(0), label, NULL, NULL);
	minority = rs_source_minority(src, PG_ARGISNULL(6) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(6)));
	rs_smote_check_class(src, minority, 0);
	rs_source_meta(src, minority, seed, &meta);
	t = rs_target_open_keys(src->relid, target, "_smote", &meta, false, NULL,
							PG_NARGS() > 8 && !PG_ARGISNULL(8) ? PG_GETARG_JSONB_P(8) : NULL);
	n = PG_ARGISNULL(2) ? rs_count_rows_to_balance(t, label, minority, ratio) : PG_GETARG_INT64(2);
	rs_smote_check_class(src, minority, n);
	written = rs_smote_into(src, t, minority, n, k, seed);
	rs_target_finish(t);
	PG_RETURN_INT64(written);
}

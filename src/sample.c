/*
 * sample.c
 *	  The row stream (rs_row_stream_*): synthetic minority rows of a model
 *	  as datums, generated in batches, memory flat in n; and
 *	  raresynth_sample(), which returns them typed like the model's source
 *	  (value-per-call).  raresynth_synthesize() writes the same stream
 *	  through write.c (rs_target_write).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "given.h"
#include "model.h"
#include "raresynth.h"

#define RS_SAMPLE_BATCH 2048

/*
 * A stream of synthetic rows: the one place that asks the core for rows
 * (RS_SAMPLE_BATCH at a time, fewer when work_mem asks) and turns them
 * into datums
 * (rs_rowmaker_fill).  raresynth_sample() returns its rows one per call;
 * raresynth_synthesize() hands them to rs_target_write (write.c).
 *
 * Pipelined: while the caller consumes batch i, the core's worker threads
 * generate batch i + 1 into the other buffer (rs_model_generate_start /
 * _wait).  The workers never touch PostgreSQL; a reset callback on the
 * stream's memory context waits for them, so an error or a cancel cannot
 * free a buffer they are writing.
 */
struct RsRowStream
{
	const rs_model *m;
	RsRowMaker *rm;
	rs_rng		rng;
	const rs_given *given;		/* the conditions (given.h), or NULL */
	int			batch_rows;		/* rows per batch: RS_SAMPLE_BATCH or fewer
								 * (rs_model_plan_sampling) */
	float	   *buf[2];			/* batch_rows x dim each */
	int			cur;			/* buffer being generated into */
	int			pending;		/* rows being generated into buf[cur] */
	rs_table   *batch;			/* decoded rows */
	int			pos;			/* next row of batch to return */
	int			len;			/* rows in batch */
	int64		remaining;		/* rows not yet started */
	MemoryContext batchcxt;		/* the core's allocations for one batch */
	MemoryContextCallback cleanup;	/* waits for the workers */
};

typedef struct SampleState
{
	RsRowStream *rs;
	TupleDesc	desc;
	Datum	   *values;
	bool	   *nulls;
} SampleState;

/* Memory context callback: no worker may outlive the stream's buffers. */
static void
row_stream_wait(void *arg)
{
	RsRowStream *rs = arg;

	if (rs->pending > 0)
		rs_model_generate_wait(rs->m);
	rs->pending = 0;
}

/* Start generating the next batch into buf[cur] (nothing if none is left). */
static void
row_stream_start(RsRowStream *rs)
{
	int			b = (int) Min(rs->remaining, rs->batch_rows);
	rs_error	err;

	if (b <= 0)
		return;
	if ((rs->given ? rs_given_generate_start(rs->given, b, rs->buf[rs->cur], &rs->rng, &err)
		 : rs_model_generate_start(rs->m, b, NULL, rs->buf[rs->cur], &rs->rng, &err)) != RS_OK)
		rs_report_core_error(&err, "could not sample");
	rs->pending = b;
	rs->remaining -= b;
}

/*
 * Plan the stream's memory (rs_model_plan_sampling) within work_mem: the
 * two batches in flight (of at most n rows), the decoded batch and the
 * sampler's per-thread buffers.  Error 54000 if not even one row at a time
 * fits.
 */
static int
plan_batch_rows(const rs_model *m, const char *model_name, int64 n)
{
	rs_sample_plan plan;
	rs_error	err;
	int			max_batch = (int) Max(1, Min(n, RS_SAMPLE_BATCH));

	if (rs_model_plan_sampling(m, (size_t) work_mem * 1024, max_batch, &plan, &err) == RS_OK)
		return plan.batch_rows;
	if (err.code == RS_ERR_NOMEM && plan.min_bytes > 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model \"%s\" cannot sample within work_mem", model_name),
				 errdetail("Generating one row at a time on one thread needs %zu kB for rows of %d encoded values; work_mem is %d kB.",
						   (plan.min_bytes + 1023) / 1024, rs_encoder_dim(m->enc), work_mem),
				 errhint("Raise work_mem to at least %zu kB.", (plan.min_bytes + 1023) / 1024)));
	rs_report_core_error(&err, "could not sample");
}

/*
 * Start a stream of n rows of model m shaped like desc (which must have the
 * model's source columns: rs_rowmaker_create checks), from seed; given is
 * raresynth_sample's conditioning object or NULL.  Memory comes from the
 * model's context (see below); it is flat in n and bounded by work_mem
 * (plan_batch_rows).
 */
RsRowStream *
rs_row_stream_begin(const rs_model *m, TupleDesc desc, const char *model_name,
					const char *source_name, Jsonb *given, uint64 seed, int64 n)
{
	/*
	 * The stream lives in the model's memory context, with the sampler's
	 * buffers: everything the workers write to is then freed with that
	 * context, whose reset callback waits for them first.  (A callback on
	 * the caller's context would not do: that context can outlive the
	 * model's on an error, e.g. an SPI context.)
	 */
	MemoryContext mcxt = GetMemoryChunkContext((void *) m);
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	RsRowStream *rs = palloc0(sizeof(RsRowStream));
	rs_error	err;

	rs->m = m;
	rs->rm = rs_rowmaker_create(desc, m, model_name, source_name);
	if (given)
		rs->given = rs_parse_given(given, m, model_name, desc);
	rs_rng_seed(&rs->rng, seed);
	rs->batch_rows = plan_batch_rows(m, model_name, n);
	for (int i = 0; i < 2; i++)
		rs->buf[i] = palloc_extended(mul_size(sizeof(float) * rs->batch_rows, rs_encoder_dim(m->enc)),
									 MCXT_ALLOC_HUGE);
	rs->batch = rs_table_create(rs->batch_rows, m->specs->n_cols, &err);
	if (!rs->batch || rs_table_copy_specs(rs->batch, m->specs, &err) != RS_OK)
		rs_report_core_error(&err, NULL);
	rs->remaining = n;
	rs->batchcxt = AllocSetContextCreate(mcxt, "raresynth sample batch",
										 ALLOCSET_DEFAULT_SIZES);
	rs->cleanup.func = row_stream_wait;
	rs->cleanup.arg = rs;
	MemoryContextRegisterResetCallback(mcxt, &rs->cleanup);
	row_stream_start(rs);
	MemoryContextSwitchTo(old);
	return rs;
}

/*
 * Take the next batch: wait for it, start the one after (into the other
 * buffer, whose rows were decoded last time), then decode this one while
 * the workers generate.
 */
static void
row_stream_next_batch(RsRowStream *rs)
{
	int			b = rs->pending,
				ready = rs->cur;
	rs_error	err;
	MemoryContext old;

	CHECK_FOR_INTERRUPTS();
	rs_model_generate_wait(rs->m);
	rs->pending = 0;
	rs->cur ^= 1;
	row_stream_start(rs);
	MemoryContextReset(rs->batchcxt);
	old = MemoryContextSwitchTo(rs->batchcxt);
	if ((rs->given ? rs_given_decode(rs->given, b, rs->buf[ready], rs->batch, 0, &err)
		 : rs_model_decode(rs->m, b, rs->buf[ready], rs->batch, 0, &err)) != RS_OK)
		rs_report_core_error(&err, "could not sample");
	MemoryContextSwitchTo(old);
	rs->pos = 0;
	rs->len = b;
}

/*
 * Fill values/nulls (one per attribute of the stream's desc, dropped ones
 * included) with the next row; false when all n rows have been returned.
 * Pass-by-reference values (numeric, domains) are allocated in
 * CurrentMemoryContext: the caller decides how long they live.
 */
bool
rs_row_stream_next(RsRowStream *rs, Datum *values, bool *nulls)
{
	if (rs->pos >= rs->len)
	{
		if (rs->pending <= 0)
			return false;
		row_stream_next_batch(rs);
	}
	rs_rowmaker_fill(rs->rm, rs->batch, rs->pos++, values, nulls);
	return true;
}

/* Release the stream's batch memory (the rest goes with its context). */
void
rs_row_stream_end(RsRowStream *rs)
{
	row_stream_wait(rs);
	MemoryContextDelete(rs->batchcxt);
	rs->batchcxt = NULL;
}

/*
 * In FROM, raresynth_sample is run to the end by the function scan, which
 * keeps its rows in a tuplestore (temporary files past work_mem) before
 * the query reads the first one, so a LIMIT does not stop it.  Refuse an n
 * whose rows would exceed temp_file_limit there, estimating a row as the
 * tuplestore writes it from the row type and the model's category texts.  Only the function scan offers
 * SFRM_Materialize_Preferred; the select list (ProjectSet) streams and is
 * never refused.
 */
static void
check_materialized_size(FunctionCallInfo fcinfo, TupleDesc desc, const rs_model *m, int64 n)
{
	ReturnSetInfo *rsi = (ReturnSetInfo *) fcinfo->resultinfo;
	double		row = 0;
	double		kb;
	int			src = 0;

	if (temp_file_limit < 0 || !rsi || !IsA(rsi, ReturnSetInfo) ||
		!(rsi->allowedModes & SFRM_Materialize_Preferred))
		return;
	/* a category's, or the label's, text is known; other values by type */
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		int			role,
					width;

		if (att->attisdropped || src >= m->meta.n_source_cols)
			continue;
		role = m->meta.source_role[src++];
		if (role == RS_ROLE_EXCLUDED)
			continue;			/* always NULL */
		width = get_typavgwidth(att->atttypid, att->atttypmod);
		if (att->attlen == -1 && role == RS_ROLE_LABEL)
			width = VARHDRSZ + strlen(m->meta.minority);
		else if (att->attlen == -1 && m->specs->cols[role].kind == RS_KIND_CATEGORICAL)
		{
			width = VARHDRSZ;
			for (int k = 0; k < m->specs->cols[role].n_categories; k++)
				width = Max(width, VARHDRSZ + (int) strlen(m->specs->cols[role].categories[k]));
		}
		row = att_align_nominal(row, att->attalign) + width;
	}
	/* the tuplestore writes a length word and a minimal tuple per row */
	row += sizeof(uint32) + MAXALIGN(SizeofMinimalTupleHeader + BITMAPLEN(desc->natts));
	kb = row * (double) n / 1024.0;
	if (kb > (double) temp_file_limit && kb > (double) work_mem)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("raresynth_sample() in FROM would write about %.0f kB of temporary files, more than temp_file_limit (%d kB)",
						kb, temp_file_limit),
				 errdetail("A set-returning function in FROM is run to the end and its %lld rows are stored before the query reads the first one, even under a LIMIT.",
						   (long long) n),
				 errhint("Call it in the select list, which streams and stops at a LIMIT: SELECT (raresynth_sample(...)).* LIMIT n; or write the rows into a table with raresynth_synthesize().")));
}

/*
 * raresynth_sample(model name, n bigint, rowtype anyelement, seed bigint,
 *					given jsonb, version integer) returns setof anyelement:
 * rows of the deployed version of model, or of the version named
 */
PG_FUNCTION_INFO_V1(raresynth_sample);
Datum
raresynth_sample(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	SampleState *st;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		char	   *model_name;
		int64		n;
		TupleDesc	desc;
		RsStoredModel *sm;
		rs_model   *m;

		if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("model and n must not be NULL")));
		model_name = NameStr(*PG_GETARG_NAME(0));
		n = PG_GETARG_INT64(1);
		if (n < 0 || n > RS_MAX_SAMPLE_ROWS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("n must be between 0 and " INT64_FORMAT, RS_MAX_SAMPLE_ROWS),
					 errhint("Call raresynth_sample() several times for more rows.")));

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("rowtype must be a row type"),
					 errhint("Pass NULL cast to the source table's type, e.g. NULL::heart.")));

		st = palloc0(sizeof(SampleState));
		sm = rs_catalog_load_model(model_name, rs_version_arg(fcinfo, 5, false));
		m = rs_model_from_state(sm);
		st->desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		if (rs_describe_mismatch(st->desc, m) == NULL)
			check_materialized_size(fcinfo, st->desc, m, n);
		st->rs = rs_row_stream_begin(m, st->desc, model_name, sm->source,
									 PG_ARGISNULL(4) ? NULL : PG_GETARG_JSONB_P(4),
									 rs_seed_arg(fcinfo, 3), n);
		st->values = palloc(sizeof(Datum) * st->desc->natts);
		st->nulls = palloc(sizeof(bool) * st->desc->natts);
		funcctx->user_fctx = st;
		MemoryContextSwitchTo(old);
	}

	funcctx = SRF_PERCALL_SETUP();
	st = funcctx->user_fctx;
	if (!rs_row_stream_next(st->rs, st->values, st->nulls))
	{
		rs_row_stream_end(st->rs);
		SRF_RETURN_DONE(funcctx);
	}
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(st->desc, st->values, st->nulls)));
}

/*
 * sample.c
 *	  The row stream (rs_row_stream_*): synthetic minority rows of a model
 *	  as datums, generated in batches, memory flat in n; and
 *	  raresynth_sample(), which returns them typed like the model's source
 *	  (value-per-call).  rs_write_synthetic() reads the same stream.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "model.h"
#include "raresynth.h"

#define RS_SAMPLE_BATCH 2048

/*
 * A stream of synthetic rows: the one place that asks the core for rows
 * (RS_SAMPLE_BATCH at a time) and turns them into datums
 * (rs_rowmaker_fill).  raresynth_sample() returns its rows one per call;
 * rs_write_synthetic() stores them straight into a table.
 *
 * Pipelined: while the caller consumes batch i, the core's worker threads
 * generate batch i + 1 into the other buffer (rs_model_generate_start /
 * _finish).  The workers never touch PostgreSQL; a reset callback on the
 * stream's memory context waits for them, so an error or a cancel cannot
 * free a buffer they are writing.
 */
struct RsRowStream
{
	const rs_model *m;
	RsRowMaker *rm;
	rs_rng		rng;
	const int  *given;			/* per condition span: category or -1; or NULL */
	float	   *buf[2];			/* RS_SAMPLE_BATCH x dim each */
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

/* given jsonb: {"column": value} fixes one categorical column by conditioning. */
static int *
parse_given(Jsonb *given, const rs_model *m, const char *model_name)
{
	int			n_cond = rs_gan_n_cond_spans(m->gan);
	int		   *cond = palloc(sizeof(int) * Max(n_cond, 1));
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken r;
	int			n_keys = 0;
	const rs_span *spans = rs_encoder_spans(m->enc);

	for (int k = 0; k < n_cond; k++)
		cond[k] = -1;
	if (!JB_ROOT_IS_OBJECT(given))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("given must be a JSON object such as {\"sex\": \"Female\"}")));
	it = JsonbIteratorInit(&given->root);
	while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key,
				   *val;
		int			col = -1,
					span,
					k,
					cat = -1;
		const rs_column *spec;

		if (r != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		JsonbIteratorNext(&it, &v, true);
		if (++n_keys > 1)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("given may fix only one column"),
					 errhint("The generator is conditioned on one categorical column at a time.")));
		for (int c = 0; c < m->specs->n_cols; c++)
			if (strcmp(m->specs->cols[c].name, key) == 0)
				col = c;
		if (col < 0 || m->specs->cols[col].kind != RS_KIND_CATEGORICAL)
		{
			StringInfoData d;

			initStringInfo(&d);
			for (int c = 0; c < m->specs->n_cols; c++)
				if (m->specs->cols[c].kind == RS_KIND_CATEGORICAL)
					appendStringInfo(&d, "%s%s", d.len ? ", " : "", m->specs->cols[c].name);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("given names \"%s\", which is not a categorical column of model \"%s\"",
							key, model_name),
					 errhint("Categorical columns: %s.", d.len ? d.data : "none")));
		}
		spec = &m->specs->cols[col];
		if (v.type == jbvString)
			val = pnstrdup(v.val.string.val, v.val.string.len);
		else if (v.type == jbvNumeric)
			val = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
		else if (v.type == jbvBool)
			val = v.val.boolean ? "t" : "f";
		else if (v.type == jbvNull)
			val = NULL;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("given value for \"%s\" must be a string, number, boolean or null", key)));
		if (val == NULL)
		{
			if (rs_encoder_column_has_null(m->enc, col))
				cat = spec->n_categories;	/* the NULL slot */
		}
		else
			for (int j = 0; j < spec->n_categories; j++)
				if (strcmp(spec->categories[j], val) == 0)
					cat = j;
		if (cat < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value %s%s%s of \"%s\" was not seen in training",
							val ? "\"" : "", val ? val : "NULL", val ? "\"" : "", key),
					 errhint("A model generates only values it learned.")));
		span = rs_encoder_column_span(m->enc, col);
		k = 0;
		for (int s = 0; s < span; s++)
			k += spans[s].is_condition ? 1 : 0;
		cond[k] = cat;
	}
	return cond;
}

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
	int			b = (int) Min(rs->remaining, RS_SAMPLE_BATCH);
	rs_error	err;

	if (b <= 0)
		return;
	if (rs_model_generate_start(rs->m, b, rs->given, rs->buf[rs->cur], &rs->rng,
								&err) != RS_OK)
		rs_report_core_error(&err, "could not sample");
	rs->pending = b;
	rs->remaining -= b;
}

/*
 * Start a stream of n rows of model m shaped like desc (which must have the
 * model's source columns: rs_rowmaker_create checks), from seed; given is
 * raresynth_sample's conditioning object or NULL.  Memory comes from the
 * model's context (see below); its use is flat in n.
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
		rs->given = parse_given(given, m, model_name);
	rs_rng_seed(&rs->rng, seed);
	for (int i = 0; i < 2; i++)
		rs->buf[i] = palloc(sizeof(float) * RS_SAMPLE_BATCH * rs_encoder_dim(m->enc));
	rs->batch = rs_table_create(RS_SAMPLE_BATCH, m->specs->n_cols, &err);
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
	if (rs_model_decode(rs->m, b, rs->buf[ready], rs->batch, 0, &err) != RS_OK)
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
 * raresynth_sample(model name, n bigint, rowtype anyelement, seed bigint,
 *					given jsonb) returns setof anyelement
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
		sm = rs_catalog_load_model(model_name);
		m = rs_model_from_state(sm);
		st->desc = BlessTupleDesc(CreateTupleDescCopy(desc));
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

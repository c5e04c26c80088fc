/*
 * train.c
 *	  raresynth_train(): read the minority rows of a table, fit the encoder,
 *	  train the GAN with progress and interrupts, and store the model in
 *	  raresynth.models.
 */
#include "postgres.h"

#include <cblas.h>
#include <time.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#include "model.h"
#include "raresynth.h"

#define RS_MAX_EPOCHS 100000
#define RS_WEAK_ROWS 50			/* fewer minority rows: warn the model is weak */
#define RS_PROGRESS_SECONDS 10.0

/* Options a caller can set through `options jsonb`. */
static const char *const option_names[] = {
	"embedding_dim", "generator_dims", "discriminator_dims", "pac", "lr",
	"generator_lr", "discriminator_lr", "gp_lambda", "tau",
	"discriminator_steps", "beta1", "beta2", "weight_decay", "dropout",
	"moment_weight", "max_modes", NULL
};

static char *
option_list(void)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; option_names[i]; i++)
		appendStringInfo(&s, "%s%s", i ? ", " : "", option_names[i]);
	return s.data;
}

static double
jsonb_number(const char *key, JsonbValue *v)
{
	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a number", key)));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

static int
jsonb_int(const char *key, JsonbValue *v, int lo, int hi)
{
	double		d = jsonb_number(key, v);

	if (d != floor(d) || d < lo || d > hi)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an integer between %d and %d", key, lo, hi)));
	return (int) d;
}

/* An array of 1..RS_GAN_MAX_LAYERS widths. */
static int
jsonb_dims(const char *key, JsonbValue *v, int *dims)
{
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken r;
	int			n = 0;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an array of layer widths, e.g. [256, 256]", key)));
	it = JsonbIteratorInit(v->val.binary.data);
	while ((r = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		if (r != WJB_ELEM)
			continue;
		if (n >= RS_GAN_MAX_LAYERS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" may list at most %d layers", key, RS_GAN_MAX_LAYERS)));
		dims[n++] = jsonb_int(key, &e, 1, 4096);
	}
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must list at least one layer", key)));
	return n;
}

/* Apply `options` to cfg and *max_modes; unknown keys and bad types are errors. */
static void
parse_options(Jsonb *opts, rs_gan_config *cfg, int *max_modes)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken r;

	if (opts == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(opts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options must be a JSON object"),
				 errhint("Valid options: %s.", option_list())));
	it = JsonbIteratorInit(&opts->root);
	while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;

		if (r != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		r = JsonbIteratorNext(&it, &v, true);
		Assert(r == WJB_VALUE);

		if (strcmp(key, "embedding_dim") == 0)
			cfg->embedding_dim = jsonb_int(key, &v, 1, 4096);
		else if (strcmp(key, "generator_dims") == 0)
			cfg->n_gen_dims = jsonb_dims(key, &v, cfg->gen_dims);
		else if (strcmp(key, "discriminator_dims") == 0)
			cfg->n_dis_dims = jsonb_dims(key, &v, cfg->dis_dims);
		else if (strcmp(key, "pac") == 0)
			cfg->pac = jsonb_int(key, &v, 1, 1000);
		else if (strcmp(key, "lr") == 0)
			cfg->lr_g = cfg->lr_d = jsonb_number(key, &v);
		else if (strcmp(key, "generator_lr") == 0)
			cfg->lr_g = jsonb_number(key, &v);
		else if (strcmp(key, "discriminator_lr") == 0)
			cfg->lr_d = jsonb_number(key, &v);
		else if (strcmp(key, "gp_lambda") == 0)
			cfg->gp_lambda = jsonb_number(key, &v);
		else if (strcmp(key, "tau") == 0)
			cfg->tau = jsonb_number(key, &v);
		else if (strcmp(key, "discriminator_steps") == 0)
			cfg->discriminator_steps = jsonb_int(key, &v, 1, 100);
		else if (strcmp(key, "beta1") == 0)
			cfg->beta1 = jsonb_number(key, &v);
		else if (strcmp(key, "beta2") == 0)
			cfg->beta2 = jsonb_number(key, &v);
		else if (strcmp(key, "weight_decay") == 0)
			cfg->weight_decay = jsonb_number(key, &v);
		else if (strcmp(key, "dropout") == 0)
			cfg->dropout = jsonb_number(key, &v);
		else if (strcmp(key, "moment_weight") == 0)
			cfg->moment_weight = jsonb_number(key, &v);
		else if (strcmp(key, "max_modes") == 0)
			*max_modes = jsonb_int(key, &v, 1, RS_MAX_MODES);
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown option \"%s\"", key),
					 errhint("Valid options: %s.", option_list())));
	}
}

/* The hyper-parameters in force, as stored in raresynth.models.options. */
static char *
options_json(const rs_gan_config *cfg, int max_modes, int epochs)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfo(&s, "{\"epochs\": %d, \"batch_size\": %d, \"embedding_dim\": %d, \"generator_dims\": [",
					 epochs, cfg->batch_size, cfg->embedding_dim);
	for (int i = 0; i < cfg->n_gen_dims; i++)
		appendStringInfo(&s, "%s%d", i ? ", " : "", cfg->gen_dims[i]);
	appendStringInfoString(&s, "], \"discriminator_dims\": [");
	for (int i = 0; i < cfg->n_dis_dims; i++)
		appendStringInfo(&s, "%s%d", i ? ", " : "", cfg->dis_dims[i]);
	appendStringInfo(&s, "], \"pac\": %d, \"generator_lr\": %g, \"discriminator_lr\": %g, "
					 "\"gp_lambda\": %g, \"tau\": %g, \"discriminator_steps\": %d, "
					 "\"beta1\": %g, \"beta2\": %g, \"weight_decay\": %g, \"dropout\": %g, "
					 "\"moment_weight\": %g, \"max_modes\": %d, \"threads\": %d}",
					 cfg->pac, cfg->lr_g, cfg->lr_d, cfg->gp_lambda, cfg->tau,
					 cfg->discriminator_steps, cfg->beta1, cfg->beta2,
					 cfg->weight_decay, cfg->dropout, cfg->moment_weight, max_modes,
					 rs_threads);
	return s.data;
}

/* [{"name": ..., "type": ..., "kind": ..., "reason": ...}, ...] */
static char *
columns_json(const RsSource *src)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoChar(&s, '[');
	for (int i = 0; i < src->ncols; i++)
	{
		const RsSourceColumn *c = &src->cols[i];

		appendStringInfoString(&s, i ? ", {\"name\": " : "{\"name\": ");
		escape_json(&s, c->name);
		appendStringInfoString(&s, ", \"type\": ");
		escape_json(&s, c->typname);
		appendStringInfoString(&s, ", \"kind\": ");
		escape_json(&s, rs_column_kind_name(c->kind));
		appendStringInfoString(&s, ", \"reason\": ");
		if (c->reason && c->kind == RS_COL_EXCLUDED)
			escape_json(&s, c->reason);
		else
			appendStringInfoString(&s, "null");
		appendStringInfoChar(&s, '}');
	}
	appendStringInfoChar(&s, ']');
	return s.data;
}

static void
format_seconds(StringInfo s, double sec)
{
	if (sec < 90)
		appendStringInfo(s, "%.1f s", sec);
	else if (sec < 5400)
		appendStringInfo(s, "%d min %d s", (int) (sec / 60), (int) sec % 60);
	else
		appendStringInfo(s, "%d h %d min", (int) (sec / 3600), ((int) sec % 3600) / 60);
}

static uint64
random_seed(void)
{
	uint64		seed;

	if (!pg_strong_random(&seed, sizeof(seed)))
		seed = (uint64) time(NULL) * UINT64CONST(0x9E3779B97F4A7C15);
	return seed & UINT64CONST(0x7FFFFFFFFFFFFFFF);
}

/* Model meta: every source column with its role in the model. */
static void
build_meta(rs_model_meta *meta, const RsSource *src, const char *minority, uint64 seed)
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
 * raresynth_train(source regclass, label name, minority text, model name,
 *				   epochs int, batch_size int, seed bigint, exclude name[],
 *				   options jsonb)
 *	 returns table (model name, minority text, rows bigint, columns int,
 *					epochs int, seconds float8, seed bigint)
 */
PG_FUNCTION_INFO_V1(raresynth_train);
Datum
raresynth_train(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *label;
	char	   *minority;
	char	   *model_name;
	int			epochs;
	int			max_modes = RS_MAX_MODES;
	uint64		seed;
	rs_gan_config cfg;
	RsSource   *src;
	rs_table   *rows;
	rs_model	model;
	rs_rng		rng;
	rs_error	err;
	float	   *encoded;
	double	   *loss_g,
			   *loss_d;
	instr_time	start,
				now;
	double		last_report = -RS_PROGRESS_SECONDS;
	double		seconds;
	uint8_t    *state;
	size_t		state_len;
	MemoryContext traincxt,
				oldcxt;
	StringInfoData losses;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[7];
	bool		nulls[7] = {0};
	NameData	model_nd;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source and label must not be NULL")));
	relid = PG_GETARG_OID(0);
	label = pstrdup(NameStr(*PG_GETARG_NAME(1)));
	epochs = PG_ARGISNULL(4) ? 300 : PG_GETARG_INT32(4);
	if (epochs < 1 || epochs > RS_MAX_EPOCHS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("epochs must be between 1 and %d", RS_MAX_EPOCHS)));

	rs_gan_config_default(&cfg);
	cfg.epochs = epochs;
	if (!PG_ARGISNULL(5))
	{
		int			bs = PG_GETARG_INT32(5);

		if (bs < 2 || bs > RS_GAN_MAX_BATCH)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("batch_size must be between 2 and %d", RS_GAN_MAX_BATCH)));
		cfg.batch_size = bs;
	}
	parse_options(PG_ARGISNULL(8) ? NULL : PG_GETARG_JSONB_P(8), &cfg, &max_modes);
	if (cfg.batch_size % cfg.pac != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size %d is not a multiple of pac %d", cfg.batch_size, cfg.pac),
				 errhint("PacGAN groups pac rows per critic input; choose a batch_size divisible by %d.", cfg.pac)));
	if (rs_gan_config_validate(&cfg, &err) != RS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", err.msg),
				 errhint("Valid options: %s.", option_list())));
	seed = PG_ARGISNULL(6) ? random_seed() : (uint64) PG_GETARG_INT64(6);

	src = rs_source_analyze(relid, label, PG_ARGISNULL(7) ? NULL : PG_GETARG_ARRAYTYPE_P(7));

	if (PG_ARGISNULL(2))
		minority = src->class_values[0];
	else
	{
		minority = text_to_cstring(PG_GETARG_TEXT_PP(2));
		if (rs_source_class_count(src, minority) < 0)
		{
			StringInfoData d;

			initStringInfo(&d);
			for (int k = 0; k < src->n_classes; k++)
				appendStringInfo(&d, "%s\"%s\" (" INT64_FORMAT ")", k ? ", " : "",
								 src->class_values[k], src->class_counts[k]);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("minority value \"%s\" does not occur in label column \"%s\"", minority, label),
					 errdetail("The classes are %s.", d.data)));
		}
	}

	if (PG_ARGISNULL(3))
		model_name = psprintf("%s_%s", src->relname, label);
	else
		model_name = pstrdup(NameStr(*PG_GETARG_NAME(3)));
	if (strlen(model_name) >= NAMEDATALEN)
		model_name[pg_mbcliplen(model_name, strlen(model_name), NAMEDATALEN - 1)] = '\0';
	rs_catalog_check_writable(model_name);

	if (rs_threads > 0)
		openblas_set_num_threads(rs_threads);

	traincxt = AllocSetContextCreate(CurrentMemoryContext, "raresynth train",
									 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(traincxt);

	rows = rs_source_read_class(src, minority);
	if (rows->n_rows < RS_WEAK_ROWS)
		ereport(NOTICE,
				(errmsg("training on only %d rows of class \"%s\": the model will be weak",
						rows->n_rows, minority),
				 errhint("Synthetic rows from so few examples mostly repeat their patterns.")));

	INSTR_TIME_SET_CURRENT(start);
	rs_rng_seed(&rng, seed);
	memset(&model, 0, sizeof(model));
	build_meta(&model.meta, src, minority, seed);
	model.specs = rows;
	if (rs_model_prepare(&model, rows, &cfg, max_modes, &rng, &encoded, &err) != RS_OK)
		rs_report_core_error(&err, "could not prepare training");

	loss_g = palloc(sizeof(double) * epochs);
	loss_d = palloc(sizeof(double) * epochs);
	for (int e = 0; e < epochs; e++)
	{
		double		elapsed;

		CHECK_FOR_INTERRUPTS();
		if (rs_gan_fit_epoch(model.gan, encoded, rows->n_rows, &loss_g[e], &loss_d[e], &err) != RS_OK)
			rs_report_core_error(&err, psprintf("training failed in epoch %d", e + 1));
		INSTR_TIME_SET_CURRENT(now);
		INSTR_TIME_SUBTRACT(now, start);
		elapsed = INSTR_TIME_GET_DOUBLE(now);
		if (rs_progress && (e == 0 || e == epochs - 1 || elapsed - last_report >= RS_PROGRESS_SECONDS))
		{
			StringInfoData msg;

			initStringInfo(&msg);
			appendStringInfo(&msg, "epoch %d/%d: generator loss %.4f, critic loss %.4f, ",
							 e + 1, epochs, loss_g[e], loss_d[e]);
			format_seconds(&msg, elapsed);
			appendStringInfoString(&msg, " elapsed");
			if (e < epochs - 1)
			{
				appendStringInfoString(&msg, ", ETA ");
				format_seconds(&msg, elapsed / (e + 1) * (epochs - e - 1));
			}
			ereport(NOTICE, (errmsg("%s", msg.data)));
			last_report = elapsed;
		}
	}
	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	seconds = INSTR_TIME_GET_DOUBLE(now);

	if (rs_model_save(&model, &state, &state_len, &err) != RS_OK)
		rs_report_core_error(&err, "could not save the model");

	initStringInfo(&losses);
	appendStringInfoString(&losses, "{\"generator\": [");
	for (int e = 0; e < epochs; e++)
		appendStringInfo(&losses, "%s%.6g", e ? ", " : "", loss_g[e]);
	appendStringInfoString(&losses, "], \"critic\": [");
	for (int e = 0; e < epochs; e++)
		appendStringInfo(&losses, "%s%.6g", e ? ", " : "", loss_d[e]);
	appendStringInfoString(&losses, "]}");

	MemoryContextSwitchTo(oldcxt);
	{
		RsStoredModel sm;

		sm.name = model_name;
		sm.source = src->qualified_name;
		sm.label = label;
		sm.minority = minority;
		sm.rows = rows->n_rows;
		sm.epochs = epochs;
		sm.seed = (int64) seed;
		sm.seconds = seconds;
		sm.options = options_json(&cfg, max_modes, epochs);
		sm.columns = columns_json(src);
		sm.losses = losses.data;
		sm.state = state;
		sm.state_len = state_len;
		rs_catalog_store_model(&sm);

		namestrcpy(&model_nd, model_name);
		values[0] = NameGetDatum(&model_nd);
		values[1] = CStringGetTextDatum(minority);
		values[2] = Int64GetDatum(rows->n_rows);
		values[3] = Int32GetDatum(rows->n_cols);
		values[4] = Int32GetDatum(epochs);
		values[5] = Float8GetDatum(seconds);
		values[6] = Int64GetDatum((int64) seed);
	}
	MemoryContextDelete(traincxt);

	InitMaterializedSRF(fcinfo, 0);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}

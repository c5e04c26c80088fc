/*
 * train.c
 *	  raresynth_train(): read the minority rows of a table, fit the encoder,
 *	  train the GAN with progress and interrupts, and store the model in
 *	  raresynth.models.
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "tcop/utility.h"
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
#include "rules.h"

#define RS_WEAK_ROWS 50			/* fewer minority rows: warn the model is weak */

/*
 * The rules a model keeps (core/rules.h) from the options: rare_category_k,
 * extreme_value_k and, with dependencies, one group per determinant found
 * by the analysis (RsSourceColumn.determinant: the determinant first, then
 * the columns it determines, in source order); then the constraints
 * declared in options.  Column indexes are feature indexes: the source's
 * columns without the label and the excluded ones (rs_source_meta).
 */
rs_rules *
rs_build_rules(const RsSource *src, const RsOptions *opts, Jsonb *options)
{
	int		   *cols = palloc(sizeof(int) * Max(src->ncols, 1));
	rs_rules   *rules;
	rs_error	err;

	if (!(rules = rs_rules_create(Max(rs_source_n_features(src), 1), opts->rare_category_k,
								  opts->extreme_value_k, &err)))
		rs_report_core_error(&err, "could not set up the model's rules");
	for (int a = 0; opts->dependencies && a < src->ncols; a++)
	{
		int			n = 0;

		if (src->cols[a].kind != RS_COL_CATEGORICAL)
			continue;			/* determinants are categorical features */
		cols[n++] = rs_source_feature_index(src, a);
		for (int b = 0; b < src->ncols; b++)
			if (src->cols[b].determinant == a && b != a &&
				src->cols[b].kind == RS_COL_CATEGORICAL && n < RS_RULES_MAX_GROUP_COLS)
				cols[n++] = rs_source_feature_index(src, b);
		if (n >= 2 && rs_rules_add_group(rules, RS_GROUP_DEPENDENCY, cols, n, &err) != RS_OK)
			rs_report_core_error(&err, "could not set up the model's rules");
	}
	rs_options_add_rules(options, src, rules);
	pfree(cols);
	return rules;
}

/*
 * An error of rs_model_prepare: the rules' own failures (rules->failed)
 * with their SQLSTATE and hint, anything else as rs_report_core_error.
 */
void
rs_report_rules_error(const rs_rules *rules, const rs_error *err, const char *context)
{
	const char *hint = NULL;
	int			sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;

	switch (rules ? rules->failed : RS_RULES_FAIL_NONE)
	{
		case RS_RULES_FAIL_INEQ:
			sqlstate = ERRCODE_CHECK_VIOLATION;
			hint = "Every training row must satisfy a declared inequality: correct the rows or remove the inequality from options.";
			break;
		case RS_RULES_FAIL_NULL:
			hint = "A column of a declared inequality must not be NULL in the training rows.";
			break;
		case RS_RULES_FAIL_RARE:
			hint = "Lower rare_category_k in options, or exclude the column (exclude => '{...}').";
			break;
		case RS_RULES_FAIL_GROUP:
			hint = "Lower rare_category_k in options, or remove the combination from options.";
			break;
		case RS_RULES_FAIL_KIND:
			hint = "A combination of columns takes categorical columns, an inequality numeric ones.";
			break;
		default:
			rs_report_core_error(err, context);
	}
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("%s", err->msg),
			 errhint("%s", hint)));
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

/* The model's name: the caller's, or <source>_<label> clipped to a name's length. */
static char *
train_model_name(const char *given, const RsSource *src, const char *label)
{
	char	   *model_name;

	if (given == NULL)
		model_name = psprintf("%s_%s", src->relname, label);
	else
		model_name = pstrdup(given);
	if (strlen(model_name) >= NAMEDATALEN)
		model_name[pg_mbcliplen(model_name, strlen(model_name), NAMEDATALEN - 1)] = '\0';
	return model_name;
}

/*
 * Train model (meta and specs set) on rows: fit the encoder, build the GAN
 * seeded from seed, then up to opts->gan.epochs epochs (fewer when
 * early_stopping finds the losses converged: rs_gan_converged) with
 * progress lines and interrupts, each epoch's losses in loss_g and loss_d.
 * Sets *epochs_run to the epochs trained; returns the seconds it took.
 */
static double
fit_model(rs_model *model, rs_table *rows, const RsOptions *opts, uint64 seed,
		  double *loss_g, double *loss_d, int *epochs_run)
{
	int			epochs = opts->gan.epochs;
	int			e;
	RsProgress	progress;
	rs_rng		rng;
	rs_error	err;
	float	   *encoded;

	rs_progress_begin(&progress);
	rs_rng_seed(&rng, seed);
	if (rs_model_prepare(model, rows, &opts->gan, opts->max_modes, &rng, &encoded, &err) != RS_OK)
		rs_report_rules_error(model->rules, &err, "could not prepare training");
	for (e = 0; e < epochs && !rs_gan_converged(model->gan); e++)
	{
		CHECK_FOR_INTERRUPTS();
		if (rs_gan_fit_epoch(model->gan, encoded, rows->n_rows, &loss_g[e], &loss_d[e], &err) != RS_OK)
			rs_report_core_error(&err, psprintf("training failed in epoch %d", e + 1));
		if (!isinf(opts->epsilon))	/* the losses read real rows without noise */
			rs_progress_step(&progress, e + 1, epochs, "epoch %d/%d, ", e + 1, epochs);
		else
			rs_progress_step(&progress, e + 1, rs_gan_converged(model->gan) ? e + 1 : epochs,
							 "epoch %d/%d: generator loss %.4f, critic loss %.4f, ",
							 e + 1, epochs, loss_g[e], loss_d[e]);
	}
	*epochs_run = e;
	CHECK_FOR_INTERRUPTS();
	if (rs_gan_calibrate(model->gan, encoded, rows->n_rows, opts->gan.calibration, &rng, &err) != RS_OK)
		rs_report_core_error(&err, "could not calibrate the generator");
	return rs_progress_elapsed(&progress);
}

/* {"generator": [...], "critic": [...]}: the losses of every epoch */
static char *
losses_json(const double *loss_g, const double *loss_d, int epochs)
{
	StringInfoData losses;

	initStringInfo(&losses);
	appendStringInfoString(&losses, "{\"generator\": [");
	for (int e = 0; e < epochs; e++)
		appendStringInfo(&losses, "%s%.6g", e ? ", " : "", loss_g[e]);
	appendStringInfoString(&losses, "], \"critic\": [");
	for (int e = 0; e < epochs; e++)
		appendStringInfo(&losses, "%s%.6g", e ? ", " : "", loss_d[e]);
	appendStringInfoString(&losses, "]}");
	return losses.data;
}

/* The one result row of raresynth_train. */
static void
put_result(FunctionCallInfo fcinfo, const char *model_name, const char *minority, int n_rows,
		   int n_cols, int epochs, double seconds, uint64 seed)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[7];
	bool		nulls[7] = {0};
	NameData	model_nd;

	namestrcpy(&model_nd, model_name);
	values[0] = NameGetDatum(&model_nd);
	values[1] = CStringGetTextDatum(minority);
	values[2] = Int64GetDatum(n_rows);
	values[3] = Int32GetDatum(n_cols);
	values[4] = Int32GetDatum(epochs);
	values[5] = Float8GetDatum(seconds);
	values[6] = Int64GetDatum((int64) seed);
	InitMaterializedSRF(fcinfo, 0);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * The rows of class minority that training reads, after the memory check;
 * *shown_rows gets the count that may be shown.  Under differential
 * privacy (docs/privacy.md) kinds and specs come from the options and the
 * schema, rows are coded by them, then the secrets, the noisy count and
 * the plan go into *run, and only the noisy count is shown.  A NOTICE says
 * when the rows are few.
 */
static rs_table *
read_class_rows(RsSource *src, const char *minority, RsOptions *opts, Jsonb *options,
				bool dp, RsDpRun *run, int64 *shown_rows)
{
	rs_table   *rows;
	rs_table   *specs = NULL;

	*shown_rows = -1;
	if (dp)
		specs = rs_dp_columns(src, minority, options);
	{
		RsJobShape	job = {.job = RS_JOB_TRAIN, .class_value = minority, .opts = opts};

		rs_check_memory(src, &job);
	}
	if (dp)
	{
		rows = rs_source_read_class_coded(src, minority, specs);
		rs_dp_public_rows(rows);
		rs_dp_begin(opts, rows->n_rows, run);
		*shown_rows = run->shown_count;
	}
	else
		rows = rs_source_read_class(src, minority);
	if (*shown_rows < 0)
		*shown_rows = rows->n_rows;
	if (*shown_rows < RS_WEAK_ROWS)
		ereport(NOTICE,
				(errmsg("training on only %lld rows of class \"%s\": the model will be weak",
						(long long) *shown_rows, minority),
				 dp ? errdetail("The count is the noisy one of differential privacy.") : 0,
				 errhint("Synthetic rows from so few examples mostly repeat their patterns.")));
	return rows;
}

/*
 * Train a GAN on the rows of class minority of src (analysed with the
 * model's exclude and include) with opts (options: the jsonb they came
 * from, for the rules; NULL for none) seeded from seed, and store it as a
 * new version of model_name (rs_catalog_check_writable done); fills *res,
 * with keep its stored version too (res->stored, to sample it in the same
 * statement).  raresynth_train() and raresynth_balance() (one model per
 * class) train through it.
 */
void
rs_train_class(RsSource *src, const char *minority, const char *model_name,
			   RsOptions *opts, Jsonb *options, uint64 seed, bool keep, RsTrained *res)
{
	rs_table   *rows;
	rs_model	model;
	rs_error	err;
	double	   *loss_g,
			   *loss_d;
	int			epochs = opts->gan.epochs;
	double		seconds;
	uint8_t    *state;
	size_t		state_len;
	MemoryContext traincxt,
				oldcxt;
	bool		dp = !isinf(opts->epsilon);
	RsDpRun		run;
	int64		shown_rows;
	uint64		train_seed = seed;

	rs_apply_threads();

	traincxt = AllocSetContextCreate(CurrentMemoryContext, "raresynth train",
									 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(traincxt);

	rows = read_class_rows(src, minority, opts, options, dp, &run, &shown_rows);
	if (dp)
	{
		train_seed = run.train_seed;
		seed = run.public_seed;
	}

	memset(&model, 0, sizeof(model));
	rs_source_meta(src, minority, seed, &model.meta);
	/* the rules pool and clamp rows (= the specs) in place */
	model.specs = rows;
	model.rules = dp ? NULL : rs_build_rules(src, opts, options);
	loss_g = palloc(sizeof(double) * epochs);
	loss_d = palloc(sizeof(double) * epochs);
	/* from here on the epochs trained, at most the argument's */
	seconds = fit_model(&model, rows, opts, train_seed, loss_g, loss_d, &epochs);
	if (dp && rs_gan_dp_steps(&opts->gan) != run.steps)
		elog(ERROR, "DP training ran " INT64_FORMAT " critic steps, its plan " INT64_FORMAT,
			 rs_gan_dp_steps(&opts->gan), run.steps);

	if (rs_model_save(&model, &state, &state_len, &err) != RS_OK)
		rs_report_core_error(&err, "could not save the model");

	MemoryContextSwitchTo(oldcxt);
	{
		RsStoredModel sm;

		sm.name = (char *) model_name;
		sm.source = src->qualified_name;
		sm.source_owner = src->owner;
		sm.label = src->cols[src->label_index].name;
		sm.minority = (char *) minority;
		sm.rows = shown_rows;
		sm.epochs = epochs;
		sm.seed = (int64) seed;
		sm.seconds = seconds;
		sm.options = rs_options_json(opts);
		if (dp)
		{
			/* the accounting, in the options in force */
			sm.options[strlen(sm.options) - 1] = '\0';
			sm.options = psprintf("%s, \"privacy\": %s}", sm.options, rs_dp_json(&run, opts));
		}
		sm.columns = columns_json(src);
		/* under DP no loss is kept: each one was computed from real rows */
		sm.losses = losses_json(loss_g, loss_d, dp ? 0 : epochs);
		sm.state = state;
		sm.state_len = state_len;
		res->version = rs_catalog_store_model(&sm);
		if (keep)
		{
			/*
			 * The version as rs_catalog_load_model would read it, which this
			 * statement's snapshot cannot: created is the column's default,
			 * now().
			 */
			res->stored = palloc(sizeof(RsStoredModel));
			*res->stored = sm;
			res->stored->version = res->version;
			res->stored->created = GetCurrentTransactionStartTimestamp();
			res->stored->state = palloc_extended(Max(state_len, 1), MCXT_ALLOC_HUGE);
			memcpy(res->stored->state, state, state_len);
		}
	}
	res->rows = shown_rows;
	res->seed = seed;
	res->cols = rows->n_cols;
	res->epochs = epochs;
	res->seconds = seconds;
	MemoryContextDelete(traincxt);
}

/*
 * raresynth_train(source regclass, label name, minority text, model name,
 *				   epochs int, batch_size int, seed bigint, exclude name[],
 *				   include name[], options jsonb)
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
	uint64		seed;
	RsOptions	opts;
	RsSource   *src;
	RsTrained	res;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source and label must not be NULL")));
	/* training ends by writing the model: refuse before reading anything */
	PreventCommandIfReadOnly("raresynth_train()");
	relid = PG_GETARG_OID(0);
	label = pstrdup(NameStr(*PG_GETARG_NAME(1)));
	rs_options_default(&opts);
	opts.gan.epochs = rs_option_arg(fcinfo, 4, "epochs");
	opts.gan.batch_size = rs_option_arg(fcinfo, 5, "batch_size");
	rs_options_parse(PG_ARGISNULL(9) ? NULL : PG_GETARG_JSONB_P(9), &opts, false);
	seed = rs_seed_arg(fcinfo, 6);
	if (!isinf(opts.epsilon) && !PG_ARGISNULL(6))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("seed cannot be combined with option \"epsilon\""),
				 errdetail("Whoever knows the seed of a differentially private training can replay its noise and remove it."),
				 errhint("Leave seed NULL: the training draws a secret one and keeps none.")));
	if (!isinf(opts.epsilon) && PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("minority must be given with option \"epsilon\""),
				 errdetail("The rarest class is chosen from the classes' exact row counts."),
				 errhint("Name the class to learn: minority => '...'.")));

	src = rs_source_analyze(relid, label, PG_ARGISNULL(7) ? NULL : PG_GETARG_ARRAYTYPE_P(7),
							PG_ARGISNULL(8) ? NULL : PG_GETARG_ARRAYTYPE_P(8));

	minority = rs_source_minority(src, PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)));

	model_name = train_model_name(PG_ARGISNULL(3) ? NULL : NameStr(*PG_GETARG_NAME(3)), src, label);
	rs_catalog_check_writable(model_name);

	rs_train_class(src, minority, model_name, &opts, PG_ARGISNULL(9) ? NULL : PG_GETARG_JSONB_P(9),
				   seed, false, &res);

	put_result(fcinfo, model_name, minority, res.rows, res.cols, res.epochs, res.seconds, res.seed);
	return (Datum) 0;
}

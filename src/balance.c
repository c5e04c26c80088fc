/*
 * balance.c
 *	  raresynth_balance(): imbalanced-learn's sampling strategies over every
 *	  class of a label ("not majority", "not minority", "all", "minority",
 *	  a ratio, or per-class counts as a jsonb object), by the GAN (one
 *	  model per class raised, trained through rs_train_class) or SMOTE
 *	  (rs_smote_into), all classes' rows into one target.  The plan (rows
 *	  to add per class) is checked whole before anything is trained or
 *	  written; counts count the class's rows already in the target.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#include "model.h"
#include "raresynth.h"

typedef enum BalanceKind
{
	BAL_NOT_MAJORITY,			/* every class but the largest to its rows */
	BAL_NOT_MINORITY,			/* every class but the rarest */
	BAL_ALL,					/* every class (the largest gets none) */
	BAL_MINORITY,				/* the rarest class only */
	BAL_RATIO,					/* every class but the largest to ratio times it */
	BAL_COUNTS					/* the classes named, to their counts */
} BalanceKind;

typedef struct BalanceClass
{
	const char *value;			/* the class, as text */
	int64		in_source;
	int64		in_target;
	int64		want;			/* BAL_COUNTS: the count asked for, -1 if not named */
	int64		add;			/* rows to add */
	char	   *model;			/* gan: the model trained for it */
	int			version;
	uint64		seed;
	int64		written;
} BalanceClass;

#define STRATEGY_HINT "Pass '\"not majority\"', '\"not minority\"', '\"all\"' or '\"minority\"' as imbalanced-learn's sampling_strategy strings, a ratio such as '0.5', or counts per class such as '{\"a\": 100, \"b\": 80}'."

static const char *
jsonb_type_name(enum jbvType t)
{
	switch (t)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "string";
		case jbvNumeric:
			return "number";
		case jbvBool:
			return "boolean";
		case jbvArray:
			return "array";
		default:
			return "object";
	}
}

/* A count of strategy's object: a whole number of rows, at least 0. */
static int64
strategy_count(const char *cls, const JsonbValue *v)
{
	double		d;

	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count of class \"%s\" must be a number", cls),
				 errdetail("It is a JSON %s.", jsonb_type_name(v->type)),
				 errhint("Give the class's rows after balancing, e.g. {\"%s\": 100}.", cls)));
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
										   NumericGetDatum(v->val.numeric)));
	if (!(d >= 0) || d != floor(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count of class \"%s\" must be a whole number of rows, at least 0", cls),
				 errdetail("It is %s.",
						   DatumGetCString(DirectFunctionCall1(numeric_out,
															   NumericGetDatum(v->val.numeric))))));
	if (d > (double) (RS_MAX_SAMPLE_ROWS * 1000))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count of class \"%s\" is too large", cls),
				 errdetail("One call adds at most " INT64_FORMAT " rows to a class.",
						   RS_MAX_SAMPLE_ROWS)));
	return (int64) d;
}

/*
 * Parse strategy (SQL NULL refused by the caller) into *kind, *ratio and,
 * for an object, want of each class named; errors on anything else.
 */
static void
parse_strategy(Jsonb *jb, const RsSource *src, BalanceClass *cls, BalanceKind *kind,
			   double *ratio)
{
	const char *label = src->cols[src->label_index].name;

	if (JB_ROOT_IS_SCALAR(jb))
	{
		JsonbValue	v;

		if (!JsonbExtractScalar(&jb->root, &v))
			elog(ERROR, "could not read a jsonb scalar");
		if (v.type == jbvString)
		{
			char	   *s = pnstrdup(v.val.string.val, v.val.string.len);

			if (strcmp(s, "not majority") == 0 || strcmp(s, "auto") == 0)
				*kind = BAL_NOT_MAJORITY;
			else if (strcmp(s, "not minority") == 0)
				*kind = BAL_NOT_MINORITY;
			else if (strcmp(s, "all") == 0)
				*kind = BAL_ALL;
			else if (strcmp(s, "minority") == 0)
				*kind = BAL_MINORITY;
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown strategy \"%s\"", s),
						 strcmp(s, "majority") == 0 ?
						 errdetail("In imbalanced-learn \"majority\" is an under-sampler's strategy: it removes rows, and balancing only adds them.") : 0,
						 errhint(STRATEGY_HINT)));
			return;
		}
		if (v.type == jbvNumeric)
		{
			*kind = BAL_RATIO;
			*ratio = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
														NumericGetDatum(v.val.numeric)));
			rs_check_ratio(*ratio);
			return;
		}
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("strategy must be a string, a number or an object"),
				 errdetail("It is a JSON %s.", jsonb_type_name(v.type)),
				 errhint(STRATEGY_HINT)));
	}
	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("strategy must be a string, a number or an object"),
				 errdetail("It is a JSON array."),
				 errhint(STRATEGY_HINT)));
	if (JB_ROOT_COUNT(jb) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("strategy names no class"),
				 errhint("Give each class to raise with its rows after balancing, e.g. {\"%s\": 100}.",
						 src->class_values[0])));
	*kind = BAL_COUNTS;
	{
		JsonbIterator *it = JsonbIteratorInit(&jb->root);
		JsonbValue	v;
		JsonbIteratorToken tok;
		char	   *key = NULL;

		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
				key = pnstrdup(v.val.string.val, v.val.string.len);
			else if (tok == WJB_VALUE)
			{
				int			k;

				for (k = 0; k < src->n_classes; k++)
					if (strcmp(src->class_values[k], key) == 0)
						break;
				if (k == src->n_classes)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("class \"%s\" does not occur in label column \"%s\"", key, label),
							 errdetail("The classes are %s.", rs_source_class_list(src))));
				cls[k].want = strategy_count(key, &v);
			}
		}
	}
}

/*
 * The rows to add to every class under the strategy, from the counts in
 * the source and the target; errors where a count asks for fewer rows than
 * a class has, a ratio for no row at all (as imbalanced-learn and
 * raresynth_synthesize's ratio do; a class at or above the share is left
 * as it is), or a class would get more than one call adds.  The largest
 * and the rarest class are imbalanced-learn's: the first of the classes
 * with the most (fewest) rows in the source, in label order.
 */
static void
plan_rows(BalanceClass *cls, int n, BalanceKind kind, double ratio)
{
	int			major = 0;
	int			minor = 0;
	int64		majority;
	int			n_add = 0;

	for (int k = 0; k < n; k++)
	{
		if (cls[k].in_source > cls[major].in_source)
			major = k;
		if (cls[k].in_source < cls[minor].in_source)
			minor = k;
	}
	majority = cls[major].in_source;
	for (int k = 0; k < n; k++)
	{
		BalanceClass *c = &cls[k];
		int64		have = c->in_source + c->in_target;
		int64		want = -1;

		switch (kind)
		{
			case BAL_NOT_MAJORITY:
				want = k == major ? -1 : majority;
				break;
			case BAL_NOT_MINORITY:
				want = k == minor ? -1 : majority;
				break;
			case BAL_ALL:
				want = majority;
				break;
			case BAL_MINORITY:
				want = k == minor ? majority : -1;
				break;
			case BAL_RATIO:
				/* every class but the largest below the share, up to it */
				want = k == major ? -1 : (int64) (ratio * (double) majority);
				break;
			case BAL_COUNTS:
				want = c->want;
				if (want >= 0 && want < have)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("count " INT64_FORMAT " of class \"%s\" is below the " INT64_FORMAT " rows it has",
									want, c->value, have),
							 errdetail("Class \"%s\" has " INT64_FORMAT " rows in the source and " INT64_FORMAT
									   " in the target; balancing only adds rows, as imbalanced-learn's over-samplers do.",
									   c->value, c->in_source, c->in_target),
							 errhint("Pass at least " INT64_FORMAT ", or leave the class out of strategy.", have)));
				break;
		}
		c->want = want;
		c->add = want < 0 ? 0 : Max(want - have, 0);
		if (c->add > 0)
			n_add++;
		if (c->add > RS_MAX_SAMPLE_ROWS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("strategy would add " INT64_FORMAT " rows to class \"%s\"", c->add, c->value),
					 errdetail("One call adds at most " INT64_FORMAT " rows to a class.", RS_MAX_SAMPLE_ROWS)));
	}
	if (kind == BAL_RATIO && n_add == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ratio %g needs no new rows of any class", ratio),
				 errdetail("The largest class has " INT64_FORMAT " rows and every other class at least %g * "
						   INT64_FORMAT " = %g, counting its rows in the target.",
						   majority, ratio, majority, ratio * (double) majority),
				 errhint("Pass a larger ratio, or counts per class; imbalanced-learn refuses such a ratio too.")));
}

/* gan's model of class cls: <source>_<label>_<class>, refused if too long */
static char *
class_model_name(const RsSource *src, const char *cls)
{
	char	   *name = psprintf("%s_%s_%s", src->relname, src->cols[src->label_index].name, cls);

	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("model name for class \"%s\" would be longer than %d bytes", cls, NAMEDATALEN - 1),
				 errdetail("The model of a class is named <source>_<label>_<class>: \"%s\".", name),
				 errhint("Train that class with raresynth_train(model => ...) and raresynth_synthesize() instead.")));
	return name;
}

/* An argument that only one method takes: NULL (or empty) with the other. */
static void
method_only(FunctionCallInfo fcinfo, int argno, const char *arg, const char *method, bool given)
{
	if (!PG_ARGISNULL(argno) && given)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" applies to method \"%s\" only", arg, method)));
}

/* The result rows: one per class, rarest first. */
static void
put_results(FunctionCallInfo fcinfo, const BalanceClass *cls, int n)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int k = 0; k < n; k++)
	{
		Datum		values[8];
		bool		nulls[8] = {0};
		NameData	model;

		values[0] = CStringGetTextDatum(cls[k].value);
		values[1] = Int64GetDatum(cls[k].in_source);
		values[2] = Int64GetDatum(cls[k].in_target);
		values[3] = Int64GetDatum(cls[k].written);
		values[4] = Int64GetDatum(cls[k].in_source + cls[k].in_target + cls[k].written);
		nulls[5] = nulls[6] = cls[k].model == NULL;
		if (cls[k].model)
		{
			namestrcpy(&model, cls[k].model);
			values[5] = NameGetDatum(&model);
			values[6] = Int32GetDatum(cls[k].version);
		}
		nulls[7] = cls[k].written == 0;
		values[7] = Int64GetDatum((int64) cls[k].seed);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * The arguments that need no table: NULLs, the method, the arguments of the
 * other method left out, improved and marker.  Returns whether the method
 * is the GAN.
 */
static bool
balance_args(FunctionCallInfo fcinfo, bool *improved, char **marker)
{
	char	   *method;
	bool		gan;

	PreventCommandIfReadOnly("raresynth_balance()");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source and label must not be NULL")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("strategy must not be NULL"),
				 errhint(STRATEGY_HINT)));
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("method must not be NULL"),
				 errhint("Pass 'gan' or 'smote'.")));
	method = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (strcmp(method, "gan") != 0 && strcmp(method, "smote") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown method \"%s\"", method),
				 errhint("Pass 'gan' (a model trained per class) or 'smote'.")));
	gan = method[0] == 'g';

	/* the arguments of the other method must be left out */
	method_only(fcinfo, 6, "epochs", "gan", !gan);
	method_only(fcinfo, 7, "batch_size", "gan", !gan);
	method_only(fcinfo, 8, "options", "gan",
				!gan && !PG_ARGISNULL(8) && JB_ROOT_COUNT(PG_GETARG_JSONB_P(8)) > 0);
	method_only(fcinfo, 9, "exclude", "gan",
				!gan && !PG_ARGISNULL(9) && ArrayGetNItems(ARR_NDIM(PG_GETARG_ARRAYTYPE_P(9)),
														   ARR_DIMS(PG_GETARG_ARRAYTYPE_P(9))) > 0);
	method_only(fcinfo, 10, "include", "gan",
				!gan && !PG_ARGISNULL(10) && ArrayGetNItems(ARR_NDIM(PG_GETARG_ARRAYTYPE_P(10)),
															ARR_DIMS(PG_GETARG_ARRAYTYPE_P(10))) > 0);
	method_only(fcinfo, 11, "k", "smote", gan);
	*improved = PG_ARGISNULL(12) ? gan : PG_GETARG_BOOL(12);
	if (!PG_ARGISNULL(13))
	{
		*marker = text_to_cstring(PG_GETARG_TEXT_PP(13));
		if (!*improved)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("marker needs the improved view"),
					 PG_ARGISNULL(12) ?
					 errdetail("The marker is a column of the improved view, which method \"smote\" skips unless improved => true.") :
					 errdetail("The marker is a column of the improved view, which improved => false skips."),
					 errhint("Pass improved => true.")));
	}
	return gan;
}

/*
 * Every class to raise is checked (its model name writable, SMOTE's
 * neighbours, the memory its job needs) before any work; each gets its
 * seed.  Returns how many classes get rows.
 */
static int
check_plan(RsSource *src, BalanceClass *cls, bool gan, RsOptions *opts, int k_neigh,
		   uint64 seed)
{
	int			n_raise = 0;

	for (int k = 0; k < src->n_classes; k++)
	{
		RsJobShape	job = {.job = gan ? RS_JOB_TRAIN : RS_JOB_SMOTE, .class_value = cls[k].value,
		.opts = gan ? opts : NULL, .n_new = cls[k].add, .k = k_neigh};

		cls[k].seed = seed + (uint64) k;
		if (cls[k].add == 0)
			continue;
		n_raise++;
		if (gan)
		{
			cls[k].model = class_model_name(src, cls[k].value);
			rs_catalog_check_writable(cls[k].model);
		}
		else
			rs_smote_check_class(src, cls[k].value, cls[k].add);
		rs_check_memory(src, &job);
	}

	return n_raise;
}

/* Each class in turn: train its model and synthesize, or SMOTE, into t. */
static void
run_plan(RsSource *src, RsTarget *t, BalanceClass *cls, bool gan, RsOptions *opts,
		 Jsonb *options, int k_neigh, int n_raise)
{
	int			done = 0;
	MemoryContext classcxt,
				old;

	classcxt = AllocSetContextCreate(CurrentMemoryContext, "raresynth balance class",
									 ALLOCSET_DEFAULT_SIZES);
	for (int k = 0; k < src->n_classes; k++)
	{
		BalanceClass *c = &cls[k];

		if (c->add == 0)
			continue;
		CHECK_FOR_INTERRUPTS();
		done++;
		old = MemoryContextSwitchTo(classcxt);
		if (gan)
		{
			RsTrained	res;
			RsStoredModel *sm;

			ereport(NOTICE,
					(errmsg("class \"%s\" (%d of %d): training model \"%s\" on " INT64_FORMAT
							" rows, then adding " INT64_FORMAT " rows to reach " INT64_FORMAT,
							c->value, done, n_raise, c->model, c->in_source, c->add, c->want)));
			rs_train_class(src, c->value, c->model, opts, options, c->seed, true, &res);
			c->version = res.version;
			sm = res.stored;
			c->written = rs_synthesize_into(t, sm, rs_model_from_state(sm), c->add, c->seed);
		}
		else
		{
			ereport(NOTICE,
					(errmsg("class \"%s\" (%d of %d): adding " INT64_FORMAT " SMOTE rows to reach " INT64_FORMAT,
							c->value, done, n_raise, c->add, c->want)));
			c->written = rs_smote_into(src, t, c->value, c->add, k_neigh, c->seed);
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(classcxt);
	}
	MemoryContextDelete(classcxt);
}

/*
 * raresynth_balance(source regclass, label name, strategy jsonb,
 *					 method text, target text, seed bigint, epochs int,
 *					 batch_size int, options jsonb, exclude name[],
 *					 include name[], k int, improved boolean, marker text)
 *	 returns table (class text, source_rows bigint, target_rows bigint,
 *					added bigint, rows_after bigint, model name,
 *					version int, seed bigint)
 * Class i (rarest first, from 0) uses seed + i, for training and sampling
 * (gan) or SMOTE: raresynth_train/synthesize/smote with that seed and n
 * make the same rows.
 */
PG_FUNCTION_INFO_V1(raresynth_balance);
Datum
raresynth_balance(PG_FUNCTION_ARGS)
{
	char	   *label;
	bool		gan;
	uint64		seed;
	RsOptions	opts;
	Jsonb	   *options = NULL;
	RsSource   *src;
	BalanceClass *cls;
	BalanceKind kind;
	double		ratio = 0;
	int			k_neigh = 0;
	bool		improved;
	char	   *marker = NULL;
	rs_model_meta meta;
	RsTarget   *t;
	int			n_raise;

	gan = balance_args(fcinfo, &improved, &marker);
	label = NameStr(*PG_GETARG_NAME(1));
	seed = rs_seed_arg(fcinfo, 5);
	if (gan)
	{
		rs_options_default(&opts);
		opts.gan.epochs = rs_option_arg(fcinfo, 6, "epochs");
		opts.gan.batch_size = rs_option_arg(fcinfo, 7, "batch_size");
		options = PG_ARGISNULL(8) ? NULL : PG_GETARG_JSONB_P(8);
		rs_options_parse(options, &opts, false);
		rs_options_dp_refuse(&opts, "raresynth_balance()",
							 "The rows it adds per class follow from the classes' exact row counts.");
	}
	else
		k_neigh = rs_option_arg(fcinfo, 11, "k");

	src = rs_source_analyze(PG_GETARG_OID(0), label,
							gan && !PG_ARGISNULL(9) ? PG_GETARG_ARRAYTYPE_P(9) : NULL,
							gan && !PG_ARGISNULL(10) ? PG_GETARG_ARRAYTYPE_P(10) : NULL);
	label = src->cols[src->label_index].name;
	cls = palloc0(sizeof(BalanceClass) * src->n_classes);
	for (int k = 0; k < src->n_classes; k++)
	{
		cls[k].value = src->class_values[k];
		cls[k].want = -1;
	}
	parse_strategy(PG_GETARG_JSONB_P(2), src, cls, &kind, &ratio);

	/* the target and the counts: the plan is checked whole before any work */
	rs_source_meta(src, src->class_values[0], seed, &meta);
	t = rs_target_open(src->relid, PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4)),
					   gan ? "_synthetic" : "_smote", &meta, improved, marker);
	for (int k = 0; k < src->n_classes; k++)
		rs_count_target_class_rows(t, label, cls[k].value, &cls[k].in_source, &cls[k].in_target);
	plan_rows(cls, src->n_classes, kind, ratio);
	n_raise = check_plan(src, cls, gan, &opts, k_neigh, seed);
	run_plan(src, t, cls, gan, &opts, options, k_neigh, n_raise);
	if (n_raise == 0)
		ereport(NOTICE,
				(errmsg("no class needs new rows"),
				 errdetail("Every class the strategy names already has the rows it asks for, counting the target's.")));
	rs_target_finish(t);
	put_results(fcinfo, cls, src->n_classes);
	return (Datum) 0;
}

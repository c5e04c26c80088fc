/*
 * dp.c
 *	  The differential-privacy options of raresynth_train and
 *	  raresynth_evaluate (`epsilon`, `delta`, `max_grad_norm`,
 *	  `weight_clip`; docs/privacy.md): what they cannot be combined with,
 *	  the settings DP-SGD needs in place of the defaults, and the refusal
 *	  while part of the path from the table to the model is not private.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "raresynth.h"
#include "encoder.h"
#include "rng.h"

/*
 * An option that reads the training rows without noise: under `epsilon` it
 * takes dp_value unless given, and given with another value it is an
 * error saying why.
 */
typedef struct dp_conflict
{
	const char *key;
	double		dp_value;
	const char *why;
} dp_conflict;

static const dp_conflict dp_conflicts[] = {
	{"pac", 1, "Under differential privacy each row is its own critic input and its gradient is clipped alone, so pac must be 1."},
	{"gp_lambda", 0, "The gradient penalty reads real rows through its interpolates without clipping; under differential privacy the critic's weights are clamped instead (weight_clip)."},
	{"moment_weight", 0, "Moment matching compares the generator with the training rows' means, computed without noise."},
	{"calibration", 0, "Calibration matches the generator's category frequencies to the training rows' counts, computed without noise."},
	{"early_stopping", 0, "Early stopping decides when to stop from losses on the training rows, computed without noise."},
	{"filter_quantile", 0, "The filter keeps GAN rows by a classifier fitted to the training rows without noise."},
};

/*
 * Options refused under `epsilon` whatever their value: each one decides
 * something from the training rows without noise.  Their settings are not
 * in force under DP, so a DP model does not store them either.
 */
static const dp_conflict dp_refused[] = {
	{"max_modes", 0, "Under differential privacy a continuous column is encoded from its bounds alone, with one mode; no mixture is fitted to the rows."},
	{"rare_category_k", 0, "Pooling rare categories counts each category's training rows without noise; under differential privacy every category listed in \"categories\" is kept."},
	{"extreme_value_k", 0, "Clamping to the k-th smallest and largest training values reads them without noise; under differential privacy values are clamped to \"bounds\"."},
	{"dependencies", 0, "The dependencies are found by the profile over every row without noise."},
	{"fixed_combinations", 0, "A combination keeps only the tuples seen in the training rows, found without noise."},
	{"inequalities", 0, "An inequality is checked on every training row, and a failing row would be an error that depends on one row."},
};

/* Options that only mean something under `epsilon`. */
static const char *const dp_only[] = {"delta", "max_grad_norm", "weight_clip", "bounds", "categories"};

/* The share of the RDP budget the noisy row count spends (rs_dp_plan_make). */
#define RS_DP_COUNT_SHARE 0.02

/*
 * The DP settings of a model trained without `epsilon` (not in force, so
 * not stored in raresynth.models.options).
 */
bool
rs_option_dp_unused(const rs_hparam *p, const RsOptions *o)
{
	if (!isinf(o->epsilon))
	{
		for (int i = 0; i < lengthof(dp_refused); i++)
			if (strcmp(p->name, dp_refused[i].key) == 0)
				return true;
		return false;
	}
	if (strcmp(p->name, "epsilon") == 0)
		return true;
	for (int i = 0; i < lengthof(dp_only); i++)
		if (strcmp(p->name, dp_only[i]) == 0)
			return true;
	return false;
}

static bool
has_key(Jsonb *opts, const char *key)
{
	return opts != NULL && JB_ROOT_IS_OBJECT(opts) &&
		getKeyJsonValueFromContainer(&opts->root, key, strlen(key), NULL) != NULL;
}

/* The value of hparam row key in o, as a double. */
static double *
float_at(RsOptions *o, const rs_hparam *p)
{
	return RS_HP_FLOAT_AT(o, p->off);
}

void
rs_options_dp(Jsonb *opts, RsOptions *o)
{
	if (isinf(o->epsilon))
	{
		for (int i = 0; i < lengthof(dp_only); i++)
			if (has_key(opts, dp_only[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"%s\" requires option \"epsilon\"", dp_only[i]),
						 errdetail("Without \"epsilon\" training is not differentially private."),
						 errhint("Add \"epsilon\" to options, or remove \"%s\".", dp_only[i])));
		return;
	}
	for (int i = 0; i < lengthof(dp_refused); i++)
		if (has_key(opts, dp_refused[i].key))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" cannot be combined with option \"epsilon\"", dp_refused[i].key),
					 errdetail("%s", dp_refused[i].why),
					 errhint("Remove \"%s\" from options.", dp_refused[i].key)));
	o->dependencies = 0;
	for (int i = 0; i < lengthof(dp_conflicts); i++)
	{
		const dp_conflict *c = &dp_conflicts[i];
		const rs_hparam *p = rs_hparam_find(c->key);
		double		v;

		Assert(p != NULL);
		v = p->type == RS_HP_FLOAT ? *float_at(o, p) : *RS_HP_INT_AT(o, p->off);
		if (has_key(opts, c->key) && v != c->dp_value)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" cannot be combined with option \"epsilon\"", c->key),
					 errdetail("%s", c->why),
					 errhint("Remove \"%s\" from options, or set it to %g.", c->key, c->dp_value)));
		if (p->type == RS_HP_FLOAT)
			*float_at(o, p) = c->dp_value;
		else
			*RS_HP_INT_AT(o, p->off) = (int) c->dp_value;
	}
}

void
rs_options_dp_refuse(const RsOptions *o, const char *function, const char *why)
{
	if (isinf(o->epsilon))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s does not support option \"epsilon\"", function),
			 errdetail("%s", why),
			 errhint("Train a differentially private model with raresynth_train(); docs/privacy.md says what is private.")));
}

/* ---------------------------------------------------------------- columns */

/*
 * The value of option key when it is present: a JSON object, else a 22023
 * error showing the shape; NULL when absent.
 */
static JsonbContainer *
object_option(Jsonb *opts, const char *key, const char *shape)
{
	JsonbValue *v;

	if (opts == NULL || !JB_ROOT_IS_OBJECT(opts) ||
		!(v = getKeyJsonValueFromContainer(&opts->root, key, strlen(key), NULL)))
		return NULL;
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an object of column names", key),
				 errhint("Write it as %s.", shape)));
	return v->val.binary.data;
}

#define BOUNDS_SHAPE "{\"age\": [18, 90], \"visit\": [\"2020-01-01\", \"2024-12-31\"]}"
#define CATEGORIES_SHAPE "{\"sex\": [\"Male\", \"Female\"], \"smoker\": [0, 1]}"

/* The value of column name in object c, or NULL. */
static JsonbValue *
column_entry(JsonbContainer *c, const char *name)
{
	return c ? getKeyJsonValueFromContainer(c, name, strlen(name), NULL) : NULL;
}

/* Every key of object c must name a feature-able column of src. */
static void
check_option_columns(const RsSource *src, JsonbContainer *c, const char *key,
					 JsonbContainer *other, const char *other_key)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken r;

	if (c == NULL)
		return;
	it = JsonbIteratorInit(c);
	while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *name;
		int			i;

		if (r != WJB_KEY)
			continue;
		name = pnstrdup(v.val.string.val, v.val.string.len);
		for (i = 0; i < src->ncols; i++)
			if (strcmp(src->cols[i].name, name) == 0)
				break;
		if (i == src->ncols)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of option \"%s\" does not exist in relation \"%s\"",
							name, key, src->relname)));
		if (i == src->label_index)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" of option \"%s\" is the label", name, key),
					 errhint("The label is not a feature: remove it from \"%s\".", key)));
		if (src->cols[i].listed == RS_LISTED_EXCLUDE)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" of option \"%s\" is excluded", name, key),
					 errhint("Remove it from exclude or from \"%s\".", key)));
		if (column_entry(other, name))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" is in both option \"%s\" and option \"%s\"",
							name, key, other_key),
					 errhint("A column is continuous (\"bounds\") or categorical (\"categories\"), not both.")));
	}
}

/*
 * A JSON scalar of option key's entry for column col as the SQL text
 * given to the column type's input function.
 */
static char *
scalar_text(JsonbValue *v, const char *key, const RsSourceColumn *col, const char *shape)
{
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" holds a value of column \"%s\" that is not a string, number or boolean",
							key, col->name),
					 errhint("Write it as %s.", shape)));
	}
	return NULL;				/* not reached */
}

/* The datum of text s in col's type (its input function, its domain's checks). */
static Datum
column_datum(const RsSourceColumn *col, const char *s)
{
	Oid			infn,
				ioparam;

	getTypeInputInfo(col->typid, &infn, &ioparam);
	return OidInputFunctionCall(infn, (char *) s, ioparam, col->typmod);
}

/*
 * The elements of the JSON array v of column col in option key, or an
 * error; their count, of which at most RS_STATE_MAX_CATEGORIES + 1 are
 * kept in *out.
 */
static int
array_elements(JsonbValue *v, const char *key, const RsSourceColumn *col, const char *shape,
			   JsonbValue **out)
{
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken r;
	int			n = 0,
				cap = 8;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must give column \"%s\" an array", key, col->name),
				 errhint("Write it as %s.", shape)));
	*out = palloc(sizeof(JsonbValue) * cap);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((r = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		if (r != WJB_ELEM)
			continue;
		if (n > RS_STATE_MAX_CATEGORIES)
		{
			n++;				/* too many: counted, not kept */
			continue;
		}
		if (n == cap)
			*out = repalloc(*out, sizeof(JsonbValue) * (cap *= 2));
		(*out)[n++] = e;
	}
	return n;
}

/* The spec of continuous column col from its bounds entry v: [low, high]. */
static void
bounds_spec(const RsSourceColumn *col, JsonbValue *v, rs_column *spec)
{
	JsonbValue *e;
	double		b[2];

	if (array_elements(v, "bounds", col, BOUNDS_SHAPE, &e) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"bounds\" must give column \"%s\" two values, low and high", col->name),
				 errhint("Write it as " BOUNDS_SHAPE ".")));
	for (int k = 0; k < 2; k++)
	{
		char	   *s = scalar_text(&e[k], "bounds", col, BOUNDS_SHAPE);

		b[k] = rs_datum_to_double(column_datum(col, s), col->vclass, getBaseType(col->typid));
		if (!isfinite(b[k]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"bounds\" gives column \"%s\" a bound that is not finite: %s",
							col->name, s)));
	}
	if (b[0] < b[1] && !isfinite(b[1] - b[0]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"bounds\" gives column \"%s\" bounds too far apart: their difference is not a finite number",
						col->name)));
	if (!(b[0] < b[1]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"bounds\" gives column \"%s\" a low bound that is not below its high bound",
						col->name),
				 errhint("Write it as " BOUNDS_SHAPE ".")));
	spec->kind = RS_KIND_CONTINUOUS;
	spec->min = b[0];
	spec->max = b[1];
	/* from the type, not from the values */
	spec->integral = col->vclass == RS_VAL_INT || col->vclass == RS_VAL_DATE;
}

/*
 * The spec of categorical column col from its categories entry v: each
 * value as the column's type writes it (so it matches the rows read, and
 * a value the type refuses is refused here), in the caller's order.
 */
static int
cmp_text(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
categories_spec(const RsSourceColumn *col, JsonbValue *v, rs_column *spec, int *total)
{
	JsonbValue *e;
	int			n = array_elements(v, "categories", col, CATEGORIES_SHAPE, &e);
	Oid			outfn;
	bool		varlena;
	char	  **sorted;

	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"categories\" gives column \"%s\" no category", col->name),
				 errhint("Write it as " CATEGORIES_SHAPE ".")));
	if (n > RS_STATE_MAX_CATEGORIES - *total)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("option \"categories\" lists more than %d categories over all columns",
						RS_STATE_MAX_CATEGORIES),
				 *total ? errdetail("Column \"%s\" lists %d, the columns before it %d.", col->name, n, *total)
				 : errdetail("Column \"%s\" lists %d.", col->name, n)));
	*total += n;
	getTypeOutputInfo(col->typid, &outfn, &varlena);
	spec->kind = RS_KIND_CATEGORICAL;
	spec->n_categories = n;
	spec->categories = palloc(sizeof(char *) * n);
	for (int k = 0; k < n; k++)
	{
		char	   *s = scalar_text(&e[k], "categories", col, CATEGORIES_SHAPE);

		CHECK_FOR_INTERRUPTS();
		spec->categories[k] = OidOutputFunctionCall(outfn, column_datum(col, s));
	}
	/* repeats, once written by the type: neighbours in sorted order */
	sorted = palloc(sizeof(char *) * n);
	memcpy(sorted, spec->categories, sizeof(char *) * n);
	qsort(sorted, n, sizeof(char *), cmp_text);
	for (int k = 1; k < n; k++)
		if (strcmp(sorted[k - 1], sorted[k]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"categories\" lists category \"%s\" of column \"%s\" twice",
							sorted[k], col->name)));
	pfree(sorted);
}

/* Error for a feature column with neither bounds nor categories. */
static void
missing_column_error(const RsSourceColumn *col)
{
	bool		numeric = rs_value_class_is_numeric(col->vclass) ||
		col->vclass == RS_VAL_DATE || col->vclass == RS_VAL_TIMESTAMP;
	char	   *name = pstrdup(quote_identifier(col->name));

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("column \"%s\" has neither bounds nor categories in options", col->name),
			 errdetail("Under \"epsilon\" every feature column is encoded from the caller's \"bounds\" (continuous) or \"categories\" (categorical), never from the rows."),
			 numeric ?
			 errhint("Add it to \"bounds\" ({\"%s\": [low, high]}) or \"categories\", or exclude it (exclude => '{%s}').",
					 col->name, name) :
			 errhint("Add it to \"categories\" ({\"%s\": [\"a\", \"b\"]}), or exclude it (exclude => '{%s}').",
					 col->name, name)));
}

rs_table *
rs_dp_columns(RsSource *src, const char *minority, Jsonb *options)
{
	JsonbContainer *bounds = object_option(options, "bounds", BOUNDS_SHAPE);
	JsonbContainer *cats = object_option(options, "categories", CATEGORIES_SHAPE);
	rs_table   *specs;
	rs_column  *tmp;
	rs_error	err;
	int			nestlevel;
	int			total = 0;

	check_option_columns(src, bounds, "bounds", cats, "categories");
	check_option_columns(src, cats, "categories", bounds, "bounds");

	/*
	 * Kinds from the options and the schema alone; every listed column's
	 * entry is checked first, then the first feature column listed in
	 * neither is an error.
	 */
	tmp = palloc0(sizeof(rs_column) * src->ncols);
	nestlevel = rs_value_text_begin();
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < src->ncols; i++)
		{
			RsSourceColumn *col = &src->cols[i];
			JsonbValue *v;

			if (i == src->label_index || col->listed == RS_LISTED_EXCLUDE)
				continue;
			if ((v = column_entry(bounds, col->name)) != NULL)
			{
				if (pass == 1)
					continue;
				if (!rs_value_class_is_numeric(col->vclass) &&
					col->vclass != RS_VAL_DATE && col->vclass != RS_VAL_TIMESTAMP)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("column \"%s\" of option \"bounds\" is not numeric, a date or a timestamp",
									col->name),
							 errhint("List its values in \"categories\" instead.")));
				bounds_spec(col, v, &tmp[i]);
				col->kind = RS_COL_CONTINUOUS;
				col->reason = NULL;
			}
			else if ((v = column_entry(cats, col->name)) != NULL)
			{
				if (pass == 1)
					continue;
				if (col->vclass != RS_VAL_TEXT && col->vclass != RS_VAL_BOOL &&
					col->vclass != RS_VAL_INT && col->vclass != RS_VAL_NUMERIC)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("column \"%s\" of option \"categories\" is not text, boolean, an enum or an integer",
									col->name),
							 errhint("Give it \"bounds\" instead.")));
				categories_spec(col, v, &tmp[i], &total);
				col->kind = RS_COL_CATEGORICAL;
				col->reason = NULL;
			}
			else if (pass == 0)
				continue;
			else if (col->vclass == RS_VAL_UNSUPPORTED)
			{
				col->kind = RS_COL_EXCLUDED;
				col->reason = psprintf("unsupported type %s", col->typname);
			}
			else if (col->key && col->listed != RS_LISTED_INCLUDE)
			{
				col->kind = RS_COL_EXCLUDED;
				col->reason = pstrdup("identifier: a single-column key");
			}
			else
				missing_column_error(col);
		}
	rs_value_text_end(nestlevel);
	for (int i = 0; i < src->ncols; i++)
	{
		RsSourceColumn *col = &src->cols[i];

		col->determinant = -1;
		if (i == src->label_index)
			col->reason = psprintf("label: minority class \"%s\"", minority);
		else if (col->listed == RS_LISTED_EXCLUDE)
		{
			col->kind = RS_COL_EXCLUDED;
			col->reason = pstrdup("excluded by the caller");
		}
	}
	if (rs_source_n_features(src) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"epsilon\" needs at least one column in \"bounds\" or \"categories\""),
				 errhint("Write them as \"bounds\": " BOUNDS_SHAPE ", \"categories\": " CATEGORIES_SHAPE ".")));

	/* the specs: the options' ranges and categories, never the rows' */
	if (!(specs = rs_table_create(0, rs_source_n_features(src), &err)))
		rs_report_core_error(&err, NULL);
	for (int i = 0, f = 0; i < src->ncols; i++)
		if (src->cols[i].kind == RS_COL_CONTINUOUS || src->cols[i].kind == RS_COL_CATEGORICAL)
		{
			specs->cols[f] = tmp[i];
			specs->cols[f++].name = pstrdup(src->cols[i].name);
		}
	return specs;
}

void
rs_dp_public_rows(rs_table *rows)
{
	for (int c = 0; c < rows->n_cols; c++)
	{
		const rs_column *spec = &rows->cols[c];

		for (int r = 0; r < rows->n_rows; r++)
		{
			double	   *x = &RS_CELL(rows, r, c);

			if (rs_is_null(*x))
				continue;
			if (spec->kind == RS_KIND_CATEGORICAL)
			{
				if (*x >= spec->n_categories)	/* not a listed category */
					*x = RS_NULL;
			}
			else if (*x < spec->min)
				*x = spec->min;
			else if (*x > spec->max)
				*x = spec->max;
		}
	}
}

/* ---------------------------------------------------------------- the run */

/* A 64-bit secret from pg_strong_random, or an error: no weaker fallback. */
static uint64
strong_seed(void)
{
	uint64		s;

	if (!pg_strong_random(&s, sizeof(s)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a secret seed for differentially private training")));
	return s;
}

void
rs_dp_plan_options(const RsOptions *o, rs_dp_plan *plan)
{
	if (rs_dp_plan_make(plan, o->epsilon, o->delta, RS_DP_COUNT_SHARE) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("epsilon %g at delta %g leaves no privacy budget", o->epsilon, o->delta),
				 errdetail("At every Renyi order the accountant uses (up to 63), delta alone costs more than epsilon."),
				 errhint("Raise epsilon or delta.")));
}

void
rs_dp_begin(RsOptions *o, int n_rows, RsDpRun *run)
{
	rs_rng		rng;

	rs_dp_plan_options(o, &run->plan);
	/* secrets: never stored, never shown */
	run->train_seed = strong_seed();
	rs_rng_seed(&rng, strong_seed());
	run->noisy_count = (double) n_rows + run->plan.count_sigma * rs_rng_normal(&rng);
	run->shown_count = run->noisy_count < 0 ? 0 : (int64) llround(run->noisy_count);
	/* what the catalog shows as the seed: independent of both */
	run->public_seed = strong_seed() & UINT64CONST(0x7FFFFFFFFFFFFFFF);

	run->sigma = rs_dp_plan_train(&run->plan, run->noisy_count, o->gan.batch_size,
								  o->gan.epochs, o->gan.discriminator_steps,
								  &run->q, &run->steps);
	if (!(run->sigma > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("epsilon %g is too small for %d epochs: no noise multiplier up to 1e6 spends it",
						o->epsilon, o->gan.epochs),
				 errhint("Raise epsilon, or lower epochs or discriminator_steps.")));
	o->gan.dp_noise = run->sigma;
	o->gan.dp_rate = run->q;
	run->spent = rs_dp_plan_spent(&run->plan, run->q, run->sigma, run->steps);
}

char *
rs_dp_json(const RsDpRun *run, const RsOptions *o)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfo(&s, "{\"epsilon\": %.15g, \"epsilon_spent\": %.15g, \"delta\": %.15g, "
					 "\"noise_multiplier\": %.15g, \"max_grad_norm\": %.15g, \"weight_clip\": %.15g, "
					 "\"sampling_rate\": %.15g, \"steps\": " INT64_FORMAT ", "
					 "\"count_share\": %.15g, \"count_noise\": %.15g, \"rdp_order\": %.15g, "
					 "\"accountant\": \"rdp\", \"sampling\": \"poisson\"}",
					 o->epsilon, run->spent, o->delta, run->sigma, o->gan.max_grad_norm,
					 o->gan.weight_clip, run->q, run->steps, run->plan.count_share,
					 run->plan.count_sigma, run->plan.alpha);
	return s.data;
}

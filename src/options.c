/*
 * options.c
 *	  The `options jsonb` of raresynth_train and raresynth_evaluate: GAN
 *	  hyper-parameters (and, for the evaluation, epochs, batch_size, SMOTE's
 *	  k and the classifier's C), checked key by key, and the settings in
 *	  force as JSON for the catalog.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "raresynth.h"

/* Options a caller can set through `options jsonb`. */
static const char *const option_names[] = {
	"embedding_dim", "generator_dims", "discriminator_dims", "pac", "lr",
	"generator_lr", "discriminator_lr", "gp_lambda", "tau",
	"discriminator_steps", "beta1", "beta2", "weight_decay", "dropout",
	"moment_weight", "max_modes", NULL
};

/* Only raresynth_evaluate takes these (raresynth_train has arguments). */
static const char *const evaluate_option_names[] = {
	"epochs", "batch_size", "k", "C", NULL
};

char *
rs_option_list(bool for_evaluate)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; option_names[i]; i++)
		appendStringInfo(&s, "%s%s", i ? ", " : "", option_names[i]);
	for (int i = 0; for_evaluate && evaluate_option_names[i]; i++)
		appendStringInfo(&s, ", %s", evaluate_option_names[i]);
	return s.data;
}

void
rs_options_default(RsOptions *o)
{
	memset(o, 0, sizeof(*o));
	rs_gan_config_default(&o->gan);
	o->max_modes = RS_MAX_MODES;
	o->smote_k = 5;
	o->C = 1.0;
}

static double
jsonb_number(const char *key, JsonbValue *v)
{
	double		d;

	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a number", key)));
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
										   NumericGetDatum(v->val.numeric)));
	if (!isfinite(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" is out of range", key)));
	return d;
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

/*
 * Apply `options` to o; unknown keys and bad types are errors.  Then check
 * the GAN settings as a whole (batch_size a multiple of pac, ranges).
 */
void
rs_options_parse(Jsonb *opts, RsOptions *o, bool for_evaluate)
{
	rs_gan_config *cfg = &o->gan;
	int		   *max_modes = &o->max_modes;
	rs_error	err;

	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken r;

	if (opts == NULL)
		goto validate;
	if (!JB_ROOT_IS_OBJECT(opts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options must be a JSON object"),
				 errhint("Valid options: %s.", rs_option_list(for_evaluate))));
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
		else if (for_evaluate && strcmp(key, "epochs") == 0)
			cfg->epochs = jsonb_int(key, &v, 1, RS_MAX_EPOCHS);
		else if (for_evaluate && strcmp(key, "batch_size") == 0)
			cfg->batch_size = jsonb_int(key, &v, 2, RS_GAN_MAX_BATCH);
		else if (for_evaluate && strcmp(key, "k") == 0)
			o->smote_k = jsonb_int(key, &v, 1, 1000);
		else if (for_evaluate && strcmp(key, "C") == 0)
		{
			o->C = jsonb_number(key, &v);
			if (!(o->C > 0) || isinf(o->C))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"C\" must be a positive number")));
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown option \"%s\"", key),
					 errhint("Valid options: %s.", rs_option_list(for_evaluate))));
	}

validate:
	if (cfg->batch_size % cfg->pac != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size %d is not a multiple of pac %d", cfg->batch_size, cfg->pac),
				 errhint("PacGAN groups pac rows per critic input; choose a batch_size divisible by %d.", cfg->pac)));
	if (rs_gan_config_validate(cfg, &err) != RS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", err.msg),
				 errhint("Valid options: %s.", rs_option_list(for_evaluate))));
}

/* Error unless an array argument has at most one dimension. */
void
rs_check_1d_array(ArrayType *arr, const char *argname)
{
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", argname),
				 errdetail("It has %d dimensions.", ARR_NDIM(arr))));
}

/* The hyper-parameters in force, as stored in raresynth.models.options. */
char *
rs_options_json(const RsOptions *o)
{
	const rs_gan_config *cfg = &o->gan;
	int			max_modes = o->max_modes;
	int			epochs = cfg->epochs;

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


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

#include "utils/jsonb.h"

#include "raresynth.h"

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

/* Options that only mean something under `epsilon`. */
static const char *const dp_only[] = {"delta", "max_grad_norm", "weight_clip"};

/*
 * The DP settings of a model trained without `epsilon` (not in force, so
 * not stored in raresynth.models.options).
 */
bool
rs_option_dp_unused(const rs_hparam *p, const RsOptions *o)
{
	if (!isinf(o->epsilon))
		return false;
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
rs_options_dp_refuse(const RsOptions *o)
{
	if (isinf(o->epsilon))
		return;

	/*
	 * The critic's DP-SGD and its accountant are in the core (gan_train.c,
	 * dp_account.c), but the preprocessing still reads the rows without
	 * noise: refuse rather than store a model called private that is not.
	 */
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("differentially private training is not available yet"),
			 errdetail("The critic's training could be made private, but the preprocessing still reads the training rows without noise: the mixture fits and value ranges of continuous columns, the category frequencies, the rare-category pooling, the dependencies found by the profile and the row count."),
			 errhint("docs/privacy.md says what is done and what is missing.")));
}

/*
 * options.c
 *	  The `options jsonb` of raresynth_train and raresynth_evaluate and
 *	  raresynth_train's epochs and batch_size, read through the table of
 *	  src/core/hparams.c (names, bounds, defaults): checked key by key, and
 *	  the settings in force as JSON for the catalog.  The declared
 *	  constraints (keys RS_OPT_FIXED and RS_OPT_INEQ, docs/privacy.md) are
 *	  lists of column names rather than numbers: rs_options_parse checks
 *	  their shape, rs_options_add_rules resolves them against an analysed
 *	  source into a model's rules (src/core/rules.h).
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "raresynth.h"
#include "rules.h"

/* The declared constraints' keys: arrays of arrays of column names. */
#define RS_OPT_FIXED	"fixed_combinations"
#define RS_OPT_INEQ		"inequalities"
/* under `epsilon` (dp.c checks them): the columns' public ranges and categories */
#define RS_OPT_BOUNDS	"bounds"
#define RS_OPT_CATEGORIES "categories"

static bool
is_constraint_key(const char *key)
{
	return strcmp(key, RS_OPT_FIXED) == 0 || strcmp(key, RS_OPT_INEQ) == 0;
}

/* May raresynth_train (or, for_evaluate, raresynth_evaluate) take p in options? */
static bool
option_allowed(const rs_hparam *p, bool for_evaluate)
{
	return (p->where & RS_HP_OPTION) || (for_evaluate && (p->where & RS_HP_EVALUATE));
}

char *
rs_option_list(bool for_evaluate)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < rs_hparam_count; i++)
		if (option_allowed(&rs_hparam_table[i], for_evaluate))
			appendStringInfo(&s, "%s%s", s.len ? ", " : "", rs_hparam_table[i].name);
	appendStringInfoString(&s, ", " RS_OPT_FIXED ", " RS_OPT_INEQ ", " RS_OPT_BOUNDS ", " RS_OPT_CATEGORIES);
	return s.data;
}

void
rs_options_default(RsOptions *o)
{
	rs_hparams_default(o);
}

/*
 * Integer argument argno of fcinfo, checked against the bounds of row name
 * (train's epochs and batch_size, SMOTE's k); SQL NULL means its default.
 */
int
rs_option_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	const rs_hparam *p = rs_hparam_find(name);
	char		b[64];
	int			v;

	Assert(p && p->type == RS_HP_INT);
	if (PG_ARGISNULL(argno))
		return (int) p->def;
	v = PG_GETARG_INT32(argno);
	if (!rs_hparam_in_bounds(p, v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be %s", name, rs_hparam_bounds(p, b, sizeof(b)))));
	return v;
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

/* One of p's names, as its index. */
static int
jsonb_enum(const rs_hparam *p, JsonbValue *v)
{
	char		b[64];
	int			i = -1;

	if (v->type == jbvString)
	{
		char	   *name = pnstrdup(v->val.string.val, v->val.string.len);

		i = rs_hparam_enum_index(p, name);
		pfree(name);
	}
	if (i < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be %s", p->name,
						rs_hparam_bounds(p, b, sizeof(b)))));
	return i;
}

/* An integer within p's bounds. */
static int
jsonb_int(const rs_hparam *p, JsonbValue *v)
{
	double		d = jsonb_number(p->name, v);
	char		b[64];

	if (d != floor(d) || !rs_hparam_in_bounds(p, d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an integer %s", p->name,
						rs_hparam_bounds(p, b, sizeof(b)))));
	return (int) d;
}

/* An array of p->min_len..p->max_len widths; returns how many. */
static int
jsonb_dims(const rs_hparam *p, JsonbValue *v, int *dims)
{
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken r;
	int			n = 0;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an array of layer widths, e.g. %s",
						p->name, p->def_text)));
	it = JsonbIteratorInit(v->val.binary.data);
	while ((r = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		if (r != WJB_ELEM)
			continue;
		if (n >= p->max_len)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" may list at most %d layers", p->name, p->max_len)));
		dims[n++] = jsonb_int(p, &e);
	}
	if (n < p->min_len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 p->min_len == 1 ?
				 errmsg("option \"%s\" must list at least one layer", p->name) :
				 errmsg("option \"%s\" must list at least %d layers", p->name, p->min_len)));
	return n;
}

/*
 * Column cname of src for constraint option key: a feature of the kind the
 * constraint takes (categorical for a fixed combination, continuous for an
 * inequality).  Returns its index into src->cols.
 */
static int
constraint_column(const RsSource *src, const char *key, const char *cname)
{
	bool		ineq = strcmp(key, RS_OPT_INEQ) == 0;
	RsColumnKind want = ineq ? RS_COL_CONTINUOUS : RS_COL_CATEGORICAL;

	for (int i = 0; i < src->ncols; i++)
	{
		const RsSourceColumn *c = &src->cols[i];

		if (strcmp(c->name, cname) != 0)
			continue;
		if (c->kind == RS_COL_LABEL || c->kind == RS_COL_EXCLUDED)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" in option \"%s\" is not a feature", cname, key),
					 errdetail("It is %s: %s.", rs_column_kind_name(c->kind), c->reason)));
		if (c->kind != want)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" in option \"%s\" is %s", cname, key,
							rs_column_kind_name(c->kind)),
					 errhint(ineq ? "An inequality is between two continuous columns."
							 : "A fixed combination is of categorical columns.")));
		return i;
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("column \"%s\" of relation \"%s\" does not exist", cname, src->relname),
			 errdetail("It is listed in option \"%s\".", key)));
	return -1;					/* keep the compiler quiet */
}

/* The one way a constraint is written, for messages. */
static const char *
constraint_example(const char *key)
{
	return strcmp(key, RS_OPT_FIXED) == 0 ?
		"{\"" RS_OPT_FIXED "\": [[\"city\", \"region\"]]}" :
		"{\"" RS_OPT_INEQ "\": [[\"diastolic\", \"systolic\"]]}";
}

static void
constraint_shape_error(const char *key, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("option \"%s\" %s", key, what),
			 errhint("Write it as %s%s.", constraint_example(key),
					 strcmp(key, RS_OPT_INEQ) == 0 ? ": each pair is low < high" : "")));
}

/*
 * The lists of column names of constraint option key: checks the shape (an
 * array of arrays of 2..RS_RULES_MAX_GROUP_COLS names, exactly 2 for an
 * inequality, at most RS_RULES_MAX_GROUPS / RS_RULES_MAX_INEQ lists) and,
 * when src is given, resolves each name to a column of src: add(cols, n,
 * arg) is called per list with indexes into src->cols.
 */
static void
constraint_lists(const char *key, JsonbValue *v, const RsSource *src,
				 void (*add) (const RsSource *src, const char *key, const int *cols, int n, void *arg),
				 void *arg)
{
	bool		ineq = strcmp(key, RS_OPT_INEQ) == 0;
	int			max_lists = ineq ? RS_RULES_MAX_INEQ : RS_RULES_MAX_GROUPS;
	int			max_names = ineq ? 2 : RS_RULES_MAX_GROUP_COLS;
	int			n_lists = 0;
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken r;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		constraint_shape_error(key, "must be an array of arrays of column names");
	it = JsonbIteratorInit(v->val.binary.data);
	while ((r = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		JsonbIterator *it2;
		JsonbValue	name;
		int			cols[RS_RULES_MAX_GROUP_COLS];
		int			n = 0;

		if (r != WJB_ELEM)
			continue;
		if (++n_lists > max_lists)
			constraint_shape_error(key, psprintf("may hold at most %d entries", max_lists));
		if (e.type != jbvBinary || !JsonContainerIsArray(e.val.binary.data))
			constraint_shape_error(key, "must be an array of arrays of column names");
		it2 = JsonbIteratorInit(e.val.binary.data);
		while ((r = JsonbIteratorNext(&it2, &name, true)) != WJB_DONE)
		{
			char	   *cname;

			if (r != WJB_ELEM)
				continue;
			if (name.type != jbvString)
				constraint_shape_error(key, "must list column names as strings");
			if (n >= max_names)
				constraint_shape_error(key, ineq ? "must list pairs of columns" :
									   psprintf("may list at most %d columns together", max_names));
			cname = pnstrdup(name.val.string.val, name.val.string.len);
			cols[n] = src ? constraint_column(src, key, cname) : -1;
			for (int j = 0; src && j < n; j++)
				if (cols[j] == cols[n])
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("column \"%s\" is listed twice in one entry of option \"%s\"",
									cname, key)));
			n++;
		}
		if (n < 2 || (ineq && n != 2))
			constraint_shape_error(key, ineq ? "must list pairs of columns" :
								   "must list at least two columns together");
		if (add)
			add(src, key, cols, n, arg);
	}
}

/*
 * Apply `options` to o; unknown keys and bad types are errors, and so are
 * integers and the settings outside rs_gan_config out of bounds.  Then
 * check the GAN settings as a whole (batch_size a multiple of pac, the
 * numbers' bounds) in the core.
 */
void
rs_options_parse(Jsonb *opts, RsOptions *o, bool for_evaluate)
{
	rs_gan_config *cfg = &o->gan;
	rs_error	err;
	bool		precision_set = false;

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
		const rs_hparam *p;

		if (r != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		r = JsonbIteratorNext(&it, &v, true);
		Assert(r == WJB_VALUE);

		if (is_constraint_key(key))
		{
			constraint_lists(key, &v, NULL, NULL, NULL);
			continue;
		}
		if (strcmp(key, RS_OPT_BOUNDS) == 0 || strcmp(key, RS_OPT_CATEGORIES) == 0)
			continue;			/* rs_options_dp and rs_dp_columns */
		p = rs_hparam_find(key);
		if (p == NULL || !option_allowed(p, for_evaluate))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown option \"%s\"", key),
					 errhint("Valid options: %s.", rs_option_list(for_evaluate))));
		if (p->type == RS_HP_INT)
			*RS_HP_INT_AT(o, p->off) = jsonb_int(p, &v);
		else if (p->type == RS_HP_ENUM)
		{
			*RS_HP_INT_AT(o, p->off) = jsonb_enum(p, &v);
			precision_set |= p->off == offsetof(RsOptions, gan.precision);
		}
		else if (p->type == RS_HP_INT_LIST)
			*RS_HP_INT_AT(o, p->off) = jsonb_dims(p, &v, RS_HP_INT_AT(o, p->off2));
		else
		{
			double		d = jsonb_number(key, &v);
			char		b[64];

			/* rs_gan_config_validate checks the GAN's below */
			if (!rs_hparam_in_gan(p) && !rs_hparam_in_bounds(p, d))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"%s\" must be %s", key,
								rs_hparam_bounds(p, b, sizeof(b)))));
			*RS_HP_FLOAT_AT(o, p->off) = d;
			if (p->alias)
				*RS_HP_FLOAT_AT(o, p->off2) = d;
		}
	}

validate:
	/* the option wins over the GUC (docs/performance.md) */
	if (!precision_set)
		cfg->precision = rs_precision;
	rs_options_dp(opts, o);
	if (rs_hparams_check_pac(cfg, &err) != RS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", err.msg),
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

/*
 * The hyper-parameters in force, as stored in raresynth.models.options:
 * every row a model is trained with (not an alias, not evaluation-only),
 * and the thread count.
 */
char *
rs_options_json(const RsOptions *o)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	for (int i = 0; i < rs_hparam_count; i++)
	{
		const rs_hparam *p = &rs_hparam_table[i];

		if (p->alias || !(p->where & (RS_HP_OPTION | RS_HP_ARGUMENT)) ||
			rs_option_dp_unused(p, o))
			continue;
		appendStringInfo(&s, "\"%s\": ", p->name);
		if (p->type == RS_HP_INT)
			appendStringInfo(&s, "%d, ", *RS_HP_INT_AT(o, p->off));
		else if (p->type == RS_HP_ENUM)
			appendStringInfo(&s, "\"%s\", ", p->names[*RS_HP_INT_AT(o, p->off)]);
		else if (p->type == RS_HP_FLOAT)
			appendStringInfo(&s, "%g, ", *RS_HP_FLOAT_AT(o, p->off));
		else
		{
			int			n = *RS_HP_INT_AT(o, p->off);

			appendStringInfoChar(&s, '[');
			for (int k = 0; k < n; k++)
				appendStringInfo(&s, "%s%d", k ? ", " : "", RS_HP_INT_AT(o, p->off2)[k]);
			appendStringInfoString(&s, "], ");
		}
	}
	appendStringInfo(&s, "\"threads\": %d}", rs_threads);
	return s.data;
}

/* constraint_lists' add for rs_options_add_rules: columns as features. */
static void
add_constraint(const RsSource *src, const char *key, const int *cols, int n, void *arg)
{
	rs_rules   *rules = arg;
	int			f[RS_RULES_MAX_GROUP_COLS];
	rs_error	err;
	rs_status	st;

	for (int j = 0; j < n; j++)
		f[j] = rs_source_feature_index(src, cols[j]);
	for (int i = 0; strcmp(key, RS_OPT_INEQ) == 0 && i < rules->n_ineq; i++)
	{
		/* what rs_rules_add_inequality refuses, with the columns' names */
		if (rules->ineq[i].high == f[1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" is the upper side of two inequalities",
							src->cols[cols[1]].name),
					 errhint("Declare one inequality per upper column; a chain a < b < c is not supported.")));
		if (rules->ineq[i].low == f[1] || rules->ineq[i].high == f[0])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" cannot be the upper side of one inequality and the lower side of another",
							src->cols[rules->ineq[i].low == f[1] ? cols[1] : cols[0]].name),
					 errhint("A chain a < b < c is not supported.")));
	}
	if (strcmp(key, RS_OPT_INEQ) == 0)
		st = rs_rules_add_inequality(rules, f[0], f[1], &err);
	else
		st = rs_rules_add_group(rules, RS_GROUP_FIXED, f, n, &err);
	if (st != RS_OK)
		ereport(ERROR,
				(errcode(st == RS_ERR_NOMEM ? ERRCODE_OUT_OF_MEMORY : ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid option \"%s\": %s", key, err.msg)));
}

/*
 * Add the constraints declared in options (already checked in shape by
 * rs_options_parse) to rules, as feature column indexes of src.
 */
void
rs_options_add_rules(Jsonb *opts, const RsSource *src, rs_rules *rules)
{
	const char *keys[] = {RS_OPT_FIXED, RS_OPT_INEQ};

	if (opts == NULL || !JB_ROOT_IS_OBJECT(opts))
		return;
	for (int i = 0; i < lengthof(keys); i++)
	{
		JsonbValue *v = getKeyJsonValueFromContainer(&opts->root, keys[i], strlen(keys[i]), NULL);

		if (v != NULL)
			constraint_lists(keys[i], v, src, add_constraint, rules);
	}
}

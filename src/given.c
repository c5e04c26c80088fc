/*
 * given.c
 *	  The `given` jsonb of raresynth_sample(): what the rows are
 *	  conditioned on, read by each column's type and handed to the core's
 *	  conditioning (src/core/given.h), every refusal with its own message
 *	  and SQLSTATE.
 *
 *	  {"col": value}		a categorical column's category (read by the
 *							column's type: char(n) pads, booleans and enums
 *							take their input spellings) or null (its NULL);
 *	  {"col": {"min": a, "max": b}} or {"col": [a, b]}
 *							a continuous column's range, both ends
 *							included; an end left out, or null, is open;
 *	  {"col": null}			a continuous column's NULL.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "given.h"
#include "model.h"
#include "raresynth.h"

/* The columns that can be given, for hints: "categorical a, b; continuous x". */
static char *
given_columns(const rs_model *m)
{
	StringInfoData d;
	static const rs_kind kinds[] = {RS_KIND_CATEGORICAL, RS_KIND_CONTINUOUS};

	initStringInfo(&d);
	for (int i = 0; i < lengthof(kinds); i++)
	{
		int			n = 0;

		for (int c = 0; c < m->specs->n_cols; c++)
		{
			if (m->specs->cols[c].kind != kinds[i])
				continue;
			if (n++ == 0)
				appendStringInfo(&d, "%s%s", d.len ? "; " : "",
								 kinds[i] == RS_KIND_CATEGORICAL ? "categorical " : "continuous (a range) ");
			else
				appendStringInfoString(&d, ", ");
			appendStringInfoString(&d, quote_identifier(m->specs->cols[c].name));
		}
	}
	return d.len ? d.data : "none";
}

/*
 * The feature column of m named key, or an error: 42703 if the model's
 * source has no such column, 22023 for the label or an excluded column.
 */
static int
feature_column(const rs_model *m, const char *key, const char *model_name)
{
	const char *why = NULL;

	for (int c = 0; c < m->specs->n_cols; c++)
		if (strcmp(m->specs->cols[c].name, key) == 0)
			return c;
	for (int i = 0; i < m->meta.n_source_cols && !why; i++)
		if (strcmp(m->meta.source_names[i], key) == 0)
			why = m->meta.source_role[i] == RS_ROLE_LABEL
				? "It is the label column: every sampled row has the learned class."
				: "It was excluded from training: every sampled row has NULL there.";
	if (!why)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("given names \"%s\", which is not a column of model \"%s\"", key, model_name),
				 errhint("Columns that can be given: %s.", given_columns(m))));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("given names \"%s\", which model \"%s\" does not generate", key, model_name),
			 errdetail("%s", why),
			 errhint("Columns that can be given: %s.", given_columns(m))));
	pg_unreachable();
}

/* The attribute of desc named key (rs_rowmaker_create checked the columns). */
static Form_pg_attribute
given_attribute(TupleDesc desc, const char *key)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), key) == 0)
			return att;
	}
	elog(ERROR, "column \"%s\" is not in the row type", key);
	return NULL;
}

/* A JSON scalar as text (NULL for null), or NULL with *ok false for a container. */
static char *
scalar_text(const JsonbValue *v, bool *ok)
{
	*ok = true;
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return v->val.boolean ? "true" : "false";
		case jbvNull:
			return NULL;
		default:
			*ok = false;
			return NULL;
	}
}

/*
 * A value as the column's categories are written: through the column's
 * input and output functions, as training read it (so 'ab' finds the
 * char(4) category 'ab  ', "true", "yes" and JSON true find the boolean
 * category 't', "007" finds the integer category '7', an enum's label
 * its value).  A value the type rejects gets the input function's error.
 */
static char *
canonical_text(Form_pg_attribute att, const char *val)
{
	Oid			infn,
				ioparam,
				outfn;
	bool		varlena;
	Datum		d;

	getTypeInputInfo(att->atttypid, &infn, &ioparam);
	getTypeOutputInfo(att->atttypid, &outfn, &varlena);
	d = OidInputFunctionCall(infn, (char *) val, ioparam, att->atttypmod);
	return OidOutputFunctionCall(outfn, d);
}

/* A continuous value of column att for messages: a number, or a date or timestamp as the type writes it. */
static char *
value_text(Form_pg_attribute att, double v)
{
	int32		typmod = att->atttypmod;
	Oid			base = getBaseTypeAndTypmod(att->atttypid, &typmod);
	Oid			outfn;
	bool		varlena;

	if (isinf(v))
		return v < 0 ? "-infinity" : "infinity";
	if (rs_value_class(base) != RS_VAL_DATE && rs_value_class(base) != RS_VAL_TIMESTAMP)
		return psprintf("%.15g", v);	/* as given: not rounded to the type */
	getTypeOutputInfo(base, &outfn, &varlena);
	return OidOutputFunctionCall(outfn, rs_double_to_datum(v, rs_value_class(base), base, typmod));
}

/* A category of categorical column col, by its value text. */
static void
given_category(rs_given *g, int col, Form_pg_attribute att, const JsonbValue *v,
			   const char *key)
{
	const rs_column *spec = &g->m->specs->cols[col];
	bool		ok;
	char	   *val = scalar_text(v, &ok);
	int			cat = -1;
	rs_error	err;

	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("given value for \"%s\" must be a string, number, boolean or null", key),
				 errdetail("\"%s\" is a categorical column: a range applies only to a continuous column.",
						   key)));
	if (val == NULL)
		cat = spec->n_categories;	/* the NULL slot */
	else
	{
		char	   *canon = canonical_text(att, val);

		for (int j = 0; j < spec->n_categories && cat < 0; j++)
			if (strcmp(spec->categories[j], canon) == 0)
				cat = j;
	}
	if (cat >= 0 && rs_given_category(g, col, cat, &err) == RS_OK)
		return;
	{
		const char *why,
				   *hint;

		switch (cat < 0 ? RS_GIVEN_FAIL_NOT_SEEN : g->failed)
		{
			case RS_GIVEN_FAIL_NOT_SEEN:
				why = "was not seen in training";
				hint = "A model generates only values it learned.";
				break;
			case RS_GIVEN_FAIL_POOLED:
				why = "is a rare category the model does not generate";
				hint = "Categories held by fewer than rare_category_k training rows are pooled and never emitted.";
				break;
			case RS_GIVEN_FAIL_NO_COMBINATION:
				why = "completes no combination of columns seen in training";
				hint = "Its dependent columns are derived from the combinations in the training rows.";
				break;
			default:
				rs_report_core_error(&err, "could not condition on the given values");
		}
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value %s%s%s of \"%s\" %s",
						val ? "\"" : "", val ? val : "NULL", val ? "\"" : "", key, why),
				 errhint("%s", hint)));
	}
}

/*
 * One end of a range of continuous column key (type att): a JSON number
 * (for a numeric column), a string read by the column's type ("40", a
 * date, a timestamp), or null (open: -infinity for min, infinity for
 * max).  The double the core models; the infinities of a float, numeric,
 * date or timestamp column are those infinities.
 */
static double
range_bound(Form_pg_attribute att, const JsonbValue *v, const char *key, bool upper)
{
	int32		typmod = att->atttypmod;
	Oid			base = getBaseTypeAndTypmod(att->atttypid, &typmod);
	RsValueClass vc = rs_value_class(att->atttypid);
	double		x;

	if (v->type == jbvNull)
		return upper ? INFINITY : -INFINITY;
	if (v->type == jbvNumeric &&
		(vc == RS_VAL_INT || vc == RS_VAL_FLOAT || vc == RS_VAL_NUMERIC))
		x = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
	else if (v->type == jbvString)
	{
		char	   *s = pnstrdup(v->val.string.val, v->val.string.len);
		Oid			infn,
					ioparam;
		Datum		d;

		getTypeInputInfo(att->atttypid, &infn, &ioparam);
		d = OidInputFunctionCall(infn, s, ioparam, att->atttypmod);
		/* infinities of float, numeric, date and timestamp: open ends */
		if (vc == RS_VAL_FLOAT || vc == RS_VAL_NUMERIC)
		{
			double		f = vc == RS_VAL_NUMERIC
				? DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d))
				: base == FLOAT4OID ? (double) DatumGetFloat4(d) : DatumGetFloat8(d);

			if (isinf(f))
				return f;
		}
		if (vc == RS_VAL_DATE && DATE_NOT_FINITE(DatumGetDateADT(d)))
			return DATE_IS_NOBEGIN(DatumGetDateADT(d)) ? -INFINITY : INFINITY;
		if (vc == RS_VAL_TIMESTAMP && TIMESTAMP_NOT_FINITE(DatumGetTimestamp(d)))
			return TIMESTAMP_IS_NOBEGIN(DatumGetTimestamp(d)) ? -INFINITY : INFINITY;
		x = rs_datum_to_double(d, vc, base);
		if (rs_is_null(x))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("given range for \"%s\" has a bound that is not a number: \"%s\"", key, s)));
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("given range for \"%s\" has a bound that is not a %s", key,
						vc == RS_VAL_INT || vc == RS_VAL_FLOAT || vc == RS_VAL_NUMERIC
						? "number, a numeric string or null" : "string or null"),
				 vc == RS_VAL_DATE || vc == RS_VAL_TIMESTAMP
				 ? errhint("A bound of a date or timestamp column is a string such as \"2020-01-31\".")
				 : 0));
	/*
	 * The bound as a value the column can hold, inward: rows are rounded
	 * to their type (numeric(p, s) to s digits, real to float4) after the
	 * core kept them within the bounds, so a bound between two such values
	 * becomes the nearest one inside (whole numbers are the core's).
	 */
	if (base == FLOAT4OID)
	{
		float		f = (float) x;

		if (upper ? (double) f > x : (double) f < x)
			f = nextafterf(f, upper ? -INFINITY : INFINITY);
		x = f;
	}
	else if (base == NUMERICOID && typmod >= (int32) VARHDRSZ)
	{
		int			scale = (int) ((((typmod - VARHDRSZ) & 0x7ff) ^ 1024) - 1024);
		double		q = pow(10.0, scale),
					y = x * q,
					r = rint(y);

		/* on the grid to rounding error, or the next grid value inside */
		if (fabs(y - r) > 1e-9 * fmax(1.0, fabs(y)))
			r = upper ? floor(y) : ceil(y);
		x = r / q;
	}
	return x;
}

/*
 * The range of continuous column col: {"min": a, "max": b} (either may be
 * left out or null) or [a, b]; v is the object or array, read from it.
 */
static void
given_range(rs_given *g, int col, Form_pg_attribute att, JsonbContainer *jc,
			bool is_array, const char *key, const char *model_name)
{
	double		lo = -INFINITY,
				hi = INFINITY,
				kept_lo,
				kept_hi,
				clo,
				chi;
	int			n = JsonContainerSize(jc),
				seen = 0;
	rs_error	err;

	if (is_array)
	{
		JsonbValue *a,
				   *b;

		if (n != 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("given range for \"%s\" must have two elements, [min, max]", key),
					 errdetail("It has %d.", n),
					 errhint("A range is [min, max] or {\"min\": min, \"max\": max}.")));
		a = getIthJsonbValueFromContainer(jc, 0);
		b = getIthJsonbValueFromContainer(jc, 1);
		lo = range_bound(att, a, key, false);
		hi = range_bound(att, b, key, true);
	}
	else
	{
		JsonbIterator *it = JsonbIteratorInit(jc);
		JsonbValue	v;
		JsonbIteratorToken r;

		while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			char	   *k;
			bool		upper;

			if (r != WJB_KEY)
				continue;
			k = pnstrdup(v.val.string.val, v.val.string.len);
			r = JsonbIteratorNext(&it, &v, true);
			if (strcmp(k, "min") == 0)
				upper = false;
			else if (strcmp(k, "max") == 0)
				upper = true;
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("given range for \"%s\" has key \"%s\"", key, k),
						 errhint("A range is {\"min\": min, \"max\": max} (either may be left out) or [min, max].")));
			if (upper)
				hi = range_bound(att, &v, key, true);
			else
				lo = range_bound(att, &v, key, false);
			seen++;
		}
		if (seen == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("given range for \"%s\" has neither \"min\" nor \"max\"", key),
					 errhint("A range is {\"min\": min, \"max\": max} (either may be left out) or [min, max].")));
	}
	if (rs_given_range(g, col, lo, hi, &kept_lo, &kept_hi, &err) == RS_OK)
		return;
	rs_encoder_column_range(g->m->enc, col, &clo, &chi);
	switch (g->failed)
	{
		case RS_GIVEN_FAIL_EMPTY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("given range for \"%s\" is empty", key),
					 lo > hi ? errdetail("Its min %s is above its max %s.", value_text(att, lo), value_text(att, hi))
					 : errdetail("No value the column can hold lies between %s and %s.",
								 value_text(att, lo), value_text(att, hi))));
			break;
		case RS_GIVEN_FAIL_OUTSIDE:
		case RS_GIVEN_FAIL_UNREACHED:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("model \"%s\" generates no value of \"%s\" in the given range", model_name, key),
					 g->failed == RS_GIVEN_FAIL_OUTSIDE
					 ? (isnan(clo) ? errdetail("The column was only NULL in training.")
						: errdetail("Its values lie between %s and %s, the range kept from training.",
									value_text(att, clo), value_text(att, chi)))
					 : errdetail("No mode of the column's mixture reaches the range: the model's values of \"%s\" lie elsewhere between %s and %s.",
								 key, value_text(att, clo), value_text(att, chi))));
			break;
		case RS_GIVEN_FAIL_DERIVED:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("given cannot hold \"%s\" in a range", key),
					 errdetail("\"%s\" is the high column of an inequality: the model rebuilds it from the low column and the difference.",
							   key),
					 errhint("Give a range of the low column instead.")));
			break;
		case RS_GIVEN_FAIL_VALUE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("given range for \"%s\" has a bound that is NaN", key)));
			break;
		default:
			rs_report_core_error(&err, "could not condition on the given range");
	}
}

/*
 * given jsonb (see the top of the file) -> the core's conditions for m,
 * finished; NULL for {}.  desc is the row type (the model's source
 * columns).
 */
rs_given *
rs_parse_given(Jsonb *given, const rs_model *m, const char *model_name, TupleDesc desc)
{
	rs_given   *g;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken r;
	int			n_keys = 0;
	rs_error	err;

	if (!JB_ROOT_IS_OBJECT(given))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("given must be a JSON object such as {\"sex\": \"Female\", \"age\": {\"min\": 40, \"max\": 60}}")));
	if (!(g = rs_given_create(m, &err)))
		rs_report_core_error(&err, NULL);
	it = JsonbIteratorInit(&given->root);
	while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		int			col;
		Form_pg_attribute att;

		if (r != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		r = JsonbIteratorNext(&it, &v, true);
		Assert(r == WJB_VALUE);
		n_keys++;
		col = feature_column(m, key, model_name);
		att = given_attribute(desc, key);
		if (m->specs->cols[col].kind == RS_KIND_CATEGORICAL)
			given_category(g, col, att, &v, key);
		else if (v.type == jbvNull)
		{
			if (rs_given_null(g, col, &err) != RS_OK)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("value NULL of \"%s\" was not seen in training", key),
						 errhint("A model generates only values it learned.")));
		}
		else if (v.type == jbvBinary &&
				 (JsonContainerIsObject(v.val.binary.data) || JsonContainerIsArray(v.val.binary.data)))
			given_range(g, col, att, v.val.binary.data, JsonContainerIsArray(v.val.binary.data),
						key, model_name);
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("given value for \"%s\" must be a range such as {\"min\": 40, \"max\": 60}", key),
					 errdetail("\"%s\" is a continuous column: a row's value is held in a range, never fixed to one value.",
							   key),
					 errhint("Give a range such as [40, 60] ({\"min\": 40, \"max\": 40} for 40 exactly), or null for the column's NULL.")));
	}
	if (rs_given_finish(g, &err) != RS_OK)
	{
		if (g->failed != RS_GIVEN_FAIL_CONTRADICTION)
			rs_report_core_error(&err, "could not condition on the given values");
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("given values of \"%s\" and \"%s\" form no combination seen in training",
						m->specs->cols[g->failed_other].name, m->specs->cols[g->failed_column].name),
				 errdetail("The model keeps the combinations of these columns that the training rows have (a functional dependency or a declared fixed combination)."),
				 errhint("Give values that occur together, or give only one of them: the model derives the others.")));
	}
	if (n_keys == 0)
	{
		rs_given_free(g);
		return NULL;
	}
	return g;
}

/*
 * datum.c
 *	  SQL values and the doubles the core models: the value class of a type
 *	  (how its values reach the core), a datum as a double and a double as
 *	  a datum of a base type, the type text a model records, and whether a
 *	  domain has a CHECK constraint.  No table access here: read.c and
 *	  rowmaker.c call these for every value they convert.
 */
#include "postgres.h"

#include "access/transam.h"
#include "catalog/pg_type.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "raresynth.h"

/* How values of a type reach the core (by its base type). */
RsValueClass
rs_value_class(Oid typid)
{
	Oid			base = getBaseType(typid);

	switch (base)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return RS_VAL_INT;
		case FLOAT4OID:
		case FLOAT8OID:
			return RS_VAL_FLOAT;
		case NUMERICOID:
			return RS_VAL_NUMERIC;
		case DATEOID:
			return RS_VAL_DATE;
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return RS_VAL_TIMESTAMP;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
			return RS_VAL_TEXT;
		case BOOLOID:
			return RS_VAL_BOOL;
		default:
			if (type_is_enum(base))
				return RS_VAL_TEXT;
			return RS_VAL_UNSUPPORTED;
	}
}

/* Values ordered on a number line: a continuous column can hold them. */
bool
rs_value_class_is_numeric(RsValueClass vc)
{
	return vc == RS_VAL_INT || vc == RS_VAL_FLOAT || vc == RS_VAL_NUMERIC ||
		vc == RS_VAL_DATE || vc == RS_VAL_TIMESTAMP;
}

/* SQL type text as stored in a model: schema-qualified when not visible. */
char *
rs_format_type(Oid typid, int32 typmod)
{
	return format_type_with_typemod(typid, typmod);
}

/*
 * SQL for the text of column colq's value (quoted; of type typid), for
 * labels compared as text.  colq::text only for a built-in base type,
 * whose casts only a superuser can define (domains' casts are ignored):
 * a role that owns the column's type (an enum, a composite, range or
 * array type) can CREATE CAST to text WITH FUNCTION, and that function
 * would run with the caller's rights.  For those, format('%s'), which
 * calls the output function only; it gives '' for NULL: say IS NOT NULL
 * where NULLs may reach it.
 */
char *
rs_sql_value_text(const char *colq, Oid typid)
{
	if (getBaseType(typid) < FirstNormalObjectId)
		return psprintf("%s::pg_catalog.text", colq);
	return psprintf("pg_catalog.format('%%s', %s)", colq);
}

/*
 * Fixed settings for the text of values raresynth compares or stores
 * (labels, categories) until rs_value_text_end(), or until an error
 * unwinds them: DateStyle, IntervalStyle, TimeZone, extra_float_digits,
 * bytea_output and lc_monetary change that text, and a model trained in
 * one session would otherwise not find its class in another (a date
 * label under DateStyle German counted 0 rows of the class).
 */
int
rs_value_text_begin(void)
{
	static const char *const settings[][2] = {
		{"DateStyle", "ISO, YMD"},
		{"IntervalStyle", "postgres"},
		{"TimeZone", "UTC"},
		{"extra_float_digits", "1"},
		{"bytea_output", "hex"},
		{"lc_monetary", "C"},
	};
	int			nestlevel = NewGUCNestLevel();

	for (int i = 0; i < lengthof(settings); i++)
		(void) set_config_option(settings[i][0], settings[i][1], PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
rs_value_text_end(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}

/*
 * The name of the first domain in typid's chain that has a CHECK
 * constraint (its own or inherited), or NULL.
 */
char *
rs_domain_with_check(Oid typid)
{
	DomainConstraintRef *ref;
	ListCell   *lc;

	if (get_typtype(typid) != TYPTYPE_DOMAIN)
		return NULL;
	/* in the context: its reset callback points at it */
	ref = palloc(sizeof(DomainConstraintRef));
	InitDomainConstraintRef(typid, ref, CurrentMemoryContext, false);
	foreach(lc, ref->constraints)
	{
		DomainConstraintState *c = (DomainConstraintState *) lfirst(lc);

		if (c->constrainttype == DOM_CONSTRAINT_CHECK)
			return format_type_be(typid);
	}
	return NULL;
}

/*
 * A numeric SQL value (class vc, base type basetype) as the double the
 * core models; NaN for NULL-like.
 */
double
rs_datum_to_double(Datum d, RsValueClass vc, Oid basetype)
{
	switch (vc)
	{
		case RS_VAL_INT:
			if (basetype == INT2OID)
				return (double) DatumGetInt16(d);
			if (basetype == INT4OID)
				return (double) DatumGetInt32(d);
			return (double) DatumGetInt64(d);
		case RS_VAL_FLOAT:
			{
				double		v = basetype == FLOAT4OID ? (double) DatumGetFloat4(d) : DatumGetFloat8(d);

				/* NaN and infinities are modelled as missing values */
				return isfinite(v) ? v : RS_NULL;
			}
		case RS_VAL_NUMERIC:
			{
				double		v = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d));

				return isfinite(v) ? v : RS_NULL;
			}
		case RS_VAL_DATE:
			{
				DateADT		v = DatumGetDateADT(d);

				return DATE_NOT_FINITE(v) ? RS_NULL : (double) v;
			}
		case RS_VAL_TIMESTAMP:
			{
				Timestamp	v = DatumGetTimestamp(d);

				return TIMESTAMP_NOT_FINITE(v) ? RS_NULL : (double) v;
			}
		default:
			elog(ERROR, "unexpected value class %d", (int) vc);
	}
	return RS_NULL;
}

/*
 * A continuous core value as a datum of base type basetype (class vc,
 * modifier basetypmod), rounded and clamped as a cast would.  A domain's
 * constraints are the caller's to check.
 */
Datum
rs_double_to_datum(double v, RsValueClass vc, Oid basetype, int32 basetypmod)
{
	switch (vc)
	{
		case RS_VAL_INT:
			v = rint(v);
			if (basetype == INT2OID)
				return Int16GetDatum((int16) Max(Min(v, PG_INT16_MAX), PG_INT16_MIN));
			if (basetype == INT4OID)
				return Int32GetDatum((int32) Max(Min(v, PG_INT32_MAX), PG_INT32_MIN));
			return Int64GetDatum((int64) Max(Min(v, 9.2e18), -9.2e18));
		case RS_VAL_FLOAT:
			return basetype == FLOAT4OID ? Float4GetDatum((float4) v) : Float8GetDatum(v);
		case RS_VAL_NUMERIC:
			{
				Datum		d = DirectFunctionCall1(float8_numeric, Float8GetDatum(v));

				if (basetypmod >= 0)
					d = DirectFunctionCall2(numeric, d, Int32GetDatum(basetypmod));
				return d;
			}
		case RS_VAL_DATE:
			return DateADTGetDatum((DateADT) rint(v));
		case RS_VAL_TIMESTAMP:
			{
				Datum		d = TimestampGetDatum((Timestamp) rint(v));

				/* timestamp(p): round to its precision like a cast would */
				if (basetypmod >= 0)
					d = DirectFunctionCall2(basetype == TIMESTAMPTZOID ? timestamptz_scale : timestamp_scale,
											d, Int32GetDatum(basetypmod));
				return d;
			}
		default:
			elog(ERROR, "unexpected value class %d", (int) vc);
	}
	return (Datum) 0;
}

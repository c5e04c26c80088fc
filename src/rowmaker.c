/*
 * rowmaker.c
 *	  Core rows back into SQL values: the row maker turns a decoded rs_table
 *	  row into the datums of a row type that has a model's source columns
 *	  (categories through the column's input function, continuous values
 *	  through datum.c, domains checked), and rs_describe_mismatch() says how
 *	  a row type differs from those columns.  Used by the row stream
 *	  (sample.c), SMOTE (smote.c) and the checks on a model's source and
 *	  targets (source.c, write.c).
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "model.h"
#include "raresynth.h"

/* One attribute of the row type: its role in the model and how its values are made. */
typedef struct RsOutColumn
{
	int			role;			/* feature index, RS_ROLE_LABEL, RS_ROLE_EXCLUDED */
	RsValueClass vclass;
	Oid			typid;			/* declared type */
	Oid			basetype;
	int32		typmod;			/* declared modifier */
	int32		basetypmod;		/* of the base type (a domain's own) */
	bool		domain;			/* typid is a domain: check its constraints */
	void	   *domain_extra;	/* domain_check()'s cache */
	FmgrInfo	input;
	Oid			ioparam;
	Datum	   *cat_datums;		/* categorical: one datum per category */
} RsOutColumn;

struct RsRowMaker
{
	int			natts;			/* attributes of the row type, dropped included */
	RsOutColumn *cols;			/* natts; dropped ones role EXCLUDED */
	Datum		label_datum;
	MemoryContext mcxt;			/* where the row maker lives */
};

/* A value of the column's type from its text (a category, the minority). */
static Datum
input_datum(RsOutColumn *oc, char *text)
{
	return InputFunctionCall(&oc->input, text, oc->ioparam, oc->typmod);
}

/*
 * A continuous core value as a datum of the column's type: a value of the
 * base type (with its modifier), then the domain's constraints.
 */
static Datum
double_to_datum(RsRowMaker *rm, RsOutColumn *oc, double v)
{
	Datum		d = rs_double_to_datum(v, oc->vclass, oc->basetype, oc->basetypmod);

	if (oc->domain)
		domain_check(d, false, oc->typid, &oc->domain_extra, rm->mcxt);
	return d;
}

/*
 * NULL if desc has exactly the source columns meta records (names, types,
 * order; dropped columns skipped), else a sentence naming the first
 * difference.
 */
char *
rs_describe_mismatch_meta(TupleDesc desc, const rs_model_meta *meta)
{
	int			src = 0;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		char	   *typ;

		if (att->attisdropped)
			continue;
		if (src >= meta->n_source_cols)
			return psprintf("Column \"%s\" is not in the model's source, which has %d columns.",
							NameStr(att->attname), meta->n_source_cols);
		typ = rs_format_type(att->atttypid, att->atttypmod);
		if (strcmp(NameStr(att->attname), meta->source_names[src]) != 0 ||
			strcmp(typ, meta->source_types[src]) != 0)
			return psprintf("Column %d is \"%s\" %s here but \"%s\" %s in the model.",
							src + 1, NameStr(att->attname), typ,
							meta->source_names[src], meta->source_types[src]);
		src++;
	}
	if (src != meta->n_source_cols)
		return psprintf("Column \"%s\" of the model's source is missing.",
						meta->source_names[src]);
	return NULL;
}

/* The same for model m's source columns. */
char *
rs_describe_mismatch(TupleDesc desc, const rs_model *m)
{
	return rs_describe_mismatch_meta(desc, &m->meta);
}

/*
 * Prepare to build rows of type desc from rows coded like specs (feature
 * column specs), of a source whose columns meta records: all a row maker
 * needs of a model (SMOTE's rows have no model).  desc must have those
 * columns (rs_describe_mismatch_meta).  model_name and source_name are
 * for messages.
 */
RsRowMaker *
rs_rowmaker_create_meta(TupleDesc desc, const rs_model_meta *meta, const rs_table *specs,
						const char *model_name, const char *source_name)
{
	RsRowMaker *rm = palloc0(sizeof(RsRowMaker));
	char	   *mismatch = rs_describe_mismatch_meta(desc, meta);
	int			src = 0;

	if (mismatch)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("row type does not match the source of model \"%s\"", model_name),
				 errdetail("%s", mismatch),
				 errhint("Pass the source's row type, NULL::%s; if the source has changed since training, retrain the model with raresynth_train().",
						 source_name)));
	rm->natts = desc->natts;
	rm->mcxt = CurrentMemoryContext;
	rm->cols = palloc0(sizeof(RsOutColumn) * Max(desc->natts, 1));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		RsOutColumn *oc = &rm->cols[i];
		Oid			infn;
		int			role;

		oc->role = RS_ROLE_EXCLUDED;
		if (att->attisdropped)
			continue;
		role = meta->source_role[src];
		oc->role = role;
		oc->typid = att->atttypid;
		oc->typmod = att->atttypmod;
		oc->basetypmod = att->atttypmod;
		oc->basetype = getBaseTypeAndTypmod(att->atttypid, &oc->basetypmod);
		oc->vclass = rs_value_class(att->atttypid);
		oc->domain = oc->basetype != att->atttypid;
		getTypeInputInfo(att->atttypid, &infn, &oc->ioparam);
		fmgr_info(infn, &oc->input);
		if (role >= 0 && specs->cols[role].kind == RS_KIND_CONTINUOUS &&
			!rs_value_class_is_numeric(oc->vclass))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of type %s cannot hold the continuous values of model \"%s\"",
							NameStr(att->attname), format_type_be(att->atttypid), model_name),
					 errhint("Pass the source's row type, NULL::%s.", source_name)));
		if (role == RS_ROLE_LABEL)
			rm->label_datum = input_datum(oc, meta->minority);
		else if (role >= 0 && specs->cols[role].kind == RS_KIND_CATEGORICAL)
		{
			const rs_column *spec = &specs->cols[role];

			oc->cat_datums = palloc(sizeof(Datum) * Max(spec->n_categories, 1));
			for (int k = 0; k < spec->n_categories; k++)
				oc->cat_datums[k] = input_datum(oc, spec->categories[k]);
		}
		src++;
	}
	return rm;
}

/* Prepare to build rows of type desc from model m (rs_rowmaker_create_meta). */
RsRowMaker *
rs_rowmaker_create(TupleDesc desc, const rs_model *m, const char *model_name,
				   const char *source_name)
{
	return rs_rowmaker_create_meta(desc, &m->meta, m->specs, model_name, source_name);
}

/* Fill values/nulls (rm->natts long) from row `row` of the decoded table t. */
void
rs_rowmaker_fill(RsRowMaker *rm, const rs_table *t, int row, Datum *values, bool *nulls)
{
	for (int i = 0; i < rm->natts; i++)
	{
		RsOutColumn *oc = &rm->cols[i];
		double		v;

		if (oc->role == RS_ROLE_LABEL)
		{
			values[i] = rm->label_datum;
			nulls[i] = false;
			continue;
		}
		if (oc->role < 0 || rs_is_null(v = RS_CELL(t, row, oc->role)))
		{
			values[i] = (Datum) 0;
			nulls[i] = true;
			continue;
		}
		nulls[i] = false;
		if (oc->cat_datums)
		{
			if (v < 0 || v >= t->cols[oc->role].n_categories)
				elog(ERROR, "category %g out of range", v);
			values[i] = oc->cat_datums[(int) v];
		}
		else
			values[i] = double_to_datum(rm, oc, v);
	}
}

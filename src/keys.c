/*
 * keys.c
 *	  Generated values for excluded columns (docs/citus.md): the keys
 *	  argument of raresynth_synthesize() and raresynth_smote(), a JSON
 *	  object {"column": "uuid" | "<sequence>"}.  Synthetic rows have NULL
 *	  in the columns the model excluded (identifiers, typically); keys
 *	  gives such a column a new value per row instead, from
 *	  gen_random_uuid() or nextval() of a sequence, so that the rows can
 *	  go into a table distributed (or keyed) by it.  rs_keys_parse checks
 *	  the object and returns one RsKey per column: the SQL expression the
 *	  INSERT of write.c puts in that column's place (names nothing but
 *	  pg_catalog and the sequence's OID).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"

#include "model.h"
#include "raresynth.h"

List *
rs_keys_parse(Jsonb *keys, const rs_model_meta *meta, const char *qsource)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	List	   *out = NIL;
	char	   *col = NULL;

	if (keys == NULL)
		return NIL;
	if (!JB_ROOT_IS_OBJECT(keys))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("keys must be a JSON object"),
				 errhint("Pass e.g. keys => '{\"patient_id\": \"uuid\"}' or '{\"id\": \"my_sequence\"}'.")));
	it = JsonbIteratorInit(&keys->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		RsKey	   *k;
		char	   *val;
		int			role = 0;
		bool		found = false;

		if (tok == WJB_KEY)
		{
			col = pnstrdup(v.val.string.val, v.val.string.len);
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		for (int i = 0; i < meta->n_source_cols; i++)
			if (strcmp(meta->source_names[i], col) == 0)
			{
				role = meta->source_role[i];
				found = true;
			}
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of keys is not a column of %s", col, qsource)));
		if (role != RS_ROLE_EXCLUDED)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" of keys is not excluded", col),
					 errdetail("Its values are synthesized; keys generates values only for the columns the model excluded, which are NULL otherwise.")));
		if (v.type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("keys value of column \"%s\" must be a string", col),
					 errhint("Pass \"uuid\" or the name of a sequence.")));
		val = pnstrdup(v.val.string.val, v.val.string.len);
		k = palloc(sizeof(RsKey));
		k->column = col;
		if (strcmp(val, "uuid") == 0)
			k->expr = pstrdup("pg_catalog.gen_random_uuid()");
		else
		{
			Oid			seq = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(val)),
											   NoLock, false);

			if (get_rel_relkind(seq) != RELKIND_SEQUENCE)
				ereport(ERROR,
						(errcode(ERRCODE_WRONG_OBJECT_TYPE),
						 errmsg("\"%s\" is not a sequence", val),
						 errhint("A keys value is \"uuid\" or the name of a sequence.")));
			/* nextval checks USAGE or UPDATE on it, as it does for anyone */
			k->expr = psprintf("pg_catalog.nextval(%u::pg_catalog.oid::pg_catalog.regclass)", seq);
		}
		out = lappend(out, k);
	}
	return out;
}

/*
 * model_json.c
 *	  What raresynth_model_info shows of a model state beyond the catalog
 *	  row: its rules (core/rules.h) as JSON, read from the state itself.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/json.h"

#include "model.h"
#include "raresynth.h"
#include "rules.h"

/*
 * The rules a model state keeps, as JSON text: {"rare_category_k",
 * "extreme_value_k", "pooled": {column: categories pooled}, "groups":
 * [{"kind", "columns", "combinations"}], "inequalities": [{"low",
 * "high"}]}; "null" for a state without rules or one that does not load.
 */
char *
rs_model_rules_json(const void *state, size_t len)
{
	rs_state_view view;
	rs_rbuf		sec;
	rs_error	err;
	rs_table   *specs;
	rs_rules   *r;
	StringInfoData s;
	bool		first = true;

	if (rs_state_open(&view, state, len, &err) != RS_OK ||
		rs_state_get(&view, RS_SEC_COLUMNS, &sec, &err) != RS_OK ||
		!(specs = rs_columns_load(&sec, &err)))
		return "null";
	if (rs_state_get(&view, RS_SEC_RULES, &sec, &err) != RS_OK ||
		!(r = rs_rules_load(&sec, specs, &err)))
		return "null";
#define COLNAME(c) (specs->cols[c].name ? specs->cols[c].name : "?")
	initStringInfo(&s);
	appendStringInfo(&s, "{\"rare_category_k\": %d, \"extreme_value_k\": %d, \"pooled\": {",
					 r->rare_k, r->clamp_k);
	for (int c = 0; c < r->n_cols; c++)
		if (r->pooled[c] >= 0)
		{
			if (!first)
				appendStringInfoString(&s, ", ");
			first = false;
			escape_json(&s, COLNAME(c));
			appendStringInfo(&s, ": %d", r->n_pooled[c]);
		}
	appendStringInfoString(&s, "}, \"groups\": [");
	for (int g = 0; g < r->n_groups; g++)
	{
		appendStringInfo(&s, "%s{\"kind\": \"%s\", \"columns\": [", g ? ", " : "",
						 r->groups[g].kind == RS_GROUP_DEPENDENCY ? "dependency" : "fixed");
		for (int i = 0; i < r->groups[g].n_cols; i++)
		{
			if (i)
				appendStringInfoString(&s, ", ");
			escape_json(&s, COLNAME(r->groups[g].cols[i]));
		}
		appendStringInfo(&s, "], \"combinations\": %d}", r->groups[g].n_tuples);
	}
	appendStringInfoString(&s, "], \"inequalities\": [");
	for (int i = 0; i < r->n_ineq; i++)
	{
		appendStringInfo(&s, "%s{\"low\": ", i ? ", " : "");
		escape_json(&s, COLNAME(r->ineq[i].low));
		appendStringInfoString(&s, ", \"high\": ");
		escape_json(&s, COLNAME(r->ineq[i].high));
		appendStringInfoChar(&s, '}');
	}
	appendStringInfoString(&s, "]}");
#undef COLNAME
	return s.data;
}


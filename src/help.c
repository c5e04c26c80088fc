/*
 * help.c
 *	  raresynth_version() and raresynth_help(topic): what the extension is
 *	  and does, from SQL.  Nothing here is a static list: the functions are
 *	  the extension's own members (pg_depend, deptype 'e', read by index
 *	  scan, never by a name resolved through search_path), each with its
 *	  signature (pg_get_function_arguments/_result) and its COMMENT; the
 *	  options are the rows of src/core/hparams.c (and the declared
 *	  constraints' keys, rs_option_list); the settings are the raresynth.*
 *	  GUCs as the GUC machinery holds them (what DefineCustom*Variable was
 *	  given in _PG_init, and the session's current value).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "commands/comment.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/regproc.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "blas.h"

#include "gemm16.h"
#include "raresynth.h"

#define RS_GUC_PREFIX "raresynth."

/* Topics other than a function's name. */
#define RS_TOPIC_OPTIONS	"options"
#define RS_TOPIC_SETTINGS	"settings"

typedef struct RsHelpFunc
{
	Oid			oid;
	char	   *name;			/* as to be written: qualified unless in the
								 * extension's schema */
	char	   *proname;
	char	   *args;			/* pg_get_function_arguments: with defaults */
	char	   *result;			/* pg_get_function_result */
	char	   *comment;		/* COMMENT ON FUNCTION, or NULL */
} RsHelpFunc;

/* The extension the calling function belongs to (the caller's own fn_oid). */
static Oid
help_extension(FunctionCallInfo fcinfo)
{
	Oid			ext = getExtensionOfObject(ProcedureRelationId, fcinfo->flinfo->fn_oid);

	if (!OidIsValid(ext))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("function %s is not a member of the raresynth extension",
						format_procedure(fcinfo->flinfo->fn_oid)),
				 errhint("Use the functions CREATE EXTENSION raresynth creates.")));
	return ext;
}

/* extversion of extension ext, palloc'd; its schema into *nsp if nsp. */
static char *
extension_version(Oid ext, Oid *nsp)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *version = NULL;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_extension_extversion,
									 RelationGetDescr(rel), &isnull);

		if (!isnull)
			version = text_to_cstring(DatumGetTextPP(d));
		if (nsp)
			*nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (version == NULL)
		elog(ERROR, "extension %u has no version", ext);
	return version;
}

static char *
text_of(PGFunction fn, Oid oid)
{
	return text_to_cstring(DatumGetTextPP(DirectFunctionCall1(fn, ObjectIdGetDatum(oid))));
}

static int
help_func_cmp(const void *a, const void *b)
{
	const RsHelpFunc *x = a,
			   *y = b;
	int			c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->args, y->args);
}

/* The extension's functions, sorted by name then arguments; *n set. */
static RsHelpFunc *
help_functions(Oid ext, int *n)
{
	Oid			extnsp = InvalidOid;
	Relation	rel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	int			cap = 32,
				count = 0;
	RsHelpFunc *f = palloc(sizeof(RsHelpFunc) * cap);

	(void) extension_version(ext, &extnsp);
	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ExtensionRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend d = (Form_pg_depend) GETSTRUCT(tup);
		HeapTuple	ptup;
		Form_pg_proc p;
		RsHelpFunc *e;

		if (d->classid != ProcedureRelationId || d->deptype != DEPENDENCY_EXTENSION)
			continue;
		ptup = SearchSysCache1(PROCOID, ObjectIdGetDatum(d->objid));
		if (!HeapTupleIsValid(ptup))
			continue;			/* dropped concurrently */
		p = (Form_pg_proc) GETSTRUCT(ptup);
		if (count == cap)
			f = repalloc(f, sizeof(RsHelpFunc) * (cap *= 2));
		e = &f[count++];
		e->oid = d->objid;
		e->proname = pstrdup(NameStr(p->proname));
		e->name = p->pronamespace == extnsp ? pstrdup(quote_identifier(e->proname)) :
			quote_qualified_identifier(get_namespace_name(p->pronamespace), e->proname);
		ReleaseSysCache(ptup);
		e->args = text_of(pg_get_function_arguments, e->oid);
		e->result = text_of(pg_get_function_result, e->oid);
		e->comment = GetComment(e->oid, ProcedureRelationId, 0);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	qsort(f, count, sizeof(RsHelpFunc), help_func_cmp);
	*n = count;
	return f;
}

/*
 * A comment's first clause (up to "; " outside parentheses), at most 100
 * characters, cut at a space with "..." when longer.
 */
static void
append_purpose(StringInfo s, const char *comment)
{
	int			depth = 0,
				end = 0,
				len;

	if (comment == NULL)
	{
		appendStringInfoString(s, "(no comment)");
		return;
	}
	len = strlen(comment);
	for (end = 0; end < len; end++)
	{
		if (comment[end] == '(')
			depth++;
		else if (comment[end] == ')' && depth > 0)
			depth--;
		else if (comment[end] == ';' && depth == 0)
			break;
	}
	if (end > 100)
	{
		int			cut = 100;

		while (cut > 0 && comment[cut] != ' ')
			cut--;
		appendBinaryStringInfo(s, comment, cut > 0 ? cut : 100);
		appendStringInfoString(s, "...");
	}
	else
		appendBinaryStringInfo(s, comment, end);
}

/* One raresynth.* GUC: name = value (type, range, default): description. */
static void
append_setting(StringInfo s, struct config_generic *g)
{
	const char *value = GetConfigOption(g->name, true, true);

	appendStringInfo(s, "  %s = %s (", g->name, value ? value : "(hidden)");
	switch (g->vartype)
	{
		case PGC_BOOL:
			appendStringInfo(s, "boolean, default %s",
							 ((struct config_bool *) g)->boot_val ? "on" : "off");
			break;
		case PGC_INT:
			{
				struct config_int *c = (struct config_int *) g;

				appendStringInfo(s, "integer %d .. %d, default %d", c->min, c->max, c->boot_val);
				break;
			}
		case PGC_REAL:
			{
				struct config_real *c = (struct config_real *) g;

				appendStringInfo(s, "number %g .. %g, default %g", c->min, c->max, c->boot_val);
				break;
			}
		case PGC_STRING:
			{
				struct config_string *c = (struct config_string *) g;

				appendStringInfo(s, "text, default '%s'", c->boot_val ? c->boot_val : "");
				break;
			}
		case PGC_ENUM:
			{
				struct config_enum *c = (struct config_enum *) g;

				appendStringInfo(s, "enum, default %s",
								 config_enum_lookup_by_value(c, c->boot_val));
				break;
			}
	}
	appendStringInfo(s, "): %s\n", g->short_desc ? g->short_desc : "");
	if (g->long_desc)
		appendStringInfo(s, "      %s\n", g->long_desc);
}

/* The raresynth.* GUCs defined by _PG_init (placeholders left out). */
static void
append_settings(StringInfo s)
{
	struct config_generic **vars = get_guc_variables();
	int			n = GetNumConfigOptions();

	appendStringInfoString(s, "Settings (SET raresynth.<name> = ...; they appear in pg_settings once the library is loaded: LOAD 'raresynth' or any raresynth call in the session):\n");
	for (int i = 0; i < n; i++)
		if (strncmp(vars[i]->name, RS_GUC_PREFIX, strlen(RS_GUC_PREFIX)) == 0 &&
			!(vars[i]->flags & GUC_CUSTOM_PLACEHOLDER))
			append_setting(s, vars[i]);
}

/* One row of the hparams table, as docs/gan.md's option table has it. */
static void
append_hparam(StringInfo s, const rs_hparam *p, const char *set_in)
{
	char		b[64];

	appendStringInfo(s, "  %s (", p->name);
	if (p->type == RS_HP_INT_LIST)
		appendStringInfo(s, "array of integers, %d to %d entries, each %s",
						 p->min_len, p->max_len, rs_hparam_bounds(p, b, sizeof(b)));
	else
		appendStringInfo(s, "%s, %s", p->type == RS_HP_INT ? "integer" :
						 p->type == RS_HP_ENUM ? "string" : "number",
						 rs_hparam_bounds(p, b, sizeof(b)));
	if (!p->alias)
		appendStringInfo(s, ", default %s", p->def_text);
	if (set_in)
		appendStringInfo(s, "; %s", set_in);
	appendStringInfo(s, "): %s\n", p->doc);
}

/*
 * The options of raresynth_train (for_evaluate false: its arguments
 * epochs and batch_size, then the keys of its options jsonb) or of
 * raresynth_evaluate's options jsonb: the names rs_option_list gives, each
 * described by its row of the table.
 */
static void
append_options(StringInfo s, bool for_evaluate)
{
	char	   *list = rs_option_list(for_evaluate);
	char	   *name;
	char	   *save = NULL;

	appendStringInfo(s, "Options of %s (the options jsonb: '{\"name\": value, ...}'):\n",
					 for_evaluate ? "raresynth_evaluate" : "raresynth_train");
	if (!for_evaluate)
		for (int i = 0; i < rs_hparam_count; i++)
			if (rs_hparam_table[i].where & RS_HP_ARGUMENT)
				append_hparam(s, &rs_hparam_table[i], "an argument of raresynth_train, not an option");
	for (name = strtok_r(list, ", ", &save); name; name = strtok_r(NULL, ", ", &save))
	{
		const rs_hparam *p = rs_hparam_find(name);

		if (p)
			append_hparam(s, p, NULL);
		else if (strcmp(name, "bounds") == 0)
			appendStringInfoString(s, "  bounds (an object: {\"column\": [low, high], ...}): under `epsilon`: the range of every continuous column, values outside are clamped to it, see docs/privacy.md\n");
		else if (strcmp(name, "categories") == 0)
			appendStringInfoString(s, "  categories (an object: {\"column\": [value, ...], ...}): under `epsilon`: the categories of every categorical column, another value is read as NULL, see docs/privacy.md\n");
		else
			appendStringInfo(s, "  %s (an array of arrays of column names): a declared constraint the rows keep, see docs/privacy.md\n",
							 name);
	}
}

static void
append_function(StringInfo s, const RsHelpFunc *f)
{
	appendStringInfo(s, "%s(%s)\n  RETURNS %s\n\n%s\n", f->name, f->args, f->result,
					 f->comment ? f->comment : "(no comment)");
	/* raresynth_balance's options (method gan) are raresynth_train's */
	if (strcmp(f->proname, "raresynth_train") == 0 || strcmp(f->proname, "raresynth_balance") == 0)
	{
		appendStringInfoChar(s, '\n');
		append_options(s, false);
	}
	if (strcmp(f->proname, "raresynth_evaluate") == 0)
	{
		appendStringInfoChar(s, '\n');
		append_options(s, true);
	}
}

static void
append_overview(StringInfo s, Oid ext, const RsHelpFunc *f, int n)
{
	appendStringInfo(s, "raresynth %s: GAN-based synthesis of rare-class rows (raresynth_help('<function>') for one function, raresynth_help('" RS_TOPIC_OPTIONS "'), raresynth_help('" RS_TOPIC_SETTINGS "'))\n",
					 extension_version(ext, NULL));
	appendStringInfoString(s, "Functions:\n");
	for (int i = 0; i < n; i++)
	{
		appendStringInfo(s, "  %s(%s): ", f[i].name, f[i].args);
		append_purpose(s, f[i].comment);
		appendStringInfoChar(s, '\n');
	}
}

PG_FUNCTION_INFO_V1(raresynth_help);
Datum
raresynth_help(PG_FUNCTION_ARGS)
{
	Oid			ext = help_extension(fcinfo);
	int			n;
	RsHelpFunc *f = help_functions(ext, &n);
	StringInfoData s;
	char	   *topic;
	bool		found = false;

	initStringInfo(&s);
	if (PG_ARGISNULL(0))
	{
		append_overview(&s, ext, f, n);
		appendStringInfoChar(&s, '\n');
		append_settings(&s);
		PG_RETURN_TEXT_P(cstring_to_text_with_len(s.data, s.len));
	}
	topic = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (strcmp(topic, RS_TOPIC_OPTIONS) == 0)
	{
		append_options(&s, false);
		appendStringInfoChar(&s, '\n');
		append_options(&s, true);
		found = true;
	}
	else if (strcmp(topic, RS_TOPIC_SETTINGS) == 0)
	{
		append_settings(&s);
		found = true;
	}
	else
		for (int i = 0; i < n; i++)
			if (strcmp(topic, f[i].name) == 0 || strcmp(topic, f[i].proname) == 0)
			{
				if (found)
					appendStringInfoChar(&s, '\n');
				append_function(&s, &f[i]);
				found = true;
			}
	if (found && strcmp(topic, RS_TOPIC_OPTIONS) != 0 && strcmp(topic, RS_TOPIC_SETTINGS) != 0)
	{
		appendStringInfoChar(&s, '\n');
		append_settings(&s);
	}
	if (!found)
	{
		StringInfoData topics;
		int			shown;

		initStringInfo(&topics);
		for (int i = 0; i < n; i++)
			if (i == 0 || strcmp(f[i].name, f[i - 1].name) != 0)
				appendStringInfo(&topics, "%s, ", f[i].name);
		appendStringInfoString(&topics, RS_TOPIC_OPTIONS ", " RS_TOPIC_SETTINGS);
		/* a topic is echoed up to 100 bytes (whole characters) */
		shown = pg_mbcliplen(topic, strlen(topic), 100);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown help topic \"%.*s%s\"", shown, topic,
						topic[shown] ? "..." : ""),
				 errhint("Topics: %s; or NULL for an overview.", topics.data)));
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(s.data, s.len));
}

/*
 * "raresynth 0.2.0 (PostgreSQL 15.5, OpenBLAS 0.3.21 Cooperlake (chosen by
 * raresynth from cpuid), bf16 sampler: yes)": the installed version, then
 * the build: the PostgreSQL it was built against (PG_VERSION_NUM), the
 * OpenBLAS it runs with (its version, the core whose kernels run, how that
 * core was chosen and, when it is narrower than this CPU supports, "a
 * fallback": blas.h) and whether the sampler's products run in bfloat16 on
 * this CPU (gemm16.h).  The library's own version follows when it is not
 * the installed one (ALTER EXTENSION raresynth UPDATE pending).
 */
PG_FUNCTION_INFO_V1(raresynth_version);
Datum
raresynth_version(PG_FUNCTION_ARGS)
{
	Oid			ext = help_extension(fcinfo);
	char	   *installed = extension_version(ext, NULL);
	const rs_blas_info *blas = rs_blas_get_info();	/* loaded in _PG_init */
	const char *config = blas->config;
	const char *sp = config ? strchr(config, ' ') : NULL;
	int			blas_len = sp ? (int) (strcspn(sp + 1, " ") + (sp + 1 - config)) :
		(config ? (int) strlen(config) : 0);
	char		origin[96];
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfo(&s, "raresynth %s", installed);
#ifdef RS_EXTVERSION
	if (strcmp(installed, RS_EXTVERSION) != 0)
		appendStringInfo(&s, " (library " RS_EXTVERSION ")");
#endif
	appendStringInfo(&s, " (PostgreSQL %d.%d, %.*s %s (%s",
					 PG_VERSION_NUM / 10000, PG_VERSION_NUM % 100, blas_len,
					 config ? config : "OpenBLAS", blas->corename,
					 rs_blas_origin_text(blas, origin, sizeof(origin)));
	if (blas->fallback)
		appendStringInfo(&s, "; a fallback: this CPU supports %s", blas->wanted);
	if (blas->own_sgemm)
		appendStringInfo(&s, "; sgemm on raresynth's %s kernel", blas->own_sgemm);
	appendStringInfo(&s, "), bf16 sampler: %s, bf16 training: %s)",
					 rs_gemm16_native() ? "yes" : "no",
					 rs_precision == RS_PRECISION_BF16 ||
					 (rs_precision == RS_PRECISION_AUTO && rs_gemm16_auto_training()) ? "yes" : "no");
	PG_RETURN_TEXT_P(cstring_to_text(s.data));
}

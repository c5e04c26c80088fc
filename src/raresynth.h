/*
 * raresynth.h
 *	  The one header of the PostgreSQL glue (the .c files in src/), one
 *	  section per file, in the order they build on each other: the module
 *	  (raresynth.c), progress lines, table access (datum.c, source.c,
 *	  read.c, options.c, memory.c, rowmaker.c, write.c), the model catalog,
 *	  the row stream and the classifier check.  A function is declared in
 *	  the section of the file that defines it.
 *
 * The glue is one subsystem over one core, so it has one header (as
 * pgvector's hnsw*.c share hnsw.h); the numeric core's headers
 * (src/core/) are separate and never include this one.
 */
#ifndef RARESYNTH_H
#define RARESYNTH_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/snapshot.h"

#include "classifier.h"
#include "gan.h"
#include "hparams.h"
#include "model.h"
#include "rules.h"
#include "rs_common.h"
#include "table.h"

/*
 * ---- raresynth.c: the module, its GUCs, the core's bridges ----
 */
extern int	rs_categorical_max_distinct;
extern bool rs_progress;
extern int	rs_threads;
extern int	rs_keep_versions;
extern int	rs_precision;	/* raresynth.precision: RS_PRECISION_* (gan.h) */

extern uint64 rs_seed_arg(FunctionCallInfo fcinfo, int argno);
extern double rs_ratio_arg(FunctionCallInfo fcinfo, int argno, int n_argno);
extern void rs_check_ratio(double ratio);
extern uint64 rs_seed_or_random(bool has_seed, int64 seed);
extern void rs_apply_threads(void);
extern void rs_blas_warn_fallback(void);
extern void rs_append_duration(StringInfo s, double sec);

/* Turn a core error into an ereport(ERROR); never returns. */
extern void rs_report_core_error(const rs_error *err, const char *context) pg_attribute_noreturn();

/*
 * ---- progress.c: NOTICE progress lines of long jobs ----
 */
typedef struct RsProgress
{
	instr_time	start;
	double		last;			/* elapsed seconds at the last line */
} RsProgress;

extern void rs_progress_begin(RsProgress *p);
extern double rs_progress_elapsed(const RsProgress *p);
extern void rs_progress_step(RsProgress *p, int done, int total, const char *fmt,...) pg_attribute_printf(4, 5);
extern void rs_progress_weighted(RsProgress *p, int step, int steps, double done, double total,
								 const char *fmt,...) pg_attribute_printf(6, 7);

/*
 * ---- datum.c: SQL values <-> the core's doubles ----
 */
typedef enum RsValueClass		/* how a type's values reach the core */
{
	RS_VAL_UNSUPPORTED,
	RS_VAL_INT,					/* int2, int4, int8 */
	RS_VAL_FLOAT,				/* float4, float8 */
	RS_VAL_NUMERIC,
	RS_VAL_DATE,
	RS_VAL_TIMESTAMP,			/* timestamp, timestamptz */
	RS_VAL_TEXT,				/* text, varchar, bpchar, name, enum */
	RS_VAL_BOOL
} RsValueClass;

extern RsValueClass rs_value_class(Oid typid);
extern bool rs_value_class_is_numeric(RsValueClass vc);
extern char *rs_format_type(Oid typid, int32 typmod);
extern char *rs_sql_value_text(const char *colq, Oid typid);
extern int	rs_value_text_begin(void);
extern void rs_value_text_end(int nestlevel);
extern char *rs_domain_with_check(Oid typid);
extern double rs_datum_to_double(Datum d, RsValueClass vc, Oid basetype);
extern Datum rs_double_to_datum(double v, RsValueClass vc, Oid basetype, int32 basetypmod);

/*
 * ---- source.c: a source relation as the encoder sees it ----
 * rs_source_analyze() checks the relation, gathers its statistics and
 * gives every column a kind; the rest answer questions about the result.
 */
typedef enum RsColumnKind
{
	RS_COL_CONTINUOUS,
	RS_COL_CATEGORICAL,
	RS_COL_LABEL,
	RS_COL_EXCLUDED
} RsColumnKind;

typedef enum RsListed			/* a column the caller named */
{
	RS_LISTED_NONE,
	RS_LISTED_EXCLUDE,			/* in exclude: never a feature */
	RS_LISTED_INCLUDE			/* in include: a feature even if a key */
} RsListed;

typedef struct RsSourceColumn
{
	AttrNumber	attnum;
	char	   *name;
	Oid			typid;			/* declared type */
	int32		typmod;
	char	   *typname;		/* format_type_with_typemod() */
	RsValueClass vclass;		/* of the base type */
	RsColumnKind kind;
	char	   *reason;			/* why excluded, or NULL */
	int64		n_null;
	int64		n_distinct;		/* non-null distinct values; -1 unknown */
	char	   *min_text;		/* NULL when not ordered/unknown */
	char	   *max_text;
	bool		integral;		/* all non-null values are whole numbers */
	bool		key;			/* a single-column key (the schema says so) */
	int			determinant;	/* index into cols of the categorical column
								 * that determines this one (depend.h), or -1 */
	RsListed	listed;
	const char *id_sign;		/* integer column: why it may be an identifier
								 * ("identity column", ...), or NULL */
	int64		n_singletons;	/* values held by one row; -1 not counted */
} RsSourceColumn;

typedef struct RsSource
{
	Oid			relid;
	Oid			owner;			/* the relation's owner */
	char	   *qualified_name; /* quoted, schema-qualified */
	char	   *relname;		/* unquoted, for messages */
	int			ncols;			/* non-dropped columns, in attnum order */
	RsSourceColumn *cols;
	int			label_index;	/* into cols */
	int64		n_rows;
	int			n_classes;		/* non-null label values, rarest first */
	char	  **class_values;	/* label values as text */
	int64	   *class_counts;
	int64		n_label_null;
} RsSource;

/* A label may have at most this many classes (distinct non-NULL values). */
#define RS_MAX_LABEL_CLASSES 100

extern RsSource *rs_source_analyze(Oid relid, const char *label, ArrayType *exclude,
								   ArrayType *include);
extern void rs_check_source_relation(Oid relid);
extern const char *rs_column_kind_name(RsColumnKind kind);
/* dependencies.c: determinants and their reasons (depend.h), over every row */
extern void rs_source_find_dependencies(RsSource *src);
extern int	rs_source_n_features(const RsSource *src);
/* The feature index of src->cols[i] (a feature), as in the model's specs. */
extern int	rs_source_feature_index(const RsSource *src, int i);
extern int64 rs_source_class_count(const RsSource *src, const char *class_value);
extern char *rs_source_minority(const RsSource *src, char *value);
extern char *rs_source_class_list(const RsSource *src);
extern void rs_source_class_features(const RsSource *src, const char *class_value,
									 int rare_k, bool *has_null, int64 *n_distinct);
extern void rs_source_meta(const RsSource *src, const char *minority, uint64 seed,
						   struct rs_model_meta *meta);
extern Oid	rs_model_source_relid(const char *source, Oid source_owner, const struct rs_model *m,
								  const char *model_name);


/*
 * ---- read.c: rows of a table for the core (the one reader of rows) ----
 * The source's rows of one class, or every labelled row with y (1: the
 * positive class); the *_like forms read another relation with the
 * source's columns, coded like a table already read.
 */
extern rs_table *rs_source_read_class(const RsSource *src, const char *class_value);
/* The same, coded with like's specs (rs_read_class_like's coding). */
extern rs_table *rs_source_read_class_coded(const RsSource *src, const char *class_value,
											const rs_table *like);
extern rs_table *rs_source_read_labelled(const RsSource *src, const char *positive, int **y_out);
extern rs_table *rs_source_read_labelled_coded(const RsSource *src, const char *positive,
											   const rs_table *like, int **y_out);
extern rs_table *rs_read_class_like(const RsSource *src, Oid relid, const char *class_value,
									const rs_table *like);
extern int64 rs_count_labelled_like(const RsSource *src, Oid relid);
extern rs_table *rs_read_labelled_like(const RsSource *src, Oid relid, const char *positive,
									   const rs_table *like, int64 n, int **y_out);
extern int64 rs_count_class_rows(const char *qrel, const char *label, Oid labtype, const char *value,
								 Snapshot snapshot, bool read_only);
extern Size rs_read_bytes(int64 n, int nf);

/* ---- options.c: the table of src/core/hparams.c, from jsonb and arguments ---- */
typedef rs_hparams RsOptions;

extern void rs_options_default(RsOptions *o);
extern void rs_options_parse(Jsonb *opts, RsOptions *o, bool for_evaluate);
extern char *rs_options_json(const RsOptions *o);
extern char *rs_option_list(bool for_evaluate);
/* dp.c: `epsilon` and the options it cannot be combined with */
extern void rs_options_dp(Jsonb *opts, RsOptions *o);
extern void rs_options_dp_refuse(const RsOptions *o, const char *function, const char *why);
extern bool rs_option_dp_unused(const rs_hparam *p, const RsOptions *o);
/*
 * dp.c: a differentially private training (docs/privacy.md).
 * rs_dp_columns gives src's columns their kinds from options' "bounds"
 * and "categories" and the schema alone, and returns the specs built from
 * them (no rows); rs_dp_public_rows codes rows read with those specs
 * (unlisted categories NULL, values clamped to the bounds); rs_dp_begin
 * draws the secrets, the noisy count and the plan, and sets the GAN's
 * noise and rate; rs_dp_json is the accounting model_info shows.
 * rs_dp_plan_options is the plan for o's epsilon and delta (an error
 * when they leave no budget), as rs_dp_begin makes it.
 */
#include "dp_account.h"
typedef struct RsDpRun
{
	rs_dp_plan	plan;
	uint64		train_seed;		/* secret: never stored */
	uint64		public_seed;	/* stored and returned in place of the seed */
	double		noisy_count;
	int64		shown_count;	/* max(0, round(noisy_count)) */
	double		q;
	int64		steps;
	double		sigma;
	double		spent;
} RsDpRun;
extern struct rs_table *rs_dp_columns(RsSource *src, const char *minority, Jsonb *options);
extern void rs_dp_public_rows(struct rs_table *rows);
extern void rs_dp_begin(RsOptions *o, int n_rows, RsDpRun *run);
extern void rs_dp_plan_options(const RsOptions *o, rs_dp_plan *plan);
extern char *rs_dp_json(const RsDpRun *run, const RsOptions *o);

/* ---- train.c: the rules a model keeps (core/rules.h) ---- */
struct rs_rules;
extern struct rs_rules *rs_build_rules(const RsSource *src, const RsOptions *opts, Jsonb *options);
extern void rs_report_rules_error(const struct rs_rules *rules, const struct rs_error *err,
								  const char *context);
extern int	rs_option_arg(FunctionCallInfo fcinfo, int argno, const char *name);
extern void rs_check_1d_array(ArrayType *arr, const char *argname);
extern void rs_options_add_rules(Jsonb *opts, const RsSource *src, rs_rules *rules);


/*
 * ---- memory.c: memory bounds ----
 * rs_check_memory() errors (54000) unless what a job will hold, estimated
 * from the encoded widths, fits in maintenance_work_mem; call it before
 * reading rows.
 */
typedef enum RsJob
{
	RS_JOB_TRAIN,				/* raresynth_train: a GAN on one class */
	RS_JOB_SMOTE,				/* raresynth_smote: SMOTE-NC on one class */
	RS_JOB_SCORE,				/* raresynth_score: the classifier on every labelled row */
	RS_JOB_EVALUATE				/* raresynth_evaluate: a run at the largest size per worker */
} RsJob;

typedef struct RsJobShape
{
	RsJob		job;
	const char *class_value;	/* TRAIN, SMOTE: the class read */
	const RsOptions *opts;		/* TRAIN, EVALUATE: settings (NULL: defaults) */
	int64		n_new;			/* SMOTE: rows made */
	int			k;				/* SMOTE, EVALUATE: neighbours */
	int64		n_test;			/* SCORE: labelled rows of the test relation */
	int			max_size;		/* EVALUATE: the largest size */
	double		test_fraction;	/* EVALUATE */
	bool		with_gan;		/* EVALUATE: method gan */
	bool		with_smote;		/* EVALUATE: method smote or smotenc */
	bool		boosted;		/* SCORE, EVALUATE: the boosted trees, not logistic */
	int			workers;		/* EVALUATE: runs held at once (rs_evaluate_workers) */
	double		other_bytes;	/* what the caller holds besides (evaluate's results) */
} RsJobShape;

extern void rs_check_memory(const RsSource *src, const RsJobShape *job);
extern int	rs_memory_workers(const RsSource *src, const RsJobShape *job, double *wanted);
extern char *rs_memory_setting(double bytes);

/*
 * ---- rowmaker.c: core rows -> SQL values of a model's source row type ----
 * A row maker needs what a model records of its source (rs_model_meta)
 * and the feature specs; the _meta forms take them without a model
 * (SMOTE), the others take them from a model.  rs_describe_mismatch() is
 * NULL when desc has those source columns (names, types, order), else a
 * sentence naming the first difference.
 */
typedef struct RsRowMaker RsRowMaker;
extern char *rs_describe_mismatch_meta(TupleDesc desc, const struct rs_model_meta *meta);
extern char *rs_describe_mismatch(TupleDesc desc, const struct rs_model *m);
extern RsRowMaker *rs_rowmaker_create_meta(TupleDesc desc, const struct rs_model_meta *meta,
										   const rs_table *specs, const char *model_name,
										   const char *source_name);
extern RsRowMaker *rs_rowmaker_create(TupleDesc desc, const struct rs_model *m,
									  const char *model_name, const char *source_name);
extern void rs_rowmaker_fill(RsRowMaker *rm, const rs_table *t, int row,
							 Datum *values, bool *nulls);

/*
 * ---- write.c: the targets of synthesize and SMOTE (the one writer) ----
 * rs_target_open checks and locks the target (creating it if missing),
 * rs_target_write stores the rows a RsRowNext gives (false when there are
 * no more), made for rs_target_tupdesc; rs_target_finish creates the
 * target's improved view (<source>_improved for the default target, else
 * <target>_improved), never redefining one.
 */
typedef struct RsTarget RsTarget;
typedef bool (*RsRowNext) (void *arg, Datum *values, bool *nulls);
extern RsTarget *rs_target_open(Oid source_relid, const char *target, const char *suffix,
								const struct rs_model_meta *meta, bool with_view,
								const char *marker);
extern RsTarget *rs_target_open_keys(Oid source_relid, const char *target, const char *suffix,
									 const struct rs_model_meta *meta, bool with_view,
									 const char *marker, Jsonb *keys);
extern TupleDesc rs_target_tupdesc(const RsTarget *t);
extern Oid	rs_target_relid(const RsTarget *t);
extern const char *rs_target_qsource(const RsTarget *t);
extern const char *rs_target_qname(const RsTarget *t);
extern Oid	rs_target_source_relid(const RsTarget *t);
extern void rs_count_target_class_rows(const RsTarget *t, const char *label, const char *value,
								 int64 *in_source, int64 *in_target);
extern int64 rs_count_rows_to_balance(const RsTarget *t, const char *label, const char *value,
										double ratio);
extern int64 rs_target_write(const RsTarget *t, RsRowNext next, void *arg);
extern void rs_target_finish(RsTarget *t);

/*
 * ---- keys.c: generated values for excluded columns (keys => ...) ----
 */
typedef struct RsKey
{
	char	   *column;
	char	   *expr;			/* SQL expression of one new value */
} RsKey;
extern List *rs_keys_parse(Jsonb *keys, const struct rs_model_meta *meta, const char *qsource);

/*
 * ---- citus.c: Citus tables (docs/citus.md) ----
 */
typedef enum RsCitusKind
{
	RS_CITUS_LOCAL,				/* not a Citus table, or no Citus */
	RS_CITUS_DISTRIBUTED,		/* distributed by a column */
	RS_CITUS_REFERENCE,
	RS_CITUS_SINGLE_SHARD,		/* colocated, no distribution column */
	RS_CITUS_OTHER				/* local in Citus's metadata */
} RsCitusKind;
extern RsCitusKind rs_citus_kind(Oid relid, char **distcol);
extern void rs_citus_follow(Oid target, Oid source, const struct rs_model_meta *meta,
							List *keys);
extern void rs_citus_check_target(Oid target, const struct rs_model_meta *meta, List *keys);
extern int	rs_citus_local_ddl_begin(void);
extern void rs_citus_local_ddl_end(int level);

/*
 * ---- catalog.c: the model catalog raresynth.models ----
 */
typedef struct RsStoredModel	/* one row (version) of raresynth.models */
{
	char	   *name;
	int			version;		/* set by rs_catalog_load_model */
	TimestampTz created;		/* set by rs_catalog_load_model */
	char	   *source;			/* quoted, schema-qualified */
	Oid			source_owner;	/* its owner at training */
	char	   *label;
	char	   *minority;
	int64		rows;
	int			epochs;
	int64		seed;
	double		seconds;
	char	   *options;		/* jsonb text */
	char	   *columns;		/* jsonb text */
	char	   *losses;			/* jsonb text */
	uint8	   *state;
	size_t		state_len;
} RsStoredModel;

extern int	rs_version_arg(FunctionCallInfo fcinfo, int argno, bool required);
extern void rs_catalog_check_writable(const char *model);
/* model_json.c: a model state's rules as JSON text ("null" if it has none or does not load) */
extern char *rs_model_rules_json(const void *state, size_t len);
extern int	rs_catalog_store_model(const RsStoredModel *sm);
extern RsStoredModel *rs_catalog_load_model(const char *model, int version);
extern void rs_catalog_record_synthesis(Oid target, const RsStoredModel *sm, int64 rows, int64 seed);
extern struct rs_model *rs_model_from_state(const RsStoredModel *sm);

/* train.c: a model trained on one class and stored (raresynth_train, raresynth_balance) */
typedef struct RsTrained
{
	int			version;
	int			rows;
	int			cols;
	int			epochs;			/* run: early stopping may end sooner */
	double		seconds;
	uint64		seed;			/* stored: under DP not the training's */
	RsStoredModel *stored;		/* with keep: the version stored, state and all */
} RsTrained;
extern void rs_train_class(RsSource *src, const char *minority, const char *model_name,
						   RsOptions *opts, Jsonb *options, uint64 seed, bool keep,
						   RsTrained *res);

/*
 * ---- sample.c: a stream of synthetic rows ----
 * The one place that generates rows (rs_model_generate, in batches) and
 * makes SQL values of them; raresynth_sample() and raresynth_synthesize()
 * both read rows from it.
 */
typedef struct RsRowStream RsRowStream;
extern RsRowStream *rs_row_stream_begin(const struct rs_model *m, TupleDesc desc,
										const char *model_name, const char *source_name,
										Jsonb *given, uint64 seed, int64 n);
extern bool rs_row_stream_next(RsRowStream *rs, Datum *values, bool *nulls);
extern void rs_row_stream_end(RsRowStream *rs);

/* ---- given.c: raresynth_sample's given jsonb -> the core's conditions (NULL for {}) ---- */
extern struct rs_given *rs_parse_given(Jsonb *given, const struct rs_model *m,
									   const char *model_name, TupleDesc desc);

#define RS_MAX_SAMPLE_ROWS INT64CONST(1000000000)	/* per call of sample, synthesize, SMOTE */

/* ---- synthesize.c, smote.c: a class's rows into an open target ---- */
extern int64 rs_synthesize_into(const RsTarget *t, const RsStoredModel *sm,
								const struct rs_model *m, int64 n, uint64 seed);
extern void rs_smote_check_class(const RsSource *src, const char *class_value, int64 n);
extern int64 rs_smote_into(const RsSource *src, const RsTarget *t, const char *class_value,
						   int64 n, int k, uint64 seed);

/*
 * ---- score.c: the built-in classifier ----
 */
extern rs_classifier_kind rs_check_classifier(const char *classifier);

/*
 * ---- help.c: raresynth_version() and raresynth_help(topic) ----
 * SQL functions only; they read the extension's members, the options
 * table (rs_option_list) and the raresynth.* GUCs.
 */

#endif

/*
 * raresynth.c
 *	  Module entry: _PG_init, the GUCs, and the bridges that let the numeric
 *	  core allocate with palloc, check for interrupts and report errors.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "raresynth.h"

#include "blas.h"
#include <unistd.h>

#include "team.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

int			rs_categorical_max_distinct = 20;
bool		rs_progress = true;
int			rs_threads = 0;
int			rs_keep_versions = 10;
int			rs_precision = RS_PRECISION_AUTO;

static void *
rs_palloc(size_t size)
{
	/* zeroed; may exceed 1 GB; never returns NULL (ereports instead) */
	return palloc_extended(size ? size : 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

static void
rs_pfree(void *ptr)
{
	pfree(ptr);
}

static void
rs_interrupt_check(void)
{
	CHECK_FOR_INTERRUPTS();
}

void
rs_report_core_error(const rs_error *err, const char *context)
{
	int			sqlstate;

	switch (err->code)
	{
		case RS_ERR_NOMEM:
			sqlstate = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			break;
		case RS_ERR_INVALID:
			sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
		case RS_ERR_CORRUPT:
		case RS_ERR_VERSION:
			sqlstate = ERRCODE_DATA_CORRUPTED;
			break;
		case RS_ERR_NUMERIC:
			sqlstate = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
			break;
		default:
			sqlstate = ERRCODE_INTERNAL_ERROR;
			break;
	}
	ereport(ERROR,
			(errcode(sqlstate),
			 context ? errmsg("%s: %s", context, err->msg) : errmsg("%s", err->msg)));
	pg_unreachable();
}

/*
 * A seed argument: the caller's, or a random one (recorded by the caller)
 * when the argument is NULL.  Random seeds are kept non-negative so they
 * read back the same as bigint.
 */
uint64
rs_seed_arg(FunctionCallInfo fcinfo, int argno)
{
	return rs_seed_or_random(!PG_ARGISNULL(argno),
							 PG_ARGISNULL(argno) ? 0 : PG_GETARG_INT64(argno));
}

/* The same for a seed already taken from its argument. */
uint64
rs_seed_or_random(bool has_seed, int64 seed_arg)
{
	uint64		seed;

	if (has_seed)
		return (uint64) seed_arg;
	if (!pg_strong_random(&seed, sizeof(seed)))
		seed = (uint64) GetCurrentTimestamp() * UINT64CONST(0x9E3779B97F4A7C15);
	return seed & UINT64CONST(0x7FFFFFFFFFFFFFFF);
}

/*
 * A ratio (the class's rows over the largest class's after resampling, as
 * imbalanced-learn's float sampling_strategy) must be in (0, 1].
 */
void
rs_check_ratio(double ratio)
{
	if (!(ratio > 0 && ratio <= 1))		/* NaN too */
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ratio must be greater than 0 and at most 1"),
				 errhint("Pass the class's rows over the largest class's once the new rows are added, as imbalanced-learn's float sampling_strategy: 0.5 fills the class up to half the largest class, 1 up to as many; NULL means 1:1.")));
}

/*
 * A ratio argument of synthesize and SMOTE (rs_check_ratio); 0 for NULL
 * or for a SQL declaration without the argument (an install script older
 * than the library).  A count n (argument n_argno) and a ratio exclude
 * each other.
 */
double
rs_ratio_arg(FunctionCallInfo fcinfo, int argno, int n_argno)
{
	double		ratio;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return 0;
	ratio = PG_GETARG_FLOAT8(argno);
	rs_check_ratio(ratio);
	if (!PG_ARGISNULL(n_argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("give n or ratio, not both"),
				 errhint("Pass n for a number of rows to add, or ratio for a share of the largest class to reach.")));
	return ratio;
}

static int	rs_default_threads = 0;	/* OpenBLAS's thread count at load */
static int	rs_cpus = 1;			/* online CPUs at load */

/*
 * Apply raresynth.threads.  raresynth's own workers (a training step's
 * team, the sampler's threads: rs_set_thread_count, team.h) get the GUC's
 * value, capped at the machine's CPUs and at RS_THREADS_MAX (more never
 * helps CPU-bound work); they are joined at the end of every step and
 * every sampling pass, so a lower value takes effect, threads and all, on
 * the next call.  OpenBLAS keeps a pool of the threads it was ever asked
 * for and never gives any back, so it is never asked for more than it
 * started with (its own default: the cores, or OPENBLAS_NUM_THREADS); the
 * GUC can only lower its count.  0
 * restores the counts of load time.
 */
void
rs_apply_threads(void)
{
	int			want = rs_threads > 0 ? Min(rs_threads, rs_cpus) : rs_default_threads;
	int			blas = Min(Max(want, 1), Max(rs_default_threads, 1));

	rs_set_thread_count(want);
	if (rs_default_threads > 0 && openblas_get_num_threads() != blas)
		openblas_set_num_threads(blas);
	rs_blas_warn_fallback();
}

/*
 * Load OpenBLAS (blas.h: the core chosen from cpuid unless
 * OPENBLAS_CORETYPE is set).  First in _PG_init: if it fails, the
 * library's load fails with it, and the next use of raresynth tries again.
 */
static void
rs_blas_init(void)
{
	rs_error	err;

	if (rs_blas_load(&err) != RS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FILE),
				 errmsg("%s", err.msg),
				 errhint("raresynth needs OpenBLAS (Debian's package libopenblas0) as \"%s\" on the library search path.",
						 RS_BLAS_LIBRARY)));
}

/*
 * A WARNING, once per backend, when OpenBLAS runs kernels narrower than
 * the CPU supports (blas.h: a fallback).  From rs_apply_threads, i.e.
 * before the products of a training, a sampling pass, an evaluation or a
 * score, so that a backend forked from a postmaster that preloaded
 * raresynth warns too.
 */
void
rs_blas_warn_fallback(void)
{
	static bool warned = false;
	const rs_blas_info *info = rs_blas_get_info();
	char		origin[96];
	char		hint[256];

	if (warned || !info || !info->fallback)
		return;
	warned = true;
	if (info->origin == RS_BLAS_PRELOADED)
		snprintf(hint, sizeof(hint), "Another library loaded OpenBLAS into this server process before raresynth; set OPENBLAS_CORETYPE=%s in the server's environment (docs/performance.md).",
				 info->wanted);
	else if (info->origin == RS_BLAS_FROM_ENV)
		snprintf(hint, sizeof(hint), "Set OPENBLAS_CORETYPE=%s in the server's environment, or unset it to let raresynth choose (docs/performance.md).",
				 info->wanted);
	else
		snprintf(hint, sizeof(hint), "This OpenBLAS did not take the core raresynth chose; install one built with DYNAMIC_ARCH, such as Debian's libopenblas0 (docs/performance.md).");
	/*
	 * A vector core the operator set (Haswell on an AVX-512 CPU, say) costs
	 * little: the step ran 0.97x the best core's time in make bench on Zen 4,
	 * its products being bf16 or ours. It goes to the server log and to
	 * raresynth_version(); a warning to every client is kept for what we
	 * replace (an SSE-class core) and for a core nobody chose.
	 */
	ereport((info->own_sgemm || info->origin != RS_BLAS_FROM_ENV) ? WARNING : LOG,
			(errmsg("OpenBLAS runs its \"%s\" kernels, not the widest this CPU supports",
					info->corename),
			 info->own_sgemm ?
			 errdetail("The core was %s; this CPU supports the \"%s\" kernels. raresynth's matrix products run on its own %s kernel meanwhile.",
					   rs_blas_origin_text(info, origin, sizeof(origin)), info->wanted, info->own_sgemm) :
			 errdetail("The core was %s; this CPU supports the \"%s\" kernels.",
					   rs_blas_origin_text(info, origin, sizeof(origin)), info->wanted),
			 errhint("%s", hint)));
}

/* "12.3 s", "4 min 5 s", "2 h 10 min": for progress lines */
void
rs_append_duration(StringInfo s, double sec)
{
	if (sec < 90)
		appendStringInfo(s, "%.1f s", sec);
	else if (sec < 5400)
		appendStringInfo(s, "%d min %d s", (int) (sec / 60), (int) sec % 60);
	else
		appendStringInfo(s, "%d h %d min", (int) (sec / 3600), ((int) sec % 3600) / 60);
}

/* raresynth.precision's values: gan.h's RS_PRECISION_* */
static const struct config_enum_entry precision_options[] = {
	{"auto", RS_PRECISION_AUTO, false},
	{"fp32", RS_PRECISION_FP32, false},
	{"bf16", RS_PRECISION_BF16, false},
	{NULL, 0, false}
};

void
_PG_init(void)
{
	rs_blas_init();
	rs_set_allocator(rs_palloc, rs_pfree);
	rs_set_interrupt_check(rs_interrupt_check);
	rs_default_threads = openblas_get_num_threads();
	rs_cpus = Max((int) sysconf(_SC_NPROCESSORS_ONLN), 1);

	DefineCustomIntVariable("raresynth.categorical_max_distinct",
							"Integer columns with at most this many distinct values are categorical.",
							"Valid range is 2 .. 1000. Text, boolean and enum columns are always categorical.",
							&rs_categorical_max_distinct,
							20, 2, 1000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("raresynth.progress",
							 "Emit NOTICE progress lines during long work.",
							 NULL,
							 &rs_progress,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("raresynth.threads",
							"Number of threads raresynth uses; 0 means OpenBLAS's default.",
							"Valid range is 0 .. 64; more than the machine's CPUs counts as that many, and OpenBLAS never gets more threads than it started with.",
							&rs_threads,
							0, 0, 64,
							PGC_USERSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("raresynth.keep_versions",
							"Versions of a model a training keeps; 0 keeps every version.",
							"Valid range is 0 .. 1000. A training that makes a model exceed it drops its oldest versions with a NOTICE, never the new version nor the one it replaces as deployed.",
							&rs_keep_versions,
							10, 0, 1000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);

	DefineCustomEnumVariable("raresynth.precision",
							 "Precision of the training step's matrix products: auto, fp32 or bf16.",
							 "auto runs them in bfloat16 (fp32 accumulation, fp32 weights and Adam) where the CPU has AVX512-BF16 and no AMX and in fp32 elsewhere; bf16 is refused on a CPU without it. The option \"precision\" of a training overrides it.",
							 &rs_precision,
							 RS_PRECISION_AUTO, precision_options,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("raresynth");
}

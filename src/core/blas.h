/*
 * blas.h
 *	  OpenBLAS, loaded at run time (dlopen) so that the kernels it runs fit
 *	  the CPU, and told apart from a fallback when they do not.
 *
 * Debian's OpenBLAS (DYNAMIC_ARCH) picks its kernels ("core") once, in a
 * constructor that runs when the library is loaded, from cpuid, unless
 * OPENBLAS_CORETYPE names one.  0.3.21 does not know Intel's Sapphire
 * Rapids and falls back to its Prescott (SSE3) kernels there: sgemm runs
 * about 5x slower, silently.  Linked at build time (-lopenblas) the
 * library would be loaded, and its core chosen, before any of our code
 * runs; so nothing links it: rs_blas_load() (from _PG_init, and from the
 * unit tests', benchmarks' and fuzzers' set-up) first decides the core
 * from cpuid (rs_blas_core_for), sets OPENBLAS_CORETYPE to it for the
 * load ONLY when the environment does not set it (a user's or a machine's
 * setting is kept as it is; ours is removed again after the load, so the
 * process environment ends as it was), dlopen()s libopenblas.so.0 and
 * resolves the functions raresynth calls.  It then compares the core
 * OpenBLAS runs (openblas_get_corename) with what the CPU supports: a
 * weaker one (the library was loaded by someone else before us, the
 * user's OPENBLAS_CORETYPE names a weaker core, OpenBLAS ignored ours) is
 * a fallback, which rs_blas_get_info() says and the glue reports.  When
 * the fallback's kernels are SSE or AVX only (level < 2 below: Prescott,
 * what 0.3.21 runs on Sapphire Rapids when loaded before us) and the CPU
 * has AVX2 + FMA, cblas_sgemm, the training's and the sampler's products,
 * runs on raresynth's own kernel instead (sgemm.h: 2-4x Prescott's,
 * about 0.7x OpenBLAS's best); against a Haswell-class fallback OpenBLAS
 * keeps them (its AVX2 kernels are as fast as ours).  dgemm, dgemv and
 * dsyrk (SMOTE, the logistic regression) stay on OpenBLAS.
 *
 * Call sites keep the cblas_* / openblas_* names: below, each is a macro
 * for the function pointer loaded here (typed from OpenBLAS's own
 * cblas.h).  Calling one before a successful rs_blas_load() is a bug (a
 * NULL pointer).  No PostgreSQL headers.
 */
#ifndef RS_BLAS_H
#define RS_BLAS_H

#include <cblas.h>

#include "rs_common.h"

/* what is dlopen()ed: the soname Debian's libopenblas0 provides */
#ifndef RS_BLAS_LIBRARY
#define RS_BLAS_LIBRARY "libopenblas.so.0"
#endif

/* ---------------------------------------------------------------- the decision */

/* CPU features the decision reads (usable ones: the OS saves the registers) */
#define RS_CPU_AVX2			0x01u
#define RS_CPU_FMA			0x02u
#define RS_CPU_AVX512F		0x04u
#define RS_CPU_AVX512BW		0x08u
#define RS_CPU_AVX512VL		0x10u
#define RS_CPU_AVX512DQ		0x20u
#define RS_CPU_AVX512BF16	0x40u

/* this CPU's features (cpuid through __builtin_cpu_supports; 0 off x86-64) */
unsigned	rs_cpu_features(void);

/*
 * The OpenBLAS core for a CPU with these features: "Cooperlake" with
 * AVX512-BF16 (and AVX-512 F, BW, VL, DQ), "SkylakeX" with AVX-512 F, BW,
 * VL and DQ, "Haswell" with AVX2 and FMA, else NULL (OpenBLAS chooses;
 * older CPUs it knows).  A pure function.
 */
const char *rs_blas_core_for(unsigned features);

/*
 * How wide the fp32 kernels of an OpenBLAS core are: 3 AVX-512
 * (SkylakeX, Cooperlake, SapphireRapids: the same sgemm and dgemm kernels;
 * Cooperlake adds bf16 ones raresynth does not call), 2 AVX2 + FMA
 * (Haswell, Zen), 1 AVX (Sandybridge, Bulldozer and its successors), 0
 * SSE (Prescott, Nehalem, Core2, ...: OpenBLAS's fallbacks), -1 a name
 * not known here (never judged a fallback).  Case-insensitive, as
 * OPENBLAS_CORETYPE is.
 */
int			rs_blas_core_level(const char *corename);

/*
 * 1 if corename is a fallback on a CPU with these features: its kernels
 * are narrower than those of rs_blas_core_for(features).  A pure function.
 */
int			rs_blas_is_fallback(unsigned features, const char *corename);

/* ---------------------------------------------------------------- loading */

typedef enum rs_blas_origin
{
	RS_BLAS_FROM_CPUID,			/* raresynth set OPENBLAS_CORETYPE from cpuid */
	RS_BLAS_FROM_ENV,			/* OPENBLAS_CORETYPE was set: kept as it was */
	RS_BLAS_FROM_OPENBLAS,		/* no choice for this CPU: OpenBLAS's own */
	RS_BLAS_PRELOADED			/* loaded in the process before us: chosen then */
} rs_blas_origin;

typedef struct rs_blas_info
{
	const char *library;		/* what was dlopen()ed */
	const char *corename;		/* openblas_get_corename() */
	const char *config;			/* openblas_get_config() */
	const char *wanted;			/* rs_blas_core_for(this CPU), or NULL */
	char		env[32];		/* OPENBLAS_CORETYPE as found ("" if unset) */
	rs_blas_origin origin;
	int			fallback;		/* rs_blas_is_fallback(this CPU, corename) */
	const char *own_sgemm;		/* NULL, or "AVX-512" / "AVX2": below */
} rs_blas_info;

/*
 * Load OpenBLAS (RS_BLAS_LIBRARY) as above.  Idempotent: after a success
 * it returns RS_OK at once.  On failure (no library, a function missing)
 * returns RS_ERR_INVALID with PostgreSQL's own wording in err ("could not
 * load library ...", "could not find function ... in library ..."),
 * leaves nothing loaded and may be called again.  Call it before any
 * thread of ours runs: it may set and unset an environment variable.
 */
rs_status	rs_blas_load(rs_error *err);
/* the same from another path or name (tests) */
rs_status	rs_blas_load_library(const char *library, rs_error *err);

/* what rs_blas_load found; NULL before a successful load */
const rs_blas_info *rs_blas_get_info(void);

/* "chosen by raresynth from cpuid", "set by OPENBLAS_CORETYPE=Haswell in the environment", ... */
const char *rs_blas_origin_text(const rs_blas_info *info, char *buf, size_t len);

/* ---------------------------------------------------------------- the functions */

typedef struct rs_blas_fns
{
	__typeof__(cblas_sgemm) *sgemm;
	__typeof__(cblas_dgemm) *dgemm;
	__typeof__(cblas_dgemv) *dgemv;
	__typeof__(cblas_dsyrk) *dsyrk;
	__typeof__(openblas_set_num_threads) *set_num_threads;
	__typeof__(openblas_get_num_threads) *get_num_threads;
	__typeof__(openblas_get_corename) *get_corename;
	__typeof__(openblas_get_config) *get_config;
	/* optional (OpenBLAS >= 0.3.10 built with BUILD_BFLOAT16): NULL if absent */
	__typeof__(cblas_sbgemm) *sbgemm;
	__typeof__(cblas_sbstobf16) *sbstobf16;
} rs_blas_fns;

extern rs_blas_fns rs_blas_fn;

#ifndef RS_BLAS_NO_MACROS
#define cblas_sgemm (*rs_blas_fn.sgemm)
#define cblas_dgemm (*rs_blas_fn.dgemm)
#define cblas_dgemv (*rs_blas_fn.dgemv)
#define cblas_dsyrk (*rs_blas_fn.dsyrk)
#define openblas_set_num_threads (*rs_blas_fn.set_num_threads)
#define openblas_get_num_threads (*rs_blas_fn.get_num_threads)
#define openblas_get_corename (*rs_blas_fn.get_corename)
#define openblas_get_config (*rs_blas_fn.get_config)
#define cblas_sbgemm (*rs_blas_fn.sbgemm)
#define cblas_sbstobf16 (*rs_blas_fn.sbstobf16)
#endif

#endif							/* RS_BLAS_H */

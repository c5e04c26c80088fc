/*
 * blas.c
 *	  Loads OpenBLAS at run time with a core that fits the CPU, and tells
 *	  a fallback core apart.  See blas.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE				/* RTLD_NOLOAD; setenv, unsetenv */
#endif
#define RS_BLAS_NO_MACROS

#include "blas.h"
#include "sgemm.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

rs_blas_fns rs_blas_fn;

static rs_blas_info blas_info;
static int	blas_loaded;

/* ---------------------------------------------------------------- the decision */

unsigned
rs_cpu_features(void)
{
	unsigned	f = 0;

#if defined(__x86_64__) && defined(__GNUC__)
	/* libgcc checks XCR0 too: AVX-512 counts only if the OS saves zmm */
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		f |= RS_CPU_AVX2;
	if (__builtin_cpu_supports("fma"))
		f |= RS_CPU_FMA;
	if (__builtin_cpu_supports("avx512f"))
		f |= RS_CPU_AVX512F;
	if (__builtin_cpu_supports("avx512bw"))
		f |= RS_CPU_AVX512BW;
	if (__builtin_cpu_supports("avx512vl"))
		f |= RS_CPU_AVX512VL;
	if (__builtin_cpu_supports("avx512dq"))
		f |= RS_CPU_AVX512DQ;
	if (__builtin_cpu_supports("avx512bf16"))
		f |= RS_CPU_AVX512BF16;
#endif
	return f;
}

#define RS_CPU_AVX512 (RS_CPU_AVX512F | RS_CPU_AVX512BW | RS_CPU_AVX512VL | RS_CPU_AVX512DQ)

const char *
rs_blas_core_for(unsigned features)
{
	if ((features & RS_CPU_AVX512) == RS_CPU_AVX512)
		return (features & RS_CPU_AVX512BF16) ? "Cooperlake" : "SkylakeX";
	if ((features & (RS_CPU_AVX2 | RS_CPU_FMA)) == (RS_CPU_AVX2 | RS_CPU_FMA))
		return "Haswell";
	return NULL;
}

/* OpenBLAS 0.3's x86-64 cores (driver/others/dynamic.c) by fp32 kernel width */
static const struct
{
	const char *name;
	int			level;
}			blas_cores[] =
{
	{"SapphireRapids", 3}, {"Cooperlake", 3}, {"SkylakeX", 3},
	{"Haswell", 2}, {"Zen", 2},
	{"Sandybridge", 1}, {"Bulldozer", 1}, {"Piledriver", 1},
	{"Steamroller", 1}, {"Excavator", 1},
	{"Prescott", 0}, {"Katmai", 0}, {"Coppermine", 0}, {"Northwood", 0},
	{"Banias", 0}, {"Atom", 0}, {"Core2", 0}, {"Penryn", 0},
	{"Dunnington", 0}, {"Nehalem", 0}, {"Athlon", 0}, {"Opteron", 0},
	{"Opteron_SSE3", 0}, {"Barcelona", 0}, {"Nano", 0}, {"Bobcat", 0},
};

int
rs_blas_core_level(const char *corename)
{
	if (!corename)
		return -1;
	for (size_t i = 0; i < sizeof(blas_cores) / sizeof(blas_cores[0]); i++)
		if (strcasecmp(corename, blas_cores[i].name) == 0)
			return blas_cores[i].level;
	return -1;
}

int
rs_blas_is_fallback(unsigned features, const char *corename)
{
	const char *wanted = rs_blas_core_for(features);
	int			level = rs_blas_core_level(corename);

	return wanted && level >= 0 && level < rs_blas_core_level(wanted);
}

/* ---------------------------------------------------------------- loading */

static void *
blas_sym(void *h, const char *name, const char *library, rs_error *err)
{
	void	   *p = dlsym(h, name);

	if (!p)
		rs_fail(err, RS_ERR_INVALID, "could not find function \"%s\" in library \"%s\"",
				name, library);
	return p;
}

rs_status
rs_blas_load(rs_error *err)
{
	return rs_blas_load_library(RS_BLAS_LIBRARY, err);
}

rs_status
rs_blas_load_library(const char *library, rs_error *err)
{
	unsigned	features;
	const char *env;
	const char *wanted;
	void	   *h;
	int			preloaded,
				set_env = 0;
	rs_blas_fns f;

	if (blas_loaded)
		return RS_OK;
	features = rs_cpu_features();
	wanted = rs_blas_core_for(features);
	env = getenv("OPENBLAS_CORETYPE");

	/* loaded already (another library linked it): its core is chosen */
	h = dlopen(library, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	preloaded = h != NULL;
	if (!h)
	{
		if (!env && wanted)
		{
			if (setenv("OPENBLAS_CORETYPE", wanted, 1) == 0)
				set_env = 1;
		}
		h = dlopen(library, RTLD_NOW | RTLD_LOCAL);
		/* OpenBLAS read it in its constructor: leave the environment as found */
		if (set_env)
			unsetenv("OPENBLAS_CORETYPE");
		if (!h)
		{
			const char *why = dlerror();

			return rs_fail(err, RS_ERR_INVALID, "could not load library \"%s\": %s",
						   library, why ? why : "unknown error");
		}
	}

	/*
	 * The handle is kept even when a function is missing: unloading
	 * OpenBLAS would run its destructor under whoever else uses it.
	 */
#define BLAS_SYM(field, name) \
	if (!(f.field = (__typeof__(f.field)) blas_sym(h, name, library, err))) \
		return err->code
	BLAS_SYM(sgemm, "cblas_sgemm");
	BLAS_SYM(dgemm, "cblas_dgemm");
	BLAS_SYM(dgemv, "cblas_dgemv");
	BLAS_SYM(dsyrk, "cblas_dsyrk");
	BLAS_SYM(set_num_threads, "openblas_set_num_threads");
	BLAS_SYM(get_num_threads, "openblas_get_num_threads");
	BLAS_SYM(get_corename, "openblas_get_corename");
	BLAS_SYM(get_config, "openblas_get_config");
#undef BLAS_SYM
	/* bf16 products: optional (the benchmarks compare them; see gemm16.h) */
	f.sbgemm = (__typeof__(f.sbgemm)) dlsym(h, "cblas_sbgemm");
	f.sbstobf16 = (__typeof__(f.sbstobf16)) dlsym(h, "cblas_sbstobf16");

	rs_blas_fn = f;
	memset(&blas_info, 0, sizeof(blas_info));
	blas_info.library = library;
	blas_info.corename = f.get_corename();
	blas_info.config = f.get_config();
	blas_info.wanted = wanted;
	snprintf(blas_info.env, sizeof(blas_info.env), "%s", env ? env : "");
	blas_info.origin = preloaded ? RS_BLAS_PRELOADED :
		env ? RS_BLAS_FROM_ENV :
		set_env ? RS_BLAS_FROM_CPUID : RS_BLAS_FROM_OPENBLAS;
	blas_info.fallback = rs_blas_is_fallback(features, blas_info.corename);
	if (blas_info.fallback && rs_blas_core_level(blas_info.corename) < 2 &&
		rs_sgemm_isa_for(features) != RS_SGEMM_NONE)
	{
		rs_blas_fn.sgemm = rs_sgemm_own_entry(rs_sgemm_isa_for(features), f.sgemm);
		blas_info.own_sgemm = rs_sgemm_isa_name(rs_sgemm_isa_for(features));
	}
	blas_loaded = 1;
	return RS_OK;
}

const rs_blas_info *
rs_blas_get_info(void)
{
	return blas_loaded ? &blas_info : NULL;
}

const char *
rs_blas_origin_text(const rs_blas_info *info, char *buf, size_t len)
{
	switch (info->origin)
	{
		case RS_BLAS_FROM_CPUID:
			snprintf(buf, len, "chosen by raresynth from cpuid");
			break;
		case RS_BLAS_FROM_ENV:
			snprintf(buf, len, "set by OPENBLAS_CORETYPE=%s in the environment", info->env);
			break;
		case RS_BLAS_FROM_OPENBLAS:
			snprintf(buf, len, "chosen by OpenBLAS itself");
			break;
		case RS_BLAS_PRELOADED:
			snprintf(buf, len, "chosen when OpenBLAS was loaded, before raresynth");
			break;
	}
	return buf;
}

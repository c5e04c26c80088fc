/*
 * test_blas.c
 *	  Unit tests of src/core/blas.c: the cpuid -> OpenBLAS core decision
 *	  (a table over feature sets, Sapphire Rapids and Zen 4 among them),
 *	  which cores are fallbacks where, a failed load (PostgreSQL's wording,
 *	  the environment left as found), and real loads in child processes of
 *	  this binary: with OPENBLAS_CORETYPE unset the core is the one chosen
 *	  from cpuid and no fallback; a user's OPENBLAS_CORETYPE=Haswell is
 *	  kept, and is a fallback on an AVX-512 CPU; a library loaded before
 *	  raresynth keeps its core and is judged all the same.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define UNIT_NO_BLAS_LOAD		/* this file tests the loading */
#include "blas.h"
#include "unit.h"

static char self[4096];

#define AVX2_FMA (RS_CPU_AVX2 | RS_CPU_FMA)
#define AVX512 (AVX2_FMA | RS_CPU_AVX512F | RS_CPU_AVX512BW | RS_CPU_AVX512VL | RS_CPU_AVX512DQ)

static int
same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void
test_core_decision_table(void)
{
	static const struct
	{
		unsigned	features;
		const char *core;
	}			cases[] =
	{
		{0, NULL},				/* no AVX2: OpenBLAS chooses */
		{RS_CPU_AVX2, NULL},	/* AVX2 without FMA */
		{RS_CPU_FMA, NULL},
		{AVX2_FMA, "Haswell"},	/* Haswell .. Alder Lake, Zen 1-3 */
		{AVX2_FMA | RS_CPU_AVX512F, "Haswell"},	/* AVX-512 F alone */
		{AVX2_FMA | RS_CPU_AVX512F | RS_CPU_AVX512BW | RS_CPU_AVX512VL, "Haswell"},	/* no DQ */
		{AVX512, "SkylakeX"},	/* Skylake-SP .. Ice Lake */
		{AVX512 | RS_CPU_AVX512BF16, "Cooperlake"},	/* Sapphire Rapids, Zen 4 */
		{AVX2_FMA | RS_CPU_AVX512BF16, "Haswell"},	/* bf16 without AVX-512 F */
		{RS_CPU_AVX512F | RS_CPU_AVX512BW | RS_CPU_AVX512VL | RS_CPU_AVX512DQ, "SkylakeX"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!same(rs_blas_core_for(cases[i].features), cases[i].core))
		{
			fprintf(stderr, "  features 0x%x: %s, expected %s\n", cases[i].features,
					rs_blas_core_for(cases[i].features) ? rs_blas_core_for(cases[i].features) : "NULL",
					cases[i].core ? cases[i].core : "NULL");
			CHECK(0);
		}
}

static void
test_core_levels_and_fallbacks(void)
{
	unsigned	spr = AVX512 | RS_CPU_AVX512BF16;

	CHECK(rs_blas_core_level("Prescott") == 0);
	CHECK(rs_blas_core_level("prescott") == 0);	/* as OPENBLAS_CORETYPE: any case */
	CHECK(rs_blas_core_level("Sandybridge") == 1);
	CHECK(rs_blas_core_level("Haswell") == 2);
	CHECK(rs_blas_core_level("Zen") == 2);
	CHECK(rs_blas_core_level("SkylakeX") == 3);
	CHECK(rs_blas_core_level("Cooperlake") == 3);
	CHECK(rs_blas_core_level("Unknown") == -1);
	CHECK(rs_blas_core_level("") == -1);
	CHECK(rs_blas_core_level(NULL) == -1);
	/* every core the decision names is known here */
	CHECK(rs_blas_core_level(rs_blas_core_for(spr)) == 3);
	CHECK(rs_blas_core_level(rs_blas_core_for(AVX512)) == 3);
	CHECK(rs_blas_core_level(rs_blas_core_for(AVX2_FMA)) == 2);

	/* Sapphire Rapids with Debian's 0.3.21 and nothing set */
	CHECK(rs_blas_is_fallback(spr, "Prescott"));
	CHECK(rs_blas_is_fallback(spr, "Haswell"));
	CHECK(rs_blas_is_fallback(spr, "Sandybridge"));
	CHECK(!rs_blas_is_fallback(spr, "Cooperlake"));
	CHECK(!rs_blas_is_fallback(spr, "SkylakeX"));	/* the same fp32 kernels */
	CHECK(!rs_blas_is_fallback(spr, "SapphireRapids"));
	CHECK(!rs_blas_is_fallback(spr, "NewCore"));	/* unknown: not judged */
	CHECK(!rs_blas_is_fallback(spr, NULL));
	/* an AVX2 machine */
	CHECK(!rs_blas_is_fallback(AVX2_FMA, "Zen"));
	CHECK(!rs_blas_is_fallback(AVX2_FMA, "Haswell"));
	CHECK(rs_blas_is_fallback(AVX2_FMA, "Prescott"));
	CHECK(rs_blas_is_fallback(AVX2_FMA, "Nehalem"));
	/* a CPU without a decision: nothing is a fallback */
	CHECK(!rs_blas_is_fallback(0, "Prescott"));
	CHECK(!rs_blas_is_fallback(RS_CPU_AVX2, "Core2"));
}

static void
test_origin_text(void)
{
	rs_blas_info info;
	char		buf[96];

	memset(&info, 0, sizeof(info));
	info.origin = RS_BLAS_FROM_ENV;
	strcpy(info.env, "Haswell");
	CHECK(strcmp(rs_blas_origin_text(&info, buf, sizeof(buf)),
				 "set by OPENBLAS_CORETYPE=Haswell in the environment") == 0);
	info.origin = RS_BLAS_FROM_CPUID;
	CHECK(strcmp(rs_blas_origin_text(&info, buf, sizeof(buf)), "chosen by raresynth from cpuid") == 0);
	info.origin = RS_BLAS_PRELOADED;
	CHECK(strstr(rs_blas_origin_text(&info, buf, sizeof(buf)), "before raresynth") != NULL);
}

/* runs before anything is loaded in this process (main calls it first) */
static void
test_load_failure(void)
{
	rs_error	err;
	const char *before = getenv("OPENBLAS_CORETYPE");
	char		saved[64] = "";

	if (before)
		snprintf(saved, sizeof(saved), "%s", before);
	CHECK(rs_blas_load_library("libopenblas-not-there.so.0", &err) == RS_ERR_INVALID);
	CHECK(strncmp(err.msg, "could not load library \"libopenblas-not-there.so.0\": ", 53) == 0);
	CHECK(rs_blas_get_info() == NULL);
	CHECK(rs_blas_fn.sgemm == NULL);
	/* the environment is as it was: unset stays unset, a value is kept */
	if (before)
		CHECK(getenv("OPENBLAS_CORETYPE") && strcmp(getenv("OPENBLAS_CORETYPE"), saved) == 0);
	else
		CHECK(getenv("OPENBLAS_CORETYPE") == NULL);
	/* a library without OpenBLAS's functions */
	CHECK(rs_blas_load_library("libm.so.6", &err) == RS_ERR_INVALID);
	CHECK(strcmp(err.msg, "could not find function \"cblas_sgemm\" in library \"libm.so.6\"") == 0);
	CHECK(rs_blas_get_info() == NULL);
}

static void
test_load(void)
{
	rs_error	err;
	const rs_blas_info *info;
	const char *env = getenv("OPENBLAS_CORETYPE");

	CHECK(rs_blas_load(&err) == RS_OK);
	info = rs_blas_get_info();
	CHECK(info != NULL);
	if (!info)
		return;
	CHECK(rs_blas_load(&err) == RS_OK);	/* idempotent */
	CHECK(rs_blas_get_info() == info);
	CHECK(info->corename && info->corename[0]);
	CHECK(info->config && strncmp(info->config, "OpenBLAS ", 9) == 0);
	CHECK(same(info->wanted, rs_blas_core_for(rs_cpu_features())));
	CHECK(info->fallback == rs_blas_is_fallback(rs_cpu_features(), info->corename));
	CHECK(same(getenv("OPENBLAS_CORETYPE"), env));
	if (env)
		CHECK(info->origin == RS_BLAS_FROM_ENV && strcmp(info->env, env) == 0);
	CHECK(openblas_get_num_threads() >= 1);
	/* a product runs */
	{
		float		a[4] = {1, 2, 3, 4},
					b[4] = {1, 0, 0, 1},
					c[4] = {0};

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, c, 2);
		CHECK(c[0] == 1 && c[1] == 2 && c[2] == 3 && c[3] == 4);
	}
}

/*
 * One load in a child process of this binary: env (NULL: unset) as
 * OPENBLAS_CORETYPE, preload (non-NULL: dlopen OpenBLAS first under
 * OPENBLAS_CORETYPE=preload); the child prints
 * "core|origin|fallback|own sgemm|wanted".
 * The expectations follow the child's own cpuid (wanted): under valgrind
 * this process sees an emulated CPU without AVX-512, the child the real one.
 */
static int
child_load(const char *env, const char *preload, char *out, size_t len)
{
	char		cmd[8192];
	FILE	   *p;
	int			ok;

	snprintf(cmd, sizeof(cmd), "%s%s '%s' --report %s",
			 env ? "env OPENBLAS_CORETYPE=" : "env -u OPENBLAS_CORETYPE",
			 env ? env : "", self, preload ? preload : "");
	p = popen(cmd, "r");
	if (!p)
		return 0;
	ok = fgets(out, (int) len, p) != NULL;
	if (pclose(p) != 0)
		ok = 0;
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok;
}

static int
report(const char *preload)
{
	rs_error	err;
	const rs_blas_info *info;

	if (preload && preload[0])
	{
		setenv("OPENBLAS_CORETYPE", preload, 1);
		if (!dlopen(RS_BLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL))
			return 1;
		unsetenv("OPENBLAS_CORETYPE");
	}
	if (rs_blas_load(&err) != RS_OK)
	{
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	info = rs_blas_get_info();
	printf("%s|%d|%d|%s|%s\n", info->corename, (int) info->origin, info->fallback,
		   info->own_sgemm ? info->own_sgemm : "-", info->wanted ? info->wanted : "-");
	return 0;
}

/* the child's wanted core (its last field), into wanted */
static void
child_wanted(const char *out, char *wanted, size_t len)
{
	const char *bar = strrchr(out, '|');

	snprintf(wanted, len, "%s", bar ? bar + 1 : "");
}

static void
test_child_unset_chooses_from_cpuid(void)
{
	char		out[256],
				want[256],
				core[64];

	CHECK(child_load(NULL, NULL, out, sizeof(out)));
	child_wanted(out, core, sizeof(core));
	if (strcmp(core, "-") != 0)
		/* this machine: the core raresynth chose, no fallback */
		snprintf(want, sizeof(want), "%s|%d|0|-|%s", core, (int) RS_BLAS_FROM_CPUID, core);
	else						/* OpenBLAS's own, not judged */
		snprintf(want, sizeof(want), "%.*s|%d|0|-|-", (int) strcspn(out, "|"), out,
				 (int) RS_BLAS_FROM_OPENBLAS);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "  unset: %s, expected %s\n", out, want);
	CHECK(strcmp(out, want) == 0);
}

static void
test_child_user_coretype_is_kept(void)
{
	char		out[256],
				want[256],
				core[64];

	CHECK(child_load("Haswell", NULL, out, sizeof(out)));
	child_wanted(out, core, sizeof(core));
	if (rs_blas_core_level(core) < 2)
		return;					/* a CPU without Haswell's kernels */
	/*
	 * kept, and a fallback where the CPU has AVX-512 (this machine); its
	 * AVX2 kernels keep the products
	 */
	snprintf(want, sizeof(want), "Haswell|%d|%d|-|%s", (int) RS_BLAS_FROM_ENV,
			 rs_blas_core_level(core) > 2, core);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "  OPENBLAS_CORETYPE=Haswell: %s, expected %s\n", out, want);
	CHECK(strcmp(out, want) == 0);
	/* lower case, as OpenBLAS takes it */
	CHECK(child_load("haswell", NULL, out, sizeof(out)));
	CHECK(strncmp(out, "Haswell|", 8) == 0);
	/* a user's Prescott is kept for OpenBLAS; sgemm runs on ours */
	CHECK(child_load("Prescott", NULL, out, sizeof(out)));
	snprintf(want, sizeof(want), "Prescott|%d|1|%s|%s", (int) RS_BLAS_FROM_ENV,
			 rs_blas_core_level(core) == 3 ? "AVX-512" : "AVX2", core);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "  OPENBLAS_CORETYPE=Prescott: %s, expected %s\n", out, want);
	CHECK(strcmp(out, want) == 0);
}

static void
test_child_preloaded_is_judged(void)
{
	char		out[256],
				want[256],
				core[64];

	/*
	 * loaded before us with Prescott's kernels: kept, a fallback, and
	 * sgemm runs on raresynth's own kernel for the CPU
	 */
	CHECK(child_load(NULL, "Prescott", out, sizeof(out)));
	child_wanted(out, core, sizeof(core));
	if (strcmp(core, "-") == 0)
		return;					/* no decision on this CPU */
	snprintf(want, sizeof(want), "Prescott|%d|1|%s|%s", (int) RS_BLAS_PRELOADED,
			 rs_blas_core_level(core) == 3 ? "AVX-512" : "AVX2", core);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "  preloaded Prescott: %s, expected %s\n", out, want);
	CHECK(strcmp(out, want) == 0);
}

int
main(int argc, char **argv)
{
	ssize_t		n;

	if (argc > 1 && strcmp(argv[1], "--report") == 0)
		return report(argc > 2 ? argv[2] : NULL);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0)
		self[n] = '\0';
	RUN(test_load_failure);
	RUN(test_core_decision_table);
	RUN(test_core_levels_and_fallbacks);
	RUN(test_origin_text);
	RUN(test_load);
	RUN(test_child_unset_chooses_from_cpuid);
	RUN(test_child_user_coretype_is_kept);
	RUN(test_child_preloaded_is_judged);
	return unit_summary("test_blas");
}

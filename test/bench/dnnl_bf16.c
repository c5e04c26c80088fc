/*
 * dnnl_bf16.c
 *	  oneDNN's bf16 matmul (Debian's libdnnl-dev) against fp32 cblas_sgemm
 *	  and raresynth's rs_gemm16_gemm on the training step's products
 *	  (bench.h's bench_step_products), one thread, in the same run.  oneDNN
 *	  is no build dependency: this file is not a bench_*.c, so `make bench`
 *	  does not build it (docs/performance.md has the numbers).  oneDNN's
 *	  C API has no bf16 GEMM, so the product is its matmul primitive
 *	  (created once per shape, outside the timing; transposes as memory
 *	  formats), with the fp32 -> bf16 reorders of both operands timed with
 *	  it, as training would need them; "alone" times the matmul on
 *	  operands converted beforehand.  Medians of ROUNDS rounds, kernels
 *	  interleaved; the machine is shared, so noisy.
 *
 * Build (apt-get install libdnnl-dev):
 *	gcc -O2 -march=x86-64 -Isrc/core -I/usr/include/x86_64-linux-gnu/openblas-pthread \
 *		test/bench/dnnl_bf16.c <CORE_SRCS of the Makefile> -ldnnl -ldl -lxgboost -lgomp -lm
 * Run: OMP_NUM_THREADS=1 DNNL_VERBOSE=0 ./a.out [rounds]
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

#include "blas.h"

#include "bench.h"
#include "gemm16.h"
#include "rng.h"

#define NK 4					/* fp32, rs_gemm16_gemm, dnnl + reorders, dnnl alone */
#define TRIAL_SEC 0.002

#define DN(call) do { dnnl_status_t st_ = (call); if (st_ != dnnl_success) { \
	fprintf(stderr, "%s: oneDNN status %d\n", #call, (int) st_); exit(1); } } while (0)

typedef struct dn
{
	dnnl_primitive_t mm,
				rA,
				rB;
	dnnl_memory_t a32,
				b32,
				a16,
				b16,
				c;
} dn;

static dnnl_engine_t eng;
static dnnl_stream_t strm;

static void
exec2(dnnl_primitive_t p, dnnl_memory_t from, dnnl_memory_t to)
{
	dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};

	DN(dnnl_primitive_execute(p, strm, 2, args));
}

static void
dn_run(dn *d, int convert)
{
	dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, d->a16}, {DNNL_ARG_WEIGHTS, d->b16},
	{DNNL_ARG_DST, d->c}};

	if (convert)
	{
		exec2(d->rA, d->a32, d->a16);
		exec2(d->rB, d->b32, d->b16);
	}
	DN(dnnl_primitive_execute(d->mm, strm, 3, args));
	DN(dnnl_stream_wait(strm));
}

static dnnl_primitive_t
reorder(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to)
{
	dnnl_primitive_desc_t pd;
	dnnl_primitive_t p;

	DN(dnnl_reorder_primitive_desc_create(&pd, from, eng, to, eng, NULL));
	DN(dnnl_primitive_create(&p, pd));
	DN(dnnl_primitive_desc_destroy(pd));
	return p;
}

/* matmul op(A)[M, K] op(B)[K, N]: A stored [M][K] (ta: [K][M]), B [K][N] (tb: [N][K]) */
static void
dn_make(dn *d, const bench_product *p, float *A, float *B, float *C)
{
	dnnl_dims_t ad = {p->M, p->K},
				bd = {p->K, p->N},
				cd = {p->M, p->N};
	dnnl_memory_desc_t a32,
				b32,
				a16,
				b16,
				c;
	dnnl_matmul_desc_t md;
	dnnl_primitive_desc_t pd;

	DN(dnnl_memory_desc_init_by_tag(&a32, 2, ad, dnnl_f32, p->ta ? dnnl_ba : dnnl_ab));
	DN(dnnl_memory_desc_init_by_tag(&a16, 2, ad, dnnl_bf16, p->ta ? dnnl_ba : dnnl_ab));
	DN(dnnl_memory_desc_init_by_tag(&b32, 2, bd, dnnl_f32, p->tb ? dnnl_ba : dnnl_ab));
	DN(dnnl_memory_desc_init_by_tag(&b16, 2, bd, dnnl_bf16, p->tb ? dnnl_ba : dnnl_ab));
	DN(dnnl_memory_desc_init_by_tag(&c, 2, cd, dnnl_f32, dnnl_ab));
	DN(dnnl_matmul_desc_init(&md, &a16, &b16, NULL, &c));
	DN(dnnl_primitive_desc_create(&pd, &md, NULL, eng, NULL));
	DN(dnnl_primitive_create(&d->mm, pd));
	{
		const char *impl = NULL;

		DN(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));
		printf("  oneDNN matmul implementation: %s\n", impl ? impl : "?");
	}
	DN(dnnl_primitive_desc_destroy(pd));
	DN(dnnl_memory_create(&d->a32, &a32, eng, A));
	DN(dnnl_memory_create(&d->b32, &b32, eng, B));
	DN(dnnl_memory_create(&d->a16, &a16, eng, DNNL_MEMORY_ALLOCATE));
	DN(dnnl_memory_create(&d->b16, &b16, eng, DNNL_MEMORY_ALLOCATE));
	DN(dnnl_memory_create(&d->c, &c, eng, C));
	d->rA = reorder(&a32, &a16);
	d->rB = reorder(&b32, &b16);
}

static void
dn_free(dn *d)
{
	dnnl_primitive_destroy(d->mm);
	dnnl_primitive_destroy(d->rA);
	dnnl_primitive_destroy(d->rB);
	dnnl_memory_destroy(d->a32);
	dnnl_memory_destroy(d->b32);
	dnnl_memory_destroy(d->a16);
	dnnl_memory_destroy(d->b16);
	dnnl_memory_destroy(d->c);
}

typedef struct job
{
	const bench_product *p;
	float	   *A,
			   *B,
			   *C;
	void	   *scratch;
	dn			d;
} job;

static void
run(job *j, int k)
{
	const bench_product *p = j->p;
	int			lda = p->ta ? p->M : p->K,
				ldb = p->tb ? p->K : p->N;

	if (k == 0)
		cblas_sgemm(CblasRowMajor, p->ta ? CblasTrans : CblasNoTrans,
					p->tb ? CblasTrans : CblasNoTrans, p->M, p->N, p->K, 1.0f,
					j->A, lda, j->B, ldb, 0.0f, j->C, p->N);
	else if (k == 1)
		rs_gemm16_gemm(p->ta, p->tb, p->M, p->N, p->K, j->A, lda, j->B, ldb, 0.0f,
					   j->C, p->N, j->scratch);
	else
		dn_run(&j->d, k == 2);
}

int
main(int argc, char **argv)
{
	int			rounds = argc > 1 ? atoi(argv[1]) : 15,
				np;
	const bench_product *products;
	double		step[NK] = {0};
	double	   *t;
	rs_rng		rng;

	if (rounds < 1)
		rounds = 1;
	bench_blas("fp32 products (cblas_sgemm)");
	openblas_set_num_threads(1);
	printf("oneDNN %d.%d.%d; one thread (OMP_NUM_THREADS=%s); median of %d rounds (noisy: shared machine)\n",
		   dnnl_version()->major, dnnl_version()->minor, dnnl_version()->patch,
		   getenv("OMP_NUM_THREADS") ? getenv("OMP_NUM_THREADS") : "(unset)", rounds);
	DN(dnnl_engine_create(&eng, dnnl_cpu, 0));
	DN(dnnl_stream_create(&strm, eng, dnnl_stream_default_flags));
	products = bench_step_products(&np);
	rs_rng_seed(&rng, 42);
	t = malloc(sizeof(double) * NK * rounds);
	for (int i = 0; i < np; i++)
	{
		const bench_product *p = &products[i];
		job			j = {p};
		size_t		na = (size_t) p->M * p->K,
					nb = (size_t) p->K * p->N;
		int			reps[NK];
		double		med[NK];

		j.A = malloc(sizeof(float) * na);
		j.B = malloc(sizeof(float) * nb);
		j.C = malloc(sizeof(float) * p->M * p->N);
		for (size_t q = 0; q < na; q++)
			j.A[q] = (float) rs_rng_normal(&rng);
		for (size_t q = 0; q < nb; q++)
			j.B[q] = (float) (0.05 * rs_rng_normal(&rng));
		j.scratch = malloc(rs_gemm16_gemm_scratch(p->M, p->N, p->K) + 1);
		dn_make(&j.d, p, j.A, j.B, j.C);
		for (int k = 0; k < NK; k++)
		{
			reps[k] = 1;
			run(&j, k);
			for (;;)
			{
				double		t0 = now();

				for (int r = 0; r < reps[k]; r++)
					run(&j, k);
				if (now() - t0 >= TRIAL_SEC || reps[k] >= 1 << 16)
					break;
				reps[k] *= 2;
			}
		}
		for (int r = 0; r < rounds; r++)
			for (int k = 0; k < NK; k++)
			{
				double		t0 = now();

				for (int q = 0; q < reps[k]; q++)
					run(&j, k);
				t[k * rounds + r] = (now() - t0) / reps[k];
			}
		for (int k = 0; k < NK; k++)
		{
			med[k] = bench_median(t + k * rounds, rounds);
			step[k] += p->count * med[k];
		}
		printf("%s %c%c M %4d N %4d K %4d x%d: fp32 %7.1f us | rs_gemm16_gemm %7.1f us %.2fx | "
			   "oneDNN bf16 + reorders %7.1f us %.2fx | oneDNN alone %7.1f us %.2fx\n",
			   p->what, p->ta ? 'T' : 'N', p->tb ? 'T' : 'N', p->M, p->N, p->K, p->count,
			   med[0] * 1e6, med[1] * 1e6, med[0] / med[1], med[2] * 1e6, med[0] / med[2],
			   med[3] * 1e6, med[0] / med[3]);
		dn_free(&j.d);
		free(j.A);
		free(j.B);
		free(j.C);
		free(j.scratch);
	}
	printf("products of one training step, one thread: fp32 %.2f ms, rs_gemm16_gemm %.2f ms (%.2fx), "
		   "oneDNN bf16 with reorders %.2f ms (%.2fx), oneDNN alone %.2f ms (%.2fx)\n",
		   step[0] * 1e3, step[1] * 1e3, step[0] / step[1], step[2] * 1e3, step[0] / step[2],
		   step[3] * 1e3, step[0] / step[3]);
	free(t);
	dnnl_stream_destroy(strm);
	dnnl_engine_destroy(eng);
	return 0;
}

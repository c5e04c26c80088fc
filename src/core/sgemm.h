/*
 * sgemm.h
 *	  raresynth's own fp32 matrix product, for AVX2 + FMA and AVX-512 CPUs,
 *	  in cblas_sgemm's signature: what cblas_sgemm runs when OpenBLAS runs
 *	  a fallback core with SSE kernels only (Prescott on a CPU it does not
 *	  know, blas.h), so that the training's products never run on those.
 *
 * Row-major only (the only order raresynth uses; a column-major call goes
 * to OpenBLAS's sgemm, whatever its core).  Blocks of KC = 256 along K,
 * op(B) packed in panels of NR columns (32 with AVX-512, 16 with AVX2),
 * op(A) in panels of 6 rows; each 6 x NR tile of C accumulates one block
 * in registers with fused multiply-adds, in k order, and is added into C
 * (alpha, then beta on the first block; beta == 0 never reads C).  The
 * result depends only on the inputs, M, N, K and the ISA: the same bits on
 * every call and every thread.  The packing buffers are on the stack
 * (about 180 kB): no allocation, any thread may call it.
 */
#ifndef RS_SGEMM_H
#define RS_SGEMM_H

#include "blas.h"

typedef enum rs_sgemm_isa
{
	RS_SGEMM_NONE = 0,			/* the CPU has neither: not usable */
	RS_SGEMM_AVX2,				/* AVX2 + FMA */
	RS_SGEMM_AVX512				/* AVX-512 F (with BW, VL, DQ: blas.h's set) */
} rs_sgemm_isa;

/* the kernel for a CPU with these features (blas.h's RS_CPU_*) */
rs_sgemm_isa rs_sgemm_isa_for(unsigned features);

/* "AVX-512", "AVX2" or "none" */
const char *rs_sgemm_isa_name(rs_sgemm_isa isa);

/*
 * C = alpha op(A) op(B) + beta C with the kernel of isa (which the CPU
 * must have), row-major; cblas_sgemm's arguments without the order.
 */
void		rs_sgemm_own(rs_sgemm_isa isa, int ta, int tb, int M, int N, int K,
						 float alpha, const float *A, int lda,
						 const float *B, int ldb, float beta, float *C, int ldc);

/*
 * A function of cblas_sgemm's type that runs rs_sgemm_own with isa, and
 * fallback for a column-major order (NULL for RS_SGEMM_NONE).  Set once,
 * before any thread uses it (blas.c, at load).
 */
__typeof__(cblas_sgemm) *rs_sgemm_own_entry(rs_sgemm_isa isa,
											__typeof__(cblas_sgemm) *fallback);

#endif							/* RS_SGEMM_H */

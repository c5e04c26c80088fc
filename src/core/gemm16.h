/*
 * gemm16.h
 *	  Inference matrix product of one Linear layer in bfloat16:
 *	  C[M, N] = A[M, K] W^T + bias, with the weights packed once.
 *
 * On a CPU with AVX512-BF16 (rs_gemm16_native() == 1) A and W are rounded
 * to bfloat16 (round to nearest even) and the products accumulate in fp32
 * with VDPBF16PS; the only error beyond the bf16 rounding of the operands is
 * fp32 accumulation.  Like every AVX512-BF16 instruction, the conversion and
 * the dot product treat denormal inputs as zero and flush denormal results.
 *
 * Elsewhere, or when packed with force_fp32, rs_gemm16_apply is a plain
 * fp32 cblas_sgemm on an fp32 copy of W: the results then differ slightly
 * from the native ones (the operands are not bf16-rounded).
 *
 * Either way the result is deterministic: the same inputs give the same bits
 * on every call, however many threads call concurrently.  The bf16 kernel
 * goes further: a row's result depends only on that row of A (not on M or
 * on the row's position), since every element is summed over k in the same
 * order; the fallback leaves that to OpenBLAS, which may choose another
 * kernel for another M.
 *
 * Packing layout (native path).  With P = ceil(K / 2) pairs of K, the
 * columns n of C are split into panels of 64 (the last one 16, 32, 48 or 64
 * wide, padded with zero weights to a multiple of 16).  A panel of width NW
 * is stored as [P][NW] 32-bit words; word (p, c) holds bf16(W[n][2p]) in
 * its low half and bf16(W[n][2p + 1]) in its high half, n = panel start + c,
 * with zeros where 2p + 1 = K (odd K) or n >= N.  One VDPBF16PS then
 * multiplies a 32-bit broadcast of the bf16 pair (A[m][2p], A[m][2p + 1])
 * with 16 such words and adds both products to 16 fp32 accumulators.
 * Panels follow each other, each 64-byte aligned.
 *
 * rs_gemm16_apply converts A, a block of up to 96 rows at a time, into
 * bf16 pairs in the caller's scratch (rows of ceil(P / 16) * 64 bytes) and
 * computes each 6-row by 64-column tile of C in 24 zmm accumulators,
 * masking the stores of the last partial 16 columns.
 */
#ifndef RS_GEMM16_H
#define RS_GEMM16_H

#include <stddef.h>

#include "rs_common.h"

typedef struct rs_gemm16 rs_gemm16;

/* 1 if the AVX512-BF16 kernel runs on this CPU (and the OS saves zmm state) */
int			rs_gemm16_native(void);

/*
 * 1 if precision "auto" trains in bf16 here: AVX512-BF16 and no AMX-BF16
 * (where this kernel is slower than fp32 sgemm: see gemm16.c)
 */
int			rs_gemm16_auto_training(void);

/*
 * Pack W[N, K] (row-major, leading dimension ldw >= K, PyTorch out x in
 * layout) and bias[N] (may be NULL).  An fp32 copy is kept for the
 * fallback.  force_fp32 != 0 selects the fallback even on a bf16 CPU.
 * Returns NULL (and fills err) on bad arguments or out of memory.
 */
rs_gemm16  *rs_gemm16_pack(const float *W, int ldw, int N, int K,
						   const float *bias, int force_fp32, rs_error *err);
void		rs_gemm16_free(rs_gemm16 *g);

/* 1 if g runs the bf16 kernel, 0 if the fp32 fallback */
int			rs_gemm16_is_native(const rs_gemm16 *g);

/*
 * Bytes of scratch rs_gemm16_apply needs for M rows (0 for the fallback;
 * at most 96 * (2 * K + 64) + 64 bytes whatever M).  No alignment needed.
 */
size_t		rs_gemm16_scratch_bytes(const rs_gemm16 *g, int M);

/*
 * C[M, N] (row stride ldc >= N) = A[M, K] (row stride lda >= K) W^T + bias.
 * Does not allocate and does not check for interrupts; several threads may
 * call it concurrently on the same g with their own A, C and scratch.
 * scratch holds rs_gemm16_scratch_bytes(g, M) bytes (may be NULL if 0).
 */
void		rs_gemm16_apply(const rs_gemm16 *g, int M, const float *A, int lda,
							float *C, int ldc, void *scratch);

/*
 * What to do to each row m of C after the product and the bias, while it
 * is still in registers: add row rowidx[m] of the table rowadd[*, ldr]
 * (when rowadd is not NULL), then ReLU (when relu).  A one-hot input's
 * product is a row of such a table (see sampler.c).
 */
typedef struct rs_gemm16_epilogue
{
	const float *rowadd;
	int			ldr;
	const int  *rowidx;
	int			relu;
} rs_gemm16_epilogue;

/* rs_gemm16_apply followed by the epilogue ep (NULL: none). */
void		rs_gemm16_apply_ep(const rs_gemm16 *g, int M, const float *A, int lda,
							   float *C, int ldc, void *scratch,
							   const rs_gemm16_epilogue *ep);

/*
 * A training product in bf16: C[M, N] = op(A)[M, K] op(B)[K, N] + beta C,
 * row-major, op = transpose when ta / tb, beta 0 or 1, alpha 1 (what
 * nn.c's products are).  Both operands are rounded to bf16 (op(B) packed
 * into the panels above, op(A) into rows of pairs, in scratch, every call:
 * the conversion is part of the cost), products accumulate in fp32 over
 * all of K in one register.  scratch holds rs_gemm16_gemm_scratch(M, N, K)
 * bytes (any alignment).  Without AVX512-BF16, with a NULL scratch or
 * another beta, it is cblas_sgemm.  Deterministic (the same bits on every
 * call); does not allocate.
 */
size_t		rs_gemm16_gemm_scratch(int M, int N, int K);
void		rs_gemm16_gemm(int ta, int tb, int M, int N, int K,
						   const float *A, int lda, const float *B, int ldb,
						   float beta, float *C, int ldc, void *scratch);

#endif							/* RS_GEMM16_H */

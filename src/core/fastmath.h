/*
 * fastmath.h
 *	  Vectorised exp for the sampler's per-element work (a softmax span per
 *	  categorical column of every generated row), where one libm call per
 *	  element costs more than the products around it.  See fastmath.c.
 */
#ifndef RS_FASTMATH_H
#define RS_FASTMATH_H

/*
 * x[i] = exp(x[i]) for i < n, for x[i] <= 0 (larger values are clamped to
 * 0 first; below -87 the result is 0).  Relative error below 2e-7.
 */
void		rs_exp_neg_n(float *x, int n);

#endif							/* RS_FASTMATH_H */

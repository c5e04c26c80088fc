/*
 * sampler_test.h
 *	  The compiled sampler's hooks for unit tests: its forward pass and its
 *	  activation, each alone.  Nothing in src/ outside sampler.c uses them.
 */
#ifndef RS_SAMPLER_TEST_H
#define RS_SAMPLER_TEST_H

#include "sampler.h"

/*
 * For tests: the generator's pre-activation output raw[n, D] for given
 * noise z[n, E] and cond categories cond[n] (index into the cond vector,
 * ignored without condition spans), through the compiled path.
 */
rs_status	rs_sampler_test_raw(rs_sampler *s, int n, const float *z,
								const int *cond, float *raw, rs_error *err);

/* For tests: the activation of n given raw rows (tanh; softmax draws). */
rs_status	rs_sampler_test_activate(rs_sampler *s, int n, const float *raw,
									 float *out, rs_rng *rng, rs_error *err);

#endif							/* RS_SAMPLER_TEST_H */

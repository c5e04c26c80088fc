/*
 * heart_shape.h
 *	  The encoded layout of the heart data's minority rows, for the core
 *	  benchmarks: 5 continuous columns (tanh + 9 modes) and 11 categorical
 *	  columns 60 wide in all: data_dim 110, cond_dim 60.
 */
#ifndef HEART_SHAPE_H
#define HEART_SHAPE_H

#include "encoder.h"

/* Fills spans (at least 21); returns the span count; *dim, *cond_dim set. */
static inline int
heart_spans(rs_span *spans, int *dim, int *cond_dim)
{
	static const int cat_w[] = {2, 2, 3, 4, 5, 7, 2, 2, 3, 10, 20};
	int			ns = 0,
				pos = 0,
				cd = 0;

	for (int i = 0; i < 5; i++)
	{
		spans[ns++] = (rs_span) {pos, 1, RS_ACT_TANH, i, 0};
		pos += 1;
		spans[ns++] = (rs_span) {pos, 9, RS_ACT_SOFTMAX, i, 0};
		pos += 9;
	}
	for (int i = 0; i < 11; i++)
	{
		spans[ns++] = (rs_span) {pos, cat_w[i], RS_ACT_SOFTMAX, 5 + i, 1};
		pos += cat_w[i];
		cd += cat_w[i];
	}
	*dim = pos;
	*cond_dim = cd;
	return ns;
}

#endif

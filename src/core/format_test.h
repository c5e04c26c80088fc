/*
 * format_test.h
 *	  A model-state query only the unit tests and fuzzers need.
 */
#ifndef RS_FORMAT_TEST_H
#define RS_FORMAT_TEST_H

#include "format.h"

/* 1 if view has a section with this tag */
static inline int
rs_state_has(const rs_state_view *view, uint32_t tag)
{
	for (int i = 0; i < view->n_sections; i++)
		if (view->tags[i] == tag)
			return 1;
	return 0;
}

#endif							/* RS_FORMAT_TEST_H */

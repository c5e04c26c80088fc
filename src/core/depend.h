/*
 * depend.h
 *	  Functional dependencies between categorical columns: the one rule
 *	  that the profile (counts from SQL over the whole source), training
 *	  (the profile's result) and the quality report (counts from the real
 *	  rows) all apply.
 *
 * Column a determines column b when, on every row, a's value (NULL a
 * value of its own) fixes b's: there are as many distinct (a, b) pairs as
 * distinct values of a.  Such a dependency is kept when a has more values
 * than b, b has at least 2, and a's values hold at least
 * RS_DEPEND_MIN_ROWS_PER_VALUE rows on average, so that a column of
 * near-unique values (which determines every column) is not taken for a
 * cause, nor a chance agreement in a few rows for a rule.
 *
 * Each dependent column gets one determinant: of the columns that
 * determine it, the one with the most values (ties: the first).  That
 * column is determined by none (a determinant of it would have more values
 * and determine the dependent too), so the dependencies form groups of a
 * determinant and the columns it determines, and no column is in two.
 */
#ifndef RS_DEPEND_H
#define RS_DEPEND_H

#include <stdint.h>

#include "rs_common.h"
#include "table.h"

#define RS_DEPEND_MIN_ROWS_PER_VALUE 5

/*
 * 1 if a determines b by the rule above: n_rows rows, n_a and n_b distinct
 * values of a and b (NULL counted as one value when present), n_ab
 * distinct (a, b) pairs.
 */
int			rs_depend_holds(int64_t n_rows, int64_t n_a, int64_t n_b, int64_t n_ab);

/*
 * determinant[b] = the determinant of column b, or -1, for n columns:
 * holds[a * n + b] is 1 where a determines b (rs_depend_holds), n_values[a]
 * the distinct values of a.
 */
void		rs_depend_choose(int n, const uint8_t *holds, const int64_t *n_values,
							 int *determinant);

/*
 * The same from rows: determinant[c] for every column of t (-1 for a
 * continuous column and for one without a determinant).  O(columns^2 x
 * rows) time, O(categories) memory.
 */
rs_status	rs_depend_find(const rs_table *t, int *determinant, rs_error *err);

#endif							/* RS_DEPEND_H */

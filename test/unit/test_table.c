/*
 * test_table.c
 *	  rs_table: creation, spec copies, take and concat.
 */
#include <string.h>

#include "table.h"
#include "unit.h"

static rs_table *
make_table(void)
{
	rs_error	err;
	rs_table   *t = rs_table_create(4, 2, &err);

	t->cols[0].name = rs_strdup("x");
	t->cols[0].kind = RS_KIND_CONTINUOUS;
	t->cols[0].min = 0;
	t->cols[0].max = 3;
	t->cols[1].name = rs_strdup("c");
	t->cols[1].kind = RS_KIND_CATEGORICAL;
	t->cols[1].n_categories = 2;
	t->cols[1].categories = rs_alloc_array(2, sizeof(char *));
	t->cols[1].categories[0] = rs_strdup("a");
	t->cols[1].categories[1] = rs_strdup("b");
	for (int r = 0; r < 4; r++)
	{
		RS_CELL(t, r, 0) = r;
		RS_CELL(t, r, 1) = r % 2;
	}
	RS_CELL(t, 2, 1) = RS_NULL;
	return t;
}

static void
test_create(void)
{
	rs_error	err;
	rs_table   *t = rs_table_create(3, 2, &err);

	CHECK(t != NULL);
	for (int i = 0; i < 6; i++)
		CHECK(rs_is_null(t->values[i]));
	rs_table_free(t);
	CHECK(rs_table_create(1, 0, &err) == NULL);
	CHECK(err.code == RS_ERR_INVALID);
	CHECK(rs_table_create(-1, 2, &err) == NULL);
}

static void
test_take(void)
{
	rs_error	err;
	rs_table   *t = make_table();
	int			idx[3] = {3, 0, 2};
	int			bad[1] = {4};
	rs_table   *s = rs_table_take(t, idx, 3, &err);

	CHECK(s != NULL && s->n_rows == 3 && s->n_cols == 2);
	CHECK(strcmp(s->cols[1].categories[1], "b") == 0);
	CHECK(s->cols[1].categories[1] != t->cols[1].categories[1]);	/* deep copy */
	CHECK(RS_CELL(s, 0, 0) == 3 && RS_CELL(s, 1, 0) == 0 && RS_CELL(s, 2, 0) == 2);
	CHECK(rs_is_null(RS_CELL(s, 2, 1)));
	rs_table_free(s);
	CHECK(rs_table_take(t, bad, 1, &err) == NULL);
	CHECK(err.code == RS_ERR_INVALID);
	rs_table_free(t);
}

static void
test_concat(void)
{
	rs_error	err;
	rs_table   *a = make_table();
	rs_table   *b = make_table();
	rs_table   *c = rs_table_concat(a, b, &err);
	rs_table   *one = rs_table_create(1, 1, &err);

	CHECK(c != NULL && c->n_rows == 8);
	for (int r = 0; r < 8; r++)
		CHECK(RS_CELL(c, r, 0) == r % 4);
	CHECK(rs_is_null(RS_CELL(c, 6, 1)));
	CHECK(rs_table_concat(a, one, &err) == NULL);
	rs_table_free(c);
	rs_table_free(a);
	rs_table_free(b);
	rs_table_free(one);
}

static void
test_column_range(void)
{
	rs_error	err;
	rs_table   *t = make_table();
	rs_table   *empty = rs_table_create(2, 1, &err);
	double		mn,
				mx;

	CHECK(rs_table_column_range(t, 0, &mn, &mx) == 4);
	CHECK(mn == 0 && mx == 3);
	CHECK(rs_table_column_range(t, 1, &mn, &mx) == 3);	/* one NULL */
	CHECK(mn == 0 && mx == 1);
	CHECK(rs_table_column_range(empty, 0, &mn, &mx) == 0);
	CHECK(isinf(mn) && mn > 0 && isinf(mx) && mx < 0);
	rs_table_free(t);
	rs_table_free(empty);
}

int
main(void)
{
	RUN(test_create);
	RUN(test_take);
	RUN(test_concat);
	RUN(test_column_range);
	return unit_summary("test_table");
}

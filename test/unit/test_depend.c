/*
 * test_depend.c
 *	  Functional dependencies: the rule, one determinant per column, and
 *	  finding them in rows (a two-level chain, NULL as a value, chance
 *	  agreement in too few rows, a near-unique column).
 */
#include "depend.h"
#include "tables.h"
#include "unit.h"

static const char *const cities[] = {"c0", "c1", "c2", "c3", "c4", "c5"};
static const char *const regions[] = {"r0", "r1", "r2"};
static const char *const lands[] = {"l0", "l1"};

/* city -> region -> land on every row, plus x (continuous), n rows */
static rs_table *
chain_table(int n)
{
	rs_error	err;
	rs_table   *t = rs_table_create(n, 4, &err);

	set_categorical(t, 0, "city", 6, cities);
	set_categorical(t, 1, "region", 3, regions);
	set_categorical(t, 2, "land", 2, lands);
	set_continuous(t, 3, "x");
	for (int r = 0; r < n; r++)
	{
		int			city = r % 6;

		RS_CELL(t, r, 0) = city;
		RS_CELL(t, r, 1) = city / 2;
		RS_CELL(t, r, 2) = city / 2 == 0 ? 0 : 1;
		RS_CELL(t, r, 3) = r;
	}
	return t;
}

static void
test_rule(void)
{
	CHECK(rs_depend_holds(100, 10, 3, 10));
	CHECK(!rs_depend_holds(100, 10, 3, 11));	/* a value of a with two of b */
	CHECK(!rs_depend_holds(100, 3, 3, 3));	/* not more values than b */
	CHECK(!rs_depend_holds(100, 10, 1, 10));	/* b constant */
	CHECK(!rs_depend_holds(49, 10, 3, 10)); /* under 5 rows a value */
	CHECK(rs_depend_holds(50, 10, 3, 10));
}

static void
test_choose_root(void)
{
	/* 0 -> 1, 0 -> 2, 1 -> 2: both dependents get 0 */
	uint8_t		holds[9] = {0, 1, 1, 0, 0, 1, 0, 0, 0};
	int64_t		nv[3] = {6, 3, 2};
	int			det[3];

	rs_depend_choose(3, holds, nv, det);
	CHECK(det[0] == -1);
	CHECK(det[1] == 0);
	CHECK(det[2] == 0);
}

static void
test_find_chain(void)
{
	rs_error	err;
	rs_table   *t = chain_table(60);
	int			det[4];

	CHECK(rs_depend_find(t, det, &err) == RS_OK);
	CHECK(det[0] == -1);
	CHECK(det[1] == 0);
	CHECK(det[2] == 0);
	CHECK(det[3] == -1);

	/* one row breaks city -> region and city -> land, not region -> land */
	RS_CELL(t, 7, 1) = 2;
	RS_CELL(t, 7, 2) = 1;
	CHECK(rs_depend_find(t, det, &err) == RS_OK);
	CHECK(det[1] == -1);
	CHECK(det[2] == 1);
	rs_table_free(t);
}

static void
test_find_null_and_small(void)
{
	rs_error	err;
	rs_table   *t = chain_table(60);
	int			det[4];

	/* NULL is a value of its own: city c5 -> region NULL on every row */
	for (int r = 5; r < 60; r += 6)
		RS_CELL(t, r, 1) = RS_NULL;
	CHECK(rs_depend_find(t, det, &err) == RS_OK);
	CHECK(det[1] == 0);
	RS_CELL(t, 11, 1) = 2;		/* now c5 has NULL and r2 */
	CHECK(rs_depend_find(t, det, &err) == RS_OK);
	CHECK(det[1] == -1);
	rs_table_free(t);

	/* 29 rows: under 5 a city, the same pattern is no rule */
	t = chain_table(29);
	CHECK(rs_depend_find(t, det, &err) == RS_OK);
	CHECK(det[1] == -1 && det[2] == 1);	/* region (3 values) still does */
	rs_table_free(t);
}

int
main(void)
{
	RUN(test_rule);
	RUN(test_choose_root);
	RUN(test_find_chain);
	RUN(test_find_null_and_small);
	return unit_summary("test_depend");
}

/*
 * test_encoder_dp.c
 *	  rs_encoder_fit_public, the encoder of differentially private
 *	  training: built from the specs alone (the same state whatever the
 *	  rows), normalization from the bounds, decoding clamped to them, the
 *	  user's categories all kept, a NULL slot in every column, and errors
 *	  for a column without bounds or categories.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "encoder.h"
#include "format.h"
#include "rs_common.h"
#include "tables.h"
#include "unit.h"

static const char *const sexes[] = {"F", "M"};

/* age [20, 80] (integral), sex {F, M}; rows from seed */
static rs_table *
dp_table(int n, unsigned seed)
{
	rs_error	err;
	rs_table   *t = rs_table_create(n, 2, &err);

	set_continuous(t, 0, "age");
	t->cols[0].integral = 1;
	t->cols[0].min = 20;
	t->cols[0].max = 80;
	set_categorical(t, 1, "sex", 2, sexes);
	for (int r = 0; r < n; r++)
	{
		RS_CELL(t, r, 0) = 20 + (r * 7 + seed) % 61;
		RS_CELL(t, r, 1) = (r + seed) % 2;
	}
	return t;
}

static void
saved(const rs_encoder *enc, rs_wbuf *b)
{
	rs_wbuf_init(b);
	CHECK(rs_encoder_save(enc, b) == RS_OK && !b->failed);
}

static void
test_public_same_whatever_rows(void)
{
	rs_error	err;
	rs_table   *a = dp_table(50, 1),
			   *b = dp_table(3, 2);
	rs_encoder *ea = rs_encoder_fit_public(a, &err),
			   *eb = rs_encoder_fit_public(b, &err);
	rs_wbuf		wa,
				wb;

	CHECK(ea && eb);
	if (!ea || !eb)
		return;
	saved(ea, &wa);
	saved(eb, &wb);
	CHECK(wa.len == wb.len && memcmp(wa.data, wb.data, wa.len) == 0);
	/* age: tanh + (1 mode, NULL); sex: (F, M, NULL) */
	CHECK(rs_encoder_dim(ea) == 6);
	CHECK(rs_encoder_n_spans(ea) == 3);
	CHECK(rs_encoder_category_seen(ea, 1, 0) && rs_encoder_category_seen(ea, 1, 1));
	CHECK(rs_encoder_column_has_null(ea, 0) && rs_encoder_column_has_null(ea, 1));
	/* and the state loads back */
	{
		rs_rbuf		rb;
		rs_encoder *l;

		rs_rbuf_init(&rb, wa.data, wa.len);
		l = rs_encoder_load(&rb, a, &err);
		CHECK(l != NULL);
		if (l)
			CHECK(rs_encoder_dim(l) == 6 && rs_encoder_n_spans(l) == 3);
		rs_encoder_free(l);
	}
	rs_wbuf_free(&wa);
	rs_wbuf_free(&wb);
	rs_encoder_free(ea);
	rs_encoder_free(eb);
	rs_table_free(a);
	rs_table_free(b);
}

/* alpha = (x - 50) / 30; out of bounds decodes to the bound; NULL stays */
static void
test_public_round_trip(void)
{
	rs_error	err;
	rs_table   *t = dp_table(5, 0),
			   *back = dp_table(5, 0);
	rs_encoder *enc;
	rs_rng		rng;
	float		x[5 * 6];
	const double ages[] = {20, 50, 65, 120, RS_NULL};

	for (int r = 0; r < 5; r++)
		RS_CELL(t, r, 0) = ages[r];
	RS_CELL(t, 3, 1) = RS_NULL;
	enc = rs_encoder_fit_public(t, &err);
	CHECK(enc != NULL);
	if (!enc)
		return;
	rs_rng_seed(&rng, 1);
	CHECK(rs_encoder_transform(enc, t, x, &rng, &err) == RS_OK);
	CHECK_NEAR(x[1 * 6], 0, 1e-6);
	CHECK_NEAR(x[2 * 6], 0.5, 1e-6);
	CHECK_NEAR(x[3 * 6], 0.99, 1e-6);	/* clipped */
	CHECK(rs_encoder_inverse(enc, x, 5, back, 0, &err) == RS_OK);
	CHECK_NEAR(RS_CELL(back, 0, 0), 20, 1e-9);
	CHECK_NEAR(RS_CELL(back, 1, 0), 50, 1e-9);
	CHECK_NEAR(RS_CELL(back, 2, 0), 65, 1e-9);
	CHECK_NEAR(RS_CELL(back, 3, 0), 80, 1e-9);	/* the bound */
	CHECK(rs_is_null(RS_CELL(back, 4, 0)));
	CHECK(rs_is_null(RS_CELL(back, 3, 1)));
	CHECK(RS_CELL(back, 1, 1) == RS_CELL(t, 1, 1));
	rs_encoder_free(enc);
	rs_table_free(t);
	rs_table_free(back);
}

static void
test_public_errors(void)
{
	rs_error	err;
	rs_table   *t = dp_table(2, 0);

	t->cols[0].min = 1;
	t->cols[0].max = 0;			/* no bounds */
	CHECK(rs_encoder_fit_public(t, &err) == NULL && strstr(err.msg, "\"age\" needs bounds"));
	t->cols[0].min = 5;
	t->cols[0].max = 5;
	CHECK(rs_encoder_fit_public(t, &err) == NULL && strstr(err.msg, "\"age\""));
	t->cols[0].min = -INFINITY;
	t->cols[0].max = 5;
	CHECK(rs_encoder_fit_public(t, &err) == NULL && strstr(err.msg, "\"age\""));
	t->cols[0].min = 0;
	t->cols[1].n_categories = 0;
	CHECK(rs_encoder_fit_public(t, &err) == NULL && strstr(err.msg, "\"sex\""));
	t->cols[1].n_categories = 2;
	CHECK(rs_encoder_fit_public(NULL, &err) == NULL);
	rs_table_free(t);
}

int
main(void)
{
	RUN(test_public_same_whatever_rows);
	RUN(test_public_round_trip);
	RUN(test_public_errors);
	return unit_summary("test_encoder_dp");
}

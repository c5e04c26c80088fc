/*
 * test_encoder_dp.c
 *	  rs_encoder_fit_public, the encoder of differentially private
 *	  training: built from the specs alone (the same state whatever the
 *	  rows), normalization from the bounds, decoding clamped to them, the
 *	  user's categories all kept, a NULL slot in every column, and errors
 *	  for a column without bounds or categories; rs_model_prepare takes it
 *	  under DP and refuses rules there.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "encoder.h"
#include "format.h"
#include "gan.h"
#include "model.h"
#include "rs_common.h"
#include "rules.h"
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

/* a DP configuration of tiny networks (what the glue sets under epsilon) */
static void
dp_config(rs_gan_config *cfg)
{
	rs_gan_config_default(cfg);
	cfg->embedding_dim = 4;
	cfg->n_gen_dims = 1;
	cfg->gen_dims[0] = 8;
	cfg->n_dis_dims = 1;
	cfg->dis_dims[0] = 8;
	cfg->pac = 1;
	cfg->batch_size = 10;
	cfg->epochs = 1;
	cfg->gp_lambda = 0;
	cfg->moment_weight = 0;
	cfg->calibration = 0;
	cfg->early_stopping = 0;
	cfg->dp_noise = 1;
	cfg->dp_rate = 0.5;
}

/* One prepared DP model's encoder state, from a table of n rows. */
static int
prepared_encoder(int n, unsigned seed, rs_wbuf *b, int with_rules, rs_error *err)
{
	rs_gan_config cfg;
	rs_model	m;
	rs_rng		rng;
	rs_table   *t = dp_table(n, seed);
	float	   *encoded = NULL;
	rs_status	st;

	dp_config(&cfg);
	memset(&m, 0, sizeof(m));
	m.rules = with_rules ? rs_rules_create(2, 5, 5, err) : NULL;
	rs_rng_seed(&rng, seed);
	st = rs_model_prepare(&m, t, &cfg, 10, &rng, &encoded, err);
	if (st == RS_OK)
		saved(m.enc, b);
	rs_free(encoded);
	if (m.enc)
		rs_encoder_free(m.enc);
	if (m.gan)
		rs_gan_free(m.gan);
	rs_rules_free(m.rules);
	rs_table_free(t);
	return st;
}

static void
test_prepare_dp(void)
{
	rs_error	err;
	rs_wbuf		wa,
				wb;
	rs_gan_config cfg;
	rs_model	m;
	rs_rng		rng;
	rs_table   *t = dp_table(5, 1);
	float	   *encoded = NULL;

	/* no mixture fitted to the rows: the same encoder for other rows */
	CHECK(prepared_encoder(50, 1, &wa, 0, &err) == RS_OK);
	CHECK(prepared_encoder(3, 2, &wb, 0, &err) == RS_OK);
	CHECK(wa.len == wb.len && memcmp(wa.data, wb.data, wa.len) == 0);
	rs_wbuf_free(&wa);
	rs_wbuf_free(&wb);
	/* rules read the rows: refused under DP */
	CHECK(prepared_encoder(50, 1, &wa, 1, &err) == RS_ERR_INVALID);
	CHECK(strstr(err.msg, "no rules") != NULL);
	/* no configuration: an error, not a crash */
	dp_config(&cfg);
	memset(&m, 0, sizeof(m));
	rs_rng_seed(&rng, 1);
	CHECK(rs_model_prepare(&m, t, NULL, 10, &rng, &encoded, &err) != RS_OK);
	rs_free(encoded);
	if (m.enc)
		rs_encoder_free(m.enc);
	rs_table_free(t);
}

int
main(void)
{
	RUN(test_prepare_dp);
	RUN(test_public_same_whatever_rows);
	RUN(test_public_round_trip);
	RUN(test_public_errors);
	return unit_summary("test_encoder_dp");
}

/*
 * test_encoder.c
 *	  Unit tests of the encoder (mixture fit, transform, inverse, spans,
 *	  the encoder and column-spec byte formats).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "encoder.h"
#include "unit.h"

/* ---------------------------------------------------------------- helpers */

/* A table whose columns are described by kinds: 'c' continuous, 'i'
 * integral continuous, 'k' categorical (ncat categories "c0".."c<n-1>"). */
static rs_table *
make_table(int n_rows, const char *kinds, int ncat)
{
	rs_error	err;
	int			nc = (int) strlen(kinds);
	rs_table   *t = rs_table_create(n_rows, nc, &err);

	for (int c = 0; c < nc; c++)
	{
		char		name[16];

		snprintf(name, sizeof(name), "col%d", c);
		t->cols[c].name = rs_strdup(name);
		if (kinds[c] == 'k')
		{
			t->cols[c].kind = RS_KIND_CATEGORICAL;
			t->cols[c].n_categories = ncat;
			t->cols[c].categories = rs_alloc_array((size_t) ncat, sizeof(char *));
			for (int k = 0; k < ncat; k++)
			{
				snprintf(name, sizeof(name), "c%d", k);
				t->cols[c].categories[k] = rs_strdup(name);
			}
		}
		else
		{
			t->cols[c].kind = RS_KIND_CONTINUOUS;
			t->cols[c].integral = kinds[c] == 'i';
		}
	}
	return t;
}

/* Fill spec min/max of continuous columns from the data. */
static void
set_ranges(rs_table *t)
{
	for (int c = 0; c < t->n_cols; c++)
	{
		double		mn = INFINITY,
					mx = -INFINITY;

		if (t->cols[c].kind != RS_KIND_CONTINUOUS)
			continue;
		for (int r = 0; r < t->n_rows; r++)
		{
			double		v = RS_CELL(t, r, c);

			if (!isnan(v))
			{
				mn = v < mn ? v : mn;
				mx = v > mx ? v : mx;
			}
		}
		t->cols[c].min = mn <= mx ? mn : NAN;
		t->cols[c].max = mn <= mx ? mx : NAN;
	}
}

static rs_table *
empty_like(const rs_table *t, int n_rows)
{
	rs_error	err;
	rs_table   *u = rs_table_create(n_rows, t->n_cols, &err);

	rs_table_copy_specs(u, t, &err);
	return u;
}

/*
 * A mixed table: col0 continuous two clusters with some NULLs, col1
 * integral 0..50, col2 categorical of 4 categories with NULLs.
 */
static rs_table *
mixed_table(int n, uint64_t seed)
{
	rs_table   *t = make_table(n, "cik", 4);
	rs_rng		rng;

	rs_rng_seed(&rng, seed);
	for (int r = 0; r < n; r++)
	{
		double		u = rs_rng_uniform(&rng);

		RS_CELL(t, r, 0) = r % 10 == 3 ? RS_NULL
			: (u < 0.4 ? 3.0 + 0.5 * rs_rng_normal(&rng) : 20.0 + 2.0 * rs_rng_normal(&rng));
		RS_CELL(t, r, 1) = (double) rs_rng_below(&rng, 51);
		RS_CELL(t, r, 2) = r % 7 == 0 ? RS_NULL : (double) rs_rng_below(&rng, 4);
	}
	set_ranges(t);
	return t;
}

static rs_encoder *
fit(const rs_table *t, int max_modes, uint64_t seed)
{
	rs_rng		rng;
	rs_error	err;
	rs_encoder *enc;

	rs_rng_seed(&rng, seed);
	enc = rs_encoder_fit(t, max_modes, &rng, &err);
	if (!enc)
		fprintf(stderr, "  fit failed: %s\n", err.msg);
	return enc;
}

static float *
encode(const rs_encoder *enc, const rs_table *t, uint64_t seed)
{
	rs_rng		rng;
	rs_error	err;
	float	   *out = malloc(sizeof(float) * (size_t) t->n_rows * rs_encoder_dim(enc) + 1);

	rs_rng_seed(&rng, seed);
	if (rs_encoder_transform(enc, t, out, &rng, &err) != RS_OK)
	{
		fprintf(stderr, "  transform failed: %s\n", err.msg);
		free(out);
		return NULL;
	}
	return out;
}

static int
same_cell(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* ---------------------------------------------------------------- mixture */

static void
test_two_modes(void)
{
	int			n = 4000;
	rs_table   *t = make_table(n, "c", 0);
	rs_rng		rng;
	rs_encoder *enc;
	double		mu[RS_MAX_MODES],
				sigma[RS_MAX_MODES],
				w[RS_MAX_MODES];
	double		w_lo = 0.0,
				m_lo = 0.0,
				m_hi = 0.0,
				w_hi = 0.0;
	int			k;

	rs_rng_seed(&rng, 7);
	for (int r = 0; r < n; r++)
		RS_CELL(t, r, 0) = r % 2 ? -10.0 + rs_rng_normal(&rng) : 10.0 + 2.0 * rs_rng_normal(&rng);
	set_ranges(t);
	enc = fit(t, 10, 1);
	CHECK(enc != NULL);
	if (!enc)
		goto done;
	k = rs_encoder_column_modes(enc, 0, mu, sigma, w);
	CHECK(k >= 2 && k <= 10);
	for (int i = 0; i < k; i++)
	{
		CHECK(sigma[i] > 0.0);
		CHECK(i == 0 || mu[i] >= mu[i - 1]);	/* sorted */
		/* every mode sits on one of the clusters */
		CHECK(fabs(mu[i] + 10.0) < 1.0 || fabs(mu[i] - 10.0) < 1.5);
		if (mu[i] < 0.0)
		{
			w_lo += w[i];
			m_lo += w[i] * mu[i];
		}
		else
		{
			w_hi += w[i];
			m_hi += w[i] * mu[i];
		}
	}
	CHECK_NEAR(w_lo + w_hi, 1.0, 1e-9);
	CHECK_NEAR(w_lo, 0.5, 0.03);
	CHECK_NEAR(m_lo / w_lo, -10.0, 0.15);
	CHECK_NEAR(m_hi / w_hi, 10.0, 0.3);
	/* the lower cluster is one mode with sigma near 1 */
	CHECK_NEAR(mu[0], -10.0, 0.15);
	CHECK_NEAR(sigma[0], 1.0, 0.15);
	CHECK_NEAR(w[0], 0.5, 0.03);
	rs_encoder_free(enc);
done:
	rs_table_free(t);
}

static void
test_unused_modes_dropped(void)
{
	rs_table   *t = make_table(3000, "iic", 0);
	rs_encoder *enc;
	double		mu[RS_MAX_MODES],
				w[RS_MAX_MODES];
	int			k;

	for (int r = 0; r < 3000; r++)
	{
		RS_CELL(t, r, 0) = 1 + r % 3;	/* three values */
		RS_CELL(t, r, 1) = r % 5 == 0;	/* 0/1, 20% ones */
		RS_CELL(t, r, 2) = 42.5;		/* constant */
	}
	set_ranges(t);
	enc = fit(t, 10, 3);
	CHECK(enc != NULL);
	if (!enc)
		goto done;
	k = rs_encoder_column_modes(enc, 0, mu, NULL, w);
	CHECK(k == 3);
	for (int i = 0; i < k && k == 3; i++)
	{
		CHECK_NEAR(mu[i], i + 1, 0.05);
		CHECK_NEAR(w[i], 1.0 / 3, 0.02);
	}
	k = rs_encoder_column_modes(enc, 1, mu, NULL, w);
	CHECK(k == 2);
	if (k == 2)
	{
		CHECK_NEAR(mu[0], 0.0, 0.05);
		CHECK_NEAR(mu[1], 1.0, 0.05);
		CHECK_NEAR(w[1], 0.2, 0.02);
	}
	CHECK(rs_encoder_column_modes(enc, 2, mu, NULL, w) == 1);
	CHECK_NEAR(mu[0], 42.5, 1e-12);
	CHECK(rs_encoder_dim(enc) == (1 + 3) + (1 + 2) + (1 + 1));
	rs_encoder_free(enc);

	/* max_modes bounds the count */
	enc = fit(t, 1, 3);
	CHECK(enc && rs_encoder_column_modes(enc, 0, NULL, NULL, NULL) == 1);
	rs_encoder_free(enc);
done:
	rs_table_free(t);
}

static void
test_deterministic(void)
{
	rs_table   *t = mixed_table(2000, 11);
	rs_encoder *a = fit(t, 10, 5),
			   *b = fit(t, 10, 5);
	rs_wbuf		wa,
				wb;

	rs_wbuf_init(&wa);
	rs_wbuf_init(&wb);
	CHECK(a && b);
	if (a && b)
	{
		rs_encoder_save(a, &wa);
		rs_encoder_save(b, &wb);
		CHECK(wa.len == wb.len && memcmp(wa.data, wb.data, wa.len) == 0);
	}
	rs_wbuf_free(&wa);
	rs_wbuf_free(&wb);
	rs_encoder_free(a);
	rs_encoder_free(b);
	rs_table_free(t);
}

/* ---------------------------------------------------------------- layout */

static void
test_spans(void)
{
	rs_table   *t = mixed_table(500, 2);
	rs_encoder *enc = fit(t, 10, 1);
	const rs_span *sp;
	int			n,
				pos = 0,
				cond = 0,
				m0;

	CHECK(enc != NULL);
	if (!enc)
		goto done;
	sp = rs_encoder_spans(enc);
	n = rs_encoder_n_spans(enc);
	CHECK(n == 2 + 2 + 1);
	for (int s = 0; s < n; s++)
	{
		CHECK(sp[s].start == pos);
		CHECK(sp[s].width >= 1);
		pos += sp[s].width;
		if (sp[s].act == RS_ACT_TANH)
		{
			CHECK(sp[s].width == 1);
			CHECK(t->cols[sp[s].column].kind == RS_KIND_CONTINUOUS);
		}
		CHECK(sp[s].is_condition == (t->cols[sp[s].column].kind == RS_KIND_CATEGORICAL));
		if (sp[s].is_condition)
		{
			CHECK(sp[s].act == RS_ACT_SOFTMAX);
			CHECK(rs_encoder_cond_offset(enc, s) == cond);
			cond += sp[s].width;
		}
		else
			CHECK(rs_encoder_cond_offset(enc, s) == -1);
	}
	CHECK(pos == rs_encoder_dim(enc));
	CHECK(cond == rs_encoder_cond_dim(enc));
	CHECK(cond == 4 + 1);		/* 4 categories + NULL slot */

	/* columns: first span index, NULL slots */
	m0 = rs_encoder_column_modes(enc, 0, NULL, NULL, NULL);
	CHECK(rs_encoder_column_span(enc, 0) == 0);
	CHECK(rs_encoder_column_span(enc, 1) == 2);
	CHECK(rs_encoder_column_span(enc, 2) == 4);
	CHECK(sp[1].width == m0 + 1);
	CHECK(rs_encoder_column_has_null(enc, 0) == 1);
	CHECK(rs_encoder_column_has_null(enc, 1) == 0);
	CHECK(rs_encoder_column_has_null(enc, 2) == 1);
	CHECK(sp[3].width == rs_encoder_column_modes(enc, 1, NULL, NULL, NULL));
	rs_encoder_free(enc);
done:
	rs_table_free(t);
}

/* ---------------------------------------------------------------- round trip */

static void
test_round_trip(void)
{
	int			n = 3000;
	rs_table   *t = mixed_table(n, 21);
	rs_table   *back = empty_like(t, n);
	rs_encoder *enc = fit(t, 10, 4);
	float	   *x = NULL;
	rs_error	err;
	int			dim,
				clipped = 0;

	CHECK(enc != NULL);
	if (!enc || !(x = encode(enc, t, 9)))
		goto done;
	dim = rs_encoder_dim(enc);

	/* every encoded row: alpha in [-0.99, 0.99], exactly one hot per block */
	for (int r = 0; r < n; r++)
	{
		const rs_span *sp = rs_encoder_spans(enc);

		for (int s = 0; s < rs_encoder_n_spans(enc); s++)
		{
			const float *v = x + (size_t) r * dim + sp[s].start;

			if (sp[s].act == RS_ACT_TANH)
				CHECK(fabsf(v[0]) <= 0.99f);
			else
			{
				int			ones = 0;

				for (int i = 0; i < sp[s].width; i++)
				{
					CHECK(v[i] == 0.0f || v[i] == 1.0f);
					ones += v[i] == 1.0f;
				}
				CHECK(ones == 1);
			}
		}
	}

	CHECK(rs_encoder_inverse(enc, x, n, back, 0, &err) == RS_OK);
	for (int r = 0; r < n; r++)
	{
		double		v = RS_CELL(t, r, 0),
					b = RS_CELL(back, r, 0);

		/* continuous: exact NULLs, values within float precision unless
		 * alpha was clipped */
		if (isnan(v))
			CHECK(isnan(b));
		else if (fabsf(x[(size_t) r * dim]) >= 0.99f)
			clipped++;
		else
			CHECK_NEAR(b, v, 1e-5 * (1.0 + fabs(v)));
		/* integral and categorical: exact */
		CHECK(same_cell(RS_CELL(back, r, 1), RS_CELL(t, r, 1)));
		CHECK(same_cell(RS_CELL(back, r, 2), RS_CELL(t, r, 2)));
	}
	CHECK(clipped < n / 100);

	/* decoding into the middle of a larger table */
	{
		rs_table   *big = empty_like(t, n + 10);

		CHECK(rs_encoder_inverse(enc, x, 5, big, 10, &err) == RS_OK);
		CHECK(isnan(RS_CELL(big, 9, 1)));
		CHECK(same_cell(RS_CELL(big, 10, 1), RS_CELL(t, 0, 1)));
		CHECK(same_cell(RS_CELL(big, 14, 2), RS_CELL(t, 4, 2)));
		CHECK(rs_encoder_inverse(enc, x, 11, big, n, &err) == RS_ERR_INVALID);
		rs_table_free(big);
	}
done:
	free(x);
	rs_encoder_free(enc);
	rs_table_free(back);
	rs_table_free(t);
}

/* A column of only NULLs, a constant column, a single row. */
static void
test_degenerate_columns(void)
{
	rs_table   *t = make_table(4, "cck", 2);
	rs_table   *back = empty_like(t, 4);
	rs_encoder *enc;
	float	   *x = NULL;
	rs_error	err;

	for (int r = 0; r < 4; r++)
	{
		RS_CELL(t, r, 0) = RS_NULL;
		RS_CELL(t, r, 1) = -7.25;
		RS_CELL(t, r, 2) = RS_NULL;
	}
	set_ranges(t);
	enc = fit(t, 10, 1);
	CHECK(enc != NULL);
	if (!enc || !(x = encode(enc, t, 1)))
		goto done;
	CHECK(rs_encoder_dim(enc) == (1 + 1 + 1) + (1 + 1) + (2 + 1));
	CHECK(rs_encoder_inverse(enc, x, 4, back, 0, &err) == RS_OK);
	for (int r = 0; r < 4; r++)
	{
		CHECK(isnan(RS_CELL(back, r, 0)));
		CHECK(RS_CELL(back, r, 1) == -7.25);
		CHECK(isnan(RS_CELL(back, r, 2)));
	}
	/* the all-NULL column decodes to NULL whatever the slots say */
	x[1] = 5.0f;
	x[2] = 0.0f;
	/* categories never seen are never decoded: NULL wins */
	x[5] = 9.0f;
	x[7] = 1.0f;
	CHECK(rs_encoder_inverse(enc, x, 1, back, 0, &err) == RS_OK);
	CHECK(isnan(RS_CELL(back, 0, 0)));
	CHECK(isnan(RS_CELL(back, 0, 2)));
	rs_encoder_free(enc);
	free(x);
	x = NULL;

	/* one row */
	{
		rs_table   *one = make_table(1, "ik", 3);

		RS_CELL(one, 0, 0) = 12;
		RS_CELL(one, 0, 1) = 2;
		set_ranges(one);
		enc = fit(one, 10, 1);
		CHECK(enc != NULL);
		if (enc && (x = encode(enc, one, 1)))
		{
			RS_CELL(one, 0, 0) = RS_CELL(one, 0, 1) = RS_NULL;
			CHECK(rs_encoder_inverse(enc, x, 1, one, 0, &err) == RS_OK);
			CHECK(RS_CELL(one, 0, 0) == 12);
			CHECK(RS_CELL(one, 0, 1) == 2);
		}
		rs_table_free(one);
	}
done:
	free(x);
	rs_encoder_free(enc);
	rs_table_free(back);
	rs_table_free(t);
}

/* ---------------------------------------------------------------- inverse */

static void
test_inverse_clamps_and_rounds(void)
{
	int			n = 1000;
	rs_table   *t = make_table(n, "icki", 3);
	rs_table   *back = empty_like(t, 1);
	rs_encoder *enc;
	rs_error	err;
	rs_rng		rng;
	double		mu[RS_MAX_MODES],
				sigma[RS_MAX_MODES];
	float	   *row;
	int			dim,
				k,
				cs;

	rs_rng_seed(&rng, 5);
	for (int r = 0; r < n; r++)
	{
		RS_CELL(t, r, 0) = 10 + (int) rs_rng_below(&rng, 21);	/* 10..30 */
		RS_CELL(t, r, 1) = 0.25 + rs_rng_uniform(&rng);	/* [0.25, 1.25) */
		RS_CELL(t, r, 2) = r % 3 == 1 ? 2 : 0;	/* category 1 never seen */
		RS_CELL(t, r, 3) = r % 4 == 0 ? RS_NULL : (double) (r % 2);
	}
	set_ranges(t);
	enc = fit(t, 10, 2);
	CHECK(enc != NULL);
	if (!enc)
		goto done;
	dim = rs_encoder_dim(enc);
	row = calloc((size_t) dim, sizeof(float));

	/* integral column 0: every alpha of every mode decodes to a whole
	 * number in [10, 30], equal to clamp(round(alpha 4 sigma + mu)) */
	k = rs_encoder_column_modes(enc, 0, mu, sigma, NULL);
	for (int m = 0; m < k; m++)
		for (int a = -100; a <= 100; a++)
		{
			double		alpha = a / 100.0,
						want = round(alpha * 4 * sigma[m] + mu[m]),
						got;

			memset(row, 0, sizeof(float) * (size_t) dim);
			row[0] = (float) alpha;
			row[1 + m] = 1.0f;
			cs = rs_encoder_spans(enc)[rs_encoder_column_span(enc, 1)].start;
			row[cs + 1] = 1.0f;
			CHECK(rs_encoder_inverse(enc, row, 1, back, 0, &err) == RS_OK);
			got = RS_CELL(back, 0, 0);
			want = want < 10 ? 10 : want > 30 ? 30 : want;
			CHECK(got == floor(got));
			CHECK(got >= 10 && got <= 30);
			CHECK_NEAR(got, want, fabs(alpha - (float) alpha) * 4 * sigma[m] + 1.0);
		}

	/* continuous column 1: extreme alphas (even beyond tanh's range) clamp
	 * to the real [min, max] */
	k = rs_encoder_column_modes(enc, 1, mu, sigma, NULL);
	cs = rs_encoder_spans(enc)[rs_encoder_column_span(enc, 1)].start;
	for (int m = 0; m < k; m++)
	{
		float		alphas[] = {-5.0f, -1.0f, 1.0f, 5.0f};

		for (int i = 0; i < 4; i++)
		{
			double		got;

			memset(row, 0, sizeof(float) * (size_t) dim);
			row[1] = 1.0f;
			row[cs] = alphas[i];
			row[cs + 1 + m] = 1.0f;
			CHECK(rs_encoder_inverse(enc, row, 1, back, 0, &err) == RS_OK);
			got = RS_CELL(back, 0, 1);
			CHECK(got >= t->cols[1].min && got <= t->cols[1].max);
			if (alphas[i] == 5.0f && m == k - 1)
				CHECK(got == t->cols[1].max);
			if (alphas[i] == -5.0f && m == 0)
				CHECK(got == t->cols[1].min);
		}
	}

	/* categorical column 2: soft scores, argmax among seen categories */
	{
		const rs_span *sp = &rs_encoder_spans(enc)[rs_encoder_column_span(enc, 2)];

		CHECK(sp->width == 3);	/* no NULLs seen: no NULL slot */
		memset(row, 0, sizeof(float) * (size_t) dim);
		row[1] = 1.0f;
		row[cs + 1] = 1.0f;
		row[sp->start + 0] = 0.2f;
		row[sp->start + 1] = 0.5f;	/* never seen: skipped */
		row[sp->start + 2] = 0.3f;
		CHECK(rs_encoder_inverse(enc, row, 1, back, 0, &err) == RS_OK);
		CHECK(RS_CELL(back, 0, 2) == 2);
		row[sp->start + 0] = 0.4f;
		CHECK(rs_encoder_inverse(enc, row, 1, back, 0, &err) == RS_OK);
		CHECK(RS_CELL(back, 0, 2) == 0);

		/* integral column 3 with NULLs: NULL slot wins -> NULL */
		sp = &rs_encoder_spans(enc)[rs_encoder_column_span(enc, 3) + 1];
		CHECK(sp->width == rs_encoder_column_modes(enc, 3, NULL, NULL, NULL) + 1);
		for (int i = 0; i < sp->width; i++)
			row[sp->start + i] = 0.1f;
		row[sp->start + sp->width - 1] = 0.6f;
		CHECK(rs_encoder_inverse(enc, row, 1, back, 0, &err) == RS_OK);
		CHECK(isnan(RS_CELL(back, 0, 3)));
		row[sp->start] = 0.7f;
		CHECK(rs_encoder_inverse(enc, row, 1, back, 0, &err) == RS_OK);
		CHECK(RS_CELL(back, 0, 3) == 0 || RS_CELL(back, 0, 3) == 1);

		/* NaN in the generator output is an error, not a value */
		row[sp->start] = NAN;
		CHECK(rs_encoder_inverse(enc, row, 1, back, 0, &err) == RS_ERR_NUMERIC);
		row[sp->start] = 0.7f;
		row[0] = NAN;
		CHECK(rs_encoder_inverse(enc, row, 1, back, 0, &err) == RS_ERR_NUMERIC);
	}
	free(row);
	rs_encoder_free(enc);
done:
	rs_table_free(back);
	rs_table_free(t);
}

/* ---------------------------------------------------------------- errors */

static void
test_errors(void)
{
	rs_table   *t = mixed_table(100, 3);
	rs_table   *other;
	rs_encoder *enc;
	rs_error	err;
	rs_rng		rng;
	float	   *x;

	rs_rng_seed(&rng, 1);
	CHECK(rs_encoder_fit(t, 0, &rng, &err) == NULL && err.code == RS_ERR_INVALID);
	CHECK(rs_encoder_fit(t, 11, &rng, &err) == NULL && err.code == RS_ERR_INVALID);

	RS_CELL(t, 5, 2) = 4;		/* not a category index */
	CHECK(rs_encoder_fit(t, 10, &rng, &err) == NULL && err.code == RS_ERR_INVALID);
	RS_CELL(t, 5, 2) = 1.5;
	CHECK(rs_encoder_fit(t, 10, &rng, &err) == NULL && err.code == RS_ERR_INVALID);
	RS_CELL(t, 5, 2) = 1;
	RS_CELL(t, 5, 0) = INFINITY;
	CHECK(rs_encoder_fit(t, 10, &rng, &err) == NULL && err.code == RS_ERR_NUMERIC);
	RS_CELL(t, 5, 0) = 4;

	other = make_table(0, "cik", 4);
	CHECK(rs_encoder_fit(other, 10, &rng, &err) == NULL && err.code == RS_ERR_INVALID);
	rs_table_free(other);

	enc = fit(t, 10, 1);
	CHECK(enc != NULL);
	if (enc)
	{
		x = malloc(sizeof(float) * 100 * (size_t) rs_encoder_dim(enc));
		/* a NULL where the fitted column had none */
		RS_CELL(t, 0, 1) = RS_NULL;
		CHECK(rs_encoder_transform(enc, t, x, &rng, &err) == RS_ERR_INVALID);
		RS_CELL(t, 0, 1) = 1;
		/* specs that differ */
		other = make_table(100, "ckk", 4);
		CHECK(rs_encoder_transform(enc, other, x, &rng, &err) == RS_ERR_INVALID);
		CHECK(rs_encoder_inverse(enc, x, 1, other, 0, &err) == RS_ERR_INVALID);
		rs_table_free(other);
		other = make_table(100, "cik", 5);
		CHECK(rs_encoder_transform(enc, other, x, &rng, &err) == RS_ERR_INVALID);
		rs_table_free(other);
		other = make_table(100, "cck", 4);
		CHECK(rs_encoder_transform(enc, other, x, &rng, &err) == RS_ERR_INVALID);
		rs_table_free(other);
		CHECK(rs_encoder_transform(enc, t, x, &rng, &err) == RS_OK);
		free(x);
		rs_encoder_free(enc);
	}
	rs_table_free(t);
}

/* ---------------------------------------------------------------- bytes */

static void
test_save_load(void)
{
	int			n = 1500;
	rs_table   *t = mixed_table(n, 8);
	rs_encoder *enc = fit(t, 10, 3),
			   *back = NULL,
			   *back2 = NULL;
	rs_wbuf		w,
				w2;
	rs_rbuf		rb;
	rs_error	err;
	float	   *x1 = NULL,
			   *x2 = NULL;

	rs_wbuf_init(&w);
	rs_wbuf_init(&w2);
	CHECK(enc != NULL);
	if (!enc)
		goto done;
	CHECK(rs_encoder_save(enc, &w) == RS_OK);

	rs_rbuf_init(&rb, w.data, w.len);
	back = rs_encoder_load(&rb, t, &err);
	CHECK(back != NULL);
	CHECK(rs_rbuf_finish(&rb, 1, "encoder", &err) == RS_OK);
	rs_rbuf_init(&rb, w.data, w.len);
	back2 = rs_encoder_load(&rb, NULL, &err);
	CHECK(back2 != NULL);
	if (!back || !back2)
		goto done;

	CHECK(rs_encoder_dim(back) == rs_encoder_dim(enc));
	CHECK(rs_encoder_n_spans(back) == rs_encoder_n_spans(enc));
	CHECK(rs_encoder_cond_dim(back) == rs_encoder_cond_dim(enc));
	CHECK(memcmp(rs_encoder_spans(back), rs_encoder_spans(enc),
				 sizeof(rs_span) * (size_t) rs_encoder_n_spans(enc)) == 0);
	rs_encoder_save(back, &w2);
	CHECK(w2.len == w.len && memcmp(w2.data, w.data, w.len) == 0);

	/* same rng, same encoding */
	x1 = encode(enc, t, 77);
	x2 = encode(back, t, 77);
	CHECK(x1 && x2);
	if (x1 && x2)
		CHECK(memcmp(x1, x2, sizeof(float) * (size_t) n * rs_encoder_dim(enc)) == 0);

	/* specs that do not match the encoder */
	{
		rs_table   *other = make_table(0, "cck", 4);

		rs_rbuf_init(&rb, w.data, w.len);
		CHECK(rs_encoder_load(&rb, other, &err) == NULL && err.code == RS_ERR_CORRUPT);
		rs_table_free(other);
		other = make_table(0, "cikc", 4);
		rs_rbuf_init(&rb, w.data, w.len);
		CHECK(rs_encoder_load(&rb, other, &err) == NULL && err.code == RS_ERR_CORRUPT);
		rs_table_free(other);
	}
done:
	free(x1);
	free(x2);
	rs_wbuf_free(&w);
	rs_wbuf_free(&w2);
	rs_encoder_free(enc);
	rs_encoder_free(back);
	rs_encoder_free(back2);
	rs_table_free(t);
}

/* Overwrite the 8 bytes at off with a double / 4 bytes with a u32 (LE). */
static void
poke_f64(uint8_t *p, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, 8);
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t) (bits >> (8 * i));
}

static void
poke_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static void
test_load_hostile(void)
{
	rs_table   *t = mixed_table(600, 12);
	rs_table   *out = empty_like(t, 1);
	rs_encoder *enc = fit(t, 10, 3),
			   *back;
	rs_wbuf		w;
	rs_rbuf		rb;
	rs_error	err;
	uint8_t    *copy;
	float	   *row;
	int			n_trunc_ok = 0,
				n_loaded = 0;

	rs_wbuf_init(&w);
	CHECK(enc != NULL);
	if (!enc)
		goto done;
	rs_encoder_save(enc, &w);
	copy = malloc(w.len);
	row = calloc((size_t) rs_encoder_dim(enc) * 64 + 64, sizeof(float));

	/* every truncation fails cleanly */
	for (size_t len = 0; len < w.len; len++)
	{
		memcpy(copy, w.data, len);
		rs_rbuf_init(&rb, copy, len);
		err.code = RS_OK;
		back = rs_encoder_load(&rb, NULL, &err);
		if (back == NULL && err.code == RS_ERR_CORRUPT)
			n_trunc_ok++;
		rs_encoder_free(back);
	}
	CHECK(n_trunc_ok == (int) w.len);

	/* every single-byte change either fails or gives a usable encoder */
	for (size_t i = 0; i < w.len; i++)
		for (int flip = 0; flip < 3; flip++)
		{
			static const uint8_t xors[] = {0x01, 0x80, 0xFF};

			memcpy(copy, w.data, w.len);
			copy[i] ^= xors[flip];
			rs_rbuf_init(&rb, copy, w.len);
			back = rs_encoder_load(&rb, NULL, &err);
			if (back)
			{
				rs_table   *o = rs_table_create(64, t->n_cols, &err);

				n_loaded++;
				/* decode garbage rows through it (must not crash) */
				for (int k = 0; k < rs_encoder_dim(back) * 64; k++)
					row[k] = (float) ((k * 7919) % 13) / 13.0f - 0.5f;
				rs_table_copy_specs(o, t, &err);
				(void) rs_encoder_inverse(back, row, 64, o, 0, &err);
				rs_table_free(o);
				rs_encoder_free(back);
			}
			else
				CHECK(err.code == RS_ERR_CORRUPT || err.code == RS_ERR_VERSION);
		}
	CHECK(n_loaded > 0);		/* e.g. a changed mean still loads */

	/* hand-made hostile values (layout: 16-byte header, then column 0:
	 * kind, integral, has_null, lo, hi, n_modes, modes) */
	{
		struct
		{
			size_t		off;
			int			is_f64;
			double		v;
		}			cases[] = {
			{4, 0, 0},			/* no columns */
			{4, 0, 4000000000.0},	/* absurd column count */
			{8, 0, 12345},		/* dim does not match */
			{12, 0, 99},		/* span count does not match */
			{16, 0, 3},			/* unknown kind */
			{20, 0, 2},			/* integral flag */
			{24, 0, 0},			/* NULL slot removed: layout mismatch */
			{28, 1, NAN},		/* lo */
			{36, 1, -INFINITY},	/* hi */
			{28, 1, 1e300},		/* lo > hi */
			{44, 0, 0},			/* zero modes */
			{44, 0, 11},		/* too many modes */
			{48, 1, NAN},		/* mu */
			{56, 1, 0.0},		/* sigma zero */
			{56, 1, -1.0},		/* sigma negative */
			{56, 1, INFINITY},	/* sigma infinite */
			{64, 1, 0.0},		/* weight zero */
			{64, 1, 2.0},		/* weight > 1, sum off */
			{0, 0, 2},			/* newer format */
		};

		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		{
			memcpy(copy, w.data, w.len);
			if (cases[c].is_f64)
				poke_f64(copy + cases[c].off, cases[c].v);
			else
				poke_u32(copy + cases[c].off, (uint32_t) cases[c].v);
			rs_rbuf_init(&rb, copy, w.len);
			err.code = RS_OK;
			back = rs_encoder_load(&rb, t, &err);
			CHECK(back == NULL);
			CHECK(err.code == (cases[c].off == 0 ? RS_ERR_VERSION : RS_ERR_CORRUPT));
			if (back)
				fprintf(stderr, "  hostile case %zu loaded\n", c);
			rs_encoder_free(back);
		}
	}
	free(copy);
	free(row);
done:
	rs_wbuf_free(&w);
	rs_encoder_free(enc);
	rs_table_free(out);
	rs_table_free(t);
}

static void
test_columns_save_load(void)
{
	rs_table   *t = mixed_table(10, 4);
	rs_table   *back;
	rs_wbuf		w;
	rs_rbuf		rb;
	rs_error	err;
	int			ok = 0;

	/* a category text with spaces and an empty one; a column without name */
	rs_free(t->cols[2].categories[1]);
	t->cols[2].categories[1] = rs_strdup("two words");
	rs_free(t->cols[2].categories[3]);
	t->cols[2].categories[3] = rs_strdup("");
	rs_free(t->cols[1].name);
	t->cols[1].name = NULL;

	rs_wbuf_init(&w);
	CHECK(rs_columns_save(t, &w) == RS_OK);
	rs_rbuf_init(&rb, w.data, w.len);
	back = rs_columns_load(&rb, &err);
	CHECK(back != NULL);
	CHECK(rs_rbuf_finish(&rb, 1, "columns", &err) == RS_OK);
	if (back)
	{
		CHECK(back->n_rows == 0 && back->n_cols == 3);
		for (int c = 0; c < 3; c++)
		{
			const rs_column *a = &t->cols[c],
					   *b = &back->cols[c];

			CHECK(a->kind == b->kind);
			CHECK(a->integral == b->integral);
			CHECK(same_cell(a->min, b->min) && same_cell(a->max, b->max));
			CHECK((a->name == NULL) == (b->name == NULL));
			if (a->name && b->name)
				CHECK(strcmp(a->name, b->name) == 0);
			CHECK(a->n_categories == b->n_categories);
			for (int k = 0; k < a->n_categories && k < b->n_categories; k++)
				CHECK(strcmp(a->categories[k], b->categories[k]) == 0);
		}
		rs_table_free(back);
	}

	/* every truncation fails cleanly */
	for (size_t len = 0; len < w.len; len++)
	{
		uint8_t    *copy = malloc(len + 1);

		memcpy(copy, w.data, len);
		rs_rbuf_init(&rb, copy, len);
		back = rs_columns_load(&rb, &err);
		if (!back && err.code == RS_ERR_CORRUPT)
			ok++;
		rs_table_free(back);
		free(copy);
	}
	CHECK(ok == (int) w.len);

	/* every byte change fails cleanly or loads (valgrind checks the rest) */
	for (size_t i = 0; i < w.len; i++)
	{
		uint8_t    *copy = malloc(w.len);

		memcpy(copy, w.data, w.len);
		copy[i] ^= 0xA5;
		rs_rbuf_init(&rb, copy, w.len);
		back = rs_columns_load(&rb, &err);
		if (!back)
			CHECK(err.code == RS_ERR_CORRUPT || err.code == RS_ERR_VERSION
				  || err.code == RS_ERR_NOMEM);
		rs_table_free(back);
		free(copy);
	}

	/* the loaded specs check an encoder */
	{
		rs_encoder *enc = fit(t, 10, 1);
		rs_wbuf		we;

		rs_wbuf_init(&we);
		rs_rbuf_init(&rb, w.data, w.len);
		back = rs_columns_load(&rb, &err);
		CHECK(enc && back);
		if (enc && back)
		{
			rs_encoder *e2;

			rs_encoder_save(enc, &we);
			rs_rbuf_init(&rb, we.data, we.len);
			e2 = rs_encoder_load(&rb, back, &err);
			CHECK(e2 != NULL);
			rs_encoder_free(e2);
		}
		rs_wbuf_free(&we);
		rs_encoder_free(enc);
		rs_table_free(back);
	}
	rs_wbuf_free(&w);
	rs_table_free(t);
}

/* ---------------------------------------------------------------- scale */

/* Large values must not overflow the fit. */
static void
test_extreme_scale(void)
{
	int			n = 400;
	rs_table   *t = make_table(n, "cc", 0);
	rs_table   *back = empty_like(t, n);
	rs_encoder *enc;
	rs_rng		rng;
	rs_error	err;
	float	   *x = NULL;

	rs_rng_seed(&rng, 2);
	for (int r = 0; r < n; r++)
	{
		RS_CELL(t, r, 0) = (r % 2 ? 1e300 : -1e300) * (1.0 + 0.01 * rs_rng_uniform(&rng));
		RS_CELL(t, r, 1) = 1e-300 * (1.0 + rs_rng_uniform(&rng));
	}
	set_ranges(t);
	enc = fit(t, 10, 1);
	CHECK(enc != NULL);
	if (!enc || !(x = encode(enc, t, 1)))
		goto done;
	CHECK(rs_encoder_inverse(enc, x, n, back, 0, &err) == RS_OK);
	for (int r = 0; r < n; r++)
	{
		CHECK(isfinite(RS_CELL(back, r, 0)));
		CHECK_NEAR(RS_CELL(back, r, 0) / RS_CELL(t, r, 0), 1.0, 1e-4);
		CHECK_NEAR(RS_CELL(back, r, 1) / RS_CELL(t, r, 1), 1.0, 1e-4);
	}
done:
	free(x);
	rs_encoder_free(enc);
	rs_table_free(back);
	rs_table_free(t);
}

int
main(void)
{
	RUN(test_two_modes);
	RUN(test_unused_modes_dropped);
	RUN(test_deterministic);
	RUN(test_spans);
	RUN(test_round_trip);
	RUN(test_degenerate_columns);
	RUN(test_inverse_clamps_and_rounds);
	RUN(test_errors);
	RUN(test_save_load);
	RUN(test_load_hostile);
	RUN(test_columns_save_load);
	RUN(test_extreme_scale);
	return unit_summary("test_encoder");
}

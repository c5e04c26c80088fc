/*
 * given.c
 *	  Conditioning a model's rows on several columns: categories, NULLs and
 *	  ranges (given.h), checked against what the model learned and its
 *	  rules, then handed to the sampler (rs_sampler_given) and the decoder
 *	  (rs_encoder_inverse_within).
 */
#include "given.h"

#include <math.h>
#include <string.h>

#include "mixture.h"

#define MODE_W(g, c) ((g)->mode_w + (size_t) (c) * (RS_MAX_MODES + 1))

static rs_status
given_fail(rs_given *g, int why, int column, rs_error *err, const char *msg)
{
	g->failed = why;
	g->failed_column = column;
	return rs_fail(err, RS_ERR_INVALID, "column %d: %s", column + 1, msg);
}

rs_given *
rs_given_create(const rs_model *m, rs_error *err)
{
	rs_given   *g;
	int			n;

	if (!m || !m->specs || !m->enc || !m->gan)
	{
		rs_fail(err, RS_ERR_INVALID, "invalid model for given");
		return NULL;
	}
	n = m->specs->n_cols;
	g = rs_alloc(sizeof(rs_given));
	if (!g)
		goto nomem;
	memset(g, 0, sizeof(*g));
	g->m = m;
	g->n_cols = n;
	g->failed_column = g->failed_other = -1;
	g->category = rs_alloc_array((size_t) (n ? n : 1), sizeof(int));
	g->within = rs_alloc_array((size_t) (n ? n : 1) * 2, sizeof(double));
	g->mode_w = rs_alloc_array((size_t) (n ? n : 1) * (RS_MAX_MODES + 1), sizeof(double));
	g->fixed_span = rs_alloc_array((size_t) (n ? n : 1), sizeof(int));
	g->fixed_slot = rs_alloc_array((size_t) (n ? n : 1), sizeof(int));
	g->weighted_span = rs_alloc_array((size_t) (n ? n : 1), sizeof(int));
	g->weights = rs_alloc_array((size_t) (n ? n : 1) * (RS_MAX_MODES + 1), sizeof(double));
	if (!g->category || !g->within || !g->mode_w || !g->fixed_span || !g->fixed_slot ||
		!g->weighted_span || !g->weights)
		goto nomem;
	for (int c = 0; c < n; c++)
	{
		g->category[c] = -1;
		g->within[2 * c] = g->within[2 * c + 1] = NAN;
	}
	return g;

nomem:
	rs_given_free(g);
	rs_fail(err, RS_ERR_NOMEM, "out of memory for given");
	return NULL;
}

void
rs_given_free(rs_given *g)
{
	if (!g)
		return;
	rs_free(g->category);
	rs_free(g->within);
	rs_free(g->mode_w);
	rs_free(g->fixed_span);
	rs_free(g->fixed_slot);
	rs_free(g->weighted_span);
	rs_free(g->weights);
	rs_free(g);
}

/* Common checks of a column about to be given; RS_OK if it may be. */
static rs_status
given_column(rs_given *g, int column, rs_error *err)
{
	g->failed = RS_GIVEN_FAIL_NONE;
	g->finished = 0;
	if (column < 0 || column >= g->n_cols)
	{
		g->failed = RS_GIVEN_FAIL_VALUE;
		g->failed_column = column;
		return rs_fail(err, RS_ERR_INVALID, "column %d is not a feature column", column + 1);
	}
	if (g->category[column] >= 0 || !isnan(g->within[2 * column]))
		return given_fail(g, RS_GIVEN_FAIL_TWICE, column, err, "given twice");
	return RS_OK;
}

rs_status
rs_given_category(rs_given *g, int column, int k, rs_error *err)
{
	const rs_model *m = g->m;
	const rs_column *spec;

	if (given_column(g, column, err) != RS_OK)
		return err->code;
	spec = &m->specs->cols[column];
	if (spec->kind != RS_KIND_CATEGORICAL)
		return given_fail(g, RS_GIVEN_FAIL_KIND, column, err, "not a categorical column");
	if (k < 0 || k > spec->n_categories || rs_model_cond_index(m, column) < 0 ||
		k >= rs_gan_cond_span_width(m->gan, rs_model_cond_index(m, column)) ||
		!rs_encoder_category_seen(m->enc, column, k))
		return given_fail(g, RS_GIVEN_FAIL_NOT_SEEN, column, err, "category not seen in training");
	if (!rs_rules_category_allowed(m->rules, column, k))
		return given_fail(g, RS_GIVEN_FAIL_POOLED, column, err, "a pooled rare category");
	if (!rs_rules_category_in_group(m->rules, column, k))
		return given_fail(g, RS_GIVEN_FAIL_NO_COMBINATION, column, err,
						  "category in no combination seen in training");
	g->category[column] = k;
	return RS_OK;
}

rs_status
rs_given_null(rs_given *g, int column, rs_error *err)
{
	const rs_model *m = g->m;
	int			n_modes;

	if (given_column(g, column, err) != RS_OK)
		return err->code;
	if (m->specs->cols[column].kind == RS_KIND_CATEGORICAL)
		return rs_given_category(g, column, m->specs->cols[column].n_categories, err);
	if (!rs_encoder_column_has_null(m->enc, column))
		return given_fail(g, RS_GIVEN_FAIL_NOT_SEEN, column, err, "never NULL in training");
	n_modes = rs_encoder_column_modes(m->enc, column, NULL, NULL, NULL);
	g->category[column] = n_modes;	/* the NULL slot of the mode span */
	return RS_OK;
}

/* 1 if continuous column c is the high column of an inequality. */
static int
derived_column(const rs_rules *r, int c)
{
	for (int i = 0; r && i < r->n_ineq; i++)
		if (r->ineq[i].high == c)
			return 1;
	return 0;
}

rs_status
rs_given_range(rs_given *g, int column, double lo, double hi, double *kept_lo,
			   double *kept_hi, rs_error *err)
{
	const rs_model *m = g->m;
	double		mu[RS_MAX_MODES],
				sigma[RS_MAX_MODES],
				clo,
				chi,
				a,
				b,
				tot = 0.0;
	int			n_modes,
				integral;
	double	   *w;

	if (given_column(g, column, err) != RS_OK)
		return err->code;
	if (m->specs->cols[column].kind != RS_KIND_CONTINUOUS)
		return given_fail(g, RS_GIVEN_FAIL_KIND, column, err, "not a continuous column");
	if (derived_column(m->rules, column))
		return given_fail(g, RS_GIVEN_FAIL_DERIVED, column, err,
						  "derived from another column by an inequality");
	if (isnan(lo) || isnan(hi))
		return given_fail(g, RS_GIVEN_FAIL_VALUE, column, err, "a bound is NaN");
	if (lo > hi)
		return given_fail(g, RS_GIVEN_FAIL_EMPTY, column, err, "empty range");
	integral = m->specs->cols[column].integral;
	if (integral && ceil(lo) > floor(hi))
		return given_fail(g, RS_GIVEN_FAIL_EMPTY, column, err, "no whole number in the range");
	if (!rs_encoder_column_range(m->enc, column, &clo, &chi) || isnan(clo) || isnan(chi))
		return given_fail(g, RS_GIVEN_FAIL_OUTSIDE, column, err, "only NULL in training");
	if (integral)
	{
		clo = ceil(clo);
		chi = floor(chi);
	}
	a = lo > clo ? lo : clo;
	b = hi < chi ? hi : chi;
	if (integral)
	{
		a = ceil(a);
		b = floor(b);
	}
	if (!(a <= b))
		return given_fail(g, RS_GIVEN_FAIL_OUTSIDE, column, err, "outside the column's range");
	n_modes = rs_encoder_column_modes(m->enc, column, mu, sigma, NULL);
	w = MODE_W(g, column);
	for (int k = 0; k < RS_MAX_MODES + 1; k++)
		w[k] = 0.0;
	for (int k = 0; k < n_modes; k++)
	{
		w[k] = integral ? rs_mode_range_weight(mu[k], sigma[k], a - 0.5, b + 0.5)
			: rs_mode_range_weight(mu[k], sigma[k], a, b);
		if (!isfinite(w[k]) || w[k] < 0.0)
			w[k] = 0.0;
		tot += w[k];
	}
	if (!(tot > 0.0))
		return given_fail(g, RS_GIVEN_FAIL_UNREACHED, column, err,
						  "no mode of the column reaches the range");
	/* scaled so that the largest is 1: float weights then keep their digits */
	{
		double		top = 0.0;

		for (int k = 0; k < n_modes; k++)
			top = w[k] > top ? w[k] : top;
		for (int k = 0; k < n_modes; k++)
			w[k] /= top;
	}
	g->within[2 * column] = a;
	g->within[2 * column + 1] = b;
	if (kept_lo)
		*kept_lo = a;
	if (kept_hi)
		*kept_hi = b;
	return RS_OK;
}

/*
 * 1 if a seen combination of group G holds the given categories of its
 * positions [0, upto) (only = -1), or of positions only and upto.
 */
static int
group_holds(const rs_given *g, const rs_rule_group *G, int only, int upto)
{
	for (int t = 0; t < G->n_tuples; t++)
	{
		int			found = 1;

		for (int i = 0; i < G->n_cols && found; i++)
		{
			int			k = g->category[G->cols[i]];

			if (only >= 0 ? i != only && i != upto : i >= upto)
				continue;
			found = k < 0 || G->tuples[(size_t) t * G->n_cols + i] == k;
		}
		if (found)
			return 1;
	}
	return 0;
}

rs_status
rs_given_finish(rs_given *g, rs_error *err)
{
	const rs_model *m = g->m;
	const rs_rules *r = m->rules;
	const rs_span *spans = rs_encoder_spans(m->enc);
	int			nf = 0,
				nw = 0,
				off = 0;

	g->failed = RS_GIVEN_FAIL_NONE;
	g->finished = 0;
	/* every group's given columns: in one seen combination together */
	for (int gi = 0; r && gi < r->n_groups; gi++)
	{
		const rs_rule_group *G = &r->groups[gi];

		if (group_holds(g, G, -1, G->n_cols))
			continue;
		/*
		 * Name the first given column that no combination holds with the
		 * ones before it, and the earlier one it contradicts (the first
		 * given column if only all of them together do).
		 */
		for (int i = 0; i < G->n_cols; i++)
		{
			int			other = -1;

			if (g->category[G->cols[i]] < 0 || group_holds(g, G, -1, i + 1))
				continue;
			for (int j = 0; j < i && other < 0; j++)
				if (g->category[G->cols[j]] >= 0 && !group_holds(g, G, j, i))
					other = j;
			for (int j = 0; j < i && other < 0; j++)
				if (g->category[G->cols[j]] >= 0)
					other = j;
			g->failed_other = G->cols[other];
			return given_fail(g, RS_GIVEN_FAIL_CONTRADICTION, G->cols[i], err,
							  "no combination seen in training holds the given values");
		}
	}
	for (int c = 0; c < g->n_cols; c++)
	{
		int			span = rs_encoder_column_span(m->enc, c);

		if (m->specs->cols[c].kind == RS_KIND_CONTINUOUS)
			span++;				/* the mode span, after alpha */
		if (g->category[c] >= 0)
		{
			g->fixed_span[nf] = span;
			g->fixed_slot[nf++] = g->category[c];
		}
		else if (!isnan(g->within[2 * c]))
		{
			if (spans[span].width > RS_MAX_MODES + 1)
				return given_fail(g, RS_GIVEN_FAIL_VALUE, c, err, "too many modes");
			g->weighted_span[nw++] = span;
			for (int j = 0; j < spans[span].width; j++)
				g->weights[off + j] = MODE_W(g, c)[j];
			off += spans[span].width;
		}
	}
	memset(&g->sg, 0, sizeof(g->sg));
	g->sg.n_fixed = nf;
	g->sg.fixed_span = g->fixed_span;
	g->sg.fixed_slot = g->fixed_slot;
	g->sg.n_weighted = nw;
	g->sg.weighted_span = g->weighted_span;
	g->sg.weights = g->weights;
	g->finished = 1;
	return RS_OK;
}

rs_status
rs_given_generate_start(const rs_given *g, int n, float *buf, rs_rng *rng, rs_error *err)
{
	if (!g || !g->finished)
		return rs_fail(err, RS_ERR_INVALID, "given is not finished");
	return rs_gan_sample_start_given(g->m->gan, n, &g->sg, buf, rng, err);
}

rs_status
rs_given_decode(const rs_given *g, int n, const float *buf, rs_table *t, int row0,
				rs_error *err)
{
	if (!g || !g->finished)
		return rs_fail(err, RS_ERR_INVALID, "given is not finished");
	if (rs_encoder_inverse_within(g->m->enc, buf, n, t, row0, g->within, err) != RS_OK)
		return err->code;
	rs_rules_finish(g->m->rules, t, row0, n);
	return RS_OK;
}

rs_status
rs_given_generate(const rs_given *g, int n, float *buf, rs_table *t, int row0,
				  rs_rng *rng, rs_error *err)
{
	if (!g || !g->finished)
		return rs_fail(err, RS_ERR_INVALID, "given is not finished");
	if (rs_gan_sample_given(g->m->gan, n, &g->sg, buf, rng, err) != RS_OK)
		return err->code;
	return rs_given_decode(g, n, buf, t, row0, err);
}

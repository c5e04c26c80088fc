/*
 * sampler_rules.c
 *	  The sampler's rules (rs_sample_rules, sampler.h): rare slots masked
 *	  out of their spans and groups of spans that must hold a combination
 *	  seen in training.  rs_sampler_set_rules checks and copies them once;
 *	  rs_sampler_rules_for_call narrows each group to the combinations of a
 *	  call's fixed categories; rs_sampler_apply_rules redraws, within the
 *	  row's own probabilities, what a drawn row breaks.  Runs on the
 *	  sampler's workers: no allocation there, no error reporting.
 */
#include "sampler_int.h"

#include <string.h>

void
rs_sampler_free_rules(rs_sampler *s)
{
	for (int g = 0; g < s->n_groups; g++)
	{
		rs_free(s->groups[g].spans);
		rs_free(s->groups[g].tuples);
		rs_free(s->groups[g].idx);
		rs_free(s->groups[g].fixed);
	}
	rs_free(s->groups);
	rs_free(s->masked_span);
	rs_free(s->masked_slot);
	s->groups = NULL;
	s->masked_span = s->masked_slot = NULL;
	s->n_groups = s->n_masked = 0;
	s->rules_on = 0;
}

rs_status
rs_sampler_set_rules(rs_sampler *s, const rs_sample_rules *r, rs_error *err)
{
	if (s->running)
		return rs_fail(err, RS_ERR_INVALID, "the sampler is still running");
	rs_sampler_free_rules(s);
	if (!r || (r->n_masked == 0 && r->n_groups == 0))
		return RS_OK;
	if (r->n_masked < 0 || r->n_groups < 0)
		return rs_fail(err, RS_ERR_INVALID, "invalid sampling rules");
	s->masked_span = rs_alloc_array((size_t) r->n_masked + 1, sizeof(int));
	s->masked_slot = rs_alloc_array((size_t) r->n_masked + 1, sizeof(int));
	s->groups = rs_alloc_array((size_t) r->n_groups + 1, sizeof(sampler_group));
	if (!s->masked_span || !s->masked_slot || !s->groups)
		goto nomem;
	for (int i = 0; i < r->n_masked; i++)
	{
		if (!softmax_slot(s, r->masked_span[i], r->masked_slot[i]))
			goto invalid;
		s->masked_span[i] = r->masked_span[i];
		s->masked_slot[i] = r->masked_slot[i];
	}
	s->n_masked = r->n_masked;
	for (int g = 0; g < r->n_groups; g++)
	{
		const rs_sample_group *in = &r->groups[g];
		sampler_group *G = &s->groups[g];
		int			m = in->n_spans;

		if (m < 1 || in->n_tuples < 1)
			goto invalid;
		G->spans = rs_alloc_array((size_t) m, sizeof(int));
		G->tuples = rs_alloc_array((size_t) in->n_tuples, sizeof(int) * (size_t) m);
		G->idx = rs_alloc_array((size_t) in->n_tuples, sizeof(int));
		G->fixed = rs_alloc_array((size_t) m, sizeof(int));
		s->n_groups = g + 1;
		if (!G->spans || !G->tuples || !G->idx || !G->fixed)
			goto nomem;
		G->m = m;
		G->n_tuples = in->n_tuples;
		memcpy(G->spans, in->spans, sizeof(int) * (size_t) m);
		memcpy(G->tuples, in->tuples, sizeof(int) * (size_t) m * in->n_tuples);
		for (int t = 0; t < in->n_tuples; t++)
		{
			const int  *p = G->tuples + (size_t) t * m;
			int			cmp = t == 0;

			for (int i = 0; i < m; i++)
			{
				if (!softmax_slot(s, G->spans[i], p[i]))
					goto invalid;
				if (!cmp)
					cmp = p[i] > p[i - m] ? 1 : p[i] < p[i - m] ? -1 : 0;
			}
			if (cmp <= 0)
				goto invalid;
		}
	}
	s->rules_on = 1;
	return RS_OK;

nomem:
	rs_sampler_free_rules(s);
	return rs_fail(err, RS_ERR_NOMEM, "out of memory for the sampler");
invalid:
	rs_sampler_free_rules(s);
	return rs_fail(err, RS_ERR_INVALID, "invalid sampling rules");
}

/*
 * Each group's candidate tuples for the call: those holding every fixed
 * slot of the call (call_slot).  RS_ERR_INVALID when a group has none: the
 * fixed categories complete no combination seen in training.
 */
rs_status
rs_sampler_rules_for_call(rs_sampler *s, rs_error *err)
{
	for (int g = 0; g < s->n_groups; g++)
	{
		sampler_group *G = &s->groups[g];

		for (int i = 0; i < G->m; i++)
			G->fixed[i] = s->call_slot[G->spans[i]];
		G->n_idx = 0;
		for (int t = 0; t < G->n_tuples; t++)
		{
			const int  *p = G->tuples + (size_t) t * G->m;
			int			ok = 1;

			for (int i = 0; i < G->m && ok; i++)
				ok = G->fixed[i] < 0 || p[i] == G->fixed[i];
			if (ok)
				G->idx[G->n_idx++] = t;
		}
		if (G->n_idx == 0)
			return rs_fail(err, RS_ERR_INVALID,
						   "the fixed categories complete no combination of group %d", g + 1);
	}
	return RS_OK;
}

/* Slot j's probability mass from a span's cumulative sums. */
static inline float
slot_mass(const float *cum, int j)
{
	return j ? cum[j] - cum[j - 1] : cum[0];
}

/* The slot holding the 1 of a one-hot span. */
static int
one_hot_slot(const float *y, int w)
{
	for (int j = 0; j < w; j++)
		if (y[j] != 0.0f)
			return j;
	return 0;
}

/* Tuple value of group G at candidate a, position i. */
#define GT(G, a, i) ((G)->tuples[(size_t) (G)->idx[a] * (G)->m + (i)])

/* First candidate in [lo, hi) whose position i is >= v (they are sorted there). */
static int
lower_bound(const sampler_group *G, int lo, int hi, int i, int v)
{
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (GT(G, mid, i) < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The rules on one drawn row (see rs_sample_rules): x its logits, y its
 * one-hot output, prob each softmax span's cumulative sums.
 */
void
rs_sampler_apply_rules(const rs_sampler *s, const float *x, float *y, const float *prob,
					   rs_rng *rng)
{
	for (int i = 0; i < s->n_masked; i++)
	{
		const rs_span *sp = &s->spans[s->masked_span[i]];
		const float *cum = prob + sp->start;
		float	   *ys = y + sp->start;
		int			p = s->masked_slot[i],
					w = sp->width,
					pick = -1;
		float		total,
					t;

		if (s->call_slot[s->masked_span[i]] >= 0 || ys[p] == 0.0f)
			continue;
		total = cum[w - 1] - slot_mass(cum, p);
		t = (float) rs_rng_uniform(rng) * total;
		for (int j = 0; j < w && total > 0.0f; j++)
		{
			if (j == p)
				continue;
			pick = j;
			if ((t -= slot_mass(cum, j)) < 0.0f)
				break;
		}
		if (!(total > 0.0f))
			for (int j = 0; j < w; j++)
				if (j != p && (pick < 0 || x[sp->start + j] > x[sp->start + pick]))
					pick = j;
		if (pick < 0)
			continue;			/* a span of one slot: nothing else to emit */
		ys[p] = 0.0f;
		ys[pick] = 1.0f;
	}
	for (int g = 0; g < s->n_groups; g++)
	{
		const sampler_group *G = &s->groups[g];
		int			lo = 0,
					hi = G->n_idx;

		for (int i = 0; i < G->m && lo < hi; i++)
		{
			const rs_span *sp = &s->spans[G->spans[i]];
			const float *cum = prob + sp->start;
			float	   *ys = y + sp->start;
			int			cur,
						a,
						pick = -1;
			float		total = 0.0f,
						t;

			if (G->fixed[i] >= 0)
				continue;
			cur = one_hot_slot(ys, sp->width);
			a = lower_bound(G, lo, hi, i, cur);
			if (a < hi && GT(G, a, i) == cur)
			{
				lo = a;
				hi = lower_bound(G, a, hi, i, cur + 1);
				continue;
			}
			/* redraw among the values the candidates hold at i */
			for (a = lo; a < hi; a = lower_bound(G, a, hi, i, GT(G, a, i) + 1))
				total += slot_mass(cum, GT(G, a, i));
			t = (float) rs_rng_uniform(rng) * total;
			for (a = lo; a < hi; a = lower_bound(G, a, hi, i, GT(G, a, i) + 1))
			{
				int			v = GT(G, a, i);

				if (total > 0.0f)
				{
					pick = v;
					if ((t -= slot_mass(cum, v)) < 0.0f)
						break;
				}
				else if (pick < 0 || x[sp->start + v] > x[sp->start + pick])
					pick = v;
			}
			ys[cur] = 0.0f;
			ys[pick] = 1.0f;
			a = lower_bound(G, lo, hi, i, pick);
			hi = lower_bound(G, a, hi, i, pick + 1);
			lo = a;
		}
	}
}

/*
 * sampler.c
 *	  The generator compiled for bulk sampling.
 *
 * Sampling runs the generator in inference mode only, so its layers can
 * be rewritten once, exactly, before the first row:
 *
 *	- batchnorm with running statistics is an affine map per column, folded
 *	  into the preceding Linear: w'_j = s_j w_j, b'_j = s_j (b_j - mean_j) +
 *	  beta_j with s_j = gamma_j / sqrt(var_j + eps);
 *	- the cond vector is one-hot, so its product with any weight matrix is
 *	  one column of that matrix: each layer keeps those columns as a table
 *	  tab[cond_dim, out] and adds one row of it per generated row instead of
 *	  multiplying cond_dim zeros (60 of the 188 input columns on the heart
 *	  data, 16% of the products);
 *	- the remaining dense weights are packed once for rs_gemm16, whose
 *	  products run in bfloat16 with fp32 accumulation where the CPU has
 *	  AVX512-BF16 (twice the fp32 rate) and in fp32 sgemm elsewhere.
 *
 * The activation row of a generated row is [h_L, ..., h_1, z] (the
 * generator's row without the cond columns): block l reads the suffix
 * that is its input and writes its output just before it, as in gan.c.
 *
 * Randomness and threads: the calling thread draws one seed per row from
 * the caller's rng, in order, and each row draws its cond category, noise
 * and output categories from its own stream seeded with it.  Rows are then
 * split among up to `threads` threads (the caller's and a crew of
 * short-lived workers, team.h, created and joined within each pass, with
 * every signal blocked so that PostgreSQL's handlers stay on the backend's
 * thread).  A crew rather than the training step's rs_team: each worker
 * owns its buffers (work[t]) for the whole pass, and rs_sampler_start
 * returns while the workers run, so the host writes the previous rows
 * meanwhile; the team's jobs are synchronous parts with no thread of
 * their own.  Workers touch only
 * buffers allocated here beforehand: no allocation, no error reporting, no
 * interrupt checks.  The rows therefore depend on the caller's rng only:
 * not on the thread count, nor on how n is split into calls.
 *
 * A softmax span's category is drawn from softmax(logits) by inverse CDF,
 * the same distribution as CTGAN's argmax of the Gumbel-softmax with one
 * uniform per span instead of two logarithms per category.
 *
 * The rules a drawn row must keep (rare slots masked, dependency groups)
 * are sampler_rules.c's; the state both files share is sampler_int.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "sampler.h"
#include "sampler_test.h"

#include <math.h>
#include <string.h>

#include "fastmath.h"
#include "sampler_int.h"

/* ---------------------------------------------------------------- build */

/*
 * Fold and pack one layer: w[N, K_all] (row-major; the last cond_dim input
 * columns are the cond vector), b[N], and optionally batchnorm.
 */
static rs_status
build_layer(rs_sampler *s, sampler_layer *L, const float *w, int K_all,
			const float *b, int N, const rs_gen_view *v, int l, int force_fp32,
			rs_error *err)
{
	int			K = K_all - s->cond_dim;
	float	   *wf = rs_alloc_array((size_t) N * (size_t) (K > 0 ? K : 1), sizeof(float));
	float	   *bf = rs_alloc_array((size_t) N, sizeof(float));
	rs_status	st = RS_OK;

	L->N = N;
	if (s->cond_dim)
		L->tab = rs_alloc_array((size_t) s->cond_dim * (size_t) N, sizeof(float));
	if (!wf || !bf || (s->cond_dim && !L->tab))
	{
		st = rs_fail(err, RS_ERR_NOMEM, "out of memory for the sampler");
		goto done;
	}
	for (int j = 0; j < N; j++)
	{
		double		scale = 1.0,
					shift = b[j];

		if (l >= 0)
		{
			scale = v->gamma[l][j] / sqrt((double) v->run_var[l][j] + v->bn_eps);
			shift = scale * ((double) b[j] - v->run_mean[l][j]) + v->beta[l][j];
		}
		for (int k = 0; k < K; k++)
			wf[(size_t) j * K + k] = (float) (scale * w[(size_t) j * K_all + k]);
		for (int c = 0; c < s->cond_dim; c++)
			L->tab[(size_t) c * N + j] = (float) (scale * w[(size_t) j * K_all + K + c]);
		bf[j] = (float) shift;
	}
	L->gemm = rs_gemm16_pack(wf, K, N, K, bf, force_fp32, err);
	if (!L->gemm)
		st = err->code;
done:
	rs_free(wf);
	rs_free(bf);
	return st;
}

rs_sampler *
rs_sampler_create(const rs_gen_view *v, int threads, int force_fp32, rs_error *err)
{
	rs_sampler *s;

	if (!v || v->n_g < 0 || v->n_g > RS_SAMPLER_MAX_BLOCKS || v->D < 1 ||
		v->E < 1 || v->cond_dim < 0 || v->n_spans < 1 || v->W <= v->cond_dim)
	{
		rs_fail(err, RS_ERR_INVALID, "invalid generator for the sampler");
		return NULL;
	}
	if (!(s = rs_alloc(sizeof(rs_sampler))))
	{
		rs_fail(err, RS_ERR_NOMEM, "out of memory for the sampler");
		return NULL;
	}
	s->D = v->D;
	s->E = v->E;
	s->cond_dim = v->cond_dim;
	s->n_cond = v->n_cond;
	s->Wd = v->W - v->cond_dim;
	s->n_spans = v->n_spans;
	s->spans = rs_alloc_array((size_t) v->n_spans, sizeof(rs_span));
	s->cond_off = rs_alloc_array((size_t) v->n_cond + 1, sizeof(int));
	s->cond_span = rs_alloc_array((size_t) (v->n_cond ? v->n_cond : 1), sizeof(int));
	s->cond_cum = rs_alloc_array((size_t) (v->cond_dim ? v->cond_dim : 1), sizeof(double));
	s->call_slot = rs_alloc_array((size_t) v->n_spans, sizeof(int));
	s->call_weighted = rs_alloc_array((size_t) v->n_spans, 1);
	s->call_w = rs_alloc_array((size_t) v->D, sizeof(float));
	if (!s->spans || !s->cond_off || !s->cond_span || !s->cond_cum ||
		!s->call_slot || !s->call_weighted || !s->call_w)
		goto nomem;
	memcpy(s->spans, v->spans, sizeof(rs_span) * v->n_spans);
	memcpy(s->cond_off, v->cond_off, sizeof(int) * (v->n_cond + 1));
	if (v->n_cond)
		memcpy(s->cond_span, v->cond_span, sizeof(int) * v->n_cond);
	/* category frequencies of each condition span, as cumulative shares */
	for (int k = 0; k < v->n_cond; k++)
	{
		int			o = v->cond_off[k],
					w = v->cond_off[k + 1] - o;
		double		tot = 0.0,
					c = 0.0;

		for (int j = 0; j < w; j++)
			tot += v->cat_count[o + j];
		for (int j = 0; j < w; j++)
		{
			c += tot > 0.0 ? v->cat_count[o + j] : 1.0;
			s->cond_cum[o + j] = c / (tot > 0.0 ? tot : (double) w);
		}
	}

	/* the blocks, then the output layer into raw */
	s->n_layers = v->n_g + 1;
	for (int l = 0; l < v->n_g; l++)
	{
		sampler_layer *L = &s->layer[l];

		L->in_col = v->W - v->gin[l];
		L->out_col = L->in_col - v->gdims[l];
		L->relu = 1;
		if (build_layer(s, L, v->w[l], v->gin[l], v->b[l], v->gdims[l], v, l,
						force_fp32, err) != RS_OK)
			goto fail;
	}
	{
		sampler_layer *L = &s->layer[v->n_g];

		L->in_col = 0;
		L->out_col = -1;
		L->relu = 0;
		if (build_layer(s, L, v->wout, v->W, v->bout, v->D, v, -1, force_fp32,
						err) != RS_OK)
			goto fail;
	}
	s->bf16 = rs_gemm16_is_native(s->layer[0].gemm);
	/* fp32 products go through OpenBLAS, which has threads of its own */
	s->max_threads = s->bf16 ? threads : 1;
	if (s->max_threads < 1)
		s->max_threads = 1;
	if (s->max_threads > RS_THREADS_MAX)
		s->max_threads = RS_THREADS_MAX;
	s->threads = s->max_threads;
	s->task_rows = RS_SAMPLER_TASK_ROWS;
	return s;

nomem:
	rs_fail(err, RS_ERR_NOMEM, "out of memory for the sampler");
fail:
	rs_sampler_free(s);
	return NULL;
}

/* Scratch rs_gemm16_apply needs for rows rows of any layer. */
static size_t
scratch_bytes(const rs_sampler *s, int rows)
{
	size_t		scratch = 0;

	for (int l = 0; l < s->n_layers; l++)
	{
		size_t		b = rs_gemm16_scratch_bytes(s->layer[l].gemm, rows);

		if (b > scratch)
			scratch = b;
	}
	return scratch;
}

/* Bytes of one thread's buffers for chunks of rows rows. */
static size_t
work_bytes_one(const rs_sampler *s, int rows)
{
	size_t		floats = (size_t) rows * ((size_t) s->Wd + (size_t) s->D) + (size_t) s->D;

	return floats * sizeof(float) + (size_t) rows * sizeof(int) + scratch_bytes(s, rows);
}

size_t
rs_sampler_work_bytes(const rs_sampler *s, int threads, int task_rows)
{
	if (threads > s->max_threads)
		threads = s->max_threads;
	if (threads < 1)
		threads = 1;
	if (task_rows < 1)
		task_rows = 1;
	if (task_rows > RS_SAMPLER_TASK_ROWS)
		task_rows = RS_SAMPLER_TASK_ROWS;
	return (size_t) (threads + 1) * work_bytes_one(s, task_rows);
}

int
rs_sampler_max_threads(const rs_sampler *s)
{
	return s->max_threads;
}

static void
free_work(rs_sampler *s)
{
	for (int t = 0; t <= RS_THREADS_MAX; t++)
	{
		sampler_work *w = &s->work[t];

		rs_free(w->act);
		rs_free(w->raw);
		rs_free(w->cond);
		rs_free(w->prob);
		rs_free(w->scratch);
		memset(w, 0, sizeof(*w));
	}
	s->reserved = 0;
}

rs_status
rs_sampler_reserve(rs_sampler *s, int threads, int task_rows, rs_error *err)
{
	size_t		scratch;

	if (!s || threads < 1 || task_rows < 1 || task_rows > RS_SAMPLER_TASK_ROWS)
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to the sampler");
	if (s->running)
		return rs_fail(err, RS_ERR_INVALID, "the sampler is still running");
	free_work(s);
	s->threads = threads < s->max_threads ? threads : s->max_threads;
	s->task_rows = task_rows;
	scratch = scratch_bytes(s, task_rows);
	for (int t = 0; t <= s->threads; t++)
	{
		sampler_work *w = &s->work[t];

		w->act = rs_alloc_array((size_t) task_rows * s->Wd, sizeof(float));
		w->raw = rs_alloc_array((size_t) task_rows * s->D, sizeof(float));
		w->cond = rs_alloc_array((size_t) task_rows, sizeof(int));
		w->prob = rs_alloc_array((size_t) s->D, sizeof(float));
		w->scratch = rs_alloc(scratch ? scratch : 1);
		if (!w->act || !w->raw || !w->cond || !w->prob || !w->scratch)
		{
			free_work(s);
			return rs_fail(err, RS_ERR_NOMEM, "out of memory for the sampler");
		}
	}
	s->reserved = 1;
	return RS_OK;
}

/* The work buffers of the last rs_sampler_reserve, or the default ones. */
static rs_status
ensure_work(rs_sampler *s, rs_error *err)
{
	if (s->reserved)
		return RS_OK;
	return rs_sampler_reserve(s, s->threads, s->task_rows, err);
}

void
rs_sampler_free(rs_sampler *s)
{
	if (!s)
		return;
	/* workers read the layers and write the work buffers: join them first */
	rs_sampler_wait(s);
	for (int l = 0; l < RS_SAMPLER_MAX_BLOCKS + 1; l++)
	{
		rs_gemm16_free(s->layer[l].gemm);
		rs_free(s->layer[l].tab);
	}
	free_work(s);
	rs_sampler_free_rules(s);
	rs_free(s->spans);
	rs_free(s->cond_off);
	rs_free(s->cond_span);
	rs_free(s->cond_cum);
	rs_free(s->call_slot);
	rs_free(s->call_weighted);
	rs_free(s->call_w);
	rs_free(s);
}

int
rs_sampler_is_bf16(const rs_sampler *s)
{
	return s->bf16;
}

/* ---------------------------------------------------------------- run */

/* The generator on rows [0, rows) of w: act (noise filled) and cond -> raw. */
static void
forward(const rs_sampler *s, sampler_work *w, int rows)
{
	for (int l = 0; l < s->n_layers; l++)
	{
		const sampler_layer *L = &s->layer[l];
		float	   *y0 = L->out_col >= 0 ? w->act + L->out_col : w->raw;
		int			ldy = L->out_col >= 0 ? s->Wd : s->D;
		rs_gemm16_epilogue ep = {L->tab, L->N, w->cond, L->relu};

		rs_gemm16_apply_ep(L->gemm, rows, w->act + L->in_col, s->Wd, y0, ldy,
						   w->scratch, &ep);
	}
}

/* Category j of condition span k with its training frequency. */
static int
draw_cond_category(const rs_sampler *s, int k, rs_rng *rng)
{
	int			o = s->cond_off[k],
				w = s->cond_off[k + 1] - o;
	double		u = rs_rng_uniform(rng);

	for (int j = 0; j < w - 1; j++)
		if (u < s->cond_cum[o + j])
			return j;
	return w - 1;
}

/*
 * A weighted span's slot: drawn with the row's probabilities p[w] (the
 * exponentials of the logits x minus their maximum) times the call's
 * weights cw[w], by inverse CDF over their products (p is overwritten with
 * the cumulative sums).  Never a slot of weight 0: when every product
 * underflows, the allowed slot of the largest x + log weight.
 */
static int
weighted_pick(const float *x, float *p, const float *cw, int w, rs_rng *rng)
{
	float		cum = 0.0f,
				t;
	int			pick = -1;

	for (int j = 0; j < w; j++)
	{
		cum += p[j] * cw[j];
		p[j] = cum;
	}
	t = (float) rs_rng_uniform(rng) * cum;
	/* the first slot of positive mass whose sum passes t, else the last */
	for (int j = 0; j < w && cum > 0.0f; j++)
		if (p[j] > (j ? p[j - 1] : 0.0f))
		{
			pick = j;
			if (p[j] > t)
				break;
		}
	if (pick < 0)
		for (int j = 0; j < w; j++)
			if (cw[j] > 0.0f &&
				(pick < 0 || x[j] + logf(cw[j]) > x[pick] + logf(cw[pick])))
				pick = j;
	return pick < 0 ? 0 : pick;
}

/*
 * Activated output of one row: tanh values, one-hot categories drawn by
 * inverse CDF.  prob holds D floats: the exponentials of
 * every softmax span's logits minus the span's maximum, and exp(-2|x|) for
 * every tanh value x (tanh |x| = (1 - e) / (1 + e)), in one vector pass.
 */
static void
activate_row(const rs_sampler *s, const float *x, float *y, float *prob,
			 rs_rng *rng)
{
	for (int i = 0; i < s->n_spans; i++)
	{
		const rs_span *sp = &s->spans[i];
		const float *xs = x + sp->start;
		float	   *ps = prob + sp->start;
		float		m = xs[0];
		int			w = sp->width;

		if (sp->act == RS_ACT_TANH)
		{
			ps[0] = -2.0f * fabsf(xs[0]);
			continue;
		}
		for (int j = 1; j < w; j++)
			m = xs[j] > m ? xs[j] : m;	/* maxss, no branch */
		for (int j = 0; j < w; j++)
			ps[j] = xs[j] - m;
	}
	rs_exp_neg_n(prob, s->D);
	for (int i = 0; i < s->n_spans; i++)
	{
		const rs_span *sp = &s->spans[i];
		float	   *ps = prob + sp->start;
		float	   *ys = y + sp->start;
		float		cum = 0.0f,
					t;
		int			pick = 0,
					w = sp->width;

		if (sp->act == RS_ACT_TANH)
		{
			float		v = x[sp->start],
						th = (1.0f - ps[0]) / (1.0f + ps[0]);

			/* near 0, tanh x = x to float precision; 1 - e cancels there */
			ys[0] = fabsf(v) < 4e-3f ? v : (v < 0.0f ? -th : th);
			continue;
		}
		if (s->call_weighted[i])
		{
			pick = weighted_pick(x + sp->start, ps, s->call_w + sp->start, w, rng);
			for (int j = 0; j < w; j++)
				ys[j] = 0.0f;
			ys[pick] = 1.0f;
			continue;
		}
		/* inverse CDF without branches: pick = #{j < w - 1 : cdf_j <= t} */
		for (int j = 0; j < w; j++)
		{
			cum += ps[j];
			ps[j] = cum;
		}
		t = (float) rs_rng_uniform(rng) * cum;
		for (int j = 0; j < w - 1; j++)
			pick += ps[j] <= t;
		for (int j = 0; j < w; j++)
			ys[j] = 0.0f;
		ys[pick] = 1.0f;
	}
	/* the fixed spans: their category, whatever was drawn */
	for (int i = 0; i < s->n_spans; i++)
		if (s->call_slot[i] >= 0)
		{
			const rs_span *sp = &s->spans[i];

			for (int j = 0; j < sp->width; j++)
				y[sp->start + j] = j == s->call_slot[i] ? 1.0f : 0.0f;
		}
	if (s->rules_on)
		rs_sampler_apply_rules(s, x, y, prob, rng);
}

/* Rows [r0, r0 + rows) of the call, with w's buffers. */
static void
run_chunk(const rs_sampler *s, sampler_work *w, int r0, int rows)
{
	for (int r = 0; r < rows; r++)
	{
		rs_rng	   *rng = &w->rng[r];

		rs_rng_seed(rng, s->seeds[r0 + r]);
		if (s->cond_dim)
		{
			int			k = s->cond_k,
						j = s->cond_j;

			if (k < 0)
			{
				k = (int) rs_rng_below(rng, (uint64_t) s->n_cond);
				j = draw_cond_category(s, k, rng);
			}
			w->cond[r] = s->cond_off[k] + j;
		}
		rs_rng_normals_zig(rng, w->act + (size_t) r * s->Wd + (s->Wd - s->E), s->E);
	}
	forward(s, w, rows);
	for (int r = 0; r < rows; r++)
		activate_row(s, w->raw + (size_t) r * s->D,
					 s->out + (size_t) (r0 + r) * s->D, w->prob, &w->rng[r]);
}

/*
 * Take chunks of the call until none is left.  Which thread takes which
 * chunk depends on timing, what a chunk holds does not: every row is made
 * from its own seed.  So a descheduled thread delays nobody but itself.
 */
static void
take_chunks(rs_sampler *s, sampler_work *w)
{
	int			c;

	while ((c = __atomic_fetch_add(&s->next_chunk, 1, __ATOMIC_RELAXED)) < s->n_chunks)
	{
		int			r0 = c * s->task_rows;

		run_chunk(s, w, r0, s->n - r0 < s->task_rows ? s->n - r0 : s->task_rows);
	}
}

static void *
worker_main(void *arg)
{
	sampler_worker *wk = arg;

	take_chunks(wk->s, wk->w);
	return NULL;
}

/*
 * The call's conditions (see rs_sampler_given) into call_slot,
 * call_weighted, call_w, cond_k and cond_j, and each group's candidates.
 */
static rs_status
set_call(rs_sampler *s, const rs_sampler_given *g, rs_error *err)
{
	double		best = 2.0;

	for (int i = 0; i < s->n_spans; i++)
	{
		s->call_slot[i] = -1;
		s->call_weighted[i] = 0;
	}
	s->cond_k = s->cond_j = -1;
	if (g && (g->n_fixed < 0 || g->n_weighted < 0 ||
			  (g->n_fixed > 0 && (!g->fixed_span || !g->fixed_slot)) ||
			  (g->n_weighted > 0 && (!g->weighted_span || !g->weights))))
		return rs_fail(err, RS_ERR_INVALID, "invalid sampling conditions");
	for (int i = 0; g && i < g->n_fixed; i++)
	{
		int			sp = g->fixed_span[i];

		if (!softmax_slot(s, sp, g->fixed_slot[i]))
			return rs_fail(err, RS_ERR_INVALID, "fixed category is out of range");
		if (s->call_slot[sp] >= 0)
			return rs_fail(err, RS_ERR_INVALID, "span %d is fixed twice", sp);
		s->call_slot[sp] = g->fixed_slot[i];
	}
	for (int i = 0, off = 0; g && i < g->n_weighted; i++)
	{
		int			sp = g->weighted_span[i];
		double		tot = 0.0;

		if (!softmax_slot(s, sp, 0) || s->call_slot[sp] >= 0 || s->call_weighted[sp])
			return rs_fail(err, RS_ERR_INVALID, "invalid weighted span %d", sp);
		for (int j = 0; j < s->spans[sp].width; j++)
		{
			double		w = g->weights[off + j];

			if (!(w >= 0.0) || !isfinite(w))
				return rs_fail(err, RS_ERR_INVALID, "invalid weight of span %d", sp);
			s->call_w[s->spans[sp].start + j] = (float) w;
			tot += (float) w;
		}
		if (!(tot > 0.0))
			return rs_fail(err, RS_ERR_INVALID, "span %d has no slot of positive weight", sp);
		s->call_weighted[sp] = 1;
		off += s->spans[sp].width;
	}
	/* the generator's condition: the fixed category rarest in training */
	for (int k = 0; k < s->n_cond; k++)
	{
		int			j = s->call_slot[s->cond_span[k]],
					o = s->cond_off[k];
		double		share;

		if (j < 0 || j >= s->cond_off[k + 1] - o)
			continue;
		share = s->cond_cum[o + j] - (j ? s->cond_cum[o + j - 1] : 0.0);
		if (share < best)
		{
			best = share;
			s->cond_k = k;
			s->cond_j = j;
		}
	}
	if (s->rules_on)
		return rs_sampler_rules_for_call(s, err);
	return RS_OK;
}

static rs_status
check_call(rs_sampler *s, int64_t n, const rs_sampler_given *g, float *out,
		   rs_rng *rng, rs_error *err)
{
	if (!s || !rng || n < 0 || (n > 0 && !out))
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments to the sampler");
	if (s->running)
		return rs_fail(err, RS_ERR_INVALID, "the sampler is still running");
	if (set_call(s, g, err) != RS_OK)
		return err->code;
	return ensure_work(s, err);
}

/*
 * Set up a call of n <= RS_SAMPLER_MAX_ROWS rows (one seed per row, in
 * order, from rng) and start a crew of n_workers threads on it; the call's
 * conditions are set (check_call).
 */
static void
launch(rs_sampler *s, int n, float *out, rs_rng *rng, int n_workers)
{
	for (int r = 0; r < n; r++)
		s->seeds[r] = rs_rng_next(rng);
	s->n = n;
	s->n_chunks = (n + s->task_rows - 1) / s->task_rows;
	s->next_chunk = 0;
	s->out = out;
	if (n_workers > s->n_chunks)
		n_workers = s->n_chunks;
	s->running = 1;
	rs_crew_init(&s->crew);
	for (int t = 0; t < n_workers; t++)
	{
		sampler_worker *wk = &s->worker[t];

		wk->s = s;
		wk->w = &s->work[t];
		rs_crew_spawn(&s->crew, worker_main, wk);
	}
}

/* The caller takes what chunks are left, then joins the workers. */
void
rs_sampler_wait(rs_sampler *s)
{
	if (!s || !s->running)
		return;
	take_chunks(s, &s->work[s->threads]);
	rs_crew_join(&s->crew);
	s->running = 0;
}

/* fixed_k, fixed_j as a rs_sampler_given in *g (NULL when nothing is fixed). */
static const rs_sampler_given *
fixed_given(const rs_sampler *s, int fixed_k, int fixed_j, rs_sampler_given *g,
			int *span, int *slot)
{
	if (fixed_k < 0)
		return NULL;
	memset(g, 0, sizeof(*g));
	/* out of range: set_call refuses span -1 */
	*span = fixed_k < s->n_cond ? s->cond_span[fixed_k] : -1;
	*slot = fixed_j;
	g->n_fixed = 1;
	g->fixed_span = span;
	g->fixed_slot = slot;
	return g;
}

rs_status
rs_sampler_start_given(rs_sampler *s, int n, const rs_sampler_given *g, float *out,
					   rs_rng *rng, rs_error *err)
{
	if (check_call(s, n, g, out, rng, err) != RS_OK)
		return err->code;
	if (n > RS_SAMPLER_MAX_ROWS)
		return rs_fail(err, RS_ERR_INVALID, "at most %d rows per sampler start",
					   RS_SAMPLER_MAX_ROWS);
	if (n > 0)
		launch(s, n, out, rng, s->threads);
	return RS_OK;
}

rs_status
rs_sampler_run_given(rs_sampler *s, int64_t n, const rs_sampler_given *g, float *out,
					 rs_rng *rng, rs_error *err)
{
	if (check_call(s, n, g, out, rng, err) != RS_OK)
		return err->code;
	for (int64_t done = 0; done < n;)
	{
		int			pass = n - done < RS_SAMPLER_MAX_ROWS ? (int) (n - done) : RS_SAMPLER_MAX_ROWS;

		rs_check_interrupts();
		/* threads - 1 workers; this thread is the last */
		launch(s, pass, out + done * s->D, rng, s->threads - 1);
		rs_sampler_wait(s);
		done += pass;
	}
	return RS_OK;
}

rs_status
rs_sampler_start(rs_sampler *s, int n, int fixed_k, int fixed_j, float *out,
				 rs_rng *rng, rs_error *err)
{
	rs_sampler_given g;
	int			span,
				slot;

	return rs_sampler_start_given(s, n, s ? fixed_given(s, fixed_k, fixed_j, &g, &span, &slot) : NULL,
								  out, rng, err);
}

rs_status
rs_sampler_run(rs_sampler *s, int64_t n, int fixed_k, int fixed_j, float *out,
			   rs_rng *rng, rs_error *err)
{
	rs_sampler_given g;
	int			span,
				slot;

	return rs_sampler_run_given(s, n, s ? fixed_given(s, fixed_k, fixed_j, &g, &span, &slot) : NULL,
								out, rng, err);
}

rs_status
rs_sampler_test_raw(rs_sampler *s, int n, const float *z, const int *cond,
					float *raw, rs_error *err)
{
	sampler_work *w = &s->work[0];

	if (ensure_work(s, err) != RS_OK)
		return err->code;
	for (int done = 0; done < n;)
	{
		int			rows = n - done < s->task_rows ? n - done : s->task_rows;

		for (int r = 0; r < rows; r++)
		{
			memcpy(w->act + (size_t) r * s->Wd + (s->Wd - s->E),
				   z + (size_t) (done + r) * s->E, sizeof(float) * s->E);
			if (s->cond_dim)
			{
				int			c = cond[done + r];

				if (c < 0 || c >= s->cond_dim)
					return rs_fail(err, RS_ERR_INVALID, "cond index %d is out of range", c);
				w->cond[r] = c;
			}
		}
		forward(s, w, rows);
		memcpy(raw + (size_t) done * s->D, w->raw, sizeof(float) * rows * s->D);
		done += rows;
	}
	return RS_OK;
}

rs_status
rs_sampler_test_activate(rs_sampler *s, int n, const float *raw, float *out,
						 rs_rng *rng, rs_error *err)
{
	if (!s || n < 0 || (n > 0 && (!raw || !out)) || !rng)
		return rs_fail(err, RS_ERR_INVALID, "invalid arguments");
	if (ensure_work(s, err) != RS_OK)
		return err->code;
	if (set_call(s, NULL, err) != RS_OK)
		return err->code;
	for (int r = 0; r < n; r++)
		activate_row(s, raw + (size_t) r * s->D, out + (size_t) r * s->D,
					 s->work[0].prob, rng);
	return RS_OK;
}

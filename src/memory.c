/*
 * memory.c
 *	  Memory bounds: what a job will hold, from the real encoded widths.
 *	  rs_check_memory() errors (54000) unless what a job will hold fits in
 *	  maintenance_work_mem; every job that reads rows for the core calls it
 *	  before it reads any.  An evaluation first takes as many workers as
 *	  fit (rs_memory_workers): each holds a run of its own.
 *
 * The widths are those the core will use (encoder.h, classifier.h): a
 * categorical column is one float per category (plus a NULL slot) in the
 * GAN's encoded row and one feature per category in the classifier's
 * design; a continuous column is 1 + modes (+ a NULL slot) and 1 (+ a
 * missing indicator).  Category counts are first bounded by the table's
 * statistics (distinct values, capped by the rows read); only when that
 * bound does not fit are they counted exactly within the class, with one
 * more aggregate query.
 *
 * gan_train_bytes() and gan_generate_bytes() mirror the allocations of the
 * GAN and the sampler in src/core/ (gan.c, sampler.c) by hand: a change to
 * what the core allocates must be mirrored here, or the estimate drifts.
 */
#include "postgres.h"

#include <limits.h>

#include "miscadmin.h"
#include "utils/builtins.h"

#include "boosted.h"
#include "evaluate.h"
#include "raresynth.h"

/* The feature columns of one read as the core will code them. */
typedef struct RsWidths
{
	int			nf;
	int		   *col;			/* per feature: index into src->cols */
	int64	   *categories;		/* categorical: categories (a bound or exact) */
	bool	   *has_null;
	bool		exact;			/* counted within the class */
	double		gan_dim;		/* D: floats of the GAN's encoded row */
	double		cond_dim;		/* the conditional vector */
	double		n_cond;			/* condition spans: categorical columns */
	double		mode_width;		/* the continuous columns' softmax widths */
	double		design_p;		/* features of the classifier's design */
	double		design_bins;	/* their histogram bins in the boosted trees */
	int			widest;			/* the feature with most categories, or -1 */
} RsWidths;

/* Whether the classifier turns a categorical column into a number (evaluate.c's integer categories). */
static bool
design_numeric(const RsSourceColumn *col)
{
	return col->vclass == RS_VAL_INT || col->vclass == RS_VAL_NUMERIC;
}

/* Fill the derived widths of w from its categories and NULL flags. */
static void
sum_widths(const RsSource *src, int max_modes, RsWidths *w)
{
	w->gan_dim = w->cond_dim = w->n_cond = w->mode_width = w->design_p = w->design_bins = 0;
	w->widest = -1;
	for (int f = 0; f < w->nf; f++)
	{
		const RsSourceColumn *col = &src->cols[w->col[f]];
		int			null = w->has_null[f] ? 1 : 0;

		if (col->kind == RS_COL_CATEGORICAL)
		{
			double		width = (double) w->categories[f] + null;

			w->gan_dim += width;
			w->cond_dim += width;
			w->n_cond += 1;
			w->design_p += design_numeric(col) ? 1 + null : width;
			w->design_bins += design_numeric(col) ?
				Min(w->categories[f], RS_BOOSTED_MAX_BIN) + 2 * null : 2 * width;
			if (w->widest < 0 || w->categories[f] > w->categories[w->widest])
				w->widest = f;
		}
		else
		{
			w->gan_dim += 1 + max_modes + null;
			w->mode_width += max_modes + null;
			w->design_p += 1 + null;
			w->design_bins += RS_BOOSTED_MAX_BIN + 2 * null;
		}
	}
}

/* Widths bounded by the table's statistics, for a read of n rows. */
static RsWidths *
widths_bound(const RsSource *src, int64 n, int max_modes)
{
	RsWidths   *w = palloc0(sizeof(RsWidths));

	w->nf = rs_source_n_features(src);
	w->col = palloc(sizeof(int) * Max(w->nf, 1));
	w->categories = palloc0(sizeof(int64) * Max(w->nf, 1));
	w->has_null = palloc0(sizeof(bool) * Max(w->nf, 1));
	for (int i = 0, f = 0; i < src->ncols; i++)
	{
		const RsSourceColumn *col = &src->cols[i];

		if (col->kind != RS_COL_CONTINUOUS && col->kind != RS_COL_CATEGORICAL)
			continue;
		w->col[f] = i;
		w->has_null[f] = col->n_null > 0;
		if (col->kind == RS_COL_CATEGORICAL)
			w->categories[f] = Min(col->n_distinct, n);
		f++;
	}
	sum_widths(src, max_modes, w);
	return w;
}

/*
 * The exact categories and NULL flags of the rows of one class, with the
 * categories held by fewer than rare_k rows pooled into one (training's
 * rules; 1 for SMOTE, which keeps them).
 */
static void
widths_exact(const RsSource *src, const char *class_value, int max_modes, int rare_k,
			 RsWidths *w)
{
	rs_source_class_features(src, class_value, rare_k, w->has_null, w->categories);
	w->exact = true;
	sum_widths(src, max_modes, w);
}

/*
 * Bytes a GAN trained on n encoded rows of widths w with cfg holds, as
 * gan.c allocates them (rs_gan_create, build_index, build_moments), plus
 * the encoded rows themselves.
 */
static double
gan_train_bytes(const RsWidths *w, int64 n, const rs_gan_config *cfg)
{
	double		D = w->gan_dim,
				c = w->cond_dim,
				B = cfg->batch_size,
				Bp = floor(B / cfg->pac),
				R = 3 * Bp,
				X = D + c,
				P = cfg->pac * X,
				F = D + 2 * w->mode_width;
	double		W = cfg->embedding_dim + c,
				sumg = 0,
				maxg = 1,
				g_n = 0,
				d_n = 0,
				maxd = 1,
				in = P,
				critic_act = 0,
				arena,
				floats,
				bytes;

	for (int l = 0; l < cfg->n_gen_dims; l++)
	{
		double		g = cfg->gen_dims[l];

		g_n += g * W + 3 * g;	/* w, b, gamma, beta */
		W += g;
		sumg += g;
		maxg = Max(maxg, g);
	}
	g_n += D * W + D;			/* the output layer */
	for (int l = 0; l < cfg->n_dis_dims; l++)
	{
		double		d = cfg->dis_dims[l];

		d_n += d * in + d;
		in = d;
		maxd = Max(maxd, d);
		critic_act += 4 * R * d;	/* c_pre, c_out, c_mask, c_dpre */
	}
	d_n += in + 1;
	/* layout_train() in src/core/gan.c: act, dact, lin, bmean, brstd,
	 * gscratch, raw, raw_grad, gumbel, xbuf, dx, the critic's, c_dout,
	 * score, dscore, gp_dinput, gp_fwd, gp_gated, cond, alpha */
	arena = 2 * B * W + B * sumg + 2 * sumg + B * maxg + 3 * B * D + 3 * B * X + B * X +
		critic_act + R * maxd + 2 * R + Bp * P + 2 * Bp * maxd + B * c + Bp;
	/* parameters, gradients and both Adam moments of each network */
	floats = 4 * g_n + 2 * sumg + 4 * d_n + arena + 3 * F;
	bytes = floats * sizeof(float) + 3 * B * sizeof(int) + c * sizeof(double);
	if (cfg->moment_weight > 0)	/* mom_mean, and its accumulator while built */
		bytes += (c + 1) * F * (sizeof(float) + sizeof(double));
	if (w->n_cond > 0)			/* the training-by-sampling index */
		bytes += (double) n * w->n_cond * sizeof(int) + (c + 1) * 8 + c * 16;
	bytes += (double) n * D * sizeof(float);	/* the encoded rows */
	return bytes;
}

/* Bytes of a generator's saved state (about its parameters). */
static double
gan_state_bytes(const RsWidths *w, const rs_gan_config *cfg)
{
	double		W = cfg->embedding_dim + w->cond_dim,
				g_n = 0;

	for (int l = 0; l < cfg->n_gen_dims; l++)
	{
		g_n += cfg->gen_dims[l] * (W + 5);
		W += cfg->gen_dims[l];
	}
	g_n += w->gan_dim * (W + 1);
	return g_n * sizeof(float) + w->cond_dim * sizeof(double);
}

/* Bytes of rs_logreg_fit on n rows of p features (q = p + 1). */
static double
logreg_bytes(double n, double p)
{
	double		q = p + 1;

	return (q * q + n * q + 8 * n + 4 * q) * sizeof(double);
}

/* Category texts and their dictionary entries, about 64 bytes each. */
static double
category_bytes(const RsWidths *w)
{
	double		b = 0;

	for (int f = 0; f < w->nf; f++)
		b += (double) w->categories[f] * 64;
	return b;
}

/* Bytes of rs_model_augment's generation of n_new rows (sampler and output). */
static double
gan_generate_bytes(const RsWidths *w, int64 n_new, const rs_gan_config *cfg)
{
	double		threads = Max(rs_threads, 1) + 1;

	return 2 * gan_state_bytes(w, cfg) + 1024 * w->gan_dim * sizeof(float) +
		threads * 128 * (w->gan_dim * 2 + cfg->embedding_dim + w->cond_dim) * sizeof(float) +
		(double) n_new * w->nf * sizeof(double);
}

/* What job holds, in bytes, for widths w. */
static double
job_bytes(const RsSource *src, const RsJobShape *job, const RsWidths *w, int64 n)
{
	const rs_gan_config *cfg = &job->opts->gan;
	double		nf = w->nf,
				p = w->design_p,
				row = nf * sizeof(double);
	double		b = rs_read_bytes(n, w->nf) + category_bytes(w) + job->other_bytes;

	switch (job->job)
	{
		case RS_JOB_TRAIN:
			/* the rows, the GAN, the encoded rows, and the state: saved,
			 * copied into a bytea, formed into a tuple, compressed */
			b += gan_train_bytes(w, n, cfg) + 4 * gan_state_bytes(w, cfg);
			break;
		case RS_JOB_SMOTE:
			/* rs_smote: scaled continuous values, codes, neighbours, the
			 * distance blocks, the new rows */
			b += (double) n * (nf * (sizeof(double) + sizeof(int32)) +
							   job->k * (sizeof(int) * 2 + sizeof(double)) + 16) +
				256.0 * 256 * sizeof(double) + (double) job->n_new * row;
			break;
		case RS_JOB_SCORE:
			{
				double		nt = job->n_test;

				b += rs_read_bytes(job->n_test, w->nf);
				/* rs_design_score: the design fitted (a copy, X), X of both, the fit */
				b += n * (row + p * sizeof(double)) + (n + nt) * p * sizeof(double) +
					(job->boosted ? rs_boosted_bytes(n, nt, p, w->design_bins, Max(rs_threads, 1)) :
					 logreg_bytes(n, p));
				break;
			}
		case RS_JOB_EVALUATE:
			{
				/* one run at the largest size: the split's tables, the
				 * design and its matrices, the augmented matrix (up to
				 * twice the training part), then the method or the fit */
				double		s = Min(job->max_size, n),
							n_tr = s - floor(s * job->test_fraction),
							n1 = ceil((double) src->class_counts[0] * n_tr / Max(n, 1)),
							n_all = (job->with_gan || job->with_smote) ?
							2 * Max(n1, n_tr - n1) : n_tr,
							method = 0,
							unit;

				unit = s * row * 2 + n_tr * (row + p * sizeof(double)) + s * p * sizeof(double) +
					n_all * p * sizeof(double);
				if (job->with_smote)
					method = Max(method, n_tr * p * sizeof(double) + 256.0 * 256 * sizeof(double) +
								 n1 * job->k * 12);
				if (job->with_gan)
				{
					RsWidths   *wg = widths_bound(src, (int64) n1, job->opts->max_modes);
					bool		filter = job->opts->filter_quantile > 0;
					/* the filter's candidates (per row added: n_tr - 2 n1, n1
					 * one lower for the split's rounding), their scores, its
					 * fits on a copy of the folds (rs_filter_fit) */
					double		n_gen = filter ? rs_filter_pool((int) Min(Max(n_tr - 2 * (n1 - 1), 1), INT_MAX),
													job->opts->filter_quantile) : n_tr,
								scoring = filter ? n_gen * sizeof(double) +
								logreg_bytes(n_tr, p) + n_tr * p * sizeof(double) +
								1024 * p * sizeof(double) : 0;

					method = Max(method, rs_read_bytes((int64) n1, w->nf) +
								 gan_train_bytes(wg, (int64) n1, cfg) +
								 gan_generate_bytes(wg, (int64) n_gen, cfg) + n_gen * row +
								 scoring);
				}
				unit += Max(method, job->boosted ?
							rs_boosted_bytes(n_all, s - n_tr, p, w->design_bins, Max(rs_threads, 1)) :
							logreg_bytes(n_all, p));
				/* every worker holds a run of its own (core/evaluate.h) */
				b += unit * Max(job->workers, 1);
				break;
			}
	}
	return b;
}

static char *
pretty_bytes(double b)
{
	return text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
															  Int64GetDatum((int64) Min(b, 9e18)))));
}

/*
 * The most workers, from 1 to job->workers, whose runs (one each, at the
 * largest size) fit in maintenance_work_mem with the rest of an
 * evaluation job; 1 when even one does not (rs_check_memory then says so).
 * *wanted gets the bytes job->workers would need when fewer fit but one
 * does, else 0.
 */
int
rs_memory_workers(const RsSource *src, const RsJobShape *job, double *wanted)
{
	RsOptions	defaults;
	RsJobShape	j = *job;
	int64		n = Max(src->n_rows - src->n_label_null, 0);
	double		limit = (double) maintenance_work_mem * 1024.0;
	RsWidths   *w;
	double		need = 0;

	*wanted = 0;
	if (j.opts == NULL)
	{
		rs_options_default(&defaults);
		j.opts = &defaults;
	}
	w = widths_bound(src, n, j.opts->max_modes);
	for (; j.workers >= 1; j.workers--)
	{
		double		b = job_bytes(src, &j, w, n);

		if (j.workers == job->workers)
			need = b;
		if (b <= limit)
			break;
	}
	if (j.workers >= 1 && j.workers < job->workers)
		*wanted = need;
	return Max(j.workers, 1);
}

/* maintenance_work_mem's smallest setting that holds b bytes, as text. */
char *
rs_memory_setting(double b)
{
	return pretty_bytes(b * 1.05);
}

/*
 * Error unless what job will hold fits in maintenance_work_mem: the
 * estimate from the statistics first, then, for a class, the exact widths.
 * Call it before reading any row.
 */
void
rs_check_memory(const RsSource *src, const RsJobShape *job)
{
	RsOptions	defaults;
	RsJobShape	j = *job;
	int64		n = Max(j.class_value ? rs_source_class_count(src, j.class_value)
						: src->n_rows - src->n_label_null, 0);
	double		limit = (double) maintenance_work_mem * 1024.0;
	int			max_modes;
	RsWidths   *w;
	double		need;
	StringInfoData what,
				detail,
				hint;

	if (j.opts == NULL)
	{
		rs_options_default(&defaults);
		j.opts = &defaults;
	}
	max_modes = j.opts->max_modes;
	w = widths_bound(src, n, max_modes);
	need = job_bytes(src, &j, w, n);
	if (need <= limit)
		return;
	if (j.class_value)
	{
		widths_exact(src, j.class_value, max_modes,
					 j.job == RS_JOB_TRAIN ? j.opts->rare_category_k : 1, w);
		need = job_bytes(src, &j, w, n);
		if (need <= limit)
			return;
	}

	initStringInfo(&what);
	initStringInfo(&detail);
	initStringInfo(&hint);
	switch (j.job)
	{
		case RS_JOB_TRAIN:
			appendStringInfo(&what, "training on class \"%s\" of \"%s\"", j.class_value, src->relname);
			break;
		case RS_JOB_SMOTE:
			appendStringInfo(&what, "SMOTE on class \"%s\" of \"%s\"", j.class_value, src->relname);
			break;
		case RS_JOB_SCORE:
			appendStringInfo(&what, "fitting the classifier on \"%s\"", src->relname);
			break;
		case RS_JOB_EVALUATE:
			appendStringInfo(&what, "evaluating on \"%s\"", src->relname);
			break;
	}
	appendStringInfo(&detail, "%lld rows of %d feature columns are read", (long long) n, w->nf);
	if (j.job == RS_JOB_TRAIN || (j.job == RS_JOB_EVALUATE && j.with_gan))
		appendStringInfo(&detail, "; a row is %.0f floats for the GAN", w->gan_dim);
	if (j.job == RS_JOB_SCORE || j.job == RS_JOB_EVALUATE)
		appendStringInfo(&detail, "; the classifier has %.0f features", w->design_p);

	if (w->widest >= 0)
	{
		const RsSourceColumn *col = &src->cols[w->col[w->widest]];

		appendStringInfo(&detail, "; the widest column, \"%s\", has %s%lld categories",
						 col->name, w->exact ? "" : "up to ",
						 (long long) w->categories[w->widest]);
		if (j.job == RS_JOB_TRAIN)
			appendStringInfo(&hint, "Exclude column \"%s\" (exclude => '{%s}')",
							 col->name, quote_identifier(col->name));
		else
			appendStringInfo(&hint, "Leave out column \"%s\" (read a view without it)", col->name);
		if (col->vclass == RS_VAL_INT || col->vclass == RS_VAL_NUMERIC)
			appendStringInfo(&hint, ", lower raresynth.categorical_max_distinct below %lld so that it is continuous",
							 (long long) col->n_distinct);
		appendStringInfoString(&hint, ", or raise");
	}
	else
		appendStringInfoString(&hint, "Raise");
	appendStringInfo(&hint, " maintenance_work_mem to at least %s.", rs_memory_setting(need));
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s would need about %s of memory, more than maintenance_work_mem (%s)",
					what.data, pretty_bytes(need), pretty_bytes(limit)),
			 errdetail("%s.", detail.data),
			 errhint("%s", hint.data)));
}

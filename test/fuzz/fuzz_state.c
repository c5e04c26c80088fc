/*
 * fuzz_state.c
 *	  Structure-aware libFuzzer harness for the whole model state: the meta,
 *	  column specs, encoder and generator sections as rs_model_load reads
 *	  them (src/core/model.c, columns.c, encoder.c, gan.c).
 *
 * The custom mutator parses an input into the fields of its four sections
 * (fz_state below), changes them the way a hostile role editing its
 * model's bytea would, and writes a new state with the section table,
 * total length and CRC-32C recomputed, so every mutation reaches the
 * section loaders and the checks between sections.  Mutations:
 *	 - a number: a count, a dimension, a flag, a role, a float or a range
 *	   set to 0, 1, -1, a neighbour, a power of two or a random value;
 *	 - a count with its array resized to match (columns, categories, modes,
 *	   spans, layers, condition counts, source columns);
 *	 - the generator reshaped (noise width, layer widths, condition flags)
 *	   with its weights and batchnorm statistics resized to what the shape
 *	   needs, as in the crafted state of issue 8;
 *	 - the generator's spans rebuilt from the encoder (so that only what
 *	   the next mutation breaks disagrees);
 *	 - a string replaced (invalid UTF-8, NUL, empty, another string);
 *	 - a section taken from another seed model, dropped, or added under an
 *	   unknown tag; byte-level mutation inside one section (the rules
 *	   section, RS_SEC_RULES, is mutated this way only).
 * Inputs that do not parse are replaced by a seed: the states of small
 * models trained at start-up (test/unit/model_fixture.h), without and
 * with rules (pooled categories, a combination, an inequality).
 *
 * On every input that loads, the harness checks what the loader promises:
 * saving the model gives back the input's bytes; every categorical column
 * has a condition span; then it plans sampling within a small budget,
 * samples a few rows through the asynchronous path, unconditioned and with
 * each categorical column fixed to its first, last and NULL category, and
 * decodes them, checking each decoded category against its column.  Any
 * crash, sanitizer report, leak or abort() is a finding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"

#include "given.h"
#include "model_fixture.h"
#include "format_test.h"

#define FZ_MAX_N 4096			/* arrays the parser accepts */

size_t		LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t		LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
									unsigned int seed);
int			LLVMFuzzerInitialize(int *argc, char ***argv);

typedef struct fz_str
{
	uint32_t	len;
	uint8_t    *b;
} fz_str;

typedef struct fz_col
{
	uint32_t	has_name;
	fz_str		name;
	uint32_t	kind,
				integral;
	double		min,
				max;
	uint32_t	n_cat;
	fz_str	   *cats;
} fz_col;

typedef struct fz_ecol
{
	uint32_t	kind,
				integral,
				has_null;
	double		lo,
				hi;
	uint32_t	n_modes;
	double		modes[3 * 16];	/* mu, sigma, weight */
	uint32_t	n_cat;
	uint8_t    *seen;
} fz_ecol;

/* A state as fields; a section that does not parse stays raw bytes. */
typedef struct fz_state
{
	/* meta */
	int			meta_ok;
	uint32_t	meta_format;
	uint64_t	seed;
	fz_str		minority;
	uint32_t	n_src;
	fz_str	   *src_names;
	fz_str	   *src_types;
	int32_t    *roles;
	/* columns */
	int			cols_ok;
	uint32_t	cols_format,
				n_cols;
	fz_col	   *cols;
	/* encoder */
	int			enc_ok;
	uint32_t	enc_format,
				enc_n_cols,
				enc_dim,
				enc_n_spans;
	fz_ecol    *ecols;
	/* generator */
	int			gen_ok;
	uint32_t	gen_format;
	int32_t		D,
				ns;
	int32_t    *spans;			/* ns x (start, width, act, column, cond) */
	int32_t		E,
				ng,
				gdims[16];
	int32_t		cd;
	double	   *cat;
	uint64_t	n_params;
	float	   *params;
	uint64_t	n_run;
	float	   *run;
	/* every section as raw bytes, in order (parsed ones rewritten) */
	int			n_sec;
	uint32_t	tags[RS_STATE_MAX_SECTIONS];
	uint8_t    *raw[RS_STATE_MAX_SECTIONS];
	size_t		raw_len[RS_STATE_MAX_SECTIONS];
} fz_state;

/* ---------------------------------------------------------------- random */

static uint64_t fz_rng;

static uint64_t
rnd(void)
{
	fz_rng ^= fz_rng << 13;
	fz_rng ^= fz_rng >> 7;
	fz_rng ^= fz_rng << 17;
	return fz_rng;
}

static uint32_t
below(uint32_t n)
{
	return n ? (uint32_t) (rnd() % n) : 0;
}

/* an interesting replacement for an integer field */
static int64_t
tweak_int(int64_t v)
{
	switch (below(10))
	{
		case 0:
			return 0;
		case 1:
			return 1;
		case 2:
			return -1;
		case 3:
			return v + 1;
		case 4:
			return v - 1;
		case 5:
			return v * 2;
		case 6:
			return (int64_t) 1 << below(32);
		case 7:
			return INT32_MAX;
		case 8:
			return v ^ ((int64_t) 1 << below(32));
		default:
			return (int64_t) (int32_t) rnd();
	}
}

static double
tweak_double(double v)
{
	static const double special[] = {0.0, -0.0, 1.0, -1.0, 1e308, -1e308, 5e-324,
	1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, 0.5, 2.0};

	switch (below(4))
	{
		case 0:
			return special[below(sizeof(special) / sizeof(special[0]))];
		case 1:
			return v * 2.0;
		case 2:
			return -v;
		default:
			return v + (double) (int32_t) rnd() / 65536.0;
	}
}

/* ---------------------------------------------------------------- parse */

static void
str_free(fz_str *s)
{
	free(s->b);
	s->b = NULL;
	s->len = 0;
}

static int
read_str(rs_rbuf *b, fz_str *s)
{
	uint32_t	n = rs_rbuf_u32(b);

	s->len = 0;
	s->b = NULL;
	if (b->failed || n > b->len - b->pos || n > (1u << 20))
		return 0;
	s->b = malloc(n ? n : 1);
	s->len = n;
	return rs_rbuf_bytes(b, s->b, n);
}

static void
str_set(fz_str *s, const void *p, uint32_t n)
{
	free(s->b);
	s->b = malloc(n ? n : 1);
	if (n > 0)
		memcpy(s->b, p, n);
	s->len = n;
}

static void
state_free(fz_state *st)
{
	str_free(&st->minority);
	for (uint32_t i = 0; st->src_names && i < st->n_src; i++)
	{
		str_free(&st->src_names[i]);
		str_free(&st->src_types[i]);
	}
	free(st->src_names);
	free(st->src_types);
	free(st->roles);
	for (uint32_t c = 0; st->cols && c < st->n_cols; c++)
	{
		str_free(&st->cols[c].name);
		for (uint32_t k = 0; st->cols[c].cats && k < st->cols[c].n_cat; k++)
			str_free(&st->cols[c].cats[k]);
		free(st->cols[c].cats);
	}
	free(st->cols);
	for (uint32_t c = 0; st->ecols && c < st->enc_n_cols; c++)
		free(st->ecols[c].seen);
	free(st->ecols);
	free(st->spans);
	free(st->cat);
	free(st->params);
	free(st->run);
	for (int i = 0; i < st->n_sec; i++)
		free(st->raw[i]);
	memset(st, 0, sizeof(*st));
}

static int
parse_meta(fz_state *st, rs_rbuf *b)
{
	st->meta_format = rs_rbuf_u32(b);
	st->seed = rs_rbuf_u64(b);
	if (!read_str(b, &st->minority))
		return 0;
	st->n_src = rs_rbuf_u32(b);
	if (b->failed || st->n_src > FZ_MAX_N || st->n_src > b->len - b->pos)
	{
		st->n_src = 0;
		return 0;
	}
	st->src_names = calloc(st->n_src + 1, sizeof(fz_str));
	st->src_types = calloc(st->n_src + 1, sizeof(fz_str));
	st->roles = calloc(st->n_src + 1, sizeof(int32_t));
	for (uint32_t i = 0; i < st->n_src; i++)
	{
		if (!read_str(b, &st->src_names[i]) || !read_str(b, &st->src_types[i]))
			return 0;
		st->roles[i] = rs_rbuf_i32(b);
	}
	return !b->failed && b->pos == b->len;
}

static int
parse_columns(fz_state *st, rs_rbuf *b)
{
	st->cols_format = rs_rbuf_u32(b);
	st->n_cols = rs_rbuf_u32(b);
	if (b->failed || st->n_cols > FZ_MAX_N || st->n_cols > b->len - b->pos)
	{
		st->n_cols = 0;
		return 0;
	}
	st->cols = calloc(st->n_cols + 1, sizeof(fz_col));
	for (uint32_t c = 0; c < st->n_cols; c++)
	{
		fz_col	   *col = &st->cols[c];

		col->has_name = rs_rbuf_u32(b);
		if (col->has_name == 1 && !read_str(b, &col->name))
			return 0;
		if (col->has_name > 1)
			return 0;
		col->kind = rs_rbuf_u32(b);
		col->integral = rs_rbuf_u32(b);
		col->min = rs_rbuf_f64(b);
		col->max = rs_rbuf_f64(b);
		col->n_cat = rs_rbuf_u32(b);
		if (b->failed || col->n_cat > 8 * FZ_MAX_N || col->n_cat > (b->len - b->pos) / 4)
		{
			col->n_cat = 0;
			return 0;
		}
		col->cats = calloc(col->n_cat + 1, sizeof(fz_str));
		for (uint32_t k = 0; k < col->n_cat; k++)
			if (!read_str(b, &col->cats[k]))
				return 0;
	}
	return !b->failed && b->pos == b->len;
}

static int
parse_encoder(fz_state *st, rs_rbuf *b)
{
	st->enc_format = rs_rbuf_u32(b);
	st->enc_n_cols = rs_rbuf_u32(b);
	st->enc_dim = rs_rbuf_u32(b);
	st->enc_n_spans = rs_rbuf_u32(b);
	if (b->failed || st->enc_n_cols > FZ_MAX_N || st->enc_n_cols > b->len - b->pos)
	{
		st->enc_n_cols = 0;
		return 0;
	}
	st->ecols = calloc(st->enc_n_cols + 1, sizeof(fz_ecol));
	for (uint32_t c = 0; c < st->enc_n_cols; c++)
	{
		fz_ecol    *e = &st->ecols[c];

		e->kind = rs_rbuf_u32(b);
		e->integral = rs_rbuf_u32(b);
		e->has_null = rs_rbuf_u32(b);
		if (e->kind == RS_KIND_CONTINUOUS)
		{
			e->lo = rs_rbuf_f64(b);
			e->hi = rs_rbuf_f64(b);
			e->n_modes = rs_rbuf_u32(b);
			if (e->n_modes > 16)
			{
				e->n_modes = 0;
				return 0;
			}
			for (uint32_t k = 0; k < 3 * e->n_modes; k++)
				e->modes[k] = rs_rbuf_f64(b);
		}
		else if (e->kind == RS_KIND_CATEGORICAL)
		{
			e->n_cat = rs_rbuf_u32(b);
			if (b->failed || e->n_cat > b->len - b->pos)
			{
				e->n_cat = 0;
				return 0;
			}
			e->seen = calloc(e->n_cat + 1, 1);
			rs_rbuf_bytes(b, e->seen, e->n_cat);
		}
		else
			return 0;
		if (b->failed)
			return 0;
	}
	return !b->failed && b->pos == b->len;
}

static float *
read_floats(rs_rbuf *b, uint64_t *n)
{
	float	   *v;

	*n = rs_rbuf_u64(b);
	if (b->failed || *n > (b->len - b->pos) / 4)
	{
		*n = 0;
		return NULL;
	}
	v = calloc(*n + 1, sizeof(float));
	for (uint64_t i = 0; i < *n; i++)
		v[i] = rs_rbuf_f32(b);
	return v;
}

static int
parse_generator(fz_state *st, rs_rbuf *b)
{
	st->gen_format = rs_rbuf_u32(b);
	st->D = rs_rbuf_i32(b);
	st->ns = rs_rbuf_i32(b);
	if (b->failed || st->ns < 0 || st->ns > FZ_MAX_N || (size_t) st->ns > (b->len - b->pos) / 20)
	{
		st->ns = 0;
		return 0;
	}
	st->spans = calloc(5 * (size_t) st->ns + 1, sizeof(int32_t));
	for (int i = 0; i < 5 * st->ns; i++)
		st->spans[i] = rs_rbuf_i32(b);
	st->E = rs_rbuf_i32(b);
	st->ng = rs_rbuf_i32(b);
	if (b->failed || st->ng < 0 || st->ng > 16)
	{
		st->ng = 0;
		return 0;
	}
	for (int l = 0; l < st->ng; l++)
		st->gdims[l] = rs_rbuf_i32(b);
	st->cd = rs_rbuf_i32(b);
	if (b->failed || st->cd < 0 || st->cd > FZ_MAX_N || (size_t) st->cd > (b->len - b->pos) / 8)
	{
		st->cd = 0;
		return 0;
	}
	st->cat = calloc((size_t) st->cd + 1, sizeof(double));
	for (int j = 0; j < st->cd; j++)
		st->cat[j] = rs_rbuf_f64(b);
	if (!(st->params = read_floats(b, &st->n_params)) ||
		!(st->run = read_floats(b, &st->n_run)))
		return 0;
	return !b->failed && b->pos == b->len;
}

/* Parse buf (a state that rs_state_open accepts) into st; 0 if it does not open. */
static int
state_parse(fz_state *st, const uint8_t *buf, size_t len)
{
	rs_state_view v;
	rs_error	err;

	memset(st, 0, sizeof(*st));
	if (rs_state_open(&v, buf, len, &err) != RS_OK)
		return 0;
	st->n_sec = v.n_sections;
	for (int i = 0; i < v.n_sections; i++)
	{
		rs_rbuf		b;
		int			ok = 0;

		st->tags[i] = v.tags[i];
		st->raw_len[i] = v.lengths[i];
		st->raw[i] = malloc(v.lengths[i] ? v.lengths[i] : 1);
		memcpy(st->raw[i], buf + v.offsets[i], v.lengths[i]);
		rs_rbuf_init(&b, buf + v.offsets[i], v.lengths[i]);
		switch (v.tags[i])
		{
			case RS_SEC_META:
				ok = st->meta_ok = parse_meta(st, &b);
				break;
			case RS_SEC_COLUMNS:
				ok = st->cols_ok = parse_columns(st, &b);
				break;
			case RS_SEC_ENCODER:
				ok = st->enc_ok = parse_encoder(st, &b);
				break;
			case RS_SEC_GENERATOR:
				ok = st->gen_ok = parse_generator(st, &b);
				break;
		}
		(void) ok;
	}
	return 1;
}

/* ---------------------------------------------------------------- write */

static void
put_str(rs_wbuf *w, const fz_str *s)
{
	rs_wbuf_u32(w, s->len);
	if (s->len > 0)
		rs_wbuf_bytes(w, s->b, s->len);
}

static void
write_section(const fz_state *st, int i, rs_wbuf *w)
{
	switch (st->tags[i])
	{
		case RS_SEC_META:
			if (!st->meta_ok)
				break;
			rs_wbuf_u32(w, st->meta_format);
			rs_wbuf_u64(w, st->seed);
			put_str(w, &st->minority);
			rs_wbuf_u32(w, st->n_src);
			for (uint32_t k = 0; k < st->n_src; k++)
			{
				put_str(w, &st->src_names[k]);
				put_str(w, &st->src_types[k]);
				rs_wbuf_i32(w, st->roles[k]);
			}
			return;
		case RS_SEC_COLUMNS:
			if (!st->cols_ok)
				break;
			rs_wbuf_u32(w, st->cols_format);
			rs_wbuf_u32(w, st->n_cols);
			for (uint32_t c = 0; c < st->n_cols; c++)
			{
				const fz_col *col = &st->cols[c];

				rs_wbuf_u32(w, col->has_name);
				if (col->has_name == 1)
					put_str(w, &col->name);
				rs_wbuf_u32(w, col->kind);
				rs_wbuf_u32(w, col->integral);
				rs_wbuf_f64(w, col->min);
				rs_wbuf_f64(w, col->max);
				rs_wbuf_u32(w, col->n_cat);
				for (uint32_t k = 0; k < col->n_cat; k++)
					put_str(w, &col->cats[k]);
			}
			return;
		case RS_SEC_ENCODER:
			if (!st->enc_ok)
				break;
			rs_wbuf_u32(w, st->enc_format);
			rs_wbuf_u32(w, st->enc_n_cols);
			rs_wbuf_u32(w, st->enc_dim);
			rs_wbuf_u32(w, st->enc_n_spans);
			for (uint32_t c = 0; c < st->enc_n_cols; c++)
			{
				const fz_ecol *e = &st->ecols[c];

				rs_wbuf_u32(w, e->kind);
				rs_wbuf_u32(w, e->integral);
				rs_wbuf_u32(w, e->has_null);
				if (e->kind == RS_KIND_CONTINUOUS)
				{
					rs_wbuf_f64(w, e->lo);
					rs_wbuf_f64(w, e->hi);
					rs_wbuf_u32(w, e->n_modes);
					for (uint32_t k = 0; k < 3 * e->n_modes; k++)
						rs_wbuf_f64(w, e->modes[k]);
				}
				else
				{
					rs_wbuf_u32(w, e->n_cat);
					rs_wbuf_bytes(w, e->seen, e->n_cat);
				}
			}
			return;
		case RS_SEC_GENERATOR:
			if (!st->gen_ok)
				break;
			rs_wbuf_u32(w, st->gen_format);
			rs_wbuf_i32(w, st->D);
			rs_wbuf_i32(w, st->ns);
			for (int k = 0; k < 5 * st->ns; k++)
				rs_wbuf_i32(w, st->spans[k]);
			rs_wbuf_i32(w, st->E);
			rs_wbuf_i32(w, st->ng);
			for (int l = 0; l < st->ng; l++)
				rs_wbuf_i32(w, st->gdims[l]);
			rs_wbuf_i32(w, st->cd);
			for (int j = 0; j < st->cd; j++)
				rs_wbuf_f64(w, st->cat[j]);
			rs_wbuf_f32s(w, st->params, st->n_params);
			rs_wbuf_f32s(w, st->run, st->n_run);
			return;
	}
	rs_wbuf_bytes(w, st->raw[i], st->raw_len[i]);
}

/* Serialize st into out (at most max bytes); its new size, or 0. */
static size_t
state_write(const fz_state *st, uint8_t *out, size_t max)
{
	rs_state_builder sb;
	rs_error	err;
	uint8_t    *buf;
	size_t		len = 0;

	rs_state_builder_init(&sb);
	for (int i = 0; i < st->n_sec; i++)
	{
		rs_wbuf    *w = rs_state_section(&sb, st->tags[i]);

		if (w)
			write_section(st, i, w);
	}
	if (rs_state_finish(&sb, &buf, &len, &err) == RS_OK)
	{
		if (len <= max)
			memcpy(out, buf, len);
		else
			len = 0;
		rs_free(buf);
	}
	else
		len = 0;
	rs_state_builder_free(&sb);
	return len;
}

/* ---------------------------------------------------------------- repairs */

/* The parameter and batchnorm counts gan.c expects for the current shape. */
static void
resize_weights(fz_state *st)
{
	int64_t		w = (int64_t) st->E + st->cd,
				n = 0,
				run = 0;

	for (int l = 0; l < st->ng; l++)
	{
		int64_t		g = st->gdims[l];

		if (g < 0 || g > 65536)
			return;
		n += g * w + 3 * g;
		run += 2 * g;
		w += g;
	}
	n += (int64_t) st->D * w + st->D;
	if (w < 0 || n < 0 || n > (1 << 22) || st->D < 0)
		return;
	st->params = realloc(st->params, sizeof(float) * (size_t) (n + 1));
	for (int64_t i = (int64_t) st->n_params; i < n; i++)
		st->params[i] = (float) ((int32_t) rnd()) / 2e9f;
	st->n_params = (uint64_t) n;
	st->run = realloc(st->run, sizeof(float) * (size_t) (run + 1));
	for (int64_t i = (int64_t) st->n_run; i < run; i++)
		st->run[i] = 1.0f;
	st->n_run = (uint64_t) run;
}

/* cd and the category counts from the spans' condition flags. */
static void
recount_conditions(fz_state *st)
{
	int32_t		cd = 0;

	for (int i = 0; i < st->ns; i++)
		if (st->spans[5 * i + 4] == 1 && st->spans[5 * i + 1] > 0 && st->spans[5 * i + 1] < 65536)
			cd += st->spans[5 * i + 1];
	if (cd > FZ_MAX_N)
		return;
	st->cat = realloc(st->cat, sizeof(double) * ((size_t) cd + 1));
	for (int j = st->cd; j < cd; j++)
		st->cat[j] = (double) below(20);
	st->cd = cd;
	resize_weights(st);
}

/* The generator's spans laid out from the encoder's columns (as build_spans). */
static void
spans_from_encoder(fz_state *st)
{
	int32_t		n = 0,
				pos = 0;

	if (!st->enc_ok || !st->gen_ok)
		return;
	free(st->spans);
	st->spans = calloc(2 * (size_t) st->enc_n_cols + 1, 5 * sizeof(int32_t));
	for (uint32_t c = 0; c < st->enc_n_cols; c++)
	{
		const fz_ecol *e = &st->ecols[c];
		int32_t		w = (int32_t) (e->kind == RS_KIND_CONTINUOUS ? e->n_modes : e->n_cat) +
			(int32_t) e->has_null;
		int32_t    *s;

		if (e->kind == RS_KIND_CONTINUOUS)
		{
			s = &st->spans[5 * n++];
			s[0] = pos++;
			s[1] = 1;
			s[2] = RS_ACT_TANH;
			s[3] = (int32_t) c;
			s[4] = 0;
		}
		s = &st->spans[5 * n++];
		s[0] = pos;
		s[1] = w;
		s[2] = RS_ACT_SOFTMAX;
		s[3] = (int32_t) c;
		s[4] = e->kind == RS_KIND_CATEGORICAL;
		pos += w;
	}
	st->ns = n;
	st->D = pos;
	st->enc_dim = (uint32_t) pos;
	st->enc_n_spans = (uint32_t) n;
	recount_conditions(st);
}

/* ---------------------------------------------------------------- mutations */

static const uint8_t *bad_strings[] = {
	(const uint8_t *) "\xff\xfe", (const uint8_t *) "\xc3", (const uint8_t *) "a\xed\xa0\x80",
	(const uint8_t *) "", (const uint8_t *) "a", (const uint8_t *) "\xe2\x82\xac",
};

static void
mutate_string(fz_state *st, fz_str *s)
{
	switch (below(5))
	{
		case 0:
			{
				const uint8_t *b = bad_strings[below(sizeof(bad_strings) / sizeof(bad_strings[0]))];

				str_set(s, b, (uint32_t) strlen((const char *) b));
				break;
			}
		case 1:
			if (s->len > 0)
				s->b[below(s->len)] = (uint8_t) rnd();
			break;
		case 2:
			if (st->n_src > 0)
			{
				fz_str	   *o = &st->src_names[below(st->n_src)];

				if (o != s)
				{
					fz_str		copy = {o->len, o->b};

					str_set(s, copy.b, copy.len);
				}
			}
			break;
		case 3:
			s->len = (uint32_t) tweak_int(s->len) & 0xFFFF;
			s->b = realloc(s->b, s->len ? s->len : 1);
			memset(s->b, 'z', s->len);
			break;
		default:
			str_set(s, "\0x", 2);
			break;
	}
}

/* Resize a column's category list to n (new ones copies of others, or "x<k>"). */
static void
resize_categories(fz_col *col, uint32_t n)
{
	if (n > 8 * FZ_MAX_N)
		return;
	for (uint32_t k = n; k < col->n_cat; k++)
		str_free(&col->cats[k]);
	col->cats = realloc(col->cats, sizeof(fz_str) * (n + 1));
	for (uint32_t k = col->n_cat; k < n; k++)
	{
		char		s[16];

		snprintf(s, sizeof(s), below(4) == 0 && k > 0 ? "a" : "x%u", k);
		col->cats[k].b = NULL;
		str_set(&col->cats[k], s, (uint32_t) strlen(s));
	}
	col->n_cat = n;
}

static void
mutate_meta(fz_state *st)
{
	if (!st->meta_ok)
		return;
	switch (below(6))
	{
		case 0:
			st->meta_format = (uint32_t) tweak_int(st->meta_format);
			break;
		case 1:
			mutate_string(st, &st->minority);
			break;
		case 2:
			if (st->n_src)
				st->roles[below(st->n_src)] = (int32_t) tweak_int(st->roles[below(st->n_src)]);
			break;
		case 3:
			if (st->n_src)
				mutate_string(st, below(2) ? &st->src_names[below(st->n_src)]
							  : &st->src_types[below(st->n_src)]);
			break;
		case 4:
			{
				/* one source column more or fewer */
				uint32_t	n = below(2) ? st->n_src + 1 : (st->n_src ? st->n_src - 1 : 0);

				for (uint32_t i = n; i < st->n_src; i++)
				{
					str_free(&st->src_names[i]);
					str_free(&st->src_types[i]);
				}
				st->src_names = realloc(st->src_names, sizeof(fz_str) * (n + 1));
				st->src_types = realloc(st->src_types, sizeof(fz_str) * (n + 1));
				st->roles = realloc(st->roles, sizeof(int32_t) * (n + 1));
				for (uint32_t i = st->n_src; i < n; i++)
				{
					st->src_names[i].b = st->src_types[i].b = NULL;
					str_set(&st->src_names[i], "extra", 5);
					str_set(&st->src_types[i], "text", 4);
					st->roles[i] = below(2) ? RS_ROLE_EXCLUDED : (int32_t) below(4);
				}
				st->n_src = n;
				break;
			}
		default:
			st->seed = rnd();
			break;
	}
}

static void
mutate_columns(fz_state *st)
{
	fz_col	   *col;

	if (!st->cols_ok || st->n_cols == 0)
		return;
	col = &st->cols[below(st->n_cols)];
	switch (below(8))
	{
		case 0:
			col->kind = (uint32_t) tweak_int(col->kind);
			break;
		case 1:
			col->integral = (uint32_t) tweak_int(col->integral);
			break;
		case 2:
			col->min = tweak_double(col->min);
			break;
		case 3:
			col->max = tweak_double(col->max);
			break;
		case 4:
			resize_categories(col, (uint32_t) (tweak_int(col->n_cat) & 0xFFFF));
			break;
		case 5:
			if (col->n_cat)
				mutate_string(st, &col->cats[below(col->n_cat)]);
			break;
		case 6:
			if (col->has_name == 1)
				mutate_string(st, &col->name);
			break;
		default:
			/* the name dropped, or a flag the loader does not know */
			col->has_name = below(3) ? 0 : 2;
			break;
	}
}

static void
mutate_encoder(fz_state *st)
{
	fz_ecol    *e;

	if (!st->enc_ok || st->enc_n_cols == 0)
		return;
	e = &st->ecols[below(st->enc_n_cols)];
	switch (below(9))
	{
		case 0:
			e->kind = e->kind == RS_KIND_CONTINUOUS ? RS_KIND_CATEGORICAL : RS_KIND_CONTINUOUS;
			if (e->kind == RS_KIND_CATEGORICAL && !e->seen)
			{
				e->n_cat = 1 + below(4);
				e->seen = calloc(e->n_cat, 1);
				e->seen[0] = 1;
			}
			else if (e->kind == RS_KIND_CONTINUOUS && e->n_modes == 0)
			{
				e->n_modes = 1;
				e->modes[0] = 0.0;
				e->modes[1] = 1.0;
				e->modes[2] = 1.0;
				e->lo = -1.0;
				e->hi = 1.0;
			}
			break;
		case 1:
			e->has_null ^= 1;
			break;
		case 2:
			e->integral = (uint32_t) tweak_int(e->integral);
			break;
		case 3:
			if (e->kind == RS_KIND_CONTINUOUS)
			{
				uint32_t	n = (uint32_t) (tweak_int(e->n_modes) & 15);

				for (uint32_t k = e->n_modes; k < n; k++)
				{
					e->modes[3 * k] = (double) k;
					e->modes[3 * k + 1] = 1.0;
					e->modes[3 * k + 2] = 0.0;
				}
				e->n_modes = n;
			}
			else
			{
				uint32_t	n = (uint32_t) (tweak_int(e->n_cat) & 0xFFFF);

				e->seen = realloc(e->seen, n + 1);
				for (uint32_t k = e->n_cat; k < n; k++)
					e->seen[k] = (uint8_t) below(2);
				e->n_cat = n;
			}
			break;
		case 4:
			if (e->kind == RS_KIND_CONTINUOUS && e->n_modes)
			{
				uint32_t	k = below(3 * e->n_modes);

				e->modes[k] = tweak_double(e->modes[k]);
			}
			else if (e->n_cat)
				e->seen[below(e->n_cat)] = (uint8_t) tweak_int(1);
			break;
		case 5:
			e->lo = tweak_double(e->lo);
			break;
		case 6:
			e->hi = tweak_double(e->hi);
			break;
		case 7:
			st->enc_dim = (uint32_t) tweak_int(st->enc_dim);
			break;
		default:
			st->enc_n_spans = (uint32_t) tweak_int(st->enc_n_spans);
			break;
	}
}

static void
mutate_generator(fz_state *st)
{
	if (!st->gen_ok)
		return;
	switch (below(12))
	{
		case 0:
			/* clear or set one condition flag, cond width and weights to match */
			if (st->ns)
			{
				int32_t    *c = &st->spans[5 * below((uint32_t) st->ns) + 4];

				*c = *c ? 0 : 1;
				recount_conditions(st);
			}
			break;
		case 1:
			/* clear every condition flag (the crafted state of issue 8) */
			for (int i = 0; i < st->ns; i++)
				st->spans[5 * i + 4] = 0;
			recount_conditions(st);
			break;
		case 2:
			st->E = (int32_t) (tweak_int(st->E) & 0x3FF);
			resize_weights(st);
			break;
		case 3:
			if (st->ng < 16)
			{
				int			l = (int) below((uint32_t) st->ng + 1);

				if (below(2) && st->ng > 0)
				{
					memmove(&st->gdims[l ? l - 1 : 0], &st->gdims[l ? l : 1],
							sizeof(int32_t) * (size_t) (st->ng - (l ? l : 1)));
					st->ng--;
				}
				else
				{
					memmove(&st->gdims[l + 1], &st->gdims[l], sizeof(int32_t) * (size_t) (st->ng - l));
					st->gdims[l] = 1 + (int32_t) below(12);
					st->ng++;
				}
				resize_weights(st);
			}
			break;
		case 4:
			if (st->ng)
			{
				st->gdims[below((uint32_t) st->ng)] = (int32_t) (tweak_int(8) & 0x3F);
				resize_weights(st);
			}
			break;
		case 5:
			/* one span field */
			if (st->ns)
			{
				int32_t    *f = &st->spans[below(5 * (uint32_t) st->ns)];

				*f = (int32_t) tweak_int(*f);
				if (below(2))
					recount_conditions(st);
			}
			break;
		case 6:
			st->D = (int32_t) tweak_int(st->D);
			if (below(2))
				resize_weights(st);
			break;
		case 7:
			if (st->cd)
				st->cat[below((uint32_t) st->cd)] = tweak_double(st->cat[below((uint32_t) st->cd)]);
			break;
		case 8:
			if (st->n_params)
				st->params[below((uint32_t) st->n_params)] = (float) tweak_double(1.0);
			break;
		case 9:
			if (st->n_run)
				st->run[below((uint32_t) st->n_run)] = (float) tweak_double(1.0);
			break;
		case 10:
			st->n_params = (uint64_t) (tweak_int((int64_t) st->n_params) & 0xFFFFF);
			st->params = realloc(st->params, sizeof(float) * (st->n_params + 1));
			memset(st->params, 0, sizeof(float) * st->n_params);
			break;
		default:
			spans_from_encoder(st);
			break;
	}
}

/*
 * A consistent reshape: one column gets another category or mode count in
 * the column specs and the encoder alike, and the generator is laid out
 * again to match (spans, condition width, weights), so the state still
 * loads, with new shapes for everything after it.
 */
static void
reshape_column(fz_state *st)
{
	uint32_t	c;
	fz_ecol    *e;

	if (!st->cols_ok || !st->enc_ok || !st->gen_ok || st->n_cols == 0 ||
		st->n_cols != st->enc_n_cols)
		return;
	c = below(st->n_cols);
	e = &st->ecols[c];
	if (e->kind == RS_KIND_CATEGORICAL && st->cols[c].kind == RS_KIND_CATEGORICAL)
	{
		uint32_t	n = 1 + below(below(4) ? 16 : 300);

		resize_categories(&st->cols[c], 0);
		resize_categories(&st->cols[c], n);
		for (uint32_t k = 0; k < n; k++)
		{
			char		name[16];

			snprintf(name, sizeof(name), "v%u", k);
			str_set(&st->cols[c].cats[k], name, (uint32_t) strlen(name));
		}
		e->seen = realloc(e->seen, n + 1);
		memset(e->seen, 1, n);
		e->n_cat = n;
	}
	else if (e->kind == RS_KIND_CONTINUOUS)
	{
		uint32_t	n = 1 + below(10);

		for (uint32_t k = 0; k < n; k++)
		{
			e->modes[3 * k] = (double) k;
			e->modes[3 * k + 1] = 0.5 + k;
			e->modes[3 * k + 2] = 1.0 / n;
		}
		e->n_modes = n;
		if (below(2))
			e->has_null ^= 1;
		if (!e->has_null && isnan(e->lo))
			e->lo = e->hi = 0.0;
	}
	spans_from_encoder(st);
}

/* A section of seed s, or a new unknown section, or one dropped. */
/* every fixture variant without rules, then with them (RS_SEC_RULES) */
#define FZ_SEEDS (2 * FIXTURE_VARIANTS)
static uint8_t *seeds[FZ_SEEDS];
static size_t seed_len[FZ_SEEDS];

/* Section i becomes the bytes b (taken over), written as they are. */
static void
set_raw(fz_state *st, int i, uint8_t *b, size_t n)
{
	free(st->raw[i]);
	st->raw[i] = b;
	st->raw_len[i] = n;
	if (st->tags[i] == RS_SEC_META)
		st->meta_ok = 0;
	else if (st->tags[i] == RS_SEC_COLUMNS)
		st->cols_ok = 0;
	else if (st->tags[i] == RS_SEC_ENCODER)
		st->enc_ok = 0;
	else if (st->tags[i] == RS_SEC_GENERATOR)
		st->gen_ok = 0;
}

static void
mutate_sections(fz_state *st)
{
	int			i = st->n_sec ? (int) below((uint32_t) st->n_sec) : 0;

	switch (below(4))
	{
		case 0:
			{
				/* the same section of another model */
				fz_state	o;
				int			s = (int) below(FZ_SEEDS);

				if (!st->n_sec || !state_parse(&o, seeds[s], seed_len[s]))
					break;
				for (int j = 0; j < o.n_sec; j++)
					if (o.tags[j] == st->tags[i])
					{
						set_raw(st, i, o.raw[j], o.raw_len[j]);
						o.raw[j] = NULL;
					}
				state_free(&o);
				break;
			}
		case 1:
			if (st->n_sec < RS_STATE_MAX_SECTIONS)
			{
				st->tags[st->n_sec] = below(2) ? RS_SEC_CRITIC : 6 + below(1000);
				st->raw[st->n_sec] = calloc(1, 4);
				st->raw_len[st->n_sec++] = 4;
			}
			break;
		case 2:
			if (st->n_sec)
			{
				/* dropped: write it empty under a tag nothing reads */
				st->tags[i] = 100 + below(10);
			}
			break;
		default:
			if (st->n_sec)
			{
				/* byte-level inside one section, kept raw */
				size_t		n = st->raw_len[i];
				size_t		cap = n + 64;
				uint8_t    *b = malloc(cap);

				memcpy(b, st->raw[i], n);
				n = LLVMFuzzerMutate(b, n, cap);
				set_raw(st, i, b, n);
			}
			break;
	}
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	fz_state	st;
	size_t		out;
	int			rounds;

	fz_rng = (uint64_t) seed * 0x9E3779B97F4A7C15ull | 1;
	if (!state_parse(&st, data, size) || below(64) == 0)
	{
		/* start again from a seed */
		int			s = (int) below(FZ_SEEDS);

		state_free(&st);
		if (!state_parse(&st, seeds[s], seed_len[s]))
			return 0;
	}
	rounds = 1 + (int) below(3);
	for (int r = 0; r < rounds; r++)
	{
		switch (below(12))
		{
			case 0:
			case 1:
				mutate_meta(&st);
				break;
			case 2:
			case 3:
				mutate_columns(&st);
				break;
			case 4:
			case 5:
				mutate_encoder(&st);
				break;
			case 6:
			case 7:
			case 8:
				mutate_generator(&st);
				break;
			case 9:
				if (below(2))
					spans_from_encoder(&st);
				else
					reshape_column(&st);
				break;
			default:
				mutate_sections(&st);
				break;
		}
	}
	out = state_write(&st, data, max_size);
	state_free(&st);
	return out ? out : size;
}

/* ---------------------------------------------------------------- the target */

/* FUZZ_STATE_STATS set: how many inputs loaded and were sampled, at exit */
static long n_inputs,
			n_loaded,
			n_sampled;

/* Every decoded category is one of its column's, or NULL. */
static void
check_decoded(const rs_model *m, const rs_table *t, int n)
{
	for (int r = 0; r < n; r++)
		for (int c = 0; c < t->n_cols; c++)
		{
			double		v = RS_CELL(t, r, c);

			if (m->specs->cols[c].kind == RS_KIND_CATEGORICAL && !isnan(v) &&
				!(v >= 0 && v < m->specs->cols[c].n_categories && v == (int) v))
				abort();
		}
}

/* n rows through the asynchronous path (as the row stream), decoded. */
static void
sample_rows(const rs_model *m, const int *given, int n, float *buf, rs_table *t, uint64_t seed)
{
	rs_error	err;
	rs_rng		rng;

	rs_rng_seed(&rng, seed);
	if (rs_model_generate_start(m, n, given, buf, &rng, &err) != RS_OK)
		return;
	rs_model_generate_wait(m);
	if (rs_model_decode(m, n, buf, t, 0, &err) == RS_OK)
		check_decoded(m, t, n);
}

/*
 * Every column given at once (given.h): each categorical column its first
 * category it accepts, each continuous column the middle of its range (a
 * point for every other one); what holds is sampled and every row must
 * keep every given.
 */
static void
sample_all_given(const rs_model *m, int rows, float *buf, rs_table *t)
{
	rs_error	err;
	rs_rng		rng;
	rs_given   *g = rs_given_create(m, &err);

	if (!g)
		return;
	for (int c = 0; c < m->specs->n_cols; c++)
	{
		double		lo,
					hi;

		if (m->specs->cols[c].kind == RS_KIND_CATEGORICAL)
		{
			for (int k = 0; k <= m->specs->cols[c].n_categories; k++)
				if (rs_given_category(g, c, k, &err) == RS_OK)
					break;
		}
		else if (rs_encoder_column_range(m->enc, c, &lo, &hi) && !isnan(lo))
		{
			double		mid = lo + (hi - lo) / 2;

			if (c % 2)
				(void) rs_given_range(g, c, mid, mid, NULL, NULL, &err);
			else
				(void) rs_given_range(g, c, lo + (hi - lo) / 4, mid, NULL, NULL, &err);
		}
	}
	rs_rng_seed(&rng, 9);
	if (rs_given_finish(g, &err) == RS_OK &&
		rs_given_generate_start(g, rows, buf, &rng, &err) == RS_OK)
	{
		rs_model_generate_wait(m);
		if (rs_given_decode(g, rows, buf, t, 0, &err) == RS_OK)
		{
			check_decoded(m, t, rows);
			for (int r = 0; r < rows; r++)
				for (int c = 0; c < m->specs->n_cols; c++)
				{
					double		v = RS_CELL(t, r, c);
					int			k = g->category[c];

					if (m->specs->cols[c].kind == RS_KIND_CATEGORICAL && k >= 0 &&
						(k < m->specs->cols[c].n_categories ? v != k : !isnan(v)))
						abort();
					if (!isnan(g->within[2 * c]) &&
						!(v >= g->within[2 * c] && v <= g->within[2 * c + 1]))
						abort();
				}
		}
	}
	rs_given_free(g);
}

static void
exercise(const rs_model *m, const uint8_t *data, size_t size)
{
	rs_error	err;
	rs_sample_plan plan;
	uint8_t    *again = NULL;
	size_t		len = 0;
	int			n_cond = rs_gan_n_cond_spans(m->gan);
	int		   *given = calloc((size_t) n_cond + 1, sizeof(int));
	int			rows;
	float	   *buf;
	rs_table   *t;
	rs_state_view v;
	int			critic = 0;

	/* what loads saves back to the same bytes (unless it had a critic section) */
	if (rs_state_open(&v, data, size, &err) == RS_OK)
		critic = rs_state_has(&v, RS_SEC_CRITIC);
	if (rs_model_save(m, &again, &len, &err) == RS_OK)
	{
		if (!critic && (len != size || memcmp(again, data, size) != 0))
			abort();
		rs_free(again);
	}
	/* every categorical column has a condition span */
	for (int c = 0; c < m->specs->n_cols; c++)
		if ((m->specs->cols[c].kind == RS_KIND_CATEGORICAL) != (rs_model_cond_index(m, c) >= 0))
			abort();

	if (rs_model_plan_sampling(m, (size_t) 1 << 20, 16, &plan, &err) != RS_OK)
	{
		free(given);
		return;
	}
	rows = plan.batch_rows < 7 ? plan.batch_rows : 7;
	buf = calloc((size_t) rows * rs_encoder_dim(m->enc) + 1, sizeof(float));
	t = rs_table_create(rows, m->specs->n_cols, &err);
	if (!t || rs_table_copy_specs(t, m->specs, &err) != RS_OK)
		abort();
	for (int k = 0; k < n_cond; k++)
		given[k] = -1;
	n_sampled++;
	sample_rows(m, NULL, rows, buf, t, 1);
	for (int c = 0; c < m->specs->n_cols; c++)
	{
		const rs_column *col = &m->specs->cols[c];
		int			cats[3] = {0, col->n_categories - 1, col->n_categories};

		if (col->kind != RS_KIND_CATEGORICAL)
			continue;
		for (int i = 0; i < 3; i++)
		{
			int			k = rs_model_cond_index(m, c);

			if (rs_model_set_given(m, c, cats[i], given, &err) != RS_OK)
				continue;
			sample_rows(m, given, rows, buf, t, 2 + i);
			for (int r = 0; r < rows; r++)
				if (cats[i] < col->n_categories ? RS_CELL(t, r, c) != cats[i] : !isnan(RS_CELL(t, r, c)))
					abort();
			given[k] = -1;
		}
	}
	sample_all_given(m, rows, buf, t);
	rs_table_free(t);
	free(buf);
	free(given);
}

static void
print_stats(void)
{
	fprintf(stderr, "fuzz_state: %ld inputs, %ld loaded, %ld sampled\n",
			n_inputs, n_loaded, n_sampled);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	rs_error	err;

	if (getenv("FUZZ_STATE_STATS"))
		atexit(print_stats);
	if (rs_blas_load(&err) != RS_OK)
	{
		fprintf(stderr, "fuzz_state: %s\n", err.msg);
		abort();
	}
	openblas_set_num_threads(1);
	rs_set_thread_count(1);
	for (int v = 0; v < FZ_SEEDS; v++)
		if (!(seeds[v] = fixture_state_rules(v % FIXTURE_VARIANTS, 100 + v, v >= FIXTURE_VARIANTS,
											 &seed_len[v])))
			abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rs_error	err;
	rs_model   *m;

	err.code = RS_OK;
	err.msg[0] = '\0';
	n_inputs++;
	m = rs_model_load(data, size, &err);
	if (!m)
	{
		if (err.code == RS_OK || err.msg[0] == '\0')
			abort();
		return 0;
	}
	n_loaded++;
	exercise(m, data, size);
	rs_model_free(m);
	return 0;
}

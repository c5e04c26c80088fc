/*
 * columns.c
 *	  Column specs (rs_column) to and from bytes: the RS_SEC_COLUMNS section
 *	  of the model state (see encoder.h).
 *
 * Kept apart from encoder.c because the specs are read on their own (model
 * info, checking a sampling target) without building an encoder, and the
 * encoder section is checked against them after both are loaded.
 *
 * Section layout (little-endian):
 *	 u32 format (1), u32 n_cols
 *	 per column: u32 has_name, [str name], u32 kind, u32 integral,
 *				 f64 min, f64 max, u32 n_categories, n_categories x str
 * Strings are u32 length + bytes without NUL (rs_wbuf_str).
 */
#include "encoder.h"

#include <math.h>

#define RS_COLUMNS_FORMAT	1
#define COL_MIN_BYTES		28	/* has_name, kind, integral, min, max, count */
#define RS_MAX_NAME_BYTES	((size_t) 1 << 16)
#define RS_MAX_CATEGORY_BYTES ((size_t) 1 << 30)

rs_status
rs_columns_save(const rs_table *t, rs_wbuf *b)
{
	rs_wbuf_u32(b, RS_COLUMNS_FORMAT);
	rs_wbuf_u32(b, (uint32_t) t->n_cols);
	for (int c = 0; c < t->n_cols; c++)
	{
		const rs_column *col = &t->cols[c];
		int			n_cat = col->kind == RS_KIND_CATEGORICAL ? col->n_categories : 0;

		rs_wbuf_u32(b, col->name ? 1 : 0);
		if (col->name)
			rs_wbuf_str(b, col->name);
		rs_wbuf_u32(b, (uint32_t) col->kind);
		rs_wbuf_u32(b, col->integral ? 1 : 0);
		rs_wbuf_f64(b, col->min);
		rs_wbuf_f64(b, col->max);
		rs_wbuf_u32(b, (uint32_t) n_cat);
		for (int k = 0; k < n_cat; k++)
			rs_wbuf_str(b, col->categories[k]);
	}
	return b->failed ? RS_ERR_NOMEM : RS_OK;
}

rs_table *
rs_columns_load(rs_rbuf *b, rs_error *err)
{
	const char *what = "column specs section";
	uint32_t	format,
				n_cols;
	uint64_t	total_cat = 0;
	rs_table   *t;

	format = rs_rbuf_u32(b);
	n_cols = rs_rbuf_u32(b);
	if (rs_rbuf_finish(b, 0, what, err) != RS_OK)
		return NULL;
	if (format != RS_COLUMNS_FORMAT)
	{
		rs_fail(err, format > RS_COLUMNS_FORMAT ? RS_ERR_VERSION : RS_ERR_CORRUPT,
				"%s has unknown format %u", what, format);
		return NULL;
	}
	if (n_cols < 1 || n_cols > RS_STATE_MAX_COLUMNS || n_cols > (b->len - b->pos) / COL_MIN_BYTES)
	{
		rs_fail(err, RS_ERR_CORRUPT, "%s has an invalid column count %u", what, n_cols);
		return NULL;
	}
	t = rs_table_create(0, (int) n_cols, err);
	if (!t)
		return NULL;

	for (int c = 0; c < (int) n_cols; c++)
	{
		rs_column  *col = &t->cols[c];
		uint32_t	has_name = rs_rbuf_u32(b);
		uint32_t	kind,
					integral,
					n_cat;

		if (has_name > 1)
			goto corrupt;
		if (has_name && !(col->name = rs_rbuf_str(b, RS_MAX_NAME_BYTES)))
			goto fail;
		kind = rs_rbuf_u32(b);
		integral = rs_rbuf_u32(b);
		col->min = rs_rbuf_f64(b);
		col->max = rs_rbuf_f64(b);
		n_cat = rs_rbuf_u32(b);
		if (b->failed)
			goto fail;
		if ((kind != RS_KIND_CONTINUOUS && kind != RS_KIND_CATEGORICAL) || integral > 1)
			goto corrupt;
		col->kind = (rs_kind) kind;
		col->integral = (int) integral;
		if (!((isfinite(col->min) && isfinite(col->max) && col->min <= col->max)
			  || (isnan(col->min) && isnan(col->max))))
			goto corrupt;
		if (kind == RS_KIND_CONTINUOUS && n_cat != 0)
			goto corrupt;
		/* every category takes at least its 4-byte length */
		total_cat += n_cat;
		if (n_cat > (b->len - b->pos) / 4 || total_cat > RS_STATE_MAX_CATEGORIES)
			goto corrupt;
		if (n_cat > 0)
		{
			col->categories = rs_alloc_array(n_cat, sizeof(char *));
			if (!col->categories)
			{
				rs_fail(err, RS_ERR_NOMEM, "out of memory reading the %s", what);
				rs_table_free(t);
				return NULL;
			}
			col->n_categories = (int) n_cat;
			for (uint32_t k = 0; k < n_cat; k++)
				if (!(col->categories[k] = rs_rbuf_str(b, RS_MAX_CATEGORY_BYTES)))
					goto fail;
		}
	}
	return t;

corrupt:
	rs_fail(err, RS_ERR_CORRUPT, "%s is invalid", what);
	rs_table_free(t);
	return NULL;
fail:
	if (rs_rbuf_finish(b, 0, what, err) == RS_OK)
		rs_fail(err, RS_ERR_CORRUPT, "%s is truncated or corrupt", what);
	rs_table_free(t);
	return NULL;
}

/*
 * model.h
 *	  A trained model as one unit: what the source looked like (meta), the
 *	  feature column specs, the encoder and the generator; and the model
 *	  state bytes that hold all of it (format.h container, sections
 *	  RS_SEC_META, RS_SEC_COLUMNS, RS_SEC_ENCODER, RS_SEC_GENERATOR).
 */
#ifndef RS_MODEL_H
#define RS_MODEL_H

#include <stdint.h>

#include "encoder.h"
#include "gan.h"
#include "table.h"

#define RS_ROLE_LABEL		(-1)
#define RS_ROLE_EXCLUDED	(-2)

typedef struct rs_model_meta
{
	uint64_t	seed;
	char	   *minority;		/* the learned label value, as SQL text */
	int			n_source_cols;	/* every column of the source, in order */
	char	  **source_names;
	char	  **source_types;	/* SQL type with modifier, e.g. numeric(6,2) */
	int		   *source_role;	/* feature index (>= 0), RS_ROLE_LABEL or
								 * RS_ROLE_EXCLUDED */
} rs_model_meta;

typedef struct rs_model
{
	rs_model_meta meta;
	rs_table   *specs;			/* 0 rows: feature column specs */
	rs_encoder *enc;
	rs_gan	   *gan;
} rs_model;

/* Serialize a model into one rs_alloc'ed buffer. */
rs_status	rs_model_save(const rs_model *m, uint8_t **out, size_t *out_len, rs_error *err);

/* Validate and load; NULL with RS_ERR_CORRUPT / RS_ERR_VERSION on bad bytes. */
rs_model   *rs_model_load(const void *buf, size_t len, rs_error *err);

/* Free the model and everything it owns (meta strings, specs, enc, gan). */
void		rs_model_free(rs_model *m);

#endif

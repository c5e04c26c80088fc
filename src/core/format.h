/*
 * format.h
 *	  The model state container: versioned, checksummed, little-endian,
 *	  bounds-checked.  Everything needed to sample lives in one byte string.
 *
 * Layout (all integers little-endian):
 *   header   magic "RSYNSTAT" (8 bytes), u32 format version, u32 section
 *            count, u64 total length (header + table + payloads + trailer)
 *   table    per section: u32 tag, u32 flags (0), u64 offset, u64 length;
 *            offsets are from the start of the buffer, sections lie between
 *            the end of the table and the trailer, do not overlap, and are
 *            in increasing order
 *   payloads the section bytes
 *   trailer  u32 CRC-32C of every byte before it
 * rs_state_open() checks all of it before any section is handed out.
 *
 * Section contents are written and read with rs_wbuf / rs_rbuf: appends of
 * little-endian integers, floats, doubles, strings (u32 length + bytes) and
 * float arrays; every read is bounds-checked and fails with RS_ERR_CORRUPT
 * rather than reading past the end.
 */
#ifndef RS_FORMAT_H
#define RS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "rs_common.h"

#define RS_STATE_MAGIC "RSYNSTAT"
#define RS_STATE_VERSION 1
#define RS_STATE_MAX_SECTIONS 64

/* Section tags */
#define RS_SEC_META      1		/* model-wide settings: seed, options */
#define RS_SEC_COLUMNS   2		/* column specs */
#define RS_SEC_ENCODER   3		/* encoder parameters */
#define RS_SEC_GENERATOR 4		/* generator shape + weights */
#define RS_SEC_CRITIC    5		/* reserved (a resumable state's critic): a
								 * loader accepts and skips it; nothing writes it */
#define RS_SEC_RULES     6		/* the model's rules (rules.h), optional */

/* ---- growable write buffer ---- */
typedef struct rs_wbuf
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	int			failed;			/* an allocation failed: result unusable */
} rs_wbuf;

void		rs_wbuf_init(rs_wbuf *b);
void		rs_wbuf_free(rs_wbuf *b);
void		rs_wbuf_bytes(rs_wbuf *b, const void *p, size_t n);
void		rs_wbuf_u32(rs_wbuf *b, uint32_t v);
void		rs_wbuf_u64(rs_wbuf *b, uint64_t v);
void		rs_wbuf_i32(rs_wbuf *b, int32_t v);
void		rs_wbuf_f32(rs_wbuf *b, float v);
void		rs_wbuf_f64(rs_wbuf *b, double v);
void		rs_wbuf_str(rs_wbuf *b, const char *s);	/* u32 length + bytes */
void		rs_wbuf_f32s(rs_wbuf *b, const float *v, size_t n);	/* u64 n + n floats */

/* ---- bounds-checked read cursor ---- */
typedef struct rs_rbuf
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;
	int			failed;			/* a read went past the end: all later
								 * reads return 0 */
} rs_rbuf;

void		rs_rbuf_init(rs_rbuf *b, const void *data, size_t len);
int			rs_rbuf_bytes(rs_rbuf *b, void *out, size_t n);	/* 1 ok, 0 fail */
uint32_t	rs_rbuf_u32(rs_rbuf *b);
uint64_t	rs_rbuf_u64(rs_rbuf *b);
int32_t		rs_rbuf_i32(rs_rbuf *b);
float		rs_rbuf_f32(rs_rbuf *b);
double		rs_rbuf_f64(rs_rbuf *b);
/* Returns a newly rs_alloc'ed NUL-terminated copy, or NULL (b->failed set)
 * when the length runs past the end, exceeds max_len, or holds a NUL. */
char	   *rs_rbuf_str(rs_rbuf *b, size_t max_len);
/* Reads u64 n then n floats into a new rs_alloc'ed array; n must equal
 * expect_n (pass SIZE_MAX to accept any n up to what the buffer holds). */
float	   *rs_rbuf_f32s(rs_rbuf *b, size_t expect_n, size_t *n_out);
/* RS_OK if nothing failed and (if must_end) every byte was consumed. */
rs_status	rs_rbuf_finish(const rs_rbuf *b, int must_end, const char *what, rs_error *err);

/* ---- the container ---- */
typedef struct rs_state_builder
{
	int			n_sections;
	uint32_t	tags[RS_STATE_MAX_SECTIONS];
	rs_wbuf		bodies[RS_STATE_MAX_SECTIONS];
} rs_state_builder;

void		rs_state_builder_init(rs_state_builder *sb);
void		rs_state_builder_free(rs_state_builder *sb);
/* Start a new section; returns its buffer to append to (NULL if full or the tag repeats). */
rs_wbuf    *rs_state_section(rs_state_builder *sb, uint32_t tag);
/* Serialize into one rs_alloc'ed buffer (*out, *out_len). */
rs_status	rs_state_finish(rs_state_builder *sb, uint8_t **out, size_t *out_len, rs_error *err);

typedef struct rs_state_view
{
	const uint8_t *data;
	size_t		len;
	uint32_t	version;
	int			n_sections;
	uint32_t	tags[RS_STATE_MAX_SECTIONS];
	size_t		offsets[RS_STATE_MAX_SECTIONS];
	size_t		lengths[RS_STATE_MAX_SECTIONS];
} rs_state_view;

/*
 * Validate buf completely (magic, version, lengths, offsets, ordering,
 * checksum).  RS_ERR_VERSION for a newer format version, RS_ERR_CORRUPT
 * for anything else that is wrong.  No allocation; view points into buf.
 */
rs_status	rs_state_open(rs_state_view *view, const void *buf, size_t len, rs_error *err);
/* Find a section; RS_OK and *sec set, or RS_ERR_CORRUPT naming the tag. */
rs_status	rs_state_get(const rs_state_view *view, uint32_t tag, rs_rbuf *sec, rs_error *err);

/* CRC-32C (Castagnoli) */
uint32_t	rs_crc32c(uint32_t crc, const void *data, size_t len);

#endif

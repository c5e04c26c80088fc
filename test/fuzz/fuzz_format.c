/*
 * fuzz_format.c
 *	  libFuzzer harness for the model state container (src/core/format.c).
 *
 * The first byte picks a mode:
 *   'R'    the whole input is a state ("RSYNSTAT..."): open it and, if it
 *          validates, read every section with a sequence of readers chosen
 *          by a generator seeded from the input
 *   else   by the byte's value modulo 3:
 *   0      reader ops on raw bytes: byte 1 is the op count, then the ops,
 *          then the buffer they read (no checksum needed to reach them)
 *   1      build a state from the input and check it (build_round_trip)
 *   2      the rest of the input is a state, opened and read as for 'R'
 * Any crash, sanitizer report, leak or abort() is a bug.
 *
 * Random mutation almost never produces a valid CRC, which would leave the
 * section table checks and the readers behind them unexercised, so a custom
 * mutator rewrites the total length and the checksum of half the mutated
 * states (the other half keep exercising the checksum check), and now and
 * then replaces the input by a valid state built from its bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "format_test.h"

/* Run one reader picked by op on r; the arg byte parameterizes it. */
static void
run_op(rs_rbuf *r, uint8_t op, uint8_t arg)
{
	uint8_t		tmp[64];
	char	   *s;
	float	   *v;
	size_t		n;

	switch (op % 9)
	{
		case 0:
			rs_rbuf_bytes(r, tmp, arg % sizeof(tmp));
			break;
		case 1:
			(void) rs_rbuf_u32(r);
			break;
		case 2:
			(void) rs_rbuf_u64(r);
			break;
		case 3:
			(void) rs_rbuf_i32(r);
			break;
		case 4:
			(void) rs_rbuf_f32(r);
			break;
		case 5:
			(void) rs_rbuf_f64(r);
			break;
		case 6:
			s = rs_rbuf_str(r, arg & 1 ? SIZE_MAX : arg);
			if (s && strlen(s) > (arg & 1 ? SIZE_MAX : arg))
				abort();
			rs_free(s);
			break;
		case 7:
			v = rs_rbuf_f32s(r, arg & 1 ? SIZE_MAX : arg, &n);
			if (v && n > 0)
				(void) v[n - 1];
			if (!v && n != 0)
				abort();
			rs_free(v);
			break;
		case 8:
			rs_rbuf_bytes(r, NULL, 0);
			break;
	}
	if (r->pos > r->len)
		abort();
}

static void
finish_both(const rs_rbuf *r)
{
	rs_error	err;

	if ((rs_rbuf_finish(r, 0, "section", &err) == RS_OK) == (r->failed != 0))
		abort();
	(void) rs_rbuf_finish(r, 1, NULL, &err);
}

static void
open_and_read(const uint8_t *data, size_t size)
{
	rs_state_view view;
	rs_error	err;
	uint64_t	x;

	if (rs_state_open(&view, data, size, &err) != RS_OK)
	{
		if (err.code == RS_OK || err.msg[0] == '\0')
			abort();
		return;
	}
	/* an xorshift generator seeded from the checksum drives the readers */
	x = (uint64_t) data[size - 1] << 24 | (uint64_t) data[size - 2] << 16 |
		(uint64_t) data[size - 3] << 8 | data[size - 4] | 1;
	for (int i = 0; i < view.n_sections; i++)
	{
		rs_rbuf		r;

		if (rs_state_get(&view, view.tags[i], &r, &err) != RS_OK)
			abort();
		for (int k = 0; k < 64 && !r.failed; k++)
		{
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			run_op(&r, (uint8_t) x, (uint8_t) (x >> 8));
		}
		finish_both(&r);
	}
	{
		rs_rbuf		r;

		if (!rs_state_has(&view, 0xFFFFFFFFu) &&
			rs_state_get(&view, 0xFFFFFFFFu, &r, &err) != RS_ERR_CORRUPT)
			abort();
	}
}

static void
raw_readers(const uint8_t *data, size_t size)
{
	size_t		nops;
	const uint8_t *ops;
	rs_rbuf		r;

	if (size < 1)
		return;
	nops = data[0] % 32;
	if (nops * 2 > size - 1)
		nops = (size - 1) / 2;
	ops = data + 1;
	rs_rbuf_init(&r, ops + nops * 2, size - 1 - nops * 2);
	for (size_t k = 0; k < nops; k++)
		run_op(&r, ops[2 * k], ops[2 * k + 1]);
	finish_both(&r);
}

/* Sections from input bytes: (tag, length, bytes) repeated. */
static void
build_from(rs_state_builder *sb, const uint8_t *data, size_t size)
{
	size_t		pos = 0;

	rs_state_builder_init(sb);
	while (pos + 2 <= size)
	{
		uint32_t	tag = data[pos];
		size_t		n = data[pos + 1];
		rs_wbuf    *w;

		pos += 2;
		if (n > size - pos)
			n = size - pos;
		w = rs_state_section(sb, tag);
		if (w)
			rs_wbuf_bytes(w, data + pos, n);
		pos += n;
	}
}

static void
reseal(uint8_t *buf, size_t len)
{
	uint32_t	crc = rs_crc32c(0, buf, len - 4);

	for (int i = 0; i < 4; i++)
		buf[len - 4 + i] = (uint8_t) (crc >> (8 * i));
}

/*
 * Input: flip byte, edit position byte, 8 edit value bytes, then sections.
 * The built state must open and hold the same sections; with one bit
 * flipped it must not open; with 8 bytes of its header or table
 * overwritten and the checksum recomputed it is opened and read like any
 * other input.
 */
static void
build_round_trip(const uint8_t *data, size_t size)
{
	rs_state_builder sb;
	rs_state_view view;
	rs_error	err;
	uint8_t    *buf;
	size_t		len,
				flip,
				at,
				head;

	if (size < 10)
		return;
	build_from(&sb, data + 10, size - 10);
	if (rs_state_finish(&sb, &buf, &len, &err) != RS_OK)
		abort();
	if (rs_state_open(&view, buf, len, &err) != RS_OK || view.n_sections != sb.n_sections)
		abort();
	for (int i = 0; i < sb.n_sections; i++)
	{
		rs_rbuf		r;

		if (rs_state_get(&view, sb.tags[i], &r, &err) != RS_OK ||
			r.len != sb.bodies[i].len ||
			(r.len > 0 && memcmp(r.data, sb.bodies[i].data, r.len) != 0))
			abort();
	}
	rs_state_builder_free(&sb);

	flip = (data[0] * 2654435761u) % (len * 8);
	buf[flip / 8] ^= (uint8_t) (1u << (flip % 8));
	if (rs_state_open(&view, buf, len, &err) == RS_OK)
		abort();
	buf[flip / 8] ^= (uint8_t) (1u << (flip % 8));

	head = len - 4;				/* header + table + payloads */
	at = data[1] % head;
	for (size_t i = 0; i < 8 && at + i < head; i++)
		buf[at + i] = data[2 + i];
	reseal(buf, len);
	open_and_read(buf, len);
	rs_free(buf);
}

size_t		LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t		LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
									unsigned int seed);

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	uint8_t    *st;
	size_t		n;

	size = LLVMFuzzerMutate(data, size, max_size);
	if (size == 0 || (seed & 1))
		return size;
	if (seed % 16 == 2)
	{
		/* replace the input by a valid state built from it */
		rs_state_builder sb;
		rs_error	err;
		uint8_t    *buf;
		size_t		len;

		build_from(&sb, data, size);
		if (rs_state_finish(&sb, &buf, &len, &err) == RS_OK)
		{
			if (len <= max_size)
			{
				memcpy(data, buf, len);
				size = len;
			}
			rs_free(buf);
		}
		rs_state_builder_free(&sb);
		return size;
	}
	if (data[0] == 'R')
		st = data;
	else if (data[0] % 3 == 2)
		st = data + 1;
	else
		return size;
	n = size - (size_t) (st - data);
	if (n < 28)
		return size;
	for (int i = 0; i < 8; i++)
		st[16 + i] = (uint8_t) ((uint64_t) n >> (8 * i));
	reseal(st, n);
	return size;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] == 'R')
	{
		open_and_read(data, size);
		return 0;
	}
	switch (data[0] % 3)
	{
		case 0:
			raw_readers(data + 1, size - 1);
			break;
		case 1:
			build_round_trip(data + 1, size - 1);
			break;
		case 2:
			open_and_read(data + 1, size - 1);
			break;
	}
	return 0;
}

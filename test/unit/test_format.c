/*
 * test_format.c
 *	  Unit tests of the model state container (src/core/format.c): round
 *	  trips, every truncation, every bit flip, hand-built hostile headers
 *	  with valid checksums, hostile reader input, allocation failures.
 */
#include "format.h"
#include "format_test.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

/* ---- a malloc allocator that can be told to fail ---- */

static long alloc_calls;
static long alloc_fail_at = -1;	/* fail the call with this index; -1 never */

static void *
test_alloc(size_t size)
{
	if (alloc_calls++ == alloc_fail_at)
		return NULL;
	return calloc(1, size ? size : 1);
}

static void
alloc_reset(long fail_at)
{
	alloc_calls = 0;
	alloc_fail_at = fail_at;
}

/* ---- helpers ---- */

static uint32_t
f32_bits(float f)
{
	uint32_t	u;

	memcpy(&u, &f, 4);
	return u;
}

static uint64_t
f64_bits(double d)
{
	uint64_t	u;

	memcpy(&u, &d, 8);
	return u;
}

static float
bits_f32(uint32_t u)
{
	float		f;

	memcpy(&f, &u, 4);
	return f;
}

static double
bits_f64(uint64_t u)
{
	double		d;

	memcpy(&d, &u, 8);
	return d;
}

static void
le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static void
le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* Recompute the trailer so that only the structural checks can object. */
static void
reseal(uint8_t *buf, size_t len)
{
	le32(buf + len - 4, rs_crc32c(0, buf, len - 4));
}

/* Open a malloc'ed copy of exactly len bytes, so valgrind sees overreads. */
static rs_status
open_copy(const uint8_t *buf, size_t len, rs_error *err)
{
	uint8_t    *copy = malloc(len ? len : 1);
	rs_state_view view;
	rs_status	st;

	memcpy(copy, buf, len);
	err->code = RS_OK;
	err->msg[0] = '\0';
	st = rs_state_open(&view, copy, len, err);
	free(copy);
	return st;
}

static const float sample_floats[] = {1.5f, -0.0f, 3.25e-39f, 1e30f};

/*
 * A state with three sections: meta (mixed values), an empty encoder
 * section, generator (a float array).  Header 24 + table 72 + payloads +
 * trailer 4.
 */
static uint8_t *
make_state(size_t *len)
{
	rs_state_builder sb;
	rs_error	err;
	uint8_t    *out = NULL;
	rs_wbuf    *w;

	rs_state_builder_init(&sb);
	w = rs_state_section(&sb, RS_SEC_META);
	rs_wbuf_u64(w, UINT64_C(0x0123456789ABCDEF));
	rs_wbuf_str(w, "hello");
	rs_wbuf_i32(w, -7);
	rs_state_section(&sb, RS_SEC_ENCODER);
	w = rs_state_section(&sb, RS_SEC_GENERATOR);
	rs_wbuf_f32s(w, sample_floats, 4);
	if (rs_state_finish(&sb, &out, len, &err) != RS_OK)
		out = NULL;
	rs_state_builder_free(&sb);
	return out;
}

/* ---- tests ---- */

static void
test_crc32c(void)
{
	const char *s = "123456789";

	CHECK(rs_crc32c(0, s, 9) == 0xE3069283u);
	CHECK(rs_crc32c(rs_crc32c(0, s, 4), s + 4, 5) == 0xE3069283u);
	CHECK(rs_crc32c(0, "", 0) == 0);
	CHECK(rs_crc32c(0, NULL, 0) == 0);
}

static void
test_wbuf_layout(void)
{
	rs_wbuf		w;
	static const uint8_t expect[] = {
		0x04, 0x03, 0x02, 0x01,
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
		0xFF, 0xFF, 0xFF, 0xFF,
		0x00, 0x00, 0x80, 0x3F,
		0x02, 0x00, 0x00, 0x00, 'h', 'i',
	};

	rs_wbuf_init(&w);
	rs_wbuf_u32(&w, 0x01020304u);
	rs_wbuf_u64(&w, UINT64_C(0x0102030405060708));
	rs_wbuf_i32(&w, -1);
	rs_wbuf_f32(&w, 1.0f);
	rs_wbuf_str(&w, "hi");
	CHECK(!w.failed);
	CHECK(w.len == sizeof(expect));
	CHECK(w.len == sizeof(expect) && memcmp(w.data, expect, sizeof(expect)) == 0);
	rs_wbuf_free(&w);
	CHECK(w.data == NULL && w.len == 0 && w.cap == 0);
}

static void
test_values_round_trip(void)
{
	static const uint32_t fbits[] = {
		0x7FC00000u, 0x7FC01234u, 0xFFC00001u,	/* quiet NaNs with payloads */
		0x7F800000u, 0xFF800000u,	/* +inf, -inf */
		0x80000000u, 0x00000001u, 0x7F7FFFFFu	/* -0, denormal, max */
	};
	static const uint64_t dbits[] = {
		UINT64_C(0x7FF8000000000000), UINT64_C(0x7FF800000000ABCD),
		UINT64_C(0x7FF0000000000000), UINT64_C(0xFFF0000000000000),
		UINT64_C(0x8000000000000000), UINT64_C(0x0000000000000001)
	};
	float		arr[8];
	rs_wbuf		w;
	rs_rbuf		r;
	rs_error	err;
	char	   *s;
	float	   *back;
	size_t		n;

	for (int i = 0; i < 8; i++)
		arr[i] = bits_f32(fbits[i]);
	rs_wbuf_init(&w);
	for (int i = 0; i < 8; i++)
		rs_wbuf_f32(&w, arr[i]);
	for (int i = 0; i < 6; i++)
		rs_wbuf_f64(&w, bits_f64(dbits[i]));
	rs_wbuf_i32(&w, INT32_MIN);
	rs_wbuf_i32(&w, INT32_MAX);
	rs_wbuf_u64(&w, UINT64_MAX);
	rs_wbuf_str(&w, "");
	rs_wbuf_str(&w, "caf\xc3\xa9 \"quoted\"");
	rs_wbuf_f32s(&w, arr, 8);
	rs_wbuf_f32s(&w, NULL, 0);
	rs_wbuf_bytes(&w, "xyz", 3);
	rs_wbuf_bytes(&w, NULL, 0);
	CHECK(!w.failed);

	rs_rbuf_init(&r, w.data, w.len);
	for (int i = 0; i < 8; i++)
		CHECK(f32_bits(rs_rbuf_f32(&r)) == fbits[i]);
	for (int i = 0; i < 6; i++)
		CHECK(f64_bits(rs_rbuf_f64(&r)) == dbits[i]);
	CHECK(rs_rbuf_i32(&r) == INT32_MIN);
	CHECK(rs_rbuf_i32(&r) == INT32_MAX);
	CHECK(rs_rbuf_u64(&r) == UINT64_MAX);
	s = rs_rbuf_str(&r, 0);
	CHECK(s && s[0] == '\0');
	rs_free(s);
	s = rs_rbuf_str(&r, 64);
	CHECK(s && strcmp(s, "caf\xc3\xa9 \"quoted\"") == 0);
	rs_free(s);
	back = rs_rbuf_f32s(&r, 8, &n);
	CHECK(back && n == 8);
	for (int i = 0; back && i < 8; i++)
		CHECK(f32_bits(back[i]) == fbits[i]);
	rs_free(back);
	back = rs_rbuf_f32s(&r, SIZE_MAX, &n);
	CHECK(back != NULL && n == 0);
	rs_free(back);
	{
		char		xyz[3];

		CHECK(rs_rbuf_bytes(&r, xyz, 3) == 1 && memcmp(xyz, "xyz", 3) == 0);
		CHECK(rs_rbuf_bytes(&r, NULL, 0) == 1);
	}
	CHECK(rs_rbuf_finish(&r, 1, "values", &err) == RS_OK);
	rs_wbuf_free(&w);
}

static void
test_state_round_trip(void)
{
	size_t		len,
				n;
	uint8_t    *buf = make_state(&len);
	rs_state_view view;
	rs_rbuf		r;
	rs_error	err;
	char	   *s;
	float	   *v;

	CHECK(buf != NULL);
	if (!buf)
		return;
	CHECK(len == 24 + 3 * 24 + (8 + 4 + 5 + 4) + 0 + (8 + 16) + 4);
	CHECK(rs_state_open(&view, buf, len, &err) == RS_OK);
	CHECK(view.version == RS_STATE_VERSION && view.n_sections == 3);
	CHECK(rs_state_has(&view, RS_SEC_META) && rs_state_has(&view, RS_SEC_ENCODER));
	CHECK(!rs_state_has(&view, RS_SEC_CRITIC));

	CHECK(rs_state_get(&view, RS_SEC_META, &r, &err) == RS_OK);
	CHECK(rs_rbuf_u64(&r) == UINT64_C(0x0123456789ABCDEF));
	s = rs_rbuf_str(&r, 16);
	CHECK(s && strcmp(s, "hello") == 0);
	rs_free(s);
	CHECK(rs_rbuf_i32(&r) == -7);
	CHECK(rs_rbuf_finish(&r, 1, "meta", &err) == RS_OK);

	CHECK(rs_state_get(&view, RS_SEC_ENCODER, &r, &err) == RS_OK);
	CHECK(r.len == 0);
	CHECK(rs_rbuf_finish(&r, 1, "encoder", &err) == RS_OK);

	CHECK(rs_state_get(&view, RS_SEC_GENERATOR, &r, &err) == RS_OK);
	v = rs_rbuf_f32s(&r, 4, &n);
	CHECK(v && n == 4 && memcmp(v, sample_floats, sizeof(sample_floats)) == 0);
	rs_free(v);
	CHECK(rs_rbuf_finish(&r, 1, "generator", &err) == RS_OK);

	CHECK(rs_state_get(&view, RS_SEC_CRITIC, &r, &err) == RS_ERR_CORRUPT);
	CHECK(strstr(err.msg, "\"critic\"") != NULL);
	CHECK(rs_state_get(&view, 99, &r, &err) == RS_ERR_CORRUPT);
	CHECK(strstr(err.msg, "tag 99") != NULL);
	rs_free(buf);
}

static void
test_empty_state(void)
{
	rs_state_builder sb;
	rs_state_view view;
	rs_error	err;
	uint8_t    *buf;
	size_t		len;

	rs_state_builder_init(&sb);
	CHECK(rs_state_finish(&sb, &buf, &len, &err) == RS_OK);
	CHECK(len == 28);
	CHECK(rs_state_open(&view, buf, len, &err) == RS_OK);
	CHECK(view.n_sections == 0);
	rs_state_builder_free(&sb);
	rs_free(buf);
}

static void
test_every_truncation(void)
{
	size_t		len;
	uint8_t    *buf = make_state(&len);
	rs_error	err;
	uint8_t    *longer;

	CHECK(buf != NULL);
	if (!buf)
		return;
	for (size_t cut = 0; cut < len; cut++)
	{
		rs_status	st = open_copy(buf, cut, &err);

		CHECK(st == RS_ERR_CORRUPT);
		CHECK(err.msg[0] != '\0');
		if (st != RS_ERR_CORRUPT)
			fprintf(stderr, "  truncation to %zu bytes: status %d\n", cut, (int) st);
	}
	CHECK(open_copy(buf, len - 1, &err) == RS_ERR_CORRUPT);
	CHECK(strstr(err.msg, "truncated") && strstr(err.msg, "header says"));
	CHECK(open_copy(buf, len, &err) == RS_OK);

	/* a byte appended, with or without a matching total and checksum */
	longer = malloc(len + 1);
	memcpy(longer, buf, len);
	longer[len] = 0;
	CHECK(open_copy(longer, len + 1, &err) == RS_ERR_CORRUPT);
	le64(longer + 16, len + 1);
	reseal(longer, len + 1);
	CHECK(open_copy(longer, len + 1, &err) == RS_ERR_CORRUPT);
	free(longer);

	{
		rs_state_view view;

		CHECK(rs_state_open(&view, NULL, 0, &err) == RS_ERR_CORRUPT);
		CHECK(rs_state_open(&view, NULL, 100, &err) == RS_ERR_CORRUPT);
	}
	rs_free(buf);
}

static void
test_every_bit_flip(void)
{
	size_t		len;
	uint8_t    *buf = make_state(&len);
	rs_error	err;
	int			missed = 0;

	CHECK(buf != NULL);
	if (!buf)
		return;
	for (size_t i = 0; i < len; i++)
	{
		for (int bit = 0; bit < 8; bit++)
		{
			buf[i] ^= (uint8_t) (1u << bit);
			if (open_copy(buf, len, &err) == RS_OK)
				missed++;
			buf[i] ^= (uint8_t) (1u << bit);
		}
	}
	CHECK(missed == 0);
	CHECK(open_copy(buf, len, &err) == RS_OK);
	rs_free(buf);
}

/* Offsets in make_state's layout */
#define OFF_VERSION	8
#define OFF_COUNT	12
#define OFF_TOTAL	16
#define ENTRY(i)	(24 + 24 * (i))

/*
 * A hostile state: up to two fields of a fresh valid state overwritten
 * (width 4 or 8 bytes; width 0 = unused), then the checksum recomputed so
 * that only the structural checks can object.  A field's new value is
 * value, plus the state's length when rel is set (so (uint64_t) -4 with
 * rel means len - 4).
 */
typedef struct edit
{
	int			at;
	int			width;
	uint64_t	value;
	int			rel;
} edit;

typedef struct hostile_case
{
	const char *what;
	edit		e[2];
	rs_status	want_code;
	const char *want_msg;		/* substring of the message, or NULL */
} hostile_case;

#define NEG(x)	((uint64_t) 0 - (x))

static const hostile_case hostile_cases[] = {
	{"huge section length", {{ENTRY(2) + 16, 8, UINT64_MAX, 0}}, RS_ERR_CORRUPT, "runs past"},
	{"length one too long", {{ENTRY(2) + 16, 8, 25, 0}}, RS_ERR_CORRUPT, "runs past"},
	{"length of whole state", {{ENTRY(0) + 16, 8, 0, 1}}, RS_ERR_CORRUPT, "runs past"},
	{"offset 0", {{ENTRY(0) + 8, 8, 0, 0}}, RS_ERR_CORRUPT, "into the header"},
	{"offset into the table", {{ENTRY(0) + 8, 8, ENTRY(1), 0}}, RS_ERR_CORRUPT, "into the header"},
	{"huge offset", {{ENTRY(2) + 8, 8, NEG(3), 0}}, RS_ERR_CORRUPT, NULL},
	{"section over the trailer", {{ENTRY(2) + 8, 8, NEG(4), 1}, {ENTRY(2) + 16, 8, 4, 0}},
	RS_ERR_CORRUPT, NULL},
	{"overlapping sections", {{ENTRY(2) + 8, 8, 24 + 72 + 4, 0}}, RS_ERR_CORRUPT, "overlaps"},
	{"gap between sections", {{ENTRY(0) + 16, 8, 20, 0}}, RS_ERR_CORRUPT, "gap"},
	{"bytes after the last section", {{ENTRY(2) + 16, 8, 23, 0}}, RS_ERR_CORRUPT, "after its last"},
	{"count max + 1", {{OFF_COUNT, 4, RS_STATE_MAX_SECTIONS + 1, 0}}, RS_ERR_CORRUPT, "maximum is 64"},
	{"count 2^32 - 1", {{OFF_COUNT, 4, UINT32_MAX, 0}}, RS_ERR_CORRUPT, "maximum is 64"},
	{"count one more", {{OFF_COUNT, 4, 4, 0}}, RS_ERR_CORRUPT, NULL},
	{"count one fewer", {{OFF_COUNT, 4, 2, 0}}, RS_ERR_CORRUPT, NULL},
	{"count 0", {{OFF_COUNT, 4, 0, 0}}, RS_ERR_CORRUPT, NULL},
	{"table past the end", {{OFF_COUNT, 4, RS_STATE_MAX_SECTIONS, 0}}, RS_ERR_CORRUPT, "table of 64"},
	{"total too big", {{OFF_TOTAL, 8, 1, 1}}, RS_ERR_CORRUPT, "truncated"},
	{"total too small", {{OFF_TOTAL, 8, NEG(1), 1}}, RS_ERR_CORRUPT, "trailing bytes"},
	{"total 2^64 - 1", {{OFF_TOTAL, 8, UINT64_MAX, 0}}, RS_ERR_CORRUPT, "header says 18446744073709551615"},
	{"total 0", {{OFF_TOTAL, 8, 0, 0}}, RS_ERR_CORRUPT, NULL},
	{"version 0", {{OFF_VERSION, 4, 0, 0}}, RS_ERR_CORRUPT, "version 0"},
	{"newer version", {{OFF_VERSION, 4, RS_STATE_VERSION + 1, 0}}, RS_ERR_VERSION, "newer"},
	{"version 2^32 - 1", {{OFF_VERSION, 4, UINT32_MAX, 0}}, RS_ERR_VERSION, "4294967295"},
	{"nonzero flags", {{ENTRY(1) + 4, 4, 1, 0}}, RS_ERR_CORRUPT, "flags"},
	{"duplicate tag", {{ENTRY(2), 4, RS_SEC_META, 0}}, RS_ERR_CORRUPT, "twice"},
	{"bad magic", {{0, 4, 0x4E595358, 0}}, RS_ERR_CORRUPT, "magic"},
};

static void
test_hostile_structure(void)
{
	for (size_t c = 0; c < sizeof(hostile_cases) / sizeof(hostile_cases[0]); c++)
	{
		const hostile_case *hc = &hostile_cases[c];
		size_t		len;
		uint8_t    *buf = make_state(&len);
		rs_error	err;
		rs_status	st;

		CHECK(buf != NULL);
		if (!buf)
			return;
		for (int i = 0; i < 2; i++)
		{
			uint64_t	v = hc->e[i].value + (hc->e[i].rel ? (uint64_t) len : 0);

			if (hc->e[i].width == 4)
				le32(buf + hc->e[i].at, (uint32_t) v);
			else if (hc->e[i].width == 8)
				le64(buf + hc->e[i].at, v);
		}
		reseal(buf, len);
		st = open_copy(buf, len, &err);
		if (st != hc->want_code || (hc->want_msg && !strstr(err.msg, hc->want_msg)))
		{
			fprintf(stderr, "  %s: status %d, message \"%s\"\n", hc->what, (int) st, err.msg);
			unit_cur_failed = 1;
		}
		rs_free(buf);
	}
}

/* A newer version is reported as such even when the rest is unreadable. */
static void
test_newer_version_unsealed(void)
{
	uint8_t		buf[28] = "RSYNSTAT";
	rs_state_view view;
	rs_error	err;

	le32(buf + OFF_VERSION, RS_STATE_VERSION + 1);
	le64(buf + OFF_TOTAL, 12345);
	CHECK(rs_state_open(&view, buf, sizeof(buf), &err) == RS_ERR_VERSION);
	CHECK(err.code == RS_ERR_VERSION);
	CHECK(view.n_sections == 0);
}

static void
test_rbuf_past_end(void)
{
	static const uint8_t data[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	rs_rbuf		r;
	rs_error	err;
	uint8_t		out[8] = {0xAA, 0xAA, 0xAA, 0xAA};

	rs_rbuf_init(&r, data, 3);
	CHECK(rs_rbuf_u32(&r) == 0);
	CHECK(r.failed);
	CHECK(rs_rbuf_finish(&r, 0, "meta section", &err) == RS_ERR_CORRUPT);
	CHECK(strcmp(err.msg, "meta section is truncated or corrupt") == 0);

	/* after one failure every read returns 0, even if bytes remain */
	rs_rbuf_init(&r, data, 10);
	CHECK(rs_rbuf_u64(&r) == UINT64_C(0x0807060504030201));
	CHECK(rs_rbuf_u32(&r) == 0 && r.failed);
	CHECK(rs_rbuf_bytes(&r, out, 1) == 0 && out[0] == 0);
	CHECK(rs_rbuf_bytes(&r, NULL, 0) == 0);
	CHECK(rs_rbuf_i32(&r) == 0);
	CHECK(rs_rbuf_f32(&r) == 0.0f);
	CHECK(rs_rbuf_f64(&r) == 0.0);
	CHECK(rs_rbuf_str(&r, 100) == NULL);
	CHECK(rs_rbuf_f32s(&r, SIZE_MAX, NULL) == NULL);

	rs_rbuf_init(&r, data, 10);
	CHECK(rs_rbuf_bytes(&r, out, 4) == 1);
	CHECK(rs_rbuf_bytes(&r, out, 7) == 0 && r.failed && out[6] == 0);
	CHECK(rs_rbuf_f64(&r) == 0.0);

	/* must_end */
	rs_rbuf_init(&r, data, 10);
	rs_rbuf_u64(&r);
	CHECK(rs_rbuf_finish(&r, 0, "x", &err) == RS_OK);
	CHECK(rs_rbuf_finish(&r, 1, "x", &err) == RS_ERR_CORRUPT);
	CHECK(strstr(err.msg, "2 unexpected trailing bytes") != NULL);

	/* empty and NULL buffers */
	rs_rbuf_init(&r, NULL, 5);
	CHECK(r.len == 0);
	CHECK(rs_rbuf_bytes(&r, NULL, 0) == 1);
	CHECK(rs_rbuf_finish(&r, 1, NULL, &err) == RS_OK);
	CHECK(rs_rbuf_f64(&r) == 0.0 && r.failed);
}

static void
test_rbuf_str_hostile(void)
{
	rs_wbuf		w;
	rs_rbuf		r;
	char	   *s;

	/* embedded NUL */
	rs_wbuf_init(&w);
	rs_wbuf_u32(&w, 3);
	rs_wbuf_bytes(&w, "a\0b", 3);
	rs_rbuf_init(&r, w.data, w.len);
	CHECK(rs_rbuf_str(&r, 100) == NULL && r.failed);
	rs_wbuf_free(&w);

	/* longer than max_len; exactly max_len is fine */
	rs_wbuf_init(&w);
	rs_wbuf_str(&w, "abcdef");
	rs_rbuf_init(&r, w.data, w.len);
	CHECK(rs_rbuf_str(&r, 5) == NULL && r.failed);
	rs_rbuf_init(&r, w.data, w.len);
	s = rs_rbuf_str(&r, 6);
	CHECK(s && strcmp(s, "abcdef") == 0 && !r.failed);
	rs_free(s);

	/* one byte short, and a length of 2^32 - 1 */
	rs_rbuf_init(&r, w.data, w.len - 1);
	CHECK(rs_rbuf_str(&r, SIZE_MAX) == NULL && r.failed);
	rs_wbuf_free(&w);
	rs_wbuf_init(&w);
	rs_wbuf_u32(&w, UINT32_MAX);
	rs_wbuf_bytes(&w, "abc", 3);
	rs_rbuf_init(&r, w.data, w.len);
	CHECK(rs_rbuf_str(&r, SIZE_MAX) == NULL && r.failed);
	rs_wbuf_free(&w);

	/* writing NULL is a failure, not a crash */
	rs_wbuf_init(&w);
	rs_wbuf_str(&w, NULL);
	CHECK(w.failed);
	rs_wbuf_free(&w);
}

static void
test_rbuf_f32s_hostile(void)
{
	static const uint64_t bad_n[] = {
		UINT64_C(1) << 62, UINT64_MAX, UINT64_C(1) << 63,
		(UINT64_C(1) << 62) + 1, 3
	};
	rs_wbuf		w;
	rs_rbuf		r;
	size_t		n = 77;
	float	   *v;

	for (int i = 0; i < 5; i++)
	{
		rs_wbuf_init(&w);
		rs_wbuf_u64(&w, bad_n[i]);
		rs_wbuf_f32(&w, 1.0f);
		rs_wbuf_f32(&w, 2.0f);
		rs_rbuf_init(&r, w.data, w.len);
		n = 77;
		CHECK(rs_rbuf_f32s(&r, SIZE_MAX, &n) == NULL);
		CHECK(r.failed && n == 0);
		CHECK(rs_rbuf_finish(&r, 0, "floats", NULL) == RS_ERR_CORRUPT);
		rs_wbuf_free(&w);
	}

	/* n disagrees with expect_n */
	rs_wbuf_init(&w);
	rs_wbuf_f32s(&w, sample_floats, 4);
	rs_rbuf_init(&r, w.data, w.len);
	CHECK(rs_rbuf_f32s(&r, 3, &n) == NULL && r.failed && n == 0);
	rs_rbuf_init(&r, w.data, w.len);
	v = rs_rbuf_f32s(&r, 4, NULL);
	CHECK(v != NULL && !r.failed);
	rs_free(v);
	rs_wbuf_free(&w);
}

static void
test_builder_limits(void)
{
	rs_state_builder sb;
	rs_state_view view;
	rs_rbuf		r;
	rs_error	err;
	uint8_t    *buf;
	size_t		len;

	rs_state_builder_init(&sb);
	CHECK(rs_state_section(&sb, 7) != NULL);
	CHECK(rs_state_section(&sb, 7) == NULL);
	for (uint32_t t = 100; t < 100 + RS_STATE_MAX_SECTIONS - 1; t++)
	{
		rs_wbuf    *w = rs_state_section(&sb, t);

		CHECK(w != NULL);
		if (w)
			rs_wbuf_u32(w, t);
	}
	CHECK(sb.n_sections == RS_STATE_MAX_SECTIONS);
	CHECK(rs_state_section(&sb, 1000) == NULL);
	CHECK(rs_state_finish(&sb, &buf, &len, &err) == RS_OK);
	CHECK(rs_state_open(&view, buf, len, &err) == RS_OK);
	CHECK(view.n_sections == RS_STATE_MAX_SECTIONS);
	CHECK(rs_state_get(&view, 150, &r, &err) == RS_OK && rs_rbuf_u32(&r) == 150);
	rs_free(buf);
	rs_state_builder_free(&sb);
}

static void
test_wbuf_growth(void)
{
	rs_wbuf		w;
	rs_rbuf		r;
	int			ok = 1;

	rs_set_allocator(test_alloc, free);
	alloc_reset(-1);
	rs_wbuf_init(&w);
	for (uint32_t i = 0; i < 100000; i++)
		rs_wbuf_u32(&w, i * 2654435761u);
	CHECK(!w.failed && w.len == 400000 && w.cap >= w.len);
	CHECK(alloc_calls <= 20);	/* doubling, not one allocation per append */
	rs_rbuf_init(&r, w.data, w.len);
	for (uint32_t i = 0; i < 100000; i++)
		ok &= rs_rbuf_u32(&r) == i * 2654435761u;
	CHECK(ok && rs_rbuf_finish(&r, 1, "x", NULL) == RS_OK);
	rs_wbuf_free(&w);
	rs_set_allocator(NULL, NULL);
}

/*
 * Fail each allocation in turn while building, serializing and reading a
 * state: every step reports RS_ERR_NOMEM or succeeds, and nothing leaks
 * (valgrind checks the latter).
 */
static void
test_allocation_failures(void)
{
	int			saw_nomem = 0,
				saw_ok = 0;

	rs_set_allocator(test_alloc, free);
	for (long k = 0; k < 40; k++)
	{
		rs_state_builder sb;
		rs_state_view view;
		rs_error	err;
		rs_wbuf    *w;
		uint8_t    *buf = NULL;
		size_t		len = 0;
		rs_status	st;

		alloc_reset(k);
		rs_state_builder_init(&sb);
		w = rs_state_section(&sb, RS_SEC_META);
		for (int i = 0; i < 40; i++)
			rs_wbuf_str(w, "a string of some length");
		w = rs_state_section(&sb, RS_SEC_GENERATOR);
		rs_wbuf_f32s(w, sample_floats, 4);
		st = rs_state_finish(&sb, &buf, &len, &err);
		rs_state_builder_free(&sb);
		if (st != RS_OK)
		{
			CHECK(st == RS_ERR_NOMEM && err.code == RS_ERR_NOMEM);
			CHECK(buf == NULL && len == 0);
			saw_nomem = 1;
			continue;
		}
		CHECK(rs_state_open(&view, buf, len, &err) == RS_OK);
		rs_free(buf);
		saw_ok = 1;
	}
	CHECK(saw_nomem && saw_ok);

	/* readers: an allocation failure is RS_ERR_NOMEM, not corruption */
	{
		rs_wbuf		w;
		rs_rbuf		r;
		rs_error	err;

		alloc_reset(-1);
		rs_wbuf_init(&w);
		rs_wbuf_str(&w, "abc");
		rs_wbuf_f32s(&w, sample_floats, 4);
		alloc_reset(0);
		rs_rbuf_init(&r, w.data, w.len);
		CHECK(rs_rbuf_str(&r, 10) == NULL && r.failed);
		CHECK(rs_rbuf_finish(&r, 0, "columns", &err) == RS_ERR_NOMEM);
		rs_rbuf_init(&r, w.data, w.len);
		alloc_reset(1);
		rs_free(rs_rbuf_str(&r, 10));
		CHECK(rs_rbuf_f32s(&r, 4, NULL) == NULL && r.failed);
		CHECK(rs_rbuf_finish(&r, 0, "generator", &err) == RS_ERR_NOMEM);
		alloc_reset(-1);
		rs_wbuf_free(&w);
	}
	rs_set_allocator(NULL, NULL);
}

int
main(void)
{
	RUN(test_crc32c);
	RUN(test_wbuf_layout);
	RUN(test_values_round_trip);
	RUN(test_state_round_trip);
	RUN(test_empty_state);
	RUN(test_every_truncation);
	RUN(test_every_bit_flip);
	RUN(test_hostile_structure);
	RUN(test_newer_version_unsealed);
	RUN(test_rbuf_past_end);
	RUN(test_rbuf_str_hostile);
	RUN(test_rbuf_f32s_hostile);
	RUN(test_builder_limits);
	RUN(test_wbuf_growth);
	RUN(test_allocation_failures);
	return unit_summary("test_format");
}

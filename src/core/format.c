/*
 * format.c
 *	  The model state container (see format.h): little-endian packing of
 *	  section contents, the section table, the CRC-32C trailer, and the
 *	  validation that rs_state_open() applies before any byte is trusted.
 *
 * Every integer is packed byte by byte, so the layout does not depend on the
 * host's endianness or struct padding.  Floats and doubles are stored as
 * their IEEE 754 bit patterns, so NaN payloads and infinities round-trip
 * exactly.  All length arithmetic is done so that it cannot wrap: a hostile
 * length is compared against what remains, never added to a position first.
 */
#include "format.h"

#include <string.h>

_Static_assert(sizeof(float) == 4, "float must be IEEE 754 binary32");
_Static_assert(sizeof(double) == 8, "double must be IEEE 754 binary64");

#define HEADER_SIZE		24		/* magic, version, count, total length */
#define ENTRY_SIZE		24		/* tag, flags, offset, length */
#define TRAILER_SIZE	4		/* CRC-32C */

/* Values of rs_rbuf.failed: why reading stopped. */
#define RBUF_CORRUPT	1
#define RBUF_NOMEM		2

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), one byte a step. */
static const uint32_t crc32c_table[256] = {
	0x00000000, 0xF26B8303, 0xE13B70F7, 0x1350F3F4, 0xC79A971F, 0x35F1141C, 0x26A1E7E8, 0xD4CA64EB,
	0x8AD958CF, 0x78B2DBCC, 0x6BE22838, 0x9989AB3B, 0x4D43CFD0, 0xBF284CD3, 0xAC78BF27, 0x5E133C24,
	0x105EC76F, 0xE235446C, 0xF165B798, 0x030E349B, 0xD7C45070, 0x25AFD373, 0x36FF2087, 0xC494A384,
	0x9A879FA0, 0x68EC1CA3, 0x7BBCEF57, 0x89D76C54, 0x5D1D08BF, 0xAF768BBC, 0xBC267848, 0x4E4DFB4B,
	0x20BD8EDE, 0xD2D60DDD, 0xC186FE29, 0x33ED7D2A, 0xE72719C1, 0x154C9AC2, 0x061C6936, 0xF477EA35,
	0xAA64D611, 0x580F5512, 0x4B5FA6E6, 0xB93425E5, 0x6DFE410E, 0x9F95C20D, 0x8CC531F9, 0x7EAEB2FA,
	0x30E349B1, 0xC288CAB2, 0xD1D83946, 0x23B3BA45, 0xF779DEAE, 0x05125DAD, 0x1642AE59, 0xE4292D5A,
	0xBA3A117E, 0x4851927D, 0x5B016189, 0xA96AE28A, 0x7DA08661, 0x8FCB0562, 0x9C9BF696, 0x6EF07595,
	0x417B1DBC, 0xB3109EBF, 0xA0406D4B, 0x522BEE48, 0x86E18AA3, 0x748A09A0, 0x67DAFA54, 0x95B17957,
	0xCBA24573, 0x39C9C670, 0x2A993584, 0xD8F2B687, 0x0C38D26C, 0xFE53516F, 0xED03A29B, 0x1F682198,
	0x5125DAD3, 0xA34E59D0, 0xB01EAA24, 0x42752927, 0x96BF4DCC, 0x64D4CECF, 0x77843D3B, 0x85EFBE38,
	0xDBFC821C, 0x2997011F, 0x3AC7F2EB, 0xC8AC71E8, 0x1C661503, 0xEE0D9600, 0xFD5D65F4, 0x0F36E6F7,
	0x61C69362, 0x93AD1061, 0x80FDE395, 0x72966096, 0xA65C047D, 0x5437877E, 0x4767748A, 0xB50CF789,
	0xEB1FCBAD, 0x197448AE, 0x0A24BB5A, 0xF84F3859, 0x2C855CB2, 0xDEEEDFB1, 0xCDBE2C45, 0x3FD5AF46,
	0x7198540D, 0x83F3D70E, 0x90A324FA, 0x62C8A7F9, 0xB602C312, 0x44694011, 0x5739B3E5, 0xA55230E6,
	0xFB410CC2, 0x092A8FC1, 0x1A7A7C35, 0xE811FF36, 0x3CDB9BDD, 0xCEB018DE, 0xDDE0EB2A, 0x2F8B6829,
	0x82F63B78, 0x709DB87B, 0x63CD4B8F, 0x91A6C88C, 0x456CAC67, 0xB7072F64, 0xA457DC90, 0x563C5F93,
	0x082F63B7, 0xFA44E0B4, 0xE9141340, 0x1B7F9043, 0xCFB5F4A8, 0x3DDE77AB, 0x2E8E845F, 0xDCE5075C,
	0x92A8FC17, 0x60C37F14, 0x73938CE0, 0x81F80FE3, 0x55326B08, 0xA759E80B, 0xB4091BFF, 0x466298FC,
	0x1871A4D8, 0xEA1A27DB, 0xF94AD42F, 0x0B21572C, 0xDFEB33C7, 0x2D80B0C4, 0x3ED04330, 0xCCBBC033,
	0xA24BB5A6, 0x502036A5, 0x4370C551, 0xB11B4652, 0x65D122B9, 0x97BAA1BA, 0x84EA524E, 0x7681D14D,
	0x2892ED69, 0xDAF96E6A, 0xC9A99D9E, 0x3BC21E9D, 0xEF087A76, 0x1D63F975, 0x0E330A81, 0xFC588982,
	0xB21572C9, 0x407EF1CA, 0x532E023E, 0xA145813D, 0x758FE5D6, 0x87E466D5, 0x94B49521, 0x66DF1622,
	0x38CC2A06, 0xCAA7A905, 0xD9F75AF1, 0x2B9CD9F2, 0xFF56BD19, 0x0D3D3E1A, 0x1E6DCDEE, 0xEC064EED,
	0xC38D26C4, 0x31E6A5C7, 0x22B65633, 0xD0DDD530, 0x0417B1DB, 0xF67C32D8, 0xE52CC12C, 0x1747422F,
	0x49547E0B, 0xBB3FFD08, 0xA86F0EFC, 0x5A048DFF, 0x8ECEE914, 0x7CA56A17, 0x6FF599E3, 0x9D9E1AE0,
	0xD3D3E1AB, 0x21B862A8, 0x32E8915C, 0xC083125F, 0x144976B4, 0xE622F5B7, 0xF5720643, 0x07198540,
	0x590AB964, 0xAB613A67, 0xB831C993, 0x4A5A4A90, 0x9E902E7B, 0x6CFBAD78, 0x7FAB5E8C, 0x8DC0DD8F,
	0xE330A81A, 0x115B2B19, 0x020BD8ED, 0xF0605BEE, 0x24AA3F05, 0xD6C1BC06, 0xC5914FF2, 0x37FACCF1,
	0x69E9F0D5, 0x9B8273D6, 0x88D28022, 0x7AB90321, 0xAE7367CA, 0x5C18E4C9, 0x4F48173D, 0xBD23943E,
	0xF36E6F75, 0x0105EC76, 0x12551F82, 0xE03E9C81, 0x34F4F86A, 0xC69F7B69, 0xD5CF889D, 0x27A40B9E,
	0x79B737BA, 0x8BDCB4B9, 0x988C474D, 0x6AE7C44E, 0xBE2DA0A5, 0x4C4623A6, 0x5F16D052, 0xAD7D5351,
};

uint32_t
rs_crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (len-- > 0)
		crc = crc32c_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

/* ---- little-endian packing ---- */

static void
put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static uint32_t
get_u32(const uint8_t *p)
{
	uint32_t	v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t) p[i] << (8 * i);
	return v;
}

static uint64_t
get_u64(const uint8_t *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t) p[i] << (8 * i);
	return v;
}

static uint32_t
f32_bits(float f)
{
	uint32_t	u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static float
bits_f32(uint32_t u)
{
	float		f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* ---- write buffer ---- */

void
rs_wbuf_init(rs_wbuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = 0;
}

void
rs_wbuf_free(rs_wbuf *b)
{
	rs_free(b->data);
	rs_wbuf_init(b);
}

/*
 * Make room for n more bytes and return where they go (len already
 * advanced), or NULL with b->failed set.  NULL also for n == 0, where there
 * is nothing to write.  Capacity doubles, so appending is amortized linear.
 */
static uint8_t *
wbuf_extend(rs_wbuf *b, size_t n)
{
	size_t		need;
	uint8_t    *p;

	if (b->failed || n == 0)
		return NULL;
	if (n > SIZE_MAX - b->len)
	{
		b->failed = 1;
		return NULL;
	}
	need = b->len + n;
	if (need > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 64;
		uint8_t    *nd;

		while (cap < need)
			cap = (cap > SIZE_MAX / 2) ? need : cap * 2;
		nd = rs_alloc(cap);
		if (!nd)
		{
			b->failed = 1;
			return NULL;
		}
		if (b->len > 0)
			memcpy(nd, b->data, b->len);
		rs_free(b->data);
		b->data = nd;
		b->cap = cap;
	}
	p = b->data + b->len;
	b->len = need;
	return p;
}

void
rs_wbuf_bytes(rs_wbuf *b, const void *p, size_t n)
{
	uint8_t    *dst = wbuf_extend(b, n);

	if (dst)
		memcpy(dst, p, n);
}

void
rs_wbuf_u32(rs_wbuf *b, uint32_t v)
{
	uint8_t    *dst = wbuf_extend(b, 4);

	if (dst)
		put_u32(dst, v);
}

void
rs_wbuf_u64(rs_wbuf *b, uint64_t v)
{
	uint8_t    *dst = wbuf_extend(b, 8);

	if (dst)
		put_u64(dst, v);
}

void
rs_wbuf_i32(rs_wbuf *b, int32_t v)
{
	rs_wbuf_u32(b, (uint32_t) v);
}

void
rs_wbuf_f32(rs_wbuf *b, float v)
{
	rs_wbuf_u32(b, f32_bits(v));
}

void
rs_wbuf_f64(rs_wbuf *b, double v)
{
	uint64_t	u;

	memcpy(&u, &v, sizeof(u));
	rs_wbuf_u64(b, u);
}

/* A NULL string or one longer than a u32 can describe marks b failed. */
void
rs_wbuf_str(rs_wbuf *b, const char *s)
{
	size_t		n;

	if (!s || (n = strlen(s)) > UINT32_MAX)
	{
		b->failed = 1;
		return;
	}
	rs_wbuf_u32(b, (uint32_t) n);
	rs_wbuf_bytes(b, s, n);
}

void
rs_wbuf_f32s(rs_wbuf *b, const float *v, size_t n)
{
	uint8_t    *dst;

	rs_wbuf_u64(b, (uint64_t) n);
	if (n > SIZE_MAX / 4)
	{
		b->failed = 1;
		return;
	}
	dst = wbuf_extend(b, n * 4);
	if (!dst)
		return;
	for (size_t i = 0; i < n; i++)
		put_u32(dst + 4 * i, f32_bits(v[i]));
}

/* ---- read cursor ---- */

void
rs_rbuf_init(rs_rbuf *b, const void *data, size_t len)
{
	/* never NULL, so that taking zero bytes is well defined */
	b->data = data ? (const uint8_t *) data : (const uint8_t *) "";
	b->len = data ? len : 0;
	b->pos = 0;
	b->failed = 0;
}

/* Consume n bytes and return them, or NULL with b->failed set. */
static const uint8_t *
rbuf_take(rs_rbuf *b, size_t n)
{
	const uint8_t *p;

	if (b->failed)
		return NULL;
	if (n > b->len - b->pos)
	{
		b->failed = RBUF_CORRUPT;
		return NULL;
	}
	p = b->data + b->pos;
	b->pos += n;
	return p;
}

int
rs_rbuf_bytes(rs_rbuf *b, void *out, size_t n)
{
	const uint8_t *p = rbuf_take(b, n);

	if (!p)
	{
		if (out && n > 0)
			memset(out, 0, n);
		return 0;
	}
	if (n > 0)
		memcpy(out, p, n);
	return 1;
}

uint32_t
rs_rbuf_u32(rs_rbuf *b)
{
	const uint8_t *p = rbuf_take(b, 4);

	return p ? get_u32(p) : 0;
}

uint64_t
rs_rbuf_u64(rs_rbuf *b)
{
	const uint8_t *p = rbuf_take(b, 8);

	return p ? get_u64(p) : 0;
}

int32_t
rs_rbuf_i32(rs_rbuf *b)
{
	uint32_t	u = rs_rbuf_u32(b);
	int32_t		v;

	memcpy(&v, &u, sizeof(v));	/* two's complement, no overflow */
	return v;
}

float
rs_rbuf_f32(rs_rbuf *b)
{
	return bits_f32(rs_rbuf_u32(b));
}

double
rs_rbuf_f64(rs_rbuf *b)
{
	uint64_t	u = rs_rbuf_u64(b);
	double		d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

char *
rs_rbuf_str(rs_rbuf *b, size_t max_len)
{
	uint32_t	n = rs_rbuf_u32(b);
	const uint8_t *p;
	char	   *s;

	if (b->failed)
		return NULL;
	if (n > max_len)
	{
		b->failed = RBUF_CORRUPT;
		return NULL;
	}
	/* n fits in the buffer, so n + 1 cannot wrap */
	if (!(p = rbuf_take(b, n)))
		return NULL;
	if (memchr(p, 0, n))
	{
		b->failed = RBUF_CORRUPT;
		return NULL;
	}
	if (!(s = rs_alloc((size_t) n + 1)))
	{
		b->failed = RBUF_NOMEM;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

float *
rs_rbuf_f32s(rs_rbuf *b, size_t expect_n, size_t *n_out)
{
	uint64_t	n = rs_rbuf_u64(b);
	const uint8_t *p;
	float	   *v;

	if (n_out)
		*n_out = 0;
	if (b->failed)
		return NULL;
	/* compare before multiplying: a hostile n must not wrap n * 4 */
	if ((expect_n != SIZE_MAX && n != expect_n) || n > (b->len - b->pos) / 4)
	{
		b->failed = RBUF_CORRUPT;
		return NULL;
	}
	p = rbuf_take(b, (size_t) n * 4);
	if (!p)
		return NULL;
	if (!(v = rs_alloc_array(n ? (size_t) n : 1, sizeof(float))))
	{
		b->failed = RBUF_NOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = bits_f32(get_u32(p + 4 * i));
	if (n_out)
		*n_out = (size_t) n;
	return v;
}

rs_status
rs_rbuf_finish(const rs_rbuf *b, int must_end, const char *what, rs_error *err)
{
	if (!what)
		what = "model state section";
	if (b->failed == RBUF_NOMEM)
		return rs_fail(err, RS_ERR_NOMEM, "out of memory while reading %s", what);
	if (b->failed)
		return rs_fail(err, RS_ERR_CORRUPT, "%s is truncated or corrupt", what);
	if (must_end && b->pos != b->len)
		return rs_fail(err, RS_ERR_CORRUPT, "%s has %zu unexpected trailing bytes",
					   what, b->len - b->pos);
	return RS_OK;
}

/* ---- building a state ---- */

void
rs_state_builder_init(rs_state_builder *sb)
{
	sb->n_sections = 0;
	for (int i = 0; i < RS_STATE_MAX_SECTIONS; i++)
	{
		sb->tags[i] = 0;
		rs_wbuf_init(&sb->bodies[i]);
	}
}

void
rs_state_builder_free(rs_state_builder *sb)
{
	for (int i = 0; i < RS_STATE_MAX_SECTIONS; i++)
		rs_wbuf_free(&sb->bodies[i]);
	rs_state_builder_init(sb);
}

rs_wbuf *
rs_state_section(rs_state_builder *sb, uint32_t tag)
{
	if (sb->n_sections < 0 || sb->n_sections >= RS_STATE_MAX_SECTIONS)
		return NULL;
	for (int i = 0; i < sb->n_sections; i++)
		if (sb->tags[i] == tag)
			return NULL;
	sb->tags[sb->n_sections] = tag;
	return &sb->bodies[sb->n_sections++];
}

rs_status
rs_state_finish(rs_state_builder *sb, uint8_t **out, size_t *out_len, rs_error *err)
{
	int			n = sb->n_sections;
	size_t		total;
	size_t		pos;
	uint8_t    *buf;

	*out = NULL;
	*out_len = 0;
	if (n < 0 || n > RS_STATE_MAX_SECTIONS)
		return rs_fail(err, RS_ERR_INTERNAL, "invalid section count %d", n);
	total = HEADER_SIZE + (size_t) n * ENTRY_SIZE + TRAILER_SIZE;
	for (int i = 0; i < n; i++)
	{
		if (sb->bodies[i].failed)
			return rs_fail(err, RS_ERR_NOMEM, "out of memory while building model state");
		if (sb->bodies[i].len > SIZE_MAX - total)
			return rs_fail(err, RS_ERR_NOMEM, "model state is too large");
		total += sb->bodies[i].len;
	}
	if (!(buf = rs_alloc(total)))
		return rs_fail(err, RS_ERR_NOMEM, "out of memory while building model state");

	memcpy(buf, RS_STATE_MAGIC, 8);
	put_u32(buf + 8, RS_STATE_VERSION);
	put_u32(buf + 12, (uint32_t) n);
	put_u64(buf + 16, (uint64_t) total);
	pos = HEADER_SIZE + (size_t) n * ENTRY_SIZE;
	for (int i = 0; i < n; i++)
	{
		uint8_t    *e = buf + HEADER_SIZE + (size_t) i * ENTRY_SIZE;
		const rs_wbuf *body = &sb->bodies[i];

		put_u32(e, sb->tags[i]);
		put_u32(e + 4, 0);
		put_u64(e + 8, (uint64_t) pos);
		put_u64(e + 16, (uint64_t) body->len);
		if (body->len > 0)
			memcpy(buf + pos, body->data, body->len);
		pos += body->len;
	}
	put_u32(buf + pos, rs_crc32c(0, buf, pos));
	*out = buf;
	*out_len = total;
	return RS_OK;
}

/* ---- opening a state ---- */

static const char *
tag_name(uint32_t tag)
{
	switch (tag)
	{
		case RS_SEC_META:
			return "meta";
		case RS_SEC_COLUMNS:
			return "columns";
		case RS_SEC_ENCODER:
			return "encoder";
		case RS_SEC_GENERATOR:
			return "generator";
		case RS_SEC_CRITIC:
			return "critic";
	}
	return NULL;
}

/*
 * The checks run in order of what can be trusted: the fixed header first
 * (so a newer version is reported as such, whatever its layout), then the
 * total length against the real length, then the checksum, then the section
 * table.  Sections must tile the payload exactly: the first starts right
 * after the table, each next one where the previous ended, the last ends at
 * the trailer.  So no byte is unaccounted for and none is read twice.
 */
rs_status
rs_state_open(rs_state_view *view, const void *buf, size_t len, rs_error *err)
{
	const uint8_t *p = buf;
	uint32_t	version,
				count,
				stored,
				crc;
	uint64_t	total,
				pos,
				table_end,
				payload_end;

	memset(view, 0, sizeof(*view));
	if (!p)
		len = 0;
	if (len < HEADER_SIZE + TRAILER_SIZE)
		return rs_fail(err, RS_ERR_CORRUPT,
					   "state is truncated: %zu bytes, the smallest valid state has %d",
					   len, HEADER_SIZE + TRAILER_SIZE);
	if (memcmp(p, RS_STATE_MAGIC, 8) != 0)
		return rs_fail(err, RS_ERR_CORRUPT, "not a raresynth model state: bad magic");

	version = get_u32(p + 8);
	if (version > RS_STATE_VERSION)
		return rs_fail(err, RS_ERR_VERSION,
					   "state format version %u is newer than the supported version %d",
					   version, RS_STATE_VERSION);
	if (version == 0)
		return rs_fail(err, RS_ERR_CORRUPT, "invalid state format version 0");

	total = get_u64(p + 16);
	if (total > len)
		return rs_fail(err, RS_ERR_CORRUPT, "state is truncated: %zu bytes, header says %llu",
					   len, (unsigned long long) total);
	if (total < len)
		return rs_fail(err, RS_ERR_CORRUPT, "state has trailing bytes: %zu bytes, header says %llu",
					   len, (unsigned long long) total);

	count = get_u32(p + 12);
	if (count > RS_STATE_MAX_SECTIONS)
		return rs_fail(err, RS_ERR_CORRUPT, "state has %u sections, the maximum is %d",
					   count, RS_STATE_MAX_SECTIONS);
	table_end = HEADER_SIZE + (uint64_t) count * ENTRY_SIZE;
	payload_end = len - TRAILER_SIZE;
	if (table_end > payload_end)
		return rs_fail(err, RS_ERR_CORRUPT,
					   "state is truncated: %zu bytes, its table of %u sections needs %llu",
					   len, count, (unsigned long long) (table_end + TRAILER_SIZE));

	stored = get_u32(p + payload_end);
	crc = rs_crc32c(0, p, (size_t) payload_end);
	if (stored != crc)
		return rs_fail(err, RS_ERR_CORRUPT,
					   "state checksum mismatch: stored %08x, computed %08x", stored, crc);

	pos = table_end;
	for (uint32_t i = 0; i < count; i++)
	{
		const uint8_t *e = p + HEADER_SIZE + (size_t) i * ENTRY_SIZE;
		uint32_t	tag = get_u32(e);
		uint32_t	flags = get_u32(e + 4);
		uint64_t	off = get_u64(e + 8);
		uint64_t	slen = get_u64(e + 16);

		if (flags != 0)
			return rs_fail(err, RS_ERR_CORRUPT, "state section %u has unknown flags %#x",
						   i, flags);
		for (uint32_t j = 0; j < i; j++)
			if (view->tags[j] == tag)
				return rs_fail(err, RS_ERR_CORRUPT, "state section tag %u appears twice", tag);
		if (off < table_end)
			return rs_fail(err, RS_ERR_CORRUPT,
						   "state section %u offset %llu points into the header", i,
						   (unsigned long long) off);
		if (off < pos)
			return rs_fail(err, RS_ERR_CORRUPT,
						   "state section %u at offset %llu overlaps the previous section", i,
						   (unsigned long long) off);
		if (off > pos)
			return rs_fail(err, RS_ERR_CORRUPT,
						   "state section %u at offset %llu leaves a gap after offset %llu", i,
						   (unsigned long long) off, (unsigned long long) pos);
		if (slen > payload_end - off)
			return rs_fail(err, RS_ERR_CORRUPT,
						   "state section %u length %llu runs past the end of the state", i,
						   (unsigned long long) slen);
		view->tags[i] = tag;
		view->offsets[i] = (size_t) off;
		view->lengths[i] = (size_t) slen;
		pos = off + slen;
	}
	if (pos != payload_end)
		return rs_fail(err, RS_ERR_CORRUPT,
					   "state has %llu bytes after its last section",
					   (unsigned long long) (payload_end - pos));

	view->data = p;
	view->len = len;
	view->version = version;
	view->n_sections = (int) count;
	return RS_OK;
}

rs_status
rs_state_get(const rs_state_view *view, uint32_t tag, rs_rbuf *sec, rs_error *err)
{
	const char *name;

	for (int i = 0; i < view->n_sections; i++)
	{
		if (view->tags[i] == tag)
		{
			rs_rbuf_init(sec, view->data + view->offsets[i], view->lengths[i]);
			return RS_OK;
		}
	}
	rs_rbuf_init(sec, NULL, 0);
	if ((name = tag_name(tag)) != NULL)
		return rs_fail(err, RS_ERR_CORRUPT, "model state has no \"%s\" section", name);
	return rs_fail(err, RS_ERR_CORRUPT, "model state has no section with tag %u", tag);
}

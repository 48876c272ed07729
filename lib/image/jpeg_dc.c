#include "image/jpeg_dc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define LOOK 11          /* code bits resolved by one table lookup */
/* Zero bytes after the entropy data. A block is checked against its data's end after it
 * is decoded, so it may read past: a DC code with its bits (27), then at most 63 AC codes
 * of 16 bits with 15 extra bits each (hostile tables), about 250 bytes, plus the reader's
 * 8-byte loads. */
#define PAD 512
#define MAX_COMPS 3
#define MAX_BLOCKS_IN_MCU 10
#define EOB_ADVANCE 128  /* moves k past any run, so the AC loop ends */
#define DECLINE CA_EUNSUPPORTED

/* One Huffman table: a LOOK-bit lookup for short codes, canonical limits for long ones. */
struct huff {
	bool defined;
	uint16_t fast[1 << LOOK];   /* code length << 8 | symbol; 0: a longer code */
	uint32_t skip[1 << LOOK];   /* AC steps, see skip_entry() */
	int32_t maxcode[17];        /* the largest code of each length, -1 when none */
	int32_t valoff[17];         /* index into vals minus code, per length */
	unsigned nvals;
	uint8_t vals[256];
};

struct comp {
	unsigned id, h, v, tq, td, ta;
	int pred;                   /* the DC predictor */
	unsigned pw, ph;            /* the plane of block averages, in blocks */
	uint8_t *plane;
};

struct dc_decoder {
	const unsigned char *data;
	size_t len, scan_at;        /* scan_at: the first entropy-coded byte */
	uint64_t max_pixels;
	unsigned width, height, ncomp, hmax, vmax, restart, mcux, mcuy;
	bool have_frame;
	bool qdef[4];
	unsigned q0[4];             /* each quantisation table's DC step */
	struct huff dc[4], ac[4];
	struct comp comp[MAX_COMPS];
	unsigned order[MAX_COMPS];  /* scan order -> frame component */
	uint8_t *bits;              /* the scan's entropy data, unstuffed, PAD zeros after */
	size_t *seg_end;            /* where each restart interval's data ends in bits */
	size_t nseg;
};

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static inline uint64_t be64(const uint8_t *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
	       (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	       (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

/*
 * The bit reader: acc holds the next cnt bits left-aligned. refill() tops it up to
 * 56..63 bits with one unaligned load (the entropy data is padded, so the load is
 * always in bounds), enough for two codes with their extra bits.
 */
struct bitreader {
	const uint8_t *p;           /* the next byte not yet in acc */
	uint64_t acc;
	unsigned cnt;
};

static inline void refill(struct bitreader *br)
{
	br->acc |= be64(br->p) >> br->cnt;
	br->p += (63 - br->cnt) >> 3;
	br->cnt |= 56;
}

static inline void consume(struct bitreader *br, unsigned n)
{
	br->acc <<= n;
	br->cnt -= n;
}

/* How many bits of b the reader has used. */
static uint64_t bits_used(const struct bitreader *br, const uint8_t *b)
{
	return (uint64_t)(br->p - b) * 8 - br->cnt;
}

/* How far an AC symbol moves the coefficient index k: a run and one coefficient, 16 zeros
 * (ZRL), or to the end of the block (EOB, and the other zero-size symbols libjpeg ends on). */
static unsigned ac_advance(unsigned sym)
{
	return sym & 15 ? (sym >> 4) + 1 : sym >> 4 == 15 ? 16 : EOB_ADVANCE;
}

/*
 * The AC step for the LOOK bits in idx, packed as
 *   bits  0..7   the first symbol's advance of k
 *   bits  8..15  the first symbol's length with its extra bits (0: code longer than LOOK)
 *   bits 16..23  the advance of every whole symbol in idx before an EOB (255: none)
 *   bits 24..30  the length of those symbols, the EOB included
 *   bit  31      the group ends with an EOB
 * so that one lookup steps over several short symbols at once.
 */
static uint32_t skip_entry(const struct huff *t, unsigned idx)
{
	unsigned e = t->fast[idx], used = 0, adv = 0, eob = 0, first;

	if (!e)
		return (uint32_t)255 << 16;  /* a longer code: no group, no first symbol */
	first = ((e >> 8) + (e & 15)) << 8 | ac_advance(e & 0xFF);
	while (used < LOOK) {
		unsigned f = t->fast[(idx << used) & ((1u << LOOK) - 1)];
		unsigned l = f >> 8, sym = f & 0xFF;

		if (!f || l + (sym & 15) > LOOK - used)
			break;
		used += l + (sym & 15);
		if (ac_advance(sym) == EOB_ADVANCE) {
			eob = 1;
			break;
		}
		adv += ac_advance(sym);
	}
	if (!used)
		adv = 255;
	return (uint32_t)eob << 31 | (uint32_t)used << 24 | (uint32_t)adv << 16 | first;
}

/* Builds t from a DHT entry as libjpeg does, refusing what libjpeg refuses (a code
 * space overrun, an all-ones code, DC categories over 15). */
static bool huff_build(struct huff *t, const unsigned char counts[16], const unsigned char *vals,
		       unsigned nvals, bool is_dc)
{
	int32_t code = 0;
	unsigned k = 0, l, i, j;

	memset(t, 0, sizeof(*t));
	for (l = 1; l <= 16; l++) {
		t->valoff[l] = (int32_t)k - code;
		for (i = 0; i < counts[l - 1]; i++, k++, code++) {
			unsigned sym = vals[k];

			if (code >= ((int32_t)1 << l) - 1 || (is_dc && sym > 15))
				return false;
			if (l > LOOK)
				continue;
			for (j = 0; j < 1u << (LOOK - l); j++)
				t->fast[((unsigned)code << (LOOK - l)) + j] = (uint16_t)(l << 8 | sym);
		}
		t->maxcode[l] = counts[l - 1] ? code - 1 : -1;
		code <<= 1;
	}
	memcpy(t->vals, vals, nvals);
	t->nvals = nvals;
	if (!is_dc)
		for (j = 0; j < 1u << LOOK; j++)
			t->skip[j] = skip_entry(t, j);
	t->defined = true;
	return true;
}

/* A code longer than LOOK bits at the top of acc: its length and symbol, or false. */
static bool huff_slow(const struct huff *t, uint64_t acc, unsigned *len, unsigned *sym)
{
	unsigned n;

	for (n = LOOK + 1; n <= 16; n++) {
		int32_t code = (int32_t)(acc >> (64 - n));

		if (code <= t->maxcode[n]) {
			int32_t at = t->valoff[n] + code;

			if (at < 0 || at >= (int32_t)t->nvals)
				return false;
			*len = n;
			*sym = t->vals[at];
			return true;
		}
	}
	return false;
}

static int read_frame(struct dc_decoder *d, const unsigned char *p, size_t n)
{
	unsigned i, j;

	if (d->have_frame || n < 6 || p[0] != 8)
		return DECLINE;
	d->height = be16(p + 1);
	d->width = be16(p + 3);
	d->ncomp = p[5];
	if (!d->height || !d->width || (d->ncomp != 1 && d->ncomp != 3) || n != 6 + 3 * d->ncomp ||
	    (uint64_t)d->width * d->height > d->max_pixels)
		return DECLINE;
	for (i = 0; i < d->ncomp; i++) {
		struct comp *c = &d->comp[i];

		c->id = p[6 + 3 * i];
		c->h = p[7 + 3 * i] >> 4;
		c->v = p[7 + 3 * i] & 15;
		c->tq = p[8 + 3 * i];
		if (c->h < 1 || c->h > 4 || c->v < 1 || c->v > 4 || c->tq > 3)
			return DECLINE;
		for (j = 0; j < i; j++)
			if (d->comp[j].id == c->id)
				return DECLINE;
		d->hmax = c->h > d->hmax ? c->h : d->hmax;
		d->vmax = c->v > d->vmax ? c->v : d->vmax;
	}
	/* libjpeg takes R, G, B component ids without a JFIF marker as RGB: leave those to it */
	if (d->ncomp == 3 && d->comp[0].id == 'R' && d->comp[1].id == 'G' && d->comp[2].id == 'B')
		return DECLINE;
	if (d->ncomp == 1)  /* one component: a block per MCU whatever the factors say */
		d->comp[0].h = d->comp[0].v = d->hmax = d->vmax = 1;
	d->have_frame = true;
	return CA_OK;
}

static int read_dht(struct dc_decoder *d, const unsigned char *p, size_t n)
{
	while (n) {
		unsigned tc, th, total = 0, i;

		if (n < 17)
			return DECLINE;
		tc = p[0] >> 4;
		th = p[0] & 15;
		for (i = 1; i <= 16; i++)
			total += p[i];
		if (tc > 1 || th > 3 || total > 256 || n < 17 + (size_t)total)
			return DECLINE;
		if (!huff_build(tc ? &d->ac[th] : &d->dc[th], p + 1, p + 17, total, tc == 0))
			return DECLINE;
		p += 17 + total;
		n -= 17 + total;
	}
	return CA_OK;
}

static int read_dqt(struct dc_decoder *d, const unsigned char *p, size_t n)
{
	while (n) {
		unsigned pq = p[0] >> 4, tq = p[0] & 15;
		size_t size = 1 + 64 * (size_t)(pq + 1);

		if (pq > 1 || tq > 3 || n < size)
			return DECLINE;
		d->q0[tq] = pq ? be16(p + 1) : p[1];
		if (!d->q0[tq])
			return DECLINE;
		d->qdef[tq] = true;
		p += size;
		n -= size;
	}
	return CA_OK;
}

/* The scan header: one scan holding every component, sequential, tables all defined. */
static int read_sos(struct dc_decoder *d, const unsigned char *p, size_t n)
{
	unsigned ns, i, j;
	bool used[MAX_COMPS] = { false };

	if (!d->have_frame || n < 1)
		return DECLINE;
	ns = p[0];
	if (ns != d->ncomp || n != 4 + 2 * (size_t)ns)
		return DECLINE;
	for (i = 0; i < ns; i++) {
		unsigned cs = p[1 + 2 * i], td = p[2 + 2 * i] >> 4, ta = p[2 + 2 * i] & 15;

		for (j = 0; j < d->ncomp && d->comp[j].id != cs; j++)
			;
		if (j == d->ncomp || used[j] || td > 3 || ta > 3 || !d->dc[td].defined ||
		    !d->ac[ta].defined || !d->qdef[d->comp[j].tq])
			return DECLINE;
		used[j] = true;
		d->comp[j].td = td;
		d->comp[j].ta = ta;
		d->order[i] = j;
	}
	if (p[1 + 2 * ns] != 0 || p[2 + 2 * ns] != 63 || p[3 + 2 * ns] != 0)
		return DECLINE;
	return CA_OK;
}

/* Walks the markers from SOI to the scan header; d->scan_at is where the data starts. */
static int read_headers(struct dc_decoder *d)
{
	const unsigned char *data = d->data;
	size_t at = 2;

	if (d->len < 4 || data[0] != 0xFF || data[1] != 0xD8)
		return DECLINE;
	for (;;) {
		unsigned m;
		size_t seg;
		int rc = CA_OK;

		if (at >= d->len || data[at] != 0xFF)
			return DECLINE;
		while (at < d->len && data[at] == 0xFF)
			at++;
		if (at + 3 > d->len)
			return DECLINE;
		m = data[at++];
		seg = be16(data + at);
		if (seg < 2 || seg > d->len - at)
			return DECLINE;
		if (m == 0xC0 || m == 0xC1)
			rc = read_frame(d, data + at + 2, seg - 2);
		else if (m == 0xC4)
			rc = read_dht(d, data + at + 2, seg - 2);
		else if (m == 0xDB)
			rc = read_dqt(d, data + at + 2, seg - 2);
		else if (m == 0xDD)
			rc = seg == 4 ? (d->restart = be16(data + at + 2), CA_OK) : DECLINE;
		else if (m == 0xDA) {
			rc = read_sos(d, data + at + 2, seg - 2);
			d->scan_at = at + seg;
			return rc;
		} else if (m == 0xEE && seg >= 7 && !memcmp(data + at + 2, "Adobe", 5))
			rc = DECLINE;  /* its colour transform is libjpeg's to interpret */
		else if (!((m >= 0xE0 && m <= 0xEF) || m == 0xFE))
			rc = DECLINE;  /* other coding processes and markers */
		if (rc)
			return rc;
		at += seg;
	}
}

static size_t div_up(size_t a, size_t b)
{
	return (a + b - 1) / b;
}

/* Copies the scan's entropy data into d->bits without byte stuffing, splitting it at
 * restart markers, which must come in order and in the number the frame needs; the scan
 * must end with EOI. */
static int gather_scan(struct dc_decoder *d, struct ca_err *err)
{
	const unsigned char *src = d->data + d->scan_at, *end = d->data + d->len;
	size_t total = (size_t)d->mcux * d->mcuy, out = 0, seg = 0;

	d->nseg = d->restart ? div_up(total, d->restart) : 1;
	d->bits = malloc((size_t)(end - src) + PAD);
	d->seg_end = malloc(d->nseg * sizeof(*d->seg_end));
	if (!d->bits || !d->seg_end)
		return ca_err_set(err, CA_ENOMEM, "Out of memory decoding a JPEG.");
	for (;;) {
		const unsigned char *ff = memchr(src, 0xFF, (size_t)(end - src));
		unsigned m;

		if (!ff)
			return DECLINE;  /* no EOI: truncated */
		memcpy(d->bits + out, src, (size_t)(ff - src));
		out += (size_t)(ff - src);
		for (src = ff + 1; src < end && *src == 0xFF; src++)
			;
		if (src == end)
			return DECLINE;
		m = *src++;
		if (m == 0x00) {
			d->bits[out++] = 0xFF;
			continue;
		}
		if (m >= 0xD0 && m <= 0xD7) {
			if (!d->restart || m != 0xD0 + (seg & 7) || seg + 1 >= d->nseg)
				return DECLINE;
			d->seg_end[seg++] = out;
			continue;
		}
		if (m != 0xD9 || seg + 1 != d->nseg)
			return DECLINE;
		d->seg_end[seg] = out;
		memset(d->bits + out, 0, PAD);
		return CA_OK;
	}
}

/* Decodes one block's DC into *pixel and steps over its AC coefficients. */
static inline int decode_block(struct bitreader *br, const struct huff *dct,
			       const struct huff *act, unsigned q0, int *pred, uint8_t *pixel)
{
	struct bitreader r = *br;
	unsigned e, len, s, k;
	int64_t v;

	refill(&r);
	e = dct->fast[r.acc >> (64 - LOOK)];
	if (e) {
		len = e >> 8;
		s = e & 0xFF;
	} else if (!huff_slow(dct, r.acc, &len, &s)) {
		return DECLINE;
	}
	if (s > 11)
		return DECLINE;
	consume(&r, len);
	if (s) {
		int32_t diff = (int32_t)(r.acc >> (64 - s));

		if (diff < (int32_t)1 << (s - 1))
			diff -= ((int32_t)1 << s) - 1;
		consume(&r, s);
		*pred += diff;
		if (*pred > 2047 || *pred < -2048)
			return DECLINE;
	}
	for (k = 1; k < 64;) {
		refill(&r);
		e = act->skip[r.acc >> (64 - LOOK)];
		if (k + ((e >> 16) & 0xFF) < 64) {  /* a group of whole symbols, within the block */
			consume(&r, (e >> 24) & 0x7F);
			k += (e >> 16) & 0xFF;
			if (e >> 31)
				break;
			continue;
		}
		if (!(e & 0xFF00)) {
			unsigned sym;

			if (!huff_slow(act, r.acc, &len, &sym))
				return DECLINE;
			e = (len + (sym & 15)) << 8 | ac_advance(sym);
		}
		consume(&r, (e >> 8) & 0xFF);
		k += e & 0xFF;
	}
	if (k > 64 && k < EOB_ADVANCE)
		return DECLINE;  /* a run past the block's end: libjpeg tolerates it, we do not */
	*br = r;
	/* libjpeg's 1x1 IDCT: dequantise, descale by 8 with rounding, re-centre, clamp */
	v = (int64_t)*pred * q0 + 4;
	v = (v >= 0 ? v / 8 : -((-v + 7) / 8)) + 128;
	*pixel = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	return CA_OK;
}

static int alloc_planes(struct dc_decoder *d, struct ca_err *err)
{
	unsigned i;

	d->mcux = (unsigned)div_up(d->width, 8 * (size_t)d->hmax);
	d->mcuy = (unsigned)div_up(d->height, 8 * (size_t)d->vmax);
	for (i = 0; i < d->ncomp; i++) {
		struct comp *c = &d->comp[i];

		if (d->hmax % c->h || d->vmax % c->v)
			return DECLINE;  /* fractional upsampling */
		c->pw = d->mcux * c->h;
		c->ph = d->mcuy * c->v;
		c->plane = malloc((size_t)c->pw * c->ph);
		if (!c->plane)
			return ca_err_set(err, CA_ENOMEM, "Out of memory decoding a JPEG.");
	}
	return CA_OK;
}

static int decode_scan(struct dc_decoder *d)
{
	struct bitreader br = { d->bits, 0, 0 };
	uint64_t end = (uint64_t)d->seg_end[0] * 8;
	unsigned mx, my, i, bx, by, left = d->restart;
	size_t seg = 0;
	int rc;

	for (my = 0; my < d->mcuy; my++) {
		for (mx = 0; mx < d->mcux; mx++) {
			if (d->restart && !left) {
				br.p = d->bits + d->seg_end[seg];
				br.acc = 0;
				br.cnt = 0;
				end = (uint64_t)d->seg_end[++seg] * 8;
				left = d->restart;
				for (i = 0; i < d->ncomp; i++)
					d->comp[i].pred = 0;
			}
			left--;
			for (i = 0; i < d->ncomp; i++) {
				struct comp *c = &d->comp[d->order[i]];

				for (by = 0; by < c->v; by++)
					for (bx = 0; bx < c->h; bx++) {
						size_t px = ((size_t)my * c->v + by) * c->pw + (size_t)mx * c->h + bx;

						rc = decode_block(&br, &d->dc[c->td], &d->ac[c->ta],
								  d->q0[c->tq], &c->pred, c->plane + px);
						if (rc)
							return rc;
						if (bits_used(&br, d->bits) > end)
							return DECLINE;  /* ran past its data */
					}
			}
		}
	}
	return seg + 1 == d->nseg ? CA_OK : DECLINE;
}

/* Floor of v / 65536, also for negative v. */
static int32_t shr16(int32_t v)
{
	return v >= 0 ? v >> 16 : -(int32_t)(((uint32_t)-v + 65535u) >> 16);
}

static uint8_t clamp255(int32_t v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The planes into RGB, chroma repeated over the luma it covers; JFIF's YCbCr
 * equations in libjpeg's 16-bit fixed point. */
static int to_rgb(struct dc_decoder *d, struct ca_rgb_image *out, struct ca_err *err)
{
	unsigned w = (unsigned)div_up(d->width, 8), h = (unsigned)div_up(d->height, 8);
	unsigned *col = NULL, x, y, i;
	int32_t cr_r[256], cb_b[256], cr_g[256], cb_g[256];

	out->px = malloc((size_t)w * h * 3);
	col = malloc((size_t)w * MAX_COMPS * sizeof(*col));
	if (!out->px || !col) {
		free(col);
		ca_rgb_image_release(out);
		return ca_err_set(err, CA_ENOMEM, "Out of memory decoding a JPEG.");
	}
	out->width = w;
	out->height = h;
	for (i = 0; i < d->ncomp; i++)
		for (x = 0; x < w; x++)
			col[i * w + x] = x / (d->hmax / d->comp[i].h);
	for (i = 0; i < 256; i++) {
		int32_t c = (int32_t)i - 128;

		cr_r[i] = shr16(91881 * c + 32768);     /* 1.40200 */
		cb_b[i] = shr16(116130 * c + 32768);    /* 1.77200 */
		cr_g[i] = -46802 * c;                   /* 0.71414 */
		cb_g[i] = -22554 * c + 32768;           /* 0.34414 */
	}
	for (y = 0; y < h; y++) {
		unsigned char *o = out->px + (size_t)y * w * 3;
		const uint8_t *yrow = d->comp[0].plane + (size_t)(y / (d->vmax / d->comp[0].v)) * d->comp[0].pw;

		if (d->ncomp == 1) {
			for (x = 0; x < w; x++, o += 3)
				o[0] = o[1] = o[2] = yrow[x];
			continue;
		}
		const uint8_t *cbrow = d->comp[1].plane + (size_t)(y / (d->vmax / d->comp[1].v)) * d->comp[1].pw;
		const uint8_t *crrow = d->comp[2].plane + (size_t)(y / (d->vmax / d->comp[2].v)) * d->comp[2].pw;

		for (x = 0; x < w; x++, o += 3) {
			int32_t lum = yrow[col[x]];
			unsigned cb = cbrow[col[w + x]], cr = crrow[col[2 * w + x]];

			o[0] = clamp255(lum + cr_r[cr]);
			o[1] = clamp255(lum + shr16(cb_g[cb] + cr_g[cr]));
			o[2] = clamp255(lum + cb_b[cb]);
		}
	}
	free(col);
	return CA_OK;
}

int ca_jpeg_decode_dc(const unsigned char *data, size_t len, uint64_t max_pixels,
		      struct ca_rgb_image *out, struct ca_err *err)
{
	struct dc_decoder *d = NULL;
	unsigned i;
	int rc;

	memset(out, 0, sizeof(*out));
	d = calloc(1, sizeof(*d));
	if (!d)
		return ca_err_set(err, CA_ENOMEM, "Out of memory decoding a JPEG.");
	d->data = data;
	d->len = len;
	d->max_pixels = max_pixels ? max_pixels : CA_IMG_DEFAULT_MAX_PIXELS;
	rc = read_headers(d);
	if (rc)
		goto out;
	rc = alloc_planes(d, err);
	if (rc)
		goto out;
	rc = gather_scan(d, err);
	if (rc)
		goto out;
	rc = decode_scan(d);
	if (rc)
		goto out;
	rc = to_rgb(d, out, err);
out:
	for (i = 0; i < MAX_COMPS; i++)
		free(d->comp[i].plane);
	free(d->bits);
	free(d->seg_end);
	free(d);
	return rc;
}

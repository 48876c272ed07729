#include "image/jpeg_dc.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define LOOK 12          /* code bits resolved by one table lookup */
/* a group's and a DC step's length fit their 4-bit fields, and four groups a refill */
_Static_assert(LOOK <= 14, "LOOK bits per lookup");
/* Zero bytes after the entropy data. An MCU is checked against its data's end after it
 * is decoded, so it may read past: per block a DC code with its bits (27), then at most
 * 63 AC codes of 16 bits with 15 extra bits each (hostile tables), about 250 bytes; ten
 * blocks to an MCU, plus the reader's 8-byte loads. */
#define PAD 4096
/* Unstuffed scan data held at once, PAD excluded; the tests also build it barely wider
 * than PAD, so that every way of moving the window on gets crossed. */
#ifndef JPEG_DC_WINDOW
#define JPEG_DC_WINDOW (64 * 1024)
#endif
#define WINDOW JPEG_DC_WINDOW
_Static_assert(WINDOW > PAD, "the window must hold more than an MCU can read");
#define MAX_COMPS 3
#define MAX_BLOCKS_IN_MCU 10
#define EOB_ADVANCE 128  /* moves k past any run, so the AC loop ends */
#define DECLINE CA_EUNSUPPORTED

/*
 * One Huffman table: a LOOK-bit lookup for short codes, canonical limits for long ones,
 * and a step table the scan loop reads instead (16-bit entries, so that a scan's tables
 * stay in the L1 cache together).
 */
struct huff {
	bool defined;
	uint16_t fast[1 << LOOK];   /* code length << 8 | symbol; 0: a longer code */
	uint16_t step[1 << LOOK];   /* DC: dc_step(); AC: ac_step() */
	int32_t maxcode[17];        /* the largest code of each length, -1 when none */
	int32_t valoff[17];         /* index into vals minus code, per length */
	unsigned nvals;
	uint8_t vals[256];
};

struct comp {
	unsigned id, h, v, tq, td, ta;
	unsigned pw, ph;            /* the planes' size, in blocks */
	int16_t *dcq;               /* each block's quantised DC */
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
	/* a window on the current restart interval's entropy data, unstuffed (scan_fill()) */
	uint8_t *bits;              /* WINDOW bytes, then PAD zeros after the data */
	size_t have;                /* bytes of data in bits */
	const unsigned char *src;   /* the next byte of the file not yet in bits */
	bool seg_done;              /* the interval's data is all in bits: seg_marker ended it */
	unsigned seg_marker;
	size_t seg, nseg;           /* the current restart interval, and how many */
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

/* How many bits from b on the reader has used: negative while it still holds bits from
 * before b (the window was moved on under it). */
static int64_t bits_used(const struct bitreader *br, const uint8_t *b)
{
	return (int64_t)(br->p - b) * 8 - br->cnt;
}

/* How far an AC symbol moves the coefficient index k: a run and one coefficient, 16 zeros
 * (ZRL), or to the end of the block (EOB, and the other zero-size symbols libjpeg ends on). */
static unsigned ac_advance(unsigned sym)
{
	return sym & 15 ? (sym >> 4) + 1 : sym >> 4 == 15 ? 16 : EOB_ADVANCE;
}

/*
 * The AC step for the LOOK bits in idx: every whole symbol in them up to and including
 * the first EOB, so that one lookup steps over several short codes. Packed as
 *   bits 0..7   the gate: how far the group moves k when it has no EOB (0..63), 64 + the
 *               advance of the symbols before its EOB when it has one, 255 when it holds
 *               no whole symbol or moves k too far to say
 *   bits 8..11  the length of the group, its extra bits and the EOB included
 * The scan loop takes a gate below 64 - k at once and looks closer at anything else.
 */
static uint16_t ac_step(const struct huff *t, unsigned idx)
{
	unsigned used = 0, adv = 0, gate;
	bool eob = false;

	while (used < LOOK) {
		unsigned f = t->fast[(idx << used) & ((1u << LOOK) - 1)];
		unsigned l = f >> 8, sym = f & 0xFF;

		if (!f || l + (sym & 15) > LOOK - used)
			break;
		used += l + (sym & 15);
		if (ac_advance(sym) == EOB_ADVANCE) {
			eob = true;
			break;
		}
		adv += ac_advance(sym);
	}
	if (!used || adv > 63)
		gate = 255;
	else
		gate = eob ? 64 + adv : adv;
	return (uint16_t)(used << 8 | gate);
}

/*
 * The DC step for the LOOK bits in idx: a code with its extra bits within them, as
 * (difference << 4 | total length); 0 when the code is longer, its bits do not fit, or
 * its category is over 11 (see dc_slow()).
 */
static uint16_t dc_step(const struct huff *t, unsigned idx)
{
	unsigned f = t->fast[idx], l = f >> 8, s = f & 0xFF;
	int32_t diff;

	if (!f || s > 11 || l + s > LOOK)
		return 0;
	diff = s ? (int32_t)((idx >> (LOOK - l - s)) & ((1u << s) - 1)) : 0;
	if (s && diff < (int32_t)1 << (s - 1))
		diff -= ((int32_t)1 << s) - 1;
	return (uint16_t)(diff * 16 + (int32_t)(l + s));
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
	for (j = 0; j < 1u << LOOK; j++)
		t->step[j] = is_dc ? dc_step(t, j) : ac_step(t, j);
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

/*
 * Moves the window on: drops the first `drop` bytes of bits, then copies more of the
 * current interval's entropy data in without byte stuffing, until the window is full or
 * the interval's marker (a restart or EOI) is reached. Anything else — no EOI, another
 * marker — declines.
 */
static int scan_fill(struct dc_decoder *d, size_t drop)
{
	const unsigned char *end = d->data + d->len;

	memmove(d->bits, d->bits + drop, d->have - drop);
	d->have -= drop;
	while (!d->seg_done && d->have < WINDOW) {
		size_t room = WINDOW - d->have, n = (size_t)(end - d->src) < room ? (size_t)(end - d->src) : room;
		const unsigned char *ff = memchr(d->src, 0xFF, n);
		unsigned m;

		if (!ff) {
			if (d->src + n == end)
				return DECLINE;  /* no EOI: truncated */
			memcpy(d->bits + d->have, d->src, n);
			d->have += n;
			d->src += n;
			break;
		}
		memcpy(d->bits + d->have, d->src, (size_t)(ff - d->src));
		d->have += (size_t)(ff - d->src);
		for (d->src = ff + 1; d->src < end && *d->src == 0xFF; d->src++)
			;
		if (d->src == end)
			return DECLINE;
		m = *d->src++;
		if (m == 0x00) {
			d->bits[d->have++] = 0xFF;
		} else if ((m >= 0xD0 && m <= 0xD7) || m == 0xD9) {
			d->seg_done = true;
			d->seg_marker = m;
		} else {
			return DECLINE;
		}
	}
	memset(d->bits + d->have, 0, PAD);
	return CA_OK;
}

/* Reads to the end of the current interval's data (an interval may carry bytes past its
 * last MCU) and checks the marker ending it: the next restart in order, or EOI after the
 * last interval. Then starts the next interval's window. */
static int scan_next_interval(struct dc_decoder *d, struct bitreader *br)
{
	while (!d->seg_done)
		if (scan_fill(d, d->have))
			return DECLINE;
	if (d->seg + 1 == d->nseg)
		return d->seg_marker == 0xD9 ? CA_OK : DECLINE;
	if (d->seg_marker != 0xD0 + (d->seg & 7))
		return DECLINE;
	d->seg++;
	d->seg_done = false;
	d->have = 0;
	br->p = d->bits;
	br->acc = 0;
	br->cnt = 0;
	return scan_fill(d, 0);
}

/* The DC code at the reader when its step is 0: a long code, or extra bits past LOOK. */
static bool dc_slow(struct bitreader *r, const struct huff *t, int *pred)
{
	unsigned e = t->fast[r->acc >> (64 - LOOK)], len, s;

	if (e) {
		len = e >> 8;
		s = e & 0xFF;
	} else if (!huff_slow(t, r->acc, &len, &s)) {
		return false;
	}
	if (s > 11)
		return false;
	consume(r, len);
	if (s) {
		int32_t diff = (int32_t)(r->acc >> (64 - s));

		if (diff < (int32_t)1 << (s - 1))
			diff -= ((int32_t)1 << s) - 1;
		consume(r, s);
		*pred += diff;
	}
	return true;
}

/* One group of AC symbols that stays inside the block and holds no EOB (ac_step()):
 * steps over it and returns 0; otherwise leaves the reader and returns the group's
 * step entry (never 0: a group of no symbols has gate 255). */
static inline unsigned ac_group(struct bitreader *r, const struct huff *t, unsigned *k)
{
	unsigned e = t->step[r->acc >> (64 - LOOK)], gate = e & 0xFF;

	if (*k + gate >= 64)
		return e;
	consume(r, e >> 8);
	*k += gate;
	return 0;
}

/*
 * Decodes one block's DC difference into *pred and steps over its AC coefficients.
 * Returns false on anything libjpeg would not decode cleanly.
 */
static inline bool decode_block(struct bitreader *br, const struct huff *dct,
				const struct huff *act, int *pred)
{
	struct bitreader r = *br;
	unsigned e, k = 1;

	refill(&r);
	e = dct->step[r.acc >> (64 - LOOK)];
	if (e) {
		consume(&r, e & 15);
		/* the entry as signed 16 bits, shifted arithmetically (GCC and Clang define both) */
		*pred += (int16_t)e >> 4;
	} else if (!dc_slow(&r, dct, pred)) {
		return false;
	}
	if ((unsigned)(*pred + 2048) > 4095)
		return false;
	for (;;) {
		unsigned len, sym, gate;

		/* a refill leaves at least 56 bits; a group takes at most LOOK */
		refill(&r);
		if (!(e = ac_group(&r, act, &k)) && !(e = ac_group(&r, act, &k)) &&
		    !(e = ac_group(&r, act, &k)) && !(e = ac_group(&r, act, &k)))
			continue;
		/* the group at e ends the block, crosses its end or starts with a long code */
		gate = e & 0xFF;
		if (gate >= 64 && gate < 128 && k + gate - 64 < 64) {
			consume(&r, e >> 8);
			break;
		}
		refill(&r);
		e = act->fast[r.acc >> (64 - LOOK)];
		if (e) {
			len = e >> 8;
			sym = e & 0xFF;
		} else if (!huff_slow(act, r.acc, &len, &sym)) {
			return false;
		}
		consume(&r, len + (sym & 15));
		k += ac_advance(sym);
		if (k >= 64)
			break;
	}
	if (k > 64 && k < EOB_ADVANCE)
		return false;  /* a run past the block's end: libjpeg tolerates it, we do not */
	*br = r;
	return true;
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
		c->dcq = malloc((size_t)c->pw * c->ph * sizeof(*c->dcq));
		if (!c->dcq)
			return ca_err_set(err, CA_ENOMEM, "Out of memory decoding a JPEG.");
	}
	return CA_OK;
}

/* A block of the MCU: its component and where it lies from the MCU's corner. */
struct slot {
	const struct huff *dc, *ac;
	unsigned comp;
	size_t at;
};

/* The MCU's blocks in scan order; 0 when more than a JPEG allows (libjpeg refuses it). */
static unsigned mcu_slots(const struct dc_decoder *d, struct slot *slot)
{
	unsigned i, bx, by, n = 0;

	for (i = 0; i < d->ncomp; i++) {
		const struct comp *c = &d->comp[d->order[i]];

		for (by = 0; by < c->v; by++)
			for (bx = 0; bx < c->h; bx++) {
				if (n == MAX_BLOCKS_IN_MCU)
					return 0;
				slot[n].dc = &d->dc[c->td];
				slot[n].ac = &d->ac[c->ta];
				slot[n].comp = d->order[i];
				slot[n].at = (size_t)by * c->pw + bx;
				n++;
			}
	}
	return n;
}

static int decode_scan(struct dc_decoder *d, struct ca_err *err)
{
	struct slot slot[MAX_BLOCKS_IN_MCU];
	struct bitreader br = { NULL, 0, 0 };
	unsigned mx, my, i, j, nslot = mcu_slots(d, slot), left = d->restart;
	int pred[MAX_COMPS] = { 0 };
	size_t corner[MAX_COMPS];

	if (!nslot)
		return DECLINE;
	d->nseg = d->restart ? div_up((size_t)d->mcux * d->mcuy, d->restart) : 1;
	d->src = d->data + d->scan_at;
	d->bits = malloc(WINDOW + PAD);
	if (!d->bits)
		return ca_err_set(err, CA_ENOMEM, "Out of memory decoding a JPEG.");
	br.p = d->bits;
	if (scan_fill(d, 0))
		return DECLINE;
	for (my = 0; my < d->mcuy; my++) {
		for (i = 0; i < d->ncomp; i++)
			corner[i] = (size_t)my * d->comp[i].v * d->comp[i].pw;
		for (mx = 0; mx < d->mcux; mx++) {
			if (d->restart && !left) {
				if (scan_next_interval(d, &br))
					return DECLINE;
				left = d->restart;
				memset(pred, 0, sizeof(pred));
			}
			left--;
			/* an MCU reads less than PAD bytes: move the window on before it runs short */
			if (!d->seg_done && (size_t)(br.p - d->bits) + PAD > d->have) {
				if (scan_fill(d, (size_t)(br.p - d->bits)))
					return DECLINE;
				br.p = d->bits;
			}
			for (j = 0; j < nslot; j++) {
				const struct slot *s = &slot[j];

				if (!decode_block(&br, s->dc, s->ac, &pred[s->comp]))
					return DECLINE;
				d->comp[s->comp].dcq[corner[s->comp] + s->at] = (int16_t)pred[s->comp];
			}
			/* bits only grow: past the data after this MCU if any block ran past it */
			if (d->seg_done && bits_used(&br, d->bits) > (int64_t)d->have * 8)
				return DECLINE;
			for (i = 0; i < d->ncomp; i++)
				corner[i] += d->comp[i].h;
		}
	}
	return scan_next_interval(d, &br);
}

/* Floor of v / 65536, also for negative v. */
static int32_t shr16(int32_t v)
{
	return v >= 0 ? v >> 16 : -(int32_t)(((uint32_t)-v + 65535u) >> 16);
}

/* Each possible quantised DC of a component as a pixel, through libjpeg's 1×1 IDCT:
 * dequantise, descale by 8 with rounding, re-centre, clamp. */
static void dc_to_pixel(unsigned q0, uint8_t lut[4096])
{
	int p;

	for (p = -2048; p < 2048; p++) {
		int64_t v = (int64_t)p * q0 + 4;

		v = (v >= 0 ? v / 8 : -((-v + 7) / 8)) + 128;
		lut[p + 2048] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}

/* What a chroma pair adds to the luma in each of R, G and B. */
struct chroma {
	int16_t r, g, b;
};

/* A pixel from its luma and its chroma's terms, through the clamp table (-256..511). */
static inline void put_rgb(unsigned char *o, int lum, const struct chroma *c,
			   const uint8_t clamp[768])
{
	o[0] = clamp[lum + 256 + c->r];
	o[1] = clamp[lum + 256 + c->g];
	o[2] = clamp[lum + 256 + c->b];
}

/* The planes into RGB, chroma repeated over the luma it covers; JFIF's YCbCr
 * equations in libjpeg's 16-bit fixed point. A row's chroma terms are worked out once
 * for every output row they cover. */
static int to_rgb(struct dc_decoder *d, struct ca_rgb_image *out, struct ca_err *err)
{
	unsigned w = (unsigned)div_up(d->width, 8), h = (unsigned)div_up(d->height, 8);
	unsigned *col = NULL, x, y, i, row[MAX_COMPS], last[MAX_COMPS] = { UINT_MAX, UINT_MAX, UINT_MAX };
	struct chroma *add = NULL;
	int32_t cr_r[256], cb_b[256], cr_g[256], cb_g[256];
	uint8_t lut[MAX_COMPS][4096], clamp[768];
	bool full_luma = d->comp[0].h == d->hmax;

	out->px = malloc((size_t)w * h * 3);
	col = malloc((size_t)w * MAX_COMPS * sizeof(*col));
	add = malloc((size_t)w * sizeof(*add));
	if (!out->px || !col || !add) {
		free(col);
		free(add);
		ca_rgb_image_release(out);
		return ca_err_set(err, CA_ENOMEM, "Out of memory decoding a JPEG.");
	}
	out->width = w;
	out->height = h;
	for (i = 0; i < d->ncomp; i++) {
		for (x = 0; x < w; x++)
			col[i * w + x] = x / (d->hmax / d->comp[i].h);
		dc_to_pixel(d->q0[d->comp[i].tq], lut[i]);
	}
	for (i = 0; i < 256; i++) {
		int32_t c = (int32_t)i - 128;

		cr_r[i] = shr16(91881 * c + 32768);     /* 1.40200 */
		cb_b[i] = shr16(116130 * c + 32768);    /* 1.77200 */
		cr_g[i] = -46802 * c;                   /* 0.71414 */
		cb_g[i] = -22554 * c + 32768;           /* 0.34414 */
	}
	for (i = 0; i < 768; i++)  /* luma plus a chroma term: -256..511 */
		clamp[i] = (uint8_t)(i < 256 ? 0 : i > 511 ? 255 : i - 256);
	for (y = 0; y < h; y++) {
		unsigned char *o = out->px + (size_t)y * w * 3;
		const int16_t *yrow;

		for (i = 0; i < d->ncomp; i++)
			row[i] = y / (d->vmax / d->comp[i].v);
		yrow = d->comp[0].dcq + (size_t)row[0] * d->comp[0].pw;
		if (d->ncomp == 1) {
			for (x = 0; x < w; x++, o += 3)
				o[0] = o[1] = o[2] = lut[0][yrow[col[x]] + 2048];
			continue;
		}
		if (row[1] != last[1] || row[2] != last[2]) {
			const int16_t *cbrow = d->comp[1].dcq + (size_t)row[1] * d->comp[1].pw;
			const int16_t *crrow = d->comp[2].dcq + (size_t)row[2] * d->comp[2].pw;

			for (x = 0; x < w; x++) {
				unsigned cb = lut[1][cbrow[col[w + x]] + 2048];
				unsigned cr = lut[2][crrow[col[2 * w + x]] + 2048];

				add[x].r = (int16_t)cr_r[cr];
				add[x].g = (int16_t)shr16(cb_g[cb] + cr_g[cr]);
				add[x].b = (int16_t)cb_b[cb];
			}
			last[1] = row[1];
			last[2] = row[2];
		}
		if (full_luma)  /* nearly always: no column map for luma */
			for (x = 0; x < w; x++, o += 3)
				put_rgb(o, lut[0][yrow[x] + 2048], &add[x], clamp);
		else
			for (x = 0; x < w; x++, o += 3)
				put_rgb(o, lut[0][yrow[col[x]] + 2048], &add[x], clamp);
	}
	free(col);
	free(add);
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
	rc = decode_scan(d, err);
	if (rc)
		goto out;
	rc = to_rgb(d, out, err);
out:
	for (i = 0; i < MAX_COMPS; i++)
		free(d->comp[i].dcq);
	free(d->bits);
	free(d);
	return rc;
}

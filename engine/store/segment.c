/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * segment.c - partition files of the record store (docs/STORE.md, "Partition
 * file"): writing, checking, reading.
 *
 * DESIGN: a partition file is
 *     header (64 bytes) | record blocks | string blocks | footer | trailer (40)
 * Records are encoded field by field (REC_FIELDS below: explicit widths,
 * little-endian, never the in-memory struct with its bit fields and
 * padding) with their string ids replaced by partition-local ids, numbered
 * from 1 in order of first appearance (record order, then field order):
 * the file depends only on the records' values, never on the interner
 * that held them, so writing the same records again gives the same bytes.
 * A record block holds up to block_records records stored column by column
 * (all the seq values, then all the record_id ids, ...), and each column
 * as byte planes (the low bytes of every value, then the next bytes...),
 * which is what makes zstd pay: a column of codes, or the high bytes of
 * small local ids, compress to almost nothing, where interleaved rows
 * would not. Strings come last because the table
 * is only complete once every record is written; the writer holds it in
 * memory (bounded by the partition size), never the records.
 *
 * Every block has its own XXH3-64 (over its header and payload), repeated
 * in the footer's index; the footer is covered by the file checksum, and
 * header and trailer by their own. The reader maps the file and checks the
 * header, trailer, footer and that the blocks tile the file exactly before
 * it trusts any offset; each block is checked before it is decompressed.
 */
#include "store/store_internal.h"

#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <stdlib.h>     /* free */
#include <sys/mman.h>   /* mmap */
#include <sys/stat.h>   /* fstat */
#include <unistd.h>     /* close */
#include <zstd.h>       /* ZSTD_compressCCtx */

#define HDR_SIZE 64
#define BLK_HDR 32
#define IDX_ENTRY 32
#define TRAILER 40
#define FOOTER_FIXED 32
static const char PART_MAGIC[8] = {'D', 'C', 'S', 'T', 'P', 'A', 'R', 'T'};
static const char TAIL_MAGIC[8] = {'D', 'C', 'S', 'T', 'T', 'A', 'I', 'L'};
enum { KIND_RECORDS = 1, KIND_STRINGS = 2 };
enum { CODEC_STORED = 0, CODEC_ZSTD = 1 };
#define STR_BLOCK_ITEMS 65536u
#define STR_BLOCK_BYTES ((size_t)1 << 20)

/* The record's fields as stored, in order: X(lvalue, width in bytes,
 * is a string id). docs/STORE.md lists the same table. */
#define REL_FIELDS(X, f) X(r->f.exact, 4, 1) X(r->f.ascii, 4, 1) X(r->f.phon, 4, 0) X(r->f.given, 4, 1)
#define ADDR_FIELDS(X, f)                                                                                     \
    X(r->f.text, 4, 1) X(r->f.ward_old, 2, 0) X(r->f.ward_new, 2, 0) X(r->f.district_old, 2, 0)               \
    X(r->f.prov_old, 1, 0) X(r->f.prov_new, 1, 0) X(r->f.conf, 1, 0) X(r->f.flags, 1, 0)
#define DATE_FIELDS(X, f) X(r->f.y, 2, 0) X(r->f.m, 1, 0) X(r->f.d, 1, 0) X(r->f.prec, 1, 0) X(r->f.flags, 1, 0)
#define REC_FIELDS(X)                                                                                          \
    X(r->seq, 4, 0) X(r->record_id, 4, 1) X(r->id12, 8, 0) X(r->id12_flags, 2, 0) X(r->cmnd, 8, 0)            \
    X(r->cmnd_flags, 2, 0) X(r->code_flags, 1, 0) X(r->sex, 1, 0) X(r->rec_flags, 1, 0) X(r->prov_src, 1, 0)   \
    X(r->name.exact, 4, 1) X(r->name.ascii, 4, 1) X(r->name.phon, 4, 1) X(r->name.sur, 4, 1)                   \
    X(r->name.mid, 4, 1) X(r->name.given, 4, 1) X(r->name.given_phon, 4, 1) X(r->name.flags, 2, 0)             \
    X(r->name.ntok, 1, 0) X(r->name.has_diacritics, 1, 0)                                                      \
    REL_FIELDS(X, father) REL_FIELDS(X, mother) REL_FIELDS(X, spouse)                                          \
    ADDR_FIELDS(X, hometown) ADDR_FIELDS(X, perm) ADDR_FIELDS(X, cur)                                           \
    DATE_FIELDS(X, dob) DATE_FIELDS(X, dod)                                                                    \
    X(r->nationality, 2, 0) X(r->ethnic, 1, 0) X(r->religion, 1, 0)

#define F_WIDTH(e, w, s) w,
static const unsigned char WIDTHS[] = {REC_FIELDS(F_WIDTH)};
#define NCOLS ((unsigned)sizeof WIDTHS)
#define F_SUM(e, w, s) +(w)
#define REC_WIDTH (0 REC_FIELDS(F_SUM))   /* 170 */

/* Column start of field c in a block of n records: n * PREFIX[c]. */
static unsigned PREFIX[NCOLS + 1];
static void prefix_init(void)
{
    if (PREFIX[NCOLS]) return;   /* (idempotent: concurrent first calls write the same values) */
    unsigned s = 0;
    for (unsigned c = 0; c < NCOLS; c++) {
        PREFIX[c] = s;
        s += WIDTHS[c];
    }
    PREFIX[NCOLS] = s;
}

typedef struct {
    uint64_t off;
    uint32_t kind, items, raw, stored;
    uint64_t sum;
} idx_t;

/* ============================================================== writing */

struct seg_writer {
    dc_outfile_t *f;
    char *path, *source;
    uint64_t id, off, hsum;
    uint32_t block_records, part_records, nrec;
    int level;
    unsigned char *rows;   /* pending records, row-major, REC_WIDTH each */
    uint32_t nrows;
    uint32_t block_next;   /* the local id a new string got at the start of the block */
    unsigned char *cols;   /* a block transposed */
    unsigned char *zbuf;
    size_t zcap;
    ZSTD_CCtx *zc;
    uint64_t *slots;       /* interner id -> local id: gid | lid << 32, 0 = empty */
    size_t cap, count;
    dc_buf_t strs;         /* the strings of local ids 1.., concatenated */
    uint32_t *lens;
    size_t lencap;
    idx_t *idx;
    size_t nidx, idxcap;
};

static void slots_grow(seg_writer_t *w)
{
    size_t ncap = w->cap ? w->cap * 2 : 4096;
    uint64_t *ns = dc_xcalloc(ncap, sizeof *ns);
    for (size_t i = 0; i < w->cap; i++) {
        uint64_t v = w->slots[i];
        if (!v) continue;
        size_t j = (size_t)(((uint32_t)v * 0x9E3779B97F4A7C15ull) >> 20) & (ncap - 1);
        while (ns[j]) j = (j + 1) & (ncap - 1);
        ns[j] = v;
    }
    free(w->slots);
    w->slots = ns;
    w->cap = ncap;
}

/* The local id of interner id `gid` (0 -> 0), added to the table when new. */
static uint32_t local_id(seg_writer_t *w, const dc_intern_t *in, uint32_t gid)
{
    if (!gid) return 0;
    if ((w->count + 1) * 2 > w->cap) slots_grow(w);
    size_t mask = w->cap - 1;
    size_t j = (size_t)((gid * 0x9E3779B97F4A7C15ull) >> 20) & mask;
    for (;;) {
        uint64_t v = w->slots[j];
        if (!v) break;
        if ((uint32_t)v == gid) return (uint32_t)(v >> 32);
        j = (j + 1) & mask;
    }
    size_t len;
    const char *s = dc_intern_str(in, gid, &len);
    if (!len) return 0;   /* (an id the interner does not know reads as "") */
    w->count++;
    uint32_t lid = (uint32_t)w->count;
    w->slots[j] = gid | (uint64_t)lid << 32;
    w->lens = dc_grow(w->lens, &w->lencap, w->count, sizeof *w->lens);
    w->lens[lid - 1] = (uint32_t)len;
    dc_buf_put(&w->strs, s, len);
    return lid;
}

/* The stored code of interner id `gid` (docs/STORE.md, "String codes"):
 * 0 none, 1 a string not seen before in the partition (it takes the next
 * local id), d + 1 the string whose local id is d below the next one. */
static uint32_t str_code(seg_writer_t *w, const dc_intern_t *in, uint32_t gid)
{
    uint32_t next = (uint32_t)w->count + 1;
    uint32_t lid = local_id(w, in, gid);
    if (!lid) return 0;
    return lid == next ? 1 : next - lid + 1;
}

static int put_bytes(seg_writer_t *w, const void *p, size_t n)
{
    if (dc_outfile_write(w->f, p, n) != 0) return -1;
    w->off += n;
    return 0;
}

/* Write one block (compressed when that pays) and index it. */
static int put_block(seg_writer_t *w, uint32_t kind, uint32_t items, uint32_t first, const void *raw, size_t rawlen)
{
    const void *payload = raw;
    size_t stored = rawlen;
    uint32_t codec = CODEC_STORED;
    if (w->level > 0 && rawlen > 0) {
        size_t bound = ZSTD_compressBound(rawlen);
        if (bound > w->zcap) {
            free(w->zbuf);
            w->zbuf = dc_xmalloc(bound);
            w->zcap = bound;
        }
        size_t z = ZSTD_compressCCtx(w->zc, w->zbuf, w->zcap, raw, rawlen, w->level);
        if (ZSTD_isError(z)) return dc_seterr("store %s: zstd compression failed: %s", w->path, ZSTD_getErrorName(z));
        if (z < rawlen) {
            payload = w->zbuf;
            stored = z;
            codec = CODEC_ZSTD;
        }
    }
    unsigned char h[BLK_HDR] = {0};
    st_put(h, kind, 4);
    st_put(h + 4, codec, 4);
    st_put(h + 8, items, 4);
    st_put(h + 12, rawlen, 4);
    st_put(h + 16, stored, 4);
    st_put(h + 20, first, 4);
    uint64_t sum = dc_hash64_seed(payload, stored, dc_hash64(h, 24));
    st_put(h + 24, sum, 8);
    w->idx = dc_grow(w->idx, &w->idxcap, w->nidx + 1, sizeof *w->idx);
    w->idx[w->nidx++] = (idx_t){w->off, kind, items, (uint32_t)rawlen, (uint32_t)stored, sum};
    if (put_bytes(w, h, BLK_HDR) != 0 || put_bytes(w, payload, stored) != 0) return -1;
    dc_store_test_hook("part-block");
    return 0;
}

/* Transpose the pending rows into columns of byte planes and write them
 * as one block. */
static int flush_rows(seg_writer_t *w)
{
    uint32_t n = w->nrows;
    if (!n) return 0;
    unsigned char *d = w->cols;
    for (unsigned c = 0; c < NCOLS; c++)
        for (unsigned j = 0; j < WIDTHS[c]; j++) {
            const unsigned char *s = w->rows + PREFIX[c] + j;
            for (uint32_t i = 0; i < n; i++, s += REC_WIDTH) *d++ = *s;
        }
    w->nrows = 0;
    return put_block(w, KIND_RECORDS, n, w->block_next, w->cols, (size_t)n * REC_WIDTH);
}

seg_writer_t *seg_writer_open(const char *path, uint64_t id, const char *source, const dc_store_opts_t *o)
{
    prefix_init();
    seg_writer_t *w = dc_xcalloc(1, sizeof *w);
    w->f = dc_outfile_open(path, DC_OUT_NOSYNC);   /* synced with the generation's files (dc_store_commit) */
    if (!w->f) {
        free(w);
        return NULL;
    }
    w->path = dc_xstrdup(path);
    w->source = dc_xstrdup(source);
    w->id = id;
    w->block_records = o->block_records;
    w->part_records = o->part_records;
    w->level = o->zstd_level;
    w->rows = dc_xmalloc((size_t)w->block_records * REC_WIDTH);
    w->cols = dc_xmalloc((size_t)w->block_records * REC_WIDTH);
    w->zc = ZSTD_createCCtx();
    if (!w->zc) dc_die("cannot create a zstd context");
    unsigned char h[HDR_SIZE] = {0};
    memcpy(h, PART_MAGIC, 8);
    st_put(h + 8, DC_STORE_VERSION, 4);
    st_put(h + 12, DC_STORE_BOM, 4);
    st_put(h + 16, id, 8);
    st_put(h + 24, w->block_records, 4);
    st_put(h + 28, NCOLS, 2);
    st_put(h + 30, REC_WIDTH, 2);
    w->hsum = dc_hash64(h, 56);
    st_put(h + 56, w->hsum, 8);
    if (put_bytes(w, h, HDR_SIZE) != 0) {
        seg_writer_abort(w);
        return NULL;
    }
    dc_store_test_hook("part-begin");
    return w;
}

uint32_t seg_writer_nrec(const seg_writer_t *w) { return w->nrec; }

int seg_writer_put(seg_writer_t *w, const dc_record_t *recs, size_t n, const dc_intern_t *in)
{
    if (n > (size_t)(w->part_records - w->nrec)) return dc_seterr("store %s: partition overfull", w->path);
    for (size_t k = 0; k < n; k++) {
        const dc_record_t *r = &recs[k];
        unsigned char *p = w->rows + (size_t)w->nrows * REC_WIDTH;
        if (!w->nrows) w->block_next = (uint32_t)w->count + 1;
#define F_ENC(e, wd, s)                                                 \
        do {                                                            \
            uint64_t v = (uint64_t)(e);                                 \
            if (s) v = str_code(w, in, (uint32_t)v);                    \
            st_put(p, v, wd);                                           \
            p += wd;                                                    \
        } while (0);
        REC_FIELDS(F_ENC)
#undef F_ENC
        w->nrec++;
        if (++w->nrows == w->block_records && flush_rows(w) != 0) return -1;
    }
    return 0;
}

int seg_writer_finish(seg_writer_t *w, uint64_t *size, uint64_t *checksum)
{
    int rc = flush_rows(w);
    uint32_t nrb = (uint32_t)w->nidx;
    /* the string table, in blocks: lengths, then bytes */
    dc_buf_t b = DC_BUF_INIT;
    size_t first = 0, boff = 0;
    while (rc == 0 && first < w->count) {
        size_t last = first, bytes = 0;
        while (last < w->count && last - first < STR_BLOCK_ITEMS && (last == first || bytes + w->lens[last] <= STR_BLOCK_BYTES))
            bytes += w->lens[last++];
        dc_buf_clear(&b);
        for (size_t i = first; i < last; i++) {
            unsigned char l[4];
            st_put(l, w->lens[i], 4);
            dc_buf_put(&b, l, 4);
        }
        dc_buf_put(&b, w->strs.p + boff, bytes);
        if ((uint64_t)b.len > UINT32_MAX) rc = dc_seterr("store %s: a string of 4 GB or more", w->path);
        else rc = put_block(w, KIND_STRINGS, (uint32_t)(last - first), 0, b.p, b.len);
        boff += bytes;
        first = last;
    }
    /* footer */
    uint64_t footer_off = w->off;
    dc_buf_clear(&b);
    unsigned char fx[FOOTER_FIXED] = {0};
    size_t slen = strlen(w->source);
    st_put(fx, w->nrec, 8);
    st_put(fx + 8, w->count, 4);
    st_put(fx + 12, nrb, 4);
    st_put(fx + 16, w->nidx - nrb, 4);
    st_put(fx + 20, slen, 4);
    st_put(fx + 24, w->strs.len, 8);
    dc_buf_put(&b, fx, FOOTER_FIXED);
    dc_buf_put(&b, w->source, slen);
    for (size_t i = 0; i < w->nidx; i++) {
        unsigned char e[IDX_ENTRY];
        st_put(e, w->idx[i].off, 8);
        st_put(e + 8, w->idx[i].kind, 4);
        st_put(e + 12, w->idx[i].items, 4);
        st_put(e + 16, w->idx[i].raw, 4);
        st_put(e + 20, w->idx[i].stored, 4);
        st_put(e + 24, w->idx[i].sum, 8);
        dc_buf_put(&b, e, IDX_ENTRY);
    }
    uint64_t fsum = dc_hash64_seed(b.p, b.len, w->hsum);
    unsigned char t[TRAILER];
    st_put(t, footer_off, 8);
    st_put(t + 8, b.len, 8);
    st_put(t + 16, fsum, 8);
    st_put(t + 24, dc_hash64(t, 24), 8);
    memcpy(t + 32, TAIL_MAGIC, 8);
    if (rc == 0) rc = put_bytes(w, b.p, b.len);
    if (rc == 0) rc = put_bytes(w, t, TRAILER);
    dc_buf_free(&b);
    if (rc == 0) {
        *size = w->off;
        *checksum = fsum;
        rc = dc_outfile_commit(w->f);
        w->f = NULL;
        if (rc == 0) dc_store_test_hook("part-commit");
    }
    seg_writer_abort(w);
    return rc;
}

void seg_writer_abort(seg_writer_t *w)
{
    if (!w) return;
    dc_outfile_abort(w->f);
    ZSTD_freeCCtx(w->zc);
    free(w->rows);
    free(w->cols);
    free(w->zbuf);
    free(w->slots);
    dc_buf_free(&w->strs);
    free(w->lens);
    free(w->idx);
    free(w->path);
    free(w->source);
    free(w);
}

/* ============================================================== reading */

struct dc_store_part {
    char *path;
    const unsigned char *map;
    size_t size;
    uint32_t nrec, nstr, block_records, nrb, nsb, source;
    uint64_t sbytes;       /* string table bytes */
    idx_t *idx;
    char *strs;            /* the string table: local id l is strs[soff[l] .. soff[l + 1]) */
    uint64_t *soff;        /* nstr + 2 offsets (id 0 is the empty string) */
    uint32_t *gid;         /* local id -> id in the caller's interner; NULL: lazy */
    dc_intern_t *lazy;     /* interned on read: only the strings of the records read */
    uint32_t *lgid;        /* with lazy: local id -> its id once interned, 0: not yet */
    ZSTD_DCtx *dc;
    unsigned char *buf;    /* a decompressed block */
    size_t bufcap;
    dc_record_t *recs;     /* the records of the block decoded last */
    uint32_t cur;          /* its index, UINT32_MAX: none */
};

#define CORRUPT(p, ...) corrupt(p, __VA_ARGS__)
static int corrupt(const dc_store_part_t *p, const char *fmt, ...) DC_PRINTF(2, 3);
static int corrupt(const dc_store_part_t *p, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return dc_seterr("store partition %s is damaged or foreign (%s): refused", p->path, why);
}

/* Check block i and give its raw bytes (decompressed into p->buf when
 * compressed; in the map when stored). */
static int block_raw(dc_store_part_t *p, uint32_t i, const unsigned char **raw)
{
    const idx_t *e = &p->idx[i];
    const unsigned char *h = p->map + e->off;
    if (st_get(h, 4) != e->kind || st_get(h + 8, 4) != e->items || st_get(h + 12, 4) != e->raw ||
        st_get(h + 16, 4) != e->stored || (e->kind == KIND_STRINGS && st_get(h + 20, 4) != 0) ||
        st_get(h + 24, 8) != e->sum)
        return CORRUPT(p, "block %u: header differs from the index", i);
    uint32_t codec = (uint32_t)st_get(h + 4, 4);
    const unsigned char *payload = h + BLK_HDR;
    if (dc_hash64_seed(payload, e->stored, dc_hash64(h, 24)) != e->sum)
        return CORRUPT(p, "block %u: checksum mismatch", i);
    if (codec == CODEC_STORED) {
        if (e->stored != e->raw) return CORRUPT(p, "block %u: stored size", i);
        *raw = payload;
        return 0;
    }
    if (codec != CODEC_ZSTD) return CORRUPT(p, "block %u: unknown codec %u", i, codec);
    if (e->raw > p->bufcap) {
        free(p->buf);
        p->buf = dc_xmalloc(e->raw);
        p->bufcap = e->raw;
    }
    size_t r = ZSTD_decompressDCtx(p->dc, p->buf, e->raw, payload, e->stored);
    if (ZSTD_isError(r) || r != e->raw) return CORRUPT(p, "block %u: does not decompress to its size", i);
    *raw = p->buf;
    return 0;
}

static void part_free(dc_store_part_t *p)
{
    if (p->map) munmap((void *)p->map, p->size);
    ZSTD_freeDCtx(p->dc);
    free(p->buf);
    free(p->recs);
    free(p->idx);
    free(p->strs);
    free(p->soff);
    free(p->gid);
    free(p->lgid);
    free(p->path);
    free(p);
}

void dc_store_part_close(dc_store_part_t *p)
{
    if (p) part_free(p);
}

/* Header, trailer, footer and the tiling of the blocks. */
static int check_layout(dc_store_part_t *p, const dc_store_partinfo_t *pi, const char *source)
{
    const unsigned char *m = p->map;
    size_t size = p->size;
    if (size < 8 || memcmp(m, PART_MAGIC, 8) != 0)
        return dc_seterr("store partition %s is not a dancu store partition file (bad magic): refused", p->path);
    if (size < HDR_SIZE + TRAILER) return CORRUPT(p, "truncated: %zu bytes", size);
    uint32_t ver = (uint32_t)st_get(m + 8, 4);
    if (st_get(m + 12, 4) != DC_STORE_BOM) return CORRUPT(p, "byte-order mark: not written little-endian");
    if (dc_hash64(m, 56) != st_get(m + 56, 8)) return CORRUPT(p, "header checksum mismatch");
    if (ver != DC_STORE_VERSION)
        return dc_seterr("store partition %s has format version %u; this dancu reads version %u: refused", p->path,
                         ver, DC_STORE_VERSION);
    if (st_get(m + 16, 8) != pi->id) return CORRUPT(p, "partition id differs from the manifest");
    if (st_get(m + 24, 4) != p->block_records) return CORRUPT(p, "records per block differ from the manifest");
    if (st_get(m + 28, 2) != NCOLS || st_get(m + 30, 2) != REC_WIDTH) return CORRUPT(p, "record layout");
    for (int i = 32; i < 56; i++)
        if (m[i]) return CORRUPT(p, "reserved header bytes");
    if (size != pi->size) return CORRUPT(p, "size %zu, the manifest says %llu", size, (unsigned long long)pi->size);
    const unsigned char *t = m + size - TRAILER;
    if (memcmp(t + 32, TAIL_MAGIC, 8) != 0 || dc_hash64(t, 24) != st_get(t + 24, 8))
        return CORRUPT(p, "trailer (truncated or overwritten)");
    uint64_t foff = st_get(t, 8), fsize = st_get(t + 8, 8);
    if (foff < HDR_SIZE || fsize < FOOTER_FIXED || foff > size - TRAILER || fsize != size - TRAILER - foff)
        return CORRUPT(p, "footer position");
    const unsigned char *f = m + foff;
    uint64_t fsum = dc_hash64_seed(f, fsize, st_get(m + 56, 8));
    if (fsum != st_get(t + 16, 8)) return CORRUPT(p, "file checksum mismatch");
    if (fsum != pi->checksum) return CORRUPT(p, "checksum differs from the manifest");
    uint64_t nrec = st_get(f, 8);
    p->nstr = (uint32_t)st_get(f + 8, 4);
    p->nrb = (uint32_t)st_get(f + 12, 4);
    p->nsb = (uint32_t)st_get(f + 16, 4);
    uint64_t slen = st_get(f + 20, 4), sbytes = st_get(f + 24, 8);
    if (nrec != pi->nrec) return CORRUPT(p, "record count differs from the manifest");
    p->nrec = (uint32_t)nrec;
    if (fsize != FOOTER_FIXED + slen + (uint64_t)IDX_ENTRY * ((uint64_t)p->nrb + p->nsb))
        return CORRUPT(p, "footer size");
    if (slen != strlen(source) || memcmp(f + FOOTER_FIXED, source, slen) != 0)
        return CORRUPT(p, "belongs to another source than the manifest says");
    p->idx = dc_xcalloc((size_t)p->nrb + p->nsb + 1, sizeof *p->idx);
    const unsigned char *e = f + FOOTER_FIXED + slen;
    uint64_t at = HDR_SIZE, recs = 0, strs = 0, sraw = 0;
    for (uint32_t i = 0; i < p->nrb + p->nsb; i++, e += IDX_ENTRY) {
        idx_t *x = &p->idx[i];
        *x = (idx_t){st_get(e, 8), (uint32_t)st_get(e + 8, 4), (uint32_t)st_get(e + 12, 4),
                     (uint32_t)st_get(e + 16, 4), (uint32_t)st_get(e + 20, 4), st_get(e + 24, 8)};
        if (x->off != at || foff - at < BLK_HDR || x->stored > foff - at - BLK_HDR)
            return CORRUPT(p, "block %u position", i);
        at += BLK_HDR + (uint64_t)x->stored;
        if (i < p->nrb) {
            if (x->kind != KIND_RECORDS || x->items == 0 || x->items > p->block_records ||
                (i + 1 < p->nrb && x->items != p->block_records) || x->raw != (uint64_t)x->items * REC_WIDTH)
                return CORRUPT(p, "record block %u in the index", i);
            recs += x->items;
        } else {
            if (x->kind != KIND_STRINGS || x->items == 0 || x->raw < 4ull * x->items)
                return CORRUPT(p, "string block %u in the index", i);
            strs += x->items;
            sraw += x->raw - 4ull * x->items;
        }
    }
    if (at != foff) return CORRUPT(p, "blocks do not end at the footer");
    if (recs != nrec || strs != p->nstr || sraw != sbytes) return CORRUPT(p, "index totals");
    p->sbytes = sbytes;
    return 0;
}

/* Decompress the string table, each string NUL-terminated, and intern it
 * when asked. */
static int load_strings(dc_store_part_t *p, dc_intern_t *in)
{
    p->strs = dc_xmalloc(p->sbytes + p->nstr + 1);
    p->soff = dc_xmalloc(((size_t)p->nstr + 2) * sizeof *p->soff);
    p->strs[0] = 0;   /* id 0: "" */
    p->soff[0] = 0;
    p->soff[1] = 1;
    uint32_t id = 1;
    uint64_t at = 1;
    for (uint32_t b = p->nrb; b < p->nrb + p->nsb; b++) {
        const unsigned char *raw;
        if (block_raw(p, b, &raw) != 0) return -1;
        uint32_t k = p->idx[b].items;
        const unsigned char *bytes = raw + 4ull * k;
        uint64_t boff = 0, blen = p->idx[b].raw - 4ull * k;
        for (uint32_t j = 0; j < k; j++, id++) {
            uint64_t l = st_get(raw + 4ull * j, 4);
            if (l == 0 || l > blen - boff) return CORRUPT(p, "string lengths of block %u", b);
            memcpy(p->strs + at, bytes + boff, l);
            p->strs[at + l] = 0;
            boff += l;
            at += l + 1;
            p->soff[id + 1] = at;
        }
        if (boff != blen) return CORRUPT(p, "string lengths of block %u", b);
    }
    if (in) {
        /* in groups, their table slots prefetched first: the lookups of a
         * national interner are cache misses, which then overlap */
        enum { GROUP = 16 };
        p->gid = dc_xmalloc(((size_t)p->nstr + 1) * sizeof *p->gid);
        p->gid[0] = 0;
        uint64_t key[GROUP];
        for (uint32_t l0 = 1; l0 <= p->nstr; l0 += GROUP) {
            uint32_t m = DC_MIN((uint32_t)GROUP, p->nstr + 1 - l0);
            for (uint32_t j = 0; j < m; j++) {
                uint32_t l = l0 + j;
                key[j] = dc_intern_key(p->strs + p->soff[l], (size_t)(p->soff[l + 1] - p->soff[l] - 1));
                dc_intern_prefetch_key(in, key[j]);
            }
            for (uint32_t j = 0; j < m; j++) {
                uint32_t l = l0 + j;
                p->gid[l] = dc_intern_with_key(in, p->strs + p->soff[l], (size_t)(p->soff[l + 1] - p->soff[l] - 1), key[j]);
            }
        }
    }
    return 0;
}

int seg_reader_open(const char *path, const dc_store_partinfo_t *pi, const char *source, uint32_t block_records,
                    dc_intern_t *in, int lazy, dc_store_part_t **out)
{
    prefix_init();
    *out = NULL;
    dc_store_part_t *p = dc_xcalloc(1, sizeof *p);
    p->path = dc_xstrdup(path);
    p->block_records = block_records;
    p->source = pi->source;
    p->cur = UINT32_MAX;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        dc_seterr("cannot open store partition %s: %s", path, strerror(errno));
        part_free(p);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        dc_seterr("store partition %s is not a regular file", path);
        close(fd);
        part_free(p);
        return -1;
    }
    p->size = (size_t)st.st_size;
    if (p->size) {
        void *m = mmap(NULL, p->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            dc_seterr("cannot map store partition %s: %s", path, strerror(errno));
            close(fd);
            part_free(p);
            return -1;
        }
        p->map = m;
    }
    close(fd);
    p->dc = ZSTD_createDCtx();
    if (!p->dc) dc_die("cannot create a zstd context");
    if (!p->map) {
        dc_seterr("store partition %s is empty (truncated): refused", path);
        part_free(p);
        return -1;
    }
    if (check_layout(p, pi, source) != 0 || load_strings(p, lazy ? NULL : in) != 0) {
        part_free(p);
        return -1;
    }
    if (lazy && in) {
        p->lazy = in;
        p->lgid = dc_xcalloc((size_t)p->nstr + 1, sizeof *p->lgid);
    }
    *out = p;
    return 0;
}

uint32_t dc_store_part_nrec(const dc_store_part_t *p) { return p->nrec; }
uint32_t dc_store_part_nstrings(const dc_store_part_t *p) { return p->nstr; }

const char *dc_store_part_string(const dc_store_part_t *p, uint32_t lid, size_t *len)
{
    if (lid > p->nstr) return NULL;
    if (len) *len = (size_t)(p->soff[lid + 1] - p->soff[lid] - 1);
    return p->strs + p->soff[lid];
}

/* The value of width w whose byte j is at p[j * n]. */
static inline uint64_t plane_get(const unsigned char *p, uint32_t n, unsigned w)
{
    uint64_t v = 0;
    for (unsigned j = 0; j < w; j++) v |= (uint64_t)p[(size_t)j * n] << (8 * j);
    return v;
}

/* One field of record r (in a block of n records, record i): string
 * codes resolved against `next` (and gid when interning at open). */
#define F_DEC(e, wd, s)                                                        \
    do {                                                                       \
        uint64_t v = plane_get(raw + (size_t)n * PREFIX[c] + i, n, wd);        \
        if (s && v) {                                                          \
            if (v == 1) {                                                      \
                if (next > nstr) return CORRUPT(p, "block %u: string id", b);  \
                v = next++;                                                    \
            } else {                                                           \
                if (v - 1 >= next) return CORRUPT(p, "block %u: string id", b);\
                v = next - (v - 1);                                            \
            }                                                                  \
            if (gid) v = gid[v];                                               \
        }                                                                      \
        e = v;                                                                 \
        c++;                                                                   \
    } while (0);

/* Decode record block b (raw bytes, checked) into p->recs: record by
 * record, in order, since a string code depends on the codes before it. */
static int decode_block(dc_store_part_t *p, uint32_t b, const unsigned char *raw)
{
    uint32_t n = p->idx[b].items;
    uint64_t next = st_get(p->map + p->idx[b].off + 20, 4), nstr = p->nstr;
    if (next < 1 || next > nstr + 1) return CORRUPT(p, "block %u: first string id", b);
    const uint32_t *gid = p->gid;
    for (uint32_t i = 0; i < n; i++) {
        dc_record_t *r = &p->recs[i];
        memset(r, 0, sizeof *r);
        unsigned c = 0;
        REC_FIELDS(F_DEC)
        r->source = p->source;
    }
    return 0;
}

static void lazy_intern(dc_store_part_t *p, dc_record_t *r);
static void lazy_intern_many(dc_store_part_t *p, dc_record_t *r, size_t n);

/* Local strings want[0..*m) into the interner: keys first, their slots
 * fetched, then interned. */
static void flush_group(dc_store_part_t *p, const uint32_t *want, uint64_t *key, unsigned *m)
{
    for (unsigned j = 0; j < *m; j++) {
        uint32_t l = want[j];
        key[j] = dc_intern_key(p->strs + p->soff[l], (size_t)(p->soff[l + 1] - p->soff[l] - 1));
        dc_intern_prefetch_key(p->lazy, key[j]);
    }
    for (unsigned j = 0; j < *m; j++) {
        uint32_t l = want[j];
        p->lgid[l] = dc_intern_with_key(p->lazy, p->strs + p->soff[l], (size_t)(p->soff[l + 1] - p->soff[l] - 1), key[j]);
    }
    *m = 0;
}

/* String columns: which fields hold string codes. */
#define F_ISSTR(e, w, s) s,
static const unsigned char ISSTR[] = {REC_FIELDS(F_ISSTR)};
#define F_STRW(e, w, s) _Static_assert(!(s) || (w) == 4, "a string code is 4 bytes");
REC_FIELDS(F_STRW)

/* Records of block b (raw bytes, checked) with sel[i] into out, in order;
 * the others are only stepped over (their string codes counted: a code
 * depends on the codes before it). @return the records decoded, or -1. */
static int64_t decode_sel(dc_store_part_t *p, uint32_t b, const unsigned char *raw, const uint8_t *sel,
                          dc_record_t *out)
{
    uint32_t n = p->idx[b].items;
    uint64_t next = st_get(p->map + p->idx[b].off + 20, 4), nstr = p->nstr;
    if (next < 1 || next > nstr + 1) return CORRUPT(p, "block %u: first string id", b);
    const uint32_t *gid = p->gid;
    int64_t k = 0;
    unsigned sc[NCOLS], ns = 0;   /* the string columns' starts */
    for (unsigned c = 0; c < NCOLS; c++)
        if (ISSTR[c]) sc[ns++] = PREFIX[c];
    for (uint32_t i = 0; i < n; i++) {
        if (!sel[i]) {   /* a run of skipped records: their new strings counted column by column */
            uint32_t j = i + 1;
            while (j < n && !sel[j]) j++;
            for (unsigned x = 0; x < ns; x++) {   /* a code of 1 is a new string: bytes 1, 0, 0, 0 */
                const unsigned char *q0 = raw + (size_t)n * sc[x], *q1 = q0 + n, *q2 = q1 + n, *q3 = q2 + n;
                uint32_t c = 0;
                for (uint32_t y = i; y < j; y++) c += (q0[y] == 1) & (q1[y] == 0) & (q2[y] == 0) & (q3[y] == 0);
                next += c;
            }
            if (next > nstr + 1) return CORRUPT(p, "block %u: string id", b);
            i = j - 1;
            continue;
        }
        dc_record_t *r = &out[k++];
        memset(r, 0, sizeof *r);
        unsigned c = 0;
        REC_FIELDS(F_DEC)
        r->source = p->source;
    }
    return k;
}

int dc_store_part_read_sel(dc_store_part_t *p, const uint8_t *sel, dc_record_t *out)
{
    for (uint32_t b = 0; b < p->nrb; b++) {
        uint32_t lo = b * p->block_records, n = p->idx[b].items, any = 0;
        for (uint32_t i = 0; i < n && !any; i++) any = sel[lo + i];
        if (!any) continue;
        const unsigned char *raw;
        if (block_raw(p, b, &raw) != 0) return -1;
        int64_t k = decode_sel(p, b, raw, sel + lo, out);
        if (k < 0) return -1;
        if (p->lazy) lazy_intern_many(p, out, (size_t)k);
        out += k;
    }
    return 0;
}

static int use_block(dc_store_part_t *p, uint32_t b)
{
    if (p->cur == b) return 0;
    p->cur = UINT32_MAX;
    const unsigned char *raw;
    if (block_raw(p, b, &raw) != 0) return -1;
    if (!p->recs) p->recs = dc_xmalloc((size_t)p->block_records * sizeof *p->recs);
    if (decode_block(p, b, raw) != 0) return -1;
    p->cur = b;
    return 0;
}

/* A lazy reader's record: its strings (local ids) into the caller's
 * interner, each string interned the first time a record read holds it. */
static void lazy_intern(dc_store_part_t *p, dc_record_t *r)
{
#define F_LAZY(e, wd, s)                                                                          \
    if (s && e) {                                                                                 \
        uint32_t l = (uint32_t)(e);                                                               \
        if (!p->lgid[l])                                                                          \
            p->lgid[l] = dc_intern(p->lazy, p->strs + p->soff[l], (size_t)(p->soff[l + 1] - p->soff[l] - 1)); \
        e = p->lgid[l];                                                                           \
    }
    REC_FIELDS(F_LAZY)
#undef F_LAZY
}

enum { INTERN_GROUP = 16 };

/* Record r's strings not interned yet onto want[] (each once: pending). */
static void want_strings(dc_store_part_t *p, const dc_record_t *r, uint32_t *want, uint64_t *key, unsigned *m)
{
#define F_WANT(e, wd, s)                                                  \
    if (s && e && !p->lgid[(uint32_t)(e)]) {                              \
        p->lgid[(uint32_t)(e)] = UINT32_MAX; /* pending: listed once */   \
        want[(*m)++] = (uint32_t)(e);                                     \
        if (*m == INTERN_GROUP) flush_group(p, want, key, m);             \
    }
    REC_FIELDS(F_WANT)
#undef F_WANT
}

/* lazy_intern for records r[0..n): the strings not interned yet, each
 * once, in groups whose keys are computed and whose interner slots are
 * fetched before any is interned (one string at a time, each lookup
 * waited for its cache miss). */
static void lazy_intern_many(dc_store_part_t *p, dc_record_t *r, size_t n)
{
    uint32_t want[INTERN_GROUP];
    uint64_t key[INTERN_GROUP];
    unsigned m = 0;
    for (size_t i = 0; i < n; i++) want_strings(p, &r[i], want, key, &m);
    flush_group(p, want, key, &m);
    for (size_t i = 0; i < n; i++) lazy_intern(p, &r[i]);   /* every string now has its id */
}

int dc_store_part_read(dc_store_part_t *p, uint32_t lo, uint32_t n, dc_record_t *out)
{
    if ((uint64_t)lo + n > p->nrec) return dc_seterr("store partition %s: records %u..%u out of range", p->path, lo, lo + n);
    while (n) {
        uint32_t b = lo / p->block_records, i = lo % p->block_records;
        if (use_block(p, b) != 0) return -1;
        uint32_t k = DC_MIN(n, p->idx[b].items - i);
        memcpy(out, p->recs + i, (size_t)k * sizeof *out);
        if (p->lazy)
            for (uint32_t x = 0; x < k; x++) lazy_intern(p, &out[x]);
        out += k;
        lo += k;
        n -= k;
    }
    return 0;
}

int dc_store_part_get(dc_store_part_t *p, uint32_t idx, dc_record_t *out)
{
    return dc_store_part_read(p, idx, 1, out);
}

int seg_reader_verify(dc_store_part_t *p)
{
    for (uint32_t b = 0; b < p->nrb; b++)
        if (use_block(p, b) != 0) return -1;
    return 0;
}

uint64_t dc_store_digest(uint64_t h, const dc_record_t *recs, size_t n, const dc_intern_t *in)
{
    for (size_t k = 0; k < n; k++) {
        const dc_record_t *r = &recs[k];
        unsigned char buf[NCOLS * 8], *p = buf;
#define F_DIG(e, wd, s)                                               \
        do {                                                          \
            uint64_t v = (uint64_t)(e);                               \
            if (s) v = dc_intern_hash(in, (uint32_t)v);               \
            st_put(p, v, s ? 8 : wd);                                 \
            p += s ? 8 : wd;                                          \
        } while (0);
        REC_FIELDS(F_DIG)
#undef F_DIG
        h = dc_hash64_seed(buf, (size_t)(p - buf), h);
    }
    return h;
}

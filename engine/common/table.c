/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * table.c - CSV / JSON Lines table writer over dc_outfile (dc_common.h).
 *
 * Spreadsheet formulas (OWASP "CSV Injection"): a CSV cell whose text
 * starts with = + - @ TAB or CR would be run as a formula by a spreadsheet
 * that opens the file (a record_id `=HYPERLINK(...)`). Unless
 * dc_table_formula_guard is 0, such a string cell, and one starting with a
 * single quote, is written with a single quote in front: `'=HYPERLINK(...)`
 * (then quoted as usual if it holds a comma or quote). The rule is exact
 * to undo: a CSV string cell starting with a single quote had one added;
 * drop it. Number cells (dc_table_u64/i64/f64) and JSON Lines are never
 * changed. Header cells follow the same rule.
 */
#include "common/dc_common.h"

#include <inttypes.h>  /* PRId64 */
#include <math.h>      /* isfinite, floor */
#include <pthread.h>   /* pthread_mutex_t, pthread_cond_t */
#include <stdio.h>     /* snprintf */
#include <stdlib.h>    /* free */
#if defined(__SSE2__)
#include <emmintrin.h> /* _mm_cmpeq_epi8 */
#endif
#include <string.h>    /* strlen */
#include <zstd.h>      /* ZSTD_compress2 */

#define FLUSH_AT (1u << 17)

int dc_table_formula_guard = 1;

/* First bytes that get a guarding single quote (see the head comment). */
static const unsigned char formula_lead[256] = {['='] = 1, ['+'] = 1, ['-'] = 1, ['@'] = 1,
                                                ['\t'] = 1, ['\r'] = 1, ['\''] = 1};

static inline int csv_guard(const char *s, size_t n)
{
    return dc_table_formula_guard && n && formula_lead[(unsigned char)s[0]];
}

int dc_table_formula_mode(const char *mode)
{
    if (!strcmp(mode, "escape")) dc_table_formula_guard = 1;
    else if (!strcmp(mode, "raw")) dc_table_formula_guard = 0;
    else return -1;
    return 0;
}

/* A CSV cell through dc_buf_put_csv, guarded. */
static void put_csv_guarded(dc_buf_t *b, const char *s, size_t n)
{
    if (!csv_guard(s, n)) {
        dc_buf_put_csv(b, s, n, ',');
        return;
    }
    dc_buf_t g = DC_BUF_INIT;
    dc_buf_putc(&g, '\'');
    dc_buf_put(&g, s, n);
    dc_buf_put_csv(b, g.p, g.len, ',');
    dc_buf_free(&g);
}

struct dc_table {
    dc_outfile_t *out;
    dc_format_t fmt;
    char **cols;
    size_t ncols, cell;
    uint64_t rows;
    int bad;
    size_t row_start;  /* b.len where the current row began */
    dc_buf_t b;
};

static void begin_cell(dc_table_t *t)
{
    if (t->cell >= t->ncols) { t->bad = 1; t->cell++; return; }
    if (t->fmt == DC_FMT_CSV) {
        if (t->cell) dc_buf_putc(&t->b, ',');
    } else {
        dc_buf_putc(&t->b, t->cell ? ',' : '{');
        const char *c = t->cols[t->cell];
        dc_buf_put_json_str(&t->b, c, strlen(c));
        dc_buf_putc(&t->b, ':');
    }
    t->cell++;
}

dc_table_t *dc_table_open(const char *dir, const char *name, dc_format_t fmt, int compress,
                          const char *const *cols, size_t ncols)
{
    dc_buf_t path = DC_BUF_INIT;
    dc_buf_printf(&path, "%s/%s.%s%s", dir, name, fmt == DC_FMT_JSONL ? "jsonl" : "csv",
                  compress ? ".zst" : "");
    dc_table_t *t = dc_table_open_path(path.p, fmt, compress, cols, ncols);
    dc_buf_free(&path);
    return t;
}

dc_table_t *dc_table_open_path(const char *path, dc_format_t fmt, int compress, const char *const *cols,
                               size_t ncols)
{
    dc_outfile_t *out = dc_outfile_open(path, compress ? DC_OUT_ZSTD : 0);
    if (!out) return NULL;
    dc_table_t *t = dc_xcalloc(1, sizeof *t);
    t->out = out;
    t->fmt = fmt;
    t->ncols = ncols;
    t->cols = dc_xcalloc(ncols ? ncols : 1, sizeof *t->cols);
    for (size_t i = 0; i < ncols; i++) t->cols[i] = dc_xstrdup(cols[i]);
    if (fmt == DC_FMT_CSV) {
        for (size_t i = 0; i < ncols; i++) {
            if (i) dc_buf_putc(&t->b, ',');
            put_csv_guarded(&t->b, cols[i], strlen(cols[i]));
        }
        dc_buf_putc(&t->b, '\n');
    }
    t->row_start = t->b.len;
    return t;
}

dc_table_t *dc_table_mem(dc_format_t fmt, const char *const *cols, size_t ncols)
{
    dc_table_t *t = dc_xcalloc(1, sizeof *t);
    t->fmt = fmt;
    t->ncols = ncols;
    t->cols = dc_xcalloc(ncols ? ncols : 1, sizeof *t->cols);
    for (size_t i = 0; i < ncols; i++) t->cols[i] = dc_xstrdup(cols[i]);
    return t;
}

int dc_table_append(dc_table_t *t, dc_table_t *mem)
{
    int rc = 0;
    if (t->cell || mem->cell) rc = dc_seterr("%s: row incomplete", t->out ? dc_outfile_path(t->out) : "table");
    if (rc == 0) t->rows += mem->rows;   /* (rows put with no bytes: dc_table_mem_put) */
    if (rc == 0 && mem->b.len) {
        if (t->out && mem->b.len >= FLUSH_AT) {
            /* a large block goes to the file as it is (same bytes, one copy less) */
            if (t->b.len) rc = dc_outfile_buf(t->out, &t->b);
            dc_buf_clear(&t->b);
            if (rc == 0) rc = dc_outfile_buf(t->out, &mem->b);
        } else {
            dc_buf_put(&t->b, mem->b.p, mem->b.len);
            if (t->out && t->b.len >= FLUSH_AT) {
                rc = dc_outfile_buf(t->out, &t->b);
                dc_buf_clear(&t->b);
            }
        }
        t->row_start = t->b.len;
    }
    dc_buf_clear(&mem->b);
    mem->rows = 0;
    mem->row_start = 0;
    return rc;
}

/* Bytes that make a CSV cell quoted (besides a leading or trailing space). */
static const unsigned char csv_special[256] = {[','] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1};

/* Whether s[0..n) must be quoted: a special byte, or a leading or
 * trailing space. Sixteen bytes at a time where SSE2 is available (the
 * addresses of citizens.csv are long), stopping at the first special. */
static inline int csv_needs_quotes(const char *s, size_t n)
{
    if (!n) return 0;
    if (s[0] == ' ' || s[n - 1] == ' ') return 1;
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i c1 = _mm_set1_epi8(','), c2 = _mm_set1_epi8('"'), c3 = _mm_set1_epi8('\n'),
                  c4 = _mm_set1_epi8('\r');
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, c1), _mm_cmpeq_epi8(v, c2)),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, c3), _mm_cmpeq_epi8(v, c4)));
        if (_mm_movemask_epi8(m)) return 1;
    }
#endif
    for (; i < n; i++)
        if (csv_special[(unsigned char)s[i]]) return 1;
    return 0;
}

/* CSV: room for `need` more bytes of the cell plus its comma and the NUL;
 * the comma is written. @return where the cell's bytes go. */
static inline char *csv_cell(dc_table_t *t, size_t need)
{
    dc_buf_t *b = &t->b;
    if (b->len + need + 2 > b->cap) dc_buf_reserve(b, need + 1);
    char *p = b->p + b->len;
    if (t->cell++) *p++ = ',';
    return p;
}

static inline void csv_end(dc_table_t *t, char *p)
{
    *p = '\0';
    t->b.len = (size_t)(p - t->b.p);
}

void dc_table_str(dc_table_t *t, const char *s, size_t n)
{
    if (t->fmt == DC_FMT_CSV && t->cell < t->ncols) {
        /* one scan decides the quoting (dc_buf_put_csv's rule), one copy */
        int g = csv_guard(s, n);
        if (!csv_needs_quotes(s, n)) {
            char *p = csv_cell(t, n + 1);
            if (g) *p++ = '\'';
            memcpy(p, s, n);
            csv_end(t, p + n);
            return;
        }
        char *p = csv_cell(t, 2 * n + 3);
        *p++ = '"';
        if (g) *p++ = '\'';
        const char *e = s + n;
        while (s < e) {
            const char *dq = memchr(s, '"', (size_t)(e - s));
            size_t k = dq ? (size_t)(dq - s) + 1 : (size_t)(e - s);
            memcpy(p, s, k);
            p += k;
            s += k;
            if (dq) *p++ = '"';
        }
        *p++ = '"';
        csv_end(t, p);
        return;
    }
    begin_cell(t);
    if (t->fmt == DC_FMT_CSV) put_csv_guarded(&t->b, s, n);
    else dc_buf_put_json_str(&t->b, s, n);
}

void dc_table_cstr(dc_table_t *t, const char *s) { dc_table_str(t, s, strlen(s)); }

void dc_table_null(dc_table_t *t)
{
    if (t->fmt == DC_FMT_CSV && t->cell < t->ncols) {
        csv_end(t, csv_cell(t, 0));
        return;
    }
    begin_cell(t);
    if (t->fmt == DC_FMT_JSONL) dc_buf_puts(&t->b, "null");
}

void dc_table_u64(dc_table_t *t, uint64_t v)
{
    if (t->fmt == DC_FMT_CSV && t->cell < t->ncols) {
        char tmp[24];
        int i = 24;
        do { tmp[--i] = (char)('0' + v % 10); v /= 10; } while (v);
        char *p = csv_cell(t, (size_t)(24 - i));
        memcpy(p, tmp + i, (size_t)(24 - i));
        csv_end(t, p + (24 - i));
        return;
    }
    begin_cell(t);
    dc_buf_putu64(&t->b, v);
}

void dc_table_i64(dc_table_t *t, int64_t v)
{
    begin_cell(t);
    dc_buf_printf(&t->b, "%" PRId64, v);
}

void dc_table_f64(dc_table_t *t, double v, int decimals)
{
    if (!isfinite(v)) { dc_table_null(t); return; }
    begin_cell(t);
    if (v == 0) v = 0; /* no "-0.0000" */
    dc_buf_reserve(&t->b, 32);
    size_t n = dc_format_fixed(t->b.p + t->b.len, v, decimals);
    if (n) t->b.len += n;
    else dc_buf_printf(&t->b, "%.*f", decimals, v);
}

int dc_table_end_row(dc_table_t *t)
{
    if (t->bad || t->cell != t->ncols) {
        int rc = dc_seterr("%s: row %llu has %zu cells, expected %zu",
                           t->out ? dc_outfile_path(t->out) : "table",
                           (unsigned long long)t->rows + 1, t->cell, t->ncols);
        t->bad = 0;
        t->cell = 0;
        t->b.len = t->row_start; /* drop the malformed row */
        if (t->b.p) t->b.p[t->b.len] = '\0';
        return rc;
    }
    if (t->fmt == DC_FMT_JSONL) dc_buf_puts(&t->b, t->ncols ? "}\n" : "{}\n");
    else dc_buf_putc(&t->b, '\n');
    t->cell = 0;
    t->rows++;
    if (t->out && t->b.len >= FLUSH_AT) {
        int rc = dc_outfile_buf(t->out, &t->b);
        dc_buf_clear(&t->b);
        t->row_start = 0;
        return rc;
    }
    t->row_start = t->b.len;
    return 0;
}

/* 10^k, k <= 9 */
static const double pow10_tab[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

size_t dc_format_fixed(char *out, double v, int decimals)
{
    /* Fast path: |v| < 2^31 / 10^decimals, up to 9 decimals. v * 10^d is
     * rounded to an integer; when it lies within 1e-6 of a half (where the
     * rounding of the product could differ from printf's exact decimal
     * rounding) printf decides. */
    if (decimals >= 0 && decimals <= 9 && isfinite(v)) {
        double av = v < 0 ? -v : v, scale = pow10_tab[decimals], x = av * scale;
        if (x < 2147483647.0) {
            double fl = floor(x), frac = x - fl;
            if (frac < 0.5 - 1e-6 || frac > 0.5 + 1e-6) {
                uint64_t q = (uint64_t)fl + (frac > 0.5);
                uint64_t ip = q / (uint64_t)scale, fp = q % (uint64_t)scale;
                char tmp[24];
                size_t n = 0;
                if (v < 0) out[n++] = '-';   /* printf keeps the sign of -0.00001: "-0.0000" */
                int k = 0;
                do { tmp[k++] = (char)('0' + ip % 10); ip /= 10; } while (ip);
                while (k) out[n++] = tmp[--k];
                if (decimals) {
                    out[n++] = '.';
                    for (int d = decimals - 1; d >= 0; d--) { out[n + (size_t)d] = (char)('0' + fp % 10); fp /= 10; }
                    n += (size_t)decimals;
                }
                out[n] = '\0';
                return n;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------- blocks in parallel */

typedef struct wblocks {
    dc_table_t *t;
    dc_table_block_fn fn;
    void *ctx;
    size_t nrows, block, nblocks, nslots;
    dc_table_t **mem;      /* per slot: block b uses slot b % nslots */
    char *ready;           /* per slot */
    int *rc;               /* per slot */
    int zstd;              /* compressed table: one frame per block */
    dc_buf_t *z;           /* per slot: the block's frame */
    ZSTD_CCtx **cc;        /* per thread */
    size_t next;           /* next block to format */
    size_t written;        /* blocks appended to t */
    int failed;
    char err[512];         /* the first error (messages are per thread) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} wblocks_t;

static void wb_format(wblocks_t *w, size_t b, int tid)
{
    size_t s = b % w->nslots, lo = b * w->block, hi = DC_MIN(lo + w->block, w->nrows);
    int rc = w->fn(w->ctx, w->mem[s], lo, hi, tid);
    if (rc == 0 && w->mem[s]->cell) rc = dc_seterr("%s: row incomplete", dc_table_path(w->t));
    if (rc == 0 && w->zstd) {
        /* the same parameters as dc_outfile's stream: level 3, checksum */
        if (!w->cc[tid]) {
            w->cc[tid] = ZSTD_createCCtx();
            if (!w->cc[tid]) dc_die("cannot create a zstd context");
            ZSTD_CCtx_setParameter(w->cc[tid], ZSTD_c_compressionLevel, 3);
            ZSTD_CCtx_setParameter(w->cc[tid], ZSTD_c_checksumFlag, 1);
        }
        const dc_buf_t *in = &w->mem[s]->b;
        dc_buf_t *z = &w->z[s];
        dc_buf_clear(z);
        dc_buf_reserve(z, ZSTD_compressBound(in->len));
        size_t r = ZSTD_compress2(w->cc[tid], z->p, z->cap, in->p ? in->p : "", in->len);
        if (ZSTD_isError(r)) rc = dc_seterr("zstd compression of %s failed: %s", dc_table_path(w->t), ZSTD_getErrorName(r));
        else z->len = r;
    }
    pthread_mutex_lock(&w->mu);
    if (rc && !w->err[0]) snprintf(w->err, sizeof w->err, "%s", dc_geterr());
    w->ready[s] = 1;
    w->rc[s] = rc;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static int wb_append(wblocks_t *w, size_t s)
{
    int rc;
    if (w->zstd) {   /* the frame made by the formatting thread */
        dc_table_t *t = w->t, *mem = w->mem[s];
        rc = 0;
        if (t->b.len) rc = dc_outfile_buf(t->out, &t->b);   /* the header */
        dc_buf_clear(&t->b);
        t->row_start = 0;
        if (rc == 0) rc = dc_outfile_put_frame(t->out, w->z[s].p, w->z[s].len);
        t->rows += mem->rows;
        dc_buf_clear(&mem->b);
        mem->rows = 0;
        mem->row_start = 0;
    } else {
        rc = dc_table_append(w->t, w->mem[s]);
    }
    if (rc) {
        pthread_mutex_lock(&w->mu);
        if (!w->err[0]) snprintf(w->err, sizeof w->err, "%s", dc_geterr());
        pthread_mutex_unlock(&w->mu);
    }
    return rc;
}

/* Thread 0 (the caller) writes the blocks in order and formats one itself
 * whenever the next block to write is not ready; the others only format.
 * A block is formatted only when its slot is free (at most nslots blocks
 * ahead of the writer), so memory stays bounded. */
static void wb_main(void *p, int tid, int nthreads)
{
    DC_UNUSED(nthreads);
    wblocks_t *w = p;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        if (w->failed || w->written == w->nblocks) break;
        if (tid == 0) {
            size_t s = w->written % w->nslots;
            if (w->ready[s]) {
                int rc = w->rc[s];
                pthread_mutex_unlock(&w->mu);
                if (rc == 0) rc = wb_append(w, s);
                pthread_mutex_lock(&w->mu);
                w->ready[s] = 0;
                w->written++;
                if (rc) { w->failed = 1; w->rc[s] = rc; }
                pthread_cond_broadcast(&w->cv);
                continue;
            }
        }
        if (w->next < w->nblocks && w->next < w->written + w->nslots) {
            size_t b = w->next++;
            pthread_mutex_unlock(&w->mu);
            wb_format(w, b, tid);
            pthread_mutex_lock(&w->mu);
            continue;
        }
        if (tid != 0 && w->next >= w->nblocks) break;
        pthread_cond_wait(&w->cv, &w->mu);
    }
    pthread_mutex_unlock(&w->mu);
}

int dc_table_write_blocks(dc_table_t *t, int nthreads, size_t nrows, size_t block,
                          dc_table_block_fn fn, void *ctx)
{
    if (t->cell) return dc_seterr("%s: row incomplete", dc_table_path(t));
    if (nthreads < 1) nthreads = 1;
    if (!block) block = 1;
    wblocks_t w;
    memset(&w, 0, sizeof w);
    w.t = t;
    w.fn = fn;
    w.ctx = ctx;
    w.nrows = nrows;
    w.block = block;
    w.nblocks = (nrows + block - 1) / block;
    w.nslots = DC_MAX((size_t)4 * (size_t)nthreads, 2);
    w.mem = dc_xcalloc(w.nslots, sizeof *w.mem);
    w.ready = dc_xcalloc(w.nslots, 1);
    w.rc = dc_xcalloc(w.nslots, sizeof *w.rc);
    for (size_t s = 0; s < w.nslots; s++) w.mem[s] = dc_table_mem(t->fmt, (const char *const *)t->cols, t->ncols);
    w.zstd = t->out && dc_outfile_zstd(t->out);
    w.z = dc_xcalloc(w.nslots, sizeof *w.z);
    w.cc = dc_xcalloc((size_t)nthreads, sizeof *w.cc);
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    dc_pool_run(w.nblocks > 1 ? nthreads : 1, wb_main, &w);
    int rc = w.failed ? dc_seterr("%s", w.err[0] ? w.err : "writing failed") : 0;
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    for (size_t s = 0; s < w.nslots; s++) {
        dc_table_abort(w.mem[s]);
        dc_buf_free(&w.z[s]);
    }
    for (int i = 0; i < nthreads; i++) ZSTD_freeCCtx(w.cc[i]);
    free(w.z);
    free(w.cc);
    free(w.mem);
    free(w.ready);
    free(w.rc);
    return rc;
}

static void table_free(dc_table_t *t)
{
    for (size_t i = 0; i < t->ncols; i++) free(t->cols[i]);
    free(t->cols);
    dc_buf_free(&t->b);
    free(t);
}

int dc_table_commit(dc_table_t *t)
{
    int rc = 0;
    if (!t->out) {
        table_free(t);
        return dc_seterr("a memory table cannot be committed (dc_table_append it)");
    }
    if (t->cell) rc = dc_seterr("%s: last row incomplete", dc_outfile_path(t->out));
    if (rc == 0 && t->b.len) rc = dc_outfile_buf(t->out, &t->b);
    if (rc == 0) rc = dc_outfile_commit(t->out);
    else dc_outfile_abort(t->out);
    table_free(t);
    return rc;
}

void dc_table_abort(dc_table_t *t)
{
    if (!t) return;
    if (t->out) dc_outfile_abort(t->out);
    table_free(t);
}

const char *dc_table_path(const dc_table_t *t) { return t->out ? dc_outfile_path(t->out) : ""; }
uint64_t dc_table_rows(const dc_table_t *t) { return t->rows; }

void dc_table_mem_put(dc_table_t *mem, const char *bytes, size_t len, uint64_t rows)
{
    if (len) dc_buf_put(&mem->b, bytes, len);
    mem->rows += rows;
    mem->row_start = mem->b.len;
}

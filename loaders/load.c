/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * load.c - dc_load(): files in, batches of canonical rows out (dc_loader.h).
 *
 * DESIGN
 *   The calling thread is the reader. Per file it opens the stream, strips a
 *   BOM, detects the encoding (first MiB; a legacy encoding recognised in
 *   the first 128 KiB with confidence >= 0.9 is taken without looking
 *   further) and the delimiter (header line),
 *   parses and maps the header, calls sink->source_begin, then cuts the
 *   stream into chunks of about chunk_size bytes at record boundaries
 *   (dc_csv_cut: memchr on quotes and line ends) and queues them.
 *
 *   Old Mac files end their lines with a lone CR: a file whose first MiB
 *   holds a CR and no LF is read with every CR turned into a LF as it is
 *   read (rbuf_t.cr_only), so its rows are rows, not one huge header.
 *
 *   N worker threads take chunks in order from the queue and, per chunk:
 *     1. parse + decode every record into rows and rejects (parallel);
 *     2. number it: wait until every earlier chunk is numbered, then take
 *        the file's line and row counters (serial, in input order, cheap);
 *     3. sink->process (parallel, any order);
 *     4. commit: chunks are committed strictly in input order by whichever
 *        worker holds the next one (one committer at a time): sink->commit,
 *        reject rows to opts->rejects, counters.
 *   At most 2N+2 chunks are in flight (read but not committed): the reader
 *   blocks beyond that, so memory stays bounded whatever the file size.
 *   With a source_begin callback, the reader waits between two files until
 *   every chunk of the first is committed, so source_begin never runs
 *   beside another callback; without one, chunks of consecutive files
 *   follow each other in the pipeline (numbering and commit stay in input
 *   order, per file counters live in each file's own context).
 *
 *   Locking: one mutex `m` protects the queue, the in-flight count, the
 *   numbering and commit cursors, the per-file counters and the failure
 *   flag. Callbacks and parsing run without it.
 */
#include "dc_loader_int.h"
#include "dc_encoding.h"

#include <pthread.h>  /* pthread_create, mutex, cond */
#include <stdlib.h>   /* free */
#include <string.h>   /* memcpy */

#define DETECT_BYTES ((size_t)1 << 20)
#define DETECT_QUICK ((size_t)32 << 10)
#define DETECT_QUICK_CONFIDENCE 0.9
#define HEADER_MAX ((size_t)16 << 20)

enum { CK_DATA = 0, CK_UNTERM = 1, CK_TOOLONG = 2 };

/* A record longer than any valid one (every field at most max_field bytes,
 * each maybe quoted with every byte doubled) is rejected without being
 * buffered whole: its first REJECT_RAW_MAX bytes go to the rejects, the
 * rest of it is skipped to the end of the physical line where the bound
 * was passed. So one long line costs its own line and a few MiB, not its
 * size in memory. */
#define REJECT_RAW_MAX ((size_t)4096)

typedef struct rej {
    uint64_t line_rel, seq_rel;
    int reason;
    size_t off, len;   /* escaped raw text in chunk->rejbuf */
} rej_t;

typedef struct acc {
    uint64_t line_rel, seq_rel;
    size_t cell0;        /* first cell in chunk->cells */
    size_t name_off;     /* split names: recombined name in scratch */
    uint32_t name_len;
    uint32_t raw_len;    /* the raw record: chunk->raw[raw_off ..), for a late reject */
    size_t raw_off;
    dc_hash128_t idh;    /* XXH3-128 of the record_id cell (files with a record_id column) */
} acc_t;

typedef struct cell {
    const char *p;       /* NULL: in scratch at off */
    size_t off;
    uint32_t len;
} cell_t;

typedef struct file_ctx file_ctx_t;

typedef struct chunk {
    struct chunk *next;
    uint64_t id;
    file_ctx_t *file;
    int kind;
    char *raw;
    size_t len;
    /* results */
    uint64_t nrec, nlines, nblank;
    acc_t *acc;
    size_t nacc, acccap;
    cell_t *cells;
    size_t ncells, cellcap;
    dc_buf_t scratch;
    rej_t *rej;
    size_t nrej, rejcap;
    dc_buf_t rejbuf;
    dc_buf_t idbuf;      /* record_ids made from line numbers */
    dc_row_t *rows;
    const char **xp;
    uint32_t *xl;
    dc_batch_t batch;
} chunk_t;

/* The record_ids of one file seen so far: open addressing over their
 * XXH3-128 hashes (a false "duplicate" would need a 128-bit collision).
 * Used under the loader's mutex, in input order; freed as soon as the
 * file's last chunk is numbered, so at most one file's set is alive per
 * file in flight (16 bytes per slot, at most 2 slots per row). */
typedef struct idset {
    dc_hash128_t *slot;   /* {0, 0} = empty (a zero hash is stored as {0, 1}) */
    size_t cap, n;
} idset_t;

struct file_ctx {
    dc_source_info_t *info;
    dc_header_map_t map;
    dc_encoding_t enc;
    char delim;
    uint8_t cls[256];
    int id_col;                     /* input column of record_id, -1: none (identity = line) */
    uint64_t next_line, next_seq;   /* numbering state (under m) */
    idset_t ids;                    /* under m */
    uint64_t queued, numbered;      /* chunks of this file (under m) */
    int read_done;                  /* every chunk of the file is queued (under m) */
};

typedef struct loader {
    const dc_load_opts_t *opts;
    const dc_sink_t *sink;
    dc_load_stats_t *stats;
    size_t max_field, chunk_size;
    int nthreads;
    pthread_mutex_t m;
    pthread_cond_t cv_work, cv_order, cv_space;
    chunk_t *qhead, *qtail;
    int done;               /* no more chunks will be queued */
    size_t inflight, max_inflight;
    uint64_t next_id, next_number, next_commit, next_batch;
    chunk_t **ring;         /* parsed+processed chunks awaiting commit, by id % max_inflight */
    int committing;
    int failed;
    char err[512];
} loader_t;

/* ------------------------------------------------------------- failure */

static void fail_locked(loader_t *L, const char *msg)
{
    if (!L->failed) {
        L->failed = 1;
        snprintf(L->err, sizeof L->err, "%s", msg);
    }
    pthread_cond_broadcast(&L->cv_space);
}

static void fail(loader_t *L, const char *msg)
{
    pthread_mutex_lock(&L->m);
    fail_locked(L, msg);
    pthread_mutex_unlock(&L->m);
}

/* --------------------------------------------------------------- parse */

static void add_reject(chunk_t *c, uint64_t line_rel, uint64_t seq_rel, int reason, const char *p, size_t n)
{
    c->rej = dc_grow(c->rej, &c->rejcap, c->nrej + 1, sizeof *c->rej);
    rej_t *r = &c->rej[c->nrej++];
    r->line_rel = line_rel;
    r->seq_rel = seq_rel;
    r->reason = reason;
    r->off = c->rejbuf.len;
    dc_escape_raw(c->file->enc, p, n, &c->rejbuf);
    r->len = c->rejbuf.len - r->off;
}

static const char *cell_ptr(const chunk_t *c, const cell_t *x)
{
    return x->p ? x->p : c->scratch.p + x->off;
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int all_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_space(s[i])) return 0;
    return 1;
}

/* Parse and decode all records of a chunk. `dtmp` is the worker's buffer. */
static void parse_chunk(loader_t *L, chunk_t *c, dc_csv_rec_t *rec, dc_buf_t *dtmp)
{
    file_ctx_t *F = c->file;
    const dc_header_map_t *M = &F->map;
    if (c->kind == CK_UNTERM) {
        for (size_t i = 0; i < c->len; i++) c->nlines += c->raw[i] == '\n';
        c->nrec = 1;
        add_reject(c, 0, 0, DC_REJ_UNTERMINATED, c->raw, c->len);
        return;
    }
    if (c->kind == CK_TOOLONG) {   /* c->nlines was set by the reader */
        c->nrec = 1;
        add_reject(c, 0, 0, DC_REJ_RECORD_TOO_LONG, c->raw, c->len);
        return;
    }
    const char *p = c->raw, *end = c->raw + c->len;
    uint64_t line_rel = 0;
    dc_buf_reserve(&c->scratch, 256);   /* scratch.p is never NULL below */
    while (p < end) {
        const char *rs = p;
        size_t mark = c->scratch.len;
        p = dc_csv_parse(p, end, F->delim, L->max_field, F->cls, rec, &c->scratch);
        uint64_t here = line_rel;
        line_rel += rec->lines;
        if (rec->blank) {
            c->nblank++;
            continue;
        }
        uint64_t seq_rel = c->nrec++;
        int reason = -1;
        if (rec->nul) reason = DC_REJ_NUL_BYTE;
        else if (rec->too_long) reason = DC_REJ_FIELD_TOO_LONG;
        else if (rec->nf != M->ncols) reason = DC_REJ_FIELD_COUNT;
        size_t cell0 = c->ncells;
        if (reason < 0) {
            if (DC_UNLIKELY(c->ncells + rec->nf > c->cellcap))
                c->cells = dc_grow(c->cells, &c->cellcap, c->ncells + rec->nf, sizeof *c->cells);
            for (size_t i = 0; i < rec->nf; i++) {
                dc_csv_field_t *f = &rec->f[i];
                cell_t *x = &c->cells[c->ncells + i];
                const char *fp = f->in_scratch ? c->scratch.p + f->off : f->p;
                x->len = f->len;
                x->p = f->in_scratch ? NULL : f->p;
                x->off = f->off;
                if (!f->high) continue;   /* ASCII or NFC-safe UTF-8 (checked by the parser) */
                dc_buf_clear(dtmp);
                size_t bad;
                if (dc_decode(F->enc, fp, f->len, dtmp, &bad) != 0) {
                    reason = DC_REJ_BAD_ENCODING;
                    break;
                }
                x->p = NULL;
                x->off = c->scratch.len;
                x->len = (uint32_t)dtmp->len;
                dc_buf_put(&c->scratch, dtmp->p ? dtmp->p : "", dtmp->len);
            }
        }
        size_t name_off = 0;
        uint32_t name_len = 0;
        if (reason < 0) {
            /* the name: ho_ten, or ho + ten_dem + ten joined by single spaces */
            const cell_t *cells = c->cells + cell0;
            if (M->split) {
                name_off = c->scratch.len;
                for (int part = DC_NAME_PART_HO; part <= DC_NAME_PART_TEN; part++) {
                    for (uint32_t col = 0; col < M->ncols; col++) {
                        if (M->part[col] != part) continue;
                        const char *s = cell_ptr(c, &cells[col]);
                        size_t n = cells[col].len, skip = 0;
                        while (n && is_space(s[skip])) skip++, n--;
                        while (n && is_space(s[skip + n - 1])) n--;
                        if (!n) continue;
                        /* the part may live in scratch: grow first, then copy */
                        dc_buf_reserve(&c->scratch, n + 2);
                        if (c->scratch.len > name_off) dc_buf_putc(&c->scratch, ' ');
                        s = cell_ptr(c, &cells[col]) + skip;
                        memcpy(c->scratch.p + c->scratch.len, s, n);
                        c->scratch.len += n;
                        c->scratch.p[c->scratch.len] = 0;
                    }
                }
                name_len = (uint32_t)(c->scratch.len - name_off);
            } else {
                for (uint32_t col = 0; col < M->ncols; col++) {
                    if (M->field[col] != DC_F_HO_TEN) continue;
                    const char *s = cell_ptr(c, &cells[col]);
                    for (uint32_t k = 0; k < cells[col].len; k++)
                        if (!is_space(s[k])) { name_len = 1; break; }
                }
            }
            if (name_len == 0 && !L->opts->names_optional) reason = DC_REJ_NO_NAME;
        }
        dc_hash128_t idh = {0, 0};
        if (reason < 0 && F->id_col >= 0) {
            const cell_t *idc = &c->cells[cell0 + (size_t)F->id_col];
            const char *ip = cell_ptr(c, idc);
            if (all_space(ip, idc->len)) reason = DC_REJ_MISSING_ID;
            else idh = dc_hash128(ip, idc->len);
        }
        if (reason >= 0) {
            c->scratch.len = mark;
            c->ncells = cell0;
            add_reject(c, here, seq_rel, reason, rs, (size_t)(p - rs));
            continue;
        }
        c->ncells += M->ncols;
        if (DC_UNLIKELY(c->nacc == c->acccap)) c->acc = dc_grow(c->acc, &c->acccap, c->nacc + 1, sizeof *c->acc);
        c->acc[c->nacc++] = (acc_t){here, seq_rel, cell0, name_off, M->split ? name_len : 0,
                                    (uint32_t)DC_MIN((size_t)(p - rs), (size_t)UINT32_MAX), (size_t)(rs - c->raw), idh};
    }
    c->nlines = line_rel;
    /* build rows: pointers into raw or the now-final scratch */
    size_t nx = M->nextra;
    c->rows = dc_xcalloc(c->nacc ? c->nacc : 1, sizeof *c->rows);
    if (nx) {
        c->xp = dc_xmalloc((c->nacc ? c->nacc : 1) * nx * sizeof *c->xp);
        c->xl = dc_xmalloc((c->nacc ? c->nacc : 1) * nx * sizeof *c->xl);
    }
    for (size_t i = 0; i < c->nacc; i++) {
        dc_row_t *r = &c->rows[i];
        const cell_t *cells = c->cells + c->acc[i].cell0;
        for (uint32_t col = 0; col < M->ncols; col++) {
            int f = M->field[col];
            if (f < 0 || M->part[col]) continue;
            r->v[f] = cell_ptr(c, &cells[col]);
            r->len[f] = cells[col].len;
        }
        if (M->split) {
            r->v[DC_F_HO_TEN] = c->scratch.p + c->acc[i].name_off;
            r->len[DC_F_HO_TEN] = c->acc[i].name_len;
        }
        for (int f = 0; f < DC_F__COUNT; f++)
            if (!r->v[f]) r->v[f] = "";
        if (nx) {
            for (size_t e = 0; e < nx; e++) {
                c->xp[i * nx + e] = cell_ptr(c, &cells[M->extra_col[e]]);
                c->xl[i * nx + e] = cells[M->extra_col[e]].len;
            }
            r->extra = c->xp + i * nx;
            r->extra_len = c->xl + i * nx;
        }
    }
}

/* ----------------------------------------------------- number + commit */

/* Insert `h`: 1 if it was already there. */
static int idset_add(idset_t *s, dc_hash128_t h)
{
    if (!h.hi && !h.lo) h.lo = 1;
    if (2 * (s->n + 1) > s->cap) {
        size_t ncap = s->cap ? 2 * s->cap : 4096;
        dc_hash128_t *ns = dc_xcalloc(ncap, sizeof *ns);
        for (size_t i = 0; i < s->cap; i++) {
            dc_hash128_t x = s->slot[i];
            if (!x.hi && !x.lo) continue;
            size_t j = (size_t)x.lo & (ncap - 1);
            while (ns[j].hi || ns[j].lo) j = (j + 1) & (ncap - 1);
            ns[j] = x;
        }
        free(s->slot);
        s->slot = ns;
        s->cap = ncap;
    }
    size_t j = (size_t)h.lo & (s->cap - 1);
    for (;;) {
        dc_hash128_t x = s->slot[j];
        if (!x.hi && !x.lo) break;
        if (x.hi == h.hi && x.lo == h.lo) return 1;
        j = (j + 1) & (s->cap - 1);
    }
    s->slot[j] = h;
    s->n++;
    return 0;
}

static void idset_free(idset_t *s)
{
    free(s->slot);
    memset(s, 0, sizeof *s);
}

static int cmp_rej_seq(const void *a, const void *b)
{
    const rej_t *x = a, *y = b;
    return x->seq_rel < y->seq_rel ? -1 : x->seq_rel > y->seq_rel;
}

/* Under m, in input order, once the chunk's rows are numbered: a row whose
 * record_id was seen earlier in its file becomes a `duplicate_record_id`
 * reject (the first occurrence stays). Rows, their records and the reject
 * list stay in input order. */
static void reject_duplicate_ids_locked(chunk_t *c)
{
    file_ctx_t *F = c->file;
    size_t k = 0, ndup = 0;
    for (size_t i = 0; i < c->nacc; i++) {
        if (idset_add(&F->ids, c->acc[i].idh)) {
            c->rej = dc_grow(c->rej, &c->rejcap, c->nrej + 1, sizeof *c->rej);
            rej_t *r = &c->rej[c->nrej++];
            r->line_rel = c->rows[i].line;
            r->seq_rel = c->rows[i].seq;
            r->reason = DC_REJ_DUPLICATE_ID;
            r->off = c->rejbuf.len;
            dc_escape_raw(F->enc, c->raw + c->acc[i].raw_off, c->acc[i].raw_len, &c->rejbuf);
            r->len = c->rejbuf.len - r->off;
            ndup++;
            continue;
        }
        c->acc[k] = c->acc[i];
        c->rows[k] = c->rows[i];
        k++;
    }
    c->nacc = k;
    if (ndup) qsort(c->rej, c->nrej, sizeof *c->rej, cmp_rej_seq);
}

/* Free the file's record_id set once its last chunk is numbered. */
static void file_numbered_locked(file_ctx_t *F)
{
    if (F->read_done && F->numbered == F->queued) idset_free(&F->ids);
}

/* A file without a record_id column: each row's record_id is the decimal
 * physical line where it starts (unique in the file). Outside the lock:
 * the chunk is this worker's. */
static void ids_from_lines(chunk_t *c)
{
    if (c->file->id_col >= 0 || !c->nacc) return;
    dc_buf_reserve(&c->idbuf, c->nacc * 21);
    for (size_t i = 0; i < c->nacc; i++) {
        char *d = c->idbuf.p + c->idbuf.len;
        int n = snprintf(d, 21, "%llu", (unsigned long long)c->rows[i].line);
        c->rows[i].v[DC_F_RECORD_ID] = d;
        c->rows[i].len[DC_F_RECORD_ID] = (uint32_t)n;
        c->idbuf.len += (size_t)n + 1;
    }
}

static void number_locked(loader_t *L, chunk_t *c)
{
    file_ctx_t *F = c->file;
    uint64_t base_line = F->next_line, base_seq = F->next_seq;
    F->next_line += c->nlines;
    F->next_seq += c->nrec;
    for (size_t i = 0; i < c->nacc; i++) {
        c->rows[i].line = base_line + c->acc[i].line_rel;
        c->rows[i].seq = base_seq + c->acc[i].seq_rel + 1;
    }
    for (size_t i = 0; i < c->nrej; i++) {
        c->rej[i].line_rel += base_line;
        c->rej[i].seq_rel += base_seq + 1;
    }
    if (F->id_col >= 0) reject_duplicate_ids_locked(c);
    F->numbered++;
    file_numbered_locked(F);
    c->batch.src = F->info;
    c->batch.n = c->nacc;
    c->batch.rows = c->rows;
    c->batch.nbytes = c->len;
    c->batch.seq = c->nacc ? L->next_batch++ : L->next_batch;
}

static void chunk_free(chunk_t *c)
{
    free(c->raw);
    free(c->acc);
    free(c->cells);
    dc_buf_free(&c->scratch);
    free(c->rej);
    dc_buf_free(&c->rejbuf);
    dc_buf_free(&c->idbuf);
    free(c->rows);
    free(c->xp);
    free(c->xl);
    free(c);
}

/* Serial, in input order. Returns 0 or -1 (message in `err`). */
static int commit_chunk(loader_t *L, chunk_t *c, char *err, size_t errsz)
{
    dc_source_info_t *S = c->file->info;
    if (c->nacc && L->sink->commit) {
        if (L->sink->commit(L->sink->ud, &c->batch) != 0) {
            snprintf(err, errsz, "%s", *dc_geterr() ? dc_geterr() : "sink commit failed");
            return -1;
        }
    }
    for (size_t i = 0; i < c->nrej; i++) {
        rej_t *r = &c->rej[i];
        S->rejected[r->reason]++;
        if (L->opts->rejects) {
            dc_table_t *t = L->opts->rejects;
            dc_table_cstr(t, S->name);
            dc_table_u64(t, r->line_rel);
            dc_table_cstr(t, dc_reject_reason_name(r->reason));
            dc_table_str(t, c->rejbuf.p + r->off, r->len);
            if (dc_table_end_row(t) != 0) {
                snprintf(err, errsz, "%s", dc_geterr());
                return -1;
            }
        }
    }
    S->rows_in += c->nrec;
    S->rows_ok += c->nacc;
    S->blank_lines += c->nblank;
    L->stats->rows_in += c->nrec;
    L->stats->rows_ok += c->nacc;
    L->stats->rows_rejected += c->nrec - c->nacc;
    return 0;
}

/* Called by a worker once its chunk is processed: commit every chunk that
 * is next in order, unless another worker is already doing so. */
static void complete(loader_t *L, chunk_t *c)
{
    pthread_mutex_lock(&L->m);
    L->ring[c->id % L->max_inflight] = c;
    if (L->committing) {
        pthread_mutex_unlock(&L->m);
        return;
    }
    L->committing = 1;
    for (;;) {
        chunk_t *x = L->ring[L->next_commit % L->max_inflight];
        if (!x || x->id != L->next_commit) break;
        L->ring[L->next_commit % L->max_inflight] = NULL;
        int failed = L->failed;
        pthread_mutex_unlock(&L->m);
        char err[512];
        int rc = failed ? 0 : commit_chunk(L, x, err, sizeof err);
        chunk_free(x);
        pthread_mutex_lock(&L->m);
        if (rc) fail_locked(L, err);
        L->next_commit++;
        L->inflight--;
        pthread_cond_broadcast(&L->cv_space);
    }
    L->committing = 0;
    pthread_mutex_unlock(&L->m);
}

typedef struct worker {
    loader_t *L;
    int tid;
    pthread_t th;
} worker_t;

static void *worker_main(void *arg)
{
    worker_t *W = arg;
    loader_t *L = W->L;
    void *wctx = L->sink->worker_init ? L->sink->worker_init(L->sink->ud, W->tid) : NULL;
    dc_csv_rec_t rec = {0};
    dc_buf_t dtmp = DC_BUF_INIT;
    for (;;) {
        pthread_mutex_lock(&L->m);
        while (!L->qhead && !L->done) pthread_cond_wait(&L->cv_work, &L->m);
        chunk_t *c = L->qhead;
        if (!c) {
            pthread_mutex_unlock(&L->m);
            break;
        }
        L->qhead = c->next;
        if (!L->qhead) L->qtail = NULL;
        int failed = L->failed;
        pthread_mutex_unlock(&L->m);

        if (!failed) parse_chunk(L, c, &rec, &dtmp);

        pthread_mutex_lock(&L->m);
        while (c->id != L->next_number) pthread_cond_wait(&L->cv_order, &L->m);
        number_locked(L, c);
        L->next_number++;
        pthread_cond_broadcast(&L->cv_order);
        failed = L->failed;
        pthread_mutex_unlock(&L->m);
        ids_from_lines(c);

        if (!failed && c->nacc && L->sink->process) {
            if (L->sink->process(L->sink->ud, wctx, &c->batch) != 0) {
                char msg[512];
                snprintf(msg, sizeof msg, "%s", *dc_geterr() ? dc_geterr() : "sink process failed");
                fail(L, msg);
            }
        }
        complete(L, c);
    }
    if (L->sink->worker_free) L->sink->worker_free(L->sink->ud, wctx);
    dc_csv_rec_free(&rec);
    dc_buf_free(&dtmp);
    return NULL;
}

/* --------------------------------------------------------------- reader */

/* Queue a chunk; blocks while too many are in flight. 0, or -1 if failed. */
static int enqueue(loader_t *L, file_ctx_t *F, int kind, char *raw, size_t len, uint64_t nlines)
{
    chunk_t *c = dc_xcalloc(1, sizeof *c);
    c->file = F;
    c->kind = kind;
    c->raw = raw;
    c->len = len;
    c->nlines = nlines;   /* CK_TOOLONG only: the others count their own */
    pthread_mutex_lock(&L->m);
    while (L->inflight >= L->max_inflight && !L->failed) pthread_cond_wait(&L->cv_space, &L->m);
    if (L->failed) {
        pthread_mutex_unlock(&L->m);
        free(c->raw);
        free(c);
        return -1;
    }
    c->id = L->next_id++;
    L->inflight++;
    F->queued++;
    if (L->qtail) L->qtail->next = c;
    else L->qhead = c;
    L->qtail = c;
    pthread_cond_signal(&L->cv_work);
    pthread_mutex_unlock(&L->m);
    return 0;
}

/* Wait until every queued chunk is committed. 0, or -1 if the load failed. */
static int drain(loader_t *L)
{
    pthread_mutex_lock(&L->m);
    while (L->inflight > 0) pthread_cond_wait(&L->cv_space, &L->m);
    int failed = L->failed;
    pthread_mutex_unlock(&L->m);
    return failed ? -1 : 0;
}

typedef struct rbuf {
    char *p;
    size_t len, cap;
    int eof;
    int cr_only;   /* CR line ends: every CR read becomes a LF */
} rbuf_t;

static void cr_to_lf(char *p, size_t n)
{
    for (char *e = p + n; (p = memchr(p, '\r', (size_t)(e - p))) != NULL; p++) *p = '\n';
}

/* Read until the buffer holds `want` bytes or the stream ends. */
static int rb_fill(dc_src_t *src, rbuf_t *b, size_t want, dc_source_info_t *S)
{
    while (b->len < want && !b->eof) {
        if (b->len == b->cap) {
            b->cap *= 2;
            b->p = dc_xrealloc(b->p, b->cap);
        }
        ssize_t r = dc_src_read(src, b->p + b->len, b->cap - b->len);
        if (r < 0) return -1;
        if (r == 0) b->eof = 1;
        if (b->cr_only) cr_to_lf(b->p + b->len, (size_t)r);
        b->len += (size_t)r;
        S->bytes_in += (uint64_t)r;
    }
    return 0;
}

/* Like rb_fill for the data b->p[*off ..): compacts the buffer first. */
static int rb_fill_from(dc_src_t *src, rbuf_t *b, size_t *off, size_t want, dc_source_info_t *S)
{
    if (b->len - *off >= want || b->eof) return 0;
    if (*off > 0) {
        memmove(b->p, b->p + *off, b->len - *off);
        b->len -= *off;
        *off = 0;
    }
    return rb_fill(src, b, want, S);
}

static char *xstrndup_utf8(dc_encoding_t enc, const char *s, size_t n, int *bad)
{
    dc_buf_t b = DC_BUF_INIT;
    size_t off;
    if (dc_decode(enc, s, n, &b, &off) != 0) *bad = 1;
    dc_buf_putc(&b, 0);
    return b.p;
}

/* Whether a header cell looks like a row's data rather than a column name:
 * a run of 6 or more digits (an ID number), a date (d/m/y, y-m-d), or more
 * than 64 bytes (an address). Column names are none of these. */
static int cell_is_data(const char *s, size_t n)
{
    if (n > 64) return 1;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (++run >= 6) return 1;
            continue;
        }
        /* digits, a separator, digits, the same separator, digits */
        if (run && (s[i] == '/' || s[i] == '-' || s[i] == '.')) {
            size_t j = i + 1, r2 = 0;
            while (j < n && s[j] >= '0' && s[j] <= '9') j++, r2++;
            if (r2 && r2 <= 4 && j + 1 < n && s[j] == s[i] && s[j + 1] >= '0' && s[j + 1] <= '9') return 1;
        }
        run = 0;
    }
    return 0;
}

/* Header: detection, mapping, source info. 0 ok, 1 empty file, -1 error. */
static int read_header(loader_t *L, dc_src_t *src, rbuf_t *b, file_ctx_t *F)
{
    dc_source_info_t *S = F->info;
    const dc_load_opts_t *o = L->opts;
    if (rb_fill(src, b, DETECT_BYTES, S)) return -1;
    if (b->len >= 3 && !memcmp(b->p, "\xEF\xBB\xBF", 3)) {
        S->has_bom = 1;
        memmove(b->p, b->p + 3, b->len - 3);
        b->len -= 3;
    }
    if (b->len == 0) return 1;
    if (!memchr(b->p, '\n', b->len) && memchr(b->p, '\r', b->len)) {
        b->cr_only = 1;
        S->cr_only = 1;
        cr_to_lf(b->p, b->len);
        dc_log(1, "note: %s ends its lines with CR alone (old Mac): read as line ends", S->path);
    }
    /* encoding: from a sample ending at a line end when possible */
    if (o->encoding != DC_ENC_AUTO) {
        F->enc = o->encoding;
        S->encoding_confidence = 1.0;
    } else if (S->has_bom) {
        F->enc = DC_ENC_UTF8;
        S->encoding_confidence = 1.0;
    } else {
        /* a first look at DETECT_QUICK bytes settles nearly every file (a
         * legacy one is decoded five ways: that costs); the full DETECT_BYTES
         * only when it is not clear-cut */
        size_t n = DC_MIN(b->len, DETECT_BYTES), q = DC_MIN(n, DETECT_QUICK);
        const char *lf = q < b->len ? memrchr(b->p, '\n', q) : NULL;
        int quick = 0;
        if (q < n && lf) {
            F->enc = dc_detect_encoding(b->p, (size_t)(lf - b->p) + 1, &S->encoding_confidence);
            /* UTF-8 is checked on the whole sample (cheap when valid): a
             * legacy file may start with pure ASCII rows */
            quick = F->enc != DC_ENC_UTF8 && S->encoding_confidence >= DETECT_QUICK_CONFIDENCE;
        }
        if (!quick) {
            lf = b->eof && n == b->len ? NULL : memrchr(b->p, '\n', n);
            if (lf) n = (size_t)(lf - b->p) + 1;
            F->enc = dc_detect_encoding(b->p, n, &S->encoding_confidence);
        }
    }
    S->encoding = F->enc;
    /* the header record: the delimiter from its first line, then its end
     * by the dialect's quoting (dc_csv_first_record) */
    size_t hend;
    for (;;) {
        int unterm = 0;
        F->delim = o->delimiter ? o->delimiter : dc_csv_detect_delimiter(b->p, b->len);
        hend = dc_csv_first_record(b->p, b->len, b->eof, HEADER_MAX, F->delim, &unterm);
        if (unterm) return dc_seterr("%s: the header row has an unterminated quote", S->path);
        if (hend) break;
        if (b->len >= HEADER_MAX) return dc_seterr("%s: no end of the header row in the first %zu MiB", S->path, HEADER_MAX >> 20);
        if (rb_fill(src, b, b->len + DETECT_BYTES, S)) return -1;
    }
    S->delimiter = F->delim;
    dc_csv_classes(F->cls, F->delim, F->enc);
    dc_csv_rec_t rec = {0};
    dc_buf_t sc = DC_BUF_INIT;
    dc_buf_reserve(&sc, 256);
    dc_csv_parse(b->p, b->p + hend, F->delim, (size_t)-1, F->cls, &rec, &sc);
    S->crlf = rec.crlf;
    S->header_lines = rec.lines ? rec.lines : 1;
    S->ncols = (uint32_t)rec.nf;
    S->col_names = dc_xcalloc(rec.nf, sizeof *S->col_names);
    S->col_field = dc_xcalloc(rec.nf, sizeof *S->col_field);
    uint32_t *lens = dc_xcalloc(rec.nf, sizeof *lens);
    int bad = 0;
    for (size_t i = 0; i < rec.nf; i++) {
        const char *fp = rec.f[i].in_scratch ? sc.p + rec.f[i].off : rec.f[i].p;
        S->col_names[i] = xstrndup_utf8(F->enc, fp, rec.f[i].len, &bad);
        lens[i] = (uint32_t)strlen(S->col_names[i]);
    }
    dc_csv_rec_free(&rec);
    dc_buf_free(&sc);
    int rc = 0;
    if (bad) rc = dc_seterr("%s: the header row cannot be decoded as %s", S->path, dc_encoding_name(F->enc));
    if (!rc && dc_header_map((const char *const *)S->col_names, lens, S->ncols, o->mappings, &F->map)) rc = -1;
    free(lens);
    /* A first row holding data (a headerless file, a file whose line ends
     * were not understood) must not put names and ID numbers into reports:
     * its columns are then named by position. */
    uint32_t data_cells = 0;
    for (uint32_t i = 0; i < S->ncols; i++) data_cells += (uint32_t)cell_is_data(S->col_names[i], strlen(S->col_names[i]));
    if (data_cells) {
        S->header_by_position = 1;
        for (uint32_t i = 0; i < S->ncols; i++) {
            free(S->col_names[i]);
            dc_buf_t nm = DC_BUF_INIT;
            dc_buf_printf(&nm, "column_%u", i + 1);
            S->col_names[i] = nm.p;
        }
        dc_log(1, "warning: %s: the first row, read as the header, holds a date, an ID-like number or a long "
                  "value in %u of its %u cells (a file without a header row?); its columns are reported by "
                  "position (column_1..column_%u)", S->path, data_cells, S->ncols, S->ncols);
    }
    if (rc) return -1;
    if (!F->map.has_name) {
        return dc_seterr("%s: no name column in the header (need ho_ten or ten, or a synonym; "
                         "see docs/INPUT.md, or use --map COLUMN=ho_ten)", S->path);
    }
    for (uint32_t i = 0; i < S->ncols; i++) S->col_field[i] = F->map.field[i];
    F->id_col = -1;
    for (uint32_t i = 0; i < S->ncols; i++)
        if (F->map.field[i] == DC_F_RECORD_ID && !F->map.part[i]) { F->id_col = (int)i; break; }
    S->id_is_line = F->id_col < 0;
    S->nextra = F->map.nextra;
    S->extra_names = dc_xcalloc(S->nextra ? S->nextra : 1, sizeof *S->extra_names);
    for (uint32_t e = 0; e < S->nextra; e++) S->extra_names[e] = dc_xstrdup(S->col_names[F->map.extra_col[e]]);
    F->next_line = 1 + S->header_lines;
    F->next_seq = 0;
    memmove(b->p, b->p + hend, b->len - hend);
    b->len -= hend;
    return 0;
}

/* The record at b->p[*off..) is longer than any valid one: queue a
 * record_too_long reject holding its first REJECT_RAW_MAX bytes, and skip
 * it to the end of the physical line being read (reading resumes there
 * with a fresh state, as after an unterminated quote). 0 or -1. */
static int skip_long_record(loader_t *L, file_ctx_t *F, dc_src_t *src, rbuf_t *b, size_t *off)
{
    size_t avail = b->len - *off, keep = DC_MIN(avail, REJECT_RAW_MAX);
    char *raw = dc_xmalloc(keep);
    memcpy(raw, b->p + *off, keep);
    uint64_t lines = 0;
    for (const char *p = b->p + *off, *e = b->p + b->len; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) lines++;
    *off = b->len;
    for (;;) {   /* discard up to and including the next LF */
        b->len = 0;
        *off = 0;
        if (b->eof) break;
        if (rb_fill(src, b, DC_MIN(b->cap, L->chunk_size), F->info)) {
            free(raw);
            return -1;
        }
        const char *lf = memchr(b->p, '\n', b->len);
        if (lf) {
            *off = (size_t)(lf - b->p) + 1;
            lines++;
            break;
        }
    }
    return enqueue(L, F, CK_TOOLONG, raw, keep, lines);
}

static int load_file(loader_t *L, file_ctx_t *F)
{
    dc_source_info_t *S = F->info;
    dc_src_t *src = dc_src_open(S->path);
    if (!src) return -1;
    S->compression = dc_src_compression(src);
    rbuf_t b = {NULL, 0, L->chunk_size + (L->chunk_size >> 2) + 4096, 0, 0};
    if (b.cap < DETECT_BYTES + 4096) b.cap = DETECT_BYTES + 4096;
    b.p = dc_xmalloc(b.cap);
    int rc = read_header(L, src, &b, F);
    if (rc == 1) {
        dc_log(1, "warning: %s is empty (no header row): 0 rows", S->path);
        S->encoding = DC_ENC_UTF8;
        S->delimiter = L->opts->delimiter ? L->opts->delimiter : ',';
        rc = 0;
        if (L->sink->source_begin && L->sink->source_begin(L->sink->ud, S) != 0) rc = -1;
        goto out;
    }
    if (rc) goto out;
    if (L->sink->source_begin && L->sink->source_begin(L->sink->ud, S) != 0) {
        rc = -1;
        goto out;
    }
    /* b.p[off .. b.len) is the data not yet handed out */
    size_t off = 0;
    size_t max_record = (size_t)F->map.ncols * (2 * L->max_field + 3) + ((size_t)64 << 10);
    size_t mem_limit = L->opts->memory_limit;
    for (;;) {
        if (rb_fill_from(src, &b, &off, L->chunk_size, S)) { rc = -1; break; }
        size_t avail = b.len - off;
        if (avail == 0 && b.eof) break;
        /* cut within about chunk_size bytes; widen only for a long record */
        size_t win = DC_MIN(avail, L->chunk_size), cut;
        int unterm;
        for (;;) {
            cut = dc_csv_cut(b.p + off, win, b.eof && win == avail, L->max_field, F->delim, &unterm);
            if (cut || win == avail) break;
            win = DC_MIN(avail, win * 2);
        }
        if (cut == 0 && avail >= max_record) {
            rc = skip_long_record(L, F, src, &b, &off);
            if (rc) break;
            continue;
        }
        if (cut == 0) {   /* the record goes on beyond what was read */
            size_t want = avail + DC_MAX(L->chunk_size, (size_t)4096);
            /* the buffer may be copied once as it grows, and once more
             * when handed to a worker */
            if (mem_limit && dc_peak_rss_bytes() + 3 * want > mem_limit) {
                char lim[32], got[32];
                dc_format_size(mem_limit, lim);
                dc_format_size(avail, got);
                rc = dc_seterr("%s: a record of more than %s does not fit --memory-limit %s "
                               "(lower --max-field to reject such records, or raise the limit)",
                               S->path, got, lim);
                break;
            }
            if (rb_fill_from(src, &b, &off, want, S)) { rc = -1; break; }
            continue;
        }
        char *raw;
        if (off == 0 && cut >= avail / 2) {
            /* most of the buffer: hand it over (shrunk if mostly unused),
             * the tail starts a new one sized for a chunk */
            size_t tail = avail - cut;
            size_t cap = DC_MAX(L->chunk_size + (L->chunk_size >> 2) + 4096, tail * 2 + 4096);
            char *next = dc_xmalloc(cap);
            memcpy(next, b.p + cut, tail);
            raw = cut < b.cap / 2 ? dc_xrealloc(b.p, cut) : b.p;
            b.p = next;
            b.len = tail;
            b.cap = cap;
        } else {
            raw = dc_xmalloc(cut);
            memcpy(raw, b.p + off, cut);
            off += cut;
        }
        if (enqueue(L, F, unterm ? CK_UNTERM : CK_DATA, raw, cut, 0)) {
            rc = -1;
            break;
        }
    }
out:
    pthread_mutex_lock(&L->m);
    F->read_done = 1;
    file_numbered_locked(F);
    pthread_mutex_unlock(&L->m);
    S->raw_bytes = dc_src_raw_bytes(src);
    free(b.p);
    dc_src_close(src);
    return rc;
}

/* ----------------------------------------------------------------- API */

int dc_load(const dc_load_opts_t *opts, const char *const *paths, size_t npaths,
            const dc_sink_t *sink, dc_load_stats_t *stats)
{
    double t0 = dc_now();
    static const dc_sink_t no_sink = {0};
    static const dc_load_opts_t no_opts = {0};
    loader_t L;
    memset(&L, 0, sizeof L);
    L.opts = opts ? opts : &no_opts;
    L.sink = sink ? sink : &no_sink;
    L.stats = stats;
    memset(stats, 0, sizeof *stats);
    L.max_field = L.opts->max_field ? L.opts->max_field : 65536;
    L.chunk_size = L.opts->chunk_size ? L.opts->chunk_size : ((size_t)4 << 20);
    L.nthreads = L.opts->nthreads > 0 ? L.opts->nthreads : dc_nthreads_default();
    L.max_inflight = 2 * (size_t)L.nthreads + 2;
    L.ring = dc_xcalloc(L.max_inflight, sizeof *L.ring);
    pthread_mutex_init(&L.m, NULL);
    pthread_cond_init(&L.cv_work, NULL);
    pthread_cond_init(&L.cv_order, NULL);
    pthread_cond_init(&L.cv_space, NULL);

    stats->nsources = (uint32_t)npaths;
    stats->sources = dc_xcalloc(npaths ? npaths : 1, sizeof *stats->sources);
    file_ctx_t *files = dc_xcalloc(npaths ? npaths : 1, sizeof *files);
    for (size_t i = 0; i < npaths; i++) {
        dc_source_info_t *S = &stats->sources[i];
        S->index = (uint32_t)i;
        S->path = paths[i];
        S->name = L.opts->source_names ? dc_xstrdup(L.opts->source_names[i]) : dc_source_name(paths[i]);
        S->compression = "none";
        files[i].info = S;
        files[i].id_col = -1;
    }

    worker_t *W = dc_xcalloc((size_t)L.nthreads, sizeof *W);
    int started = 0;
    for (int t = 0; t < L.nthreads; t++) {
        W[t].L = &L;
        W[t].tid = t;
        if (pthread_create(&W[t].th, NULL, worker_main, &W[t]) != 0) break;
        started++;
    }
    int rc = 0;
    if (!started) rc = dc_seterr("cannot start loader threads");
    for (size_t i = 0; i < npaths && !rc; i++) {
        if (load_file(&L, &files[i]) != 0) {
            fail(&L, dc_geterr());
            rc = -1;
        }
        /* source_begin must not run beside another callback: wait for the
         * file's chunks before the next file's header. Without it, files
         * follow each other in the pipeline (a file smaller than a chunk
         * would otherwise keep one worker busy and the others idle). */
        if ((sink && sink->source_begin) || i + 1 == npaths || rc) {
            if (drain(&L) != 0) rc = -1;
        }
        stats->bytes_in += files[i].info->bytes_in;
    }
    if (drain(&L) != 0) rc = -1;
    pthread_mutex_lock(&L.m);
    L.done = 1;
    pthread_cond_broadcast(&L.cv_work);
    pthread_mutex_unlock(&L.m);
    for (int t = 0; t < started; t++) pthread_join(W[t].th, NULL);
    if (L.failed) rc = dc_seterr("%s", L.err);
    free(W);
    for (size_t i = 0; i < npaths; i++) {
        dc_header_map_free(&files[i].map);
        idset_free(&files[i].ids);
    }
    free(files);
    free(L.ring);
    pthread_mutex_destroy(&L.m);
    pthread_cond_destroy(&L.cv_work);
    pthread_cond_destroy(&L.cv_order);
    pthread_cond_destroy(&L.cv_space);
    stats->seconds = dc_now() - t0;
    return rc;
}

void dc_load_stats_free(dc_load_stats_t *stats)
{
    if (!stats || !stats->sources) return;
    for (uint32_t i = 0; i < stats->nsources; i++) {
        dc_source_info_t *S = &stats->sources[i];
        free((char *)S->name);
        for (uint32_t c = 0; c < S->ncols; c++) free(S->col_names[c]);
        free(S->col_names);
        free(S->col_field);
        for (uint32_t e = 0; e < S->nextra; e++) free(S->extra_names[e]);
        free(S->extra_names);
    }
    free(stats->sources);
    memset(stats, 0, sizeof *stats);
}

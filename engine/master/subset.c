/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * subset.c - the stored rows a delivery reaches (master_internal.h,
 * docs/MASTER.md, "How a load works").
 *
 * DESIGN. A delivery of 100,000 rows into a master of 10 million must not
 * read the 10 million back. What matching a delivery needs of the stored
 * rows is exactly:
 *   - the blocks of the delivered rows' keys, whole (a block's pairs, its
 *     cap and its sorted neighbourhood depend on every row in it), and
 *   - every row of the citizens those rows belong to (clustering joins a
 *     citizen's unchanged rows, cannot-link evidence is checked against
 *     all of them, keys are decided by their rows, golden records merge
 *     them).
 * Everything else keeps its citizen and its key untouched.
 *
 * So every stored source carries three attachments beside its partitions,
 * written when the source is loaded and replaced with it:
 *   r:<h>  its rows: citizen key and match probability per row;
 *   i:<h>  its blocking index: per rule, per row, a 32-bit fingerprint
 *          of the rule's key hash (dc_block_row_keys, strings by content),
 *          plus one of each row's content key (exact copies); headed by
 *          the digest of the rules it was made with;
 *   t:<h>  its term frequencies by value (dc_tf_encode).
 * (<h>: 16 hex digits of the source name's hash.) A load keys its
 * delivered rows, scans each kept source's index column by column against
 * the delivered keys' fingerprints (a bit filter of 2^23 bits answers most
 * probes in cache; a fingerprint that matches by chance reads a row too
 * many, never one too few), adds the rows of the citizens reached (from
 * the rows attachments), and reads only those records
 * (dc_store_part_read_sel: only their strings are decoded and interned).
 * Term frequencies are the delivered rows' counts plus the stored counts
 * of the kept sources (one sorted merge per table). Blocking, scoring,
 * clustering and keys then run on that subset and give what they gave on
 * every row (test_subset compares every output with a load that reads
 * every row).
 *
 * The index is not used (every row is read, and every source's index is
 * written again) when the rules differ from the ones it was made with,
 * with --retrain (estimation needs every pair), and while the master has
 * no model (the delivery estimates one).
 */
#include "master/master_internal.h"
#include "match/dc_match.h"
#include "merge/dc_merge.h"

#include <stdlib.h>   /* free */
#include <string.h>   /* memcmp */

static const char ROWS_MAGIC[8] = {'D', 'C', 'M', 'R', 'O', 'W', 'S', '2'};
static const char INDEX_MAGIC[8] = {'D', 'C', 'M', 'I', 'D', 'X', '0', '1'};
#define INDEX_HDR 32   /* magic, rules digest, columns (4), 0 (4), rows */

void msub_row_get(const char *rows, uint64_t r, dc_hash128_t *key, float *prob)
{
    const char *p = rows + 16 + r * ROW_BYTES;
    memcpy(&key->hi, p, 8);
    memcpy(&key->lo, p + 8, 8);
    memcpy(prob, p + 16, 4);
}

void msub_row_put(dc_buf_t *rows, dc_hash128_t key, float prob)
{
    dc_buf_put(rows, &key.hi, 8);
    dc_buf_put(rows, &key.lo, 8);
    dc_buf_put(rows, &prob, 4);
}

void msub_rows_begin(dc_buf_t *rows, uint64_t n)
{
    dc_buf_clear(rows);
    dc_buf_put(rows, ROWS_MAGIC, 8);
    dc_buf_put(rows, &n, 8);
}

void msub_att_name(char out[24], char kind, const char *source)
{
    snprintf(out, 24, "%c:%016llx", kind, (unsigned long long)dc_hash64(source, strlen(source)));
}

/* ---------------------------------------------------------------- rows */

int msub_read_rows(dc_master_load_t *m, int check_keys)
{
    dc_store_t *st = m->store;
    uint32_t ns = dc_store_nsources(st);
    const char *dir = dc_store_dir(st);
    m->srows = dc_xcalloc(ns + 1, sizeof *m->srows);
    for (uint32_t s = 0; s < ns; s++) {
        const dc_store_source_t *x = dc_store_source(st, s);
        char name[24];
        msub_att_name(name, 'r', x->name);
        dc_store_view_t *b = &m->srows[s];
        int rc = dc_store_attachment_view(st, name, b);
        if (rc == 1) return dc_seterr("master %s: a source has no rows attachment (damaged): refused", dir);
        if (rc) return -1;
        uint64_t n = 0;
        if (b->len >= 16) memcpy(&n, b->p + 8, 8);
        if (b->len < 16 || memcmp(b->p, ROWS_MAGIC, 8) || n != x->rows || b->len != 16 + n * ROW_BYTES)
            return dc_seterr("master %s: a rows attachment does not match its source's records (damaged): refused",
                             dir);
        for (uint64_t r = 0; check_keys && r < n; r++) {
            dc_hash128_t k;
            float p;
            msub_row_get(b->p, r, &k, &p);
            if (dc_hash128_zero(k) || dc_keyreg_generation(m->reg, k) == UINT32_MAX)
                return dc_seterr("master %s: a row's key is not in the registry (damaged): refused", dir);
        }
    }
    return 0;
}

/* --------------------------------------------------------------- index */

static int index_header(const char *p, size_t len, uint64_t *digest, uint32_t *ncol, uint64_t *rows)
{
    if (len < INDEX_HDR || memcmp(p, INDEX_MAGIC, 8)) return -1;
    memcpy(digest, p + 8, 8);
    memcpy(ncol, p + 16, 4);
    memcpy(rows, p + 24, 8);
    return len == INDEX_HDR + (size_t)*ncol * *rows * 4 ? 0 : -1;
}

int msub_verify_sources(dc_master_load_t *m)
{
    dc_store_t *st = m->store;
    dc_buf_t b = DC_BUF_INIT;
    int rc = 0;
    for (uint32_t s = 0; s < dc_store_nsources(st) && rc == 0; s++) {
        const dc_store_source_t *x = dc_store_source(st, s);
        char name[24];
        msub_att_name(name, 'i', x->name);
        rc = dc_store_attachment(st, name, &b);
        uint64_t digest, rows;
        uint32_t ncol;
        if (rc == 0 && (index_header(b.p, b.len, &digest, &ncol, &rows) || rows != x->rows)) rc = 1;
        if (rc == 0) {
            msub_att_name(name, 't', x->name);
            rc = dc_store_attachment(st, name, &b);
            if (rc == 0 && (b.len < 8 || memcmp(b.p, "DCMTF001", 8))) rc = 1;
        }
        if (rc == 1) rc = dc_seterr("master %s: a source's blocking index or term frequencies are missing or "
                                    "damaged: refused", dc_store_dir(st));
    }
    /* the whole master's term frequencies and their changes, both or neither */
    int have = rc ? 0 : dc_store_attachment(st, "tf", &b);
    if (have == 0 && rc == 0) rc = b.len < 8 || memcmp(b.p, "DCMTF001", 8) ? 1 : dc_store_attachment(st, "tf+", &b);
    if (have == 0 && rc == 0 && (b.len < 8 || memcmp(b.p, "DCMTF001", 8))) rc = 1;
    if (have < 0) rc = -1;
    if (rc == 1) rc = dc_seterr("master %s: its term frequencies are missing or damaged: refused", dc_store_dir(st));
    dc_buf_free(&b);
    return rc;
}


static uint64_t rules_digest(const dc_rules_t *rules)
{
    dc_buf_t b = DC_BUF_INIT;
    dc_rules_text(rules, &b);
    uint64_t h = dc_hash64(b.p ? b.p : "", b.len);
    dc_buf_free(&b);
    return h;
}

/* A key as the index keeps it: its top 32 bits (low bit set: 0 is "no
 * key"). Two keys of one block agree above bit b < 32 of the hash, so
 * they have one fingerprint: a fingerprint match reads a few rows too
 * many (they pair with no delivered row), never one too few. */
static inline uint32_t fingerprint(uint64_t h) { return h ? (uint32_t)(h >> 32) | 1u : 0; }

void msub_index_encode(const dc_rules_t *rules, const uint64_t *keys, size_t stride, size_t first, size_t n,
                       dc_buf_t *out)
{
    uint64_t digest = rules_digest(rules), rows = n;
    uint32_t ncol = (uint32_t)rules->n + 1, zero = 0;
    dc_buf_clear(out);
    dc_buf_put(out, INDEX_MAGIC, 8);
    dc_buf_put(out, &digest, 8);
    dc_buf_put(out, &ncol, 4);
    dc_buf_put(out, &zero, 4);
    dc_buf_put(out, &rows, 8);
    for (uint32_t c = 0; c < ncol; c++)
        for (size_t r = 0; r < n; r++) {
            uint32_t f = fingerprint(keys[(size_t)c * stride + first + r]);
            dc_buf_put(out, &f, 4);
        }
}

/* An open-addressing set of 64-bit keys (0 is never a key: it marks an
 * empty slot; a truncated key is shifted and or-ed with 1). */
typedef struct {
    uint64_t *v;
    size_t mask;
} kset_t;

static void kset_init(kset_t *s, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    s->v = dc_xcalloc(cap, sizeof *s->v);
    s->mask = cap - 1;
}

static inline size_t kset_slot(const kset_t *s, uint64_t k)
{
    size_t j = (size_t)((k * 0x9E3779B97F4A7C15ull) >> 20) & s->mask;
    while (s->v[j] && s->v[j] != k) j = (j + 1) & s->mask;
    return j;
}

static void kset_add(kset_t *s, uint64_t k) { s->v[kset_slot(s, k)] = k; }

/* A bit per value of 23 bits (1 MiB, in the L2 cache): most values of an
 * index are not a delivered key, and the bit says so without a probe of
 * the set (which lives in main memory at a national delivery's size).
 * 100,000 delivered keys set about 1% of the bits (2^21 bits: 5%, and
 * the scan took 10% longer at 10M). */
#define FBITS 23
#define FMASK ((1u << FBITS) - 1)
static inline void filt_add(uint64_t *f, uint64_t v, uint64_t mask) { v &= mask; f[v >> 6] |= 1ull << (v & 63); }
static inline int filt_has(const uint64_t *f, uint64_t v, uint64_t mask)
{
    v &= mask;
    return (int)(f[v >> 6] >> (v & 63)) & 1;
}
static int kset_has(const kset_t *s, uint64_t k) { return s->v[kset_slot(s, k)] == k; }

typedef struct {
    dc_master_load_t *m;
    const uint8_t *kept;
    uint8_t **sel;
    kset_t *set;         /* per column: the delivered keys */
    uint64_t **filt;     /* per column: their filter bits */
    uint32_t ncol;
    uint64_t digest;
    _Atomic int failed, stale;
    char err[256];
} scanctx_t;

/* Stored source s: its rows with a delivered key. */
static void scan_one(void *ctx, size_t s, int tid)
{
    DC_UNUSED(tid);
    scanctx_t *c = ctx;
    if (!c->kept[s] || c->failed || c->stale) return;
    dc_store_t *st = c->m->store;
    const dc_store_source_t *x = dc_store_source(st, (uint32_t)s);
    char name[24];
    msub_att_name(name, 'i', x->name);
    dc_store_view_t v;   /* mapped, not copied (a national index is about a gigabyte) */
    int rc = dc_store_attachment_view(st, name, &v);
    uint64_t digest = 0, rows = 0;
    uint32_t ncol = 0;
    int bad = rc == 0 && index_header(v.p, v.len, &digest, &ncol, &rows);
    if (rc == 0 && !bad && (digest != c->digest || ncol != c->ncol)) {
        c->stale++;   /* made with other rules: every row is read, the index made again */
    } else if (rc || bad || rows != x->rows) {
        if (!c->failed++)
            snprintf(c->err, sizeof c->err, "%s",
                     rc < 0 ? dc_geterr() : "master: a blocking index is missing or does not match its source "
                                            "(damaged): refused");
    } else {
        uint8_t *sel = c->sel[s];
        for (uint32_t col = 0; col < ncol; col++) {
            const kset_t *set = &c->set[col];
            const uint64_t *filt = c->filt[col];
            const char *p = v.p + INDEX_HDR + (size_t)col * rows * 4;
            for (uint64_t r = 0; r < rows; r++) {
                uint32_t f;
                memcpy(&f, p + r * 4, 4);
                if (f && filt_has(filt, f >> 7, FMASK) && !sel[r] && kset_has(set, f)) sel[r] = 1;
            }
        }
    }
    dc_store_view_free(&v);
}

int msub_select(dc_run_t *run, dc_master_load_t *m, const uint8_t *kept, uint8_t **sel)
{
    dc_store_t *st = m->store;
    uint32_t ns = dc_store_nsources(st);
    const dc_rules_t *rules = &run->match->rules;
    size_t nl = m->nloaded;
    uint32_t ncol = (uint32_t)rules->n + 1;
    /* --labels name stored rows anywhere (found by record_id): every row is read */
    int usable = dc_store_generation(st) > 0 && !run->opts.retrain && !run->opts.labels_file &&
                 (m->model.len || run->opts.model_in);
    if (getenv("DANCU_TEST_MASTER_READ_ALL")) usable = 0;   /* tests: the subset against every row */
    for (uint32_t s = 0; s < ns; s++) sel[s] = dc_xcalloc(dc_store_source(st, s)->rows + 1, 1);
    int stale = 0;
    if (usable) {   /* the delivered rows' keys (kept for their sources' indexes) */
        m->dkeys = dc_xmalloc(((size_t)ncol * nl + 1) * sizeof *m->dkeys);
        dc_block_row_keys(run->recs, nl, run->in, rules, run->opts.nthreads, m->dkeys);
        scanctx_t c = {.m = m, .kept = kept, .sel = sel, .ncol = ncol, .digest = rules_digest(rules)};
        c.set = dc_xcalloc(ncol, sizeof *c.set);
        c.filt = dc_xcalloc(ncol, sizeof *c.filt);
        for (uint32_t col = 0; col < ncol; col++) {
            kset_init(&c.set[col], nl);
            c.filt[col] = dc_xcalloc((1u << FBITS) / 64, sizeof **c.filt);
            for (size_t i = 0; i < nl; i++) {
                uint32_t f = fingerprint(m->dkeys[(size_t)col * nl + i]);
                if (!f) continue;
                kset_add(&c.set[col], f);
                filt_add(c.filt[col], f >> 7, FMASK);
            }
        }
        dc_parallel_for(run->opts.nthreads, ns, 1, scan_one, &c);
        for (uint32_t col = 0; col < ncol; col++) {
            free(c.set[col].v);
            free(c.filt[col]);
        }
        free(c.set);
        free(c.filt);
        if (c.failed) return dc_seterr("%s", c.err);
        stale = c.stale;
        if (stale) dc_log(1, "master: the blocking index was made with other rules: every stored row is read");
    }
    m->subset = usable && !stale;
    if (!m->subset) {
        for (uint32_t s = 0; s < ns; s++) memset(sel[s], 1, dc_store_source(st, s)->rows);
        return 0;
    }
    /* the citizens reached: every row of theirs (and of the citizens of a
     * re-delivered source's stored rows, which the delivery may leave) */
    size_t nk = 0;
    for (uint32_t s = 0; s < ns; s++)
        for (uint64_t r = 0; r < dc_store_source(st, s)->rows; r++) nk += !kept[s] || sel[s][r];
    dc_map128_t cit;
    dc_map128_init(&cit, nk);
    /* the citizens' keys filtered too (about 8 bits per key) */
    uint64_t cbits = 1u << 16;
    while (cbits < 8 * (uint64_t)nk && cbits < (1ull << 30)) cbits <<= 1;
    uint64_t cmask = cbits - 1, *filt = dc_xcalloc(cbits / 64, sizeof *filt);
    for (uint32_t s = 0; s < ns; s++)
        for (uint64_t r = 0; r < dc_store_source(st, s)->rows; r++)
            if (!kept[s] || sel[s][r]) {
                dc_hash128_t k;
                float p;
                msub_row_get(m->srows[s].p, r, &k, &p);
                dc_map128_put(&cit, k, 1, NULL);
                filt_add(filt, k.lo, cmask);
            }
    uint64_t reached = 0, rows = 0;
    for (uint32_t s = 0; s < ns; s++) {
        if (!kept[s]) continue;
        for (uint64_t r = 0; r < dc_store_source(st, s)->rows; r++) {
            if (!sel[s][r]) {
                dc_hash128_t k;
                float p;
                msub_row_get(m->srows[s].p, r, &k, &p);
                if (filt_has(filt, k.lo, cmask) && dc_map128_get(&cit, k, 0)) sel[s][r] = 1;
            }
            reached += sel[s][r];
            rows++;
        }
    }
    dc_map128_free(&cit);
    free(filt);
    dc_log(1, "master: the delivery reaches %llu of %llu stored rows (their blocks and citizens)",
           (unsigned long long)reached, (unsigned long long)rows);
    return 0;
}

/* ---------------------------------------------------- term frequencies */

/* The term frequencies of every stored source, as the master keeps them:
 * "tf" (the counts of every source when it was written) and "tf+" (the
 * counts added and taken away since: dc_tf_merge_encoded). A delivery
 * reads those two tables, not one per source, and takes away the stored
 * counts of the sources it re-delivers. */
/* Attachment `name` added to tf (subtracted when sign < 0): 0, 1 when the
 * master has none, or -1. */
static int tf_add_att(dc_store_t *st, const char *name, dc_tf_t *tf, int sign)
{
    dc_store_view_t v;   /* mapped when stored ("tf") */
    int rc = dc_store_attachment_view(st, name, &v);
    if (rc == 0 && dc_tf_add_encoded_sign(tf, v.p, v.len, sign))
        rc = dc_seterr("master %s: %s: refused", dc_store_dir(st), dc_geterr());
    dc_store_view_free(&v);
    return rc;
}

int msub_tf_add(dc_run_t *run, void *tf)
{
    dc_master_load_t *m = run->master;
    dc_store_t *st = m->store;
    char name[24];
    int rc = tf_add_att(st, "tf", tf, 1);
    if (rc == 0) {
        rc = tf_add_att(st, "tf+", tf, 1);
        for (uint32_t l = 0; l < m->nload && rc == 0; l++) {   /* the re-delivered sources' stored counts */
            if (m->stored_of[l] < 0) continue;
            msub_att_name(name, 't', dc_store_source(st, (uint32_t)m->stored_of[l])->name);
            rc = tf_add_att(st, name, tf, -1);
        }
    } else if (rc == 1) {   /* a master written before "tf": every kept source's table */
        rc = 0;
        for (uint32_t s = 0; s < dc_store_nsources(st) && rc == 0; s++) {
            int delivered = 0;
            for (uint32_t l = 0; l < m->nload && !delivered; l++) delivered = m->stored_of[l] == (int64_t)s;
            if (delivered) continue;
            msub_att_name(name, 't', dc_store_source(st, s)->name);
            rc = tf_add_att(st, name, tf, 1);
        }
    }
    if (rc == 1) return dc_seterr("master %s: term frequencies missing (damaged): refused", dc_store_dir(st));
    return rc ? -1 : 0;
}

/* -------------------------------------------------------------- totals */

static const char SUMMARY_MAGIC[8] = {'D', 'C', 'M', 'S', 'U', 'M', '0', '1'};

void msub_summary_encode(const dc_cluster_totals_t *t, dc_buf_t *out)
{
    uint64_t max = t->max_size;
    dc_buf_clear(out);
    dc_buf_put(out, SUMMARY_MAGIC, 8);
    dc_buf_put(out, &t->citizens, 8);
    dc_buf_put(out, &t->records, 8);
    dc_buf_put(out, t->hist, sizeof t->hist);
    dc_buf_put(out, t->rows, sizeof t->rows);
    dc_buf_put(out, &max, 8);
    dc_buf_put(out, &t->max_count, 8);
}

int msub_summary_decode(const dc_buf_t *b, dc_cluster_totals_t *t)
{
    size_t want = 8 + 16 + sizeof t->hist + sizeof t->rows + 16;
    if (b->len != want || memcmp(b->p, SUMMARY_MAGIC, 8)) return -1;
    const char *p = b->p + 8;
    uint64_t max;
    memcpy(&t->citizens, p, 8);
    memcpy(&t->records, p + 8, 8);
    memcpy(t->hist, p + 16, sizeof t->hist);
    memcpy(t->rows, p + 16 + sizeof t->hist, sizeof t->rows);
    memcpy(&max, p + 16 + sizeof t->hist + sizeof t->rows, 8);
    memcpy(&t->max_count, p + 24 + sizeof t->hist + sizeof t->rows, 8);
    t->max_size = (uint32_t)max;
    return 0;
}

static int cmp_key(const void *a, const void *b) { return dc_hash128_cmp(*(const dc_hash128_t *)a, *(const dc_hash128_t *)b); }

/* A citizen of `size` rows less (the largest are counted apart). */
static void sub_size(dc_cluster_totals_t *t, uint32_t size)
{
    int b = dc_report_size_bin(size);
    t->hist[b]--;
    t->rows[b] -= size;
    t->citizens--;
    t->records -= size;
}

/* The citizens of keys k[0..n) (sorted in place), by their rows among
 * them: taken away from t (counting in *at_max those of max0 rows), or
 * with whole, added to it. */
static void key_sizes(dc_hash128_t *k, size_t n, dc_cluster_totals_t *t, uint32_t max0, uint64_t *at_max, int whole)
{
    qsort(k, n, sizeof *k, cmp_key);
    for (size_t i = 0; i < n;) {
        size_t e = i + 1;
        while (e < n && dc_hash128_eq(k[e], k[i])) e++;
        uint32_t size = (uint32_t)(e - i);
        if (whole) {
            dc_report_totals_add(t, size);
        } else {
            sub_size(t, size);
            *at_max += size == max0;
        }
        i = e;
    }
}

void msub_totals(const dc_run_t *run, dc_master_load_t *m)
{
    const dc_clusters_t *cl = &run->cl;
    dc_cluster_totals_t t = m->tot0;
    /* the previous citizens read: every row of theirs is a read row or a removed one */
    size_t n = 0;
    dc_hash128_t *k = dc_xmalloc((run->nrec + m->nrm + 1) * sizeof *k);
    for (size_t i = 0; i < run->nrec; i++)
        if (!dc_hash128_zero(m->prev[i])) k[n++] = m->prev[i];
    for (size_t r = 0; r < m->nrm; r++) k[n++] = m->rm_key[r];
    uint64_t lost = 0;
    key_sizes(k, n, &t, m->tot0.max_size, &lost, 0);
    free(k);
    dc_cluster_totals_t now;   /* the citizens of this load */
    dc_report_cluster_totals(cl, &now);
    for (int b = 0; b < DC_SIZE_BINS; b++) t.hist[b] += now.hist[b], t.rows[b] += now.rows[b];
    t.citizens += now.citizens;
    t.records += now.records;
    uint32_t nmax = now.max_size;
    uint64_t nmax_count = now.max_count;
    uint64_t left = m->tot0.max_count - lost;
    if (nmax > m->tot0.max_size) t.max_size = nmax, t.max_count = nmax_count;
    else if (left > 0) t.max_count = left + (nmax == m->tot0.max_size ? nmax_count : 0);
    else if (nmax == m->tot0.max_size && nmax) t.max_count = nmax_count;
    else {   /* every largest citizen shrank: the sizes of all, from the new rows attachments */
        dc_log(1, "master: the largest citizens shrank: every citizen's size counted again");
        memset(&t, 0, sizeof t);
        k = dc_xmalloc((m->nfull + 1) * sizeof *k);
        n = 0;
        for (uint32_t s = 0; s < m->nload; s++)
            for (uint64_t r = 0; r < m->count[s]; r++) {
                float p;
                msub_row_get(m->lrows[s].p, r, &k[n++], &p);
            }
        for (uint32_t idx = m->nload; idx < m->nload + run->nxsrc; idx++) {
            uint32_t ss = m->stored[idx];
            const char *b = m->nrows[ss].len ? m->nrows[ss].p : m->srows[ss].p;
            uint64_t rows;
            memcpy(&rows, b + 8, 8);
            for (uint64_t r = 0; r < rows; r++) {
                float p;
                msub_row_get(b, r, &k[n++], &p);
            }
        }
        key_sizes(k, n, &t, 0, &lost, 1);
        free(k);
    }
    m->tot = t;
}

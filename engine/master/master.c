/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * master.c - the persistent master of a national load (dc_master.h,
 * docs/MASTER.md): `dancu run --master DIR`, `dancu master info|export`.
 *
 * DESIGN. A master is a record store (engine/store) whose generation also
 * carries attachments:
 *   rows      per stored row, in store order: its citizen key and its
 *             match probability (the links of the master)
 *   registry  every key ever issued, with its generation (dc_keyreg)
 *   model     model.json of the master (used by later loads, not
 *             re-estimated unless --retrain)
 *   rules     the blocking rules text
 * so records, keys and model switch together, atomically, with the store's
 * CURRENT (a load killed at any moment leaves the previous generation).
 *
 * A load is the pipeline of `dancu run` with four master stages:
 *   open    lock the store, read the previous generation's attachments
 *   rows    after loading the delivered files: the stored rows of the
 *           other sources are read back, every source is put in canonical
 *           order (source names), and each row gets its previous key. A
 *           delivered source that the master has (a re-delivery) is matched
 *           row by row on record_id: an unchanged row (same stored values)
 *           keeps everything; a changed or new row is "dirty"; a row that
 *           is gone is removed.
 *           Matching then sees only candidate pairs with a dirty row, and
 *           clean rows start in the citizen they were in (run->anchor).
 *   keys    after clustering: dc_keys_assign() decides the keys (kept,
 *           new, split, merged, retired); the change set is the difference
 *           between the previous state and the new one, row by row, so that
 *           applying it to the previous export gives the new export; the
 *           load's citizens and links hold every citizen it touches.
 *   commit  after the outputs are committed: the delivered sources are
 *           written (a re-delivered source replaces its partitions), then
 *           the attachments, then the store switches generation. Outputs
 *           first: a load whose master commit fails leaves outputs that the
 *           same load, run again, writes identically.
 */
#include "master/master_internal.h"
#include "match/dc_match.h"
#include "merge/dc_merge.h"
#include "store/dc_store.h"

#include <stdlib.h>   /* qsort, free */
#include <string.h>   /* memcmp */
#include <sys/random.h>   /* getrandom */
#include <time.h>     /* clock_gettime */
#include <unistd.h>   /* getpid */

#define MULTI (UINT32_MAX - 1)   /* a key whose rows are in several clusters */

/* ------------------------------------------------------------- helpers */

#define key_is_zero dc_hash128_zero
#define key_eq dc_hash128_eq
#define key_cmp dc_hash128_cmp

static int cmp_key128(const void *a, const void *b) { return key_cmp(*(const dc_hash128_t *)a, *(const dc_hash128_t *)b); }

static void view_release(void *v)
{
    dc_store_view_free(v);
    free(v);
}

/* The attachments of the generation in view of m->store: registry, model,
 * rules, and every source's rows (each key checked against the registry
 * with check_keys; a load checks the keys of the rows it reads). */
static int read_state(dc_master_load_t *m, int check_keys)
{
    dc_store_t *s = m->store;
    m->nsrc = dc_store_nsources(s);
    const char *dir = dc_store_dir(s);
    if (dc_store_generation(s) == 0) {
        m->reg = dc_keyreg_create();
        m->srows = dc_xcalloc(1, sizeof *m->srows);
        return 0;
    }
    dc_buf_t b = DC_BUF_INIT;
    int rc = dc_store_attachment(s, "layout", &b);
    if (rc == 1) {
        dc_buf_t r = DC_BUF_INIT;
        int old = dc_store_attachment(s, "rows", &r) == 0;
        dc_buf_free(&r);
        rc = old ? dc_seterr("master %s was made by an earlier dancu (layout 1, without a blocking index): "
                             "export it with that version and load the export into a new master", dir)
                 : dc_seterr("%s is a dancu record store but not a master (no layout attachment): refused", dir);
    } else if (rc == 0 && (b.len != strlen(MASTER_LAYOUT) || memcmp(b.p, MASTER_LAYOUT, b.len))) {
        rc = dc_seterr("master %s has a layout this dancu does not know: refused", dir);
    }
    dc_buf_clear(&b);
    if (rc) {
        dc_buf_free(&b);
        return -1;
    }
    dc_buf_free(&b);
    /* the registry: a base ("registry") and the keys issued since it was
     * written ("registry+"), merged into the base when they reach an
     * eighth of it: a load does not rewrite every key ever issued */
    dc_store_view_t *rv = dc_xmalloc(sizeof *rv);   /* searched in place (mapped), freed with the registry */
    rc = dc_store_attachment_view(s, "registry", rv);
    if (rc == 0) rc = dc_keyreg_decode_in_place(rv->p, rv->len, rv, view_release, &m->reg);
    else if (rc == 1) rc = dc_seterr("master %s has no key registry (damaged): refused", dir);
    if (!m->reg) view_release(rv);
    if (rc == 0) {
        dc_keyreg_t *plus = NULL;
        rc = dc_store_attachment(s, "registry+", &b);
        if (rc == 0) rc = dc_keyreg_decode_take(&b, &plus);
        else if (rc == 1) rc = 0;   /* none written yet (the manifest lists every attachment) */
        if (rc == 0 && plus) dc_keyreg_add_all(m->reg, plus);
        dc_keyreg_free(plus);
    }
    dc_buf_free(&b);
    if (rc) {
        char why[256];
        snprintf(why, sizeof why, "%s", dc_geterr());
        return dc_seterr("master %s: %s", dir, why);
    }
    rc = dc_store_attachment(s, "summary", &b);
    if (rc == 0 && msub_summary_decode(&b, &m->tot0)) rc = 1;
    dc_buf_free(&b);
    if (rc == 1) return dc_seterr("master %s: its summary is missing or damaged: refused", dir);
    if (rc) return -1;
    if (dc_store_attachment(s, "model", &m->model) < 0) return -1;
    if (dc_store_attachment(s, "rules", &m->rules) < 0) return -1;
    if (msub_read_rows(m, check_keys)) return -1;
    return check_keys ? msub_verify_sources(m) : 0;
}

/* The master's identity (attachment "identity": 32 hex digits), read or,
 * for a new master, made from 16 random bytes. */
static int identity(dc_store_t *s, char id[33])
{
    dc_buf_t b = DC_BUF_INIT;
    int rc = dc_store_generation(s) ? dc_store_attachment(s, "identity", &b) : 1;
    if (rc == 0 && (b.len != 32 || strspn(b.p, "0123456789abcdef") != 32))
        rc = dc_seterr("master %s: its identity is damaged: refused", dc_store_dir(s));
    else if (rc == 1 && dc_store_generation(s))
        rc = dc_seterr("master %s has no identity (damaged or not a master): refused", dc_store_dir(s));
    else if (rc == 0)
        memcpy(id, b.p, 33);
    else if (rc == 1) {
        unsigned char r[16];
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {   /* no entropy source: time and pid */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            long long v[3] = {(long long)ts.tv_sec, ts.tv_nsec, (long long)getpid()};
            dc_hash128_t h = dc_hash128(v, sizeof v);
            memcpy(r, &h.hi, 8);
            memcpy(r + 8, &h.lo, 8);
        }
        for (int i = 0; i < 16; i++) snprintf(id + 2 * i, 3, "%02x", r[i]);
        rc = 0;
    }
    dc_buf_free(&b);
    return rc;
}

/* OUTDIR/master.json: which master and generation the outputs are of;
 * `dancu deliver` checks a change set against the generation the database
 * holds (base: the generation it applies to; -1 for a full export). */
static int write_master_json(dc_run_t *run, const char *id, uint64_t gen, int64_t base)
{
    dc_outfile_t *f = dc_output_file(run, "master.json");
    if (!f) return -1;
    dc_buf_t b = DC_BUF_INIT;
    dc_jw_t jw;
    dc_jw_init(&jw, &b, 0);
    dc_jw_open(&jw, '{', DC_JW_LINES);
    dc_jw_kv_str(&jw, "master_id", id);
    dc_jw_kv_u64(&jw, "generation", gen);
    dc_jw_key(&jw, "base_generation");
    if (base >= 0) dc_jw_u64(&jw, (uint64_t)base);
    else dc_jw_null(&jw);
    dc_jw_close(&jw);
    dc_buf_putc(&b, '\n');
    int rc = dc_outfile_buf(f, &b);
    dc_buf_free(&b);
    return rc;
}

static void master_free_state(dc_master_load_t *m);

/* ---------------------------------------------------------------- open */

int dc_master_open(dc_run_t *run)
{
    dc_master_load_t *m = dc_xcalloc(1, sizeof *m);
    run->master = m;
    if (dc_store_open(run->opts.master_dir, DC_STORE_CREATE, NULL, &m->store)) return -1;
    if (dc_store_begin(m->store, &m->txn)) return -1;
    m->gen = dc_store_txn_generation(m->txn);
    m->nstored = dc_store_nrecords(m->store);
    if (read_state(m, 0) || identity(m->store, m->id)) return -1;
    if (m->model.len && !run->opts.retrain && !run->opts.model_in) run->opts.model_text = m->model.p;
    if (m->rules.len && !run->opts.rules_file) run->opts.rules_text = m->rules.p;
    dc_log(1, "master %s: generation %llu, %llu rows, %zu keys issued; this load makes generation %llu",
           run->opts.master_dir, (unsigned long long)dc_store_generation(m->store), (unsigned long long)m->nstored,
           dc_keyreg_count(m->reg), (unsigned long long)m->gen);
    return 0;
}

/* ---------------------------------------------------------------- rows */

/* Reading partitions on the run's threads: partition part[k] into dst[k],
 * every record, or (sel[k] not NULL) only records r with sel[k][r]: then
 * read lazily, interning only the strings of the records read. */
typedef struct {
    const dc_store_t *st;
    dc_intern_t *in;
    const uint32_t *part;   /* partitions to read */
    dc_record_t **dst;      /* where each goes */
    const uint8_t **sel;    /* NULL, or per partition: NULL (all) or which records */
    _Atomic int failed;
    char err[256];
} rjob_t;

static void read_one(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    rjob_t *j = ctx;
    if (j->failed) return;
    dc_store_part_t *p;
    const uint8_t *sel = j->sel ? j->sel[k] : NULL;
    int rc = sel ? dc_store_part_open_lazy(j->st, j->part[k], j->in, &p) : dc_store_part_open(j->st, j->part[k], j->in, &p);
    if (rc == 0) {
        if (!sel) {
            rc = dc_store_part_read(p, 0, dc_store_part_nrec(p), j->dst[k]);
        } else {
            rc = dc_store_part_read_sel(p, sel, j->dst[k]);
        }
        dc_store_part_close(p);
    }
    if (rc && !j->failed++) snprintf(j->err, sizeof j->err, "%s", dc_geterr());
}

/* Read the partitions part[0..n) into dst[0..n) with run->in's ids. */
static int read_parts(dc_run_t *run, const dc_store_t *st, const uint32_t *part, dc_record_t **dst,
                      const uint8_t **sel, size_t n)
{
    rjob_t j = {st, run->in, part, dst, sel, 0, ""};
    dc_parallel_for(run->opts.nthreads, n, 1, read_one, &j);
    return j.failed ? dc_seterr("%s", j.err) : 0;
}

/* Read stored source `s` (all its partitions) with run->in's ids. */
static dc_record_t *read_source(dc_run_t *run, dc_store_t *st, uint32_t s, size_t *n)
{
    const dc_store_source_t *src = dc_store_source(st, s);
    dc_record_t *r = dc_xmalloc((src->rows ? src->rows : 1) * sizeof *r);
    uint32_t *part = dc_xmalloc((src->nparts + 1) * sizeof *part);
    dc_record_t **dst = dc_xmalloc((src->nparts + 1) * sizeof *dst);
    size_t at = 0;
    for (uint32_t k = 0; k < src->nparts; k++) {
        part[k] = src->first_part + k;
        dst[k] = r + at;
        at += dc_store_partition(st, part[k])->nrec;
    }
    int rc = read_parts(run, st, part, dst, NULL, src->nparts);
    free(part);
    free(dst);
    if (rc) {
        free(r);
        return NULL;
    }
    *n = at;
    return r;
}

typedef struct {
    const char *name;
    uint32_t loaded;   /* loaded source index, or NIL */
    uint32_t stored;   /* stored source index, or NIL */
} srcent_t;

static int cmp_srcent(const void *a, const void *b)
{
    return strcmp(((const srcent_t *)a)->name, ((const srcent_t *)b)->name);
}

/* A stored row of a re-delivered source, by the key that finds it again:
 * its record_id, or, in a file whose rows are identified by their line
 * (no record_id column), its content. */
typedef struct {
    uint64_t key;
    uint32_t i;     /* row in its source */
} ridx_t;

static int cmp_ridx(const void *a, const void *b)
{
    const ridx_t *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* The stored values of a record but its line and its record_id. */
static uint64_t content_digest(const dc_record_t *r, const dc_intern_t *in)
{
    dc_record_t c = *r;
    c.seq = 0;
    c.record_id = 0;
    return dc_store_digest(0, &c, 1, in);
}

static void removed_row(dc_master_load_t *m, uint32_t ls, uint32_t rid, dc_hash128_t key)
{
    if (m->nrm == m->rmcap) {
        m->rmcap = m->rmcap ? 2 * m->rmcap : 64;
        m->rm_src = dc_xrealloc(m->rm_src, m->rmcap * sizeof *m->rm_src);
        m->rm_rid = dc_xrealloc(m->rm_rid, m->rmcap * sizeof *m->rm_rid);
        m->rm_key = dc_xrealloc(m->rm_key, m->rmcap * sizeof *m->rm_key);
    }
    m->rm_src[m->nrm] = ls;
    m->rm_rid[m->nrm] = rid;
    m->rm_key[m->nrm++] = key;
}

/* A re-delivered source: each new row (recs[at..at+n)) is matched to a
 * stored row of the source, by record_id or, when the file identifies rows
 * by line, by content (a line inserted above would otherwise shift every
 * identity, and keys would follow lines instead of people). Equal keys
 * pair in order. A matched row whose values are the same keeps its
 * citizen; with another record_id (its line moved) it is "renamed":
 * the change set removes its old identity and adds the new one. */
static int redelivery(dc_run_t *run, dc_master_load_t *m, uint32_t ls, uint32_t ss, size_t at, size_t n)
{
    size_t no = 0;
    dc_record_t *old = read_source(run, m->store, ss, &no);
    if (!old) return -1;
    int byline = run->load.sources[ls].id_is_line;
    const char *srows = m->srows[ss].p;
    ridx_t *ix = dc_xmalloc((no ? no : 1) * sizeof *ix);
    for (size_t i = 0; i < no; i++)
        ix[i] = (ridx_t){byline ? content_digest(&old[i], run->in) : old[i].record_id, (uint32_t)i};
    qsort(ix, no, sizeof *ix, cmp_ridx);
    uint8_t *seen = dc_xcalloc(no ? no : 1, 1);
    uint64_t same = 0, changed = 0, added = 0, renamed = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = at + k;
        uint64_t key = byline ? content_digest(&run->recs[i], run->in) : run->recs[i].record_id;
        size_t lo = 0, hi = no;   /* the first stored row with this key not taken yet */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (ix[mid].key < key) lo = mid + 1;
            else hi = mid;
        }
        while (lo < no && ix[lo].key == key && seen[ix[lo].i]) lo++;
        if (lo == no || ix[lo].key != key) {
            added++;
            continue;
        }
        const dc_record_t *o = &old[ix[lo].i];
        seen[ix[lo].i] = 1;
        msub_row_get(srows, ix[lo].i, &m->prev[i], &m->pprob[i]);
        /* the same values; its line may differ (rows removed or added
         * above it): not matched again */
        int eq = byline || content_digest(&run->recs[i], run->in) == content_digest(o, run->in);
        m->dirty[i] = !eq;
        if (eq && !byline && o->seq != run->recs[i].seq) {
            if (!m->newline) m->newline = dc_xcalloc(run->nrec ? run->nrec : 1, 1);
            m->newline[i] = 1;
        }
        same += eq;
        changed += !eq;
        if (o->record_id != run->recs[i].record_id) {
            if (!m->oldrid) m->oldrid = dc_xcalloc(run->nrec ? run->nrec : 1, sizeof *m->oldrid);
            m->oldrid[i] = o->record_id;
            renamed++;
        }
    }
    for (size_t i = 0; i < no; i++) {
        if (seen[i]) continue;
        dc_hash128_t k;
        float p;
        msub_row_get(srows, i, &k, &p);
        removed_row(m, ls, old[i].record_id, k);
    }
    dc_log(1, "re-delivery of a source: %llu rows unchanged (%llu of them under another identity), %llu changed, "
              "%llu added, %llu removed",
           (unsigned long long)same, (unsigned long long)renamed, (unsigned long long)changed,
           (unsigned long long)added, (unsigned long long)(no - same - changed));
    free(seen);
    free(ix);
    free(old);
    return 0;
}

/* anchor[i]: the first clean row with i's previous key (i itself when i is
 * dirty, new, or the first). */
static void make_anchors(dc_master_load_t *m, size_t n)
{
    dc_map128_t first;   /* previous key -> its first clean row */
    dc_map128_init(&first, n);
    for (size_t i = 0; i < n; i++) {
        m->anchor[i] = (uint32_t)i;
        if (!m->dirty[i] && !key_is_zero(m->prev[i])) m->anchor[i] = *dc_map128_put(&first, m->prev[i], (uint32_t)i, NULL);
    }
    dc_map128_free(&first);
}

/* The sources of the combined rows: this load's (indices [0, nl), names
 * as loaded) and the stored ones it does not deliver (indices nl..., in
 * run->xsrc), listed in canonical order (by name). */
typedef struct {
    srcent_t *e;
    size_t ne;
    uint32_t *xidx;       /* stored source -> its source index (kept sources) */
    uint8_t *kept;        /* per stored source: not delivered again */
    uint8_t **sel;        /* per stored source: which of its rows this load reads */
} srcplan_t;

static void plan_sources(dc_run_t *run, dc_master_load_t *m, srcplan_t *p)
{
    dc_store_t *st = m->store;
    uint32_t nl = run->load.nsources, ns = dc_store_nsources(st);
    m->lfirst = dc_xcalloc(nl + 1, sizeof *m->lfirst);
    m->lcount = dc_xcalloc(nl + 1, sizeof *m->lcount);
    for (size_t i = 0; i < run->nrec; i++) {   /* loaded rows are grouped by source, in source order */
        uint32_t s = run->recs[i].source;
        if (s >= nl || (i && run->recs[i - 1].source > s)) dc_die("dc_master_rows: rows out of source order");
        if (!m->lcount[s]++) m->lfirst[s] = (uint32_t)i;
    }
    m->nloaded = run->nrec;
    m->nfull = run->nrec;
    p->e = dc_xmalloc((size_t)(nl + ns + 1) * sizeof *p->e);
    p->kept = dc_xcalloc(ns + 1, 1);
    p->sel = dc_xcalloc(ns + 1, sizeof *p->sel);
    m->stored_of = dc_xmalloc((nl + 1) * sizeof *m->stored_of);
    m->stored = dc_xmalloc(((size_t)nl + ns + 1) * sizeof *m->stored);
    for (uint32_t s = 0; s < nl; s++) {
        m->stored_of[s] = dc_store_find_source(st, dc_run_source_name(run, s));
        m->stored[s] = NIL;
        p->e[p->ne++] = (srcent_t){dc_run_source_name(run, s), s, m->stored_of[s] < 0 ? NIL : (uint32_t)m->stored_of[s]};
    }
    run->xsrc = dc_xcalloc(ns + 1, sizeof *run->xsrc);
    p->xidx = dc_xmalloc((ns + 1) * sizeof *p->xidx);
    for (uint32_t s = 0; s < ns; s++) {
        const dc_store_source_t *x = dc_store_source(st, s);
        int delivered = 0;
        for (uint32_t l = 0; l < nl && !delivered; l++) delivered = m->stored_of[l] == (int64_t)s;
        if (delivered) continue;
        p->kept[s] = 1;
        p->xidx[s] = nl + run->nxsrc;
        m->stored[nl + run->nxsrc] = s;
        run->xsrc[run->nxsrc++] = dc_xstrdup(x->name);
        p->e[p->ne++] = (srcent_t){x->name, NIL, s};
        m->nfull += x->rows;
    }
    qsort(p->e, p->ne, sizeof *p->e, cmp_srcent);
}

/* The combined rows in canonical order into recs: this load's copied
 * (dirty), the selected rows of the kept stored sources read on the run's
 * threads (clean, with their previous keys). @return the rows, or -1. */
static size_t fill_rows(dc_run_t *run, dc_master_load_t *m, const srcplan_t *p, dc_record_t *recs)
{
    dc_store_t *st = m->store;
    size_t at = 0, npart = 0;
    uint32_t np = dc_store_npartitions(st);
    uint32_t *part = dc_xmalloc(((size_t)np + 1) * sizeof *part);
    dc_record_t **dst = dc_xmalloc(((size_t)np + 1) * sizeof *dst);
    const uint8_t **psel = dc_xcalloc((size_t)np + 1, sizeof *psel);
    for (size_t k = 0; k < p->ne; k++) {
        if (p->e[k].loaded != NIL) {
            uint32_t s = p->e[k].loaded;
            if (m->lcount[s]) memcpy(recs + at, run->recs + m->lfirst[s], (size_t)m->lcount[s] * sizeof *recs);
            memset(m->dirty + at, 1, m->lcount[s]);
            memset(m->delivered + at, 1, m->lcount[s]);
            m->first[s] = (uint32_t)at;
            m->count[s] = m->lcount[s];
            at += m->lcount[s];
            continue;
        }
        uint32_t ss = p->e[k].stored, idx = p->xidx[ss];
        const dc_store_source_t *x = dc_store_source(st, ss);
        m->first[idx] = (uint32_t)at;
        uint64_t r0 = 0;
        for (uint32_t q = x->first_part; q < x->first_part + x->nparts; q++) {
            uint32_t nrec = dc_store_partition(st, q)->nrec, nsel = 0;
            const uint8_t *sel = p->sel[ss] + r0;
            for (uint32_t r = 0; r < nrec; r++) {
                if (!sel[r]) continue;
                m->srow[at + nsel++] = (uint32_t)(r0 + r);
            }
            if (nsel) {
                part[npart] = q;
                psel[npart] = nsel == nrec ? NULL : sel;
                dst[npart++] = recs + at;
            }
            at += nsel;
            r0 += nrec;
        }
        m->count[idx] = (uint32_t)(at - m->first[idx]);
    }
    int rc = read_parts(run, st, part, dst, psel, npart);
    free(part);
    free(dst);
    free(psel);
    for (size_t k = 0; k < p->ne && rc == 0; k++) {
        if (p->e[k].loaded != NIL) continue;
        uint32_t ss = p->e[k].stored, idx = p->xidx[ss];
        for (size_t i = m->first[idx]; i < (size_t)m->first[idx] + m->count[idx] && rc == 0; i++) {
            recs[i].source = idx;
            m->dirty[i] = 0;
            msub_row_get(m->srows[ss].p, m->srow[i], &m->prev[i], &m->pprob[i]);
            if (key_is_zero(m->prev[i]))   /* (export and info check every key against the registry) */
                rc = dc_seterr("master %s: a row without a key (damaged): refused", dc_store_dir(st));
        }
    }
    return rc ? (size_t)-1 : at;
}

static void plan_free(srcplan_t *p, uint32_t ns)
{
    for (uint32_t s = 0; s < ns && p->sel; s++) free(p->sel[s]);
    free(p->sel);
    free(p->kept);
    free(p->e);
    free(p->xidx);
}

int dc_master_rows(dc_run_t *run)
{
    dc_master_load_t *m = run->master;
    m->nload = run->load.nsources;
    dc_run_stage_begin(run, "master-rows");
    srcplan_t p;
    memset(&p, 0, sizeof p);
    plan_sources(run, m, &p);
    uint32_t ns = dc_store_nsources(m->store);
    if (msub_select(run, m, p.kept, p.sel)) {
        plan_free(&p, ns);
        return -1;
    }
    size_t n = run->nrec;
    for (uint32_t s = 0; s < ns; s++)
        for (uint64_t r = 0; p.kept[s] && r < dc_store_source(m->store, s)->rows; r++) n += p.sel[s][r];
    dc_record_t *recs = dc_xmalloc((n ? n : 1) * sizeof *recs);
    m->dirty = dc_xmalloc(n ? n : 1);
    m->delivered = dc_xcalloc(n ? n : 1, 1);
    m->anchor = dc_xmalloc((n ? n : 1) * sizeof *m->anchor);
    m->prev = dc_xcalloc(n ? n : 1, sizeof *m->prev);
    m->pprob = dc_xcalloc(n ? n : 1, sizeof *m->pprob);
    m->srow = dc_xcalloc(n ? n : 1, sizeof *m->srow);
    m->first = dc_xcalloc((size_t)m->nload + run->nxsrc + 1, sizeof *m->first);
    m->count = dc_xcalloc((size_t)m->nload + run->nxsrc + 1, sizeof *m->count);
    size_t got = fill_rows(run, m, &p, recs);
    plan_free(&p, ns);
    free(run->recs);
    run->recs = recs;
    run->nrec = got == (size_t)-1 ? 0 : got;
    run->reccap = n;
    int rc = got == (size_t)-1 ? -1 : 0;
    for (uint32_t s = 0; s < m->nload && rc == 0; s++)
        if (m->stored_of[s] >= 0) rc = redelivery(run, m, s, (uint32_t)m->stored_of[s], m->first[s], m->count[s]);
    if (rc) return -1;
    make_anchors(m, run->nrec);
    run->dirty = m->dirty;
    run->anchor = m->anchor;
    if (m->subset) {   /* the rows not read: blocking cut and term frequencies as for all of them */
        run->nfull = m->nfull;
        run->tf_count = m->delivered;
        run->tf_add = msub_tf_add;
    }
    uint64_t nd = 0;
    for (size_t i = 0; i < run->nrec; i++) nd += m->dirty[i];
    dc_run_stage_end(run, run->nrec);
    dc_log(1, "master: %llu rows read, %llu new or changed, %llu removed", (unsigned long long)run->nrec,
           (unsigned long long)nd, (unsigned long long)m->nrm);
    return 0;
}

/* ---------------------------------------------------------------- keys */

enum { E_NEW, E_ROW_ADDED, E_ROW_REMOVED, E_UPDATED, E_MERGED, E_SPLIT, E_RETIRED };
static const char *const EV_NAME[] = {"new", "row_added", "row_removed", "updated", "merged", "split", "retired"};

static int change(dc_master_load_t *m, dc_table_t *t, int ev, dc_hash128_t key, dc_hash128_t other,
                   const char *src, const char *rid, size_t nrid)
{
    char a[DC_CITIZEN_KEY_LEN + 1], b[DC_CITIZEN_KEY_LEN + 1];
    dc_citizen_key_format(key, a);
    dc_table_cstr(t, EV_NAME[ev]);
    dc_table_str(t, a, DC_CITIZEN_KEY_LEN);
    if (key_is_zero(other)) dc_table_str(t, "", 0);
    else {
        dc_citizen_key_format(other, b);
        dc_table_str(t, b, DC_CITIZEN_KEY_LEN);
    }
    dc_table_cstr(t, src ? src : "");
    dc_table_str(t, rid ? rid : "", rid ? nrid : 0);
    m->ev[ev]++;
    m->nchanges++;
    return dc_table_end_row(t);
}


/* The key stage's working state. */
typedef struct {
    dc_master_load_t *m;
    dc_clusters_t *cl;
    const dc_record_t *run_recs;
    size_t n;
    dc_map128_t prevcl;      /* previous key -> the cluster of its rows (MULTI: several) */
    uint8_t *triv;        /* per cluster: keeps its one previous key, uncontested */
    dc_hash128_t *fk;     /* per cluster: its first row's previous key */
    uint32_t *rcl, ncl2;  /* cluster -> reduced cluster (NIL: trivial); their count */
    dc_key_result_t kr;   /* over the reduced clusters */
} kjob_t;

/* Previous keys whose rows were all removed (sorted, unique): retiring. */
static dc_hash128_t *retiring_keys(const kjob_t *j, size_t *nret)
{
    const dc_master_load_t *m = j->m;
    dc_hash128_t *ret = dc_xmalloc((m->nrm ? m->nrm : 1) * sizeof *ret);
    size_t n = 0, u = 0;
    for (size_t r = 0; r < m->nrm; r++)
        if (dc_map128_get(&j->prevcl, m->rm_key[r], NIL) == NIL) ret[n++] = m->rm_key[r];
    qsort(ret, n, sizeof *ret, cmp_key128);
    for (size_t r = 0; r < n; r++)
        if (!u || !key_eq(ret[u - 1], ret[r])) ret[u++] = ret[r];
    *nret = u;
    return ret;
}

/* A cluster whose rows are all unchanged, all with one previous key that
 * no other cluster's row carries, keeps that key: its only claim,
 * uncontested. dc_keys_assign then decides the other clusters only, on
 * their rows: the same result, in proportion to the delivery. */
static void mark_uncontested(kjob_t *j)
{
    const dc_master_load_t *m = j->m;
    const dc_clusters_t *cl = j->cl;
    j->triv = dc_xmalloc(cl->ncl ? cl->ncl : 1);
    j->fk = dc_xcalloc(cl->ncl ? cl->ncl : 1, sizeof *j->fk);
    memset(j->triv, 1, cl->ncl);
    for (size_t i = 0; i < j->n; i++) {
        uint32_t c = cl->of[i];
        if (m->dirty[i] || key_is_zero(m->prev[i])) j->triv[c] = 0;
        else if (key_is_zero(j->fk[c])) j->fk[c] = m->prev[i];
        else if (!key_eq(j->fk[c], m->prev[i])) j->triv[c] = 0;
    }
    for (size_t i = 0; i < j->n; i++)   /* a key whose rows are in several clusters */
        if (!key_is_zero(m->prev[i]) && dc_map128_get(&j->prevcl, m->prev[i], NIL) == MULTI) j->triv[cl->of[i]] = 0;
}

/* dc_keys_assign over the contested clusters; every cluster's key. */
static int assign(kjob_t *j, const dc_hash128_t *ret, size_t nret)
{
    dc_clusters_t *cl = j->cl;
    j->rcl = dc_xmalloc(((size_t)cl->ncl + 1) * sizeof *j->rcl);
    j->ncl2 = 0;
    for (uint32_t c = 0; c < cl->ncl; c++) j->rcl[c] = j->triv[c] ? NIL : j->ncl2++;
    size_t n2 = 0;
    for (size_t i = 0; i < j->n; i++) n2 += !j->triv[cl->of[i]];
    uint32_t *of2 = dc_xmalloc((n2 ? n2 : 1) * sizeof *of2);
    dc_hash128_t *prev2 = dc_xmalloc((n2 ? n2 : 1) * sizeof *prev2);
    dc_hash128_t *cand2 = dc_xmalloc(((size_t)j->ncl2 + 1) * sizeof *cand2);
    for (size_t i = 0, k = 0; i < j->n; i++)
        if (!j->triv[cl->of[i]]) of2[k] = j->rcl[cl->of[i]], prev2[k++] = j->m->prev[i];
    for (uint32_t c = 0; c < cl->ncl; c++)
        if (!j->triv[c]) cand2[j->rcl[c]] = cl->key[c];
    dc_key_input_t in = {n2, of2, prev2, j->ncl2, cand2, nret, ret};
    int rc = dc_keys_assign(&in, j->m->reg, (uint32_t)j->m->gen, &j->kr);
    free(of2);
    free(prev2);
    free(cand2);
    if (rc) return -1;
    for (uint32_t c = 0; c < cl->ncl; c++) cl->key[c] = j->triv[c] ? j->fk[c] : j->kr.key[j->rcl[c]];
    dc_log(2, "master: keys decided for %u of %u citizens (the others keep theirs, uncontested)", j->ncl2,
           cl->ncl);
    return 0;
}

/* Touched citizens: a row added, removed, moved, changed or with another
 * probability, or a key event (new, split, merged into it). */
static void mark_touched(kjob_t *j)
{
    dc_master_load_t *m = j->m;
    const dc_clusters_t *cl = j->cl;
    dc_map128_t ck;   /* the cluster of each key */
    dc_map128_init(&ck, cl->ncl);
    for (uint32_t c = 0; c < cl->ncl; c++) dc_map128_put(&ck, cl->key[c], c, NULL);
    m->out_cl = dc_xcalloc(cl->ncl ? cl->ncl : 1, 1);
    for (size_t i = 0; i < j->n; i++) {
        uint32_t c = cl->of[i];
        int moved = !key_is_zero(m->prev[i]) && !key_eq(m->prev[i], cl->key[c]);
        int renamed = m->oldrid && m->oldrid[i];
        if (key_is_zero(m->prev[i]) || m->dirty[i] || cl->prob[i] != m->pprob[i] || moved || renamed)
            m->out_cl[c] = 1;
        if (moved) {   /* and the citizen it left, if it still exists */
            uint32_t o = dc_map128_get(&ck, m->prev[i], NIL);
            if (o != NIL) m->out_cl[o] = 1;
        }
    }
    for (size_t r = 0; r < m->nrm; r++) {
        uint32_t o = dc_map128_get(&ck, m->rm_key[r], NIL);
        if (o != NIL) m->out_cl[o] = 1;
    }
    /* a row on another line of its file changes nothing, unless its
     * citizen holds another row of that file: their order (survivorship's
     * ties) may have changed */
    for (size_t i = 0; m->newline && i < j->n; i++) {
        if (!m->newline[i] || m->out_cl[cl->of[i]]) continue;
        uint32_t c = cl->of[i];
        for (uint32_t x = cl->off[c]; x < cl->off[c + 1]; x++)
            if (cl->members[x] != i && j->run_recs[cl->members[x]].source == j->run_recs[i].source) m->out_cl[c] = 1;
    }
    dc_map128_free(&ck);
    for (uint32_t c = 0; c < cl->ncl; c++)
        if (!j->triv[c] && j->kr.ev[j->rcl[c]].kind != DC_KEY_KEPT) m->out_cl[c] = 1;
    m->out_rec = dc_xmalloc(j->n ? j->n : 1);
    for (size_t i = 0; i < j->n; i++) m->out_rec[i] = m->out_cl[cl->of[i]];
}

/* changes.csv: citizens in cluster order, then merged and retired keys,
 * then rows in row order, then removed rows. */
static int write_changes(dc_run_t *run, kjob_t *j)
{
    dc_master_load_t *m = j->m;
    const dc_clusters_t *cl = j->cl;
    static const char *const cols[] = {"event", "citizen_key", "other_key", "source", "record_id"};
    dc_table_t *t = dc_output_table(run, "changes", cols, 5);
    if (!t) return -1;
    dc_hash128_t z = {0, 0};
    int rc = 0;
    for (uint32_t c = 0; c < cl->ncl; c++) {
        if (j->triv[c]) {
            if (m->out_cl[c]) rc |= change(m, t, E_UPDATED, cl->key[c], z, NULL, NULL, 0);
            continue;
        }
        const dc_key_event_t *x = &j->kr.ev[j->rcl[c]];   /* one per reduced cluster, in order */
        if (x->kind == DC_KEY_KEPT && m->out_cl[c]) rc |= change(m, t, E_UPDATED, x->key, z, NULL, NULL, 0);
        else if (x->kind == DC_KEY_NEW) rc |= change(m, t, E_NEW, x->key, z, NULL, NULL, 0);
        else if (x->kind == DC_KEY_SPLIT) rc |= change(m, t, E_SPLIT, x->key, x->other, NULL, NULL, 0);
    }
    for (size_t e = j->ncl2; e < j->kr.nev; e++) {
        const dc_key_event_t *x = &j->kr.ev[e];
        if (x->kind == DC_KEY_MERGED) rc |= change(m, t, E_MERGED, x->key, x->other, NULL, NULL, 0);
        else if (x->kind == DC_KEY_RETIRED) rc |= change(m, t, E_RETIRED, x->key, z, NULL, NULL, 0);
    }
    for (size_t i = 0; i < j->n; i++) {
        dc_hash128_t k = cl->key[cl->of[i]];
        int added = key_is_zero(m->prev[i]), moved = !added && !key_eq(m->prev[i], k);
        uint32_t oldrid = m->oldrid ? m->oldrid[i] : 0;   /* the row came back on another line */
        int upd = !added && !moved && !oldrid && (m->dirty[i] || cl->prob[i] != m->pprob[i]);
        if (!added && !moved && !upd && !oldrid) continue;
        size_t nr, no;
        const char *rid = dc_intern_str(run->in, run->recs[i].record_id, &nr);
        const char *src = dc_run_source_name(run, run->recs[i].source);
        if (moved || oldrid) {
            const char *orid = oldrid ? dc_intern_str(run->in, oldrid, &no) : rid;
            rc |= change(m, t, E_ROW_REMOVED, m->prev[i], z, src, orid, oldrid ? no : nr);
        }
        rc |= change(m, t, upd ? E_UPDATED : E_ROW_ADDED, k, z, src, rid, nr);
    }
    for (size_t r = 0; r < m->nrm; r++) {
        size_t nr;
        const char *rid = dc_intern_str(run->in, m->rm_rid[r], &nr);
        rc |= change(m, t, E_ROW_REMOVED, m->rm_key[r], z, dc_run_source_name(run, m->rm_src[r]), rid, nr);
    }
    return rc ? -1 : 0;
}

/* The new rows attachments: every delivered source's; a kept source's
 * only when a row of it has another key or probability (its previous
 * attachment patched), else it is carried over as it is. */
static void rows_attachments(const dc_run_t *run, dc_master_load_t *m)
{
    const dc_clusters_t *cl = &run->cl;
    m->nrows = dc_xcalloc((size_t)dc_store_nsources(m->store) + 1, sizeof *m->nrows);
    m->lrows = dc_xcalloc((size_t)m->nload + 1, sizeof *m->lrows);
    for (uint32_t s = 0; s < m->nload; s++) {
        msub_rows_begin(&m->lrows[s], m->count[s]);
        for (uint32_t i = m->first[s]; i < m->first[s] + m->count[s]; i++)
            msub_row_put(&m->lrows[s], cl->key[cl->of[i]], cl->prob[i]);
    }
    for (uint32_t idx = m->nload; idx < m->nload + run->nxsrc; idx++) {
        uint32_t ss = m->stored[idx];
        dc_buf_t *nb = &m->nrows[ss];
        for (uint32_t i = m->first[idx]; i < m->first[idx] + m->count[idx]; i++) {
            dc_hash128_t k = cl->key[cl->of[i]];
            if (key_eq(k, m->prev[i]) && cl->prob[i] == m->pprob[i]) continue;
            if (!nb->len) dc_buf_put(nb, m->srows[ss].p, m->srows[ss].len);
            char *at = nb->p + 16 + (size_t)m->srow[i] * ROW_BYTES;
            memcpy(at, &k.hi, 8);
            memcpy(at + 8, &k.lo, 8);
            memcpy(at + 16, &cl->prob[i], 4);
        }
    }
}

int dc_master_keys(dc_run_t *run)
{
    dc_master_load_t *m = run->master;
    kjob_t j = {.m = m, .cl = &run->cl, .run_recs = run->recs, .n = run->nrec};
    dc_run_stage_begin(run, "keys");
    m->npairs = run->match ? (size_t)run->match->bstats.pairs : 0;   /* the pairs an estimation saw */
    dc_map128_init(&j.prevcl, j.n);
    for (size_t i = 0; i < j.n; i++) {
        if (key_is_zero(m->prev[i])) continue;
        uint32_t *c = dc_map128_put(&j.prevcl, m->prev[i], run->cl.of[i], NULL);
        if (*c != run->cl.of[i]) *c = MULTI;
    }
    size_t nret;
    dc_hash128_t *ret = retiring_keys(&j, &nret);
    mark_uncontested(&j);
    dc_map128_free(&j.prevcl);
    int rc = assign(&j, ret, nret);
    free(ret);
    if (rc == 0) {
        for (size_t i = 0; i < j.n; i++)   /* unchanged rows keep their probability */
            if (!m->dirty[i] && !key_is_zero(m->prev[i])) run->cl.prob[i] = m->pprob[i];
        mark_touched(&j);
        run->out_cl = m->out_cl;
        run->out_rec = m->out_rec;
        rc = write_changes(run, &j);
    }
    if (rc == 0) rc = write_master_json(run, m->id, m->gen, (int64_t)m->gen - 1);
    if (rc == 0) {
        rows_attachments(run, m);
        if (m->subset) {   /* the report's citizens are the whole master's */
            msub_totals(run, m);
            run->totals = &m->tot;
        } else {
            dc_report_totals(run, &m->tot);
        }
    }
    if (j.rcl) dc_key_result_free(&j.kr);
    free(j.triv);
    free(j.fk);
    free(j.rcl);
    if (rc) return -1;
    dc_run_stage_end(run, m->nchanges);
    dc_log(1, "master: %llu changes (%llu new, %llu merged, %llu split, %llu retired citizens)",
           (unsigned long long)m->nchanges, (unsigned long long)m->ev[E_NEW], (unsigned long long)m->ev[E_MERGED],
           (unsigned long long)m->ev[E_SPLIT], (unsigned long long)m->ev[E_RETIRED]);
    return 0;
}

/* -------------------------------------------------------------- commit */

/* One source's attachments: its rows, and (index) its blocking index and
 * term frequencies from its rows recs[0..n), whose keys are `keys` (NULL:
 * computed here). */
static int attach_source(dc_run_t *run, dc_master_load_t *m, const char *name, const dc_buf_t *rows, int index,
                         const dc_record_t *recs, size_t n, const uint64_t *keys, size_t stride, size_t first,
                         dc_buf_t *tfout)
{
    char an[24];
    int rc = 0;
    if (rows && rows->len) {
        msub_att_name(an, 'r', name);
        rc = dc_store_txn_attach_stored(m->txn, an, rows->p, rows->len);   /* keys: random bytes, mapped when read */
    }
    if (rc || !index) return rc;
    const dc_rules_t *rules = &run->match->rules;
    uint64_t *own = NULL;
    if (!keys) {
        own = dc_xmalloc(((rules->n + 1) * n + 1) * sizeof *own);
        dc_block_row_keys(recs, n, run->in, rules, run->opts.nthreads, own);
        keys = own;
        stride = n;
        first = 0;
    }
    dc_buf_t b = DC_BUF_INIT;
    msub_index_encode(rules, keys, stride, first, n, &b);
    free(own);
    msub_att_name(an, 'i', name);
    rc = dc_store_txn_attach_stored(m->txn, an, b.p, b.len);
    dc_buf_t *tb = tfout ? tfout : &b;
    dc_buf_clear(tb);
    dc_tf_encode(recs, n, run->in, tb);
    msub_att_name(an, 't', name);
    if (rc == 0) rc = dc_store_txn_attach(m->txn, an, tb->p, tb->len);
    dc_buf_free(&b);
    return rc;
}

static void buf_swap(dc_buf_t *a, dc_buf_t *b)
{
    dc_buf_t x = *a;
    *a = *b, *b = x;
}

/* Tables of term frequencies merged pairwise, in rounds (each value is
 * merged log2(n) times, not n): their sum into t[0]; the others freed. */
static int tf_sum(dc_buf_t *t, size_t n)
{
    dc_buf_t o = DC_BUF_INIT;
    for (size_t step = 1; step < n; step *= 2)
        for (size_t i = 0; i + step < n; i += 2 * step) {
            if (dc_tf_merge_encoded(t[i].p, t[i].len, t[i + step].p, t[i + step].len, 1, &o)) {
                dc_buf_free(&o);
                return -1;
            }
            dc_buf_t x = t[i];
            t[i] = o, o = x;
            dc_buf_free(&t[i + step]);
        }
    dc_buf_free(&o);
    return 0;
}

/* The master's term frequencies over every stored source ("tf", and "tf+"
 * its changes since): the delivered sources' new tables (tf[l]) added, the
 * re-delivered sources' stored ones taken away. The changes are merged
 * into "tf" when they reach an eighth of its size on disk; a master without "tf"
 * (a first load, or one written before it) gets the sum of every source's
 * table. */
static int tf_commit(dc_master_load_t *m, dc_buf_t *tf)
{
    dc_store_t *st = m->store;
    const char *dir = dc_store_dir(st);
    dc_buf_t base = DC_BUF_INIT, plus = DC_BUF_INIT, o = DC_BUF_INIT;
    char an[24];
    uint64_t basesize = 0;   /* "tf" on disk: read only when the changes are merged into it */
    for (uint32_t i = 0; i < dc_store_nattachments(st); i++)
        if (!strcmp(dc_store_attachment_info(st, i)->name, "tf")) basesize = dc_store_attachment_info(st, i)->size;
    int rc = basesize ? 0 : 1;
    if (rc == 0) {
        /* the changes so far and the new tables summed (in rounds), less
         * the sum of the replaced sources' stored tables */
        dc_buf_t *add = dc_xcalloc((size_t)m->nload + 1, sizeof *add), *sub = dc_xcalloc((size_t)m->nload + 1, sizeof *sub);
        size_t na = 1, nsub = 0;
        rc = dc_store_attachment(st, "tf+", &add[0]);
        if (rc == 1) rc = dc_seterr("master %s: term frequencies without their additions (damaged): refused", dir);
        for (uint32_t l = 0; l < m->nload && rc == 0; l++) {
            dc_buf_put(&add[na++], tf[l].p, tf[l].len);
            if (m->stored_of[l] < 0) continue;
            msub_att_name(an, 't', dc_store_source(st, (uint32_t)m->stored_of[l])->name);
            rc = dc_store_attachment(st, an, &sub[nsub++]);
            if (rc == 1) rc = dc_seterr("master %s: a source has no term frequencies (damaged): refused", dir);
        }
        if (rc == 0) rc = tf_sum(add, na);
        if (rc == 0 && nsub) rc = tf_sum(sub, nsub);
        if (rc == 0 && nsub) rc = dc_tf_merge_encoded(add[0].p, add[0].len, sub[0].p, sub[0].len, -1, &plus);
        else if (rc == 0) buf_swap(&plus, &add[0]);
        for (size_t i = 0; i < na; i++) dc_buf_free(&add[i]);
        for (size_t i = 0; i < nsub; i++) dc_buf_free(&sub[i]);
        free(add);
        free(sub);
        if (rc == 0 && plus.len > basesize / 8) {
            rc = dc_store_attachment(st, "tf", &base);
            if (rc == 1) rc = dc_seterr("master %s: term frequencies missing (damaged): refused", dir);
            if (rc == 0) rc = dc_tf_merge_encoded(base.p, base.len, plus.p, plus.len, 1, &o);
            if (rc == 0) buf_swap(&base, &o);
            dc_buf_clear(&plus);
        }
    } else if (rc == 1) {   /* every source's table: the kept ones stored, the delivered ones new */
        uint32_t ns = dc_store_nsources(st);
        dc_buf_t *all = dc_xcalloc((size_t)ns + m->nload + 1, sizeof *all);
        size_t k = 0;
        rc = 0;
        for (uint32_t s = 0; s < ns && rc == 0; s++) {
            int delivered = 0;
            for (uint32_t l = 0; l < m->nload && !delivered; l++) delivered = m->stored_of[l] == (int64_t)s;
            if (delivered) continue;
            msub_att_name(an, 't', dc_store_source(st, s)->name);
            rc = dc_store_attachment(st, an, &all[k++]);
            if (rc == 1) rc = dc_seterr("master %s: a source has no term frequencies (damaged): refused", dir);
        }
        for (uint32_t l = 0; l < m->nload && rc == 0; l++) dc_buf_put(&all[k++], tf[l].p, tf[l].len);
        if (rc == 0 && k == 0) dc_tf_encode(NULL, 0, NULL, &all[k++]);
        if (rc == 0) rc = tf_sum(all, k);
        if (rc == 0) buf_swap(&base, &all[0]);
        for (size_t i = 0; i < k; i++) dc_buf_free(&all[i]);
        free(all);
        plus.len = 0;
    }
    if (rc > 0) rc = -1;
    if (rc == 0 && plus.len == 0) dc_tf_encode(NULL, 0, NULL, &plus);   /* nothing since the base */
    if (rc == 0 && base.len) rc = dc_store_txn_attach_stored(m->txn, "tf", base.p, base.len);
    if (rc == 0) rc = dc_store_txn_attach(m->txn, "tf+", plus.p, plus.len);
    if (rc == 0) dc_log(1, "master: term frequencies: %s", base.len ? "every count written again" : "the changes kept beside them");
    dc_buf_free(&base), dc_buf_free(&plus), dc_buf_free(&o);
    return rc;
}

/* Every source's attachments that change: the delivered sources' (rows,
 * index, term frequencies), the kept sources' patched rows, and, when
 * every row was read (the index was not usable), every kept source's index
 * and term frequencies again. */
static int source_attachments(dc_run_t *run, dc_master_load_t *m)
{
    int rc = 0;
    dc_buf_t *tf = dc_xcalloc((size_t)m->nload + 1, sizeof *tf);
    for (uint32_t s = 0; s < m->nload && rc == 0; s++)
        rc = attach_source(run, m, dc_run_source_name(run, s), &m->lrows[s], 1, run->recs + m->first[s], m->count[s],
                           m->dkeys, m->nloaded, m->lfirst[s], &tf[s]);
    for (uint32_t idx = m->nload; idx < m->nload + run->nxsrc && rc == 0; idx++) {
        uint32_t ss = m->stored[idx];
        rc = attach_source(run, m, dc_store_source(m->store, ss)->name, &m->nrows[ss], !m->subset,
                           run->recs + m->first[idx], m->count[idx], NULL, 0, 0, NULL);
    }
    if (rc == 0) rc = tf_commit(m, tf);
    for (uint32_t s = 0; s < m->nload; s++) dc_buf_free(&tf[s]);
    free(tf);
    return rc;
}

int dc_master_commit(dc_run_t *run)
{
    dc_master_load_t *m = run->master;
    dc_store_txn_t *t = m->txn;
    int rc = 0;
    double t0 = dc_now();
    for (uint32_t s = 0; s < m->nload && rc == 0; s++) {
        const char *name = dc_run_source_name(run, s);
        if (m->stored_of[s] >= 0) rc = dc_store_txn_drop_source(t, name);
        dc_store_writer_t *w = NULL;
        if (rc == 0) rc = dc_store_writer_begin(t, name, 0, &w);
        if (rc == 0) rc = dc_store_writer_put(w, run->recs + m->first[s], m->count[s], run->in);
        if (rc == 0) rc = dc_store_writer_end(w);
        else dc_store_writer_abort(w);
    }
    dc_buf_t b = DC_BUF_INIT;
    if (rc == 0) rc = source_attachments(run, m);
    if (rc == 0 && m->gen == 1) rc = dc_store_txn_attach(t, "identity", m->id, 32);
    if (rc == 0 && m->gen == 1) rc = dc_store_txn_attach(t, "layout", MASTER_LAYOUT, strlen(MASTER_LAYOUT));
    if (rc == 0) {
        msub_summary_encode(&m->tot, &b);
        rc = dc_store_txn_attach(t, "summary", b.p, b.len);
    }
    if (rc == 0) {   /* the previous registry's bytes again, merged with the keys issued now */
        dc_buf_clear(&b);
        size_t all = dc_keyreg_count(m->reg), added = dc_keyreg_added(m->reg);
        if (dc_store_generation(m->store) == 0 || added > (all - added) / 8) {   /* (a first load: the base) */
            rc = dc_keyreg_encode_all(m->reg, &b);
            if (rc == 0) rc = dc_store_txn_attach_stored(t, "registry", b.p, b.len);
            dc_keyreg_t *none = dc_keyreg_create();
            dc_buf_clear(&b);
            if (rc == 0) rc = dc_keyreg_encode_added(none, &b);
            dc_keyreg_free(none);
            dc_log(1, "master: key registry rewritten (%zu keys)", all);
        } else {
            rc = dc_keyreg_encode_added(m->reg, &b);
            dc_log(1, "master: key registry kept, %zu keys issued since it was written", added);
        }
        if (rc == 0) rc = dc_store_txn_attach(t, "registry+", b.p, b.len);
    }
    /* a model estimated from no candidate pair is not kept: the master
     * keeps the one it had (or none, and the next load estimates one) */
    int estimated = !run->opts.model_text && !run->opts.model_in;
    int keep_model = run->match && (!estimated || m->npairs > 0);
    if (run->match && !keep_model)
        dc_log(1, "master: no candidate pair to estimate a model from: the master keeps %s",
               m->model.len ? "its model" : "no model yet (the next load estimates one)");
    if (rc == 0 && keep_model) {
        dc_buf_clear(&b);
        dc_jw_t jw;
        dc_jw_init(&jw, &b, 0);
        dc_jw_open(&jw, '{', DC_JW_LINES);
        dc_model_json(&run->match->model, &jw);
        dc_jw_close(&jw);
        dc_buf_putc(&b, '\n');
        rc = dc_store_txn_attach(t, "model", b.p, b.len);
        dc_buf_clear(&b);
        dc_rules_text(&run->match->rules, &b);
        if (rc == 0) rc = dc_store_txn_attach(t, "rules", b.p ? b.p : "", b.len);
    }
    dc_buf_free(&b);
    if (rc == 0) {
        m->txn = NULL;   /* dc_store_commit frees it, whatever happens */
        rc = dc_store_commit(t);
    }
    if (rc) return dc_seterr("%s; the master was not updated (its previous generation is intact); the outputs "
                             "of this load are complete: run the same load again", dc_geterr());
    dc_log(1, "master %s: generation %llu committed in %.2f s", run->opts.master_dir, (unsigned long long)m->gen,
           dc_now() - t0);
    return 0;
}

void dc_master_load_free(dc_run_t *run)
{
    dc_master_load_t *m = run->master;
    if (!m) return;
    master_free_state(m);
    free(m);
    run->master = NULL;
    run->dirty = run->out_rec = run->out_cl = NULL;
    run->anchor = NULL;
    run->totals = NULL;
    run->tf_count = NULL;
    run->tf_add = NULL;
}

/* Everything a load holds, not the struct itself. */
static void master_free_state(dc_master_load_t *m)
{
    dc_store_abort(m->txn);
    dc_store_close(m->store);
    dc_keyreg_free(m->reg);
    dc_buf_free(&m->model);
    dc_buf_free(&m->rules);
    uint32_t ns = m->nsrc;
    for (uint32_t s = 0; m->srows && s < ns; s++) dc_store_view_free(&m->srows[s]);
    for (uint32_t s = 0; m->nrows && s < ns; s++) dc_buf_free(&m->nrows[s]);
    for (uint32_t s = 0; m->lrows && s < m->nload; s++) dc_buf_free(&m->lrows[s]);
    free(m->srows);
    free(m->nrows);
    free(m->lrows);
    free(m->dkeys);
    free(m->lfirst);
    free(m->lcount);
    free(m->stored);
    free(m->srow);
    free(m->delivered);
    free(m->dirty);
    free(m->anchor);
    free(m->prev);
    free(m->pprob);
    free(m->out_rec);
    free(m->out_cl);
    free(m->first);
    free(m->count);
    free(m->stored_of);
    free(m->rm_src);
    free(m->rm_rid);
    free(m->rm_key);
    free(m->oldrid);
    free(m->newline);
}

/* -------------------------------------------------------------- export */

/* Clusters from a key per row: numbered by their first row, members in
 * row order (as dc_cluster numbers them). */
static void clusters_from_keys(const dc_hash128_t *key, size_t n, dc_clusters_t *cl)
{
    memset(cl, 0, sizeof *cl);
    dc_map128_t id;   /* key -> cluster, numbered in order of first row */
    dc_map128_init(&id, n);
    cl->of = dc_xmalloc((n ? n : 1) * sizeof *cl->of);
    uint32_t ncl = 0;
    for (size_t i = 0; i < n; i++) {
        cl->of[i] = *dc_map128_put(&id, key[i], ncl, NULL);
        ncl += cl->of[i] == ncl;
    }
    dc_map128_free(&id);
    cl->ncl = ncl;
    cl->off = dc_xcalloc((size_t)ncl + 1, sizeof *cl->off);
    for (size_t i = 0; i < n; i++) cl->off[cl->of[i] + 1]++;
    for (uint32_t c = 0; c < ncl; c++) cl->off[c + 1] += cl->off[c];
    cl->members = dc_xmalloc((n ? n : 1) * sizeof *cl->members);
    uint32_t *pos = dc_xmalloc(((size_t)ncl + 1) * sizeof *pos);
    memcpy(pos, cl->off, (size_t)ncl * sizeof *pos);
    for (size_t i = 0; i < n; i++) cl->members[pos[cl->of[i]]++] = (uint32_t)i;
    free(pos);
    cl->key = dc_xcalloc(ncl ? ncl : 1, sizeof *cl->key);
    for (size_t i = 0; i < n; i++) cl->key[cl->of[i]] = key[i];
}

typedef struct {
    const char *name;
    uint32_t s;
} sname_t;

static int cmp_sname(const void *a, const void *b) { return strcmp(((const sname_t *)a)->name, ((const sname_t *)b)->name); }

int dc_master_read_all(dc_run_t *run, const char *dir)
{
    dc_master_load_t *m = dc_xcalloc(1, sizeof *m);
    run->master = m;
    if (dc_store_open(dir, 0, NULL, &m->store)) return -1;
    if (dc_store_generation(m->store) == 0) return dc_seterr("master %s is empty (no load yet)", dir);
    if (read_state(m, 1) || identity(m->store, m->id)) return -1;
    m->gen = dc_store_generation(m->store);
    dc_store_t *st = m->store;
    uint32_t ns = dc_store_nsources(st);
    sname_t *o = dc_xmalloc((ns + 1) * sizeof *o);
    for (uint32_t s = 0; s < ns; s++) o[s] = (sname_t){dc_store_source(st, s)->name, s};
    qsort(o, ns, sizeof *o, cmp_sname);
    size_t n = dc_store_nrecords(st), at = 0, npart = 0;
    run->recs = dc_xmalloc((n ? n : 1) * sizeof *run->recs);
    run->xsrc = dc_xcalloc(ns + 1, sizeof *run->xsrc);
    /* every partition straight into its place, on the run's threads */
    uint32_t *part = dc_xmalloc(((size_t)dc_store_npartitions(st) + 1) * sizeof *part);
    dc_record_t **dst = dc_xmalloc(((size_t)dc_store_npartitions(st) + 1) * sizeof *dst);
    for (uint32_t k = 0; k < ns; k++) {
        const dc_store_source_t *x = dc_store_source(st, o[k].s);
        run->xsrc[run->nxsrc++] = dc_xstrdup(o[k].name);
        for (uint32_t q = x->first_part; q < x->first_part + x->nparts; q++) {
            part[npart] = q;
            dst[npart++] = run->recs + at;
            at += dc_store_partition(st, q)->nrec;
        }
    }
    int rc = read_parts(run, st, part, dst, NULL, npart);
    free(part);
    free(dst);
    if (rc) {
        free(o);
        return -1;
    }
    dc_hash128_t *key = dc_xmalloc((n ? n : 1) * sizeof *key);
    run->cl.prob = dc_xmalloc((n ? n : 1) * sizeof *run->cl.prob);
    at = 0;
    for (uint32_t k = 0; k < ns; k++) {
        uint64_t nr = dc_store_source(st, o[k].s)->rows;
        for (size_t i = 0; i < nr; i++) {
            run->recs[at + i].source = k;
            msub_row_get(m->srows[o[k].s].p, i, &key[at + i], &run->cl.prob[at + i]);
        }
        at += nr;
    }
    free(o);
    run->nrec = run->reccap = at;
    float *prob = run->cl.prob;
    clusters_from_keys(key, at, &run->cl);
    run->cl.prob = prob;
    free(key);
    return 0;
}

/* ---------------------------------------------------------------- info */

int dc_master_export_json(dc_run_t *run)
{
    return write_master_json(run, run->master->id, run->master->gen, -1);
}

int dc_master_info(const char *dir, int json, FILE *f)
{
    dc_master_load_t mm, *m = &mm;
    memset(m, 0, sizeof *m);
    if (dc_store_open(dir, 0, NULL, &m->store)) return -1;
    dc_store_t *st = m->store;
    if (read_state(m, 1)) {
        master_free_state(m);
        return -1;
    }
    uint64_t n = dc_store_nrecords(st), citizens = 0;
    dc_hash128_t *k = dc_xmalloc((n ? n : 1) * sizeof *k);
    for (uint32_t s = 0, at = 0; s < m->nsrc; s++)
        for (uint64_t r = 0; r < dc_store_source(st, s)->rows; r++) {
            float p;
            msub_row_get(m->srows[s].p, r, &k[at++], &p);
        }
    qsort(k, n, sizeof *k, cmp_key128);
    for (uint64_t r = 0; r < n; r++) citizens += !r || !key_eq(k[r], k[r - 1]);
    free(k);
    dc_keyreg_t *reg = m->reg;
    dc_buf_t model = m->model;
    dc_model_t mod;
    dc_model_init_default(&mod);
    int has_model = model.len && dc_model_parse_json(model.p, model.len, &mod) == 0;
    dc_buf_t b = DC_BUF_INIT;
    dc_jw_t jw, *j = &jw;
    dc_jw_init(j, &b, 0);
    dc_jw_open(j, '{', DC_JW_LINES);
    dc_jw_kv_str(j, "master", dir);
    dc_jw_kv_u64(j, "format_version", DC_STORE_MANIFEST_VERSION);
    dc_jw_kv_u64(j, "generation", dc_store_generation(st));
    dc_jw_kv_u64(j, "created_at", dc_store_created_at(st));
    dc_jw_kv_u64(j, "rows", n);
    dc_jw_kv_u64(j, "citizens", citizens);
    dc_jw_kv_u64(j, "keys_issued", reg ? dc_keyreg_count(reg) : 0);
    dc_jw_kv_u64(j, "partitions", dc_store_npartitions(st));
    dc_jw_key(j, "model");
    if (has_model) {
        dc_jw_open(j, '{', DC_JW_INLINE);
        dc_jw_key(j, "prior");
        dc_jw_g(j, mod.lambda, 6);
        dc_jw_kv_u64(j, "em_iterations", (uint64_t)mod.em_iterations);
        dc_jw_close(j);
    } else {
        dc_jw_null(j);
    }
    dc_jw_key(j, "sources");
    dc_jw_open(j, '[', DC_JW_LINES);
    for (uint32_t s = 0; s < dc_store_nsources(st); s++) {
        const dc_store_source_t *x = dc_store_source(st, s);
        dc_jw_open(j, '{', DC_JW_INLINE);
        dc_jw_kv_str(j, "name", x->name);
        dc_jw_kv_u64(j, "rows", x->rows);
        dc_jw_kv_u64(j, "generation", x->generation);
        dc_jw_kv_u64(j, "loaded_at", x->loaded_at);
        dc_jw_close(j);
    }
    dc_jw_close(j);
    dc_jw_close(j);
    dc_buf_putc(&b, '\n');
    if (json) {
        fwrite(b.p, 1, b.len, f);
    } else {
        fprintf(f, "master %s: generation %llu, %llu rows, %llu citizens, %zu keys issued, %u partitions\n", dir,
                (unsigned long long)dc_store_generation(st), (unsigned long long)n, (unsigned long long)citizens,
                reg ? dc_keyreg_count(reg) : 0, dc_store_npartitions(st));
        if (has_model) fprintf(f, "model: prior %.6g, %d EM iterations\n", mod.lambda, mod.em_iterations);
        for (uint32_t s = 0; s < dc_store_nsources(st); s++) {
            const dc_store_source_t *x = dc_store_source(st, s);
            fprintf(f, "  %-40s %10llu rows  generation %llu\n", x->name, (unsigned long long)x->rows,
                    (unsigned long long)x->generation);
        }
    }
    dc_buf_free(&b);
    master_free_state(m);
    return 0;
}

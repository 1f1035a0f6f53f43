/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * citizens.c - the citizens table: one row per golden record, in cluster
 * order (clusters are numbered by their first record, so the file follows
 * the input order and is identical whatever the thread count).
 */
#include "merge/dc_merge.h"
#include "normalize/dc_normalize.h"

#include <stdlib.h>   /* free */
#include <string.h>   /* strlen */
#include <utf8proc.h> /* utf8proc_iterate, utf8proc_toupper */

const char *const dc_citizen_cols[] = {
    "citizen_key", "so_dinh_danh", "so_cmnd",
    "ho_ten", "ho", "ten_dem", "ten",
    "ngay_sinh", "gioi_tinh", "ma_dan_toc", "dan_toc", "quoc_tich", "ton_giao",
    "que_quan", "que_quan_ma_xa", "que_quan_ma_huyen", "que_quan_ma_tinh",
    "que_quan_ma_xa_2025", "que_quan_ma_tinh_2025",
    "noi_thuong_tru", "noi_thuong_tru_ma_xa", "noi_thuong_tru_ma_huyen", "noi_thuong_tru_ma_tinh",
    "noi_thuong_tru_ma_xa_2025", "noi_thuong_tru_ma_tinh_2025",
    "noi_o_hien_tai", "noi_o_hien_tai_ma_xa", "noi_o_hien_tai_ma_huyen", "noi_o_hien_tai_ma_tinh",
    "noi_o_hien_tai_ma_xa_2025", "noi_o_hien_tai_ma_tinh_2025",
    "ho_ten_cha", "ho_ten_me", "ho_ten_vo_chong", "ngay_chet",
    "n_rows", "sources", "flags",
};
const size_t dc_citizen_ncols = sizeof dc_citizen_cols / sizeof dc_citizen_cols[0];

/* ---------------------------------------------------------- formatting */

/* v as exactly `w` decimal digits (leading zeros) at p; v < 10^w. */
static char *put_digits(char *p, uint64_t v, int w)
{
    for (int i = w - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + w;
}

/* Number of decimal digits of v (at least 1). */
static int ndigits(uint64_t v)
{
    int n = 1;
    while (v >= 10) { v /= 10; n++; }
    return n;
}

void dc_merge_format_date(const dc_date_t *d, char *buf)
{
    char *p = buf;
    if (d->prec != DC_PREC_NONE && d->y > 0 && d->y <= 9999) {
        p = put_digits(p, (uint64_t)d->y, 4);
        if (d->prec >= DC_PREC_MONTH) {
            *p++ = '-';
            p = put_digits(p, d->m % 100u, 2);
        }
        if (d->prec >= DC_PREC_DAY) {
            *p++ = '-';
            p = put_digits(p, d->d % 100u, 2);
        }
    }
    *p = '\0';
}

/* Title case, one upper-case letter per syllable: used when no
 * normalization tables are loaded (unit tests on hand-built records). */
static void title_case(const char *s, dc_buf_t *out)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t len = (utf8proc_ssize_t)strlen(s);
    int start = 1;
    while (len > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, len, &cp);
        if (k <= 0) { dc_buf_put(out, p, (size_t)len); return; }
        if (cp == ' ') start = 1;
        else if (start) { cp = utf8proc_toupper(cp); start = 0; }
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t e = utf8proc_encode_char(cp, enc);
        dc_buf_put(out, enc, (size_t)e);
        p += k;
        len -= k;
    }
}

/* The normalize module's display form (proper Vietnamese title case);
 * plain title case when no normalization tables are loaded. */
static void compute_display(const dc_run_t *run, uint32_t exact, dc_buf_t *out)
{
    if (!exact) return;
    if (run->norm) dc_norm_display_name(run->norm, exact, out);
    else title_case(dc_intern_str(run->in, exact, NULL), out);
}

/* ------------------------------------------------------ display cache */

/* The display form of every distinct name of the records (person,
 * father, mother, spouse), computed once per interned id instead of once
 * per printed cell. Ids present are bits of `bits`; an id's rank among
 * them (cum[] per 64-bit word plus a popcount) indexes off[], the offset of
 * its string in the buffer of its chunk of 2^16 ids: a 2-byte length, then
 * the bytes. A display form longer than DISP_MAXLEN is not stored (its
 * length reads DISP_NONE) and is computed when printed. */
#define DISP_CHUNK_BITS 16
#define DISP_NONE 0xFFFFu
#define DISP_MAXLEN 0xFFFEu

struct dc_disp {
    uint32_t nids;
    uint64_t *bits;
    uint32_t *cum;
    uint32_t *off;
    dc_buf_t *chunk;    /* (nids >> DISP_CHUNK_BITS) + 1 buffers */
    size_t nchunks;
};

/* Bits set in w (portable: no popcnt instruction assumed). */
static inline uint32_t popcount64(uint64_t w)
{
    w = w - ((w >> 1) & 0x5555555555555555ull);
    w = (w & 0x3333333333333333ull) + ((w >> 2) & 0x3333333333333333ull);
    w = (w + (w >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (uint32_t)((w * 0x0101010101010101ull) >> 56);
}

/* Rank of `id` among the ids present, or UINT32_MAX when absent. */
static inline uint32_t disp_rank(const dc_disp_t *d, uint32_t id)
{
    if (!d || id >= d->nids) return UINT32_MAX;
    uint64_t w = d->bits[id >> 6], bit = 1ull << (id & 63);
    if (!(w & bit)) return UINT32_MAX;
    return d->cum[id >> 6] + (uint32_t)popcount64(w & (bit - 1));
}

static inline const char *disp_at(const dc_disp_t *d, uint32_t id, uint32_t rank)
{
    return d->chunk[id >> DISP_CHUNK_BITS].p + d->off[rank];
}

/* The cached display form of `id` (its length in *len), or NULL. */
static const char *disp_get(const dc_disp_t *d, uint32_t id, size_t *len)
{
    uint32_t r = disp_rank(d, id);
    if (r == UINT32_MAX) return NULL;
    const unsigned char *p = (const unsigned char *)disp_at(d, id, r);
    unsigned n = p[0] | (unsigned)p[1] << 8;
    if (n == DISP_NONE) return NULL;
    *len = n;
    return (const char *)p + 2;
}

typedef struct disp_job {
    const dc_run_t *run;
    dc_disp_t *d;
    dc_buf_t *tmp;   /* per thread */
} disp_job_t;

static inline void disp_mark(dc_disp_t *d, uint32_t id)
{
    if (!id || id >= d->nids) return;
    uint64_t bit = 1ull << (id & 63), *w = &d->bits[id >> 6];
    if (!(__atomic_load_n(w, __ATOMIC_RELAXED) & bit)) __atomic_fetch_or(w, bit, __ATOMIC_RELAXED);
}

static void disp_mark_block(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    disp_job_t *j = ctx;
    size_t a = k * 4096, b = DC_MIN(a + 4096, j->run->nrec);
    for (size_t i = a; i < b; i++) {
        const dc_record_t *r = &j->run->recs[i];
        disp_mark(j->d, r->name.exact);
        disp_mark(j->d, r->father.exact);
        disp_mark(j->d, r->mother.exact);
        disp_mark(j->d, r->spouse.exact);
    }
    dc_progress_add(b - a);
}

static void disp_fill_chunk(void *ctx, size_t c, int tid)
{
    disp_job_t *j = ctx;
    dc_disp_t *d = j->d;
    dc_buf_t *out = &d->chunk[c], *tmp = &j->tmp[tid];
    uint32_t lo = (uint32_t)(c << DISP_CHUNK_BITS);
    uint32_t hi = (uint32_t)DC_MIN((uint64_t)(c + 1) << DISP_CHUNK_BITS, (uint64_t)d->nids);
    for (uint32_t wi = lo >> 6; (uint64_t)wi * 64 < hi; wi++) {
        uint64_t w = d->bits[wi];
        uint32_t rank = d->cum[wi];
        while (w) {
            uint32_t id = wi * 64 + (uint32_t)__builtin_ctzll(w);
            w &= w - 1;
            dc_buf_clear(tmp);
            compute_display(j->run, id, tmp);
            d->off[rank++] = (uint32_t)out->len;
            unsigned n = tmp->len <= DISP_MAXLEN ? (unsigned)tmp->len : DISP_NONE;
            unsigned char len2[2] = {(unsigned char)(n & 0xFF), (unsigned char)(n >> 8)};
            dc_buf_put(out, len2, 2);
            if (n != DISP_NONE) dc_buf_put(out, tmp->p ? tmp->p : "", n);
        }
    }
}

dc_disp_t *dc_merge_display_build(const dc_run_t *run, int nthreads)
{
    dc_disp_t *d = dc_xcalloc(1, sizeof *d);
    d->nids = dc_intern_count(run->in);
    size_t nwords = ((size_t)d->nids + 63) / 64 + 1;
    d->bits = dc_xcalloc(nwords, sizeof *d->bits);
    d->cum = dc_xmalloc(nwords * sizeof *d->cum);
    disp_job_t j = {run, d, dc_xcalloc((size_t)DC_MAX(nthreads, 1), sizeof *j.tmp)};
    dc_parallel_for(nthreads, (run->nrec + 4095) / 4096, 1, disp_mark_block, &j);
    uint32_t total = 0;
    for (size_t w = 0; w < nwords; w++) {
        d->cum[w] = total;
        total += (uint32_t)popcount64(d->bits[w]);
    }
    d->off = dc_xmalloc((total ? total : 1) * sizeof *d->off);
    d->nchunks = ((size_t)d->nids >> DISP_CHUNK_BITS) + 1;
    d->chunk = dc_xcalloc(d->nchunks, sizeof *d->chunk);
    dc_parallel_for(nthreads, d->nchunks, 1, disp_fill_chunk, &j);
    for (int t = 0; t < DC_MAX(nthreads, 1); t++) dc_buf_free(&j.tmp[t]);
    free(j.tmp);
    for (size_t c = 0; c < d->nchunks; c++)   /* give back the doubling slack */
        if (d->chunk[c].cap > d->chunk[c].len + 1) {
            d->chunk[c].p = dc_xrealloc(d->chunk[c].p, d->chunk[c].len + 1);
            d->chunk[c].cap = d->chunk[c].len + 1;
        }
    return d;
}

void dc_merge_display_free(dc_disp_t *d)
{
    if (!d) return;
    for (size_t c = 0; c < d->nchunks; c++) dc_buf_free(&d->chunk[c]);
    free(d->chunk);
    free(d->off);
    free(d->cum);
    free(d->bits);
    free(d);
}

/* The display form of name `exact`: the cached one, or computed into tmp. */
static const char *name_disp(const dc_run_t *run, uint32_t exact, dc_buf_t *tmp, size_t *len)
{
    *len = 0;
    if (!exact) return "";
    const char *s = disp_get(run->merge ? run->merge->disp : NULL, exact, len);
    if (s) return s;
    dc_buf_clear(tmp);
    compute_display(run, exact, tmp);
    *len = tmp->len;
    return tmp->p ? tmp->p : "";
}

static size_t count_tokens(const char *s)
{
    size_t n = 0;
    int in = 0;
    for (; *s; s++) {
        if (*s == ' ') in = 0;
        else if (!in) { in = 1; n++; }
    }
    return n;
}

/* Split the display form into họ / tên đệm / tên using the syllable counts
 * of the surname and middle-name keys (compound surnames such as
 * "Tôn Thất" stay whole); without them, first syllable / middle / last. */
static void split_name(const dc_run_t *run, const dc_cname_t *nm, const char *disp, size_t dlen,
                       size_t part[3][2])
{
    size_t starts[64], ends[64], nt = 0;
    for (size_t i = 0; i < dlen && nt < 64;) {
        while (i < dlen && disp[i] == ' ') i++;
        if (i >= dlen) break;
        starts[nt] = i;
        while (i < dlen && disp[i] != ' ') i++;
        ends[nt++] = i;
    }
    for (int k = 0; k < 3; k++) part[k][0] = part[k][1] = 0;
    if (!nt) return;
    size_t ns = nm->sur ? count_tokens(dc_intern_str(run->in, nm->sur, NULL)) : 0;
    size_t nmid = nm->mid ? count_tokens(dc_intern_str(run->in, nm->mid, NULL)) : 0;
    if (!ns || ns + nmid + 1 != nt) {
        if (nt == 1) { part[2][0] = starts[0]; part[2][1] = ends[0]; return; }
        ns = 1;
        nmid = nt - 2;
    }
    part[0][0] = starts[0];
    part[0][1] = ends[ns - 1];
    if (nmid) { part[1][0] = starts[ns]; part[1][1] = ends[ns + nmid - 1]; }
    part[2][0] = starts[ns + nmid];
    part[2][1] = ends[nt - 1];
}

/* A string cell; empty means missing (an empty CSV cell, JSON null). */
static void put_str(dc_table_t *t, const char *s, size_t n)
{
    if (n) dc_table_str(t, s, n);
    else dc_table_null(t);
}

static void put_cstr(dc_table_t *t, const char *s) { put_str(t, s, strlen(s)); }

/* A code with its leading zeros ("01", "00101"), empty when 0. */
static void put_code(dc_table_t *t, uint64_t v, int width)
{
    if (!v) { dc_table_null(t); return; }
    char b[24];
    int w = DC_MAX(width, ndigits(v));
    put_digits(b, v, w);
    dc_table_str(t, b, (size_t)w);
}

static void put_addr(dc_table_t *t, const dc_run_t *run, const dc_addr_t *a)
{
    size_t len;
    const char *s = dc_intern_str(run->in, a->text, &len);
    put_str(t, s, len);
    put_code(t, a->ward_old, 5);
    put_code(t, a->district_old, 3);
    put_code(t, a->prov_old, 2);
    put_code(t, a->ward_new, 5);
    put_code(t, a->prov_new, 2);
}

static void put_name(dc_table_t *t, const dc_run_t *run, uint32_t exact, dc_buf_t *tmp)
{
    size_t len;
    const char *s = name_disp(run, exact, tmp, &len);
    put_str(t, s, len);
}

void dc_merge_sources(const dc_run_t *run, uint32_t cl, dc_buf_t *out)
{
    const dc_clusters_t *c = &run->cl;
    uint32_t a = c->off[cl], b = c->off[cl + 1];
    for (uint32_t i = a; i < b; i++) {
        if (i - a == DC_MERGE_MAX_SOURCES) {
            dc_buf_printf(out, "|+%u", b - i);
            return;
        }
        const dc_record_t *r = &run->recs[c->members[i]];
        const char *src = dc_run_source_name(run, r->source);
        size_t ls = strlen(src), lr;
        const char *rid = dc_intern_str(run->in, r->record_id, &lr);
        dc_buf_reserve(out, ls + lr + 2);
        char *p = out->p + out->len;
        if (i > a) *p++ = '|';
        memcpy(p, src, ls);
        p += ls;
        *p++ = ':';
        memcpy(p, rid, lr);
        p += lr;
        *p = '\0';
        out->len = (size_t)(p - out->p);
    }
}

static void write_row(dc_table_t *t, const dc_run_t *run, const dc_citizen_t *z, dc_buf_t *tmp)
{
    char b[32];
    char key[DC_CITIZEN_KEY_LEN + 1] = "";
    if (run->cl.key) dc_citizen_key_format(run->cl.key[z->cl], key);
    dc_table_cstr(t, key);
    put_code(t, z->id12, 12);
    put_code(t, z->cmnd, z->cmnd12 ? 12 : 9);

    /* name and its parts */
    size_t dlen;
    const char *disp = name_disp(run, z->name.exact, tmp, &dlen);
    put_str(t, disp, dlen);
    size_t part[3][2];
    split_name(run, &z->name, disp, dlen, part);
    for (int k = 0; k < 3; k++) put_str(t, disp + part[k][0], part[k][1] - part[k][0]);

    dc_merge_format_date(&z->dob, b);
    put_cstr(t, b);
    put_cstr(t, z->sex == DC_SEX_MALE ? "Nam" : z->sex == DC_SEX_FEMALE ? "Nữ" : "");
    put_code(t, z->ethnic, 2);
    put_cstr(t, dc_ethnic_name(z->ethnic));
    put_code(t, z->nationality, 3);
    put_cstr(t, dc_religion_name(z->religion));
    put_addr(t, run, &z->hometown);
    put_addr(t, run, &z->perm);
    put_addr(t, run, &z->cur);
    put_name(t, run, z->father.exact, tmp);
    put_name(t, run, z->mother.exact, tmp);
    put_name(t, run, z->spouse.exact, tmp);
    dc_merge_format_date(&z->dod, b);
    put_cstr(t, b);
    dc_table_u64(t, z->nrows);
    dc_buf_clear(tmp);
    dc_merge_sources(run, z->cl, tmp);
    put_str(t, tmp->p ? tmp->p : "", tmp->len);
    dc_buf_clear(tmp);
    for (int f = 0; f < DC_CF__COUNT; f++) {
        if (!(z->flags & (1u << f))) continue;
        if (tmp->len) dc_buf_putc(tmp, '|');
        dc_buf_puts(tmp, dc_merge_flag_name((dc_cflag_t)f));
    }
    put_str(t, tmp->p ? tmp->p : "", tmp->len);
}

/* Rows are formatted in blocks of BLOCK clusters on all threads and
 * written in cluster order while the next blocks are formatted
 * (dc_table_write_blocks): the file does not depend on the thread count.
 * Survivorship runs here, once per cluster (unless dc_merge_citizens kept
 * the citizens), and its flags are counted for the report on the way. */
#define BLOCK 8192

typedef struct tcount {
    uint64_t conflicts[DC_CF__COUNT];
    uint64_t flagged;
    char pad[64];   /* one cache line apart */
} tcount_t;

typedef struct wjob {
    const dc_run_t *run;
    dc_buf_t *tmp;             /* one per thread */
    dc_merge_scratch_t **scr;  /* one per thread (when citizens are not kept) */
    tcount_t *count;           /* one per thread: sums do not depend on the schedule */
} wjob_t;

/* The strings a row prints are random reads (cache misses at national
 * scale): for the first record of cluster i, stage 0 fetches the record,
 * stage 1 the display-cache offsets and interner entries of its strings,
 * stage 2 the strings themselves (hints only; most clusters are one
 * record). */
static void prefetch_cluster(const dc_run_t *run, size_t i, int stage)
{
    if (i >= run->cl.ncl) return;
    const dc_record_t *r = &run->recs[run->cl.members[run->cl.off[i]]];
    if (stage == 0) {
        for (size_t o = 0; o < sizeof *r; o += 64) __builtin_prefetch((const char *)r + o);
        return;
    }
    const dc_disp_t *d = run->merge->disp;
    const uint32_t names[] = {r->name.exact, r->father.exact, r->mother.exact, r->spouse.exact};
    for (size_t x = 0; x < sizeof names / sizeof names[0]; x++) {
        uint32_t rank = disp_rank(d, names[x]);
        if (rank == UINT32_MAX) {
            if (stage == 1) dc_intern_prefetch_entry(run->in, names[x]);
            else dc_intern_prefetch_str(run->in, names[x]);
        } else if (stage == 1) {
            __builtin_prefetch(&d->off[rank]);
        } else {
            __builtin_prefetch(disp_at(d, names[x], rank));
        }
    }
    const uint32_t ids[] = {r->name.sur, r->name.mid, r->hometown.text, r->perm.text, r->cur.text, r->record_id};
    for (size_t x = 0; x < sizeof ids / sizeof ids[0]; x++) {
        if (stage == 1) dc_intern_prefetch_entry(run->in, ids[x]);
        else dc_intern_prefetch_str(run->in, ids[x]);
    }
}

static int format_rows(void *ctx, dc_table_t *mem, size_t a, size_t b, int tid)
{
    wjob_t *j = ctx;
    const dc_merge_state_t *ms = j->run->merge;
    tcount_t *c = &j->count[tid];
    for (size_t i = a; i < b; i++) {
        prefetch_cluster(j->run, i + 12, 0);
        prefetch_cluster(j->run, i + 8, 1);
        prefetch_cluster(j->run, i + 4, 2);
        if (j->run->out_cl && !j->run->out_cl[i]) continue;
        dc_citizen_t z;
        if (ms->cit) z = ms->cit[i];
        else dc_merge_citizen_of(j->scr[tid], j->run, (uint32_t)i, &z);
        dc_merge_count_flags(z.flags, c->conflicts, &c->flagged);
        write_row(mem, j->run, &z, &j->tmp[tid]);
        if (dc_table_end_row(mem)) return -1;
    }
    dc_progress_add(b - a);
    return 0;
}

int dc_merge_write_citizens(dc_run_t *run)
{
    dc_merge_state_t *ms = run->merge;
    if (!ms || !ms->out) return dc_seterr("outputs not open (dc_output_begin)");
    if (ms->cit && ms->ncit != run->cl.ncl) return dc_seterr("kept citizens do not match the clusters");
    ms->ncit = run->cl.ncl;
    dc_run_stage_begin(run, "write_citizens");
    dc_table_t *t = dc_output_table(run, "citizens", dc_citizen_cols, dc_citizen_ncols);
    if (!t) return -1;
    int nth = run->opts.nthreads > 0 ? run->opts.nthreads : dc_nthreads_default();
    wjob_t j = {run, dc_xcalloc((size_t)nth, sizeof *j.tmp), dc_xcalloc((size_t)nth, sizeof *j.scr),
                dc_xcalloc((size_t)nth, sizeof *j.count)};
    for (int i = 0; i < nth; i++) j.scr[i] = dc_merge_scratch_create();
    dc_progress_begin("write", ms->ncit);
    int rc = dc_table_write_blocks(t, nth, ms->ncit, BLOCK, format_rows, &j);
    dc_progress_end();
    memset(ms->conflicts, 0, sizeof ms->conflicts);
    ms->citizens_flagged = 0;
    for (int i = 0; i < nth; i++) {
        for (int f = 0; f < DC_CF__COUNT; f++) ms->conflicts[f] += j.count[i].conflicts[f];
        ms->citizens_flagged += j.count[i].flagged;
        dc_buf_free(&j.tmp[i]);
        dc_merge_scratch_free(j.scr[i]);
    }
    free(j.scr);
    free(j.tmp);
    free(j.count);
    dc_merge_display_free(ms->disp);   /* no later stage prints names */
    ms->disp = NULL;
    ms->citizens_rows = dc_table_rows(t);
    dc_run_stage_end(run, ms->ncit);
    return rc;
}

int dc_merge_prepare(dc_run_t *run)
{
    if (!run->merge) run->merge = dc_xcalloc(1, sizeof *run->merge);
    dc_merge_state_t *ms = run->merge;
    dc_run_stage_begin(run, "merge");
    int nth = run->opts.nthreads > 0 ? run->opts.nthreads : dc_nthreads_default();
    dc_merge_display_free(ms->disp);
    dc_progress_begin("merge", run->nrec);   /* records scanned for names */
    ms->disp = dc_merge_display_build(run, nth);
    dc_run_stage_end(run, run->cl.ncl);
    return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * citizens.c - the citizens table: one row per golden record, in cluster
 * order (clusters are numbered by their first record, so the file follows
 * the input order and is identical whatever the thread count).
 */
#include "dc_merge.h"
#include "../normalize/dc_normalize.h"

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
static void display_name(const dc_run_t *run, uint32_t exact, dc_buf_t *out)
{
    if (!exact) return;
    if (run->norm) dc_norm_display_name(run->norm, exact, out);
    else title_case(dc_intern_str(run->in, exact, NULL), out);
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
    dc_buf_clear(tmp);
    display_name(run, exact, tmp);
    put_str(t, tmp->p ? tmp->p : "", tmp->len);
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
        if (i > a) dc_buf_putc(out, '|');
        const char *src = r->source < run->load.nsources && run->load.sources[r->source].name
                              ? run->load.sources[r->source].name
                              : "";
        dc_buf_puts(out, src);
        dc_buf_putc(out, ':');
        dc_buf_puts(out, dc_intern_str(run->in, r->record_id, NULL));
    }
}

static void write_row(dc_table_t *t, const dc_run_t *run, const dc_citizen_t *z, dc_buf_t *tmp)
{
    char b[32];
    dc_table_cstr(t, run->cl.key ? run->cl.key[z->cl] : "");
    put_code(t, z->id12, 12);
    put_code(t, z->cmnd, z->cmnd12 ? 12 : 9);

    /* name and its parts */
    dc_buf_clear(tmp);
    display_name(run, z->name.exact, tmp);
    const char *disp = tmp->p ? tmp->p : "";
    put_str(t, disp, tmp->len);
    size_t part[3][2];
    split_name(run, &z->name, disp, tmp->len, part);
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

/* Rows are formatted in blocks on all threads (into memory tables), then
 * appended in cluster order by the calling thread: the file does not
 * depend on the thread count. A round holds a few blocks per thread so
 * that memory stays bounded (about 4 * threads * BLOCK rows). */
#define BLOCK 8192

typedef struct wjob {
    const dc_run_t *run;
    dc_table_t **mem;     /* one per block of the round */
    dc_buf_t *tmp;        /* one per thread */
    dc_merge_scratch_t **scr;  /* one per thread (when citizens are not kept) */
    size_t first;         /* first block of the round */
    int *rc;              /* per block */
} wjob_t;

/* The strings a row prints are random reads of the interner (cache misses
 * at national scale): fetch those of the first record of cluster i ahead,
 * the entries at stage 0, the strings at stage 1 (hints only; most
 * clusters are one record). */
static void prefetch_cluster(const dc_run_t *run, size_t i, int stage)
{
    if (i >= run->cl.ncl) return;
    const dc_record_t *r = &run->recs[run->cl.members[run->cl.off[i]]];
    const uint32_t ids[] = {r->name.exact, r->name.sur, r->name.mid, r->hometown.text, r->perm.text,
                            r->cur.text, r->father.exact, r->mother.exact, r->spouse.exact, r->record_id};
    for (size_t x = 0; x < sizeof ids / sizeof ids[0]; x++) {
        if (stage == 0) dc_intern_prefetch_entry(run->in, ids[x]);
        else dc_intern_prefetch_str(run->in, ids[x]);
    }
}

static void format_block(void *ctx, size_t k, int tid)
{
    wjob_t *j = ctx;
    const dc_merge_state_t *ms = j->run->merge;
    size_t a = (j->first + k) * BLOCK, b = DC_MIN(a + BLOCK, ms->ncit);
    j->rc[k] = 0;
    for (size_t i = a; i < b && j->rc[k] == 0; i++) {
        prefetch_cluster(j->run, i + 8, 0);
        prefetch_cluster(j->run, i + 4, 1);
        dc_citizen_t z;
        if (ms->cit) z = ms->cit[i];
        else dc_merge_citizen_of(j->scr[tid], j->run, (uint32_t)i, &z);
        write_row(j->mem[k], j->run, &z, &j->tmp[tid]);
        j->rc[k] = dc_table_end_row(j->mem[k]);
    }
    dc_progress_add(b - a);
}

int dc_merge_write_citizens(dc_run_t *run)
{
    dc_merge_state_t *ms = run->merge;
    if (!ms || ms->ncit != run->cl.ncl) return dc_seterr("citizens not merged yet (dc_merge_run)");
    dc_run_stage_begin(run, "write_citizens");
    dc_table_t *t = dc_output_table(run, "citizens", dc_citizen_cols, dc_citizen_ncols);
    if (!t) return -1;
    int nth = run->opts.nthreads > 0 ? run->opts.nthreads : dc_nthreads_default();
    size_t nblocks = (ms->ncit + BLOCK - 1) / BLOCK, per_round = (size_t)nth * 4;
    dc_format_t fmt = run->opts.jsonl ? DC_FMT_JSONL : DC_FMT_CSV;
    wjob_t j = {run, dc_xcalloc(per_round, sizeof *j.mem), dc_xcalloc((size_t)nth, sizeof *j.tmp),
                dc_xcalloc((size_t)nth, sizeof *j.scr), 0, dc_xcalloc(per_round, sizeof *j.rc)};
    for (int i = 0; i < nth; i++) j.scr[i] = dc_merge_scratch_create();
    for (size_t k = 0; k < per_round; k++) j.mem[k] = dc_table_mem(fmt, dc_citizen_cols, dc_citizen_ncols);
    dc_progress_begin("write", ms->ncit);
    int rc = 0;
    for (size_t first = 0; first < nblocks && rc == 0; first += per_round) {
        size_t nb = DC_MIN(per_round, nblocks - first);
        j.first = first;
        dc_parallel_for(nth, nb, 1, format_block, &j);
        for (size_t k = 0; k < nb && rc == 0; k++) {
            rc = j.rc[k];
            if (rc == 0) rc = dc_table_append(t, j.mem[k]);
        }
    }
    dc_progress_end();
    for (size_t k = 0; k < per_round; k++) dc_table_abort(j.mem[k]);
    for (int i = 0; i < nth; i++) {
        dc_buf_free(&j.tmp[i]);
        dc_merge_scratch_free(j.scr[i]);
    }
    free(j.scr);
    free(j.mem);
    free(j.tmp);
    free(j.rc);
    ms->citizens_rows = dc_table_rows(t);
    dc_run_stage_end(run, ms->ncit);
    return rc;
}

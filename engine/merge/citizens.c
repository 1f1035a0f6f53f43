/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * citizens.c - the citizens table: one row per golden record, in cluster
 * order (clusters are numbered by their first record, so the file follows
 * the input order and is identical whatever the thread count).
 */
#include "dc_merge.h"
#include "../normalize/dc_normalize.h"
#include "../ref/dc_ref.h"

#include <pthread.h>  /* pthread_once */
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

void dc_merge_format_date(const dc_date_t *d, char *buf)
{
    unsigned y = (unsigned)d->y, m = d->m % 100u, dd = d->d % 100u;
    if (d->prec == DC_PREC_NONE || d->y <= 0 || y > 9999) buf[0] = '\0';
    else if (d->prec == DC_PREC_YEAR) snprintf(buf, 16, "%04u", y);
    else if (d->prec == DC_PREC_MONTH) snprintf(buf, 16, "%04u-%02u", y, m);
    else snprintf(buf, 16, "%04u-%02u-%02u", y, m, dd);
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

/* The normalize module's display form when linked in (weak reference
 * until engine/normalize provides it on every branch). */
extern void dc_norm_display_name(const dc_norm_shared_t *sh, uint32_t exact, dc_buf_t *out)
    __attribute__((weak));

static void display_name(const dc_run_t *run, uint32_t exact, dc_buf_t *out)
{
    if (!exact) return;
    if (run->norm && dc_norm_display_name) dc_norm_display_name(run->norm, exact, out);
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

/* Ethnic group names by 2008 code, from the embedded crosswalk when the
 * normalization data provides it. */
static const char *g_ethnic[100];
static pthread_once_t g_ethnic_once = PTHREAD_ONCE_INIT;
static dc_arena_t g_ethnic_arena;

static void load_ethnic(void)
{
    static const char file[] = "ethnic_groups_codes_crosswalk.csv";
    if (!dc_ref_get(file, NULL)) return;
    dc_arena_init(&g_ethnic_arena, 4096);
    dc_ref_csv_t c;
    dc_ref_csv_open(&c, file, ',');
    int cc = dc_ref_csv_col_opt(&c, "code_2008_1019-QD-TCTK");
    int cn = dc_ref_csv_col_opt(&c, "name_2008");
    while (cc >= 0 && cn >= 0 && dc_ref_csv_next(&c)) {
        int code = atoi(c.f[cc]);
        if (code > 0 && code < 100)
            g_ethnic[code] = dc_arena_strndup(&g_ethnic_arena, c.f[cn], c.flen[cn]);
    }
    dc_ref_csv_close(&c);
}

static const char *ethnic_name(uint8_t code)
{
    pthread_once(&g_ethnic_once, load_ethnic);
    return code < 100 && g_ethnic[code] ? g_ethnic[code] : "";
}

static void put_code(dc_table_t *t, uint32_t v, int width)
{
    if (!v) { dc_table_null(t); return; }
    char b[16];
    int n = snprintf(b, sizeof b, "%0*u", width, v);
    dc_table_str(t, b, (size_t)n);
}

static void put_addr(dc_table_t *t, const dc_run_t *run, const dc_addr_t *a)
{
    size_t len;
    const char *s = dc_intern_str(run->in, a->text, &len);
    dc_table_str(t, s, len);
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
    dc_table_str(t, tmp->p ? tmp->p : "", tmp->len);
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
    int n;
    dc_table_cstr(t, run->cl.key ? run->cl.key[z->cl] : "");
    if (z->id12) { n = snprintf(b, sizeof b, "%012llu", (unsigned long long)z->id12); dc_table_str(t, b, (size_t)n); }
    else dc_table_null(t);
    if (z->cmnd) {
        n = snprintf(b, sizeof b, "%0*llu", z->cmnd12 ? 12 : 9, (unsigned long long)z->cmnd);
        dc_table_str(t, b, (size_t)n);
    } else dc_table_null(t);

    /* name and its parts */
    dc_buf_clear(tmp);
    display_name(run, z->name.exact, tmp);
    const char *disp = tmp->p ? tmp->p : "";
    dc_table_str(t, disp, tmp->len);
    size_t part[3][2];
    split_name(run, &z->name, disp, tmp->len, part);
    for (int k = 0; k < 3; k++) dc_table_str(t, disp + part[k][0], part[k][1] - part[k][0]);

    dc_merge_format_date(&z->dob, b);
    dc_table_cstr(t, b);
    dc_table_cstr(t, z->sex == DC_SEX_MALE ? "Nam" : z->sex == DC_SEX_FEMALE ? "Nữ" : "");
    put_code(t, z->ethnic, 2);
    dc_table_cstr(t, ethnic_name(z->ethnic));
    put_code(t, z->nationality, 3);
    size_t len;
    const char *rel = dc_intern_str(run->in, z->religion, &len);
    dc_table_str(t, rel, len);
    put_addr(t, run, &z->hometown);
    put_addr(t, run, &z->perm);
    put_addr(t, run, &z->cur);
    put_name(t, run, z->father.exact, tmp);
    put_name(t, run, z->mother.exact, tmp);
    put_name(t, run, z->spouse.exact, tmp);
    dc_merge_format_date(&z->dod, b);
    dc_table_cstr(t, b);
    dc_table_u64(t, z->nrows);
    dc_buf_clear(tmp);
    dc_merge_sources(run, z->cl, tmp);
    dc_table_str(t, tmp->p ? tmp->p : "", tmp->len);
    dc_buf_clear(tmp);
    for (int f = 0; f < DC_CF__COUNT; f++) {
        if (!(z->flags & (1u << f))) continue;
        if (tmp->len) dc_buf_putc(tmp, '|');
        dc_buf_puts(tmp, dc_merge_flag_name((dc_cflag_t)f));
    }
    dc_table_str(t, tmp->p ? tmp->p : "", tmp->len);
}

int dc_merge_write_citizens(dc_run_t *run)
{
    dc_merge_state_t *ms = run->merge;
    if (!ms || (!ms->cit && run->cl.ncl)) return dc_seterr("citizens not merged yet (dc_merge_run)");
    dc_run_stage_begin(run, "write_citizens");
    dc_table_t *t = dc_output_table(run, "citizens", dc_citizen_cols, dc_citizen_ncols);
    if (!t) return -1;
    dc_buf_t tmp = DC_BUF_INIT;
    dc_progress_begin("write", ms->ncit);
    int rc = 0;
    for (size_t i = 0; i < ms->ncit && rc == 0; i++) {
        write_row(t, run, &ms->cit[i], &tmp);
        rc = dc_table_end_row(t);
        if ((i & 4095) == 4095) dc_progress_add(4096);
    }
    dc_progress_end();
    dc_buf_free(&tmp);
    ms->citizens_rows = dc_table_rows(t);
    dc_run_stage_end(run, ms->ncit);
    return rc;
}

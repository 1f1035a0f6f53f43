/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gen.c - dc_gen_run(): the export files and their styles, the parallel
 * block loop, truth.csv and manifest.json.
 *
 * DESIGN. The main thread cuts the household sequence into batches of
 * blocks. For each block it computes the household range and the first
 * person id (household sizes come from (seed, h) alone, so this is cheap
 * and sequential). Then, per batch:
 *   1. workers (dc_parallel_for) build the blocks' households;
 *   2. the main thread assigns ID serials in household order (per-prefix
 *      counters: unique numbers);
 *   3. workers render the rows into per-block buffers in each target
 *      file's final bytes, without the record id;
 *   4. the main thread writes the blocks in order, giving every row its
 *      file's next record id and writing the truth line.
 * The output is therefore the same for any thread count, and memory stays
 * at one batch whatever --people.
 */
#include "gen/gen_int.h"
#include "dc_encoding.h"

#include <errno.h>    /* errno */
#include <pthread.h>  /* pthread_create */
#include <stdlib.h>   /* strtol */
#include <string.h>   /* strcmp */
#include <sys/stat.h> /* mkdir */
#include <zstd.h>     /* ZSTD_compressStream2 */

enum { HOUSES_PER_BLOCK = 256, BLOCKS_PER_THREAD = 8 };

dc_bounds_t dc_gen_param_bounds(dc_gen_param_t p)
{
    switch (p) {
    case DC_GEN_P_PEOPLE: return (dc_bounds_t){1, 1e9};
    case DC_GEN_P_SEED: return (dc_bounds_t){0, 18446744073709551615.0};
    case DC_GEN_P_DUP_RATE:
    case DC_GEN_P_CORRUPT_RATE: return (dc_bounds_t){0, 1};
    }
    return (dc_bounds_t){0, 0};
}

void dc_gen_opts_default(dc_gen_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->people = 1000;
    o->seed = 1;
    o->dup_rate = 0.10;
    o->corrupt_rate = 0.15;
    o->nthreads = 1;
    o->styles = DC_GEN_STYLES_REALISTIC;
    o->legacy = 1;
}

void dc_gen_opts_corruption(dc_gen_opts_t *o, dc_gen_corruption_t c)
{
    const gen_corr_t *cp = gen_corr_profile(c);
    o->corruption = c;
    o->dup_rate = cp->dup_rate;
    o->corrupt_rate = cp->corrupt_rate;
}

/* ------------------------------------------------------------ styles */

static const char *const col_canonical[C__COUNT] = {
    "record_id", "ma_tinh", "ma_ho", "quan_he_chu_ho", "ho_ten", "ho", "ten_dem", "ten",
    "ngay_sinh", "nam_sinh", "gioi_tinh", "so_dinh_danh", "so_cmnd", "dan_toc", "ton_giao",
    "quoc_tich", "que_quan", "noi_thuong_tru", "noi_o_hien_tai", "ho_ten_cha", "ho_ten_me",
    "ho_ten_vo_chong", "ngay_chet", "ghi_chu", "ngay_cap_nhat", "can_bo_nhap",
};
static const char *const col_vietnamese[C__COUNT] = {
    "Mã bản ghi", "Mã tỉnh", "Số hộ khẩu", "Quan hệ chủ hộ", "Họ và tên", "Họ", "Tên đệm", "Tên",
    "Ngày sinh", "Năm sinh", "Giới tính", "Số định danh cá nhân", "Số CMND", "Dân tộc", "Tôn giáo",
    "Quốc tịch", "Quê quán", "Nơi thường trú", "Nơi ở hiện tại", "Họ tên cha", "Họ tên mẹ",
    "Họ tên vợ chồng", "Ngày mất", "Ghi chú", "Ngày cập nhật", "Cán bộ nhập",
};
static const char *const col_ascii_upper[C__COUNT] = {
    "MA_NHAN_KHAU", "TINH", "SO_HO_KHAU", "QUAN_HE", "HOTEN", "HO", "TEN_DEM", "TEN",
    "NGAYSINH", "NAM_SINH", "GT", "CCCD", "CMND", "DANTOC", "TONGIAO",
    "QUOCTICH", "QUEQUAN", "THUONG_TRU", "NOI_O", "TEN_CHA", "TEN_ME",
    "VO_CHONG", "NGAY_MAT", "GHI_CHU", "NGAY_CAP_NHAT", "CAN_BO",
};
static const char *const col_split[C__COUNT] = {
    "stt", "tinh_thanh", "ma_ho_gia_dinh", "qh_chu_ho", "hoten", "ho", "ten_dem", "ten",
    "ngay_thang_nam_sinh", "nam_sinh", "phai", "so_cccd", "so_chung_minh", "dantoc", "tongiao",
    "quoctich", "nguyen_quan", "dia_chi_thuong_tru", "cho_o_hien_nay", "ten_cha", "ten_me",
    "vo_chong", "ngay_mat", "ghichu", "ngaycapnhat", "nguoinhap",
};

const char *gen_col_header(int c, int h)
{
    switch (h) {
    case H_VIETNAMESE: return col_vietnamese[c];
    case H_ASCII_UPPER: return col_ascii_upper[c];
    case H_SPLIT: return col_split[c];
    default: return col_canonical[c];
    }
}

const char *gen_header_style_name(int h)
{
    static const char *const n[H__COUNT] = {"canonical", "vietnamese", "ascii_upper", "split_name"};
    return n[h];
}

const char *gen_enc_name(int e)
{
    static const char *const n[E__COUNT] = {"utf-8", "utf-8", "utf-8", "tcvn3", "vni", "viscii", "cp1258"};
    return n[e];
}

const char *gen_sex_name(int s)
{
    static const char *const n[S__COUNT] = {"Nam/Nữ", "nam/nu", "M/F", "1=male,0=female", "0=male,1=female"};
    return n[s];
}

static void style_file(const dc_gen_opts_t *o, gen_file_t *f, int idx)
{
    static const char delims[4] = {',', ';', '\t', '|'};
    static const int datefmts[5] = {DC_GEN_DATE_DMY, DC_GEN_DATE_DMY_SHORT, DC_GEN_DATE_DMY_DASH,
                                    DC_GEN_DATE_ISO, DC_GEN_DATE_SERIAL};
    dc_rng_t r;
    dc_rng_seed(&r, o->seed, (uint64_t)idx, 3);
    int namsinh = 0;
    if (o->styles == DC_GEN_STYLES_CANONICAL) {
        f->header = H_CANONICAL;
        f->delim = ',';
        f->enc = E_UTF8;
        f->datefmt = DC_GEN_DATE_DMY;
        f->sex = S_NAM_NU;
        f->recid = R_PLAIN;
    } else if (o->styles == DC_GEN_STYLES_MIXED) {
        f->header = idx % H__COUNT;
        f->delim = delims[(idx + idx / 4) % 4];
        f->enc = idx % (o->legacy ? E__COUNT : E_TCVN3);
        f->datefmt = datefmts[(idx + idx / 5) % 5];
        f->sex = (idx + 2) % S__COUNT;
        f->recid = idx % R__COUNT;
        namsinh = f->header == H_SPLIT && idx % 8 == 7;
    } else {
        static const uint16_t wh[H__COUNT] = {35, 30, 20, 15};
        static const uint16_t wd[4] = {55, 20, 15, 10};
        static const uint16_t we[E__COUNT] = {60, 15, 5, 6, 6, 3, 5};
        static const uint16_t wf[5] = {55, 15, 10, 15, 5};
        static const uint16_t ws[S__COUNT] = {45, 15, 15, 15, 10};
        f->header = gen_pick_share(&r, wh, H__COUNT);
        f->delim = delims[gen_pick_share(&r, wd, 4)];
        f->enc = gen_pick_share(&r, we, o->legacy ? E__COUNT : E_TCVN3);
        f->datefmt = datefmts[gen_pick_share(&r, wf, 5)];
        f->sex = gen_pick_share(&r, ws, S__COUNT);
        f->recid = (int)dc_rng_below(&r, R__COUNT);
        namsinh = f->header == H_SPLIT && dc_rng_chance(&r, 0.3);
    }
    int canon = o->styles == DC_GEN_STYLES_CANONICAL;
    f->post2025 = !canon && dc_rng_chance(&r, 0.3);
    f->abbrev = !canon && dc_rng_chance(&r, 0.4);
    f->matinh_name = !canon && dc_rng_chance(&r, 0.25);
    /* columns */
    int n = 0;
    f->cols[n++] = C_RECID;
    f->cols[n++] = C_MATINH;
    f->cols[n++] = C_MAHO;
    f->cols[n++] = C_QH;
    if (f->header == H_SPLIT) {
        f->cols[n++] = C_HO;
        f->cols[n++] = C_TENDEM;
        f->cols[n++] = C_TEN;
    } else {
        f->cols[n++] = C_HOTEN;
    }
    int ghichu_mid = !canon && dc_rng_chance(&r, 0.15);
    if (ghichu_mid) f->cols[n++] = C_X_GHICHU;
    f->cols[n++] = namsinh ? C_NAMSINH : C_NGAYSINH;
    f->cols[n++] = C_GT;
    f->cols[n++] = C_DINHDANH;
    if (canon || dc_rng_chance(&r, 0.8)) f->cols[n++] = C_CMND;
    f->cols[n++] = C_DANTOC;
    if (canon || dc_rng_chance(&r, 0.7)) f->cols[n++] = C_TONGIAO;
    if (canon || dc_rng_chance(&r, 0.6)) f->cols[n++] = C_QUOCTICH;
    if (canon || dc_rng_chance(&r, 0.8)) f->cols[n++] = C_QUEQUAN;
    f->cols[n++] = C_THUONGTRU;
    if (canon || f->temp || dc_rng_chance(&r, 0.7)) f->cols[n++] = C_NOIO;
    f->cols[n++] = C_CHA;
    f->cols[n++] = C_ME;
    f->cols[n++] = C_VOCHONG;
    if (canon || dc_rng_chance(&r, 0.5)) f->cols[n++] = C_NGAYCHET;
    if (!canon) {
        if (!ghichu_mid && dc_rng_chance(&r, 0.4)) f->cols[n++] = C_X_GHICHU;
        if (dc_rng_chance(&r, 0.3)) f->cols[n++] = C_X_CAPNHAT;
        if (dc_rng_chance(&r, 0.2)) f->cols[n++] = C_X_CANBO;
    }
    f->ncols = n;
}

/* ------------------------------------------------------------ run */

typedef struct {
    gen_ctx_t *c;
    gen_block_t *blocks;
    size_t nb;           /* blocks in use */
    uint64_t *h0, *pid0;
    uint32_t *nh;
    dc_buf_t *scratch;   /* per tid: SB__COUNT buffers */
} batch_t;

enum { NSCRATCH = 6 }; /* = SB__COUNT in gen_pop.c */

static gen_house_t *house_at(gen_block_t *b, uint32_t k)
{
    return (gen_house_t *)((char *)b->houses + (size_t)k * gen_house_bytes());
}

static void block_build(void *ud, size_t i, int tid)
{
    batch_t *bt = ud;
    gen_block_t *b = &bt->blocks[i];
    DC_UNUSED(tid);
    for (uint32_t k = 0; k < bt->nh[i]; k++)
        gen_house_build(bt->c, bt->h0[i] + k, b->sizes[k], house_at(b, k), b);
}

static void block_emit(void *ud, size_t i, int tid)
{
    batch_t *bt = ud;
    gen_block_t *b = &bt->blocks[i];
    dc_buf_t *sb = bt->scratch + (size_t)tid * NSCRATCH;
    uint64_t pid = bt->pid0[i];
    for (uint32_t k = 0; k < bt->nh[i]; k++) {
        gen_house_emit(bt->c, house_at(b, k), pid, b, sb);
        pid += (uint64_t)b->sizes[k];
    }
}

/* Encode a UTF-8 text in the file's encoding (header rows). */
static void encode_text(const gen_file_t *f, const char *s, size_t n, dc_buf_t *out)
{
    if (f->enc == E_UTF8_NFD) {
        dc_gen_nfd(s, n, out);
    } else if (f->enc >= E_TCVN3) {
        static const dc_encoding_t map[] = {DC_ENC_TCVN3, DC_ENC_VNI, DC_ENC_VISCII, DC_ENC_CP1258};
        dc_gen_encode(map[f->enc - E_TCVN3], s, n, out);
    } else {
        dc_buf_put(out, s, n);
    }
}

static int parse_provinces(const gen_ref_t *g, const char *list, gen_ctx_t *c)
{
    c->nsel = 0;
    if (!list || !*list) {
        for (size_t i = 0; i < g->nprov; i++) c->sel[c->nsel++] = (int)i;
        return 0;
    }
    char *dup = dc_xstrdup(list), *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(dup, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        char code[3];
        if (strlen(t) == 1) snprintf(code, sizeof code, "0%s", t);
        else snprintf(code, sizeof code, "%.2s", t);
        int pi = strlen(t) <= 2 ? gen_ref_prov_index(g, code) : -1;
        if (pi < 0) { rc = dc_seterr("--provinces: unknown province code '%s' (use 2-digit GSO codes such as 01, 79)", t); break; }
        int seen = 0;
        for (int j = 0; j < c->nsel; j++) seen |= c->sel[j] == pi;
        if (!seen) c->sel[c->nsel++] = pi;
    }
    free(dup);
    if (!rc && c->nsel == 0) rc = dc_seterr("--provinces: empty list");
    return rc;
}

static void put_json_kv_u64(dc_buf_t *b, const char *k, uint64_t v, int last)
{
    dc_buf_printf(b, "    \"%s\": ", k);
    dc_buf_putu64(b, v);
    dc_buf_puts(b, last ? "\n" : ",\n");
}

static int write_manifest(const dc_gen_opts_t *o, const gen_ctx_t *c, const uint64_t *frows,
                          const gen_counts_t *cnt, const dc_gen_stats_t *st)
{
    static const char *const styles[] = {"realistic", "mixed", "canonical"};
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_puts(&b, "{\n  \"generator\": \"dancu gen\",\n  \"version\": \"" DC_VERSION "\",\n");
    dc_buf_printf(&b, "  \"seed\": %llu,\n  \"people\": %llu,\n  \"households\": %llu,\n  \"rows\": %llu,\n",
                  (unsigned long long)o->seed, (unsigned long long)st->people,
                  (unsigned long long)st->households, (unsigned long long)st->rows);
    dc_buf_printf(&b, "  \"dup_rate\": %.4f,\n  \"corrupt_rate\": %.4f,\n  \"styles\": \"%s\",\n",
                  o->dup_rate, o->corrupt_rate, styles[o->styles]);
    /* written only when not the defaults: the committed samples' manifests stay as they are */
    if (o->profile == DC_GEN_PROFILE_DIVERSE) dc_buf_puts(&b, "  \"profile\": \"diverse\",\n");
    if (o->corruption == DC_GEN_CORRUPTION_HOLDOUT) dc_buf_puts(&b, "  \"corruption\": \"holdout\",\n");
    if (o->compress) dc_buf_puts(&b, "  \"compression\": \"zstd\",\n");
    dc_buf_printf(&b, "  \"reference_year\": 2025,\n  \"truth\": \"truth.csv%s\",\n  \"files\": [\n",
                  o->compress ? ".zst" : "");
    for (int i = 0; i < c->nfiles; i++) {
        const gen_file_t *f = &c->files[i];
        const gen_prov_t *p = &c->ref->prov[f->prov];
        char dl[8];
        if (f->delim == '\t') snprintf(dl, sizeof dl, "\\t");
        else snprintf(dl, sizeof dl, "%c", f->delim);
        dc_buf_printf(&b, "    {\"name\": \"exports/%s%s\", \"province_code\": \"%s\", \"province\": ", f->name,
                      o->compress ? ".zst" : "", p->code);
        dc_buf_put_json_str(&b, p->full_name, strlen(p->full_name));
        dc_buf_printf(&b, ", \"register\": \"%s\",\n", f->temp ? "tam_tru" : "thuong_tru");
        dc_buf_printf(&b, "     \"header_style\": \"%s\", \"delimiter\": \"%s\", \"encoding\": \"%s\", "
                          "\"unicode_form\": \"%s\", \"bom\": %s, \"line_ending\": \"%s\",\n",
                      gen_header_style_name(f->header), dl, gen_enc_name(f->enc),
                      f->enc == E_UTF8_NFD ? "NFD" : f->enc <= E_UTF8_NFD ? "NFC" : "legacy",
                      f->enc == E_UTF8_BOM_CRLF ? "true" : "false",
                      f->enc == E_UTF8_BOM_CRLF || f->enc >= E_TCVN3 ? "CRLF" : "LF");
        dc_buf_printf(&b, "     \"date_format\": \"%s\", \"sex_coding\": ", dc_gen_date_fmt_name((dc_gen_date_fmt_t)f->datefmt));
        dc_buf_put_json_str(&b, gen_sex_name(f->sex), strlen(gen_sex_name(f->sex)));
        static const char *const rid[R__COUNT] = {"plain", "zero_padded", "prefixed"};
        dc_buf_printf(&b, ", \"record_id_style\": \"%s\", \"address_units\": \"%s\", "
                          "\"address_abbreviated\": %s, \"ma_tinh\": \"%s\",\n",
                      rid[f->recid], f->post2025 ? "post2025" : "pre2025", f->abbrev ? "true" : "false",
                      f->matinh_name ? "name" : "code");
        dc_buf_puts(&b, "     \"columns\": [");
        for (int k = 0; k < f->ncols; k++) {
            const char *h = gen_col_header(f->cols[k], f->header);
            if (k) dc_buf_puts(&b, ", ");
            dc_buf_put_json_str(&b, h, strlen(h));
        }
        dc_buf_puts(&b, "],\n     \"rows\": ");
        dc_buf_putu64(&b, frows[i]);
        dc_buf_puts(&b, i + 1 < c->nfiles ? "},\n" : "}\n");
    }
    dc_buf_puts(&b, "  ],\n  \"rows_by_kind\": {\n");
    put_json_kv_u64(&b, "original", cnt->rows_orig, 0);
    put_json_kv_u64(&b, "duplicate", cnt->rows_dup, 0);
    put_json_kv_u64(&b, "with_corruption", cnt->rows_corrupt, 1);
    dc_buf_puts(&b, "  },\n  \"duplicates\": {\n");
    int holdout = o->corruption == DC_GEN_CORRUPTION_HOLDOUT;
    for (int k = D_MOVED; k <= D_MULTI; k++) put_json_kv_u64(&b, gen_event_name[k], cnt->event[k], k == D_MULTI && !holdout);
    if (holdout) put_json_kv_u64(&b, gen_event_name[D_LODGER], cnt->event[D_LODGER], 1);
    dc_buf_puts(&b, "  },\n  \"hard_negatives\": {\n");
    for (int k = N_TWINS; k <= N_GRANDPARENTS; k++)
        put_json_kv_u64(&b, gen_event_name[k], cnt->event[k], k == N_GRANDPARENTS);
    dc_buf_puts(&b, "  },\n  \"corruptions\": {\n");
    for (int k = 0; k < (holdout ? K__COUNT : K_DEFAULT_COUNT); k++) put_json_kv_u64(&b, gen_kind_name[k], cnt->kind[k], 0);
    put_json_kv_u64(&b, "legacy_encoding_chars_replaced", cnt->enc_replaced, 1);
    dc_buf_puts(&b, "  }\n}\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", o->outdir);
    dc_outfile_t *f = dc_outfile_open(path, 0);
    int rc = -1;
    if (f) {
        rc = dc_outfile_buf(f, &b);
        if (rc) dc_outfile_abort(f);
        else rc = dc_outfile_commit(f);
    }
    dc_buf_free(&b);
    return rc;
}

static void add_counts(gen_counts_t *a, const gen_counts_t *b)
{
    for (int k = 0; k < K__COUNT; k++) a->kind[k] += b->kind[k];
    for (int k = 0; k < D__COUNT; k++) a->event[k] += b->event[k];
    a->rows_dup += b->rows_dup;
    a->rows_orig += b->rows_orig;
    a->rows_corrupt += b->rows_corrupt;
    a->enc_replaced += b->enc_replaced;
}

/* ------------------------------------------------------------ outputs */

/* An export or the truth: a dc_outfile (temporary name, 0600, renamed when
 * complete), plain or a zstd stream compressed here at GEN_ZSTD_LEVEL
 * (dc_outfile's own compression is level 3: a third slower, for files
 * about 5% smaller, and it is the writer thread that compresses). */
#define GEN_ZSTD_LEVEL 1
#define GEN_ZSTAGE (1u << 17)
typedef struct {
    dc_outfile_t *f;
    ZSTD_CCtx *z;            /* NULL: plain */
    unsigned char *stage;    /* input staged for the next ZSTD_compressStream2 */
    size_t slen;
    unsigned char *zbuf;
    size_t zcap;
} gen_out_t;

static int gout_open(gen_out_t *g, const char *path, int compress)
{
    memset(g, 0, sizeof *g);
    if (!(g->f = dc_outfile_open(path, 0))) return -1;
    if (compress) {
        g->z = ZSTD_createCCtx();
        if (!g->z) dc_die("cannot create a zstd context");
        ZSTD_CCtx_setParameter(g->z, ZSTD_c_compressionLevel, GEN_ZSTD_LEVEL);
        ZSTD_CCtx_setParameter(g->z, ZSTD_c_checksumFlag, 1);
        g->stage = dc_xmalloc(GEN_ZSTAGE);
        g->zcap = ZSTD_CStreamOutSize();
        g->zbuf = dc_xmalloc(g->zcap);
    }
    return 0;
}

static int gout_flush(gen_out_t *g, int end)
{
    ZSTD_inBuffer in = {g->stage, g->slen, 0};
    for (;;) {
        ZSTD_outBuffer out = {g->zbuf, g->zcap, 0};
        size_t r = ZSTD_compressStream2(g->z, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(r))
            return dc_seterr("zstd compression of %s failed: %s", dc_outfile_path(g->f), ZSTD_getErrorName(r));
        if (out.pos && dc_outfile_write(g->f, g->zbuf, out.pos) != 0) return -1;
        if (end ? r == 0 : in.pos == in.size) break;
    }
    g->slen = 0;
    return 0;
}

static int gout_write(gen_out_t *g, const void *p, size_t n)
{
    if (!g->z) return dc_outfile_write(g->f, p, n);
    const unsigned char *c = p;
    while (n) {
        size_t k = DC_MIN(n, GEN_ZSTAGE - g->slen);
        memcpy(g->stage + g->slen, c, k);
        g->slen += k;
        c += k;
        n -= k;
        if (g->slen == GEN_ZSTAGE && gout_flush(g, 0) != 0) return -1;
    }
    return 0;
}

static void gout_release(gen_out_t *g)
{
    ZSTD_freeCCtx(g->z);
    free(g->stage);
    free(g->zbuf);
    memset(g, 0, sizeof *g);
}

static int gout_commit(gen_out_t *g)
{
    int rc = g->z ? gout_flush(g, 1) : 0;
    if (rc == 0) {
        rc = dc_outfile_commit(g->f);
    } else {
        dc_outfile_abort(g->f);
    }
    g->f = NULL;
    gout_release(g);
    return rc;
}

static void gout_abort(gen_out_t *g)
{
    if (!g->f && !g->z) return;
    dc_outfile_abort(g->f);
    gout_release(g);
}

/* The record id of a file's n-th row; @return its length. */
static size_t format_recid(const gen_ctx_t *c, const gen_file_t *f, uint64_t n, char *out, size_t cap)
{
    switch (f->recid) {
    case R_PADDED: return gen_catnum(out, cap, 0, n, 8);
    case R_PREFIXED: {
        size_t k = gen_cat(out, cap, 0, c->ref->prov[f->prov].cccd);
        k = gen_cat(out, cap, k, f->temp ? "-TT-" : "-HK-");
        return gen_catnum(out, cap, k, n, 7);
    }
    default: return gen_catnum(out, cap, 0, n, 1);
    }
}

/* The writer: writes one batch's blocks in order, numbering each file's
 * rows and writing the truth lines. Runs on its own thread, one batch at a
 * time (the caller joins it before starting the next). */
typedef struct {
    const gen_ctx_t *c;
    gen_out_t *outs, *truth;
    uint64_t *frows;
    dc_buf_t hb;              /* pending truth.csv bytes */
    gen_counts_t total;
    dc_gen_stats_t *st;
    batch_t *bt;              /* the batch to write */
    int err;
    char msg[256];
    double seconds;
} writer_t;

static void *write_batch(void *ud)
{
    writer_t *w = ud;
    double t0 = dc_now();
    const gen_ctx_t *c = w->c;
    for (size_t i = 0; i < w->bt->nb && !w->err; i++) {
        gen_block_t *b = &w->bt->blocks[i];
        for (size_t k = 0; k < b->nrows; k++) {
            const gen_row_t *gr = &b->rows[k];
            const gen_file_t *f = &c->files[gr->file];
            char rid[40];
            size_t ridlen = format_recid(c, f, ++w->frows[gr->file], rid, sizeof rid);
            const char *bytes = b->bytes.p + gr->off;
            gen_out_t *out = &w->outs[gr->file];
            if (gout_write(out, bytes, gr->pre) != 0 || gout_write(out, rid, ridlen) != 0 ||
                gout_write(out, bytes + gr->pre, gr->len - gr->pre) != 0) {
                w->err = 1;
                break;
            }
            dc_buf_puts(&w->hb, f->name);
            dc_buf_putc(&w->hb, ',');
            dc_buf_put(&w->hb, rid, ridlen);
            dc_buf_put(&w->hb, ",P", 2);
            gen_put_num(&w->hb, (long long)(gr->person + 1), 10);
            dc_buf_putc(&w->hb, '\n');
        }
        w->st->rows += b->nrows;
        w->st->people += b->people;
        w->st->households += b->households;
        add_counts(&w->total, &b->cnt);
        if (!w->err && w->hb.len > (1u << 20)) {
            if (gout_write(w->truth, w->hb.p, w->hb.len) != 0) w->err = 1;
            dc_buf_clear(&w->hb);
        }
    }
    if (w->err) snprintf(w->msg, sizeof w->msg, "%s", dc_geterr());  /* errors are per thread */
    w->seconds += dc_now() - t0;
    return NULL;
}

int dc_gen_run(const dc_gen_opts_t *o, dc_gen_stats_t *st)
{
    double t0 = dc_now();
    memset(st, 0, sizeof *st);
    if (o->people < 1) return dc_seterr("--people must be at least 1");
    if (o->dup_rate < 0 || o->dup_rate > 1) return dc_seterr("--dup-rate must be between 0 and 1");
    if (o->corrupt_rate < 0 || o->corrupt_rate > 1) return dc_seterr("--corrupt-rate must be between 0 and 1");
    if (o->people > 1000000000000ull) return dc_seterr("--people is too large");
    gen_ref_t *ref = dc_xcalloc(1, sizeof *ref);
    gen_ref_load(ref);
    if (o->profile == DC_GEN_PROFILE_DIVERSE) gen_ref_load_diverse(ref);
    gen_ctx_t c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.ref = ref;
    c.corr = gen_corr_profile(o->corruption);
    int rc = -1;
    gen_out_t *outs = NULL, truth;
    memset(&truth, 0, sizeof truth);
    uint64_t *frows = NULL;
    uint32_t *idcount = NULL;
    batch_t bts[2];
    memset(bts, 0, sizeof bts);
    writer_t wr;
    memset(&wr, 0, sizeof wr);
    dc_buf_t hb = DC_BUF_INIT;
    int nthreads = o->nthreads < 1 ? 1 : o->nthreads;
    size_t nblocks = (size_t)nthreads * BLOCKS_PER_THREAD;
    char path[4096];

    if (parse_provinces(ref, o->provinces, &c) != 0) goto done;
    double cum = 0;
    for (int i = 0; i < c.nsel; i++) {
        cum += ref->prov[c.sel[i]].weight;
        c.selcum[i] = cum;
    }
    /* files: every selected province has a permanent register; some also a
     * temporary register (all of them in the mixed styles) */
    c.files = dc_xcalloc((size_t)c.nsel * 2, sizeof *c.files);
    for (int i = 0; i < 64; i++) c.perm_file[i] = c.temp_file[i] = -1;
    int sorted[64];
    memcpy(sorted, c.sel, sizeof(int) * (size_t)c.nsel);
    for (int i = 1; i < c.nsel; i++)
        for (int j = i; j > 0 && strcmp(ref->prov[sorted[j - 1]].code, ref->prov[sorted[j]].code) > 0; j--) {
            int t = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = t;
        }
    for (int i = 0; i < c.nsel; i++) {
        int pi = sorted[i];
        dc_rng_t r;
        dc_rng_seed(&r, o->seed, (uint64_t)pi, 4);
        int has_temp = o->styles == DC_GEN_STYLES_MIXED || dc_rng_chance(&r, 0.6);
        for (int t = 0; t <= has_temp; t++) {
            gen_file_t *f = &c.files[c.nfiles];
            f->prov = pi;
            f->temp = t;
            style_file(o, f, c.nfiles);
            snprintf(f->name, sizeof f->name, "%s_%s_%s.%s", ref->prov[pi].code, ref->prov[pi].slug,
                     t ? "tam_tru" : "thuong_tru", f->delim == '\t' ? "tsv" : "csv");
            if (t) { c.temp_file[pi] = c.nfiles; c.tempprov[c.ntempprov++] = pi; }
            else c.perm_file[pi] = c.nfiles;
            c.nfiles++;
        }
    }

    /* output directory and files */
    if (mkdir(o->outdir, 0700) != 0 && errno != EEXIST) {
        dc_seterr("cannot create %s: %s", o->outdir, strerror(errno));
        goto done;
    }
    snprintf(path, sizeof path, "%s/exports", o->outdir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        dc_seterr("cannot create %s: %s", path, strerror(errno));
        goto done;
    }
    outs = dc_xcalloc((size_t)c.nfiles, sizeof *outs);
    frows = dc_xcalloc((size_t)c.nfiles, sizeof *frows);
    dc_buf_t hu = DC_BUF_INIT;
    for (int i = 0; i < c.nfiles; i++) {
        const gen_file_t *f = &c.files[i];
        snprintf(path, sizeof path, "%s/exports/%s%s", o->outdir, f->name, o->compress ? ".zst" : "");
        if (gout_open(&outs[i], path, o->compress) != 0) { dc_buf_free(&hb); dc_buf_free(&hu); goto done; }
        dc_buf_clear(&hb);
        dc_buf_clear(&hu);
        if (f->enc == E_UTF8_BOM_CRLF) dc_buf_puts(&hb, "\xEF\xBB\xBF");
        for (int k = 0; k < f->ncols; k++) {
            const char *h = gen_col_header(f->cols[k], f->header);
            if (k) dc_buf_putc(&hu, f->delim);
            dc_buf_put_csv(&hu, h, strlen(h), f->delim);
        }
        dc_buf_puts(&hu, f->enc == E_UTF8_BOM_CRLF || f->enc >= E_TCVN3 ? "\r\n" : "\n");
        encode_text(f, hu.p, hu.len, &hb);
        if (gout_write(&outs[i], hb.p, hb.len) != 0) { dc_buf_free(&hb); dc_buf_free(&hu); goto done; }
    }
    dc_buf_free(&hu);
    snprintf(path, sizeof path, "%s/truth.csv%s", o->outdir, o->compress ? ".zst" : "");
    if (gout_open(&truth, path, o->compress) != 0) { dc_buf_free(&hb); goto done; }
    dc_buf_clear(&hb);
    dc_buf_puts(&hb, "source,record_id,person_id\n");

    /* the block loop: two batches, so that the writer thread writes one
     * while the workers generate the next */
    wr.c = &c;
    wr.outs = outs;
    wr.truth = &truth;
    wr.frows = frows;
    wr.hb = hb;
    hb = (dc_buf_t)DC_BUF_INIT;
    wr.st = st;
    dc_buf_t *scratch = dc_xcalloc((size_t)nthreads * NSCRATCH, sizeof *scratch);
    for (int j = 0; j < 2; j++) {
        bts[j].c = &c;
        bts[j].scratch = scratch;
        bts[j].blocks = dc_xcalloc(nblocks, sizeof *bts[j].blocks);
        bts[j].h0 = dc_xcalloc(nblocks, sizeof *bts[j].h0);
        bts[j].pid0 = dc_xcalloc(nblocks, sizeof *bts[j].pid0);
        bts[j].nh = dc_xcalloc(nblocks, sizeof *bts[j].nh);
        for (size_t i = 0; i < nblocks; i++) {
            bts[j].blocks[i].houses = dc_xmalloc(HOUSES_PER_BLOCK * gen_house_bytes());
            bts[j].blocks[i].sizes = dc_xcalloc(HOUSES_PER_BLOCK, sizeof(int));
        }
    }
    idcount = dc_xcalloc(GEN_ID_GROUPS, sizeof *idcount);
    uint64_t cmndcount = 0;
    double tm[3] = {0, 0, 0};  /* build, ids, emit */
    uint64_t h = 0, pid = 0;
    int cur = 0, writing = 0;
    pthread_t wthread;
    while (pid < o->people) {
        batch_t *bt = &bts[cur];
        size_t nb = 0;
        for (; nb < nblocks && pid < o->people; nb++) {
            bt->h0[nb] = h;
            bt->pid0[nb] = pid;
            gen_block_t *b = &bt->blocks[nb];
            uint32_t k = 0;
            for (; k < HOUSES_PER_BLOCK && pid < o->people; k++, h++) {
                b->sizes[k] = (int)DC_MIN((uint64_t)gen_household_size(o->seed, h), o->people - pid);
                pid += (uint64_t)b->sizes[k];
            }
            bt->nh[nb] = k;
            dc_buf_clear(&b->bytes);
            b->nrows = 0;
            memset(&b->cnt, 0, sizeof b->cnt);
            b->people = b->households = 0;
        }
        bt->nb = nb;
        double t1 = dc_now();
        dc_parallel_for(nthreads, nb, 1, block_build, bt);
        double t2 = dc_now();
        for (size_t i = 0; i < nb; i++)
            for (uint32_t k = 0; k < bt->nh[i]; k++)
                gen_house_assign_ids(house_at(&bt->blocks[i], k), idcount, &cmndcount);
        double t3 = dc_now();
        dc_parallel_for(nthreads, nb, 1, block_emit, bt);
        tm[0] += t2 - t1;
        tm[1] += t3 - t2;
        tm[2] += dc_now() - t3;
        /* the previous batch must be written before this one */
        if (writing) pthread_join(wthread, NULL);
        writing = 0;
        if (wr.err) break;
        wr.bt = bt;
        if (pthread_create(&wthread, NULL, write_batch, &wr) == 0) writing = 1;
        else write_batch(&wr);
        cur = 1 - cur;
    }
    if (writing) pthread_join(wthread, NULL);
    if (wr.err) {
        dc_seterr("%s", wr.msg);
        goto done;
    }
    if (gout_write(&truth, wr.hb.p, wr.hb.len) != 0) goto done;
    double tc = dc_now();
    for (int i = 0; i < c.nfiles; i++) {
        int e = gout_commit(&outs[i]);
        if (e) goto done;
    }
    int e = gout_commit(&truth);
    if (e) goto done;
    st->files = (uint64_t)c.nfiles;
    if (write_manifest(o, &c, frows, &wr.total, st) != 0) goto done;
    dc_log(2, "gen: build %.2f s, ids %.2f s, emit %.2f s (main thread); write %.2f s (writer thread); commit %.2f s",
           tm[0], tm[1], tm[2], wr.seconds, dc_now() - tc);
    rc = 0;
done:
    if (outs)
        for (int i = 0; i < c.nfiles; i++) gout_abort(&outs[i]);
    gout_abort(&truth);
    free(outs);
    free(frows);
    for (int j = 0; j < 2; j++) {
        if (!bts[j].blocks) continue;
        for (size_t i = 0; i < nblocks; i++) {
            dc_buf_free(&bts[j].blocks[i].bytes);
            free(bts[j].blocks[i].rows);
            free(bts[j].blocks[i].houses);
            free(bts[j].blocks[i].sizes);
        }
        free(bts[j].blocks);
        free(bts[j].h0);
        free(bts[j].pid0);
        free(bts[j].nh);
    }
    if (bts[0].scratch) {
        for (size_t i = 0; i < (size_t)nthreads * NSCRATCH; i++) dc_buf_free(&bts[0].scratch[i]);
        free(bts[0].scratch);
    }
    dc_buf_free(&wr.hb);
    dc_buf_free(&hb);
    free(c.files);
    free(idcount);
    gen_ref_free(ref);
    free(ref);
    st->seconds = dc_now() - t0;
    return rc;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_loader.c - dc_load end to end (chunking, threads, rejects,
 * compression, stdin, legacy encodings) and the `dancu load` command. */
#include "dc_test.h"
#include "dc_loader_int.h"
#include "dc_encoding.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------ helpers */

typedef struct collect {
    dc_buf_t out;
    atomic_ulong processed;
    int bad_order;
    uint64_t last_batch;
    int nbegin;
    size_t nbatches;
} collect_t;

static int c_begin(void *ud, const dc_source_info_t *s)
{
    collect_t *c = ud;
    c->nbegin++;
    dc_buf_printf(&c->out, "BEGIN %s enc=%s delim=%d bom=%d crlf=%d cols=%u extra=%u\n", s->name,
                  dc_encoding_name(s->encoding), s->delimiter, s->has_bom, s->crlf, s->ncols, s->nextra);
    return 0;
}

static int c_process(void *ud, void *wctx, dc_batch_t *b)
{
    collect_t *c = ud;
    DC_UNUSED(wctx);
    atomic_fetch_add(&c->processed, b->n);
    b->user = (void *)b;   /* commit checks that process ran first */
    return 0;
}

static int c_commit(void *ud, dc_batch_t *b)
{
    collect_t *c = ud;
    if (b->user != (void *)b) c->bad_order = 1;
    if (c->last_batch && b->seq <= c->last_batch - 1) c->bad_order = 1;
    c->last_batch = b->seq + 1;
    c->nbatches++;
    for (size_t i = 0; i < b->n; i++) {
        const dc_row_t *r = &b->rows[i];
        dc_buf_printf(&c->out, "L%llu Q%llu", (unsigned long long)r->line, (unsigned long long)r->seq);
        for (int f = 0; f < DC_F__COUNT; f++) {
            if (!r->len[f]) continue;
            dc_buf_printf(&c->out, " %s=[", dc_field_name((dc_field_t)f));
            dc_buf_put(&c->out, r->v[f], r->len[f]);
            dc_buf_putc(&c->out, ']');
            ck_assert(dc_utf8_valid(r->v[f], r->len[f]));
        }
        for (uint32_t e = 0; e < b->src->nextra; e++) {
            dc_buf_printf(&c->out, " +%s=[", b->src->extra_names[e]);
            dc_buf_put(&c->out, r->extra[e], r->extra_len[e]);
            dc_buf_putc(&c->out, ']');
        }
        dc_buf_putc(&c->out, '\n');
    }
    return 0;
}

typedef struct result {
    int rc;
    char *rows;        /* collected rows */
    char *rejects;     /* rejects.csv */
    dc_load_stats_t st;
    char err[512];
    size_t nbatches;
} result_t;

static result_t run_load(const char *dir, const char *const *paths, size_t n, int threads, size_t chunk,
                         size_t max_field, dc_encoding_t enc, const char *const *maps)
{
    result_t R;
    memset(&R, 0, sizeof R);
    collect_t C;
    memset(&C, 0, sizeof C);
    dc_sink_t sink = {0};
    sink.source_begin = c_begin;
    sink.process = c_process;
    sink.commit = c_commit;
    sink.ud = &C;
    dc_load_opts_t o;
    memset(&o, 0, sizeof o);
    o.nthreads = threads;
    o.chunk_size = chunk;
    o.max_field = max_field;
    o.encoding = enc;
    o.mappings = maps;
    static const char *const rcols[] = {"source", "line", "reason", "raw"};
    o.rejects = dc_table_open(dir, "rejects", DC_FMT_CSV, 0, rcols, 4);
    ck_assert_ptr_nonnull(o.rejects);
    R.rc = dc_load(&o, paths, n, &sink, &R.st);
    if (R.rc) snprintf(R.err, sizeof R.err, "%s", dc_geterr());
    ck_assert_int_eq(dc_table_commit(o.rejects), 0);
    char p[600];
    snprintf(p, sizeof p, "%s/rejects.csv", dir);
    R.rejects = dc_test_read_file(p, NULL);
    dc_buf_putc(&C.out, 0);
    R.rows = C.out.p;
    R.nbatches = C.nbatches;
    ck_assert_int_eq(C.bad_order, 0);
    ck_assert_uint_eq(atomic_load(&C.processed), R.st.rows_ok);
    /* the invariant, per file and in total */
    uint64_t tin = 0, tok = 0;
    for (uint32_t i = 0; i < R.st.nsources; i++) {
        const dc_source_info_t *s = &R.st.sources[i];
        uint64_t rej = 0;
        for (int k = 0; k < DC_REJ__COUNT; k++) rej += s->rejected[k];
        ck_assert_uint_eq(s->rows_in, s->rows_ok + rej);
        tin += s->rows_in;
        tok += s->rows_ok;
    }
    ck_assert_uint_eq(R.st.rows_in, tin);
    ck_assert_uint_eq(R.st.rows_ok, tok);
    ck_assert_uint_eq(R.st.rows_in, R.st.rows_ok + R.st.rows_rejected);
    return R;
}

static void result_free(result_t *R)
{
    free(R->rows);
    free(R->rejects);
    dc_load_stats_free(&R->st);
}

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static char *write_in(const char *dir, const char *name, const char *data, size_t n)
{
    char *p = path_in(dir, name);
    ck_assert_int_eq(dc_test_write_file(p, data, n), 0);
    return p;
}

/* A realistic export with every nasty case the parser handles, plus some
 * rows that must be rejected. Deterministic. */
static void make_export(dc_buf_t *b, int nrows, int crlf, int bom)
{
    static const char *const given[] = {"An", "Bình", "Cường", "Dũng", "Hà", "Hương", "Lan", "Thủy", "Ánh", "Ý"};
    static const char *const sur[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng", "Võ", "Bùi"};
    static const char *const mid[] = {"Văn", "Thị", "Ngọc", "Quốc", "Minh", ""};
    const char *eol = crlf ? "\r\n" : "\n";
    if (bom) dc_buf_put(b, "\xEF\xBB\xBF", 3);
    dc_buf_printf(b, "STT,Họ và tên,Ngày sinh,Giới tính,Địa chỉ,ghi_chu%s", eol);
    uint32_t x = 12345;
    for (int i = 0; i < nrows; i++) {
        x = x * 1103515245u + 12345u;
        unsigned r = (x >> 16) & 0x7fff;
        const char *s = sur[r % 8], *m = mid[(r / 8) % 6], *g = given[(r / 48) % 10];
        dc_buf_printf(b, "%06d,", i + 1);
        if (r % 13 == 0) dc_buf_printf(b, "\"%s \"\"%s\"\" %s\",", s, m, g);   /* quotes in a name */
        else if (r % 17 == 0) dc_buf_printf(b, "%s %s %s  ,", s, m, g);
        else if (r % 19 == 0) dc_buf_printf(b, "Nguye\xCC\x82\xCC\x83n %s,", g);   /* NFD */
        else dc_buf_printf(b, "%s %s %s,", s, m, g);
        dc_buf_printf(b, "%02u/%02u/19%02u,%s,", 1 + r % 28, 1 + r % 12, 40 + r % 60, r % 2 ? "Nam" : "Nữ");
        if (r % 5 == 0) dc_buf_printf(b, "\"Thôn %u, xã Hòa Bình,%shuyện Kiến Xương\",", r % 9, r % 10 == 0 ? "\n" : " ");
        else dc_buf_printf(b, "Phường %u Quận %u,", r % 20, r % 12);
        dc_buf_printf(b, "%s%s", r % 7 == 0 ? "\"note, with comma\"" : "", eol);
        /* rejects now and then */
        if (r % 97 == 0) dc_buf_printf(b, "%06d,too,few%s", i + 1, eol);
        if (r % 89 == 0) dc_buf_printf(b, "%06d,L\xC3\xA8\xFF,1,2,3,4%s", i + 1, eol);
        if (r % 83 == 0) dc_buf_printf(b, "%06d,,1990,Nam,x,y%s", i + 1, eol);
        if (r % 101 == 0) dc_buf_put(b, eol, strlen(eol));   /* blank line */
    }
}

/* ------------------------------------------------------------------ tests */

/* The register of a file from its name (docs/INPUT.md): the rows of a
 * temporary-residence register lose survivorship ties to permanent ones. */
START_TEST(test_temporary_register_name)
{
    static const char *const yes[] = {"01_ha_noi_tam_tru.csv", "79_HCM_TAM-TRU.csv.zst", "dir/x_tamtru.tsv",
                                      "So tam tru 2024.csv", "danh_s\xc3\xa1" "ch_t\xe1\xba\xa1m_tr\xc3\xba.csv",
                                      "T\xe1\xba\xa1m tr\xc3\xba.csv"};
    static const char *const no[] = {"01_ha_noi_thuong_tru.csv", "tamtrung.csv", "dtam_tru.csv", "tam.csv",
                                     "tru_tam.csv", "stdin", "tam_trua.csv"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        ck_assert_msg(dc_source_temporary_register(yes[i]), "%s", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        ck_assert_msg(!dc_source_temporary_register(no[i]), "%s", no[i]);
}
END_TEST

START_TEST(test_chunks_threads_identical)
{
    char *dir = dc_test_tmpdir("chunks");
    dc_buf_t b = DC_BUF_INIT;
    make_export(&b, 3000, 1, 1);
    char *p = write_in(dir, "tinh.csv", b.p, b.len);
    const char *paths[] = {p};
    result_t base = run_load(dir, paths, 1, 1, 0, 0, DC_ENC_AUTO, NULL);
    ck_assert_int_eq(base.rc, 0);
    ck_assert(base.st.rows_ok > 2500);
    ck_assert(base.st.rows_rejected > 10);
    ck_assert_int_eq(base.st.sources[0].has_bom, 1);
    ck_assert_int_eq(base.st.sources[0].crlf, 1);
    ck_assert_uint_eq(base.st.sources[0].bytes_in, b.len);
    static const struct { int threads; size_t chunk; } cfg[] = {{1, 64}, {2, 64}, {4, 64}, {2, 1000}, {4, 4096}, {3, 100000}};
    for (size_t i = 0; i < DC_ARRAY_LEN(cfg); i++) {
        result_t r = run_load(dir, paths, 1, cfg[i].threads, cfg[i].chunk, 0, DC_ENC_AUTO, NULL);
        ck_assert_int_eq(r.rc, 0);
        /* the chunk size is honoured: about one batch per chunk */
        ck_assert_msg(r.nbatches + 2 >= b.len / cfg[i].chunk / 3, "%zu batches for chunk %zu", r.nbatches, cfg[i].chunk);
        ck_assert_msg(!strcmp(r.rows, base.rows), "rows differ: threads %d chunk %zu", cfg[i].threads, cfg[i].chunk);
        ck_assert_msg(!strcmp(r.rejects, base.rejects), "rejects differ: threads %d chunk %zu", cfg[i].threads,
                      cfg[i].chunk);
        result_free(&r);
    }
    /* spot checks: NFD composed, quotes unescaped, multi-line address, line numbers */
    ck_assert_ptr_nonnull(strstr(base.rows, "ho_ten=[Nguyễn "));
    ck_assert_ptr_null(strstr(base.rows, "\xCC\x82"));
    ck_assert_ptr_nonnull(strstr(base.rows, " \"Văn\" "));   /* "" unescaped inside a quoted name */
    ck_assert_ptr_nonnull(strstr(base.rows, "L2 Q1 record_id=[000001]"));
    ck_assert_ptr_nonnull(strstr(base.rejects, "field_count"));
    ck_assert_ptr_nonnull(strstr(base.rejects, "bad_encoding"));
    ck_assert_ptr_nonnull(strstr(base.rejects, "no_name"));
    ck_assert_ptr_nonnull(strstr(base.rejects, "\\xFF"));
    ck_assert_uint_gt(base.st.sources[0].blank_lines, 0);
    result_free(&base);
    free(p);
    dc_buf_free(&b);
    free(dir);
}
END_TEST

/* Line numbers and row numbers count physical lines and data rows. */
START_TEST(test_lines_and_rejects)
{
    char *dir = dc_test_tmpdir("lines");
    const char data[] =
        "ho_ten;ngay_sinh\r\n"          /* 1 */
        "A;1\r\n"                      /* 2 */
        "\"B\r\nb\";2\r\n"             /* 3-4 */
        "\r\n"                          /* 5 blank */
        "C;3;extra\r\n"                /* 6 field_count */
        "D\0;4\r\n"                     /* 7 nul */
        "E;\"open\r\n"                 /* 8 unterminated: rejected alone */
        "F;6\r\n"                      /* 9 */
        "G;xxxxxxxxxxxxxxxxxxxxxxx\r\n"  /* 10 field too long (max 16) */
        "H;8";                         /* 11, no final newline */
    char *p = write_in(dir, "x.csv", data, sizeof data - 1);
    const char *paths[] = {p};
    for (size_t chunk = 0; chunk <= 64; chunk += 16) {
        result_t r = run_load(dir, paths, 1, 2, chunk ? chunk : 0, 16, DC_ENC_AUTO, NULL);
        ck_assert_int_eq(r.rc, 0);
        const char *want =
            "BEGIN x.csv enc=utf-8 delim=59 bom=0 crlf=1 cols=2 extra=0\n"
            "L2 Q1 record_id=[2] ho_ten=[A] ngay_sinh=[1]\n"
            "L3 Q2 record_id=[3] ho_ten=[B\r\nb] ngay_sinh=[2]\n"
            "L9 Q6 record_id=[9] ho_ten=[F] ngay_sinh=[6]\n"
            "L11 Q8 record_id=[11] ho_ten=[H] ngay_sinh=[8]\n";
        ck_assert_msg(!strcmp(r.rows, want), "chunk %zu:\n%s", chunk, r.rows);
        const char *wrej =
            "source,line,reason,raw\n"
            "x.csv,6,field_count,C;3;extra\n"
            "x.csv,7,nul_byte,D\\x00;4\n"
            "x.csv,8,unterminated_quote,\"E;\"\"open\"\n"
            "x.csv,10,field_too_long,G;xxxxxxxxxxxxxxxxxxxxxxx\n";
        ck_assert_msg(!strcmp(r.rejects, wrej), "chunk %zu:\n%s", chunk, r.rejects);
        const dc_source_info_t *s = &r.st.sources[0];
        ck_assert_uint_eq(s->rows_in, 8);
        ck_assert_uint_eq(s->rows_ok, 4);
        ck_assert_uint_eq(s->rejected[DC_REJ_FIELD_COUNT], 1);
        ck_assert_uint_eq(s->rejected[DC_REJ_NUL_BYTE], 1);
        ck_assert_uint_eq(s->rejected[DC_REJ_UNTERMINATED], 1);
        ck_assert_uint_eq(s->rejected[DC_REJ_FIELD_TOO_LONG], 1);
        ck_assert_uint_eq(s->blank_lines, 1);
        result_free(&r);
    }
    free(p);
    free(dir);
}
END_TEST

/* Very long lines, a quote right at a chunk end, CRLF split at a boundary. */
START_TEST(test_long_lines)
{
    char *dir = dc_test_tmpdir("long");
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_puts(&b, "ho_ten,note\r\n");
    for (int i = 0; i < 50; i++) {
        dc_buf_printf(&b, "Người %d,\"", i);
        for (int k = 0; k < 1000 * (i % 5); k++) dc_buf_putc(&b, (char)('a' + k % 26));
        dc_buf_puts(&b, i % 3 ? "\"\r\n" : "\"\"x\"\r\n");
    }
    char *p = write_in(dir, "long.csv", b.p, b.len);
    const char *paths[] = {p};
    result_t a = run_load(dir, paths, 1, 1, 0, 0, DC_ENC_AUTO, NULL);
    ck_assert_int_eq(a.rc, 0);
    ck_assert_uint_eq(a.st.rows_ok, 50);
    for (size_t chunk = 1; chunk < 80; chunk += 7) {
        result_t r = run_load(dir, paths, 1, 3, chunk, 0, DC_ENC_AUTO, NULL);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_msg(!strcmp(r.rows, a.rows), "chunk %zu", chunk);
        result_free(&r);
    }
    result_free(&a);
    free(p);
    dc_buf_free(&b);
    free(dir);
}
END_TEST

/* Old Mac line ends (CR alone) are line ends: rows, not one huge header. */
START_TEST(test_cr_only_lines)
{
    char *dir = dc_test_tmpdir("cr-only");
    const char data[] = "ho_ten,ngay_sinh\rA,1\r\"B\rb\",2\r\rC,3";
    char *p = write_in(dir, "mac.csv", data, sizeof data - 1);
    const char *paths[] = {p};
    for (size_t chunk = 0; chunk <= 16; chunk += 4) {
        result_t r = run_load(dir, paths, 1, 2, chunk, 0, DC_ENC_AUTO, NULL);
        ck_assert_int_eq(r.rc, 0);
        const char *want =
            "BEGIN mac.csv enc=utf-8 delim=44 bom=0 crlf=0 cols=2 extra=0\n"
            "L2 Q1 record_id=[2] ho_ten=[A] ngay_sinh=[1]\n"
            "L3 Q2 record_id=[3] ho_ten=[B\nb] ngay_sinh=[2]\n"
            "L6 Q3 record_id=[6] ho_ten=[C] ngay_sinh=[3]\n";
        ck_assert_msg(!strcmp(r.rows, want), "chunk %zu:\n%s", chunk, r.rows);
        ck_assert_int_eq(r.st.sources[0].cr_only, 1);
        ck_assert_uint_eq(r.st.sources[0].ncols, 2);
        ck_assert_uint_eq(r.st.sources[0].blank_lines, 1);
        result_free(&r);
    }
    free(p);
    free(dir);
}
END_TEST

/* 2,000 records, a third of them with a quoted two-line address, and one
 * stray quote inside an unquoted name: every record is read (the quote is
 * part of the name, as Python's csv module reads it), none shifted. */
START_TEST(test_stray_quote_multiline)
{
    char *dir = dc_test_tmpdir("stray");
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_puts(&b, "record_id,ho_ten,ngay_sinh,noi_thuong_tru\n");
    for (int i = 0; i < 2000; i++) {
        dc_buf_printf(&b, "%d,%s %d,01/01/1980,", i + 1, i == 700 ? "Nguy\"ễn Văn" : "Trần Văn", i);
        if (i % 3 == 0) dc_buf_printf(&b, "\"Thôn %d,\nxã Hòa Bình\"\n", i);
        else dc_buf_printf(&b, "Phường %d\n", i);
    }
    char *p = write_in(dir, "stray.csv", b.p, b.len);
    const char *paths[] = {p};
    for (size_t chunk = 0; chunk <= 4096; chunk += 1024) {
        result_t r = run_load(dir, paths, 1, 2, chunk, 0, DC_ENC_AUTO, NULL);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_uint_eq(r.st.rows_in, 2000);
        ck_assert_uint_eq(r.st.rows_ok, 2000);
        ck_assert_ptr_nonnull(strstr(r.rows, "record_id=[701] ho_ten=[Nguy\"ễn Văn 700]"));
        ck_assert_ptr_nonnull(strstr(r.rows, "record_id=[2000] ho_ten=[Trần Văn 1999]"));
        result_free(&r);
    }
    free(p);
    dc_buf_free(&b);
    free(dir);
}
END_TEST

/* The field limit (default 65,536 bytes) is the longest field accepted,
 * quoted or not. */
START_TEST(test_field_limit_exact)
{
    char *dir = dc_test_tmpdir("limit");
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_puts(&b, "ho_ten,note\n");
    static const size_t len[] = {65535, 65536, 65537};
    for (int quoted = 0; quoted < 2; quoted++)
        for (size_t k = 0; k < DC_ARRAY_LEN(len); k++) {
            dc_buf_printf(&b, "Q%d L%zu,%s", quoted, len[k], quoted ? "\"" : "");
            for (size_t i = 0; i < len[k]; i++) dc_buf_putc(&b, (char)('a' + i % 26));
            dc_buf_puts(&b, quoted ? "\"\n" : "\n");
        }
    char *p = write_in(dir, "limit.csv", b.p, b.len);
    const char *paths[] = {p};
    for (size_t chunk = 0; chunk <= 70000; chunk += 35000) {
        result_t r = run_load(dir, paths, 1, 2, chunk, 0, DC_ENC_AUTO, NULL);
        ck_assert_int_eq(r.rc, 0);
        const dc_source_info_t *s = &r.st.sources[0];
        ck_assert_uint_eq(s->rows_ok, 4);
        ck_assert_uint_eq(s->rejected[DC_REJ_FIELD_TOO_LONG], 1);
        ck_assert_uint_eq(s->rejected[DC_REJ_UNTERMINATED], 1);
        ck_assert_ptr_nonnull(strstr(r.rows, "ho_ten=[Q1 L65536]"));
        ck_assert_ptr_nonnull(strstr(r.rows, "ho_ten=[Q0 L65536]"));
        result_free(&r);
    }
    free(p);
    dc_buf_free(&b);
    free(dir);
}
END_TEST

/* A line longer than any valid record is rejected as record_too_long
 * without being buffered whole; the rows after it keep their lines. */
START_TEST(test_long_record_skipped)
{
    char *dir = dc_test_tmpdir("toolong");
    char *p = path_in(dir, "big.csv");
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs("ho_ten,note\nA,1\nB,\"two\nlines\"", f);
    static char blk[1 << 16];
    memset(blk, 'x', sizeof blk);
    for (int i = 0; i < 512; i++) fwrite(blk, 1, sizeof blk, f);   /* 32 MiB on line 4 */
    fputs(",\"q\nq\",y\nC,3\n", f);
    fclose(f);
    const char *paths[] = {p};
    size_t before = dc_peak_rss_bytes();
    result_t r = run_load(dir, paths, 1, 2, 1 << 16, 0, DC_ENC_AUTO, NULL);
    size_t grew = dc_peak_rss_bytes() - before;
    ck_assert_int_eq(r.rc, 0);
    ck_assert_msg(grew < ((size_t)16 << 20), "the loader grew by %zu MiB", grew >> 20);
    ck_assert_uint_eq(r.st.sources[0].rejected[DC_REJ_RECORD_TOO_LONG], 1);
    ck_assert_ptr_nonnull(strstr(r.rejects, "big.csv,3,record_too_long,\"B,\"\"two\nlines\"\"xxx"));
    ck_assert_ptr_nonnull(strstr(r.rows, "L2 Q1 record_id=[2] ho_ten=[A]"));
    ck_assert_msg(strstr(r.rows, "L6 Q4 record_id=[6] ho_ten=[C] +note=[3]") != NULL, "%s", r.rows);
    result_free(&r);
    free(p);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

START_TEST(test_empty_and_header_only)
{
    char *dir = dc_test_tmpdir("empty");
    char *e = write_in(dir, "empty.csv", "", 0);
    char *h = write_in(dir, "header.csv", "\xEF\xBB\xBFho_ten,ngay_sinh\r\n", 21);
    char *h2 = write_in(dir, "header2.csv", "ho_ten", 6);
    const char *paths[] = {e, h, h2};
    result_t r = run_load(dir, paths, 3, 2, 0, 0, DC_ENC_AUTO, NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.st.rows_in, 0);
    ck_assert_uint_eq(r.st.sources[0].ncols, 0);
    ck_assert_uint_eq(r.st.sources[1].ncols, 2);
    ck_assert_int_eq(r.st.sources[1].has_bom, 1);
    ck_assert_uint_eq(r.st.sources[2].ncols, 1);
    ck_assert_ptr_nonnull(strstr(r.rows, "BEGIN header.csv"));
    result_free(&r);
    free(e);
    free(h);
    free(h2);
    free(dir);
}
END_TEST

START_TEST(test_no_name_column)
{
    char *dir = dc_test_tmpdir("noname");
    char *p = write_in(dir, "noname.csv", "a,b\n1,2\n", 8);
    const char *paths[] = {p};
    result_t r = run_load(dir, paths, 1, 1, 0, 0, DC_ENC_AUTO, NULL);
    ck_assert_int_eq(r.rc, -1);
    ck_assert_ptr_nonnull(strstr(r.err, "noname.csv"));
    ck_assert_ptr_nonnull(strstr(r.err, "no name column"));
    result_free(&r);
    /* ... unless mapped */
    const char *maps[] = {"a=ho_ten", NULL};
    r = run_load(dir, paths, 1, 1, 0, 0, DC_ENC_AUTO, maps);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.rows, "ho_ten=[1] +b=[2]"));
    result_free(&r);
    free(p);
    free(dir);
}
END_TEST

START_TEST(test_split_names)
{
    char *dir = dc_test_tmpdir("split");
    const char data[] = "Họ|Tên lót|Tên|x\nNguyễn | Văn |An|1\nLê||Bình|2\n||Cúc|3\n|||4\n";
    char *p = write_in(dir, "s.tsv", data, sizeof data - 1);
    const char *paths[] = {p};
    result_t r = run_load(dir, paths, 1, 2, 0, 0, DC_ENC_AUTO, NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.rows, "L2 Q1 record_id=[2] ho_ten=[Nguyễn Văn An] +x=[1]"));
    ck_assert_ptr_nonnull(strstr(r.rows, "L3 Q2 record_id=[3] ho_ten=[Lê Bình] +x=[2]"));
    ck_assert_ptr_nonnull(strstr(r.rows, "L4 Q3 record_id=[4] ho_ten=[Cúc] +x=[3]"));
    ck_assert_ptr_nonnull(strstr(r.rejects, "s.tsv,5,no_name,|||4"));
    result_free(&r);
    free(p);
    free(dir);
}
END_TEST

START_TEST(test_compressed)
{
    char *dir = dc_test_tmpdir("compr");
    dc_buf_t b = DC_BUF_INIT;
    make_export(&b, 2000, 0, 0);
    char *p = write_in(dir, "hn.csv", b.p, b.len);
    ck_assert_int_eq(dc_test_run("cd '%s' && zstd -q -k -f hn.csv && gzip -k -f hn.csv", dir), 0);
    /* multi-member gzip and multi-frame zstd: two halves concatenated */
    size_t half = 0;
    for (size_t i = b.len / 2; i < b.len; i++)
        if (b.p[i] == '\n') { half = i + 1; break; }
    char *p1 = write_in(dir, "h1", b.p, half), *p2 = write_in(dir, "h2", b.p + half, b.len - half);
    ck_assert_int_eq(dc_test_run("cd '%s' && gzip -c h1 > m.csv.gz && gzip -c h2 >> m.csv.gz && "
                                 "zstd -q -c h1 > m.csv.zst && zstd -q -c h2 >> m.csv.zst", dir), 0);
    const char *plain[] = {p};
    result_t base = run_load(dir, plain, 1, 2, 0, 0, DC_ENC_AUTO, NULL);
    ck_assert_int_eq(base.rc, 0);
    static const char *const names[] = {"hn.csv.zst", "hn.csv.gz", "m.csv.gz", "m.csv.zst"};
    static const char *const comp[] = {"zstd", "gzip", "gzip", "zstd"};
    for (size_t i = 0; i < 4; i++) {
        char *q = path_in(dir, names[i]);
        const char *paths[] = {q};
        result_t r = run_load(dir, paths, 1, 2, 65536, 0, DC_ENC_AUTO, NULL);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_str_eq(r.st.sources[0].compression, comp[i]);
        ck_assert_uint_eq(r.st.sources[0].bytes_in, b.len);
        /* same rows; the source name differs only in the BEGIN line */
        const char *a = strchr(base.rows, '\n'), *c = strchr(r.rows, '\n');
        ck_assert_msg(!strcmp(a, c), "%s differs", names[i]);
        result_free(&r);
        free(q);
    }
    /* truncated streams are errors naming the file */
    ck_assert_int_eq(dc_test_run("cd '%s' && head -c 3000 hn.csv.zst > t.csv.zst && head -c 3000 hn.csv.gz > t.csv.gz", dir), 0);
    static const char *const trunc[] = {"t.csv.zst", "t.csv.gz"};
    for (size_t i = 0; i < 2; i++) {
        char *q = path_in(dir, trunc[i]);
        const char *paths[] = {q};
        result_t r = run_load(dir, paths, 1, 2, 0, 0, DC_ENC_AUTO, NULL);
        ck_assert_int_eq(r.rc, -1);
        ck_assert_ptr_nonnull(strstr(r.err, trunc[i]));
        ck_assert_ptr_nonnull(strstr(r.err, "truncated"));
        result_free(&r);
        free(q);
    }
    result_free(&base);
    free(p);
    free(p1);
    free(p2);
    dc_buf_free(&b);
    free(dir);
}
END_TEST

START_TEST(test_stdin)
{
    char *dir = dc_test_tmpdir("stdin");
    const char data[] = "ho_ten\tngay_sinh\nTrần Thị Mai\t1980\n";
    char *p = write_in(dir, "in.tsv", data, sizeof data - 1);
    ck_assert_ptr_nonnull(freopen(p, "rb", stdin));
    const char *paths[] = {"-"};
    result_t r = run_load(dir, paths, 1, 2, 0, 0, DC_ENC_AUTO, NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(r.st.sources[0].name, "stdin");
    ck_assert_int_eq(r.st.sources[0].delimiter, '\t');
    ck_assert_ptr_nonnull(strstr(r.rows, "ho_ten=[Trần Thị Mai] ngay_sinh=[1980]"));
    result_free(&r);
    free(p);
    free(dir);
}
END_TEST

/* Legacy-encoded copies of an export load to the same rows as the UTF-8 one. */
START_TEST(test_legacy_files)
{
    char *dir = dc_test_tmpdir("legacy");
    const char utf8[] =
        "Họ và tên,Ngày sinh,Nơi thường trú\n"
        "Nguyễn Văn Hùng,12/03/1975,\"Thôn Đông, xã Hòa Bình, huyện Kiến Xương, tỉnh Thái Bình\"\n"
        "Trần Thị Ánh,01/01/1980,\"Số 5 ngõ 12 phố Huế, phường Phạm Đình Hổ, Hà Nội\"\n"
        "NGUYỄN THỊ HỒNG,1962,\"Ấp 3, xã Tân Hòa, huyện Châu Thành, tỉnh An Giang\"\n"
        "Phạm Thuỳ Dương,22-11-1999,\"Tổ 4, phường Quyết Thắng, Biên Hòa, Đồng Nai\"\n";
    char *pu = write_in(dir, "u.csv", utf8, sizeof utf8 - 1);
    const char *pa[] = {pu};
    result_t base = run_load(dir, pa, 1, 2, 0, 0, DC_ENC_AUTO, NULL);
    ck_assert_int_eq(base.rc, 0);
    static const dc_encoding_t encs[] = {DC_ENC_TCVN3, DC_ENC_VNI, DC_ENC_VISCII, DC_ENC_CP1258};
    for (size_t i = 0; i < 4; i++) {
        dc_buf_t e = DC_BUF_INIT;
        ck_assert_uint_eq(dc_encode(encs[i], utf8, sizeof utf8 - 1, &e), 0);
        char *pl = write_in(dir, "u.csv", e.p, e.len);
        const char *pb[] = {pl};
        for (int forced = 0; forced < 2; forced++) {
            result_t r = run_load(dir, pb, 1, 2, forced ? 64 : 0, 0, forced ? encs[i] : DC_ENC_AUTO, NULL);
            ck_assert_int_eq(r.rc, 0);
            ck_assert_int_eq(r.st.sources[0].encoding, encs[i]);
            const char *a = strchr(base.rows, '\n'), *c = strchr(r.rows, '\n');
            ck_assert_msg(!strcmp(a, c), "%s forced=%d:\n%s", dc_encoding_name(encs[i]), forced, r.rows);
            result_free(&r);
        }
        free(pl);
        dc_buf_free(&e);
    }
    result_free(&base);
    free(pu);
    free(dir);
}
END_TEST

/* ------------------------------------------------------------ the CLI */

/* A headerless file run with --map, and a CR-only file, as whole
 * programs: report.json and load-report.json never hold a row's data (the
 * columns of a header that looks like data are named by position), and the
 * CR-only file's rows are read. */
START_TEST(test_cli_header_privacy)
{
    char *dir = dc_test_tmpdir("cli-privacy");
    dc_buf_t b = DC_BUF_INIT;
    for (int i = 0; i < 40; i++)
        dc_buf_printf(&b, "%d,Phạm Thị Huyền %d,%02d/03/1985,0790850%05d,Thôn Đông, xã Yên Lạc\n", i + 1, i,
                      1 + i % 28, i);
    char *p = write_in(dir, "noheader.csv", b.p, b.len);
    dc_buf_clear(&b);
    dc_buf_puts(&b, "record_id,ho_ten,ngay_sinh,so_dinh_danh\r");
    for (int i = 0; i < 40; i++)
        dc_buf_printf(&b, "%d,Đinh Văn Khải %d,%02d/04/1990,0010900%05d\r", i + 1, i, 1 + i % 28, i);
    char *m = write_in(dir, "mac.csv", b.p, b.len);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load noheader.csv mac.csv -o out -t 2 "
                                 "--map 'Phạm Thị Huyền 0=ho_ten' 2>err", dir, DANCU_BIN), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' run noheader.csv mac.csv -o run -q -t 2 "
                                 "--map 'Phạm Thị Huyền 0=ho_ten'", dir, DANCU_BIN), 0);
    static const char *const reps[] = {"out/load-report.json", "run/report.json"};
    for (size_t i = 0; i < DC_ARRAY_LEN(reps); i++) {
        char *q = path_in(dir, reps[i]);
        char *rep = dc_test_read_file(q, NULL);
        ck_assert_ptr_nonnull(rep);
        ck_assert_msg(!strstr(rep, "Phạm") && !strstr(rep, "0790850") && !strstr(rep, "1985") &&
                      !strstr(rep, "Yên Lạc"), "%s holds row data", reps[i]);
        ck_assert_ptr_nonnull(strstr(rep, "column_2"));
        ck_assert_ptr_nonnull(strstr(rep, "column_5"));
        free(rep);
        free(q);
    }
    /* the CR-only file: 40 rows, its real header */
    ck_assert_int_eq(dc_test_run("cd '%s' && test $(wc -l < out/mac.csv) -eq 41 && grep -q '\"column\":\"so_dinh_danh\"' "
                                 "out/load-report.json && grep -q 'noheader.csv: the first row' err", dir), 0);
    free(p);
    free(m);
    dc_buf_free(&b);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

START_TEST(test_cli)
{
    char *dir = dc_test_tmpdir("cli");
    dc_buf_t b = DC_BUF_INIT;
    make_export(&b, 500, 0, 0);
    char *p = write_in(dir, "dong_nai.csv", b.p, b.len);
    ck_assert_int_eq(dc_test_run("cd '%s' && zstd -q -f dong_nai.csv -o hue.csv.zst", dir), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load dong_nai.csv hue.csv.zst -o out --threads 2 -q", dir, DANCU_BIN), 0);
    static const char *const outs[] = {"out/dong_nai.csv", "out/hue.csv", "out/rejects.csv", "out/load-report.json"};
    for (size_t i = 0; i < 4; i++) {
        char *q = path_in(dir, outs[i]);
        struct stat st;
        ck_assert_int_eq(stat(q, &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0600);
        free(q);
    }
    char *q = path_in(dir, "out/dong_nai.csv");
    char *csv = dc_test_read_file(q, NULL);
    ck_assert_ptr_nonnull(csv);
    const char *hdr = "record_id,ma_tinh,ma_ho,quan_he_chu_ho,ho_ten,ngay_sinh,gioi_tinh,so_dinh_danh,so_cmnd,"
                      "dan_toc,ton_giao,quoc_tich,que_quan,noi_thuong_tru,noi_o_hien_tai,ho_ten_cha,ho_ten_me,"
                      "ho_ten_vo_chong,ngay_chet,ghi_chu\n000001,,,,";
    ck_assert(!strncmp(csv, hdr, strlen(hdr)));
    free(csv);
    free(q);
    q = path_in(dir, "out/load-report.json");
    char *rep = dc_test_read_file(q, NULL);
    ck_assert_ptr_nonnull(strstr(rep, "\"source\":\"hue.csv\""));
    ck_assert_ptr_nonnull(strstr(rep, "\"compression\":\"zstd\""));
    ck_assert_ptr_nonnull(strstr(rep, "\"column\":\"Họ và tên\",\"field\":\"ho_ten\""));
    ck_assert_ptr_nonnull(strstr(rep, "\"rows_rejected\""));
    free(rep);
    free(q);
    /* identical outputs with 1 thread and tiny chunks */
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load dong_nai.csv hue.csv.zst -o out1 -t 1 --chunk-size 64 -q", dir,
                                 DANCU_BIN), 0);
    char *a = path_in(dir, "out/dong_nai.csv"), *c = path_in(dir, "out1/dong_nai.csv");
    ck_assert(dc_test_files_equal(a, c));
    free(a);
    free(c);
    a = path_in(dir, "out/rejects.csv");
    c = path_in(dir, "out1/rejects.csv");
    ck_assert(dc_test_files_equal(a, c));
    free(a);
    free(c);
    /* summary line on stderr */
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load dong_nai.csv -o out2 2> msg && "
                                 "grep -q 'rows read = .* accepted + .* rejected' msg", dir, DANCU_BIN), 0);
    /* non-empty OUTDIR: 1 without --force, 0 with */
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load dong_nai.csv -o out -q 2>/dev/null", dir, DANCU_BIN), 1);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load dong_nai.csv -o out -q --force", dir, DANCU_BIN), 0);
    /* reject rate */
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load dong_nai.csv -o out3 -q --max-reject-rate 0 2>/dev/null", dir,
                                 DANCU_BIN), 1);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load dong_nai.csv -o out4 -q --max-reject-rate 0.5", dir, DANCU_BIN), 0);
    /* stdin */
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load - -o out5 -q < dong_nai.csv && test -s out5/stdin.csv", dir,
                                 DANCU_BIN), 0);
    /* failures and usage errors */
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load missing.csv -o out6 -q 2>/dev/null", dir, DANCU_BIN), 1);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load dong_nai.csv 2>/dev/null", dir, DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load -o out7 2>/dev/null", dir, DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load --bogus x -o o 2>/dev/null", dir, DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load x -o o --encoding latin9 2>/dev/null", dir, DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load x -o o --max-reject-rate 2 2>/dev/null", dir, DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("'%s' load --help | grep -q 'Usage: dancu load'", DANCU_BIN), 0);
    /* a failed load leaves no output files behind */
    ck_assert_int_eq(dc_test_run("cd '%s' && printf 'a,b\\n1,2\\n' > bad.csv && '%s' load bad.csv -o out8 -q 2>/dev/null",
                                 dir, DANCU_BIN), 1);
    ck_assert_int_eq(dc_test_run("cd '%s' && test -z \"$(ls -A out8)\"", dir), 0);
    /* --map and --mapping */
    ck_assert_int_eq(dc_test_run("cd '%s' && printf 'column,field\\na,ho_ten\\n' > map.csv && "
                                 "'%s' load bad.csv -o out9 -q --mapping map.csv && grep -q '^2,,,,1,' out9/bad.csv",
                                 dir, DANCU_BIN), 0);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load bad.csv -o out10 -q --map b=ho_ten && grep -q '^2,,,,2,' out10/bad.csv",
                                 dir, DANCU_BIN), 0);
    free(p);
    dc_buf_free(&b);
    free(dir);
}
END_TEST

/* Streams read with tiny buffers give the same bytes (the decoders must
 * flush output still pending when the input ends). */
START_TEST(test_source_small_reads)
{
    char *dir = dc_test_tmpdir("smallreads");
    dc_buf_t b = DC_BUF_INIT;
    make_export(&b, 300, 1, 0);
    char *p = write_in(dir, "s.csv", b.p, b.len);
    ck_assert_int_eq(dc_test_run("cd '%s' && zstd -q -f s.csv -o s.csv.zst && gzip -c s.csv > s.csv.gz && "
                                 "head -c 2000 s.csv.zst > t.zst && head -c 2000 s.csv.gz > t.gz", dir), 0);
    static const char *const names[] = {"s.csv", "s.csv.zst", "s.csv.gz", "t.zst", "t.gz"};
    static const size_t sizes[] = {1, 7, 4096, 1 << 20};
    for (size_t i = 0; i < DC_ARRAY_LEN(names); i++) {
        for (size_t k = 0; k < DC_ARRAY_LEN(sizes); k++) {
            char *q = path_in(dir, names[i]);
            dc_src_t *src = dc_src_open(q);
            ck_assert_ptr_nonnull(src);
            dc_buf_t got = DC_BUF_INIT;
            char *tmp = malloc(sizes[k]);
            ssize_t r;
            while ((r = dc_src_read(src, tmp, sizes[k])) > 0) dc_buf_put(&got, tmp, (size_t)r);
            if (names[i][0] == 't') {
                ck_assert_int_eq(r, -1);
                ck_assert_ptr_nonnull(strstr(dc_geterr(), "truncated"));
                ck_assert(got.len < b.len && (got.len == 0 || !memcmp(got.p, b.p, got.len)));
            } else {
                ck_assert_int_eq(r, 0);
                ck_assert_uint_eq(got.len, b.len);
                ck_assert(!memcmp(got.p, b.p, b.len));
            }
            dc_src_close(src);
            free(tmp);
            dc_buf_free(&got);
            free(q);
        }
    }
    free(p);
    dc_buf_free(&b);
    free(dir);
}
END_TEST

static int fail_commit(void *ud, dc_batch_t *b)
{
    int *calls = ud;
    DC_UNUSED(b);
    if (++*calls == 3) return dc_seterr("sink refused batch 3");
    return 0;
}

/* A sink error stops the load and is reported; no later batch is committed. */
START_TEST(test_sink_failure)
{
    char *dir = dc_test_tmpdir("sinkfail");
    dc_buf_t b = DC_BUF_INIT;
    make_export(&b, 2000, 0, 0);
    char *p = write_in(dir, "f.csv", b.p, b.len);
    const char *paths[] = {p, p};
    int calls = 0;
    dc_sink_t sink = {0};
    sink.commit = fail_commit;
    sink.ud = &calls;
    dc_load_opts_t o;
    memset(&o, 0, sizeof o);
    o.nthreads = 2;
    o.chunk_size = 4096;
    dc_load_stats_t st;
    ck_assert_int_eq(dc_load(&o, paths, 2, &sink, &st), -1);
    ck_assert_ptr_nonnull(strstr(dc_geterr(), "sink refused batch 3"));
    ck_assert_int_eq(calls, 3);
    dc_load_stats_free(&st);
    free(p);
    dc_buf_free(&b);
    free(dir);
}
END_TEST

/* CLI: duplicate source names, forced delimiter and encoding. */
START_TEST(test_cli_options)
{
    char *dir = dc_test_tmpdir("cliopt");
    const char tsv[] = "Họ và tên\tGhi chú\nLê Văn Tám\ta,b\n";
    char *p = write_in(dir, "a.csv", tsv, sizeof tsv - 1);
    /* two inputs with one source name, or one file twice: refused before any work */
    ck_assert_int_eq(dc_test_run("cd '%s' && mkdir -p sub && cp a.csv sub/a.csv && '%s' load a.csv sub/a.csv -o out -q "
                                 "--delimiter tab 2>err && grep -q \"would both be source 'a.csv'\" err && test ! -e out",
                                 dir, DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load a.csv ./a.csv -o out -q --delimiter tab 2>err && "
                                 "grep -q 'are the same file' err", dir, DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("cd '%s' && cp a.csv sub/b.csv && '%s' load a.csv sub/b.csv -o out -q "
                                 "--delimiter tab && test -s out/a.csv && test -s out/b.csv && "
                                 "grep -q '^2,,,,Lê Văn Tám,.*,\"a,b\"$' out/b.csv",
                                 dir, DANCU_BIN), 0);
    /* forced encoding: the same bytes read as VNI */
    dc_buf_t e = DC_BUF_INIT;
    const char u[] = "ho_ten\nNguyễn Thị Ánh\n";
    dc_encode(DC_ENC_VNI, u, sizeof u - 1, &e);
    char *q = write_in(dir, "v.csv", e.p, e.len);
    ck_assert_int_eq(dc_test_run("cd '%s' && '%s' load v.csv -o out2 -q --encoding vni && "
                                 "grep -q '^2,,,,Nguyễn Thị Ánh,' out2/v.csv && grep -q '\"encoding\":\"vni\"' "
                                 "out2/load-report.json", dir, DANCU_BIN), 0);
    free(p);
    free(q);
    dc_buf_free(&e);
    free(dir);
}
END_TEST

static Suite *loader_suite(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = dc_test_tcase("core");
    tcase_add_test(tc, test_chunks_threads_identical);
    tcase_add_test(tc, test_temporary_register_name);
    tcase_add_test(tc, test_lines_and_rejects);
    tcase_add_test(tc, test_long_lines);
    tcase_add_test(tc, test_cr_only_lines);
    tcase_add_test(tc, test_stray_quote_multiline);
    tcase_add_test(tc, test_field_limit_exact);
    tcase_add_test(tc, test_long_record_skipped);
    tcase_add_test(tc, test_empty_and_header_only);
    tcase_add_test(tc, test_no_name_column);
    tcase_add_test(tc, test_split_names);
    tcase_add_test(tc, test_compressed);
    tcase_add_test(tc, test_stdin);
    tcase_add_test(tc, test_legacy_files);
    tcase_add_test(tc, test_cli);
    tcase_add_test(tc, test_cli_header_privacy);
    tcase_add_test(tc, test_sink_failure);
    tcase_add_test(tc, test_source_small_reads);
    tcase_add_test(tc, test_cli_options);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(loader_suite(), "loader"); }

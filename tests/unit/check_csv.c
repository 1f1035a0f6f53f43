/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_csv.c - the loader's CSV dialect: record cutting, field parsing,
 * delimiter detection, header synonyms and mapping, reject escaping. */
#include "dc_test.h"
#include "dc_loader_int.h"
#include "dc_encoding.h"

#include <stdlib.h>
#include <string.h>

START_TEST(test_cut)
{
    static const struct {
        const char *in;
        int eof;
        size_t max_field, cut;
        int unterm;
    } cases[] = {
        {"a,b\nc,d\n", 0, 100, 8, 0},
        {"a,b\nc,d", 0, 100, 4, 0},          /* last record incomplete */
        {"a,b\nc,d", 1, 100, 7, 0},          /* ... unless at the end */
        {"a,\"b\nc\",d\ne\n", 0, 100, 12, 0},  /* LF inside quotes is data */
        {"a,\"b\nc", 0, 100, 0, 0},          /* open quote: read more */
        {"x\na,\"b\nc", 0, 100, 2, 0},       /* ... cut before that record */
        {"a,\"b\nc", 1, 100, 5, 1},          /* open at the end: unterminated, first line */
        {"a,\"bcdefgh\nij\n", 0, 4, 11, 1},  /* quoted section over max_field */
        {"q\na,\"bcdefgh\"\n", 0, 4, 2, 0},  /* cut before the bad record */
        {"a,\"\"\"\"\n", 0, 100, 7, 0},       /* doubled quotes keep parity */
        {"\"a\"\"b\",c\r\nd\r\n", 0, 100, 13, 0},
        {"", 1, 100, 0, 0},
        {"abc", 0, 100, 0, 0},
        /* a stray quote inside an unquoted field is data: records keep their ends */
        {"ab\"c,d\n\"x\ny\",z\n", 0, 100, 15, 0},
        {"ab\"c,d\ne,f\"g\n\"x\ny\",z\n", 0, 100, 21, 0},
        {"\"ab\"c\"d\n", 0, 100, 8, 0},        /* after the closing quote: data */
        /* max_field is the longest quoted field accepted, not one less */
        {"\"12345678\",x\n", 1, 8, 13, 0},
        {"\"123456789\",x\n", 1, 8, 14, 1},
        {"\"12345678\"", 0, 8, 0, 0},            /* still open, may be "": read more */
        {"\"123\"\"4567\"\n", 1, 8, 12, 0},   /* "" counts one byte */
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        int unterm = -1;
        size_t cut = dc_csv_cut(cases[i].in, strlen(cases[i].in), cases[i].eof, cases[i].max_field, ',', &unterm);
        ck_assert_msg(cut == cases[i].cut && unterm == cases[i].unterm, "case %zu: cut %zu unterm %d", i, cut, unterm);
    }
}
END_TEST

/* Parse a whole buffer into "f1|f2|...\n" lines, one per record. */
static char *parse_all(const char *in, size_t n, char delim, size_t max_field, char *flags)
{
    uint8_t cls[256];
    dc_csv_classes(cls, delim, DC_ENC_UTF8);
    dc_csv_rec_t rec = {0};
    dc_buf_t sc = DC_BUF_INIT, out = DC_BUF_INIT;
    const char *p = in, *end = in + n;
    size_t k = 0;
    while (p < end) {
        dc_buf_clear(&sc);
        p = dc_csv_parse(p, end, delim, max_field, cls, &rec, &sc);
        if (flags) {
            flags[k++] = rec.blank ? 'B' : rec.nul ? 'N' : rec.too_long ? 'L' : rec.crlf ? 'C' : '.';
            flags[k] = 0;
        }
        for (size_t i = 0; i < rec.nf; i++) {
            if (i) dc_buf_putc(&out, '|');
            dc_buf_put(&out, rec.f[i].in_scratch ? sc.p + rec.f[i].off : rec.f[i].p, rec.f[i].len);
        }
        dc_buf_printf(&out, "#%u\n", rec.lines);
    }
    dc_csv_rec_free(&rec);
    dc_buf_free(&sc);
    dc_buf_putc(&out, 0);
    return out.p;
}

START_TEST(test_parse)
{
    static const struct { const char *in; char delim; const char *out, *flags; } cases[] = {
        {"a,b,c\n", ',', "a|b|c#1\n", "."},
        {"a,b,c", ',', "a|b|c#0\n", "."},
        {"a,,\n", ',', "a||#1\n", "."},
        {"\"a,b\",\"c\"\"d\",e\n", ',', "a,b|c\"d|e#1\n", "."},
        {"\"multi\nline\",x\r\n", ',', "multi\nline|x#2\n", "C"},
        {"\"crlf\r\ninside\"\r\n", ',', "crlf\r\ninside#2\n", "C"},
        {"a;b\r\n\r\nc;d\n", ';', "a|b#1\n#1\nc|d#1\n", "CB."},
        {"ab\"cd\"ef,g\n", ',', "ab\"cd\"ef|g#1\n", "."},      /* a quote inside a field is data */
        {"\"ab\"cd,g\n", ',', "abcd|g#1\n", "."},              /* after the closing quote: data */
        {"\"\",\"\"\n", ',', "|#1\n", "."},
        {"a\rb,c\n", ',', "a\rb|c#1\n", "."},                 /* a lone CR is data */
        {"x\ty\t\"z\t\"\n", '\t', "x|y|z\t#1\n", "."},
        {"a|b\n", '|', "a|b#1\n", "."},
        {"a,b\0c\n", ',', "a|b\0c#1\n", "N"},
        {"abcdefghij,k\n", ',', "abcdefghij|k#1\n", "L"},       /* max_field 8 */
        {"\"abcdefghij\",k\n", ',', "abcdefghij|k#1\n", "L"},
        {"\n", ',', "#1\n", "B"},
        {"\"a\"\"b\"c\"d,e\n", ',', "a\"bc\"d|e#1\n", "."},     /* as Python's csv reads them */
        {"x\"y,\"p\nq\",z\"\n", ',', "x\"y|p\nq|z\"#2\n", "."},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        size_t n = strlen(cases[i].in);
        if (strstr(cases[i].flags, "N")) n = 6;
        char flags[16];
        char *got = parse_all(cases[i].in, n, cases[i].delim, 8 + (i < 14 ? 100 : 0), flags);
        size_t want_len = strlen(cases[i].out);
        if (strstr(cases[i].flags, "N")) want_len = 8;
        ck_assert_msg(!memcmp(got, cases[i].out, want_len) && got[want_len] == 0, "case %zu: got '%s'", i, got);
        ck_assert_msg(!strcmp(flags, cases[i].flags), "case %zu: flags %s want %s", i, flags, cases[i].flags);
        free(got);
    }
}
END_TEST

START_TEST(test_delimiter)
{
    static const struct { const char *line; char want; } cases[] = {
        {"a,b,c\n", ','}, {"a;b;c\n", ';'}, {"a\tb\tc\n", '\t'}, {"a|b|c\n", '|'},
        {"\"x;y;z\",b,c\n", ','},          /* delimiters inside quotes do not count */
        {"Họ và tên;Ngày sinh, năm;Giới tính\n", ';'},
        {"single\n", ','}, {"a,b;c;d\n", ';'}, {"a,b;c\n", ','},   /* tie: , first */
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++)
        ck_assert_msg(dc_csv_detect_delimiter(cases[i].line, strlen(cases[i].line)) == cases[i].want, "case %zu", i);
}
END_TEST

START_TEST(test_header_synonyms)
{
    static const struct { const char *name; int field, part; } cases[] = {
        {"ho_ten", DC_F_HO_TEN, 0}, {"Họ và tên", DC_F_HO_TEN, 0}, {"HO_VA_TEN", DC_F_HO_TEN, 0},
        {"ho ten", DC_F_HO_TEN, 0}, {"HoTen", DC_F_HO_TEN, 0}, {"ten_cong_dan", DC_F_HO_TEN, 0},
        {"Tên công dân", DC_F_HO_TEN, 0},
        {"record_id", DC_F_RECORD_ID, 0}, {"ma_ban_ghi", DC_F_RECORD_ID, 0}, {"ID", DC_F_RECORD_ID, 0},
        {"STT", DC_F_RECORD_ID, 0}, {"Mã nhân khẩu", DC_F_RECORD_ID, 0},
        {"ma_tinh", DC_F_MA_TINH, 0}, {"Tỉnh", DC_F_MA_TINH, 0}, {"tinh_thanh", DC_F_MA_TINH, 0},
        {"Province", DC_F_MA_TINH, 0},
        {"ma_ho", DC_F_MA_HO, 0}, {"Số hộ khẩu", DC_F_MA_HO, 0}, {"ma_ho_gia_dinh", DC_F_MA_HO, 0},
        {"so_so_ho_khau", DC_F_MA_HO, 0},
        {"quan_he_chu_ho", DC_F_QUAN_HE_CHU_HO, 0}, {"Quan hệ", DC_F_QUAN_HE_CHU_HO, 0},
        {"qh_chu_ho", DC_F_QUAN_HE_CHU_HO, 0},
        {"Họ", DC_F_HO_TEN, DC_NAME_PART_HO}, {"ten_dem", DC_F_HO_TEN, DC_NAME_PART_DEM},
        {"Đệm", DC_F_HO_TEN, DC_NAME_PART_DEM}, {"Tên lót", DC_F_HO_TEN, DC_NAME_PART_DEM},
        {"Tên", DC_F_HO_TEN, DC_NAME_PART_TEN},
        {"Ngày sinh", DC_F_NGAY_SINH, 0}, {"ngaysinh", DC_F_NGAY_SINH, 0},
        {"ngay_thang_nam_sinh", DC_F_NGAY_SINH, 0}, {"Năm sinh", DC_F_NGAY_SINH, 0},
        {"Giới tính", DC_F_GIOI_TINH, 0}, {"GT", DC_F_GIOI_TINH, 0}, {"phai", DC_F_GIOI_TINH, 0},
        {"so_dinh_danh", DC_F_SO_DINH_DANH, 0}, {"so_cccd", DC_F_SO_DINH_DANH, 0},
        {"CCCD", DC_F_SO_DINH_DANH, 0}, {"so_can_cuoc", DC_F_SO_DINH_DANH, 0},
        {"Số định danh cá nhân", DC_F_SO_DINH_DANH, 0},
        {"so_cmnd", DC_F_SO_CMND, 0}, {"CMND", DC_F_SO_CMND, 0}, {"Số chứng minh", DC_F_SO_CMND, 0},
        {"Dân tộc", DC_F_DAN_TOC, 0}, {"dantoc", DC_F_DAN_TOC, 0},
        {"Tôn giáo", DC_F_TON_GIAO, 0}, {"tongiao", DC_F_TON_GIAO, 0},
        {"Quốc tịch", DC_F_QUOC_TICH, 0}, {"quoctich", DC_F_QUOC_TICH, 0},
        {"Quê quán", DC_F_QUE_QUAN, 0}, {"quequan", DC_F_QUE_QUAN, 0}, {"Nguyên quán", DC_F_QUE_QUAN, 0},
        {"Nơi thường trú", DC_F_NOI_THUONG_TRU, 0}, {"dia_chi_thuong_tru", DC_F_NOI_THUONG_TRU, 0},
        {"thuong_tru", DC_F_NOI_THUONG_TRU, 0}, {"Địa chỉ", DC_F_NOI_THUONG_TRU, 0},
        {"noi_o_hien_tai", DC_F_NOI_O_HIEN_TAI, 0}, {"Chỗ ở hiện nay", DC_F_NOI_O_HIEN_TAI, 0},
        {"noi_o", DC_F_NOI_O_HIEN_TAI, 0},
        {"ho_ten_cha", DC_F_HO_TEN_CHA, 0}, {"Tên cha", DC_F_HO_TEN_CHA, 0},
        {"ho_ten_me", DC_F_HO_TEN_ME, 0}, {"ten_me", DC_F_HO_TEN_ME, 0},
        {"ho_ten_vo_chong", DC_F_HO_TEN_VO_CHONG, 0}, {"Vợ/chồng", DC_F_HO_TEN_VO_CHONG, 0},
        {"ngay_chet", DC_F_NGAY_CHET, 0}, {"Ngày mất", DC_F_NGAY_CHET, 0},
        {"ghi_chu", -1, 0}, {"", -1, 0}, {"tenxyz", -1, 0},
        {"extra", -2, 0}, {"-", -2, 0},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        int part = -1;
        int f = dc_header_lookup(cases[i].name, strlen(cases[i].name), &part);
        ck_assert_msg(f == cases[i].field && part == cases[i].part, "'%s': field %d part %d", cases[i].name, f, part);
    }
    /* every canonical name maps to itself */
    for (int f = 0; f < DC_F__COUNT; f++) {
        int part;
        const char *n = dc_field_name((dc_field_t)f);
        ck_assert_int_eq(dc_header_lookup(n, strlen(n), &part), f);
    }
}
END_TEST

static int map_of(const char *const *cells, uint32_t n, const char *const *ov, dc_header_map_t *m)
{
    uint32_t lens[16];
    for (uint32_t i = 0; i < n; i++) lens[i] = (uint32_t)strlen(cells[i]);
    return dc_header_map(cells, lens, n, ov, m);
}

START_TEST(test_header_map)
{
    dc_header_map_t m;
    /* split names, duplicates become extras */
    const char *h1[] = {"Họ", "Tên đệm", "Tên", "ngay_sinh", "Ngày sinh", "ghi chú"};
    ck_assert_int_eq(map_of(h1, 6, NULL, &m), 0);
    ck_assert_int_eq(m.has_name, 1);
    ck_assert_int_eq(m.split, 1);
    ck_assert_int_eq(m.field[0], DC_F_HO_TEN);
    ck_assert_int_eq(m.part[2], DC_NAME_PART_TEN);
    ck_assert_int_eq(m.field[3], DC_F_NGAY_SINH);
    ck_assert_int_eq(m.field[4], -1);
    ck_assert_uint_eq(m.nextra, 2);
    ck_assert_uint_eq(m.extra_col[0], 4);
    ck_assert_uint_eq(m.extra_col[1], 5);
    dc_header_map_free(&m);
    /* a full-name column wins over split parts */
    const char *h2[] = {"ho", "ho_ten", "ten"};
    ck_assert_int_eq(map_of(h2, 3, NULL, &m), 0);
    ck_assert_int_eq(m.split, 0);
    ck_assert_int_eq(m.field[1], DC_F_HO_TEN);
    ck_assert_int_eq(m.field[0], -1);
    ck_assert_int_eq(m.field[2], -1);
    dc_header_map_free(&m);
    /* no name column */
    const char *h3[] = {"ngay_sinh", "ho", "cmnd"};
    ck_assert_int_eq(map_of(h3, 3, NULL, &m), 0);
    ck_assert_int_eq(m.has_name, 0);
    dc_header_map_free(&m);
    /* overrides: matched like headers; "extra" carries through */
    const char *h4[] = {"Công dân", "Ngày sinh", "ho_ten"};
    const char *ov[] = {"cong dan=ho_ten", "ho_ten=extra", NULL};
    ck_assert_int_eq(map_of(h4, 3, ov, &m), 0);
    ck_assert_int_eq(m.field[0], DC_F_HO_TEN);
    ck_assert_int_eq(m.field[2], -1);
    ck_assert_int_eq(m.has_name, 1);
    dc_header_map_free(&m);
    const char *bad[] = {"Công dân=no_such_field", NULL};
    ck_assert_int_eq(map_of(h4, 3, bad, &m), -1);
    ck_assert_ptr_nonnull(strstr(dc_geterr(), "no_such_field"));
}
END_TEST

START_TEST(test_mapping_file)
{
    char *dir = dc_test_tmpdir("mapping");
    char path[512];
    snprintf(path, sizeof path, "%s/map.csv", dir);
    const char *txt = "column,field\n\"Công dân\",ho_ten\nMa so,record_id\n";
    ck_assert_int_eq(dc_test_write_file(path, txt, strlen(txt)), 0);
    char **list = NULL;
    size_t n = 0;
    ck_assert_int_eq(dc_mapping_file_read(path, &list, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(list[0], "Công dân=ho_ten");
    ck_assert_str_eq(list[1], "Ma so=record_id");
    ck_assert_ptr_null(list[2]);
    for (size_t i = 0; i < n; i++) free(list[i]);
    free(list);
    const char *bad = "column,field\nx,not_a_field\n";
    ck_assert_int_eq(dc_test_write_file(path, bad, strlen(bad)), 0);
    list = NULL;
    n = 0;
    ck_assert_int_eq(dc_mapping_file_read(path, &list, &n), -1);
    ck_assert_ptr_nonnull(strstr(dc_geterr(), ":2:"));
    free(list);
    free(dir);
}
END_TEST

START_TEST(test_escape_raw)
{
    static const struct { dc_encoding_t enc; const char *in; size_t n; const char *out; } cases[] = {
        {DC_ENC_UTF8, "Lê\xFF" "C;1\r\n", 8, "Lê\\xFFC;1"},
        {DC_ENC_UTF8, "a\\b\n", 4, "a\\\\b"},
        {DC_ENC_UTF8, "a\0b", 3, "a\\x00b"},
        {DC_ENC_CP1258, "H\xE0\x81x", 4, "Hà\\x81x"},
        {DC_ENC_UTF8, "\xC3", 1, "\\xC3"},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        dc_buf_t b = DC_BUF_INIT;
        dc_escape_raw(cases[i].enc, cases[i].in, cases[i].n, &b);
        dc_buf_putc(&b, 0);
        ck_assert_msg(!strcmp(b.p, cases[i].out), "case %zu: '%s'", i, b.p);
        ck_assert(dc_utf8_valid(b.p, strlen(b.p)));
        dc_buf_free(&b);
    }
}
END_TEST

START_TEST(test_source_name)
{
    static const struct { const char *path, *name; } cases[] = {
        {"data/ha_noi.csv", "ha_noi.csv"}, {"/x/y/hcm.csv.zst", "hcm.csv"}, {"b.tsv.gz", "b.tsv"},
        {"-", "stdin"}, {"plain", "plain"}, {".gz", ".gz"},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        char *n = dc_source_name(cases[i].path);
        ck_assert_str_eq(n, cases[i].name);
        free(n);
    }
}
END_TEST

static Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = dc_test_tcase("core");
    tcase_add_test(tc, test_cut);
    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_delimiter);
    tcase_add_test(tc, test_header_synonyms);
    tcase_add_test(tc, test_header_map);
    tcase_add_test(tc, test_mapping_file);
    tcase_add_test(tc, test_escape_raw);
    tcase_add_test(tc, test_source_name);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(csv_suite(), "csv"); }

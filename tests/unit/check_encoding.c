/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_encoding.c - legacy encodings <-> UTF-8 NFC, validation, detection. */
#include "dc_test.h"
#include "dc_encoding.h"
#include "ref/dc_ref.h"

#include <stdlib.h>
#include <utf8proc.h>
#include <string.h>

static const dc_encoding_t legacy[] = {DC_ENC_TCVN3, DC_ENC_VNI, DC_ENC_VISCII, DC_ENC_CP1258};

static char *enc_str(dc_encoding_t e, const char *s, size_t *len, size_t *replaced)
{
    dc_buf_t b = DC_BUF_INIT;
    size_t r = dc_encode(e, s, strlen(s), &b);
    if (replaced) *replaced = r;
    *len = b.len;
    if (!b.p) return calloc(1, 1);
    return b.p;
}

static char *dec_str(dc_encoding_t e, const char *s, size_t n, int *rc, size_t *bad)
{
    dc_buf_t b = DC_BUF_INIT;
    *rc = dc_decode(e, s, n, &b, bad);
    dc_buf_putc(&b, 0);
    return b.p;
}

static void hex(const char *s, size_t n, char *out)
{
    out[0] = 0;
    for (size_t i = 0; i < n; i++) sprintf(out + strlen(out), "%s%02X", i ? " " : "", (unsigned char)s[i]);
}

/* Every one of the 134 letters encodes to the reference bytes and decodes back. */
START_TEST(test_letters_roundtrip)
{
    static const char *const cols[] = {"", "tcvn3_abc_bytes_duydev", "vni_windows_bytes",
                                       "viscii_byte_glibc", "cp1258_bytes_glibc_decomposed"};
    dc_ref_csv_t r;
    dc_ref_csv_open(&r, "enc_vn_letters.csv", ',');
    int cu = dc_ref_csv_col(&r, "unicode_char");
    int col[5];
    for (int k = 1; k < 5; k++) col[k] = dc_ref_csv_col(&r, cols[k]);
    int nletters = 0;
    while (dc_ref_csv_next(&r)) {
        nletters++;
        const char *u = r.f[cu];
        for (int k = 0; k < 4; k++) {
            dc_encoding_t e = legacy[k];
            size_t n, rep;
            char *b = enc_str(e, u, &n, &rep);
            ck_assert_uint_eq(rep, 0);
            char h[64];
            hex(b, n, h);
            /* TCVN3 upper-case toned letters: the table's "A"+byte is wrong,
             * ABC writes the lower-case byte (see encoding.c). */
            if (!(e == DC_ENC_TCVN3 && strlen(r.f[col[k + 1]]) > 2))
                ck_assert_msg(!strcmp(h, r.f[col[k + 1]]), "%s %s: got %s want %s", dc_encoding_name(e), u, h,
                              r.f[col[k + 1]]);
            /* decode: alone, and for TCVN3 upper case inside an upper-case word */
            char word[32];
            int upper_tc = e == DC_ENC_TCVN3 && strlen(r.f[col[k + 1]]) > 2;
            /* lower case in TCVN3 after a lower-case letter: a toned letter
             * alone at the start of a field is read as a capital */
            snprintf(word, sizeof word, upper_tc ? "NG%sN" : e == DC_ENC_TCVN3 ? "x%s" : "%s", u);
            free(b);
            b = enc_str(e, word, &n, &rep);
            int rc;
            char *d = dec_str(e, b, n, &rc, NULL);
            ck_assert_int_eq(rc, 0);
            ck_assert_msg(!strcmp(d, word), "%s: %s decoded as %s", dc_encoding_name(e), word, d);
            free(b);
            free(d);
        }
    }
    ck_assert_int_eq(nletters, 134);
    dc_ref_csv_close(&r);
}
END_TEST

/* Realistic strings (generic names, place names) round-trip through every encoding. */
static const char *const samples[] = {
    "Nguyễn Văn An",
    "NGUYỄN THỊ HỒNG NHUNG",
    "Trần Thị Ánh",
    "Lê Thị Ý",
    "LÊ THỊ Ý",
    "Đặng Quốc Ưng",
    "Phạm Thuỳ Dương",
    "Hoàng Ngọc Ẩn",
    "Hà Nội",
    "HÀ NỘI",
    "Thừa Thiên Huế",
    "Số 12 ngõ 34 Phố Huế, P. Phạm Đình Hổ, Q. Hai Bà Trưng, TP. Hà Nội",
    "Ấp 3, X. Tân Hòa, H. Châu Thành, T. An Giang",
    "Thôn Đông, xã Hòa Bình, huyện Kiến Xương, tỉnh Thái Bình",
    "Ủy ban nhân dân phường Bến Nghé",
    "Ông Ích Khiêm",
    "1990-05-17;Nam;Kinh;Phật giáo",
};

START_TEST(test_samples_roundtrip)
{
    for (size_t i = 0; i < DC_ARRAY_LEN(samples); i++) {
        for (int k = 0; k < 4; k++) {
            size_t n, rep;
            char *b = enc_str(legacy[k], samples[i], &n, &rep);
            ck_assert_uint_eq(rep, 0);
            int rc;
            char *d = dec_str(legacy[k], b, n, &rc, NULL);
            ck_assert_int_eq(rc, 0);
            ck_assert_msg(!strcmp(d, samples[i]), "%s: '%s' -> '%s'", dc_encoding_name(legacy[k]), samples[i], d);
            free(b);
            free(d);
        }
    }
}
END_TEST

/* TCVN3 case restoration from context, table-driven. Input is UTF-8 encoded
 * to TCVN3 first (upper-case toned letters lose their case), then decoded. */
START_TEST(test_tcvn3_case)
{
    static const struct { const char *in, *out; } cases[] = {
        {"NGUYỄN", "NGUYỄN"},
        {"Nguyễn", "Nguyễn"},
        {"nguyễn", "nguyễn"},
        {"HÀ NỘI", "HÀ NỘI"},
        {"HÀ", "Hà"},               /* alone: ambiguous, Title case assumed */
        {"ánh", "Ánh"},             /* first word of a field: capital assumed */
        {"bé ánh", "bé ánh"},
        {"Thị Ánh", "Thị Ánh"},
        {"ĐỖ VĂN Ý", "ĐỖ VĂN Ý"},
        {"Đỗ Văn Ý", "Đỗ Văn Ý"},
        {"HỒ VĂN,ánh", "HỒ VĂN,Ánh"}, /* a delimiter ends the context */
        {"TP. Hà Nội", "TP. Hà Nội"},
        {"TP. HÀ NỘI", "TP. HÀ NỘI"},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        size_t n;
        char *b = enc_str(DC_ENC_TCVN3, cases[i].in, &n, NULL);
        int rc;
        char *d = dec_str(DC_ENC_TCVN3, b, n, &rc, NULL);
        ck_assert_int_eq(rc, 0);
        ck_assert_msg(!strcmp(d, cases[i].out), "'%s' -> '%s', want '%s'", cases[i].in, d, cases[i].out);
        free(b);
        free(d);
    }
    /* upper-case toned letters use the lower-case byte; Ă Â Ê Ô Ơ Ư Đ have their own */
    size_t n;
    char *b = enc_str(DC_ENC_TCVN3, "Ễễ", &n, NULL);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq((unsigned char)b[0], 0xD4);
    ck_assert_int_eq((unsigned char)b[1], 0xD4);
    free(b);
    b = enc_str(DC_ENC_TCVN3, "Đđ", &n, NULL);
    ck_assert_int_eq((unsigned char)b[0], 0xA7);
    ck_assert_int_eq((unsigned char)b[1], 0xAE);
    free(b);
    /* VN1 bytes for upper-case toned letters are read too */
    int rc;
    char *d = dec_str(DC_ENC_TCVN3, "\x80\x84", 2, &rc, NULL);
    ck_assert_str_eq(d, "ÀẠ");
    free(d);
}
END_TEST

START_TEST(test_utf8)
{
    int rc;
    size_t bad = 99;
    /* NFD "Nguyễn" -> NFC */
    const char nfd[] = "Nguye\xCC\x82\xCC\x83n Xa\xCC\x83";
    char *d = dec_str(DC_ENC_UTF8, nfd, strlen(nfd), &rc, &bad);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(d, "Nguyễn Xã");
    free(d);
    ck_assert_int_eq(dc_utf8_nfc_fast("Nguyễn Văn Đức", strlen("Nguyễn Văn Đức")), 1);
    ck_assert_int_eq(dc_utf8_nfc_fast(nfd, strlen(nfd)), 0);
    /* decomposed-but-mixed: ơ + acute composes to ớ */
    d = dec_str(DC_ENC_UTF8, "\xC6\xA1\xCC\x81", 4, &rc, &bad);
    ck_assert_str_eq(d, "ớ");
    free(d);
    static const struct { const char *s; size_t n, off; } badc[] = {
        {"ab\xC3", 3, 2},            /* truncated */
        {"a\xC0\x80", 3, 1},         /* overlong */
        {"xy\xED\xA0\x80", 5, 2},    /* surrogate */
        {"\xF5\x80\x80\x80", 4, 0},  /* > U+10FFFF */
        {"ok\x80", 3, 2},            /* lone continuation */
        {"Hà\xFFN", 5, 3},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(badc); i++) {
        d = dec_str(DC_ENC_UTF8, badc[i].s, badc[i].n, &rc, &bad);
        ck_assert_int_eq(rc, -1);
        ck_assert_uint_eq(bad, badc[i].off);
        ck_assert_int_eq(dc_utf8_valid(badc[i].s, badc[i].n), 0);
        free(d);
    }
    ck_assert_int_eq(dc_utf8_valid("Đặng \xF0\x9F\x98\x80", strlen("Đặng \xF0\x9F\x98\x80")), 1);
}
END_TEST

/* dc_utf8_put_nfc() composes clusters from a per-thread table: it must give
 * exactly utf8proc's NFC, for every NFC-stable starter followed by one or
 * two combining marks (Vietnamese and others, including singletons and
 * CGJ), in context, and on mixed text that needs the whole-string path. */
static size_t put_cp(char *b, uint32_t cp)
{
    return (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)b);
}

static void nfc_same(const char *s, size_t n)
{
    dc_buf_t got = {0};
    dc_buf_put(&got, "#", 1);   /* appends after existing content */
    dc_utf8_put_nfc(&got, s, n);
    utf8proc_uint8_t *want = NULL;
    utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &want,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    ck_assert_int_ge(k, 0);
    if (got.len != (size_t)k + 1 || memcmp(got.p + 1, want, (size_t)k) != 0)
        ck_abort_msg("NFC differs from utf8proc for %zu bytes starting %02x %02x", n, (unsigned char)s[0],
                     n > 1 ? (unsigned char)s[1] : 0);
    free(want);
    dc_buf_free(&got);
}

START_TEST(test_nfc_clusters)
{
    static const uint32_t marks[] = {0x300, 0x301, 0x302, 0x303, 0x306, 0x308, 0x309, 0x31B, 0x323, 0x327,
                                     0x331, 0x340, 0x341, 0x343, 0x344, 0x345, 0x34F, 0x360, 0x36F};
    const size_t nm = DC_ARRAY_LEN(marks);
    char b[64];
    size_t checked = 0;
    for (uint32_t base = 0x20; base < 0x1F00; base++) {
        if (base == 0x7F || (base >= 0x300 && base < 0x1E00)) continue;
        if (base >= 0x80 && base < 0xA0) continue;
        for (size_t i = 0; i < nm; i++)
            for (size_t j = 0; j <= nm; j++) {   /* j == nm: one mark only */
                size_t n = put_cp(b, 'x');
                n += put_cp(b + n, base);
                n += put_cp(b + n, marks[i]);
                if (j < nm) n += put_cp(b + n, marks[j]);
                n += put_cp(b + n, 0x1EA1);   /* ạ */
                nfc_same(b, n);               /* in context */
                nfc_same(b + 1, n - 4);       /* alone */
                checked += 2;
            }
    }
    ck_assert_uint_gt(checked, 700000);
    /* mixed text: random pieces of Vietnamese NFC, NFD, marks, other scripts */
    static const char *const piece[] = {"Nguy", "e\xCC\x82\xCC\x83", "n ", "\xC6\xA1\xCC\x81", "\xCC\x80",
                                        "\xE1\xBB\x8D\xCC\x82", "\xCE\xB1\xCC\x81", "\xE1\x84\x80\xE1\x85\xA1",
                                        "A\xCC\xA3\xCC\x86", "\xC4\x90", ", ", "\xE2\x80\x93", "o\xCD\x84",
                                        "u\xCC\x9B\xCC\x80\xCC\xA3\xCC\x81\xCC\x89\xCC\x83\xCC\x80\xCC\x81\xCC\x82\xCC\x83\xCC\x86",
                                        /* pieces that are composed by utf8proc between ASCII bytes:
                                         * U+2019, U+2000 (-> U+2002), an emoji, U+1DC4 (a mark
                                         * outside U+0300..U+036F), CJK, Hangul L and V apart (they
                                         * compose when adjacent), a mark after a digit */
                                        "\xE2\x80\x99", "\xE2\x80\x80", "\xF0\x9F\x98\x80", "e\xE1\xB7\x84",
                                        "\xE4\xB8\xAD", "\xE1\x84\x80", "\xE1\x85\xA1", "7\xCC\x81", ("Ho\xCC\x80" "a"),
                                        "\xE1\xBB\x87", "x"};
    uint32_t r = 12345;
    for (int t = 0; t < 100000; t++) {
        char s[512];
        size_t n = 0;
        int np = 1 + (int)(r % 24);
        for (int q = 0; q < np; q++) {
            r = r * 1103515245u + 12345u;
            const char *x = piece[(r >> 16) % DC_ARRAY_LEN(piece)];
            memcpy(s + n, x, strlen(x));
            n += strlen(x);
        }
        nfc_same(s, n);
    }
}
END_TEST

START_TEST(test_legacy_bad_bytes)
{
    int rc;
    size_t bad = 0;
    char *d = dec_str(DC_ENC_CP1258, "ab\x81z", 4, &rc, &bad);   /* 0x81 undefined in CP1258 */
    ck_assert_int_eq(rc, -1);
    ck_assert_uint_eq(bad, 2);
    free(d);
    d = dec_str(DC_ENC_VNI, "Ha\x80", 3, &rc, &bad);              /* 0x80 is no VNI letter or mark */
    ck_assert_int_eq(rc, -1);
    ck_assert_uint_eq(bad, 2);
    free(d);
    /* VISCII defines all 256 bytes; 0x02 is Ẳ */
    d = dec_str(DC_ENC_VISCII, "\x02", 1, &rc, &bad);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(d, "Ẳ");
    free(d);
}
END_TEST

START_TEST(test_encode_replacement)
{
    size_t n, rep;
    char *b = enc_str(DC_ENC_VNI, "x€y", &n, &rep);
    ck_assert_uint_eq(rep, 1);
    ck_assert_str_eq(b, "x?y");
    free(b);
    b = enc_str(DC_ENC_TCVN3, "Peña", &n, &rep);     /* ñ -> n */
    ck_assert_uint_eq(rep, 1);
    ck_assert_str_eq(b, "Pena");
    free(b);
    b = enc_str(DC_ENC_CP1258, "€", &n, &rep);       /* CP1258 has the euro sign */
    ck_assert_uint_eq(rep, 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq((unsigned char)b[0], 0x80);
    free(b);
    /* NFD input is composed first */
    b = enc_str(DC_ENC_VISCII, "e\xCC\x82\xCC\x83", &n, &rep);
    ck_assert_uint_eq(rep, 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq((unsigned char)b[0], 0xAD);   /* VISCII ễ */
    free(b);
}
END_TEST

/* Detection on generated samples of every encoding, short and long. */
static const char *const det_texts[] = {
    /* long: a few rows of a household export */
    "ho_ten,ngay_sinh,gioi_tinh,noi_thuong_tru\n"
    "Nguyễn Văn Hùng,12/03/1975,Nam,\"Thôn Đông, xã Hòa Bình, huyện Kiến Xương, tỉnh Thái Bình\"\n"
    "Trần Thị Mai,01/01/1980,Nữ,\"Số 5 ngõ 12 phố Huế, phường Phạm Đình Hổ, quận Hai Bà Trưng, Hà Nội\"\n"
    "Lê Quang Vinh,1962,Nam,\"Ấp 3, xã Tân Hòa, huyện Châu Thành, tỉnh An Giang\"\n"
    "Phạm Thị Thuỷ,22-11-1999,Nữ,\"Tổ 4, phường Quyết Thắng, thành phố Biên Hòa, Đồng Nai\"\n",
    /* short: one name or place */
    "Nguyễn Thị Hương",
    "Đặng Văn Thắng",
    "Thừa Thiên Huế",
    "Bà Rịa - Vũng Tàu",
    "NGUYỄN VĂN TRƯỜNG",
    "huyện Mường Tè, tỉnh Lai Châu",
};

START_TEST(test_detect)
{
    for (size_t t = 0; t < DC_ARRAY_LEN(det_texts); t++) {
        for (int k = 0; k < 4; k++) {
            size_t n;
            char *b = enc_str(legacy[k], det_texts[t], &n, NULL);
            double conf = -1;
            dc_encoding_t got = dc_detect_encoding(b, n, &conf);
            ck_assert_msg(got == legacy[k], "text %zu in %s detected as %s (conf %.2f)", t,
                          dc_encoding_name(legacy[k]), dc_encoding_name(got), conf);
            ck_assert(conf > 0 && conf <= 1);
            free(b);
        }
        double conf;
        ck_assert_int_eq(dc_detect_encoding(det_texts[t], strlen(det_texts[t]), &conf), DC_ENC_UTF8);
        ck_assert(conf == 1.0);
    }
    /* BOM, ASCII, NFD, a sample cut inside a character */
    double conf;
    ck_assert_int_eq(dc_detect_encoding("\xEF\xBB\xBFho_ten\n", 10, &conf), DC_ENC_UTF8);
    ck_assert_int_eq(dc_detect_encoding("Nguyen Van An", 13, &conf), DC_ENC_UTF8);
    const char nfd[] = "Nguye\xCC\x82\xCC\x83n Va\xCC\x86n";
    ck_assert_int_eq(dc_detect_encoding(nfd, strlen(nfd), &conf), DC_ENC_UTF8);
    ck_assert_int_eq(dc_detect_encoding("Nguy\xE1\xBB", 6, &conf), DC_ENC_UTF8);
    /* mostly UTF-8 with one stray byte: still UTF-8 */
    const char mixed[] = "Nguyễn Văn Hùng, Trần Thị Mai, Hà Nội, Đồng Nai \xFF";
    ck_assert_int_eq(dc_detect_encoding(mixed, strlen(mixed), &conf), DC_ENC_UTF8);
}
END_TEST

START_TEST(test_names)
{
    dc_encoding_t e;
    ck_assert_int_eq(dc_encoding_parse("TCVN3", &e), 0);
    ck_assert_int_eq(e, DC_ENC_TCVN3);
    ck_assert_int_eq(dc_encoding_parse("windows-1258", &e), 0);
    ck_assert_int_eq(e, DC_ENC_CP1258);
    ck_assert_int_eq(dc_encoding_parse("latin1", &e), -1);
    for (int i = 0; i < DC_ENC__COUNT; i++) {
        ck_assert_int_eq(dc_encoding_parse(dc_encoding_name(i), &e), 0);
        ck_assert_int_eq(e, i);
    }
}
END_TEST

static Suite *encoding_suite(void)
{
    Suite *s = suite_create("encoding");
    TCase *tc = dc_test_tcase("core");
    tcase_add_test(tc, test_letters_roundtrip);
    tcase_add_test(tc, test_samples_roundtrip);
    tcase_add_test(tc, test_tcvn3_case);
    tcase_add_test(tc, test_utf8);
    tcase_add_test(tc, test_nfc_clusters);
    tcase_add_test(tc, test_legacy_bad_bytes);
    tcase_add_test(tc, test_encode_replacement);
    tcase_add_test(tc, test_detect);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(encoding_suite(), "encoding"); }

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_text.c - tests of engine/normalize/norm_text.c: the letter table,
 * NFD input, canonical tone placement, keys, title case, Telex/VNI. */
#include "dc_test.h"
#include "normalize/dc_text.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static char *fold(const char *s)
{
    static char out[512];
    dc_buf_t b = DC_BUF_INIT;
    dc_text_fold(s, strlen(s), &b);
    snprintf(out, sizeof out, "%s", b.len ? b.p : "");
    dc_buf_free(&b);
    return out;
}

static char *with(const char *s, int which)
{
    static char out[512];
    dc_text_t t;
    dc_buf_t b = DC_BUF_INIT;
    dc_text_decode(s, strlen(s), &t);
    if (which != 5) dc_text_canon(&t);
    switch (which) {
    case 0: dc_text_put_exact(&t, 0, t.n, &b); break;
    case 1: dc_text_put_ascii(&t, 0, t.n, &b); break;
    case 2: dc_text_put_display(&t, 0, t.n, &b); break;
    case 3: dc_text_put_phon(&t, 0, t.n, &b); break;
    case 4: dc_text_put_compact(&t, 0, t.n, &b); break;
    case 5: dc_text_decode_typed(&t); dc_text_canon(&t); dc_text_put_exact(&t, 0, t.n, &b); break;
    }
    snprintf(out, sizeof out, "%s", b.len ? b.p : "");
    dc_buf_free(&b);
    return out;
}

/* Every precomposed Vietnamese letter (67 lower + 67 upper), built here
 * from utf8proc independently of the engine's table, decodes to itself,
 * and its NFD form decodes to the same thing. */
START_TEST(test_134_letters)
{
    static const char *bases[] = {"a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"};
    static const char *tones[] = {"", "\xcc\x80", "\xcc\x89", "\xcc\x83", "\xcc\x81", "\xcc\xa3"};
    int precomposed = 0;
    for (size_t b = 0; b < 12; b++) {
        for (size_t t = 0; t < 6; t++) {
            char src[16];
            snprintf(src, sizeof src, "%s%s", bases[b], tones[t]);
            char *lower = (char *)utf8proc_NFC((const uint8_t *)src);
            utf8proc_int32_t cp;
            utf8proc_iterate((const uint8_t *)lower, -1, &cp);
            ck_assert_int_eq((int)strlen(lower), utf8proc_encode_char(cp, (uint8_t[4]){0}));
            char upper[8] = {0};
            utf8proc_encode_char(utf8proc_toupper(cp), (uint8_t *)upper);
            precomposed += cp >= 0x80 ? 2 : 0;
            ck_assert_msg(strcmp(fold(lower), lower) == 0, "%s -> %s", lower, fold(lower));
            ck_assert_msg(strcmp(fold(upper), lower) == 0, "%s -> %s", upper, fold(upper));
            char *nfd = (char *)utf8proc_NFD((const uint8_t *)upper);
            ck_assert_msg(strcmp(fold(nfd), lower) == 0, "NFD of %s", upper);
            free(nfd);
            /* display form: upper case first letter */
            ck_assert_str_eq(with(lower, 2), upper);
            free(lower);
        }
    }
    ck_assert_str_eq(fold("Đ"), "đ");
    ck_assert_str_eq(fold("đ"), "đ");
    ck_assert_str_eq(with("đ", 2), "Đ");
    ck_assert_str_eq(with("Đ", 1), "d");
    precomposed += 2;   /* đ, Đ */
    ck_assert_int_eq(precomposed, 134);
}
END_TEST

/* Canonical tone placement: old and new style give one form. */
START_TEST(test_tone_placement)
{
    static const struct { const char *in, *out; } cases[] = {
        {"hoà", "hòa"}, {"hòa", "hòa"}, {"HOÀ", "hòa"}, {"Hoà", "hòa"},
        {"thuý", "thúy"}, {"thúy", "thúy"}, {"THUÝ", "thúy"},
        {"khoẻ", "khỏe"}, {"khỏe", "khỏe"},
        {"thuỷ", "thủy"}, {"thủy", "thủy"}, {"Thuỵ", "thụy"}, {"thụy", "thụy"},
        {"loè", "lòe"}, {"xoà", "xòa"}, {"toả", "tỏa"}, {"hoạ", "họa"}, {"oà", "òa"},
        {"quỳnh", "quỳnh"}, {"quý", "quý"}, {"quí", "quí"}, {"quả", "quả"}, {"quốc", "quốc"},
        {"qúy", "quý"}, {"qùynh", "quỳnh"}, {"quyết", "quyết"}, {"quyêt́", "quyết"},
        {"giá", "giá"}, {"gía", "giá"}, {"gì", "gì"}, {"gìn", "gìn"}, {"giữ", "giữ"},
        {"giữa", "giữa"}, {"gíưa", "giứa"}, {"giường", "giường"}, {"gịêng", "giệng"},
        {"hoàng", "hoàng"}, {"hòang", "hoàng"}, {"tóan", "toán"}, {"toán", "toán"},
        {"thuyền", "thuyền"}, {"thùyên", "thuyền"}, {"huỳnh", "huỳnh"}, {"hùynh", "huỳnh"},
        {"khuỷu", "khuỷu"}, {"khủyu", "khuỷu"}, {"xoài", "xoài"}, {"xòai", "xoài"},
        {"ngoáy", "ngoáy"}, {"ngóay", "ngoáy"},
        {"mía", "mía"}, {"miá", "mía"}, {"múa", "múa"}, {"muá", "múa"}, {"mùi", "mùi"},
        {"muì", "mùi"}, {"hài", "hài"}, {"haì", "hài"}, {"cáo", "cáo"}, {"caó", "cáo"},
        {"người", "người"}, {"ngươì", "người"}, {"ngừơi", "người"}, {"rượu", "rượu"},
        {"rựơu", "rượu"}, {"hưu", "hưu"}, {"cừu", "cừu"}, {"cưù", "cừu"},
        {"thuế", "thuế"}, {"thúê", "thuế"}, {"khuya", "khuya"}, {"tuổi", "tuổi"},
        {"tủôi", "tuổi"}, {"yến", "yến"}, {"ýên", "yến"}, {"nguyễn", "nguyễn"},
        {"nguỹên", "nguyễn"}, {"ngũyên", "nguyễn"}, {"thưởng", "thưởng"}, {"thửơng", "thưởng"},
        {"uy", "uy"}, {"úy", "úy"}, {"uý", "úy"}, {"ủy", "ủy"}, {"uỷ", "ủy"},
        {"hoè", "hòe"}, {"khoè", "khòe"}, {"lòa", "lòa"}, {"loà", "lòa"},
        {"Thanh Hoá", "thanh hóa"}, {"Hoà Bình", "hòa bình"}, {"Thuỵ Khuê", "thụy khuê"},
        /* not Vietnamese syllables: tones stay where they were */
        {"h'rê", "h'rê"}, {"ksơr", "ksơr"}, {"mnông", "mnông"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(strcmp(fold(cases[i].in), cases[i].out) == 0, "%s -> %s, want %s", cases[i].in,
                      fold(cases[i].in), cases[i].out);
}
END_TEST

START_TEST(test_nfd_and_whitespace)
{
    /* NFD (Windows-1258 style): base + combining marks in either order */
    ck_assert_str_eq(fold("Nguye\xcc\x82\xcc\x83n Va\xcc\x86n An"), "nguyễn văn an");
    ck_assert_str_eq(fold("Nguye\xcc\x83\xcc\x82n"), "nguyễn");
    ck_assert_str_eq(fold("Ho\xcc\x80\x61"), "hòa");
    ck_assert_str_eq(fold("Hoa\xcc\x80"), "hòa");
    ck_assert_str_eq(fold("Tru\xcc\x9bo\xcc\x9b\xcc\x80ng"), "trường");
    ck_assert_str_eq(fold("  Nguyễn\t Văn \u00a0 An  "), "nguyễn văn an");
    ck_assert_str_eq(fold("Nguyễn-Văn-An"), "nguyễn văn an");
    ck_assert_str_eq(fold("Nguyễn, Văn. An;"), "nguyễn văn an");
    ck_assert_str_eq(fold("H’Mông"), "h'mông");
    ck_assert_str_eq(fold("H`Mông"), "h'mông");
    ck_assert_str_eq(fold("K' Lan"), "k lan");
    ck_assert_str_eq(fold("\xc3\x90\xe1\xbb\x97"), "đỗ");   /* Ð (U+00D0) for Đ */
    ck_assert_str_eq(fold("NGUYỄN VĂN AN"), "nguyễn văn an");
    ck_assert_str_eq(fold("nGuYễN vĂn aN"), "nguyễn văn an");
    ck_assert_str_eq(fold(""), "");
    ck_assert_str_eq(fold("   "), "");
    ck_assert_str_eq(fold("\xff\xfe" "An"), "an");   /* invalid bytes dropped */
    ck_assert_str_eq(fold("Müller"), "müller");
    ck_assert_str_eq(fold("李小龙"), "李小龙");
    /* 2026-11-26 regressions found by fuzz_norm (the exact key must be a
     * fixed point): İ lowers to a plain i; a tone mark after a digit is
     * dropped; a tone typed after a consonant is dropped when a vowel has
     * one, moved to the vowel otherwise; a digit or letter cut by the
     * token length limit does not count */
    ck_assert_str_eq(fold("İ"), "i");
    dc_text_t t;
    dc_text_decode("y2\xcc\x83", 4, &t);
    ck_assert(!(t.flags & DC_TXT_DIACRITICS));
    ck_assert_str_eq(fold("y\xcc\x83" "et\xcc\x83n"), "yẽtn");
    ck_assert_str_eq(fold("quyet\xcc\x81"), "quyét");
    dc_text_decode("abcdefghijklmnopqrstuvwxy9", 26, &t);
    ck_assert(!(t.flags & DC_TXT_DIGITS));
    ck_assert(t.flags & DC_TXT_TRUNC);
}
END_TEST

START_TEST(test_keys)
{
    static const struct { const char *in, *exact, *ascii, *display, *compact; } cases[] = {
        {"NGUYỄN VĂN AN", "nguyễn văn an", "nguyen van an", "Nguyễn Văn An", "nguyenvanan"},
        {"đặng thị hoà", "đặng thị hòa", "dang thi hoa", "Đặng Thị Hòa", "dangthihoa"},
        {"ĐỖ ĐỨC ĐẠT", "đỗ đức đạt", "do duc dat", "Đỗ Đức Đạt", "doducdat"},
        {"h'mông", "h'mông", "h'mong", "H'Mông", "hmong"},
        {"lê  thị   thuý", "lê thị thúy", "le thi thuy", "Lê Thị Thúy", "lethithuy"},
        {"ưng hoàng phúc", "ưng hoàng phúc", "ung hoang phuc", "Ưng Hoàng Phúc", "unghoangphuc"},
        {"ÂU DƯƠNG", "âu dương", "au duong", "Âu Dương", "auduong"},
        {"ơn", "ơn", "on", "Ơn", "on"},
        {"y", "y", "y", "Y", "y"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_str_eq(with(cases[i].in, 0), cases[i].exact);
        ck_assert_str_eq(with(cases[i].in, 1), cases[i].ascii);
        ck_assert_str_eq(with(cases[i].in, 2), cases[i].display);
        ck_assert_str_eq(with(cases[i].in, 4), cases[i].compact);
    }
}
END_TEST

/* Phonetic key: the confusions of real registers fold together. */
START_TEST(test_phonetic)
{
    static const struct { const char *a, *b; int same; } cases[] = {
        {"Dung", "Giung", 1}, {"Dũng", "Vũng", 1}, {"Dung", "Rung", 1}, {"Dương", "Giương", 1},
        {"Trang", "Chang", 1}, {"Trâm", "Châm", 1}, {"Sơn", "Xơn", 1}, {"Sang", "Xang", 1},
        {"Lan", "Nan", 1}, {"Loan", "Noan", 1}, {"Lâm", "Nâm", 1},
        {"Toàn", "Toàng", 1}, {"Vân", "Vâng", 1}, {"Bát", "Bác", 1}, {"Phúc", "Phút", 1},
        {"Thúy", "Thúi", 1}, {"Vy", "Vi", 1}, {"Huy", "Hui", 1}, {"Ly", "Li", 1},
        {"Phong", "Fong", 1}, {"Khánh", "Khanh", 1}, {"Kim", "Cim", 1}, {"Quang", "Quan", 1},
        {"Nghĩa", "Ngĩa", 1}, {"Nghi", "Ngi", 1}, {"Ghi", "Gi", 0}, {"Ghềnh", "Gềnh", 1},
        {"Đạt", "Dat", 1}, {"Giang", "Zang", 1}, {"Gìn", "Zin", 1},
        {"An", "Anh", 0}, {"Minh", "Min", 0}, {"Hoa", "Hoà", 1}, {"Thu", "Thư", 1},
        {"Hùng", "Hưng", 1}, {"Tâm", "Tam", 1}, {"Nam", "Lam", 1}, {"Bình", "Vinh", 0},
        {"Hải", "Hai", 1}, {"Tuấn", "Tuân", 1}, {"Khoa", "Hoa", 0}, {"Thanh", "Tanh", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char a[64];
        snprintf(a, sizeof a, "%s", with(cases[i].a, 3));
        const char *b = with(cases[i].b, 3);
        ck_assert_msg((strcmp(a, b) == 0) == cases[i].same, "%s (%s) vs %s (%s): want %s",
                      cases[i].a, a, cases[i].b, b, cases[i].same ? "same" : "different");
    }
}
END_TEST

START_TEST(test_telex_vni)
{
    static const struct { const char *in, *out; } cases[] = {
        {"Nguyeenx Vawn Aan", "nguyễn văn ân"},
        {"Nguyeenx Vawn An", "nguyễn văn an"},
        {"Nguyeexn Vawn An", "nguyễn văn an"},
        {"Traafn Thij Hoaf", "trần thị hòa"},
        {"Traafn Thij Hofa", "trần thị hòa"},
        {"Lee Thij Thuyr", "lê thị thủy"},
        {"Ddawngj Quoocs Khanhs", "đặng quốc khánh"},
        {"Ddoox Ddwcs Ddatj", "đỗ đức đạt"},
        {"Truwowngf", "trường"},
        {"Truowngf Thij Nguyeetj", "trường thị nguyệt"},
        {"Phamj Ngocj Nghiax", "phạm ngọc nghĩa"},
        {"Hoangf Gia Huy", "hoàng gia huy"},
        {"Buif Xuaan Quys", "bùi xuân quý"},
        {"Nguye64n Va8n A6n", "nguyễn văn ân"},
        {"Tra62n Thi5 Hoa2", "trần thị hòa"},
        {"D9a85ng Quo61c Kha1nh", "đặng quốc khánh"},
        {"Tru7o72ng", "trường"},
        {"Le6 Thi5 Thu3y", "lê thị thủy"},
        /* not decoded: plain ASCII names, mixed tokens that are not syllables */
        {"Nguyen Van An", "nguyen van an"},
        {"Ksor H'Bia", "ksor h'bia"},
        {"Nguyeenx Ksor", "nguyeenx ksor"},
        {"Nguyen Van 2", "nguyen van 2"},
        {"Rmah Dok", "rmah dok"},
        {"Thomas Hoang", "thomas hoang"},
        {"Nguyễn Văn Ann", "nguyễn văn ann"},   /* already has diacritics */
        {"Xoong", "xông"},
        {"lo00 o0000o", "lo00 o0000o"},   /* keys that add no diacritic: not decoded (fuzz_norm) */   /* "oo" is Telex for ô: the rare word xoong is read as typed keys */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(strcmp(with(cases[i].in, 5), cases[i].out) == 0, "%s -> %s, want %s",
                      cases[i].in, with(cases[i].in, 5), cases[i].out);
}
END_TEST

START_TEST(test_valid_syllable)
{
    static const struct { const char *s; int ok; } cases[] = {
        {"nguyễn", 1}, {"văn", 1}, {"an", 1}, {"quỳnh", 1}, {"giá", 1}, {"gì", 1}, {"trường", 1},
        {"khuỷu", 1}, {"xoài", 1}, {"nghĩa", 1}, {"đạt", 1}, {"đức", 1}, {"thuyền", 1},
        {"ksor", 0}, {"mnông", 0}, {"thomas", 0}, {"xyz", 0}, {"ngh", 0}, {"bac", 0}, {"bác", 1},
        {"bàc", 0}, {"quoc", 0}, {"quốc", 1}, {"q", 0}, {"qa", 0}, {"hbia", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dc_text_t t;
        dc_text_decode(cases[i].s, strlen(cases[i].s), &t);
        ck_assert_int_eq(t.n, 1);
        ck_assert_msg(dc_token_valid_syllable(&t.t[0], 1) == cases[i].ok, "%s", cases[i].s);
    }
}
END_TEST

START_TEST(test_flags)
{
    dc_text_t t;
    dc_text_decode("Nguyen Van An", 13, &t);
    ck_assert(!(t.flags & DC_TXT_DIACRITICS));
    dc_text_decode("Nguyễn Văn An", strlen("Nguyễn Văn An"), &t);
    ck_assert(t.flags & DC_TXT_DIACRITICS);
    dc_text_decode("An 123", 6, &t);
    ck_assert(t.flags & DC_TXT_DIGITS);
    dc_text_decode("An (Bé)", strlen("An (Bé)"), &t);
    ck_assert(t.flags & DC_TXT_PUNCT);
    ck_assert_int_eq(t.n, 2);
    dc_text_decode("Hoà", strlen("Hoà"), &t);
    dc_text_canon(&t);
    ck_assert(t.flags & DC_TXT_MOVED_TONE);
    char many[200] = "";
    for (int i = 0; i < 30; i++) strcat(many, "a ");
    dc_text_decode(many, strlen(many), &t);
    ck_assert_int_eq(t.n, DC_TXT_MAXTOK);
    ck_assert(t.flags & DC_TXT_TRUNC);
}
END_TEST

static Suite *text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = dc_test_tcase("core");
    tcase_add_test(tc, test_134_letters);
    tcase_add_test(tc, test_tone_placement);
    tcase_add_test(tc, test_nfd_and_whitespace);
    tcase_add_test(tc, test_keys);
    tcase_add_test(tc, test_phonetic);
    tcase_add_test(tc, test_telex_vni);
    tcase_add_test(tc, test_valid_syllable);
    tcase_add_test(tc, test_flags);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(text_suite(), "text"); }

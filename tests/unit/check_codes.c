/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_codes.c - tests of norm_codes.c: ID numbers, sex, ethnic groups
 * (all 54, both code systems, refusal), religions, nationality, province. */
#include "dc_test.h"
#include "normalize/dc_normalize.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static dc_intern_t *in;
static dc_norm_shared_t *sh0, *sh79, *sh08;

static void setup(void)
{
    in = dc_intern_create();
    dc_norm_opts_t o = {0};
    sh0 = dc_norm_shared_create(in, &o);
    o.ethnic_codes = 1979;
    sh79 = dc_norm_shared_create(in, &o);
    o.ethnic_codes = 2008;
    sh08 = dc_norm_shared_create(in, &o);
}

static void teardown(void)
{
    dc_norm_shared_free(sh0);
    dc_norm_shared_free(sh79);
    dc_norm_shared_free(sh08);
    dc_intern_free(in);
}

/* ------------------------------------------------------------------ IDs */

START_TEST(test_id12)
{
    dc_date_t dob1990 = {1990, 8, 15, DC_PREC_DAY, 0}, dob2005 = {2005, 1, 2, DC_PREC_DAY, 0};
    static const struct {
        const char *in;
        uint8_t sex;
        int dob;   /* 0 none, 1 = 1990, 2 = 2005 */
        uint64_t val;
        uint16_t flags;
    } cases[] = {
        {"001090012345", DC_SEX_MALE, 1, 1090012345ull, DC_ID_PRESENT | DC_ID_VALID},
        {"001190012345", DC_SEX_FEMALE, 1, 1190012345ull, DC_ID_PRESENT | DC_ID_VALID},
        {"079205001234", DC_SEX_MALE, 2, 79205001234ull, DC_ID_PRESENT | DC_ID_VALID},
        {"079305001234", DC_SEX_FEMALE, 2, 79305001234ull, DC_ID_PRESENT | DC_ID_VALID},
        {"001 090 012 345", DC_SEX_MALE, 1, 1090012345ull, DC_ID_PRESENT | DC_ID_VALID},
        {"001.090.012.345", DC_SEX_MALE, 1, 1090012345ull, DC_ID_PRESENT | DC_ID_VALID},
        {"001-090-012345", DC_SEX_MALE, 1, 1090012345ull, DC_ID_PRESENT | DC_ID_VALID},
        {"'001090012345", DC_SEX_MALE, 1, 1090012345ull, DC_ID_PRESENT | DC_ID_VALID},
        {"001090012345.0", DC_SEX_MALE, 1, 1090012345ull, DC_ID_PRESENT | DC_ID_VALID},
        {"1090012345.00", DC_SEX_MALE, 1, 0, DC_ID_PRESENT | DC_ID_BAD_LENGTH},
        {"01090012345", DC_SEX_MALE, 1, 1090012345ull, DC_ID_PRESENT | DC_ID_VALID | DC_ID_ZERO_RESTORED},
        {"001090012345", DC_SEX_FEMALE, 1, 1090012345ull, DC_ID_PRESENT | DC_ID_VALID | DC_ID_SEX_MISMATCH},
        {"001190012345", DC_SEX_MALE, 1, 1190012345ull, DC_ID_PRESENT | DC_ID_VALID | DC_ID_SEX_MISMATCH},
        {"001091012345", DC_SEX_MALE, 1, 1091012345ull, DC_ID_PRESENT | DC_ID_VALID | DC_ID_YEAR_MISMATCH},
        {"001290012345", DC_SEX_MALE, 1, 1290012345ull, DC_ID_PRESENT | DC_ID_BAD_YEAR | DC_ID_YEAR_MISMATCH},
        {"001205012345", DC_SEX_MALE, 1, 1205012345ull, DC_ID_PRESENT | DC_ID_VALID | DC_ID_YEAR_MISMATCH},
        {"001305012345", DC_SEX_MALE, 2, 1305012345ull,
         DC_ID_PRESENT | DC_ID_VALID | DC_ID_SEX_MISMATCH},
        {"001090012345", DC_SEX_UNKNOWN, 0, 1090012345ull, DC_ID_PRESENT | DC_ID_VALID},
        {"001090012345", DC_SEX_CODE1, 0, 1090012345ull, DC_ID_PRESENT | DC_ID_VALID},
        {"003090012345", DC_SEX_MALE, 1, 3090012345ull, DC_ID_PRESENT | DC_ID_BAD_PROVINCE},
        {"097090012345", DC_SEX_MALE, 1, 97090012345ull, DC_ID_PRESENT | DC_ID_BAD_PROVINCE},
        {"000000000000", DC_SEX_MALE, 0, 0, DC_ID_PRESENT | DC_ID_BAD_PROVINCE},
        {"001490012345", DC_SEX_MALE, 0, 1490012345ull, DC_ID_PRESENT | DC_ID_BAD_YEAR},
        {"001890012345", DC_SEX_MALE, 0, 1890012345ull, DC_ID_PRESENT | DC_ID_BAD_YEAR},
        {"001230012345", DC_SEX_MALE, 0, 1230012345ull, DC_ID_PRESENT | DC_ID_BAD_YEAR},
        {"001226012345", DC_SEX_MALE, 0, 1226012345ull, DC_ID_PRESENT | DC_ID_VALID},
        {"0010900123", DC_SEX_MALE, 0, 0, DC_ID_PRESENT | DC_ID_BAD_LENGTH},
        {"0010900123456", DC_SEX_MALE, 0, 0, DC_ID_PRESENT | DC_ID_BAD_LENGTH},
        {"00109001234A", DC_SEX_MALE, 0, 0, DC_ID_PRESENT | DC_ID_NOT_DIGITS},
        {"1.0901E+09", DC_SEX_MALE, 0, 0, DC_ID_PRESENT | DC_ID_NOT_DIGITS | DC_ID_MANGLED},
        {"", DC_SEX_MALE, 0, 0, 0},
        {"   ", DC_SEX_MALE, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t fl;
        const dc_date_t *dob = cases[i].dob == 1 ? &dob1990 : cases[i].dob == 2 ? &dob2005 : NULL;
        uint64_t v = dc_norm_id12(sh0, cases[i].in, strlen(cases[i].in), cases[i].sex, dob, &fl);
        ck_assert_msg(v == cases[i].val && fl == cases[i].flags, "'%s': %llu %#x, want %llu %#x",
                      cases[i].in, (unsigned long long)v, fl, (unsigned long long)cases[i].val,
                      cases[i].flags);
    }
    /* 11 digits: the lost leading zero is put back */
    uint16_t fl;
    uint64_t v = dc_norm_id12(sh0, "79090012345", 11, DC_SEX_MALE, &dob1990, &fl);
    ck_assert_uint_eq(v, 79090012345ull);
    ck_assert_uint_eq(fl, DC_ID_PRESENT | DC_ID_VALID | DC_ID_ZERO_RESTORED);
    /* every official province code is accepted, others are not */
    int valid = 0;
    for (int p = 0; p < 1000; p++) {
        char s[32];
        snprintf(s, sizeof s, "%03d090012345", p % 1000);
        dc_norm_id12(sh0, s, 12, DC_SEX_MALE, NULL, &fl);
        valid += (fl & DC_ID_VALID) != 0;
    }
    ck_assert_int_eq(valid, 63);
    dc_buf_t b = DC_BUF_INIT;
    dc_id_flags_str(DC_ID_PRESENT | DC_ID_SEX_MISMATCH, &b);
    ck_assert_str_eq(b.p, "present|sex_mismatch");
    dc_buf_free(&b);
}
END_TEST

START_TEST(test_cmnd)
{
    static const struct { const char *in; uint64_t val; uint16_t flags; } cases[] = {
        {"012345678", 12345678ull, DC_ID_PRESENT | DC_ID_VALID},
        {"012 345 678", 12345678ull, DC_ID_PRESENT | DC_ID_VALID},
        {"12345678.0", 12345678ull, DC_ID_PRESENT | DC_ID_VALID | DC_ID_ZERO_RESTORED},
        {"012.345.678", 12345678ull, DC_ID_PRESENT | DC_ID_VALID},
        {"12345678", 12345678ull, DC_ID_PRESENT | DC_ID_VALID | DC_ID_ZERO_RESTORED},
        {"271234567", 271234567ull, DC_ID_PRESENT | DC_ID_VALID},
        {"001090012345", 1090012345ull, DC_ID_PRESENT | DC_ID_VALID | DC_ID_CMND12},
        {"999090012345", 999090012345ull, DC_ID_PRESENT | DC_ID_CMND12 | DC_ID_BAD_PROVINCE},
        {"000000000", 0, DC_ID_PRESENT | DC_ID_BAD_PROVINCE},
        {"1234567", 0, DC_ID_PRESENT | DC_ID_BAD_LENGTH},
        {"1234567890", 0, DC_ID_PRESENT | DC_ID_BAD_LENGTH},
        {"12345678X", 0, DC_ID_PRESENT | DC_ID_NOT_DIGITS},
        {"", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t fl;
        uint64_t v = dc_norm_cmnd(sh0, cases[i].in, strlen(cases[i].in), &fl);
        ck_assert_msg(v == cases[i].val && fl == cases[i].flags, "'%s': %llu %#x", cases[i].in,
                      (unsigned long long)v, fl);
    }
}
END_TEST

/* ------------------------------------------------------------------ sex */

START_TEST(test_sex)
{
    static const struct { const char *in; uint8_t sex; int unrec; } cases[] = {
        {"Nam", DC_SEX_MALE, 0}, {"nam", DC_SEX_MALE, 0}, {"NAM", DC_SEX_MALE, 0},
        {" Nam ", DC_SEX_MALE, 0}, {"M", DC_SEX_MALE, 0}, {"m", DC_SEX_MALE, 0},
        {"Male", DC_SEX_MALE, 0}, {"MALE", DC_SEX_MALE, 0}, {"Trai", DC_SEX_MALE, 0},
        {"Con trai", DC_SEX_MALE, 0}, {"Nam giới", DC_SEX_MALE, 0}, {"Đàn ông", DC_SEX_MALE, 0},
        {"Nữ", DC_SEX_FEMALE, 0}, {"nữ", DC_SEX_FEMALE, 0}, {"NỮ", DC_SEX_FEMALE, 0},
        {"nu", DC_SEX_FEMALE, 0}, {"NU", DC_SEX_FEMALE, 0}, {"Nu\xcc\x83", DC_SEX_FEMALE, 0},
        {"F", DC_SEX_FEMALE, 0}, {"f", DC_SEX_FEMALE, 0}, {"Female", DC_SEX_FEMALE, 0},
        {"Gái", DC_SEX_FEMALE, 0}, {"gai", DC_SEX_FEMALE, 0}, {"Con gái", DC_SEX_FEMALE, 0},
        {"Nữ giới", DC_SEX_FEMALE, 0}, {"Phụ nữ", DC_SEX_FEMALE, 0},
        {"1", DC_SEX_CODE1, 0}, {"0", DC_SEX_CODE0, 0}, {"2", DC_SEX_CODE2, 0},
        {"", DC_SEX_UNKNOWN, 0}, {"Không rõ", DC_SEX_UNKNOWN, 0}, {"Khác", DC_SEX_UNKNOWN, 0},
        {"KXĐ", DC_SEX_UNKNOWN, 0}, {"abc", DC_SEX_UNKNOWN, 1}, {"3", DC_SEX_UNKNOWN, 1},
        {"Nam Nữ", DC_SEX_UNKNOWN, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int unrec;
        uint8_t s = dc_norm_sex(cases[i].in, strlen(cases[i].in), &unrec);
        ck_assert_msg(s == cases[i].sex && unrec == cases[i].unrec, "'%s': %d %d", cases[i].in, s, unrec);
    }
    ck_assert_str_eq(dc_sex_name(DC_SEX_FEMALE), "female");
}
END_TEST

/* --------------------------------------------------------------- ethnic */

static void strip(const char *s, char *out, size_t cap)
{
    uint8_t *r = NULL;
    utf8proc_map((const uint8_t *)s, 0, &r, UTF8PROC_NULLTERM | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK);
    size_t k = 0;
    for (const char *p = (const char *)r; *p && k + 2 < cap;) {
        if (!strncmp(p, "đ", 2) || !strncmp(p, "Đ", 2)) { out[k++] = 'd'; p += 2; }
        else out[k++] = *p++;
    }
    out[k] = 0;
    free(r);
}

static uint8_t eth(dc_norm_shared_t *sh, const char *s, uint8_t *fl)
{
    *fl = 0;
    return dc_norm_ethnic(sh, s, strlen(s), fl);
}

START_TEST(test_ethnic_all54)
{
    uint8_t fl;
    int seen79[55] = {0};
    for (int c = 1; c <= 54; c++) {
        const char *name = dc_ethnic_name((uint8_t)c);
        ck_assert(name[0]);
        char buf[128], up[128];
        ck_assert_int_eq(eth(sh0, name, &fl), c);
        ck_assert_uint_eq(fl, 0);
        strip(name, buf, sizeof buf);
        ck_assert_msg(eth(sh0, buf, &fl) == c, "%s", buf);
        size_t k = 0;
        for (const uint8_t *p = (const uint8_t *)name; *p;) {
            utf8proc_int32_t cp;
            p += utf8proc_iterate(p, -1, &cp);
            k += (size_t)utf8proc_encode_char(utf8proc_toupper(cp), (uint8_t *)up + k);
        }
        up[k] = 0;
        ck_assert_msg(eth(sh0, up, &fl) == c, "%s", up);
        snprintf(buf, sizeof buf, "Dân tộc %s", name);
        ck_assert_msg(eth(sh0, buf, &fl) == c, "%s", buf);
        /* hyphenated and joined spellings */
        snprintf(buf, sizeof buf, "%s", name);
        for (char *p = buf; *p; p++) if (*p == ' ') *p = '-';
        ck_assert_msg(eth(sh0, buf, &fl) == c, "%s", buf);
        /* numeric codes under both systems */
        char num[8];
        snprintf(num, sizeof num, "%02d", c);
        ck_assert_int_eq(eth(sh08, num, &fl), c);
        snprintf(num, sizeof num, "%d", c);
        ck_assert_int_eq(eth(sh08, num, &fl), c);
        int c79 = dc_ethnic_code_1979((uint8_t)c);
        ck_assert(c79 >= 1 && c79 <= 54);
        ck_assert(!seen79[c79]);
        seen79[c79] = 1;
        snprintf(num, sizeof num, "%02d", c79);
        ck_assert_int_eq(eth(sh79, num, &fl), c);
        /* without the option: accepted only where both lists agree */
        uint8_t r = eth(sh0, num, &fl);
        if (c79 == c) {
            ck_assert_int_eq(r, c);
            ck_assert_uint_eq(fl, 0);
        } else {
            snprintf(num, sizeof num, "%02d", c);
            r = eth(sh0, num, &fl);
            int other79 = 0;
            for (int x = 1; x <= 54; x++) if (dc_ethnic_code_1979((uint8_t)x) == c) other79 = x;
            if (other79 != c) {
                ck_assert_int_eq(r, 0);
                ck_assert(fl & DC_CODE_ETHNIC_REFUSED);
            }
        }
    }
}
END_TEST

START_TEST(test_ethnic_variants)
{
    static const struct { const char *in; int code; } cases[] = {
        {"Kinh", 1}, {"KINH", 1}, {"kinh", 1}, {"Việt", 1}, {"Kinh (Việt)", 1}, {"DT Kinh", 1},
        {"Người Kinh", 1}, {"Tày", 2}, {"Tay", 2}, {"Thái", 3}, {"Mường", 4}, {"Muong", 4},
        {"Khmer", 5}, {"Khơ-me", 5}, {"Khơ me", 5}, {"Khome", 5}, {"Hoa", 6}, {"Hán", 6},
        {"Nùng", 7}, {"Mông", 8}, {"H'Mông", 8}, {"H’Mông", 8}, {"Hmông", 8}, {"HMông", 8},
        {"HMONG", 8}, {"Mèo", 8}, {"Meo", 8}, {"Dao", 9}, {"Mán", 0} /* Dao or Sán Dìu */, {"Gia Rai", 10},
        {"Gia-rai", 10}, {"Jrai", 10}, {"Giarai", 10}, {"Ê Đê", 11}, {"Ê-đê", 11}, {"Êđê", 11},
        {"Ede", 11}, {"E De", 11}, {"Ba Na", 12}, {"Bahnar", 12}, {"Ba-na", 12},
        {"Sán Chay", 13}, {"Cao Lan", 13}, {"Sán Chỉ", 13}, {"Chăm", 14}, {"Chàm", 14},
        {"Cơ Ho", 15}, {"Cơ-ho", 15}, {"K'Ho", 15}, {"Xơ Đăng", 16}, {"Xơ-đăng", 16},
        {"Sedang", 16}, {"Sán Dìu", 17}, {"Hrê", 18}, {"H'rê", 18}, {"Ra Glai", 19},
        {"Ra-glai", 19}, {"Raglai", 19}, {"RaGlay", 19}, {"Mnông", 20}, {"M'Nông", 20},
        {"Thổ", 21}, {"Xtiêng", 22}, {"X'tiêng", 22}, {"Stiêng", 22}, {"Khơ Mú", 23},
        {"Khơ-mú", 23}, {"Khmu", 23}, {"Bru-Vân Kiều", 24}, {"Vân Kiều", 24}, {"Cơ Tu", 25},
        {"Katu", 25}, {"Giáy", 26}, {"Tà Ôi", 27}, {"Tà-ôi", 27}, {"Pa Cô", 27}, {"Mạ", 28},
        {"Giẻ Triêng", 29}, {"Gié-Triêng", 29}, {"Gié Triêng", 29}, {"Giẻ-Triêng", 29},
        {"Co", 30}, {"Chơ Ro", 31}, {"Chơ-ro", 31}, {"Xinh Mun", 32}, {"Xinh-mun", 32},
        {"Hà Nhì", 33}, {"Chu Ru", 34}, {"Chu-ru", 34}, {"Lào", 35}, {"La Chí", 36},
        {"Kháng", 37}, {"Phù Lá", 38}, {"La Hủ", 39}, {"La Ha", 40}, {"Pà Thẻn", 41},
        {"Lự", 42}, {"Ngái", 43}, {"Chứt", 44}, {"Lô Lô", 45}, {"Mảng", 46}, {"Cơ Lao", 47},
        {"Co Lao", 47}, {"Cờ Lao", 47}, {"Bố Y", 48}, {"Cống", 49}, {"Si La", 50},
        {"Pu Péo", 51}, {"Rơ Măm", 52}, {"Rơ-măm", 52}, {"Brâu", 53}, {"Ơ Đu", 54},
        {"Thổ (4)", 21}, {"Nhắng", 26}, {"Tày Đăm", 3},
        /* not recognised */
        {"Xyz", 0}, {"Người nước ngoài", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t fl;
        ck_assert_msg(eth(sh0, cases[i].in, &fl) == cases[i].code, "'%s' -> %d", cases[i].in,
                      eth(sh0, cases[i].in, &fl));
        if (!cases[i].code) ck_assert(fl & DC_CODE_ETHNIC_UNRECOGNIZED);
    }
    uint8_t fl;
    /* the two official lists disagree: 04 is Hoa (1979) or Mường (2008) */
    ck_assert_int_eq(eth(sh79, "04", &fl), 6);
    ck_assert_int_eq(eth(sh08, "04", &fl), 4);
    ck_assert_int_eq(eth(sh0, "04", &fl), 0);
    ck_assert(fl & DC_CODE_ETHNIC_REFUSED);
    ck_assert_int_eq(eth(sh79, "12", &fl), 11);   /* Ê-đê */
    ck_assert_int_eq(eth(sh79, "11", &fl), 43);   /* Ngái */
    ck_assert_int_eq(eth(sh0, "01", &fl), 1);     /* same in both */
    ck_assert_uint_eq(fl, 0);
    ck_assert_int_eq(eth(sh0, "99", &fl), 0);
    ck_assert_uint_eq(fl, 0);
    ck_assert_int_eq(eth(sh0, "77", &fl), 0);
    ck_assert(fl & DC_CODE_ETHNIC_UNRECOGNIZED);
    ck_assert_int_eq(eth(sh0, "", &fl), 0);
    ck_assert_uint_eq(fl, 0);
    /* 2026-11-26: fields are not NUL-terminated: "1" followed in memory by
     * "2" is code 1, not 12 (found by fuzz_norm) */
    ck_assert_int_eq(dc_norm_ethnic(sh08, "12", 1, &fl), 1);
    uint8_t fl2 = 0;
    ck_assert_int_eq(dc_norm_religion(sh0, "12", 1, &fl2), 1);
    ck_assert_int_eq(dc_norm_nationality(sh0, "7049", 3, &fl2), 704);
    ck_assert_int_eq(dc_norm_province(sh0, "79x", 2), 79);
    ck_assert_str_eq(dc_ethnic_name(8), "Mông");
    ck_assert_str_eq(dc_ethnic_name(0), "");
}
END_TEST

/* ------------------------------------------------- religion, nationality */

START_TEST(test_religion)
{
    static const struct { const char *in; int code; } cases[] = {
        {"Phật giáo", 1}, {"PHẬT GIÁO", 1}, {"Phat giao", 1}, {"Đạo Phật", 1}, {"Phật", 1},
        {"Công giáo", 2}, {"Thiên Chúa giáo", 2}, {"Thiên chúa", 2}, {"Đạo Thiên Chúa", 2},
        {"Phật giáo Hòa Hảo", 3}, {"Phật giáo Hoà Hảo", 3}, {"Hòa Hảo", 3}, {"Hồi giáo", 4},
        {"Islam", 4}, {"Cao Đài", 5}, {"Cao đài", 5}, {"Đạo Cao Đài", 5}, {"Minh Sư đạo", 6},
        {"Minh Lý đạo", 7}, {"Tin Lành", 8}, {"Tin lành", 8}, {"Đạo Tin Lành", 8},
        {"Tịnh độ Cư sĩ Phật hội Việt Nam", 9}, {"Tứ Ân Hiếu Nghĩa", 10},
        {"Đạo Tứ ấn hiếu nghĩa", 10}, {"Bửu Sơn Kỳ Hương", 11}, {"Baha'i", 12},
        {"Đạo Ba Ha'i", 12}, {"Bà La Môn", 13}, {"Bà-la-môn", 13}, {"Mặc Môn", 14},
        {"Mormon", 14}, {"01", 1}, {"1", 1}, {"14", 14},
        {"Không", DC_RELIGION_NONE}, {"không", DC_RELIGION_NONE}, {"KHÔNG", DC_RELIGION_NONE},
        {"Không tôn giáo", DC_RELIGION_NONE}, {"Khong", DC_RELIGION_NONE},
        {"00", DC_RELIGION_NONE}, {"0", DC_RELIGION_NONE}, {"KTG", DC_RELIGION_NONE},
        {"", DC_RELIGION_UNKNOWN}, {"Xyz", DC_RELIGION_UNKNOWN}, {"15", DC_RELIGION_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t fl = 0;
        uint8_t r = dc_norm_religion(sh0, cases[i].in, strlen(cases[i].in), &fl);
        ck_assert_msg(r == cases[i].code, "'%s' -> %d", cases[i].in, r);
        ck_assert_int_eq(!!(fl & DC_CODE_RELIGION_UNRECOGNIZED), cases[i].code == 0 && cases[i].in[0]);
    }
    ck_assert_str_eq(dc_religion_name(2), "Công giáo");
    ck_assert_str_eq(dc_religion_name(DC_RELIGION_NONE), "Không");
}
END_TEST

START_TEST(test_nationality)
{
    static const struct { const char *in; int code; } cases[] = {
        {"Việt Nam", 704}, {"VIỆT NAM", 704}, {"Viet Nam", 704}, {"Vietnam", 704}, {"VN", 704},
        {"vn", 704}, {"VNM", 704}, {"704", 704}, {"Quốc tịch Việt Nam", 704},
        {"Trung Quốc", 156}, {"CN", 156}, {"Lào", 418}, {"Campuchia", 116}, {"Cam-pu-chia", 116},
        {"Hàn Quốc", 410}, {"Nhật Bản", 392}, {"Hoa Kỳ", 840}, {"Mỹ", 840}, {"USA", 840},
        {"Pháp", 250}, {"Đài Loan", 158}, {"Thái Lan", 764}, {"Nga", 643}, {"Úc", 36},
        {"036", 36}, {"Đức", 276}, {"Anh", 826},
        {"", 0}, {"Xyz", 0}, {"999", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t fl = 0;
        uint16_t r = dc_norm_nationality(sh0, cases[i].in, strlen(cases[i].in), &fl);
        ck_assert_msg(r == cases[i].code, "'%s' -> %d", cases[i].in, r);
        ck_assert_int_eq(!!(fl & DC_CODE_NATIONALITY_UNRECOGNIZED), cases[i].code == 0 && cases[i].in[0]);
    }
    ck_assert_str_eq(dc_nationality_name(704), "Việt Nam");
}
END_TEST

START_TEST(test_province)
{
    static const struct { const char *in; int code; } cases[] = {
        {"01", 1}, {"1", 1}, {"001", 1}, {"79", 79}, {"Hà Nội", 1}, {"Thành phố Hà Nội", 1},
        {"TP. Hà Nội", 1}, {"HA NOI", 1}, {"Hồ Chí Minh", 79}, {"TP HCM", 79}, {"TP.HCM", 79},
        {"Tỉnh Thái Bình", 34}, {"Thái Bình", 34}, {"Thanh Hoá", 38}, {"Thanh Hóa", 38},
        {"Thừa Thiên Huế", 46}, {"Cà Mau", 96}, {"96", 96}, {"03", 0}, {"97", 0}, {"Xyz", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t r = dc_norm_province(sh0, cases[i].in, strlen(cases[i].in));
        ck_assert_msg(r == cases[i].code, "'%s' -> %d", cases[i].in, r);
    }
}
END_TEST

static Suite *codes_suite(void)
{
    Suite *s = suite_create("codes");
    TCase *tc = dc_test_tcase("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_id12);
    tcase_add_test(tc, test_cmnd);
    tcase_add_test(tc, test_sex);
    tcase_add_test(tc, test_ethnic_all54);
    tcase_add_test(tc, test_ethnic_variants);
    tcase_add_test(tc, test_religion);
    tcase_add_test(tc, test_nationality);
    tcase_add_test(tc, test_province);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(codes_suite(), "codes"); }

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_name.c - tests of name normalization (norm_name.c): variants of one
 * name give one key, the split into surname / middle / given name, flags.
 * The names are synthetic combinations of common name parts. */
#include "dc_test.h"
#include "normalize/dc_normalize.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static dc_intern_t *in;
static dc_norm_shared_t *sh;
static dc_norm_ctx_t *ctx;

static void setup(void)
{
    in = dc_intern_create();
    dc_norm_opts_t o = {0};
    sh = dc_norm_shared_create(in, &o);
    ctx = dc_norm_ctx_create(sh);
}

static void teardown(void)
{
    dc_norm_ctx_free(ctx);
    dc_norm_shared_free(sh);
    dc_intern_free(in);
}

static const char *S(uint32_t id) { return dc_intern_str(in, id, NULL); }

static dc_name_t nm(const char *s)
{
    dc_name_t n;
    dc_norm_name(ctx, s, strlen(s), &n);
    return n;
}

/* Canonical names and their expected split (ascii keys). */
static const struct {
    const char *name, *sur, *mid, *given;
} bases[] = {
    {"Nguyễn Văn An", "nguyen", "van", "an"},
    {"Trần Thị Hòa", "tran", "thi", "hoa"},
    {"Lê Thị Thúy", "le", "thi", "thuy"},
    {"Phạm Minh Khỏe", "pham", "minh", "khoe"},
    {"Hoàng Thị Thủy", "hoang", "thi", "thuy"},
    {"Huỳnh Ngọc Quỳnh", "huynh", "ngoc", "quynh"},
    {"Đặng Quốc Khánh", "dang", "quoc", "khanh"},
    {"Bùi Xuân Quý", "bui", "xuan", "quy"},
    {"Đỗ Đức Đạt", "do", "duc", "dat"},
    {"Võ Thị Hồng Nhung", "vo", "thi hong", "nhung"},
    {"Vũ Hoàng Long", "vu", "hoang", "long"},
    {"Phan Thanh Tùng", "phan", "thanh", "tung"},
    {"Trương Thị Hạnh", "truong", "thi", "hanh"},
    {"Ngô Gia Huy", "ngo", "gia", "huy"},
    {"Dương Văn Thụy", "duong", "van", "thuy"},
    {"Lý Thị Xoan", "ly", "thi", "xoan"},
    {"Hồ Ngọc Hà", "ho", "ngoc", "ha"},
    {"Đinh Thị Khuyên", "dinh", "thi", "khuyen"},
    {"Mai Xuân Thưởng", "mai", "xuan", "thuong"},
    {"Lương Thế Vinh", "luong", "the", "vinh"},
    {"Tôn Thất Hòa", "ton that", NULL, "hoa"},
    {"Tôn Nữ Thị Ngọc Hoa", "ton nu", "thi ngoc", "hoa"},
    {"Âu Dương Phong", "au duong", NULL, "phong"},
    {"Công Tằng Tôn Nữ Thị Lan", "cong tang ton nu", "thi", "lan"},
    {"Nguyễn Lê Minh Anh", "nguyen", "le minh", "anh"},
    {"Giàng A Páo", "giang", "a", "pao"},
    {"Lò Văn Thoại", "lo", "van", "thoai"},
    {"Quách Tuấn Khoa", "quach", "tuan", "khoa"},
    {"Nghiêm Xuân Nghĩa", "nghiem", "xuan", "nghia"},
    {"Châu Gia Hoà", "chau", "gia", "hoa"},
};

/* Old-style tone placement of a canonical name (oà, uý, oẻ ...). */
static void old_style(const char *s, char *out, size_t cap)
{
    static const struct { const char *a, *b; } sw[] = {
        {"òa", "oà"}, {"óa", "oá"}, {"ỏa", "oả"}, {"õa", "oã"}, {"ọa", "oạ"},
        {"òe", "oè"}, {"óe", "oé"}, {"ỏe", "oẻ"}, {"ùy", "uỳ"}, {"úy", "uý"},
        {"ủy", "uỷ"}, {"ũy", "uỹ"}, {"ụy", "uỵ"},
    };
    snprintf(out, cap, "%s", s);
    for (size_t i = 0; i < sizeof sw / sizeof sw[0]; i++) {
        char *p;
        while ((p = strstr(out, sw[i].a))) {
            size_t la = strlen(sw[i].a), lb = strlen(sw[i].b);
            memmove(p + lb, p + la, strlen(p + la) + 1);
            memcpy(p, sw[i].b, lb);
        }
    }
}

static void map_case(const char *s, char *out, size_t cap, int upper)
{
    uint8_t *r = utf8proc_NFKC_Casefold((const uint8_t *)s);
    if (!upper) { snprintf(out, cap, "%s", r); free(r); return; }
    size_t k = 0;
    const uint8_t *p = r;
    while (*p && k + 5 < cap) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);
        k += (size_t)utf8proc_encode_char(utf8proc_toupper(cp), (uint8_t *)out + k);
        p += n;
    }
    out[k] = 0;
    free(r);
}

static void strip_diacritics(const char *s, char *out, size_t cap)
{
    uint8_t *r = utf8proc_map((const uint8_t *)s, 0, (uint8_t **)&r,
                              UTF8PROC_NULLTERM | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK) >= 0 ? r : NULL;
    size_t k = 0;
    for (const char *p = (const char *)r; p && *p && k + 2 < cap;) {
        if (!strncmp(p, "đ", 2)) { out[k++] = 'd'; p += 2; }
        else if (!strncmp(p, "Đ", 2)) { out[k++] = 'D'; p += 2; }
        else out[k++] = *p++;
    }
    out[k] = 0;
    free(r);
}

/* Every variant of every base name: same keys, same split. */
START_TEST(test_variants)
{
    int checked = 0;
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        dc_name_t ref = nm(bases[i].name);
        ck_assert_str_eq(S(ref.sur), bases[i].sur);
        ck_assert_str_eq(S(ref.mid), bases[i].mid ? bases[i].mid : "");
        ck_assert_str_eq(S(ref.given), bases[i].given);
        ck_assert(ref.has_diacritics);
        char v[8][256];
        int withdia[8] = {1, 1, 1, 1, 1, 1, 0, 0};
        map_case(bases[i].name, v[0], sizeof v[0], 1);
        map_case(bases[i].name, v[1], sizeof v[1], 0);
        uint8_t *nfd = utf8proc_NFD((const uint8_t *)bases[i].name);
        snprintf(v[2], sizeof v[2], "%s", nfd);
        free(nfd);
        old_style(bases[i].name, v[3], sizeof v[3]);
        snprintf(v[4], sizeof v[4], "  %s  ", bases[i].name);
        for (char *p = v[4]; (p = strchr(p, ' ')) && p[1];) {   /* double inner spaces */
            memmove(p + 1, p, strlen(p) + 1);
            p += 2;
        }
        old_style(v[0], v[5], sizeof v[5]);
        strip_diacritics(bases[i].name, v[6], sizeof v[6]);
        map_case(v[6], v[7], sizeof v[7], 1);
        for (int k = 0; k < 8; k++) {
            dc_name_t x = nm(v[k]);
            if (withdia[k]) ck_assert_msg(x.exact == ref.exact, "%s: exact %s vs %s", v[k], S(x.exact), S(ref.exact));
            ck_assert_msg(x.ascii == ref.ascii, "%s: ascii %s", v[k], S(x.ascii));
            ck_assert_msg(x.phon == ref.phon, "%s: phon %s vs %s", v[k], S(x.phon), S(ref.phon));
            ck_assert_msg(x.sur == ref.sur && x.mid == ref.mid && x.given == ref.given,
                          "%s: split %s|%s|%s", v[k], S(x.sur), S(x.mid), S(x.given));
            ck_assert(x.given_phon == ref.given_phon);
            ck_assert_int_eq(x.has_diacritics, withdia[k]);
            ck_assert_int_eq(!!(x.flags & DC_NAME_NO_DIACRITICS), !withdia[k]);
            checked++;
        }
        /* a missing middle name keeps surname and given name */
        if (ref.mid && !(ref.flags & DC_NAME_COMPOUND_SUR)) {
            char shortn[256];
            dc_buf_t b = DC_BUF_INIT;
            dc_norm_display_name(sh, ref.exact, &b);
            const char *first = strchr(b.p, ' '), *last = strrchr(b.p, ' ');
            snprintf(shortn, sizeof shortn, "%.*s%s", (int)(first - b.p), b.p, last);
            dc_name_t x = nm(shortn);
            ck_assert_msg(x.sur == ref.sur && x.given == ref.given && x.mid == 0, "%s", shortn);
            dc_buf_free(&b);
        }
    }
    ck_assert_int_eq(checked, 8 * (int)(sizeof bases / sizeof bases[0]));
}
END_TEST

START_TEST(test_display)
{
    static const struct { const char *in, *out; } cases[] = {
        {"NGUYỄN VĂN AN", "Nguyễn Văn An"}, {"nguyễn văn an", "Nguyễn Văn An"},
        {"trần thị hoà", "Trần Thị Hòa"}, {"ĐỖ ĐỨC ĐẠT", "Đỗ Đức Đạt"},
        {"ksor h'bia", "Ksor H'Bia"}, {"LÊ THỊ THUÝ", "Lê Thị Thúy"},
        {"nguyeenx vawn aan", "Nguyễn Văn Ân"}, {"ÂU DƯƠNG PHONG", "Âu Dương Phong"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dc_name_t x = nm(cases[i].in);
        dc_buf_t b = DC_BUF_INIT;
        dc_norm_display_name(sh, x.exact, &b);
        ck_assert_str_eq(b.p, cases[i].out);
        dc_buf_free(&b);
    }
}
END_TEST

START_TEST(test_typed)
{
    static const struct { const char *typed, *canon; } cases[] = {
        {"Nguyeenx Vawn An", "Nguyễn Văn An"}, {"NGUYEENX VAWN AN", "Nguyễn Văn An"},
        {"Traafn Thij Hoaf", "Trần Thị Hòa"}, {"Ddawngj Quoocs Khanhs", "Đặng Quốc Khánh"},
        {"Buif Xuaan Quys", "Bùi Xuân Quý"}, {"Nguye64n Va8n An", "Nguyễn Văn An"},
        {"Tra62n Thi5 Hoa2", "Trần Thị Hòa"}, {"Ddoox Ddwcs Ddatj", "Đỗ Đức Đạt"},
        {"Huyfnh Ngocj Quyfnh", "Huỳnh Ngọc Quỳnh"}, {"Mai Xuaan Thuwowngr", "Mai Xuân Thưởng"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dc_name_t t = nm(cases[i].typed), c = nm(cases[i].canon);
        ck_assert_msg(t.exact == c.exact, "%s -> %s", cases[i].typed, S(t.exact));
        ck_assert(t.flags & DC_NAME_TELEX);
        ck_assert(!(t.flags & DC_NAME_DIGITS));
        ck_assert(!(c.flags & DC_NAME_TELEX));
    }
    dc_name_t x = nm("Nguyen Van An");
    ck_assert(!(x.flags & DC_NAME_TELEX));
    x = nm("Rmah H'Dok");
    ck_assert(!(x.flags & DC_NAME_TELEX));
}
END_TEST

START_TEST(test_flags_placeholders)
{
    static const char *ph[] = {"Không rõ", "KHÔNG RÕ", "khong ro", "KXĐ", "kxd", "Chưa xác định",
                               "Không xác định", "N/A", "n/a", "-", "--", "?", "...", "x", "XXX",
                               "Chưa đặt tên", "0", "null", "Không", "(không rõ)", " - "};
    for (size_t i = 0; i < sizeof ph / sizeof ph[0]; i++) {
        dc_name_t x = nm(ph[i]);
        ck_assert_msg(x.flags & DC_NAME_PLACEHOLDER, "%s", ph[i]);
        ck_assert_uint_eq(x.exact, 0);
        ck_assert_uint_eq(x.given, 0);
    }
    dc_name_t e = nm("");
    ck_assert_uint_eq(e.flags, 0);
    ck_assert_uint_eq(e.exact, 0);

    dc_name_t x = nm("Nguyễn Văn 2");
    ck_assert(x.flags & DC_NAME_DIGITS);
    x = nm("Thu");
    ck_assert(x.flags & DC_NAME_ONE_TOKEN);
    ck_assert_uint_eq(x.sur, 0);
    ck_assert_str_eq(S(x.given), "thu");
    x = nm("Nguyễn Văn An (con)");
    ck_assert(x.flags & DC_NAME_ODD_CHARS);
    x = nm("Nguyễn Văn Hoà");
    ck_assert(x.flags & DC_NAME_TONE_MOVED);
    ck_assert(x.flags & DC_NAME_MID_VAN);
    x = nm("Lê Thị Lan");
    ck_assert(x.flags & DC_NAME_MID_THI);
    ck_assert(!(x.flags & DC_NAME_MID_VAN));
    x = nm("Le Thi Lan");
    ck_assert(x.flags & DC_NAME_MID_THI);
    x = nm("Văn Thị Lan");   /* Văn as a surname is not evidence */
    ck_assert(!(x.flags & DC_NAME_MID_VAN));
    x = nm("Xyzabc Văn An");
    ck_assert(x.flags & DC_NAME_RARE_SURNAME);
    x = nm("Nguyễn Văn An");
    ck_assert(!(x.flags & DC_NAME_RARE_SURNAME));
    ck_assert_int_eq(x.ntok, 3);
    x = nm("John Smith");
    ck_assert(x.flags & DC_NAME_NO_DIACRITICS);
    x = nm("王 小明");
    ck_assert(x.flags & DC_NAME_OTHER_SCRIPT);
    dc_buf_t b = DC_BUF_INIT;
    dc_name_flags_str(DC_NAME_DIGITS | DC_NAME_TELEX, &b);
    ck_assert_str_eq(b.p, "digits|telex");
    dc_buf_free(&b);
}
END_TEST

START_TEST(test_relname_and_cache)
{
    dc_relname_t r;
    uint16_t fl;
    dc_norm_relname(ctx, "Nguyễn Văn Hoà", strlen("Nguyễn Văn Hoà"), &r, &fl);
    dc_name_t n = nm("nguyễn văn hòa");
    ck_assert_uint_eq(r.exact, n.exact);
    ck_assert_uint_eq(r.ascii, n.ascii);
    size_t pl;
    const char *ps = dc_intern_str(in, n.phon, &pl);
    ck_assert_uint_ne(r.phon, 0);
    ck_assert_uint_eq(r.phon, dc_norm_phon_hash(ps, pl));   /* a hash, not interned */
    ck_assert_uint_eq(r.given, n.given);
    dc_buf_t pb = DC_BUF_INIT;
    dc_norm_phon_of(sh, r.exact, &pb);
    ck_assert(pb.len == pl && memcmp(pb.p, ps, pl) == 0);
    dc_buf_free(&pb);
    ck_assert(fl & DC_NAME_TONE_MOVED);
    /* a cache hit gives the same result as a fresh computation */
    dc_norm_opts_t o = {0};
    o.no_cache = 1;
    dc_norm_shared_t *sh2 = dc_norm_shared_create(in, &o);
    dc_norm_ctx_t *c2 = dc_norm_ctx_create(sh2);
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        for (int rep = 0; rep < 2; rep++) {
            dc_name_t a, b;
            dc_norm_name(ctx, bases[i].name, strlen(bases[i].name), &a);
            dc_norm_name(c2, bases[i].name, strlen(bases[i].name), &b);
            ck_assert(memcmp(&a, &b, sizeof a) == 0);
        }
    }
    dc_norm_ctx_free(c2);
    dc_norm_shared_free(sh2);
}
END_TEST

static Suite *name_suite(void)
{
    Suite *s = suite_create("name");
    TCase *tc = dc_test_tcase("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_variants);
    tcase_add_test(tc, test_display);
    tcase_add_test(tc, test_typed);
    tcase_add_test(tc, test_flags_placeholders);
    tcase_add_test(tc, test_relname_and_cache);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(name_suite(), "name"); }

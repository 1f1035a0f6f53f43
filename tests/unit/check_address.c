/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_address.c - tests of dc_addr_normalize(): abbreviations and
 * numbered units, real addresses from north to south, ambiguous names
 * resolved by the hierarchy, renamed and merged units, post-2025
 * addresses, the 2025 mapping and its fixed faults, missing parts, parts
 * and display text, garbage, every commune of the gazetteer written in
 * several forms, thread safety and determinism. */
#include "dc_test.h"
#include "normalize/address_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static dc_gazetteer_t *gz;
static dc_intern_t *in;

static void setup(void)
{
    gz = dc_gazetteer_load();
    in = dc_intern_create();
}

static void teardown(void)
{
    dc_intern_free(in);
    dc_gazetteer_free(gz);
}

/* Expected values by name: NULL = not checked, "" = code 0. Pre-2025 ward
 * names are the current (01/03/2025) names of the code. */
typedef struct acase {
    const char *in;
    const char *ward, *dist, *prov;    /* pre-2025 */
    const char *ward_new, *prov_new;   /* post-2025 */
    unsigned set, clear;               /* flags that must be set / clear */
    int conf_min, conf_max;
} acase_t;

#define OLD DC_ADDR_OLD_NAME
#define AMB DC_ADDR_AMBIGUOUS_NEW
#define UNM DC_ADDR_UNMATCHED
#define PAR DC_ADDR_PARTIAL

static void check_case(const acase_t *k, uint8_t hint)
{
    dc_addr_t a;
    dc_addr_normalize(gz, in, k->in, strlen(k->in), hint, &a, NULL);
    const char *w = a.ward_old ? dc_gazetteer_ward_name(gz, a.ward_old, 0) : "";
    const char *d = a.district_old ? dc_gazetteer_district_name(gz, a.district_old) : "";
    const char *p = a.prov_old ? dc_gazetteer_province_name(gz, a.prov_old, 0) : "";
    const char *wn = a.ward_new ? dc_gazetteer_ward_name(gz, a.ward_new, 1) : "";
    const char *pn = a.prov_new ? dc_gazetteer_province_name(gz, a.prov_new, 1) : "";
    const char *txt = dc_intern_str(in, a.text, NULL);
#define EXPECT(field, got) \
    ck_assert_msg(!k->field || strcmp(k->field, got) == 0, "%s: " #field " '%s', expected '%s' (text '%s')", \
                  k->in, got, k->field, txt)
    EXPECT(ward, w);
    EXPECT(dist, d);
    EXPECT(prov, p);
    EXPECT(ward_new, wn);
    EXPECT(prov_new, pn);
#undef EXPECT
    ck_assert_msg((a.flags & k->set) == k->set, "%s: flags %x lack %x", k->in, a.flags, k->set);
    ck_assert_msg((a.flags & k->clear) == 0, "%s: flags %x have %x", k->in, a.flags, a.flags & k->clear);
    ck_assert_msg(a.conf >= k->conf_min && a.conf <= (k->conf_max ? k->conf_max : 100),
                  "%s: conf %u not in [%d, %d]", k->in, a.conf, k->conf_min, k->conf_max ? k->conf_max : 100);
    /* invariants */
    ck_assert(a.flags & DC_ADDR_PRESENT);
    ck_assert_int_eq(!!(a.flags & UNM), a.conf == 0);
    if (a.ward_old) {
        dc_ward_info_t wi;
        ck_assert_int_eq(dc_gazetteer_ward_find(gz, a.ward_old, 0, &wi), 0);
        ck_assert_uint_eq(wi.district_code, a.district_old);
        ck_assert_uint_eq(wi.prov_code, a.prov_old);
    }
    if (a.ward_new) {
        dc_ward_info_t wi;
        ck_assert_int_eq(dc_gazetteer_ward_find(gz, a.ward_new, 1, &wi), 0);
        ck_assert_uint_eq(wi.prov_code, a.prov_new);
    }
    if (a.prov_old) ck_assert_uint_eq(dc_gazetteer_province_new(gz, a.prov_old), a.prov_new);
}

#define HCM "Thành phố Hồ Chí Minh"
#define HN "Thành phố Hà Nội"

/* Abbreviations, numbered units, case, diacritics: one ward, many spellings. */
static const acase_t abbrev_cases[] = {
    {"P.05, Q.3, TP.HCM", "Phường 5", "Quận 3", HCM, "Phường Bàn Cờ", HCM, 0, PAR | UNM, 90, 0},
    {"P5 Q3 TPHCM", "Phường 5", "Quận 3", HCM, "Phường Bàn Cờ", HCM, 0, PAR, 80, 0},
    {"p.5 q.3 tp.hcm", "Phường 5", "Quận 3", HCM, NULL, HCM, 0, PAR, 80, 0},
    {"Phường 5, Quận 3, Thành phố Hồ Chí Minh", "Phường 5", "Quận 3", HCM, "Phường Bàn Cờ", HCM, 0, PAR, 100, 0},
    {"PHƯỜNG 05 QUẬN 3 TP HỒ CHÍ MINH", "Phường 5", "Quận 3", HCM, NULL, NULL, 0, PAR, 90, 0},
    {"Phường 05, Quận 03, TP. Hồ Chí Minh", "Phường 5", "Quận 3", HCM, NULL, NULL, 0, PAR, 90, 0},
    {"F5, Q3, HCM", "Phường 5", "Quận 3", HCM, NULL, NULL, 0, PAR, 80, 0},
    {"f.05 quận 3 sài gòn", "Phường 5", "Quận 3", HCM, NULL, NULL, 0, 0, 70, 0},
    {"Phuong 5, Quan 3, TP Ho Chi Minh", "Phường 5", "Quận 3", HCM, NULL, NULL, 0, PAR, 90, 0},
    {"phuong 05 quan 3 tp hcm", "Phường 5", "Quận 3", HCM, NULL, NULL, 0, 0, 70, 0},
    {"P.5-Q.3-TP.HCM", "Phường 5", "Quận 3", HCM, NULL, NULL, 0, 0, 70, 0},
    {"P 5, Q 3, Tp Hồ Chí Minh", "Phường 5", "Quận 3", HCM, NULL, NULL, 0, 0, 80, 0},
    {"Phường 5 - Quận 3 - TP Hồ Chí Minh", "Phường 5", "Quận 3", HCM, NULL, NULL, 0, 0, 90, 0},
    {"phường 5 quận 3", "Phường 5", "Quận 3", HCM, NULL, HCM, PAR, 0, 80, 0},
    {"Phường 5, Q.Phú Nhuận, TP.HCM", "Phường 5", "Quận Phú Nhuận", HCM, NULL, HCM, 0, 0, 90, 0},
    {"F5 Q.Phú Nhuận", "Phường 5", "Quận Phú Nhuận", HCM, NULL, HCM, PAR, 0, 80, 0},
    {"123/45 Lê Văn Sỹ, P.13, Q.Phú Nhuận, TP.HCM", "Phường 13", "Quận Phú Nhuận", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Số 10 Đường 3/2, P.12, Q.10, TP.HCM", "Phường 12", "Quận 10", HCM, NULL, HCM, 0, 0, 90, 0},
    {"12 Nguyễn Trãi P5 Q5 TPHCM", "Phường 5", "Quận 5", HCM, NULL, HCM, 0, 0, 80, 0},
    {"12 Nguyen Trai Phuong Ben Thanh Quan 1 TP HCM", "Phường Bến Thành", "Quận 1", HCM, NULL, HCM, 0, 0, 70, 0},
    {"TT. Phong Điền, H. Phong Điền, T. Thừa Thiên Huế", "Phường Phong Thu", "Thị xã Phong Điền",
     "Thành phố Huế", NULL, "Thành phố Huế", OLD, 0, 80, 0},
    {"X. Tân Hòa, H. Phú Tân, T. An Giang", "Xã Tân Hòa", "Huyện Phú Tân", "Tỉnh An Giang", NULL, "Tỉnh An Giang", 0, PAR, 95, 0},
    {"Tx. Sơn Tây, Hà Nội", "", "Thị xã Sơn Tây", HN, "", HN, PAR, 0, 40, 70},
    {"TX Sơn Tây, HN", "", "Thị xã Sơn Tây", HN, "", HN, PAR, 0, 40, 70},
    {"Q.Hai Bà Trưng, TP.Hà Nội", "", "Quận Hai Bà Trưng", HN, "", HN, PAR, 0, 40, 70},
    {"Kp.3, P. Linh Trung, TP. Thủ Đức", "Phường Linh Trung", "Thành phố Thủ Đức", HCM, NULL, HCM, 0, 0, 80, 0},
    {"KP3 P.Linh Trung TP.Thủ Đức TP.HCM", "Phường Linh Trung", "Thành phố Thủ Đức", HCM, NULL, HCM, 0, 0, 80, 0},
};

/* Real-world forms across the country (north, centre, south). */
static const acase_t real_cases[] = {
    {"Số 12 ngõ 34 Phố Huế, P. Phạm Đình Hổ, Q. Hai Bà Trưng, TP. Hà Nội", "Phường Phạm Đình Hổ",
     "Quận Hai Bà Trưng", HN, "", HN, 0, PAR, 95, 0},
    {"Thôn Đông, xã Hòa Bình, huyện Kiến Xương, tỉnh Thái Bình", "Xã Hòa Bình", "Huyện Kiến Xương",
     "Tỉnh Thái Bình", NULL, "Tỉnh Hưng Yên", 0, PAR, 95, 0},
    {"Ấp 3, Xã Tân Hòa, Huyện Phú Tân, Tỉnh An Giang", "Xã Tân Hòa", "Huyện Phú Tân", "Tỉnh An Giang", NULL,
     "Tỉnh An Giang", 0, PAR, 95, 0},
    {"Khóm 2, Phường 7, TP. Cà Mau, Cà Mau", "Phường 7", "Thành phố Cà Mau", "Tỉnh Cà Mau", NULL, "Tỉnh Cà Mau", 0, 0, 85, 0},
    {"Tổ 5, Khu phố 3, P. Linh Trung, TP. Thủ Đức, TP.HCM", "Phường Linh Trung", "Thành phố Thủ Đức", HCM, NULL,
     HCM, 0, 0, 90, 0},
    {"Kiệt 12 Trần Phú, P. Phước Ninh, Q. Hải Châu, TP. Đà Nẵng", "Phường Phước Ninh", "Quận Hải Châu",
     "Thành phố Đà Nẵng", NULL, "Thành phố Đà Nẵng", 0, 0, 95, 0},
    {"Thôn 3, Xã Ea Kao, TP. Buôn Ma Thuột, Đắk Lắk", "Xã Ea Kao", "Thành phố Buôn Ma Thuột", "Tỉnh Đắk Lắk", NULL,
     "Tỉnh Đắk Lắk", 0, 0, 90, 0},
    {"Buôn Ko Sier, Xã Ea Kao, Buôn Ma Thuột, Daklak", "Xã Ea Kao", "Thành phố Buôn Ma Thuột", "Tỉnh Đắk Lắk",
     NULL, NULL, 0, 0, 75, 0},
    {"Xã Bản Lầu, Huyện Mường Khương, Tỉnh Lào Cai", "Xã Bản Lầu", "Huyện Mường Khương", "Tỉnh Lào Cai", NULL,
     "Tỉnh Lào Cai", 0, 0, 95, 0},
    {"Bản Lầu, Mường Khương, Lào Cai", "Xã Bản Lầu", "Huyện Mường Khương", "Tỉnh Lào Cai", NULL, NULL, 0, 0, 70, 0},
    {"Phường Phố Huế, Quận Hai Bà Trưng, Hà Nội", "Phường Phố Huế", "Quận Hai Bà Trưng", HN, NULL, HN, 0, 0, 90, 0},
    /* moved from Huyện Nghi Lộc to Thành phố Vinh between the two lists */
    {"Xóm 4, xã Nghi Phong, huyện Nghi Lộc, tỉnh Nghệ An", "Xã Nghi Phong", "Thành phố Vinh", "Tỉnh Nghệ An", NULL,
     "Tỉnh Nghệ An", OLD, 0, 85, 0},
    {"Phường Tân Định, Quận 1, TP.HCM, Việt Nam", "Phường Tân Định", "Quận 1", HCM, NULL, HCM, 0, 0, 95, 0},
    {"Phường Bến Nghé, Quận 1, TP.HCM (cũ)", "Phường Bến Nghé", "Quận 1", HCM, "Phường Sài Gòn", HCM, 0, 0, 95, 0},
    {"Phường Bến Nghé, Quận 1, TP.HCM, 700000", "Phường Bến Nghé", "Quận 1", HCM, NULL, HCM, 0, 0, 95, 0},
    {"Xã Cư M'gar, Huyện Cư M'gar, Đắk Lắk", "Xã Cư M'gar", "Huyện Cư M'gar", "Tỉnh Đắk Lắk", NULL, NULL, 0, 0, 90, 0},
    {"Xã Cư M\xe2\x80\x99gar, Huyện Cư M\xe2\x80\x99gar, Đắk Lắk", "Xã Cư M'gar", "Huyện Cư M'gar", "Tỉnh Đắk Lắk",
     NULL, NULL, 0, 0, 90, 0},
    {"Xã Quí Quân, Huyện Yên Sơn, Tuyên Quang", "Xã Quí Quân", "Huyện Yên Sơn", "Tỉnh Tuyên Quang", NULL,
     "Tỉnh Tuyên Quang", 0, 0, 90, 0},
    {"Xã Quý Quân, Huyện Yên Sơn, Tuyên Quang", "Xã Quí Quân", "Huyện Yên Sơn", "Tỉnh Tuyên Quang", NULL, NULL, 0, 0, 90, 0},
    {"Phường Yên Hoà, Quận Cầu Giấy, Hà Nội", "Phường Yên Hòa", "Quận Cầu Giấy", HN, NULL, HN, 0, 0, 90, 0},
    {"Xã Thuỵ Lâm, Huyện Đông Anh, Hà Nội", "Xã Thụy Lâm", "Huyện Đông Anh", HN, NULL, HN, 0, 0, 90, 0},
    {"Phường Thanh Xuân Trung, Thanh Xuân, Hà Nội", "Phường Thanh Xuân Trung", "Quận Thanh Xuân", HN, NULL, HN, 0, 0, 85, 0},
    {"xã đồng tâm, huyện mỹ đức, thành phố hà nội", "Xã Đồng Tâm", "Huyện Mỹ Đức", HN, NULL, HN, 0, 0, 95, 0},
    {"Xa Dong Tam, Huyen My Duc, Ha Noi", "Xã Đồng Tâm", "Huyện Mỹ Đức", HN, NULL, HN, 0, 0, 85, 0},
    {"Phường Vĩnh Phúc, Ba Đình, Hà Nội", "Phường Vĩnh Phúc", "Quận Ba Đình", HN, "Phường Ngọc Hà", HN, 0, 0, 85, 0},
    {"Thị trấn Đông Anh, Đông Anh, Hà Nội", "Thị trấn Đông Anh", "Huyện Đông Anh", HN, NULL, HN, 0, 0, 85, 0},
    {"Phường Lê Lợi, TP Vinh, Nghệ An", "Phường Lê Lợi", "Thành phố Vinh", "Tỉnh Nghệ An", NULL, NULL, 0, 0, 90, 0},
    {"Phường Vĩnh Ninh, TP Huế, Thừa Thiên Huế", NULL, NULL, "Thành phố Huế", NULL, "Thành phố Huế", 0, 0, 0, 0},
    {"Xã Hòa Vang, Hòa Vang, Đà Nẵng", NULL, "Huyện Hòa Vang", "Thành phố Đà Nẵng", NULL, NULL, 0, 0, 0, 0},
    {"Phường Thạch Thang, Quận Hải Châu, Đà Nẵng", "Phường Thạch Thang", "Quận Hải Châu", "Thành phố Đà Nẵng", NULL,
     NULL, 0, 0, 90, 0},
    {"Phường Lộc Thọ, TP Nha Trang, Khánh Hoà", "Phường Lộc Thọ", "Thành phố Nha Trang", "Tỉnh Khánh Hòa", NULL,
     "Tỉnh Khánh Hòa", 0, 0, 85, 0},
    {"Phường 1, TP Đà Lạt, Lâm Đồng", "Phường 1", "Thành phố Đà Lạt", "Tỉnh Lâm Đồng", NULL, "Tỉnh Lâm Đồng", 0, 0, 85, 0},
    {"Phường An Hòa, Quận Ninh Kiều, TP Cần Thơ", "Phường An Hòa", "Quận Ninh Kiều", "Thành phố Cần Thơ", NULL,
     "Thành phố Cần Thơ", 0, 0, 90, 0},
    {"Xã Long Hòa, Huyện Cần Giờ, TP.HCM", "Xã Long Hòa", "Huyện Cần Giờ", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Xã Thạnh An, Huyện Cần Giờ, TP HCM", "Xã Thạnh An", "Huyện Cần Giờ", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Xã Ia Mơ, Huyện Chư Prông, Tỉnh Gia Lai", "Xã Ia Mơ", "Huyện Chư Prông", "Tỉnh Gia Lai", "Xã Ia Mơ",
     "Tỉnh Gia Lai", 0, 0, 95, 0},
    {"Phường Hải Châu I, Quận Hải Châu, Đà Nẵng", "Phường Hải Châu", "Quận Hải Châu", "Thành phố Đà Nẵng", NULL,
     NULL, OLD, 0, 80, 0},
    {"Phường Hải Châu 1, Q Hải Châu, Đà Nẵng", "Phường Hải Châu", "Quận Hải Châu", "Thành phố Đà Nẵng", NULL,
     NULL, OLD, 0, 80, 0},
    {"Số 7 Hẻm 12/3 Lê Lợi, Phường 1, Thành phố Mỹ Tho, Tiền Giang", "Phường 1", "Thành phố Mỹ Tho",
     "Tỉnh Tiền Giang", NULL, "Tỉnh Đồng Tháp", 0, 0, 90, 0},
    {"Ấp Bình Đông, Xã Bình Đức, Huyện Châu Thành, Tỉnh Tiền Giang", NULL, "Huyện Châu Thành", "Tỉnh Tiền Giang",
     NULL, NULL, 0, 0, 0, 0},
    {"Khu phố 4, Phường Trảng Dài, TP Biên Hòa, Đồng Nai", "Phường Trảng Dài", "Thành phố Biên Hòa", "Tỉnh Đồng Nai",
     NULL, "Tỉnh Đồng Nai", 0, 0, 90, 0},
    {"Tổ dân phố 3, Phường Quang Trung, TP Thái Nguyên, Thái Nguyên", NULL, "Thành phố Thái Nguyên",
     "Tỉnh Thái Nguyên", NULL, "Tỉnh Thái Nguyên", 0, 0, 0, 0},
    {"Bản Hua Pe, Xã Chiềng Xôm, TP Sơn La, Sơn La", "Xã Chiềng Xôm", "Thành phố Sơn La", "Tỉnh Sơn La", NULL,
     "Tỉnh Sơn La", 0, 0, 85, 0},
};

/* Ambiguous names resolved by the hierarchy. */
static const acase_t hierarchy_cases[] = {
    /* Phường 1 in many districts */
    {"Phường 1, Quận 3, TP.HCM", "Phường 1", "Quận 3", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Phường 1, Quận 4, TP.HCM", "Phường 1", "Quận 4", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Phường 1, Quận 5, TP.HCM", "Phường 1", "Quận 5", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Phường 1, Quận 6, TP.HCM", "Phường 1", "Quận 6", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Phường 1, Quận 8, TP.HCM", "Phường 1", "Quận 8", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Phường 1, Quận 10, TP.HCM", "Phường 1", "Quận 10", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Phường 1, Quận 11, TP.HCM", "Phường 1", "Quận 11", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Phường 1, Quận Gò Vấp, TP.HCM", "Phường 1", "Quận Gò Vấp", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Phường 1, Quận Phú Nhuận, TP.HCM", "Phường 1", "Quận Phú Nhuận", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Phường 1, Quận Tân Bình, TP.HCM", "Phường 1", "Quận Tân Bình", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Phường 1, Quận Bình Thạnh, TP.HCM", "Phường 1", "Quận Bình Thạnh", HCM, NULL, HCM, 0, 0, 90, 0},
    {"Phường 1, TP Vũng Tàu, Bà Rịa - Vũng Tàu", "Phường 1", "Thành phố Vũng Tàu", "Tỉnh Bà Rịa - Vũng Tàu", NULL,
     HCM, 0, 0, 90, 0},
    {"Phường 1, TP Bạc Liêu, Bạc Liêu", "Phường 1", "Thành phố Bạc Liêu", "Tỉnh Bạc Liêu", NULL, "Tỉnh Cà Mau", 0, 0, 90, 0},
    {"Phường 1, TP Sóc Trăng, Sóc Trăng", "Phường 1", "Thành phố Sóc Trăng", "Tỉnh Sóc Trăng", NULL,
     "Thành phố Cần Thơ", 0, 0, 90, 0},
    {"Phường 1, TP Tân An, Long An", "Phường 1", "Thành phố Tân An", "Tỉnh Long An", NULL, "Tỉnh Tây Ninh", 0, 0, 90, 0},
    {"Phường 1, Thị xã Quảng Trị, Quảng Trị", "Phường 1", "Thị xã Quảng Trị", "Tỉnh Quảng Trị", NULL, "Tỉnh Quảng Trị", 0, 0, 90, 0},
    {"Phường 1, TP Đông Hà, Quảng Trị", "Phường 1", "Thành phố Đông Hà", "Tỉnh Quảng Trị", NULL, NULL, 0, 0, 90, 0},
    {"Phường 1, TP Cao Lãnh, Đồng Tháp", "Phường 1", "Thành phố Cao Lãnh", "Tỉnh Đồng Tháp", NULL, NULL, 0, 0, 90, 0},
    {"Phường 1, TP Vĩnh Long, Vĩnh Long", "Phường 1", "Thành phố Vĩnh Long", "Tỉnh Vĩnh Long", NULL, NULL, 0, 0, 90, 0},
    /* without a district: too many */
    {"Phường 1, TP.HCM", "", "", "Thành phố Hồ Chí Minh", "", HCM, PAR, 0, 20, 60},
    {"Phường 1", "", "", "", "", "", UNM, 0, 0, 0},
    /* Xã Tân Hòa in several provinces, resolved by district and province */
    {"Xã Tân Hòa, Huyện Phú Tân, Tỉnh An Giang", "Xã Tân Hòa", "Huyện Phú Tân", "Tỉnh An Giang", NULL, NULL, 0, 0, 95, 0},
    {"Xã Tân Hòa, Huyện Gò Công Đông, Tiền Giang", "Thị trấn Tân Hòa", "Huyện Gò Công Đông", "Tỉnh Tiền Giang",
     NULL, NULL, 0, 0, 80, 0},   /* it is a Thị trấn: the written type disagrees */
    {"Xã Tân Hòa, Huyện Buôn Đôn, Đắk Lắk", "Xã Tân Hòa", "Huyện Buôn Đôn", "Tỉnh Đắk Lắk", NULL, NULL, 0, 0, 90, 0},
    {"Xã Tân Hòa, Huyện Quốc Oai, Hà Nội", "Xã Tân Hòa", "Huyện Quốc Oai", HN, NULL, NULL, 0, 0, 90, 0},
    {"Xã Tân Hòa, Huyện Lạc Sơn, Hòa Bình", NULL, NULL, "Tỉnh Hòa Bình", NULL, NULL, 0, 0, 0, 0},
    {"Tân Hòa, Phú Tân, An Giang", "Xã Tân Hòa", "Huyện Phú Tân", "Tỉnh An Giang", NULL, NULL, 0, 0, 80, 0},
    {"Tan Hoa, Phu Tan, An Giang", "Xã Tân Hòa", "Huyện Phú Tân", "Tỉnh An Giang", NULL, NULL, 0, 0, 70, 0},
    {"Xã Tân Hòa", "", "", "", "", "", UNM, 0, 0, 0},
    /* same name in two districts of a province: the district decides */
    {"Xã Minh Quán, Huyện Trấn Yên, Tỉnh Yên Bái", "Xã Minh Quán", "Huyện Trấn Yên", "Tỉnh Yên Bái", NULL, NULL, 0, 0, 90, 0},
    {"Xã Minh Quân, Huyện Trấn Yên, Tỉnh Yên Bái", "Xã Minh Quân", "Huyện Trấn Yên", "Tỉnh Yên Bái", NULL, NULL, 0, 0, 90, 0},
    {"Xa Minh Quan, Huyen Tran Yen, Tinh Yen Bai", "", "Huyện Trấn Yên", "Tỉnh Yên Bái", NULL, NULL, PAR, 0, 30, 70},
    /* province vs district of (almost) the same name */
    {"Xã Thành An, Thanh Hóa", NULL, NULL, "Tỉnh Thanh Hóa", NULL, NULL, 0, 0, 0, 0},
    {"Phường 5, Quận 3", "Phường 5", "Quận 3", HCM, NULL, HCM, PAR, 0, 80, 0},
};

/* Renamed, merged and post-2025 units, the 2025 mapping and its fixed faults. */
static const acase_t reform_cases[] = {
    /* former names (10/04/2023 list) resolve to the code */
    {"Phường Quỳnh Lôi, Quận Hai Bà Trưng, Hà Nội", "Phường Bạch Mai", "Quận Hai Bà Trưng", HN, NULL, HN, OLD, 0, 80, 0},
    {"Phường Văn Miếu, Quận Đống Đa, Hà Nội", "Phường Văn Miếu - Quốc Tử Giám", "Quận Đống Đa", HN, NULL, HN, OLD, 0, 80, 0},
    {"Phường Văn Miếu - Quốc Tử Giám, Đống Đa, Hà Nội", "Phường Văn Miếu - Quốc Tử Giám", "Quận Đống Đa", HN, NULL,
     HN, 0, OLD, 85, 0},
    {"Thị trấn Phong Điền, Huyện Phong Điền, Thừa Thiên Huế", "Phường Phong Thu", "Thị xã Phong Điền",
     "Thành phố Huế", NULL, "Thành phố Huế", OLD, 0, 80, 0},
    {"Xã Minh Đức, Huyện Việt Yên, Tỉnh Bắc Giang", "Xã Minh Đức", "Thị xã Việt Yên", "Tỉnh Bắc Giang", NULL,
     "Tỉnh Bắc Ninh", OLD, 0, 85, 0},
    {"Thị xã Việt Yên, Bắc Giang", "", "Thị xã Việt Yên", "Tỉnh Bắc Giang", "", "Tỉnh Bắc Ninh", PAR, 0, 40, 70},
    /* districts gone before 2023: Quận 2 and Quận 9 became Thành phố Thủ Đức in 2021 */
    {"Phường Thảo Điền, Quận 2, TP.HCM", "Phường Thảo Điền", "Thành phố Thủ Đức", HCM, NULL, HCM, 0, 0, 75, 0},
    {"Phường Long Bình, Quận 9, TPHCM", "Phường Long Bình", "Thành phố Thủ Đức", HCM, NULL, HCM, 0, 0, 75, 0},
    {"Phường Hiệp Bình Chánh, Quận Thủ Đức, TP.HCM", "Phường Hiệp Bình Chánh", "Thành phố Thủ Đức", HCM, NULL,
     HCM, 0, 0, 75, 0},
    /* an unknown district between known units is skipped */
    {"Phường Cống Vị, Quận Xyz, Hà Nội", "Phường Cống Vị", "Quận Ba Đình", HN, "", HN, PAR | AMB, 0, 40, 80},
    {"Phường 1, Quận Xyz, TP.HCM", "", "", HCM, "", HCM, PAR, 0, 1, 40},
    /* a province gone in 2008 (Hà Tây): skipped at the end */
    {"Xã Phú Lương, Hà Đông, Hà Tây", "Phường Phú Lương", "Quận Hà Đông", HN, NULL, HN, PAR, 0, 50, 85},
    /* a commune gone by 2025 keeps its 2023 code, no new code */
    {"Xã Đông Sơn, Huyện Thủy Nguyên, Hải Phòng", "Xã Đông Sơn", NULL, "Thành phố Hải Phòng", "",
     "Thành phố Hải Phòng", OLD, AMB, 80, 0},
    /* full link: unique new commune */
    {"Phường Phúc Xá, Quận Ba Đình, Hà Nội", "Phường Phúc Xá", "Quận Ba Đình", HN, "Phường Hồng Hà", HN, 0, AMB | PAR, 95, 0},
    /* split commune: no new commune, the new province still known */
    {"Phường Cống Vị, Ba Đình, Hà Nội", "Phường Cống Vị", "Quận Ba Đình", HN, "", HN, AMB, 0, 80, 0},
    {"Số 12 ngõ 34 Phố Huế, P. Phạm Đình Hổ, Q. Hai Bà Trưng, TP. Hà Nội", "Phường Phạm Đình Hổ", NULL, NULL, "",
     HN, AMB, 0, 90, 0},
    /* the corrected link (SOURCES.md problem 5) */
    {"Xã Tân Phú, Huyện Châu Thành, Tỉnh An Giang", "Xã Tân Phú", "Huyện Châu Thành", "Tỉnh An Giang", "Xã Vĩnh An",
     "Tỉnh An Giang", 0, AMB, 95, 0},
    /* the code aliases (problem 6) */
    {"Xã Ba Chẽ, Tỉnh Quảng Ninh", NULL, NULL, "Tỉnh Quảng Ninh", "Xã Ba Chẽ", "Tỉnh Quảng Ninh", 0, 0, 95, 0},
    {"Thị trấn Ba Chẽ, Huyện Ba Chẽ, Quảng Ninh", "Thị trấn Ba Chẽ", "Huyện Ba Chẽ", "Tỉnh Quảng Ninh", "Xã Ba Chẽ",
     "Tỉnh Quảng Ninh", 0, AMB, 95, 0},
    {"Xã Ia Mơ, Gia Lai", "Xã Ia Mơ", "Huyện Chư Prông", "Tỉnh Gia Lai", "Xã Ia Mơ", "Tỉnh Gia Lai", 0, 0, 90, 0},
    {"Xã Ia Mơ Nông, Huyện Chư Păh, Gia Lai", "Xã Ia Mơ Nông", "Huyện Chư Păh", "Tỉnh Gia Lai", "Xã Ia Ly",
     "Tỉnh Gia Lai", 0, 0, 90, 0},
    /* post-2025 two-level addresses */
    {"Số 5, Phường Hồng Hà, Thành phố Hà Nội", NULL, NULL, HN, "Phường Hồng Hà", HN, 0, UNM | PAR, 95, 0},
    {"Phường Ba Đình, Hà Nội", NULL, NULL, HN, "Phường Ba Đình", HN, 0, UNM, 85, 0},
    {"Phường Sài Gòn, TP. Hồ Chí Minh", "", "Quận 1", HCM, "Phường Sài Gòn", HCM, 0, UNM, 95, 0},
    {"Xã Vĩnh An, Tỉnh An Giang", NULL, NULL, NULL, "Xã Vĩnh An", "Tỉnh An Giang", 0, UNM, 90, 0},
    {"Đặc khu Côn Đảo, TP.HCM", "", "Huyện Côn Đảo", "Tỉnh Bà Rịa - Vũng Tàu", "Đặc khu Côn Đảo", HCM, 0, 0, 90, 0},
    {"Huyện Côn Đảo, Bà Rịa - Vũng Tàu", "", "Huyện Côn Đảo", "Tỉnh Bà Rịa - Vũng Tàu", "Đặc khu Côn Đảo", HCM, 0, 0, 90, 0},
    {"Đặc khu Bạch Long Vĩ, Hải Phòng", "", "Huyện Bạch Long Vĩ", "Thành phố Hải Phòng", "Đặc khu Bạch Long Vĩ",
     "Thành phố Hải Phòng", 0, 0, 90, 0},
    {"Phường Hồng Hà, Quận Hoàn Kiếm, Hà Nội", NULL, "Quận Hoàn Kiếm", HN, "Phường Hồng Hà", HN, 0, UNM, 80, 0},
    {"Xã Hồng Vân, Tỉnh Hưng Yên", NULL, NULL, NULL, NULL, "Tỉnh Hưng Yên", 0, UNM, 0, 0},
    {"Phường Thủ Dầu Một, Thành phố Hồ Chí Minh", NULL, NULL, NULL, "Phường Thủ Dầu Một", HCM, 0, UNM, 90, 0},
    {"Phuong Thu Dau Mot, TP HCM", NULL, NULL, NULL, "Phường Thủ Dầu Một", HCM, 0, UNM, 80, 0},
};

/* Missing parts, garbage, edge cases. */
static const acase_t missing_cases[] = {
    {"Hà Nội", "", "", HN, "", HN, PAR, 0, 30, 45},
    {"Quận 3", "", "Quận 3", HCM, "", HCM, PAR, 0, 50, 70},
    {"Phường Lê Lợi, TP Vinh", "Phường Lê Lợi", "Thành phố Vinh", "Tỉnh Nghệ An", NULL, NULL, PAR, 0, 80, 0},
    {"Xã Ea Kao, Đắk Lắk", "Xã Ea Kao", "Thành phố Buôn Ma Thuột", "Tỉnh Đắk Lắk", NULL, NULL, 0, 0, 80, 0},
    {"Xã Tân Hòa, Việt Nam", "", "", "", "", "", UNM, 0, 0, 0},
    {"abc xyz", "", "", "", "", "", UNM, 0, 0, 0},
    {"12345", "", "", "", "", "", UNM, 0, 0, 0},
    {"Số 12 Nguyễn Trãi, Hà Nội", "", "", HN, "", HN, PAR, 0, 30, 45},
    {"Phường Xyzabc, Quận 3, TP.HCM", "", "Quận 3", HCM, "", HCM, PAR, 0, 30, 60},
    {"Xã Không Có Thật, Huyện Phú Tân, An Giang", "", "Huyện Phú Tân", "Tỉnh An Giang", "", NULL, PAR, 0, 30, 60},
    {"Phường 1 Quận 3 TPHCM Việt Nam", "Phường 1", "Quận 3", HCM, NULL, HCM, 0, 0, 80, 0},
    {"  Phường   1 ,  Quận  3 ,  TP.HCM  ", "Phường 1", "Quận 3", HCM, NULL, HCM, 0, 0, 80, 0},
    {"Phường 1;Quận 3;TP.HCM", "Phường 1", "Quận 3", HCM, NULL, HCM, 0, 0, 80, 0},
    {"Phường 1\nQuận 3\nTP.HCM", "Phường 1", "Quận 3", HCM, NULL, HCM, 0, 0, 80, 0},
    {"Phu\xcc\x9bo\xcc\x9b\xcc\x80ng 1, Qua\xcc\xa3\xcc\x82n 3, TP.HCM", "Phường 1", "Quận 3", HCM, NULL, NULL, 0, 0, 95, 0},
    /* NFD: composed first, so that the diacritics still tell Nậm Cắn from Nậm Càn */
    {"Xa\xcc\x83 N\xc3\xa2\xcc\xa3m C\xc4\x83\xcc\x81n, Huy\xc3\xaa\xcc\xa3n K\xc3\xbd S\xc6\xa1n, Nghe\xcc\xa3\xcc\x82 An",
     "Xã Nậm Cắn", "Huyện Kỳ Sơn", "Tỉnh Nghệ An", NULL, NULL, 0, PAR, 80, 0},
    {"\xff\xfe Phường 1, Quận 3, TP.HCM \xc3", "Phường 1", "Quận 3", HCM, NULL, NULL, 0, 0, 80, 0},
};

static void run_table(const acase_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++) check_case(&t[i], 0);
}

START_TEST(test_abbreviations) { run_table(abbrev_cases, DC_ARRAY_LEN(abbrev_cases)); }
END_TEST
START_TEST(test_real) { run_table(real_cases, DC_ARRAY_LEN(real_cases)); }
END_TEST
START_TEST(test_hierarchy) { run_table(hierarchy_cases, DC_ARRAY_LEN(hierarchy_cases)); }
END_TEST
START_TEST(test_reform) { run_table(reform_cases, DC_ARRAY_LEN(reform_cases)); }
END_TEST
START_TEST(test_missing) { run_table(missing_cases, DC_ARRAY_LEN(missing_cases)); }
END_TEST

START_TEST(test_blank)
{
    static const char *const blank[] = {"", " ", "  \t ", ",,,", " - ", "()", "không rõ", "Không rõ",
                                        "KHÔNG XÁC ĐỊNH", "kxđ", "N/A", "null", "0", "x", "..."};
    for (size_t i = 0; i < DC_ARRAY_LEN(blank); i++) {
        dc_addr_t a;
        dc_addr_parts_t p;
        memset(&a, 0xAB, sizeof a);
        dc_addr_normalize(gz, in, blank[i], strlen(blank[i]), 0, &a, &p);
        ck_assert_msg(a.flags == 0 && a.text == 0 && a.ward_old == 0 && a.prov_new == 0 && a.conf == 0, "%s", blank[i]);
        ck_assert_str_eq(p.ward, "");
    }
    dc_addr_t a;
    dc_addr_normalize(gz, in, NULL, 0, 0, &a, NULL);
    ck_assert_uint_eq(a.flags, 0);
}
END_TEST

/* The file's province breaks ties, and only ties. */
START_TEST(test_hint)
{
    acase_t k = {"Xã Tân Hòa", "Xã Tân Hòa", "Huyện Phú Tân", "Tỉnh An Giang", NULL, "Tỉnh An Giang", 0, UNM, 50, 85};
    check_case(&k, 89);
    acase_t k2 = {"Phường 1, Quận 3", "Phường 1", "Quận 3", HCM, NULL, HCM, 0, 0, 80, 0};
    check_case(&k2, 1);   /* a wrong hint does not override a unique answer */
    acase_t k3 = {"Xã Tân Hòa", "", "", "", "", "", UNM, 0, 0, 0};
    check_case(&k3, 2);   /* no Tân Hòa in Hà Giang: still unknown */
}
END_TEST

/* Parts and display text. */
START_TEST(test_parts_text)
{
    static const struct {
        const char *in, *house, *alley, *hamlet, *street, *ward, *dist, *prov, *text;
    } cases[] = {
        {"Số 12 ngõ 34 Phố Huế, P. Phạm Đình Hổ, Q. Hai Bà Trưng, TP. Hà Nội", "12", "Ngõ 34", "", "Phố Huế",
         "Phường Phạm Đình Hổ", "Quận Hai Bà Trưng", HN,
         "Số 12, Ngõ 34, Phố Huế, Phường Phạm Đình Hổ, Quận Hai Bà Trưng, Thành phố Hà Nội"},
        {"Ấp 3, X. Tân Hòa, H. Phú Tân, T. An Giang", "", "", "Ấp 3", "", "Xã Tân Hòa", "Huyện Phú Tân",
         "Tỉnh An Giang", "Ấp 3, Xã Tân Hòa, Huyện Phú Tân, Tỉnh An Giang"},
        {"thôn đông, xã hòa bình, huyện kiến xương, tỉnh thái bình", "", "", "Thôn Đông", "", "Xã Hòa Bình",
         "Huyện Kiến Xương", "Tỉnh Thái Bình", "Thôn Đông, Xã Hòa Bình, Huyện Kiến Xương, Tỉnh Thái Bình"},
        {"123/45 Lê Văn Sỹ, P.13, Q.Phú Nhuận, TP.HCM", "123/45", "", "", "Lê Văn Sỹ", "Phường 13",
         "Quận Phú Nhuận", HCM, "Số 123/45, Lê Văn Sỹ, Phường 13, Quận Phú Nhuận, Thành phố Hồ Chí Minh"},
        {"SN 5A, ngách 7/12, ngõ 68 Cầu Giấy, P. Quan Hoa, Q. Cầu Giấy, HN", "5A", "Ngách 7/12, Ngõ 68", "",
         "Cầu Giấy", "Phường Quan Hoa", "Quận Cầu Giấy", HN,
         "Số 5A, Ngách 7/12, Ngõ 68, Cầu Giấy, Phường Quan Hoa, Quận Cầu Giấy, Thành phố Hà Nội"},
        {"Tổ 05, KP.3, P.Linh Trung, TP.Thủ Đức, TP.HCM", "", "", "Tổ 5, Khu phố 3", "", "Phường Linh Trung",
         "Thành phố Thủ Đức", HCM, "Tổ 5, Khu phố 3, Phường Linh Trung, Thành phố Thủ Đức, Thành phố Hồ Chí Minh"},
        {"Số nhà 7, Đường Trần Phú, Phường Phước Ninh, Hải Châu, Đà Nẵng", "7", "", "", "Đường Trần Phú",
         "Phường Phước Ninh", "Quận Hải Châu", "Thành phố Đà Nẵng",
         "Số 7, Đường Trần Phú, Phường Phước Ninh, Quận Hải Châu, Thành phố Đà Nẵng"},
        {"PHƯỜNG 05 QUẬN 3 TP HỒ CHÍ MINH", "", "", "", "", "Phường 5", "Quận 3", HCM,
         "Phường 5, Quận 3, Thành phố Hồ Chí Minh"},
        {"Phường Yên Hoà, Quận Cầu Giấy, Hà Nội", "", "", "", "", "Phường Yên Hòa", "Quận Cầu Giấy", HN,
         "Phường Yên Hòa, Quận Cầu Giấy, Thành phố Hà Nội"},
        {"Xóm Hoà Bình, Xã Xyz, Huyện Đông Anh", "", "", "Xóm Hòa Bình", "", "Xã Xyz", "Huyện Đông Anh", "",
         "Xóm Hòa Bình, Xã Xyz, Huyện Đông Anh"},
        {"Số 5, Phường Hồng Hà, Thành phố Hà Nội", "5", "", "", "", "Phường Hồng Hà", "", HN,
         "Số 5, Phường Hồng Hà, Thành phố Hà Nội"},
        {"abc XYZ", "", "", "", "Abc Xyz", "", "", "", "Abc Xyz"},
        {"Phường 1, TP.HCM", "", "", "", "", "Phường 1", "", HCM, "Phường 1, Thành phố Hồ Chí Minh"},
        {"Phường Bến Nghé, Quận 1, TP.HCM, Việt Nam", "", "", "", "", "Phường Bến Nghé", "Quận 1", HCM,
         "Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh"},
        {"Thửa đất số 5, Phường Bến Nghé, Quận 1, TP.HCM", NULL, NULL, NULL, NULL, "Phường Bến Nghé", "Quận 1", HCM, NULL},
        {"Đ. Lê Lợi, P. Bến Thành, Q.1", "", "", "", "Đường Lê Lợi", "Phường Bến Thành", "Quận 1", "",
         "Đường Lê Lợi, Phường Bến Thành, Quận 1"},
        {"nhà 5 ngõ 10 tổ 3 phường Mai Dịch quận Cầu Giấy Hà Nội", "5", "Ngõ 10", "Tổ 3", "", "Phường Mai Dịch",
         "Quận Cầu Giấy", HN, "Số 5, Ngõ 10, Tổ 3, Phường Mai Dịch, Quận Cầu Giấy, Thành phố Hà Nội"},
        {"Căn hộ 12.05, chung cư Sunrise, P. Tân Hưng, Q.7", "", "", "", "Căn Hộ 12.05", "Phường Tân Hưng", "Quận 7", "",
         "Căn Hộ 12.05, Chung Cư Sunrise, Phường Tân Hưng, Quận 7"},
        {"Lô A12, KCN Tân Bình, Q. Tân Phú, TP.HCM", "", "", "", "Lô A12", "", "Quận Tân Phú", HCM,
         "Lô A12, KCN Tân Bình, Quận Tân Phú, Thành phố Hồ Chí Minh"},
        {"Huyện Nhà Bè, TP.HCM", "", "", "", "", "", "Huyện Nhà Bè", HCM, "Huyện Nhà Bè, Thành phố Hồ Chí Minh"},
        {"Nhà Bè, TP.HCM", "", "", "", "", NULL, NULL, HCM, NULL},
        {"Xã Phú Lương, Hà Đông, Hà Tây", "", "", "", "", "Phường Phú Lương", "Quận Hà Đông", "Hà Tây",
         "Phường Phú Lương, Quận Hà Đông, Hà Tây"},
        {"Phường Cống Vị, Quận Xyz, Hà Nội", "", "", "", "", "Phường Cống Vị", "Quận Xyz", HN,
         "Phường Cống Vị, Quận Xyz, Thành phố Hà Nội"},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        dc_addr_t a;
        dc_addr_parts_t p;
        dc_addr_normalize(gz, in, cases[i].in, strlen(cases[i].in), 0, &a, &p);
#define PART(f, g) ck_assert_msg(!cases[i].f || strcmp(cases[i].f, g) == 0, "%s: " #f " '%s'", cases[i].in, g)
        PART(house, p.house);
        PART(alley, p.alley);
        PART(hamlet, p.hamlet);
        PART(street, p.street);
        PART(ward, p.ward);
        PART(dist, p.district);
        PART(prov, p.province);
        PART(text, dc_intern_str(in, a.text, NULL));
#undef PART
    }
    /* the same address written differently gets the same text */
    static const char *const same[] = {"P.05, Q.3, TP.HCM", "Phường 5, Quận 3, Thành phố Hồ Chí Minh",
                                       "phuong 5 quan 3 tp hcm", "F5 Q3 HCM"};
    uint32_t t0 = 0;
    for (size_t i = 0; i < DC_ARRAY_LEN(same); i++) {
        dc_addr_t a;
        dc_addr_normalize(gz, in, same[i], strlen(same[i]), 0, &a, NULL);
        if (!i) t0 = a.text;
        ck_assert_msg(a.text == t0, "%s: %s", same[i], dc_intern_str(in, a.text, NULL));
    }
    /* many tokens before the administrative part: the oldest are dropped */
    {
        char big[1100] = "";
        for (int i = 0; i < 200; i++) strcat(big, "a ");
        strcat(big, "Phường 1, Quận 3, TP.HCM");
        dc_addr_t a;
        dc_addr_normalize(gz, in, big, strlen(big), 0, &a, NULL);
        ck_assert_str_eq(dc_gazetteer_ward_name(gz, a.ward_old, 0), "Phường 1");
        ck_assert_uint_eq(a.district_old, 770);
        /* longer than 1,024 bytes: the last 1,024 are read */
        char huge[3000] = "";
        for (int i = 0; i < 400; i++) strcat(huge, "Đỗ ");
        strcat(huge, "Phường 1, Quận 3, TP.HCM");
        dc_addr_normalize(gz, in, huge, strlen(huge), 0, &a, NULL);
        ck_assert_uint_eq(a.district_old, 770);
        ck_assert_uint_ne(a.ward_old, 0);
    }
    /* fields are cut on a character boundary */
    char longs[600] = "Xóm ";
    for (int i = 0; i < 40; i++) strcat(longs, "Đường ");
    dc_addr_parts_t p;
    dc_addr_t a;
    dc_addr_normalize(gz, in, longs, strlen(longs), 0, &a, &p);
    ck_assert_uint_lt(strlen(p.hamlet), sizeof p.hamlet);
    size_t l = strlen(p.hamlet);
    ck_assert(l == 0 || ((unsigned char)p.hamlet[l - 1] & 0xC0) != 0xC0);
}
END_TEST

/* Every commune of the gazetteer, written in several forms, resolves to
 * its own code; none resolves to a wrong one. Forms without diacritics
 * cannot tell apart names that differ only by them (Minh Quán / Minh Quân)
 * and forms without type words cannot tell a commune from the district of
 * the same name: those stay unresolved, within the bounds below. */

static void sweep(int post, int form, size_t max_unresolved)
{
    size_t n = dc_gazetteer_nwards(gz, post), tot = 0, ok = 0, unres = 0;
    for (size_t i = 0; i < n; i++) {
        dc_ward_info_t w;
        dc_gazetteer_ward_info(gz, i, post, &w);
        if (!post && !w.in2025) continue;
        char buf[512], tmp[512];
        if (post) {
            switch (form) {
            case 0: snprintf(buf, sizeof buf, "%s, %s", w.name, w.prov_name); break;
            case 1: snprintf(tmp, sizeof tmp, "%s, %s", w.name, w.prov_name);
                    dc_addr__strip_marks(tmp, strlen(tmp), buf, sizeof buf); break;
            default: snprintf(buf, sizeof buf, "Thôn 2, %s, %s", w.name, w.prov_bare); break;
            }
        } else {
            switch (form) {
            case 0: snprintf(buf, sizeof buf, "%s, %s, %s", w.name, w.district_name, w.prov_name); break;
            case 1: snprintf(tmp, sizeof tmp, "%s, %s, %s", w.name, w.district_name, w.prov_name);
                    dc_addr__strip_marks(tmp, strlen(tmp), buf, sizeof buf); break;
            default: snprintf(buf, sizeof buf, "%s, %s, %s", w.bare, w.district_bare, w.prov_bare); break;
            }
        }
        dc_addr_t a;
        dc_addr_normalize(gz, NULL, buf, strlen(buf), 0, &a, NULL);
        uint32_t got = post ? a.ward_new : a.ward_old;
        tot++;
        if (got == w.code) ok++;
        else if (!got) unres++;
        else ck_abort_msg("%s resolved to %u, expected %u", buf, got, w.code);
        if (got) ck_assert_uint_eq(post ? a.prov_new : a.prov_old, w.prov_code);
    }
    ck_assert_uint_eq(tot, post ? 3321 : 10047);
    ck_assert_msg(unres <= max_unresolved, "post %d form %d: %zu unresolved", post, form, unres);
}

START_TEST(test_sweep_old_full) { sweep(0, 0, 10); }
END_TEST
START_TEST(test_sweep_old_ascii) { sweep(0, 1, 60); }
END_TEST
START_TEST(test_sweep_old_bare) { sweep(0, 2, 60); }
END_TEST
START_TEST(test_sweep_new_full) { sweep(1, 0, 2); }
END_TEST
START_TEST(test_sweep_new_ascii) { sweep(1, 1, 20); }
END_TEST
START_TEST(test_sweep_new_hamlet) { sweep(1, 2, 2); }
END_TEST

/* Threads: the gazetteer is shared read-only, results do not depend on
 * the thread or on the interleaving. */
typedef struct tjob {
    const char **inputs;
    size_t n;
    dc_addr_t *out;
} tjob_t;

static void *tworker(void *arg)
{
    tjob_t *j = arg;
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < j->n; i++)
            dc_addr_normalize(gz, in, j->inputs[i], strlen(j->inputs[i]), 0, &j->out[i], NULL);
    return NULL;
}

START_TEST(test_threads)
{
    const acase_t *tables[] = {abbrev_cases, real_cases, hierarchy_cases, reform_cases, missing_cases};
    size_t lens[] = {DC_ARRAY_LEN(abbrev_cases), DC_ARRAY_LEN(real_cases), DC_ARRAY_LEN(hierarchy_cases),
                     DC_ARRAY_LEN(reform_cases), DC_ARRAY_LEN(missing_cases)};
    const char *inputs[512];
    size_t n = 0;
    for (size_t t = 0; t < DC_ARRAY_LEN(tables); t++)
        for (size_t i = 0; i < lens[t] && n < 512; i++) inputs[n++] = tables[t][i].in;
    dc_addr_t ref[512], outs[4][512];
    for (size_t i = 0; i < n; i++) dc_addr_normalize(gz, in, inputs[i], strlen(inputs[i]), 0, &ref[i], NULL);
    pthread_t th[4];
    tjob_t jobs[4];
    for (int k = 0; k < 4; k++) {
        jobs[k] = (tjob_t){inputs, n, outs[k]};
        ck_assert_int_eq(pthread_create(&th[k], NULL, tworker, &jobs[k]), 0);
    }
    for (int k = 0; k < 4; k++) pthread_join(th[k], NULL);
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < n; i++) ck_assert_msg(memcmp(&outs[k][i], &ref[i], sizeof ref[i]) == 0, "%s", inputs[i]);
}
END_TEST

/* Random word salad from address vocabulary: no crash, invariants hold. */
START_TEST(test_salad)
{
    static const char *const words[] = {"Phường", "P.", "Quận", "Q", "Xã", "Huyện", "Tỉnh", "TP.", "Thị", "trấn",
                                        "xã", "1", "05", "12/3", "Tân", "Hòa", "An", "Giang", "Hà", "Nội", "Hồ",
                                        "Chí", "Minh", ",", ", ", " - ", "(", ")", ".", "Số", "ngõ", "Thôn", "Ấp",
                                        "Bến", "Nghé", "Châu", "Thành", "\xe2\x80\x99", "Đà", "Nẵng", "HCM", "I"};
    uint64_t r = 42;
    for (int it = 0; it < 3000; it++) {
        char buf[400];
        size_t k = 0;
        int nw = 1 + (int)(r % 14);
        for (int w = 0; w < nw; w++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            const char *s = words[(r >> 33) % DC_ARRAY_LEN(words)];
            size_t l = strlen(s);
            if (k + l + 2 >= sizeof buf) break;
            memcpy(buf + k, s, l);
            k += l;
            if ((r >> 20) & 1) buf[k++] = ' ';
        }
        dc_addr_t a;
        dc_addr_parts_t p;
        dc_addr_normalize(gz, in, buf, k, (uint8_t)((r >> 40) % 100), &a, &p);
        if (!a.flags) continue;
        ck_assert_int_eq(!!(a.flags & UNM), a.conf == 0);
        if (a.ward_old) {
            dc_ward_info_t wi;
            ck_assert_int_eq(dc_gazetteer_ward_find(gz, a.ward_old, 0, &wi), 0);
            ck_assert_uint_eq(wi.district_code, a.district_old);
        }
        if (a.ward_new) ck_assert_str_ne(dc_gazetteer_ward_name(gz, a.ward_new, 1), "");
        if (a.district_old) ck_assert_str_ne(dc_gazetteer_district_name(gz, a.district_old), "");
        if (a.flags & AMB) ck_assert_uint_eq(a.ward_new, 0);
    }
}
END_TEST

/* The tail cache (dc_addr_normalize_cached) gives exactly what
 * dc_addr_normalize gives: local parts (house numbers, alleys, streets,
 * hamlets, unit words that match nothing, words that look like units)
 * in front of administrative tails (typed, abbreviated, bare, without
 * diacritics, unmatched, with a skipped part, ties, placeholders), joined
 * by the various separators, under several hints, in several orders, with
 * a cache that empties often and one that does not. */
static void tail_compare(dc_addr_cache_t *tc, const char *buf, size_t len, uint8_t hint)
{
    dc_addr_t a, b;
    dc_addr_parts_t pa, pb;
    memset(&a, 0x5A, sizeof a);
    memset(&pa, 0x5A, sizeof pa);
    dc_addr_normalize_cached(gz, in, tc, buf, len, hint, &a, &pa);
    dc_addr_normalize(gz, in, buf, len, hint, &b, &pb);
    ck_assert_msg(memcmp(&a, &b, sizeof a) == 0,
                  "'%s' hint %u: cached ward %u/%u dist %u prov %u/%u conf %u flags %x text '%s'; "
                  "uncached ward %u/%u dist %u prov %u/%u conf %u flags %x text '%s'",
                  buf, hint, a.ward_old, a.ward_new, a.district_old, a.prov_old, a.prov_new, a.conf, a.flags,
                  dc_intern_str(in, a.text, NULL), b.ward_old, b.ward_new, b.district_old, b.prov_old, b.prov_new,
                  b.conf, b.flags, dc_intern_str(in, b.text, NULL));
    ck_assert_msg(memcmp(&pa, &pb, sizeof pa) == 0, "'%s' hint %u: parts differ", buf, hint);
}

START_TEST(test_tail_cache)
{
    static const char *const local[] = {
        "12", "187/16 Trần Quốc Toản", "Số 5", "Số nhà 12 Ngõ 34", "Ngõ 5 Ngách 3 Phố Huế", "Thôn Đông",
        "Tổ 5", "Ấp 3", "Xóm Mới", "Kp.3", "KP3", "12 Nguyen Trai", "Phường 7", "Quận 9", "Hà Nội", "Viet",
        "Xã Phường", "P.", "12 Nguyễn Trãi Phường Bến Thành", "Tân Hòa", "Châu Thành", "Huyện Từ Liêm",
        "Đường 3/2", "không", "khu phố 4, tổ 12", "123/45 Lê Văn Sỹ, P.13", "Thôn 2, Xã Tân Hòa", "TDP5",
        "Lô A-12 KDC Him Lam", "Ấp Bình Thạnh, X. Châu Phú", "Số 10 Đường 3/2, P.12", "Phường Hàng Bạc",
        "Xã Tân Hòa", "Phường Bến Nghé", "Phường 5", "Xã Tân Phú",
    };
    static const char *const tails[] = {
        "Phường Yên Nghĩa, Quận Hà Đông, Thành phố Hà Nội", "P.05, Q.3, TP.HCM", "P5 Q3 TPHCM",
        "Phường 5, Q.Phú Nhuận, TP.HCM", "X. Tân Hòa, H. Phú Tân, T. An Giang", "Tx. Sơn Tây, Hà Nội",
        "Xã Tân Hòa", "Tân Hòa, Châu Thành, An Giang", "Phuong 5, Quan 3, TP Ho Chi Minh",
        "Phường 1, Huyện Từ Liêm, Hà Nội", "Xã Quảng Phú Cầu, Huyện Ứng Hòa, Thành phố Hà Nội, Việt Nam",
        "Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh, 700000", "Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh, Viet Nam",
        "Xã Không Có Thật, Huyện Đâu Đó, Tỉnh Nào Đó", "Phường Phúc Xá, Quận Ba Đình, Hà Nội, Phố Cổ",
        "Phường Sài Gòn, Thành phố Hồ Chí Minh", "Xã Tân Hòa, Tỉnh An Giang", "Nam, Thành phố Hà Nội",
        "Thị trấn Phong Điền, Huyện Phong Điền, Tỉnh Thừa Thiên Huế", "Hà Nội", "không rõ", "N/A",
        "TT. Phong Điền, H. Phong Điền, T. Thừa Thiên Huế", "Xa Tan Hoa, Huyen Phu Tan, Tinh An Giang",
        "Phường 1", "Quận 3, TP.HCM", "Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội", "Khu phố 2, Phường 5",
        /* no commune: the matcher looks left for one */
        "Quận Hoàn Kiếm, Thành phố Hà Nội", "Huyện Phú Tân, Tỉnh An Giang", "Quận 1, Thành phố Hồ Chí Minh",
        "Thành phố Hồ Chí Minh", "Huyện Châu Thành, Tỉnh Tiền Giang",
        /* the hint breaks the tie */
        "Xã Tân Phú, Huyện Châu Thành", "Thị trấn Châu Thành, Huyện Châu Thành", "Tân Hòa, Châu Thành",
    };
    static const char *const seps[] = {", ", ",", " , ", "; ", "|", "\n", ",, "};
    static const uint8_t hints[] = {0, 1, 79, 89, 31, 83, 87, 72};
    /* every input once, then again in another order */
    enum { NL = DC_ARRAY_LEN(local) + 1, NT = DC_ARRAY_LEN(tails), NS = DC_ARRAY_LEN(seps), NH = DC_ARRAY_LEN(hints) };
    size_t total = (size_t)NL * NT * NS * NH;
    dc_addr_cache_t *small = dc_addr_cache_create(16), *big = dc_addr_cache_create(0);
    uint64_t r = 7;
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 2) dc_addr_cache_clear(big);
        for (size_t q = 0; q < total; q++) {
            size_t x = q;
            if (pass) {   /* a different order: an odd multiplier mod total */
                r = r * 6364136223846793005ull + 1442695040888963407ull;
                x = (q * 2654435761u + (size_t)pass) % total;
            }
            size_t li = x % NL, ti = (x / NL) % NT, si = (x / NL / NT) % NS, hi = x / NL / NT / NS;
            char buf[512];
            int len = li == NL - 1 ? snprintf(buf, sizeof buf, "%s", tails[ti])
                                   : snprintf(buf, sizeof buf, "%s%s%s", local[li], seps[si], tails[ti]);
            tail_compare(small, buf, (size_t)len, hints[hi]);
            tail_compare(big, buf, (size_t)len, hints[hi]);
        }
    }
    /* the same tails after a number, a street and a hamlet made distinct */
    for (int i = 0; i < 3000; i++) {
        char buf[512];
        int len = snprintf(buf, sizeof buf, "%d/%d %s, Thôn %d%s%s", 1 + i % 97, i, local[i % (NL - 1)], i % 13,
                           seps[i % NS], tails[i % NT]);
        tail_compare(small, buf, (size_t)len, hints[i % NH]);
        tail_compare(big, buf, (size_t)len, hints[i % NH]);
    }
    /* word salad: parts of any kind in any order, the same ones often */
    static const char *const words[] = {"Phường", "P.", "Quận", "Q", "Xã", "Huyện", "Tỉnh", "TP.", "Thị", "trấn",
                                        "1", "05", "12/3", "Tân", "Hòa", "An", "Giang", "Hà", "Nội", "Hồ", "Chí",
                                        "Minh", "Số", "ngõ", "Thôn", "Ấp", "Bến", "Nghé", "Châu", "Thành", "Phú",
                                        "Viet", "Nam", "700000", "không", "rõ", "I", "Đông", "Kp", "Tổ"};
    static const char *const glue[] = {" ", " ", " ", ", ", ",", " - ", "; ", ".", "|", "  "};
    for (int it = 0; it < 20000; it++) {
        char buf[400];
        size_t k = 0;
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        int nw = 2 + (int)((r >> 35) % 12);
        for (int w = 0; w < nw; w++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            const char *a = words[(r >> 33) % DC_ARRAY_LEN(words)], *g = glue[(r >> 20) % DC_ARRAY_LEN(glue)];
            if (k + strlen(a) + strlen(g) + 1 >= sizeof buf) break;
            k += (size_t)sprintf(buf + k, "%s%s", a, w + 1 < nw ? g : "");
        }
        tail_compare(small, buf, k, hints[(r >> 45) % NH]);
        tail_compare(big, buf, k, hints[(r >> 45) % NH]);
    }
    /* inputs the cache leaves alone: brackets, NFD, longer than 1,024 bytes */
    static const char *const odd[] = {"12 (sau chợ), Phường Yên Nghĩa, Quận Hà Đông, Hà Nội",
                                      "Thôn Đông, Xa\xcc\x83 Tân Hòa, Huyện Phú Tân, Tỉnh An Giang"};
    for (size_t i = 0; i < DC_ARRAY_LEN(odd); i++) tail_compare(big, odd[i], strlen(odd[i]), 0);
    char huge[1400] = "";
    for (int i = 0; i < 130; i++) strcat(huge, "Số 1, ");
    strcat(huge, "Phường Yên Nghĩa, Quận Hà Đông, Hà Nội");
    tail_compare(big, huge, strlen(huge), 0);
    dc_addr_cache_stats_t sb, ss;
    dc_addr_cache_stats(big, &sb);
    dc_addr_cache_stats(small, &ss);
    /* the cases exercise the cache: found, stored, emptied, bypassed */
    ck_assert_uint_gt(sb.hits, 20000);
    ck_assert_uint_gt(sb.stored, 100);
    ck_assert_uint_eq(sb.bypassed, 3);
    ck_assert_uint_gt(ss.clears, 100);
    ck_assert_uint_gt(ss.hits, 1000);
    /* another gazetteer: the entries of the first one are dropped */
    dc_gazetteer_t *gz2 = dc_gazetteer_load();
    dc_addr_t a2, b2;
    dc_addr_normalize_cached(gz2, in, big, tails[0], strlen(tails[0]), 0, &a2, NULL);
    dc_addr_normalize(gz2, in, tails[0], strlen(tails[0]), 0, &b2, NULL);
    ck_assert(memcmp(&a2, &b2, sizeof a2) == 0);
    dc_addr_cache_stats_t sb2;
    dc_addr_cache_stats(big, &sb2);
    ck_assert_uint_eq(sb2.clears, sb.clears + 1);
    ck_assert_uint_eq(sb2.hits, sb.hits);
    dc_gazetteer_free(gz2);
    /* NULL cache: the plain path */
    tail_compare(NULL, tails[0], strlen(tails[0]), 0);
    dc_addr_cache_free(small);
    dc_addr_cache_free(big);
    dc_addr_cache_free(NULL);
}
END_TEST

static Suite *address_suite(void)
{
    Suite *s = suite_create("address");
    TCase *tc = dc_test_tcase("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_abbreviations);
    tcase_add_test(tc, test_real);
    tcase_add_test(tc, test_hierarchy);
    tcase_add_test(tc, test_reform);
    tcase_add_test(tc, test_missing);
    tcase_add_test(tc, test_blank);
    tcase_add_test(tc, test_hint);
    tcase_add_test(tc, test_parts_text);
    tcase_add_test(tc, test_sweep_old_full);
    tcase_add_test(tc, test_sweep_old_ascii);
    tcase_add_test(tc, test_sweep_old_bare);
    tcase_add_test(tc, test_sweep_new_full);
    tcase_add_test(tc, test_sweep_new_ascii);
    tcase_add_test(tc, test_sweep_new_hamlet);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_salad);
    tcase_add_test(tc, test_tail_cache);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(address_suite(), "address"); }

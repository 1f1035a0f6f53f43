/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gen_ref.c - the generator's reference tables, built from the embedded
 * data (engine/ref/sources/names-gen.md):
 *   - surnames: the published national shares of the 16 commonest
 *     surnames, the rest of the mass spread over the long tail of
 *     derived_surname_freq.csv in proportion to its sample counts;
 *   - middle and given names by sex: derived_*_freq_by_gender.csv counts
 *     (tokens seen at least twice);
 *   - provinces: cccd_province_codes_TT07-2016-BCA.csv, weighted by
 *     rounded 2019 census populations (below);
 *   - wards: the gazetteer (engine/normalize/dc_address.h): pre-2025
 *     communes, their districts and the commune each became on 1 July 2025;
 *   - ethnic groups and religions: rounded 2019 census shares, by region.
 * Aggregate statistics only: no real person's full name is stored here.
 */
#include "gen/gen_int.h"
#include "ref/dc_ref.h"
#include "normalize/dc_address.h"

#include <stdlib.h>  /* strtol */
#include <string.h>  /* strcmp */

const char *const gen_unit_full[GEN_UNIT__COUNT] = {
    "Phường", "Xã", "Thị trấn", "Đặc khu", "Quận", "Huyện", "Thị xã", "Thành phố", "Tỉnh"};
const char *const gen_unit_abbr[GEN_UNIT__COUNT] = {
    "P.", "X.", "TT.", "ĐK.", "Q.", "H.", "TX.", "TP.", "T."};

const char *gen_wlist_pick(const gen_wlist_t *w, dc_rng_t *r)
{
    double x = dc_rng_unit(r) * w->cum[w->n - 1];
    size_t lo = 0, hi = w->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (w->cum[mid] > x) hi = mid;
        else lo = mid + 1;
    }
    return w->s[lo];
}

typedef struct { const char *s; double w; } sw_t;

static void wlist_build(gen_wlist_t *w, dc_arena_t *a, const sw_t *items, size_t n)
{
    w->n = n;
    w->s = dc_arena_alloc(a, n * sizeof *w->s);
    w->cum = dc_arena_alloc(a, n * sizeof *w->cum);
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        w->s[i] = items[i].s;
        t += items[i].w;
        w->cum[i] = t;
    }
}

/* Published national shares (percent) of the commonest surnames. The
 * combined figures for Hoàng/Huỳnh and Vũ/Võ are split by region. */
static const struct { const char *s; double north, south; } top_surnames[] = {
    {"Nguyễn", 38.0, 38.0}, {"Trần", 11.0, 11.0}, {"Lê", 9.5, 9.5}, {"Phạm", 7.0, 7.0},
    {"Hoàng", 4.2, 1.2}, {"Huỳnh", 0.8, 3.8}, {"Phan", 4.5, 4.5}, {"Vũ", 3.1, 0.7},
    {"Võ", 0.8, 3.2}, {"Đặng", 2.1, 2.1}, {"Bùi", 2.0, 2.0}, {"Đỗ", 1.4, 1.4},
    {"Hồ", 1.3, 1.3}, {"Ngô", 1.3, 1.3}, {"Dương", 1.0, 1.0}, {"Lý", 0.5, 0.5},
};

static int is_top_surname(const char *s)
{
    for (size_t i = 0; i < DC_ARRAY_LEN(top_surnames); i++)
        if (!strcmp(top_surnames[i].s, s)) return 1;
    /* sample artefacts of the Khmer south, given their real weight below */
    return !strcmp(s, "Thạch");
}

static void load_surnames(gen_ref_t *g)
{
    dc_ref_csv_t c;
    dc_ref_csv_open(&c, "derived_surname_freq.csv", ',');
    int cs = dc_ref_csv_col(&c, "surname"), cn = dc_ref_csv_col(&c, "count_total");
    size_t cap = 1024, n = 0;
    sw_t *tail = dc_xmalloc(cap * sizeof *tail);
    double tail_total = 0;
    while (dc_ref_csv_next(&c)) {
        long cnt = strtol(c.f[cn], NULL, 10);
        if (cnt < 3 || is_top_surname(c.f[cs]) || c.flen[cs] == 0) continue;
        tail = dc_grow(tail, &cap, n + 1, sizeof *tail);
        tail[n].s = dc_arena_strndup(&g->arena, c.f[cs], c.flen[cs]);
        tail[n].w = (double)cnt;
        tail_total += (double)cnt;
        n++;
    }
    dc_ref_csv_close(&c);
    size_t ntop = DC_ARRAY_LEN(top_surnames);
    sw_t *all = dc_xmalloc((ntop + n + 1) * sizeof *all);
    for (int south = 0; south < 2; south++) {
        double topsum = 0;
        for (size_t i = 0; i < ntop; i++) {
            all[i].s = top_surnames[i].s;
            all[i].w = south ? top_surnames[i].south : top_surnames[i].north;
            topsum += all[i].w;
        }
        all[ntop].s = "Thạch";
        all[ntop].w = south ? 0.3 : 0.01;
        topsum += all[ntop].w;
        double scale = (100.0 - topsum) / tail_total;
        for (size_t i = 0; i < n; i++) {
            all[ntop + 1 + i].s = tail[i].s;
            all[ntop + 1 + i].w = tail[i].w * scale;
        }
        wlist_build(south ? &g->sur_south : &g->sur, &g->arena, all, ntop + 1 + n);
    }
    free(all);
    free(tail);
}

static void load_by_sex(gen_ref_t *g, const char *file, const char *col, gen_wlist_t out[2])
{
    dc_ref_csv_t c;
    dc_ref_csv_open(&c, file, ',');
    int cs = dc_ref_csv_col(&c, col);
    int cm = dc_ref_csv_col(&c, "count_male"), cf = dc_ref_csv_col(&c, "count_female");
    size_t cap[2] = {1024, 1024}, n[2] = {0, 0};
    sw_t *it[2] = {dc_xmalloc(cap[0] * sizeof(sw_t)), dc_xmalloc(cap[1] * sizeof(sw_t))};
    while (dc_ref_csv_next(&c)) {
        const char *s = c.f[cs];
        if (!strcmp(s, "(none)")) s = "";
        else if (c.flen[cs] == 0) continue;
        const char *str = NULL;
        for (int sex = 0; sex < 2; sex++) {
            long cnt = strtol(c.f[sex ? cf : cm], NULL, 10);
            if (cnt < 2) continue;
            if (!str) str = dc_arena_strndup(&g->arena, s, strlen(s));
            it[sex] = dc_grow(it[sex], &cap[sex], n[sex] + 1, sizeof(sw_t));
            it[sex][n[sex]].s = str;
            it[sex][n[sex]].w = (double)cnt;
            n[sex]++;
        }
    }
    dc_ref_csv_close(&c);
    for (int sex = 0; sex < 2; sex++) {
        wlist_build(&out[sex], &g->arena, it[sex], n[sex]);
        free(it[sex]);
    }
}

/* Rounded 2019 census populations (thousands) by pre-2025 GSO code, used
 * only as weights for where households live. */
static const struct { const char *code; int pop; uint8_t region; } prov_info[] = {
    {"01", 8054, 1}, {"02", 855, 0}, {"04", 530, 0}, {"06", 314, 0}, {"08", 785, 0},
    {"10", 731, 0}, {"11", 599, 0}, {"12", 460, 0}, {"14", 1249, 0}, {"15", 821, 0},
    {"17", 855, 0}, {"19", 1287, 0}, {"20", 782, 0}, {"22", 1321, 1}, {"24", 1804, 1},
    {"25", 1464, 0}, {"26", 1152, 1}, {"27", 1369, 1}, {"30", 1893, 1}, {"31", 2029, 1},
    {"33", 1253, 1}, {"34", 1861, 1}, {"35", 853, 1}, {"36", 1781, 1}, {"37", 983, 1},
    {"38", 3641, 2}, {"40", 3328, 2}, {"42", 1289, 2}, {"44", 896, 2}, {"45", 633, 2},
    {"46", 1129, 2}, {"48", 1135, 2}, {"49", 1496, 2}, {"51", 1232, 2}, {"52", 1487, 2},
    {"54", 962, 2}, {"56", 1232, 2}, {"58", 591, 2}, {"60", 1231, 2}, {"62", 541, 3},
    {"64", 1514, 3}, {"66", 1870, 3}, {"67", 623, 3}, {"68", 1297, 3}, {"70", 995, 4},
    {"72", 1170, 4}, {"74", 2427, 4}, {"75", 3097, 4}, {"77", 1149, 4}, {"79", 8993, 4},
    {"80", 1689, 5}, {"82", 1765, 5}, {"83", 1289, 5}, {"84", 1009, 5}, {"86", 1023, 5},
    {"87", 1600, 5}, {"89", 1908, 5}, {"91", 1724, 5}, {"92", 1236, 5}, {"93", 734, 5},
    {"94", 1200, 5}, {"95", 908, 5}, {"96", 1194, 5},
};

static uint8_t unit_type(const char *name)
{
    static const struct { const char *p; uint8_t t; } pre[] = {
        {"Phường ", GEN_UNIT_PHUONG}, {"Xã ", GEN_UNIT_XA}, {"Thị trấn ", GEN_UNIT_THITRAN},
        {"Đặc khu ", GEN_UNIT_DACKHU}, {"Quận ", GEN_UNIT_QUAN}, {"Huyện ", GEN_UNIT_HUYEN},
        {"Thị xã ", GEN_UNIT_THIXA}, {"Thành phố ", GEN_UNIT_THANHPHO}, {"Tỉnh ", GEN_UNIT_TINH},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(pre); i++)
        if (!strncmp(name, pre[i].p, strlen(pre[i].p))) return pre[i].t;
    return GEN_UNIT_XA;
}

/* "Hà Nội" -> "ha_noi" */
static char *slugify(dc_arena_t *a, const char *s)
{
    dc_buf_t b = DC_BUF_INIT;
    dc_gen_fold(s, strlen(s), &b);
    dc_buf_t l = DC_BUF_INIT;
    dc_gen_case(b.p, b.len, DC_GEN_LOWER, &l);
    for (size_t i = 0; i < l.len; i++)
        if (l.p[i] == ' ' || l.p[i] == '-') l.p[i] = '_';
    char *r = dc_arena_strndup(a, l.p, l.len);
    dc_buf_free(&b);
    dc_buf_free(&l);
    return r;
}

static void load_provinces(gen_ref_t *g)
{
    dc_ref_csv_t c;
    dc_ref_csv_open(&c, "cccd_province_codes_TT07-2016-BCA.csv", ',');
    int ccc = dc_ref_csv_col(&c, "cccd_province_code");
    int cshort = dc_ref_csv_col(&c, "province_name_in_circular");
    int ccode = dc_ref_csv_col(&c, "gso_province_code_pre2025");
    int cfull = dc_ref_csv_col(&c, "gso_province_full_name_pre2025");
    int cnew = dc_ref_csv_col(&c, "province_full_name_after_20250701");
    while (dc_ref_csv_next(&c) && g->nprov < DC_ARRAY_LEN(g->prov)) {
        gen_prov_t *p = &g->prov[g->nprov++];
        memset(p, 0, sizeof *p);
        snprintf(p->code, sizeof p->code, "%s", c.f[ccode]);
        snprintf(p->cccd, sizeof p->cccd, "%s", c.f[ccc]);
        p->short_name = dc_arena_strndup(&g->arena, c.f[cshort], c.flen[cshort]);
        p->full_name = dc_arena_strndup(&g->arena, c.f[cfull], c.flen[cfull]);
        p->new_full = dc_arena_strndup(&g->arena, c.f[cnew], c.flen[cnew]);
        p->slug = slugify(&g->arena, p->short_name);
        p->is_city = !strncmp(p->full_name, "Thành phố", strlen("Thành phố"));
        p->weight = 1000;
        for (size_t i = 0; i < DC_ARRAY_LEN(prov_info); i++)
            if (!strcmp(prov_info[i].code, p->code)) {
                p->weight = prov_info[i].pop;
                p->region = prov_info[i].region;
            }
    }
    dc_ref_csv_close(&c);
}

static void load_wards(gen_ref_t *g)
{
    /* every commune of the 01/03/2025 list, with its district and the
     * commune it became on 1 July 2025 (the first one when it was split) */
    dc_gazetteer_t *gz = dc_gazetteer_load();
    size_t cap[64] = {0};
    size_t n = dc_gazetteer_nwards(gz, 0);
    for (size_t i = 0; i < n; i++) {
        dc_ward_info_t w, nw;
        if (dc_gazetteer_ward_info(gz, i, 0, &w) != 0 || !w.in2025) continue;
        char code[4];
        snprintf(code, sizeof code, "%02u", (unsigned)w.prov_code % 100u);
        int pi = gen_ref_prov_index(g, code);
        if (pi < 0) continue;
        uint32_t newc = w.new_code ? w.new_code : (w.nlinks ? w.links[0].code : 0);
        const char *new_name = w.name;
        if (newc && dc_gazetteer_ward_find(gz, newc, 1, &nw) == 0) new_name = nw.name;
        gen_prov_t *p = &g->prov[pi];
        p->wards = dc_grow(p->wards, &cap[pi], p->nwards + 1, sizeof *p->wards);
        gen_ward_t *gw = &p->wards[p->nwards++];
        gw->name = dc_arena_strndup(&g->arena, w.name, strlen(w.name));
        gw->district = dc_arena_strndup(&g->arena, w.district_name, strlen(w.district_name));
        gw->new_name = dc_arena_strndup(&g->arena, new_name, strlen(new_name));
        gw->type = unit_type(gw->name);
        gw->dtype = unit_type(gw->district);
        gw->number = 0;
        if (gw->type == GEN_UNIT_PHUONG) {
            char *end;
            long v = strtol(w.bare, &end, 10);
            if (end != w.bare && *end == '\0' && v > 0 && v < 100) gw->number = (int16_t)v;
        }
    }
    dc_gazetteer_free(gz);
}

int gen_ref_prov_index(const gen_ref_t *g, const char *code)
{
    for (size_t i = 0; i < g->nprov; i++)
        if (!strcmp(g->prov[i].code, code)) return (int)i;
    return -1;
}

void gen_ref_load(gen_ref_t *g)
{
    memset(g, 0, sizeof *g);
    dc_arena_init(&g->arena, 1 << 16);
    load_surnames(g);
    load_by_sex(g, "derived_middle_name_freq_by_gender.csv", "middle_name", g->mid);
    load_by_sex(g, "derived_given_name_freq_by_gender.csv", "given_name", g->given);
    load_provinces(g);
    load_wards(g);
}

void gen_ref_free(gen_ref_t *g)
{
    for (size_t i = 0; i < g->nprov; i++) free(g->prov[i].wards);
    dc_arena_free(&g->arena);
}

/* ------------------------------------------------------------ ethnicity */

const char *const gen_eth_name[GEN_NETH] = {
    "Kinh", "Tày", "Thái", "Mường", "Mông", "Khmer", "Nùng", "Dao", "Hoa", "Gia Rai",
    "Ê Đê", "Ba Na", "Sán Chay", "Chăm", "Cơ Ho", "Xơ Đăng", "Sán Dìu", "Hrê", "Ra Glai", "Thổ",
};

/* Shares (per mille) by region: north mountains, north delta, central,
 * highlands, south-east, Mekong. Rounded from the 2019 census. */
static const uint16_t eth_share[6][GEN_NETH] = {
    {450, 150, 120, 40, 120, 0, 60, 50, 2, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0},
    {955, 8, 4, 15, 2, 0, 3, 4, 3, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0},
    {930, 2, 20, 20, 2, 0, 1, 1, 2, 0, 0, 0, 0, 4, 0, 4, 0, 5, 5, 4},
    {700, 15, 10, 5, 10, 0, 15, 8, 2, 90, 60, 40, 0, 0, 35, 10, 0, 0, 0, 0},
    {950, 2, 1, 1, 0, 4, 3, 1, 25, 0, 0, 0, 0, 3, 8, 0, 0, 0, 2, 0},
    {920, 0, 0, 0, 0, 70, 0, 0, 8, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0},
};

int gen_pick_share(dc_rng_t *r, const uint16_t *w, int n)
{
    unsigned t = 0;
    for (int i = 0; i < n; i++) t += w[i];
    unsigned x = dc_rng_below(r, t);
    for (int i = 0; i < n; i++) {
        if (x < w[i]) return i;
        x -= w[i];
    }
    return 0;
}

int gen_eth_pick(dc_rng_t *r, int region) { return gen_pick_share(r, eth_share[region % 6], GEN_NETH); }

const char *const gen_rel_name[GEN_NREL] = {
    "Không", "Phật giáo", "Công giáo", "Tin lành", "Cao đài", "Phật giáo Hòa Hảo", "Hồi giáo",
};
static const uint16_t rel_share[6][GEN_NREL] = {
    {900, 30, 40, 30, 0, 0, 0},  {870, 60, 70, 0, 0, 0, 0},  {840, 80, 75, 5, 0, 0, 0},
    {700, 60, 160, 80, 0, 0, 0}, {800, 90, 90, 10, 10, 0, 0}, {760, 100, 40, 5, 35, 55, 5},
};

int gen_rel_pick(dc_rng_t *r, int region) { return gen_pick_share(r, rel_share[region % 6], GEN_NREL); }

/* ------------------------------------------------------------ places */

/* Street names: historical figures and events, as found in every town. */
const char *const gen_street[] = {
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Quang Trung", "Lý Thường Kiệt",
    "Lê Duẩn", "Nguyễn Huệ", "Hùng Vương", "Điện Biên Phủ", "Phan Đình Phùng", "Trần Phú",
    "Nguyễn Du", "Lê Thánh Tông", "Bà Triệu", "Nguyễn Thị Minh Khai", "Võ Thị Sáu",
    "Cách Mạng Tháng Tám", "Ngô Quyền", "Lý Thái Tổ", "Phạm Ngũ Lão", "Nguyễn Văn Cừ",
    "Lạc Long Quân", "Âu Cơ", "Tôn Đức Thắng", "Pasteur", "Nam Kỳ Khởi Nghĩa", "Hoàng Diệu",
    "Phan Chu Trinh", "Phan Bội Châu", "Lê Hồng Phong", "Nguyễn Thái Học", "Chu Văn An",
    "Trần Quốc Toản", "Yết Kiêu", "Đinh Tiên Hoàng", "Lê Lai", "Thống Nhất", "Độc Lập",
    "Hòa Bình", "30 Tháng 4", "3 Tháng 2", "Hoàng Hoa Thám", "Kim Mã", "Xã Đàn", "Giải Phóng",
};
const size_t gen_nstreet = DC_ARRAY_LEN(gen_street);

/* Hamlet and village names. */
const char *const gen_place[] = {
    "Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Đoài", "An Lạc", "Phú Mỹ",
    "Tân Lập", "Hòa Bình", "Phú Hòa", "Tân Hòa", "Bình An", "Thạnh Lợi", "Long Hòa", "Mỹ Phước",
    "Na Hang", "Nà Pồ", "Khuổi Vai", "Cốc Lùng", "Tân Tiến", "Đồng Tâm", "Quyết Thắng",
    "Thắng Lợi", "Đại Đồng", "Yên Thái", "Hậu", "Tiền", "Vĩnh Phú", "Bình Thạnh",
};
const size_t gen_nplace = DC_ARRAY_LEN(gen_place);

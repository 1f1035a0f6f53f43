/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gen_pop.c - one household: its members, their names, dates, IDs and
 * addresses; the extra rows that duplicate some of them (moved, temporary
 * register, typed twice, several times); the corruptions; and the rendering
 * of each row in its target file's style and encoding.
 *
 * Everything here is a function of (seed, household index): the random
 * stream is seeded by those two numbers only, so the result does not depend
 * on which thread generates the household or when.
 */
#include "gen/gen_int.h"
#include "dc_encoding.h"

#include <stddef.h>   /* offsetof */
#include <stdlib.h>   /* free */
#include <string.h>   /* memcpy */

enum { REF_YEAR = 2025, MAXP = 12 };

const char *const gen_kind_name[K__COUNT] = {
    "name_diacritics_dropped", "name_case_changed", "name_tone_placement", "name_d_for_dd",
    "name_typo", "name_middle_dropped", "name_middle_added", "name_telex", "name_extra_spaces",
    "date_year_only", "date_placeholder_00", "date_placeholder_0101", "date_day_month_swapped",
    "date_serial", "date_year_off_by_one", "date_other_format",
    "sex_other_coding", "id_missing", "id_wrong_digit", "id_old_card_instead",
    "address_abbreviated", "address_partial", "address_other_units", "address_ward_form",
    "address_diacritics_dropped", "relative_names_diacritics_dropped",
};

const char *const gen_event_name[D__COUNT] = {
    "dup_moved_province", "dup_temporary_register", "dup_typed_twice", "dup_three_or_four_rows",
    "twins", "father_son_same_name", "common_name", "sibling_groups", "households_with_grandparents",
};

/* Relation to the head of household. */
enum { QH_HEAD, QH_WIFE, QH_HUSBAND, QH_CHILD, QH_FATHER, QH_MOTHER, QH_GRANDCHILD, QH_OTHER,
       QH_LODGER, QH__COUNT };
static const char *const qh_name[QH__COUNT] = {
    "Chủ hộ", "Vợ", "Chồng", "Con", "Bố", "Mẹ", "Cháu", "Khác", "Ở nhờ"};

typedef struct {
    char sur[24], mid[48], given[24];
    uint8_t sex;              /* 0 male, 1 female */
    uint8_t qh, eth, rel;
    uint8_t year_only;        /* only the birth year is on record */
    int16_t by;
    uint8_t bm, bd;
    int16_t dy;               /* year of death, 0 if alive */
    uint8_t dm, dd;
    char id12[13], cmnd[10];  /* serials filled in by gen_house_assign_ids() */
    int32_t idgroup;          /* (birth province, sex/century digit, year) of id12; -1: no id12 */
    uint8_t has_cmnd;
    char father[112], mother[112], spouse[112];
    int16_t home_prov, home_ward;
} person_t;

typedef struct {
    int prov, ward;
    char street[96];          /* "Số 12 ngõ 34 Phố Huế", "Thôn Đông", ... */
} addr_t;

struct gen_house {
    dc_rng_t rng;             /* the household's stream, where building stopped */
    addr_t addr;
    char ma_ho[16];
    int n;
    person_t p[MAXP];
};
typedef gen_house_t house_t;

size_t gen_house_bytes(void) { return sizeof(house_t); }

/* ------------------------------------------------------------ sizes */

int gen_household_size(uint64_t seed, uint64_t h)
{
    /* household sizes, percent (2019 census average 3.5 persons) */
    static const uint8_t w[8] = {10, 20, 22, 25, 13, 6, 3, 1};
    dc_rng_t r;
    dc_rng_seed(&r, seed, h, 1);
    unsigned x = dc_rng_below(&r, 100);
    for (int i = 0; i < 8; i++) {
        if (x < w[i]) return i + 1;
        x -= w[i];
    }
    return 4;
}

/* ------------------------------------------------------------ people */

static void set_str(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap) n = cap - 1;
    memmove(dst, s, n);
    dst[n] = '\0';
}

static void full_name(const person_t *p, char *out, size_t cap)
{
    if (p->mid[0]) snprintf(out, cap, "%s %s %s", p->sur, p->mid, p->given);
    else snprintf(out, cap, "%s %s", p->sur, p->given);
}

static const char *pick_sur(const gen_ctx_t *c, dc_rng_t *r, int region, int eth)
{
    static const char *const mong[] = {"Giàng", "Sùng", "Vàng", "Thào", "Lý", "Hầu", "Mùa"};
    static const char *const khmer[] = {"Thạch", "Danh", "Sơn", "Kim", "Lâm", "Châu"};
    static const char *const hoa[] = {"Lý", "Lâm", "Trương", "Quách", "Diệp", "Châu", "Mã", "Hứa"};
    if (eth == 4) return mong[dc_rng_below(r, DC_ARRAY_LEN(mong))];
    if (eth == 5 && dc_rng_chance(r, 0.8)) return khmer[dc_rng_below(r, DC_ARRAY_LEN(khmer))];
    if (eth == 8 && dc_rng_chance(r, 0.6)) return hoa[dc_rng_below(r, DC_ARRAY_LEN(hoa))];
    const gen_wlist_t *w = region >= GEN_REGION_HIGHLANDS ? &c->ref->sur_south : &c->ref->sur;
    return gen_wlist_pick(w, r);
}

static void pick_mid_given(const gen_ctx_t *c, dc_rng_t *r, person_t *p)
{
    if (p->eth == 4) { /* Mông: A for men, Thị or none for women */
        set_str(p->mid, sizeof p->mid, p->sex ? (dc_rng_chance(r, 0.6) ? "Thị" : "") : "A");
    } else {
        set_str(p->mid, sizeof p->mid, gen_wlist_pick(&c->ref->mid[p->sex], r));
    }
    set_str(p->given, sizeof p->given, gen_wlist_pick(&c->ref->given[p->sex], r));
}

/* A name for someone outside the household (a parent not living here). */
static void outside_name(const gen_ctx_t *c, dc_rng_t *r, int sex, const char *sur, int region,
                         int eth, char *out, size_t cap)
{
    person_t t;
    memset(&t, 0, sizeof t);
    t.sex = (uint8_t)sex;
    t.eth = (uint8_t)eth;
    set_str(t.sur, sizeof t.sur, sur ? sur : pick_sur(c, r, region, eth));
    pick_mid_given(c, r, &t);
    full_name(&t, out, cap);
}

static void birth_date(dc_rng_t *r, person_t *p, int age)
{
    p->by = (int16_t)(REF_YEAR - age);
    p->bm = (uint8_t)(1 + dc_rng_below(r, 12));
    p->bd = (uint8_t)(1 + dc_rng_below(r, (uint32_t)dc_gen_days_in_month(p->by, p->bm)));
    if (p->by == REF_YEAR && p->bm > 6) p->bm = (uint8_t)(1 + dc_rng_below(r, 6));
    p->year_only = (uint8_t)((p->by < 1945 && dc_rng_chance(r, 0.3)) ||
                             (p->by < 1975 && dc_rng_chance(r, 0.04)));
}

/* Adult age of a household head: an age pyramid for heads, 20..95. */
static int head_age(dc_rng_t *r)
{
    static const struct { int lo, hi, w; } band[] = {
        {20, 29, 12}, {30, 39, 22}, {40, 49, 21}, {50, 59, 19}, {60, 69, 15}, {70, 79, 8}, {80, 95, 3}};
    unsigned x = dc_rng_below(r, 100);
    for (size_t i = 0; i < DC_ARRAY_LEN(band); i++) {
        if (x < (unsigned)band[i].w) return band[i].lo + (int)dc_rng_below(r, (uint32_t)(band[i].hi - band[i].lo + 1));
        x -= (unsigned)band[i].w;
    }
    return 40;
}

static void make_ids(const gen_ctx_t *c, dc_rng_t *r, person_t *p, int prov)
{
    const gen_ref_t *g = c->ref;
    int bprov = dc_rng_chance(r, 0.85) ? prov : (int)dc_rng_below(r, (uint32_t)g->nprov);
    int digit = (p->by >= 2000 ? 2 : 0) + p->sex;
    p->idgroup = -1;
    p->id12[0] = '\0';
    if (dc_rng_chance(r, 0.97)) {
        snprintf(p->id12, sizeof p->id12, "%s%d%02d", g->prov[bprov].cccd, digit, p->by % 100);
        p->idgroup = (int32_t)((bprov * 4 + digit) * 100 + p->by % 100);
    }
    p->cmnd[0] = '\0';
    p->has_cmnd = p->by <= 2006 && dc_rng_chance(r, 0.55);
}

static void make_address(const gen_ctx_t *c, dc_rng_t *r, int prov, addr_t *a)
{
    const gen_prov_t *p = &c->ref->prov[prov];
    a->prov = prov;
    a->ward = (int)dc_rng_below(r, (uint32_t)p->nwards);
    const gen_ward_t *w = &p->wards[a->ward];
    const char *street = gen_street[dc_rng_below(r, (uint32_t)gen_nstreet)];
    const char *place = gen_place[dc_rng_below(r, (uint32_t)gen_nplace)];
    int south = p->region >= GEN_REGION_SOUTHEAST;
    unsigned house = 1 + dc_rng_below(r, 300);
    if (w->type == GEN_UNIT_PHUONG || w->type == GEN_UNIT_THITRAN) {
        switch (dc_rng_below(r, 4)) {
        case 0:
            snprintf(a->street, sizeof a->street, "Số %u %s %u %s %s", house,
                     south ? "hẻm" : "ngõ", 1 + dc_rng_below(r, 200), p->is_city && !south ? "Phố" : "đường",
                     street);
            break;
        case 1:
            snprintf(a->street, sizeof a->street, "%u/%u %s", house, 1 + dc_rng_below(r, 60), street);
            break;
        case 2:
            snprintf(a->street, sizeof a->street, "Tổ dân phố %u", 1 + dc_rng_below(r, 30));
            break;
        default:
            snprintf(a->street, sizeof a->street, "Số %u %s", house, street);
            break;
        }
    } else if (south) {
        if (dc_rng_chance(r, 0.5)) snprintf(a->street, sizeof a->street, "Ấp %u", 1 + dc_rng_below(r, 9));
        else snprintf(a->street, sizeof a->street, "Ấp %s", place);
    } else if (p->region == GEN_REGION_NORTH_MOUNTAIN && dc_rng_chance(r, 0.5)) {
        snprintf(a->street, sizeof a->street, "Bản %s", place);
    } else if (dc_rng_chance(r, 0.3)) {
        snprintf(a->street, sizeof a->street, "Xóm %u", 1 + dc_rng_below(r, 15));
    } else {
        snprintf(a->street, sizeof a->street, "Thôn %s", place);
    }
}

static void make_ma_ho(const gen_ctx_t *c, dc_rng_t *r, int prov, char *out, size_t cap)
{
    snprintf(out, cap, "%s%09u", c->ref->prov[prov].cccd, dc_rng_below(r, 1000000000));
}

/* Build the household's members. Returns the number of events counted. */
static void make_house(const gen_ctx_t *c, dc_rng_t *r, uint64_t h, int size, house_t *H,
                       gen_counts_t *cnt)
{
    const gen_ref_t *g = c->ref;
    memset(&H->addr, 0, offsetof(house_t, p) - offsetof(house_t, addr));
    /* province: weighted among the selected ones */
    double x = dc_rng_unit(r) * c->selcum[c->nsel - 1];
    int si = 0;
    while (si < c->nsel - 1 && c->selcum[si] <= x) si++;
    int prov = c->sel[si];
    int region = g->prov[prov].region;
    make_address(c, r, prov, &H->addr);
    make_ma_ho(c, r, prov, H->ma_ho, sizeof H->ma_ho);
    DC_UNUSED(h);
    int eth = gen_eth_pick(r, region), rel = gen_rel_pick(r, region);

    H->n = size;
    person_t *P = H->p;
    memset(P, 0, sizeof(person_t) * (size_t)size);
    for (int i = 0; i < size; i++) {
        P[i].idgroup = -1;
        P[i].eth = (uint8_t)eth;
        P[i].rel = (uint8_t)rel;
        P[i].home_prov = (int16_t)(dc_rng_chance(r, 0.75) ? prov : (int)dc_rng_below(r, (uint32_t)g->nprov));
        P[i].home_ward = (int16_t)dc_rng_below(r, (uint32_t)DC_MAX(g->prov[P[i].home_prov].nwards, 1));
    }
    /* head */
    person_t *hd = &P[0];
    hd->qh = QH_HEAD;
    hd->sex = (uint8_t)dc_rng_chance(r, 0.28);
    int hage = head_age(r);
    if (size >= 4 && hage < 30) hage += 10;
    birth_date(r, hd, hage);
    set_str(hd->sur, sizeof hd->sur, pick_sur(c, r, region, eth));
    pick_mid_given(c, r, hd);
    int k = 1;
    /* spouse */
    int spouse = -1;
    if (size >= 2 && dc_rng_chance(r, 0.85)) {
        spouse = k++;
        person_t *sp = &P[spouse];
        sp->sex = (uint8_t)!hd->sex;
        sp->qh = sp->sex ? QH_WIFE : QH_HUSBAND;
        int sage = hd->sex ? hage + (int)dc_rng_below(r, 7) : hage - (int)dc_rng_below(r, 7);
        birth_date(r, sp, DC_MAX(sage, 19));
        if (dc_rng_chance(r, 0.1)) sp->eth = (uint8_t)gen_eth_pick(r, region);
        set_str(sp->sur, sizeof sp->sur, pick_sur(c, r, region, sp->eth));
        pick_mid_given(c, r, sp);
    }
    /* grandparents: the head's parents */
    int gf = -1, gm = -1;
    if (size - k >= 3 && hage < 55 && dc_rng_chance(r, 0.3)) {
        int both = size - k >= 4 && dc_rng_chance(r, 0.5);
        int page = hage + 22 + (int)dc_rng_below(r, 14);
        if (both || dc_rng_chance(r, 0.4)) {
            gf = k++;
            P[gf].sex = 0;
            P[gf].qh = QH_FATHER;
            birth_date(r, &P[gf], page);
            set_str(P[gf].sur, sizeof P[gf].sur, hd->sur);
            pick_mid_given(c, r, &P[gf]);
        }
        if (both || gf < 0) {
            gm = k++;
            P[gm].sex = 1;
            P[gm].qh = QH_MOTHER;
            birth_date(r, &P[gm], page - (int)dc_rng_below(r, 6));
            set_str(P[gm].sur, sizeof P[gm].sur, pick_sur(c, r, region, eth));
            pick_mid_given(c, r, &P[gm]);
        }
        cnt->event[N_GRANDPARENTS]++;
    }
    /* the head's parents' names */
    if (gf >= 0) full_name(&P[gf], hd->father, sizeof hd->father);
    else outside_name(c, r, 0, hd->sur, region, eth, hd->father, sizeof hd->father);
    if (gm >= 0) full_name(&P[gm], hd->mother, sizeof hd->mother);
    else outside_name(c, r, 1, NULL, region, eth, hd->mother, sizeof hd->mother);
    if (spouse >= 0) {
        person_t *sp = &P[spouse];
        outside_name(c, r, 0, sp->sur, region, sp->eth, sp->father, sizeof sp->father);
        outside_name(c, r, 1, NULL, region, sp->eth, sp->mother, sizeof sp->mother);
        full_name(sp, hd->spouse, sizeof hd->spouse);
        full_name(hd, sp->spouse, sizeof sp->spouse);
    }
    /* children: the father's surname; born when the mother was 18..44 */
    const person_t *father = !hd->sex ? hd : (spouse >= 0 ? &P[spouse] : NULL);
    const person_t *mother = hd->sex ? hd : (spouse >= 0 ? &P[spouse] : NULL);
    char ext_father[112] = "";
    char child_sur[24];
    if (father) {
        set_str(child_sur, sizeof child_sur, father->sur);
    } else {
        set_str(child_sur, sizeof child_sur, pick_sur(c, r, region, eth));
        outside_name(c, r, 0, child_sur, region, eth, ext_father, sizeof ext_father);
    }
    int mage = mother ? REF_YEAR - mother->by : hage;
    int nchild = 0, prev = -1;
    for (; k < size; k++) {
        person_t *ch = &P[k];
        ch->sex = (uint8_t)dc_rng_chance(r, 0.49);
        ch->qh = QH_CHILD;
        int span = mage - 18;
        int age;
        if (prev >= 0 && dc_rng_chance(r, 0.03)) {
            /* twins: same birth date and parents, different given names */
            *ch = P[prev];
            ch->sex = (uint8_t)dc_rng_chance(r, 0.5);
            pick_mid_given(c, r, ch);
            for (int tries = 0; tries < 8 && !strcmp(ch->given, P[prev].given); tries++)
                pick_mid_given(c, r, ch);
            if (!strcmp(ch->given, P[prev].given)) set_str(ch->given, sizeof ch->given, ch->sex ? "Hà" : "Hải");
            cnt->event[N_TWINS]++;
            make_ids(c, r, ch, prov);
            prev = k;
            nchild++;
            continue;
        }
        /* siblings at least a year apart (a few tries; twins are above) */
        for (int tries = 0;; tries++) {
            if (span <= 0) age = (int)dc_rng_below(r, 3);
            else age = mage - 18 - (int)dc_rng_below(r, (uint32_t)DC_MIN(span, 27));
            if (mage - age > 45) age = mage - 45 + (int)dc_rng_below(r, 5);
            if (age < 0) age = 0;
            int clash = 0;
            for (int j = 0; j < k; j++)
                clash |= P[j].qh == QH_CHILD && REF_YEAR - P[j].by == age;
            if (!clash || tries == 4) break;
        }
        birth_date(r, ch, age);
        ch->eth = (uint8_t)eth;
        set_str(ch->sur, sizeof ch->sur, child_sur);
        pick_mid_given(c, r, ch);
        if (father && !ch->sex && dc_rng_chance(r, 0.004)) {
            /* a son with his father's full name */
            set_str(ch->mid, sizeof ch->mid, father->mid);
            set_str(ch->given, sizeof ch->given, father->given);
            cnt->event[N_FATHER_SON]++;
        } else if (!strcmp(ch->sur, "Nguyễn") && dc_rng_chance(r, 0.05)) {
            /* the commonest names: many distinct people share them */
            static const char *const gm_[] = {"Hùng", "Dũng", "Tuấn", "Minh", "Nam", "Hải"};
            static const char *const gf_[] = {"Lan", "Hương", "Hoa", "Hằng", "Linh", "Trang"};
            set_str(ch->mid, sizeof ch->mid, ch->sex ? "Thị" : "Văn");
            set_str(ch->given, sizeof ch->given, ch->sex ? gf_[dc_rng_below(r, 6)] : gm_[dc_rng_below(r, 6)]);
            cnt->event[N_COMMON_NAME]++;
        }
        prev = k;
        nchild++;
    }
    if (nchild >= 2) cnt->event[N_SIBLINGS]++;
    for (int i = 0; i < size; i++) {
        person_t *p = &P[i];
        if (p->qh == QH_CHILD) {
            if (father) full_name(father, p->father, sizeof p->father);
            else set_str(p->father, sizeof p->father, ext_father);
            if (mother) full_name(mother, p->mother, sizeof p->mother);
            else outside_name(c, r, 1, NULL, region, eth, p->mother, sizeof p->mother);
            if (p->idgroup < 0 && !p->has_cmnd) make_ids(c, r, p, prov);
        } else if (p->qh == QH_FATHER || p->qh == QH_MOTHER) {
            if (gf >= 0 && gm >= 0) {
                person_t *o = &P[p->qh == QH_FATHER ? gm : gf];
                full_name(o, p->spouse, sizeof p->spouse);
            }
            if (dc_rng_chance(r, 0.5)) {
                outside_name(c, r, 0, p->qh == QH_FATHER ? p->sur : NULL, region, eth, p->father,
                             sizeof p->father);
                outside_name(c, r, 1, NULL, region, eth, p->mother, sizeof p->mother);
            }
            make_ids(c, r, p, prov);
        } else {
            make_ids(c, r, p, prov);
        }
        if (p->by < 1950 && dc_rng_chance(r, 0.02)) {
            p->dy = (int16_t)(2015 + dc_rng_below(r, 10));
            p->dm = (uint8_t)(1 + dc_rng_below(r, 12));
            p->dd = (uint8_t)(1 + dc_rng_below(r, 28));
        }
    }
}

/* ------------------------------------------------------------ corruption */

typedef struct {
    uint32_t mask;            /* 1 << gen_kind_t */
} corr_t;

static void pick_corruptions(dc_rng_t *r, int nkinds, corr_t *co, gen_counts_t *cnt)
{
    /* weights of the kinds (per mille of corruptions) */
    static const uint16_t w[K__COUNT] = {
        120, 50, 50, 35, 90, 40, 25, 10, 25,   /* names */
        30, 20, 25, 25, 15, 25, 25,            /* dates */
        25, 45, 35, 35,                        /* sex, ids */
        40, 40, 40, 30, 25, 20,                /* addresses, relatives */
    };
    co->mask = 0;
    for (int j = 0; j < nkinds; j++) co->mask |= 1u << gen_pick_share(r, w, K__COUNT);
    for (int k = 0; k < K__COUNT; k++)
        if (co->mask & (1u << k)) cnt->kind[k]++;
}

#define HAS(co, k) ((co)->mask & (1u << (k)))

/* ------------------------------------------------------------ rendering */

enum { SB_A, SB_B, SB_NAME, SB_FIELDS, SB_ROW, SB_ENC, SB__COUNT };

typedef struct {
    uint32_t off[C__COUNT], len[C__COUNT];
} fields_t;

/* Apply the whole-text name corruptions and the file's case to s. */
static void name_text(const gen_file_t *f, const corr_t *co, int case_mode, const char *s, size_t n,
                      dc_buf_t *out, dc_buf_t *t1, dc_buf_t *t2)
{
    dc_buf_clear(t1);
    dc_buf_put(t1, s, n);
    if (HAS(co, K_NAME_TONE)) { dc_buf_clear(t2); dc_gen_tone_swap(t1->p, t1->len, t2); dc_buf_clear(t1); dc_buf_put(t1, t2->p, t2->len); }
    if (HAS(co, K_NAME_DD)) { dc_buf_clear(t2); dc_gen_dd(t1->p, t1->len, t2); dc_buf_clear(t1); dc_buf_put(t1, t2->p, t2->len); }
    if (HAS(co, K_NAME_TELEX)) { dc_buf_clear(t2); dc_gen_telex(t1->p, t1->len, t2); dc_buf_clear(t1); dc_buf_put(t1, t2->p, t2->len); }
    else if (HAS(co, K_NAME_FOLD)) { dc_buf_clear(t2); dc_gen_fold(t1->p, t1->len, t2); dc_buf_clear(t1); dc_buf_put(t1, t2->p, t2->len); }
    int cm = f->header == H_ASCII_UPPER ? DC_GEN_UPPER : -1;
    if (HAS(co, K_NAME_CASE)) cm = case_mode;
    if (cm >= 0) dc_gen_case(t1->p, t1->len, cm, out);
    else dc_buf_put(out, t1->p, t1->len);
}

static void add_field(dc_buf_t *fb, fields_t *fl, int col, const char *s, size_t n)
{
    fl->off[col] = (uint32_t)fb->len;
    dc_buf_put(fb, s, n);
    fl->len[col] = (uint32_t)n;
}

static void add_fieldf(dc_buf_t *fb, fields_t *fl, int col, const char *s)
{
    add_field(fb, fl, col, s, strlen(s));
}

static void unit_name(dc_buf_t *b, const char *name, int type, int abbrev, int lower)
{
    const char *full = gen_unit_full[type];
    size_t fl = strlen(full);
    const char *rest = name;
    if (!strncmp(name, full, fl) && name[fl] == ' ') rest = name + fl + 1;
    if (abbrev) {
        dc_buf_puts(b, gen_unit_abbr[type]);
        dc_buf_putc(b, ' ');
    } else if (lower) {
        dc_gen_case(full, fl, DC_GEN_LOWER, b);
        dc_buf_putc(b, ' ');
    } else {
        dc_buf_puts(b, full);
        dc_buf_putc(b, ' ');
    }
    dc_buf_puts(b, rest);
}

/* Province part: "Thành phố Hà Nội", "TP. Hà Nội", "tỉnh Nam Định", "T. Nam Định". */
static void prov_name(dc_buf_t *b, const char *full, int abbrev, int lower)
{
    int city = !strncmp(full, "Thành phố ", strlen("Thành phố "));
    unit_name(b, full, city ? GEN_UNIT_THANHPHO : GEN_UNIT_TINH, abbrev, lower);
}

/* Write an address: street part, ward, district (pre-2025), province. */
static void render_address(const gen_ctx_t *c, const gen_file_t *f, const addr_t *a, const corr_t *co,
                           dc_rng_t *r, dc_buf_t *out, dc_buf_t *tmp)
{
    const gen_prov_t *p = &c->ref->prov[a->prov];
    const gen_ward_t *w = &p->wards[a->ward];
    int abbrev = f->abbrev ^ !!HAS(co, K_ADDR_ABBREV);
    int post = f->post2025 ^ !!HAS(co, K_ADDR_UNITS);
    int lower = !abbrev && (f->abbrev == 0 && (f->datefmt & 1));
    int partial = HAS(co, K_ADDR_PARTIAL) ? 1 + (int)dc_rng_below(r, 3) : 0;
    dc_buf_t *b = tmp;
    dc_buf_clear(b);
    if (partial != 3) {
        dc_buf_puts(b, a->street);
        dc_buf_puts(b, ", ");
    }
    if (!post && w->number && (HAS(co, K_ADDR_WARD_FORM) || abbrev)) {
        dc_gen_ward_fmt_t wf = HAS(co, K_ADDR_WARD_FORM)
                                   ? (dc_gen_ward_fmt_t)(1 + dc_rng_below(r, DC_GEN_WARD__COUNT - 1))
                                   : DC_GEN_WARD_P_DOT;
        dc_gen_ward(w->number, wf, b);
    } else {
        unit_name(b, post ? w->new_name : w->name, w->type == GEN_UNIT_THITRAN && post ? GEN_UNIT_XA : w->type,
                  abbrev, lower);
    }
    if (!post && partial != 1) {
        dc_buf_puts(b, ", ");
        unit_name(b, w->district, w->dtype, abbrev, lower);
    }
    if (partial != 2) {
        dc_buf_puts(b, ", ");
        prov_name(b, post ? p->new_full : p->full_name, abbrev, lower);
    }
    if (HAS(co, K_ADDR_FOLD)) dc_gen_fold(b->p, b->len, out);
    else if (f->header == H_ASCII_UPPER) dc_gen_case(b->p, b->len, DC_GEN_UPPER, out);
    else dc_buf_put(out, b->p, b->len);
}

static void render_hometown(const gen_ctx_t *c, const person_t *p, dc_rng_t *r, dc_buf_t *out)
{
    const gen_prov_t *hp = &c->ref->prov[p->home_prov];
    if (!hp->nwards || dc_rng_chance(r, 0.5)) {
        dc_buf_puts(out, hp->short_name);
        return;
    }
    const gen_ward_t *w = &hp->wards[p->home_ward];
    unit_name(out, w->name, w->type, 0, 0);
    dc_buf_puts(out, ", ");
    unit_name(out, w->district, w->dtype, 0, 0);
    dc_buf_puts(out, ", ");
    prov_name(out, hp->full_name, 0, 0);
}

static void sex_text(int coding, int female, dc_buf_t *out)
{
    static const char *const t[S__COUNT][2] = {
        {"Nam", "Nữ"}, {"nam", "nu"}, {"M", "F"}, {"1", "0"}, {"0", "1"}};
    dc_buf_puts(out, t[coding][female]);
}

/* Everything that varies between the rows of one person. */
typedef struct {
    int file;
    int qh;
    const addr_t *perm;       /* permanent address */
    const addr_t *cur;        /* current address, NULL: same as permanent */
    const char *ma_ho;
    int level;                /* 0 clean, 1 an original with a corruption, 2 a duplicate */
    int old_entry;            /* an entry made years ago, often before the 12-digit IDs */
} rowspec_t;

static void emit_row(const gen_ctx_t *c, const person_t *p, const rowspec_t *rs, uint64_t pid,
                     dc_rng_t *r, gen_block_t *blk, dc_buf_t *sb)
{
    const gen_file_t *f = &c->files[rs->file];
    const gen_ref_t *g = c->ref;
    corr_t co = {0};
    if (rs->level == 1) pick_corruptions(r, 1, &co, &blk->cnt);
    else if (rs->level == 2 && !dc_rng_chance(r, 0.08)) pick_corruptions(r, 1 + (int)dc_rng_below(r, 3), &co, &blk->cnt);
    if (rs->old_entry && dc_rng_chance(r, 0.35)) {
        /* registered before the 12-digit ID: the old card number, or none */
        gen_kind_t k = p->has_cmnd ? K_ID_CMND_INSTEAD : K_ID_MISSING;
        if (!HAS(&co, k)) blk->cnt.kind[k]++;
        co.mask |= 1u << k;
    }
    if (co.mask) blk->cnt.rows_corrupt++;
    if (rs->level == 2) blk->cnt.rows_dup++;
    else blk->cnt.rows_orig++;

    dc_buf_t *fb = &sb[SB_FIELDS];
    dc_buf_clear(fb);
    fields_t fl;
    memset(&fl, 0, sizeof fl);

    /* ---- name pieces */
    char mid[64];
    set_str(mid, sizeof mid, p->mid);
    if (HAS(&co, K_NAME_MID_DROP)) {
        if (mid[0]) {
            char *sp = strrchr(mid, ' ');
            if (sp && dc_rng_chance(r, 0.5)) *sp = '\0';
            else mid[0] = '\0';
        } else {
            co.mask |= 1u << K_NAME_MID_ADD;
        }
    }
    if (HAS(&co, K_NAME_MID_ADD) && !HAS(&co, K_NAME_MID_DROP)) {
        const char *add = gen_wlist_pick(&g->mid[p->sex], r);
        if (!add[0]) add = p->sex ? "Thị" : "Văn";
        if (mid[0] && strlen(mid) + strlen(add) + 2 < sizeof mid) {
            char t[160];
            snprintf(t, sizeof t, "%s %s", p->sex ? "Thị" : "Văn", mid);
            if (!strncmp(mid, p->sex ? "Thị" : "Văn", 3)) snprintf(t, sizeof t, "%s %s", mid, add);
            set_str(mid, sizeof mid, t);
        } else if (!mid[0]) {
            set_str(mid, sizeof mid, add);
        }
    }
    const char *pieces[3] = {p->sur, mid, p->given};
    int typo_piece = HAS(&co, K_NAME_TYPO) ? (dc_rng_chance(r, 0.6) ? 2 : (mid[0] ? 1 : 0)) : -1;
    int case_mode = dc_rng_chance(r, 0.6) ? DC_GEN_UPPER : DC_GEN_LOWER;
    dc_buf_t *nb = &sb[SB_NAME];
    dc_buf_clear(nb);
    uint32_t poff[3], plen[3];
    for (int i = 0; i < 3; i++) {
        poff[i] = (uint32_t)nb->len;
        const char *s = pieces[i];
        size_t n = strlen(s);
        if (i == typo_piece) {
            dc_buf_clear(&sb[SB_A]);
            dc_gen_typo(r, s, n, &sb[SB_A]);
            dc_buf_t keep = sb[SB_A];
            sb[SB_A] = sb[SB_ROW];
            sb[SB_ROW] = keep;
            name_text(f, &co, case_mode, sb[SB_ROW].p, sb[SB_ROW].len, nb, &sb[SB_A], &sb[SB_B]);
        } else {
            name_text(f, &co, case_mode, s, n, nb, &sb[SB_A], &sb[SB_B]);
        }
        plen[i] = (uint32_t)(nb->len - poff[i]);
    }
    int spaces = HAS(&co, K_NAME_SPACES);
    if (f->header == H_SPLIT) {
        add_field(fb, &fl, C_HO, nb->p + poff[0], plen[0]);
        add_field(fb, &fl, C_TENDEM, nb->p + poff[1], plen[1]);
        fl.off[C_TEN] = (uint32_t)fb->len;
        dc_buf_put(fb, nb->p + poff[2], plen[2]);
        if (spaces) dc_buf_putc(fb, ' ');
        fl.len[C_TEN] = (uint32_t)(fb->len - fl.off[C_TEN]);
    } else {
        fl.off[C_HOTEN] = (uint32_t)fb->len;
        for (int i = 0; i < 3; i++) {
            if (!plen[i]) continue;
            if (fb->len > fl.off[C_HOTEN]) dc_buf_puts(fb, spaces && i == 2 ? "  " : " ");
            dc_buf_put(fb, nb->p + poff[i], plen[i]);
        }
        fl.len[C_HOTEN] = (uint32_t)(fb->len - fl.off[C_HOTEN]);
    }

    /* ---- record id is inserted by the writer; ma_tinh, ma_ho, relation */
    const gen_prov_t *fp = &g->prov[f->prov];
    add_fieldf(fb, &fl, C_MATINH, f->matinh_name ? fp->short_name : fp->code);
    add_fieldf(fb, &fl, C_MAHO, rs->ma_ho);
    add_fieldf(fb, &fl, C_QH, qh_name[rs->qh]);

    /* ---- birth date */
    int y = p->by, m = p->bm, d = p->bd;
    dc_gen_date_fmt_t df = (dc_gen_date_fmt_t)f->datefmt;
    if (p->year_only) df = f->datefmt == DC_GEN_DATE_ISO ? DC_GEN_DATE_YEAR
                           : (f->prov & 1) ? DC_GEN_DATE_PH01 : DC_GEN_DATE_PH00;
    if (HAS(&co, K_DATE_YEAR_ONLY)) df = DC_GEN_DATE_YEAR;
    if (HAS(&co, K_DATE_PH00)) df = DC_GEN_DATE_PH00;
    if (HAS(&co, K_DATE_PH01)) df = DC_GEN_DATE_PH01;
    if (HAS(&co, K_DATE_SERIAL)) df = DC_GEN_DATE_SERIAL;
    if (HAS(&co, K_DATE_OTHER_FMT)) {
        static const dc_gen_date_fmt_t other[] = {DC_GEN_DATE_DMY_SHORT, DC_GEN_DATE_DMY_YY,
                                                  DC_GEN_DATE_MY, DC_GEN_DATE_ISO, DC_GEN_DATE_DMY_DASH};
        dc_gen_date_fmt_t o = other[dc_rng_below(r, DC_ARRAY_LEN(other))];
        df = o == df ? DC_GEN_DATE_DMY : o;
    }
    if (HAS(&co, K_DATE_SWAP) && d <= 12 && d != m) { int t = d; d = m; m = t; }
    if (HAS(&co, K_DATE_YEAR_OFF)) y += dc_rng_chance(r, 0.5) ? 1 : -1;
    fl.off[C_NGAYSINH] = (uint32_t)fb->len;
    dc_gen_date(y, m, d, df, fb);
    fl.len[C_NGAYSINH] = (uint32_t)(fb->len - fl.off[C_NGAYSINH]);
    fl.off[C_NAMSINH] = (uint32_t)fb->len;
    dc_buf_printf(fb, "%04d", y);
    fl.len[C_NAMSINH] = (uint32_t)(fb->len - fl.off[C_NAMSINH]);

    /* ---- sex */
    fl.off[C_GT] = (uint32_t)fb->len;
    int coding = f->sex;
    if (HAS(&co, K_SEX_CODE)) coding = (coding + 1 + (int)dc_rng_below(r, 2)) % 3;
    sex_text(coding, p->sex, fb);
    fl.len[C_GT] = (uint32_t)(fb->len - fl.off[C_GT]);

    /* ---- ids */
    char id[16];
    set_str(id, sizeof id, p->id12);
    const char *cmnd = p->cmnd;
    if (HAS(&co, K_ID_MISSING)) id[0] = '\0';
    if (HAS(&co, K_ID_WRONG_DIGIT) && id[0]) {
        int pos = 6 + (int)dc_rng_below(r, 6);
        id[pos] = (char)('0' + (id[pos] - '0' + 1 + (int)dc_rng_below(r, 9)) % 10);
    }
    if (HAS(&co, K_ID_CMND_INSTEAD)) {
        if (cmnd[0]) { set_str(id, sizeof id, cmnd); cmnd = ""; }
        else id[0] = '\0';
    }
    add_fieldf(fb, &fl, C_DINHDANH, id);
    add_fieldf(fb, &fl, C_CMND, cmnd);

    /* ---- ethnic group, religion, nationality */
    add_fieldf(fb, &fl, C_DANTOC, gen_eth_name[p->eth]);
    add_fieldf(fb, &fl, C_TONGIAO, gen_rel_name[p->rel]);
    add_fieldf(fb, &fl, C_QUOCTICH, f->header == H_ASCII_UPPER ? "VIỆT NAM" : "Việt Nam");

    /* ---- addresses */
    fl.off[C_QUEQUAN] = (uint32_t)fb->len;
    render_hometown(c, p, r, fb);
    fl.len[C_QUEQUAN] = (uint32_t)(fb->len - fl.off[C_QUEQUAN]);
    fl.off[C_THUONGTRU] = (uint32_t)fb->len;
    render_address(c, f, rs->perm, &co, r, fb, &sb[SB_A]);
    fl.len[C_THUONGTRU] = (uint32_t)(fb->len - fl.off[C_THUONGTRU]);
    fl.off[C_NOIO] = (uint32_t)fb->len;
    if (rs->cur) {
        corr_t none = {0};
        render_address(c, f, rs->cur, &none, r, fb, &sb[SB_A]);
    } else if (dc_rng_chance(r, 0.5)) {
        dc_buf_reserve(fb, fl.len[C_THUONGTRU]);  /* copying from itself: no realloc during put */
        dc_buf_put(fb, fb->p + fl.off[C_THUONGTRU], fl.len[C_THUONGTRU]);
    }
    fl.len[C_NOIO] = (uint32_t)(fb->len - fl.off[C_NOIO]);

    /* ---- relatives */
    const char *rel[3] = {p->father, p->mother, p->spouse};
    for (int i = 0; i < 3; i++) {
        int col = C_CHA + i;
        fl.off[col] = (uint32_t)fb->len;
        if (HAS(&co, K_REL_FOLD)) dc_gen_fold(rel[i], strlen(rel[i]), fb);
        else if (f->header == H_ASCII_UPPER) dc_gen_case(rel[i], strlen(rel[i]), DC_GEN_UPPER, fb);
        else dc_buf_puts(fb, rel[i]);
        fl.len[col] = (uint32_t)(fb->len - fl.off[col]);
    }
    fl.off[C_NGAYCHET] = (uint32_t)fb->len;
    if (p->dy) dc_gen_date(p->dy, p->dm, p->dd, (dc_gen_date_fmt_t)f->datefmt, fb);
    fl.len[C_NGAYCHET] = (uint32_t)(fb->len - fl.off[C_NGAYCHET]);

    /* ---- extra columns */
    fl.off[C_X_GHICHU] = (uint32_t)fb->len;
    uint32_t note = dc_rng_below(r, 100);
    /* one draw per statement: the order of evaluation of arguments is
     * unspecified in C, and the output must not depend on the compiler */
    if (note < 2) {
        const char *from = g->prov[dc_rng_below(r, (uint32_t)g->nprov)].short_name;
        unsigned dd = 1 + dc_rng_below(r, 28);
        unsigned mm = 1 + dc_rng_below(r, 12);
        unsigned yy = 2010 + dc_rng_below(r, 15);
        dc_buf_printf(fb, "Chuyển đến từ %s, ngày %02u/%02u/%u", from, dd, mm, yy);
    }
    else if (note < 3) dc_buf_puts(fb, "Đã cắt khẩu\nchờ xác nhận");
    else if (note < 4) dc_buf_puts(fb, "Ghi chú: \"tạm vắng\"; xem hồ sơ");
    else if (rs->level == 2 && note < 10) dc_buf_puts(fb, "Nhập bổ sung");
    fl.len[C_X_GHICHU] = (uint32_t)(fb->len - fl.off[C_X_GHICHU]);
    fl.off[C_X_CAPNHAT] = (uint32_t)fb->len;
    {
        unsigned yy = 2016 + dc_rng_below(r, 10);
        unsigned mm = 1 + dc_rng_below(r, 12);
        unsigned dd = 1 + dc_rng_below(r, 28);
        dc_buf_printf(fb, "%04u-%02u-%02u", yy, mm, dd);
    }
    fl.len[C_X_CAPNHAT] = (uint32_t)(fb->len - fl.off[C_X_CAPNHAT]);
    fl.off[C_X_CANBO] = (uint32_t)fb->len;
    dc_buf_printf(fb, "CB%04u", dc_rng_below(r, 10000));
    fl.len[C_X_CANBO] = (uint32_t)(fb->len - fl.off[C_X_CANBO]);

    /* ---- assemble in the file's column order (UTF-8 NFC) */
    dc_buf_t *row = &sb[SB_ROW];
    dc_buf_clear(row);
    size_t pre = 0;
    for (int i = 0; i < f->ncols; i++) {
        int col = f->cols[i];
        if (i) dc_buf_putc(row, f->delim);
        if (col == C_RECID) { pre = row->len; continue; }
        dc_buf_put_csv(row, fb->p + fl.off[col], fl.len[col], f->delim);
    }
    dc_buf_puts(row, f->enc == E_UTF8_BOM_CRLF || f->enc >= E_TCVN3 ? "\r\n" : "\n");

    /* ---- encode into the block */
    gen_row_t *gr;
    blk->rows = dc_grow(blk->rows, &blk->caprows, blk->nrows + 1, sizeof *blk->rows);
    gr = &blk->rows[blk->nrows++];
    gr->file = (uint32_t)rs->file;
    gr->person = pid;
    gr->off = (uint32_t)blk->bytes.len;
    for (int part = 0; part < 2; part++) {
        const char *s = row->p + (part ? pre : 0);
        size_t n = part ? row->len - pre : pre;
        if (f->enc == E_UTF8_NFD) {
            dc_gen_nfd(s, n, &blk->bytes);
        } else if (f->enc >= E_TCVN3) {
            static const dc_encoding_t map[] = {DC_ENC_TCVN3, DC_ENC_VNI, DC_ENC_VISCII, DC_ENC_CP1258};
            blk->cnt.enc_replaced += dc_gen_encode(map[f->enc - E_TCVN3], s, n, &blk->bytes);
        } else {
            dc_buf_put(&blk->bytes, s, n);
        }
        if (!part) gr->pre = (uint32_t)(blk->bytes.len - gr->off);
    }
    gr->len = (uint32_t)(blk->bytes.len - gr->off);
}

/* A province other than `prov` among the selected ones (or prov itself). */
static int other_province(const gen_ctx_t *c, dc_rng_t *r, int prov)
{
    if (c->nsel < 2) return prov;
    for (int t = 0; t < 8; t++) {
        int q = c->sel[dc_rng_below(r, (uint32_t)c->nsel)];
        if (q != prov) return q;
    }
    return prov;
}

void gen_house_build(const gen_ctx_t *c, uint64_t h, int size, gen_house_t *H, gen_block_t *b)
{
    dc_rng_seed(&H->rng, c->o->seed, h, 2);
    make_house(c, &H->rng, h, size, H, &b->cnt);
    b->households++;
    b->people += (uint64_t)size;
}

void gen_house_assign_ids(gen_house_t *H, uint32_t *idcount, uint64_t *cmndcount)
{
    for (int i = 0; i < H->n; i++) {
        person_t *p = &H->p[i];
        if (p->idgroup >= 0) {
            /* the k-th number handed out in this (province, sex/century,
             * year) prefix; a bijection of 0..999999 so that serials look
             * scattered, as real ones do */
            uint64_t k = idcount[p->idgroup]++;
            uint64_t serial = (k * 7919u + (uint64_t)p->idgroup * 104729u) % 1000000u;
            snprintf(p->id12 + 6, sizeof p->id12 - 6, "%06u", (unsigned)serial);
        }
        if (p->has_cmnd) {
            uint64_t k = (*cmndcount)++;
            snprintf(p->cmnd, sizeof p->cmnd, "%09llu",
                     (unsigned long long)((k * 387420489ull + 271828182ull) % 1000000000ull));
        }
    }
}

void gen_house_emit(const gen_ctx_t *c, gen_house_t *H, uint64_t pid0, gen_block_t *b, dc_buf_t *sb)
{
    dc_rng_t r = H->rng;
    int pf = c->perm_file[H->addr.prov];
    for (int i = 0; i < H->n; i++) {
        const person_t *p = &H->p[i];
        uint64_t pid = pid0 + (uint64_t)i;
        rowspec_t rs = {pf, p->qh, &H->addr, NULL, H->ma_ho, dc_rng_chance(&r, c->o->corrupt_rate), 0};
        emit_row(c, p, &rs, pid, &r, b, sb);
        if (!dc_rng_chance(&r, c->o->dup_rate)) continue;
        /* extra rows of this person */
        int kinds[3], nk = 1;
        uint32_t x = dc_rng_below(&r, 100);
        if (x < 30) kinds[0] = D_MOVED;
        else if (x < 65) kinds[0] = D_TEMP;
        else if (x < 90) kinds[0] = D_TWICE;
        else {
            nk = 2 + (int)dc_rng_below(&r, 2);
            for (int j = 0; j < nk; j++) kinds[j] = (int)dc_rng_below(&r, 3);
            b->cnt.event[D_MULTI]++;
        }
        for (int j = 0; j < nk; j++) {
            int kind = kinds[j];
            addr_t moved;
            char ma_ho[16];
            rowspec_t d = {pf, p->qh, &H->addr, NULL, H->ma_ho, 2, 0};
            if (kind == D_MOVED && c->nsel < 2) kind = D_TEMP;
            if (kind == D_TEMP && c->ntempprov == 0) kind = D_TWICE;
            if (kind == D_MOVED || kind == D_TEMP) {
                /* an older entry at an address in province q: the permanent
                 * address after a move, or the current one of a temporary
                 * registration (the permanent one stays) */
                int temp = kind == D_TEMP;
                int q = temp ? c->tempprov[dc_rng_below(&r, (uint32_t)c->ntempprov)]
                             : other_province(c, &r, H->addr.prov);
                make_address(c, &r, q, &moved);
                make_ma_ho(c, &r, q, ma_ho, sizeof ma_ho);
                d.file = temp ? c->temp_file[q] : c->perm_file[q];
                if (temp) d.cur = &moved;
                else d.perm = &moved;
                d.ma_ho = ma_ho;
                d.qh = temp ? (dc_rng_chance(&r, 0.6) ? QH_HEAD : QH_OTHER)
                            : (dc_rng_chance(&r, 0.5) ? QH_HEAD : QH_LODGER);
                d.old_entry = 1;
            }
            b->cnt.event[kind]++;
            emit_row(c, p, &d, pid, &r, b, sb);
        }
    }
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * norm_codes.c - sex, ID numbers, ethnic group, religion, nationality and
 * source province (docs/NORMALIZATION.md, "IDs and codes").
 */
#include "normalize/norm_internal.h"
#include "ref/dc_ref.h"

#include <pthread.h>  /* pthread_once */
#include <stdlib.h>   /* atoi, free */
#include <string.h>   /* memcmp */

#define AMBIG 255

/* ------------------------------------------------------------------ map */

void strmap_init(strmap_t *m, size_t expect)
{
    m->cap = 16;
    while (m->cap < expect * 2) m->cap *= 2;
    m->key = dc_xcalloc(m->cap, sizeof *m->key);
    m->val = dc_xcalloc(m->cap, sizeof *m->val);
    m->count = 0;
}

static size_t slot_of(const strmap_t *m, const char *k, size_t n)
{
    size_t i = (size_t)dc_hash64(k, n) & (m->cap - 1);
    while (m->key[i] && !(strlen(m->key[i]) == n && !memcmp(m->key[i], k, n)))
        i = (i + 1) & (m->cap - 1);
    return i;
}

void strmap_put(strmap_t *m, const char *k, size_t n, int v)
{
    if ((m->count + 1) * 2 > m->cap) {
        strmap_t g;
        g.cap = m->cap * 2;
        g.key = dc_xcalloc(g.cap, sizeof *g.key);
        g.val = dc_xcalloc(g.cap, sizeof *g.val);
        g.count = m->count;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->key[i]) continue;
            size_t j = slot_of(&g, m->key[i], strlen(m->key[i]));
            g.key[j] = m->key[i];
            g.val[j] = m->val[i];
        }
        free(m->key);
        free(m->val);
        *m = g;
    }
    size_t i = slot_of(m, k, n);
    if (m->key[i]) {
        if (m->val[i] != v) m->val[i] = AMBIG;
        return;
    }
    m->key[i] = dc_xstrndup(k, n);
    m->val[i] = v;
    m->count++;
}

int strmap_get(const strmap_t *m, const char *k, size_t n, int dflt)
{
    if (!m->cap) return dflt;
    size_t i = slot_of(m, k, n);
    return m->key[i] ? m->val[i] : dflt;
}

void strmap_free(strmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++) free(m->key[i]);
    free(m->key);
    free(m->val);
    memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------- keys */

/* Compact keys of a value: exact (lower case, diacritics, tone-canonical)
 * and ASCII, both without spaces or apostrophes, from token `from` on. */
static void compact_keys(const dc_text_t *t, int from, dc_buf_t *ex, dc_buf_t *as)
{
    if (ex) {
        dc_buf_clear(ex);
        dc_text_put_exact(t, from, t->n, ex);
        size_t w = 0;
        for (size_t i = 0; i < ex->len; i++)
            if (ex->p[i] != ' ' && ex->p[i] != '\'') ex->p[w++] = ex->p[i];
        ex->len = w;
        if (ex->cap) ex->p[w] = 0;
    }
    if (as) {
        dc_buf_clear(as);
        dc_text_put_compact(t, from, t->n, as);
    }
}

static int is_digits(const char *s, size_t n)
{
    if (!n) return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

/* Value of the digits s[0..n) (n <= 3 callers; fields are not
 * NUL-terminated, so no atoi). */
static int small_num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

static size_t trim(const char **s, size_t n)
{
    const char *p = *s;
    while (n && (p[0] == ' ' || p[0] == '\t' || p[0] == '"' || p[0] == '\'')) { p++; n--; }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '"')) n--;
    *s = p;
    return n;
}

/* Put the compact exact and ASCII keys of a '|'-separated list. */
static void put_list(strmap_t *ex, strmap_t *as, const char *list, size_t n, int v)
{
    dc_text_t t;
    dc_buf_t e = DC_BUF_INIT, a = DC_BUF_INIT;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && list[j] != '|') j++;
        dc_text_decode(list + i, j - i, &t);
        dc_text_canon(&t);
        if (t.n) {
            compact_keys(&t, 0, ex ? &e : NULL, &a);
            if (ex) strmap_put(ex, e.p, e.len, v);
            if (as) strmap_put(as, a.p, a.len, v);
        }
        i = j + 1;
    }
    dc_buf_free(&e);
    dc_buf_free(&a);
}

/* ----------------------------------------------------------- ethnic table */

static char ethnic_names[55][48];
static uint8_t ethnic_1979_of[55];   /* 2008 code -> 1979 code */
static uint8_t ethnic_2008_of[55];   /* 1979 code -> 2008 code */
static char religion_names[16][64];
typedef struct { uint16_t code; char name[64]; } nat_name_t;
static nat_name_t nat_names[128];
static size_t n_nat_names;
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

/* The static name and code tables behind dc_ethnic_name(),
 * dc_ethnic_code_1979(), dc_religion_name() and dc_nationality_name(): built
 * once per process, usable without a dc_norm_shared_t. */
static void load_static_names(void)
{
    dc_ref_csv_t c;
    dc_ref_csv_open(&c, "vn_ethnic_groups.csv", ',');
    int c8 = dc_ref_csv_col(&c, "code_2008"), cn = dc_ref_csv_col(&c, "name"),
        c79 = dc_ref_csv_col(&c, "code_1979");
    while (dc_ref_csv_next(&c)) {
        int k8 = atoi(c.f[c8]), k79 = atoi(c.f[c79]);
        if (k8 < 1 || k8 > 54 || k79 < 1 || k79 > 54) dc_die("vn_ethnic_groups.csv: bad code");
        snprintf(ethnic_names[k8], sizeof ethnic_names[k8], "%s", c.f[cn]);
        ethnic_1979_of[k8] = (uint8_t)k79;
        ethnic_2008_of[k79] = (uint8_t)k8;
    }
    dc_ref_csv_close(&c);
    dc_ref_csv_open(&c, "vn_religions.csv", ',');
    int rc = dc_ref_csv_col(&c, "code"), rn = dc_ref_csv_col(&c, "name");
    while (dc_ref_csv_next(&c)) {
        int k = atoi(c.f[rc]);
        if (k < 1 || k > 14) dc_die("vn_religions.csv: bad code");
        snprintf(religion_names[k], sizeof religion_names[k], "%s", c.f[rn]);
    }
    dc_ref_csv_close(&c);
    snprintf(religion_names[DC_RELIGION_NONE], sizeof religion_names[0], "Không");
    dc_ref_csv_open(&c, "iso3166_common.csv", ',');
    int nc = dc_ref_csv_col(&c, "numeric"), nv = dc_ref_csv_col(&c, "name_vi");
    while (dc_ref_csv_next(&c) && n_nat_names < DC_ARRAY_LEN(nat_names)) {
        nat_names[n_nat_names].code = (uint16_t)atoi(c.f[nc]);
        snprintf(nat_names[n_nat_names].name, sizeof nat_names[0].name, "%s", c.f[nv]);
        n_nat_names++;
    }
    dc_ref_csv_close(&c);
}

static void static_names(void) { pthread_once(&names_once, load_static_names); }

static void load_ethnic(dc_norm_shared_t *sh)
{
    dc_ref_csv_t c;
    strmap_init(&sh->ethnic_exact, 512);
    strmap_init(&sh->ethnic_ascii, 512);
    strmap_init(&sh->ethnic_exact2, 512);
    strmap_init(&sh->ethnic_ascii2, 512);
    dc_ref_csv_open(&c, "vn_ethnic_groups.csv", ',');
    int c8 = dc_ref_csv_col(&c, "code_2008"), cn = dc_ref_csv_col(&c, "name"),
        cn79 = dc_ref_csv_col(&c, "name_1979"), cv = dc_ref_csv_col(&c, "variants"),
        co = dc_ref_csv_col(&c, "other_names_1979");
    while (dc_ref_csv_next(&c)) {
        int k8 = atoi(c.f[c8]);
        put_list(&sh->ethnic_exact, &sh->ethnic_ascii, c.f[cn], c.flen[cn], k8);
        put_list(&sh->ethnic_exact, &sh->ethnic_ascii, c.f[cn79], c.flen[cn79], k8);
        put_list(&sh->ethnic_exact, &sh->ethnic_ascii, c.f[cv], c.flen[cv], k8);
        put_list(&sh->ethnic_exact2, &sh->ethnic_ascii2, c.f[co], c.flen[co], k8);
    }
    dc_ref_csv_close(&c);
}

const char *dc_ethnic_name(uint8_t code)
{
    static_names();
    return code >= 1 && code <= 54 ? ethnic_names[code] : "";
}

uint8_t dc_ethnic_code_1979(uint8_t code)
{
    static_names();
    return code >= 1 && code <= 54 ? ethnic_1979_of[code] : 0;
}

uint8_t dc_norm_ethnic(const dc_norm_shared_t *sh, const char *s, size_t n, uint8_t *flags)
{
    n = trim(&s, n);
    if (!n) return 0;
    if (is_digits(s, n)) {
        int v = n <= 3 ? small_num(s, n) : -1;
        if (v == 0 || v == 55 || v == 56 || v == 99) return 0;   /* app codes: foreign / unknown */
        if (v < 1 || v > 54) { *flags |= DC_CODE_ETHNIC_UNRECOGNIZED; return 0; }
        switch (sh->opts.ethnic_codes) {
        case 2008: return (uint8_t)v;
        case 1979: return ethnic_2008_of[v];
        default:
            /* codes on which both lists agree need no guess */
            if (ethnic_2008_of[v] == v) return (uint8_t)v;
            *flags |= DC_CODE_ETHNIC_REFUSED;
            return 0;
        }
    }
    dc_text_t t;
    dc_buf_t e = DC_BUF_INIT, a = DC_BUF_INIT;
    int code = 0;
    for (int pass = 0; pass < 2 && !code; pass++) {
        size_t len = n;
        if (pass == 1) {   /* "Kinh (Việt)": the part before a bracket */
            const char *br = memchr(s, '(', n);
            if (!br || br == s) break;
            len = (size_t)(br - s);
        }
        dc_text_decode(s, len, &t);
        dc_text_canon(&t);
        int from = 0;
        char a0[32], a1[32];
        if (t.n >= 1) dc_token_ascii(&t.t[0], a0, sizeof a0);
        if (t.n >= 3 && !strcmp(a0, "dan") && (dc_token_ascii(&t.t[1], a1, sizeof a1), !strcmp(a1, "toc")))
            from = 2;
        else if (t.n >= 2 && !strcmp(a0, "dt"))
            from = 1;
        if (from >= t.n) continue;
        compact_keys(&t, from, &e, &a);
        /* names and variants before the 1979 "other names"; with
         * diacritics before without; an ambiguous key gives no code */
        const strmap_t *maps[4] = {&sh->ethnic_exact, &sh->ethnic_ascii, &sh->ethnic_exact2,
                                   &sh->ethnic_ascii2};
        for (int k = 0; k < 4 && !code; k++) {
            int ascii = k & 1;
            code = strmap_get(maps[k], ascii ? a.p : e.p, ascii ? a.len : e.len, 0);
            if (code == AMBIG) { code = 0; break; }
        }
    }
    dc_buf_free(&e);
    dc_buf_free(&a);
    if (!code) *flags |= DC_CODE_ETHNIC_UNRECOGNIZED;
    return (uint8_t)code;
}

/* --------------------------------------------------------------- religion */

static void load_religion(dc_norm_shared_t *sh)
{
    dc_ref_csv_t c;
    strmap_init(&sh->religion, 256);
    dc_ref_csv_open(&c, "vn_religions.csv", ',');
    int cc = dc_ref_csv_col(&c, "code"), cn = dc_ref_csv_col(&c, "name"),
        cv = dc_ref_csv_col(&c, "variants");
    while (dc_ref_csv_next(&c)) {
        int k = atoi(c.f[cc]);
        put_list(NULL, &sh->religion, c.f[cn], c.flen[cn], k);
        put_list(NULL, &sh->religion, c.f[cv], c.flen[cv], k);
    }
    dc_ref_csv_close(&c);
    static const char none[] = "Không|Không tôn giáo|Không theo tôn giáo|Không theo đạo|"
                               "Không đạo|KTG|Ko|K|Không có|None|No religion|Vô thần|Lương|Bên lương";
    put_list(NULL, &sh->religion, none, sizeof none - 1, DC_RELIGION_NONE);
}

const char *dc_religion_name(uint8_t code)
{
    static_names();
    return code >= 1 && code <= DC_RELIGION_NONE ? religion_names[code] : "";
}

uint8_t dc_norm_religion(const dc_norm_shared_t *sh, const char *s, size_t n, uint8_t *flags)
{
    n = trim(&s, n);
    if (!n) return DC_RELIGION_UNKNOWN;
    if (is_digits(s, n)) {
        int v = n <= 2 ? small_num(s, n) : -1;
        if (v == 0) return DC_RELIGION_NONE;   /* "00": the common "no religion" code */
        if (v >= 1 && v <= 14) return (uint8_t)v;
        *flags |= DC_CODE_RELIGION_UNRECOGNIZED;
        return DC_RELIGION_UNKNOWN;
    }
    dc_text_t t;
    dc_buf_t a = DC_BUF_INIT;
    dc_text_decode(s, n, &t);
    compact_keys(&t, 0, NULL, &a);
    int code = strmap_get(&sh->religion, a.p, a.len, 0);
    if (!code && a.len > 3 && !memcmp(a.p, "dao", 3))   /* "Đạo X" */
        code = strmap_get(&sh->religion, a.p + 3, a.len - 3, 0);
    dc_buf_free(&a);
    if (!code || code == AMBIG) {
        *flags |= DC_CODE_RELIGION_UNRECOGNIZED;
        return DC_RELIGION_UNKNOWN;
    }
    return (uint8_t)code;
}

/* ------------------------------------------------------------ nationality */

static void load_nationality(dc_norm_shared_t *sh)
{
    dc_ref_csv_t c;
    strmap_init(&sh->nationality, 512);
    strmap_init(&sh->nat_exact, 512);
    dc_ref_csv_open(&c, "iso3166_common.csv", ',');
    int cn = dc_ref_csv_col(&c, "numeric"), c2 = dc_ref_csv_col(&c, "alpha2"),
        c3 = dc_ref_csv_col(&c, "alpha3"), cvi = dc_ref_csv_col(&c, "name_vi"),
        cen = dc_ref_csv_col(&c, "name_en"), cv = dc_ref_csv_col(&c, "variants");
    while (dc_ref_csv_next(&c)) {
        int k = atoi(c.f[cn]);
        if (k < 1 || k > 999) dc_die("iso3166_common.csv: bad code");
        strmap_put(&sh->nationality, c.f[cn], c.flen[cn], k);
        put_list(&sh->nat_exact, &sh->nationality, c.f[c2], c.flen[c2], k);
        put_list(&sh->nat_exact, &sh->nationality, c.f[c3], c.flen[c3], k);
        put_list(&sh->nat_exact, &sh->nationality, c.f[cvi], c.flen[cvi], k);
        put_list(&sh->nat_exact, &sh->nationality, c.f[cen], c.flen[cen], k);
        put_list(&sh->nat_exact, &sh->nationality, c.f[cv], c.flen[cv], k);
    }
    dc_ref_csv_close(&c);
}

const char *dc_nationality_name(uint16_t code)
{
    static_names();
    for (size_t i = 0; i < n_nat_names; i++)
        if (nat_names[i].code == code) return nat_names[i].name;
    return "";
}

uint16_t dc_norm_nationality(const dc_norm_shared_t *sh, const char *s, size_t n, uint8_t *flags)
{
    n = trim(&s, n);
    if (!n) return 0;
    int code;
    if (is_digits(s, n)) {
        char k[8];
        int v = n <= 3 ? small_num(s, n) : -1;
        int len = snprintf(k, sizeof k, "%03d", v < 0 ? 0 : v);
        code = v > 0 ? strmap_get(&sh->nationality, k, (size_t)len, 0) : 0;
    } else {
        dc_text_t t;
        dc_buf_t e = DC_BUF_INIT, a = DC_BUF_INIT;
        dc_text_decode(s, n, &t);
        dc_text_canon(&t);
        int from = 0;
        char a0[32];
        if (t.n >= 3 && (dc_token_ascii(&t.t[0], a0, sizeof a0), !strcmp(a0, "quoc"))) from = 2; /* "Quốc tịch X" */
        compact_keys(&t, from, &e, &a);
        code = strmap_get(&sh->nat_exact, e.p, e.len, 0);
        if (!code || code == AMBIG) code = strmap_get(&sh->nationality, a.p, a.len, 0);
        dc_buf_free(&e);
        dc_buf_free(&a);
    }
    if (!code || code == AMBIG) {
        *flags |= DC_CODE_NATIONALITY_UNRECOGNIZED;
        return 0;
    }
    return (uint16_t)code;
}

/* ---------------------------------------------------------------- province */

static void load_provinces(dc_norm_shared_t *sh)
{
    dc_ref_csv_t c;
    strmap_init(&sh->province, 256);
    dc_ref_csv_open(&c, "cccd_province_codes_TT07-2016-BCA.csv", ',');
    int cc = dc_ref_csv_col(&c, "cccd_province_code"), cn = dc_ref_csv_col(&c, "province_name_in_circular"),
        cg = dc_ref_csv_col(&c, "gso_province_code_pre2025"),
        cf = dc_ref_csv_col(&c, "gso_province_full_name_pre2025");
    while (dc_ref_csv_next(&c)) {
        int k = atoi(c.f[cc]);
        if (k < 1 || k > 999) dc_die("cccd_province_codes: bad code");
        sh->cccd_prov[k] = 1;
        int g = atoi(c.f[cg]);
        put_list(NULL, &sh->province, c.f[cn], c.flen[cn], g);
        put_list(NULL, &sh->province, c.f[cf], c.flen[cf], g);
    }
    dc_ref_csv_close(&c);
    static const char *const extra[] = {"79:HCM|TP HCM|TPHCM|TP. Hồ Chí Minh|Sài Gòn|Saigon|HCMC",
                                        "46:Huế|Thừa Thiên Huế|TT Huế|TT-Huế",
                                        "77:Bà Rịa Vũng Tàu|BR-VT|BRVT|Vũng Tàu",
                                        "01:HN|TP Hà Nội|TP. Hà Nội", "48:TP Đà Nẵng|TP. Đà Nẵng",
                                        "31:TP Hải Phòng|TP. Hải Phòng", "92:TP Cần Thơ|TP. Cần Thơ"};
    for (size_t i = 0; i < DC_ARRAY_LEN(extra); i++)
        put_list(NULL, &sh->province, extra[i] + 3, strlen(extra[i] + 3), atoi(extra[i]));
}

uint8_t dc_norm_province(const dc_norm_shared_t *sh, const char *s, size_t n)
{
    n = trim(&s, n);
    if (!n) return 0;
    if (is_digits(s, n)) {
        int v = n <= 3 ? small_num(s, n) : 0;
        /* 2-digit GSO code, or the 3-digit CCCD form "0NN" */
        return v >= 1 && v <= 96 && sh->cccd_prov[v] ? (uint8_t)v : 0;
    }
    dc_text_t t;
    dc_buf_t a = DC_BUF_INIT;
    dc_text_decode(s, n, &t);
    compact_keys(&t, 0, NULL, &a);
    int code = strmap_get(&sh->province, a.p, a.len, 0);
    static const char *const prefixes[] = {"thanhpho", "tinh", "tp"};
    for (size_t i = 0; !code && i < DC_ARRAY_LEN(prefixes); i++) {
        size_t k = strlen(prefixes[i]);
        if (a.len > k && !memcmp(a.p, prefixes[i], k)) code = strmap_get(&sh->province, a.p + k, a.len - k, 0);
    }
    dc_buf_free(&a);
    return code == AMBIG ? 0 : (uint8_t)code;
}

/* --------------------------------------------------------------------- sex */

uint8_t dc_norm_sex(const char *s, size_t n, int *unrec)
{
    *unrec = 0;
    n = trim(&s, n);
    if (!n) return DC_SEX_UNKNOWN;
    if (n == 1) {
        switch (s[0]) {
        case '0': return DC_SEX_CODE0;
        case '1': return DC_SEX_CODE1;
        case '2': return DC_SEX_CODE2;
        case 'M': case 'm': return DC_SEX_MALE;
        case 'F': case 'f': return DC_SEX_FEMALE;
        default: break;
        }
    }
    char a[32];
    dc_text_t t;
    dc_buf_t b = DC_BUF_INIT;
    dc_text_decode(s, n, &t);
    dc_text_put_compact(&t, 0, t.n, &b);
    size_t len = b.len < sizeof a - 1 ? b.len : sizeof a - 1;
    if (len) memcpy(a, b.p, len);
    a[len] = 0;
    dc_buf_free(&b);
    static const char *const male[] = {"nam", "namgioi", "gioitinhnam", "phainam", "m", "male", "man",
                                       "trai", "contrai", "betrai", "danong", "boy", "homme", NULL};
    static const char *const female[] = {"nu", "nugioi", "gioitinhnu", "phainu", "f", "female", "woman",
                                         "gai", "congai", "begai", "danba", "phunu", "girl", "femme", NULL};
    static const char *const unknown[] = {"khongro", "kxd", "khongxacdinh", "chuaxacdinh", "khac",
                                          "unknown", "u", "x", "na", NULL};
    for (int i = 0; male[i]; i++)
        if (!strcmp(a, male[i])) return DC_SEX_MALE;
    for (int i = 0; female[i]; i++)
        if (!strcmp(a, female[i])) return DC_SEX_FEMALE;
    for (int i = 0; unknown[i]; i++)
        if (!strcmp(a, unknown[i])) return DC_SEX_UNKNOWN;
    *unrec = 1;
    return DC_SEX_UNKNOWN;
}

const char *dc_sex_name(uint8_t sex)
{
    static const char *const names[] = {"", "male", "female", "code0", "code1", "code2"};
    return sex < DC_ARRAY_LEN(names) ? names[sex] : "";
}

/* ------------------------------------------------------------------- IDs */

/* Digits of an ID after clean-up (spaces, dots, dashes, underscores, a
 * leading apostrophe, quotes). @return the count, or -1 (flags set). */
static int id_digits(const char *s, size_t n, char *d, size_t cap, uint16_t *flags)
{
    size_t k = 0;
    int bad = 0;
    /* "001090012345.0": a number exported as a float; the dot is not a
     * digit-group separator when only zeros follow it and it is the only dot */
    const char *dot = memchr(s, '.', n);
    if (dot && !memchr(dot + 1, '.', n - (size_t)(dot + 1 - s)) && dot + 1 < s + n) {
        size_t z = (size_t)(dot + 1 - s);
        while (z < n && s[z] == '0') z++;
        if (z == n && dot - s >= 8) n = (size_t)(dot - s);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= '0' && c <= '9') {
            if (k < cap) d[k] = (char)c;
            k++;
        } else if (c == ' ' || c == '.' || c == '-' || c == '_' || c == '\'' || c == '"' || c == '\t' ||
                   c == '\r') {
            continue;
        } else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
            i++;   /* no-break space */
        } else if ((c == 'E' || c == 'e') && i + 1 < n && s[i + 1] == '+') {
            *flags |= DC_ID_MANGLED | DC_ID_NOT_DIGITS;
            return -1;
        } else {
            bad = 1;
        }
    }
    if (bad) { *flags |= DC_ID_NOT_DIGITS; return -1; }
    return (int)k;
}

static uint64_t digits_value(const char *d, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (uint64_t)(d[i] - '0');
    return v;
}

/* ID/sex and ID/year consistency of a 12-digit number (digits d[0..12)). */
static void id12_check(const char *d, uint8_t sex, const dc_date_t *dob, uint16_t *flags)
{
    int c = d[3] - '0';
    static const int century[5] = {1900, 2000, 2100, 2200, 1800};
    if (sex == DC_SEX_MALE || sex == DC_SEX_FEMALE) {
        int id_female = c & 1;
        if (id_female != (sex == DC_SEX_FEMALE)) *flags |= DC_ID_SEX_MISMATCH;
    }
    if (dob && dob->prec >= DC_PREC_YEAR && !(dob->flags & DC_DATE_INVALID)) {
        int y = century[c / 2] + (d[4] - '0') * 10 + (d[5] - '0');
        if (y != dob->y) *flags |= DC_ID_YEAR_MISMATCH;
    }
}

uint64_t dc_norm_id12(const dc_norm_shared_t *sh, const char *s, size_t n, uint8_t sex,
                      const dc_date_t *dob, uint16_t *flags)
{
    *flags = 0;
    n = trim(&s, n);
    if (!n) return 0;
    *flags |= DC_ID_PRESENT;
    char d[16];
    int k = id_digits(s, n, d + 1, 14, flags);
    if (k < 0) return 0;
    char *p = d + 1;
    if (k == 11) {   /* leading zero lost by a spreadsheet */
        d[0] = '0';
        p = d;
        k = 12;
        *flags |= DC_ID_ZERO_RESTORED;
    }
    if (k != 12) { *flags |= DC_ID_BAD_LENGTH; return 0; }
    int prov = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    int c = p[3] - '0', y = (c <= 1 ? 1900 : 2000) + (p[4] - '0') * 10 + (p[5] - '0');
    if (!sh->cccd_prov[prov]) *flags |= DC_ID_BAD_PROVINCE;
    else if (c > 3 || y > sh->opts.ref_year) *flags |= DC_ID_BAD_YEAR;
    else *flags |= DC_ID_VALID;
    id12_check(p, sex, dob, flags);
    return digits_value(p, 12);
}

uint64_t dc_norm_cmnd(const dc_norm_shared_t *sh, const char *s, size_t n, uint16_t *flags)
{
    *flags = 0;
    n = trim(&s, n);
    if (!n) return 0;
    *flags |= DC_ID_PRESENT;
    char d[16];
    int k = id_digits(s, n, d + 1, 14, flags);
    if (k < 0) return 0;
    char *p = d + 1;
    if (k == 8 || k == 11) {
        d[0] = '0';
        p = d;
        k++;
        *flags |= DC_ID_ZERO_RESTORED;
    }
    if (k == 9) {
        int same = 1;
        for (int i = 1; i < 9; i++) same &= p[i] == p[0];
        if (!same) *flags |= DC_ID_VALID;
        else *flags |= DC_ID_BAD_PROVINCE;
    } else if (k == 12) {
        *flags |= DC_ID_CMND12;
        int prov = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
        if (sh->cccd_prov[prov]) *flags |= DC_ID_VALID;
        else *flags |= DC_ID_BAD_PROVINCE;
    } else {
        *flags |= DC_ID_BAD_LENGTH;
        return 0;
    }
    return digits_value(p, k);
}

/* Re-check the ID/sex flag once a provisional sex is resolved. */
void norm_id12_recheck_sex(dc_record_t *r)
{
    if (!r->id12 || !(r->id12_flags & (DC_ID_VALID | DC_ID_BAD_PROVINCE | DC_ID_BAD_YEAR))) return;
    char d[13];
    uint64_t v = r->id12;
    for (int i = 11; i >= 0; i--) { d[i] = (char)('0' + v % 10); v /= 10; }
    uint16_t f = (uint16_t)(r->id12_flags & ~DC_ID_SEX_MISMATCH);
    id12_check(d, r->sex, NULL, &f);
    r->id12_flags = f;
}

void norm_codes_load(dc_norm_shared_t *sh)
{
    static_names();
    load_ethnic(sh);
    load_religion(sh);
    load_nationality(sh);
    load_provinces(sh);
}

void norm_codes_free(dc_norm_shared_t *sh)
{
    strmap_free(&sh->ethnic_exact);
    strmap_free(&sh->ethnic_ascii);
    strmap_free(&sh->religion);
    strmap_free(&sh->nationality);
    strmap_free(&sh->nat_exact);
    strmap_free(&sh->ethnic_exact2);
    strmap_free(&sh->ethnic_ascii2);
    strmap_free(&sh->province);
}

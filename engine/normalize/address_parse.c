/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * address_parse.c - tokens and keywords of a Vietnamese address.
 *
 * The tokenizer cuts the text at spaces and punctuation, remembering the
 * strength of each cut: a comma, semicolon, line break or parenthesis is
 * hard (parts of an address never span it), a spaced hyphen or a slash
 * between words is soft ("Bà Rịa - Vũng Tàu" may still be one name),
 * a dot only ends its token (P.5, TP.HCM). A letter prefix glued to a
 * number is split off when it is a unit abbreviation (P5, Q10, F12, KP3).
 *
 * Keywords (unit types and street/hamlet words) are then recognised on
 * the folded keys. A keyword is accepted in the first pass when it is
 * unambiguous: written with its exact diacritics ("Quận" but not "Quân",
 * "làng" but not "Lạng"), or as an abbreviation with a dot or a number,
 * or without diacritics at the start of a part or before a number. The
 * first token after an accepted keyword is always part of the name
 * ("Phường Phố Huế", "Xã Bản Lầu"). Ambiguous readings are left to the
 * matcher, which may still read any keyword-looking token as a type in its
 * second pass (address_match.c).
 */
#include "normalize/address_internal.h"

#include <string.h>   /* memcmp, strlen */

/*-*** Keywords ***/

/* Folded words of a keyword and their lengths. */
#define F1(a) {a}, {sizeof(a) - 1, 0, 0}
#define F2(a, b) {a, b}, {sizeof(a) - 1, sizeof(b) - 1, 0}
#define F3(a, b, c) {a, b, c}, {sizeof(a) - 1, sizeof(b) - 1, sizeof(c) - 1}

/* Longest first among keywords that share a first token. */
const ad_kw_t dc_addr__kws[] = {
    {F2("thanh", "pho"), "thành phố", "Thành phố", KC_ADMIN, LV_PROV | LV_DIST, DC_UNIT_THANHPHO, 0},
    {F1("tp"), NULL, "Thành phố", KC_ADMIN, LV_PROV | LV_DIST, DC_UNIT_THANHPHO, 0},
    {F1("tinh"), "tỉnh", "Tỉnh", KC_ADMIN, LV_PROV, DC_UNIT_TINH, 0},
    {F1("t"), NULL, "Tỉnh", KC_ADMIN, LV_PROV, DC_UNIT_TINH, 0},
    {F1("quan"), "quận", "Quận", KC_ADMIN, LV_DIST, DC_UNIT_QUAN, 0},
    {F1("q"), NULL, "Quận", KC_ADMIN, LV_DIST, DC_UNIT_QUAN, 0},
    {F1("huyen"), "huyện", "Huyện", KC_ADMIN, LV_DIST, DC_UNIT_HUYEN, 0},
    {F1("h"), NULL, "Huyện", KC_ADMIN, LV_DIST, DC_UNIT_HUYEN, 0},
    {F2("thi", "xa"), "thị xã", "Thị xã", KC_ADMIN, LV_DIST, DC_UNIT_THIXA, 0},
    {F1("tx"), NULL, "Thị xã", KC_ADMIN, LV_DIST | LV_WARD, DC_UNIT_THIXA, DC_UNIT_THITRAN},
    {F2("thi", "tran"), "thị trấn", "Thị trấn", KC_ADMIN, LV_WARD, DC_UNIT_THITRAN, 0},
    {F1("tt"), NULL, "Thị trấn", KC_ADMIN, LV_WARD | LV_DIST, DC_UNIT_THITRAN, DC_UNIT_THIXA},
    {F1("phuong"), "phường", "Phường", KC_ADMIN, LV_WARD, DC_UNIT_PHUONG, 0},
    {F1("p"), NULL, "Phường", KC_ADMIN, LV_WARD, DC_UNIT_PHUONG, 0},
    {F1("f"), NULL, "Phường", KC_ADMIN, LV_WARD, DC_UNIT_PHUONG, 0},
    {F1("xa"), "xã", "Xã", KC_ADMIN, LV_WARD, DC_UNIT_XA, 0},
    {F1("x"), NULL, "Xã", KC_ADMIN, LV_WARD, DC_UNIT_XA, 0},
    {F2("dac", "khu"), "đặc khu", "Đặc khu", KC_ADMIN, LV_WARD, DC_UNIT_DACKHU, 0},
    {F2("so", "nha"), "số nhà", "Số", KC_HOUSE, 0, 0, 0},
    {F1("so"), "số", "Số", KC_HOUSE, 0, 0, 0},
    {F1("nha"), "nhà", "Số", KC_HOUSE, 0, 0, 0},
    {F1("sn"), NULL, "Số", KC_HOUSE, 0, 0, 0},
    {F1("ngo"), "ngõ", "Ngõ", KC_ALLEY, 0, 0, 0},
    {F1("ngach"), "ngách", "Ngách", KC_ALLEY, 0, 0, 0},
    {F1("hem"), "hẻm", "Hẻm", KC_ALLEY, 0, 0, 0},
    {F1("kiet"), "kiệt", "Kiệt", KC_ALLEY, 0, 0, 0},
    {F1("duong"), "đường", "Đường", KC_STREET, 0, 0, 0},
    {F1("d"), NULL, "Đường", KC_STREET, 0, 0, 0},
    {F1("pho"), "phố", "Phố", KC_STREET, 0, 0, 0},
    {F3("to", "dan", "pho"), "tổ dân phố", "Tổ dân phố", KC_HAMLET, 0, 0, 0},
    {F1("tdp"), NULL, "Tổ dân phố", KC_HAMLET, 0, 0, 0},
    {F1("to"), "tổ", "Tổ", KC_HAMLET, 0, 0, 0},
    {F2("khu", "pho"), "khu phố", "Khu phố", KC_HAMLET, 0, 0, 0},
    {F1("kp"), NULL, "Khu phố", KC_HAMLET, 0, 0, 0},
    {F2("khu", "vuc"), "khu vực", "Khu vực", KC_HAMLET, 0, 0, 0},
    {F1("kv"), NULL, "Khu vực", KC_HAMLET, 0, 0, 0},
    {F2("tieu", "khu"), "tiểu khu", "Tiểu khu", KC_HAMLET, 0, 0, 0},
    {F1("khu"), "khu", "Khu", KC_HAMLET, 0, 0, 0},
    {F1("thon"), "thôn", "Thôn", KC_HAMLET, 0, 0, 0},
    {F1("xom"), "xóm", "Xóm", KC_HAMLET, 0, 0, 0},
    {F1("ap"), "ấp", "Ấp", KC_HAMLET, 0, 0, 0},
    {F1("ban"), "bản", "Bản", KC_HAMLET, 0, 0, 0},
    {F1("khom"), "khóm", "Khóm", KC_HAMLET, 0, 0, 0},
    {F1("buon"), "buôn", "Buôn", KC_HAMLET, 0, 0, 0},
    {F1("lang"), "làng", "Làng", KC_HAMLET, 0, 0, 0},
    {F1("khoi"), "khối", "Khối", KC_HAMLET, 0, 0, 0},
    {F1("doi"), "đội", "Đội", KC_HAMLET, 0, 0, 0},
    {F1("soc"), "sóc", "Sóc", KC_HAMLET, 0, 0, 0},
    {F1("cum"), "cụm", "Cụm", KC_HAMLET, 0, 0, 0},
    {{NULL}, {0, 0, 0}, NULL, NULL, 0, 0, 0, 0},
};

/*-*** Tokenizer ***/

static int is_apos(uint32_t cp) { return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC || cp == '`'; }
static int is_hard(uint32_t cp) { return cp == ',' || cp == ';' || cp == '|' || cp == '\n' || cp == '\r'; }
static int is_open(uint32_t cp) { return cp == '(' || cp == '[' || cp == '{'; }
static int is_close(uint32_t cp) { return cp == ')' || cp == ']' || cp == '}'; }
static int is_dash(uint32_t cp) { return cp == '-' || cp == 0x2013 || cp == 0x2014 || cp == 0x2012; }


/* Code point at byte i, and its length (0 at the end). */
static size_t cp_at(const ad_ctx_t *c, size_t i, uint32_t *cp)
{
    if (i >= c->n) { *cp = 0; return 0; }
    const unsigned char *p = (const unsigned char *)c->s;
    if (p[i] < 0x80) { *cp = p[i]; return 1; }
    return dc_addr__utf8_next(p + i, c->n - i, cp);
}

/* Is the code point before byte i (skipping nothing) a digit? */
static int digit_before(const ad_ctx_t *c, size_t i)
{
    return i > 0 && c->s[i - 1] >= '0' && c->s[i - 1] <= '9';
}

static int alnum_before(const ad_ctx_t *c, size_t i)
{
    return i > 0 && ((c->s[i - 1] >= '0' && c->s[i - 1] <= '9') || (c->s[i - 1] >= 'A' && c->s[i - 1] <= 'Z') ||
                     (c->s[i - 1] >= 'a' && c->s[i - 1] <= 'z'));
}

/* Key and flags of the token being scanned. */
typedef struct tokacc {
    size_t kstart;
    int digits, letters, upper, first, nonascii;
} tokacc_t;

static int glued_prefix(const char *k, size_t nl)
{
    switch (nl) {
    case 1: return k[0] == 'p' || k[0] == 'f' || k[0] == 'q' || k[0] == 'x' || k[0] == 'h';
    case 2: return memcmp(k, "kp", 2) == 0 || memcmp(k, "tx", 2) == 0 || memcmp(k, "tt", 2) == 0 ||
                   memcmp(k, "kv", 2) == 0;
    case 3: return memcmp(k, "tdp", 3) == 0;
    default: return 0;
    }
}

static void tok_finish(ad_ctx_t *c, size_t off, size_t len, int bd, int paren, const tokacc_t *a)
{
    size_t k0 = a->kstart, kl = c->kn - k0;
    if (!kl) return;   /* apostrophes alone */
    if (c->ntok >= AD_MAXTOK - 1) {
        /* too many tokens: forget the oldest half (the administrative part
         * is at the end); keys stay where they are in kbuf */
        int drop = AD_MAXTOK / 2;
        c->dropped = 1;
        memmove(c->t, c->t + drop, (size_t)(c->ntok - drop) * sizeof *c->t);
        c->ntok -= drop;
        c->t[0].bd = BD_HARD;
    }
    int roman;
    kl = dc_addr__key_rules(c->kbuf + k0, kl, a->digits, &roman);
    if (kl > 255) kl = 255;
    c->kn = k0 + kl;
    ad_tok_t *t = &c->t[c->ntok++];
    t->off = (uint16_t)off;
    t->len = (uint16_t)len;
    t->koff = (uint16_t)k0;
    t->klen = (uint8_t)kl;
    t->roman = (uint8_t)roman;
    t->bd = (uint8_t)bd;
    t->kw = t->kwn = t->kwok = 0;
    t->flags = (uint8_t)((a->letters < (int)kl ? TF_DIGIT : 0) | (a->nonascii ? TF_NONASCII : 0) |
                         (a->first > 0 ? TF_UPPER : 0) | (a->letters && a->upper == a->letters ? TF_ALLUP : 0) |
                         (paren ? TF_PAREN : 0));

    /* P5, Q10, F12, KP3, TDP5: split a unit abbreviation glued to a number. */
    const char *k = c->kbuf + k0;
    size_t nl = 0;
    if (!a->letters || a->letters == (int)kl) return;   /* letters only or digits only */
    while (nl < kl && k[nl] >= 'a' && k[nl] <= 'z') nl++;
    if (nl && nl < kl && nl <= 3 && !a->nonascii && len == kl && glued_prefix(k, nl)) {
        size_t d = nl;
        while (d < kl && k[d] >= '0' && k[d] <= '9') d++;
        if (d != kl) return;
        size_t z = nl;   /* the number without its leading zeros */
        while (z + 1 < kl && k[z] == '0') z++;
        ad_tok_t *u = &c->t[c->ntok++];
        *u = *t;
        t->len = (uint16_t)nl;
        t->klen = (uint8_t)nl;
        t->flags &= (uint8_t)~TF_DIGIT;
        u->off = (uint16_t)(off + nl);
        u->len = (uint16_t)(len - nl);
        u->koff = (uint16_t)(k0 + z);
        u->klen = (uint8_t)(kl - z);
        u->bd = BD_GLUE;
        u->flags = (uint8_t)(TF_DIGIT | (paren ? TF_PAREN : 0));
    }
}

/* Lower-case UTF-8 of bytes s[0..n) equals `exact`? */
static int lower_equals(const char *s, size_t n, const char *exact, size_t *used)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, j = 0, el = strlen(exact);
    /* fast path, the usual spelling ("Phường"): an ASCII first letter,
     * then the very bytes of `exact` (lower case: the loop below would
     * accept them unchanged) */
    if (n && n <= el && p[0] < 0x80 && (p[0] | 0x20) == (unsigned char)exact[0] &&
        ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && !memcmp(s + 1, exact + 1, n - 1) &&
        (n == el || (unsigned char)exact[n] < 0x80 || ((unsigned char)exact[n] & 0xC0) != 0x80)) {
        *used = n;
        return 1;
    }
    while (i < n) {
        uint32_t cp;
        i += p[i] < 0x80 ? (cp = p[i], 1) : dc_addr__utf8_next(p + i, n - i, &cp);
        char buf[4];
        size_t l = dc_addr__utf8_put(dc_addr__lower(cp), buf);
        if (j + l > el || memcmp(exact + j, buf, l) != 0) return 0;
        j += l;
    }
    *used = j;
    return 1;
}

static int tok_is(const ad_ctx_t *c, int i, const char *fold, size_t l)
{
    const char *k = c->kbuf + c->t[i].koff;
    return c->t[i].klen == l && k[0] == fold[0] && memcmp(k, fold, l) == 0;
}

/* Exact diacritic form of keyword kw over tokens i.. (spaces between). */
static int kw_exact(const ad_ctx_t *c, int i, const ad_kw_t *kw, int n)
{
    const char *e = kw->exact;
    for (int j = 0; j < n; j++) {
        size_t used;
        if (!lower_equals(c->s + c->t[i + j].off, c->t[i + j].len, e, &used)) return 0;
        e += used;
        if (j + 1 < n) {
            if (*e != ' ') return 0;
            e++;
        }
    }
    return *e == 0;
}

static void find_keywords(ad_ctx_t *c)
{
    int name_at = -1;   /* token that must be read as a name (first after a keyword) */
    int seg_cls = KC_NONE;   /* class of the keyword that opened the current part */
    for (int i = 0; i < c->ntok; i++) {
        ad_tok_t *t = &c->t[i];
        if (t->bd == BD_HARD) seg_cls = KC_NONE;
        int first, nk;
        if ((t->flags & TF_DIGIT) || !(nk = dc_addr__kw_first(c->gz, c->kbuf + t->koff, t->klen, &first)))
            continue;
        for (int q = 0; q < nk; q++) {
            int k = c->gz->kworder[first + q];
            const ad_kw_t *kw = &dc_addr__kws[k];
            int n = 0;
            while (n < 3 && kw->fold[n]) n++;
            if (i + n > c->ntok) continue;
            int ok = 1;
            for (int j = 0; j < n && ok; j++) {
                if (!tok_is(c, i + j, kw->fold[j], kw->flen[j])) ok = 0;
                if (j && c->t[i + j].bd >= BD_SOFT) ok = 0;
            }
            if (!ok) continue;
            t->kw = (uint8_t)(k + 1);
            t->kwn = (uint8_t)n;
            break;
        }
        if (!t->kw || i == name_at) continue;
        const ad_kw_t *kw = &dc_addr__kws[t->kw - 1];
        int next = i + t->kwn;
        if (next >= c->ntok || c->t[next].bd == BD_HARD ||
            ((c->t[next].flags ^ t->flags) & TF_PAREN)) continue;   /* nothing after it */
        int nonascii = 0;
        for (int j = 0; j < t->kwn; j++) nonascii |= c->t[i + j].flags & TF_NONASCII;
        const ad_tok_t *last = &c->t[next - 1];
        int at_start = t->bd == BD_HARD || i == 0;
        int num_next = (c->t[next].flags & TF_DIGIT) != 0;
        int accept = 0;
        if (nonascii && !kw->exact && t->kwn == 1 && kw->flen[0] == 1 && t->len == 2 &&
            (memcmp(c->s + t->off, "\xc4\x90", 2) == 0 || memcmp(c->s + t->off, "\xc4\x91", 2) == 0))
            nonascii = 0;           /* Đ. (đường): the one abbreviation with a diacritic */
        if (!kw->exact)             /* abbreviation */
            accept = !nonascii && ((last->flags & TF_DOT) || c->t[next].bd == BD_GLUE || num_next ||
                                   (at_start && (t->klen >= 2 || (t->flags & TF_UPPER))) ||
                                   (t->klen >= 2 && (t->flags & TF_ALLUP)));
        else if (nonascii) {
            accept = kw_exact(c, i, kw, t->kwn);
            if (!accept) { t->kw = t->kwn = 0; continue; }   /* "Quân", "Lạng", "Phượng": not keywords */
        }
        else
            accept = at_start || num_next || (last->flags & TF_DOT);
        /* a street or hamlet word inside a name ("Xã Ba Cụm Bắc", "Tam Thôn
         * Hiệp") opens a part only after a number or inside such a part */
        if (kw->cls == KC_HOUSE && !num_next) accept = 0;   /* "Số", "Nhà" + a number */
        if (accept && kw->cls != KC_ADMIN && !at_start && !num_next &&
            !(i > 0 && (c->t[i - 1].flags & TF_DIGIT)) && (seg_cls == KC_ADMIN || seg_cls == KC_NONE))
            accept = 0;
        if (!accept) continue;
        t->kwok = 1;
        seg_cls = kw->cls;
        name_at = next;
        i = next - 1;   /* the keyword's other words and its first name word are not keywords */
    }
}

void dc_addr__tokenize(ad_ctx_t *c)
{
    c->ntok = 0;
    c->kn = 0;
    c->dropped = 0;
    const unsigned char *p = (const unsigned char *)c->s;
    size_t n = c->n, i = 0, start = 0;
    int in_tok = 0, bd = BD_HARD, paren = 0;
    tokacc_t acc = {0, 0, 0, 0, 0, 0};
    for (;;) {
        uint32_t cp = 0;
        size_t l = 0;
        int info = 0;
        if (i < n) {
            unsigned b = p[i];
            if (b < 0x80) {
                cp = b;
                l = 1;
                info = dc_addr__fold_fast(b);
                if (b - 'A' < 26u) info |= 0x100;
            } else {
                l = dc_addr__utf8_fold(p + i, n - i, &cp, &info);
            }
            int f = info & 0xff;
            if (f || (cp >= 0x300 && cp <= 0x36F) || (in_tok && is_apos(cp))) {
                if (!in_tok) {
                    start = i;
                    in_tok = 1;
                    acc = (tokacc_t){c->kn, 1, 0, 0, -1, 0};
                }
                if (f) {
                    c->kbuf[c->kn++] = (char)f;
                    if (f > '9') {
                        int up = (info & 0x100) != 0;
                        acc.digits = 0;
                        acc.letters++;
                        acc.upper += up;
                        if (acc.first < 0) acc.first = up;
                        if (cp >= 0x80) acc.nonascii = 1;
                    }
                }
                i += l;
                continue;
            }
            /* "12/3", "12-14", "12.05": inside a house number */
            if (in_tok && (cp == '/' || cp == '.' || is_dash(cp)) && alnum_before(c, i)) {
                uint32_t nx;
                size_t l2 = cp_at(c, i + l, &nx);
                if (l2 && nx >= '0' && nx <= '9' && (cp == '/' || digit_before(c, i))) {
                    i += l;
                    continue;
                }
            }
        }
        if (in_tok) {
            tok_finish(c, start, i - start, bd, paren, &acc);
            bd = BD_SPACE;
            in_tok = 0;
            if (cp == '.' && c->ntok) c->t[c->ntok - 1].flags |= TF_DOT;
        }
        if (i >= n) break;
        if (is_hard(cp)) bd = BD_HARD;
        else if (is_open(cp)) { paren++; bd = BD_HARD; }
        else if (is_close(cp)) { if (paren) paren--; bd = BD_HARD; }
        else if ((is_dash(cp) || cp == '/') && bd < BD_SOFT) {
            /* a dash glued to both words ("Ea-Kao") is a plain space */
            uint32_t nx;
            cp_at(c, i + l, &nx);
            int glued = i > 0 && c->s[i - 1] != ' ' && nx != ' ' && nx != 0;
            if (!glued || cp == '/') bd = BD_SOFT;
        }
        i += l;
    }
    find_keywords(c);
}

int dc_addr__seg_start(const ad_ctx_t *c, int i)
{
    return i == 0 || c->t[i].bd == BD_HARD || (c->t[i].kw && c->t[i].kwok);
}

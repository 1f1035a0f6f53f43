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
#include "address_internal.h"

#include <string.h>   /* memcmp, strlen */

/*-*** Keywords ***/

/* Longest first among keywords that share a first token. */
const ad_kw_t dc_addr__kws[] = {
    {{"thanh", "pho"}, "thành phố", "Thành phố", KC_ADMIN, LV_PROV | LV_DIST, DC_UNIT_THANHPHO, 0},
    {{"tp"}, NULL, "Thành phố", KC_ADMIN, LV_PROV | LV_DIST, DC_UNIT_THANHPHO, 0},
    {{"tinh"}, "tỉnh", "Tỉnh", KC_ADMIN, LV_PROV, DC_UNIT_TINH, 0},
    {{"t"}, NULL, "Tỉnh", KC_ADMIN, LV_PROV, DC_UNIT_TINH, 0},
    {{"quan"}, "quận", "Quận", KC_ADMIN, LV_DIST, DC_UNIT_QUAN, 0},
    {{"q"}, NULL, "Quận", KC_ADMIN, LV_DIST, DC_UNIT_QUAN, 0},
    {{"huyen"}, "huyện", "Huyện", KC_ADMIN, LV_DIST, DC_UNIT_HUYEN, 0},
    {{"h"}, NULL, "Huyện", KC_ADMIN, LV_DIST, DC_UNIT_HUYEN, 0},
    {{"thi", "xa"}, "thị xã", "Thị xã", KC_ADMIN, LV_DIST, DC_UNIT_THIXA, 0},
    {{"tx"}, NULL, "Thị xã", KC_ADMIN, LV_DIST | LV_WARD, DC_UNIT_THIXA, DC_UNIT_THITRAN},
    {{"thi", "tran"}, "thị trấn", "Thị trấn", KC_ADMIN, LV_WARD, DC_UNIT_THITRAN, 0},
    {{"tt"}, NULL, "Thị trấn", KC_ADMIN, LV_WARD | LV_DIST, DC_UNIT_THITRAN, DC_UNIT_THIXA},
    {{"phuong"}, "phường", "Phường", KC_ADMIN, LV_WARD, DC_UNIT_PHUONG, 0},
    {{"p"}, NULL, "Phường", KC_ADMIN, LV_WARD, DC_UNIT_PHUONG, 0},
    {{"f"}, NULL, "Phường", KC_ADMIN, LV_WARD, DC_UNIT_PHUONG, 0},
    {{"xa"}, "xã", "Xã", KC_ADMIN, LV_WARD, DC_UNIT_XA, 0},
    {{"x"}, NULL, "Xã", KC_ADMIN, LV_WARD, DC_UNIT_XA, 0},
    {{"dac", "khu"}, "đặc khu", "Đặc khu", KC_ADMIN, LV_WARD, DC_UNIT_DACKHU, 0},
    {{"so", "nha"}, "số nhà", "Số", KC_HOUSE, 0, 0, 0},
    {{"so"}, "số", "Số", KC_HOUSE, 0, 0, 0},
    {{"sn"}, NULL, "Số", KC_HOUSE, 0, 0, 0},
    {{"ngo"}, "ngõ", "Ngõ", KC_ALLEY, 0, 0, 0},
    {{"ngach"}, "ngách", "Ngách", KC_ALLEY, 0, 0, 0},
    {{"hem"}, "hẻm", "Hẻm", KC_ALLEY, 0, 0, 0},
    {{"kiet"}, "kiệt", "Kiệt", KC_ALLEY, 0, 0, 0},
    {{"duong"}, "đường", "Đường", KC_STREET, 0, 0, 0},
    {{"d"}, NULL, "Đường", KC_STREET, 0, 0, 0},
    {{"pho"}, "phố", "Phố", KC_STREET, 0, 0, 0},
    {{"to", "dan", "pho"}, "tổ dân phố", "Tổ dân phố", KC_HAMLET, 0, 0, 0},
    {{"tdp"}, NULL, "Tổ dân phố", KC_HAMLET, 0, 0, 0},
    {{"to"}, "tổ", "Tổ", KC_HAMLET, 0, 0, 0},
    {{"khu", "pho"}, "khu phố", "Khu phố", KC_HAMLET, 0, 0, 0},
    {{"kp"}, NULL, "Khu phố", KC_HAMLET, 0, 0, 0},
    {{"khu", "vuc"}, "khu vực", "Khu vực", KC_HAMLET, 0, 0, 0},
    {{"kv"}, NULL, "Khu vực", KC_HAMLET, 0, 0, 0},
    {{"tieu", "khu"}, "tiểu khu", "Tiểu khu", KC_HAMLET, 0, 0, 0},
    {{"khu"}, "khu", "Khu", KC_HAMLET, 0, 0, 0},
    {{"thon"}, "thôn", "Thôn", KC_HAMLET, 0, 0, 0},
    {{"xom"}, "xóm", "Xóm", KC_HAMLET, 0, 0, 0},
    {{"ap"}, "ấp", "Ấp", KC_HAMLET, 0, 0, 0},
    {{"ban"}, "bản", "Bản", KC_HAMLET, 0, 0, 0},
    {{"khom"}, "khóm", "Khóm", KC_HAMLET, 0, 0, 0},
    {{"buon"}, "buôn", "Buôn", KC_HAMLET, 0, 0, 0},
    {{"lang"}, "làng", "Làng", KC_HAMLET, 0, 0, 0},
    {{"khoi"}, "khối", "Khối", KC_HAMLET, 0, 0, 0},
    {{"doi"}, "đội", "Đội", KC_HAMLET, 0, 0, 0},
    {{"soc"}, "sóc", "Sóc", KC_HAMLET, 0, 0, 0},
    {{"cum"}, "cụm", "Cụm", KC_HAMLET, 0, 0, 0},
    {{NULL}, NULL, NULL, 0, 0, 0, 0},
};

/*-*** Tokenizer ***/

static int is_apos(uint32_t cp) { return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC || cp == '`'; }
static int is_hard(uint32_t cp) { return cp == ',' || cp == ';' || cp == '|' || cp == '\n' || cp == '\r'; }
static int is_open(uint32_t cp) { return cp == '(' || cp == '[' || cp == '{'; }
static int is_close(uint32_t cp) { return cp == ')' || cp == ']' || cp == '}'; }
static int is_dash(uint32_t cp) { return cp == '-' || cp == 0x2013 || cp == 0x2014 || cp == 0x2012; }

static int word_cp(uint32_t cp) { return dc_addr__fold_cp(cp) != 0 || dc_addr__is_combining(cp); }

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

static void tok_finish(ad_ctx_t *c, size_t off, size_t len, int bd, int paren)
{
    if (c->ntok >= AD_MAXTOK || !len) return;
    ad_tok_t *t = &c->t[c->ntok];
    memset(t, 0, sizeof *t);
    int roman;
    size_t kl = dc_addr__tok_key(c->s + off, len, c->kbuf + c->kn, &roman);
    if (!kl) return;   /* apostrophes alone */
    t->off = (uint16_t)off;
    t->len = (uint16_t)len;
    t->koff = (uint16_t)c->kn;
    t->klen = (uint8_t)(kl > 255 ? 255 : kl);
    c->kn += t->klen;
    t->roman = (uint8_t)roman;
    t->bd = (uint8_t)bd;
    /* flags */
    int letters = 0, upper = 0, first = -1;
    const unsigned char *p = (const unsigned char *)c->s + off;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += p[i] < 0x80 ? (cp = p[i], 1) : dc_addr__utf8_next(p + i, len - i, &cp);
        int f = dc_addr__fold_cp(cp);
        if (!f) continue;
        if (f <= '9') { t->flags |= TF_DIGIT; continue; }
        if (cp >= 0x80) t->flags |= TF_NONASCII;
        int up = dc_addr__lower(cp) != cp;
        if (first < 0) first = up;
        letters++;
        upper += up;
    }
    if (first > 0) t->flags |= TF_UPPER;
    if (letters && upper == letters) t->flags |= TF_ALLUP;
    if (paren) t->flags |= TF_PAREN;
    c->ntok++;

    /* P5, Q10, F12, KP3, TDP5: split a unit abbreviation glued to a number. */
    const char *k = c->kbuf + t->koff;
    size_t nl = 0;
    while (nl < t->klen && k[nl] >= 'a' && k[nl] <= 'z') nl++;
    if (nl && nl < t->klen && nl <= 3 && !(t->flags & TF_NONASCII) && c->ntok < AD_MAXTOK) {
        size_t d = nl;
        while (d < t->klen && k[d] >= '0' && k[d] <= '9') d++;
        static const char *const pre[] = {"p", "f", "q", "kp", "tdp", "x", "h", "tx", "tt", "kv"};
        int ok = d == t->klen && len == t->klen;   /* plain ASCII letters + digits */
        int known = 0;
        for (size_t j = 0; ok && j < DC_ARRAY_LEN(pre); j++)
            if (strlen(pre[j]) == nl && memcmp(pre[j], k, nl) == 0) known = 1;
        if (ok && known) {
            ad_tok_t *u = &c->t[c->ntok];
            *u = *t;
            t->len = (uint16_t)nl;
            t->klen = (uint8_t)nl;
            t->flags &= (uint8_t)~TF_DIGIT;
            u->off = (uint16_t)(off + nl);
            u->len = (uint16_t)(len - nl);
            u->bd = BD_GLUE;
            u->flags = (uint8_t)(TF_DIGIT | (paren ? TF_PAREN : 0));
            /* re-key the number (leading zeros) */
            size_t kl2 = dc_addr__tok_key(c->s + u->off, u->len, c->kbuf + c->kn, &roman);
            u->koff = (uint16_t)c->kn;
            u->klen = (uint8_t)kl2;
            c->kn += kl2;
            c->ntok++;
        }
    }
}

/* Lower-case UTF-8 of bytes s[0..n) equals `exact`? */
static int lower_equals(const char *s, size_t n, const char *exact, size_t *used)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, j = 0, el = strlen(exact);
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

static int tok_is(const ad_ctx_t *c, int i, const char *fold)
{
    size_t l = strlen(fold);
    return c->t[i].klen == l && memcmp(c->kbuf + c->t[i].koff, fold, l) == 0;
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
        if (t->flags & TF_DIGIT) continue;
        for (int k = 0; dc_addr__kws[k].display; k++) {
            const ad_kw_t *kw = &dc_addr__kws[k];
            int n = 0;
            while (n < 3 && kw->fold[n]) n++;
            if (i + n > c->ntok) continue;
            int ok = 1;
            for (int j = 0; j < n && ok; j++) {
                if (!tok_is(c, i + j, kw->fold[j])) ok = 0;
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
        if (!kw->exact)             /* abbreviation */
            accept = !nonascii && ((last->flags & TF_DOT) || c->t[next].bd == BD_GLUE || num_next ||
                                   (at_start && (t->klen >= 2 || (t->flags & TF_UPPER))) ||
                                   (t->klen >= 2 && (t->flags & TF_ALLUP)));
        else if (nonascii)
            accept = kw_exact(c, i, kw, t->kwn);
        else
            accept = at_start || num_next || (last->flags & TF_DOT);
        /* a street or hamlet word inside a name ("Xã Ba Cụm Bắc", "Tam Thôn
         * Hiệp") opens a part only after a number or inside such a part */
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
    size_t i = 0, start = 0;
    int in_tok = 0, bd = BD_HARD, paren = 0;
    while (i <= c->n) {
        uint32_t cp;
        size_t l = cp_at(c, i, &cp);
        if (l && (word_cp(cp) || (in_tok && is_apos(cp)))) {
            if (!in_tok) { start = i; in_tok = 1; }
            i += l;
            continue;
        }
        /* "12/3", "12-14": inside a house number */
        if (l && in_tok && (cp == '/' || is_dash(cp)) && alnum_before(c, i)) {
            uint32_t nx;
            size_t l2 = cp_at(c, i + l, &nx);
            if (l2 && nx < 0x80 && nx >= '0' && nx <= '9' && (cp == '/' || digit_before(c, i))) {
                i += l;
                continue;
            }
        }
        if (in_tok) {
            tok_finish(c, start, i - start, bd, paren);
            bd = BD_SPACE;
            in_tok = 0;
            if (cp == '.' && c->ntok) c->t[c->ntok - 1].flags |= TF_DOT;
        }
        if (!l) break;
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

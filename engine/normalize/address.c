/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * address.c - dc_addr_normalize(): tokenize (address_parse.c), match the
 * administrative part (address_match.c), split the rest into house
 * number, alley, street and hamlet, and build the codes, flags,
 * confidence and display text of one address.
 *
 * Thread-safe and allocation-free (the interner aside): the whole state of
 * a call lives on the stack, the gazetteer is read-only.
 */
#include "normalize/address_internal.h"

#include <stddef.h>   /* offsetof */
#include <string.h>   /* memset, memcpy, strlen */
#include <utf8proc.h> /* utf8proc_decompose, utf8proc_reencode (NFD input) */

/*-*** Output buffers ***/

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf_t;

static void sb_put(sbuf_t *b, const char *s, size_t n)
{
    if (b->n + n >= b->cap) n = b->cap - 1 - b->n;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_puts(sbuf_t *b, const char *s) { sb_put(b, s, strlen(s)); }

/* Copy s into a fixed field, cut on a character boundary. */
static void field_set(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) {
        n = cap - 1;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    memcpy(dst, s, n);
    dst[n] = 0;
}

/*-*** Rendering tokens ***/

static int numberish(const ad_tok_t *t) { return (t->flags & TF_DIGIT) != 0; }

/* One token in display form: pure numbers without leading zeros, letters
 * in proper case (upper case next to digits: 12A). */
static void put_tok(sbuf_t *b, const ad_ctx_t *c, const ad_tok_t *t)
{
    int digits = t->len > 0;
    for (int i = 0; i < t->len; i++)
        if (c->s[t->off + i] < '0' || c->s[t->off + i] > '9') digits = 0;
    if (digits) { sb_put(b, c->kbuf + t->koff, t->klen); return; }   /* "05" -> "5" */
    if ((t->flags & TF_ALLUP) && !(t->flags & TF_NONASCII)) {   /* an acronym keeps its case: KCN, KDC */
        int vowel = 0;
        for (int i = 0; i < t->klen; i++) vowel |= strchr("aeiouy", c->kbuf[t->koff + i]) != NULL;
        if (!vowel && t->len == t->klen) { sb_put(b, c->s + t->off, t->len); return; }
    }
    char w[192];
    size_t l = dc_addr__word_display(c->s + t->off, t->len, w, sizeof w, 1);
    sb_put(b, w, l);
}

/* Tokens [a, b) as words separated by single spaces (a spaced hyphen
 * kept: "Bà Rịa - Vũng Tàu"). */
static void put_words(sbuf_t *sb, const ad_ctx_t *c, int a, int b)
{
    for (int i = a; i < b; i++) {
        const ad_tok_t *t = &c->t[i];
        if (t->flags & TF_PAREN) continue;
        if (i > a) sb_puts(sb, t->bd == BD_SOFT ? " - " : t->bd == BD_GLUE ? "" : " ");
        put_tok(sb, c, t);
    }
}

/* A keyword part: "Ngõ 34", "Thôn Đông". */
static void put_kw_part(sbuf_t *sb, const ad_kw_t *kw, const ad_ctx_t *c, int a, int b)
{
    sb_puts(sb, kw->display);
    if (a < b) {
        sb_puts(sb, " ");
        put_words(sb, c, a, b);
    }
}

/*-*** The non-administrative part ***/

typedef struct pieces {
    char house[64], alley[128], street[160], hamlet[128], other[256];
    sbuf_t bh, ba, bs, bm, bo;
    char ward[128], dist[128], prov[128];   /* admin parts written but not matched */
    sbuf_t bw, bd, bp;
} pieces_t;

static void pieces_init(pieces_t *p)
{
    p->bh = (sbuf_t){p->house, 0, sizeof p->house};
    p->ba = (sbuf_t){p->alley, 0, sizeof p->alley};
    p->bs = (sbuf_t){p->street, 0, sizeof p->street};
    p->bm = (sbuf_t){p->hamlet, 0, sizeof p->hamlet};
    p->bo = (sbuf_t){p->other, 0, sizeof p->other};
    p->bw = (sbuf_t){p->ward, 0, sizeof p->ward};
    p->bd = (sbuf_t){p->dist, 0, sizeof p->dist};
    p->bp = (sbuf_t){p->prov, 0, sizeof p->prov};
    p->house[0] = p->alley[0] = p->street[0] = p->hamlet[0] = p->other[0] = 0;
    p->ward[0] = p->dist[0] = p->prov[0] = 0;
}

static void sep(sbuf_t *b) { if (b->n) sb_puts(b, ", "); }

/* Street words [a, b): the street if none yet, else another part. */
static void put_street(pieces_t *p, const ad_ctx_t *c, int a, int b)
{
    if (a >= b) return;
    sbuf_t *t = p->bs.n ? &p->bo : &p->bs;
    sep(t);
    put_words(t, c, a, b);
}

/* Parse one segment [a, b) of the part left of the administrative chain. */
static void segment(pieces_t *p, const ad_ctx_t *c, int a, int b, int admin_matched)
{
    const ad_tok_t *t = &c->t[a];
    if (t->kw && t->kwok) {
        const ad_kw_t *kw = &dc_addr__kws[t->kw - 1];
        int v = a + t->kwn;
        int vend = (v < b && numberish(&c->t[v])) ? v + 1 : b;   /* a number, or a name */
        switch (kw->cls) {
        case KC_HOUSE:
            if (vend == v + 1 && !p->bh.n) { put_words(&p->bh, c, v, vend); put_street(p, c, vend, b); }
            else put_street(p, c, v, b);
            return;
        case KC_ALLEY:
            sep(&p->ba);
            put_kw_part(&p->ba, kw, c, v, vend);
            put_street(p, c, vend, b);
            return;
        case KC_HAMLET:
            sep(&p->bm);
            put_kw_part(&p->bm, kw, c, v, vend);
            if (vend < b) { sep(&p->bo); put_words(&p->bo, c, vend, b); }
            return;
        case KC_STREET: {
            sbuf_t *s = p->bs.n ? &p->bo : &p->bs;
            sep(s);
            put_kw_part(s, kw, c, v, b);
            return;
        }
        default: {   /* an administrative part that did not match */
            sbuf_t *s = (kw->levels & LV_WARD) ? &p->bw : (kw->levels == LV_PROV || (kw->levels & LV_PROV && !admin_matched))
                        ? &p->bp : &p->bd;
            sep(s);
            put_kw_part(s, kw, c, v, b);
            return;
        }
        }
    }
    if (numberish(t) && !p->bh.n) {
        put_words(&p->bh, c, a, a + 1);
        put_street(p, c, a + 1, b);
        return;
    }
    put_street(p, c, a, b);
}

/*-*** Confidence and flags ***/

static int known_ward(const ad_codes_t *k) { return k->ward_old || k->ward_new; }

/* The part of the confidence and flags the chain decides: everything but
 * the penalty for an administrative part left of the chain that did not
 * match (score_apply). */
static void score_tail(const dc_gazetteer_t *gz, const ad_match_t *r, ad_tail_t *t)
{
    const ad_codes_t *k = &r->codes;
    int conf = known_ward(k) ? 100 : k->dist ? 65 : (k->prov_old || k->prov_new) ? 40 : 0;
    t->sc.scored = conf != 0;
    if (!conf) return;
    dc_addr_t *out = &t->sc.base;
    int partial = !known_ward(k);
    for (int l = 0; l < 3; l++) {
        if (!r->has[l]) continue;
        const ad_um_t *u = &r->m[l];
        if (!u->typed) conf -= 4;
        if (u->mismatch) conf -= 10;
        if (u->alt) conf -= 5;
        if (u->former) { conf -= 3; out->flags |= DC_ADDR_OLD_NAME; }
        if (u->alias) conf -= 2;
        conf -= 8 * u->splits;
    }
    if (r->era != 2 && r->has[0] && !r->has[1]) { conf -= 8; partial = 1; }
    if (!r->has[2]) { conf -= 4; partial = 1; }
    if (r->era == 2 && !r->has[0]) partial = 1;
    if (r->era != 2 && !r->has[1]) partial = 1;
    conf -= 10 * (r->skipped + r->midskip);
    if (r->midskip) partial = 1;
    if (r->hint_used) conf -= 15;
    if (r->close) conf -= 10;
    if (r->dropped) partial = 1;
    t->sc.conf = (int16_t)conf;
    t->sc.partial = (uint8_t)partial;
    out->ward_old = k->ward_old;
    out->ward_new = k->ward_new;
    out->district_old = k->dist;
    out->prov_old = k->prov_old;
    out->prov_new = k->prov_new ? k->prov_new : gz->prov_new_of[k->prov_old];
    if (k->ward_old && !k->ward_new) {
        int32_t i = gz->ward_old[k->ward_old];
        if (i >= 0 && gz->u[i].nlink > 1) out->flags |= DC_ADDR_AMBIGUOUS_NEW;
    }
}

static void score_apply(const ad_tail_t *t, int unmatched_admin, dc_addr_t *out)
{
    if (!t->matched || !t->sc.scored) {
        out->flags |= DC_ADDR_UNMATCHED;
        return;
    }
    int conf = t->sc.conf, partial = t->sc.partial;
    if (unmatched_admin) { conf -= 15; partial = 1; }
    if (conf < 1) conf = 1;
    out->conf = (uint8_t)conf;
    out->flags |= t->sc.base.flags;
    if (partial) out->flags |= DC_ADDR_PARTIAL;
    out->ward_old = t->sc.base.ward_old;
    out->ward_new = t->sc.base.ward_new;
    out->district_old = t->sc.base.district_old;
    out->prov_old = t->sc.base.prov_old;
    out->prov_new = t->sc.base.prov_new;
}

/*-*** Placeholders ***/

int dc_addr__placeholder(const ad_ctx_t *c)
{
    char key[64];
    size_t k = 0;
    for (int i = 0; i < c->ntok; i++) {
        const ad_tok_t *t = &c->t[i];
        if (k + t->klen >= sizeof key) return 0;
        memcpy(key + k, c->kbuf + t->koff, t->klen);
        k += t->klen;
    }
    static const char *const ph[] = {"0", "na", "null", "none", "x", "xx", "khong", "khongro", "kxd",
                                     "khongxacdinh", "chuaro", "chuacothongtin", "khongco", "khongbiet"};
    for (size_t i = 0; i < DC_ARRAY_LEN(ph); i++)
        if (strlen(ph[i]) == k && memcmp(ph[i], key, k) == 0) return 1;
    return 0;
}

/*-*** The administrative part ***/

void dc_addr__tail(const ad_ctx_t *c, const ad_match_t *r, ad_tail_t *t)
{
    const dc_gazetteer_t *gz = c->gz;
    memset(t, 0, offsetof(ad_tail_t, buf));
    t->adm[0] = t->adm[1] = t->adm[2] = t->trail = t->skipped = "";
    t->matched = r->has[0] || r->has[1] || r->has[2] || r->dropped;
    if (!t->matched) return;
    /* Trailing parts skipped by the matcher (not a country or postcode). */
    sbuf_t tr = {t->trailbuf, 0, sizeof t->trailbuf};
    t->trailbuf[0] = 0;
    for (int a = r->end; a < c->ntok;) {
        if (c->t[a].flags & TF_PAREN) { a++; continue; }
        int b = a + 1;
        while (b < c->ntok && !(c->t[b].flags & TF_PAREN) && c->t[b].bd != BD_HARD) b++;
        char key[32];
        size_t k = 0;
        for (int i = a; i < b && k + c->t[i].klen < sizeof key; i++) {
            memcpy(key + k, c->kbuf + c->t[i].koff, c->t[i].klen);
            k += c->t[i].klen;
        }
        int drop = (k == 7 && memcmp(key, "vietnam", 7) == 0) || (k == 2 && memcmp(key, "vn", 2) == 0) ||
                   (b == a + 1 && (c->t[a].flags & TF_DIGIT) && c->t[a].klen >= 5);
        if (!drop) { sep(&tr); put_words(&tr, c, a, b); }
        a = b;
    }
    t->trail = t->trailbuf;
    /* Administrative parts: the gazetteer name, or the words as written. */
    for (int l = 0; l < 3; l++) {
        if (r->has[l]) { t->adm[l] = gz->u[r->m[l].u].name; continue; }
        if (!(r->dropped & (1 << l))) continue;
        sbuf_t b = {t->buf[l], 0, sizeof t->buf[l]};
        t->buf[l][0] = 0;
        const ad_tok_t *tk = &c->t[r->m[l].s];
        if (tk->kw && r->m[l].typed) put_kw_part(&b, &dc_addr__kws[tk->kw - 1], c, r->m[l].s + tk->kwn, r->m[l].e);
        else put_words(&b, c, r->m[l].s, r->m[l].e);
        t->adm[l] = t->buf[l];
    }
    /* a part skipped between two units */
    if (r->midskip) {
        sbuf_t b = {t->skipbuf, 0, sizeof t->skipbuf};
        t->skipbuf[0] = 0;
        const ad_tok_t *tk = &c->t[r->skip_s];
        int typed = tk->kw && tk->kwok && dc_addr__kws[tk->kw - 1].cls == KC_ADMIN;
        if (typed) { put_kw_part(&b, &dc_addr__kws[tk->kw - 1], c, r->skip_s + tk->kwn, r->skip_e); t->sc.unmatched = 1; }
        else put_words(&b, c, r->skip_s, r->skip_e);
        t->sc.midskip = 1;
        t->skipped = t->skipbuf;
    }
    score_tail(gz, r, t);
}

void dc_addr__finish(dc_intern_t *in, const ad_ctx_t *c, int left, const ad_tail_t *t, dc_addr_t *out,
                     dc_addr_parts_t *parts)
{
    /* Parts left of the chain, segment by segment. */
    pieces_t p;
    pieces_init(&p);
    int unmatched_admin = 0;
    for (int a = 0; a < left;) {
        if (c->t[a].flags & TF_PAREN) { a++; continue; }
        int b = a + 1;
        while (b < left && !(c->t[b].flags & TF_PAREN) && !dc_addr__seg_start(c, b)) b++;
        if (c->t[a].kw && c->t[a].kwok && dc_addr__kws[c->t[a].kw - 1].cls == KC_ADMIN) unmatched_admin = 1;
        segment(&p, c, a, b, t->matched);
        a = b;
    }
    const char *adm[3] = {t->adm[0], t->adm[1], t->adm[2]};
    if (!*adm[0]) adm[0] = p.ward;
    if (!*adm[1]) adm[1] = p.dist;
    if (!*adm[2]) adm[2] = p.prov;
    if (*t->trail) {   /* an unknown last part stands for the province when there is none */
        if (!*adm[2]) adm[2] = t->trail;
        else { sep(&p.bo); sb_puts(&p.bo, t->trail); }
    }
    /* a part skipped between two units: in the empty level it stands for */
    if (t->sc.midskip) {
        unmatched_admin |= t->sc.unmatched;
        int l = -1;
        for (int k = 0; k < 3; k++)
            if (!*adm[k] && (k == 1 || l < 0)) l = k;   /* a district, if that level is empty */
        if (l >= 0) adm[l] = t->skipped;
        else { sep(&p.bo); sb_puts(&p.bo, t->skipped); }
    }
    score_apply(t, unmatched_admin, out);

    /* Display text. */
    char text[1024];
    sbuf_t tb = {text, 0, sizeof text};
    text[0] = 0;
    if (p.bh.n) { sb_puts(&tb, "Số "); sb_puts(&tb, p.house); }
    const char *seq[] = {p.alley, p.street, p.hamlet, p.other, adm[0], adm[1], adm[2]};
    for (size_t i = 0; i < DC_ARRAY_LEN(seq); i++) {
        if (!*seq[i]) continue;
        sep(&tb);
        sb_puts(&tb, seq[i]);
    }
    if (in && tb.n) out->text = dc_intern(in, text, tb.n);
    if (parts) {
        field_set(parts->house, sizeof parts->house, p.house, p.bh.n);
        field_set(parts->alley, sizeof parts->alley, p.alley, p.ba.n);
        field_set(parts->hamlet, sizeof parts->hamlet, p.hamlet, p.bm.n);
        field_set(parts->street, sizeof parts->street, p.street, p.bs.n);
        field_set(parts->ward, sizeof parts->ward, adm[0], strlen(adm[0]));
        field_set(parts->district, sizeof parts->district, adm[1], strlen(adm[1]));
        field_set(parts->province, sizeof parts->province, adm[2], strlen(adm[2]));
    }
}

/*-*** Entry point ***/

/* Input in NFD (base letters + combining marks, U+0300..U+036F: lead bytes
 * 0xCC, 0xCD) is composed first; the loader delivers NFC, so this is rare. */
int dc_addr__has_combining(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (((unsigned char)s[i] == 0xCC || (unsigned char)s[i] == 0xCD) && ((unsigned char)s[i + 1] & 0xC0) == 0x80)
            return 1;
    return 0;
}

static __attribute__((noinline)) void normalize_composed(const dc_gazetteer_t *gz, dc_intern_t *in, const char *s,
                                                         size_t n, uint8_t prov_hint, dc_addr_t *out,
                                                         dc_addr_parts_t *parts)
{
    ad_work_t w;
    utf8proc_int32_t buf[AD_MAXIN * 3 + 1];
    utf8proc_ssize_t r = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, buf,
                                            (utf8proc_ssize_t)DC_ARRAY_LEN(buf) - 1, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (r < 0 || r >= (utf8proc_ssize_t)DC_ARRAY_LEN(buf)) { dc_addr__normalize_nfc(gz, in, s, n, prov_hint, out, parts, &w); return; }
    r = utf8proc_reencode(buf, r, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (r < 0) { dc_addr__normalize_nfc(gz, in, s, n, prov_hint, out, parts, &w); return; }
    dc_addr__normalize_nfc(gz, in, (const char *)buf, (size_t)r, prov_hint, out, parts, &w);
}

void dc_addr_normalize(const dc_gazetteer_t *gz, dc_intern_t *in, const char *s, size_t n,
                       uint8_t prov_hint, dc_addr_t *out, dc_addr_parts_t *parts)
{
    memset(out, 0, sizeof *out);
    if (parts) memset(parts, 0, sizeof *parts);
    if (!s) return;
    if (n > AD_MAXIN) {   /* the administrative part is at the end */
        size_t cut = n - AD_MAXIN;
        while (cut < n && ((unsigned char)s[cut] & 0xC0) == 0x80) cut++;
        s += cut;
        n -= cut;
    }
    if (dc_addr__has_combining(s, n)) {
        normalize_composed(gz, in, s, n, prov_hint, out, parts);
    } else {
        ad_work_t w;
        dc_addr__normalize_nfc(gz, in, s, n, prov_hint, out, parts, &w);
    }
}

void dc_addr__normalize_nfc(const dc_gazetteer_t *gz, dc_intern_t *in, const char *s, size_t n,
                            uint8_t prov_hint, dc_addr_t *out, dc_addr_parts_t *parts, ad_work_t *w)
{
    ad_ctx_t *c = &w->c;
    c->gz = gz;
    c->s = s;
    c->n = n;
    w->done = 0;
    dc_addr__tokenize(c);
    if (!c->ntok || dc_addr__placeholder(c)) return;
    out->flags = DC_ADDR_PRESENT;
    dc_addr__match(c, prov_hint, &w->r);
    dc_addr__tail(c, &w->r, &w->t);
    dc_addr__finish(in, c, w->t.matched ? w->r.left : c->ntok, &w->t, out, parts);
    w->done = 1;
}

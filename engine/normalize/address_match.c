/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * address_match.c - match the administrative part of a tokenized address
 * against the gazetteer.
 *
 * An address ends with its administrative units, smallest first: ward,
 * district, province (before the 2025 reform) or commune, province (after).
 * The matcher walks the tokens from the right and builds "chains": a span
 * of tokens ending where the previous unit began is looked up by its key
 * (address_internal.h) and each unit of that name whose level is below the
 * previous one and that fits the hierarchy (a ward inside the district
 * inside the province) extends the chain. Levels may be missing (ward +
 * province), type words may be missing ("Tân Hòa, Châu Thành, An Giang"),
 * and a post-2025 commune may come with a pre-2025 district that contains
 * one of its former communes.
 *
 * Every complete chain gets a score (per unit: 10, +4 for a written type
 * word that agrees, -3 when it disagrees, -2 for a former name, ...; see
 * docs/ADDRESSES.md). The best chain wins; when several chains tie with
 * different codes, only the codes they all agree on are kept (the others
 * are left unknown rather than guessed), unless the province of the
 * source file singles one out.
 *
 * Two passes: the first cuts units only at commas, keywords and spaced
 * hyphens; if it finds no commune, the second may cut anywhere inside a
 * part and read any keyword-looking word as a type ("Tan Hoa Chau Thanh An
 * Giang", "12 Nguyen Trai Phuong Ben Thanh").
 *
 * Allocation-free: all state lives on the caller's stack.
 */
#include "normalize/address_internal.h"

#include <string.h>   /* memset, memcpy */

#define MAX_NAME_TOK 7     /* tokens of a unit name */

typedef struct mctx {
    const ad_ctx_t *c;
    const dc_gazetteer_t *gz;
    int pass;                       /* 1 or 2 */
    int na;                         /* active tokens */
    uint8_t act[AD_MAXTOK];         /* token index of each active position */
    uint8_t bd[AD_MAXTOK + 1];      /* boundary before each active position (BD_*), end = HARD */
    uint8_t kwok[AD_MAXTOK];        /* accepted keyword at the position */
    uint8_t street[AD_MAXTOK];      /* inside a house/alley/street part (second-pass cuts limited) */
    /* lookup cache by (position, length) */
    const gz_slot_t *cache[AD_MAXTOK][MAX_NAME_TOK];
    uint8_t done[AD_MAXTOK];        /* bit len-1: cached */
    uint8_t ddone[AD_MAXTOK];       /* diacritic key of the token computed */
    uint16_t doff[AD_MAXTOK];
    uint8_t dlen[AD_MAXTOK];
    char dbuf[4096];
    size_t dn;
    /* results */
    uint8_t prov_hint;
    ad_match_t cur, best, hbest;
    ad_codes_t cons, hcons, bcodes;   /* consensus of the tied best chains, codes of the best one */
    int second;                       /* best score of a chain naming another commune, -1000 if none */
    int bformer;                      /* the best chain uses a former name */
    int ntie, nhint, has_best, has_hbest;
    int budget;                     /* chains left to evaluate (guards pathological input) */
    int lo;                         /* horizon (see note()) */
} mctx_t;

/* The horizon of a run: the smallest active position x at which the run
 * took a decision that depends on what lies left of x. Let P > 0 be an
 * active position with bd[P] == BD_HARD (P starts a part), and consider
 * the run on the positions [P, na) alone (the "tail" run, P becoming 0).
 * Both runs read the same data at positions >= P, and they can only part
 * where the full run would leave the tail:
 *  - step(e) with e == P that goes on exploring (maxlvl > 0, budget left):
 *    the tail run stops at e == 0; inside the tail, step(e > P)'s loop
 *    stops at s = P - 1 in the full run because bd[P] is hard (s + 1 < e),
 *    as the tail run stops at s = -1; cut_ok(P) is 1 in both (bd[P] hard
 *    vs i == 0); seg_begin(e > P) returns P in both (bd[P] hard vs s == 0);
 *    street[] restarts at P in both;
 *  - a skip between two units starting at s0 == P (the tail run tests
 *    s0 > 0);
 *  - run_pass() going on with e == P (the tail run tests e > 0);
 *  - the driver: the two last tokens ("Viet Nam") and an end that falls
 *    back to P (country, postcode).
 * note() records each of those positions; no position < P is read before
 * one of them happens at P (reaching further left needs a step() at P
 * first). So when P < lo the two runs are the same run, and the result
 * depends only on the tokens from P on (and on the hint): another address
 * whose tokens from its own hard start P' on are the same gets the same
 * chain, shifted (address.c, the tail cache). */
static inline void note(mctx_t *m, int x)
{
    if (x < m->lo) m->lo = x;
}

/*-*** Keys of spans ***/

static const gz_slot_t *lookup(mctx_t *m, int a, int b)
{
    int len = b - a;
    if (len < 1 || len > MAX_NAME_TOK) return NULL;
    if (m->done[a] & (1u << (len - 1))) return m->cache[a][len - 1];
    const ad_ctx_t *c = m->c;
    char key[512];
    size_t k = 0, last = 0;
    for (int i = a; i < b; i++) {
        const ad_tok_t *t = &c->t[m->act[i]];
        if (k + t->klen >= sizeof key) break;
        last = k;
        memcpy(key + k, c->kbuf + t->koff, t->klen);
        k += t->klen;
    }
    const ad_tok_t *lt = &c->t[m->act[b - 1]];
    if (len >= 2 && lt->roman) { k = last; key[k++] = (char)('0' + lt->roman); }
    const gz_slot_t *sl = k ? dc_addr__gz_lookup(m->gz, key, k) : NULL;
    m->done[a] |= (uint8_t)(1u << (len - 1));
    m->cache[a][len - 1] = sl;
    return sl;
}

/* Diacritic key of the token at active position i (computed once). */
static const char *tok_dkey(mctx_t *m, int i, size_t *len)
{
    if (!m->ddone[i]) {
        const ad_tok_t *t = &m->c->t[m->act[i]];
        size_t k = 0;
        if (m->dn + 192 <= sizeof m->dbuf)
            k = dc_addr__dkey_token(m->c->s + t->off, t->len, m->dbuf + m->dn, 192);
        m->doff[i] = (uint16_t)m->dn;
        m->dlen[i] = (uint8_t)k;
        m->dn += k;
        m->ddone[i] = 1;
    }
    *len = m->dlen[i];
    return m->dbuf + m->doff[i];
}

/* Is span [a, b) written with diacritics that differ from unit u's
 * ("Châu Bính" for Châu Bình)? 0 when the span has no diacritics. */
static int dkey_differs(mctx_t *m, int a, int b, const gz_unit_t *u)
{
    int dia = 0;
    for (int i = a; i < b; i++) dia |= m->c->t[m->act[i]].flags & TF_NONASCII;
    if (!dia) return 0;
    size_t off = 0;
    for (int i = a; i < b; i++) {
        size_t l;
        const char *d = tok_dkey(m, i, &l);
        if (off + l > u->dklen || memcmp(u->dkey + off, d, l) != 0) return 1;
        off += l;
    }
    return off != u->dklen;
}

static int slot_has_province(const dc_gazetteer_t *gz, const gz_slot_t *sl)
{
    for (uint32_t p = 0; p < sl->npost; p++) {
        int kind = (int)(gz->pinfo[sl->post0 + p] & 7);
        if (kind == GZ_PROV_OLD || kind == GZ_PROV_NEW) return 1;
    }
    return 0;
}

/*-*** Derived codes ***/

static void derive(const mctx_t *m, const ad_match_t *ch, ad_codes_t *o)
{
    const dc_gazetteer_t *gz = m->gz;
    const gz_unit_t *U = gz->u;
    memset(o, 0, sizeof *o);
    if (ch->era == 2) {
        const gz_unit_t *d = ch->has[1] ? &U[U[ch->m[1].u].canon] : NULL;
        if (ch->has[0]) {
            const gz_unit_t *w = &U[ch->m[0].u];
            o->ward_new = w->code;
            o->prov_new = w->prov;
            /* old side through the links: unique old commune, else the
             * district / province all of them share */
            uint32_t ow = 0;
            int nw = 0, dist_same = 1, prov_same = 1;
            uint16_t dd = 0;
            uint8_t pp = 0;
            for (uint32_t i = 0; i < w->nlink; i++) {
                const gz_unit_t *o2 = &U[gz->link_unit[w->link0 + i]];
                uint16_t od = o2->kind == GZ_DIST ? (uint16_t)o2->code : o2->parent;
                if (d && od != d->code) continue;
                if (o2->kind == GZ_WARD_OLD) { if (!nw || ow != o2->code) nw++; ow = o2->code; }
                else nw += 2;   /* an island district: no commune */
                if (dd && dd != od) dist_same = 0;
                if (pp && pp != o2->prov) prov_same = 0;
                dd = od;
                pp = o2->prov;
            }
            if (nw == 1) o->ward_old = ow;
            if (dd && dist_same) o->dist = dd;
            if (pp && prov_same) o->prov_old = pp;
        } else if (ch->has[2]) {
            o->prov_new = (uint8_t)U[ch->m[2].u].code;
            o->prov_old = gz->prov_old_of[o->prov_new];
        }
        if (d) { o->dist = (uint16_t)d->code; o->prov_old = d->prov; }
        return;
    }
    if (ch->has[0]) {
        const gz_unit_t *w = &U[U[ch->m[0].u].canon];
        o->ward_old = w->code;
        o->dist = w->parent;
        o->prov_old = w->prov;
        if (w->nlink == 1) o->ward_new = gz->links[w->link0].code;
    } else if (ch->has[1]) {
        const gz_unit_t *d = &U[U[ch->m[1].u].canon];
        o->dist = (uint16_t)d->code;
        o->prov_old = d->prov;
        /* an island district without communes is one new commune */
        if (d->nlink == 1) o->ward_new = gz->links[d->link0].code;
    } else if (ch->has[2]) {
        o->prov_old = (uint8_t)U[ch->m[2].u].code;
    }
    o->prov_new = gz->prov_new_of[o->prov_old];
}

#define MIN_SCORE 8
#define CLOSE 2

/* Do two readings name different communes (either scheme)? */
static int other_commune(const ad_codes_t *a, const ad_codes_t *b)
{
    if (!(a->ward_old | a->ward_new) || !(b->ward_old | b->ward_new)) return 0;
    return (a->ward_old && b->ward_old && a->ward_old != b->ward_old) ||
           (a->ward_new && b->ward_new && a->ward_new != b->ward_new) ||
           (!a->ward_old != !b->ward_old && !a->ward_new != !b->ward_new);
}

static void intersect(ad_codes_t *a, const ad_codes_t *b)
{
    if (a->ward_old != b->ward_old) a->ward_old = 0;
    if (a->ward_new != b->ward_new) a->ward_new = 0;
    if (a->dist != b->dist) a->dist = 0;
    if (a->prov_old != b->prov_old) a->prov_old = 0;
    if (a->prov_new != b->prov_new) a->prov_new = 0;
}

/*-*** Chains ***/

static void finalize(mctx_t *m)
{
    ad_match_t *ch = &m->cur;
    if (!ch->has[0] && !ch->has[1] && !ch->has[2]) return;
    /* a district is part of a post-2025 chain only to support its commune */
    if (ch->era == 2 && ch->has[1] && !ch->has[0]) return;
    if (--m->budget < 0) return;
    int sc = 0;
    for (int l = 0; l < 3; l++)
        if (ch->has[l]) sc += ch->m[l].sc;
    if (ch->era != 2 && ch->has[0] && ch->has[2] && !ch->has[1]) sc -= 3;   /* ward + province, no district */
    if (!ch->has[2]) sc -= 2;
    if (ch->era != 2 && !ch->has[0]) sc -= 1;   /* incomplete before 2025, maybe complete after */
    sc -= 5 * (ch->skipped + ch->midskip);
    ch->score = sc;
    if (sc < MIN_SCORE) return;   /* e.g. one untyped word found by a cut: too weak to name a unit */
    if (m->has_best && sc < m->best.score - CLOSE) return;
    ad_codes_t codes;
    derive(m, ch, &codes);
    /* a close reading with another commune lowers the confidence; one
     * through a former name (of the same place, mostly) does not */
    int former = 0;
    for (int l = 0; l < 3; l++) former |= ch->has[l] && ch->m[l].former;
    if (m->has_best && sc < m->best.score) {
        if (!former && other_commune(&codes, &m->bcodes) && sc > m->second) m->second = sc;
        return;
    }
    if (!m->has_best || sc > m->best.score) {
        if (m->has_best && !m->bformer && other_commune(&codes, &m->bcodes) && m->best.score > m->second)
            m->second = m->best.score;
        m->bformer = former;
        m->best = *ch;
        m->bcodes = codes;
        m->cons = codes;
        m->ntie = 1;
        m->nhint = 0;
        m->has_best = 1;
        m->has_hbest = 0;
    } else {
        m->ntie++;
        intersect(&m->cons, &codes);
    }
    if (m->prov_hint && codes.prov_old == m->prov_hint) {
        if (!m->nhint) { m->hbest = *ch; m->hcons = codes; m->has_hbest = 1; }
        else intersect(&m->hcons, &codes);
        m->nhint++;
    }
}

/* Is the boundary before active position i a cut the pass allows? The
 * second pass cuts anywhere, except inside a street part ("Số 12 Nguyễn
 * Trãi" must not yield a ward Nguyễn Trãi), where it only cuts before a
 * word that looks like a unit type ("12 Nguyen Trai Phuong Ben Thanh"). */
static int cut_ok(const mctx_t *m, int i, int *split)
{
    *split = 0;
    if (i == 0 || i == m->na || m->bd[i] >= BD_SOFT || m->kwok[i]) return 1;
    if (m->pass != 2) return 0;
    if (m->kwok[i - 1]) return 0;   /* a keyword is followed by its name ("Sóc | Trăng") */
    if (m->street[i]) {
        const ad_tok_t *t = &m->c->t[m->act[i]];
        if (!t->kw || dc_addr__kws[t->kw - 1].cls != KC_ADMIN) return 0;
    }
    *split = 1;
    return 1;
}

static int level_of(int kind)
{
    return kind == GZ_WARD_OLD || kind == GZ_WARD_NEW ? 0 : kind == GZ_DIST ? 1 : 2;
}

/* Does new ward w have a former commune in district d (or is it d)? */
static int new_ward_in_district(const dc_gazetteer_t *gz, const gz_unit_t *w, uint32_t d)
{
    for (uint32_t i = 0; i < w->nlink; i++) {
        const gz_unit_t *o = &gz->u[gz->link_unit[w->link0 + i]];
        if (o->kind == GZ_DIST ? o->code == d : o->parent == d) return 1;
    }
    return 0;
}

static void step(mctx_t *m, int e, int maxlvl);
static int seg_begin(const mctx_t *m, int e);

/* Try the units named by span [a, e) (name tokens), the whole unit span
 * being [s, e). */
static void try_span(mctx_t *m, int s, int a, int e, int maxlvl, const ad_kw_t *kw, int alt, int splits)
{
    const gz_slot_t *sl = lookup(m, a, e);
    if (!sl) return;
    const dc_gazetteer_t *gz = m->gz;
    ad_match_t *ch = &m->cur;
    const gz_unit_t *pv = ch->has[2] ? &gz->u[ch->m[2].u] : NULL;
    const gz_unit_t *dv = ch->has[1] ? &gz->u[ch->m[1].u] : NULL;
    uint32_t pcode = pv ? pv->code : 0, dcode = dv ? dv->code : 0;
    int pnew = pv && pv->kind == GZ_PROV_NEW;
    int lvbits = kw ? kw->levels : LV_WARD | LV_DIST | LV_PROV;
    for (uint32_t p = 0; p < sl->npost; p++) {
        /* filter on the packed posting info first: most candidates of a
         * common name ("5", "Tân Hòa") fail here without touching the unit */
        uint32_t pi = gz->pinfo[sl->post0 + p];
        int kind = (int)(pi & 7);
        uint32_t uprov = (pi >> 3) & 127, upar = (pi >> 10) & 1023, utype = (pi >> 20) & 15;
        int former = (pi >> 24) & 1;
        int lvl = level_of(kind);
        if (lvl >= maxlvl || !(lvbits & (1 << lvl))) continue;
        int era = ch->era;
        switch (kind) {
        case GZ_PROV_OLD: era = 1; break;
        case GZ_PROV_NEW: era = 2; break;
        case GZ_DIST:
            if (pv && (pnew ? gz->prov_new_of[uprov] : uprov) != pcode) continue;
            break;
        case GZ_WARD_OLD:
            if (era == 2) continue;
            if (dv ? upar != dcode : pv && uprov != pcode) continue;
            era = 1;
            break;
        default: /* GZ_WARD_NEW */
            if (pv && (!pnew || uprov != pcode)) continue;
            era = 2;
            break;
        }
        uint32_t post = gz->post[sl->post0 + p];
        uint32_t ui = post & GZ_POST_IDX;
        if (kind == GZ_WARD_NEW && dv && !new_ward_in_district(gz, &gz->u[ui], dcode)) continue;
        /* score */
        int sc = 10, typed = 0, mismatch = 0;
        if (kw) {
            typed = 1;
            if (utype == kw->type) sc += 4;
            else if (kw->type2 && utype == kw->type2) sc += 2;
            else { sc -= 3; mismatch = 1; }
        }
        if (former) sc -= 2;
        if (alt) sc -= 2;
        if (post & GZ_POST_ALIAS) sc -= 1;
        if (dkey_differs(m, a, e, &gz->u[ui])) sc -= 2;   /* written with other diacritics */
        /* the last words read as a district although they name a province:
         * an address ends with its province ("..., Thanh Hóa") */
        if (kind == GZ_DIST && !kw && !ch->has[2] && !ch->has[1] && !ch->has[0] && slot_has_province(gz, sl))
            sc -= 2;
        sc -= splits;
        ad_match_t save = *ch;
        ad_um_t *um = &ch->m[lvl];
        um->u = ui;
        um->s = (uint8_t)s;
        um->e = (uint8_t)e;
        um->typed = (uint8_t)typed;
        um->mismatch = (uint8_t)mismatch;
        um->alt = (uint8_t)alt;
        um->former = (uint8_t)former;
        um->alias = (post & GZ_POST_ALIAS) != 0;
        um->splits = (uint8_t)splits;
        um->sc = (int8_t)sc;
        ch->has[lvl] = 1;
        ch->era = (uint8_t)era;
        ch->left = (uint8_t)s;
        /* a post-2025 chain reached through a district: weigh the district less */
        if (era == 2 && ch->has[1] && lvl == 0) ch->m[1].sc = (int8_t)(ch->m[1].sc - 4);
        step(m, s, lvl);
        *ch = save;
    }
}

static void step(mctx_t *m, int e, int maxlvl)
{
    finalize(m);
    if (maxlvl && m->budget >= 0) note(m, e);   /* explores left of e */
    if (maxlvl == 0 || e == 0 || m->budget < 0) return;
    int split_e;   /* counted by the unit to the right */
    if (!cut_ok(m, e, &split_e)) return;
    for (int s = e - 1; s >= 0 && s >= e - (MAX_NAME_TOK + 3); s--) {
        /* no hard boundary and no accepted keyword strictly inside */
        if (s + 1 < e && (m->bd[s + 1] == BD_HARD || m->kwok[s + 1])) break;
        int split_s;
        if (!cut_ok(m, s, &split_s)) continue;
        const ad_tok_t *t = &m->c->t[m->act[s]];
        int kwn = t->kw ? t->kwn : 0;
        const ad_kw_t *kw = kwn ? &dc_addr__kws[t->kw - 1] : NULL;
        int typed_ok = kw && (m->kwok[s] || m->pass == 2) && s + kwn < e;
        for (int j = 1; typed_ok && j < kwn; j++)
            if (s + j >= m->na || m->act[s + j] != m->act[s] + j) typed_ok = 0;
        if (typed_ok && kw->cls == KC_ADMIN && e - (s + kwn) <= MAX_NAME_TOK) {
            try_span(m, s, s + kwn, e, maxlvl, kw, 0, split_s);
            /* two type words ("Xã Phường Khánh Hòa"): the second one names the type */
            const ad_tok_t *t2 = &m->c->t[m->act[s + kwn]];
            if (t2->kw && dc_addr__kws[t2->kw - 1].cls == KC_ADMIN && s + kwn + t2->kwn < e &&
                m->act[s + kwn] + t2->kwn <= m->c->ntok)
                try_span(m, s, s + kwn + t2->kwn, e, maxlvl, &dc_addr__kws[t2->kw - 1], 1, split_s);
        }
        /* the same words as a name: always when no keyword was accepted
         * here; also when the keyword may be part of a name (no diacritics,
         * abbreviation, or a street/hamlet word like "Phố" in "Phố Huế") */
        int exact_admin = typed_ok && kw->cls == KC_ADMIN && kw->exact && (t->flags & TF_NONASCII) && m->kwok[s];
        if (e - s <= MAX_NAME_TOK && !exact_admin)
            try_span(m, s, s, e, maxlvl, NULL, kw && m->kwok[s], split_s);
    }
    /* Second pass: skip one whole part between two units, a district that
     * exists in neither list ("Phường 1, Huyện Từ Liêm, Hà Nội"). */
    ad_match_t *ch = &m->cur;
    if (m->pass == 2 && !ch->midskip && (ch->has[0] | ch->has[1] | ch->has[2]) && m->bd[e] == BD_HARD) {
        int s0 = seg_begin(m, e);
        note(m, s0);
        if (s0 > 0 && s0 < e) {
            ch->midskip = 1;
            ch->skip_s = (uint8_t)s0;
            ch->skip_e = (uint8_t)e;
            step(m, s0, maxlvl);
            ch->midskip = 0;
        }
    }
}

/*-*** Driver ***/

static int tok_is_key(const mctx_t *m, int i, const char *k)
{
    const ad_tok_t *t = &m->c->t[m->act[i]];
    size_t l = strlen(k);
    return t->klen == l && memcmp(m->c->kbuf + t->koff, k, l) == 0;
}

static int is_country(const mctx_t *m, int a, int b)
{
    char key[64];
    size_t k = 0;
    for (int i = a; i < b; i++) {
        const ad_tok_t *t = &m->c->t[m->act[i]];
        if (k + t->klen >= sizeof key) return 0;
        memcpy(key + k, m->c->kbuf + t->koff, t->klen);
        k += t->klen;
    }
    return (k == 7 && memcmp(key, "vietnam", 7) == 0) || (k == 2 && memcmp(key, "vn", 2) == 0);
}

static int is_postcode(const mctx_t *m, int a, int b)
{
    if (b - a != 1) return 0;
    const ad_tok_t *t = &m->c->t[m->act[a]];
    if (t->klen < 5 || t->klen > 6) return 0;
    for (int i = 0; i < t->klen; i++)
        if (m->c->kbuf[t->koff + i] < '0' || m->c->kbuf[t->koff + i] > '9') return 0;
    return 1;
}

/* Start of the segment ending at active position e (hard cuts only). */
static int seg_begin(const mctx_t *m, int e)
{
    int s = e - 1;
    while (s > 0 && m->bd[s] != BD_HARD) s--;
    return s;
}

static void run_pass(mctx_t *m, int end)
{
    memset(m->done, 0, (size_t)m->na);
    memset(m->ddone, 0, (size_t)m->na);
    m->dn = 0;
    memset(&m->cur, 0, sizeof m->cur);
    /* the chain ends at the end, or after skipping up to two trailing parts */
    int e = end;
    for (int skip = 0; skip <= 2 && e > 0; skip++) {
        /* trailing parts are skipped only when what ends the address did
         * not already give a chain of two units or more */
        if (skip && m->has_best && m->best.has[0] + m->best.has[1] + m->best.has[2] >= 2) break;
        note(m, e);
        m->cur.skipped = (uint8_t)skip;
        m->cur.end = (uint8_t)e;
        step(m, e, 3);
        e = seg_begin(m, e);
    }
    m->cur.skipped = 0;
}

void dc_addr__match(const ad_ctx_t *c, uint8_t prov_hint, ad_match_t *out)
{
    mctx_t mm;
    mctx_t *m = &mm;
    m->c = c;
    m->gz = c->gz;
    m->prov_hint = prov_hint;
    m->has_best = m->has_hbest = 0;
    m->ntie = m->nhint = 0;
    m->second = -1000;
    m->budget = 4096;
    /* active positions: tokens outside parentheses */
    m->na = 0;
    int pending_hard = 0;
    for (int i = 0; i < c->ntok; i++) {
        const ad_tok_t *t = &c->t[i];
        if (t->flags & TF_PAREN) { pending_hard = 1; continue; }
        m->act[m->na] = (uint8_t)i;
        m->bd[m->na] = pending_hard ? BD_HARD : t->bd;
        m->kwok[m->na] = t->kw && t->kwok;
        m->na++;
        pending_hard = 0;
    }
    m->bd[m->na] = BD_HARD;
    /* street context: from a house/alley/street keyword or a leading
     * number to the next segment start */
    int street = 0;
    for (int i = 0; i < m->na; i++) {
        const ad_tok_t *t = &c->t[m->act[i]];
        if (i == 0 || m->bd[i] == BD_HARD || m->kwok[i]) {
            int cls = m->kwok[i] ? dc_addr__kws[t->kw - 1].cls : KC_NONE;
            street = cls == KC_HOUSE || cls == KC_ALLEY || cls == KC_STREET ||
                     (cls == KC_NONE && (t->flags & TF_DIGIT));
        }
        m->street[i] = (uint8_t)street;
    }
    memset(out, 0, sizeof *out);
    out->anyhint = 1;   /* no chain: the hint played no part */
    if (!m->na) return;
    m->lo = m->na;
    /* drop a trailing country name and postcode, also without a comma */
    int end = m->na;
    note(m, end - 1);   /* the two last tokens are read ("Viet Nam") */
    if (end >= 2 && tok_is_key(m, end - 2, "viet") && tok_is_key(m, end - 1, "nam")) end -= 2;
    else if (end >= 1 && (tok_is_key(m, end - 1, "vietnam") || tok_is_key(m, end - 1, "vn"))) end -= 1;
    if (end < m->na && end > 0) m->bd[end] = BD_HARD;
    for (int k = 0; k < 2 && end > 0; k++) {
        note(m, end);
        int s = seg_begin(m, end);
        if (is_country(m, s, end) || is_postcode(m, s, end)) end = s;
    }
    note(m, end);
    if (!end) return;
    m->pass = 1;
    run_pass(m, end);
    if (!m->has_best || !m->best.has[0]) {
        m->pass = 2;
        run_pass(m, end);
    }
    if (!m->has_best) return;

    /* Resolve ties. */
    ad_match_t *r = out;
    ad_codes_t codes = m->cons;
    *r = m->best;
    if (m->ntie > 1 && m->nhint > 0 && m->nhint < m->ntie) {
        *r = m->hbest;
        codes = m->hcons;
        r->hint_used = 1;
    }
    /* a level of the best chain whose codes the tied chains disagree on is dropped */
    if (m->ntie > 1) {
        ad_codes_t mine;
        derive(m, r, &mine);
        if (r->has[0] && ((r->era == 2 ? mine.ward_new != codes.ward_new : mine.ward_old != codes.ward_old)))
            { r->has[0] = 0; r->dropped |= 1; }
        if (r->has[1] && mine.dist != codes.dist) { r->has[1] = 0; r->dropped |= 2; }
        if (r->has[2] && (r->era == 2 ? mine.prov_new != codes.prov_new : mine.prov_old != codes.prov_old))
            { r->has[2] = 0; r->dropped |= 4; }
    }
    r->close = m->ntie == 1 && m->second >= m->best.score - CLOSE;
    /* map the end to token indices for the caller */
    r->codes = codes;
    for (int l = 0; l < 3; l++) {
        if (!r->has[l] && !(r->dropped & (1 << l))) continue;
        r->m[l].s = m->act[r->m[l].s];
        r->m[l].e = (uint8_t)(m->act[r->m[l].e - 1] + 1);
    }
    r->left = m->act[r->left];
    if (r->midskip) {
        r->skip_s = m->act[r->skip_s];
        r->skip_e = (uint8_t)(m->act[r->skip_e - 1] + 1);
    }
    r->end = r->end >= m->na ? (uint8_t)c->ntok : m->act[r->end];
    r->horizon = m->act[m->lo];   /* m->lo <= na - 1 */
    /* the hint only ever chooses among tied chains (finalize() keeps its
     * bookkeeping apart; no decision of the search reads it) */
    r->anyhint = m->ntie <= 1;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * nickname.c - English given-name variants (settings "nicknames en",
 * docs/SETTINGS.md): two given names are variants when the table
 * engine/ref/data/en_nicknames.csv (carltonnorthern/nicknames, Apache-2.0;
 * engine/ref/SOURCES.md) says one has the other as a nickname (Thomas /
 * Tom, Robert / Bob, Edward / Eddie), either way round. The name column's
 * "nickname" level (compare.c) and the blocking key field "given_nick"
 * (rules.c) read it.
 *
 * The table is process-wide, like the extra columns: dc_nicknames_use()
 * builds it once, before any comparison, and it is read-only afterwards.
 */
#include "match/dc_match.h"
#include "ref/dc_ref.h"

#include <stdlib.h>   /* qsort, bsearch */
#include <string.h>   /* memcmp */

typedef struct {
    uint64_t h;     /* hash of the pair, its names in byte order (variant pairs), or of the name (keys) */
    uint64_t key;   /* keys: the hash of the name's canonical variant; pairs: 0 (a row while built) */
} nick_ent_t;

static struct {
    int on;
    nick_ent_t *pairs;   /* sorted by h */
    size_t npairs;
    nick_ent_t *keys;    /* sorted by h: name -> key of its canonical variant */
    size_t nkeys;
} g_nick;

static int ent_cmp(const void *x, const void *y)
{
    uint64_t a = ((const nick_ent_t *)x)->h, b = ((const nick_ent_t *)y)->h;
    return a < b ? -1 : a > b;
}

static int str_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

static uint64_t pair_hash(const char *a, size_t la, const char *b, size_t lb)
{
    if (str_cmp(a, la, b, lb) > 0) {
        const char *t = a; a = b; b = t;
        size_t k = la; la = lb; lb = k;
    }
    return dc_hash64_seed(b, lb, dc_hash64_seed(a, la, 0x4E49434B));
}

/* Canonical variant of a name for blocking: among the name and its
 * variants, the one with the most variants (ties: the first in byte
 * order): "tom", "tommy" and "thomas" key alike. Names with several
 * canonical forms (bill: William, Robert...) key on one of them only, so
 * the key finds some variant pairs, the comparison level all of them. */
typedef struct {
    const char *s;
    size_t n;
    uint32_t deg;
} name_t;

static int name_cmp(const void *x, const void *y)
{
    const name_t *a = x, *b = y;
    return str_cmp(a->s, a->n, b->s, b->n);
}

static name_t *find_name(name_t *v, size_t n, const char *s, size_t len)
{
    name_t k = {s, len, 0};
    return bsearch(&k, v, n, sizeof *v, name_cmp);
}

/* a better canonical form than b: more variants, then first in byte order */
static int better(const name_t *a, const name_t *b)
{
    return a->deg != b->deg ? a->deg > b->deg : name_cmp(a, b) < 0;
}

static void build(void)
{
    size_t len;
    const char *t = dc_ref_get("en_nicknames.csv", &len);
    if (!t) return;
    /* rows "name1,has_nickname,name2": lower-case ASCII names */
    size_t cap = 0, n = 0;
    struct row { const char *a, *b; size_t la, lb; uint64_t h; } *rows = NULL;
    const char *p = memchr(t, '\n', len);
    p = p ? p + 1 : t + len;
    while (p < t + len) {
        const char *e = memchr(p, '\n', (size_t)(t + len - p));
        if (!e) e = t + len;
        const char *c1 = memchr(p, ',', (size_t)(e - p));
        const char *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(e - c1 - 1)) : NULL;
        size_t lb = c2 ? (size_t)(e - c2 - 1) : 0;
        if (lb && c2[lb] == '\r') lb--;
        if (c1 && c2 && c1 > p && lb) {
            rows = dc_grow(rows, &cap, n + 1, sizeof *rows);
            rows[n] = (struct row){p, c2 + 1, (size_t)(c1 - p), lb, pair_hash(p, (size_t)(c1 - p), c2 + 1, lb)};
            n++;
        }
        p = e + 1;
    }
    /* two nicknames of one name are variants too (Will and Willie of
     * William, Bob and Robby of Robert): rows sorted by name1, each run's
     * name2s paired */
    size_t nrow = n;
    for (size_t i = 0; i < nrow;) {
        size_t j = i;
        while (j < nrow && rows[j].la == rows[i].la && !memcmp(rows[j].a, rows[i].a, rows[i].la)) j++;
        for (size_t x = i; x < j; x++)
            for (size_t y = x + 1; y < j; y++) {
                rows = dc_grow(rows, &cap, n + 1, sizeof *rows);
                rows[n++] = (struct row){rows[x].b, rows[y].b, rows[x].lb, rows[y].lb,
                                         pair_hash(rows[x].b, rows[x].lb, rows[y].b, rows[y].lb)};
            }
        i = j;
    }
    /* the distinct pairs (a row may be given both ways round) */
    g_nick.pairs = dc_xcalloc(n ? n : 1, sizeof *g_nick.pairs);
    for (size_t i = 0; i < n; i++) g_nick.pairs[i] = (nick_ent_t){rows[i].h, i};
    qsort(g_nick.pairs, n, sizeof *g_nick.pairs, ent_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!k || g_nick.pairs[i].h != g_nick.pairs[k - 1].h) g_nick.pairs[k++] = g_nick.pairs[i];
    g_nick.npairs = k;
    /* the names, their number of variants and their canonical form */
    name_t *v = dc_xcalloc(2 * n + 1, sizeof *v);
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        v[nv++] = (name_t){rows[i].a, rows[i].la, 0};
        v[nv++] = (name_t){rows[i].b, rows[i].lb, 0};
    }
    qsort(v, nv, sizeof *v, name_cmp);
    k = 0;
    for (size_t i = 0; i < nv; i++)
        if (!k || name_cmp(&v[i], &v[k - 1])) v[k++] = v[i];
    nv = k;
    size_t *best = dc_xcalloc(nv ? nv : 1, sizeof *best);
    for (size_t i = 0; i < nv; i++) best[i] = i;
    for (int pass = 0; pass < 2; pass++)
        for (size_t q = 0; q < g_nick.npairs; q++) {
            const struct row *r = &rows[g_nick.pairs[q].key];
            size_t ia = (size_t)(find_name(v, nv, r->a, r->la) - v), ib = (size_t)(find_name(v, nv, r->b, r->lb) - v);
            if (pass == 0) { v[ia].deg++; v[ib].deg++; continue; }
            if (better(&v[ib], &v[best[ia]])) best[ia] = ib;
            if (better(&v[ia], &v[best[ib]])) best[ib] = ia;
        }
    g_nick.keys = dc_xcalloc(nv ? nv : 1, sizeof *g_nick.keys);
    for (size_t i = 0; i < nv; i++)
        g_nick.keys[i] = (nick_ent_t){dc_hash64(v[i].s, v[i].n), dc_hash64(v[best[i]].s, v[best[i]].n)};
    g_nick.nkeys = nv;
    qsort(g_nick.keys, nv, sizeof *g_nick.keys, ent_cmp);
    for (size_t i = 0; i < g_nick.npairs; i++) g_nick.pairs[i].key = 0;
    free(best);
    free(v);
    free(rows);
}

void dc_nicknames_use(int on)
{
    if (on && !g_nick.pairs) build();
    g_nick.on = on != 0;
}

int dc_nicknames_active(void) { return g_nick.on; }

int dc_nickname_pair(const char *a, size_t la, const char *b, size_t lb)
{
    if (!g_nick.on || !g_nick.npairs || !la || !lb) return 0;
    nick_ent_t k = {pair_hash(a, la, b, lb), 0};
    return bsearch(&k, g_nick.pairs, g_nick.npairs, sizeof k, ent_cmp) != NULL;
}

uint64_t dc_nickname_key(const char *s, size_t n)
{
    if (!n) return 0;
    uint64_t h = dc_hash64(s, n);
    if (g_nick.on && g_nick.nkeys) {
        nick_ent_t k = {h, 0};
        const nick_ent_t *e = bsearch(&k, g_nick.keys, g_nick.nkeys, sizeof k, ent_cmp);
        if (e) return e->key;
    }
    return h;
}

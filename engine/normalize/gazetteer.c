/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gazetteer.c - the Vietnamese administrative units, loaded once from the
 * embedded tables engine/ref/data/admin_*.csv (cleaned copies of the GSO
 * lists and of the 2025 mapping, engine/ref/sources/admin-units.md).
 *
 * Layout: one gz_unit_t per row (provinces old and new, districts, old
 * wards of both GSO snapshots, new wards); a unit renamed or moved between
 * the 2023 and 2025 lists has two records, the 2025 one being canonical.
 * Code -> canonical record arrays give the names by code; a name index
 * (open addressing on XXH3 of the matching key, address_internal.h) maps a
 * key to the records bearing that name, which is what the matcher walks.
 * The 2025 mapping is stored as links on the canonical records, both
 * directions. Everything is read-only after dc_gazetteer_load().
 */
#include "normalize/address_internal.h"
#include "ref/dc_ref.h"

#include <stdlib.h>   /* qsort, free */
#include <string.h>   /* strcmp, memcmp */

/*-*** Unit types ***/

static const char *const type_names[DC_UNIT__COUNT] = {
    "", "Tỉnh", "Thành phố", "Quận", "Huyện", "Thị xã", "Phường", "Xã", "Thị trấn", "Đặc khu",
};

const char *dc_unit_type_name(int type)
{
    return (type > 0 && type < DC_UNIT__COUNT) ? type_names[type] : "";
}

static int type_parse(const char *s)
{
    for (int t = 1; t < DC_UNIT__COUNT; t++)
        if (strcmp(s, type_names[t]) == 0) return t;
    return DC_UNIT_NONE;
}

/*-*** Loading ***/

typedef struct build {
    dc_gazetteer_t *gz;
    size_t ucap;
    struct kp { uint64_t h; uint32_t post; uint32_t koff; uint16_t klen; } *kp;
    size_t nkp, kpcap;
    char *keys;
    size_t nkeys, keyscap;
} build_t;

static uint32_t parse_code(const char *s, const char *file, unsigned long line)
{
    if (!*s) return 0;
    uint32_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') dc_die("%s line %lu: bad code", file, line);
        v = v * 10 + (uint32_t)(*p - '0');
    }
    return v;
}

static uint32_t unit_add(build_t *b, int kind, uint32_t code, const char *type, const char *bare,
                         unsigned snap, uint32_t parent, uint8_t prov, const char *file,
                         unsigned long line)
{
    dc_gazetteer_t *gz = b->gz;
    gz->u = dc_grow(gz->u, &b->ucap, gz->nu + 1, sizeof *gz->u);
    gz_unit_t *u = &gz->u[gz->nu];
    memset(u, 0, sizeof *u);
    u->type = (uint8_t)type_parse(type);
    if (!u->type) dc_die("%s line %lu: unknown unit type", file, line);
    size_t tl = strlen(type), bl = strlen(bare);
    char *name = dc_arena_alloc(&gz->arena, tl + 1 + bl + 1);
    memcpy(name, type, tl);
    name[tl] = ' ';
    memcpy(name + tl + 1, bare, bl + 1);
    u->name = name;
    u->bare_off = (uint8_t)(tl + 1);
    char dk[256];
    size_t dl = dc_addr__dkey(bare, bl, dk, sizeof dk);
    u->dkey = dc_arena_strndup(&gz->arena, dk, dl);
    u->dklen = (uint8_t)dl;
    u->code = code;
    u->kind = (uint8_t)kind;
    u->snap = (uint8_t)snap;
    u->parent = (uint16_t)parent;
    u->prov = prov;
    u->canon = (uint32_t)gz->nu;
    u->next_same = UINT32_MAX;
    return (uint32_t)gz->nu++;
}

static void key_add(build_t *b, const char *name, size_t n, uint32_t post)
{
    char key[256];
    size_t kl = dc_addr__key(name, n, key, sizeof key);
    if (!kl) return;
    b->kp = dc_grow(b->kp, &b->kpcap, b->nkp + 1, sizeof *b->kp);
    b->keys = dc_grow(b->keys, &b->keyscap, b->nkeys + kl, 1);
    memcpy(b->keys + b->nkeys, key, kl);
    b->kp[b->nkp].h = dc_hash64(key, kl) | 1;   /* 0 marks an empty slot */
    b->kp[b->nkp].post = post;
    b->kp[b->nkp].koff = (uint32_t)b->nkeys;
    b->kp[b->nkp].klen = (uint16_t)kl;
    b->nkp++;
    b->nkeys += kl;
}

static int kp_cmp(const void *a, const void *b)
{
    const struct kp *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    if (x->post != y->post) return x->post < y->post ? -1 : 1;
    return 0;
}

static int code_cmp(const void *a, const void *b, void *ctx)
{
    const gz_unit_t *u = ctx;
    uint32_t x = u[*(const uint32_t *)a].code, y = u[*(const uint32_t *)b].code;
    return x < y ? -1 : x > y;
}

/* Records of one (kind, code) form a chain headed by the canonical record
 * (the one in the 2025 list, else the first read); by_code[code] is the
 * head. */
static void link_same(dc_gazetteer_t *gz, int32_t *by_code, uint32_t code, uint32_t idx)
{
    gz_unit_t *u = gz->u;
    int32_t head = by_code[code];
    if (head < 0) { by_code[code] = (int32_t)idx; return; }
    if ((u[idx].snap & 2) && !(u[head].snap & 2)) {
        u[idx].next_same = (uint32_t)head;
        by_code[code] = (int32_t)idx;
    } else {
        u[idx].next_same = u[head].next_same;
        u[head].next_same = idx;
    }
}

static void set_canon_all(dc_gazetteer_t *gz)
{
    gz_unit_t *u = gz->u;
    for (size_t i = 0; i < gz->nu; i++) {
        int32_t c;
        switch (u[i].kind) {
        case GZ_PROV_OLD: c = gz->prov_old[u[i].code]; break;
        case GZ_PROV_NEW: c = gz->prov_new[u[i].code]; break;
        case GZ_DIST: c = gz->dist[u[i].code]; break;
        case GZ_WARD_OLD: c = gz->ward_old[u[i].code]; break;
        default: c = gz->ward_new[u[i].code]; break;
        }
        u[i].canon = (uint32_t)c;
        u[i].former = (uint32_t)c != i;
    }
}

static void load_units(build_t *b)
{
    dc_gazetteer_t *gz = b->gz;
    dc_ref_csv_t c;

    /* Provinces. */
    dc_ref_csv_open(&c, "admin_provinces.csv", ',');
    int ce = dc_ref_csv_col(&c, "era"), cc = dc_ref_csv_col(&c, "code"), ct = dc_ref_csv_col(&c, "type"),
        cn = dc_ref_csv_col(&c, "name"), cs = dc_ref_csv_col(&c, "snap"), cw = dc_ref_csv_col(&c, "new_code");
    while (dc_ref_csv_next(&c)) {
        uint32_t code = parse_code(c.f[cc], c.name, c.line);
        if (!code || code > 99) dc_die("%s line %lu: bad province code", c.name, c.line);
        int old = strcmp(c.f[ce], "old") == 0;
        unsigned snap = old ? parse_code(c.f[cs], c.name, c.line) : 2;
        uint32_t i = unit_add(b, old ? GZ_PROV_OLD : GZ_PROV_NEW, code, c.f[ct], c.f[cn], snap, 0,
                              (uint8_t)code, c.name, c.line);
        link_same(gz, old ? gz->prov_old : gz->prov_new, code, i);
        if (old) gz->prov_new_of[code] = (uint8_t)parse_code(c.f[cw], c.name, c.line);
    }
    dc_ref_csv_close(&c);

    /* Districts. */
    dc_ref_csv_open(&c, "admin_districts.csv", ',');
    cc = dc_ref_csv_col(&c, "code");
    int cp = dc_ref_csv_col(&c, "province");
    ct = dc_ref_csv_col(&c, "type");
    cn = dc_ref_csv_col(&c, "name");
    cs = dc_ref_csv_col(&c, "snap");
    while (dc_ref_csv_next(&c)) {
        uint32_t code = parse_code(c.f[cc], c.name, c.line), prov = parse_code(c.f[cp], c.name, c.line);
        if (!code || code > 999 || !prov || prov > 99) dc_die("%s line %lu: bad code", c.name, c.line);
        uint32_t i = unit_add(b, GZ_DIST, code, c.f[ct], c.f[cn], parse_code(c.f[cs], c.name, c.line),
                              prov, (uint8_t)prov, c.name, c.line);
        link_same(gz, gz->dist, code, i);
    }
    dc_ref_csv_close(&c);

    /* Old wards. */
    dc_ref_csv_open(&c, "admin_wards_old.csv", ',');
    cc = dc_ref_csv_col(&c, "code");
    int cd = dc_ref_csv_col(&c, "district");
    ct = dc_ref_csv_col(&c, "type");
    cn = dc_ref_csv_col(&c, "name");
    cs = dc_ref_csv_col(&c, "snap");
    while (dc_ref_csv_next(&c)) {
        uint32_t code = parse_code(c.f[cc], c.name, c.line), d = parse_code(c.f[cd], c.name, c.line);
        if (!code || code > gz->ward_code_max || !d || d > 999 || gz->dist[d] < 0)
            dc_die("%s line %lu: bad code", c.name, c.line);
        uint32_t i = unit_add(b, GZ_WARD_OLD, code, c.f[ct], c.f[cn], parse_code(c.f[cs], c.name, c.line),
                              d, gz->u[gz->dist[d]].prov, c.name, c.line);
        link_same(gz, gz->ward_old, code, i);
    }
    dc_ref_csv_close(&c);

    /* New wards. */
    dc_ref_csv_open(&c, "admin_wards_new.csv", ',');
    cc = dc_ref_csv_col(&c, "code");
    cp = dc_ref_csv_col(&c, "province");
    ct = dc_ref_csv_col(&c, "type");
    cn = dc_ref_csv_col(&c, "name");
    int ca = dc_ref_csv_col(&c, "alias");
    while (dc_ref_csv_next(&c)) {
        uint32_t code = parse_code(c.f[cc], c.name, c.line), prov = parse_code(c.f[cp], c.name, c.line);
        uint32_t alias = parse_code(c.f[ca], c.name, c.line);
        if (!code || code > gz->ward_code_max || alias > gz->ward_code_max || !prov || prov > 99 ||
            gz->prov_new[prov] < 0)
            dc_die("%s line %lu: bad code", c.name, c.line);
        uint32_t i = unit_add(b, GZ_WARD_NEW, code, c.f[ct], c.f[cn], 2, prov, (uint8_t)prov, c.name, c.line);
        if (gz->ward_new[code] >= 0) dc_die("%s line %lu: duplicate code", c.name, c.line);
        gz->ward_new[code] = (int32_t)i;
        if (alias) {
            if (gz->ward_new[alias] >= 0) dc_die("%s line %lu: alias code in use", c.name, c.line);
            gz->ward_new[alias] = (int32_t)i;   /* resolved by code only, never enumerated */
        }
    }
    dc_ref_csv_close(&c);
    set_canon_all(gz);
}

static void load_links(build_t *b)
{
    dc_gazetteer_t *gz = b->gz;
    dc_ref_csv_t c;
    typedef struct { uint32_t old_u, new_u; uint8_t partial, is_district; } row_t;
    row_t *rows = NULL;
    size_t nrows = 0, cap = 0;
    dc_ref_csv_open(&c, "admin_ward_links.csv", ',');
    int cw = dc_ref_csv_col(&c, "old_ward"), cd = dc_ref_csv_col(&c, "old_district"),
        cn = dc_ref_csv_col(&c, "new_ward"), cp = dc_ref_csv_col(&c, "partial");
    while (dc_ref_csv_next(&c)) {
        uint32_t w = parse_code(c.f[cw], c.name, c.line), d = parse_code(c.f[cd], c.name, c.line);
        uint32_t nw = parse_code(c.f[cn], c.name, c.line);
        int32_t ou = w ? (w <= gz->ward_code_max ? gz->ward_old[w] : -1) : (d && d <= 999 ? gz->dist[d] : -1);
        int32_t nu = nw <= gz->ward_code_max ? gz->ward_new[nw] : -1;
        if (ou < 0 || nu < 0) dc_die("%s line %lu: unknown unit", c.name, c.line);
        rows = dc_grow(rows, &cap, nrows + 1, sizeof *rows);
        rows[nrows].old_u = (uint32_t)ou;
        rows[nrows].new_u = (uint32_t)nu;
        rows[nrows].partial = c.f[cp][0] == '1';
        rows[nrows].is_district = w == 0;
        nrows++;
    }
    dc_ref_csv_close(&c);

    /* CSR on both sides: count, offsets, fill. */
    gz_unit_t *u = gz->u;
    for (size_t i = 0; i < nrows; i++) { u[rows[i].old_u].nlink++; u[rows[i].new_u].nlink++; }
    size_t off = 0;
    for (size_t i = 0; i < gz->nu; i++) { u[i].link0 = (uint32_t)off; off += u[i].nlink; u[i].nlink = 0; }
    gz->nlinks = off;
    gz->links = dc_xcalloc(off ? off : 1, sizeof *gz->links);
    gz->link_unit = dc_xcalloc(off ? off : 1, sizeof *gz->link_unit);
    for (size_t i = 0; i < nrows; i++) {
        gz_unit_t *o = &u[rows[i].old_u], *n = &u[rows[i].new_u];
        size_t a = o->link0 + o->nlink++, z = n->link0 + n->nlink++;
        gz->links[a] = (dc_ward_link_t){n->code, rows[i].partial, 0};
        gz->link_unit[a] = rows[i].new_u;
        gz->links[z] = (dc_ward_link_t){o->code, rows[i].partial, rows[i].is_district};
        gz->link_unit[z] = rows[i].old_u;
    }
    free(rows);
}

static void load_aliases(build_t *b)
{
    dc_gazetteer_t *gz = b->gz;
    dc_ref_csv_t c;
    dc_ref_csv_open(&c, "admin_aliases.csv", ',');
    int ck = dc_ref_csv_col(&c, "kind"), cc = dc_ref_csv_col(&c, "code"), ca = dc_ref_csv_col(&c, "alias");
    while (dc_ref_csv_next(&c)) {
        uint32_t code = parse_code(c.f[cc], c.name, c.line);
        if (strcmp(c.f[ck], "dist") == 0) {
            if (!code || code > 999 || gz->dist[code] < 0) dc_die("%s line %lu: bad code", c.name, c.line);
            key_add(b, c.f[ca], c.flen[ca], (uint32_t)gz->dist[code] | GZ_POST_ALIAS);
            continue;
        }
        if (strcmp(c.f[ck], "prov") != 0) dc_die("%s line %lu: unknown kind", c.name, c.line);
        if (!code || code > 99 || gz->prov_old[code] < 0) dc_die("%s line %lu: bad code", c.name, c.line);
        key_add(b, c.f[ca], c.flen[ca], (uint32_t)gz->prov_old[code] | GZ_POST_ALIAS);
        if (gz->prov_new[code] >= 0)
            key_add(b, c.f[ca], c.flen[ca], (uint32_t)gz->prov_new[code] | GZ_POST_ALIAS);
    }
    dc_ref_csv_close(&c);
}

static void build_index(build_t *b)
{
    dc_gazetteer_t *gz = b->gz;
    for (size_t i = 0; i < gz->nu; i++) {
        const gz_unit_t *u = &gz->u[i];
        const char *bare = u->name + u->bare_off;
        key_add(b, bare, strlen(bare), (uint32_t)i);
    }
    load_aliases(b);
    qsort(b->kp, b->nkp, sizeof *b->kp, kp_cmp);
    size_t nslots = 64;
    while (nslots < b->nkp * 2) nslots <<= 1;
    gz->mask = nslots - 1;
    gz->slots = dc_xcalloc(nslots, sizeof *gz->slots);
    gz->post = dc_xmalloc((b->nkp ? b->nkp : 1) * sizeof *gz->post);
    gz->keys = b->keys;
    b->keys = NULL;
    size_t np = 0;
    for (size_t i = 0; i < b->nkp;) {
        size_t j = i;
        while (j < b->nkp && b->kp[j].h == b->kp[i].h) j++;
        /* distinct keys with equal 64-bit hashes would need chaining; none
         * exist in the data (checked here, so a data change cannot hide one) */
        for (size_t k = i + 1; k < j; k++)
            if (b->kp[k].klen != b->kp[i].klen ||
                memcmp(gz->keys + b->kp[k].koff, gz->keys + b->kp[i].koff, b->kp[i].klen) != 0)
                dc_die("gazetteer: 64-bit hash collision between two name keys");
        size_t s = b->kp[i].h & gz->mask;
        while (gz->slots[s].h) s = (s + 1) & gz->mask;
        gz_slot_t *sl = &gz->slots[s];
        sl->h = b->kp[i].h;
        sl->koff = b->kp[i].koff;
        if (b->kp[i].klen > 255) dc_die("gazetteer: name key too long");
        sl->klen = (uint8_t)b->kp[i].klen;
        sl->post0 = (uint32_t)np;
        for (size_t k = i; k < j; k++) {
            /* one posting per unit: an alias equal to a real name is dropped */
            uint32_t idx = b->kp[k].post & GZ_POST_IDX;
            int dup = 0;
            for (size_t q = sl->post0; q < np; q++)
                if ((gz->post[q] & GZ_POST_IDX) == idx) dup = 1;
            if (!dup) gz->post[np++] = b->kp[k].post;
        }
        sl->npost = (uint16_t)(np - sl->post0);
        i = j;
    }
    gz->npost = np;
    gz->pinfo = dc_xmalloc((np ? np : 1) * sizeof *gz->pinfo);
    for (size_t q = 0; q < np; q++) {
        const gz_unit_t *u = &gz->u[gz->post[q] & GZ_POST_IDX];
        int former = u->former || (u->kind != GZ_WARD_NEW && u->kind != GZ_PROV_NEW && !(u->snap & 2));
        gz->pinfo[q] = (uint32_t)u->kind | (uint32_t)u->prov << 3 | (uint32_t)u->parent << 10 |
                       (uint32_t)u->type << 20 | (uint32_t)former << 24;
    }
}

static uint64_t pack_word(const char *k, size_t n)
{
    uint64_t w = 0;
    memcpy(&w, k, n);
    return w;
}

/* The keyword table of address_parse.c indexed by first word, so that the
 * tokenizer finds a token's keywords with one probe. */
static void build_kw_index(dc_gazetteer_t *gz)
{
    size_t no = 0;
    for (int k = 0; dc_addr__kws[k].display; k++) {
        const ad_kw_t *kw = &dc_addr__kws[k];
        uint64_t w = pack_word(kw->fold[0], kw->flen[0]);
        gz->kwmask[kw->fold[0][0] - 'a'] |= (uint8_t)(1u << kw->flen[0]);
        size_t s = (w * 0x9E3779B97F4A7C15ull >> 57) & 127;
        while (gz->kwslot[s].n && gz->kwslot[s].w != w) s = (s + 1) & 127;
        if (!gz->kwslot[s].n) {
            /* all keywords with this first word, in table order */
            gz->kwslot[s].w = w;
            gz->kwslot[s].first = (uint8_t)no;
            for (int j = k; dc_addr__kws[j].display; j++)
                if (dc_addr__kws[j].flen[0] == kw->flen[0] && memcmp(dc_addr__kws[j].fold[0], kw->fold[0], kw->flen[0]) == 0) {
                    if (no >= sizeof gz->kworder) dc_die("gazetteer: keyword index full");
                    gz->kworder[no++] = (uint8_t)j;
                    gz->kwslot[s].n++;
                }
        }
    }
}

int dc_addr__kw_first(const dc_gazetteer_t *gz, const char *k, size_t n, int *first)
{
    if (n == 0 || n > KW_MAXLEN || (unsigned)(k[0] - 'a') >= 26u || !(gz->kwmask[k[0] - 'a'] & (1u << n)))
        return 0;
    uint64_t w = pack_word(k, n);
    for (size_t s = (w * 0x9E3779B97F4A7C15ull >> 57) & 127; gz->kwslot[s].n; s = (s + 1) & 127)
        if (gz->kwslot[s].w == w) { *first = gz->kwslot[s].first; return gz->kwslot[s].n; }
    return 0;
}

static void build_orders(dc_gazetteer_t *gz)
{
    gz->old_order = dc_xmalloc((gz->nu + 1) * sizeof *gz->old_order);
    gz->new_order = dc_xmalloc((gz->nu + 1) * sizeof *gz->new_order);
    for (size_t i = 0; i < gz->nu; i++) {
        const gz_unit_t *u = &gz->u[i];
        if (u->former) continue;
        if (u->kind == GZ_WARD_OLD) gz->old_order[gz->nold++] = (uint32_t)i;
        else if (u->kind == GZ_WARD_NEW) gz->new_order[gz->nnew++] = (uint32_t)i;
    }
    qsort_r(gz->old_order, gz->nold, sizeof *gz->old_order, code_cmp, gz->u);
    qsort_r(gz->new_order, gz->nnew, sizeof *gz->new_order, code_cmp, gz->u);
}

dc_gazetteer_t *dc_gazetteer_load(void)
{
    dc_gazetteer_t *gz = dc_xcalloc(1, sizeof *gz);
    dc_arena_init(&gz->arena, 256 * 1024);
    memset(gz->prov_old, 0xff, sizeof gz->prov_old);
    memset(gz->prov_new, 0xff, sizeof gz->prov_new);
    memset(gz->dist, 0xff, sizeof gz->dist);
    gz->ward_code_max = 99999;
    gz->ward_old = dc_xmalloc((gz->ward_code_max + 1) * sizeof *gz->ward_old);
    gz->ward_new = dc_xmalloc((gz->ward_code_max + 1) * sizeof *gz->ward_new);
    memset(gz->ward_old, 0xff, (gz->ward_code_max + 1) * sizeof *gz->ward_old);
    memset(gz->ward_new, 0xff, (gz->ward_code_max + 1) * sizeof *gz->ward_new);
    build_t b = {.gz = gz};
    load_units(&b);
    load_links(&b);
    for (int p = 1; p < 100; p++) {
        uint8_t n = gz->prov_new_of[p];
        if (!n || gz->prov_old[p] < 0) continue;
        gz->prov_old_of[n] = gz->prov_old_of[n] ? 0xff : (uint8_t)p;
    }
    for (int p = 0; p < 100; p++)
        if (gz->prov_old_of[p] == 0xff) gz->prov_old_of[p] = 0;
    build_index(&b);
    build_orders(gz);
    build_kw_index(gz);
    free(b.kp);
    free(b.keys);
    /* dc_addr_t keeps ward codes in 16 bits (dc_record.h): GSO commune
     * codes go up to 32248 in both eras */
    for (uint32_t c = UINT16_MAX + 1u; c <= gz->ward_code_max; c++)
        if (gz->ward_old[c] >= 0 || gz->ward_new[c] >= 0)
            dc_die("gazetteer: ward code %u does not fit dc_addr_t (16 bits)", c);
    return gz;
}

void dc_gazetteer_free(dc_gazetteer_t *gz)
{
    if (!gz) return;
    dc_arena_free(&gz->arena);
    free(gz->u);
    free(gz->ward_old);
    free(gz->ward_new);
    free(gz->old_order);
    free(gz->new_order);
    free(gz->links);
    free(gz->link_unit);
    free(gz->slots);
    free(gz->post);
    free(gz->pinfo);
    free(gz->keys);
    free(gz);
}

/*-*** Lookups ***/

const gz_slot_t *dc_addr__gz_lookup_h(const dc_gazetteer_t *gz, uint64_t h, const char *k, size_t n)
{
    h |= 1;
    for (size_t s = h & gz->mask;; s = (s + 1) & gz->mask) {
        const gz_slot_t *sl = &gz->slots[s];
        if (!sl->h) return NULL;
        if (sl->h == h && sl->klen == n && memcmp(gz->keys + sl->koff, k, n) == 0) return sl;
    }
}

const gz_slot_t *dc_addr__gz_lookup(const dc_gazetteer_t *gz, const char *k, size_t n)
{
    return dc_addr__gz_lookup_h(gz, dc_hash64(k, n), k, n);
}

const char *dc_gazetteer_province_name(const dc_gazetteer_t *gz, uint8_t code, int post2025)
{
    if (code >= 100) return "";
    int32_t i = post2025 ? gz->prov_new[code] : gz->prov_old[code];
    return i < 0 ? "" : gz->u[i].name;
}

const char *dc_gazetteer_district_name(const dc_gazetteer_t *gz, uint16_t code)
{
    if (code >= 1000 || gz->dist[code] < 0) return "";
    return gz->u[gz->dist[code]].name;
}

const char *dc_gazetteer_ward_name(const dc_gazetteer_t *gz, uint32_t code, int post2025)
{
    if (code > gz->ward_code_max) return "";
    int32_t i = post2025 ? gz->ward_new[code] : gz->ward_old[code];
    return i < 0 ? "" : gz->u[i].name;
}

uint8_t dc_gazetteer_province_new(const dc_gazetteer_t *gz, uint8_t old_code)
{
    return old_code < 100 ? gz->prov_new_of[old_code] : 0;
}

/* The old province for a key, through an old-province posting, else a
 * new province whose code is also an old one. */
static uint8_t province_by_key(const dc_gazetteer_t *gz, const char *k, size_t n)
{
    const gz_slot_t *sl = dc_addr__gz_lookup(gz, k, n);
    if (!sl) return 0;
    uint8_t fallback = 0;
    for (size_t i = 0; i < sl->npost; i++) {
        const gz_unit_t *u = &gz->u[gz->post[sl->post0 + i] & GZ_POST_IDX];
        if (u->kind == GZ_PROV_OLD) return (uint8_t)u->code;
        if (u->kind == GZ_PROV_NEW && gz->prov_old[u->code] >= 0 && !fallback) fallback = (uint8_t)u->code;
    }
    return fallback;
}

uint8_t dc_gazetteer_province_code(const dc_gazetteer_t *gz, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (!n) return 0;
    size_t nd = 0;
    while (nd < n && s[nd] >= '0' && s[nd] <= '9') nd++;
    if (nd == n) {
        if (n > 3) return 0;
        unsigned v = 0;
        for (size_t i = 0; i < n; i++) v = v * 10 + (unsigned)(s[i] - '0');
        return (v < 100 && gz->prov_old[v] >= 0) ? (uint8_t)v : 0;
    }
    char key[256];
    size_t kl = dc_addr__key(s, n, key, sizeof key);
    if (!kl) return 0;
    uint8_t c = province_by_key(gz, key, kl);
    if (c) return c;
    static const char *const prefixes[] = {"thanhpho", "tinh", "tp", "t"};
    for (size_t i = 0; i < DC_ARRAY_LEN(prefixes); i++) {
        size_t pl = strlen(prefixes[i]);
        if (kl > pl && memcmp(key, prefixes[i], pl) == 0 && (c = province_by_key(gz, key + pl, kl - pl)))
            return c;
    }
    return 0;
}

/*-*** Enumeration ***/

static const char *bare_of(const dc_gazetteer_t *gz, int32_t i)
{
    return i < 0 ? "" : gz->u[i].name + gz->u[i].bare_off;
}

static void ward_info(const dc_gazetteer_t *gz, uint32_t idx, dc_ward_info_t *out)
{
    const gz_unit_t *u = &gz->u[idx];
    memset(out, 0, sizeof *out);
    out->code = u->code;
    out->type = u->type;
    out->name = u->name;
    out->bare = u->name + u->bare_off;
    out->former_name = "";
    out->nlinks = u->nlink;
    out->links = gz->links + u->link0;
    if (u->kind == GZ_WARD_NEW) {
        out->in2025 = 0;
        out->prov_code = u->prov;
        out->prov_name = dc_gazetteer_province_name(gz, u->prov, 1);
        out->prov_bare = bare_of(gz, gz->prov_new[u->prov]);
        out->prov_new = u->prov;
        out->district_name = out->district_bare = "";
        return;
    }
    out->in2025 = (u->snap & 2) != 0;
    for (uint32_t j = idx; j != UINT32_MAX;) {   /* the chain of this code, canonical first */
        const gz_unit_t *v = &gz->u[j];
        if (v->snap & 1) out->in2023 = 1;
        if (v->former && (v->snap & 1) && strcmp(v->name, u->name) != 0 && !*out->former_name)
            out->former_name = v->name;
        j = v->next_same;
    }
    out->district_code = u->parent;
    out->district_name = dc_gazetteer_district_name(gz, u->parent);
    out->district_bare = bare_of(gz, gz->dist[u->parent]);
    out->prov_code = u->prov;
    out->prov_name = dc_gazetteer_province_name(gz, u->prov, 0);
    out->prov_bare = bare_of(gz, gz->prov_old[u->prov]);
    out->prov_new = gz->prov_new_of[u->prov];
    out->new_code = u->nlink == 1 ? out->links[0].code : 0;
}

size_t dc_gazetteer_nwards(const dc_gazetteer_t *gz, int post2025)
{
    return post2025 ? gz->nnew : gz->nold;
}

int dc_gazetteer_ward_info(const dc_gazetteer_t *gz, size_t i, int post2025, dc_ward_info_t *out)
{
    if (i >= (post2025 ? gz->nnew : gz->nold)) return -1;
    ward_info(gz, post2025 ? gz->new_order[i] : gz->old_order[i], out);
    return 0;
}

int dc_gazetteer_ward_find(const dc_gazetteer_t *gz, uint32_t code, int post2025, dc_ward_info_t *out)
{
    if (code > gz->ward_code_max) return -1;
    int32_t i = post2025 ? gz->ward_new[code] : gz->ward_old[code];
    if (i < 0) return -1;
    ward_info(gz, (uint32_t)i, out);
    return 0;
}

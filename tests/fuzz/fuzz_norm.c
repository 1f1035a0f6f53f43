/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_norm.c - libFuzzer harness for normalization (engine/normalize).
 *
 * Feeds the input, as any field, to the name, date, ID and code
 * normalizers and checks the invariants the matcher relies on:
 *   - the exact key is a fixed point: normalizing it again gives the same
 *     exact, ASCII and phonetic keys;
 *   - the ASCII key holds no byte of a Vietnamese letter with diacritics
 *     (every Vietnamese letter folds to ASCII);
 *   - a date with day precision is a real calendar date, a valid ID has 12
 *     digits, codes stay in their ranges;
 *   - the caches are transparent: a name normalized through the per-worker
 *     caches (row cache, syllable cache) is the uncached one, and an
 *     address normalized through the tail cache (which keeps what earlier
 *     inputs taught it; a small one, emptied often, and a default one) is
 *     the uncached one, under several province hints.
 */
#include "normalize/dc_address.h"
#include "normalize/dc_normalize.h"
#include "normalize/dc_text.h"

#include <stdlib.h>
#include <string.h>

static dc_intern_t *in;
static dc_norm_shared_t *sh;
static dc_norm_ctx_t *ctx;
static dc_norm_shared_t *shc;   /* the same tables with the caches on */
static dc_norm_ctx_t *ctxc;
static dc_gazetteer_t *gz;
static dc_addr_cache_t *tc_small, *tc_big;

static int addr_same(const dc_addr_t *a, const dc_addr_t *b)
{
    return a->text == b->text && a->ward_old == b->ward_old && a->ward_new == b->ward_new &&
           a->district_old == b->district_old && a->prov_old == b->prov_old && a->prov_new == b->prov_new &&
           a->conf == b->conf && a->flags == b->flags;
}

static int mdays(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sh) {
        in = dc_intern_create();
        dc_norm_opts_t o = {0};
        o.no_cache = 1;
        sh = dc_norm_shared_create(in, &o);
        ctx = dc_norm_ctx_create(sh);
        o.no_cache = 0;
        shc = dc_norm_shared_create(in, &o);
        ctxc = dc_norm_ctx_create(shc);
        gz = dc_gazetteer_load();
        tc_small = dc_addr_cache_create(16);
        tc_big = dc_addr_cache_create(0);
    }
    const char *s = (const char *)data;

    dc_name_t a, b, c;
    dc_norm_name(ctx, s, size, &a);
    dc_norm_name(ctxc, s, size, &c);
    if (memcmp(&a, &c, sizeof a)) abort();
    if (a.exact) {
        size_t n;
        const char *e = dc_intern_str(in, a.exact, &n);
        char *copy = malloc(n + 1);
        memcpy(copy, e, n + 1);
        dc_norm_name(ctx, copy, n, &b);
        if (b.exact != a.exact || b.ascii != a.ascii || b.phon != a.phon || b.given != a.given)
            abort();
        free(copy);
        /* the ASCII key: Vietnamese letters all fold (no byte of U+00C0..U+1EF9
         * that is a Vietnamese letter survives; other scripts may) */
        dc_text_t t;
        const char *k = dc_intern_str(in, a.ascii, &n);
        dc_text_decode(k, n, &t);
        for (int j = 0; j < t.n; j++)
            for (int i = 0; i < t.t[j].n; i++) {
                uint32_t cell = t.t[j].c[i];
                if (!(cell & DC_CELL_CP) && (DC_CELL_TONE(cell) || DC_CELL_LETTER(cell) < 8)) abort();
            }
    }

    static const uint8_t hints[] = {0, 1, 79, 89};
    for (size_t h = 0; h < sizeof hints; h++) {
        dc_addr_t x, y, z;
        dc_addr_parts_t px, py;
        dc_addr_normalize(gz, in, s, size, hints[h], &x, &px);
        dc_addr_normalize_cached(gz, in, tc_small, s, size, hints[h], &y, &py);
        dc_addr_normalize_cached(gz, in, tc_big, s, size, hints[h], &z, NULL);
        if (!addr_same(&x, &y) || !addr_same(&x, &z) || memcmp(&px, &py, sizeof px)) abort();
    }

    dc_date_t d;
    dc_norm_date(&(dc_norm_opts_t){.century_pivot = 30, .ref_year = 2026}, s, size, &d);
    if (d.prec == DC_PREC_DAY && (d.m < 1 || d.m > 12 || d.d < 1 || d.d > mdays(d.y, d.m))) abort();
    if (d.prec && (d.y < 1800 || d.y > 2026)) abort();

    uint16_t f;
    uint64_t id = dc_norm_id12(sh, s, size, DC_SEX_MALE, &d, &f);
    if ((f & DC_ID_VALID) && (id >= 1000000000000ull || !(f & DC_ID_PRESENT))) abort();
    uint64_t cm = dc_norm_cmnd(sh, s, size, &f);
    if (cm >= 1000000000000ull) abort();

    uint8_t cf = 0;
    if (dc_norm_ethnic(sh, s, size, &cf) > 54) abort();
    uint8_t r = dc_norm_religion(sh, s, size, &cf);
    if (r > DC_RELIGION_NONE) abort();
    if (dc_norm_nationality(sh, s, size, &cf) > 999) abort();
    int unrec;
    if (dc_norm_sex(s, size, &unrec) > DC_SEX_CODE2) abort();
    if (dc_norm_province(sh, s, size) > 96) abort();
    return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * extra.c - declared extra columns and their values beside the records
 * (dc_extra.h).
 */
#include "normalize/dc_extra.h"

#include <string.h>   /* memcpy */

static struct {
    int n;
    dc_extra_def_t def[DC_EXTRA_MAX];
    const dc_record_t *recs;
    size_t nrec;
    const uint32_t *vals;
} g_extra;

void dc_extra_use(const dc_extra_def_t *defs, int n)
{
    memset(&g_extra, 0, sizeof g_extra);
    if (n < 0) n = 0;
    if (n > DC_EXTRA_MAX) n = DC_EXTRA_MAX;
    if (n) memcpy(g_extra.def, defs, (size_t)n * sizeof *defs);
    g_extra.n = n;
}

int dc_extra_count(void) { return g_extra.n; }

const dc_extra_def_t *dc_extra_def(int k) { return k >= 0 && k < g_extra.n ? &g_extra.def[k] : NULL; }

int dc_extra_nlevels(int k)
{
    const dc_extra_def_t *d = dc_extra_def(k);
    return d ? (d->fuzzy > 0 ? 3 : 2) : 0;
}

size_t dc_extra_normalize(dc_extra_norm_t norm, const char *s, size_t n, char *out, size_t cap)
{
    while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (norm == DC_XN_EXACT) out[k++] = (char)c;
        else if (c >= '0' && c <= '9') out[k++] = (char)c;
        else if (norm == DC_XN_DIGITS) continue;
        else if (c >= 'A' && c <= 'Z') out[k++] = (char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || c >= 0x80) out[k++] = (char)c;
    }
    out[k] = 0;
    return k;
}

void dc_extra_bind(const dc_record_t *recs, size_t nrec, const uint32_t *vals)
{
    g_extra.recs = g_extra.n ? recs : NULL;
    g_extra.nrec = g_extra.n ? nrec : 0;
    g_extra.vals = g_extra.n ? vals : NULL;
}

uint32_t dc_extra_value(const dc_record_t *r, int k)
{
    if (!g_extra.vals || k < 0 || k >= g_extra.n) return 0;
    uintptr_t p = (uintptr_t)r, b = (uintptr_t)g_extra.recs;
    if (p < b || p >= b + g_extra.nrec * sizeof *r) return 0;
    size_t i = (p - b) / sizeof *r;
    return g_extra.vals[i * (size_t)g_extra.n + (size_t)k];
}

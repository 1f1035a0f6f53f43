/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * labels.c - clerical decisions on pairs (`dancu run --labels FILE`,
 * dc_match.h: dc_labels_load).
 *
 * DESIGN: a labels file is a CSV with the header
 * source_a,record_id_a,source_b,record_id_b,decision (the contract shared
 * with the review page), decision "match" or "non_match" (other columns
 * are ignored, so review.csv itself with an added decision column would
 * do). Rows are found by (source, record_id): every input row's key, an
 * XXH3 of the two strings, is sorted once with its index; a label naming
 * a row that is not among the inputs is counted and skipped (the file may
 * come from an earlier run on other files), never an error. "match" pairs
 * become must-links (joined before any scored pair, whatever the
 * evidence), "non_match" pairs cannot-links (no union may put the two rows
 * in one cluster). The pairs are packed i << 32 | j (i < j), sorted and
 * unique. Messages name the file and line, never a row's values.
 */
#include "dc_match.h"
#include "dc_match_json.h"
#include "ref/dc_ref.h"

#include <stdlib.h>   /* qsort */
#include <string.h>   /* strcmp */

static uint64_t row_key(const char *src, size_t ns, const char *rid, size_t nr)
{
    uint64_t h = dc_hash64_seed(src, ns, 0x6C6162656Cull);
    return dc_hash64_seed(rid, nr, h);
}

typedef struct {
    uint64_t key;
    uint32_t idx;
} krow_t;

static int cmp_krow(const void *a, const void *b)
{
    const krow_t *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int64_t find_row(const krow_t *k, size_t n, uint64_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (k[mid].key < key) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && k[lo].key == key ? (int64_t)k[lo].idx : -1;
}

static size_t sort_unique(uint64_t *a, size_t n)
{
    dc_sort_u64(a, n);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (!w || a[i] != a[w - 1]) a[w++] = a[i];
    return w;
}

int dc_labels_load(const char *path, const dc_record_t *recs, size_t n, const dc_intern_t *in,
                   const char *const *source_names, size_t nsources, dc_labels_t *out)
{
    memset(out, 0, sizeof *out);
    size_t len;
    char *text = dc_read_file(path, &len, 256u << 20);
    if (!text) return -1;
    dc_ref_csv_t c;
    if (dc_ref_csv_open_mem(&c, path, text, len, ',')) {
        free(text);
        return -1;
    }
    int ca = dc_ref_csv_col_opt(&c, "source_a"), ra = dc_ref_csv_col_opt(&c, "record_id_a"),
        cb = dc_ref_csv_col_opt(&c, "source_b"), rb = dc_ref_csv_col_opt(&c, "record_id_b"),
        cd = dc_ref_csv_col_opt(&c, "decision");
    if (ca < 0 || ra < 0 || cb < 0 || rb < 0 || cd < 0) {
        dc_ref_csv_close(&c);
        free(text);
        return dc_seterr("%s: a labels file needs the columns source_a, record_id_a, source_b, record_id_b, decision",
                         path);
    }
    krow_t *k = dc_xmalloc((n ? n : 1) * sizeof *k);
    for (size_t i = 0; i < n; i++) {
        const char *s = recs[i].source < nsources && source_names[recs[i].source] ? source_names[recs[i].source] : "";
        size_t lr;
        const char *r = dc_intern_str(in, recs[i].record_id, &lr);
        k[i] = (krow_t){row_key(s, strlen(s), r ? r : "", r ? lr : 0), (uint32_t)i};
    }
    qsort(k, n, sizeof *k, cmp_krow);
    size_t capm = 0, capc = 0;
    unsigned long line = 1;
    int rc = 0;
    while (!rc && dc_ref_csv_next(&c)) {
        line++;
        const char *d = c.f[cd];
        int match;
        if (!strcmp(d, "match")) match = 1;
        else if (!strcmp(d, "non_match")) match = 0;
        else {
            rc = dc_seterr("%s:%lu: decision must be match or non_match", path, line);
            break;
        }
        int64_t i = find_row(k, n, row_key(c.f[ca], c.flen[ca], c.f[ra], c.flen[ra]));
        int64_t j = find_row(k, n, row_key(c.f[cb], c.flen[cb], c.f[rb], c.flen[rb]));
        if (i < 0 || j < 0) { out->unknown++; continue; }
        if (i == j) continue;
        uint64_t pr = i < j ? (uint64_t)i << 32 | (uint64_t)j : (uint64_t)j << 32 | (uint64_t)i;
        if (match) {
            out->must = dc_grow(out->must, &capm, out->nmust + 1, sizeof *out->must);
            out->must[out->nmust++] = pr;
        } else {
            out->cannot = dc_grow(out->cannot, &capc, out->ncannot + 1, sizeof *out->cannot);
            out->cannot[out->ncannot++] = pr;
        }
    }
    dc_ref_csv_close(&c);
    free(text);
    free(k);
    if (rc) {
        dc_labels_free(out);
        return -1;
    }
    out->nmust = sort_unique(out->must, out->nmust);
    out->ncannot = sort_unique(out->cannot, out->ncannot);
    return 0;
}

void dc_labels_free(dc_labels_t *l)
{
    free(l->must);
    free(l->cannot);
    memset(l, 0, sizeof *l);
}

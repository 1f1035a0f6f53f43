/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_precision.c - precision of a run's links without a truth file:
 *   dancu sample OUTDIR -o sample.csv [--sample-size N] [--seed S]
 *       a stratified sample of the run's linked rows, each paired with its
 *       citizen's first row, for a person to label (decision column);
 *   dancu precision OUTDIR --labels sample.csv [--json]
 *       precision per stratum and overall with confidence intervals.
 *
 * Both read OUTDIR/links.csv (or .csv.zst, .jsonl, .jsonl.zst) only: the
 * unit, the strata, the allocation and the estimate are in
 * engine/match/precision.c. The sample names rows by (source, record_id),
 * never by their values; its columns are a labels file's (docs/MATCHING.md,
 * "Review decisions"), so a labelled sample can also be given to
 * `dancu run --labels`.
 */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "common/dc_json.h"
#include "match/dc_match.h"
#include "ref/dc_ref.h"

#include <stdlib.h>    /* qsort */
#include <string.h>    /* strcmp */
#include <sys/stat.h>  /* stat */

#define Z95 1.959963984540054

/* One row of links.csv. */
typedef struct lrow {
    char *src, *rid;          /* in the arena */
    uint64_t key;             /* dc_cli_row_key */
    uint64_t cit;             /* hash of citizen_key */
    double prob;
    uint32_t anchor;          /* index of its citizen's first row (itself for the first) */
    uint32_t ncit;            /* rows of its citizen */
} lrow_t;

typedef struct links {
    lrow_t *r;
    size_t n;
    dc_arena_t arena;
    uint32_t *by_key;         /* row indices sorted by key */
} links_t;

static char *arena_str(dc_arena_t *a, const char *s, size_t n)
{
    char *p = dc_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static void links_add(links_t *l, size_t *cap, const char *s, size_t ns, const char *r, size_t nr, const char *c,
                      size_t nc, double prob)
{
    l->r = dc_grow(l->r, cap, l->n + 1, sizeof *l->r);
    lrow_t *x = &l->r[l->n++];
    x->src = arena_str(&l->arena, s, ns);
    x->rid = arena_str(&l->arena, r, nr);
    x->key = dc_cli_row_key(s, ns, r, nr);
    x->cit = dc_hash64(c, nc);
    x->prob = prob;
}

static const links_t *g_sort;   /* qsort context (single-threaded command) */

static int cmp_key(const void *a, const void *b)
{
    uint64_t x = g_sort->r[*(const uint32_t *)a].key, y = g_sort->r[*(const uint32_t *)b].key;
    return x < y ? -1 : x > y;
}

static int cmp_cit(const void *a, const void *b)
{
    const lrow_t *x = &g_sort->r[*(const uint32_t *)a], *y = &g_sort->r[*(const uint32_t *)b];
    if (x->cit != y->cit) return x->cit < y->cit ? -1 : 1;
    return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : *(const uint32_t *)a > *(const uint32_t *)b;
}

/* Anchors and citizen sizes, and the key index. */
static void links_index(links_t *l)
{
    uint32_t *o = dc_xmalloc((l->n ? l->n : 1) * sizeof *o);
    for (size_t i = 0; i < l->n; i++) o[i] = (uint32_t)i;
    g_sort = l;
    qsort(o, l->n, sizeof *o, cmp_cit);
    for (size_t i = 0; i < l->n;) {
        size_t j = i;
        while (j < l->n && l->r[o[j]].cit == l->r[o[i]].cit) j++;
        for (size_t k = i; k < j; k++) {
            l->r[o[k]].anchor = o[i];   /* the smallest index: its first row in links order */
            l->r[o[k]].ncit = (uint32_t)(j - i);
        }
        i = j;
    }
    qsort(o, l->n, sizeof *o, cmp_key);
    l->by_key = o;
}

static long links_find(const links_t *l, uint64_t key)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (l->r[l->by_key[mid]].key < key) lo = mid + 1;
        else hi = mid;
    }
    return lo < l->n && l->r[l->by_key[lo]].key == key ? (long)l->by_key[lo] : -1;
}

static void links_free(links_t *l)
{
    free(l->r);
    free(l->by_key);
    dc_arena_free(&l->arena);
}

typedef struct {
    links_t *l;
    size_t cap;
} lctx_t;

static int link_row(void *ud, const char *const *f, const size_t *n)
{
    lctx_t *c = ud;
    links_add(c->l, &c->cap, f[0], n[0], f[1], n[1], f[2], n[2], atof(f[3]));
    return 0;
}

/* OUTDIR's links table, CSV or JSON Lines, optionally compressed. */
static int links_read(const char *outdir, links_t *l)
{
    memset(l, 0, sizeof *l);
    dc_arena_init(&l->arena, 1 << 16);
    static const char *const names[] = {"links.csv", "links.csv.zst", "links.jsonl", "links.jsonl.zst"};
    static const char *const cols[] = {"source", "record_id", "citizen_key", "match_probability"};
    char path[4096];
    struct stat st;
    size_t k;
    for (k = 0; k < DC_ARRAY_LEN(names); k++) {
        snprintf(path, sizeof path, "%s/%s", outdir, names[k]);
        if (stat(path, &st) == 0) break;
    }
    if (k == DC_ARRAY_LEN(names)) return dc_seterr("%s has no links.csv: not the output of a dancu run", outdir);
    lctx_t c = {l, 0};
    if (dc_cli_read_rows(path, cols, 4, link_row, &c)) return -1;
    if (l->n >= UINT32_MAX) return dc_seterr("%s: too many rows", path);
    links_index(l);
    return 0;
}

/* A linked row: in a citizen of two rows or more, not its first. */
static int is_unit(const links_t *l, size_t i) { return l->r[i].ncit > 1 && l->r[i].anchor != i; }

/* ------------------------------------------------------------- sample */

static const dc_cmd_opt_t sample_opts[] = {
    {DC_OPT_OUTPUT, "FILE", "the sample (CSV, mode 0600; - for standard output)", NULL},
    {DC_OPT_SAMPLE_SIZE, NULL, NULL, NULL},
    {DC_OPT_SEED, NULL, "seed of the draw (the same run and seed draw the same sample)", NULL},
    {DC_OPT_FORCE, NULL, "overwrite FILE", NULL},
    {DC_OPT_QUIET, NULL, NULL, NULL},
    {DC_OPT_HELP, NULL, NULL, NULL},
};

const dc_cmd_spec_t dc_spec_sample = {
    "sample", "OUTDIR -o FILE [OPTIONS]", "draw linked rows of a run for labelling (precision without truth)",
    "Draw a sample of the run's links for a person to label: each linked row (every row of a citizen with two "
    "rows or more but its first) paired with its citizen's first row, stratified by match_probability "
    "(strata [0,0.5) [0.5,0.9) [0.9,0.95) [0.95,0.99) [0.99,0.999) [0.999,1]; equal shares, a stratum "
    "never given more than it holds). Columns: source_a, record_id_a, source_b, record_id_b, "
    "match_probability, stratum, decision (empty: write match or non_match). Then dancu precision.",
    sample_opts, DC_ARRAY_LEN(sample_opts), NULL,
};

typedef struct { uint64_t ord; uint32_t i; } sunit_t;

static int cmp_sunit(const void *a, const void *b)
{
    const sunit_t *x = a, *y = b;
    if (x->ord != y->ord) return x->ord < y->ord ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static void sample_write(const links_t *l, uint64_t size, uint64_t seed, dc_buf_t *out)
{
    uint64_t N[DC_PREC_NSTRATA] = {0}, take[DC_PREC_NSTRATA];
    sunit_t *u = dc_xmalloc((l->n ? l->n : 1) * sizeof *u);
    size_t nu = 0;
    for (size_t i = 0; i < l->n; i++)
        if (is_unit(l, i)) {
            const lrow_t *r = &l->r[i];
            int h = dc_prec_stratum(r->prob);
            N[h]++;
            /* stratum in the top bits: one sort orders strata, then the draw */
            u[nu++] = (sunit_t){(uint64_t)h << 60 | dc_prec_unit_order(seed, r->src, strlen(r->src), r->rid,
                                                                     strlen(r->rid)) >> 4, (uint32_t)i};
        }
    qsort(u, nu, sizeof *u, cmp_sunit);
    dc_prec_allocate(N, size, take);
    dc_buf_puts(out, "source_a,record_id_a,source_b,record_id_b,match_probability,stratum,decision\n");
    uint64_t got[DC_PREC_NSTRATA] = {0};
    for (size_t k = 0; k < nu; k++) {
        int h = (int)(u[k].ord >> 60);
        if (got[h] >= take[h]) continue;
        got[h]++;
        const lrow_t *b = &l->r[u[k].i], *a = &l->r[b->anchor];
        dc_buf_put_csv(out, a->src, strlen(a->src), ',');
        dc_buf_putc(out, ',');
        dc_buf_put_csv(out, a->rid, strlen(a->rid), ',');
        dc_buf_putc(out, ',');
        dc_buf_put_csv(out, b->src, strlen(b->src), ',');
        dc_buf_putc(out, ',');
        dc_buf_put_csv(out, b->rid, strlen(b->rid), ',');
        dc_buf_printf(out, ",%.6f,%g-%g,\n", b->prob, dc_prec_edges[h], dc_prec_edges[h + 1]);
    }
    free(u);
}

int dc_cmd_sample(int argc, char **argv)
{
    dc_optvals_t v;
    int prc = dc_cli_parse(&dc_spec_sample, argc, argv, &v);
    dc_optvals_free(&v);
    if (prc) return prc < 0 ? DC_EXIT_OK : prc;
    dc_cli_log_level(&v);
    const char *output = v.str[DC_OPT_OUTPUT];
    if (argc - v.argi != 1) return dc_cli_usage_error("sample", "want one OUTDIR");
    if (!output) return dc_cli_usage_error("sample", "-o FILE is required");
    struct stat st;
    if (strcmp(output, "-") && !v.set[DC_OPT_FORCE] && stat(output, &st) == 0) {
        dc_error("%s exists (use --force to overwrite)", output);
        return DC_EXIT_FAIL;
    }
    uint64_t size = v.set[DC_OPT_SAMPLE_SIZE] ? v.u64[DC_OPT_SAMPLE_SIZE] : 200;
    uint64_t seed = v.set[DC_OPT_SEED] ? v.u64[DC_OPT_SEED] : 1;
    links_t l;
    if (links_read(argv[v.argi], &l)) {
        dc_error("%s", dc_geterr());
        links_free(&l);
        return DC_EXIT_FAIL;
    }
    dc_buf_t b = DC_BUF_INIT;
    sample_write(&l, size, seed, &b);
    links_free(&l);
    int rc = dc_cli_write_out(output, &b);
    dc_buf_free(&b);
    if (rc) {
        dc_error("%s", dc_geterr());
        return DC_EXIT_FAIL;
    }
    return DC_EXIT_OK;
}

/* ---------------------------------------------------------- precision */

static const dc_cmd_opt_t precision_opts[] = {
    {DC_OPT_LABELS, NULL, "the labelled sample (dancu sample's columns; decision = match | non_match, empty: "
                          "not labelled)", NULL},
    {DC_OPT_JSON, NULL, NULL, NULL},
    {DC_OPT_QUIET, NULL, NULL, NULL},
    {DC_OPT_HELP, NULL, NULL, NULL},
};

const dc_cmd_spec_t dc_spec_precision = {
    "precision", "OUTDIR --labels FILE [--json]", "precision of a run's links from a labelled sample",
    "Estimate the precision of the run's links from a sample drawn by dancu sample and labelled: per "
    "stratum the share of match with its Wilson 95% interval, overall the stratified estimate (strata "
    "weighted by their share of the run's linked rows) with its 95% interval. A labelled pair that is not "
    "a linked row of this run and its citizen's first row is an error.",
    precision_opts, DC_ARRAY_LEN(precision_opts), NULL,
};

/* The labels into counts per stratum. @return 0 or -1 (dc_seterr). */
static int count_labels(const char *path, const links_t *l, dc_prec_counts_t *c, uint64_t *unlabelled)
{
    memset(c, 0, sizeof *c);
    *unlabelled = 0;
    for (size_t i = 0; i < l->n; i++)
        if (is_unit(l, i)) c->N[dc_prec_stratum(l->r[i].prob)]++;
    size_t len;
    char *text = dc_read_file(path, &len, 0);
    if (!text) return -1;
    dc_ref_csv_t f;
    if (dc_ref_csv_open_mem(&f, path, text, len, ',')) {
        free(text);
        return -1;
    }
    int col[5];
    static const char *const names[] = {"source_a", "record_id_a", "source_b", "record_id_b", "decision"};
    int rc = 0;
    for (int k = 0; k < 5 && !rc; k++)
        if ((col[k] = dc_ref_csv_col_opt(&f, names[k])) < 0)
            rc = dc_seterr("%s: needs columns source_a, record_id_a, source_b, record_id_b, decision", path);
    uint8_t *seen = dc_xcalloc(l->n ? l->n : 1, 1);
    unsigned long line = 1;
    while (!rc && dc_ref_csv_next(&f)) {
        line++;
        const char *d = f.f[col[4]];
        if (!*d) { (*unlabelled)++; continue; }
        int match = !strcmp(d, "match");
        if (!match && strcmp(d, "non_match")) {
            rc = dc_seterr("%s:%lu: decision must be match, non_match or empty", path, line);
            break;
        }
        long a = links_find(l, dc_cli_row_key(f.f[col[0]], f.flen[col[0]], f.f[col[1]], f.flen[col[1]]));
        long b = links_find(l, dc_cli_row_key(f.f[col[2]], f.flen[col[2]], f.f[col[3]], f.flen[col[3]]));
        if (a < 0 || b < 0 || !is_unit(l, (size_t)b) || l->r[b].anchor != (uint32_t)a) {
            rc = dc_seterr("%s:%lu: not a linked row of this run with its citizen's first row", path, line);
            break;
        }
        if (seen[b]++) {
            rc = dc_seterr("%s:%lu: the same linked row labelled twice", path, line);
            break;
        }
        int h = dc_prec_stratum(l->r[b].prob);
        c->n[h]++;
        c->x[h] += (uint64_t)match;
    }
    free(seen);
    dc_ref_csv_close(&f);
    free(text);
    return rc;
}

static void precision_print(const dc_prec_counts_t *c, const dc_prec_result_t *r, uint64_t unlabelled, int json,
                            dc_buf_t *b)
{
    if (json) {
        dc_jw_t jw, *j = &jw;
        dc_jw_init(j, b, 0);
        dc_jw_open(j, '{', DC_JW_LINES);
        dc_jw_kv_u64(j, "linked_rows", r->units);
        dc_jw_kv_u64(j, "labelled", r->labelled);
        dc_jw_kv_u64(j, "unlabelled", unlabelled);
        dc_jw_key(j, "precision");
        if (r->precision >= 0) dc_jw_fixed(j, r->precision, 6);
        else dc_jw_raw(j, "null", 4);
        dc_jw_key(j, "ci95");
        dc_jw_open(j, '[', DC_JW_INLINE);
        dc_jw_fixed(j, r->lo_all, 6);
        dc_jw_fixed(j, r->hi_all, 6);
        dc_jw_close(j);
        dc_jw_key(j, "strata");
        dc_jw_open(j, '[', DC_JW_LINES);
        for (int h = 0; h < DC_PREC_NSTRATA; h++) {
            dc_jw_open(j, '{', DC_JW_INLINE);
            dc_jw_key(j, "probability");
            dc_jw_open(j, '[', DC_JW_INLINE);
            dc_jw_g(j, dc_prec_edges[h], 6);
            dc_jw_g(j, dc_prec_edges[h + 1], 6);
            dc_jw_close(j);
            dc_jw_kv_u64(j, "linked_rows", c->N[h]);
            dc_jw_kv_u64(j, "labelled", c->n[h]);
            dc_jw_kv_u64(j, "match", c->x[h]);
            dc_jw_key(j, "precision");
            if (r->p[h] >= 0) dc_jw_fixed(j, r->p[h], 6);
            else dc_jw_raw(j, "null", 4);
            dc_jw_key(j, "ci95");
            dc_jw_open(j, '[', DC_JW_INLINE);
            dc_jw_fixed(j, r->lo[h], 6);
            dc_jw_fixed(j, r->hi[h], 6);
            dc_jw_close(j);
            dc_jw_close(j);
        }
        dc_jw_close(j);
        dc_jw_close(j);
        dc_buf_putc(b, '\n');
        return;
    }
    dc_buf_printf(b, "stratum (probability)  linked rows  labelled  match  precision  95%% interval\n");
    for (int h = 0; h < DC_PREC_NSTRATA; h++) {
        if (!c->N[h]) continue;
        char range[32], p[16];
        snprintf(range, sizeof range, "[%g, %g%c", dc_prec_edges[h], dc_prec_edges[h + 1],
                 h == DC_PREC_NSTRATA - 1 ? ']' : ')');
        if (r->p[h] >= 0) snprintf(p, sizeof p, "%.4f", r->p[h]);
        else snprintf(p, sizeof p, "-");
        dc_buf_printf(b, "%-22s %12llu %9llu %6llu  %9s  %.4f - %.4f\n", range, (unsigned long long)c->N[h],
                      (unsigned long long)c->n[h], (unsigned long long)c->x[h], p, r->lo[h], r->hi[h]);
    }
    char p[16];
    if (r->precision >= 0) snprintf(p, sizeof p, "%.4f", r->precision);
    else snprintf(p, sizeof p, "unknown");
    dc_buf_printf(b, "overall (stratified)   %12llu %9llu         %9s  %.4f - %.4f\n", (unsigned long long)r->units,
                  (unsigned long long)r->labelled, p, r->lo_all, r->hi_all);
    if (unlabelled) dc_buf_printf(b, "(%llu sample rows not labelled)\n", (unsigned long long)unlabelled);
    if (r->precision < 0)
        dc_buf_puts(b, "(a stratum without any label: its whole range is in the overall interval)\n");
}

int dc_cmd_precision(int argc, char **argv)
{
    dc_optvals_t v;
    int prc = dc_cli_parse(&dc_spec_precision, argc, argv, &v);
    dc_optvals_free(&v);
    if (prc) return prc < 0 ? DC_EXIT_OK : prc;
    dc_cli_log_level(&v);
    if (argc - v.argi != 1) return dc_cli_usage_error("precision", "want one OUTDIR");
    const char *labels = v.str[DC_OPT_LABELS];
    if (!labels) return dc_cli_usage_error("precision", "--labels FILE is required");
    links_t l;
    dc_prec_counts_t c;
    uint64_t unlabelled;
    if (links_read(argv[v.argi], &l) || count_labels(labels, &l, &c, &unlabelled)) {
        dc_error("%s", dc_geterr());
        links_free(&l);
        return DC_EXIT_FAIL;
    }
    links_free(&l);
    dc_prec_result_t r;
    dc_prec_estimate(&c, Z95, &r);
    dc_buf_t b = DC_BUF_INIT;
    precision_print(&c, &r, unlabelled, v.set[DC_OPT_JSON] != 0, &b);
    int rc = dc_cli_write_out(NULL, &b);
    dc_buf_free(&b);
    if (rc) {
        dc_error("%s", dc_geterr());
        return DC_EXIT_FAIL;
    }
    return DC_EXIT_OK;
}

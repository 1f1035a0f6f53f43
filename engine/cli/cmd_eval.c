/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_eval.c - `dancu eval`: score links.csv against a truth file.
 *
 * Both files are keyed by (source, record_id); the truth gives person_id,
 * the links citizen_key. Rows present in one file only are counted and
 * left out. Metrics come from the contingency table (dc_eval_labels), in
 * O(n log n): pairwise precision/recall/F1, B-cubed precision/recall/F1,
 * and the cluster counts. Files may be CSV or JSON Lines, optionally .zst.
 */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "match/dc_match.h"
#include "common/dc_json.h"
#include "ref/dc_ref.h"

#include <stdlib.h>    /* free, qsort */
#include <string.h>    /* strcmp */

typedef dc_cli_label_t kl_t;

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && !strcmp(s + n - k, suf);
}

uint64_t dc_cli_row_key(const char *src, size_t ns, const char *rid, size_t nr)
{
    char stack[512];
    char *b = ns + nr + 1 <= sizeof stack ? stack : dc_xmalloc(ns + nr + 1);
    memcpy(b, src, ns);
    b[ns] = 0;
    memcpy(b + ns + 1, rid, nr);
    uint64_t h = dc_hash64(b, ns + nr + 1);
    if (b != stack) free(b);
    return h;
}

static int cmp_kl(const void *x, const void *y)
{
    const kl_t *a = x, *b = y;
    return a->key < b->key ? -1 : a->key > b->key;
}

int dc_cli_read_rows(const char *path, const char *const *cols, int ncols, dc_cli_row_fn fn, void *ud)
{
    enum { MAXC = 8 };
    if (ncols > MAXC) return dc_seterr("dc_cli_read_rows: more than %d columns", MAXC);
    size_t len;
    char *text = dc_read_file(path, &len, 0);
    if (!text) return -1;
    const char *f[MAXC];
    size_t fl[MAXC];
    int rc = 0;
    if (ends_with(path, ".jsonl") || ends_with(path, ".jsonl.zst")) {
        dc_arena_t a;
        dc_arena_init(&a, 1 << 16);
        unsigned long line = 0;
        char num[MAXC][32];
        for (char *p = text; *p && !rc;) {
            char *e = strchr(p, '\n');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            line++;
            if (l) {
                dc_json_t *jr = dc_json_parse(p, l, &a);
                for (int k = 0; k < ncols && !rc; k++) {
                    const dc_json_t *m = dc_json_get(jr, cols[k]);
                    if (m && m->type == DC_JSON_NUMBER) {   /* a number as written back */
                        snprintf(num[k], sizeof num[k], "%.17g", m->num);
                        f[k] = num[k];
                    } else {
                        f[k] = dc_json_str(m);
                    }
                    if (!f[k]) rc = dc_seterr("%s:%lu: needs the member %s", path, line, cols[k]);
                    else fl[k] = strlen(f[k]);
                }
                if (!rc) rc = fn(ud, f, fl);
                if ((line & 4095) == 0) { dc_arena_free(&a); dc_arena_init(&a, 1 << 16); }
            }
            p = e ? e + 1 : p + l;
        }
        dc_arena_free(&a);
    } else {
        dc_ref_csv_t c;
        if (dc_ref_csv_open_mem(&c, path, text, len, ',')) {
            free(text);
            return -1;
        }
        int ci[MAXC];
        for (int k = 0; k < ncols && !rc; k++)
            if ((ci[k] = dc_ref_csv_col_opt(&c, cols[k])) < 0) rc = dc_seterr("%s: needs the column %s", path, cols[k]);
        while (!rc && dc_ref_csv_next(&c)) {
            for (int k = 0; k < ncols; k++) {
                f[k] = c.f[ci[k]];
                fl[k] = c.flen[ci[k]];
            }
            rc = fn(ud, f, fl);
        }
        dc_ref_csv_close(&c);
    }
    free(text);
    return rc ? -1 : 0;
}

typedef struct {
    kl_t *v;
    size_t n, cap;
} labels_ctx_t;

static int label_row(void *ud, const char *const *f, const size_t *fl)
{
    labels_ctx_t *c = ud;
    c->v = dc_grow(c->v, &c->cap, c->n + 1, sizeof *c->v);
    c->v[c->n++] = (kl_t){dc_cli_row_key(f[0], fl[0], f[1], fl[1]), dc_hash64(f[2], fl[2])};
    return 0;
}

int dc_cli_read_labels(const char *path, const char *labelcol, dc_cli_label_t **out, size_t *nout)
{
    const char *cols[] = {"source", "record_id", labelcol};
    labels_ctx_t c = {0};
    if (dc_cli_read_rows(path, cols, 3, label_row, &c)) {
        free(c.v);
        return -1;
    }
    kl_t *v = c.v;
    size_t n = c.n;
    qsort(v, n, sizeof *v, cmp_kl);
    for (size_t i = 1; i < n; i++)
        if (v[i].key == v[i - 1].key) {
            free(v);
            return dc_seterr("%s: the same (source, record_id) appears twice", path);
        }
    *out = v;
    *nout = n;
    return 0;
}

static const dc_cmd_opt_t eval_opts[] = {
    {DC_OPT_TRUTH, NULL, NULL, NULL},
    {DC_OPT_LINKS, NULL, "links.csv of a run (CSV or JSON Lines, optionally .zst; - for standard input)", NULL},
    {DC_OPT_JSON, NULL, "print the figures as one JSON object", NULL},
    {DC_OPT_QUIET, NULL, "print nothing on standard error (errors only)", NULL},
    {DC_OPT_HELP, NULL, NULL, NULL},
};

const dc_cmd_spec_t dc_spec_eval = {
    "eval", "--truth TRUTH.csv --links OUTDIR/links.csv [OPTIONS]", "score links.csv against a truth file",
    "Score a run's links against the truth (columns source,record_id,person_id): pairwise and B-cubed "
    "precision, recall and F1, and cluster counts. CSV or JSON Lines, optionally .zst. Rows in one file "
    "only are left out and counted.",
    eval_opts, DC_ARRAY_LEN(eval_opts), NULL,
};

/* The figures as one JSON object on one line. */
static void print_json(const dc_eval_t *e)
{
    dc_buf_t b = DC_BUF_INIT;
    dc_jw_t jw, *j = &jw;
    dc_jw_init(j, &b, 0);
    dc_jw_open(j, '{', DC_JW_INLINE);
    dc_jw_kv_u64(j, "records", e->n);
    dc_jw_kv_u64(j, "links_only", e->only_pred);
    dc_jw_kv_u64(j, "truth_only", e->only_truth);
    dc_jw_key(j, "pairwise");
    dc_jw_open(j, '{', DC_JW_INLINE);
    dc_jw_kv_fixed(j, "precision", e->p, 6);
    dc_jw_kv_fixed(j, "recall", e->r, 6);
    dc_jw_kv_fixed(j, "f1", e->f1, 6);
    dc_jw_kv_u64(j, "true_positives", e->tp);
    dc_jw_kv_u64(j, "predicted_pairs", e->pred_pairs);
    dc_jw_kv_u64(j, "true_pairs", e->true_pairs);
    dc_jw_close(j);
    dc_jw_key(j, "bcubed");
    dc_jw_open(j, '{', DC_JW_INLINE);
    dc_jw_kv_fixed(j, "precision", e->bp, 6);
    dc_jw_kv_fixed(j, "recall", e->br, 6);
    dc_jw_kv_fixed(j, "f1", e->bf1, 6);
    dc_jw_close(j);
    dc_jw_key(j, "clusters");
    dc_jw_open(j, '{', DC_JW_INLINE);
    dc_jw_kv_u64(j, "predicted", e->pred_clusters);
    dc_jw_kv_u64(j, "true", e->true_clusters);
    dc_jw_close(j);
    dc_jw_close(j);
    dc_buf_putc(&b, '\n');
    fwrite(b.p, 1, b.len, stdout);
    dc_buf_free(&b);
}

int dc_cmd_eval(int argc, char **argv)
{
    dc_optvals_t v;
    int prc = dc_cli_parse(&dc_spec_eval, argc, argv, &v);
    dc_optvals_free(&v);
    if (prc) return prc < 0 ? DC_EXIT_OK : prc;
    const char *truth = v.str[DC_OPT_TRUTH], *links = v.str[DC_OPT_LINKS];
    int json = v.set[DC_OPT_JSON] != 0;
    dc_cli_log_level(&v);
    if (!truth || !links) return dc_cli_usage_error("eval", "--truth and --links are required");
    if (v.argi != argc) return dc_cli_usage_error("eval", "unexpected argument '%s'", argv[v.argi]);
    kl_t *t = NULL, *l = NULL;
    size_t nt = 0, nl = 0;
    if (dc_cli_read_labels(truth, "person_id", &t, &nt) || dc_cli_read_labels(links, "citizen_key", &l, &nl)) {
        dc_error("%s", dc_geterr());
        free(t);
        return DC_EXIT_FAIL;
    }
    uint64_t *pred = dc_xmalloc((nl ? nl : 1) * sizeof *pred), *tru = dc_xmalloc((nl ? nl : 1) * sizeof *tru);
    size_t n = 0, i = 0, j = 0;
    dc_eval_t e;
    memset(&e, 0, sizeof e);
    while (i < nt || j < nl) {
        if (j >= nl || (i < nt && t[i].key < l[j].key)) { e.only_truth++; i++; }
        else if (i >= nt || l[j].key < t[i].key) { e.only_pred++; j++; }
        else { pred[n] = l[j].label; tru[n] = t[i].label; n++; i++; j++; }
    }
    free(t);
    free(l);
    dc_eval_labels(pred, tru, n, &e);
    free(pred);
    free(tru);
    if (json) {
        print_json(&e);
    } else {
        printf("records      %llu evaluated (%llu in links only, %llu in truth only)\n",
               (unsigned long long)e.n, (unsigned long long)e.only_pred, (unsigned long long)e.only_truth);
        printf("pairwise     precision %.4f  recall %.4f  F1 %.4f  (TP %llu, predicted %llu, true %llu)\n",
               e.p, e.r, e.f1, (unsigned long long)e.tp, (unsigned long long)e.pred_pairs,
               (unsigned long long)e.true_pairs);
        printf("B-cubed      precision %.4f  recall %.4f  F1 %.4f\n", e.bp, e.br, e.bf1);
        printf("clusters     predicted %llu  true %llu\n", (unsigned long long)e.pred_clusters,
               (unsigned long long)e.true_clusters);
    }
    return DC_EXIT_OK;
}

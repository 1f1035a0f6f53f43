/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_explain.c - `dancu explain OUTDIR SOURCE:RECORD_ID SOURCE:RECORD_ID`:
 * field by field, the comparison level and match weight of two rows, the
 * total and the decision, and whether the run put them in one cluster.
 *
 * It loads and normalizes the run's inputs again, as recorded in
 * OUTDIR/model.json ("run": inputs and options), and scores the pair with
 * the run's model, term frequencies recomputed from the same records. It
 * prints the two rows' values: the user asked for exactly these rows.
 */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "match/dc_match.h"
#include "common/dc_json.h"
#include "merge/dc_html.h"
#include "merge/dc_merge.h"
#include "ref/dc_ref.h"
#include "run/dc_run.h"

#include <math.h>      /* log2 */
#include <stdlib.h>    /* free */
#include <string.h>    /* strcmp */
#include <sys/stat.h>  /* stat */

static const dc_cmd_opt_t explain_opts[] = {
    {DC_OPT_THREADS, NULL, "threads for re-loading the inputs (0 = all cores)", NULL},
    {DC_OPT_HTML, NULL, "a page: the waterfall of the weights (prior, each field, the total) and their table",
     NULL},
    {DC_OPT_JSON, NULL, "the same as one JSON object", NULL},
    {DC_OPT_OUTPUT, "FILE", "write to FILE (mode 0600) instead of standard output (- for standard output)",
     NULL},
    {DC_OPT_FORCE, NULL, "overwrite FILE", NULL},
    {DC_OPT_QUIET, NULL, NULL, NULL},
    {DC_OPT_HELP, NULL, NULL, NULL},
};

const dc_cmd_spec_t dc_spec_explain = {
    "explain", "[OPTIONS] OUTDIR SOURCE:RECORD_ID SOURCE:RECORD_ID", "show why two rows were or were not merged",
    "Show why two rows were or were not merged by the run in OUTDIR: the comparison level and match weight "
    "of every field, the total, the match probability and the clusters the run put them in. The run's "
    "inputs are read again (paths recorded in OUTDIR/model.json). SOURCE is the input file name as in "
    "links.csv. This prints the two rows' personal data.",
    explain_opts, DC_ARRAY_LEN(explain_opts), NULL,
};

static char *path_in(const char *dir, const char *name)
{
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_printf(&b, "%s/%s", dir, name);
    return b.p;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* First existing OUTDIR/<name><suffix> among the suffixes, or NULL. */
static char *find_out(const char *dir, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        char *p = path_in(dir, names[i]);
        if (exists(p)) return p;
        free(p);
    }
    return NULL;
}

static const char *src_name(const dc_run_t *run, uint32_t s)
{
    return s < run->load.nsources && run->load.sources[s].name ? run->load.sources[s].name : "";
}

/* Index of the record named "SOURCE:RECORD_ID" (any ':' may be the split). */
static long find_record(const dc_run_t *run, const char *spec)
{
    size_t n = strlen(spec);
    for (size_t k = 0; k < n; k++) {
        if (spec[k] != ':') continue;
        for (size_t i = 0; i < run->nrec; i++) {
            const char *s = src_name(run, run->recs[i].source);
            if (strlen(s) != k || memcmp(s, spec, k)) continue;
            if (!strcmp(dc_intern_str(run->in, run->recs[i].record_id, NULL), spec + k + 1)) return (long)i;
        }
    }
    return -1;
}

/* citizen_key of two rows from the run's links table ("" when not found). */
static void lookup_links(const char *outdir, const char *sa, const char *ra, const char *sb,
                         const char *rb, char ka[64], char kb[64])
{
    static const char *const names[] = {"links.csv", "links.csv.zst", "links.jsonl", "links.jsonl.zst", NULL};
    ka[0] = kb[0] = 0;
    char *p = find_out(outdir, names);
    if (!p) return;
    size_t len;
    char *text = dc_read_file(p, &len, 0);
    if (!text) { free(p); return; }
    if (strstr(p, ".jsonl")) {
        dc_arena_t a;
        dc_arena_init(&a, 1 << 16);
        for (char *q = text; *q;) {
            char *e = strchr(q, '\n');
            size_t l = e ? (size_t)(e - q) : strlen(q);
            dc_json_t *j = l ? dc_json_parse(q, l, &a) : NULL;
            const char *s = dc_json_str(dc_json_get(j, "source")), *r = dc_json_str(dc_json_get(j, "record_id"));
            const char *k = dc_json_str(dc_json_get(j, "citizen_key"));
            if (s && r && k) {
                if (!strcmp(s, sa) && !strcmp(r, ra)) snprintf(ka, 64, "%s", k);
                if (!strcmp(s, sb) && !strcmp(r, rb)) snprintf(kb, 64, "%s", k);
            }
            q = e ? e + 1 : q + l;
        }
        dc_arena_free(&a);
    } else {
        dc_ref_csv_t c;
        if (dc_ref_csv_open_mem(&c, p, text, len, ',') == 0) {
            int cs = dc_ref_csv_col_opt(&c, "source"), cr = dc_ref_csv_col_opt(&c, "record_id"),
                ck = dc_ref_csv_col_opt(&c, "citizen_key");
            while (cs >= 0 && cr >= 0 && ck >= 0 && dc_ref_csv_next(&c)) {
                if (!strcmp(c.f[cs], sa) && !strcmp(c.f[cr], ra)) snprintf(ka, 64, "%s", c.f[ck]);
                if (!strcmp(c.f[cs], sb) && !strcmp(c.f[cr], rb)) snprintf(kb, 64, "%s", c.f[ck]);
            }
            dc_ref_csv_close(&c);
        }
    }
    free(text);
    free(p);
}

/* Load options from model.json's "run" member. */
static int opts_from_manifest(const dc_json_t *m, dc_run_opts_t *o, const char ***paths, size_t *npaths,
                              const char ***maps)
{
    const dc_json_t *in = dc_json_get(m, "inputs_absolute");
    if (!in) in = dc_json_get(m, "inputs");
    if (!in || in->type != DC_JSON_ARRAY || !in->len) return dc_seterr("model.json lists no inputs");
    *paths = dc_xcalloc(in->len + 1, sizeof **paths);
    *npaths = 0;
    for (const dc_json_t *e = in->child; e; e = e->next) {
        if (!dc_json_str(e)) return dc_seterr("model.json: bad input path");
        (*paths)[(*npaths)++] = dc_json_str(e);
    }
    const char *d = dc_json_str(dc_json_get(m, "delimiter"));
    o->load.delimiter = d ? d[0] : 0;
    const char *enc = dc_json_str(dc_json_get(m, "encoding"));
    if (enc && dc_encoding_parse(enc, &o->load.encoding)) o->load.encoding = DC_ENC_AUTO;
    o->load.mapping_file = dc_json_str(dc_json_get(m, "mapping_file"));
    const dc_json_t *mp = dc_json_get(m, "mappings");
    if (mp && mp->type == DC_JSON_ARRAY && mp->len) {
        *maps = dc_xcalloc(mp->len + 1, sizeof **maps);
        size_t k = 0;
        for (const dc_json_t *e = mp->child; e; e = e->next)
            if (dc_json_str(e)) (*maps)[k++] = dc_json_str(e);
        o->load.mappings = *maps;
    }
    o->load.max_field = (size_t)dc_json_num(dc_json_get(m, "max_field"), 0);
    o->norm.ethnic_codes = (int)dc_json_num(dc_json_get(m, "ethnic_codes"), 0);
    o->norm.sex_one = (int)dc_json_num(dc_json_get(m, "sex_one"), 0);
    o->norm.century_pivot = (int)dc_json_num(dc_json_get(m, "century_pivot"), 30);
    o->norm.ref_year = (int)dc_json_num(dc_json_get(m, "ref_year"), 0);
    return 0;
}

/* One pair explained: levels, weights, both rows' values, the result. */
typedef struct explain {
    uint8_t lv[DC_COL__COUNT];
    double w[DC_COL__COUNT];
    char ka[64], kb[64];
    dc_buf_t vals[2 * DC_COL__COUNT];   /* freed by the caller */
    dc_explain_step_t steps[DC_COL__COUNT];
    dc_explain_t ex;
    const char *ctx_note;   /* which values of the pair context were used */
} explain_t;

static void explain_pair(const dc_run_t *run, const dc_model_t *model, const dc_tf_t *tf, unsigned cl_mask, long ia,
                         long ib, const char *outdir, double pmatch, double preview, explain_t *x)
{
    memset(x, 0, sizeof *x);
    const dc_record_t *a = &run->recs[ia], *b = &run->recs[ib];
    dc_compare(run->in, a, b, x->lv);
    double total = dc_model_score(model, tf, x->lv, a, b, x->w);
    double prob = dc_weight_prob(total);
    const char *sa = src_name(run, a->source), *sb = src_name(run, b->source);
    const char *ra = dc_intern_str(run->in, a->record_id, NULL), *rb = dc_intern_str(run->in, b->record_id, NULL);
    lookup_links(outdir, sa, ra, sb, rb, x->ka, x->kb);
    int ctx;
    double lam = dc_model_prior(model, x->lv, a, b, &ctx);
    int cannot = dc_cannot_link_mask(run->in, a, b, cl_mask);
    x->ctx_note = ctx < 0 || !model->ctx[ctx].own ? "too few pairs for values of its own: the global prior and residence weights"
                  : lam == model->lambda ? "its residence weights; the global prior, as both parents agree"
                                         : "its own prior and residence weights";
    for (int col = 0; col < dc_col_count(); col++) {
        dc_review_value(run, a, col, &x->vals[2 * col]);
        dc_review_value(run, b, col, &x->vals[2 * col + 1]);
        x->steps[col].column = dc_col_name((dc_col_t)col);
        x->steps[col].level = dc_level_name((dc_col_t)col, x->lv[col]);
        x->steps[col].weight = x->w[col];
        x->steps[col].a = x->vals[2 * col].len ? x->vals[2 * col].p : "";
        x->steps[col].b = x->vals[2 * col + 1].len ? x->vals[2 * col + 1].p : "";
    }
    x->ex = (dc_explain_t){
        .source_a = sa, .record_a = ra, .source_b = sb, .record_b = rb, .line_a = a->seq, .line_b = b->seq,
        .prior = log2(lam / (1 - lam)), .context = dc_context_name(ctx),
        .prior_from = lam == model->lambda ? "global" : "context", .steps = x->steps, .nsteps = (size_t)dc_col_count(), .total = total,
        .probability = prob, .match_threshold = pmatch, .review_threshold = preview,
        .decision = prob >= pmatch ? "link" : prob >= preview ? "review" : "no_link", .cannot_link = cannot,
        .cluster_a = x->ka, .cluster_b = x->kb,
    };
}

/* The text form (the default). */
static void explain_text(const explain_t *x, dc_buf_t *ob)
{
    const dc_explain_t *e = &x->ex;
    const char *sa = e->source_a, *ra = e->record_a, *sb = e->source_b, *rb = e->record_b, *ka = x->ka, *kb = x->kb;
    const dc_explain_step_t *steps = x->steps;
    const double *w = x->w;
    double total = e->total, prob = e->probability, pmatch = e->match_threshold, preview = e->review_threshold;
    int cannot = e->cannot_link;
    dc_buf_printf(ob, "A  %s:%s (line %llu)\nB  %s:%s (line %llu)\n\n", sa, ra, (unsigned long long)e->line_a, sb,
                  rb, (unsigned long long)e->line_b);
    dc_buf_printf(ob, "%-10s %-18s %9s   %s\n", "field", "level", "weight", "A / B");
    dc_buf_printf(ob, "%-10s %s (%s)\n", "context", e->context, x->ctx_note);
    dc_buf_printf(ob, "%-10s %-18s %+9.3f\n", "prior", "", e->prior);
    for (int col = 0; col < dc_col_count(); col++)
        dc_buf_printf(ob, "%-10s %-18s %+9.3f   %s / %s\n", steps[col].column, steps[col].level, w[col],
                      *steps[col].a ? steps[col].a : "-", *steps[col].b ? steps[col].b : "-");
    dc_buf_printf(ob, "%-10s %-18s %+9.3f   match probability %.6f\n", "total", "", total, prob);
    if (x->lv[DC_COL_PARENTS] == DC_PAR_BOTH)
        dc_buf_puts(ob, "(both parents agree: agreeing addresses add no weight, see docs/MATCHING.md)\n");
    dc_buf_puts(ob, "\n");
    const char *decision = prob >= pmatch ? "link (at or above the match threshold)"
                           : prob >= preview ? "review band (below the match threshold)"
                                             : "no link (below the review threshold)";
    dc_buf_printf(ob, "decision   %s; thresholds: match %.4g, review %.4g\n", decision, pmatch, preview);
    if (cannot)
        dc_buf_puts(ob, "evidence   cannot-link: different valid IDs, opposite sexes, contradicting birth dates or twins\n");
    if (*ka && *kb)
        dc_buf_printf(ob, "clusters   %s (A: %s, B: %s)\n", strcmp(ka, kb) ? "different citizens" : "same citizen",
                      ka, kb);
    else
        dc_buf_puts(ob, "clusters   not found in the run's links table\n");
}

/* OUT to `output` (mode 0600, atomic), or standard output. @return 0 or -1. */
enum { FMT_TEXT, FMT_HTML, FMT_JSON };

/* The operands and the output options. @return 0 and *format, or the exit
 * status. */
static int check_args(const dc_optvals_t *v, int argc, char **argv, int *format)
{
    if (v->set[DC_OPT_HTML] && v->set[DC_OPT_JSON])
        return dc_cli_usage_error("explain", "--html and --json exclude each other");
    *format = v->set[DC_OPT_HTML] ? FMT_HTML : v->set[DC_OPT_JSON] ? FMT_JSON : FMT_TEXT;
    const char *output = v->str[DC_OPT_OUTPUT];
    int first = v->argi;
    if (argc - first != 3) return dc_cli_usage_error("explain", "want OUTDIR SOURCE:RECORD_ID SOURCE:RECORD_ID");
    if (!strchr(argv[first + 1], ':') || !strchr(argv[first + 2], ':'))
        return dc_cli_usage_error("explain", "a row is named SOURCE:RECORD_ID");
    if (output && strcmp(output, "-") && !v->set[DC_OPT_FORCE] && exists(output)) {
        dc_error("%s exists (use --force to overwrite)", output);
        return DC_EXIT_FAIL;
    }
    return 0;
}

/* The run's scoring settings (model.json "settings", written when they
 * are not the defaults: extra columns, comparison thresholds, cannot_link)
 * made the process's before the model (whose columns include the extra
 * ones) and the records (which carry their values) are read. */
static int read_settings(const dc_json_t *root, dc_rules_t *rules)
{
    const char *st = dc_json_str(dc_json_get(root, "settings"));
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_puts(&b, st ? st : "");
    dc_buf_puts(&b, "\nid12\n");   /* the parser wants a blocking rule; explain blocks nothing */
    int rc = dc_rules_parse(b.p, "model.json settings", rules);
    dc_buf_free(&b);
    if (rc == 0) dc_rules_use(rules);
    return rc;
}

/* Load the run's inputs again, quietly (re-loading is not news). */
static int reload(dc_run_t *run, const char **paths, size_t npaths)
{
    int level = dc_log_level;
    dc_log_level = 0;
    int rc = dc_run_load(run, paths, npaths);
    dc_log_level = level;
    return rc;
}

int dc_cmd_explain(int argc, char **argv)
{
    dc_optvals_t v;
    int prc = dc_cli_parse(&dc_spec_explain, argc, argv, &v);
    dc_optvals_free(&v);
    if (prc) return prc < 0 ? DC_EXIT_OK : prc;
    int nthreads = v.set[DC_OPT_THREADS] ? (int)v.num[DC_OPT_THREADS] : 0, format = FMT_TEXT, first = v.argi;
    const char *output = v.str[DC_OPT_OUTPUT];
    if ((prc = check_args(&v, argc, argv, &format))) return prc;
    dc_cli_log_level(&v);
    const char *outdir = argv[first];
    static const char *const mnames[] = {"model.json", "model.json.zst", NULL};
    char *mpath = find_out(outdir, mnames);
    if (!mpath) {
        dc_error("%s has no model.json: not the output of a dancu run", outdir);
        return DC_EXIT_FAIL;
    }
    int rc = DC_EXIT_FAIL;
    size_t mlen;
    char *mtext = dc_read_file(mpath, &mlen, 64u << 20);
    dc_arena_t arena;
    dc_arena_init(&arena, 1 << 16);
    const char **paths = NULL, **maps = NULL;
    size_t npaths = 0;
    dc_model_t model;
    dc_run_t run;
    int have_run = 0;
    dc_tf_t tf = {0};
    dc_json_t *root = mtext ? dc_json_parse(mtext, mlen, &arena) : NULL;
    dc_rules_t rules = {0};
    if (root && read_settings(root, &rules)) {
        dc_error("%s: %s", mpath, dc_geterr());
        goto done;
    }
    if (!root || dc_model_parse_json(mtext, mlen, &model)) {
        dc_error("%s: %s", mpath, dc_geterr());
        goto done;
    }
    dc_run_opts_t o = {.nthreads = nthreads, .outdir = outdir};
    o.load.names_optional = rules.names_optional;   /* the run's rows: nameless ones too when it kept them */
    if (opts_from_manifest(dc_json_get(root, "run"), &o, &paths, &npaths, &maps)) {
        dc_error("%s: %s", mpath, dc_geterr());
        goto done;
    }
    o.norm.min_year = rules.dob_min_year;   /* the run's date range (its settings) */
    const dc_json_t *th = dc_json_get(root, "thresholds");
    double pmatch = dc_json_num(dc_json_get(th, "match_probability"), DC_MATCH_THRESHOLD_DEFAULT);
    double preview = dc_json_num(dc_json_get(th, "review_probability"), DC_REVIEW_THRESHOLD_DEFAULT);
    dc_run_init(&run, &o);
    have_run = 1;
    if (reload(&run, paths, npaths)) {
        dc_error("re-loading the run's inputs: %s", dc_geterr());
        goto done;
    }
    long ia = find_record(&run, argv[first + 1]), ib = find_record(&run, argv[first + 2]);
    if (ia < 0 || ib < 0) {
        dc_error("no accepted row %s in the run's inputs", ia < 0 ? "A" : "B");
        goto done;
    }
    if (model.tf_enabled) dc_tf_build(&tf, run.recs, run.nrec, run.in, 1);
    explain_t x;
    explain_pair(&run, &model, &tf, rules.cannot_link, ia, ib, outdir, pmatch, preview, &x);
    dc_buf_t ob = DC_BUF_INIT;
    if (format == FMT_JSON) dc_explain_json(&x.ex, &ob);
    else if (format == FMT_HTML) dc_explain_html(&x.ex, &ob);
    else explain_text(&x, &ob);
    for (int k = 0; k < 2 * DC_COL__COUNT; k++) dc_buf_free(&x.vals[k]);
    int wrc = dc_cli_write_out(output, &ob);
    dc_buf_free(&ob);
    if (wrc) {
        dc_error("%s", dc_geterr());
        goto done;
    }
    rc = DC_EXIT_OK;
done:
    dc_rules_free(&rules);
    dc_extra_use(NULL, 0);
    dc_tf_free(&tf);
    if (have_run) dc_run_free(&run);
    free(paths);
    free(maps);
    dc_arena_free(&arena);
    free(mtext);
    free(mpath);
    return rc;
}

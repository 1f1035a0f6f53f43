/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_html.c - OUTDIR/report.html: the run as a page a migration team
 * signs off by looking at it.
 *
 * DESIGN. The page is drawn from the same state report.json is written
 * from (dc_run_t after the last stage: load statistics, the match state's
 * blocking statistics, model, weight histogram and cluster counts, the
 * clusters, the merge state's conflict counts, dc_report_quality()), by
 * the chart and table helpers of html.c. Sections, in order: the totals;
 * reconciliation per file and per province; rejects by reason; detected
 * encodings, delimiters and header mappings; blocking; the model (match
 * weights, m and u, the distribution of match weights with the
 * thresholds); clusters; survivorship conflicts; data quality per
 * province; stage times and memory.
 *
 * Personal data: the page holds counts, codes, file and column names,
 * rule texts and citizen keys (hashes) only, never a value of a row.
 * Timings, memory and the thread count are the only parts that change
 * from one run of the same inputs to the next: they are enclosed in
 * DC_HTML_VOLATILE_BEGIN/END (the golden tests skip them).
 */
#include "dc_merge.h"
#include "dc_html.h"
#include "match/dc_match.h"
#include "normalize/dc_address.h"

#include <math.h>     /* exp2 */
#include <stdlib.h>   /* free */
#include <string.h>   /* strlen */

/* Per-file and per-province figures. */
typedef struct prov_fig {
    uint64_t files, rows_in, accepted, rejected, citizens;
} prov_fig_t;

typedef struct rep {
    const dc_run_t *run;
    dc_buf_t *b;
    const dc_gazetteer_t *gz;
    uint8_t *src_prov;        /* per source: province of most of its rows (0 unknown) */
    prov_fig_t prov[256];
} rep_t;

static void section(dc_buf_t *b, const char *id, const char *title)
{
    dc_buf_printf(b, "<section id=\"%s\">\n<h2>", id);
    dc_html_escs(b, title);
    dc_buf_puts(b, "</h2>\n");
}

static void p_note(dc_buf_t *b, const char *text)
{
    dc_buf_puts(b, "<p class=\"note\">");
    dc_html_escs(b, text);
    dc_buf_puts(b, "</p>\n");
}

static void prov_label(const rep_t *r, int p, dc_buf_t *out)
{
    if (!p) { dc_buf_puts(out, "unknown"); return; }
    const char *name = r->gz ? dc_gazetteer_province_name(r->gz, (uint8_t)p, 0) : NULL;
    dc_buf_printf(out, "%02d", p);
    if (name && *name) dc_buf_printf(out, " %s", name);
}

static double pct(uint64_t a, uint64_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

/* ------------------------------------------------------------ figures */

static void compute(rep_t *r)
{
    const dc_run_t *run = r->run;
    uint32_t ns = run->load.nsources;
    uint64_t (*cnt)[256] = dc_xcalloc(ns ? ns : 1, sizeof *cnt);
    for (size_t i = 0; i < run->nrec; i++)
        if (run->recs[i].source < ns) cnt[run->recs[i].source][run->recs[i].prov_src]++;
    r->src_prov = dc_xcalloc(ns ? ns : 1, 1);
    for (uint32_t s = 0; s < ns; s++) {
        int best = 0;
        for (int p = 1; p < 256; p++)
            if (cnt[s][p] > cnt[s][best]) best = p;
        r->src_prov[s] = (uint8_t)best;
        const dc_source_info_t *src = &run->load.sources[s];
        prov_fig_t *f = &r->prov[best];
        f->files++;
        uint64_t rej = 0;
        for (int k = 0; k < DC_REJ__COUNT; k++) rej += src->rejected[k];
        f->rejected += rej;
        f->rows_in += rej;   /* the accepted rows are added by their own province below */
    }
    free(cnt);
    for (size_t i = 0; i < run->nrec; i++) {
        r->prov[run->recs[i].prov_src].accepted++;
        r->prov[run->recs[i].prov_src].rows_in++;
    }
    /* citizens with at least one row from the province */
    const dc_clusters_t *cl = &run->cl;
    if (cl->off) {
        uint32_t last[256];
        memset(last, 0xff, sizeof last);
        for (uint32_t c = 0; c < cl->ncl; c++)
            for (uint32_t k = cl->off[c]; k < cl->off[c + 1]; k++) {
                int p = run->recs[cl->members[k]].prov_src;
                if (last[p] != c) {
                    last[p] = c;
                    r->prov[p].citizens++;
                }
            }
    }
}

/* --------------------------------------------------------------- parts */

static void kpi(dc_buf_t *b, uint64_t v, const char *what)
{
    dc_buf_puts(b, "<div><b>");
    dc_html_count(b, v);
    dc_buf_puts(b, "</b><span>");
    dc_html_escs(b, what);
    dc_buf_puts(b, "</span></div>");
}

static void head(rep_t *r)
{
    const dc_run_t *run = r->run;
    dc_buf_t *b = r->b;
    const dc_load_stats_t *ld = &run->load;
    int balanced = ld->rows_in == dc_run_rows_linked(run) + ld->rows_rejected;
    dc_buf_printf(b, "<h1>dancu run report</h1>\n<p class=\"sub\">dancu %s &middot; ", DC_VERSION);
    dc_html_count(b, ld->nsources);
    dc_buf_puts(b, " input files &middot; ");
    dc_buf_puts(b, balanced ? "<span class=\"ok\">reconciled: input rows = linked + rejected</span>"
                            : "<span class=\"bad\">NOT reconciled: input rows differ from linked + rejected</span>");
    dc_buf_puts(b, "</p>\n<nav class=\"toc\">"
                   "<a href=\"#reconciliation\">Reconciliation</a><a href=\"#rejects\">Rejects</a>"
                   "<a href=\"#inputs\">Inputs</a><a href=\"#blocking\">Blocking</a>"
                   "<a href=\"#model\">Model</a><a href=\"#clusters\">Clusters</a>"
                   "<a href=\"#conflicts\">Conflicts</a><a href=\"#quality\">Data quality</a>"
                   "<a href=\"#stages\">Time and memory</a><a href=\"review.html\">Review pairs</a></nav>\n");
    dc_buf_puts(b, "<div class=\"kpis\">");
    kpi(b, ld->rows_in, "input rows");
    dc_cluster_totals_t tot;
    dc_report_totals(run, &tot);
    kpi(b, tot.records, "linked rows");
    kpi(b, ld->rows_rejected, "rejected rows");
    kpi(b, tot.citizens, "citizens");
    kpi(b, tot.records - tot.citizens, "duplicates merged");
    if (run->match) {
        kpi(b, run->match->bstats.pairs, "candidate pairs");
        kpi(b, run->match->cstats.accepted, "pairs linked");
        kpi(b, run->match->review_rows, "pairs for review");
    }
    dc_buf_puts(b, "</div>\n");
    dc_buf_printf(b, "<p class=\"note\">Reject rate %.3f%%; match threshold %.4g, review threshold %.4g "
                     "(match probabilities); format %s%s.",
                  100.0 * dc_report_reject_rate(run), run->opts.match_threshold, run->opts.review_threshold,
                  run->opts.jsonl ? "jsonl" : "csv", run->opts.compress ? ", zstd" : "");
    dc_buf_puts(b, " " DC_HTML_VOLATILE_BEGIN);
    dc_buf_printf(b, "%d threads.", run->opts.nthreads > 0 ? run->opts.nthreads : dc_nthreads_default());
    dc_buf_puts(b, DC_HTML_VOLATILE_END "</p>\n");
}

static void reconciliation(rep_t *r)
{
    const dc_run_t *run = r->run;
    dc_buf_t *b = r->b;
    uint32_t ns = run->load.nsources;
    section(b, "reconciliation", "Reconciliation");
    p_note(b, "Every input row is either linked to a citizen or rejected with a reason.");
    dc_chart_row_t *rows = dc_xcalloc(ns ? ns : 1, sizeof *rows);
    for (uint32_t s = 0; s < ns; s++) {
        const dc_source_info_t *src = &run->load.sources[s];
        rows[s].label = src->name;
        rows[s].v[0] = (double)src->rows_ok;
        rows[s].v[1] = (double)(src->rows_in - src->rows_ok);
    }
    dc_chart_t c = {.id = "recon-files", .title = "Rows per input file", .series = {"linked", "rejected"},
                    .kind = DC_CHART_STACKED};
    if (ns) dc_html_hbars(b, &c, rows, ns);
    free(rows);
    static const char *const h1[] = {"file", "province", "#input rows", "#linked", "#rejected", "#rejected %"};
    dc_html_table_begin(b, "recon-files-table", h1, 6);
    dc_buf_t lab = DC_BUF_INIT;
    for (uint32_t s = 0; s < ns; s++) {
        const dc_source_info_t *src = &run->load.sources[s];
        dc_buf_puts(b, "<tr>");
        dc_html_td(b, src->name);
        dc_buf_clear(&lab);
        prov_label(r, r->src_prov[s], &lab);
        dc_html_td(b, lab.p);
        dc_html_td_u64(b, src->rows_in);
        dc_html_td_u64(b, src->rows_ok);
        dc_html_td_u64(b, src->rows_in - src->rows_ok);
        dc_html_td_f(b, pct(src->rows_in - src->rows_ok, src->rows_in), 2);
        dc_buf_puts(b, "</tr>\n");
    }
    dc_html_table_end(b);

    /* per province */
    dc_chart_row_t prow[256];
    dc_buf_t plab[256];
    memset(prow, 0, sizeof prow);
    memset(plab, 0, sizeof plab);
    size_t np = 0;
    int order[256];
    for (int p = 1; p <= 256; p++) {   /* known provinces by code, unknown last */
        int q = p & 255;
        if (!r->prov[q].rows_in && !r->prov[q].files) continue;
        order[np] = q;
        prov_label(r, q, &plab[np]);
        prow[np].label = plab[np].p;
        prow[np].v[0] = (double)r->prov[q].accepted;
        prow[np].v[1] = (double)r->prov[q].rejected;
        np++;
    }
    dc_chart_t c2 = {.id = "recon-prov", .title = "Rows per province (of the source rows)",
                     .series = {"linked", "rejected"}, .kind = DC_CHART_STACKED,
                     .note = "Linked rows count under the province code of the row; rejected rows (never "
                             "read as records) under the province of most rows of their file."};
    if (np) dc_html_hbars(b, &c2, prow, np);
    static const char *const h2[] = {"province", "#files", "#input rows", "#linked", "#rejected",
                                     "#citizens with a row here"};
    dc_html_table_begin(b, "recon-prov-table", h2, 6);
    for (size_t i = 0; i < np; i++) {
        const prov_fig_t *f = &r->prov[order[i]];
        dc_buf_puts(b, "<tr>");
        dc_html_td(b, plab[i].p);
        dc_html_td_u64(b, f->files);
        dc_html_td_u64(b, f->rows_in);
        dc_html_td_u64(b, f->accepted);
        dc_html_td_u64(b, f->rejected);
        dc_html_td_u64(b, f->citizens);
        dc_buf_puts(b, "</tr>\n");
        dc_buf_free(&plab[i]);
    }
    dc_html_table_end(b);
    dc_buf_free(&lab);
    dc_buf_puts(b, "</section>\n");
}

static void rejects(rep_t *r)
{
    const dc_run_t *run = r->run;
    dc_buf_t *b = r->b;
    section(b, "rejects", "Rejected rows by reason");
    uint64_t by[DC_REJ__COUNT] = {0}, total = 0;
    for (uint32_t s = 0; s < run->load.nsources; s++)
        for (int k = 0; k < DC_REJ__COUNT; k++) by[k] += run->load.sources[s].rejected[k];
    dc_chart_row_t rows[DC_REJ__COUNT];
    size_t n = 0;
    memset(rows, 0, sizeof rows);
    for (int k = 0; k < DC_REJ__COUNT; k++) {
        total += by[k];
        if (!by[k]) continue;
        rows[n].label = dc_reject_reason_name((dc_reject_reason_t)k);
        rows[n].v[0] = (double)by[k];
        n++;
    }
    if (!n) {
        p_note(b, "No row was rejected.");
    } else {
        dc_chart_t c = {.id = "rejects-chart", .title = "Rejected rows by reason", .kind = DC_CHART_STACKED,
                        .series = {"rows"},
                        .note = "The rows themselves are in rejects.csv (docs/INPUT.md explains each reason)."};
        dc_html_hbars(b, &c, rows, n);
    }
    static const char *const h[] = {"reason", "#rows", "#share of rejected %"};
    dc_html_table_begin(b, "rejects-chart-table", h, 3);
    for (int k = 0; k < DC_REJ__COUNT; k++) {
        if (!by[k]) continue;
        dc_buf_puts(b, "<tr>");
        dc_html_td(b, dc_reject_reason_name((dc_reject_reason_t)k));
        dc_html_td_u64(b, by[k]);
        dc_html_td_f(b, pct(by[k], total), 2);
        dc_buf_puts(b, "</tr>\n");
    }
    dc_html_table_end(b);
    dc_buf_puts(b, "</section>\n");
}

static void inputs(rep_t *r)
{
    const dc_run_t *run = r->run;
    dc_buf_t *b = r->b;
    uint32_t ns = run->load.nsources;
    section(b, "inputs", "Inputs: encodings, delimiters and header mappings");
    /* files per encoding */
    const char *encs[32];
    uint64_t encn[32];
    size_t ne = 0;
    for (uint32_t s = 0; s < ns; s++) {
        const char *e = dc_encoding_name(run->load.sources[s].encoding);
        size_t k = 0;
        while (k < ne && strcmp(encs[k], e)) k++;
        if (k == ne && ne < 32) { encs[ne] = e; encn[ne++] = 0; }
        if (k < ne) encn[k]++;
    }
    dc_chart_row_t rows[32];
    memset(rows, 0, sizeof rows);
    for (size_t k = 0; k < ne; k++) {
        rows[k].label = encs[k];
        rows[k].v[0] = (double)encn[k];
    }
    dc_chart_t c = {.id = "encodings", .title = "Files per detected encoding", .kind = DC_CHART_STACKED,
                    .series = {"files"}};
    if (ne) dc_html_hbars(b, &c, rows, ne);
    static const char *const h0[] = {"encoding", "#files"};
    dc_html_table_begin(b, "encodings-table", h0, 2);
    for (size_t k = 0; k < ne; k++) {
        dc_buf_puts(b, "<tr>");
        dc_html_td(b, encs[k]);
        dc_html_td_u64(b, encn[k]);
        dc_buf_puts(b, "</tr>\n");
    }
    dc_html_table_end(b);
    static const char *const h[] = {"file", "compression", "encoding", "#confidence", "delimiter", "BOM", "CRLF",
                                    "#bytes", "#columns", "#mapped"};
    dc_html_table_begin(b, "inputs-table", h, 10);
    for (uint32_t s = 0; s < ns; s++) {
        const dc_source_info_t *src = &run->load.sources[s];
        uint32_t mapped = 0;
        for (uint32_t k = 0; k < src->ncols; k++) mapped += src->col_field && src->col_field[k] >= 0;
        dc_buf_puts(b, "<tr>");
        dc_html_td(b, src->name);
        dc_html_td(b, src->compression);
        dc_html_td(b, dc_encoding_name(src->encoding));
        dc_html_td_f(b, src->encoding_confidence, 3);
        dc_html_td(b, src->delimiter == '\t' ? "tab" : src->delimiter == ',' ? "comma"
                      : src->delimiter == ';' ? "semicolon" : src->delimiter == '|' ? "pipe" : "?");
        dc_html_td(b, src->has_bom ? "yes" : "no");
        dc_html_td(b, src->crlf ? "yes" : "no");
        dc_html_td_u64(b, src->bytes_in);
        dc_html_td_u64(b, src->ncols);
        dc_html_td_u64(b, mapped);
        dc_buf_puts(b, "</tr>\n");
    }
    dc_html_table_end(b);
    dc_buf_puts(b, "<h3>Header mappings</h3>\n");
    p_note(b, "Each header cell as read, and the field it feeds; columns that feed no field are carried "
              "through unchanged.");
    static const char *const hm[] = {"file", "header columns \xe2\x86\x92 fields"};
    dc_html_table_begin(b, "mappings-table", hm, 2);
    for (uint32_t s = 0; s < ns; s++) {
        const dc_source_info_t *src = &run->load.sources[s];
        dc_buf_puts(b, "<tr>");
        dc_html_td(b, src->name);
        dc_buf_puts(b, "<td>");
        for (uint32_t k = 0; k < src->ncols; k++) {
            int f = src->col_field ? src->col_field[k] : -1;
            if (k) dc_buf_puts(b, "; ");
            dc_html_escs(b, src->col_names ? src->col_names[k] : "");
            dc_buf_puts(b, " \xe2\x86\x92 ");
            if (f >= 0 && f < DC_F__COUNT) dc_html_escs(b, dc_field_name((dc_field_t)f));
            else dc_buf_puts(b, "<i class=\"mut\">carried</i>");
        }
        dc_buf_puts(b, "</td></tr>\n");
    }
    dc_html_table_end(b);
    dc_buf_puts(b, "</section>\n");
}

static void blocking(rep_t *r)
{
    const dc_match_state_t *ms = r->run->match;
    dc_buf_t *b = r->b;
    section(b, "blocking", "Blocking: candidate pairs per rule");
    size_t n = ms->bstats.nrules;
    dc_chart_row_t *rows = dc_xcalloc(n ? n : 1, sizeof *rows);
    for (size_t k = 0; k < n; k++) {
        const dc_rule_stats_t *s = &ms->bstats.rule[k];
        rows[k].label = k < ms->rules.n ? ms->rules.r[k].text : "";
        rows[k].v[0] = (double)s->pairs_new;
        rows[k].v[1] = (double)(s->pairs - s->pairs_new);
    }
    dc_chart_t c = {.id = "blocking-chart", .title = "Pairs per blocking rule",
                    .series = {"found first by this rule", "already found by an earlier rule"},
                    .kind = DC_CHART_STACKED};
    if (n) dc_html_hbars(b, &c, rows, n);
    free(rows);
    dc_buf_printf(b, "<p class=\"note\">");
    dc_html_count(b, ms->bstats.raw_pairs);
    dc_buf_puts(b, " distinct pairs from the rules, of which ");
    dc_html_count(b, ms->bstats.dropped_cannot_link);
    dc_buf_puts(b, " dropped for cannot-link evidence: ");
    dc_html_count(b, ms->bstats.pairs);
    dc_buf_printf(b, " candidate pairs (%.3f per row). Blocks over %u rows are compared in a window of %u.</p>\n",
                  r->run->nrec ? (double)ms->bstats.pairs / (double)r->run->nrec : 0.0, ms->rules.max_block,
                  ms->rules.window);
    static const char *const h[] = {"rule", "#keyed rows", "#blocks", "#largest block", "#capped blocks", "#pairs",
                                    "#found first", "#share found first %"};
    dc_html_table_begin(b, "blocking-chart-table", h, 8);
    for (size_t k = 0; k < n; k++) {
        const dc_rule_stats_t *s = &ms->bstats.rule[k];
        dc_buf_puts(b, "<tr>");
        dc_html_td(b, k < ms->rules.n ? ms->rules.r[k].text : "");
        dc_html_td_u64(b, s->keyed);
        dc_html_td_u64(b, s->blocks);
        dc_html_td_u64(b, s->largest);
        dc_html_td_u64(b, s->capped_blocks);
        dc_html_td_u64(b, s->pairs);
        dc_html_td_u64(b, s->pairs_new);
        dc_html_td_f(b, pct(s->pairs_new, ms->bstats.raw_pairs), 2);
        dc_buf_puts(b, "</tr>\n");
    }
    dc_html_table_end(b);
    dc_buf_puts(b, "</section>\n");
}

static double lv_weight(const dc_model_t *m, int c, int l)
{
    double mm = m->m[c][l], uu = m->u[c][l];
    return mm > 0 && uu > 0 ? log2(mm / uu) : 0;
}

static void model(rep_t *r)
{
    const dc_match_state_t *ms = r->run->match;
    const dc_model_t *m = &ms->model;
    dc_buf_t *b = r->b;
    section(b, "model", "The model");
    dc_buf_printf(b, "<p class=\"note\">Fellegi-Sunter: u from %llu random pairs, m and the prior by EM over "
                     "%llu candidate pairs (%d iterations%s); prior match probability %.3g (weight %+.2f); "
                     "term-frequency adjustment of names %s.</p>\n",
                  (unsigned long long)m->u_sample, (unsigned long long)m->em_pairs, m->em_iterations,
                  m->em_converged ? ", converged" : ", not converged", m->lambda,
                  m->lambda > 0 && m->lambda < 1 ? log2(m->lambda / (1 - m->lambda)) : 0.0,
                  m->tf_enabled ? "on" : "off");
    /* pair contexts (docs/MATCHING.md, "Pair contexts") */
    static const char *const ch[] = {"pair context", "#candidate pairs", "#record pairs", "values",
                                     "#prior weight", "#residence different"};
    dc_html_table_begin(b, "contexts-table", ch, 6);
    for (int k = 0; k < DC_CTX__N; k++) {
        const dc_model_ctx_t *x = &m->ctx[k];
        double lam = x->own ? x->lambda : m->lambda;
        const double *mm = x->own ? x->m : m->m[DC_COL_RESIDENCE], *uu = x->own ? x->u : m->u[DC_COL_RESIDENCE];
        dc_buf_puts(b, "<tr>");
        dc_html_td(b, dc_context_name(k));
        dc_html_td_u64(b, x->pairs);
        dc_html_td_u64(b, (uint64_t)x->all_pairs);
        dc_html_td(b, x->own ? "its own" : "global (too few pairs)");
        dc_html_td_f(b, lam > 0 && lam < 1 ? log2(lam / (1 - lam)) : 0.0, 2);
        dc_html_td_f(b, mm[DC_ADDR_DIFF] > 0 && uu[DC_ADDR_DIFF] > 0 ? log2(mm[DC_ADDR_DIFF] / uu[DC_ADDR_DIFF]) : 0.0, 2);
        dc_buf_puts(b, "</tr>\n");
    }
    dc_html_table_end(b);
    /* match weights per level, grouped by comparison */
    size_t cap = 1;
    for (int c = 0; c < dc_col_count(); c++) cap += (size_t)dc_col_nlevels((dc_col_t)c);
    dc_chart_row_t *rows = dc_xcalloc(cap, sizeof *rows);
    dc_buf_t *labs = dc_xcalloc(cap, sizeof *labs);
    size_t n = 0;
    rows[n].label = "prior";
    rows[n].v[0] = m->lambda > 0 && m->lambda < 1 ? log2(m->lambda / (1 - m->lambda)) : 0;
    n++;
    for (int c = 0; c < dc_col_count(); c++)
        for (int l = 0; l < dc_col_nlevels((dc_col_t)c); l++) {
            dc_buf_printf(&labs[n], "%s: %s", dc_col_name((dc_col_t)c), dc_level_name((dc_col_t)c, l));
            rows[n].label = labs[n].p;
            rows[n].v[0] = lv_weight(m, c, l);
            rows[n].group = l == 0;
            n++;
        }
    dc_chart_t c = {.id = "weights", .table = "model-table", .title = "Match weights per comparison level (log2 m/u)",
                    .kind = DC_CHART_SIGNED, .decimals = 2,
                    .note = "A pair's match weight is the prior plus one level's weight per comparison "
                            "(a missing value adds 0); name levels are adjusted by the frequency of the name."};
    dc_html_hbars(b, &c, rows, n);
    /* m and u */
    dc_chart_row_t *mu = dc_xcalloc(cap, sizeof *mu);
    for (size_t k = 1; k < n; k++) {
        mu[k - 1] = rows[k];
        mu[k - 1].text = NULL;
    }
    size_t k = 0;
    dc_buf_t *mut = dc_xcalloc(cap, sizeof *mut);
    for (int cc = 0; cc < dc_col_count(); cc++)
        for (int l = 0; l < dc_col_nlevels((dc_col_t)cc); l++, k++) {
            mu[k].v[0] = m->m[cc][l];
            mu[k].v[1] = m->u[cc][l];
            dc_buf_printf(&mut[k], "%.3f / %.3f", m->m[cc][l], m->u[cc][l]);
            mu[k].text = mut[k].p;
        }
    dc_chart_t c2 = {.id = "mu", .table = "model-table", .title = "m and u probabilities per comparison level",
                     .series = {"m (among matches)", "u (among non-matches)"}, .kind = DC_CHART_GROUPED,
                     .decimals = 3};
    dc_html_hbars(b, &c2, mu, n - 1);
    for (size_t i = 0; i < cap; i++) dc_buf_free(&mut[i]);
    free(mut);
    free(mu);
    static const char *const h[] = {"comparison", "level", "#m", "#u", "#match weight"};
    dc_html_table_begin(b, "model-table", h, 5);
    for (int cc = 0; cc < dc_col_count(); cc++)
        for (int l = 0; l < dc_col_nlevels((dc_col_t)cc); l++) {
            dc_buf_puts(b, "<tr>");
            dc_html_td(b, dc_col_name((dc_col_t)cc));
            dc_html_td(b, dc_level_name((dc_col_t)cc, l));
            dc_html_td_f(b, m->m[cc][l], 6);
            dc_html_td_f(b, m->u[cc][l], 6);
            dc_html_td_f(b, lv_weight(m, cc, l), 3);
            dc_buf_puts(b, "</tr>\n");
        }
    dc_html_table_end(b);
    for (size_t i = 0; i < cap; i++) dc_buf_free(&labs[i]);
    free(labs);
    free(rows);

    /* distribution of match weights */
    dc_buf_puts(b, "<h3>Distribution of the candidate pairs' match weights</h3>\n");
    double vals[DC_WHIST_NBINS];
    char lab[DC_WHIST_NBINS][16];
    const char *labp[DC_WHIST_NBINS];
    for (int i = 0; i < DC_WHIST_NBINS; i++) {
        vals[i] = (double)ms->whist[i];
        snprintf(lab[i], sizeof lab[i], "%d", DC_WHIST_LO + DC_WHIST_WIDTH * i);
        labp[i] = lab[i];
    }
    char mk0[64], mk1[64];
    snprintf(mk0, sizeof mk0, "review %.4g", r->run->opts.review_threshold);
    snprintf(mk1, sizeof mk1, "match %.4g", r->run->opts.match_threshold);
    dc_chart_marker_t mk[2] = {{(ms->review_weight - DC_WHIST_LO) / DC_WHIST_WIDTH, mk0},
                               {(ms->match_weight - DC_WHIST_LO) / DC_WHIST_WIDTH, mk1}};
    dc_chart_t c3 = {.id = "weight-hist", .title = "Candidate pairs by match weight, with the thresholds",
                     .kind = DC_CHART_STACKED,
                     .note = "Bins of two units of match weight (probability = 2^w / (1 + 2^w)); the first bin "
                             "also holds lower weights, the last higher ones. Pairs right of the match line "
                             "are linked (unless cannot-link evidence refuses it); pairs between the lines "
                             "are reviewed."};
    dc_html_histogram(b, &c3, labp, vals, DC_WHIST_NBINS, 5, mk, 2);
    static const char *const hh[] = {"#weight from", "#weight to", "#probability from", "#probability to",
                                     "#pairs"};
    dc_html_table_begin(b, "weight-hist-table", hh, 5);
    for (int i = 0; i < DC_WHIST_NBINS; i++) {
        if (!ms->whist[i]) continue;
        double lo = DC_WHIST_LO + DC_WHIST_WIDTH * i, hi = lo + DC_WHIST_WIDTH;
        dc_buf_puts(b, "<tr>");
        if (i == 0) dc_html_td(b, "-inf");
        else dc_html_td_f(b, lo, 0);
        if (i == DC_WHIST_NBINS - 1) dc_html_td(b, "+inf");
        else dc_html_td_f(b, hi, 0);
        dc_html_td_f(b, i == 0 ? 0 : dc_weight_prob(lo), 6);
        dc_html_td_f(b, i == DC_WHIST_NBINS - 1 ? 1 : dc_weight_prob(hi), 6);
        dc_html_td_u64(b, ms->whist[i]);
        dc_buf_puts(b, "</tr>\n");
    }
    dc_html_table_end(b);
    dc_buf_puts(b, "</section>\n");
}

/* Largest clusters: (size desc, cluster index asc), the first LARGEST. */
#define LARGEST 20

static void clusters(rep_t *r)
{
    const dc_run_t *run = r->run;
    const dc_clusters_t *cl = &run->cl;
    dc_buf_t *b = r->b;
    section(b, "clusters", "Clusters");
    dc_cluster_totals_t tot;
    dc_report_totals(run, &tot);
    const uint64_t *hist = tot.hist, *recs = tot.rows;
    uint32_t top[LARGEST];
    size_t ntop = 0;
    for (uint32_t c = 0; cl->off && c < cl->ncl; c++) {
        uint32_t sz = cl->off[c + 1] - cl->off[c];
        if (sz < 2) continue;
        /* insertion into the top list */
        size_t pos = ntop;
        while (pos > 0 && cl->off[top[pos - 1] + 1] - cl->off[top[pos - 1]] < sz) pos--;
        if (pos >= LARGEST) continue;
        if (ntop < LARGEST) ntop++;
        memmove(&top[pos + 1], &top[pos], (ntop - 1 - pos) * sizeof *top);
        top[pos] = c;
    }
    dc_chart_row_t rows[DC_REPORT_NBINS];
    memset(rows, 0, sizeof rows);
    for (int k = 0; k < DC_REPORT_NBINS; k++) {
        rows[k].label = dc_report_hist_labels[k];
        rows[k].v[0] = (double)hist[k];
    }
    dc_chart_t c = {.id = "cluster-sizes", .title = "Citizens by number of rows (cluster size)",
                    .kind = DC_CHART_STACKED, .series = {"citizens"}};
    dc_html_hbars(b, &c, rows, DC_REPORT_NBINS);
    static const char *const h[] = {"rows per citizen", "#citizens", "#rows"};
    dc_html_table_begin(b, "cluster-sizes-table", h, 3);
    for (int k = 0; k < DC_REPORT_NBINS; k++) {
        dc_buf_puts(b, "<tr>");
        dc_html_td(b, dc_report_hist_labels[k]);
        dc_html_td_u64(b, hist[k]);
        dc_html_td_u64(b, recs[k]);
        dc_buf_puts(b, "</tr>\n");
    }
    dc_html_table_end(b);
    if (run->totals)   /* a load into a master: the citizens it read */
        dc_buf_printf(b, "<h3>The %zu largest clusters this load touched</h3>\n", ntop);
    else
        dc_buf_printf(b, "<h3>The %zu largest clusters</h3>\n", ntop);
    p_note(b, "Large clusters are where wrong merges would show first: check them with dancu explain. "
              "Citizen keys are in citizens.csv and links.csv.");
    static const char *const h2[] = {"citizen_key", "#rows", "#files", "#provinces", "conflicts"};
    dc_html_table_begin(b, "largest-table", h2, 5);
    dc_merge_scratch_t *scr = ntop ? dc_merge_scratch_create() : NULL;
    for (size_t i = 0; i < ntop; i++) {
        uint32_t cc = top[i];
        /* distinct files and provinces: sorted keys (a cluster may be large) */
        uint32_t sz = cl->off[cc + 1] - cl->off[cc];
        uint64_t *keys = dc_xmalloc(2 * (size_t)sz * sizeof *keys), files = 0, provs = 0;
        for (uint32_t k = 0; k < sz; k++) {
            const dc_record_t *rec = &run->recs[cl->members[cl->off[cc] + k]];
            keys[k] = rec->source;
            keys[sz + k] = rec->prov_src;
        }
        dc_sort_u64(keys, sz);
        dc_sort_u64(keys + sz, sz);
        for (uint32_t k = 0; k < sz; k++) {
            files += !k || keys[k] != keys[k - 1];
            provs += !k || keys[sz + k] != keys[sz + k - 1];
        }
        free(keys);
        dc_citizen_t cit;
        dc_merge_citizen_of(scr, run, cc, &cit);
        dc_buf_puts(b, "<tr>");
        char key[DC_CITIZEN_KEY_LEN + 1] = "";
        if (cl->key) dc_citizen_key_format(cl->key[cc], key);
        dc_html_td(b, key);
        dc_html_td_u64(b, cl->off[cc + 1] - cl->off[cc]);
        dc_html_td_u64(b, files);
        dc_html_td_u64(b, provs);
        dc_buf_puts(b, "<td>");
        int any = 0;
        for (int f = 0; f < DC_CF__COUNT; f++)
            if (cit.flags & (1u << f)) {
                if (any++) dc_buf_puts(b, ", ");
                dc_html_escs(b, dc_merge_flag_name((dc_cflag_t)f));
            }
        dc_buf_puts(b, "</td></tr>\n");
    }
    dc_merge_scratch_free(scr);
    dc_html_table_end(b);
    dc_buf_puts(b, "</section>\n");
}

static void conflicts(rep_t *r)
{
    const dc_merge_state_t *ms = r->run->merge;
    dc_buf_t *b = r->b;
    section(b, "conflicts", "Survivorship conflicts by kind");
    dc_chart_row_t rows[DC_CF__COUNT];
    memset(rows, 0, sizeof rows);
    for (int f = 0; f < DC_CF__COUNT; f++) {
        rows[f].label = dc_merge_flag_name((dc_cflag_t)f);
        rows[f].v[0] = ms ? (double)ms->conflicts[f] : 0;
    }
    dc_buf_puts(b, "<p class=\"note\">");
    dc_html_count(b, ms ? ms->citizens_flagged : 0);
    dc_buf_puts(b, " of ");
    dc_html_count(b, ms ? ms->ncit : 0);
    dc_buf_puts(b, " citizens carry at least one conflict; the rules that settled them are in docs/OUTPUTS.md.</p>\n");
    dc_chart_t c = {.id = "conflicts-chart", .title = "Citizens per conflict flag", .kind = DC_CHART_STACKED,
                    .series = {"citizens"}};
    dc_html_hbars(b, &c, rows, DC_CF__COUNT);
    static const char *const h[] = {"flag", "#citizens", "#share of citizens %"};
    dc_html_table_begin(b, "conflicts-chart-table", h, 3);
    for (int f = 0; f < DC_CF__COUNT; f++) {
        uint64_t v = ms ? ms->conflicts[f] : 0;
        dc_buf_puts(b, "<tr>");
        dc_html_td(b, dc_merge_flag_name((dc_cflag_t)f));
        dc_html_td_u64(b, v);
        dc_html_td_f(b, pct(v, ms ? ms->ncit : 0), 3);
        dc_buf_puts(b, "</tr>\n");
    }
    dc_html_table_end(b);
    dc_buf_puts(b, "</section>\n");
}

static void quality(rep_t *r)
{
    dc_buf_t *b = r->b;
    section(b, "quality", "Data quality per province");
    dc_quality_t *q = dc_report_quality(r->run);
    char ptext[256][48];
    dc_chart_row_t prow[256];
    dc_buf_t plab[256];
    int order[256];
    memset(prow, 0, sizeof prow);
    memset(plab, 0, sizeof plab);
    size_t np = 0;
    for (int p = 1; p <= 256; p++) {
        int pp = p & 255;
        const uint64_t *c = q->c[pp];
        if (!c[DC_Q_ROWS]) continue;
        order[np] = pp;
        prov_label(r, pp, &plab[np]);
        prow[np].label = plab[np].p;
        prow[np].v[0] = pct(c[DC_Q_ID12_INVALID] + c[DC_Q_ID12_INCONSISTENT], c[DC_Q_ROWS]);
        prow[np].v[1] = pct(c[DC_Q_DOB_INVALID], c[DC_Q_ROWS]);
        prow[np].v[2] = pct(c[DC_Q_ADDR_UNMATCHED], c[DC_Q_ROWS]);
        snprintf(ptext[np], sizeof ptext[np], "%.1f / %.1f / %.1f", prow[np].v[0], prow[np].v[1], prow[np].v[2]);
        prow[np].text = ptext[np];
        np++;
    }
    dc_chart_t c = {.id = "quality-chart", .title = "Problems per 100 rows, by province",
                    .series = {"invalid or contradictory IDs", "unparsed birth dates", "unmatched addresses"},
                    .kind = DC_CHART_GROUPED, .decimals = 1,
                    .note = "Shares of the province's linked rows; the table has every count and sorts on "
                            "any column (click its header)."};
    if (np) dc_html_hbars(b, &c, prow, np);
    static const char *const h[] = {"province", "#rows", "#ID missing", "#ID invalid", "#ID contradicts sex/year",
                                    "#old ID invalid", "#birth date missing", "#birth date unparsed",
                                    "#birth date ambiguous", "#year only", "#sex unknown", "#name without diacritics",
                                    "#name placeholder", "#address unmatched", "#address ambiguous (2025)",
                                    "#problem rows %"};
    dc_html_table_begin(b, "quality-chart-table", h, 16);
    for (size_t i = 0; i < np; i++) {
        const uint64_t *cc = q->c[order[i]];
        dc_buf_puts(b, "<tr>");
        dc_html_td(b, plab[i].p);
        for (int k = 0; k < DC_Q__COUNT; k++) dc_html_td_u64(b, cc[k]);
        dc_html_td_f(b, prow[i].v[0] + prow[i].v[1] + prow[i].v[2], 2);
        dc_buf_puts(b, "</tr>\n");
        dc_buf_free(&plab[i]);
    }
    dc_html_table_end(b);
    p_note(b, "Problem rows %: invalid or contradictory IDs, unparsed birth dates and unmatched addresses per "
              "100 rows (a row with several problems counts several times).");
    free(q);
    dc_buf_puts(b, "</section>\n");
}

static void stages(rep_t *r)
{
    const dc_run_t *run = r->run;
    dc_buf_t *b = r->b;
    section(b, "stages", "Stage times and memory");
    dc_buf_puts(b, DC_HTML_VOLATILE_BEGIN "\n");
    dc_chart_row_t rows[DC_MAX_STAGES];
    memset(rows, 0, sizeof rows);
    double total = 0;
    size_t peak = 0;
    for (int s = 0; s < run->nstages; s++) {
        rows[s].label = run->stages[s].name;
        rows[s].v[0] = run->stages[s].seconds;
        total += run->stages[s].seconds;
        peak = DC_MAX(peak, run->stages[s].peak_rss);
    }
    dc_chart_t c = {.id = "stages-chart", .title = "Seconds per stage", .kind = DC_CHART_STACKED,
                    .series = {"seconds"}, .decimals = 2};
    if (run->nstages) dc_html_hbars(b, &c, rows, (size_t)run->nstages);
    static const char *const h[] = {"stage", "#seconds", "#rows", "#rows per second", "#peak memory MiB"};
    dc_html_table_begin(b, "stages-chart-table", h, 5);
    for (int s = 0; s < run->nstages; s++) {
        const dc_stage_t *st = &run->stages[s];
        dc_buf_puts(b, "<tr>");
        dc_html_td(b, st->name);
        dc_html_td_f(b, st->seconds, 3);
        dc_html_td_u64(b, st->rows);
        dc_html_td_f(b, st->seconds > 0 ? (double)st->rows / st->seconds : 0, 0);
        dc_html_td_f(b, (double)st->peak_rss / 1048576.0, 1);
        dc_buf_puts(b, "</tr>\n");
    }
    dc_html_table_end(b);
    dc_buf_printf(b, "<p class=\"note\">%.2f s in the stages above; peak memory %.1f MiB (before the outputs "
                     "were committed).</p>\n",
                  total, (double)peak / 1048576.0);
    dc_buf_puts(b, DC_HTML_VOLATILE_END "\n</section>\n");
}

void dc_report_html(const dc_run_t *run, dc_buf_t *out)
{
    rep_t r;
    memset(&r, 0, sizeof r);
    r.run = run;
    r.b = out;
    r.gz = run->norm ? dc_norm_gazetteer(run->norm) : NULL;
    compute(&r);
    dc_html_begin(out, "dancu run report", NULL);
    head(&r);
    reconciliation(&r);
    rejects(&r);
    inputs(&r);
    if (run->match) {
        blocking(&r);
        model(&r);
    }
    clusters(&r);
    conflicts(&r);
    quality(&r);
    stages(&r);
    dc_html_end(out, NULL);
    free(r.src_prov);
}

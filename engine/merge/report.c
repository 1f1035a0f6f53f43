/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report.c - OUTDIR/report.json and the end-of-run summary.
 *
 * The report holds counts, codes, timings and file names only: no name,
 * ID number or address of any person. Its schema is in docs/OUTPUTS.md.
 * Everything but "stages" (timings, memory) and "run.threads" is
 * deterministic for given inputs and options.
 */
#include "merge/dc_merge.h"
#include "match/dc_match.h"
#include "common/dc_json.h"

#include <stdlib.h>   /* free */
#include <string.h>   /* strlen */

/* The report is written with the JSON writer (common/dc_json.h), every
 * container one member per line. */
#define KS(j, k, v) (dc_jw_key(j, k), jw_str(j, v))

static void jw_str(dc_jw_t *j, const char *s) { dc_jw_str(j, s ? s : ""); }

/* ------------------------------------------------------------ figures */

int dc_report_size_bin(uint32_t size)
{
    static const uint32_t upper[DC_REPORT_NBINS] = {1, 2, 3, 4, 5, 10, 20, 50, 100, UINT32_MAX};
    int b = 0;
    while (size > upper[b]) b++;
    return b;
}

void dc_report_totals_add(dc_cluster_totals_t *t, uint32_t size)
{
    int b = dc_report_size_bin(size);
    t->hist[b]++;
    t->rows[b] += size;
    t->citizens++;
    t->records += size;
    if (size > t->max_size) t->max_size = size, t->max_count = 0;
    t->max_count += size == t->max_size;
}

void dc_report_cluster_totals(const dc_clusters_t *cl, dc_cluster_totals_t *t)
{
    memset(t, 0, sizeof *t);
    for (uint32_t c = 0; cl->off && c < cl->ncl; c++) dc_report_totals_add(t, cl->off[c + 1] - cl->off[c]);
}

void dc_report_totals(const dc_run_t *run, dc_cluster_totals_t *t)
{
    if (run->totals) *t = *run->totals;
    else dc_report_cluster_totals(&run->cl, t);
}

const char *const dc_report_hist_labels[DC_REPORT_NBINS] = {"1", "2", "3", "4", "5", "6-10",
                                                          "11-20", "21-50", "51-100", ">100"};

double dc_report_reject_rate(const dc_run_t *run)
{
    return run->load.rows_in ? (double)run->load.rows_rejected / (double)run->load.rows_in : 0.0;
}

/* Data quality per source province, from record flags (dc_merge.h). */
const char *const dc_report_quality_names[DC_Q__COUNT] = {
    "rows", "id12_missing", "id12_invalid", "id12_inconsistent", "cmnd_invalid",
    "dob_missing", "dob_invalid", "dob_ambiguous", "dob_year_only", "sex_unknown",
    "name_no_diacritics", "name_placeholder", "address_unmatched", "address_ambiguous_2025",
};

typedef struct qjob {
    const dc_run_t *run;
    dc_quality_t *part;   /* per thread */
} qjob_t;

static void quality_part(void *ctx, int tid, int nth)
{
    qjob_t *j = ctx;
    size_t n = j->run->nrec, a = n * (size_t)tid / (size_t)nth, b = n * (size_t)(tid + 1) / (size_t)nth;
    uint64_t (*q)[DC_Q__COUNT] = j->part[tid].c;
    for (size_t i = a; i < b; i++) {
        const dc_record_t *r = &j->run->recs[i];
        uint64_t *c = q[r->prov_src];
        c[DC_Q_ROWS]++;
        if (!(r->id12_flags & DC_ID_PRESENT) && !r->id12) c[DC_Q_ID12_MISSING]++;
        else if (!(r->id12_flags & DC_ID_VALID)) c[DC_Q_ID12_INVALID]++;
        else if (r->id12_flags & (DC_ID_SEX_MISMATCH | DC_ID_YEAR_MISMATCH)) c[DC_Q_ID12_INCONSISTENT]++;
        if ((r->cmnd_flags & DC_ID_PRESENT) && !(r->cmnd_flags & DC_ID_VALID)) c[DC_Q_CMND_INVALID]++;
        if (r->dob.flags & DC_DATE_INVALID) c[DC_Q_DOB_INVALID]++;
        else if (r->dob.prec == DC_PREC_NONE) c[DC_Q_DOB_MISSING]++;
        else if (r->dob.prec == DC_PREC_YEAR) c[DC_Q_DOB_YEAR_ONLY]++;
        if (r->dob.flags & DC_DATE_AMBIGUOUS) c[DC_Q_DOB_AMBIGUOUS]++;
        if (r->sex != DC_SEX_MALE && r->sex != DC_SEX_FEMALE) c[DC_Q_SEX_UNKNOWN]++;
        if (r->name.flags & DC_NAME_NO_DIACRITICS) c[DC_Q_NAME_NO_DIACRITICS]++;
        if (r->name.flags & DC_NAME_PLACEHOLDER) c[DC_Q_NAME_PLACEHOLDER]++;
        if ((r->hometown.flags | r->perm.flags | r->cur.flags) & DC_ADDR_UNMATCHED) c[DC_Q_ADDR_UNMATCHED]++;
        if ((r->hometown.flags | r->perm.flags | r->cur.flags) & DC_ADDR_AMBIGUOUS_NEW) c[DC_Q_ADDR_AMBIGUOUS_NEW]++;
    }
}

dc_quality_t *dc_report_quality(const dc_run_t *run)
{
    int nth = run->opts.nthreads > 0 ? run->opts.nthreads : dc_nthreads_default();
    if ((size_t)nth > run->nrec / 65536 + 1) nth = (int)(run->nrec / 65536 + 1);
    qjob_t q = {run, dc_xcalloc((size_t)nth, sizeof *q.part)};
    dc_pool_run(nth, quality_part, &q);
    for (int t = 1; t < nth; t++)
        for (int p = 0; p < 256; p++)
            for (int k = 0; k < DC_Q__COUNT; k++) q.part[0].c[p][k] += q.part[t].c[p][k];
    dc_quality_t *out = dc_xmalloc(sizeof *out);
    memcpy(out, &q.part[0], sizeof *out);
    free(q.part);
    return out;
}

static void report_quality(const dc_run_t *run, dc_jw_t *j)
{
    dc_quality_t *q = dc_report_quality(run);
    dc_jw_open(j, '[', DC_JW_LINES);
    /* known provinces by code, then records of unknown province */
    for (int pass = 0; pass < 2; pass++)
        for (int p = pass ? 0 : 1; p < (pass ? 1 : 256); p++) {
            const uint64_t *c = q->c[p];
            if (!c[DC_Q_ROWS]) continue;
            dc_jw_open(j, '{', DC_JW_LINES);
            dc_jw_key(j, "province");
            if (p) {
                char code[16];
                snprintf(code, sizeof code, "%02d", p);
                jw_str(j, code);
            } else {
                dc_jw_null(j);
            }
            for (int k = 0; k < DC_Q__COUNT; k++) dc_jw_kv_u64(j, dc_report_quality_names[k], c[k]);
            dc_jw_close(j);
        }
    dc_jw_close(j);
    free(q);
}

static void report_inputs(const dc_run_t *run, dc_jw_t *j)
{
    dc_jw_open(j, '[', DC_JW_LINES);
    for (uint32_t s = 0; s < run->load.nsources; s++) {
        const dc_source_info_t *src = &run->load.sources[s];
        dc_jw_open(j, '{', DC_JW_LINES);
        dc_jw_kv_u64(j, "index", src->index);
        KS(j, "path", src->path);
        KS(j, "source", src->name);
        KS(j, "record_identity", src->id_is_line ? "line" : "record_id");
        KS(j, "compression", src->compression);
        KS(j, "encoding", dc_encoding_name(src->encoding));
        dc_jw_key(j, "encoding_confidence");
        dc_jw_fixed(j, src->encoding_confidence, 3);
        char d[2] = {src->delimiter, 0};
        KS(j, "delimiter", src->delimiter == '\t' ? "\\t" : d);
        dc_jw_key(j, "bom");
        dc_jw_bool(j, src->has_bom);
        dc_jw_key(j, "crlf");
        dc_jw_bool(j, src->crlf);
        dc_jw_kv_u64(j, "bytes", src->bytes_in);
        dc_jw_kv_u64(j, "rows", src->rows_in);
        dc_jw_kv_u64(j, "accepted", src->rows_ok);
        uint64_t rej = 0;
        for (int r = 0; r < DC_REJ__COUNT; r++) rej += src->rejected[r];
        dc_jw_kv_u64(j, "rejected", rej);
        dc_jw_key(j, "rejected_by_reason");
        dc_jw_open(j, '{', DC_JW_LINES);
        for (int r = 0; r < DC_REJ__COUNT; r++)
            if (src->rejected[r]) dc_jw_kv_u64(j, dc_reject_reason_name((dc_reject_reason_t)r), src->rejected[r]);
        dc_jw_close(j);
        dc_jw_key(j, "header");
        dc_jw_open(j, '[', DC_JW_LINES);
        for (uint32_t c = 0; c < src->ncols; c++) {
            dc_jw_open(j, '{', DC_JW_LINES);
            KS(j, "column", src->col_names ? src->col_names[c] : "");
            dc_jw_key(j, "field");
            int f = src->col_field ? src->col_field[c] : -1;
            if (f >= 0 && f < DC_F__COUNT) jw_str(j, dc_field_name((dc_field_t)f));
            else dc_jw_null(j);
            dc_jw_close(j);
        }
        dc_jw_close(j);
        dc_jw_close(j);
    }
    dc_jw_close(j);
}

/* Blocking (pairs per rule, caps applied), the model's parameters and
 * clustering, from the match stage's state. */
static void report_match(const dc_run_t *run, dc_jw_t *j)
{
    const dc_match_state_t *ms = run->match;
    dc_jw_key(j, "blocking");
    dc_jw_open(j, '{', DC_JW_LINES);
    dc_jw_kv_u64(j, "candidate_pairs", ms->bstats.pairs);
    dc_jw_kv_u64(j, "rule_pairs", ms->bstats.raw_pairs);
    dc_jw_kv_u64(j, "dropped_cannot_link", ms->bstats.dropped_cannot_link);
    dc_jw_kv_u64(j, "max_block", ms->rules.max_block);
    dc_jw_kv_u64(j, "window", ms->rules.window);
    dc_jw_key(j, "seconds");
    dc_jw_fixed(j, ms->bstats.seconds, 3);
    dc_jw_key(j, "rules");
    dc_jw_open(j, '[', DC_JW_LINES);
    for (size_t r = 0; r < ms->bstats.nrules; r++) {
        const dc_rule_stats_t *rs = &ms->bstats.rule[r];
        dc_jw_open(j, '{', DC_JW_LINES);
        KS(j, "rule", r < ms->rules.n ? ms->rules.r[r].text : "");
        const char *name[DC_RULE_STATS_NFIELDS];
        uint64_t val[DC_RULE_STATS_NFIELDS];
        dc_rule_stats_fields(rs, name, val);
        for (int f = 0; f < DC_RULE_STATS_NFIELDS; f++) dc_jw_kv_u64(j, name[f], val[f]);
        dc_jw_key(j, "seconds");
        dc_jw_fixed(j, rs->seconds, 3);
        dc_jw_close(j);
    }
    dc_jw_close(j);
    dc_jw_close(j);

    dc_jw_key(j, "model");
    /* the members of model.json, indented as in model.json (as ever) */
    dc_buf_t mb = DC_BUF_INIT;
    dc_jw_t mj;
    dc_jw_init(&mj, &mb, 0);
    dc_jw_open(&mj, '{', DC_JW_LINES);
    dc_model_json(&ms->model, &mj);
    dc_jw_close(&mj);
    dc_jw_raw(j, mb.p, mb.len);
    dc_buf_free(&mb);

    dc_jw_key(j, "clustering");
    dc_jw_open(j, '{', DC_JW_LINES);
    dc_jw_kv_u64(j, "pairs_accepted", ms->cstats.accepted);
    dc_jw_kv_u64(j, "unions", ms->cstats.unions);
    dc_jw_kv_u64(j, "unions_refused_cannot_link", ms->cstats.refused);
    dc_jw_kv_u64(j, "clusters", ms->cstats.clusters);
    dc_jw_kv_u64(j, "singletons", ms->cstats.singletons);
    dc_jw_kv_u64(j, "largest", ms->cstats.largest);
    dc_jw_kv_u64(j, "review_pairs", ms->review_rows);
    dc_jw_key(j, "match_weight");
    dc_jw_fixed(j, ms->match_weight, 4);
    dc_jw_key(j, "review_weight");
    dc_jw_fixed(j, ms->review_weight, 4);
    dc_jw_close(j);

    /* candidate pairs by match weight: bin k holds [lo + k w, lo + (k + 1) w) */
    dc_jw_key(j, "match_weight_histogram");
    dc_jw_open(j, '{', DC_JW_LINES);
    dc_jw_key(j, "lo");
    dc_jw_fixed(j, DC_WHIST_LO, 0);
    dc_jw_key(j, "bin_width");
    dc_jw_fixed(j, DC_WHIST_WIDTH, 0);
    dc_jw_key(j, "counts");
    dc_buf_t hb = DC_BUF_INIT;
    dc_buf_putc(&hb, '[');
    for (int k = 0; k < DC_WHIST_NBINS; k++) {
        if (k) dc_buf_puts(&hb, ", ");
        dc_buf_putu64(&hb, ms->whist[k]);
    }
    dc_buf_putc(&hb, ']');
    dc_jw_raw(j, hb.p, hb.len);
    dc_buf_free(&hb);
    dc_jw_close(j);
}

void dc_report_json(const dc_run_t *run, dc_buf_t *out)
{
    dc_jw_t jj, *j = &jj;
    dc_jw_init(j, out, 0);
    const dc_load_stats_t *ld = &run->load;
    double rr = dc_report_reject_rate(run);
    int exceeded = run->opts.max_reject_rate <= 1.0 && rr > run->opts.max_reject_rate;

    dc_jw_open(j, '{', DC_JW_LINES);
    KS(j, "dancu_version", DC_VERSION);
    dc_jw_key(j, "run");
    dc_jw_open(j, '{', DC_JW_LINES);
    dc_jw_kv_u64(j, "threads", (uint64_t)(run->opts.nthreads > 0 ? run->opts.nthreads : dc_nthreads_default()));
    KS(j, "format", run->opts.jsonl ? "jsonl" : "csv");
    dc_jw_key(j, "compress");
    dc_jw_bool(j, run->opts.compress);
    dc_jw_key(j, "match_threshold");
    dc_jw_fixed(j, run->opts.match_threshold, 4);
    dc_jw_key(j, "review_threshold");
    dc_jw_fixed(j, run->opts.review_threshold, 4);
    dc_jw_key(j, "max_reject_rate");
    if (run->opts.max_reject_rate <= 1.0) dc_jw_fixed(j, run->opts.max_reject_rate, 4);
    else dc_jw_null(j);
    KS(j, "status", exceeded ? "failed: reject rate above --max-reject-rate" : "ok");
    dc_jw_close(j);

    dc_jw_key(j, "inputs");
    report_inputs(run, j);

    dc_jw_key(j, "stages");
    dc_jw_open(j, '[', DC_JW_LINES);
    for (int s = 0; s < run->nstages; s++) {
        dc_jw_open(j, '{', DC_JW_LINES);
        KS(j, "name", run->stages[s].name);
        dc_jw_key(j, "seconds");
        dc_jw_fixed(j, run->stages[s].seconds, 3);
        dc_jw_kv_u64(j, "rows", run->stages[s].rows);
        dc_jw_kv_u64(j, "peak_rss_bytes", run->stages[s].peak_rss);
        dc_jw_close(j);
    }
    dc_jw_close(j);

    if (run->match) report_match(run, j);

    dc_cluster_totals_t tot;
    dc_report_totals(run, &tot);
    dc_jw_key(j, "clusters");
    dc_jw_open(j, '{', DC_JW_LINES);
    dc_jw_kv_u64(j, "citizens", tot.citizens);
    dc_jw_kv_u64(j, "records", tot.records);
    dc_jw_kv_u64(j, "max_size", tot.max_size);
    dc_jw_key(j, "size_histogram");
    dc_jw_open(j, '{', DC_JW_LINES);
    for (int b = 0; b < DC_REPORT_NBINS; b++) dc_jw_kv_u64(j, dc_report_hist_labels[b], tot.hist[b]);
    dc_jw_close(j);
    dc_jw_close(j);

    dc_jw_key(j, "survivorship");
    dc_jw_open(j, '{', DC_JW_LINES);
    const dc_merge_state_t *ms = run->merge;
    dc_jw_kv_u64(j, "citizens", ms ? ms->ncit : 0);
    dc_jw_kv_u64(j, "citizens_with_conflicts", ms ? ms->citizens_flagged : 0);
    dc_jw_key(j, "flags");
    dc_jw_open(j, '{', DC_JW_LINES);
    for (int f = 0; f < DC_CF__COUNT; f++)
        dc_jw_kv_u64(j, dc_merge_flag_name((dc_cflag_t)f), ms ? ms->conflicts[f] : 0);
    dc_jw_close(j);
    dc_jw_close(j);

    dc_jw_key(j, "data_quality_by_province");
    report_quality(run, j);

    dc_jw_key(j, "reconciliation");
    dc_jw_open(j, '{', DC_JW_LINES);
    dc_jw_kv_u64(j, "input_rows", ld->rows_in);
    dc_jw_kv_u64(j, "linked_rows", dc_run_rows_linked(run));
    dc_jw_kv_u64(j, "rejected_rows", ld->rows_rejected);
    dc_jw_key(j, "balanced");
    dc_jw_bool(j, ld->rows_in == dc_run_rows_linked(run) + ld->rows_rejected);
    dc_jw_kv_u64(j, "citizens", tot.citizens);
    dc_jw_kv_u64(j, "duplicates_removed", tot.records - tot.citizens);
    dc_jw_key(j, "reject_rate");
    dc_jw_fixed(j, rr, 6);
    dc_jw_key(j, "reject_rate_exceeded");
    dc_jw_bool(j, exceeded);
    dc_jw_close(j);
    dc_jw_close(j);
    dc_buf_putc(out, '\n');
}

int dc_report_write(dc_run_t *run)
{
    dc_outfile_t *f = dc_output_file(run, "report.json");
    if (!f) return -1;
    dc_buf_t b = DC_BUF_INIT;
    dc_report_json(run, &b);
    int rc = dc_outfile_buf(f, &b);
    if (rc == 0) {
        dc_buf_clear(&b);
        dc_report_html(run, &b);
        f = dc_output_page(run, "report.html");
        rc = f ? dc_outfile_buf(f, &b) : -1;
    }
    if (rc == 0 && run->match) {
        dc_buf_clear(&b);
        dc_review_html(run, &b);
        f = dc_output_page(run, "review.html");
        rc = f ? dc_outfile_buf(f, &b) : -1;
    }
    dc_buf_free(&b);
    return rc;
}

/* --------------------------------------------------------------- summary */

static void fmt_count(char *buf, size_t cap, uint64_t v)
{
    char d[32];
    int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v);
    size_t k = 0;
    for (int i = 0; i < n && k + 2 < cap; i++) {
        if (i && (n - i) % 3 == 0) buf[k++] = ',';
        buf[k++] = d[i];
    }
    buf[k] = '\0';
}

void dc_report_summary(const dc_run_t *run, FILE *out)
{
    const dc_load_stats_t *ld = &run->load;
    char a[32], b[32], c[32];
    dc_cluster_totals_t tot;
    dc_report_totals(run, &tot);
    double total = 0;
    for (int s = 0; s < run->nstages; s++) total += run->stages[s].seconds;
    size_t peak = 0;
    for (int s = 0; s < run->nstages; s++) peak = DC_MAX(peak, run->stages[s].peak_rss);

    fprintf(out, "dancu run summary\n");
    fmt_count(a, sizeof a, ld->rows_in);
    fprintf(out, "  inputs      %u file%s, %s rows\n", ld->nsources, ld->nsources == 1 ? "" : "s", a);
    uint32_t by_line = 0;
    for (uint32_t s = 0; s < ld->nsources; s++) by_line += ld->sources[s].id_is_line != 0;
    if (by_line)
        fprintf(out, "  identity    %u file%s without a record_id column: rows identified by their line number\n",
                by_line, by_line == 1 ? "" : "s");
    fmt_count(a, sizeof a, ld->rows_ok);
    fmt_count(b, sizeof b, ld->rows_rejected);
    fprintf(out, "  accepted    %s   rejected %s (%.2f%%)\n", a, b, 100.0 * dc_report_reject_rate(run));
    fmt_count(a, sizeof a, tot.citizens);
    fmt_count(b, sizeof b, tot.records - tot.citizens);
    fprintf(out, "  citizens    %s   duplicates removed %s\n", a, b);
    if (run->match) {
        fmt_count(a, sizeof a, run->match->bstats.pairs);
        fmt_count(b, sizeof b, run->match->cstats.accepted);
        fmt_count(c, sizeof c, run->match->review_rows);
        fprintf(out, "  matching    %s candidate pairs, %s links, %s for review\n", a, b, c);
    }
    if (run->merge) {
        fmt_count(a, sizeof a, run->merge->citizens_flagged);
        fmt_count(b, sizeof b, run->merge->conflicts[DC_CF_ID12_CONFLICT]);
        fmt_count(c, sizeof c, run->merge->conflicts[DC_CF_DOB_CONFLICT]);
        fprintf(out, "  conflicts   %s citizens (two IDs %s, birth dates %s)\n", a, b, c);
    }
    fprintf(out, "  reconciled  %s\n",
            ld->rows_in == dc_run_rows_linked(run) + ld->rows_rejected ? "yes: input = linked + rejected"
                                                      : "NO: input != linked + rejected");
    fprintf(out, "  time        %.2f s   peak memory %.1f MiB\n", total, (double)peak / 1048576.0);
    if (run->opts.outdir) fprintf(out, "  outputs     %s/\n", run->opts.outdir);
}

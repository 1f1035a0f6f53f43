/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_blocks.c - `dancu blocks`: load and normalize inputs, run the
 * blocking rules only, and print what each rule produced; with --truth,
 * which true pairs each rule finds, finds first, and finds alone.
 *
 * It is the tool for designing blocking rules (docs/MATCHING.md): it
 * costs the load and blocking stages of a run, not the comparison,
 * scoring, clustering and writing of every pair. It prints counts only,
 * never a row's values.
 */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "match/dc_match.h"
#include "run/dc_run.h"

#include <stdlib.h>    /* free */
#include <string.h>    /* strcmp */

static const dc_cmd_opt_t blocks_opts[] = {
    {DC_OPT_THREADS, NULL, NULL, NULL},
    {DC_OPT_RULES, NULL, NULL, NULL},
    {DC_OPT_TRUTH, NULL, NULL, NULL},
    {DC_OPT_JSON, NULL, "print one JSON object", NULL},
    {DC_OPT_QUIET, NULL, "print errors only (besides the result)", NULL},
    DC_CMD_OPTS_INPUT,
    DC_CMD_OPTS_NORM,
    {DC_OPT_HELP, NULL, NULL, NULL},
};

const dc_cmd_spec_t dc_spec_blocks = {
    "blocks", "[OPTIONS] FILE|DIR...",
    "show the candidate pairs of the blocking rules (and the true pairs they find)",
    "Load and normalize the inputs as dancu run does, build the candidate pairs of the blocking rules and "
    "print, per rule: records keyed, blocks, largest block, capped blocks, pairs and pairs new over the "
    "earlier rules. With --truth (as dancu eval): the true pairs each rule finds, finds first and finds "
    "alone, the share of true pairs among the candidates (pair completeness) and the share reachable "
    "through chains of found true pairs. Nothing is written; no comparison or scoring is done.",
    blocks_opts, DC_ARRAY_LEN(blocks_opts), NULL,
};

typedef struct {
    const dc_rules_t *rules;
    const dc_block_stats_t *bs;
    const dc_block_truth_t *bt;   /* NULL without --truth */
    size_t nrec, labelled;
} result_t;

static double ratio(uint64_t a, uint64_t b) { return b ? (double)a / (double)b : 0.0; }

static void print_text(const result_t *r, FILE *f)
{
    fprintf(f, "%-58s %9s %8s %7s %6s %10s %10s", "rule", "keyed", "blocks", "largest", "capped",
            "pairs", "new");
    if (r->bt) fprintf(f, " %9s %9s %7s", "true", "true_new", "only");
    fprintf(f, " %6s\n", "sec");
    for (size_t i = 0; i < r->rules->n; i++) {
        const dc_rule_stats_t *s = &r->bs->rule[i];
        fprintf(f, "%-58s %9llu %8llu %7llu %6llu %10llu %10llu", r->rules->r[i].text,
                (unsigned long long)s->keyed, (unsigned long long)s->blocks,
                (unsigned long long)s->largest, (unsigned long long)s->capped_blocks,
                (unsigned long long)s->pairs, (unsigned long long)s->pairs_new);
        if (r->bt) {
            const dc_block_truth_rule_t *t = &r->bt->rule[i];
            fprintf(f, " %9llu %9llu %7llu", (unsigned long long)t->true_pairs,
                    (unsigned long long)t->true_new, (unsigned long long)t->true_only);
        }
        fprintf(f, " %6.2f\n", s->seconds);
    }
    fprintf(f, "records %zu, pairs %llu, of which %llu cannot link: candidate pairs %llu (%.3f per record), "
               "blocking %.2f s\n", r->nrec, (unsigned long long)r->bs->raw_pairs,
            (unsigned long long)r->bs->dropped_cannot_link, (unsigned long long)r->bs->pairs,
            ratio(r->bs->pairs, r->nrec), r->bs->seconds);
    if (r->bt)
        fprintf(f,
                "truth: %zu records labelled, %llu true pairs; paired by a rule %llu; candidates %llu "
                "(completeness %.5f), reachable through found pairs %llu (%.5f), missed %llu\n",
                r->labelled, (unsigned long long)r->bt->true_pairs, (unsigned long long)r->bt->found_rules,
                (unsigned long long)r->bt->found,
                ratio(r->bt->found, r->bt->true_pairs), (unsigned long long)r->bt->found_transitive,
                ratio(r->bt->found_transitive, r->bt->true_pairs),
                (unsigned long long)(r->bt->true_pairs - r->bt->found));
}

static void print_json(const result_t *r, FILE *f)
{
    dc_buf_t b = DC_BUF_INIT;
    dc_jw_t jw, *j = &jw;
    dc_jw_init(j, &b, 0);
    dc_jw_open(j, '{', DC_JW_INLINE);
    dc_jw_kv_u64(j, "records", r->nrec);
    dc_jw_kv_u64(j, "rule_pairs", r->bs->raw_pairs);
    dc_jw_kv_u64(j, "dropped_cannot_link", r->bs->dropped_cannot_link);
    dc_jw_kv_u64(j, "pairs", r->bs->pairs);
    dc_jw_kv_fixed(j, "pairs_per_record", ratio(r->bs->pairs, r->nrec), 6);
    dc_jw_kv_fixed(j, "seconds", r->bs->seconds, 3);
    dc_jw_kv_u64(j, "max_block", r->rules->max_block);
    dc_jw_kv_u64(j, "window", r->rules->window);
    dc_jw_key(j, "rules");
    dc_jw_open(j, '[', DC_JW_INLINE);
    for (size_t i = 0; i < r->rules->n; i++) {
        const dc_rule_stats_t *s = &r->bs->rule[i];
        dc_jw_open(j, '{', DC_JW_INLINE);
        dc_jw_key(j, "rule");
        dc_jw_str(j, r->rules->r[i].text);
        dc_rule_stats_json(s, j);
        dc_jw_kv_fixed(j, "seconds", s->seconds, 3);
        if (r->bt) {
            const dc_block_truth_rule_t *t = &r->bt->rule[i];
            dc_jw_kv_u64(j, "true_pairs", t->true_pairs);
            dc_jw_kv_u64(j, "true_pairs_new", t->true_new);
            dc_jw_kv_u64(j, "true_pairs_only", t->true_only);
        }
        dc_jw_close(j);
    }
    dc_jw_close(j);
    if (r->bt) {
        dc_jw_key(j, "truth");
        dc_jw_open(j, '{', DC_JW_INLINE);
        dc_jw_kv_u64(j, "labelled_records", r->labelled);
        dc_jw_kv_u64(j, "true_pairs", r->bt->true_pairs);
        dc_jw_kv_u64(j, "found_by_rules", r->bt->found_rules);
        dc_jw_kv_u64(j, "found", r->bt->found);
        dc_jw_kv_fixed(j, "completeness", ratio(r->bt->found, r->bt->true_pairs), 6);
        dc_jw_kv_u64(j, "found_transitive", r->bt->found_transitive);
        dc_jw_kv_fixed(j, "completeness_transitive", ratio(r->bt->found_transitive, r->bt->true_pairs), 6);
        dc_jw_close(j);
    }
    dc_jw_close(j);
    dc_buf_putc(&b, '\n');
    fwrite(b.p, 1, b.len, f);
    dc_buf_free(&b);
}

/* Label of every record from the truth (0: not in the truth). */
static uint64_t *record_labels(const dc_run_t *run, const dc_cli_label_t *t, size_t nt, size_t *labelled)
{
    uint64_t *lab = dc_xcalloc(run->nrec ? run->nrec : 1, sizeof *lab);
    *labelled = 0;
    for (size_t i = 0; i < run->nrec; i++) {
        const dc_record_t *r = &run->recs[i];
        const char *src = r->source < run->load.nsources && run->load.sources[r->source].name
                              ? run->load.sources[r->source].name : "";
        size_t nr = 0;
        const char *rid = dc_intern_str(run->in, r->record_id, &nr);
        uint64_t k = dc_cli_row_key(src, strlen(src), rid ? rid : "", rid ? nr : 0);
        size_t lo = 0, hi = nt;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (t[mid].key < k) lo = mid + 1;
            else hi = mid;
        }
        if (lo < nt && t[lo].key == k) {
            lab[i] = t[lo].label ? t[lo].label : 1;
            (*labelled)++;
        }
    }
    return lab;
}

/* The command's run options (the loader's and the normalizer's). */
static void opts_from_cli(const dc_optvals_t *v, dc_run_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->max_reject_rate = 2.0;
    o->norm.century_pivot = 30;
    if (v->set[DC_OPT_THREADS]) o->nthreads = (int)v->num[DC_OPT_THREADS];
    o->rules_file = v->str[DC_OPT_RULES];
    dc_cli_load_opts(v, &o->load);
    o->load.nthreads = 0;
    dc_cli_norm_opts(v, &o->norm);
    o->load.mapping_file = v->str[DC_OPT_MAPPING];
    if (v->set[DC_OPT_SOURCE_NAMES]) o->source_naming = (dc_source_naming_t)v->num[DC_OPT_SOURCE_NAMES];
    o->quiet = v->set[DC_OPT_QUIET] != 0;
    dc_log_level = o->quiet ? 0 : 1;
}

/* The rules (the file, or the defaults) and the truth when given.
 * @return 0, or -1 (dc_seterr) with nothing left to free. */
static int read_rules_truth(const char *rules_file, const char *truth, dc_rules_t *rules, dc_cli_label_t **t,
                            size_t *nt)
{
    if (rules_file ? dc_rules_load(rules_file, rules)
                   : dc_rules_parse(dc_rules_default_text(), "default rules", rules))
        return -1;
    if (truth && dc_cli_read_labels(truth, "person_id", t, nt)) {
        dc_rules_free(rules);
        return -1;
    }
    return 0;
}

/* Candidate pairs as `dancu run` makes them: exact copies are joined to
 * their first row and not blocked; with a truth (bt), their joins count as
 * candidates. */
static void block_all(dc_run_t *run, const dc_rules_t *rules, dc_block_truth_t *bt, uint64_t **pairs,
                      dc_block_stats_t *bs)
{
    uint32_t *rep = dc_xmalloc((run->nrec ? run->nrec : 1) * sizeof *rep);
    size_t ncopies = dc_match_dedup(run->recs, run->nrec, run->opts.nthreads, rep);
    size_t npairs = dc_block_pairs_rep(run->recs, run->nrec, run->in, rules, run->opts.nthreads, rep,
                                       bt ? dc_block_truth_rule : NULL, bt, pairs, bs);
    if (bt) {
        uint64_t *cp = dc_xmalloc((ncopies + 1) * sizeof *cp);
        size_t nc = 0;
        for (size_t i = 0; i < run->nrec; i++)
            if (rep[i] != i) cp[nc++] = (uint64_t)rep[i] << 32 | i;
        dc_block_truth_finish_joins(bt, *pairs, npairs, cp, nc);
        free(cp);
    }
    free(rep);
}

int dc_cmd_blocks(int argc, char **argv)
{
    dc_optvals_t v;
    int prc = dc_cli_parse(&dc_spec_blocks, argc, argv, &v);
    if (prc) {
        dc_optvals_free(&v);
        return prc < 0 ? DC_EXIT_OK : prc;
    }
    dc_run_opts_t o;
    opts_from_cli(&v, &o);
    const char *truth = v.str[DC_OPT_TRUTH];
    int json = v.set[DC_OPT_JSON] != 0, quiet = o.quiet;
    dc_source_naming_t naming = o.source_naming;
    if (v.argi >= argc) {
        dc_optvals_free(&v);
        return dc_cli_usage_error("blocks", "no input file");
    }
    char **maps;
    size_t nmaps;
    if (dc_cli_mappings(&v, &maps, &nmaps)) {
        dc_error("%s", dc_geterr());
        dc_optvals_free(&v);
        return DC_EXIT_FAIL;
    }
    o.load.mappings = (const char *const *)maps;
    int first = v.argi;
    dc_optvals_free(&v);
    dc_cli_inputs_t inputs;
    int irc = dc_cli_inputs((const char *const *)argv + first, (size_t)(argc - first), naming, &inputs);
    if (irc) {
        dc_error("%s", dc_geterr());
        dc_cli_mappings_free(maps, nmaps);
        return irc;
    }
    dc_rules_t rules;
    dc_cli_label_t *t = NULL;
    size_t nt = 0;
    if (read_rules_truth(o.rules_file, truth, &rules, &t, &nt)) {
        dc_error("%s", dc_geterr());
        dc_cli_inputs_free(&inputs);
        dc_cli_mappings_free(maps, nmaps);
        return DC_EXIT_FAIL;
    }
    dc_rules_use(&rules);   /* the extra columns the rules may key on are read by the load */
    o.load.names_optional = rules.names_optional;   /* the rows `dancu run` would keep */
    o.norm.min_year = rules.dob_min_year;           /* and read their dates alike */
    int rc = DC_EXIT_FAIL;
    dc_run_t run;
    dc_run_init(&run, &o);
    dc_progress_init(!quiet);
    uint64_t *labels = NULL, *pairs = NULL;
    dc_block_truth_t bt = {0};
    dc_block_stats_t bs = {0};
    result_t res = {&rules, &bs, NULL, 0, 0};
    if (dc_run_load(&run, inputs.paths, inputs.n) ||
        (truth && dc_block_truth_init(&bt, labels = record_labels(&run, t, nt, &res.labelled), run.nrec, rules.n))) {
        dc_error("%s", dc_geterr());
        goto done;
    }
    res.nrec = run.nrec;
    if (truth) res.bt = &bt;
    block_all(&run, &rules, truth ? &bt : NULL, &pairs, &bs);
    if (json) print_json(&res, stdout);
    else print_text(&res, stdout);
    rc = DC_EXIT_OK;
done:
    free(pairs);
    free(labels);
    free(t);
    dc_block_truth_free(&bt);
    dc_block_stats_free(&bs);
    dc_rules_free(&rules);
    dc_run_free(&run);
    dc_cli_inputs_free(&inputs);
    dc_cli_mappings_free(maps, nmaps);
    return rc;
}

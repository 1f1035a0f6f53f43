/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_run.c - `dancu run`: options into dc_run_opts_t, then the engine's
 * pipeline (engine/pipeline/dc_pipeline.h) does the run.
 */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "match/dc_match.h"
#include "merge/dc_merge.h"
#include "pipeline/dc_pipeline.h"
#include "deliver/dc_deliver.h"

#include <stdlib.h>    /* free */
#include <string.h>    /* memset */

static const dc_cmd_opt_t run_opts[] = {
    {DC_OPT_OUTPUT, "DIR", "output folder (created; must be empty unless --force)", NULL},
    {DC_OPT_THREADS, NULL, NULL, NULL},
    {DC_OPT_FORCE, NULL, NULL, NULL},
    {DC_OPT_QUIET, NULL, NULL, NULL},
    {DC_OPT_VERBOSE, NULL, "more messages (per stage and per blocking rule)", NULL},
    {DC_OPT_FORMAT, NULL, NULL, NULL},
    {DC_OPT_COMPRESS, NULL, NULL, NULL},
    {DC_OPT_CSV_FORMULAS, NULL, NULL, NULL},
    {DC_OPT_MODEL, NULL, NULL, NULL},
    {DC_OPT_RULES, NULL, NULL, NULL},
    {DC_OPT_SCORES, NULL, NULL, NULL},
    {DC_OPT_LABELS, NULL, NULL, NULL},
    {DC_OPT_DELIVER, NULL, NULL, NULL},
    {DC_OPT_SCHEMA, NULL, "with --deliver: schema of the tables", NULL},
    {DC_OPT_MASTER, NULL, NULL, NULL},
    {DC_OPT_RETRAIN, NULL, NULL, NULL},
    {DC_OPT_MATCH_THRESHOLD, NULL, NULL, NULL},
    {DC_OPT_REVIEW_THRESHOLD, NULL, NULL, NULL},
    {DC_OPT_MAX_REJECT_RATE, NULL, NULL, NULL},
    {DC_OPT_MEMORY_LIMIT, NULL, NULL, NULL},
    {DC_OPT_OUT_OF_CORE, NULL, NULL, NULL},
    {DC_OPT_TMP_DIR, NULL, NULL, NULL},
    {DC_OPT_RESUME, NULL, NULL, NULL},
    {DC_OPT_PROGRESS, NULL, NULL, NULL},
    DC_CMD_OPTS_INPUT,
    DC_CMD_OPTS_NORM,
    {DC_OPT_HELP, NULL, NULL, NULL},
};

const dc_cmd_spec_t dc_spec_run = {
    "run", "-o OUTDIR [OPTIONS] FILE|DIR...", "load, normalize, match and merge: one record per citizen",
    "Load provincial exports (a DIR stands for its files, not hidden, not recursive, in name order; - is "
    "standard input), normalize them, find the rows that describe the same citizen and write one golden "
    "record per citizen. Outputs in OUTDIR: citizens, links (one row per accepted input row), review "
    "(pairs in the review band), rejects, model.json, report.json, report.html, review.html, and _SUCCESS "
    "last. Nothing is written unless the whole run succeeds. With --master DIR the files are one delivery "
    "of a national load: they are matched with the citizens of the master, which keeps their keys; the "
    "outputs then hold the citizens this load touched and changes.csv (docs/MASTER.md).",
    run_opts, DC_ARRAY_LEN(run_opts), NULL,
};

/* The run's options from the parsed command line (the default memory cap
 * included). */
static void opts_from_cli(const dc_optvals_t *v, dc_run_opts_t *o)
{
    dc_pipeline_opts_defaults(o);
    o->outdir = v->str[DC_OPT_OUTPUT];
    if (v->set[DC_OPT_THREADS]) o->nthreads = (int)v->num[DC_OPT_THREADS];
    o->force = v->set[DC_OPT_FORCE] != 0;
    o->quiet = v->set[DC_OPT_QUIET] != 0;
    o->jsonl = v->set[DC_OPT_FORMAT] && v->num[DC_OPT_FORMAT] == 1;
    o->compress = v->set[DC_OPT_COMPRESS] != 0;
    o->model_in = v->str[DC_OPT_MODEL];
    o->rules_file = v->str[DC_OPT_RULES];
    o->write_scores = v->set[DC_OPT_SCORES] != 0;
    o->labels_file = v->str[DC_OPT_LABELS];
    o->master_dir = v->str[DC_OPT_MASTER];
    o->retrain = v->set[DC_OPT_RETRAIN] != 0;
    if (v->set[DC_OPT_MATCH_THRESHOLD]) o->match_threshold = v->num[DC_OPT_MATCH_THRESHOLD];
    if (v->set[DC_OPT_REVIEW_THRESHOLD]) o->review_threshold = v->num[DC_OPT_REVIEW_THRESHOLD];
    o->match_threshold_given = v->set[DC_OPT_MATCH_THRESHOLD] != 0;
    o->review_threshold_given = v->set[DC_OPT_REVIEW_THRESHOLD] != 0;
    if (v->set[DC_OPT_MAX_REJECT_RATE]) o->max_reject_rate = v->num[DC_OPT_MAX_REJECT_RATE];
    if (v->set[DC_OPT_MEMORY_LIMIT]) {
        o->memory_limit = (size_t)v->u64[DC_OPT_MEMORY_LIMIT];
    } else {   /* the default cap: a share of the memory this process may use */
        uint64_t base = 0;
        /* test hook: a meminfo file standing for this machine's, no cgroup */
        const char *fake = getenv("DANCU_TEST_MEMINFO");
        static const char *const no_cgroup[] = {NULL};
        o->memory_limit = dc_memory_default_limit(fake, fake ? no_cgroup : NULL, &base);
        o->memory_limit_default = o->memory_limit != 0;
        char a[32], b[32];
        if (o->memory_limit)
            dc_log(2, "memory limit %s (%.0f%% of %s; --memory-limit SIZE or none to change it)",
                   dc_format_size(o->memory_limit, a), DC_MEMORY_DEFAULT_SHARE * 100, dc_format_size(base, b));
    }
    if (v->set[DC_OPT_OUT_OF_CORE]) o->out_of_core = (int)v->num[DC_OPT_OUT_OF_CORE];   /* DC_OOC_* order */
    o->tmp_dir = v->str[DC_OPT_TMP_DIR];
    o->resume = v->set[DC_OPT_RESUME] != 0;
    if (v->set[DC_OPT_CSV_FORMULAS]) dc_table_formula_mode(v->str[DC_OPT_CSV_FORMULAS]);
    if (v->set[DC_OPT_SOURCE_NAMES]) o->source_naming = (dc_source_naming_t)v->num[DC_OPT_SOURCE_NAMES];
    dc_cli_load_opts(v, &o->load);
    o->load.nthreads = 0;   /* the run passes its own */
    o->load.mapping_file = v->str[DC_OPT_MAPPING];
    dc_cli_norm_opts(v, &o->norm);
}

int dc_cmd_run(int argc, char **argv)
{
    dc_optvals_t v;
    int prc = dc_cli_parse(&dc_spec_run, argc, argv, &v);
    if (prc) {
        dc_optvals_free(&v);
        return prc < 0 ? DC_EXIT_OK : prc;
    }
    dc_cli_log_level(&v);
    dc_run_opts_t o;
    opts_from_cli(&v, &o);
    int progress = v.set[DC_OPT_PROGRESS] ? (int)v.num[DC_OPT_PROGRESS] : 0;   /* auto, json, none */
    int bad = 0;
    if (!o.outdir) bad = dc_cli_usage_error("run", "-o OUTDIR is required");
    else if (v.argi >= argc) bad = dc_cli_usage_error("run", "no input file");
    else if (o.retrain && !o.master_dir) bad = dc_cli_usage_error("run", "--retrain needs --master DIR");
    else if (o.resume && o.master_dir)
        bad = dc_cli_usage_error("run", "--resume is not available with --master (a load into a master is atomic: "
                                        "run it again)");
    else if (v.set[DC_OPT_SCHEMA] && !v.set[DC_OPT_DELIVER]) bad = dc_cli_usage_error("run", "--schema needs --deliver");
    else if (o.match_threshold_given && o.review_threshold_given && o.review_threshold > o.match_threshold)
        bad = dc_cli_usage_error("run", "--review-threshold must not exceed --match-threshold");
    if (bad) {
        dc_optvals_free(&v);
        return bad;
    }
    dc_cli_log_level(&v);
    char **maps;
    size_t nmaps;
    if (dc_cli_mappings(&v, &maps, &nmaps)) {
        dc_error("%s", dc_geterr());
        dc_optvals_free(&v);
        return DC_EXIT_FAIL;
    }
    o.load.mappings = (const char *const *)maps;
    dc_cli_inputs_t inputs;
    int irc = dc_cli_inputs((const char *const *)argv + v.argi, (size_t)(argc - v.argi), o.source_naming, &inputs);
    if (irc) {
        dc_error("%s", dc_geterr());
        dc_cli_mappings_free(maps, nmaps);
        dc_optvals_free(&v);
        return irc;
    }
    const char *const *paths = inputs.paths;
    size_t npaths = inputs.n;

    dc_run_t run;
    dc_run_init(&run, &o);
    dc_progress_init(!o.quiet && progress == 0);   /* --progress auto|json|none */
    if (progress == 1) dc_progress_json();
    int rc = dc_pipeline_run(&run, paths, npaths);
    if (rc) dc_error("%s", dc_geterr());
    else if (!o.quiet) dc_report_summary(&run, stderr);
    if (rc == 0 && v.set[DC_OPT_DELIVER]) {
        /* the outputs are committed (_SUCCESS): deliver the folder as it is */
        dc_deliver_opts_t d = {.outdir = o.outdir, .conninfo = v.str[DC_OPT_DELIVER], .log_level = o.quiet ? 0 : 1,
                               .csv_raw = !dc_table_formula_guard, .schema = v.str[DC_OPT_SCHEMA]};
        rc = dc_deliver(&d, NULL);
        if (rc) dc_error("%s (the run's outputs are complete in %s)", dc_geterr(), o.outdir);
    }
    dc_pipeline_free(&run);
    dc_cli_inputs_free(&inputs);
    dc_cli_mappings_free(maps, nmaps);
    dc_optvals_free(&v);
    return rc ? DC_EXIT_FAIL : DC_EXIT_OK;
}

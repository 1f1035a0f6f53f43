/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_master.c - `dancu master info DIR` and `dancu master export DIR -o
 * OUT`: what a persistent master holds, and its full citizens and links
 * laid out as a batch run's (engine/master, docs/MASTER.md).
 */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "master/dc_master.h"
#include "match/dc_match.h"
#include "merge/dc_merge.h"
#include "pipeline/dc_pipeline.h"

#include <stdio.h>    /* stdout */
#include <string.h>   /* strcmp */

static const dc_cmd_opt_t master_opts[] = {
    {DC_OPT_OUTPUT, "DIR", "export: output folder (created; must be empty unless --force)", NULL},
    {DC_OPT_JSON, NULL, "info: print JSON", NULL},
    {DC_OPT_THREADS, NULL, NULL, NULL},
    {DC_OPT_FORCE, NULL, NULL, NULL},
    {DC_OPT_FORMAT, NULL, NULL, NULL},
    {DC_OPT_COMPRESS, NULL, NULL, NULL},
    {DC_OPT_CSV_FORMULAS, NULL, NULL, NULL},
    {DC_OPT_QUIET, NULL, NULL, NULL},
    {DC_OPT_VERBOSE, NULL, NULL, NULL},
    {DC_OPT_HELP, NULL, NULL, NULL},
};

const dc_cmd_spec_t dc_spec_master = {
    "master", "info MASTER | export MASTER -o OUTDIR", "show or export a persistent master",
    "A master (dancu run --master MASTER) holds a national load delivery by delivery: the rows of every "
    "source, their citizens with stable keys, the model. 'info' prints its generation, sources, rows, "
    "citizens and keys issued. 'export' writes the full citizens and links tables of its current "
    "generation into OUTDIR, laid out exactly as a batch run's, then _SUCCESS (docs/MASTER.md).",
    master_opts, DC_ARRAY_LEN(master_opts),
    "Exit status: 0 success, 1 failure (a damaged or foreign master is refused), 2 usage error.",
};

static int export(const dc_optvals_t *v, const char *dir)
{
    dc_run_opts_t o;
    memset(&o, 0, sizeof o);
    o.outdir = v->str[DC_OPT_OUTPUT];
    o.master_dir = dir;
    if (v->set[DC_OPT_THREADS]) o.nthreads = (int)v->num[DC_OPT_THREADS];
    o.force = v->set[DC_OPT_FORCE] != 0;
    o.quiet = v->set[DC_OPT_QUIET] != 0;
    o.jsonl = v->set[DC_OPT_FORMAT] && v->num[DC_OPT_FORMAT] == 1;
    o.compress = v->set[DC_OPT_COMPRESS] != 0;
    o.max_reject_rate = 2.0;
    o.match_threshold = DC_MATCH_THRESHOLD_DEFAULT;
    o.review_threshold = DC_REVIEW_THRESHOLD_DEFAULT;
    o.norm.century_pivot = 30;
    if (v->set[DC_OPT_CSV_FORMULAS]) dc_table_formula_mode(v->str[DC_OPT_CSV_FORMULAS]);
    dc_run_t run;
    dc_run_init(&run, &o);
    int rc = dc_pipeline_export(&run);
    if (rc) dc_error("%s", dc_geterr());
    else if (!o.quiet)
        fprintf(stderr, "dancu master export: %u citizens, %zu rows into %s\n", run.cl.ncl, run.nrec, o.outdir);
    dc_pipeline_free(&run);
    return rc ? DC_EXIT_FAIL : DC_EXIT_OK;
}

int dc_cmd_master(int argc, char **argv)
{
    dc_optvals_t v;
    int prc = dc_cli_parse(&dc_spec_master, argc, argv, &v);
    if (prc) {
        dc_optvals_free(&v);
        return prc < 0 ? DC_EXIT_OK : prc;
    }
    dc_cli_log_level(&v);
    int rc;
    const char *what = v.argi < argc ? argv[v.argi] : NULL;
    if (!what || v.argi + 2 != argc) rc = dc_cli_usage_error("master", "expected: info MASTER, or export MASTER -o OUTDIR");
    else if (!strcmp(what, "info")) {
        rc = dc_master_info(argv[v.argi + 1], v.set[DC_OPT_JSON] != 0, stdout) ? DC_EXIT_FAIL : DC_EXIT_OK;
        if (rc) dc_error("%s", dc_geterr());
    } else if (!strcmp(what, "export")) {
        rc = v.str[DC_OPT_OUTPUT] ? export(&v, argv[v.argi + 1])
                                  : dc_cli_usage_error("master", "export needs -o OUTDIR");
    } else {
        rc = dc_cli_usage_error("master", "unknown action '%s' (info or export)", what);
    }
    dc_optvals_free(&v);
    return rc;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_deliver.c - `dancu deliver OUT --to URL`: a completed run output
 * folder into PostgreSQL, all or nothing (engine/deliver, docs/DELIVERY.md).
 *
 * The connection string is given to libpq as it is (a postgresql:// URL or
 * "key=value" conninfo such as "service=national"); "" leaves everything to
 * the PG* environment and the service file. It is never printed: messages
 * show dc_deliver_target(), without the password.
 */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "deliver/dc_deliver.h"

#include <stdio.h>    /* fprintf */
#include <string.h>   /* strcmp */

static const dc_cmd_opt_t deliver_opts[] = {
    {DC_OPT_TO, NULL, NULL, NULL},          {DC_OPT_SCHEMA, NULL, NULL, NULL},
    {DC_OPT_RUN_ID, NULL, NULL, NULL},      {DC_OPT_REPLACE, NULL, NULL, NULL},
    {DC_OPT_VERIFY, NULL, NULL, NULL},      {DC_OPT_COPY_FORMAT, NULL, NULL, NULL},
    {DC_OPT_CSV_FORMULAS, NULL,
     "how the run wrote its CSV (dancu run --csv-formulas): escape: the single quote put before string "
     "cells that start with = + - @ ' is removed; raw: cells are taken as they are", NULL},
    {DC_OPT_QUIET, NULL, NULL, NULL},       {DC_OPT_HELP, NULL, NULL, NULL},
};

const dc_cmd_spec_t dc_spec_deliver = {
    "deliver", "OUT --to CONNINFO [OPTIONS]", "deliver a run's outputs into PostgreSQL, all or nothing",
    "Deliver the outputs of a completed run (OUT/_SUCCESS) into PostgreSQL, in one transaction: the tables "
    "citizens, links, review, rejects, changes and runs of one schema, created when missing "
    "(docs/DELIVERY.md). A full run replaces citizens, links, review and rejects; a folder with changes.csv "
    "is applied as a change set. A run already delivered is refused unless --replace.",
    deliver_opts, DC_ARRAY_LEN(deliver_opts),
    "Exit status: 0 delivered, 1 failure (nothing delivered), 2 usage error.",
};

int dc_cmd_deliver(int argc, char **argv)
{
    dc_optvals_t v;
    int prc = dc_cli_parse(&dc_spec_deliver, argc, argv, &v);
    dc_optvals_free(&v);
    if (prc) return prc < 0 ? DC_EXIT_OK : prc;
    if (!v.set[DC_OPT_TO]) return dc_cli_usage_error("deliver", "--to CONNINFO is required");
    if (v.argi + 1 != argc) return dc_cli_usage_error("deliver", "one output folder is required");
    dc_deliver_opts_t o = {0};
    o.log_level = v.set[DC_OPT_QUIET] ? 0 : 1;
    o.conninfo = v.str[DC_OPT_TO];
    o.schema = v.str[DC_OPT_SCHEMA];
    o.run_id = v.str[DC_OPT_RUN_ID];
    o.replace = v.set[DC_OPT_REPLACE] != 0;
    o.verify = v.set[DC_OPT_VERIFY] != 0;
    o.binary = v.set[DC_OPT_COPY_FORMAT] && v.num[DC_OPT_COPY_FORMAT] == 1;
    o.csv_raw = v.set[DC_OPT_CSV_FORMULAS] && v.num[DC_OPT_CSV_FORMULAS] == 1;
    if (o.schema && !*o.schema) return dc_cli_usage_error("deliver", "--schema is empty");
    o.outdir = argv[v.argi];
    dc_deliver_stats_t st;
    if (dc_deliver(&o, &st) != 0) {
        dc_error("%s", dc_geterr());
        return DC_EXIT_FAIL;
    }
    return DC_EXIT_OK;
}

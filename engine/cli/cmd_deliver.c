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

#include <getopt.h>   /* getopt_long */
#include <stdio.h>    /* fprintf */
#include <string.h>   /* strcmp */

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: dancu deliver OUT --to CONNINFO [OPTIONS]\n"
            "\n"
            "Deliver the outputs of a completed run (OUT/_SUCCESS) into PostgreSQL, in one\n"
            "transaction: the tables citizens, links, review, rejects, changes and runs of\n"
            "one schema, created when missing (docs/DELIVERY.md). A full run replaces\n"
            "citizens, links, review and rejects; a folder with changes.csv is applied as a\n"
            "change set. A run already delivered is refused unless --replace.\n"
            "\n"
            "Options:\n"
            "  --to CONNINFO     postgresql://USER@HOST:PORT/DB URL or libpq conninfo\n"
            "                    ('service=NAME', 'host=... dbname=...'); '' = the PG*\n"
            "                    environment variables. Passwords: the URL, PGPASSWORD,\n"
            "                    ~/.pgpass or the service file; never printed\n"
            "  --schema NAME     schema of the tables (default dancu)\n"
            "  --run-id ID       the run's id in the runs table (default: the checksum of\n"
            "                    the delivered tables)\n"
            "  --replace         deliver a run id that was already delivered\n"
            "  --verify          change set: check that citizens and links then equal the\n"
            "                    folder's tables (the full export), else deliver nothing\n"
            "  --copy-format csv|binary  how CSV tables travel: streamed as they are, or\n"
            "                    converted to COPY's binary format [default: csv]\n"
            "  --csv-formulas escape|raw  how the run wrote its CSV (dancu run --csv-formulas):\n"
            "                    escape (default): the single quote put before string\n"
            "                    cells that start with = + - @ ' is removed; raw: cells\n"
            "                    are taken as they are\n"
            "  -q, --quiet       print errors only\n"
            "  -h, --help        show this help\n"
            "\n"
            "Exit status: 0 delivered, 1 failure (nothing delivered), 2 usage error.\n");
}

int dc_cmd_deliver(int argc, char **argv)
{
    enum { O_TO = 256, O_SCHEMA, O_RUNID, O_REPLACE, O_VERIFY, O_COPY, O_FORMULAS };
    static const struct option lopts[] = {
        {"to", required_argument, NULL, O_TO},          {"schema", required_argument, NULL, O_SCHEMA},
        {"run-id", required_argument, NULL, O_RUNID},   {"replace", no_argument, NULL, O_REPLACE},
        {"verify", no_argument, NULL, O_VERIFY},        {"quiet", no_argument, NULL, 'q'},
        {"copy-format", required_argument, NULL, O_COPY},
        {"csv-formulas", required_argument, NULL, O_FORMULAS},
        {"help", no_argument, NULL, 'h'},               {NULL, 0, NULL, 0},
    };
    dc_deliver_opts_t o = {0};
    o.log_level = 1;
    int c, have_to = 0;
    while ((c = getopt_long(argc, argv, "qh", lopts, NULL)) != -1) {
        switch (c) {
        case O_TO: o.conninfo = optarg; have_to = 1; break;
        case O_SCHEMA: o.schema = optarg; break;
        case O_RUNID: o.run_id = optarg; break;
        case O_REPLACE: o.replace = 1; break;
        case O_VERIFY: o.verify = 1; break;
        case O_COPY:
            if (!strcmp(optarg, "csv")) o.binary = 0;
            else if (!strcmp(optarg, "binary")) o.binary = 1;
            else { fprintf(stderr, "dancu deliver: --copy-format must be csv or binary\n"); return DC_EXIT_USAGE; }
            break;
        case O_FORMULAS:
            if (!strcmp(optarg, "escape")) o.csv_raw = 0;
            else if (!strcmp(optarg, "raw")) o.csv_raw = 1;
            else { fprintf(stderr, "dancu deliver: --csv-formulas must be escape or raw\n"); return DC_EXIT_USAGE; }
            break;
        case 'q': o.log_level = 0; break;
        case 'h': usage(stdout); return DC_EXIT_OK;
        default: usage(stderr); return DC_EXIT_USAGE;
        }
    }
    if (!have_to || optind + 1 != argc) {
        fprintf(stderr, "dancu deliver: one output folder and --to are required\n\n");
        usage(stderr);
        return DC_EXIT_USAGE;
    }
    if (o.schema && !*o.schema) {
        fprintf(stderr, "dancu deliver: --schema is empty\n");
        return DC_EXIT_USAGE;
    }
    o.outdir = argv[optind];
    dc_deliver_stats_t st;
    if (dc_deliver(&o, &st) != 0) {
        dc_error("%s", dc_geterr());
        return DC_EXIT_FAIL;
    }
    return DC_EXIT_OK;
}

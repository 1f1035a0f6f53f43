/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_run.c - `dancu run`: options into dc_run_opts_t, then the engine's
 * pipeline (engine/pipeline/dc_pipeline.h) does the run.
 */
#include "dc_cli.h"
#include "common/dc_common.h"
#include "match/dc_match.h"
#include "merge/dc_merge.h"
#include "pipeline/dc_pipeline.h"

#include <errno.h>     /* errno */
#include <getopt.h>    /* getopt_long */
#include <math.h>      /* isfinite */
#include <stdlib.h>    /* strtod */
#include <string.h>    /* strcmp */

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: dancu run -o OUTDIR [OPTIONS] FILE|DIR...\n"
            "(a DIR stands for its files, not hidden, not recursive, in name order)\n"
            "\n"
            "Load provincial exports, normalize them, find the rows that describe the\n"
            "same citizen and write one golden record per citizen.\n"
            "\n"
            "Outputs (in OUTDIR): citizens, links (source,record_id,citizen_key,\n"
            "match_probability; one row per accepted input row, input order), review\n"
            "(pairs in the review band with per-field levels and weights), rejects,\n"
            "model.json, report.json, _SUCCESS.\n"
            "\n"
            "Options:\n"
            "  -o, --output DIR          output directory (created; must be empty unless --force)\n"
            "  -t, --threads N           worker threads (0 = all cores) [default: 0]\n"
            "      --force               write into a non-empty OUTDIR\n"
            "  -q, --quiet               print errors only\n"
            "  -v, --verbose             more messages (per stage and per blocking rule)\n"
            "      --format csv|jsonl    table format [default: csv]\n"
            "      --compress            zstd-compress the tables (.zst)\n"
            "      --model FILE          use this model.json instead of estimating one\n"
            "      --rules FILE          blocking rules (docs/MATCHING.md) [default: built in]\n"
            "      --match-threshold P   match probability for a link [default: %.2f]\n"
            "      --review-threshold P  lower bound of the review band [default: %.2f]\n"
            "      --max-reject-rate R   fail when rejected/input rows exceeds R (0..1)\n"
            "      --source-names base|path  name each source by its file's base name or by the path\n"
            "                            as given (without .zst/.gz) [default: base]; two inputs with\n"
            "                            one name are refused (exit 2)\n"
            "      --memory-limit SIZE   fail early (before loading, estimated from the input sizes) or as soon\n"
            "                            as the process grows past SIZE (e.g. 4G)\n"
            "      --progress WHAT       auto: a line on a terminal; json: one JSON line per second and\n"
            "                            per stage on stderr (even with -q); none [default: auto]\n"
            "Loader options:\n"
            "  -d, --delimiter C         field delimiter (, ; tab |) [default: detect]\n"
            "  -e, --encoding NAME       utf-8, tcvn3, vni, viscii, cp1258 [default: detect]\n"
            "      --mapping FILE        header mapping file (docs/INPUT.md)\n"
            "      --map COLUMN=FIELD    map one header column (repeatable)\n"
            "      --max-field BYTES     longest field accepted [default: 65536]\n"
            "Normalization options:\n"
            "      --ethnic-codes 1979|2008   meaning of numeric dan_toc codes\n"
            "      --sex-one male|female      meaning of gioi_tinh \"1\" [default: infer per file]\n"
            "      --century-pivot YY         dd/mm/yy: yy <= YY is 20yy [default: 30]\n"
            "      --ref-year YYYY            \"today\" for plausibility checks [default: 2026]\n"
            "  -h, --help                show this help\n"
            "\n"
            "Exit status: 0 success, 1 failure (nothing written), 2 usage error.\n",
            DC_MATCH_THRESHOLD_DEFAULT, DC_REVIEW_THRESHOLD_DEFAULT);
}

static int parse_prob(const char *s, double *out)
{
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (errno || *e || !isfinite(v) || v < 0 || v > 1) return -1;
    *out = v;
    return 0;
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (errno || *e || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

static int parse_size(const char *s, size_t *out)
{
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (errno || e == s || v < 0) return -1;
    double mul = 1;
    switch (*e) {
    case 0: break;
    case 'k': case 'K': mul = 1024.0; e++; break;
    case 'm': case 'M': mul = 1024.0 * 1024; e++; break;
    case 'g': case 'G': mul = 1024.0 * 1024 * 1024; e++; break;
    case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; e++; break;
    default: return -1;
    }
    if (*e == 'i' || *e == 'I') e++;
    if (*e == 'b' || *e == 'B') e++;
    if (*e) return -1;
    *out = (size_t)(v * mul);
    return 0;
}

int dc_cmd_run(int argc, char **argv)
{
    enum {
        O_FORCE = 256, O_FORMAT, O_COMPRESS, O_MODEL, O_RULES, O_MATCH, O_REVIEW, O_MAXREJ,
        O_MEM, O_MAPPING, O_MAP, O_MAXFIELD, O_ETHNIC, O_SEXONE, O_PIVOT, O_REFYEAR, O_SRCNAMES,
        O_PROGRESS,
    };
    static const struct option lopts[] = {
        {"output", required_argument, NULL, 'o'},     {"threads", required_argument, NULL, 't'},
        {"force", no_argument, NULL, O_FORCE},        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},          {"format", required_argument, NULL, O_FORMAT},
        {"compress", no_argument, NULL, O_COMPRESS},  {"model", required_argument, NULL, O_MODEL},
        {"rules", required_argument, NULL, O_RULES},  {"match-threshold", required_argument, NULL, O_MATCH},
        {"review-threshold", required_argument, NULL, O_REVIEW},
        {"max-reject-rate", required_argument, NULL, O_MAXREJ},
        {"memory-limit", required_argument, NULL, O_MEM},
        {"delimiter", required_argument, NULL, 'd'},  {"encoding", required_argument, NULL, 'e'},
        {"mapping", required_argument, NULL, O_MAPPING}, {"map", required_argument, NULL, O_MAP},
        {"max-field", required_argument, NULL, O_MAXFIELD},
        {"ethnic-codes", required_argument, NULL, O_ETHNIC}, {"sex-one", required_argument, NULL, O_SEXONE},
        {"century-pivot", required_argument, NULL, O_PIVOT}, {"ref-year", required_argument, NULL, O_REFYEAR},
        {"source-names", required_argument, NULL, O_SRCNAMES},
        {"progress", required_argument, NULL, O_PROGRESS},
        {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0},
    };
    dc_run_opts_t o;
    memset(&o, 0, sizeof o);
    o.nthreads = 0;
    o.max_reject_rate = 2.0;
    o.match_threshold = DC_MATCH_THRESHOLD_DEFAULT;
    o.review_threshold = DC_REVIEW_THRESHOLD_DEFAULT;
    o.norm.century_pivot = 30;
    const char **maps = NULL;
    size_t nmaps = 0, mapcap = 0;
    int verbose = 0, c, bad = 0, progress = 0;   /* 0 auto (terminal), 1 json, 2 none */
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:t:qvd:e:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'o': o.outdir = optarg; break;
        case 't':
            o.nthreads = dc_cli_threads(optarg);
            if (o.nthreads < 0) { fprintf(stderr, "dancu run: bad --threads '%s'\n", optarg); bad = 1; }
            break;
        case O_FORCE: o.force = 1; break;
        case 'q': o.quiet = 1; break;
        case 'v': verbose++; break;
        case O_FORMAT:
            if (!strcmp(optarg, "csv")) o.jsonl = 0;
            else if (!strcmp(optarg, "jsonl")) o.jsonl = 1;
            else { fprintf(stderr, "dancu run: --format must be csv or jsonl\n"); bad = 1; }
            break;
        case O_COMPRESS: o.compress = 1; break;
        case O_MODEL: o.model_in = optarg; break;
        case O_RULES: o.rules_file = optarg; break;
        case O_MATCH:
            if (parse_prob(optarg, &o.match_threshold)) { fprintf(stderr, "dancu run: --match-threshold must be in [0, 1]\n"); bad = 1; }
            break;
        case O_REVIEW:
            if (parse_prob(optarg, &o.review_threshold)) { fprintf(stderr, "dancu run: --review-threshold must be in [0, 1]\n"); bad = 1; }
            break;
        case O_MAXREJ:
            if (parse_prob(optarg, &o.max_reject_rate)) { fprintf(stderr, "dancu run: --max-reject-rate must be in [0, 1]\n"); bad = 1; }
            break;
        case O_MEM:
            if (parse_size(optarg, &o.memory_limit)) { fprintf(stderr, "dancu run: bad --memory-limit '%s'\n", optarg); bad = 1; }
            break;
        case 'd':
            if (!strcmp(optarg, "tab") || !strcmp(optarg, "\\t")) o.load.delimiter = '\t';
            else if (strlen(optarg) == 1 && strchr(",;\t|", optarg[0])) o.load.delimiter = optarg[0];
            else { fprintf(stderr, "dancu run: --delimiter must be one of , ; tab |\n"); bad = 1; }
            break;
        case 'e':
            if (dc_encoding_parse(optarg, &o.load.encoding)) { fprintf(stderr, "dancu run: unknown encoding '%s'\n", optarg); bad = 1; }
            break;
        case O_MAPPING: o.load.mapping_file = optarg; break;
        case O_MAP:
            maps = dc_grow(maps, &mapcap, nmaps + 2, sizeof *maps);
            maps[nmaps++] = optarg;
            maps[nmaps] = NULL;
            break;
        case O_MAXFIELD: {
            size_t v;
            if (parse_size(optarg, &v) || v < 16) { fprintf(stderr, "dancu run: bad --max-field\n"); bad = 1; }
            o.load.max_field = v;
            break;
        }
        case O_ETHNIC:
            if (!strcmp(optarg, "1979")) o.norm.ethnic_codes = 1979;
            else if (!strcmp(optarg, "2008")) o.norm.ethnic_codes = 2008;
            else { fprintf(stderr, "dancu run: --ethnic-codes must be 1979 or 2008\n"); bad = 1; }
            break;
        case O_SEXONE:
            if (!strcmp(optarg, "male")) o.norm.sex_one = 1;
            else if (!strcmp(optarg, "female")) o.norm.sex_one = 2;
            else { fprintf(stderr, "dancu run: --sex-one must be male or female\n"); bad = 1; }
            break;
        case O_PIVOT:
            if (parse_int(optarg, 0, 99, &o.norm.century_pivot)) { fprintf(stderr, "dancu run: --century-pivot must be 0..99\n"); bad = 1; }
            break;
        case O_REFYEAR:
            if (parse_int(optarg, 1900, 2200, &o.norm.ref_year)) { fprintf(stderr, "dancu run: bad --ref-year\n"); bad = 1; }
            break;
        case O_SRCNAMES:
            if (dc_source_naming_parse(optarg, &o.source_naming)) { fprintf(stderr, "dancu run: --source-names must be base or path\n"); bad = 1; }
            break;
        case O_PROGRESS:
            if (!strcmp(optarg, "auto")) progress = 0;
            else if (!strcmp(optarg, "json")) progress = 1;
            else if (!strcmp(optarg, "none")) progress = 2;
            else { fprintf(stderr, "dancu run: --progress must be auto, json or none\n"); bad = 1; }
            break;
        case 'h': usage(stdout); free(maps); return DC_EXIT_OK;
        default: bad = 1; break;
        }
    }
    if (!bad && !o.outdir) { fprintf(stderr, "dancu run: -o OUTDIR is required\n"); bad = 1; }
    if (!bad && optind >= argc) { fprintf(stderr, "dancu run: no input file\n"); bad = 1; }
    if (!bad && o.review_threshold > o.match_threshold) {
        fprintf(stderr, "dancu run: --review-threshold must not exceed --match-threshold\n");
        bad = 1;
    }
    if (bad) {
        usage(stderr);
        free(maps);
        return DC_EXIT_USAGE;
    }
    o.load.mappings = maps;
    dc_log_level = o.quiet ? 0 : 1 + verbose;
    dc_cli_inputs_t inputs;
    int irc = dc_cli_inputs((const char *const *)argv + optind, (size_t)(argc - optind), o.source_naming, &inputs);
    if (irc) {
        dc_error("%s", dc_geterr());
        free(maps);
        return irc;
    }
    const char *const *paths = inputs.paths;
    size_t npaths = inputs.n;

    dc_run_t run;
    dc_run_init(&run, &o);
    dc_progress_init(!o.quiet && progress == 0);
    if (progress == 1) dc_progress_json();
    int rc = dc_pipeline_run(&run, paths, npaths);
    if (rc) dc_error("%s", dc_geterr());
    else if (!o.quiet) dc_report_summary(&run, stderr);
    dc_pipeline_free(&run);
    dc_cli_inputs_free(&inputs);
    free(maps);
    return rc ? DC_EXIT_FAIL : DC_EXIT_OK;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * options.c - one command-line convention for every dancu command.
 *
 * DESIGN. One table (dc_opts) names every option once: long name, short
 * form, argument type, the library bounds it is checked against (each
 * module's *_param_bounds() next to its options struct), default and
 * help. A command (dc_cmd_spec_t) lists the options it takes; the same
 * option therefore has the same name, short form, argument syntax, bounds
 * and meaning in every command. From the same table come:
 *   - parsing (dc_cli_parse: getopt_long built from the command's list,
 *     every value checked by type and bounds),
 *   - usage errors: one line and a hint, exit status 2,
 *       dancu run: --century-pivot: 0 is not in 1..99
 *       Try 'dancu run --help'.
 *   - each command's --help (dc_cli_help; `dancu help COMMAND`),
 *   - the man page dancu(1) (`dancu --man`, built and installed by make),
 *   - bash completion (`dancu --completion bash`).
 * Argument conventions: sizes take K, M, G, T suffixes (powers of 1024,
 * optional "iB"/"B"); "-" is standard input for an input file and standard
 * output for a single output file, where a command allows it.
 */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "run/dc_run.h"
#include "gen/dc_gen.h"
#include "dc_loader_int.h"

#include <errno.h>    /* errno */
#include <getopt.h>   /* getopt_long */
#include <math.h>     /* isfinite */
#include <stdarg.h>   /* va_list */
#include <stdlib.h>   /* strtod */
#include <string.h>   /* strcmp */

/* Where an option's bounds come from. */
enum { B_NONE, B_THREADS, B_RUN, B_LOAD, B_NORM, B_GEN };

const dc_opt_t dc_opts[DC_OPT__COUNT] = {
    [DC_OPT_OUTPUT] = {"output", 'o', DC_ARG_PATH, "PATH", NULL, B_NONE, 0, NULL, "where to write"},
    [DC_OPT_THREADS] = {"threads", 't', DC_ARG_THREADS, "N", NULL, B_THREADS, 0, "0",
                        "worker threads (0 = all cores)"},
    [DC_OPT_FORCE] = {"force", 'f', DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL,
                      "write into a non-empty output folder, or over an existing output file"},
    [DC_OPT_QUIET] = {"quiet", 'q', DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL, "print errors only"},
    [DC_OPT_VERBOSE] = {"verbose", 'v', DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL, "more messages (repeatable)"},
    [DC_OPT_HELP] = {"help", 'h', DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL, "show this help"},
    [DC_OPT_FORMAT] = {"format", 0, DC_ARG_CHOICE, "FMT", "csv|jsonl", B_NONE, 0, "csv", "table format"},
    [DC_OPT_COMPRESS] = {"compress", 0, DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL, "zstd-compress the tables (.zst)"},
    [DC_OPT_MODEL] = {"model", 0, DC_ARG_FILE, "FILE", NULL, B_NONE, 0, NULL,
                      "use this model.json instead of estimating one"},
    [DC_OPT_RULES] = {"rules", 0, DC_ARG_FILE, "FILE", NULL, B_NONE, 0, "built in",
                      "the settings file: blocking rules, thresholds, cannot-link evidence, extra columns "
                      "(docs/SETTINGS.md)"},
    [DC_OPT_MATCH_THRESHOLD] = {"match-threshold", 0, DC_ARG_REAL, "P", NULL, B_RUN, DC_RUN_P_MATCH_THRESHOLD,
                                "0.9", "match probability for a link"},
    [DC_OPT_REVIEW_THRESHOLD] = {"review-threshold", 0, DC_ARG_REAL, "P", NULL, B_RUN, DC_RUN_P_REVIEW_THRESHOLD,
                                 "0.5", "lower bound of the review band (at most the match threshold)"},
    [DC_OPT_MAX_REJECT_RATE] = {"max-reject-rate", 0, DC_ARG_REAL, "R", NULL, B_RUN, DC_RUN_P_MAX_REJECT_RATE, NULL,
                                "fail when rejected / input rows exceeds R"},
    [DC_OPT_MEMORY_LIMIT] = {"memory-limit", 0, DC_ARG_SIZE, "SIZE", "none", B_RUN, DC_RUN_P_MEMORY_LIMIT,
                             "80% of physical memory or of the cgroup limit",
                             "fail early (estimated from the input sizes) or as soon as the process grows "
                             "past SIZE (e.g. 4G); 0 or none: no limit"},
    [DC_OPT_DELIMITER] = {"delimiter", 'd', DC_ARG_DELIM, "C", ",|;|tab||", B_NONE, 0, "detect",
                          "field delimiter: , ; | or tab"},
    [DC_OPT_ENCODING] = {"encoding", 'e', DC_ARG_ENCODING, "NAME", "auto|utf-8|tcvn3|vni|viscii|cp1258", B_NONE, 0,
                         "auto", "input encoding: auto, utf-8, tcvn3, vni, viscii, cp1258"},
    [DC_OPT_MAPPING] = {"mapping", 0, DC_ARG_FILE, "FILE", NULL, B_NONE, 0, NULL,
                        "header mapping file: CSV of column,field pairs (docs/INPUT.md)"},
    [DC_OPT_MAP] = {"map", 'm', DC_ARG_MAP, "COLUMN=FIELD", NULL, B_NONE, 0, NULL,
                    "map one header column to a field (repeatable; wins over --mapping)"},
    [DC_OPT_MAX_FIELD] = {"max-field", 0, DC_ARG_SIZE, "SIZE", NULL, B_LOAD, DC_LOAD_P_MAX_FIELD, "64K",
                          "longest field accepted (longer: the row is rejected)"},
    [DC_OPT_CHUNK_SIZE] = {"chunk-size", 0, DC_ARG_SIZE, "SIZE", NULL, B_LOAD, DC_LOAD_P_CHUNK_SIZE, "4M",
                           "bytes per parse chunk"},
    [DC_OPT_DRY_RUN] = {"dry-run", 0, DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL,
                        "read and check the inputs, write only the rejects and the report"},
    [DC_OPT_ETHNIC_CODES] = {"ethnic-codes", 0, DC_ARG_CHOICE, "LIST", "1979|2008", B_NONE, 0, NULL,
                             "numeric dan_toc codes follow the 1979 (QĐ 121) or the 2008 (QĐ 1019) list "
                             "(default: only the codes both lists agree on)"},
    [DC_OPT_SEX_ONE] = {"sex-one", 0, DC_ARG_CHOICE, "SEX", "male|female", B_NONE, 0, NULL,
                        "gioi_tinh \"1\" means male or female (default: inferred per file from the middle "
                        "names Văn/Thị)"},
    [DC_OPT_CENTURY_PIVOT] = {"century-pivot", 0, DC_ARG_INT, "YY", NULL, B_NORM, DC_NORM_P_CENTURY_PIVOT, "30",
                              "dd/mm/yy: yy <= YY is 20yy, else 19yy"},
    [DC_OPT_REF_YEAR] = {"ref-year", 0, DC_ARG_INT, "YYYY", NULL, B_NORM, DC_NORM_P_REF_YEAR, "2026",
                         "\"today\" for plausibility checks: later dates are invalid"},
    [DC_OPT_SOURCE_NAMES] = {"source-names", 0, DC_ARG_CHOICE, "HOW", "base|path", B_NONE, 0, "base",
                             "name each source by its file name or by its path as given"},
    [DC_OPT_PROGRESS] = {"progress", 0, DC_ARG_CHOICE, "HOW", "auto|json|none", B_NONE, 0, "auto",
                         "auto: a line on a terminal; json: one JSON line a second and per stage on "
                         "stderr (even with -q); none"},
    [DC_OPT_TIMING] = {"timing", 0, DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL,
                       "print the CPU time spent normalizing (rows per CPU-second)"},
    [DC_OPT_NO_CACHE] = {"no-cache", 0, DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL,
                         "do not cache results per distinct raw value (benchmarks)"},
    [DC_OPT_PEOPLE] = {"people", 'n', DC_ARG_INT, "N", NULL, B_GEN, DC_GEN_P_PEOPLE, "1000",
                       "people to generate (not rows)"},
    [DC_OPT_SEED] = {"seed", 's', DC_ARG_INT, "S", NULL, B_GEN, DC_GEN_P_SEED, "1", "random seed"},
    [DC_OPT_DUP_RATE] = {"dup-rate", 0, DC_ARG_REAL, "R", NULL, B_GEN, DC_GEN_P_DUP_RATE, "0.10",
                         "share of people with more than one row"},
    [DC_OPT_CORRUPT_RATE] = {"corrupt-rate", 0, DC_ARG_REAL, "R", NULL, B_GEN, DC_GEN_P_CORRUPT_RATE, "0.15",
                             "share of original rows with a corruption"},
    [DC_OPT_PROVINCES] = {"provinces", 0, DC_ARG_TEXT, "LIST", NULL, B_NONE, 0, "all 63",
                          "comma-separated pre-2025 GSO codes (01,79,...)"},
    [DC_OPT_STYLES] = {"styles", 0, DC_ARG_CHOICE, "S", "realistic|mixed|canonical", B_NONE, 0, "realistic",
                       "file styles: mixed has every header style, delimiter and encoding; canonical "
                       "the canonical header, comma, UTF-8, dd/mm/yyyy"},
    [DC_OPT_NO_LEGACY] = {"no-legacy", 0, DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL,
                          "write UTF-8 only (no TCVN3, VNI, VISCII, CP1258 files)"},
    [DC_OPT_TRUTH] = {"truth", 0, DC_ARG_FILE, "FILE", NULL, B_NONE, 0, NULL,
                      "ground truth: source,record_id,person_id (CSV or JSON Lines, optionally .zst)"},
    [DC_OPT_LINKS] = {"links", 0, DC_ARG_FILE, "FILE", NULL, B_NONE, 0, NULL, "links.csv of a run"},
    [DC_OPT_JSON] = {"json", 0, DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL, "print the result as JSON"},
    [DC_OPT_HTML] = {"html", 0, DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL, "write the result as an HTML page"},
    [DC_OPT_SCORES] = {"scores", 0, DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL,
                       "also write scores: every candidate pair with its match probability"},
    [DC_OPT_LABELS] = {"labels", 0, DC_ARG_FILE, "FILE", NULL, B_NONE, 0, NULL,
                       "decisions on pairs (source_a,record_id_a,source_b,record_id_b,decision = match | "
                       "non_match; review.html writes them): must-link and cannot-link constraints"},
    [DC_OPT_CSV_FORMULAS] = {"csv-formulas", 0, DC_ARG_CHOICE, "HOW", "escape|raw", B_NONE, 0, "escape",
                             "CSV cells starting with = + - @ TAB CR ' get a leading ' (spreadsheet formula "
                             "guard, docs/OUTPUTS.md)"},
    [DC_OPT_PROFILE] = {"profile", 0, DC_ARG_CHOICE, "P", "default|diverse", B_NONE, 0, "default",
                        "value diversity: diverse draws rarer names, minority and foreign names, more house "
                        "numbers, alleys and hamlets (docs/GENERATOR.md)"},
    [DC_OPT_CORRUPTION] = {"corruption", 0, DC_ARG_CHOICE, "C", "default|holdout", B_NONE, 0, "default",
                           "corruption profile: holdout is frozen and never tuned against (docs/GENERATOR.md)"},
    [DC_OPT_DELIVER] = {"deliver", 0, DC_ARG_TEXT, "CONNINFO", NULL, B_NONE, 0, NULL,
                        "after the run, deliver its outputs into PostgreSQL (dancu deliver)"},
    [DC_OPT_TO] = {"to", 0, DC_ARG_TEXT, "CONNINFO", NULL, B_NONE, 0, NULL,
                   "postgresql://USER@HOST:PORT/DB URL or libpq conninfo ('service=NAME'); '' = the PG* "
                   "environment. Passwords: the URL, PGPASSWORD, ~/.pgpass or the service file; never printed"},
    [DC_OPT_SCHEMA] = {"schema", 0, DC_ARG_TEXT, "NAME", NULL, B_NONE, 0, "dancu", "schema of the tables"},
    [DC_OPT_RUN_ID] = {"run-id", 0, DC_ARG_TEXT, "ID", NULL, B_NONE, 0, NULL,
                       "the run's id in the runs table (default: the checksum of the delivered tables)"},
    [DC_OPT_REPLACE] = {"replace", 0, DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL,
                        "deliver a run id that was already delivered"},
    [DC_OPT_VERIFY] = {"verify", 0, DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL,
                       "change set: check that citizens and links then equal the folder's tables (the full "
                       "export), else deliver nothing"},
    [DC_OPT_MASTER] = {"master", 0, DC_ARG_PATH, "DIR", NULL, B_NONE, 0, NULL,
                       "load into the persistent master DIR (created on the first load): stable citizen keys "
                       "across deliveries, changes.csv (docs/MASTER.md)"},
    [DC_OPT_RETRAIN] = {"retrain", 0, DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL,
                        "with --master: estimate a new model instead of using the master's"},
    [DC_OPT_COPY_FORMAT] = {"copy-format", 0, DC_ARG_CHOICE, "F", "csv|binary", B_NONE, 0, "csv",
                            "how CSV tables travel: streamed as they are, or converted to COPY's binary format"},
    [DC_OPT_OUT_OF_CORE] = {"out-of-core", 0, DC_ARG_CHOICE, "WHEN", "auto|always|never", B_NONE, 0, "auto",
                            "keep the records on disk (in --tmp-dir): auto when only that fits --memory-limit; "
                            "the outputs are the same either way"},
    [DC_OPT_TMP_DIR] = {"tmp-dir", 0, DC_ARG_PATH, "DIR", NULL, B_NONE, 0, "$TMPDIR, else the output folder's parent",
                        "where the out-of-core path and --resume keep their private temporary folders"},
    [DC_OPT_RESUME] = {"resume", 0, DC_ARG_NONE, NULL, NULL, B_NONE, 0, NULL,
                       "resumable: checkpoints after the load and after clustering in --tmp-dir; a run killed or "
                       "failed after one resumes from it when run again with --resume (docs/PERFORMANCE.md)"},
    [DC_OPT_SAMPLE_SIZE] = {"sample-size", 0, DC_ARG_INT, "N", NULL, B_RUN, DC_RUN_P_SAMPLE_SIZE, "200",
                            "rows to draw for labelling"},
};

int dc_opt_bounds(dc_opt_id_t id, dc_bounds_t *b)
{
    const dc_opt_t *o = &dc_opts[id];
    switch (o->bounds) {
    case B_THREADS: *b = dc_threads_bounds(); return 1;
    case B_RUN: *b = dc_run_param_bounds((dc_run_param_t)o->param); return 1;
    case B_LOAD: *b = dc_load_param_bounds((dc_load_param_t)o->param); return 1;
    case B_NORM: *b = dc_norm_param_bounds((dc_norm_param_t)o->param); return 1;
    case B_GEN: *b = dc_gen_param_bounds((dc_gen_param_t)o->param); return 1;
    default: return 0;
    }
}

/* ------------------------------------------------------------ errors */

int dc_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cmd) fprintf(stderr, "dancu %s: %s\nTry 'dancu %s --help'.\n", cmd, msg, cmd);
    else fprintf(stderr, "dancu: %s\nTry 'dancu --help'.\n", msg);
    return DC_EXIT_USAGE;
}

/* ------------------------------------------------------------ values */

int dc_cli_parse_size(const char *s, double *out)
{
    char *e;
    errno = 0;
    if (!*s || *s == '-' || *s == '+') return -1;
    double v = strtod(s, &e);
    if (errno || e == s || !isfinite(v) || v < 0) return -1;
    double mul = 1;
    switch (*e) {
    case 0: break;
    case 'k': case 'K': mul = 1024.0; e++; break;
    case 'm': case 'M': mul = 1024.0 * 1024; e++; break;
    case 'g': case 'G': mul = 1024.0 * 1024 * 1024; e++; break;
    case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; e++; break;
    default: return -1;
    }
    if (mul > 1 && (*e == 'i' || *e == 'I')) e++;
    if (*e == 'b' || *e == 'B') e++;
    if (*e) return -1;
    *out = v * mul;
    return 0;
}

static const char *choice_at(const char *choices, int k, size_t *len)
{
    const char *p = choices;
    for (int i = 0; i < k; i++) {
        p = strchr(p, '|');
        if (!p) return NULL;
        p++;
    }
    const char *e = strchr(p, '|');
    *len = e ? (size_t)(e - p) : strlen(p);
    return p;
}

/* Index of `s` among "a|b|c", or -1. */
static int choice_index(const char *choices, const char *s)
{
    size_t len;
    const char *p;
    for (int k = 0; (p = choice_at(choices, k, &len)); k++)
        if (strlen(s) == len && !memcmp(p, s, len)) return k;
    return -1;
}

static void fmt_bound(char *buf, size_t n, double v, dc_argtype_t t)
{
    if (t == DC_ARG_SIZE && v >= 1024 && fmod(v, 1024) == 0) {
        static const char sfx[] = "KMGTP";
        int k = -1;
        while (v >= 1024 && fmod(v, 1024) == 0 && k < 4) { v /= 1024; k++; }
        snprintf(buf, n, "%.0f%c", v, sfx[k]);
    } else if (v >= 18446744073709551615.0) {
        snprintf(buf, n, "2^64-1");
    } else {
        snprintf(buf, n, "%.15g", v);
    }
}

/* The arguments that are words: a choice, a delimiter, an encoding,
 * COLUMN=FIELD, text. */
static int check_word(const char *cmd, dc_opt_id_t id, const char *arg, dc_optvals_t *v)
{
    const dc_opt_t *o = &dc_opts[id];
    switch (o->type) {
    case DC_ARG_CHOICE: {
        int k = choice_index(o->choices, arg);
        if (k < 0) {
            char list[256];
            snprintf(list, sizeof list, "%s", o->choices);
            for (char *p = list; *p; p++) if (*p == '|') *p = ',';
            return dc_cli_usage_error(cmd, "--%s: '%s' is not one of %s", o->name, arg, list);
        }
        v->num[id] = k;
        return 0;
    }
    case DC_ARG_DELIM:
        if (!strcmp(arg, "tab") || !strcmp(arg, "\\t") || !strcmp(arg, "\t")) v->num[id] = '\t';
        else if (strlen(arg) == 1 && strchr(",;|", arg[0])) v->num[id] = arg[0];
        else return dc_cli_usage_error(cmd, "--%s: '%s' is not one of , ; | tab", o->name, arg);
        return 0;
    case DC_ARG_ENCODING: {
        dc_encoding_t enc;
        if (dc_encoding_parse(arg, &enc))
            return dc_cli_usage_error(cmd, "--%s: unknown encoding '%s' (auto, utf-8, tcvn3, vni, viscii, cp1258)",
                                      o->name, arg);
        v->num[id] = enc;
        return 0;
    }
    case DC_ARG_MAP:
        if (!strchr(arg, '=') || arg[0] == '=')
            return dc_cli_usage_error(cmd, "--%s: '%s' is not COLUMN=FIELD", o->name, arg);
        v->maps = dc_grow(v->maps, &v->mapcap, v->nmaps + 2, sizeof *v->maps);
        v->maps[v->nmaps++] = arg;
        v->maps[v->nmaps] = NULL;
        return 0;
    default:
        /* an empty argument is an error, except a connection string: '' is
         * libpq's "everything from the PG* environment" */
        if (!*arg && id != DC_OPT_TO && id != DC_OPT_DELIVER)
            return dc_cli_usage_error(cmd, "--%s: empty argument", o->name);
        return 0;
    }
}

static int check_value(const char *cmd, dc_opt_id_t id, const char *arg, dc_optvals_t *v)
{
    const dc_opt_t *o = &dc_opts[id];
    dc_bounds_t b;
    int hasb = dc_opt_bounds(id, &b);
    char lo[32], hi[32];
    if (hasb) {
        fmt_bound(lo, sizeof lo, b.lo, o->type);
        fmt_bound(hi, sizeof hi, b.hi, o->type);
    }
    switch (o->type) {
    case DC_ARG_INT:
    case DC_ARG_THREADS: {
        char *e;
        errno = 0;
        if (!*arg || strchr(arg, '.') || strchr(arg, 'e') || strchr(arg, 'E'))
            return dc_cli_usage_error(cmd, "--%s: '%s' is not a whole number", o->name, arg);
        double x = strtod(arg, &e);
        if (errno || *e || e == arg || !isfinite(x) || x != floor(x))
            return dc_cli_usage_error(cmd, "--%s: '%s' is not a whole number", o->name, arg);
        if (hasb && (x < b.lo || x > b.hi))
            return dc_cli_usage_error(cmd, "--%s: %s is not in %s..%s", o->name, arg, lo, hi);
        v->num[id] = x;
        if (o->type == DC_ARG_INT && x >= 0 && x < 18446744073709551615.0) {
            unsigned long long u = strtoull(arg, NULL, 10);   /* exact for large seeds */
            v->u64[id] = u;
        } else {
            v->u64[id] = (uint64_t)(x < 0 ? 0 : x);
        }
        if (o->type == DC_ARG_THREADS) v->num[id] = x == 0 ? dc_nthreads_default() : x;
        return 0;
    }
    case DC_ARG_REAL: {
        char *e;
        errno = 0;
        double x = strtod(arg, &e);
        if (errno || *e || e == arg || !isfinite(x))
            return dc_cli_usage_error(cmd, "--%s: '%s' is not a number", o->name, arg);
        if (hasb && (x < b.lo || x > b.hi))
            return dc_cli_usage_error(cmd, "--%s: %s is not in %s..%s", o->name, arg, lo, hi);
        v->num[id] = x;
        return 0;
    }
    case DC_ARG_SIZE: {
        double x;
        if (o->choices && !strcmp(o->choices, "none") && !strcmp(arg, "none")) {
            v->num[id] = 0;
            v->u64[id] = 0;
            return 0;
        }
        if (dc_cli_parse_size(arg, &x))
            return dc_cli_usage_error(cmd, "--%s: '%s' is not a size (a number with K, M, G or T)", o->name, arg);
        if (hasb && (x < b.lo || x > b.hi))
            return dc_cli_usage_error(cmd, "--%s: %s is not in %s..%s", o->name, arg, lo, hi);
        v->num[id] = x;
        v->u64[id] = (uint64_t)x;
        return 0;
    }
    default:
        return check_word(cmd, id, arg, v);
    }
}

int dc_cli_parse(const dc_cmd_spec_t *cmd, int argc, char **argv, dc_optvals_t *v)
{
    memset(v, 0, sizeof *v);
    struct option lopts[DC_OPT__COUNT + 1];
    char shorts[3 * DC_OPT__COUNT + 2];
    size_t nl = 0, ns = 0;
    shorts[ns++] = ':';   /* missing arguments reported as ':' */
    for (size_t i = 0; i < cmd->nopts; i++) {
        const dc_opt_t *o = &dc_opts[cmd->opts[i].id];
        lopts[nl].name = o->name;
        lopts[nl].has_arg = o->type == DC_ARG_NONE ? no_argument : required_argument;
        lopts[nl].flag = NULL;
        lopts[nl].val = 1000 + (int)cmd->opts[i].id;
        nl++;
        if (o->shrt) {
            shorts[ns++] = o->shrt;
            if (o->type != DC_ARG_NONE) shorts[ns++] = ':';
        }
    }
    memset(&lopts[nl], 0, sizeof lopts[nl]);
    shorts[ns] = 0;
    int c, li;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, lopts, &li)) != -1) {
        int id = -1;
        if (c >= 1000) {
            id = c - 1000;
        } else if (c == '?' || c == ':') {
            const char *bad = argv[optind - 1];
            if (c == ':') return dc_cli_usage_error(cmd->name, "%s needs an argument", bad);
            if (optopt && optopt < 1000) return dc_cli_usage_error(cmd->name, "unknown option -%c", optopt);
            return dc_cli_usage_error(cmd->name, "unknown option %s", bad);
        } else {
            for (size_t i = 0; i < cmd->nopts && id < 0; i++)
                if (dc_opts[cmd->opts[i].id].shrt == c) id = (int)cmd->opts[i].id;
        }
        if (id < 0) return dc_cli_usage_error(cmd->name, "unknown option");
        v->set[id]++;
        if (id == DC_OPT_HELP) {
            dc_cli_help(cmd, stdout);
            return -1;
        }
        if (dc_opts[id].type != DC_ARG_NONE) {
            v->str[id] = optarg;
            int rc = check_value(cmd->name, (dc_opt_id_t)id, optarg, v);
            if (rc) return rc;
        }
    }
    v->argi = optind;
    return 0;
}

void dc_optvals_free(dc_optvals_t *v)
{
    free(v->maps);
    v->maps = NULL;
}

/* ------------------------------------------------------------ help */

static void opt_left(const dc_opt_t *o, const char *metavar, char *buf, size_t n)
{
    const char *mv = metavar ? metavar : o->metavar;
    if (o->shrt) snprintf(buf, n, "-%c, --%s%s%s", o->shrt, o->name, mv ? " " : "", mv ? mv : "");
    else snprintf(buf, n, "    --%s%s%s", o->name, mv ? " " : "", mv ? mv : "");
}

/* The help sentence of an option in a command, with bounds and default. */
static void opt_help_text(const dc_cmd_opt_t *co, dc_buf_t *b)
{
    const dc_opt_t *o = &dc_opts[co->id];
    dc_buf_puts(b, co->help ? co->help : o->help);
    dc_bounds_t bd;
    if (dc_opt_bounds(co->id, &bd)) {
        char lo[32], hi[32];
        fmt_bound(lo, sizeof lo, bd.lo, o->type);
        fmt_bound(hi, sizeof hi, bd.hi, o->type);
        dc_buf_printf(b, " (%s..%s)", lo, hi);
    } else if (o->type == DC_ARG_CHOICE) {
        dc_buf_printf(b, " (%s)", o->choices);
    }
    const char *d = co->dflt ? co->dflt : o->dflt;
    if (d) dc_buf_printf(b, " [default: %s]", d);
}

/* `s` wrapped at `width` columns. */
static void put_wrapped(FILE *f, const char *s, size_t width)
{
    while (*s) {
        size_t n = strlen(s);
        const char *nl = strchr(s, '\n');
        if (nl && (size_t)(nl - s) <= width) n = (size_t)(nl - s);
        else if (n > width) {
            n = width;
            while (n > 0 && s[n] != ' ') n--;
            if (n == 0) n = width;
        }
        fprintf(f, "%.*s\n", (int)n, s);
        s += n;
        while (*s == ' ' || *s == '\n') s++;
    }
}

void dc_cli_help(const dc_cmd_spec_t *cmd, FILE *f)
{
    fprintf(f, "Usage: dancu %s %s\n\n", cmd->name, cmd->synopsis);
    put_wrapped(f, cmd->description, 78);
    fprintf(f, "\nOptions:\n");
    dc_buf_t b = DC_BUF_INIT;
    for (size_t i = 0; i < cmd->nopts; i++) {
        const dc_cmd_opt_t *co = &cmd->opts[i];
        char left[64];
        opt_left(&dc_opts[co->id], co->metavar, left, sizeof left);
        dc_buf_clear(&b);
        opt_help_text(co, &b);
        /* wrap the help at 78 columns, indented at 30 */
        const char *p = b.p;
        int col0 = fprintf(f, "  %-26s", left);
        if (col0 > 28) fprintf(f, "\n%30s", "");
        size_t width = 48;
        while (*p) {
            size_t n = strlen(p);
            if (n > width) {
                n = width;
                while (n > 0 && p[n] != ' ') n--;
                if (n == 0) n = width;
            }
            fprintf(f, " %.*s\n", (int)n, p);
            p += n;
            while (*p == ' ') p++;
            if (*p) fprintf(f, "%30s", "");
        }
    }
    dc_buf_free(&b);
    if (cmd->after) {
        fputc('\n', f);
        put_wrapped(f, cmd->after, 78);
    }
    /* a command's own text may state its exit statuses already */
    if (!cmd->after || !strstr(cmd->after, "Exit status"))
        fprintf(f, "\nExit status: 0 success, 1 failure, 2 usage error.\n");
}

/* ------------------------------------------------------------ man page */

/* roff text: escape backslashes and leading dots/quotes; '-' as \-;
 * characters outside ASCII as \[uXXXX] (troff reads bytes, not UTF-8). */
static void roff(FILE *f, const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (bol && (c == '.' || c == '\'')) fputs("\\&", f);
        bol = c == '\n';
        if (c == '\\') fputs("\\e", f);
        else if (c == '-') fputs("\\-", f);
        else if (c >= 0xC0) {
            int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            unsigned cp = c & (0x3Fu >> (len - 1));
            int k = 1;
            for (; k < len && ((unsigned char)s[k] & 0xC0) == 0x80; k++) cp = cp << 6 | ((unsigned char)s[k] & 0x3F);
            fprintf(f, "\\[u%04X]", cp);
            s += k - 1;
        } else if (c < 0x80) {
            fputc(c, f);
        }
    }
}

void dc_cli_man(const dc_cmd_spec_t *const *cmds, size_t ncmds, FILE *f)
{
    fprintf(f, ".\\\" dancu(1): generated by 'dancu --man' from the option table (engine/cli/options.c)\n");
    fprintf(f, ".TH DANCU 1 \"\" \"dancu %s\" \"User Commands\"\n", DC_VERSION);
    fprintf(f, ".SH NAME\ndancu \\- deduplicate household\\-register exports into one record per citizen\n");
    fprintf(f, ".SH SYNOPSIS\n");
    for (size_t i = 0; i < ncmds; i++) {
        fprintf(f, ".B dancu %s\n", cmds[i]->name);
        roff(f, cmds[i]->synopsis);
        fprintf(f, "\n.br\n");
    }
    fprintf(f, ".B dancu help\n[COMMAND]\n.br\n.B dancu\n\\-\\-version | \\-\\-man | \\-\\-completion bash\n");
    fprintf(f, ".SH DESCRIPTION\n");
    roff(f, "dancu loads CSV/TSV household-register exports (plain, zstd or gzip; UTF-8 or the legacy "
            "Vietnamese encodings), normalizes names, addresses, dates and ID numbers, finds the rows that "
            "are the same citizen and writes one golden record per citizen, a crosswalk of every input row, "
            "the pairs left for review, the rejected rows and a report (report.json and report.html).");
    fprintf(f, "\n.PP\n");
    roff(f, "Every option means and accepts the same thing in every command that takes it. Sizes take K, M, "
            "G or T (powers of 1024). A FILE argument may be - for standard input; a DIR stands for the "
            "files in it (not hidden, not recursive) in name order. Messages never print names, ID numbers "
            "or addresses; output files are created with mode 0600.");
    fprintf(f, "\n.SH COMMANDS\n");
    dc_buf_t b = DC_BUF_INIT;
    for (size_t i = 0; i < ncmds; i++) {
        const dc_cmd_spec_t *c = cmds[i];
        fprintf(f, ".SS \"dancu %s\"\n", c->name);
        roff(f, c->description);
        fprintf(f, "\n");
        for (size_t k = 0; k < c->nopts; k++) {
            const dc_cmd_opt_t *co = &c->opts[k];
            const dc_opt_t *o = &dc_opts[co->id];
            const char *mv = co->metavar ? co->metavar : o->metavar;
            fprintf(f, ".TP\n");
            if (o->shrt) fprintf(f, "\\fB\\-%c\\fR, ", o->shrt);
            fprintf(f, "\\fB\\-\\-");
            roff(f, o->name);
            fprintf(f, "\\fR");
            if (mv) {
                fprintf(f, " \\fI");
                roff(f, mv);
                fprintf(f, "\\fR");
            }
            fprintf(f, "\n");
            dc_buf_clear(&b);
            opt_help_text(co, &b);
            roff(f, b.p);
            fprintf(f, "\n");
        }
        if (c->after) {
            fprintf(f, ".PP\n");
            roff(f, c->after);
            fprintf(f, "\n");
        }
    }
    dc_buf_free(&b);
    fprintf(f, ".SH EXIT STATUS\n0 success, 1 failure (for \\fBrun\\fR: nothing written), 2 usage error "
               "(one line on standard error and a hint).\n");
    fprintf(f, ".SH FILES\nA \\fBdancu run\\fR output folder is complete exactly when \\fIOUT/_SUCCESS\\fR "
               "exists. See docs/OUTPUTS.md for every file and column.\n");
    fprintf(f, ".SH SEE ALSO\nzstd(1). The documentation in docs/ of the source tree.\n");
}

/* ------------------------------------------------------------ completion */

void dc_cli_completion_bash(const dc_cmd_spec_t *const *cmds, size_t ncmds, FILE *f)
{
    fprintf(f, "# bash completion for dancu: generated by 'dancu --completion bash' (engine/cli/options.c)\n");
    fprintf(f, "_dancu()\n{\n    local cur prev cmd\n    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
               "    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n    cmd=\"${COMP_WORDS[1]}\"\n");
    fprintf(f, "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n        COMPREPLY=($(compgen -W \"");
    for (size_t i = 0; i < ncmds; i++) fprintf(f, "%s ", cmds[i]->name);
    fprintf(f, "help --help --version --man\" -- \"$cur\"))\n        return\n    fi\n");
    /* values of options that take a choice, a file or a folder */
    fprintf(f, "    case \"$prev\" in\n");
    for (int id = 0; id < DC_OPT__COUNT; id++) {
        const dc_opt_t *o = &dc_opts[id];
        if (o->type == DC_ARG_NONE) continue;
        fprintf(f, "        --%s", o->name);
        if (o->shrt) fprintf(f, "|-%c", o->shrt);
        fprintf(f, ")\n            ");
        if (o->type == DC_ARG_CHOICE || o->type == DC_ARG_ENCODING) {
            fprintf(f, "COMPREPLY=($(compgen -W \"");
            for (const char *p = o->choices; *p; p++) fputc(*p == '|' ? ' ' : *p, f);
            fprintf(f, "\" -- \"$cur\"))");
        } else if (o->type == DC_ARG_DELIM) {
            fprintf(f, "COMPREPLY=($(compgen -W \", ; tab\" -- \"$cur\"))");
        } else if (o->type == DC_ARG_FILE || o->type == DC_ARG_PATH) {
            fprintf(f, "COMPREPLY=($(compgen -f -- \"$cur\"))");
        } else {
            fprintf(f, "COMPREPLY=()");
        }
        fprintf(f, "\n            return ;;\n");
    }
    fprintf(f, "    esac\n    case \"$cmd\" in\n");
    for (size_t i = 0; i < ncmds; i++) {
        fprintf(f, "        %s) opts=\"", cmds[i]->name);
        for (size_t k = 0; k < cmds[i]->nopts; k++) {
            const dc_opt_t *o = &dc_opts[cmds[i]->opts[k].id];
            fprintf(f, "%s--%s", k ? " " : "", o->name);
            if (o->shrt) fprintf(f, " -%c", o->shrt);
        }
        fprintf(f, "\" ;;\n");
    }
    fprintf(f, "        help) COMPREPLY=($(compgen -W \"");
    for (size_t i = 0; i < ncmds; i++) fprintf(f, "%s ", cmds[i]->name);
    fprintf(f, "\" -- \"$cur\")); return ;;\n        *) return ;;\n    esac\n");
    fprintf(f, "    if [[ \"$cur\" == -* ]]; then\n        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
               "    else\n        COMPREPLY=($(compgen -f -- \"$cur\"))\n    fi\n}\n"
               "complete -o filenames -F _dancu dancu\n");
}

/* ------------------------------------------------ shared option groups */

void dc_cli_load_opts(const dc_optvals_t *v, dc_load_opts_t *lo)
{
    if (v->set[DC_OPT_THREADS]) lo->nthreads = (int)v->num[DC_OPT_THREADS];
    if (v->set[DC_OPT_DELIMITER]) lo->delimiter = (char)v->num[DC_OPT_DELIMITER];
    if (v->set[DC_OPT_ENCODING]) lo->encoding = (dc_encoding_t)v->num[DC_OPT_ENCODING];
    if (v->set[DC_OPT_MAX_FIELD]) lo->max_field = (size_t)v->u64[DC_OPT_MAX_FIELD];
    if (v->set[DC_OPT_CHUNK_SIZE]) lo->chunk_size = (size_t)v->u64[DC_OPT_CHUNK_SIZE];
}

void dc_cli_norm_opts(const dc_optvals_t *v, dc_norm_opts_t *no)
{
    static const int ethnic[] = {1979, 2008};
    if (v->set[DC_OPT_ETHNIC_CODES]) no->ethnic_codes = ethnic[(int)v->num[DC_OPT_ETHNIC_CODES]];
    if (v->set[DC_OPT_SEX_ONE]) no->sex_one = 1 + (int)v->num[DC_OPT_SEX_ONE];   /* 1 male, 2 female */
    if (v->set[DC_OPT_CENTURY_PIVOT]) no->century_pivot = (int)v->num[DC_OPT_CENTURY_PIVOT];
    if (v->set[DC_OPT_REF_YEAR]) no->ref_year = (int)v->num[DC_OPT_REF_YEAR];
}

void dc_cli_log_level(const dc_optvals_t *v)
{
    dc_log_level = v->set[DC_OPT_QUIET] ? 0 : 1 + (int)v->set[DC_OPT_VERBOSE];
}

int dc_cli_mappings(const dc_optvals_t *v, char ***out, size_t *n)
{
    char **list = NULL;
    size_t k = 0, cap = 0;
    for (size_t i = 0; i < v->nmaps; i++) {
        list = dc_grow(list, &cap, k + 2, sizeof *list);
        list[k++] = dc_xstrdup(v->maps[i]);
        list[k] = NULL;
    }
    if (v->str[DC_OPT_MAPPING] && dc_mapping_file_read(v->str[DC_OPT_MAPPING], &list, &k)) {
        dc_cli_mappings_free(list, k);
        *out = NULL;
        *n = 0;
        return -1;
    }
    *out = list;
    *n = k;
    return 0;
}

void dc_cli_mappings_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++) free(list[i]);
    free(list);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_cli.h - the dancu command: one function per subcommand.
 *
 * Each dc_cmd_NAME(argc, argv) gets argv[0] = "NAME" and parses its
 * options with dc_cli_parse against its dc_cmd_spec_t (the option table
 * below). It prints --help to stdout and exits 0, usage errors (one line
 * and a hint) to stderr with DC_EXIT_USAGE, and returns
 * DC_EXIT_OK/DC_EXIT_FAIL.
 */
#ifndef DC_CLI_H
#define DC_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "dc_loader.h"

int dc_cmd_load(int argc, char **argv);
int dc_cmd_normalize(int argc, char **argv);
int dc_cmd_run(int argc, char **argv);
int dc_cmd_gen(int argc, char **argv);
int dc_cmd_eval(int argc, char **argv);
int dc_cmd_explain(int argc, char **argv);
int dc_cmd_blocks(int argc, char **argv);
int dc_cmd_deliver(int argc, char **argv);
int dc_cmd_sample(int argc, char **argv);
int dc_cmd_precision(int argc, char **argv);
int dc_cmd_master(int argc, char **argv);
int dc_cmd_store(int argc, char **argv);   /* hidden: debugging the record store */

/* ------------------------------------------------- the option table
 * One table names every option of every command (options.c): the same
 * option has the same name, short form, argument type, bounds and meaning
 * everywhere. Each command lists the options it takes (dc_cmd_spec_t);
 * dc_cli_parse checks the values; --help, the man page and bash completion
 * are generated from the same table. */

#include <stdio.h>
#include "common/dc_common.h"

typedef enum dc_opt_id {
    DC_OPT_OUTPUT, DC_OPT_THREADS, DC_OPT_FORCE, DC_OPT_QUIET, DC_OPT_VERBOSE, DC_OPT_HELP,
    DC_OPT_FORMAT, DC_OPT_COMPRESS, DC_OPT_MODEL, DC_OPT_RULES, DC_OPT_MATCH_THRESHOLD,
    DC_OPT_REVIEW_THRESHOLD, DC_OPT_MAX_REJECT_RATE, DC_OPT_MEMORY_LIMIT, DC_OPT_DELIMITER,
    DC_OPT_ENCODING, DC_OPT_MAPPING, DC_OPT_MAP, DC_OPT_MAX_FIELD, DC_OPT_CHUNK_SIZE, DC_OPT_DRY_RUN,
    DC_OPT_ETHNIC_CODES, DC_OPT_SEX_ONE, DC_OPT_CENTURY_PIVOT, DC_OPT_REF_YEAR, DC_OPT_SOURCE_NAMES,
    DC_OPT_PROGRESS, DC_OPT_TIMING, DC_OPT_NO_CACHE, DC_OPT_PEOPLE, DC_OPT_SEED, DC_OPT_DUP_RATE,
    DC_OPT_CORRUPT_RATE, DC_OPT_PROVINCES, DC_OPT_STYLES, DC_OPT_NO_LEGACY, DC_OPT_TRUTH, DC_OPT_LINKS,
    DC_OPT_JSON, DC_OPT_HTML, DC_OPT_CSV_FORMULAS, DC_OPT_SCORES, DC_OPT_LABELS,
    DC_OPT_PROFILE, DC_OPT_CORRUPTION, DC_OPT_DELIVER, DC_OPT_TO, DC_OPT_SCHEMA, DC_OPT_RUN_ID,
    DC_OPT_REPLACE, DC_OPT_VERIFY, DC_OPT_COPY_FORMAT, DC_OPT_MASTER, DC_OPT_RETRAIN, DC_OPT_OUT_OF_CORE,
    DC_OPT_TMP_DIR, DC_OPT_SAMPLE_SIZE, DC_OPT_RESUME,
    DC_OPT__COUNT
} dc_opt_id_t;

typedef enum dc_argtype {
    DC_ARG_NONE,      /* a switch */
    DC_ARG_INT,       /* whole number within the bounds */
    DC_ARG_REAL,      /* number within the bounds */
    DC_ARG_SIZE,      /* bytes, with K/M/G/T suffixes (powers of 1024) */
    DC_ARG_THREADS,   /* 0 (all cores) .. 1024 */
    DC_ARG_CHOICE,    /* one word of `choices` ("a|b|c"): its index */
    DC_ARG_DELIM,     /* , ; | tab: the byte */
    DC_ARG_ENCODING,  /* dc_encoding_parse */
    DC_ARG_MAP,       /* COLUMN=FIELD, repeatable */
    DC_ARG_FILE,      /* an input file ("-": standard input where the command reads one) */
    DC_ARG_PATH,      /* an output folder or file */
    DC_ARG_TEXT,
} dc_argtype_t;

typedef struct dc_opt {
    const char *name;         /* long form, without "--" */
    char shrt;                /* short form, 0 none */
    dc_argtype_t type;
    const char *metavar;      /* "N", "FILE" */
    const char *choices;      /* DC_ARG_CHOICE: "csv|jsonl"; DC_ARG_SIZE: "none" when "none" means 0 */
    int bounds, param;        /* which library's *_param_bounds(param) (options.c) */
    const char *dflt;         /* default as shown, NULL none */
    const char *help;
} dc_opt_t;

extern const dc_opt_t dc_opts[DC_OPT__COUNT];

/*! dc_opt_bounds() : the library bounds of a numeric option. @return 1, or
 *  0 when it has none. */
int dc_opt_bounds(dc_opt_id_t id, dc_bounds_t *b);

/* An option as one command takes it: what it writes to may be named
 * differently (metavar, help, default), never parsed differently. */
typedef struct dc_cmd_opt {
    dc_opt_id_t id;
    const char *metavar, *help, *dflt;   /* NULL: the table's */
} dc_cmd_opt_t;

/* Option groups that several commands take in full. */
#define DC_CMD_OPTS_INPUT                                                                           \
    {DC_OPT_DELIMITER, NULL, NULL, NULL}, {DC_OPT_ENCODING, NULL, NULL, NULL},                      \
    {DC_OPT_MAPPING, NULL, NULL, NULL}, {DC_OPT_MAP, NULL, NULL, NULL},                             \
    {DC_OPT_MAX_FIELD, NULL, NULL, NULL}, {DC_OPT_SOURCE_NAMES, NULL, NULL, NULL}
#define DC_CMD_OPTS_NORM                                                                            \
    {DC_OPT_ETHNIC_CODES, NULL, NULL, NULL}, {DC_OPT_SEX_ONE, NULL, NULL, NULL},                    \
    {DC_OPT_CENTURY_PIVOT, NULL, NULL, NULL}, {DC_OPT_REF_YEAR, NULL, NULL, NULL}

typedef struct dc_cmd_spec {
    const char *name;
    const char *synopsis;      /* after "dancu NAME " */
    const char *summary;       /* one line, for `dancu --help` */
    const char *description;   /* a paragraph for --help and the man page */
    const dc_cmd_opt_t *opts;
    size_t nopts;
    const char *after;         /* text after the options, or NULL */
} dc_cmd_spec_t;

/* Parsed values, indexed by dc_opt_id_t. */
typedef struct dc_optvals {
    unsigned set[DC_OPT__COUNT];   /* times given */
    const char *str[DC_OPT__COUNT];/* argument as given (the last) */
    double num[DC_OPT__COUNT];     /* numbers, sizes, choice index, delimiter byte, encoding, threads
                                      (0 resolved to the core count) */
    uint64_t u64[DC_OPT__COUNT];   /* whole numbers and sizes, exact */
    const char **maps;             /* every --map, NULL-terminated (may be NULL) */
    size_t nmaps, mapcap;
    int argi;                      /* index of the first operand */
} dc_optvals_t;

/*! dc_cli_parse() : parse argv (argv[0] = the command) against the
 *  command's options. @return 0; -1 after printing --help (exit 0); or
 *  DC_EXIT_USAGE after one line and a hint on stderr. */
int dc_cli_parse(const dc_cmd_spec_t *cmd, int argc, char **argv, dc_optvals_t *v);
void dc_optvals_free(dc_optvals_t *v);
/*! dc_cli_usage_error() : "dancu CMD: MESSAGE" and "Try 'dancu CMD --help'."
 *  on stderr. @return DC_EXIT_USAGE. */
int dc_cli_usage_error(const char *cmd, const char *fmt, ...) DC_PRINTF(2, 3);
/*! dc_cli_help() : a command's --help, generated from the table. */
void dc_cli_help(const dc_cmd_spec_t *cmd, FILE *f);
/*! dc_cli_parse_size() : "64K", "4G", "1.5MiB" -> bytes. @return 0 or -1. */
int dc_cli_parse_size(const char *s, double *out);
/*! dc_cli_man() / dc_cli_completion_bash() : dancu(1) in roff and the bash
 *  completion script, from the commands' tables. */
void dc_cli_man(const dc_cmd_spec_t *const *cmds, size_t ncmds, FILE *f);
void dc_cli_completion_bash(const dc_cmd_spec_t *const *cmds, size_t ncmds, FILE *f);

/*! dc_cli_load_opts() / dc_cli_norm_opts() : the loader and normalizer
 *  options given (threads, delimiter, encoding, max-field, chunk-size;
 *  ethnic-codes, sex-one, century-pivot, ref-year) into their structs. */
struct dc_load_opts;
struct dc_norm_opts;
void dc_cli_load_opts(const dc_optvals_t *v, struct dc_load_opts *lo);
void dc_cli_norm_opts(const dc_optvals_t *v, struct dc_norm_opts *no);
/*! dc_cli_mappings() : the header mappings given: every --map, then the
 *  lines of --mapping FILE (the first match wins, so --map wins), as a
 *  NULL-terminated list (free with dc_cli_mappings_free). @return 0, or -1
 *  (dc_seterr) when the file cannot be read. */
int dc_cli_mappings(const dc_optvals_t *v, char ***out, size_t *n);
void dc_cli_mappings_free(char **list, size_t n);
/*! dc_cli_log_level() : dc_log_level from -q and -v. */
void dc_cli_log_level(const dc_optvals_t *v);

/* The commands' specs (each in its cmd_*.c). */
extern const dc_cmd_spec_t dc_spec_run, dc_spec_load, dc_spec_normalize, dc_spec_gen, dc_spec_eval,
    dc_spec_explain, dc_spec_deliver, dc_spec_blocks, dc_spec_master, dc_spec_sample, dc_spec_precision;

/* A row key (hash of source name and record_id) and the hash of a label. */
typedef struct dc_cli_label {
    uint64_t key, label;
} dc_cli_label_t;

/*! dc_cli_row_key() : the key of the row (source, record_id). */
uint64_t dc_cli_row_key(const char *src, size_t ns, const char *rid, size_t nr);
/*! dc_cli_read_rows() : call fn(ud, f, len) for every row of a CSV or
 *  JSON Lines file (optionally .zst) with the values of its columns (JSON
 *  members) `cols` in that order (a JSON number as %.17g). The values are
 *  valid during the call only. fn returns 0, or -1 (dc_seterr) to stop.
 *  @return 0, or -1 (dc_seterr: unreadable file, a missing column). */
typedef int (*dc_cli_row_fn)(void *ud, const char *const *f, const size_t *len);
int dc_cli_read_rows(const char *path, const char *const *cols, int ncols, dc_cli_row_fn fn, void *ud);
/*! dc_cli_read_labels() : read (source, record_id) -> hash of the column
 *  `labelcol` from a CSV or JSON Lines file (optionally .zst); `*out`
 *  (malloc'd) sorted by key. @return 0, or -1 (dc_seterr; a key given
 *  twice is an error). */
int dc_cli_read_labels(const char *path, const char *labelcol, dc_cli_label_t **out, size_t *nout);

/*! dc_cli_write_out() : write `ob` to the file `output` (atomically, mode
 *  0600), or to standard output when `output` is NULL or "-".
 *  @return 0 or -1 (dc_seterr). */
int dc_cli_write_out(const char *output, const dc_buf_t *ob);

/*! dc_cli_threads() : parse a --threads value ("0" = all cores).
 *  @return the count, or -1 if invalid. */
int dc_cli_threads(const char *arg);

/*! dc_cli_prepare_outdir() : create `dir` (mode 0700) if missing; refuse a
 *  non-empty existing directory unless `force`. @return 0 or -1 (dc_seterr). */
int dc_cli_prepare_outdir(const char *dir, int force);

/*! dc_cli_install_signals() : on SIGINT/SIGTERM/SIGHUP, remove temporary
 *  output files and exit with status 1 (128+sig semantics are not kept:
 *  a killed run is a failed run). */
void dc_cli_install_signals(void);

/*! dc_cli_inputs() : the input paths of a command: each argument that is a
 *  directory stands for its regular files (hidden names skipped, not
 *  recursive); other arguments (files, "-" for stdin) are kept as they are.
 *  The list is then checked and put in canonical order by
 *  dc_source_list_make (loaders/dc_loader.h): two inputs with one source
 *  name, one file given twice, or stdin twice are refused; the paths come
 *  out sorted by source name, so the order of the arguments never changes
 *  an output. @return 0; DC_EXIT_FAIL (a directory without any file or
 *  that cannot be read) or DC_EXIT_USAGE (the identity checks), with
 *  dc_seterr. */
typedef struct {
    const char *const *paths;   /* canonical order */
    const char *const *names;   /* names[i]: the source name of paths[i] */
    size_t n;
    char **owned;
    dc_source_list_t list;
} dc_cli_inputs_t;
int dc_cli_inputs(const char *const *args, size_t nargs, dc_source_naming_t naming, dc_cli_inputs_t *in);
void dc_cli_inputs_free(dc_cli_inputs_t *in);

#endif /* DC_CLI_H */

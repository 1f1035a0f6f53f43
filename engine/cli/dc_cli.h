/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_cli.h - the dancu command: one function per subcommand.
 *
 * Each dc_cmd_NAME(argc, argv) gets argv[0] = "NAME" and parses its own
 * options with getopt_long. It prints --help to stdout and exits 0, usage
 * errors to stderr with DC_EXIT_USAGE, and returns DC_EXIT_OK/DC_EXIT_FAIL.
 */
#ifndef DC_CLI_H
#define DC_CLI_H

#include <stddef.h>

int dc_cmd_load(int argc, char **argv);
int dc_cmd_normalize(int argc, char **argv);
int dc_cmd_run(int argc, char **argv);
int dc_cmd_gen(int argc, char **argv);
int dc_cmd_eval(int argc, char **argv);
int dc_cmd_explain(int argc, char **argv);
int dc_cmd_blocks(int argc, char **argv);

#include <stddef.h>
#include <stdint.h>

#include "dc_loader.h"

/* A row key (hash of source name and record_id) and the hash of a label. */
typedef struct dc_cli_label {
    uint64_t key, label;
} dc_cli_label_t;

/*! dc_cli_row_key() : the key of the row (source, record_id). */
uint64_t dc_cli_row_key(const char *src, size_t ns, const char *rid, size_t nr);
/*! dc_cli_read_labels() : read (source, record_id) -> hash of the column
 *  `labelcol` from a CSV or JSON Lines file (optionally .zst); `*out`
 *  (malloc'd) sorted by key. @return 0, or -1 (dc_seterr; a key given
 *  twice is an error). */
int dc_cli_read_labels(const char *path, const char *labelcol, dc_cli_label_t **out, size_t *nout);

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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_load.c - `dancu load`: read exports, write canonical UTF-8 NFC CSVs,
 * the rejects and a load report (docs/INPUT.md).
 *
 * Outputs in OUTDIR (atomic, mode 0600):
 *   <source>.csv       per input file: the 19 canonical columns in dc_field_t
 *                      order (empty where absent), then that file's
 *                      carried-through columns
 *   rejects.csv        source,line,reason,raw
 *   load-report.json   per file and totals
 */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "dc_loader.h"
#include "dc_loader_int.h"
#include "common/dc_json.h"

#include <stdlib.h>   /* strtod, free */
#include <string.h>   /* strcmp */
#include <strings.h>  /* strcasecmp */

typedef struct load_cli {
    const char *outdir;
    dc_table_t **tables;     /* per source, committed at the end */
    char **tnames;
    size_t ntables;
} load_cli_t;

/* Output table name of a source: its name without .csv/.tsv/.txt, made
 * unique among the outputs ("name", "name-2", ...). */
static char *table_name(load_cli_t *C, const char *source)
{
    size_t n = strlen(source);
    static const char *const ext[] = {".csv", ".tsv", ".txt"};
    for (size_t i = 0; i < DC_ARRAY_LEN(ext); i++)
        if (n > 4 && !strcasecmp(source + n - 4, ext[i])) { n -= 4; break; }
    char *base = dc_xstrndup(source, n);
    if (!strcmp(base, "rejects") || !strcmp(base, "load-report")) {
        char *b2 = dc_xmalloc(n + 8);
        snprintf(b2, n + 8, "%s-source", base);
        free(base);
        base = b2;
    }
    for (int k = 1;; k++) {
        char *cand = dc_xmalloc(strlen(base) + 16);
        if (k == 1) snprintf(cand, strlen(base) + 16, "%s", base);
        else snprintf(cand, strlen(base) + 16, "%s-%d", base, k);
        int clash = 0;
        for (size_t i = 0; i < C->ntables; i++)
            if (!strcmp(C->tnames[i], cand)) clash = 1;
        if (!clash) {
            free(base);
            return cand;
        }
        free(cand);
    }
}

static int on_source(void *ud, const dc_source_info_t *src)
{
    load_cli_t *C = ud;
    size_t ncols = DC_F__COUNT + src->nextra;
    const char **cols = dc_xcalloc(ncols, sizeof *cols);
    for (int f = 0; f < DC_F__COUNT; f++) cols[f] = dc_field_name((dc_field_t)f);
    for (uint32_t e = 0; e < src->nextra; e++) cols[DC_F__COUNT + e] = src->extra_names[e];
    char *name = table_name(C, src->name);
    dc_table_t *t = dc_table_open(C->outdir, name, DC_FMT_CSV, 0, cols, ncols);
    free(cols);
    if (!t) {
        free(name);
        return -1;
    }
    C->tables = dc_xrealloc(C->tables, (C->ntables + 1) * sizeof *C->tables);
    C->tnames = dc_xrealloc(C->tnames, (C->ntables + 1) * sizeof *C->tnames);
    C->tables[C->ntables] = t;
    C->tnames[C->ntables] = name;
    C->ntables++;
    return 0;
}

static int on_commit(void *ud, dc_batch_t *b)
{
    load_cli_t *C = ud;
    dc_table_t *t = C->tables[C->ntables - 1];
    uint32_t nx = b->src->nextra;
    for (size_t i = 0; i < b->n; i++) {
        const dc_row_t *r = &b->rows[i];
        for (int f = 0; f < DC_F__COUNT; f++) dc_table_str(t, r->v[f], r->len[f]);
        for (uint32_t e = 0; e < nx; e++) dc_table_str(t, r->extra[e], r->extra_len[e]);
        if (dc_table_end_row(t) != 0) return -1;
    }
    return 0;
}

static const char *delim_name(char d)
{
    switch (d) {
    case ',': return ",";
    case ';': return ";";
    case '\t': return "\t";
    case '|': return "|";
    default: return "";
    }
}

static void rejected_by_reason(dc_jw_t *j, const uint64_t n[DC_REJ__COUNT])
{
    dc_jw_key(j, "rejected_by_reason");
    dc_jw_open(j, '{', DC_JW_COMPACT);
    for (int r = 0; r < DC_REJ__COUNT; r++) dc_jw_kv_u64(j, dc_reject_reason_name((dc_reject_reason_t)r), n[r]);
    dc_jw_close(j);
}

/* One object per file, compact, on its own line (the file's layout). */
static void source_json(dc_jw_t *j, const dc_source_info_t *S, const char *tname)
{
    dc_jw_open(j, '{', DC_JW_COMPACT);
    dc_jw_kv_str(j, "path", S->path);
    dc_jw_kv_str(j, "source", S->name);
    dc_jw_kv_str(j, "record_identity", S->id_is_line ? "line" : "record_id");
    dc_jw_kv_str(j, "output", tname ? tname : "");
    dc_jw_kv_str(j, "compression", S->compression ? S->compression : "none");
    dc_jw_kv_str(j, "encoding", dc_encoding_name(S->encoding));
    dc_jw_key(j, "encoding_confidence");
    dc_jw_fixed(j, S->encoding_confidence, 3);
    dc_jw_kv_str(j, "delimiter", delim_name(S->delimiter));
    dc_jw_key(j, "bom");
    dc_jw_bool(j, S->has_bom);
    dc_jw_key(j, "crlf");
    dc_jw_bool(j, S->crlf);
    dc_jw_key(j, "header");
    dc_jw_open(j, '[', DC_JW_COMPACT);
    for (uint32_t c = 0; c < S->ncols; c++) {
        dc_jw_open(j, '{', DC_JW_COMPACT);
        dc_jw_kv_str(j, "column", S->col_names[c]);
        dc_jw_kv_str(j, "field", S->col_field[c] >= 0 ? dc_field_name((dc_field_t)S->col_field[c]) : "extra");
        dc_jw_close(j);
    }
    dc_jw_close(j);
    dc_jw_kv_u64(j, "rows_in", S->rows_in);
    dc_jw_kv_u64(j, "rows_ok", S->rows_ok);
    dc_jw_kv_u64(j, "rows_rejected", S->rows_in - S->rows_ok);
    rejected_by_reason(j, S->rejected);
    dc_jw_kv_u64(j, "blank_lines", S->blank_lines);
    dc_jw_kv_u64(j, "bytes", S->bytes_in);
    dc_jw_kv_u64(j, "file_bytes", S->raw_bytes);
    dc_jw_close(j);
}

static int write_report(const char *outdir, const dc_load_stats_t *st, const char *const *tnames)
{
    dc_buf_t b = DC_BUF_INIT;
    dc_jw_t jw, *j = &jw;
    dc_jw_init(j, &b, 0);
    dc_jw_open(j, '{', DC_JW_NL);   /* the first key without a space: the file's layout */
    dc_jw_kv_str(j, "dancu_version", DC_VERSION);
    dc_jw_layout(j, DC_JW_LINES);
    dc_jw_key(j, "files");
    dc_jw_open(j, '[', DC_JW_LINES);
    for (uint32_t i = 0; i < st->nsources; i++) source_json(j, &st->sources[i], tnames ? tnames[i] : NULL);
    dc_jw_close(j);
    dc_jw_key(j, "totals");
    dc_jw_open(j, '{', DC_JW_COMPACT);
    dc_jw_kv_u64(j, "files", st->nsources);
    dc_jw_kv_u64(j, "rows_in", st->rows_in);
    dc_jw_kv_u64(j, "rows_ok", st->rows_ok);
    dc_jw_kv_u64(j, "rows_rejected", st->rows_rejected);
    uint64_t rej[DC_REJ__COUNT] = {0};
    for (uint32_t i = 0; i < st->nsources; i++)
        for (int r = 0; r < DC_REJ__COUNT; r++) rej[r] += st->sources[i].rejected[r];
    rejected_by_reason(j, rej);
    dc_jw_kv_u64(j, "bytes", st->bytes_in);
    dc_jw_key(j, "seconds");
    dc_jw_fixed(j, st->seconds, 3);
    dc_jw_close(j);
    dc_jw_close(j);
    dc_buf_putc(&b, '\n');
    char *path = dc_xmalloc(strlen(outdir) + 32);
    sprintf(path, "%s/load-report.json", outdir);
    dc_outfile_t *f = dc_outfile_open(path, 0);
    free(path);
    int rc = -1;
    if (f) {
        if (dc_outfile_buf(f, &b) == 0) rc = dc_outfile_commit(f);
        else dc_outfile_abort(f);
    }
    dc_buf_free(&b);
    return rc;
}

static const dc_cmd_opt_t load_opts[] = {
    {DC_OPT_OUTPUT, "DIR", "output folder (created; must be empty unless --force)", NULL},
    {DC_OPT_THREADS, NULL, NULL, NULL},
    {DC_OPT_FORCE, NULL, NULL, NULL},
    {DC_OPT_QUIET, NULL, NULL, NULL},
    {DC_OPT_VERBOSE, NULL, "more messages (a line per file)", NULL},
    {DC_OPT_DELIMITER, NULL, NULL, NULL},
    {DC_OPT_ENCODING, NULL, NULL, NULL},
    {DC_OPT_MAPPING, NULL, NULL, NULL},
    {DC_OPT_MAP, NULL, "map one header column to a field (repeatable; FIELD 'extra' carries the column "
                       "through; wins over --mapping)", NULL},
    {DC_OPT_MAX_REJECT_RATE, NULL, NULL, NULL},
    {DC_OPT_MAX_FIELD, NULL, NULL, NULL},
    {DC_OPT_CHUNK_SIZE, NULL, NULL, NULL},
    {DC_OPT_CSV_FORMULAS, NULL, NULL, NULL},
    {DC_OPT_DRY_RUN, NULL, NULL, NULL},
    {DC_OPT_SOURCE_NAMES, NULL, NULL, NULL},
    {DC_OPT_HELP, NULL, NULL, NULL},
};

const dc_cmd_spec_t dc_spec_load = {
    "load", "-o OUTDIR [OPTIONS] FILE|DIR...", "read exports and write canonical UTF-8 rows and rejects",
    "Read household-register exports (CSV/TSV; plain, .zst, .gz or - for standard input; UTF-8, TCVN3, VNI, "
    "VISCII or CP1258; a DIR stands for its files, not hidden, not recursive, in name order) and write, per "
    "file, OUTDIR/<source>.csv with the canonical columns in UTF-8 NFC, plus OUTDIR/rejects.csv and "
    "OUTDIR/load-report.json (docs/INPUT.md). Exit status 1 also when the reject rate exceeds "
    "--max-reject-rate.",
    load_opts, DC_ARRAY_LEN(load_opts), NULL,
};

static void log_summary(const dc_load_stats_t *st)
{
    dc_log(1, "%llu rows read = %llu accepted + %llu rejected (%u files, %.1f MB, %.2f s)",
           (unsigned long long)st->rows_in, (unsigned long long)st->rows_ok,
           (unsigned long long)st->rows_rejected, st->nsources, (double)st->bytes_in / 1e6, st->seconds);
    for (uint32_t i = 0; i < st->nsources; i++) {
        const dc_source_info_t *S = &st->sources[i];
        dc_log(2, "  %s: %llu rows read = %llu accepted + %llu rejected (%s, %s)", S->name,
               (unsigned long long)S->rows_in, (unsigned long long)S->rows_ok,
               (unsigned long long)(S->rows_in - S->rows_ok), dc_encoding_name(S->encoding),
               S->compression);
    }
}

/* Load every input into OUTDIR (canonical CSVs unless `dry`, rejects.csv,
 * load-report.json), committed only when all succeeded. @return the exit
 * status. */
static int load_files(dc_load_opts_t *o, const dc_cli_inputs_t *in, const char *outdir, int dry, double max_rate)
{
    static const char *const rcols[] = {"source", "line", "reason", "raw"};
    o->rejects = dc_table_open(outdir, "rejects", DC_FMT_CSV, 0, rcols, 4);
    if (!o->rejects) {
        dc_error("%s", dc_geterr());
        return DC_EXIT_FAIL;
    }
    load_cli_t C = {outdir, NULL, NULL, 0};
    dc_sink_t sink = {0};
    sink.source_begin = dry ? NULL : on_source;
    sink.commit = dry ? NULL : on_commit;
    sink.ud = &C;
    dc_load_stats_t st;
    int rc = dc_load(o, in->paths, in->n, &sink, &st);
    if (rc == 0) {
        for (size_t i = 0; i < C.ntables && rc == 0; i++) {
            rc = dc_table_commit(C.tables[i]);
            C.tables[i] = NULL;
        }
        if (rc == 0) rc = dc_table_commit(o->rejects);
        else dc_table_abort(o->rejects);
        o->rejects = NULL;
    }
    if (rc == 0) {
        /* output name per source: empty files got a table too, in order */
        const char **tn = dc_xcalloc(st.nsources ? st.nsources : 1, sizeof *tn);
        for (uint32_t i = 0; i < st.nsources && i < C.ntables; i++) tn[i] = C.tnames[i];
        rc = write_report(outdir, &st, tn);
        free(tn);
    }
    if (rc != 0) {
        dc_error("%s", dc_geterr());
        for (size_t i = 0; i < C.ntables; i++) dc_table_abort(C.tables[i]);
        dc_table_abort(o->rejects);
        o->rejects = NULL;
    } else {
        log_summary(&st);
        double rate = st.rows_in ? (double)st.rows_rejected / (double)st.rows_in : 0;
        if (rate > max_rate) {
            dc_error("reject rate %.4f exceeds --max-reject-rate %.4f (see %s/rejects.csv)", rate, max_rate,
                     outdir);
            rc = -1;
        }
    }
    for (size_t i = 0; i < C.ntables; i++) free(C.tnames[i]);
    free(C.tnames);
    free(C.tables);
    dc_load_stats_free(&st);
    return rc ? DC_EXIT_FAIL : DC_EXIT_OK;
}

int dc_cmd_load(int argc, char **argv)
{
    dc_optvals_t v;
    int rcu = dc_cli_parse(&dc_spec_load, argc, argv, &v);
    if (rcu) {
        dc_optvals_free(&v);
        return rcu < 0 ? DC_EXIT_OK : rcu;
    }
    dc_load_opts_t o;
    memset(&o, 0, sizeof o);
    dc_cli_load_opts(&v, &o);
    if (v.set[DC_OPT_CSV_FORMULAS]) dc_table_formula_mode(v.str[DC_OPT_CSV_FORMULAS]);
    const char *outdir = v.str[DC_OPT_OUTPUT];
    int force = v.set[DC_OPT_FORCE] != 0, dry = v.set[DC_OPT_DRY_RUN] != 0;
    double max_rate = v.set[DC_OPT_MAX_REJECT_RATE] ? v.num[DC_OPT_MAX_REJECT_RATE] : 1.0;
    dc_source_naming_t naming = v.set[DC_OPT_SOURCE_NAMES] ? (dc_source_naming_t)v.num[DC_OPT_SOURCE_NAMES]
                                                            : DC_SOURCE_NAME_BASE;
    char **maps = NULL;
    size_t nmaps = 0;
    dc_cli_inputs_t inputs = {0};
    if (!outdir) { rcu = dc_cli_usage_error("load", "-o OUTDIR is required"); goto out; }
    if (v.argi >= argc) { rcu = dc_cli_usage_error("load", "no input file"); goto out; }
    dc_cli_log_level(&v);
    if ((rcu = dc_cli_inputs((const char *const *)argv + v.argi, (size_t)(argc - v.argi), naming, &inputs))) {
        dc_error("%s", dc_geterr());
        goto out;
    }
    if (dc_cli_mappings(&v, &maps, &nmaps)) {
        dc_error("%s", dc_geterr());
        rcu = DC_EXIT_FAIL;
        goto out;
    }
    o.mappings = (const char *const *)maps;
    if (dc_cli_prepare_outdir(outdir, force)) {
        dc_error("%s", dc_geterr());
        rcu = DC_EXIT_FAIL;
        goto out;
    }
    rcu = load_files(&o, &inputs, outdir, dry, max_rate);
out:
    dc_cli_inputs_free(&inputs);
    dc_cli_mappings_free(maps, nmaps);
    dc_optvals_free(&v);
    return rcu;
}

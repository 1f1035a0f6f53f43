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
#include "dc_cli.h"
#include "../common/dc_common.h"
#include "../../loaders/dc_loader.h"
#include "../../loaders/dc_loader_int.h"

#include <getopt.h>   /* getopt_long */
#include <stdlib.h>   /* strtod, free */
#include <string.h>   /* strcmp */
#include <strings.h>  /* strcasecmp */

typedef struct load_cli {
    const char *outdir;
    dc_table_t **tables;     /* per source, committed at the end */
    char **tnames;
    size_t ntables;
} load_cli_t;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: dancu load FILE|DIR... -o OUTDIR [OPTIONS]\n"
            "\n"
            "A DIR stands for its files (not hidden, not recursive) in name order.\n"
            "Read household-register exports (CSV/TSV; plain, .zst, .gz or - for stdin;\n"
            "UTF-8, TCVN3, VNI, VISCII or CP1258) and write, per file, OUTDIR/<source>.csv\n"
            "with the canonical columns in UTF-8 NFC, plus OUTDIR/rejects.csv and\n"
            "OUTDIR/load-report.json. See docs/INPUT.md.\n"
            "\n"
            "Options:\n"
            "  -o, --output DIR         output directory (created; must be empty unless --force)\n"
            "  -t, --threads N          worker threads (0 = all cores; default 0)\n"
            "  -d, --delimiter C        field delimiter: , ; | tab (default: detect from the header)\n"
            "  -e, --encoding E         utf-8, tcvn3, vni, viscii, cp1258 or auto (default auto)\n"
            "  -m, --map COLUMN=FIELD   map a header column to a canonical field (repeatable;\n"
            "                           FIELD 'extra' carries the column through)\n"
            "      --mapping FILE       CSV of column,field pairs, same meaning as --map\n"
            "      --max-reject-rate R  exit 1 if rejected/read rows exceeds R (0..1; default 1)\n"
            "      --max-field BYTES    longest accepted field (default 65536)\n"
            "      --chunk-size BYTES   bytes per parse chunk (default 4194304)\n"
            "  -n, --dry-run            read and check only: write rejects.csv and the report,\n"
            "                           not the per-file CSVs\n"
            "  -f, --force              write into a non-empty OUTDIR\n"
            "  -q, --quiet              print errors only\n"
            "  -h, --help               show this help\n"
            "\n"
            "Exit status: 0 success, 1 failure or too many rejects, 2 usage error.\n");
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "dancu load: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "Try 'dancu load --help'.\n");
    return DC_EXIT_USAGE;
}

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

static void json_kv_str(dc_buf_t *b, const char *k, const char *v)
{
    dc_buf_put_json_str(b, k, strlen(k));
    dc_buf_putc(b, ':');
    dc_buf_put_json_str(b, v, strlen(v));
}

static void json_kv_u64(dc_buf_t *b, const char *k, uint64_t v)
{
    dc_buf_put_json_str(b, k, strlen(k));
    dc_buf_putc(b, ':');
    dc_buf_putu64(b, v);
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

static int write_report(const char *outdir, const dc_load_stats_t *st, const char *const *tnames)
{
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_puts(&b, "{\n  ");
    json_kv_str(&b, "dancu_version", DC_VERSION);
    dc_buf_puts(&b, ",\n  \"files\": [");
    for (uint32_t i = 0; i < st->nsources; i++) {
        const dc_source_info_t *S = &st->sources[i];
        dc_buf_puts(&b, i ? ",\n    {" : "\n    {");
        json_kv_str(&b, "path", S->path);
        dc_buf_putc(&b, ',');
        json_kv_str(&b, "source", S->name);
        dc_buf_putc(&b, ',');
        json_kv_str(&b, "record_identity", S->id_is_line ? "line" : "record_id");
        dc_buf_putc(&b, ',');
        json_kv_str(&b, "output", tnames && tnames[i] ? tnames[i] : "");
        dc_buf_putc(&b, ',');
        json_kv_str(&b, "compression", S->compression ? S->compression : "none");
        dc_buf_putc(&b, ',');
        json_kv_str(&b, "encoding", dc_encoding_name(S->encoding));
        dc_buf_printf(&b, ",\"encoding_confidence\":%.3f,", S->encoding_confidence);
        json_kv_str(&b, "delimiter", delim_name(S->delimiter));
        dc_buf_printf(&b, ",\"bom\":%s,\"crlf\":%s,", S->has_bom ? "true" : "false", S->crlf ? "true" : "false");
        dc_buf_puts(&b, "\"header\":[");
        for (uint32_t c = 0; c < S->ncols; c++) {
            dc_buf_puts(&b, c ? "," : "");
            dc_buf_putc(&b, '{');
            json_kv_str(&b, "column", S->col_names[c]);
            dc_buf_putc(&b, ',');
            json_kv_str(&b, "field", S->col_field[c] >= 0 ? dc_field_name((dc_field_t)S->col_field[c]) : "extra");
            dc_buf_putc(&b, '}');
        }
        dc_buf_puts(&b, "],");
        json_kv_u64(&b, "rows_in", S->rows_in);
        dc_buf_putc(&b, ',');
        json_kv_u64(&b, "rows_ok", S->rows_ok);
        dc_buf_putc(&b, ',');
        json_kv_u64(&b, "rows_rejected", S->rows_in - S->rows_ok);
        dc_buf_puts(&b, ",\"rejected_by_reason\":{");
        for (int r = 0; r < DC_REJ__COUNT; r++) {
            dc_buf_puts(&b, r ? "," : "");
            json_kv_u64(&b, dc_reject_reason_name((dc_reject_reason_t)r), S->rejected[r]);
        }
        dc_buf_puts(&b, "},");
        json_kv_u64(&b, "blank_lines", S->blank_lines);
        dc_buf_putc(&b, ',');
        json_kv_u64(&b, "bytes", S->bytes_in);
        dc_buf_putc(&b, ',');
        json_kv_u64(&b, "file_bytes", S->raw_bytes);
        dc_buf_putc(&b, '}');
    }
    dc_buf_puts(&b, "\n  ],\n  \"totals\": {");
    json_kv_u64(&b, "files", st->nsources);
    dc_buf_putc(&b, ',');
    json_kv_u64(&b, "rows_in", st->rows_in);
    dc_buf_putc(&b, ',');
    json_kv_u64(&b, "rows_ok", st->rows_ok);
    dc_buf_putc(&b, ',');
    json_kv_u64(&b, "rows_rejected", st->rows_rejected);
    dc_buf_puts(&b, ",\"rejected_by_reason\":{");
    for (int r = 0; r < DC_REJ__COUNT; r++) {
        uint64_t n = 0;
        for (uint32_t i = 0; i < st->nsources; i++) n += st->sources[i].rejected[r];
        dc_buf_puts(&b, r ? "," : "");
        json_kv_u64(&b, dc_reject_reason_name((dc_reject_reason_t)r), n);
    }
    dc_buf_puts(&b, "},");
    json_kv_u64(&b, "bytes", st->bytes_in);
    dc_buf_printf(&b, ",\"seconds\":%.3f}\n}\n", st->seconds);
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

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end || v == 0) return -1;
    *out = (size_t)v;
    return 0;
}

int dc_cmd_load(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, 't'},
        {"delimiter", required_argument, NULL, 'd'},
        {"encoding", required_argument, NULL, 'e'},
        {"map", required_argument, NULL, 'm'},
        {"mapping", required_argument, NULL, 'M'},
        {"max-reject-rate", required_argument, NULL, 'R'},
        {"max-field", required_argument, NULL, 'F'},
        {"chunk-size", required_argument, NULL, 'C'},
        {"force", no_argument, NULL, 'f'},
        {"dry-run", no_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    dc_load_opts_t o;
    memset(&o, 0, sizeof o);
    const char *outdir = NULL, *mapping_file = NULL;
    int force = 0, quiet = 0, dry = 0;
    double max_rate = 1.0;
    char **maps = NULL;
    size_t nmaps = 0, mapcap = 0;
    int c, rcu = 0;
    dc_cli_inputs_t inputs = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:t:d:e:m:fnqh", lopts, NULL)) != -1) {
        switch (c) {
        case 'o': outdir = optarg; break;
        case 't':
            o.nthreads = dc_cli_threads(optarg);
            if (o.nthreads < 0) { rcu = usage_error("bad --threads", optarg); goto out; }
            break;
        case 'd':
            if (!strcmp(optarg, "tab") || !strcmp(optarg, "\\t") || !strcmp(optarg, "\t")) o.delimiter = '\t';
            else if (strlen(optarg) == 1 && strchr(",;|", optarg[0])) o.delimiter = optarg[0];
            else { rcu = usage_error("bad --delimiter (one of , ; | tab)", optarg); goto out; }
            break;
        case 'e':
            if (dc_encoding_parse(optarg, &o.encoding)) { rcu = usage_error("unknown --encoding", optarg); goto out; }
            break;
        case 'm':
            if (!strchr(optarg, '=')) { rcu = usage_error("bad --map (want COLUMN=FIELD)", optarg); goto out; }
            maps = dc_grow(maps, &mapcap, nmaps + 2, sizeof *maps);
            maps[nmaps++] = dc_xstrdup(optarg);
            maps[nmaps] = NULL;
            break;
        case 'M': mapping_file = optarg; break;
        case 'R': {
            char *end;
            max_rate = strtod(optarg, &end);
            if (end == optarg || *end || !(max_rate >= 0 && max_rate <= 1)) {
                rcu = usage_error("bad --max-reject-rate (0..1)", optarg);
                goto out;
            }
            break;
        }
        case 'F':
            if (parse_size(optarg, &o.max_field)) { rcu = usage_error("bad --max-field", optarg); goto out; }
            break;
        case 'C':
            if (parse_size(optarg, &o.chunk_size)) { rcu = usage_error("bad --chunk-size", optarg); goto out; }
            break;
        case 'f': force = 1; break;
        case 'n': dry = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); rcu = -1; goto out;
        default: rcu = usage_error("bad option", NULL); goto out;
        }
    }
    if (!outdir) { rcu = usage_error("missing -o OUTDIR", NULL); goto out; }
    if (optind >= argc) { rcu = usage_error("no input files", NULL); goto out; }
    if (quiet) dc_log_level = 0;
    if ((rcu = dc_cli_inputs((const char *const *)argv + optind, (size_t)(argc - optind), DC_SOURCE_NAME_BASE, &inputs))) {
        dc_error("%s", dc_geterr());
        goto out;
    }
    if (mapping_file && dc_mapping_file_read(mapping_file, &maps, &nmaps)) {
        dc_error("%s", dc_geterr());
        rcu = DC_EXIT_FAIL;
        goto out;
    }
    if (maps) {   /* --map wins over --mapping: first match is used, so put --map first */
        o.mappings = (const char *const *)maps;
    }
    if (dc_cli_prepare_outdir(outdir, force)) {
        dc_error("%s", dc_geterr());
        rcu = DC_EXIT_FAIL;
        goto out;
    }
    {
        static const char *const rcols[] = {"source", "line", "reason", "raw"};
        o.rejects = dc_table_open(outdir, "rejects", DC_FMT_CSV, 0, rcols, 4);
        if (!o.rejects) {
            dc_error("%s", dc_geterr());
            rcu = DC_EXIT_FAIL;
            goto out;
        }
        load_cli_t C = {outdir, NULL, NULL, 0};
        dc_sink_t sink = {0};
        sink.source_begin = dry ? NULL : on_source;
        sink.commit = dry ? NULL : on_commit;
        sink.ud = &C;
        dc_load_stats_t st;
        int rc = dc_load(&o, inputs.paths, inputs.n, &sink, &st);
        if (rc == 0) {
            for (size_t i = 0; i < C.ntables && rc == 0; i++) {
                rc = dc_table_commit(C.tables[i]);
                C.tables[i] = NULL;
            }
            if (rc == 0) rc = dc_table_commit(o.rejects);
            else dc_table_abort(o.rejects);
            o.rejects = NULL;
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
            dc_table_abort(o.rejects);
            o.rejects = NULL;
        } else {
            dc_log(1, "%llu rows read = %llu accepted + %llu rejected (%u files, %.1f MB, %.2f s)",
                   (unsigned long long)st.rows_in, (unsigned long long)st.rows_ok,
                   (unsigned long long)st.rows_rejected, st.nsources, (double)st.bytes_in / 1e6, st.seconds);
            for (uint32_t i = 0; i < st.nsources; i++) {
                const dc_source_info_t *S = &st.sources[i];
                dc_log(2, "  %s: %llu rows read = %llu accepted + %llu rejected (%s, %s)", S->name,
                       (unsigned long long)S->rows_in, (unsigned long long)S->rows_ok,
                       (unsigned long long)(S->rows_in - S->rows_ok), dc_encoding_name(S->encoding),
                       S->compression);
            }
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
        rcu = rc ? DC_EXIT_FAIL : DC_EXIT_OK;
    }
out:
    dc_cli_inputs_free(&inputs);
    for (size_t i = 0; i < nmaps; i++) free(maps[i]);
    free(maps);
    return rcu < 0 ? DC_EXIT_OK : rcu;
}

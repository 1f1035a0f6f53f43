/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * table.c - CSV / JSON Lines table writer over dc_outfile (dc_common.h).
 */
#include "dc_common.h"

#include <inttypes.h>  /* PRId64 */
#include <math.h>      /* isfinite */
#include <stdlib.h>    /* free */
#include <string.h>    /* strlen */

#define FLUSH_AT (1u << 17)

struct dc_table {
    dc_outfile_t *out;
    dc_format_t fmt;
    char **cols;
    size_t ncols, cell;
    uint64_t rows;
    int bad;
    size_t row_start;  /* b.len where the current row began */
    dc_buf_t b;
};

static void begin_cell(dc_table_t *t)
{
    if (t->cell >= t->ncols) { t->bad = 1; t->cell++; return; }
    if (t->fmt == DC_FMT_CSV) {
        if (t->cell) dc_buf_putc(&t->b, ',');
    } else {
        dc_buf_putc(&t->b, t->cell ? ',' : '{');
        const char *c = t->cols[t->cell];
        dc_buf_put_json_str(&t->b, c, strlen(c));
        dc_buf_putc(&t->b, ':');
    }
    t->cell++;
}

dc_table_t *dc_table_open(const char *dir, const char *name, dc_format_t fmt, int compress,
                          const char *const *cols, size_t ncols)
{
    dc_buf_t path = DC_BUF_INIT;
    dc_buf_printf(&path, "%s/%s.%s%s", dir, name, fmt == DC_FMT_JSONL ? "jsonl" : "csv",
                  compress ? ".zst" : "");
    dc_outfile_t *out = dc_outfile_open(path.p, compress ? DC_OUT_ZSTD : 0);
    dc_buf_free(&path);
    if (!out) return NULL;
    dc_table_t *t = dc_xcalloc(1, sizeof *t);
    t->out = out;
    t->fmt = fmt;
    t->ncols = ncols;
    t->cols = dc_xcalloc(ncols ? ncols : 1, sizeof *t->cols);
    for (size_t i = 0; i < ncols; i++) t->cols[i] = dc_xstrdup(cols[i]);
    if (fmt == DC_FMT_CSV) {
        for (size_t i = 0; i < ncols; i++) {
            if (i) dc_buf_putc(&t->b, ',');
            dc_buf_put_csv(&t->b, cols[i], strlen(cols[i]), ',');
        }
        dc_buf_putc(&t->b, '\n');
    }
    t->row_start = t->b.len;
    return t;
}

dc_table_t *dc_table_mem(dc_format_t fmt, const char *const *cols, size_t ncols)
{
    dc_table_t *t = dc_xcalloc(1, sizeof *t);
    t->fmt = fmt;
    t->ncols = ncols;
    t->cols = dc_xcalloc(ncols ? ncols : 1, sizeof *t->cols);
    for (size_t i = 0; i < ncols; i++) t->cols[i] = dc_xstrdup(cols[i]);
    return t;
}

int dc_table_append(dc_table_t *t, dc_table_t *mem)
{
    int rc = 0;
    if (t->cell || mem->cell) rc = dc_seterr("%s: row incomplete", t->out ? dc_outfile_path(t->out) : "table");
    if (rc == 0 && mem->b.len) {
        dc_buf_put(&t->b, mem->b.p, mem->b.len);
        t->rows += mem->rows;
        if (t->out && t->b.len >= FLUSH_AT) {
            rc = dc_outfile_buf(t->out, &t->b);
            dc_buf_clear(&t->b);
        }
        t->row_start = t->b.len;
    }
    dc_buf_clear(&mem->b);
    mem->rows = 0;
    mem->row_start = 0;
    return rc;
}

void dc_table_str(dc_table_t *t, const char *s, size_t n)
{
    begin_cell(t);
    if (t->fmt == DC_FMT_CSV) dc_buf_put_csv(&t->b, s, n, ',');
    else dc_buf_put_json_str(&t->b, s, n);
}

void dc_table_cstr(dc_table_t *t, const char *s) { dc_table_str(t, s, strlen(s)); }

void dc_table_null(dc_table_t *t)
{
    begin_cell(t);
    if (t->fmt == DC_FMT_JSONL) dc_buf_puts(&t->b, "null");
}

void dc_table_u64(dc_table_t *t, uint64_t v)
{
    begin_cell(t);
    dc_buf_putu64(&t->b, v);
}

void dc_table_i64(dc_table_t *t, int64_t v)
{
    begin_cell(t);
    dc_buf_printf(&t->b, "%" PRId64, v);
}

void dc_table_f64(dc_table_t *t, double v, int decimals)
{
    if (!isfinite(v)) { dc_table_null(t); return; }
    begin_cell(t);
    if (v == 0) v = 0; /* no "-0.0000" */
    dc_buf_printf(&t->b, "%.*f", decimals, v);
}

int dc_table_end_row(dc_table_t *t)
{
    if (t->bad || t->cell != t->ncols) {
        int rc = dc_seterr("%s: row %llu has %zu cells, expected %zu",
                           t->out ? dc_outfile_path(t->out) : "table",
                           (unsigned long long)t->rows + 1, t->cell, t->ncols);
        t->bad = 0;
        t->cell = 0;
        t->b.len = t->row_start; /* drop the malformed row */
        if (t->b.p) t->b.p[t->b.len] = '\0';
        return rc;
    }
    if (t->fmt == DC_FMT_JSONL) dc_buf_puts(&t->b, t->ncols ? "}\n" : "{}\n");
    else dc_buf_putc(&t->b, '\n');
    t->cell = 0;
    t->rows++;
    if (t->out && t->b.len >= FLUSH_AT) {
        int rc = dc_outfile_buf(t->out, &t->b);
        dc_buf_clear(&t->b);
        t->row_start = 0;
        return rc;
    }
    t->row_start = t->b.len;
    return 0;
}

static void table_free(dc_table_t *t)
{
    for (size_t i = 0; i < t->ncols; i++) free(t->cols[i]);
    free(t->cols);
    dc_buf_free(&t->b);
    free(t);
}

int dc_table_commit(dc_table_t *t)
{
    int rc = 0;
    if (!t->out) {
        table_free(t);
        return dc_seterr("a memory table cannot be committed (dc_table_append it)");
    }
    if (t->cell) rc = dc_seterr("%s: last row incomplete", dc_outfile_path(t->out));
    if (rc == 0 && t->b.len) rc = dc_outfile_buf(t->out, &t->b);
    if (rc == 0) rc = dc_outfile_commit(t->out);
    else dc_outfile_abort(t->out);
    table_free(t);
    return rc;
}

void dc_table_abort(dc_table_t *t)
{
    if (!t) return;
    if (t->out) dc_outfile_abort(t->out);
    table_free(t);
}

const char *dc_table_path(const dc_table_t *t) { return t->out ? dc_outfile_path(t->out) : ""; }
uint64_t dc_table_rows(const dc_table_t *t) { return t->rows; }

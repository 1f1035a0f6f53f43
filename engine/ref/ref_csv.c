/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ref_csv.c - RFC 4180 reader for the embedded reference files (dc_ref.h). */
#include "ref/dc_ref.h"
#include "common/dc_common.h"

#include <stdlib.h>  /* free */
#include <string.h>  /* strcmp */

static void row_put(dc_ref_csv_t *c, size_t *len, char ch)
{
    if (*len + 1 >= c->rowcap) {
        c->rowcap = c->rowcap ? c->rowcap * 2 : 256;
        c->row = dc_xrealloc(c->row, c->rowcap);
    }
    c->row[(*len)++] = ch;
}

/* Parse one row at c->p into c->row / c->f. Returns 0 at end of data. */
static int parse_row(dc_ref_csv_t *c)
{
    if (c->p >= c->end) return 0;
    size_t rowlen = 0, nf = 0, scap = 0;
    size_t *starts = NULL;
    const char *p = c->p;
    c->line++;
    for (;;) {
        starts = dc_grow(starts, &scap, nf + 1, sizeof *starts);
        starts[nf] = rowlen;
        if (p < c->end && *p == '"') {
            p++;
            while (p < c->end) {
                if (*p == '"') {
                    if (p + 1 < c->end && p[1] == '"') { row_put(c, &rowlen, '"'); p += 2; continue; }
                    p++;
                    break;
                }
                if (*p == '\n') c->line++;
                row_put(c, &rowlen, *p++);
            }
        }
        while (p < c->end && *p != c->delim && *p != '\n') {
            if (*p != '\r') row_put(c, &rowlen, *p);
            p++;
        }
        row_put(c, &rowlen, '\0');
        nf++;
        if (p < c->end && *p == c->delim) { p++; continue; }
        if (p < c->end && *p == '\n') p++;
        break;
    }
    c->p = p;
    c->f = dc_grow((void *)c->f, &c->fcap, nf, sizeof *c->f);
    c->flen = dc_xrealloc(c->flen, c->fcap * sizeof *c->flen);
    for (size_t i = 0; i < nf; i++) {
        c->f[i] = c->row + starts[i];
        size_t e = (i + 1 < nf ? starts[i + 1] : rowlen) - 1;
        c->flen[i] = e - starts[i];
    }
    c->nf = nf;
    free(starts);
    return 1;
}

static int open_mem(dc_ref_csv_t *c, const char *name, const char *d, size_t len, char delim)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->p = d;
    c->end = d + len;
    c->delim = delim;
    if (len >= 3 && (unsigned char)d[0] == 0xEF && (unsigned char)d[1] == 0xBB &&
        (unsigned char)d[2] == 0xBF)
        c->p += 3;
    if (!parse_row(c)) return -1;
    c->nhead = c->nf;
    c->head = dc_xcalloc(c->nf, sizeof *c->head);
    for (size_t i = 0; i < c->nf; i++) c->head[i] = dc_xstrndup(c->f[i], c->flen[i]);
    return 0;
}

void dc_ref_csv_open(dc_ref_csv_t *c, const char *name, char delim)
{
    size_t len;
    const char *d = dc_ref_get(name, &len);
    if (!d) dc_die("embedded reference file %s is missing", name);
    if (open_mem(c, name, d, len, delim)) dc_die("embedded reference file %s is empty", name);
}

int dc_ref_csv_open_mem(dc_ref_csv_t *c, const char *name, const char *data, size_t len, char delim)
{
    if (open_mem(c, name, data, len, delim) == 0) return 0;
    dc_ref_csv_close(c);
    return dc_seterr("%s is empty", name);
}

int dc_ref_csv_next(dc_ref_csv_t *c)
{
    while (parse_row(c)) {
        if (c->nf == 1 && c->flen[0] == 0) continue; /* blank line */
        /* pad short rows so that f[col] is always valid */
        if (c->nf < c->nhead) {
            c->f = dc_grow((void *)c->f, &c->fcap, c->nhead, sizeof *c->f);
            c->flen = dc_xrealloc(c->flen, c->fcap * sizeof *c->flen);
            for (size_t i = c->nf; i < c->nhead; i++) { c->f[i] = ""; c->flen[i] = 0; }
            c->nf = c->nhead;
        }
        return 1;
    }
    return 0;
}

int dc_ref_csv_col_opt(const dc_ref_csv_t *c, const char *colname)
{
    for (size_t i = 0; i < c->nhead; i++)
        if (strcmp(c->head[i], colname) == 0) return (int)i;
    return -1;
}

int dc_ref_csv_col(const dc_ref_csv_t *c, const char *colname)
{
    int i = dc_ref_csv_col_opt(c, colname);
    if (i < 0) dc_die("embedded reference file %s has no column %s", c->name, colname);
    return i;
}

void dc_ref_csv_close(dc_ref_csv_t *c)
{
    for (size_t i = 0; i < c->nhead; i++) free(c->head[i]);
    free(c->head);
    free((void *)c->f);
    free(c->flen);
    free(c->row);
    memset(c, 0, sizeof *c);
}

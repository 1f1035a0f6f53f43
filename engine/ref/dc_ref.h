/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_ref.h - reference data compiled into the dancu binary.
 *
 * Every file under engine/ref/data/ is embedded at build time (assembler
 * .incbin, see engine/ref/mkblobs.sh), so the binary needs no data files at
 * run time and never reads anything outside its own inputs. Each file's
 * source and licence are recorded in engine/ref/SOURCES.md.
 */
#ifndef DC_REF_H
#define DC_REF_H

#include <stddef.h>

typedef struct dc_ref_file {
    const char *name;            /* file name under engine/ref/data/ */
    const unsigned char *data;   /* contents, followed by a NUL byte */
    size_t len;                  /* bytes, without the NUL */
} dc_ref_file_t;

extern const dc_ref_file_t dc_ref_files[];
extern const size_t dc_ref_nfiles;

/*! dc_ref_get() : contents of the embedded file `name` (NUL-terminated),
 *  or NULL if there is none; `len` may be NULL. */
const char *dc_ref_get(const char *name, size_t *len);

/* A small RFC 4180 reader for the embedded CSV/TSV files. Usage:
 *   dc_ref_csv_t c;
 *   dc_ref_csv_open(&c, "file.csv", ',');     // reads the header row
 *   int col = dc_ref_csv_col(&c, "ward_code");
 *   while (dc_ref_csv_next(&c)) use(c.f[col], c.flen[col]);
 *   dc_ref_csv_close(&c);
 * Fields are NUL-terminated and valid until the next call. A missing file
 * or column is a build defect: dc_ref_csv_open/dc_ref_csv_col die. */
typedef struct dc_ref_csv {
    const char *name;
    const char *p, *end;
    char delim;
    size_t nf;            /* fields in the current row */
    const char **f;       /* field strings */
    size_t *flen;         /* field lengths */
    size_t nhead;         /* header fields */
    char **head;          /* header names */
    char *row;            /* storage of the current row */
    size_t rowcap, fcap;
    unsigned long line;   /* 1-based line of the current row */
} dc_ref_csv_t;

void dc_ref_csv_open(dc_ref_csv_t *c, const char *name, char delim);
int dc_ref_csv_next(dc_ref_csv_t *c);        /* 1: a row; 0: end of file */
int dc_ref_csv_col(const dc_ref_csv_t *c, const char *colname);
int dc_ref_csv_col_opt(const dc_ref_csv_t *c, const char *colname); /* -1 if absent */
void dc_ref_csv_close(dc_ref_csv_t *c);
/*! dc_ref_csv_open_mem() : the same reader over a caller's buffer (which
 *  must outlive the reader), e.g. a truth or links file read by `dancu
 *  eval`. @return 0, or -1 (dc_seterr) when the buffer holds no header. */
int dc_ref_csv_open_mem(dc_ref_csv_t *c, const char *name, const char *data, size_t len, char delim);

#endif /* DC_REF_H */

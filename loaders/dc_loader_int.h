/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_loader_int.h - internals of the loader shared by its files and tests:
 * streaming sources, the CSV record scanner/parser and header mapping.
 * Not a contract for other modules: use dc_loader.h.
 */
#ifndef DC_LOADER_INT_H
#define DC_LOADER_INT_H

#include "dc_loader.h"

#include <sys/types.h>  /* ssize_t */

/* ------------------------------------------------------------- sources */

/* A byte stream: a plain file, zstd or gzip (detected by magic bytes, so a
 * misnamed file still reads), or stdin for "-". */
typedef struct dc_src dc_src_t;

/*! dc_src_open() : @return the stream, or NULL (dc_seterr names the file). */
dc_src_t *dc_src_open(const char *path);
/*! dc_src_read() : up to `n` decompressed bytes. @return bytes read, 0 at
 *  the end, -1 on error (I/O, corrupt or truncated stream; dc_seterr). */
ssize_t dc_src_read(dc_src_t *s, void *buf, size_t n);
/*! dc_src_compression() : "none", "zstd" or "gzip". */
const char *dc_src_compression(const dc_src_t *s);
/*! dc_src_raw_bytes() : bytes read from the file itself so far. */
uint64_t dc_src_raw_bytes(const dc_src_t *s);
void dc_src_close(dc_src_t *s);

/*! dc_source_name() : dc_source_name_as(path, DC_SOURCE_NAME_BASE). */
char *dc_source_name(const char *path);

/* ------------------------------------------------------------------ CSV */

/*! dc_csv_cut() :
 *  Find where the complete records of buf[0..n) end (buf[0] starts a
 *  record). A record ends at a LF outside a quoted field; a quote opens a
 *  quoted field only at a field start (buf[0], or after `delim` or a LF)
 *  and a lone quote closes it ("" is a literal quote); elsewhere a quote is
 *  data. A quoted field longer than `max_field` bytes (unescaped), or still
 *  open at the end of the input (`eof`), is unterminated.
 *  @return the number of bytes of complete records (0: none yet, read more).
 *  When the record at buf[0] is unterminated, *unterm is set to 1 and the
 *  return value is the length of its first physical line (including its
 *  LF), or 0 if that line is not complete yet. */
size_t dc_csv_cut(const char *buf, size_t n, int eof, size_t max_field, char delim, int *unterm);

/*! dc_csv_first_record() : like dc_csv_cut, the end of the first record
 *  only (0: not complete yet). */
size_t dc_csv_first_record(const char *buf, size_t n, int eof, size_t max_field, char delim, int *unterm);

/*! dc_csv_detect_delimiter() : the most frequent of , ; TAB | outside
 *  quotes in the header line line[0..n) (ties: that order); ',' if none. */
char dc_csv_detect_delimiter(const char *line, size_t n);

/* One parsed field. `p` points into the record bytes or into `scratch` when
 * the field had to be unescaped (then `off` is its offset in scratch). */
typedef struct dc_csv_field {
    const char *p;
    size_t off;
    uint32_t len;
    uint8_t in_scratch;
    uint8_t high;         /* holds bytes >= 0x80 (or VISCII control letters) */
} dc_csv_field_t;

typedef struct dc_csv_rec {
    dc_csv_field_t *f;
    size_t nf, fcap;
    uint32_t lines;       /* LF bytes consumed (record and terminator) */
    uint8_t nul;          /* a NUL byte was seen */
    uint8_t too_long;     /* a field over max_field */
    uint8_t blank;        /* an empty line */
    uint8_t crlf;         /* ended by CRLF */
} dc_csv_rec_t;

/*! dc_csv_parse() :
 *  Parse one record starting at p (records end at a LF outside quotes or at
 *  `end`). Unescaped field contents go to `scratch`. @return the start of
 *  the next record. */
const char *dc_csv_parse(const char *p, const char *end, char delim, size_t max_field,
                         const uint8_t *cls, dc_csv_rec_t *rec, dc_buf_t *scratch);
/*! dc_csv_classes() : fill the byte class table used by dc_csv_parse. */
void dc_csv_classes(uint8_t cls[256], char delim, dc_encoding_t enc);
void dc_csv_rec_free(dc_csv_rec_t *rec);

/* -------------------------------------------------------- header mapping */

/* Roles of the split name columns. */
enum { DC_NAME_PART_NONE = 0, DC_NAME_PART_HO = 1, DC_NAME_PART_DEM = 2, DC_NAME_PART_TEN = 3 };

/*! dc_header_key() : the matching key of a header cell: lower case, no
 *  diacritics (đ -> d), only [a-z0-9] ("Họ và tên" -> "hovaten"). */
void dc_header_key(const char *s, size_t n, dc_buf_t *out);

/*! dc_header_lookup() :
 *  The canonical field of a header name through the synonym table, or -1;
 *  *part is set for ho / ten_dem / ten (field DC_F_HO_TEN). Also accepts
 *  "extra" / "-" (returns -2: carry through). */
int dc_header_lookup(const char *name, size_t n, int *part);

typedef struct dc_header_map {
    uint32_t ncols;
    int *field;     /* per column: dc_field_t, or -1 for an extra column */
    int *part;      /* per column: DC_NAME_PART_* */
    uint32_t nextra;
    uint32_t *extra_col;  /* extra index -> column */
    int has_name;   /* ho_ten or at least one split part */
    int split;      /* the name comes from split parts */
} dc_header_map_t;

/*! dc_header_map() :
 *  Map header cells (UTF-8) to fields. `overrides` are "column=field"
 *  strings (NULL-terminated, may be NULL), applied first. @return 0, or -1
 *  on a bad override (dc_seterr). */
int dc_header_map(const char *const *cells, const uint32_t *lens, uint32_t ncols,
                  const char *const *overrides, dc_header_map_t *m);
void dc_header_map_free(dc_header_map_t *m);

/*! dc_mapping_file_read() : read a mapping CSV (column,field) into a
 *  NULL-terminated array of "column=field" strings appended to *list
 *  (count *n). @return 0 or -1 (dc_seterr). */
int dc_mapping_file_read(const char *path, char ***list, size_t *n);

/*! dc_escape_raw() : append raw record bytes as valid UTF-8: decoded with
 *  `enc` where possible, undecodable bytes as \xHH, backslash as \\, the
 *  trailing line terminator dropped. */
void dc_escape_raw(dc_encoding_t enc, const char *p, size_t n, dc_buf_t *out);

#endif /* DC_LOADER_INT_H */

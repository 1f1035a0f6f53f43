/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_json.h - JSON: one writer for every JSON output, one strict reader.
 *
 * Writer. dc_jw_t appends to a dc_buf_t and tracks, per open container,
 * whether a member was written and how members are laid out, so that
 * callers say what to write (keys, values, containers) and never write
 * commas, colons or quotes themselves. Strings go through
 * dc_buf_put_json_str(): escaped, and any byte sequence that is not
 * UTF-8 becomes \ufffd, so every output is valid UTF-8 JSON whatever the
 * input (file names, header cells). Numbers are written with the format
 * the caller names (a fixed number of decimals, or %.Ng); NaN and
 * infinities become null. The layouts exist to keep the files' historical
 * formats byte for byte (the golden tests): DC_JW_LINES (one member per
 * line: report.json), DC_JW_INLINE (", " and ": ") and DC_JW_COMPACT
 * ("," and ":"); dc_jw_wrap() starts the next member of an inline
 * container on a new line. A line is indented two spaces per enclosing
 * DC_JW_NL container (inline ones do not count) plus the base depth given
 * to dc_jw_init.
 *
 * Reader. dc_json_parse() builds a tree in the caller's arena and follows
 * RFC 8259 strictly: numbers by its grammar (no "1.", ".5", "+1", "01"),
 * strings valid UTF-8 with no control byte, \u escapes with surrogates in
 * pairs only, nothing after the value but white space, and nesting up to
 * 64 levels. Beyond the RFC, "\u0000" is refused (strings are C strings:
 * a NUL would cut them silently).
 */
#ifndef DC_JSON_H
#define DC_JSON_H

#include "common/dc_common.h"

/* ---------------------------------------------------------------- writer */

enum {
    DC_JW_COMPACT = 0,   /* {"a":1,"b":2} */
    DC_JW_SPACE = 1,     /* flag: ": " after keys, ", " between members */
    DC_JW_NL = 2,        /* flag: each member on its own line, indented */
    DC_JW_INLINE = DC_JW_SPACE,
    DC_JW_LINES = DC_JW_SPACE | DC_JW_NL,
};

#define DC_JW_MAXDEPTH 64

typedef struct dc_jw {
    dc_buf_t *b;
    int depth;                             /* open containers */
    int indent;                            /* the base depth plus open DC_JW_NL containers */
    int pending_key;                       /* a key was written: no separator before its value */
    int wrap;                              /* dc_jw_wrap(): next member on a new line */
    unsigned char first[DC_JW_MAXDEPTH];   /* no member yet at this depth */
    unsigned char layout[DC_JW_MAXDEPTH];  /* DC_JW_* of the container at this depth */
} dc_jw_t;

/*! dc_jw_init() : write one JSON value to `b`. `depth` is the base
 *  indentation depth (0 for a file; n for a value that the caller embeds
 *  where lines are indented n levels). */
void dc_jw_init(dc_jw_t *j, dc_buf_t *b, int depth);
/*! dc_jw_open() / dc_jw_close() : a container ('{' or '['); `layout` is
 *  DC_JW_LINES, DC_JW_INLINE or DC_JW_COMPACT. A DC_JW_NL container
 *  closes on its own line unless it is empty. */
void dc_jw_open(dc_jw_t *j, char bracket, int layout);
void dc_jw_close(dc_jw_t *j);
/*! dc_jw_layout() : change the layout of the open container for the
 *  members still to come. */
void dc_jw_layout(dc_jw_t *j, int layout);
/*! dc_jw_wrap() : the next member of the open container starts on a new
 *  line (indented as the members of the innermost DC_JW_NL container). */
void dc_jw_wrap(dc_jw_t *j);
/*! dc_jw_key() : an object member's key; the value follows. */
void dc_jw_key(dc_jw_t *j, const char *k);
/*! dc_jw_str() : a string (NULL: null); dc_jw_strn() of n bytes. */
void dc_jw_str(dc_jw_t *j, const char *s);
void dc_jw_strn(dc_jw_t *j, const char *s, size_t n);
void dc_jw_u64(dc_jw_t *j, uint64_t v);
void dc_jw_i64(dc_jw_t *j, int64_t v);
/*! dc_jw_fixed() : v with `dec` decimals ("%.*f"; -0 as 0); NaN and
 *  infinities: null. */
void dc_jw_fixed(dc_jw_t *j, double v, int dec);
/*! dc_jw_g() : v as "%.*g" with `prec` digits; NaN and infinities: null. */
void dc_jw_g(dc_jw_t *j, double v, int prec);
void dc_jw_bool(dc_jw_t *j, int v);
void dc_jw_null(dc_jw_t *j);
/*! dc_jw_kv_*() : a key and its value in one call. */
void dc_jw_kv_u64(dc_jw_t *j, const char *k, uint64_t v);
void dc_jw_kv_str(dc_jw_t *j, const char *k, const char *v);
void dc_jw_kv_fixed(dc_jw_t *j, const char *k, double v, int dec);
void dc_jw_kv_bool(dc_jw_t *j, const char *k, int v);
/*! dc_jw_raw() : a value already written as JSON (trusted: the caller's
 *  own dc_jw output). */
void dc_jw_raw(dc_jw_t *j, const char *s, size_t n);

/* ---------------------------------------------------------------- reader */

enum { DC_JSON_NULL, DC_JSON_BOOL, DC_JSON_NUMBER, DC_JSON_STRING, DC_JSON_ARRAY, DC_JSON_OBJECT };

typedef struct dc_json {
    int type;
    char *key;                 /* member name inside an object, else NULL */
    char *str;                 /* DC_JSON_STRING (valid UTF-8, no NUL) */
    double num;                /* DC_JSON_NUMBER, DC_JSON_BOOL (0/1) */
    struct dc_json *child;     /* first element / member */
    struct dc_json *next;      /* next sibling */
    size_t len;                /* elements / members */
} dc_json_t;

/*! dc_json_parse() : the tree of `text` in arena `a` (free the arena to
 *  free it). @return the root, or NULL (dc_seterr names the byte offset
 *  and the reason). */
dc_json_t *dc_json_parse(const char *text, size_t len, dc_arena_t *a);
const dc_json_t *dc_json_get(const dc_json_t *obj, const char *key);   /* NULL if absent */
double dc_json_num(const dc_json_t *n, double dflt);
const char *dc_json_str(const dc_json_t *n);                            /* NULL if not a string */

#endif /* DC_JSON_H */

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_match_json.h - a small JSON reader (model.json, run manifests).
 * The tree lives in the caller's arena; free the arena to free it.
 */
#ifndef DC_MATCH_JSON_H
#define DC_MATCH_JSON_H

#include "common/dc_common.h"

enum { DC_JSON_NULL, DC_JSON_BOOL, DC_JSON_NUMBER, DC_JSON_STRING, DC_JSON_ARRAY, DC_JSON_OBJECT };

typedef struct dc_json {
    int type;
    char *key;                 /* member name inside an object, else NULL */
    char *str;                 /* DC_JSON_STRING */
    double num;                /* DC_JSON_NUMBER, DC_JSON_BOOL (0/1) */
    struct dc_json *child;     /* first element / member */
    struct dc_json *next;      /* next sibling */
    size_t len;                /* elements / members */
} dc_json_t;

/*! dc_json_parse() : @return the root, or NULL (dc_seterr names the byte). */
dc_json_t *dc_json_parse(const char *text, size_t len, dc_arena_t *a);
const dc_json_t *dc_json_get(const dc_json_t *obj, const char *key);   /* NULL if absent */
double dc_json_num(const dc_json_t *n, double dflt);
const char *dc_json_str(const dc_json_t *n);                            /* NULL if not a string */

/*! dc_read_file() : whole file, NUL-terminated, malloc'd, decompressed when
 *  its name ends in ".zst"; NULL (dc_seterr) on error or when larger than
 *  `max` bytes (0: no limit). */
char *dc_read_file(const char *path, size_t *len, size_t max);   /* "-": standard input */

#endif /* DC_MATCH_JSON_H */

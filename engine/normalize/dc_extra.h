/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_extra.h - extra columns: input columns the register does not have
 * (passport, phone, e-mail, postcode, any named column) that a settings
 * file declares as comparisons ("column NAME ..." lines, docs/SETTINGS.md).
 *
 * DESIGN. The compact record (dc_record.h) has no room for them and most
 * runs declare none, so their values live beside the records: one array
 * of interned string ids, `n` per record in record order (record i's
 * values at vals[i * n]), built by the load stage from the carried-through
 * columns (dc_row_t.extra). Nothing is allocated or read when no column is
 * declared: the cost is zero for a register run.
 *
 * The declarations and the bound values are process-wide (one run per
 * process, like the log level): dc_extra_use() sets the declarations
 * before loading, dc_extra_bind() points at the run's records and values
 * after it. Comparison, blocking and cannot-link read a record's value
 * with dc_extra_value(), which finds the record's index from its address;
 * a record outside the bound array (a test's record on the stack) has no
 * extra value. Set both before any worker thread reads them.
 */
#ifndef DC_EXTRA_H
#define DC_EXTRA_H

#include "common/dc_common.h"
#include "normalize/dc_record.h"

#define DC_EXTRA_MAX 5           /* declared columns at most (4 bits each in a level pattern) */
#define DC_EXTRA_NAME_MAX 32     /* bytes of a column name, NUL included */

/* How a value is normalized before comparison (all: surrounding spaces
 * removed; an empty result is missing). */
typedef enum dc_extra_norm {
    DC_XN_EXACT = 0,   /* "exact": as written */
    DC_XN_TEXT = 1,    /* "text": ASCII letters lower-cased, only letters and digits kept
                          (bytes >= 0x80 kept): "A.B-12 x" -> "ab12x" */
    DC_XN_DIGITS = 2,  /* "digits": only the digits ("(02) 9876-5432" -> "0298765432") */
} dc_extra_norm_t;

typedef struct dc_extra_def {
    char name[DC_EXTRA_NAME_MAX];  /* header name of the column (compared case-insensitively) */
    uint8_t norm;                  /* dc_extra_norm_t */
    uint8_t cannot_link;           /* two different values: never one person */
    float fuzzy;                   /* > 0: a "similar" level at Jaro-Winkler >= fuzzy */
} dc_extra_def_t;

/* Levels of an extra column: same, [similar], different. */
enum { DC_XLV_SAME = 0, DC_XLV_SIMILAR = 1 };

/*! dc_extra_use() : declare the extra columns of this process's run
 *  (n <= DC_EXTRA_MAX; n = 0: none). Unbinds any values. */
void dc_extra_use(const dc_extra_def_t *defs, int n);
/*! dc_extra_count() : the number of declared columns. */
int dc_extra_count(void);
/*! dc_extra_def() : declaration k (NULL when k is out of range). */
const dc_extra_def_t *dc_extra_def(int k);
/*! dc_extra_nlevels() : levels of column k: 3 with a fuzzy level, else 2. */
int dc_extra_nlevels(int k);

/*! dc_extra_normalize() : the comparison form of s[0..n) under `norm`
 *  into out (at most cap - 1 bytes, NUL-terminated). @return its length. */
size_t dc_extra_normalize(dc_extra_norm_t norm, const char *s, size_t n, char *out, size_t cap);

/*! dc_extra_bind() : the values of the run's records: recs[0..nrec) and
 *  vals (nrec * dc_extra_count() interned ids, 0 = missing), borrowed. */
void dc_extra_bind(const dc_record_t *recs, size_t nrec, const uint32_t *vals);
/*! dc_extra_value() : the interned value of column k for record r, 0 when
 *  missing, undeclared, or r is not one of the bound records. */
uint32_t dc_extra_value(const dc_record_t *r, int k);

#endif /* DC_EXTRA_H */

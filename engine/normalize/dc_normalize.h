/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_normalize.h - canonical rows -> compact normalized records.
 *
 * Usage:
 *   sh  = dc_norm_shared_create(intern, &opts);   once; read-only afterwards
 *   ctx = dc_norm_ctx_create(sh);                 once per worker thread
 *   dc_norm_row(ctx, source, row, &rec);          for every accepted row
 *   dc_norm_finalize(sh, recs, n);                once, after all rows
 *
 * dc_norm_row never fails on data: bad values become flags and unknown
 * codes. Work is cached per thread by distinct raw value (names, places
 * and dates repeat), see docs/NORMALIZATION.md.
 */
#ifndef DC_NORMALIZE_H
#define DC_NORMALIZE_H

#include "../common/dc_common.h"
#include "../../loaders/dc_loader.h"
#include "dc_record.h"

typedef struct dc_norm_opts {
    int ethnic_codes;   /* numeric dan_toc codes: 0 refuse to guess, 1979 or 2008 */
    int sex_one;        /* meaning of "1"/"0": 0 infer per file, 1 "1"=male, 2 "1"=female */
    int century_pivot;  /* dd/mm/yy: yy <= pivot -> 20yy else 19yy; default 30 (docs) */
    int ref_year;       /* "today" for plausibility checks; 0 = 2026 */
} dc_norm_opts_t;

typedef struct dc_norm_shared dc_norm_shared_t;
typedef struct dc_norm_ctx dc_norm_ctx_t;

/*! dc_norm_shared_create() : load the tables (names, ethnic groups, ID
 *  province codes, gazetteer) from the embedded reference data. `in` is the
 *  run's interner (borrowed). Never fails (embedded data is checked by tests). */
dc_norm_shared_t *dc_norm_shared_create(dc_intern_t *in, const dc_norm_opts_t *opts);
void dc_norm_shared_free(dc_norm_shared_t *sh);
dc_intern_t *dc_norm_intern(const dc_norm_shared_t *sh);

dc_norm_ctx_t *dc_norm_ctx_create(dc_norm_shared_t *sh);
void dc_norm_ctx_free(dc_norm_ctx_t *ctx);

/*! dc_norm_row() : fill `out` from `row` of file `source`. Thread-safe with
 *  one ctx per thread. */
void dc_norm_row(dc_norm_ctx_t *ctx, uint32_t source, const dc_row_t *row, dc_record_t *out);

/*! dc_norm_finalize() : decisions that need a whole file: the meaning of
 *  sex codes "0"/"1" per source (from middle names such as Văn and Thị,
 *  unless forced by opts), then the ID/sex consistency flags that depend
 *  on it. Deterministic (counts only). */
void dc_norm_finalize(dc_norm_shared_t *sh, dc_record_t *recs, size_t n);

/*! dc_norm_display_name() : proper Vietnamese title case of an interned
 *  exact key ("nguyễn văn an" -> "Nguyễn Văn An"), appended to `out`. */
void dc_norm_display_name(const dc_norm_shared_t *sh, uint32_t exact, dc_buf_t *out);

#endif /* DC_NORMALIZE_H */

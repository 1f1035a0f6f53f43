/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_normalize.h - canonical rows -> compact normalized records.
 *
 * Usage:
 *   sh  = dc_norm_shared_create(intern, &opts);   once; read-only afterwards
 *   ctx = dc_norm_ctx_create(sh);                 once per worker thread
 *   dc_norm_row(ctx, source, row, &rec);          for every accepted row
 *   (or dc_norm_rows(ctx, source, rows, n, recs) for a batch: faster)
 *   dc_norm_finalize(sh, recs, n);                once, after all rows
 *
 * dc_norm_row never fails on data: bad values become flags and unknown
 * codes. Work is cached per thread by distinct raw value (names, places
 * and dates repeat), see docs/NORMALIZATION.md.
 */
#ifndef DC_NORMALIZE_H
#define DC_NORMALIZE_H

#include "common/dc_common.h"
#include "dc_loader.h"
#include "normalize/dc_record.h"

typedef struct dc_norm_opts {
    int ethnic_codes;   /* numeric dan_toc codes: 0 refuse to guess, 1979 or 2008 */
    int sex_one;        /* meaning of "1"/"0": 0 infer per file, 1 "1"=male, 2 "1"=female */
    int century_pivot;  /* dd/mm/yy: yy <= pivot -> 20yy else 19yy; 1..99, 0 = default 30 */
    int ref_year;       /* "today" for plausibility checks; 1900..9999, 0 = 2026 */
    int min_year;       /* dates before this year are invalid; 1000..1800, 0 = 1800 (the
                           register's); settings "dob_min_year" (docs/SETTINGS.md) */
    int no_cache;       /* 1: do not cache per distinct raw value (tests, benchmarks) */
} dc_norm_opts_t;

/* Numeric options of dc_norm_opts_t and their bounds. */
typedef enum dc_norm_param {
    DC_NORM_P_CENTURY_PIVOT,   /* 1..99 */
    DC_NORM_P_REF_YEAR,        /* 1900..9999 (the date's year field holds 14 bits) */
} dc_norm_param_t;
/*! dc_norm_param_bounds() : the accepted range of a numeric normalization option. */
dc_bounds_t dc_norm_param_bounds(dc_norm_param_t p);

typedef struct dc_norm_shared dc_norm_shared_t;
typedef struct dc_norm_ctx dc_norm_ctx_t;

/*! dc_norm_shared_create() : load the tables (names, ethnic groups, ID
 *  province codes, gazetteer) from the embedded reference data. `in` is the
 *  run's interner (borrowed). Never fails (embedded data is checked by tests). */
dc_norm_shared_t *dc_norm_shared_create(dc_intern_t *in, const dc_norm_opts_t *opts);
void dc_norm_shared_free(dc_norm_shared_t *sh);
/*! dc_norm_shared_set_min_year() : the earliest valid year (dc_norm_opts_t.min_year; 0 = 1800),
 *  set by the settings file after the shared state exists, before any record is normalized. */
void dc_norm_shared_set_min_year(dc_norm_shared_t *sh, int min_year);
dc_intern_t *dc_norm_intern(const dc_norm_shared_t *sh);
/*! dc_norm_gazetteer() : the gazetteer the normalizer matches addresses
 *  against (dc_address.h), for names of provinces in reports. */
const struct dc_gazetteer *dc_norm_gazetteer(const dc_norm_shared_t *sh);

dc_norm_ctx_t *dc_norm_ctx_create(dc_norm_shared_t *sh);
void dc_norm_ctx_free(dc_norm_ctx_t *ctx);

/*! dc_norm_row() : fill `out` from `row` of file `source`. Thread-safe with
 *  one ctx per thread. */
void dc_norm_row(dc_norm_ctx_t *ctx, uint32_t source, const dc_row_t *row, dc_record_t *out);
/*! dc_norm_rows() : dc_norm_row() on rows[0..n) into out[0..n), the same
 *  results, faster: the memory the next rows need is fetched while the
 *  current one is normalized (docs/NORMALIZATION.md, "Speed"). */
void dc_norm_rows(dc_norm_ctx_t *ctx, uint32_t source, const dc_row_t *rows, size_t n,
                  dc_record_t *out);

/*! dc_norm_finalize() : decisions that need a whole file: the meaning of
 *  sex codes "0"/"1" per source (from middle names such as Văn and Thị,
 *  unless forced by opts), then the ID/sex consistency flags that depend
 *  on it. Deterministic (counts only). */
void dc_norm_finalize(dc_norm_shared_t *sh, dc_record_t *recs, size_t n);

/*! dc_norm_display_name() : proper Vietnamese title case of an interned
 *  exact key ("nguyễn văn an" -> "Nguyễn Văn An"), appended to `out`. */
void dc_norm_display_name(const dc_norm_shared_t *sh, uint32_t exact, dc_buf_t *out);

/* ------------------------------------------------- per-field normalizers
 * The pieces dc_norm_row() is made of, for tests, `dancu normalize` and
 * other stages. All are pure functions of their input and the shared
 * tables (thread-safe), except that names are interned in the run's
 * interner. */

/*! dc_norm_name() : split and key one full name (ho_ten). */
void dc_norm_name(dc_norm_ctx_t *ctx, const char *s, size_t n, dc_name_t *out);
/*! dc_norm_relname() : the keys of a related person's name. */
void dc_norm_relname(dc_norm_ctx_t *ctx, const char *s, size_t n, dc_relname_t *out,
                     uint16_t *flags);

/*! dc_norm_phon_hash() : dc_relname_t.phon of the phonetic key s[0..n)
 *  (never 0 for a non-empty key). */
uint32_t dc_norm_phon_hash(const char *s, size_t n);
/*! dc_norm_phon_of() : the phonetic key of the name whose interned exact
 *  key is `exact` (the string a dc_relname_t.phon is the hash of),
 *  appended to `out`. */
void dc_norm_phon_of(const dc_norm_shared_t *sh, uint32_t exact, dc_buf_t *out);

/*! dc_norm_date() : parse a date (docs/NORMALIZATION.md lists the formats). */
void dc_norm_date(const dc_norm_opts_t *opts, const char *s, size_t n, dc_date_t *out);
/*! dc_date_format() : "yyyy-mm-dd", "yyyy-mm" or "yyyy" by precision, ""
 *  when none; into buf (>= 11 bytes). @return buf. */
char *dc_date_format(const dc_date_t *d, char *buf);

/*! dc_norm_sex() : DC_SEX_* of a gioi_tinh value (CODE0/CODE1 provisional);
 *  *unrec set to 1 when the value is present but not recognised. */
uint8_t dc_norm_sex(const char *s, size_t n, int *unrec);

/*! dc_norm_id12() : so_dinh_danh -> number + DC_ID_* flags; `sex` and
 *  `dob` (may be NULL) are the row's, for the consistency flags. */
uint64_t dc_norm_id12(const dc_norm_shared_t *sh, const char *s, size_t n, uint8_t sex,
                      const dc_date_t *dob, uint16_t *flags);
/*! dc_norm_cmnd() : so_cmnd (9 or 12 digits) -> number + DC_ID_* flags. */
uint64_t dc_norm_cmnd(const dc_norm_shared_t *sh, const char *s, size_t n, uint16_t *flags);

/*! dc_norm_ethnic() : dan_toc -> 2008 code 1..54 (0 unknown); DC_CODE_*
 *  flags ORed into *flags. Numeric codes follow opts.ethnic_codes. */
uint8_t dc_norm_ethnic(const dc_norm_shared_t *sh, const char *s, size_t n, uint8_t *flags);
/*! dc_ethnic_name() : official name of a 2008 code ("" if none). */
const char *dc_ethnic_name(uint8_t code2008);
/*! dc_ethnic_code_1979() : the 1979 (QĐ 121) code of a 2008 code, 0 if none. */
uint8_t dc_ethnic_code_1979(uint8_t code2008);

/*! dc_norm_religion() : ton_giao -> DC_RELIGION_* / GSO code. */
uint8_t dc_norm_religion(const dc_norm_shared_t *sh, const char *s, size_t n, uint8_t *flags);
/*! dc_religion_name() : "Phật giáo", ..., "Không" for DC_RELIGION_NONE, "" unknown. */
const char *dc_religion_name(uint8_t code);

/*! dc_norm_nationality() : quoc_tich -> ISO 3166-1 numeric, 0 unknown. */
uint16_t dc_norm_nationality(const dc_norm_shared_t *sh, const char *s, size_t n, uint8_t *flags);
/*! dc_nationality_name() : Vietnamese name of a known numeric code ("" if none). */
const char *dc_nationality_name(uint16_t code);

/*! dc_norm_province() : ma_tinh (2-digit GSO code or a name) -> pre-2025
 *  GSO province code, 0 if not recognised. */
uint8_t dc_norm_province(const dc_norm_shared_t *sh, const char *s, size_t n);

/* ------------------------------------------------ sex codes "0"/"1"
 * dc_norm_finalize() = vote + decide + apply. The pieces are public for
 * streaming callers (`dancu normalize` does not keep the records). */
typedef struct dc_sex_vote {
    uint64_t n[3][2];   /* [code "0","1","2"][middle name Văn, Thị] */
    uint64_t rows[3];   /* rows with code "0","1","2" */
} dc_sex_vote_t;

/*! dc_norm_sex_vote() : count the evidence of one record. */
void dc_norm_sex_vote(dc_sex_vote_t *v, const dc_record_t *r);
/*! dc_norm_sex_decide() : decide the meaning of the codes of `source` from
 *  its votes (or opts.sex_one). @return 1 "1" = male, 2 "1" = female,
 *  0 undecided. */
int dc_norm_sex_decide(dc_norm_shared_t *sh, uint32_t source, const dc_sex_vote_t *v);
/*! dc_norm_sex_apply() : resolve a record's provisional sex after the
 *  decision of its source, and redo the ID/sex consistency flag. */
void dc_norm_sex_apply(const dc_norm_shared_t *sh, dc_record_t *r);
/*! dc_norm_sex_decision() : the decision recorded for `source`. */
int dc_norm_sex_decision(const dc_norm_shared_t *sh, uint32_t source);

/* ---------------------------------------------------------- flag names
 * "digits|one_token": the set flags by name, '|'-separated, for output. */
void dc_name_flags_str(uint16_t flags, dc_buf_t *out);
void dc_date_flags_str(uint8_t flags, dc_buf_t *out);
void dc_id_flags_str(uint16_t flags, dc_buf_t *out);
void dc_code_flags_str(uint8_t flags, dc_buf_t *out);
const char *dc_sex_name(uint8_t sex);   /* "male", "female", "code0", "code1", "" */

#endif /* DC_NORMALIZE_H */

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_gen.h - the synthetic population generator behind `dancu gen`.
 *
 * dc_gen_run() writes a synthetic national population as provincial
 * household-register exports (DIR/exports/NAME.csv or .tsv), with the ground truth
 * (DIR/truth.csv: source,record_id,person_id) and a description of what was
 * generated (DIR/manifest.json). See docs/GENERATOR.md.
 *
 * DESIGN. Households are numbered 0, 1, 2, ... Everything about household h
 * (its size, province, members, names, dates, duplicates and corruptions)
 * comes from a random stream seeded by (seed, h) alone, so the output does
 * not depend on the thread count. Households are built in blocks on worker
 * threads (dc_parallel_for); the main thread numbers the ID serials in
 * household order; the workers render each block's rows into its own
 * buffer in the target file's final bytes, leaving out only the record id;
 * a writer thread then writes the blocks strictly in order, numbering the
 * rows of each file as it goes, while the next batch is generated. Memory
 * is bounded by two batches of blocks whatever the number of people.
 *
 * The text functions below (the corruptions a register's rows suffer) are
 * exposed for the tests. They take UTF-8 NFC input and append to a dc_buf_t.
 */
#ifndef DC_GEN_H
#define DC_GEN_H

#include "common/dc_common.h"

#include <stdint.h>

/* ------------------------------------------------------------ generator */

/* File style families (--styles). */
typedef enum {
    DC_GEN_STYLES_REALISTIC = 0, /* weighted draw per file: mostly UTF-8, canonical or Vietnamese headers */
    DC_GEN_STYLES_MIXED,         /* round-robin: every header style, delimiter and encoding appears */
    DC_GEN_STYLES_CANONICAL,     /* canonical header, comma, UTF-8 NFC, dd/mm/yyyy everywhere */
} dc_gen_styles_t;

/* Value profiles (--profile). */
typedef enum {
    DC_GEN_PROFILE_DEFAULT = 0,  /* the values of the committed samples */
    DC_GEN_PROFILE_DIVERSE,      /* more distinct house numbers, alleys, hamlets, rare and minority names */
} dc_gen_profile_t;

/* Corruption profiles (--corruption). */
typedef enum {
    DC_GEN_CORRUPTION_DEFAULT = 0, /* the rates documented in docs/GENERATOR.md */
    DC_GEN_CORRUPTION_HOLDOUT,     /* frozen settings never tuned against (docs/GENERATOR.md) */
} dc_gen_corruption_t;

typedef struct dc_gen_opts {
    uint64_t people;          /* people to generate (not rows): >= 1 */
    uint64_t seed;
    const char *outdir;
    double dup_rate;          /* share of people with more than one row; default 0.10 */
    double corrupt_rate;      /* share of original rows with some corruption; default 0.15 */
    const char *provinces;    /* comma-separated pre-2025 2-digit GSO codes; NULL: all 63 */
    int nthreads;             /* >= 1 */
    int force;                /* write into a non-empty outdir */
    dc_gen_styles_t styles;
    int legacy;               /* allow legacy encodings (TCVN3, VNI, VISCII, CP1258); default 1 */
    int compress;             /* zstd-compress the exports and truth.csv (NAME.csv.zst) */
    dc_gen_profile_t profile;       /* value diversity (--profile) */
    dc_gen_corruption_t corruption; /* duplicate and corruption settings (--corruption) */
} dc_gen_opts_t;

/* Numeric options of dc_gen_opts_t and their bounds. */
typedef enum dc_gen_param {
    DC_GEN_P_PEOPLE,         /* 1 .. 10^9 */
    DC_GEN_P_SEED,           /* 0 .. 2^64 - 1 */
    DC_GEN_P_DUP_RATE,       /* 0..1 */
    DC_GEN_P_CORRUPT_RATE,   /* 0..1 */
} dc_gen_param_t;
/*! dc_gen_param_bounds() : the accepted range of a numeric generator option. */
dc_bounds_t dc_gen_param_bounds(dc_gen_param_t p);

void dc_gen_opts_default(dc_gen_opts_t *o);
/*! dc_gen_opts_corruption() : select a corruption profile and its
 *  --dup-rate and --corrupt-rate (set those after it to override them). */
void dc_gen_opts_corruption(dc_gen_opts_t *o, dc_gen_corruption_t c);

typedef struct dc_gen_stats {
    uint64_t people, households, rows, files;
    double seconds;
} dc_gen_stats_t;

/*! dc_gen_run() : generate everything under o->outdir.
 *  @return 0, or -1 with dc_seterr() (bad option, I/O error). */
int dc_gen_run(const dc_gen_opts_t *o, dc_gen_stats_t *st);

/* ------------------------------------------------------------ random */

/* xoshiro256** seeded through splitmix64. */
typedef struct dc_rng { uint64_t s[4]; } dc_rng_t;

uint64_t dc_gen_splitmix64(uint64_t *x);
/*! dc_rng_seed() : a stream for (seed, a, b): independent for distinct keys. */
void dc_rng_seed(dc_rng_t *r, uint64_t seed, uint64_t a, uint64_t b);
uint64_t dc_rng_next(dc_rng_t *r);
/*! dc_rng_below() : uniform in [0, n), n >= 1. */
uint32_t dc_rng_below(dc_rng_t *r, uint32_t n);
/*! dc_rng_unit() : uniform in [0, 1). */
double dc_rng_unit(dc_rng_t *r);
/*! dc_rng_chance() : 1 with probability p. */
int dc_rng_chance(dc_rng_t *r, double p);

/* ------------------------------------------------------------ text */

/*! dc_gen_fold() : remove every diacritic (tone and vowel marks), đ -> d. */
void dc_gen_fold(const char *s, size_t n, dc_buf_t *out);
/*! dc_gen_dd() : replace đ/Đ by d/D only (the Đ/D confusion). */
void dc_gen_dd(const char *s, size_t n, dc_buf_t *out);
/* Case of Vietnamese text: upper, lower, or title (first letter of each word). */
enum { DC_GEN_UPPER = 0, DC_GEN_LOWER = 1, DC_GEN_TITLE = 2 };
void dc_gen_case(const char *s, size_t n, int mode, dc_buf_t *out);
/*! dc_gen_tone_swap() : move the tone mark between old and new placement in
 *  open syllables with oa, oe, uy ("Hòa" <-> "Hoà", "Thúy" <-> "Thuý";
 *  "Quý", "Hoàng" are left alone). @return the number of syllables changed. */
int dc_gen_tone_swap(const char *s, size_t n, dc_buf_t *out);
/*! dc_gen_telex() : the keys typed on a Telex keyboard without an input
 *  method ("Nguyễn Văn" -> "Nguyeenx Vawn"). */
void dc_gen_telex(const char *s, size_t n, dc_buf_t *out);
/*! dc_gen_typo() : one typing error on one letter (substitution by a
 *  neighbouring key, deletion, doubling, or transposition), chosen by `r`.
 *  Text with fewer than 2 letters is copied unchanged. @return 1 if changed. */
int dc_gen_typo(dc_rng_t *r, const char *s, size_t n, dc_buf_t *out);

/*! dc_gen_nfd() : Unicode NFD of NFC text without stray combining marks
 *  (what the generator writes in NFD files). */
void dc_gen_nfd(const char *s, size_t n, dc_buf_t *out);

/*! dc_gen_encode() : dc_encode() (loaders/dc_encoding.h) of NFC text, from
 *  a per-character table: the same bytes, several times faster. `enc` is a
 *  dc_encoding_t. @return the characters replaced. */
size_t dc_gen_encode(int enc, const char *s, size_t n, dc_buf_t *out);

/* ------------------------------------------------------------ dates */

typedef enum {
    DC_GEN_DATE_DMY = 0,     /* 05/03/1987 */
    DC_GEN_DATE_DMY_SHORT,   /* 5/3/1987 */
    DC_GEN_DATE_DMY_DASH,    /* 05-03-1987 */
    DC_GEN_DATE_ISO,         /* 1987-03-05 */
    DC_GEN_DATE_DMY_YY,      /* 05/03/87 */
    DC_GEN_DATE_MY,          /* 03/1987 */
    DC_GEN_DATE_YEAR,        /* 1987 */
    DC_GEN_DATE_PH00,        /* 00/00/1987 */
    DC_GEN_DATE_PH01,        /* 01/01/1987 */
    DC_GEN_DATE_SERIAL,      /* 31841 (spreadsheet serial, 1900 date system) */
    DC_GEN_DATE__COUNT
} dc_gen_date_fmt_t;

const char *dc_gen_date_fmt_name(dc_gen_date_fmt_t f);
/*! dc_gen_date() : append y-m-d in format f. */
void dc_gen_date(int y, int m, int d, dc_gen_date_fmt_t f, dc_buf_t *out);
/*! dc_gen_serial() : spreadsheet serial of a date (days since 1899-12-30). */
long dc_gen_serial(int y, int m, int d);
int dc_gen_days_in_month(int y, int m);

/* ------------------------------------------------------------ wards */

/* Ways a numbered ward ("Phường 5") is written. */
typedef enum {
    DC_GEN_WARD_FULL = 0, /* Phường 5 */
    DC_GEN_WARD_P_DOT,    /* P.5 */
    DC_GEN_WARD_P_DOT0,   /* P.05 */
    DC_GEN_WARD_P,        /* P5 */
    DC_GEN_WARD_F,        /* F5 */
    DC_GEN_WARD_LOWER,    /* phường 05 */
    DC_GEN_WARD__COUNT
} dc_gen_ward_fmt_t;

/*! dc_gen_ward() : write ward `num` (>= 1) in form f. */
void dc_gen_ward(int num, dc_gen_ward_fmt_t f, dc_buf_t *out);

#endif /* DC_GEN_H */

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_match.h - blocking, comparison, Fellegi-Sunter scoring and clustering.
 *
 * The matching core works on an array of normalized records (dc_record_t,
 * in input order) and the run's interner. Its steps, each usable alone:
 *
 *   rules  = dc_rules_parse(text)           blocking rules are data (docs/MATCHING.md)
 *   dc_block_pairs(recs, n, rules, ...)     candidate pairs: packed (i << 32 | j), i < j,
 *                                           sorted and unique, with per-rule counts
 *   dc_compare(ctx, a, b, lv)               per-field comparison levels of one pair
 *   dc_model_estimate(...)                  u from seeded random pairs, m and lambda by EM
 *   dc_model_score(...)                     match weight (log2 Bayes factor) of a pair,
 *                                           with term-frequency adjustment of name levels
 *   dc_cluster(...)                         union-find over accepted pairs in (score desc,
 *                                           i, j) order, refusing unions that would join
 *                                           records with cannot-link evidence
 *
 * and, over a dc_run_t, the stages dc_block_run / dc_score_run /
 * dc_cluster_run and the writers of links / review / model.
 *
 * Determinism: every result depends only on the records (their order and
 * their strings), never on the thread count nor on interned id values.
 */
#ifndef DC_MATCH_H
#define DC_MATCH_H

#include "common/dc_common.h"
#include "common/dc_json.h"
#include "normalize/dc_extra.h"
#include "normalize/dc_record.h"
#include "run/dc_run.h"

/* ---------------------------------------------------------------- rules */

/* Fields a blocking key can be made of (names in the rule language). */
typedef enum dc_bkey {
    DC_BK_ID12,          /* "id12": valid 12-digit ID */
    DC_BK_CMND,          /* "cmnd": old ID card number */
    DC_BK_NAME_EXACT,    /* "name_exact" */
    DC_BK_NAME_ASCII,    /* "name_ascii" */
    DC_BK_NAME_PHON,     /* "name_phon" */
    DC_BK_SUR,           /* "sur": surname, ascii */
    DC_BK_MID,           /* "mid": middle names, ascii */
    DC_BK_GIVEN,         /* "given": given name, ascii */
    DC_BK_GIVEN_PHON,    /* "given_phon" */
    DC_BK_DOB,           /* "dob": full date (day precision) */
    DC_BK_DOB_YM,        /* "dob_ym": year and month */
    DC_BK_DOB_YEAR,      /* "dob_year" */
    DC_BK_DOB_MD,        /* "dob_md": day and month (day precision) */
    DC_BK_ID_PROV,       /* "id_prov": ID digits 1-3 (province of birth registration) */
    DC_BK_SEX,           /* "sex" */
    DC_BK_FATHER_PHON,   /* "father_phon" */
    DC_BK_FATHER_GIVEN,  /* "father_given" */
    DC_BK_MOTHER_PHON,   /* "mother_phon" */
    DC_BK_MOTHER_GIVEN,  /* "mother_given" */
    DC_BK_SPOUSE_PHON,   /* "spouse_phon" */
    DC_BK_PERM_WARD,     /* "perm_ward": permanent address commune (pre-2025, else post-2025) */
    DC_BK_PERM_DISTRICT, /* "perm_district" */
    DC_BK_PERM_PROV,     /* "perm_prov" */
    DC_BK_HOME_PROV,     /* "home_prov": native place province */
    DC_BK_ID12_HEAD,     /* "id12_head": first 9 digits of a valid ID (finds one-digit slips) */
    DC_BK_ID12_TAIL,     /* "id12_tail": last 9 digits of a valid ID */
    DC_BK_DOB_UNORDERED, /* "dob_unordered": full date with day and month in either order */
    DC_BK_NO_PROVINCE,   /* "no_province": one value for every record with no province in any
                            address (missing for the others) */
    DC_BK_NAME_SORTED,   /* "name_sorted": the name's ascii syllables in sorted order */
    DC_BK_CMND_HEAD,     /* "cmnd_head": old card number but its last 3 digits */
    DC_BK_CMND_TAIL,     /* "cmnd_tail": old card number's last 6 digits */
    DC_BK_PERM_NUMBERS,  /* "perm_numbers": the numbers written in the permanent address's text
                            (house number, postcode...), in order; missing when it has none */
    DC_BK_GIVEN_NICK,    /* "given_nick": given name, ascii, as its canonical variant with
                            "nicknames en" (tom, tommy, thomas alike); else the given name */
    DC_BK_X0,            /* the declared extra columns (dc_extra.h), by their names */
    DC_BK_X_LAST = DC_BK_X0 + DC_EXTRA_MAX - 1,
    DC_BK__COUNT
} dc_bkey_t;

#define DC_RULE_MAX_KEYS 6

typedef struct dc_rule {
    char text[128];                      /* canonical text, e.g. "name_phon+dob_year" */
    uint8_t nkeys;
    uint8_t keys[DC_RULE_MAX_KEYS];      /* dc_bkey_t */
    uint8_t nsort;
    uint8_t sort[DC_RULE_MAX_KEYS];      /* order inside capped blocks ("@ dob,perm_ward") */
    uint8_t require;                     /* DC_REQ_*: a pair needs one record with this ("! dob_vague") */
} dc_rule_t;

/* Pair conditions of a rule ("! NAME"): only pairs in which at least one
 * record satisfies it are made. */
enum { DC_REQ_NONE = 0, DC_REQ_DOB_VAGUE = 1 /* "dob_vague": birth date known to the year, not the day */,
       DC_REQ_DOB_NONE = 2 /* "dob_none": no usable birth date */ };

/*! dc_rule_required() : 1 when rec satisfies the rule's pair condition
 *  (always 1 without one). */
int dc_rule_required(const dc_rule_t *rule, const dc_record_t *rec);

/* Thresholds of the comparison levels ("threshold NAME VALUE" lines of the
 * settings file; docs/SETTINGS.md). Jaro-Winkler similarities 0..1. */
typedef struct dc_cmp_thresholds {
    double name_jw_high;   /* "name_jw_high" 0.92: name level jw_high at or above */
    double name_jw_low;    /* "name_jw_low" 0.80: name level jw_low at or above, else different */
    double relative_jw;    /* "relative_jw" 0.90: a parent's or spouse's name jw_high */
    double address_jw;     /* "address_jw" 0.92: addresses without codes, similar_text */
} dc_cmp_thresholds_t;

/*! dc_cmp_thresholds_default() : the thresholds above. */
dc_cmp_thresholds_t dc_cmp_thresholds_default(void);
/*! dc_cmp_thresholds_use() : the thresholds dc_compare() applies in this
 *  process (dc_rules_use sets the settings file's). */
void dc_cmp_thresholds_use(const dc_cmp_thresholds_t *t);

/*! dc_cmp_placeholder_year_use() : with 1 (settings "dob_placeholder
 *  year"), a placeholder birth date (01/01/yyyy, DC_DATE_PLACEHOLDER)
 *  is compared at year precision (level compatible, not exact); 0 (the
 *  default): as the full date it is written as. */
void dc_cmp_placeholder_year_use(int on);

/* A u probability fixed by the settings ("u COLUMN LEVEL P"), not estimated. */
typedef struct dc_fixed_u {
    uint8_t col, level;
    double u;
} dc_fixed_u_t;
#define DC_FIXED_U_MAX 32

typedef struct dc_rules {
    size_t n;
    dc_rule_t *r;
    uint32_t max_block;   /* blocks larger than this are windowed ("max_block N") */
    uint32_t window;      /* sorted-neighbourhood window inside capped blocks ("window W") */
    int names_optional;   /* "require_name no": rows without a name are loaded, not rejected as
                             no_name (data that is not a register; default: required) */
    int placeholder_year; /* "dob_placeholder year": 01/01/yyyy compared as the year (default "day") */
    int nicknames;        /* "nicknames en": English given-name variants (dc_nicknames_use) */
    int dob_min_year;     /* "dob_min_year Y": dates before year Y (1000..1800) are invalid; 0 = 1800,
                             the register's (dc_norm_opts_t.min_year) */
    int drop_cannot_link; /* drop pairs that dc_cannot_link() vetoes ("drop_cannot_link yes|no",
                             default yes) */
    unsigned cannot_link; /* DC_CL_* kinds of evidence used ("cannot_link id12,sex,dob,twins",
                             default all) */
    double match_threshold;   /* "match_threshold P": match probability of a link; < 0 when not set */
    double review_threshold;  /* "review_threshold P": lower bound of the review band; < 0 when not set */
    dc_cmp_thresholds_t cmp;  /* "threshold NAME VALUE" */
    int nfixed_u;             /* "u COLUMN LEVEL P" lines */
    dc_fixed_u_t fixed_u[DC_FIXED_U_MAX];
    int nextra;               /* "column NAME ...": extra columns declared (dc_extra.h) */
    dc_extra_def_t extra[DC_EXTRA_MAX];
} dc_rules_t;

/*! dc_rules_use() : make the rules' extra columns (dc_extra_use),
 *  comparison thresholds (dc_cmp_thresholds_use) and fixed u values
 *  (dc_model_fixed_u_use) the process's: before loading the records the
 *  extra columns are read from. */
void dc_rules_use(const dc_rules_t *r);

/*! dc_rules_default_text() : the default rule set, in the rule language. */
const char *dc_rules_default_text(void);
/*! dc_rules_parse() : parse `text` (one rule per line, '#' comments,
 *  "max_block N" and "window W" settings). `origin` names the text in
 *  messages. @return 0, or -1 (dc_seterr naming the line). */
int dc_rules_parse(const char *text, const char *origin, dc_rules_t *out);
/*! dc_rules_load() : read and parse a rules file. */
int dc_rules_load(const char *path, dc_rules_t *out);
void dc_rules_free(dc_rules_t *r);
/*! dc_rules_scoring_text() : the settings that decide how a pair is
 *  compared and vetoed (extra columns, comparison thresholds, fixed u,
 *  cannot_link),
 *  in canonical form, each line only when it differs from the default
 *  ("" for the defaults). model.json keeps it for `dancu explain`. */
void dc_rules_scoring_text(const dc_rules_t *r, dc_buf_t *out);
/*! dc_rules_text() : the rule set in canonical form (re-parses to the same set). */
void dc_rules_text(const dc_rules_t *r, dc_buf_t *out);
const char *dc_bkey_name(dc_bkey_t k);

/*! dc_rule_key() : the blocking key hash of `rec` under `rule`.
 *  @return 0 when a component is missing (the record is not blocked by this
 *  rule), else a non-zero 64-bit hash (XXH3 of the component values). */
uint64_t dc_rule_key(const dc_rule_t *rule, uint32_t rule_index, const dc_record_t *rec,
                     const dc_intern_t *in);

/*! dc_rule_key_vals() : dc_rule_key from field values already read:
 *  vals[k] = dc_bkey_value(k, rec, in) for every key field k of the rule
 *  (dc_block_pairs reads each field once for several rules). */
uint64_t dc_rule_key_vals(const dc_rule_t *rule, uint32_t rule_index, const uint64_t *vals);
/*! dc_bkey_value() : the value of key field k for a record (0: missing). */
uint64_t dc_bkey_value(dc_bkey_t k, const dc_record_t *r, const dc_intern_t *in);
/*! dc_bkey_is_string() : 1 for the fields taken from a string (names). */
int dc_bkey_is_string(dc_bkey_t k);
/*! dc_bkey_string_value() : key value of string field k (32 bits of the
 *  string's hash; 0: missing). */
uint32_t dc_bkey_string_value(dc_bkey_t k, const dc_record_t *r, const dc_intern_t *in);
/*! dc_bkey_prefetch() : a hint that field k of rec will be read: stage 0
 *  fetches its interner entry, stage 1 its string. */
void dc_bkey_prefetch(dc_bkey_t k, const dc_record_t *rec, const dc_intern_t *in, int stage);

/* ------------------------------------------------------------- blocking */

typedef struct dc_rule_stats {
    uint64_t keyed;          /* records with a key under this rule */
    uint64_t blocks;         /* distinct keys with >= 2 records */
    uint64_t largest;        /* size of the largest block */
    uint64_t capped_blocks;  /* blocks over max_block, compared by window */
    uint64_t capped_rows;    /* records in those blocks */
    uint64_t pairs;          /* pairs produced by this rule */
    uint64_t pairs_new;      /* of which not produced by an earlier rule */
    double seconds;
} dc_rule_stats_t;

/*! dc_rule_stats_fields() :
 *  The counts of `s` as (JSON key, value) pairs, in the order and with the
 *  names every output uses (model.json, report.json, `dancu blocks
 *  --json`): keyed_records, blocks, largest_block, capped_blocks,
 *  capped_records, pairs, pairs_new. (Seconds are not among them: they
 *  differ between runs, and model.json is compared byte for byte.) */
#define DC_RULE_STATS_NFIELDS 7
void dc_rule_stats_fields(const dc_rule_stats_t *s, const char *name[DC_RULE_STATS_NFIELDS],
                          uint64_t val[DC_RULE_STATS_NFIELDS]);

/*! dc_rule_stats_json() : the same as members of the open object of `j`. */
void dc_rule_stats_json(const dc_rule_stats_t *s, dc_jw_t *j);

typedef struct dc_block_stats {
    size_t nrules;
    dc_rule_stats_t *rule;   /* nrules entries */
    uint64_t raw_pairs;      /* unique pairs of all rules */
    uint64_t dropped_cannot_link; /* of which dropped: the two records cannot be one person */
    uint64_t pairs;          /* unique candidate pairs (raw_pairs - dropped_cannot_link) */
    double seconds;
} dc_block_stats_t;

/*! dc_block_pairs() :
 *  Candidate pairs of `recs` under every rule: records sharing a rule key
 *  form a block; a block of up to max_block records yields all its pairs,
 *  a larger one is sorted on the rule's sort keys and each record is paired
 *  with its next window-1 neighbours. Pairs are de-duplicated across rules;
 *  with rules->drop_cannot_link, pairs that dc_cannot_link() vetoes (which
 *  clustering would never join) are dropped from the result.
 *  @return the number of pairs; `*pairs` (malloc'd, sorted ascending,
 *  (uint64_t)i << 32 | j with i < j) must be freed. `st` is filled (free
 *  with dc_block_stats_free). */
size_t dc_block_pairs(const dc_record_t *recs, size_t n, const dc_intern_t *in,
                      const dc_rules_t *rules, int nthreads, uint64_t **pairs,
                      dc_block_stats_t *st);
/* Called once per rule, in rule order, with that rule's pairs (sorted,
 * unique, same packing) before they are merged; the array is borrowed. */
typedef void (*dc_rule_pairs_fn)(void *ud, size_t rule, const uint64_t *pairs, size_t npairs);
/*! dc_block_pairs_ex() : dc_block_pairs, calling `on_rule` (may be NULL)
 *  with each rule's own pairs (for `dancu blocks`). */
size_t dc_block_pairs_ex(const dc_record_t *recs, size_t n, const dc_intern_t *in,
                         const dc_rules_t *rules, int nthreads, dc_rule_pairs_fn on_rule,
                         void *ud, uint64_t **pairs, dc_block_stats_t *st);
/*! dc_block_pairs_rep() : dc_block_pairs_ex keying only representatives:
 *  with `rep` (per record, the index of its representative, see
 *  dc_match_dedup; may be NULL), a record whose rep[i] != i is in no pair. */
size_t dc_block_pairs_rep(const dc_record_t *recs, size_t n, const dc_intern_t *in,
                          const dc_rules_t *rules, int nthreads, const uint32_t *rep,
                          dc_rule_pairs_fn on_rule, void *ud, uint64_t **pairs, dc_block_stats_t *st);
/*! dc_block_pairs_dirty() : dc_block_pairs_rep for a load into a master:
 *  with `dirty` (per record, may be NULL), only the blocks of keys that a
 *  dirty record has are enumerated, and only pairs with a dirty record
 *  are kept: the same pairs as dc_block_pairs_rep followed by that filter,
 *  at the cost of the dirty records' blocks (a block is whole or absent,
 *  so sorted neighbourhoods are the same). */
size_t dc_block_pairs_dirty(const dc_record_t *recs, size_t n, const dc_intern_t *in,
                            const dc_rules_t *rules, int nthreads, const uint32_t *rep, const uint8_t *dirty,
                            dc_rule_pairs_fn on_rule, void *ud, uint64_t **pairs, dc_block_stats_t *st);
/*! dc_block_pairs_sub() : dc_block_pairs_dirty over a subset of a larger
 *  data set of `nfull` rows (a load into a master reads only the stored
 *  rows that share a key with a delivered row, whole blocks): keys are
 *  truncated as for nfull rows (dc_block_index_bits), so that blocks, their
 *  caps and their sorted neighbourhoods are those of the whole data. */
size_t dc_block_pairs_sub(const dc_record_t *recs, size_t n, size_t nfull, const dc_intern_t *in,
                          const dc_rules_t *rules, int nthreads, const uint32_t *rep, const uint8_t *dirty,
                          dc_rule_pairs_fn on_rule, void *ud, uint64_t **pairs, dc_block_stats_t *st);
/*! dc_block_index_bits() : the low bits of a key word that hold the
 *  record index for n records; a key word keeps the hash's top 63 - b bits,
 *  so two keys are one block when their hashes agree above bit b. */
int dc_block_index_bits(size_t n);
/*! dc_block_row_keys() : every record's key under every rule, for a
 *  persistent blocking index: keys[r * n + i] = dc_rule_key_vals of rule r
 *  for record i (0: the record lacks a key field), and column rules->n the
 *  record's dc_record_content_key. keys has (rules->n + 1) * n words. Keys
 *  depend on values only (strings by content), not on the process. */
void dc_block_row_keys(const dc_record_t *recs, size_t n, const dc_intern_t *in, const dc_rules_t *rules,
                       int nthreads, uint64_t *keys);
void dc_block_stats_free(dc_block_stats_t *st);

/* ------------------------------------------------------ exact duplicates */

/*! dc_match_dedup() : rep[i] = the first record (input order) with the
 *  same normalized content as record i, or i (engine/match/dedup.c says
 *  which content and which records qualify). rep has n entries.
 *  @return the number of records that are copies (rep[i] != i). */
size_t dc_match_dedup(const dc_record_t *recs, size_t n, int nthreads, uint32_t *rep);
/*! dc_record_same_content() : 1 when a and b hold the same normalized
 *  content in every column matching reads. */
int dc_record_same_content(const dc_record_t *a, const dc_record_t *b);
/*! dc_record_content_key() : a hash of the content dc_record_same_content
 *  compares, strings by content (the same in every process), for records
 *  that dc_match_dedup lets have copies; 0 for the others. */
uint64_t dc_record_content_key(const dc_record_t *r, const dc_intern_t *in);

/* ------------------------------------------------- blocking against a truth */

/* How the candidate pairs of each rule cover the true pairs of a labelled
 * data set (labels: one per record, 0 = unknown: the record is left out). */
typedef struct dc_block_truth_rule {
    uint64_t true_pairs;      /* true pairs among the rule's pairs */
    uint64_t true_new;        /* of which no earlier rule found */
    uint64_t true_only;       /* of which no other rule found (the rule's unique contribution) */
} dc_block_truth_rule_t;

typedef struct dc_block_truth {
    size_t nrules;
    dc_block_truth_rule_t *rule;
    uint64_t true_pairs;      /* pairs of records with the same label */
    uint64_t found_rules;     /* of which some rule paired (before the cannot-link filter) */
    uint64_t found;           /* of which candidate pairs (pair completeness = found / true_pairs) */
    uint64_t found_transitive;/* true pairs joined through chains of true candidate pairs:
                                 what clustering could reach at best */
    struct dc_block_truth_state *st;   /* private (block_truth.c) */
} dc_block_truth_t;

/*! dc_block_truth_init() : the true pairs of `labels` (n records; 0 = no
 *  label). Groups of more than 1,000 records are refused (-1, dc_seterr). */
int dc_block_truth_init(dc_block_truth_t *bt, const uint64_t *labels, size_t n, size_t nrules);
/*! dc_block_truth_rule() : record rule `r`'s pairs (a dc_rule_pairs_fn). */
void dc_block_truth_rule(void *bt, size_t r, const uint64_t *pairs, size_t npairs);
/*! dc_block_truth_finish() : fill the totals and per-rule figures; `pairs`
 *  are the final candidates (dc_block_pairs_ex's result). */
void dc_block_truth_finish(dc_block_truth_t *bt, const uint64_t *pairs, size_t npairs);
/*! dc_block_truth_finish_joins() : the same, with `joins` (pairs that
 *  clustering joins whatever the candidates: exact copies and their
 *  representative) counting towards found_transitive only. */
void dc_block_truth_finish_joins(dc_block_truth_t *bt, const uint64_t *pairs, size_t npairs,
                                 const uint64_t *joins, size_t njoins);
void dc_block_truth_free(dc_block_truth_t *bt);

/*! dc_pairs_valid() : 1 if `pairs` is a valid candidate list of n records:
 *  strictly ascending (sorted, unique), each (i << 32 | j) with i < j < n.
 *  O(npairs): for assert() (active without NDEBUG: make SAN=1, debug builds). */
int dc_pairs_valid(const uint64_t *pairs, size_t npairs, size_t n);

/*! dc_sort_u64() : in-place LSD radix sort (skips bytes that never vary). */
void dc_sort_u64(uint64_t *a, size_t n);

/* ----------------------------------------------------------- comparison */

/* Comparison columns. */
typedef enum dc_col {
    DC_COL_NAME, DC_COL_DOB, DC_COL_ID12, DC_COL_CMND, DC_COL_SEX, DC_COL_ETHNIC,
    DC_COL_RESIDENCE, DC_COL_HOMETOWN, DC_COL_PARENTS, DC_COL_SPOUSE,
    DC_COL_X0,                                /* the declared extra columns (dc_extra.h) */
    DC_COL__COUNT = DC_COL_X0 + DC_EXTRA_MAX  /* size of per-column arrays */
} dc_col_t;
_Static_assert(DC_COL__COUNT * 4 <= 63, "a level pattern keeps bit 63 free (labels)");

/*! dc_col_count() : the columns in use: the register's (DC_COL_X0), then
 *  the declared extra columns. Columns from there to DC_COL__COUNT are
 *  always missing and written nowhere. */
int dc_col_count(void);

#define DC_LV_MISSING 15   /* the field is missing on either side: weight 0 */
#define DC_MAX_LEVELS 9
/* Arrays indexed by any level value, DC_LV_MISSING included (a level packs
 * in 4 bits: dc_levels_pack). */
#define DC_LV_SLOTS (DC_LV_MISSING + 1)
_Static_assert(DC_MAX_LEVELS <= DC_LV_MISSING && DC_LV_SLOTS == 16, "levels must fit 4 bits below DC_LV_MISSING");

/* Levels, strongest first (docs/MATCHING.md). */
enum { DC_NAME_EXACT, DC_NAME_ASCII, DC_NAME_PHON, DC_NAME_REORDERED, DC_NAME_SUR_GIVEN,
       DC_NAME_JW_HIGH, DC_NAME_JW_LOW, DC_NAME_DIFF, DC_NAME__N,
       /* with "nicknames en" only (the column then has DC_NAME__N + 1 levels): the same surname
        * (or one edit apart) and given names that the table calls variants (Tom / Thomas);
        * numbered last so that the levels of the default settings keep their numbers */
       DC_NAME_NICK = DC_NAME__N };
enum { DC_DOB_EXACT, DC_DOB_COMPAT, DC_DOB_SWAP, DC_DOB_ONE_OFF, DC_DOB_SAME_YEAR, DC_DOB_DIFF,
       DC_DOB__N };
enum { DC_ID_EQ, DC_ID_ONE_EDIT, DC_ID_DIFF, DC_ID__N };
enum { DC_EQ_SAME, DC_EQ_DIFF, DC_EQ__N };
/* Addresses: codes from the gazetteer first; the normalized text decides
 * when it is equal, or (similar_text) when no code can be compared. */
enum { DC_ADDR_SAME_TEXT, DC_ADDR_WARD, DC_ADDR_SIMILAR_TEXT, DC_ADDR_DISTRICT, DC_ADDR_PROV,
       DC_ADDR_DIFF, DC_ADDR__N };
enum { DC_REL_EXACT, DC_REL_ASCII, DC_REL_PHON, DC_REL_JW, DC_REL_DIFF, DC_REL__N };
/* Father and mother form one column: siblings agree on both, so two
 * independent columns would count the family twice. */
enum { DC_PAR_BOTH, DC_PAR_ONE, DC_PAR_ONE_OTHER_DIFF, DC_PAR_NONE, DC_PAR__N };

const char *dc_col_name(dc_col_t c);
int dc_col_nlevels(dc_col_t c);
const char *dc_level_name(dc_col_t c, int level);   /* "missing" for DC_LV_MISSING */

/* Jaro-Winkler similarity of two byte strings (0..1). */
double dc_jaro_winkler(const char *a, size_t na, const char *b, size_t nb);

/*! dc_compare() : the level of every column for records a and b. */
void dc_compare(const dc_intern_t *in, const dc_record_t *a, const dc_record_t *b,
                uint8_t lv[DC_COL__COUNT]);
/*! dc_compare_prefetch() : hints for a pair that dc_compare() will read
 *  soon (no effect on results): its records (DC_PREFETCH_RECORDS), the
 *  interner entries of the strings compared (DC_PREFETCH_ENTRIES, reads
 *  the records) or the strings themselves (DC_PREFETCH_STRINGS, reads the
 *  entries). */
enum { DC_PREFETCH_RECORDS, DC_PREFETCH_ENTRIES, DC_PREFETCH_STRINGS };
void dc_compare_prefetch(const dc_intern_t *in, const dc_record_t *a, const dc_record_t *b, int stage);
/*! dc_compare_prefetch_ahead() : the software pipeline of a loop that
 *  compares pairs 0..n-1, called at pair p. At national scale the records
 *  and the interned strings of a pair are cache misses that come one after
 *  the other; this overlaps them by fetching the records of pair p + 16,
 *  the interner entries of pair p + 8 and the strings of pair p + 4.
 *  `pair(ctx, k)` gives the k-th pair as i << 32 | j, indices into recs. */
typedef uint64_t (*dc_pair_at_fn)(const void *ctx, size_t k);
void dc_compare_prefetch_ahead(const dc_intern_t *in, const dc_record_t *recs, dc_pair_at_fn pair,
                               const void *ctx, size_t p, size_t n);
/*! dc_compare_residence() : the residence level alone (dc_compare's
 *  lv[DC_COL_RESIDENCE]: the best of permanent and current addresses). */
int dc_compare_residence(const dc_intern_t *in, const dc_record_t *a, const dc_record_t *b);

/* Pair contexts (docs/MATCHING.md, "Pair contexts"): where the two rows of
 * a pair come from. The model keeps one prior and one residence m/u per
 * context (dc_model_ctx_t). "Province" is the row's residence province
 * (dc_rec_province); "other" = different, or unknown on a side. */
enum { DC_CTX_FILE_PROV,     /* same source file, same residence province */
       DC_CTX_FILE_OTHER,    /* same source file, other or unknown province */
       DC_CTX_CROSS_PROV,    /* different source files, same residence province */
       DC_CTX_CROSS_OTHER,   /* different source files, other or unknown province */
       DC_CTX__N };
/* A level pattern carries its pair's context in bits 60-61 (dc_levels_pack
 * leaves them 0; dc_levels_unpack ignores them). */
#define DC_PAT_CTX_SHIFT 60
#define DC_PAT_CTX(pat) ((int)(((pat) >> DC_PAT_CTX_SHIFT) & 3))
_Static_assert(DC_COL__COUNT * 4 <= DC_PAT_CTX_SHIFT && DC_CTX__N <= 4, "context bits below bit 62");

/*! dc_rec_province() : the row's residence province, post-2025 code: that
 *  of the current address (noi_o_hien_tai), else of the permanent one; 0
 *  unknown. */
unsigned dc_rec_province(const dc_record_t *r);
/*! dc_pair_context() : the context of a pair (DC_CTX_*), from the two rows
 *  only: their source indices (equal or not) and residence provinces. */
int dc_pair_context(const dc_record_t *a, const dc_record_t *b);
/*! dc_context_name() : "same_file_same_province", "same_file_other_province",
 *  "cross_file_same_province", "cross_file_other_province". */
const char *dc_context_name(int ctx);

/*! dc_nicknames_use() : turn the English given-name variants of
 *  engine/ref/data/en_nicknames.csv on or off for this process (settings
 *  "nicknames en"; dc_rules_use). Built once, read-only afterwards. */
void dc_nicknames_use(int on);
int dc_nicknames_active(void);
/*! dc_nickname_pair() : 1 when the two (lower-case ASCII) given names are
 *  variants in the table, either way round; 0 when the table is off. */
int dc_nickname_pair(const char *a, size_t la, const char *b, size_t lb);
/*! dc_nickname_key() : a hash of the name's canonical variant (the name
 *  itself when the table is off or does not hold it); 0 for "". */
uint64_t dc_nickname_key(const char *s, size_t n);

/* Pack / unpack levels into one 64-bit pattern (4 bits per column). */
uint64_t dc_levels_pack(const uint8_t lv[DC_COL__COUNT]);
void dc_levels_unpack(uint64_t pat, uint8_t lv[DC_COL__COUNT]);

/*! dc_rec_id12() / dc_rec_cmnd() : the record's 12-digit ID and old card
 *  number as compared: a number of at most 9 digits in the so_dinh_danh
 *  column is an old card number typed in the wrong column. 0: none. */
uint64_t dc_rec_id12(const dc_record_t *r);
uint64_t dc_rec_cmnd(const dc_record_t *r);

/*! dc_cannot_link() : 1 when a and b cannot be the same person: two valid
 *  12-digit IDs that differ by more than one digit or transposition,
 *  opposite known sexes, full-precision birth dates that differ by more
 *  than a swap, a one-year or a one-digit slip, or (twins) the same
 *  surname and full birth date with given names that are neither equal,
 *  phonetically equal nor one edit apart. Never when both carry the same
 *  valid 12-digit ID or old card number. `in` may be NULL (no name test). */
int dc_cannot_link(const dc_intern_t *in, const dc_record_t *a, const dc_record_t *b);
/* The kinds of cannot-link evidence ("cannot_link" setting of the rules file). */
enum { DC_CL_ID12 = 1, DC_CL_SEX = 2, DC_CL_DOB = 4, DC_CL_TWINS = 8, DC_CL_ALL = 15 };
/*! dc_cannot_link_mask() : dc_cannot_link with only the kinds of evidence in
 *  `mask` (DC_CL_*). */
int dc_cannot_link_mask(const dc_intern_t *in, const dc_record_t *a, const dc_record_t *b, unsigned mask);

/* ---------------------------------------------------------------- model */

/* One pair context's own values (docs/MATCHING.md, "Pair contexts"). A
 * context without them (own = 0: too few pairs) is scored with the
 * model's global prior and residence m/u. */
typedef struct dc_model_ctx {
    int own;                         /* 1: the values below are used */
    double lambda;                   /* prior of the context's record pairs */
    double lambda_cand;              /* EM match share among its candidate pairs */
    double m[DC_MAX_LEVELS], u[DC_MAX_LEVELS];   /* residence column */
    uint64_t pairs;                  /* candidate pairs EM saw in it */
    double all_pairs;                /* record pairs in it (of representatives) */
    uint64_t u_sample;               /* random pairs of the context drawn for u */
} dc_model_ctx_t;

typedef struct dc_model {
    dc_model_ctx_t ctx[DC_CTX__N];
    double m[DC_COL__COUNT][DC_MAX_LEVELS];
    double u[DC_COL__COUNT][DC_MAX_LEVELS];
    double lambda;          /* prior: probability that two random records match */
    double lambda_cand;     /* EM estimate of the match share among candidate pairs */
    int em_iterations;
    int em_converged;
    int m_seeded_from_ids;  /* m started from pairs with equal valid IDs */
    uint64_t u_sample;      /* random pairs sampled for u */
    uint64_t em_pairs;      /* candidate pairs EM ran on */
    uint64_t em_labelled;   /* labelled pairs that supervised EM (--labels) */
    int tf_enabled;         /* term-frequency adjustment of name levels */
} dc_model_t;

/* Term frequencies of name values (for the TF adjustment). */
typedef struct dc_tf {
    uint32_t nids;          /* size of the count arrays (interner count) */
    uint32_t *name_ascii, *name_phon, *rel_ascii;
    uint64_t *parents;      /* sorted distinct hashes of (father, mother) name strings */
    uint32_t *parents_n;    /* per distinct couple: records with it */
    size_t nparents;        /* distinct couples */
    double n, nrel;         /* records, related-name values */
    const dc_intern_t *in;  /* borrowed */
    void *ids;              /* dc_tf_add_encoded: string hash -> id of `in` (made once) */
} dc_tf_t;

void dc_tf_build(dc_tf_t *tf, const dc_record_t *recs, size_t n, const dc_intern_t *in,
                 int nthreads);
void dc_tf_free(dc_tf_t *tf);
/*! dc_tf_build_sel() : dc_tf_build counting only the records with
 *  count[i] (NULL: all); every record's (father, mother) couple is listed,
 *  so that dc_tf_add_encoded can add stored counts to it. */
void dc_tf_build_sel(dc_tf_t *tf, const dc_record_t *recs, size_t n, const dc_intern_t *in, int nthreads,
                     const uint8_t *count);
/*! dc_tf_encode() : the term-frequency counts of recs[0..n) by value
 *  (strings by content hash: the same in every process), appended to out;
 *  a master keeps one per source. */
void dc_tf_encode(const dc_record_t *recs, size_t n, const dc_intern_t *in, dc_buf_t *out);
/*! dc_tf_add_encoded() : add dc_tf_encode counts to tf (for the values tf's
 *  interner holds, and the couples tf lists). @return 0 or -1 (damaged). */
int dc_tf_add_encoded(dc_tf_t *tf, const void *data, size_t len);
/*! dc_tf_add_encoded_sign() : the same, subtracted when sign < 0 (counts
 *  modulo 2^32: exact once every table is in, whatever their order). */
int dc_tf_add_encoded_sign(dc_tf_t *tf, const void *data, size_t len, int sign);
/*! dc_tf_merge_encoded() : a + sign * b as one table in the format of
 *  dc_tf_encode: counts modulo 2^32, a value whose count comes to 0 left
 *  out. A table of differences (a master's counts since its base) holds a
 *  count or a record count below zero as its complement; adding it gives
 *  exact counts. out is cleared first. @return 0 or -1 (damaged table). */
int dc_tf_merge_encoded(const void *a, size_t alen, const void *b, size_t blen, int sign, dc_buf_t *out);

/*! dc_model_fixed_u_use() : the u values the settings fix (this
 *  process's runs): the model's estimates keep them, the column's other
 *  levels share the rest in their estimated proportions. */
void dc_model_fixed_u_use(const dc_fixed_u_t *f, int n);

/*! dc_model_init_default() : prior m/u values used before estimation. */
void dc_model_init_default(dc_model_t *m);

/*! dc_model_estimate_u() : u from `sample` random pairs drawn with a
 *  seeded generator (deterministic, whatever nthreads). */
void dc_model_estimate_u(dc_model_t *m, const dc_record_t *recs, size_t n,
                         const dc_intern_t *in, uint64_t sample, uint64_t seed, int nthreads);
/*! dc_model_estimate_u_sel() : the same, drawing both records of a pair
 *  from sel[0..n) (record indices; NULL: all n records). */
void dc_model_estimate_u_sel(dc_model_t *m, const dc_record_t *recs, const uint32_t *sel, size_t n,
                             const dc_intern_t *in, uint64_t sample, uint64_t seed, int nthreads);
/*! dc_model_estimate_u_ctx() : per pair context, the number of record
 *  pairs of sel[0..n) (NULL: all n) in it, and u of the residence column
 *  from `sample` random pairs drawn inside it (seeded, whatever nthreads).
 *  Before EM, which decides which contexts get values of their own. */
void dc_model_estimate_u_ctx(dc_model_t *m, const dc_record_t *recs, const uint32_t *sel, size_t n,
                             const dc_intern_t *in, uint64_t sample, uint64_t seed, int nthreads);
/*! dc_model_u_dob_exact() : u of the "dob exact" level counted from the
 *  records' full birth dates (sel: record indices, NULL: all n). */
void dc_model_u_dob_exact(dc_model_t *m, const dc_record_t *recs, const uint32_t *sel, size_t n);
/*! dc_model_estimate_em() : m (and lambda) by EM over the level patterns of
 *  the candidate pairs (`pats`, one per pair). `npairs_total` is the number
 *  of record pairs the prior refers to (n(n-1)/2). */
void dc_model_estimate_em(dc_model_t *m, const uint64_t *pats, size_t npairs,
                          double npairs_total, int max_iter);

/*! dc_model_estimate_em_sup() : the same, supervised by `nsup` labelled
 *  pairs: sup[k] is the pair's level pattern with bit 63 set for "match"
 *  (counted as an anchor and in m) and clear for "non_match" (counted in
 *  the candidates' non-match shares); their class is fixed in every step. */
void dc_model_estimate_em_sup(dc_model_t *m, const uint64_t *pats, size_t npairs, double npairs_total,
                              const uint64_t *sup, size_t nsup, int max_iter);
/*! dc_level_weight() : log2(m/u) of one level (0 for missing). With `tf`
 *  and a name level that TF applies to, u is the value's term frequency. */
double dc_level_weight(const dc_model_t *m, const dc_tf_t *tf, dc_col_t c, int level,
                       const dc_record_t *a, const dc_record_t *b);
/*! dc_model_score() : total match weight (prior included) of a pair; the
 *  per-column weights go to `w` if not NULL. */
double dc_model_score(const dc_model_t *m, const dc_tf_t *tf, const uint8_t lv[DC_COL__COUNT],
                      const dc_record_t *a, const dc_record_t *b, double w[DC_COL__COUNT]);
/*! dc_model_prior() : the prior that dc_model_score uses for the pair
 *  (a, b) with levels lv (may be NULL): its context's when that context
 *  has values of its own, else the global one; with both parents agreeing
 *  (lv), never above the global one. *ctx (may be NULL) gets the context,
 *  or -1 when a or b is NULL (global prior). */
double dc_model_prior(const dc_model_t *m, const uint8_t *lv, const dc_record_t *a, const dc_record_t *b,
                      int *ctx);
/*! dc_weight_prob() : match probability of a match weight. */
double dc_weight_prob(double weight);

/*! dc_model_json() : write the members of model.json into the open
 *  object of `j` (report.json embeds the same members). */
void dc_model_json(const dc_model_t *m, dc_jw_t *j);
/*! dc_model_parse_json() : read a model from model.json text (`m` starts
 *  from dc_model_init_default). @return 0, or -1 (dc_seterr). */
int dc_model_parse_json(const char *text, size_t len, dc_model_t *m);
/*! dc_model_load() : dc_model_parse_json() of the file at `path`
 *  (at most 64 MiB). @return 0, or -1 (dc_seterr, prefixed with the path). */
int dc_model_load(const char *path, dc_model_t *m);

/* --------------------------------------------------------------- labels */

/* Clerical decisions on pairs (`dancu run --labels FILE`). */
typedef struct dc_labels {
    uint64_t *must, *cannot;   /* record pairs i << 32 | j (i < j), sorted, unique */
    size_t nmust, ncannot;
    size_t unknown;            /* labels naming a row not among the inputs (skipped) */
} dc_labels_t;

/*! dc_labels_load() : read a labels file (CSV with the columns source_a,
 *  record_id_a, source_b, record_id_b, decision = match | non_match) and
 *  find its rows among recs (source_names[r.source], record_id).
 *  @return 0, or -1 (dc_seterr naming the file and line). */
int dc_labels_load(const char *path, const dc_record_t *recs, size_t n, const dc_intern_t *in,
                   const char *const *source_names, size_t nsources, dc_labels_t *out);
void dc_labels_free(dc_labels_t *l);

/* ------------------------------------------ precision without a truth file */

/* Strata of linked rows by match probability (engine/match/precision.c):
 * [0, 0.5), [0.5, 0.9), [0.9, 0.95), [0.95, 0.99), [0.99, 0.999), [0.999, 1]. */
#define DC_PREC_NSTRATA 6
extern const double dc_prec_edges[DC_PREC_NSTRATA + 1];
/*! dc_prec_stratum() : the stratum of a match probability. */
int dc_prec_stratum(double p);
/*! dc_prec_unit_order() : the sampling order of the row (source,
 *  record_id) under `seed` (a seeded hash: the same sample whatever the
 *  order of the rows). */
uint64_t dc_prec_unit_order(uint64_t seed, const char *src, size_t ns, const char *rid, size_t nr);
/*! dc_prec_allocate() : n labels among strata of N[h] units: equal shares,
 *  never more than a stratum holds, the rest shared again. */
void dc_prec_allocate(const uint64_t N[DC_PREC_NSTRATA], uint64_t n, uint64_t out[DC_PREC_NSTRATA]);
/*! dc_wilson() : Wilson score interval of x successes in n at normal
 *  quantile z ([0, 1] when n = 0). */
void dc_wilson(uint64_t x, uint64_t n, double z, double *lo, double *hi);

typedef struct dc_prec_counts {
    uint64_t N[DC_PREC_NSTRATA];   /* units (linked rows) per stratum */
    uint64_t n[DC_PREC_NSTRATA];   /* of which labelled */
    uint64_t x[DC_PREC_NSTRATA];   /* of which labelled "match" */
} dc_prec_counts_t;

typedef struct dc_prec_result {
    double p[DC_PREC_NSTRATA];     /* x / n per stratum, -1 without labels */
    double lo[DC_PREC_NSTRATA], hi[DC_PREC_NSTRATA];   /* Wilson interval per stratum */
    double precision;              /* stratified estimate, -1 when a non-empty stratum has no label */
    double lo_all, hi_all;         /* its interval */
    uint64_t units, labelled;
} dc_prec_result_t;

/*! dc_prec_estimate() : precision per stratum and overall with intervals
 *  at normal quantile z (precision.c says how). */
void dc_prec_estimate(const dc_prec_counts_t *c, double z, dc_prec_result_t *r);

/* ------------------------------------------------------------ clustering */

typedef struct dc_cluster_stats {
    uint64_t accepted;        /* pairs at or above the match threshold */
    uint64_t unions;          /* unions performed */
    uint64_t refused;         /* unions refused for cannot-link evidence */
    uint64_t clusters, singletons, largest;
    uint64_t copies;          /* records joined to an identical representative (dc_match_dedup) */
    uint64_t label_joins;     /* unions made by "match" labels */
    uint64_t label_refused;   /* unions refused by "non_match" labels */
    uint64_t label_conflicts; /* "match" labels joining rows that "non_match" labels keep apart (joined) */
} dc_cluster_stats_t;

/*! dc_cluster() :
 *  Cluster n records from scored pairs. First, with `anchor` (may be
 *  NULL; a load into a master), every record i with anchor[i] != i joins
 *  anchor[i]'s cluster unconditionally. Then, with `rep` (may be NULL),
 *  every record i with rep[i] != i joins its representative's cluster
 *  (exact copies, dc_match_dedup; match_probability 1). Cannot-link
 *  evidence is dc_cannot_link_mask(cl_mask). With `labels` (may be NULL),
 *  "match" pairs are joined next, unconditionally (match_probability 1),
 *  and no union may join the two rows of a "non_match" pair. Then the pairs with prob >= threshold
 *  are processed in (score desc, i, j) order; a union that would put two
 *  records with cannot-link evidence in one component is refused and its
 *  pair index appended to `*refused` (malloc'd, may be NULL on return when
 *  none). Fills `cl` (dc_run.h; key left empty). @return 0. */
int dc_cluster(const dc_intern_t *in, const dc_record_t *recs, size_t n, const uint32_t *anchor, const uint32_t *rep,
               unsigned cl_mask,
               const dc_labels_t *labels,
               const uint64_t *pairs, const float *score,
               size_t npairs, double threshold_weight, dc_clusters_t *cl,
               size_t **refused, size_t *nrefused, dc_cluster_stats_t *st);

/* ------------------------------------------------------------ evaluation */

typedef struct dc_eval {
    uint64_t n;                       /* records in both files */
    uint64_t only_pred, only_truth;   /* records in one file only (ignored) */
    uint64_t tp, pred_pairs, true_pairs;
    double p, r, f1;                  /* pairwise */
    double bp, br, bf1;               /* B-cubed */
    uint64_t pred_clusters, true_clusters;
} dc_eval_t;

/*! dc_eval_labels() : metrics of predicted vs true cluster labels of n
 *  records (labels are arbitrary 64-bit values), in O(n log n) through the
 *  contingency table. */
void dc_eval_labels(const uint64_t *pred, const uint64_t *truth, size_t n, dc_eval_t *e);

/* ------------------------------------------------------------ run stages */

/* Histogram of the candidate pairs' match weights (report): bins of
 * DC_WHIST_WIDTH units of weight from DC_WHIST_LO to DC_WHIST_HI; the
 * first bin also holds the weights below, the last those above. */
#define DC_WHIST_LO (-40)
#define DC_WHIST_HI 100
#define DC_WHIST_WIDTH 2
#define DC_WHIST_NBINS ((DC_WHIST_HI - DC_WHIST_LO) / DC_WHIST_WIDTH)

/* A review pair kept for review.html (the DC_REVIEW_PAGE_MAX first rows of
 * the review table: highest weights first). */
#define DC_REVIEW_PAGE_MAX 2000
typedef struct dc_review_pair {
    uint32_t a, b;                 /* record indices, a < b */
    float weight;                  /* match weight */
    float w[DC_COL__COUNT];        /* per-column weights */
    uint8_t lv[DC_COL__COUNT];     /* per-column levels */
    uint8_t refused;               /* a link refused for cannot-link evidence */
} dc_review_pair_t;

/* Matching state kept in run->match between stages. */
struct dc_match_state {
    dc_rules_t rules;
    dc_block_stats_t bstats;
    uint64_t *pairs;           /* candidate pairs (freed after clustering) */
    size_t npairs;
    uint64_t *pats;            /* level pattern per pair */
    float *score;              /* match weight per pair */
    dc_model_t model;
    dc_tf_t tf;
    uint32_t *rep;             /* per record: its representative (exact copies, dc_match_dedup) */
    dc_labels_t labels;        /* --labels */
    int has_labels;
    uint32_t *reps;            /* the representatives, in record order */
    size_t nreps, ncopies;
    dc_cluster_stats_t cstats;
    size_t *refused;
    size_t nrefused;
    double match_weight, review_weight;   /* thresholds as weights */
    uint64_t review_rows;
    uint64_t whist[DC_WHIST_NBINS];       /* candidate pairs by match weight (dc_score_run) */
    dc_review_pair_t *review_top;         /* first rows of the review table (dc_match_write) */
    size_t nreview_top;
};

/*! dc_match_settings() : read the settings (--rules FILE, else the
 *  defaults) into the run's match state, declare their extra columns
 *  (dc_rules_use) and take their thresholds where the command line gave
 *  none. Before loading (the extra columns are read by the load stage);
 *  dc_block_run calls it when nobody did. @return 0 or -1 (dc_seterr). */
int dc_match_settings(dc_run_t *run);
int dc_block_run(dc_run_t *run);
int dc_score_run(dc_run_t *run);
int dc_cluster_run(dc_run_t *run);
/* Where dc_match_write opens its outputs. With a NULL sink it creates
 * them in run->opts.outdir (dc_table_open / dc_outfile_open) and commits
 * them itself; with a sink (e.g. the staged outputs of engine/merge), the
 * sink owns what it opens and commits or aborts it later. */
typedef struct dc_match_sink {
    dc_table_t *(*table)(void *ud, const char *name, const char *const *cols, size_t ncols);
    dc_outfile_t *(*file)(void *ud, const char *name);
    void *ud;
} dc_match_sink_t;

/*! dc_match_write() : review and model.json, then dc_match_release_pairs
 *  (the pairs are not needed any more), then links (and frees run->cl.prob,
 *  printed there only). `run_json` (a JSON
 *  object: inputs and load/normalize options, may be NULL) is stored as
 *  model.json's "run" member for `dancu explain`. @return 0 or -1. */
int dc_match_write(dc_run_t *run, const dc_match_sink_t *sink, const char *run_json);
/*! dc_match_write_links() : the links table alone (from run->cl: keys
 *  and probabilities; rows filtered by run->out_rec). @return 0 or -1. */
int dc_match_write_links(dc_run_t *run, const dc_match_sink_t *sink);
/*! dc_match_release_pairs() : free the pairs, patterns, scores and term
 *  frequencies (kept: rules, statistics, model, for the report). */
void dc_match_release_pairs(dc_run_t *run);
void dc_match_free(dc_run_t *run);

/* Default thresholds (match probabilities), see docs/MATCHING.md. */
#define DC_MATCH_THRESHOLD_DEFAULT 0.9
#define DC_REVIEW_THRESHOLD_DEFAULT 0.5

#endif /* DC_MATCH_H */

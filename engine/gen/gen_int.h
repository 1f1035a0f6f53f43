/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gen_int.h - internals shared by the generator's files (not a public API).
 *
 *   gen_ref.c    reference tables: names, provinces, wards, ethnic groups
 *   gen_pop.c    households, people, duplicates, corruption, row rendering
 *   gen.c        files and their styles, the parallel block loop, output
 *   gen_text.c   random streams and text corruptions (dc_gen.h)
 */
#ifndef GEN_INT_H
#define GEN_INT_H

#include "gen/dc_gen.h"
#include "dc_loader.h"

/* ------------------------------------------------------------ weighted lists */

typedef struct {
    size_t n;
    const char **s;   /* strings (owned by the table's arena) */
    double *cum;      /* cumulative weights, cum[n-1] = total */
} gen_wlist_t;

const char *gen_wlist_pick(const gen_wlist_t *w, dc_rng_t *r);

/* ------------------------------------------------------------ geography */

typedef struct {
    const char *name;        /* "Phường Phúc Xá" (pre-2025) */
    const char *district;    /* "Quận Ba Đình" */
    const char *new_name;    /* "Phường Hồng Hà" (from 1 July 2025; first target) */
    uint8_t type;            /* GEN_UNIT_* of the ward */
    uint8_t dtype;           /* GEN_UNIT_* of the district */
    int16_t number;          /* n for "Phường n", else 0 */
} gen_ward_t;

enum {
    GEN_UNIT_PHUONG, GEN_UNIT_XA, GEN_UNIT_THITRAN, GEN_UNIT_DACKHU,
    GEN_UNIT_QUAN, GEN_UNIT_HUYEN, GEN_UNIT_THIXA, GEN_UNIT_THANHPHO,
    GEN_UNIT_TINH, GEN_UNIT__COUNT
};
extern const char *const gen_unit_full[GEN_UNIT__COUNT];  /* "Phường" */
extern const char *const gen_unit_abbr[GEN_UNIT__COUNT];  /* "P." */

enum { GEN_REGION_NORTH_MOUNTAIN, GEN_REGION_NORTH, GEN_REGION_CENTRAL, GEN_REGION_HIGHLANDS,
       GEN_REGION_SOUTHEAST, GEN_REGION_MEKONG };

typedef struct {
    char code[3];            /* pre-2025 GSO code "01" */
    char cccd[4];            /* "001" */
    const char *short_name;  /* "Hà Nội" */
    const char *full_name;   /* "Thành phố Hà Nội" */
    const char *new_full;    /* province from 1 July 2025 */
    const char *slug;        /* "ha_noi" (file names) */
    uint8_t is_city;         /* Thành phố trực thuộc trung ương */
    uint8_t region;
    double weight;           /* population weight */
    size_t nwards;
    gen_ward_t *wards;
} gen_prov_t;

/* ------------------------------------------------------------ reference */

enum { GEN_NETH = 20, GEN_NREL = 7 };

typedef struct {
    dc_arena_t arena;
    gen_wlist_t sur, sur_south;      /* surnames (the south: Huỳnh/Võ for Hoàng/Vũ) */
    gen_wlist_t mid[2], given[2];    /* [0] male, [1] female */
    size_t nprov;
    gen_prov_t prov[64];
} gen_ref_t;

/*! gen_ref_load() : build the tables from the embedded reference data. */
void gen_ref_load(gen_ref_t *g);
void gen_ref_free(gen_ref_t *g);
int gen_ref_prov_index(const gen_ref_t *g, const char *code);

/*! gen_pick_share() : an index in [0, n) drawn with weights w. */
int gen_pick_share(dc_rng_t *r, const uint16_t *w, int n);
extern const char *const gen_eth_name[GEN_NETH];
extern const char *const gen_rel_name[GEN_NREL];
/*! gen_eth_pick() : an ethnic group index for a person of `region`. */
int gen_eth_pick(dc_rng_t *r, int region);
int gen_rel_pick(dc_rng_t *r, int region);
extern const char *const gen_street[];
extern const size_t gen_nstreet;
extern const char *const gen_place[];   /* hamlet / village names */
extern const size_t gen_nplace;

/* ------------------------------------------------------------ files */

/* Columns a file may have. */
typedef enum {
    C_RECID, C_MATINH, C_MAHO, C_QH, C_HOTEN, C_HO, C_TENDEM, C_TEN, C_NGAYSINH, C_NAMSINH,
    C_GT, C_DINHDANH, C_CMND, C_DANTOC, C_TONGIAO, C_QUOCTICH, C_QUEQUAN, C_THUONGTRU, C_NOIO,
    C_CHA, C_ME, C_VOCHONG, C_NGAYCHET, C_X_GHICHU, C_X_CAPNHAT, C_X_CANBO, C__COUNT
} gen_col_t;

enum { H_CANONICAL, H_VIETNAMESE, H_ASCII_UPPER, H_SPLIT, H__COUNT };
enum { E_UTF8, E_UTF8_BOM_CRLF, E_UTF8_NFD, E_TCVN3, E_VNI, E_VISCII, E_CP1258, E__COUNT };
enum { S_NAM_NU, S_NAM_NU_ASCII, S_MF, S_10, S_01, S__COUNT };  /* S_10: 1 = male; S_01: 1 = female */
enum { R_PLAIN, R_PADDED, R_PREFIXED, R__COUNT };

typedef struct {
    char name[80];            /* file name under exports/ */
    int prov;                 /* index into gen_ref_t.prov */
    int temp;                 /* 0 permanent register (thường trú), 1 temporary (tạm trú) */
    int header, enc, sex, recid;
    char delim;
    int datefmt;              /* dc_gen_date_fmt_t of the file */
    int post2025;             /* addresses written with the units from July 2025 */
    int abbrev;               /* addresses abbreviated (P., Q., TP.) */
    int matinh_name;          /* ma_tinh holds the province name, not the code */
    int ncols;
    uint8_t cols[C__COUNT];
} gen_file_t;

const char *gen_header_style_name(int h);
const char *gen_enc_name(int e);
const char *gen_sex_name(int s);
/*! gen_col_header() : the header cell of column c in style h. */
const char *gen_col_header(int c, int h);

/* ------------------------------------------------------------ counters */

typedef enum {
    K_NAME_FOLD, K_NAME_CASE, K_NAME_TONE, K_NAME_DD, K_NAME_TYPO, K_NAME_MID_DROP,
    K_NAME_MID_ADD, K_NAME_TELEX, K_NAME_SPACES,
    K_DATE_YEAR_ONLY, K_DATE_PH00, K_DATE_PH01, K_DATE_SWAP, K_DATE_SERIAL, K_DATE_YEAR_OFF,
    K_DATE_OTHER_FMT,
    K_SEX_CODE, K_ID_MISSING, K_ID_WRONG_DIGIT, K_ID_CMND_INSTEAD,
    K_ADDR_ABBREV, K_ADDR_PARTIAL, K_ADDR_UNITS, K_ADDR_WARD_FORM, K_ADDR_FOLD,
    K_REL_FOLD,
    K__COUNT
} gen_kind_t;
extern const char *const gen_kind_name[K__COUNT];

typedef enum {
    D_MOVED, D_TEMP, D_TWICE, D_MULTI,
    N_TWINS, N_FATHER_SON, N_COMMON_NAME, N_SIBLINGS, N_GRANDPARENTS,
    D__COUNT
} gen_event_t;
extern const char *const gen_event_name[D__COUNT];

typedef struct {
    uint64_t kind[K__COUNT];
    uint64_t event[D__COUNT];
    uint64_t rows_dup, rows_orig, rows_corrupt;
    uint64_t enc_replaced;     /* characters a legacy encoding could not hold */
} gen_counts_t;

/* ------------------------------------------------------------ blocks */

/* One rendered row: bytes before and after the record id, its target file
 * and its person. */
typedef struct {
    uint32_t file;
    uint32_t off, pre, len;   /* bytes [off, off+pre) + record id + [off+pre, off+len) */
    uint64_t person;
} gen_row_t;

typedef struct gen_house gen_house_t;
typedef struct {
    gen_house_t *houses;      /* HOUSES_PER_BLOCK of them */
    int *sizes;
    dc_buf_t bytes;
    gen_row_t *rows;
    size_t nrows, caprows;
    gen_counts_t cnt;
    uint64_t people, households;
} gen_block_t;

/* The run-wide read-only context the workers see. */
typedef struct {
    const dc_gen_opts_t *o;
    const gen_ref_t *ref;
    int nsel;                   /* selected provinces */
    int sel[64];                /* their indices into ref->prov */
    double selcum[64];          /* cumulative population weights */
    int nfiles;
    gen_file_t *files;
    int perm_file[64];          /* per province index: its permanent-register file, -1 if none */
    int temp_file[64];          /* its temporary-register file, -1 if none */
    int ntempprov;
    int tempprov[64];           /* province indices that have a temporary file */
} gen_ctx_t;

/* A household in three steps: build it (members, names, dates, addresses:
 * on a worker), assign the serial part of its ID numbers (main thread, in
 * household order: per-prefix counters make the numbers unique), emit its
 * rows into a block (on a worker). */
size_t gen_house_bytes(void);
void gen_house_build(const gen_ctx_t *c, uint64_t h, int size, gen_house_t *H, gen_block_t *b);
/*! idcount: GEN_ID_GROUPS counters; cmndcount: one counter. */
void gen_house_assign_ids(gen_house_t *H, uint32_t *idcount, uint64_t *cmndcount);
void gen_house_emit(const gen_ctx_t *c, gen_house_t *H, uint64_t pid0, gen_block_t *b, dc_buf_t *scratch);
enum { GEN_ID_GROUPS = 64 * 4 * 100 };
/*! gen_household_size() : size of household h (from (seed, h) only). */
int gen_household_size(uint64_t seed, uint64_t h);

#endif /* GEN_INT_H */

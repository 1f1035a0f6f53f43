/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_address.h - Vietnamese address parsing and gazetteer matching.
 *
 * The gazetteer holds the pre-2025 units (63 provinces, districts and
 * communes of the GSO lists of 10/04/2023 and 01/03/2025, so that names
 * changed between the two still resolve) and the units in force from
 * 1 July 2025 (34 provinces, 3,321 communes) with the old-to-new mapping,
 * all from the embedded reference data (engine/ref/sources/admin-units.md,
 * cleaned as described there). It is immutable after dc_gazetteer_load()
 * and safe to share between threads. docs/ADDRESSES.md explains the parser,
 * the matcher, the confidence and the figures.
 *
 * Codes are the GSO codes as integers: province 2 digits, district 3
 * digits, commune 5 digits ("00097" -> 97). Pre-2025 codes follow the
 * 01/03/2025 list; a commune that was gone by then keeps its 2023 code.
 */
#ifndef DC_ADDRESS_H
#define DC_ADDRESS_H

#include "common/dc_common.h"
#include "normalize/dc_record.h"

typedef struct dc_gazetteer dc_gazetteer_t;

/*! dc_gazetteer_load() : parse the embedded tables (about 20 ms).
 *  Never fails (the embedded data is part of the build). */
dc_gazetteer_t *dc_gazetteer_load(void);
void dc_gazetteer_free(dc_gazetteer_t *gz);   /* NULL is a no-op */

/* The parsed parts of one address, for explanation (dancu normalize) and
 * for the display text. Each is a NUL-terminated normalized string, ""
 * when absent (truncated to the field size on a character boundary).
 * ward/district/province hold the gazetteer name when matched ("Phường
 * Bến Nghé"), else the text as written (normalized). */
typedef struct dc_addr_parts {
    char house[32], alley[64], hamlet[64], street[96];
    char ward[96], district[96], province[96];
} dc_addr_parts_t;

/*! dc_addr_normalize() :
 *  Parse s[0..n) (UTF-8, NFC expected; other input is tolerated), match
 *  its administrative part against the gazetteer and fill `out` (text
 *  interned in `in`; `in` may be NULL, then out->text is 0). `parts` may be
 *  NULL. `prov_hint` is the pre-2025 province code of the source file (0 if
 *  unknown), used only to break ties between equally good candidates.
 *  Thread-safe, allocation-free apart from the interner. Never fails:
 *  unmatched parts are flagged (DC_ADDR_*). An empty, blank or placeholder
 *  value ("không rõ", "N/A", ...) gives an all-zero `out`. Of a value
 *  longer than 1,024 bytes only the last 1,024 are read (the
 *  administrative part is at the end). docs/ADDRESSES.md. */
void dc_addr_normalize(const dc_gazetteer_t *gz, dc_intern_t *in, const char *s, size_t n,
                       uint8_t prov_hint, dc_addr_t *out, dc_addr_parts_t *parts);

/*! The tail cache: a per-thread memo of the administrative part of the
 *  addresses seen, keyed by the raw bytes after a comma and the province
 *  hint, so that an address new only by its house number, alley or street
 *  is matched without the gazetteer. Results are exactly those of
 *  dc_addr_normalize() whatever the cache holds (address_cache.c argues
 *  why; brackets, NFD and values over 1,024 bytes bypass it). Not
 *  thread-safe: one per thread; its entries belong to one gazetteer
 *  (called with another, it empties itself). `slots`: table size (0:
 *  65,536: 2.6 MB, and up to 8 MB of keys and names as it fills);
 *  emptied when 3/4 full. */
typedef struct dc_addr_cache dc_addr_cache_t;
typedef struct dc_addr_cache_stats {
    uint64_t hits;       /* tail found: only the local part parsed */
    uint64_t misses;     /* not found: full path */
    uint64_t stored;     /* misses whose tail was stored */
    uint64_t bypassed;   /* inputs the cache does not handle */
    uint64_t clears;
} dc_addr_cache_stats_t;
dc_addr_cache_t *dc_addr_cache_create(size_t slots);
void dc_addr_cache_free(dc_addr_cache_t *tc);   /* NULL is a no-op */
void dc_addr_cache_clear(dc_addr_cache_t *tc);
void dc_addr_cache_stats(const dc_addr_cache_t *tc, dc_addr_cache_stats_t *st);
/*! dc_addr_normalize_cached() : dc_addr_normalize() through the tail
 *  cache `tc` (NULL: no cache). */
void dc_addr_normalize_cached(const dc_gazetteer_t *gz, dc_intern_t *in, dc_addr_cache_t *tc, const char *s,
                              size_t n, uint8_t prov_hint, dc_addr_t *out, dc_addr_parts_t *parts);

/*! Names of units by code, for output ("" if unknown): the full name with
 *  its type word ("Thành phố Hà Nội", "Quận Ba Đình", "Phường Phúc Xá").
 *  Pre-2025 names are those of 01/03/2025 (2023 name for units gone by
 *  then); post-2025 ward codes accept the aliases 6970 and 23737. */
const char *dc_gazetteer_province_name(const dc_gazetteer_t *gz, uint8_t code, int post2025);
const char *dc_gazetteer_district_name(const dc_gazetteer_t *gz, uint16_t code);
const char *dc_gazetteer_ward_name(const dc_gazetteer_t *gz, uint32_t code, int post2025);

/*! dc_gazetteer_province_code() : pre-2025 province code from a name
 *  ("Hà Nội", "TP. Hồ Chí Minh", "tinh an giang", "HCM") or a 2- or
 *  3-digit code ("01", "1", "001") as found in a ma_tinh column; 0 if not
 *  recognised. A name of a post-2025 province that merged several old
 *  ones resolves to the old province of the same name and code (e.g.
 *  "Tuyên Quang" -> 8). */
uint8_t dc_gazetteer_province_code(const dc_gazetteer_t *gz, const char *s, size_t n);

/*! dc_gazetteer_province_new() : the post-2025 province that the pre-2025
 *  province `old_code` merged into (every old province went whole into one
 *  new province); 0 if unknown. */
uint8_t dc_gazetteer_province_new(const dc_gazetteer_t *gz, uint8_t old_code);

/* ------------------------------------------------------------ enumeration */

/* Unit types (the word before the name). */
enum {
    DC_UNIT_NONE = 0,
    DC_UNIT_TINH,        /* Tỉnh */
    DC_UNIT_THANHPHO,    /* Thành phố (province-level or district-level city) */
    DC_UNIT_QUAN,        /* Quận */
    DC_UNIT_HUYEN,       /* Huyện */
    DC_UNIT_THIXA,       /* Thị xã */
    DC_UNIT_PHUONG,      /* Phường */
    DC_UNIT_XA,          /* Xã */
    DC_UNIT_THITRAN,     /* Thị trấn */
    DC_UNIT_DACKHU,      /* Đặc khu (post-2025 island commune) */
    DC_UNIT__COUNT
};

/*! dc_unit_type_name() : "Phường", "Thị xã", ... ("" for DC_UNIT_NONE). */
const char *dc_unit_type_name(int type);

/* One link of the 2025 old-to-new mapping, seen from either side. */
typedef struct dc_ward_link {
    uint32_t code;       /* commune code on the other side (pre-2025 district code when is_district) */
    uint8_t partial;     /* 1: only part of the old commune went to the new one */
    uint8_t is_district; /* the old unit is an island district without communes */
} dc_ward_link_t;

typedef struct dc_ward_info {
    uint32_t code;               /* commune code */
    uint8_t type;                /* DC_UNIT_PHUONG, _XA, _THITRAN, _DACKHU */
    uint8_t in2023, in2025;      /* pre-2025 scheme: listed on 10/04/2023 / 01/03/2025 */
    const char *name;            /* "Phường Phúc Xá" (2025 name; 2023 name if gone by 2025) */
    const char *bare;            /* the name without its type word: "Phúc Xá", "5" */
    const char *former_name;     /* pre-2025: the 10/04/2023 name when it differs, else "" */
    uint16_t district_code;      /* pre-2025 district; 0 for post-2025 communes */
    const char *district_name;   /* "Quận Ba Đình"; "" for post-2025 communes */
    uint8_t prov_code;           /* province in the commune's own scheme */
    const char *prov_name;       /* "Thành phố Hà Nội" */
    uint8_t prov_new;            /* post-2025 province (= prov_code for post-2025 communes) */
    uint32_t new_code;           /* pre-2025: the single new commune (0 when split or gone by 2025) */
    size_t nlinks;               /* links of the 2025 mapping (old->new or new->old) */
    const dc_ward_link_t *links; /* valid as long as the gazetteer */
    const char *district_bare;   /* "Ba Đình", "3" ("" for post-2025 communes) */
    const char *prov_bare;       /* "Hà Nội", "An Giang" */
} dc_ward_info_t;

/*! dc_gazetteer_nwards() : number of communes in a scheme: pre-2025
 *  (post2025 = 0; every code of the 2023 and 2025 lists, 10,6xx) or
 *  post-2025 (3,321). */
size_t dc_gazetteer_nwards(const dc_gazetteer_t *gz, int post2025);
/*! dc_gazetteer_ward_info() : the i-th commune (0 <= i < nwards, ordered by
 *  code) of the scheme; @return 0, or -1 if i is out of range. */
int dc_gazetteer_ward_info(const dc_gazetteer_t *gz, size_t i, int post2025, dc_ward_info_t *out);
/*! dc_gazetteer_ward_find() : the same by code; -1 if unknown. */
int dc_gazetteer_ward_find(const dc_gazetteer_t *gz, uint32_t code, int post2025, dc_ward_info_t *out);

#endif /* DC_ADDRESS_H */

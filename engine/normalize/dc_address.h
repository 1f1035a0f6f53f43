/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_address.h - Vietnamese address parsing and gazetteer matching.
 *
 * The gazetteer holds the pre-2025 units (63 provinces, districts, 10,047
 * communes as of 01/03/2025, plus former names since 2004) and the units in
 * force from 1 July 2025 (34 provinces, 3,321 communes) with the old-to-new
 * mapping, all from the embedded reference data (engine/ref/SOURCES.md).
 * It is immutable after dc_gazetteer_load() and safe to share between
 * threads.
 */
#ifndef DC_ADDRESS_H
#define DC_ADDRESS_H

#include "../common/dc_common.h"
#include "dc_record.h"

typedef struct dc_gazetteer dc_gazetteer_t;

dc_gazetteer_t *dc_gazetteer_load(void);
void dc_gazetteer_free(dc_gazetteer_t *gz);

/* The parsed parts of one address, for explanation (dancu normalize) and
 * for the display text. Each is a NUL-terminated normalized string, ""
 * when absent. */
typedef struct dc_addr_parts {
    char house[32], alley[64], hamlet[64], street[96];
    char ward[96], district[96], province[96];
} dc_addr_parts_t;

/*! dc_addr_normalize() :
 *  Parse s[0..n) (UTF-8 NFC), match its administrative part against the
 *  gazetteer and fill `out` (text interned in `in`). `parts` may be NULL.
 *  `prov_hint` is the pre-2025 province code of the source file (0 if
 *  unknown), used only to break ties between equally good candidates.
 *  Thread-safe. Never fails: unmatched parts are flagged. */
void dc_addr_normalize(const dc_gazetteer_t *gz, dc_intern_t *in, const char *s, size_t n,
                       uint8_t prov_hint, dc_addr_t *out, dc_addr_parts_t *parts);

/*! Names of units by code, for output ("" if unknown). */
const char *dc_gazetteer_province_name(const dc_gazetteer_t *gz, uint8_t code, int post2025);
const char *dc_gazetteer_district_name(const dc_gazetteer_t *gz, uint16_t code);
const char *dc_gazetteer_ward_name(const dc_gazetteer_t *gz, uint32_t code, int post2025);

/*! dc_gazetteer_province_code() : pre-2025 province code from a name or a
 *  2-digit code as found in a ma_tinh column; 0 if not recognised. */
uint8_t dc_gazetteer_province_code(const dc_gazetteer_t *gz, const char *s, size_t n);

#endif /* DC_ADDRESS_H */

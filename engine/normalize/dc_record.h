/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_record.h - the compact normalized record that matching works on.
 *
 * One dc_record_t per accepted input row. It holds interned string ids
 * (dc_intern_t), codes and small integers, never string copies, so that a
 * national load fits in memory (see docs/NORMALIZATION.md for the byte
 * figure). Every string id refers to the run's shared interner.
 *
 * Key forms of a name (all interned, 0 = missing):
 *   exact  lower case, NFC, canonical tone placement   "nguyễn văn hoà"->"nguyễn văn hòa"
 *   ascii  diacritics removed, đ->d, lower case        "nguyen van hoa"
 *   phon   Vietnamese phonetic key (docs/NORMALIZATION.md)
 * The display form (title case with diacritics) is derived from `exact`.
 */
#ifndef DC_RECORD_H
#define DC_RECORD_H

#include <stdint.h>

/* Date precision. */
enum { DC_PREC_NONE = 0, DC_PREC_YEAR = 1, DC_PREC_MONTH = 2, DC_PREC_DAY = 3 };

/* Date flags. */
enum {
    DC_DATE_INVALID     = 1 << 0,  /* present but impossible or unparseable */
    DC_DATE_PLACEHOLDER = 1 << 1,  /* 00/00/yyyy or 01/01/yyyy read as year only */
    DC_DATE_SERIAL      = 1 << 2,  /* spreadsheet serial number */
    DC_DATE_TWO_DIGIT   = 1 << 3,  /* dd/mm/yy: century inferred */
    DC_DATE_AMBIGUOUS   = 1 << 4,  /* day/month order could be either */
};

typedef struct dc_date {
    int16_t y;       /* 0 when unknown */
    uint8_t m, d;    /* 0 when unknown */
    uint8_t prec;    /* DC_PREC_* */
    uint8_t flags;   /* DC_DATE_* */
} dc_date_t;

/* Name flags. */
enum {
    DC_NAME_DIGITS      = 1 << 0,  /* digits inside the name */
    DC_NAME_ONE_TOKEN   = 1 << 1,
    DC_NAME_PLACEHOLDER = 1 << 2,  /* "Không rõ", "KXĐ", ... */
    DC_NAME_TELEX       = 1 << 3,  /* decoded from Telex/VNI key sequences */
    DC_NAME_NO_DIACRITICS = 1 << 4,/* written without any diacritics */
    DC_NAME_ODD_CHARS   = 1 << 5,  /* punctuation or symbols removed */
};

typedef struct dc_name {
    uint32_t exact, ascii, phon;   /* whole-name keys */
    uint32_t sur;                  /* surname (họ), ascii key, may be compound */
    uint32_t mid;                  /* middle names (tên đệm), ascii key, 0 if none */
    uint32_t given;                /* given name (tên), ascii key */
    uint32_t given_phon;           /* given name, phonetic key */
    uint16_t flags;                /* DC_NAME_* */
    uint8_t  ntok;                 /* syllables */
    uint8_t  has_diacritics;       /* the source value carried diacritics */
} dc_name_t;

/* Related person's name (father, mother, spouse): fewer keys. */
typedef struct dc_relname {
    uint32_t exact, ascii, phon, given;
} dc_relname_t;

/* Sex. DC_SEX_CODE0/1 are provisional ("0"/"1" before the per-file
 * inference in dc_norm_finalize resolves them). */
enum { DC_SEX_UNKNOWN = 0, DC_SEX_MALE = 1, DC_SEX_FEMALE = 2, DC_SEX_CODE0 = 3, DC_SEX_CODE1 = 4 };

/* ID flags (so_dinh_danh / so_cmnd). */
enum {
    DC_ID_PRESENT      = 1 << 0,
    DC_ID_VALID        = 1 << 1,   /* structure valid (12 digits, known province code, ...) */
    DC_ID_BAD_LENGTH   = 1 << 2,
    DC_ID_BAD_PROVINCE = 1 << 3,   /* unknown 3-digit province code */
    DC_ID_SEX_MISMATCH = 1 << 4,   /* digit 4 disagrees with the row's sex */
    DC_ID_YEAR_MISMATCH = 1 << 5,  /* digits 4-6 disagree with the row's birth year */
    DC_ID_NOT_DIGITS   = 1 << 6,
    DC_ID_CMND12       = 1 << 7,   /* so_cmnd holding 12 digits */
};

/* Address flags. */
enum {
    DC_ADDR_PRESENT        = 1 << 0,
    DC_ADDR_AMBIGUOUS_NEW  = 1 << 1,  /* old commune split between several new ones */
    DC_ADDR_OLD_NAME       = 1 << 2,  /* matched through a former unit name */
    DC_ADDR_UNMATCHED      = 1 << 3,  /* administrative part not found in the gazetteer */
    DC_ADDR_PARTIAL        = 1 << 4,  /* some levels missing */
};

typedef struct dc_addr {
    uint32_t text;          /* interned normalized address text (display form) */
    uint32_t ward_old;      /* pre-2025 GSO commune code (5 digits), 0 unknown */
    uint32_t ward_new;      /* post-2025 commune code, 0 unknown or ambiguous */
    uint16_t district_old;  /* pre-2025 district code (3 digits), 0 unknown */
    uint8_t  prov_old;      /* pre-2025 province code (2 digits), 0 unknown */
    uint8_t  prov_new;      /* post-2025 province code, 0 unknown */
    uint8_t  conf;          /* match confidence 0..100 */
    uint8_t  flags;         /* DC_ADDR_* */
} dc_addr_t;

/* Record-level flags. */
enum {
    DC_REC_TEMP_REGISTER = 1 << 0,  /* row from a temporary-residence register */
};

typedef struct dc_record {
    uint32_t source;        /* index of the input file */
    uint32_t record_id;     /* interned record_id (unique within its source) */
    uint64_t seq;           /* data row number within the source */
    dc_name_t name;
    dc_relname_t father, mother, spouse;
    dc_date_t dob, dod;
    uint64_t id12;          /* so_dinh_danh as a number (0 absent) */
    uint64_t cmnd;          /* so_cmnd as a number (0 absent) */
    uint8_t id12_flags, cmnd_flags;
    uint8_t sex;            /* DC_SEX_* */
    uint8_t ethnic;         /* 2008 (QĐ 1019) code 1..54, 0 unknown */
    uint16_t nationality;   /* ISO 3166-1 numeric (704 = Việt Nam), 0 unknown */
    uint8_t prov_src;       /* province of the source file (pre-2025 GSO code), 0 unknown */
    uint8_t rec_flags;      /* DC_REC_* */
    uint32_t religion;      /* interned normalized religion, 0 none */
    dc_addr_t hometown, perm, cur;  /* que_quan, noi_thuong_tru, noi_o_hien_tai */
} dc_record_t;

#endif /* DC_RECORD_H */

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
    DC_DATE_AMBIGUOUS   = 1 << 4,  /* day and month both <= 12 and different: a swap is also a date */
    DC_DATE_SWAPPED     = 1 << 5,  /* read as mm/dd because the second number was > 12 */
    DC_DATE_FUTURE      = 1 << 6,  /* after the reference date (also DC_DATE_INVALID) */
};

/* 4 bytes (bit fields; read them like plain integers, do not take their
 * address). */
typedef struct dc_date {
    uint32_t y : 14;     /* 0 when unknown, else 1800..ref_year (docs/NORMALIZATION.md) */
    uint32_t m : 4;      /* 0 when unknown */
    uint32_t d : 5;      /* 0 when unknown */
    uint32_t prec : 2;   /* DC_PREC_* */
    uint32_t flags : 7;  /* DC_DATE_* */
} dc_date_t;

/* Name flags. */
enum {
    DC_NAME_DIGITS      = 1 << 0,  /* digits inside the name */
    DC_NAME_ONE_TOKEN   = 1 << 1,
    DC_NAME_PLACEHOLDER = 1 << 2,  /* "Không rõ", "KXĐ", ... */
    DC_NAME_TELEX       = 1 << 3,  /* decoded from Telex/VNI key sequences */
    DC_NAME_NO_DIACRITICS = 1 << 4,/* written without any diacritics */
    DC_NAME_ODD_CHARS   = 1 << 5,  /* punctuation or symbols removed */
    DC_NAME_MID_VAN     = 1 << 6,  /* a middle name is Văn (male evidence) */
    DC_NAME_MID_THI     = 1 << 7,  /* a middle name is Thị (female evidence) */
    DC_NAME_COMPOUND_SUR = 1 << 8, /* compound surname (Tôn Thất, Âu Dương, ...) */
    DC_NAME_RARE_SURNAME = 1 << 9, /* first token not a known surname */
    DC_NAME_OTHER_SCRIPT = 1 << 10,/* letters outside the Vietnamese alphabet */
    DC_NAME_TONE_MOVED  = 1 << 11, /* a tone mark was moved to its canonical vowel */
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

/* Related person's name (father, mother, spouse): fewer keys. `phon` is
 * not interned: it is only compared for equality and hashed by blocking,
 * so it holds dc_norm_phon_hash() of the phonetic key (0 = none), which
 * saves an interner insertion per distinct name and the string's memory.
 * Its string is dc_norm_phon_of() of `exact`. */
typedef struct dc_relname {
    uint32_t exact, ascii;   /* interned */
    uint32_t phon;           /* 32-bit hash of the phonetic key, 0 = none */
    uint32_t given;          /* interned ascii key of the given name */
} dc_relname_t;

/* Sex. DC_SEX_CODE0/1 are provisional ("0"/"1" before the per-file
 * inference in dc_norm_finalize resolves them). */
enum { DC_SEX_UNKNOWN = 0, DC_SEX_MALE = 1, DC_SEX_FEMALE = 2, DC_SEX_CODE0 = 3, DC_SEX_CODE1 = 4,
       DC_SEX_CODE2 = 5 /* "2": female in the 1/2 convention, resolved with "1" */ };

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
    DC_ID_ZERO_RESTORED = 1 << 8,  /* one leading zero lost by a spreadsheet was put back */
    DC_ID_MANGLED      = 1 << 9,   /* spreadsheet scientific notation (1.2345E+11): digits lost */
    DC_ID_BAD_YEAR     = 1 << 11,  /* digits 4-6 give a birth year after the reference year
                                      or before 1900 (century digit other than 0-3) */
    DC_ID_MOVED        = 1 << 10,  /* taken from the other ID column (a 9-digit card number
                                      in so_dinh_danh, a 12-digit number in so_cmnd) */
};

/* Code flags (dc_record_t.code_flags): why a code is unknown. */
enum {
    DC_CODE_SEX_UNRESOLVED   = 1 << 0,  /* "0"/"1" whose meaning the file does not show */
    DC_CODE_SEX_UNRECOGNIZED = 1 << 1,  /* a gioi_tinh value that is no known spelling */
    DC_CODE_ETHNIC_REFUSED   = 1 << 2,  /* numeric dan_toc whose code system is not given */
    DC_CODE_ETHNIC_UNRECOGNIZED = 1 << 3,
    DC_CODE_RELIGION_UNRECOGNIZED = 1 << 4,
    DC_CODE_NATIONALITY_UNRECOGNIZED = 1 << 5,
    DC_CODE_PROVINCE_UNRECOGNIZED = 1 << 6,  /* ma_tinh present but not recognised */
};

/* Religion codes (dc_record_t.religion): 1..14 are the GSO codes of
 * QĐ 1019/QĐ-TCTK (2008) + QĐ 132/QĐ-TGCP (2014), see docs/NORMALIZATION.md. */
enum {
    DC_RELIGION_UNKNOWN = 0,     /* absent or unrecognised */
    DC_RELIGION_NONE = 15,       /* "Không" (no religion) */
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
    uint16_t ward_old;      /* pre-2025 GSO commune code (5 digits, all <= 32248:
                               checked when the gazetteer loads), 0 unknown */
    uint16_t ward_new;      /* post-2025 commune code, 0 unknown or ambiguous */
    uint16_t district_old;  /* pre-2025 district code (3 digits), 0 unknown */
    uint8_t  prov_old;      /* pre-2025 province code (2 digits), 0 unknown */
    uint8_t  prov_new;      /* post-2025 province code, 0 unknown */
    uint8_t  conf;          /* match confidence 0..100 */
    uint8_t  flags;         /* DC_ADDR_* */
    /* 2 bytes of padding: 16 bytes */
} dc_addr_t;

/* Record-level flags. */
enum {
    DC_REC_TEMP_REGISTER = 1 << 0,  /* row from a temporary-residence register */
};

/* The record: 168 bytes on LP64, checked by a static assertion
 * (docs/NORMALIZATION.md, "The record and memory"). Small fields are bit
 * fields packed beside the ID numbers (< 10^12 < 2^40): read and assign
 * them like plain integers, but do not take their address or offsetof();
 * the fields survivorship reads by offset (names, addresses, dates,
 * nationality, ethnic, religion) are plain members. */
typedef struct dc_record {
    uint64_t id12 : 40;        /* so_dinh_danh as a number (0 absent) */
    uint64_t id12_flags : 12;  /* DC_ID_* */
    uint64_t code_flags : 8;   /* DC_CODE_* */
    uint64_t sex : 3;          /* DC_SEX_* */
    uint64_t rec_flags : 1;    /* DC_REC_* */
    uint64_t cmnd : 40;        /* so_cmnd as a number (0 absent) */
    uint64_t cmnd_flags : 12;  /* DC_ID_* */
    uint64_t prov_src : 8;     /* province of the source file (pre-2025 GSO code), 0 unknown */
    uint64_t : 4;
    uint32_t seq;           /* data row number within the source (< 2^32 rows per file) */
    uint32_t source;        /* index of the input file */
    uint32_t record_id;     /* interned record_id (unique within its source) */
    dc_name_t name;
    dc_relname_t father, mother, spouse;
    dc_addr_t hometown, perm, cur;  /* que_quan, noi_thuong_tru, noi_o_hien_tai */
    dc_date_t dob, dod;
    uint16_t nationality;   /* ISO 3166-1 numeric (704 = Việt Nam), 0 unknown */
    uint8_t ethnic;         /* 2008 (QĐ 1019) code 1..54, 0 unknown */
    uint8_t religion;       /* DC_RELIGION_* or GSO code 1..14 */
} dc_record_t;

#endif /* DC_RECORD_H */

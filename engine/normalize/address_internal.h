/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * address_internal.h - shared internals of the address module
 * (address_fold.c, gazetteer.c, address_parse.c, address_match.c,
 * address.c). Not part of the public API (dc_address.h).
 *
 * Matching keys. Every unit name and every span of address tokens is
 * reduced to a key: the tokens folded to ASCII (diacritics removed,
 * đ -> d, lower case), apostrophes and hyphens dropped, concatenated
 * without spaces, with four spelling rules applied per token so that the
 * variants found in official lists and in registers meet:
 *   - numbers lose their leading zeros ("05" -> "5");
 *   - a final y after a consonant becomes i ("Quý"/"Quí", "Kỳ"/"Kì");
 *   - a final k becomes c ("Đắk Lắk"/"Đắc Lắc");
 *   - a final roman numeral I..IV after another token becomes a number
 *     ("Hải Châu I" = "Hải Châu 1").
 * Tone placement (Hoà/Hòa) disappears with the diacritics.
 */
#ifndef ADDRESS_INTERNAL_H
#define ADDRESS_INTERNAL_H

#include "normalize/dc_address.h"

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------- text folding */

/*! dc_addr__utf8_next() : decode the code point at s (n >= 1 bytes left)
 *  into *cp; @return its byte length (>= 1). Invalid or truncated
 *  sequences decode as U+FFFD of length 1. */
size_t dc_addr__utf8_next(const unsigned char *s, size_t n, uint32_t *cp);
/*! dc_addr__utf8_put() : encode cp at out (4 bytes of room); @return length. */
size_t dc_addr__utf8_put(uint32_t cp, char *out);
/*! dc_addr__fold_cp() : the ASCII letter ('a'..'z') or digit of a Latin or
 *  Vietnamese letter or digit, 0 for anything else. */
int dc_addr__fold_cp(uint32_t cp);
uint32_t dc_addr__lower(uint32_t cp);

/* ASCII fast path of dc_addr__fold_cp (the common case). */
static inline int dc_addr__fold_fast(uint32_t cp)
{
    if (cp < 0x80) {
        if (cp - 'a' < 26u || cp - '0' < 10u) return (int)cp;
        if (cp - 'A' < 26u) return (int)(cp + 32);
        return 0;
    }
    return dc_addr__fold_cp(cp);
}
uint32_t dc_addr__upper(uint32_t cp);
/*! dc_addr__is_combining_tone() : U+0300..U+036F (tolerated in NFD input). */
int dc_addr__is_combining(uint32_t cp);

/*! dc_addr__tok_key() : key of one token s[0..n) into out (cap >= n + 1
 *  bytes; keys never grow). @return key length (0 if the token has no
 *  letter or digit). Applies the leading-zero, final y and final k rules;
 *  `*roman` receives 1..4 when the token is I, II, III or IV, else 0. */
size_t dc_addr__tok_key(const char *s, size_t n, char *out, int *roman);
/*! dc_addr__tok_key_flags() : the same, also telling (AD_KF_*) whether the
 *  token holds digits, non-ASCII letters, an upper-case first letter, only
 *  upper-case letters. */
enum { AD_KF_DIGIT = 1, AD_KF_NONASCII = 2, AD_KF_UPPER = 4, AD_KF_ALLUP = 8 };
size_t dc_addr__tok_key_flags(const char *s, size_t n, char *out, int *roman, unsigned *flags);
/*! dc_addr__key_rules() : the spelling rules applied in place to the
 *  folded letters and digits out[0..k) of one token (`digits`: only
 *  digits); @return the new length. */
size_t dc_addr__key_rules(char *out, size_t k, int digits, int *roman);
/*! dc_addr__utf8_fold() : decode a non-ASCII code point and fold it:
 *  *info = ASCII letter | 0x100 when upper case, 0 when not a letter. */
size_t dc_addr__utf8_fold(const unsigned char *s, size_t n, uint32_t *cp, int *info);
/*! dc_addr__key() : key of a whole name (tokenized at spaces and
 *  punctuation), as the matcher builds it for a span. @return length. */
size_t dc_addr__key(const char *s, size_t n, char *out, size_t cap);

/*! dc_addr__word_display() : one word in display form into out: NFC
 *  letters with canonical tone placement (hoà -> hòa, thuỷ -> thủy), in
 *  proper case ("BẾN" -> "Bến") when `proper`, otherwise case kept;
 *  letters of words that contain digits are upper-cased ("12a" -> "12A").
 *  @return bytes written (at most cap - 1; out is not NUL-terminated). */
size_t dc_addr__word_display(const char *s, size_t n, char *out, size_t cap, int proper);

/*! dc_addr__dkey() : the diacritic key of s[0..n): like the key but
 *  keeping the letters with their diacritics (lower case, canonical tone
 *  placement), to prefer "Minh Quán" over "Minh Quân" when the input
 *  says so. Numbers lose their leading zeros. @return length. */
size_t dc_addr__dkey(const char *s, size_t n, char *out, size_t cap);
/*! dc_addr__dkey_token() : the same for one token (a word without
 *  separators: the tokenizer's unit), faster. */
size_t dc_addr__dkey_token(const char *s, size_t n, char *out, size_t cap);

/*! dc_addr__strip_marks() : s[0..n) without its diacritics (đ -> d),
 *  case kept: the way many registers were typed (tests, benchmarks).
 *  out is NUL-terminated; @return its length. */
size_t dc_addr__strip_marks(const char *s, size_t n, char *out, size_t cap);

/* ------------------------------------------------------------ gazetteer */

enum { GZ_PROV_OLD = 1, GZ_PROV_NEW, GZ_DIST, GZ_WARD_OLD, GZ_WARD_NEW };

typedef struct gz_unit {
    const char *name;     /* full display name with its type word */
    const char *dkey;     /* diacritic key of the bare name (dc_addr__dkey) */
    uint32_t code;
    uint32_t canon;       /* index of the current record of this code */
    uint32_t link0;       /* links (canonical ward and island-district records) */
    uint16_t nlink;
    uint16_t parent;      /* old ward: district; district: province; new ward: province */
    uint8_t prov;         /* province code in the unit's own scheme */
    uint8_t kind;         /* GZ_* */
    uint8_t type;         /* DC_UNIT_* */
    uint8_t snap;         /* bit 0: list of 10/04/2023; bit 1: list of 01/03/2025 (new units: 2) */
    uint8_t bare_off;     /* offset of the bare name in `name` */
    uint8_t former;       /* 1 when not the current record of its code */
    uint32_t next_same;   /* next record with the same kind and code, UINT32_MAX at the end */
    uint8_t dklen;
} gz_unit_t;

/* A distinct key of the name index and its postings (unit indices). */
typedef struct gz_slot {
    uint64_t h;           /* 0 = empty slot */
    uint32_t post0;       /* first posting */
    uint16_t npost;
    uint8_t klen;
    uint32_t koff;        /* key bytes in keys[] */
} gz_slot_t;

/* Posting flag: the key is an alias (abbreviation, other spelling). */
#define GZ_POST_ALIAS 0x80000000u
#define GZ_POST_IDX   0x7fffffffu

struct dc_gazetteer {
    gz_unit_t *u;
    size_t nu;
    dc_arena_t arena;              /* names */
    int32_t prov_old[100], prov_new[100];
    int32_t dist[1000];
    int32_t *ward_old, *ward_new;  /* canonical record by code, -1 */
    uint32_t ward_code_max;
    uint32_t *old_order, *new_order;  /* canonical ward records by code, for enumeration */
    size_t nold, nnew;
    dc_ward_link_t *links;
    uint32_t *link_unit;           /* unit index of each link's other side */
    size_t nlinks;
    uint8_t prov_new_of[100];      /* old province -> new province */
    uint8_t prov_old_of[100];      /* new province -> its single old province, 0 if several */
    gz_slot_t *slots;
    size_t mask;
    uint32_t *post;
    uint32_t *pinfo;               /* per posting: kind | prov << 3 | parent << 10 | type << 20 | former << 24
                                    * (filter and score without touching the unit) */
    size_t npost;
    /* keyword index: first folded word (packed, <= 8 bytes) -> keywords */
    struct { uint64_t w; uint8_t first, n; } kwslot[128];
    uint8_t kworder[64];
    uint8_t kwmask[26];            /* by first letter: bit n set when a keyword word has length n */
    char *keys;
};

/*! dc_addr__kw_first() : keywords whose first word is the folded word
 *  k[0..n): *first indexes gz->kworder, @return their count. */
int dc_addr__kw_first(const dc_gazetteer_t *gz, const char *k, size_t n, int *first);

/*! gz_lookup() : the slot of key k[0..n), or NULL. */
const gz_slot_t *dc_addr__gz_lookup(const dc_gazetteer_t *gz, const char *k, size_t n);
const gz_slot_t *dc_addr__gz_lookup_h(const dc_gazetteer_t *gz, uint64_t h, const char *k, size_t n);

/* --------------------------------------------------------------- parsing */

#define AD_MAXIN 1024     /* bytes of an address considered (longer input: the last 1024) */
#define AD_MAXTOK 128

/* Keyword classes. */
enum { KC_NONE = 0, KC_ADMIN, KC_HOUSE, KC_ALLEY, KC_HAMLET, KC_STREET };
/* Admin levels (bit masks). */
enum { LV_WARD = 1, LV_DIST = 2, LV_PROV = 4 };

typedef struct ad_kw {
    const char *fold[3];   /* folded tokens, NULL-terminated */
    uint8_t flen[3];       /* their lengths */
    const char *exact;     /* lower case with diacritics, NULL for abbreviations */
    const char *display;   /* "Thành phố", "Ngõ" */
    uint8_t cls;           /* KC_* */
    uint8_t levels;        /* LV_* (admin) */
    uint8_t type, type2;   /* DC_UNIT_*: type written, plausible other reading */
} ad_kw_t;

extern const ad_kw_t dc_addr__kws[];
#define KW_MAXLEN 6        /* longest folded keyword word ("phuong") */

/* Token flags. */
enum {
    TF_DIGIT   = 1 << 0,  /* holds a digit (house numbers, numbered units) */
    TF_DOT     = 1 << 1,  /* followed by '.' */
    TF_NONASCII = 1 << 2, /* holds a non-ASCII letter (diacritics) */
    TF_UPPER   = 1 << 3,  /* first letter upper case */
    TF_ALLUP   = 1 << 4,  /* every letter upper case */
    TF_PAREN   = 1 << 5,  /* inside parentheses */
};
/* Boundary before a token. */
enum { BD_SPACE = 0, BD_GLUE, BD_SOFT, BD_HARD };

typedef struct ad_tok {
    uint16_t off, len;     /* bytes of the input */
    uint16_t koff;         /* key bytes in ctx->kbuf */
    uint8_t klen;
    uint8_t flags;         /* TF_* */
    uint8_t bd;            /* BD_*: boundary before the token */
    uint8_t roman;         /* 1..4: the token is I..IV */
    uint8_t kw;            /* keyword starting here (index + 1 into dc_addr__kws), 0 none */
    uint8_t kwn;           /* tokens of that keyword */
    uint8_t kwok;          /* 1: accepted as a keyword in the first pass */
} ad_tok_t;

typedef struct ad_ctx {
    const dc_gazetteer_t *gz;
    const char *s;
    size_t n;
    int ntok;
    ad_tok_t t[AD_MAXTOK];
    char kbuf[AD_MAXIN * 2];
    size_t kn;
    int dropped;           /* too many tokens: the oldest were forgotten */
} ad_ctx_t;

/*! dc_addr__tokenize() : split ctx->s into tokens, fold their keys, find
 *  the keywords. */
void dc_addr__tokenize(ad_ctx_t *c);
/*! dc_addr__seg_start() : 1 if token i starts a segment of the first pass
 *  (after a hard boundary, or at an accepted keyword). */
int dc_addr__seg_start(const ad_ctx_t *c, int i);

/* -------------------------------------------------------------- matching */

/* One unit of a chain. */
typedef struct ad_um {
    uint32_t u;            /* unit index */
    uint8_t s, e;          /* token span [s, e) of the unit, keyword included */
    uint8_t typed;         /* a type word was written */
    uint8_t mismatch;      /* ... and it is not the unit's type */
    uint8_t alt;           /* a keyword-looking word read as part of the name */
    uint8_t former;        /* a former name or a unit gone by 2025 */
    uint8_t alias;         /* matched through an alias */
    uint8_t splits;        /* cuts inside a part (second pass) */
    int8_t sc;
} ad_um_t;

/* Codes derived from a chain. */
typedef struct ad_codes {
    uint32_t ward_old, ward_new;
    uint16_t dist;
    uint8_t prov_old, prov_new;
} ad_codes_t;

typedef struct ad_match {
    ad_um_t m[3];          /* by level: 0 ward, 1 district, 2 province */
    uint8_t has[3];
    uint8_t era;           /* 1 old, 2 new */
    uint8_t hint_used;     /* tie broken by the province of the file */
    uint8_t close;         /* a reading with another commune scored within 2 points */
    uint8_t dropped;       /* levels dropped because equally good readings disagree */
    uint8_t skipped;       /* trailing parts skipped */
    uint8_t left;          /* first token of the chain (tokens before it are not administrative) */
    uint8_t midskip;       /* a part between two units was skipped (an unknown former district) */
    uint8_t skip_s, skip_e;   /* its tokens [skip_s, skip_e) */
    uint8_t end;           /* token after the chain */
    uint8_t horizon;       /* the result depends on no token left of a part that starts before
                            * this token (address_match.c, note()); 0 when nothing matched */
    uint8_t anyhint;       /* the result is the same whatever the province hint (no tie) */
    int score;
    ad_codes_t codes;
} ad_match_t;

/*! dc_addr__match() : find the administrative chain of the tokenized
 *  address; m->has[] all zero when nothing matched. */
void dc_addr__match(const ad_ctx_t *c, uint8_t prov_hint, ad_match_t *m);

/* ------------------------------------------------------------ rendering */

/* What the administrative chain of an address gives, whatever the tokens
 * left of it (address.c): dc_addr__tail() computes it from the tokens and
 * the match, dc_addr__finish() parses the tokens left of the chain and
 * puts both together. The tail cache (address_cache.c) keeps it. */
/* What a tail's match gives besides strings (kept as is by the tail cache). */
typedef struct ad_tail_score {
    uint8_t scored;        /* it gave codes: conf, partial and base are set */
    uint8_t partial;       /* DC_ADDR_PARTIAL, before the parts left of the chain */
    uint8_t unmatched;     /* the part skipped between two units has a type word */
    uint8_t midskip;       /* a part between two units was skipped: `skipped` */
    int16_t conf;          /* before the penalty for unmatched parts and the clamp to 1 */
    dc_addr_t base;        /* codes, and flags DC_ADDR_OLD_NAME, DC_ADDR_AMBIGUOUS_NEW */
} ad_tail_score_t;

typedef struct ad_tail {
    uint8_t matched;       /* a chain (or a dropped level) was found */
    ad_tail_score_t sc;
    const char *adm[3];    /* ward, district, province: the gazetteer name, the words
                            * written when the level was dropped, or "" */
    const char *trail;     /* trailing parts the matcher skipped, "" */
    const char *skipped;   /* the part skipped between two units, "" */
    char buf[3][128], trailbuf[128], skipbuf[128];   /* (storage) */
} ad_tail_t;

void dc_addr__tail(const ad_ctx_t *c, const ad_match_t *r, ad_tail_t *t);
/*! dc_addr__finish() : the parts of tokens [0, left) of c, then the tail t:
 *  confidence, flags, codes, display text (interned in `in` if not NULL),
 *  parts. `out` holds DC_ADDR_PRESENT and zeros. */
void dc_addr__finish(dc_intern_t *in, const ad_ctx_t *c, int left, const ad_tail_t *t, dc_addr_t *out,
                     dc_addr_parts_t *parts);
/*! dc_addr__placeholder() : the tokens say "unknown" ("không rõ", "N/A"). */
int dc_addr__placeholder(const ad_ctx_t *c);
/*! dc_addr__has_combining() : s holds a combining mark (NFD input). */
int dc_addr__has_combining(const char *s, size_t n);

/* The work area of one call, kept for the tail cache. */
typedef struct ad_work {
    ad_ctx_t c;
    ad_match_t r;
    ad_tail_t t;
    int done;              /* 0: empty or placeholder (r and t not set) */
} ad_work_t;

/*! dc_addr__normalize_nfc() : dc_addr_normalize() of NFC input of at most
 *  AD_MAXIN bytes; `out` (and `parts`) zeroed by the caller. */
void dc_addr__normalize_nfc(const dc_gazetteer_t *gz, dc_intern_t *in, const char *s, size_t n,
                            uint8_t prov_hint, dc_addr_t *out, dc_addr_parts_t *parts, ad_work_t *w);

#endif /* ADDRESS_INTERNAL_H */

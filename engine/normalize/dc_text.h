/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_text.h - Vietnamese text as syllables: decoding, canonical tone
 * placement, keys (exact, ASCII, phonetic), title case, Telex/VNI decoding.
 *
 * A text is cut into tokens (syllables) at spaces, punctuation and hyphens.
 * Each letter of a token is one "cell": a Vietnamese letter (base letter +
 * vowel modifier + tone) or, for anything else, a Unicode code point.
 * Decoding needs no generic Unicode call for ASCII, the 134 precomposed
 * Vietnamese letters and combining marks (NFD input, Windows-1258 style):
 * the letter table of dc_vnfold.h maps every such code point to its cell.
 * Other code points go through utf8proc (case and category).
 *
 * Canonical tone placement (docs/NORMALIZATION.md): the tone goes on the
 * last vowel carrying a modifier (ă â ê ô ơ ư) of the nucleus; otherwise on
 * the only vowel; otherwise on the last vowel when a final consonant
 * follows; otherwise on the first of two vowels (hòa, thúy, khỏe) or the
 * middle of three (xoài, khuỷu). "qu" and "gi" before another vowel are
 * initials (quý, quỳnh, giá). This is the style of the 2025 official lists.
 *
 * All functions are thread-safe (the tables are built once, under
 * pthread_once, on first use).
 */
#ifndef DC_TEXT_H
#define DC_TEXT_H

#include "common/dc_common.h"
#include "normalize/dc_vnfold.h"

#include <stdint.h>

#define DC_TXT_MAXTOK 24   /* tokens kept per text (the rest are dropped, flagged) */
#define DC_TXT_MAXLEN 24   /* cells kept per token */

/* Cell low byte: the letter codes DC_L_* of dc_vnfold.h (letters with a
 * modifier); plain letters, digits and the apostrophe use their ASCII
 * code. Cell bits 8-10: the tone, DC_TONE_* of dc_vnfold.h. */

#define DC_CELL_CP 0x80000000u           /* cell holds a code point (other letter) */
#define DC_CELL_LETTER(c) ((c) & 0xffu)
#define DC_CELL_TONE(c) (((c) >> 8) & 7u)

typedef struct dc_token {
    uint32_t c[DC_TXT_MAXLEN];
    uint8_t n;
} dc_token_t;

/* Flags of a decoded text. */
enum {
    DC_TXT_DIACRITICS = 1 << 0,  /* some letter had a tone, a modifier or was đ */
    DC_TXT_DIGITS     = 1 << 1,  /* some token holds a digit */
    DC_TXT_PUNCT      = 1 << 2,  /* punctuation or symbols other than space, hyphen, apostrophe */
    DC_TXT_OTHER      = 1 << 3,  /* letters outside the Vietnamese alphabet */
    DC_TXT_TRUNC      = 1 << 4,  /* too many tokens or too long a token: cut */
    DC_TXT_UPPER      = 1 << 5,  /* some upper-case letter */
    DC_TXT_LOWER      = 1 << 6,  /* some lower-case letter */
    DC_TXT_BADTONE    = 1 << 7,  /* a token with tones on several vowels (left as is) */
    DC_TXT_MOVED_TONE = 1 << 8,  /* a tone was moved to its canonical vowel */
};

typedef struct dc_text {
    dc_token_t t[DC_TXT_MAXTOK];
    uint8_t n;
    uint16_t flags;   /* DC_TXT_* */
} dc_text_t;

/*! dc_text_decode() :
 *  Decode UTF-8 s[0..n) into lower-case tokens. Invalid UTF-8 bytes are
 *  dropped (flag DC_TXT_PUNCT). Tones are kept where they were written; call
 *  dc_text_canon() to place them. Never fails. */
void dc_text_decode(const char *s, size_t n, dc_text_t *t);

/*! dc_text_canon() : move each token's tone to its canonical vowel. */
void dc_text_canon(dc_text_t *t);

/*! dc_text_decode_typed() :
 *  If `t` (decoded, with no diacritics) reads as Telex or VNI key sequences
 *  ("nguyeenx", "nguye64n") - every token a valid Vietnamese syllable after
 *  decoding and at least one token carrying keys - replace it by the decoded
 *  text and return 1; else leave it and return 0. */
int dc_text_decode_typed(dc_text_t *t);

/*! dc_token_valid_syllable() : 1 if the token spells a Vietnamese syllable
 *  (initial, nucleus, final; stop finals only with acute/dot when
 *  `check_tone`). */
int dc_token_valid_syllable(const dc_token_t *k, int check_tone);

/* Writers: tokens joined by one space, appended to `out`.
 *   exact    lower case with diacritics ("nguyễn văn hòa")
 *   ascii    diacritics dropped, đ -> d ("nguyen van hoa")
 *   display  title case with diacritics ("Nguyễn Văn Hòa", "H'Mông")
 *   phon     phonetic key (docs/NORMALIZATION.md)
 *   compact  ascii letters and digits only, no spaces ("nguyenvanhoa")
 * `from`..`to` select tokens [from, to). */
void dc_text_put_exact(const dc_text_t *t, int from, int to, dc_buf_t *out);
void dc_text_put_ascii(const dc_text_t *t, int from, int to, dc_buf_t *out);
void dc_text_put_display(const dc_text_t *t, int from, int to, dc_buf_t *out);
void dc_text_put_phon(const dc_text_t *t, int from, int to, dc_buf_t *out);
void dc_text_put_compact(const dc_text_t *t, int from, int to, dc_buf_t *out);

/*! dc_token_ascii() : the ASCII letters of one token into buf
 *  (NUL-terminated, at most cap-1 bytes, other scripts dropped); @return
 *  its length. */
size_t dc_token_ascii(const dc_token_t *k, char *buf, size_t cap);

/* One token into out (at least DC_TOK_BYTES bytes, NUL-terminated);
 * @return the length. exact / display / key (the ASCII key form) / phon
 * as the dc_text_put_* writers. */
#define DC_TOK_BYTES (DC_TXT_MAXLEN * 4 + 1)
size_t dc_token_exact(const dc_token_t *k, char *out);
size_t dc_token_display(const dc_token_t *k, char *out);
size_t dc_token_key(const dc_token_t *k, char *out);
size_t dc_token_phon(const dc_token_t *k, char *out);

/*! dc_text_fold() : convenience: NFC/case/tone-canonical exact form of any
 *  string (one call = decode + canon + put_exact). */
void dc_text_fold(const char *s, size_t n, dc_buf_t *out);
/*! dc_text_fold_ascii() : the same, ASCII form. */
void dc_text_fold_ascii(const char *s, size_t n, dc_buf_t *out);

#endif /* DC_TEXT_H */

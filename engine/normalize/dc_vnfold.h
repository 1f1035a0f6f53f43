/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_vnfold.h - the one table of Latin and Vietnamese letters: for every
 * code point the name decoder (norm_text.c, dc_text.h) and the address
 * folder (address_fold.c) read without a generic Unicode call, its ASCII
 * letter, its case and other-case code point, its tone, and its letter of
 * the Vietnamese alphabet; the combining tone and vowel marks; and the
 * way back (letter + tone + case -> code point).
 *
 * DESIGN: one const table in three ranges (U+0000..U+024F, the combining
 * marks U+0300..U+036F, the Vietnamese block U+1EA0..U+1EFF), so a look-up
 * is a range test and an index, with no initialization: the address
 * folder calls it in its hot loops. The table is generated from Unicode's
 * canonical decompositions (utf8proc_decompose_char); tests/unit/
 * check_vnfold.c derives every entry again from utf8proc and fails on any
 * difference (DC_VNFOLD_PRINT=1 ./build/tests/check_vnfold prints the table
 * to paste into vnfold.c after a change of the rules below).
 *
 * Two scopes, one per caller, as flags of the same entries:
 *   - ASCII folding (`ascii` != 0: addresses, matching keys): ASCII
 *     letters; every letter of Latin-1 Supplement and Latin Extended-A
 *     whose canonical decomposition is an ASCII letter + marks (ç, ñ, ö,
 *     ś fold to c, n, o, s: a foreign spelling in an address still meets
 *     the gazetteer), except İ (U+0130, whose lower case is i + U+0307);
 *     the Vietnamese letters (below); đ/Đ -> d.
 *   - The Vietnamese alphabet (DC_VF_NAME: names): the ASCII letters, the
 *     12 vowels a ă â e ê i o ô ơ u ư y with each of the 6 tones in both
 *     cases (the 134 precomposed letters with đ/Đ), and Ð (U+00D0, the
 *     Icelandic eth that legacy keyboards type for Đ), which the address
 *     scope does not read (it is no letter in an address key). Other
 *     letters stay themselves in a name (dc_text.h: a code point cell), so
 *     "Müller" keeps its ü.
 * Tones are numbered in the Vietnamese order, DC_TONE_* below, for both
 * scopes; a letter outside the alphabet that carries a tone mark (ñ: n +
 * tilde, ć: c + acute) has that tone too (the address folder reads tones of
 * vowels only).
 */
#ifndef DC_VNFOLD_H
#define DC_VNFOLD_H

#include <stddef.h>
#include <stdint.h>

/* Letter codes of Vietnamese letters with a modifier; plain letters,
 * digits and the apostrophe use their ASCII code (dc_text.h cells). */
enum {
    DC_L_A_BREVE = 1, DC_L_A_CIRC = 2, DC_L_E_CIRC = 3, DC_L_O_CIRC = 4,
    DC_L_O_HORN = 5, DC_L_U_HORN = 6, DC_L_D_BAR = 7
};

/* Tones, in the Vietnamese order (huyền, hỏi, ngã, sắc, nặng). */
enum { DC_TONE_NONE = 0, DC_TONE_GRAVE, DC_TONE_HOOK, DC_TONE_TILDE, DC_TONE_ACUTE, DC_TONE_DOT };

/* Entry flags. */
enum {
    DC_VF_UPPER     = 1,   /* an upper-case letter */
    DC_VF_NAME      = 2,   /* a letter of the Vietnamese alphabet: `letter` and `tone` */
    DC_VF_TONE_MARK = 4,   /* a combining tone mark: `tone` */
    DC_VF_MOD_MARK  = 8,   /* a combining vowel modifier (U+0302, U+0306, U+031B) */
};

typedef struct dc_vnfold {
    uint16_t other;   /* the other-case code point of an ASCII-folded letter, 0 */
    uint8_t ascii;    /* its lower-case ASCII letter in the folding scope, 0 outside */
    uint8_t letter;   /* DC_VF_NAME: the letter code ('a'..'z', DC_L_*) */
    uint8_t tone;     /* DC_TONE_* of the letter (or of the tone mark) */
    uint8_t flags;    /* DC_VF_* */
} dc_vnfold_t;

#define DC_VNFOLD_LOW_END 0x250u      /* U+0000..U+024F: ASCII, Latin-1, Extended-A and -B */
#define DC_VNFOLD_MARK_BASE 0x300u    /* U+0300..U+036F: combining diacritical marks */
#define DC_VNFOLD_MARK_N 0x70u
#define DC_VNFOLD_VIET_BASE 0x1EA0u   /* U+1EA0..U+1EFF: the Vietnamese letters of Latin Extended Additional */
#define DC_VNFOLD_VIET_N 0x60u

extern const dc_vnfold_t dc_vnfold_low[DC_VNFOLD_LOW_END];
extern const dc_vnfold_t dc_vnfold_mark[DC_VNFOLD_MARK_N];
extern const dc_vnfold_t dc_vnfold_viet[DC_VNFOLD_VIET_N];

/*! dc_vnfold_get() : the entry of cp, or NULL outside the three ranges
 *  (an entry of zeros: nothing dancu reads without utf8proc). */
static inline const dc_vnfold_t *dc_vnfold_get(uint32_t cp)
{
    if (cp < DC_VNFOLD_LOW_END) return &dc_vnfold_low[cp];
    if (cp - DC_VNFOLD_VIET_BASE < DC_VNFOLD_VIET_N) return &dc_vnfold_viet[cp - DC_VNFOLD_VIET_BASE];
    if (cp - DC_VNFOLD_MARK_BASE < DC_VNFOLD_MARK_N) return &dc_vnfold_mark[cp - DC_VNFOLD_MARK_BASE];
    return NULL;
}

/* The Vietnamese vowels: letter code, ASCII base, combining modifier (0 none). */
typedef struct dc_vnfold_vowel {
    uint8_t code;
    char base;
    uint16_t mark;
} dc_vnfold_vowel_t;
#define DC_VNFOLD_NVOWELS 12
extern const dc_vnfold_vowel_t dc_vnfold_vowels[DC_VNFOLD_NVOWELS];

/*! dc_vnfold_compose() : the code point of Vietnamese letter `letter`
 *  (a letter code) with tone `tone` (DC_TONE_*), upper case when `upper`;
 *  0 when there is none (a tone on a consonant, an unknown code). */
uint32_t dc_vnfold_compose(unsigned letter, unsigned tone, int upper);

/*! dc_vnfold_apply_mod() : the letter code that combining modifier `mark`
 *  (U+0302, U+0306, U+031B) makes of the plain vowel `letter` (o + horn
 *  -> ơ); 0 when it makes none (a breve on an e, a horn on an ô). */
unsigned dc_vnfold_apply_mod(unsigned letter, uint32_t mark);

#endif /* DC_VNFOLD_H */

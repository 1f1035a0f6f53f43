/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * address_fold.c - the small Vietnamese text helpers of the address module:
 * ASCII folding (diacritics removed, đ -> d), case mapping, canonical tone
 * placement, and the matching keys (address_internal.h). UTF-8 itself is
 * decoded and encoded by common/dc_utf8.h.
 *
 * Its letter tables are still its own, apart from norm_text.c's: they
 * cover Latin-1 and all of Latin Extended-A (ç, ñ, ö... fold to ASCII in
 * an address), the Vietnamese letters of Latin Extended-B (ơ ư) and Latin
 * Extended Additional U+1EA0..U+1EF9, with tones numbered in Unicode's
 * order (grave, acute, hook, tilde, dot), where the name tables
 * (dc_text.h) hold the 134 Vietnamese letters only and leave other code
 * points to utf8proc. One table for both is issue 18's open part.
 */
#include "normalize/address_internal.h"

#include <string.h>   /* memcpy */

/*-*** Tables ***/

/* Per code point: the other-case code point, the letter without its tone
 * mark, its ASCII base letter, and tone | upper << 3 (tone: 1 grave,
 * 2 acute, 3 hook above, 4 tilde, 5 dot below). Generated from Python's
 * unicodedata (NFD decomposition); {0,0,0,0} = not a letter we fold. */
typedef struct fold_ent {
    uint16_t other, base;
    char ascii;
    uint8_t tone_up;
} fold_ent_t;

static const fold_ent_t fold_lat[0x1B0 - 0xC0 + 1] = {
    {0x00E0,0x0041,'a',9}, {0x00E1,0x0041,'a',10}, {0x00E2,0x00C2,'a',8}, {0x00E3,0x0041,'a',12},
    {0x00E4,0x00C4,'a',8}, {0x00E5,0x00C5,'a',8}, {0,0,0,0}, {0x00E7,0x00C7,'c',8},
    {0x00E8,0x0045,'e',9}, {0x00E9,0x0045,'e',10}, {0x00EA,0x00CA,'e',8}, {0x00EB,0x00CB,'e',8},
    {0x00EC,0x0049,'i',9}, {0x00ED,0x0049,'i',10}, {0x00EE,0x00CE,'i',8}, {0x00EF,0x00CF,'i',8},
    {0,0,0,0}, {0x00F1,0x004E,'n',12}, {0x00F2,0x004F,'o',9}, {0x00F3,0x004F,'o',10},
    {0x00F4,0x00D4,'o',8}, {0x00F5,0x004F,'o',12}, {0x00F6,0x00D6,'o',8}, {0,0,0,0},
    {0,0,0,0}, {0x00F9,0x0055,'u',9}, {0x00FA,0x0055,'u',10}, {0x00FB,0x00DB,'u',8},
    {0x00FC,0x00DC,'u',8}, {0x00FD,0x0059,'y',10}, {0,0,0,0}, {0,0,0,0},
    {0x00C0,0x0061,'a',1}, {0x00C1,0x0061,'a',2}, {0x00C2,0x00E2,'a',0}, {0x00C3,0x0061,'a',4},
    {0x00C4,0x00E4,'a',0}, {0x00C5,0x00E5,'a',0}, {0,0,0,0}, {0x00C7,0x00E7,'c',0},
    {0x00C8,0x0065,'e',1}, {0x00C9,0x0065,'e',2}, {0x00CA,0x00EA,'e',0}, {0x00CB,0x00EB,'e',0},
    {0x00CC,0x0069,'i',1}, {0x00CD,0x0069,'i',2}, {0x00CE,0x00EE,'i',0}, {0x00CF,0x00EF,'i',0},
    {0,0,0,0}, {0x00D1,0x006E,'n',4}, {0x00D2,0x006F,'o',1}, {0x00D3,0x006F,'o',2},
    {0x00D4,0x00F4,'o',0}, {0x00D5,0x006F,'o',4}, {0x00D6,0x00F6,'o',0}, {0,0,0,0},
    {0,0,0,0}, {0x00D9,0x0075,'u',1}, {0x00DA,0x0075,'u',2}, {0x00DB,0x00FB,'u',0},
    {0x00DC,0x00FC,'u',0}, {0x00DD,0x0079,'y',2}, {0,0,0,0}, {0x0178,0x00FF,'y',0},
    {0x0101,0x0100,'a',8}, {0x0100,0x0101,'a',0}, {0x0103,0x0102,'a',8}, {0x0102,0x0103,'a',0},
    {0x0105,0x0104,'a',8}, {0x0104,0x0105,'a',0}, {0x0107,0x0043,'c',10}, {0x0106,0x0063,'c',2},
    {0x0109,0x0108,'c',8}, {0x0108,0x0109,'c',0}, {0x010B,0x010A,'c',8}, {0x010A,0x010B,'c',0},
    {0x010D,0x010C,'c',8}, {0x010C,0x010D,'c',0}, {0x010F,0x010E,'d',8}, {0x010E,0x010F,'d',0},
    {0x0111,0x0110,'d',8}, {0x0110,0x0111,'d',0}, {0x0113,0x0112,'e',8}, {0x0112,0x0113,'e',0},
    {0x0115,0x0114,'e',8}, {0x0114,0x0115,'e',0}, {0x0117,0x0116,'e',8}, {0x0116,0x0117,'e',0},
    {0x0119,0x0118,'e',8}, {0x0118,0x0119,'e',0}, {0x011B,0x011A,'e',8}, {0x011A,0x011B,'e',0},
    {0x011D,0x011C,'g',8}, {0x011C,0x011D,'g',0}, {0x011F,0x011E,'g',8}, {0x011E,0x011F,'g',0},
    {0x0121,0x0120,'g',8}, {0x0120,0x0121,'g',0}, {0x0123,0x0122,'g',8}, {0x0122,0x0123,'g',0},
    {0x0125,0x0124,'h',8}, {0x0124,0x0125,'h',0}, {0,0,0,0}, {0,0,0,0},
    {0x0129,0x0049,'i',12}, {0x0128,0x0069,'i',4}, {0x012B,0x012A,'i',8}, {0x012A,0x012B,'i',0},
    {0x012D,0x012C,'i',8}, {0x012C,0x012D,'i',0}, {0x012F,0x012E,'i',8}, {0x012E,0x012F,'i',0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0,0,0,0},
    {0x0135,0x0134,'j',8}, {0x0134,0x0135,'j',0}, {0x0137,0x0136,'k',8}, {0x0136,0x0137,'k',0},
    {0,0,0,0}, {0x013A,0x004C,'l',10}, {0x0139,0x006C,'l',2}, {0x013C,0x013B,'l',8},
    {0x013B,0x013C,'l',0}, {0x013E,0x013D,'l',8}, {0x013D,0x013E,'l',0}, {0,0,0,0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0x0144,0x004E,'n',10},
    {0x0143,0x006E,'n',2}, {0x0146,0x0145,'n',8}, {0x0145,0x0146,'n',0}, {0x0148,0x0147,'n',8},
    {0x0147,0x0148,'n',0}, {0,0,0,0}, {0,0,0,0}, {0,0,0,0},
    {0x014D,0x014C,'o',8}, {0x014C,0x014D,'o',0}, {0x014F,0x014E,'o',8}, {0x014E,0x014F,'o',0},
    {0x0151,0x0150,'o',8}, {0x0150,0x0151,'o',0}, {0,0,0,0}, {0,0,0,0},
    {0x0155,0x0052,'r',10}, {0x0154,0x0072,'r',2}, {0x0157,0x0156,'r',8}, {0x0156,0x0157,'r',0},
    {0x0159,0x0158,'r',8}, {0x0158,0x0159,'r',0}, {0x015B,0x0053,'s',10}, {0x015A,0x0073,'s',2},
    {0x015D,0x015C,'s',8}, {0x015C,0x015D,'s',0}, {0x015F,0x015E,'s',8}, {0x015E,0x015F,'s',0},
    {0x0161,0x0160,'s',8}, {0x0160,0x0161,'s',0}, {0x0163,0x0162,'t',8}, {0x0162,0x0163,'t',0},
    {0x0165,0x0164,'t',8}, {0x0164,0x0165,'t',0}, {0,0,0,0}, {0,0,0,0},
    {0x0169,0x0055,'u',12}, {0x0168,0x0075,'u',4}, {0x016B,0x016A,'u',8}, {0x016A,0x016B,'u',0},
    {0x016D,0x016C,'u',8}, {0x016C,0x016D,'u',0}, {0x016F,0x016E,'u',8}, {0x016E,0x016F,'u',0},
    {0x0171,0x0170,'u',8}, {0x0170,0x0171,'u',0}, {0x0173,0x0172,'u',8}, {0x0172,0x0173,'u',0},
    {0x0175,0x0174,'w',8}, {0x0174,0x0175,'w',0}, {0x0177,0x0176,'y',8}, {0x0176,0x0177,'y',0},
    {0x00FF,0x0178,'y',8}, {0x017A,0x005A,'z',10}, {0x0179,0x007A,'z',2}, {0x017C,0x017B,'z',8},
    {0x017B,0x017C,'z',0}, {0x017E,0x017D,'z',8}, {0x017D,0x017E,'z',0}, {0,0,0,0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0,0,0,0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0,0,0,0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0,0,0,0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0,0,0,0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0,0,0,0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0,0,0,0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0,0,0,0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0,0,0,0},
    {0x01A1,0x01A0,'o',8}, {0x01A0,0x01A1,'o',0}, {0,0,0,0}, {0,0,0,0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0,0,0,0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0,0,0,0},
    {0,0,0,0}, {0,0,0,0}, {0,0,0,0}, {0x01B0,0x01AF,'u',8},
    {0x01AF,0x01B0,'u',0},
};
static const fold_ent_t fold_viet[0x1EF9 - 0x1EA0 + 1] = {
    {0x1EA1,0x0041,'a',13}, {0x1EA0,0x0061,'a',5}, {0x1EA3,0x0041,'a',11}, {0x1EA2,0x0061,'a',3},
    {0x1EA5,0x00C2,'a',10}, {0x1EA4,0x00E2,'a',2}, {0x1EA7,0x00C2,'a',9}, {0x1EA6,0x00E2,'a',1},
    {0x1EA9,0x00C2,'a',11}, {0x1EA8,0x00E2,'a',3}, {0x1EAB,0x00C2,'a',12}, {0x1EAA,0x00E2,'a',4},
    {0x1EAD,0x00C2,'a',13}, {0x1EAC,0x00E2,'a',5}, {0x1EAF,0x0102,'a',10}, {0x1EAE,0x0103,'a',2},
    {0x1EB1,0x0102,'a',9}, {0x1EB0,0x0103,'a',1}, {0x1EB3,0x0102,'a',11}, {0x1EB2,0x0103,'a',3},
    {0x1EB5,0x0102,'a',12}, {0x1EB4,0x0103,'a',4}, {0x1EB7,0x0102,'a',13}, {0x1EB6,0x0103,'a',5},
    {0x1EB9,0x0045,'e',13}, {0x1EB8,0x0065,'e',5}, {0x1EBB,0x0045,'e',11}, {0x1EBA,0x0065,'e',3},
    {0x1EBD,0x0045,'e',12}, {0x1EBC,0x0065,'e',4}, {0x1EBF,0x00CA,'e',10}, {0x1EBE,0x00EA,'e',2},
    {0x1EC1,0x00CA,'e',9}, {0x1EC0,0x00EA,'e',1}, {0x1EC3,0x00CA,'e',11}, {0x1EC2,0x00EA,'e',3},
    {0x1EC5,0x00CA,'e',12}, {0x1EC4,0x00EA,'e',4}, {0x1EC7,0x00CA,'e',13}, {0x1EC6,0x00EA,'e',5},
    {0x1EC9,0x0049,'i',11}, {0x1EC8,0x0069,'i',3}, {0x1ECB,0x0049,'i',13}, {0x1ECA,0x0069,'i',5},
    {0x1ECD,0x004F,'o',13}, {0x1ECC,0x006F,'o',5}, {0x1ECF,0x004F,'o',11}, {0x1ECE,0x006F,'o',3},
    {0x1ED1,0x00D4,'o',10}, {0x1ED0,0x00F4,'o',2}, {0x1ED3,0x00D4,'o',9}, {0x1ED2,0x00F4,'o',1},
    {0x1ED5,0x00D4,'o',11}, {0x1ED4,0x00F4,'o',3}, {0x1ED7,0x00D4,'o',12}, {0x1ED6,0x00F4,'o',4},
    {0x1ED9,0x00D4,'o',13}, {0x1ED8,0x00F4,'o',5}, {0x1EDB,0x01A0,'o',10}, {0x1EDA,0x01A1,'o',2},
    {0x1EDD,0x01A0,'o',9}, {0x1EDC,0x01A1,'o',1}, {0x1EDF,0x01A0,'o',11}, {0x1EDE,0x01A1,'o',3},
    {0x1EE1,0x01A0,'o',12}, {0x1EE0,0x01A1,'o',4}, {0x1EE3,0x01A0,'o',13}, {0x1EE2,0x01A1,'o',5},
    {0x1EE5,0x0055,'u',13}, {0x1EE4,0x0075,'u',5}, {0x1EE7,0x0055,'u',11}, {0x1EE6,0x0075,'u',3},
    {0x1EE9,0x01AF,'u',10}, {0x1EE8,0x01B0,'u',2}, {0x1EEB,0x01AF,'u',9}, {0x1EEA,0x01B0,'u',1},
    {0x1EED,0x01AF,'u',11}, {0x1EEC,0x01B0,'u',3}, {0x1EEF,0x01AF,'u',12}, {0x1EEE,0x01B0,'u',4},
    {0x1EF1,0x01AF,'u',13}, {0x1EF0,0x01B0,'u',5}, {0x1EF3,0x0059,'y',9}, {0x1EF2,0x0079,'y',1},
    {0x1EF5,0x0059,'y',13}, {0x1EF4,0x0079,'y',5}, {0x1EF7,0x0059,'y',11}, {0x1EF6,0x0079,'y',3},
    {0x1EF9,0x0059,'y',12}, {0x1EF8,0x0079,'y',4},
};
static const struct { uint16_t base, tone[6]; } tone_compose[24] = {
    {0x0061, {0x0061, 0x00E0, 0x00E1, 0x1EA3, 0x00E3, 0x1EA1}},
    {0x0103, {0x0103, 0x1EB1, 0x1EAF, 0x1EB3, 0x1EB5, 0x1EB7}},
    {0x00E2, {0x00E2, 0x1EA7, 0x1EA5, 0x1EA9, 0x1EAB, 0x1EAD}},
    {0x0065, {0x0065, 0x00E8, 0x00E9, 0x1EBB, 0x1EBD, 0x1EB9}},
    {0x00EA, {0x00EA, 0x1EC1, 0x1EBF, 0x1EC3, 0x1EC5, 0x1EC7}},
    {0x0069, {0x0069, 0x00EC, 0x00ED, 0x1EC9, 0x0129, 0x1ECB}},
    {0x006F, {0x006F, 0x00F2, 0x00F3, 0x1ECF, 0x00F5, 0x1ECD}},
    {0x00F4, {0x00F4, 0x1ED3, 0x1ED1, 0x1ED5, 0x1ED7, 0x1ED9}},
    {0x01A1, {0x01A1, 0x1EDD, 0x1EDB, 0x1EDF, 0x1EE1, 0x1EE3}},
    {0x0075, {0x0075, 0x00F9, 0x00FA, 0x1EE7, 0x0169, 0x1EE5}},
    {0x01B0, {0x01B0, 0x1EEB, 0x1EE9, 0x1EED, 0x1EEF, 0x1EF1}},
    {0x0079, {0x0079, 0x1EF3, 0x00FD, 0x1EF7, 0x1EF9, 0x1EF5}},
    {0x0041, {0x0041, 0x00C0, 0x00C1, 0x1EA2, 0x00C3, 0x1EA0}},
    {0x0102, {0x0102, 0x1EB0, 0x1EAE, 0x1EB2, 0x1EB4, 0x1EB6}},
    {0x00C2, {0x00C2, 0x1EA6, 0x1EA4, 0x1EA8, 0x1EAA, 0x1EAC}},
    {0x0045, {0x0045, 0x00C8, 0x00C9, 0x1EBA, 0x1EBC, 0x1EB8}},
    {0x00CA, {0x00CA, 0x1EC0, 0x1EBE, 0x1EC2, 0x1EC4, 0x1EC6}},
    {0x0049, {0x0049, 0x00CC, 0x00CD, 0x1EC8, 0x0128, 0x1ECA}},
    {0x004F, {0x004F, 0x00D2, 0x00D3, 0x1ECE, 0x00D5, 0x1ECC}},
    {0x00D4, {0x00D4, 0x1ED2, 0x1ED0, 0x1ED4, 0x1ED6, 0x1ED8}},
    {0x01A0, {0x01A0, 0x1EDC, 0x1EDA, 0x1EDE, 0x1EE0, 0x1EE2}},
    {0x0055, {0x0055, 0x00D9, 0x00DA, 0x1EE6, 0x0168, 0x1EE4}},
    {0x01AF, {0x01AF, 0x1EEA, 0x1EE8, 0x1EEC, 0x1EEE, 0x1EF0}},
    {0x0059, {0x0059, 0x1EF2, 0x00DD, 0x1EF6, 0x1EF8, 0x1EF4}},
};

/*-*** UTF-8 ***/

/*-*** Letters ***/

static const fold_ent_t *fold_ent(uint32_t cp)
{
    if (cp >= 0xC0 && cp <= 0x1B0) return fold_lat[cp - 0xC0].ascii ? &fold_lat[cp - 0xC0] : NULL;
    if (cp >= 0x1EA0 && cp <= 0x1EF9) return fold_viet[cp - 0x1EA0].ascii ? &fold_viet[cp - 0x1EA0] : NULL;
    return NULL;
}

int dc_addr__fold_cp(uint32_t cp)
{
    if (cp < 0x80) {
        if (cp >= 'a' && cp <= 'z') return (int)cp;
        if (cp >= 'A' && cp <= 'Z') return (int)(cp + 32);
        if (cp >= '0' && cp <= '9') return (int)cp;
        return 0;
    }
    const fold_ent_t *e = fold_ent(cp);
    return e ? e->ascii : 0;
}

uint32_t dc_addr__lower(uint32_t cp)
{
    if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    const fold_ent_t *e = fold_ent(cp);
    return (e && (e->tone_up & 8)) ? e->other : cp;
}

uint32_t dc_addr__upper(uint32_t cp)
{
    if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
    const fold_ent_t *e = fold_ent(cp);
    return (e && !(e->tone_up & 8) && e->other) ? e->other : cp;
}

int dc_addr__is_combining(uint32_t cp) { return cp >= 0x300 && cp <= 0x36F; }

/* Tone of a letter (0 none) and the letter without it. */
static int tone_of(uint32_t cp, uint32_t *base)
{
    const fold_ent_t *e = cp >= 0x80 ? fold_ent(cp) : NULL;
    if (!e || !(e->tone_up & 7)) { *base = cp; return 0; }
    *base = e->base;
    return e->tone_up & 7;
}

static uint32_t tone_put(uint32_t base, int tone)
{
    for (size_t i = 0; i < DC_ARRAY_LEN(tone_compose); i++)
        if (tone_compose[i].base == base) return tone_compose[i].tone[tone];
    return base;
}

/*-*** Keys ***/

static int is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }

size_t dc_addr__tok_key_flags(const char *s, size_t n, char *out, int *roman, unsigned *flags)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0, i = 0;
    int digits = 1, letters = 0, upper = 0, first = -1, nonascii = 0;
    while (i < n) {
        uint32_t cp;
        if (p[i] < 0x80) { cp = p[i]; i++; }
        else i += dc_addr__utf8_next(p + i, n - i, &cp);
        int c = dc_addr__fold_fast(cp);
        if (!c) continue;
        out[k++] = (char)c;
        if (c <= '9') continue;
        digits = 0;
        int up;
        if (cp < 0x80) up = cp < 'a';
        else { nonascii = 1; up = dc_addr__lower(cp) != cp; }
        if (first < 0) first = up;
        letters++;
        upper += up;
    }
    if (flags)
        *flags = (letters < (int)k ? AD_KF_DIGIT : 0) | (nonascii ? AD_KF_NONASCII : 0) |
                 (first > 0 ? AD_KF_UPPER : 0) | (letters && upper == letters ? AD_KF_ALLUP : 0);
    return dc_addr__key_rules(out, k, digits, roman);
}

size_t dc_addr__key_rules(char *out, size_t k, int digits, int *roman)
{
    *roman = 0;
    if (!k) return 0;
    if (digits) {                         /* "05" -> "5", "000" -> "0" */
        size_t z = 0;
        while (z + 1 < k && out[z] == '0') z++;
        if (z) { memmove(out, out + z, k - z); k -= z; }
        return k;
    }
    if (k <= 3 && memcmp(out, "iii", k) == 0)          /* i, ii, iii */
        *roman = (int)k;
    else if (k == 2 && out[0] == 'i' && out[1] == 'v')
        *roman = 4;
    if (k >= 2 && out[k - 1] == 'y') {
        char b = out[k - 2];
        if (!is_vowel(b) || (b == 'u' && k >= 3 && out[k - 3] == 'q')) out[k - 1] = 'i';
    } else if (k >= 2 && out[k - 1] == 'k' && is_vowel(out[k - 2])) {
        out[k - 1] = 'c';
    }
    return k;
}

size_t dc_addr__utf8_fold(const unsigned char *s, size_t n, uint32_t *cp, int *info)
{
    size_t l = dc_addr__utf8_next(s, n, cp);
    const fold_ent_t *e = fold_ent(*cp);
    *info = e ? (e->ascii | ((e->tone_up & 8) ? 0x100 : 0)) : 0;
    return l;
}

size_t dc_addr__tok_key(const char *s, size_t n, char *out, int *roman)
{
    return dc_addr__tok_key_flags(s, n, out, roman, NULL);
}

/* A byte that separates tokens in key(): anything but letters, digits,
 * combining marks and apostrophes. */
static int key_sep(uint32_t cp)
{
    if (cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC) return 0;
    if (dc_addr__is_combining(cp)) return 0;
    return dc_addr__fold_cp(cp) == 0;
}

/* The next word of p[0..n) at or after *i: skips key separators, sets
 * [*i, *j) to the word and returns 1, or returns 0 at the end. */
static inline int next_word(const unsigned char *p, size_t n, size_t *i, size_t *j)
{
    uint32_t cp;
    while (*i < n) {
        size_t l = dc_addr__utf8_next(p + *i, n - *i, &cp);
        if (!key_sep(cp)) break;
        *i += l;
    }
    if (*i >= n) return 0;
    *j = *i;
    while (*j < n) {
        size_t l = dc_addr__utf8_next(p + *j, n - *j, &cp);
        if (key_sep(cp)) break;
        *j += l;
    }
    return 1;
}

size_t dc_addr__key(const char *s, size_t n, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k = 0, ntok = 0, last = 0;
    int last_roman = 0;
    char tmp[256];
    size_t j;
    while (next_word(p, n, &i, &j)) {
        int roman;
        size_t tl = j - i < sizeof tmp ? dc_addr__tok_key(s + i, j - i, tmp, &roman) : 0;
        if (tl && k + tl < cap) {
            last = k;
            memcpy(out + k, tmp, tl);
            k += tl;
            ntok++;
            last_roman = roman;
        }
        i = j;
    }
    if (ntok >= 2 && last_roman) {        /* "Hải Châu I" -> "haichau1" */
        k = last;
        out[k++] = (char)('0' + last_roman);
    }
    if (k < cap) out[k] = 0;
    return k;
}

/*-*** Diacritic keys ***/

/* Diacritic key of one word s[0..n) (no separators inside). */
static size_t dkey_word(const char *s, size_t n, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    int digits = 1, a = 0, b = 0, last_tone = 0;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int f, tone = 0;
        if (p[i] < 0x80) { cp = p[i]; f = dc_addr__fold_fast(cp); i++; if (f) cp = (uint32_t)f; }
        else {
            i += dc_addr__utf8_next(p + i, n - i, &cp);
            const fold_ent_t *e = fold_ent(cp);
            f = e ? e->ascii : 0;
            if (e) tone = e->tone_up & 7;
            if (e && (e->tone_up & 8)) cp = e->other;   /* lower case */
        }
        if (!f) continue;
        if (f > '9') { digits = 0; a = b; b = f; last_tone = tone; }
        if (k + 4 >= cap) return k;
        if (cp < 0x80) out[k++] = (char)cp;
        else k += dc_utf8_put(cp, out + k);
    }
    if (digits) {   /* "05" -> "5" */
        size_t z = 0;
        while (z + 1 < k && out[z] == '0') z++;
        if (z) { memmove(out, out + z, k - z); k -= z; }
        return k;
    }
    if (last_tone && ((a == 'o' && (b == 'a' || b == 'e')) || (a == 'u' && b == 'y'))) {
        /* tone placement to canonicalize (hoà -> hòa): the slow path */
        char w[192];
        size_t wl = dc_addr__word_display(out, k, w, sizeof w, 0);
        if (wl < cap) { memcpy(out, w, wl); k = wl; }
    }
    return k;
}

size_t dc_addr__dkey(const char *s, size_t n, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k = 0;
    size_t j;
    while (next_word(p, n, &i, &j)) {
        k += dkey_word(s + i, j - i, out + k, cap - k);
        i = j;
    }
    return k;
}

size_t dc_addr__dkey_token(const char *s, size_t n, char *out, size_t cap)
{
    return dkey_word(s, n, out, cap);
}

/*-*** Text without diacritics ***/

size_t dc_addr__strip_marks(const char *s, size_t n, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k = 0;
    while (i < n && k + 4 < cap) {
        uint32_t cp;
        size_t l = dc_addr__utf8_next(p + i, n - i, &cp);
        int f = cp >= 0x80 ? dc_addr__fold_cp(cp) : 0;
        if (f) out[k++] = dc_addr__lower(cp) != cp ? (char)(f - 32) : (char)f;
        else if (!dc_addr__is_combining(cp)) { memcpy(out + k, p + i, l); k += l; }
        i += l;
    }
    if (cap) out[k] = 0;
    return k;
}

/*-*** Display ***/

size_t dc_addr__word_display(const char *s, size_t n, char *out, size_t cap, int proper)
{
    uint32_t cps[48];
    size_t m = 0, i = 0;
    int has_digit = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (i < n && m < DC_ARRAY_LEN(cps)) {
        uint32_t cp;
        i += dc_addr__utf8_next(p + i, n - i, &cp);
        if (cp >= '0' && cp <= '9') has_digit = 1;
        cps[m++] = cp;
    }
    /* Case. */
    int first = 1;
    for (size_t j = 0; j < m; j++) {
        if (!dc_addr__fold_cp(cps[j])) continue;
        if (has_digit) cps[j] = dc_addr__upper(cps[j]);
        else if (proper) cps[j] = first ? dc_addr__upper(cps[j]) : dc_addr__lower(cps[j]);
        first = 0;
    }
    /* Tone placement: in an open syllable ending in oa, oe or uy (not after
     * q), the tone goes on the first vowel: hoà -> hòa, thuỷ -> thủy. */
    if (m >= 2) {
        char a = (char)dc_addr__fold_cp(cps[m - 2]), b = (char)dc_addr__fold_cp(cps[m - 1]);
        int pair = (a == 'o' && (b == 'a' || b == 'e')) || (a == 'u' && b == 'y');
        int onset_ok = 1;
        for (size_t j = 0; j + 2 < m && pair; j++) {
            char c = (char)dc_addr__fold_cp(cps[j]);
            if (!c || is_vowel(c)) onset_ok = 0;
        }
        if (pair && m >= 3 && (char)dc_addr__fold_cp(cps[m - 3]) == 'q') onset_ok = 0;
        if (pair && onset_ok) {
            uint32_t b0, b1;
            int t0 = tone_of(cps[m - 2], &b0), t1 = tone_of(cps[m - 1], &b1);
            if (t1 && !t0) {
                cps[m - 2] = tone_put(b0, t1);
                cps[m - 1] = b1;
            }
        }
    }
    size_t k = 0;
    for (size_t j = 0; j < m; j++) {
        char buf[4];
        size_t l = dc_utf8_put(cps[j], buf);
        if (k + l >= cap) break;
        memcpy(out + k, buf, l);
        k += l;
    }
    return k;
}

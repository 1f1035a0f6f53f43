/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_utf8.h - the one UTF-8 decoder and encoder of dancu.
 *
 * Inline, because they sit in the hot loops of the normalizer and the
 * address parser. The decoder is strict (RFC 3629): no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence; what to do
 * with an invalid byte is the caller's policy (the name decoder drops it,
 * the address folder reads U+FFFD, the generator copies it). Code points
 * beyond UTF-8 are elsewhere: the one Latin and Vietnamese letter table
 * (folding, case, tones) in engine/normalize/dc_vnfold.h, text as
 * syllables in engine/normalize/dc_text.h, and utf8proc for the rest
 * (normalization to NFC, case and category of other scripts).
 */
#ifndef DC_UTF8_H
#define DC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*! dc_utf8_dec() : decode the code point at p (n >= 1 bytes left).
 *  @return its length (1-4) with *cp set, or 0 for an invalid sequence
 *  (*cp untouched). */
static inline size_t dc_utf8_dec(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned c = p[0];
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c < 0xE0 && n >= 2 && (p[1] & 0xC0) == 0x80) {
        *cp = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        return 2;
    }
    if (c >= 0xE0 && c < 0xF0 && n >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
        uint32_t v = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        if (v < 0x800 || (v >= 0xD800 && v < 0xE000)) return 0;
        *cp = v;
        return 3;
    }
    if (c >= 0xF0 && c < 0xF5 && n >= 4 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
        (p[3] & 0xC0) == 0x80) {
        uint32_t v = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
        if (v < 0x10000 || v > 0x10FFFF) return 0;
        *cp = v;
        return 4;
    }
    return 0;
}

/*! dc_utf8_put() : encode cp (a Unicode scalar value) at out, which has
 *  room for 4 bytes. @return the length (1-4). */
static inline size_t dc_utf8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

#endif /* DC_UTF8_H */

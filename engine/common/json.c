/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * json.c - the JSON writer and the strict reader (dc_json.h).
 *
 * The reader builds a tree in one allocation arena; strings are unescaped
 * (\uXXXX, surrogate pairs, to UTF-8). Depth is limited to 64.
 */
#include "common/dc_json.h"
#include "common/dc_utf8.h"

#include <stdio.h>      /* snprintf */
#include <stdlib.h>     /* strtod */
#include <string.h>     /* strcmp */

/* ---------------------------------------------------------------- writer */

void dc_jw_init(dc_jw_t *j, dc_buf_t *b, int depth)
{
    memset(j, 0, sizeof *j);
    j->b = b;
    j->indent = depth;
    j->pending_key = 1;   /* the root value has no separator */
}

static void jw_nl(dc_jw_t *j)
{
    dc_buf_putc(j->b, '\n');
    for (int i = 0; i < j->indent; i++) dc_buf_puts(j->b, "  ");
}

/* What goes before a value or a key: nothing after a key; else the comma
 * after an earlier member and the layout's white space. */
static void jw_prefix(dc_jw_t *j)
{
    if (j->pending_key) {
        j->pending_key = 0;
        return;
    }
    int lay = j->layout[j->depth], first = j->first[j->depth];
    if (!first) dc_buf_putc(j->b, ',');
    j->first[j->depth] = 0;
    if ((lay & DC_JW_NL) || j->wrap) jw_nl(j);
    else if (!first && (lay & DC_JW_SPACE)) dc_buf_putc(j->b, ' ');
    j->wrap = 0;
}

void dc_jw_open(dc_jw_t *j, char bracket, int layout)
{
    jw_prefix(j);
    dc_buf_putc(j->b, bracket);
    if (j->depth + 1 >= DC_JW_MAXDEPTH) dc_die("JSON writer: nested too deep");
    j->depth++;
    if (layout & DC_JW_NL) j->indent++;
    j->first[j->depth] = 1;
    j->layout[j->depth] = (unsigned char)(layout | (bracket == '[' ? 0x80 : 0));
}

void dc_jw_close(dc_jw_t *j)
{
    int empty = j->first[j->depth], lay = j->layout[j->depth];
    j->depth--;
    if (lay & DC_JW_NL) {
        j->indent--;
        if (!empty) jw_nl(j);
    }
    dc_buf_putc(j->b, lay & 0x80 ? ']' : '}');
}

void dc_jw_layout(dc_jw_t *j, int layout)
{
    j->indent += ((layout & DC_JW_NL) != 0) - ((j->layout[j->depth] & DC_JW_NL) != 0);
    j->layout[j->depth] = (unsigned char)((j->layout[j->depth] & 0x80) | layout);
}

void dc_jw_wrap(dc_jw_t *j) { j->wrap = 1; }

void dc_jw_key(dc_jw_t *j, const char *k)
{
    jw_prefix(j);
    dc_buf_put_json_str(j->b, k, strlen(k));
    dc_buf_puts(j->b, j->layout[j->depth] & DC_JW_SPACE ? ": " : ":");
    j->pending_key = 1;
}

void dc_jw_strn(dc_jw_t *j, const char *s, size_t n)
{
    jw_prefix(j);
    dc_buf_put_json_str(j->b, s, n);
}

void dc_jw_str(dc_jw_t *j, const char *s)
{
    if (!s) dc_jw_null(j);
    else dc_jw_strn(j, s, strlen(s));
}

void dc_jw_u64(dc_jw_t *j, uint64_t v)
{
    jw_prefix(j);
    dc_buf_putu64(j->b, v);
}

void dc_jw_i64(dc_jw_t *j, int64_t v)
{
    jw_prefix(j);
    dc_buf_printf(j->b, "%lld", (long long)v);
}

void dc_jw_fixed(dc_jw_t *j, double v, int dec)
{
    jw_prefix(j);
    if (v != v || v - v != 0) { dc_buf_puts(j->b, "null"); return; }
    if (v == 0) v = 0;
    dc_buf_printf(j->b, "%.*f", dec, v);
}

void dc_jw_g(dc_jw_t *j, double v, int prec)
{
    jw_prefix(j);
    if (v != v || v - v != 0) { dc_buf_puts(j->b, "null"); return; }
    dc_buf_printf(j->b, "%.*g", prec, v);
}

void dc_jw_bool(dc_jw_t *j, int v)
{
    jw_prefix(j);
    dc_buf_puts(j->b, v ? "true" : "false");
}

void dc_jw_null(dc_jw_t *j)
{
    jw_prefix(j);
    dc_buf_puts(j->b, "null");
}

void dc_jw_kv_u64(dc_jw_t *j, const char *k, uint64_t v)
{
    dc_jw_key(j, k);
    dc_jw_u64(j, v);
}

void dc_jw_kv_str(dc_jw_t *j, const char *k, const char *v)
{
    dc_jw_key(j, k);
    dc_jw_str(j, v);
}

void dc_jw_kv_fixed(dc_jw_t *j, const char *k, double v, int dec)
{
    dc_jw_key(j, k);
    dc_jw_fixed(j, v, dec);
}

void dc_jw_kv_bool(dc_jw_t *j, const char *k, int v)
{
    dc_jw_key(j, k);
    dc_jw_bool(j, v);
}

void dc_jw_raw(dc_jw_t *j, const char *s, size_t n)
{
    jw_prefix(j);
    dc_buf_put(j->b, s, n);
}

/* ---------------------------------------------------------------- reader */

typedef struct {
    const char *p, *end;
    dc_arena_t *a;
    int depth;
    const char *err;
} jp_t;

static void ws(jp_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static dc_json_t *node(jp_t *j, int type)
{
    dc_json_t *n = dc_arena_alloc(j->a, sizeof *n);
    memset(n, 0, sizeof *n);
    n->type = type;
    return n;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(dc_buf_t *b, uint32_t cp)
{
    char t[4];
    dc_buf_put(b, t, dc_utf8_put(cp, t));
}

static char *parse_str(jp_t *j)
{
    if (j->p >= j->end || *j->p != '"') { j->err = "expected a string"; return NULL; }
    j->p++;
    dc_buf_t b = DC_BUF_INIT;
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p;
        if ((unsigned char)c >= 0x80) {   /* one UTF-8 sequence, checked */
            uint32_t cp;
            size_t k = dc_utf8_dec((const unsigned char *)j->p, (size_t)(j->end - j->p), &cp);
            if (!k) { j->err = "invalid UTF-8 in string"; goto fail; }
            dc_buf_put(&b, j->p, (size_t)k);
            j->p += k;
            continue;
        }
        j->p++;
        if ((unsigned char)c < 0x20) { j->err = "control character in string"; goto fail; }
        if (c != '\\') { dc_buf_putc(&b, c); continue; }
        if (j->p >= j->end) break;
        c = *j->p++;
        switch (c) {
        case '"': case '\\': case '/': dc_buf_putc(&b, c); break;
        case 'b': dc_buf_putc(&b, '\b'); break;
        case 'f': dc_buf_putc(&b, '\f'); break;
        case 'n': dc_buf_putc(&b, '\n'); break;
        case 'r': dc_buf_putc(&b, '\r'); break;
        case 't': dc_buf_putc(&b, '\t'); break;
        case 'u': {
            unsigned cp, lo;
            if (j->end - j->p < 4 || hex4(j->p, &cp)) { j->err = "bad \\u escape"; goto fail; }
            j->p += 4;
            if (cp >= 0xDC00 && cp < 0xE000) { j->err = "lone low surrogate"; goto fail; }
            if (cp >= 0xD800 && cp < 0xDC00) {
                if (!(j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' && !hex4(j->p + 2, &lo) &&
                      lo >= 0xDC00 && lo < 0xE000)) {
                    j->err = "lone high surrogate";
                    goto fail;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                j->p += 6;
            }
            if (!cp) { j->err = "\\u0000 in string"; goto fail; }
            put_utf8(&b, cp);
            break;
        }
        default: j->err = "bad escape"; goto fail;
        }
    }
    if (j->p >= j->end) { j->err = "unterminated string"; goto fail; }
    j->p++;
    char *s = dc_arena_strndup(j->a, b.p ? b.p : "", b.len);
    dc_buf_free(&b);
    return s;
fail:
    dc_buf_free(&b);
    return NULL;
}

/* Length of the RFC 8259 number at p:
 * -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?, or 0 if there is none. */
static size_t number_len(const char *p, const char *end)
{
    const char *q = p;
#define DIGIT(x) ((x) < end && *(x) >= '0' && *(x) <= '9')
    if (q < end && *q == '-') q++;
    if (q < end && *q == '0') q++;
    else if (DIGIT(q)) while (DIGIT(q)) q++;
    else return 0;
    if (q < end && *q == '.') {
        q++;
        if (!DIGIT(q)) return 0;
        while (DIGIT(q)) q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < end && (*q == '+' || *q == '-')) q++;
        if (!DIGIT(q)) return 0;
        while (DIGIT(q)) q++;
    }
#undef DIGIT
    return (size_t)(q - p);
}

static dc_json_t *parse_val(jp_t *j);

static dc_json_t *parse_container(jp_t *j, int obj)
{
    dc_json_t *n = node(j, obj ? DC_JSON_OBJECT : DC_JSON_ARRAY);
    dc_json_t **tail = &n->child;
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; return n; }
    for (;;) {
        char *key = NULL;
        if (obj) {
            ws(j);
            if (!(key = parse_str(j))) return NULL;
            ws(j);
            if (j->p >= j->end || *j->p != ':') { j->err = "expected ':'"; return NULL; }
            j->p++;
        }
        dc_json_t *v = parse_val(j);
        if (!v) return NULL;
        v->key = key;
        *tail = v;
        tail = &v->next;
        n->len++;
        ws(j);
        if (j->p < j->end && *j->p == ',') { j->p++; continue; }
        if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; return n; }
        j->err = obj ? "expected ',' or '}'" : "expected ',' or ']'";
        return NULL;
    }
}

static dc_json_t *parse_val(jp_t *j)
{
    ws(j);
    if (j->p >= j->end) { j->err = "unexpected end"; return NULL; }
    if (++j->depth > 64) { j->err = "nested too deep"; return NULL; }
    dc_json_t *n = NULL;
    char c = *j->p;
    if (c == '{' || c == '[') n = parse_container(j, c == '{');
    else if (c == '"') {
        char *s = parse_str(j);
        if (s) { n = node(j, DC_JSON_STRING); n->str = s; }
    } else if (c == 't' && j->end - j->p >= 4 && !memcmp(j->p, "true", 4)) {
        n = node(j, DC_JSON_BOOL); n->num = 1; j->p += 4;
    } else if (c == 'f' && j->end - j->p >= 5 && !memcmp(j->p, "false", 5)) {
        n = node(j, DC_JSON_BOOL); j->p += 5;
    } else if (c == 'n' && j->end - j->p >= 4 && !memcmp(j->p, "null", 4)) {
        n = node(j, DC_JSON_NULL); j->p += 4;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        size_t k = number_len(j->p, j->end);
        char tmp[64];
        if (!k || k >= sizeof tmp) { j->err = "bad number"; return NULL; }
        memcpy(tmp, j->p, k);
        tmp[k] = 0;
        double v = strtod(tmp, NULL);
        j->p += k;
        n = node(j, DC_JSON_NUMBER);
        n->num = v;
    } else j->err = "unexpected character";
    j->depth--;
    return n;
}

dc_json_t *dc_json_parse(const char *text, size_t len, dc_arena_t *a)
{
    jp_t j = {text, text + len, a, 0, NULL};
    dc_json_t *n = parse_val(&j);
    if (n) {
        ws(&j);
        if (j.p != j.end) { n = NULL; j.err = "trailing characters"; }
    }
    if (!n) dc_seterr("JSON error at byte %zu: %s", (size_t)(j.p - text), j.err ? j.err : "?");
    return n;
}

const dc_json_t *dc_json_get(const dc_json_t *obj, const char *key)
{
    if (!obj || obj->type != DC_JSON_OBJECT) return NULL;
    for (const dc_json_t *c = obj->child; c; c = c->next)
        if (c->key && !strcmp(c->key, key)) return c;
    return NULL;
}

double dc_json_num(const dc_json_t *n, double dflt)
{
    return n && (n->type == DC_JSON_NUMBER || n->type == DC_JSON_BOOL) ? n->num : dflt;
}

const char *dc_json_str(const dc_json_t *n)
{
    return n && n->type == DC_JSON_STRING ? n->str : NULL;
}


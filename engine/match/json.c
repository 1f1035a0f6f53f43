/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * json.c - a small JSON reader for model.json (dc_match_json.h).
 * Builds a tree in one allocation arena; strings are unescaped (\uXXXX
 * including surrogate pairs to UTF-8). Depth is limited to 64.
 */
#include "match/dc_match_json.h"

#include <stdlib.h>   /* strtod */
#include <string.h>   /* strcmp */
#include <zstd.h>     /* ZSTD_decompressStream */

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

static void put_utf8(dc_buf_t *b, unsigned cp)
{
    char t[4];
    int n;
    if (cp < 0x80) { t[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { t[0] = (char)(0xC0 | (cp >> 6)); t[1] = (char)(0x80 | (cp & 63)); n = 2; }
    else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12)); t[1] = (char)(0x80 | ((cp >> 6) & 63));
        t[2] = (char)(0x80 | (cp & 63)); n = 3;
    } else {
        t[0] = (char)(0xF0 | (cp >> 18)); t[1] = (char)(0x80 | ((cp >> 12) & 63));
        t[2] = (char)(0x80 | ((cp >> 6) & 63)); t[3] = (char)(0x80 | (cp & 63)); n = 4;
    }
    dc_buf_put(b, t, (size_t)n);
}

static char *parse_str(jp_t *j)
{
    if (j->p >= j->end || *j->p != '"') { j->err = "expected a string"; return NULL; }
    j->p++;
    dc_buf_t b = DC_BUF_INIT;
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
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
            if (cp >= 0xD800 && cp < 0xDC00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
                j->p[1] == 'u' && !hex4(j->p + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                j->p += 6;
            }
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
        char tmp[64];
        size_t k = 0;
        while (j->p + k < j->end && k < sizeof tmp - 1 && strchr("+-0123456789.eE", j->p[k])) {
            tmp[k] = j->p[k];
            k++;
        }
        tmp[k] = 0;
        char *e;
        double v = strtod(tmp, &e);
        if (e != tmp + k || !k) { j->err = "bad number"; return NULL; }
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

static char *read_raw(const char *path, size_t *len, size_t max)
{
    int std = !strcmp(path, "-");   /* standard input */
    FILE *f = std ? stdin : fopen(path, "rb");
    if (!f) { dc_seterr("cannot open %s", path); return NULL; }
    dc_buf_t b = DC_BUF_INIT;
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) {
        dc_buf_put(&b, tmp, k);
        if (max && b.len > max) break;
    }
    int err = ferror(f);
    if (!std) fclose(f);
    if (err || (max && b.len > max)) {
        dc_buf_free(&b);
        dc_seterr(err ? "cannot read %s" : "%s is too large", path);
        return NULL;
    }
    dc_buf_reserve(&b, 1);
    b.p[b.len] = 0;
    *len = b.len;
    return b.p;
}

char *dc_read_file(const char *path, size_t *len, size_t max)
{
    size_t n = 0, pl = strlen(path);
    char *raw = read_raw(path, &n, max);
    if (!raw || pl < 4 || strcmp(path + pl - 4, ".zst")) {
        if (len) *len = n;
        return raw;
    }
    ZSTD_DStream *z = ZSTD_createDStream();
    dc_buf_t out = DC_BUF_INIT;
    ZSTD_inBuffer in = {raw, n, 0};
    size_t rc = 1;
    while (in.pos < in.size) {
        dc_buf_reserve(&out, 1 << 20);
        ZSTD_outBuffer ob = {out.p + out.len, out.cap - out.len - 1, 0};
        rc = ZSTD_decompressStream(z, &ob, &in);
        if (ZSTD_isError(rc)) break;
        out.len += ob.pos;
        if (max && out.len > max) { rc = 1; break; }
    }
    ZSTD_freeDStream(z);
    free(raw);
    if (ZSTD_isError(rc) || rc != 0) {
        dc_buf_free(&out);
        dc_seterr("%s: corrupt, truncated or too large zstd data", path);
        return NULL;
    }
    dc_buf_reserve(&out, 1);
    out.p[out.len] = 0;
    if (len) *len = out.len;
    return out.p;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * source_list.c - the inputs of a run as sources with unique names, in
 * canonical order (dc_loader.h, dc_source_list_make).
 *
 * DESIGN: a row's identity is (source, record_id) (docs/OUTPUTS.md), so
 * two inputs must never share a source name, and the order of the inputs
 * on the command line must not change any output. The list is checked
 * once, before any work: a source name given twice (a/x.csv and b/x.csv,
 * or x.csv and x.csv.zst), the same file under two paths (compared by
 * device and inode, so links and ./x.csv are caught) and stdin twice are
 * refused. Then the inputs are sorted by source name (bytes): every later
 * stage reads them in that order, so permuting the arguments gives the
 * same records in the same order, hence the same outputs.
 *
 * Source names are valid UTF-8 whatever the file name: an invalid byte is
 * written as U+FFFD, so that every CSV and JSON output that names a source
 * stays valid. Two names that become equal that way are refused like any
 * other pair.
 */
#include "dc_loader_int.h"
#include "common/dc_utf8.h"   /* dc_utf8_dec */

#include <errno.h>      /* errno */
#include <stdlib.h>     /* qsort, free */
#include <string.h>     /* strcmp */
#include <sys/stat.h>   /* stat */

/* `s` with every byte that is not part of well-formed UTF-8 replaced by
 * U+FFFD; malloc'd. */
static char *utf8_sanitized(const char *s)
{
    dc_buf_t b = DC_BUF_INIT;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = dc_utf8_dec((const unsigned char *)s + i, n - i, &cp);
        if (!k) {
            dc_buf_puts(&b, "\xEF\xBF\xBD");
            i++;
        } else {
            dc_buf_put(&b, s + i, k);
            i += k;
        }
    }
    dc_buf_putc(&b, 0);
    return b.p;
}

char *dc_source_name_as(const char *path, dc_source_naming_t naming)
{
    if (!strcmp(path, "-")) return dc_xstrdup("stdin");
    const char *b = path;
    if (naming == DC_SOURCE_NAME_BASE) {
        const char *sl = strrchr(path, '/');
        b = sl ? sl + 1 : path;
    }
    size_t n = strlen(b);
    static const char *const sfx[] = {".zst", ".zstd", ".gz"};
    for (size_t i = 0; i < DC_ARRAY_LEN(sfx); i++) {
        size_t k = strlen(sfx[i]);
        if (n > k && !strcmp(b + n - k, sfx[i])) { n -= k; break; }
    }
    char *raw = dc_xstrndup(b, n);
    char *name = utf8_sanitized(raw);
    free(raw);
    return name;
}

char *dc_source_name(const char *path) { return dc_source_name_as(path, DC_SOURCE_NAME_BASE); }

static int is_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80; }

int dc_source_temporary_register(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    /* "tam" and "tru" (or "tạm" and "trú") with at most one of _ - space
     * between, not inside a longer word */
    static const char *const tam[] = {"tam", "TAM", "Tam", "t\xe1\xba\xa1m", "T\xe1\xba\xa1m", "T\xe1\xba\xa0M"};
    static const char *const tru[] = {"tru", "TRU", "Tru", "tr\xc3\xba", "Tr\xc3\xba", "TR\xc3\x9a"};
    for (const char *p = base; *p; p++) {
        if (p > base && is_letter((unsigned char)p[-1])) continue;
        for (size_t a = 0; a < DC_ARRAY_LEN(tam); a++) {
            size_t la = strlen(tam[a]);
            if (strncmp(p, tam[a], la)) continue;
            const char *q = p + la;
            if (*q == '_' || *q == '-' || *q == ' ') q++;
            for (size_t b = 0; b < DC_ARRAY_LEN(tru); b++) {
                size_t lb = strlen(tru[b]);
                if (!strncmp(q, tru[b], lb) && !is_letter((unsigned char)q[lb])) return 1;
            }
        }
    }
    return 0;
}

typedef struct ent {
    const char *path;
    char *name;
    size_t arg;       /* position on the command line */
    int have_st;
    dev_t dev;
    ino_t ino;
} ent_t;

static int cmp_name(const void *a, const void *b)
{
    const ent_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->arg > y->arg) - (x->arg < y->arg);
}

static int cmp_file(const void *a, const void *b)
{
    const ent_t *x = a, *y = b;
    if (x->have_st != y->have_st) return x->have_st - y->have_st;
    if (x->dev != y->dev) return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino) return x->ino < y->ino ? -1 : 1;
    return (x->arg > y->arg) - (x->arg < y->arg);
}

int dc_source_list_make(const char *const *paths, size_t n, dc_source_naming_t naming, dc_source_list_t *out)
{
    memset(out, 0, sizeof *out);
    ent_t *e = dc_xcalloc(n ? n : 1, sizeof *e);
    size_t nstdin = 0;
    for (size_t i = 0; i < n; i++) {
        e[i].path = paths[i];
        e[i].arg = i;
        e[i].name = dc_source_name_as(paths[i], naming);
        struct stat st;
        if (!strcmp(paths[i], "-")) nstdin++;
        else if (stat(paths[i], &st) == 0) {
            e[i].have_st = 1;
            e[i].dev = st.st_dev;
            e[i].ino = st.st_ino;
        }
    }
    int rc = 0;
    if (nstdin > 1) rc = dc_seterr("standard input (-) is given %zu times", nstdin);
    /* the same file under two paths */
    if (!rc && n > 1) {
        qsort(e, n, sizeof *e, cmp_file);
        for (size_t i = 1; i < n && !rc; i++)
            if (e[i].have_st && e[i - 1].have_st && e[i].dev == e[i - 1].dev && e[i].ino == e[i - 1].ino)
                rc = dc_seterr("%s and %s are the same file: give each input once",
                               e[i - 1].arg < e[i].arg ? e[i - 1].path : e[i].path,
                               e[i - 1].arg < e[i].arg ? e[i].path : e[i - 1].path);
    }
    qsort(e, n, sizeof *e, cmp_name);
    for (size_t i = 1; i < n && !rc; i++)
        if (!strcmp(e[i].name, e[i - 1].name))
            rc = dc_seterr("%s and %s would both be source '%s' (a row is identified by its source and "
                           "record_id): rename one%s",
                           e[i - 1].path, e[i].path, e[i].name,
                           naming == DC_SOURCE_NAME_BASE ? ", or name sources by their path (--source-names path)" : "");
    if (rc) {
        for (size_t i = 0; i < n; i++) free(e[i].name);
        free(e);
        return -1;
    }
    out->n = n;
    out->paths = dc_xcalloc(n ? n : 1, sizeof *out->paths);
    out->names = dc_xcalloc(n ? n : 1, sizeof *out->names);
    for (size_t i = 0; i < n; i++) {
        out->paths[i] = e[i].path;
        out->names[i] = e[i].name;
    }
    free(e);
    return 0;
}

void dc_source_list_free(dc_source_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->names[i]);
    free(l->names);
    free((void *)l->paths);
    memset(l, 0, sizeof *l);
}

int dc_source_naming_parse(const char *s, dc_source_naming_t *out)
{
    if (!strcmp(s, "base")) *out = DC_SOURCE_NAME_BASE;
    else if (!strcmp(s, "path")) *out = DC_SOURCE_NAME_PATH;
    else return -1;
    return 0;
}

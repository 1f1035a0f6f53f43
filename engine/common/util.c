/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * util.c - errors, logging, checked allocation, byte buffers, arenas and
 * small system helpers. See dc_common.h for the contracts.
 */
#include "common/dc_common.h"
#include "common/dc_utf8.h"

#include <stdlib.h>        /* malloc, exit */
#include <string.h>        /* memcpy, strlen */
#include <sys/mman.h>      /* mmap, madvise */
#include <time.h>          /* clock_gettime */
#include <sys/resource.h>  /* getrusage */
#include <unistd.h>        /* sysconf */
#include <xxhash.h>        /* XXH3_64bits */
#include <zstd.h>          /* ZSTD_decompressStream: dc_read_file */

/* ---------------------------------------------------------------- errors */

static _Thread_local char tl_err[512];
int dc_log_level = 1;

int dc_seterr(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tl_err, sizeof tl_err, fmt, ap);
    va_end(ap);
    return -1;
}

const char *dc_geterr(void) { return tl_err; }

void dc_log(int level, const char *fmt, ...)
{
    if (level > dc_log_level) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "dancu: %s\n", line);
}

void dc_error(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "dancu: error: %s\n", line);
}

void dc_die(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "dancu: fatal: %s\n", line);
    dc_outfile_abort_all();
    exit(DC_EXIT_FAIL);
}

/* ------------------------------------------------------------ allocation */

void *dc_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) dc_die("out of memory (%zu bytes)", n);
    return p;
}

void *dc_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) dc_die("out of memory (%zu x %zu bytes)", count, size);
    return p;
}

void *dc_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) dc_die("out of memory (%zu bytes)", n);
    return q;
}

char *dc_xstrndup(const char *s, size_t n)
{
    char *p = dc_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *dc_xstrdup(const char *s) { return dc_xstrndup(s, strlen(s)); }

void *dc_grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : 16;
    while (c < need) c *= 2;
    p = dc_xrealloc(p, c * size);
    *cap = c;
    return p;
}

/* ---------------------------------------------------------------- buffer */

void dc_buf_reserve(dc_buf_t *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return;
    size_t c = b->cap ? b->cap : 256;
    while (c < need) c *= 2;
    b->p = dc_xrealloc(b->p, c);
    b->cap = c;
}

void dc_buf_put(dc_buf_t *b, const void *s, size_t n)
{
    dc_buf_reserve(b, n);
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void dc_buf_puts(dc_buf_t *b, const char *s) { dc_buf_put(b, s, strlen(s)); }

void dc_buf_putc(dc_buf_t *b, char c)
{
    dc_buf_reserve(b, 1);
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

void dc_buf_printf(dc_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        dc_buf_reserve(b, (size_t)n);
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void dc_buf_putu64(dc_buf_t *b, uint64_t v)
{
    char tmp[24];
    int i = 24;
    do { tmp[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    dc_buf_put(b, tmp + i, (size_t)(24 - i));
}

void dc_buf_clear(dc_buf_t *b)
{
    b->len = 0;
    if (b->p) b->p[0] = '\0';
}

void dc_buf_free(dc_buf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void dc_buf_put_csv(dc_buf_t *b, const char *s, size_t n, char delim)
{
    int quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++) {
        char c = s[i];
        if (c == delim || c == '"' || c == '\n' || c == '\r') quote = 1;
    }
    if (!quote) { dc_buf_put(b, s, n); return; }
    dc_buf_reserve(b, n + 2);
    dc_buf_putc(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') {
            dc_buf_put(b, s + start, i + 1 - start);
            dc_buf_putc(b, '"');
            start = i + 1;
        }
    }
    dc_buf_put(b, s + start, n - start);
    dc_buf_putc(b, '"');
}

void dc_buf_put_json_str(dc_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    dc_buf_reserve(b, n + 2);
    dc_buf_putc(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            /* well-formed UTF-8 passes as it is; any other byte becomes
             * U+FFFD, so that the output is valid UTF-8 JSON whatever the
             * input (file names, header cells) */
            uint32_t cp;
            size_t k = dc_utf8_dec((const unsigned char *)s + i, n - i, &cp);
            if (k > 0) {
                i += (size_t)k - 1;
                continue;
            }
            dc_buf_put(b, s + start, i - start);
            start = i + 1;
            dc_buf_puts(b, "\\ufffd");
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        dc_buf_put(b, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': dc_buf_puts(b, "\\\""); break;
        case '\\': dc_buf_puts(b, "\\\\"); break;
        case '\n': dc_buf_puts(b, "\\n"); break;
        case '\r': dc_buf_puts(b, "\\r"); break;
        case '\t': dc_buf_puts(b, "\\t"); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            dc_buf_put(b, u, 6);
        }
        }
    }
    dc_buf_put(b, s + start, n - start);
    dc_buf_putc(b, '"');
}

/* ----------------------------------------------------------------- arena */

/* ------------------------------------------------------------ huge pages */

#define HUGE_ALIGN ((size_t)2 << 20)

void *dc_huge_alloc(size_t n)
{
    /* the mapping's length and the offset of the returned address are kept
     * in the 16 bytes before it (the slack of the alignment, or the first
     * huge page's when the mapping came aligned) */
    size_t len = n + HUGE_ALIGN;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) dc_die("out of memory (%zu bytes)", len);
    char *a = (char *)(((uintptr_t)p + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1));
    if (a - p < (ptrdiff_t)sizeof(size_t) * 2) a += HUGE_ALIGN;
    ((size_t *)a)[-1] = len;
    ((size_t *)a)[-2] = (size_t)(a - p);
#ifdef MADV_HUGEPAGE
    madvise(a, n, MADV_HUGEPAGE);
#endif
    return a;
}

void dc_huge_free(void *q)
{
    if (!q) return;
    char *a = q;
    size_t len = ((size_t *)a)[-1], off = ((size_t *)a)[-2];
    munmap(a - off, len);
}

/* ------------------------------------------------------------------ arena */

struct dc_arena_block {
    dc_arena_block_t *next;
    size_t used, size;
    _Alignas(8) unsigned char data[];
};

void dc_arena_init(dc_arena_t *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : (1u << 20);
    a->total = 0;
}

void *dc_arena_alloc(dc_arena_t *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    dc_arena_block_t *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t sz = n > a->block_size ? n : a->block_size;
        b = dc_xmalloc(sizeof *b + sz);
        b->size = sz;
        b->used = 0;
        b->next = a->head;
        a->head = b;
        a->total += sizeof *b + sz;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

char *dc_arena_strndup(dc_arena_t *a, const char *s, size_t n)
{
    char *p = dc_arena_alloc(a, n + 1);
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void dc_arena_free(dc_arena_t *a)
{
    dc_arena_block_t *b = a->head;
    while (b) {
        dc_arena_block_t *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->total = 0;
}

/* ------------------------------------------------------------------ misc */

double dc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *dc_format_size(uint64_t bytes, char out[32])
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    double v = (double)bytes;
    while (v >= 1024 && u < 4) v /= 1024, u++;
    if (u == 0 || v == (double)(uint64_t)v) snprintf(out, 32, "%.0f %s", v, unit[u]);
    else snprintf(out, 32, "%.1f %s", v, unit[u]);
    return out;
}

/* A byte count from a cgroup or meminfo file: the first number in it
 * times `mul`; 0 when absent, "max" or not a number. */
static uint64_t read_bytes(const char *path, const char *key, uint64_t mul)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[256];
    uint64_t v = 0;
    while (fgets(line, sizeof line, f)) {
        const char *p = line;
        if (key) {
            size_t k = strlen(key);
            if (strncmp(line, key, k)) continue;
            p += k;
        }
        while (*p == ' ' || *p == '\t') p++;
        char *e;
        unsigned long long x = strtoull(p, &e, 10);
        if (e != p) v = (uint64_t)x * mul;
        break;
    }
    fclose(f);
    return v;
}

size_t dc_memory_default_limit(const char *meminfo, const char *const *cgroup, uint64_t *base)
{
    static const char *const cg_default[] = {"/sys/fs/cgroup/memory.max",
                                             "/sys/fs/cgroup/memory/memory.limit_in_bytes", NULL};
    uint64_t total = read_bytes(meminfo ? meminfo : "/proc/meminfo", "MemTotal:", 1024);
    for (const char *const *c = cgroup ? cgroup : cg_default; *c; c++) {
        uint64_t lim = read_bytes(*c, NULL, 1);
        /* cgroup v1 says "no limit" with a huge page-rounded number */
        if (lim && lim < ((uint64_t)1 << 60) && (!total || lim < total)) {
            total = lim;
            break;
        }
    }
    if (base) *base = total;
    return (size_t)((double)total * DC_MEMORY_DEFAULT_SHARE);
}

size_t dc_peak_rss_bytes(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (size_t)ru.ru_maxrss * 1024u;
}

size_t dc_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0, res = 0;
    if (!f) return 0;
    if (fscanf(f, "%lu %lu", &pages, &res) != 2) res = 0;
    fclose(f);
    return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

/* The out-of-core records mapping (engine/run/spill.c), if any. */
static const char *spilled_lo, *spilled_hi;

void dc_spilled_set(const void *p, size_t n)
{
    spilled_lo = p;
    spilled_hi = p ? (const char *)p + n : NULL;
}

void dc_spilled_drop(const void *p, size_t n)
{
    const char *a = p, *b = a + n;
    if (!spilled_lo || a >= spilled_hi || b <= spilled_lo) return;
    if (a < spilled_lo) a = spilled_lo;
    if (b > spilled_hi) b = spilled_hi;
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)a + pg - 1) & ~(pg - 1), hi = (uintptr_t)b & ~(pg - 1);
    if (b == spilled_hi) hi = ((uintptr_t)b + pg - 1) & ~(pg - 1);   /* the mapping's last page is whole */
    if (lo < hi) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

size_t dc_rss_anon_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "RssAnon:", 8)) {
            kb = (size_t)strtoull(line + 8, NULL, 10);
            break;
        }
    fclose(f);
    return kb * 1024;
}

uint64_t dc_hash64(const void *p, size_t n) { return XXH3_64bits(p, n); }

uint64_t dc_hash64_seed(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}

dc_hash128_t dc_hash128(const void *p, size_t n)
{
    XXH128_hash_t h = XXH3_128bits(p, n);
    return (dc_hash128_t){h.high64, h.low64};
}

/* ------------------------------------------------------------ read a file */

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

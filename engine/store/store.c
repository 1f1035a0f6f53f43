/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store.c - the record store's folder: manifests, generations, the atomic
 * switch, garbage collection (dc_store.h, docs/STORE.md).
 *
 * DESIGN: the folder holds immutable files only, plus CURRENT:
 *     CURRENT               "DANCU-STORE 1 <generation> <manifest checksum>\n"
 *     m<generation>.dcm     a manifest: sources, partitions, checksums
 *     p<id>.dcs             a partition file (segment.c)
 *     LOCK                  flock()ed by the one transaction at a time
 * A transaction writes new partition files under new ids (never reused:
 * the manifest carries the next id), then the next manifest, then CURRENT
 * (each through dc_outfile: a temporary name, fsync, rename), with the
 * folder fsynced before and after CURRENT changes. Until the rename of
 * CURRENT nothing a reader looks at has changed; after it, the new
 * generation is complete on disk. Partition files are shared between the
 * generations that list them: loading a new source writes only its own
 * partitions. After the switch, files that neither the new generation nor
 * the previous one lists are removed (so the previous generation stays
 * readable, and leftovers of killed transactions go away).
 */
#include "store/store_internal.h"

#include <dirent.h>     /* opendir */
#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <pthread.h>    /* pthread_mutex_t */
#include <signal.h>     /* raise */
#include <stdatomic.h>  /* atomic_long */
#include <stdlib.h>     /* free, qsort */
#include <sys/file.h>   /* flock */
#include <sys/mman.h>   /* mmap */
#include <sys/stat.h>   /* mkdir */
#include <time.h>       /* time */
#include <unistd.h>     /* fsync, unlink */
#include <zstd.h>       /* ZSTD_compress */

static const char MAN_MAGIC[8] = {'D', 'C', 'S', 'T', 'M', 'A', 'N', 'I'};
#define MAN_FIXED 80
#define CURRENT_TAG "DANCU-STORE"

struct dc_store {
    char *dir;
    dc_store_opts_t opts;
    uint64_t gen, prev, created, next_id, nrec, msum;
    dc_store_source_t *src;   /* names owned */
    uint32_t nsrc;
    dc_store_partinfo_t *parts;
    uint32_t nparts;
    dc_store_attinfo_t *att;   /* names owned, sorted by name */
    uint32_t natt;
};

/* ----------------------------------------------------------------- hooks */

void dc_store_test_hook(const char *point)
{
    static atomic_long hits;
    const char *e = getenv("DANCU_TEST_STORE_KILL_AT");
    if (!e || !*e) return;
    size_t n = strlen(point);
    if (strncmp(e, point, n) != 0 || (e[n] && e[n] != ':')) return;
    long want = e[n] == ':' ? atol(e + n + 1) : 1;
    if (atomic_fetch_add(&hits, 1) + 1 >= want) raise(SIGKILL);
}

/* ----------------------------------------------------------------- paths */

static char *path_of(const char *dir, const char *fmt, uint64_t v)
{
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_printf(&b, "%s/", dir);
    dc_buf_printf(&b, fmt, (unsigned long long)v);
    return b.p;
}
#define PART_FMT "p%012llu.dcs"
#define MAN_FMT "m%012llu.dcm"
#define ATT_FMT "a%012llu.dca"

/* The files this transaction wrote (partitions, attachments), synced
 * together before the manifest that lists them: written without a sync
 * each (DC_OUT_NOSYNC), their data and names reach the disk in one or a
 * few journal commits instead of one per file (a delivery of a hundred
 * files writes four hundred). A file an aborted writer removed is gone. */
static int sync_one(const char *dir, const char *fmt, uint64_t id)
{
    char *path = path_of(dir, fmt, id);
    int rc = 0, fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) rc = dc_seterr("cannot open %s to sync it: %s", path, strerror(errno));
    } else {
        if (fsync(fd) != 0 && errno != EINVAL) rc = dc_seterr("cannot sync %s: %s", path, strerror(errno));
        close(fd);
    }
    free(path);
    return rc;
}

static int sync_files(const char *dir, const uint64_t *parts, size_t nparts, const uint64_t *atts, size_t natts)
{
    /* one syncfs for the whole file system when there are many (Linux:
     * every dirty page and inode of it, one journal commit), else each */
    if (nparts + natts > 8) {
        int fd = open(dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
        if (fd >= 0) {
            int ok = syncfs(fd) == 0;
            close(fd);
            if (ok) return 0;
        }
    }
    int rc = 0;
    for (size_t i = 0; i < nparts && rc == 0; i++) rc = sync_one(dir, PART_FMT, parts[i]);
    for (size_t i = 0; i < natts && rc == 0; i++) rc = sync_one(dir, ATT_FMT, atts[i]);
    return rc;
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return dc_seterr("cannot open store folder %s: %s", dir, strerror(errno));
    int rc = 0;
    if (fsync(fd) != 0 && errno != EINVAL) rc = dc_seterr("cannot sync store folder %s: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

/* A file name of the store: 'p', 'm' or 'a', 12 digits, ".dcs", ".dcm" or
 * ".dca". */
static int store_name(const char *name, char kind, uint64_t *num)
{
    if (strlen(name) != 17 || name[0] != kind || name[13] != '.' || name[14] != 'd' || name[15] != 'c' ||
        name[16] != (kind == 'p' ? 's' : kind == 'a' ? 'a' : 'm'))
        return 0;
    uint64_t v = 0;
    for (int i = 1; i <= 12; i++) {
        if (name[i] < '0' || name[i] > '9') return 0;
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    *num = v;
    return 1;
}

/* A temporary file a writer of this store leaves when killed. */
static int store_tmp(const char *name)
{
    return name[0] == '.' && (name[1] == 'p' || name[1] == 'm' || name[1] == 'a' || !strncmp(name + 1, "CURRENT.", 8)) &&
           strstr(name, ".tmp.") != NULL;
}

/* -------------------------------------------------------------- manifest */

static void bput(dc_buf_t *b, uint64_t v, unsigned w)
{
    unsigned char t[8];
    st_put(t, v, w);
    dc_buf_put(b, t, w);
}

typedef struct {
    const unsigned char *p;
    size_t n, at;
    int bad;
} cur_t;

static uint64_t bget(cur_t *c, unsigned w)
{
    if (c->bad || c->n - c->at < w) {
        c->bad = 1;
        return 0;
    }
    uint64_t v = st_get(c->p + c->at, w);
    c->at += w;
    return v;
}

static void view_clear(dc_store_t *s)
{
    for (uint32_t i = 0; i < s->nsrc; i++) free((char *)s->src[i].name);
    free(s->src);
    free(s->parts);
    for (uint32_t i = 0; i < s->natt; i++) free((char *)s->att[i].name);
    free(s->att);
    s->src = NULL;
    s->parts = NULL;
    s->att = NULL;
    s->nsrc = s->nparts = s->natt = 0;
}

static void manifest_encode(const dc_store_t *v, dc_buf_t *b)
{
    dc_buf_put(b, MAN_MAGIC, 8);
    bput(b, DC_STORE_MANIFEST_VERSION, 4);
    bput(b, DC_STORE_BOM, 4);
    bput(b, v->gen, 8);
    bput(b, v->prev, 8);
    bput(b, v->created, 8);
    bput(b, v->next_id, 8);
    bput(b, v->opts.part_records, 4);
    bput(b, v->opts.block_records, 4);
    bput(b, (uint32_t)v->opts.zstd_level, 4);
    bput(b, v->nsrc, 4);
    bput(b, v->nparts, 4);
    bput(b, 0, 4);
    bput(b, v->nrec, 8);
    for (uint32_t i = 0; i < v->nsrc; i++) {
        const dc_store_source_t *x = &v->src[i];
        size_t l = strlen(x->name);
        bput(b, l, 4);
        dc_buf_put(b, x->name, l);
        bput(b, x->rows, 8);
        bput(b, x->loaded_at, 8);
        bput(b, x->generation, 8);
        bput(b, x->digest, 8);
        bput(b, x->first_part, 4);
        bput(b, x->nparts, 4);
    }
    for (uint32_t k = 0; k < v->nparts; k++) {
        const dc_store_partinfo_t *x = &v->parts[k];
        bput(b, x->id, 8);
        bput(b, x->source, 4);
        bput(b, x->nrec, 4);
        bput(b, x->size, 8);
        bput(b, x->checksum, 8);
    }
    bput(b, v->natt, 4);
    for (uint32_t i = 0; i < v->natt; i++) {
        const dc_store_attinfo_t *x = &v->att[i];
        size_t l = strlen(x->name);
        bput(b, l, 4);
        dc_buf_put(b, x->name, l);
        bput(b, x->id, 8);
        bput(b, x->size, 8);
        bput(b, x->checksum, 8);
        bput(b, x->generation, 8);
    }
    bput(b, dc_hash64(b->p, b->len), 8);
}

/* The attachment table of a version-2 manifest. @return NULL or why not. */
static const char *attachments_parse(dc_store_t *v, cur_t *c)
{
    uint64_t na = bget(c, 4);
    if (c->bad || na > (c->n - c->at) / 37) return "attachment count";
    v->att = dc_xcalloc(na + 1, sizeof *v->att);
    for (uint32_t i = 0; i < na; i++) {
        dc_store_attinfo_t *x = &v->att[i];
        uint64_t l = bget(c, 4);
        if (c->bad || l == 0 || l > DC_STORE_ATT_NAME_MAX || l > c->n - c->at) return "attachment table";
        x->name = dc_xstrndup((const char *)c->p + c->at, (size_t)l);
        v->natt = i + 1;
        c->at += (size_t)l;
        x->id = bget(c, 8);
        x->size = bget(c, 8);
        x->checksum = bget(c, 8);
        x->generation = bget(c, 8);
        if (c->bad || strlen(x->name) != l || !x->id || x->id >= v->next_id || x->generation > v->gen ||
            (i && strcmp(v->att[i - 1].name, x->name) >= 0))
            return "attachment table";
    }
    return NULL;
}

/* Parse manifest bytes into the view v (empty on entry). */
static int manifest_parse(dc_store_t *v, const char *path, const unsigned char *m, size_t n, uint64_t want_gen)
{
    if (n < 8 || memcmp(m, MAN_MAGIC, 8) != 0)
        return dc_seterr("store manifest %s is not a dancu store manifest (bad magic): refused", path);
    if (n < MAN_FIXED + 8) return dc_seterr("store manifest %s is truncated: refused", path);
    if (st_get(m + 12, 4) != DC_STORE_BOM)
        return dc_seterr("store manifest %s: byte-order mark: not written little-endian: refused", path);
    if (dc_hash64(m, n - 8) != st_get(m + n - 8, 8))
        return dc_seterr("store manifest %s is damaged or truncated (checksum mismatch): refused", path);
    uint32_t ver = (uint32_t)st_get(m + 8, 4);
    if (ver < 1 || ver > DC_STORE_MANIFEST_VERSION)
        return dc_seterr("store manifest %s has format version %u; this dancu reads versions 1 to %u: refused", path,
                         ver, DC_STORE_MANIFEST_VERSION);
    cur_t c = {m, n - 8, 16, 0};
    v->gen = bget(&c, 8);
    v->prev = bget(&c, 8);
    v->created = bget(&c, 8);
    v->next_id = bget(&c, 8);
    v->opts.part_records = (uint32_t)bget(&c, 4);
    v->opts.block_records = (uint32_t)bget(&c, 4);
    v->opts.zstd_level = (int)bget(&c, 4);
    uint64_t nsrc = bget(&c, 4), nparts = bget(&c, 4), zero = bget(&c, 4);
    v->nrec = bget(&c, 8);
    const char *why = NULL;
    if (v->gen != want_gen) why = "generation differs from CURRENT";
    else if (zero || v->prev >= v->gen) why = "header";
    else if (!v->opts.part_records || v->opts.part_records > (1u << 31) || !v->opts.block_records ||
             v->opts.block_records > 65536 || v->opts.zstd_level < 1 || v->opts.zstd_level > 19)
        why = "settings";
    else if (nsrc > n / 44 || nparts > n / 32) why = "counts";
    if (why) return dc_seterr("store manifest %s is damaged (%s): refused", path, why);
    v->src = dc_xcalloc(nsrc + 1, sizeof *v->src);
    v->parts = dc_xcalloc(nparts + 1, sizeof *v->parts);
    uint64_t at = 0;
    for (uint32_t i = 0; i < nsrc && !c.bad; i++) {
        dc_store_source_t *x = &v->src[i];
        uint64_t l = bget(&c, 4);
        if (c.bad || l == 0 || l > c.n - c.at) {
            c.bad = 1;
            break;
        }
        x->name = dc_xstrndup((const char *)m + c.at, (size_t)l);
        v->nsrc = i + 1;
        c.at += (size_t)l;
        if (strlen(x->name) != l) why = "source name";
        x->rows = bget(&c, 8);
        x->loaded_at = bget(&c, 8);
        x->generation = bget(&c, 8);
        x->digest = bget(&c, 8);
        x->first_part = (uint32_t)bget(&c, 4);
        x->nparts = (uint32_t)bget(&c, 4);
        if (x->first_part != at || x->nparts > nparts - at || x->generation > v->gen) why = "source table";
        at += x->nparts;
        for (uint32_t j = 0; j < i && !why; j++)
            if (!strcmp(v->src[j].name, x->name)) why = "a source listed twice";
    }
    if (!c.bad && !why && at != nparts) why = "partition count";
    uint64_t row = 0;
    for (uint32_t k = 0; k < nparts && !c.bad && !why; k++) {
        dc_store_partinfo_t *x = &v->parts[k];
        x->id = bget(&c, 8);
        x->source = (uint32_t)bget(&c, 4);
        x->nrec = (uint32_t)bget(&c, 4);
        x->size = bget(&c, 8);
        x->checksum = bget(&c, 8);
        x->first_row = row;
        row += x->nrec;
        v->nparts = k + 1;
        if (x->source >= nsrc || k < v->src[x->source].first_part ||
            k >= v->src[x->source].first_part + v->src[x->source].nparts || !x->nrec ||
            x->nrec > v->opts.part_records || !x->id || x->id >= v->next_id)
            why = "partition table";
    }
    for (uint32_t i = 0; i < v->nsrc && !c.bad && !why; i++) {
        uint64_t r = 0;
        for (uint32_t k = v->src[i].first_part; k < v->src[i].first_part + v->src[i].nparts; k++) r += v->parts[k].nrec;
        if (r != v->src[i].rows) why = "row counts";
    }
    if (!c.bad && !why && row != v->nrec) why = "totals";
    if (!c.bad && !why && ver >= 2) why = attachments_parse(v, &c);
    if (!c.bad && !why && c.at != c.n) why = "totals";
    if (c.bad && !why) why = "truncated tables";
    if (why) {
        view_clear(v);
        return dc_seterr("store manifest %s is damaged (%s): refused", path, why);
    }
    return 0;
}

/* ------------------------------------------------------------------ open */

/* A whole file into a buffer of its size + 1 (read straight into it: an
 * attachment of a national master is hundreds of megabytes). */
static int read_small(const char *path, unsigned char **out, size_t *n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    unsigned char *b = dc_xmalloc(cap);
    for (;;) {
        unsigned char one;
        int full = len + 1 == cap;   /* then a byte more means the file grew since fstat */
        ssize_t r = full ? read(fd, &one, 1) : read(fd, b + len, cap - 1 - len);
        if (full && r == 1) {
            cap *= 2;
            b = dc_xrealloc(b, cap);
            b[len++] = one;
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            free(b);
            errno = e;
            return -1;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    b[len] = 0;
    *out = b;
    *n = len;
    return 0;
}

static int opts_check(dc_store_opts_t *o)
{
    if (!o->part_records) o->part_records = DC_STORE_PART_RECORDS;
    if (!o->block_records) o->block_records = DC_STORE_BLOCK_RECORDS;
    if (!o->zstd_level) o->zstd_level = DC_STORE_ZSTD_LEVEL;
    if (o->part_records > (1u << 31) || o->block_records > 65536 || o->zstd_level < 1 || o->zstd_level > 19)
        return dc_seterr("store settings out of range (records per partition 1..2^31, per block 1..65536, "
                         "zstd level 1..19)");
    return 0;
}

/* Read CURRENT and its manifest into s. */
static int load_current(dc_store_t *s, int create)
{
    char *cp = path_of(s->dir, "CURRENT", 0);
    unsigned char *cur = NULL;
    size_t n = 0;
    int rc = read_small(cp, &cur, &n);
    int err = errno;
    free(cp);
    if (rc != 0) {
        if (err != ENOENT) return dc_seterr("cannot read %s/CURRENT: %s", s->dir, strerror(err));
        if (!create) return dc_seterr("%s is not a dancu store (no CURRENT file)", s->dir);
        /* a new store: the folder may hold only what a killed first
         * transaction leaves */
        DIR *d = opendir(s->dir);
        if (!d) return dc_seterr("cannot open store folder %s: %s", s->dir, strerror(errno));
        struct dirent *e;
        uint64_t num;
        int foreign = 0;
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "LOCK") &&
                !store_name(e->d_name, 'p', &num) && !store_name(e->d_name, 'm', &num) &&
                !store_name(e->d_name, 'a', &num) && !store_tmp(e->d_name))
                foreign = 1;
        closedir(d);
        if (foreign) return dc_seterr("folder %s holds other files and no store: refused", s->dir);
        return 0;
    }
    unsigned long long gen = 0, sum = 0;
    char want[96];
    int ok = n < sizeof want && sscanf((const char *)cur, CURRENT_TAG " 1 %llu %16llx", &gen, &sum) == 2;
    if (ok) {
        snprintf(want, sizeof want, CURRENT_TAG " 1 %llu %016llx\n", gen, sum);
        ok = gen > 0 && strlen(want) == n && memcmp(want, cur, n) == 0;
    }
    if (!ok && n >= 12 && !memcmp(cur, CURRENT_TAG " ", 12) && !(n > 13 && cur[12] == '1' && cur[13] == ' ')) {
        free(cur);
        return dc_seterr("%s/CURRENT has a format version this dancu does not read (it reads version 1): refused",
                         s->dir);
    }
    free(cur);
    if (!ok) return dc_seterr("%s/CURRENT is damaged or not a dancu store's: refused", s->dir);
    char *mp = path_of(s->dir, MAN_FMT, gen);
    unsigned char *m = NULL;
    if (read_small(mp, &m, &n) != 0) {
        rc = dc_seterr("cannot read store manifest %s: %s", mp, strerror(errno));
        free(mp);
        return rc;
    }
    if (n >= 8 && st_get(m + n - 8, 8) != sum && n >= 16 && !memcmp(m, MAN_MAGIC, 8) &&
        dc_hash64(m, n - 8) == st_get(m + n - 8, 8))
        rc = dc_seterr("store manifest %s is not the one CURRENT names (checksum): refused", mp);
    else
        rc = manifest_parse(s, mp, m, n, gen);
    if (rc == 0 && st_get(m + n - 8, 8) != sum) {
        view_clear(s);
        rc = dc_seterr("store manifest %s is not the one CURRENT names (checksum): refused", mp);
    }
    if (rc == 0) s->msum = sum;
    free(m);
    free(mp);
    return rc;
}

int dc_store_open(const char *dir, int flags, const dc_store_opts_t *opts, dc_store_t **out)
{
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT || !(flags & DC_STORE_CREATE))
            return dc_seterr("cannot open store %s: %s", dir, strerror(errno));
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) return dc_seterr("cannot create store folder %s: %s", dir, strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        return dc_seterr("store %s is not a folder", dir);
    }
    dc_store_t *s = dc_xcalloc(1, sizeof *s);
    s->dir = dc_xstrdup(dir);
    if (opts) s->opts = *opts;
    if (opts_check(&s->opts) != 0 || load_current(s, flags & DC_STORE_CREATE) != 0) {
        dc_store_close(s);
        return -1;
    }
    if (!s->gen) s->next_id = 1;
    *out = s;
    return 0;
}

void dc_store_close(dc_store_t *s)
{
    if (!s) return;
    view_clear(s);
    free(s->dir);
    free(s);
}

uint64_t dc_store_generation(const dc_store_t *s) { return s->gen; }
uint64_t dc_store_created_at(const dc_store_t *s) { return s->created; }
uint64_t dc_store_nrecords(const dc_store_t *s) { return s->nrec; }
uint32_t dc_store_nsources(const dc_store_t *s) { return s->nsrc; }
const dc_store_source_t *dc_store_source(const dc_store_t *s, uint32_t i) { return i < s->nsrc ? &s->src[i] : NULL; }
uint32_t dc_store_npartitions(const dc_store_t *s) { return s->nparts; }
const dc_store_partinfo_t *dc_store_partition(const dc_store_t *s, uint32_t k) { return k < s->nparts ? &s->parts[k] : NULL; }
const dc_store_opts_t *dc_store_settings(const dc_store_t *s) { return &s->opts; }
const char *dc_store_dir(const dc_store_t *s) { return s->dir; }

int64_t dc_store_find_source(const dc_store_t *s, const char *name)
{
    for (uint32_t i = 0; i < s->nsrc; i++)
        if (!strcmp(s->src[i].name, name)) return i;
    return -1;
}

static int part_open(const dc_store_t *s, uint32_t k, dc_intern_t *in, int lazy, dc_store_part_t **out)
{
    *out = NULL;
    if (k >= s->nparts) return dc_seterr("store %s: no partition %u", s->dir, k);
    const dc_store_partinfo_t *pi = &s->parts[k];
    char *path = path_of(s->dir, PART_FMT, pi->id);
    int rc = seg_reader_open(path, pi, s->src[pi->source].name, s->opts.block_records, in, lazy, out);
    free(path);
    return rc;
}

int dc_store_part_open(const dc_store_t *s, uint32_t k, dc_intern_t *in, dc_store_part_t **out)
{
    return part_open(s, k, in, 0, out);
}

int dc_store_part_open_lazy(const dc_store_t *s, uint32_t k, dc_intern_t *in, dc_store_part_t **out)
{
    return part_open(s, k, in, 1, out);
}

int dc_store_verify(const dc_store_t *s)
{
    for (uint32_t k = 0; k < s->nparts; k++) {
        dc_store_part_t *p;
        if (dc_store_part_open(s, k, NULL, &p) != 0) return -1;
        int rc = seg_reader_verify(p);
        dc_store_part_close(p);
        if (rc != 0) return -1;
    }
    return 0;
}

/* ----------------------------------------------------------- transaction */

typedef struct {
    dc_store_source_t info;       /* name owned; first_part/nparts unused here */
    dc_store_partinfo_t *parts;
    size_t nparts, cap;
    int writing;                  /* a writer is filling it */
} tsrc_t;

struct dc_store_txn {
    dc_store_t *s;
    pthread_mutex_t mu;
    tsrc_t *src;
    size_t nsrc, cap;
    uint64_t next_id;
    int lockfd;
    int nwriting;
    uint64_t *newids;             /* partition files written by this transaction */
    size_t nnew, newcap;
    dc_store_attinfo_t *att;      /* the new generation's attachments (names owned), sorted */
    size_t natt, attcap;
    uint64_t *newatt;             /* attachment files written by this transaction */
    size_t nnewatt, newattcap;
};

struct dc_store_writer {
    dc_store_txn_t *t;
    char *name;
    uint64_t digest, rows;
    seg_writer_t *seg;
    dc_store_partinfo_t *parts;
    size_t nparts, cap;
};

static void tsrc_free(tsrc_t *x)
{
    free((char *)x->info.name);
    free(x->parts);
}

int dc_store_begin(dc_store_t *s, dc_store_txn_t **out)
{
    *out = NULL;
    char *lp = path_of(s->dir, "LOCK", 0);
    int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    free(lp);
    if (fd < 0) return dc_seterr("cannot open %s/LOCK: %s", s->dir, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK) return dc_seterr("store %s is being updated by another process or transaction", s->dir);
        return dc_seterr("cannot lock %s/LOCK: %s", s->dir, strerror(e));
    }
    /* another process may have committed since s was opened */
    dc_store_t fresh;
    memset(&fresh, 0, sizeof fresh);
    fresh.dir = s->dir;
    fresh.opts = s->opts;
    if (load_current(&fresh, 1) != 0) {
        close(fd);
        return -1;
    }
    if (fresh.gen != s->gen) {
        view_clear(&fresh);
        close(fd);
        return dc_seterr("store %s has changed since it was opened (generation %llu now): open it again", s->dir,
                         (unsigned long long)fresh.gen);
    }
    view_clear(&fresh);
    dc_store_txn_t *t = dc_xcalloc(1, sizeof *t);
    t->s = s;
    pthread_mutex_init(&t->mu, NULL);
    t->lockfd = fd;
    t->next_id = s->next_id ? s->next_id : 1;
    t->src = dc_xcalloc(s->nsrc + 1, sizeof *t->src);
    t->cap = s->nsrc + 1;
    for (uint32_t i = 0; i < s->nsrc; i++) {
        tsrc_t *x = &t->src[t->nsrc++];
        x->info = s->src[i];
        x->info.name = dc_xstrdup(s->src[i].name);
        x->nparts = x->cap = s->src[i].nparts;
        x->parts = dc_xmalloc((x->nparts + 1) * sizeof *x->parts);
        memcpy(x->parts, s->parts + s->src[i].first_part, x->nparts * sizeof *x->parts);
    }
    t->att = dc_xcalloc(s->natt + 1, sizeof *t->att);
    t->attcap = s->natt + 1;
    for (uint32_t i = 0; i < s->natt; i++) {
        t->att[i] = s->att[i];
        t->att[i].name = dc_xstrdup(s->att[i].name);
    }
    t->natt = s->natt;
    *out = t;
    return 0;
}

static ssize_t txn_find(const dc_store_txn_t *t, const char *name)
{
    for (size_t i = 0; i < t->nsrc; i++)
        if (!strcmp(t->src[i].info.name, name)) return (ssize_t)i;
    return -1;
}

int dc_store_txn_drop_source(dc_store_txn_t *t, const char *name)
{
    pthread_mutex_lock(&t->mu);
    ssize_t i = txn_find(t, name);
    int rc = 0;
    if (i < 0) rc = dc_seterr("store %s: no source of that name to drop", t->s->dir);
    else if (t->src[i].writing) rc = dc_seterr("store %s: a source being written cannot be dropped", t->s->dir);
    else {
        tsrc_free(&t->src[i]);
        memmove(&t->src[i], &t->src[i + 1], (t->nsrc - (size_t)i - 1) * sizeof *t->src);
        t->nsrc--;
    }
    pthread_mutex_unlock(&t->mu);
    return rc;
}

int dc_store_writer_begin(dc_store_txn_t *t, const char *name, uint64_t digest, dc_store_writer_t **out)
{
    *out = NULL;
    if (!name || !*name || strlen(name) > 65535) return dc_seterr("store %s: a source needs a name (1..65535 bytes)", t->s->dir);
    pthread_mutex_lock(&t->mu);
    int rc = 0;
    if (txn_find(t, name) >= 0) rc = dc_seterr("store %s: the source is already in the store (drop it first to replace it)", t->s->dir);
    else {
        t->src = dc_grow(t->src, &t->cap, t->nsrc + 1, sizeof *t->src);
        tsrc_t *x = &t->src[t->nsrc++];
        memset(x, 0, sizeof *x);
        x->info.name = dc_xstrdup(name);
        x->writing = 1;
        t->nwriting++;
    }
    pthread_mutex_unlock(&t->mu);
    if (rc) return rc;
    dc_store_writer_t *w = dc_xcalloc(1, sizeof *w);
    w->t = t;
    w->name = dc_xstrdup(name);
    w->digest = digest;
    *out = w;
    return 0;
}

int dc_store_writer_put(dc_store_writer_t *w, const dc_record_t *recs, size_t n, const dc_intern_t *in)
{
    dc_store_txn_t *t = w->t;
    const dc_store_opts_t *o = &t->s->opts;
    while (n) {
        if (!w->seg) {
            pthread_mutex_lock(&t->mu);
            uint64_t id = t->next_id++;
            t->newids = dc_grow(t->newids, &t->newcap, t->nnew + 1, sizeof *t->newids);
            t->newids[t->nnew++] = id;
            pthread_mutex_unlock(&t->mu);
            char *path = path_of(t->s->dir, PART_FMT, id);
            w->seg = seg_writer_open(path, id, w->name, o);
            free(path);
            if (!w->seg) return -1;
            w->parts = dc_grow(w->parts, &w->cap, w->nparts + 1, sizeof *w->parts);
            memset(&w->parts[w->nparts], 0, sizeof *w->parts);
            w->parts[w->nparts].id = id;
        }
        size_t k = DC_MIN(n, (size_t)(o->part_records - seg_writer_nrec(w->seg)));
        if (seg_writer_put(w->seg, recs, k, in) != 0) return -1;
        recs += k;
        n -= k;
        w->rows += k;
        if (seg_writer_nrec(w->seg) == o->part_records) {
            dc_store_partinfo_t *pi = &w->parts[w->nparts];
            pi->nrec = seg_writer_nrec(w->seg);
            int rc = seg_writer_finish(w->seg, &pi->size, &pi->checksum);
            w->seg = NULL;
            if (rc != 0) return -1;
            w->nparts++;
        }
    }
    return 0;
}

int dc_store_writer_end(dc_store_writer_t *w)
{
    if (w->seg) {
        dc_store_partinfo_t *pi = &w->parts[w->nparts];
        pi->nrec = seg_writer_nrec(w->seg);
        int rc = seg_writer_finish(w->seg, &pi->size, &pi->checksum);
        w->seg = NULL;
        if (rc != 0) {
            dc_store_writer_abort(w);
            return -1;
        }
        w->nparts++;
    }
    dc_store_txn_t *t = w->t;
    pthread_mutex_lock(&t->mu);
    ssize_t i = txn_find(t, w->name);
    tsrc_t *x = &t->src[i];
    x->info.rows = w->rows;
    x->info.digest = w->digest;
    x->info.generation = t->s->gen + 1;
    x->parts = w->parts;
    x->nparts = x->cap = w->nparts;
    x->writing = 0;
    t->nwriting--;
    pthread_mutex_unlock(&t->mu);
    free(w->name);
    free(w);
    return 0;
}

void dc_store_writer_abort(dc_store_writer_t *w)
{
    if (!w) return;
    dc_store_txn_t *t = w->t;
    seg_writer_abort(w->seg);
    for (size_t k = 0; k < w->nparts; k++) {
        char *path = path_of(t->s->dir, PART_FMT, w->parts[k].id);
        unlink(path);
        free(path);
    }
    pthread_mutex_lock(&t->mu);
    ssize_t i = txn_find(t, w->name);
    if (i >= 0) {
        tsrc_free(&t->src[i]);
        memmove(&t->src[i], &t->src[i + 1], (t->nsrc - (size_t)i - 1) * sizeof *t->src);
        t->nsrc--;
    }
    t->nwriting--;
    pthread_mutex_unlock(&t->mu);
    free(w->parts);
    free(w->name);
    free(w);
}

static void txn_free(dc_store_txn_t *t)
{
    for (size_t i = 0; i < t->nsrc; i++) tsrc_free(&t->src[i]);
    free(t->src);
    free(t->newids);
    for (size_t i = 0; i < t->natt; i++) free((char *)t->att[i].name);
    free(t->att);
    free(t->newatt);
    pthread_mutex_destroy(&t->mu);
    if (t->lockfd >= 0) close(t->lockfd);   /* releases the flock */
    free(t);
}

void dc_store_abort(dc_store_txn_t *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->nnew; i++) {
        char *path = path_of(t->s->dir, PART_FMT, t->newids[i]);
        unlink(path);
        free(path);
    }
    for (size_t i = 0; i < t->nnewatt; i++) {
        char *path = path_of(t->s->dir, ATT_FMT, t->newatt[i]);
        unlink(path);
        free(path);
    }
    txn_free(t);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Remove the files that neither generation `keep_a` (its partitions in
 * a->parts) nor `keep_b` lists, and temporaries of killed writers. */
static void collect(const char *dir, const dc_store_t *a, const dc_store_t *b)
{
    size_t n = (size_t)a->nparts + b->nparts + a->natt + b->natt;
    uint64_t *ids = dc_xmalloc((n + 1) * sizeof *ids);
    size_t at = 0;
    for (uint32_t k = 0; k < a->nparts; k++) ids[at++] = a->parts[k].id;
    for (uint32_t k = 0; k < b->nparts; k++) ids[at++] = b->parts[k].id;
    for (uint32_t k = 0; k < a->natt; k++) ids[at++] = a->att[k].id;
    for (uint32_t k = 0; k < b->natt; k++) ids[at++] = b->att[k].id;
    qsort(ids, n, sizeof *ids, cmp_u64);
    DIR *d = opendir(dir);
    if (!d) {
        free(ids);
        return;   /* (garbage stays until the next commit) */
    }
    struct dirent *e;
    int first = 1;
    while ((e = readdir(d))) {
        uint64_t num;
        int drop = 0;
        if (store_name(e->d_name, 'p', &num) || store_name(e->d_name, 'a', &num))
            drop = !bsearch(&num, ids, n, sizeof *ids, cmp_u64);
        else if (store_name(e->d_name, 'm', &num)) drop = num != a->gen && num != b->gen;
        else drop = store_tmp(e->d_name);
        if (!drop) continue;
        dc_buf_t full = DC_BUF_INIT;
        dc_buf_printf(&full, "%s/%s", dir, e->d_name);
        unlink(full.p);
        dc_buf_free(&full);
        if (first) dc_store_test_hook("gc");
        first = 0;
    }
    closedir(d);
    free(ids);
}

int dc_store_commit(dc_store_txn_t *t)
{
    dc_store_t *s = t->s;
    if (t->nwriting) return dc_seterr("store %s: commit while a source is being written", s->dir);
    /* the new generation's view */
    dc_store_t *v = dc_xcalloc(1, sizeof *v);
    v->dir = dc_xstrdup(s->dir);
    v->opts = s->opts;
    v->gen = s->gen + 1;
    v->prev = s->gen;
    v->created = (uint64_t)time(NULL);
    v->next_id = t->next_id;
    size_t np = 0;
    for (size_t i = 0; i < t->nsrc; i++) np += t->src[i].nparts;
    v->src = dc_xcalloc(t->nsrc + 1, sizeof *v->src);
    v->parts = dc_xcalloc(np + 1, sizeof *v->parts);
    for (size_t i = 0; i < t->nsrc; i++) {
        tsrc_t *x = &t->src[i];
        dc_store_source_t *d = &v->src[v->nsrc++];
        *d = x->info;
        d->name = dc_xstrdup(x->info.name);
        if (d->generation == v->gen) d->loaded_at = v->created;
        d->first_part = v->nparts;
        d->nparts = (uint32_t)x->nparts;
        for (size_t k = 0; k < x->nparts; k++) {
            dc_store_partinfo_t *p = &v->parts[v->nparts++];
            *p = x->parts[k];
            p->source = (uint32_t)i;
            p->first_row = v->nrec;
            v->nrec += p->nrec;
        }
    }
    v->att = dc_xcalloc(t->natt + 1, sizeof *v->att);
    for (size_t i = 0; i < t->natt; i++) {
        v->att[i] = t->att[i];
        v->att[i].name = dc_xstrdup(t->att[i].name);
    }
    v->natt = (uint32_t)t->natt;
    dc_buf_t mb = DC_BUF_INIT;
    manifest_encode(v, &mb);
    v->msum = st_get((const unsigned char *)mb.p + mb.len - 8, 8);
    char *mp = path_of(s->dir, MAN_FMT, v->gen);
    int rc = sync_files(s->dir, t->newids, t->nnew, t->newatt, t->nnewatt);
    if (rc == 0) rc = sync_dir(s->dir);   /* the partition files' names */
    dc_outfile_t *f = rc == 0 ? dc_outfile_open(mp, 0) : NULL;
    if (rc == 0 && !f) rc = -1;
    if (rc == 0 && (dc_outfile_buf(f, &mb) != 0 || dc_outfile_commit(f) != 0)) {
        f = NULL;
        rc = -1;
    }
    dc_buf_free(&mb);
    if (rc == 0) dc_store_test_hook("manifest");
    if (rc == 0) rc = sync_dir(s->dir);
    if (rc == 0) dc_store_test_hook("manifest-synced");
    char *cp = path_of(s->dir, "CURRENT", 0);
    if (rc == 0) {
        dc_buf_t cb = DC_BUF_INIT;
        dc_buf_printf(&cb, CURRENT_TAG " 1 %llu %016llx\n", (unsigned long long)v->gen, (unsigned long long)v->msum);
        f = dc_outfile_open(cp, 0);
        if (!f || dc_outfile_buf(f, &cb) != 0 || dc_outfile_commit(f) != 0) rc = -1;
        f = NULL;
        dc_buf_free(&cb);
    }
    free(cp);
    if (rc == 0) dc_store_test_hook("current");
    if (rc == 0) rc = sync_dir(s->dir);
    if (rc != 0) {
        /* the switch may or may not be on disk: every file stays (the next
         * dc_store_begin sees which generation is current; the GC of the
         * next commit removes what no generation lists) */
        free(mp);
        dc_store_close(v);
        t->nnew = t->nnewatt = 0;
        dc_store_abort(t);
        return -1;
    }
    free(mp);
    dc_store_test_hook("switched");
    collect(s->dir, v, s);
    dc_store_test_hook("done");
    /* s views the new generation */
    view_clear(s);
    s->gen = v->gen;
    s->prev = v->prev;
    s->created = v->created;
    s->next_id = v->next_id;
    s->nrec = v->nrec;
    s->msum = v->msum;
    s->src = v->src;
    s->nsrc = v->nsrc;
    s->parts = v->parts;
    s->nparts = v->nparts;
    s->att = v->att;
    s->natt = v->natt;
    free(v->dir);
    free(v);
    txn_free(t);
    return 0;
}

/* ----------------------------------------------------------- attachments */

/* An attachment file: magic "DCSTATT1", version (4), byte-order mark (4),
 * id (8), name length (4), name, raw length (8), zstd frame length (8),
 * the zstd frame, then the XXH3-64 of every byte before it (8). */
static const char ATT_MAGIC[8] = {'D', 'C', 'S', 'T', 'A', 'T', 'T', '1'};
#define ATT_VERSION 1   /* the contents as one zstd frame */
#define ATT_STORED 2    /* the contents as they are (zstd would save less than an eighth) */

uint32_t dc_store_nattachments(const dc_store_t *s) { return s->natt; }
const dc_store_attinfo_t *dc_store_attachment_info(const dc_store_t *s, uint32_t i)
{
    return i < s->natt ? &s->att[i] : NULL;
}

uint64_t dc_store_txn_generation(const dc_store_txn_t *t) { return t->s->gen + 1; }

static int att_cmp_name(const void *a, const void *b)
{
    return strcmp(((const dc_store_attinfo_t *)a)->name, ((const dc_store_attinfo_t *)b)->name);
}

static int txn_attach(dc_store_txn_t *t, const char *name, const void *data, size_t len, int stored);

int dc_store_txn_attach(dc_store_txn_t *t, const char *name, const void *data, size_t len)
{
    return txn_attach(t, name, data, len, 0);
}

int dc_store_txn_attach_stored(dc_store_txn_t *t, const char *name, const void *data, size_t len)
{
    return txn_attach(t, name, data, len, 1);
}

static int txn_attach(dc_store_txn_t *t, const char *name, const void *data, size_t len, int stored)
{
    size_t nl = name ? strlen(name) : 0;
    if (!nl || nl > DC_STORE_ATT_NAME_MAX)
        return dc_seterr("store %s: an attachment needs a name of 1..%d bytes", t->s->dir, DC_STORE_ATT_NAME_MAX);
    uint64_t id = t->next_id++;
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_put(&b, ATT_MAGIC, 8);
    bput(&b, ATT_VERSION, 4);
    bput(&b, DC_STORE_BOM, 4);
    bput(&b, id, 8);
    bput(&b, nl, 4);
    dc_buf_put(&b, name, nl);
    bput(&b, len, 8);
    size_t bound = stored ? 0 : ZSTD_compressBound(len);
    char *zb = dc_xmalloc(bound ? bound : 1);
    size_t z = stored ? len : ZSTD_compress(zb, bound, data, len, t->s->opts.zstd_level);
    if (ZSTD_isError(z)) {
        free(zb);
        dc_buf_free(&b);
        return dc_seterr("store %s: cannot compress attachment: %s", t->s->dir, ZSTD_getErrorName(z));
    }
    if (stored || z > len - len / 8) {   /* saves less than an eighth: stored as is (read without decoding) */
        uint32_t v = ATT_STORED;
        memcpy(b.p + 8, &v, 4);
        bput(&b, len, 8);
        dc_buf_put(&b, data, len);
    } else {
        bput(&b, z, 8);
        dc_buf_put(&b, zb, z);
    }
    free(zb);
    uint64_t sum = dc_hash64(b.p, b.len);
    bput(&b, sum, 8);
    char *path = path_of(t->s->dir, ATT_FMT, id);
    t->newatt = dc_grow(t->newatt, &t->newattcap, t->nnewatt + 1, sizeof *t->newatt);
    t->newatt[t->nnewatt++] = id;
    dc_outfile_t *f = dc_outfile_open(path, DC_OUT_NOSYNC);   /* synced at commit */
    int rc = f && dc_outfile_buf(f, &b) == 0 && dc_outfile_commit(f) == 0 ? 0 : -1;
    free(path);
    if (rc == 0) dc_store_test_hook("attachment");
    dc_store_attinfo_t x = {name, id, b.len, sum, t->s->gen + 1};
    dc_buf_free(&b);
    if (rc) return -1;
    dc_store_attinfo_t *old = bsearch(&x, t->att, t->natt, sizeof *t->att, att_cmp_name);
    if (old) {
        x.name = old->name;
        *old = x;
        return 0;
    }
    t->att = dc_grow(t->att, &t->attcap, t->natt + 1, sizeof *t->att);
    x.name = dc_xstrdup(name);
    t->att[t->natt++] = x;
    qsort(t->att, t->natt, sizeof *t->att, att_cmp_name);
    return 0;
}

/* The checks of an attachment file m[0..n) named `name`, listed as x:
 * NULL, or why it is refused. */
static const char *att_check(const unsigned char *m, size_t n, const dc_store_attinfo_t *x, const char *name)
{
    size_t nl = strlen(name);
    if (n < 8 || memcmp(m, ATT_MAGIC, 8) != 0) return "not a dancu store attachment (bad magic)";
    if (n != x->size) return "truncated or of another size than the manifest says";
    if (n < 52 + nl || dc_hash64(m, n - 8) != st_get(m + n - 8, 8) || st_get(m + n - 8, 8) != x->checksum)
        return "damaged (checksum mismatch)";
    if (st_get(m + 8, 4) != ATT_VERSION && st_get(m + 8, 4) != ATT_STORED) return "of another format version";
    if (st_get(m + 12, 4) != DC_STORE_BOM || st_get(m + 16, 8) != x->id || st_get(m + 24, 4) != nl ||
        memcmp(m + 28, name, nl) != 0 || st_get(m + 36 + nl, 8) != n - 52 - nl)
        return "damaged (header)";
    uint64_t raw = st_get(m + 28 + nl, 8);
    if (raw > ((uint64_t)1 << 40) || (st_get(m + 8, 4) == ATT_STORED && raw != n - 52 - nl)) return "damaged (length)";
    return NULL;
}

static const dc_store_attinfo_t *att_find(const dc_store_t *s, const char *name)
{
    dc_store_attinfo_t key = {name, 0, 0, 0, 0};
    return s->natt ? bsearch(&key, s->att, s->natt, sizeof *s->att, att_cmp_name) : NULL;
}

/* The zstd contents of checked attachment file m (name length nl) into
 * out: NULL, or why it is refused. */
static const char *att_decompress(const unsigned char *m, size_t n, size_t nl, dc_buf_t *out)
{
    uint64_t raw = st_get(m + 28 + nl, 8);
    dc_buf_clear(out);
    dc_buf_reserve(out, (size_t)raw + 1);
    size_t z = ZSTD_decompress(out->p, (size_t)raw, m + 44 + nl, n - 52 - nl);
    if (ZSTD_isError(z) || z != raw) return "damaged (cannot be decompressed)";
    out->len = (size_t)raw;
    out->p[raw] = 0;
    return NULL;
}

int dc_store_attachment(const dc_store_t *s, const char *name, dc_buf_t *out)
{
    dc_buf_clear(out);
    const dc_store_attinfo_t *x = att_find(s, name);
    if (!x) return 1;
    char *path = path_of(s->dir, ATT_FMT, x->id);
    unsigned char *m = NULL;
    size_t n = 0;
    int rc = 0;
    if (read_small(path, &m, &n) != 0) {
        rc = dc_seterr("cannot read store attachment %s: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    const char *why = att_check(m, n, x, name);
    size_t nl = strlen(name);
    if (!why) {
        uint64_t raw = st_get(m + 28 + nl, 8);
        if (st_get(m + 8, 4) == ATT_STORED) {   /* the file's buffer becomes out's: the contents moved to its start */
            memmove(m, m + 44 + nl, (size_t)raw);
            m[raw] = 0;   /* (read_small leaves a byte beyond the file) */
            free(out->p);
            out->p = (char *)m;
            out->len = (size_t)raw;
            out->cap = n + 1;   /* read_small's buffer */
            m = NULL;
        } else {
            why = att_decompress(m, n, nl, out);
        }
    }
    if (why) rc = dc_seterr("store attachment %s is %s: refused", path, why);
    free(m);
    free(path);
    return rc;
}

int dc_store_attachment_view(const dc_store_t *s, const char *name, dc_store_view_t *v)
{
    memset(v, 0, sizeof *v);
    const dc_store_attinfo_t *x = att_find(s, name);
    if (!x) return 1;
    char *path = path_of(s->dir, ATT_FMT, x->id);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int rc = dc_seterr("cannot read store attachment %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        free(path);
        return rc;
    }
    size_t n = (size_t)st.st_size;
    /* a small file, or one of another size than listed: read (and refused) as usual */
    void *m = n >= 65536 && n == x->size ? mmap(NULL, n, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (m == MAP_FAILED) {   /* read (and checked) as usual */
        free(path);
        int rc = dc_store_attachment(s, name, &v->buf_);
        v->p = v->buf_.p ? v->buf_.p : "";
        v->len = v->buf_.len;
        return rc;
    }
    size_t nl = strlen(name);
    const char *why = att_check(m, n, x, name);
    if (!why && st_get((const unsigned char *)m + 8, 4) == ATT_STORED) {   /* in place */
        free(path);
        v->map_ = m;
        v->maplen_ = n;
        v->p = (const char *)m + 44 + nl;
        v->len = n - 52 - nl;
        return 0;
    }
    if (!why) why = att_decompress(m, n, nl, &v->buf_);   /* from the mapping, not read again */
    munmap(m, n);
    int rc = why ? dc_seterr("store attachment %s is %s: refused", path, why) : 0;
    free(path);
    v->p = v->buf_.p ? v->buf_.p : "";
    v->len = v->buf_.len;
    return rc;
}

void dc_store_view_free(dc_store_view_t *v)
{
    if (v->map_) munmap(v->map_, v->maplen_);
    dc_buf_free(&v->buf_);
    memset(v, 0, sizeof *v);
}

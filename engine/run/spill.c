/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * spill.c - the out-of-core path of `dancu run`: its private temporary
 * folder, the up-front disk check, and the records spilled to disk
 * (dc_run.h, docs/PERFORMANCE.md "Out of core").
 *
 * DESIGN. The in-memory run holds its records (168 bytes each, about half
 * of the process after loading: docs/PERFORMANCE.md) in one heap array
 * that grows by doubling while loading. Out of core, the load's in-order
 * commit appends each batch of records to a file in a private folder
 * instead (write(2): the pages go to the page cache, never into the
 * process), and after loading the file is mapped shared over the same
 * array type: every later stage reads run->recs as before, so the outputs
 * are the in-memory path's by construction (same records, same order,
 * same code). What differs is who holds the pages: file pages the kernel
 * can write back and evict, not anonymous memory; at the end of every
 * stage (dc_run_stage_end) the mapping's resident pages are dropped from
 * the process (madvise MADV_DONTNEED on a shared file mapping keeps the
 * data: it stays in the page cache or on disk), so a stage's resident
 * records are only those it touched.
 *
 * The folder: `dancu-<pid>-XXXXXX` (mkdtemp, mode 0700) in --tmp-dir, else
 * $TMPDIR, else the output folder's parent; files in it mode 0600. It is
 * removed when the run is freed (success or failure) and, through
 * dc_spill_abort_all() (async-signal-safe: unlink + rmdir of paths built
 * in advance), by the CLI's SIGINT/SIGTERM/SIGHUP handler. Before any
 * work, the space the spill needs (estimated from the input sizes) is
 * checked against the free space of that file system (statvfs; the test
 * hook DANCU_TEST_FREE_SPACE=BYTES stands for it). A folder that a run
 * killed by SIGKILL left is removed by the next out-of-core run with the
 * same temporary folder (its process is gone).
 */
#include "run/dc_run.h"

#include <dirent.h>     /* opendir */
#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <limits.h>     /* PATH_MAX */
#include <signal.h>     /* sig_atomic_t */
#include <stdio.h>      /* snprintf */
#include <stdlib.h>     /* getenv, strtoull */
#include <string.h>     /* strlen */
#include <sys/mman.h>   /* mmap, madvise */
#include <sys/stat.h>   /* stat */
#include <sys/statfs.h> /* statfs */
#include <sys/statvfs.h>/* statvfs */
#include <linux/magic.h>/* TMPFS_MAGIC */
#include <unistd.h>     /* write, unlink, rmdir, getpid */

struct dc_spill {
    char dir[PATH_MAX];       /* the private folder */
    char recs_path[PATH_MAX]; /* records.bin in it */
    int fd;                   /* records.bin, -1 once closed */
    uint64_t written;         /* records appended */
    void *map;                /* the mapping after loading, NULL before */
    size_t map_len;
};

/* The folder of the live spill, for the signal handler: paths copied in
 * advance, cleared when the run removes them itself. */
static char sig_dir[PATH_MAX], sig_recs[PATH_MAX];
static volatile sig_atomic_t sig_armed;

void dc_spill_abort_all(void)
{
    if (!sig_armed) return;
    unlink(sig_recs);
    rmdir(sig_dir);
    sig_armed = 0;
}

/* The folder the private folder goes in: --tmp-dir, $TMPDIR, else the
 * output folder's parent. */
void dc_run_tmp_base(const dc_run_t *run, char *out, size_t cap)
{
    const char *t = run->opts.tmp_dir;
    if (!t || !*t) t = getenv("TMPDIR");
    if (t && *t) {
        snprintf(out, cap, "%s", t);
        return;
    }
    snprintf(out, cap, "%s", run->opts.outdir ? run->opts.outdir : ".");
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/') out[--n] = 0;   /* "out/" is "out" */
    char *slash = strrchr(out, '/');
    if (!slash) snprintf(out, cap, ".");
    else if (slash == out) out[1] = 0;                 /* "/out": "/" */
    else *slash = 0;
}

uint64_t dc_spill_estimate_bytes(const char *const *paths, size_t npaths)
{
    return (uint64_t)(dc_run_input_bytes(paths, npaths, DC_SPILL_COMPRESSION) * DC_SPILL_PER_INPUT_BYTE) +
           ((uint64_t)1 << 20);
}

/* Free bytes for an unprivileged writer on the file system of `dir`. */
static int free_bytes(const char *dir, uint64_t *out)
{
    const char *fake = getenv("DANCU_TEST_FREE_SPACE");
    if (fake && *fake) {
        *out = strtoull(fake, NULL, 10);
        return 0;
    }
    struct statvfs vs;
    if (statvfs(dir, &vs) != 0) return dc_seterr("temporary folder %s: %s", dir, strerror(errno));
    *out = (uint64_t)vs.f_bavail * (uint64_t)vs.f_frsize;
    return 0;
}

/* Folders that runs killed by SIGKILL left (no handler could run):
 * dancu-PID-XXXXXX of this user whose process is gone. Only their
 * records.bin and the folder itself are removed. */
static void remove_stale(const char *base)
{
    DIR *d = opendir(base);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        long pid = 0;
        char tail[8];
        int end = 0;
        if (sscanf(e->d_name, "dancu-%ld-%6[A-Za-z0-9]%n", &pid, tail, &end) != 2 || e->d_name[end] ||
            strlen(tail) != 6 || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char dir[PATH_MAX], file[PATH_MAX + 16];
        struct stat st;
        if (snprintf(dir, sizeof dir, "%s/%s", base, e->d_name) >= (int)sizeof dir || lstat(dir, &st) != 0 ||
            !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
            continue;
        snprintf(file, sizeof file, "%s/records.bin", dir);
        unlink(file);
        if (rmdir(dir) == 0) dc_log(1, "out of core: removed %s, left by a killed run", dir);
    }
    if (d) closedir(d);
}

int dc_spill_begin(dc_run_t *run, const char *const *paths, size_t npaths)
{
    char base[PATH_MAX];
    dc_run_tmp_base(run, base, sizeof base);
    struct stat st;
    int bad = stat(base, &st) != 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
    if (bad) return dc_seterr("temporary folder %s: %s (--tmp-dir)", base, strerror(bad));
    remove_stale(base);
    uint64_t need = dc_spill_estimate_bytes(paths, npaths), avail = 0;
    if (free_bytes(base, &avail)) return -1;
    char a[32], b[32];
    if (need > avail)
        return dc_seterr("not enough free space for the out-of-core run in %s: it needs about %s "
                         "(%.2f bytes per input byte), %s are free; choose another --tmp-dir; nothing was done",
                         base, dc_format_size((size_t)need, a), DC_SPILL_PER_INPUT_BYTE,
                         dc_format_size((size_t)avail, b));
    struct statfs fs;
    if (statfs(base, &fs) == 0 && (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC))
        dc_log(1, "warning: the temporary folder %s is in memory (tmpfs): the spilled records stay in memory "
                  "there; give a --tmp-dir on a disk", base);
    dc_spill_t *sp = dc_xcalloc(1, sizeof *sp);
    sp->fd = -1;
    int n = snprintf(sp->dir, sizeof sp->dir, "%s/dancu-%ld-XXXXXX", base, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof sp->dir - 16) {
        free(sp);
        return dc_seterr("temporary folder %s: path too long", base);
    }
    if (!mkdtemp(sp->dir)) {   /* mode 0700 */
        int e = errno;
        free(sp);
        return dc_seterr("temporary folder %s: %s", base, strerror(e));
    }
    memcpy(sp->recs_path, sp->dir, sizeof sp->recs_path - 16);
    strcat(sp->recs_path, "/records.bin");   /* the folder's name is at most PATH_MAX - 16 bytes */
    memcpy(sig_dir, sp->dir, sizeof sig_dir);
    memcpy(sig_recs, sp->recs_path, sizeof sig_recs);
    sig_armed = 1;
    sp->fd = open(sp->recs_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    run->spill = sp;
    if (sp->fd < 0) return dc_seterr("temporary file %s: %s", sp->recs_path, strerror(errno));
    dc_log(1, "out of core: records spilled to %s (about %s of disk needed, %s free)", sp->dir,
           dc_format_size((size_t)need, a), dc_format_size((size_t)avail, b));
    return 0;
}

int dc_spill_put(dc_run_t *run, const dc_record_t *recs, size_t n)
{
    dc_spill_t *sp = run->spill;
    const char *p = (const char *)recs;
    size_t left = n * sizeof *recs;
    while (left) {
        ssize_t w = write(sp->fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return dc_seterr("temporary file %s: %s", sp->recs_path, w < 0 ? strerror(errno) : "short write");
        p += w;
        left -= (size_t)w;
    }
    sp->written += n;
    return 0;
}

int dc_spill_reset(dc_run_t *run)
{
    dc_spill_t *sp = run->spill;
    if (ftruncate(sp->fd, 0) != 0 || lseek(sp->fd, 0, SEEK_SET) != 0)
        return dc_seterr("temporary file %s: %s", sp->recs_path, strerror(errno));
    sp->written = 0;
    return 0;
}

int dc_spill_map(dc_run_t *run)
{
    dc_spill_t *sp = run->spill;
    if (sp->written != run->nrec) return dc_seterr("temporary file %s: %llu records for %zu", sp->recs_path,
                                                   (unsigned long long)sp->written, run->nrec);
    sp->map_len = run->nrec * sizeof(dc_record_t);
    if (!sp->map_len) return 0;   /* nothing loaded: run->recs stays NULL */
    run->peak_anon = dc_peak_rss_bytes();   /* until now all of it was the process's own */
    void *m = mmap(NULL, sp->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, sp->fd, 0);
    if (m == MAP_FAILED) return dc_seterr("temporary file %s: mmap: %s", sp->recs_path, strerror(errno));
    sp->map = m;
    dc_spilled_set(m, sp->map_len);
    run->recs = m;
    run->reccap = run->nrec;
    return 0;
}

size_t dc_run_peak_memory(const dc_run_t *run)
{
    return run->spill && run->spill->map ? run->peak_anon : dc_peak_rss_bytes();
}

void dc_spill_release(dc_run_t *run)
{
    dc_spill_t *sp = run->spill;
    if (!sp || !sp->map) return;
    run->peak_anon = DC_MAX(run->peak_anon, dc_rss_anon_bytes());
    madvise(sp->map, sp->map_len, MADV_DONTNEED);
}

int dc_spill_owns_records(const dc_run_t *run) { return run->spill && run->spill->map && run->recs == run->spill->map; }

const char *dc_spill_dir(const dc_run_t *run) { return run->spill ? run->spill->dir : NULL; }

void dc_spill_end(dc_run_t *run)
{
    dc_spill_t *sp = run->spill;
    if (!sp) return;
    if (sp->map) {
        dc_spilled_set(NULL, 0);
        munmap(sp->map, sp->map_len);
    }
    if (run->recs == sp->map) {
        run->recs = NULL;
        run->nrec = run->reccap = 0;
    }
    if (sp->fd >= 0) close(sp->fd);
    sig_armed = 0;
    unlink(sp->recs_path);
    rmdir(sp->dir);
    free(sp);
    run->spill = NULL;
}

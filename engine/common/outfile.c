/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * outfile.c - output files that appear only when complete.
 *
 * A run writes each output to "<dir>/.<name>.tmp.<pid>" (mode 0600, created
 * exclusively), then fsyncs and renames it into place on commit. A failed,
 * interrupted or killed run leaves at worst a hidden temporary file, never
 * a truncated file under the final name. Open temporaries are registered in
 * a fixed table so that a signal handler can unlink them
 * (dc_outfile_abort_all is async-signal-safe: it only calls unlink).
 */
#include "common/dc_common.h"

#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <signal.h>     /* sig_atomic_t */
#include <stdlib.h>     /* free */
#include <string.h>     /* strerror, strrchr */
#include <unistd.h>     /* write, close, fsync, unlink, getpid */
#include <pthread.h>    /* pthread_mutex_t */
#include <zstd.h>       /* ZSTD_compressStream2 */

#define OUT_BUFSZ (1u << 18)
#define MAX_OPEN 256
/* Written bytes are handed to the kernel's writeback every KICK_BYTES
 * (sync_file_range, asynchronous), so that the fsync of the commit does
 * not wait for gigabytes of dirty pages at the end of a large run. */
#define KICK_BYTES (64u << 20)

struct dc_outfile {
    char *path, *tmp;
    int fd;
    int slot;
    ZSTD_CCtx *zc;
    unsigned char *buf;   /* uncompressed staging */
    size_t blen;
    unsigned char *zbuf;  /* compressed output */
    size_t zcap;
    uint64_t written, kicked;  /* bytes written to fd; bytes handed to writeback */
    int zopen;            /* zstd: input given to the open frame since it began */
    int frames;           /* zstd: frames were appended by dc_outfile_put_frame */
    int std;              /* path "-": standard output (no temporary, no rename) */
    int nosync;           /* DC_OUT_NOSYNC */
};

static char *volatile g_tmp[MAX_OPEN];
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

void dc_outfile_abort_all(void)
{
    for (int i = 0; i < MAX_OPEN; i++) {
        char *t = g_tmp[i];
        if (t) unlink(t);
    }
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static void release(dc_outfile_t *f);

dc_outfile_t *dc_outfile_open(const char *path, int flags)
{
    dc_outfile_t *f = dc_xcalloc(1, sizeof *f);
    f->path = dc_xstrdup(path);
    if (!strcmp(path, "-")) {   /* standard output: written as it comes, nothing to rename */
        f->std = 1;
        f->slot = -1;
        f->tmp = dc_xstrdup("standard output");
        f->fd = dup(1);
        if (f->fd < 0) {
            dc_seterr("cannot write to standard output: %s", strerror(errno));
            release(f);
            return NULL;
        }
        goto buffers;
    }
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
    dc_buf_t t = DC_BUF_INIT;
    dc_buf_put(&t, path, dirlen);
    dc_buf_printf(&t, ".%s.tmp.%ld", path + dirlen, (long)getpid());
    f->tmp = t.p;
    /* registered before it exists: a signal between the creation and the
     * registration would leave it behind */
    f->slot = -1;
    pthread_mutex_lock(&g_mu);
    for (int i = 0; i < MAX_OPEN; i++)
        if (!g_tmp[i]) { g_tmp[i] = f->tmp; f->slot = i; break; }
    pthread_mutex_unlock(&g_mu);
    unlink(f->tmp); /* a leftover from an earlier run with the same pid */
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (f->fd < 0) {
        dc_seterr("cannot create %s: %s", f->tmp, strerror(errno));
        f->buf = NULL;
        release(f);
        return NULL;
    }
buffers:
    f->nosync = (flags & DC_OUT_NOSYNC) != 0;
    f->buf = dc_xmalloc(OUT_BUFSZ);
    if (flags & DC_OUT_ZSTD) {
        f->zc = ZSTD_createCCtx();
        if (!f->zc) dc_die("cannot create a zstd context");
        ZSTD_CCtx_setParameter(f->zc, ZSTD_c_compressionLevel, 3);
        ZSTD_CCtx_setParameter(f->zc, ZSTD_c_checksumFlag, 1);
        f->zcap = ZSTD_CStreamOutSize();
        f->zbuf = dc_xmalloc(f->zcap);
    }
    return f;
}

/* Write to the file, and start the writeback of what is written (a hint:
 * errors are reported by the fsync of the commit). */
static int put_fd(dc_outfile_t *f, const void *p, size_t n)
{
    if (write_all(f->fd, p, n) != 0) return -1;
    f->written += n;
    if (f->written - f->kicked >= KICK_BYTES) {
#ifdef SYNC_FILE_RANGE_WRITE
        sync_file_range(f->fd, (off_t)f->kicked, (off_t)(f->written - f->kicked), SYNC_FILE_RANGE_WRITE);
#endif
        f->kicked = f->written;
    }
    return 0;
}

static int flush_buf(dc_outfile_t *f, int end)
{
    if (!f->zc) {
        if (f->blen && put_fd(f, f->buf, f->blen) != 0)
            return dc_seterr("cannot write %s: %s", f->tmp, strerror(errno));
        f->blen = 0;
        return 0;
    }
    ZSTD_inBuffer in = {f->buf, f->blen, 0};
    ZSTD_EndDirective mode = end ? ZSTD_e_end : ZSTD_e_continue;
    f->zopen = !end && (f->zopen || f->blen);
    for (;;) {
        ZSTD_outBuffer out = {f->zbuf, f->zcap, 0};
        size_t r = ZSTD_compressStream2(f->zc, &out, &in, mode);
        if (ZSTD_isError(r))
            return dc_seterr("zstd compression of %s failed: %s", f->tmp, ZSTD_getErrorName(r));
        if (out.pos && put_fd(f, f->zbuf, out.pos) != 0)
            return dc_seterr("cannot write %s: %s", f->tmp, strerror(errno));
        if (end ? r == 0 : in.pos == in.size) break;
    }
    f->blen = 0;
    return 0;
}

int dc_outfile_write(dc_outfile_t *f, const void *p, size_t n)
{
    const unsigned char *c = p;
    if (!f->zc && n >= OUT_BUFSZ) {   /* large and uncompressed: no copy (same bytes) */
        if (flush_buf(f, 0) != 0) return -1;
        if (put_fd(f, c, n) != 0) return dc_seterr("cannot write %s: %s", f->tmp, strerror(errno));
        return 0;
    }
    while (n) {
        size_t room = OUT_BUFSZ - f->blen;
        size_t k = n < room ? n : room;
        memcpy(f->buf + f->blen, c, k);
        f->blen += k;
        c += k;
        n -= k;
        if (f->blen == OUT_BUFSZ && flush_buf(f, 0) != 0) return -1;
    }
    return 0;
}

int dc_outfile_zstd(const dc_outfile_t *f) { return f->zc != NULL; }

int dc_outfile_put_frame(dc_outfile_t *f, const void *frame, size_t n)
{
    if (!f->zc) return dc_seterr("%s: not a zstd output", f->tmp);
    if ((f->zopen || f->blen) && flush_buf(f, 1) != 0) return -1;   /* end the open frame */
    f->zopen = 0;
    f->frames = 1;
    if (n && put_fd(f, frame, n) != 0) return dc_seterr("cannot write %s: %s", f->tmp, strerror(errno));
    return 0;
}

int dc_outfile_buf(dc_outfile_t *f, const dc_buf_t *b)
{
    return dc_outfile_write(f, b->p, b->len);
}

static void release(dc_outfile_t *f)
{
    if (f->slot >= 0) {
        pthread_mutex_lock(&g_mu);
        g_tmp[f->slot] = NULL;
        pthread_mutex_unlock(&g_mu);
    }
    ZSTD_freeCCtx(f->zc);
    free(f->zbuf);
    free(f->buf);
    free(f->tmp);
    free(f->path);
    free(f);
}

int dc_outfile_commit(dc_outfile_t *f)
{
    /* after appended frames, no empty frame to end with */
    int rc = f->zc && f->frames && !f->zopen && !f->blen ? 0 : flush_buf(f, 1);
    if (rc == 0 && !f->nosync && fsync(f->fd) != 0 && errno != EINVAL)
        rc = dc_seterr("cannot sync %s: %s", f->tmp, strerror(errno));
    if (close(f->fd) != 0 && rc == 0)
        rc = dc_seterr("cannot close %s: %s", f->tmp, strerror(errno));
    if (rc == 0 && !f->std && rename(f->tmp, f->path) != 0)
        rc = dc_seterr("cannot rename %s to %s: %s", f->tmp, f->path, strerror(errno));
    if (rc != 0 && !f->std) unlink(f->tmp);
    release(f);
    return rc;
}

void dc_outfile_abort(dc_outfile_t *f)
{
    if (!f) return;
    close(f->fd);
    if (!f->std) unlink(f->tmp);
    release(f);
}

const char *dc_outfile_path(const dc_outfile_t *f) { return f->path; }

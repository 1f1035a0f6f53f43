/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * source.c - streaming input: plain files, zstd, gzip (multi-member) and
 * stdin, with bounded memory (one input buffer per stream).
 *
 * The compression is recognised by the magic bytes (zstd 28 B5 2F FD,
 * gzip 1F 8B), not by the name. A stream that ends inside a zstd frame or a
 * gzip member is an error naming the file ("truncated"), never silently
 * short data.
 */
#include "dc_loader_int.h"

#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <stdlib.h>     /* free */
#include <string.h>     /* strerror, strrchr */
#include <unistd.h>     /* read, close */
#include <zlib.h>       /* inflate */
#include <zstd.h>       /* ZSTD_decompressStream */

enum { SRC_PLAIN, SRC_ZSTD, SRC_GZIP };

struct dc_src {
    char *path;
    int fd, kind, eof_in;
    uint64_t raw;
    unsigned char *in;          /* compressed input buffer */
    size_t in_cap, in_pos, in_len;
    ZSTD_DStream *zd;
    size_t zlast;               /* last ZSTD_decompressStream hint (0: frame complete) */
    z_stream gz;
    int gz_init, gz_member_done;
};

static ssize_t fill(dc_src_t *s)
{
    if (s->in_pos < s->in_len) return (ssize_t)(s->in_len - s->in_pos);
    s->in_pos = s->in_len = 0;
    if (s->eof_in) return 0;
    for (;;) {
        ssize_t r = read(s->fd, s->in, s->in_cap);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return dc_seterr("%s: read error: %s", s->path, strerror(errno));
        if (r == 0) s->eof_in = 1;
        s->in_len = (size_t)r;
        s->raw += (uint64_t)r;
        return r;
    }
}

dc_src_t *dc_src_open(const char *path)
{
    dc_src_t *s = dc_xcalloc(1, sizeof *s);
    s->path = dc_xstrdup(path);
    if (!strcmp(path, "-")) {
        s->fd = 0;
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) {
            dc_seterr("cannot open %s: %s", path, strerror(errno));
            free(s->path);
            free(s);
            return NULL;
        }
    }
    s->in_cap = DC_MAX(ZSTD_DStreamInSize(), (size_t)1 << 17);
    s->in = dc_xmalloc(s->in_cap);
    /* sniff the magic bytes (a short read is fine: they stay in the buffer) */
    while (s->in_len < 4 && !s->eof_in) {
        ssize_t r = read(s->fd, s->in + s->in_len, s->in_cap - s->in_len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            dc_seterr("%s: read error: %s", path, strerror(errno));
            dc_src_close(s);
            return NULL;
        }
        if (r == 0) s->eof_in = 1;
        s->in_len += (size_t)r;
        s->raw += (uint64_t)r;
    }
    const unsigned char *m = s->in;
    if (s->in_len >= 4 && m[0] == 0x28 && m[1] == 0xB5 && m[2] == 0x2F && m[3] == 0xFD) {
        s->kind = SRC_ZSTD;
        s->zd = ZSTD_createDStream();
        if (!s->zd) dc_die("out of memory (zstd)");
        ZSTD_initDStream(s->zd);
        s->zlast = 1;
    } else if (s->in_len >= 2 && m[0] == 0x1F && m[1] == 0x8B) {
        s->kind = SRC_GZIP;
        if (inflateInit2(&s->gz, 15 + 16) != Z_OK) dc_die("out of memory (zlib)");
        s->gz_init = 1;
    }
    return s;
}

static ssize_t read_zstd(dc_src_t *s, void *buf, size_t n)
{
    ZSTD_outBuffer out = {buf, n, 0};
    while (out.pos == 0) {
        ssize_t r = fill(s);
        if (r < 0) return -1;
        if (r == 0) {
            /* no more input: output may still be pending inside the decoder */
            if (s->zlast != 0) {
                ZSTD_inBuffer none = {NULL, 0, 0};
                size_t rc = ZSTD_decompressStream(s->zd, &out, &none);
                if (ZSTD_isError(rc)) return dc_seterr("%s: corrupt zstd data: %s", s->path, ZSTD_getErrorName(rc));
                s->zlast = rc;
                if (out.pos > 0) break;
            }
            if (s->zlast != 0) return dc_seterr("%s: truncated zstd stream (the file ends inside a frame)", s->path);
            return 0;
        }
        ZSTD_inBuffer in = {s->in, s->in_len, s->in_pos};
        size_t rc = ZSTD_decompressStream(s->zd, &out, &in);
        if (ZSTD_isError(rc)) return dc_seterr("%s: corrupt zstd data: %s", s->path, ZSTD_getErrorName(rc));
        s->in_pos = in.pos;
        s->zlast = rc;
    }
    return (ssize_t)out.pos;
}

static ssize_t read_gzip(dc_src_t *s, void *buf, size_t n)
{
    size_t got = 0;
    while (got == 0) {
        ssize_t r = fill(s);
        if (r < 0) return -1;
        if (r == 0) {
            if (!s->gz_member_done) {
                /* no more input: flush what inflate still holds */
                s->gz.next_in = s->in;
                s->gz.avail_in = 0;
                uInt before = (uInt)DC_MIN(n - got, (size_t)1 << 30);
                s->gz.next_out = (Bytef *)buf + got;
                s->gz.avail_out = before;
                int rc = inflate(&s->gz, Z_NO_FLUSH);
                got += before - s->gz.avail_out;
                if (rc == Z_STREAM_END) s->gz_member_done = 1;
                else if (rc != Z_OK && rc != Z_BUF_ERROR)
                    return dc_seterr("%s: corrupt gzip data: %s", s->path, s->gz.msg ? s->gz.msg : "inflate error");
                if (got > 0) break;
            }
            if (!s->gz_member_done) return dc_seterr("%s: truncated gzip stream (the file ends inside a member)", s->path);
            return 0;
        }
        if (s->gz_member_done) {
            /* another member follows: it must be gzip too */
            if (s->in[s->in_pos] != 0x1F) return dc_seterr("%s: trailing garbage after gzip data", s->path);
            inflateReset(&s->gz);
            s->gz_member_done = 0;
        }
        s->gz.next_in = s->in + s->in_pos;
        s->gz.avail_in = (uInt)(s->in_len - s->in_pos);
        s->gz.next_out = (Bytef *)buf + got;
        uInt before = (uInt)DC_MIN(n - got, (size_t)1 << 30);
        s->gz.avail_out = before;
        int rc = inflate(&s->gz, Z_NO_FLUSH);
        got += before - s->gz.avail_out;
        s->in_pos = s->in_len - s->gz.avail_in;
        if (rc == Z_STREAM_END) s->gz_member_done = 1;
        else if (rc != Z_OK && rc != Z_BUF_ERROR)
            return dc_seterr("%s: corrupt gzip data: %s", s->path, s->gz.msg ? s->gz.msg : "inflate error");
    }
    return (ssize_t)got;
}

ssize_t dc_src_read(dc_src_t *s, void *buf, size_t n)
{
    if (n == 0) return 0;
    if (s->kind == SRC_ZSTD) return read_zstd(s, buf, n);
    if (s->kind == SRC_GZIP) return read_gzip(s, buf, n);
    if (s->in_pos < s->in_len) {   /* sniffed bytes first */
        size_t k = DC_MIN(n, s->in_len - s->in_pos);
        memcpy(buf, s->in + s->in_pos, k);
        s->in_pos += k;
        return (ssize_t)k;
    }
    if (s->eof_in) return 0;
    for (;;) {
        ssize_t r = read(s->fd, buf, n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return dc_seterr("%s: read error: %s", s->path, strerror(errno));
        if (r == 0) s->eof_in = 1;
        s->raw += (uint64_t)r;
        return r;
    }
}

const char *dc_src_compression(const dc_src_t *s)
{
    return s->kind == SRC_ZSTD ? "zstd" : s->kind == SRC_GZIP ? "gzip" : "none";
}

uint64_t dc_src_raw_bytes(const dc_src_t *s)
{
    return s->raw;
}

void dc_src_close(dc_src_t *s)
{
    if (!s) return;
    if (s->fd > 0) close(s->fd);
    if (s->zd) ZSTD_freeDStream(s->zd);
    if (s->gz_init) inflateEnd(&s->gz);
    free(s->in);
    free(s->path);
    free(s);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_loader.h - bytes in, canonical UTF-8 NFC rows out.
 *
 * The loader reads provincial exports (plain, .zst, .gz or "-" for stdin),
 * detects or takes the delimiter and the encoding, maps the header to the
 * canonical fields of the input contract (docs/INPUT.md), cuts the stream
 * into chunks at record boundaries, parses the chunks on worker threads and
 * hands the rows on in batches. Rows that cannot be read become rejects
 * with a reason; input rows = accepted rows + rejected rows, always.
 *
 * Threading contract of dc_load():
 *   - sink->process(ud, wctx, batch) is called on worker threads, in any
 *     order and concurrently: it may read the batch and write to the batch's
 *     own user slot, per-worker state (wctx) or thread-safe shared state.
 *   - sink->commit(ud, batch) is called on one thread at a time, strictly in
 *     input order (files in argument order, chunks in file order), after
 *     process() for that batch has returned. Rows' sequence numbers are
 *     therefore stable whatever the thread count.
 *   - The batch and every string it points to are valid only until commit()
 *     returns: copy (or intern) what must outlive it.
 */
#ifndef DC_LOADER_H
#define DC_LOADER_H

#include "common/dc_common.h"

/* Canonical fields, in the order of canonical CSV output. The split name
 * columns (ho, ten_dem, ten) are recombined by the loader into HO_TEN. */
typedef enum dc_field {
    DC_F_RECORD_ID,
    DC_F_MA_TINH,
    DC_F_MA_HO,
    DC_F_QUAN_HE_CHU_HO,
    DC_F_HO_TEN,
    DC_F_NGAY_SINH,
    DC_F_GIOI_TINH,
    DC_F_SO_DINH_DANH,
    DC_F_SO_CMND,
    DC_F_DAN_TOC,
    DC_F_TON_GIAO,
    DC_F_QUOC_TICH,
    DC_F_QUE_QUAN,
    DC_F_NOI_THUONG_TRU,
    DC_F_NOI_O_HIEN_TAI,
    DC_F_HO_TEN_CHA,
    DC_F_HO_TEN_ME,
    DC_F_HO_TEN_VO_CHONG,
    DC_F_NGAY_CHET,
    DC_F__COUNT
} dc_field_t;

/*! dc_field_name() : canonical column name of a field ("ho_ten"). */
const char *dc_field_name(dc_field_t f);

/* Encodings the loader knows. */
typedef enum dc_encoding {
    DC_ENC_AUTO = 0,
    DC_ENC_UTF8,
    DC_ENC_TCVN3,     /* TCVN 5712 VN3 / "ABC" */
    DC_ENC_VNI,       /* VNI-Windows */
    DC_ENC_VISCII,
    DC_ENC_CP1258,    /* Windows-1258 */
    DC_ENC__COUNT
} dc_encoding_t;

const char *dc_encoding_name(dc_encoding_t e);           /* "utf-8", "tcvn3", ... */
int dc_encoding_parse(const char *name, dc_encoding_t *out); /* 0 ok, -1 unknown */

/* Reasons a row is rejected. Stable names appear in rejects.csv. */
typedef enum dc_reject_reason {
    DC_REJ_FIELD_COUNT,     /* "field_count": wrong number of fields */
    DC_REJ_BAD_ENCODING,    /* "bad_encoding": bytes that cannot be decoded */
    DC_REJ_UNTERMINATED,    /* "unterminated_quote" */
    DC_REJ_NUL_BYTE,        /* "nul_byte" */
    DC_REJ_FIELD_TOO_LONG,  /* "field_too_long": over dc_load_opts.max_field */
    DC_REJ_NO_NAME,         /* "no_name": the row has an empty name (set by later stages too) */
    DC_REJ_DUPLICATE_ID,    /* "duplicate_record_id": a record_id already seen earlier in the same file */
    DC_REJ_MISSING_ID,      /* "missing_record_id": the file has a record_id column, this row's cell is empty */
    DC_REJ_RECORD_TOO_LONG, /* "record_too_long": longer than any valid record (columns x max_field):
                               skipped to the end of its line without being buffered whole */
    DC_REJ__COUNT
} dc_reject_reason_t;

const char *dc_reject_reason_name(dc_reject_reason_t r);

/* One accepted row. Field strings are UTF-8 NFC, not NUL-terminated unless
 * said; an absent column or an empty cell has len 0. */
typedef struct dc_row {
    const char *v[DC_F__COUNT];
    uint32_t len[DC_F__COUNT];
    const char *const *extra;     /* carried-through columns, in header order */
    const uint32_t *extra_len;
    uint64_t line;                /* 1-based physical line where the record starts */
    uint64_t seq;                 /* 1-based data row number within its file (accepted or not) */
} dc_row_t;

/* What the loader learnt about one input file. Filled before the first
 * batch of that file is processed, and completed (counts) at its end. */
typedef struct dc_source_info {
    uint32_t index;               /* position in the argument list */
    const char *path;             /* as given */
    const char *name;             /* the "source" column: dc_load_opts.source_names[index], else the
                                     basename without compression suffix (dc_source_name) */
    int id_is_line;               /* no record_id column: each row's record_id is the physical line
                                     where it starts (docs/OUTPUTS.md, row identity) */
    const char *compression;      /* "none", "zstd", "gzip" */
    dc_encoding_t encoding;       /* detected or forced */
    double encoding_confidence;   /* 0..1, 1 when forced */
    char delimiter;
    int has_bom, crlf;
    /* header mapping: for each input column, the canonical field it feeds
     * (-1: carried-through extra column; DC_F_HO_TEN also for split parts) */
    uint32_t ncols;
    char **col_names;             /* header cells as read (UTF-8), or "column_N" when
                                     header_by_position */
    int *col_field;
    uint32_t nextra;
    char **extra_names;           /* names of the carried-through columns */
    uint64_t rows_in, rows_ok;
    uint64_t rejected[DC_REJ__COUNT];
    uint64_t bytes_in;            /* bytes after decompression */
    /* added by the loader helper: */
    uint64_t blank_lines;         /* empty lines skipped (not rows) */
    uint64_t raw_bytes;           /* bytes of the file itself (compressed size) */
    uint64_t header_lines;        /* physical lines of the header record (0: empty file) */
    int cr_only;                  /* lines end with CR alone (read as LF) */
    int header_by_position;       /* the header row looked like data: col_names are
                                     "column_1".."column_N", never its contents */
} dc_source_info_t;

/* A batch of consecutive rows of one file. */
typedef struct dc_batch {
    const dc_source_info_t *src;
    uint64_t seq;                 /* global batch sequence number (commit order) */
    size_t n;
    dc_row_t *rows;
    uint64_t nbytes;              /* input bytes (after decompression) this batch covers */
    void *user;                   /* free slot for the sink (process -> commit) */
} dc_batch_t;

typedef struct dc_sink {
    /* Optional: per-worker context, created once per worker thread. */
    void *(*worker_init)(void *ud, int tid);
    void (*worker_free)(void *ud, void *wctx);
    /* Optional: called once per file, in order, before its first batch. */
    int (*source_begin)(void *ud, const dc_source_info_t *src);
    int (*process)(void *ud, void *wctx, dc_batch_t *b);   /* may be NULL */
    int (*commit)(void *ud, dc_batch_t *b);                /* may be NULL */
    void *ud;
} dc_sink_t;

typedef struct dc_load_opts {
    int nthreads;                 /* 0: all cores */
    char delimiter;               /* 0: detect among , ; TAB | */
    dc_encoding_t encoding;       /* DC_ENC_AUTO: detect per file */
    const char *mapping_file;     /* optional explicit header mapping (docs/INPUT.md) */
    const char *const *mappings;  /* optional "column=field" overrides, NULL-terminated */
    size_t max_field;             /* bytes; 0: default 65536 */
    size_t memory_limit;          /* bytes, 0: none: fail rather than buffer a record past it */
    size_t chunk_size;            /* bytes per parse chunk; 0: default 4 MiB */
    dc_table_t *rejects;          /* where reject rows go (source,line,reason,raw), may be NULL;
                                     written by the loader in input order */
    const char *const *source_names; /* optional: the source name of each path (dc_source_list) */
    int names_optional;           /* 1: a row with an empty name is kept (settings "require_name
                                     no", data that is not a register); 0: rejected as no_name */
} dc_load_opts_t;

/* Numeric options of dc_load_opts_t and their bounds. */
typedef enum dc_load_param {
    DC_LOAD_P_MAX_FIELD,     /* max_field: 16 B .. 256 MiB (0 = default 64 KiB) */
    DC_LOAD_P_CHUNK_SIZE,    /* chunk_size: 64 B (tests) .. 1 GiB (0 = default 4 MiB) */
} dc_load_param_t;
/*! dc_load_param_bounds() : the accepted range of a numeric load option. */
dc_bounds_t dc_load_param_bounds(dc_load_param_t p);

typedef struct dc_load_stats {
    uint32_t nsources;
    dc_source_info_t *sources;    /* owned by the loader until dc_load_stats_free */
    uint64_t rows_in, rows_ok, rows_rejected;
    uint64_t bytes_in;
    double seconds;
} dc_load_stats_t;

/* ------------------------------------------------------------ sources */

/* How a source is named: by the file's base name (the default: the name
 * truth files and deliveries use) or by the path as given. Either way
 * without a compression suffix (.zst, .zstd, .gz), "-" is "stdin", and an
 * invalid UTF-8 byte becomes U+FFFD. */
typedef enum dc_source_naming {
    DC_SOURCE_NAME_BASE = 0,
    DC_SOURCE_NAME_PATH = 1,
} dc_source_naming_t;

/*! dc_source_name_as() : the source name of `path` (malloc'd). */
char *dc_source_name_as(const char *path, dc_source_naming_t naming);
/*! dc_source_temporary_register() : 1 when the source name says the file
 *  is a temporary-residence register: its base name holds "tam_tru",
 *  "tam-tru", "tam tru" or "tamtru", in any case, or "tạm trú" / "tạm_trú"
 *  (docs/INPUT.md, "Permanent and temporary registers"). */
int dc_source_temporary_register(const char *name);
/*! dc_source_naming_parse() : "base" or "path". @return 0, or -1. */
int dc_source_naming_parse(const char *s, dc_source_naming_t *out);

/* The inputs of a run in canonical order: sorted by source name (bytes). */
typedef struct dc_source_list {
    size_t n;
    const char **paths;   /* borrowed from the caller's array */
    char **names;         /* owned: names[i] is the source name of paths[i] */
} dc_source_list_t;

/*! dc_source_list_make() :
 *  Check the inputs before any work and put them in canonical order:
 *  refused (-1, dc_seterr naming the paths, never their content) when two
 *  inputs would have the same source name, when one file is given twice
 *  (under any two paths: device and inode), or stdin twice. Otherwise
 *  `out` lists the inputs sorted by source name. Nothing is opened (a
 *  missing file is the loader's error). @return 0 or -1. */
int dc_source_list_make(const char *const *paths, size_t n, dc_source_naming_t naming, dc_source_list_t *out);
void dc_source_list_free(dc_source_list_t *l);

/*! dc_load() :
 *  Load `npaths` files through `sink`. Data errors become rejects; the call
 *  fails (-1, dc_seterr) only on I/O errors, a header that maps no name
 *  column, a truncated compressed stream, or a sink callback returning
 *  non-zero. `stats` is filled in either case and must be released with
 *  dc_load_stats_free(). */
int dc_load(const dc_load_opts_t *opts, const char *const *paths, size_t npaths,
            const dc_sink_t *sink, dc_load_stats_t *stats);
void dc_load_stats_free(dc_load_stats_t *stats);

#endif /* DC_LOADER_H */

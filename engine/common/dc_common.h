/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_common.h - the small base every dancu module stands on.
 *
 * Contents, in order:
 *   - error and logging conventions (dc_seterr / dc_log),
 *   - checked allocation (dc_xmalloc family: out of memory is fatal),
 *   - dc_buf_t, a growable byte buffer, and CSV field escaping,
 *   - dc_arena_t, a bump allocator for many small strings,
 *   - dc_pool_run, "run this function on N threads and join",
 *   - dc_intern_t, a thread-safe string interner (strings <-> uint32 ids),
 *   - dc_outfile_t, an output file written under a temporary name, mode
 *     0600, optionally zstd-compressed, renamed into place on commit.
 *
 * Conventions used across dancu:
 *   - Functions that can fail return 0 on success and -1 on failure, after
 *     recording a message with dc_seterr(); callers print dc_geterr().
 *   - Messages never contain personal data (names, ID numbers, addresses):
 *     they name a file, a line and a reason.
 *   - Data errors in input rows are not engine errors: they become reject
 *     rows or flags, never a failed call.
 */
#ifndef DC_COMMON_H
#define DC_COMMON_H

#include <stddef.h>   /* size_t */
#include <stdint.h>   /* uint32_t, uint64_t */
#include <stdio.h>    /* FILE */
#include <stdarg.h>   /* va_list */

#define DC_VERSION "0.1.0"

#define DC_UNUSED(x) ((void)(x))
#define DC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DC_MIN(a, b) ((a) < (b) ? (a) : (b))
#define DC_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__) || defined(__clang__)
#define DC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define DC_NORETURN __attribute__((noreturn))
#define DC_LIKELY(x) __builtin_expect(!!(x), 1)
#define DC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define DC_PRINTF(f, a)
#define DC_NORETURN
#define DC_LIKELY(x) (x)
#define DC_UNLIKELY(x) (x)
#endif

/* ---------------------------------------------------------------- errors */

/* Exit statuses of the dancu command (docs/OUTPUTS.md, "Exit statuses"). */
enum { DC_EXIT_OK = 0, DC_EXIT_FAIL = 1, DC_EXIT_USAGE = 2 };

/*! dc_seterr() :
 *  Record the calling thread's last error message (printf format).
 *  @return -1, so that `return dc_seterr(...)` reads naturally. */
int dc_seterr(const char *fmt, ...) DC_PRINTF(1, 2);
/*! dc_geterr() : the calling thread's last message ("" if none). */
const char *dc_geterr(void);

/* Log levels: 0 quiet (errors only), 1 normal, 2 verbose, 3 debug. */
extern int dc_log_level;
void dc_log(int level, const char *fmt, ...) DC_PRINTF(2, 3);
/*! dc_error() : print "dancu: error: ..." to stderr whatever the level. */
void dc_error(const char *fmt, ...) DC_PRINTF(1, 2);
/*! dc_die() : print the message and exit(DC_EXIT_FAIL). */
DC_NORETURN void dc_die(const char *fmt, ...) DC_PRINTF(1, 2);

/* ------------------------------------------------------------ allocation */

/* Checked allocators: they never return NULL (they call dc_die on out of
 * memory, naming the size). Use them for engine memory; a run that cannot
 * get memory cannot go on anyway. */
void *dc_xmalloc(size_t n);
void *dc_xcalloc(size_t count, size_t size);
void *dc_xrealloc(void *p, size_t n);
char *dc_xstrdup(const char *s);
char *dc_xstrndup(const char *s, size_t n);

/* Grow an array `p` of `*cap` elements of `size` bytes so that it holds at
 * least `need` elements (amortised doubling). Returns the new pointer. */
void *dc_grow(void *p, size_t *cap, size_t need, size_t size);

/* ---------------------------------------------------------------- buffer */

typedef struct dc_buf {
    char *p;     /* data, always NUL-terminated when len > 0 or cap > 0 */
    size_t len;  /* bytes used */
    size_t cap;  /* bytes allocated */
} dc_buf_t;

#define DC_BUF_INIT {NULL, 0, 0}

void dc_buf_reserve(dc_buf_t *b, size_t extra);
void dc_buf_put(dc_buf_t *b, const void *s, size_t n);
void dc_buf_puts(dc_buf_t *b, const char *s);
void dc_buf_putc(dc_buf_t *b, char c);
void dc_buf_printf(dc_buf_t *b, const char *fmt, ...) DC_PRINTF(2, 3);
void dc_buf_putu64(dc_buf_t *b, uint64_t v);
void dc_buf_clear(dc_buf_t *b);
void dc_buf_free(dc_buf_t *b);

/*! dc_buf_put_csv() :
 *  Append `s` as one RFC 4180 field: quoted (with quotes doubled) when it
 *  holds `delim`, a quote, CR or LF, or starts/ends with a space; verbatim
 *  otherwise. */
void dc_buf_put_csv(dc_buf_t *b, const char *s, size_t n, char delim);
/*! dc_buf_put_json_str() : append `s` as a JSON string literal (quoted,
 *  escaped; a byte that is not part of valid UTF-8 becomes \ufffd). The
 *  JSON writer (common/dc_json.h) writes every string with it. */
void dc_buf_put_json_str(dc_buf_t *b, const char *s, size_t n);

/*! dc_read_file() : whole file, NUL-terminated, malloc'd, decompressed when
 *  its name ends in ".zst"; NULL (dc_seterr) on error or when larger than
 *  `max` bytes (0: no limit). */
char *dc_read_file(const char *path, size_t *len, size_t max);   /* "-": standard input */

/* ----------------------------------------------------------------- arena */

/*! dc_huge_alloc() : n zeroed bytes, 2 MB aligned, with the kernel asked
 *  for transparent huge pages (madvise(MADV_HUGEPAGE): a hint, honoured
 *  where THP is in "madvise" or "always" mode). For large tables read at
 *  random, where 4 KB pages would make nearly every lookup miss the TLB.
 *  Out of memory is fatal. Free with dc_huge_free() (NULL is a no-op). */
void *dc_huge_alloc(size_t n);
void dc_huge_free(void *p);

/* A bump allocator: many small allocations, freed all at once. Not
 * thread-safe: give each thread its own arena. */
typedef struct dc_arena_block dc_arena_block_t;
typedef struct dc_arena {
    dc_arena_block_t *head;
    size_t block_size;  /* default block payload size */
    size_t total;       /* bytes allocated from the system */
} dc_arena_t;

void dc_arena_init(dc_arena_t *a, size_t block_size);
void *dc_arena_alloc(dc_arena_t *a, size_t n);          /* 8-byte aligned */
char *dc_arena_strndup(dc_arena_t *a, const char *s, size_t n); /* NUL-terminated copy */
void dc_arena_free(dc_arena_t *a);

/* ------------------------------------------------------------------ pool */

/*! dc_nthreads_default() : the number of online CPUs (at least 1). */
int dc_nthreads_default(void);

/* Bounds of a numeric option of an options struct (like zstd's
 * ZSTD_cParam_getBounds): each module states the range its options
 * accept next to the struct; the command line checks values against them. */
typedef struct dc_bounds {
    double lo, hi;
} dc_bounds_t;

/*! dc_threads_bounds() : a thread count: 0 (all cores) .. 1024. */
dc_bounds_t dc_threads_bounds(void);

/*! dc_pool_run() :
 *  Run fn(ctx, tid, nthreads) on `nthreads` threads (tid 0..nthreads-1) and
 *  wait for all. With nthreads <= 1 it runs inline on the caller's thread.
 *  If a thread cannot be created, its share runs inline after the others
 *  start, so the call never fails. */
typedef void (*dc_pool_fn)(void *ctx, int tid, int nthreads);
void dc_pool_run(int nthreads, dc_pool_fn fn, void *ctx);

/*! dc_parallel_for() :
 *  Call fn(ctx, i, tid) for every i in [0, n) on `nthreads` threads, handing
 *  out indices in blocks of `grain` through an atomic counter (dynamic
 *  schedule). The order of calls is unspecified: fn must write only to
 *  slots owned by i (or to per-tid state) for the result to be
 *  deterministic. */
typedef void (*dc_for_fn)(void *ctx, size_t i, int tid);
void dc_parallel_for(int nthreads, size_t n, size_t grain, dc_for_fn fn, void *ctx);

/* -------------------------------------------------------------- interner */

/* A thread-safe string interner. Each distinct byte string gets a uint32 id;
 * id 0 is reserved for "no value" and is returned for the empty string.
 *
 * Ids are opaque and NOT deterministic across thread counts (they are
 * handed out in arrival order). Use them for equality, hashing and lookups
 * only: never sort, order or write output by id value. Order by the string
 * (dc_intern_str) or by dc_intern_hash() instead. */
typedef struct dc_intern dc_intern_t;

dc_intern_t *dc_intern_create(void);
void dc_intern_free(dc_intern_t *in);
/*! dc_intern_reserve() : size the tables for about n distinct strings up
 *  front, so that they are not rehashed while they fill (a hint: more
 *  strings still fit). Call before interning from several threads. */
void dc_intern_reserve(dc_intern_t *in, size_t n);
/*! dc_intern() : the id of s[0..n) (copied in), creating it if new. Thread-safe. */
uint32_t dc_intern(dc_intern_t *in, const char *s, size_t n);
/*! dc_intern_find() : the id of s[0..n) if present, else 0. Thread-safe. */
uint32_t dc_intern_find(dc_intern_t *in, const char *s, size_t n);
/*! dc_intern_str() : the NUL-terminated string of `id` ("" for 0); `len`
 *  may be NULL. Safe from any thread once the id has been obtained. */
const char *dc_intern_str(const dc_intern_t *in, uint32_t id, size_t *len);
/*! dc_intern_prefetch() : a hint that s[0..n) will be interned soon: its
 *  table slot is fetched (no effect on results; several prefetched before
 *  their dc_intern calls overlap their cache misses). */
void dc_intern_prefetch(const dc_intern_t *in, const char *s, size_t n);
/*! dc_intern_prefetch_entry(), dc_intern_prefetch_str() : hints for a
 *  loop that will read the string of `id` soon (no effect on results):
 *  first the id's entry, a little later (once the entry is cached) the
 *  string itself. */
void dc_intern_prefetch_entry(const dc_intern_t *in, uint32_t id);
void dc_intern_prefetch_str(const dc_intern_t *in, uint32_t id);
/*! dc_intern_key() : the hash dc_intern() computes for s[0..n) (XXH3-64);
 *  dc_intern_with_key() : dc_intern() with it already computed.
 *  dc_intern_prefetch_key() : dc_intern_prefetch() with it;
 *  dc_intern_prefetch_hdr() : once that slot has arrived, a hint for the
 *  stored string it points to (takes the shard lock briefly). Used to
 *  overlap the two cache misses of several dc_intern() calls. */
uint64_t dc_intern_key(const char *s, size_t n);
uint32_t dc_intern_with_key(dc_intern_t *in, const char *s, size_t n, uint64_t key);
void dc_intern_prefetch_key(const dc_intern_t *in, uint64_t key);
void dc_intern_prefetch_hdr(dc_intern_t *in, uint64_t key);
/*! dc_intern_hash() : XXH3-64 of the string of `id` (0 for id 0). */
uint64_t dc_intern_hash(const dc_intern_t *in, uint32_t id);
/*! dc_intern_count() : number of ids handed out, plus one for id 0. */
uint32_t dc_intern_count(const dc_intern_t *in);
/*! dc_intern_bytes() : memory held by the interner, in bytes. */
size_t dc_intern_bytes(const dc_intern_t *in);

/* --------------------------------------------------------------- outfile */

/* An output file that only appears under its final name when complete.
 * Data goes to "<dir>/.<name>.tmp.<pid>" created with mode 0600; commit
 * flushes, fsyncs and renames it into place; abort (or a crash, or a
 * signal) leaves no file under the final name. Buffered; not thread-safe
 * (one writer per file). With DC_OUT_ZSTD the content is zstd-compressed
 * (streaming, level 3). */
typedef struct dc_outfile dc_outfile_t;
enum {
    DC_OUT_ZSTD = 1,
    DC_OUT_NOSYNC = 2,   /* commit renames without fsync: the caller syncs the file later (a store
                            syncs all the files of a generation together, before its manifest) */
};

/*! dc_outfile_open() : @return the handle, or NULL with dc_seterr().
 *  Path "-" is standard output: written as it comes (a failed run may
 *  leave part of it), commit flushes, abort stops. */
dc_outfile_t *dc_outfile_open(const char *path, int flags);
int dc_outfile_write(dc_outfile_t *f, const void *p, size_t n);
int dc_outfile_buf(dc_outfile_t *f, const dc_buf_t *b); /* write b->p[0..len) */
/*! dc_outfile_commit() : finish and rename into place; frees `f`.
 *  @return 0, or -1 (the temporary file is removed). */
int dc_outfile_commit(dc_outfile_t *f);
/*! dc_outfile_abort() : remove the temporary file; frees `f`. NULL is a no-op. */
void dc_outfile_abort(dc_outfile_t *f);
/*! dc_outfile_abort_all() : async-signal-safe: unlink every temporary file
 *  still open (for SIGINT/SIGTERM handlers). */
void dc_outfile_abort_all(void);
/*! dc_outfile_zstd() : 1 when `f` was opened with DC_OUT_ZSTD. */
int dc_outfile_zstd(const dc_outfile_t *f);
/*! dc_outfile_put_frame() : append a complete zstd frame, compressed by
 *  the caller (e.g. on another thread), to a DC_OUT_ZSTD file; what was
 *  written before through dc_outfile_write is first ended as a frame of its
 *  own. The file is then a sequence of frames (any zstd decoder reads it
 *  as one stream). @return 0 or -1 (dc_seterr). */
int dc_outfile_put_frame(dc_outfile_t *f, const void *frame, size_t n);
/*! dc_outfile_path() : the final path. */
const char *dc_outfile_path(const dc_outfile_t *f);

/* ----------------------------------------------------------------- table */

/* A table output (links, citizens, review, rejects, ...) in CSV (RFC 4180,
 * header row, LF) or JSON Lines (one object per row, keys = column names),
 * optionally zstd-compressed, written through dc_outfile (atomic, 0600).
 * Cells are given left to right; dc_table_end_row() checks the count. */
typedef struct dc_table dc_table_t;
typedef enum { DC_FMT_CSV = 0, DC_FMT_JSONL = 1 } dc_format_t;

/* Spreadsheet-formula guard of CSV tables (OWASP CSV injection), on by
 * default: a CSV string or header cell starting with = + - @ TAB CR or a
 * single quote is written with a single quote in front (undo: drop the
 * first character of every CSV cell that starts with a single quote).
 * JSON Lines and number cells are never changed. 0: cells as they are
 * (`--csv-formulas raw`). Set before any table is written. */
extern int dc_table_formula_guard;
/*! dc_table_formula_mode() : set the guard from a --csv-formulas argument,
 *  "escape" (1) or "raw" (0). @return 0, or -1 for anything else. */
int dc_table_formula_mode(const char *mode);

/*! dc_table_open() :
 *  Create "<dir>/<name>.csv" or ".jsonl", plus ".zst" when `compress`.
 *  `cols` (ncols names) are copied. @return NULL on error (dc_seterr). */
dc_table_t *dc_table_open(const char *dir, const char *name, dc_format_t fmt, int compress,
                          const char *const *cols, size_t ncols);
/*! dc_table_open_path() : the same for a file path ("-": standard output). */
dc_table_t *dc_table_open_path(const char *path, dc_format_t fmt, int compress, const char *const *cols,
                               size_t ncols);
void dc_table_str(dc_table_t *t, const char *s, size_t n);  /* string cell ("" allowed) */
void dc_table_cstr(dc_table_t *t, const char *s);           /* NUL-terminated string cell */
void dc_table_null(dc_table_t *t);                          /* empty CSV cell / JSON null */
void dc_table_u64(dc_table_t *t, uint64_t v);
void dc_table_i64(dc_table_t *t, int64_t v);
void dc_table_f64(dc_table_t *t, double v, int decimals);   /* fixed decimals, e.g. 0.9731 */
/*! dc_table_end_row() : @return 0, or -1 on a wrong cell count or I/O error. */
int dc_table_end_row(dc_table_t *t);
int dc_table_commit(dc_table_t *t);   /* frees t */
void dc_table_abort(dc_table_t *t);   /* frees t; NULL is a no-op */
const char *dc_table_path(const dc_table_t *t);
/*! dc_table_mem() : a table that only formats rows into memory (no file,
 *  no header), for writers that format blocks of rows on several threads:
 *  fill one memory table per block with the same cell calls, then move the
 *  blocks in order into the real table with dc_table_append(). Free it
 *  with dc_table_abort(). */
dc_table_t *dc_table_mem(dc_format_t fmt, const char *const *cols, size_t ncols);
/*! dc_table_append() : append the rows of memory table `mem` (same format
 *  and columns) to `t` and empty `mem`. @return 0 or -1 (I/O error). */
int dc_table_append(dc_table_t *t, dc_table_t *mem);
uint64_t dc_table_rows(const dc_table_t *t);
/*! dc_table_mem_put() : put `rows` rows formatted earlier by a table of
 *  the same format and columns (bytes of its file, without the CSV header
 *  line; any piece of them, `rows` counting the rows it completes) into
 *  memory table `mem`, after its rows: then dc_table_append() them
 *  (`run --resume` copies the load's rejects from its checkpoint so). */
void dc_table_mem_put(dc_table_t *mem, const char *bytes, size_t len, uint64_t rows);

/*! dc_table_write_blocks() :
 *  Rows [0, nrows) of `t`, formatted in blocks of `block` rows by
 *  fn(ctx, mem, lo, hi, tid) into memory tables on `nthreads` threads
 *  (tid < nthreads) and appended to `t` in block order as soon as each is
 *  ready: the calling thread writes (and compresses) finished blocks while
 *  the others format the next ones, and formats a block itself whenever
 *  the next one to write is not ready. At most 4 * nthreads blocks are held
 *  in memory. A compressed table (--compress) gets one zstd frame per
 *  block, compressed by the thread that formatted it. The file (compressed
 *  or not) does not depend on nthreads. fn makes whole rows
 *  with the dc_table_* cell calls and returns 0, or -1 (dc_seterr): the
 *  first failure stops the writing. @return 0 or -1 (dc_seterr). */
typedef int (*dc_table_block_fn)(void *ctx, dc_table_t *mem, size_t lo, size_t hi, int tid);
int dc_table_write_blocks(dc_table_t *t, int nthreads, size_t nrows, size_t block,
                          dc_table_block_fn fn, void *ctx);

/*! dc_format_fixed() : v with `decimals` decimals exactly as
 *  printf("%.*f") would write it, without printf, into out (at least 32
 *  bytes; NUL-terminated). @return the length, or 0 when it cannot (NaN,
 *  |v| * 10^decimals >= 2^31, more than 9 decimals, within 1e-6 of a
 *  rounding tie): use printf then. */
size_t dc_format_fixed(char *out, double v, int decimals);

/* -------------------------------------------------------------- progress */

/* Progress on standard error, only when it is a terminal and not --quiet:
 *   "merge          1,234,567 / 2,000,000 (62%)  410k/s  0:03  left 0:02"
 * redrawn at most 5 times a second on one line. dc_run_stage_begin/end
 * (engine/run) start and clear it for every stage; a stage that knows its
 * total calls dc_progress_begin(name, total) itself. dc_progress_add is
 * cheap (one atomic add) and thread-safe; the redraw happens on whichever
 * thread crosses the interval, never blocking the others. */
void dc_progress_init(int enabled);       /* enabled && isatty(2) */
/*! dc_progress_json() : instead of the line, one JSON object per line on
 *  standard error (whatever it is), at most one a second while a stage
 *  runs and one when it ends:
 *    {"stage": "load", "rows": N, "total": N|null, "fraction": F|null,
 *     "rate": rows/s, "elapsed": s, "run_elapsed": s, "remaining": s|null,
 *     "done": false|true}  (`dancu run --progress=json`). */
void dc_progress_json(void);
/*! dc_progress_set() : the stage's count of rows done, when it is known
 *  only at the end (never lowers the count). */
void dc_progress_set(uint64_t done);
void dc_progress_begin(const char *stage, uint64_t total);  /* total 0: unknown */
void dc_progress_add(uint64_t n);
/*! dc_progress_fraction() : share of the stage's work done (0..1), when it
 *  is known by another measure than the counted items (e.g. input bytes);
 *  gives the line a percentage and the time left. */
void dc_progress_fraction(double f);
void dc_progress_end(void);               /* clears the line (JSON: the "done" line) */
int dc_progress_active(void);

/* ------------------------------------------------------------------ misc */

/*! dc_now() : monotonic seconds. */
double dc_now(void);
/*! dc_format_size() : a byte count for people: "1 B", "1 KiB", "300 MiB",
 *  "1.5 GiB" (binary units, one decimal when not whole). @return out. */
const char *dc_format_size(uint64_t bytes, char out[32]);

/* The default --memory-limit of `dancu run`: this share of the memory the
 * process may use (docs/PERFORMANCE.md, "Memory limit"). */
#define DC_MEMORY_DEFAULT_SHARE 0.8

/*! dc_memory_default_limit() : DC_MEMORY_DEFAULT_SHARE of the smaller of
 *  MemTotal (from `meminfo`, NULL: /proc/meminfo) and the first cgroup
 *  memory limit found among the files `cgroup` (NULL-terminated; NULL:
 *  cgroup v2 /sys/fs/cgroup/memory.max, then v1 memory.limit_in_bytes;
 *  "max" means none). *base (may be NULL) gets that smaller figure.
 *  @return bytes, 0 when nothing could be read. */
size_t dc_memory_default_limit(const char *meminfo, const char *const *cgroup, uint64_t *base);

/*! dc_peak_rss_bytes() : peak resident set size of the process so far. */
size_t dc_peak_rss_bytes(void);
/*! dc_spilled_set() : [p, p + n) is a shared file mapping (the out-of-core
 *  records, engine/run/spill.c) whose pages may leave the process at any
 *  time: their data stays in the file. NULL: none. Call from one thread
 *  while no dc_spilled_drop runs. */
void dc_spilled_set(const void *p, size_t n);
/*! dc_spilled_drop() : drop the resident whole pages of [p, p + n) that
 *  lie in the spilled mapping from the process (madvise MADV_DONTNEED;
 *  they are read back from the page cache or the file when touched
 *  again); a no-op outside it, so a pass over records calls it behind
 *  itself whatever the path. Thread-safe. */
void dc_spilled_drop(const void *p, size_t n);
/*! dc_rss_anon_bytes() : the anonymous part of it (the heap, not mapped
 *  files; 0: unknown). */
size_t dc_rss_anon_bytes(void);
/*! dc_rss_bytes() : resident set size of the process now (0: unknown). */
size_t dc_rss_bytes(void);
/*! dc_hash64() : XXH3-64 of a byte string (wrapper so that modules need not
 *  include xxhash.h). */
uint64_t dc_hash64(const void *p, size_t n);
uint64_t dc_hash64_seed(const void *p, size_t n, uint64_t seed);

/* A 128-bit hash (XXH3-128): where a collision would be a silent wrong
 * answer (row identities, citizen keys), 64 bits are not enough at
 * national scale. */
typedef struct dc_hash128 {
    uint64_t hi, lo;
} dc_hash128_t;
/*! dc_hash128() : XXH3-128 of a byte string. */
dc_hash128_t dc_hash128(const void *p, size_t n);
/* Order (hi, then lo), equality, and the zero hash (never a key). */
static inline int dc_hash128_cmp(dc_hash128_t a, dc_hash128_t b)
{
    if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
    return a.lo != b.lo ? (a.lo < b.lo ? -1 : 1) : 0;
}
static inline int dc_hash128_eq(dc_hash128_t a, dc_hash128_t b) { return a.hi == b.hi && a.lo == b.lo; }
static inline int dc_hash128_zero(dc_hash128_t a) { return !a.hi && !a.lo; }

/* A map from 128-bit hashes (never zero) to 32-bit values: open addressing
 * on the key's low bits (keys are hashes), at most 3/4 full, growing when
 * needed. Only looked up, never iterated in slot order, so no result
 * depends on its layout (map128.c). One thread at a time. */
typedef struct dc_map128 {
    dc_hash128_t *key;   /* {0, 0}: an empty slot */
    uint32_t *val;
    size_t mask, n;      /* slots - 1; keys held */
} dc_map128_t;

/*! dc_map128_init() : an empty map sized for `n` keys (it grows beyond). */
void dc_map128_init(dc_map128_t *m, size_t n);
void dc_map128_free(dc_map128_t *m);
/*! dc_map128_put() : the value slot of `k`, made with value `v` when `k`
 *  is absent (*added = 1 then, else 0; `added` may be NULL). The pointer
 *  is valid until the next put. */
uint32_t *dc_map128_put(dc_map128_t *m, dc_hash128_t k, uint32_t v, int *added);
/*! dc_map128_get() : the value of `k`, or `none` when absent. */
uint32_t dc_map128_get(const dc_map128_t *m, dc_hash128_t k, uint32_t none);

#endif /* DC_COMMON_H */

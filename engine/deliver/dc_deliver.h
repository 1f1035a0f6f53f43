/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_deliver.h - deliver a completed run output folder into PostgreSQL.
 *
 * `dancu deliver OUT --to URL` and `dancu run --deliver URL` call
 * dc_deliver(). It reads OUT (a folder with _SUCCESS; tables in CSV or JSON
 * Lines, optionally .zst, exactly the files listed in _SUCCESS) and writes
 * them into one schema (default `dancu`) through libpq, in ONE transaction:
 *
 *   - a full run (no changes table in OUT): the tables citizens, links,
 *     review and rejects are emptied and reloaded with COPY ... FROM STDIN
 *     (FORMAT csv: CSV files are streamed as they are, JSON Lines are
 *     converted to CSV rows on the fly); their keys, indexes and foreign
 *     keys are dropped first and built after the bulk load;
 *   - a change set (OUT holds changes.csv, as a load of the persistent
 *     master will): the changes and the new state of the citizens and rows
 *     they name are copied into temporary tables, then applied as deletes
 *     and upserts, so that citizens and links equal the master's new full
 *     export (docs/DELIVERY.md states the contract assumed of the folder).
 *
 * The run is recorded in `runs` with its id and the XXH3-128 checksum of
 * the delivered tables; a run id already there is refused unless
 * `replace`. Any failure (an error, a lost connection, a killed process)
 * rolls the whole delivery back: the database is left as it was.
 *
 * Credentials come from the connection string, the PG* environment or a
 * service file, as libpq reads them; they are never printed: messages show
 * the target masked (dc_deliver_target()), and libpq's messages have any
 * password in them replaced by "***". Server messages about rows (data and
 * constraint errors) are reduced to their table, column, constraint and
 * COPY line, never the values.
 */
#ifndef DC_DELIVER_H
#define DC_DELIVER_H

#include <stddef.h>
#include <stdint.h>

/* The delivered tables, in delivery order. */
typedef enum {
    DC_DT_CITIZENS = 0,
    DC_DT_LINKS,
    DC_DT_REVIEW,
    DC_DT_REJECTS,
    DC_DT_CHANGES,
    DC_DT__COUNT
} dc_dtable_t;

typedef struct dc_deliver_opts {
    const char *outdir;    /* the run output folder (must hold _SUCCESS) */
    const char *conninfo;  /* postgresql:// URL or "key=value" conninfo; "" = PG* environment */
    const char *schema;    /* NULL: "dancu" */
    const char *run_id;    /* NULL: the checksum of the delivered tables */
    int replace;           /* deliver a run id that is already in `runs` again */
    int verify;            /* change set: check that citizens and links then equal
                              the folder's tables (which must be the full export) */
    int csv_raw;           /* the CSV tables were written with --csv-formulas raw;
                              0 (the default of dancu run): string cells that
                              start with a single quote had one added
                              (docs/OUTPUTS.md), which is removed here */
    int binary;            /* CSV tables sent in COPY's binary format (converted
                              here) instead of streamed as CSV */
    int log_level;         /* messages on stderr: 0 errors only, 1 a summary */
} dc_deliver_opts_t;

typedef struct dc_deliver_stats {
    char run_id[256];
    char checksum[48];             /* "xxh3-128:" + 32 hex digits */
    int changeset;                 /* 1: applied as a change set */
    uint64_t rows[DC_DT__COUNT];   /* rows read from each table of OUT */
    uint64_t rows_total;
    /* change set: rows changed in the database */
    uint64_t citizens_upserted, citizens_deleted, links_upserted, links_deleted;
    double seconds;                /* connect to commit */
    double copy_seconds;           /* in COPY (rows streamed) */
    double keys_seconds;           /* building keys, indexes and foreign keys (full run) */
    char target[512];              /* the masked target */
} dc_deliver_stats_t;

/*! dc_deliver() : deliver opts->outdir; fills `st` (may be NULL).
 *  @return 0 when committed, -1 (dc_seterr) when nothing was delivered. */
int dc_deliver(const dc_deliver_opts_t *opts, dc_deliver_stats_t *st);

/*! dc_deliver_target() : a printable form of the connection string with
 *  no password ("postgresql://user@host:port/db", fields libpq would take
 *  from the environment left out) into out[cap]. */
void dc_deliver_target(const char *conninfo, char *out, size_t cap);

/*! dc_deliver_table_name() : "citizens", "links", ... */
const char *dc_deliver_table_name(dc_dtable_t t);

#endif /* DC_DELIVER_H */

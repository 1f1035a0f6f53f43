/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_html.h - self-contained HTML pages: report.html, review.html and
 * `dancu explain --html`.
 *
 * A page is one file: inline CSS, inline SVG charts, at most a small
 * inline script (sorting tables, the review page's decisions); nothing is
 * fetched from anywhere (no fonts, no scripts, no images), so it opens
 * from the file system on a machine without network. Every chart is drawn
 * in C as SVG (it prints, and reads without JavaScript) and is followed by
 * the table of the numbers it draws.
 *
 * Every string that comes from the data (file names, column names, rule
 * texts) goes through dc_html_esc(), in text and in attributes alike.
 *
 * Test hooks (for the browser tests, tests/prog/check_pages.c): a page
 * opened with "#selftest" in its URL checks in the browser that every
 * chart (figure.chart) has a drawn SVG with at least one mark and its table
 * (the figure's data-table attribute) at least one row, and writes the verdict into the body's
 * data-selftest attribute ("ok N" or "fail: ids").
 *
 * Volatile parts (timings, memory, thread count: they differ from one run
 * to the next) are enclosed in DC_HTML_VOLATILE_BEGIN / _END comments, so
 * that the golden tests compare everything else byte for byte.
 */
#ifndef DC_HTML_H
#define DC_HTML_H

#include "common/dc_common.h"

#define DC_HTML_VOLATILE_BEGIN "<!--volatile-->"
#define DC_HTML_VOLATILE_END "<!--/volatile-->"

/*! dc_html_esc() : append `s` (n bytes) with & < > " ' escaped. */
void dc_html_esc(dc_buf_t *b, const char *s, size_t n);
/*! dc_html_escs() : the same for a NUL-terminated string (NULL: nothing). */
void dc_html_escs(dc_buf_t *b, const char *s);
/*! dc_html_count() : 1234567 as "1,234,567". */
void dc_html_count(dc_buf_t *b, uint64_t v);

/*! dc_html_begin() : doctype, head (title escaped, the shared style sheet
 *  and `extra_css` if not NULL) and the opening body tag. */
void dc_html_begin(dc_buf_t *b, const char *title, const char *extra_css);
/*! dc_html_end() : the shared script (table sorting, the #selftest hook),
 *  `script` (raw JavaScript, may be NULL) and the closing tags. */
void dc_html_end(dc_buf_t *b, const char *script);

/* ------------------------------------------------------------ charts */

#define DC_CHART_MAXSER 4

/* Kinds of horizontal bar charts. */
enum {
    DC_CHART_STACKED,     /* series stacked left to right (all values >= 0) */
    DC_CHART_GROUPED,     /* series side by side, one thin bar each */
    DC_CHART_SIGNED,      /* one series, negative values left of the zero axis */
    DC_CHART_WATERFALL,   /* one series: bar from `base` to base + v[0] */
};

typedef struct dc_chart_row {
    const char *label;            /* escaped when written */
    double v[DC_CHART_MAXSER];
    double base;                  /* DC_CHART_WATERFALL only */
    const char *text;             /* text right of the bar; NULL: v[0] (or the sum) formatted */
    int group;                    /* 1: first row of a group (a rule above it) */
    int cls;                      /* DC_CHART_WATERFALL: 0 auto (sign), 1 total bar */
} dc_chart_row_t;

typedef struct dc_chart {
    const char *id;               /* figure id */
    const char *table;            /* id of the table of its numbers; NULL: id + "-table" */
    const char *title;
    const char *series[DC_CHART_MAXSER];  /* legend; the count of non-NULL is the series count */
    int kind;                     /* DC_CHART_* */
    int decimals;                 /* of the default value text */
    const char *note;             /* a sentence under the chart, or NULL */
} dc_chart_t;

/*! dc_html_hbars() : a horizontal bar chart as <figure class="chart">. */
void dc_html_hbars(dc_buf_t *b, const dc_chart_t *c, const dc_chart_row_t *rows, size_t n);

/* A vertical line across a histogram at position `x` (in bin units: 0 is
 * the left edge of bin 0). */
typedef struct dc_chart_marker {
    double x;
    const char *label;
} dc_chart_marker_t;

/*! dc_html_histogram() : vertical bars (one per bin, labels under every
 *  `label_every`-th bin) with markers, as <figure class="chart">. */
void dc_html_histogram(dc_buf_t *b, const dc_chart_t *c, const char *const *bin_labels,
                       const double *values, size_t nbins, int label_every,
                       const dc_chart_marker_t *markers, size_t nmarkers);

/* ------------------------------------------------------------ tables */

/*! dc_html_table_begin() : <table class="sortable" id=id> with a header
 *  row; heads starting with '#' are numeric columns (right-aligned, the '#'
 *  is not shown). */
void dc_html_table_begin(dc_buf_t *b, const char *id, const char *const *heads, size_t n);
void dc_html_table_end(dc_buf_t *b);
/*! dc_html_td() / dc_html_td_u64() / dc_html_td_f() : one cell (text
 *  escaped; numbers right-aligned). */
void dc_html_td(dc_buf_t *b, const char *s);
void dc_html_td_u64(dc_buf_t *b, uint64_t v);
void dc_html_td_f(dc_buf_t *b, double v, int decimals);

/* ------------------------------------------------------------ explain */

/* One pair's match weights, for `dancu explain --html / --json`. */
typedef struct dc_explain_step {
    const char *column, *level;   /* "name", "exact" */
    double weight;
    const char *a, *b;            /* the two values shown, may be NULL */
} dc_explain_step_t;

typedef struct dc_explain {
    const char *source_a, *record_a, *source_b, *record_b;
    uint64_t line_a, line_b;
    double prior;                 /* log2 of the prior odds */
    const char *context;          /* the pair context (dc_context_name), may be NULL */
    const char *prior_from;       /* "context": that context's prior; "global": the model's */
    const dc_explain_step_t *steps;
    size_t nsteps;
    double total, probability;
    double match_threshold, review_threshold;   /* probabilities */
    const char *decision;         /* "link", "review", "no_link" */
    int cannot_link;
    const char *cluster_a, *cluster_b;          /* citizen keys, "" unknown */
} dc_explain_t;

/*! dc_explain_json() : the pair as one JSON object (steps in order, prior
 *  first implied, running total after each). */
void dc_explain_json(const dc_explain_t *e, dc_buf_t *out);
/*! dc_explain_html() : a page with the waterfall of the weights (prior,
 *  each comparison, the total) and the table of the same numbers. */
void dc_explain_html(const dc_explain_t *e, dc_buf_t *out);

#endif /* DC_HTML_H */

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * progress.c - one self-overwriting progress line on standard error, or
 * (--progress=json) one JSON line per tick for batch schedulers.
 *
 * The line is shown only when stderr is a terminal and the run is not
 * --quiet, so logs and pipes never receive carriage-return noise. JSON
 * lines (dc_progress_json) are written whatever stderr is, at most one per
 * second, plus one when each stage ends ("done": true), each by a single
 * write() (shorter than PIPE_BUF: never interleaved with other lines). dc_progress_add is
 * one relaxed atomic add plus, once per interval, a redraw by the thread
 * that wins a try-lock: workers never wait on the display. The line holds
 * counts, rates and times only, never data.
 */
#include "common/dc_common.h"

#include <pthread.h>    /* pthread_mutex_trylock */
#include <stdatomic.h>  /* atomic_uint_fast64_t */
#include <string.h>     /* strlen */
#include <unistd.h>     /* isatty, write */

#define INTERVAL 0.2
#define JSON_INTERVAL 1.0

static int g_enabled;
static int g_json;          /* JSON lines instead of the terminal line */
static double g_run_t0;     /* dc_progress_json() time: "run_elapsed" */
static const char *g_stage;
static uint64_t g_total;
static double g_t0;
static _Atomic double g_next;
static atomic_uint_fast64_t g_done;
static atomic_uint g_frac;   /* share done in millionths, 0 = unknown */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_drawn;

void dc_progress_init(int enabled)
{
    g_enabled = enabled && isatty(2);
    g_json = 0;
}

void dc_progress_json(void)
{
    g_enabled = 1;
    g_json = 1;
    g_run_t0 = dc_now();
}

int dc_progress_active(void) { return g_enabled; }

void dc_progress_begin(const char *stage, uint64_t total)
{
    if (!g_enabled) return;
    g_stage = stage;
    g_total = total;
    g_t0 = dc_now();
    atomic_store(&g_done, 0);
    atomic_store(&g_frac, 0);
    atomic_store(&g_next, g_t0 + (g_json ? JSON_INTERVAL : INTERVAL));
}

/* 1234567 -> "1,234,567" */
static void put_count(dc_buf_t *b, uint64_t v)
{
    char d[32];
    int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v);
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) dc_buf_putc(b, ',');
        dc_buf_putc(b, d[i]);
    }
}

static void put_rate(dc_buf_t *b, double r)
{
    if (r >= 1e6) dc_buf_printf(b, "%.1fM", r / 1e6);
    else if (r >= 1e3) dc_buf_printf(b, "%.0fk", r / 1e3);
    else dc_buf_printf(b, "%.0f", r);
}

static void put_time(dc_buf_t *b, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600) dc_buf_printf(b, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else dc_buf_printf(b, "%ld:%02ld", t / 60, t % 60);
}

/* One JSON line: stage, rows done, total (null unknown), share done (null
 * unknown), rows per second, seconds elapsed in the stage and in the run,
 * seconds left (null unknown), whether the stage is over. */
static void draw_json(double now, int done_flag)
{
    uint64_t done = atomic_load_explicit(&g_done, memory_order_relaxed);
    double el = now - g_t0;
    double rate = el > 0 ? (double)done / el : 0;
    double frac = atomic_load_explicit(&g_frac, memory_order_relaxed) / 1e6;
    if (g_total) frac = (double)DC_MIN(done, g_total) / (double)g_total;
    if (done_flag) frac = 1;
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_puts(&b, "{\"stage\": ");
    const char *st = g_stage ? g_stage : "";
    dc_buf_put_json_str(&b, st, strlen(st));
    dc_buf_printf(&b, ", \"rows\": %llu, \"total\": ", (unsigned long long)done);
    if (g_total) dc_buf_printf(&b, "%llu", (unsigned long long)g_total);
    else dc_buf_puts(&b, "null");
    if (frac > 0) dc_buf_printf(&b, ", \"fraction\": %.4f", frac);
    else dc_buf_puts(&b, ", \"fraction\": null");
    dc_buf_printf(&b, ", \"rate\": %.1f, \"elapsed\": %.3f, \"run_elapsed\": %.3f, \"remaining\": ", rate, el,
                  now - g_run_t0);
    if (done_flag) dc_buf_puts(&b, "0");
    else if (g_total && rate > 0 && done < g_total) dc_buf_printf(&b, "%.1f", (double)(g_total - done) / rate);
    else if (!g_total && frac >= 0.01 && frac < 1) dc_buf_printf(&b, "%.1f", el * (1 - frac) / frac);
    else dc_buf_puts(&b, "null");
    dc_buf_printf(&b, ", \"done\": %s}\n", done_flag ? "true" : "false");
    ssize_t w = write(2, b.p, b.len);
    DC_UNUSED(w);
    dc_buf_free(&b);
}

static void draw(double now)
{
    if (g_json) { draw_json(now, 0); return; }
    uint64_t done = atomic_load_explicit(&g_done, memory_order_relaxed);
    double el = now - g_t0;
    double rate = el > 0 ? (double)done / el : 0;
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_printf(&b, "\r%-14s ", g_stage ? g_stage : "");
    put_count(&b, done);
    if (g_total) {
        dc_buf_puts(&b, " / ");
        put_count(&b, g_total);
        dc_buf_printf(&b, " (%.0f%%)", 100.0 * (double)DC_MIN(done, g_total) / (double)g_total);
    }
    dc_buf_puts(&b, "  ");
    put_rate(&b, rate);
    dc_buf_puts(&b, "/s  ");
    put_time(&b, el);
    double frac = atomic_load_explicit(&g_frac, memory_order_relaxed) / 1e6;
    if (g_total && rate > 0 && done < g_total) {
        dc_buf_puts(&b, "  left ");
        put_time(&b, (double)(g_total - done) / rate);
    } else if (!g_total && frac >= 0.01 && frac < 1) {
        dc_buf_printf(&b, "  %.0f%%  left ", 100.0 * frac);
        put_time(&b, el * (1 - frac) / frac);
    }
    dc_buf_puts(&b, "\033[K");
    ssize_t w = write(2, b.p, b.len);
    DC_UNUSED(w);
    dc_buf_free(&b);
    g_drawn = 1;
}

void dc_progress_fraction(double f)
{
    if (!g_enabled) return;
    unsigned pm = f <= 0 ? 0 : f >= 1 ? 1000000u : (unsigned)(f * 1e6);
    atomic_store_explicit(&g_frac, pm, memory_order_relaxed);
}

void dc_progress_add(uint64_t n)
{
    if (!g_enabled) return;
    atomic_fetch_add_explicit(&g_done, n, memory_order_relaxed);
    double now = dc_now();
    if (now < atomic_load_explicit(&g_next, memory_order_relaxed)) return;
    if (pthread_mutex_trylock(&g_mu) != 0) return;
    if (now >= atomic_load(&g_next)) {
        atomic_store(&g_next, now + (g_json ? JSON_INTERVAL : INTERVAL));
        draw(now);
    }
    pthread_mutex_unlock(&g_mu);
}

void dc_progress_set(uint64_t done)
{
    if (!g_enabled || !g_stage) return;
    uint64_t cur = atomic_load_explicit(&g_done, memory_order_relaxed);
    if (done > cur) atomic_store_explicit(&g_done, done, memory_order_relaxed);
}

void dc_progress_end(void)
{
    if (!g_enabled) return;
    pthread_mutex_lock(&g_mu);
    if (g_json) {
        if (g_stage) draw_json(dc_now(), 1);
    } else if (g_drawn) {
        static const char clr[] = "\r\033[K";
        ssize_t w = write(2, clr, sizeof clr - 1);
        DC_UNUSED(w);
        g_drawn = 0;
    }
    g_stage = NULL;
    pthread_mutex_unlock(&g_mu);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * progress.c - one self-overwriting progress line on standard error.
 *
 * Shown only when stderr is a terminal and the run is not --quiet, so
 * logs and pipes never receive carriage-return noise. dc_progress_add is
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

static int g_enabled;
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
    atomic_store(&g_next, g_t0 + INTERVAL);
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

static void draw(double now)
{
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
        atomic_store(&g_next, now + INTERVAL);
        draw(now);
    }
    pthread_mutex_unlock(&g_mu);
}

void dc_progress_end(void)
{
    if (!g_enabled) return;
    pthread_mutex_lock(&g_mu);
    if (g_drawn) {
        static const char clr[] = "\r\033[K";
        ssize_t w = write(2, clr, sizeof clr - 1);
        DC_UNUSED(w);
        g_drawn = 0;
    }
    g_stage = NULL;
    pthread_mutex_unlock(&g_mu);
}

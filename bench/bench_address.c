/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_address.c - throughput of dc_addr_normalize() on realistic
 * addresses (built by bench/bench_address.sh against build/libdancu.a;
 * not part of the library).
 *
 *   bench_address [N] [THREADS]     (THREADS = 0: one single-thread pass only,
 *                                    to count instructions with `perf stat`)
 *
 * Builds N (default 200000) distinct addresses from the gazetteer with a
 * fixed seed, in the forms found in household registers: full pre-2025
 * addresses, abbreviated ones (P., Q., TP.), numbered wards (P5, F.05),
 * addresses without diacritics, without type words, post-2025 two-level
 * addresses and hamlet addresses. Then times, in the same process so that
 * the machine's load is shared: the gazetteer load; one pass of
 * dc_addr_normalize over all addresses without interning (parse + match +
 * text), and one with interning (what the normalize stage does), on
 * 1 thread and on THREADS threads (default 2). Each timing is the median
 * of 3 runs. Prints addresses/s and the share of addresses whose commune
 * was resolved.
 */
#include "normalize/address_internal.h"

#include <stdio.h>    /* printf */
#include <stdlib.h>   /* atoi, qsort */
#include <string.h>   /* strlen, memcpy */
#include <time.h>     /* clock_gettime */

static uint64_t rng = 0x2026112600000001ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static const char *abbrev(const char *full)
{
    static const char *const t[][2] = {{"Thành phố ", "TP. "}, {"Thị trấn ", "TT. "}, {"Thị xã ", "TX. "},
                                       {"Phường ", "P. "}, {"Huyện ", "H. "}, {"Quận ", "Q. "},
                                       {"Tỉnh ", "T. "}, {"Xã ", "X. "}};
    for (size_t i = 0; i < DC_ARRAY_LEN(t); i++)
        if (strncmp(full, t[i][0], strlen(t[i][0])) == 0) return t[i][1];
    return "";
}

static const char *const streets[] = {
    "Nguyễn Trãi", "Lê Lợi", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung",
    "Phan Đình Phùng", "Nguyễn Huệ", "Hùng Vương", "Lê Duẩn", "Điện Biên Phủ", "Cách Mạng Tháng Tám",
};

typedef struct job {
    const dc_gazetteer_t *gz;
    dc_intern_t *in;
    char **addr;
    size_t n;
    size_t resolved[64];
} job_t;

static void run_one(void *ctx, size_t i, int tid)
{
    job_t *j = ctx;
    dc_addr_t a;
    dc_addr_normalize(j->gz, j->in, j->addr[i], strlen(j->addr[i]), 0, &a, NULL);
    if (a.ward_old || a.ward_new) j->resolved[tid]++;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Median wall time of 3 runs; *cpu gets the CPU time of the same run. */
static double timed(job_t *j, int threads, size_t *resolved, double *cpu)
{
    double t[3], c[3];
    for (int r = 0; r < 3; r++) {
        memset(j->resolved, 0, sizeof j->resolved);
        double t0 = dc_now(), c0 = cpu_now();
        dc_parallel_for(threads, j->n, 512, run_one, j);
        t[r] = dc_now() - t0;
        c[r] = cpu_now() - c0;
    }
    *resolved = 0;
    for (int k = 0; k < 64; k++) *resolved += j->resolved[k];
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
            if (t[b] < t[a]) {
                double x = t[a]; t[a] = t[b]; t[b] = x;
                x = c[a]; c[a] = c[b]; c[b] = x;
            }
    *cpu = c[1];
    return t[1];
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 200000;
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    double tl[3];
    dc_gazetteer_t *gz = NULL;
    for (int r = 0; r < 3; r++) {
        double t0 = dc_now();
        dc_gazetteer_t *g = dc_gazetteer_load();
        tl[r] = dc_now() - t0;
        if (gz) dc_gazetteer_free(gz);
        gz = g;
    }
    double load = tl[0] < tl[1] ? (tl[1] < tl[2] ? tl[1] : (tl[0] < tl[2] ? tl[2] : tl[0]))
                                : (tl[0] < tl[2] ? tl[0] : (tl[1] < tl[2] ? tl[2] : tl[1]));

    size_t nold = dc_gazetteer_nwards(gz, 0), nnew = dc_gazetteer_nwards(gz, 1);
    char **addr = dc_xmalloc(n * sizeof *addr);
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        char buf[512], tmp[512];
        dc_ward_info_t w;
        int form = (int)rnd(8);
        unsigned house = 1 + rnd(300), hamlet = 1 + rnd(12);
        const char *st = streets[rnd(DC_ARRAY_LEN(streets))];
        if (form == 6) {
            dc_gazetteer_ward_info(gz, rnd((uint32_t)nnew), 1, &w);
            snprintf(buf, sizeof buf, "Số %u, %s, %s, %s", house, st, w.name, w.prov_name);
        } else {
            do dc_gazetteer_ward_info(gz, rnd((uint32_t)nold), 0, &w); while (!w.in2025);
            switch (form) {
            case 0: snprintf(buf, sizeof buf, "Số %u %s, %s, %s, %s", house, st, w.name, w.district_name, w.prov_name); break;
            case 1: snprintf(buf, sizeof buf, "%u %s, %s%s, %s%s, %s%s", house, st, abbrev(w.name), w.bare,
                             abbrev(w.district_name), w.district_bare, abbrev(w.prov_name), w.prov_bare); break;
            case 2: snprintf(tmp, sizeof tmp, "So %u %s, %s, %s, %s", house, st, w.name, w.district_name, w.prov_name);
                    dc_addr__strip_marks(tmp, strlen(tmp), buf, sizeof buf); break;
            case 3: snprintf(buf, sizeof buf, "Thôn %u, %s, %s, %s", hamlet, w.bare, w.district_bare, w.prov_bare); break;
            case 4: snprintf(buf, sizeof buf, "Tổ %u, Khu phố %u, %s, %s, %s", hamlet, 1 + rnd(9), w.name, w.district_name, w.prov_name); break;
            case 5: snprintf(buf, sizeof buf, "%u/%u %s %s %s %s", house, 1 + rnd(40), st, w.name, w.district_name, w.prov_name); break;
            default: snprintf(buf, sizeof buf, "Ấp %u, xã %s, huyện %s, tỉnh %s", hamlet, w.bare, w.district_bare, w.prov_bare); break;
            }
        }
        addr[i] = dc_xstrdup(buf);
        bytes += strlen(buf);
    }
    printf("addresses: %zu (%.1f bytes on average), gazetteer load: %.1f ms (median of 3)\n", n,
           (double)bytes / (double)n, load * 1e3);

    job_t j = {.gz = gz, .in = NULL, .addr = addr, .n = n};
    if (threads == 0) {   /* one plain pass, for `perf stat` (instructions per address) */
        memset(j.resolved, 0, sizeof j.resolved);
        double t0 = cpu_now();
        dc_parallel_for(1, n, 512, run_one, &j);
        printf("one pass: %.2f us CPU per address\n", (cpu_now() - t0) / (double)n * 1e6);
        return 0;
    }
    size_t res;
    double c1, cn, ci, cin;
    double t1 = timed(&j, 1, &res, &c1);
    printf("normalize, no interning, 1 thread:  %8.0f addresses/s wall, %8.0f per CPU-second (%.2f us CPU each); commune resolved %.1f%%\n",
           (double)n / t1, (double)n / c1, c1 / (double)n * 1e6, 100.0 * (double)res / (double)n);
    double tn = timed(&j, threads, &res, &cn);
    printf("normalize, no interning, %d threads: %8.0f addresses/s wall, %8.0f per CPU-second\n", threads,
           (double)n / tn, (double)n / cn);
    j.in = dc_intern_create();
    double ti = timed(&j, 1, &res, &ci);
    printf("normalize + intern, 1 thread:       %8.0f addresses/s wall, %8.0f per CPU-second\n", (double)n / ti,
           (double)n / ci);
    dc_intern_free(j.in);
    j.in = dc_intern_create();
    double tin = timed(&j, threads, &res, &cin);
    printf("normalize + intern, %d threads:      %8.0f addresses/s wall, %8.0f per CPU-second\n", threads,
           (double)n / tin, (double)n / cin);
    dc_intern_free(j.in);
    for (size_t i = 0; i < n; i++) free(addr[i]);
    free(addr);
    dc_gazetteer_free(gz);
    return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * main.c - `dancu`, subcommand dispatch and shared CLI helpers.
 */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "merge/dc_merge.h"
#include "run/dc_run.h"

#include <errno.h>     /* errno */
#include <dirent.h>    /* opendir */
#include <signal.h>    /* sigaction */
#include <stdlib.h>    /* strtol */
#include <string.h>    /* strcmp */
#include <sys/stat.h>  /* mkdir */
#include <unistd.h>    /* _exit */

typedef struct {
    const dc_cmd_spec_t *spec;   /* NULL: a hidden command outside the option table */
    int (*fn)(int, char **);
    const char *hidden;          /* its name */
} subcmd_t;

static const subcmd_t subcmds[] = {
    {&dc_spec_run, dc_cmd_run, NULL},
    {&dc_spec_load, dc_cmd_load, NULL},
    {&dc_spec_normalize, dc_cmd_normalize, NULL},
    {&dc_spec_gen, dc_cmd_gen, NULL},
    {&dc_spec_eval, dc_cmd_eval, NULL},
    {&dc_spec_explain, dc_cmd_explain, NULL},
    {&dc_spec_deliver, dc_cmd_deliver, NULL},
    {&dc_spec_blocks, dc_cmd_blocks, NULL},
    {&dc_spec_master, dc_cmd_master, NULL},
    {&dc_spec_sample, dc_cmd_sample, NULL},
    {&dc_spec_precision, dc_cmd_precision, NULL},
    {NULL, dc_cmd_store, "store"},   /* hidden (not listed, no man page): debugging the record store */
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: dancu COMMAND [OPTIONS] [ARGS]\n"
            "\n"
            "Deduplicate provincial household-register exports into one record per\n"
            "citizen.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < DC_ARRAY_LEN(subcmds); i++)
        if (subcmds[i].spec) fprintf(out, "  %-10s %s\n", subcmds[i].spec->name, subcmds[i].spec->summary);
    fprintf(out,
            "\n"
            "Options:\n"
            "  -h, --help         show this help\n"
            "  -V, --version      show the version\n"
            "      --man          print the manual page dancu(1) (roff)\n"
            "      --completion bash  print the bash completion script\n"
            "\n"
            "Run 'dancu help COMMAND' or 'dancu COMMAND --help' for a command's options.\n"
            "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

static const dc_cmd_spec_t *const *all_specs(size_t *n)
{
    static const dc_cmd_spec_t *v[DC_ARRAY_LEN(subcmds)];
    size_t k = 0;
    for (size_t i = 0; i < DC_ARRAY_LEN(subcmds); i++)
        if (subcmds[i].spec) v[k++] = subcmds[i].spec;
    *n = k;
    return v;
}

static const subcmd_t *find_cmd(const char *name)
{
    for (size_t i = 0; i < DC_ARRAY_LEN(subcmds); i++)
        if (!strcmp(name, subcmds[i].spec ? subcmds[i].spec->name : subcmds[i].hidden)) return &subcmds[i];
    return NULL;
}

int dc_cli_threads(const char *arg)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || *end || v < 0 || v > 1024) return -1;
    return v == 0 ? dc_nthreads_default() : (int)v;
}

int dc_cli_prepare_outdir(const char *dir, int force)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) return dc_seterr("%s exists and is not a directory", dir);
        DIR *d = opendir(dir);
        if (!d) return dc_seterr("cannot open %s: %s", dir, strerror(errno));
        int nonempty = 0;
        struct dirent *e;
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) { nonempty = 1; break; }
        closedir(d);
        if (nonempty && !force)
            return dc_seterr("output directory %s is not empty (use --force to write into it)", dir);
        return 0;
    }
    if (mkdir(dir, 0700) != 0) return dc_seterr("cannot create %s: %s", dir, strerror(errno));
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Append the files of directory `dir` (not hidden, not directories) in
 * byte order of their names. */
static int expand_dir(const char *dir, dc_cli_inputs_t *in, size_t *cap)
{
    DIR *d = opendir(dir);
    if (!d) return dc_seterr("cannot open directory %s: %s", dir, strerror(errno));
    size_t first = in->n;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;   /* ., .., hidden files */
        size_t len = strlen(dir) + 1 + strlen(e->d_name) + 1;
        char *p = dc_xmalloc(len);
        snprintf(p, len, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        struct stat st;
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) { free(p); continue; }
        in->owned = dc_grow(in->owned, cap, in->n + 1, sizeof *in->owned);
        in->owned[in->n++] = p;
    }
    closedir(d);
    if (in->n == first) return dc_seterr("directory %s holds no input file", dir);
    qsort(in->owned + first, in->n - first, sizeof *in->owned, cmp_str);
    return 0;
}

int dc_cli_inputs(const char *const *args, size_t nargs, dc_source_naming_t naming, dc_cli_inputs_t *in)
{
    memset(in, 0, sizeof *in);
    size_t cap = 0;
    for (size_t i = 0; i < nargs; i++) {
        struct stat st;
        if (strcmp(args[i], "-") && stat(args[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (expand_dir(args[i], in, &cap)) { dc_cli_inputs_free(in); return DC_EXIT_FAIL; }
            continue;
        }
        in->owned = dc_grow(in->owned, &cap, in->n + 1, sizeof *in->owned);
        in->owned[in->n++] = dc_xstrdup(args[i]);
    }
    if (dc_source_list_make((const char *const *)in->owned, in->n, naming, &in->list)) {
        dc_cli_inputs_free(in);
        return DC_EXIT_USAGE;
    }
    in->paths = in->list.paths;
    in->names = (const char *const *)in->list.names;
    return 0;
}

void dc_cli_inputs_free(dc_cli_inputs_t *in)
{
    dc_source_list_free(&in->list);
    for (size_t i = 0; i < in->n; i++) free(in->owned[i]);
    free(in->owned);
    memset(in, 0, sizeof *in);
}

static void on_signal(int sig)
{
    DC_UNUSED(sig);
    dc_outfile_abort_all();
    dc_output_abort_all();   /* staged outputs of `dancu run` */
    dc_spill_abort_all();    /* its out-of-core temporary folder */
    static const char msg[] = "dancu: interrupted: no output was written\n";
    static const char done[] = "dancu: interrupted after the outputs were complete (_SUCCESS written)\n";
    ssize_t w = dc_output_committed() ? write(2, done, sizeof done - 1) : write(2, msg, sizeof msg - 1);
    DC_UNUSED(w);
    _exit(DC_EXIT_FAIL);
}

void dc_cli_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
    if (argc < 2) return dc_cli_usage_error(NULL, "no command given");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || (!strcmp(cmd, "help") && argc == 2)) {
        usage(stdout);
        return DC_EXIT_OK;
    }
    if (!strcmp(cmd, "help")) {   /* dancu help COMMAND */
        const subcmd_t *sc = find_cmd(argv[2]);
        if (!sc || !sc->spec || argc > 3) return dc_cli_usage_error(NULL, "help: unknown command '%s'", argv[2]);
        dc_cli_help(sc->spec, stdout);
        return DC_EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("dancu %s\n", DC_VERSION);
        return DC_EXIT_OK;
    }
    size_t n;
    const dc_cmd_spec_t *const *specs = all_specs(&n);
    if (!strcmp(cmd, "--man")) {
        dc_cli_man(specs, n, stdout);
        return fflush(stdout) == 0 ? DC_EXIT_OK : DC_EXIT_FAIL;
    }
    if (!strcmp(cmd, "--completion")) {
        if (argc != 3 || strcmp(argv[2], "bash")) return dc_cli_usage_error(NULL, "--completion: only 'bash'");
        dc_cli_completion_bash(specs, n, stdout);
        return fflush(stdout) == 0 ? DC_EXIT_OK : DC_EXIT_FAIL;
    }
    const subcmd_t *sc = find_cmd(cmd);
    if (sc) {
        dc_cli_install_signals();
        return sc->fn(argc - 1, argv + 1);
    }
    return dc_cli_usage_error(NULL, "unknown command '%s'", cmd);
}

int dc_cli_write_out(const char *output, const dc_buf_t *ob)
{
    int wrc;
    if (output && strcmp(output, "-")) {
        dc_outfile_t *f = dc_outfile_open(output, 0);
        wrc = !f || dc_outfile_buf(f, ob) ? -1 : 0;
        if (f && wrc) dc_outfile_abort(f);
        else if (f) wrc = dc_outfile_commit(f);
    } else {
        wrc = fwrite(ob->p ? ob->p : "", 1, ob->len, stdout) == ob->len && fflush(stdout) == 0 ? 0
              : dc_seterr("cannot write to standard output");
    }
    return wrc;
}

/* test_slurm.c: the [slurm] section of experiment files (values, errors
 * naming the file, line and key) and the job-array script it shapes. */
#include "config.h"
#include "exp/expfile.h"
#include "exp/slurm.h"
#include "../tap.h"

#include <string.h>

static void expect_error(const char *text, const char *want1, const char *want2, const char *what)
{
    experiment e;
    sm_err err;
    sm_err_clear(&err);
    sm_status st = exp_parse(&e, text, strlen(text), "dir/exp.conf", &err);
    bool ok = st != SM_OK && strstr(err.msg, want1) && (!want2 || strstr(err.msg, want2));
    if (!tap_ok(ok, "error: %s", what))
        tap_diag("message: %s", err.msg);
    if (st == SM_OK)
        exp_free(&e);
}

/* The script for o over two runs, into buf. */
static bool script(const slurm_options *o, const char *out, char *buf, size_t n, sm_err *err)
{
    const char *ids[] = {"run-a", "it's-b"};
    FILE *f = fmemopen(buf, n, "w");
    if (!f)
        return false;
    sm_status st = slurm_script_write(f, o, "dir/exp.conf", out, "/work", ids, 2, err);
    fclose(f);
    return st == SM_OK;
}

int main(void)
{
    experiment e;
    sm_err err;
    sm_err_clear(&err);
    const char *text = "[experiment]\ndataset = synth:small\n[grid]\nseed = 1..3\n"
                       "[slurm]\npartition = cpu,long\naccount = lab-1\nqos = normal\ntime = 1-02:30:00\n"
                       "mem = 4G\ncpus_per_task = 2\nthrottle = 5\nsbatch = --constraint=avx2\n"
                       "sbatch = --mail-type=END\n";
    tap_ok(exp_parse(&e, text, strlen(text), "dir/exp.conf", &err) == SM_OK, "a [slurm] section parses");
    const slurm_options *o = &e.slurm;
    tap_ok(strcmp(o->partition, "cpu,long") == 0 && strcmp(o->account, "lab-1") == 0 &&
               strcmp(o->qos, "normal") == 0, "partition, account, qos");
    tap_ok(strcmp(o->time, "1-02:30:00") == 0 && strcmp(o->mem, "4G") == 0, "time, mem");
    tap_ok(o->cpus_per_task == 2 && o->throttle == 5, "cpus_per_task, throttle");
    tap_ok(o->nextra == 2 && strcmp(o->extra[1], "--mail-type=END") == 0, "sbatch lines in file order");
    tap_ok(exp_grid_size(&e) == 3, "the grid is untouched");

    static char buf[8192];
    tap_ok(script(o, "/scratch/t5", buf, sizeof buf, &err), "the script is written");
    tap_ok(strstr(buf, "#SBATCH --array=0-1%5\n") != NULL, "throttle: --array=0-1%%5");
    tap_ok(strstr(buf, "#SBATCH --output=/scratch/t5/logs/%A_%a.out\n") != NULL, "logs under OUT/logs");
    tap_ok(strstr(buf, "#SBATCH --requeue\n") && strstr(buf, "#SBATCH --open-mode=append\n"),
           "requeueable, the log appended to");
    tap_ok(strstr(buf, "#SBATCH --chdir=/work\n") != NULL, "the tasks run where the script was written");
    tap_ok(strstr(buf, "#SBATCH --partition=cpu,long\n#SBATCH --account=lab-1\n#SBATCH --qos=normal\n"
                       "#SBATCH --time=1-02:30:00\n#SBATCH --mem=4G\n#SBATCH --constraint=avx2\n"
                       "#SBATCH --mail-type=END\n") != NULL,
           "the [slurm] lines");
    tap_ok(strstr(buf, "#SBATCH --cpus-per-task=2\n") != NULL, "cpus per task");
    tap_ok(strstr(buf, "'it'\\''s-b'") != NULL, "run ids quoted for bash");
    tap_ok(strstr(buf, "--continue\n") != NULL, "tasks continue their runs");
    const char *sb = strstr(buf, "#SBATCH"), *body = strstr(buf, "set -eu");
    const char *last = sb;
    for (const char *p = sb; p && (p = strstr(p + 1, "#SBATCH"));)
        last = p;
    tap_ok(sb && body && last < body, "every #SBATCH line before the first command");
    exp_free(&e);

    slurm_options none;
    memset(&none, 0, sizeof none);
    tap_ok(script(&none, "/r", buf, sizeof buf, &err) && strstr(buf, "#SBATCH --array=0-1\n") &&
               !strstr(buf, "--partition") && !strstr(buf, "--time"),
           "no [slurm]: Slurm's defaults");
    tap_ok(!script(&none, "results", buf, sizeof buf, &err) && strstr(err.msg, "absolute"),
           "a relative output folder is refused");
    tap_ok(!script(&none, "/my results", buf, sizeof buf, &err) && strstr(err.msg, "blanks"),
           "a folder with a blank is refused");

    expect_error("[slurm]\npartition = a b\n", "dir/exp.conf:2", "partition", "a blank in a partition");
    expect_error("[slurm]\ntime = 2h\n", "dir/exp.conf:2", "time", "a time limit in hours");
    expect_error("[slurm]\ntime = 1:2:3:4\n", ":2", "time", "three colons");
    expect_error("[slurm]\nmem = 4GB\n", ":2", "mem", "mem 4GB");
    expect_error("[slurm]\ncpus_per_task = 0\n", ":2", "cpus_per_task", "zero CPUs");
    expect_error("[slurm]\nthrottle = x\n", ":2", "throttle", "a throttle that is not a number");
    expect_error("[slurm]\nsbatch = constraint=x\n", ":2", "sbatch", "an sbatch line without '-'");
    expect_error("[slurm]\nnodes = 2\n", ":2", "unknown key 'nodes' in [slurm]", "an unknown key");
    expect_error("\n\n[slurmm]\n", ":3", "[slurm]", "a misspelt section lists [slurm]");
    char many[2048] = "[slurm]\n";
    for (int i = 0; i <= SLURM_EXTRA_MAX; i++)
        strcat(many, "sbatch = --x\n");
    expect_error(many, ":18", "more than 16", "17 sbatch lines");

    tap_ok(slurm_on_path("sh"), "sh is on PATH");
    tap_ok(!slurm_on_path("selfmi-no-such-program"), "a missing program is not");
    return tap_done();
}

/* app.h: the dashboard's state and its pure parts: keys change the state,
 * a frame renders the state into a cellbuf. Nothing here calls curses or
 * owns threads: the terminal loop (term.c), the headless driver
 * (headless.c) and the tests all drive the same ui_app.
 *
 * The engine is reached through ui_backend (start and cancel runs, job
 * snapshots, a version counter); results come from disk through
 * results.h. */
#ifndef SELFMI_UI_APP_H
#define SELFMI_UI_APP_H

#include "exp/expfile.h"
#include "exp/queue.h"
#include "exp/search.h"
#include "exp/report.h"
#include "ui/cellbuf.h"
#include "ui/keys.h"
#include "ui/layout.h"
#include "ui/plot.h"
#include "rundir/rundir.h"
#include "ui/slurmwatch.h"

typedef enum { START_RUN, START_GRID, START_RERUN, START_GRID_SLURM } ui_start_kind;

/* A run of the experiment's grid: its id and its row (the axis values
 * without the seed). */
typedef struct {
    char run_id[256];
    char group[256];
} ui_plan_item;

/* An experiment's grid and [report] defaults for the Grid view (borrowed). */
typedef struct {
    const ui_plan_item *items;
    int n;
    const char *group_by, *reference;
} ui_plan;

typedef struct {
    void *ud;
    /* copies up to max job records; returns the number of jobs */
    int (*snapshot)(void *ud, job_info *out, int max);
    uint64_t (*version)(void *ud);
    /* starts runs; returns how many were queued (-1 on error) and a message */
    int (*start)(void *ud, ui_start_kind kind, const char *run_dir, char *msg, size_t n);
    void (*cancel)(void *ud, int job);
    /* the experiment files to choose from (selfmi --list-experiments');
     * *out malloc'd; NULL: no picker */
    sm_status (*experiments)(exp_listing **out, int *n, sm_err *err);
    /* makes path the experiment of new runs and of the grid (the queue and
     * its jobs go on); its plan into *plan, borrowed until the next switch;
     * false and a message when it cannot */
    bool (*switch_experiment)(void *ud, const char *path, ui_plan *plan, char *msg, size_t n);
} ui_backend;

/* One line of the Runs view: a run on disk, a job of this process, or both. */
typedef struct {
    rs_run *run;           /* NULL: queued, no directory yet */
    const job_info *job;   /* NULL: not run by this process */
    const char *id;
} ui_runrow;

/* One row of the Grid view: a row of report_build (exp/report.h) over the
 * runs the dashboard knows, with the runs it holds. */
#define GRID_MAX_METRICS REPORT_MAX_METRICS
typedef struct {
    char label[256];
    char key[256];         /* the row's label: kept across rebuilds (cursor, reference) */
    int nruns, ndone, nrunning;   /* runs held (finished + unfinished), finished used, unfinished */
    int ndup;              /* repeats of a configuration and seed left out */
    int nexpected;         /* runs of the row in the experiment's grid (0: unknown) */
    rs_run **runs;         /* (nruns) */
    double mean[GRID_MAX_METRICS], std[GRID_MAX_METRICS];
    double p[GRID_MAX_METRICS];   /* paired t-test against the reference; NaN = none */
    bool best[GRID_MAX_METRICS], sig[GRID_MAX_METRICS];
    bool has_cmp;
    report_cmp cmp;
    int npairs;
} ui_gridrow;

/* Grid rows Compare draws as bands: a mean and a band each, one colour each */
#define UI_CMP_MAX_ROWS 8

typedef enum { PROMPT_NONE, PROMPT_SEARCH, PROMPT_QUIT, PROMPT_DELETE, PROMPT_RERUN, PROMPT_GRID_WHERE } ui_prompt;

typedef struct {
    /* set up */
    char experiment[1300];
    bool color;
    bool ascii;
    ui_backend be;
    bool has_backend;

    /* terminal */
    int w, h;
    ui_layout lay;

    /* data */
    rs_store store;
    job_info *jobs;
    int njobs, cap_jobs;
    uint64_t jobs_version;
    ui_runrow *rows;
    int nrows, cap_rows;

    /* navigation */
    ui_view view;
    char cur_id[256];      /* the run under the cursor (kept across sorting) */
    int cur, top;
    char **selected;       /* ids selected for Compare */
    int nselected;
    int sort_col;
    bool sort_rev;
    char filter[256];

    /* Live */
    int live_focus;
    bool live_zoom, smooth, logy;
    double smooth_w;       /* the EMA's weight (Live and Compare), M steps it */

    /* Labels */
    rs_labels labels;
    char labels_run[256];
    dataset dsinfo;        /* the current run's dataset: labels and transcripts (features only for synth:) */
    char dsinfo_for[1024];
    int lab_mod;           /* 0 t, 1 a, 2 v */
    int lab_sample, lab_top;
    int lab_epoch;         /* index into labels.epoch, -1 = the last */
    int lab_focus;         /* 0 drift, 1 distribution, 2 heat map, 3 inspector */
    bool lab_zoom;
    char search[256];
    int lab_order;         /* the heat map's rows (s): LAB_ORDER_* */
    int *order;            /* (nsamp) sample order of the heat map */
    int norder;
    uint64_t labels_version;

    /* Grid */
    ui_plan_item *plan;    /* the experiment's grid (NULL: group what is on disk) */
    int nplan;
    char plan_group_by[256], plan_reference[256];
    ui_gridrow *grid;
    int ngrid;
    char **grid_metrics;   /* column names of test.csv shown (report's metrics) */
    int ngrid_metrics;
    const report_metric *grid_mdef;   /* (ngrid_metrics) titles, scales, decimals */
    char grid_title[256];  /* the grouping keys */
    char grid_note[1024];  /* report's warnings (repeats, pooled groups), "" = none */
    char grid_error[1024]; /* why there is no table ("" = none) */
    int grid_cur, grid_top, grid_metric, grid_sort;
    bool grid_sort_rev;
    char grid_ref[256];    /* key of the reference row shown ("" = none) */
    char grid_ref_user[256];   /* the reference row chosen with '*' ("" = report's default) */
    uint64_t grid_version;
    uint64_t grid_sig;     /* what the table was built from (ui_app_grid_rebuild skips a rebuild
                              when it is unchanged) */

    /* Grid of a search (view_search.c): the experiment's [search] section
     * (borrowed; NULL: no search), its resolved [config] (the trials'
     * base), the experiment file and the search's folder */
    const search_spec *srch_spec;
    config search_base;
    char search_exp_path[1024];
    char search_out[1024];
    int srch_cur, srch_top, srch_key;

    /* Compare */
    int cmp_metric;
    char cmp_rows[UI_CMP_MAX_ROWS][256];   /* Grid rows (keys) shown as their seeds' mean and band
                                               (C in the Grid view) */
    int ncmp_rows;         /* 0: the selected runs, one line each */
    int ncmp_rows_asked;   /* rows chosen, more than fit included */

    /* overlays and prompts */
    bool help;
    int help_top;
    exp_listing *picker;   /* the experiment picker's list (NULL: closed) */
    int npicker, picker_cur, picker_top;
    ui_prompt prompt;
    char prompt_run[256];  /* PROMPT_RERUN: the run asked about */
    char input[256];
    char msg[512];
    bool msg_error;
    bool quit;             /* the loop should end */
    bool keep_running;     /* quit leaving the runs going */
    bool interrupted;      /* ended by Ctrl-C or a signal, runs cancelled */
    int cancelled_on_quit; /* runs queued or running that quitting cancelled */

    /* mouse targets of the last frame */
    ui_rect tab_hit[VIEW_COUNT];
    ui_rect list_hit;      /* rows of the current list */
    int list_first;        /* index of the list's first visible row */

    bool dirty;            /* a frame is due */
    uint64_t store_version_seen;
    ui_slurm slurm;        /* Slurm's word on runs submitted with grid --slurm */
    ui_slurm_poller *slurm_poller;   /* asks squeue off this thread (NULL: ui_app_update asks) */
    uint64_t slurm_note_seen;        /* the poller's last scancel message shown */
} ui_app;

void ui_app_init(ui_app *a, const char *results_root, const char *exp_path, const ui_backend *be);
void ui_app_free(ui_app *a);
/* The experiment's grid for the Grid view (copied). */
/* The experiment is a search (ui_view_search); spec is borrowed. */
void ui_app_set_search(ui_app *a, const search_spec *spec, const config *base, const char *exp_path,
                       const char *out);
void ui_app_set_plan(ui_app *a, const ui_plan_item *items, int n, const char *group_by, const char *reference);
void ui_app_resize(ui_app *a, int w, int h);
/* From now on Slurm is asked by a thread of its own and ui_app_update only
 * takes its last answer: a slow or hung squeue never holds up a key. */
void ui_app_slurm_async(ui_app *a);
/* Refreshes jobs (when their version moved) and, when refresh_disk, the
 * results directories; true when a frame is due. */
bool ui_app_update(ui_app *a, bool refresh_disk);
/* Handles a key; true when a frame is due. */
bool ui_app_key(ui_app *a, uint32_t key);
/* A click at (x, y); true when a frame is due. */
bool ui_app_click(ui_app *a, int x, int y);
/* Renders the whole screen into b (resized to the app's size). */
void ui_app_render(ui_app *a, cellbuf *b);
/* Ctrl-C pressed twice or a signal (SIGINT, SIGTERM, SIGHUP): cancels what
 * runs and ends the loop; the program exits 130. */
void ui_app_interrupt(ui_app *a);
/* Number of jobs queued or running. */
int ui_app_active_jobs(const ui_app *a);

/* internal: shared by the views */
ui_runrow *ui_app_current(ui_app *a);
rs_run *ui_app_current_run(ui_app *a);
bool ui_app_is_selected(const ui_app *a, const char *id);
void ui_app_message(ui_app *a, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ui_app_rebuild_rows(ui_app *a);
/* The cursor line's look over cells [x0, x1) of row y. */
void ui_app_highlight(const ui_app *a, cellbuf *b, int x0, int x1, int y);
void ui_app_grid_rebuild(ui_app *a);
void ui_app_labels_sync(ui_app *a);

void ui_view_runs(ui_app *a, cellbuf *b, ui_rect r);
void ui_view_live(ui_app *a, cellbuf *b, ui_rect r);
void ui_view_labels(ui_app *a, cellbuf *b, ui_rect r);
void ui_view_grid(ui_app *a, cellbuf *b, ui_rect r);
void ui_view_compare(ui_app *a, cellbuf *b, ui_rect r);
void ui_view_search(ui_app *a, cellbuf *b, ui_rect r);
/* The heat map's row orders (s in the Labels view). */
enum { LAB_ORDER_DEVIATION, LAB_ORDER_MOVED, LAB_ORDER_DATA, LAB_ORDER_COUNT };
/* The Labels view's own keys (s row order, x modality); true when handled. */
bool ui_labels_request(ui_app *a, ui_request req);
/* The Grid view's keys for a search; true when handled; open_id gets a run
 * to show in Live ("" for none). */
bool ui_search_request(ui_app *a, ui_request req, char *open_id, size_t n);

/* Export of the current view's focused plot or table into the run's (or
 * the grid's: the results root) directory; the paths go to the message. */
void ui_export(ui_app *a);

/* Colours by meaning. */
int16_t ui_state_color(run_state s);
/* The state a row shows: its job's while this process queues or runs it,
 * else its directory's; a job that ended before its directory was made
 * (a dataset that cannot be read) is failed or cancelled, not queued. */
run_state ui_runrow_state(const ui_runrow *r);
/* The Runs view's glyph of a state: ... queued, running, done, failed,
 * cancelled, interrupted. */
const char *ui_state_glyph(run_state s, bool ascii);
extern const int16_t ui_series_colors[8];


/* ---- plots shared by views and export ---- */
#define UI_PLOT_MAX_SERIES 32
typedef struct {
    ui_series series[UI_PLOT_MAX_SERIES];
    int nseries;
    ui_hline hlines[4];
    int nhlines;
    ui_band bands[UI_CMP_MAX_ROWS];
    int nbands;
    ui_plot plot;
    char title[128];
    char slug[64];                     /* file name part for export */
    char names[UI_PLOT_MAX_SERIES][64];
    double *buf;                       /* all x and y arrays */
    int n;                             /* points per series */
    /* CSV export: the raw columns */
    int ncsv;
    const double *csv_x;
    const double *csv_y[UI_PLOT_MAX_SERIES];
    const char *csv_name[UI_PLOT_MAX_SERIES];
    char colnames[UI_PLOT_MAX_SERIES][96];   /* CSV column names the data made up */
    const char *csv_id_name;           /* a first column repeating csv_id (NULL: none) */
    char csv_id[128];
} ui_plotdata;

void ui_plotdata_free(ui_plotdata *d);
/* The Live view's panels: four of training, two of the Self-MI diagnostics. */
#define UI_LIVE_PANELS 6
/* Panels the Live view shows for run: 4, or 6 when its epochs.csv has the
 * u-labels' agreement with human labels (ul_corr_*). */
int ui_live_npanels(const rs_run *run);
/* Panel k (0 to UI_LIVE_PANELS - 1) of the Live view for a run. */
bool ui_live_plot(const ui_app *a, const rs_run *run, int k, ui_plotdata *d);
/* Writes d as <dir>/<slug>.csv and .svg (temp + rename); the paths into msg. */
bool ui_plot_export(const ui_plotdata *d, const char *dir, char *msg, size_t n);
/* The transcript of labels sample i, or NULL. */
const char *ui_app_sample_text(const ui_app *a, int i);
bool ui_labels_export(ui_app *a, const char *dir, char *msg, size_t n);
bool ui_compare_export(ui_app *a, const char *dir, char *msg, size_t n);

#endif

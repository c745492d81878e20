/* keys.h: keys map to requests (tig-style). One table binds them, names
 * them in scripts and generates the help screen and the help line, so the
 * help can never disagree with what a key does. */
#ifndef SELFMI_UI_KEYS_H
#define SELFMI_UI_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Key codes: Unicode code points, and these above them. */
enum {
    UI_KEY_UP = 0x110001, UI_KEY_DOWN, UI_KEY_LEFT, UI_KEY_RIGHT, UI_KEY_HOME, UI_KEY_END,
    UI_KEY_PGUP, UI_KEY_PGDN, UI_KEY_ENTER, UI_KEY_TAB, UI_KEY_BTAB, UI_KEY_ESC, UI_KEY_BACKSPACE,
    UI_KEY_DELETE, UI_KEY_F1, UI_KEY_F10, UI_KEY_RESIZE, UI_KEY_MOUSE, UI_KEY_CTRL_L, UI_KEY_CTRL_C,
    UI_KEY_CTRL_U, UI_KEY_CTRL_B, UI_KEY_CTRL_F, UI_KEY_NONE
};

/* The views, in tab order. */
typedef enum { VIEW_RUNS, VIEW_LIVE, VIEW_LABELS, VIEW_GRID, VIEW_COMPARE, VIEW_COUNT } ui_view;
#define VIEWS_ALL 0x1F
#define VIEW_BIT(v) (1u << (v))

/* X(request, help text) */
#define UI_REQUESTS(X)                                                         \
    X(REQ_VIEW_RUNS, "show the Runs view")                                     \
    X(REQ_VIEW_LIVE, "show the Live view (curves of the selected run)")        \
    X(REQ_VIEW_LABELS, "show the Labels view (u-label drift, inspector)")      \
    X(REQ_VIEW_GRID, "show the Grid view (ablation table)")                    \
    X(REQ_VIEW_COMPARE, "show the Compare view (selected runs)")               \
    X(REQ_VIEW_NEXT, "next view")                                              \
    X(REQ_VIEW_PREV, "previous view")                                          \
    X(REQ_UP, "move up")                                                       \
    X(REQ_DOWN, "move down")                                                   \
    X(REQ_LEFT, "move left / previous panel or epoch")                         \
    X(REQ_RIGHT, "move right / next panel or epoch")                           \
    X(REQ_TOP, "go to the first line")                                         \
    X(REQ_BOTTOM, "go to the last line")                                       \
    X(REQ_PGUP, "page up")                                                     \
    X(REQ_PGDN, "page down")                                                   \
    X(REQ_SEARCH, "Runs: filter the list by id, name, dataset, tasks or CPC setting (a new / starts empty, Esc clears it); Labels: find a sample by id or transcript")    \
    X(REQ_SEARCH_NEXT, "next match")                                           \
    X(REQ_SEARCH_PREV, "previous match")                                       \
    X(REQ_SORT, "Runs, Grid: sort by the next column; Labels: order the heat map's rows: farthest from y_m (|y_s - y_m| at the last epoch), most moved (the total |change| of y_s over the epochs), data order")    \
    X(REQ_SORT_REVERSE, "reverse the sort order")                              \
    X(REQ_SELECT, "select or unselect the line for Compare, then move down (Grid: all the row's runs)")                 \
    X(REQ_OPEN, "open: the run's curves, the grid row's runs")                 \
    X(REQ_COMPARE_ROWS, "Compare the selected rows (none: the cursor's): each row's seeds as their mean per epoch in a band from their min to their max") \
    X(REQ_NEW, "start a new run of the experiment")                            \
    X(REQ_NEW_GRID, "start the experiment's grid (every cell and seed)")       \
    X(REQ_CANCEL, "cancel the selected runs")                                  \
    X(REQ_RERUN, "run the selected run's configuration again")                 \
    X(REQ_DELETE, "move the selected runs to results/.trash")                  \
    X(REQ_SMOOTH, "smoothing (EMA) on/off; the raw line stays faint")          \
    X(REQ_SMOOTH_WEIGHT, "smoothing on, with the EMA's next weight: 0.3, 0.6, 0.8, 0.9, 0.95, 0.99 (shown in the plot's title)") \
    X(REQ_LOGY, "log / linear y axis")                                         \
    X(REQ_ZOOM, "zoom the focused plot to the whole view")                     \
    X(REQ_CYCLE, "next modality (Labels), metric (Grid) or epochs.csv column overlaid (Compare)")           \
    X(REQ_REFERENCE, "make the row the paired test's reference")              \
    X(REQ_WRITE_BEST, "a search: write best.conf from the best trial")         \
    X(REQ_EXPORT, "export the focused plot or table (CSV + SVG)")              \
    X(REQ_EXPERIMENTS, "pick another experiment (those selfmi --list-experiments lists): the grid and new runs are its from then on; runs already started go on") \
    X(REQ_HELP, "this help")                                                   \
    X(REQ_REDRAW, "redraw the screen")                                         \
    X(REQ_QUIT, "quit (asks first while runs are queued or running; so does C-c, twice cancels them)")

#define UI_REQ_ENUM(r, h) r,
typedef enum { REQ_NONE = 0, UI_REQUESTS(UI_REQ_ENUM) REQ_COUNT } ui_request;
#undef UI_REQ_ENUM

typedef struct {
    uint32_t key;
    ui_request req;
    unsigned views;          /* VIEW_BIT mask where the binding applies */
    const char *hint;        /* short label for the help line, or NULL */
} ui_binding;

extern const ui_binding ui_bindings[];
extern const int ui_nbindings;

/* The request of key in view (REQ_NONE when unbound). */
ui_request ui_key_request(uint32_t key, ui_view view);
/* "view-runs", "search-next", ... */
void ui_request_name(ui_request r, char *buf, size_t n);
const char *ui_request_help(ui_request r);
/* A key's display name: "q", "Up", "Enter", "Space", "F1", "^L". */
void ui_key_name(uint32_t key, char *buf, size_t n);
/* Parses a key name as in scripts ("j", "<Down>", "<Enter>", "<C-l>",
 * "<Space>"); returns the bytes consumed (0 = error) and the key. */
int ui_key_parse(const char *s, uint32_t *key);
const char *ui_view_name(ui_view v);

#endif

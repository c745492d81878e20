/* engine.h: the dashboard's backend on the engine: the worker queue
 * (exp/queue.h) and the experiment file (exp/expfile.h). It turns the
 * dashboard's start requests (a new run, the grid, a re-run) into queue
 * submissions and describes the experiment's grid for the Grid view. */
#ifndef SELFMI_UI_ENGINE_H
#define SELFMI_UI_ENGINE_H

#include "exp/expfile.h"
#include "exp/queue.h"
#include "ui/app.h"

typedef struct {
    queue *q;
    experiment exp;
    bool have_exp;
    char root[1024];
    ui_plan_item *plan;      /* the grid's runs: id and row label */
    int nplan;
} ui_engine;

/* Loads the experiment (NULL or "": none) and starts jobs workers (<= 0:
 * one per core) writing under root. */
sm_status ui_engine_open(ui_engine *e, const char *exp_path, const char *root, int jobs, sm_err *err);
/* Makes path the experiment of new runs and of the grid; the queue and its
 * jobs go on. A search (its trials have their own results folder) is
 * refused; on any error the old experiment stays. */
sm_status ui_engine_switch(ui_engine *e, const char *path, sm_err *err);
/* The backend functions the app calls. */
void ui_engine_backend(ui_engine *e, ui_backend *be);
/* Stops the workers: cancel = true cancels what runs (marked cancelled),
 * else waits for every job to finish. Frees everything. */
void ui_engine_close(ui_engine *e, bool cancel);

#endif

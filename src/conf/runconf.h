/* runconf.h: the fully resolved configuration of one run (below both the
 * model and the trainer, so neither folder includes the other's headers).
 *
 * Every field has a key of the same name (config_keys lists them with their
 * type, allowed values, default and meaning); `selfmi train --set key=value`,
 * experiment files and run.conf all go through config_set(). Presets
 * (SPEC section 7) fill the dataset-dependent defaults. */
#ifndef SELFMI_RUNCONF_H
#define SELFMI_RUNCONF_H

#include "base/base.h"
#include <stdio.h>

typedef enum { LABELS_MI, LABELS_MM, LABELS_NONE } labels_kind;
typedef enum { TEXT_CLS, TEXT_MEAN, TEXT_LSTM, TEXT_FROZEN } text_encoder_kind;
typedef enum { ULG_PRODUCT, ULG_CONCAT, ULG_SCORES } ulg_input_kind;
typedef enum { UWEIGHT_AUTO, UWEIGHT_TANH, UWEIGHT_ONE } uweight_kind;
typedef enum { METRICS_AUTO, METRICS_MOSI, METRICS_SIMS } metrics_kind;
typedef enum { PRESET_MOSI, PRESET_MOSEI, PRESET_SIMS, PRESET_SYNTH } preset_kind;

/* Group indices of the optimiser (SPEC section 5). */
enum { GROUP_TEXT = 0, GROUP_AUDIO = 1, GROUP_VIDEO = 2, GROUP_OTHER = 3, GROUP_COUNT = 4 };

typedef struct {
    /* what to train on */
    char dataset[1024];      /* dataset directory, or synth:PRESET */
    char dataset_id[24];     /* the dataset's fingerprint (run_identity), "" until a run resolves it */
    preset_kind preset;
    unsigned long seed;
    char name[128];          /* run name shown in the dashboard; "" = derived */

    /* model (SPEC sections 1-2) */
    text_encoder_kind text_encoder;
    int text_hidden, text_out;
    int audio_hidden, audio_out, video_hidden, video_out;
    int post_fusion_dim, post_text_dim, post_audio_dim, post_video_dim;
    float post_fusion_dropout, post_text_dropout, post_audio_dropout, post_video_dropout;
    float a_lstm_dropout, v_lstm_dropout;
    int head_depth;          /* 3 (Self-MM code) or 2 (Eq. 7/9 literally) */

    /* tasks and CPC (SPEC sections 3, 5) */
    bool tasks[3];           /* t, a, v unimodal tasks; M is always on */
    bool cpc_terms[3];       /* L_N^{mt}, L_N^{ma}, L_N^{mv} in the model's loss */
    float lambda_cpc;
    bool cpc_detach;         /* L_CPC trains G_s only */
    bool cpc_exclude_self;

    /* label generation (SPEC section 4) */
    labels_kind labels;
    int ulg_start;           /* first epoch (from 1) in which labels move */
    ulg_input_kind ulg_input;
    bool mm_zero_positive;
    uweight_kind uweight;
    float label_bound;       /* H; 0 = from the preset */

    /* optimisation (SPEC section 5) */
    float lr[GROUP_COUNT], wd[GROUP_COUNT];   /* text, audio, video, other */
    float lr_ulg, wd_ulg;    /* R_s's own Adam; defaults = other's */
    int batch_size, update_every;
    bool drop_tail_group;
    int early_stop, max_epochs;

    metrics_kind metrics;

    /* testing hooks */
    int inject_nan_epoch;    /* 0 = off; else a NaN enters the loss at this epoch */
    bool sealed_test;        /* a search trial: the test split is never evaluated */
} config;

typedef enum { CK_INT, CK_FLOAT, CK_BOOL, CK_ENUM, CK_STRING, CK_TASKS, CK_CPC } config_key_type;

typedef struct {
    const char *key;
    config_key_type type;
    const char *values;      /* enum choices "a|b|c", or a range such as ">= 1" */
    const char *help;
} config_key;

extern const config_key config_keys[];
extern const int config_nkeys;

/* Index of a key in config_keys, or -1. */
int config_key_find(const char *key);

/* Defaults of a preset (SPEC section 7). */
void config_defaults(config *c, preset_kind p);
/* Applies one key = value; on a bad key or value returns SM_EINVAL with a
 * message listing the valid keys or values. */
sm_status config_set(config *c, const char *key, const char *value, sm_err *err);
/* The value of a key as text (C locale), into buf. */
sm_status config_get(const config *c, const char *key, char *buf, size_t n, sm_err *err);
/* Cross-field checks (dims >= 1, 0 <= dropout < 1, ...): NULL or a message. */
const char *config_check(const config *c, char *buf, size_t n);
/* Writes every key as "key = value" lines (run.conf): numbers the shortest
 * text that reads back (numfmt_float: 0.001, not 0.00100000005), the CPC
 * set by its paper name (config_cpc_name). */
sm_status config_write(const config *c, FILE *f);
/* The same lines as earlier versions wrote them (numbers as %.9g, the CPC
 * set as a list "mt,ma"): the text a run's identity is hashed on
 * (rundir_config_hash), so run ids stay those of earlier results roots. */
sm_status config_write_identity(const config *c, FILE *f);
/* One name per CPC set (Table 6): "all", "none", "w/o L_N^mt" (two terms
 * on), "only L_N^ma" (one on); config_set also takes "w/o mt", "mt,ma",
 * "L_N^{mt}" ... */
void config_cpc_name(const bool t[3], char *buf, size_t n);
/* The short form in run ids: "all", "cpcav" (the terms on, by t, a, v). */
void config_cpc_id(const bool t[3], char *buf, size_t n);
/* Any accepted spelling of a CPC set (an old run.conf's "ma,mv", "w/o mt")
 * as its name; text that is no CPC set is copied unchanged. */
void config_cpc_label(const char *value, char *buf, size_t n);
/* Any accepted spelling of a CPC set into t; false when it is none. */
bool config_cpc_parse(const char *value, bool t[3]);
/* Reads "key = value" lines (run.conf, '#' comments; sm_kv_read: a key given
 * twice is refused, naming the file and line) on top of c. */
sm_status config_read_file(config *c, const char *path, sm_err *err);
sm_status config_preset_parse(const char *s, preset_kind *p, sm_err *err);
const char *config_preset_name(preset_kind p);

#endif

/* test_config.c: configuration keys, preset defaults (SPEC section 7), the
 * text form of every key and run.conf reading and writing. */
#include "config.h"
#include "conf/runconf.h"
#include "../tap.h"

#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[1024];

static void make_tmpdir(void)
{
    const char *b = getenv("top_builddir");
    snprintf(tmpdir, sizeof tmpdir, "%s/tests/unit/test_config.XXXXXX", b && *b ? b : ".");
    if (!mkdtemp(tmpdir)) {
        snprintf(tmpdir, sizeof tmpdir, "test_config.XXXXXX");
        if (!mkdtemp(tmpdir))
            tap_skip_all("cannot create a temporary directory");
    }
}

static const char *get(const config *c, const char *key)
{
    static char buf[1100];
    sm_err err;
    if (config_get(c, key, buf, sizeof buf, &err) != SM_OK)
        snprintf(buf, sizeof buf, "<error: %s>", err.msg);
    return buf;
}

/* a value as printable text for a TAP line (one line, at most 40 chars) */
static const char *shown(const char *v)
{
    static char buf[48];
    size_t i = 0;
    for (; v[i] && i < 40; i++)
        buf[i] = (v[i] >= ' ' && v[i] < 127) ? v[i] : '?';
    buf[i] = '\0';
    return buf;
}

/* set must fail with SM_EINVAL and a message holding every needle */
static void reject(const char *key, const char *value, const char *n1, const char *n2)
{
    config c;
    config_defaults(&c, PRESET_MOSI);
    config before = c;
    sm_err err = {0};
    sm_status st = config_set(&c, key, value, &err);
    int ok = st == SM_EINVAL && strstr(err.msg, n1) && (!n2 || strstr(err.msg, n2)) &&
             memcmp(&before, &c, sizeof c) == 0;
    tap_ok(ok, "%s = '%s' rejected, config unchanged: %s", key, shown(value), err.msg);
}

static void accept(config *c, const char *key, const char *value, const char *canonical)
{
    sm_err err = {0};
    sm_status st = config_set(c, key, value, &err);
    const char *g = get(c, key);
    tap_ok(st == SM_OK && strcmp(g, canonical) == 0, "%s = '%s' reads back as '%s' (got '%s') %s", key, value,
           canonical, g, st == SM_OK ? "" : err.msg);
}

static void test_defaults(void)
{
    config c;
    config_defaults(&c, PRESET_MOSI);
    tap_ok(c.batch_size == 32 && c.preset == PRESET_MOSI && c.seed == 1111, "mosi: batch 32, seed 1111");
    tap_ok(c.lr[GROUP_TEXT] == 1e-3f && c.wd[GROUP_TEXT] == 1e-3f, "mosi: text 1e-3 / 1e-3");
    tap_ok(c.lr[GROUP_AUDIO] == 1e-3f && c.wd[GROUP_AUDIO] == 1e-2f, "mosi: audio 1e-3 / 1e-2");
    tap_ok(c.lr[GROUP_VIDEO] == 1e-4f && c.wd[GROUP_VIDEO] == 1e-3f, "mosi: video 1e-4 / 1e-3");
    tap_ok(c.lr[GROUP_OTHER] == 1e-3f && c.wd[GROUP_OTHER] == 1e-3f, "mosi: other 1e-3 / 1e-3");
    tap_ok(c.lr_ulg == c.lr[GROUP_OTHER] && c.wd_ulg == c.wd[GROUP_OTHER], "mosi: R_s's Adam = other's");
    tap_ok(c.audio_hidden == 32 && c.audio_out == 16 && c.video_hidden == 64 && c.video_out == 32,
           "mosi: audio 32/16, video 64/32");
    tap_ok(c.post_fusion_dim == 128 && c.post_text_dim == 64 && c.post_audio_dim == 16 && c.post_video_dim == 32,
           "mosi: post dims 128/64/16/32");
    tap_ok(c.post_fusion_dropout == 0.1f && c.post_text_dropout == 0 && c.post_audio_dropout == 0.1f &&
               c.post_video_dropout == 0.1f,
           "mosi: dropouts .1/0/.1/.1");
    tap_ok(c.label_bound == 3 && c.early_stop == 8 && c.update_every == 4 && c.lambda_cpc == 0.1f,
           "mosi: H 3, early_stop 8, update_every 4, lambda_cpc 0.1");
    tap_ok(c.text_encoder == TEXT_CLS && c.text_hidden == 128 && c.text_out == 128 && c.head_depth == 3,
           "common: text cls 128/128, head depth 3");
    tap_ok(c.tasks[0] && c.tasks[1] && c.tasks[2] && c.cpc_terms[0] && c.cpc_terms[1] && c.cpc_terms[2],
           "common: all tasks and CPC terms on");
    tap_ok(c.labels == LABELS_MI && c.ulg_start == 2 && c.ulg_input == ULG_PRODUCT && c.uweight == UWEIGHT_AUTO &&
               c.max_epochs == 100 && c.metrics == METRICS_AUTO,
           "common: labels mi, ulg_start 2, product, uweight auto, 100 epochs, metrics auto");
    tap_ok(!c.cpc_detach && !c.cpc_exclude_self && !c.mm_zero_positive && !c.drop_tail_group &&
               c.inject_nan_epoch == 0 && c.a_lstm_dropout == 0 && c.v_lstm_dropout == 0,
           "common: switches off, LSTM dropouts 0");
    tap_ok(strcmp(c.dataset, "") == 0 && strcmp(c.name, "") == 0, "mosi: dataset and name empty");

    config_defaults(&c, PRESET_MOSEI);
    tap_ok(c.batch_size == 64 && c.preset == PRESET_MOSEI, "mosei: batch 64");
    tap_ok(c.lr[GROUP_AUDIO] == 5e-3f && c.wd[GROUP_AUDIO] == 0, "mosei: audio 5e-3 / 0");
    tap_ok(c.lr[GROUP_VIDEO] == 1e-4f && c.wd[GROUP_VIDEO] == 0, "mosei: video 1e-4 / 0");
    tap_ok(c.lr[GROUP_OTHER] == 1e-3f && c.wd[GROUP_OTHER] == 1e-2f && c.wd_ulg == 1e-2f,
           "mosei: other 1e-3 / 1e-2, ulg follows");
    tap_ok(c.audio_hidden == 32 && c.audio_out == 16 && c.video_hidden == 32 && c.video_out == 32,
           "mosei: audio 32/16, video 32/32");
    tap_ok(c.post_fusion_dim == 128 && c.post_text_dim == 32 && c.post_audio_dim == 16 && c.post_video_dim == 16,
           "mosei: post dims 128/32/16/16");
    tap_ok(c.post_fusion_dropout == 0.1f && c.post_text_dropout == 0.1f && c.post_audio_dropout == 0.1f &&
               c.post_video_dropout == 0.1f,
           "mosei: all dropouts .1");
    tap_ok(c.label_bound == 3, "mosei: H 3");

    config_defaults(&c, PRESET_SIMS);
    tap_ok(c.batch_size == 32 && c.preset == PRESET_SIMS, "sims: batch 32");
    tap_ok(c.lr[GROUP_TEXT] == 1e-3f && c.wd[GROUP_TEXT] == 1e-3f, "sims: text 1e-3 / 1e-3");
    tap_ok(c.lr[GROUP_AUDIO] == 5e-3f && c.wd[GROUP_AUDIO] == 1e-2f, "sims: audio 5e-3 / 1e-2");
    tap_ok(c.lr[GROUP_VIDEO] == 5e-3f && c.wd[GROUP_VIDEO] == 1e-2f, "sims: video 5e-3 / 1e-2");
    tap_ok(c.lr[GROUP_OTHER] == 1e-3f && c.wd[GROUP_OTHER] == 1e-3f, "sims: other 1e-3 / 1e-3");
    tap_ok(c.audio_hidden == 16 && c.audio_out == 16 && c.video_hidden == 64 && c.video_out == 32,
           "sims: audio 16/16, video 64/32");
    tap_ok(c.post_fusion_dim == 128 && c.post_text_dim == 64 && c.post_audio_dim == 16 && c.post_video_dim == 32,
           "sims: post dims 128/64/16/32");
    tap_ok(c.post_fusion_dropout == 0 && c.post_text_dropout == 0.1f && c.post_audio_dropout == 0 &&
               c.post_video_dropout == 0,
           "sims: dropouts 0/.1/0/0");
    tap_ok(c.label_bound == 1, "sims: H 1");

    config s, m;
    config_defaults(&s, PRESET_SYNTH);
    config_defaults(&m, PRESET_MOSI);
    tap_ok(strcmp(s.dataset, "synth:small") == 0 && s.preset == PRESET_SYNTH, "synth: dataset synth:small");
    s.preset = PRESET_MOSI;
    memset(s.dataset, 0, sizeof s.dataset);
    tap_ok(memcmp(&s, &m, sizeof s) == 0, "synth: otherwise the mosi values");

    for (int p = 0; p < 4; p++) {
        char buf[256];
        config_defaults(&c, (preset_kind)p);
        const char *msg = config_check(&c, buf, sizeof buf);
        tap_ok(msg == NULL, "preset %s passes config_check %s", config_preset_name((preset_kind)p), msg ? msg : "");
    }
}

static void test_keys(void)
{
    tap_ok(config_nkeys == 52, "52 keys: %d", config_nkeys);
    int dup = 0;
    for (int i = 0; i < config_nkeys; i++)
        for (int j = 0; j < i; j++)
            dup += strcmp(config_keys[i].key, config_keys[j].key) == 0;
    tap_ok(dup == 0, "key names are unique");
    int documented = 1;
    for (int i = 0; i < config_nkeys; i++)
        documented &= config_keys[i].values && *config_keys[i].values && config_keys[i].help &&
                      strlen(config_keys[i].help) > 10;
    tap_ok(documented, "every key has values and a help line");
    static const char *const arrays[] = {"lr_text", "wd_text", "lr_audio", "wd_audio",
                                         "lr_video", "wd_video", "lr_other", "wd_other"};
    int found = 1;
    for (int i = 0; i < 8; i++)
        found &= config_key_find(arrays[i]) >= 0;
    tap_ok(found && config_key_find("lr") < 0 && config_key_find("tasks") >= 0 &&
               config_key_find("cpc_terms") >= 0,
           "group arrays as lr_text .. wd_other; tasks and cpc_terms keys");

    config c;
    config_defaults(&c, PRESET_MOSI);
    sm_err err;
    tap_ok(config_set(&c, "lr_audio", "0.25", &err) == SM_OK && c.lr[GROUP_AUDIO] == 0.25f &&
               config_set(&c, "wd_video", "0.5", &err) == SM_OK && c.wd[GROUP_VIDEO] == 0.5f,
           "lr_audio and wd_video reach their array slots");
    /* every key: get -> set -> get is stable on every preset */
    int stable = 1;
    for (int p = 0; p < 4; p++) {
        config_defaults(&c, (preset_kind)p);
        for (int i = 0; i < config_nkeys; i++) {
            char a[1100], b[1100];
            config d = c;
            stable &= config_get(&c, config_keys[i].key, a, sizeof a, &err) == SM_OK;
            stable &= config_set(&d, config_keys[i].key, a, &err) == SM_OK;
            stable &= config_get(&d, config_keys[i].key, b, sizeof b, &err) == SM_OK && strcmp(a, b) == 0;
            stable &= memcmp(&c, &d, sizeof c) == 0;
        }
    }
    tap_ok(stable, "every key of every preset: set(get(x)) leaves the config bit-identical");

    /* float text round-trips exactly */
    int exact = 1;
    srand(7);
    for (int k = 0; k < 2000; k++) {
        float f = (float)ldexp((double)rand() / RAND_MAX + 0.5, -(rand() % 40));
        config d;
        config_defaults(&d, PRESET_MOSI);
        d.lr[GROUP_OTHER] = f;
        char a[64];
        config_get(&d, "lr_other", a, sizeof a, &err);
        d.lr[GROUP_OTHER] = 1;
        exact &= config_set(&d, "lr_other", a, &err) == SM_OK && d.lr[GROUP_OTHER] == f;
    }
    tap_ok(exact, "2000 random floats round-trip exactly through their text");
    config_defaults(&c, PRESET_MOSI);
    tap_ok(strcmp(get(&c, "lr_video"), "0.0001") == 0, "1e-4f is written as 0.0001: %s", get(&c, "lr_video"));
    tap_ok(strcmp(get(&c, "seed"), "1111") == 0 && strcmp(get(&c, "labels"), "mi") == 0 &&
               strcmp(get(&c, "cpc_detach"), "false") == 0 && strcmp(get(&c, "preset"), "mosi") == 0,
           "canonical int, enum, bool text");
    char tiny[3];
    tap_ok(config_get(&c, "labels", tiny, sizeof tiny, &err) == SM_OK &&
               config_get(&c, "seed", tiny, sizeof tiny, &err) == SM_EINVAL,
           "a too-small buffer is an error, not a truncation");
}

static void test_values(void)
{
    config c;
    config_defaults(&c, PRESET_MOSI);
    accept(&c, "batch_size", " 16 ", "16");
    accept(&c, "seed", "18446744073709551615", "18446744073709551615");
    accept(&c, "head_depth", "2", "2");
    accept(&c, "post_text_dropout", "0", "0");
    accept(&c, "post_text_dropout", "0.999", "0.999");
    accept(&c, "wd_audio", "0", "0");
    accept(&c, "lr_text", "5e-3", "0.005");
    accept(&c, "label_bound", "0", "0");
    accept(&c, "labels", "MM", "mm");
    accept(&c, "text_encoder", "lstm", "lstm");
    accept(&c, "uweight", "one", "one");
    accept(&c, "metrics", "sims", "sims");
    accept(&c, "ulg_input", "scores", "scores");
    accept(&c, "preset", "SIMS", "sims");
    tap_ok(c.batch_size == 16 && c.labels == LABELS_MM && c.preset == PRESET_SIMS && c.head_depth == 2,
           "values reached the fields");
    const char *yes[] = {"true", "1", "yes", "on", "TRUE", "On"};
    const char *no[] = {"false", "0", "no", "off", "False", "OFF"};
    int bools = 1;
    for (int i = 0; i < 6; i++) {
        sm_err err;
        bools &= config_set(&c, "cpc_detach", yes[i], &err) == SM_OK && c.cpc_detach;
        bools &= config_set(&c, "cpc_detach", no[i], &err) == SM_OK && !c.cpc_detach;
    }
    tap_ok(bools, "bools: true/false/1/0/yes/no/on/off in any case");
    accept(&c, "dataset", "  /data/my sets/mosi #2  ", "/data/my sets/mosi #2");
    accept(&c, "name", "", "");

    /* task subsets (Table 5) */
    accept(&c, "tasks", "M", "M");
    accept(&c, "tasks", "M,T", "M,T");
    accept(&c, "tasks", "M,A", "M,A");
    accept(&c, "tasks", "M,V", "M,V");
    accept(&c, "tasks", "M,T,A", "M,T,A");
    accept(&c, "tasks", "M,T,V", "M,T,V");
    accept(&c, "tasks", "M,A,V", "M,A,V");
    accept(&c, "tasks", "M,T,A,V", "M,T,A,V");
    accept(&c, "tasks", "v,a", "M,A,V");
    accept(&c, "tasks", "V, T, M", "M,T,V");
    accept(&c, "tasks", "mta", "M,T,A");
    accept(&c, "tasks", "M+A", "M,A");
    accept(&c, "tasks", "all", "M,T,A,V");
    tap_ok(c.tasks[0] && c.tasks[1] && c.tasks[2], "tasks all reached the field");
    accept(&c, "tasks", "m", "M");
    tap_ok(!c.tasks[0] && !c.tasks[1] && !c.tasks[2], "tasks M alone turns every unimodal task off");

    /* CPC term subsets (Table 6) */
    accept(&c, "cpc_terms", "all", "all");
    accept(&c, "cpc_terms", "none", "none");
    tap_ok(!c.cpc_terms[0] && !c.cpc_terms[1] && !c.cpc_terms[2], "cpc none reached the field");
    accept(&c, "cpc_terms", "w/o mt", "w/o L_N^mt");
    accept(&c, "cpc_terms", "w/o ma", "w/o L_N^ma");
    accept(&c, "cpc_terms", "W/O MV", "w/o L_N^mv");
    accept(&c, "cpc_terms", "w/omt", "w/o L_N^mt");
    accept(&c, "cpc_terms", "w/o L_N^ma", "w/o L_N^ma");
    accept(&c, "cpc_terms", "W/O L_N^{mv}", "w/o L_N^mv");
    accept(&c, "cpc_terms", "only L_N^mt", "only L_N^mt");
    accept(&c, "cpc_terms", "ma,mv", "w/o L_N^mt");
    accept(&c, "cpc_terms", "mv,mt", "w/o L_N^ma");
    accept(&c, "cpc_terms", "ma", "only L_N^ma");
    accept(&c, "cpc_terms", "MT, MA, MV", "all");
    tap_ok(c.cpc_terms[0] && c.cpc_terms[1] && c.cpc_terms[2], "cpc list reached the field");
}

static void test_rejections(void)
{
    /* unknown key: the message lists every valid key */
    config c;
    config_defaults(&c, PRESET_MOSI);
    sm_err err = {0};
    tap_ok(config_set(&c, "learning_rate", "1", &err) == SM_EINVAL, "unknown key is SM_EINVAL");
    int all = strstr(err.msg, "learning_rate") != NULL;
    for (int i = 0; i < config_nkeys; i++)
        all &= strstr(err.msg, config_keys[i].key) != NULL;
    tap_ok(all, "the message names the key and lists all %d valid keys: %s", config_nkeys, err.msg);
    char buf[16];
    tap_ok(config_get(&c, "nope", buf, sizeof buf, &err) == SM_EINVAL && strstr(err.msg, "inject_nan_epoch"),
           "config_get of an unknown key lists the keys too");

    reject("batch_size", "0", "batch_size", ">= 1");
    reject("batch_size", "-3", "batch_size", ">= 1");
    reject("batch_size", "1.5", "batch_size", ">= 1");
    reject("batch_size", "abc", "'abc'", ">= 1");
    reject("batch_size", "", "batch_size", ">= 1");
    reject("batch_size", "99999999999", "batch_size", ">= 1");
    reject("max_epochs", "0", "max_epochs", ">= 1");
    reject("post_fusion_dim", "0", "post_fusion_dim", ">= 1");
    reject("inject_nan_epoch", "-1", "inject_nan_epoch", ">= 0");
    reject("head_depth", "4", "head_depth", "2|3");
    reject("head_depth", "1", "head_depth", "2|3");
    reject("seed", "-1", "seed", ">= 0");
    reject("seed", "18446744073709551616", "seed", ">= 0");
    reject("post_fusion_dropout", "1", "post_fusion_dropout", "0 <= x < 1");
    reject("post_text_dropout", "-0.1", "post_text_dropout", "0 <= x < 1");
    reject("a_lstm_dropout", "nan", "a_lstm_dropout", "0 <= x < 1");
    reject("lr_text", "0", "lr_text", "> 0");
    reject("lr_audio", "-1e-3", "lr_audio", "> 0");
    reject("lr_video", "1e-50", "lr_video", "> 0");
    reject("lr_other", "inf", "lr_other", "> 0");
    reject("lr_ulg", "1e39", "lr_ulg", "> 0");
    reject("wd_other", "-0.5", "wd_other", ">= 0");
    reject("lambda_cpc", "0.1x", "lambda_cpc", ">= 0");
    reject("lambda_cpc", "0,1", "lambda_cpc", ">= 0");
    reject("label_bound", "-1", "label_bound", ">= 0");
    reject("labels", "self_mm", "labels", "mi|mm|none");
    reject("text_encoder", "bert", "text_encoder", "cls|mean|lstm|frozen");
    reject("ulg_input", "sum", "ulg_input", "product|concat|scores");
    reject("uweight", "", "uweight", "auto|tanh|one");
    reject("metrics", "mosei", "metrics", "auto|mosi|sims");
    reject("preset", "iemocap", "preset", "mosi|mosei|sims|synth");
    reject("cpc_detach", "maybe", "cpc_detach", "true|false|1|0|yes|no|on|off");
    reject("tasks", "M,X", "tasks", "M,T,A,V");
    reject("tasks", "", "tasks", "M,T,A,V");
    reject("tasks", "M,T,audio", "tasks", "M,T,A,V");
    reject("cpc_terms", "w/o mx", "cpc_terms", "w/o mt");
    reject("cpc_terms", "mt,tv", "cpc_terms", "mt,ma,mv");
    reject("cpc_terms", "", "cpc_terms", "none");
    reject("name", "two\nlines", "name", "control characters");
    char longv[1200];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    reject("dataset", longv, "dataset", "too long");
    longv[200] = '\0';
    reject("name", longv, "name", "at most 127");

    config bad;
    config_defaults(&bad, PRESET_MOSI);
    bad.batch_size = 0;
    char msg[256];
    const char *m = config_check(&bad, msg, sizeof msg);
    tap_ok(m && strstr(m, "batch_size") && strstr(m, ">= 1"), "config_check names a bad field: %s", m ? m : "");
    config_defaults(&bad, PRESET_MOSI);
    bad.post_audio_dropout = 1.0f;
    m = config_check(&bad, msg, sizeof msg);
    tap_ok(m && strstr(m, "post_audio_dropout"), "config_check: dropout 1: %s", m ? m : "");
    config_defaults(&bad, PRESET_MOSI);
    bad.labels = (labels_kind)7;
    m = config_check(&bad, msg, sizeof msg);
    tap_ok(m && strstr(m, "labels"), "config_check: enum out of range: %s", m ? m : "");

    preset_kind p;
    tap_ok(config_preset_parse("MoSeI", &p, &err) == SM_OK && p == PRESET_MOSEI &&
               strcmp(config_preset_name(PRESET_SYNTH), "synth") == 0,
           "preset parse and name");
    tap_ok(config_preset_parse("x", &p, &err) == SM_EINVAL && strstr(err.msg, "mosi|mosei|sims|synth"),
           "bad preset lists the valid ones: %s", err.msg);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_files(void)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/run.conf", tmpdir);
    sm_err err = {0};

    /* every key set away from its default, written, read back onto another preset */
    config a;
    config_defaults(&a, PRESET_SIMS);
    const char *sets[][2] = {
        {"dataset", "/data/with space/x#1"}, {"dataset_id", "0123456789abcdef"}, {"seed", "1115"},
        {"name", "mosi, T only"},
        {"text_encoder", "lstm"}, {"text_hidden", "17"}, {"text_out", "19"}, {"audio_hidden", "3"},
        {"audio_out", "5"}, {"video_hidden", "7"}, {"video_out", "9"}, {"post_fusion_dim", "11"},
        {"post_text_dim", "13"}, {"post_audio_dim", "15"}, {"post_video_dim", "21"},
        {"post_fusion_dropout", "0.15"}, {"post_text_dropout", "0.25"}, {"post_audio_dropout", "0.35"},
        {"post_video_dropout", "0.45"}, {"a_lstm_dropout", "0.55"}, {"v_lstm_dropout", "0.65"},
        {"head_depth", "2"}, {"tasks", "M,A"}, {"cpc_terms", "w/o mv"}, {"lambda_cpc", "0.3"},
        {"cpc_detach", "yes"}, {"cpc_exclude_self", "on"}, {"labels", "none"}, {"ulg_start", "5"},
        {"ulg_input", "concat"}, {"mm_zero_positive", "1"}, {"uweight", "tanh"}, {"label_bound", "2.5"},
        {"lr_text", "1.1e-3"}, {"wd_text", "1.2e-3"}, {"lr_audio", "1.3e-3"}, {"wd_audio", "1.4e-3"},
        {"lr_video", "1.5e-3"}, {"wd_video", "1.6e-3"}, {"lr_other", "1.7e-3"}, {"wd_other", "1.8e-3"},
        {"lr_ulg", "1.9e-3"}, {"wd_ulg", "2.1e-3"}, {"batch_size", "7"}, {"update_every", "3"},
        {"drop_tail_group", "true"}, {"early_stop", "4"}, {"max_epochs", "9"}, {"metrics", "mosi"},
        {"inject_nan_epoch", "3"}, {"sealed_test", "true"}, {"preset", "mosei"},
    };
    int nsets = (int)(sizeof sets / sizeof sets[0]);
    int setok = nsets == config_nkeys;
    for (int i = 0; i < nsets; i++)
        setok &= config_set(&a, sets[i][0], sets[i][1], &err) == SM_OK;
    tap_ok(setok, "every key set to a non-default value (%d of %d) %s", nsets, config_nkeys, setok ? "" : err.msg);
    FILE *f = fopen(path, "w");
    tap_ok(config_write(&a, f) == SM_OK, "config_write");
    fclose(f);
    config b;
    config_defaults(&b, PRESET_MOSI);
    tap_ok(config_read_file(&b, path, &err) == SM_OK, "config_read_file %s", err.msg);
    int same = 1;
    for (int i = 0; i < config_nkeys; i++) {
        char x[1100], y[1100];
        config_get(&a, config_keys[i].key, x, sizeof x, &err);
        config_get(&b, config_keys[i].key, y, sizeof y, &err);
        if (strcmp(x, y) != 0) {
            tap_diag("%s: '%s' vs '%s'", config_keys[i].key, x, y);
            same = 0;
        }
    }
    tap_ok(same, "every key round-trips through run.conf");
    tap_ok(memcmp(&a, &b, sizeof a) == 0, "the read config is bit-identical to the written one");
    tap_ok(strcmp(b.dataset, "/data/with space/x#1") == 0 && strcmp(b.name, "mosi, T only") == 0,
           "strings with spaces, commas and '#' survive");
    tap_ok(b.tasks[0] == false && b.tasks[1] == true && b.tasks[2] == false && b.cpc_terms[2] == false &&
               b.lr[GROUP_VIDEO] == 1.5e-3f && b.seed == 1115 && b.labels == LABELS_NONE,
           "spot-checked fields after reading");

    /* the written form */
    f = fopen(path, "r");
    char line[1200];
    int comment = 0, tasks_line = 0, cpc_line = 0, nkey = 0;
    while (fgets(line, sizeof line, f)) {
        comment += line[0] == '#';
        tasks_line += strcmp(line, "tasks = M,A\n") == 0;
        cpc_line += strcmp(line, "cpc_terms = w/o L_N^mv\n") == 0;
        nkey += line[0] != '#' && strstr(line, " = ") != NULL;
    }
    fclose(f);
    tap_ok(comment >= 1 && nkey == config_nkeys && tasks_line == 1 && cpc_line == 1,
           "run.conf: a header comment and one `key = value` per key (%d), subsets by name", nkey);
    /* a configuration not yet tied to a dataset writes no dataset_id line,
     * so its run.conf (and hash) is that of earlier versions */
    a.dataset_id[0] = '\0';
    char *mem = NULL;
    size_t mlen = 0;
    FILE *mf = open_memstream(&mem, &mlen);
    config_write(&a, mf);
    fclose(mf);
    tap_ok(mem && !strstr(mem, "dataset_id") && strstr(mem, "dataset = "), "no dataset_id line while it is empty");
    free(mem);
    /* sealed_test (a search trial) is written only when on, for the same
     * reason, and read back */
    tap_ok(a.sealed_test && b.sealed_test, "sealed_test = true is written and read back");
    a.sealed_test = false;
    mem = NULL;
    mf = open_memstream(&mem, &mlen);
    config_write(&a, mf);
    fclose(mf);
    tap_ok(mem && !strstr(mem, "sealed_test") && strstr(mem, "inject_nan_epoch = 3"),
           "no sealed_test line while it is off");
    free(mem);

    /* comments, blank lines, CRLF, spaces around '=' */
    write_text(path, "# a comment\n\n   # indented comment\r\nbatch_size=8\r\n  tasks =  t , v  \nlr_text\t=\t0.5\n");
    config_defaults(&b, PRESET_MOSI);
    tap_ok(config_read_file(&b, path, &err) == SM_OK && b.batch_size == 8 && b.tasks[0] && !b.tasks[1] &&
               b.tasks[2] && b.lr[GROUP_TEXT] == 0.5f && b.wd[GROUP_TEXT] == 1e-3f,
           "comments, blank lines, CRLF; other keys keep the values underneath %s", err.msg);

    /* errors name file:line and the key */
    write_text(path, "batch_size = 8\n# c\nlearning_rate = 1\n");
    tap_ok(config_read_file(&b, path, &err) == SM_EINVAL && strstr(err.msg, "run.conf:3") &&
               strstr(err.msg, "learning_rate") && strstr(err.msg, "batch_size"),
           "unknown key: file:line and the valid keys: %.120s...", err.msg);
    write_text(path, "\nlr_audio = -1\n");
    tap_ok(config_read_file(&b, path, &err) == SM_EINVAL && strstr(err.msg, "run.conf:2") &&
               strstr(err.msg, "lr_audio") && strstr(err.msg, "> 0"),
           "bad value: file:line, key, range: %s", err.msg);
    write_text(path, "batch_size 8\n");
    tap_ok(config_read_file(&b, path, &err) == SM_EFORMAT && strstr(err.msg, "run.conf:1") &&
               strstr(err.msg, "key = value"),
           "missing '=': %s", err.msg);
    write_text(path, " = 8\n");
    tap_ok(config_read_file(&b, path, &err) == SM_EFORMAT && strstr(err.msg, "run.conf:1"), "missing key: %s",
           err.msg);
    snprintf(line, sizeof line, "%s/absent.conf", tmpdir);
    tap_ok(config_read_file(&b, line, &err) == SM_EIO && strstr(err.msg, "absent.conf"), "missing file: %s",
           err.msg);
    unlink(path);
    rmdir(tmpdir);
}

/* Numbers in run.conf are the shortest text that reads back; the identity
 * text is exactly what "%.9g" writes, so run ids never change: compared
 * over powers of ten, ties, every float of a few ranges and random bit
 * patterns. */
static void test_number_text(void)
{
    config c;
    config_defaults(&c, PRESET_MOSI);
    char got[64], want[64];
    int bad = 0, badid = 0, tested = 0;
    uint32_t x = 2463534242u;
    char *mem = NULL;
    size_t mlen = 0;
    for (long i = 0; i < 1300000; i++) {
        float f;
        if (i < 200000) {
            f = (float)(i * 0.0005);                       /* 0 .. 100 by 0.0005 */
        } else if (i < 200300) {
            f = (float)pow(10.0, (double)(i - 200150) / 2.0);   /* powers of ten and between */
        } else if (i < 300000) {
            f = (float)(i - 200300) + 0.5f;                /* ties of the last digit */
        } else {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            memcpy(&f, &x, sizeof f);
        }
        if (isnan(f))
            continue;
        c.lambda_cpc = f;
        snprintf(want, sizeof want, "%.9g", (double)f);
        if (config_get(&c, "lambda_cpc", got, sizeof got, NULL) != SM_OK || strtof(got, NULL) != f ||
            strlen(got) > strlen(want)) {
            if (bad++ < 3)
                tap_diag("float %a: got '%s', %%.9g '%s'", (double)f, got, want);
        }
        if (i % 64 == 0) {   /* the identity text, as printf writes it */
            FILE *m = open_memstream(&mem, &mlen);
            config_write_identity(&c, m);
            fclose(m);
            char line[80];
            snprintf(line, sizeof line, "\nlambda_cpc = %s\n", want);
            if (!strstr(mem, line) && badid++ < 3)
                tap_diag("float %a: identity text lacks '%s'", (double)f, want);
            free(mem);
            mem = NULL;
        }
        tested++;
    }
    c.lambda_cpc = -0.0f;
    bad += config_get(&c, "lambda_cpc", got, sizeof got, NULL) != SM_OK || strcmp(got, "-0") != 0;
    tap_ok(bad == 0, "floats: the shortest text that reads back, never longer than %%.9g: %d of %d not", bad,
           tested + 1);
    tap_ok(badid == 0, "floats in the identity text as %%.9g: %d differ", badid);
    c.lambda_cpc = 0.001f;
    c.cpc_terms[0] = false;
    FILE *m = open_memstream(&mem, &mlen);
    config_write_identity(&c, m);
    fclose(m);
    tap_ok(strstr(mem, "\nlambda_cpc = 0.00100000005\n") && strstr(mem, "\ncpc_terms = ma,mv\n"),
           "identity text: 0.00100000005 and ma,mv as earlier versions wrote them");
    free(mem);
    bad = 0;
    static const int ints[] = {0, 1, -1, 9, 10, -10, 99, 100, 12345, -2147483647 - 1, 2147483647};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        c.max_epochs = ints[i];
        snprintf(want, sizeof want, "%d", ints[i]);
        bad += config_get(&c, "max_epochs", got, sizeof got, NULL) != SM_OK || strcmp(got, want) != 0;
    }
    c.seed = 18446744073709551615ul;
    bad += config_get(&c, "seed", got, sizeof got, NULL) != SM_OK || strcmp(got, "18446744073709551615") != 0;
    tap_ok(bad == 0, "integers as %%d and %%lu: %d differ", bad);
}

int main(void)
{
    make_tmpdir();
    test_number_text();
    test_defaults();
    test_keys();
    test_values();
    test_rejections();
    test_files();
    return tap_done();
}

## src/conf: the resolved configuration of a run (keys, defaults, checks,
## run.conf text); below both model and train
libselfmi_a_SOURCES += src/conf/runconf.h src/conf/runconf.c

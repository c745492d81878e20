## src/model: the Self-MI network
libselfmi_a_SOURCES += src/model/model.h src/model/model.c

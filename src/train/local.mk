## src/train: configuration, metrics, trainer, run store
libselfmi_a_SOURCES += src/train/config.h src/train/metrics.h src/train/trainer.h src/train/trainer.c
libselfmi_a_SOURCES += src/train/run.h src/train/run.c

## src/train: metrics, the trainer, runs (the run directory is src/rundir)
libselfmi_a_SOURCES += \
	src/train/metrics.h src/train/metrics.c \
	src/train/trainer.h src/train/trainer.c \
	src/train/run.h src/train/run.c

TESTS += tests/unit/test_config tests/unit/test_metrics
check_PROGRAMS += tests/unit/test_config tests/unit/test_metrics
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_LDADD = $(ENGINE_LIBS)
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_LDADD = $(ENGINE_LIBS)

TESTS += tests/unit/test_train_load
check_PROGRAMS += tests/unit/test_train_load
tests_unit_test_train_load_SOURCES = tests/unit/test_train_load.c
tests_unit_test_train_load_LDADD = $(ENGINE_LIBS)

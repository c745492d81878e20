## src/model: the Self-MI network
libselfmi_a_SOURCES += src/model/model.h src/model/model.c

# the whole model's gradient against finite differences, in double
TESTS += tests/unit/test_model_grad
check_PROGRAMS += tests/unit/test_model_grad
tests_unit_test_model_grad_CPPFLAGS = $(AM_CPPFLAGS) -DSM_REAL_DOUBLE
tests_unit_test_model_grad_SOURCES = tests/unit/test_model_grad.c src/model/model.c \
	src/nn/layers.c src/nn/lstm.c src/nn/loss.c src/nn/params.c $(LSTM_KERN_SOURCES) src/conf/runconf.c \
	src/tensor/blas.c src/base/base.c src/base/rng.c src/base/fsutil.c src/base/cpu.c src/base/numfmt.c
tests_unit_test_model_grad_LDADD = $(LAPACKE_LIBS) $(BLAS_LIBS) $(CSV_LIBS) $(LIBS)

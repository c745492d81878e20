## src/nn: layers, LSTM, losses, parameter store and Adam
LSTM_KERN_SOURCES = src/nn/lstm_kern.h src/nn/lstm_kern_impl.h src/nn/lstm_kern_generic.c \
	src/nn/lstm_kern_avx2.c src/nn/lstm_kern_avx512.c
libselfmi_a_SOURCES += src/nn/nn.h src/nn/nn_math.h src/nn/layers.c src/nn/lstm.c \
	src/nn/loss.c src/nn/params.c $(LSTM_KERN_SOURCES)

TESTS += tests/unit/test_nn tests/unit/test_nn_grad
check_PROGRAMS += tests/unit/test_nn tests/unit/test_nn_grad
tests_unit_test_nn_SOURCES = tests/unit/test_nn.c
tests_unit_test_nn_LDADD = $(ENGINE_LIBS)
# gradient checks: the nn sources compiled again with real = double
tests_unit_test_nn_grad_CPPFLAGS = $(AM_CPPFLAGS) -DSM_REAL_DOUBLE
tests_unit_test_nn_grad_SOURCES = tests/unit/test_nn_grad.c \
	src/nn/layers.c src/nn/lstm.c src/nn/loss.c src/nn/params.c $(LSTM_KERN_SOURCES) \
	src/tensor/blas.c src/base/base.c src/base/rng.c src/base/cpu.c
tests_unit_test_nn_grad_LDADD = $(LAPACKE_LIBS) $(BLAS_LIBS) $(CSV_LIBS) $(LIBS)

EXTRA_PROGRAMS += tests/bench/bench_lstm
BENCHES += tests/bench/bench_lstm
tests_bench_bench_lstm_SOURCES = tests/bench/bench_lstm.c
tests_bench_bench_lstm_LDADD = $(ENGINE_LIBS)

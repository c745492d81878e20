## src/tensor: the scalar type and the BLAS wrapper
libselfmi_a_SOURCES += src/tensor/tensor.h src/tensor/blas.c

## src/exp

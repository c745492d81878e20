## src/nn

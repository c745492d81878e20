## src/train

## src/model

## src/data

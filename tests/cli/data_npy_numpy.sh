#!/bin/sh
# data_npy_numpy.sh: .npy interoperability with numpy both ways. numpy
# writes a dataset (float64 2-D text, audio with -inf, int64 lengths, a
# version 2.0 file) that `selfmi info` reads; numpy reads what `selfmi
# synth` writes; files numpy writes that selfmi refuses (big-endian,
# Fortran order, object arrays, a NaN) are refused with the file named.
[ -n "$PYTHON3" ] && "$PYTHON3" -c 'import numpy' 2>/dev/null || { echo "skip: no numpy"; exit 77; }
work=$(mktemp -d "$top_builddir/tmp-npy-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$PYTHON3" - "$work/ds" <<'PY' || fail "numpy writes the dataset"
import csv, os, sys
import numpy as np
d = sys.argv[1]
os.makedirs(d)
rng = np.random.default_rng(0)
n = 6
with open(os.path.join(d, 'label.csv'), 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['video_id', 'clip_id', 'text', 'label', 'label_T', 'label_A', 'label_V', 'annotation', 'mode'])
    for i in range(n):
        w.writerow(['vid%d' % (i // 2), str(i), 'he said, "hi"\nthen left', 0.2 * i - 0.5, '', '', '', 'Neutral',
                    ['train', 'dev', 'test'][i % 3]])
np.save(os.path.join(d, 'text.npy'), rng.standard_normal((n, 768)))            # float64, (N, 768)
a = rng.standard_normal((n, 7, 5)).astype(np.float32)
a[1, 2, 3] = -np.inf
np.save(os.path.join(d, 'audio.npy'), a)
with open(os.path.join(d, 'vision.npy'), 'wb') as f:
    np.lib.format.write_array(f, rng.standard_normal((n, 4, 3)).astype(np.float32), version=(2, 0))
np.save(os.path.join(d, 'audio_lengths.npy'), np.array([7, 6, 5, 4, 3, 1], dtype=np.int64))
np.save(os.path.join(d, 'vision_lengths.npy'), np.array([4, 4, 4, 2, 2, 1], dtype=np.int32))
PY
"$SELFMI" info "$work/ds" >"$work/info" || fail "info on numpy's files"
cat "$work/info"
grep -q "samples  6 (train 2, valid 2, test 2)" "$work/info" || fail "counts"
grep -Eq "^text +1 +768 +1/1.0/1" "$work/info" || fail "text (N, 768) as L = 1"
grep -Eq "^audio +7 +5 +1/4.3/7" "$work/info" || fail "audio lengths"
grep -Eq "^vision +4 +3 +1/2.8/4" "$work/info" || fail "vision lengths (version 2.0 file)"

"$SELFMI" synth --seed 3 "$work/s" >/dev/null || fail "synth"
"$PYTHON3" - "$work/s" <<'PY' || fail "numpy reads selfmi's files"
import csv, os, sys
import numpy as np
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, 'label.csv'), newline='')))
n = len(rows)
assert n == 400, n
for m, (L, D) in {'text': (8, 768), 'audio': (20, 5), 'vision': (15, 20)}.items():
    x = np.load(os.path.join(d, m + '.npy'))
    ln = np.load(os.path.join(d, m + '_lengths.npy'))
    assert x.dtype == np.dtype('<f4') and x.shape == (n, L, D), (m, x.dtype, x.shape)
    assert ln.dtype == np.dtype('<i4') and ln.shape == (n,) and ln.min() >= 1 and ln.max() <= L, m
    assert np.isfinite(x).all()
    for i in range(n):
        assert not x[i, ln[i]:].any(), 'padding not zero'
y = np.array([float(r['label']) for r in rows])
yt = np.array([float(r['label_T']) for r in rows])
assert np.allclose(y * 5, np.round(y * 5), atol=1e-4) and np.abs(y).max() <= 3
print('numpy reads %d samples; corr(y_m, y_t) = %.2f' % (n, np.corrcoef(y, yt)[0, 1]))
PY

bad() { # $1 = python statement writing $work/ds/vision.npy, $2 = expected message
    cp "$work/ds/vision.npy" "$work/vision.keep"
    "$PYTHON3" -c "import numpy as np; x = np.load('$work/vision.keep'); $1" || fail "numpy: $1"
    "$SELFMI" info "$work/ds" 2>"$work/err" >/dev/null
    rc=$?
    cp "$work/vision.keep" "$work/ds/vision.npy"
    [ $rc -eq 2 ] || fail "accepted (exit $rc, expected 2): $1"
    cat "$work/err"
    grep -q "vision.npy" "$work/err" && grep -q "$2" "$work/err" || fail "message for: $1"
}
bad "np.save('$work/ds/vision.npy', x.astype('>f4'))" "big-endian"
bad "np.save('$work/ds/vision.npy', np.asfortranarray(x))" "Fortran"
bad "np.save('$work/ds/vision.npy', x.astype(object), allow_pickle=True)" "object arrays"
bad "np.save('$work/ds/vision.npy', x.astype(np.float16))" "'<f2'"
bad "np.save('$work/ds/vision.npy', x[:5])" "5 rows but label.csv has 6"
bad "x[3, 1, 2] = np.nan; np.save('$work/ds/vision.npy', x)" 'sample 3 (vid1\$_\$3): vision feature is NaN'
bad "x = np.ascontiguousarray(x); open('$work/ds/vision.npy', 'wb').write(open('$work/vision.keep', 'rb').read()[:-10])" "truncated data"
exit 0

# rel_check_dir.py ROOT...: every run directory under each ROOT is readable
# after a crash: a known status, run.conf present once the status is, logs
# of whole rows with the header's field count and epochs in order (a torn
# last line, left by a kill during an append, is absent to every reader of
# selfmi-results(5), so it is to this one: TORN=1 in the environment
# requires one, in some log), a
# checkpoint whose size, magic and CRC-32 hold, and test.csv and
# predictions.csv whole when the status says done. Prints one line per
# problem; exit 1 on any.
import csv, os, struct, sys, zlib

bad = []
torn = 0
def check_log(path, epochs_col0=True):
    with open(path, newline='') as f:
        data = f.read()
    global torn
    if data and not data.endswith('\n'):
        torn += 1
        data = data[:data.rfind('\n') + 1]
    rows = list(csv.reader(data.splitlines()))
    if not rows:
        return 0
    n = len(rows[0])
    last = 0
    for i, r in enumerate(rows[1:], 2):
        if len(r) != n:
            bad.append('%s: line %d: %d fields, header %d' % (path, i, len(r), n))
        e = int(r[0])
        if e < last:
            bad.append('%s: line %d: epoch %d after %d' % (path, i, e, last))
        last = e
    return last

def check_ckpt(path):
    b = open(path, 'rb').read()
    if len(b) < 32 or b[:8] != b'SELFMICK':
        bad.append(path + ': bad magic or too short')
        return
    size = struct.unpack_from('<Q', b, 16)[0]
    if size != len(b):
        bad.append('%s: size %d, header says %d' % (path, len(b), size))
        return
    crc = struct.unpack_from('<I', b, len(b) - 4)[0]
    if zlib.crc32(b[:-4]) & 0xffffffff != crc:
        bad.append(path + ': CRC mismatch')

for root in sys.argv[1:]:
    for run in sorted(os.listdir(root)):
        d = os.path.join(root, run)
        if run.startswith('.') or not os.path.isdir(d):
            continue
        st = os.path.join(d, 'status')
        if not os.path.exists(st):
            continue
        s = open(st).read().strip()
        if s not in ('queued', 'running', 'done', 'cancelled') and not s.startswith('failed: '):
            bad.append('%s: status %r' % (st, s))
        if not os.path.exists(os.path.join(d, 'run.conf')):
            bad.append(d + ': status without run.conf')
        for log in ('epochs.csv', 'labels.csv'):
            p = os.path.join(d, log)
            if os.path.exists(p):
                check_log(p)
        p = os.path.join(d, 'checkpoint')
        if os.path.exists(p):
            check_ckpt(p)
        if s == 'done':
            for f in ('test.csv', 'predictions.csv'):
                p = os.path.join(d, f)
                if not os.path.exists(p):
                    bad.append(p + ': missing in a done run')
                else:
                    rows = list(csv.reader(open(p, newline='')))
                    if len(rows) < 2 or any(len(r) != len(rows[0]) for r in rows):
                        bad.append(p + ': not whole')
if os.environ.get('TORN') == '1' and not torn:
    bad.append('no torn last line in any log')
for b in bad:
    print(b)
sys.exit(1 if bad else 0)

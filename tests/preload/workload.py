# SPDX-License-Identifier: MIT
# A python3 workload for tests/preload: dicts, lists, strings, threads and
# a subprocess, printing results that must not depend on the allocator.
import hashlib
import subprocess
import sys
import threading

words = {}
for i in range(200000):
    w = "w%x" % (i * 2654435761 % 1000003)
    words[w] = words.get(w, 0) + len(w)
print("dict", len(words), sum(words.values()))

rows = [[j * i % 97 for j in range(50)] for i in range(4000)]
rows.sort(key=lambda r: (sum(r), r[:3]))
print("lists", sum(map(sum, rows)), rows[0][:5], rows[-1][:5])

text = " ".join(str(i * i) for i in range(100000))
parts = text.split(" ")
joined = "-".join(reversed(parts))
print("strings", len(joined), hashlib.sha256(joined.encode()).hexdigest())

results = [None] * 4


def work(k):
    d = {}
    for i in range(60000):
        d[(k, i)] = bytes(str(i * k), "ascii") * (i % 7)
    results[k] = sum(len(v) for v in d.values())


threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("threads", results)

out = subprocess.run([sys.executable, "-c", "print(sum(range(10**6)))"],
                     capture_output=True, text=True, check=True)
print("subprocess", out.stdout.strip())

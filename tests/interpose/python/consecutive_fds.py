# What os.closerange's tests do: find two consecutive free fd numbers.
import os, tempfile
f = tempfile.TemporaryFile()
first = os.dup(f.fileno()); second = os.dup(first); retries = 0
while second != first + 1:
    os.close(first); retries += 1
    if retries > 10: print("couldn't allocate two consecutive fds"); raise SystemExit(1)
    first, second = second, os.dup(second)
os.closerange(first, first + 2)
for fd in (first, second):
    try: os.fstat(fd); print("still open", fd)
    except OSError as e: print("closed", e.errno)

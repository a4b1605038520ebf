#!/usr/bin/env python3
"""How long a durable append waits on this machine's disk, without the pipeline (docs/PERFORMANCE.md,
"The disk's own fsync tail").

One writer appends 64 KiB every millisecond (64 MB/s, about what the embedded emulator's logs take at
100,000 events/s of ~500 B) and makes each append durable, as a partition log's commit does; beside it a
neighbour writes a 2 MiB file every 250 ms, fsyncs it, renames it and fsyncs the folder, as the local archive
writes its objects, then deletes it. Modes of the writer:

    append     write past the end of the file, fsync (what the partition log does: every commit changes the
               file's size, so each fsync waits for a journal commit of the file system)
    fallocate  space reserved with posix_fallocate first, then write + fdatasync (the extents still change
               from unwritten to written, so the journal is still in the way)
    prealloc   the file written with zeros first, then overwritten in place + fdatasync (no metadata to
               commit: the fdatasync waits for the data alone)

    python3 tests/Profiling/fsync-tail.py <folder on the disk to test> <mode> [seconds]

It prints the syncs' p50, p99, p99.9 and maximum, and each second that had a sync over 50 ms (the end-to-end
run's ACK target). The folder is left empty.
"""
import os, sys, threading, time

CHUNK = 64 * 1024
INTERVAL_S = 0.001
NEIGHBOUR_BYTES = 2 << 20
NEIGHBOUR_PAUSE_S = 0.25
SLOW_MS = 50


def neighbour(folder, stop):
    data = os.urandom(NEIGHBOUR_BYTES)
    i = 0
    while time.monotonic() < stop:
        temporary = os.path.join(folder, f"object{i}.tmp")
        name = temporary[:-4]
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        os.rename(temporary, name)
        dfd = os.open(folder, os.O_RDONLY)
        os.fsync(dfd)
        os.close(dfd)
        os.unlink(name)
        i += 1
        time.sleep(NEIGHBOUR_PAUSE_S)


def main():
    folder, mode = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 60
    if mode not in ("append", "fallocate", "prealloc"):
        sys.exit(f"mode is append, fallocate or prealloc, not {mode}")
    os.makedirs(folder, exist_ok=True)
    size = int(seconds / INTERVAL_S) * CHUNK + CHUNK
    path = os.path.join(folder, "segment")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    if mode == "fallocate":
        os.posix_fallocate(fd, 0, size)
        os.fsync(fd)
    elif mode == "prealloc":
        zeros = bytes(8 << 20)
        for offset in range(0, size, len(zeros)):
            os.pwrite(fd, zeros[: min(len(zeros), size - offset)], offset)
        os.fsync(fd)
    sync = os.fsync if mode == "append" else os.fdatasync

    start = time.monotonic()
    stop = start + seconds
    other = threading.Thread(target=neighbour, args=(folder, stop))
    other.start()
    payload = os.urandom(CHUNK)
    latencies, slow, position, due = [], {}, 0, time.monotonic()
    while time.monotonic() < stop and position + CHUNK <= size:
        due += INTERVAL_S
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        began = time.perf_counter()
        os.pwrite(fd, payload, position)
        sync(fd)
        ms = (time.perf_counter() - began) * 1000
        position += CHUNK
        latencies.append(ms)
        if ms > SLOW_MS:
            second = int(time.monotonic() - start)
            slow[second] = max(ms, slow.get(second, 0))
    other.join()
    os.close(fd)
    os.unlink(path)

    latencies.sort()
    count = len(latencies)
    at = lambda q: latencies[min(count - 1, int(count * q))]
    seconds_list = ", ".join(f"s {s} {round(ms)} ms" for s, ms in sorted(slow.items())) or "none"
    print(f"{mode}: {count} syncs, {position >> 20} MiB; p50 {at(0.5):.2f} p99 {at(0.99):.2f} p99.9 {at(0.999):.2f} "
          f"max {latencies[-1]:.1f} ms; seconds with a sync over {SLOW_MS} ms: {len(slow)} ({seconds_list})")


if __name__ == "__main__":
    main()

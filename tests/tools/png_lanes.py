#!/usr/bin/env python3
"""png_lanes.py SCREENSHOT MIN_LANES: the screenshot of a green-trace page
shows at least MIN_LANES separate horizontal bands holding "running" bars
(tools/green-trace's #2e9d4f), and the other states' colours. Standard library
only: decodes the PNG itself (8-bit RGB/RGBA, not interlaced, as Chromium
writes it). Exits 1 with what it saw otherwise."""
import struct
import sys
import zlib


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError("unsupported PNG (depth %d, colour type %d, interlace %d)" % (depth, colour, interlace))
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def near(px, rgb):
    return all(abs(px[i] - rgb[i]) <= 12 for i in range(3))


def main(path, min_lanes):
    w, h, bpp, rows = read_png(path)
    colours = {"running": (0x2e, 0x9d, 0x4f), "fd": (0x3b, 0x78, 0xd8), "timer": (0xf0, 0xa0, 0x20)}
    counts = dict.fromkeys(colours, 0)
    run_rows = []
    for y, row in enumerate(rows):
        has_run = False
        for x in range(0, w * bpp, bpp):
            px = row[x:x + 3]
            for name, rgb in colours.items():
                if near(px, rgb):
                    counts[name] += 1
                    has_run = has_run or name == "running"
        run_rows.append(has_run)
    bands = sum(1 for y in range(h) if run_rows[y] and (y == 0 or not run_rows[y - 1]))
    print("%dx%d screenshot: pixels per colour %s, %d bands with running bars" % (w, h, counts, bands))
    if bands < min_lanes:
        print("FAIL: expected at least %d lanes with running bars" % min_lanes)
        return 1
    if not counts["fd"] or not counts["timer"]:
        print("FAIL: the fd and timer waits are not drawn")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], int(sys.argv[2])))

#!/usr/bin/env python3
"""The SigV4 test cases the project checks its signer with, kept as one text file.

tests/data/sigv4-cases.txt holds every case of AWS's published SigV4 suite (see
docs/DATA.md for the source and licence) in the project's own format: a header line,
then for each file of each case one line

    @file <case>/<name> <length in bytes>

followed by exactly that many bytes and one newline. Lengths make the format byte-exact
(several expected outputs end without a newline; some requests hold odd white space).

  sigv4-cases.py expand BUNDLE DIR    write each case as DIR/<case>/<name> (the layout
                                      `cloudalbum-aws sign-case DIR/<case>` reads)
  sigv4-cases.py names BUNDLE         print the case names, one a line
  sigv4-cases.py bundle SUITE BUNDLE  make BUNDLE from a checkout of the suite's v4/
                                      folder (how the file was made; rerun to refresh)
Standard library only; exits non-zero with a sentence on a malformed bundle.
"""
import os
import sys

MAGIC = b"#cloudalbum-sigv4-cases 1\n"


def read_bundle(path):
    """Yields (case, name, bytes) for each file of the bundle at path."""
    data = open(path, "rb").read()
    if not data.startswith(MAGIC):
        raise ValueError(f"{path}: not a sigv4 case bundle (first line)")
    pos = len(MAGIC)
    while pos < len(data):
        if data.startswith(b"#", pos):  # a comment line
            pos = data.index(b"\n", pos) + 1
            continue
        end = data.find(b"\n", pos)
        if end < 0:
            raise ValueError(f"{path}: truncated header at byte {pos}")
        parts = data[pos:end].decode("ascii").split(" ")
        if len(parts) != 3 or parts[0] != "@file" or parts[1].count("/") != 1 \
                or not parts[2].isdigit():
            raise ValueError(f"{path}: bad header line at byte {pos}")
        case, name = parts[1].split("/")
        if case in ("", ".", "..") or name in ("", ".", ".."):
            raise ValueError(f"{path}: bad file name at byte {pos}")
        n = int(parts[2])
        body = data[end + 1:end + 1 + n]
        if len(body) != n or data[end + 1 + n:end + 2 + n] != b"\n":
            raise ValueError(f"{path}: file {parts[1]} is cut short")
        yield case, name, body
        pos = end + 2 + n


def expand(bundle, out):
    for case, name, body in read_bundle(bundle):
        os.makedirs(os.path.join(out, case), exist_ok=True)
        with open(os.path.join(out, case, name), "wb") as fh:
            fh.write(body)


def names(bundle):
    seen = []
    for case, _, _ in read_bundle(bundle):
        if case not in seen:
            seen.append(case)
    return seen


def bundle(suite, out):
    with open(out, "wb") as fh:
        fh.write(MAGIC)
        fh.write(b"# AWS's SigV4 test suite (v4 cases), Apache-2.0: see docs/DATA.md\n")
        for case in sorted(os.listdir(suite)):
            d = os.path.join(suite, case)
            if not os.path.isfile(os.path.join(d, "context.json")):
                continue
            for name in sorted(os.listdir(d)):
                body = open(os.path.join(d, name), "rb").read()
                fh.write(f"@file {case}/{name} {len(body)}\n".encode("ascii"))
                fh.write(body + b"\n")


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == "expand":
            expand(argv[2], argv[3])
        elif len(argv) == 3 and argv[1] == "names":
            print("\n".join(names(argv[2])))
        elif len(argv) == 4 and argv[1] == "bundle":
            bundle(argv[2], argv[3])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (OSError, ValueError) as e:
        print(f"sigv4-cases: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

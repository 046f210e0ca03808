"""Where a JSON value is in its text: the ``json`` module forgets, so scan for it.

A single pass over the tokens, keeping the path of the value being read, records the
positions of only the paths asked for and stops when it has them all. It runs only
for documents that have findings, on text ``json`` has already accepted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection

JsonPath = tuple[str | int, ...]

_TOKEN = re.compile(
    r"""[ \t\r\n]*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<punct>[{}\[\]:,])
      | (?P<literal>[^ \t\r\n{}\[\]:,"]+)
    )""",
    re.VERBOSE | re.DOTALL,
)


def locate(text: str, paths: Collection[JsonPath]) -> dict[JsonPath, tuple[int, int]]:
    """Line and column (both from 1) of each path's value; of its key inside an object.

    A path that is not in the document is left out of the result.
    """
    wanted = set(paths)
    offsets: dict[JsonPath, int] = {}
    # One frame per open container: [path, next index or current key, key offset, in array].
    frames: list[list] = []
    expecting_key = False
    for match in _TOKEN.finditer(text):
        if len(offsets) == len(wanted):
            break
        kind = match.lastgroup
        token = match.group(kind)
        start = match.start(kind)
        if kind == "punct" and token in ",:":
            expecting_key = token == "," and bool(frames) and not frames[-1][3]
            continue
        if kind == "punct" and token in "}]":
            frames.pop()
            expecting_key = False
            continue
        if expecting_key:  # a key of the innermost object
            frames[-1][1] = json.loads(token) if "\\" in token else token[1:-1]
            frames[-1][2] = start
            expecting_key = False
            continue
        # A value starts here; work out its path and where to point at it.
        if frames:
            frame = frames[-1]
            if frame[3]:
                frame[1] += 1
                path, offset = (*frame[0], frame[1]), start
            else:
                path, offset = (*frame[0], frame[1]), frame[2]
        else:
            path, offset = (), start
        if path in wanted:
            offsets[path] = offset
        if token == "{":
            frames.append([path, None, start, False])
            expecting_key = True
        elif token == "[":
            frames.append([path, -1, start, True])
    return _line_columns(text, offsets)


def _line_columns(text: str, offsets: dict[JsonPath, int]) -> dict[JsonPath, tuple[int, int]]:
    # Count newlines once, in order, rather than from the start for every offset.
    positions: dict[JsonPath, tuple[int, int]] = {}
    line, counted_to = 1, 0
    for path, offset in sorted(offsets.items(), key=lambda item: item[1]):
        line += text.count("\n", counted_to, offset)
        counted_to = offset
        positions[path] = (line, offset - (text.rfind("\n", 0, offset) + 1) + 1)
    return positions

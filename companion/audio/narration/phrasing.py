"""A line cut into clauses, each with the pause that follows it: how narration breathes.

Both engines speak clause by clause and the pauses between are ours, not the engine's: a
comma pauses, a sentence ends with a breath of silence, and an author's `...` (or `…`)
pauses longer. The pauses are given at the default rate (110 words a minute) and scale with
the rate, so a line at 90 is slower in its words and its pauses alike, and the words per
minute as heard (pauses included) follow `rate` (see calibrate.py).

Pure text work: no numpy, no engine."""

from __future__ import annotations

import re
from dataclasses import dataclass

from companion.script.timing import WORD  # one count of words, for the rate and the estimate

DEFAULT_RATE = 110
# Calm narration is unhurried speech with long rests, not slow speech: at 110 words a minute
# as heard the neural voice articulates at about 160 (measured), the rest is these pauses.
COMMA_PAUSE = 0.55  # seconds at DEFAULT_RATE: , ; : and a dash between words
SENTENCE_PAUSE = 1.5  # . ! ? : a breath
ELLIPSIS_PAUSE = 2.8  # ... or …: the author asks for a longer rest
LINE_END_PAUSE = 0.0  # the script's own `pause:` steps and the mixer's gaps follow a line

_BREAK = re.compile(r"(\.\.\.+|…|[.!?]+(?=[\s\"')\]]|$)|[,;:](?=\s|$)|\s[-–—]\s)")


@dataclass(frozen=True)
class Clause:
    text: str  # the words, with the punctuation that closes them ("Welcome.")
    close: str  # "." a sentence's falling close, "," a clause that goes on, "?" "!" as written
    pause: float  # seconds of silence after it at DEFAULT_RATE (0 after the line's last)


def clauses(line: str) -> list[Clause]:
    """The clauses of a line, in order. Text with no words between breaks (stray
    punctuation) joins its neighbour; a line with no words at all gives no clause."""
    pieces: list[tuple[str, str]] = []  # (words, break)
    start = 0
    for match in _BREAK.finditer(line):
        pieces.append((line[start : match.start()], match.group(0).strip()))
        start = match.end()
    pieces.append((line[start:], ""))
    out: list[tuple[str, str, float]] = []
    for words, brk in pieces:
        words = " ".join(words.split())
        close, pause = _close(brk)
        if not WORD.search(words):
            if out and pause > out[-1][2]:  # "word, ... word": the longer pause wins
                out[-1] = (out[-1][0], out[-1][1], pause)
            continue
        out.append((words, close, pause))
    result = [Clause(_with_close(words, close), close, pause) for words, close, pause in out]
    if result:
        last = result[-1]
        close = last.close if last.close in ".?!" else "."  # a line ends falling
        result[-1] = Clause(_with_close(_strip(last.text), close), close, LINE_END_PAUSE)
    return result


def _close(brk: str) -> tuple[str, float]:
    if brk.startswith("..") or brk == "…":
        return ".", ELLIPSIS_PAUSE
    if brk and brk[0] in ".!?":
        return ("?" if "?" in brk else "!" if "!" in brk else "."), SENTENCE_PAUSE
    if brk:
        return ",", COMMA_PAUSE
    return ",", 0.0  # the line's end: settled in clauses()


def _strip(text: str) -> str:
    return text.rstrip(".,;:!?… ")


def _with_close(words: str, close: str) -> str:
    return _strip(words) + close


def pause_seconds(parts: list[Clause], rate: int) -> float:
    """The silence a line holds at `rate` (the pauses scale with it)."""
    return sum(c.pause for c in parts) * DEFAULT_RATE / rate

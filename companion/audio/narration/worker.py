"""The speech child process: pyttsx3 + espeak-ng render lines to WAV files.

pyttsx3's run loop hangs or speaks only once when reused across a long-lived process, so it
lives here, in a short-lived child that the parent can kill. Protocol: one JSON document on
stdin ({"voice", "rate", "jobs": [{"id", "text", "path"}]}); one JSON line per event on the
original stdout; pyttsx3's own prints go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
import wave

ATTEMPTS = 3


def main() -> int:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # pyttsx3 prints "Audio saved to ..." on stdout
    request = json.load(sys.stdin)

    def send(**message: object) -> None:
        protocol.write(json.dumps(message) + "\n")

    try:
        import pyttsx3
    except ImportError:
        send(fatal="the Python package pyttsx3 is missing: pip install pyttsx3")
        return 1
    try:
        engine = pyttsx3.init("espeak")
        if request.get("voice"):
            engine.setProperty("voice", request["voice"])
        engine.setProperty("rate", int(request["rate"]))
        engine.setProperty("volume", 1.0)
    except Exception as exc:  # noqa: BLE001 - any engine failure is reported to the parent
        send(
            fatal=f"espeak-ng could not start ({exc}): install espeak-ng "
            "(Debian/Ubuntu: sudo apt-get install espeak-ng)"
        )
        return 1
    from pyttsx3.drivers import _espeak

    reached: list[int] = []  # end positions of the words spoken, to see a line came out whole
    engine.connect("started-word", lambda name, location, length: reached.append(location + length))
    send(ready=True)
    for job in request["jobs"]:
        error, best = "the engine produced no sound", 0.0
        for _attempt in range(ATTEMPTS):
            reached.clear()
            try:
                seconds = _speak(engine, _espeak, job["text"], job["path"])
            except Exception as exc:  # noqa: BLE001 - one bad line must not stop the others
                error = str(exc) or repr(exc)
                continue
            whole = max(reached, default=0) >= 0.9 * len(job["text"].rstrip())
            if seconds and whole:
                best = seconds
                break
            if seconds > best:  # cut short: keep it (renamed) in case no attempt does better
                best = seconds
                os.replace(job["path"], job["path"] + ".best")
                error = "the engine cut the line short"
        if best and os.path.exists(job["path"] + ".best") and not os.path.exists(job["path"]):
            os.replace(job["path"] + ".best", job["path"])
        if best and os.path.exists(job["path"]):
            send(
                id=job["id"], ok=True, seconds=best, whole=error != "the engine cut the line short"
            )
        else:
            send(id=job["id"], ok=False, error=error)
    return 0


def _speak(engine, espeak, text: str, path: str) -> float:
    """One line to a file. pyttsx3's espeak driver synthesises asynchronously and ends its
    loop on the first "message terminated" event it sees; a late event from the previous
    line can end the next one early or empty. So: drain espeak before and after, remove any
    stale file, and let the caller retry a line that came out empty."""
    espeak.Synchronize()
    if os.path.exists(path):
        os.remove(path)
    engine.save_to_file(text, path)
    engine.runAndWait()
    espeak.Synchronize()
    if not os.path.exists(path):
        return 0.0
    with wave.open(path, "rb") as w:
        frames, rate = w.getnframes(), w.getframerate()
    return frames / rate if frames else 0.0


if __name__ == "__main__":
    sys.exit(main())

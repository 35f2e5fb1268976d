"""Measuring captured or generated sound: levels, bands, clicks."""

from __future__ import annotations

import numpy as np

RATE = 44100
MIXER_BUFFER = 512  # frames SDL_mixer mixes at one gain (companion.audio.device.BUFFER)


def db(value: float) -> float:
    return 20 * float(np.log10(max(value, 1e-12)))


def rms_db(x: np.ndarray) -> float:
    return db(float(np.sqrt(np.mean(np.square(x))))) if x.size else -240.0


def band_db(x: np.ndarray, low: float, high: float, rate: int = RATE) -> float:
    """Level (dB, RMS-like) of the part of x between low and high Hz."""
    mono = x.mean(axis=1) if x.ndim == 2 else x
    spec = np.fft.rfft(mono * np.hanning(mono.size))
    freqs = np.fft.rfftfreq(mono.size, 1 / rate)
    power = np.sum(np.abs(spec[(freqs >= low) & (freqs < high)]) ** 2)
    return 10 * np.log10(max(power, 1e-30) * 2 / (np.sum(np.hanning(mono.size) ** 2) * mono.size))


def frames_db(x: np.ndarray, window: int, step: int | None = None) -> np.ndarray:
    step = step or window
    mono = x.mean(axis=1) if x.ndim == 2 else x
    starts = range(0, max(0, mono.size - window) + 1, step)
    return np.array([rms_db(mono[s : s + window]) for s in starts])


def clicks(
    x: np.ndarray,
    rate: int = RATE,
    factor: float = 8.0,
    relative: float = 0.05,
    floor_db: float = -66.0,
    window: float = 0.02,
    mid_buffer_from: int | None = None,
) -> list[float]:
    """Times (s) of clicks: discontinuities that are not a change of level.

    `mid_buffer_from`, the capture frame where `x` begins, leaves out the jumps at the edges
    of the mixer's buffers: SDL_mixer changes a gain only there, so a fade's staircase steps
    sit on those edges, while a sound that runs out of samples stops mid-buffer. For a test
    of sound running out under a fade, on noise-like sound (waves) whose steps the prediction
    below cannot always tell from a click.

    Candidates are jumps between samples that stand out `factor` times above the local RMS
    of second differences (a smooth signal curves gently from sample to sample; a
    discontinuity puts its whole jump into one second difference), are more than `relative`
    of the local level and above an absolute floor (-66 dBFS). SDL_mixer holds a gain for a
    whole 512-frame buffer, so a fade is a staircase of small level changes; each candidate
    is therefore checked against what came before it: the signal is predicted forward from
    the previous 3 ms (linear prediction), and a candidate where the sound simply goes on at
    a slightly different level (within -3..+3 dB) is a ramp step, not a click. A cut, a loop
    that does not join, a wave starting or stopping mid-cycle does not continue the past."""
    x = x.reshape(x.shape[0], -1)
    found: set[float] = set()
    half = int(window * rate)
    for ch in range(x.shape[1]):
        signal = x[:, ch]
        d2 = np.abs(np.diff(signal, 2))
        if d2.size < 3:
            continue
        idx = np.arange(d2.size)
        lo, hi = np.maximum(0, idx - half), np.minimum(d2.size, idx + half)
        curve = np.concatenate([[0.0], np.cumsum(d2**2)])
        # the cumulative sums round: where the window holds only this candidate, the
        # difference can come out a hair below zero, and a NaN would hide the click
        rest = np.maximum(0.0, curve[hi] - curve[lo] - d2**2)
        local_curve = np.sqrt(rest / np.maximum(1, hi - lo - 1))
        power = np.concatenate([[0.0], np.cumsum(signal[1:-1] ** 2)])
        local_level = np.sqrt((power[hi] - power[lo]) / np.maximum(1, hi - lo))
        candidates = (
            np.flatnonzero(
                (d2 > factor * local_curve)
                & (d2 > relative * local_level)
                & (d2 > 10 ** (floor_db / 20))
            )
            + 1
        )
        last = -rate
        for c in candidates:
            if c - last < rate // 1000:
                continue
            if mid_buffer_from is not None and _at_buffer_edge(mid_buffer_from + c):
                continue  # (and a jump just after it is still judged)
            last = c
            if not _continues(signal, c):
                found.add(round(c / rate, 3))
    return sorted(found)


def _at_buffer_edge(frame: int) -> bool:
    """A candidate is the sample on either side of its jump: within two of an edge."""
    return min(frame % MIXER_BUFFER, -frame % MIXER_BUFFER) <= 2


def _continues(
    signal: np.ndarray, at: int, order: int = 16, history: int = 132, ahead: int = 24
) -> bool:
    """Whether the signal from `at` on is the signal before it, carried on, at a level within
    +-3 dB. The jump may fall a sample either side of `at`, so the split point is searched."""
    for split in (at - 1, at, at + 1):
        if split - history - order < 0 or split + ahead > signal.size:
            return True  # too near an edge to judge
        past = signal[split - history - order : split]
        rows = np.lib.stride_tricks.sliding_window_view(past[:-1], order)
        coeffs, *_ = np.linalg.lstsq(rows, past[order:], rcond=None)
        buffer = list(past[-order:])
        predicted = []
        for _ in range(ahead):
            value = float(np.dot(coeffs, buffer[-order:]))
            predicted.append(value)
            buffer.append(value)
        predicted = np.array(predicted)
        actual = signal[split : split + ahead]
        energy = float(np.dot(predicted, predicted))
        if energy <= 1e-20:
            continue
        scale = float(np.dot(actual, predicted)) / energy
        residual = actual - scale * predicted
        if 0.7 <= scale <= 1.42 and np.dot(residual, residual) <= 0.05 * np.dot(actual, actual):
            return True
    return False


def tone(
    freq: float, seconds: float, amplitude: float, rate: int = RATE, stereo: bool = True
) -> np.ndarray:
    t = np.arange(int(round(seconds * rate))) / rate
    x = amplitude * np.sin(2 * np.pi * freq * t)
    return np.stack([x, x], axis=1) if stereo else x


def loudness_range(x: np.ndarray, rate: int = RATE, window: float = 3.0) -> float:
    """Spread of short-term (3 s) loudness, 10th to 95th percentile, in LU (as EBU R128's
    loudness range, without its gating): how much a bed swells and falls."""
    from companion.audio.loudness import _k_response
    from companion.audio.signal import fast_length

    x = x.reshape(x.shape[0], -1)
    n = fast_length(x.shape[0] + rate // 2)
    weighted = np.fft.irfft(
        np.fft.rfft(x, n=n, axis=0) * _k_response(n, rate)[:, None], n=n, axis=0
    )
    power = np.concatenate([[0.0], np.cumsum(np.sum(weighted[: x.shape[0]] ** 2, axis=1))])
    width = int(window * rate)
    starts = np.arange(0, x.shape[0] - width, rate)
    short = -0.691 + 10 * np.log10((power[starts + width] - power[starts]) / width)
    return float(np.percentile(short, 95) - np.percentile(short, 10))

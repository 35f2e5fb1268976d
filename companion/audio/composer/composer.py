"""The composer: plays a recipe for as long as it is asked, never repeating, in blocks of a
quarter second whose joins are seamless (every note and pad carries its own state across
blocks; reverb, levelling and limiting are streaming).

Steering, callable between any two renders: `energy` (0..1: how many lines play, how close
their notes, a little louder), `tone` (-1 darker .. 1 brighter: the pads' moving filters
lean, new notes sit lower or higher, a gentle tilt of the whole sound) and `steady` (hold the
present chord and texture until released). Each glides to its new value with a time constant
of 0.4 s, starting in the next block rendered.

Deterministic: the same recipe, seed and calls at the same render positions give the same
samples (one random generator, drawn in a fixed order)."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from companion.audio.composer import instruments
from companion.audio.composer.recipes import MODES, RECIPES, Line, Recipe
from companion.audio.composer.regions import KeyPlan, Wander, tonic
from companion.audio.composer.stream import Convolver, Leveller, Limiter, lowpass_fir
from companion.audio.signal import SAMPLE_RATE
from companion.audio.synth import dsp

BLOCK = 11025  # frames (0.25 s): the control and scheduling grain
TARGET_LUFS = -21.5  # today's three music layers blended at the default intensity (library.TARGETS)
ENERGY_LU = 4.0  # the level rises by this much from energy 0 to 1 (0 at energy 0.5)
PEAK_CEILING = 10 ** (-1.5 / 20)  # sample peaks; true peak stays under -1 dBTP
GATING = 0.4  # LU: the leveller's plain mean reads this much under BS.1770's gated integral
GLIDE = 0.4  # s: time constant of energy and tone
RAW_DB = -11.0  # where levelling starts: the raw mix is about this much over the target
PAD_SHARE = 0.45  # the pads' level against the lines' (a recipe's pad_level scales it)
HIGH_PASS = 45.0  # Hz: no rumble that small speakers drop and headphones press
TONE_SPLIT = 1200.0  # Hz: the tilt moves the sound above this against the sound below


def target_lufs(energy: float) -> float:
    return TARGET_LUFS + ENERGY_LU * (energy - 0.5)


@dataclass
class _Clip:
    start: int  # absolute frame
    data: np.ndarray  # (n, 2)
    line: int  # stem index (-1: pad and bass)


class _LineState:
    def __init__(self, spec: Line, when: float) -> None:
        self.spec = spec
        self.next_at = when
        self.left = 0  # notes left in the phrase
        self.previous: int | None = None
        self.rising = True


class Composer:
    def __init__(
        self, piece: str | Recipe, seed: int = 0, energy: float = 0.5, tone: float = 0.0
    ) -> None:
        recipe = piece if isinstance(piece, Recipe) else RECIPES[piece]
        self.recipe = recipe
        self.seed = seed
        self.rng = np.random.default_rng(
            [recipe.seed, seed & 0xFFFFFFFF, zlib.crc32(recipe.name.encode())]
        )
        self.scale = self._scale(0)
        self.key = 0  # steps round the circle of fifths from the recipe's key, where it is now
        # the key's slow walk draws from a generator of its own: a piece in one key draws
        # nothing from it, and the plan does not depend on what the notes drew
        self.keys = KeyPlan(
            recipe.keys,
            recipe.key_pace,
            np.random.default_rng(
                [recipe.seed, seed & 0xFFFFFFFF, zlib.crc32(recipe.name.encode()), 1]
            ),
        )
        self.now = 0  # frames rendered
        # the pad's register and colour wander over tens of minutes (recipes that ask for it)
        slow = np.random.default_rng(
            [recipe.seed, seed & 0xFFFFFFFF, zlib.crc32(recipe.name.encode()), 2]
        )
        self.register, self.colour = Wander(1500.0, slow), Wander(2300.0, slow)
        self._energy = self._energy_target = float(np.clip(energy, 0, 1))
        self._tone = self._tone_target = float(np.clip(tone, -1, 1))
        self.steady = False
        self.clips: list[_Clip] = []
        self.pads: dict[int, instruments.Pad] = {}
        self.releasing: list[instruments.Pad] = []
        self.chord: list[int] = []  # pitch classes
        self.root = 0  # scale degree of the chord's root
        self.bass_note: int | None = None
        self.drift = 0.0  # semitones: where the pad's register has wandered
        self.recent: list[int] = []  # the last chords' roots
        self.chords_played = 0
        self.next_chord_at = 0.0
        self.lines = [_LineState(spec, 2.0 + 3.0 * self.rng.random()) for spec in recipe.lines]
        ir = dsp.reverb_ir(
            self.rng,
            recipe.reverb,
            decay_low=recipe.reverb,
            decay_high=recipe.reverb * 0.45,
            brightness=4500,
        )
        taps = 4095  # long enough for a 45 Hz high-pass; both outputs share its 46 ms delay
        delta = np.zeros(taps)
        delta[taps // 2] = 1.0
        flat = delta - lowpass_fir(HIGH_PASS, taps, SAMPLE_RATE)
        highs = delta - lowpass_fir(TONE_SPLIT, taps, SAMPLE_RATE)
        self.reverb = Convolver([ir], BLOCK)
        self.tilt = Convolver([np.stack([flat, flat], 1), np.stack([highs, highs], 1)], BLOCK)
        self.leveller = Leveller(SAMPLE_RATE, BLOCK, RAW_DB + recipe.level_db)
        self.limiter = Limiter(PEAK_CEILING)
        self._pending = np.zeros((0, 2))

    # --- steering ------------------------------------------------------------------------
    @property
    def energy(self) -> float:
        return self._energy_target

    @energy.setter
    def energy(self, value: float) -> None:
        self._energy_target = float(np.clip(value, 0.0, 1.0))

    @property
    def tone(self) -> float:
        return self._tone_target

    @tone.setter
    def tone(self, value: float) -> None:
        self._tone_target = float(np.clip(value, -1.0, 1.0))

    def hold(self, steady: bool) -> None:
        """Keep the present chord and texture (True) until released (False)."""
        if self.steady and not steady:
            self.next_chord_at = max(
                self.next_chord_at, self.now / SAMPLE_RATE + 4.0 + 4.0 * self.rng.random()
            )
        self.steady = bool(steady)

    # --- rendering -----------------------------------------------------------------------
    def render(self, frames: int) -> np.ndarray:
        """The next `frames` frames, (frames, 2) float32 in -1..1."""
        parts = [self._pending]
        have = self._pending.shape[0]
        while have < frames:
            block = self._block()
            parts.append(block)
            have += block.shape[0]
        out = np.concatenate(parts)
        self._pending = out[frames:]
        return out[:frames].astype(np.float32)

    def render_int16(self, frames: int) -> bytes:
        """The next frames as interleaved signed 16-bit stereo, for
        pygame.mixer.Sound(buffer=...)."""
        x = self.render(frames)
        return np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2").tobytes()

    def _glide(self, current: float, target: float) -> tuple[np.ndarray, float]:
        k = math.exp(-1.0 / (GLIDE * SAMPLE_RATE))
        curve = target + (current - target) * k ** np.arange(1, BLOCK + 1)
        return curve, float(curve[-1])

    def _block(self) -> np.ndarray:
        start = self.now
        t0 = start / SAMPLE_RATE
        energy, self._energy = self._glide(self._energy, self._energy_target)
        tone, self._tone = self._glide(self._tone, self._tone_target)
        self._schedule(t0, t0 + BLOCK / SAMPLE_RATE)
        dry = np.zeros((BLOCK, 2))
        send = np.zeros((BLOCK, 2))
        r = self.recipe
        for pad in list(self.pads.values()) + self.releasing:
            sound = pad.render(BLOCK, tone)
            dry += sound
            send += sound * r.wet
        self.releasing = [p for p in self.releasing if not p.done]
        gains = [self._line_gain(spec, energy) for spec in r.lines]
        kept = []
        for clip in self.clips:
            lo = max(start, clip.start)
            hi = min(start + BLOCK, clip.start + clip.data.shape[0])
            if hi > lo:
                piece = clip.data[lo - clip.start : hi - clip.start]
                g: float | np.ndarray
                if clip.line >= 0:
                    g = gains[clip.line][lo - start : hi - start, None]
                    share = r.lines[clip.line].wet
                else:
                    g, share = 1.0, r.wet
                dry[lo - start : hi - start] += piece * g * (1 - 0.5 * share)
                send[lo - start : hi - start] += piece * g * share
            if clip.start + clip.data.shape[0] > start + BLOCK:
                kept.append(clip)
        self.clips = kept
        (wet,) = self.reverb.process(send)
        mix = dry + wet
        flat, highs = self.tilt.process(mix)
        tilt = np.where(tone >= 0, 0.55 * tone, 0.45 * tone)  # +3.8 dB .. -5.2 dB above the split
        mix = flat + tilt[:, None] * highs
        mix = self.leveller.process(mix, TARGET_LUFS - GATING)
        mix *= (10 ** (ENERGY_LU * (energy - 0.5) / 20))[
            :, None
        ]  # at once: the leveller's slew would slow it
        self.now += BLOCK
        return self.limiter.process(mix)

    @staticmethod
    def _line_gain(spec: Line, energy: np.ndarray) -> np.ndarray:
        return dsp.smoothstep((energy - spec.joins) / 0.35 + 0.15)

    # --- composing -----------------------------------------------------------------------
    def _schedule(self, t0: float, t1: float) -> None:
        if t0 >= self.next_chord_at and not self.steady:
            self._next_chord()
            self.next_chord_at = t0 + float(self.rng.uniform(*self.recipe.pace))
        energy = self._energy
        for index, state in enumerate(self.lines):
            while state.next_at < t1:
                when = max(state.next_at, t0)
                gain = float(self._line_gain(state.spec, np.array([energy]))[0])
                if gain > 0.02:
                    self._play_line(index, state, when, energy)
                else:
                    state.left = 0
                    state.next_at = when + 1.0

    def _degree_pc(self, degree: int) -> int:
        return self.scale[degree % 7]

    def _scale(self, step: int) -> list[int]:
        home = tonic(self.recipe.tonic, step)
        return [(home + i) % 12 for i in MODES[self.recipe.mode]]

    def _pivot(self, step: int) -> int | None:
        """Move to the key `step` fifths from home through a chord of both keys (a pivot):
        the new key's degree of that chord, or None when there is none (then wait)."""
        old, new = set(self.scale), self._scale(step)
        pivots = [
            (d, w)
            for d, w in self.recipe.degrees
            if {new[(d + k) % 7] for k in (0, 2, 4)} <= old
            and new[d % 7] != self.chord[0]  # a change of chord, not the same one renamed
        ]
        if not pivots:
            return None
        weights = np.array([w for _, w in pivots])
        root = pivots[int(self.rng.choice(len(pivots), p=weights / weights.sum()))][0]
        self.scale, self.key = new, step
        self.recent.clear()  # the last roots were degrees of the old key
        return root

    def _next_chord(self) -> None:
        r, rng = self.recipe, self.rng
        step = self.keys.at(self.now / SAMPLE_RATE) if self.keys.moving else self.key
        pivot = self._pivot(step) if step != self.key and self.chords_played else None
        if self.chords_played == 0:
            root = 0
        elif pivot is not None:
            root = pivot
        else:
            choices = [(d, w) for d, w in r.degrees if d != self.root]
            # moves by a fourth or fifth a little favoured; the last three chords' roots seldom
            # come straight back, so the harmony wanders rather than rocking between two chords
            weights = np.array(
                [
                    w
                    * (1.4 if (d - self.root) % 7 in (3, 4) else 1.0)
                    * (0.2 if d in self.recent[-3:] else 1.0)
                    for d, w in choices
                ]
            )
            root = choices[int(rng.choice(len(choices), p=weights / weights.sum()))][0]
        self.root = root
        self.recent.append(root)
        del self.recent[:-4]
        chord_degrees = [root, root + 2, root + 4]
        if rng.random() < r.sevenths:
            chord_degrees.append(root + 6)
        if rng.random() < r.ninths:
            chord_degrees.append(root + 1)
        if rng.random() < 0.15 and len(chord_degrees) > 3:
            chord_degrees.remove(root + 2)  # a suspended, open sound now and then
        self.chord = [self._degree_pc(d) for d in chord_degrees]
        self.chords_played += 1
        self._voice_pads()

    def _pad_region(self) -> tuple[int, int, float]:
        """The pad's range and brightness now: the recipe's, wandered as far as it allows."""
        r = self.recipe
        lo, hi = r.pad_range
        if not (r.register or r.colour):
            return lo, hi, r.pad_brightness
        seconds = self.now / SAMPLE_RATE
        shift = int(round(r.register * self.register.at(seconds)))
        return lo + shift, hi + shift, r.pad_brightness * 2 ** (r.colour * self.colour.at(seconds))

    def _voice_pads(self) -> None:
        r, rng = self.recipe, self.rng
        lo, hi, brightness = self._pad_region()
        candidates = [
            n for n in range(lo, hi + 1) if n % 12 in self.chord[1:] or n % 12 == self.chord[0]
        ]
        previous = sorted(self.pads)
        chosen: set[int] = set()
        # the pad's register wanders slowly (a random walk of its centre), so a chord that
        # returns is seldom voiced the same way twice
        self.drift = float(np.clip(self.drift + rng.normal(0, 2.0), -5, 5))
        for note in previous:  # voice leading: each voice to the nearest chord tone
            best = min(candidates, key=lambda c: (abs(c - note - 0.3 * self.drift), rng.random()))
            chosen.add(best)
        for pc in self.chord[1:3]:  # the colour tones must sound
            if not any(n % 12 == pc for n in chosen):
                options = [n for n in candidates if n % 12 == pc]
                centre = (lo + hi) / 2 + 3 * self._tone + self.drift
                chosen.add(min(options, key=lambda c: abs(c - centre) + rng.random() * 4))
        if len(chosen) < 3:
            chosen.add(int(rng.choice(candidates)))
        chosen = set(sorted(chosen)[-5:])
        # no close clusters low down: drop a note a second or less above another under G3
        ordered = sorted(chosen)
        for a, b in pairwise(ordered):
            if b - a <= 2 and a < 55 and b in chosen and len(chosen) > 3:
                chosen.discard(b)
        bass_pc = self.chord[0]
        third, fifth = self._degree_pc(self.root + 2), self._degree_pc(self.root + 4)
        if (
            third in self.chord and rng.random() < 0.2
        ):  # an inversion now and then: third or fifth below
            bass_pc = third if rng.random() < 0.5 else fifth
        bass = min(
            (n for n in range(r.bass - 6, r.bass + 7) if n % 12 == bass_pc),
            key=lambda n: abs(n - (self.bass_note if self.bass_note is not None else r.bass)),
        )
        wanted = {n: PAD_SHARE * r.pad_level * (0.8 if n > 60 else 1.0) for n in chosen}
        wanted[bass] = PAD_SHARE * r.pad_level * 1.1
        self.bass_note = bass
        fade = float(rng.uniform(5.0, 9.0))
        for note in list(self.pads):
            if note not in wanted:  # common tones keep sounding, with their phase
                pad = self.pads.pop(note)
                pad.release_now(fade)
                self.releasing.append(pad)
        for note, amp in wanted.items():
            if note not in self.pads:
                f = dsp.midi(note)
                self.pads[note] = instruments.Pad(
                    f,
                    amp * (220 / max(f, 110)) ** 0.35,
                    pan=float(rng.uniform(-0.5, 0.5)),
                    attack=fade if self.chords_played > 1 else 3.0,
                    release=fade,
                    brightness=brightness,
                    morph_period=float(rng.uniform(18, 50)),
                    morph_phase=float(rng.uniform(0, 2 * np.pi)),
                )

    def _play_line(  # noqa: C901 - one branch per kind of line, each short
        self, index: int, state: _LineState, when: float, energy: float
    ) -> None:
        spec, rng = state.spec, self.rng
        pace = 1.0 / (0.55 + 0.9 * energy)  # energy 0.5: as written
        shift = int(round(3 * self._tone))
        lo, hi = spec.low + shift, spec.high + shift
        chord_notes = [n for n in range(lo, hi + 1) if n % 12 in self.chord]
        scale_notes = [n for n in range(lo, hi + 1) if n % 12 in self.scale]
        if spec.mode == "bass":
            root = min(
                (n for n in range(lo, hi + 1) if n % 12 == self.chord[0]),
                default=None,
                key=lambda n: abs(n - (lo + hi) / 2),
            )
            length = float(rng.uniform(*spec.gap))
            if root is not None:
                self._add(
                    index,
                    when,
                    instruments.note(spec.instrument, dsp.midi(root), 0.5, rng, length),
                    0.6 * rng.uniform(0.7, 1.0),
                    float(rng.uniform(-0.2, 0.2)),
                )
            state.next_at = when + length * 0.8 * pace
            return
        if spec.mode == "sparkle":
            note = int(rng.choice(chord_notes or scale_notes))
            self._add(
                index,
                when,
                instruments.note(spec.instrument, dsp.midi(note), 0.6, rng),
                float(rng.uniform(0.4, 1.0)),
                float(rng.uniform(-spec.spread, spec.spread) * 1.6),
            )
            state.next_at = when + float(rng.uniform(*spec.gap)) * pace
            return
        if spec.mode == "swell":
            note = int(rng.choice(chord_notes or scale_notes))
            length = float(rng.uniform(4.0, 8.0))
            self._add(
                index,
                when,
                instruments.note("breath", dsp.midi(note), 0.5, rng, length),
                float(rng.uniform(0.5, 1.0)),
                float(rng.uniform(-0.7, 0.7)),
            )
            state.next_at = when + float(rng.uniform(*spec.gap)) * pace
            return
        if state.left <= 0:  # a new phrase
            state.left = int(rng.integers(spec.phrase[0], spec.phrase[1] + 1))
            state.rising = bool(rng.random() < 0.55)
            state.previous = None
        steady = self.steady
        if spec.mode == "arpeggio":
            pool = chord_notes
            if state.previous is None or state.previous not in pool:
                note = pool[int(rng.integers(0, max(1, len(pool) // 2)))] if pool else lo
            else:
                i = pool.index(state.previous) + (1 if state.rising else -1) * int(
                    rng.choice((1, 1, 2))
                )
                if not 0 <= i < len(pool):
                    state.rising = not state.rising
                    i = min(max(0, i), len(pool) - 1)
                note = pool[i]
        else:
            pool = chord_notes if steady else scale_notes
            if state.previous is None or state.previous not in scale_notes:
                note = int(rng.choice(chord_notes or scale_notes))
            else:
                i = scale_notes.index(state.previous)
                step = int(rng.choice((1, 1, 1, 2, 2, 3))) * (1 if state.rising else -1)
                if rng.random() < 0.2:
                    step = -step
                j = min(max(0, i + step), len(scale_notes) - 1)
                note = scale_notes[j]
                if j in (0, len(scale_notes) - 1):
                    state.rising = not state.rising
                if (
                    state.left == 1 or note not in pool
                ):  # phrases end on (and steady keeps to) chord tones
                    note = min(chord_notes or [note], key=lambda n: abs(n - note))
        state.previous = note
        state.left -= 1
        gap = float(rng.uniform(*spec.gap)) * pace
        velocity = float(rng.uniform(0.45, 1.0)) * (0.7 + 0.3 * energy)
        length = gap * 1.4 + 1.0
        sound = instruments.note(spec.instrument, dsp.midi(note), velocity, rng, length)
        self._add(
            index, when, sound, velocity, float(np.clip(rng.normal(0, spec.spread), -0.85, 0.85))
        )
        if state.left <= 0:
            gap += float(rng.uniform(*spec.rest)) * pace
        state.next_at = when + gap

    def _add(self, line: int, when: float, mono: np.ndarray, gain: float, pan: float) -> None:
        left, right = instruments.pan_gains(float(np.clip(pan, -1, 1)))
        level = self.recipe.lines[line].level * gain
        data = np.stack([mono * (left * level), mono * (right * level)], axis=1)
        self.clips.append(_Clip(int(round(when * SAMPLE_RATE)), data, line))

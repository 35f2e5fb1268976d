"""The commented starter script `companion new` writes. It passes `check` with no warning."""

from __future__ import annotations

STARTER = """\
# yaml-language-server: $schema={schema}
# A Companion session. Check it with `companion check {file}`,
# see its timeline with `companion preview {file}`.
# The whole format: docs/authoring.md

companion: 1                      # the format version
title: {title}
description: A short session. Replace this with what it is for.
phase: preparation                # preparation, journey or integration
language: en                      # picks the narration voice
voice: {{rate: 135, volume: 1.0}}   # words per minute (80 to 260)
mix: {{music: 0.6, ambience: 0.4, narration: 1.0, duck: 0.5}}
safe_scene: haven                 # where the therapist's Ground control goes

scenes:
  - id: arrive                    # lower-case letters, digits and -
    title: Arriving
    environment: shoreline        # shoreline, forest, meadow, night-sky, aurora, haven
    look: {{time: dusk, motion: 0.3, brightness: 0.7}}
    music: drift                  # drift, still-water, open-sky, a file, a list, or none
    ambience: waves               # waves, forest, rain, night, wind, stream, or none
    transition: 5s                # the crossfade into this scene
    duration: 3m                  # the least time the scene lasts
    steps:
      - pause: 5s
      - say: Welcome. There is nothing you need to do right now.
        id: welcome               # a stable name, for recorded narration
      - pause: 10s
      - breathe: {{in: 4, hold: 2, out: 6, cycles: 4}}
      - say: Let the breath find its own pace again.
        id: breath-release
      - chime: soft               # soft, bright or low

  - id: reflect
    title: Reflecting
    environment: forest
    look: {{time: day, brightness: 0.6}}
    music: {{track: still-water, volume: 0.8, fade: 10s}}
    ambience: forest
    then: end                     # next (default), hold, end, or a scene id
    steps:
      - look: {{brightness: 0.5, fade: 1m}}
      - show: What would you like to carry with you today?
        for: 20s
      - wait: therapist           # holds until the therapist continues
      - say: Thank you. Let it rest in the background now.
        id: thanks

  - id: haven
    title: Safe place
    environment: haven
    then: hold
    steps:
      - say: You are safe. You are here, in the room, and I am with you.
        id: haven-safe
"""


def starter_script(title: str, file: str, schema: str) -> str:
    return STARTER.format(title=title, file=file, schema=schema)

"""Every rule of the spec's "What `check` must report", each at its exact line and column."""

from __future__ import annotations

import textwrap

import pytest

from companion.script import load_script

HEAD = """\
companion: 1
title: Test
scenes:
"""


def findings(write_script, body: str, head: str = HEAD):
    path = write_script(head + textwrap.indent(textwrap.dedent(body), "  "))
    return [(f.line, f.column, f.severity, f.message) for f in load_script(path).findings]


def only(write_script, body: str, head: str = HEAD):
    found = findings(write_script, body, head)
    assert len(found) == 1, found
    return found[0]


# --- errors ---------------------------------------------------------------------------


def test_not_yaml_points_at_the_problem(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: forest
        title: [unclosed
        then: next
    """,
    )
    assert (severity, line) == ("error", 7)
    assert message.startswith("not valid YAML")


def test_tab_indentation_is_explained(write_script):
    path = write_script("companion: 1\ntitle: x\nscenes:\n\t- id: a\n")
    (finding,) = load_script(path).findings
    assert (finding.line, finding.column) == (4, 1)
    assert "tabs" in finding.message


def test_missing_required_key_at_its_mapping(write_script):
    assert only(
        write_script,
        """\
      - id: a
        title: No environment
    """,
    ) == (4, 5, "error", "missing required key 'environment' in scene 'a'")


def test_missing_top_level_key(write_script):
    line, column, severity, message = only(
        write_script, "", head="companion: 1\nscenes:\n  - {id: a, environment: forest}\n"
    )
    assert (line, column, severity) == (1, 1, "error")
    assert message == "missing required key 'title' at the top of the script"


def test_unknown_key_suggests_the_nearest(write_script):
    assert only(
        write_script,
        """\
      - id: a
        environment: forest
        duraton: 5m
    """,
    ) == (6, 5, "error", "unknown key 'duraton'; did you mean 'duration'?")


def test_unknown_step_option_suggests_the_nearest(write_script):
    assert only(
        write_script,
        """\
      - id: a
        environment: forest
        steps:
          - say: Hello
            captoin: false
    """,
    ) == (8, 9, "error", "unknown key 'captoin'; did you mean 'caption'?")


def test_unknown_step_kind_suggests_the_nearest(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: forest
        steps:
          - sya: Hello
    """,
    )
    assert (line, column, severity) == (7, 9, "error")
    assert message.startswith("unknown step 'sya'; did you mean 'say'?")


def test_value_of_the_wrong_kind(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: forest
        steps:
          - say: Hello
            caption: sometimes
    """,
    )
    assert (line, column, severity) == (8, 18, "error")
    assert message.startswith("'caption': must be true or false")


def test_value_out_of_range(write_script):
    assert only(
        write_script,
        """\
      - id: a
        environment: forest
        look: {time: day, motion: 1.5}
    """,
    ) == (6, 31, "error", "'look.motion': must be at most 1 (got 1.5)")


def test_voice_rate_out_of_range(write_script):
    head = "companion: 1\ntitle: T\nvoice: {rate: 300}\nscenes:\n"
    assert only(write_script, "  - {id: a, environment: forest}\n", head=head) == (
        3,
        15,
        "error",
        "'voice.rate': must be at most 260 (got 300)",
    )


@pytest.mark.parametrize(
    "written, reason",
    [
        ("5x", "'5x' is not a duration"),
        ("0", "longer than zero"),
        ("-3s", "longer than zero"),
        ("1:75", "minutes and seconds go up to 59"),
    ],
)
def test_bad_duration(write_script, written, reason):
    line, column, severity, message = only(
        write_script,
        f"""\
      - id: a
        environment: forest
        steps:
          - pause: {written}
    """,
    )
    assert (line, column, severity) == (7, 16, "error")
    assert reason in message


def test_duplicate_scene_id_at_the_second(write_script):
    assert only(
        write_script,
        """\
      - id: a
        environment: forest
      - id: a
        environment: meadow
    """,
    ) == (6, 9, "error", "duplicate scene id 'a' (first used at line 4)")


def test_then_naming_no_scene(write_script):
    assert only(
        write_script,
        """\
      - id: arrive
        environment: forest
        then: arive
    """,
    ) == (
        6,
        11,
        "error",
        "'then': no scene has the id 'arive'; did you mean 'arrive'? (or use next, hold or end)",
    )


def test_safe_scene_naming_no_scene(write_script):
    head = "companion: 1\ntitle: T\nsafe_scene: haven\nscenes:\n"
    assert only(write_script, "  - {id: calm, environment: haven}\n", head=head) == (
        3,
        13,
        "error",
        "'safe_scene': no scene has the id 'haven'",
    )


def test_unknown_environment(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: shorline
    """,
    )
    assert (line, column, severity) == (5, 18, "error")
    assert message.startswith(
        "'environment': unknown environment 'shorline'; did you mean 'shoreline'?"
    )


def test_unknown_chime(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: forest
        steps:
          - chime: brite
    """,
    )
    assert (line, column, severity) == (7, 16, "error")
    assert message.startswith("'chime': unknown chime 'brite'; did you mean 'bright'?")


def test_unknown_music_track_suggests_the_library(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: forest
        music: [drift, stil-water]
    """,
    )
    assert (line, column, severity) == (6, 20, "error")
    assert "unknown music track 'stil-water'; did you mean 'still-water'?" in message


@pytest.mark.parametrize(
    "key, written, column",
    [
        ("music", "music: sounds/missing.ogg", 12),
        ("ambience", "ambience: {track: rain.ogg}", 23),
    ],
)
def test_missing_sound_file(write_script, key, written, column):
    line, col, severity, message = only(
        write_script,
        f"""\
      - id: a
        environment: forest
        {written}
    """,
    )
    assert (line, col, severity) == (6, column, "error")
    assert "file not found" in message


def test_missing_recorded_narration_file(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: forest
        steps:
          - say: Hello
            audio: voice/hello.wav
    """,
    )
    assert (line, column, severity) == (8, 16, "error")
    assert "file not found: 'voice/hello.wav'" in message


def test_existing_sound_file_is_accepted(write_script, tmp_path):
    (tmp_path / "sounds").mkdir()
    (tmp_path / "sounds" / "calm.ogg").write_bytes(b"OggS")
    assert (
        findings(
            write_script,
            """\
      - id: a
        environment: forest
        music: sounds/calm.ogg
    """,
        )
        == []
    )


def test_unsupported_version(write_script):
    assert only(
        write_script, "  - {id: a, environment: forest}\n", head="companion: 2\ntitle: T\nscenes:\n"
    ) == (
        1,
        12,
        "error",
        "'companion': unsupported format version 2; this Companion reads version 1",
    )


def test_environment_setting_of_another_environment(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: forest
        look: {waves: 0.5}
    """,
    )
    assert (line, column, severity) == (6, 12, "error")
    assert message.startswith("'look.waves' is a setting of shoreline, not of forest")


def test_environment_setting_out_of_range_in_a_look_step(write_script):
    assert only(
        write_script,
        """\
      - id: a
        environment: aurora
        steps:
          - look: {hue: orange, fade: 10s}
    """,
    ) == (7, 21, "error", "'look.hue' must be one of green, teal, violet, rose")


def test_duplicate_key(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: forest
        environment: meadow
    """,
    )
    assert (line, column, severity) == (6, 5, "error")
    assert message == "duplicate key 'environment' (first written at line 5)"


def test_every_error_in_one_pass(write_script):
    found = findings(
        write_script,
        """\
      - id: a
        environment: shorline
        duraton: 5m
        steps:
          - pause: nope
          - chime: brite
      - id: a
        environment: forest
        then: nowhere
    """,
    )
    assert [f[0] for f in found] == [5, 6, 8, 9, 10, 12]
    assert all(f[2] == "error" for f in found)


# --- warnings -------------------------------------------------------------------------


def test_steps_outlast_the_duration(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: forest
        duration: 30s
        steps:
          - pause: 20s
          - pause: 20s
    """,
    )
    assert (line, column, severity) == (6, 15, "warning")
    assert "take about 40s, longer than its duration of 30s (step 2 runs past it)" in message


def test_scene_no_path_reaches(write_script):
    assert only(
        write_script,
        """\
      - id: a
        environment: forest
        then: end
      - id: lost
        environment: meadow
    """,
    ) == (
        7,
        9,
        "warning",
        "no path reaches scene 'lost': no earlier scene leads to it and it is not the safe scene "
        "(the therapist can still go to it)",
    )


def test_safe_scene_counts_as_reached(write_script):
    head = "companion: 1\ntitle: T\nsafe_scene: calm\nscenes:\n"
    assert (
        findings(
            write_script,
            """\
      - id: a
        environment: forest
        then: end
      - id: calm
        environment: haven
        then: hold
    """,
            head=head,
        )
        == []
    )


def test_loop_without_hold(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: forest
        duration: 1m
      - id: b
        environment: meadow
        duration: 1m
        then: a
    """,
    )
    assert (line, column, severity) == (10, 11, "warning")
    assert message.startswith("scenes loop forever with no hold or wait: b → a → b")


@pytest.mark.parametrize("holding", ["    then: hold\n", "    steps:\n      - wait: therapist\n"])
def test_loop_with_a_hold_is_fine(write_script, holding):
    body = (
        "  - id: a\n    environment: forest\n    duration: 1m\n"
        + holding
        + "  - id: b\n    environment: meadow\n    duration: 1m\n    then: a\n"
    )
    assert findings(write_script, body) == []


def test_breathing_part_under_two_seconds(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: forest
        steps:
          - breathe: {in: 1.5, out: 4, cycles: 2}
    """,
    )
    assert (line, column, severity) == (7, 23, "warning")
    assert "a breathing 'in' of 1.5s is hurried" in message


def test_breathing_hold_over_seven_seconds(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: forest
        steps:
          - breathe: {in: 4, hold: 8, out: 6}
    """,
    )
    assert (line, column, severity) == (7, 32, "warning")
    assert "holding the breath for 8s may be uncomfortable" in message


def test_narration_in_a_journey_scene(write_script):
    line, column, severity, message = only(
        write_script,
        """\
      - id: a
        environment: night-sky
        phase: journey
        steps:
          - pause: 5s
          - say: Let go.
    """,
    )
    assert (line, column, severity) == (9, 9, "warning")
    assert message.startswith("narration in the journey scene 'a'")


def test_journey_phase_inherited_from_the_top(write_script):
    head = "companion: 1\ntitle: T\nphase: journey\nscenes:\n"
    found = findings(
        write_script, "  - id: a\n    environment: forest\n    steps:\n      - say: Hi\n", head=head
    )
    assert [(f[0], f[2]) for f in found] == [(8, "warning")]


def test_a_valid_script_has_no_findings(write_script):
    assert (
        findings(
            write_script,
            """\
      - id: a
        environment: shoreline
        look: {time: dusk, motion: 0.3, brightness: 0.7, waves: 0.4}
        music: [drift, still-water]
        ambience: {track: waves, volume: 0.8, fade: 10s}
        duration: 1m30s
        steps:
          - say: Welcome.
            id: welcome
          - breathe: {in: 4, hold: 2, out: 6, cycles: 2}
          - music: open-sky
            fade: 20s
          - look: {time: night, fade: 1:00}
          - show: A question
            for: 10s
          - chime: soft
    """,
        )
        == []
    )

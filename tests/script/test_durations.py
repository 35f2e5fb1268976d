import pytest

from companion.script.durations import DurationError, format_clock, format_short, parse_duration


@pytest.mark.parametrize(
    "written, seconds",
    [
        (20, 20.0),
        (2.5, 2.5),
        ("20", 20.0),
        ("20s", 20.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1m30s", 90.0),
        ("1h5m", 3900.0),
        ("1:30", 90.0),
        ("1:02:03", 3723.0),
        (" 45s ", 45.0),
        ("1.5m", 90.0),
    ],
)
def test_durations_the_spec_names(written, seconds):
    assert parse_duration(written) == seconds


@pytest.mark.parametrize(
    "written", [0, -1, "0s", "-5s", "", "5x", "m", "1:60", "1:60:00", True, None, [], "inf"]
)
def test_bad_durations(written):
    with pytest.raises(DurationError):
        parse_duration(written)


def test_formats():
    assert format_clock(3723.4) == "1:02:03"
    assert format_short(90) == "1m30s"
    assert format_short(3900) == "1h5m"
    assert format_short(0) == "0s"

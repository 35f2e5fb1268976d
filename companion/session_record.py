"""The session's record opened (a new one, or the stopped one continued), and on resume the
fresh engine put where the record stopped: its protocol, scene and step, the therapist's
settings, the notes, Talk and the dose clock.

Out of the session app (issue 17): these functions work on the app's options, player and
record; the app calls them in its start-up order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from companion.wiring import StartupError

if TYPE_CHECKING:
    from companion.app import SessionApp


def protocol_for(app: SessionApp) -> Any:
    """The protocol given, or on resume the one the record kept (its definition): the
    session goes on by it, its checkpoints where they were. Another --protocol on resume
    would restart them and mark taken checks missed: refused, naming both."""
    point, given = app.options.resume_point, app.options.protocol
    if point is None or not point.protocol:
        return given
    from companion.protocols import ProtocolError, from_definition

    try:
        kept = from_definition(point.protocol)
    except ProtocolError as exc:
        app.out(f"resume: the record's protocol cannot be used: {exc}")
        return given
    if given is not None and given != kept:  # compares what they say (not their text)
        raise StartupError(
            f"--protocol {given.name!r} is not the protocol this session was recorded with "
            f"({kept.name!r}{' as the record kept it' if given.name == kept.name else ''}); "
            "a resume goes on by the record's protocol: leave out --protocol"
        )
    return kept


def open_record(app: SessionApp) -> None:
    from companion.record import events as ev
    from companion.record.paths import RecordError
    from companion.record.writer import RecordWriter

    display = {
        "mode": app.options.display,
        "monitor": app.options.monitor,
        "offscreen": app.options.offscreen,
    }
    sound = {"device": not app.player.mixer.silent}
    from companion.record.clinic import load_clinic, local_zone_name

    clinic = load_clinic()
    if clinic.warning:
        app.out(f"warning: {clinic.warning}")
    facts = {"clinic": clinic.name, "timezone": clinic.timezone or local_zone_name()}
    if app.options.clinician:
        facts["clinician"] = app.options.clinician
    try:
        if app.options.resume is not None:
            from companion.record.resume import panel_continuity

            app.record = RecordWriter.resume(
                app.options.resume,
                display=display,
                sound=sound,
                report=app.report,
                facts=facts,
                lock=app.options.resume_lock,
                loaded=app.options.resume_record,
            )
            app._continuity = panel_continuity(app.record.resumed_from)
        else:
            app.record = RecordWriter.create(
                app.script_path,
                record_dir=app.options.record_dir,
                patient=app.options.patient,
                script=app.script,
                display=display,
                sound=sound,
                report=app.report,
                facts=facts,
            )
    except RecordError as exc:
        raise StartupError(f"cannot keep the session record: {exc}") from None
    writer = app.record
    if app.options.fitting is not None and isinstance(writer, RecordWriter):
        # what the patient's profile changed, before Start (companion/patients/fitting.py)
        writer.add(ev.Fitting.kind, session_time=0.0, play_time=0.0, **app.options.fitting)
    engine = app.player.engine
    app.record.times = lambda: (engine.session_time, engine.play_time)  # for heartbeats
    app.out(f"record: {app.record.folder}")


def continue_from_record(app: SessionApp) -> None:
    """Put the fresh engine where the record stopped: its scene and step, the therapist's
    settings, the dose clock (in this engine's times: the record's less its offset)."""
    assert app.record is not None
    point, offset = app.options.resume_point, app.record.session_offset
    for kind, event, at in point.monitoring:  # checkpoints first: none is due again
        app.player.engine.monitoring.replay(kind, event, at - offset)
    for name, args in point.commands():
        if name == "start_grounded":  # the safe scene at its step, Return leading back
            result = app.player.engine.start_grounded(**args)
        else:
            result = app.player.engine.command(name, source="resume", **args)
        if not result.ok:
            app.out(f"resume: {name}: {result.reason}")
    _continue_panel(app, offset)
    doses = [{**dose, "session_time": dose["session_time"] - offset} for dose in point.doses]
    due = point.vitals_due - offset if point.vitals_due is not None else None
    app.player.engine.restore_dose_clock(doses, point.vitals_checks, due)
    app.out(f"resumed at scene '{point.scene}', step {point.step + 1}")


def _continue_panel(app: SessionApp, offset: float) -> None:
    """What the panel showed goes on: the notes (in the engine's times, so the panel
    shows their record times) and Talk, if it was on."""
    seen = app._continuity
    app.player.engine.notes[:0] = seen.engine_notes(offset)
    if seen.talk:
        result = app.player.engine.command("talk", source="resume", on=True)
        if not result.ok:
            app.out(f"resume: talk: {result.reason}")
    app.player.engine.revision += 1

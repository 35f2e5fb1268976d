"""Narration: every `say` rendered to a file before the session, in a child process, into a
cache keyed by text, language, voice, rate and engine; recorded lines linked by id.

Modules: prepare (what sessions call), render (child processes), worker (the child),
cache, recordings (voice-artist export and import), timing (the engine's Timing), lines.
This package's top level imports nothing, so the speech child starts fast."""

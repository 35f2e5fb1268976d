"""Sound: the mixer (pygame.mixer behind buses and ramps), narration rendered ahead of time
into a cache, recorded narration, and the bundled library made by the project's own synthesis.

This package's top level imports nothing heavy: `check` uses `voices` without pygame or numpy.
"""

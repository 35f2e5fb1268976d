"""The bundled sound library, made by deterministic synthesis (no recorded or downloaded sound).

Loops are built in the circular domain: every sustained partial completes a whole number of
cycles in the loop, envelopes and LFOs are periodic in it, noise is shaped in one FFT of the
loop's length, events that run past the end wrap to the start, and reverb is a circular
convolution. So each loop's last sample leads into its first as smoothly as any two others.
"""

"""Companion: guided-session audio and VR companion for guided therapy sessions."""

__version__ = "0.1.0"

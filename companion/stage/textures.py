"""Textures the project makes itself: soft, tileable noise for clouds, ripples and rays."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from panda3d.core import SamplerState, Texture


def fractal_noise(size: int, slope: float, seed: int) -> np.ndarray:
    """Tileable 1/f^slope noise in 0..1 (filtered white noise: wraps at every edge)."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal((size, size))
    fx = np.fft.fftfreq(size)[:, None]
    fy = np.fft.fftfreq(size)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    spectrum = np.fft.fft2(white) / f**slope
    spectrum[0, 0] = 0.0
    field = np.real(np.fft.ifft2(spectrum))
    field = (field - field.mean()) / (field.std() * 4.0) + 0.5
    return np.clip(field, 0.0, 1.0)


@lru_cache(maxsize=1)
def _noise_pixels(size: int) -> bytes:
    channels = [
        fractal_noise(size, slope, seed)
        for slope, seed in ((1.1, 11), (1.5, 23), (2.0, 37), (0.8, 41))
    ]
    rgba = np.stack(channels, -1)
    # Panda3D keeps RGBA textures as BGRA in memory.
    bgra = rgba[..., [2, 1, 0, 3]]
    return (bgra * 255.0 + 0.5).astype(np.uint8).tobytes()


def noise_texture(size: int = 256) -> Texture:
    """Four noise fields of different grain in R, G, B, A; repeats, mipmapped, smooth."""
    tex = Texture("companion-noise")
    tex.setup2dTexture(size, size, Texture.T_unsigned_byte, Texture.F_rgba8)
    tex.setRamImage(_noise_pixels(size))
    tex.setWrapU(SamplerState.WM_repeat)
    tex.setWrapV(SamplerState.WM_repeat)
    # mipmaps keep far ground from shimmering; the nearest level (not a blend of two)
    # halves the cost of every read on a software renderer
    tex.setMinfilter(SamplerState.FT_linear_mipmap_nearest)
    tex.setMagfilter(SamplerState.FT_linear)
    return tex


@lru_cache(maxsize=1)
def _rays_pixels(size: int) -> bytes:
    """The noise at half its width (each texel the mean of two): what a mipmapped read of it
    shows on a curtain of light that spans about two texels to a pixel."""
    noise = np.frombuffer(_noise_pixels(size), np.uint8).reshape(size, size, 4).astype(np.float32)
    half = (noise[:, 0::2] + noise[:, 1::2]) * 0.5
    return (half + 0.5).astype(np.uint8).tobytes()


def rays_texture(size: int = 256) -> Texture:
    """The noise squeezed to half its width, read without mipmaps (a plain bilinear read,
    half the cost of choosing a mipmap level on a software renderer): for patterns seen at
    a steady, known scale, the aurora's rays."""
    tex = Texture("companion-rays")
    tex.setup2dTexture(size // 2, size, Texture.T_unsigned_byte, Texture.F_rgba8)
    tex.setRamImage(_rays_pixels(size))
    tex.setWrapU(SamplerState.WM_repeat)
    tex.setWrapV(SamplerState.WM_repeat)
    tex.setMinfilter(SamplerState.FT_linear)
    tex.setMagfilter(SamplerState.FT_linear)
    return tex

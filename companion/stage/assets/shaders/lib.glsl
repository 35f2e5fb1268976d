// Shared light, sky and air for every environment. Colours are display values (0..1).
uniform vec3 u_zenith;
uniform vec3 u_horizon;
uniform vec3 u_sun_dir;
uniform vec3 u_sun_color;
uniform float u_sun_glow;
uniform vec3 u_light;
uniform vec3 u_ambient;
uniform float u_stars;      // star visibility for this time of day
uniform float u_haze;       // thickness of the air (time of day)
uniform float u_exposure;   // the look's brightness
uniform float u_motion;     // the look's motion (0 still .. 1 lively)
uniform float u_clock;      // time that runs at the speed of motion (stops when paused)
uniform float u_fog;        // fog per metre for this environment
uniform float u_ground_mist;// extra mist lying low
uniform vec3 u_eye;         // where the viewer's eyes are
uniform sampler2D u_noise;  // tileable noise: r fine .. b smooth, a grainy

const vec3 LUMA = vec3(0.2126, 0.7152, 0.0722);

// Powers by squaring: on a software renderer pow() is an exp and a log per pixel.
float pow4(float x) { x *= x; return x * x; }
float pow8(float x) { x = pow4(x); return x * x; }
float pow32(float x) { x = pow8(x); x *= x; return x * x; }

// The sky's gradient from the horizon up (smooth: the sky dome works it out per vertex).
vec3 sky_gradient(vec3 dir) {
    float e = dir.z;
    vec3 c = mix(u_zenith, u_horizon, exp(-max(e, 0.0) * 3.2));
    // below the horizon the air deepens a little, never to black
    return mix(c, mix(u_horizon, u_ambient, 0.45), smoothstep(0.0, -0.3, e));
}

// The glow round the sun (no disc: the air takes this colour).
vec3 sun_glow(vec3 dir) {
    float s = max(dot(dir, u_sun_dir), 0.0);
    float above = smoothstep(-0.08, 0.03, dir.z);
    float s8 = pow8(s);
    return u_sun_color * ((0.22 * pow4(s) * s + 0.38 * s8 * s8 * s8 * s8 * s8) * u_sun_glow * above);
}

// The sun's (or the moon's) disc.
vec3 sun_disc(vec3 dir) {
    float s = dot(dir, u_sun_dir);
    return u_sun_color * (smoothstep(0.99950, 0.99978, s) * smoothstep(-0.02, 0.01, dir.z) * 0.55);
}

// The sky's gradient and the glow round the sun.
vec3 sky_glow(vec3 dir) {
    return sky_gradient(dir) + sun_glow(dir);
}

vec3 sky(vec3 dir) {
    return sky_glow(dir) + sun_disc(dir);
}

// A cheaper sky for reflections: the gradient and a broad glow, no exp, no pow.
vec3 sky_reflected(vec3 dir) {
    float up = sqrt(max(dir.z, 0.0));
    float s = max(dot(dir, u_sun_dir), 0.0);
    return mix(u_horizon, u_zenith, up) + u_sun_color * pow8(s) * 0.4 * u_sun_glow;
}

// The colour of the air along a view direction (the sky just above the horizon).
vec3 air(vec3 dir) {
    return sky_glow(normalize(vec3(dir.xy, max(dir.z, 0.0) * 0.35 + 0.015)));
}

// The air between the eye and a point: its colour (rgb) and how much of it (a). Worked out
// per vertex (it changes slowly across a surface), applied per pixel by fog().
vec4 air_to(vec3 world) {
    vec3 d = world - u_eye;
    float dist = length(d);
    float f = 1.0 - exp(-dist * u_fog * u_haze);
    // mist that lies near the ground thickens with distance
    f = max(f, u_ground_mist * exp(-max(world.z, 0.0) * 0.7) * (1.0 - exp(-dist * 0.06)));
    return vec4(air(d / max(dist, 1e-3)), clamp(f, 0.0, 1.0));
}

vec3 fog(vec3 c, vec4 air_here) {
    return mix(c, air_here.rgb, air_here.a);
}

// Soft light: the sky's fill from above, the key light wrapped round so shadows stay gentle.
// `light` is what a surface's colour is multiplied by; smooth surfaces work it out per vertex.
vec3 light(vec3 n, float wrap) {
    float key = max((dot(n, u_sun_dir) + wrap) / (1.0 + wrap), 0.0);
    vec3 fill = u_ambient * (0.65 + 0.35 * n.z);
    return fill + u_light * (key * 0.85);
}

vec3 lit(vec3 albedo, vec3 n, float wrap) {
    return albedo * light(n, wrap);
}

// The look's brightness, a soft shoulder instead of a hard clip, and a dither of less than
// one step of 8-bit colour (interleaved gradient noise), added before the colour is stored
// so that soft gradients never show bands. The shoulder is 1 - exp(-x) as 1 - 1/(1 + x +
// x^2/2 + x^3/6): within 1.5/255 of it, monotonic, and a third of its cost on llvmpipe.
#ifndef VERTEX_STAGE
vec4 finish(vec3 c) {
    c *= u_exposure;
    vec3 x = max(c - 0.78, 0.0) * (1.0 / 0.22);
    c = min(c, 0.78) + 0.22 - 0.22 / (1.0 + x * (1.0 + x * (0.5 + x * (1.0 / 6.0))));
    float n = fract(52.9829189 * fract(dot(gl_FragCoord.xy, vec2(0.06711056, 0.00583715))));
    return vec4(c + (n - 0.5) / 255.0, 1.0);
}
#endif

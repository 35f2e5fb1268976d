#version 150
// The haven: a quiet room lit softly by its window and a lamp. Each kind of surface is a
// variant of its own, so no pixel pays for what it is not: the view out of the window
// (VIEW), the lamp's glowing shade (SHADE), the wooden floor (BOARDS), fabric that light
// shines through (FABRIC), surfaces facing away from the sun (NO_SUN: the ceiling and the
// window's wall), and plain walls and things (none). Everything that is the same
// for every pixel (the colours of the window's and the lamp's light, the fill, how strongly
// the sun comes in) is worked out once a frame (Haven.update).
#include "lib.glsl"
uniform vec3 u_window_min;       // the window opening (x, y of the wall, z)
uniform vec3 u_window_mid;       // its middle, and half its size
uniform vec3 u_window_half;
uniform float u_sun_reach;       // 1 / the sun's direction's y (how far a ray goes to the wall)
uniform vec3 u_lamp;             // where the lamp's light is
uniform vec3 u_warm_light;       // the lamp's colour (the look's `warmth`)
uniform vec3 u_window_light;     // the colour of the light from the window
uniform vec3 u_fill;             // the room's soft fill light
uniform vec3 u_sun_patch;        // sunlight (or moonlight) through the window, 0 when none
uniform sampler2D u_noise_near;  // the noise without mipmaps: the room is seen close up
in vec3 v_world;
in vec3 v_normal;
in vec4 v_color;
out vec4 o_color;

void main() {
    vec3 p = v_world;
#if defined(VIEW)
    vec3 view = normalize(p - u_eye);
    vec3 c = sky(view);
    float below = smoothstep(0.02, -0.06, view.z);
    vec3 land = mix(u_horizon, u_ambient * vec3(0.55, 0.75, 0.5), 0.55);
    o_color = finish(mix(c, land, below) * 0.95);
#elif defined(SHADE)
    o_color = finish(u_warm_light * (0.75 + 0.25 * v_color.r));
#else
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) n = -n;
#if defined(BOARDS)
    float board = floor(p.x * 5.0);
    vec4 noise = texture(u_noise_near, vec2(p.x * 0.6 + board * 0.137, p.y * 0.05));
    vec3 albedo = v_color.rgb * (0.86 + 0.22 * noise.r + 0.05 * sin(board * 12.9898));
#else
    vec3 albedo = v_color.rgb * (0.95 + 0.08 * texture(u_noise_near, p.xy * 0.4 + p.z * 0.3).b);
#endif
    vec3 to_window = u_window_mid - p;
    float dw2 = dot(to_window, to_window);
    vec3 lw = to_window * inversesqrt(dw2);
    float from_window = max(dot(n, lw) * 0.7 + 0.3, 0.0) * max(lw.y, 0.0);
    vec3 light = u_window_light * (from_window * 2.2 / (1.0 + 0.22 * dw2));
#if !defined(NO_SUN)
    // sunlight (or moonlight) through the opening, a soft-edged patch: where the ray
    // towards the sun crosses the window's wall, within the opening (one edge at a time)
    float t = (u_window_min.y - p.y) * u_sun_reach;
    vec3 off = abs(p + u_sun_dir * t - u_window_mid);
    float inside = smoothstep(u_window_half.x + 0.08, u_window_half.x - 0.08, off.x)
                 * smoothstep(u_window_half.z + 0.08, u_window_half.z - 0.08, off.z);
    light += u_sun_patch * (inside * max(dot(n, u_sun_dir), 0.0) * step(0.0, t));
#endif
    vec3 to_lamp = u_lamp - p;
    float dl2 = dot(to_lamp, to_lamp);
    float lamp_face = max(dot(n, to_lamp) * inversesqrt(dl2) * 0.75 + 0.25, 0.0);
    light += u_warm_light * (lamp_face * 1.5 / (1.0 + 0.3 * dl2));
    // corners and edges gather a little shade, as rooms do
    float ao = (0.62 + 0.38 * smoothstep(0.0, 0.55, p.z)) * (0.75 + 0.25 * smoothstep(0.0, 0.5, 2.7 - p.z))
             * (0.72 + 0.28 * smoothstep(0.0, 0.7, 2.6 - abs(p.x)));
    vec3 c = albedo * (u_fill * ao + light);
#if defined(FABRIC)
    c += albedo * u_window_light * (0.25 * max(-dot(n, lw), 0.0));   // light comes through
#endif
    o_color = finish(c);
#endif
}

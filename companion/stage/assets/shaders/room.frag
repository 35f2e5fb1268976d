#version 150
// The haven: a quiet room lit softly by its window and a lamp. Vertex alpha names the
// material: 1 plain, 0.9 wooden floor, 0.6 fabric that light shines through. The view out
// of the window (VIEW) and the lamp's glowing shade (SHADE) are variants of their own, so
// no pixel pays for what it is not.
#include "lib.glsl"
uniform float u_warmth;          // the look's `warmth`: 0 cool .. 1 warm
uniform vec3 u_window_min;       // the window opening (x, y of the wall, z)
uniform vec3 u_window_max;
uniform vec3 u_lamp;             // where the lamp's light is
in vec3 v_world;
in vec3 v_normal;
in vec4 v_color;
in vec4 v_extra;
out vec4 o_color;

vec3 warm_light() {
    return mix(vec3(0.80, 0.87, 1.00), vec3(1.00, 0.76, 0.52), u_warmth);
}

void main() {
    float material = v_color.a;
    vec3 p = v_world;
    vec3 view = normalize(p - u_eye);
#if defined(VIEW)
    vec3 c = sky(view);
    float below = smoothstep(0.02, -0.06, view.z);
    vec3 land = mix(u_horizon, u_ambient * vec3(0.55, 0.75, 0.5), 0.55);
    o_color = finish(mix(c, land, below) * 0.95);
#elif defined(SHADE)
    o_color = finish(warm_light() * (0.75 + 0.25 * v_color.r));
#else
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) n = -n;
    vec3 albedo = v_color.rgb;
    float board = floor(p.x * 5.0);
    float boards = step(0.85, material) * step(material, 0.95);
    vec4 noise = texture(u_noise, mix(p.xy * 0.4 + p.z * 0.3, vec2(p.x * 0.6 + board * 0.137, p.y * 0.05), boards));
    albedo *= mix(0.95 + 0.08 * noise.b, 0.86 + 0.22 * noise.r + 0.05 * sin(board * 12.9898), boards);
    vec3 window_mid = (u_window_min + u_window_max) * 0.5;
    vec3 to_window = window_mid - p;
    float dw = length(to_window);
    vec3 lw = to_window / dw;
    vec3 window_colour = mix(u_horizon, u_zenith, 0.35) * 0.75 + u_light * 0.25;
    float from_window = max(dot(n, lw) * 0.7 + 0.3, 0.0) * max(lw.y, 0.0);
    vec3 c_window = window_colour * from_window * 2.2 / (1.0 + 0.22 * dw * dw);
    // sunlight (or moonlight) through the opening, a soft-edged patch
    vec3 c_sun = vec3(0.0);
    if (u_sun_dir.y > 0.05 && u_sun_dir.z > 0.0) {
        float t = (u_window_min.y - p.y) / u_sun_dir.y;
        vec3 hit = p + u_sun_dir * t;
        float inside = smoothstep(u_window_min.x - 0.08, u_window_min.x + 0.08, hit.x)
                     * smoothstep(u_window_max.x + 0.08, u_window_max.x - 0.08, hit.x)
                     * smoothstep(u_window_min.z - 0.08, u_window_min.z + 0.08, hit.z)
                     * smoothstep(u_window_max.z + 0.08, u_window_max.z - 0.08, hit.z);
        c_sun = u_sun_color * inside * max(dot(n, u_sun_dir), 0.0) * 0.9 * (t > 0.0 ? 1.0 : 0.0)
                * smoothstep(0.0, 0.12, u_sun_dir.z) * min(1.0, length(u_light) * 1.2);
    }
    vec3 to_lamp = u_lamp - p;
    float dl = length(to_lamp);
    float lamp_face = max(dot(n, to_lamp / dl) * 0.75 + 0.25, 0.0);
    vec3 c_lamp = warm_light() * lamp_face * 1.5 / (1.0 + 0.3 * dl * dl);
    // corners and edges gather a little shade, as rooms do
    float ao = (0.62 + 0.38 * smoothstep(0.0, 0.55, p.z)) * (0.75 + 0.25 * smoothstep(0.0, 0.5, 2.7 - p.z))
             * (0.72 + 0.28 * smoothstep(0.0, 0.7, 2.6 - abs(p.x)));
    vec3 fill = mix(u_ambient, u_ambient * warm_light(), 0.4) * 0.55 + warm_light() * 0.06;
    vec3 c = albedo * (fill * ao + c_window + c_sun + c_lamp);
    float fabric = step(0.55, material) * step(material, 0.65);   // light comes through
    c += fabric * albedo * window_colour * 0.25 * max(-dot(n, lw), 0.0);
    o_color = finish(c);
#endif
}

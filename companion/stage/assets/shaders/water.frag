#version 150
// Water: the sky mirrored more at a glancing angle, deep teal looking down, sand showing
// through the shallows, a soft line of foam where it meets the shore.
#include "lib.glsl"
#include "shore.glsl"
in vec3 v_world;
in vec4 v_air;
in vec3 v_normal;
in float v_ripple;   // how much the ripples tilt the surface here (less far away)
in vec3 v_body;      // deep water, sand seen through the shallows, foam: in this light
in vec3 v_sand;
in vec3 v_foam;
out vec4 o_color;

void main() {
    vec3 n = normalize(v_normal);
    vec2 q = v_world.xy * 0.05 + vec2(u_clock * 0.006, -u_clock * 0.013);
    vec4 noise = texture(u_noise, q);
    vec2 ripple = (noise.rg + noise.ba - 1.0) * v_ripple;
    n = normalize(n + vec3(ripple, 0.0));
    vec3 view = normalize(v_world - u_eye);
    vec3 r = reflect(view, n);
    r.z = max(r.z, 0.01);
    float facing = max(dot(-view, n), 0.0);
    float fresnel = 0.03 + 0.97 * pow4(1.0 - facing) * (1.0 - facing);
    float depth = v_world.z - sand_height(v_world.xy);
    vec3 shallow = mix(v_sand, v_body, smoothstep(0.0, 1.6, depth));
    vec3 c = mix(shallow, sky_reflected(r), fresnel * 0.92);
    float glint = pow32(max(dot(r, u_sun_dir), 0.0));
    glint *= glint;
    c += u_sun_color * glint * 0.35 * u_sun_glow;
    float grain = noise.a;
    float foam = (1.0 - smoothstep(0.0, 0.06 + 0.2 * grain, depth)) * (0.5 + 0.5 * grain);
    c = mix(c, v_foam, foam * 0.75);
    o_color = finish(fog(c, v_air));
}

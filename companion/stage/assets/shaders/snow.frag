#version 150
// Snow: cool white, gently rippled by wind, catching the colour of the aurora.
#include "lib.glsl"
uniform float u_aurora;
uniform vec3 u_aurora_color;
in vec3 v_world;
in vec4 v_air;
in vec3 v_normal;
in vec4 v_color;
in vec3 v_lit;
out vec4 o_color;

void main() {
    vec4 noise = texture(u_noise, v_world.xy * vec2(0.05, 0.12));
    float drift = noise.b;
    float grain = noise.a;
    vec3 albedo = v_color.rgb * (0.9 + 0.12 * drift + 0.04 * grain);
    // the aurora's glow, stronger on snow facing up (the normal is near enough unit)
    vec3 c = albedo * (v_lit + u_aurora_color * (u_aurora * 0.10 * (0.6 + 0.4 * v_normal.z)));
    o_color = finish(fog(c, v_air));
}

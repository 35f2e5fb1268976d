#version 150
// A shaft of light between the trees: soft across, fading at both ends, drifting slowly.
#include "lib.glsl"
uniform float u_shafts;
in vec3 v_world;
in vec4 v_extra;   // x across 0..1, y along 0..1, z seed
out vec4 o_color;

void main() {
    float across = sin(3.14159 * v_extra.x);
    across *= across;
    float along = smoothstep(0.0, 0.35, v_extra.y) * (1.0 - smoothstep(0.75, 1.0, v_extra.y));
    float drift = texture(u_noise, vec2(v_extra.x * 0.4 + v_extra.z, u_clock * 0.004 + v_extra.y * 0.15)).b;
    float a = across * along * (0.55 + 0.45 * drift) * u_shafts;
    float dist = length(v_world - u_eye);
    a *= smoothstep(3.0, 12.0, dist) * exp(-dist * 0.012);
    o_color = vec4(u_light * a * 0.11 * u_exposure, 1.0);
}

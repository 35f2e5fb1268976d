#version 150
// Ground: two colours (u_ground_b and vertex colour) mixed by soft noise at two scales,
// in its light (per vertex) and the air between.
#include "lib.glsl"
uniform vec3 u_ground_b;
in vec3 v_world;
in vec4 v_air;
in vec4 v_color;
in vec3 v_lit;
out vec4 o_color;

void main() {
    vec4 noise = texture(u_noise, v_world.xy * 0.03);   // one read: b is broad, r is fine
    float broad = noise.b;
    float fine = noise.r;
    vec3 albedo = mix(v_color.rgb, u_ground_b, smoothstep(0.35, 0.75, broad * 0.75 + fine * 0.25));
    albedo *= 0.86 + 0.26 * fine;
    o_color = finish(fog(albedo * v_lit, v_air));
}

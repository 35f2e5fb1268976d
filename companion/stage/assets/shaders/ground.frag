#version 150
// Ground: two colours (extra.x and vertex colour) mixed by soft noise at two scales.
#include "lib.glsl"
uniform vec3 u_ground_b;
in vec3 v_world;
in vec4 v_air;
in vec3 v_normal;
in vec4 v_color;
out vec4 o_color;

void main() {
    vec3 n = normalize(v_normal);
    vec4 noise = texture(u_noise, v_world.xy * 0.03);   // one read: b is broad, r is fine
    float broad = noise.b;
    float fine = noise.r;
    vec3 albedo = mix(v_color.rgb, u_ground_b, smoothstep(0.35, 0.75, broad * 0.75 + fine * 0.25));
    albedo *= 0.86 + 0.26 * fine;
    o_color = finish(fog(lit(albedo, n, 0.5), v_air));
}

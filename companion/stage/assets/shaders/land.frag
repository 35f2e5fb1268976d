#version 150
// Land far away and things that stand still: vertex colour, soft light, the air between.
#include "lib.glsl"
in vec3 v_world;
in vec4 v_air;
in vec3 v_normal;
in vec4 v_color;
in vec4 v_extra;
out vec4 o_color;

void main() {
    vec3 n = normalize(v_normal);
    float grain = texture(u_noise, v_world.xy * 0.013).b;
    vec3 albedo = v_color.rgb * (0.85 + 0.3 * grain);
    o_color = finish(fog(lit(albedo, n, 0.6), v_air));
}

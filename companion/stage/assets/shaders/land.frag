#version 150
// Land far away and things that stand still: vertex colour, soft light, the air between.
#include "lib.glsl"
in vec3 v_world;
in vec4 v_air;
in vec4 v_color;
in vec3 v_lit;
out vec4 o_color;

void main() {
    float grain = texture(u_noise, v_world.xy * 0.013).b;
    vec3 albedo = v_color.rgb * (0.85 + 0.3 * grain);
    o_color = finish(fog(albedo * v_lit, v_air));
}

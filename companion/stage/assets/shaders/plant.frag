#version 150
// Trees, bushes and grass: vertex colour in the light worked out per vertex (sway.vert),
// the near or the far side's, and the air between.
#include "lib.glsl"
in vec4 v_air;
in vec4 v_color;
in vec3 v_front;
in vec3 v_back;
out vec4 o_color;

void main() {
    vec3 c = v_color.rgb * (gl_FrontFacing ? v_front : v_back);
    o_color = finish(fog(c, v_air));
}

#version 150
#include "lib.glsl"
in vec3 v_color;     // the flower's colour in its light (vertex shader)
in float v_shown;    // how far it is open
in vec4 v_air;
out vec4 o_color;

void main() {
    vec2 corner = gl_PointCoord * 2.0 - 1.0;
    float r2 = dot(corner, corner);
    float petal = 1.0 - smoothstep(0.45, 1.0, r2 / max(v_shown, 0.05));
    if (petal * v_shown < 0.02) discard;
    vec3 c = v_color * (1.0 - 0.175 * smoothstep(0.3, 0.0, r2));
    o_color = finish(fog(c, v_air));
}

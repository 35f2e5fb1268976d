#version 150
#include "lib.glsl"
uniform float u_flowers;     // the look's `flowers`: how many show
in vec2 v_corner;
in vec4 v_color;
in float v_seed;
in vec3 v_world;
in vec4 v_air;
out vec4 o_color;

void main() {
    float r2 = dot(v_corner, v_corner);
    // each flower opens as the setting passes its seed, so the meadow fills in gently
    float shown = smoothstep(v_seed - 0.06, v_seed, u_flowers);
    float petal = 1.0 - smoothstep(0.45, 1.0, r2 / max(shown, 0.05));
    if (petal * shown < 0.02) discard;
    vec3 c = lit(v_color.rgb * (1.0 - 0.35 * smoothstep(0.3, 0.0, r2) * 0.5), vec3(0.0, 0.0, 1.0), 0.8);
    o_color = finish(fog(c, v_air));
}

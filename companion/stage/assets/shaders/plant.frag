#version 150
// Trees, bushes and grass: vertex colour, soft wrapped light, light through the leaves when
// the sun is behind them (extra.w: how leafy), and the air between.
#include "lib.glsl"
uniform float u_low_shade;  // how much the lowest parts sit in shade (a forest floor)
in vec3 v_world;
in vec4 v_air;
in vec3 v_normal;
in vec4 v_color;
in vec4 v_extra;
out vec4 o_color;

void main() {
    vec3 n = normalize(v_normal);
    float under = 1.0;
    if (!gl_FrontFacing) {  // the far side of a blade, a fir's tier from below: a little shaded
        n.xy = -n.xy;
        under = 0.78;
    }
    vec3 view = normalize(v_world - u_eye);
    vec3 albedo = v_color.rgb;
    vec3 c = lit(albedo, n, 0.7);
    float through = pow4(max(dot(view, u_sun_dir), 0.0)) * v_extra.w;
    c += albedo * u_light * through * 0.8;
    // lower parts sit in shade
    c *= (1.0 - u_low_shade * (1.0 - smoothstep(0.0, 6.0, v_world.z))) * under;
    o_color = finish(fog(c, v_air));
}

#version 150
// Sand: warm, softly rippled, darker and faintly shining where the sea has just been.
#include "lib.glsl"
#include "shore.glsl"
in vec3 v_world;
in vec4 v_air;
in vec4 v_color;
in vec3 v_lit;
in vec3 v_mirrored;   // the sky a wet, flat patch would mirror here
out vec4 o_color;

void main() {
    vec4 noise = texture(u_noise, v_world.xy * vec2(0.12, 0.3));
    float ripple = noise.r;
    float spot = noise.b;
    vec3 albedo = v_color.rgb * (0.90 + 0.14 * ripple) * (0.94 + 0.12 * spot);
    float above = v_world.z - tide();
    float wet = 1.0 - smoothstep(0.0, 0.22, above);
    albedo *= mix(1.0, 0.66, wet);
    vec3 c = mix(albedo * v_lit, v_mirrored, wet * 0.28);
    o_color = finish(fog(c, v_air));
}

#version 150
// A far tree's crown: a sphere a little flattened, with a leafy, uneven edge, lit from the
// sun's direction in the sprite's frame (crown.vert) and the sky above, in the air between.
#include "lib.glsl"
uniform sampler2D u_noise_near;
in vec3 v_color;
in vec3 v_through;
in vec3 v_sun;
in vec3 v_up;
in vec4 v_air;
in float v_seed;
out vec4 o_color;

const float FLAT = 0.82;   // the crown's height over its width

void main() {
    vec2 q = vec2(gl_PointCoord.x * 2.0 - 1.0, (1.0 - gl_PointCoord.y * 2.0) / FLAT);
    float r2 = dot(q, q);
    float leaves = texture(u_noise_near, q * 0.18 + vec2(v_seed * 7.0, v_seed * 3.0)).r;
    if (r2 * (0.92 + 0.3 * leaves) > 1.0) discard;
    // a crown is leaves, not a ball: light reaches round it further than round a solid
    vec3 n = vec3(q, sqrt(max(1.0 - r2, 0.0)));
    float key = max((dot(n, v_sun) + 1.0) / 2.0, 0.0);
    vec3 light = u_ambient * (0.78 + 0.22 * dot(n, v_up)) + u_light * (key * 0.85) + v_through;
    o_color = finish(fog(v_color * light * (0.92 + 0.16 * leaves), v_air));
}

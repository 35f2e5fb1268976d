#version 150
// Light of the curtain: a bright lower hem fading upwards, soft vertical rays drifting
// along it, the colour turning at the top. It swells and ebbs very slowly, never flickers
// (the swell and the fading ends come from the vertex shader).
uniform sampler2D u_rays;       // the noise at half its width, without mipmaps
uniform float u_clock;
uniform vec3 u_aurora_color;
uniform vec3 u_aurora_top;
in vec4 v_extra;
in float v_strength;
out vec4 o_color;

void main() {
    float u = v_extra.x;
    float v = v_extra.y;
    float seed = v_extra.z;
    float rays = texture(u_rays, vec2(u * 7.0 + seed + u_clock * 0.005, seed * 0.3 + u_clock * 0.0015)).r;
    rays = mix(0.3, 1.0, smoothstep(0.3, 0.8, rays));
    // exp(-2.4 v) * (1 - smoothstep(0.55, 1, v)) as a polynomial (within 0.012 of it)
    float fade = (((((3.48454 * v - 6.36671) * v + 2.41924) * v + 1.79448) * v - 2.31899) * v + 0.999);
    float hem = smoothstep(0.0, 0.07, v) * max(fade, 0.0);
    vec3 c = mix(u_aurora_color, u_aurora_top, smoothstep(0.15, 0.85, v));
    o_color = vec4(c * (hem * rays * v_strength), 1.0);
}

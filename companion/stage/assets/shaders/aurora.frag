#version 150
// Light of the curtain: a bright lower hem fading upwards, soft vertical rays drifting
// along it, the colour turning at the top. It swells and ebbs very slowly, never flickers.
uniform sampler2D u_noise;
uniform float u_clock;
uniform float u_aurora;         // how visible (time of day)
uniform vec3 u_aurora_color;
uniform vec3 u_aurora_top;
uniform float u_exposure;
in vec4 v_extra;
in vec3 v_world;
out vec4 o_color;

void main() {
    float u = v_extra.x;
    float v = v_extra.y;
    float seed = v_extra.z;
    float rays = texture(u_noise, vec2(u * 7.0 + seed + u_clock * 0.005, seed * 0.3 + u_clock * 0.0015)).r;
    rays = mix(0.3, 1.0, smoothstep(0.3, 0.8, rays));
    float hem = smoothstep(0.0, 0.07, v) * exp(-v * 2.4) * (1.0 - smoothstep(0.55, 1.0, v));
    float ends = smoothstep(0.0, 0.18, u) * (1.0 - smoothstep(0.82, 1.0, u));
    float swell = 0.85 + 0.15 * sin(u_clock * 0.12 + seed * 5.0 + u * 3.0);
    float a = hem * ends * rays * swell * u_aurora * 0.5;
    vec3 c = mix(u_aurora_color, u_aurora_top, smoothstep(0.15, 0.85, v));
    o_color = vec4(c * a * u_exposure, 1.0);
}

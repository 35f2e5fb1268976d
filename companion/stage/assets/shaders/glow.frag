#version 150
// The breathing guide: a soft round light with a faint ring where a full breath reaches.
uniform float u_alpha;
uniform float u_size;        // current radius as a fraction of the card's half-width
uniform vec3 u_glow_color;
in vec2 v_uv;
out vec4 o_color;

void main() {
    float r = length(v_uv - 0.5) * 2.0;          // 0 at the centre, 1 at the card's edge
    float body = 1.0 - smoothstep(u_size * 0.55, u_size, r);
    float halo = exp(-pow(max(r - u_size * 0.7, 0.0) / (0.18 * u_size + 0.02), 2.0)) * 0.35;
    float ring = exp(-pow((r - 0.98) / 0.012, 2.0)) * 0.22;
    float a = clamp(body * 0.55 + halo + ring, 0.0, 1.0) * u_alpha;
    o_color = vec4(u_glow_color, a);
}

#version 150
// The breathing guide: a soft round light, brightest at its heart, with a faint ring
// showing how far a full breath reaches.
uniform float u_alpha;
uniform float u_size;        // current radius as a fraction of the card's half-width
uniform vec3 u_glow_color;
in vec2 v_uv;
out vec4 o_color;

void main() {
    float r = length(v_uv - 0.5) * 2.0;          // 0 at the centre, 1 at the card's edge
    float x = r / max(u_size, 1e-3);
    float body = (1.0 - smoothstep(0.0, 1.0, x)) * 0.55 + (1.0 - smoothstep(0.75, 1.0, x)) * 0.25;
    float halo = exp(-max(x - 0.8, 0.0) * max(x - 0.8, 0.0) * 18.0) * 0.18;
    float ring = exp(-pow((r - 0.97) / 0.014, 2.0)) * 0.20;
    float a = clamp(body + halo + ring, 0.0, 1.0) * u_alpha;
    o_color = vec4(u_glow_color, a);
}

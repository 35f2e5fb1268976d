#version 150
// The soft backdrop behind a caption: a rounded, feathered panel.
uniform float u_alpha;
uniform vec3 u_backdrop_color;
uniform vec2 u_extent;       // the panel's half size in the card's units
uniform float u_feather;     // width of the soft edge, same units
in vec2 v_uv;
out vec4 o_color;

void main() {
    vec2 p = (v_uv - 0.5) * 2.0 * (u_extent + u_feather);
    vec2 q = abs(p) - u_extent + u_feather;
    float d = length(max(q, 0.0)) + min(max(q.x, q.y), 0.0) - u_feather;
    float a = 1.0 - smoothstep(-u_feather, u_feather, d);
    o_color = vec4(u_backdrop_color, a * u_alpha);
}

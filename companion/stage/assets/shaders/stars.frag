#version 150
// A star's soft round light (its brightness comes from the vertex shader).
in vec2 v_corner;
in vec3 v_color;
out vec4 o_color;

void main() {
    float r2 = dot(v_corner, v_corner);
    float shape = exp(-r2 * 3.2) * (1.0 - smoothstep(0.7, 1.0, r2));
    o_color = vec4(v_color * shape, 1.0);
}

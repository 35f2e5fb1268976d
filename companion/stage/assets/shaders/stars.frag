#version 150
// A star's soft round light (its brightness comes from the vertex shader).
in vec3 v_color;
out vec4 o_color;

void main() {
    vec2 corner = gl_PointCoord * 2.0 - 1.0;
    float r2 = dot(corner, corner);
    float shape = exp(-r2 * 3.2) * (1.0 - smoothstep(0.7, 1.0, r2));
    o_color = vec4(v_color * shape, 1.0);
}

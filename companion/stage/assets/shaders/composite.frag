#version 150
// What the patient sees: up to three scenes crossfading, the gentle pause dim, the veil a
// scene fades through or the session ends into, a faint vignette, and a dither so soft
// gradients never band.
uniform sampler2D u_layer0;
uniform sampler2D u_layer1;
uniform sampler2D u_layer2;
uniform vec3 u_weights;
uniform float u_dim;          // 0 awake .. 1 fully paused (never black)
uniform float u_veil;         // 0 .. 1 of the veil colour
uniform vec3 u_veil_color;
in vec2 v_uv;
out vec4 o_color;

float hash(vec2 p) {
    return fract(sin(dot(p, vec2(12.9898, 78.233))) * 43758.5453);
}

void main() {
    vec3 c = vec3(0.0);
    if (u_weights.x > 0.0) c += u_weights.x * texture(u_layer0, v_uv).rgb;
    if (u_weights.y > 0.0) c += u_weights.y * texture(u_layer1, v_uv).rgb;
    if (u_weights.z > 0.0) c += u_weights.z * texture(u_layer2, v_uv).rgb;
    float luma = dot(c, vec3(0.2126, 0.7152, 0.0722));
    vec3 paused = mix(vec3(luma), c, 0.7) * 0.62 + vec3(0.035, 0.04, 0.05);
    c = mix(c, paused, u_dim);
    vec2 q = v_uv - 0.5;
    c *= 1.0 - 0.10 * dot(q, q) * 2.0;
    c = mix(c, u_veil_color, u_veil);
    c += (hash(gl_FragCoord.xy) - 0.5) / 255.0;
    o_color = vec4(c, 1.0);
}

#version 150
uniform float u_stars;        // visibility for the time of day
uniform float u_star_amount;  // the look's `stars` setting: how many show
uniform float u_clock;
uniform float u_exposure;
in vec2 v_corner;
in vec4 v_color;
in vec4 v_extra;
in float v_up;
out vec4 o_color;

void main() {
    float r2 = dot(v_corner, v_corner);
    float shape = exp(-r2 * 3.2) * (1.0 - smoothstep(0.7, 1.0, r2));
    // stars come and go one by one as the setting moves, each fading in over a range
    float shown = smoothstep(v_extra.x - 0.08, v_extra.x, u_star_amount);
    // a slow, shallow twinkle: at most 10% either way, well under a second's flicker
    float twinkle = 1.0 + 0.10 * sin(u_clock * (0.6 + v_extra.w) + v_extra.w * 40.0);
    float horizon = smoothstep(-0.01, 0.14, v_up);
    float a = shape * shown * twinkle * horizon * u_stars * v_extra.z * u_exposure;
    o_color = vec4(v_color.rgb * a, 1.0);
}

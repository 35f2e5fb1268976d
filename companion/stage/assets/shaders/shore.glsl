// The shoreline's shapes, shared by the water and the sand so the waterline is exact.
uniform float u_waves;   // the look's `waves`: 0 flat .. 1 rolling

float sand_height(vec2 p) {
    return 0.55 - 0.055 * p.y + 0.22 * sin(p.x * 0.055) + 0.08 * sin(p.x * 0.17 + p.y * 0.2);
}

// The sea breathes: the whole water rises and falls slowly, and the waterline with it
// ((0.04 + 0.07 * waves) * sin(clock * 0.35), worked out once a frame: Shoreline.update).
uniform float u_tide;

float tide() {
    return u_tide;
}

// Long swells rolling towards the shore: height, and its slope in x and y.
vec3 swell(vec2 p, float dist) {
    float amp = (0.04 + 0.26 * u_waves) * mix(0.35, 1.0, exp(-dist * 0.004));
    vec2 d1 = normalize(vec2(0.12, -1.0));
    vec2 d2 = normalize(vec2(-0.4, -1.0));
    vec2 d3 = normalize(vec2(0.55, -1.0));
    float p1 = dot(d1, p) * 0.11 - u_clock * 0.80;
    float p2 = dot(d2, p) * 0.19 - u_clock * 1.05 + 1.3;
    float p3 = dot(d3, p) * 0.33 - u_clock * 1.40 + 4.1;
    float h = 0.55 * sin(p1) + 0.30 * sin(p2) + 0.15 * sin(p3);
    vec2 g = 0.55 * 0.11 * cos(p1) * d1 + 0.30 * 0.19 * cos(p2) * d2 + 0.15 * 0.33 * cos(p3) * d3;
    return vec3(amp * h + tide(), amp * g);
}
